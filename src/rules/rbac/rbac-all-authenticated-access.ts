import { describeSubject } from '../../analysis/rbac.js';
import { DISCOVERY_ROLES } from '../../analysis/rbac-bootstrap.js';
import { bindingRule, grantPhrase } from './shared.js';

const EVERYONE_GROUPS: Record<string, string> = {
  'system:authenticated': 'every authenticated user and service account',
  'system:serviceaccounts': 'every service account in every namespace',
};

export const rbacAllAuthenticatedAccess = bindingRule(
  {
    id: 'rbac-all-authenticated-access',
    title: 'Permissions granted to every authenticated user',
    severity: 'high',
    tags: ['rbac', 'least-privilege'],
    description:
      'The group system:authenticated holds every user with any valid credential and every service account of every pod; system:serviceaccounts holds every service account. A binding to them grants its role to all of those. The built-in discovery roles (system:basic-user, system:discovery, system:public-info-viewer) are bound to them by default and are not reported.',
    remediation: 'Bind the role to the users, groups or service accounts that need it.',
  },
  {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: discovery
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: system:discovery
subjects:
  - kind: Group
    apiGroup: rbac.authorization.k8s.io
    name: system:authenticated
`,
    ],
    invalid: [
      {
        manifest: `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: everyone-edits
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: edit
subjects:
  - kind: Group
    apiGroup: rbac.authorization.k8s.io
    name: system:authenticated
`,
        expect: ['/subjects/0'],
      },
    ],
  },
  (binding, role) => {
    if (role?.kind === 'ClusterRole' && DISCOVERY_ROLES.has(role.name)) return [];
    return binding.subjects
      .filter((s) => s.kind === 'Group' && s.name in EVERYONE_GROUPS)
      .map((s) => ({ path: `/subjects/${s.index}`, message: `${grantPhrase(binding, role)} to ${describeSubject(s)}: ${EVERYONE_GROUPS[s.name]}` }));
  },
);
