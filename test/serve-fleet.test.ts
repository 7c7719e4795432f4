/**
 * A fleet reporting into one dashboard: two real control planes (test/support/k8s/cluster), each
 * scanned by `kshield cluster --report-to` into one `kshield serve` over HTTPS with a token, storing
 * in PostgreSQL; both clusters then stand side by side in the API and in the overview. Also: a push
 * with a wrong token or to nothing says so and keeps the scan's output and exit code, and `serve
 * --interval` scans a real cluster by itself.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import https from 'node:https';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kshieldAsync } from './support/cli.js';
import { CLUSTER_SCRIPT, readClusterEnv, skipUnlessRealCluster, type ClusterEnv } from './support/real-cluster.js';
import { startPostgres, skipUnlessPostgres, type TestPostgres } from './support/postgres.js';
import { launchChromium, browserMissing } from './support/browser.js';
import { startServe, type RunningServe } from './support/serve.js';
import { freePort } from './support/ports.js';
import { generateWebhookCertificates } from '../src/admission/certs.js';

type Obj = Record<string, any>;

const clusterSkip = skipUnlessRealCluster('the kshield serve fleet test');
const pgSkip = skipUnlessPostgres('the kshield serve fleet test');

const TOKEN = 'fleet-token-0123456789abcdef0123456789abcdef';

/** Each cluster's workload: a namespace and a Deployment with a team label and a finding of its own. */
function workload(ns: string, team: string, hostNetwork: boolean): string {
  return `apiVersion: v1
kind: Namespace
metadata:
  name: ${ns}
  labels:
    team: ${team}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${ns}-api
  namespace: ${ns}
  labels:
    team: ${team}
spec:
  replicas: 1
  selector:
    matchLabels: {app: ${ns}-api}
  template:
    metadata:
      labels: {app: ${ns}-api}
    spec:
      hostNetwork: ${hostNetwork}
      containers:
        - name: api
          image: registry.example/${ns}/api:1.0
          securityContext:
            privileged: ${!hostNetwork}
`;
}

describe('kshield serve: a fleet of two clusters reporting into one dashboard (PostgreSQL)', { skip: clusterSkip.skip || pgSkip.skip }, () => {
  let dir: string;
  let pg: TestPostgres;
  let serve: RunningServe;
  const clusters: { name: string; dir: string; env?: ClusterEnv }[] = [];
  let caFile: string;
  let tokenFile: string;
  const pushed: Record<string, { code: number | null; stdout: string; stderr: string }> = {};

  const getJson = (url: string, ca: string): Promise<{ status: number; body: any }> =>
    new Promise((resolve, reject) => {
      https
        .get(url, { ca, headers: { Authorization: `Bearer ${TOKEN}` } }, (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        })
        .on('error', reject);
    });

  const startCluster = (name: string, extra: string): ClusterEnv => {
    const cdir = path.join(dir, name);
    const started = spawnSync(CLUSTER_SCRIPT, ['start', cdir], { encoding: 'utf8', timeout: 180_000 });
    assert.equal(started.status, 0, `cluster start failed: ${started.stdout}${started.stderr}`);
    const env = readClusterEnv(cdir);
    clusters.push({ name, dir: cdir, env });
    const file = path.join(dir, `${name}.yaml`);
    writeFileSync(file, extra);
    const applied = spawnSync('kubectl', ['--kubeconfig', env.kubeconfig, 'apply', '-f', file], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(applied.status, 0, applied.stderr);
    return env;
  };

  const stopCluster = (name: string): void => {
    const c = clusters.find((x) => x.name === name);
    if (c) spawnSync(CLUSTER_SCRIPT, ['stop', c.dir], { encoding: 'utf8', timeout: 30_000 });
  };

  before(async () => {
    if (clusterSkip.missing) throw new Error(clusterSkip.missing);
    if (pgSkip.missing) throw new Error(pgSkip.missing);
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-serve-fleet-'));
    pg = await startPostgres();
    const certs = generateWebhookCertificates({ service: 'kshield-serve', namespace: 'test', ipAddresses: ['127.0.0.1'] });
    caFile = path.join(dir, 'ca.pem');
    writeFileSync(caFile, certs.caCert);
    writeFileSync(path.join(dir, 'tls.crt'), certs.cert);
    writeFileSync(path.join(dir, 'tls.key'), certs.key, { mode: 0o600 });
    tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    serve = await startServe(['--database', await pg.createDatabase(), '--token-file', tokenFile, '--tls-cert', path.join(dir, 'tls.crt'), '--tls-key', path.join(dir, 'tls.key')]);
    assert.match(serve.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.doesNotMatch(serve.stdout(), /token:/, 'a token given in a file is not printed');

    // One control plane at a time (each costs CPU); each pushes its scan, then stops.
    for (const [name, ns, team, hostNetwork] of [
      ['east', 'payments', 'payments', false],
      ['west', 'web', 'frontend', true],
    ] as const) {
      const env = startCluster(name, workload(ns, team, hostNetwork));
      pushed[name] = await kshieldAsync([
        'cluster',
        '--kubeconfig',
        env.kubeconfig,
        '--report-to',
        serve.url,
        '--report-token-file',
        tokenFile,
        '--report-ca',
        caFile,
        '--cluster-name',
        name,
        '-o',
        'json',
        '--fail-on',
        'critical',
      ]);
      if (name === 'east') {
        // While east runs: a wrong token, and a dashboard that is not there.
        const wrong = path.join(dir, 'wrong-token');
        writeFileSync(wrong, 'not-the-token\n');
        pushed['wrong-token'] = await kshieldAsync(['cluster', '--kubeconfig', env.kubeconfig, '--report-to', serve.url, '--report-token-file', wrong, '--report-ca', caFile, '-o', 'json', '--fail-on', 'critical']);
        pushed.unreachable = await kshieldAsync(['cluster', '--kubeconfig', env.kubeconfig, '--report-to', `http://127.0.0.1:${await freePort()}`, '--report-token-file', tokenFile, '-o', 'json', '--fail-on', 'critical']);
      }
      stopCluster(name);
    }
  });

  after(async () => {
    const code = await serve?.stop();
    for (const c of clusters) stopCluster(c.name);
    await pg?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    assert.equal(code, 0, serve?.stderr());
  });

  test('each cluster pushed its scan: the scan printed as usual, the push said where it went', () => {
    for (const name of ['east', 'west']) {
      const r = pushed[name];
      // privileged (east) is critical, hostNetwork (west) is high or above: --fail-on critical decides the code.
      assert.equal(r.code, name === 'east' ? 1 : 0, r.stderr);
      assert.ok(Array.isArray(JSON.parse(r.stdout).findings));
      assert.match(r.stderr, new RegExp(`sent the result to ${serve.url.replace(/\./g, '\\.')} \\(scan \\d+\\)`));
    }
  });

  test('both clusters side by side: each with its own server, findings and teams', async () => {
    const { status, body: sources } = await getJson(`${serve.url}/api/sources`, readCa());
    assert.equal(status, 200);
    assert.deepEqual(sources.map((s: Obj) => s.source).sort(), ['east', 'west']);
    for (const s of sources) {
      const env = clusters.find((c) => c.name === s.source)!.env!;
      assert.equal(s.latest.command, 'cluster');
      assert.equal(s.latest.cluster.server, env.server);
      assert.ok(s.latest.resources > 10, `${s.source}: ${s.latest.resources} objects`);
    }
    const east = sources.find((s: Obj) => s.source === 'east').latest;
    const west = sources.find((s: Obj) => s.source === 'west').latest;
    const eastPrivileged = await getJson(`${serve.url}/api/scans/${east.id}/findings?rule=privileged-container&limit=100`, readCa());
    assert.deepEqual(eastPrivileged.body.findings.map((f: Obj) => `${f.resource.kind} ${f.resource.namespace}/${f.resource.name} team=${f.team}`), ['Deployment payments/payments-api team=payments']);
    const westHost = await getJson(`${serve.url}/api/scans/${west.id}/findings?q=web-api&limit=100`, readCa());
    assert.ok(westHost.body.findings.some((f: Obj) => f.rule === 'host-network' && f.team === 'frontend'), JSON.stringify(westHost.body.findings.map((f: Obj) => f.rule)));
    assert.ok(!westHost.body.findings.some((f: Obj) => f.resource.namespace === 'payments'), 'west holds nothing of east');
    // The JSON each scan printed and what the dashboard stored agree.
    assert.equal(east.total, JSON.parse(pushed.east.stdout).findings.filter((f: Obj) => !f.suppressed).length);
  });

  test('each push brought its RBAC graph and reachability map, and compliance is judged from what was stored', async () => {
    const { body: sources } = await getJson(`${serve.url}/api/sources`, readCa());
    const east = sources.find((s: Obj) => s.source === 'east').latest;
    const rbac = (await getJson(`${serve.url}/api/scans/${east.id}/rbac`, readCa())).body;
    assert.equal(rbac.available, true, JSON.stringify(rbac));
    assert.equal(typeof rbac.toClusterAdmin, 'number');
    const reach = (await getJson(`${serve.url}/api/scans/${east.id}/reach`, readCa())).body;
    assert.equal(reach.available, true);
    assert.ok(reach.workloads > 0, `${reach.workloads} workloads`);
    const cis = (await getJson(`${serve.url}/api/compliance?scan=${east.id}&framework=cis-kubernetes@1.12`, readCa())).body;
    assert.equal(cis.notice, null);
    const privileged = cis.controls.find((c: Obj) => c.id === '5.2.2');
    assert.equal(privileged.status, 'fail');
    assert.ok(privileged.evidence.some((e: Obj) => e.findings?.some((f: Obj) => f.object === 'Deployment payments/payments-api')), JSON.stringify(privileged.evidence));
  });

  test('a wrong token: HTTP 401 said plainly; the scan is still printed and its exit code kept', () => {
    const r = pushed['wrong-token'];
    assert.equal(r.code, 1);
    assert.ok(JSON.parse(r.stdout).findings.length > 0);
    assert.match(r.stderr, /--report-to: .* refused the report \(HTTP 401: authentication required: the token is not valid\); the token in --report-token-file is not one this server accepts/);
    assert.doesNotMatch(r.stderr, /not-the-token/);
  });

  test('no dashboard there: "cannot reach", the scan still printed, exit code kept', () => {
    const r = pushed.unreachable;
    assert.equal(r.code, 1);
    assert.ok(JSON.parse(r.stdout).findings.length > 0);
    assert.match(r.stderr, /--report-to: cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): nothing listens there; is kshield serve running\?/);
  });

  test('the overview shows both clusters side by side in the browser', { skip: browserMissing() }, async () => {
    const browser = await launchChromium();
    try {
      const context = await browser.browser.newContext({ ignoreHTTPSErrors: true });
      const page = await context.newPage();
      await page.goto(`${serve.url}/#token=${TOKEN}`);
      await page.locator('#clusters .cluster').nth(1).waitFor();
      assert.deepEqual((await page.locator('#clusters .cluster h3').allInnerTexts()).sort(), ['east', 'west']);
      assert.doesNotMatch(page.url(), /token=/, 'the token is taken out of the address');
    } finally {
      await browser.close();
    }
  });

  function readCa(): string {
    return spawnSync('cat', [caFile], { encoding: 'utf8' }).stdout;
  }
});

describe('kshield serve --interval, under the RBAC kshield install serve grants: scans a real cluster by itself', { skip: clusterSkip.skip }, () => {
  let dir: string;
  let serve: RunningServe;
  let saKubeconfig: string;

  const kubectl = (kubeconfig: string, args: string[]): string => {
    const r = spawnSync('kubectl', ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    if (clusterSkip.missing) throw new Error(clusterSkip.missing);
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-serve-interval-'));
    const started = spawnSync(CLUSTER_SCRIPT, ['start', path.join(dir, 'c')], { encoding: 'utf8', timeout: 180_000 });
    assert.equal(started.status, 0, `cluster start failed: ${started.stdout}${started.stderr}`);
    const env = readClusterEnv(path.join(dir, 'c'));
    // The manifests applied as a user would; the dashboard's pod cannot run here (no kubelet), so its
    // ServiceAccount's token is used from outside, with exactly the RBAC the manifests grant.
    const manifests = path.join(dir, 'serve.yaml');
    const printed = spawnSync(process.execPath, [path.join(process.cwd(), 'dist/src/cli/main.js'), 'install', 'serve', '--tls-secret', 'kshield-serve-tls', '-o', manifests], { encoding: 'utf8' });
    assert.equal(printed.status, 0, printed.stderr);
    kubectl(env.kubeconfig, ['apply', '-f', manifests]);
    let token = '';
    for (let i = 0; i < 80 && !token; i++) {
      // v1.20's token controller gives the ServiceAccount a token Secret a moment after it exists.
      const name = kubectl(env.kubeconfig, ['-n', 'kshield-system', 'get', 'serviceaccount', 'kshield-serve', '-o', 'jsonpath={.secrets[0].name}']).trim();
      if (name) token = Buffer.from(kubectl(env.kubeconfig, ['-n', 'kshield-system', 'get', 'secret', name, '-o', 'jsonpath={.data.token}']), 'base64').toString('utf8');
      else await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(token, 'the ServiceAccount got a token');
    saKubeconfig = path.join(dir, 'sa.kubeconfig');
    writeFileSync(saKubeconfig, [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: c, cluster: {server: "' + env.server + '", certificate-authority-data: "' + Buffer.from(env.ca).toString('base64') + '"}}]',
      'users: [{name: kshield-serve, user: {token: "' + token + '"}}]',
      'contexts: [{name: kshield-serve, context: {cluster: c, user: kshield-serve}}]',
      'current-context: kshield-serve',
      '',
    ].join('\n'));
    serve = await startServe(['--database', path.join(dir, 'k.db'), '--interval', '10s', '--kubeconfig', saKubeconfig, '--cluster-name', 'lab']);
  });

  test('the granted RBAC covers every kind kshield cluster lists but Secrets', async () => {
    const r = await kshieldAsync(['cluster', '--kubeconfig', saKubeconfig, '-o', 'json', '--fail-on', 'none']);
    assert.equal(r.code, 0, r.stderr);
    const coverage = JSON.parse(r.stdout).coverage as Obj;
    assert.deepEqual([...new Set(coverage.notCovered.map((g: Obj) => g.kind))], ['Secret']);
    assert.match(coverage.notCovered[0].reason, /forbidden|403/i);
    assert.ok(coverage.covered.length > 10);
    // /metrics is granted too: encryption at rest is judged from inside the cluster, not noted away.
    const notes = (JSON.parse(r.stdout).notes ?? []) as Obj[];
    assert.deepEqual(notes.filter((n) => /\/metrics/.test(n.message)).map((n) => n.message), []);
  });

  after(async () => {
    const code = await serve?.stop();
    spawnSync(CLUSTER_SCRIPT, ['stop', path.join(dir, 'c')], { encoding: 'utf8', timeout: 30_000 });
    rmSync(dir, { recursive: true, force: true });
    assert.equal(code, 0, serve?.stderr());
  });

  test('a scan at start and another after the interval, stored as cluster "lab"', async () => {
    const auth = { Authorization: `Bearer ${serve.token}` };
    const deadline = Date.now() + 90_000;
    let scans: Obj[] = [];
    while (Date.now() < deadline) {
      scans = (await (await fetch(`${serve.url}/api/scans?source=lab`, { headers: auth })).json()) as Obj[];
      if (scans.length >= 2) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    assert.ok(scans.length >= 2, `${scans.length} scans after 90 s: ${serve.stderr()}`);
    assert.ok(scans.every((s) => s.command === 'cluster' && s.resources > 10));
    const session = (await (await fetch(`${serve.url}/api/session`, { headers: auth })).json()) as Obj;
    assert.equal(session.scanner.source, 'lab');
    assert.equal(session.scanner.intervalSeconds, 10);
    assert.equal(session.scanner.last.ok, true);
    // The dashboard's own scans carry the drawings and what compliance needs.
    for (const view of ['rbac', 'reach']) {
      const d = (await (await fetch(`${serve.url}/api/scans/${scans[0].id}/${view}`, { headers: auth })).json()) as Obj;
      assert.equal(d.available, true, `${view}: ${JSON.stringify(d).slice(0, 300)}`);
    }
    const cis = (await (await fetch(`${serve.url}/api/compliance?scan=${scans[0].id}&framework=cis-kubernetes@1.12`, { headers: auth })).json()) as Obj;
    assert.equal(cis.notice, null);
    assert.ok(cis.overall.pass + cis.overall.fail > 0, JSON.stringify(cis.overall));
  });
});
