/**
 * `kshield respond` against a REAL kube-apiserver and controller manager (v1.20.2, started by
 * test/support/k8s/cluster): Falco and falcosidekick alerts over HTTPS reach the engine, which
 * reads the pod from the API server, acts on it through an ActionDefinition (a test-only
 * `annotate`, a merge patch through @kubernetes/client-node, until the cluster actions are
 * merged), writes an Event on the pod for every step, refuses protected pods, holds a chain until
 * `kshield respond approve` (the CLI, over HTTPS) approves it, notifies a loopback receiver, and in
 * dry-run changes nothing. Also: every object of `kshield install respond` passes the server's
 * validation in a dry run.
 *
 * Without the binaries or etcd the suite is skipped with a loud message, unless
 * KSHIELD_INTEGRATION=required (CI), where it fails.
 */
import assert from 'node:assert/strict';
import { test, describe, before, after } from 'node:test';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { cli, kshield, kshieldAsync, root } from './support/cli.js';
import { CLUSTER_SCRIPT, readClusterEnv, skipUnlessRealCluster, type ClusterEnv } from './support/real-cluster.js';
import { loadKubeClient, type KubeClient } from '../src/sources/kube-client.js';
import type { ActionDefinition } from '../src/runtime/action.js';
import { generateWebhookCertificates } from '../src/admission/certs.js';
import { ResponseEngine } from '../src/runtime/respond/engine.js';
import { RespondServer } from '../src/runtime/respond/server.js';
import { parseResponsePolicy } from '../src/runtime/respond/policy.js';
import { BUILTIN_ACTIONS } from '../src/runtime/respond/builtin-actions.js';
import { DEFAULT_DECODERS } from '../src/runtime/respond/decoders/index.js';
import { captureLog, falcoShellAlert, type Obj } from './support/respond.js';

const { skip: skipReason, missing: why } = skipUnlessRealCluster('the real-API-server test of kshield respond');

const TOKEN = 'respond-sender-token-0123456789';
const APPROVER = 'respond-approver-token-0123456789';

/** Test-only `annotate` (the real one is src/runtime/actions/): a merge patch of the pod's annotations. */
function testAnnotate(): ActionDefinition<{ annotations?: Record<string, string> }> {
  return {
    name: 'annotate',
    params: { type: 'object', additionalProperties: false, properties: { annotations: { type: 'object', additionalProperties: { type: 'string' } } } },
    mutates: true,
    async run(params, ctx) {
      const annotations = params.annotations ?? { 'kshield.io/quarantined': ctx.alert.id };
      const object = { apiVersion: 'v1', kind: 'Pod', namespace: ctx.target.namespace, name: ctx.target.pod, change: ctx.dryRun ? 'would-patch' : 'patched' };
      if (ctx.dryRun) return { action: 'annotate', status: 'dry-run', reason: `would annotate ${Object.keys(annotations).join(', ')}`, objects: [object] };
      const core = ctx.client.kc.makeApiClient(ctx.client.k8s.CoreV1Api);
      await core.patchNamespacedPod({ namespace: ctx.target.namespace, name: ctx.target.pod, body: { metadata: { annotations } } }, ctx.client.k8s.setHeaderOptions('Content-Type', ctx.client.k8s.PatchStrategy.MergePatch));
      return { action: 'annotate', status: 'done', reason: `annotated ${Object.keys(annotations).join(', ')}`, objects: [object] };
    },
  };
}

const POLICY = (notifyPort: number) => `
settings:
  dedupWindow: 1m
rules:
  - name: shells
    match: { rules: ["Terminal shell in container"] }
    actions:
      - action: annotate
      - action: notify
        with: { url: "http://127.0.0.1:${notifyPort}/hook", retries: 0 }
  - name: miners
    match: { rules: ["Detect crypto miners*"], priority: critical }
    actions:
      - action: approve
        with: { reason: "annotating the miner pod" }
      - action: annotate
        with: { annotations: { kshield.io/miner: "true" } }
`;

function post(url: string, body: unknown, ca: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', ca, headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('kshield respond against a real API server (v1.20.2)', { skip: skipReason, timeout: 300_000 }, () => {
  let dir: string;
  let env: ClusterEnv;
  let client: KubeClient;
  let core: any;
  let server: RespondServer;
  let engine: ResponseEngine;
  let base: string;
  let notifyServer: http.Server;
  const notified: string[] = [];
  const certs = generateWebhookCertificates({ service: 'kshield-respond', namespace: 'test', ipAddresses: ['127.0.0.1'] });
  const logs = captureLog();

  const pod = async (ns: string, name: string): Promise<Obj> => (await core.readNamespacedPod({ namespace: ns, name })) as Obj;
  const eventsOf = async (ns: string, name: string): Promise<Obj[]> =>
    ((await core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name}` })) as Obj).items.filter((e: Obj) => e.source?.component === 'kshield-respond');

  before(async () => {
    if (why) assert.fail(`KSHIELD_INTEGRATION=required but ${why}`);
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-k8s-respond-'));
    const started = spawnSync(CLUSTER_SCRIPT, ['start', dir], { encoding: 'utf8', timeout: 180_000 });
    assert.equal(started.status, 0, `cluster start failed: ${started.stdout}${started.stderr}`);
    env = readClusterEnv(dir);
    client = await loadKubeClient({ kubeconfig: env.kubeconfig });
    core = client.kc.makeApiClient(client.k8s.CoreV1Api);
    for (const ns of ['shop', 'kshield-system']) await core.createNamespace({ body: { metadata: { name: ns } } });
    const podBody = (ns: string, name: string, labels: Record<string, string> = {}) => ({ metadata: { name, namespace: ns, labels }, spec: { automountServiceAccountToken: false, containers: [{ name: 'app', image: 'registry.example/shop/cart:1' }] } });
    // v1.20 admits pods only once the token controller has given the default account its token Secret.
    for (let i = 0; ; i++) {
      try {
        await core.createNamespacedPod({ namespace: 'shop', body: podBody('shop', 'cart-1') });
        break;
      } catch (err) {
        if (i > 80) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    await core.createNamespacedPod({ namespace: 'shop', body: podBody('shop', 'db-0', { 'kshield.io/protected': 'true' }) });
    await core.createNamespacedPod({ namespace: 'shop', body: podBody('shop', 'miner-1') });
    await core.createNamespacedPod({ namespace: 'shop', body: podBody('shop', 'dry-1') });

    notifyServer = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        notified.push(JSON.parse(text).text);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => notifyServer.listen(0, '127.0.0.1', r));
    const actions = [testAnnotate()];
    const policy = parseResponsePolicy(POLICY((notifyServer.address() as AddressInfo).port), 'policy.yaml', [...BUILTIN_ACTIONS, ...actions]);
    engine = new ResponseEngine({ policy, actions, client, log: logs.log, ownNamespace: 'kshield-system' });
    server = new RespondServer({ tls: { cert: certs.cert, key: certs.key }, tokens: [TOKEN], approverTokens: [APPROVER], decoders: DEFAULT_DECODERS, engine, log: logs.log });
    base = `https://127.0.0.1:${(await server.listen(0, '127.0.0.1')).port}`;
  });

  after(async () => {
    await server?.close(2000);
    engine?.close();
    notifyServer?.close();
    if (dir) {
      spawnSync(CLUSTER_SCRIPT, ['stop', dir], { encoding: 'utf8', timeout: 30_000 });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a Falco alert annotates the pod in the API server, notifies, and leaves one Event per step on the pod', async () => {
    const r = await post(`${base}/v1/alerts/falco?wait=true`, falcoShellAlert('shop', 'cart-1'), certs.caCert);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.responses[0].steps.map((s: Obj) => [s.outcome.action, s.outcome.status]), [['annotate', 'done'], ['notify', 'done']]);
    const p = await pod('shop', 'cart-1');
    assert.equal(p.metadata.annotations['kshield.io/quarantined'], r.body.responses[0].alert);
    assert.match(notified[0], /on shop\/cart-1 \(falco\).*Steps: annotate done/);
    await engine.flush();
    const events = await eventsOf('shop', 'cart-1');
    assert.deepEqual(events.map((e) => [e.reason, e.action]).sort(), [['KshieldResponseDone', 'annotate'], ['KshieldResponseDone', 'notify']]);
    assert.equal(events[0].involvedObject.uid, p.metadata.uid);
    const line = logs.lines.find((l) => l.action === 'annotate' && l.status === 'done')!;
    assert.deepEqual(line.mitre, { techniques: ['T1059'], tactics: ['execution'] });
  });

  test('the same alert again within the window: refused (dedup), recorded as an Event', async () => {
    const r = await post(`${base}/v1/alerts/falcosidekick?wait=true`, { ...falcoShellAlert('shop', 'cart-1'), uuid: '2f0c1c3e-9d7e-4d0a-8a43-0c5d7d6a1e01' }, certs.caCert);
    assert.equal(r.body.responses[0].steps[0].refusal, 'dedup');
    await engine.flush();
    assert.ok((await eventsOf('shop', 'cart-1')).some((e) => e.reason === 'KshieldResponseRefused' && e.type === 'Warning'));
  });

  test('a protected pod and a pod in kshield\'s own namespace are never acted on', async () => {
    const r = await post(`${base}/v1/alerts/falco?wait=true`, falcoShellAlert('shop', 'db-0'), certs.caCert);
    assert.equal(r.body.responses[0].steps[0].refusal, 'protected-pod');
    assert.equal((await pod('shop', 'db-0')).metadata.annotations?.['kshield.io/quarantined'], undefined);
    const own = await post(`${base}/v1/alerts/falco?wait=true`, falcoShellAlert('kshield-system', 'anything'), certs.caCert);
    assert.equal(own.body.responses[0].steps[0].refusal, 'protected-namespace');
  });

  test('approve: the chain waits; `kshield respond approve` over HTTPS runs the held annotate', async () => {
    const alert = { ...falcoShellAlert('shop', 'miner-1'), rule: 'Detect crypto miners using the Stratum protocol', priority: 'Critical', tags: ['network', 'mitre_impact', 'T1496'] };
    const r = await post(`${base}/v1/alerts/falco?wait=true`, alert, certs.caCert);
    const held = r.body.responses[0].steps[0];
    assert.equal(held.outcome.status, 'held');
    assert.equal((await pod('shop', 'miner-1')).metadata.annotations?.['kshield.io/miner'], undefined, 'nothing done before approval');
    writeFileSync(path.join(dir, 'approver'), `${APPROVER}\n`);
    writeFileSync(path.join(dir, 'ca.crt'), certs.caCert);
    const list = await kshieldAsync(['respond', 'approve', '--list', '--url', base, '--token-file', path.join(dir, 'approver'), '--ca-file', path.join(dir, 'ca.crt')]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`${held.approval}  critical  "Detect crypto miners using the Stratum protocol"  shop/miner-1  policy rule miners: holds annotate`));
    const approved = await kshieldAsync(['respond', 'approve', held.approval, '--by', 'alice', '--url', base, '--token-file', path.join(dir, 'approver'), '--ca-file', path.join(dir, 'ca.crt')]);
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /miners\[0\] approve: done: approved by alice \(approver token\)\nminers\[1\] annotate: done/);
    assert.equal((await pod('shop', 'miner-1')).metadata.annotations['kshield.io/miner'], 'true');
    const line = logs.lines.find((l) => l.action === 'annotate' && l.target?.pod === 'miner-1')!;
    assert.deepEqual(line.mitre, { techniques: ['T1496'], tactics: ['impact'] });
  });

  test('dry-run: the outcome says what would be done; the pod is unchanged', async () => {
    const { log } = captureLog();
    const actions = [testAnnotate()];
    const dry = new ResponseEngine({ policy: parseResponsePolicy(POLICY(1), 'policy.yaml', [...BUILTIN_ACTIONS, ...actions]), actions, client, log, dryRun: true });
    const [alert] = DEFAULT_DECODERS[0].decode(falcoShellAlert('shop', 'dry-1'), new Date());
    const r = await dry.handle(alert);
    assert.equal(r.steps[0].outcome.status, 'dry-run');
    await dry.flush();
    assert.equal((await pod('shop', 'dry-1')).metadata.annotations?.['kshield.io/quarantined'], undefined);
    assert.ok((await eventsOf('shop', 'dry-1')).some((e) => e.reason === 'KshieldResponseDryRun'));
  });

  test('every object of kshield install respond passes the API server\'s validation (dry run)', async () => {
    const r = kshield(['install', 'respond', '--generate-certs', '--namespace', 'kshield-respond-test']);
    assert.equal(r.code, 0, r.stderr);
    const objects = (yaml.loadAll(r.stdout) as Obj[]).filter(Boolean);
    const custom = client.k8s.KubernetesObjectApi.makeApiClient(client.kc);
    for (const object of objects) {
      if (object.kind === 'Namespace') {
        await custom.create(object as never);
        continue;
      }
      await custom.create(object as never, undefined, "All");
    }
  });

  test('the command: `kshield respond` started as a user would, an alert over loopback HTTP, a clean stop on SIGTERM', async () => {
    const port = (notifyServer.address() as AddressInfo).port;
    writeFileSync(path.join(dir, 'cli-policy.yaml'), `rules:\n  - name: notify-all\n    match: { sources: [generic] }\n    actions:\n      - action: notify\n        with: { url: "http://127.0.0.1:${port}/cli", retries: 0 }\n`);
    const child = spawn(process.execPath, [cli, 'respond', '--policy', path.join(dir, 'cli-policy.yaml'), '--insecure-http', '--address', '127.0.0.1', '--port', '0', '--kubeconfig', env.kubeconfig], {
      cwd: root,
      env: { ...process.env, KSHIELD_RESPOND_TOKEN: TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let started: Obj | undefined;
    for (let i = 0; i < 200 && !started; i++) {
      await new Promise((r) => setTimeout(r, 100));
      started = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Obj).find((l) => l.event === 'started');
    }
    assert.ok(started, `no start line: ${out}${err}`);
    assert.equal(started.scheme, 'http');
    const before = notified.length;
    const answer = await new Promise<{ status: number; body: Obj }>((resolve, reject) => {
      const req = http.request(`http://127.0.0.1:${started!.port}/v1/alerts/generic?wait=true`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ rule: 'crypto-miner', priority: 'critical', target: { namespace: 'shop', pod: 'cart-1' } }));
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.responses[0].steps[0].outcome.status, 'done');
    assert.equal(notified.length, before + 1);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, err);
    assert.ok(out.includes('"event":"stopped"'));
    assert.ok(out.includes('"audit":"kshield.respond"'));
  });
});
