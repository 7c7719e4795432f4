/**
 * What RBAC grants amount to, as the rules and `rbac paths` say it: exec, attach and port-forward by
 * Kubernetes version, and Secret reads by verb.
 *
 * exec, attach and port-forward by Kubernetes version. A WebSocket session is a GET request,
 * authorized as get: enough before 1.35 (kubernetes/kubernetes#78741); from 1.35 the
 * AuthorizePodWebsocketUpgradeCreatePermission gate (beta, on by default) also requires create.
 * create alone always opens a session over SPDY. The role below is shaped like argo-cd's
 * argocd-server ClusterRole rule 1 (`*` groups and resources, get/patch/delete).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rbacRules } from '../src/rules/rbac/index.js';
import { evaluate } from '../src/engine/engine.js';
import type { Finding, Severity } from '../src/core/types.js';
import { loadText } from '../src/sources/files.js';
import { ResourceSet } from '../src/k8s/resource-set.js';
import { buildEscalationGraph } from '../src/analysis/rbac-paths.js';
import { DEFAULT_RULE_SETTINGS } from '../src/engine/rule.js';
import { kshield } from './support/cli.js';

const role = (verbs: string, resources = '["*"]', groups = '["*"]') => `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: argocd-server}
rules:
  - apiGroups: ${groups}
    resources: ${resources}
    verbs: ${verbs}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: argocd-server}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: argocd-server}
subjects: [{kind: ServiceAccount, name: argocd-server, namespace: argocd}]`;

function run(ruleId: string, yaml: string, kubernetesVersion?: string, severityOverrides?: Record<string, Severity>): Finding[] {
  const rule = rbacRules.find((r) => r.id === ruleId)!;
  const loaded = loadText(yaml, 'rbac.yaml');
  assert.deepEqual(loaded.errors, []);
  const result = evaluate(loaded.resources, { rules: [rule], settings: kubernetesVersion ? { kubernetesVersion } : {}, severityOverrides });
  assert.deepEqual(result.errors, []);
  return result.findings;
}

describe('rbac-pod-exec and rbac-pod-port-forward by target version', () => {
  const getOnly = role('["delete", "get", "patch"]');

  test('the default target is the newest release, 1.37', () => {
    assert.equal(DEFAULT_RULE_SETTINGS.kubernetesVersion, '1.37');
  });

  test('get alone is low from 1.35 (the default), saying where it still opens a session', () => {
    const [f] = run('rbac-pod-exec', getOnly);
    assert.equal(f.severity, 'low');
    assert.equal(
      f.message,
      'ClusterRole "argocd-server" rule 1 grants get on pods/exec, pods/attach: get alone opens an exec or attach session over a WebSocket only on clusters ' +
        'before Kubernetes 1.35 or with the AuthorizePodWebsocketUpgradeCreatePermission feature gate off; from 1.35 (the target is 1.37) create is needed as well ' +
        '(granted to ServiceAccount argocd/argocd-server by ClusterRoleBinding argocd-server)',
    );
    const [pf] = run('rbac-pod-port-forward', getOnly, '1.35');
    assert.equal(pf.severity, 'low');
    assert.match(pf.message, /grants get on pods\/portforward: get alone opens a port-forward tunnel over a WebSocket only on clusters before Kubernetes 1\.35/);
  });

  test('get alone keeps the rule\'s severity before 1.35, and the message says it is over a WebSocket', () => {
    const [f] = run('rbac-pod-exec', getOnly, '1.34');
    assert.equal(f.severity, 'high');
    assert.match(f.message, /grants get on pods\/exec, pods\/attach: its subjects can run commands in running containers and take their secrets and tokens: get alone opens an exec or attach session over a WebSocket on clusters before Kubernetes 1\.35 \(the target is 1\.34\), and on later ones with the AuthorizePodWebsocketUpgradeCreatePermission feature gate off/);
    const [pf] = run('rbac-pod-port-forward', getOnly, 'v1.30.4');
    assert.equal(pf.severity, 'medium');
  });

  test('create opens a session at every version, and only the verbs that do are named', () => {
    for (const version of ['1.30', '1.35', '1.37', '2.0']) {
      const [f] = run('rbac-pod-exec', role('["create", "get"]', '["pods/exec", "pods/attach"]', '[""]'), version);
      assert.equal(f.severity, 'high', version);
    }
    assert.match(run('rbac-pod-exec', role('["create", "get"]', '["pods/exec"]', '[""]'), '1.37')[0].message, /grants create on pods\/exec: its subjects can run commands/);
    assert.match(run('rbac-pod-exec', role('["create", "get"]', '["pods/exec"]', '[""]'), '1.34')[0].message, /grants create, get on pods\/exec: its subjects can run commands/);
  });

  test('a severity override in the configuration still wins', () => {
    assert.equal(run('rbac-pod-exec', getOnly, '1.37', { 'rbac-pod-exec': 'critical' })[0].severity, 'critical');
  });
});

describe('rbac paths: the exec step by target version', () => {
  // A Role granting get on pods/exec in shop, and a pod in shop running as a powerful account.
  const yaml = (verbs: string) => `${role(verbs, '["pods/exec"]', '[""]').replace(/ClusterRole\b(?!Binding)/g, 'Role').replace('kind: ClusterRoleBinding', 'kind: RoleBinding').replace(/metadata: \{name: argocd-server\}/g, 'metadata: {name: argocd-server, namespace: shop}')}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: deployer, namespace: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: deployer-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: deployer, namespace: shop}]
---
apiVersion: v1
kind: Pod
metadata: {name: deployer, namespace: shop}
spec:
  serviceAccountName: deployer
  containers: [{name: kubectl, image: registry.example.com/kubectl:1.37}]`;

  function steps(text: string, kubernetesVersion?: string): string[][] {
    const loaded = loadText(text, 'rbac.yaml');
    assert.deepEqual(loaded.errors, []);
    const graph = buildEscalationGraph(new ResourceSet(loaded.resources), { kubernetesVersion });
    return graph.paths.filter((p) => p.from === 'identity:sa:argocd:argocd-server').map((p) => p.steps);
  }

  test('get alone is an exec step before 1.35 only', () => {
    assert.deepEqual(steps(yaml('["get"]'), '1.34'), [
      ['Role shop/argocd-server via RoleBinding shop/argocd-server', 'exec into its pods over a WebSocket (get alone suffices before Kubernetes 1.35) and take the mounted token', 'ClusterRole cluster-admin (built-in) via ClusterRoleBinding deployer-admin'],
    ]);
    assert.deepEqual(steps(yaml('["get"]'), '1.35'), []);
    assert.deepEqual(steps(yaml('["get"]')), [], 'the default target is 1.37');
  });

  test('create is an exec step at every version', () => {
    for (const version of ['1.34', '1.37']) assert.deepEqual(steps(yaml('["create"]'), version)[0][1], 'exec into its pods and take the mounted token');
  });

  test('the CLI reads kubernetesVersion from -c FILE', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kshield-exec-'));
    try {
      const manifest = path.join(dir, 'rbac.yaml');
      writeFileSync(manifest, yaml('["get"]'));
      const config = path.join(dir, 'old.yaml');
      writeFileSync(config, 'kubernetesVersion: "1.33"\n');
      const old = kshield(['rbac', 'paths', '-c', config, manifest]);
      assert.equal(old.code, 0, old.stderr);
      assert.match(old.stdout, /sa:argocd:argocd-server reaches full control of the cluster/);
      assert.match(old.stdout, /exec into its pods over a WebSocket \(get alone suffices before Kubernetes 1\.35\)/);
      const current = kshield(['rbac', 'paths', manifest]);
      assert.equal(current.code, 0, current.stderr);
      assert.doesNotMatch(current.stdout, /sa:argocd:argocd-server reaches/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('rbac-secrets-read-cluster-wide: what get, list and watch each reach', () => {
  const secrets = (verbs: string) => role(verbs, '["secrets"]', '[""]');

  test('get alone reads any Secret whose name is known, still high (CIS 5.1.2 counts get)', () => {
    const [f] = run('rbac-secrets-read-cluster-wide', secrets('["get"]'));
    assert.equal(f.severity, 'high');
    assert.equal(
      f.message,
      'ClusterRole "argocd-server" rule 1 grants get on secrets: any Secret of every namespace whose name is known: get reads one Secret by name, and names are ' +
        'often predictable (fixed by the software that uses them) or visible in the pod specs that mount them (granted to ServiceAccount argocd/argocd-server by ClusterRoleBinding argocd-server)',
    );
    // The same through a wildcard rule, as argocd-server's.
    assert.match(run('rbac-secrets-read-cluster-wide', role('["delete", "get", "patch"]'))[0].message, /grants get on secrets: any Secret of every namespace whose name is known/);
  });

  test('list or watch read every Secret with its data; service account tokens are legacy Secrets, not a general fact', () => {
    for (const verbs of ['["list", "watch"]', '["get", "list", "watch"]']) {
      const [f] = run('rbac-secrets-read-cluster-wide', secrets(verbs));
      assert.equal(f.severity, 'high');
      assert.match(f.message, /: every Secret of every namespace with its data \(passwords, keys, tokens; legacy service account token Secrets included where they still exist\)/);
      assert.doesNotMatch(f.message, /service account tokens included/);
    }
  });

  test('rbac-secrets-read says the same of one namespace', () => {
    const namespaced = secrets('["get"]').replace(/ClusterRole\b(?!Binding)/g, 'Role').replace('kind: ClusterRoleBinding', 'kind: RoleBinding').replace(/metadata: \{name: argocd-server\}/g, 'metadata: {name: argocd-server, namespace: shop}');
    assert.match(run('rbac-secrets-read', namespaced)[0].message, /grants get on secrets: any Secret of the namespace whose name is known/);
    assert.match(run('rbac-secrets-read', namespaced.replace('["get"]', '["list"]'))[0].message, /grants list on secrets: every Secret of the namespace with its data/);
  });

  test('no rbac rule states that Secrets hold service account tokens as a general fact', () => {
    for (const rule of rbacRules) assert.doesNotMatch(rule.description, /(?<!legacy )service account tokens? (included|from Secrets)|including service account tokens|the tokens of service accounts/, rule.id);
  });
});
