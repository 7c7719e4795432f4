/** Pod Security Standards: one rule per control of the baseline and restricted profiles. */
import type { Rule } from '../core/rule.js';
import { defineRule, perContainer, describeContainer } from './define.js';
import { isObject } from '../core/values.js';

const PSS = 'https://kubernetes.io/docs/concepts/security/pod-security-standards/';

export const podSecurityRules: Rule[] = [
  defineRule({
    id: 'privileged-container',
    title: 'Privileged container',
    severity: 'critical',
    category: 'pod-security',
    tags: ['pss-baseline', 'security'],
    appliesTo: 'workloads',
    description: 'A privileged container has all capabilities and access to every host device: it is root on the node.',
    remediation: 'Remove securityContext.privileged or set it to false.',
    references: [PSS],
    frameworks: { pss: ['baseline/privileged-containers'] },
    check: (resource) =>
      perContainer(resource, (c) => {
        const sc = c.container.securityContext;
        if (isObject(sc) && sc.privileged === true)
          return { path: `${c.path}/securityContext/privileged`, message: `${describeContainer(c)} runs privileged` };
        return undefined;
      }),
    examples: {
      valid: [
        `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: app
    image: nginx:1.27
    securityContext: {privileged: false}`,
      ],
      invalid: [
        `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: app
    image: nginx:1.27
    securityContext: {privileged: true}`,
      ],
    },
  }),
];
