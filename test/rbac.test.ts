/**
 * RBAC authorizer semantics, case by case from https://kubernetes.io/docs/reference/access-authn-authz/rbac/
 * and the authorizer's matching rules (plugin/pkg/auth/authorizer/rbac).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  RbacModel,
  groupIdentity,
  parsePolicyRule,
  parseSubjectSpec,
  ruleAllows,
  serviceAccountIdentity,
  userIdentity,
  type AccessRequest,
  type Identity,
  type PolicyRule,
} from '../src/analysis/rbac.js';
import { ResourceSet } from '../src/k8s/resource-set.js';
import { loadText } from '../src/sources/files.js';

function rule(raw: Record<string, unknown>): PolicyRule {
  return parsePolicyRule(raw)!;
}

/** `inputErrors`: how many wrong-typed fields the (deliberately malformed) input holds. */
function modelOf(yaml: string, inputErrors = 0): RbacModel {
  const loaded = loadText(yaml, 'rbac.yaml');
  assert.equal(loaded.errors.length, inputErrors, loaded.errors.map((e) => e.message).join('\n'));
  return new RbacModel(loaded.resources);
}

function allowed(model: RbacModel, identity: Identity, request: AccessRequest): boolean {
  return model.authorize(identity, request).length > 0;
}

const get = (resource: string, namespace = '', extra: Partial<{ subresource: string; name: string; apiGroup: string; verb: string }> = {}): AccessRequest => ({
  verb: extra.verb ?? 'get',
  apiGroup: extra.apiGroup ?? '',
  resource,
  subresource: extra.subresource,
  name: extra.name,
  namespace,
});

describe('PolicyRule matching', () => {
  test('verbs: exact or "*"', () => {
    const r = rule({ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] });
    assert.equal(ruleAllows(r, get('pods')), true);
    assert.equal(ruleAllows(r, get('pods', '', { verb: 'delete' })), false);
    assert.equal(ruleAllows(rule({ apiGroups: [''], resources: ['pods'], verbs: ['*'] }), get('pods', '', { verb: 'escalate' })), true);
  });

  test('apiGroups: "" is the core group, other groups must be named, "*" is every group', () => {
    const core = rule({ apiGroups: [''], resources: ['deployments'], verbs: ['get'] });
    assert.equal(ruleAllows(core, get('deployments', '', { apiGroup: 'apps' })), false);
    const apps = rule({ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] });
    assert.equal(ruleAllows(apps, get('deployments', '', { apiGroup: 'apps' })), true);
    assert.equal(ruleAllows(rule({ apiGroups: ['*'], resources: ['deployments'], verbs: ['get'] }), get('deployments', '', { apiGroup: 'extensions' })), true);
  });

  test('absent or empty apiGroups match no resource request (the API server rejects such rules)', () => {
    assert.equal(ruleAllows(rule({ resources: ['pods'], verbs: ['get'] }), get('pods')), false);
    assert.equal(ruleAllows(rule({ apiGroups: [], resources: ['pods'], verbs: ['get'] }), get('pods')), false);
  });

  test('a resource does not grant its subresources: pods does not grant pods/exec or pods/log', () => {
    const r = rule({ apiGroups: [''], resources: ['pods'], verbs: ['*'] });
    assert.equal(ruleAllows(r, get('pods', '', { subresource: 'exec', verb: 'create' })), false);
    assert.equal(ruleAllows(r, get('pods', '', { subresource: 'log' })), false);
    assert.equal(ruleAllows(rule({ apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }), get('pods', '', { subresource: 'log' })), true);
    // ... and a subresource does not grant its resource.
    assert.equal(ruleAllows(rule({ apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }), get('pods')), false);
  });

  test('"*" in resources covers every resource and every subresource', () => {
    const r = rule({ apiGroups: [''], resources: ['*'], verbs: ['get'] });
    assert.equal(ruleAllows(r, get('pods', '', { subresource: 'exec' })), true);
    assert.equal(ruleAllows(r, get('nodes', '', { subresource: 'proxy' })), true);
  });

  test('"*/scale" matches the scale subresource of any resource, not the resources themselves', () => {
    const r = rule({ apiGroups: ['apps'], resources: ['*/scale'], verbs: ['update'] });
    assert.equal(ruleAllows(r, get('deployments', '', { apiGroup: 'apps', subresource: 'scale', verb: 'update' })), true);
    assert.equal(ruleAllows(r, get('statefulsets', '', { apiGroup: 'apps', subresource: 'scale', verb: 'update' })), true);
    assert.equal(ruleAllows(r, get('deployments', '', { apiGroup: 'apps', verb: 'update' })), false);
    assert.equal(ruleAllows(r, get('deployments', '', { apiGroup: 'apps', subresource: 'status', verb: 'update' })), false);
  });

  test('"pods/*" is not a pattern: it only matches a subresource literally named "*"', () => {
    const r = rule({ apiGroups: [''], resources: ['pods/*'], verbs: ['create'] });
    assert.equal(ruleAllows(r, get('pods', '', { subresource: 'exec', verb: 'create' })), false);
    assert.equal(ruleAllows(r, get('pods', '', { verb: 'create' })), false);
  });

  test('resourceNames: only requests for those names; list/watch only with a name (field selector); unnamed requests never', () => {
    const r = rule({ apiGroups: [''], resources: ['configmaps'], resourceNames: ['my-configmap'], verbs: ['get', 'update', 'list', 'create'] });
    assert.equal(ruleAllows(r, get('configmaps', 'shop', { name: 'my-configmap' })), true);
    assert.equal(ruleAllows(r, get('configmaps', 'shop', { name: 'other' })), false);
    assert.equal(ruleAllows(r, get('configmaps', 'shop', { verb: 'list' })), false);
    assert.equal(ruleAllows(r, get('configmaps', 'shop', { verb: 'list', name: 'my-configmap' })), true);
    // create of a new object carries no name: resourceNames cannot allow it.
    assert.equal(ruleAllows(r, get('configmaps', 'shop', { verb: 'create' })), false);
  });

  test('nonResourceURLs: exact, "*", and a trailing "*" as a prefix match', () => {
    const r = rule({ nonResourceURLs: ['/healthz', '/metrics/*'], verbs: ['get'] });
    assert.equal(ruleAllows(r, { verb: 'get', path: '/healthz' }), true);
    assert.equal(ruleAllows(r, { verb: 'get', path: '/healthz/etcd' }), false);
    assert.equal(ruleAllows(r, { verb: 'get', path: '/metrics/slis' }), true);
    assert.equal(ruleAllows(r, { verb: 'get', path: '/metrics' }), false);
    assert.equal(ruleAllows(r, { verb: 'post', path: '/healthz' }), false);
    assert.equal(ruleAllows(rule({ nonResourceURLs: ['*'], verbs: ['*'] }), { verb: 'get', path: '/anything' }), true);
    // A resource rule never matches a non-resource request, and the reverse.
    assert.equal(ruleAllows(rule({ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }), { verb: 'get', path: '/healthz' }), false);
    assert.equal(ruleAllows(r, get('pods')), false);
  });

  test('entries of the wrong type are ignored, never thrown on', () => {
    const r = parsePolicyRule({ apiGroups: [5, ''], resources: 'pods', verbs: [null, 'get'] })!;
    assert.deepEqual(r.apiGroups, ['']);
    assert.deepEqual(r.resources, []);
    assert.equal(parsePolicyRule('not a rule'), undefined);
  });
});

const POD_READER = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: pod-reader
rules:
  - apiGroups: [""]
    resources: ["pods", "nodes"]
    verbs: ["get", "list"]
  - nonResourceURLs: ["/healthz"]
    verbs: ["get"]
`;

describe('bindings and scope', () => {
  const model = modelOf(`${POD_READER}---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: alice-reads-pods
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: pod-reader
subjects:
  - kind: User
    apiGroup: rbac.authorization.k8s.io
    name: alice
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: bob-reads-pods
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: pod-reader
subjects:
  - kind: User
    apiGroup: rbac.authorization.k8s.io
    name: bob
`);
  const alice = userIdentity('alice');
  const bob = userIdentity('bob');

  test('a RoleBinding to a ClusterRole grants it only in the binding\'s namespace', () => {
    assert.equal(allowed(model, alice, get('pods', 'shop')), true);
    assert.equal(allowed(model, alice, get('pods', 'other')), false);
    assert.equal(allowed(model, alice, get('pods', '', { verb: 'list' })), false, 'not across all namespaces');
  });

  test('a RoleBinding never grants cluster-scoped resources or non-resource URLs, even from a ClusterRole', () => {
    assert.equal(allowed(model, alice, get('nodes', '')), false);
    assert.equal(allowed(model, alice, { verb: 'get', path: '/healthz' }), false);
  });

  test('a ClusterRoleBinding grants everywhere: every namespace, all namespaces at once, cluster-scoped resources, URLs', () => {
    assert.equal(allowed(model, bob, get('pods', 'shop')), true);
    assert.equal(allowed(model, bob, get('pods', 'anything')), true);
    assert.equal(allowed(model, bob, get('pods', '', { verb: 'list' })), true);
    assert.equal(allowed(model, bob, get('nodes', '')), true);
    assert.equal(allowed(model, bob, { verb: 'get', path: '/healthz' }), true);
  });

  test('permissions are additive: nothing is denied by another binding, and unbound users get nothing', () => {
    assert.equal(allowed(model, userIdentity('carol'), get('pods', 'shop')), false);
  });

  test('who-can lists each grant with its scope', () => {
    const anyNs = model.whoCan({ verb: 'get', apiGroup: '', resource: 'pods', namespace: '' }, { anyNamespace: true });
    assert.deepEqual(anyNs.map((p) => `${p.subject.name} ${p.scope ?? 'cluster'}`).sort(), ['alice shop', 'bob cluster']);
    const other = model.whoCan({ verb: 'get', apiGroup: '', resource: 'pods', namespace: 'other' });
    assert.deepEqual(other.map((p) => p.subject.name), ['bob']);
    const nodes = model.whoCan({ verb: 'get', apiGroup: '', resource: 'nodes', namespace: '' }, { anyNamespace: true, namespaced: false });
    assert.deepEqual(nodes.map((p) => p.subject.name), ['bob']);
  });
});

describe('roleRef resolution', () => {
  test('a RoleBinding\'s Role is looked up in the binding\'s own namespace', () => {
    const model = modelOf(`apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: reader
  namespace: other
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: reader
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: reader
subjects:
  - kind: User
    name: alice
`);
    assert.equal(allowed(model, userIdentity('alice'), get('pods', 'shop')), false);
    assert.equal(allowed(model, userIdentity('alice'), get('pods', 'other')), false);
  });

  test('a ClusterRoleBinding cannot refer to a Role', () => {
    const model = modelOf(`apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: reader
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: reader
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: reader
subjects:
  - kind: User
    name: alice
`);
    assert.equal(allowed(model, userIdentity('alice'), get('pods', 'shop')), false);
  });

  test('namespaced RBAC objects without a namespace are analysed as in "default"', () => {
    const model = modelOf(`apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: reader
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: reader
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: reader
subjects:
  - kind: User
    name: alice
`);
    assert.equal(allowed(model, userIdentity('alice'), get('pods', 'default')), true);
    assert.equal(allowed(model, userIdentity('alice'), get('pods', 'shop')), false);
  });

  test('malformed bindings grant nothing and do not throw', () => {
    const model = modelOf(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: broken
roleRef: [cluster-admin]
subjects: "alice"
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: broken-subjects
roleRef:
  kind: ClusterRole
  name: cluster-admin
subjects:
  - 5
  - kind: Robot
    name: alice
  - kind: User
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: broken-rules
rules: {a: 1}
aggregationRule: 7
`, 7);
    assert.equal(allowed(model, userIdentity('alice'), get('pods', 'shop')), false);
    assert.deepEqual(model.rulesOf(model.role('ClusterRole', undefined, 'broken-rules')!), []);
  });
});

describe('subjects', () => {
  const model = modelOf(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: secret-reader
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: sa-without-namespace
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: secret-reader
subjects:
  - kind: ServiceAccount
    name: checkout
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: sa-without-namespace-cluster
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: secret-reader
subjects:
  - kind: ServiceAccount
    name: orphan
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: by-user-name
  namespace: billing
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: secret-reader
subjects:
  - kind: User
    name: system:serviceaccount:billing:invoicer
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: all-sa-of-ns
  namespace: jobs
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: secret-reader
subjects:
  - kind: Group
    name: system:serviceaccounts:jobs
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: all-sa
  namespace: shared
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: secret-reader
subjects:
  - kind: Group
    name: system:serviceaccounts
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: everyone-authenticated
  namespace: public
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: secret-reader
subjects:
  - kind: Group
    name: system:authenticated
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: anonymous
  namespace: open
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: secret-reader
subjects:
  - kind: Group
    name: system:unauthenticated
`);

  test('a ServiceAccount subject without namespace is in the RoleBinding\'s namespace', () => {
    assert.equal(allowed(model, serviceAccountIdentity('shop', 'checkout'), get('secrets', 'shop')), true);
    assert.equal(allowed(model, serviceAccountIdentity('other', 'checkout'), get('secrets', 'shop')), false);
  });

  test('in a ClusterRoleBinding a ServiceAccount subject without namespace matches no one', () => {
    assert.equal(allowed(model, serviceAccountIdentity('default', 'orphan'), get('secrets', 'x')), false);
  });

  test('a User subject spelled system:serviceaccount:<ns>:<name> is that service account', () => {
    assert.equal(allowed(model, serviceAccountIdentity('billing', 'invoicer'), get('secrets', 'billing')), true);
    assert.equal(allowed(model, parseSubjectSpec('user:system:serviceaccount:billing:invoicer').identity, get('secrets', 'billing')), true);
  });

  test('service accounts are in system:serviceaccounts, system:serviceaccounts:<ns> and system:authenticated', () => {
    const sa = serviceAccountIdentity('jobs', 'runner');
    assert.equal(allowed(model, sa, get('secrets', 'jobs')), true);
    assert.equal(allowed(model, serviceAccountIdentity('shop', 'runner'), get('secrets', 'jobs')), false);
    assert.equal(allowed(model, serviceAccountIdentity('shop', 'x'), get('secrets', 'shared')), true);
    assert.equal(allowed(model, serviceAccountIdentity('shop', 'x'), get('secrets', 'public')), true);
  });

  test('users are in system:authenticated; anonymous requests only in system:unauthenticated', () => {
    assert.equal(allowed(model, userIdentity('alice'), get('secrets', 'public')), true);
    assert.equal(allowed(model, userIdentity('alice'), get('secrets', 'shared')), false);
    assert.equal(allowed(model, userIdentity('alice'), get('secrets', 'open')), false);
    const anonymous = userIdentity('system:anonymous');
    assert.equal(allowed(model, anonymous, get('secrets', 'open')), true);
    assert.equal(allowed(model, anonymous, get('secrets', 'public')), false);
  });

  test('a group on its own carries only its own bindings', () => {
    assert.equal(allowed(model, groupIdentity('system:serviceaccounts:jobs'), get('secrets', 'jobs')), true);
    assert.equal(allowed(model, groupIdentity('system:serviceaccounts:jobs'), get('secrets', 'public')), false);
  });

  test('subject syntax: sa:NS:NAME, user:NAME, group:NAME', () => {
    assert.deepEqual(parseSubjectSpec('sa:shop:checkout').identity.user, 'system:serviceaccount:shop:checkout');
    assert.deepEqual(parseSubjectSpec('group:devs').identity, { groups: ['devs'] });
    assert.deepEqual(parseSubjectSpec('user:alice').identity, { user: 'alice', groups: ['system:authenticated'] });
    for (const bad of ['alice', 'sa:shop', 'sa::x', 'sa:shop:', 'user:', 'robot:x', 'sa:a:b:c']) assert.throws(() => parseSubjectSpec(bad), /expected sa:NAMESPACE:NAME/, bad);
  });
});

describe('aggregated ClusterRoles', () => {
  const model = modelOf(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: monitoring
aggregationRule:
  clusterRoleSelectors:
    - matchLabels:
        rbac.example.com/aggregate-to-monitoring: "true"
    - matchExpressions:
        - key: team
          operator: In
          values: ["observability"]
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: monitoring-endpoints
  labels:
    rbac.example.com/aggregate-to-monitoring: "true"
rules:
  - apiGroups: [""]
    resources: ["services", "endpoints", "pods"]
    verbs: ["get", "list", "watch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: dashboards
  labels:
    team: observability
rules:
  - apiGroups: [""]
    resources: ["configmaps"]
    verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: unrelated
  labels:
    rbac.example.com/aggregate-to-monitoring: "false"
rules:
  - apiGroups: [""]
    resources: ["nodes"]
    verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: crontab-viewer
  labels:
    rbac.authorization.k8s.io/aggregate-to-view: "true"
rules:
  - apiGroups: ["stable.example.com"]
    resources: ["crontabs"]
    verbs: ["get", "list", "watch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: prometheus
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: monitoring
subjects:
  - kind: ServiceAccount
    name: prometheus
    namespace: monitoring
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: devs-admin
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: admin
subjects:
  - kind: Group
    name: devs
`);
  const prometheus = serviceAccountIdentity('monitoring', 'prometheus');

  test('the aggregate grants the union of the selected roles (any selector matching is enough)', () => {
    assert.equal(allowed(model, prometheus, get('endpoints', 'x', { verb: 'list' })), true);
    assert.equal(allowed(model, prometheus, get('configmaps', 'x')), true);
    assert.equal(allowed(model, prometheus, get('nodes', '')), false, 'label value "false" is not selected');
  });

  test('the aggregate\'s own rules are replaced, not added', () => {
    assert.equal(allowed(model, prometheus, get('secrets', 'x')), false);
  });

  test('bootstrap admin aggregates edit and view, and a scanned role labelled aggregate-to-view widens all three', () => {
    const devs = groupIdentity('devs');
    assert.equal(allowed(model, devs, get('rolebindings', 'shop', { apiGroup: 'rbac.authorization.k8s.io', verb: 'create' })), true, 'admin');
    assert.equal(allowed(model, devs, get('pods', 'shop', { subresource: 'exec', verb: 'create' })), true, 'edit');
    assert.equal(allowed(model, devs, get('configmaps', 'shop', { verb: 'list' })), true, 'view');
    assert.equal(allowed(model, devs, get('crontabs', 'shop', { apiGroup: 'stable.example.com', verb: 'list' })), true, 'custom aggregate-to-view');
    assert.equal(allowed(model, devs, get('crontabs', 'other', { apiGroup: 'stable.example.com', verb: 'list' })), false);
  });

  test('an aggregate never selects itself, and cycles of aggregates end', () => {
    const cyclic = modelOf(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: a
  labels: {agg: "yes"}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {agg: "yes"}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: b
  labels: {agg: "yes"}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {agg: "yes"}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: leaf
  labels: {agg: "yes"}
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get"]
`);
    const a = cyclic.role('ClusterRole', undefined, 'a')!;
    assert.deepEqual(cyclic.rulesOf(a).map((r) => r.role.name), ['leaf']);
    assert.deepEqual(cyclic.rulesOf(cyclic.role('ClusterRole', undefined, 'b')!).map((r) => r.role.name), ['leaf']);
  });

  test('an empty selector selects every ClusterRole; a null one none', () => {
    const all = modelOf(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: everything
aggregationRule:
  clusterRoleSelectors: [{}, null]
`);
    const everything = all.role('ClusterRole', undefined, 'everything')!;
    assert.ok(all.isFullAccess(everything), 'it aggregates cluster-admin');
  });
});

describe('bootstrap roles', () => {
  const model = modelOf(`apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: viewers
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
  - kind: User
    name: viewer
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: editors
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: edit
subjects:
  - kind: User
    name: editor
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: root
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - kind: User
    name: root
`);

  test('view reads workloads but not Secrets, roles or exec', () => {
    const v = userIdentity('viewer');
    assert.equal(allowed(model, v, get('deployments', 'shop', { apiGroup: 'apps', verb: 'list' })), true);
    assert.equal(allowed(model, v, get('secrets', 'shop')), false);
    assert.equal(allowed(model, v, get('roles', 'shop', { apiGroup: 'rbac.authorization.k8s.io' })), false);
    assert.equal(allowed(model, v, get('pods', 'shop', { subresource: 'exec', verb: 'create' })), false);
  });

  test('edit reads Secrets, execs, mints tokens, but cannot touch RBAC', () => {
    const e = userIdentity('editor');
    assert.equal(allowed(model, e, get('secrets', 'shop', { verb: 'list' })), true);
    assert.equal(allowed(model, e, get('pods', 'shop', { subresource: 'exec', verb: 'create' })), true);
    assert.equal(allowed(model, e, get('serviceaccounts', 'shop', { subresource: 'token', verb: 'create', name: 'x' })), true);
    assert.equal(allowed(model, e, get('rolebindings', 'shop', { apiGroup: 'rbac.authorization.k8s.io', verb: 'create' })), false);
    assert.equal(allowed(model, e, get('endpoints', 'shop', { verb: 'create' })), false, 'removed from edit in 1.22');
  });

  test('cluster-admin is everything, URLs included', () => {
    const root = userIdentity('root');
    assert.equal(allowed(model, root, get('anything', 'x', { apiGroup: 'whatever.io', verb: 'frobnicate' })), true);
    assert.equal(allowed(model, root, { verb: 'get', path: '/metrics' }), true);
  });

  test('a scanned ClusterRole replaces the built-in one of the same name', () => {
    const overridden = modelOf(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: view
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["get"]
`);
    const view = overridden.role('ClusterRole', undefined, 'view')!;
    assert.equal(view.bootstrap, false);
    assert.deepEqual(overridden.rulesOf(view).map((r) => r.rule.resources), [['secrets']]);
  });
});

describe('bootstrap Roles of kube-system and kube-public', () => {
  // The shape of a metrics adapter's (metrics-server, prometheus-adapter) RoleBinding: in kube-system,
  // to the built-in Role, for a service account of another namespace.
  const model = modelOf(`apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: metrics-adapter-auth-reader
  namespace: kube-system
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: extension-apiserver-authentication-reader
subjects:
  - kind: ServiceAccount
    name: metrics-adapter
    namespace: monitoring
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: second-scheduler-leader
  namespace: kube-system
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: system::leader-locking-kube-scheduler
subjects:
  - kind: ServiceAccount
    name: second-scheduler
    namespace: kube-system
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: misplaced
  namespace: monitoring
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: extension-apiserver-authentication-reader
subjects:
  - kind: ServiceAccount
    name: other
    namespace: monitoring
`);
  const adapter = serviceAccountIdentity('monitoring', 'metrics-adapter');

  test('a RoleBinding in kube-system to extension-apiserver-authentication-reader grants reading that one ConfigMap', () => {
    const binding = model.bindings.find((b) => b.name === 'metrics-adapter-auth-reader')!;
    const role = model.roleOf(binding);
    assert.ok(role, 'the built-in Role is found');
    assert.equal(role.bootstrap, true);
    assert.equal(role.namespace, 'kube-system');
    assert.equal(allowed(model, adapter, get('configmaps', 'kube-system', { name: 'extension-apiserver-authentication' })), true);
    assert.equal(allowed(model, adapter, get('configmaps', 'kube-system', { name: 'extension-apiserver-authentication', verb: 'watch' })), true);
    assert.equal(allowed(model, adapter, get('configmaps', 'kube-system', { name: 'kube-proxy' })), false, 'resourceNames limit it to one ConfigMap');
    assert.equal(allowed(model, adapter, get('configmaps', 'kube-system', { verb: 'list' })), false, 'listing every ConfigMap is not granted');
    assert.equal(allowed(model, adapter, get('configmaps', 'monitoring', { name: 'extension-apiserver-authentication' })), false, 'only in kube-system');
  });

  test('the leader-locking Role grants the scheduler lease and leader candidates, not Secrets', () => {
    const scheduler = serviceAccountIdentity('kube-system', 'second-scheduler');
    assert.equal(allowed(model, scheduler, get('leases', 'kube-system', { apiGroup: 'coordination.k8s.io', verb: 'update', name: 'my-scheduler' })), true);
    assert.equal(allowed(model, scheduler, get('leasecandidates', 'kube-system', { apiGroup: 'coordination.k8s.io', verb: 'create' })), true);
    assert.equal(allowed(model, scheduler, get('configmaps', 'kube-system', { verb: 'update', name: 'kube-scheduler' })), true);
    assert.equal(allowed(model, scheduler, get('configmaps', 'kube-system', { verb: 'update', name: 'other' })), false);
    assert.equal(allowed(model, scheduler, get('secrets', 'kube-system')), false);
  });

  test('every bootstrap Role of the policy is known, in its own namespace only', () => {
    for (const [ns, name] of [
      ['kube-system', 'extension-apiserver-authentication-reader'],
      ['kube-system', 'system::leader-locking-kube-controller-manager'],
      ['kube-system', 'system::leader-locking-kube-scheduler'],
      ['kube-system', 'system:controller:bootstrap-signer'],
      ['kube-system', 'system:controller:cloud-provider'],
      ['kube-system', 'system:controller:token-cleaner'],
      ['kube-public', 'system:controller:bootstrap-signer'],
    ])
      assert.equal(model.role('Role', ns, name)?.bootstrap, true, `${ns}/${name}`);
    assert.equal(model.role('Role', 'kube-public', 'extension-apiserver-authentication-reader'), undefined);
    assert.equal(model.role('ClusterRole', undefined, 'extension-apiserver-authentication-reader'), undefined, 'a Role, not a ClusterRole');
    // The same name in another namespace is another Role, which does not exist.
    const misplaced = model.bindings.find((b) => b.name === 'misplaced')!;
    assert.equal(model.roleOf(misplaced), undefined);
    assert.equal(allowed(model, serviceAccountIdentity('monitoring', 'other'), get('configmaps', 'kube-system', { name: 'extension-apiserver-authentication' })), false);
  });

  test('the bootstrap signer reads the Secrets of kube-system, and writes cluster-info in kube-public', () => {
    const m = modelOf(`apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: signer
  namespace: kube-public
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: system:controller:bootstrap-signer
subjects:
  - kind: User
    name: signer
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: signer
  namespace: kube-system
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: system:controller:bootstrap-signer
subjects:
  - kind: User
    name: signer
`);
    const signer = userIdentity('signer');
    assert.equal(allowed(m, signer, get('secrets', 'kube-system', { verb: 'list' })), true);
    assert.equal(allowed(m, signer, get('secrets', 'kube-public', { verb: 'list' })), false);
    assert.equal(allowed(m, signer, get('configmaps', 'kube-public', { verb: 'update', name: 'cluster-info' })), true);
    assert.equal(allowed(m, signer, get('events', 'kube-public', { apiGroup: 'events.k8s.io', verb: 'create' })), true);
  });

  test('a scanned Role of the same name and namespace replaces the built-in one', () => {
    const m = modelOf(`apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: extension-apiserver-authentication-reader
  namespace: kube-system
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["get"]
`);
    const role = m.role('Role', 'kube-system', 'extension-apiserver-authentication-reader')!;
    assert.equal(role.bootstrap, false);
    assert.deepEqual(m.rulesOf(role).map((r) => r.rule.resources), [['secrets']]);
  });
});

describe('indexes', () => {
  test('thousands of bindings: authorize looks up the subject, never scans every binding', () => {
    const docs: string[] = [];
    for (let i = 0; i < 3000; i++)
      docs.push(`apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: b${i}
  namespace: ns${i % 50}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
  - kind: ServiceAccount
    name: sa${i}
`);
    const loaded = loadText(docs.join('---\n'), 'many.yaml');
    const model = RbacModel.of(new ResourceSet(loaded.resources));
    const start = process.hrtime.bigint();
    for (let i = 0; i < 3000; i++) assert.equal(allowed(model, serviceAccountIdentity(`ns${i % 50}`, `sa${i}`), get('pods', `ns${i % 50}`)), true);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    assert.ok(ms < 2000, `3000 authorizations took ${ms} ms`);
    assert.equal(model.grantsFor(serviceAccountIdentity('ns1', 'sa1')).length, 1);
  });
});
