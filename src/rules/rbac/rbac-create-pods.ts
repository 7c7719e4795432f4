import { CAPABILITIES } from '../../analysis/rbac-capabilities.js';
import { RBAC_GOOD, capabilityRule } from './shared.js';

export const rbacCreatePods = capabilityRule({
  meta: {
    id: 'rbac-create-pods',
    title: 'Role creates pods or workloads',
    severity: 'medium',
    tags: ['rbac', 'privilege-escalation'],
    description:
      'Whoever can create pods (or create or change Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs or ReplicationControllers, which create pods) in a namespace can run a pod as any service account of that namespace, mount any of its Secrets, and, unless Pod Security admission stops it, run privileged on a node. It is as powerful as every service account of the namespace together.',
    remediation: 'Keep workload creation to deployment pipelines; enforce the restricted Pod Security Standard on the namespace; avoid giving powerful service accounts to namespaces where others create pods.',
    references: [RBAC_GOOD],
  },
  capabilities: [CAPABILITIES['create-pods'], CAPABILITIES['create-workloads']],
  pointAt: 'resources',
  consequence: 'its subjects can run pods as any service account of the namespace and read any Secret there through a mount',
  examples: {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: pod-watcher
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["pods", "pods/log"]
    verbs: ["get", "list", "watch"]
`,
    ],
    invalid: [
      {
        manifest: `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: job-runner
  namespace: shop
rules:
  - apiGroups: ["batch"]
    resources: ["jobs"]
    verbs: ["create", "get"]
`,
        expect: ['/rules/0/resources/0'],
      },
    ],
  },
});
