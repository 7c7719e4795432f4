import { podWithContainers } from '../examples.js';
import { defineRule, perContainer, describeContainer } from '../define.js';
import { DIGEST, IMAGES_DOC, imageOf, } from './shared.js';

export const imageTagMissing = defineRule({
  id: 'image-tag-missing',
  title: 'Image has no tag or digest',
  severity: 'medium',
  category: 'images',
  tags: ['images', 'supply-chain', 'reliability'],
  appliesTo: 'workloads',
  description:
    'An image reference without tag and digest resolves to "latest": the version that runs is whatever was pushed last, ' +
    'and it can differ from node to node.',
  remediation: 'Add an immutable version tag (e.g. redis:7.4.1), or pin the digest (redis@sha256:...).',
  references: [IMAGES_DOC],
  check: (resource) =>
    perContainer(resource, (c) => {
      const image = imageOf(c);
      if (!image || image.tag !== undefined || image.digest) return undefined;
      return { path: `${c.path}/image`, message: `${describeContainer(c)} uses image "${image.raw}" without a tag or digest, so "latest" is pulled` };
    }),
  examples: {
    valid: [
      podWithContainers(`  - name: cache
    image: redis:7.4.1`),
      podWithContainers(`  - name: cache
    image: registry.local:5000/cache/redis@${DIGEST}`),
    ],
    invalid: [
      {
        manifest: podWithContainers(`  - name: cache
    image: redis`),
        expect: ['/spec/containers/0/image'],
      },
      {
        manifest: podWithContainers(`  - name: cache
    image: registry.local:5000/cache/redis`),
        expect: ['/spec/containers/0/image'],
      },
    ],
  },
});
