import { CAPABILITIES } from '../../analysis/rbac-capabilities.js';
import { capabilityRule, clusterWide, secretsJudge } from './shared.js';

export const rbacSecretsReadClusterWide = capabilityRule({
  meta: {
    id: 'rbac-secrets-read-cluster-wide',
    title: 'ClusterRole reads Secrets in every namespace',
    severity: 'high',
    tags: ['rbac', 'secrets', 'least-privilege'],
    description:
      'get, list or watch on secrets in a ClusterRole bound cluster-wide (or not yet bound) reads the Secrets of every namespace: passwords, TLS keys, ' +
      'cloud and registry credentials, and the tokens of legacy service account token Secrets where they still exist (none is created on its own since ' +
      'Kubernetes 1.24), which let the holder act as those accounts. list and watch return every Secret with its data; get reads one Secret by name, ' +
      'which reaches any Secret whose name is known: names are fixed by the software that uses them or written in the pod specs that mount them, so ' +
      'get alone is reported at the same severity, as CIS Benchmark 5.1.2 counts get, list and watch alike; the message says which it is. ' +
      'Rules limited by resourceNames are not reported.',
    remediation: 'Grant Secret access in a Role in the namespace that needs it, limited with resourceNames to the Secrets it reads.',
  },
  capabilities: [CAPABILITIES['read-secrets']],
  pointAt: 'resources',
  consequence: 'the Secrets of every namespace',
  judge: secretsJudge('every namespace'),
  when: clusterWide,
  examples: {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: cert-reader
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    resourceNames: ["wildcard-tls"]
    verbs: ["get"]
`,
    ],
    invalid: [
      {
        manifest: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: secret-reader
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["get", "list", "watch"]
`,
        expect: ['/rules/0/resources/0'],
      },
    ],
  },
});
