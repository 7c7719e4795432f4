import { deploymentWithPorts, service, stream } from '../examples.js';
import type { Violation } from '../../core/types.js';
import { defineRule } from '../define.js';
import { asArray, isObject } from '../../core/values.js';
import { EXPOSURE, SERVICE_DOC, declares, names, protocolOf, selectedWorkloads, servingContainers, targetPorts, } from './shared.js';

export const serviceTargetPortUndeclared = defineRule({
  id: 'service-target-port-undeclared',
  title: 'Service targets a port number its pods do not declare',
  severity: 'low',
  ...EXPOSURE,
  tags: ['services', 'ports', 'correctness', 'cross-resource'],
  appliesTo: ['Service'],
  reads: ['workloads', 'HorizontalPodAutoscaler'],
  description:
    'A Service port sends traffic to a numeric targetPort (the port itself when targetPort is unset), but the selected ' +
    'containers declare other ports for that protocol and not this one. Declaring a container port is informational, so ' +
    'traffic still flows if the process listens there; more often the numbers drifted apart and connections are refused. ' +
    'Workloads whose containers declare no ports of that protocol are not judged.',
  remediation: 'Make targetPort match a declared containerPort (better: name the container port and target the name).',
  references: [SERVICE_DOC + '#defining-a-service'],
  check: (resource, context) => {
    const owners = selectedWorkloads(resource, context);
    if (!owners) return [];
    const out: Violation[] = [];
    for (const t of targetPorts(resource)) {
      if (typeof t.target !== 'number') continue;
      const lacking = owners.filter((o) => {
        const serving = servingContainers(o);
        const declared = serving.some((c) => declares(c, (p) => protocolOf(p.protocol) === t.protocol));
        return declared && !serving.some((c) => declares(c, (p) => p.containerPort === t.target && protocolOf(p.protocol) === t.protocol));
      });
      if (lacking.length === 0) continue;
      const declaredPorts = [...new Set(lacking.flatMap((o) => servingContainers(o).flatMap((c) => asArray(c.container.ports).flatMap((p) => (isObject(p) && protocolOf(p.protocol) === t.protocol && typeof p.containerPort === 'number' ? [p.containerPort] : [])))))];
      out.push({ path: t.path, message: `Service "${resource.name}" ${t.serviceName} sends ${t.protocol} traffic to port ${t.target}, but ${names(lacking)} declare${lacking.length === 1 ? 's' : ''} only ${declaredPorts.join(', ')}` });
    }
    return out;
  },
  examples: {
    valid: [
      stream(deploymentWithPorts('web', '[{name: http, containerPort: 8080}]'), service('web', '  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: 8080}]')),
      stream(deploymentWithPorts('web', '[]'), service('web', '  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: 8080}]')),
    ],
    invalid: [
      {
        manifest: stream(deploymentWithPorts('web', '[{name: http, containerPort: 8080}]'), service('web', '  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: 8000}]')),
        expect: ['/spec/ports/0/targetPort'],
      },
      {
        manifest: stream(deploymentWithPorts('api', '[{name: http, containerPort: 8080}]'), service('api', '  selector: {app: api}\n  ports: [{name: http, port: 9090}]')),
        expect: ['/spec/ports/0'],
      },
    ],
  },
});
