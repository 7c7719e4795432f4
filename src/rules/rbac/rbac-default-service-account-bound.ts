import type { Violation } from '../../core/types.js';
import { RbacModel, parseServiceAccountUser } from '../../analysis/rbac.js';
import { SA_DOC, bindingRule, grantPhrase } from './shared.js';

export const rbacDefaultServiceAccountBound = bindingRule(
  {
    id: 'rbac-default-service-account-bound',
    title: 'Permissions granted to a default service account',
    severity: 'medium',
    tags: ['rbac', 'service-accounts', 'least-privilege'],
    description:
      'Every pod that names no service account runs as its namespace\'s "default" service account, so a permission granted to it is granted to all of them, including pods added later. Give the workload that needs the permission its own service account.',
    remediation: 'Create a service account for the workload, set serviceAccountName, and bind the role to that account instead of "default".',
    references: [SA_DOC],
  },
  {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: catalog-config
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
  - kind: ServiceAccount
    name: catalog
    namespace: shop
`,
    ],
    invalid: [
      {
        manifest: `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: default-view
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
  - kind: ServiceAccount
    name: default
`,
        expect: ['/subjects/0'],
      },
    ],
  },
  (binding, role, context) => {
    // A role that exists and grants nothing gives the default account nothing.
    if (role && RbacModel.of(context.resources).rulesOf(role).length === 0) return [];
    const out: Violation[] = [];
    for (const s of binding.subjects) {
      const sa = s.kind === 'ServiceAccount' ? { namespace: s.namespace, name: s.name } : s.kind === 'User' ? parseServiceAccountUser(s.name) : undefined;
      if (!sa || sa.name !== 'default' || !sa.namespace) continue;
      out.push({ path: `/subjects/${s.index}`, message: `${grantPhrase(binding, role)} to the default service account of namespace "${sa.namespace}": every pod there without its own service account gets it` });
    }
    return out;
  },
);
