import { deploymentFromParts, stream } from '../examples.js';
import type { Violation } from '../../core/types.js';
import { podSpecs } from '../../k8s/pods.js';
import { defineRule } from '../define.js';
import { anyVisible, findVisible, nsOf, nsPhrase, } from './shared.js';

export const serviceAccountNotFound = defineRule({
  id: 'service-account-not-found',
  title: 'Pod uses a service account that does not exist',
  severity: 'medium',
  category: 'reliability',
  tags: ['service-accounts', 'correctness', 'cross-resource'],
  appliesTo: 'workloads',
  reads: ['ServiceAccount'],
  description:
    'The pod spec names a service account (serviceAccountName, or the deprecated serviceAccount) that is not among the ' +
    'ServiceAccounts of its namespace in the scanned set. The API server refuses to create such pods, so the controller never gets ' +
    'a single pod running. Only reported when the scanned set contains ServiceAccounts in that namespace; "default" is never ' +
    'reported, since every namespace has it.',
  remediation: 'Create the ServiceAccount in the same namespace, fix the name, or scan the ServiceAccount together with the workload.',
  references: ['https://kubernetes.io/docs/concepts/security/service-accounts/', 'https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/'],
  check: (resource, context) => {
    const ns = nsOf(resource);
    if (!anyVisible(context, 'ServiceAccount', ns)) return [];
    const out: Violation[] = [];
    for (const pod of podSpecs(resource)) {
      const field = typeof pod.spec.serviceAccountName === 'string' && pod.spec.serviceAccountName !== '' ? 'serviceAccountName' : 'serviceAccount';
      const name = pod.spec[field];
      if (typeof name !== 'string' || name === '' || name === 'default') continue;
      if (findVisible(context, 'ServiceAccount', ns, name)) continue;
      out.push({ path: `${pod.path}/${field}`, message: `${resource.kind} "${resource.name}" runs as service account "${name}", which is not in ${nsPhrase(resource)}` });
    }
    return out;
  },
  examples: {
    valid: [
      stream(`apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}`, deploymentFromParts({ podSpec: '      serviceAccountName: web' })),
      deploymentFromParts({ podSpec: '      serviceAccountName: web' }),
    ],
    invalid: [
      {
        manifest: stream(`apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}`, deploymentFromParts({ podSpec: '      serviceAccountName: webapp' })),
        expect: ['/spec/template/spec/serviceAccountName'],
      },
    ],
  },
});
