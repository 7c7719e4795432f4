import type { Violation } from '../../core/types.js';
import { asArray, isObject, asString } from '../../core/values.js';
import { defineRule } from '../define.js';

const WEBHOOK_DOC = 'https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#failure-policy';

// ---------------------------------------------------------------------------------------------
// Admission webhooks that fail open

export const webhookFailurePolicyIgnore = defineRule({
  id: 'webhook-failure-policy-ignore',
  title: 'Admission webhook fails open',
  severity: 'info',
  category: 'api',
  tags: ['cluster', 'admission'],
  description:
    'A validating or mutating admission webhook with `failurePolicy: Ignore` lets requests through unchecked whenever the ' +
    'webhook times out or is down; a policy engine set up this way can be switched off by overloading it. admissionregistration ' +
    'v1beta1 defaulted to Ignore, v1 defaults to Fail. Reported for information: Ignore is right for webhooks that enforce no policy.',
  remediation: 'Set `failurePolicy: Fail` on webhooks that enforce security policy, and run them highly available with a short timeoutSeconds.',
  references: [WEBHOOK_DOC],
  appliesTo: ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'],
  check(resource) {
    const out: Violation[] = [];
    const defaultsToIgnore = resource.apiVersion === 'admissionregistration.k8s.io/v1beta1';
    asArray(resource.object.webhooks).forEach((hook, i) => {
      if (!isObject(hook)) return;
      const policy = hook.failurePolicy;
      const name = asString(hook.name) ?? `#${i + 1}`;
      if (policy === 'Ignore' || (policy === undefined && defaultsToIgnore)) {
        out.push({
          path: policy === undefined ? `/webhooks/${i}` : `/webhooks/${i}/failurePolicy`,
          message: `webhook "${name}" of ${resource.kind} "${resource.name}" fails open (failurePolicy Ignore${policy === undefined ? ', the v1beta1 default' : ''}): when it cannot be reached, requests are admitted unchecked`,
          key: name,
        });
      }
    });
    return out;
  },
  examples: {
    valid: [
      `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: policy
webhooks:
  - name: validate.policy.example.com
    failurePolicy: Fail
    sideEffects: None
    admissionReviewVersions: ["v1"]
    clientConfig:
      service: { name: policy, namespace: policy-system }`,
      `apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: defaults
webhooks:
  - name: defaults.example.com
    sideEffects: None
    admissionReviewVersions: ["v1"]
    clientConfig:
      service: { name: defaults, namespace: ops }`,
    ],
    invalid: [
      {
        manifest: `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: policy
webhooks:
  - name: validate.policy.example.com
    failurePolicy: Ignore
    sideEffects: None
    admissionReviewVersions: ["v1"]
    clientConfig:
      service: { name: policy, namespace: policy-system }`,
        expect: ['/webhooks/0/failurePolicy'],
      },
      {
        manifest: `apiVersion: admissionregistration.k8s.io/v1beta1
kind: MutatingWebhookConfiguration
metadata:
  name: injector
webhooks:
  - name: inject.example.com
    clientConfig:
      service: { name: injector, namespace: ops }`,
        expect: ['/webhooks/0'],
      },
    ],
  },
});
