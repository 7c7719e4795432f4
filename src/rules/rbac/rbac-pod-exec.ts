import { CAPABILITIES } from '../../analysis/rbac-capabilities.js';
import { RBAC_GOOD, capabilityRule, streamJudge } from './shared.js';

export const rbacPodExec = capabilityRule({
  meta: {
    id: 'rbac-pod-exec',
    title: 'Role allows exec into or attach to pods',
    severity: 'high',
    tags: ['rbac', 'privilege-escalation'],
    description:
      'pods/exec and pods/attach run commands in (or take over the terminal of) running containers: the holder gets the container\'s files, its environment with any Secrets, and its service account token if one is mounted. ' +
      'create opens a session (SPDY, a POST request). A WebSocket session is a GET request, authorized as get: before Kubernetes 1.35 get alone is enough ' +
      '(kubernetes/kubernetes#78741); from 1.35 the AuthorizePodWebsocketUpgradeCreatePermission feature gate (beta, on by default) makes the API server require create as well. ' +
      'So a rule granting get without create is judged at the target version (setting `kubernetesVersion`; the API server\'s in `kshield cluster`): high before 1.35, low from 1.35 (it still opens sessions where the gate is turned off). A rule limited to named pods is still reported.',
    remediation: 'Remove pods/exec and pods/attach; debug with logs and metrics, or grant exec only temporarily to named people.',
    references: [RBAC_GOOD],
  },
  capabilities: [CAPABILITIES['exec-pods']],
  pointAt: 'resources',
  consequence: 'its subjects can run commands in running containers and take their secrets and tokens',
  judge: streamJudge('its subjects can run commands in running containers and take their secrets and tokens', 'an exec or attach session'),
  examples: {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: pod-reader
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["*"]
`,
    ],
    invalid: [
      {
        manifest: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: debugger
rules:
  - apiGroups: [""]
    resources: ["pods", "pods/exec"]
    verbs: ["get", "create"]
`,
        expect: ['/rules/0/resources/1'],
      },
      {
        manifest: `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: attacher
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["*/attach"]
    verbs: ["create"]
`,
        expect: ['/rules/0/resources/0'],
      },
    ],
  },
});
