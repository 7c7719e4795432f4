/** Every RBAC rule's example table, plus findings on combinations the tables cannot show. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rbacRules } from '../src/rules/rbac/index.js';
import { evaluate } from '../src/engine/engine.js';
import { loadText } from '../src/sources/files.js';
import { runRuleExamples } from './support/rule-tester.js';

runRuleExamples(rbacRules);

/** `rule-id path` of every finding of the RBAC rules on this YAML. */
/** `inputErrors`: how many wrong-typed fields the (deliberately malformed) input holds. */
function findings(yaml: string, inputErrors = 0): string[] {
  const loaded = loadText(yaml, 'rbac.yaml');
  assert.equal(loaded.errors.length, inputErrors, loaded.errors.map((e) => e.message).join('\n'));
  const result = evaluate(loaded.resources, { rules: rbacRules });
  assert.deepEqual(result.errors, []);
  return result.findings.map((f) => `${f.rule} ${f.resource.kind}/${f.resource.name} ${f.path}`).sort();
}

const SECRET_READER = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: secret-reader
rules:
  - apiGroups: ["apps"]
    resources: ["deployments"]
    verbs: ["get"]
  - apiGroups: [""]
    resources: ["configmaps", "secrets"]
    verbs: ["get", "list"]
`;

describe('RBAC rules on combinations', () => {
  test('findings point at the entry that grants: /rules/1/resources/1', () => {
    assert.deepEqual(findings(SECRET_READER), ['rbac-secrets-read-cluster-wide ClusterRole/secret-reader /rules/1/resources/1']);
  });

  test('a ClusterRole granted only through RoleBindings reads Secrets of those namespaces, not cluster-wide', () => {
    const yaml = `${SECRET_READER}---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: reader
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: secret-reader
subjects:
  - kind: ServiceAccount
    name: reader
`;
    assert.deepEqual(findings(yaml), ['rbac-secrets-read ClusterRole/secret-reader /rules/1/resources/1']);
  });

  test('the same ClusterRole also bound by a ClusterRoleBinding is cluster-wide, and the message names who gets it', () => {
    const yaml = `${SECRET_READER}---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: reader
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: secret-reader
subjects:
  - kind: Group
    name: auditors
`;
    const loaded = loadText(yaml, 'x.yaml');
    const result = evaluate(loaded.resources, { rules: rbacRules });
    assert.deepEqual(result.findings.map((f) => f.rule), ['rbac-secrets-read-cluster-wide']);
    assert.match(result.findings[0].message, /granted to Group auditors by ClusterRoleBinding reader/);
  });

  test('an aggregated ClusterRole\'s own rules are not judged (the controller overwrites them)', () => {
    assert.deepEqual(
      findings(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: monitoring
aggregationRule:
  clusterRoleSelectors:
    - matchLabels: {aggregate-to-monitoring: "true"}
rules:
  - apiGroups: ["*"]
    resources: ["*"]
    verbs: ["*"]
`),
      [],
    );
  });

  test('the default roles of a cluster dump (kubernetes.io/bootstrapping: rbac-defaults) are the platform\'s, not reported', () => {
    const dump = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: cluster-admin
  labels:
    kubernetes.io/bootstrapping: rbac-defaults
rules:
  - apiGroups: ["*"]
    resources: ["*"]
    verbs: ["*"]
`;
    assert.deepEqual(findings(dump), []);
    assert.ok(findings(dump.replace('rbac-defaults', 'mine')).includes('rbac-wildcard-verbs ClusterRole/cluster-admin /rules/0/verbs/0'));
  });

  test('a Role cannot grant cluster-scoped resources: nodes/proxy or webhooks in a Role are not reported', () => {
    assert.deepEqual(
      findings(`apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: confused
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["nodes/proxy"]
    verbs: ["get"]
  - apiGroups: ["admissionregistration.k8s.io"]
    resources: ["validatingwebhookconfigurations"]
    verbs: ["delete"]
`),
      [],
    );
  });

  test('pods does not grant pods/exec; "*/exec" and "*" do; secrets read limited by resourceNames is fine', () => {
    assert.deepEqual(
      findings(`apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: mixed
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "list"]
  - apiGroups: [""]
    resources: ["services", "*/exec"]
    verbs: ["create"]
  - apiGroups: [""]
    resources: ["secrets"]
    resourceNames: ["tls"]
    verbs: ["get", "list"]
`),
      ['rbac-pod-exec Role/mixed /rules/1/resources/1'],
    );
  });

  test('verbs entries are pointed at for escalate/bind/impersonate', () => {
    assert.deepEqual(
      findings(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: granter
rules:
  - apiGroups: ["rbac.authorization.k8s.io"]
    resources: ["clusterroles"]
    verbs: ["get", "escalate"]
  - apiGroups: [""]
    resources: ["serviceaccounts"]
    verbs: ["list", "impersonate"]
`),
      ['rbac-escalate-bind ClusterRole/granter /rules/0/verbs/1', 'rbac-impersonate ClusterRole/granter /rules/1/verbs/1'],
    );
  });

  test('cluster-admin to system: subjects and kube-system service accounts is the platform; anything else is reported per subject', () => {
    assert.deepEqual(
      findings(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: admins
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - kind: Group
    name: system:masters
  - kind: ServiceAccount
    name: controller
    namespace: kube-system
  - kind: User
    name: alice
  - kind: User
    name: system:serviceaccount:ci:deployer
`),
      ['rbac-cluster-admin-binding ClusterRoleBinding/admins /subjects/2', 'rbac-cluster-admin-binding ClusterRoleBinding/admins /subjects/3'],
    );
  });

  test('missing roles and subjects are reported only when the scan holds their namespace', () => {
    const binding = `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: deployer
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: deployer
subjects:
  - kind: ServiceAccount
    name: deployer
`;
    assert.deepEqual(findings(binding), [], 'nothing else from namespace shop is in the scan');
    const withNamespace = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
${binding}`;
    assert.deepEqual(findings(withNamespace), ['rbac-binding-role-not-found RoleBinding/deployer /roleRef', 'rbac-binding-subject-not-found RoleBinding/deployer /subjects/0']);
  });

  test('RoleBindings to the Roles the API server creates in kube-system are not reported missing; one in the wrong namespace is, with a hint', () => {
    // kube-system holds a scanned Role, so missing Roles there are reported: the bootstrap ones must not be.
    const kubeSystemRole = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: adapter-config
  namespace: kube-system
rules:
  - apiGroups: [""]
    resources: ["configmaps"]
    resourceNames: ["adapter-config"]
    verbs: ["get"]
`;
    const bindingTo = (name: string, namespace: string, role: string) => `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: ${name}
  namespace: ${namespace}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: ${role}
subjects:
  - kind: ServiceAccount
    name: metrics-adapter
    namespace: monitoring
`;
    const builtIns = [
      'extension-apiserver-authentication-reader',
      'system::leader-locking-kube-scheduler',
      'system::leader-locking-kube-controller-manager',
      'system:controller:bootstrap-signer',
      'system:controller:token-cleaner',
      'system:controller:cloud-provider',
    ];
    const docs = [kubeSystemRole, ...builtIns.map((role, i) => bindingTo(`b${i}`, 'kube-system', role)), bindingTo('typo', 'kube-system', 'extension-apiserver-authentication-readers')];
    assert.deepEqual(
      findings(docs.join('---\n')).filter((f) => f.startsWith('rbac-binding-role-not-found')),
      ['rbac-binding-role-not-found RoleBinding/typo /roleRef'],
    );
    const misplaced = `apiVersion: v1
kind: Namespace
metadata:
  name: monitoring
---
${bindingTo('auth-reader', 'monitoring', 'extension-apiserver-authentication-reader')}`;
    const loaded = loadText(misplaced, 'rbac.yaml');
    const result = evaluate(loaded.resources, { rules: rbacRules.filter((r) => r.id === 'rbac-binding-role-not-found') });
    assert.deepEqual(
      result.findings.map((f) => f.message),
      ['RoleBinding monitoring/auth-reader refers to Role "extension-apiserver-authentication-reader", which namespace "monitoring" does not hold in the scanned manifests; the built-in Role of that name is in "kube-system", where the RoleBinding must be to use it'],
    );
  });

  test('bindings to unmodelled system: ClusterRoles are not reported missing', () => {
    assert.deepEqual(
      findings(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: node-proxier
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: system:node-proxier
subjects:
  - kind: User
    name: system:kube-proxy
`),
      [],
    );
  });

  test('wrong types anywhere never throw', () => {
    findings(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: odd
rules:
  - "not a rule"
  - apiGroups: 5
    resources: {a: b}
    verbs: [null, 7]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: odd
roleRef: "cluster-admin"
subjects: [1, [2], {kind: User}]
`, 8);
  });
});
