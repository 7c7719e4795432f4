import { IMAGE, deployment, pod } from '../examples.js';
import type { PodSpecView } from '../../k8s/pods.js';
import { defineRule, describeContainer } from '../define.js';
import { PSS_RESTRICTED_URL, SINCE, USER_NAMESPACES_PSS_URL, containerSecurityContext, podSecurityContext, userNamespaceRelaxed } from '../../k8s/pss.js';
import { onlyBefore, podAndContainers, podScPath, pssControl, restrictedAt, scPath } from './shared.js';

export const runAsRootUser = defineRule({
  id: 'run-as-root-user',
  title: 'Runs as UID 0',
  severity: 'medium',
  ...pssControl('restricted', 'running-as-non-root-user'),
  description:
    'Restricted forbids runAsUser: 0 at pod and container level (undefined or any other UID is allowed). A ' +
    'pod-level 0 fails even if every container overrides it. The control exists from Pod Security Standards v1.23; ' +
    'pods with their own user namespace (spec.hostUsers: false) are exempt from v1.35.',
  remediation: 'Set runAsUser to a non-zero UID the image supports (for example 10001), or remove it and rely on a non-root USER in the image.',
  references: [PSS_RESTRICTED_URL, USER_NAMESPACES_PSS_URL],
  check: (resource, context) => {
    const minor = restrictedAt(resource, context);
    if (minor < SINCE.runAsUser) return [];
    const userns = (pod: PodSpecView): string => (pod.spec.hostUsers === false ? onlyBefore(minor, SINCE.userNamespaces, 'pods with hostUsers: false') : '');
    return podAndContainers(
      resource,
      (pod) =>
        !userNamespaceRelaxed(pod, minor) && podSecurityContext(pod)?.runAsUser === 0
          ? [{ path: podScPath(pod, 'runAsUser'), message: `the pod runs as root (runAsUser: 0)${userns(pod)}` }]
          : [],
      (c) =>
        !userNamespaceRelaxed(c.pod, minor) && containerSecurityContext(c)?.runAsUser === 0
          ? [{ path: scPath(c, 'runAsUser'), message: `${describeContainer(c)} runs as root (runAsUser: 0)${userns(c.pod)}` }]
          : [],
    );
  },
  examples: {
    valid: [
      pod(`
          securityContext: {runAsUser: 10001}
          containers:
          - name: app
            image: ${IMAGE}
            securityContext: {runAsUser: 2000}
        `),
      pod(`
          containers:
          - name: app
            image: ${IMAGE}
        `),
      pod(`
          # Root in its own user namespace is not root on the node: exempt from Pod Security Standards v1.35.
          hostUsers: false
          containers:
          - name: app
            image: ${IMAGE}
            securityContext: {runAsUser: 0}
        `),
    ],
    invalid: [
      {
        manifest: pod(`
          securityContext: {runAsUser: 0}
          containers:
          - name: app
            image: ${IMAGE}
            securityContext: {runAsUser: 1000}
        `),
        expect: ['/spec/securityContext/runAsUser'],
      },
      {
        manifest: deployment(`
          securityContext: {runAsUser: 10001, runAsNonRoot: true}
          initContainers:
          - name: chown
            image: busybox:1.36
            securityContext: {runAsUser: 0}
          containers:
          - name: app
            image: ${IMAGE}
        `),
        expect: ['/spec/template/spec/initContainers/0/securityContext/runAsUser'],
      },
    ],
  },
});
