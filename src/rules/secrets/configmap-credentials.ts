import type { Violation } from '../../core/types.js';
import { defineRule } from '../define.js';
import { asObject } from '../../core/values.js';
import { escapePointerToken } from '../../core/pointer.js';
import { decodeBase64Text, detectSecrets } from '../../core/secrets-detect.js';
import { describeHit } from '../../core/redact.js';
import { configMap } from '../examples.js';
import { FAKE_GITHUB_TOKEN, FAKE_PEM, SECRETS_GOOD_PRACTICES, b64, join, scalarText, subject } from './shared.js';

const CONFIGMAP_DOC = 'https://kubernetes.io/docs/concepts/configuration/configmap/';

/** A fake Azure storage account key (64 bytes in base64), in pieces. */
const FAKE_AZURE_KEY = join('a3NoaWVsZC1leGFtcGxlLW5vdC1h', 'LXJlYWwtYXp1cmUtc3RvcmFnZS1r', 'ZXktMDAwMDAwMDAwMDAwMDAwMDAw', 'MDAwMA==');

const indented = (text: string, n: number): string => text.split('\n').map((l) => ' '.repeat(n) + l).join('\n');

/** Hits in one ConfigMap value; binaryData is decoded first. */
function configMapHits(field: 'data' | 'binaryData', key: string, raw: string) {
  if (field === 'data') return detectSecrets(key, raw);
  const text = decodeBase64Text(raw, 4);
  return text === undefined ? [] : detectSecrets(key, text, { decode: false }).map((h) => ({ ...h, decoded: true }));
}

export const configmapCredentials = defineRule({
  id: 'configmap-credentials',
  title: 'ConfigMap holds a credential',
  severity: 'high',
  category: 'secrets',
  tags: ['security', 'secrets'],
  appliesTo: ['ConfigMap'],
  description:
    'ConfigMaps are not meant for confidential data: they are readable by far more users and controllers than Secrets, are ' +
    'not encrypted at rest, and are committed and printed freely. Reported are values in a well-known credential format ' +
    '(private keys, AWS keys, Google service account JSON, JWTs, GitHub/GitLab/Slack/Stripe/npm/Google/SendGrid/OpenAI tokens, ' +
    '...), URLs with an embedded password, literal values under keys named like a secret (password, token, api_key, ' +
    'client_secret, ...; at least 6 characters and 2.0 bits of entropy per character, placeholders and ${VAR} references ' +
    'excepted), and such settings inside embedded config files (properties, .env, YAML, JSON). Base64 values and binaryData ' +
    'are decoded before matching. The finding names the key (and the setting and line inside it) and the value\'s length class, never the value.',
  remediation: 'Move the credential into a Secret (delivered by a secret manager, not committed) and rotate it; keep only non-confidential settings in the ConfigMap.',
  references: [CONFIGMAP_DOC, SECRETS_GOOD_PRACTICES],
  check: (resource) => {
    const out: Violation[] = [];
    for (const field of ['data', 'binaryData'] as const) {
      const map = asObject(resource.object[field]);
      if (!map) continue;
      for (const [key, raw] of Object.entries(map)) {
        const text = scalarText(raw);
        if (text === undefined) continue;
        for (const hit of configMapHits(field, key, text))
          out.push({ path: `/${field}/${escapePointerToken(key)}`, message: `${subject(resource)} key ${JSON.stringify(key)} holds ${describeHit(hit)}` });
      }
    }
    return out;
  },
  examples: {
    valid: [
      configMap(`
        data:
          LOG_LEVEL: info
          DB_HOST: postgres.shop.svc
          DB_PASSWORD_FILE: /run/secrets/db/password
          API_TOKEN: "\${API_TOKEN}"
          application.properties: |
            spring.datasource.url=jdbc:postgresql://postgres:5432/shop
            spring.datasource.password=\${DB_PASSWORD}
          AZURE_STORAGE_CONNECTION_STRING: "DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=<key>;EndpointSuffix=core.windows.net"
          ca.crt: |
            -----BEGIN CERTIFICATE-----
            TUlJQmtUQ0IrUUlKQUxleGFtcGxlLWNlcnRpZmljYXRlLW5vdC1hLWtleQ==
            -----END CERTIFICATE-----
      `),
    ],
    invalid: [
      {
        manifest: configMap(`
        data:
          DB_PASSWORD: kshield-example-not-a-real-password
      `),
        expect: ['/data/DB_PASSWORD'],
      },
      {
        manifest: configMap(`
        data:
          application.properties: |
            spring.datasource.url=jdbc:postgresql://postgres:5432/shop
            spring.datasource.password=kshield-example-not-a-real-password
      `),
        expect: ['/data/application.properties'],
      },
      {
        manifest: configMap(`
        data:
          deploy-key: |
${indented(FAKE_PEM, 12)}
          github: ${b64(`token=${FAKE_GITHUB_TOKEN}`)}
      `),
        expect: ['/data/deploy-key', '/data/github'],
      },
      {
        manifest: configMap(`
        data:
          aws_secret_access_key: kshieldExampleNotARealSecretAccessKey000
          AZURE_STORAGE_CONNECTION_STRING: "DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=${FAKE_AZURE_KEY};EndpointSuffix=core.windows.net"
          signing-key: "${FAKE_PEM.replace(/\n/g, '\\\\n')}"
      `, 'cloud-settings'),
        expect: ['/data/aws_secret_access_key', '/data/AZURE_STORAGE_CONNECTION_STRING', '/data/signing-key'],
      },
    ],
  },
});
