import { IMAGE, deployment, pod, serviceAccount } from '../examples.js';
import type { RuleContext } from '../../engine/rule.js';
import type { Resource, Violation } from '../../core/types.js';
import { apiTokenMount, podServiceAccountName, podSpecs, type PodSpecView } from '../../k8s/pods.js';
import type { ResourceSet } from '../../k8s/resource-set.js';
import { ScopedCache } from '../../core/scoped-cache.js';
import { defineRule, perPod } from '../define.js';
import { SERVICE_ACCOUNT_CONCEPT, SERVICE_ACCOUNT_DOC, existingPath, } from './shared.js';

// ---------------------------------------------------------------------------------------------

function automountMessage(resource: Resource, pod: PodSpecView, context: RuleContext): Violation | undefined {
  const name = podServiceAccountName(pod.spec);
  const sa = context.resources.find('ServiceAccount', resource.namespace, name);
  const mount = apiTokenMount(pod.spec, sa?.object);
  // Only the automatic token is judged: a projected serviceAccountToken volume is asked for on purpose (the remediation).
  if (!mount.automount) return undefined;
  if (mount.decidedBy === 'pod')
    return { path: `${pod.path}/automountServiceAccountToken`, message: 'the pod spec sets automountServiceAccountToken: true, so every container gets a Kubernetes API token' };
  const why = sa
    ? mount.decidedBy === 'serviceaccount'
      ? `its ServiceAccount "${name}" sets automountServiceAccountToken: true`
      : `neither the pod spec nor its ServiceAccount "${name}" sets automountServiceAccountToken: false`
    : `the pod spec does not set automountServiceAccountToken: false (ServiceAccount "${name}" is not among the scanned objects)`;
  const subject = resource.kind === 'Pod' ? 'the pod mounts' : 'its pods mount';
  return { path: existingPath(pod.path, pod.spec, 'automountServiceAccountToken'), message: `${subject} a Kubernetes API token: ${why}` };
}

/** Pod specs of the scanned workloads by `namespace \0 service account`, once per scan. */
const podsByAccount = new ScopedCache<ResourceSet, Map<string, PodSpecView[]>>();

function podsRunningAs(set: ResourceSet, namespace: string | undefined, name: string): PodSpecView[] {
  let index = podsByAccount.get(set);
  if (!index) {
    index = new Map();
    for (const r of set.all)
      for (const pod of podSpecs(r)) {
        const key = `${r.namespace ?? ''}\u0000${podServiceAccountName(pod.spec)}`;
        const list = index.get(key);
        if (list) list.push(pod);
        else index.set(key, [pod]);
      }
    podsByAccount.set(set, index);
  }
  return index.get(`${namespace ?? ''}\u0000${name}`) ?? [];
}

/**
 * A ServiceAccount's `automountServiceAccountToken: true` is reported unless every scanned pod
 * running as it sets the pod-level field to false, which takes precedence: then the setting gives
 * none of them a token. With no scanned pod running as it, it is reported: it decides for any pod
 * that will.
 */
function serviceAccountAutomountMessage(resource: Resource, context: RuleContext): Violation[] {
  if (resource.object.automountServiceAccountToken !== true) return [];
  const pods = podsRunningAs(context.resources, resource.namespace, resource.name);
  if (pods.length > 0 && pods.every((pod) => pod.spec.automountServiceAccountToken === false)) return [];
  return [{ path: '/automountServiceAccountToken', message: `ServiceAccount "${resource.name}" sets automountServiceAccountToken: true, so every pod using it gets an API token unless it opts out` }];
}

// ============================== Service accounts ==============================
export const serviceAccountTokenAutomount = defineRule({
  id: 'service-account-token-automount',
  title: 'Service account token is mounted automatically',
  severity: 'medium',
  category: 'workload',
  tags: ['security', 'cis', 'nsa'],
  frameworks: { cis: ['5.1.6'] },
  appliesTo: ['ServiceAccount', 'workloads'],
  reads: ['ServiceAccount', 'workloads'],
  description:
    'Unless automountServiceAccountToken is false, every container gets a Kubernetes API token: an attacker in the ' +
    'container can use the service account\'s permissions. The pod spec setting wins; when the pod spec leaves it unset, ' +
    'the ServiceAccount\'s setting applies (looked up among the scanned objects). A ServiceAccount that explicitly sets ' +
    'true is reported too, since it enables the token for every pod that does not opt out, unless every scanned pod ' +
    'running as it sets false itself. A projected serviceAccountToken volume is a token asked for on purpose, with an ' +
    'expiry and an audience: it is the remediation for pods that call the API, and is not reported.',
  remediation:
    'Set automountServiceAccountToken: false on the pod spec (or on its ServiceAccount); pods that call the API mount a ' +
    'token explicitly through a projected serviceAccountToken volume.',
  references: [SERVICE_ACCOUNT_DOC, SERVICE_ACCOUNT_CONCEPT],
  check: (resource, context) => {
    if (resource.kind === 'ServiceAccount') return serviceAccountAutomountMessage(resource, context);
    return perPod(resource, (pod) => automountMessage(resource, pod, context));
  },
  examples: {
    valid: [
      deployment(`
          automountServiceAccountToken: false
          containers:
          - name: web
            image: ${IMAGE}
        `),
      `${serviceAccount('web', 'automountServiceAccountToken: false\n')}---
${deployment(`
          serviceAccountName: web
          containers:
          - name: web
            image: ${IMAGE}
        `)}`,
      // The pod-level field takes precedence over the ServiceAccount's.
      `${serviceAccount('web', 'automountServiceAccountToken: true\n')}---
${deployment(`
          serviceAccountName: web
          automountServiceAccountToken: false
          containers:
          - name: web
            image: ${IMAGE}
        `)}`,
    ],
    invalid: [
      {
        manifest: deployment(`
          containers:
          - name: web
            image: ${IMAGE}
        `),
        expect: ['/spec/template/spec'],
      },
      {
        manifest: pod(`
          serviceAccountName: web
          automountServiceAccountToken: true
          containers:
          - name: web
            image: ${IMAGE}
        `),
        expect: ['/spec/automountServiceAccountToken'],
      },
      { manifest: serviceAccount('operator', 'automountServiceAccountToken: true\n'), expect: ['/automountServiceAccountToken'] },
    ],
  },
});
