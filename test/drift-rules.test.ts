/**
 * The drift rules' edge cases beyond their pinned examples (which the shared rule tester runs):
 * what they must stay silent on, and the severities that follow from the Kubernetes semantics.
 */
import assert from 'node:assert/strict';
import { test, describe } from 'node:test';
import { evaluate } from '../src/engine/engine.js';
import { loadText, resourcesFromObjects } from '../src/sources/files.js';
import { rules as catalogue, findRule } from '../src/rules/index.js';
import { objectChange } from '../src/k8s/object-change.js';
import { securityFieldDrift } from '../src/k8s/security-fields.js';
import type { JsonObject } from '../src/core/types.js';

const OBSERVED = new Date('2026-12-05T08:00:00Z');

function run(ruleId: string, yaml: string, objects: JsonObject[] = []) {
  const rule = findRule(ruleId)!;
  const loaded = [...loadText(yaml, 'state.yaml').resources, ...resourcesFromObjects(objects, 'watch').resources];
  const result = evaluate(loaded, { rules: [rule], catalogue });
  assert.deepEqual(result.errors, []);
  return result.findings.map((f) => ({ severity: f.severity, path: f.path, message: f.message }));
}

const policy = (name: string, podSelector: JsonObject = {}): JsonObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'shop' }, spec: { podSelector, policyTypes: ['Ingress'] } });
const deleted = (object: JsonObject): JsonObject =>
  objectChange('Deleted', { apiVersion: object.apiVersion as string, kind: object.kind as string, namespace: (object.metadata as JsonObject).namespace as string | undefined, name: (object.metadata as JsonObject).name as string }, object, undefined, OBSERVED);
const modified = (before: JsonObject, after: JsonObject): JsonObject =>
  objectChange('Modified', { apiVersion: after.apiVersion as string, kind: after.kind as string, namespace: (after.metadata as JsonObject).namespace as string | undefined, name: (after.metadata as JsonObject).name as string }, before, after, OBSERVED);
const added = (after: JsonObject): JsonObject =>
  objectChange('Added', { apiVersion: after.apiVersion as string, kind: after.kind as string, namespace: (after.metadata as JsonObject).namespace as string | undefined, name: (after.metadata as JsonObject).name as string }, undefined, after, OBSERVED);

describe('drift-network-policy-deleted', () => {
  test('the last policy of a namespace: high; a narrow one while others remain: low; the namespace gone: nothing', () => {
    assert.deepEqual(run('drift-network-policy-deleted', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}', [deleted(policy('default-deny'))]).map((f) => f.severity), ['high']);
    const remaining = `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny, namespace: shop}\nspec: {podSelector: {}}`;
    assert.deepEqual(run('drift-network-policy-deleted', remaining, [deleted(policy('allow-web', { matchLabels: { app: 'web' } }))]).map((f) => f.severity), ['low']);
    // The namespaces were listed and shop is not among them: the policy went with its namespace.
    assert.deepEqual(run('drift-network-policy-deleted', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: other}', [deleted(policy('default-deny'))]), []);
  });

  test('a cluster-wide Cilium policy may still select the pods: medium, and it is named', () => {
    const ccnp = 'apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: baseline-deny}\nspec: {endpointSelector: {}}';
    const findings = run('drift-network-policy-deleted', ccnp, [deleted(policy('default-deny'))]);
    assert.deepEqual(findings.map((f) => f.severity), ['medium']);
    assert.match(findings[0].message, /1 cluster-wide policy \(CiliumClusterwideNetworkPolicy baseline-deny\) may still select its pods/);
  });

  test('the set may still hold the deleted policy: it does not count as remaining', () => {
    const stale = `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny, namespace: shop}\nspec: {podSelector: {}}`;
    assert.deepEqual(run('drift-network-policy-deleted', stale, [deleted(policy('default-deny'))]).map((f) => f.severity), ['high']);
  });
});

describe('drift-admission-webhook-weakened', () => {
  const config = (kind: string, apiVersion: string, hooks: JsonObject[]): JsonObject => ({ apiVersion, kind, metadata: { name: 'policy' }, webhooks: hooks });
  test('v1beta1 defaults to Ignore: a webhook that never failed closed, deleted, is medium', () => {
    const before = config('ValidatingWebhookConfiguration', 'admissionregistration.k8s.io/v1beta1', [{ name: 'a.example.com' }]);
    assert.deepEqual(run('drift-admission-webhook-weakened', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: x}', [deleted(before)]).map((f) => f.severity), ['medium']);
  });

  test('a mutating webhook switched from Fail to Ignore is medium; Ignore to Fail is nothing', () => {
    const fail = config('MutatingWebhookConfiguration', 'admissionregistration.k8s.io/v1', [{ name: 'inject.example.com', failurePolicy: 'Fail' }]);
    const ignore = config('MutatingWebhookConfiguration', 'admissionregistration.k8s.io/v1', [{ name: 'inject.example.com', failurePolicy: 'Ignore' }]);
    assert.deepEqual(run('drift-admission-webhook-weakened', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: x}', [modified(fail, ignore)]).map((f) => [f.severity, f.path]), [['medium', '/change/after/webhooks/0/failurePolicy']]);
    assert.deepEqual(run('drift-admission-webhook-weakened', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: x}', [modified(ignore, fail)]), []);
  });
});

describe('drift-binding-reaches-cluster-admin', () => {
  const rb = (roleKind: string, role: string, subject: JsonObject, namespace = 'shop'): JsonObject => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'grant', namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: role },
    subjects: [subject],
  });
  const alice = { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' };

  test('a RoleBinding to cluster-admin that stays inside its namespace is not cluster-admin', () => {
    assert.deepEqual(run('drift-binding-reaches-cluster-admin', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}', [added(rb('ClusterRole', 'cluster-admin', alice))]), []);
  });

  test('the same RoleBinding where a service account of the namespace is cluster-admin reaches it: through running a pod as that account', () => {
    const state = `apiVersion: v1
kind: ServiceAccount
metadata: {name: ops, namespace: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ops-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: ops, namespace: shop}]`;
    const findings = run('drift-binding-reaches-cluster-admin', state, [added(rb('ClusterRole', 'cluster-admin', alice))]);
    assert.deepEqual(findings.map((f) => [f.severity, f.path]), [['critical', '/change/after/subjects/0']]);
    assert.match(findings[0].message, /^RoleBinding shop\/grant was created: it grants ClusterRole cluster-admin to User alice, full control of the cluster through .* -> run a pod as this service account \(sa:shop:ops\) -> .*\(full control of the cluster \(cluster-admin\)\)$/);
  });

  test('a subject that already held the binding does not make it new; a Deleted binding is not judged', () => {
    const before = rb('ClusterRole', 'cluster-admin', alice);
    const crbBefore = { ...before, kind: 'ClusterRoleBinding', metadata: { name: 'grant' } };
    const crbAfter = { ...crbBefore, metadata: { name: 'grant', labels: { x: 'y' } } };
    assert.deepEqual(run('drift-binding-reaches-cluster-admin', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}', [modified(crbBefore, crbAfter), deleted(crbBefore)]), []);
  });
});

describe('drift-pod-security-bypassed', () => {
  const ns = (labels: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {${labels}}`;
  const pod = (spec: JsonObject, extra: JsonObject = {}): JsonObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop', ...extra }, spec });
  const privileged = { containers: [{ name: 'c', image: 'busybox:1.36', securityContext: { privileged: true } }] };

  test('an enforce level that is not a level is read as restricted, as Pod Security Admission reads it', () => {
    const findings = run('drift-pod-security-bypassed', ns('pod-security.kubernetes.io/enforce: strict'), [added(pod(privileged))]);
    assert.deepEqual(findings.map((f) => f.severity), ['high']);
    assert.match(findings[0].message, /enforces restricted/);
  });

  test('privileged level, no label, or a pod without those fields: nothing', () => {
    assert.deepEqual(run('drift-pod-security-bypassed', ns('pod-security.kubernetes.io/enforce: privileged'), [added(pod(privileged))]), []);
    assert.deepEqual(run('drift-pod-security-bypassed', ns('team: shop'), [added(pod(privileged))]), []);
    assert.deepEqual(run('drift-pod-security-bypassed', ns('pod-security.kubernetes.io/enforce: baseline'), [added(pod({ containers: [{ name: 'c', image: 'busybox:1.36' }] }))]), []);
  });

  test('an update reports only what it added: a privileged ephemeral container', () => {
    const before = pod({ hostNetwork: true, containers: [{ name: 'c', image: 'busybox:1.36' }] });
    const after = pod({ hostNetwork: true, containers: [{ name: 'c', image: 'busybox:1.36' }], ephemeralContainers: [{ name: 'dbg', image: 'busybox:1.36', securityContext: { privileged: true } }] });
    const findings = run('drift-pod-security-bypassed', ns('pod-security.kubernetes.io/enforce: baseline'), [modified(before, after)]);
    assert.deepEqual(findings.map((f) => [f.severity, f.path]), [['high', '/change/after/spec/ephemeralContainers/0/securityContext/privileged']]);
    assert.doesNotMatch(findings[0].message, /hostNetwork/);
  });
});

describe('security-relevant fields', () => {
  const deployment = (spec: JsonObject): { kind: string; apiVersion: string; object: JsonObject } => ({ kind: 'Deployment', apiVersion: 'apps/v1', object: { spec: { template: { spec } } } });
  const pod = (spec: JsonObject) => ({ kind: 'Pod', apiVersion: 'v1', object: { spec } });
  const c = (extra: JsonObject = {}) => ({ name: 'app', image: 'registry.example.com/app:1', ...extra });

  test('a container added to a workload template is drift; one added to a Pod (a webhook sidecar) is not', () => {
    const declared = { containers: [c()] };
    const live = { containers: [c(), { name: 'miner', image: 'docker.io/x/miner:1' }] };
    assert.deepEqual(securityFieldDrift(deployment(declared), deployment(live), 'declared').map((d) => [d.field, d.severity, d.livePath]), [['containers', 'medium', '/spec/template/spec/containers/1']]);
    assert.deepEqual(securityFieldDrift(pod(declared), pod(live), 'last applied'), []);
  });

  test('drop ALL kept covers any declared drop; an Unconfined seccomp profile is high; a removed profile is medium', () => {
    const declared = { securityContext: { seccompProfile: { type: 'RuntimeDefault' } }, containers: [c({ securityContext: { capabilities: { drop: ['NET_RAW'] }, seccompProfile: { type: 'RuntimeDefault' } } })] };
    const live = { containers: [c({ securityContext: { capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'Unconfined' } } })] };
    assert.deepEqual(securityFieldDrift(deployment(declared), deployment(live), 'declared').map((d) => [d.field, d.severity]), [
      ['securityContext.seccompProfile.type', 'medium'],
      ['securityContext.seccompProfile.type', 'high'],
    ]);
  });

  test('runAsUser 0 is high; another non-root id is low; a hostPath volume and a host port are reported', () => {
    const declared = { containers: [c({ securityContext: { runAsUser: 1000 } })], volumes: [{ name: 'data', emptyDir: {} }] };
    const live = { containers: [c({ securityContext: { runAsUser: 0 }, ports: [{ containerPort: 80, hostPort: 80 }] })], volumes: [{ name: 'data', hostPath: { path: '/' } }] };
    assert.deepEqual(securityFieldDrift(deployment(declared), deployment(live), 'declared').map((d) => [d.field, d.severity]), [
      ['volumes[].hostPath', 'high'],
      ['securityContext.runAsUser', 'high'],
      ['ports[].hostPort', 'medium'],
    ]);
    const other = { containers: [c({ securityContext: { runAsUser: 2000 } })], volumes: [{ name: 'data', emptyDir: {} }] };
    assert.deepEqual(securityFieldDrift(deployment(declared), deployment(other), 'declared').map((d) => [d.field, d.severity]), [['securityContext.runAsUser', 'low']]);
  });
});
