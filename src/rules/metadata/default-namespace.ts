import { fieldAt, asString } from '../../core/values.js';
import { defineRule } from '../define.js';
import { NAMESPACES_DOC, isClusterScopedResource } from './shared.js';

export const defaultNamespace = defineRule({
  id: 'default-namespace',
  title: 'Object placed in the default namespace',
  severity: 'low',
  category: 'metadata',
  tags: ['namespaces', 'isolation', 'best-practice'],
  description:
    'The object sets metadata.namespace to "default", or names none and the scan was told it will be applied there (--namespace default). ' +
    'The default namespace is shared by everything deployed without a namespace, ' +
    'so RBAC grants, NetworkPolicies, quotas and Pod Security Admission labels meant for one application apply to all of them. ' +
    'Objects without any namespace (and no --namespace) are reported by the opt-in rule namespace-not-set instead, because many workflows set the ' +
    'namespace at deploy time (kubectl -n, Helm --namespace, a kustomize namespace).',
  remediation: 'Create a dedicated namespace for the application and set metadata.namespace to it.',
  references: [NAMESPACES_DOC, 'https://kubernetes.io/docs/concepts/security/multi-tenancy/'],
  check: (resource) => {
    if (resource.namespace !== 'default' || isClusterScopedResource(resource)) return [];
    // Placed there by --namespace default (the manifest names none): the finding is the same, its field is not there.
    if (asString(fieldAt(resource.object, 'metadata', 'namespace')) !== 'default')
      return [{ path: '/metadata', message: `${resource.kind} "${resource.name}" names no namespace and is to be applied in the "default" namespace` }];
    return [{ path: '/metadata/namespace', message: `${resource.kind} "${resource.name}" is placed in the "default" namespace` }];
  },
  examples: {
    valid: [
      `apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {mode: production}`,
      `apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {mode: production}`,
    ],
    invalid: [
      {
        manifest: `apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: default}
data: {mode: production}`,
        expect: ['/metadata/namespace'],
      },
    ],
  },
});
