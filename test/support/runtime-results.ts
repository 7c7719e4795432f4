/**
 * Real results for the dashboard's images and runtime pages (test/serve-runtime-*.test.ts):
 *
 * - `imageResult(work)`: what `kshield image oci-layout … -o json` writes for the example image
 *   (test/support/image-fixtures.ts) matched against a vulnerability folder (the repository's OSV
 *   fixtures plus a Debian 10 openssl advisory), run as a user runs it;
 * - `respondAuditLog(work, digest)`: the JSON lines `kshield respond`'s engine writes for three
 *   alerts (a shell that is labelled and notified, a miner held for approval, a shell in a protected
 *   namespace refused), with each alert's posture computed by the real posture cache over the test
 *   API server, whose pod runs that image by digest and holds a Secret (whose value must never
 *   reach a page).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { kshield, root } from './cli.js';
import { startTestApiServer, writeKubeconfig } from './k8s-api-server.js';
import { writeImageFixtures } from './image-fixtures.js';
import { DEBIAN_OPENSSL_ADVISORY } from './osv-records.js';
import { captureLog, engineFor, falcoMinerAlert, falcoShellAlert, recordingAction, type Obj } from './respond.js';
import { loadKubeClient } from '../../src/sources/kube-client.js';
import { ApiClient } from '../../src/runtime/watch/api.js';
import { LiveObjects } from '../../src/runtime/respond/live-objects.js';
import { LivePosture } from '../../src/runtime/respond/alert-posture.js';
import { parseImageResults } from '../../src/runtime/respond/image-results.js';
import { falcoDecoder } from '../../src/runtime/respond/decoders/index.js';

export const RUNTIME_SECRET_VALUE = 'runtime-page-s3cret-value-9c2e';
export const POD = 'web-7d9f8c6b5-x2x4q';
export const IMAGE_REF = 'registry.example/shop/web:1.4.2';

/** `kshield image -o json` of the example image, with vulnerabilities; its text and parsed value. */
export async function imageResult(work: string): Promise<{ text: string; report: Obj; file: string }> {
  await writeImageFixtures(path.join(work, 'images'));
  const db = path.join(work, 'db');
  mkdirSync(db, { recursive: true });
  cpSync(path.join(root, 'test/fixtures/osv/db'), db, { recursive: true });
  writeFileSync(path.join(db, 'DSA-0001-1.json'), JSON.stringify(DEBIAN_OPENSSL_ADVISORY));
  const file = path.join(work, 'image.json');
  const r = kshield(['image', 'oci-layout', path.join(work, 'images/shop'), '--db', db, '--max-db-age', '100000d', '--fail-on', 'none', '-o', `json=${file}`]);
  assert.equal(r.code, 0, r.stderr);
  const text = readFileSync(file, 'utf8');
  return { text, report: JSON.parse(text) as Obj, file };
}


function objects(digest: string): Obj[] {
  const template = { metadata: { labels: { app: 'web' } }, spec: { serviceAccountName: 'web', containers: [{ name: 'app', image: IMAGE_REF, ports: [{ containerPort: 8080 }], securityContext: { privileged: true } }] } };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop' } } },
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
      spec: { ...template.spec, nodeName: 'node-1', containers: [{ ...template.spec.containers[0], env: [{ name: 'DB_PASSWORD', value: RUNTIME_SECRET_VALUE }] }] },
      status: { phase: 'Running', containerStatuses: [{ name: 'app', image: IMAGE_REF, imageID: `docker-pullable://registry.example/shop/web@${digest}` }] },
    },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop' }, type: 'Opaque', data: { password: Buffer.from(RUNTIME_SECRET_VALUE).toString('base64') } },
  ];
}

async function waitFor(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** respond's audit lines (JSON lines text, as on its standard output) for three alerts, with posture. */
export async function respondAuditLog(work: string, image: { text: string; report: Obj }): Promise<{ text: string; lines: Obj[] }> {
  const digest = String(image.report.subject.manifestDigest);
  const server = await startTestApiServer({ objects: objects(digest) });
  const notified: Obj[] = [];
  const notifyServer = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      notified.push(JSON.parse(body));
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => notifyServer.listen(0, '127.0.0.1', resolve));
  const notifyUrl = `http://127.0.0.1:${(notifyServer.address() as AddressInfo).port}`;
  const kubeconfig = path.join(work, 'kubeconfig');
  writeKubeconfig(kubeconfig, server, { responder: server.tokens.admin });
  const { kc } = await loadKubeClient({ kubeconfig });
  const live = new LiveObjects({ api: new ApiClient(kc, 5000), log: captureLog().log, forbiddenRetryMs: 60_000 });
  try {
    await live.start();
    assert.equal(await live.waitForSync(10_000), true);
    const images = parseImageResults(image.text, 'image.json');
    const policy = `
settings:
  protect:
    namespaces: [kube-system]
rules:
  - name: shells
    match: { rules: ["Terminal shell in container"] }
    actions:
      - action: label
      - action: notify
        with: { url: "${notifyUrl}/json", format: json, retries: 0 }
  - name: miners
    match: { rules: ["Detect crypto miners*"] }
    actions:
      - action: approve
      - action: label
`;
    const { engine, cluster, lines } = engineFor(policy, [recordingAction('label', [])], { posture: new LivePosture({ objects: live, images }) });
    cluster.addPod('shop', POD);
    cluster.addPod('shop', 'worker-1');
    cluster.addPod('kube-system', 'coredns-1');
    const decode = (body: Obj) => falcoDecoder.decode(body, new Date())[0];
    await engine.handle(decode(falcoShellAlert('shop', POD)));
    await engine.handle(decode(falcoMinerAlert('shop', 'worker-1')));
    await engine.handle(decode(falcoShellAlert('kube-system', 'coredns-1', { time: '2026-01-30T12:03:00.000000000Z' })));
    await waitFor('three posture lines', () => lines.filter((l) => l.event === 'posture').length >= 3);
    engine.close();
    const text = lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
    return { text, lines };
  } finally {
    await live.stop();
    await server.close();
    notifyServer.close();
  }
}
