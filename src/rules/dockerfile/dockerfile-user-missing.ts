import { defineRule } from '../define.js';
import { fullName } from '../../k8s/images.js';
import { APPLIES_TO, DOCKERFILE_BEST_PRACTICES, DOCKERFILE_REFERENCE, dockerfile, dropsPrivileges, finalImageStages, lastUser, viewOf } from './shared.js';
import type { ImageReference } from '../../k8s/images.js';

/** Bases documented to run as an unprivileged user by default. */
function runsUnprivileged(image: ImageReference): boolean {
  const name = fullName(image);
  const tag = (image.tag ?? '').toLowerCase();
  return /nonroot|rootless/.test(tag) || /(?:^|[/-])(?:nonroot|rootless|unprivileged)(?:[/-]|$)/.test(name) || name.startsWith('docker.io/bitnami/');
}

/** Windows base images: their users (ContainerUser, ContainerAdministrator) are another matter than Linux root. */
function isWindows(image: ImageReference): boolean {
  return image.registry === 'mcr.microsoft.com' && /^(?:windows|dotnet\/framework|powershell\/.*(?:nanoserver|windowsservercore))/.test(image.repository);
}

export const dockerfileUserMissing = defineRule({
  id: 'dockerfile-user-missing',
  title: 'The image sets no USER',
  severity: 'medium',
  category: 'dockerfile',
  tags: ['dockerfile', 'security'],
  appliesTo: APPLIES_TO,
  description:
    'No stage of the final image sets USER, so the container runs as whatever user its base image names: root for nearly every ' +
    'distribution and language image (debian, alpine, node, python, golang, ...). Stages only copied from do not count; a stage ' +
    'built FROM another inherits its USER. Bases that say they run unprivileged (a ":nonroot" tag, "rootless" or ' +
    '"unprivileged" images, Bitnami\'s), Windows bases (whose users are not Linux root) and images that drop root in their entrypoint (gosu, su-exec, setpriv) are not reported, ' +
    'nor is FROM scratch, which dockerfile-user-root reports (no user there is root for certain).',
  remediation: 'Add `USER <uid>:<gid>` of an unprivileged user at the end of the final stage, or build on a base that runs unprivileged.',
  references: [`${DOCKERFILE_REFERENCE}#user`, `${DOCKERFILE_BEST_PRACTICES}#user`],
  check: (resource) => {
    const view = viewOf(resource);
    if (lastUser(view) || dropsPrivileges(view)) return [];
    const first = finalImageStages(view)[0];
    if (!first || first.base.scratch) return [];
    const base = first.base;
    if (base.reference && (runsUnprivileged(base.reference) || isWindows(base.reference))) return [];
    const what = base.resolved ?? base.raw;
    return [{ path: `/stages/${first.index}/base`, message: `no USER in the final image: it runs as the user of its base image ${what}, root unless that image sets another` }];
  },
  examples: {
    valid: [
      dockerfile(`
        FROM python:3.12-slim
        RUN useradd --uid 10001 app
        USER app
        CMD ["python", "-m", "app"]`),
      dockerfile(`
        FROM gcr.io/distroless/static-debian12:nonroot
        COPY app /app
        ENTRYPOINT ["/app"]`),
      dockerfile(`
        FROM nginxinc/nginx-unprivileged:1.27-alpine
        COPY site/ /usr/share/nginx/html/`),
    ],
    invalid: [
      {
        manifest: dockerfile(`
          FROM python:3.12-slim
          COPY . /app
          CMD ["python", "/app/main.py"]`),
        expect: [{ path: '/stages/0/base', message: 'base image python:3.12-slim' }],
      },
      {
        // USER in the build stage does not reach the final image.
        manifest: dockerfile(`
          FROM node:20 AS build
          USER node
          RUN npm ci && npm run build
          FROM node:20-slim
          COPY --from=build /home/node/dist /app
          CMD ["node", "/app/index.js"]`),
        expect: ['/stages/1/base'],
      },
    ],
  },
});
