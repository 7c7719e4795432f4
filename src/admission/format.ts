/**
 * What a person sees at admission: the deny message (`kubectl apply` prints it after "admission
 * webhook ... denied the request:") and the warnings (printed as "Warning: ..."). Both are built
 * from the same finding fields `kshield scan` prints, so the words are the same in CI and here.
 *
 * Limits come from the API server: each warning is sent as an HTTP Warning header, which must be
 * printable text on one line; warnings are deduplicated, and once their total passes 4096
 * characters each is cut to 256 (k8s.io/apiserver, filters/warning.go). The Kubernetes API
 * conventions ask for warnings of at most 120 characters "if possible", formatted
 * "path.to.field: message", without a "Warning:" prefix.
 */
import type { Finding } from '../core/types.js';
import { isObject } from '../core/values.js';

const MAX_WARNING_CHARS = 256;
export const MAX_WARNINGS_TOTAL_CHARS = 4000;
const MAX_DENY_LINES = 10;
const MAX_MESSAGE_CHARS = 4000;
const MAX_FIX_CHARS = 160;

// Control characters and line/paragraph separators would break the one-line Warning header (the
// API server drops such a warning) and could rewrite a terminal line when kubectl prints it.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g;

export function oneLine(text: string): string {
  return text.replace(UNPRINTABLE, ' ');
}

/** Cuts at `max` characters (code points), ending with "…". */
export function cut(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : chars.slice(0, max - 1).join('') + '…';
}

/**
 * A JSON Pointer as the dotted path Kubernetes uses in field errors:
 * `/spec/template/spec/containers/0/image` → `spec.template.spec.containers[0].image`. Array
 * indexes are told from map keys by the object itself; keys that are not identifiers are quoted
 * (`metadata.annotations["kshield.io/ignore"]`).
 */
export function fieldPath(pointer: string, object?: unknown): string {
  if (pointer === '' || pointer === '/') return '';
  let out = '';
  let node: unknown = object;
  for (const raw of pointer.split('/').slice(1)) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const inArray = Array.isArray(node) || (node === undefined && /^(0|[1-9]\d*)$/.test(token));
    if (inArray && /^(0|[1-9]\d*)$/.test(token)) out += `[${token}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(token)) out += out === '' ? token : `.${token}`;
    else out += `[${JSON.stringify(token)}]`;
    node = Array.isArray(node) ? node[Number(token)] : isObject(node) ? node[token] : undefined;
  }
  return out;
}

/** The first sentence of a remediation, short enough for one line of a deny message. */
export function firstSentence(text: string, max = MAX_FIX_CHARS): string {
  const flat = oneLine(text).trim();
  const m = /^(.+?[.;])(\s|$)/.exec(flat);
  const sentence = m ? m[1].replace(/;$/, '.') : flat;
  return cut(sentence, max);
}

/** A finding as one warning: "path.to.field: message [rule-id]", within the API server's per-item limit. */
export function warningText(finding: Finding, object: unknown, note?: string): string {
  const field = fieldPath(finding.path, object);
  const suffix = ` [${finding.rule}${note ? `; ${note}` : ''}]`;
  const body = oneLine(field ? `${field}: ${finding.message}` : finding.message);
  return cut(body, MAX_WARNING_CHARS - Array.from(suffix).length) + suffix;
}

/**
 * Keeps warnings within the total the API server passes on untruncated; the ones left out are
 * named by rule id in a last warning, so nothing disappears silently.
 */
export function capWarnings(items: { text: string; rule: string }[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  let total = 0;
  const leftOut: string[] = [];
  for (const item of items) {
    if (seen.has(item.text)) continue;
    seen.add(item.text);
    const size = Array.from(item.text).length;
    if (total + size > MAX_WARNINGS_TOTAL_CHARS - MAX_WARNING_CHARS) {
      leftOut.push(item.rule);
      continue;
    }
    total += size;
    out.push(item.text);
  }
  if (leftOut.length > 0) {
    const rules = [...new Set(leftOut)];
    out.push(cut(`${leftOut.length} more kshield warning(s) not shown (${rules.join(', ')}); run kshield scan on the manifest for all of them`, MAX_WARNING_CHARS));
  }
  return out;
}

/**
 * The deny message: which object, then one line per blocking finding with its rule id, field,
 * message and the first sentence of its remediation.
 */
export function denyMessage(subject: string, blocking: readonly Finding[], object: unknown): string {
  const rules = new Set(blocking.map((f) => f.rule)).size;
  const places = blocking.length > rules ? ` (${blocking.length} findings)` : '';
  const lines = [`kshield: ${oneLine(subject)} violates ${rules === 1 ? '1 enforced rule' : `${rules} enforced rules`}${places}:`];
  let size = lines[0].length;
  let shown = 0;
  for (const f of blocking) {
    if (shown >= MAX_DENY_LINES) break;
    const field = fieldPath(f.path, object);
    const line = `- [${f.rule}] ${field ? `${field}: ` : ''}${oneLine(f.message)}. Fix: ${firstSentence(f.remediation)}`.replace(/\.\. Fix:/, '. Fix:');
    if (size + line.length + 1 > MAX_MESSAGE_CHARS) break;
    lines.push(line);
    size += line.length + 1;
    shown++;
  }
  if (shown < blocking.length) {
    const rest = blocking.slice(shown);
    lines.push(`- and ${rest.length} more: ${[...new Set(rest.map((f) => f.rule))].join(', ')} (kshield scan shows them all)`);
  }
  return lines.join('\n');
}
