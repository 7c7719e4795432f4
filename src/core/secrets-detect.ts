/**
 * The one secret detector every rule shares (env values, command lines, ConfigMaps, annotations,
 * Secret objects). It answers "does this text hold a credential, and which kind", and never
 * returns the value itself in anything meant for people: callers describe a hit with
 * {@link fingerprint} from ./redact.ts.
 *
 * Three ways a value counts as a credential:
 * 1. It contains a well-known credential format (the {@link CREDENTIAL_PATTERNS} table): private
 *    keys, cloud access keys, service-account JSON, JWTs, vendor tokens. Any key name.
 * 2. It is a URL with a literal password (`postgres://app:pw@db/app`). Any key name.
 * 3. Its key is named like a secret (password, token, api_key, client_secret, ...: see
 *    {@link isSecretName}) and the value is a literal, not a placeholder or a reference
 *    ({@link isLiteralSecretValue}), of at least {@link MIN_NAMED_SECRET_LENGTH} characters and at
 *    least {@link MIN_NAMED_SECRET_ENTROPY} bits of Shannon entropy per character. The thresholds
 *    are deliberately low: weak passwords are real passwords ("hunter2" has 2.81 bits/char,
 *    "123456" 2.58); what they drop are fillers like "aaaaaaaa" (0) or "abababab" (1.0) and
 *    values too short to be a credential.
 *
 * Text holding assignments (config files, one-line settings, JSON) is also read as such
 * (`db.password=...`, `"apiKey": "..."`, `export TOKEN=...`), each judged by rule 3, and text
 * that is base64 is decoded and searched again, once.
 */

/** One well-known credential format. */
export interface CredentialPattern {
  id: string;
  /** What to call it in a message: "a GitHub personal access token". */
  label: string;
  regex: RegExp;
}

/**
 * Well-known credential formats. Patterns are anchored on the vendor's fixed prefix and the
 * documented length of the random part, so ordinary config values do not match by accident.
 */
export const CREDENTIAL_PATTERNS: readonly CredentialPattern[] = [
  { id: 'private-key', label: 'a PEM private key', regex: /-----BEGIN (?:(?:RSA|DSA|EC|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY(?: BLOCK)?-----\s*[A-Za-z0-9+/=:\s,-]{40,}/ },
  { id: 'gcp-service-account', label: 'a Google Cloud service account key (JSON)', regex: /"type"\s*:\s*"service_account"[\s\S]{0,4000}?"private_key"\s*:\s*"-----BEGIN|"private_key"\s*:\s*"-----BEGIN[\s\S]{0,4000}?"type"\s*:\s*"service_account"/ },
  { id: 'aws-access-key-id', label: 'an AWS access key id', regex: /\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b/ },
  { id: 'aws-secret-access-key', label: 'an AWS secret access key', regex: /aws.{0,20}secret.{0,20}?["']?\s*[:=]\s*["']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/i },
  { id: 'github-token', label: 'a GitHub token', regex: /\bgh[pousr]_[A-Za-z0-9]{36}\b/ },
  { id: 'github-fine-grained-token', label: 'a GitHub fine-grained personal access token', regex: /\bgithub_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}\b/ },
  { id: 'gitlab-token', label: 'a GitLab personal access token', regex: /\bglpat-[A-Za-z0-9_-]{20,}/ },
  { id: 'slack-token', label: 'a Slack token', regex: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { id: 'slack-webhook', label: 'a Slack incoming webhook URL', regex: /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{6,}\/B[A-Z0-9]{6,}\/[A-Za-z0-9]{20,}/ },
  { id: 'stripe-key', label: 'a Stripe secret key', regex: /\b[sr]k_(?:live|test)_[A-Za-z0-9]{24,}\b/ },
  { id: 'npm-token', label: 'an npm access token', regex: /\bnpm_[A-Za-z0-9]{36}\b/ },
  { id: 'google-api-key', label: 'a Google API key', regex: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/ },
  { id: 'sendgrid-key', label: 'a SendGrid API key', regex: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/ },
  { id: 'openai-key', label: 'an OpenAI API key', regex: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}/ },
  { id: 'anthropic-key', label: 'an Anthropic API key', regex: /\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{80,}/ },
  { id: 'pypi-token', label: 'a PyPI upload token', regex: /\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}/ },
  { id: 'vault-token', label: 'a HashiCorp Vault token', regex: /\bhvs\.[A-Za-z0-9_-]{90,}/ },
  { id: 'azure-storage-key', label: 'an Azure storage account key', regex: /AccountKey=[A-Za-z0-9+/]{86}==/ },
  { id: 'jwt', label: 'a JSON Web Token', regex: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*/ },
];

// ---------------------------------------------------------------------------------------------
// Names that denote a secret.

/** Words that make a variable, key or flag name denote a secret. */
const SECRET_WORDS = new Set(['password', 'passwd', 'pwd', 'pass', 'passphrase', 'secret', 'token', 'apikey', 'credential', 'credentials', 'creds', 'privatekey', 'secretkey', 'accesskey']);
/** Two-word forms, joined with "_". */
const SECRET_PAIRS = new Set(['api_key', 'access_key', 'private_key', 'secret_key', 'signing_key', 'encryption_key', 'auth_key', 'master_key', 'session_key', 'client_secret', 'connection_string', 'conn_string', 'sas_key', 'account_key', 'bearer_token']);
/** A last word that makes the name about a secret, not a secret itself (DB_PASSWORD_FILE, TOKEN_TTL). */
const NOT_A_SECRET_SUFFIX = new Set([
  'file', 'path', 'dir', 'directory', 'url', 'uri', 'endpoint', 'host', 'hostname', 'port', 'name', 'ref', 'id', 'type', 'mode',
  'length', 'len', 'size', 'ttl', 'timeout', 'expiry', 'expiration', 'expires', 'lifetime', 'duration', 'interval', 'enabled',
  'enable', 'disabled', 'disable', 'required', 'header', 'prefix', 'field', 'policy', 'version', 'algorithm', 'alg', 'format',
  'location', 'namespace', 'count', 'max', 'min', 'rotation', 'audience', 'issuer', 'scope', 'scopes', 'strategy', 'provider',
  'backend', 'store', 'key_name', 'param', 'parameter', 'source', 'env', 'var', 'regex', 'pattern', 'hash_algorithm', 'cost', 'rounds',
  // Settings about secrets in config files: postgresql.conf password_encryption, OAuth token_endpoint_auth_method, ...
  'encryption', 'encoding', 'hashing', 'method', 'methods', 'mechanism', 'complexity', 'strength', 'reset', 'check', 'validation',
  'rules', 'requirements', 'age', 'generator', 'command', 'cmd', 'helper', 'cache', 'usage',
]);

const DIGEST_WORDS = new Set(['checksum', 'hash', 'digest', 'sha', 'sha1', 'sha256', 'sha512', 'md5', 'fingerprint']);

function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

// Names repeat across a scan (env variables, ConfigMap keys, annotations): remember the answers.
const secretNames = new Map<string, boolean>();
const MAX_REMEMBERED_NAMES = 50_000;

/** Whether a variable, key, flag or annotation name denotes a secret (an annotation's prefix is ignored). */
export function isSecretName(name: string): boolean {
  let answer = secretNames.get(name);
  if (answer === undefined) {
    if (secretNames.size >= MAX_REMEMBERED_NAMES) secretNames.clear();
    secretNames.set(name, (answer = judgeSecretName(name)));
  }
  return answer;
}

function judgeSecretName(name: string): boolean {
  // "checksum/secret", "secret-hash": digests of a secret (Helm's rollout trick), not the secret.
  if (nameWords(name).some((w) => DIGEST_WORDS.has(w))) return false;
  const words = nameWords(name.slice(name.lastIndexOf('/') + 1));
  if (words.length === 0) return false;
  if (NOT_A_SECRET_SUFFIX.has(words[words.length - 1])) return false;
  if (words.some((w) => SECRET_WORDS.has(w))) return true;
  for (let i = 0; i + 1 < words.length; i++) if (SECRET_PAIRS.has(`${words[i]}_${words[i + 1]}`)) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Literal values versus placeholders and references.

const PLACEHOLDER = /^(?:changeme|change[-_ ]me|replace[-_ ]?me|to[-_ ]?do|tbd|x{3,}|\*{3,}|\.{3}|placeholder|dummy|example|none|null|nil|undefined|redacted|secret|password|token|your[-_a-z]*|<[^>]*>|\[[^\]]*\])$/i;
const REFERENCE = /^(?:\$|\{\{|%\{|<%|vault:|ref\+|arn:aws:(?:secretsmanager|ssm):|sm:\/\/|secretsmanager:|gcp:secretmanager|akv:\/\/|op:\/\/|azurekeyvault:|file:|\.?\.?\/)/i;
const BOOLEAN_LIKE = /^(?:true|false|yes|no|on|off|enabled|disabled)$/i;
/** SOPS-encrypted values are ciphertext, safe to commit. */
const SOPS_CIPHERTEXT = /^ENC\[[A-Z0-9_]+,data:/;
const URL_WITH_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^\s/@:"'<>]*:([^\s/@"'<>]+)@/gi;

/** Whether a value set for a secret-named variable is a literal secret rather than a placeholder or reference. */
export function isLiteralSecretValue(value: string): boolean {
  const v = value.trim();
  if (v === '') return false;
  if (PLACEHOLDER.test(v) || REFERENCE.test(v) || BOOLEAN_LIKE.test(v) || SOPS_CIPHERTEXT.test(v)) return false;
  // Short numbers are counts, ports and durations, not secrets.
  if (/^\d{1,5}$/.test(v)) return false;
  return true;
}

/** The password of the first URL in `text` that embeds a literal one (postgres://app:hunter2@db/app). */
function urlPassword(text: string): string | undefined {
  // Nearly no value is a URL with credentials: skip the search unless both marks are there.
  if (!text.includes('://') || !text.includes('@')) return undefined;
  URL_WITH_PASSWORD.lastIndex = 0;
  for (let m = URL_WITH_PASSWORD.exec(text); m; m = URL_WITH_PASSWORD.exec(text)) if (isLiteralSecretValue(m[1])) return m[1];
  return undefined;
}

/** Whether a value is a URL with an embedded literal password. */
export function hasUrlPassword(value: string): boolean {
  const v = value.trim();
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(v) && urlPassword(v) !== undefined;
}

// ---------------------------------------------------------------------------------------------
// Entropy thresholds for values under secret-named keys.

/** Shortest literal under a secret-named key that counts as a credential. */
export const MIN_NAMED_SECRET_LENGTH = 6;
/** Least Shannon entropy (bits per character) of such a literal. */
export const MIN_NAMED_SECRET_ENTROPY = 2.0;

/** Shannon entropy of the text in bits per character (over Unicode code points). */
export function shannonEntropy(text: string): number {
  const chars = [...text];
  if (chars.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / chars.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Whether `value`, found under a secret-named key, is a credential by rule 3 of the module comment. */
export function isNamedSecretValue(value: string): boolean {
  const v = value.trim();
  return isLiteralSecretValue(v) && [...v].length >= MIN_NAMED_SECRET_LENGTH && shannonEntropy(v) >= MIN_NAMED_SECRET_ENTROPY;
}

// ---------------------------------------------------------------------------------------------
// Base64.

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Decodes standard base64 (whitespace ignored) to text, or undefined when the input is not
 * base64 or does not decode to mostly printable UTF-8. `minLength` avoids decoding short words
 * that happen to be valid base64 ("admin", "test").
 */
export function decodeBase64Text(value: string, minLength = 16): string | undefined {
  const compact = value.replace(/\s+/g, '');
  if (compact.length < minLength || compact.length % 4 !== 0 || !BASE64.test(compact)) return undefined;
  const bytes = Buffer.from(compact, 'base64');
  const text = bytes.toString('utf8');
  if (text.includes('\uFFFD')) return undefined;
  let printable = 0;
  for (const ch of text) if (ch >= ' ' || ch === '\n' || ch === '\r' || ch === '\t') printable++;
  return printable / Math.max(1, [...text].length) >= 0.95 ? text : undefined;
}

/** Decodes a Secret `data` value exactly (base64 as the API requires); undefined when it is not valid base64. */
export function decodeSecretData(value: string): Buffer | undefined {
  const compact = value.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || (compact !== '' && !BASE64.test(compact))) return undefined;
  return Buffer.from(compact, 'base64');
}

// ---------------------------------------------------------------------------------------------
// Detection in free text.

export interface SecretHit {
  /** Pattern id, "url-password" or "named-value". */
  kind: string;
  /** What was found, for messages: "a GitHub token", "a URL with an embedded password". */
  label: string;
  /** The credential itself: only ever passed to fingerprint(), never shown. */
  secret: string;
  /** The setting that holds it inside a config file ("db.password"), when found as an assignment. */
  setting?: string;
  /** 1-based line inside the text, for assignments and patterns in multi-line text. */
  line?: number;
  /** Found after base64-decoding the text. */
  decoded?: boolean;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * The fixed parts of the formats above, in one expression: nearly every value scanned holds none
 * of them, and one search is far cheaper than a search per format. Keep it in step with the table
 * (a test checks that each pattern's examples pass through it).
 */
const CREDENTIAL_ANCHORS = /-----BEGIN|private_key|AKIA|ASIA|ABIA|ACCA|A3T|aws|gh[pousr]_|github_pat_|glpat-|xox[abposr]-|hooks\.slack\.com|k_live_|k_test_|npm_|AIza|SG\.|sk-|pypi-|hvs\.|AccountKey=|eyJ/i;

/** The first well-known credential format in `text`. */
export function matchCredentialPattern(text: string): SecretHit | undefined {
  if (!CREDENTIAL_ANCHORS.test(text)) return undefined;
  for (const p of CREDENTIAL_PATTERNS) {
    const m = p.regex.exec(text);
    if (m) return { kind: p.id, label: p.label, secret: m[0].trim(), line: text.includes('\n') ? lineOf(text, m.index) : undefined };
  }
  return undefined;
}

const LINE_ASSIGNMENT = /^[ \t]*(?:export[ \t]+|-[ \t]+)?["']?([A-Za-z_][A-Za-z0-9_.\-]{0,120})["']?[ \t]*[:=][ \t]*(?:"((?:[^"\\\n]|\\.){1,2000})"|'([^'\n]{1,2000})'|([^\s"'#,{}[\]][^\s#,{}[\]]{0,2000}))/gm;
const JSON_ASSIGNMENT = /"([^"\\\n]{1,120})"\s*:\s*"((?:[^"\\\n]|\\.){1,4000})"/g;

/** Settings in config-file text (properties, env files, YAML, JSON) whose names denote a secret and whose values are credentials. */
export function secretAssignments(text: string): SecretHit[] {
  const hits: SecretHit[] = [];
  const seen = new Set<number>();
  const consider = (setting: string, value: string, index: number): void => {
    if (seen.has(index) || !isSecretName(setting) || !isNamedSecretValue(value)) return;
    seen.add(index);
    hits.push({ kind: 'named-value', label: 'a literal credential', secret: value.trim(), setting, line: lineOf(text, index) });
  };
  LINE_ASSIGNMENT.lastIndex = 0;
  for (let m = LINE_ASSIGNMENT.exec(text); m; m = LINE_ASSIGNMENT.exec(text)) consider(m[1], m[2] ?? m[3] ?? m[4] ?? '', m.index);
  JSON_ASSIGNMENT.lastIndex = 0;
  for (let m = JSON_ASSIGNMENT.exec(text); m; m = JSON_ASSIGNMENT.exec(text)) consider(m[1], m[2], m.index);
  return hits.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

/**
 * Every credential found in a value stored under `key`: a known format or a URL password anywhere
 * in it, the value itself when `key` is secret-named, and secret-named settings inside config-file
 * text. Base64 text is decoded and searched once more.
 */
export function detectSecrets(key: string | undefined, value: string, options: { decode?: boolean } = {}): SecretHit[] {
  const hits = detectIn(key, value);
  if (hits.length === 0 && options.decode !== false) {
    const decoded = decodeBase64Text(value);
    if (decoded !== undefined) for (const h of detectIn(key, decoded)) hits.push({ ...h, decoded: true });
  }
  return hits;
}

function detectIn(key: string | undefined, value: string): SecretHit[] {
  const pattern = matchCredentialPattern(value);
  if (pattern) return [pattern];
  const password = urlPassword(value);
  if (password !== undefined) return [{ kind: 'url-password', label: 'a URL with an embedded password', secret: password }];
  if (key !== undefined && isSecretName(key) && isNamedSecretValue(value) && !value.trim().includes('\n')) return [{ kind: 'named-value', label: 'a literal credential', secret: value.trim() }];
  return /[:=]/.test(value) ? secretAssignments(value) : [];
}
