/**
 * YAML/JSON stream parsing with source positions at js-yaml speed.
 *
 * js-yaml's `listener` reports every node's open and close with the parser state. From those
 * events we record, for every mapping, the offset of each key and, for every sequence, the
 * offset of each item, and hang that record on the parsed object under a symbol. Resolving a
 * JSON Pointer to a line/column then walks the object and reads those records: no second
 * parse, no separate tree, and nothing is computed for fields no finding points at.
 */
import { pointerTokens } from '../core/pointer.js';
import yaml from 'js-yaml';
import type { Position } from '../core/types.js';
import { redactQuoted } from '../core/redact.js';

/**
 * Positions live in one Int32Array per parse, shared by its documents (`BUFFER`, on each
 * document root). Every container holds only the index (`START`) of its run in that buffer: a
 * mapping's run is its keys' offsets in the object's own key order, a sequence's run is its items'
 * offsets. A mapping whose key order the object does not keep (integer-like keys, which JavaScript
 * sorts first, or merge keys) keeps a flat [key, offset, ...] list under `KEYED` instead. Per-object
 * arrays cost several times the memory, which matters with tens of thousands of objects held at once.
 */
const BUFFER: unique symbol = Symbol('kshield.positions.buffer');
const START: unique symbol = Symbol('kshield.positions.start');
const KEYED: unique symbol = Symbol('kshield.positions.keyed');
/** Where the parsed text began in its file (documents parsed one by one after an error). */
const BASE: unique symbol = Symbol('kshield.positions.base');

type KeyOffsets = (string | number)[];
type Positioned = { [BUFFER]?: Int32Array; [BASE]?: number; [START]?: number; [KEYED]?: KeyOffsets };

export interface ParseLimits {
  /** Deepest nesting accepted (js-yaml counts every node on the path). */
  maxDepth: number;
  /** Most nodes a document may expand to once aliases are followed. */
  maxExpandedNodes: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxDepth: 256, maxExpandedNodes: 1_000_000 };

export interface ParsedDocument {
  /** 0-based index of the document in the stream. */
  index: number;
  value: unknown;
  /** Offset of the document's root node (after leading blanks and comments). */
  offset: number;
}

export interface DocumentError {
  index: number;
  line: number;
  column?: number;
  message: string;
  /** The text of the failed document: offsets of its start and end in the stream. */
  start?: number;
  end?: number;
}

export interface ParsedStream {
  documents: ParsedDocument[];
  errors: DocumentError[];
  lines: LineIndex;
}

/** Core YAML 1.2 types plus merge keys: timestamps stay strings, as Kubernetes reads them. */
const SCHEMA = yaml.CORE_SCHEMA.extend({ implicit: [(yaml as unknown as { types: { merge: yaml.Type } }).types.merge] });

class LimitError extends Error {}

/**
 * Maps offsets to 1-based line/column, building the line table on first use. The table is all it
 * needs after that, so it lets go of the text: objects kept for cross-object rules hold their
 * file's index, and a whole file's text per object adds up.
 */
export class LineIndex {
  private starts: Int32Array | undefined;
  constructor(private text: string) {}

  private table(): Int32Array {
    if (this.starts) return this.starts;
    const text = this.text;
    let count = 1;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
    const starts = new Int32Array(count);
    let n = 1;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts[n++] = i + 1;
    this.starts = starts;
    this.text = '';
    return starts;
  }

  position(offset: number): Position {
    const starts = this.table();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo] + 1 };
  }

  lineStart(line: number): number {
    const starts = this.table();
    return starts[Math.min(Math.max(line, 1), starts.length) - 1];
  }
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/**
 * Skips blanks, line breaks and comments: js-yaml opens a value node before its leading whitespace.
 * It stops at a document marker: js-yaml opens a root after its own `---`, so a marker ahead
 * starts the next document (an empty document's root opens there). Skipping markers made a
 * stream of N empty documents cost N² (each skip ran over all the markers after it).
 */
function skipInsignificant(text: string, offset: number): number {
  let i = offset;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
    else if (c === 0x23 /* # */) {
      const nl = text.indexOf('\n', i);
      if (nl === -1) return text.length;
      i = nl + 1;
    } else return i;
  }
}

interface ListenerState {
  depth: number;
  position: number;
  kind: string | null;
  result: unknown;
  input: string;
}

/**
 * Parses `text` (one or more YAML documents, or JSON). A document that fails to parse is
 * reported with its line and the others are still returned.
 */
export function parseYamlStream(text: string, limits: ParseLimits = DEFAULT_PARSE_LIMITS): ParsedStream {
  const lines = new LineIndex(text);
  const whole = tryParse(text, 0, limits);
  if (!whole.error) return { documents: whole.documents, errors: [], lines };

  // One bad document must not hide the others: parse document by document.
  const documents: ParsedDocument[] = [];
  const errors: DocumentError[] = [];
  let index = 0;
  for (const chunk of splitDocuments(text)) {
    const part = tryParse(chunk.text, chunk.offset, limits);
    if (part.error) {
      // "unexpected end of the stream" points past the document: show its last line instead.
      const end = chunk.offset + chunk.text.trimEnd().length;
      const at = Math.min(part.error.offset ?? chunk.offset, Math.max(end - 1, chunk.offset));
      const pos = lines.position(at);
      errors.push({ index, line: pos.line, column: part.error.offset === undefined ? undefined : pos.column, message: part.error.message, start: chunk.offset, end: chunk.offset + chunk.text.length });
      index++;
      continue;
    }
    for (const doc of part.documents) documents.push({ ...doc, index: index++ });
    if (part.documents.length === 0 && chunk.hasMarker) index++;
  }
  return { documents, errors, lines };
}

interface Chunk {
  text: string;
  offset: number;
  hasMarker: boolean;
}

/**
 * Splits a stream at document markers. A line starting with `---` or `...` followed by a blank or
 * the end of line is a marker wherever it appears (YAML forbids such lines inside scalars), so
 * this split is exact without a parse. The chunk keeps its `---` so content on that line stays.
 */
export function splitDocuments(text: string): Chunk[] {
  const chunks: Chunk[] = [];
  const marker = /^(---|\.\.\.)(?=[ \t\r\n]|$)/gm;
  let start = 0;
  let startHasMarker = false;
  let m: RegExpExecArray | null;
  while ((m = marker.exec(text)) !== null) {
    if (m[1] === '---') {
      if (m.index > start || startHasMarker) chunks.push({ text: text.slice(start, m.index), offset: start, hasMarker: startHasMarker });
      start = m.index;
      startHasMarker = true;
    } else {
      const end = m.index + 3;
      chunks.push({ text: text.slice(start, end), offset: start, hasMarker: startHasMarker });
      start = end;
      startHasMarker = false;
    }
  }
  if (start < text.length) chunks.push({ text: text.slice(start), offset: start, hasMarker: startHasMarker });
  return chunks;
}

interface AttemptResult {
  documents: ParsedDocument[];
  error?: { message: string; offset?: number };
}

function tryParse(text: string, base: number, limits: ParseLimits): AttemptResult {
  // Parallel arrays indexed by js-yaml's depth, reused from container to container: no
  // per-node allocation on the hot path.
  const starts: number[] = [];
  const keyNames: string[][] = [];
  const keyOffsets: number[][] = [];
  const keyCount: number[] = [];
  const itemOffsets: number[][] = [];
  const itemCount: number[] = [];
  const afterKey: boolean[] = [];
  const irregular: boolean[] = [];
  const roots: number[] = [];
  const aliasDocs = new Set<number>();
  const firstAlias = new Map<number, number>();
  let buffer = new Int32Array(Math.max(256, text.length >> 3));
  let used = 0;

  const store = (from: number[], n: number): number => {
    if (used + n > buffer.length) {
      let capacity = buffer.length * 2;
      while (capacity < used + n) capacity *= 2;
      const grown = new Int32Array(capacity);
      grown.set(buffer.subarray(0, used));
      buffer = grown;
    }
    const start = used;
    for (let i = 0; i < n; i++) buffer[used++] = from[i];
    return start;
  };

  const listener = (event: 'open' | 'close', state: ListenerState): void => {
    const d = state.depth;
    if (event === 'open') {
      starts[d] = state.position;
      keyCount[d] = 0;
      itemCount[d] = 0;
      afterKey[d] = false;
      irregular[d] = false;
      if (keyOffsets[d] === undefined) {
        keyNames[d] = [];
        keyOffsets[d] = [];
        itemOffsets[d] = [];
      }
      return;
    }
    const kind = state.kind;
    const result = state.result;
    if (kind === 'mapping') {
      const n = keyCount[d];
      if (n > 0 && result !== null && typeof result === 'object') {
        if (!irregular[d]) (result as Positioned)[START] = store(keyOffsets[d], n);
        else {
          const keyed: KeyOffsets = [];
          for (let i = 0; i < n; i++) keyed.push(keyNames[d][i], base + keyOffsets[d][i]);
          (result as Positioned)[KEYED] = keyed;
        }
      }
    } else if (kind === 'sequence') {
      const n = itemCount[d];
      if (n > 0 && Array.isArray(result) && n === result.length) (result as Positioned)[START] = store(itemOffsets[d], n);
    } else if (kind === null && result !== null && result !== undefined) {
      aliasDocs.add(roots.length);
      // Where a limit error on aliases points: the document's first alias.
      if (!firstAlias.has(roots.length)) firstAlias.set(roots.length, starts[d]);
    }
    if (d === 1) {
      roots.push(starts[1]);
      return;
    }
    const parent = d - 1;
    if (kind === 'scalar' && isKeyEnd(state.input, state.position)) {
      const name = typeof result === 'string' ? result : String(result);
      const c = name.charCodeAt(0);
      if ((c >= 0x30 && c <= 0x39) || name === '<<') irregular[parent] = true;
      const i = keyCount[parent]++;
      keyNames[parent][i] = name;
      keyOffsets[parent][i] = starts[d];
      afterKey[parent] = true;
    } else if (kind === null && (result === null || result === undefined)) {
      // An empty node (a missing value or the probe at the end of a mapping): nothing to record.
    } else if (afterKey[parent]) {
      afterKey[parent] = false;
    } else {
      itemOffsets[parent][itemCount[parent]++] = starts[d];
    }
  };

  let values: unknown[];
  try {
    values = [];
    yaml.loadAll(text, (doc) => values.push(doc), {
      schema: SCHEMA,
      listener: listener as never,
      maxDepth: limits.maxDepth,
    } as yaml.LoadOptions);
  } catch (err) {
    return { documents: [], error: describeParseError(err, base) };
  }

  const shared = buffer.slice(0, used);
  const documents: ParsedDocument[] = [];
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value !== null && typeof value === 'object') {
      (value as Positioned)[BUFFER] = shared;
      (value as Positioned)[BASE] = base;
    }
    if (aliasDocs.has(i)) {
      try {
        checkExpansion(value, limits.maxExpandedNodes);
      } catch (err) {
        if (err instanceof LimitError) return { documents: [], error: { message: err.message, offset: base + skipInsignificant(text, firstAlias.get(i) ?? roots[i] ?? 0) } };
        throw err;
      }
    }
    const offset = skipInsignificant(text, roots[i] ?? 0) + base;
    documents.push({ index: i, value, offset });
  }
  return { documents };
}

/**
 * The documents of a stream without positions (a few times faster), or undefined when the stream
 * is malformed: for reading ahead, where the scan proper reports the problems. Aliases are shared,
 * not expanded: callers read a few fields, never walk a whole document.
 */
export function parseYamlValues(text: string, limits: ParseLimits = DEFAULT_PARSE_LIMITS): unknown[] | undefined {
  const values: unknown[] = [];
  try {
    yaml.loadAll(text, (doc) => values.push(doc), { schema: SCHEMA, maxDepth: limits.maxDepth } as yaml.LoadOptions);
  } catch {
    return undefined;
  }
  return values;
}

function isKeyEnd(input: string, position: number): boolean {
  let i = position;
  while (isSpace(input.charCodeAt(i))) i++;
  return input.charCodeAt(i) === 0x3a; // ':'
}

function describeParseError(err: unknown, base: number): { message: string; offset?: number } {
  if (err instanceof yaml.YAMLException) {
    const mark = (err as yaml.YAMLException & { mark?: { position?: number } }).mark;
    // The reason may quote the offending input (an alias name on a malformed line may be a password).
    const reason = redactQuoted(err.reason || err.message);
    const message = /maxDepth/.test(reason) ? `nesting is deeper than the limit (${reason.replace(/^.*\((\d+)\).*$/, '$1')} levels)` : reason;
    return { message: `invalid YAML: ${message}`, offset: mark?.position !== undefined ? base + mark.position : undefined };
  }
  if (err instanceof RangeError) return { message: 'invalid YAML: nesting too deep to parse' };
  return { message: `invalid YAML: ${(err as Error)?.message ?? String(err)}` };
}

/**
 * Counts nodes as a consumer that follows aliases would see them. Shared subtrees are measured
 * once (memoised by identity), so an alias bomb is caught in time linear in its text.
 */
function checkExpansion(root: unknown, limit: number): void {
  const sizes = new Map<object, number>();
  const inProgress = new Set<object>();
  const size = (node: unknown): number => {
    if (node === null || typeof node !== 'object') return 1;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    if (inProgress.has(node)) throw new LimitError('YAML alias refers to a node that contains it (recursive alias)');
    inProgress.add(node);
    let total = 1;
    const children = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) {
      total += size(child);
      if (total > limit) throw new LimitError(`YAML aliases expand this document to more than ${limit.toLocaleString('en-US')} nodes (an alias bomb?)`);
    }
    inProgress.delete(node);
    sizes.set(node, total);
    return total;
  };
  size(root);
}

function keyedOffset(record: KeyOffsets, key: string): number {
  // The last occurrence wins, as it does for the parsed value of a merged mapping.
  for (let i = record.length - 2; i >= 0; i -= 2) if (record[i] === key) return record[i + 1] as number;
  return -1;
}

/** Index of `key` in the object's own enumeration order, without allocating Object.keys(). */
function keyIndex(node: object, key: string): number {
  let i = 0;
  for (const k in node) {
    if (k === key) return i;
    i++;
  }
  return -1;
}

/**
 * Lets `node`, a container below the document root `root`, be passed to locateOffset as a root of
 * its own (with its own offset), sharing the document's position buffer: what is kept of it then
 * holds the buffer but not the document.
 */
export function sharePositions(root: unknown, node: object): void {
  if (root === null || typeof root !== 'object' || node === root) return;
  const buffer = (root as Positioned)[BUFFER];
  if (buffer === undefined) return;
  (node as Positioned)[BUFFER] = buffer;
  (node as Positioned)[BASE] = (root as Positioned)[BASE];
}

/**
 * Offset of the field at `pointer` below `root`: a mapping entry resolves to its key, a sequence
 * item to its first character. A pointer that leaves the parsed data stops at the deepest field found.
 */
export function locateOffset(root: unknown, rootOffset: number, pointer: string): number {
  let offset = rootOffset;
  let node: unknown = root;
  const buffer = root !== null && typeof root === 'object' ? (root as Positioned)[BUFFER] : undefined;
  const base = buffer ? ((root as Positioned)[BASE] ?? 0) : 0;
  for (const token of pointerTokens(pointer)) {
    if (node === null || typeof node !== 'object') break;
    const start = (node as Positioned)[START];
    let at = -1;
    if (Array.isArray(node)) {
      const idx = Number(token);
      if (!Number.isInteger(idx) || idx < 0 || idx >= node.length) break;
      if (start !== undefined && buffer) at = base + buffer[start + idx];
      node = node[idx];
    } else {
      if (!Object.prototype.hasOwnProperty.call(node, token)) break;
      const keyed = (node as Positioned)[KEYED];
      if (keyed) at = keyedOffset(keyed, token);
      else if (start !== undefined && buffer) {
        const i = keyIndex(node, token);
        if (i !== -1) at = base + buffer[start + i];
      }
      node = (node as Record<string, unknown>)[token];
    }
    if (at === -1) break;
    offset = at;
  }
  return offset;
}
