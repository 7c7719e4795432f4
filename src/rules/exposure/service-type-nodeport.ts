import { service } from '../examples.js';
import { defineRule } from '../define.js';
import { asNumber } from '../../core/values.js';
import { EXPOSURE, SECURITY_CHECKLIST, SERVICE_TYPES_DOC, servicePorts, serviceType } from './shared.js';

export const serviceTypeNodeport = defineRule({
  id: 'service-type-nodeport',
  title: 'Service published on every node (NodePort)',
  severity: 'medium',
  ...EXPOSURE,
  tags: ['security', 'exposure', 'services'],
  appliesTo: ['Service'],
  description:
    'A NodePort Service opens its port (30000-32767 by default) on every node of the cluster, on every node address, ' +
    'bypassing the Ingress controller and with it TLS, authentication, rate limits and access logs. Anyone who can reach ' +
    'a node can reach the workload. LoadBalancer Services also allocate node ports but are reported by ' +
    'load-balancer-unrestricted instead.',
  remediation: 'Use type ClusterIP and publish HTTP workloads through an Ingress or Gateway with TLS; if a node port is truly needed, restrict node access with firewall rules.',
  references: [SERVICE_TYPES_DOC, SECURITY_CHECKLIST],
  check: (resource) => {
    if (serviceType(resource) !== 'NodePort') return [];
    const nodePorts = servicePorts(resource).map(({ port }) => asNumber(port.nodePort)).filter((n): n is number => n !== undefined);
    const ports = nodePorts.length ? `node port${nodePorts.length > 1 ? 's' : ''} ${nodePorts.join(', ')}` : 'an allocated node port';
    return [{ path: '/spec/type', message: `Service "${resource.name}" is of type NodePort: it is published on ${ports} of every node` }];
  },
  examples: {
    valid: [service('storefront', '  type: ClusterIP\n  selector: {app: storefront}\n  ports: [{name: http, port: 80, targetPort: http}]')],
    invalid: [
      {
        manifest: service('storefront', '  type: NodePort\n  selector: {app: storefront}\n  ports: [{name: http, port: 80, targetPort: http, nodePort: 30080}]'),
        expect: ['/spec/type'],
      },
    ],
  },
});
