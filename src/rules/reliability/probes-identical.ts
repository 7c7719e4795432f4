import { deploymentFromParts } from '../examples.js';
import type { JsonObject, Violation } from '../../core/types.js';
import { containers } from '../../k8s/pods.js';
import { isObject, asObject } from '../../core/values.js';
import { defineRule, describeContainer } from '../define.js';
import { PROBES, PROBES_DOC, PROBE_CONCEPT, } from './shared.js';

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value))
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'undefined';
}

const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'] as const;

const PROBE_TIMING = ['initialDelaySeconds', 'periodSeconds', 'timeoutSeconds', 'successThreshold', 'failureThreshold', 'terminationGracePeriodSeconds'];

function probeHandler(probe: JsonObject): string {
  return canonical(Object.fromEntries(PROBE_HANDLERS.filter((h) => probe[h] !== undefined).map((h) => [h, probe[h]])));
}

export const probesIdentical = defineRule({
  id: 'probes-identical',
  title: 'Liveness and readiness probes are identical',
  severity: 'medium',
  category: 'reliability',
  tags: ['probes', 'availability'],
  appliesTo: 'workloads',
  description:
    'The liveness probe checks exactly what the readiness probe checks (same handler). When the container is slow or its ' +
    'dependencies are down, readiness should take it out of rotation while it recovers; an identical liveness probe restarts it ' +
    'at the same moment, which turns a brief overload into a restart storm.',
  remediation: 'Point the liveness probe at a cheaper check that only verifies the process is alive (a different path, or a TCP check), or give it a much larger failureThreshold than readiness.',
  references: [PROBE_CONCEPT, PROBES_DOC],
  check: (resource) => {
    const out: Violation[] = [];
    for (const c of containers(resource)) {
      const live = asObject(c.container.livenessProbe);
      const ready = asObject(c.container.readinessProbe);
      if (!live || !ready) continue;
      const handler = probeHandler(live);
      if (handler === '{}' || handler !== probeHandler(ready)) continue;
      const sameTiming = PROBE_TIMING.every((k) => canonical(live[k]) === canonical(ready[k]));
      out.push({
        path: `${c.path}/livenessProbe`,
        container: c.name,
        message: `${describeContainer(c)} uses the same check for liveness and readiness${sameTiming ? ' with the same timing' : ''}`,
      });
    }
    return out;
  },
  examples: {
    valid: [deploymentFromParts({ container: PROBES })],
    invalid: [
      {
        manifest: deploymentFromParts({
        container: `        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /healthz, port: http}}
        livenessProbe: {httpGet: {path: /healthz, port: http}, failureThreshold: 5}`,
      }),
        expect: ['/spec/template/spec/containers/0/livenessProbe'],
      },
    ],
  },
});
