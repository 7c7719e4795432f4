import { defineRule } from '../define.js';
import { APPLIES_TO, DOCKERFILE_BEST_PRACTICES, DOCKERFILE_REFERENCE, EXAMPLE_DIGEST, baseSubject, dockerfile, externalBases, viewOf } from './shared.js';

export const dockerfileBaseImageNotPinnedByDigest = defineRule({
  id: 'dockerfile-base-image-not-pinned-by-digest',
  title: 'Base image not pinned by digest',
  severity: 'info',
  category: 'dockerfile',
  tags: ['dockerfile', 'images', 'supply-chain'],
  appliesTo: APPLIES_TO,
  description:
    'A tag is a name the publisher can point at other content at any time (tags such as 20-slim are moved on every patch release ' +
    'on purpose), so a build is only reproducible, and only provably built from the image that was reviewed, when FROM names the ' +
    'digest. Untagged and ":latest" bases are reported by dockerfile-base-image-latest instead; scratch and earlier stages have no digest.',
  remediation: 'Pin the digest next to the tag (FROM node:20.17-bookworm-slim@sha256:...); `docker buildx imagetools inspect <image>` prints it, and Dependabot or Renovate keep it current.',
  references: [`${DOCKERFILE_REFERENCE}#from`, `${DOCKERFILE_BEST_PRACTICES}#pin-base-image-versions`],
  check: (resource) =>
    externalBases(viewOf(resource)).flatMap((stage) => {
      const image = stage.base.reference!;
      if (image.digest || image.tag === undefined || image.tag === 'latest') return [];
      return [{ path: `/stages/${stage.index}/base`, message: `${baseSubject(stage)} by tag only, without a digest` }];
    }),
  examples: {
    valid: [
      dockerfile(`
        FROM node:20.17-bookworm-slim@${EXAMPLE_DIGEST} AS build
        FROM build`),
      dockerfile(`
        FROM scratch
        COPY app /app`),
    ],
    invalid: [
      {
        manifest: dockerfile(`
          FROM golang:1.23 AS build
          FROM gcr.io/distroless/static-debian12@${EXAMPLE_DIGEST}
          COPY --from=build /out/app /app`),
        expect: [{ path: '/stages/0/base', message: 'golang:1.23 by tag only' }],
      },
    ],
  },
});
