import { IMAGE, deployment, pod } from '../examples.js';
import { defineRule } from '../define.js';
import { HARDENING, SECURITY_CONTEXT_DOC, inheritedSetting, } from './shared.js';

export const lowUserId = defineRule({
  id: 'low-user-id',
  title: 'Container runs with a low UID',
  severity: 'low',
  ...HARDENING,
  tags: ['security'],
  description:
    'UIDs below 10000 are where host and system users live. A container process that escapes, or that shares a volume ' +
    'or hostPath with the node, acts with the rights of the node user with the same UID. The effective runAsUser is the ' +
    "container's own, else the pod's. UID 0 is reported by run-as-root-user; an unset runAsUser (the image's USER) is " +
    'left to run-as-non-root.',
  remediation: 'Set securityContext.runAsUser to 10000 or higher (e.g. 10001) and build the image to work with that UID.',
  references: [SECURITY_CONTEXT_DOC],
  check: (resource) =>
    inheritedSetting(resource, 'runAsUser', (v) => v > 0 && v < 10000, 'runs as', (v) => `UID ${v}, below 10000`),
  examples: {
    valid: [
      pod(`
          securityContext: {runAsUser: 10001, runAsNonRoot: true}
          containers:
          - name: web
            image: ${IMAGE}
        `),
      pod(`
          securityContext: {runAsUser: 1000}
          containers:
          - name: web
            image: ${IMAGE}
            securityContext: {runAsUser: 20000}
        `),
    ],
    invalid: [
      {
        manifest: pod(`
          containers:
          - name: web
            image: ${IMAGE}
            securityContext: {runAsUser: 1000}
        `),
        expect: ['/spec/containers/0/securityContext/runAsUser'],
      },
      {
        manifest: deployment(`
          securityContext: {runAsUser: 101}
          containers:
          - name: web
            image: ${IMAGE}
        `),
        expect: ['/spec/template/spec/securityContext/runAsUser'],
      },
    ],
  },
});
