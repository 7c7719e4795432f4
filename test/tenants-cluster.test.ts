/**
 * `kshield tenants --cluster` and `kshield cluster` against the real kube-apiserver (v1.20.2 with etcd
 * and kube-controller-manager, test/support/k8s/cluster): the objects of examples/tenants/ created
 * through the API (two tenants, one isolated and one not, a cross-tenant RoleBinding, an ExternalName
 * Service into the other tenant, one hostPath mounted by both, an unencrypted and an encrypted EBS
 * StorageClass with a PersistentVolume of the unencrypted one) are reported as the file scan of the
 * same manifests reports them. The control plane runs without an EncryptionConfiguration, which its
 * own metrics show: `kshield cluster` reports that once.
 */
import assert from 'node:assert/strict';
import { test, describe, before, after } from 'node:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { kshield, kshieldAsync, root } from './support/cli.js';
import { CLUSTER_SCRIPT, readClusterEnv, skipUnlessRealCluster, type ClusterEnv } from './support/real-cluster.js';
import { loadKubeClient, type KubeClient } from '../src/sources/kube-client.js';

const { skip: skipReason, missing: why } = skipUnlessRealCluster('the real-API-server test of kshield tenants and the storage rules');

const EXAMPLE = path.join(root, 'examples/tenants');
const FILES = ['namespaces.yaml', 'workloads.yaml', 'storage.yaml'].map((f) => path.join(EXAMPLE, f));

type Obj = Record<string, any>;

interface TenantJson {
  namespaces: { name: string; tenant: boolean; defaultDeny: { ingress: boolean; egress: boolean }; resourceQuotas: string[]; limitRanges: string[]; podSecurityEnforce: string | null; findings: { rule: string; related?: { rule: string }[] }[] }[];
  crossings: { kind: string; from: string; to: string; what: string; via?: string }[];
}

/** What a tenants report says, without the places (files, lines, the objects a crossing names), which differ between a listing and files. */
function essence(report: TenantJson): unknown {
  return {
    namespaces: report.namespaces
      .filter((n) => n.tenant)
      .map((n) => ({
        name: n.name,
        defaultDeny: n.defaultDeny,
        resourceQuotas: n.resourceQuotas,
        limitRanges: n.limitRanges,
        podSecurityEnforce: n.podSecurityEnforce,
        rules: [...new Set(n.findings.flatMap((f) => [f.rule, ...(f.related ?? []).map((r) => r.rule)]))].sort(),
      })),
    crossings: report.crossings.map((c) => `${c.kind} ${c.from} -> ${c.to}: ${c.what}`).sort(),
  };
}

const STORAGE_AND_TENANCY = new Set([
  'storage-class-unencrypted', 'storage-class-platform-managed-key', 'persistent-volume-unencrypted-class',
  'namespace-without-resource-quota', 'namespace-without-limit-range', 'role-binding-cross-tenant-subject', 'external-name-cross-tenant', 'host-path-shared-across-tenants',
]);

/** rule kind namespace/name of each finding of the storage and tenancy rules (related ones included) on objects of the given kinds. */
function findingKeys(report: Obj, kinds: Set<string>): string[] {
  const keys = new Set<string>();
  for (const f of report.findings as Obj[])
    for (const rule of [f.rule, ...((f.related ?? []) as Obj[]).map((r) => r.rule)])
      if (STORAGE_AND_TENANCY.has(rule) && kinds.has(f.resource.kind)) keys.add(`${rule} ${f.resource.kind} ${f.resource.namespace ?? ''}/${f.resource.name}`);
  return [...keys].sort();
}

describe('kshield tenants and the storage rules against the real kube-apiserver', { skip: skipReason }, () => {
  let dir: string;
  let env: ClusterEnv;
  let client: KubeClient;

  before(async () => {
    if (why) assert.fail(`KSHIELD_INTEGRATION=required but ${why}`);
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-k8s-tenants-'));
    const started = spawnSync(CLUSTER_SCRIPT, ['start', dir], { encoding: 'utf8', timeout: 180_000 });
    assert.equal(started.status, 0, `cluster start failed: ${started.stdout}${started.stderr}`);
    env = readClusterEnv(dir);
    client = await loadKubeClient({ kubeconfig: env.kubeconfig });
    const api = client.k8s.KubernetesObjectApi.makeApiClient(client.kc);
    const objects = FILES.flatMap((f) => (yaml.loadAll(readFileSync(f, 'utf8')) as Obj[]).filter(Boolean));
    // Namespaces first: the rest lives in them.
    for (const o of objects.filter((x) => x.kind === 'Namespace')) await api.create(o as never);
    for (const o of objects.filter((x) => x.kind !== 'Namespace')) await api.create(o as never);
  });

  after(() => {
    if (dir) {
      spawnSync(CLUSTER_SCRIPT, ['stop', dir], { encoding: 'utf8', timeout: 30_000 });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('kshield tenants --cluster reports the tenants, crossings and findings the file scan of the same manifests reports', async () => {
    const files = kshield(['tenants', ...FILES, '-o', 'json']);
    assert.equal(files.code, 1, files.stderr);
    const live = await kshieldAsync(['tenants', '--cluster', '--kubeconfig', env.kubeconfig, '-o', 'json']);
    assert.equal(live.code, 1, live.stderr);
    const fromFiles = JSON.parse(files.stdout) as TenantJson;
    const fromCluster = JSON.parse(live.stdout) as TenantJson;
    assert.deepEqual(essence(fromCluster), essence(fromFiles));
    // What that is, so the comparison cannot pass on two empty reports.
    const b = fromCluster.namespaces.find((n) => n.name === 'team-b')!;
    assert.deepEqual([...new Set(b.findings.map((f) => f.rule))].sort(), ['external-name-cross-tenant', 'host-path-shared-across-tenants', 'namespace-pod-security-not-enforced', 'namespace-without-limit-range', 'namespace-without-network-policy', 'namespace-without-resource-quota']);
    const a = fromCluster.namespaces.find((n) => n.name === 'team-a')!;
    assert.deepEqual(a.defaultDeny, { ingress: true, egress: true });
    assert.deepEqual([a.resourceQuotas, a.limitRanges, a.podSecurityEnforce], [['compute'], ['defaults'], 'restricted']);
    assert.deepEqual(fromCluster.crossings.map((c) => `${c.kind} ${c.from} -> ${c.to}`).sort(), ['dns team-b -> team-a', 'rbac team-b -> team-a', 'storage team-a -> team-b']);
    // The platform namespaces the API server makes are not tenants.
    assert.deepEqual(fromCluster.namespaces.filter((n) => !n.tenant).map((n) => n.name).sort(), ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    // The table, as a user reads it.
    const table = await kshieldAsync(['tenants', '--cluster', '--kubeconfig', env.kubeconfig, '--tenant-label', 'tenant=true']);
    assert.equal(table.code, 1, table.stderr);
    assert.match(table.stdout, /^team-a +ingress\+egress +compute +defaults +restricted +1 +2$/m);
    assert.match(table.stdout, /^team-b +none +no +no +unset +1 +6$/m);
  });

  // The quota and limit rules are opt-in outside kshield tenants: the test above covers them.
  test('kshield cluster reports the storage and tenancy findings a scan of the same manifests reports, and the missing encryption at rest once', async () => {
    const files = kshield(['scan', ...FILES, '-o', 'json']);
    assert.equal(files.stderr, '');
    const live = await kshieldAsync(['cluster', '--kubeconfig', env.kubeconfig, '-o', 'json']);
    assert.equal(files.code, live.code, live.stderr);
    const fromFiles = JSON.parse(files.stdout);
    const fromCluster = JSON.parse(live.stdout);
    const kinds = new Set(['Namespace', 'RoleBinding', 'Service', 'Deployment', 'StorageClass', 'PersistentVolume']);
    const expected = findingKeys(fromFiles, kinds);
    assert.deepEqual(findingKeys(fromCluster, kinds), expected);
    assert.deepEqual(expected, [
      'external-name-cross-tenant Service team-b/orders',
      'host-path-shared-across-tenants Deployment team-a/orders',
      'host-path-shared-across-tenants Deployment team-b/reports',
      'persistent-volume-unencrypted-class PersistentVolume /pv-reports',
      'role-binding-cross-tenant-subject RoleBinding team-a/team-b-deployer',
      'storage-class-platform-managed-key StorageClass /standard-rwo',
      'storage-class-unencrypted StorageClass /gp3',
    ]);
    // The API server runs without --encryption-provider-config: its metrics show no storage transformation.
    const atRest = (fromCluster.findings as Obj[]).filter((f) => f.rule === 'api-server-encryption-at-rest-missing');
    assert.equal(atRest.length, 1);
    assert.equal(atRest[0].resource.kind, 'ClusterInfo');
    assert.match(atRest[0].message, /no EncryptionConfiguration is in effect/);
    assert.equal((fromFiles.findings as Obj[]).filter((f) => f.rule === 'api-server-encryption-at-rest-missing').length, 0);
  });
});
