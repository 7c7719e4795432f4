import { IMAGE, deployment, pod } from '../examples.js';
import { defineRule, perPod } from '../define.js';
import { asString } from '../../core/values.js';
import { SERVICE_ACCOUNT_CONCEPT, SERVICE_ACCOUNT_DOC, existingPath, } from './shared.js';

function effectiveServiceAccount(spec: Record<string, unknown>): string | undefined {
  const name = asString(spec.serviceAccountName);
  if (name !== undefined && name !== '') return name;
  const legacy = asString(spec.serviceAccount);
  return legacy !== undefined && legacy !== '' ? legacy : undefined;
}

export const defaultServiceAccount = defineRule({
  id: 'default-service-account',
  title: 'Pod uses the default service account',
  severity: 'low',
  category: 'workload',
  tags: ['security', 'cis'],
  frameworks: { cis: ['5.1.5'] },
  appliesTo: 'workloads',
  description:
    'Pods without serviceAccountName run as the namespace\'s "default" service account, which every other such pod ' +
    'shares: permissions granted to it for one workload leak to all of them.',
  remediation: 'Create a dedicated ServiceAccount for the workload and set spec.serviceAccountName to it.',
  references: [SERVICE_ACCOUNT_DOC, SERVICE_ACCOUNT_CONCEPT],
  check: (resource) =>
    perPod(resource, (pod) => {
      const name = effectiveServiceAccount(pod.spec);
      if (name !== undefined && name !== 'default') return undefined;
      const path = existingPath(pod.path, pod.spec, pod.spec.serviceAccountName !== undefined || pod.spec.serviceAccount === undefined ? 'serviceAccountName' : 'serviceAccount');
      return { path, message: name === 'default' ? 'the pod explicitly uses the "default" service account' : 'the pod sets no serviceAccountName, so it runs as the "default" service account' };
    }),
  examples: {
    valid: [
      deployment(`
          serviceAccountName: web
          containers:
          - name: web
            image: ${IMAGE}
        `),
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
          serviceAccountName: default
          containers:
          - name: web
            image: ${IMAGE}
        `),
        expect: ['/spec/serviceAccountName'],
      },
    ],
  },
});
