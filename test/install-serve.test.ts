/**
 * `kshield install serve`: the manifests pass kshield's own scan with nothing above LOW, the RBAC is
 * exactly what `kshield cluster` lists with get/list (Secrets left out), and storage is a volume for
 * SQLite or a Secret reference for PostgreSQL.
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

describe('kshield install serve', () => {
  let dir: string;
  const render = (args: string[]): { file: string; objects: Obj[] } => {
    const file = path.join(dir, `serve-${args.join('-').replace(/[^a-z0-9-]/gi, '_') || 'default'}.yaml`);
    const r = kshield(['install', 'serve', ...args, '-o', file]);
    assert.equal(r.code, 0, r.stderr);
    const printed = kshield(['install', 'serve', ...args]);
    assert.equal(printed.code, 0);
    return { file, objects: yaml.loadAll(printed.stdout).filter(Boolean) as Obj[] };
  };
  const find = (objects: Obj[], kind: string, name?: string): Obj => {
    const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
    assert.equal(found.length, 1, `one ${kind}${name ? ` ${name}` : ''}`);
    return found[0];
  };

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-install-serve-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('kshield scan finds nothing above LOW and suppresses nothing, SQLite and PostgreSQL variants alike', () => {
    for (const args of [[], ['--database-secret', 'kshield-db', '--tls-secret', 'kshield-serve-tls', '--allow-cidr', '10.0.0.0/8']]) {
      const { file } = render(args);
      const r = kshield(['scan', file, '--fail-on', 'medium', '-o', 'json']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const findings = JSON.parse(r.stdout).findings as Obj[];
      assert.deepEqual(findings.filter((f) => ['critical', 'high', 'medium'].includes(f.severity)).map((f) => `${f.rule} ${f.resource.kind}/${f.resource.name}`), []);
      assert.deepEqual(findings.filter((f) => f.suppressed), []);
    }
  });

  test('get and list on exactly what kshield cluster lists, Secrets left out, get on /metrics; nothing written', () => {
    const { objects } = render([]);
    const role = find(objects, 'ClusterRole', 'kshield-serve');
    const nonResource = role.rules.filter((r: Obj) => r.nonResourceURLs);
    assert.deepEqual(nonResource, [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]);
    const resourceRules = role.rules.filter((r: Obj) => !r.nonResourceURLs);
    for (const r of resourceRules) assert.deepEqual(r.verbs, ['get', 'list']);
    const granted = new Set(resourceRules.flatMap((r: Obj) => r.apiGroups.flatMap((g: string) => r.resources.map((res: string) => `${g}/${res}`))));
    const expected = new Set(CLUSTER_KINDS.filter((k) => k.kind !== 'Secret').map((k) => `${k.group}/${k.resource}`));
    assert.deepEqual([...granted].sort(), [...expected].sort());
    assert.ok(!granted.has('/secrets'));
    assert.deepEqual(objects.filter((o) => o.kind === 'Role' || o.kind === 'RoleBinding'), []);
    assert.deepEqual(find(objects, 'ClusterRoleBinding').subjects, [{ kind: 'ServiceAccount', name: 'kshield-serve', namespace: 'kshield-system' }]);
  });

  test('SQLite on a claim by default; PostgreSQL from a Secret reference, no claim', () => {
    const sqlite = render([]).objects;
    const d = find(sqlite, 'Deployment');
    const c = d.spec.template.spec.containers[0];
    assert.equal(d.spec.replicas, 1);
    assert.equal(d.spec.strategy.type, 'Recreate');
    assert.deepEqual(c.args.slice(0, 3), ['serve', '--listen', '0.0.0.0:8443']);
    assert.equal(c.args[c.args.indexOf('--database') + 1], '/var/lib/kshield/kshield.db');
    assert.equal(c.args[c.args.indexOf('--interval') + 1], '10m');
    assert.equal(find(sqlite, 'PersistentVolumeClaim').spec.resources.requests.storage, '5Gi');
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(d.spec.template.spec.automountServiceAccountToken, false);
    assert.notDeepEqual(c.readinessProbe.httpGet.path, c.livenessProbe.httpGet.path);
    assert.deepEqual(find(sqlite, 'Namespace').metadata.labels, namespaceLabels());

    const pg = render(['--database-secret', 'kshield-db', '--tls-secret', 'kshield-serve-tls']).objects;
    assert.deepEqual(pg.filter((o) => o.kind === 'PersistentVolumeClaim'), []);
    const pc = find(pg, 'Deployment').spec.template.spec.containers[0];
    assert.ok(!pc.args.includes('--database'));
    assert.deepEqual(pc.env, [{ name: 'KSHIELD_DATABASE', valueFrom: { secretKeyRef: { name: 'kshield-db', key: 'url' } } }]);
    assert.equal(pc.args[pc.args.indexOf('--tls-cert') + 1], '/etc/kshield/tls/tls.crt');
    assert.equal(pc.readinessProbe.httpGet.scheme, 'HTTPS');
    // No secret value in the manifests: only names of Secrets the user creates.
    assert.deepEqual(pg.filter((o) => o.kind === 'Secret'), []);
  });

  test('only labelled pods (and given ranges) reach the dashboard port', () => {
    const { objects } = render(['--allow-cidr', '10.1.0.0/16']);
    const policy = find(objects, 'NetworkPolicy', 'kshield-serve');
    assert.deepEqual(policy.spec.ingress, [
      { from: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'kshield.io/dashboard-client': 'true' } } }, { ipBlock: { cidr: '10.1.0.0/16' } }], ports: [{ protocol: 'TCP', port: 8443 }] },
    ]);
    assert.deepEqual(find(objects, 'NetworkPolicy', 'kshield-serve-default-deny-ingress').spec, { podSelector: {}, policyTypes: ['Ingress'] });
  });

  test('flags are checked', () => {
    const cases: [string[], RegExp][] = [
      [['--namespace', 'kube-system'], /--namespace kube-system/],
      [['--interval', '5s'], /--interval: must be between 1m/],
      [['--database-secret', 'db', '--storage-size', '9Gi'], /--storage-size and --storage-class are for the SQLite volume/],
      [['--allow-cidr', 'everywhere'], /--allow-cidr "everywhere" is not an address range/],
      [['--storage-size', 'lots'], /--storage-size "lots"/],
    ];
    for (const [args, message] of cases) {
      const r = kshield(['install', 'serve', ...args]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, message);
    }
  });
});
