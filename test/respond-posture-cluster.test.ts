/**
 * Alerts linked to posture, end to end against a REAL kube-apiserver and controller manager
 * (v1.20.2, test/support/k8s/cluster): `kshield respond` is spawned as a user runs it; its posture
 * cache lists and watches the API server; a Deployment whose service account is bound to
 * cluster-admin, reachable from another namespace through a NetworkPolicy, gets a Falco alert;
 * the alert's posture (the audit line, notify's payloads, GET /v1/alerts/ID) names its open
 * findings, the RBAC path to cluster-admin, the allowed ingress and the image's vulnerable package.
 * A Secret's value in the namespace appears nowhere in what respond writes.
 *
 * Without the binaries or etcd the suite is skipped with a loud message, unless
 * KSHIELD_INTEGRATION=required (CI), where it fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cli } from './support/cli.js';
import { freePort } from './support/ports.js';
import { CLUSTER_SCRIPT, readClusterEnv, skipUnlessRealCluster, type ClusterEnv } from './support/real-cluster.js';
import { loadKubeClient } from '../src/sources/kube-client.js';
import { falcoShellAlert, type Obj } from './support/respond.js';

const { skip: skipReason, missing: why } = skipUnlessRealCluster('the real-API-server test of alerts linked to posture');

const TOKEN = 'posture-cluster-sender-token-0123456789';
const SECRET_VALUE = 'posture-cluster-s3cret-9c1e-value';
const IMAGE = 'registry.example/shop/web:1.4.2';

/** The shape `kshield image REF -o json` writes (subject, packages, vulnerabilities), for the image the Deployment runs. */
const IMAGE_REPORT = {
  subject: { name: IMAGE, kind: 'registry', manifestDigest: `sha256:${'4e'.repeat(32)}`, layers: [] },
  packages: [],
  findings: [],
  notes: [],
  summary: {},
  vulnerabilities: {
    vulnerabilities: [
      { id: 'CVE-2024-0727', aliases: ['DSA-5621-1'], severity: 'high', package: { name: 'openssl', version: '3.0.11-1~deb12u2', ecosystem: 'Debian:12', purl: 'pkg:deb/debian/openssl@3.0.11-1~deb12u2' }, fixed: '3.0.13-1~deb12u1', suppressed: false },
    ],
  },
};

function call(base: string, method: string, p: string, body?: unknown): Promise<{ status: number; text: string; body: any }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(`${base}${p}`, { method, headers: { Authorization: `Bearer ${TOKEN}`, ...(data ? { 'Content-Type': 'application/json' } : {}) } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function until<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('alerts linked to posture against a real API server (v1.20.2)', { skip: skipReason, timeout: 300_000 }, () => {
  let dir: string;
  let env: ClusterEnv;
  let respond: ChildProcess | undefined;
  let stdout = '';
  let stderr = '';
  let base = '';
  let notifyServer: http.Server;
  const notified: { path: string; text: string }[] = [];
  let podName = '';
  const lines = (): Obj[] => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));

  before(async () => {
    if (why) assert.fail(`KSHIELD_INTEGRATION=required but ${why}`);
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-k8s-posture-'));
    const started = spawnSync(CLUSTER_SCRIPT, ['start', dir], { encoding: 'utf8', timeout: 180_000 });
    assert.equal(started.status, 0, `cluster start failed: ${started.stdout}${started.stderr}`);
    env = readClusterEnv(dir);
    const client = await loadKubeClient({ kubeconfig: env.kubeconfig });
    const core = client.kc.makeApiClient(client.k8s.CoreV1Api);
    const apps = client.kc.makeApiClient(client.k8s.AppsV1Api);
    const net = client.kc.makeApiClient(client.k8s.NetworkingV1Api);
    const rbac = client.kc.makeApiClient(client.k8s.RbacAuthorizationV1Api);
    await core.createNamespace({ body: { metadata: { name: 'shop' } } });
    await core.createNamespace({ body: { metadata: { name: 'ops', labels: { team: 'ops' } } } });
    await core.createNamespacedServiceAccount({ namespace: 'shop', body: { metadata: { name: 'web' } } });
    await core.createNamespacedSecret({ namespace: 'shop', body: { metadata: { name: 'db' }, type: 'Opaque', stringData: { password: SECRET_VALUE } } });
    // The bootstrap ClusterRole cluster-admin, bound to the Deployment's account.
    await rbac.createClusterRoleBinding({ body: { metadata: { name: 'web-is-admin' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'shop' }] } });
    await net.createNamespacedNetworkPolicy({
      namespace: 'shop',
      body: { metadata: { name: 'web-from-ops' }, spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [{ _from: [{ namespaceSelector: { matchLabels: { team: 'ops' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }] } },
    });
    await apps.createNamespacedDeployment({
      namespace: 'shop',
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { serviceAccountName: 'web', containers: [{ name: 'app', image: IMAGE, ports: [{ containerPort: 8080 }], securityContext: { privileged: true } }] } },
        },
      },
    });
    // v1.20 admits pods only once the token controller has given the accounts their token Secrets.
    await until('the ops client pod', async () => {
      await core.createNamespacedPod({ namespace: 'ops', body: { metadata: { name: 'client', labels: { app: 'client' } }, spec: { containers: [{ name: 'c', image: 'registry.example/ops/client:1' }] } } });
      return true;
    });
    podName = await until('the Deployment\'s pod', async () => ((await core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app=web' })) as Obj).items[0]?.metadata.name as string | undefined);

    notifyServer = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        notified.push({ path: req.url ?? '', text });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => notifyServer.listen(0, '127.0.0.1', r));
    const notifyPort = (notifyServer.address() as AddressInfo).port;
    writeFileSync(
      path.join(dir, 'policy.yaml'),
      `rules:
  - name: shells
    match: { rules: ["Terminal shell in container"] }
    actions:
      - action: label
      - action: notify
        with: { url: "http://127.0.0.1:${notifyPort}/slack", retries: 0 }
      - action: notify
        with: { url: "http://127.0.0.1:${notifyPort}/json", format: json, retries: 0 }
`,
    );
    writeFileSync(path.join(dir, 'images.json'), JSON.stringify(IMAGE_REPORT, null, 2));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    respond = spawn(
      process.execPath,
      [cli, 'respond', '--policy', path.join(dir, 'policy.yaml'), '--insecure-http', '--address', '127.0.0.1', '--port', String(port), '--kubeconfig', env.kubeconfig, '--namespace', 'kshield-system', '--images', path.join(dir, 'images.json')],
      { env: { ...process.env, KSHIELD_RESPOND_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    respond.stdout!.on('data', (c) => (stdout += c));
    respond.stderr!.on('data', (c) => (stderr += c));
    await until('the posture cache synced', () => lines().some((l) => l.event === 'posture-cache-synced'), 60_000).catch((err) => {
      throw new Error(`${err.message}\n${stdout}\n${stderr}`);
    });
  });

  after(async () => {
    if (respond && respond.exitCode === null) {
      respond.kill('SIGTERM');
      await new Promise((r) => respond!.once('exit', r));
    }
    notifyServer?.close();
    if (dir) {
      spawnSync(CLUSTER_SCRIPT, ['stop', dir], { encoding: 'utf8', timeout: 30_000 });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a Falco alert for the Deployment's pod: its posture names the privileged finding, the path to cluster-admin, the ingress from ops and the vulnerable package", async (t) => {
    const r = await call(base, 'POST', '/v1/alerts/falco?wait=true', falcoShellAlert('shop', podName));
    assert.equal(r.status, 200, r.text);
    const alertId = r.body.responses[0].alert as string;
    assert.deepEqual(r.body.responses[0].steps.map((s: Obj) => [s.outcome.action, s.outcome.status]), [['label', 'done'], ['notify', 'done'], ['notify', 'done']]);

    const line = await until('the posture line', () => lines().find((l) => l.event === 'posture' && l.alert.id === alertId));
    const p = line.posture;
    assert.equal(p.status, 'linked', JSON.stringify(p));
    assert.equal(p.pod, `shop/${podName}`);
    assert.equal(p.workload.kind, 'Deployment');
    assert.equal(p.workload.name, 'web');
    assert.equal(p.serviceAccount, 'shop/web');
    // Open findings: privileged on the pod and on the objects it is made from.
    const privileged = p.findings.open.filter((f: Obj) => f.rule === 'privileged-container');
    assert.deepEqual(privileged.map((f: Obj) => f.object.split(' ')[0]), ['Pod', 'ReplicaSet', 'Deployment']);
    assert.equal(privileged[0].severity, 'critical');
    // RBAC: the account's path to cluster-admin through the binding.
    assert.equal(p.rbac.reachesClusterAdmin, true);
    assert.ok(p.rbac.paths.some((x: Obj) => x.steps.join(' ').includes('web-is-admin')), JSON.stringify(p.rbac));
    // Reachability: only the ops namespace's pod, on 8080.
    assert.deepEqual(p.reachability.inbound, [{ peer: 'ops/Pod/client', ports: ['TCP/8080'] }]);
    // --images: the image's vulnerable package.
    assert.deepEqual(p.images[0].vulnerabilities.map((v: Obj) => `${v.id} ${v.package} ${v.version} ${v.fixed}`), ['CVE-2024-0727 openssl 3.0.11-1~deb12u2 3.0.13-1~deb12u1']);
    assert.equal(p.cache.synced, true);
    assert.deepEqual(p.cache.notKept, []);
    t.diagnostic(`posture computed in ${p.ms} ms over ${p.cache.objects} objects`);

    // notify: the Slack text's summary, and the whole posture in the json payload.
    const slack = JSON.parse(notified.find((n) => n.path === '/slack')!.text);
    assert.match(slack.text, new RegExp(`Posture of shop/${podName} \\(Deployment shop/web\\): open findings: \\d+ critical`));
    assert.match(slack.text, /Reachable from: ops\/Pod\/client \(TCP\/8080\)\./);
    assert.match(slack.text, /Service account shop\/web reaches cluster-admin/);
    assert.match(slack.text, /Vulnerable packages: 1 high/);
    const json = JSON.parse(notified.find((n) => n.path === '/json')!.text);
    assert.equal(json.posture.rbac.reachesClusterAdmin, true);

    // The API: the alert with its steps and its posture.
    const got = await call(base, 'GET', `/v1/alerts/${alertId}`);
    assert.equal(got.status, 200, got.text);
    assert.equal(got.body.posture.status, 'linked');
    assert.equal(got.body.steps[0].outcome.action, 'label');

    // The Secret of the namespace: its value (and its base64) nowhere in what respond wrote or sent.
    const everything = stdout + stderr + notified.map((n) => n.text).join('\n') + got.text;
    assert.ok(everything.length > 1000);
    assert.ok(!everything.includes(SECRET_VALUE), 'the Secret value appears in respond output');
    assert.ok(!everything.includes(Buffer.from(SECRET_VALUE).toString('base64')), 'the Secret value (base64) appears in respond output');
  });
});
