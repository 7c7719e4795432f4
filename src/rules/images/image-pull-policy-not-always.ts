import { podWithContainers } from '../examples.js';
import { defineRule, perContainer, describeContainer } from '../define.js';
import { effectiveTag } from '../../k8s/images.js';
import { DIGEST, imageOf, } from './shared.js';

const PULL_POLICY_DOC = 'https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy';

export const imagePullPolicyNotAlways = defineRule({
  id: 'image-pull-policy-not-always',
  title: 'Mutable image is not always pulled',
  severity: 'low',
  category: 'images',
  tags: ['images', 'security'],
  appliesTo: 'workloads',
  description:
    'With imagePullPolicy IfNotPresent or Never, a node reuses whatever image it has cached under the tag: a moved tag runs ' +
    'different code on different nodes, and any pod on the node can start a cached private image without holding the pull ' +
    'secret. Images pinned by digest are immutable and are not flagged. When the policy is omitted Kubernetes defaults it to ' +
    'IfNotPresent for tagged images (Always for "latest" or no tag).',
  remediation: 'Set imagePullPolicy: Always, or pin the image by digest.',
  references: [PULL_POLICY_DOC],
  check: (resource) =>
    perContainer(resource, (c) => {
      const image = imageOf(c);
      if (!image || image.digest) return undefined;
      const written = c.container.imagePullPolicy;
      if (written === 'Always') return undefined;
      if (written === undefined || written === null) {
        if (effectiveTag(image) === 'latest') return undefined;
        return {
          path: `${c.path}/image`,
          message: `${describeContainer(c)} sets no imagePullPolicy, so the mutable image "${image.raw}" defaults to IfNotPresent`,
        };
      }
      if (typeof written !== 'string') return undefined;
      return {
        path: `${c.path}/imagePullPolicy`,
        message: `${describeContainer(c)} uses imagePullPolicy ${written} for the mutable image "${image.raw}"`,
      };
    }),
  examples: {
    valid: [
      podWithContainers(`  - name: web
    image: nginx:1.27.3
    imagePullPolicy: Always`),
      podWithContainers(`  - name: web
    image: nginx:1.27.3@${DIGEST}
    imagePullPolicy: IfNotPresent`),
      podWithContainers(`  - name: web
    image: nginx`),
    ],
    invalid: [
      {
        manifest: podWithContainers(`  - name: web
    image: nginx:1.27.3
    imagePullPolicy: IfNotPresent`),
        expect: ['/spec/containers/0/imagePullPolicy'],
      },
      {
        manifest: podWithContainers(`  - name: web
    image: nginx:1.27.3`),
        expect: ['/spec/containers/0/image'],
      },
    ],
  },
});
