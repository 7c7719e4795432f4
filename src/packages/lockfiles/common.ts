/**
 * What every lockfile reader shares: its result, its error (with the line of the problem), JSON
 * parsing that says where it failed, and the lines of JSON object keys (JSON.parse gives none).
 */
import type { Package } from '../model.js';

export interface LockfileNote {
  line?: number;
  message: string;
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

/** A lockfile that cannot be read: the reader stops at the first such problem and says where it is. */
export class LockfileError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
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
    const message = (err as Error).message;
    const lineCol = /\(line (\d+) column \d+\)/.exec(message);
    const position = /at position (\d+)/.exec(message);
    const line = lineCol ? Number(lineCol[1]) : position ? lineAt(text, Number(position[1])) : undefined;
    throw new LockfileError(`not valid JSON, so not a readable ${what}: ${message.replace(/\s*\(line \d+ column \d+\)/, '').replace(/ in JSON at position \d+/, '')}`, line);
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
