/**
 * Results read for a compliance report: a cluster scan's control-plane findings become the node
 * checks they name (passing for the components whose mirror pods were judged), probe and image
 * results are recognised by shape, and rules without objects to judge pass nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import path from 'node:path';
import { scanFiles } from '../src/pipeline/scan-files.js';
import { toJsonReport } from '../src/report/json.js';
import { mergeResults, resultFromJson } from '../src/compliance/input.js';
import { assessCompliance } from '../src/compliance/assess.js';
import { loadFrameworks } from '../src/compliance/frameworks.js';
import { selectFramework } from '../src/compliance/select.js';
import { root } from './support/cli.js';

const { frameworks } = await loadFrameworks();
const cis112 = selectFramework(frameworks, 'cis', '1.12');
const MIRROR = path.join(root, 'test/fixtures/cluster/mirror-pods');

async function clusterResult(files: string[], judged: { component: string; pod: string; node: string }[]): Promise<unknown> {
  const scan = await scanFiles(files.map((f) => path.join(MIRROR, f)));
  // What kshield cluster adds to the scan's JSON: the cluster and what it could list.
  return JSON.parse(
    JSON.stringify({
      ...toJsonReport(scan),
      cluster: { server: 'https://127.0.0.1:6443', context: 'test', version: 'v1.29.2' },
      coverage: { covered: [{ kind: 'Pod', apiVersion: 'v1', objects: 1 }], notCovered: [], controlPlane: { judged, notVisible: [], notJudged: 'file permissions' } },
    }),
  );
}

test("a cluster scan's mirror pods are node check results: failed where a finding names the check, passed for the rest of that component", async () => {
  const read = resultFromJson(await clusterResult(['insecure-apiserver.yaml'], [{ component: 'kube-apiserver', pod: 'kube-system/kube-apiserver-cp-2', node: 'cp-2' }]), 'cluster.json');
  assert.equal(read.source.command, 'cluster');
  assert.equal(read.checks['node:1.2.16']?.[0].status, 'fail', 'profiling on');
  assert.match(read.checks['node:1.2.16'][0].evidence, /--profiling/);
  assert.equal(read.checks['node:1.2.2']?.[0].status, 'pass', 'no token file');
  assert.equal(read.checks['node:1.3.2'], undefined, 'the controller manager was not seen');
  const { input } = mergeResults([read]);
  const a = assessCompliance(cis112, input);
  const byId = (id: string) => a.controls.find((c) => c.id === id)!;
  assert.equal(byId('1.2.15').status, 'fail', 'v1.12 1.2.15 is the profiling check (node:1.2.16)');
  assert.equal(byId('1.2.2').status, 'pass', 'the profiling finding does not fail the token-file control');
  assert.equal(byId('1.3.2').status, 'not-assessed');
  assert.equal(byId('1.1.1').status, 'not-assessed', 'file modes cannot be read through the API');
});

test('a manifest scan of a mirror pod knows its failures but passes nothing from the control-plane rules', async () => {
  const scan = await scanFiles([path.join(MIRROR, 'insecure-apiserver.yaml')]);
  const read = resultFromJson(JSON.parse(JSON.stringify(toJsonReport(scan))), 'scan.json');
  assert.equal(read.rules?.['control-plane-insecure-flag'], 0);
  assert.equal(read.checks['node:1.2.16']?.[0].status, 'fail');
  assert.equal(read.checks['node:1.2.2'], undefined);
  const a = assessCompliance(cis112, mergeResults([read]).input);
  assert.equal(a.controls.find((c) => c.id === '1.2.2')!.status, 'not-assessed');
});

test('probe and image results are recognised; one benchmark check from the node and the network counts once', () => {
  const probe = resultFromJson(
    {
      checks: [
        { id: '4.2.1', title: 'anonymous', status: 'fail', evidence: 'answered 200 without credentials', remediation: 'x', endpoint: '10.0.0.5' },
        { id: '4.2.4', title: 'read-only port', status: 'pass', evidence: 'closed', remediation: 'x', endpoint: '10.0.0.5' },
      ],
      target: { component: 'kubelet', endpoints: ['10.0.0.5'], timeout: '5s', ports: { secure: 10250, readOnly: 10255 } },
      summary: { pass: 1, fail: 1, warn: 0, manual: 0 },
    },
    'probe.json',
  );
  assert.equal(probe.source.command, 'probe');
  assert.equal(probe.checks['probe:kubelet:4.2.1'][0].status, 'fail');
  const a = assessCompliance(cis112, mergeResults([probe]).input);
  const c = (id: string) => a.controls.find((x) => x.id === id)!;
  assert.equal(c('4.2.1').status, 'fail');
  assert.equal(c('4.2.4').status, 'pass', 'node:4.2.4 or probe:kubelet:4.2.4: the probe examined it');

  const image = resultFromJson(
    {
      subject: { name: 'registry.example/app:1', kind: 'registry', layers: [] },
      packages: [],
      findings: [{ rule: 'image-runs-as-root', severity: 'medium', message: 'runs as root', path: '/config/User', remediation: 'x', suppressed: false, fingerprint: 'f' }],
      notes: [],
      summary: { packages: {}, findings: { critical: 0, high: 0, medium: 1, low: 0, info: 0 }, suppressed: 0 },
      rulesRun: { 'image-runs-as-root': 1, 'privileged-container': 0 },
    },
    'image.json',
  );
  assert.equal(image.source.command, 'image');
  assert.equal(image.findings[0].object, 'image registry.example/app:1 at /config/User');
  assert.deepEqual(image.rules, { 'image-runs-as-root': 1, 'privileged-container': 0 });
});
