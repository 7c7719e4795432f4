import { IMAGE, pod } from '../examples.js';
import { resourceRule } from './shared.js';

export const memoryLimitsMissing = resourceRule({
  id: 'memory-limits-missing',
  title: 'Memory limit missing',
  severity: 'medium',
  name: 'memory',
  kind: 'limits',
  tags: ['resources', 'nsa'],
  description:
    'Without a memory limit a leaking or compromised container can consume the memory of the whole node until the kernel ' +
    'kills other workloads. Pod-level limits and LimitRange defaults in the same namespace count as set.',
  remediation: 'Set resources.limits.memory (e.g. 256Mi), usually equal to the request.',
  valid: [
    pod(`
        containers:
        - name: web
          image: ${IMAGE}
          resources:
            requests: {memory: 256Mi}
            limits: {memory: 256Mi}
      `),
    `apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: shop}
spec:
  limits:
  - type: Container
    default: {memory: 512Mi}
---
${pod(`
        containers:
        - name: web
          image: ${IMAGE}
      `)}`,
  ],
  invalid: [
    {
      manifest: pod(`
        containers:
        - name: web
          image: ${IMAGE}
          resources:
            requests: {memory: 256Mi}
      `),
      expect: ['/spec/containers/0/resources'],
    },
  ],
});
