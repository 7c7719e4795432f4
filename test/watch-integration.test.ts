/**
 * `kshield watch` against a REAL control plane (test/support/k8s/cluster: etcd, kube-apiserver and
 * kube-controller-manager v1.20.2 on 127.0.0.1): two replicas with a Lease, a privileged pod created
 * and a NetworkPolicy deleted seen within seconds (log lines and Kubernetes Events written by the
 * leader only), then the leader killed and the standby taking over within the lease duration.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { root } from './support/cli.js';
import { writeFileSync } from 'node:fs';
import { watchInstallDocuments } from '../src/runtime/watch/install.js';
import { CLUSTER_SCRIPT, readClusterEnv, skipUnlessRealCluster, type ClusterEnv } from './support/real-cluster.js';

const { skip: skipReason, missing: why } = skipUnlessRealCluster('the kshield watch real-cluster tests');
const NS = 'watch-it';
const LEASE_SECONDS = 4;
const RETRY_SECONDS = 1;

function call(env: ClusterEnv, method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
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

async function create(env: ClusterEnv, p: string, object: unknown): Promise<void> {
  // A new namespace's default ServiceAccount appears a moment later; pods are refused until then.
  for (let attempt = 0; attempt < 40; attempt++) {
    const r = await call(env, 'POST', p, object);
    if (r.status === 201 || r.status === 200) return;
    if (r.status !== 403 && r.status !== 500) assert.fail(`POST ${p}: ${r.status} ${JSON.stringify(r.body?.message)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.fail(`POST ${p} kept failing`);
}

interface Replica {
  child: ChildProcess;
  lines: Record<string, any>[];
  identity?: string;
  port?: number;
}

function startReplica(env: ClusterEnv, kubeconfig = env.kubeconfig, leaseNamespace = NS): Replica {
  const child = spawn(
    process.execPath,
    [
      path.join(root, 'dist/src/cli/main.js'), 'watch', '--kubeconfig', kubeconfig, '--lease-namespace', leaseNamespace, '--address', '127.0.0.1', '--port', '0',
      '--lease-duration', `${LEASE_SECONDS}s`, '--renew-deadline', '3s', '--retry-period', `${RETRY_SECONDS}s`, '--batch', '100ms',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const replica: Replica = { child, lines: [] };
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let nl: number;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const parsed = JSON.parse(line) as Record<string, any>;
      parsed.receivedAt = Date.now();
      replica.lines.push(parsed);
      if (typeof parsed.identity === 'string') replica.identity = parsed.identity;
      if (typeof parsed.port === 'number') replica.port = parsed.port;
    }
  });
  return replica;
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined && found !== false) return found;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('kshield watch against a real control plane (v1.20.2)', { skip: skipReason, timeout: 240_000 }, () => {
  let dir: string;
  let env: ClusterEnv;
  const replicas: Replica[] = [];
  let leader: Replica;
  let standby: Replica;

  before(async () => {
    if (why) assert.fail(`KSHIELD_INTEGRATION=required but ${why}`);
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-k8s-'));
    const started = spawnSync(CLUSTER_SCRIPT, ['start', dir], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(started.status, 0, `cluster start failed: ${started.stdout}${started.stderr}`);
    env = readClusterEnv(dir);
    await create(env, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await create(env, `/apis/networking.k8s.io/v1/namespaces/${NS}/networkpolicies`, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny' },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    replicas.push(startReplica(env), startReplica(env));
    for (const r of replicas) await until('the replica to sync', () => r.lines.some((l) => l.msg === 'watch synced'), 60_000);
    await until('a leader', () => replicas.find((r) => r.lines.some((l) => l.msg === 'became the leader')), 20_000);
  });

  after(async () => {
    for (const r of replicas) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    if (dir) {
      spawnSync(CLUSTER_SCRIPT, ['stop', dir], { encoding: 'utf8', timeout: 60_000 });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('one leader: it holds the Lease, the other stands by', async () => {
    const leaders = replicas.filter((r) => r.lines.some((l) => l.msg === 'became the leader'));
    assert.equal(leaders.length, 1, 'exactly one replica became the leader');
    leader = leaders[0];
    standby = replicas.find((r) => r !== leader)!;
    const lease = await call(env, 'GET', `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/kshield-watch`);
    assert.equal(lease.status, 200);
    assert.equal(lease.body.spec.holderIdentity, leader.identity);
    assert.equal(lease.body.spec.leaseDurationSeconds, LEASE_SECONDS);
    const metrics = async (r: Replica): Promise<string> => (await fetch(`http://127.0.0.1:${r.port}/metrics`)).text();
    assert.match(await metrics(leader), /^kshield_watch_leader 1$/m);
    assert.match(await metrics(standby), /^kshield_watch_leader 0$/m);
  });

  test('a privileged pod created: a new critical finding within seconds, logged by both, an Event written by the leader only', async () => {
    const created = Date.now();
    await create(env, `/api/v1/namespaces/${NS}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'priv', labels: { app: 'priv' } },
      spec: { automountServiceAccountToken: false, containers: [{ name: 'c', image: 'nginx:1.27', securityContext: { privileged: true } }] },
    });
    for (const r of replicas) {
      const line = await until('the finding.new line', () => r.lines.find((l) => l.event === 'finding.new' && l.rule === 'privileged-container' && l.object === `Pod/${NS}/priv`), 10_000);
      assert.equal(line.severity, 'critical');
      assert.ok(line.receivedAt - created < 5000, `seen ${line.receivedAt - created} ms after the create`);
    }
    const event = await until(
      'the KshieldFindingNew Event',
      async () => ((await call(env, 'GET', `/api/v1/namespaces/${NS}/events`)).body.items as any[]).find((e) => e.reason === 'KshieldFindingNew' && e.involvedObject.name === 'priv' && String(e.message).startsWith('privileged-container (critical)')),
      10_000,
    );
    assert.equal(event.type, 'Warning');
    assert.equal(event.involvedObject.kind, 'Pod');
    assert.equal(event.source.component, 'kshield-watch');
    const ours = ((await call(env, 'GET', `/api/v1/namespaces/${NS}/events`)).body.items as any[]).filter((e) => String(e.reason).startsWith('Kshield'));
    assert.deepEqual([...new Set(ours.map((e) => e.reportingInstance))], [leader.identity], 'only the leader writes Events');
  });

  test('a NetworkPolicy deleted: the namespace without a policy is a new finding within seconds', async () => {
    const deleted = Date.now();
    const r = await call(env, 'DELETE', `/apis/networking.k8s.io/v1/namespaces/${NS}/networkpolicies/default-deny`);
    assert.equal(r.status, 200);
    const line = await until('the finding.new line', () => leader.lines.find((l) => l.event === 'finding.new' && l.rule === 'namespace-without-network-policy' && l.object === `Namespace/${NS}`), 10_000);
    assert.ok(line.receivedAt - deleted < 5000, `seen ${line.receivedAt - deleted} ms after the delete`);
    // The Namespace is cluster-scoped: its Event goes to "default", as kubectl and the controllers do.
    await until(
      'the Event on the Namespace',
      async () => ((await call(env, 'GET', '/api/v1/namespaces/default/events')).body.items as any[]).find((e) => e.reason === 'KshieldFindingNew' && e.involvedObject.kind === 'Namespace' && e.involvedObject.name === NS && String(e.message).startsWith('namespace-without-network-policy')),
      10_000,
    );
  });

  test('the leader killed: the standby takes over within the lease duration (plus one retry)', async () => {
    const before = (await call(env, 'GET', `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/kshield-watch`)).body.spec;
    const killed = Date.now();
    leader.child.kill('SIGKILL');
    const line = await until('the standby to lead', () => standby.lines.find((l) => l.msg === 'became the leader'), 20_000);
    const took = line.receivedAt - killed;
    // The standby may take the Lease once it has seen the same record for the lease duration: at most
    // the duration plus one retry period (with its 20 % jitter) after the leader's last renewal.
    assert.ok(took <= (LEASE_SECONDS + RETRY_SECONDS * 1.2) * 1000 + 1000, `took over after ${took} ms`);
    const lease = (await call(env, 'GET', `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/kshield-watch`)).body.spec;
    assert.equal(lease.holderIdentity, standby.identity);
    assert.equal(lease.leaseTransitions, before.leaseTransitions + 1);
    assert.match(await (await fetch(`http://127.0.0.1:${standby.port}/metrics`)).text(), /^kshield_watch_leader 1$/m);
    // And the new leader writes the Events now.
    await call(env, 'DELETE', `/api/v1/namespaces/${NS}/pods/priv?gracePeriodSeconds=0`);
    await create(env, `/api/v1/namespaces/${NS}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'hostnet', labels: { app: 'hostnet' } },
      spec: { hostNetwork: true, automountServiceAccountToken: false, containers: [{ name: 'c', image: 'nginx:1.27' }] },
    });
    await until(
      'an Event from the new leader',
      async () => ((await call(env, 'GET', `/api/v1/namespaces/${NS}/events`)).body.items as any[]).find((e) => e.reason === 'KshieldFindingNew' && e.involvedObject.name === 'hostnet' && e.reportingInstance === standby.identity),
      10_000,
    );
  });

  test('under the RBAC `kshield install watch` grants: everything but Secrets is watched, it leads through its Lease, it writes Events', async () => {
    const docs = watchInstallDocuments({ namespace: 'kshield-system', name: 'kshield-watch', replicas: 2, image: 'kshield:test', version: 'test', eventMinSeverity: 'medium' });
    const paths: Record<string, string> = {
      Namespace: '/api/v1/namespaces',
      ServiceAccount: '/api/v1/namespaces/kshield-system/serviceaccounts',
      ClusterRole: '/apis/rbac.authorization.k8s.io/v1/clusterroles',
      ClusterRoleBinding: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
      Role: '/apis/rbac.authorization.k8s.io/v1/namespaces/kshield-system/roles',
      RoleBinding: '/apis/rbac.authorization.k8s.io/v1/namespaces/kshield-system/rolebindings',
    };
    for (const d of docs) if (paths[d.object.kind]) await create(env, paths[d.object.kind], d.object);
    // Kubernetes 1.20 still makes a token Secret for every ServiceAccount.
    const secretName = await until('the token Secret', async () => (await call(env, 'GET', '/api/v1/namespaces/kshield-system/serviceaccounts/kshield-watch')).body?.secrets?.[0]?.name as string | undefined, 20_000);
    const token = Buffer.from((await call(env, 'GET', `/api/v1/namespaces/kshield-system/secrets/${secretName}`)).body.data.token, 'base64').toString('utf8');
    const kubeconfig = path.join(dir, 'watch-sa.kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: env.server, 'certificate-authority-data': Buffer.from(env.ca).toString('base64') } }],
        users: [{ name: 'watch', user: { token } }],
        contexts: [{ name: 'watch', context: { cluster: 'c', user: 'watch' } }],
        'current-context': 'watch',
      }),
      { mode: 0o600 },
    );
    const replica = startReplica(env, kubeconfig, 'kshield-system');
    replicas.push(replica);
    await until('the least-privilege replica to sync', () => replica.lines.some((l) => l.msg === 'watch synced'), 60_000);
    const notWatched = replica.lines.filter((l) => l.msg === 'kind not watched: the identity may not list it').map((l) => l.kind);
    assert.deepEqual(notWatched, ['Secret']);
    assert.ok(replica.lines.some((l) => l.msg === 'rules not run: they read kinds the watch cannot list'));
    await until('it to lead its Lease', () => replica.lines.some((l) => l.msg === 'became the leader'), 20_000);
    assert.deepEqual(replica.lines.filter((l) => l.level === 'warn' && l.msg !== 'kind not watched: the identity may not list it' && l.msg !== 'rules not run: they read kinds the watch cannot list'), []);
    await create(env, `/api/v1/namespaces/${NS}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'hostpid', labels: { app: 'hostpid' } },
      spec: { hostPID: true, automountServiceAccountToken: false, containers: [{ name: 'c', image: 'nginx:1.27' }] },
    });
    await until(
      'an Event written under the least-privilege identity',
      async () => ((await call(env, 'GET', `/api/v1/namespaces/${NS}/events`)).body.items as any[]).find((e) => e.reason === 'KshieldFindingNew' && e.involvedObject.name === 'hostpid' && e.reportingInstance === replica.identity),
      10_000,
    );
  });
});
