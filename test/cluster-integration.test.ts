/**
 * `kshield cluster` against a REAL control plane: etcd + kube-apiserver + kube-controller-manager
 * v1.20.2 on 127.0.0.1, started by test/support/k8s/cluster (built once and cached; see .ci/run).
 * Objects are created through the API with the admin token, then scanned as `admin` and as the
 * powerless `dev`.
 *
 * Without the binaries or etcd the suite is skipped with a loud message, unless
 * KSHIELD_INTEGRATION=required (CI), where it fails.
 */
import assert from 'node:assert/strict';
import { test, describe, before, after } from 'node:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kshieldAsync, type Run } from './support/cli.js';
import { CLUSTER_SCRIPT, readClusterEnv, skipUnlessRealCluster, type ClusterEnv } from './support/real-cluster.js';

const script = CLUSTER_SCRIPT;
const { skip: skipReason, missing: why } = skipUnlessRealCluster('the real-cluster integration tests');

type Env = ClusterEnv;
const readEnv = readClusterEnv;

/** A request as the admin; resolves with status and parsed body. */
function call(env: Env, method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(new URL(p, env.server), { method, ca: env.ca, headers: { Authorization: `Bearer ${env.admin}`, 'Content-Type': 'application/json', Accept: 'application/json' }, timeout: 20_000 }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${p} timed out`)));
    req.on('error', reject);
    req.end(data);
  });
}

async function create(env: Env, p: string, object: unknown): Promise<void> {
  // A new namespace's default ServiceAccount appears a moment later; pods are refused until then.
  for (let attempt = 0; attempt < 40; attempt++) {
    const r = await call(env, 'POST', p, object);
    if (r.status === 201 || r.status === 200 || r.status === 409) return;
    if (r.status !== 403 && r.status !== 500) assert.fail(`POST ${p}: ${r.status} ${JSON.stringify(r.body?.message)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.fail(`POST ${p} kept failing`);
}

const kshield = (args: string[]): Promise<Run> => kshieldAsync(args, { NO_COLOR: '1' });

const NS = 'kshield-it';

describe('kshield cluster against a real control plane (v1.20.2)', { skip: skipReason, timeout: 180_000 }, () => {
  let dir: string;
  let env: Env;

  before(async () => {
    if (why) assert.fail(`KSHIELD_INTEGRATION=required but ${why}`);
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-k8s-'));
    const started = spawnSync(script, ['start', dir], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(started.status, 0, `cluster start failed: ${started.stdout}${started.stderr}`);
    env = readEnv(dir);
    await create(env, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await create(env, `/api/v1/namespaces/${NS}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'deployer' } });
    await create(env, `/apis/apps/v1/namespaces/${NS}/deployments`, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27', securityContext: { privileged: true } }] } },
      },
    });
    await create(env, `/apis/batch/v1beta1/namespaces/${NS}/cronjobs`, {
      apiVersion: 'batch/v1beta1',
      kind: 'CronJob',
      metadata: { name: 'report' },
      spec: { schedule: '0 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', hostPID: true, containers: [{ name: 'report', image: 'busybox:1.36' }] } } } } },
    });
    await create(env, `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'everything' },
      rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
    });
    await create(env, `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'deployer-everything' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'everything' },
      subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: NS }],
    });
    await create(env, `/apis/networking.k8s.io/v1/namespaces/${NS}/networkpolicies`, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'orphan' },
      spec: { podSelector: { matchLabels: { app: 'nothing-has-this' } }, policyTypes: ['Ingress'] },
    });
  });

  after(() => {
    if (dir) {
      spawnSync(script, ['stop', dir], { timeout: 30_000 });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('as admin: the workloads, RBAC and policies created through the API are judged', { timeout: 60_000 }, async () => {
    const run = await kshield(['cluster', '--kubeconfig', env.kubeconfig, '-o', 'json', '--fail-on', 'high', '--page-size', '3']);
    assert.equal(run.code, 1, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.match(report.cluster.version, /^v1\.20\./);
    assert.deepEqual(report.coverage.notCovered, []);
    const covered = Object.fromEntries(report.coverage.covered.map((c: any) => [c.kind, c.apiVersion]));
    assert.equal(covered.CronJob, 'batch/v1beta1');
    // A rule fired whether its finding is reported or folded into another one with the same cause (related).
    const at = (rule: string, kind: string, name: string): boolean =>
      report.findings.some(
        (f: any) => (f.rule === rule || f.related.some((r: any) => r.rule === rule)) && f.resource.kind === kind && f.resource.name === name && f.resource.namespace === (kind === 'ClusterRole' ? null : NS),
      );
    assert.ok(at('privileged-container', 'Deployment', 'web'));
    assert.ok(at('host-pid', 'CronJob', 'report'));
    assert.ok(at('rbac-wildcard-verbs', 'Role', 'everything'));
    assert.ok(report.findings.some((f: any) => f.rule === 'dangling-networkpolicy' && f.resource.name === 'orphan'));
    // The Deployment's ReplicaSet (made by the real controller manager) is not reported a second time.
    assert.ok(!report.findings.some((f: any) => f.resource.kind === 'ReplicaSet' && f.resource.namespace === NS));
    assert.ok(report.findings.every((f: any) => f.file === 'cluster:admin' && f.line === 0));
    // Cluster-only rules: 1.20 is long past its end of support, and has no Pod Security Admission.
    const clusterLevel = report.findings.filter((f: any) => f.resource.kind === 'ClusterInfo').map((f: any) => `${f.rule} ${f.severity}: ${f.message}`);
    // And its own metrics show no storage transformation: it runs without an EncryptionConfiguration.
    const atRest = clusterLevel.filter((f: string) => f.startsWith('api-server-encryption-at-rest-missing '));
    assert.deepEqual(atRest.map((f: string) => f.replace(/:.*/s, '')), ['api-server-encryption-at-rest-missing medium']);
    assert.match(atRest[0], /no EncryptionConfiguration is in effect/);
    clusterLevel.splice(clusterLevel.indexOf(atRest[0]), 1);
    assert.equal(clusterLevel.length, 2, clusterLevel.join('\n'));
    assert.match(clusterLevel[0], /^cluster-version-end-of-support high: the API server runs Kubernetes v1\.20\.2: 1\.20 reached its end of support on 2022-02-28 and gets no security fixes \(end-of-support table of \d{4}-\d{2}-\d{2}, scan of /);
    assert.match(clusterLevel[1], /^namespace-pod-security-not-enforced medium: Pod Security Admission is not available on Kubernetes v1\.20\.2/);
    assert.ok(!report.findings.some((f: any) => f.rule === 'namespace-pod-security-not-enforced' && f.resource.kind === 'Namespace'), 'no namespace is flagged for a label the server cannot enforce');
    // This control plane runs as processes, not static pods: there is no mirror pod to read flags
    // from, so the control-plane rules are silent and the coverage says the flags were not visible.
    assert.ok(!report.findings.some((f: any) => f.rule.startsWith('control-plane-')));
    assert.deepEqual(report.coverage.controlPlane.judged, []);
    assert.deepEqual(report.coverage.controlPlane.notVisible, ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd']);
    assert.match(report.coverage.controlPlane.reason, /^no mirror pod in kube-system: the control plane runs as processes/);
    const table = await kshield(['cluster', '--kubeconfig', env.kubeconfig, '--only', 'control-plane', '--fail-on', 'none']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^No findings/m);
    assert.match(table.stdout, /\ncontrol-plane flags not visible for kube-apiserver, kube-controller-manager, kube-scheduler, etcd: no mirror pod in kube-system/);
  });

  test('as dev (no permissions): coverage gaps reported, exit is not a crash', { timeout: 60_000 }, async () => {
    // Every identity may read /version: the server's age is judged even when nothing can be listed (exit 1, a high finding).
    const run = await kshield(['cluster', '--kubeconfig', env.kubeconfig, '--context', 'dev', '-o', 'json']);
    assert.equal(run.code, 1, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.ok(report.coverage.notCovered.length >= 20);
    assert.ok(report.coverage.notCovered.some((g: any) => g.kind === 'Secret' && /forbidden: .*User "dev" cannot list/.test(g.reason)));
    assert.deepEqual(report.findings.map((f: any) => `${f.resource.kind} ${f.rule}`), ['ClusterInfo cluster-version-end-of-support', 'ClusterInfo namespace-pod-security-not-enforced']);
    // dev may not read /metrics either: encryption at rest is not judged, and a note says so rather than nothing.
    assert.ok(report.notes.some((n: any) => /the API server's \/metrics could not be read \(.*\): whether it encrypts Secrets at rest was not judged/.test(n.message)), JSON.stringify(report.notes));

    const table = await kshield(['cluster', '--kubeconfig', env.kubeconfig, '--context', 'dev', '-n', NS, '--fail-on', 'none']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /\n {2}v1 Pod in namespace kshield-it: forbidden: pods is forbidden: User "dev" cannot list resource "pods"/);
  });

  /** The command line of one of this cluster's processes, as the kernel shows it. */
  function commandLine(name: 'etcd' | 'apiserver'): string[] {
    const pid = readFileSync(path.join(dir, `${name}.pid`), 'utf8').trim();
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  }

  test('kshield node reads the running control plane from /proc and judges its real flags', { timeout: 60_000 }, async () => {
    // The test cluster runs as host processes, not static pods: --root / with no /etc/kubernetes manifests.
    const run = await kshield(['node', '--root', '/', '-o', 'json', '--fail-on', 'none']);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    const apiserverPid = readFileSync(path.join(dir, 'apiserver.pid'), 'utf8').trim();
    const byId = new Map<string, any>(report.checks.map((c: any) => [c.id, c]));
    const evidence = (id: string): string => byId.get(id)?.evidence ?? `no check ${id}`;
    // Other test clusters may run at the same time; the checks must at least have read a kube-apiserver's flags from /proc.
    assert.match(JSON.stringify(report.detected), /\/proc\/\d+\/cmdline/);
    assert.ok(commandLine('apiserver').includes('--anonymous-auth=false'));
    if (evidence('1.2.1').includes(`/proc/${apiserverPid}/`)) {
      assert.equal(byId.get('1.2.1').status, 'pass', evidence('1.2.1'));
      // the cluster script authenticates with a static token file, which CIS 1.2.2 forbids
      assert.equal(byId.get('1.2.2').status, 'fail', evidence('1.2.2'));
      assert.match(evidence('1.2.2'), /--token-auth-file=/);
      assert.equal(byId.get('1.2.6').status, 'pass', evidence('1.2.6'));
      assert.match(evidence('1.2.6'), /--authorization-mode=RBAC/);
    }
    assert.ok(['pass', 'fail'].includes(byId.get('1.2.1')?.status), evidence('1.2.1'));
  });

  test('kshield probe etcd: the test cluster\'s etcd serves plaintext without client certificates, and says so', { timeout: 60_000 }, async () => {
    const url = commandLine('etcd').find((a, i, all) => all[i - 1] === '--listen-client-urls')!;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const run = await kshield(['probe', 'etcd', url, '-o', 'json', '--timeout', '10s']);
    assert.equal(run.code, 1, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.deepEqual(report.checks.map((c: any) => [c.id, c.status]), [['2.1', 'fail'], ['2.2', 'fail']]);
    assert.match(report.checks[0].evidence, /plaintext HTTP: GET \/version answered 200 \(etcd 3\.\d+\.\d+\)/);
    // the API server has written Secrets and tokens there: the count proves access, no key or value is ever printed
    assert.doesNotMatch(run.stdout, /\/registry\//);
  });
});
