/** Helpers the metadata rules share. */
import { parseMinorVersion } from '../../k8s/api-deprecations.js';
import { DEFAULT_RULE_SETTINGS } from '../../engine/rule.js';
import type { Resource } from '../../core/types.js';
import { isClusterScoped } from '../../k8s/scope.js';

export const LABELS_DOC = 'https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/';

export const COMMON_LABELS_DOC = 'https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/';

export const NAMESPACES_DOC = 'https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/';

export const DEPRECATION_GUIDE = 'https://kubernetes.io/docs/reference/using-api/deprecation-guide/';

export const DEPRECATION_POLICY = 'https://kubernetes.io/docs/reference/using-api/deprecation-policy/';

// ---------------------------------------------------------------------------------------------
// Namespaces

/**
 * Kinds treated as cluster-scoped, by the rule of core/scope.ts (built-in kinds, well-known custom
 * kinds, custom kinds named Cluster*). A single object is judged without the input's CRDs.
 */
export function isClusterScopedKind(kind: string, apiVersion = 'v1'): boolean {
  return isClusterScoped(apiVersion, kind);
}

/** The loader's decision when it made one (it sees the input's CRDs), else the rule above. */
export function isClusterScopedResource(resource: Resource): boolean {
  return resource.clusterScoped ?? isClusterScopedKind(resource.kind, resource.apiVersion);
}

/** The target version; an unreadable setting falls back to the default rather than hiding findings. */
export function targetVersion(setting: unknown): [number, number] {
  return parseMinorVersion(setting) ?? parseMinorVersion(DEFAULT_RULE_SETTINGS.kubernetesVersion)!;
}

export function apiVersionPath(resource: Resource): string {
  return 'apiVersion' in resource.object ? '/apiVersion' : '';
}
