/**
 * The manifests of `kshield install webhook` against a REAL kube-apiserver (v1.20.2, started by
 * test/support/k8s/cluster): every object passes the server's own validation in a dry run and
 * comes back with every field it was sent (a field the server does not know is dropped, so a
 * misspelt field shows up as missing), and the webhook configurations, once registered, send
 * exactly the requests they should: pods and Deployments outside the exempt namespaces go to the
 * webhook (which is not running here, so failurePolicy Fail refuses them), other kinds and exempt
 * namespaces never do.
 *
 * Not checked here, because v1.20 does not serve them: the PodDisruptionBudget (policy/v1 since
 * 1.21) and the cert-manager objects (no cert-manager). v1.20 does not set the
 * `kubernetes.io/metadata.name` namespace label (automatic since 1.21), so the test sets it the
 * way newer servers do.
 *
 * Without the binaries or etcd the suite is skipped with a loud message, unless
 * KSHIELD_INTEGRATION=required (CI), where it fails.
 */
import assert from 'node:assert/strict';
import { test, describe, before, after } from 'node:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { kshield } from './support/cli.js';
import { CLUSTER_SCRIPT, readClusterEnv, skipUnlessRealCluster, type ClusterEnv } from './support/real-cluster.js';

type Obj = Record<string, any>;

const script = CLUSTER_SCRIPT;
const { skip: skipReason, missing: why } = skipUnlessRealCluster('the real-API-server check of the webhook install manifests');

type Env = ClusterEnv;
const readEnv = readClusterEnv;

function call(env: Env, method: string, p: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(new URL(p, env.server), { method, ca: env.ca, headers: { Authorization: `Bearer ${env.admin}`, 'Content-Type': contentType, Accept: 'application/json' }, timeout: 30_000 }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${p} timed out`)));
    req.on('error', reject);
    req.end(data);
  });
}

/** The collection URL of an object, for the kinds the install prints. */
function collection(object: Obj): string {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  const plural: Record<string, string> = {
    Namespace: 'namespaces', ServiceAccount: 'serviceaccounts', ConfigMap: 'configmaps', Secret: 'secrets', Service: 'services', Pod: 'pods',
    ClusterRole: 'clusterroles', ClusterRoleBinding: 'clusterrolebindings', Deployment: 'deployments', NetworkPolicy: 'networkpolicies',
    ValidatingWebhookConfiguration: 'validatingwebhookconfigurations', MutatingWebhookConfiguration: 'mutatingwebhookconfigurations',
  };
  const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const ns = object.metadata.namespace ? `/namespaces/${object.metadata.namespace}` : '';
  return `${base}${ns}/${plural[object.kind]}`;
}

/** Paths of `sent` whose value is missing from, or different in, `stored`. */
function lostFields(sent: unknown, stored: unknown, at = ''): string[] {
  if (Array.isArray(sent)) {
    if (!Array.isArray(stored) || stored.length !== sent.length) return [`${at} (list)`];
    return sent.flatMap((v, i) => lostFields(v, stored[i], `${at}/${i}`));
  }
  if (sent !== null && typeof sent === 'object') {
    if (stored === null || typeof stored !== 'object') return [`${at} (object)`];
    return Object.entries(sent).flatMap(([k, v]) => lostFields(v, (stored as Obj)[k], `${at}/${k}`));
  }
  return sent === stored ? [] : [`${at}: sent ${JSON.stringify(sent)}, stored ${JSON.stringify(stored)}`];
}

async function waitForDefaultServiceAccount(env: Env, ns: string): Promise<void> {
  for (let i = 0; i < 80; i++) {
    // v1.20 admits pods only once the token controller has given the account its token Secret.
    const r = await call(env, 'GET', `/api/v1/namespaces/${ns}/serviceaccounts/default`);
    if (r.status === 200 && r.body?.secrets?.length > 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`no default ServiceAccount with a token in ${ns}`);
}

const POD = (ns: string, name: string): Obj => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } });

describe('kshield install webhook against a real API server (v1.20.2)', { skip: skipReason, timeout: 240_000 }, () => {
  let dir: string;
  let env: Env;
  let objects: Obj[];

  before(() => {
    if (why) assert.fail(`KSHIELD_INTEGRATION=required but ${why}`);
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-k8s-install-'));
    const started = spawnSync(script, ['start', dir], { encoding: 'utf8', timeout: 180_000 });
    assert.equal(started.status, 0, `cluster start failed: ${started.stdout}${started.stderr}`);
    env = readEnv(dir);
    // A short timeout: the webhook does not run here, and each refused request waits for it.
    const r = kshield(['install', 'webhook', '--generate-certs', '--timeout-seconds', '3', '--exempt-namespace', 'platform']);
    assert.equal(r.code, 0, r.stderr);
    objects = (yaml.loadAll(r.stdout) as Obj[]).filter(Boolean);
  });

  after(() => {
    if (dir) {
      spawnSync(script, ['stop', dir], { encoding: 'utf8', timeout: 30_000 });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('every object passes the server\'s validation and keeps every field it was sent', async () => {
    const namespace = objects.find((o) => o.kind === 'Namespace')!;
    const created = await call(env, 'POST', '/api/v1/namespaces', namespace);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(lostFields(namespace, created.body), []);

    const checked: string[] = [];
    for (const object of objects) {
      if (object.kind === 'Namespace') continue;
      if (object.kind === 'PodDisruptionBudget') {
        assert.equal(object.apiVersion, 'policy/v1');
        continue;
      }
      const r = await call(env, 'POST', `${collection(object)}?dryRun=All`, object);
      assert.equal(r.status, 201, `${object.kind}/${object.metadata.name}: ${r.status} ${JSON.stringify(r.body?.message)}`);
      assert.deepEqual(lostFields(object, r.body), [], `${object.kind}/${object.metadata.name} lost fields`);
      checked.push(object.kind);
    }
    assert.deepEqual(checked, [
      'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'Secret', 'Service', 'Deployment',
      'NetworkPolicy', 'NetworkPolicy', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration',
    ]);

    // The comparison does catch a field the server does not know.
    const deployment = structuredClone(objects.find((o) => o.kind === 'Deployment')!);
    deployment.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem = true;
    const r = await call(env, 'POST', `${collection(deployment)}?dryRun=All`, deployment);
    assert.equal(r.status, 201);
    assert.deepEqual(lostFields(deployment, r.body), ['/spec/template/spec/containers/0/securityContext/readOnlyRootFileSystem: sent true, stored undefined']);
  });

  test('registered, the webhooks receive pods and Deployments outside the exempt namespaces, and nothing else', async () => {
    for (const ns of ['shop', 'platform']) {
      const r = await call(env, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      assert.equal(r.status, 201);
    }
    // Kubernetes 1.21+ sets this label on every namespace; v1.20 does not, so set it as they would.
    for (const ns of ['shop', 'platform', 'kshield-system', 'kube-system']) {
      const r = await call(env, 'PATCH', `/api/v1/namespaces/${ns}`, { metadata: { labels: { 'kubernetes.io/metadata.name': ns } } }, 'application/merge-patch+json');
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    for (const ns of ['shop', 'platform', 'kshield-system', 'kube-system']) await waitForDefaultServiceAccount(env, ns);
    for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
      const object = objects.find((o) => o.kind === kind)!;
      const r = await call(env, 'POST', collection(object), object);
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }

    // A pod in a watched namespace goes to the webhook first; it is not running, so Fail refuses it.
    const refused = await call(env, 'POST', '/api/v1/namespaces/shop/pods', POD('shop', 'web'));
    assert.equal(refused.status, 500, JSON.stringify(refused.body));
    assert.match(refused.body.message, /failed calling webhook "mutate\.kshield\.io": Post "https:\/\/kshield-webhook\.kshield-system\.svc:443\/mutate\?timeout=3s"/);

    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } },
    };
    const refusedDeployment = await call(env, 'POST', '/apis/apps/v1/namespaces/shop/deployments', deployment);
    assert.equal(refusedDeployment.status, 500);
    assert.match(refusedDeployment.body.message, /failed calling webhook "mutate\.kshield\.io"/);

    // Kinds the webhooks do not judge are never sent to them.
    const configMap = await call(env, 'POST', '/api/v1/namespaces/shop/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { a: 'b' } });
    assert.equal(configMap.status, 201, JSON.stringify(configMap.body));

    // Exempt namespaces (the webhook's own, kube-system, --exempt-namespace) are never sent.
    for (const ns of ['kshield-system', 'kube-system', 'platform']) {
      const r = await call(env, 'POST', `/api/v1/namespaces/${ns}/pods`, POD(ns, 'web'));
      assert.equal(r.status, 201, `${ns}: ${JSON.stringify(r.body?.message)}`);
    }
  });
});
