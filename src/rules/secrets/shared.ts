/** Helpers the secrets rules share. */
import type { Resource } from '../../core/types.js';
import { asObject } from '../../core/values.js';
import { decodeSecretData, detectSecretObjectValue, isLiteralSecretValue } from '../../core/secrets-detect.js';
import { describeHit, describeLength } from '../../core/redact.js';

export const SECRET_DOC = 'https://kubernetes.io/docs/concepts/configuration/secret/';

export const SECRETS_GOOD_PRACTICES = 'https://kubernetes.io/docs/concepts/security/secrets-good-practices/';

// ---------------------------------------------------------------------------------------------
// Fake credentials for the examples, assembled from pieces so that no complete token sits in the
// source (secret scanners of code hosts would flag it) while the detectors still recognise them.

export const join = (...parts: string[]): string => parts.join('');

export const FAKE_PEM_BODY = 'Tm90QVJlYWxLZXkuSnVzdEFuRXhhbXBsZUZvcktzaGllbGQuTm90QVJlYWxLZXkuSnVzdEFuRXhhbXBsZQ==';

export const FAKE_PEM = join('-----BEGIN ', 'PRIVATE KEY-----\n', FAKE_PEM_BODY, '\n-----END ', 'PRIVATE KEY-----');

export const FAKE_GITHUB_TOKEN = join('gh', 'p_', 'kshieldExampleNotARealToken', '000000000');

export const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

// ---------------------------------------------------------------------------------------------

export function subject(resource: Resource): string {
  return `${resource.kind} "${resource.name}"`;
}

export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Whether a Secret value (decoded) is data at all rather than an empty value, placeholder, template or public certificate. */
export function isRealSecretValue(value: string | Buffer): boolean {
  if (typeof value !== 'string') return value.length > 0;
  // tls.crt and ca.crt hold certificates, and public keys are public; a private key kept with them
  // is reported on its own key.
  if (/-----BEGIN (?:CERTIFICATE|(?:[A-Z0-9]+ )?PUBLIC KEY)-----/.test(value) && !/PRIVATE KEY-----/.test(value)) return false;
  if (/^(?:ssh-(?:rsa|ed25519|dss)|ecdsa-sha2-[a-z0-9]+|sk-ssh-ed25519@openssh\.com) AAAA[A-Za-z0-9+/=]+(?: [^\n]*)?\s*$/.test(value)) return false;
  return isLiteralSecretValue(value);
}

/** A `data` value as the workload will see it: text when it decodes to UTF-8, bytes otherwise, the raw text when it is not base64. */
export function decodedData(raw: string): string | Buffer {
  const bytes = decodeSecretData(raw);
  if (bytes === undefined) return raw;
  const text = bytes.toString('utf8');
  return text.includes('\uFFFD') ? bytes : text;
}

export interface SecretEntry {
  field: 'data' | 'stringData';
  key: string;
  value: string | Buffer;
  /** What the value holds that makes it a credential, with its length class ("an AWS access key id: 16 to 31 characters"); undefined for configuration without credentials. */
  credential?: string;
}

/**
 * Every key of a Secret that holds data, judged by the shared detector (detectSecretObjectValue):
 * a credential, or configuration without one. Empty values, placeholders, templates and
 * certificates are left out. Never holds a value in `credential`, only a description with the
 * value's length class.
 */
export function secretEntries(resource: Resource): SecretEntry[] {
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
        out.push({ field, key, value, credential: `binary data that cannot be read as text (a keystore, keytab or raw key): ${describeLength(value)}` });
        continue;
      }
      const hit = detectSecretObjectValue(key, value)[0];
      if (!hit) out.push({ field, key, value });
      else if (hit.kind === 'named-value' && hit.setting === undefined && hit.secret === value.trim())
        out.push({ field, key, value, credential: `a literal credential under a secret-named key: ${describeLength(hit.secret)}` });
      // The length class is the credential's own (hit.secret), as in every other finding about one.
      else out.push({ field, key, value, credential: describeHit(hit) });
    }
  }
  return out;
}
