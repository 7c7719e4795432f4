import { describeSubject } from '../../analysis/rbac.js';
import { bindingRule, grantPhrase } from './shared.js';

const ANONYMOUS_USERS = new Set(['system:anonymous']);

const ANONYMOUS_GROUPS = new Set(['system:unauthenticated']);

export const rbacAnonymousAccess = bindingRule(
  {
    id: 'rbac-anonymous-access',
    title: 'Permissions granted to anonymous requests',
    severity: 'critical',
    tags: ['rbac', 'authentication'],
    description:
      'A binding to the user system:anonymous or the group system:unauthenticated lets anyone who can reach the API server use those permissions without credentials. Only the built-in system:public-info-viewer (health and version endpoints) is bound to them by default.',
    remediation: 'Remove the anonymous subject; grant the permission to authenticated identities instead.',
    references: ['https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests'],
  },
  {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: public-info
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: system:public-info-viewer
subjects:
  - kind: Group
    apiGroup: rbac.authorization.k8s.io
    name: system:unauthenticated
`,
    ],
    invalid: [
      {
        manifest: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: public-view
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
  - kind: User
    apiGroup: rbac.authorization.k8s.io
    name: system:anonymous
`,
        expect: ['/subjects/0'],
      },
    ],
  },
  (binding, role) => {
    if (role?.kind === 'ClusterRole' && role.name === 'system:public-info-viewer') return [];
    return binding.subjects
      .filter((s) => (s.kind === 'User' && ANONYMOUS_USERS.has(s.name)) || (s.kind === 'Group' && ANONYMOUS_GROUPS.has(s.name)))
      .map((s) => ({ path: `/subjects/${s.index}`, message: `${grantPhrase(binding, role)} to ${describeSubject(s)}: anyone, without credentials` }));
  },
);
