import { defineRule } from '../define.js';
import { ALLOW_ALL_EXAMPLE, NETPOL_DOC, openPeers, policyOf } from './shared.js';

export const networkPolicyAllowsAllIngress = defineRule({
  id: 'network-policy-allows-all-ingress',
  title: 'NetworkPolicy allows ingress from everywhere',
  severity: 'medium',
  category: 'network',
  tags: ['network-policy', 'segmentation'],
  appliesTo: ['NetworkPolicy'],
  description:
    'An ingress rule without `from` peers (or `from: []`), with an ipBlock of 0.0.0.0/0 or ::/0, or with `namespaceSelector: {}` admits ' +
    'every pod of the cluster (and, for the first two, every address outside it), which undoes the isolation the policy sets up. The ' +
    'ports the rule allows are named in the message; a public web front end on one port may be intended.',
  remediation: 'List the sources that need access: pods by podSelector, namespaces by namespaceSelector, or the ingress controller\'s namespace.',
  references: [NETPOL_DOC],
  check: (resource) => {
    const policy = policyOf(resource);
    return policy && policy.ingress ? policy.ingressRules.flatMap((r) => openPeers(resource, r)) : [];
  },
  examples: {
    valid: [
      ALLOW_ALL_EXAMPLE('ingress', '    - from:\n        - podSelector: {matchLabels: {app: api}}'),
      ALLOW_ALL_EXAMPLE('ingress', '    - from:\n        - ipBlock: {cidr: 203.0.113.0/24}'),
      // Rules of a direction the policy does not declare are inert.
      ALLOW_ALL_EXAMPLE('egress', '    - to:\n        - podSelector: {matchLabels: {app: api}}').replace('  egress:', '  ingress:\n    - {}\n  egress:'),
    ],
    invalid: [
      { manifest: ALLOW_ALL_EXAMPLE('ingress', '    - {}'), expect: ['/spec/ingress/0'] },
      { manifest: ALLOW_ALL_EXAMPLE('ingress', '    - from: []\n      ports: [{port: 443}]'), expect: ['/spec/ingress/0/from'] },
      {
        manifest: ALLOW_ALL_EXAMPLE('ingress', '    - from:\n        - ipBlock: {cidr: 0.0.0.0/0}'),
        expect: ['/spec/ingress/0/from/0/ipBlock/cidr'],
      },
      {
        manifest: ALLOW_ALL_EXAMPLE('ingress', '    - from:\n        - ipBlock: {cidr: "::/0"}'),
        expect: ['/spec/ingress/0/from/0/ipBlock/cidr'],
      },
      {
        manifest: ALLOW_ALL_EXAMPLE('ingress', '    - from:\n        - namespaceSelector: {}'),
        expect: ['/spec/ingress/0/from/0/namespaceSelector'],
      },
    ],
  },
});
