import { deploymentWithContainers, podWithContainers } from '../examples.js';
import { defineRule, perContainer, describeContainer } from '../define.js';
import { DIGEST, IMAGES_DOC, imageOf, } from './shared.js';

export const imageTagLatest = defineRule({
  id: 'image-tag-latest',
  title: 'Image uses the "latest" tag',
  severity: 'medium',
  category: 'images',
  tags: ['images', 'supply-chain', 'reliability'],
  appliesTo: 'workloads',
  description:
    'The "latest" tag moves whenever a new image is pushed, so the same manifest runs different code on different nodes and days, ' +
    'rollbacks do not roll back, and a compromised push is picked up silently.',
  remediation: 'Use an immutable version tag (e.g. nginx:1.27.3), or better pin the digest (nginx:1.27.3@sha256:...).',
  references: [IMAGES_DOC, 'https://kubernetes.io/docs/concepts/configuration/overview/#container-images'],
  check: (resource) =>
    perContainer(resource, (c) => {
      const image = imageOf(c);
      if (!image || image.tag !== 'latest' || image.digest) return undefined;
      return { path: `${c.path}/image`, message: `${describeContainer(c)} uses the mutable tag "latest" (${image.raw})` };
    }),
  examples: {
    valid: [
      podWithContainers(`  - name: web
    image: nginx:1.27.3`),
      podWithContainers(`  - name: web
    image: nginx:latest@${DIGEST}`),
    ],
    invalid: [
      {
        manifest: podWithContainers(`  - name: web
    image: nginx:latest`),
        expect: ['/spec/containers/0/image'],
      },
      {
        manifest: deploymentWithContainers(`      - name: api
        image: ghcr.io/acme/api:latest`),
        expect: ['/spec/template/spec/containers/0/image'],
      },
    ],
  },
});
