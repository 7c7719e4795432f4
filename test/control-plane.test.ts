/**
 * Control-plane flags judged from kube-system mirror pods (src/rules/control-plane.ts): which node
 * checks run through the API, where findings point, and what is not evidence.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runRuleExamples } from './support/rule-tester.js';
import { controlPlaneRules } from '../src/rules/control-plane/index.js';
import { controlPlaneMirrorPod, flagChecks, HARDENED_FLAGS, OPEN_DOORS, CONTROL_PLANE_BINARIES } from '../src/rules/control-plane/shared.js';
import { NODE_CHECKS } from '../src/node/checks.js';
import { evaluate } from '../src/engine/engine.js';
import { resourcesFromObjects } from '../src/sources/files.js';

runRuleExamples(controlPlaneRules);

type Obj = Record<string, any>;

function mirrorPod(binary: string, argv: { command?: unknown; args?: unknown }, extra: { namespace?: string; annotations?: Obj | null; owner?: Obj | null; labels?: Obj; containerName?: string; image?: string } = {}): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${binary}-cp-1`,
      namespace: extra.namespace ?? 'kube-system',
      labels: extra.labels ?? { component: binary, tier: 'control-plane' },
      ...(extra.annotations === null ? {} : { annotations: extra.annotations ?? { 'kubernetes.io/config.mirror': 'abc123', 'kubernetes.io/config.source': 'file' } }),
      ...(extra.owner === null ? {} : { ownerReferences: [extra.owner ?? { apiVersion: 'v1', kind: 'Node', name: 'cp-1', uid: 'node-cp-1', controller: true }] }),
    },
    spec: { nodeName: 'cp-1', hostNetwork: true, containers: [{ name: extra.containerName ?? binary, image: extra.image ?? `registry.k8s.io/${binary}:v1.29.2`, ...argv }] },
  };
}

const flagsOf = (component: keyof typeof HARDENED_FLAGS, changes: Record<string, string | undefined> = {}): string[] =>
  Object.entries({ ...HARDENED_FLAGS[component], ...changes })
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `--${k}=${v}`);

function judge(objects: Obj[]): { rule: string; severity: string; path: string; container?: string; message: string; fingerprint: string; resource: string }[] {
  const loaded = resourcesFromObjects(objects, 'cluster:test');
  const result = evaluate(loaded.resources, { rules: [...controlPlaneRules] });
  assert.deepEqual(result.errors, []);
  return result.findings.map((f) => ({ rule: f.rule, severity: f.severity, path: f.path, container: f.container, message: f.message, fingerprint: f.fingerprint, resource: `${f.resource.namespace}/${f.resource.name}` }));
}

describe('which node checks run through the API', () => {
  test('every flag-only check of each control-plane component, and none that reads files', () => {
    const checks = flagChecks();
    const ids = checks.map((c) => c.check.id);
    // Flag checks of all four components are there...
    for (const id of ['1.2.1', '1.2.6', '1.2.16', '1.2.insecure-port', '1.3.2', '1.4.2', '2.2', '2.5']) assert.ok(ids.includes(id), `${id} missing from ${ids.join(' ')}`);
    // ...the EncryptionConfiguration content, file modes and kubelet settings are not.
    const fileChecks = NODE_CHECKS.filter((c) => c.component === 'files' || c.component === 'kubelet' || /encrypted at rest/.test(c.title)).map((c) => c.id);
    assert.ok(fileChecks.length > 10);
    for (const id of fileChecks) assert.ok(!ids.includes(id), `${id} reads the node's disk and cannot be judged from a pod`);
    assert.deepEqual(new Set(checks.map((c) => c.component)), new Set(Object.values(CONTROL_PLANE_BINARIES)));
  });

  test('the hardened flags pass every check, and each open door trips a high check', () => {
    for (const [binary, component] of Object.entries(CONTROL_PLANE_BINARIES)) {
      assert.deepEqual(judge([mirrorPod(binary, { command: [binary, ...flagsOf(component)] })]), [], `${binary} with the hardened flags`);
    }
    const high = flagChecks().filter((c) => c.openDoor).map((c) => `${c.component} ${c.check.id}`);
    assert.deepEqual(high, ['apiserver 1.2.1', 'apiserver 1.2.6', 'apiserver 1.2.insecure-port', 'etcd 2.2']);
    for (const [component, doors] of Object.entries(OPEN_DOORS)) {
      const binary = Object.keys(CONTROL_PLANE_BINARIES).find((b) => CONTROL_PLANE_BINARIES[b] === component)!;
      for (const door of doors!) {
        const found = judge([mirrorPod(binary, { command: [binary, ...flagsOf(component as keyof typeof HARDENED_FLAGS, door)] })]);
        assert.deepEqual(found.map((f) => [f.rule, f.severity]), [['control-plane-open-access', 'high']], `${binary} ${JSON.stringify(door)}`);
      }
    }
  });
});

describe('control-plane findings', () => {
  test('point at the offending argument, in command or in args, with the CIS id and title in the message', () => {
    const inArgs = mirrorPod('kube-apiserver', { command: ['kube-apiserver'], args: flagsOf('apiserver', { profiling: 'true' }) });
    const found = judge([inArgs]);
    assert.deepEqual(found, [
      {
        rule: 'control-plane-insecure-flag',
        severity: 'medium',
        path: `/spec/containers/0/args/${Object.keys(HARDENED_FLAGS.apiserver).indexOf('profiling')}`,
        container: 'kube-apiserver',
        message: 'kube-apiserver (mirror pod of node "cp-1") fails CIS 1.2.16 "--profiling is false": --profiling=true',
        fingerprint: found[0]?.fingerprint,
        resource: 'kube-system/kube-apiserver-cp-1',
      },
    ]);
  });

  test('a missing flag points at the container; the last occurrence of a repeated flag is the one that counts', () => {
    const argv = ['kube-apiserver', '--anonymous-auth=false', ...flagsOf('apiserver', { 'audit-log-path': undefined, 'anonymous-auth': undefined }), '--anonymous-auth', 'true', '--anonymous-auth=true'];
    const found = judge([mirrorPod('kube-apiserver', { command: argv })]);
    assert.deepEqual(
      found.map((f) => `${f.rule} ${f.path} ${f.message.replace(/^.*fails CIS /, '')}`),
      [
        `control-plane-open-access /spec/containers/0/command/${argv.length - 1} 1.2.1 "--anonymous-auth is false": --anonymous-auth=true`,
        'control-plane-insecure-flag /spec/containers/0 1.2.17 "--audit-log-path is set": --audit-log-path not set',
      ],
    );
  });

  test('two checks failing on one argument are two findings with their own fingerprints', () => {
    const found = judge([mirrorPod('kube-apiserver', { command: ['kube-apiserver', ...flagsOf('apiserver', { 'enable-admission-plugins': 'AlwaysAdmit' })] })]);
    assert.deepEqual(found.map((f) => f.message.replace(/^.*fails CIS (\S+).*$/, '$1')), ['1.2.10', '1.2.15']);
    assert.equal(found[0].path, found[1].path);
    assert.notEqual(found[0].fingerprint, found[1].fingerprint);
  });

  test('NodeRestriction named in --disable-admission-plugins: the finding points at that argument', () => {
    const argv = ['kube-apiserver', ...flagsOf('apiserver'), '--disable-admission-plugins=NodeRestriction'];
    const found = judge([mirrorPod('kube-apiserver', { command: argv })]);
    assert.deepEqual(found.map((f) => [f.path, f.message.replace(/^.*fails CIS /, '')]), [[`/spec/containers/0/command/${argv.length - 1}`, '1.2.15 "NodeRestriction admission plugin is enabled": --enable-admission-plugins=NodeRestriction,EventRateLimit,AlwaysPullImages, --disable-admission-plugins=NodeRestriction']]);
  });

  test('one of a certificate pair missing is a missing flag (the container), not the one that is set', () => {
    const found = judge([mirrorPod('etcd', { command: ['etcd', ...flagsOf('etcd', { 'key-file': undefined })] })]);
    assert.deepEqual(found.map((f) => [f.path, f.message.replace(/^.*fails CIS /, '')]), [['/spec/containers/0', '2.1 "--cert-file and --key-file are set": --cert-file=/etc/kubernetes/pki/etcd/server.crt, --key-file not set']]);
  });

  test('etcd reading a --config-file (RKE2): absent flags may be in the file and are not reported; flags set wrongly still are', () => {
    const rke2 = mirrorPod('etcd', { command: ['etcd'], args: ['--config-file=/var/lib/rancher/rke2/server/db/etcd/config'] });
    assert.deepEqual(judge([rke2]), []);
    const wrong = mirrorPod('etcd', { command: ['etcd'], args: ['--config-file=/var/lib/rancher/rke2/server/db/etcd/config', '--client-cert-auth=false'] });
    assert.deepEqual(judge([wrong]).map((f) => `${f.rule} ${f.path}`), ['control-plane-open-access /spec/containers/0/args/1']);
  });

  test('the insecure port: judged by the image version when the flag is absent', () => {
    const old = mirrorPod('kube-apiserver', { command: ['kube-apiserver', ...flagsOf('apiserver')] }, { image: 'registry.k8s.io/kube-apiserver:v1.19.16' });
    assert.deepEqual(judge([old]).map((f) => `${f.rule} ${f.path} ${f.message.replace(/^.*: /, '')}`), ['control-plane-open-access /spec/containers/0 --insecure-port not set (default 8080 before v1.20; image registry.k8s.io/kube-apiserver:v1.19.16)']);
  });
});

describe('what is a control-plane mirror pod', () => {
  const insecure = { command: ['kube-apiserver', '--anonymous-auth=true', '--authorization-mode=AlwaysAllow'] };

  test('not evidence: another namespace, no mirror annotation, no Node owner, not a control-plane binary', () => {
    const cases: Obj[] = [
      mirrorPod('kube-apiserver', insecure, { namespace: 'playground' }),
      mirrorPod('kube-apiserver', insecure, { annotations: null }),
      mirrorPod('kube-apiserver', insecure, { owner: null }),
      mirrorPod('kube-apiserver', insecure, { owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'x', uid: 'rs', controller: true } }),
      mirrorPod('kube-proxy', { command: ['/usr/local/bin/kube-proxy', '--anonymous-auth=true'] }),
    ];
    for (const c of cases) {
      assert.equal(controlPlaneMirrorPod(c), undefined, JSON.stringify(c.metadata));
      assert.deepEqual(judge([c]), []);
    }
  });

  test('found by the command binary (full path), by the container name, or by the component label', () => {
    const byPath = mirrorPod('kube-apiserver', { command: ['/usr/local/bin/kube-apiserver', '--profiling=true'] }, { containerName: 'main', labels: {} });
    assert.equal(controlPlaneMirrorPod(byPath)?.component, 'apiserver');
    const byName = mirrorPod('kube-scheduler', { args: ['--bind-address=0.0.0.0'] }, { labels: {} });
    assert.equal(controlPlaneMirrorPod(byName)?.component, 'scheduler');
    const byLabel = mirrorPod('kube-controller-manager', { args: ['--profiling=true'] }, { containerName: 'manager' });
    const view = controlPlaneMirrorPod(byLabel);
    assert.deepEqual([view?.component, view?.containerName, view?.node], ['controller-manager', 'manager', 'cp-1']);
    assert.ok(judge([byLabel]).some((f) => f.message.includes('CIS 1.3.2') && f.path === '/spec/containers/0/args/0' && f.container === 'manager'));
  });

  test('wrong types anywhere never throw', () => {
    const weird: Obj[] = [
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'kube-system', annotations: { 'kubernetes.io/config.mirror': 'x' }, ownerReferences: 'Node' }, spec: { containers: [{ name: 'kube-apiserver' }] } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b', namespace: 'kube-system', annotations: { 'kubernetes.io/config.mirror': 'x' }, ownerReferences: [{ kind: 'Node', name: 7 }] }, spec: { containers: [{ name: 'kube-apiserver', command: [1, null, '--profiling=true', { a: 1 }], args: 'x' }] } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'c', namespace: 'kube-system', annotations: { 'kubernetes.io/config.mirror': 'x' }, ownerReferences: [{ kind: 'Node', name: 'n' }] }, spec: { containers: 'kube-apiserver' } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'd', namespace: 'kube-system', annotations: [], ownerReferences: [{ kind: 'Node' }] }, spec: null },
    ];
    const found = judge(weird);
    // The one with a usable command line is judged; its flag is at command/2.
    assert.ok(found.some((f) => f.resource === 'kube-system/b' && f.path === '/spec/containers/0/command/2' && /1\.2\.16/.test(f.message)));
    // Without a command line (a: flags baked into the image) nothing is judged.
    assert.ok(found.every((f) => f.resource === 'kube-system/b'));
  });
});
