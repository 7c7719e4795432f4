/** The Kubernetes deprecation guide as data: which API versions of which kinds are deprecated and removed in which release, and what replaces them. */
// API versions

export interface ApiDeprecation {
  apiVersion: string;
  kind: string;
  /** Kubernetes minor release ("1.16") that deprecated it. */
  deprecatedIn: string;
  /** Release that stopped serving it; undefined when no removal is scheduled. */
  removedIn?: string;
  /** What to use instead; undefined when there is no replacement. */
  replacement?: string;
  note?: string;
}

export function deprecations(apiVersion: string, kinds: string[], deprecatedIn: string, removedIn: string | undefined, replacement: string | undefined, note?: string): ApiDeprecation[] {
  return kinds.map((kind) => ({ apiVersion, kind, deprecatedIn, removedIn, replacement, note }));
}

/**
 * Deprecated and removed built-in API versions, from the Kubernetes deprecated API migration guide
 * (and the release notes for the deprecation releases). Keyed by apiVersion and kind, because a
 * group-version often keeps some kinds longer than others (extensions/v1beta1 Ingress outlived
 * extensions/v1beta1 Deployment by six releases).
 */
export const API_DEPRECATIONS: readonly ApiDeprecation[] = Object.freeze([
  // Removed in v1.16
  ...deprecations('extensions/v1beta1', ['Deployment', 'DaemonSet', 'ReplicaSet'], '1.9', '1.16', 'apps/v1'),
  ...deprecations('apps/v1beta1', ['Deployment', 'StatefulSet', 'ReplicaSet', 'ControllerRevision'], '1.9', '1.16', 'apps/v1'),
  ...deprecations('apps/v1beta2', ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ControllerRevision'], '1.9', '1.16', 'apps/v1'),
  ...deprecations('extensions/v1beta1', ['NetworkPolicy'], '1.9', '1.16', 'networking.k8s.io/v1'),
  ...deprecations('extensions/v1beta1', ['PodSecurityPolicy'], '1.10', '1.16', undefined, 'PodSecurityPolicy was removed entirely in v1.25: use Pod Security Admission (namespace labels) or a policy engine'),
  // Removed in v1.22
  ...deprecations('admissionregistration.k8s.io/v1beta1', ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'], '1.16', '1.22', 'admissionregistration.k8s.io/v1'),
  ...deprecations('apiextensions.k8s.io/v1beta1', ['CustomResourceDefinition'], '1.16', '1.22', 'apiextensions.k8s.io/v1'),
  ...deprecations('apiregistration.k8s.io/v1beta1', ['APIService'], '1.19', '1.22', 'apiregistration.k8s.io/v1'),
  ...deprecations('authentication.k8s.io/v1beta1', ['TokenReview'], '1.19', '1.22', 'authentication.k8s.io/v1'),
  ...deprecations('authorization.k8s.io/v1beta1', ['LocalSubjectAccessReview', 'SelfSubjectAccessReview', 'SubjectAccessReview', 'SelfSubjectRulesReview'], '1.19', '1.22', 'authorization.k8s.io/v1'),
  ...deprecations('certificates.k8s.io/v1beta1', ['CertificateSigningRequest'], '1.19', '1.22', 'certificates.k8s.io/v1'),
  ...deprecations('coordination.k8s.io/v1beta1', ['Lease'], '1.19', '1.22', 'coordination.k8s.io/v1'),
  ...deprecations('extensions/v1beta1', ['Ingress'], '1.14', '1.22', 'networking.k8s.io/v1'),
  ...deprecations('networking.k8s.io/v1beta1', ['Ingress', 'IngressClass'], '1.19', '1.22', 'networking.k8s.io/v1'),
  ...deprecations('rbac.authorization.k8s.io/v1beta1', ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'], '1.17', '1.22', 'rbac.authorization.k8s.io/v1'),
  ...deprecations('rbac.authorization.k8s.io/v1alpha1', ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'], '1.17', '1.22', 'rbac.authorization.k8s.io/v1'),
  ...deprecations('scheduling.k8s.io/v1beta1', ['PriorityClass'], '1.14', '1.22', 'scheduling.k8s.io/v1'),
  ...deprecations('storage.k8s.io/v1beta1', ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'], '1.19', '1.22', 'storage.k8s.io/v1'),
  // Removed in v1.25
  ...deprecations('batch/v1beta1', ['CronJob'], '1.21', '1.25', 'batch/v1'),
  ...deprecations('discovery.k8s.io/v1beta1', ['EndpointSlice'], '1.21', '1.25', 'discovery.k8s.io/v1'),
  ...deprecations('events.k8s.io/v1beta1', ['Event'], '1.22', '1.25', 'events.k8s.io/v1'),
  ...deprecations('autoscaling/v2beta1', ['HorizontalPodAutoscaler'], '1.22', '1.25', 'autoscaling/v2'),
  ...deprecations('policy/v1beta1', ['PodDisruptionBudget'], '1.21', '1.25', 'policy/v1', 'in policy/v1 an empty selector selects every pod of the namespace'),
  ...deprecations('policy/v1beta1', ['PodSecurityPolicy'], '1.21', '1.25', undefined, 'PodSecurityPolicy has no replacement API: use Pod Security Admission (namespace labels) or a policy engine'),
  ...deprecations('node.k8s.io/v1beta1', ['RuntimeClass'], '1.22', '1.25', 'node.k8s.io/v1'),
  // Removed in v1.26
  ...deprecations('flowcontrol.apiserver.k8s.io/v1beta1', ['FlowSchema', 'PriorityLevelConfiguration'], '1.23', '1.26', 'flowcontrol.apiserver.k8s.io/v1'),
  ...deprecations('autoscaling/v2beta2', ['HorizontalPodAutoscaler'], '1.23', '1.26', 'autoscaling/v2'),
  // Removed in v1.27
  ...deprecations('storage.k8s.io/v1beta1', ['CSIStorageCapacity'], '1.24', '1.27', 'storage.k8s.io/v1'),
  // Removed in v1.29
  ...deprecations('flowcontrol.apiserver.k8s.io/v1beta2', ['FlowSchema', 'PriorityLevelConfiguration'], '1.26', '1.29', 'flowcontrol.apiserver.k8s.io/v1'),
  // Removed in v1.32
  ...deprecations('flowcontrol.apiserver.k8s.io/v1beta3', ['FlowSchema', 'PriorityLevelConfiguration'], '1.29', '1.32', 'flowcontrol.apiserver.k8s.io/v1'),
  // Deprecated, still served, no removal scheduled
  ...deprecations('v1', ['Endpoints'], '1.33', undefined, 'discovery.k8s.io/v1 EndpointSlice', 'v1 Endpoints keeps working, but new features (dual-stack, topology hints) only reach EndpointSlices'),
  ...deprecations('v1', ['ComponentStatus'], '1.19', undefined, undefined),
]);

export const deprecationIndex = new Map(API_DEPRECATIONS.map((d) => [`${d.apiVersion}\u0000${d.kind}`, d]));

export function findApiDeprecation(apiVersion: string, kind: string): ApiDeprecation | undefined {
  return deprecationIndex.get(`${apiVersion}\u0000${kind}`);
}

/** "1.34", "v1.34", "1.34.2", "1.34.0-rc.1" -> [1, 34]; undefined when it is not a version. */
export function parseMinorVersion(value: unknown): [number, number] | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const m = /^v?(\d+)\.(\d+)(?:[.\-+].*)?$/.exec(String(value).trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export function compareMinor(a: [number, number], b: [number, number]): number {
  return a[0] !== b[0] ? a[0] - b[0] : a[1] - b[1];
}

export type ApiStatus = { status: 'removed' | 'deprecated'; entry: ApiDeprecation } | undefined;

/** Where an apiVersion/kind stands in the target Kubernetes version (major, minor). */
export function apiStatus(apiVersion: string, kind: string, target: [number, number]): ApiStatus {
  const entry = findApiDeprecation(apiVersion, kind);
  if (!entry) return undefined;
  if (entry.removedIn !== undefined && compareMinor(parseMinorVersion(entry.removedIn)!, target) <= 0) return { status: 'removed', entry };
  if (compareMinor(parseMinorVersion(entry.deprecatedIn)!, target) <= 0) return { status: 'deprecated', entry };
  return undefined;
}

export function replacementText(e: ApiDeprecation): string {
  if (!e.replacement) return e.note ? `; ${e.note}` : '';
  const target = e.replacement.includes(' ') ? e.replacement : `${e.replacement} ${e.kind}`;
  return `; use ${target}${e.note ? ` (${e.note})` : ''}`;
}

