/**
 * No output of kshield may contain a secret it scanned. Fixtures full of fake credentials are
 * written at test time (assembled from pieces, so no complete token is committed for code-host
 * secret scanners to flag), then the built CLI runs with every output format, to files and to
 * standard output, with baselines, on broken input and through stdin; no value, nor any 8-character
 * piece of one, nor the leading 8 hex digits of any common digest of one (which with the length
 * would let a reader confirm a guessed weak value offline), may appear in stdout, stderr or any
 * file written.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeLength } from '../src/core/redact.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/src/cli/main.js');

/** Deterministic random-looking characters, so every fake is unique and stable between runs. */
function chars(seed: string, n: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'): string {
  let out = '';
  for (let i = 0; out.length < n; i++) {
    for (const byte of createHash('sha256').update(`${seed}:${i}`).digest()) {
      if (out.length < n) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

interface Fake {
  name: string;
  /** The full value as written into a manifest. */
  value: string;
  /** The random part: none of its 8-character windows may be printed. */
  core: string;
}

const fakes: Fake[] = [];
function fake(name: string, prefix: string, core: string, suffix = ''): string {
  fakes.push({ name, value: prefix + core + suffix, core });
  return prefix + core + suffix;
}

const pemBody = chars('pem', 256, B64);
const PEM = fake('pem', ['-----BEGIN ', 'RSA PRIVATE KEY-----\n'].join(''), pemBody.match(/.{1,64}/g)!.join('\n'), ['\n-----END ', 'RSA PRIVATE KEY-----'].join(''));
const AWS_ID = fake('aws-id', ['AK', 'IA'].join(''), chars('aws-id', 16, UPPER_DIGITS));
const AWS_SECRET = fake('aws-secret', '', chars('aws-secret', 40, B64));
const GITHUB = fake('github', ['gh', 'p_'].join(''), chars('github', 36));
const GITHUB_PAT = fake('github-pat', ['github', '_pat_'].join(''), `${chars('gp1', 22)}_${chars('gp2', 59)}`);
const GITLAB = fake('gitlab', ['gl', 'pat-'].join(''), chars('gitlab', 20));
const SLACK = fake('slack', ['xo', 'xb-'].join(''), `${chars('sl1', 12, '0123456789')}-${chars('sl2', 24)}`);
const STRIPE = fake('stripe', ['sk', '_live_'].join(''), chars('stripe', 32));
const NPM = fake('npm', ['np', 'm_'].join(''), chars('npm', 36));
const GOOGLE = fake('google', ['AI', 'za'].join(''), chars('google', 35));
const JWT = fake('jwt', '', `eyJ${chars('jwt1', 30)}.eyJ${chars('jwt2', 60)}.${chars('jwt3', 43)}`);
const PASSWORD = fake('password', '', `${chars('pw', 20)}-Horse-Battery`);
const URL_PASSWORD = fake('url-password', '', chars('urlpw', 18));
const SECRET_DATA = fake('secret-data', '', chars('secret-data', 24));
const ALIAS = fake('alias', '', chars('alias', 20));
const TAG = fake('tag', '', chars('tag', 20));
const BROKEN_LINE = fake('broken-line', '', chars('broken', 24));
const JSON_BROKEN = fake('json-broken', '', chars('json', 24));
const STDIN_SECRET = fake('stdin', '', chars('stdin', 24));
const ARG_SECRET = fake('arg', '', chars('arg', 22));
const GCP_KEY_CORE = chars('gcp', 200, B64);
fakes.push({ name: 'gcp', value: GCP_KEY_CORE, core: GCP_KEY_CORE });
const GCP_JSON = JSON.stringify({
  type: 'service_account',
  project_id: 'shop-prod',
  private_key_id: chars('gcp-id', 40, '0123456789abcdef'),
  private_key: `-----BEGIN ${'PRIVATE KEY'}-----\n${GCP_KEY_CORE}\n-----END ${'PRIVATE KEY'}-----\n`,
  client_email: 'uploader@shop-prod.iam.gserviceaccount.com',
});
fakes.push({ name: 'gcp-key-id', value: JSON.parse(GCP_JSON).private_key_id, core: JSON.parse(GCP_JSON).private_key_id });

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

// Shapes of issue 12 (items 2 and 6): a config file with a password in a Secret, a high-entropy
// value, Azure connection strings and client secrets, a one-line PEM key in an env value.
const GRAFANA_PASSWORD = fake('grafana-password', '', chars('grafana', 18));
const SESSION_KEY = fake('session-key', '', chars('session', 40));
const AZURE_ACCOUNT_KEY = fake('azure-account-key', '', chars('azure-account', 86, B64).replace(/^\//, 'Q'), '==');
const AZURE_CLIENT_SECRET = fake('azure-client-secret', ['Ab', '3', '4Q~'].join(''), chars('entra', 34));
const ONE_LINE_PEM_BODY = chars('one-line-pem', 128, B64);
fakes.push({ name: 'one-line-pem', value: ONE_LINE_PEM_BODY, core: ONE_LINE_PEM_BODY });
const ONE_LINE_PEM = `-----BEGIN ${'PRIVATE KEY'}-----\\n${ONE_LINE_PEM_BODY}\\n-----END ${'PRIVATE KEY'}-----`;

const MANIFESTS = `apiVersion: v1
kind: Secret
metadata:
  name: shop-credentials
  namespace: shop
type: Opaque
data:
  api-key: ${b64(SECRET_DATA)}
  tls.key: ${b64(PEM)}
stringData:
  password: "${PASSWORD}"
  gcp.json: '${GCP_JSON}'
---
apiVersion: v1
kind: Secret
metadata:
  name: grafana-config
  namespace: shop
stringData:
  grafana.ini: |
    [security]
    admin_password = ${GRAFANA_PASSWORD}
  session-signing: ${SESSION_KEY}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: azure-settings
  namespace: shop
data:
  storage: "DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=${AZURE_ACCOUNT_KEY};EndpointSuffix=core.windows.net"
  entra: "${AZURE_CLIENT_SECRET}"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: shop-settings
  namespace: shop
  annotations:
    ci.example.com/deploy-token: ${GITLAB}
data:
  GITHUB: ${GITHUB}
  gh-fine: ${GITHUB_PAT}
  aws.properties: |
    aws_access_key_id = ${AWS_ID}
    aws_secret_access_key = ${AWS_SECRET}
  slack: ${SLACK}
  jwt: ${JWT}
  npmrc: "//registry.npmjs.org/:_authToken=${NPM}"
  encoded: ${b64(`stripe_key=${STRIPE}`)}
binaryData:
  maps-key: ${b64(GOOGLE)}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata:
      labels: {app: api}
      annotations:
        example.com/api-token: ${STRIPE}
    spec:
      containers:
      - name: api
        image: registry.example.com/shop/api:1.0.0
        args: ["--db-password=${ARG_SECRET}"]
        env:
        - {name: DB_PASSWORD, value: "${PASSWORD}"}
        - {name: DATABASE_URL, value: "postgres://api:${URL_PASSWORD}@db:5432/api"}
        - {name: UPLOAD_CREDENTIALS, value: '${GCP_JSON}'}
        - {name: GH, value: ${GITHUB}}
        - {name: JWT_ISSUER, value: '${ONE_LINE_PEM}'}
---
apiVersion: v1
kind: Secret
metadata:
  name: suppressed-credentials
  namespace: shop
  annotations:
    kshield.io/ignore: secret-data-committed
    kshield.io/ignore-reason: test fixture
stringData:
  token: "${SECRET_DATA}-again"
`;

/** Documents that fail to parse, each with a secret on or next to the offending line. */
const BROKEN = `apiVersion: v1
kind: Secret
metadata: {name: alias, namespace: shop}
stringData:
  password: *${ALIAS}
---
apiVersion: v1
kind: Secret
metadata: {name: tag, namespace: shop}
stringData:
  token: !${TAG} value
---
apiVersion: v1
kind: Secret
metadata: {name: indent, namespace: shop}
stringData:
  password: ${BROKEN_LINE}
 oops: [unclosed
---
apiVersion: v1
kind: Secret
metadata: {name: ok, namespace: shop}
stringData:
  password: ${PASSWORD}
`;

const BROKEN_JSON = `{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "j"}, "stringData": {"password": "${JSON_BROKEN}" "user": "api"}}\n`;

const STDIN = `apiVersion: v1
kind: ConfigMap
metadata: {name: piped, namespace: shop}
data:
  DB_PASSWORD: ${STDIN_SECRET}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: piped-broken, namespace: shop}
data:
  PASSWORD: *${STDIN_SECRET}
`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let dir: string;
const runs: { label: string; run: Run }[] = [];

function kshield(label: string, args: string[], input = ''): Run {
  const env = { ...process.env } as Record<string, string>;
  delete env.FORCE_COLOR;
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: dir, input, encoding: 'utf8', env, timeout: 60_000 });
  const run = { code: r.status, stdout: r.stdout, stderr: r.stderr };
  runs.push({ label, run });
  return run;
}

/** The leading 8 hex digits of the digests a report could carry of a value (kshield printed sha256's before). */
function digestPrefixes(value: string): string[] {
  return ['sha256', 'sha1', 'md5', 'sha512'].flatMap((algorithm) => [value, value.trim()].map((v) => createHash(algorithm).update(v).digest('hex').slice(0, 8)));
}

/** Every 8-character window of every fake's random part, every full value, and digest prefixes of both. */
function leaks(text: string): string[] {
  const found: string[] = [];
  for (const f of fakes) {
    if (text.includes(f.value)) {
      found.push(`${f.name}: whole value`);
      continue;
    }
    const digest = [...digestPrefixes(f.value), ...digestPrefixes(f.core)].find((d) => text.includes(d));
    if (digest) {
      found.push(`${f.name}: digest prefix ${digest}`);
      continue;
    }
    for (let i = 0; i + 8 <= f.core.length; i++) {
      const piece = f.core.slice(i, i + 8);
      if (text.includes(piece)) {
        found.push(`${f.name}: "${piece}" at ${i}`);
        break;
      }
    }
  }
  return found;
}

function filesUnder(d: string): string[] {
  return readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(d, e.name)) : [path.join(d, e.name)]));
}

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kshield-leak-'));
  mkdirSync(path.join(dir, 'manifests'));
  writeFileSync(path.join(dir, 'manifests/shop.yaml'), MANIFESTS);
  writeFileSync(path.join(dir, 'manifests/broken.yaml'), BROKEN);
  writeFileSync(path.join(dir, 'manifests/broken.json'), BROKEN_JSON);
  mkdirSync(path.join(dir, 'out'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('no secret reaches any output', () => {
  test('the fixtures really hold the fakes, and every fake is distinct', () => {
    const text = MANIFESTS + BROKEN + BROKEN_JSON + STDIN;
    for (const f of fakes) assert.ok(text.includes(f.value) || text.includes(b64(f.value)) || GCP_JSON.includes(f.value), f.name);
    assert.equal(new Set(fakes.map((f) => f.core)).size, fakes.length);
  });

  test('every format to standard output', () => {
    for (const format of ['table', 'json', 'sarif', 'junit', 'markdown', 'html']) {
      const r = kshield(`-o ${format}`, ['scan', 'manifests', '-o', format, '--show-suppressed', '--fail-on', 'none']);
      assert.equal(r.code, 2, `${format}: input errors make exit 2; stderr: ${r.stderr}`);
      assert.ok(r.stdout.length > 0, format);
    }
  });

  test('every format to files in one run, and --output-file', () => {
    const r = kshield('-o FORMAT=FILE', ['scan', 'manifests', '-o', 'json=out/r.json', '-o', 'sarif=out/r.sarif', '-o', 'junit=out/r.xml', '-o', 'markdown=out/r.md', '-o', 'table=out/r.txt', '-o', 'html=out/r.html', '--show-suppressed']);
    assert.equal(r.code, 2);
    kshield('--output-file', ['scan', 'manifests', '-o', 'sarif', '--output-file', 'out/single.sarif']);
    for (const f of ['r.json', 'r.sarif', 'r.xml', 'r.md', 'r.txt', 'r.html', 'single.sarif']) assert.ok(readFileSync(path.join(dir, 'out', f), 'utf8').length > 0, f);
  });

  test('baselines: writing one, and scanning against it', () => {
    kshield('--write-baseline', ['scan', 'manifests', '--write-baseline', 'out/baseline.json']);
    const r = kshield('--baseline', ['scan', 'manifests', '--baseline', 'out/baseline.json', '-o', 'json', '--show-suppressed', '--fail-on', 'none']);
    assert.ok(JSON.parse(r.stdout).findings.some((f: { suppressed: boolean }) => f.suppressed));
  });

  test('standard input, with a broken document', () => {
    const r = kshield('stdin', ['scan', '-', '-o', 'json'], STDIN);
    const report = JSON.parse(r.stdout);
    assert.ok(report.findings.some((f: { rule: string }) => f.rule === 'configmap-credentials'));
    assert.equal(report.errors.length, 1);
  });

  test('explain and rules for the secret rules', () => {
    for (const id of ['secret-data-committed', 'configmap-credentials', 'annotation-credentials', 'hardcoded-secret']) {
      kshield(`explain ${id}`, ['explain', id]);
      kshield(`explain ${id} json`, ['explain', id, '-o', 'json']);
    }
    kshield('rules', ['rules', '-o', 'json']);
  });

  test('the detectors fired: every credential is reported, by place and length class', () => {
    const report = JSON.parse(readFileSync(path.join(dir, 'out/r.json'), 'utf8'));
    const messages: string[] = report.findings.map((f: { message: string }) => f.message);
    const rules = new Set(report.findings.map((f: { rule: string }) => f.rule));
    for (const id of ['secret-data-committed', 'configmap-credentials', 'annotation-credentials', 'hardcoded-secret', 'secret-as-env-var'].filter((x) => x !== 'secret-as-env-var')) assert.ok(rules.has(id), id);
    const expect = (what: string, place: RegExp, secret: string): void =>
      assert.ok(messages.some((m) => place.test(m) && m.includes(describeLength(secret))), `${what}: no finding at ${place} with ${describeLength(secret)}`);
    expect('Secret data, decoded', /key "api-key"/, SECRET_DATA);
    expect('stringData password', /key "password"/, PASSWORD);
    expect('GitHub token in a ConfigMap', /key "GITHUB"/, GITHUB);
    expect('AWS key id in a properties file', /key "aws\.properties" holds an AWS access key id/, AWS_ID);
    expect('Slack token', /key "slack"/, SLACK);
    expect('JWT', /key "jwt"/, JWT);
    expect('URL password in env', /env var DATABASE_URL to a URL with an embedded password/, URL_PASSWORD);
    expect('flag value', /--db-password/, ARG_SECRET);
    expect('a password in a config file held by a Secret', /setting "admin_password"/, GRAFANA_PASSWORD);
    expect('a high-entropy Secret value', /key "session-signing"/, SESSION_KEY);
    // Nothing computed from a value but its length class: no "sha256:", no exact length.
    for (const m of messages) assert.doesNotMatch(m, /sha256:|\b\d+ (chars|bytes)\b/, m);
    for (const label of ['an Azure storage account key', 'an Azure AD client secret']) assert.ok(messages.some((m) => m.includes(label)), label);
    assert.ok(messages.some((m) => /env var JWT_ISSUER to a PEM private key/.test(m)), 'a one-line PEM key in an env value');
    for (const label of ['a GitHub fine-grained personal access token', 'an npm access token', 'a Stripe secret key', 'a Google API key', 'a GitLab personal access token', 'a Google Cloud service account key (JSON)'])
      assert.ok(messages.some((m) => m.includes(label)), label);
    assert.ok(messages.some((m) => /after base64 decoding/.test(m)), 'a base64-encoded ConfigMap value is decoded');
    // The three broken YAML documents and the broken JSON file are reported as errors, the good document is still scanned.
    assert.equal(report.errors.length, 4, JSON.stringify(report.errors));
    assert.ok(report.findings.some((f: { resource: { name: string } }) => f.resource.name === 'ok'));
  });

  test('nothing printed or written contains a secret', () => {
    assert.ok(runs.length >= 15);
    const problems: string[] = [];
    for (const { label, run } of runs) {
      for (const [stream, text] of [['stdout', run.stdout], ['stderr', run.stderr]] as const) for (const l of leaks(text)) problems.push(`${label} ${stream}: ${l}`);
    }
    for (const file of filesUnder(path.join(dir, 'out'))) for (const l of leaks(readFileSync(file, 'utf8'))) problems.push(`${path.basename(file)}: ${l}`);
    assert.deepEqual(problems, []);
  });

  test('the leak check itself can fail', () => {
    assert.ok(leaks(`prefix ${GITHUB.slice(10, 18)} suffix`).length > 0);
    // The fingerprint kshield printed before: length and sha256's first 8 hex digits.
    assert.ok(leaks(`key "password": 34 chars, sha256:${createHash('sha256').update(PASSWORD).digest('hex').slice(0, 8)}`).length > 0);
    assert.ok(leaks(`error near "${ALIAS}"`).length > 0);
  });
});
