/**
 * The file source: paths, directories and stdin in; Resources with source positions, input
 * errors and notes out. Nothing here throws for bad input: every problem becomes a record.
 */
import { promises as fs, createReadStream, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { InputError, JsonObject, Note, Position, Resource } from '../core/types.js';
import { detach, isObject, str } from '../core/values.js';
import { isBuiltinApiVersion, podShapeProblems, typeName } from '../core/pods.js';
import { shapeProblems } from '../core/shapes.js';
import { DEFAULT_PARSE_LIMITS, escapePointerToken, locateOffset, parseYamlStream, type LineIndex, type ParseLimits } from './yaml.js';

export interface LoadOptions {
  /** Files larger than this are not read. Default 10 MiB. */
  maxFileBytes?: number;
  limits?: ParseLimits;
}

export interface LoadResult {
  resources: Resource[];
  errors: InputError[];
  notes: Note[];
  /** Files read (including ones that held no Kubernetes object). */
  files: string[];
}

export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;
const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules']);
export const STDIN = '-';
/** How standard input is named in findings and errors. */
export const STDIN_NAME = '<stdin>';

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many levels of symbolic links',
  EMFILE: 'too many open files',
};

/** "cannot read: permission denied" rather than a bare errno code. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code ? (ERRNO_TEXT[code] ?? code) : ((err as Error)?.message ?? String(err));
}

function emptyResult(): LoadResult {
  return { resources: [], errors: [], notes: [], files: [] };
}

function merge(into: LoadResult, from: LoadResult): void {
  for (const r of from.resources) into.resources.push(r);
  for (const e of from.errors) into.errors.push(e);
  for (const n of from.notes) into.notes.push(n);
  for (const f of from.files) into.files.push(f);
}

/** Expands directories (recursively, manifest extensions only) into a sorted list of files. */
export async function expandPaths(inputs: string[], errors: InputError[]): Promise<string[]> {
  const files: string[] = [];
  const seen = new Set<string>();
  const add = (file: string): void => {
    if (!seen.has(file)) {
      seen.add(file);
      files.push(file);
    }
  };
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      errors.push({ file: dir, message: `cannot read directory: ${describeFsError(err)}` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(e.name)) await walk(full);
      } else if ((e.isFile() || e.isSymbolicLink()) && MANIFEST_EXTENSIONS.has(path.extname(e.name).toLowerCase())) add(full);
    }
  };
  for (const input of inputs) {
    if (input === STDIN) {
      add(STDIN);
      continue;
    }
    let stat;
    try {
      stat = await fs.stat(input);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      errors.push({ file: input, message: code === 'ENOENT' ? 'no such file or directory' : `cannot read: ${describeFsError(err)}` });
      continue;
    }
    if (stat.isDirectory()) {
      const before = files.length;
      await walk(input);
      // A directory without manifests is nearly always a wrong path; passing CI on it would hide that.
      if (files.length === before) errors.push({ file: input, message: 'no manifests (*.yaml, *.yml, *.json) in this directory' });
    } else add(input);
  }
  return files;
}

/** Reads a stream up to `maxBytes`: for stdin, pipes and devices, whose size is not known in advance. */
async function readCapped(stream: NodeJS.ReadableStream & { destroy?: () => void }, maxBytes: number): Promise<Buffer | { tooLarge: true }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buf.length;
    if (size > maxBytes) {
      stream.destroy?.();
      return { tooLarge: true };
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${n} bytes`;
}

/** Reads and parses files and directories (and "-" for stdin). */
export async function loadPaths(inputs: string[], options: LoadOptions = {}): Promise<LoadResult> {
  const errors: InputError[] = [];
  const files = await expandPaths(inputs, errors);
  const result = await loadFiles(files, options);
  result.errors.unshift(...errors);
  return result;
}

/** Reads and parses files already expanded by `expandPaths` ("-" is stdin). */
export async function loadFiles(files: readonly string[], options: LoadOptions = {}): Promise<LoadResult> {
  const result = emptyResult();
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  for (const file of files) {
    let bytes: Buffer;
    if (file === STDIN) {
      const read = await readCapped(process.stdin, maxBytes);
      if (!Buffer.isBuffer(read)) {
        result.errors.push({ file: STDIN_NAME, message: `input is larger than the ${formatBytes(maxBytes)} limit (set --max-file-size to raise it)` });
        continue;
      }
      bytes = read;
      if (bytes.length === 0 || /^\s*$/.test(bytes.toString('latin1'))) {
        // An empty pipe is nearly always a failed command before it (`helm template` erroring out).
        result.errors.push({ file: STDIN_NAME, message: 'standard input is empty: nothing to scan (did the command before the pipe fail?)' });
        continue;
      }
    } else {
      try {
        // Synchronous reads: thousands of small files read faster in sequence than through the thread pool.
        const stat = statSync(file);
        if (stat.size > maxBytes) {
          result.errors.push({ file, message: `file is ${formatBytes(stat.size)}, over the ${formatBytes(maxBytes)} limit (set --max-file-size to raise it)` });
          continue;
        }
        if (stat.isFile()) bytes = readFileSync(file);
        else {
          // A pipe or device (/dev/stdin, a FIFO, /dev/zero) has no size to check first.
          const read = await readCapped(createReadStream(file), maxBytes);
          if (!Buffer.isBuffer(read)) {
            result.errors.push({ file, message: `input is larger than the ${formatBytes(maxBytes)} limit (set --max-file-size to raise it)` });
            continue;
          }
          bytes = read;
        }
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        result.errors.push({ file, message: code === 'ENOENT' ? 'cannot read: no such file (a dangling symbolic link?)' : `cannot read: ${describeFsError(err)}` });
        continue;
      }
    }
    merge(result, loadBytes(bytes, file === STDIN ? STDIN_NAME : file, options));
  }
  return result;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes and parses one file's bytes. */
export function loadBytes(bytes: Uint8Array, file: string, options: LoadOptions = {}): LoadResult {
  const result = emptyResult();
  result.files.push(file);
  if (bytes.length === 0) {
    result.notes.push({ file, message: 'empty file' });
    return result;
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    result.errors.push({ file, line: 1, message: 'file is UTF-16 encoded; Kubernetes manifests must be UTF-8' });
    return result;
  }
  const probe = bytes.subarray(0, 8192);
  if (probe.indexOf(0) !== -1) {
    result.errors.push({ file, message: 'binary file (contains NUL bytes), not a manifest' });
    return result;
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    const { line, column } = firstInvalidUtf8(bytes);
    result.errors.push({ file, line, message: `not valid UTF-8 (first invalid byte at line ${line}, column ${column})` });
    return result;
  }
  if (text.charCodeAt(0) === 0xfeff) text = ' ' + text.slice(1); // keep offsets: the BOM becomes a blank
  return loadText(text, file, options);
}

function firstInvalidUtf8(bytes: Uint8Array): Position {
  let lo = 0;
  let hi = bytes.length;
  // The longest valid prefix, found by bisection on the fatal decoder.
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < lo; i++)
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  return { line, column: lo - lineStart + 1 };
}

/** Parses YAML or JSON text into Resources. */
export function loadText(text: string, file: string, options: LoadOptions = {}): LoadResult {
  const result = emptyResult();
  result.files.push(file);
  if (text.trim() === '') {
    result.notes.push({ file, message: 'empty file' });
    return result;
  }
  const stream = parseYamlStream(text, options.limits ?? DEFAULT_PARSE_LIMITS);
  if (stream.errors.length === 0 && stream.documents.every((d) => d.value === null || d.value === undefined)) {
    result.notes.push({ file, message: 'no YAML documents (only comments or blank lines)' });
    return result;
  }
  for (const e of stream.errors) result.errors.push({ file, line: e.line, message: e.column ? `${e.message} (column ${e.column})` : e.message });
  for (const doc of stream.documents) {
    const docLine = (): number => stream.lines.position(doc.offset).line;
    const value = doc.value;
    if (value === null || value === undefined) continue; // an empty document, e.g. a trailing '---'
    if (!isObject(value)) {
      result.notes.push({ file, line: docLine(), message: `document ${doc.index + 1} is ${Array.isArray(value) ? 'a list' : 'a scalar'}, not a Kubernetes object; skipped` });
      continue;
    }
    addObject(value, '', doc.value as JsonObject, doc.offset, doc.index, file, stream.lines, result, 0);
  }
  dedupeErrors(result);
  return result;
}

/** One report per (file, line, message): the same problem found twice is still one problem. */
function dedupeErrors(result: LoadResult): void {
  if (result.errors.length < 2) return;
  const seen = new Set<string>();
  result.errors = result.errors.filter((e) => {
    const key = `${e.file}\u0000${e.line ?? ''}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const MAX_LIST_NESTING = 5;

function addObject(
  value: JsonObject,
  basePath: string,
  docRoot: JsonObject,
  docOffset: number,
  documentIndex: number,
  file: string,
  lines: LineIndex,
  result: LoadResult,
  listDepth: number,
  shapeChecks = true,
  typedList?: { apiVersion: string; kind: string },
): void {
  const at = locator(docRoot, docOffset, basePath, lines);
  if (typedList && absent(value.apiVersion) && absent(value.kind)) inferTypeMeta(value, typedList.apiVersion, typedList.kind.slice(0, -'List'.length));
  const apiVersion = value.apiVersion;
  const kind = value.kind;
  const where = `document ${documentIndex + 1}${basePath ? ` item ${basePath}` : ''}`;
  const notString = (['apiVersion', 'kind'] as const).filter((f) => value[f] !== undefined && value[f] !== null && typeof value[f] !== 'string');
  if (notString.length > 0) {
    for (const f of notString)
      result.errors.push({ file, line: at(`/${f}`).line, message: `${where}: ${f} must be a string, but is ${typeName(value[f])}; not scanned` });
    return;
  }
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || apiVersion === '' || kind === '') {
    const missing = [typeof apiVersion !== 'string' || apiVersion === '' ? 'apiVersion' : '', typeof kind !== 'string' || kind === '' ? 'kind' : ''].filter(Boolean).join(' and ');
    result.notes.push({ file, line: at('').line, message: `${where} has no ${missing}: not a Kubernetes object; skipped` });
    return;
  }
  const items = value.items;
  if (kind.endsWith('List') && items !== undefined && items !== null && !Array.isArray(items) && (kind === 'List' || isBuiltinApiVersion(apiVersion))) {
    result.errors.push({ file, line: at('/items').line, message: `${kind}: items must be a list, but is ${typeName(items)}; nothing in it was scanned` });
    return;
  }
  if (kind.endsWith('List') && Array.isArray(value.items)) {
    if (listDepth >= MAX_LIST_NESTING) {
      result.errors.push({ file, line: at('').line, message: `${kind} nested more than ${MAX_LIST_NESTING} levels deep; skipped` });
      return;
    }
    // A typed list (PodList, RoleBindingList: what the API server answers a list with) leaves
    // apiVersion and kind out of its items; a plain `List` holds objects of any kind, each naming its own.
    const typedList = kind !== 'List' ? { apiVersion, kind } : undefined;
    value.items.forEach((item, i) => {
      const itemPath = `${basePath}/items/${i}`;
      if (!isObject(item)) {
        result.errors.push({ file, line: lines.position(locateOffset(docRoot, docOffset, itemPath)).line, message: `${kind} item ${i} is not an object` });
        return;
      }
      addObject(item, itemPath, docRoot, docOffset, documentIndex, file, lines, result, listDepth + 1, shapeChecks, typedList);
    });
    return;
  }
  const metadata = value.metadata;
  let name = isObject(metadata) ? str(metadata.name) : undefined;
  const namespace = isObject(metadata) ? str(metadata.namespace) : undefined;
  if (metadata !== undefined && !isObject(metadata)) {
    name = '<unnamed>';
    result.errors.push({ file, line: at('/metadata').line, message: `${kind}: metadata must be a mapping` });
  } else if (isObject(metadata) && metadata.name !== undefined && metadata.name !== null && typeof metadata.name !== 'string') {
    name = '<unnamed>';
    result.errors.push({ file, line: at('/metadata/name').line, message: `${kind}: metadata.name must be a string` });
  } else if (!name) {
    const generateName = isObject(metadata) ? str(metadata.generateName) : undefined;
    if (generateName) name = `${generateName}*`;
    else {
      name = '<unnamed>';
      result.notes.push({ file, line: at('/metadata').line, message: `${kind} has no metadata.name; scanned as "${name}"` });
    }
  }
  const resource: Resource = {
    apiVersion: detach(apiVersion),
    kind: detach(kind),
    namespace: namespace === undefined ? undefined : detach(namespace),
    name: detach(name ?? '<unnamed>'),
    object: value,
    file,
    documentIndex,
    basePath,
    locate: at,
  };
  if (shapeChecks) {
    for (const problem of podShapeProblems(resource)) {
      result.errors.push({ file, line: at(problem.path).line, message: `${kind} ${name}: ${problem.message}` });
    }
    for (const problem of shapeProblems(resource)) {
      result.errors.push({ file, line: at(problem.path).line, message: `${kind} ${name}: ${problem.message}` });
    }
  }
  result.resources.push(resource);
}

function absent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/**
 * Gives an item of a typed list the apiVersion and kind its list implies, as client-go's
 * unstructured decoder does: only when the item has neither (an item naming either keeps what it
 * says). The fields are not enumerable, so they stay out of the item's key order, which its source
 * positions follow: a pointer to them resolves to the item itself, the nearest thing in the file.
 * Rules that read `object.kind` still see them.
 */
function inferTypeMeta(item: JsonObject, apiVersion: string, kind: string): void {
  if (kind === '') return;
  for (const [field, fieldValue] of [['apiVersion', apiVersion], ['kind', kind]] as const) {
    // A field written as null or "" is in the key order already: it keeps its place.
    if (Object.prototype.hasOwnProperty.call(item, field)) item[field] = detach(fieldValue);
    else Object.defineProperty(item, field, { value: detach(fieldValue), enumerable: false, writable: true, configurable: true });
  }
}

/**
 * Resolves pointers below one object. Built apart from addObject so that the closure a Resource
 * keeps holds only these four values, not the whole load result of its file.
 */
function locator(docRoot: JsonObject, docOffset: number, basePath: string, lines: LineIndex): (pointer: string) => Position {
  return (pointer) => lines.position(locateOffset(docRoot, docOffset, basePath + pointer));
}

/**
 * Builds Resources from plain objects (no source file): positions are all 0. `shapeChecks: false`
 * leaves out the checks of field types (reported as errors): for a caller that does not report them.
 */
export function resourcesFromObjects(objects: unknown[], file = '<objects>', options: { shapeChecks?: boolean } = {}): LoadResult {
  const result = emptyResult();
  objects.forEach((value, i) => {
    if (!isObject(value)) {
      result.errors.push({ file, message: `object ${i} is not a mapping` });
      return;
    }
    const before = result.resources.length;
    addObject(value, '', value, 0, i, file, NO_LINES, result, 0, options.shapeChecks ?? true);
    for (let j = before; j < result.resources.length; j++) result.resources[j].locate = () => ({ line: 0, column: 0 });
  });
  for (const e of result.errors) delete e.line;
  for (const n of result.notes) delete n.line;
  return result;
}

const NO_LINES = { position: () => ({ line: 0, column: 0 }) } as unknown as LineIndex;

export { escapePointerToken };
