import { defineRule } from '../define.js';
import { credentialsInText, describeHit } from '../../core/redact.js';
import { APPLIES_TO, DOCKERFILE_REFERENCE, allInstructions, dockerfile, viewOf } from './shared.js';
import { FAKE_GITHUB_TOKEN, join } from '../secrets/shared.js';

export const dockerfileSecretInRun = defineRule({
  id: 'dockerfile-secret-in-run',
  title: 'Credential written in a RUN instruction',
  severity: 'high',
  category: 'dockerfile',
  tags: ['dockerfile', 'secrets', 'security'],
  appliesTo: APPLIES_TO,
  description:
    'A RUN instruction (its command line or a heredoc script) holds a literal credential: a value of a known format (cloud ' +
    'keys, tokens, private keys, URLs with a password) or the password of `curl -u user:password`. It is in the Dockerfile, ' +
    'so in source control, and the builder records the RUN line in the image history every puller can read. Every stage ' +
    'counts: the file itself leaks it. Variables (`$TOKEN`) are not credentials; the message gives the kind and length class, ' +
    'never the value. ENV and ARG values are `dockerfile-secret-in-env-arg`.',
  remediation:
    'Rotate the credential, remove it from the Dockerfile, and give it to the build as a BuildKit secret (`RUN --mount=type=secret,id=token ...`, `docker build --secret id=token,env=TOKEN`).',
  references: [`${DOCKERFILE_REFERENCE}#run---mounttypesecret`, 'https://docs.docker.com/build/building/secrets/'],
  check: (resource) =>
    allInstructions(viewOf(resource)).flatMap(({ instruction, pointer }) => {
      if (instruction.keyword !== 'RUN') return [];
      const text = [instruction.arguments.join(' '), ...(instruction.heredocs ?? []).map((h) => h.content)].join('\n');
      const hits = credentialsInText(text);
      if (hits.length === 0) return [];
      const kinds = [...new Set(hits.map((h) => describeHit(h)))];
      return [{ path: pointer, message: `RUN holds ${kinds.join(', ')}; the line is in the Dockerfile and in the image history` }];
    }),
  examples: {
    valid: [
      dockerfile(`
        FROM debian:12-slim
        RUN --mount=type=secret,id=token curl -fsSL -H "Authorization: Bearer $(cat /run/secrets/token)" https://example.com/a.tgz -o /a.tgz
        RUN curl -u "$USER:$PASS" https://example.com/b.tgz -o /b.tgz`),
    ],
    invalid: [
      {
        manifest: dockerfile(`
          FROM debian:12-slim
          RUN curl -fsSL -H "Authorization: token ${FAKE_GITHUB_TOKEN}" https://example.com/install.sh | sh
          RUN curl -u deploy:${join('Sup3r', 'S3cret', '!x')} https://example.com/c.tgz -o /c.tgz`),
        expect: [
          { path: '/stages/0/instructions/1', message: 'RUN holds a GitHub' },
          { path: '/stages/0/instructions/2', message: 'RUN holds a password given with -u/--user' },
        ],
      },
    ],
  },
});
