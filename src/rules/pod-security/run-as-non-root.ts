import { IMAGE, cronJob, deployment, pod } from '../examples.js';
import type { PodSpecView } from '../../k8s/pods.js';
import { defineRule, describeContainer } from '../define.js';
import { PSS_RESTRICTED_URL, SINCE, USER_NAMESPACES_PSS_URL, containerSecurityContext, isSet, missingSettingPath, podSecurityContext, show, userNamespaceRelaxed } from '../../k8s/pss.js';
import { onlyBefore, podAndContainers, podScPath, pssControl, restrictedAt, scPath } from './shared.js';

export const runAsNonRoot = defineRule({
  id: 'run-as-non-root',
  title: 'Container not required to run as non-root',
  severity: 'medium',
  ...pssControl('restricted', 'running-as-non-root'),
  description:
    'Restricted requires runAsNonRoot: true, so the kubelet refuses to start a container whose user is root. A ' +
    'container may leave it unset only when the pod-level spec.securityContext.runAsNonRoot is true; a container ' +
    'that sets false fails even then, and a pod-level false fails even if every container sets true. Pods with their ' +
    'own user namespace (spec.hostUsers: false) are exempt from Pod Security Standards v1.35.',
  remediation: 'Set spec.securityContext.runAsNonRoot: true on the pod (or securityContext.runAsNonRoot: true on every container) and run the image as a non-zero UID.',
  references: [PSS_RESTRICTED_URL, USER_NAMESPACES_PSS_URL],
  check: (resource, context) => {
    const minor = restrictedAt(resource, context);
    const userns = (pod: PodSpecView): string => (pod.spec.hostUsers === false ? onlyBefore(minor, SINCE.userNamespaces, 'pods with hostUsers: false') : '');
    return podAndContainers(
      resource,
      (pod) => {
        if (userNamespaceRelaxed(pod, minor)) return [];
        const v = podSecurityContext(pod)?.runAsNonRoot;
        return isSet(v) && v !== true ? [{ path: podScPath(pod, 'runAsNonRoot'), message: `the pod sets runAsNonRoot to ${show(v)}; it must be true${userns(pod)}` }] : [];
      },
      (c) => {
        if (userNamespaceRelaxed(c.pod, minor)) return [];
        const v = containerSecurityContext(c)?.runAsNonRoot;
        if (isSet(v)) return v === true ? [] : [{ path: scPath(c, 'runAsNonRoot'), message: `${describeContainer(c)} sets runAsNonRoot to ${show(v)}; it must be true${userns(c.pod)}` }];
        const podValue = podSecurityContext(c.pod)?.runAsNonRoot;
        // A wrong pod-level value is reported once on the pod, not again on every container inheriting it.
        if (podValue === true || isSet(podValue)) return [];
        return [{ path: missingSettingPath(c), message: `${describeContainer(c)} is not required to run as non-root: neither it nor the pod sets runAsNonRoot: true${userns(c.pod)}` }];
      },
    );
  },
  examples: {
    valid: [
      deployment(`
          securityContext: {runAsNonRoot: true, runAsUser: 10001}
          initContainers:
          - name: migrate
            image: ${IMAGE}
          containers:
          - name: app
            image: ${IMAGE}
        `),
      pod(`
          containers:
          - name: app
            image: ${IMAGE}
            securityContext: {runAsNonRoot: true}
          - name: sidecar
            image: registry.example.com/shop/proxy:2.0
            securityContext: {runAsNonRoot: true}
        `),
    ],
    invalid: [
      {
        manifest: pod(`
          containers:
          - name: app
            image: ${IMAGE}
        `),
        expect: ['/spec/containers/0'],
      },
      {
        manifest: pod(`
          securityContext: {runAsNonRoot: true}
          containers:
          - name: app
            image: ${IMAGE}
          - name: legacy
            image: registry.example.com/shop/legacy:0.9
            securityContext: {runAsNonRoot: false}
        `),
        expect: ['/spec/containers/1/securityContext/runAsNonRoot'],
      },
      {
        manifest: pod(`
          securityContext: {runAsNonRoot: false}
          containers:
          - name: app
            image: ${IMAGE}
            securityContext: {runAsNonRoot: true}
        `),
        expect: ['/spec/securityContext/runAsNonRoot'],
      },
      {
        manifest: cronJob(`
          containers:
          - name: report
            image: ${IMAGE}
            securityContext: {allowPrivilegeEscalation: false}
        `),
        expect: ['/spec/jobTemplate/spec/template/spec/containers/0/securityContext'],
      },
    ],
  },
});
