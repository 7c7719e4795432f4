/**
 * The API server's audit webhook, for real: kube-apiserver v1.20.2 (test/support/k8s/cluster) is
 * started with the audit policy, webhook kubeconfig and flags of src/runtime/audit-install.ts (plus
 * --anonymous-auth=true) pointed at a small HTTPS receiver in this test, which checks the bearer
 * token and judges each EventList with auditDecoder, as `kshield respond` does. Requests are made
 * as kubectl makes them, and the alerts are what the decoder returned for what the API server sent.
 *
 * Without the binaries or etcd the suite is skipped with a loud message, unless
 * KSHIELD_INTEGRATION=required, where it fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLUSTER_SCRIPT, readClusterEnv, skipUnlessRealCluster, type ClusterEnv } from './support/real-cluster.js';
import { generateWebhookCertificates } from '../src/admission/certs.js';
import { auditDecoder } from '../src/runtime/audit.js';
import { auditApiServerFlags, auditPolicy, auditWebhookKubeconfig, toYaml } from '../src/runtime/audit-install.js';
import { AlertInputError, type RuntimeAlert } from '../src/runtime/alert.js';
import { resourcesFromObjects } from '../src/sources/files.js';
import type { Resource } from '../src/core/types.js';

type Obj = Record<string, any>;
const { skip, missing } = skipUnlessRealCluster('the audit webhook against a real API server');
const NS = 'audit-e2e';

interface Reply {
  status: number;
  body: any;
}

/** One request as kubectl makes it: as the admin, or with no credentials at all (anonymous). */
function api(env: ClusterEnv, method: string, p: string, body?: unknown, as: 'admin' | 'anonymous' = 'admin'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Accept: 'application/json', 'Content-Type': 'application/json' };
    if (as === 'admin') headers.Authorization = `Bearer ${env.admin}`;
    const req = https.request(new URL(p, env.server), { method, ca: env.ca, headers, timeout: 20_000 }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // health endpoints answer text
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${p} timed out`)));
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function eventually<T>(attempt: () => Promise<T | undefined> | T | undefined, what: string, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`timed out after ${ms} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

describe('the API server audit webhook → auditDecoder', { skip }, () => {
  let dir = '';
  let clusterDir = '';
  let env: ClusterEnv;
  let server: https.Server;
  const token = randomBytes(24).toString('hex');
  const alerts: RuntimeAlert[] = [];
  /** Every event the API server sent (final stage), by request URI, to prove a request was judged. */
  const events: Obj[] = [];
  const refusedBodies: string[] = [];
  let unauthorized = 0;
  /** The live objects the decoder judges Secrets reads against, as `kshield respond` keeps them (here: listed on demand). */
  let live: Resource[] | undefined;
  const snapshot = async (): Promise<Resource[]> => {
    const lists: [string, string, string][] = [
      ['/api/v1/serviceaccounts', 'v1', 'ServiceAccount'],
      ['/api/v1/pods', 'v1', 'Pod'],
      ['/apis/rbac.authorization.k8s.io/v1/roles', 'rbac.authorization.k8s.io/v1', 'Role'],
      ['/apis/rbac.authorization.k8s.io/v1/clusterroles', 'rbac.authorization.k8s.io/v1', 'ClusterRole'],
      ['/apis/rbac.authorization.k8s.io/v1/rolebindings', 'rbac.authorization.k8s.io/v1', 'RoleBinding'],
      ['/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', 'rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'],
    ];
    const objects: Obj[] = [];
    for (const [p, apiVersion, kind] of lists) {
      const r = await api(env, 'GET', p);
      assert.equal(r.status, 200, p);
      for (const item of r.body.items) objects.push({ ...item, apiVersion, kind });
    }
    return resourcesFromObjects(objects).resources;
  };

  /** Waits until the API server has sent the final-stage event of a request matching `match`. */
  const delivered = (match: (e: Obj) => boolean, what: string) => eventually(() => events.find((e) => e.stage === 'ResponseComplete' && match(e)), `the audit event of ${what}`);
  const alertFor = (rule: string, match: (a: RuntimeAlert) => boolean, what: string) => eventually(() => alerts.find((a) => a.rule === rule && match(a)), `an ${rule} alert for ${what}`);

  before(async () => {
    if (missing) assert.fail(`KSHIELD_INTEGRATION=required but ${missing}`);
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-audit-e2e-'));
    const certs = generateWebhookCertificates({ service: 'kshield-respond', namespace: 'kshield-system', ipAddresses: ['127.0.0.1'], days: 1 });
    const decoder = auditDecoder({ liveObjects: () => live });
    server = https.createServer({ cert: certs.cert, key: certs.key }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.headers.authorization !== `Bearer ${token}`) {
          unauthorized++;
          res.writeHead(401).end();
          return;
        }
        const body = Buffer.concat(chunks);
        try {
          const parsed = JSON.parse(body.toString('utf8')) as Obj;
          for (const item of parsed.items ?? []) events.push(item);
          alerts.push(...decoder.decode(body, new Date()));
          res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
        } catch (e) {
          if (e instanceof AlertInputError) refusedBodies.push(e.message);
          res.writeHead(400).end(String((e as Error).message));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const policyFile = path.join(dir, 'audit-policy.yaml');
    const webhookConfigFile = path.join(dir, 'audit-webhook.kubeconfig');
    writeFileSync(policyFile, toYaml(auditPolicy()));
    writeFileSync(webhookConfigFile, toYaml(auditWebhookKubeconfig({ url: `https://127.0.0.1:${port}`, caPem: certs.caCert, token })), { mode: 0o600 });
    clusterDir = path.join(dir, 'cluster');
    const flags = [...auditApiServerFlags({ policyFile, webhookConfigFile }), '--anonymous-auth=true'];
    const started = spawnSync(CLUSTER_SCRIPT, ['start', clusterDir, '--', ...flags], { encoding: 'utf8', timeout: 180_000 });
    assert.equal(started.status, 0, `cluster start failed: ${started.stdout}${started.stderr}`);
    env = readClusterEnv(clusterDir);
    const ns = await api(env, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    assert.equal(ns.status, 201, JSON.stringify(ns.body));
    // Pods are refused until the namespace's default ServiceAccount exists.
    await eventually(async () => ((await api(env, 'GET', `/api/v1/namespaces/${NS}/serviceaccounts/default`)).status === 200 ? true : undefined), 'the default ServiceAccount');
  });

  after(() => {
    if (clusterDir) spawnSync(CLUSTER_SCRIPT, ['stop', clusterDir], { encoding: 'utf8', timeout: 60_000 });
    server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a pods/exec POST (what kubectl exec sends) is an alert about the pod, though the exec itself fails without a kubelet', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: 'registry.example.com/shop/web:1.4.2' }] } };
    assert.equal((await api(env, 'POST', `/api/v1/namespaces/${NS}/pods`, pod)).status, 201);
    const exec = await api(env, 'POST', `/api/v1/namespaces/${NS}/pods/web/exec?command=sh&container=app&stdin=true&stdout=true&tty=true`);
    // No node runs the pod: the API server cannot reach a kubelet and says so.
    assert.ok(exec.status >= 400, `exec answered ${exec.status}`);
    const alert = await alertFor('audit-pod-exec', (a) => a.target?.pod === 'web', 'the exec');
    assert.deepEqual(alert.target, { namespace: NS, pod: 'web', container: 'app' });
    assert.equal(alert.source, 'audit');
    assert.equal(alert.priority, 'error');
    assert.deepEqual(alert.mitre, { techniques: ['T1609'], tactics: ['execution'] });
    assert.equal(alert.fields['audit.verb'], 'create');
    assert.equal(alert.fields['audit.code'], exec.status);
    assert.match(alert.output, new RegExp(`^"admin" asked to open \\(the API server answered ${exec.status}\\) an exec session in pod ${NS}/web \\(container "app"\\)$`));
    // The ordinary pod create (no privilege) made no alert; one alert for the exec, however many stages were recorded.
    assert.equal(alerts.filter((a) => a.target?.pod === 'web').length, 1);
    assert.equal(unauthorized, 0);
    assert.deepEqual(refusedBodies, []);
  });

  test('a privileged pod created is an alert naming the container, read from the request the policy records', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'debug' },
      spec: { containers: [{ name: 'sh', image: 'busybox:1.36', securityContext: { privileged: true } }], volumes: [{ name: 'host', hostPath: { path: '/etc' } }] },
    };
    assert.equal((await api(env, 'POST', `/api/v1/namespaces/${NS}/pods`, pod)).status, 201);
    const alert = await alertFor('audit-privileged-pod-created', (a) => a.target?.pod === 'debug', 'the privileged pod');
    assert.deepEqual(alert.target, { namespace: NS, pod: 'debug' });
    assert.equal(alert.output, `"admin" created Pod ${NS}/debug with privileged container "sh"; "admin" created Pod ${NS}/debug mounting the node's "/etc" (hostPath volume "host")`);
    assert.equal(alert.fields['audit.level'], 'Request');
  });

  test('an anonymous request RBAC refuses, or a health check, is no alert; one a binding allows is', async () => {
    const refused = await api(env, 'GET', `/api/v1/namespaces/${NS}/pods?anon=refused`, undefined, 'anonymous');
    assert.equal(refused.status, 403);
    const health = await api(env, 'GET', '/healthz', undefined, 'anonymous');
    assert.equal(health.status, 200);
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pod-lister', namespace: NS }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }] };
    assert.equal((await api(env, 'POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles`, role)).status, 201);
    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'anonymous-pod-lister', namespace: NS },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-lister' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:unauthenticated' }],
    };
    assert.equal((await api(env, 'POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, binding)).status, 201);
    const allowed = await eventually(async () => {
      const r = await api(env, 'GET', `/api/v1/namespaces/${NS}/pods?anon=allowed`, undefined, 'anonymous');
      return r.status === 200 ? r : undefined;
    }, 'RBAC to allow the anonymous list');
    assert.equal(allowed.status, 200);
    const alert = await alertFor('audit-anonymous-request-allowed', (a) => a.fields['object.namespace'] === NS, 'the allowed anonymous list');
    assert.equal(alert.output, `an anonymous request (system:anonymous) was allowed: list pods in namespace ${NS} answered 200`);
    assert.equal(alert.priority, 'error');
    // The refused request and the health check were delivered and judged: no alert came of them.
    await delivered((e) => e.requestURI === `/api/v1/namespaces/${NS}/pods?anon=refused`, 'the refused anonymous list');
    await delivered((e) => e.requestURI === '/healthz' && e.user?.username === 'system:anonymous', 'the anonymous health check');
    assert.equal(alerts.filter((a) => a.rule === 'audit-anonymous-request-allowed').length, 1);
    // A binding to a role that can only list pods is not a powerful binding.
    await delivered((e) => e.objectRef?.name === 'anonymous-pod-lister', 'the binding');
    assert.equal(alerts.filter((a) => a.rule === 'audit-powerful-role-binding').length, 0);
  });

  test('a binding to cluster-admin and a token minted for another account are alerts', async () => {
    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'mallory-admin' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'mallory' }],
    };
    assert.equal((await api(env, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', binding)).status, 201);
    const bound = await alertFor('audit-powerful-role-binding', (a) => a.fields['object.name'] === 'mallory-admin', 'the cluster-admin binding');
    assert.equal(bound.priority, 'critical');
    assert.equal(bound.output, '"admin" created ClusterRoleBinding mallory-admin granting ClusterRole cluster-admin, full control, cluster-wide to User mallory');
    const minted = await api(env, 'POST', `/api/v1/namespaces/${NS}/serviceaccounts/default/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } });
    assert.equal(minted.status, 201, JSON.stringify(minted.body));
    const token = await alertFor('audit-serviceaccount-token-other', (a) => a.fields['object.namespace'] === NS, 'the TokenRequest');
    assert.equal(token.output, `"admin" was issued a token for service account ${NS}/default`);
    // The token itself never reached the audit stream (the policy records the request, not the response).
    const event = await delivered((e) => e.auditID === token.fields['audit.id'], 'the TokenRequest');
    assert.equal(event.level, 'Request');
    assert.equal(event.responseObject, undefined);
    assert.ok(!JSON.stringify(events).includes(minted.body.status.token), 'the minted token is in no audit event');
  });

  test("a service account's reads: its pod's own Secret is no alert; another Secret, or the whole namespace's, is", async () => {
    for (const name of ['mine', 'other']) {
      const r = await api(env, 'POST', `/api/v1/namespaces/${NS}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: { password: randomBytes(12).toString('hex') } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    assert.equal((await api(env, 'POST', `/api/v1/namespaces/${NS}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reader' } })).status, 201);
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'secret-reader', namespace: NS }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }] };
    assert.equal((await api(env, 'POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles`, role)).status, 201);
    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'reader-secret-reader', namespace: NS },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'secret-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: NS }],
    };
    assert.equal((await api(env, 'POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, binding)).status, 201);
    // Binding a Role that reads the namespace's Secrets is itself reported, at medium (warning); the Role is judged from the live objects.
    live = await snapshot();
    const bound = await alertFor('audit-powerful-role-binding', (a) => a.fields['object.name'] === 'reader-secret-reader', 'the binding to the Secrets reader');
    assert.equal(bound.priority, 'warning');
    assert.equal(bound.output, `"admin" created RoleBinding ${NS}/reader-secret-reader granting Role secret-reader, a role that can read Secrets, in namespace ${NS} to ServiceAccount ${NS}/reader`);
    // The token controller of 1.20 writes the account a legacy token Secret: the account's credential for this test.
    const tokenSecret = await eventually(async () => {
      const sa = await api(env, 'GET', `/api/v1/namespaces/${NS}/serviceaccounts/reader`);
      return sa.body?.secrets?.[0]?.name as string | undefined;
    }, "the account's token Secret");
    // The ServiceAccount admission plugin of 1.20 refuses a pod (500, retry) until the account's token Secret exists.
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'reader' }, spec: { serviceAccountName: 'reader', containers: [{ name: 'app', image: 'registry.example.com/shop/reader:1.0.0', envFrom: [{ secretRef: { name: 'mine' } }] }] } };
    await eventually(async () => ((await api(env, 'POST', `/api/v1/namespaces/${NS}/pods`, pod)).status === 201 ? true : undefined), 'the reader pod to be admitted');
    const secret = await api(env, 'GET', `/api/v1/namespaces/${NS}/secrets/${tokenSecret}`);
    const saToken = Buffer.from(secret.body.data.token, 'base64').toString('utf8');
    live = await snapshot();
    const asReader = (p: string) =>
      new Promise<number>((resolve, reject) => {
        const req = https.request(new URL(p, env.server), { method: 'GET', ca: env.ca, headers: { Authorization: `Bearer ${saToken}`, Accept: 'application/json' } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end();
      });
    assert.equal(await asReader(`/api/v1/namespaces/${NS}/secrets/mine`), 200);
    assert.equal(await asReader(`/api/v1/namespaces/${NS}/secrets/other`), 200);
    assert.equal(await asReader(`/api/v1/namespaces/${NS}/secrets?limit=10`), 200);
    const other = await alertFor('audit-secret-read-unmounted', (a) => a.fields['object.name'] === 'other', 'the read of another Secret');
    assert.equal(other.output, `"system:serviceaccount:${NS}:reader" (1 pod spec runs as it) read Secret ${NS}/other, which its pods do not mount (get)`);
    assert.equal(other.priority, 'warning');
    assert.deepEqual(other.mitre, { techniques: ['T1552.007'], tactics: ['credential-access'] });
    const listed = await alertFor('audit-secret-read-unmounted', (a) => a.fields['audit.verb'] === 'list', 'the list of Secrets');
    assert.equal(listed.output, `"system:serviceaccount:${NS}:reader" (1 pod spec runs as it) read every Secret of namespace ${NS} (list)`);
    await delivered((e) => e.requestURI === `/api/v1/namespaces/${NS}/secrets/mine` && e.user?.username === `system:serviceaccount:${NS}:reader`, 'the read of its own Secret');
    assert.equal(alerts.filter((a) => a.rule === 'audit-secret-read-unmounted').length, 2);
    // The policy keeps Secrets at Metadata: no value read reached the audit stream.
    assert.ok(!JSON.stringify(events).includes(secret.body.data.token) && !JSON.stringify(events).includes(saToken), 'a Secret value is in an audit event');
  });

  test("the control plane's own traffic (bootstrap policy, controllers, the test's setup) raised no alert: only the requests above did", async () => {
    // Everything the API server did in this run has been delivered once the last request's event is.
    const marker = await api(env, 'GET', `/api/v1/namespaces/${NS}?marker=last`);
    assert.equal(marker.status, 200);
    await delivered((e) => e.requestURI === `/api/v1/namespaces/${NS}?marker=last`, 'the last request');
    assert.ok(events.length > 100, `the API server sent ${events.length} events`);
    assert.deepEqual(alerts.map((a) => a.rule).sort(), [
      'audit-anonymous-request-allowed',
      'audit-pod-exec',
      'audit-powerful-role-binding',
      'audit-powerful-role-binding',
      'audit-privileged-pod-created',
      'audit-secret-read-unmounted',
      'audit-secret-read-unmounted',
      'audit-serviceaccount-token-other',
    ], alerts.map((a) => `${a.rule}: ${a.output} (${a.fields['user.groups']})`).join('\n'));
  });
});
