import { IMAGE, cronJob, pod } from '../examples.js';
import { defineRule, perContainer, describeContainer } from '../define.js';
import { SINCE, containerSecurityContext, isSet, show, userNamespaceRelaxed } from '../../k8s/pss.js';
import { baselineAt, onlyBefore, pssControl, scPath } from './shared.js';

export const procMount = defineRule({
  id: 'proc-mount',
  title: 'Unmasked /proc mount',
  severity: 'medium',
  ...pssControl('baseline', 'proc-mount-type'),
  description:
    'The default /proc mount masks and makes read-only the parts of /proc that expose the node. Baseline requires ' +
    'procMount to be unset or Default. From Pod Security Standards v1.35 a pod with its own user namespace (spec.hostUsers: false) ' +
    'is exempt under Baseline; Restricted still requires Default (rule proc-mount-restricted).',
  remediation: 'Remove securityContext.procMount or set it to Default.',
  check: (resource, context) => {
    const minor = baselineAt(resource, context);
    return perContainer(resource, (c) => {
      const pm = containerSecurityContext(c)?.procMount;
      if (!isSet(pm) || pm === 'Default' || userNamespaceRelaxed(c.pod, minor)) return undefined;
      const userns = c.pod.spec.hostUsers === false ? onlyBefore(minor, SINCE.userNamespaces, 'pods with hostUsers: false') : '';
      return { path: scPath(c, 'procMount'), message: `${describeContainer(c)} uses procMount ${show(pm)}, which unmasks /proc${userns}` };
    });
  },
  examples: {
    valid: [
      pod(`
          containers:
          - name: app
            image: ${IMAGE}
            securityContext: {procMount: Default}
        `),
      pod(`
          # With its own user namespace the pod may unmask /proc under Baseline from Pod Security
          # Standards v1.35 (Restricted still forbids it: rule proc-mount-restricted).
          hostUsers: false
          containers:
          - name: builder
            image: quay.io/buildah/stable:v1.37
            securityContext: {procMount: Unmasked}
        `),
    ],
    invalid: [
      {
        manifest: pod(`
          containers:
          - name: builder
            image: quay.io/buildah/stable:v1.37
            securityContext: {procMount: Unmasked}
        `),
        expect: ['/spec/containers/0/securityContext/procMount'],
      },
      {
        manifest: cronJob(`
          initContainers:
          - name: prepare
            image: busybox:1.36
            securityContext: {procMount: Unmasked}
          containers:
          - name: report
            image: ${IMAGE}
        `),
        expect: ['/spec/jobTemplate/spec/template/spec/initContainers/0/securityContext/procMount'],
      },
    ],
  },
});
