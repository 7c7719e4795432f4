import { CAPABILITIES } from '../../analysis/rbac-capabilities.js';
import { capabilityRule } from './shared.js';

const KUBELET_AUTHZ_DOC = 'https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/';

export const rbacNodesProxy = capabilityRule({
  meta: {
    id: 'rbac-nodes-proxy',
    title: 'ClusterRole allows nodes/proxy',
    severity: 'high',
    tags: ['rbac', 'privilege-escalation', 'node'],
    description:
      'nodes/proxy reaches the kubelet API of every node through the API server: with create it runs commands in any container on the node (the kubelet\'s exec endpoint), bypassing the audit of pods/exec. Even get reads every pod\'s spec and logs.',
    remediation: 'Grant monitoring agents nodes/metrics, nodes/stats or nodes/log instead of nodes/proxy.',
    references: [KUBELET_AUTHZ_DOC],
  },
  capabilities: [CAPABILITIES['nodes-proxy']],
  pointAt: 'resources',
  consequence: 'its subjects can reach the kubelet API of every node',
  examples: {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: metrics-scraper
rules:
  - apiGroups: [""]
    resources: ["nodes/metrics", "nodes/stats"]
    verbs: ["get"]
`,
    ],
    invalid: [
      {
        manifest: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: node-debugger
rules:
  - apiGroups: [""]
    resources: ["nodes", "nodes/proxy"]
    verbs: ["get"]
`,
        expect: ['/rules/0/resources/1'],
      },
    ],
  },
});
