import type { Resource } from '../../core/types.js';
import { asObject, isObject } from '../../core/values.js';
import { defineRule } from '../define.js';
import { DRIFT_TAGS, changeOf, describeTarget, groupOf, objectChangeExample } from './shared.js';

const NETPOL_DOC = 'https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies';

/** Namespaced policy kinds a CNI enforces besides the built-in NetworkPolicy (Calico's is also kind NetworkPolicy). */
const NAMESPACED_POLICY_KINDS = ['NetworkPolicy', 'CiliumNetworkPolicy'];
/** Cluster-wide policy kinds, which may still isolate the namespace's pods. */
const CLUSTER_POLICY_KINDS = ['CiliumClusterwideNetworkPolicy', 'GlobalNetworkPolicy'];

/** Whether the namespace is being deleted, or already gone from a set that lists namespaces: its pods go with it. */
function namespaceGoing(namespace: string, resources: { ofKind(kind: string): readonly Resource[]; find(kind: string, ns: string | undefined, name: string): Resource | undefined }): boolean {
  const namespaces = resources.ofKind('Namespace');
  if (namespaces.length === 0) return false;
  const ns = resources.find('Namespace', undefined, namespace);
  if (!ns) return true;
  const meta = asObject(ns.object.metadata);
  return meta?.deletionTimestamp !== undefined || asObject(ns.object.status)?.phase === 'Terminating';
}

/** A policy selecting every pod of its namespace (an empty podSelector): a namespace default, such as default-deny. */
function selectsWholeNamespace(policy: Record<string, unknown> | undefined): boolean {
  const selector = asObject(asObject(policy?.spec)?.podSelector);
  return isObject(selector) && Object.keys(selector).every((k) => {
    const v = selector[k];
    return Array.isArray(v) ? v.length === 0 : isObject(v) ? Object.keys(v).length === 0 : v === undefined || v === null;
  });
}

export const driftNetworkPolicyDeleted = defineRule({
  id: 'drift-network-policy-deleted',
  title: 'NetworkPolicy deleted from a namespace',
  severity: 'high',
  category: 'drift',
  tags: [...DRIFT_TAGS, 'network'],
  description:
    'A NetworkPolicy was deleted (an ObjectChange of type Deleted, as `kshield watch` observes it). Pods are isolated for a ' +
    'direction only while some policy selects them: when the last policy of a namespace goes, every pod in it accepts ' +
    'traffic from everywhere and may connect anywhere again (high). When other policies remain in the namespace the ' +
    'finding is medium if the deleted policy selected every pod (an empty podSelector: a namespace default such as ' +
    'default-deny), low otherwise; when no namespaced policy remains but cluster-wide Cilium or Calico policies exist, ' +
    'medium. One deletion is one finding. Deletions that come with the namespace itself (it is terminating, or gone ' +
    'from the listed namespaces) are not reported: its pods go too.',
  remediation: 'Find out who deleted the policy (the API server audit log) and re-apply it from its source of truth; keep NetworkPolicies in Git and let a GitOps controller restore them.',
  references: [NETPOL_DOC],
  frameworks: { mitre: ['T1562'] },
  appliesTo: ['ObjectChange'],
  reads: ['Namespace', ...NAMESPACED_POLICY_KINDS, ...CLUSTER_POLICY_KINDS],
  check(resource, context) {
    const change = changeOf(resource);
    if (!change || change.type !== 'Deleted' || change.target.kind !== 'NetworkPolicy' || groupOf(change.target.apiVersion) !== 'networking.k8s.io') return [];
    const namespace = change.target.namespace;
    if (!namespace || namespaceGoing(namespace, context.resources)) return [];
    const remaining = NAMESPACED_POLICY_KINDS.flatMap((kind) => context.resources.ofKind(kind)).filter(
      (r) => r.namespace === namespace && !(r.kind === 'NetworkPolicy' && groupOf(r.apiVersion) === 'networking.k8s.io' && r.name === change.target.name),
    );
    const clusterWide = CLUSTER_POLICY_KINDS.flatMap((kind) => context.resources.ofKind(kind));
    const path = change.before ? '/change/before' : '/change/target';
    const what = `${describeTarget(change.target)} was deleted`;
    if (remaining.length === 0 && clusterWide.length === 0) {
      return [{ path, message: `${what}: namespace ${namespace} has no NetworkPolicy left, so its pods accept traffic from anywhere and reach anything again`, cause: '#network-policy-deleted' }];
    }
    if (remaining.length === 0) {
      return [
        {
          path,
          severity: 'medium',
          message: `${what}: namespace ${namespace} has no NetworkPolicy left; ${clusterWide.length} cluster-wide polic${clusterWide.length === 1 ? 'y' : 'ies'} (${clusterWide[0].kind} ${clusterWide[0].name}${clusterWide.length > 1 ? ', ...' : ''}) may still select its pods`,
          cause: '#network-policy-deleted',
        },
      ];
    }
    const wide = selectsWholeNamespace(change.before);
    return [
      {
        path,
        severity: wide ? 'medium' : 'low',
        message: `${what}${wide ? ', a policy selecting every pod of the namespace' : ''}; ${remaining.length} other polic${remaining.length === 1 ? 'y remains' : 'ies remain'} in namespace ${namespace} (${remaining[0].name}${remaining.length > 1 ? ', ...' : ''})`,
        cause: '#network-policy-deleted',
      },
    ];
  },
  examples: {
    valid: [
      // The namespace is being deleted: its policies go with its pods.
      `apiVersion: v1
kind: Namespace
metadata: {name: shop, deletionTimestamp: "2026-12-05T07:59:00Z"}
status: {phase: Terminating}
---
${objectChangeExample('Deleted', { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespace: 'shop', name: 'default-deny' }, { before: '{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: default-deny, namespace: shop}, spec: {podSelector: {}, policyTypes: [Ingress]}}' })}`,
      // A policy added is not a deletion.
      objectChangeExample('Added', { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespace: 'shop', name: 'allow-web' }, { after: '{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: allow-web, namespace: shop}, spec: {podSelector: {matchLabels: {app: web}}}}' }),
    ],
    invalid: [
      {
        manifest: `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
${objectChangeExample('Deleted', { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespace: 'shop', name: 'default-deny' }, { before: '{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: default-deny, namespace: shop}, spec: {podSelector: {}, policyTypes: [Ingress, Egress]}}' })}`,
        expect: [{ path: '/change/before', message: 'namespace shop has no NetworkPolicy left' }],
      },
      {
        manifest: `${objectChangeExample('Deleted', { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespace: 'shop', name: 'default-deny' }, { before: '{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: default-deny, namespace: shop}, spec: {podSelector: {}, policyTypes: [Ingress]}}' })}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{from: [{podSelector: {matchLabels: {app: gateway}}}]}]`,
        expect: [{ path: '/change/before', message: 'a policy selecting every pod of the namespace; 1 other policy remains' }],
      },
    ],
  },
});
