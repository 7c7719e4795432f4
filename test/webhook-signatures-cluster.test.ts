/**
 * Signature rules end to end: `kshield webhook` as a process, registered with a REAL kube-apiserver
 * (v1.20.2, test/support/k8s/cluster) through the configurations `kshield install webhook` prints,
 * and Debian's real docker-registry on 127.0.0.1 holding images and cosign signatures the test
 * makes. A Pod with a signed image is stored pinned to the digest that was verified; a Pod with an
 * unsigned image is refused, the API server's error carrying kshield's reason.
 *
 * Without the control-plane binaries, etcd or docker-registry the suite is skipped with a loud
 * message, unless KSHIELD_INTEGRATION=required (CI), where it fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { cli, kshield } from './support/cli.js';
import { CLUSTER_SCRIPT, readClusterEnv, skipUnlessRealCluster, type ClusterEnv } from './support/real-cluster.js';
import { pushImage, registryMissing, startRegistry, type PushedImage, type Registry } from './support/docker-registry.js';
import { makeKey, pushCosignArtifact, signatureLayer, signBytes, simpleSigningPayload } from './support/signing.js';
import { generateWebhookCertificates } from '../src/admission/certs.js';

type Obj = Record<string, any>;

const cluster = skipUnlessRealCluster('the signature rules against a real API server');
const noRegistry = registryMissing();
const required = process.env.KSHIELD_INTEGRATION === 'required';
const skip = cluster.skip || (noRegistry && !required ? noRegistry : false);
const NAMESPACE = 'e2e-signed';

function api(env: ClusterEnv, method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(p, env.server), { method, ca: env.ca, headers: { Authorization: `Bearer ${env.admin}`, 'Content-Type': 'application/json', Accept: 'application/json' }, timeout: 20_000 }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${p} timed out`)));
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function eventually<T>(attempt: () => Promise<T | undefined>, what: string, ms: number): Promise<T> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const value = await attempt().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  return assert.fail(`timed out after ${ms} ms waiting for ${what}`);
}

function podOf(name: string, image: string): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NAMESPACE },
    spec: {
      automountServiceAccountToken: false,
      containers: [
        {
          name: 'app',
          image,
          resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
          securityContext: { runAsNonRoot: true, runAsUser: 10001, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        },
      ],
    },
  };
}

describe('signature rules with a real API server and a real registry', { skip, timeout: 180_000 }, () => {
  let dir: string | undefined;
  let clusterStarted = false;
  let env: ClusterEnv;
  let registry: Registry;
  let child: ChildProcess | undefined;
  let exited: Promise<number | null> | undefined;
  const images: Record<string, PushedImage> = {};
  const key = makeKey('ecdsa');
  let certs: ReturnType<typeof generateWebhookCertificates>;
  let webhookPort = 0;

  before(async () => {
    if (cluster.missing) assert.fail(`KSHIELD_INTEGRATION=required but ${cluster.missing}`);
    if (noRegistry) assert.fail(`KSHIELD_INTEGRATION=required but ${noRegistry}`);
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-signatures-e2e-'));
    registry = await startRegistry();
    for (const tag of ['signed', 'unsigned', 'burst']) images[tag] = await pushImage(registry.base, 'shop/api', tag);
    for (const tag of ['signed', 'burst']) {
      const payload = simpleSigningPayload(`${registry.host}/shop/api`, images[tag].digest);
      await pushCosignArtifact(registry.base, 'shop/api', images[tag], 'sig', [signatureLayer(payload, signBytes(key, payload))], 'cosign-tag');
    }

    certs = generateWebhookCertificates({ service: 'kshield-webhook', namespace: 'kshield-system', ipAddresses: ['127.0.0.1'], days: 1 });
    const files = { cert: path.join(dir, 'tls.crt'), key: path.join(dir, 'tls.key'), config: path.join(dir, 'kshield.yaml') };
    writeFileSync(files.cert, certs.cert);
    writeFileSync(files.key, certs.key, { mode: 0o600 });
    writeFileSync(path.join(dir, 'cosign.pub'), key.publicPem);
    writeFileSync(
      files.config,
      [
        'webhook:',
        '  actions: { severities: { medium: audit, low: audit, info: audit } }',
        '  registries:',
        `    hosts: { "${registry.host}": { insecureHttp: true } }`,
        '  imagePolicy:',
        '    timeoutMs: 4000', // below the 5 s timeoutSeconds the webhook configurations get here
        '    requireSignature:',
        `      - images: ["${registry.host}/shop/**"]`,
        '        keys: [cosign.pub]',
        '',
      ].join('\n'),
    );

    const clusterDir = path.join(dir, 'cluster');
    clusterStarted = true;
    const started = spawnSync(CLUSTER_SCRIPT, ['start', clusterDir], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(started.status, 0, `cluster start failed: ${started.stdout}${started.stderr}`);
    env = readClusterEnv(clusterDir);

    child = spawn(process.execPath, [cli, 'webhook', '--tls-cert', files.cert, '--tls-key', files.key, '--config', files.config, '--port', '0', '--address', '127.0.0.1', '--namespace', 'kshield-system'], {
      cwd: dir,
      env: { ...process.env, KUBECONFIG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exited = new Promise((resolve) => child!.on('exit', (code) => resolve(code)));
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const port = await Promise.race([
      new Promise<number>((resolve) => {
        let buffer = '';
        child!.stdout!.on('data', (chunk: Buffer) => {
          buffer += chunk.toString('utf8');
          for (const line of buffer.split('\n').slice(0, -1)) {
            const entry = JSON.parse(line) as Obj;
            if (entry.msg === 'kshield webhook listening') resolve(entry.port);
          }
          buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
        });
      }),
      exited.then((code) => Promise.reject(new Error(`kshield webhook exited with ${code}: ${stderr}`))),
    ]);

    webhookPort = port;
    const printed = kshield(['install', 'webhook', '--cert-manager', '--timeout-seconds', '5']);
    assert.equal(printed.code, 0, printed.stderr);
    for (const c of (yaml.loadAll(printed.stdout) as Obj[]).filter((o) => o && /^(Validating|Mutating)WebhookConfiguration$/.test(o.kind))) {
      c.metadata = { name: `e2e-signatures-${c.metadata.name}` };
      for (const w of c.webhooks) {
        w.clientConfig = { url: `https://127.0.0.1:${port}${w.clientConfig.service.path}`, caBundle: Buffer.from(certs.caCert).toString('base64') };
        w.namespaceSelector = { matchLabels: { 'kshield-e2e': 'signatures' } };
      }
      const r = await api(env, 'POST', `/apis/admissionregistration.k8s.io/v1/${c.kind === 'ValidatingWebhookConfiguration' ? 'validating' : 'mutating'}webhookconfigurations`, c);
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    const ns = await api(env, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE, labels: { 'kshield-e2e': 'signatures' } } });
    assert.equal(ns.status, 201, JSON.stringify(ns.body));
    // v1.20 admits pods only once the token controller has given the default account its Secret.
    await eventually(async () => ((await api(env, 'GET', `/api/v1/namespaces/${NAMESPACE}/serviceaccounts/default`)).body?.secrets?.length > 0 ? true : undefined), 'the default ServiceAccount', 30_000);
    // The API server loads webhook configurations asynchronously: wait until a dry run is refused.
    await eventually(
      async () => ((await api(env, 'POST', `/api/v1/namespaces/${NAMESPACE}/pods?dryRun=All`, podOf('probe', `${registry.host}/shop/api:unsigned`))).status === 403 ? true : undefined),
      'the webhook configurations to take effect',
      30_000,
    );
  });

  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    await registry?.stop();
    if (dir) {
      if (clusterStarted) spawnSync(CLUSTER_SCRIPT, ['stop', path.join(dir, 'cluster')], { encoding: 'utf8', timeout: 30_000 });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a Pod with a signed image is admitted and stored pinned to the digest that was verified', async () => {
    const image = `${registry.host}/shop/api:signed`;
    const r = await api(env, 'POST', `/api/v1/namespaces/${NAMESPACE}/pods`, podOf('signed', image));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const stored = (await api(env, 'GET', `/api/v1/namespaces/${NAMESPACE}/pods/signed`)).body;
    assert.equal(stored.spec.containers[0].image, `${image}@${images.signed.digest}`);
  });

  test('a Pod with an unsigned image is refused, the reason in the Status message', async () => {
    const image = `${registry.host}/shop/api:unsigned`;
    const r = await api(env, 'POST', `/api/v1/namespaces/${NAMESPACE}/pods`, podOf('unsigned', image));
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.equal(r.body.kind, 'Status');
    assert.equal(
      r.body.message,
      `admission webhook "validate.kshield.io" denied the request: kshield: Pod ${NAMESPACE}/unsigned: an image is refused by the signature policy:\n` +
        `- container "app" image ${image}@${images.unsigned.digest}: no signature verified (no-signature) [webhook.imagePolicy.requireSignature[0]]`,
    );
    assert.equal((await api(env, 'GET', `/api/v1/namespaces/${NAMESPACE}/pods/unsigned`)).status, 404);
  });

  test('200 Pods created at once through the API server with one new signed image make one verification, counted in /metrics', async () => {
    const metric = async (): Promise<Record<string, number>> => {
      const text = await new Promise<string>((resolve, reject) => {
        https.get({ host: '127.0.0.1', port: webhookPort, path: '/metrics', ca: certs.caCert, servername: 'kshield-webhook.kshield-system.svc' }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve(body));
        }).on('error', reject);
      });
      const out: Record<string, number> = {};
      for (const m of text.matchAll(/^(kshield_admission_signature_(?:verifications|cache)_total\{[^}]*\}) (\d+)$/gm)) out[m[1]] = Number(m[2]);
      return out;
    };
    const before = await metric();
    const image = `${registry.host}/shop/api:burst`;
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => api(env, 'POST', `/api/v1/namespaces/${NAMESPACE}/pods`, podOf(`burst-${i}`, image))));
    assert.deepEqual([...new Set(answers.map((a) => a.status))], [201], JSON.stringify(answers.find((a) => a.status !== 201)?.body));
    const stored = (await api(env, 'GET', `/api/v1/namespaces/${NAMESPACE}/pods/burst-199`)).body;
    assert.equal(stored.spec.containers[0].image, `${image}@${images.burst.digest}`);
    const after = await metric();
    const delta = (name: string): number => (after[name] ?? 0) - (before[name] ?? 0);
    assert.equal(delta('kshield_admission_signature_verifications_total{result="verified",reason="verified"}'), 1, JSON.stringify(after));
    assert.equal(delta('kshield_admission_signature_cache_total{outcome="miss"}'), 1);
    assert.equal(delta('kshield_admission_signature_cache_total{outcome="hit"}') + delta('kshield_admission_signature_cache_total{outcome="join"}'), 199);
  });
});
