import { defineRule } from '../define.js';
import { ALLOW_ALL_EXAMPLE, NETPOL_DOC, openPeers, policyOf } from './shared.js';

export const networkPolicyAllowsAllEgress = defineRule({
  id: 'network-policy-allows-all-egress',
  title: 'NetworkPolicy allows egress to everywhere',
  severity: 'low',
  category: 'network',
  tags: ['network-policy', 'segmentation', 'egress'],
  appliesTo: ['NetworkPolicy'],
  description:
    'An egress rule without `to` peers (or `to: []`), with an ipBlock of 0.0.0.0/0 or ::/0, or with `namespaceSelector: {}` lets the ' +
    'selected pods connect to every pod of the cluster (and, for the first two, to any address), which makes exfiltration and lateral ' +
    'movement easy. Blocks with `except` lists are reported too, with their exceptions; a narrow port list lowers the risk.',
  remediation: 'Allow only the destinations the workload needs: its backends by podSelector, DNS, and the external ranges it talks to.',
  references: [NETPOL_DOC],
  check: (resource) => {
    const policy = policyOf(resource);
    return policy && policy.egress ? policy.egressRules.flatMap((r) => openPeers(resource, r)) : [];
  },
  examples: {
    valid: [
      ALLOW_ALL_EXAMPLE('egress', '    - to:\n        - podSelector: {matchLabels: {app: api}}'),
      ALLOW_ALL_EXAMPLE('egress', '    - to:\n        - ipBlock: {cidr: 198.51.100.0/24}\n      ports: [{port: 443}]'),
    ],
    invalid: [
      { manifest: ALLOW_ALL_EXAMPLE('egress', '    - ports: [{port: 443}]'), expect: ['/spec/egress/0'] },
      {
        manifest: ALLOW_ALL_EXAMPLE('egress', '    - to:\n        - ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}'),
        expect: ['/spec/egress/0/to/0/ipBlock/cidr'],
      },
      {
        manifest: ALLOW_ALL_EXAMPLE('egress', '    - to:\n        - namespaceSelector: {}\n          podSelector: {}'),
        expect: ['/spec/egress/0/to/0/namespaceSelector'],
      },
    ],
  },
});
