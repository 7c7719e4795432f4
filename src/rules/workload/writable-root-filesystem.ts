import { IMAGE, deployment, pod } from '../examples.js';
import { defineRule, perContainer, describeContainer } from '../define.js';
import { HARDENING, SECURITY_CONTEXT_DOC, containerSc, existingPath, isWindows, } from './shared.js';

const NSA_GUIDE = 'https://media.defense.gov/2022/Aug/29/2003066362/-1/-1/0/CTR_KUBERNETES_HARDENING_GUIDANCE_1.2_20220829.PDF';

// ============================== Filesystem and identities ==============================
export const writableRootFilesystem = defineRule({
  id: 'writable-root-filesystem',
  title: 'Root filesystem is writable',
  severity: 'medium',
  ...HARDENING,
  tags: ['security', 'nsa'],
  description:
    'Without securityContext.readOnlyRootFilesystem: true, a compromised process can modify the container image: drop ' +
    'tools, replace binaries or persist changes for the life of the container. Writable paths the application needs ' +
    'belong in emptyDir or other volumes. Windows pods are not checked (the field is not supported there).',
  remediation: 'Set securityContext.readOnlyRootFilesystem: true on the container and mount an emptyDir wherever it must write (e.g. /tmp).',
  references: [SECURITY_CONTEXT_DOC, NSA_GUIDE],
  check: (resource) =>
    perContainer(resource, (c) => {
      if (isWindows(c.pod)) return undefined;
      const value = containerSc(c)?.readOnlyRootFilesystem;
      if (value === true) return undefined;
      return {
        path: existingPath(c.path, c.container, 'securityContext', 'readOnlyRootFilesystem'),
        message:
          value === false
            ? `${describeContainer(c)} sets readOnlyRootFilesystem: false`
            : `${describeContainer(c)} does not set readOnlyRootFilesystem: true, so its root filesystem is writable`,
      };
    }),
  examples: {
    valid: [
      pod(`
          containers:
          - name: web
            image: ${IMAGE}
            securityContext: {readOnlyRootFilesystem: true}
            volumeMounts: [{name: tmp, mountPath: /tmp}]
          volumes: [{name: tmp, emptyDir: {}}]
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
        manifest: deployment(`
          containers:
          - name: web
            image: ${IMAGE}
            securityContext: {readOnlyRootFilesystem: false}
        `),
        expect: ['/spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem'],
      },
    ],
  },
});
