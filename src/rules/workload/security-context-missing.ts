import { IMAGE, pod } from '../examples.js';
import { defineRule, perContainer, describeContainer } from '../define.js';
import { isObject } from '../../core/values.js';
import { HARDENING, SECURITY_CONTEXT_DOC, existingPath, } from './shared.js';

export const securityContextMissing = defineRule({
  id: 'security-context-missing',
  title: 'No security context at all',
  severity: 'info',
  ...HARDENING,
  tags: ['security', 'cis'],
  frameworks: { cis: ['5.6.3'] },
  optIn: true,
  description:
    'A container with no securityContext, in a pod with none, runs with every runtime default: as the image\'s user ' +
    '(often root), with a writable root filesystem and the default capabilities. The specific rules report each ' +
    'consequence; this one is a single summary signal per container.',
  remediation: 'Add a securityContext, e.g. {runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}.',
  references: [SECURITY_CONTEXT_DOC],
  check: (resource) =>
    perContainer(resource, (c) => {
      const own = c.container.securityContext;
      const podLevel = c.pod.spec.securityContext;
      const empty = (v: unknown): boolean => !isObject(v) || Object.keys(v).length === 0;
      if (!empty(own) || !empty(podLevel)) return undefined;
      return { path: existingPath(c.path, c.container, 'securityContext'), message: `${describeContainer(c)} has no securityContext, and neither has its pod` };
    }),
  examples: {
    valid: [
      pod(`
          securityContext: {runAsNonRoot: true}
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
        `),
        expect: ['/spec/containers/0'],
      },
    ],
  },
});
