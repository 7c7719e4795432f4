/**
 * Notary Project trust policy (version 1.0) and x509 trust stores, in notation's own formats, so a
 * team's existing `trustpolicy.json` and trust store directory work unchanged.
 *
 * The document is validated against a JSON Schema written from the Notary Project "Trust Store and
 * Trust Policy" specification, then against the rules the schema cannot say (unique names, one
 * policy per registry scope, "*" alone, skip without trust stores, identities with C, ST and O that
 * do not overlap). Errors name the file and, when the document was read from one, the line.
 *
 * Verification levels follow the specification's table: which of integrity, authenticity,
 * authentic timestamp, expiry and revocation are enforced (a failure fails the signature), logged
 * (reported, the signature still passes) or skipped, and how `override` changes them.
 */
import { readdirSync, statSync } from 'node:fs';
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { LineCounter, isMap, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import { didYouMean, suggest } from '../core/suggest.js';
import { UsageError } from '../core/errors.js';
import { NotaryCertificate, readCertificates } from './notation-certs.js';

/** What kshield needs to verify Notary Project signatures: notation's trust policy and trust store directory. */
export interface NotationPolicy {
  /** Path of a trust policy document (`trustpolicy.json`, version 1.0). */
  trustPolicyFile?: string;
  /** The document itself, already parsed (validated before use); wins over `trustPolicyFile`. */
  trustPolicy?: unknown;
  /** The trust store directory, laid out as notation's: `<dir>/x509/<ca|signingAuthority|tsa>/<name>/*.pem|*.crt|*.cer`. */
  trustStoreDir: string;
  /** The verification time (default: now). */
  now?: Date;
}

export type VerificationLevelName = 'strict' | 'permissive' | 'audit' | 'skip';
export type Check = 'integrity' | 'authenticity' | 'authenticTimestamp' | 'expiry' | 'revocation';
export type CheckAction = 'enforce' | 'log' | 'skip';

export interface TrustPolicyStatement {
  name: string;
  registryScopes: string[];
  signatureVerification: {
    level: VerificationLevelName;
    override?: Partial<Record<Exclude<Check, 'integrity'>, CheckAction>>;
    /** With a `tsa:` trust store: verify a timestamp countersignature always (the default), or only once the signing chain has expired. */
    verifyTimestamp?: 'always' | 'afterCertExpiry';
  };
  trustStores?: string[];
  trustedIdentities?: string[];
}

export interface TrustPolicyDocument {
  version: '1.0';
  trustPolicies: TrustPolicyStatement[];
}

/**
 * A trust policy document that breaks the format: names the file (and line when known) and
 * exactly what is wrong. A UsageError, so commands exit 2 with this one line.
 */
export class NotationPolicyError extends UsageError {
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
  ) {
    super(line ? `${file}:${line}: ${message}` : `${file}: ${message}`);
  }
}

/** The specification's table: what each level does with each check. */
export const LEVELS: Record<VerificationLevelName, Record<Check, CheckAction>> = {
  strict: { integrity: 'enforce', authenticity: 'enforce', authenticTimestamp: 'enforce', expiry: 'enforce', revocation: 'enforce' },
  permissive: { integrity: 'enforce', authenticity: 'enforce', authenticTimestamp: 'log', expiry: 'log', revocation: 'log' },
  audit: { integrity: 'enforce', authenticity: 'log', authenticTimestamp: 'log', expiry: 'log', revocation: 'log' },
  skip: { integrity: 'skip', authenticity: 'skip', authenticTimestamp: 'skip', expiry: 'skip', revocation: 'skip' },
};

/** What the statement's level, with its overrides, does with each check. */
export function enforcement(statement: TrustPolicyStatement): Record<Check, CheckAction> {
  return { ...LEVELS[statement.signatureVerification.level], ...(statement.signatureVerification.override ?? {}) };
}

const TRUST_STORE_TYPES = ['ca', 'signingAuthority', 'tsa'] as const;
export type TrustStoreType = (typeof TRUST_STORE_TYPES)[number];

/** The trust policy document's shape (Notary Project trust policy specification, version 1.0). */
const TRUST_POLICY_SCHEMA = {
  type: 'object',
  required: ['version', 'trustPolicies'],
  additionalProperties: false,
  properties: {
    version: { type: 'string', enum: ['1.0'], description: 'the trust policy version; "1.0" is the only one' },
    trustPolicies: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'registryScopes', 'signatureVerification'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1 },
          registryScopes: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
          signatureVerification: {
            type: 'object',
            required: ['level'],
            additionalProperties: false,
            properties: {
              level: { type: 'string', enum: ['strict', 'permissive', 'audit', 'skip'] },
              // notation 1.2+: with a tsa: trust store, verify the timestamp always (default) or only once the signing chain has expired.
              verifyTimestamp: { type: 'string', enum: ['always', 'afterCertExpiry'] },
              override: {
                type: 'object',
                additionalProperties: false,
                properties: {
                  // Integrity is always enforced: the specification does not let it be overridden.
                  integrity: false,
                  authenticity: { type: 'string', enum: ['enforce', 'log'] },
                  authenticTimestamp: { type: 'string', enum: ['enforce', 'log'] },
                  expiry: { type: 'string', enum: ['enforce', 'log'] },
                  revocation: { type: 'string', enum: ['enforce', 'log', 'skip'] },
                },
              },
            },
          },
          trustStores: {
            type: 'array',
            items: { type: 'string', pattern: '^(ca|signingAuthority|tsa):[a-zA-Z0-9_.-]+$', description: 'a trust store is written TYPE:NAME, TYPE one of ca, signingAuthority, tsa and NAME of letters, digits, "_", "." and "-" (e.g. "ca:acme-rockets")' },
          },
          trustedIdentities: { type: 'array', items: { type: 'string', minLength: 1 } },
        },
      },
    },
  },
} as const;

type SchemaNode = { properties?: Record<string, SchemaNode | boolean>; items?: SchemaNode; description?: string };
let compiled: ReturnType<Ajv['compile']> | undefined;
function validator(): ReturnType<Ajv['compile']> {
  return (compiled ??= new Ajv({ allErrors: true, strict: false }).compile(TRUST_POLICY_SCHEMA));
}

const MAX_POLICY_BYTES = 1024 * 1024;

/** Reads and validates a trust policy file. */
export async function loadTrustPolicy(file: string): Promise<TrustPolicyDocument> {
  let text: string;
  try {
    const info = await stat(file);
    if (info.size > MAX_POLICY_BYTES) throw new NotationPolicyError('trust policy file is larger than 1 MiB', file);
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof NotationPolicyError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new NotationPolicyError(code === 'ENOENT' ? 'trust policy file not found' : code === 'EISDIR' ? 'a directory, not a trust policy file (trustpolicy.json)' : `cannot read the trust policy: ${code ?? (err as Error).message}`, file);
  }
  return parseTrustPolicy(text, file);
}

/** Parses and validates a trust policy document's text (JSON). `file` names it in errors. */
export function parseTrustPolicy(text: string, file: string): TrustPolicyDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // V8's messages vary by version: "... in JSON at position N", or the offending token with an excerpt of the text.
    const message = (err as Error).message;
    const at = /position (\d+)/.exec(message);
    let line = at ? text.slice(0, Number(at[1])).split('\n').length : undefined;
    if (line === undefined) {
      const counter = new LineCounter();
      line = parseDocument(text, { lineCounter: counter }).errors[0]?.linePos?.[0]?.line;
    }
    const what = message.split('\n')[0].replace(/ in JSON at position \d+.*$/, '').replace(/, (\.\.\.)?".*$/, '');
    throw new NotationPolicyError(`not valid JSON: ${what}`, file, line);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const lineOf = (keys: (string | number)[]): number | undefined => {
    let node: unknown = doc.contents;
    let line: number | undefined;
    for (const key of keys) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (p.key as { value?: unknown })?.value === key);
        if (!pair) break;
        if ((pair.key as YamlNode)?.range) line = lineCounter.linePos((pair.key as YamlNode).range![0]).line;
        node = pair.value;
      } else if (isSeq(node)) {
        node = node.items[key as number];
        if ((node as YamlNode)?.range) line = lineCounter.linePos((node as YamlNode).range![0]).line;
      } else break;
    }
    return line;
  };
  return validateTrustPolicy(value, file, lineOf);
}

/**
 * Validates a parsed trust policy document: the schema, then the specification's rules. `lineOf`
 * gives the line of a path when the document came from text.
 */
export function validateTrustPolicy(value: unknown, file: string, lineOf: (path: (string | number)[]) => number | undefined = () => undefined): TrustPolicyDocument {
  const validate = validator();
  if (!validate(value)) {
    const errors = validate.errors ?? [];
    // A misspelt key is both unknown and a required key missing: report the misspelling, with its near name.
    const useful = errors.filter(
      (e) =>
        e.keyword !== 'required' ||
        !errors.some(
          (o) =>
            o.keyword === 'additionalProperties' &&
            o.instancePath === e.instancePath &&
            suggest((o.params as { additionalProperty: string }).additionalProperty, [(e.params as { missingProperty: string }).missingProperty]).length > 0,
        ),
    );
    const first = useful
      .map((e) => ({ e, path: errorPath(e), line: lineOf(errorPath(e)) }))
      .sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || b.path.length - a.path.length)[0];
    throw new NotationPolicyError(describeError(first.e, first.path, instanceAt(value, first.path)), file, first.line);
  }
  const document = value as TrustPolicyDocument;
  const fail = (message: string, at: (string | number)[]): never => {
    throw new NotationPolicyError(message, file, lineOf(at));
  };
  const names = new Map<string, number>();
  const scopes = new Map<string, string>();
  document.trustPolicies.forEach((statement, i) => {
    const at = ['trustPolicies', i];
    const label = `trust policy "${statement.name}"`;
    if (names.has(statement.name)) fail(`${label}: the name is used by trust policy ${names.get(statement.name)! + 1} too; names must be unique`, [...at, 'name']);
    names.set(statement.name, i);
    const { level, override } = statement.signatureVerification;
    const stores = statement.trustStores ?? [];
    const identities = statement.trustedIdentities ?? [];
    if (level === 'skip') {
      if (override && Object.keys(override).length > 0) fail(`${label}: level "skip" cannot be customised with override`, [...at, 'signatureVerification', 'override']);
      // The specification: "skip cannot be used with a global scope" (it would let every image no other policy names through unverified).
      if (statement.registryScopes.includes('*')) fail(`${label}: level "skip" cannot be used with the global registry scope "*"; list the repositories whose signatures are not verified`, [...at, 'registryScopes']);
      if (stores.length > 0 || identities.length > 0) {
        fail(`${label}: level "skip" verifies nothing, so it takes no trustStores or trustedIdentities; remove them`, [...at, stores.length > 0 ? 'trustStores' : 'trustedIdentities']);
      }
    } else {
      if (stores.length === 0) fail(`${label}: level "${level}" needs trustStores (e.g. ["ca:acme-rockets"])`, at);
      if (identities.length === 0) fail(`${label}: level "${level}" needs trustedIdentities (e.g. ["x509.subject: C=US, ST=WA, O=acme-rockets.io"] or ["*"])`, at);
      if (identities.includes('*') && identities.length > 1) fail(`${label}: the trusted identity "*" cannot be listed with other identities`, [...at, 'trustedIdentities']);
      const parsed: { text: string; dn: Map<string, string> }[] = [];
      identities.forEach((identity, j) => {
        if (identity === '*') return;
        const where = [...at, 'trustedIdentities', j];
        const dn = parseIdentity(identity);
        if (typeof dn === 'string') fail(`${label}: trusted identity "${identity}": ${dn}`, where);
        else parsed.push({ text: identity, dn: dn as Map<string, string> });
      });
      for (let a = 0; a < parsed.length; a++) {
        for (let b = a + 1; b < parsed.length; b++) {
          if (isSubset(parsed[a].dn, parsed[b].dn) || isSubset(parsed[b].dn, parsed[a].dn)) {
            fail(`${label}: trusted identities "${parsed[a].text}" and "${parsed[b].text}" overlap (one certificate could match both)`, [...at, 'trustedIdentities']);
          }
        }
      }
    }
    const statementScopes = statement.registryScopes;
    if (statementScopes.includes('*') && statementScopes.length > 1) fail(`${label}: the registry scope "*" cannot be listed with other scopes`, [...at, 'registryScopes']);
    statementScopes.forEach((scope, j) => {
      const where = [...at, 'registryScopes', j];
      if (scope !== '*') {
        const problem = registryScopeProblem(scope);
        if (problem) fail(`${label}: registry scope "${scope}" ${problem}`, where);
      }
      const other = scopes.get(scope);
      if (other === statement.name) fail(`${label}: registry scope "${scope}" is listed twice`, where);
      if (other !== undefined) fail(`registry scope "${scope}" is in trust policies "${other}" and "${statement.name}"; a scope may belong to one trust policy only`, where);
      scopes.set(scope, statement.name);
    });
  });
  return document;
}

const DOMAIN = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?$/;
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

function registryScopeProblem(scope: string): string | undefined {
  if (scope.includes('*')) return 'has a wildcard; a scope is a full "registry/repository" or "*" alone';
  const slash = scope.indexOf('/');
  if (slash <= 0) return 'is not a fully qualified "registry/repository" (e.g. "registry.example.com/team/app"; for Docker Hub "docker.io/library/nginx")';
  if (!DOMAIN.test(scope.slice(0, slash))) return `has an invalid registry "${scope.slice(0, slash)}"`;
  if (!REPOSITORY.test(scope.slice(slash + 1))) return `has an invalid repository "${scope.slice(slash + 1)}" (lowercase letters, digits and separators; no tag or digest)`;
  return undefined;
}

/**
 * `x509.subject: C=US, ST=WA, O=acme` as attribute type -> value (types upper-cased), or why it is
 * not a valid identity. Values unescape RFC 4514 escapes (`\,`, `\;`, `\\`, `\ `, `\XX`).
 */
export function parseIdentity(identity: string): Map<string, string> | string {
  const colon = identity.indexOf(':');
  if (colon < 0) return 'has no "x509.subject:" prefix';
  const prefix = identity.slice(0, colon).trim();
  if (prefix !== 'x509.subject') return `uses "${prefix}:"; kshield verifies "x509.subject:" identities only (others need a notation plugin)`;
  const dn = parseDn(identity.slice(colon + 1));
  if (typeof dn === 'string') return dn;
  for (const required of ['C', 'ST', 'O']) {
    if (!dn.has(required)) return `lacks ${required}=; an identity must name at least C (country), ST (state) and O (organization)`;
  }
  return dn;
}

function parseDn(text: string): Map<string, string> | string {
  const out = new Map<string, string>();
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[++i];
    } else if (c === ',' || c === '+' || c === ';') {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  for (const part of parts) {
    const eq = part.search(/(?<!\\)=/);
    if (eq <= 0) return `"${part.trim()}" is not TYPE=VALUE`;
    const type = part.slice(0, eq).trim().toUpperCase();
    const value = unescapeDn(part.slice(eq + 1).replace(/^\s+/, '').replace(/(?<!\\)\s+$/, ''));
    if (!value) return `${type}= has no value`;
    if (out.has(type)) return `names ${type}= twice`;
    out.set(type, value);
  }
  if (out.size === 0) return 'names no attribute';
  return out;
}

function unescapeDn(value: string): string {
  return value.replace(/\\([0-9a-fA-F]{2}|.)/g, (_, e: string) => (e.length === 2 ? String.fromCharCode(parseInt(e, 16)) : e));
}

function isSubset(small: Map<string, string>, large: Map<string, string>): boolean {
  for (const [k, v] of small) if (large.get(k) !== v) return false;
  return true;
}

/** Whether a certificate subject (attributes in order) matches a parsed identity: each of its attributes is in the subject. */
export function identityMatches(identity: Map<string, string>, subject: [string, string][]): boolean {
  for (const [type, value] of identity) {
    if (!subject.some(([k, v]) => k.toUpperCase() === type && v === value)) return false;
  }
  return true;
}

/**
 * The trust policy that applies to `registry/repository`, as notation chooses it: the policy whose
 * registryScopes list the repository exactly, else the global ("*") one, else none.
 */
export function selectTrustPolicy(document: TrustPolicyDocument, scope: string): TrustPolicyStatement | undefined {
  return document.trustPolicies.find((p) => p.registryScopes.includes(scope)) ?? document.trustPolicies.find((p) => p.registryScopes.includes('*'));
}

/** The document a NotationPolicy names: parsed and validated (errors name the file). */
export async function trustPolicyOf(policy: NotationPolicy): Promise<TrustPolicyDocument> {
  if (policy.trustPolicy !== undefined) return validateTrustPolicy(policy.trustPolicy, policy.trustPolicyFile ?? 'trust policy');
  if (policy.trustPolicyFile) return loadTrustPolicy(policy.trustPolicyFile);
  throw new NotationPolicyError('no trust policy given: pass a trust policy file (notation trustpolicy.json, version 1.0)', 'trust policy');
}

/**
 * What is wrong with a trust store directory for a trust policy, checked before any image is: the
 * directory is not one, or a store the policy names has no directory or no certificate file in it.
 * Undefined when every named store is there (its certificates are read and judged at verification).
 */
export function trustStoreProblem(document: TrustPolicyDocument, storeDir: string, shownDir = storeDir): string | undefined {
  let info;
  try {
    info = statSync(storeDir);
  } catch {
    return `${shownDir}: no such directory`;
  }
  if (!info.isDirectory()) return `${shownDir} is not a directory (notation's trust store directory holds x509/ca|signingAuthority|tsa/NAME/*.pem)`;
  for (const statement of document.trustPolicies) {
    for (const store of statement.trustStores ?? []) {
      const [type, name] = store.split(':', 2);
      const shown = path.join(shownDir, 'x509', type, name);
      let files: string[];
      try {
        files = readdirSync(path.join(storeDir, 'x509', type, name));
      } catch {
        return `trust policy "${statement.name}" names trust store ${store}, but ${shown} does not exist`;
      }
      if (!files.some((f) => /\.(pem|crt|cer)$/i.test(f))) return `trust store ${store} (${shown}) holds no .pem, .crt or .cer certificate`;
    }
  }
  return undefined;
}

const MAX_STORE_FILES = 256;
const MAX_CERT_FILE_BYTES = 1024 * 1024;

/**
 * The certificates of named trust store `type:name` under `dir/x509/type/name/` (files ending .pem,
 * .crt or .cer; PEM or DER; subdirectories ignored, as the specification says). Throws an Error
 * saying exactly what is wrong: a missing store, a symbolic link (the specification forbids them),
 * a file that holds no certificate, or a certificate that is neither a CA nor self-signed.
 */
export async function loadTrustStore(dir: string, type: TrustStoreType, name: string): Promise<NotaryCertificate[]> {
  const storeDir = path.join(dir, 'x509', type, name);
  let info;
  try {
    info = await lstat(storeDir);
  } catch {
    throw new Error(`trust store ${type}:${name} does not exist (no directory ${storeDir})`);
  }
  if (info.isSymbolicLink()) throw new Error(`trust store ${type}:${name} is a symbolic link (${storeDir}); the Notary Project does not allow them`);
  if (!info.isDirectory()) throw new Error(`trust store ${type}:${name} (${storeDir}) is not a directory`);
  const entries = (await readdir(storeDir, { withFileTypes: true })).filter((e) => /\.(pem|crt|cer)$/i.test(e.name)).sort((a, b) => a.name.localeCompare(b.name));
  if (entries.length > MAX_STORE_FILES) throw new Error(`trust store ${type}:${name} holds more than ${MAX_STORE_FILES} certificate files`);
  const certs: NotaryCertificate[] = [];
  for (const entry of entries) {
    const file = path.join(storeDir, entry.name);
    if (entry.isSymbolicLink()) throw new Error(`trust store ${type}:${name}: ${file} is a symbolic link; the Notary Project does not allow them`);
    if (!entry.isFile()) continue;
    if ((await stat(file)).size > MAX_CERT_FILE_BYTES) throw new Error(`trust store ${type}:${name}: ${file} is larger than 1 MiB`);
    const ders = readCertificates(await readFile(file));
    if (ders.length === 0) throw new Error(`trust store ${type}:${name}: ${file} holds no certificate`);
    for (const der of ders) {
      let cert: NotaryCertificate;
      try {
        cert = new NotaryCertificate(der);
      } catch {
        throw new Error(`trust store ${type}:${name}: ${file} holds something that is not an X.509 certificate`);
      }
      if (!cert.basicConstraints()?.ca && !cert.selfSigned) {
        throw new Error(`trust store ${type}:${name}: ${file} holds ${cert.name}, which is neither a CA certificate nor self-signed`);
      }
      certs.push(cert);
    }
  }
  if (certs.length === 0) throw new Error(`trust store ${type}:${name} (${storeDir}) holds no .pem, .crt or .cer certificate`);
  return certs;
}

function errorPath(err: ErrorObject): (string | number)[] {
  const tokens: (string | number)[] = err.instancePath
    .split('/')
    .slice(1)
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((t) => (/^\d+$/.test(t) ? Number(t) : t));
  if (err.keyword === 'additionalProperties') tokens.push((err.params as { additionalProperty: string }).additionalProperty);
  if (err.keyword === 'false schema') return tokens;
  return tokens;
}

function instanceAt(value: unknown, at: (string | number)[]): unknown {
  let node = value;
  for (const key of at) node = node && typeof node === 'object' ? (node as Record<string | number, unknown>)[key] : undefined;
  return node;
}

function schemaAt(at: (string | number)[]): SchemaNode | undefined {
  let node: SchemaNode | boolean | undefined = TRUST_POLICY_SCHEMA as unknown as SchemaNode;
  for (const token of at) {
    if (!node || typeof node === 'boolean') return undefined;
    node = typeof token === 'number' ? node.items : node.properties?.[token];
  }
  return typeof node === 'object' ? node : undefined;
}

function describeError(err: ErrorObject, at: (string | number)[], instance: unknown): string {
  const where = at.length ? at.map((t, i) => (typeof t === 'number' ? `[${t}]` : i === 0 ? t : `.${t}`)).join('') : 'trust policy';
  switch (err.keyword) {
    case 'additionalProperties': {
      const key = String(at[at.length - 1]);
      const known = Object.keys(schemaAt(at.slice(0, -1))?.properties ?? {}).filter((k) => k !== 'integrity');
      const near = didYouMean(suggest(key, known));
      return `unknown key "${where}"${near ? `; ${near}` : ''}`;
    }
    case 'false schema':
      return `${where}: integrity cannot be overridden; the Notary Project always enforces it`;
    case 'enum': {
      const allowed = (err.params as { allowedValues: unknown[] }).allowedValues;
      if (at.length === 1 && at[0] === 'version') return `version: unsupported trust policy version ${JSON.stringify(instance)}; the supported version is "1.0"`;
      const near = typeof instance === 'string' ? didYouMean(suggest(instance, allowed.filter((v): v is string => typeof v === 'string'))) : '';
      return `${where}: must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}${near ? `; ${near}` : ''}`;
    }
    case 'required':
      return `${where}: missing required key "${(err.params as { missingProperty: string }).missingProperty}"`;
    case 'type': {
      if (at.length === 1 && at[0] === 'version') return `version: must be the string "1.0" (quoted), not ${JSON.stringify(instance)}`;
      const type = (err.params as { type: string }).type;
      return `${where}: must be ${type === 'array' ? 'a list' : type === 'object' ? 'an object' : `a ${type}`}`;
    }
    case 'minItems':
      return `${where}: must not be empty`;
    case 'minLength':
      return `${where}: must not be empty`;
    case 'pattern': {
      const near = typeof instance === 'string' && instance.includes(':') ? didYouMean(suggest(instance.slice(0, instance.indexOf(':')), TRUST_STORE_TYPES)) : '';
      return `${where}: ${JSON.stringify(instance)} ${schemaAt(at)?.description ? `is not valid: ${schemaAt(at)!.description}` : 'has the wrong form'}${near ? `; ${near}` : ''}`;
    }
    default:
      return `${where}: ${err.message ?? 'is invalid'}`;
  }
}
