import { service } from '../examples.js';
import { defineRule } from '../define.js';
import { EXPOSURE, SERVICE_DOC, serviceType, spec, typePath } from './shared.js';

const SOURCE_IP_DOC = 'https://kubernetes.io/docs/tutorials/services/source-ip/';

export const externalTrafficPolicyCluster = defineRule({
  id: 'external-traffic-policy-cluster',
  title: 'Exposed Service hides client addresses',
  severity: 'info',
  ...EXPOSURE,
  tags: ['exposure', 'services', 'network-policy'],
  optIn: true,
  description:
    'NodePort and LoadBalancer Services default to externalTrafficPolicy: Cluster, under which nodes forward outside ' +
    'traffic to pods on other nodes and replace the client address with a node address. The pods, their NetworkPolicy ' +
    'ipBlock rules and application allowlists then cannot see or filter by the real client. Local keeps the client address ' +
    '(at the cost of uneven load spreading and of nodes without a ready pod dropping traffic).',
  remediation: 'Set spec.externalTrafficPolicy: Local on Services whose pods or policies filter by client address.',
  references: [SOURCE_IP_DOC, SERVICE_DOC + '#traffic-policies'],
  appliesTo: ['Service'],
  check: (resource) => {
    const type = serviceType(resource);
    if (type !== 'NodePort' && type !== 'LoadBalancer') return [];
    const policy = spec(resource)?.externalTrafficPolicy;
    if (policy === 'Local') return [];
    return [{ path: policy !== undefined ? '/spec/externalTrafficPolicy' : typePath(resource), message: `Service "${resource.name}" (${type}) uses externalTrafficPolicy ${policy === undefined ? 'Cluster (the default)' : JSON.stringify(policy)}, so its pods see node addresses instead of client addresses` }];
  },
  examples: {
    valid: [service('storefront', '  type: LoadBalancer\n  externalTrafficPolicy: Local\n  loadBalancerSourceRanges: [203.0.113.0/24]\n  selector: {app: storefront}\n  ports: [{name: https, port: 443}]')],
    invalid: [
      {
        manifest: service('storefront', '  type: NodePort\n  selector: {app: storefront}\n  ports: [{name: http, port: 80}]'),
        expect: ['/spec/type'],
      },
    ],
  },
});
