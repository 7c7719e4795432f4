/**
 * Tenant isolation (`kshield tenants`, src/analysis/tenants.ts, the tenancy rules) and encryption at
 * rest (the storage rules, the API server's storage transformation metrics), each on small manifests
 * of the shape of the problem.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kshield } from './support/cli.js';
import { loadText } from '../src/sources/files.js';
import { evaluate } from '../src/engine/engine.js';
import { rules } from '../src/rules/index.js';
import { hostPathsOverlap, isTenantNamespace, parseTenantLabel, serviceDnsNamespace } from '../src/analysis/tenants.js';
import { parseStorageTransformers } from '../src/sources/cluster.js';
import { parseConfig } from '../src/config/config-file.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'kshield-tenants-'));
function write(name: string, text: string): string {
  const file = path.join(scratch, name);
  writeFileSync(file, text);
  return file;
}

const ns = (name: string, labels = ''): string => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}${labels ? `\n  labels: {${labels}}` : ''}`;
const deploy = (name: string, namespace: string, extra = ''): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: app, image: registry.example.com/${name}:1.0}]${extra}`;
const denyAll = (namespace: string): string => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: ${namespace}}\nspec: {podSelector: {}, policyTypes: [Ingress, Egress]}`;

function findingsOf(text: string, ids: string[], settings = {}) {
  const loaded = loadText(text, 'm.yaml');
  assert.deepEqual(loaded.errors, []);
  return evaluate(loaded.resources, { rules: rules.filter((r) => ids.includes(r.id)), settings }).findings;
}

// ---------------------------------------------------------------------------------------------
// What a tenant is, and the names that cross

test('tenant namespaces: platform namespaces are not, and a tenant label decides alone', () => {
  for (const name of ['kube-system', 'kube-public', 'kube-node-lease', 'default', 'istio-system', 'kube-flannel', 'openshift-monitoring']) assert.equal(isTenantNamespace(name, undefined), false, name);
  assert.equal(isTenantNamespace('team-a', undefined), true);
  const label = parseTenantLabel('tenant=true');
  assert.equal(isTenantNamespace('team-a', { tenant: 'true' }, label), true);
  assert.equal(isTenantNamespace('team-a', { tenant: 'false' }, label), false);
  assert.equal(isTenantNamespace('team-a', undefined, label), false, 'no Namespace object: labels unknown');
  assert.equal(isTenantNamespace('kube-system', { tenant: 'true' }, label), true, 'the label decides alone');
  assert.equal(isTenantNamespace('x', { 'example.com/tenant': '' }, parseTenantLabel('example.com/tenant')), true);
  assert.throws(() => parseTenantLabel('=x'), /the key is empty/);
  assert.throws(() => parseTenantLabel('a b'), /not a label key/);
  assert.throws(() => parseTenantLabel('k=bad value'), /the value must start and end/);
});

test('ExternalName targets and host paths that cross', () => {
  assert.deepEqual(serviceDnsNamespace('orders.team-a.svc.cluster.local'), { service: 'orders', namespace: 'team-a' });
  assert.deepEqual(serviceDnsNamespace('Orders.Team-A.svc.'), { service: 'orders', namespace: 'team-a' });
  assert.deepEqual(serviceDnsNamespace('orders.team-a.svc'), { service: 'orders', namespace: 'team-a' });
  assert.equal(serviceDnsNamespace('orders.team-a'), undefined, 'a CNAME target is absolute: orders.team-a does not resolve into the cluster');
  assert.equal(serviceDnsNamespace('api.payments.example.net'), undefined);
  assert.equal(hostPathsOverlap('/var/spool', '/var/spool/a'), true);
  assert.equal(hostPathsOverlap('/var/spool/a', '/var/spool/b'), false);
  assert.equal(hostPathsOverlap('/var/spoolx', '/var/spool'), false);
  assert.equal(hostPathsOverlap('/', '/etc'), true);
});

// ---------------------------------------------------------------------------------------------
// The rules

test('a RoleBinding to another tenant\'s service accounts is reported; one to a platform namespace or its own is not', () => {
  const binding = (subjects: string) => `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: b, namespace: team-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [${subjects}]`;
  const ids = ['role-binding-cross-tenant-subject'];
  assert.deepEqual(findingsOf(binding('{kind: ServiceAccount, name: ci, namespace: team-b}'), ids).map((f) => f.path), ['/subjects/0']);
  assert.deepEqual(findingsOf(binding('{kind: ServiceAccount, name: prometheus, namespace: kube-system}, {kind: ServiceAccount, name: ci, namespace: team-a}'), ids), []);
  assert.deepEqual(findingsOf(binding('{kind: Group, name: "system:serviceaccounts:team-c", apiGroup: rbac.authorization.k8s.io}'), ids).map((f) => f.message), [
    'RoleBinding "b" grants Role "reader" in tenant namespace "team-a" to Group system:serviceaccounts:team-c of tenant namespace "team-c"',
  ]);
  // With a tenant label, only namespaces whose Namespace object carries it are tenants.
  const labelled = [ns('team-a', 'tenant: "yes"'), ns('team-b'), binding('{kind: ServiceAccount, name: ci, namespace: team-b}')].join('\n---\n');
  assert.deepEqual(findingsOf(labelled, ids, { tenantLabel: 'tenant' }), []);
  assert.equal(findingsOf(labelled.replace('name: team-b', 'name: team-b\n  labels: {tenant: "no"}'), ids, { tenantLabel: 'tenant' }).length, 1);
});

test('a tenant namespace without ResourceQuota and LimitRange is reported once each; a platform one is not', () => {
  const ids = ['namespace-without-resource-quota', 'namespace-without-limit-range'];
  const f = findingsOf([ns('team-a'), ns('kube-system'), ns('istio-system')].join('\n---\n'), ids);
  assert.deepEqual(f.map((x) => `${x.rule} ${x.resource.name}`), ['namespace-without-resource-quota team-a', 'namespace-without-limit-range team-a']);
  assert.equal(f[0].severity, 'low');
});

test('a hostPath two tenants mount folds into host-path-volume in a scan: one finding per mount, the sharing related', () => {
  const spool = '\n      volumes: [{name: s, hostPath: {path: /srv/shared}}]';
  const file = write('shared.yaml', [deploy('a', 'team-a', spool), deploy('b', 'team-b', spool), deploy('c', 'team-c', '\n      volumes: [{name: s, hostPath: {path: /etc/localtime}}]'), deploy('d', 'team-d', '\n      volumes: [{name: s, hostPath: {path: /etc/localtime}}]')].join('\n---\n'));
  const r = kshield(['scan', file, '--only', 'host-path-volume,host-path-shared-across-tenants', '-o', 'json']);
  const findings = JSON.parse(r.stdout).findings as { rule: string; resource: { namespace: string }; related?: { rule: string; message: string }[] }[];
  const shared = findings.filter((f) => f.resource.namespace === 'team-a' || f.resource.namespace === 'team-b');
  assert.deepEqual(shared.map((f) => [f.rule, f.related?.map((x) => x.rule)]), [['host-path-volume', ['host-path-shared-across-tenants']], ['host-path-volume', ['host-path-shared-across-tenants']]]);
  assert.match(shared[0].related![0].message, /hostPath \/srv\/shared of tenant namespace "team-a" is also mounted by team-b\/Deployment\/b/);
  // /etc/localtime is shared by every node's pods and harmless: no sharing reported.
  assert.deepEqual(findings.filter((f) => f.resource.namespace === 'team-c' && (f.rule === 'host-path-shared-across-tenants' || f.related?.some((x) => x.rule === 'host-path-shared-across-tenants'))), []);
  assert.ok(findings.some((f) => f.resource.namespace === 'team-c' && f.rule === 'host-path-volume'), 'the mount itself is still reported');
});

test('StorageClasses: EBS, Ceph RBD and Longhorn without encryption are low, GCE PD and Azure Disk without a customer key info, unknown provisioners nothing', () => {
  const sc = (name: string, provisioner: string, params: string) => `apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: ${name}}\nprovisioner: ${provisioner}\nparameters: {${params}}`;
  const text = [
    sc('ebs', 'ebs.csi.aws.com', 'type: gp3'),
    sc('ebs-true', 'kubernetes.io/aws-ebs', 'encrypted: "True"'),
    sc('ebs-key', 'ebs.csi.aws.com', 'encrypted: "1", kmsKeyId: "arn:aws:kms:eu-west-1:1:key/k"'),
    sc('rook', 'rook-ceph.rbd.csi.ceph.com', 'pool: replicapool'),
    sc('longhorn', 'driver.longhorn.io', 'encrypted: "yes"'),
    sc('pd', 'kubernetes.io/gce-pd', 'type: pd-ssd'),
    sc('azure', 'disk.csi.azure.com', 'diskencryptionsetid: /subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/diskEncryptionSets/d'),
    sc('nfs', 'nfs.csi.k8s.io', 'server: nfs.example'),
  ].join('\n---\n');
  const f = findingsOf(text, ['storage-class-unencrypted', 'storage-class-platform-managed-key']);
  assert.deepEqual(f.map((x) => `${x.resource.name} ${x.severity} ${x.path}`), [
    'ebs low /parameters',
    'ebs-true info /parameters/encrypted',
    'rook low /parameters',
    // "yes" is not a value Go's strconv.ParseBool reads as true: not a request for encryption.
    'longhorn low /parameters/encrypted',
    'pd info /parameters',
  ]);
  assert.match(f[0].message, /unless EBS encryption by default is turned on for the account and region/);
});

test('a claim is judged through its class, the default one when it names none, and not when its bound volume is in the scan', () => {
  const ids = ['persistent-volume-unencrypted-class'];
  const cls = (name: string, isDefault: boolean, params: string) => `apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: ${name}\n  annotations: {storageclass.kubernetes.io/is-default-class: "${isDefault}"}\nprovisioner: ebs.csi.aws.com\nparameters: {${params}}`;
  const pvc = (name: string, spec: string) => `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: ${name}, namespace: team-a}\nspec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}${spec}}`;
  const classes = [cls('plain', true, 'type: gp3'), cls('sealed', false, 'encrypted: "true"')];
  assert.deepEqual(findingsOf([...classes, pvc('a', ''), pvc('b', ', storageClassName: sealed'), pvc('c', ', storageClassName: plain'), pvc('d', ', storageClassName: ""')].join('\n---\n'), ids).map((f) => f.resource.name), ['a', 'c']);
  // Two classes marked default: which one admission picks is not knowable from manifests (newest wins), so none is assumed.
  assert.deepEqual(findingsOf([cls('plain', true, 'type: gp3'), cls('other', true, 'type: gp3'), pvc('a', '')].join('\n---\n'), ids), []);
});

test('the API server\'s storage transformation metrics, as a v1.20 kube-apiserver writes them', () => {
  const aescbc = [
    '# TYPE apiserver_storage_transformation_operations_total counter',
    'apiserver_storage_transformation_operations_total{status="OK",transformation_type="from_storage",transformer_prefix="k8s:enc:aescbc:v1:"} 29',
    'apiserver_storage_transformation_operations_total{status="OK",transformation_type="from_storage",transformer_prefix="key1:"} 29',
    'apiserver_storage_transformation_operations_total{status="OK",transformation_type="to_storage",transformer_prefix="k8s:enc:aescbc:v1:"} 29',
    'apiserver_storage_transformation_operations_total{status="OK",transformation_type="to_storage",transformer_prefix="key1:"} 29',
  ].join('\n');
  assert.deepEqual(parseStorageTransformers(aescbc), { toStorage: ['k8s:enc:aescbc:v1:'], fromStorage: ['k8s:enc:aescbc:v1:'] });
  const identityFirst = [
    'apiserver_storage_transformation_operations_total{status="OK",transformation_type="from_storage",transformer_prefix="identity"} 17',
    'apiserver_storage_transformation_operations_total{status="OK",transformation_type="to_storage",transformer_prefix=""} 17',
  ].join('\n');
  assert.deepEqual(parseStorageTransformers(identityFirst), { toStorage: [''], fromStorage: ['identity'] });
  assert.deepEqual(parseStorageTransformers('# TYPE apiserver_storage_envelope_transformation_cache_misses_total counter\napiserver_storage_envelope_transformation_cache_misses_total 0'), { toStorage: [], fromStorage: [] });
});

test('tenantLabel in the configuration is checked with its line', () => {
  assert.throws(() => parseConfig('kubernetesVersion: "1.30"\ntenantLabel: "x/y/z"\n', '.kshield.yaml', rules), (e: Error & { line?: number }) => /tenantLabel/.test(e.message) && /\.kshield\.yaml/.test(`${e.message}${(e as { file?: string }).file ?? ''}`));
});

// ---------------------------------------------------------------------------------------------
// The command

test('kshield tenants: a hardened tenant alone exits 0; network crossings come from the NetworkPolicy model, one line per namespace pair', () => {
  const hardened = write('hardened.yaml', [
    ns('team-a', 'pod-security.kubernetes.io/enforce: baseline'),
    denyAll('team-a'),
    'apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: q, namespace: team-a}\nspec: {hard: {pods: "5"}}',
    'apiVersion: v1\nkind: LimitRange\nmetadata: {name: l, namespace: team-a}\nspec: {limits: [{type: Container, default: {memory: 128Mi}}]}',
    deploy('api', 'team-a'),
  ].join('\n---\n'));
  const ok = kshield(['tenants', hardened]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^team-a +ingress\+egress +q +l +baseline +1 +0$/m);
  assert.match(ok.stdout, /crossing tenant boundaries:\n {2}\(nothing\)/);

  const open = write('open.yaml', [deploy('a1', 'team-a'), deploy('a2', 'team-a'), deploy('b1', 'team-b'), deploy('k', 'kube-system'), deploy('x1', 'kube-public')].join('\n---\n'));
  const r = kshield(['tenants', open, '-o', 'json']);
  assert.equal(r.code, 1);
  const out = JSON.parse(r.stdout);
  // Platform to platform is no crossing; each tenant pair and tenant-platform pair is one line with its count.
  assert.deepEqual(out.crossings.filter((c: { kind: string }) => c.kind === 'network').map((c: { from: string; to: string; what: string }) => `${c.from}>${c.to} ${c.what.split(' ')[0]}`), [
    'kube-public>team-a 2', 'kube-public>team-b 1', 'kube-system>team-a 2', 'kube-system>team-b 1', 'team-a>kube-public 2', 'team-a>kube-system 2', 'team-a>team-b 2', 'team-b>kube-public 1', 'team-b>kube-system 1', 'team-b>team-a 2',
  ]);
  // A default deny in team-b closes what reaches into it and what leaves it.
  const closed = kshield(['tenants', open, write('deny-b.yaml', denyAll('team-b')), '-o', 'json']);
  const network = JSON.parse(closed.stdout).crossings.filter((c: { kind: string }) => c.kind === 'network');
  assert.ok(network.every((c: { from: string; to: string }) => c.from !== 'team-b' && c.to !== 'team-b'), JSON.stringify(network));
});

test('kshield tenants: two PersistentVolumes claimed from two tenants that are one NFS export cross; input and usage errors exit 2', () => {
  const pv = (name: string, claimNs: string, nfsPath: string) => `apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: ${name}}\nspec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteMany], claimRef: {namespace: ${claimNs}, name: data}, nfs: {server: nfs.example, path: "${nfsPath}"}}`;
  const file = write('pv.yaml', [pv('pv-a', 'team-a', '/exports/shared'), pv('pv-b', 'team-b', '/exports/shared/'), pv('pv-c', 'team-c', '/exports/c')].join('\n---\n'));
  const out = JSON.parse(kshield(['tenants', file, '-o', 'json']).stdout);
  assert.deepEqual(out.crossings, [{ kind: 'storage', from: 'team-a', to: 'team-b', what: 'PersistentVolumes pv-a and pv-b are one volume (nfs nfs.example:/exports/shared)', via: 'PersistentVolume/pv-a, PersistentVolume/pv-b' }]);
  const bad = kshield(['tenants', file, '--tenant-label', 'a=b c']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--tenant-label: "a=b c": the value must start and end/);
  const broken = write('broken.yaml', `${ns('team-a')}\n---\nkind: [\n`);
  const partial = kshield(['tenants', broken]);
  assert.equal(partial.code, 2);
  assert.match(partial.stderr, /broken\.yaml:\d+/);
  assert.match(partial.stdout, /^team-a /m, 'what could be read is still analysed');
  const cluster = kshield(['tenants', file, '--cluster']);
  assert.equal(cluster.code, 2);
  assert.match(cluster.stderr, /--cluster reads the live cluster: give no paths/);
});
