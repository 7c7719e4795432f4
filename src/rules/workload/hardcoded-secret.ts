import { IMAGE, deployment } from '../examples.js';
import type { Violation } from '../../core/types.js';
import { type ContainerView } from '../../k8s/pods.js';
import { defineRule, perContainer, describeContainer } from '../define.js';
import { asArray, isObject, asString } from '../../core/values.js';
import { hasUrlPassword, isNamedSecretValue, isSecretName, matchCredentialPattern } from '../../core/secrets-detect.js';
import { describeHit, describeLength } from '../../core/redact.js';
import { SECRETS_GOOD_PRACTICES, scalarText } from './shared.js';

const SECRET_DOC = 'https://kubernetes.io/docs/concepts/configuration/secret/';

interface SecretFlag {
  /** Index of the token holding the value. */
  index: number;
  /** The flag as written ("--password"); undefined for a URL password or a known credential format. */
  flag?: string;
  /** What was found, and the credential itself (for its length class only). */
  label: string;
  secret: string;
}

function unquote(token: string): string {
  const m = /^(['"])(.*)\1$/s.exec(token);
  return m ? m[2] : token.replace(/^['"]|['"]$/g, '');
}

/** The password part of a URL token, for its length class. */
function urlPasswordOf(value: string): string {
  return /:\/\/[^\s/@:]*:([^\s/@]+)@/.exec(value)?.[1] ?? value;
}

/** Command-line tokens that carry a literal secret: --flag=value, --flag value, a URL with a password, or a known credential format. */
function secretFlags(tokens: string[]): SecretFlag[] {
  const hits: SecretFlag[] = [];
  tokens.forEach((token, i) => {
    if (token === '') return;
    const joined = /^(--?[A-Za-z][A-Za-z0-9_.-]*)=(.*)$/s.exec(token);
    const value = joined ? unquote(joined[2]) : token;
    if (hasUrlPassword(value)) {
      hits.push({ index: i, label: 'a URL with an embedded password', secret: urlPasswordOf(value) });
      return;
    }
    const previous = i > 0 ? tokens[i - 1] : '';
    const flag = joined ? joined[1] : /^--?[A-Za-z][A-Za-z0-9_.-]*$/.test(previous) && !token.startsWith('-') ? previous : undefined;
    if (flag !== undefined && isSecretName(flag) && isNamedSecretValue(value)) {
      hits.push({ index: i, flag, label: 'a literal value', secret: value.trim() });
      return;
    }
    const known = matchCredentialPattern(value);
    if (known) hits.push({ index: i, label: known.label, secret: known.secret });
  });
  return hits;
}

/** Literal secrets in a container's env and command line; messages name the place and the value's length class, never the value. */
function hardcodedSecrets(c: ContainerView): Omit<Violation, 'container'>[] {
  const out: Omit<Violation, 'container'>[] = [];
  const who = describeContainer(c);
  asArray(c.container.env).forEach((item, i) => {
    if (!isObject(item) || item.valueFrom !== undefined) return;
    const name = asString(item.name);
    const value = scalarText(item.value);
    if (name === undefined || value === undefined) return;
    const path = `${c.path}/env/${i}/value`;
    const known = matchCredentialPattern(value);
    if (hasUrlPassword(value))
      out.push({ path, message: `${who} sets env var ${name} to a URL with an embedded password (${describeLength(urlPasswordOf(value.trim()))})` });
    else if (isSecretName(name) && isNamedSecretValue(value))
      out.push({ path, message: `${who} sets env var ${name} to a literal value that looks like a secret (${describeLength(value.trim())})` });
    else if (known) out.push({ path, message: `${who} sets env var ${name} to ${describeHit(known)}` });
  });
  for (const field of ['command', 'args'] as const) {
    const items = asArray(c.container[field]);
    const report = (i: number, hit: SecretFlag, inside: boolean): void => {
      const where = `${field}[${i}]${inside ? ', inside a shell command' : ''}`;
      const what = hit.flag === undefined ? hit.label : `a literal value for ${hit.flag}`;
      out.push({ path: `${c.path}/${field}/${i}`, message: `${who} passes ${what} on its command line (${where}; ${describeLength(hit.secret)})` });
    };
    // Exec form: one argument per item, a flag's value may be the next item.
    const plain = items.map((item) => (typeof item === 'string' && !/\s/.test(item) ? item : ''));
    for (const hit of secretFlags(plain)) report(hit.index, hit, false);
    // Shell form ("sh -c '... --password=x'"): the words of one item.
    items.forEach((item, i) => {
      if (typeof item !== 'string' || !/\s/.test(item)) return;
      for (const hit of secretFlags(item.split(/\s+/).map(unquote))) report(i, hit, true);
    });
  }
  return out;
}

// ============================== Secrets in the spec ==============================
export const hardcodedSecret = defineRule({
  id: 'hardcoded-secret',
  title: 'Secret written into the pod spec',
  severity: 'high',
  category: 'secrets',
  tags: ['security', 'secrets'],
  appliesTo: 'workloads',
  description:
    'A password, token or key written as an env value or command-line flag in the manifest is readable by anyone who ' +
    'can read the manifest, the Git history or the workload object (far more people than can read Secrets). Flagged ' +
    'are variables and flags whose name denotes a secret (PASSWORD, TOKEN, API_KEY, CLIENT_SECRET, ...) with a literal ' +
    'value, URLs with an embedded password, and values of any name in a well-known credential format (private keys, ' +
    'cloud access keys, JWTs, GitHub/GitLab/Slack/Stripe/npm/Google tokens, ...). Placeholders, $(VAR) references and ' +
    'file paths are ignored. Findings name the variable and the value\'s length class ("16 to 31 characters"), never the value or anything computed from it.',
  remediation: 'Move the value into a Secret and reference it with env[].valueFrom.secretKeyRef, or better mount it as a file; rotate the exposed credential.',
  references: [SECRETS_GOOD_PRACTICES, SECRET_DOC],
  check: (resource) => perContainer(resource, hardcodedSecrets),
  examples: {
    valid: [
      deployment(`
          containers:
          - name: api
            image: ${IMAGE}
            env:
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef: {name: api-db, key: password}
            - name: DB_PASSWORD_FILE
              value: /run/secrets/db/password
            - name: TOKEN_TTL
              value: "3600"
            - name: DATABASE_URL
              value: postgres://api@db.shop.svc:5432/api
            - name: TLS_CA
              value: |
                -----BEGIN CERTIFICATE-----
                TUlJQmtUQ0IrUUlKQUxleGFtcGxlLWNlcnRpZmljYXRlLW5vdC1hLWtleQ==
                -----END CERTIFICATE-----
        `),
    ],
    invalid: [
      {
        manifest: deployment(`
          containers:
          - name: api
            image: ${IMAGE}
            env:
            - name: STRIPE_API_KEY
              value: sk_live_51HxExampleNotReal
        `),
        expect: ['/spec/template/spec/containers/0/env/0/value'],
      },
      {
        manifest: deployment(`
          containers:
          - name: api
            image: ${IMAGE}
            args: ["--db-password=s3cr3t-Example", "--port=8080"]
            env:
            - name: DATABASE_URL
              value: postgres://api:s3cr3t-Example@db.shop.svc:5432/api
        `),
        expect: ['/spec/template/spec/containers/0/env/0/value', '/spec/template/spec/containers/0/args/0'],
      },
      {
        manifest: deployment(`
          containers:
          - name: api
            image: ${IMAGE}
            env:
            - name: GITHUB_APP_PEM
              value: '${['-----BEGIN ', 'RSA PRIVATE KEY-----'].join('')}\\nTm90QVJlYWxLZXkuSnVzdEFuRXhhbXBsZUZvcktzaGllbGQuTm90QVJlYWxLZXk=\\n${['-----END ', 'RSA PRIVATE KEY-----'].join('')}'
        `),
        expect: ['/spec/template/spec/containers/0/env/0/value'],
      },
    ],
  },
});
