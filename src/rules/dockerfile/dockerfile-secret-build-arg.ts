import { defineRule } from '../define.js';
import { isSecretName } from '../../core/secrets-detect.js';
import { APPLIES_TO, dockerfile, envAndArgs, viewOf } from './shared.js';
import { literalSecrets } from './dockerfile-secret-in-env-arg.js';

export const dockerfileSecretBuildArg = defineRule({
  id: 'dockerfile-secret-build-arg',
  title: 'Secret passed through ARG or ENV',
  severity: 'medium',
  category: 'dockerfile',
  tags: ['dockerfile', 'secrets', 'security'],
  appliesTo: APPLIES_TO,
  description:
    'An ARG or ENV of the final image is named like a secret (NPM_TOKEN, AWS_SECRET_ACCESS_KEY) but holds no literal value: ' +
    'the secret arrives with `--build-arg` or from another variable. Build arguments used by a RUN are recorded in the image ' +
    'history of every RUN after them (`docker history` shows `|1 NPM_TOKEN=...`) and in provenance attestations, and ENV ' +
    'values are in the image ' +
    'configuration, so whoever can pull the image can read it. Stages only copied from are not judged (their history is not ' +
    'shipped); a literal credential is dockerfile-secret-in-env-arg\'s.',
  remediation: 'Use a BuildKit secret mount (`RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci`, `docker build --secret id=npm_token`) instead of ARG or ENV.',
  references: ['https://docs.docker.com/build/building/secrets/', 'https://docs.docker.com/reference/build-checks/secrets-used-in-arg-or-env/'],
  check: (resource) => {
    const view = viewOf(resource);
    const literal = literalSecrets(view);
    const properties = envAndArgs(view);
    // ARG TOKEN then ENV TOKEN=$TOKEN is one secret: the ENV, which keeps it in the image, is reported.
    const keptByEnv = new Set(properties.filter((p) => p.keyword === 'ENV' && p.inFinalImage && p.value !== undefined).flatMap((p) => [...p.value!.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1])));
    return properties.flatMap((p) => {
      if (!p.inFinalImage || !isSecretName(p.name) || literal.has(p.pointer)) return [];
      if (p.keyword === 'ARG' && keptByEnv.has(p.name)) return [];
      // Build arguments reach the history through the RUNs after them in their stage: none, nothing recorded.
      const index = Number(/\/instructions\/(\d+)\//.exec(p.pointer)?.[1] ?? -1);
      if (p.keyword === 'ARG' && !p.stage?.instructions.slice(index + 1).some((i) => i.keyword === 'RUN')) return [];
      // ENV SECRET= (empty) clears it; only a value taken from elsewhere passes one through.
      if (p.keyword === 'ENV' && (p.value === undefined || !p.value.includes('$'))) return [];
      const how = p.keyword === 'ARG' ? 'a build argument, recorded in the image history by the RUNs after it' : `an environment variable set from ${p.value}, kept in the image configuration`;
      return [{ path: p.pointer, message: `${p.name} is passed as ${how}` }];
    });
  },
  examples: {
    valid: [
      dockerfile(`
        # syntax=docker/dockerfile:1
        FROM node:20-slim
        RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci`),
      dockerfile(`
        FROM node:20 AS build
        ARG NPM_TOKEN
        RUN npm ci
        FROM node:20-slim
        COPY --from=build /app /app`),
      // No RUN after the ARG: nothing records it.
      dockerfile(`
        FROM node:20-slim
        RUN npm ci
        ARG SENTRY_AUTH_TOKEN
        COPY . /app`),
    ],
    invalid: [
      {
        manifest: dockerfile(`
          FROM node:20-slim
          ARG NPM_TOKEN
          ENV NPM_TOKEN=\${NPM_TOKEN}
          RUN npm ci`),
        expect: [{ path: '/stages/0/instructions/2/properties/0', message: 'NPM_TOKEN is passed as an environment variable set from ${NPM_TOKEN}, kept in the image configuration' }],
      },
      {
        manifest: dockerfile(`
          FROM node:20-slim
          ARG NPM_TOKEN
          RUN echo "//registry.npmjs.org/:_authToken=\${NPM_TOKEN}" > .npmrc && npm ci && rm .npmrc`),
        expect: [{ path: '/stages/0/instructions/1/properties/0', message: 'NPM_TOKEN is passed as a build argument' }],
      },
    ],
  },
});
