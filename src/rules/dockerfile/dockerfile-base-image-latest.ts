import { defineRule } from '../define.js';
import { APPLIES_TO, DOCKERFILE_BEST_PRACTICES, DOCKERFILE_REFERENCE, EXAMPLE_DIGEST, baseSubject, dockerfile, externalBases, viewOf } from './shared.js';

export const dockerfileBaseImageLatest = defineRule({
  id: 'dockerfile-base-image-latest',
  title: 'Base image untagged or ":latest"',
  severity: 'medium',
  category: 'dockerfile',
  tags: ['dockerfile', 'images', 'supply-chain', 'reliability'],
  appliesTo: APPLIES_TO,
  description:
    'A FROM without a tag builds on ":latest", and ":latest" moves whenever the publisher pushes: the same Dockerfile builds a ' +
    'different image next week, a new major version arrives unreviewed, and a rebuild cannot reproduce what is running. Every ' +
    'stage is judged, build stages included, since what they compile ships too. FROM scratch, FROM <earlier stage> and references ' +
    'pinned by digest are not reported; ARG defaults are substituted first (`ARG BASE=node` then `FROM $BASE` is untagged), and a ' +
    'base that depends on a build argument without a default is not judged.',
  remediation: 'Name a version tag (node:20.17-bookworm-slim), or better the tag and its digest (node:20.17-bookworm-slim@sha256:...), and update it on purpose (Dependabot and Renovate update both).',
  references: [`${DOCKERFILE_REFERENCE}#from`, `${DOCKERFILE_BEST_PRACTICES}#from`],
  check: (resource) =>
    externalBases(viewOf(resource)).flatMap((stage) => {
      const image = stage.base.reference!;
      if (image.digest) return [];
      if (image.tag === undefined) return [{ path: `/stages/${stage.index}/base`, message: `${baseSubject(stage)}, which names no tag and so means ":latest"` }];
      if (image.tag === 'latest') return [{ path: `/stages/${stage.index}/base`, message: `${baseSubject(stage)}, whose tag "latest" moves with every push` }];
      return [];
    }),
  examples: {
    valid: [
      dockerfile(`
        FROM node:20.17-bookworm-slim AS build
        FROM build
        FROM scratch`),
      dockerfile(`
        FROM nginx@${EXAMPLE_DIGEST}`),
      dockerfile(`
        ARG BASE_TAG=3.20
        FROM alpine:\${BASE_TAG}`),
      dockerfile(`
        ARG BASE
        FROM \${BASE}`),
    ],
    invalid: [
      {
        manifest: dockerfile(`
          FROM ubuntu
          RUN echo hello`),
        expect: [{ path: '/stages/0/base', message: 'names no tag' }],
      },
      {
        manifest: dockerfile(`
          ARG REGISTRY=ghcr.io/acme
          FROM \${REGISTRY}/builder:latest AS build
          FROM gcr.io/distroless/static-debian12:nonroot
          COPY --from=build /out /`),
        expect: [{ path: '/stages/0/base', message: 'ghcr.io/acme/builder:latest (${REGISTRY}/builder:latest), whose tag "latest"' }],
      },
    ],
  },
});
