/**
 * Namespace-less manifests (argo-cd's install.yaml shape): `scan -n/--namespace NS` and
 * `--apply-namespace NS` on rbac, netpol and webhook what-if place them as `kubectl apply -n` does;
 * without the option one note counts them. The built CLI on a fixture of that shape.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { kshield } from './support/cli.js';
import { isClusterScoped } from '../src/core/scope.js';
import { loadText } from '../src/sources/files.js';
import { crdScopesOfFiles, crdSkeleton, placeNamespaces } from '../src/sources/placement.js';
import type { InputError } from '../src/core/types.js';

/** Relative to the repository root, where the CLI runs: reports name files as given. */
const ARGOCD = 'test/fixtures/namespace/argocd-shaped';
const rel = (file: string): string => path.join(ARGOCD, file);
/** Namespaced objects of the fixture that name no namespace: ServiceAccount, Role, RoleBinding, two Deployments, Service, Application (not the cluster-scoped Widget). */
const UNPLACED = 7;

type Obj = Record<string, any>;

function json(args: string[], input = ''): { code: number | null; report: Obj; stderr: string } {
  const r = kshield(args, input);
  let report: Obj;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout.slice(0, 500)}\n${r.stderr.slice(0, 500)}`);
  }
  return { code: r.code, report, stderr: r.stderr };
}

/** The report notes that are the namespace note. */
function namespaceNotes(notes: { message: string }[]): { file: string; line?: number; message: string }[] {
  return (notes as { file: string; line?: number; message: string }[]).filter((n) => /had no namespace and (was|were) analysed in "default"/.test(n.message));
}

/** The table's first column up to the first blank line, header left out. */
function rowsOf(table: string): string[][] {
  const lines = table.split('\n');
  const end = lines.indexOf('');
  return lines.slice(1, end === -1 ? undefined : end).map((l) => l.split(/\s{2,}/));
}

describe('which kinds are namespaced (core/scope.ts)', () => {
  test('built-in kinds, well-known custom kinds, Cluster* and the CRDs of the input, in that order', () => {
    assert.equal(isClusterScoped('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'), true);
    assert.equal(isClusterScoped('v1', 'Namespace'), true);
    assert.equal(isClusterScoped('storage.k8s.io/v1', 'StorageClass'), true);
    assert.equal(isClusterScoped('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration'), true);
    assert.equal(isClusterScoped('v1', 'ServiceAccount'), false);
    assert.equal(isClusterScoped('rbac.authorization.k8s.io/v1', 'RoleBinding'), false);
    // A built-in kind name in a custom group is not the built-in kind.
    assert.equal(isClusterScoped('example.com/v1', 'Namespace'), false);
    assert.equal(isClusterScoped('crd.projectcalico.org/v1', 'GlobalNetworkPolicy'), true);
    assert.equal(isClusterScoped('crd.projectcalico.org/v1', 'NetworkPolicy'), false);
    assert.equal(isClusterScoped('constraints.gatekeeper.sh/v1beta1', 'K8sRequiredLabels'), true);
    assert.equal(isClusterScoped('cert-manager.io/v1', 'ClusterIssuer'), true);
    assert.equal(isClusterScoped('cert-manager.io/v1', 'Issuer'), false);
    assert.equal(isClusterScoped('example.com/v1', 'Widget'), false);
    // A CRD in the input decides, against the name too.
    assert.equal(isClusterScoped('example.com/v1', 'Widget', { 'example.com/Widget': 'Cluster' }), true);
    assert.equal(isClusterScoped('example.com/v1', 'ClusterThing', { 'example.com/ClusterThing': 'Namespaced' }), false);
  });

  test('placement: empty namespace is none; cluster-scoped objects are left alone, whatever they say; a mismatch is an error at its line', () => {
    const text = `apiVersion: v1
kind: ConfigMap
metadata: {name: a, namespace: ""}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: b, namespace: ignored}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  namespace: elsewhere
`;
    const loaded = loadText(text, 'in.yaml');
    const errors: InputError[] = [];
    assert.equal(placeNamespaces(loaded.resources, errors, { namespace: 'shop', flag: '--namespace' }), undefined);
    // kubectl ignores a namespace on a cluster-scoped object (no error), and so does the placement.
    assert.deepEqual(loaded.resources.map((r) => r.namespace), ['shop', 'ignored', 'elsewhere']);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].file, 'in.yaml');
    assert.equal(errors[0].line, 13);
    assert.match(errors[0].message, /^ConfigMap c: metadata\.namespace is "elsewhere", not "shop" \(--namespace\): kubectl apply -n shop refuses/);

    const again = loadText(text, 'in.yaml');
    const none: InputError[] = [];
    assert.deepEqual(placeNamespaces(again.resources, none, { flag: '--namespace' }), { count: 1, file: 'in.yaml', line: 1 });
    assert.equal(again.resources[0].namespace, undefined);
    assert.deepEqual(none, []);
  });
});

describe('the CRDs of the input, read ahead (crdScopesOfFiles)', () => {
  test('block style, JSON, Lists, merge keys, CRLF: the scope each CRD declares', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kshield-crds-'));
    try {
      const crd = (group: string, kind: string, scope: string): string =>
        `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: x.${group}\n  annotations:\n    note: |\n      scope: Namespaced\nspec:\n  # the schema is most of a real CRD\n  versions:\n  - name: v1\n    schema:\n      openAPIV3Schema:\n        properties:\n          scope: {type: string}\n  group: ${group}\n  names:\n    kind: ${kind}\n    shortNames:\n    - ${kind.toLowerCase()}\n  scope: ${scope}\n`;
      writeFileSync(path.join(dir, 'block.yaml'), `${crd('a.example.com', 'Alpha', 'Cluster')}---\n${crd('b.example.com', 'Beta', 'Namespaced')}`);
      writeFileSync(path.join(dir, 'crlf.yaml'), `--- # CRDs\n${crd('c.example.com', 'Gamma', 'Cluster')}`.replace(/\n/g, '\r\n'));
      writeFileSync(
        path.join(dir, 'list.json'),
        JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', spec: { group: 'd.example.com', names: { kind: 'Delta' }, scope: 'Cluster' } }] }),
      );
      // The scope comes from a merge key: only a full parse sees it.
      writeFileSync(path.join(dir, 'merge.yaml'), 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  <<: {scope: Cluster}\n  group: e.example.com\n  names: {kind: Epsilon}\n');
      writeFileSync(path.join(dir, 'other.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {kind: CustomResourceDefinition}\n');
      const files = ['block.yaml', 'crlf.yaml', 'list.json', 'merge.yaml', 'other.yaml', 'missing.yaml'].map((f) => path.join(dir, f));
      assert.deepEqual(crdScopesOfFiles(files, 1 << 20), {
        'a.example.com/Alpha': 'Cluster',
        'b.example.com/Beta': 'Namespaced',
        'c.example.com/Gamma': 'Cluster',
        'd.example.com/Delta': 'Cluster',
        'e.example.com/Epsilon': 'Cluster',
      });
      // The skeleton keeps only what it needs, and the schema's "scope" property is not among it.
      const skeleton = crdSkeleton(crd('a.example.com', 'Alpha', 'Cluster'))!;
      assert.doesNotMatch(skeleton, /openAPIV3Schema|annotations/);
      assert.match(skeleton, /^ {2}scope: Cluster$/m);
      // A quoted key is not read from the skeleton: the caller parses the whole document.
      assert.doesNotMatch(crdSkeleton('kind: CustomResourceDefinition\nspec:\n  "scope": Cluster\n')!, /scope/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('scan -n/--namespace', () => {
  test('without it: objects keep no namespace and one note counts them, in every format', () => {
    const { code, report } = json(['scan', ARGOCD, '-o', 'json', '--fail-on', 'none']);
    assert.equal(code, 0);
    const notes = namespaceNotes(report.notes);
    assert.equal(notes.length, 1, JSON.stringify(report.notes));
    assert.equal(notes[0].file, rel('2-rbac.yaml'));
    assert.equal(notes[0].line, 1);
    assert.match(notes[0].message, new RegExp(`^${UNPLACED} namespaced objects had no namespace and were analysed in "default"`));
    assert.match(notes[0].message, /use -n\/--namespace NS to say where they will be applied/);
    const deployment = report.findings.find((f: Obj) => f.resource.kind === 'Deployment');
    assert.equal(deployment.resource.namespace, null);
    assert.ok(report.findings.some((f: Obj) => f.rule === 'rbac-secrets-read' && f.message.startsWith('Role "default/argocd-server"')));

    const table = kshield(['scan', ARGOCD, '--fail-on', 'none']).stdout;
    assert.equal(table.match(/had no namespace and were analysed/g)?.length, 1, table);
    const sarif = JSON.parse(kshield(['scan', ARGOCD, '-o', 'sarif', '--fail-on', 'none']).stdout);
    const notifications = sarif.runs[0].invocations[0].toolExecutionNotifications.filter((n: Obj) => /had no namespace/.test(n.message.text));
    assert.equal(notifications.length, 1);
    const markdown = kshield(['scan', ARGOCD, '-o', 'markdown', '--fail-on', 'none']).stdout;
    assert.equal(markdown.match(/had no namespace and were analysed/g)?.length, 1);
  });

  test('with it: namespaced objects are placed in NS, cluster-scoped ones (built-in or by a CRD in another file) are not; findings keep their positions', () => {
    const plain = json(['scan', ARGOCD, '-o', 'json', '--fail-on', 'none']).report;
    const { code, report } = json(['scan', ARGOCD, '-n', 'argocd', '-o', 'json', '--fail-on', 'none', '--only', 'namespace-not-set,default-namespace,rbac,workload,images']);
    assert.equal(code, 0);
    assert.deepEqual(namespaceNotes(report.notes), []);
    assert.deepEqual(report.errors, []);
    const byKind = new Map<string, Set<unknown>>();
    for (const f of report.findings) {
      if (!byKind.has(f.resource.kind)) byKind.set(f.resource.kind, new Set());
      byKind.get(f.resource.kind)!.add(f.resource.namespace);
    }
    assert.deepEqual([...byKind.get('Deployment')!], ['argocd']);
    assert.deepEqual([...byKind.get('Role')!], ['argocd']);
    assert.deepEqual([...byKind.get('ClusterRole')!], [null]);
    assert.ok(report.findings.some((f: Obj) => f.rule === 'rbac-secrets-read' && f.message.startsWith('Role "argocd/argocd-server"') && f.message.includes('ServiceAccount argocd/argocd-server')));

    // Every finding of the same rule on the same object points at the same place.
    const placed = json(['scan', ARGOCD, '--namespace', 'argocd', '-o', 'json', '--fail-on', 'none']).report;
    const key = (f: Obj): string => `${f.rule} ${f.resource.kind}/${f.resource.name}`;
    const at = (f: Obj): string => `${f.file}:${f.line}:${f.column}`;
    const before = new Map<string, Set<string>>();
    for (const f of plain.findings) before.set(key(f), (before.get(key(f)) ?? new Set()).add(at(f)));
    const compared = placed.findings.filter((f: Obj) => before.has(key(f)));
    assert.ok(compared.length >= 35, String(compared.length));
    for (const f of compared) assert.ok(before.get(key(f))!.has(at(f)), `${key(f)} moved to ${at(f)}`);
    // The ServiceAccount is now where its workload looks for it: the token finding names it.
    assert.ok(placed.findings.some((f: Obj) => f.rule === 'service-account-token-automount' && f.resource.namespace === 'argocd' && /ServiceAccount "argocd-server" sets/.test(f.message)));
  });

  test('namespace-not-set and default-namespace: the option says where objects go', () => {
    const only = ['--only', 'namespace-not-set,default-namespace', '-o', 'json', '--fail-on', 'none'];
    const unset = json(['scan', ARGOCD, ...only]).report;
    const unsetIds = unset.findings.filter((f: Obj) => f.rule === 'namespace-not-set').map((f: Obj) => `${f.resource.kind}/${f.resource.name}`).sort();
    // The Widget is cluster-scoped by the CRD in 1-crds.yaml: like the note, the rule skips it.
    assert.deepEqual(unsetIds, ['Application/guestbook', 'Deployment/argocd-repo-server', 'Deployment/argocd-server', 'Role/argocd-server', 'RoleBinding/argocd-server', 'Service/argocd-repo-server', 'ServiceAccount/argocd-server']);
    assert.equal(unset.findings.filter((f: Obj) => f.rule === 'default-namespace').length, 0);

    const argocd = json(['scan', ARGOCD, '-n', 'argocd', ...only]).report;
    assert.deepEqual(argocd.findings, []);

    const inDefault = json(['scan', ARGOCD, '-n', 'default', ...only]);
    const defaults = inDefault.report.findings.filter((f: Obj) => f.rule === 'default-namespace');
    assert.equal(defaults.length, UNPLACED);
    const sa = defaults.find((f: Obj) => f.resource.kind === 'ServiceAccount');
    assert.equal(sa.file, rel('2-rbac.yaml'));
    assert.equal(sa.line, 3); // metadata: the field that would hold the namespace
    assert.match(sa.message, /names no namespace and is to be applied in the "default" namespace/);
    // The NetworkPolicy says argocd: kubectl apply -n default refuses it.
    assert.equal(inDefault.code, 2);
    assert.equal(inDefault.report.errors.length, 1);
    assert.equal(inDefault.report.errors[0].file, rel('4-netpol.yaml'));
    assert.equal(inDefault.report.errors[0].line, 6);
  });

  test('an object naming another namespace is an input error (file, line); everything else is still scanned', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kshield-ns-'));
    try {
      const file = path.join(dir, 'mixed.yaml');
      writeFileSync(
        file,
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: team-b\ndata: {a: b}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: nginx:latest\n',
      );
      const { code, report, stderr } = json(['scan', file, '-n', 'team-a', '-o', 'json']);
      assert.equal(code, 2);
      assert.deepEqual(report.errors, [
        {
          file,
          line: 5,
          message: 'ConfigMap settings: metadata.namespace is "team-b", not "team-a" (-n/--namespace): kubectl apply -n team-a refuses an object whose namespace does not match; analysed in "team-b"',
        },
      ]);
      assert.match(stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5: error: ConfigMap settings`));
      const pod = report.findings.filter((f: Obj) => f.resource.kind === 'Pod');
      assert.ok(pod.length > 0);
      assert.ok(pod.every((f: Obj) => f.resource.namespace === 'team-a'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--apply-namespace is the same option; the two spellings with different values, or a bad name, are usage errors', () => {
    const a = kshield(['scan', ARGOCD, '-n', 'argocd', '-o', 'json', '--fail-on', 'none']);
    const b = kshield(['scan', ARGOCD, '--apply-namespace', 'argocd', '-o', 'json', '--fail-on', 'none']);
    assert.equal(a.code, 0);
    assert.equal(b.stdout, a.stdout);
    const both = kshield(['scan', ARGOCD, '-n', 'argocd', '--apply-namespace', 'other']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--namespace argocd and --apply-namespace other say different things/);
    const bad = kshield(['scan', ARGOCD, '-n', 'Argo_CD']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--namespace: "Argo_CD" is not a namespace name/);
  });

  test('standard input: the CRDs in the stream itself decide', () => {
    const stream = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Cluster
  names: {kind: Widget, plural: widgets}
  versions: [{name: v1, served: true, storage: true}]
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: s}
`;
    const { report } = json(['scan', '-', '-o', 'json', '--only', 'namespace-not-set', '--fail-on', 'none'], stream);
    assert.deepEqual(report.findings.map((f: Obj) => f.resource.kind), ['ServiceAccount']);
    assert.match(namespaceNotes(report.notes)[0].message, /^1 namespaced object had no namespace and was analysed in "default"/);
  });

  test('parallel scans give the same report, with and without the option', () => {
    for (const extra of [[], ['-n', 'argocd']]) {
      const one = kshield(['scan', ARGOCD, ...extra, '-o', 'json', '--fail-on', 'none', '--jobs', '1']);
      for (const jobs of ['2', '3', '5']) {
        const many = kshield(['scan', ARGOCD, ...extra, '-o', 'json', '--fail-on', 'none', '--jobs', jobs]);
        assert.equal(many.stdout, one.stdout, `--jobs ${jobs} ${extra.join(' ')}`);
      }
    }
  });

  test('the placed namespace is part of the fingerprint: a baseline written with -n NS holds for -n NS only', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kshield-ns-'));
    try {
      const baseline = path.join(dir, 'baseline.json');
      assert.equal(kshield(['scan', ARGOCD, '-n', 'argocd', '--write-baseline', baseline]).code, 0);
      const same = json(['scan', ARGOCD, '-n', 'argocd', '--baseline', baseline, '-o', 'json']).report;
      assert.equal(same.findings.filter((f: Obj) => !f.suppressed).length, 0);
      const elsewhere = json(['scan', ARGOCD, '-n', 'staging', '--baseline', baseline, '-o', 'json', '--fail-on', 'none']).report;
      const open = elsewhere.findings.filter((f: Obj) => !f.suppressed);
      // Findings on namespaced objects are new in another namespace; cluster-scoped ones are not.
      assert.ok(open.some((f: Obj) => f.resource.kind === 'Deployment'));
      assert.ok(open.every((f: Obj) => f.resource.namespace === 'staging'), JSON.stringify(open.filter((f: Obj) => f.resource.namespace !== 'staging').slice(0, 2)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('exemptions scoped to namespaces', () => {
  test('match objects where -n places them (scan and exemptions audit)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kshield-ns-'));
    try {
      const config = path.join(dir, 'kshield.yaml');
      writeFileSync(config, 'exemptions:\n  - rules: [image-tag-latest]\n    namespaces: [argocd]\n    reason: argo-cd publishes :latest in its install manifests\n    owner: platform\n');
      const unused = kshield(['exemptions', 'audit', ARGOCD, '--config', config]);
      assert.equal(unused.code, 1);
      assert.match(unused.stdout, /matched no finding: exemptions\[0\] for image-tag-latest/);
      const used = kshield(['exemptions', 'audit', ARGOCD, '--config', config, '-n', 'argocd']);
      assert.equal(used.code, 0, used.stdout + used.stderr);
      const scan = json(['scan', ARGOCD, '-n', 'argocd', '--config', config, '--only', 'image-tag-latest', '-o', 'json', '--fail-on', 'none']).report;
      assert.equal(scan.findings.length, 2);
      assert.ok(scan.findings.every((f: Obj) => f.suppressed && f.suppression.kind === 'exemption'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('--apply-namespace on the analysis commands', () => {
  test('rbac who-can: without it one account reads as two (sa:argocd and sa:default); with it, as one', () => {
    const plain = kshield(['rbac', 'who-can', 'get', 'secrets', ARGOCD]);
    assert.equal(plain.code, 0);
    assert.deepEqual(rowsOf(plain.stdout).map((r) => `${r[0]} ${r[1]}`), ['sa:argocd:argocd-server cluster-wide', 'sa:default:argocd-server namespace default']);
    assert.equal(plain.stderr.match(/had no namespace/g)?.length, 1);
    assert.match(plain.stderr, new RegExp(`^${rel('2-rbac.yaml')}:1: note: ${UNPLACED} namespaced objects had no namespace and were analysed in "default".*use --apply-namespace NS`, 'm'));

    const placed = kshield(['rbac', 'who-can', 'get', 'secrets', ARGOCD, '--apply-namespace', 'argocd']);
    assert.equal(placed.code, 0);
    // The RoleBinding's subject names no namespace: the authorizer reads it in the binding's, now argocd.
    assert.deepEqual(rowsOf(placed.stdout).map((r) => `${r[0]} ${r[1]} ${r[3]}`), ['sa:argocd:argocd-server cluster-wide ClusterRoleBinding argocd-server', 'sa:argocd:argocd-server namespace argocd RoleBinding argocd/argocd-server']);
    assert.doesNotMatch(placed.stderr, /had no namespace/);
    // -n is still the question's namespace.
    const inArgocd = kshield(['rbac', 'who-can', 'list', 'configmaps', '-n', 'argocd', ARGOCD, '--apply-namespace', 'argocd']);
    assert.deepEqual(rowsOf(inArgocd.stdout).map((r) => r[0]), ['sa:argocd:argocd-server']);
  });

  test('rbac access: the Role grant reaches sa:argocd:argocd-server only once the objects are in argocd', () => {
    const plain = json(['rbac', 'access', 'sa:argocd:argocd-server', ARGOCD, '-o', 'json']).report;
    assert.deepEqual(plain.permissions.map((p: Obj) => p.scope), ['cluster-wide']);
    const placed = json(['rbac', 'access', 'sa:argocd:argocd-server', ARGOCD, '-o', 'json', '--apply-namespace', 'argocd']).report;
    assert.deepEqual(placed.permissions.map((p: Obj) => `${p.scope}: ${p.resources.join(',')}`).sort(), ['cluster-wide: secrets', 'namespace argocd: secrets,configmaps']);
  });

  test('netpol reach and can: the policy that names argocd selects the workloads once they are placed there', () => {
    const plain = json(['netpol', 'reach', ARGOCD, '-o', 'json']).report;
    const pairs = (r: Obj): Record<string, unknown> => Object.fromEntries(r.connections.map((c: Obj) => [`${c.src} -> ${c.dst}`, c.ports]));
    assert.equal(pairs(plain)['default/Deployment/argocd-server -> default/Deployment/argocd-repo-server'], 'all');
    assert.equal(plain.notes.filter((n: string) => /had no namespace/.test(n)).length, 1);
    const placed = json(['netpol', 'reach', ARGOCD, '-o', 'json', '--apply-namespace', 'argocd']).report;
    assert.deepEqual(pairs(placed)['argocd/Deployment/argocd-server -> argocd/Deployment/argocd-repo-server'], ['TCP/8081']);
    assert.equal(pairs(placed)['0.0.0.0/0 -> argocd/Deployment/argocd-repo-server'], undefined);
    assert.equal((placed.notes ?? []).filter((n: string) => /had no namespace/.test(n)).length, 0);

    const can = kshield(['netpol', 'can', 'argocd/Deployment/argocd-server', 'argocd/Deployment/argocd-repo-server', '-p', '8080', ARGOCD, '--apply-namespace', 'argocd']);
    assert.equal(can.code, 1);
    assert.match(can.stdout, /^DENIED: argocd\/Deployment\/argocd-server -> argocd\/Deployment\/argocd-repo-server on TCP\/8080/);
    const canPlain = kshield(['netpol', 'can', 'default/Deployment/argocd-server', 'default/Deployment/argocd-repo-server', '-p', '8080', ARGOCD]);
    assert.equal(canPlain.code, 0);
    assert.match(canPlain.stdout, /note: 7 namespaced objects had no namespace/);
  });

  test('webhook what-if: workloads are judged in the namespace they will be applied in', () => {
    const plain = json(['webhook', 'what-if', ARGOCD, '-o', 'json']);
    assert.deepEqual(plain.report.namespaces.map((n: Obj) => n.namespace), ['default']);
    assert.equal(plain.report.notes.filter((n: string) => /had no namespace/.test(n)).length, 1);
    const placed = json(['webhook', 'what-if', ARGOCD, '-o', 'json', '--apply-namespace', 'argocd']);
    assert.deepEqual(placed.report.namespaces.map((n: Obj) => `${n.namespace}: ${n.workloads.map((w: Obj) => w.name).join(',')}`), ['argocd: argocd-repo-server,argocd-server']);
    assert.equal(placed.report.notes.filter((n: string) => /had no namespace/.test(n)).length, 0);
  });

  test('--apply-namespace with --cluster, or with a bad name, is a usage error', () => {
    const cluster = kshield(['rbac', 'paths', '--cluster', '--apply-namespace', 'argocd']);
    assert.equal(cluster.code, 2);
    assert.match(cluster.stderr, /--apply-namespace places manifests/);
    const bad = kshield(['netpol', 'reach', ARGOCD, '--apply-namespace', 'Argo.CD']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--apply-namespace: "Argo\.CD" is not a namespace name/);
  });
});
