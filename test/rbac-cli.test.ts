/** `kshield rbac who-can | access | paths` as a user runs them: the built CLI on the example shop and on fixtures. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { kshield, root, INSECURE, HARDENED } from './support/cli.js';

const ESCALATION = path.join(root, 'test/fixtures/rbac/escalation.yaml');

/** The first column of each table row after the header, up to the blank line. */
function firstColumn(table: string): string[] {
  const lines = table.split('\n');
  const end = lines.indexOf('');
  return lines.slice(1, end === -1 ? undefined : end).map((l) => l.split(/\s{2,}/)[0]);
}

/** Checks DOT output is well formed enough for Graphviz: braces balance outside strings, every edge's nodes are declared. */
function assertSaneDot(dot: string): { nodes: Set<string>; edges: [string, string][] } {
  assert.match(dot, /^digraph \w+ \{\n/);
  let depth = 0;
  let inString = false;
  for (let i = 0; i < dot.length; i++) {
    const c = dot[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      assert.ok(depth >= 0, 'closing brace without opening');
    }
  }
  assert.equal(inString, false, 'unterminated string');
  assert.equal(depth, 0, 'unbalanced braces');
  const nodes = new Set<string>();
  const edges: [string, string][] = [];
  const str = '"((?:[^"\\\\]|\\\\.)*)"';
  for (const line of dot.trimEnd().split("\n").slice(1, -1)) {
    const edge = new RegExp(`^  ${str} -> ${str} \\[label=${str}\\];$`).exec(line);
    const node = new RegExp(`^  ${str} \\[label=${str}, shape=\\w+(, color=\\w+)?\\];$`).exec(line);
    if (edge) edges.push([edge[1], edge[2]]);
    else if (node) nodes.add(node[1]);
    else assert.match(line, /^ {2}(rankdir=LR|node \[.*\]|edge \[.*\]);$/, `unexpected DOT line: ${line}`);
  }
  for (const [from, to] of edges) {
    assert.ok(nodes.has(from), `edge from undeclared node ${from}`);
    assert.ok(nodes.has(to), `edge to undeclared node ${to}`);
  }
  return { nodes, edges };
}

/** Mermaid flowchart: declared node ids, edges between declared ids, quotes balanced. */
function assertSaneMermaid(text: string): { nodes: Map<string, string>; edges: [string, string][] } {
  const lines = text.trimEnd().split('\n');
  assert.equal(lines[0], 'flowchart LR');
  const nodes = new Map<string, string>();
  const edges: [string, string][] = [];
  for (const line of lines.slice(1)) {
    assert.equal((line.match(/"/g) ?? []).length % 2, 0, `unbalanced quotes: ${line}`);
    const node = /^ {2}(n\d+)(?:\["([^"]*)"\]|\("([^"]*)"\)|\{\{"([^"]*)"\}\})$/.exec(line);
    const edge = /^ {2}(n\d+) -->\|"[^"]*"\| (n\d+)$/.exec(line);
    if (node) nodes.set(node[1], node[2] ?? node[3] ?? node[4]);
    else if (edge) edges.push([edge[1], edge[2]]);
    else assert.match(line, /^ {2}(classDef goal .*|class [n\d,]+ goal);$/, `unexpected Mermaid line: ${line}`);
  }
  for (const [from, to] of edges) {
    assert.ok(nodes.has(from), `edge from undeclared ${from}`);
    assert.ok(nodes.has(to), `edge to undeclared ${to}`);
  }
  return { nodes, edges };
}

describe('kshield rbac who-can', () => {
  test('lists every subject allowed, with role, binding and scope', () => {
    const r = kshield(['rbac', 'who-can', 'get', 'secrets', INSECURE]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(firstColumn(r.stdout), ['group:system:authenticated', 'sa:shop:node-agent', 'sa:shop:orders', 'sa:shop:payments']);
    assert.match(r.stdout, /^SUBJECT\s+SCOPE\s+ROLE\s+BINDING$/m);
    assert.match(r.stdout, /sa:shop:payments\s+cluster-wide\s+ClusterRole cluster-admin \(built-in\)\s+ClusterRoleBinding payments-admin/);
    assert.match(r.stdout, /sa:shop:orders\s+namespace shop\s+Role shop\/orders\s+RoleBinding shop\/orders/);
    assert.match(r.stdout, /group:system:authenticated\s+namespace shop\s+ClusterRole edit \(built-in\)\s+RoleBinding shop\/on-call/);
    // view (bound to the default service account) does not read Secrets.
    assert.doesNotMatch(r.stdout, /sa:shop:default/);
  });

  test('-n limits RoleBindings to that namespace; ClusterRoleBindings always count', () => {
    const other = kshield(['rbac', 'who-can', 'get', 'secrets', '-n', 'other', INSECURE]);
    assert.equal(other.code, 0);
    assert.deepEqual(firstColumn(other.stdout), ['sa:shop:node-agent', 'sa:shop:payments']);
  });

  test('subresources: pods does not grant pods/exec; --subresource equals RESOURCE/SUB', () => {
    const a = kshield(['rbac', 'who-can', 'create', 'pods/exec', '-n', 'shop', INSECURE]);
    const b = kshield(['rbac', 'who-can', 'create', 'pods', '--subresource', 'exec', '-n', 'shop', INSECURE]);
    assert.equal(a.stdout, b.stdout);
    assert.deepEqual(firstColumn(a.stdout), ['group:system:authenticated', 'sa:shop:node-agent', 'sa:shop:orders', 'sa:shop:payments']);
  });

  test('cluster-scoped resources are granted only by ClusterRoleBindings', () => {
    const r = kshield(['rbac', 'who-can', 'get', 'nodes', '-n', 'shop', INSECURE]);
    assert.deepEqual(firstColumn(r.stdout), ['sa:shop:node-agent', 'sa:shop:payments']);
    assert.match(r.stderr, /nodes is cluster-scoped: -n shop is ignored/);
  });

  test('resourceNames: --name matters for get, never for create', () => {
    const get = kshield(['rbac', 'who-can', 'get', 'serviceaccounts/token', '--name', 'builder', ESCALATION]);
    assert.doesNotMatch(get.stdout, /token-bot/);
    const mint = kshield(['rbac', 'who-can', 'create', 'serviceaccounts/token', '--name', 'builder', '-n', 'ci', ESCALATION]);
    assert.match(mint.stdout, /user:token-bot\s+namespace ci/);
    const other = kshield(['rbac', 'who-can', 'create', 'serviceaccounts/token', '--name', 'deployer', '-n', 'ci', ESCALATION]);
    assert.doesNotMatch(other.stdout, /token-bot/);
    const create = kshield(['rbac', 'who-can', 'create', 'secrets', '--name', 'x', ESCALATION]);
    assert.match(create.stderr, /--name is ignored: create requests carry no object name/);
  });

  test('non-resource URLs: only ClusterRoleBindings', () => {
    const r = kshield(['rbac', 'who-can', 'get', '/healthz', INSECURE]);
    assert.deepEqual(firstColumn(r.stdout), ['sa:shop:payments']);
  });

  test('JSON output', () => {
    const r = kshield(['rbac', 'who-can', 'list', 'secrets', '-o', 'json', INSECURE]);
    assert.equal(r.code, 0);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(doc.request, { verb: 'list', apiGroup: '', resource: 'secrets', namespace: '' });
    assert.ok(doc.allowed.some((a: { subject: string; scope: string }) => a.subject === 'sa:shop:node-agent' && a.scope === 'cluster-wide'));
    assert.deepEqual(doc.errors, []);
  });

  test('JSON "rule" names the role once and, for a scanned role, the file and line of the rule', () => {
    const doc = JSON.parse(kshield(['rbac', 'who-can', 'list', 'secrets', '-n', 'ci', '-o', 'json', ESCALATION]).stdout);
    const rules = doc.allowed.map((a: { rule: string }) => a.rule);
    const line = readFileSync(ESCALATION, 'utf8').split('\n').findIndex((l, i, all) => all[i - 2] === '  name: secret-reader' && l === '  - apiGroups: [""]') + 1;
    assert.ok(line > 0);
    assert.ok(rules.includes(`ClusterRole secret-reader rule 1 (${ESCALATION}:${line})`), rules.join('; '));
    assert.ok(rules.includes('ClusterRole cluster-admin (built-in) rule 1'), rules.join('; '));
    for (const rule of rules) assert.equal(rule.match(/\(built-in\)/g)?.length ?? 0, rule.includes('cluster-admin') ? 1 : 0, rule);
  });

  test('a RoleBinding in kube-system to a built-in Role (a metrics adapter\'s) grants that Role\'s real permissions', () => {
    const yaml = `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: metrics-adapter-auth-reader
  namespace: kube-system
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: extension-apiserver-authentication-reader
subjects:
  - kind: ServiceAccount
    name: metrics-adapter
    namespace: monitoring
`;
    const named = kshield(['rbac', 'who-can', 'get', 'configmaps', '-n', 'kube-system', '--name', 'extension-apiserver-authentication', '-'], yaml);
    assert.equal(named.code, 0, named.stderr);
    assert.match(
      named.stdout,
      /^sa:monitoring:metrics-adapter\s+namespace kube-system\s+Role kube-system\/extension-apiserver-authentication-reader \(built-in\)\s+RoleBinding kube-system\/metrics-adapter-auth-reader$/m,
    );
    // resourceNames: another ConfigMap of kube-system is not readable through it.
    const other = kshield(['rbac', 'who-can', 'get', 'configmaps', '-n', 'kube-system', '--name', 'kubeadm-config', '-'], yaml);
    assert.match(other.stdout, /^No subject in the scanned bindings can get configmaps named kubeadm-config in namespace kube-system\.$/m);
    const access = kshield(['rbac', 'access', 'sa:monitoring:metrics-adapter', '-'], yaml);
    assert.match(access.stdout, /namespace kube-system\s+""\s+configmaps\s+get, list, watch\s+extension-apiserver-authentication\s+Role kube-system\/extension-apiserver-authentication-reader \(built-in\)/);
  });

  test('a misspelt verb gets a note, as a misspelt resource does; the answer is still given', () => {
    const cases: [string[], RegExp][] = [
      [['gte', 'secrets'], /^note: "gte" is not a verb the API server uses for a resource request: only rules listing "gte" or "\*" grant it; did you mean "get"\?$/m],
      [['lsit', 'secrets'], /did you mean "list"\?/],
      [['Get', 'secrets'], /did you mean "get"\?/],
      [['deletecolection', 'secrets'], /did you mean "deletecollection"\?/],
      [['impersonte', 'groups'], /did you mean "impersonate"\?/],
      [['post', 'secrets'], /"post" is an HTTP method: a resource request's verb is "create"/],
      [['watch', '/healthz'], /"watch" is a verb of resource requests: a non-resource URL's verb is the HTTP method in lower case/],
      [['psot', '/healthz'], /did you mean "post"\?/],
      [['frobnicate', 'widgets.example.com'], /"frobnicate" is not a verb .*\(verbs: get, list, watch, create, update, patch, delete, deletecollection, use, bind, escalate, impersonate, approve, sign, attest\)/],
    ];
    for (const [args, note] of cases) {
      const r = kshield(['rbac', 'who-can', ...args, ESCALATION]);
      assert.equal(r.code, 0, args.join(' '));
      assert.match(r.stderr, note, args.join(' '));
    }
    // Only rules naming the odd verb (or "*") grant it: cluster-admin's "*" still answers.
    assert.match(kshield(['rbac', 'who-can', 'gte', 'secrets', ESCALATION]).stdout, /^sa:ci:deployer\s+cluster-wide/m);
    // Known verbs, special ones included, get no note.
    for (const args of [['get', 'secrets'], ['deletecollection', 'pods'], ['impersonate', 'groups'], ['approve', 'signers.certificates.k8s.io'], ['attest', 'signers.certificates.k8s.io'], ['post', '/logs'], ['get', '/healthz']])
      assert.doesNotMatch(kshield(['rbac', 'who-can', ...args, ESCALATION]).stderr, /is not a verb|is an HTTP method|is a verb of/, args.join(' '));
  });

  test('nobody allowed is said in words', () => {
    const r = kshield(['rbac', 'who-can', 'delete', 'nodes', HARDENED]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^No subject in the scanned bindings can delete nodes\.$/m);
  });
});

describe('kshield rbac access', () => {
  test('a service account: its own grants and those of its groups', () => {
    const r = kshield(['rbac', 'access', 'sa:shop:orders', INSECURE]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Effective permissions of sa:shop:orders \(groups: system:serviceaccounts, system:serviceaccounts:shop, system:authenticated\):/);
    assert.match(r.stdout, /namespace shop\s+\*\s+\*\s+\*\s+Role shop\/orders\s+RoleBinding shop\/orders \(as sa:shop:orders\)/);
    // every authenticated identity got "edit" in shop: the account too, through its group.
    assert.match(r.stdout, /ClusterRole edit \(built-in\)\s+RoleBinding shop\/on-call \(as group:system:authenticated\)/);
  });

  test('group membership of service accounts: system:serviceaccounts:<ns>', () => {
    const r = kshield(['rbac', 'access', 'sa:ci:builder', ESCALATION]);
    assert.match(r.stdout, /RoleBinding ci\/ci-config \(as group:system:serviceaccounts:ci\)/);
    assert.match(r.stdout, /namespace ci\s+batch\s+jobs\s+create, get\s+Role ci\/job-runner/);
  });

  test('JSON carries the core API group as "", the table shows it as ""', () => {
    const doc = JSON.parse(kshield(['rbac', 'access', 'group:auditors', '-o', 'json', ESCALATION]).stdout);
    assert.deepEqual(doc.permissions[0].apiGroups, ['']);
    assert.match(kshield(['rbac', 'access', 'group:auditors', ESCALATION]).stdout, /namespace ci\s+""\s+secrets\s+list/);
  });

  test('a user and a group', () => {
    const user = kshield(['rbac', 'access', 'user:support', ESCALATION]);
    assert.match(user.stdout, /cluster-wide\s+""\s+groups\s+impersonate\s+ClusterRole impersonator/);
    const group = kshield(['rbac', 'access', 'group:auditors', '-o', 'json', ESCALATION]);
    const doc = JSON.parse(group.stdout);
    assert.equal(doc.subject, 'group:auditors');
    assert.deepEqual(
      doc.permissions.map((p: { scope: string; resources: string[]; verbs: string[] }) => `${p.scope} ${p.resources} ${p.verbs}`),
      ['namespace ci secrets list'],
    );
  });

  test('nothing granted is said in words', () => {
    const r = kshield(['rbac', 'access', 'user:nobody', HARDENED]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /none: no scanned binding grants anything to it or its groups/);
  });
});

describe('kshield rbac paths', () => {
  test('table: the shop\'s paths to cluster-admin, step by step', () => {
    const r = kshield(['rbac', 'paths', INSECURE]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /sa:shop:orders reaches full control of the cluster \(cluster-admin\)\n {2}sa:shop:orders\n {4}-> can create pods in shop {2}\[Role shop\/orders via RoleBinding shop\/orders\]\n {4}-> sa:shop:payments {2}\[run a pod as this service account\]\n {4}-> full control of the cluster \(cluster-admin\) {2}\[ClusterRole cluster-admin \(built-in\) via ClusterRoleBinding payments-admin\]/,
    );
    assert.match(r.stdout, /group:system:authenticated reaches full control of the cluster/);
    // Every path leads to cluster-admin: one goal reached, however many goal nodes the graph has.
    const paths = (r.stdout.match(/ reaches /g) ?? []).length;
    assert.ok(paths > 1);
    assert.match(r.stdout, new RegExp(`^${paths} path\\(s\\) to 1 goal\\(s\\);`, 'm'));
  });

  test('every mechanism of the fixture leads to cluster-admin', () => {
    const r = kshield(['rbac', 'paths', '-o', 'json', ESCALATION]);
    const graph = JSON.parse(r.stdout);
    const label = new Map(graph.nodes.map((n: { id: string; label: string }) => [n.id, n.label]));
    const paths = graph.paths.map((p: { nodes: string[] }) => p.nodes.map((n) => label.get(n)).join(' -> '));
    assert.deepEqual(paths.sort(), [
      'group:auditors -> can read Secrets in ci -> sa:ci:deployer -> full control of the cluster (cluster-admin)',
      'sa:ci:builder -> can create or change workloads in ci -> sa:ci:deployer -> full control of the cluster (cluster-admin)',
      'sa:ci:deployer -> full control of the cluster (cluster-admin)',
      'user:role-admin -> can bind roles in every namespace -> full control of the cluster (cluster-admin)',
      'user:support -> can impersonate users, groups or service accounts -> full control of the cluster (cluster-admin)',
      'user:token-bot -> can create service account tokens in ci -> sa:ci:builder -> can create or change workloads in ci -> sa:ci:deployer -> full control of the cluster (cluster-admin)',
    ]);
    for (const p of graph.paths) assert.equal(p.steps.length, p.nodes.length - 1);
    const steps = (from: string) => graph.paths.find((p: { from: string }) => p.from === from).steps;
    assert.equal(steps('identity:group:auditors')[1], 'read its token Secret deployer-token');
    assert.equal(steps('identity:user:token-bot')[1], 'create a token for it (TokenRequest)');
    assert.equal(steps('identity:sa:ci:builder')[1], 'run a pod as this service account through a workload');
  });

  test('DOT: a well-formed digraph whose edges join declared nodes', () => {
    const r = kshield(['rbac', 'paths', '-o', 'dot', INSECURE]);
    assert.equal(r.code, 0);
    const { nodes, edges } = assertSaneDot(r.stdout);
    assert.ok(nodes.has('identity:sa:shop:orders') && nodes.has('goal:cluster-admin'));
    assert.ok(edges.length > 5);
  });

  test('Mermaid: a flowchart whose edges join declared nodes', () => {
    const r = kshield(['rbac', 'paths', '-o', 'mermaid', INSECURE]);
    assert.equal(r.code, 0);
    const { nodes, edges } = assertSaneMermaid(r.stdout);
    assert.ok([...nodes.values()].includes('full control of the cluster (cluster-admin)'));
    assert.ok(edges.length > 5);
  });

  test('JSON, DOT and Mermaid describe the same graph', () => {
    const json = JSON.parse(kshield(['rbac', 'paths', '-o', 'json', ESCALATION]).stdout);
    const dot = assertSaneDot(kshield(['rbac', 'paths', '-o', 'dot', ESCALATION]).stdout);
    const mermaid = assertSaneMermaid(kshield(['rbac', 'paths', '-o', 'mermaid', ESCALATION]).stdout);
    assert.equal(dot.nodes.size, json.nodes.length);
    assert.equal(mermaid.nodes.size, json.nodes.length);
    assert.equal(dot.edges.length, json.edges.length);
    assert.equal(mermaid.edges.length, json.edges.length);
  });

  test('names with quotes and markup cannot break DOT or Mermaid', () => {
    const yaml = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: 'odd"name'
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - kind: User
    name: 'eve"} -> x [label="|<b>'
`;
    assertSaneDot(kshield(['rbac', 'paths', '-o', 'dot', '-'], yaml).stdout);
    assertSaneMermaid(kshield(['rbac', 'paths', '-o', 'mermaid', '-'], yaml).stdout);
  });

  test('reading Secrets reaches only accounts whose token Secret is in the input (none is made on its own since 1.24)', () => {
    const account = `apiVersion: v1
kind: Namespace
metadata:
  name: ci
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: deployer
  namespace: ci
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: deployer-admin
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - kind: ServiceAccount
    name: deployer
    namespace: ci
`;
    const reader = (rule: string) => `---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: secret-reader
  namespace: ci
rules:
  - apiGroups: [""]
    resources: ["secrets"]
${rule}---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: auditors
  namespace: ci
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: secret-reader
subjects:
  - kind: Group
    apiGroup: rbac.authorization.k8s.io
    name: auditors
`;
    const tokenSecret = (name: string, forAccount: string, type = 'kubernetes.io/service-account-token') => `---
apiVersion: v1
kind: Secret
metadata:
  name: ${name}
  namespace: ci
  annotations:
    kubernetes.io/service-account.name: ${forAccount}
type: ${type}
`;
    const auditorPaths = (yaml: string): string[] => {
      const r = kshield(['rbac', 'paths', '-o', 'json', '-'], yaml);
      assert.equal(r.code, 0, r.stderr);
      const graph = JSON.parse(r.stdout);
      return graph.paths.filter((p: { from: string }) => p.from === 'identity:group:auditors').map((p: { steps: string[] }) => p.steps.join(' / '));
    };
    const listAll = '    verbs: ["get", "list"]\n';
    assert.deepEqual(auditorPaths(account + reader(listAll)), [], 'no token Secret: reading Secrets yields no token');
    assert.deepEqual(auditorPaths(account + reader(listAll) + tokenSecret('other-token', 'builder')), [], "another account's token");
    assert.deepEqual(auditorPaths(account + reader(listAll) + tokenSecret('deployer-config', 'deployer', 'Opaque')), [], 'the annotation without the token type');
    const reached = ['Role ci/secret-reader via RoleBinding ci/auditors / read its token Secret deployer-token / ClusterRole cluster-admin (built-in) via ClusterRoleBinding deployer-admin'];
    assert.deepEqual(auditorPaths(account + reader(listAll) + tokenSecret('deployer-token', 'deployer')), reached);
    // resourceNames: a get limited to that very Secret reads it; one limited to another does not.
    assert.deepEqual(auditorPaths(account + reader('    resourceNames: ["deployer-token"]\n    verbs: ["get"]\n') + tokenSecret('deployer-token', 'deployer')), reached);
    assert.deepEqual(auditorPaths(account + reader('    resourceNames: ["app-config"]\n    verbs: ["get"]\n') + tokenSecret('deployer-token', 'deployer')), []);
    // In the table, the step names the Secret.
    const table = kshield(['rbac', 'paths', '-'], account + reader(listAll) + tokenSecret('deployer-token', 'deployer'));
    assert.match(table.stdout, /\n {4}-> sa:ci:deployer {2}\[read its token Secret deployer-token\]\n/);
  });

  test('every Secret of the cluster takes list or watch in all namespaces: get alone needs each name', () => {
    const reader = (verbs: string) => `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: secret-reader
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ${verbs}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: secret-reader
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: secret-reader
subjects:
  - kind: User
    apiGroup: rbac.authorization.k8s.io
    name: reader
`;
    const goals = (verbs: string) => JSON.parse(kshield(['rbac', 'paths', '-o', 'json', '-'], reader(verbs)).stdout).paths.map((p: { to: string }) => p.to);
    assert.deepEqual(goals('["get"]'), []);
    assert.deepEqual(goals('["list"]'), ['goal:all-secrets']);
    assert.deepEqual(goals('["watch"]'), ['goal:all-secrets']);
  });

  test('exec into pods reaches the accounts of the pods that hold an API token: the pod\'s automountServiceAccountToken wins over the account\'s', () => {
    const setup = (accountField: string, podSpec: string) => `apiVersion: v1
kind: ServiceAccount
metadata:
  name: deployer
  namespace: ci
${accountField}---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: deployer-admin
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - kind: ServiceAccount
    name: deployer
    namespace: ci
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: debugger
  namespace: ci
rules:
  - apiGroups: [""]
    resources: ["pods/exec"]
    verbs: ["create"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: debuggers
  namespace: ci
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: debugger
subjects:
  - kind: User
    apiGroup: rbac.authorization.k8s.io
    name: debugger
---
apiVersion: v1
kind: Pod
metadata:
  name: deploy-runner
  namespace: ci
spec:
  serviceAccountName: deployer
${podSpec}  containers:
    - name: runner
      image: registry.example.com/runner:1.0
`;
    const reaches = (yaml: string): boolean => {
      const r = kshield(['rbac', 'paths', '-o', 'json', '-'], yaml);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout).paths.some((p: { from: string; to: string }) => p.from === 'identity:user:debugger' && p.to === 'goal:cluster-admin');
    };
    const projected = (audience: string) => `  volumes:
    - name: api
      projected:
        sources:
          - serviceAccountToken:
              path: token
${audience}`;
    const cases: [string, string, string, boolean][] = [
      ['both unset: the token is mounted', '', '', true],
      ['pod false wins over the account\'s true', 'automountServiceAccountToken: true\n', '  automountServiceAccountToken: false\n', false],
      ['account false, pod unset', 'automountServiceAccountToken: false\n', '', false],
      ['pod true wins over the account\'s false', 'automountServiceAccountToken: false\n', '  automountServiceAccountToken: true\n', true],
      ['pod false with a projected token for the API server', '', `  automountServiceAccountToken: false\n${projected('')}`, true],
      ['pod false with a projected token for another audience', '', `  automountServiceAccountToken: false\n${projected('              audience: vault\n')}`, false],
    ];
    for (const [name, accountField, podSpec, expected] of cases) assert.equal(reaches(setup(accountField, podSpec)), expected, name);
  });

  test('the hardened shop has no path', () => {
    const r = kshield(['rbac', 'paths', HARDENED]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^No privilege-escalation path found\./);
  });
});

describe('kshield rbac: inputs and usage errors', () => {
  test('standard input', () => {
    const r = kshield(['rbac', 'who-can', 'list', 'secrets', '-'], readFileSync(ESCALATION, 'utf8'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /group:auditors\s+namespace ci/);
  });

  test('unreadable input: exit 2, errors on stderr, what could be read still analysed', () => {
    for (const args of [
      ['rbac', 'who-can', 'list', 'secrets', ESCALATION, 'missing.yaml'],
      ['rbac', 'access', 'group:auditors', ESCALATION, 'missing.yaml'],
      ['rbac', 'paths', ESCALATION, 'missing.yaml'],
    ]) {
      const r = kshield(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /missing\.yaml: error: no such file or directory/);
      assert.match(r.stdout, /auditors/);
    }
  });

  test('bad subject, missing arguments, unknown format, no input: exit 2 with a clear message', () => {
    const bad = kshield(['rbac', 'access', 'alice', INSECURE]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /error: expected sa:NAMESPACE:NAME, user:NAME or group:NAME, got "alice"/);
    const missing = kshield(['rbac', 'who-can', 'get']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing required argument 'resource'/);
    const format = kshield(['rbac', 'paths', '-o', 'svg', INSECURE]);
    assert.equal(format.code, 2);
    assert.match(format.stderr, /unknown output format "svg" \(one of: table, json, dot, mermaid, html\)/);
    const none = kshield(['rbac', 'paths']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /nothing to analyse/);
    const resource = kshield(['rbac', 'who-can', 'get', 'pods/exec/x', INSECURE]);
    assert.equal(resource.code, 2);
    assert.match(resource.stderr, /cannot read the resource "pods\/exec\/x"/);
  });

  test('who-can: malformed RESOURCE, VERB and namespace are usage errors naming the problem, not wildcard matches', () => {
    const cases: [string[], RegExp][] = [
      [['get', '.apps'], /cannot read the resource "\.apps": the resource name before "\.apps" is empty/],
      [['get', 'deployments.'], /cannot read the resource "deployments\.": the API group after "\." is empty/],
      [['get', 'pods/'], /cannot read the resource "pods\/": the subresource after "\/" is empty/],
      [['get', 'po ds'], /cannot read the resource "po ds": "po ds" is not a resource name/],
      [['get', 'pods.-apps'], /"-apps" is not an API group name/],
      [['get', 'pods', '--subresource', 'ex ec'], /--subresource: "ex ec" is not a subresource name/],
      [['get', 'pods', '--name', ''], /--name: the object name is empty/],
      [['', 'pods'], /"" is not a verb/],
      [['get all', 'pods'], /"get all" is not a verb/],
      [['get', 'pods', '-n', 'BAD_NS'], /-n: "BAD_NS" is not a namespace name/],
      [['get', 'pods', '-n', ''], /-n: "" is not a namespace name/],
      [['get', 'pods', '-n', '-shop'], /-n: "-shop" is not a namespace name/],
      [['get', 'pods', '-n', 'a'.repeat(64)], /is not a namespace name .*at most 63 characters/],
      [['get', '/healthz', '-n', 'shop'], /"\/healthz" is a non-resource URL: -n, --subresource and --name do not apply/],
    ];
    for (const [args, message] of cases) {
      const r = kshield(['rbac', 'who-can', ...args, ESCALATION]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, message, args.join(' '));
      assert.equal(r.stdout, '', args.join(' '));
    }
    // The forms that are right still work: upper-case resource names are folded, a 63-character namespace is a namespace.
    assert.equal(kshield(['rbac', 'who-can', 'get', 'Deployments.Apps', '-n', 'a'.repeat(63), ESCALATION]).code, 0);
    assert.match(kshield(['rbac', 'who-can', 'list', 'secrets', '-n', 'ci', ESCALATION]).stdout, /group:auditors\s+namespace ci/);
  });
});
