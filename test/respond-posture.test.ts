/**
 * Alerts linked to posture in `kshield respond`, wired as the command wires it: the posture cache
 * (live-objects.ts) lists and watches the test API server, the engine writes each alert's posture
 * after its steps, notify carries it, GET /v1/alerts/ID and the approvals list show it; image
 * results come from a real `kshield image -o json`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kshield } from './support/cli.js';
import { startTestApiServer, writeKubeconfig, type TestApiServer } from './support/k8s-api-server.js';
import { writeImageFixtures } from './support/image-fixtures.js';
import { DEBIAN_OPENSSL_ADVISORY } from './support/osv-records.js';
import { captureLog, engineFor, falcoShellAlert, recordingAction, type Obj } from './support/respond.js';
import { loadKubeClient } from '../src/sources/kube-client.js';
import { ApiClient } from '../src/runtime/watch/api.js';
import { LiveObjects } from '../src/runtime/respond/live-objects.js';
import { LivePosture, POSTURE_PENDING, IMAGES_UNKNOWN, postureSummary, type AlertPosture } from '../src/runtime/respond/alert-posture.js';
import { parseImageResults } from '../src/runtime/respond/image-results.js';
import { falcoDecoder } from '../src/runtime/respond/decoders/index.js';
import { RespondServer } from '../src/runtime/respond/server.js';
import { UsageError } from '../src/core/errors.js';
import type { ImageObjectView } from '../src/images/image-object.js';

const SECRET_VALUE = 'posture-unit-s3cret-value-7f3a';
const TOKEN = 'posture-sender-token-0123456789';
const POD = 'web-7d9f8c6b5-x2x4q';

function objects(digest: string): Obj[] {
  const template = { metadata: { labels: { app: 'web' } }, spec: { serviceAccountName: 'web', containers: [{ name: 'app', image: 'registry.example/shop/web:1.4.2', ports: [{ containerPort: 8080 }], securityContext: { privileged: true } }] } };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop' } } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ops', labels: { 'kubernetes.io/metadata.name': 'ops', team: 'ops' } } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: 'shop' } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', uid: 'd-web' }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template } },
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web-7d9f8c6b5', namespace: 'shop', uid: 'rs-web', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-web', controller: true }] },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template },
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: POD, namespace: 'shop', uid: 'pod-web', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9f8c6b5', uid: 'rs-web', controller: true }] },
      spec: { ...template.spec, nodeName: 'node-1' },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'app', image: 'registry.example/shop/web:1.4.2', imageID: `docker-pullable://registry.example/shop/web@${digest}` }] },
    },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client', namespace: 'ops', labels: { app: 'client' } }, spec: { containers: [{ name: 'c', image: 'registry.example/ops/client:1' }] } },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'web-from-ops', namespace: 'shop' },
      spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'ops' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }] },
    },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'cluster-admin' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { nonResourceURLs: ['*'], verbs: ['*'] }] },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'web-is-admin' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'shop' }],
    },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop' }, type: 'Opaque', data: { password: Buffer.from(SECRET_VALUE).toString('base64') } },
  ];
}

async function until<T>(what: string, check: () => T | undefined | false, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function request(base: string, method: string, p: string, token?: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${p}`, { method, headers: token ? { Authorization: `Bearer ${token}` } : {} }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('alerts linked to posture (test API server, real image results)', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'kshield-respond-posture-'));
  let server: TestApiServer;
  let live: LiveObjects;
  let images: ImageObjectView[];
  let imageName = '';
  let digest = '';
  let notifyServer: http.Server;
  let notifyUrl = '';
  const notified: { path: string; body: Obj }[] = [];
  let kubeconfig = '';

  before(async () => {
    // A real `kshield image -o json` with a vulnerability database folder.
    await writeImageFixtures(path.join(work, 'images'));
    mkdirSync(path.join(work, 'db'));
    writeFileSync(path.join(work, 'db', 'DSA-0001-1.json'), JSON.stringify(DEBIAN_OPENSSL_ADVISORY));
    const r = kshield(['image', 'oci-layout', path.join(work, 'images/shop'), '--db', path.join(work, 'db'), '--max-db-age', '100000d', '-o', 'json', '--fail-on', 'none']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    digest = report.subject.manifestDigest;
    imageName = report.subject.name;
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    images = parseImageResults(r.stdout, 'image.json');

    server = await startTestApiServer({ objects: objects(digest), identities: { responder: { forbid: ['secrets'] } } });
    kubeconfig = path.join(work, 'kubeconfig');
    writeKubeconfig(kubeconfig, server, { responder: server.tokens.responder });
    const { kc } = await loadKubeClient({ kubeconfig });
    live = new LiveObjects({ api: new ApiClient(kc, 5000), log: captureLog().log, forbiddenRetryMs: 60_000 });

    notifyServer = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        notified.push({ path: req.url ?? '', body: JSON.parse(text) });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => notifyServer.listen(0, '127.0.0.1', resolve));
    notifyUrl = `http://127.0.0.1:${(notifyServer.address() as AddressInfo).port}`;
  });

  after(async () => {
    await live?.stop();
    await server?.close();
    notifyServer?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const policy = () => `
rules:
  - name: shells
    match: { rules: ["Terminal shell in container"] }
    actions:
      - action: label
      - action: notify
        with: { url: "${notifyUrl}/slack", retries: 0 }
      - action: notify
        with: { url: "${notifyUrl}/json", format: json, retries: 0 }
  - name: miners
    match: { rules: ["Detect crypto miners*"] }
    actions:
      - action: approve
      - action: label
`;

  const alertFor = (pod: string, extra: Obj = {}) => falcoDecoder.decode(falcoShellAlert('shop', pod, extra), new Date())[0];
  /** The posture line, written after the alert is answered. */
  const postureLine = async (lines: Obj[]): Promise<Obj> => {
    const until = Date.now() + 20_000;
    for (;;) {
      const line = lines.find((l) => l.event === 'posture');
      if (line) return line;
      if (Date.now() > until) assert.fail('no posture line within 20 s');
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  test('before the cache is synced: the posture says pending, and the action is not held up', async () => {
    const calls: { params: Obj; dryRun: boolean; pod: string }[] = [];
    const { engine, cluster, lines } = engineFor(policy(), [recordingAction('label', calls)], { posture: new LivePosture({ objects: live, images }) });
    cluster.addPod('shop', POD);
    const response = await engine.handle(alertFor(POD));
    assert.deepEqual(calls.map((c) => c.pod), [`shop/${POD}`]);
    assert.equal(response.steps[0].outcome.status, 'done');
    // The alert is answered first; its posture line follows once no alert is being handled.
    assert.equal(lines.filter((l) => l.event === 'posture').length, 0);
    const line = await postureLine(lines);
    assert.equal(line.posture.status, POSTURE_PENDING);
    assert.equal(line.posture.cache.synced, false);
    assert.match(notified.find((n) => n.path === '/slack')!.body.text, /Posture of shop\/web-7d9f8c6b5-x2x4q: pending: cache not yet synced\./);
    engine.close();
    notified.length = 0;
  });

  test('synced: the alert\'s posture line names the open findings, the RBAC path to cluster-admin, the allowed ingress and the vulnerable packages', async () => {
    await live.start();
    assert.equal(await live.waitForSync(10_000), true);
    // Secrets are asked for as token Secrets only; this identity may not list them: said, not fatal.
    assert.ok(server.requests.some((r) => r.startsWith('GET /api/v1/secrets?') && r.includes('fieldSelector=type%3Dkubernetes.io%2Fservice-account-token')), server.requests.join('\n'));
    const calls: { params: Obj; dryRun: boolean; pod: string }[] = [];
    const { engine, cluster, lines } = engineFor(policy(), [recordingAction('label', calls)], { posture: new LivePosture({ objects: live, images }) });
    cluster.addPod('shop', POD);
    const alert = alertFor(POD);
    await engine.handle(alert);
    // One posture line, after the steps' lines, keyed by the alert's id.
    await postureLine(lines);
    const at = lines.findIndex((l) => l.event === 'posture');
    assert.ok(at > lines.findIndex((l) => l.event === 'action' && l.action === 'label'));
    const posture: AlertPosture = lines[at].posture;
    assert.equal(lines[at].alert.id, alert.id);
    assert.equal(lines.filter((l) => l.event === 'posture').length, 1);
    assert.equal(posture.status, 'linked');
    assert.deepEqual(posture.workload, { kind: 'Deployment', namespace: 'shop', name: 'web', objects: [`Pod shop/${POD}`, 'ReplicaSet shop/web-7d9f8c6b5', 'Deployment shop/web'] });
    const privileged = posture.findings!.open.filter((f) => f.rule === 'privileged-container');
    assert.deepEqual(privileged.map((f) => f.object), [`Pod shop/${POD}`, 'ReplicaSet shop/web-7d9f8c6b5', 'Deployment shop/web']);
    assert.ok(posture.findings!.counts.critical >= 3);
    assert.equal(posture.rbac!.reachesClusterAdmin, true);
    assert.match(JSON.stringify(posture.rbac!.paths), /web-is-admin/);
    assert.deepEqual(posture.reachability!.inbound, [{ peer: 'ops/Pod/client', ports: ['TCP/8080'] }]);
    // The image result matched by the digest that runs (the report names the image by its layout path).
    assert.notEqual(imageName, 'registry.example/shop/web:1.4.2');
    const image = (posture.images as Obj[])[0];
    assert.equal(image.scanned, true);
    assert.ok(image.vulnerabilities.some((v: Obj) => v.package === 'libssl1.1' && (v.id === 'DSA-0001-1' || v.aliases.includes('DSA-0001-1'))), JSON.stringify(image));
    assert.ok(posture.cache.notKept.some((n) => /^Secret: forbidden/.test(n)), JSON.stringify(posture.cache));
    assert.ok(posture.ms >= 0);
    // The Slack text: findings by severity, who reaches it, its account reaching cluster-admin.
    const slack = notified.find((n) => n.path === '/slack')!.body;
    assert.deepEqual(Object.keys(slack), ['text']);
    assert.match(slack.text, /Posture of shop\/web-7d9f8c6b5-x2x4q \(Deployment shop\/web\): open findings: \d+ critical/);
    assert.match(slack.text, /Reachable from: ops\/Pod\/client \(TCP\/8080\)\./);
    assert.match(slack.text, /Service account shop\/web reaches cluster-admin: .*web-is-admin/);
    assert.match(slack.text, /Vulnerable packages: .*\(1 of 1 images in the results\)/);
    // The json format carries the whole posture.
    const json = notified.find((n) => n.path === '/json')!.body;
    assert.equal(json.posture.status, 'linked');
    assert.equal(json.posture.rbac.reachesClusterAdmin, true);
    // The Secret's value is nowhere.
    assert.doesNotMatch(JSON.stringify(lines) + JSON.stringify(notified), new RegExp(SECRET_VALUE));
    assert.doesNotMatch(JSON.stringify(lines) + JSON.stringify(notified), new RegExp(Buffer.from(SECRET_VALUE).toString('base64')));
    engine.close();
    notified.length = 0;
  });

  test('GET /v1/alerts/ID: authenticated, the alert with its steps and its posture now; approvals list the posture in brief', async () => {
    const { engine, cluster, log } = engineFor(policy(), [recordingAction('label', [])], { posture: new LivePosture({ objects: live }) });
    cluster.addPod('shop', POD);
    const srv = new RespondServer({ tokens: [TOKEN], decoders: [falcoDecoder], engine, log });
    const address = await srv.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${address.port}`;
    try {
      const alert = alertFor(POD);
      await engine.handle(alert);
      assert.equal((await request(base, 'GET', `/v1/alerts/${alert.id}`)).status, 401);
      const got = await request(base, 'GET', `/v1/alerts/${alert.id}`, TOKEN);
      assert.equal(got.status, 200);
      assert.equal(got.body.alert.id, alert.id);
      assert.deepEqual(got.body.rules, ['shells']);
      assert.equal(got.body.steps[0].outcome.action, 'label');
      assert.equal(got.body.posture.status, 'linked');
      // Without --images the part says so.
      assert.equal(got.body.posture.images, IMAGES_UNKNOWN);
      assert.equal((await request(base, 'GET', '/v1/alerts/0123456789abcdef', TOKEN)).status, 404);
      assert.equal((await request(base, 'POST', `/v1/alerts/${alert.id}`, TOKEN)).status, 405);
      // A held chain: the approver sees the blast radius in brief.
      await engine.handle(falcoDecoder.decode(falcoShellAlert('shop', POD, { rule: 'Detect crypto miners using the Stratum protocol', priority: 'Critical' }), new Date())[0]);
      const pending = await request(base, 'GET', '/v1/approvals', TOKEN);
      assert.equal(pending.status, 200);
      assert.equal(pending.body.pending.length, 1);
      assert.equal(pending.body.pending[0].posture.reachesClusterAdmin, true);
      assert.equal(pending.body.pending[0].posture.workload, 'Deployment shop/web');
      assert.ok(pending.body.pending[0].posture.findings.critical >= 3);
    } finally {
      await srv.close();
      engine.close();
      notified.length = 0;
    }
  });

  test('a change in the cluster is seen: the binding deleted, the account no longer reaches cluster-admin', async () => {
    const posture = new LivePosture({ objects: live });
    assert.equal(posture.forPod('shop', POD).rbac!.reachesClusterAdmin, true);
    const before = live.generation;
    await until('the watch on clusterrolebindings', () => server.requests.some((r) => r.startsWith('GET /apis/rbac.authorization.k8s.io/v1/clusterrolebindings?watch')));
    server.emit('DELETED', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'web-is-admin', resourceVersion: '9001' } });
    await until('the deletion', () => live.generation > before);
    const after = posture.forPod('shop', POD);
    assert.equal(after.rbac!.reachesClusterAdmin, false);
    assert.match(postureSummary(after), /Service account shop\/web does not reach cluster-admin/);
  });

  test('a pod the cache does not hold: "not found", said in the summary', () => {
    const p = new LivePosture({ objects: live }).forPod('shop', 'gone-1');
    assert.match(p.status, /^not found: pod shop\/gone-1 is not among the \d+ objects known/);
    assert.equal(postureSummary(p), `Posture of shop/gone-1: ${p.status}.`);
  });

  // A stop that comes while a kind is still being listed must end its watch too (it once stayed open
  // until the server's watch timeout, minutes): the timeout turns such a hang into a failure.
  test('bounded: past --posture-max-objects the cache keeps no more, and the posture says so', { timeout: 60_000 }, async () => {
    const { kc } = await loadKubeClient({ kubeconfig });
    const small = new LiveObjects({ api: new ApiClient(kc, 5000), log: captureLog().log, maxObjects: 4, forbiddenRetryMs: 60_000 });
    try {
      await small.start();
      assert.equal(await small.waitForSync(10_000), true);
      assert.equal(small.store.size, 4);
      const p = new LivePosture({ objects: small }).forPod('shop', POD);
      assert.match(p.cache.full!, /the cache holds its maximum of 4 objects \(--posture-max-objects\); \d+ objects were not kept/);
    } finally {
      await small.stop();
    }
  });
});

describe('--images: image results', () => {
  const report = (name: string, digest: string, severity = 'high') => ({
    subject: { name, kind: 'registry', manifestDigest: digest, layers: [] },
    packages: [],
    findings: [],
    vulnerabilities: {
      vulnerabilities: [
        { id: 'CVE-2024-0727', aliases: ['DSA-5621-1'], severity, package: { name: 'openssl', version: '3.0.11-1', ecosystem: 'Debian:12', purl: 'pkg:deb/debian/openssl@3.0.11-1' }, fixed: '3.0.13-1', suppressed: false },
        { id: 'CVE-2000-0001', aliases: [], severity: 'critical', package: { name: 'zlib1g', version: '1.2.13', purl: 'pkg:deb/debian/zlib1g@1.2.13' }, fixed: null, suppressed: true },
      ],
    },
  });

  test('several kshield image reports one after another (a loop over images), suppressed vulnerabilities left out', () => {
    const text = JSON.stringify(report('registry.example/a:1', `sha256:${'a'.repeat(64)}`), null, 2) + '\n' + JSON.stringify(report('registry.example/b:1', `sha256:${'b'.repeat(64)}`, 'medium'), null, 2) + '\n';
    const views = parseImageResults(text, 'images.json');
    assert.deepEqual(views.map((v) => [v.metadata.name, v.image.manifestDigest, v.vulnerabilities!.map((x) => `${x.id} ${x.severity} ${v.packages[x.package].name} ${x.fixed ?? '-'}`)]), [
      ['registry.example/a:1', `sha256:${'a'.repeat(64)}`, ['CVE-2024-0727 high openssl 3.0.13-1']],
      ['registry.example/b:1', `sha256:${'b'.repeat(64)}`, ['CVE-2024-0727 medium openssl 3.0.13-1']],
    ]);
    // A JSON array of them reads the same.
    assert.equal(parseImageResults(JSON.stringify([report('x:1', `sha256:${'c'.repeat(64)}`)]), 'a.json').length, 1);
  });

  test('a kshield scan --images report: its vulnerable-package findings on ContainerImage objects, read back from their messages', () => {
    const finding = (image: string, message: string, severity = 'high') => ({ rule: 'vulnerable-package', severity, message, resource: { apiVersion: 'kshield.io/v1', kind: 'ContainerImage', namespace: null, name: image }, suppressed: false });
    const views = parseImageResults(
      JSON.stringify({
        format: 2,
        findings: [
          finding('registry.example/shop/api:1.0', 'libssl1.1 1.1.1n-0+deb10u6 (source openssl 1.1.1n-0+deb10u6) in /var/lib/dpkg/status (layer 0, made by Dockerfile:2 RUN apt-get install -y libssl1.1) has DSA-0001-1 (CVE-2023-0001), 7.5: fixed in 1.1.1n-0+deb10u7. A flaw. Matched: source package openssl 1.1.1n-0+deb10u6'),
          finding('registry.example/shop/api:1.0', 'raised from medium to high: Deployment "api" (namespace shop) runs it privileged (container "api"). zlib1g 1:1.2.13 has CVE-2023-45853: no fixed version yet. Matched: x'),
          { rule: 'privileged-container', severity: 'critical', message: 'x', resource: { kind: 'Pod', name: 'p' }, suppressed: false },
        ],
      }),
      'scan.json',
    );
    assert.equal(views.length, 1);
    assert.deepEqual(views[0].vulnerabilities!.map((v) => [v.id, views[0].packages[v.package].name, views[0].packages[v.package].version, v.fixed ?? null]), [
      ['DSA-0001-1', 'libssl1.1', '1.1.1n-0+deb10u6', '1.1.1n-0+deb10u7'],
      ['CVE-2023-45853', 'zlib1g', '1:1.2.13', null],
    ]);
  });

  test('bad input: a usage error naming the file and what is wrong', () => {
    assert.throws(() => parseImageResults('{"subject": {"name": "a"}} {"nope', 'images.json'), (e: Error) => e instanceof UsageError && /--images images\.json: not JSON: the file ends inside a JSON value/.test(e.message));
    assert.throws(() => parseImageResults('{"hello": 1}', 'x.json'), (e: Error) => e instanceof UsageError && /--images x\.json: neither an image report/.test(e.message));
    assert.throws(() => parseImageResults('[1]', 'x.json'), /expected a JSON object written by kshield image/);
  });
});
