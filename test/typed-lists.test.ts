/**
 * Typed lists (PodList, DeploymentList, ...: what the API server answers a list request with, what
 * `kubectl get --raw` and client-go dumps print) leave apiVersion and kind out of their items; each
 * item is of the list's kind minus "List", in the list's apiVersion. Scanned as a user would: the
 * built CLI on JSON and YAML files, a directory and standard input.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dump } from 'js-yaml';

import { kshield } from './support/cli.js';
import { loadText } from '../src/sources/files.js';

interface JsonFinding {
  rule: string;
  file: string;
  line: number;
  column: number;
  path: string;
  resource: { apiVersion: string; kind: string; name: string; namespace?: string };
}

const privilegedContainer = { name: 'app', image: 'nginx:1.27', securityContext: { privileged: true } };

/** Each list as the API server returns it: list metadata, items without apiVersion and kind. */
const LISTS: { name: string; apiVersion: string; kind: string; items: unknown[]; expect: { rule: string; kind: string; name: string; key: string; item?: boolean; pointer: string } }[] = [
  {
    name: 'pods',
    apiVersion: 'v1',
    kind: 'PodList',
    items: [{ metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } }, spec: { containers: [privilegedContainer] } }],
    expect: { rule: 'privileged-container', kind: 'Pod', name: 'web', key: 'privileged', pointer: '/items/0/spec/containers/0/securityContext/privileged' },
  },
  {
    name: 'deployments',
    apiVersion: 'apps/v1',
    kind: 'DeploymentList',
    items: [
      {
        metadata: { name: 'api', namespace: 'shop' },
        spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { hostNetwork: true, containers: [{ name: 'api', image: 'nginx:1.27' }] } } },
      },
    ],
    expect: { rule: 'host-network', kind: 'Deployment', name: 'api', key: 'hostNetwork', pointer: '/items/0/spec/template/spec/hostNetwork' },
  },
  {
    name: 'services',
    apiVersion: 'v1',
    kind: 'ServiceList',
    items: [{ metadata: { name: 'edge', namespace: 'shop' }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80 }] } }],
    expect: { rule: 'service-type-nodeport', kind: 'Service', name: 'edge', key: 'type', pointer: '/items/0/spec/type' },
  },
  {
    name: 'networkpolicies',
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicyList',
    items: [{ metadata: { name: 'open', namespace: 'shop' }, spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] } }],
    expect: { rule: 'network-policy-allows-all-ingress', kind: 'NetworkPolicy', name: 'open', key: 'ingress', item: true, pointer: '/items/0/spec/ingress/0' },
  },
  {
    name: 'rolebindings',
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBindingList',
    items: [
      {
        metadata: { name: 'ops-admin', namespace: 'shop' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'ops' }],
      },
    ],
    expect: { rule: 'rbac-cluster-admin-binding', kind: 'RoleBinding', name: 'ops-admin', key: 'subjects', item: true, pointer: '/items/0/subjects/0' },
  },
];

function listObject(l: (typeof LISTS)[number]): unknown {
  return { apiVersion: l.apiVersion, kind: l.kind, metadata: { resourceVersion: '4711' }, items: l.items };
}

const asJson = (l: (typeof LISTS)[number]): string => JSON.stringify(listObject(l), null, 2) + '\n';
const asYaml = (l: (typeof LISTS)[number]): string => dump(listObject(l));

/**
 * 1-based line and column where `key` (quoted in JSON) is written in `text` (the key must be
 * unique), or with `item`, where the first item of the sequence under it starts (after "- " in YAML).
 */
function keyPosition(text: string, key: string, json: boolean, item = false): { line: number; column: number } {
  const needle = json ? `"${key}":` : `${key}:`;
  const lines = text.split('\n');
  const hits = lines.flatMap((l, i) => {
    const at = l.indexOf(needle);
    return at !== -1 && (json || /^\s*(- )?$/.test(l.slice(0, at))) ? [{ line: i + 1, column: at + 1 }] : [];
  });
  assert.equal(hits.length, 1, `${needle} once in\n${text}`);
  if (!item) return hits[0];
  const next = lines[hits[0].line];
  return { line: hits[0].line + 1, column: next.search(json ? /\S/ : /[^\s-]/) + 1 };
}

function findingsOf(stdout: string): JsonFinding[] {
  return (JSON.parse(stdout) as { findings: JsonFinding[] }).findings;
}

function assertFound(findings: JsonFinding[], l: (typeof LISTS)[number], file: string, text: string, json: boolean): void {
  const e = l.expect;
  const hit = findings.find((f) => f.rule === e.rule && f.file === file);
  assert.ok(hit, `${e.rule} on ${file}; got ${JSON.stringify(findings.map((f) => `${f.file} ${f.rule}`))}`);
  assert.deepEqual(hit.resource, { apiVersion: l.apiVersion, kind: e.kind, name: e.name, namespace: 'shop' });
  assert.equal(hit.path, e.pointer);
  assert.deepEqual({ line: hit.line, column: hit.column }, keyPosition(text, e.key, json, e.item), `${file}: position of ${e.key}`);
}

let dir: string;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kshield-typed-lists-'));
  mkdirSync(path.join(dir, 'dump'));
  LISTS.forEach((l, i) => {
    writeFileSync(path.join(dir, 'dump', `${l.name}.json`), asJson(l));
    // Both YAML extensions.
    writeFileSync(path.join(dir, 'dump', `${l.name}.${i % 2 === 0 ? 'yaml' : 'yml'}`), asYaml(l));
  });
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('typed lists: items take their kind from the list', () => {
  for (const [format, render, json] of [['JSON', asJson, true], ['YAML', asYaml, false]] as const) {
    for (const l of LISTS) {
      test(`${l.kind} in ${format} on standard input: the item is judged as a ${l.expect.kind}, at its own position`, () => {
        const text = render(l);
        const r = kshield(['scan', '-', '-o', 'json', '--fail-on', 'none'], text);
        assert.equal(r.code, 0, r.stderr);
        assertFound(findingsOf(r.stdout), l, '<stdin>', text, json);
        assert.doesNotMatch(r.stdout, /not a Kubernetes object/);
      });
    }
  }

  test('every list in a directory (.json, .yaml, .yml) and as single files', () => {
    const d = path.join(dir, 'dump');
    const all = kshield(['scan', d, '-o', 'json', '--fail-on', 'none']);
    assert.equal(all.code, 0, all.stderr);
    const findings = findingsOf(all.stdout);
    LISTS.forEach((l, i) => {
      const jsonFile = path.join(d, `${l.name}.json`);
      const yamlFile = path.join(d, `${l.name}.${i % 2 === 0 ? 'yaml' : 'yml'}`);
      assertFound(findings, l, jsonFile, asJson(l), true);
      assertFound(findings, l, yamlFile, asYaml(l), false);
      const one = kshield(['scan', yamlFile, '-o', 'json', '--fail-on', 'none']);
      assert.equal(one.code, 0, one.stderr);
      assertFound(findingsOf(one.stdout), l, yamlFile, asYaml(l), false);
    });
    assert.equal((JSON.parse(all.stdout) as { summary: { resources: number } }).summary.resources, LISTS.length * 2);
  });

  test('the table names the item and points at file:line:column', () => {
    const l = LISTS[0];
    const file = path.join(dir, 'dump', 'pods.json');
    const r = kshield(['scan', file]);
    assert.equal(r.code, 1, r.stderr);
    const { line, column } = keyPosition(asJson(l), 'privileged', true);
    assert.match(r.stdout, /^ {2}Pod\/shop\/web$/m);
    assert.match(r.stdout, new RegExp(`^ +${line}:${column} +CRITICAL +container "app" runs privileged +privileged-container$`, 'm'));
  });
});

describe('typed lists: what keeps its own apiVersion and kind', () => {
  test('an item naming its own apiVersion and kind keeps them; one naming only one of them is not guessed', () => {
    const text = JSON.stringify({
      apiVersion: 'v1',
      kind: 'PodList',
      items: [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } },
        { kind: 'Pod', metadata: { name: 'half' } },
        { metadata: { name: 'inferred' } },
      ],
    });
    const r = loadText(text, 'mixed.json');
    assert.deepEqual(r.resources.map((x) => `${x.apiVersion} ${x.kind}/${x.name} ${x.basePath}`), ['v1 ConfigMap/cm /items/0', 'v1 Pod/inferred /items/2']);
    assert.equal(r.notes.length, 1);
    assert.match(r.notes[0].message, /item \/items\/1 has no apiVersion: not a Kubernetes object; skipped/);
  });

  test('items of a plain List must name their kind: nothing is inferred from "List"', () => {
    const r = loadText('apiVersion: v1\nkind: List\nitems:\n- metadata: {name: x}\n  spec: {containers: [{name: a, image: b}]}\n', 'list.yaml');
    assert.equal(r.resources.length, 0);
    assert.match(r.notes[0].message, /item \/items\/0 has no apiVersion and kind: not a Kubernetes object; skipped/);
    assert.equal(r.notes[0].line, 4);
  });

  test('the inferred kind is on the object for rules that read it, but not in its fields: positions stay exact', () => {
    const text = 'apiVersion: v1\nkind: PodList\nitems:\n- metadata:\n    name: p\n  spec:\n    containers:\n    - name: a\n      image: b\n';
    const r = loadText(text, 'pods.yaml');
    const pod = r.resources[0];
    assert.equal(pod.object.kind, 'Pod');
    assert.equal(pod.object.apiVersion, 'v1');
    assert.deepEqual(Object.keys(pod.object), ['metadata', 'spec']);
    assert.deepEqual(pod.locate('/spec/containers/0/image'), { line: 9, column: 7 });
    // A pointer to the inferred field resolves to the item itself: it is not written anywhere.
    assert.deepEqual(pod.locate('/kind'), { line: 4, column: 3 });
  });

  test('a typed list of a custom resource: WidgetList items are example.com/v1 Widgets', () => {
    const r = loadText('apiVersion: example.com/v1\nkind: WidgetList\nitems:\n- metadata: {name: w, namespace: n}\n  spec: {size: 1}\n', 'widgets.yaml');
    assert.deepEqual(r.resources.map((x) => `${x.apiVersion} ${x.kind} ${x.namespace}/${x.name}`), ['example.com/v1 Widget n/w']);
  });
});

describe('typed lists feed the analysis commands', () => {
  const podList = (format: 'json' | 'yaml'): string => {
    const pods = {
      apiVersion: 'v1',
      kind: 'PodList',
      metadata: { resourceVersion: '1' },
      items: ['web', 'db', 'batch'].map((name) => ({
        metadata: { name, namespace: 'shop', labels: { app: name } },
        spec: { containers: [{ name, image: 'nginx:1.27', ports: [{ containerPort: name === 'db' ? 5432 : 8080 }] }] },
      })),
    };
    return format === 'json' ? JSON.stringify(pods, null, 2) : dump(pods);
  };
  const policyList = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicyList',
    metadata: { resourceVersion: '1' },
    items: [
      {
        metadata: { name: 'db', namespace: 'shop' },
        spec: {
          podSelector: { matchLabels: { app: 'db' } },
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ protocol: 'TCP', port: 5432 }] }],
        },
      },
    ],
  };

  for (const format of ['json', 'yaml'] as const) {
    test(`netpol reach over a PodList and a NetworkPolicyList (${format}) shows the real connections`, () => {
      const d = path.join(dir, `netpol-${format}`);
      mkdirSync(d, { recursive: true });
      writeFileSync(path.join(d, `pods.${format}`), podList(format));
      writeFileSync(path.join(d, `policies.${format}`), format === 'json' ? JSON.stringify(policyList, null, 2) : dump(policyList));
      const r = kshield(['netpol', 'reach', d, '-o', 'json']);
      assert.equal(r.code, 0, r.stderr);
      const { connections } = JSON.parse(r.stdout) as { connections: { src: string; dst: string; ports: 'all' | string[] }[] };
      // The mesh column (transport) is judged elsewhere (test/mesh-reach.test.ts).
      const toDb = connections.filter((c) => c.dst === 'shop/Pod/db').map(({ src, dst, ports }) => ({ src, dst, ports }));
      // Only web reaches db, and only on 5432: the policy from the list isolates db.
      assert.deepEqual(toDb, [{ src: 'shop/Pod/web', dst: 'shop/Pod/db', ports: ['TCP/5432'] }]);
      // db and batch are not isolated for ingress from other pods: batch is reached by both.
      assert.ok(connections.some((c) => c.src === 'shop/Pod/db' && c.dst === 'shop/Pod/batch'), JSON.stringify(connections));
      assert.ok(connections.some((c) => c.src === 'shop/Pod/web' && c.dst === 'shop/Pod/batch'), JSON.stringify(connections));
    });
  }

  test('rbac who-can over a RoleList and a RoleBindingList (JSON on stdin)', () => {
    const roles = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleList',
      items: [{ metadata: { name: 'secret-reader', namespace: 'shop' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] }],
    };
    const bindings = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBindingList',
      items: [
        {
          metadata: { name: 'read-secrets', namespace: 'shop' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'secret-reader' },
          subjects: [{ kind: 'ServiceAccount', name: 'app', namespace: 'shop' }],
        },
      ],
    };
    const r = kshield(['rbac', 'who-can', 'get', 'secrets', '-n', 'shop', '-'], JSON.stringify(roles) + '\n---\n' + JSON.stringify(bindings) + '\n');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^sa:shop:app\s+namespace shop\s+Role shop\/secret-reader\s+RoleBinding shop\/read-secrets$/m);
  });
});
