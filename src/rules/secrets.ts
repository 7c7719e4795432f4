/**
 * Secrets hygiene: credentials committed with the manifests (Secret objects with real data,
 * ConfigMaps and annotations holding credential-like values) and legacy service account token
 * Secrets. Literal secrets in env values and command lines are `hardcoded-secret`, Secrets read
 * into env vars are `secret-as-env-var` (both in workload.ts); all of them share one detector,
 * src/core/secrets-detect.ts.
 *
 * A message never contains a value, nor any part of one, nor anything computed from it but its
 * length class: it names the key (see src/core/redact.ts).
 *
 * These rules judge only the payload of the object they check, as the engine contract requires:
 * other objects may reach a rule with their payload stripped.
 */
import type { Rule } from '../engine/rule.js';
import type { JsonObject, Resource, Violation } from '../core/types.js';
import { defineRule } from './define.js';
import { asObject, asString } from '../core/values.js';
import { podSpecs } from '../k8s/pods.js';
import { escapePointerToken } from '../core/pointer.js';
import { decodeBase64Text, decodeSecretData, detectSecretObjectValue, detectSecrets, isLiteralSecretValue } from '../core/secrets-detect.js';
import { describeHit, describeKeyValue } from '../core/redact.js';
import { dedent } from './examples.js';

const SECRET_DOC = 'https://kubernetes.io/docs/concepts/configuration/secret/';
const SECRETS_GOOD_PRACTICES = 'https://kubernetes.io/docs/concepts/security/secrets-good-practices/';
const CONFIGMAP_DOC = 'https://kubernetes.io/docs/concepts/configuration/configmap/';
const SA_TOKEN_SECRET_DOC = 'https://kubernetes.io/docs/concepts/configuration/secret/#serviceaccount-token-secrets';
const LEGACY_TOKEN_CLEANUP = 'https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/#auto-generated-legacy-serviceaccount-token-clean-up';
const SEALED_SECRETS = 'https://github.com/bitnami-labs/sealed-secrets';
const EXTERNAL_SECRETS = 'https://external-secrets.io/';

/** Annotations of kshield itself: suppressions and reasons, never credentials. */
const OWN_ANNOTATION = /^kshield\.io\//;

// ---------------------------------------------------------------------------------------------
// Fake credentials for the examples, assembled from pieces so that no complete token sits in the
// source (secret scanners of code hosts would flag it) while the detectors still recognise them.

const join = (...parts: string[]): string => parts.join('');
const FAKE_PEM_BODY = 'Tm90QVJlYWxLZXkuSnVzdEFuRXhhbXBsZUZvcktzaGllbGQuTm90QVJlYWxLZXkuSnVzdEFuRXhhbXBsZQ==';
const FAKE_PEM = join('-----BEGIN ', 'PRIVATE KEY-----\n', FAKE_PEM_BODY, '\n-----END ', 'PRIVATE KEY-----');
const FAKE_GITHUB_TOKEN = join('gh', 'p_', 'kshieldExampleNotARealToken', '000000000');
const FAKE_AWS_KEY_ID = join('AK', 'IA', 'KSHIELDEXAMPLE00');
/** A fake Azure storage account key (64 bytes in base64), in pieces. */
const FAKE_AZURE_KEY = join('a3NoaWVsZC1leGFtcGxlLW5vdC1h', 'LXJlYWwtYXp1cmUtc3RvcmFnZS1r', 'ZXktMDAwMDAwMDAwMDAwMDAwMDAw', 'MDAwMA==');
/** A random-looking session key (high entropy, no vendor format). */
const FAKE_RANDOM = join('kS7hQ2', 'eXmP9l', 'Ev4Nr8', 'tZ3aW6');

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const indented = (text: string, n: number): string => text.split('\n').map((l) => ' '.repeat(n) + l).join('\n');

function secret(body: string, name = 'api-credentials', type = 'Opaque'): string {
  return `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: shop\ntype: ${type}\n${dedent(body)}\n`;
}

function configMap(body: string, name = 'api-settings'): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: shop\n${dedent(body)}\n`;
}

// ---------------------------------------------------------------------------------------------

function subject(resource: Resource): string {
  return `${resource.kind} "${resource.name}"`;
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Whether a Secret value (decoded) is data at all rather than an empty value, placeholder, template or public certificate. */
function isRealSecretValue(value: string | Buffer): boolean {
  if (typeof value !== 'string') return value.length > 0;
  // tls.crt and ca.crt hold certificates, and public keys are public; a private key kept with them
  // is reported on its own key.
  if (/-----BEGIN (?:CERTIFICATE|(?:[A-Z0-9]+ )?PUBLIC KEY)-----/.test(value) && !/PRIVATE KEY-----/.test(value)) return false;
  if (/^(?:ssh-(?:rsa|ed25519|dss)|ecdsa-sha2-[a-z0-9]+|sk-ssh-ed25519@openssh\.com) AAAA[A-Za-z0-9+/=]+(?: [^\n]*)?\s*$/.test(value)) return false;
  return isLiteralSecretValue(value);
}

/** A `data` value as the workload will see it: text when it decodes to UTF-8, bytes otherwise, the raw text when it is not base64. */
function decodedData(raw: string): string | Buffer {
  const bytes = decodeSecretData(raw);
  if (bytes === undefined) return raw;
  const text = bytes.toString('utf8');
  return text.includes('\uFFFD') ? bytes : text;
}

interface SecretEntry {
  field: 'data' | 'stringData';
  key: string;
  value: string | Buffer;
  /** What makes it a credential; undefined for configuration without credentials. */
  credential?: string;
}

/**
 * Every key of a Secret that holds data, judged by the shared detector (detectSecretObjectValue):
 * a credential, or configuration without one. Empty values, placeholders, templates and
 * certificates are left out. Never holds a value in `credential`, only a description with the
 * value's length class.
 */
function secretEntries(resource: Resource): SecretEntry[] {
  const out: SecretEntry[] = [];
  for (const field of ['data', 'stringData'] as const) {
    const map = asObject(resource.object[field]);
    if (!map) continue;
    for (const [key, raw] of Object.entries(map)) {
      const text = scalarText(raw);
      if (text === undefined) continue;
      const value = field === 'data' ? decodedData(text) : text;
      if (!isRealSecretValue(value)) continue;
      if (typeof value !== 'string') {
        out.push({ field, key, value, credential: `binary data, which cannot be read as text (a keystore, keytab or raw key): ${describeKeyValue(key, value)}` });
        continue;
      }
      const hit = detectSecretObjectValue(key, value)[0];
      if (!hit) out.push({ field, key, value });
      else if (hit.kind === 'named-value' && hit.setting === undefined && hit.secret === value.trim())
        out.push({ field, key, value, credential: `a literal credential under a secret-named key: ${describeKeyValue(key, value)}` });
      else if (hit.setting === undefined && hit.line === undefined && !hit.decoded)
        out.push({ field, key, value, credential: `${hit.label}: ${describeKeyValue(key, value)}` });
      else out.push({ field, key, value, credential: `key ${JSON.stringify(key)} holds ${describeHit(hit)}` });
    }
  }
  return out;
}

const secretDataRule = defineRule({
  id: 'secret-data-committed',
  title: 'Secret with a credential committed in a manifest',
  severity: 'high',
  category: 'secrets',
  tags: ['security', 'secrets'],
  appliesTo: ['Secret'],
  frameworks: { cis: ['5.4.2'] },
  description:
    'A Secret manifest carries its values in data (base64, which is an encoding, not encryption) or stringData. Committed ' +
    'to Git, they are readable by everyone with access to the repository, its forks, clones and CI logs, forever. Reported is ' +
    'each key whose value is a credential: a known credential format (private keys, cloud keys, tokens), a URL with a password, ' +
    'a literal under a key named like a secret or like key material (password, token, api-key, tls.key, auth: at least 4 ' +
    'characters), a config file with such a setting (admin_password = ...), a registry auth entry, a high-entropy token, or binary ' +
    'data. Configuration without credentials (a Grafana ini, a datasource URL, an Alertmanager route) is not, and is left to the ' +
    'info rule secret-committed. Empty values, placeholders ("changeme", "<password>", "REPLACE_ME", "xxxx"), template references ' +
    '("${VAR}", "{{ .Values.x }}"), SOPS ciphertext ("ENC[...]") and PEM certificates (tls.crt, ca.crt: public) are not data at all. ' +
    '`data` values are base64-decoded before they are judged. The finding names the key and the value\'s length class ' +
    '("16 to 31 characters"), never the value or anything computed from it.',
  remediation:
    'Remove the values from the repository and rotate them. Deliver Secrets from a secret manager (External Secrets Operator, ' +
    'the Secrets Store CSI driver), commit them encrypted (Sealed Secrets, SOPS), or generate them at deploy time.',
  references: [SECRETS_GOOD_PRACTICES, SECRET_DOC, SEALED_SECRETS, EXTERNAL_SECRETS],
  check: (resource) =>
    secretEntries(resource)
      .filter((e) => e.credential !== undefined)
      .map((e) => ({ path: `/${e.field}/${escapePointerToken(e.key)}`, message: `${subject(resource)} commits ${e.credential} (in ${e.field})` })),
  examples: {
    valid: [
      secret(`
        stringData:
          DB_USER: ""
          DB_PASSWORD: "<changeme>"
          API_TOKEN: "\${API_TOKEN}"
      `),
      secret(`
        data:
          password: ""
      `),
      // Configuration without credentials (kube-prometheus ships Grafana's settings as a Secret): secret-committed, info.
      secret(`
        stringData:
          grafana.ini: |
            [date_formats]
            default_timezone = UTC
          datasources.yaml: |
            datasources:
            - name: prometheus
              type: prometheus
              url: http://prometheus-k8s.monitoring.svc:9090
      `, 'grafana-config'),
    ],
    invalid: [
      secret(`
        stringData:
          DB_PASSWORD: kshield-example-not-a-real-password
      `),
      secret(`
        data:
          tls.crt: ${b64('-----BEGIN CERTIFICATE-----\nexample\n-----END CERTIFICATE-----')}
          tls.key: ${b64(FAKE_PEM)}
      `, 'shop-tls', 'kubernetes.io/tls'),
      secret(`
        stringData:
          grafana.ini: |
            [security]
            admin_user = admin
            admin_password = kshield-example
      `, 'grafana-config'),
      secret(`
        stringData:
          session-signing: ${FAKE_RANDOM}
      `, 'web-session'),
    ],
  },
});

const secretCommittedRule = defineRule({
  id: 'secret-committed',
  title: 'Secret committed in a manifest (no credential recognised)',
  severity: 'info',
  category: 'secrets',
  tags: ['secrets'],
  appliesTo: ['Secret'],
  description:
    'A Secret manifest with data in which no credential was recognised: configuration such as a Grafana ini, a datasource file ' +
    'without a password, or an Alertmanager routing file. It is not a leaked credential, but whatever is added to it later ' +
    'will be committed too, readable by everyone with the repository. One finding per Secret, and none when secret-data-committed ' +
    'reports a credential in it.',
  remediation: 'Keep it if the values are not confidential (a ConfigMap says so more clearly), or deliver the Secret from a secret manager or in encrypted form.',
  references: [SECRETS_GOOD_PRACTICES, SECRET_DOC],
  check: (resource) => {
    const entries = secretEntries(resource);
    if (entries.length === 0 || entries.some((e) => e.credential !== undefined)) return [];
    const keys = entries.map((e) => JSON.stringify(e.key));
    const shown = keys.length > 5 ? `${keys.slice(0, 5).join(', ')} and ${keys.length - 5} more` : keys.join(', ');
    return [{ path: `/${entries[0].field}`, message: `${subject(resource)} is committed with data (${keys.length === 1 ? 'key' : 'keys'} ${shown}) in which no credential was recognised` }];
  },
  examples: {
    valid: [secret('stringData:\n  DB_PASSWORD: "<changeme>"'), secret('stringData:\n  DB_PASSWORD: kshield-example-not-a-real-password')],
    invalid: [
      secret(`
        stringData:
          alertmanager.yaml: |
            route:
              receiver: default
              group_by: [namespace]
            receivers:
            - name: default
      `, 'alertmanager-main'),
    ],
  },
});

/** Hits in one ConfigMap value; binaryData is decoded first. */
function configMapHits(field: 'data' | 'binaryData', key: string, raw: string) {
  if (field === 'data') return detectSecrets(key, raw);
  const text = decodeBase64Text(raw, 4);
  return text === undefined ? [] : detectSecrets(key, text, { decode: false }).map((h) => ({ ...h, decoded: true }));
}

const configMapRule = defineRule({
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
      configMap(`
        data:
          DB_PASSWORD: kshield-example-not-a-real-password
      `),
      configMap(`
        data:
          application.properties: |
            spring.datasource.url=jdbc:postgresql://postgres:5432/shop
            spring.datasource.password=kshield-example-not-a-real-password
      `),
      configMap(`
        data:
          deploy-key: |
${indented(FAKE_PEM, 12)}
          github: ${b64(`token=${FAKE_GITHUB_TOKEN}`)}
      `),
      configMap(`
        data:
          aws_secret_access_key: kshieldExampleNotARealSecretAccessKey000
          AZURE_STORAGE_CONNECTION_STRING: "DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=${FAKE_AZURE_KEY};EndpointSuffix=core.windows.net"
          signing-key: "${FAKE_PEM.replace(/\n/g, '\\\\n')}"
      `, 'cloud-settings'),
    ],
  },
});

interface AnnotationSite {
  annotations: JsonObject;
  path: string;
  where: string;
}

function annotationSites(resource: Resource): AnnotationSite[] {
  const sites: AnnotationSite[] = [];
  const own = asObject(asObject(resource.object.metadata)?.annotations);
  if (own) sites.push({ annotations: own, path: '/metadata/annotations', where: '' });
  for (const pod of podSpecs(resource)) {
    const a = asObject(pod.metadata?.annotations);
    if (a) sites.push({ annotations: a, path: `${pod.metadataPath}/annotations`, where: ' (pod template)' });
  }
  return sites;
}

const annotationRule = defineRule({
  id: 'annotation-credentials',
  title: 'Annotation holds a credential',
  severity: 'high',
  category: 'secrets',
  tags: ['security', 'secrets'],
  appliesTo: 'all',
  description:
    'Annotations are plain metadata: every user and controller allowed to list the object reads them, and they are copied ' +
    'into events, logs and backups. Reported are annotation values (on the object or its pod template) in a well-known ' +
    'credential format, URLs with an embedded password, and literal values of annotations named like a secret (…/api-token, ' +
    '…/password); base64 values are decoded first. kubectl.kubernetes.io/last-applied-configuration is searched too: `kubectl ' +
    'apply` copies a whole object, Secret data included, into it. Digests (checksum/secret) are not credentials and are skipped.',
  remediation: 'Move the credential into a Secret that the consumer reads, rotate it, and remove the annotation.',
  references: ['https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations/', SECRETS_GOOD_PRACTICES],
  check: (resource) => {
    const out: Violation[] = [];
    for (const site of annotationSites(resource)) {
      for (const [key, raw] of Object.entries(site.annotations)) {
        if (OWN_ANNOTATION.test(key)) continue;
        const text = asString(raw);
        if (text === undefined) continue;
        for (const hit of detectSecrets(key, text))
          out.push({ path: `${site.path}/${escapePointerToken(key)}`, message: `${subject(resource)} annotation ${JSON.stringify(key)}${site.where} holds ${describeHit(hit)}` });
      }
    }
    return out;
  },
  examples: {
    valid: [
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
    example.com/api-token-secret-name: web-api-token
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations:
        checksum/secret: 3f2a9c1de0b8a7f6e5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2918aa01
    spec:
      containers: [{name: web, image: registry.example.com/web:1.4.2}]
`,
    ],
    invalid: [
      `apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
  annotations:
    monitoring.example.com/api-token: kshield-example-not-a-real-token
spec:
  selector: {app: web}
  ports: [{port: 80}]
`,
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: builder
  namespace: shop
spec:
  selector: {matchLabels: {app: builder}}
  template:
    metadata:
      labels: {app: builder}
      annotations:
        ci.example.com/clone-credentials: ${FAKE_GITHUB_TOKEN}
    spec:
      containers: [{name: builder, image: registry.example.com/builder:2.0.0}]
`,
      `apiVersion: v1
kind: ConfigMap
metadata:
  name: uploader
  namespace: shop
  annotations:
    uploader.example.com/aws-key-id: ${FAKE_AWS_KEY_ID}
data:
  BUCKET: shop-uploads
`,
    ],
  },
});

const legacyTokenRule = defineRule({
  id: 'legacy-service-account-token-secret',
  title: 'Long-lived service account token Secret',
  severity: 'medium',
  category: 'secrets',
  tags: ['security', 'secrets', 'service-accounts'],
  appliesTo: ['Secret'],
  description:
    'A Secret of type kubernetes.io/service-account-token makes the control plane mint a token for the named service account ' +
    'that never expires and is not bound to any pod: whoever reads the Secret holds the account\'s permissions until the ' +
    'Secret is deleted. Since Kubernetes 1.24 pods get short-lived, automatically rotated tokens through the TokenRequest API ' +
    'instead, and unused legacy token Secrets are cleaned up.',
  remediation: 'Delete the Secret; use projected service account tokens in pods, or `kubectl create token` (TokenRequest) for short-lived tokens outside the cluster.',
  references: [SA_TOKEN_SECRET_DOC, LEGACY_TOKEN_CLEANUP],
  check: (resource) => {
    if (resource.object.type !== 'kubernetes.io/service-account-token') return [];
    const account = asString(asObject(asObject(resource.object.metadata)?.annotations)?.['kubernetes.io/service-account.name']);
    return [{ path: '/type', message: `${subject(resource)} is a long-lived token for service account ${account !== undefined ? JSON.stringify(account) : '(unnamed)'}` }];
  },
  examples: {
    valid: [secret('stringData:\n  note: ""')],
    invalid: [
      `apiVersion: v1
kind: Secret
metadata:
  name: ci-deployer-token
  namespace: shop
  annotations:
    kubernetes.io/service-account.name: ci-deployer
type: kubernetes.io/service-account-token
`,
    ],
  },
});

export const secretsRules: Rule[] = [secretDataRule, secretCommittedRule, configMapRule, annotationRule, legacyTokenRule];
