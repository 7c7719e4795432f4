import { deploymentFromParts } from '../examples.js';
import type { Violation } from '../../core/types.js';
import { containers } from '../../k8s/pods.js';
import { defineRule, describeContainer } from '../define.js';
import { isValidPortName } from '../../k8s/api-validation.js';
import { PROBES, PROBES_DOC, PROBE_NAMES, declaredPorts, probePorts } from './shared.js';

export const probeNamedPortMissing = defineRule({
  id: 'probe-named-port-missing',
  title: 'Probe uses a port name the container does not define',
  severity: 'high',
  category: 'reliability',
  tags: ['probes', 'correctness'],
  appliesTo: 'workloads',
  description:
    'A liveness, readiness or startup probe refers to a port by name, but the container has no port with that name. The kubelet ' +
    'resolves named probe ports among the container\'s own ports only, so the probe always fails: a liveness or startup probe ' +
    'restarts the container forever, a readiness probe keeps it out of every Service. Names the API server rejects (a quoted ' +
    'number such as "8080", "http_port", more than 15 characters) are reported by invalid-port instead.',
  remediation: 'Use the name of a port in the container\'s ports list, add the port with that name, or write the port as a number.',
  references: [PROBES_DOC],
  check: (resource) => {
    const out: Violation[] = [];
    for (const c of containers(resource)) {
      const { names } = declaredPorts(c.container);
      for (const p of probePorts(c)) {
        // One cause, one finding: a name the API server rejects is invalid-port's.
        if (!isValidPortName(p.port) || names.has(p.port)) continue;
        out.push({ path: p.path, container: c.name, message: `${describeContainer(c)} ${PROBE_NAMES[p.probe]} probe uses port "${p.port}", but the container defines no port with that name` });
      }
    }
    return out;
  },
  examples: {
    valid: [deploymentFromParts({ container: PROBES })],
    invalid: [
      {
        manifest: deploymentFromParts({
        container: `        ports: [{name: web, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /ready, port: http}}`,
      }),
        expect: ['/spec/template/spec/containers/0/readinessProbe/httpGet/port'],
      },
    ],
  },
});
