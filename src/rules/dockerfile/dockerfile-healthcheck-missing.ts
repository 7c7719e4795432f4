import { defineRule } from '../define.js';
import { APPLIES_TO, DOCKERFILE_REFERENCE, dockerfile, finalImageInstructions, finalImageStages, viewOf } from './shared.js';

export const dockerfileHealthcheckMissing = defineRule({
  id: 'dockerfile-healthcheck-missing',
  title: 'No HEALTHCHECK in the final image',
  severity: 'low',
  category: 'dockerfile',
  tags: ['dockerfile', 'reliability'],
  appliesTo: APPLIES_TO,
  description:
    'Without HEALTHCHECK, Docker, Compose and Swarm cannot tell a hung container from a working one. Kubernetes ignores ' +
    'HEALTHCHECK and uses the pod\'s probes instead, which is why this is low: an image built only for Kubernetes should say so ' +
    'with `HEALTHCHECK NONE`, which passes. A HEALTHCHECK in a stage the final stage is built FROM is inherited and counts.',
  remediation: 'Add `HEALTHCHECK CMD <command that fails when the service is unhealthy>`, or `HEALTHCHECK NONE` when the image runs only where probes do the job.',
  references: [`${DOCKERFILE_REFERENCE}#healthcheck`, 'https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/'],
  check: (resource) => {
    const view = viewOf(resource);
    if (finalImageInstructions(view).some((l) => l.instruction.keyword === 'HEALTHCHECK')) return [];
    const last = finalImageStages(view).at(-1)!;
    return [{ path: `/stages/${last.index}/base`, message: 'the final image declares no HEALTHCHECK (nor HEALTHCHECK NONE)' }];
  },
  examples: {
    valid: [
      dockerfile(`
        FROM nginx:1.27-alpine
        HEALTHCHECK --interval=30s CMD wget -q --spider http://127.0.0.1/ || exit 1`),
      dockerfile(`
        FROM gcr.io/distroless/static-debian12:nonroot AS base
        HEALTHCHECK NONE
        FROM base
        COPY app /app`),
    ],
    invalid: [
      {
        manifest: dockerfile(`
          FROM golang:1.23 AS build
          HEALTHCHECK NONE
          FROM gcr.io/distroless/static-debian12:nonroot
          COPY --from=build /out/app /app`),
        expect: ['/stages/1/base'],
      },
    ],
  },
});
