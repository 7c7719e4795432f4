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
 *
 * The API server also creates a few Roles in kube-system and kube-public (the bootstrap policy's
 * namespace roles). Those are all modelled, with their rules, so that a RoleBinding to one of them
 * (a metrics adapter's RoleBinding in kube-system to extension-apiserver-authentication-reader, a
 * second scheduler's to system::leader-locking-kube-scheduler) is a binding to a known Role.
 * The leader-locking Roles are those of Kubernetes 1.31 to 1.34, with their ConfigMap rules: 1.35
 * dropped those rules from new clusters (kubernetes/kubernetes#134297), but the API server's start-up
 * reconciliation only adds missing permissions, so an upgraded cluster keeps them.
 * The bootstrap RoleBindings (to system:kube-controller-manager, system:kube-scheduler and
 * kube-system service accounts) are not modelled, like the bootstrap ClusterRoleBindings.
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

const BOOTSTRAP_LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };

function clusterRole(name: string, rules: JsonObject[], labels: Record<string, string> = {}, aggregateFrom?: string): JsonObject {
  const role: JsonObject = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, labels: { ...BOOTSTRAP_LABELS, ...labels } },
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

function role(namespace: string, name: string, rules: JsonObject[]): JsonObject {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace, labels: { ...BOOTSTRAP_LABELS } }, rules };
}

function named(apiGroups: string[], resources: string[], resourceNames: string[], verbs: string[]): JsonObject {
  return { apiGroups, resources, resourceNames, verbs };
}

/** What the controllers write their events with: both event APIs. */
const EVENTS = rule(['', 'events.k8s.io'], ['events'], ['create', 'update', 'patch']);
const LEADER_LEASES = [rule(['coordination.k8s.io'], ['leases'], ['get', 'watch', 'list', 'create', 'update']), rule(['coordination.k8s.io'], ['leasecandidates'], ['get', 'watch', 'list', 'create', 'update'])];

/**
 * The Roles of the bootstrap policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/namespace_policy.go),
 * as `kubectl get role -n kube-system -o yaml` shows them.
 */
export const BOOTSTRAP_NAMESPACE_ROLES: readonly JsonObject[] = Object.freeze([
  // Delegated authentication: aggregated API servers and webhooks read the client CA and request-header settings here.
  role('kube-system', 'extension-apiserver-authentication-reader', [named([''], ['configmaps'], ['extension-apiserver-authentication'], READ)]),
  role('kube-system', 'system::leader-locking-kube-controller-manager', [
    rule([''], ['configmaps'], ['watch']),
    named([''], ['configmaps'], ['kube-controller-manager'], ['get', 'update']),
    ...LEADER_LEASES,
  ]),
  role('kube-system', 'system::leader-locking-kube-scheduler', [rule([''], ['configmaps'], ['watch']), named([''], ['configmaps'], ['kube-scheduler'], ['get', 'update']), ...LEADER_LEASES]),
  // Bootstrap tokens are Secrets in kube-system: the signer reads them, the cleaner deletes expired ones.
  role('kube-system', 'system:controller:bootstrap-signer', [rule([''], ['secrets'], READ)]),
  role('kube-system', 'system:controller:cloud-provider', [rule([''], ['configmaps'], ['create', 'get', 'list', 'watch'])]),
  role('kube-system', 'system:controller:token-cleaner', [rule([''], ['secrets'], ['get', 'list', 'watch', 'delete']), EVENTS]),
  // The signer signs the cluster-info ConfigMap that kubeadm join reads anonymously.
  role('kube-public', 'system:controller:bootstrap-signer', [rule([''], ['configmaps'], READ), named([''], ['configmaps'], ['cluster-info'], ['update']), EVENTS]),
]);

/** Namespaces of the bootstrap Roles of that name (usually one; bootstrap-signer has one in each). */
export function bootstrapRoleNamespaces(name: string): string[] {
  return BOOTSTRAP_NAMESPACE_ROLES.filter((r) => (r.metadata as JsonObject).name === name).map((r) => (r.metadata as JsonObject).namespace as string);
}

/** ClusterRoles granted to every user by the bootstrap bindings: binding them to everyone again is harmless. */
export const DISCOVERY_ROLES: ReadonlySet<string> = new Set(['system:basic-user', 'system:discovery', 'system:public-info-viewer']);

/** Whether a ClusterRole of this name exists in every cluster (modelled or not). */
export function isBootstrapClusterRoleName(name: string): boolean {
  return name.startsWith('system:') || ['cluster-admin', 'admin', 'edit', 'view'].includes(name);
}
