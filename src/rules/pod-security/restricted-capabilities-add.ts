import { IMAGE, deployment, pod } from '../examples.js';
import { defineRule, perContainer, describeContainer } from '../define.js';
import { asArray, fieldAt } from '../../core/values.js';
import { BASELINE_ALLOWED_CAPABILITIES, RESTRICTED_ALLOWED_CAPABILITY, SINCE, containerSecurityContext, isWindowsPod, windowsExempt } from '../../k8s/pss.js';
import { onlyBefore, pssControl, restrictedAt, scPath } from './shared.js';

export const restrictedCapabilitiesAdd = defineRule({
  id: 'restricted-capabilities-add',
  title: 'Container adds a capability other than NET_BIND_SERVICE',
  severity: 'low',
  ...pssControl('restricted', 'capabilities'),
  description:
    'After dropping ALL, Restricted lets a container add back only NET_BIND_SERVICE. This rule reports the ' +
    'capabilities Baseline would still accept (CHOWN, SETUID, KILL, ...); capabilities outside the Baseline set are ' +
    'reported by disallowed-capabilities. The control exists from Pod Security Standards v1.22; from v1.25 Windows ' +
    'pods (spec.os.name: windows) are exempt.',
  remediation: 'Remove the capability from securityContext.capabilities.add; only NET_BIND_SERVICE may be added back.',
  check: (resource, context) => {
    const minor = restrictedAt(resource, context);
    if (minor < SINCE.restrictedCapabilities) return [];
    return perContainer(resource, (c) => {
      if (windowsExempt(c.pod, minor)) return undefined;
      const windows = isWindowsPod(c.pod) ? onlyBefore(minor, SINCE.windowsExemption, 'Windows pods') : '';
      return asArray(fieldAt(containerSecurityContext(c), 'capabilities', 'add')).flatMap((cap, i) =>
        typeof cap === 'string' && cap !== RESTRICTED_ALLOWED_CAPABILITY && BASELINE_ALLOWED_CAPABILITIES.has(cap)
          ? [{ path: scPath(c, 'capabilities', 'add', String(i)), cause: scPath(c, 'capabilities', 'add', String(i)), message: `${describeContainer(c)} adds capability ${cap}; Restricted allows adding only NET_BIND_SERVICE${windows}` }]
          : [],
      );
    });
  },
  examples: {
    valid: [
      pod(`
          containers:
          - name: app
            image: ${IMAGE}
            securityContext:
              capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
        `),
    ],
    invalid: [
      {
        manifest: pod(`
          containers:
          - name: app
            image: ${IMAGE}
            securityContext:
              capabilities: {drop: [ALL], add: [NET_BIND_SERVICE, CHOWN, SETUID]}
        `),
        expect: ['/spec/containers/0/securityContext/capabilities/add/1', '/spec/containers/0/securityContext/capabilities/add/2'],
      },
      {
        manifest: deployment(`
          initContainers:
          - name: fix-perms
            image: busybox:1.36
            securityContext:
              capabilities: {drop: [ALL], add: [FOWNER]}
          containers:
          - name: app
            image: ${IMAGE}
        `),
        expect: ['/spec/template/spec/initContainers/0/securityContext/capabilities/add/0'],
      },
    ],
  },
});
