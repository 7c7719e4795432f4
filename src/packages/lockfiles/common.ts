/**
 * What every lockfile reader shares: its result, its error (with the line of the problem), JSON
 * parsing that says where it failed, and the lines of JSON object keys (JSON.parse gives none).
 */
import type { Package } from '../model.js';

export interface LockfileNote {
  line?: number;
  message: string;
  /** The file the line is in, when it is not the lockfile itself (a requirements file's `-r` include). */
  path?: string;
}

export interface LockfileResult {
  packages: Package[];
  /** What was left out or could not be decided (an unpinned requirement, a version from a parent POM). */
  notes: LockfileNote[];
  /** Other files the lockfile reads in (`-r other.txt`), relative to its directory. */
  includes?: string[];
}

/**
 * Files next to a lockfile that say what the project itself declares (package.json beside
 * yarn.lock, pyproject.toml beside poetry.lock, Pipfile beside Pipfile.lock, parent POMs): the
 * walker reads them, the readers stay pure.
 */
export interface LockfileContext {
  /** The manifest beside the lockfile, as text (package.json, pyproject.toml, Pipfile). */
  manifest?: string;
  /** go.sum beside go.mod. */
  goSum?: string;
  /** Parent POMs found in the tree, nearest first, with their paths. */
  parentPoms?: { path: string; text: string }[];
}

/**
 * Hides the user-information part of URLs in a text (`https://user:token@host/` becomes
 * `https://***@host/`): lockfiles and requirements files name private registries and git
 * remotes with credentials in them, and messages quote those lines.
 */
export function withoutUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'`]+@/gi, '$1***@');
}

/** A lockfile that cannot be read: the reader stops at the first such problem and says where it is. */
export class LockfileError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(withoutUrlCredentials(message));
    this.name = 'LockfileError';
  }
}

export type LockfileReader = (text: string, path: string, context?: LockfileContext) => LockfileResult;

/** 1-based line of a character offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** JSON.parse, with the line of a syntax error. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    // V8 gives a position for some errors only ("Unexpected token '}', "…" is not valid JSON" has
    // none, and quotes the text): the first offending character is found by a scan of our own.
    const offset = firstJsonError(text);
    const line = offset === undefined ? undefined : lineAt(text, offset);
    const found = offset === undefined ? '' : offset >= text.length ? 'the text ends too early' : `unexpected ${JSON.stringify(text[offset])}`;
    const reason = found || (err as Error).message.replace(/,?\s*".*" is not valid JSON$/s, '').replace(/\s*\(line \d+ column \d+\)/, '').replace(/ in JSON at position \d+/, '');
    throw new LockfileError(`not valid JSON, so not a readable ${what}: ${reason}`, line);
  }
}

/**
 * The offset of the first character that makes `text` invalid JSON (text.length when it ends too
 * early), or undefined when it finds none. Iterative: a deeply nested file cannot exhaust the stack.
 */
export function firstJsonError(text: string): number | undefined {
  const n = text.length;
  let i = 0;
  const skipSpace = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  // A stack of open containers; for each, what may come next.
  const stack: ('{' | '[')[] = [];
  type Want = 'value' | 'key' | 'colon' | 'after' | 'first-key' | 'first-value';
  let want: Want = 'value';
  for (;;) {
    skipSpace();
    if (i >= n) return stack.length === 0 && want === 'after' ? undefined : n;
    const c = text[i];
    if (want === 'after') {
      if (stack.length === 0) return i; // something after the top-level value
      const top = stack[stack.length - 1];
      if (c === ',') {
        i++;
        want = top === '{' ? 'key' : 'value';
      } else if ((c === '}' && top === '{') || (c === ']' && top === '[')) {
        i++;
        stack.pop();
        want = 'after';
      } else return i;
      continue;
    }
    if (want === 'colon') {
      if (c !== ':') return i;
      i++;
      want = 'value';
      continue;
    }
    if (want === 'key' || want === 'first-key') {
      if (want === 'first-key' && c === '}') {
        i++;
        stack.pop();
        want = 'after';
        continue;
      }
      if (c !== '"') return i;
      const end = stringEnd(text, i);
      if (end < 0) return -end;
      i = end;
      want = 'colon';
      continue;
    }
    // A value.
    if (want === 'first-value' && c === ']') {
      i++;
      stack.pop();
      want = 'after';
      continue;
    }
    if (c === '{' || c === '[') {
      stack.push(c);
      i++;
      want = c === '{' ? 'first-key' : 'first-value';
      continue;
    }
    if (c === '"') {
      const end = stringEnd(text, i);
      if (end < 0) return -end;
      i = end;
      want = 'after';
      continue;
    }
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (!literal) return i;
    i += literal[0].length;
    want = 'after';
  }
}

/** The offset after the string starting at `start`, or minus the offset of its first bad character. */
function stringEnd(text: string, start: number): number {
  for (let j = start + 1; j < text.length; j++) {
    const d = text.charCodeAt(j);
    if (d === 34) return j + 1;
    if (d < 32) return -j;
    if (d === 92) {
      const e = text[j + 1];
      if (e === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(j + 2, j + 6))) return -(j + 1);
        j += 5;
      } else if (e !== undefined && '"\\/bfnrt'.includes(e)) j++;
      else return -(j + 1);
    }
  }
  return -text.length;
}

/** The first error of a YAML document, worded for a person ("nested too deeply" for the parser's stack running out). */
export function yamlErrorMessage(message: string): string {
  const first = message.split('\n')[0];
  return /Maximum call stack size exceeded/.test(first) ? 'nested too deeply to read' : first.replace(/ at line \d+, column \d+:?$/, '');
}

/**
 * A parsed YAML document as plain data, aliases expanded at most `maxAliasCount` times in all (an
 * alias bomb otherwise grows exponentially), as a LockfileError when it cannot be.
 */
export function yamlData(doc: { toJS: (options: { maxAliasCount: number }) => unknown }): unknown {
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new LockfileError(`cannot be read: ${/alias/i.test((err as Error).message) ? 'YAML aliases expand too many times (a resource-exhaustion attack or a damaged file)' : (err as Error).message}`);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringField(value: unknown, field: string): string | undefined {
  if (!isRecord(value)) return undefined;
  const v = value[field];
  return typeof v === 'string' ? v : undefined;
}

/**
 * The lines of the keys of a JSON text whose path `want` accepts (`want(["packages"], "node_modules/a")`),
 * in one pass over the text. Keys are told apart by their whole path, so a name that appears at
 * several depths (npm v1's nested `dependencies`) gets each line it has. Returns a map from the
 * path joined by NUL to the line.
 */
export function jsonKeyLines(text: string, want: (parents: readonly string[], key: string) => boolean): Map<string, number> {
  const lines = new Map<string, number>();
  // One frame per open container: for an object, the key being read; for an array, null.
  const path: (string | null)[] = [];
  const kinds: ('{' | '[')[] = [];
  let line = 1;
  let expectKey = false;
  let lastKey: string | null = null;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      continue;
    }
    if (c === 34 /* " */) {
      const start = i + 1;
      let escaped = false;
      let j = start;
      for (; j < n; j++) {
        const d = text.charCodeAt(j);
        if (escaped) escaped = false;
        else if (d === 92) escaped = true;
        else if (d === 34) break;
      }
      if (expectKey && kinds[kinds.length - 1] === '{') {
        const raw = text.slice(start, j);
        const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        lastKey = key;
        const parents = path.filter((p): p is string => p !== null);
        if (want(parents, key)) lines.set([...parents, key].join('\u0000'), line);
        expectKey = false;
      }
      i = j;
      continue;
    }
    if (c === 123 /* { */ || c === 91 /* [ */) {
      // The container's own key (if any) becomes part of the path of what is inside it.
      path.push(kinds.length === 0 ? null : kinds[kinds.length - 1] === '{' ? lastKey : null);
      kinds.push(c === 123 ? '{' : '[');
      expectKey = c === 123;
      continue;
    }
    if (c === 125 /* } */ || c === 93 /* ] */) {
      path.pop();
      kinds.pop();
      expectKey = false;
      continue;
    }
    if (c === 44 /* , */) {
      expectKey = kinds[kinds.length - 1] === '{';
      continue;
    }
  }
  return lines;
}

/** Keeps the first occurrence of each purl, adding the locations of the later ones to it. */
export function mergeByPurl(packages: Package[]): Package[] {
  const byPurl = new Map<string, Package>();
  const out: Package[] = [];
  for (const p of packages) {
    const seen = byPurl.get(p.purl);
    if (!seen) {
      byPurl.set(p.purl, p);
      out.push(p);
      continue;
    }
    for (const loc of p.locations) if (!seen.locations.some((l) => l.path === loc.path && l.line === loc.line)) seen.locations.push(loc);
    // A package is direct if any occurrence is; development-only or optional only if every occurrence is.
    if (p.direct !== undefined) seen.direct = (seen.direct ?? false) || p.direct;
    seen.dev = allOf(seen.dev, p.dev);
    seen.optional = allOf(seen.optional, p.optional);
    if (seen.dev === undefined) delete seen.dev;
    if (seen.optional === undefined) delete seen.optional;
    if (p.dependsOn) seen.dependsOn = [...new Set([...(seen.dependsOn ?? []), ...p.dependsOn])];
  }
  return out;
}

/** true when both say true, false when either says false, else unknown. */
function allOf(a: boolean | undefined, b: boolean | undefined): boolean | undefined {
  if (a === true && b === true) return true;
  if (a === false || b === false) return false;
  return undefined;
}
