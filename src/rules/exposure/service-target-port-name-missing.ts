import { deploymentWithPorts, service, stream } from '../examples.js';
import type { Violation } from '../../core/types.js';
import { defineRule } from '../define.js';
import { EXPOSURE, SERVICE_DOC, declares, names, protocolOf, selectedWorkloads, servingContainers, targetPorts, } from './shared.js';

export const serviceTargetPortNameMissing = defineRule({
  id: 'service-target-port-name-missing',
  title: 'Service targets a port name its pods do not declare',
  severity: 'medium',
  ...EXPOSURE,
  tags: ['services', 'ports', 'correctness', 'cross-resource'],
  appliesTo: ['Service'],
  reads: ['workloads', 'HorizontalPodAutoscaler'],
  description:
    'A Service port whose targetPort is a name is resolved in each selected pod: the endpoints controller looks for a ' +
    'container port with that name and the same protocol (TCP by default) in the containers and in sidecar init ' +
    'containers (restartPolicy: Always). A pod without such a port gets no endpoint for that Service port, so ' +
    'connections to it fail. Only reported for Services whose selector matches workloads in the scanned set.',
  remediation: 'Name the container port as the Service\'s targetPort says (ports[].name, with the same protocol), or fix the targetPort.',
  references: [SERVICE_DOC + '#field-spec-ports', 'https://kubernetes.io/docs/reference/kubernetes-api/service-resources/service-v1/#ServiceSpec'],
  check: (resource, context) => {
    const owners = selectedWorkloads(resource, context);
    if (!owners) return [];
    const out: Violation[] = [];
    for (const t of targetPorts(resource)) {
      if (typeof t.target !== 'string') continue;
      const lacking = owners.filter((o) => !servingContainers(o).some((c) => declares(c, (p) => p.name === t.target && protocolOf(p.protocol) === t.protocol)));
      if (lacking.length === 0) continue;
      out.push({ path: t.path, message: `Service "${resource.name}" ${t.serviceName} targets port name "${t.target}" (${t.protocol}), which ${names(lacking)} does not declare; those pods get no endpoint for it` });
    }
    return out;
  },
  examples: {
    valid: [stream(deploymentWithPorts('web', '[{name: http, containerPort: 8080}]'), service('web', '  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: http}]'))],
    invalid: [
      {
        manifest: stream(deploymentWithPorts('web', '[{name: web, containerPort: 8080}]'), service('web', '  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: http}]')),
        expect: ['/spec/ports/0/targetPort'],
      },
      {
        manifest: stream(deploymentWithPorts('dns', '[{name: dns, containerPort: 5353, protocol: TCP}]'), service('dns', '  selector: {app: dns}\n  ports: [{name: dns, port: 53, targetPort: dns, protocol: UDP}]')),
        expect: ['/spec/ports/0/targetPort'],
      },
    ],
  },
});
