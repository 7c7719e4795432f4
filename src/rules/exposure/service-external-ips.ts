import { service } from '../examples.js';
import { defineRule } from '../define.js';
import { EXPOSURE, SERVICE_DOC, externalIPs, } from './shared.js';

const EXTERNAL_IPS_CVE = 'https://github.com/kubernetes/kubernetes/issues/97076';

export const serviceExternalIps = defineRule({
  id: 'service-external-ips',
  title: 'Service claims external IPs',
  severity: 'high',
  ...EXPOSURE,
  tags: ['security', 'exposure', 'services'],
  appliesTo: ['Service'],
  description:
    'spec.externalIPs makes kube-proxy on every node capture traffic for those addresses and send it to the Service. Any ' +
    'user allowed to create Services can claim any IP this way, including the addresses of other services, and intercept ' +
    'their traffic (CVE-2020-8554); the feature is best blocked cluster-wide with the DenyServiceExternalIPs admission plugin. ' +
    'The listed addresses also expose the Service outside the cluster without a load balancer\'s controls.',
  remediation: 'Remove spec.externalIPs; use a LoadBalancer (with loadBalancerSourceRanges) or an Ingress, and enable the DenyServiceExternalIPs admission plugin.',
  references: [SERVICE_DOC + '#external-ips', EXTERNAL_IPS_CVE],
  check: (resource) => {
    const ips = externalIPs(resource);
    if (ips.length === 0) return [];
    return [{ path: '/spec/externalIPs', message: `Service "${resource.name}" claims external IP${ips.length > 1 ? 's' : ''} ${ips.join(', ')}` }];
  },
  examples: {
    valid: [service('storefront', '  selector: {app: storefront}\n  ports: [{name: http, port: 80}]')],
    invalid: [
      {
        manifest: service('storefront', '  selector: {app: storefront}\n  externalIPs: [198.51.100.10]\n  ports: [{name: http, port: 80}]'),
        expect: ['/spec/externalIPs'],
      },
    ],
  },
});
