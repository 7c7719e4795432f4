/**
 * Drift against a REAL control plane (test/support/k8s/cluster: etcd, kube-apiserver and
 * kube-controller-manager v1.20.2 on 127.0.0.1): objects created with `kubectl apply`, then changed
 * with `kubectl patch` and `kubectl label`, then `kshield cluster --desired DIR`.
 */
import assert from 'node:assert/strict';
import { test, describe, before, after } from 'node:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kshieldAsync } from './support/cli.js';
import { CLUSTER_SCRIPT, readClusterEnv, skipUnlessRealCluster, type ClusterEnv } from './support/real-cluster.js';

const { skip: skipReason, missing: why } = skipUnlessRealCluster('the drift integration tests');

const NS = 'drift-it';

const MANIFESTS = `apiVersion: v1
kind: Namespace
metadata:
  name: ${NS}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${NS}
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: registry.example.com/shop/web:1.4.2
        securityContext:
          allowPrivilegeEscalation: false
          capabilities:
            drop: [ALL]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: ${NS}
spec:
  replicas: 1
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: registry.example.com/shop/api:2.0.1
`;

/** A privileged pod created while the namespace has no enforce label (kubectl run's shape). */
const DEBUG_POD = `apiVersion: v1
kind: Pod
metadata:
  name: debug
  namespace: ${NS}
spec:
  hostNetwork: true
  containers:
  - name: debug
    image: busybox:1.36
    securityContext: {privileged: true}
`;

describe('drift rules and --desired against a real control plane (v1.20.2)', { skip: skipReason, timeout: 240_000 }, () => {
  let dir: string;
  let env: ClusterEnv;
  let desiredDir: string;

  const kubectl = (...args: string[]): string => {
    const r = spawnSync('kubectl', ['--kubeconfig', env.kubeconfig, ...args], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `kubectl ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    return r.stdout;
  };

  before(() => {
    if (why) assert.fail(`KSHIELD_INTEGRATION=required but ${why}`);
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-drift-'));
    const started = spawnSync(CLUSTER_SCRIPT, ['start', dir], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(started.status, 0, `cluster start failed: ${started.stdout}${started.stderr}`);
    env = readClusterEnv(dir);
    desiredDir = path.join(dir, 'desired');
    mkdirSync(desiredDir);
    writeFileSync(path.join(desiredDir, 'shop.yaml'), MANIFESTS);
    writeFileSync(path.join(dir, 'debug.yaml'), DEBUG_POD);
    kubectl('apply', '-f', path.join(desiredDir, 'shop.yaml'));
    // A new namespace's default ServiceAccount appears a moment later; pods are refused until then.
    for (let i = 0; i < 40; i++) {
      const r = spawnSync('kubectl', ['--kubeconfig', env.kubeconfig, 'apply', '-f', path.join(dir, 'debug.yaml')], { encoding: 'utf8' });
      if (r.status === 0) break;
      if (i === 39) assert.fail(`kubectl apply debug pod: ${r.stderr}`);
      spawnSync('sleep', ['0.25']);
    }
    // The changes behind Git's back: the web Deployment made privileged and host-networked.
    kubectl('patch', 'deployment', 'web', '-n', NS, '--type', 'strategic', '-p', JSON.stringify({ spec: { template: { spec: { hostNetwork: true, containers: [{ name: 'web', securityContext: { privileged: true, allowPrivilegeEscalation: null } }] } } } }));
    // The namespace labelled afterwards: the running privileged pod is now one the level forbids.
    kubectl('label', 'namespace', NS, 'pod-security.kubernetes.io/enforce=baseline');
  });

  after(() => {
    if (dir) {
      spawnSync(CLUSTER_SCRIPT, ['stop', dir], { encoding: 'utf8', timeout: 60_000 });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('kshield cluster --desired reports the patched fields at the manifest lines, last-applied drift on the live object, and the pod PSA would refuse', async () => {
    const run = await kshieldAsync(['cluster', '--kubeconfig', env.kubeconfig, '-n', NS, '--desired', desiredDir, '--only', 'drift', '-o', 'json'], { NO_COLOR: '1' });
    assert.equal(run.code, 1, run.stderr);
    const report = JSON.parse(run.stdout);
    const manifest = path.join(desiredDir, 'shop.yaml');
    const findings = report.findings.map((f: any) => ({ rule: f.rule, severity: f.severity, file: f.file, line: f.line, path: f.path, message: f.message }));
    const desired = findings.filter((f: any) => f.rule === 'drift-from-desired');
    assert.deepEqual(
      desired.map((f: any) => [f.severity, path.resolve(f.file), f.line, f.path]),
      [
        ['high', manifest, 18, '/desired/spec/template/spec/hostNetwork'],
        ['high', manifest, 22, '/desired/spec/template/spec/containers/0/securityContext/privileged'],
        ['medium', manifest, 23, '/desired/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation'],
      ],
    );
    assert.match(desired[0].message, new RegExp(`^live Deployment ${NS}/web \\(cluster:[^)]+\\) at /spec/template/spec/hostNetwork: the pod shares the node's network namespace: true live, not set declared$`));
    // web is declared: the manifest comparison is its one finding per field, not the last-applied one too.
    assert.deepEqual(findings.filter((f: any) => f.rule === 'drift-from-last-applied'), []);
    const bypassed = findings.filter((f: any) => f.rule === 'drift-pod-security-bypassed');
    assert.equal(bypassed.length, 1, JSON.stringify(findings, null, 2));
    assert.equal(bypassed[0].severity, 'medium');
    assert.equal(bypassed[0].path, '/spec/containers/0/securityContext/privileged');
    assert.match(bypassed[0].message, new RegExp(`^pod ${NS}/debug runs in namespace ${NS}, which enforces baseline at .*Pod Security Admission does not exist on Kubernetes v1\\.20\\.2`));
    // The unchanged Deployment api is declared too: nothing about it.
    assert.ok(!findings.some((f: any) => /\bapi\b/.test(f.message) && f.rule.startsWith('drift-from')), JSON.stringify(findings, null, 2));
  });

  test('without --desired, the patched fields are reported against the last-applied annotation kubectl apply wrote', async () => {
    const run = await kshieldAsync(['cluster', '--kubeconfig', env.kubeconfig, '-n', NS, '--only', 'drift-from-last-applied', '-o', 'json'], { NO_COLOR: '1' });
    assert.equal(run.code, 1, run.stderr);
    const findings = JSON.parse(run.stdout).findings;
    assert.deepEqual(
      findings.map((f: any) => [f.resource.kind, f.resource.name, f.severity, f.path]),
      [
        ['Deployment', 'web', 'high', '/spec/template/spec/hostNetwork'],
        ['Deployment', 'web', 'high', '/spec/template/spec/containers/0/securityContext/privileged'],
        ['Deployment', 'web', 'medium', '/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation'],
      ],
    );
    assert.match(findings[1].message, /^container "web" runs privileged: true live, not set last applied$/);
  });

  test('a --desired path that does not exist is an input error (exit 2) and the scan still runs', async () => {
    const run = await kshieldAsync(['cluster', '--kubeconfig', env.kubeconfig, '-n', NS, '--desired', path.join(dir, 'nope'), '--only', 'drift', '-o', 'json'], { NO_COLOR: '1' });
    assert.equal(run.code, 2, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.ok(report.errors.some((e: any) => e.file.endsWith('nope')), JSON.stringify(report.errors));
    // Nothing declared: the last-applied comparison still runs.
    assert.ok(report.findings.some((f: any) => f.rule === 'drift-from-last-applied'));
  });
});
