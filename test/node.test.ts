/** `kshield node --root DIR` on kubeadm, k3s and RKE2 trees, as a user runs it: statuses, evidence, detection, formats, bad files. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { cli, kshield, root } from './support/cli.js';
import { parseXml, type XmlElement } from './support/xml.js';
import { sarifValidator } from './support/sarif.js';
import { IS_ROOT, NODE_FIXTURES, prepareNodeFixture, setModes, setOwners } from './support/node-fixtures.js';
import yaml from 'js-yaml';
import { DEFAULT_KUBELET_CONFIG, KUBECONFIGS, KUBELET_UNIT_DIRS, MANIFEST_DIRS, PKI_DIRS, REAL_IO, parseFlags, readLimited, readNode, type NodeIo } from '../src/sources/node.js';
import { parseDuration, NODE_CHECKS, runNodeChecks } from '../src/node/checks.js';
import { mergeConfigFiles, parseDistroArgs, componentArgs, CONFIG_FILE, DATA_DIR } from '../src/sources/rancher.js';
import { kubeletCommand, splitWords } from '../src/sources/systemd.js';

const FIXTURES = NODE_FIXTURES;
let tmp: string;
let hardened: string;
let insecure: string;
let k3s: string;
let rke2: string;

interface Check {
  id: string;
  title: string;
  status: string;
  evidence: string;
  remediation: string;
}
interface Report {
  checks: Check[];
  detected: { layout: string; components: Record<string, string>; evidence: string[]; root: string; role?: string; datastore?: string; configFiles?: string[] };
  summary: Record<string, number>;
}

function run(dir: string, extra: string[] = []): { code: number | null; report: Report; stderr: string } {
  const r = kshield(['node', '--root', dir, '-o', 'json', ...extra]);
  return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
}

function check(report: Report, id: string): Check {
  const c = report.checks.find((x) => x.id === id);
  assert.ok(c, `check ${id} not in the report: ${report.checks.map((x) => x.id).join(' ')}`);
  return c;
}

function expectChecks(report: Report, expectations: [string, string, string][]): void {
  for (const [id, status, evidence] of expectations) {
    const c = check(report, id);
    assert.deepEqual([id, c.status, c.evidence], [id, status, evidence]);
  }
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

function copyOf(source: string, name: string): string {
  const dir = path.join(tmp, name);
  cpSync(source, dir, { recursive: true });
  return dir;
}

/** 1-based line of the first line containing `needle`. */
function lineOf(file: string, needle: string): number {
  const i = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `${needle} in ${file}`);
  return i + 1;
}

before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kshield-node-'));
  hardened = prepareNodeFixture('hardened', path.join(tmp, 'hardened'));
  insecure = prepareNodeFixture('insecure', path.join(tmp, 'insecure'));
  k3s = prepareNodeFixture('k3s', path.join(tmp, 'k3s'));
  rke2 = prepareNodeFixture('rke2', path.join(tmp, 'rke2'));
  if (IS_ROOT) chownSync(path.join(insecure, 'etc/kubernetes/manifests/etcd.yaml'), 1000, 1000);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Checks of ownership cannot pass when the tests cannot chown the copies. */
const OWNER_CHECKS = new Set(NODE_CHECKS.filter((c) => /owned by/.test(c.title)).map((c) => c.id));

describe('kshield node: kubeadm fixtures', () => {
  test('hardened: every check passes, exit 0, kubeadm detected with each component source', () => {
    const { code, report } = run(hardened);
    const notPassing = report.checks.filter((c) => c.status !== 'pass' && (IS_ROOT || !OWNER_CHECKS.has(c.id))).map((c) => `${c.id} ${c.status}: ${c.evidence}`);
    assert.deepEqual(notPassing, []);
    if (IS_ROOT) assert.equal(code, 0);
    assert.equal(report.detected.layout, 'kubeadm');
    assert.deepEqual(report.detected.components, {
      apiserver: '/etc/kubernetes/manifests/kube-apiserver.yaml',
      'controller-manager': '/etc/kubernetes/manifests/kube-controller-manager.yaml',
      scheduler: '/etc/kubernetes/manifests/kube-scheduler.yaml',
      etcd: '/etc/kubernetes/manifests/etcd.yaml',
      kubelet: '/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf',
    });
    // Every check of the table applies to a kubeadm control-plane node with a kubelet (kube-proxy runs as a pod there).
    const ran = new Set(report.checks.map((c) => c.id));
    assert.deepEqual(NODE_CHECKS.map((c) => c.id).filter((id) => !ran.has(id)), ['4.1.3', '4.1.4']);
    if (IS_ROOT) assert.equal(check(report, '1.1.12').evidence, '/var/lib/etcd etcd:etcd');
  });

  test('JSON has exactly checks, detected and summary; each check exactly id, title, status, evidence, remediation', () => {
    const { report } = run(hardened);
    assert.deepEqual(Object.keys(report).sort(), ['checks', 'detected', 'summary']);
    for (const c of report.checks) {
      assert.deepEqual(Object.keys(c), ['id', 'title', 'status', 'evidence', 'remediation']);
      assert.match(c.status, /^(pass|fail|warn|manual)$/);
    }
    assert.equal(report.summary.pass + report.summary.fail + report.summary.warn + report.summary.manual, report.checks.length);
  });

  test('insecure: the failures a user must see, with file and flag as evidence; exit 1', () => {
    const { code, report } = run(insecure);
    assert.equal(code, 1);
    const api = '/etc/kubernetes/manifests/kube-apiserver.yaml';
    const unit = '/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf';
    expectChecks(report, [
      ['1.2.1', 'fail', `${api}: --anonymous-auth=true`],
      ['1.2.6', 'fail', `${api}: --authorization-mode=AlwaysAllow`],
      ['1.2.10', 'fail', `${api}: --enable-admission-plugins=AlwaysAdmit`],
      ['1.2.12', 'manual', `${api}: --enable-admission-plugins=AlwaysAdmit, --disable-admission-plugins not set (neither SecurityContextDeny nor PodSecurityPolicy is enabled; check that PodSecurity admission or a policy engine enforces pod security)`],
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
      ['1.3.1', 'manual', '/etc/kubernetes/manifests/kube-controller-manager.yaml: --terminated-pod-gc-threshold not set (default 12500 terminated pods kept; choose a threshold for the cluster)'],
      ['1.3.2', 'fail', '/etc/kubernetes/manifests/kube-controller-manager.yaml: --profiling not set (default true)'],
      ['1.3.3', 'fail', '/etc/kubernetes/manifests/kube-controller-manager.yaml: --use-service-account-credentials=false'],
      ['1.3.7', 'fail', '/etc/kubernetes/manifests/kube-controller-manager.yaml: --bind-address=0.0.0.0'],
      // `--profiling false` with a space: pflag reads a boolean flag alone, so profiling is on.
      ['1.4.1', 'fail', '/etc/kubernetes/manifests/kube-scheduler.yaml: --profiling=true'],
      ['1.4.2', 'fail', '/etc/kubernetes/manifests/kube-scheduler.yaml: --bind-address=0.0.0.0'],
      ['2.2', 'fail', '/etc/kubernetes/manifests/etcd.yaml: --client-cert-auth=false'],
      ['2.3', 'fail', '/etc/kubernetes/manifests/etcd.yaml: --auto-tls=true'],
      ['2.5', 'fail', '/etc/kubernetes/manifests/etcd.yaml: --peer-client-cert-auth not set (default false)'],
      ['2.6', 'fail', '/etc/kubernetes/manifests/etcd.yaml: --peer-auto-tls=true'],
      ['2.7', 'fail', '/etc/kubernetes/manifests/etcd.yaml: --trusted-ca-file not set'],
      ['1.1.1', 'fail', `${api} 644`],
      ['1.1.9', 'fail', '/etc/cni/net.d/10-flannel.conflist 644'],
      ['1.1.11', 'fail', '/var/lib/etcd 755'],
      ['1.1.20', 'manual', '/etc/kubernetes/pki/apiserver.crt 644, /etc/kubernetes/pki/ca.crt 644, /etc/kubernetes/pki/etcd/ca.crt 644, /etc/kubernetes/pki/etcd/server.crt 644 (readable by others; the benchmark asks 600, certificates are public)'],
      ['4.1.1', 'fail', `/usr/lib/systemd/system/kubelet.service 644, ${unit} 644`],
      ['4.1.5', 'fail', '/etc/kubernetes/kubelet.conf 644'],
      ['4.2.1', 'fail', '/var/lib/kubelet/config.yaml: authentication.anonymous.enabled: true'],
      ['4.2.2', 'fail', '/var/lib/kubelet/config.yaml: authorization.mode: "AlwaysAllow"'],
      ['4.2.4', 'fail', '/var/lib/kubelet/config.yaml: readOnlyPort: 10255'],
      ['4.2.5', 'fail', '/var/lib/kubelet/config.yaml: streamingConnectionIdleTimeout: "0s"'],
      // Flags from the unit's environment files win over the config file.
      ['4.2.6', 'fail', `${unit}: --make-iptables-util-chains=false (/etc/default/kubelet KUBELET_EXTRA_ARGS)`],
      ['4.2.7', 'manual', `${unit}: --hostname-override=node-1 (/var/lib/kubelet/kubeadm-flags.env KUBELET_KUBEADM_ARGS) (review: the node name and its TLS certificates must still match)`],
      ['4.2.8', 'fail', '/var/lib/kubelet/config.yaml: eventRecordQPS: -1'],
      ['4.2.9', 'fail', 'tls-cert-file not set, tls-private-key-file not set, serverTLSBootstrap not set (the kubelet serves a self-signed certificate)'],
      ['4.2.10', 'fail', '/var/lib/kubelet/config.yaml: rotateCertificates not set (default false)'],
      ['4.2.11', 'fail', 'RotateKubeletServerCertificate=false, serverTLSBootstrap not set (default false)'],
      ['4.2.12', 'manual', "/var/lib/kubelet/config.yaml: tlsCipherSuites not set (Go's default suites apply, which include CBC-mode suites)"],
      ['4.2.13', 'fail', '/var/lib/kubelet/config.yaml: podPidsLimit not set (default -1)'],
      ['4.2.protect-kernel-defaults', 'fail', '/var/lib/kubelet/config.yaml: protectKernelDefaults not set (default false)'],
    ]);
    const keys = check(report, '1.1.21');
    assert.equal(keys.status, 'fail');
    assert.match(keys.evidence, /\/etc\/kubernetes\/pki\/etcd\/server\.key 644/);
    assert.match(check(report, '1.2.1').remediation, /--anonymous-auth=false/);
    if (IS_ROOT) {
      assert.deepEqual(check(report, '1.1.8'), { ...check(report, '1.1.8'), status: 'fail', evidence: '/etc/kubernetes/manifests/etcd.yaml 1000:1000' });
      assert.equal(check(report, '1.1.2').status, 'pass');
      assert.deepEqual(check(report, '1.1.12'), { ...check(report, '1.1.12'), status: 'fail', evidence: '/var/lib/etcd root:root' });
    }
  });

  test('table output: detected layout, one block per component, summary line', () => {
    const r = kshield(['node', '--root', insecure, '--no-color']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^Detected: kubeadm control-plane node under .*insecure \(\/etc\/kubernetes\/manifests\)\n/);
    for (const group of ['files', 'API server', 'controller manager', 'scheduler', 'etcd', 'kubelet']) assert.ok(r.stdout.includes(`\n== ${group} ==\n`), group);
    assert.match(r.stdout, /\n {2}1\.2\.1 +FAIL {3}--anonymous-auth is false\n +\/etc\/kubernetes\/manifests\/kube-apiserver\.yaml: --anonymous-auth=true\n/);
    assert.match(r.stdout, /\n {2}1\.2\.12 +MANUAL {1}Pod security is enforced/);
    assert.match(r.stdout, /\n\d+ checks: \d+ pass, \d+ fail, 0 warn, \d+ manual\n$/);
  });
});

describe('kshield node: output formats', () => {
  test('markdown: a table per component, pipes escaped; json to a file alongside', () => {
    const out = path.join(tmp, 'reports/node.json');
    const r = kshield(['node', '--root', insecure, '-o', 'markdown', '-o', `json=${out}`]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^# kshield node report\n\nDetected: kubeadm control-plane node under `.*insecure`\. \d+ checks: \d+ pass, \d+ fail, 0 warn, \d+ manual\.\n/);
    assert.match(r.stdout, /\n## etcd\n\n\| id \| status \| check \| evidence \| remediation \|\n\| --- \| --- \| --- \| --- \| --- \|\n\| 2\.1 \| fail \| --cert-file and --key-file are set \| \/etc\/kubernetes\/manifests\/etcd\.yaml: --cert-file not set, --key-file not set \| In the etcd static pod manifest/);
    assert.equal((JSON.parse(readFileSync(out, 'utf8')) as Report).detected.layout, 'kubeadm');
    assert.match(r.stderr, /wrote json report to .*node\.json/);
  });

  test('html: one page with a status chart and a table per component, no script', () => {
    const r = kshield(['node', '--root', insecure, '-o', 'html']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^<!DOCTYPE html>/);
    assert.match(r.stdout, /<svg class="chart" id="status-chart"/);
    assert.match(r.stdout, /<h3>etcd<\/h3><table class="plain">/);
    assert.match(r.stdout, /<tr><td><code>2\.1<\/code><\/td><td><span class="status fail">fail<\/span><\/td><td>--cert-file and --key-file are set<\/td>/);
    assert.match(r.stdout, /script-src 'none'/);
    assert.ok(!r.stdout.includes('<script'));
  });

  test('sarif: valid SARIF 2.1.0, one rule per check, results for fail/warn/manual located at the line of the flag, relative to the node root', () => {
    const { validate, errors } = sarifValidator();
    const r = kshield(['node', '--root', insecure, '-o', 'sarif']);
    assert.equal(r.code, 1);
    const log = JSON.parse(r.stdout);
    assert.ok(validate(log), errors());
    const sarifRun = log.runs[0];
    assert.equal(sarifRun.properties.detected.layout, 'kubeadm');
    const json = run(insecure).report;
    assert.deepEqual(sarifRun.tool.driver.rules.map((x: { id: string }) => x.id), json.checks.map((c) => c.id));
    const notPassing = json.checks.filter((c) => c.status !== 'pass');
    assert.deepEqual(sarifRun.results.map((x: { ruleId: string }) => x.ruleId), notPassing.map((c) => c.id));
    const levels: Record<string, string> = { fail: 'error', warn: 'warning', manual: 'note' };
    sarifRun.results.forEach((x: { level: string; ruleIndex: number; ruleId: string }, i: number) => {
      assert.equal(x.level, levels[notPassing[i].status]);
      assert.equal(sarifRun.tool.driver.rules[x.ruleIndex].id, x.ruleId);
    });
    assert.equal(sarifRun.originalUriBaseIds.NODEROOT.uri, `file://${insecure}/`);
    const anonymous = sarifRun.results.find((x: { ruleId: string }) => x.ruleId === '1.2.1');
    assert.deepEqual(anonymous.locations[0].physicalLocation, {
      artifactLocation: { uri: 'etc/kubernetes/manifests/kube-apiserver.yaml', uriBaseId: 'NODEROOT' },
      region: { startLine: lineOf(path.join(insecure, 'etc/kubernetes/manifests/kube-apiserver.yaml'), '--anonymous-auth=true') },
    });
    assert.match(anonymous.message.text, /^--anonymous-auth is false: \/etc\/kubernetes\/manifests\/kube-apiserver\.yaml: --anonymous-auth=true$/);
    // A kubelet flag from an environment file points at that file's line; a config field at its own line.
    const iptables = sarifRun.results.find((x: { ruleId: string }) => x.ruleId === '4.2.6');
    assert.deepEqual(iptables.locations[0].physicalLocation, { artifactLocation: { uri: 'etc/default/kubelet', uriBaseId: 'NODEROOT' }, region: { startLine: 1 } });
    const readOnly = sarifRun.results.find((x: { ruleId: string }) => x.ruleId === '4.2.4');
    assert.equal(readOnly.locations[0].physicalLocation.region.startLine, lineOf(path.join(insecure, 'var/lib/kubelet/config.yaml'), 'readOnlyPort'));

    const bad = structuredClone(log);
    bad.runs[0].results[0].level = 'critical';
    assert.equal(validate(bad), false, 'the schema check bites');
  });

  test('junit: one test case per check, failures for fail, skipped for warn/manual unless --fail-on counts them', () => {
    const json = run(insecure).report;
    const fails = json.checks.filter((c) => c.status === 'fail').length;
    const manual = json.checks.filter((c) => c.status === 'manual').length;
    const cases = (el: XmlElement): XmlElement[] => el.children.filter((s) => s.name === 'testsuite').flatMap((s) => s.children.filter((c) => c.name === 'testcase'));
    const count = (el: XmlElement, name: string): number => cases(el).filter((c) => c.children.some((x) => x.name === name)).length;

    const r = kshield(['node', '--root', insecure, '-o', 'junit']);
    assert.equal(r.code, 1);
    const xml = parseXml(r.stdout);
    assert.equal(xml.name, 'testsuites');
    assert.equal(cases(xml).length, json.checks.length);
    assert.equal(Number(xml.attrs.tests), json.checks.length);
    assert.equal(count(xml, 'failure'), fails);
    assert.equal(Number(xml.attrs.failures), fails);
    assert.equal(count(xml, 'skipped'), manual);
    const anonymous = cases(xml).find((c) => c.attrs.name.startsWith('1.2.1 '))!;
    assert.equal(anonymous.attrs.classname, 'kshield.node.API-server');
    assert.equal(anonymous.attrs.file, '/etc/kubernetes/manifests/kube-apiserver.yaml');
    const failure = anonymous.children.find((c) => c.name === 'failure')!;
    assert.equal(failure.attrs.message, '/etc/kubernetes/manifests/kube-apiserver.yaml: --anonymous-auth=true');
    assert.match(failure.text, /remediation: In the kube-apiserver static pod manifest/);

    const strict = parseXml(kshield(['node', '--root', insecure, '-o', 'junit', '--fail-on', 'manual']).stdout);
    assert.equal(count(strict, 'failure'), fails + manual);
    assert.equal(count(strict, 'skipped'), 0);
  });

  test('--fail-on: fail (default), warn, manual, none; exit codes follow the statuses', () => {
    assert.equal(kshield(['node', '--root', insecure, '--fail-on', 'none']).code, 0);
    // k3s fixture: 2 fail, 0 warn, some manual.
    assert.equal(kshield(['node', '--root', k3s]).code, 1);
    assert.equal(kshield(['node', '--root', k3s, '--fail-on', 'none']).code, 0);
    const bad = kshield(['node', '--root', k3s, '--fail-on', 'high']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--fail-on <status>' argument 'high' is invalid\. Allowed choices are fail, warn, manual, none/);
    // Ownership checks cannot pass in copies the tests cannot chown.
    if (!IS_ROOT) return;
    // RKE2 without failures would pass at "fail" and fail at "manual": drop the two failing settings.
    const fixed = copyOf(rke2, 'rke2-fixed');
    setOwners(fixed, 'var/lib/rancher/rke2/server/db/etcd', 997);
    writeFileSync(path.join(fixed, 'etc/rancher/rke2/config.yaml'), 'profile: cis\nprotect-kernel-defaults: true\nkubelet-arg:\n  - "pod-max-pids=4096"\n');
    const manifest = path.join(fixed, 'var/lib/rancher/rke2/agent/pod-manifests/kube-apiserver.yaml');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('--audit-log-maxage=7', '--audit-log-maxage=30'));
    const { report } = run(fixed);
    assert.equal(report.summary.fail, 0, JSON.stringify(report.checks.filter((c) => c.status === 'fail')));
    assert.ok(report.summary.manual > 0);
    assert.equal(kshield(['node', '--root', fixed]).code, 0);
    assert.equal(kshield(['node', '--root', fixed, '--fail-on', 'warn']).code, 0);
    assert.equal(kshield(['node', '--root', fixed, '--fail-on', 'manual']).code, 1);
  });
});

describe('kshield node: k3s', () => {
  test('control plane inside k3s: defaults of k3s, config.yaml keys, drop-ins that append; embedded etcd from its config file', () => {
    const { code, report } = run(k3s);
    assert.equal(code, 1);
    assert.deepEqual(
      { layout: report.detected.layout, role: report.detected.role, datastore: report.detected.datastore, configFiles: report.detected.configFiles },
      { layout: 'k3s', role: 'server', datastore: 'embedded etcd', configFiles: ['/etc/rancher/k3s/config.yaml', '/etc/rancher/k3s/config.yaml.d/50-debugging.yaml'] },
    );
    const cfg = '/etc/rancher/k3s/config.yaml';
    expectChecks(report, [
      ['1.2.1', 'pass', `${cfg}: --anonymous-auth=false (default of k3s)`],
      ['1.2.6', 'pass', `${cfg}: --authorization-mode=Node,RBAC (default of k3s)`],
      ['1.2.16', 'fail', `${cfg}: --profiling=true (/etc/rancher/k3s/config.yaml.d/50-debugging.yaml kube-apiserver-arg)`],
      ['1.2.17', 'pass', `${cfg}: --audit-log-path=/var/lib/rancher/k3s/server/logs/audit.log (kube-apiserver-arg)`],
      ['1.2.22', 'pass', `${cfg}: --service-account-lookup not set (default true)`],
      ['1.2.24', 'pass', `${cfg}: --etcd-certfile=/var/lib/rancher/k3s/server/tls/etcd/client.crt (default of k3s), --etcd-keyfile=/var/lib/rancher/k3s/server/tls/etcd/client.key (default of k3s)`],
      ['1.2.28', 'pass', `${cfg}: --encryption-provider-config=/var/lib/rancher/k3s/server/cred/encryption-config.json (secrets-encryption)`],
      ['1.2.29', 'pass', '/var/lib/rancher/k3s/server/cred/encryption-config.json: resources[0].providers[0] is aescbc'],
      ['1.3.1', 'pass', `${cfg}: --terminated-pod-gc-threshold=10 (kube-controller-manager-arg)`],
      ['1.3.7', 'pass', `${cfg}: --bind-address=127.0.0.1 (default of k3s)`],
      ['2.2', 'pass', '/var/lib/rancher/k3s/server/db/etcd/config: --client-cert-auth=true (client-transport-security.client-cert-auth)'],
      ['2.7', 'pass', `/var/lib/rancher/k3s/server/db/etcd/config: --trusted-ca-file=/var/lib/rancher/k3s/server/tls/etcd/server-ca.crt (client-transport-security.trusted-ca-file); ${cfg}: --client-ca-file=/var/lib/rancher/k3s/server/tls/client-ca.crt`],
      ['1.1.11', 'pass', '/var/lib/rancher/k3s/server/db/etcd 700'],
      ['1.1.13', 'pass', '/var/lib/rancher/k3s/server/cred/admin.kubeconfig 600, /etc/rancher/k3s/k3s.yaml 600'],
      ['4.1.3', 'pass', '/var/lib/rancher/k3s/agent/kubeproxy.kubeconfig 600'],
      ['4.1.7', 'pass', '/var/lib/rancher/k3s/agent/client-ca.crt 600'],
      ['4.2.1', 'pass', `${cfg}: --anonymous-auth=false (default of k3s)`],
      ['4.2.4', 'fail', `${cfg}: --read-only-port=10255 (/etc/rancher/k3s/config.yaml.d/50-debugging.yaml kubelet-arg)`],
      ['4.2.8', 'pass', `${cfg}: --event-qps=0 (default of k3s)`],
      ['4.2.10', 'manual', `${cfg}: --rotate-certificates not set (k3s does not set it, so the kubelet's own default (false) applies, and k3s issues the kubelet's client certificate itself: check how it is renewed)`],
      ['4.2.13', 'pass', `${cfg}: --pod-max-pids=4096 (kubelet-arg)`],
      ['4.2.protect-kernel-defaults', 'pass', `${cfg}: --protect-kernel-defaults=true (protect-kernel-defaults)`],
    ]);
    // Embedded etcd runs inside the root-owned k3s process: no etcd user to own its data.
    assert.ok(!report.checks.some((c) => c.id === '1.1.12' || c.id.startsWith('1.1.1') && c.id.length === 5 && Number(c.id.slice(4)) <= 8), 'no static pod manifest checks, no etcd owner check');
    assert.match(check(report, '1.2.16').remediation, /^In \/etc\/rancher\/k3s\/config\.yaml \(or a config\.yaml\.d drop-in\), list the flag under kube-apiserver-arg as "flag=value" and restart k3s: set --profiling=false$/);
    assert.match(check(report, '4.2.4').remediation, /^In \/etc\/rancher\/k3s\/config\.yaml .*kubelet-arg.*read-only-port=0$/);
  });

  test('sarif points a k3s finding at the config line that set it', () => {
    const log = JSON.parse(kshield(['node', '--root', k3s, '-o', 'sarif']).stdout);
    const profiling = log.runs[0].results.find((x: { ruleId: string }) => x.ruleId === '1.2.16');
    assert.deepEqual(profiling.locations[0].physicalLocation, {
      artifactLocation: { uri: 'etc/rancher/k3s/config.yaml.d/50-debugging.yaml', uriBaseId: 'NODEROOT' },
      region: { startLine: lineOf(path.join(k3s, 'etc/rancher/k3s/config.yaml.d/50-debugging.yaml'), 'profiling=true') },
    });
  });

  test('the running k3s process: its command-line lists replace the files\' lists', () => {
    const dir = copyOf(k3s, 'k3s-cli');
    mkdirSync(path.join(dir, 'proc/812'), { recursive: true });
    writeFileSync(path.join(dir, 'proc/812/cmdline'), ['/usr/local/bin/k3s', 'server', '--kube-apiserver-arg=profiling=false', '--kube-apiserver-arg', 'anonymous-auth=true', ''].join('\0'));
    const { report } = run(dir);
    assert.ok(report.detected.evidence.includes('/proc/812/cmdline'));
    const cfg = '/etc/rancher/k3s/config.yaml';
    expectChecks(report, [
      ['1.2.16', 'pass', `${cfg}: --profiling=false (/proc/812/cmdline --kube-apiserver-arg)`],
      ['1.2.1', 'fail', `${cfg}: --anonymous-auth=true (/proc/812/cmdline --kube-apiserver-arg)`],
      // The files' kube-apiserver-arg list no longer applies at all.
      ['1.2.17', 'fail', `${cfg}: --audit-log-path not set`],
      // Other keys of the files still do.
      ['4.2.13', 'pass', `${cfg}: --pod-max-pids=4096 (kubelet-arg)`],
    ]);
  });

  test('SQLite (the default datastore): no etcd to check; an external datastore is manual and its endpoint is never printed', () => {
    const sqlite = tree('k3s-sqlite', {
      'etc/rancher/k3s/config.yaml': 'write-kubeconfig-mode: "0600"\n',
      'var/lib/rancher/k3s/server/db/state.db': 'placeholder\n',
    });
    const { report } = run(sqlite);
    assert.deepEqual([report.detected.role, report.detected.datastore], ['server', 'sqlite']);
    const ids = report.checks.map((c) => c.id);
    for (const id of ['1.2.24', '1.2.27', '2.1', '2.2', '2.7', '1.1.11']) assert.ok(!ids.includes(id), id);
    expectChecks(report, [
      ['1.2.28', 'fail', '/etc/rancher/k3s/config.yaml: --encryption-provider-config not set (k3s writes one only with secrets-encryption: true, which is off by default)'],
      ['1.2.17', 'fail', '/etc/rancher/k3s/config.yaml: --audit-log-path not set'],
      ['4.2.4', 'pass', '/etc/rancher/k3s/config.yaml: --read-only-port=0 (default of k3s)'],
    ]);
    assert.match(check(report, '1.2.28').remediation, /secrets-encryption: true/);

    const password = 'hunter2-do-not-print';
    const external = tree('k3s-external', {
      'etc/rancher/k3s/config.yaml': `datastore-endpoint: "postgres://k3s:${password}@db.internal:5432/k3s"\ndatastore-cafile: /etc/k3s/db-ca.crt\ntoken: "K10secret-token-value::server:abc"\n`,
      'var/lib/rancher/k3s/server/cred/admin.kubeconfig': 'apiVersion: v1\n',
    });
    for (const format of ['json', 'table', 'sarif', 'junit', 'markdown', 'html']) {
      const r = kshield(['node', '--root', external, '-o', format]);
      assert.ok(!r.stdout.includes(password) && !r.stdout.includes('secret-token'), `${format} prints no credentials`);
    }
    const ext = run(external).report;
    assert.equal(ext.detected.datastore, 'external');
    assert.deepEqual(check(ext, '1.2.24'), {
      ...check(ext, '1.2.24'),
      status: 'manual',
      evidence: '/etc/rancher/k3s/config.yaml: k3s uses an external datastore (datastore-endpoint); datastore-cafile set, datastore-certfile not set, datastore-keyfile not set: check that its connection uses TLS with a client certificate',
    });
  });

  test('an agent: the kubelet and its files only', () => {
    const agent = tree('k3s-agent', {
      'etc/rancher/k3s/config.yaml': 'server: https://10.0.0.20:6443\nkubelet-arg:\n  - "anonymous-auth=true"\n',
      'var/lib/rancher/k3s/agent/kubelet.kubeconfig': 'apiVersion: v1\n',
    });
    const { report } = run(agent);
    assert.deepEqual([report.detected.layout, report.detected.role], ['k3s', 'agent']);
    assert.deepEqual(report.checks.filter((c) => !/^(1\.1\.(9|10)|4\.[12]\.)/.test(c.id)).map((c) => c.id), [], 'no control-plane checks on an agent');
    assert.equal(check(report, '4.2.1').evidence, '/etc/rancher/k3s/config.yaml: --anonymous-auth=true (kubelet-arg)');
    assert.equal(check(report, '4.1.5').evidence, '/var/lib/rancher/k3s/agent/kubelet.kubeconfig 600');
  });

  test('k3s v1.32+: the kubelet defaults live in a config drop-in, which replaces the table of defaults', () => {
    const dir = tree('k3s-dropins', {
      'etc/rancher/k3s/config.yaml': 'kubelet-arg:\n  - "pod-max-pids=4096"\n',
      'var/lib/rancher/k3s/agent/etc/kubelet.conf.d/00-k3s-defaults.conf': 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: false\n  x509:\n    clientCAFile: /var/lib/rancher/k3s/agent/client-ca.crt\nauthorization:\n  mode: Webhook\nreadOnlyPort: 0\n',
      'var/lib/rancher/k3s/agent/etc/kubelet.conf.d/50-local.conf': 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 10255\n',
    });
    const { report } = run(dir);
    const d = '/var/lib/rancher/k3s/agent/etc/kubelet.conf.d';
    expectChecks(report, [
      ['4.2.1', 'pass', `${d}/00-k3s-defaults.conf: authentication.anonymous.enabled: false`],
      ['4.2.4', 'fail', `${d}/50-local.conf: readOnlyPort: 10255`],
      ['4.2.8', 'pass', `${d}/00-k3s-defaults.conf: eventRecordQPS not set (default 50)`],
      ['4.2.13', 'pass', '/etc/rancher/k3s/config.yaml: --pod-max-pids=4096 (kubelet-arg)'],
      ['4.1.9', 'pass', `${d}/00-k3s-defaults.conf 600, ${d}/50-local.conf 600`],
    ]);
  });
});

describe('kshield node: RKE2', () => {
  test('control plane from the manifests RKE2 writes, with config.yaml named where it set the value; etcd from its --config-file', () => {
    const { code, report } = run(rke2);
    assert.equal(code, 1);
    assert.deepEqual([report.detected.layout, report.detected.role], ['rke2', 'server']);
    const api = '/var/lib/rancher/rke2/agent/pod-manifests/kube-apiserver.yaml';
    expectChecks(report, [
      ['1.2.1', 'pass', `${api}: --anonymous-auth=false`],
      ['1.2.18', 'fail', `${api}: --audit-log-maxage=7 (/etc/rancher/rke2/config.yaml kube-apiserver-arg)`],
      ['1.2.12', 'pass', `${api}: --enable-admission-plugins=NodeRestriction, --disable-admission-plugins not set (PodSecurity admission is on by default in v1.30; namespaces still need their pod-security.kubernetes.io labels)`],
      ['2.1', 'pass', '/var/lib/rancher/rke2/server/db/etcd/config: --cert-file=/var/lib/rancher/rke2/server/tls/etcd/server-client.crt (client-transport-security.cert-file), --key-file=/var/lib/rancher/rke2/server/tls/etcd/server-client.key (client-transport-security.key-file)'],
      ['1.1.7', 'pass', '/var/lib/rancher/rke2/agent/pod-manifests/etcd.yaml 600'],
      ['4.2.1', 'fail', '/etc/rancher/rke2/config.yaml: --anonymous-auth=true (kubelet-arg)'],
      ['4.2.4', 'pass', '/etc/rancher/rke2/config.yaml: --read-only-port=0 (default of RKE2)'],
      ['4.2.8', 'pass', '/etc/rancher/rke2/config.yaml: --event-qps not set and no kubelet config file (default 50)'],
    ]);
    if (IS_ROOT) assert.equal(check(report, '1.1.12').evidence, '/var/lib/rancher/rke2/server/db/etcd etcd:etcd');
    assert.match(check(report, '1.2.18').remediation, /^In \/etc\/rancher\/rke2\/config\.yaml .*kube-apiserver-arg/);
    // The kubelet's own process, when /proc shows it, is the truth; config.yaml is still named for the values it set.
    const live = copyOf(rke2, 'rke2-live');
    mkdirSync(path.join(live, 'proc/2281'), { recursive: true });
    writeFileSync(path.join(live, 'proc/2281/cmdline'), ['kubelet', '--anonymous-auth=true', '--read-only-port=0', '--pod-max-pids=4096', ''].join('\0'));
    expectChecks(run(live).report, [
      ['4.2.1', 'fail', '/proc/2281/cmdline: --anonymous-auth=true (/etc/rancher/rke2/config.yaml kubelet-arg)'],
      ['4.2.4', 'pass', '/proc/2281/cmdline: --read-only-port=0'],
      ['4.2.5', 'pass', '/proc/2281/cmdline: --streaming-connection-idle-timeout not set and no kubelet config file (default "4h0m0s")'],
    ]);
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
    expectChecks(report, [
      ['4.2.1', 'fail', '/proc/4242/cmdline: --anonymous-auth=true'],
      ['4.2.4', 'pass', '/var/lib/kubelet/kubelet-config.yaml: readOnlyPort: 0'],
      // A config file is in use, so an unset authorization mode takes the file default, Webhook.
      ['4.2.2', 'pass', '/var/lib/kubelet/kubelet-config.yaml: authorization.mode not set (default "Webhook")'],
      ['4.1.5', 'pass', '/etc/kubernetes/kubelet.conf 600'],
    ]);
  });

  test('a kubelet started without --config ignores /var/lib/kubelet/config.yaml: the flag defaults apply', () => {
    const dir = tree('flags-only', {
      'proc/1/cmdline': 'kubelet\0--kubeconfig=/etc/kubernetes/kubelet.conf\0',
      'var/lib/kubelet/config.yaml': 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 0\nauthorization:\n  mode: Webhook\n',
    });
    const { report } = run(dir);
    expectChecks(report, [
      ['4.2.1', 'fail', '/proc/1/cmdline: --anonymous-auth not set and no kubelet config file (default true)'],
      ['4.2.2', 'fail', '/proc/1/cmdline: --authorization-mode not set and no kubelet config file (default "AlwaysAllow")'],
      ['4.2.4', 'fail', '/proc/1/cmdline: --read-only-port not set and no kubelet config file (default 10255)'],
    ]);
    assert.ok(!report.checks.some((c) => c.id === '4.1.9'), 'the unused file is not judged as the kubelet config');
  });

  test('--config-dir drop-ins win over the config file, field by field, in file-name order', () => {
    const dir = tree('config-dir', {
      'proc/9/cmdline': 'kubelet\0--config=/var/lib/kubelet/config.yaml\0--config-dir=/etc/kubernetes/kubelet.conf.d\0',
      'var/lib/kubelet/config.yaml': 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 0\nrotateCertificates: true\n',
      'etc/kubernetes/kubelet.conf.d/10-a.conf': 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 10255\n',
      'etc/kubernetes/kubelet.conf.d/20-b.conf': 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 0\npodPidsLimit: 1024\n',
      'etc/kubernetes/kubelet.conf.d/notes.txt': 'not a drop-in\n',
    });
    expectChecks(run(dir).report, [
      ['4.2.4', 'pass', '/etc/kubernetes/kubelet.conf.d/20-b.conf: readOnlyPort: 0'],
      ['4.2.10', 'pass', '/var/lib/kubelet/config.yaml: rotateCertificates: true'],
      ['4.2.13', 'pass', '/etc/kubernetes/kubelet.conf.d/20-b.conf: podPidsLimit: 1024'],
      ['4.1.9', 'pass', '/var/lib/kubelet/config.yaml 600, /etc/kubernetes/kubelet.conf.d/10-a.conf 600, /etc/kubernetes/kubelet.conf.d/20-b.conf 600'],
    ]);
  });

  test('k3s and RKE2 are named from /etc/rancher', () => {
    const k = tree('k3s-named', { 'etc/rancher/k3s/config.yaml': 'write-kubeconfig-mode: "0600"\n' });
    const { report } = run(k);
    assert.equal(report.detected.layout, 'k3s');
    assert.deepEqual(report.detected.evidence, ['/etc/rancher/k3s']);
    const r = tree('rke2-named', { 'etc/rancher/rke2/config.yaml': 'profile: cis\n' });
    assert.equal(run(r).report.detected.layout, 'rke2');
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
    assert.equal(report.detected.components.apiserver, '/var/lib/rancher/rke2/agent/pod-manifests/kube-apiserver.yaml');
    assert.equal(check(report, '1.2.1').evidence, '/var/lib/rancher/rke2/agent/pod-manifests/kube-apiserver.yaml: --anonymous-auth=false');
    assert.equal(check(report, '1.1.1').evidence, '/var/lib/rancher/rke2/agent/pod-manifests/kube-apiserver.yaml 600');
    assert.deepEqual(check(report, '1.1.21'), { ...check(report, '1.1.21'), status: 'fail', evidence: '/var/lib/rancher/rke2/server/tls/serving-kube-apiserver.key 640' });
  });

  test('symlinks resolve inside --root: absolute targets are taken under root, none climbs out', () => {
    const dir = copyOf(hardened, 'linked');
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
    // Nothing is read outside: the link is dangling inside the root, and that is said, not taken for an absent file.
    assert.deepEqual([check(report, '1.1.13').status, check(report, '1.1.13').evidence], ['warn', '/etc/kubernetes/admin.conf: dangling symlink (its target /etc/hostname does not exist); /etc/kubernetes/super-admin.conf 600']);
  });

  test('a control plane run as host processes (no manifests) is judged from /proc', () => {
    const dir = tree('processes', {
      'proc/100/cmdline': ['/usr/local/bin/kube-apiserver', '--anonymous-auth=false', '--authorization-mode=Node,RBAC', ''].join('\0'),
      'proc/101/cmdline': ['/usr/local/bin/etcd', '--client-cert-auth', '--data-dir=/var/lib/etcd', ''].join('\0'),
    });
    const { report } = run(dir);
    assert.equal(report.detected.layout, 'processes');
    assert.deepEqual(report.detected.evidence, ['/proc/100/cmdline', '/proc/101/cmdline']);
    expectChecks(report, [
      ['1.2.1', 'pass', '/proc/100/cmdline: --anonymous-auth=false'],
      ['1.2.7', 'pass', '/proc/100/cmdline: --authorization-mode=Node,RBAC'],
      ['2.2', 'pass', '/proc/101/cmdline: --client-cert-auth=true'],
    ]);
    // Structured authorization (v1.29+) replaces the flag with a file a person has to read.
    writeFileSync(path.join(dir, 'proc/100/cmdline'), ['kube-apiserver', '--authorization-config=/etc/kubernetes/authz.yaml', ''].join('\0'));
    expectChecks(run(dir).report, [
      ['1.2.6', 'manual', '/proc/100/cmdline: --authorization-mode not set (the authorizers are in --authorization-config=/etc/kubernetes/authz.yaml: check that it has Node and RBAC and no AlwaysAllow)'],
    ]);
    assert.match(kshield(['node', '--root', dir, '--no-color']).stdout, /^Detected: control plane running as host processes \(no static pod manifests\) under /);
  });

  test('a tree with no node layout is a usage error (exit 2), like scan on a directory with no manifests', () => {
    const dir = tree('empty', { 'etc/hostname': 'laptop\n' });
    const r = kshield(['node', '--root', dir, '-o', 'json']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /--root .*empty: no Kubernetes node layout found \(looked for \/etc\/kubernetes\/manifests, \/var\/lib\/kubelet, .* and component processes in .*empty\/proc\): is this the node's root directory\?/);
  });
});

describe('kshield node: bad and missing files are evidence, not crashes', () => {
  test('malformed manifest, missing EncryptionConfiguration, malformed and oversized kubelet config: warn', () => {
    const dir = copyOf(hardened, 'broken');
    writeFileSync(path.join(dir, 'etc/kubernetes/manifests/kube-scheduler.yaml'), 'spec: [unclosed\n');
    writeFileSync(path.join(dir, 'etc/kubernetes/manifests/etcd.yaml'), 'apiVersion: v1\nkind: Pod\nspec: {}\n');
    rmSync(path.join(dir, 'etc/kubernetes/enc/encryption-config.yaml'));
    writeFileSync(path.join(dir, 'var/lib/kubelet/config.yaml'), 'authentication: [\n');
    const { code, report, stderr } = run(dir);
    assert.equal(stderr, '');
    if (IS_ROOT) assert.equal(code, 0, 'warnings alone do not fail the run');
    expectChecks(report, [
      ['1.4.1', 'warn', '/etc/kubernetes/manifests/kube-scheduler.yaml: not valid YAML (line 1)'],
      ['2.2', 'warn', '/etc/kubernetes/manifests/etcd.yaml: no spec.containers in the pod manifest'],
      ['1.2.29', 'warn', '/etc/kubernetes/enc/encryption-config.yaml: file not found'],
    ]);
    assert.equal(check(report, '4.2.1').status, 'warn');
    assert.match(check(report, '4.2.1').evidence, /^\/var\/lib\/kubelet\/config\.yaml: not valid YAML/);

    writeFileSync(path.join(dir, 'var/lib/kubelet/config.yaml'), 'a: b\n'.repeat(300_000));
    assert.equal(check(run(dir).report, '4.2.4').evidence, '/var/lib/kubelet/config.yaml: larger than 1048576 bytes');
  });

  test('broken k3s configuration and etcd config: warn naming the file, never a crash', () => {
    const dir = copyOf(k3s, 'k3s-broken');
    writeFileSync(path.join(dir, 'var/lib/rancher/k3s/server/db/etcd/config'), 'client-transport-security: {\n');
    const { report, stderr } = run(dir);
    assert.equal(stderr, '');
    expectChecks(report, [['2.2', 'warn', '/var/lib/rancher/k3s/server/db/etcd/config: not valid YAML (line 1)']]);
  });

  test('a broken k3s drop-in is not skipped: the checks its settings feed warn, naming the file and the line', () => {
    const dir = copyOf(k3s, 'k3s-broken-dropin');
    const dropIn = '/etc/rancher/k3s/config.yaml.d/50-debugging.yaml';
    // The drop-in that turns profiling on, with a missing bracket: k3s's effective configuration is unknown, not "profiling off".
    writeFileSync(path.join(dir, dropIn), '# debugging\nkube-apiserver-arg+: ["profiling=true"\nkubelet-arg+:\n  - "read-only-port=10255"\n');
    const { report, stderr } = run(dir);
    assert.equal(stderr, '');
    const unknown = `${dropIn}: not valid YAML (line 3); the effective k3s configuration is unknown`;
    expectChecks(report, [
      ['1.2.16', 'warn', unknown],
      ['1.4.1', 'warn', unknown],
      ['1.3.2', 'warn', unknown],
      ['4.2.4', 'warn', unknown],
    ]);
    // The rest is still judged: etcd reads its own config file, and the files are there.
    assert.equal(check(report, '2.2').status, 'pass');
    const sarif = JSON.parse(kshield(['node', '--root', dir, '-o', 'sarif']).stdout);
    const result = sarif.runs[0].results.find((r: { ruleId: string }) => r.ruleId === '1.2.16');
    assert.deepEqual(result.locations[0].physicalLocation, { artifactLocation: { uri: 'etc/rancher/k3s/config.yaml.d/50-debugging.yaml', uriBaseId: 'NODEROOT' }, region: { startLine: 3 } });
    assert.match(kshield(['node', '--root', dir, '--no-color']).stdout, new RegExp(`\\nConfiguration problems: ${dropIn.replace(/[.]/g, '\\.')}: not valid YAML \\(line 3\\)\\n`));

    // Binary content, and a broken config.yaml itself.
    writeFileSync(path.join(dir, dropIn), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]));
    expectChecks(run(dir).report, [['1.2.16', 'warn', `${dropIn}: not a text file (binary content); the effective k3s configuration is unknown`]]);
    rmSync(path.join(dir, dropIn));
    writeFileSync(path.join(dir, 'etc/rancher/k3s/config.yaml'), 'write-kubeconfig-mode: "0600"\nkube-apiserver-arg: [\n');
    expectChecks(run(dir).report, [['1.2.1', 'warn', '/etc/rancher/k3s/config.yaml: not valid YAML (line 2); the effective k3s configuration is unknown']]);
    writeFileSync(path.join(dir, 'etc/rancher/k3s/config.yaml'), '- profiling=false\n');
    expectChecks(run(dir).report, [['1.2.1', 'warn', '/etc/rancher/k3s/config.yaml: not a mapping of options (the file holds a list); the effective k3s configuration is unknown']]);
  });

  test('a k3s *-arg list of the wrong shape makes that component\'s checks warn, and only those', () => {
    const dir = copyOf(k3s, 'k3s-odd-shape');
    const config = path.join(dir, 'etc/rancher/k3s/config.yaml');
    writeFileSync(config, readFileSync(config, 'utf8') + 'kubelet-arg+: 7\nkube-scheduler-arg: {odd: shape}\n');
    const { report } = run(dir);
    const at = (needle: string): number => lineOf(config, needle);
    expectChecks(report, [
      ['1.4.1', 'warn', `/etc/rancher/k3s/config.yaml: kube-scheduler-arg (line ${at('kube-scheduler-arg:')}): expected "flag=value" strings, found a mapping; the kube-scheduler-arg flags are unknown`],
      ['4.2.4', 'warn', `/etc/rancher/k3s/config.yaml: kubelet-arg+ (line ${at('kubelet-arg+: 7')}): expected "flag=value" strings, found a number; the kubelet-arg flags are unknown`],
      // The API server's list is fine: the drop-in's profiling=true still fails.
      ['1.2.16', 'fail', '/etc/rancher/k3s/config.yaml: --profiling=true (/etc/rancher/k3s/config.yaml.d/50-debugging.yaml kube-apiserver-arg)'],
    ]);
  });

  test('EncryptionConfiguration: aescbc or kms first passes, aesgcm warns, identity first fails, secrets not listed fails', () => {
    const dir = copyOf(hardened, 'enc');
    const file = path.join(dir, 'etc/kubernetes/enc/encryption-config.yaml');
    const cases: [string, string, string][] = [
      ['- resources: [secrets]\n    providers:\n      - aescbc: {keys: [{name: k, secret: x}]}\n      - identity: {}\n', 'pass', 'resources[0].providers[0] is aescbc'],
      ['- resources: [secrets]\n    providers:\n      - identity: {}\n      - aesgcm: {keys: [{name: k, secret: x}]}\n', 'fail', 'resources[0].providers[0] is identity'],
      ['- resources: [secrets]\n    providers:\n      - aesgcm: {keys: [{name: k, secret: x}]}\n', 'warn', 'resources[0].providers[0] is aesgcm (real encryption, but its keys must be rotated every 200,000 writes; the benchmark names aescbc, kms or secretbox)'],
      ['- resources: [configmaps]\n    providers: [{identity: {}}]\n  - resources: [secrets]\n    providers:\n      - kms: {apiVersion: v2, name: vault, endpoint: unix:///kms.sock}\n', 'pass', 'resources[1].providers[0] is kms'],
      ['- resources: [configmaps]\n    providers: [{aescbc: {}}]\n', 'fail', 'no entry for secrets'],
    ];
    for (const [resources, status, evidence] of cases) {
      writeFileSync(file, `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  ${resources}`);
      const c = check(run(dir).report, '1.2.29');
      assert.deepEqual([c.status, c.evidence], [status, `/etc/kubernetes/enc/encryption-config.yaml: ${evidence}`]);
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

  test('--proc that does not exist, or is a file, is a usage error (exit 2), not an empty process list', () => {
    const missing = kshield(['node', '--root', hardened, '--proc', path.join(tmp, 'no-proc')]);
    assert.equal(missing.code, 2);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /--proc .*no-proc: no such directory/);
    const file = path.join(tmp, 'a-proc-file');
    writeFileSync(file, 'x');
    const notDir = kshield(['node', '--root', hardened, '--proc', file]);
    assert.equal(notDir.code, 2);
    assert.match(notDir.stderr, /--proc .*a-proc-file: not a directory/);
  });
});

/** The CLI with a short time limit: a read that blocks shows up as a killed run, not a stuck suite. */
function runBounded(args: string[]): { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number } {
  const started = Date.now();
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 15_000 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

function mkfifo(file: string): void {
  rmSync(file, { force: true });
  execFileSync('mkfifo', ['-m', '600', file]);
}

describe('kshield node: files that are not regular files, links, and directories it may not list', () => {
  test('a FIFO where a manifest, the kubelet config, an environment file, /etc/passwd or a /proc cmdline should be: warn "not a regular file (FIFO)", never a hang', () => {
    const dir = copyOf(hardened, 'fifos');
    const proc = path.join(tmp, 'fifo-proc');
    mkdirSync(path.join(proc, '200'), { recursive: true });
    mkdirSync(path.join(proc, '201'), { recursive: true });
    mkfifo(path.join(proc, '200/cmdline'));
    writeFileSync(path.join(proc, '201/cmdline'), ['/usr/bin/kube-scheduler', '--profiling=false', ''].join('\0'));
    mkfifo(path.join(dir, 'etc/kubernetes/manifests/etcd.yaml'));
    mkfifo(path.join(dir, 'var/lib/kubelet/config.yaml'));
    mkfifo(path.join(dir, 'var/lib/kubelet/kubeadm-flags.env'));
    mkfifo(path.join(dir, 'etc/passwd'));
    const r = runBounded(['node', '--root', dir, '--proc', proc, '-o', 'json']);
    assert.equal(r.signal, null, `kshield node was killed after ${r.ms} ms: a read blocked`);
    assert.equal(r.stderr, '');
    const report = JSON.parse(r.stdout) as Report;
    const fifo = (p: string): string => `${p}: not a regular file (FIFO)`;
    expectChecks(report, [
      ['2.2', 'warn', fifo('/etc/kubernetes/manifests/etcd.yaml')],
      ['2.7', 'warn', fifo('/etc/kubernetes/manifests/etcd.yaml')],
      // The environment file is part of the kubelet's command line: with it unreadable, the command line is not known.
      ['4.2.4', 'warn', `${fifo('/var/lib/kubelet/kubeadm-flags.env')}; the kubelet's command line, built from its systemd units, is not fully known`],
    ]);
    // The file checks still judge the FIFO's own mode, and the other processes are still read.
    assert.equal(check(report, '1.1.7').evidence, '/etc/kubernetes/manifests/etcd.yaml 600');
    assert.equal(report.detected.components.scheduler, '/etc/kubernetes/manifests/kube-scheduler.yaml');
    // etcd's flags are unknown, so is its data directory: its checks say so rather than vanish.
    for (const id of ['1.1.11', '1.1.12']) assert.deepEqual([check(report, id).status, check(report, id).evidence], ['warn', `the etcd data directory is not known: ${fifo('/etc/kubernetes/manifests/etcd.yaml')}`]);

    // Without the environment file, the kubelet's own config file is what is unreadable; with the etcd
    // manifest back, /etc/passwd (a FIFO) is what cannot name the data directory's owner.
    rmSync(path.join(dir, 'var/lib/kubelet/kubeadm-flags.env'));
    rmSync(path.join(dir, 'etc/kubernetes/manifests/etcd.yaml'));
    cpSync(path.join(hardened, 'etc/kubernetes/manifests/etcd.yaml'), path.join(dir, 'etc/kubernetes/manifests/etcd.yaml'));
    const again = runBounded(['node', '--root', dir, '--proc', proc, '-o', 'json']);
    assert.equal(again.signal, null, 'a read blocked');
    const second = JSON.parse(again.stdout) as Report;
    expectChecks(second, [['4.2.4', 'warn', fifo('/var/lib/kubelet/config.yaml')]]);
    assert.equal(check(second, '1.1.12').status, 'warn');
    assert.match(check(second, '1.1.12').evidence, /^\/var\/lib\/etcd \S+:\S+ \(owner not named: \/etc\/passwd: not a regular file \(FIFO\)\)$/);
  });

  test('a FIFO as a k3s drop-in, and a device as a manifest: warn, never a read that does not end', (t) => {
    const dir = copyOf(k3s, 'k3s-fifo');
    mkfifo(path.join(dir, 'etc/rancher/k3s/config.yaml.d/60-fifo.yaml'));
    const r = runBounded(['node', '--root', dir, '-o', 'json']);
    assert.equal(r.signal, null, 'a read blocked');
    expectChecks(JSON.parse(r.stdout) as Report, [['1.2.16', 'warn', '/etc/rancher/k3s/config.yaml.d/60-fifo.yaml: not a regular file (FIFO); the effective k3s configuration is unknown']]);

    // The reader itself: /dev/zero is refused at once, without reading (the 1 MiB cap is the second line of defence).
    const started = Date.now();
    assert.deepEqual(readLimited('/dev/zero'), { error: 'not a regular file (character device)' });
    assert.ok(Date.now() - started < 1000);

    const kube = copyOf(hardened, 'device');
    mkdirSync(path.join(kube, 'dev'));
    try {
      execFileSync('mknod', ['-m', '666', path.join(kube, 'dev/zero'), 'c', '1', '5'], { stdio: 'pipe' });
    } catch (err) {
      process.stderr.write(`\n*** SKIPPING the device-node part: mknod is not allowed here (${(err as Error).message.split('\n')[0]}) ***\n\n`);
      t.skip('mknod not allowed');
      return;
    }
    const manifest = path.join(kube, 'etc/kubernetes/manifests/kube-apiserver.yaml');
    rmSync(manifest);
    // An absolute link, as on a node: it resolves to <root>/dev/zero, a real character device.
    symlinkSync('/dev/zero', manifest);
    const d = runBounded(['node', '--root', kube, '-o', 'json']);
    assert.equal(d.signal, null, 'a read of a device did not end');
    expectChecks(JSON.parse(d.stdout) as Report, [['1.2.1', 'warn', '/etc/kubernetes/manifests/kube-apiserver.yaml: not a regular file (character device)']]);
  });

  test('manifests behind links: the target\'s mode is judged; a loop or a dangling link warns in the file checks and the flag checks alike', () => {
    const dir = copyOf(hardened, 'manifest-links');
    const manifests = path.join(dir, 'etc/kubernetes/manifests');
    // A link to a file with a loose mode: the link's own 777 is not what protects the file.
    renameSync(path.join(manifests, 'kube-controller-manager.yaml'), path.join(dir, 'etc/kubernetes/kcm.yaml'));
    chmodSync(path.join(dir, 'etc/kubernetes/kcm.yaml'), 0o644);
    symlinkSync('../kcm.yaml', path.join(manifests, 'kube-controller-manager.yaml'));
    rmSync(path.join(manifests, 'kube-apiserver.yaml'));
    symlinkSync('kube-apiserver.yaml', path.join(manifests, 'kube-apiserver.yaml'));
    rmSync(path.join(manifests, 'kube-scheduler.yaml'));
    symlinkSync('/srv/scheduler.yaml', path.join(manifests, 'kube-scheduler.yaml'));
    const { report } = run(dir);
    const loop = '/etc/kubernetes/manifests/kube-apiserver.yaml: symlink loop (ELOOP)';
    const dangling = '/etc/kubernetes/manifests/kube-scheduler.yaml: dangling symlink (its target /srv/scheduler.yaml does not exist)';
    expectChecks(report, [
      ['1.1.1', 'warn', loop],
      ['1.2.1', 'warn', loop],
      ['1.1.5', 'warn', dangling],
      ['1.4.1', 'warn', dangling],
      ['1.1.3', 'fail', '/etc/kubernetes/manifests/kube-controller-manager.yaml 644'],
      ['1.3.2', 'pass', '/etc/kubernetes/manifests/kube-controller-manager.yaml: --profiling=false'],
    ]);
    if (IS_ROOT) assert.equal(check(report, '1.1.2').evidence, loop);
  });

  test('a PKI directory that cannot be listed: 1.1.19-1.1.21 warn "cannot list ... EACCES" (injected reader, so it runs as root too)', () => {
    const real = path.join(hardened, 'etc/kubernetes/pki');
    const denied = (p: string): boolean => p === real || p.startsWith(`${real}/`);
    const eacces = (p: string): Error => Object.assign(new Error(`EACCES: permission denied, '${p}'`), { code: 'EACCES' });
    // What a non-root user meets on a 700 root-owned directory: it can stat the directory, not list it or reach inside.
    const io: NodeIo = {
      ...REAL_IO,
      readdir: (p) => (denied(p) ? (() => { throw eacces(p); })() : REAL_IO.readdir(p)),
      stat: (p) => (p !== real && denied(p) ? (() => { throw eacces(p); })() : REAL_IO.stat(p)),
      lstat: (p) => (p !== real && denied(p) ? (() => { throw eacces(p); })() : REAL_IO.lstat(p)),
      open: (p, flags) => (denied(p) ? (() => { throw eacces(p); })() : REAL_IO.open(p, flags)),
    };
    const results = runNodeChecks(readNode(hardened, { io }));
    const byId = (id: string): [string, string] => {
      const r = results.find((x) => x.id === id);
      assert.ok(r, `${id} vanished`);
      return [r.status, r.evidence];
    };
    const owner = statSync(real);
    assert.deepEqual(byId('1.1.19'), ['warn', `cannot list /etc/kubernetes/pki: EACCES; /etc/kubernetes/pki ${owner.uid}:${owner.gid}`]);
    assert.deepEqual(byId('1.1.20'), ['warn', 'cannot list /etc/kubernetes/pki: EACCES']);
    assert.deepEqual(byId('1.1.21'), ['warn', 'cannot list /etc/kubernetes/pki: EACCES']);
    // A file that cannot be looked at is said, not dropped: the admin kubeconfig behind a denied stat.
    const admin = path.join(hardened, 'etc/kubernetes/admin.conf');
    const statDenied: NodeIo = { ...REAL_IO, lstat: (p) => (p === admin ? (() => { throw eacces(p); })() : REAL_IO.lstat(p)) };
    const again = runNodeChecks(readNode(hardened, { io: statDenied })).find((x) => x.id === '1.1.13');
    assert.deepEqual([again?.status, again?.evidence], ['warn', '/etc/kubernetes/admin.conf: cannot stat: EACCES; /etc/kubernetes/super-admin.conf 600']);
  });

  test('a PKI directory that is a file, or a subdirectory that cannot be listed, warns the same way (as root, through the CLI)', () => {
    const dir = copyOf(hardened, 'pki-file');
    rmSync(path.join(dir, 'etc/kubernetes/pki'), { recursive: true });
    writeFileSync(path.join(dir, 'etc/kubernetes/pki'), 'not a directory\n', { mode: 0o600 });
    const { report } = run(dir);
    expectChecks(report, [
      ['1.1.20', 'warn', 'cannot list /etc/kubernetes/pki: not a directory'],
      ['1.1.21', 'warn', 'cannot list /etc/kubernetes/pki: not a directory'],
    ]);
    assert.match(check(report, '1.1.19').evidence, /^cannot list \/etc\/kubernetes\/pki: not a directory; \/etc\/kubernetes\/pki \d+:\d+$/);
    assert.equal(check(report, '1.1.19').status, 'warn');
  });

  test('run as an unprivileged user (uid 65534) on a 700 PKI directory: warn "cannot list ... EACCES", never "owned by root:root" alone', (t) => {
    if (!IS_ROOT) {
      t.skip('needs root to switch to uid 65534');
      return;
    }
    const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
    if (!setpriv) {
      process.stderr.write('\n*** SKIPPING the unprivileged-user node test: setpriv is not installed (util-linux) ***\n\n');
      t.skip('setpriv missing');
      return;
    }
    // A tree an unprivileged user can read, except the PKI directory.
    const shared = mkdtempSync(path.join(os.tmpdir(), 'kshield-node-nobody-'));
    try {
      chmodSync(shared, 0o755);
      const dir = path.join(shared, 'node');
      cpSync(path.join(FIXTURES, 'hardened'), dir, { recursive: true });
      setModes(dir, false);
      chmodSync(path.join(dir, 'etc/kubernetes/pki'), 0o700);
      chmodSync(path.join(dir, 'var/lib/etcd'), 0o700);
      const r = spawnSync(setpriv, ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, cli, 'node', '--root', dir, '-o', 'json'], { cwd: root, encoding: 'utf8', timeout: 30_000 });
      if (r.error || /cannot find module|EACCES.*main\.js/i.test(r.stderr)) {
        process.stderr.write(`\n*** SKIPPING the unprivileged-user node test: uid 65534 cannot run the CLI here (${r.error?.message ?? r.stderr.split('\n')[0]}) ***\n\n`);
        t.skip('uid 65534 cannot run the CLI');
        return;
      }
      assert.equal(r.stderr, '');
      const report = JSON.parse(r.stdout) as Report;
      expectChecks(report, [
        ['1.1.19', 'warn', 'cannot list /etc/kubernetes/pki: EACCES; /etc/kubernetes/pki 0:0'],
        ['1.1.20', 'warn', 'cannot list /etc/kubernetes/pki: EACCES'],
        ['1.1.21', 'warn', 'cannot list /etc/kubernetes/pki: EACCES'],
      ]);
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  });
});

describe('deploy/node-job.yaml', () => {
  interface Container {
    command: string[];
    args: string[];
    image: string;
    securityContext: Record<string, unknown>;
    resources: { requests: Record<string, string>; limits: Record<string, string> };
    volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
  }
  const docs = yaml.loadAll(readFileSync(path.join(root, 'deploy/node-job.yaml'), 'utf8')) as Record<string, any>[];
  const job = docs.find((d) => d.kind === 'Job')!;
  const pod = job.spec.template.spec;
  const container = pod.containers[0] as Container;

  test('runs `kshield node --root /host` with the host PID namespace, no token, no capability, a read-only root, bounded resources', () => {
    // The image's entrypoint is kshield (Dockerfile), so the Job gives only arguments.
    assert.equal(container.command, undefined);
    assert.match(readFileSync(path.join(root, 'Dockerfile'), 'utf8'), /^ENTRYPOINT \[.*"\/app\/dist\/src\/cli\/main\.js"\]$/m);
    assert.deepEqual(container.args.slice(0, 5), ['node', '--root', '/host', '--proc', '/proc']);
    assert.equal(container.image, 'ghcr.io/kshield/kshield:0.1.0');
    assert.equal(pod.hostPID, true);
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(docs.find((d) => d.kind === 'ServiceAccount')!.automountServiceAccountToken, false);
    assert.equal(pod.serviceAccountName, docs.find((d) => d.kind === 'ServiceAccount')!.metadata.name);
    assert.deepEqual(container.securityContext, { allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    assert.deepEqual(pod.securityContext.seccompProfile, { type: 'RuntimeDefault' });
    for (const r of ['cpu', 'memory']) assert.ok(container.resources.requests[r] && container.resources.limits[r], r);
    assert.ok(pod.tolerations.some((t: { key: string }) => t.key === 'node-role.kubernetes.io/control-plane'));
    assert.deepEqual(docs.find((d) => d.kind === 'NetworkPolicy')!.spec, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  test('every host path is mounted read-only at /host + the same path, and covers every path the checks read', () => {
    const volumes = new Map<string, string>(pod.volumes.map((v: { name: string; hostPath: { path: string } }) => [v.name, v.hostPath.path]));
    for (const m of container.volumeMounts) {
      assert.equal(m.readOnly, true, m.name);
      assert.equal(m.mountPath, `/host${volumes.get(m.name)}`, m.name);
    }
    const mounted = [...volumes.values()];
    const covered = (p: string): boolean => mounted.some((m) => p === m || p.startsWith(`${m}/`));
    const read = [
      MANIFEST_DIRS.kubeadm, PKI_DIRS.kubeadm, ...KUBECONFIGS, '/etc/kubernetes/enc', DEFAULT_KUBELET_CONFIG, '/var/lib/kubelet/kubeadm-flags.env', '/etc/default/kubelet',
      ...KUBELET_UNIT_DIRS.filter((d) => d !== '/run/systemd/system').map((d) => `${d}/kubelet.service.d/10-kubeadm.conf`),
      '/etc/cni/net.d/10-flannel.conflist', '/var/lib/etcd', '/etc/passwd', '/etc/group',
      CONFIG_FILE.k3s, `${CONFIG_FILE.k3s}.d/50.yaml`, CONFIG_FILE.rke2, `${DATA_DIR.k3s}/server/tls`, `${DATA_DIR.k3s}/server/db/etcd/config`, `${DATA_DIR.k3s}/agent/etc/kubelet.conf.d`, MANIFEST_DIRS.rke2, PKI_DIRS.rke2,
    ];
    assert.deepEqual(read.filter((p) => !covered(p)), []);
  });

  test('a node seen the way the Job sees it: files under /host, processes in another /proc', () => {
    const host = copyOf(hardened, 'job-host');
    const proc = path.join(tmp, 'job-proc');
    mkdirSync(path.join(proc, '321'), { recursive: true });
    writeFileSync(path.join(proc, '321/cmdline'), ['/usr/bin/kubelet', '--config=/var/lib/kubelet/config.yaml', '--kubeconfig=/etc/kubernetes/kubelet.conf', '--read-only-port=10255', ''].join('\0'));
    const r = kshield(['node', '--root', host, '--proc', proc, '-o', 'json']);
    const report = JSON.parse(r.stdout) as Report;
    assert.equal(report.detected.components.kubelet, '/proc/321/cmdline');
    assert.deepEqual(check(report, '4.2.4'), { ...check(report, '4.2.4'), status: 'fail', evidence: '/proc/321/cmdline: --read-only-port=10255' });
    assert.equal(check(report, '1.2.1').evidence, '/etc/kubernetes/manifests/kube-apiserver.yaml: --anonymous-auth=false');
  });
});

describe('insecure port by version', () => {
  test('absent --insecure-port fails before v1.20 (default 8080) and passes from v1.20', () => {
    const dir = copyOf(hardened, 'old-apiserver');
    const file = path.join(dir, 'etc/kubernetes/manifests/kube-apiserver.yaml');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('kube-apiserver:v1.30.2', 'kube-apiserver:v1.19.16'));
    assert.deepEqual(check(run(dir).report, '1.2.insecure-port'), { ...check(run(dir).report, '1.2.insecure-port'), status: 'fail', evidence: '/etc/kubernetes/manifests/kube-apiserver.yaml: --insecure-port not set (default 8080 before v1.20; image registry.k8s.io/kube-apiserver:v1.19.16)' });
    writeFileSync(file, original.replace('kube-apiserver:v1.30.2', 'kube-apiserver:v1.20.2'));
    assert.equal(check(run(dir).report, '1.2.insecure-port').status, 'pass');
  });
});

describe('parsing', () => {
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
  test('k3s configuration: later files replace a key, `key+` appends, the command line replaces a list', () => {
    const merged = mergeConfigFiles([
      { path: '/a.yaml', data: { 'kubelet-arg': ['x=1', 'y=1'], 'write-kubeconfig-mode': '0600' }, lines: { '/kubelet-arg/0': 2, '/kubelet-arg/1': 3 } },
      { path: '/b.yaml', data: { 'kubelet-arg+': ['x=2'], 'write-kubeconfig-mode': '0644' } },
      { path: '/c.yaml', error: 'not valid YAML (line 1)' },
    ]);
    assert.deepEqual(merged.scalars['write-kubeconfig-mode'], { value: '0644', file: '/b.yaml', line: undefined, key: 'write-kubeconfig-mode' });
    const args = componentArgs(merged, undefined, 'kubelet');
    assert.deepEqual(args.flags, { x: '2', y: '1' });
    assert.deepEqual(args.origins.y, { file: '/a.yaml', line: 3, via: 'kubelet-arg' });
    assert.deepEqual(args.origins.x, { file: '/b.yaml', line: undefined, via: 'kubelet-arg' });
    const replaced = mergeConfigFiles([
      { path: '/a.yaml', data: { 'kubelet-arg': ['x=1'] } },
      { path: '/b.yaml', data: { 'kubelet-arg': ['z=1'] } },
    ]);
    assert.deepEqual(componentArgs(replaced, undefined, 'kubelet').flags, { z: '1' });
    const proc = { source: '/proc/1/cmdline', role: 'server' as const, options: parseDistroArgs(['--kubelet-arg=w=1', '--cluster-init', '--data-dir', '/srv/k3s', '-c', '/etc/k3s.yaml']) };
    assert.deepEqual(proc.options, { 'kubelet-arg': ['w=1'], 'cluster-init': ['true'], 'data-dir': ['/srv/k3s'], config: ['/etc/k3s.yaml'] });
    assert.deepEqual(componentArgs(merged, proc, 'kubelet').flags, { w: '1' });
  });
  test('systemd: quoting, continuation lines, ${VAR} as one word, $VAR split, EnvironmentFile, ExecStart reset', () => {
    assert.deepEqual(splitWords(`a "b c" 'd e' f\\ g`), ['a', 'b c', 'd e', 'f g']);
    const cmd = kubeletCommand(
      [
        { path: '/u/kubelet.service', text: '[Service]\nExecStart=/usr/bin/kubelet --old\n' },
        { path: '/u/kubelet.service.d/10.conf', text: '[Service]\nEnvironment="A=--a=1 --b=2" \'B=--c=3 --d=4\'\nEnvironmentFile=-/missing\nEnvironmentFile=/env\nExecStart=\nExecStart=/usr/bin/kubelet $A ${B} \\\n  --e=5 $UNSET\n' },
      ],
      (p) => ({ path: p, text: p === '/env' ? '# comment\nC="--f=6"\n' : undefined }),
    );
    assert.deepEqual(cmd?.argv, ['/usr/bin/kubelet', '--a=1', '--b=2', '--c=3 --d=4', '--e=5']);
    assert.equal(cmd?.source, '/u/kubelet.service.d/10.conf');
    assert.deepEqual(cmd?.origins[1], { file: '/u/kubelet.service.d/10.conf', line: 2, via: 'A' });
  });
});

describe('docs/node.md on the prepared fixtures', () => {
  // The insecure and k3s transcripts are console blocks, run by test/docs-commands.test.ts; the
  // hardened fixture's summary is prose, since only root can give the copies their owners.
  test('the hardened fixture ends with the summary the page states (as root; otherwise only the ownership checks differ)', () => {
    const page = readFileSync(path.join(root, 'docs/node.md'), 'utf8');
    const work = mkdtempSync(path.join(os.tmpdir(), 'kshield-docs-node-'));
    try {
      // What `npm run node-fixtures` runs (after its build), from the directory the page's commands run in.
      const made = spawnSync(process.execPath, [path.join(root, 'dist/test/support/node-fixtures.js')], { cwd: work, encoding: 'utf8' });
      assert.equal(made.status, 0, made.stderr);
      const hardened = /`kshield node --root (node-fixtures\/hardened)`.*?ends with `(\d+ checks: [^`]*)`/.exec(page.replace(/\n/g, ' '));
      assert.ok(hardened, 'docs/node.md states the hardened fixture\'s summary');
      const r = spawnSync(process.execPath, [cli, 'node', '--root', hardened[1]], { cwd: work, encoding: 'utf8' });
      const summary = r.stdout.trimEnd().split('\n').at(-1)!;
      if (IS_ROOT) assert.equal(summary, hardened[2]);
      else assert.match(summary, /^92 checks: \d+ pass, \d+ fail, 0 warn, 0 manual$/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
