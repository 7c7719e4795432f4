import { defineRule } from '../define.js';
import { FAKE_GITHUB_TOKEN } from '../secrets/shared.js';
import { APPLIES_TO, describeHit, envSecrets, hasConfiguration, IMAGE_CONFIG_REFERENCE, imageExample, viewOf } from './shared.js';

export const imageSecretInEnv = defineRule({
  id: 'image-secret-in-env',
  title: 'A secret in the image environment',
  severity: 'high',
  category: 'container-image',
  tags: ['image', 'secrets', 'security'],
  appliesTo: APPLIES_TO,
  description:
    'An `Env` entry of the image configuration holds a credential, by its name (a password, token or key variable with a ' +
    'literal value) or by its value (a known credential format: cloud keys, tokens, private keys). Anyone who can pull the ' +
    'image can read its configuration, so the credential is as public as the image. The value is never printed.',
  remediation: 'Remove the value from ENV/ARG and rotate it: anyone who can pull the image can read its configuration. Inject secrets at run time (Kubernetes Secrets) or use build secrets (RUN --mount=type=secret).',
  references: [IMAGE_CONFIG_REFERENCE, 'https://docs.docker.com/build/building/secrets/'],
  check: (resource) => {
    const view = viewOf(resource);
    if (!hasConfiguration(view)) return [];
    return envSecrets(view).map((s) => ({
      path: `/config/Env/${s.index}`,
      message: `environment variable ${s.key} holds ${describeHit(s.hit)}; its value is readable by anyone who can pull the image`,
    }));
  },
  examples: {
    valid: [imageExample('config: {User: "10001", Env: ["PATH=/usr/local/bin:/usr/bin", "DB_PASSWORD_FILE=/run/secrets/db"]}')],
    invalid: [
      {
        manifest: imageExample(`config: {User: "10001", Env: ["PATH=/usr/bin", "GITHUB_TOKEN=${FAKE_GITHUB_TOKEN}"]}`),
        expect: [{ path: '/config/Env/1', message: 'environment variable GITHUB_TOKEN holds a GitHub' }],
      },
    ],
  },
});
