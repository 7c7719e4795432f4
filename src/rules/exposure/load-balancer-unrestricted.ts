import { service } from '../examples.js';
import { defineRule } from '../define.js';
import { EXPOSURE, FIREWALL_DOC, LOAD_BALANCER_SOURCE_RANGES_ANNOTATION, SERVICE_DOC, isAllowAll, isInternalLoadBalancer, loadBalancerSourceRanges, serviceType, typePath } from './shared.js';

export const loadBalancerUnrestricted = defineRule({
  id: 'load-balancer-unrestricted',
  title: 'LoadBalancer open to the whole internet',
  severity: 'medium',
  ...EXPOSURE,
  tags: ['security', 'exposure', 'services'],
  appliesTo: ['Service'],
  description:
    'A LoadBalancer Service gets a public address from the cloud provider. Without spec.loadBalancerSourceRanges (or the ' +
    `legacy ${LOAD_BALANCER_SOURCE_RANGES_ANNOTATION} annotation, read only when the field is empty), or with a /0 range ` +
    'such as 0.0.0.0/0 or ::/0 in them, every address on the internet can connect. Load balancers made internal by their ' +
    "cloud's annotation (AWS, GKE, Azure, OCI, OpenStack, IBM, Alibaba) are not reported.",
  remediation:
    'List the client networks in spec.loadBalancerSourceRanges, make the load balancer internal with your cloud\'s annotation, or ' +
    'publish HTTP workloads through an Ingress or Gateway instead.',
  references: [FIREWALL_DOC, SERVICE_DOC + '#loadbalancer'],
  check: (resource) => {
    if (serviceType(resource) !== 'LoadBalancer' || isInternalLoadBalancer(resource)) return [];
    const { from, ranges } = loadBalancerSourceRanges(resource);
    if (from === 'none') return [{ path: typePath(resource), message: `Service "${resource.name}" is a public LoadBalancer with no loadBalancerSourceRanges: any address on the internet can connect` }];
    const open = ranges.find((r) => isAllowAll(r.cidr));
    if (!open) return [];
    const where = from === 'field' ? 'spec.loadBalancerSourceRanges' : `the ${LOAD_BALANCER_SOURCE_RANGES_ANNOTATION} annotation`;
    return [{ path: open.path, message: `Service "${resource.name}" is a public LoadBalancer allowing ${open.cidr} in ${where}: any address can connect` }];
  },
  examples: {
    valid: [
      service('storefront', '  type: LoadBalancer\n  loadBalancerSourceRanges: [203.0.113.0/24]\n  selector: {app: storefront}\n  ports: [{name: https, port: 443, targetPort: https}]'),
      service('storefront', '  type: LoadBalancer\n  selector: {app: storefront}\n  ports: [{name: https, port: 443}]', '  annotations:\n    service.beta.kubernetes.io/load-balancer-source-ranges: "198.51.100.0/24,203.0.113.7/32"'),
      service('storefront', '  type: LoadBalancer\n  selector: {app: storefront}\n  ports: [{name: https, port: 443}]', '  annotations:\n    networking.gke.io/load-balancer-type: Internal'),
    ],
    invalid: [
      {
        manifest: service('storefront', '  type: LoadBalancer\n  selector: {app: storefront}\n  ports: [{name: https, port: 443}]'),
        expect: ['/spec/type'],
      },
      {
        manifest: service('storefront', '  type: LoadBalancer\n  loadBalancerSourceRanges: [10.0.0.0/8, 0.0.0.0/0]\n  selector: {app: storefront}\n  ports: [{name: https, port: 443}]'),
        expect: ['/spec/loadBalancerSourceRanges/1'],
      },
      {
        manifest: service('storefront', '  type: LoadBalancer\n  selector: {app: storefront}\n  ports: [{name: https, port: 443}]', '  annotations:\n    service.beta.kubernetes.io/load-balancer-source-ranges: "::/0"'),
        expect: ['/metadata/annotations/service.beta.kubernetes.io~1load-balancer-source-ranges'],
      },
    ],
  },
});
