import { CAPABILITIES } from '../../analysis/rbac-capabilities.js';
import { SA_DOC, capabilityRule } from './shared.js';

export const rbacServiceaccountToken = capabilityRule({
  meta: {
    id: 'rbac-serviceaccount-token',
    title: 'Role creates service account tokens',
    severity: 'high',
    tags: ['rbac', 'privilege-escalation', 'service-accounts'],
    description: 'create on serviceaccounts/token issues a token for a service account (kubectl create token): the holder can then act as that account with all its permissions.',
    remediation: 'Remove serviceaccounts/token, or limit it with resourceNames to the accounts the holder may act as.',
    references: [SA_DOC],
  },
  capabilities: [CAPABILITIES['serviceaccount-token']],
  pointAt: 'resources',
  consequence: 'its subjects can act as those service accounts',
  examples: {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: sa-viewer
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["serviceaccounts"]
    verbs: ["get", "list"]
`,
    ],
    invalid: [
      {
        manifest: `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: token-minter
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["serviceaccounts/token"]
    verbs: ["create"]
`,
        expect: ['/rules/0/resources/0'],
      },
    ],
  },
});
