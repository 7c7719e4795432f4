/**
 * How kshield speaks about a secret without showing it. Every finding about a credential names
 * where it is (the key, setting or line) and the value's length class only:
 *
 *     key "password": 16 to 31 characters
 *
 * Nothing computed from the value is printed: no prefix or suffix, no exact length and no hash. A
 * hash (even 32 bits of one, as kshield printed before) with the exact length lets anyone who reads a
 * report confirm a guessed short or weak credential offline, and reports travel (CI logs, SARIF
 * uploads, tickets). Telling two values apart within a report was the hash's only use; no rule needs
 * it, and a key kept for one run would make finding fingerprints (which may include the message)
 * change from run to run. The length class tells a placeholder from a real key, and says no more
 * than a reader of the manifest's shape would guess.
 */
import { detectSecrets, type SecretHit } from './secrets-detect.js';

/** Upper bounds (exclusive) of the length classes; longer values are "64 or more". */
const LENGTH_CLASSES = [8, 16, 32, 64];

/** "fewer than 8 characters", "16 to 31 characters", "64 bytes or more": the length class of a value, never its length. */
export function describeLength(value: string | Uint8Array): string {
  const length = typeof value === 'string' ? [...value].length : value.length;
  const unit = typeof value === 'string' ? 'characters' : 'bytes';
  if (length === 0) return 'empty';
  let lower = 0;
  for (const upper of LENGTH_CLASSES) {
    if (length < upper) return lower === 0 ? `fewer than ${upper} ${unit}` : `${lower} to ${upper - 1} ${unit}`;
    lower = upper;
  }
  return `${lower} ${unit} or more`;
}

/** 'key "password": 16 to 31 characters' */
export function describeKeyValue(key: string, value: string | Uint8Array): string {
  return `key ${JSON.stringify(key)}: ${describeLength(value)}`;
}

/**
 * One detector hit as a phrase for a message: what kind of credential, where inside the value
 * (setting and line for config files), and its length class.
 */
export function describeHit(hit: SecretHit): string {
  const where: string[] = [];
  if (hit.setting !== undefined) where.push(`setting ${JSON.stringify(hit.setting)}`);
  if (hit.line !== undefined) where.push(`line ${hit.line}`);
  if (hit.decoded) where.push('after base64 decoding');
  return `${hit.label}${where.length ? ` (${where.join(', ')})` : ''}: ${describeLength(hit.secret)}`;
}

/** What replaces quoted input in a parser's or renderer's message: "<redacted, fewer than 8 characters>". */
export function redacted(text: string): string {
  return `<redacted, ${describeLength(text)}>`;
}

/**
 * Parser messages may quote input (an alias or tag name, a directive): that input can be a
 * credential on a malformed line, so quoted parts are replaced by their length class.
 */
export function redactQuoted(message: string): string {
  return message
    .replace(/^((?:tag prefix is malformed|tag name cannot contain such characters|tag name is malformed): )([\s\S]*)$/, (_, lead: string, rest: string) => `${lead}${redacted(rest)}`)
    .replace(/!<([^>]*)>/g, (_, tag: string) => `!<${redacted(tag)}>`)
    .replace(/"([^"]*)"/g, (whole, inner: string) => (/^(?:scalar|sequence|mapping|%YAML|%TAG)$/.test(inner) ? whole : `"${redacted(inner)}"`));
}

/**
 * The KEY=value words of a shell-ish line (`export K=v`, `--build-arg K=v`, BuildKit's history
 * `|2 K=v K2=v /bin/sh -c ...`), quotes around a value removed; `written` is the value as it stands.
 */
export function shellAssignments(line: string): { key: string; value: string; written: string }[] {
  const out: { key: string; value: string; written: string }[] = [];
  const re = /(?:^|[\s;&|])(?:export\s+|--build-arg[ =])?([A-Za-z_][A-Za-z0-9_]{0,120})=("[^"]*"|'[^']*'|[^\s;&|]+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push({ key: m[1], value: m[2].replace(/^(["'])(.*)\1$/, '$2'), written: m[2] });
  return out;
}

/** Most credentials one line of text may hold: the detector reports the first; the rest are found with it masked. */
const MAX_CREDENTIALS_PER_LINE = 32;

/**
 * Every credential in a line of text, not only the first the detector finds (a RUN line may hold a
 * token and a key), and the password of a `curl -u user:password` / `--user` argument.
 */
export function credentialsInText(text: string): SecretHit[] {
  const hits: SecretHit[] = [];
  let rest = text;
  for (let i = 0; i < MAX_CREDENTIALS_PER_LINE; i++) {
    const hit = detectSecrets(undefined, rest, { decode: false })[0];
    if (!hit || hit.secret === '' || !rest.includes(hit.secret)) break;
    hits.push(hit);
    rest = rest.split(hit.secret).join(' ');
  }
  const userOption = /(?:^|\s)(?:-u|--user)(?:\s+|=)(["']?)([^\s:"'$]+):([^\s"']+)\1/g;
  for (let m = userOption.exec(text); m; m = userOption.exec(text)) {
    // A variable ($TOKEN, ${PASS}) is not the credential itself.
    if (!m[3].startsWith('$') && !m[3].startsWith('<redacted')) hits.push({ kind: 'named-value', label: 'a password given with -u/--user', secret: m[3] } as SecretHit);
  }
  return hits;
}

/**
 * A line of build text (a history entry, a Dockerfile instruction) fit to print: each credential in
 * it, a known format or the value of a secret-named `NAME=value`, replaced by its length class.
 */
export function redactSecretsInText(text: string): string {
  let out = text;
  const secrets = new Set<string>();
  for (const hit of credentialsInText(text)) secrets.add(hit.secret);
  for (const { key, value, written } of shellAssignments(text)) {
    // Text redacted once already (a history line shown again) keeps its placeholders as they are.
    if (written.startsWith('<redacted')) continue;
    for (const hit of detectSecrets(key, value, { decode: false })) secrets.add(hit.secret);
  }
  // An AWS secret access key has no prefix of its own: it is known by the name written before it,
  // also when only white space separates them (a pasted credentials line, `aws configure list`).
  for (const m of text.matchAll(/\b(?:aws_)?secret_access_key["']?\s+["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi)) secrets.add(m[1]);
  // Longest first, so that a secret holding a shorter one is replaced whole.
  for (const secret of [...secrets].filter((s) => s !== '').sort((a, b) => b.length - a.length)) out = out.split(secret).join(redacted(secret));
  return out;
}
