import { IMAGE, pod } from '../examples.js';
import { defineRule } from '../define.js';
import { HARDENING, SECURITY_CONTEXT_DOC, inheritedSetting, } from './shared.js';

export const lowGroupId = defineRule({
  id: 'low-group-id',
  title: 'Container runs with a low GID',
  severity: 'low',
  ...HARDENING,
  tags: ['security'],
  description:
    'GIDs below 10000 overlap with groups on the node, so files shared through volumes or host paths are accessible ' +
    "with the node group's rights. The effective runAsGroup is the container's own, else the pod's; GID 0 is reported by root-group-id.",
  remediation: 'Set securityContext.runAsGroup to 10000 or higher (e.g. 10001).',
  references: [SECURITY_CONTEXT_DOC],
  check: (resource) =>
    inheritedSetting(resource, 'runAsGroup', (v) => v > 0 && v < 10000, 'runs with', (v) => `GID ${v}, below 10000`),
  examples: {
    valid: [
      pod(`
          securityContext: {runAsUser: 10001, runAsGroup: 10001}
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
            securityContext: {runAsUser: 10001, runAsGroup: 1000}
        `),
        expect: ['/spec/containers/0/securityContext/runAsGroup'],
      },
    ],
  },
});
