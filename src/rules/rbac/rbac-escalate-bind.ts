import { CAPABILITIES } from '../../analysis/rbac-capabilities.js';
import { capabilityRule } from './shared.js';

const ESCALATION_DOC = 'https://kubernetes.io/docs/reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping';

export const rbacEscalateBind = capabilityRule({
  meta: {
    id: 'rbac-escalate-bind',
    title: 'Role allows the escalate or bind verbs',
    severity: 'high',
    tags: ['rbac', 'privilege-escalation'],
    description:
      'RBAC stops users from granting permissions they do not hold, except for those with escalate (write roles with any permission) or bind (bind any role, cluster-admin included) on roles or clusterroles. Either turns a role editor into a cluster admin.',
    remediation: 'Remove escalate and bind (and "*" verbs on roles and clusterroles); if a controller needs bind, limit it with resourceNames to the roles it hands out.',
    references: [ESCALATION_DOC],
  },
  capabilities: [CAPABILITIES.escalate, CAPABILITIES.bind],
  pointAt: 'verbs',
  consequence: 'its subjects can give themselves any permission',
  examples: {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: rbac-viewer
rules:
  - apiGroups: ["rbac.authorization.k8s.io"]
    resources: ["roles", "rolebindings", "clusterroles", "clusterrolebindings"]
    verbs: ["get", "list", "watch"]
`,
    ],
    invalid: [
      {
        manifest: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: role-granter
rules:
  - apiGroups: ["rbac.authorization.k8s.io"]
    resources: ["clusterroles"]
    verbs: ["bind"]
  - apiGroups: ["rbac.authorization.k8s.io"]
    resources: ["clusterrolebindings"]
    verbs: ["create"]
`,
        expect: ['/rules/0/verbs/0'],
      },
    ],
  },
});
