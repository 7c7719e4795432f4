/**
 * Which kinds are namespaced. kubectl asks API discovery; manifests come without a cluster, so
 * kshield decides by this documented rule, in this order:
 *   1. a CustomResourceDefinition in the input for the kind's group and kind: its `spec.scope`
 *      (what discovery would answer once the CRD is applied);
 *   2. built-in API groups (the core group, groups without a dot, `*.k8s.io`): the list below;
 *   3. custom kinds of widely used projects that are cluster-scoped without saying so in their
 *      name (Calico's GlobalNetworkPolicy, Gatekeeper's constraints, Crossplane packages, ...);
 *   4. custom kinds named `Cluster*` (ClusterIssuer, ClusterPolicy, ClusterSecretStore): the
 *      naming convention of cluster-scoped custom resources;
 *   5. everything else is namespaced, as most custom resources are.
 */
import { isBuiltinApiVersion } from './pods.js';

/** Built-in kinds that are not namespaced: a namespace on them is ignored by the API server. */
const BUILT_IN_CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'StorageClass', 'ClusterRole', 'ClusterRoleBinding',
  'CustomResourceDefinition', 'PriorityClass', 'IngressClass', 'RuntimeClass', 'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
  'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding', 'APIService', 'CertificateSigningRequest',
  'ClusterTrustBundle', 'CSIDriver', 'CSINode', 'VolumeAttachment', 'PodSecurityPolicy', 'FlowSchema',
  'PriorityLevelConfiguration', 'ComponentStatus', 'TokenReview', 'SelfSubjectReview', 'SelfSubjectAccessReview',
  'SelfSubjectRulesReview', 'SubjectAccessReview', 'DeviceClass', 'ResourceSlice', 'StorageVersionMigration',
  'VolumeAttributesClass', 'IPAddress', 'ServiceCIDR', 'List',
  // Kubernetes SIG projects served under *.k8s.io groups.
  'GatewayClass', 'VolumeSnapshotClass', 'VolumeSnapshotContent',
]);

/**
 * Cluster-scoped custom kinds of widely used projects whose names do not start with Cluster,
 * by API group ('*': every kind of the group). Their CRDs, when in the input, still decide.
 */
const KNOWN_CUSTOM_CLUSTER_SCOPED: Record<string, '*' | readonly string[]> = {
  // Calico: everything but (Staged)NetworkPolicy and NetworkSet is cluster-wide.
  'crd.projectcalico.org': ['GlobalNetworkPolicy', 'StagedGlobalNetworkPolicy', 'GlobalNetworkSet', 'HostEndpoint', 'IPPool', 'IPReservation', 'BGPConfiguration', 'BGPPeer', 'FelixConfiguration', 'KubeControllersConfiguration', 'Tier'],
  'projectcalico.org': ['GlobalNetworkPolicy', 'StagedGlobalNetworkPolicy', 'GlobalNetworkSet', 'HostEndpoint', 'IPPool', 'IPReservation', 'BGPConfiguration', 'BGPPeer', 'FelixConfiguration', 'KubeControllersConfiguration', 'Tier'],
  'cilium.io': ['CiliumClusterwideNetworkPolicy', 'CiliumClusterwideEnvoyConfig', 'CiliumNode', 'CiliumIdentity', 'CiliumExternalWorkload', 'CiliumLoadBalancerIPPool', 'CiliumBGPPeeringPolicy', 'CiliumBGPClusterConfig', 'CiliumCIDRGroup'],
  // Gatekeeper: templates, every constraint and every mutator are cluster-wide.
  'templates.gatekeeper.sh': ['ConstraintTemplate'],
  'constraints.gatekeeper.sh': '*',
  'mutations.gatekeeper.sh': '*',
  'expansion.gatekeeper.sh': ['ExpansionTemplate'],
  'pkg.crossplane.io': ['Provider', 'ProviderRevision', 'Configuration', 'ConfigurationRevision', 'Function', 'FunctionRevision', 'DeploymentRuntimeConfig'],
  'apiextensions.crossplane.io': ['CompositeResourceDefinition', 'Composition', 'CompositionRevision'],
  'karpenter.sh': ['NodePool', 'NodeClaim'],
  'karpenter.k8s.aws': ['EC2NodeClass'],
};

/** `group/Kind` -> scope, from the CustomResourceDefinitions of the input. */
export type CustomKindScopes = Readonly<Record<string, 'Namespaced' | 'Cluster'>>;

function apiGroupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/** The key of a kind in CustomKindScopes. */
export function customKindKey(group: string, kind: string): string {
  return `${group}/${kind}`;
}

/** Is an object of this apiVersion and kind cluster-scoped? (The rule in this file's comment.) */
export function isClusterScoped(apiVersion: string, kind: string, crds?: CustomKindScopes): boolean {
  const group = apiGroupOf(apiVersion);
  const declared = crds?.[customKindKey(group, kind)];
  if (declared !== undefined) return declared === 'Cluster';
  if (isBuiltinApiVersion(apiVersion) && BUILT_IN_CLUSTER_SCOPED.has(kind)) return true;
  const known = KNOWN_CUSTOM_CLUSTER_SCOPED[group];
  if (known === '*' || known?.includes(kind)) return true;
  return /^Cluster[A-Z]/.test(kind);
}

/**
 * Files that look like objects but are never sent to the API server: read by client tools
 * (kustomize, kpt, skaffold), or records the API server writes (its audit events).
 */
export function isClientSideObject(apiVersion: string, kind: string): boolean {
  return /^(kustomize\.config\.k8s\.io|config\.kubernetes\.io|kpt\.dev|skaffold\/|audit\.k8s\.io\/)/.test(apiVersion) || kind === 'Kustomization';
}

/** An API server audit event (audit.k8s.io/v1 Event): no metadata; named by its auditID. */
export function isAuditEvent(apiVersion: unknown, kind: unknown): boolean {
  return apiVersion === 'audit.k8s.io/v1' && kind === 'Event';
}
