/**
 * `kshield respond` against a REAL kube-apiserver and controller manager (v1.20.2, started by
 * test/support/k8s/cluster), run as a user runs it: the built CLI in a child process, serving
 * HTTPS with a sender token and an approver token, acting through the real cluster actions. Falco's
 * HTTP output and falcosidekick's webhook bodies (written from Falco's documented output format)
 * produce `isolate` (a NetworkPolicy selecting only the pod), `kill` (the pod deleted, its
 * ReplicaSet starting another) and `scale-to-zero` (the Deployment at 0, the previous count in an
 * annotation); `kshield respond restore` (the CLI) undoes isolation and scale-to-zero exactly. The
 * safety checks through the command: a second process with `--dry-run` changes nothing, protected
 * pods (kube-system, kshield's own namespace, kshield.io/protected=true) are refused, the same
 * action on the same pod within the window is refused, and a third process with a small rate limit
 * refuses once it is exceeded; each refusal is a JSON audit line and a Warning Event on the pod.
 * Also: `kshield respond approve` (the CLI) runs a held chain, notify reaches a loopback receiver,
 * and every object of `kshield install respond` passes the server's validation in a dry run.
 *
 * Every check reads the objects back from the API server with plain HTTPS calls.
 *
 * Without the binaries or etcd the suite is skipped with a loud message, unless
 * KSHIELD_INTEGRATION=required (CI), where it fails.
 */
import assert from 'node:assert/strict';
import { test, describe, before, after } from 'node:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { kshield, kshieldAsync } from './support/cli.js';
import { CLUSTER_SCRIPT, readClusterEnv, skipUnlessRealCluster, type ClusterEnv } from './support/real-cluster.js';
import { loadKubeClient } from '../src/sources/kube-client.js';
import { generateWebhookCertificates } from '../src/admission/certs.js';
import { falcoC2Alert, falcoMinerAlert, falcoShellAlert, falcosidekickPayload } from './support/respond.js';
import { request, sleep, startRespond, until, type Obj, type RespondProcess } from './support/respond-process.js';

const { skip: skipReason, missing: why } = skipUnlessRealCluster('the real-API-server test of kshield respond');

const TOKEN = 'respond-sender-token-0123456789';
const APPROVER = 'respond-approver-token-0123456789';

const POLICY = (notifyPort: number) => `
settings:
  dedupWindow: 10m
rules:
  - name: c2
    match: { rules: ["Outbound Connection to C2 Servers"] }
    actions:
      - action: isolate
        with: { variant: kubernetes }
      - action: notify
        with: { url: "http://127.0.0.1:${notifyPort}/hook", retries: 0 }
  - name: shells
    match: { rules: ["Terminal shell in container"], sources: [falcosidekick] }
    actions:
      - action: kill
        with: { min-healthy-replicas: 0, grace-period-seconds: 0 }
  - name: miners
    match: { rules: ["Detect crypto miners*"], priority: critical }
    actions:
      - action: scale-to-zero
  - name: new-binaries
    match: { rules: ["Drop and execute new binary in container"] }
    actions:
      - action: approve
        with: { reason: "annotating the pod" }
      - action: annotate
        with: { annotations: { example.com/approved: "true" } }
`;

const RATE_LIMITED_POLICY = `
settings:
  rateLimit: { actions: 2, per: 1h }
rules:
  - name: mark
    match: { sources: [generic] }
    actions:
      - action: label
`;

/** Labels and annotations of an object: what restore must bring back exactly. */
const marks = (o: Obj): Obj => ({ labels: o.metadata.labels ?? {}, annotations: o.metadata.annotations ?? {} });

describe('kshield respond (the command) against a real API server and controller manager (v1.20.2)', { skip: skipReason, timeout: 600_000 }, () => {
  let dir: string;
  let env: ClusterEnv;
  let respond: RespondProcess;
  let dryRun: RespondProcess;
  let limited: RespondProcess;
  let notifyServer: http.Server;
  const notified: string[] = [];
  const certs = generateWebhookCertificates({ service: 'kshield-respond', namespace: 'test', ipAddresses: ['127.0.0.1'] });
  const timings: Record<string, number> = {};

  const api = (method: string, p: string, body?: unknown, contentType?: string) => request(new URL(p, env.server).toString(), { method, token: env.admin, ca: env.ca, body, contentType });
  const ok = async (method: string, p: string, body?: unknown): Promise<Obj> => {
    const r = await api(method, p, body);
    assert.ok(r.status >= 200 && r.status < 300, `${method} ${p}: ${r.status} ${JSON.stringify(r.body?.message ?? r.body)}`);
    return r.body;
  };
  const getPod = (ns: string, name: string): Promise<Obj> => ok('GET', `/api/v1/namespaces/${ns}/pods/${name}`);
  const respondEvents = async (ns: string, name: string): Promise<Obj[]> =>
    ((await ok('GET', `/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.name%3D${name}`)).items as Obj[]).filter((e) => e.source?.component === 'kshield-respond');
  const eventsUntil = (ns: string, name: string, count: number): Promise<Obj[]> =>
    until(`${count} Events on ${ns}/${name}`, async () => {
      const e = await respondEvents(ns, name);
      return e.length >= count ? e : undefined;
    });
  /** An alert posted to a spawned respond over HTTPS, answered once every step ran (?wait=true). */
  const post = async (to: RespondProcess, endpoint: string, body: unknown, token = TOKEN): Promise<{ status: number; body: any }> =>
    request(`https://127.0.0.1:${to.port}/v1/alerts/${endpoint}?wait=true`, { method: 'POST', token, ca: certs.caCert, body });
  /** The audit lines of one alert, once `count` are written (pino writes asynchronously: a line may follow the HTTP answer). */
  const linesFor = (from: RespondProcess, alertId: string, count: number): Promise<Obj[]> =>
    until(`${count} audit lines of alert ${alertId}`, () => {
      const found = from.lines.filter((l) => l.audit === 'kshield.respond' && l.alert?.id === alertId && l.event !== 'posture');
      return found.length >= count ? found : undefined;
    });

  async function namespace(ns: string): Promise<void> {
    await ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    // v1.20 admits pods only once the token controller has given the default account its token Secret.
    await until(`the default ServiceAccount of ${ns}`, async () => (await api('GET', `/api/v1/namespaces/${ns}/serviceaccounts/default`)).body?.secrets?.length > 0);
  }

  async function deployment(ns: string, name: string, replicas: number): Promise<Obj[]> {
    await ok('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name },
      spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { automountServiceAccountToken: false, containers: [{ name: 'app', image: `registry.example/shop/${name}:1` }] } } },
    });
    return podsOf(ns, name, replicas);
  }

  /** The pods labelled app=NAME, once there are `count` not being deleted. */
  const podsOf = (ns: string, app: string, count: number): Promise<Obj[]> =>
    until(`${count} pods of ${app}`, async () => {
      const live = ((await ok('GET', `/api/v1/namespaces/${ns}/pods?labelSelector=app%3D${app}`)).items as Obj[]).filter((p) => !p.metadata.deletionTimestamp);
      return live.length === count ? live : undefined;
    });

  const standalonePod = (ns: string, name: string, labels: Record<string, string> = {}) =>
    ok('POST', `/api/v1/namespaces/${ns}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { automountServiceAccountToken: false, containers: [{ name: 'app', image: 'registry.example/shop/app:1' }] } });

  before(async () => {
    if (why) assert.fail(`KSHIELD_INTEGRATION=required but ${why}`);
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-k8s-respond-'));
    let t = Date.now();
    const started = spawnSync(CLUSTER_SCRIPT, ['start', path.join(dir, 'cluster')], { encoding: 'utf8', timeout: 180_000 });
    assert.equal(started.status, 0, `cluster start failed: ${started.stdout}${started.stderr}`);
    timings.clusterStartMs = Date.now() - t;
    env = readClusterEnv(path.join(dir, 'cluster'));
    for (const ns of ['shop', 'kshield-system']) await namespace(ns);

    notifyServer = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        notified.push(JSON.parse(text).text);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => notifyServer.listen(0, '127.0.0.1', r));
    const files = {
      policy: path.join(dir, 'policy.yaml'),
      limited: path.join(dir, 'limited.yaml'),
      cert: path.join(dir, 'tls.crt'),
      key: path.join(dir, 'tls.key'),
      ca: path.join(dir, 'ca.crt'),
      sender: path.join(dir, 'sender.token'),
      approver: path.join(dir, 'approver.token'),
    };
    writeFileSync(files.policy, POLICY((notifyServer.address() as AddressInfo).port));
    writeFileSync(files.limited, RATE_LIMITED_POLICY);
    writeFileSync(files.cert, certs.cert);
    writeFileSync(files.key, certs.key, { mode: 0o600 });
    writeFileSync(files.ca, certs.caCert);
    writeFileSync(files.sender, `${TOKEN}\n`, { mode: 0o600 });
    writeFileSync(files.approver, `${APPROVER}\n`, { mode: 0o600 });
    const common = (policy: string) => ['--policy', policy, '--tls-cert', files.cert, '--tls-key', files.key, '--token-file', files.sender, '--approver-token-file', files.approver, '--address', '127.0.0.1', '--port', '0', '--kubeconfig', env.kubeconfig, '--namespace', 'kshield-system'];
    t = Date.now();
    [respond, dryRun, limited] = await Promise.all([startRespond(common(files.policy)), startRespond([...common(files.policy), '--dry-run']), startRespond(common(files.limited))]);
    timings.threeRespondStartsMs = Date.now() - t;
    assert.deepEqual([respond.scheme, dryRun.scheme, limited.scheme], ['https', 'https', 'https']);
  });

  after(async () => {
    const codes = await Promise.all([respond, dryRun, limited].map((r) => r?.stop()));
    notifyServer?.close();
    if (dir) {
      spawnSync(CLUSTER_SCRIPT, ['stop', path.join(dir, 'cluster')], { encoding: 'utf8', timeout: 30_000 });
      rmSync(dir, { recursive: true, force: true });
    }
    process.stderr.write(`respond-cluster timings: ${JSON.stringify(timings)}; respond processes exited ${codes.join(', ')}\n`);
  });

  test("Falco's HTTP output: isolate creates a NetworkPolicy selecting only the pod and denying egress to the alert's destination; notify; an Event per step", async () => {
    const [pod, other] = await deployment('shop', 'api', 2);
    const name = pod.metadata.name;
    const before = await getPod('shop', name);
    const t = Date.now();
    const r = await post(respond, 'falco', falcoC2Alert('shop', name));
    timings.falcoToIsolatedMs = Date.now() - t;
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.responses[0].steps.map((s: Obj) => [s.outcome.action, s.outcome.status]), [['isolate', 'done'], ['notify', 'done']]);

    const policy = await ok('GET', `/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies/kshield-isolate-${name}`);
    assert.deepEqual(policy.spec, {
      podSelector: { matchLabels: { 'kshield.io/isolate': before.metadata.uid } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['203.0.113.7/32'] } }, { ipBlock: { cidr: '::/0' } }, { namespaceSelector: {} }] }],
    });
    // Only this pod carries the label the policy selects.
    const selected = (await ok('GET', `/api/v1/namespaces/shop/pods?labelSelector=kshield.io%2Fisolate%3D${before.metadata.uid}`)).items as Obj[];
    assert.deepEqual(selected.map((p) => p.metadata.name), [name]);
    assert.equal((await getPod('shop', other.metadata.name)).metadata.labels['kshield.io/isolate'], undefined);

    const [line] = (await linesFor(respond, r.body.responses[0].alert, 2)).filter((l) => l.action === 'isolate');
    assert.equal(line.status, 'done');
    assert.equal(line.event, 'action');
    assert.equal(line.alert.source, 'falco');
    assert.deepEqual(line.target, { namespace: 'shop', pod: name, node: 'node-1' });
    assert.deepEqual(line.mitre, { techniques: [], tactics: ['command-and-control'] });
    assert.match(notified.at(-1)!, new RegExp(`on shop/${name} \\(falco\\).*Steps: isolate done`));
    const events = await eventsUntil('shop', name, 2);
    assert.deepEqual(events.map((e) => [e.reason, e.action]).sort(), [['KshieldResponseDone', 'isolate'], ['KshieldResponseDone', 'notify']]);
    assert.equal(events[0].involvedObject.uid, before.metadata.uid);
  });

  test('the same alert again within the window, through falcosidekick: refused (dedup), a JSON audit line and a Warning Event; one policy still', async () => {
    const [pod] = (await ok('GET', '/api/v1/namespaces/shop/pods?labelSelector=kshield.io%2Fisolate')).items as Obj[];
    const name = pod.metadata.name;
    const r = await post(respond, 'falcosidekick', falcosidekickPayload(falcoC2Alert('shop', name), '2f0c1c3e-9d7e-4d0a-8a43-0c5d7d6a1e01'));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.responses[0].steps[0].refusal, 'dedup');
    const [line] = await linesFor(respond, r.body.responses[0].alert, 2);
    assert.deepEqual([line.event, line.action, line.refusal, line.alert.source], ['refusal', 'isolate', 'dedup', 'falcosidekick']);
    assert.match(line.reason, new RegExp(`isolate was already done to shop/${name} at .* \\(one per pod per 600s\\)`));
    const events = await eventsUntil('shop', name, 4);
    assert.ok(events.some((e) => e.reason === 'KshieldResponseRefused' && e.type === 'Warning' && e.action === 'isolate' && /already done/.test(e.message)), JSON.stringify(events.map((e) => e.message)));
    assert.equal((await ok('GET', '/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies')).items.length, 1);
  });

  test('`kshield respond restore NAMESPACE/POD` (the CLI) removes the policy and the label: the pod is exactly as before', async () => {
    const [pod] = (await ok('GET', '/api/v1/namespaces/shop/pods?labelSelector=kshield.io%2Fisolate')).items as Obj[];
    const name = pod.metadata.name;
    const r = await kshieldAsync(['respond', 'restore', `shop/${name}`, '--kubeconfig', env.kubeconfig]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^done {5}.*NetworkPolicy/m);
    assert.equal((await api('GET', `/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies/kshield-isolate-${name}`)).status, 404);
    const now = await getPod('shop', name);
    assert.equal(now.metadata.labels['kshield.io/isolate'], undefined);
    assert.deepEqual(marks(now), { labels: { app: 'api', 'pod-template-hash': pod.metadata.labels['pod-template-hash'] }, annotations: {} });
  });

  test("falcosidekick's webhook: kill deletes the pod and its ReplicaSet starts another", async () => {
    const [victim, peer] = await deployment('shop', 'cart', 2);
    const r = await post(respond, 'falcosidekick', falcosidekickPayload(falcoShellAlert('shop', victim.metadata.name), '7d3f6a52-1b0e-4c1a-9a55-2c4c3b7e9f10'));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.responses[0].steps.map((s: Obj) => [s.outcome.action, s.outcome.status]), [['kill', 'done']]);
    assert.match(r.body.responses[0].steps[0].outcome.reason, /its ReplicaSet cart-[a-z0-9]+ starts a replacement/);
    assert.equal((await api('GET', `/api/v1/namespaces/shop/pods/${victim.metadata.name}`)).status, 404);
    const now = await podsOf('shop', 'cart', 2);
    const names = now.map((p) => p.metadata.name);
    assert.ok(!names.includes(victim.metadata.name) && names.includes(peer.metadata.name), `a replacement: ${names.join(', ')}`);
    const replacement = now.find((p) => p.metadata.name !== peer.metadata.name)!;
    assert.deepEqual(replacement.metadata.ownerReferences.map((o: Obj) => o.uid), victim.metadata.ownerReferences.map((o: Obj) => o.uid));
    const [line] = await linesFor(respond, r.body.responses[0].alert, 1);
    assert.deepEqual([line.action, line.status, line.alert.source, line.policyRule], ['kill', 'done', 'falcosidekick', 'shells']);
    assert.deepEqual(line.mitre, { techniques: ['T1059'], tactics: ['execution'] });
    const [event] = await eventsUntil('shop', victim.metadata.name, 1);
    assert.deepEqual([event.reason, event.action, event.involvedObject.uid], ['KshieldResponseDone', 'kill', victim.metadata.uid]);
  });

  test('scale-to-zero puts the Deployment at 0 with the count in an annotation; `kshield respond restore NAMESPACE/deployment/NAME` scales back exactly', async () => {
    const [pod] = await deployment('shop', 'worker', 3);
    const before = await ok('GET', '/apis/apps/v1/namespaces/shop/deployments/worker');
    const r = await post(respond, 'falcosidekick', falcosidekickPayload(falcoMinerAlert('shop', pod.metadata.name), '0b7e3c1a-5d2f-4e8b-9c6a-3f1d2e4b5a60'));
    assert.deepEqual(r.body.responses[0].steps.map((s: Obj) => [s.outcome.action, s.outcome.status]), [['scale-to-zero', 'done']]);
    const scaled = await ok('GET', '/apis/apps/v1/namespaces/shop/deployments/worker');
    assert.equal(scaled.spec.replicas, 0);
    assert.equal(scaled.metadata.annotations['kshield.io/replicas-before-scale-to-zero'], '3');
    await podsOf('shop', 'worker', 0);
    const [line] = await linesFor(respond, r.body.responses[0].alert, 1);
    assert.deepEqual(line.objects.map((o: Obj) => [o.kind, o.name]), [['Deployment', 'worker']]);
    assert.deepEqual(line.mitre, { techniques: ['T1496'], tactics: ['impact'] });

    const restored = await kshieldAsync(['respond', 'restore', 'shop/deployment/worker', '--kubeconfig', env.kubeconfig, '-o', 'json']);
    assert.equal(restored.code, 0, restored.stdout + restored.stderr);
    assert.ok(JSON.parse(restored.stdout).steps.some((s: Obj) => s.status === 'done'), restored.stdout);
    const after = await ok('GET', '/apis/apps/v1/namespaces/shop/deployments/worker');
    assert.equal(after.spec.replicas, 3);
    assert.deepEqual(after.metadata.annotations, before.metadata.annotations);
    assert.deepEqual(after.metadata.labels ?? {}, before.metadata.labels ?? {});
    await podsOf('shop', 'worker', 3);
  });

  test('protected pods are never acted on: kube-system, kshield\'s own namespace, kshield.io/protected=true; each refusal an audit line and a Warning Event', async () => {
    await standalonePod('shop', 'db-0', { 'kshield.io/protected': 'true' });
    await standalonePod('kshield-system', 'agent');
    await until('a pod in kube-system', async () => (await api('POST', '/api/v1/namespaces/kube-system/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'dns' }, spec: { automountServiceAccountToken: false, containers: [{ name: 'dns', image: 'registry.example/dns:1' }] } })).status === 201);
    for (const [ns, name, refusal] of [['shop', 'db-0', 'protected-pod'], ['kshield-system', 'agent', 'protected-namespace'], ['kube-system', 'dns', 'protected-namespace']]) {
      const before = await getPod(ns, name);
      const r = await post(respond, 'falco', falcoC2Alert(ns, name));
      assert.equal(r.body.responses[0].steps[0].refusal, refusal, `${ns}/${name}`);
      const [line] = (await linesFor(respond, r.body.responses[0].alert, 2)).filter((l) => l.action === 'isolate');
      assert.deepEqual([line.event, line.refusal, line.target.pod], ['refusal', refusal, name]);
      const events = await eventsUntil(ns, name, 1);
      assert.ok(events.some((e) => e.reason === 'KshieldResponseRefused' && e.type === 'Warning' && e.action === 'isolate'), `${ns}/${name}: ${JSON.stringify(events.map((e) => e.reason))}`);
      assert.equal((await getPod(ns, name)).metadata.resourceVersion, before.metadata.resourceVersion, `${ns}/${name} changed`);
      assert.equal((await api('GET', `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies/kshield-isolate-${name}`)).status, 404);
    }
  });

  test('--dry-run (a second respond process): isolate, kill and scale-to-zero say what they would do; nothing changes; Events say dry-run', async () => {
    const [pod] = await deployment('shop', 'dry', 2);
    const name = pod.metadata.name;
    const before = await getPod('shop', name);
    const deploymentBefore = await ok('GET', '/apis/apps/v1/namespaces/shop/deployments/dry');
    const isolate = await post(dryRun, 'falco', falcoC2Alert('shop', name));
    const kill = await post(dryRun, 'falcosidekick', falcosidekickPayload(falcoShellAlert('shop', name), 'a1b2c3d4-0000-4000-8000-000000000001'));
    const scale = await post(dryRun, 'falcosidekick', falcosidekickPayload(falcoMinerAlert('shop', name), 'a1b2c3d4-0000-4000-8000-000000000002'));
    for (const r of [isolate, kill, scale]) assert.equal(r.body.responses[0].steps[0].outcome.status, 'dry-run', JSON.stringify(r.body));
    const dryLines = (await Promise.all([isolate, kill, scale].map((r) => linesFor(dryRun, r.body.responses[0].alert, 1)))).flat().filter((x) => x.action !== 'notify');
    assert.deepEqual(dryLines.map((l) => l.action), ['isolate', 'kill', 'scale-to-zero']);
    for (const l of dryLines) {
      assert.equal(l.dryRun, true);
      assert.equal(l.status, 'dry-run');
      assert.ok(l.objects.every((o: Obj) => String(o.change).startsWith('would-')), JSON.stringify(l.objects));
    }
    assert.equal((await getPod('shop', name)).metadata.resourceVersion, before.metadata.resourceVersion);
    assert.equal((await api('GET', `/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies/kshield-isolate-${name}`)).status, 404);
    const deploymentAfter = await ok('GET', '/apis/apps/v1/namespaces/shop/deployments/dry');
    assert.deepEqual([deploymentAfter.spec.replicas, deploymentAfter.metadata.annotations], [deploymentBefore.spec.replicas, deploymentBefore.metadata.annotations]);
    const events = await eventsUntil('shop', name, 4);
    assert.deepEqual(events.filter((e) => e.action !== 'notify').map((e) => [e.reason, e.action]).sort(), [['KshieldResponseDryRun', 'isolate'], ['KshieldResponseDryRun', 'kill'], ['KshieldResponseDryRun', 'scale-to-zero']]);
    assert.ok(events.every((e) => /\(dry-run\)/.test(e.message)));
    assert.match(notified.at(-1)!, /\[dry-run\]/);
  });

  test('the global rate limit (a third respond process, 2 actions per hour): the third alert is refused, an audit line and a Warning Event; its pod unlabelled', async () => {
    for (const name of ['rl-1', 'rl-2', 'rl-3']) await standalonePod('shop', name);
    const outcomes: Obj[] = [];
    for (const name of ['rl-1', 'rl-2', 'rl-3']) {
      const r = await post(limited, 'generic', { rule: 'crypto-miner', priority: 'critical', target: { namespace: 'shop', pod: name } });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      outcomes.push(r.body.responses[0].steps[0]);
    }
    assert.deepEqual(outcomes.map((s) => s.refusal ?? s.outcome.status), ['done', 'done', 'rate-limit']);
    assert.equal((await getPod('shop', 'rl-1')).metadata.labels['kshield.io/quarantined'], 'true');
    assert.equal((await getPod('shop', 'rl-3')).metadata.labels?.['kshield.io/quarantined'], undefined);
    const line = await limited.line('the rate-limit refusal', (l) => l.event === 'refusal' && l.target?.pod === 'rl-3');
    assert.deepEqual([line.action, line.refusal, line.reason], ['label', 'rate-limit', 'more than 2 actions per 3600s']);
    const [event] = await eventsUntil('shop', 'rl-3', 1);
    assert.deepEqual([event.reason, event.type, event.action], ['KshieldResponseRefused', 'Warning', 'label']);
    const metrics = String((await request(`https://127.0.0.1:${limited.port}/metrics`, { ca: certs.caCert })).body);
    assert.match(metrics, /^kshield_respond_refusals_total\{reason="rate-limit"\} 1$/m);
  });

  test('approve: the chain waits; `kshield respond approve` (the CLI) over HTTPS runs the held annotate', async () => {
    await standalonePod('shop', 'miner-1');
    const alert = { ...falcoShellAlert('shop', 'miner-1'), rule: 'Drop and execute new binary in container', priority: 'Critical', tags: ['maturity_stable', 'container', 'process', 'mitre_persistence', 'TA0003', 'PCI_DSS_11.5.1'] };
    const r = await post(respond, 'falco', alert);
    const held = r.body.responses[0].steps[0];
    assert.equal(held.outcome.status, 'held');
    assert.equal((await getPod('shop', 'miner-1')).metadata.annotations?.['example.com/approved'], undefined, 'nothing done before approval');
    const cli = ['--url', `https://127.0.0.1:${respond.port}`, '--token-file', path.join(dir, 'approver.token'), '--ca-file', path.join(dir, 'ca.crt')];
    const list = await kshieldAsync(['respond', 'approve', '--list', ...cli]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`${held.approval}  critical  "Drop and execute new binary in container"  shop/miner-1  policy rule new-binaries: holds annotate`));
    // A sender token may not approve when approver tokens are given.
    writeFileSync(path.join(dir, 'wrong.token'), `${TOKEN}\n`);
    const refused = await kshieldAsync(['respond', 'approve', held.approval, '--url', `https://127.0.0.1:${respond.port}`, '--token-file', path.join(dir, 'wrong.token'), '--ca-file', path.join(dir, 'ca.crt')]);
    assert.notEqual(refused.code, 0);
    const approved = await kshieldAsync(['respond', 'approve', held.approval, '--by', 'alice', ...cli]);
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /new-binaries\[0\] approve: done: approved by alice \(approver token\)\nnew-binaries\[1\] annotate: done/);
    const pod = await getPod('shop', 'miner-1');
    assert.equal(pod.metadata.annotations['example.com/approved'], 'true');
    assert.equal(pod.metadata.annotations['kshield.io/alert-rule'], 'Drop and execute new binary in container');
    const line = await respond.line('the approved annotate', (l) => l.action === 'annotate' && l.target?.pod === 'miner-1');
    assert.deepEqual(line.mitre, { techniques: [], tactics: ['persistence'] });
  });

  test('a malformed alert gets 400 and nothing is acted on; a wrong token gets 401', async () => {
    const before = respond.lines.length;
    const bad = await post(respond, 'falco', { ...falcoC2Alert('shop', 'rl-2'), priority: 'Severe' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /priority: "Severe" is not one of/);
    const unauthorized = await post(respond, 'falco', falcoC2Alert('shop', 'rl-2'), 'not-the-token-0123456789');
    assert.equal(unauthorized.status, 401);
    await sleep(200);
    assert.equal(respond.lines.slice(before).filter((l) => l.audit === 'kshield.respond').length, 0);
    assert.equal((await api('GET', '/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies/kshield-isolate-rl-2')).status, 404);
  });

  test('every object of kshield install respond passes the API server\'s validation (dry run)', async () => {
    const r = kshield(['install', 'respond', '--generate-certs', '--namespace', 'kshield-respond-test']);
    assert.equal(r.code, 0, r.stderr);
    const objects = (yaml.loadAll(r.stdout) as Obj[]).filter(Boolean);
    const client = await loadKubeClient({ kubeconfig: env.kubeconfig });
    const custom = client.k8s.KubernetesObjectApi.makeApiClient(client.kc);
    for (const object of objects) {
      if (object.kind === 'Namespace') {
        await custom.create(object as never);
        continue;
      }
      await custom.create(object as never, undefined, 'All');
    }
  });

  test('the command over plain HTTP on loopback (--insecure-http) and a clean stop on SIGTERM', async () => {
    const port = (notifyServer.address() as AddressInfo).port;
    writeFileSync(path.join(dir, 'cli-policy.yaml'), `rules:\n  - name: notify-all\n    match: { sources: [generic] }\n    actions:\n      - action: notify\n        with: { url: "http://127.0.0.1:${port}/cli", retries: 0 }\n`);
    const plain = await startRespond(['--policy', path.join(dir, 'cli-policy.yaml'), '--insecure-http', '--address', '127.0.0.1', '--port', '0', '--kubeconfig', env.kubeconfig], { KSHIELD_RESPOND_TOKEN: TOKEN });
    assert.equal(plain.scheme, 'http');
    const before = notified.length;
    const answer = await new Promise<{ status: number; body: Obj }>((resolve, reject) => {
      const req = http.request(`http://127.0.0.1:${plain.port}/v1/alerts/generic?wait=true`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ rule: 'crypto-miner', priority: 'critical', target: { namespace: 'shop', pod: 'rl-1' } }));
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.responses[0].steps[0].outcome.status, 'done');
    assert.equal(notified.length, before + 1);
    assert.equal(await plain.stop(), 0, plain.stderr());
    assert.ok(plain.lines.some((l) => l.event === 'stopped'));
    assert.ok(plain.lines.some((l) => l.audit === 'kshield.respond'));
  });
});
