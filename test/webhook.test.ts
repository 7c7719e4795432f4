/**
 * The webhook end to end over real HTTPS on 127.0.0.1, with a client that verifies the serving
 * certificate against a test CA: what the API server sends, what it gets back, what is logged and
 * counted. The namespace-label exemption reads labels from the in-repo test API server (list and
 * watch) through a kubeconfig.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import tls from 'node:tls';
import { pino } from 'pino';
import { parseConfig } from '../src/config/config-file.js';
import { rules } from '../src/rules/index.js';
import { buildState, WebhookServer } from '../src/admission/server.js';
import { startNamespaceCache, type NamespaceLabelSource } from '../src/admission/namespaces.js';
import { Counter } from '../src/admission/metrics.js';
import { makeServingCert, makeTestCa, type ServingCert, type TestCa } from './support/tls.js';
import { assertReviewShape, compliantDeployment, pod, postReview, privilegedDeployment, request, review, rootDeployment } from './support/admission.js';
import { startTestApiServer, writeKubeconfig, type TestApiServer } from './support/k8s-api-server.js';

type Obj = Record<string, any>;

interface Harness {
  server: WebhookServer;
  port: number;
  logs: Obj[];
  close(): Promise<void>;
}

let ca: TestCa;
let serving: ServingCert;

async function start(configText = '', options: { namespaces?: NamespaceLabelSource; requestTimeoutMs?: number; ownNamespace?: string } = {}): Promise<Harness> {
  const logs: Obj[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const state = buildState(configText ? parseConfig(configText, '.kshield.yaml', rules) : undefined);
  const server = new WebhookServer({ cert: serving.certPem, key: serving.keyPem, state, logger, ...options });
  const address = await server.listen(0, '127.0.0.1');
  return { server, port: address.port, logs, close: async () => void (await server.close(2000)) };
}

async function validate(h: Harness, body: Obj): Promise<Obj> {
  const reply = await postReview(h.port, '/validate', body, ca.certPem);
  return assertReviewShape(reply, body.request.uid);
}

/** The review's log line, written once the answer is on its way (the server logs after answering). */
async function logLine(h: Harness, uid: string, msg = 'admission decision'): Promise<Obj> {
  const until = Date.now() + 2000;
  for (;;) {
    const line = h.logs.find((l) => l.uid === uid && l.msg === msg);
    if (line) return line;
    assert.ok(Date.now() < until, `a "${msg}" line for ${uid}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const decisionLog = (h: Harness, uid: string): Promise<Obj> => logLine(h, uid);

async function eventually(check: () => Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

before(() => {
  ca = makeTestCa();
  serving = makeServingCert(ca);
});

describe('validate over HTTPS', () => {
  let h: Harness;
  before(async () => {
    h = await start('webhook:\n  actions:\n    rules:\n      writable-root-filesystem: audit\n');
  });
  after(() => h.close());

  test('allow: a compliant Deployment, uid echoed, no warnings, one log line', async () => {
    const body = review(compliantDeployment());
    const response = await validate(h, body);
    assert.equal(response.allowed, true);
    assert.equal(response.warnings, undefined);
    assert.equal(response.status, undefined);
    const line = await decisionLog(h, body.request.uid);
    assert.equal(line.decision, 'allowed');
    assert.equal(line.kind, 'Deployment.apps');
    assert.equal(line.namespace, 'shop');
    assert.equal(line.name, 'web');
    assert.equal(line.operation, 'CREATE');
    assert.equal(line.dryRun, false);
    assert.equal(typeof line.latencyMs, 'number');
  });

  test('deny: 403 with the rule id, the field and the fix', async () => {
    const body = review(privilegedDeployment());
    const response = await validate(h, body);
    assert.equal(response.allowed, false);
    assert.equal(response.status.code, 403);
    assert.match(response.status.message, /^kshield: Deployment shop\/web violates 1 enforced rule:\n- \[privileged-container\] spec\.template\.spec\.containers\[0\]\.securityContext\.privileged: container "app" runs privileged\. Fix: Remove securityContext\.privileged/);
    const line = await decisionLog(h, body.request.uid);
    assert.equal(line.decision, 'denied');
    assert.deepEqual(line.denied, ['privileged-container']);
  });

  test('warn: allowed, with warnings kubectl prints', async () => {
    const body = review(rootDeployment());
    const response = await validate(h, body);
    assert.equal(response.allowed, true);
    assert.deepEqual(response.warnings, ['spec.template.spec.containers[0].securityContext: container "app" is not required to run as non-root: neither it nor the pod sets runAsNonRoot: true [run-as-non-root]']);
  });

  test('audit: allowed, nothing shown to the client, the rule in the log line', async () => {
    const d = compliantDeployment();
    d.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
    const body = review(d);
    const response = await validate(h, body);
    assert.equal(response.allowed, true);
    assert.equal(response.warnings, undefined);
    assert.deepEqual((await decisionLog(h, body.request.uid)).audited, ['writable-root-filesystem']);
  });

  test('UPDATE: an old violation passes with a warning, a new one is denied', async () => {
    const old = privilegedDeployment();
    const same = structuredClone(old);
    same.metadata.resourceVersion = '101';
    same.spec.replicas = 4;
    const kept = await validate(h, review(same, { operation: 'UPDATE', oldObject: old }));
    assert.equal(kept.allowed, true);
    assert.ok(kept.warnings.some((w: string) => /\[privileged-container; already there before this update, not blocking\]$/.test(w)));
    const worse = structuredClone(old);
    worse.spec.template.spec.hostNetwork = true;
    const denied = await validate(h, review(worse, { operation: 'UPDATE', oldObject: old }));
    assert.equal(denied.allowed, false);
    assert.match(denied.status.message, /\[host-network\]/);
  });

  test('dryRun: the same answer, logged as dry run and counted apart', async () => {
    const body = review(privilegedDeployment(), { dryRun: true });
    const response = await validate(h, body);
    assert.equal(response.allowed, false, 'a dry run predicts the real outcome');
    assert.equal((await decisionLog(h, body.request.uid)).dryRun, true);
    const metrics = (await request(h.port, '/metrics', undefined, { ca: ca.certPem })).text;
    assert.match(metrics, /kshield_admission_decisions_total\{rule="privileged-container",action="enforce",outcome="denied",dry_run="true"\} 1\n/);
  });

  test('DELETE is allowed without evaluation', async () => {
    const body = review(privilegedDeployment(), { operation: 'DELETE' });
    const response = await validate(h, body);
    assert.equal(response.allowed, true);
    const line = await decisionLog(h, body.request.uid);
    assert.equal(line.reason, 'operation-not-judged');
    assert.deepEqual(line.rules, []);
  });

  test('kube-system is exempt by name', async () => {
    const body = review(privilegedDeployment('kube-proxy', 'kube-system'));
    assert.equal((await validate(h, body)).allowed, true);
    assert.equal((await decisionLog(h, body.request.uid)).reason, 'exempt-namespace');
  });

  test('an unknown kind is answered: allowed, with a warning', async () => {
    const response = await validate(h, review({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'shop' }, spec: {} }));
    assert.equal(response.allowed, true);
    assert.match(response.warnings[0], /no rules for Widget\.example\.com/);
  });

  test('/mutate answers an AdmissionReview; exempt namespaces get no patch', async () => {
    const body = review(pod('p', 'shop', { name: 'app', image: 'registry.example.com/app:1.0' }));
    const response = assertReviewShape(await postReview(h.port, '/mutate', body, ca.certPem), body.request.uid);
    assert.equal(response.allowed, true);
    if (response.patch !== undefined) {
      assert.equal(response.patchType, 'JSONPatch');
      assert.ok(Array.isArray(JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'))));
    }
    const exempt = review(pod('p', 'kube-system', { name: 'app', image: 'registry.example.com/app:1.0' }));
    const none = assertReviewShape(await postReview(h.port, '/mutate', exempt, ca.certPem), exempt.request.uid);
    assert.equal(none.allowed, true);
    assert.equal(none.patch, undefined);
    assert.equal(none.patchType, undefined);
  });

  test('a 3 MiB Deployment of 100,000 containers is refused unjudged, and /mutate answers it without a patch', async () => {
    const d = compliantDeployment('padded', 'shop');
    d.spec.template.spec.containers = Array.from({ length: 100_000 }, (_, i) => ({ name: `c${i}`, image: 'a' }));
    d.spec.template.spec.containers[99_999].securityContext = { privileged: true };
    const body = review(d);
    assert.ok(Buffer.byteLength(JSON.stringify(body)) < 3 * 1024 * 1024);
    const denied = await validate(h, body);
    assert.equal(denied.allowed, false);
    assert.match(denied.status.message, /at most 1000 containers; this Deployment has 100000, so it was not judged and is refused/);
    const mutated = await postReview(h.port, '/mutate', review(d), ca.certPem);
    assert.equal(assertReviewShape(mutated, mutated.json.response.uid).patch, undefined);
    assert.ok(mutated.text.length < 2000, `a small answer, not ${mutated.text.length} bytes`);
  });

  test('/mutate leaves Pod updates, subresources and controller-made pods alone', async () => {
    const p = pod('p', 'shop', { name: 'app', image: 'registry.example.com/app:1.0' });
    const update = review(p, { operation: 'UPDATE', oldObject: p });
    assert.equal(assertReviewShape(await postReview(h.port, '/mutate', update, ca.certPem), update.request.uid).patch, undefined);
    const owned = structuredClone(p);
    owned.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u', controller: true }];
    const byController = review(owned, { username: 'system:serviceaccount:kube-system:replicaset-controller' });
    assert.equal(assertReviewShape(await postReview(h.port, '/mutate', byController, ca.certPem), byController.request.uid).patch, undefined);
    const reasons = [(await logLine(h, update.request.uid, 'admission mutation')).reason, (await logLine(h, byController.request.uid, 'admission mutation')).reason];
    assert.deepEqual(reasons, ['pod-update-not-mutated', 'controller-request']);
  });

  test('/mutate on a workload UPDATE: a label change or a scale writes no defaults; a changed pod template gets them', async () => {
    // A workload from before the webhook: no securityContext anywhere.
    const old = compliantDeployment('legacy', 'shop');
    delete old.spec.template.spec.securityContext;
    for (const c of old.spec.template.spec.containers) delete c.securityContext;
    const relabelled = structuredClone(old);
    relabelled.metadata.labels = { ...(relabelled.metadata.labels ?? {}), team: 'payments' };
    relabelled.spec.replicas = 5;
    const quiet = review(relabelled, { operation: 'UPDATE', oldObject: old });
    assert.equal(assertReviewShape(await postReview(h.port, '/mutate', quiet, ca.certPem), quiet.request.uid).patch, undefined);
    assert.equal((await logLine(h, quiet.request.uid, 'admission mutation')).reason, 'pod-template-unchanged');

    const rolled = structuredClone(old);
    rolled.spec.template.spec.containers[0].image = 'registry.example.com/app:2.0';
    const rollout = review(rolled, { operation: 'UPDATE', oldObject: old });
    const patched = assertReviewShape(await postReview(h.port, '/mutate', rollout, ca.certPem), rollout.request.uid);
    const ops = JSON.parse(Buffer.from(patched.patch, 'base64').toString('utf8')) as { path: string }[];
    assert.ok(ops.some((op) => op.path.startsWith('/spec/template/spec/securityContext')), JSON.stringify(ops));
  });

  test('/healthz and /readyz; readyz lists the rules admission cannot enforce', async () => {
    assert.equal((await request(h.port, '/healthz', undefined, { ca: ca.certPem })).status, 200);
    const ready = await request(h.port, '/readyz', undefined, { ca: ca.certPem });
    assert.equal(ready.status, 200);
    const ids = ready.json.rules.notEnforcedAtAdmission.map((r: Obj) => r.id);
    assert.ok(ids.includes('cpu-limits-missing') && ids.includes('rbac-wildcard-verbs'), ids.join(','));
  });
});

describe('bad input', () => {
  let h: Harness;
  before(async () => {
    h = await start('', { requestTimeoutMs: 1000 });
  });
  after(() => h.close());

  const status = async (pathname: string, body: string | Buffer | undefined, headers: Record<string, string> = {}, method?: string) =>
    request(h.port, pathname, body, { ca: ca.certPem, headers, method });

  test('malformed JSON, wrong apiVersion or kind, missing request, uid or object: 400 with a Status naming the problem', async () => {
    const ok = review(compliantDeployment());
    const cases: [string | Obj, RegExp][] = [
      ['{"apiVersion": "admission.k8s.io/v1", "kind": ', /not valid JSON/],
      [{ ...ok, apiVersion: 'admission.k8s.io/v1beta1' }, /admission\.k8s\.io\/v1 only/],
      [{ ...ok, kind: 'Review' }, /kind must be "AdmissionReview"/],
      [{ apiVersion: ok.apiVersion, kind: ok.kind }, /has no request/],
      [{ ...ok, request: { ...ok.request, uid: undefined } }, /request\.uid is missing/],
      [{ ...ok, request: { ...ok.request, uid: { secret: 'hunter2' } } }, /^request\.uid must be a string, got an object$/],
      [{ ...ok, request: { ...ok.request, uid: 42 } }, /^request\.uid must be a string, got a number$/],
      [{ ...ok, request: { ...ok.request, kind: { group: 'apps', version: 'v1', kind: ['Deployment'] } } }, /^request\.kind\.kind must be a string, got a list$/],
      [{ ...ok, request: { ...ok.request, object: undefined } }, /request\.object is missing/],
    ];
    for (const [body, pattern] of cases) {
      const reply = await status('/validate', typeof body === 'string' ? body : JSON.stringify(body));
      assert.equal(reply.status, 400, reply.text);
      assert.equal(reply.json.kind, 'Status');
      assert.equal(reply.json.code, 400);
      assert.match(reply.json.message, pattern);
    }
  });

  test('a body over 3 MiB is refused without being read, with or without Content-Length', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 10, 0x20);
    const declared = await status('/validate', big).catch((err: Error) => ({ status: -1, text: err.message, json: undefined }));
    // The server answers and hangs up; a client still writing may see the reset instead of the answer.
    assert.ok(declared.status === 413 || /ECONNRESET|EPIPE/.test(declared.text), `${declared.status} ${declared.text}`);
    const chunked = await new Promise<number>((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port: h.port, ca: ca.certPem, servername: 'localhost' }, () => {
        socket.write('POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
        const chunk = Buffer.alloc(256 * 1024, 0x20);
        let sent = 0;
        const pump = (): void => {
          while (sent < 4 * 1024 * 1024 && !socket.destroyed) {
            sent += chunk.length;
            if (!socket.write(`${chunk.length.toString(16)}\r\n${chunk.toString()}\r\n`)) return void socket.once('drain', pump);
          }
        };
        pump();
      });
      let text = '';
      socket.on('data', (d) => (text += d));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? -1)));
    });
    assert.equal(chunked, 413);
  });

  test('wrong method, wrong content type, unknown path', async () => {
    const get = await status('/validate', undefined);
    assert.equal(get.status, 405);
    assert.equal(get.headers.allow, 'POST');
    const text = await status('/validate', 'hello', { 'Content-Type': 'text/plain' });
    assert.equal(text.status, 415);
    assert.match(text.json.message, /Content-Type must be application\/json/);
    assert.equal((await status('/admit', '{}')).status, 404);
    assert.equal((await status('/metrics', '{}', {}, 'POST')).status, 405);
  });

  test('a slow client is cut off after the request timeout while others are served', async () => {
    const started = Date.now();
    const closed = new Promise<string>((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port: h.port, ca: ca.certPem, servername: 'localhost' }, () => {
        socket.write('POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"apiVer');
      });
      let text = '';
      socket.on('data', (d) => (text += d));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(text));
    });
    const body = review(compliantDeployment());
    assert.equal((await validate(h, body)).allowed, true, 'served while the slow client waits');
    const answer = await closed;
    const waited = Date.now() - started;
    assert.ok(waited >= 900 && waited < 5000, `closed after ${waited} ms`);
    assert.match(answer, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.match(answer, /\r\nContent-Type: application\/json\r\n/);
    const status = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    assert.deepEqual(status, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the request was not received in time', reason: 'Timeout', code: 408 });
    const metrics = (await request(h.port, '/metrics', undefined, { ca: ca.certPem })).text;
    assert.match(metrics, /^kshield_admission_bad_requests_total\{code="408"\} 1$/m);
  });

  test('TCP connections that never start TLS are closed after the handshake timeout (1 s here)', { timeout: 10_000 }, async () => {
    const started = Date.now();
    const sockets = Array.from({ length: 5 }, () => net.connect(h.port, '127.0.0.1'));
    // One that starts a handshake and stalls half-way through its ClientHello.
    sockets.push(net.connect(h.port, '127.0.0.1', function (this: net.Socket) {
      this.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
    }));
    const closedAfter = sockets.map((socket) => new Promise<number>((resolve) => {
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(Date.now() - started));
    }));
    const body = review(compliantDeployment());
    assert.equal((await validate(h, body)).allowed, true, 'served while they wait');
    for (const ms of await Promise.all(closedAfter)) assert.ok(ms >= 900 && ms < 3000, `closed after ${ms} ms`);
  });

  test('after all that, reviews are still answered', async () => {
    const body = review(privilegedDeployment());
    assert.equal((await validate(h, body)).allowed, false);
    const metrics = (await request(h.port, '/metrics', undefined, { ca: ca.certPem })).text;
    assert.match(metrics, /kshield_admission_bad_requests_total\{code="400"\} [1-9]/);
  });
});

describe('close', () => {
  test('the deadline cuts connections still before or in their TLS handshake', { timeout: 10_000 }, async () => {
    // A handshake timeout far beyond the deadline: only the drain can close these.
    const h = await start('', { requestTimeoutMs: 30_000 });
    const idle = net.connect(h.port, '127.0.0.1');
    const closed = new Promise<void>((resolve) => idle.on('close', () => resolve()));
    idle.on('error', () => undefined);
    await new Promise<void>((resolve) => idle.on('connect', () => resolve()));
    // A request in flight (headers sent, body still due) keeps close() waiting for the deadline.
    const slow = tls.connect({ host: '127.0.0.1', port: h.port, ca: ca.certPem, servername: 'localhost' }, () => {
      slow.write('POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
    });
    slow.on('error', () => undefined);
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    const outcome = await Promise.race([h.server.close(500), new Promise<'hung'>((r) => setTimeout(() => r('hung'), 5000))]);
    const took = Date.now() - started;
    assert.deepEqual(outcome, { forced: true });
    assert.ok(took >= 450 && took < 2000, `closed after ${took} ms`);
    await closed;
    slow.destroy();
  });
});

describe('close without requests under way', () => {
  test('a client still sending its headers, or only connected, holds nothing: close() returns at once and cuts it', { timeout: 10_000 }, async () => {
    const h = await start('', { requestTimeoutMs: 30_000 });
    const dribbling = tls.connect({ host: '127.0.0.1', port: h.port, ca: ca.certPem, servername: 'localhost' }, () => {
      dribbling.write('POST /validate HTTP/1.1\r\nHost: x\r\n');
    });
    dribbling.on('error', () => undefined);
    const cut = new Promise<void>((resolve) => dribbling.on('close', () => resolve()));
    const tcpOnly = net.connect(h.port, '127.0.0.1');
    tcpOnly.on('error', () => undefined);
    const tcpCut = new Promise<void>((resolve) => tcpOnly.on('close', () => resolve()));
    await new Promise((r) => setTimeout(r, 200));
    const outcome = await Promise.race([h.server.close(5000), new Promise<'waited for the deadline'>((r) => setTimeout(() => r('waited for the deadline'), 3000))]);
    assert.deepEqual(outcome, { forced: false });
    await cut;
    await tcpCut;
  });
});

describe('metrics', () => {
  test('the kind label is bounded: kshield\'s kinds and common built-ins keep their name, anything else is "other"', async () => {
    const h = await start();
    try {
      const kinds: [string, string][] = Array.from({ length: 30 }, (_, i) => [`example${i}.com`, `Random${i}${Math.random().toString(36).slice(2, 8)}`]);
      kinds.push(['evil.example.com', 'Deployment'], ['', 'Pod'], ['apps', 'StatefulSet'], ['gateway.networking.k8s.io', 'Gateway']);
      for (const [group, kind] of kinds) {
        const body = review({ apiVersion: group ? `${group}/v1` : 'v1', kind, metadata: { name: 'x', namespace: 'shop' } });
        body.request.kind = { group, version: 'v1', kind };
        await validate(h, body);
      }
      const families = parseExposition((await request(h.port, '/metrics', undefined, { ca: ca.certPem })).text);
      const samples = families.get('kshield_admission_requests_total')!.samples;
      assert.deepEqual(samples.map((s) => `${s.labels.kind} ${s.value}`).sort(), ['Gateway 1', 'Pod 1', 'StatefulSet 1', 'other 31']);
    } finally {
      await h.close();
    }
  });

  test('label sets from requests cannot grow without bound: past the limit they fold into "other"', () => {
    const counter = new Counter('t_total', 'test', ['kind']);
    for (let i = 0; i < 10_050; i++) counter.inc({ kind: `Kind${i}` });
    const out: string[] = [];
    counter.render(out);
    assert.equal(out.length, 2 + 10_000 + 1);
    assert.ok(out.includes('t_total{kind="other"} 50'));
  });

  test('Prometheus text format: HELP and TYPE per family, escaped labels, cumulative histogram buckets', async () => {
    const h = await start();
    try {
      await validate(h, review(compliantDeployment()));
      await validate(h, review(privilegedDeployment()));
      await validate(h, review(pod('p', 'shop')));
      const reply = await request(h.port, '/metrics', undefined, { ca: ca.certPem });
      assert.equal(reply.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
      const families = parseExposition(reply.text);
      const requests = families.get('kshield_admission_requests_total')!;
      assert.equal(requests.type, 'counter');
      assert.equal(requests.samples.find((s) => s.labels.kind === 'Deployment' && s.labels.endpoint === 'validate' && s.labels.operation === 'CREATE')?.value, 2);
      const odd = new Counter('t_total', 'test', ['kind']);
      odd.inc({ kind: 'Odd"Kind\\x\nnext' });
      const lines: string[] = [];
      odd.render(lines);
      assert.equal(lines[2], 't_total{kind="Odd\\"Kind\\\\x\\nnext"} 1');
      assert.equal(parseExposition(lines.join('\n') + '\n').get('t_total')!.samples[0].labels.kind, 'Odd"Kind\\x\nnext', 'label values round-trip through escaping');
      const decisions = families.get('kshield_admission_decisions_total')!;
      assert.equal(decisions.samples.find((s) => s.labels.rule === 'privileged-container')?.labels.outcome, 'denied');
      const histogram = families.get('kshield_admission_request_duration_seconds')!;
      assert.equal(histogram.type, 'histogram');
      const buckets = histogram.samples.filter((s) => s.name.endsWith('_bucket') && s.labels.endpoint === 'validate');
      for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i].value >= buckets[i - 1].value, 'cumulative');
      assert.equal(buckets[buckets.length - 1].labels.le, '+Inf');
      const count = histogram.samples.find((s) => s.name.endsWith('_count') && s.labels.endpoint === 'validate')!.value;
      assert.equal(buckets[buckets.length - 1].value, count);
      assert.equal(count, 3);
    } finally {
      await h.close();
    }
  });
});

test('without any way to reach the API server, the namespace cache says so instead of failing on localhost:8080', async () => {
  const saved = { HOME: process.env.HOME, KUBECONFIG: process.env.KUBECONFIG, KUBERNETES_SERVICE_HOST: process.env.KUBERNETES_SERVICE_HOST };
  const home = mkdtempSync(path.join(tmpdir(), 'kshield-nohome-'));
  try {
    process.env.HOME = home;
    delete process.env.KUBECONFIG;
    delete process.env.KUBERNETES_SERVICE_HOST;
    await assert.rejects(startNamespaceCache({ logger: pino({ level: 'silent' }) }), /^Error: no Kubernetes API access: not running in a pod, and no --kubeconfig, KUBECONFIG or ~\/\.kube\/config$/);
    process.env.KUBECONFIG = path.join(home, 'missing-a') + path.delimiter + path.join(home, 'missing-b');
    await assert.rejects(startNamespaceCache({ logger: pino({ level: 'silent' }) }), /no Kubernetes API access/);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(home, { recursive: true, force: true });
  }
});

describe('exemption by namespace label (test API server, list and watch)', () => {
  let api: TestApiServer;
  let dir: string;
  let namespaces: NamespaceLabelSource;
  let h: Harness;
  const ns = (name: string, labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels, uid: `uid-${name}`, resourceVersion: '5000' } });
  before(async () => {
    api = await startTestApiServer({ objects: [ns('tools', { 'kshield.io/exempt': 'true' }), ns('shop', { team: 'shop' })] });
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-webhook-'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    writeKubeconfig(kubeconfig, api, { admin: api.tokens.admin });
    namespaces = await startNamespaceCache({ kubeconfig, logger: pino({ level: 'silent' }) });
    h = await start('webhook:\n  exemptNamespaceSelector:\n    matchLabels:\n      kshield.io/exempt: "true"\n', { namespaces });
  });
  after(async () => {
    await h.close();
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a namespace with the label is exempt; one without is judged', async () => {
    const exempt = review(privilegedDeployment('agent', 'tools'));
    assert.equal((await validate(h, exempt)).allowed, true);
    assert.equal((await decisionLog(h, exempt.request.uid)).reason, 'exempt-namespace-label');
    assert.equal((await validate(h, review(privilegedDeployment('agent', 'shop')))).allowed, false);
    assert.ok(api.requests.some((r) => r.startsWith('GET /api/v1/namespaces?') && r.includes('watch=true')), api.requests.join('\n'));
  });

  test('a label added later arrives through the watch', async () => {
    api.emit('MODIFIED', ns('shop', { team: 'shop', 'kshield.io/exempt': 'true' }));
    await eventually(async () => (await validate(h, review(privilegedDeployment('agent', 'shop')))).allowed, 'the shop namespace to become exempt');
  });

  test('a namespace the API server does not know is judged', async () => {
    assert.equal((await validate(h, review(privilegedDeployment('agent', 'brand-new')))).allowed, false);
  });
});

describe('namespace labels unavailable', () => {
  test('an API server that never answers: the lookup gives up in time and says why', async () => {
    const api = await startTestApiServer({ objects: [], hang: true });
    const dir = mkdtempSync(path.join(tmpdir(), 'kshield-webhook-hang-'));
    try {
      const kubeconfig = path.join(dir, 'kubeconfig');
      writeKubeconfig(kubeconfig, api, { admin: api.tokens.admin });
      const cache = await startNamespaceCache({ kubeconfig, logger: pino({ level: 'silent' }) });
      const started = Date.now();
      const labels = await cache.lookup('shop', 300);
      assert.ok(Date.now() - started < 2000);
      assert.ok('unavailable' in labels && /not synced within 300 ms/.test(labels.unavailable), JSON.stringify(labels));
      assert.equal(cache.status().synced, false);
      await cache.close();
    } finally {
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const failing: NamespaceLabelSource = { lookup: async () => ({ unavailable: 'connection refused' }), status: () => ({ synced: false, namespaces: 0 }), close: async () => undefined };
  test('judge (default): fail closed; exempt: fail open with a warning', async () => {
    const selector = 'webhook:\n  exemptNamespaceSelector:\n    matchLabels:\n      kshield.io/exempt: "true"\n';
    const closed = await start(selector, { namespaces: failing });
    const open = await start(selector + '  namespaceLookupFailure: exempt\n', { namespaces: failing });
    try {
      const a = review(privilegedDeployment());
      assert.equal((await validate(closed, a)).allowed, false);
      assert.equal((await decisionLog(closed, a.request.uid)).namespaceLookup, 'connection refused');
      const b = await validate(open, review(privilegedDeployment()));
      assert.equal(b.allowed, true);
      assert.match(b.warnings[0], /could not read the labels of namespace shop/);
    } finally {
      await closed.close();
      await open.close();
    }
  });
});

describe('reload without restart', () => {
  test('a new configuration applies to the next request; a new certificate to the next connection', async () => {
    const h = await start();
    try {
      assert.equal((await validate(h, review(rootDeployment()))).allowed, true);
      h.server.setState(buildState(parseConfig('webhook:\n  actions:\n    rules:\n      run-as-non-root: enforce\n', '.kshield.yaml', rules)));
      assert.equal((await validate(h, review(rootDeployment()))).allowed, false);
      const before = await request(h.port, '/healthz', undefined, { ca: ca.certPem });
      assert.equal(before.serial, serving.serial);
      const next = makeServingCert(ca);
      h.server.setTls(next.certPem, next.keyPem);
      const after = await request(h.port, '/healthz', undefined, { ca: ca.certPem });
      assert.equal(after.serial, next.serial);
      const other = makeServingCert(makeTestCa('another-ca'));
      assert.throws(() => h.server.setTls(next.certPem, other.keyPem), /key values mismatch/);
      assert.equal((await request(h.port, '/healthz', undefined, { ca: ca.certPem })).serial, next.serial, 'a bad pair keeps the previous certificate');
    } finally {
      await h.close();
    }
  });
});

describe('secret values never leave', () => {
  test('not in responses, logs or errors', async () => {
    const h = await start();
    const canary = 'KSHIELD-LEAK-CANARY-7f3a9c1e';
    const awsKey = 'AKIAIOSFODNN7EXAMPLE';
    try {
      const replies: string[] = [];
      const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop' }, stringData: { password: canary }, data: { token: Buffer.from(canary).toString('base64') } };
      replies.push((await postReview(h.port, '/validate', review(secret), ca.certPem)).text);
      const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'shop' }, data: { DATABASE_PASSWORD: canary, AWS_ACCESS_KEY_ID: awsKey } };
      replies.push((await postReview(h.port, '/validate', review(configMap), ca.certPem)).text);
      const d = compliantDeployment();
      d.spec.template.spec.containers[0].env = [{ name: 'API_TOKEN', value: canary }, { name: 'AWS_ACCESS_KEY_ID', value: awsKey }];
      const denied = await postReview(h.port, '/validate', review(d), ca.certPem);
      replies.push(denied.text);
      assert.equal(denied.json.response.allowed, false, 'the literal credential is refused');
      replies.push((await postReview(h.port, '/validate', review(d, { operation: 'UPDATE', oldObject: d }), ca.certPem)).text);
      const mutated = review(d);
      replies.push((await postReview(h.port, '/mutate', mutated, ca.certPem)).text);
      // log lines are written in order once answers are out: with the last review's line, all are in
      await logLine(h, mutated.request.uid, 'admission mutation');
      replies.push((await request(h.port, '/validate', `{"request": {"object": {"data": {"p": "${canary}"}}} trailing`, { ca: ca.certPem })).text);
      replies.push((await request(h.port, '/validate', JSON.stringify({ ...review(d), apiVersion: 'admission.k8s.io/v2' }), { ca: ca.certPem })).text);
      replies.push((await request(h.port, '/metrics', undefined, { ca: ca.certPem })).text);
      const everything = replies.join('\n') + '\n' + h.logs.map((l) => JSON.stringify(l)).join('\n');
      for (const value of [canary, Buffer.from(canary).toString('base64'), awsKey]) {
        const at = everything.indexOf(value);
        assert.ok(at === -1, `${value} leaked: ${everything.slice(Math.max(0, at - 200), at + 50)}`);
      }
    } finally {
      await h.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict reader of the Prometheus text format: every line is a HELP, a TYPE or a sample of the family announced. */
function parseExposition(text: string): Map<string, { type: string; help: string; samples: Sample[] }> {
  assert.ok(text.endsWith('\n'), 'ends with a newline');
  const families = new Map<string, { type: string; help: string; samples: Sample[] }>();
  let current: string | undefined;
  for (const line of text.slice(0, -1).split('\n')) {
    let m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (m) {
      assert.ok(!families.has(m[1]), `HELP for ${m[1]} once`);
      families.set(m[1], { type: '', help: m[2], samples: [] });
      current = m[1];
      continue;
    }
    m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (m) {
      assert.equal(m[1], current, 'TYPE follows its HELP');
      families.get(m[1])!.type = m[2];
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.e+-]+|\+Inf|NaN)$/.exec(line);
    assert.ok(m, `not a sample line: ${JSON.stringify(line)}`);
    const name = m[1];
    assert.ok(current && (name === current || name === `${current}_bucket` || name === `${current}_sum` || name === `${current}_count`), `${name} outside its family ${current}`);
    const labels: Record<string, string> = {};
    if (m[3]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/gy;
      let lm: RegExpExecArray | null;
      let consumed = 0;
      while ((lm = re.exec(m[3]))) {
        labels[lm[1]] = lm[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
        consumed = re.lastIndex;
      }
      assert.equal(consumed, m[3].length, `label set ${m[3]}`);
    }
    families.get(current!)!.samples.push({ name, labels, value: m[4] === '+Inf' ? Infinity : Number(m[4]) });
  }
  return families;
}
