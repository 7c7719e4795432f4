import { defineRule } from '../define.js';
import { API, CALICO_DENY, DEFAULT_DENY_DOC, DENY_ALL, DENY_INGRESS, NAMESPACE, NETWORK_READS, NO_POLICY_CAUSE, WEB, carriedNamespace, carrierNote, carrierPath, namespaceStream } from './shared.js';

export const missingDefaultDenyEgress = defineRule({
  id: 'missing-default-deny-egress',
  // A namespace's findings are carried by its Namespace object or its first workload.
  appliesTo: ['Namespace', 'workloads'],
  reads: NETWORK_READS,
  title: 'Namespace has no default-deny egress policy',
  severity: 'low',
  category: 'network',
  tags: ['network-policy', 'segmentation', 'egress', 'cross-resource'],
  description:
    'No policy selects every pod of the namespace for egress, so pods without an egress policy may open connections anywhere: to other ' +
    'namespaces, the cloud metadata service, or the internet (data exfiltration, lateral movement). Reported once per namespace with workloads.',
  remediation:
    'Add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Egress]` and no egress rules, plus one allowing DNS to kube-dns, then allow ' +
    'what each workload needs.',
  references: [DEFAULT_DENY_DOC],
  check: (resource, context) => {
    const facts = carriedNamespace(resource, context);
    if (!facts || facts.defaultDenyEgress) return [];
    return [{ path: carrierPath(resource), cause: facts.hasPolicy ? undefined : NO_POLICY_CAUSE, message: `namespace "${facts.name}" has no default-deny egress policy: pods no egress policy selects may connect anywhere${carrierNote(facts)}` }];
  },
  examples: {
    valid: [namespaceStream(NAMESPACE, WEB, DENY_ALL), namespaceStream(WEB, CALICO_DENY)],
    invalid: [
      { manifest: namespaceStream(NAMESPACE, WEB, DENY_INGRESS), expect: ['/metadata/name'] },
      { manifest: namespaceStream(WEB, API), expect: ['/metadata/namespace'] },
    ],
  },
});
