import { IMAGE, deployment, pod } from '../examples.js';
import { resourceRule } from './shared.js';

// ============================== Resources ==============================
export const cpuRequestsMissing = resourceRule({
  id: 'cpu-requests-missing',
  title: 'CPU request missing',
  severity: 'medium',
  name: 'cpu',
  kind: 'requests',
  tags: ['resources', 'reliability'],
  description:
    'Without a CPU request the scheduler places the pod as if it needed no CPU, and under contention the container ' +
    'gets the smallest share. A CPU limit, a pod-level request or a LimitRange default in the same namespace counts as set, ' +
    'since Kubernetes fills the request from them.',
  remediation: 'Set resources.requests.cpu to the CPU the container needs in normal operation (e.g. 100m).',
  valid: [
    pod(`
        containers:
        - name: web
          image: ${IMAGE}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
      `),
    pod(`
        containers:
        - name: web
          image: ${IMAGE}
          resources:
            limits: {cpu: 500m, memory: 256Mi}
      `),
    `apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: shop}
spec:
  limits:
  - type: Container
    defaultRequest: {cpu: 100m, memory: 128Mi}
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
            requests: {memory: 128Mi}
      `),
      expect: ['/spec/containers/0/resources/requests'],
    },
    {
      manifest: deployment(`
        initContainers:
        - name: migrate
          image: ${IMAGE}
        containers:
        - name: web
          image: ${IMAGE}
          resources:
            requests: {cpu: 100m}
      `),
      expect: ['/spec/template/spec/initContainers/0'],
    },
  ],
});
