/**
 * `kshield respond --report-to URL`, the live push: the real respond command (plain HTTP on
 * loopback, dry run, its posture cache over the test API server) sends each alert's action and
 * posture lines to the real `kshield serve`, authenticated with the dashboard's token file; the
 * alerts appear in the dashboard's API. A dashboard that is not there never slows an alert.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kshield } from './support/cli.js';
import { startServe, type RunningServe } from './support/serve.js';
import { startTestApiServer, writeKubeconfig, type TestApiServer } from './support/k8s-api-server.js';
import { freePort, startRespond, until, type RespondProcess } from './support/respond-process.js';
import { falcoShellAlert, type Obj } from './support/respond.js';
import { writeImageFixtures } from './support/image-fixtures.js';

const SENDER_TOKEN = 'respond-sender-token-0123456789abcdef';
const DASHBOARD_TOKEN = 'dashboard-token-fedcba9876543210';
const POD = 'web-1';

const POLICY = `
rules:
  - name: shells
    match: { rules: ["Terminal shell in container"] }
    actions:
      - action: label
`;

describe('kshield respond --report-to: alerts pushed live to kshield serve', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kshield-serve-runtime-push-'));
  let api: TestApiServer;
  let serve: RunningServe;
  const started: RespondProcess[] = [];
  const kubeconfig = path.join(dir, 'kubeconfig');
  const tokenFile = path.join(dir, 'dashboard-token');
  const policy = path.join(dir, 'policy.yaml');
  const common = (): string[] => ['--policy', policy, '--insecure-http', '--address', '127.0.0.1', '--port', '0', '--kubeconfig', kubeconfig, '--dry-run', '--namespace', 'kshield-system'];

  const sendAlert = async (respond: RespondProcess, namespace: string, pod: string): Promise<{ status: number; ms: number }> => {
    const t = performance.now();
    const r = await fetch(`http://127.0.0.1:${respond.port}/v1/alerts/falco?wait=true`, { method: 'POST', headers: { Authorization: `Bearer ${SENDER_TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify(falcoShellAlert(namespace, pod)) });
    await r.text();
    return { status: r.status, ms: performance.now() - t };
  };

  before(async () => {
    api = await startTestApiServer({
      objects: [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: POD, namespace: 'shop', uid: 'uid-web-1', labels: { app: 'web' } }, spec: { nodeName: 'node-1', containers: [{ name: 'app', image: 'shop/web:1' }] } },
      ],
    });
    writeKubeconfig(kubeconfig, api, { admin: api.tokens.admin });
    writeFileSync(tokenFile, `${DASHBOARD_TOKEN}\n`);
    writeFileSync(policy, POLICY);
    serve = await startServe(['--database', path.join(dir, 'db', 'kshield.db'), '--token-file', tokenFile]);
  });
  after(async () => {
    for (const r of started) await r.stop();
    await serve?.stop();
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('each alert\'s action and posture lines reach the dashboard, under --cluster-name', async () => {
    const respond = await startRespond([...common(), '--report-to', serve.url, '--report-token-file', tokenFile, '--cluster-name', 'east'], { KSHIELD_RESPOND_TOKEN: SENDER_TOKEN });
    started.push(respond);
    const sent = await sendAlert(respond, 'shop', POD);
    assert.equal(sent.status, 200);
    const alert = await until('the alert in the dashboard, with its posture', async () => {
      const r = await fetch(`${serve.url}/api/runtime/alerts?source=east`, { headers: { Authorization: `Bearer ${DASHBOARD_TOKEN}` } });
      const page = (await r.json()) as Obj;
      const a = page.alerts?.[0];
      return a && a.postureStatus !== null && a.actions.length > 0 ? a : undefined;
    });
    assert.equal(alert.rule, 'Terminal shell in container');
    assert.deepEqual([alert.namespace, alert.pod], ['shop', POD]);
    assert.deepEqual(alert.actions.map((x: Obj) => `${x.action}:${x.status}`), ['label:dry-run']);
    assert.equal(alert.actions[0].dryRun, true);
    // The same lines are still on respond's standard output, as without --report-to.
    assert.ok(respond.lines.some((l) => l.event === 'action' && l.action === 'label' && l.status === 'dry-run'));
    assert.match(serve.stderr(), /stored 1 new alerts and 1 actions of east from token/);
  });

  test('a dashboard that is not there: the alert is answered at once, and respond says once what is wrong', async () => {
    const closed = await freePort();
    const respond = await startRespond([...common(), '--report-to', `http://127.0.0.1:${closed}`], { KSHIELD_RESPOND_TOKEN: SENDER_TOKEN });
    started.push(respond);
    const sent = await sendAlert(respond, 'shop', POD);
    assert.equal(sent.status, 200);
    assert.ok(sent.ms < 2000, `the alert took ${Math.round(sent.ms)} ms with the dashboard down`);
    await until('the report problem on standard error', () => /--report-to: cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): nothing listens there/.test(respond.stderr()));
    assert.ok(respond.lines.some((l) => l.event === 'action' && l.action === 'label'));
  });

  test('kshield image --report-to: the result stored as an image scan of the cluster --cluster-name names', async () => {
    await writeImageFixtures(path.join(dir, 'images'));
    const r = kshield(['image', 'oci-layout', path.join(dir, 'images/shop'), '--no-vulns', '--fail-on', 'none', '--report-to', serve.url, '--report-token-file', tokenFile, '--cluster-name', 'east']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /kshield: sent the result to http:\/\/127\.0\.0\.1:\d+ \(scan \d+\)/);
    assert.match(r.stdout, /^Image: oci-layout /, 'the table is printed as without --report-to');
    const scans = (await (await fetch(`${serve.url}/api/images?source=east`, { headers: { Authorization: `Bearer ${DASHBOARD_TOKEN}` } })).json()) as Obj[];
    assert.deepEqual(scans.map((x) => [x.scan.source, x.scan.command, x.images]), [['east', 'image', 1]]);
    const wrong = path.join(dir, 'wrong-token');
    writeFileSync(wrong, 'not-the-dashboard-token-0000\n');
    const refused = kshield(['image', 'oci-layout', path.join(dir, 'images/shop'), '--no-vulns', '--fail-on', 'none', '--report-to', serve.url, '--report-token-file', wrong]);
    assert.equal(refused.code, 0, 'the exit code stays the image\'s');
    assert.match(refused.stderr, /kshield: error: --report-to: http:\/\/127\.0\.0\.1:\d+ refused the report \(HTTP 401/);
  });

  test('POST /api/runtime: lines written by another tool or an older version have their secrets redacted on the way to the browser; bad bodies are refused', async () => {
    const secret = 'Zq8vLr2Pw9Xk4TnB7mYcQ3';
    const alert = { id: 'other-tool-1', source: 'generic', rule: 'Read sensitive file', priority: 'warning', time: '2026-01-30T13:00:00Z' };
    const lines = [
      { audit: 'kshield.respond', event: 'action', time: '2026-01-30T13:00:01Z', alert, policyRule: 'files', step: 0, action: 'notify', status: 'failed', reason: `the hook answered 500 for curl -d DB_PASSWORD=${secret}`, target: { namespace: 'shop', pod: 'api-1' }, objects: [], mitre: { techniques: [], tactics: [] }, dryRun: false },
      { audit: 'kshield.respond', event: 'posture', time: '2026-01-30T13:00:02Z', alert, posture: { pod: 'shop/api-1', status: 'linked', notes: [`env API_TOKEN=${secret}`] } },
    ];
    const post = (body: unknown, query = '') => fetch(`${serve.url}/api/runtime${query}`, { method: 'POST', headers: { Authorization: `Bearer ${DASHBOARD_TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const stored = await post({ kshieldRuntime: 1, source: 'other', lines });
    assert.equal(stored.status, 201);
    assert.deepEqual(await stored.json(), { source: 'other', lines: 2, used: 2, skipped: 0, newAlerts: 1, updatedAlerts: 0, newActions: 1 });
    const text = await (await fetch(`${serve.url}/api/runtime/alerts?source=other`, { headers: { Authorization: `Bearer ${DASHBOARD_TOKEN}` } })).text();
    assert.ok(!text.includes(secret), text);
    assert.match(text, /DB_PASSWORD=<redacted, [^>]+>/);
    assert.match(text, /API_TOKEN=<redacted, [^>]+>/);

    const missing = await post({ lines });
    assert.equal(missing.status, 400);
    assert.match(((await missing.json()) as Obj).error, /name the cluster these alerts are from/);
    const notLines = await post({ text: 'not json at all\n' }, '?cluster=other');
    assert.equal(notLines.status, 400);
    assert.match(((await notLines.json()) as Obj).error, /^line 1 of the audit log is not valid JSON/);
    const anonymous = await fetch(`${serve.url}/api/runtime`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ source: 'x', lines }) });
    assert.equal(anonymous.status, 401);
  });

  test('the report flags are checked before respond starts', () => {
    const senders = path.join(dir, 'senders');
    writeFileSync(senders, `${SENDER_TOKEN}\n`);
    const r = kshield(['respond', '--policy', policy, '--insecure-http', '--address', '127.0.0.1', '--token-file', senders, '--cluster-name', 'east']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--cluster-name goes with --report-to/);
    const bad = kshield(['respond', '--policy', policy, '--insecure-http', '--address', '127.0.0.1', '--token-file', senders, '--report-to', 'ftp://dashboard.example']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--report-to ftp:\/\/dashboard.example: only http:\/\/ and https:\/\/ are supported/);
  });
});
