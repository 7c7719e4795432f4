/**
 * `kshield watch` against the in-process test API server (test/support/k8s-api-server.ts): the
 * initial sync, incremental events (new, fixed, changed), the relist after 410 Gone finding what
 * changed while no watch was open, ObjectChange objects judged by a rule naming that kind, and
 * /metrics. The real control plane is in watch-integration.test.ts.
 */
import { loadDesired } from '../src/runtime/desired.js';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startTestApiServer, writeKubeconfig, type TestApiServer } from './support/k8s-api-server.js';
import { loadKubeClient } from '../src/sources/kube-client.js';
import { ApiClient } from '../src/runtime/watch/api.js';
import { Watcher } from '../src/runtime/watch/watcher.js';
import { serveWatchHttp, type WatchHttpServer } from '../src/runtime/watch/http.js';
import { slim } from '../src/runtime/watch/store.js';
import type { Rule } from '../src/engine/rule.js';
import type { JsonObject } from '../src/core/types.js';

type Line = Record<string, any>;

const ns = (name: string): JsonObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const pod = (name: string, privileged: boolean): JsonObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'shop', labels: { app: name } },
  spec: { containers: [{ name: 'c', image: 'nginx:1.27', securityContext: { privileged } }] },
});
const policy: JsonObject = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: 'shop', uid: 'np-1' }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } };

/** A test-only drift rule: a NetworkPolicy deleted. */
const policyDeleted: Rule = {
  id: 'test-network-policy-deleted',
  title: 'a NetworkPolicy was deleted',
  severity: 'high',
  category: 'drift',
  tags: [],
  description: '',
  remediation: '',
  references: [],
  appliesTo: ['ObjectChange'],
  check(resource) {
    const change = resource.object.change as JsonObject;
    const target = change.target as JsonObject;
    return change.type === 'Deleted' && target.kind === 'NetworkPolicy' ? [{ path: '/change/type', message: `NetworkPolicy ${String(target.name)} was deleted` }] : [];
  },
  examples: { valid: [], invalid: [] },
};

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined && found !== false) return found;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('kshield watch (test API server)', () => {
  let server: TestApiServer;
  let dir: string;
  let watcher: Watcher;
  let http: WatchHttpServer;
  const lines: Line[] = [];
  const events = (event: string, rule: string, object: string): Line[] => lines.filter((l) => l.event === event && l.rule === rule && l.object === object);

  before(async () => {
    server = await startTestApiServer({ objects: [ns('shop'), pod('web', false), policy, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop' }, data: { password: Buffer.from('hunter2-s3cret-value').toString('base64') } }] });
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-watch-'));
    writeKubeconfig(path.join(dir, 'kubeconfig'), server, { admin: server.tokens.admin });
    const { kc } = await loadKubeClient({ kubeconfig: path.join(dir, 'kubeconfig') });
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    // The declared state of one pod (--desired): a live copy that drifts from it is a drift event.
    writeFileSync(path.join(dir, 'desired.yaml'), JSON.stringify(pod('declared', false)));
    const desired = (await loadDesired([path.join(dir, 'desired.yaml')])).resources;
    watcher = new Watcher({ api: new ApiClient(kc, 5000), log, scan: {}, batchMs: 20, extraRules: [policyDeleted], events: { enabled: false, perSecond: 1, burst: 1 }, desired });
    http = await serveWatchHttp(watcher, '127.0.0.1', 0);
    await watcher.start();
    assert.equal(await watcher.waitForSync(10_000), true, JSON.stringify(lines.slice(0, 8)));
    // Events emitted before a watch is open would be lost: wait for the watches the tests feed.
    for (const p of ['/api/v1/pods?watch', '/apis/networking.k8s.io/v1/networkpolicies?watch']) await until(`the watch ${p}`, () => server.requests.some((r) => r.startsWith(`GET ${p}`)));
  });

  after(async () => {
    await http?.close();
    await watcher?.stop();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the first sync is the starting state: counted in one line, no finding events', () => {
    const synced = lines.find((l) => l.msg === 'watch synced');
    assert.ok(synced, 'a "watch synced" line');
    assert.ok(synced.openFindings > 0);
    assert.equal(lines.filter((l) => typeof l.event === 'string').length, 0);
  });

  test('a privileged pod created is a new critical finding; made unprivileged, fixed', async () => {
    server.emit('ADDED', { ...pod('evil', true), metadata: { ...(pod('evil', true).metadata as JsonObject), uid: 'evil-1', resourceVersion: '5001' } });
    const created = await until('the new finding', () => events('finding.new', 'privileged-container', 'Pod/shop/evil')[0]);
    assert.equal(created.severity, 'critical');
    assert.equal(created.path, '/spec/containers/0/securityContext/privileged');
    assert.equal(created.container, 'c');
    // allowPrivilegeEscalation and the capabilities follow from the privileged flag: one cause, one event.
    assert.ok(created.related?.length > 0, 'folded findings ride on the one event');
    assert.equal(events('finding.new', 'allow-privilege-escalation', 'Pod/shop/evil').length, 0);

    server.emit('MODIFIED', { ...pod('evil', false), metadata: { ...(pod('evil', false).metadata as JsonObject), uid: 'evil-1', resourceVersion: '5002' } });
    const fixed = await until('the fixed finding', () => events('finding.fixed', 'privileged-container', 'Pod/shop/evil')[0]);
    assert.equal(fixed.fingerprint, created.fingerprint);
    assert.equal(fixed.objectDeleted, undefined);
  });

  test('--desired: a pod created privileged although its manifest says otherwise is a drift event naming the manifest', async () => {
    server.emit('ADDED', { ...pod('declared', true), metadata: { ...(pod('declared', true).metadata as JsonObject), uid: 'declared-1', resourceVersion: '4001' } });
    const drift = await until('the desired-state drift event', () => lines.find((l) => l.event === 'drift' && l.rule === 'drift-from-desired' && l.object === 'Pod/shop/declared'));
    assert.equal(drift.change, 'Added');
    assert.match(drift.message, /privileged/);
  });

  test('a NetworkPolicy deleted: the ObjectChange rule fires, and the namespace-level network findings open', async () => {
    server.emit('DELETED', { ...policy, metadata: { ...(policy.metadata as JsonObject), resourceVersion: '5003' } });
    const drift = await until('the drift event', () => lines.find((l) => l.event === 'drift' && l.rule === 'test-network-policy-deleted'));
    assert.equal(drift.change, 'Deleted');
    assert.equal(drift.object, 'NetworkPolicy/shop/default-deny');
    assert.equal(drift.message, 'NetworkPolicy default-deny was deleted');
    // The cross-object network rules judge the namespace again: without a policy, it has none.
    await until('a network finding on the namespace', () => lines.find((l) => l.event === 'finding.new' && l.rule === 'namespace-without-network-policy' && l.object === 'Namespace/shop'));
  });

  test('410 Gone on the watch: the kind is listed again and what changed meanwhile becomes events', async () => {
    // Stored without any watch event: only a list can see it.
    server.put(pod('sneaky', true));
    const watchesBefore = server.requests.filter((r) => r.startsWith('GET /api/v1/pods?watch')).length;
    server.expireWatches('pods');
    await until('the relist to find the pod', () => events('finding.new', 'privileged-container', 'Pod/shop/sneaky')[0]);
    // "evil" was only ever in watch events, never in the server's store: the relist finds it gone.
    await until('the relist to drop the pod', () => lines.find((l) => l.event === 'finding.fixed' && l.object === 'Pod/shop/evil' && l.objectDeleted === true));
    assert.equal(watcher.metrics.relists.get({ kind: 'Pod' }), 1);
    assert.ok(lines.some((l) => l.msg === 'resourceVersion expired; listing again' && l.kind === 'Pod'));
    // The watch goes on after the relist (once it is open again: an event sent before would be lost).
    await until('the watch opened again after the relist', () => server.requests.filter((r) => r.startsWith('GET /api/v1/pods?watch')).length >= watchesBefore + 1, 20_000);
    server.emit('DELETED', { ...pod('sneaky', true), metadata: { ...(pod('sneaky', true).metadata as JsonObject), resourceVersion: '99999' } });
    const closed = await until('the deleted pod to close its findings', () => events('finding.fixed', 'privileged-container', 'Pod/shop/sneaky')[0]);
    assert.equal(closed.objectDeleted, true);
  });

  test('/metrics: open findings by rule, severity and namespace, and watch health', async () => {
    const text = await (await fetch(`http://127.0.0.1:${http.port}/metrics`)).text();
    assert.match(text, /^kshield_watch_open_findings\{rule="namespace-without-network-policy",severity="[a-z]+",namespace=""\} 1$/m);
    assert.match(text, /^kshield_watch_synced 1$/m);
    assert.match(text, /^kshield_watch_relists_total\{kind="Pod"\} 1$/m);
    // web only: "evil" existed in watch events alone, so the relist (which the server answers from its store) deleted it, and "sneaky" was deleted.
    assert.match(text, /^kshield_watch_cached_objects\{kind="Pod"\} 1$/m);
    assert.match(text, /^kshield_watch_leader 1$/m);
    assert.doesNotMatch(text, /privileged-container",severity="critical",namespace="shop"/);
    assert.equal((await fetch(`http://127.0.0.1:${http.port}/healthz`)).status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${http.port}/readyz`)).status, 200);
  });

  test('a change of status alone is judged on the object only; a spec change, over its namespace', async () => {
    const web = watcher.store.get('/Pod/shop/web')!.resource.object;
    const meta = web.metadata as JsonObject;
    watcher.receive('MODIFIED', { ...web, metadata: { ...meta, resourceVersion: '7001' }, status: { phase: 'Running' } });
    const statusOnly = await watcher.flush();
    assert.equal(statusOnly?.crossJudged, 1, 'the pod alone');
    watcher.receive('MODIFIED', { ...web, metadata: { ...meta, resourceVersion: '7002', labels: { app: 'web', tier: 'front' } }, status: { phase: 'Running' } });
    const labelled = await watcher.flush();
    assert.ok((labelled?.crossJudged ?? 0) > 1, `the namespace's subjects (${labelled?.crossJudged})`);
  });

  test('owned pods are judged by the drift rules that compare them with their controller: a changed image, and one tag running two digests', async () => {
    const image = 'registry.example.com/shop/api:2.0';
    const digest = (d: string): string => `sha256:${d.repeat(64)}`;
    const rs: JsonObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'api-5d8f', namespace: 'shop', uid: 'rs-api', resourceVersion: '8001', creationTimestamp: '2026-12-05T07:00:00Z' },
      spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image }] } } },
    };
    const replica = (name: string, uid: string, rv: string, running: string, containerImage = image): JsonObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: 'shop',
        uid,
        resourceVersion: rv,
        creationTimestamp: '2026-12-05T07:01:00Z',
        labels: { app: 'api' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'api-5d8f', uid: 'rs-api', controller: true }],
      },
      spec: { containers: [{ name: 'api', image: containerImage }] },
      status: { phase: 'Running', containerStatuses: [{ name: 'api', image, imageID: `registry.example.com/shop/api@${running}` }] },
    });
    await until('the replicasets watch', () => server.requests.some((r) => r.startsWith('GET /apis/apps/v1/replicasets?watch')));
    server.emit('ADDED', rs);
    await until('the ReplicaSet in the store', () => watcher.store.get('apps/ReplicaSet/shop/api-5d8f'));
    server.emit('ADDED', replica('api-5d8f-a1', 'pod-a1', '8002', digest('a')));
    server.emit('ADDED', replica('api-5d8f-b2', 'pod-b2', '8003', digest('a')));
    await until('both replicas in the store', () => watcher.store.get('/Pod/shop/api-5d8f-b2'));
    assert.equal(events('finding.new', 'drift-image-tag-moved', 'Pod/shop/api-5d8f-a1').length, 0, 'one digest: nothing');
    // The second replica's node pulled the tag again after it moved: a status change alone shows it.
    server.emit('MODIFIED', replica('api-5d8f-b2', 'pod-b2', '8004', digest('b')));
    const moved = await until('the tag-moved finding', () => events('finding.new', 'drift-image-tag-moved', 'Pod/shop/api-5d8f-a1')[0]);
    assert.match(moved.message, new RegExp(digest('b').slice(0, 19)));
    // The first replica restarted and its node pulled the moved tag: the change itself is a drift event.
    server.emit('MODIFIED', replica('api-5d8f-a1', 'pod-a1', '8006', digest('b')));
    const repulled = await until('the digest-changed drift event', () => lines.find((l) => l.event === 'drift' && l.rule === 'drift-container-digest-changed' && l.object === 'Pod/shop/api-5d8f-a1'));
    assert.match(repulled.message, new RegExp(`ran ${digest('a')} and now runs ${digest('b')} under the same reference ${image.replace(/[./]/g, '\\$&')}`));
    // A replica whose image was patched after its controller made it.
    server.emit('ADDED', replica('api-5d8f-c3', 'pod-c3', '8005', digest('a'), 'docker.io/attacker/api:2.0'));
    const patched = await until('the differs-from-owner finding', () => events('finding.new', 'drift-pod-image-differs-from-owner', 'Pod/shop/api-5d8f-c3')[0]);
    assert.match(patched.message, /runs docker\.io\/attacker\/api:2\.0, but its ReplicaSet api-5d8f names registry\.example\.com\/shop\/api:2\.0/);
    // The owned pods are still judged through their owner by every other rule: no pod-level finding of the template's problems.
    assert.equal(lines.filter((l) => l.event === 'finding.new' && l.object === 'Pod/shop/api-5d8f-a1' && !String(l.rule).startsWith('drift-')).length, 0);
  });

  test('secret values are neither kept nor logged', () => {
    const kept = watcher.store.get('/Secret/shop/db');
    assert.deepEqual(kept?.resource.object.data, { password: '' });
    assert.ok(!JSON.stringify(lines).includes('hunter2'));
    assert.ok(!JSON.stringify(lines).includes(Buffer.from('hunter2-s3cret-value').toString('base64')));
  });
});

test('slim drops managedFields, ConfigMap and Secret values, and a Secret\'s last-applied annotation', () => {
  const secret = slim({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', managedFields: [{}], annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"k":"djE="}}', keep: 'x' } }, data: { k: 'djE=' } });
  assert.deepEqual(secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', annotations: { keep: 'x' } }, data: { k: '' } });
  const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', managedFields: [{}], annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } }, spec: { replicas: 1 } };
  // A Deployment's last-applied annotation stays: drift rules compare against it.
  assert.deepEqual(slim(deployment), { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } }, spec: { replicas: 1 } });
});
