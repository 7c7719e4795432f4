import { IMAGE, deployment } from '../examples.js';
import { defineRule, perPod } from '../define.js';
import { asString } from '../../core/values.js';

const POD_SPEC_API = 'https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/';

export const deprecatedServiceAccountField = defineRule({
  id: 'deprecated-service-account-field',
  title: 'Deprecated serviceAccount field',
  severity: 'low',
  category: 'workload',
  tags: ['deprecation'],
  appliesTo: 'workloads',
  description:
    'spec.serviceAccount is a deprecated alias of spec.serviceAccountName. Tools and readers look at serviceAccountName, ' +
    'and when both are set with different values the result is easy to misread.',
  remediation: 'Rename serviceAccount to serviceAccountName (remove serviceAccount if both are set).',
  references: [POD_SPEC_API],
  check: (resource) =>
    perPod(resource, (pod) => {
      const legacy = pod.spec.serviceAccount;
      if (legacy === undefined || legacy === null || legacy === '') return undefined;
      const current = asString(pod.spec.serviceAccountName);
      // The API server writes serviceAccount as a copy of serviceAccountName into every pod spec it
      // returns or sends to admission webhooks: the same value in both is no finding, or every
      // object of a live cluster would have it.
      if (current !== undefined && current !== '' && current === legacy) return undefined;
      const conflict = current !== undefined && current !== '' && current !== legacy ? ` (it conflicts with serviceAccountName "${current}", which wins)` : '';
      return { path: `${pod.path}/serviceAccount`, message: `the pod spec uses the deprecated field serviceAccount${conflict}` };
    }),
  examples: {
    valid: [
      deployment(`
          serviceAccountName: web
          containers:
          - name: web
            image: ${IMAGE}
        `),
      deployment(`
          serviceAccountName: web
          serviceAccount: web
          containers:
          - name: web
            image: ${IMAGE}
        `),
    ],
    invalid: [
      {
        manifest: deployment(`
          serviceAccount: web
          containers:
          - name: web
            image: ${IMAGE}
        `),
        expect: ['/spec/template/spec/serviceAccount'],
      },
    ],
  },
});
