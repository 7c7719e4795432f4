import { IMAGE, deployment, pod } from '../examples.js';
import type { Violation } from '../../core/types.js';
import { defineRule, perPod } from '../define.js';
import { asArray } from '../../core/values.js';
import { HARDENING, SECURITY_CONTEXT_DOC, inheritedSetting, isWindows, podSc } from './shared.js';

export const rootGroupId = defineRule({
  id: 'root-group-id',
  title: 'Container runs with the root group',
  severity: 'medium',
  ...HARDENING,
  tags: ['security'],
  description:
    'GID 0 (as runAsGroup, fsGroup or a supplemental group) gives the process the root group: read or write access to ' +
    'every file group-owned by root, in the image and on shared volumes. The Pod Security Standards do not forbid it.',
  remediation: 'Use a non-zero GID for runAsGroup and fsGroup (e.g. 10001) and remove 0 from supplementalGroups.',
  references: [SECURITY_CONTEXT_DOC],
  check: (resource) => [
    ...inheritedSetting(resource, 'runAsGroup', (v) => v === 0, 'runs with', () => 'the root group (runAsGroup: 0)'),
    ...perPod(resource, (pod) => {
      if (isWindows(pod)) return undefined;
      const sc = podSc(pod);
      const out: Violation[] = [];
      if (sc?.fsGroup === 0) out.push({ path: `${pod.path}/securityContext/fsGroup`, message: 'the pod sets fsGroup: 0, so its volumes are owned by the root group' });
      asArray(sc?.supplementalGroups).forEach((g, i) => {
        if (g === 0) out.push({ path: `${pod.path}/securityContext/supplementalGroups/${i}`, message: 'the pod adds the root group (0) to supplementalGroups' });
      });
      return out;
    }),
  ],
  examples: {
    valid: [
      pod(`
          securityContext: {runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001}
          containers:
          - name: web
            image: ${IMAGE}
        `),
    ],
    invalid: [
      {
        manifest: pod(`
          securityContext: {runAsGroup: 0}
          containers:
          - name: web
            image: ${IMAGE}
        `),
        expect: ['/spec/securityContext/runAsGroup'],
      },
      {
        manifest: deployment(`
          securityContext: {fsGroup: 0, supplementalGroups: [10001, 0]}
          containers:
          - name: web
            image: ${IMAGE}
        `),
        expect: ['/spec/template/spec/securityContext/fsGroup', '/spec/template/spec/securityContext/supplementalGroups/1'],
      },
    ],
  },
});
