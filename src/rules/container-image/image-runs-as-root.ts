import { defineRule } from '../define.js';
import { APPLIES_TO, hasConfiguration, IMAGE_CONFIG_REFERENCE, imageExample, runsAsRoot, viewOf } from './shared.js';

export const imageRunsAsRoot = defineRule({
  id: 'image-runs-as-root',
  title: 'The image runs as root',
  severity: 'medium',
  category: 'container-image',
  tags: ['image', 'pod-security', 'security'],
  appliesTo: APPLIES_TO,
  description:
    'The image configuration sets no `User`, or sets root (`root`, `0`, `0:0`): every container started from it runs as root ' +
    'unless its pod sets `runAsUser`, and a pod with `runAsNonRoot: true` is refused by the kubelet. A user name other than root ' +
    'passes here, although `runAsNonRoot` can only be verified for a numeric one.',
  remediation: 'Set a numeric non-root USER in the Dockerfile (e.g. USER 10001); pods can still set runAsUser, but the image should not depend on it.',
  references: [IMAGE_CONFIG_REFERENCE, 'https://kubernetes.io/docs/concepts/security/pod-security-standards/'],
  check: (resource) => {
    const view = viewOf(resource);
    if (!hasConfiguration(view)) return [];
    const user = view.config?.User;
    if (!runsAsRoot(user)) return [];
    return [{ path: user === undefined ? '/config' : '/config/User', message: user?.trim() ? `the image runs as ${JSON.stringify(user)}, which is root` : 'the image sets no user, so it runs as root' }];
  },
  examples: {
    valid: [imageExample('config: {User: "10001"}'), imageExample('config: {User: "app:app"}')],
    invalid: [
      { manifest: imageExample('config: {Env: ["PATH=/usr/bin"]}'), expect: ['/config'] },
      { manifest: imageExample('config: {User: "0:0"}'), expect: [{ path: '/config/User', message: 'runs as "0:0", which is root' }] },
    ],
  },
});
