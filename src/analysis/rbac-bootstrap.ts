/**
 * The default ClusterRoles every cluster creates at start-up (the API server's RBAC bootstrap policy),
 * so that bindings to them can be analysed without shipping them in the manifests.
 *
 * Modelled: cluster-admin, the user-facing admin/edit/view (which are aggregated ClusterRoles, exactly
 * as in a cluster: their rules are the union of the ClusterRoles labelled
 * `rbac.authorization.k8s.io/aggregate-to-<name>: "true"`, so a scanned ClusterRole with such a label
 * widens them), the `system:aggregate-to-*` roles holding the default rules, and the discovery roles
 * bound to every user (system:basic-user, system:discovery, system:public-info-viewer), plus
 * system:auth-delegator and system:monitoring. The rules follow the bootstrap policy of Kubernetes 1.34
 * (endpoints and endpointslices writes left `edit` in 1.22).
 *
 * Other `system:` ClusterRoles exist (system:node, system:kube-scheduler, system:controller:*); they are
 * not modelled: a binding to one of them is known to be valid but its permissions are not analysed.
 */
import type { JsonObject } from '../core/types.js';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const READ_WRITE = [...READ, ...WRITE];

function rule(apiGroups: string[], resources: string[], verbs: string[]): JsonObject {
  return { apiGroups, resources, verbs };
}

function urls(nonResourceURLs: string[], verbs: string[]): JsonObject {
  return { nonResourceURLs, verbs };
}

function clusterRole(name: string, rules: JsonObject[], labels: Record<string, string> = {}, aggregateFrom?: string): JsonObject {
  const role: JsonObject = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', ...labels } },
    rules,
  };
  if (aggregateFrom) role.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { [`rbac.authorization.k8s.io/aggregate-to-${aggregateFrom}`]: 'true' } }] };
  return role;
}

const AGGREGATE = (to: string): Record<string, string> => ({ [`rbac.authorization.k8s.io/aggregate-to-${to}`]: 'true' });

/** Plain ClusterRole objects, as `kubectl get clusterrole -o yaml` would show them before aggregation. */
export const BOOTSTRAP_CLUSTER_ROLES: readonly JsonObject[] = Object.freeze([
  clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
  // The user-facing roles: admin includes edit, edit includes view, each by aggregation.
  clusterRole('admin', [], {}, 'admin'),
  clusterRole('edit', [], AGGREGATE('admin'), 'edit'),
  clusterRole('view', [], AGGREGATE('edit'), 'view'),
  clusterRole(
    'system:aggregate-to-admin',
    [rule(['authorization.k8s.io'], ['localsubjectaccessreviews'], ['create']), rule(['rbac.authorization.k8s.io'], ['rolebindings', 'roles'], READ_WRITE)],
    AGGREGATE('admin'),
  ),
  clusterRole(
    'system:aggregate-to-edit',
    [
      rule([''], ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy'], READ),
      rule([''], ['serviceaccounts'], ['impersonate']),
      rule([''], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward'], WRITE),
      rule([''], ['pods/eviction'], ['create']),
      rule([''], ['replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets', 'events'], WRITE),
      rule([''], ['serviceaccounts/token'], ['create']),
      rule(['apps'], ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'replicasets', 'replicasets/scale'], WRITE),
      rule(['autoscaling'], ['horizontalpodautoscalers'], WRITE),
      rule(['batch'], ['jobs', 'cronjobs'], WRITE),
      rule(['extensions'], ['daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'ingresses', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale', 'networkpolicies'], WRITE),
      rule(['policy'], ['poddisruptionbudgets'], WRITE),
      rule(['networking.k8s.io'], ['networkpolicies', 'ingresses'], WRITE),
      rule(['coordination.k8s.io'], ['leases'], READ_WRITE),
    ],
    AGGREGATE('edit'),
  ),
  clusterRole(
    'system:aggregate-to-view',
    [
      rule([''], ['pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps'], READ),
      rule([''], ['limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status', 'namespaces/status', 'replicationcontrollers/status', 'pods/log'], READ),
      rule([''], ['namespaces'], READ),
      rule(['discovery.k8s.io'], ['endpointslices'], READ),
      rule(['apps'], ['controllerrevisions', 'statefulsets', 'statefulsets/status', 'statefulsets/scale', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/status', 'deployments/scale', 'replicasets', 'replicasets/status', 'replicasets/scale'], READ),
      rule(['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status'], READ),
      rule(['batch'], ['jobs', 'jobs/status', 'cronjobs', 'cronjobs/status'], READ),
      rule(['extensions'], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale', 'networkpolicies'], READ),
      rule(['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status'], READ),
      rule(['networking.k8s.io'], ['networkpolicies', 'ingresses', 'ingresses/status'], READ),
    ],
    AGGREGATE('view'),
  ),
  clusterRole('system:basic-user', [rule(['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], ['create']), rule(['authentication.k8s.io'], ['selfsubjectreviews'], ['create'])]),
  clusterRole('system:discovery', [urls(['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'], ['get'])]),
  clusterRole('system:public-info-viewer', [urls(['/healthz', '/livez', '/readyz', '/version', '/version/'], ['get'])]),
  clusterRole('system:auth-delegator', [rule(['authentication.k8s.io'], ['tokenreviews'], ['create']), rule(['authorization.k8s.io'], ['subjectaccessreviews'], ['create'])]),
  clusterRole('system:monitoring', [urls(['/healthz', '/healthz/*', '/livez', '/livez/*', '/readyz', '/readyz/*', '/metrics', '/metrics/slis'], ['get'])]),
]);

/** ClusterRoles granted to every user by the bootstrap bindings: binding them to everyone again is harmless. */
export const DISCOVERY_ROLES: ReadonlySet<string> = new Set(['system:basic-user', 'system:discovery', 'system:public-info-viewer']);

/** Whether a ClusterRole of this name exists in every cluster (modelled or not). */
export function isBootstrapClusterRoleName(name: string): boolean {
  return name.startsWith('system:') || ['cluster-admin', 'admin', 'edit', 'view'].includes(name);
}
