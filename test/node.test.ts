/** `kshield node --root DIR` on kubeadm-shaped trees, as a user runs it: statuses, evidence, detection, bad files. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { chmodSync, chownSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { kshield, root } from './support/cli.js';
import { parseFlags } from '../src/sources/node.js';
import { parseDuration } from '../src/node/checks.js';

const FIXTURES = path.join(root, 'test/fixtures/node');
let tmp: string;
let hardened: string;
let insecure: string;

interface Check {
  id: string;
  title: string;
  status: string;
  evidence: string;
  remediation: string;
}
interface Report {
  checks: Check[];
  detected: { layout: string; components: Record<string, string>; evidence: string[]; root: string };
  summary: Record<string, number>;
}

function walk(dir: string, visit: (file: string) => void): void {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p, visit);
    else visit(p);
  }
}

/** git keeps no modes: give the copies the modes a hardened or careless node would have. */
function setModes(tree: string, secure: boolean): void {
  walk(tree, (f) => chmodSync(f, secure && !f.endsWith('.crt') ? 0o600 : 0o644));
}

function run(dir: string): { code: number | null; report: Report; stderr: string } {
  const r = kshield(['node', '--root', dir, '-o', 'json']);
  return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
}

function check(report: Report, id: string): Check {
  const c = report.checks.find((x) => x.id === id);
  assert.ok(c, `check ${id} not in the report: ${report.checks.map((x) => x.id).join(' ')}`);
  return c;
}

/** A node tree built from path -> content. */
function tree(name: string, files: Record<string, string>): string {
  const dir = path.join(tmp, name);
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), content, { mode: 0o600 });
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kshield-node-'));
  hardened = path.join(tmp, 'hardened');
  insecure = path.join(tmp, 'insecure');
  cpSync(path.join(FIXTURES, 'hardened'), hardened, { recursive: true });
  cpSync(path.join(FIXTURES, 'insecure'), insecure, { recursive: true });
  setModes(hardened, true);
  setModes(insecure, false);
  if (process.getuid?.() === 0) {
    walk(hardened, (f) => chownSync(f, 0, 0));
    chownSync(path.join(insecure, 'etc/kubernetes/manifests/etcd.yaml'), 1000, 1000);
  }
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('kshield node: kubeadm fixtures', () => {
  test('hardened: every check passes, exit 0, kubeadm detected with each component source', () => {
    const { code, report } = run(hardened);
    const notPassing = report.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id} ${c.status}: ${c.evidence}`);
    assert.deepEqual(notPassing, []);
    assert.equal(code, 0);
    assert.equal(report.detected.layout, 'kubeadm');
    assert.deepEqual(report.detected.components, {
      apiserver: '/etc/kubernetes/manifests/kube-apiserver.yaml',
      'controller-manager': '/etc/kubernetes/manifests/kube-controller-manager.yaml',
      scheduler: '/etc/kubernetes/manifests/kube-scheduler.yaml',
      etcd: '/etc/kubernetes/manifests/etcd.yaml',
      kubelet: '/var/lib/kubelet/config.yaml',
    });
    for (const id of ['1.1.1', '1.1.21', '1.2.1', '1.2.29', '1.3.7', '1.4.2', '2.2', '2.5', '4.2.1', '4.2.4', '4.2.6']) check(report, id);
  });

  test('JSON has exactly checks, detected and summary; each check exactly id, title, status, evidence, remediation', () => {
    const { report } = run(hardened);
    assert.deepEqual(Object.keys(report).sort(), ['checks', 'detected', 'summary']);
    for (const c of report.checks) {
      assert.deepEqual(Object.keys(c), ['id', 'title', 'status', 'evidence', 'remediation']);
      assert.match(c.status, /^(pass|fail|warn|manual)$/);
    }
    assert.equal(report.summary.pass, report.checks.length);
  });

  test('insecure: the failures a user must see, with file and flag as evidence; exit 1', () => {
    const { code, report } = run(insecure);
    assert.equal(code, 1);
    const api = '/etc/kubernetes/manifests/kube-apiserver.yaml';
    const expectations: [string, string, string][] = [
      ['1.2.1', 'fail', `${api}: --anonymous-auth=true`],
      ['1.2.6', 'fail', `${api}: --authorization-mode=AlwaysAllow`],
      ['1.2.10', 'fail', `${api}: --enable-admission-plugins=AlwaysAdmit`],
      ['1.2.15', 'fail', `${api}: --enable-admission-plugins=AlwaysAdmit, --disable-admission-plugins not set`],
      ['1.2.16', 'fail', `${api}: --profiling=true`],
      ['1.2.17', 'fail', `${api}: --audit-log-path not set`],
      ['1.2.18', 'fail', `${api}: --audit-log-maxage=7`],
      ['1.2.21', 'fail', `${api}: --request-timeout=0s`],
      ['1.2.22', 'fail', `${api}: --service-account-lookup=false`],
      ['1.2.24', 'fail', `${api}: --etcd-certfile not set, --etcd-keyfile not set`],
      ['1.2.28', 'pass', `${api}: --encryption-provider-config=/etc/kubernetes/enc/encryption-config.yaml`],
      ['1.2.29', 'fail', '/etc/kubernetes/enc/encryption-config.yaml: resources[0].providers[0] is identity'],
      ['1.2.30', 'fail', `${api}: --tls-cipher-suites=TLS_RSA_WITH_RC4_128_SHA,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`],
      ['1.2.tls-min-version', 'fail', `${api}: --tls-min-version=VersionTLS10`],
      ['1.2.insecure-port', 'fail', `${api}: --insecure-port=8080`],
      ['1.3.3', 'fail', '/etc/kubernetes/manifests/kube-controller-manager.yaml: --use-service-account-credentials=false'],
      ['1.3.7', 'fail', '/etc/kubernetes/manifests/kube-controller-manager.yaml: --bind-address=0.0.0.0'],
      // `--profiling false` with a space: pflag reads a boolean flag alone, so profiling is on.
      ['1.4.1', 'fail', '/etc/kubernetes/manifests/kube-scheduler.yaml: --profiling=true'],
      ['1.4.2', 'fail', '/etc/kubernetes/manifests/kube-scheduler.yaml: --bind-address=0.0.0.0'],
      ['2.2', 'fail', '/etc/kubernetes/manifests/etcd.yaml: --client-cert-auth=false'],
      ['2.3', 'fail', '/etc/kubernetes/manifests/etcd.yaml: --auto-tls=true'],
      ['2.6', 'fail', '/etc/kubernetes/manifests/etcd.yaml: --peer-auto-tls=true'],
      ['1.1.1', 'fail', `${api} 644`],
      ['1.1.20', 'pass', '/etc/kubernetes/pki/apiserver.crt 644, /etc/kubernetes/pki/ca.crt 644, /etc/kubernetes/pki/etcd/ca.crt 644, /etc/kubernetes/pki/etcd/server.crt 644'],
      ['4.1.5', 'fail', '/etc/kubernetes/kubelet.conf 644'],
      ['4.2.1', 'fail', '/var/lib/kubelet/config.yaml: authentication.anonymous.enabled: true'],
      ['4.2.2', 'fail', '/var/lib/kubelet/config.yaml: authorization.mode: "AlwaysAllow"'],
      ['4.2.4', 'fail', '/var/lib/kubelet/config.yaml: readOnlyPort: 10255'],
      ['4.2.5', 'fail', '/var/lib/kubelet/config.yaml: streamingConnectionIdleTimeout: "0s"'],
      ['4.2.6', 'fail', '/var/lib/kubelet/config.yaml: protectKernelDefaults not set (default false)'],
      ['4.2.9', 'fail', '/var/lib/kubelet/config.yaml: eventRecordQPS: -1'],
      ['4.2.11', 'fail', '/var/lib/kubelet/config.yaml: rotateCertificates not set (default false)'],
    ];
    for (const [id, status, evidence] of expectations) {
      const c = check(report, id);
      assert.deepEqual([id, c.status, c.evidence], [id, status, evidence]);
    }
    const keys = check(report, '1.1.21');
    assert.equal(keys.status, 'fail');
    assert.match(keys.evidence, /\/etc\/kubernetes\/pki\/etcd\/server\.key 644/);
    assert.match(check(report, '1.2.1').remediation, /--anonymous-auth=false/);
    if (process.getuid?.() === 0) {
      assert.deepEqual(check(report, '1.1.8'), { ...check(report, '1.1.8'), status: 'fail', evidence: '/etc/kubernetes/manifests/etcd.yaml 1000:1000' });
      assert.equal(check(report, '1.1.2').status, 'pass');
    }
  });

  test('table output: detected layout, one block per component, summary line', () => {
    const r = kshield(['node', '--root', insecure, '--no-color']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^Detected: kubeadm control-plane node under .*insecure \(\/etc\/kubernetes\/manifests\)\n/);
    for (const group of ['files', 'API server', 'controller manager', 'scheduler', 'etcd', 'kubelet']) assert.ok(r.stdout.includes(`\n== ${group} ==\n`), group);
    assert.match(r.stdout, /\n {2}1\.2\.1 +FAIL  --anonymous-auth is false\n +\/etc\/kubernetes\/manifests\/kube-apiserver\.yaml: --anonymous-auth=true\n/);
    assert.match(r.stdout, /\n\d+ checks: \d+ pass, \d+ fail, 0 warn, 0 manual\n$/);
  });
});

describe('kshield node: other outputs', () => {
  test('markdown: a table per component, pipes escaped; json to a file alongside; sarif refused with exit 2', () => {
    const out = path.join(tmp, 'reports/node.json');
    const r = kshield(['node', '--root', insecure, '-o', 'markdown', '-o', `json=${out}`]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^# kshield node report\n\nDetected: kubeadm control-plane node under `.*insecure`\. 70 checks: \d+ pass, \d+ fail, 0 warn, 0 manual\.\n/);
    assert.match(r.stdout, /\n## etcd\n\n\| id \| status \| check \| evidence \| remediation \|\n\| --- \| --- \| --- \| --- \| --- \|\n\| 2\.1 \| fail \| --cert-file and --key-file are set \| \/etc\/kubernetes\/manifests\/etcd\.yaml: --cert-file not set, --key-file not set \| In the etcd static pod manifest/);
    assert.equal((JSON.parse(readFileSync(out, 'utf8')) as Report).detected.layout, 'kubeadm');
    assert.match(r.stderr, /wrote json report to .*node\.json/);
    const sarif = kshield(['node', '--root', insecure, '-o', 'sarif']);
    assert.equal(sarif.code, 2);
    assert.match(sarif.stderr, /kshield node writes table, json or markdown; sarif is not supported yet/);
  });
});

describe('kshield node: layouts', () => {
  test('worker-only node: kubelet checks only, flags from /proc override the config file', () => {
    const dir = tree('worker', {
      'var/lib/kubelet/kubelet-config.yaml': 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: false\nreadOnlyPort: 0\n',
      'etc/kubernetes/kubelet.conf': 'apiVersion: v1\nkind: Config\n',
      'proc/4242/cmdline': '/usr/bin/kubelet\0--config=/var/lib/kubelet/kubelet-config.yaml\0--anonymous-auth=true\0--kubeconfig\0/etc/kubernetes/kubelet.conf\0',
      'proc/17/cmdline': '/usr/sbin/sshd\0-D\0',
    });
    const { code, report } = run(dir);
    assert.equal(code, 1);
    assert.equal(report.detected.layout, 'worker');
    assert.deepEqual(report.detected.components, { kubelet: '/proc/4242/cmdline' });
    assert.ok(!report.checks.some((c) => c.id.startsWith('1.2') || c.id.startsWith('2.')), 'no control-plane checks on a worker');
    assert.deepEqual(check(report, '4.2.1'), { ...check(report, '4.2.1'), status: 'fail', evidence: '/proc/4242/cmdline: --anonymous-auth=true' });
    assert.deepEqual(check(report, '4.2.4'), { ...check(report, '4.2.4'), status: 'pass', evidence: '/var/lib/kubelet/kubelet-config.yaml: readOnlyPort: 0' });
    // A config file is in use, so an unset authorization mode takes the file default, Webhook.
    assert.equal(check(report, '4.2.2').status, 'pass');
    assert.equal(check(report, '4.1.5').evidence, '/etc/kubernetes/kubelet.conf 600');
  });

  test('kubelet with flags and no config file: flag defaults apply (anonymous on, AlwaysAllow, port 10255)', () => {
    const dir = tree('flags-only', { 'proc/1/cmdline': 'kubelet\0--kubeconfig=/etc/kubernetes/kubelet.conf\0' });
    const { report } = run(dir);
    assert.equal(check(report, '4.2.1').status, 'fail');
    assert.equal(check(report, '4.2.2').evidence, '/proc/1/cmdline: --authorization-mode not set and no config file (default "AlwaysAllow")');
    assert.equal(check(report, '4.2.4').status, 'fail');
  });

  test('k3s and RKE2 are named from /etc/rancher', () => {
    const k3s = tree('k3s', { 'etc/rancher/k3s/config.yaml': 'write-kubeconfig-mode: "0600"\n' });
    const { code, report } = run(k3s);
    assert.equal(report.detected.layout, 'k3s');
    assert.deepEqual(report.detected.evidence, ['/etc/rancher/k3s']);
    assert.equal(code, 0);
    const rke2 = tree('rke2', { 'etc/rancher/rke2/config.yaml': 'profile: cis\n' });
    assert.equal(run(rke2).report.detected.layout, 'rke2');
  });

  test('RKE2 control plane: manifests from /var/lib/rancher/rke2/agent/pod-manifests, PKI from server/tls', () => {
    const dir = tree('rke2-server', {
      'etc/rancher/rke2/config.yaml': 'profile: cis\n',
      'var/lib/rancher/rke2/server/tls/serving-kube-apiserver.key': 'placeholder\n',
    });
    mkdirSync(path.join(dir, 'var/lib/rancher/rke2/agent/pod-manifests'), { recursive: true });
    cpSync(path.join(hardened, 'etc/kubernetes/manifests/kube-apiserver.yaml'), path.join(dir, 'var/lib/rancher/rke2/agent/pod-manifests/kube-apiserver.yaml'));
    chmodSync(path.join(dir, 'var/lib/rancher/rke2/server/tls/serving-kube-apiserver.key'), 0o640);
    const { report } = run(dir);
    assert.equal(report.detected.layout, 'rke2');
    assert.deepEqual(report.detected.components, { apiserver: '/var/lib/rancher/rke2/agent/pod-manifests/kube-apiserver.yaml' });
    assert.equal(check(report, '1.2.1').evidence, '/var/lib/rancher/rke2/agent/pod-manifests/kube-apiserver.yaml: --anonymous-auth=false');
    assert.equal(check(report, '1.1.1').evidence, '/var/lib/rancher/rke2/agent/pod-manifests/kube-apiserver.yaml 600');
    assert.deepEqual(check(report, '1.1.21'), { ...check(report, '1.1.21'), status: 'fail', evidence: '/var/lib/rancher/rke2/server/tls/serving-kube-apiserver.key 640' });
  });

  test('symlinks resolve inside --root: absolute targets are taken under root, none climbs out', () => {
    const dir = path.join(tmp, 'linked');
    cpSync(hardened, dir, { recursive: true });
    // The manifests live elsewhere on the node and /etc/kubernetes/manifests points there (absolute link).
    mkdirSync(path.join(dir, 'data'));
    renameSync(path.join(dir, 'etc/kubernetes/manifests'), path.join(dir, 'data/manifests'));
    symlinkSync('/data/manifests', path.join(dir, 'etc/kubernetes/manifests'));
    // A link that tries to leave the tree lands on root's own /etc/hostname, which the copy lacks.
    rmSync(path.join(dir, 'etc/kubernetes/admin.conf'));
    symlinkSync('../../../../../../../../../../etc/hostname', path.join(dir, 'etc/kubernetes/admin.conf'));
    const { report } = run(dir);
    assert.equal(report.detected.layout, 'kubeadm');
    assert.equal(check(report, '1.2.1').status, 'pass');
    assert.equal(check(report, '1.1.1').evidence, '/etc/kubernetes/manifests/kube-apiserver.yaml 600');
    assert.equal(check(report, '1.1.13').evidence, '/etc/kubernetes/super-admin.conf 600');
  });

  test('an empty tree is "unknown" with no checks and exit 0', () => {
    const dir = tree('empty', {});
    const { code, report } = run(dir);
    assert.equal(code, 0);
    assert.equal(report.detected.layout, 'unknown');
    assert.deepEqual(report.checks, []);
  });
});

describe('kshield node: bad and missing files are evidence, not crashes', () => {
  test('malformed manifest, missing EncryptionConfiguration, malformed and oversized kubelet config: warn', () => {
    const dir = path.join(tmp, 'broken');
    cpSync(hardened, dir, { recursive: true });
    writeFileSync(path.join(dir, 'etc/kubernetes/manifests/kube-scheduler.yaml'), 'spec: [unclosed\n');
    writeFileSync(path.join(dir, 'etc/kubernetes/manifests/etcd.yaml'), 'apiVersion: v1\nkind: Pod\nspec: {}\n');
    rmSync(path.join(dir, 'etc/kubernetes/enc/encryption-config.yaml'));
    writeFileSync(path.join(dir, 'var/lib/kubelet/config.yaml'), 'authentication: [\n');
    const { code, report, stderr } = run(dir);
    assert.equal(stderr, '');
    assert.equal(code, 0, 'warnings alone do not fail the run');
    assert.deepEqual(check(report, '1.4.1'), { ...check(report, '1.4.1'), status: 'warn', evidence: '/etc/kubernetes/manifests/kube-scheduler.yaml: not valid YAML (line 2)' });
    assert.deepEqual(check(report, '2.2'), { ...check(report, '2.2'), status: 'warn', evidence: '/etc/kubernetes/manifests/etcd.yaml: no spec.containers in the pod manifest' });
    assert.deepEqual(check(report, '1.2.29'), { ...check(report, '1.2.29'), status: 'warn', evidence: '/etc/kubernetes/enc/encryption-config.yaml: file not found' });
    assert.equal(check(report, '4.2.1').status, 'warn');
    assert.match(check(report, '4.2.1').evidence, /^\/var\/lib\/kubelet\/config\.yaml: not valid YAML/);

    writeFileSync(path.join(dir, 'var/lib/kubelet/config.yaml'), 'a: b\n'.repeat(300_000));
    assert.equal(check(run(dir).report, '4.2.4').evidence, '/var/lib/kubelet/config.yaml: larger than 1048576 bytes');
  });

  test('EncryptionConfiguration: aescbc first passes, identity first fails, kms first passes, secrets not listed fails', () => {
    const dir = path.join(tmp, 'enc');
    cpSync(hardened, dir, { recursive: true });
    const file = path.join(dir, 'etc/kubernetes/enc/encryption-config.yaml');
    const cases: [string, string, string][] = [
      ['- resources: [secrets]\n    providers:\n      - aescbc: {keys: [{name: k, secret: x}]}\n      - identity: {}\n', 'pass', 'resources[0].providers[0] is aescbc'],
      ['- resources: [secrets]\n    providers:\n      - identity: {}\n      - aesgcm: {keys: [{name: k, secret: x}]}\n', 'fail', 'resources[0].providers[0] is identity'],
      ['- resources: [configmaps]\n    providers: [{identity: {}}]\n  - resources: [secrets]\n    providers:\n      - kms: {apiVersion: v2, name: vault, endpoint: unix:///kms.sock}\n', 'pass', 'resources[1].providers[0] is kms'],
      ['- resources: [configmaps]\n    providers: [{aescbc: {}}]\n', 'fail', 'no entry for secrets'],
    ];
    for (const [resources, status, evidence] of cases) {
      writeFileSync(file, `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  ${resources}`);
      const c = check(run(dir).report, '1.2.29');
      assert.deepEqual([c.status, c.evidence], [status, evidence.startsWith('no entry') ? `/etc/kubernetes/enc/encryption-config.yaml: ${evidence}` : `/etc/kubernetes/enc/encryption-config.yaml: ${evidence}`]);
    }
  });

  test('--root that does not exist, or is a file, is a usage error (exit 2)', () => {
    const missing = kshield(['node', '--root', path.join(tmp, 'nope')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--root .*nope: no such directory/);
    const file = path.join(tmp, 'a-file');
    writeFileSync(file, 'x');
    const notDir = kshield(['node', '--root', file]);
    assert.equal(notDir.code, 2);
    assert.match(notDir.stderr, /not a directory/);
  });
});

describe('insecure port by version', () => {
  test('absent --insecure-port fails before v1.20 (default 8080) and passes from v1.20', () => {
    const dir = path.join(tmp, 'old-apiserver');
    cpSync(hardened, dir, { recursive: true });
    const file = path.join(dir, 'etc/kubernetes/manifests/kube-apiserver.yaml');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('kube-apiserver:v1.30.2', 'kube-apiserver:v1.19.16'));
    assert.deepEqual(check(run(dir).report, '1.2.insecure-port'), { ...check(run(dir).report, '1.2.insecure-port'), status: 'fail', evidence: '/etc/kubernetes/manifests/kube-apiserver.yaml: --insecure-port not set (default 8080 before v1.20; image registry.k8s.io/kube-apiserver:v1.19.16)' });
    writeFileSync(file, original.replace('kube-apiserver:v1.30.2', 'kube-apiserver:v1.20.2'));
    assert.equal(check(run(dir).report, '1.2.insecure-port').status, 'pass');
  });
});

describe('flag and duration parsing', () => {
  test('--flag=value, --flag value, bare boolean flags, last one wins', () => {
    assert.deepEqual(parseFlags(['--a=1', '--b', '2', '--profiling', 'false', '--c', '--a=3', '-v=2']), { a: '3', b: '2', profiling: 'true', c: 'true', v: '2' });
  });
  test('Go durations', () => {
    assert.equal(parseDuration('4h0m0s'), 14400);
    assert.equal(parseDuration('1m30s'), 90);
    assert.equal(parseDuration('0s'), 0);
    assert.ok(Number.isNaN(parseDuration('soon')));
    assert.ok(Number.isNaN(parseDuration('5')));
  });
});
