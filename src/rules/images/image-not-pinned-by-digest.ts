import { podWithContainers } from '../examples.js';
import { defineRule, perContainer, describeContainer } from '../define.js';
import { DIGEST, IMAGES_DOC, imageOf, } from './shared.js';

export const imageNotPinnedByDigest = defineRule({
  id: 'image-not-pinned-by-digest',
  title: 'Image is not pinned by digest',
  severity: 'info',
  category: 'images',
  tags: ['images', 'supply-chain'],
  appliesTo: 'workloads',
  optIn: true,
  description:
    'Tags, even version tags, can be moved to other content by anyone who can push to the repository. Only a digest ' +
    'guarantees that every node runs exactly the image that was reviewed and scanned.',
  remediation: 'Append the digest of the reviewed image: repo:1.2.3@sha256:<digest> (tools such as crane or skopeo print it).',
  references: [IMAGES_DOC, 'https://slsa.dev/spec/v1.0/'],
  check: (resource) =>
    perContainer(resource, (c) => {
      const image = imageOf(c);
      if (!image || image.digest) return undefined;
      return { path: `${c.path}/image`, message: `${describeContainer(c)} refers to image "${image.raw}" by tag only, not by digest` };
    }),
  examples: {
    valid: [
      podWithContainers(`  - name: web
    image: nginx:1.27.3@${DIGEST}`),
    ],
    invalid: [
      {
        manifest: podWithContainers(`  - name: web
    image: nginx:1.27.3`),
        expect: ['/spec/containers/0/image'],
      },
    ],
  },
});
