import { CAPABILITIES } from '../../analysis/rbac-capabilities.js';
import { capabilityRule } from './shared.js';

const IMPERSONATION_DOC = 'https://kubernetes.io/docs/reference/access-authn-authz/authentication/#user-impersonation';

export const rbacImpersonate = capabilityRule({
  meta: {
    id: 'rbac-impersonate',
    title: 'Role allows impersonation',
    severity: 'high',
    tags: ['rbac', 'privilege-escalation'],
    description:
      'The impersonate verb on users, groups, serviceaccounts, uids or userextras lets the holder act as those identities (kubectl --as, --as-group). Impersonating the group system:masters, or any user or service account with more rights, is a direct escalation. A rule limited to named identities is still reported.',
    remediation: 'Remove impersonate, or limit it with resourceNames to identities with no more rights than the holder.',
    references: [IMPERSONATION_DOC],
  },
  capabilities: [CAPABILITIES.impersonate],
  pointAt: 'verbs',
  consequence: 'its subjects can act as other identities',
  examples: {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: user-viewer
rules:
  - apiGroups: [""]
    resources: ["serviceaccounts"]
    verbs: ["get", "list"]
`,
    ],
    invalid: [
      {
        manifest: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: impersonator
rules:
  - apiGroups: [""]
    resources: ["users", "groups"]
    verbs: ["impersonate"]
`,
        expect: ['/rules/0/verbs/0'],
      },
    ],
  },
});
