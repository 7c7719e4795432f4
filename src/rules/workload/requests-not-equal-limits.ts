import { parseQuantity, sameQuantity } from '../../k8s/quantities.js';
import { IMAGE, pod } from '../examples.js';
import type { Violation } from '../../core/types.js';
import { defineRule, perContainer, describeContainer } from '../define.js';
import { fieldAt } from '../../core/values.js';
import { RESOURCES_DOC, scalarText } from './shared.js';

export const requestsNotEqualLimits = defineRule({
  id: 'requests-not-equal-limits',
  title: 'Resource requests differ from limits',
  severity: 'low',
  category: 'resources',
  tags: ['resources', 'reliability'],
  appliesTo: 'workloads',
  optIn: true,
  description:
    'When a container\'s requests differ from its limits the node can be overcommitted and the pod loses the Guaranteed ' +
    'QoS class: it is throttled or evicted before pods whose requests equal their limits. Quantities are compared by ' +
    'value ("1" equals "1000m", "1Gi" equals "1024Mi"). Missing values are left to the *-missing rules.',
  remediation: 'Set each resource\'s request equal to its limit (for cpu, memory and ephemeral-storage).',
  references: [RESOURCES_DOC, 'https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/'],
  check: (resource) =>
    perContainer(resource, (c) => {
      if (c.type === 'ephemeralContainers') return undefined;
      const out: Omit<Violation, 'container'>[] = [];
      for (const name of ['cpu', 'memory', 'ephemeral-storage'] as const) {
        const req = fieldAt(c.container, 'resources', 'requests', name);
        const lim = fieldAt(c.container, 'resources', 'limits', name);
        const r = parseQuantity(req);
        const l = parseQuantity(lim);
        if (r === undefined || l === undefined || sameQuantity(r, l)) continue;
        out.push({
          path: `${c.path}/resources/requests/${name}`,
          message: `${describeContainer(c)} requests ${scalarText(req)} ${name} but is limited to ${scalarText(lim)}`,
        });
      }
      return out;
    }),
  examples: {
    valid: [
      pod(`
          containers:
          - name: web
            image: ${IMAGE}
            resources:
              requests: {cpu: "1", memory: 1Gi}
              limits: {cpu: 1000m, memory: 1024Mi}
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
              limits: {cpu: 500m, memory: 128Mi}
        `),
        expect: ['/spec/containers/0/resources/requests/cpu'],
      },
    ],
  },
});
