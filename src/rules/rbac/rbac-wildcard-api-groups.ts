import { wildcardRule } from './shared.js';

export const rbacWildcardApiGroups = wildcardRule('rbac-wildcard-api-groups', 'apiGroups', 'low', 'API groups', {
  valid: [
    `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: deployer
  namespace: shop
rules:
  - apiGroups: ["apps"]
    resources: ["deployments"]
    verbs: ["get", "patch"]
`,
  ],
  invalid: [
    {
      manifest: `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: deployer
  namespace: shop
rules:
  - apiGroups: ["*"]
    resources: ["deployments"]
    verbs: ["get", "patch"]
`,
      expect: ['/rules/0/apiGroups/0'],
    },
  ],
});
