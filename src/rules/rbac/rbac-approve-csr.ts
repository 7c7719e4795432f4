import { CAPABILITIES } from '../../analysis/rbac-capabilities.js';
import { capabilityRule } from './shared.js';

const CSR_DOC = 'https://kubernetes.io/docs/reference/access-authn-authz/certificate-signing-requests/#authorization';

export const rbacApproveCsr = capabilityRule({
  meta: {
    id: 'rbac-approve-csr',
    title: 'ClusterRole approves certificate signing requests',
    severity: 'high',
    tags: ['rbac', 'privilege-escalation', 'certificates'],
    description:
      'approve on signers (certificates.k8s.io), together with update on certificatesigningrequests/approval, approves CSRs. For the kubernetes.io/kube-apiserver-client signer that is a client certificate for any user or group, system:masters included. A rule limited to named signers is still reported.',
    remediation: 'Leave CSR approval to the controller manager and dedicated approvers; never grant approve on kubernetes.io/kube-apiserver-client.',
    references: [CSR_DOC],
  },
  capabilities: [CAPABILITIES['approve-csr']],
  pointAt: 'verbs',
  consequence: 'its subjects can approve certificates that authenticate as any identity the signer issues',
  examples: {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: csr-viewer
rules:
  - apiGroups: ["certificates.k8s.io"]
    resources: ["certificatesigningrequests"]
    verbs: ["get", "list", "watch"]
`,
    ],
    invalid: [
      {
        manifest: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: csr-approver
rules:
  - apiGroups: ["certificates.k8s.io"]
    resources: ["certificatesigningrequests/approval"]
    verbs: ["update"]
  - apiGroups: ["certificates.k8s.io"]
    resources: ["signers"]
    resourceNames: ["kubernetes.io/kube-apiserver-client"]
    verbs: ["approve"]
`,
        expect: ['/rules/1/verbs/0'],
      },
    ],
  },
});
