import { IMAGE, pod } from '../examples.js';
import { defineRule, perContainer, describeContainer } from '../define.js';
import { PSS_RESTRICTED_URL, USER_NAMESPACES_PSS_URL, containerSecurityContext, isSet, show, userNamespaceRelaxed } from '../../k8s/pss.js';
import { baselineAt, pssControl, scPath } from './shared.js';

export const procMountRestricted = defineRule({
  id: 'proc-mount-restricted',
  title: 'Unmasked /proc mount in a user-namespace pod',
  severity: 'medium',
  ...pssControl('restricted', 'proc-mount-type'),
  description:
    'From Pod Security Standards v1.35 Baseline lets a pod with its own user namespace (spec.hostUsers: false) use a ' +
    'non-default procMount, but Restricted still requires it to be unset or Default. What the Baseline rule proc-mount ' +
    'reports (every other non-default procMount, and at earlier versions these too) is not reported again here.',
  remediation: 'Remove securityContext.procMount or set it to Default.',
  references: [PSS_RESTRICTED_URL, USER_NAMESPACES_PSS_URL],
  check: (resource, context) => {
    // Restricted forbids every non-default procMount at every version; this rule reports those Baseline allows at its version.
    const baseline = baselineAt(resource, context);
    return perContainer(resource, (c) => {
      if (!userNamespaceRelaxed(c.pod, baseline)) return undefined;
      const pm = containerSecurityContext(c)?.procMount;
      if (!isSet(pm) || pm === 'Default') return undefined;
      return { path: scPath(c, 'procMount'), message: `${describeContainer(c)} uses procMount ${show(pm)}; Restricted requires Default even with a user namespace` };
    });
  },
  examples: {
    valid: [
      pod(`
          hostUsers: false
          containers:
          - name: app
            image: ${IMAGE}
            securityContext: {procMount: Default}
        `),
    ],
    invalid: [
      {
        manifest: pod(`
          hostUsers: false
          containers:
          - name: builder
            image: quay.io/buildah/stable:v1.37
            securityContext: {procMount: Unmasked}
        `),
        expect: ['/spec/containers/0/securityContext/procMount'],
      },
    ],
  },
});
