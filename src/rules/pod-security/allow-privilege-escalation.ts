import { IMAGE, deployment, pod } from '../examples.js';
import { defineRule, perContainer, describeContainer } from '../define.js';
import { SINCE, containerSecurityContext, isSet, isWindowsPod, missingSettingPath, show, windowsExempt } from '../../k8s/pss.js';
import { RESTRICTED_CONTAINER_SC, onlyBefore, pssControl, restrictedAt, scPath } from './shared.js';

export const allowPrivilegeEscalation = defineRule({
  id: 'allow-privilege-escalation',
  title: 'Privilege escalation not disabled',
  severity: 'medium',
  ...pssControl('restricted', 'privilege-escalation'),
  description:
    'Unless allowPrivilegeEscalation is false, a process can gain more privileges than its parent (setuid binaries, ' +
    'file capabilities). Restricted requires every container, init container and ephemeral container to set ' +
    'allowPrivilegeEscalation: false explicitly: unset counts as allowed. The control exists from Pod Security Standards ' +
    'v1.8; from v1.25 Windows pods (spec.os.name: windows) are exempt.',
  remediation: 'Set securityContext.allowPrivilegeEscalation: false on every container.',
  check: (resource, context) => {
    const minor = restrictedAt(resource, context);
    if (minor < SINCE.privilegeEscalation) return [];
    return perContainer(resource, (c) => {
      if (windowsExempt(c.pod, minor)) return undefined;
      const sc = containerSecurityContext(c);
      const ape = sc?.allowPrivilegeEscalation;
      if (ape === false) return undefined;
      const windows = isWindowsPod(c.pod) ? onlyBefore(minor, SINCE.windowsExemption, 'Windows pods') : '';
      // A privileged container cannot have it off (the API server rejects privileged: true with
      // allowPrivilegeEscalation: false): the cause is privileged, and the finding is folded into that one.
      const cause = sc?.privileged === true ? scPath(c, 'privileged') : undefined;
      if (isSet(ape))
        return { path: scPath(c, 'allowPrivilegeEscalation'), cause, message: `${describeContainer(c)} sets allowPrivilegeEscalation to ${show(ape)}; it must be false${windows}` };
      return { path: missingSettingPath(c), cause, message: `${describeContainer(c)} does not set allowPrivilegeEscalation: false (unset means escalation is allowed)${windows}` };
    });
  },
  examples: {
    valid: [
      pod(`
          containers:
          - name: app
            image: ${IMAGE}
            securityContext: {allowPrivilegeEscalation: false}
          initContainers:
          - name: migrate
            image: ${IMAGE}
            securityContext: {allowPrivilegeEscalation: false}
        `),
      pod(`
          os: {name: windows}
          containers:
          - name: app
            image: mcr.microsoft.com/windows/servercore:ltsc2022
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
        manifest: deployment(`
          initContainers:
          - name: migrate
            image: ${IMAGE}
            securityContext: {allowPrivilegeEscalation: true}
          containers:
          - name: app
            image: ${IMAGE}
            securityContext: {allowPrivilegeEscalation: false}
        `),
        expect: ['/spec/template/spec/initContainers/0/securityContext/allowPrivilegeEscalation'],
      },
      {
        manifest: pod(`
          containers:
          - name: app
            image: ${IMAGE}
            securityContext: ${RESTRICTED_CONTAINER_SC}
          ephemeralContainers:
          - name: debugger
            image: busybox:1.36
            securityContext: {runAsNonRoot: true}
        `),
        expect: ['/spec/ephemeralContainers/0/securityContext'],
      },
    ],
  },
});
