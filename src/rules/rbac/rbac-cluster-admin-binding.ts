import { RbacModel, describeSubject, parseServiceAccountUser, type SubjectInfo } from '../../analysis/rbac.js';
import { RBAC_GOOD, bindingRule, grantPhrase } from './shared.js';

/** Users and groups of the platform itself, and the service accounts of kube-system. */
function isSystemSubject(subject: SubjectInfo): boolean {
  if (subject.kind === 'ServiceAccount') return subject.namespace === 'kube-system';
  const sa = subject.kind === 'User' ? parseServiceAccountUser(subject.name) : undefined;
  if (sa) return sa.namespace === 'kube-system';
  return subject.name.startsWith('system:');
}

// ---------------------------------------------------------------------------------------------
// Who receives permissions

export const rbacClusterAdminBinding = bindingRule(
  {
    id: 'rbac-cluster-admin-binding',
    title: 'cluster-admin bound to a user, group or service account',
    severity: 'critical',
    tags: ['rbac', 'least-privilege', 'privilege-escalation'],
    description:
      'cluster-admin (or any role with a "*" verbs / "*" resources / "*" API groups rule, including aggregated ones) is full control: every Secret, every workload, every RBAC object. Only the platform itself (system: users and groups, kube-system service accounts) should hold it. Through a RoleBinding it is full control of the namespace, Roles and RoleBindings included.',
    remediation: 'Bind a role with the verbs and resources the subject needs; keep cluster-admin for break-glass accounts managed outside the manifests.',
    references: [RBAC_GOOD],
  },
  {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: platform-admins
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - kind: Group
    apiGroup: rbac.authorization.k8s.io
    name: system:masters
`,
      `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: devs-edit
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: edit
subjects:
  - kind: Group
    apiGroup: rbac.authorization.k8s.io
    name: devs
`,
    ],
    invalid: [
      {
        manifest: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: ci
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - kind: ServiceAccount
    name: deployer
    namespace: ci
`,
        expect: ['/subjects/0'],
      },
      {
        manifest: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: everything
rules:
  - apiGroups: ["*"]
    resources: ["*"]
    verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: alice-everything
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: everything
subjects:
  - kind: User
    apiGroup: rbac.authorization.k8s.io
    name: alice
`,
        expect: ['/subjects/0'],
      },
    ],
  },
  (binding, role, context) => {
    if (!role || !RbacModel.of(context.resources).isFullAccess(role)) return [];
    return binding.subjects
      .filter((s) => !isSystemSubject(s))
      .map((s) => ({
        path: `/subjects/${s.index}`,
        message: `${grantPhrase(binding, role)} to ${describeSubject(s)}: full control${binding.kind === 'RoleBinding' ? ' of the namespace' : ' of the cluster'}`,
      }));
  },
);
