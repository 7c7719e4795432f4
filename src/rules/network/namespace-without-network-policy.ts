import { defineRule } from '../define.js';
import { API, CALICO_DENY, CILIUM_DENY, DEFAULT_DENY_DOC, DENY_ALL, NAMESPACE, NETPOL_DOC, NETWORK_READS, NO_POLICY_CAUSE, NamespaceFacts, WEB, carriedNamespace, carrierNote, carrierPath, namespaceStream } from './shared.js';

const CILIUM_DOC = 'https://docs.cilium.io/en/stable/security/policy/';

const CALICO_DOC = 'https://docs.tigera.io/calico/latest/reference/resources/networkpolicy';

function workloadPhrase(facts: NamespaceFacts): string {
  const names = facts.workloads.slice(0, 3).map((w) => `${w.kind}/${w.name}`);
  const more = facts.workloads.length > 3 ? ` and ${facts.workloads.length - 3} more` : '';
  return `${facts.workloads.length} workload(s): ${names.join(', ')}${more}`;
}

export const namespaceWithoutNetworkPolicy = defineRule({
  id: 'namespace-without-network-policy',
  // A namespace's findings are carried by its Namespace object or its first workload.
  appliesTo: ['Namespace', 'workloads'],
  reads: NETWORK_READS,
  title: 'Namespace has workloads but no NetworkPolicy',
  severity: 'medium',
  category: 'network',
  tags: ['network-policy', 'segmentation', 'cross-resource'],
  description:
    'No NetworkPolicy (nor a Cilium or Calico policy) applies in this namespace, so every pod in it accepts connections from any pod in ' +
    'the cluster and may connect anywhere: one compromised pod can reach all of them. Reported once per namespace that holds workloads ' +
    'in the scanned set, on its Namespace object, or on its first workload when the Namespace object is not scanned.',
  remediation:
    'Add a default-deny NetworkPolicy (podSelector: {}, policyTypes: [Ingress, Egress]) to the namespace, then allow the traffic each ' +
    'workload needs. `kshield netpol generate` writes a starting point from the Services and Ingresses in the manifests.',
  references: [NETPOL_DOC, DEFAULT_DENY_DOC, CILIUM_DOC, CALICO_DOC],
  frameworks: { cis: ['5.3.2'] },
  check: (resource, context) => {
    const facts = carriedNamespace(resource, context);
    if (!facts || facts.hasPolicy) return [];
    return [{ path: carrierPath(resource), cause: NO_POLICY_CAUSE, message: `namespace "${facts.name}" runs ${workloadPhrase(facts)}, but no NetworkPolicy applies to any of them${carrierNote(facts)}` }];
  },
  examples: {
    valid: [namespaceStream(NAMESPACE, WEB, DENY_ALL), namespaceStream(NAMESPACE, WEB, CILIUM_DENY), namespaceStream(WEB, CALICO_DENY), NAMESPACE],
    invalid: [
      { manifest: namespaceStream(NAMESPACE, WEB, API), expect: ['/metadata/name'] },
      { manifest: namespaceStream(WEB, DENY_ALL.replace('namespace: shop', 'namespace: other')), expect: ['/metadata/namespace'] },
    ],
  },
});
