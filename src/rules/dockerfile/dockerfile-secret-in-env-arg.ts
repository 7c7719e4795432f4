import { defineRule } from '../define.js';
import { detectSecrets } from '../../core/secrets-detect.js';
import { describeHit } from '../../core/redact.js';
import { APPLIES_TO, DOCKERFILE_REFERENCE, dockerfile, envAndArgs, viewOf } from './shared.js';
import { FAKE_GITHUB_TOKEN, join } from '../secrets/shared.js';

/** The secret-detector hits of ENV and ARG values, shared with dockerfile-secret-build-arg so one cause gives one finding. */
export function literalSecrets(view: Parameters<typeof envAndArgs>[0]): Map<string, ReturnType<typeof detectSecrets>> {
  const hits = new Map<string, ReturnType<typeof detectSecrets>>();
  for (const p of envAndArgs(view)) {
    if (p.value === undefined || p.value.trim() === '') continue;
    const found = detectSecrets(p.name, p.value);
    if (found.length > 0) hits.set(p.pointer, found);
  }
  return hits;
}

export const dockerfileSecretInEnvArg = defineRule({
  id: 'dockerfile-secret-in-env-arg',
  title: 'Credential written in ENV or ARG',
  severity: 'high',
  category: 'dockerfile',
  tags: ['dockerfile', 'secrets', 'security'],
  appliesTo: APPLIES_TO,
  description:
    'An ENV or ARG holds a literal credential: a value of a known format (cloud keys, tokens, private keys, URLs with a ' +
    'password) or a random-looking value under a secret-like name (API_TOKEN, DB_PASSWORD). It is in the Dockerfile, so in ' +
    'source control; an ENV is also in the image configuration every puller can read, and an ARG used by a RUN is in the ' +
    'image history. Every stage counts: the file itself leaks it. Placeholders, references (`$OTHER`, file paths) and digests ' +
    'are not reported. kshield\'s secret detector decides, the same as for manifests; the message gives the length class of ' +
    'the value, never the value.',
  remediation:
    'Rotate the credential, remove it from the Dockerfile and its history, and pass it at build time as a BuildKit secret ' +
    '(`RUN --mount=type=secret,id=npm_token ...`, `docker build --secret id=npm_token,env=NPM_TOKEN`) or at run time from a Kubernetes Secret.',
  references: [`${DOCKERFILE_REFERENCE}#run---mounttypesecret`, 'https://docs.docker.com/build/building/secrets/', 'https://docs.docker.com/reference/build-checks/secrets-used-in-arg-or-env/'],
  check: (resource) => {
    const view = viewOf(resource);
    const hits = literalSecrets(view);
    return envAndArgs(view).flatMap((p) => {
      const found = hits.get(p.pointer);
      return found ? [{ path: `${p.pointer}/value`, message: `${p.keyword} ${p.name} holds ${describeHit(found[0])}` }] : [];
    });
  },
  examples: {
    valid: [
      dockerfile(`
        FROM python:3.12-slim
        ENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D
        ENV DB_PASSWORD_FILE=/run/secrets/db-password
        ARG NPM_TOKEN
        ENV API_TOKEN=changeme`),
    ],
    invalid: [
      {
        manifest: dockerfile(`
          FROM node:20-slim
          ARG GITHUB_TOKEN=${FAKE_GITHUB_TOKEN}
          ENV DB_PASSWORD=${join('Xk9', '#mP2vL', '7qR')} \\
              DB_USER=app`),
        expect: [
          { path: '/stages/0/instructions/1/properties/0/value', message: 'ARG GITHUB_TOKEN holds a GitHub' },
          { path: '/stages/0/instructions/2/properties/0/value', message: 'ENV DB_PASSWORD holds a literal credential' },
        ],
      },
    ],
  },
});
