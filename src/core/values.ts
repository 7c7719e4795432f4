/** Type-safe readers for parsed manifests, where any field may hold any type. */
import type { JsonObject } from './types.js';

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function asObject(value: unknown): JsonObject | undefined {
  return isObject(value) ? value : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Reads a nested field: get(o, 'spec', 'template') */
export function fieldAt(value: unknown, ...keys: (string | number)[]): unknown {
  let node = value;
  for (const key of keys) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key as string];
  }
  return node;
}

export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(value)) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

/**
 * A copy of `text` that shares no memory with the file it came from. V8 keeps substrings (and
 * strings built from them) as views into the whole source text, so one name kept in a finding
 * would keep a whole manifest file alive; flattening a short concatenation breaks that link.
 */
export function detach(text: string): string {
  return text.length < 13 ? text : (text + ' ').slice(0, -1);
}

/**
 * Detaches, in place, every long string in a parsed value from the source text (see detach): for
 * objects kept past their file, so that the file's text can go. Values compare equal before and
 * after; only where the characters live changes.
 */
export function detachStrings(value: unknown, depth = 0): void {
  // A frozen value is shared (a parsed image reference from a cache): it cannot change, and need not.
  if (value === null || typeof value !== 'object' || depth > 256 || Object.isFrozen(value)) return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (typeof v === 'string') {
        if (v.length >= 13) value[i] = detach(v);
      } else detachStrings(v, depth + 1);
    }
    return;
  }
  const o = value as Record<string, unknown>;
  for (const k in o) {
    const v = o[k];
    if (typeof v === 'string') {
      if (v.length >= 13) o[k] = detach(v);
    } else detachStrings(v, depth + 1);
  }
}
