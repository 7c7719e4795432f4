/**
 * How kshield speaks about a secret without showing it. Every finding about a credential names
 * where it is (the key) and identifies the value by a redacted fingerprint:
 *
 *     key "password": 24 chars, sha256:1a2b3c4d
 *
 * The length and the first 32 bits of the value's SHA-256 let people tell two values apart, see
 * that a rotation happened, or match a finding to the credential they hold, without any prefix or
 * suffix of the value ever being printed. 32 bits do not reveal a strong credential, but they do
 * confirm a guess of a weak one: treat reports as internal documents all the same.
 */
import { createHash } from 'node:crypto';
import type { SecretHit } from './secrets-detect.js';

/** "24 chars, sha256:1a2b3c4d" */
export function fingerprint(value: string | Uint8Array): string {
  const length = typeof value === 'string' ? [...value].length : value.length;
  const unit = typeof value === 'string' ? 'chars' : 'bytes';
  const hash = createHash('sha256').update(value).digest('hex').slice(0, 8);
  return `${length} ${length === 1 ? unit.slice(0, -1) : unit}, sha256:${hash}`;
}

/** 'key "password": 24 chars, sha256:1a2b3c4d' */
export function describeKeyValue(key: string, value: string | Uint8Array): string {
  return `key ${JSON.stringify(key)}: ${fingerprint(value)}`;
}

/**
 * One detector hit as a phrase for a message: what kind of credential, where inside the value
 * (setting and line for config files), and its fingerprint.
 */
export function describeHit(hit: SecretHit): string {
  const where: string[] = [];
  if (hit.setting !== undefined) where.push(`setting ${JSON.stringify(hit.setting)}`);
  if (hit.line !== undefined) where.push(`line ${hit.line}`);
  if (hit.decoded) where.push('after base64 decoding');
  return `${hit.label}${where.length ? ` (${where.join(', ')})` : ''}: ${fingerprint(hit.secret)}`;
}

/**
 * Parser messages may quote input (an alias or tag name, a directive): that input can be a
 * credential on a malformed line, so quoted parts are replaced by a fingerprint.
 */
export function redactQuoted(message: string): string {
  return message
    .replace(/^((?:tag prefix is malformed|tag name cannot contain such characters|tag name is malformed): )([\s\S]*)$/, (_, lead: string, rest: string) => `${lead}${fingerprint(rest)}`)
    .replace(/!<([^>]*)>/g, (_, tag: string) => `!<${fingerprint(tag)}>`)
    .replace(/"([^"]*)"/g, (whole, inner: string) => (/^(?:scalar|sequence|mapping|%YAML|%TAG)$/.test(inner) ? whole : `"${fingerprint(inner)}"`));
}
