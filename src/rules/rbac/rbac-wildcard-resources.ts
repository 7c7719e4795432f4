import { wildcardRule } from './shared.js';

export const rbacWildcardResources = wildcardRule('rbac-wildcard-resources', 'resources', 'medium', 'resources', {
  valid: [
    `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: scaler
rules:
  - apiGroups: ["apps"]
    resources: ["*/scale"]
    verbs: ["get", "update"]
`,
  ],
  invalid: [
    {
      manifest: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: reader
rules:
  - apiGroups: [""]
    resources: ["*"]
    verbs: ["get", "list"]
`,
      expect: ['/rules/0/resources/0'],
    },
  ],
});
