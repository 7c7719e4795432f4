/**
 * `kshield cluster` against the in-repo test API server (test/support/k8s-api-server.ts), through a
 * generated kubeconfig, as a user runs it: a child process, its output and exit code.
 */
import assert from 'node:assert/strict';
import { test, describe, before, after } from 'node:test';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { cli, kshieldAsync, root, INSECURE } from './support/cli.js';
import { loadFixtureObjects, makeCertificates, startTestApiServer, writeKubeconfig, V1_20_API, type TestApiServer } from './support/k8s-api-server.js';
import { countKinds, generateCluster } from './support/cluster-generator.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Asynchronous on purpose: the test API server runs in this process and must keep answering. */
const kshield = (args: string[], env: Record<string, string> = {}): Promise<Run> => kshieldAsync(args, { NO_COLOR: '1', KUBECONFIG: '', HOME: dir, ...env });

let dir: string;

const EXTRA = [
  {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'tools' },
  },
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'debug', namespace: 'tools', uid: 'pod-debug' },
    spec: { containers: [{ name: 'shell', image: 'busybox:1.36', securityContext: { privileged: true } }] },
  },
  // A ReplicaSet's pod: judged through the ReplicaSet, not a second time.
  {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web-1', namespace: 'tools', uid: 'rs-web-1' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { hostNetwork: true, containers: [{ name: 'web', image: 'nginx:1.27' }] } } },
  },
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1-abcde', namespace: 'tools', uid: 'pod-web', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'rs-web-1', controller: true }] },
    spec: { hostNetwork: true, containers: [{ name: 'web', image: 'nginx:1.27' }] },
  },
];

function json(run: Run): any {
  try {
    return JSON.parse(run.stdout) as any;
  } catch {
    assert.fail(`not JSON (exit ${run.code}): ${run.stdout.slice(0, 300)} ${run.stderr}`);
  }
}

describe('kshield cluster against the test API server', () => {
  let api: TestApiServer;
  let kubeconfig: string;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-cluster-'));
    api = await startTestApiServer({
      objects: [...loadFixtureObjects([INSECURE]), ...EXTRA],
      identities: { admin: {}, dev: { forbid: ['secrets', 'clusterroles'], forbidIn: ['roles/shop'] } },
      expireContinueOnce: ['deployments'],
    });
    kubeconfig = path.join(dir, 'kubeconfig');
    writeKubeconfig(kubeconfig, api, { admin: api.tokens.admin, dev: api.tokens.dev, stale: 'expired-token' });
  });
  after(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('reports every rule family at namespace/kind/name, with exit code 1 on high findings', async () => {
    const run = await kshield(['cluster', '--kubeconfig', kubeconfig]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /^cluster:admin$/m);
    assert.match(run.stdout, /Deployment\/shop\/payments\n/);
    assert.match(run.stdout, /Pod\/tools\/debug\n(?: {4}-.*\n)*? {4}-  CRITICAL  container "shell" runs privileged  privileged-container\n/);
    assert.match(run.stdout, /rbac-cluster-admin-binding/);
    assert.match(run.stdout, /configmap-credentials/);
    assert.doesNotMatch(run.stdout, /secret-(?:data-)?committed/, 'every Secret in a cluster holds values: the manifest rules do not apply');
    assert.match(run.stdout, /context admin, Kubernetes v1\.30\.2/);
    // The summary line closes the report; findings folded into others (same cause) are counted there.
    assert.match(run.stdout, /resources scanned; \d+ related findings folded into these \(same cause\)\.\n$/);
    // Only reads, ever.
    assert.ok(api.requests.every((r) => r.startsWith('GET ')));
  });

  test('-o html: the cluster named, its findings, and the RBAC and reachability drawn from the listed objects', async () => {
    const run = await kshield(['cluster', '--kubeconfig', kubeconfig, '-o', 'html', '--fail-on', 'none']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^<!DOCTYPE html>/);
    assert.match(run.stdout, /<div class="muted">cluster https:\/\/127\.0\.0\.1:\d+ \(context admin, Kubernetes v1\.30\.2\)<\/div>/);
    const island = /<script type="application\/json" id="kshield-data">([^]*?)<\/script>/.exec(run.stdout);
    assert.ok(island);
    const data = JSON.parse(island[1]) as { rules: { id: string }[]; files: string[] };
    assert.ok(data.rules.some((r) => r.id === 'privileged-container'));
    assert.deepEqual(data.files, ['cluster:admin']);
    assert.match(run.stdout, /\d+ path\(s\) to full control of the cluster/);
    assert.match(run.stdout, /<svg class="graph" id="reach-map"/);
    assert.match(run.stdout, /<section class="framework" id="framework-0"><h3>CIS Kubernetes Benchmark/);
  });

  test('JSON carries cluster, coverage and positionless findings; it validates against the report schema', async () => {
    const run = await kshield(['cluster', '--kubeconfig', kubeconfig, '-o', 'json', '--fail-on', 'none']);
    assert.equal(run.code, 0, run.stderr);
    const report: any = json(run);
    const schema = JSON.parse(readFileSync(path.join(root, 'schema/report.schema.json'), 'utf8'));
    const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);
    const valid = validate(structuredClone(report));
    assert.ok(valid, JSON.stringify(validate.errors));
    assert.equal(report.cluster.context, 'admin');
    assert.equal(report.cluster.server, api.url);
    assert.deepEqual(report.coverage.notCovered, []);
    const deployments = report.coverage.covered.find((c: any) => c.kind === 'Deployment');
    assert.deepEqual(deployments, { kind: 'Deployment', apiVersion: 'apps/v1', objects: 7 });
    const f = report.findings.find((x: any) => x.rule === 'privileged-container' && x.resource.name === 'debug');
    assert.deepEqual([f.file, f.line, f.column, f.resource.namespace, f.resource.kind], ['cluster:admin', 0, 0, 'tools', 'Pod']);
    // The ReplicaSet's pod is judged through its ReplicaSet only, and the note says so.
    assert.ok(report.findings.some((x: any) => x.resource.name === 'web-1' && x.rule === 'host-network'));
    assert.ok(!report.findings.some((x: any) => x.resource.name === 'web-1-abcde'));
    assert.ok(report.notes.some((n: any) => /1 pod\(s\), ReplicaSet\(s\) and Job\(s\) owned by a listed controller/.test(n.message)));
  });

  test('never prints a Secret value', async () => {
    const run = await kshield(['cluster', '--kubeconfig', kubeconfig, '-o', 'json', '--fail-on', 'none']);
    const value = 'changeme-not-a-real-password';
    assert.equal(json(run).coverage.covered.find((c: any) => c.kind === 'Secret').objects, 2);
    // The same value sits in a ConfigMap, which is reported by its length class only.
    assert.match(run.stdout, /"DATABASE_PASSWORD\\" holds a literal credential: 16 to 31 characters/);
    assert.ok(!run.stdout.includes(value) && !run.stdout.includes(Buffer.from(value).toString('base64')));
  });

  test('pages through lists with limit/continue and restarts a list whose continue token expired (410)', async () => {
    api.requests.length = 0;
    const run = await kshield(['cluster', '--kubeconfig', kubeconfig, '-o', 'json', '--fail-on', 'none', '--page-size', '2']);
    assert.equal(run.code, 0, run.stderr);
    const deploymentLists = api.requests.filter((r) => r.startsWith('GET /apis/apps/v1/deployments?'));
    // 7 deployments in pages of 2: 4 pages, plus the page that got 410 and the restart from the top.
    assert.equal(deploymentLists.filter((r) => !r.includes('continue=')).length, 2, deploymentLists.join('\n'));
    assert.ok(deploymentLists.every((r) => r.includes('limit=2')));
    const report: any = json(run);
    assert.equal(report.coverage.covered.find((c: any) => c.kind === 'Deployment').objects, 7);
    assert.equal(new Set(report.findings.filter((x: any) => x.resource.kind === 'Deployment').map((x: any) => x.resource.name)).size, 7);
  });

  test('as an identity with partial permissions: coverage gaps reported, the scan goes on', async () => {
    const run = await kshield(['cluster', '--kubeconfig', kubeconfig, '--context', 'dev', '-o', 'json', '--fail-on', 'none', '-n', 'shop']);
    assert.equal(run.code, 0, run.stderr);
    const report: any = json(run);
    const gaps = report.coverage.notCovered.map((g: any) => `${g.kind}${g.namespace ? `@${g.namespace}` : ''}`).sort();
    assert.deepEqual(gaps, ['ClusterRole', 'Role@shop', 'Secret@shop']);
    assert.match(report.coverage.notCovered[0].reason, /^forbidden: /);
    // Rules that look up a kind the identity cannot list would report what they cannot see as missing.
    assert.ok(report.coverage.skippedRules.includes('rbac-binding-role-not-found'));
    assert.ok(!report.findings.some((x: any) => x.rule === 'rbac-binding-role-not-found'));
    assert.ok(report.findings.some((x: any) => x.rule === 'run-as-non-root'), 'rules that need nothing missing still run');
    assert.ok(report.findings.some((x: any) => x.resource.kind === 'Deployment'));
    assert.ok(!report.findings.some((x: any) => x.resource.namespace === 'tools'), 'only -n shop');

    const table = await kshield(['cluster', '--kubeconfig', kubeconfig, '--context', 'dev', '--fail-on', 'none', '-n', 'shop']);
    assert.match(table.stdout, /\nnot covered \(3\): the scan went on without these\n {2}v1 Secret in namespace shop: forbidden: /);
    assert.match(table.stdout, /\n {2}rbac\.authorization\.k8s\.io\/v1 ClusterRole: forbidden: clusterroles\.rbac\.authorization\.k8s\.io is forbidden/);
    assert.match(table.stdout, /\n\d+ rule\(s\) not run because they read what is not covered: .*rbac-binding-role-not-found/);
  });

  test('--exclude-namespace leaves a namespace out', async () => {
    const run = await kshield(['cluster', '--kubeconfig', kubeconfig, '-o', 'json', '--fail-on', 'none', '--exclude-namespace', 'shop']);
    const report: any = json(run);
    assert.ok(report.findings.some((x: any) => x.resource.namespace === 'tools'));
    assert.ok(!report.findings.some((x: any) => x.resource.namespace === 'shop'));
  });

  test('--only and --fail-on work as in scan', async () => {
    const run = await kshield(['cluster', '--kubeconfig', kubeconfig, '--only', 'privileged-container', '--fail-on', 'critical', '-o', 'json']);
    assert.equal(run.code, 1);
    assert.deepEqual([...new Set(json(run).findings.map((x: any) => x.rule))], ['privileged-container']);
  });

  test('KUBECONFIG and the current context are used without flags', async () => {
    const run = await kshield(['cluster', '--fail-on', 'none', '--only', 'privileged-container'], { KUBECONFIG: kubeconfig });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^cluster:admin$/m);
  });

  test('an invalid or expired token: exit 2, one line, no stack', async () => {
    const run = await kshield(['cluster', '--kubeconfig', kubeconfig, '--context', 'stale']);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, `kshield: error: the API server ${api.url} rejected the credentials (401 Unauthorized): the token or client certificate is invalid or expired\n`);
  });

  test('an unknown context: exit 2 naming the contexts there are', async () => {
    const run = await kshield(['cluster', '--kubeconfig', kubeconfig, '--context', 'prod']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^kshield: error: --context: no context "prod" in .*kubeconfig \(contexts: admin, dev, stale\)\n$/);
  });

  test('no credentials anywhere: a clear error', async () => {
    const run = await kshield(['cluster']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^kshield: error: no cluster credentials: /);
  });

  test('a certificate signed by another CA: exit 2, not trusted', async () => {
    const other = makeCertificates();
    const file = path.join(dir, 'bad-ca.kubeconfig');
    writeKubeconfig(file, { url: api.url, caPem: other.caPem }, { admin: api.tokens.admin });
    const run = await kshield(['cluster', '--kubeconfig', file]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^kshield: error: the API server's certificate is not trusted \([A-Z_]+\): check certificate-authority-data in the kubeconfig for https:\/\/127\.0\.0\.1:\d+\n$/);
  });
});

describe('kshield cluster: servers that fail', () => {
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-cluster-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a server that never answers: --timeout ends it with a clear error', async () => {
    const api = await startTestApiServer({ objects: [], hang: true });
    try {
      const file = path.join(dir, 'hang.kubeconfig');
      writeKubeconfig(file, api, { admin: api.tokens.admin });
      const run = await kshield(['cluster', '--kubeconfig', file, '--timeout', '700ms']);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /^kshield: error: no answer from the API server https:\/\/127\.0\.0\.1:\d+ within 700ms \(GET \/version\); raise --timeout if the cluster is slow\n$/);
      assert.ok(run.ms < 15_000, `took ${run.ms} ms`);
    } finally {
      await api.close();
    }
  });

  test('nothing listening: connection refused', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const file = path.join(dir, 'closed.kubeconfig');
    writeKubeconfig(file, { url: `https://127.0.0.1:${port}`, caPem: makeCertificates().caPem }, { admin: 'x' });
    const run = await kshield(['cluster', '--kubeconfig', file]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, `kshield: error: cannot reach the API server https://127.0.0.1:${port}: connection refused\n`);
  });

  test('rbac and netpol commands read the live cluster with --cluster and answer as they do for the files', async () => {
    const api = await startTestApiServer({ objects: loadFixtureObjects([INSECURE]), identities: { admin: {}, dev: { forbid: ['clusterroles'] } } });
    try {
      const file = path.join(dir, 'analysis.kubeconfig');
      writeKubeconfig(file, api, { admin: api.tokens.admin, dev: api.tokens.dev });
      const live = await kshield(['rbac', 'who-can', 'get', 'secrets', '--cluster', '--kubeconfig', file, '-o', 'json']);
      const files = await kshield(['rbac', 'who-can', 'get', 'secrets', INSECURE, '-o', 'json']);
      assert.equal(live.code, 0, live.stderr);
      const subjects = (run: { stdout: string }): string[] => (JSON.parse(run.stdout).allowed as { subject: string }[]).map((r) => r.subject).sort();
      assert.deepEqual(subjects(live), subjects(files));
      const reachLive = await kshield(['netpol', 'reach', '--cluster', '--kubeconfig', file, '-o', 'json']);
      const reachFiles = await kshield(['netpol', 'reach', INSECURE, '-o', 'json']);
      assert.equal(reachLive.code, 0, reachLive.stderr);
      assert.deepEqual(JSON.parse(reachLive.stdout).connections, JSON.parse(reachFiles.stdout).connections);
      const both = await kshield(['netpol', 'reach', INSECURE, '--cluster', '--kubeconfig', file]);
      assert.equal(both.code, 2);
      assert.match(both.stderr, /--cluster reads the live cluster: give no paths/);
      const withoutCluster = await kshield(['rbac', 'paths', INSECURE, '--kubeconfig', file]);
      assert.equal(withoutCluster.code, 2);
      assert.match(withoutCluster.stderr, /--kubeconfig and --context need --cluster/);
      const dev = await kshield(['rbac', 'paths', '--cluster', '--kubeconfig', file, '--context', 'dev']);
      assert.match(dev.stderr, /warning: not covered: /, 'a partial view says what it could not see');
    } finally {
      await api.close();
    }
  });

  test('a Kubernetes 1.20 API: CronJob listed as batch/v1beta1, judged against 1.20 (no removed-API finding)', async () => {
    const api = await startTestApiServer({ objects: loadFixtureObjects([INSECURE]), api: V1_20_API, gitVersion: 'v1.20.2' });
    try {
      const file = path.join(dir, 'old.kubeconfig');
      writeKubeconfig(file, api, { admin: api.tokens.admin });
      const run = await kshield(['cluster', '--kubeconfig', file, '-o', 'json', '--fail-on', 'none']);
      assert.equal(run.code, 0, run.stderr);
      const report: any = json(run);
      const covered = Object.fromEntries(report.coverage.covered.map((c: any) => [c.kind, c.apiVersion]));
      assert.equal(covered.CronJob, 'batch/v1beta1');
      assert.equal(covered.PodDisruptionBudget, 'policy/v1beta1');
      assert.equal(covered.HorizontalPodAutoscaler, 'autoscaling/v2beta2');
      const cronJob = report.findings.filter((x: any) => x.resource.kind === 'CronJob');
      assert.ok(cronJob.length > 0);
      assert.ok(cronJob.every((x: any) => x.resource.apiVersion === 'batch/v1beta1'));
      assert.ok(!report.findings.some((x: any) => x.rule === 'api-removed' || /no longer served/.test(x.message)), 'the cluster serves it, so it is not removed');
    } finally {
      await api.close();
    }
  });
});

const CLUSTER_ONLY = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'secured', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'open' } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'wide-open', labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } },
  { apiVersion: 'v1', kind: 'Node', metadata: { name: 'worker-current' }, status: { nodeInfo: { kubeletVersion: 'v1.25.16' } } },
  { apiVersion: 'v1', kind: 'Node', metadata: { name: 'worker-stale' }, status: { nodeInfo: { kubeletVersion: 'v1.22.17' } } },
  {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'policy-engine' },
    webhooks: [
      { name: 'strict.policy.example.com', failurePolicy: 'Fail', sideEffects: 'None', admissionReviewVersions: ['v1'], clientConfig: { service: { name: 'policy', namespace: 'policy' } } },
      { name: 'validate.policy.example.com', failurePolicy: 'Ignore', sideEffects: 'None', admissionReviewVersions: ['v1'], clientConfig: { service: { name: 'policy', namespace: 'policy' } } },
    ],
  },
];

describe('kshield cluster: cluster-only rules', () => {
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-cluster-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function scanAt(gitVersion: string, api: typeof V1_20_API | undefined = undefined): Promise<{ run: Run; report: any }> {
    const server = await startTestApiServer({ objects: CLUSTER_ONLY, gitVersion, ...(api ? { api } : {}) });
    try {
      const file = path.join(dir, `${gitVersion}.kubeconfig`);
      writeKubeconfig(file, server, { admin: server.tokens.admin });
      const run = await kshield(['cluster', '--kubeconfig', file, '-o', 'json', '--fail-on', 'none']);
      assert.equal(run.code, 0, run.stderr);
      return { run, report: json(run) };
    } finally {
      await server.close();
    }
  }
  const lines = (report: any, rule: string): string[] =>
    report.findings.filter((f: any) => f.rule === rule).map((f: any) => `${f.resource.kind}/${f.resource.name}: ${f.message}`);

  test('an old server (1.26): end of support, kubelet skew, namespaces without enforcement, a webhook that fails open', async () => {
    const { report } = await scanAt('v1.26.1');
    const eos = lines(report, 'cluster-version-end-of-support');
    assert.equal(eos.length, 1, eos.join('\n'));
    assert.match(eos[0], /^ClusterInfo\/admin: the API server runs Kubernetes v1\.26\.1: 1\.26 reached its end of support on 2024-02-28 and gets no security fixes \(end-of-support table of \d{4}-\d{2}-\d{2}, scan of \d{4}-\d{2}-\d{2}\)$/);
    assert.equal(report.findings.find((f: any) => f.rule === 'cluster-version-end-of-support').severity, 'high');

    // 1.22 is four minor versions behind 1.26 (a kubelet older than 1.25 may lag two); 1.25 lags one.
    assert.deepEqual(lines(report, 'node-kubelet-version-skew'), [
      'Node/worker-stale: node "worker-stale" runs kubelet v1.22.17, which is 4 minor versions older than the API server (v1.26.1); at most 2 are supported',
    ]);
    assert.deepEqual(lines(report, 'namespace-pod-security-not-enforced').sort(), [
      'Namespace/open: namespace "open" has no pod-security.kubernetes.io/enforce label: Pod Security Admission refuses no pod there',
      'Namespace/wide-open: namespace "wide-open" enforces the privileged Pod Security level: Pod Security Admission refuses no pod there',
    ]);
    const webhook = report.findings.filter((f: any) => f.rule === 'webhook-failure-policy-ignore');
    assert.deepEqual(webhook.map((f: any) => [f.severity, f.path, f.message]), [
      ['info', '/webhooks/1/failurePolicy', 'webhook "validate.policy.example.com" of ValidatingWebhookConfiguration "policy-engine" fails open (failurePolicy Ignore): when it cannot be reached, requests are admitted unchecked'],
    ]);
  });

  test('a 1.20 server: Pod Security Admission is reported unavailable once instead of flagging every namespace', async () => {
    const { report } = await scanAt('v1.20.2', V1_20_API);
    assert.deepEqual(lines(report, 'namespace-pod-security-not-enforced'), [
      'ClusterInfo/admin: Pod Security Admission is not available on Kubernetes v1.20.2 (it needs 1.23 or later): namespaces cannot enforce pod security standards with pod-security.kubernetes.io/enforce labels, so they were not checked',
    ]);
    assert.equal(lines(report, 'cluster-version-end-of-support').length, 1);
    // On 1.20 both kubelets are newer than the API server.
    assert.deepEqual(lines(report, 'node-kubelet-version-skew').map((l) => l.split(':')[0]).sort(), ['Node/worker-current', 'Node/worker-stale']);
  });

  test('the table names the cluster-only findings at the synthetic ClusterInfo object', async () => {
    const server = await startTestApiServer({ objects: CLUSTER_ONLY, gitVersion: 'v1.26.1' });
    try {
      const file = path.join(dir, 'table.kubeconfig');
      writeKubeconfig(file, server, { admin: server.tokens.admin });
      const run = await kshield(['cluster', '--kubeconfig', file, '--fail-on', 'high']);
      assert.equal(run.code, 1, 'a server past its end of support is a high finding');
      assert.match(run.stdout, /ClusterInfo\/admin\n.*HIGH .*1\.26 reached its end of support on 2024-02-28/);
    } finally {
      await server.close();
    }
  });
});

const MIRROR_PODS = path.join(root, 'test/fixtures/cluster/mirror-pods');

describe('kshield cluster: control-plane flags from kube-system mirror pods', () => {
  let api: TestApiServer;
  let kubeconfig: string;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-cluster-'));
    api = await startTestApiServer({
      objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } }, ...loadFixtureObjects([MIRROR_PODS])],
      identities: { admin: {}, dev: { forbidIn: ['pods/kube-system'] } },
      gitVersion: 'v1.29.2',
    });
    kubeconfig = path.join(dir, 'kubeconfig');
    writeKubeconfig(kubeconfig, api, { admin: api.tokens.admin, dev: api.tokens.dev });
  });
  after(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const controlPlane = (report: any): string[] =>
    report.findings
      .filter((f: any) => f.rule.startsWith('control-plane-'))
      .map((f: any) => `${f.severity} ${f.resource.namespace}/${f.resource.name} ${f.path} ${f.message.replace(/^kube-apiserver \(mirror pod of node "cp-2"\) fails CIS (\S+) .*$/, '$1')}`);

  test('the insecure API server is reported at its arguments, the hardened one and the impostor are not', async () => {
    const run = await kshield(['cluster', '--kubeconfig', kubeconfig, '-o', 'json', '--fail-on', 'high']);
    assert.equal(run.code, 1, run.stderr);
    const report: any = json(run);
    const found = controlPlane(report);
    // Anonymous requests and AlwaysAllow: high, at the arguments that set them.
    assert.deepEqual(found.filter((f) => f.startsWith('high')), [
      'high kube-system/kube-apiserver-cp-2 /spec/containers/0/command/3 1.2.1',
      'high kube-system/kube-apiserver-cp-2 /spec/containers/0/command/4 1.2.6',
    ]);
    const medium = found.filter((f) => f.startsWith('medium'));
    for (const expected of [
      'medium kube-system/kube-apiserver-cp-2 /spec/containers/0/command/4 1.2.7',
      'medium kube-system/kube-apiserver-cp-2 /spec/containers/0/command/6 1.2.10',
      'medium kube-system/kube-apiserver-cp-2 /spec/containers/0 1.2.16',
      'medium kube-system/kube-apiserver-cp-2 /spec/containers/0 1.2.17',
      'medium kube-system/kube-apiserver-cp-2 /spec/containers/0 1.2.28',
    ]) assert.ok(medium.includes(expected), `${expected} not in\n${medium.join('\n')}`);
    assert.ok(found.every((f) => f.includes('kube-apiserver-cp-2')), 'nothing on the hardened cp-1 or on the impostor in playground');
    const anonymous = report.findings.find((f: any) => f.rule === 'control-plane-open-access' && f.path.endsWith('/3'));
    assert.equal(anonymous.message, 'kube-apiserver (mirror pod of node "cp-2") fails CIS 1.2.1 "--anonymous-auth is false": --anonymous-auth=true');
    assert.equal(anonymous.container, 'kube-apiserver');
    assert.equal(new Set(report.findings.filter((f: any) => f.rule.startsWith('control-plane-')).map((f: any) => f.fingerprint)).size, found.length, 'one fingerprint per check');
    // Mirror pods are owned by their (listed) Node but are not judged through it.
    assert.ok(!report.notes.some((n: any) => /owned by a listed controller/.test(n.message)));
    assert.deepEqual(report.coverage.controlPlane.judged, [
      { component: 'kube-apiserver', pod: 'kube-system/kube-apiserver-cp-1', node: 'cp-1' },
      { component: 'kube-apiserver', pod: 'kube-system/kube-apiserver-cp-2', node: 'cp-2' },
    ]);
    assert.deepEqual(report.coverage.controlPlane.notVisible, ['kube-controller-manager', 'kube-scheduler', 'etcd']);
    assert.match(report.coverage.controlPlane.reason, /^no mirror pod in kube-system: the control plane runs as processes/);
    assert.match(report.coverage.controlPlane.notJudged, /file permissions .* not visible through the API: run kshield node/);
  });

  test('the table says whose flags were judged, what was not visible, and what only kshield node checks', async () => {
    const run = await kshield(['cluster', '--kubeconfig', kubeconfig, '--only', 'control-plane', '--fail-on', 'none']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Pod\/kube-system\/kube-apiserver-cp-2\n(?: {4}-.*\n)*? {4}-  HIGH +kube-apiserver \(mirror pod of node "cp-2"\) fails CIS 1\.2\.1 "--anonymous-auth is false": --anonymous-auth=true  control-plane-open-access\n/);
    assert.match(run.stdout, /\ncontrol-plane flags judged from mirror pods: kube-system\/kube-apiserver-cp-1 \(node cp-1\), kube-system\/kube-apiserver-cp-2 \(node cp-2\)\n/);
    assert.match(run.stdout, /\ncontrol-plane flags not visible for kube-controller-manager, kube-scheduler, etcd: no mirror pod in kube-system/);
    assert.match(run.stdout, /\nnot judged through the API: file permissions and owners/);
    assert.doesNotMatch(run.stdout, /playground/);
  });

  test('JUnit (which keeps every object for its test cases) has one case per pod and rule', async () => {
    const run = await kshield(['cluster', '--kubeconfig', kubeconfig, '-o', 'junit', '--only', 'control-plane-open-access', '--fail-on', 'none']);
    assert.equal(run.code, 0, run.stderr);
    const cases = [...run.stdout.matchAll(/<testcase name="([^"]+)"[^>]*?(\/?)>/g)].map((m) => `${m[1]}${m[2] ? '' : ' FAILED'}`);
    assert.deepEqual(cases, ['Pod/kube-system/kube-apiserver-cp-1', 'Pod/playground/kube-apiserver-lab', 'Pod/kube-system/kube-apiserver-cp-2 FAILED']);
  });

  test('kube-system out of sight (-n, --exclude-namespace, forbidden): the rules are silent and coverage says why', async () => {
    const reasons: string[] = [];
    for (const args of [['-n', 'playground'], ['--exclude-namespace', 'kube-system'], ['--context', 'dev']]) {
      const run = await kshield(['cluster', '--kubeconfig', kubeconfig, '-o', 'json', '--fail-on', 'none', ...args]);
      assert.equal(run.code, 0, run.stderr);
      const report: any = json(run);
      assert.deepEqual(controlPlane(report), [], args.join(' '));
      assert.deepEqual(report.coverage.controlPlane.judged, []);
      assert.equal(report.coverage.controlPlane.notVisible.length, 4);
      reasons.push(report.coverage.controlPlane.reason);
    }
    assert.equal(reasons[0], 'kube-system is not among the namespaces scanned (-n)');
    assert.equal(reasons[1], 'kube-system was left out (--exclude-namespace)');
    assert.match(reasons[2], /^pods in kube-system were not listed \(forbidden: pods is forbidden: /);
  });
});

describe('kshield cluster: namespaces and the progress bar', () => {
  let api: TestApiServer;
  let kubeconfig: string;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-cluster-'));
    api = await startTestApiServer({ objects: [...loadFixtureObjects([INSECURE]), ...EXTRA, ...loadFixtureObjects([MIRROR_PODS])] });
    kubeconfig = path.join(dir, 'kubeconfig');
    writeKubeconfig(kubeconfig, api, { admin: api.tokens.admin });
  });
  after(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const namespaces = (report: any): string[] => [...new Set<string>(report.findings.map((f: any) => f.resource.namespace).filter(Boolean))].sort();

  test('--exclude-namespace is repeatable and takes lists; -n too, and the two may not name the same namespace', async () => {
    const all = namespaces(json(await kshield(['cluster', '--kubeconfig', kubeconfig, '-o', 'json', '--fail-on', 'none'])));
    assert.deepEqual(all, ['default', 'kube-system', 'playground', 'shop', 'tools']);
    const repeated = await kshield(['cluster', '--kubeconfig', kubeconfig, '-o', 'json', '--fail-on', 'none', '--exclude-namespace', 'shop', '--exclude-namespace', 'tools,playground', '--exclude-namespace=default']);
    assert.deepEqual(namespaces(json(repeated)), ['kube-system']);
    const only = await kshield(['cluster', '--kubeconfig', kubeconfig, '-o', 'json', '--fail-on', 'none', '-n', 'tools', '--namespace', 'playground']);
    assert.deepEqual(namespaces(json(only)), ['playground', 'tools']);
    const both = await kshield(['cluster', '--kubeconfig', kubeconfig, '-n', 'shop', '--exclude-namespace', 'shop']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /namespace shop is both in --namespace and --exclude-namespace/);
  });

  test('no progress bar when standard error is not a terminal', async () => {
    const run = await kshield(['cluster', '--kubeconfig', kubeconfig, '-o', 'json', '--fail-on', 'none']);
    assert.equal(run.code, 0);
    assert.equal(run.stderr, '');
  });

  test('a progress bar on a terminal (under script(1)), cleared at the end; --no-progress turns it off', async (t) => {
    if (spawnSync('sh', ['-c', 'command -v script'], { encoding: 'utf8' }).status !== 0) {
      if (process.env.KSHIELD_INTEGRATION === 'required') assert.fail('script(1) (util-linux/bsdutils) is missing');
      process.stderr.write('\n!! SKIPPING the terminal progress test: no script(1) on PATH\n\n');
      t.skip('no script(1)');
      return;
    }
    const inTerminal = async (extra: string[]): Promise<string> => {
      const out = path.join(dir, `report-${extra.length}.json`);
      const command = [process.execPath, cli, 'cluster', '--kubeconfig', kubeconfig, '-o', `json=${out}`, '--fail-on', 'none', ...extra].map((a) => `'${a}'`).join(' ');
      const run = await spawnCapture('script', ['-qec', command, '/dev/null']);
      assert.equal(run.code, 0, run.stdout);
      assert.ok(JSON.parse(readFileSync(out, 'utf8')).findings.length > 0);
      return run.stdout;
    };
    const shown = await inTerminal([]);
    assert.match(shown, /\r\[#+\.*\] \d+\/\d+ lists, \d+ objects/);
    assert.match(shown, /\[#{24}\] (\d+)\/\1 lists/, 'the bar reaches the end');
    assert.ok(shown.includes('\r\u001b[2K'), 'and the line is cleared');
    const hidden = await inTerminal(['--no-progress']);
    assert.doesNotMatch(hidden, /lists, \d+ objects/);
  });
});

describe('kshield cluster: a generated cluster of 2,000 objects, paged', () => {
  let api: TestApiServer;
  let kubeconfig: string;
  const objects = generateCluster({ total: 2000, namespaces: 10, nodes: 12 });
  const kinds = countKinds(objects);

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-cluster-'));
    api = await startTestApiServer({ objects: structuredClone(objects), adoptObjects: true, gitVersion: 'v1.29.2' });
    kubeconfig = path.join(dir, 'kubeconfig');
    writeKubeconfig(kubeconfig, api, { admin: api.tokens.admin });
  });
  after(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the generator gives exactly the objects asked for, the same ones every time', () => {
    assert.equal(objects.length, 2000);
    assert.deepEqual(generateCluster({ total: 2000, namespaces: 10, nodes: 12 }), objects);
    assert.equal(new Set(objects.map((o) => o.metadata.uid)).size, 2000);
    for (const kind of ['Namespace', 'Node', 'Pod', 'ReplicaSet', 'Deployment', 'StatefulSet', 'Service', 'ConfigMap', 'Secret', 'ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'NetworkPolicy']) assert.ok(kinds[kind] > 0, `no ${kind}`);
    assert.equal(kinds.Namespace, 11, 'ten application namespaces and kube-system');
  });

  test('every object is listed once through the pages, and the report does not depend on page size or concurrency', async () => {
    api.requests.length = 0;
    const small = await kshield(['cluster', '--kubeconfig', kubeconfig, '-o', 'json', '--fail-on', 'none', '--page-size', '50', '--concurrency', '1']);
    assert.equal(small.code, 0, small.stderr);
    const report: any = json(small);
    const covered: Record<string, number> = {};
    for (const c of report.coverage.covered) covered[c.kind] = (covered[c.kind] ?? 0) + c.objects;
    assert.deepEqual(Object.fromEntries(Object.entries(covered).filter(([, n]) => n > 0)), kinds);
    // Pages of 50: one request per page, one for an empty list.
    const lists = api.requests.filter((r) => r.includes('limit=50'));
    const expectedPages = report.coverage.covered.reduce((n: number, c: any) => n + Math.max(1, Math.ceil(c.objects / 50)), 0);
    assert.equal(lists.length, expectedPages);
    const owned = Number(/^(\d+) pod\(s\)/.exec(report.notes.find((n: any) => /owned by a listed controller/.test(n.message)).message)![1]);
    assert.equal(owned, kinds.Pod + kinds.ReplicaSet + kinds.Job - 3 * 4, 'every Pod, ReplicaSet and Job but the twelve control-plane mirror pods is owned');
    assert.equal(report.summary.resources, 2000 - owned + 1, 'plus the ClusterInfo object');

    const large = await kshield(['cluster', '--kubeconfig', kubeconfig, '-o', 'json', '--fail-on', 'none', '--page-size', '500', '--concurrency', '8']);
    assert.equal(large.code, 0, large.stderr);
    assert.ok(report.findings.length > 1000);
    assert.deepEqual(json(large).findings, report.findings);
  });
});

function spawnCapture(command: string, args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, NO_COLOR: '1', KUBECONFIG: '', HOME: dir, TERM: 'dumb' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stdout += c));
    const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(kill);
      resolve({ code, stdout });
    });
  });
}

describe('deploy/scanner-rbac.yaml', () => {
  test('passes kshield scan at medium and above', async () => {
    // The file alone: deploy/webhook/ puts a workload into the same namespace, which brings low network findings.
    const run = await kshield(['scan', 'deploy/scanner-rbac.yaml', '--fail-on', 'medium']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^No findings; 4 resources in 1 file scanned\.$/m);
  });

  test('kshield scan deploy/: nothing at medium or above except what is suppressed with a written reason', async () => {
    const run = await kshield(['scan', 'deploy/', '--fail-on', 'medium']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    type Reported = { rule: string; severity: string; file: string; suppressed: boolean; suppression?: { kind: string; reason?: string } };
    const json = JSON.parse((await kshield(['scan', 'deploy/', '-o', 'json'])).stdout) as { findings: (Reported & { related: { rule: string; severity: string }[] })[] };
    // Findings folded into another one (same cause) share its suppression: each rule is still listed.
    const all: Reported[] = json.findings.flatMap((f) => [f, ...f.related.map((r) => ({ ...f, rule: r.rule, severity: r.severity }))]);
    const serious = all.filter((f) => ['critical', 'high', 'medium'].includes(f.severity));
    for (const f of serious) {
      assert.equal(f.suppressed, true, `${f.file}: ${f.rule} is not suppressed`);
      assert.equal(f.suppression?.kind, 'annotation');
      assert.ok((f.suppression?.reason ?? '').length >= 80, `${f.rule}: the reason says why`);
    }
    assert.deepEqual(serious.filter((f) => f.file === 'deploy/scanner-rbac.yaml'), []);
    // The node Job's exceptions are the ones CIS node checks need, and only those.
    assert.deepEqual([...new Set(serious.filter((f) => f.file === 'deploy/node-job.yaml').map((f) => f.rule))].sort(), [
      'host-credentials-mount', 'host-path-volume', 'host-pid', 'host-system-mount', 'namespace-pod-security-not-enforced', 'root-group-id', 'run-as-non-root', 'run-as-root-user',
    ]);
  });

  test('grants get and list, nothing else, on every kind the scanner lists except Secrets, and get on /metrics', async () => {
    const { CLUSTER_KINDS } = await import('../src/sources/cluster.js');
    const docs = loadFixtureObjects([path.join(root, 'deploy/scanner-rbac.yaml')]);
    const role = docs.find((d) => d.kind === 'ClusterRole')!;
    const granted = new Set<string>();
    assert.deepEqual(role.rules.filter((r: { nonResourceURLs?: string[] }) => r.nonResourceURLs), [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]);
    for (const rule of role.rules.filter((r: { nonResourceURLs?: string[] }) => !r.nonResourceURLs)) {
      assert.deepEqual(rule.verbs, ['get', 'list']);
      for (const g of rule.apiGroups) for (const r of rule.resources) granted.add(`${g}/${r}`);
    }
    const wanted = new Set(CLUSTER_KINDS.filter((k) => k.kind !== 'Secret').map((k) => `${k.group}/${k.resource}`));
    assert.deepEqual([...granted].sort(), [...wanted].sort());
  });
});
