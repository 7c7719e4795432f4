/**
 * The one secret detector every rule shares (env values, command lines, ConfigMaps, annotations,
 * Secret objects). It answers "does this text hold a credential, and which kind", and never
 * returns the value itself in anything meant for people: callers describe a hit with
 * describeHit from ./redact.ts (its kind, place and length class).
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
 * (`db.password=...`, `"apiKey": "..."`, `export TOKEN=...`), each judged by rule 3, so are the
 * parts of a connection string (`Server=db;Password=...`), and text that is base64 is decoded and
 * searched again, once.
 *
 * Secret objects are judged by their content too ({@link detectSecretObjectValue}, at the end):
 * being in a Secret does not make configuration a credential.
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
  // A service account key file holds a PEM key too: the more specific label comes first.
  { id: 'gcp-service-account', label: 'a Google Cloud service account key (JSON)', regex: /"type"\s*:\s*"service_account"[\s\S]{0,4000}?"private_key"\s*:\s*"-----BEGIN|"private_key"\s*:\s*"-----BEGIN[\s\S]{0,4000}?"type"\s*:\s*"service_account"/ },
  // Any PEM private key (PKCS#8, RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP, ...), with real line breaks or
  // written as "\n" escapes (JSON strings, one-line env values); encrypted PKCS#1 headers included.
  // "BEGIN CERTIFICATE" and "BEGIN PUBLIC KEY" are public and never match.
  { id: 'private-key', label: 'a PEM private key', regex: /-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----(?:\s|\\[nr])*(?:[A-Za-z0-9+/=:,-]|\s|\\[nr]){40,}/ },
  { id: 'putty-private-key', label: 'a PuTTY private key', regex: /PuTTY-User-Key-File-\d: [A-Za-z0-9-]+\s[\s\S]{0,2000}?Private-Lines: \d+\s+[A-Za-z0-9+/=\s]{40,}/ },
  { id: 'aws-access-key-id', label: 'an AWS access key id', regex: /\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b/ },
  { id: 'aws-secret-access-key', label: 'an AWS secret access key', regex: /aws.{0,20}secret.{0,20}?["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/i },
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
  // Azure connection strings: storage accounts (AccountKey, 64 random bytes in base64) and Service Bus /
  // Event Hubs / IoT Hub (SharedAccessKey, 32 bytes); placeholders such as AccountKey=<key> do not match.
  { id: 'azure-storage-key', label: 'an Azure storage account key', regex: /AccountKey=([A-Za-z0-9+/]{40,}={0,2})/ },
  { id: 'azure-shared-access-key', label: 'an Azure shared access key', regex: /SharedAccessKey=([A-Za-z0-9+/]{40,}={0,2})/ },
  // A shared access signature: a signed version (sv=YYYY-MM-DD) and its signature (sig=) in one query string.
  { id: 'azure-sas-token', label: 'an Azure shared access signature', regex: /\bsv=\d{4}-\d{2}-\d{2}[^\s"'<>]{0,500}?[?&;]sig=[A-Za-z0-9%+/]{40,}|[?&;]sig=[A-Za-z0-9%+/]{40,}[^\s"'<>]{0,500}?&sv=\d{4}-\d{2}-\d{2}\b/ },
  // Microsoft Entra ID (Azure AD) application client secrets: three characters, a digit, "Q~", then 31-34 more.
  { id: 'azure-client-secret', label: 'an Azure AD client secret', regex: /(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])/ },
  { id: 'gcp-oauth-client-secret', label: 'a Google OAuth client secret', regex: /\bGOCSPX-[A-Za-z0-9_-]{28}(?![A-Za-z0-9_-])/ },
  { id: 'jwt', label: 'a JSON Web Token', regex: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*/ },
];

// ---------------------------------------------------------------------------------------------
// Names that denote a secret.

/** Words that make a variable, key or flag name denote a secret. */
const SECRET_WORDS = new Set(['password', 'passwd', 'pwd', 'pass', 'passphrase', 'secret', 'token', 'apikey', 'credential', 'credentials', 'creds', 'privatekey', 'secretkey', 'accesskey']);
/** Two-word forms, joined with "_". */
const SECRET_PAIRS = new Set(['api_key', 'access_key', 'private_key', 'secret_key', 'signing_key', 'encryption_key', 'auth_key', 'master_key', 'session_key', 'client_secret', 'connection_string', 'conn_string', 'sas_key', 'account_key', 'bearer_token',
  // Pre-shared and TLS client keys: IPSEC_SHARED_KEY, client-key (kubeconfig's client-key-data).
  'shared_key', 'client_key']);
/** Three-word forms whose pairs alone are too common to count ("storage_key" is also an object's path in a bucket). */
const SECRET_TRIPLES = new Set(['azure_storage_key']);
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
  for (let i = 0; i + 2 < words.length; i++) if (SECRET_TRIPLES.has(`${words[i]}_${words[i + 1]}_${words[i + 2]}`)) return true;
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
  /** The credential itself: only ever measured by describeLength(), never shown. */
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
const CREDENTIAL_ANCHORS = /-----BEGIN|PuTTY-User-Key|private_key|AKIA|ASIA|ABIA|ACCA|A3T|aws|gh[pousr]_|github_pat_|glpat-|xox[abposr]-|hooks\.slack\.com|k_live_|k_test_|npm_|AIza|SG\.|sk-|pypi-|hvs\.|AccountKey=|SharedAccessKey=|sig=|Q~|GOCSPX-|eyJ/i;

/** The first well-known credential format in `text`. */
export function matchCredentialPattern(text: string): SecretHit | undefined {
  if (!CREDENTIAL_ANCHORS.test(text)) return undefined;
  for (const p of CREDENTIAL_PATTERNS) {
    const m = p.regex.exec(text);
    // A pattern anchored on its setting's name (aws_secret_access_key = ..., AccountKey=...) captures
    // the credential alone: its length class is the credential's, not the assignment's.
    if (m) return { kind: p.id, label: p.label, secret: (m[1] ?? m[0]).trim(), line: text.includes('\n') ? lineOf(text, m.index) : undefined };
  }
  return undefined;
}

const LINE_ASSIGNMENT = /^[ \t]*(?:export[ \t]+|-[ \t]+)?["']?([A-Za-z_][A-Za-z0-9_.\-]{0,120})["']?[ \t]*[:=][ \t]*(?:"((?:[^"\\\n]|\\.){1,2000})"|'([^'\n]{1,2000})'|([^\s"'#,{}[\]][^\s#,{}[\]]{0,2000}))/gm;
const JSON_ASSIGNMENT = /"([^"\\\n]{1,120})"\s*:\s*"((?:[^"\\\n]|\\.){1,4000})"/g;

/**
 * Settings in config-file text (properties, env files, YAML, JSON) whose names denote a secret and
 * whose values are credentials (by default rule 3's thresholds; Secret objects pass a looser test).
 */
export function secretAssignments(text: string, isCredential: (value: string) => boolean = isNamedSecretValue): SecretHit[] {
  const hits: SecretHit[] = [];
  const seen = new Set<number>();
  const consider = (setting: string, value: string, index: number): void => {
    if (seen.has(index) || !isSecretName(setting) || !isCredential(value)) return;
    seen.add(index);
    hits.push({ kind: 'named-value', label: 'a literal credential', secret: value.trim(), setting, line: lineOf(text, index) });
  };
  LINE_ASSIGNMENT.lastIndex = 0;
  for (let m = LINE_ASSIGNMENT.exec(text); m; m = LINE_ASSIGNMENT.exec(text)) consider(m[1], m[2] ?? m[3] ?? m[4] ?? '', m.index);
  JSON_ASSIGNMENT.lastIndex = 0;
  for (let m = JSON_ASSIGNMENT.exec(text); m; m = JSON_ASSIGNMENT.exec(text)) consider(m[1], m[2], m.index);
  return hits.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

/** One-line `Name=value;Name=value` text: database and Azure connection strings. */
const CONNECTION_STRING = /^[A-Za-z][\w .-]{0,60}=[^;\n]*(?:;[ \t]*[A-Za-z][\w .-]{0,60}=[^;\n]*)+;?\s*$/;

/**
 * The secret-named parts of a connection string (`Server=db;User Id=app;Password=...`), each judged
 * on its own, so that `AccountKey=<key>` is a placeholder and not the whole string a credential.
 */
function connectionStringHits(text: string, isCredential: (value: string) => boolean): SecretHit[] | undefined {
  const v = text.trim();
  if (!v.includes(';') || !CONNECTION_STRING.test(v)) return undefined;
  const hits: SecretHit[] = [];
  for (const part of v.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const setting = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (isSecretName(setting) && isCredential(value)) hits.push({ kind: 'named-value', label: 'a literal credential', secret: value, setting });
  }
  return hits;
}

/**
 * Every credential found in a value stored under `key`: a known format or a URL password anywhere
 * in it, the value itself when `key` is secret-named, and secret-named settings inside config-file
 * text. Base64 text is decoded and searched once more.
 */
export function detectSecrets(key: string | undefined, value: string, options: { decode?: boolean } = {}): SecretHit[] {
  const hits = detectIn(key, value);
  // A secret-named key whose whole value is base64 text: when the decoded text holds a credential
  // of its own (an AWS credentials file), that one is reported, so the length class describes the
  // credential and not the encoded file around it (as a Secret's decoded data is reported).
  const wholeValue = hits.length === 1 && hits[0].kind === 'named-value' && hits[0].setting === undefined;
  if ((hits.length === 0 || wholeValue) && options.decode !== false) {
    const decoded = decodeBase64Text(value);
    const inner = decoded === undefined ? [] : detectIn(key, decoded).filter((h) => !(h.kind === 'named-value' && h.setting === undefined));
    if (inner.length > 0) return inner.map((h) => ({ ...h, decoded: true }));
    if (hits.length === 0 && decoded !== undefined) for (const h of detectIn(key, decoded)) hits.push({ ...h, decoded: true });
  }
  return hits;
}

function detectIn(key: string | undefined, value: string): SecretHit[] {
  const pattern = matchCredentialPattern(value);
  if (pattern) return [pattern];
  const password = urlPassword(value);
  if (password !== undefined) return [{ kind: 'url-password', label: 'a URL with an embedded password', secret: password }];
  const parts = connectionStringHits(value, isNamedSecretValue);
  if (parts !== undefined) return parts;
  if (key !== undefined && isSecretName(key) && isNamedSecretValue(value) && !value.trim().includes('\n')) return [{ kind: 'named-value', label: 'a literal credential', secret: value.trim() }];
  return /[:=]/.test(value) ? secretAssignments(value) : [];
}

// ---------------------------------------------------------------------------------------------
// Secret objects.
//
// A Secret's data is not a credential because it sits in a Secret: kube-prometheus ships a Grafana
// ini with `default_timezone = UTC`, a datasources file with a plain URL and an Alertmanager routing
// file as Secrets. A value counts as a credential when one of these holds (first match wins):
// 1. it contains a known credential format or a URL with a password (as everywhere);
// 2. its key is named like a secret, or like key material in a Secret (tls.key, cookie-key, auth,
//    .htpasswd, krb5.keytab), and the one-line value is a literal of at least 4 characters (weak
//    passwords such as "admin" are still passwords when a Secret holds them under "password");
// 3. it is a config file with a secret-named setting holding such a literal (`admin_password = ...`);
// 4. it is a container registry config with an "auth", "identitytoken" or "registrytoken" value;
// 5. it is one high-entropy token ({@link looksRandom}) under a key that does not name an identifier,
//    user, address or digest;
// 6. it is binary (not UTF-8): keystores, keytabs and raw keys cannot be read, so they count.
// Empty values, placeholders and references are not data at all (see isLiteralSecretValue).

/** Last words that make a Secret key denote key material or a credential, besides the secret words. */
const SECRET_OBJECT_WORDS = new Set(['key', 'auth', 'htpasswd', 'keytab', 'keystore', 'jks', 'p12', 'pfx']);
/** Words that make a key public ("public.key", "signing-key.pub"). */
const PUBLIC_WORDS = new Set(['public', 'pub']);
/** Last words of keys that hold identifiers, names, addresses or digests: a random-looking value there is not a credential. */
const IDENTIFIER_WORDS = new Set([
  'id', 'uuid', 'guid', 'name', 'user', 'username', 'login', 'email', 'url', 'uri', 'host', 'hostname', 'endpoint', 'domain',
  'region', 'zone', 'location', 'bucket', 'project', 'tenant', 'subscription', 'namespace', 'database', 'db', 'cluster', 'account',
  'path', 'file', 'version', 'type', 'port', 'mode', 'issuer', 'audience',
]);

/** Whether a Secret key names a credential or key material. */
export function isSecretObjectKeyName(name: string): boolean {
  const words = nameWords(name.slice(name.lastIndexOf('/') + 1));
  if (words.some((w) => PUBLIC_WORDS.has(w))) return false;
  if (isSecretName(name)) return true;
  if (words.length === 0 || words.some((w) => DIGEST_WORDS.has(w))) return false;
  return SECRET_OBJECT_WORDS.has(words[words.length - 1]);
}

/**
 * Whether a value under a secret-named key (or setting) of a Secret is a literal credential: not a
 * placeholder or reference, at least 4 characters, not a run of one or two characters, not a
 * duration or a negative number (`token_ttl = 10m` is caught by its name already; this guards
 * settings such as `api_key_max_seconds_to_live = -1`).
 */
export function isSecretObjectValue(value: string): boolean {
  const v = value.trim();
  if (!isLiteralSecretValue(v) || [...v].length < 4 || shannonEntropy(v) < 1.5) return false;
  return !/^-\d+$|^\d+(?:\.\d+)?(?:ms|s|m|h|d|w)$/.test(v);
}

/**
 * Whether a one-token value looks like random key material: its longest run of base64 characters
 * is at least 16 long, mixes letters and digits (or, from 20 characters, both cases), and carries
 * at least 3.0 bits of entropy per character when hexadecimal, 3.5 otherwise. Names, host names,
 * URLs, paths, UUIDs, dates and versions have no such run.
 */
export function looksRandom(value: string): boolean {
  const v = value.trim();
  if (v.length < 16 || v.length > 4096 || /\s/.test(v) || !isLiteralSecretValue(v)) return false;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v) || /^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$/.test(v)) return false;
  let longest = '';
  for (const run of v.split(/[^A-Za-z0-9+/=]+/)) if (run.length > longest.length) longest = run;
  const run = longest.replace(/=+$/, '');
  if (run.length < 16) return false;
  const digits = /\d/.test(run);
  const letters = /[A-Za-z]/.test(run);
  const bothCases = /[a-z]/.test(run) && /[A-Z]/.test(run);
  if (!(digits && letters) && !(bothCases && run.length >= 20)) return false;
  const hex = /^[0-9a-f]+$/i.test(run);
  return shannonEntropy(run) >= (hex ? 3.0 : 3.5);
}

/** A container registry config (.dockerconfigjson, .dockercfg) entry holding a credential. */
const REGISTRY_AUTH = /"(auth|identitytoken|registrytoken)"\s*:\s*"([^"\\\s]{4,})"/;

function isIdentifierName(name: string): boolean {
  const words = nameWords(name.slice(name.lastIndexOf('/') + 1));
  return words.length > 0 && (IDENTIFIER_WORDS.has(words[words.length - 1]) || words.some((w) => DIGEST_WORDS.has(w)));
}

function secretObjectHitsIn(key: string, value: string): SecretHit[] {
  const pattern = matchCredentialPattern(value);
  if (pattern) return [pattern];
  const password = urlPassword(value);
  if (password !== undefined) return [{ kind: 'url-password', label: 'a URL with an embedded password', secret: password }];
  const parts = connectionStringHits(value, isSecretObjectValue);
  if (parts !== undefined) return parts;
  const v = value.trim();
  const oneLine = !v.includes('\n');
  if (oneLine && isSecretObjectKeyName(key) && isSecretObjectValue(v)) return [{ kind: 'named-value', label: 'a literal credential', secret: v }];
  if (/[:=]/.test(value)) {
    const assignments = secretAssignments(value, isSecretObjectValue);
    if (assignments.length > 0) return assignments;
  }
  const registry = REGISTRY_AUTH.exec(value);
  if (registry && isLiteralSecretValue(registry[2])) return [{ kind: 'registry-auth', label: 'a container registry credential', secret: registry[2], setting: registry[1], line: value.includes('\n') ? lineOf(value, registry.index) : undefined }];
  // Base64 of readable text is an encoding, not key material: the caller decodes and searches it.
  if (oneLine && !isIdentifierName(key) && looksRandom(v) && decodeBase64Text(v) === undefined) return [{ kind: 'random-value', label: 'a high-entropy value', secret: v }];
  return [];
}

/**
 * The credentials in one value of a Secret (decoded from base64 when it came from `data`), judged
 * as the comment above says; text that is itself base64 is decoded and searched once more. Empty
 * when the value holds configuration without credentials. Binary values are the caller's: they
 * count as credentials without being searched.
 */
export function detectSecretObjectValue(key: string, value: string): SecretHit[] {
  const hits = secretObjectHitsIn(key, value);
  if (hits.length > 0) return hits;
  const decoded = decodeBase64Text(value);
  return decoded === undefined ? [] : secretObjectHitsIn(key, decoded).map((h) => ({ ...h, decoded: true }));
}
