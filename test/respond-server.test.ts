/**
 * `kshield respond`'s server over real sockets on loopback: authentication (bearer token, client
 * certificate, approver tokens), 400 for every malformed body with nothing acted on, body bounds,
 * the approvals API, /healthz and /metrics.
 */
import assert from 'node:assert/strict';
import { test, describe, before, after } from 'node:test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateWebhookCertificates } from '../src/admission/certs.js';
import { RespondServer, tooDeep } from '../src/runtime/respond/server.js';
import { DEFAULT_DECODERS } from '../src/runtime/respond/decoders/index.js';
import { engineFor, falcoShellAlert, recordingAction, type Obj } from './support/respond.js';
import { auditDecoder } from '../src/runtime/audit.js';
import { root } from './support/cli.js';

const TOKEN = 'sender-token-0123456789abcdef';
const APPROVER = 'approver-token-0123456789abcdef';
const POLICY = `
rules:
  - name: shells
    match: { rules: ["Terminal shell in container"] }
    actions:
      - action: label
      - action: approve
      - action: isolate
`;

const auth = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

interface Answer {
  status: number;
  body: any;
  headers: http.IncomingHttpHeaders;
}

function request(base: string, method: string, p: string, body: string | Buffer | undefined, options: https.RequestOptions = {}): Promise<Answer> {
  const url = new URL(p, base);
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).request(url, { method, ...options, headers: { 'Content-Type': 'application/json', ...(options.headers ?? {}) } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // text bodies (/healthz, /metrics)
        }
        resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('respond server over HTTPS', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kshield-respond-'));
  const certs = generateWebhookCertificates({ service: 'kshield-respond', namespace: 'test', ipAddresses: ['127.0.0.1'] });
  let server: RespondServer;
  let base: string;
  const calls: any[] = [];
  let setup: ReturnType<typeof engineFor>;
  let clientCert: Buffer;
  let clientKey: Buffer;
  let otherCert: Buffer;
  let otherKey: Buffer;
  const tlsFor = (extra: https.RequestOptions = {}): https.RequestOptions => ({ ca: certs.caCert, ...extra });
  
  before(async () => {
    // A client CA and a certificate it signed (CN=falco), and one it did not, made with openssl.
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    for (const name of ['ca', 'other-ca']) run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-subj', `/CN=${name}`, '-days', '1');
    for (const [name, ca] of [['falco', 'ca'], ['intruder', 'other-ca']]) {
      run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
      run('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '1');
    }
    [clientCert, clientKey, otherCert, otherKey] = ['falco.crt', 'falco.key', 'intruder.crt', 'intruder.key'].map((f) => readFileSync(path.join(dir, f)));
    setup = engineFor(POLICY, [recordingAction('label', calls), recordingAction('isolate', calls)]);
    setup.cluster.addPod('shop', 'cart-5d9c7');
    server = new RespondServer({
      tls: { cert: certs.cert, key: certs.key, clientCa: readFileSync(path.join(dir, 'ca.crt')) },
      tokens: [TOKEN],
      approverTokens: [APPROVER],
      decoders: DEFAULT_DECODERS,
      engine: setup.engine,
      log: setup.log,
      maxBodyBytes: 64 * 1024,
    });
    const address = await server.listen(0, '127.0.0.1');
    base = `https://127.0.0.1:${address.port}`;
  });

  after(async () => {
    await server.close(1000);
    setup.engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('no credentials, a wrong token, or a certificate from another CA: 401 and nothing acted on', async () => {
    const body = JSON.stringify(falcoShellAlert());
    const answers = [
      await request(base, 'POST', '/v1/alerts/falco', body, tlsFor()),
      await request(base, 'POST', '/v1/alerts/falco', body, tlsFor(auth('sender-token-0123456789abcdeX'))),
      await request(base, 'POST', '/v1/alerts/falco', body, tlsFor({ headers: { Authorization: 'Basic Zm9vOmJhcg==' } })),
      await request(base, 'POST', '/v1/alerts/falco', body, tlsFor({ cert: otherCert, key: otherKey })),
    ];
    assert.deepEqual(answers.map((a) => a.status), [401, 401, 401, 401]);
    assert.equal(answers[0].headers['www-authenticate'], 'Bearer');
    assert.equal(calls.length, 0);
    assert.equal(setup.engine.metrics.alerts.get({ source: 'falco', rule: 'Terminal shell in container' }), 0);
  });

  const malformed: [string, string, RegExp][] = [
    ['not JSON', '{"rule": ', /not JSON/],
    ['not an alert', '[1, 2]', /not a valid falco alert/],
    ['a priority Falco does not have', JSON.stringify({ ...falcoShellAlert(), priority: 'Urgent' }), /priority: "Urgent"/],
    ['nested deeper than 32 levels', JSON.stringify({ ...falcoShellAlert(), extra: JSON.parse('['.repeat(40) + ']'.repeat(40)) }), /nested deeper than 32/],
    ['30,000 levels', '['.repeat(30_000) + ']'.repeat(30_000), /nested/],
  ];
  for (const [what, body, message] of malformed) {
    test(`400 and nothing acted on: ${what}`, async () => {
      const r = await request(base, 'POST', '/v1/alerts/falco', body, tlsFor(auth(TOKEN)));
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.match(r.body.error, message);
      assert.equal(calls.length, 0);
    });
  }

  test('a body over the limit: 413', async () => {
    const r = await request(base, 'POST', '/v1/alerts/falco', JSON.stringify({ ...falcoShellAlert(), output: 'x'.repeat(70 * 1024) }), tlsFor(auth(TOKEN)));
    assert.equal(r.status, 413);
    assert.equal(calls.length, 0);
  });

  test('a token or a client certificate of the CA: the alert is taken; ?wait=true answers with the steps', async () => {
    const byCert = await request(base, 'POST', '/v1/alerts/falco', JSON.stringify(falcoShellAlert('shop', 'gone-pod')), tlsFor({ cert: clientCert, key: clientKey }));
    assert.equal(byCert.status, 202);
    assert.equal(byCert.body.accepted, 1);
    const r = await request(base, 'POST', '/v1/alerts/falco?wait=true', JSON.stringify(falcoShellAlert()), tlsFor(auth(TOKEN)));
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.responses[0].steps.map((s: Obj) => s.outcome.status), ['done', 'held']);
    assert.deepEqual(calls.map((c) => c.pod), ['shop/cart-5d9c7']);
  });

  test('approvals: only the approver token may list and approve; approving runs the held steps', async () => {
    const senderTry = await request(base, 'GET', '/v1/approvals', undefined, tlsFor(auth(TOKEN)));
    assert.equal(senderTry.status, 401, 'a sender token does not approve when approver tokens are set');
    const certTry = await request(base, 'GET', '/v1/approvals', undefined, tlsFor({ cert: clientCert, key: clientKey }));
    assert.equal(certTry.status, 401);
    const list = await request(base, 'GET', '/v1/approvals', undefined, tlsFor(auth(APPROVER)));
    assert.equal(list.status, 200);
    assert.equal(list.body.pending.length, 1);
    const id = list.body.pending[0].id;
    assert.deepEqual(list.body.pending[0].held, ['isolate']);
    const approved = await request(base, 'POST', `/v1/approvals/${id}`, JSON.stringify({ by: 'alice' }), tlsFor(auth(APPROVER)));
    assert.equal(approved.status, 200);
    assert.match(approved.body.steps[0].outcome.reason, /approved by alice \(approver token\)/);
    assert.deepEqual(calls.map((c) => c.pod), ['shop/cart-5d9c7', 'shop/cart-5d9c7']);
    const again = await request(base, 'POST', `/v1/approvals/${id}`, '', tlsFor(auth(APPROVER)));
    assert.equal(again.status, 404);
  });

  test('/healthz and /metrics without credentials; metrics count alerts, actions, refusals, bad requests, the breaker', async () => {
    assert.equal((await request(base, 'GET', '/healthz', undefined, tlsFor())).body, 'ok\n');
    const m = (await request(base, 'GET', '/metrics', undefined, tlsFor())).body as string;
    assert.match(m, /kshield_respond_alerts_total\{source="falco",rule="Terminal shell in container"\} 2/);
    assert.match(m, /kshield_respond_actions_total\{action="isolate",status="done"\} 1/);
    assert.match(m, /kshield_respond_refusals_total\{reason="pod-not-found"\} \d/);
    assert.match(m, /kshield_respond_bad_requests_total\{code="401"\} \d+/);
    assert.match(m, /kshield_respond_bad_requests_total\{code="400"\} \d+/);
    assert.match(m, /kshield_respond_breaker_state 0/);
  });

  test('an unknown path is 404, a GET on an alert path 405', async () => {
    assert.equal((await request(base, 'GET', '/v1/alerts/falco', undefined, tlsFor(auth(TOKEN)))).status, 405);
    assert.equal((await request(base, 'POST', '/v1/alerts/splunk', '{}', tlsFor(auth(TOKEN)))).status, 404);
  });
});

test('tooDeep counts arrays and objects', () => {
  assert.equal(tooDeep({ a: [{ b: 1 }] }, 3), false);
  assert.equal(tooDeep({ a: [{ b: {} }] }, 3), true);
});

describe('respond server: body limits per endpoint', () => {
  test("the API server's audit batch above the 1 MiB an alert may take is judged (the decoder's 32 MiB); a Falco alert that size is still 413", async () => {
    const { log, engine } = engineFor('rules:\n  - name: execs\n    match: { rules: ["audit-pod-exec"] }\n    actions:\n      - action: label\n', [recordingAction('label', [])]);
    const server = new RespondServer({ tokens: [TOKEN], decoders: [...DEFAULT_DECODERS, auditDecoder()], engine, log });
    const base = `http://127.0.0.1:${(await server.listen(0, '127.0.0.1')).port}`;
    try {
      const exec = (JSON.parse(readFileSync(path.join(root, 'examples/audit/events.json'), 'utf8')) as Obj).items.find((e: Obj) => e.objectRef?.subresource === 'exec' && e.stage === 'ResponseComplete');
      // 399 requests of a busy minute recorded at Metadata, each with a long user agent, and the exec: one batch of the API server (at most 400 events).
      const filler = Array.from({ length: 399 }, (_, i) => ({ ...exec, auditID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, verb: 'list', requestURI: '/api/v1/namespaces/shop/configmaps', objectRef: { resource: 'configmaps', namespace: 'shop', apiVersion: 'v1' }, responseStatus: { metadata: {}, code: 200 }, userAgent: `ci-runner/${'x'.repeat(3000)}` }));
      const batch = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: [...filler, exec] });
      assert.ok(batch.length > 1024 * 1024, `${batch.length} bytes`);
      const r = await request(base, 'POST', '/v1/alerts/audit', batch, auth(TOKEN));
      assert.equal(r.status, 202, JSON.stringify(r.body));
      assert.equal(r.body.accepted, 1);
      const falco = await request(base, 'POST', '/v1/alerts/falco', JSON.stringify({ ...falcoShellAlert(), output: 'x'.repeat(batch.length) }), auth(TOKEN));
      assert.equal(falco.status, 413);
    } finally {
      await server.close(1000);
      engine.close();
    }
  });
});
