import { IMAGE, pod } from '../examples.js';
import { defineRule, perContainer, describeContainer } from '../define.js';
import { asArray, fieldAt } from '../../core/values.js';
import { CAPABILITIES_MAN, HARDENING, SECURITY_CONTEXT_DOC, capabilityName, containerSc, existingPath, isWindows, } from './shared.js';

// ============================== Capabilities ==============================
export const netRawNotDropped = defineRule({
  id: 'net-raw-not-dropped',
  title: 'NET_RAW capability not dropped',
  severity: 'low',
  ...HARDENING,
  tags: ['security'],
  description:
    'Container runtimes grant NET_RAW by default. It allows crafting raw packets: ARP and DNS spoofing against other pods ' +
    'on the node and exploiting kernel networking bugs. Dropping ALL or NET_RAW removes it. Privileged and Windows ' +
    'containers are not checked (privileged-container reports the former).',
  remediation: 'Add NET_RAW (or better ALL) to securityContext.capabilities.drop.',
  references: [SECURITY_CONTEXT_DOC, CAPABILITIES_MAN],
  check: (resource) =>
    perContainer(resource, (c) => {
      if (isWindows(c.pod)) return undefined;
      const sc = containerSc(c);
      if (sc?.privileged === true) return undefined;
      const drop = asArray(fieldAt(sc, 'capabilities', 'drop')).map(capabilityName);
      if (drop.includes('ALL') || drop.includes('NET_RAW')) return undefined;
      return {
        path: existingPath(c.path, c.container, 'securityContext', 'capabilities', 'drop'),
        // The drop list: capabilities-drop-all names it too, and dropping ALL fixes both.
        cause: `${c.path}/securityContext/capabilities/drop`,
        message: `${describeContainer(c)} does not drop the NET_RAW capability`,
      };
    }),
  examples: {
    valid: [
      pod(`
          containers:
          - name: web
            image: ${IMAGE}
            securityContext:
              capabilities: {drop: [ALL]}
        `),
      pod(`
          containers:
          - name: web
            image: ${IMAGE}
            securityContext:
              capabilities: {drop: [NET_RAW]}
        `),
    ],
    invalid: [
      {
        manifest: pod(`
          containers:
          - name: web
            image: ${IMAGE}
        `),
        expect: ['/spec/containers/0'],
      },
      {
        manifest: pod(`
          containers:
          - name: web
            image: ${IMAGE}
            securityContext:
              capabilities: {drop: [SYS_ADMIN]}
        `),
        expect: ['/spec/containers/0/securityContext/capabilities/drop'],
      },
    ],
  },
});
