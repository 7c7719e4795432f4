import { CAPABILITIES } from '../../analysis/rbac-capabilities.js';
import { capabilityRule } from './shared.js';

export const rbacAdmissionWebhookModify = capabilityRule({
  meta: {
    id: 'rbac-admission-webhook-modify',
    title: 'ClusterRole changes admission webhooks or policies',
    severity: 'high',
    tags: ['rbac', 'admission'],
    description:
      'create, update, patch or delete on validating or mutating webhook configurations (or admission policies and their bindings) can switch off the checks that enforce policy, or send every object written to the cluster, Secrets included, to a webhook of the holder\'s choosing.',
    remediation: 'Keep admission configuration with the cluster administrators and the controllers that own their webhooks (limited by resourceNames).',
    references: ['https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/'],
  },
  capabilities: [CAPABILITIES['modify-admission']],
  pointAt: 'resources',
  consequence: 'its subjects can disable admission checks or intercept objects',
  examples: {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: webhook-viewer
rules:
  - apiGroups: ["admissionregistration.k8s.io"]
    resources: ["validatingwebhookconfigurations", "mutatingwebhookconfigurations"]
    verbs: ["get", "list", "watch"]
`,
    ],
    invalid: [
      {
        manifest: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: webhook-editor
rules:
  - apiGroups: ["admissionregistration.k8s.io"]
    resources: ["mutatingwebhookconfigurations"]
    verbs: ["get", "patch"]
`,
        expect: ['/rules/0/resources/0'],
      },
    ],
  },
});
