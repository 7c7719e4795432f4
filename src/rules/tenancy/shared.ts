/** Helpers the tenancy rules share: which namespaces are tenants under the run's settings. */
import type { RuleContext } from '../../engine/rule.js';
import type { Labels } from '../../k8s/labels.js';
import { isTenantNamespace, namespaceLabels, parseTenantLabel, type TenantLabel } from '../../analysis/tenants.js';
import { ScopedCache } from '../../core/scoped-cache.js';
import type { ResourceSet } from '../../k8s/resource-set.js';

export const MULTI_TENANCY_DOC = 'https://kubernetes.io/docs/concepts/security/multi-tenancy/';

/** The tenant label of the settings (validated when the configuration is loaded; a bad one counts as none). */
export function tenantLabel(context: RuleContext): TenantLabel | undefined {
  const text = context.settings.tenantLabel;
  if (!text) return undefined;
  try {
    return parseTenantLabel(text);
  } catch {
    return undefined;
  }
}

const labelsBySet = new ScopedCache<ResourceSet, Map<string, Labels>>();

/** Whether the namespace is a tenant: by name, or with a tenant label by its Namespace object's labels (read through `reads: ['Namespace']`). */
export function isTenant(context: RuleContext, namespace: string, ownLabels?: Labels): boolean {
  const label = tenantLabel(context);
  if (!label) return isTenantNamespace(namespace, undefined);
  let labels = labelsBySet.get(context.resources);
  if (!labels) labelsBySet.set(context.resources, (labels = namespaceLabels(context.resources.ofKind('Namespace'))));
  return isTenantNamespace(namespace, ownLabels ?? labels.get(namespace), label);
}

export const tenantNamespace = (name: string, labels = ''): string => `apiVersion: v1
kind: Namespace
metadata:
  name: ${name}${labels ? `\n  labels:\n${labels}` : ''}`;
