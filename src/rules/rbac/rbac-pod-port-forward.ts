import { CAPABILITIES } from '../../analysis/rbac-capabilities.js';
import { capabilityRule, streamJudge } from './shared.js';

export const rbacPodPortForward = capabilityRule({
  meta: {
    id: 'rbac-pod-port-forward',
    title: 'Role allows port-forwarding to pods',
    severity: 'medium',
    tags: ['rbac', 'network'],
    description:
      'pods/portforward opens a tunnel from the holder\'s machine to any port of a pod, past Services, Ingresses and NetworkPolicies. ' +
      'As for rbac-pod-exec, get without create is judged at the target version: it opens the tunnel over a WebSocket before Kubernetes 1.35, ' +
      'and from 1.35 only with the AuthorizePodWebsocketUpgradeCreatePermission feature gate off (then reported as low).',
    remediation: 'Remove pods/portforward, or limit it to named pods for the people who debug them.',
  },
  capabilities: [CAPABILITIES['port-forward']],
  pointAt: 'resources',
  consequence: 'its subjects can reach any port of the pods, bypassing NetworkPolicies',
  judge: streamJudge('its subjects can reach any port of the pods, bypassing NetworkPolicies', 'a port-forward tunnel'),
  examples: {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: log-reader
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["pods/log"]
    verbs: ["get"]
`,
    ],
    invalid: [
      {
        manifest: `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: tunnel
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["pods/portforward"]
    verbs: ["create"]
`,
        expect: ['/rules/0/resources/0'],
      },
    ],
  },
});
