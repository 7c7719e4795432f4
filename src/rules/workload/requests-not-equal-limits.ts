import { IMAGE, pod } from '../examples.js';
import type { Violation } from '../../core/types.js';
import { defineRule, perContainer, describeContainer } from '../define.js';
import { fieldAt } from '../../core/values.js';
import { RESOURCES_DOC, scalarText } from './shared.js';

// ---------------------------------------------------------------------------------------------
// Resource quantities.

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;

const SUFFIX_FACTOR: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A Kubernetes quantity ("500m", "1.5Gi", "1e3", 2) as a number; undefined when unreadable. */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = QUANTITY.exec(value.trim());
  if (!m) return undefined;
  const base = Number(m[1]);
  const suffix = m[2] ?? '';
  const factor = /^[eE][+-]?\d+$/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIX_FACTOR[suffix];
  return base * factor;
}

function sameQuantity(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b), 1e-9);
}

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
      pod(`
          containers:
          - name: web
            image: ${IMAGE}
            resources:
              requests: {cpu: 100m, memory: 128Mi}
              limits: {cpu: 500m, memory: 128Mi}
        `),
    ],
  },
});
