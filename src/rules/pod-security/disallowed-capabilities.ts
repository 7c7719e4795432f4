import { IMAGE, deployment, pod } from '../examples.js';
import { defineRule, perContainer, describeContainer } from '../define.js';
import { asArray, fieldAt } from '../../core/values.js';
import { BASELINE_ALLOWED_CAPABILITIES, containerSecurityContext, show } from '../../k8s/pss.js';
import { pssControl, scPath } from './shared.js';

export const disallowedCapabilities = defineRule({
  id: 'disallowed-capabilities',
  title: 'Container adds a capability outside the Baseline set',
  severity: 'high',
  ...pssControl('baseline', 'capabilities'),
  description:
    'Baseline lets a container add only capabilities from the container runtime\'s default set: AUDIT_WRITE, CHOWN, ' +
    'DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID and SYS_CHROOT. ' +
    'Anything else (SYS_ADMIN, NET_ADMIN, NET_RAW, ALL, ...) is forbidden. Names are compared exactly, as the ' +
    'admission controller does: "CAP_CHOWN" or lower case names are not accepted.',
  remediation: 'Remove the capability from securityContext.capabilities.add; if the workload truly needs it, it cannot run under Baseline.',
  check: (resource) =>
    perContainer(resource, (c) =>
      asArray(fieldAt(containerSecurityContext(c), 'capabilities', 'add')).flatMap((cap, i) =>
        typeof cap === 'string' && BASELINE_ALLOWED_CAPABILITIES.has(cap)
          ? []
          : [
              {
                path: scPath(c, 'capabilities', 'add', String(i)),
                // The added capability; dangerous-capabilities names the same entry.
                cause: scPath(c, 'capabilities', 'add', String(i)),
                message:
                  cap === 'ALL'
                    ? `${describeContainer(c)} adds ALL capabilities`
                    : `${describeContainer(c)} adds capability ${show(cap)}, which is outside the Baseline allowed set`,
              },
            ],
      ),
    ),
  examples: {
    valid: [
      pod(`
          containers:
          - name: app
            image: ${IMAGE}
            securityContext:
              capabilities:
                drop: [ALL]
                add: [NET_BIND_SERVICE, CHOWN, SETUID, SETGID]
        `),
    ],
    invalid: [
      {
        manifest: pod(`
          containers:
          - name: app
            image: ${IMAGE}
          - name: vpn
            image: registry.example.com/net/vpn:2.1
            securityContext:
              capabilities:
                add: [NET_ADMIN, NET_RAW]
        `),
        expect: ['/spec/containers/1/securityContext/capabilities/add/0', '/spec/containers/1/securityContext/capabilities/add/1'],
      },
      {
        manifest: deployment(`
          initContainers:
          - name: iptables
            image: registry.example.com/net/init:1.0
            securityContext:
              capabilities: {add: [SYS_ADMIN]}
          containers:
          - name: app
            image: ${IMAGE}
        `),
        expect: ['/spec/template/spec/initContainers/0/securityContext/capabilities/add/0'],
      },
      {
        manifest: pod(`
          containers:
          - name: app
            image: ${IMAGE}
            securityContext:
              capabilities: {add: [CAP_CHOWN]}
        `),
        expect: ['/spec/containers/0/securityContext/capabilities/add/0'],
      },
    ],
  },
});
