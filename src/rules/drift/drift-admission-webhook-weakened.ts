import type { Severity, Violation } from '../../core/types.js';
import { asArray, asString, isObject } from '../../core/values.js';
import { defineRule } from '../define.js';
import { DRIFT_TAGS, changeOf, describeTarget, groupOf, objectChangeExample } from './shared.js';

const WEBHOOK_DOC = 'https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#failure-policy';

const KINDS = new Set(['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']);

interface Hook {
  name: string;
  index: number;
  /** failurePolicy after the API server's defaulting: Fail in admissionregistration v1, Ignore in v1beta1. */
  failurePolicy: 'Fail' | 'Ignore';
  explicit: boolean;
}

/** `apiVersion`: the change target's, for an object that does not say its own. */
function hooksOf(object: Record<string, unknown> | undefined, apiVersion: string): Map<string, Hook> {
  const out = new Map<string, Hook>();
  if (!object) return out;
  const defaultsToIgnore = (asString(object.apiVersion) ?? apiVersion) === 'admissionregistration.k8s.io/v1beta1';
  asArray(object.webhooks).forEach((hook, index) => {
    if (!isObject(hook)) return;
    const name = asString(hook.name) ?? `#${index + 1}`;
    const written = hook.failurePolicy;
    const failurePolicy = written === 'Ignore' || (written === undefined && defaultsToIgnore) ? 'Ignore' : 'Fail';
    if (!out.has(name)) out.set(name, { name, index, failurePolicy, explicit: written !== undefined });
  });
  return out;
}

/**
 * A validating webhook that failed closed was enforcing something: losing it is high. A mutating
 * webhook's loss or fail-open is medium: mutations set defaults and inject sidecars more often than
 * they enforce, and the validating side (Pod Security Admission, a policy engine) still judges the result.
 */
function severityFor(kind: string, failedClosed: boolean): Severity {
  if (kind === 'ValidatingWebhookConfiguration') return failedClosed ? 'high' : 'medium';
  return failedClosed ? 'medium' : 'low';
}

export const driftAdmissionWebhookWeakened = defineRule({
  id: 'drift-admission-webhook-weakened',
  title: 'Admission webhook removed or switched to fail open',
  severity: 'high',
  category: 'drift',
  tags: [...DRIFT_TAGS, 'admission'],
  description:
    'An admission webhook configuration changed so that requests it used to check get through unchecked (an ObjectChange ' +
    'as `kshield watch` observes it): the ValidatingWebhookConfiguration or MutatingWebhookConfiguration was deleted, one ' +
    'of its webhooks was removed from the list, or a webhook went from `failurePolicy: Fail` to `Ignore` (defaults applied: ' +
    'admissionregistration.k8s.io/v1 defaults to Fail, v1beta1 to Ignore), so that whoever can slow the webhook down ' +
    'admits anything. A deleted configuration is one finding; a modified one gives one finding per webhook that was ' +
    'removed or now fails open. High for a validating webhook that failed closed; medium for a validating one that already ' +
    'failed open, or a mutating one that failed closed; low for a mutating one that failed open.',
  remediation:
    'Check who changed the configuration (the API server audit log) and restore it from its source; grant update and delete on ' +
    'validatingwebhookconfigurations and mutatingwebhookconfigurations only to the policy engine\'s own installer.',
  references: [WEBHOOK_DOC],
  frameworks: { mitre: ['T1562'] },
  appliesTo: ['ObjectChange'],
  check(resource) {
    const change = changeOf(resource);
    if (!change || !KINDS.has(change.target.kind) || groupOf(change.target.apiVersion) !== 'admissionregistration.k8s.io') return [];
    const kind = change.target.kind;
    const what = describeTarget(change.target);
    const before = hooksOf(change.before, change.target.apiVersion);
    if (change.type === 'Deleted') {
      const hooks = [...before.values()];
      const closed = hooks.filter((h) => h.failurePolicy === 'Fail');
      const names = (closed.length > 0 ? closed : hooks).map((h) => h.name);
      const listed = names.length === 0 ? '' : `: ${names.length === 1 ? 'webhook' : 'webhooks'} ${names.slice(0, 3).join(', ')}${names.length > 3 ? `, and ${names.length - 3} more` : ''}${closed.length > 0 ? ' (failurePolicy Fail)' : ''} no longer see${names.length === 1 ? 's' : ''} any request`;
      return [{ path: change.before ? '/change/before' : '/change/target', severity: severityFor(kind, closed.length > 0), message: `${what} was deleted${listed}` }];
    }
    if (change.type !== 'Modified' || !change.after) return [];
    const after = hooksOf(change.after, change.target.apiVersion);
    const out: Violation[] = [];
    for (const hook of before.values()) {
      const now = after.get(hook.name);
      if (!now) {
        out.push({ path: `/change/before/webhooks/${hook.index}`, severity: severityFor(kind, hook.failurePolicy === 'Fail'), message: `webhook "${hook.name}" was removed from ${what}: it no longer sees any request`, key: hook.name });
      } else if (hook.failurePolicy === 'Fail' && now.failurePolicy === 'Ignore') {
        out.push({
          path: now.explicit ? `/change/after/webhooks/${now.index}/failurePolicy` : `/change/after/webhooks/${now.index}`,
          severity: severityFor(kind, true),
          message: `webhook "${hook.name}" of ${what} now fails open (failurePolicy Fail before, Ignore now): when it cannot be reached or times out, requests are admitted unchecked`,
          key: hook.name,
        });
      }
    }
    return out;
  },
  examples: {
    valid: [
      objectChangeExample(
        'Modified',
        { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', name: 'policy' },
        {
          before: `
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingWebhookConfiguration
            metadata: {name: policy}
            webhooks:
            - {name: validate.policy.example.com, failurePolicy: Ignore, sideEffects: None, admissionReviewVersions: [v1], clientConfig: {service: {name: policy, namespace: policy-system}}}`,
          after: `
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingWebhookConfiguration
            metadata: {name: policy}
            webhooks:
            - {name: validate.policy.example.com, sideEffects: None, admissionReviewVersions: [v1], clientConfig: {service: {name: policy, namespace: policy-system}}}`,
        },
      ),
    ],
    invalid: [
      {
        manifest: objectChangeExample(
          'Modified',
          { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', name: 'policy' },
          {
            before: `
              apiVersion: admissionregistration.k8s.io/v1
              kind: ValidatingWebhookConfiguration
              metadata: {name: policy}
              webhooks:
              - {name: validate.policy.example.com, sideEffects: None, admissionReviewVersions: [v1], clientConfig: {service: {name: policy, namespace: policy-system}}}
              - {name: images.policy.example.com, failurePolicy: Fail, sideEffects: None, admissionReviewVersions: [v1], clientConfig: {service: {name: policy, namespace: policy-system}}}`,
            after: `
              apiVersion: admissionregistration.k8s.io/v1
              kind: ValidatingWebhookConfiguration
              metadata: {name: policy}
              webhooks:
              - {name: validate.policy.example.com, failurePolicy: Ignore, sideEffects: None, admissionReviewVersions: [v1], clientConfig: {service: {name: policy, namespace: policy-system}}}`,
          },
        ),
        expect: [
          { path: '/change/after/webhooks/0/failurePolicy', message: 'now fails open (failurePolicy Fail before, Ignore now)' },
          { path: '/change/before/webhooks/1', message: 'webhook "images.policy.example.com" was removed' },
        ],
      },
      {
        manifest: objectChangeExample(
          'Deleted',
          { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', name: 'policy' },
          {
            before: `
              apiVersion: admissionregistration.k8s.io/v1
              kind: ValidatingWebhookConfiguration
              metadata: {name: policy}
              webhooks:
              - {name: validate.policy.example.com, sideEffects: None, admissionReviewVersions: [v1], clientConfig: {service: {name: policy, namespace: policy-system}}}`,
          },
        ),
        expect: [{ path: '/change/before', message: 'ValidatingWebhookConfiguration policy was deleted: webhook validate.policy.example.com (failurePolicy Fail) no longer sees any request' }],
      },
    ],
  },
});
