import { defineRule } from '../define.js';
import { expand } from '../../sources/dockerfile.js';
import { APPLIES_TO, DOCKERFILE_BEST_PRACTICES, DOCKERFILE_REFERENCE, dockerfile, dropsPrivileges, finalImageStages, lastUser, variablesBefore, viewOf } from './shared.js';

/** USER values that are root: the name, uid 0, with or without a group. */
export function isRootUser(value: string): boolean {
  const user = value.trim().split(':')[0].toLowerCase();
  return user === 'root' || /^0+$/.test(user);
}

export const dockerfileUserRoot = defineRule({
  id: 'dockerfile-user-root',
  title: 'The image runs as root',
  severity: 'high',
  category: 'dockerfile',
  tags: ['dockerfile', 'security', 'supply-chain'],
  appliesTo: APPLIES_TO,
  description:
    'The last USER of the final image is root (`USER root`, `USER 0`, `USER 0:0`), or the final image is built FROM scratch ' +
    'with no USER at all, so its process runs as uid 0: a compromise of the application is a compromise of root in the container, ' +
    'one kernel or runtime flaw away from the node, and the image cannot run under runAsNonRoot. Only the stages the final ' +
    'image is made of count: a USER in a stage that is only copied from (`COPY --from`) does not carry over, while a stage built ' +
    'FROM another inherits its USER. Images that install or run gosu, su-exec or setpriv drop root in their entrypoint and are ' +
    'not reported; a USER given by a build argument without a default is not judged.',
  remediation:
    'End the final stage with `USER <uid>:<gid>` of an unprivileged user (create it with useradd/adduser, or use a base such as a ' +
    'distroless ":nonroot" image), and give files to that user with `COPY --chown`. Use root only in the instructions that need it.',
  references: [`${DOCKERFILE_REFERENCE}#user`, `${DOCKERFILE_BEST_PRACTICES}#user`, 'https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted'],
  check: (resource) => {
    const view = viewOf(resource);
    if (dropsPrivileges(view)) return [];
    const user = lastUser(view);
    if (user) {
      const raw = user.instruction.arguments[0] ?? '';
      const value = expand(raw, variablesBefore(view, user), view.escape);
      if (value.unresolved.length > 0 || !isRootUser(value.value)) return [];
      const via = raw === value.value ? '' : ` (${raw})`;
      return [{ path: `${user.pointer}/arguments/0`, message: `the final image runs as root: its last USER is "${value.value}"${via}` }];
    }
    const first = finalImageStages(view)[0];
    if (first?.base.scratch) return [{ path: `/stages/${first.index}/base`, message: 'the final image is built FROM scratch and sets no USER, so its process runs as root (uid 0)' }];
    return [];
  },
  examples: {
    valid: [
      dockerfile(`
        FROM debian:12-slim
        RUN useradd --uid 10001 --no-create-home app
        USER 10001:10001
        CMD ["/usr/local/bin/app"]`),
      // Root only in the build stage: what is copied out carries no user.
      dockerfile(`
        FROM golang:1.23 AS build
        USER root
        RUN go build -o /out/app ./cmd/app
        FROM scratch
        COPY --from=build /out/app /app
        USER 65532:65532
        ENTRYPOINT ["/app"]`),
      // The official-image pattern: start as root, drop to the service user in the entrypoint.
      dockerfile(`
        FROM debian:12-slim
        RUN apt-get update && apt-get install -y --no-install-recommends gosu && rm -rf /var/lib/apt/lists/*
        USER root
        ENTRYPOINT ["docker-entrypoint.sh"]`),
      dockerfile(`
        ARG APP_UID
        FROM debian:12-slim
        ARG APP_UID
        USER \${APP_UID}`),
    ],
    invalid: [
      {
        manifest: dockerfile(`
          FROM debian:12-slim
          USER app
          RUN apt-get update
          USER root
          CMD ["/usr/local/bin/app"]`),
        expect: [{ path: '/stages/0/instructions/3/arguments/0', message: 'its last USER is "root"' }],
      },
      {
        // The final stage inherits USER from the stage it is built FROM.
        manifest: dockerfile(`
          FROM node:20-slim AS base
          USER 0:0
          FROM base AS final
          COPY . /app
          CMD ["node", "/app/server.js"]`),
        expect: ['/stages/0/instructions/1/arguments/0'],
      },
      {
        manifest: dockerfile(`
          FROM golang:1.23 AS build
          RUN go build -o /out/app ./cmd/app
          USER 65532
          FROM scratch
          COPY --from=build /out/app /app
          ENTRYPOINT ["/app"]`),
        expect: [{ path: '/stages/1/base', message: 'FROM scratch' }],
      },
      {
        manifest: dockerfile(`
          ARG RUN_AS=0
          FROM alpine:3.20
          ARG RUN_AS
          USER \${RUN_AS}`),
        expect: [{ path: '/stages/0/instructions/2/arguments/0', message: '"0" (${RUN_AS})' }],
      },
    ],
  },
});
