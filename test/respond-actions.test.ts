/**
 * The pure parts of the respond actions: the restore record kept on a marked object, the owner
 * selector check, the policy names and the three dialects' specs. (Their effect on a real API
 * server is tested in respond-actions-cluster.test.ts.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { metadataChange, ownerSelectorProblem, readRestoreRecord, RESTORE_ANNOTATION } from '../src/runtime/actions/shared.js';
import { calicoSpec, ciliumSpec, isolationPolicyName, kubernetesSpec } from '../src/runtime/actions/isolate.js';
import { CLUSTER_ACTIONS } from '../src/runtime/actions/index.js';
import { Ajv } from 'ajv';

const pod = (labels: Record<string, string>, annotations: Record<string, string> = {}) => ({ metadata: { name: 'p', resourceVersion: '7', labels, annotations } });

test('the restore record keeps the value from before kshield first changed a key, and null for keys that were absent', () => {
  const first = metadataChange(pod({ app: 'web', tier: 'frontend' }), { tier: 'quarantine', 'kshield.io/quarantined': 'true' }, { note: 'x' })!;
  assert.deepEqual(first.labels, ['tier', 'kshield.io/quarantined']);
  const meta = first.patch.metadata as any;
  assert.equal(meta.resourceVersion, '7');
  assert.deepEqual(JSON.parse(meta.annotations[RESTORE_ANNOTATION]), { labels: { tier: 'frontend', 'kshield.io/quarantined': null }, annotations: { note: null } });
  // Applied, then a second change: tier's original value stays "frontend", not kshield's "quarantine".
  const marked = pod({ app: 'web', tier: 'quarantine', 'kshield.io/quarantined': 'true' }, { note: 'x', [RESTORE_ANNOTATION]: meta.annotations[RESTORE_ANNOTATION] });
  const second = metadataChange(marked, { tier: 'held' }, {})!;
  assert.deepEqual(readRestoreRecord({ metadata: { annotations: { [RESTORE_ANNOTATION]: (second.patch.metadata as any).annotations[RESTORE_ANNOTATION] } } }).labels, {
    tier: 'frontend',
    'kshield.io/quarantined': null,
  });
  assert.equal(metadataChange(marked, { tier: 'quarantine' }, { note: 'x' }), undefined, 'nothing to change');
});

test('the owner selector check refuses only a change that takes the pod out of the selector', () => {
  const rs = (selector: unknown) => ({ ref: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u' }, object: { spec: { selector } } });
  const before = { app: 'web', 'pod-template-hash': 'abc', tier: 'frontend' };
  assert.equal(ownerSelectorProblem(rs({ matchLabels: { app: 'web' } }), before, { ...before, tier: 'quarantine' }), undefined);
  assert.match(ownerSelectorProblem(rs({ matchLabels: { app: 'web' } }), before, { ...before, app: 'quarantine', extra: 'x' })!, /ReplicaSet web-1 selects its pods by labels this change would alter \(app\)/);
  // A selector that excludes quarantined pods on purpose.
  assert.match(ownerSelectorProblem(rs({ matchExpressions: [{ key: 'kshield.io/quarantined', operator: 'DoesNotExist' }] }), before, { ...before, 'kshield.io/quarantined': 'true' })!, /\(kshield\.io\/quarantined\)/);
  const rc = { ref: { apiVersion: 'v1', kind: 'ReplicationController', name: 'old', uid: 'u' }, object: { spec: { selector: { app: 'web' } } } };
  assert.match(ownerSelectorProblem(rc, before, { ...before, app: 'x' })!, /ReplicationController old/);
  const operator = { ref: { apiVersion: 'kafka.strimzi.io/v1beta2', kind: 'StrimziPodSet', name: 'k', uid: 'u' } };
  assert.equal(ownerSelectorProblem(operator, before, { ...before, 'kshield.io/quarantined': 'true' }), undefined);
  assert.match(ownerSelectorProblem(operator, before, { ...before, tier: 'x' })!, /not a kind whose selector kshield reads.*\(tier\)/);
  assert.equal(ownerSelectorProblem(undefined, before, { ...before, app: 'x' }), undefined, 'a standalone pod has no selector to leave');
});

test('policy names stay within the 253 characters of an object name', () => {
  assert.equal(isolationPolicyName('web-1', 'kubernetes'), 'kshield-isolate-web-1');
  assert.equal(isolationPolicyName('web-1', 'calico-crd'), 'default.kshield-isolate-web-1');
  const long = 'a'.repeat(253);
  const name = isolationPolicyName(long, 'kubernetes');
  assert.equal(name.length, 253);
  assert.notEqual(name, isolationPolicyName(`${'a'.repeat(252)}b`, 'kubernetes'));
});

test('the dialects: Kubernetes allow-list with ipBlock except per family, Cilium deny rules, Calico Deny with a final Allow only when asked', () => {
  const state = { all: false, destinations: [{ ip: '203.0.113.7', port: 4444, protocol: 'TCP' as const }, { ip: '2001:db8::1' }, { ip: '203.0.113.7', port: 80, protocol: 'TCP' as const }] };
  assert.deepEqual((kubernetesSpec('uid', state).egress as any)[0].to, [
    { ipBlock: { cidr: '0.0.0.0/0', except: ['203.0.113.7/32'] } },
    { ipBlock: { cidr: '::/0', except: ['2001:db8::1/128'] } },
    { namespaceSelector: {} },
  ]);
  assert.deepEqual((ciliumSpec('uid', state).egressDeny as any)[1], { toCIDR: ['2001:db8::1/128'] });
  const calico = calicoSpec('uid', { all: false, destinations: [{ ip: '198.51.100.1', port: 53 }] }, 5, false);
  assert.deepEqual(calico.egress, [
    { action: 'Deny', protocol: 'TCP', destination: { nets: ['198.51.100.1/32'], ports: [53] } },
    { action: 'Deny', protocol: 'UDP', destination: { nets: ['198.51.100.1/32'], ports: [53] } },
  ]);
  assert.deepEqual(kubernetesSpec('uid', { all: true, destinations: [] }), { podSelector: { matchLabels: { 'kshield.io/isolate': 'uid' } }, policyTypes: ['Ingress', 'Egress'] });
});

test('CLUSTER_ACTIONS: the six cluster actions, each with a closed parameter schema and mutating', () => {
  assert.deepEqual(CLUSTER_ACTIONS.map((a) => a.name), ['label', 'annotate', 'isolate', 'kill', 'scale-to-zero', 'cordon']);
  const ajv = new Ajv({ strict: true, useDefaults: true });
  for (const action of CLUSTER_ACTIONS) {
    assert.equal(action.mutates, true);
    // The engine validates a step's `with:` against it: it must compile, and refuse a misspelt parameter.
    const validate = ajv.compile(action.params);
    assert.equal(validate({}), true, `${action.name}: ${JSON.stringify(validate.errors)}`);
    assert.equal(validate({ 'min-healthy-replica': 1 }), false, action.name);
    assert.equal(action.params.type, 'object');
    assert.equal(action.params.additionalProperties, false, action.name);
  }
  const kill = ajv.compile(CLUSTER_ACTIONS.find((a) => a.name === 'kill')!.params);
  assert.equal(kill({ 'min-healthy-replicas': 2, skip: ['daemonset', 'statefulset'] }), true);
  assert.equal(kill({ skip: ['deployment'] }), false);
  const isolate = ajv.compile(CLUSTER_ACTIONS.find((a) => a.name === 'isolate')!.params);
  const withDefaults: Record<string, unknown> = {};
  assert.equal(isolate(withDefaults), true);
  assert.deepEqual(withDefaults, { variant: 'auto', scope: 'auto', 'calico-order': 0 });
});

test('respond restore: a malformed target is a usage error (exit 2) before any cluster access', async () => {
  const { runRespondRestore } = await import('../src/cli/respond-restore.js');
  const { UsageError } = await import('../src/core/errors.js');
  await assert.rejects(runRespondRestore('shop/daemonset/agent', { kubeconfig: '/nonexistent' }), (e: unknown) => e instanceof UsageError && /deployment or statefulset/.test((e as Error).message));
  await assert.rejects(runRespondRestore('shop/web', { kubeconfig: '/nonexistent/kubeconfig' }), (e: unknown) => e instanceof UsageError && /--kubeconfig \/nonexistent\/kubeconfig: no such file/.test((e as Error).message));
});
