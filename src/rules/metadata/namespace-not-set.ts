import type { Resource } from '../../core/types.js';
import { isClientSideObject } from '../../k8s/scope.js';
import { isObject } from '../../core/values.js';
import { defineRule } from '../define.js';
import { NAMESPACES_DOC, isClusterScopedResource } from './shared.js';

function isClientSideConfig(resource: Resource): boolean {
  return isClientSideObject(resource.apiVersion, resource.kind);
}

export const namespaceNotSet = defineRule({
  id: 'namespace-not-set',
  title: 'Namespaced object without a namespace',
  severity: 'info',
  category: 'metadata',
  tags: ['namespaces', 'best-practice'],
  optIn: true,
  description:
    'A namespaced object has no metadata.namespace, so it lands in whatever namespace the kubectl context points at, which is often ' +
    '"default". Off by default: Helm charts and kustomize bases usually leave the namespace to the deploy step. Enable it for ' +
    'rendered manifests that are applied as they are. Cluster-scoped kinds (and custom kinds named Cluster*) are skipped, and so are ' +
    'objects a scan with --namespace NS places: that option says where they will be applied.',
  remediation: 'Set metadata.namespace explicitly.',
  references: [NAMESPACES_DOC],
  check: (resource) => {
    if (resource.namespace !== undefined || isClusterScopedResource(resource) || isClientSideConfig(resource)) return [];
    const md = resource.object.metadata;
    return [{ path: isObject(md) ? '/metadata' : '', message: `${resource.kind} "${resource.name}" sets no namespace` }];
  },
  examples: {
    valid: [
      `apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80}]`,
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules: []`,
    ],
    invalid: [
      {
        manifest: `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]`,
        expect: ['/metadata'],
      },
    ],
  },
});
