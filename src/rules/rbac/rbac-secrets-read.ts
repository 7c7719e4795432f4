import { CAPABILITIES } from '../../analysis/rbac-capabilities.js';
import { capabilityRule, clusterWide, secretsJudge } from './shared.js';

export const rbacSecretsRead = capabilityRule({
  meta: {
    id: 'rbac-secrets-read',
    title: 'Role reads all Secrets of a namespace',
    severity: 'medium',
    tags: ['rbac', 'secrets', 'least-privilege'],
    description:
      'get, list or watch on secrets without resourceNames, in a Role or a ClusterRole granted only through RoleBindings, reads the Secrets of the namespace ' +
      '(and the tokens of legacy service account token Secrets there, where they still exist). list and watch return the Secrets\' contents, not just their names; ' +
      'get reads any Secret whose name is known.',
    remediation: 'Limit the rule with resourceNames to the Secrets the workload reads, with the get verb only; or mount the Secret as a volume instead of reading it through the API.',
  },
  capabilities: [CAPABILITIES['read-secrets']],
  pointAt: 'resources',
  consequence: 'the Secrets of the namespace',
  judge: secretsJudge('the namespace'),
  when: (role, context) => role.kind === 'Role' || !clusterWide(role, context),
  examples: {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: payments-keys
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    resourceNames: ["payments-provider"]
    verbs: ["get"]
`,
    ],
    invalid: [
      {
        manifest: `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: secret-lister
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["configmaps", "secrets"]
    verbs: ["list"]
`,
        expect: ['/rules/0/resources/1'],
      },
    ],
  },
});
