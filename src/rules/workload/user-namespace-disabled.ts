import { IMAGE, pod } from '../examples.js';
import { defineRule, perPod } from '../define.js';
import { HARDENING, existingPath, isWindows, } from './shared.js';

const USER_NAMESPACES_DOC = 'https://kubernetes.io/docs/concepts/workloads/pods/user-namespaces/';

export const userNamespaceDisabled = defineRule({
  id: 'user-namespace-disabled',
  title: 'Pod does not use a user namespace',
  severity: 'low',
  ...HARDENING,
  tags: ['security'],
  optIn: true,
  description:
    'With spec.hostUsers: false the pod runs in its own user namespace: root inside the container maps to an ' +
    'unprivileged user on the node, which defeats many container escapes. It needs Kubernetes 1.33+ (on by default) ' +
    'and a supporting runtime and filesystem, and cannot be combined with host namespaces. Windows pods are not checked.',
  remediation: 'Set spec.hostUsers: false.',
  references: [USER_NAMESPACES_DOC],
  check: (resource) =>
    perPod(resource, (pod) => {
      if (isWindows(pod) || pod.spec.hostUsers === false) return undefined;
      return {
        path: existingPath(pod.path, pod.spec, 'hostUsers'),
        message: pod.spec.hostUsers === true ? 'the pod sets hostUsers: true and shares the node\'s user namespace' : 'the pod does not set hostUsers: false, so it shares the node\'s user namespace',
      };
    }),
  examples: {
    valid: [
      pod(`
          hostUsers: false
          containers:
          - name: web
            image: ${IMAGE}
        `),
    ],
    invalid: [
      {
        manifest: pod(`
          containers:
          - name: web
            image: ${IMAGE}
        `),
        expect: ['/spec'],
      },
    ],
  },
});
