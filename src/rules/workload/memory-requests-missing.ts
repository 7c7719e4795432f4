import { IMAGE, pod } from '../examples.js';
import { resourceRule } from './shared.js';

export const memoryRequestsMissing = resourceRule({
  id: 'memory-requests-missing',
  title: 'Memory request missing',
  severity: 'medium',
  name: 'memory',
  kind: 'requests',
  tags: ['resources', 'reliability'],
  description:
    'Without a memory request the scheduler can pack the pod onto a node without room for it, and the container is among ' +
    'the first evicted under memory pressure. A memory limit, a pod-level request or a LimitRange default counts as set.',
  remediation: 'Set resources.requests.memory to the working set the container needs (e.g. 128Mi).',
  valid: [
    pod(`
        containers:
        - name: web
          image: ${IMAGE}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
      `),
  ],
  invalid: [
    {
      manifest: pod(`
        containers:
        - name: web
          image: ${IMAGE}
          resources:
            requests: {cpu: 100m}
      `),
      expect: ['/spec/containers/0/resources/requests'],
    },
  ],
});
