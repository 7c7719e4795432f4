import { describeBinding } from '../../analysis/rbac.js';
import { bootstrapRoleNamespaces, isBootstrapClusterRoleName } from '../../analysis/rbac-bootstrap.js';
import { bindingRule, namespaceCovered } from './shared.js';

export const rbacBindingRoleNotFound = bindingRule(
  {
    id: 'rbac-binding-role-not-found',
    title: 'Binding refers to a role that does not exist',
    severity: 'medium',
    tags: ['rbac', 'correctness'],
    description:
      'A binding whose roleRef names a missing role grants nothing today, and silently grants whatever a role created later under that name holds. Reported only when the scan could hold the role: a ClusterRole that is not a built-in one, or a Role in a namespace whose Roles (or Namespace object) are in the scan. The Roles the API server creates in kube-system and kube-public (extension-apiserver-authentication-reader, system::leader-locking-kube-scheduler, ...) are built-in. A ClusterRoleBinding can only refer to a ClusterRole.',
    remediation: 'Fix roleRef (kind and name), add the missing role to the manifests, or delete the binding.',
  },
  {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: lease-holder
  namespace: shop
rules:
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    verbs: ["get", "update"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: orders-lease
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: lease-holder
subjects:
  - kind: ServiceAccount
    name: orders
`,
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: readers
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
  - kind: Group
    apiGroup: rbac.authorization.k8s.io
    name: auditors
`,
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: adapter-config
  namespace: kube-system
rules:
  - apiGroups: [""]
    resources: ["configmaps"]
    resourceNames: ["adapter-config"]
    verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
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
`,
    ],
    invalid: [
      {
        manifest: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: monitoring
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: prometheus-reader
subjects:
  - kind: ServiceAccount
    name: prometheus
    namespace: monitoring
`,
        expect: ['/roleRef'],
      },
      {
        manifest: `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: lease-holder
  namespace: shop
rules:
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    verbs: ["get", "update"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: orders-lease
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: leaseholder
subjects:
  - kind: ServiceAccount
    name: orders
`,
        expect: ['/roleRef'],
      },
    ],
  },
  (binding, role, context) => {
    if (role) return [];
    const ref = binding.roleRef;
    if (!ref) return [{ path: '/roleRef', message: `${describeBinding(binding)} has no roleRef with a kind and a name: it grants nothing` }];
    if (binding.kind === 'ClusterRoleBinding' && ref.kind !== 'ClusterRole')
      return [{ path: '/roleRef', message: `${describeBinding(binding)} refers to ${ref.kind} "${ref.name}", but a ClusterRoleBinding can only refer to a ClusterRole` }];
    if (ref.kind === 'ClusterRole') {
      if (isBootstrapClusterRoleName(ref.name)) return [];
      return [{ path: '/roleRef', message: `${describeBinding(binding)} refers to ClusterRole "${ref.name}", which is not in the scanned manifests and is not a built-in role` }];
    }
    if (ref.kind === 'Role') {
      const ns = binding.namespace ?? 'default';
      if (!namespaceCovered(context.resources, 'Role', ns)) return [];
      // A RoleBinding to a built-in Role of kube-system, written in the application's namespace.
      const builtIn = bootstrapRoleNamespaces(ref.name);
      const hint = builtIn.length > 0 ? `; the built-in Role of that name is in ${builtIn.map((n) => `"${n}"`).join(' and ')}, where the RoleBinding must be to use it` : '';
      return [{ path: '/roleRef', message: `${describeBinding(binding)} refers to Role "${ref.name}", which namespace "${ns}" does not hold in the scanned manifests${hint}` }];
    }
    return [{ path: '/roleRef', message: `${describeBinding(binding)} refers to a "${ref.kind}", which is neither Role nor ClusterRole` }];
  },
);
