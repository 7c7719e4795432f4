import type { Violation } from '../../core/types.js';
import { describeBinding } from '../../analysis/rbac.js';
import { SA_DOC, bindingRule, namespaceCovered } from './shared.js';

export const rbacBindingSubjectNotFound = bindingRule(
  {
    id: 'rbac-binding-subject-not-found',
    title: 'Binding names a service account that does not exist',
    severity: 'low',
    tags: ['rbac', 'correctness', 'service-accounts'],
    description:
      'A ServiceAccount subject with no matching ServiceAccount is a leftover or a typo: the workload that was meant to get the permission does not, and whoever later creates an account of that name does. Reported only when the scan holds the namespace (its Namespace object or some ServiceAccount in it); "default" always exists.',
    remediation: 'Fix the subject\'s name or namespace, add the ServiceAccount, or remove the subject.',
    references: [SA_DOC],
  },
  {
    valid: [
      `apiVersion: v1
kind: ServiceAccount
metadata:
  name: orders
  namespace: shop
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: orders-view
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
  - kind: ServiceAccount
    name: orders
    namespace: shop
`,
    ],
    invalid: [
      {
        manifest: `apiVersion: v1
kind: ServiceAccount
metadata:
  name: orders
  namespace: shop
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: orders-view
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
  - kind: ServiceAccount
    name: order
    namespace: shop
`,
        expect: ['/subjects/0'],
      },
    ],
  },
  (binding, _role, context) => {
    const out: Violation[] = [];
    for (const s of binding.subjects) {
      if (s.kind !== 'ServiceAccount' || !s.namespace || s.name === 'default') continue;
      if (!namespaceCovered(context.resources, 'ServiceAccount', s.namespace)) continue;
      if (context.resources.find('ServiceAccount', s.namespace, s.name)) continue;
      out.push({ path: `/subjects/${s.index}`, message: `${describeBinding(binding)} names ServiceAccount "${s.namespace}/${s.name}", which is not in the scanned manifests` });
    }
    return out;
  },
);
