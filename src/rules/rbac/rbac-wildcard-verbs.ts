import { wildcardRule } from './shared.js';

export const rbacWildcardVerbs = wildcardRule('rbac-wildcard-verbs', 'verbs', 'medium', 'verbs', {
  valid: [
    `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: config-reader
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["configmaps"]
    verbs: ["get", "list", "watch"]
`,
  ],
  invalid: [
    {
      manifest: `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: pod-manager
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["*"]
`,
      expect: ['/rules/0/verbs/0'],
    },
  ],
});
