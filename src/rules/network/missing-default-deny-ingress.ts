import { defineRule } from '../define.js';
import { CILIUM_DENY, DEFAULT_DENY_DOC, DENY_ALL, DENY_INGRESS, NAMESPACE, NETWORK_READS, NO_POLICY_CAUSE, WEB, carriedNamespace, carrierNote, carrierPath, namespaceStream } from './shared.js';

export const missingDefaultDenyIngress = defineRule({
  id: 'missing-default-deny-ingress',
  // A namespace's findings are carried by its Namespace object or its first workload.
  appliesTo: ['Namespace', 'workloads'],
  reads: NETWORK_READS,
  title: 'Namespace has no default-deny ingress policy',
  severity: 'medium',
  category: 'network',
  tags: ['network-policy', 'segmentation', 'cross-resource'],
  description:
    'No policy selects every pod of the namespace for ingress (a NetworkPolicy with an empty podSelector and Ingress in its policyTypes ' +
    'that does not itself allow everything, or a Cilium/Calico policy selecting the whole namespace). Pods that no other policy selects, ' +
    'including every workload added later, accept connections from anywhere. Reported once per namespace with workloads.',
  remediation: 'Add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Ingress]` and no ingress rules, then allow what each workload needs.',
  references: [DEFAULT_DENY_DOC],
  frameworks: { cis: ['5.3.2'] },
  check: (resource, context) => {
    const facts = carriedNamespace(resource, context);
    if (!facts || facts.defaultDenyIngress) return [];
    return [{ path: carrierPath(resource), cause: facts.hasPolicy ? undefined : NO_POLICY_CAUSE, message: `namespace "${facts.name}" has no default-deny ingress policy: pods no policy selects accept connections from anywhere${carrierNote(facts)}` }];
  },
  examples: {
    valid: [namespaceStream(NAMESPACE, WEB, DENY_INGRESS), namespaceStream(NAMESPACE, WEB, CILIUM_DENY)],
    invalid: [
      { manifest: namespaceStream(NAMESPACE, WEB), expect: ['/metadata/name'] },
      {
        manifest: namespaceStream(NAMESPACE, WEB, DENY_ALL.replace('policyTypes: [Ingress, Egress]', 'policyTypes: [Egress]')),
        expect: ['/metadata/name'],
      },
      { manifest: namespaceStream(NAMESPACE, WEB, DENY_INGRESS + '\n  ingress:\n    - {}'), expect: ['/metadata/name'] },
    ],
  },
});
