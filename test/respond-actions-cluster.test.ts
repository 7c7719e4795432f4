/**
 * The response actions (src/runtime/actions/) and `kshield respond restore` against a REAL
 * kube-apiserver and kube-controller-manager (v1.20.2, test/support/k8s/cluster). There is no
 * scheduler or kubelet: pods stay Pending, so the test sets their Ready condition and addresses
 * through the status subresource as a kubelet would, and makes its own Node object. The
 * controllers are real: a Deployment makes a ReplicaSet that makes pods, and replaces a deleted one.
 *
 * Every check reads the objects back with plain HTTP calls, independent of the code under test:
 * the objects an action creates or changes, nothing changed under dry-run, and restore bringing
 * back exactly what was there before. The Cilium and Calico variants run against minimal CRDs of
 * their kinds installed into the same API server.
 *
 * Without the binaries or etcd the suite is skipped with a loud message, unless
 * KSHIELD_INTEGRATION=required (CI), where it fails.
 */
import assert from 'node:assert/strict';
import { test, describe, before, after } from 'node:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { pino } from 'pino';
import { CLUSTER_SCRIPT, readClusterEnv, skipUnlessRealCluster, type ClusterEnv } from './support/real-cluster.js';
import { loadKubeClient, type KubeClient } from '../src/sources/kube-client.js';
import type { ActionContext, ActionDefinition, ActionOutcome } from '../src/runtime/action.js';
import type { RuntimeAlert } from '../src/runtime/alert.js';
import { CLUSTER_ACTIONS } from '../src/runtime/actions/index.js';
import { parseRestoreTarget, restore } from '../src/runtime/restore.js';
import { registerRespondRestore } from '../src/cli/respond-restore.js';

type Obj = Record<string, any>;

const { skip: skipReason, missing: why } = skipUnlessRealCluster('the real-API-server tests of the respond actions');

let env: ClusterEnv;

function call(method: string, p: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(new URL(p, env.server), { method, ca: env.ca, headers: { Authorization: `Bearer ${env.admin}`, 'Content-Type': contentType, Accept: 'application/json' }, timeout: 30_000 }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // "404 page not found" for a group the server does not serve yet
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${p} timed out`)));
    req.on('error', reject);
    req.end(data);
  });
}

async function ok(method: string, p: string, body?: unknown, contentType?: string): Promise<any> {
  const r = await call(method, p, body, contentType);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${p}: ${r.status} ${JSON.stringify(r.body?.message ?? r.body)}`);
  return r.body;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function namespace(ns: string): Promise<void> {
  await ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  // v1.20 admits pods only once the token controller has given the default account its token Secret.
  await until(`the default ServiceAccount of ${ns}`, async () => {
    const r = await call('GET', `/api/v1/namespaces/${ns}/serviceaccounts/default`);
    return r.status === 200 && r.body?.secrets?.length > 0;
  });
}

const container = { name: 'app', image: 'registry.example/app:1.0' };

async function deployment(ns: string, name: string, replicas: number, extraLabels: Record<string, string> = {}): Promise<Obj> {
  await ok('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name, ...extraLabels } }, spec: { containers: [container] } } },
  });
  await podsOf(ns, name, replicas);
  return ok('GET', `/apis/apps/v1/namespaces/${ns}/deployments/${name}`);
}

/** The pods labelled app=NAME, waiting until there are `count` not being deleted. */
async function podsOf(ns: string, app: string, count: number): Promise<Obj[]> {
  return until(`${count} pods of ${app}`, async () => {
    const r = await ok('GET', `/api/v1/namespaces/${ns}/pods?labelSelector=app%3D${app}`);
    const live = (r.items as Obj[]).filter((p) => !p.metadata.deletionTimestamp);
    return live.length === count ? live : undefined;
  });
}

async function setReady(ns: string, pod: string, ready: boolean, podIP?: string): Promise<void> {
  const status: Obj = { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] };
  if (podIP) Object.assign(status, { podIP, podIPs: [{ ip: podIP }], phase: 'Running' });
  await ok('PATCH', `/api/v1/namespaces/${ns}/pods/${pod}/status`, { status }, 'application/merge-patch+json');
}

const getPod = (ns: string, name: string): Promise<Obj> => ok('GET', `/api/v1/namespaces/${ns}/pods/${name}`);

let clientForTests: KubeClient;
const silent = pino({ level: 'silent' });
let alertCount = 0;

function alert(overrides: Partial<RuntimeAlert> = {}): RuntimeAlert {
  alertCount++;
  return {
    id: `alert-${alertCount}`,
    source: 'falco',
    rule: 'Outbound Connection to C2 Servers',
    priority: 'critical',
    time: '2026-12-05T08:00:00.000Z',
    output: 'outbound connection',
    tags: ['network', 'T1071'],
    fields: {},
    ...overrides,
  };
}

const byName = (name: string): ActionDefinition => CLUSTER_ACTIONS.find((a) => a.name === name)!;

async function act(
  name: string,
  target: { namespace: string; pod: string; node?: string },
  params: Record<string, unknown> = {},
  options: { dryRun?: boolean; alert?: Partial<RuntimeAlert>; client?: KubeClient } = {},
): Promise<ActionOutcome> {
  const ctx: ActionContext = {
    alert: alert(options.alert),
    target,
    client: options.client ?? clientForTests,
    dryRun: options.dryRun === true,
    signal: new AbortController().signal,
    now: new Date('2026-12-05T08:00:05.000Z'),
    log: silent,
  };
  return byName(name).run(params, ctx);
}

/** Labels and annotations of an object, the part restore must bring back exactly. */
const marks = (o: Obj): Obj => ({ labels: o.metadata.labels ?? {}, annotations: o.metadata.annotations ?? {} });

async function installCrd(group: string, version: string, kind: string, plural: string, spec: Obj = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, scope = 'Namespaced'): Promise<void> {
  const name = `${plural}.${group}`;
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name },
    spec: {
      group,
      scope,
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [{ name: version, served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec } } } }],
    },
  };
  const existing = await call('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
  if (existing.status === 200) await ok('PUT', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`, { ...crd, metadata: { ...crd.metadata, resourceVersion: existing.body.metadata.resourceVersion } });
  else await ok('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  await until(`${plural}.${group} served`, async () => {
    const r = await call('GET', `/apis/${group}/${version}`);
    return r.status === 200 && (r.body.resources as Obj[]).some((x) => x.name === plural);
  });
}

describe('respond actions against a real API server and controller manager (v1.20.2)', { skip: skipReason, timeout: 600_000 }, () => {
  let dir: string;

  before(async () => {
    if (why) assert.fail(`KSHIELD_INTEGRATION=required but ${why}`);
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-k8s-actions-'));
    const started = spawnSync(CLUSTER_SCRIPT, ['start', dir], { encoding: 'utf8', timeout: 180_000 });
    assert.equal(started.status, 0, `cluster start failed: ${started.stdout}${started.stderr}`);
    env = readClusterEnv(dir);
    clientForTests = await loadKubeClient({ kubeconfig: env.kubeconfig });
  });

  after(() => {
    if (dir) {
      spawnSync(CLUSTER_SCRIPT, ['stop', dir], { encoding: 'utf8', timeout: 30_000 });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('label and annotate mark the pod; a selector label is refused; dry-run writes nothing; restore puts every value back', async () => {
    await namespace('mark');
    await deployment('mark', 'web', 2, { tier: 'frontend' });
    const [pod, other] = await podsOf('mark', 'web', 2);
    const target = { namespace: 'mark', pod: pod.metadata.name };
    const before = await getPod('mark', target.pod);

    const dry = await act('label', target, { labels: { tier: 'quarantine' } }, { dryRun: true });
    assert.equal(dry.status, 'dry-run', dry.reason);
    assert.deepEqual(dry.objects, [{ apiVersion: 'v1', kind: 'Pod', namespace: 'mark', name: target.pod, change: 'would-patch' }]);
    assert.equal((await getPod('mark', target.pod)).metadata.resourceVersion, before.metadata.resourceVersion, 'dry-run changed the pod');

    // app is what the ReplicaSet selects by: changing it would orphan the pod and start another.
    const refused = await act('label', target, { labels: { app: 'quarantine' } });
    assert.equal(refused.status, 'refused');
    assert.match(refused.reason, /ReplicaSet web-[a-z0-9]+ selects its pods by labels this change would alter \(app\)/);
    assert.equal((await getPod('mark', target.pod)).metadata.resourceVersion, before.metadata.resourceVersion);

    const labelled = await act('label', target, { labels: { tier: 'quarantine' } });
    assert.equal(labelled.status, 'done', labelled.reason);
    const annotated = await act('annotate', target, { annotations: { 'example.com/ticket': 'INC-42' } });
    assert.equal(annotated.status, 'done', annotated.reason);
    const after1 = await getPod('mark', target.pod);
    assert.equal(after1.metadata.labels['kshield.io/quarantined'], 'true');
    assert.equal(after1.metadata.labels.tier, 'quarantine');
    assert.equal(after1.metadata.annotations['kshield.io/alert-rule'], 'Outbound Connection to C2 Servers');
    assert.equal(after1.metadata.annotations['kshield.io/quarantined-at'], '2026-12-05T08:00:05.000Z');
    assert.equal(after1.metadata.annotations['example.com/ticket'], 'INC-42');
    assert.match(after1.metadata.annotations['kshield.io/alert-id'], /^alert-\d+$/);
    assert.deepEqual(JSON.parse(after1.metadata.annotations['kshield.io/restore']).labels, { tier: 'frontend', 'kshield.io/quarantined': null });
    // Still the ReplicaSet's pod: no replacement was started.
    assert.deepEqual(after1.metadata.ownerReferences, before.metadata.ownerReferences);
    await sleep(1500);
    assert.equal((await podsOf('mark', 'web', 2)).length, 2);

    const again = await act('label', target, { labels: { tier: 'quarantine' } });
    assert.equal(again.status, 'skipped', again.reason);

    const steps = await restore(parseRestoreTarget(`mark/${target.pod}`), { client: clientForTests, dryRun: true });
    assert.ok(steps.some((s) => s.status === 'dry-run'));
    assert.deepEqual(marks(await getPod('mark', target.pod)), marks(after1), 'restore --dry-run changed the pod');

    const restored = await restore(parseRestoreTarget(`mark/${target.pod}`), { client: clientForTests });
    assert.ok(restored.some((s) => s.status === 'done' && /put back/.test(s.reason)), JSON.stringify(restored));
    assert.deepEqual(marks(await getPod('mark', target.pod)), marks(before));
    assert.deepEqual(marks(await getPod('mark', other.metadata.name)), marks(other), 'the other pod was touched');
  });

  test('isolate (Kubernetes): deny-all policy selecting only the pod; a second alert adds nothing; restore removes policy and label', async () => {
    await namespace('iso');
    await deployment('iso', 'api', 2);
    const [pod, other] = await podsOf('iso', 'api', 2);
    const target = { namespace: 'iso', pod: pod.metadata.name };
    const before = await getPod('iso', target.pod);

    const noCilium = await act('isolate', target, { variant: 'cilium' });
    assert.equal(noCilium.status, 'refused');
    assert.match(noCilium.reason, /the API server does not serve cilium\.io\/v2 CiliumNetworkPolicy/);

    const dry = await act('isolate', target, { variant: 'kubernetes' }, { dryRun: true });
    assert.equal(dry.status, 'dry-run', dry.reason);
    assert.deepEqual(dry.objects.map((o) => o.change), ['would-create', 'would-patch']);
    assert.equal((await ok('GET', '/apis/networking.k8s.io/v1/namespaces/iso/networkpolicies')).items.length, 0);
    assert.equal((await getPod('iso', target.pod)).metadata.resourceVersion, before.metadata.resourceVersion);

    const done = await act('isolate', target, {});
    assert.equal(done.status, 'done', done.reason);
    assert.match(done.reason, /denying all ingress and egress/);
    const policy = await ok('GET', `/apis/networking.k8s.io/v1/namespaces/iso/networkpolicies/kshield-isolate-${target.pod}`);
    assert.deepEqual(policy.spec, { podSelector: { matchLabels: { 'kshield.io/isolate': before.metadata.uid } }, policyTypes: ['Ingress', 'Egress'] });
    assert.equal(policy.metadata.labels['app.kubernetes.io/managed-by'], 'kshield');
    const isolated = await getPod('iso', target.pod);
    assert.equal(isolated.metadata.labels['kshield.io/isolate'], before.metadata.uid);
    assert.equal((await getPod('iso', other.metadata.name)).metadata.labels['kshield.io/isolate'], undefined);

    const again = await act('isolate', target, {}, { alert: { destination: { ip: '203.0.113.7', port: 4444, protocol: 'TCP' } } });
    assert.equal(again.status, 'skipped', again.reason);
    assert.match(again.reason, /already isolated from all ingress and egress/);

    const steps = await restore(parseRestoreTarget(`iso/${target.pod}`), { client: clientForTests });
    assert.deepEqual(steps.filter((s) => s.status === 'done').map((s) => s.objects[0].kind).sort(), ['NetworkPolicy', 'Pod']);
    assert.equal((await call('GET', `/apis/networking.k8s.io/v1/namespaces/iso/networkpolicies/kshield-isolate-${target.pod}`)).status, 404);
    assert.deepEqual(marks(await getPod('iso', target.pod)), marks(before));
  });

  test('isolate (Kubernetes) names the policies that still allow traffic, since NetworkPolicies add up', async () => {
    await namespace('iso-other');
    await deployment('iso-other', 'db', 1);
    const [pod] = await podsOf('iso-other', 'db', 1);
    await ok('POST', '/apis/networking.k8s.io/v1/namespaces/iso-other/networkpolicies', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-web' },
      spec: { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }] },
    });
    const done = await act('isolate', { namespace: 'iso-other', pod: pod.metadata.name }, { variant: 'kubernetes', scope: 'all' });
    assert.equal(done.status, 'done', done.reason);
    assert.match(done.reason, /NetworkPolicy allow-web also selects the pod and still allows the traffic it lists/);
  });

  test('isolate (Kubernetes) of one destination: allow all egress but that address, one policy for all of them, refused when it would widen egress or the address is a pod', async () => {
    await namespace('dest');
    await deployment('dest', 'worker', 3);
    const [pod, second, third] = await podsOf('dest', 'worker', 3);
    const target = { namespace: 'dest', pod: pod.metadata.name };
    const first = await act('isolate', target, { variant: 'kubernetes' }, { alert: { destination: { ip: '203.0.113.7', port: 4444, protocol: 'TCP' } } });
    assert.equal(first.status, 'done', first.reason);
    assert.match(first.reason, /denying egress to 203\.0\.113\.7:4444\/TCP.*cannot exclude a single port/);
    const path1 = `/apis/networking.k8s.io/v1/namespaces/dest/networkpolicies/kshield-isolate-${target.pod}`;
    let policy = await ok('GET', path1);
    assert.deepEqual(policy.spec, {
      podSelector: { matchLabels: { 'kshield.io/isolate': pod.metadata.uid } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['203.0.113.7/32'] } }, { ipBlock: { cidr: '::/0' } }, { namespaceSelector: {} }] }],
    });

    // A second destination goes into the same policy: two "all but X" policies would allow each other's X.
    const secondAlert = await act('isolate', target, { variant: 'kubernetes' }, { alert: { destination: { ip: '2001:db8::66' } } });
    assert.equal(secondAlert.status, 'done', secondAlert.reason);
    assert.match(secondAlert.reason, /^replaced NetworkPolicy/);
    policy = await ok('GET', path1);
    assert.deepEqual(policy.spec.egress[0].to.slice(0, 2), [{ ipBlock: { cidr: '0.0.0.0/0', except: ['203.0.113.7/32'] } }, { ipBlock: { cidr: '::/0', except: ['2001:db8::66/128'] } }]);
    assert.equal((await ok('GET', '/apis/networking.k8s.io/v1/namespaces/dest/networkpolicies')).items.length, 1);

    // The address of another pod: ipBlock is for addresses outside the cluster.
    await setReady('dest', third.metadata.name, true, '10.244.1.9');
    const podAddress = await act('isolate', { namespace: 'dest', pod: second.metadata.name }, { variant: 'kubernetes' }, { alert: { destination: { ip: '10.244.1.9' } } });
    assert.equal(podAddress.status, 'refused', podAddress.reason);
    assert.match(podAddress.reason, new RegExp(`10\\.244\\.1\\.9 is the address of pod dest/${third.metadata.name}`));

    // Another policy already restricts this pod's egress: "all but X" would widen it.
    await ok('POST', '/apis/networking.k8s.io/v1/namespaces/dest/networkpolicies', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'egress-dns-only' },
      spec: { podSelector: { matchLabels: { app: 'worker' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] },
    });
    const widening = await act('isolate', { namespace: 'dest', pod: second.metadata.name }, { variant: 'kubernetes' }, { alert: { destination: { ip: '198.51.100.1' } } });
    assert.equal(widening.status, 'refused', widening.reason);
    assert.match(widening.reason, /NetworkPolicy egress-dns-only already restricts the egress .* would widen it/);
    assert.equal((await call('GET', `/apis/networking.k8s.io/v1/namespaces/dest/networkpolicies/kshield-isolate-${second.metadata.name}`)).status, 404);
    assert.equal((await getPod('dest', second.metadata.name)).metadata.labels['kshield.io/isolate'], undefined);

    await ok('POST', '/api/v1/namespaces/dest/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'agent' }, spec: { hostNetwork: true, containers: [container] } });
    const host = await act('isolate', { namespace: 'dest', pod: 'agent' }, { variant: 'kubernetes' });
    assert.equal(host.status, 'refused');
    assert.match(host.reason, /uses the node's network \(hostNetwork\): network policies do not apply/);

    const bad = await act('isolate', target, {}, { alert: { destination: { ip: 'not-an-ip' } } });
    assert.equal(bad.status, 'refused');
    assert.match(bad.reason, /is not an IP address/);
  });

  test('kill: refused below min-healthy-replicas, then the pod is deleted and the ReplicaSet starts another; standalone refused, StatefulSet skipped', async () => {
    await namespace('kill');
    await deployment('kill', 'shop', 2);
    const [victim, peer] = await podsOf('kill', 'shop', 2);
    const target = { namespace: 'kill', pod: victim.metadata.name };

    const notReady = await act('kill', target, { 'min-healthy-replicas': 1 });
    assert.equal(notReady.status, 'refused');
    assert.match(notReady.reason, /Deployment shop has 0 other ready pods besides kill\/shop-[a-z0-9-]+, fewer than min-healthy-replicas 1/);

    await setReady('kill', peer.metadata.name, true);
    const dry = await act('kill', target, { 'min-healthy-replicas': 1 }, { dryRun: true });
    assert.equal(dry.status, 'dry-run', dry.reason);
    assert.equal((await getPod('kill', target.pod)).metadata.uid, victim.metadata.uid);

    const killed = await act('kill', target, { 'min-healthy-replicas': 1, 'grace-period-seconds': 0 });
    assert.equal(killed.status, 'done', killed.reason);
    assert.match(killed.reason, /its ReplicaSet shop-[a-z0-9]+ starts a replacement; 1 other ready pod of Deployment shop keep/);
    assert.equal((await call('GET', `/api/v1/namespaces/kill/pods/${target.pod}`)).status, 404);
    const now = await podsOf('kill', 'shop', 2);
    const names = now.map((p) => p.metadata.name);
    assert.ok(!names.includes(target.pod) && names.includes(peer.metadata.name), `replacement expected: ${names.join(', ')}`);

    await ok('POST', '/api/v1/namespaces/kill/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'lonely' }, spec: { containers: [container] } });
    const standalone = await act('kill', { namespace: 'kill', pod: 'lonely' }, {});
    assert.equal(standalone.status, 'refused');
    assert.match(standalone.reason, /has no controller, so nothing would replace it/);
    assert.equal((await call('GET', '/api/v1/namespaces/kill/pods/lonely')).status, 200);
    const forced = await act('kill', { namespace: 'kill', pod: 'lonely' }, { 'allow-standalone': true, 'grace-period-seconds': 0 });
    assert.equal(forced.status, 'done', forced.reason);
    assert.equal((await call('GET', '/api/v1/namespaces/kill/pods/lonely')).status, 404);

    await ok('POST', '/apis/apps/v1/namespaces/kill/statefulsets', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'store' },
      spec: { serviceName: 'store', replicas: 1, selector: { matchLabels: { app: 'store' } }, template: { metadata: { labels: { app: 'store' } }, spec: { containers: [container] } } },
    });
    await podsOf('kill', 'store', 1);
    const skipped = await act('kill', { namespace: 'kill', pod: 'store-0' }, { skip: ['statefulset'] });
    assert.equal(skipped.status, 'skipped');
    assert.match(skipped.reason, /belongs to StatefulSet store and the policy skips statefulset pods/);
  });

  test('scale-to-zero records the replica count, names the HPA, and restore scales back exactly', async () => {
    await namespace('scale');
    const before = await deployment('scale', 'front', 3);
    const [pod] = await podsOf('scale', 'front', 3);
    await ok('POST', '/apis/autoscaling/v1/namespaces/scale/horizontalpodautoscalers', {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'front' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'front' }, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 80 },
    });
    const target = { namespace: 'scale', pod: pod.metadata.name };
    const dry = await act('scale-to-zero', target, {}, { dryRun: true });
    assert.equal(dry.status, 'dry-run', dry.reason);
    assert.equal((await ok('GET', '/apis/apps/v1/namespaces/scale/deployments/front')).spec.replicas, 3);

    const done = await act('scale-to-zero', target, {});
    assert.equal(done.status, 'done', done.reason);
    assert.match(done.reason, /scaled Deployment scale\/front from 3 to 0 replicas.*HorizontalPodAutoscaler front targets it and stops scaling while it has 0 replicas/);
    const scaled = await ok('GET', '/apis/apps/v1/namespaces/scale/deployments/front');
    assert.equal(scaled.spec.replicas, 0);
    assert.equal(scaled.metadata.annotations['kshield.io/replicas-before-scale-to-zero'], '3');
    await podsOf('scale', 'front', 0);
    const twice = await act('scale-to-zero', { namespace: 'scale', pod: pod.metadata.name }, {});
    assert.ok(twice.status === 'skipped', twice.reason);

    const restored = await restore(parseRestoreTarget('scale/deployment/front'), { client: clientForTests });
    assert.deepEqual(restored.map((s) => s.status), ['done']);
    const back = await ok('GET', '/apis/apps/v1/namespaces/scale/deployments/front');
    assert.deepEqual(back.spec, before.spec);
    assert.deepEqual(back.metadata.annotations, before.metadata.annotations);
    await podsOf('scale', 'front', 3);

    // Someone scaled it by hand after kshield: restore does not override them.
    const pods = await podsOf('scale', 'front', 3);
    assert.equal((await act('scale-to-zero', { namespace: 'scale', pod: pods[0].metadata.name }, {})).status, 'done');
    await ok('PATCH', '/apis/apps/v1/namespaces/scale/deployments/front', { spec: { replicas: 1 } }, 'application/merge-patch+json');
    const refused = await restore(parseRestoreTarget('scale/deployment/front'), { client: clientForTests });
    assert.equal(refused[0].status, 'refused');
    assert.match(refused[0].reason, /has 1 replicas, not 0/);
    assert.equal((await ok('GET', '/apis/apps/v1/namespaces/scale/deployments/front')).spec.replicas, 1);
  });

  test('scale-to-zero of a StatefulSet, and restore through the command line', async () => {
    await namespace('sts');
    await ok('POST', '/apis/apps/v1/namespaces/sts/statefulsets', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: { serviceName: 'db', replicas: 2, selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [container] } } },
    });
    await podsOf('sts', 'db', 1);
    const done = await act('scale-to-zero', { namespace: 'sts', pod: 'db-0' }, {});
    assert.equal(done.status, 'done', done.reason);
    assert.deepEqual(done.objects, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: 'sts', name: 'db', change: 'scaled' }]);
    const scaled = await ok('GET', '/apis/apps/v1/namespaces/sts/statefulsets/db');
    assert.equal(scaled.spec.replicas, 0);
    assert.equal(scaled.metadata.annotations['kshield.io/replicas-before-scale-to-zero'], '2');

    const out: string[] = [];
    const program = new Command('kshield').exitOverride();
    registerRespondRestore(program.command('respond'), (t) => out.push(t));
    const saved = process.exitCode;
    await program.parseAsync(['respond', 'restore', 'sts/statefulset/db', '--kubeconfig', env.kubeconfig, '-o', 'json'], { from: 'user' });
    const code = process.exitCode;
    process.exitCode = saved;
    assert.equal(code, 0, out.join(''));
    const report = JSON.parse(out.join(''));
    assert.equal(report.steps[0].status, 'done');
    assert.equal(report.steps[0].reason, 'scaled StatefulSet sts/db back to 2 replicas');
    const back = await ok('GET', '/apis/apps/v1/namespaces/sts/statefulsets/db');
    assert.equal(back.spec.replicas, 2);
    assert.equal(back.metadata.annotations?.['kshield.io/replicas-before-scale-to-zero'], undefined);
  });

  test('cordon marks the node unschedulable with kshield\'s record; an admin\'s cordon is left alone; restore uncordons only what kshield cordoned', async () => {
    await namespace('node');
    await ok('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a', labels: { 'kubernetes.io/hostname': 'node-a' } } });
    await ok('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-b' }, spec: { unschedulable: true } });
    await ok('POST', '/api/v1/namespaces/node/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'miner' }, spec: { nodeName: 'node-a', containers: [container] } });
    await ok('POST', '/api/v1/namespaces/node/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'other' }, spec: { nodeName: 'node-b', containers: [container] } });
    await ok('POST', '/api/v1/namespaces/node/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pending' }, spec: { containers: [container] } });
    const before = await ok('GET', '/api/v1/nodes/node-a');

    const dry = await act('cordon', { namespace: 'node', pod: 'miner' }, {}, { dryRun: true });
    assert.equal(dry.status, 'dry-run', dry.reason);
    assert.equal((await ok('GET', '/api/v1/nodes/node-a')).metadata.resourceVersion, before.metadata.resourceVersion);

    const done = await act('cordon', { namespace: 'node', pod: 'miner' }, {});
    assert.equal(done.status, 'done', done.reason);
    const cordoned = await ok('GET', '/api/v1/nodes/node-a');
    assert.equal(cordoned.spec.unschedulable, true);
    assert.equal(JSON.parse(cordoned.metadata.annotations['kshield.io/cordoned-by']).pod, 'node/miner');

    const admins = await act('cordon', { namespace: 'node', pod: 'other' }, {});
    assert.equal(admins.status, 'skipped');
    assert.match(admins.reason, /already cordoned \(not by kshield/);
    const unscheduled = await act('cordon', { namespace: 'node', pod: 'pending' }, {});
    assert.equal(unscheduled.status, 'skipped');
    assert.match(unscheduled.reason, /is not scheduled on a node/);

    assert.ok((await restore(parseRestoreTarget('node/other'), { client: clientForTests })).every((s) => s.status === 'nothing'));
    assert.equal((await ok('GET', '/api/v1/nodes/node-b')).spec.unschedulable, true);

    const steps = await restore(parseRestoreTarget('node/miner'), { client: clientForTests });
    assert.ok(steps.some((s) => s.status === 'done' && s.reason.startsWith('uncordoned node node-a')), JSON.stringify(steps));
    // The node lifecycle controller adds the node.kubernetes.io/unschedulable taint to a cordoned node and removes it after.
    const back = await until('the unschedulable taint removed', async () => {
      const node = await ok('GET', '/api/v1/nodes/node-a');
      return (node.spec.taints ?? []).length === 0 ? node : undefined;
    });
    assert.deepEqual({ ...back.spec, taints: undefined }, { ...before.spec, taints: undefined });
    assert.equal(back.spec.unschedulable, undefined);
    assert.deepEqual(marks(back), marks(before));
  });

  test('Calico and Cilium variants: chosen from the kinds the API server serves, with their deny rules; restore removes all of them', async () => {
    await namespace('cni');
    await deployment('cni', 'app', 3);
    const [a, b, c] = await podsOf('cni', 'app', 3);
    const fresh = (): Promise<KubeClient> => loadKubeClient({ kubeconfig: env.kubeconfig });
    const dest = { destination: { ip: '203.0.113.50', port: 8443, protocol: 'TCP' as const } };

    // Calico's own datastore CRD only: crd.projectcalico.org/v1, named as Calico names default-tier policies.
    await installCrd('crd.projectcalico.org', 'v1', 'NetworkPolicy', 'networkpolicies');
    let client = await fresh();
    const crdVariant = await act('isolate', { namespace: 'cni', pod: a.metadata.name }, {}, { client });
    assert.equal(crdVariant.status, 'done', crdVariant.reason);
    const crdPolicy = await ok('GET', `/apis/crd.projectcalico.org/v1/namespaces/cni/networkpolicies/default.kshield-isolate-${a.metadata.name}`);
    assert.deepEqual(crdPolicy.spec, { order: 0, selector: `kshield.io/isolate == '${a.metadata.uid}'`, types: ['Ingress', 'Egress'], ingress: [{ action: 'Deny' }], egress: [{ action: 'Deny' }] });

    // The Calico API server's projectcalico.org/v3 wins over the CRD.
    await installCrd('projectcalico.org', 'v3', 'NetworkPolicy', 'networkpolicies');
    await installCrd('projectcalico.org', 'v3', 'GlobalNetworkPolicy', 'globalnetworkpolicies', undefined, 'Cluster');
    client = await fresh();
    const v3 = await act('isolate', { namespace: 'cni', pod: b.metadata.name }, { 'calico-order': 10 }, { client, alert: dest });
    assert.equal(v3.status, 'done', v3.reason);
    const v3Policy = await ok('GET', `/apis/projectcalico.org/v3/namespaces/cni/networkpolicies/kshield-isolate-${b.metadata.name}`);
    assert.deepEqual(v3Policy.spec, {
      order: 10,
      selector: `kshield.io/isolate == '${b.metadata.uid}'`,
      types: ['Egress'],
      // Nothing else restricts the pod's egress: the final Allow keeps Calico's end-of-tier drop from cutting the rest.
      egress: [{ action: 'Deny', protocol: 'TCP', destination: { nets: ['203.0.113.50/32'], ports: [8443] } }, { action: 'Allow' }],
    });
    // Other Calico policies exist now (kshield's own aside, the Calico selector language is not evaluated): refuse rather than guess.
    await ok('POST', '/apis/projectcalico.org/v3/namespaces/cni/networkpolicies', { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name: 'team-policy' }, spec: { selector: 'all()' } });
    const unsure = await act('isolate', { namespace: 'cni', pod: c.metadata.name }, { variant: 'calico' }, { client, alert: dest });
    assert.equal(unsure.status, 'refused', unsure.reason);
    assert.match(unsure.reason, /Calico policies cni\/team-policy may select pod/);

    // Cilium: a CRD schema without enableDefaultDeny (as before Cilium 1.16) drops it, which would cut all egress.
    const oldCilium = { type: 'object', properties: { endpointSelector: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, egressDeny: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } }, ingressDeny: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } };
    await installCrd('cilium.io', 'v2', 'CiliumNetworkPolicy', 'ciliumnetworkpolicies', oldCilium);
    client = await fresh();
    const pruned = await act('isolate', { namespace: 'cni', pod: c.metadata.name }, {}, { client, alert: dest });
    assert.equal(pruned.status, 'refused', pruned.reason);
    assert.match(pruned.reason, /does not keep enableDefaultDeny .* the policy was removed again/);
    assert.equal((await call('GET', `/apis/cilium.io/v2/namespaces/cni/ciliumnetworkpolicies/kshield-isolate-${c.metadata.name}`)).status, 404);
    assert.equal((await getPod('cni', c.metadata.name)).metadata.labels['kshield.io/isolate'], undefined);

    await installCrd('cilium.io', 'v2', 'CiliumNetworkPolicy', 'ciliumnetworkpolicies');
    const cilium = await act('isolate', { namespace: 'cni', pod: c.metadata.name }, {}, { client, alert: dest });
    assert.equal(cilium.status, 'done', cilium.reason);
    assert.deepEqual(cilium.objects.map((o) => `${o.apiVersion} ${o.kind} ${o.change}`), ['cilium.io/v2 CiliumNetworkPolicy created', 'v1 Pod patched']);
    const ciliumPath = `/apis/cilium.io/v2/namespaces/cni/ciliumnetworkpolicies/kshield-isolate-${c.metadata.name}`;
    assert.deepEqual((await ok('GET', ciliumPath)).spec, {
      endpointSelector: { matchLabels: { 'kshield.io/isolate': c.metadata.uid } },
      egressDeny: [{ toCIDR: ['203.0.113.50/32'], toPorts: [{ ports: [{ port: '8443', protocol: 'TCP' }] }] }],
      enableDefaultDeny: { ingress: false, egress: false },
    });
    // A later alert without a destination widens it to everything.
    const all = await act('isolate', { namespace: 'cni', pod: c.metadata.name }, {}, { client });
    assert.equal(all.status, 'done', all.reason);
    assert.deepEqual((await ok('GET', ciliumPath)).spec, {
      endpointSelector: { matchLabels: { 'kshield.io/isolate': c.metadata.uid } },
      ingressDeny: [{ fromEntities: ['all'] }],
      egressDeny: [{ toEntities: ['all'] }],
    });
    // Also the Kubernetes dialect for the same pod, then restore removes every dialect's policy.
    assert.equal((await act('isolate', { namespace: 'cni', pod: c.metadata.name }, { variant: 'kubernetes' }, { client })).status, 'done');
    const steps = await restore(parseRestoreTarget(`cni/${c.metadata.name}`), { client });
    assert.deepEqual(
      steps.filter((s) => s.status === 'done').flatMap((s) => s.objects.map((o) => `${o.apiVersion} ${o.kind}`)).sort(),
      ['cilium.io/v2 CiliumNetworkPolicy', 'networking.k8s.io/v1 NetworkPolicy', 'v1 Pod'],
    );
    assert.equal((await call('GET', ciliumPath)).status, 404);
    assert.equal((await getPod('cni', c.metadata.name)).metadata.labels['kshield.io/isolate'], undefined);
    const others = await restore(parseRestoreTarget(`cni/${a.metadata.name}`), { client });
    assert.ok(others.some((s) => s.status === 'done' && s.objects[0]?.apiVersion === 'crd.projectcalico.org/v1'), JSON.stringify(others));
    assert.equal((await call('GET', `/apis/crd.projectcalico.org/v1/namespaces/cni/networkpolicies/default.kshield-isolate-${a.metadata.name}`)).status, 404);
  });
});

describe('restore targets', () => {
  test('NAMESPACE/POD, NAMESPACE/deployment/NAME and NAMESPACE/statefulset/NAME; anything else is a clear error', () => {
    assert.deepEqual(parseRestoreTarget('shop/web-1'), { kind: 'pod', namespace: 'shop', name: 'web-1' });
    assert.deepEqual(parseRestoreTarget('shop/deployment/web'), { kind: 'deployment', namespace: 'shop', name: 'web' });
    assert.deepEqual(parseRestoreTarget('shop/sts/db'), { kind: 'statefulset', namespace: 'shop', name: 'db' });
    assert.throws(() => parseRestoreTarget('shop/daemonset/x'), /restore undoes scale-to-zero of a deployment or statefulset/);
    assert.throws(() => parseRestoreTarget('Shop/web'), /"Shop" is not a namespace name/);
    assert.throws(() => parseRestoreTarget('web'), /expected NAMESPACE\/POD/);
  });
});
