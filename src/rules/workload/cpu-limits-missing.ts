import { IMAGE, pod } from '../examples.js';
import { resourceRule } from './shared.js';

export const cpuLimitsMissing = resourceRule({
  id: 'cpu-limits-missing',
  title: 'CPU limit missing',
  severity: 'low',
  name: 'cpu',
  kind: 'limits',
  tags: ['resources', 'nsa'],
  description:
    'Without a CPU limit a container may use every idle core of the node, and a runaway or compromised process can ' +
    'starve its neighbours of burst capacity. Some teams deliberately omit CPU limits to avoid throttling: suppress or ' +
    'disable the rule then. Pod-level limits and LimitRange defaults in the same namespace count as set.',
  remediation: 'Set resources.limits.cpu (e.g. 500m), or a namespace LimitRange with a default CPU limit.',
  valid: [
    pod(`
        containers:
        - name: web
          image: ${IMAGE}
          resources:
            limits: {cpu: 500m, memory: 256Mi}
      `),
  ],
  invalid: [
    {
      manifest: pod(`
        containers:
        - name: web
          image: ${IMAGE}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
      `),
      expect: ['/spec/containers/0/resources'],
    },
  ],
});
