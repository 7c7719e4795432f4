/**
 * `kshield install watch`: the manifests pass kshield's own scan with nothing above LOW, and the
 * RBAC is exactly what `kshield watch` uses (the real-cluster test runs the watch under it).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { kshield } from './support/cli.js';
import { CLUSTER_KINDS } from '../src/sources/cluster.js';
import { namespaceLabels } from '../src/admission/install.js';

type Obj = Record<string, any>;

describe('kshield install watch', () => {
  let dir: string;
  let objects: Obj[];
  let file: string;
  const find = (kind: string, name?: string): Obj => {
    const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
    assert.equal(found.length, 1, `one ${kind}${name ? ` ${name}` : ''}`);
    return found[0];
  };

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-install-watch-'));
    file = path.join(dir, 'watch.yaml');
    const r = kshield(['install', 'watch', '-o', file]);
    assert.equal(r.code, 0, r.stderr);
    const printed = kshield(['install', 'watch']);
    assert.equal(printed.code, 0);
    objects = yaml.loadAll(printed.stdout).filter(Boolean) as Obj[];
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  test('kshield scan finds nothing above LOW and suppresses nothing', () => {
    const r = kshield(['scan', file, '--fail-on', 'medium', '-o', 'json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const findings = JSON.parse(r.stdout).findings as Obj[];
    assert.deepEqual(findings.filter((f) => ['critical', 'high', 'medium'].includes(f.severity)).map((f) => `${f.rule} ${f.resource.kind}/${f.resource.name}`), []);
    assert.deepEqual(findings.filter((f) => f.suppressed), []);
  });

  test('read-only on what the watch lists, Secrets left out; the only cluster-wide write is creating Events', () => {
    const role = find('ClusterRole', 'kshield-watch');
    const reads = role.rules.filter((r: Obj) => !r.resources.includes('events'));
    for (const r of reads) assert.deepEqual(r.verbs, ['get', 'list', 'watch']);
    const granted = new Set(reads.flatMap((r: Obj) => r.apiGroups.flatMap((g: string) => r.resources.map((res: string) => `${g}/${res}`))));
    const expected = new Set(CLUSTER_KINDS.filter((k) => k.kind !== 'Secret').map((k) => `${k.group}/${k.resource}`));
    assert.deepEqual([...granted].sort(), [...expected].sort());
    assert.ok(!granted.has('/secrets'));
    assert.deepEqual(role.rules.filter((r: Obj) => r.resources.includes('events')), [{ apiGroups: [''], resources: ['events'], verbs: ['create'] }]);
    const lease = find('Role', 'kshield-watch-leader-election');
    assert.deepEqual(lease.rules, [
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['kshield-watch'], verbs: ['get', 'update'] },
    ]);
    assert.equal(lease.metadata.namespace, 'kshield-system');
  });

  test('two hardened replicas with leader election; the Namespace is the webhook\'s', () => {
    const d = find('Deployment', 'kshield-watch');
    assert.equal(d.spec.replicas, 2);
    const pod = d.spec.template.spec;
    assert.equal(pod.automountServiceAccountToken, false);
    const c = pod.containers[0];
    assert.deepEqual(c.args.slice(0, 1), ['watch']);
    assert.ok(c.args.includes('--lease-name'));
    assert.deepEqual(c.env.map((e: Obj) => e.name), ['POD_NAME', 'POD_NAMESPACE']);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(c.securityContext.capabilities, { drop: ['ALL'] });
    assert.deepEqual(find('Namespace').metadata.labels, namespaceLabels());
    assert.equal(find('PodDisruptionBudget').spec.minAvailable, 1);
  });

  test('flags are checked', () => {
    const r = kshield(['install', 'watch', '--namespace', 'kube-system']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--namespace kube-system/);
    assert.equal(kshield(['install', 'watch', '--replicas', '0']).code, 2);
  });
});
