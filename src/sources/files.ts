/**
 * The file source: paths, directories and stdin in; Resources with source positions, input
 * errors and notes out. Nothing here throws for bad input: every problem becomes a record.
 */
import { promises as fs, createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import type { InputError, JsonObject, Note, Position, Resource } from '../core/types.js';
import { detach, isObject, asString } from '../core/values.js';
import { isBuiltinApiVersion, podShapeProblems, typeName } from '../k8s/pods.js';
import { shapeProblems } from '../k8s/shapes.js';
import { isAuditEvent } from '../k8s/scope.js';
import { DEFAULT_PARSE_LIMITS, locateOffset, parseYamlStream, sharePositions, type LineIndex, type ParseLimits } from './yaml.js';
import { addUnplaced, crdScopesOfFiles, placeNamespaces, unplacedNote, type PlacementOptions, type Unplaced } from './placement.js';
import { CHART_FILE, KUSTOMIZATION_FILES, render, type RenderTarget } from './render.js';
import { inputKindOf, type InputKind } from './input-kinds.js';
import { loadDockerfile } from './dockerfile.js';
import { loadLockfile } from './lockfile.js';
import { fileKind } from './node.js';

export interface LoadOptions {
  /** Files larger than this are not read. Default 10 MiB. Also the limit on a renderer's output. */
  maxFileBytes?: number;
  limits?: ParseLimits;
  /**
   * Place namespaced objects without a namespace (`kubectl apply -n`), or count them: see
   * placement.ts. Without it objects keep the namespace they state, and nothing is counted.
   */
  placement?: PlacementOptions;
  /**
   * Render kustomizations and Helm charts found in directories and scan the output instead of
   * their files (default true; false scans every file as it is).
   */
  render?: boolean;
  /** Deadline of one renderer run (default DEFAULT_RENDER_TIMEOUT_MS). */
  renderTimeoutMs?: number;
  /**
   * Source objects already scanned in place of a rendered one (file, document, item): two
   * kustomizations that leave one base object as it is give it once. loadFiles makes one for its
   * files; a caller loading file by file passes its own.
   */
  scannedSources?: Set<string>;
  /** What standard input holds (`--stdin-kind`): manifests (the default) or a Dockerfile. */
  stdinKind?: InputKind;
}

/** An input that held nothing to scan, and why. */
export interface EmptyInput {
  /** The entry as expanded: a file, a rendered directory, or "<stdin>". */
  file: string;
  /** `not-kubernetes`: documents, but none a Kubernetes object (a values file, a Chart.yaml). */
  reason: 'empty' | 'not-rendered' | 'rendered-empty' | 'not-kubernetes';
  /** For a directory: "kustomization" or "Helm chart". */
  what?: string;
}

export interface LoadResult {
  resources: Resource[];
  errors: InputError[];
  notes: Note[];
  /** Files read (including ones that held no Kubernetes object). */
  files: string[];
  /** With `placement` but no namespace to place in: the namespaced objects that named none. */
  unplaced?: Unplaced;
  /** The run's one note about them (also in `notes`), for commands that show no other notes. */
  namespaceNote?: Note;
  /** Inputs that held nothing: blank, only comments or document markers, or a directory not rendered. */
  empty?: EmptyInput[];
}

const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;
const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules']);
export const STDIN = '-';
/** How standard input is named in findings and errors. */
const STDIN_NAME = '<stdin>';

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
  return { resources: [], errors: [], notes: [], files: [], empty: [] };
}

function merge(into: LoadResult, from: LoadResult): void {
  for (const r of from.resources) into.resources.push(r);
  for (const e of from.errors) into.errors.push(e);
  for (const n of from.notes) into.notes.push(n);
  for (const f of from.files) into.files.push(f);
  into.unplaced = addUnplaced(into.unplaced, from.unplaced);
  for (const e of from.empty ?? []) (into.empty ??= []).push(e);
}

export interface ExpandedInputs {
  /**
   * Files in order, "-" for stdin; with rendering, a directory to render stands in the list where
   * its files would have been (loadFiles renders it).
   */
  files: string[];
  /** Kustomizations left out because another one in the scan builds them (bases, components). */
  notes: Note[];
}

/** The renderer a directory calls for, from the names of its entries (a kustomization first). */
function renderTargetIn(dir: string, names: readonly string[]): RenderTarget | undefined {
  const kustomization = KUSTOMIZATION_FILES.find((k) => names.includes(k));
  if (kustomization) return { tool: 'kustomize', dir, marker: path.join(dir, kustomization) };
  if (names.includes(CHART_FILE)) return { tool: 'helm', dir, marker: path.join(dir, CHART_FILE) };
  return undefined;
}

/**
 * Expands directories (recursively, manifest extensions only) into a sorted list of files. With
 * `render` (the default), a directory holding a kustomization or a Helm chart is one entry, to be
 * rendered, and its tree is not walked: those files are the renderer's inputs.
 */
export async function expandInputs(inputs: string[], errors: InputError[], options: { render?: boolean } = {}): Promise<ExpandedInputs> {
  const renderDirs = options.render ?? true;
  const files: string[] = [];
  const seen = new Set<string>();
  const kustomizations: { target: RenderTarget; explicit: boolean }[] = [];
  const add = (file: string): void => {
    if (!seen.has(file)) {
      seen.add(file);
      files.push(file);
    }
  };
  const notes: Note[] = [];
  // Directories walked, by device and inode: a symbolic link to one of them (a loop back to an
  // ancestor, or a second name for a directory already scanned) is not walked again.
  const walked = new Map<string, string>();
  const identity = (s: { dev: number; ino: number }): string => `${s.dev}:${s.ino}`;
  /** `manifests` false: below a directory that is rendered, whose manifests are the renderer's inputs; other inputs (Dockerfiles, lockfiles) are still read. */
  const walk = async (dir: string, explicit: boolean, manifests = true): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      errors.push({ file: dir, message: `cannot read directory: ${describeFsError(err)}` });
      return;
    }
    if (renderDirs && manifests) {
      const target = renderTargetIn(
        dir,
        entries.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name),
      );
      if (target) {
        if (target.tool === 'kustomize') kustomizations.push({ target, explicit });
        add(dir);
        manifests = false;
      }
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = path.join(dir, e.name);
      const kind = inputKindOf(e.name);
      const wanted = kind !== undefined && (manifests || kind !== 'manifests');
      if (e.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(e.name)) await enter(full, undefined, manifests);
      } else if (e.isSymbolicLink()) {
        let target;
        try {
          target = await fs.stat(full);
        } catch {
          // A dangling link named like an input is reported when it is read; any other is not ours.
          if (wanted) add(full);
          continue;
        }
        if (target.isDirectory()) {
          if (SKIPPED_DIRECTORIES.has(e.name)) continue;
          const seen = walked.get(identity(target));
          if (seen === undefined) await enter(full, target, manifests);
          else
            notes.push({
              file: full,
              message: isWithin(full, seen)
                ? `symbolic link loop: it points back to ${seen}, which contains it; not followed`
                : `symbolic link to a directory already scanned as ${seen}; not followed again`,
            });
        } else if (!wanted) continue;
        else if (target.isFile()) add(full);
        else notes.push({ file: full, message: `not a regular file (a symbolic link to a ${fileKind(target)}); not read` });
      } else if (e.isFile()) {
        if (wanted) add(full);
      } else if (wanted) {
        // A FIFO would block the read until something writes to it; a device may never end.
        notes.push({ file: full, message: `not a regular file (${fileKind(e)}); not read` });
      }
    }
  };
  const enter = async (dir: string, stat?: { dev: number; ino: number }, manifests = true): Promise<void> => {
    try {
      stat ??= await fs.stat(dir);
    } catch (err) {
      errors.push({ file: dir, message: `cannot read directory: ${describeFsError(err)}` });
      return;
    }
    const key = identity(stat);
    if (walked.has(key)) return;
    walked.set(key, dir);
    await walk(dir, false, manifests);
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
      // The same directory given twice (or under two names) is walked once.
      if (walked.has(identity(stat))) continue;
      walked.set(identity(stat), input);
      const before = files.length;
      await walk(input, true);
      // A directory without manifests is nearly always a wrong path; passing CI on it would hide that.
      if (files.length === before) errors.push({ file: input, message: 'no manifests (*.yaml, *.yml, *.json), Dockerfiles or lockfiles in this directory' });
    } else add(input);
  }
  const builtElsewhere = kustomizationsBuiltByOthers(kustomizations, notes);
  return { files: builtElsewhere.size === 0 ? files : files.filter((f) => !builtElsewhere.has(f)), notes };
}

const MAX_KUSTOMIZATION_BYTES = 1024 * 1024;

/** What kshield reads of a kustomization: the local directories it builds on, and whether it is a Component. */
function readKustomization(target: RenderTarget): { component: boolean; uses: string[] } {
  try {
    if (statSync(target.marker).size > MAX_KUSTOMIZATION_BYTES) return { component: false, uses: [] };
    const doc: unknown = yaml.load(readFileSync(target.marker, 'utf8'), { schema: yaml.CORE_SCHEMA });
    if (!isObject(doc)) return { component: false, uses: [] };
    const uses: string[] = [];
    for (const field of ['resources', 'bases', 'components']) {
      const list = doc[field];
      if (!Array.isArray(list)) continue;
      for (const entry of list) {
        // Remote bases (URLs, git references) are fetched by kustomize; only local paths can be in the scan.
        if (typeof entry !== 'string' || /^[a-z][a-z0-9+.-]*:\/\/|^git@|^(github|gitlab|bitbucket)\.(com|org)\/|\?ref=/i.test(entry)) continue;
        uses.push(path.resolve(target.dir, entry));
      }
    }
    return { component: doc.kind === 'Component', uses };
  } catch {
    // Unreadable or malformed: kustomize itself will say what is wrong when the directory is built.
    return { component: false, uses: [] };
  }
}

/**
 * The kustomization directories found below a scanned directory that another kustomization of
 * the scan builds on (a base its overlays list, a component): rendering them alone as well would
 * judge a base that is never applied as it is, and report each problem once more. A directory
 * given on the command line is always rendered. Components, which render nothing alone, are left
 * out too. Each one left out gets a note.
 */
function kustomizationsBuiltByOthers(found: { target: RenderTarget; explicit: boolean }[], notes: Note[]): Set<string> {
  const left = new Set<string>();
  if (found.length === 0) return left;
  const byDir = new Map(found.map((k) => [path.resolve(k.target.dir), k]));
  const usedBy = new Map<string, string[]>();
  const components = new Set<string>();
  for (const k of found) {
    const { component, uses } = readKustomization(k.target);
    if (component) components.add(k.target.dir);
    for (const u of uses) {
      const used = byDir.get(u);
      if (used && used !== k) usedBy.set(used.target.dir, [...(usedBy.get(used.target.dir) ?? []), k.target.dir]);
    }
  }
  for (const k of found) {
    if (k.explicit) continue;
    const users = usedBy.get(k.target.dir);
    if (users) {
      const shown = users.slice(0, 3).join(', ') + (users.length > 3 ? ` and ${users.length - 3} more` : '');
      notes.push({ file: k.target.marker, message: `kustomization used by ${shown}: scanned in ${users.length === 1 ? 'that' : 'their'} rendered output, not on its own` });
      left.add(k.target.dir);
    } else if (components.has(k.target.dir)) {
      notes.push({ file: k.target.marker, message: 'kustomize Component that no scanned kustomization lists: a Component renders nothing on its own; not scanned' });
      left.add(k.target.dir);
    }
  }
  return left;
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
  const expanded = await expandInputs(inputs, errors, { render: options.render });
  const placement = withInputCrds(expanded.files, options);
  const result = await loadFiles(expanded.files, { ...options, placement });
  result.errors.unshift(...errors);
  result.notes.unshift(...expanded.notes);
  const nothing = nothingToScan(inputs, expanded.files.length, result.resources.length, result.errors.length, result.empty ?? [], result.notes);
  if (nothing) {
    result.errors.push(...nothing.errors);
    result.notes = result.notes.filter((n) => !nothing.replacedNotes.has(n));
  }
  addUnplacedNote(result, placement);
  return result;
}

/** The placement options completed with the scopes of the CRDs in `files` (read ahead, see placement.ts). */
export function withInputCrds(files: readonly string[], options: LoadOptions): PlacementOptions | undefined {
  if (!options.placement) return undefined;
  // One file: its own CRDs are all there are, and placeNamespaces reads those.
  if (files.length < 2) return options.placement;
  const crdScopes = crdScopesOfFiles(files, options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
  return { ...options.placement, crdScopes: { ...crdScopes, ...options.placement.crdScopes } };
}

/** Turns the count of objects left without a namespace into the run's one note about them. */
export function addUnplacedNote(result: LoadResult, placement: PlacementOptions | undefined): void {
  const note = placement ? unplacedNote(result.unplaced, placement.flag) : undefined;
  if (!note) return;
  result.notes.push(note);
  result.namespaceNote = note;
}

const isWithin = (file: string, dir: string): boolean => {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/**
 * When every input held nothing (blank files, only comments or `---`, kustomizations or charts
 * that were not rendered or rendered to nothing) and nothing else went wrong: one error per input,
 * so that a failed `helm template > out.yaml` fails CI instead of passing it. `entries` is the
 * number of expanded entries loaded; the notes the errors replace are returned to be dropped.
 */
export function nothingToScan(
  inputs: readonly string[],
  entries: number,
  resources: number,
  errors: number,
  empty: readonly EmptyInput[],
  notes: readonly Note[] = [],
): { errors: InputError[]; replacedNotes: Set<Note> } | undefined {
  if (resources > 0 || errors > 0 || entries === 0 || empty.length < entries) return undefined;
  const out: InputError[] = [];
  const replacedNotes = new Set<Note>();
  for (const input of inputs) {
    if (input === STDIN) {
      if (empty.some((e) => e.file === STDIN_NAME && e.reason === 'not-kubernetes')) {
        out.push({ file: STDIN_NAME, message: 'nothing to scan: standard input holds no Kubernetes object (see the note)' });
        continue;
      }
      out.push({ file: STDIN_NAME, message: 'standard input holds only blank lines, comments or document markers: nothing to scan (did the command before the pipe fail?)' });
      for (const n of notes) if (n.file === STDIN_NAME) replacedNotes.add(n);
      continue;
    }
    const mine = empty.filter((e) => e.file === input || isWithin(e.file, input));
    if (mine.length === 1 && mine[0].file === input) {
      const only = mine[0];
      if (only.reason === 'empty') {
        out.push({ file: input, message: 'the file is empty (or holds only comments and document markers): nothing to scan (was it written by a command that failed?)' });
        for (const n of notes) if (n.file === input) replacedNotes.add(n);
      } else if (only.reason === 'not-kubernetes') out.push({ file: input, message: 'nothing to scan: the file holds no Kubernetes object (see the note)' });
      else out.push({ file: input, message: `nothing to scan: the ${only.what ?? 'directory'} here ${only.reason === 'not-rendered' ? 'was not rendered (see the note)' : 'rendered no objects'}` });
      continue;
    }
    const count = (reason: EmptyInput['reason']): number => mine.filter((e) => e.reason === reason).length;
    const parts = [
      count('empty') ? `${count('empty')} empty file(s)` : '',
      count('not-rendered') ? `${count('not-rendered')} kustomization(s) or chart(s) not rendered (see the note${count('not-rendered') > 1 ? 's' : ''})` : '',
      count('rendered-empty') ? `${count('rendered-empty')} kustomization(s) or chart(s) that rendered to nothing` : '',
      count('not-kubernetes') ? `${count('not-kubernetes')} file(s) with no Kubernetes object (see the notes)` : '',
    ].filter(Boolean);
    out.push({ file: input, message: `nothing to scan: ${parts.join(', ') || 'no Kubernetes objects'}` });
  }
  return { errors: out, replacedNotes };
}

/** Reads and parses files already expanded by `expandPaths` ("-" is stdin). */
export async function loadFiles(files: readonly string[], options: LoadOptions = {}): Promise<LoadResult> {
  if (!options.scannedSources) options = { ...options, scannedSources: new Set() };
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
        (result.empty ??= []).push({ file: STDIN_NAME, reason: 'empty' });
        // An empty pipe is nearly always a failed command before it (`helm template` erroring out).
        result.errors.push({ file: STDIN_NAME, message: 'standard input is empty: nothing to scan (did the command before the pipe fail?)' });
        continue;
      }
    } else {
      try {
        // Synchronous reads: thousands of small files read faster in sequence than through the thread pool.
        const stat = statSync(file);
        if (stat.isDirectory()) {
          // Only a directory to render is listed (expandInputs): a kustomization or a chart.
          merge(result, await loadRendered(file, options, maxBytes));
          continue;
        }
        if (stat.size > maxBytes) {
          result.errors.push({ file, message: `file is ${formatBytes(stat.size)}, over the ${formatBytes(maxBytes)} limit (set --max-file-size to raise it)` });
          continue;
        }
        if (stat.isFile()) bytes = readFileSync(file);
        else if (!isShellPipe(file)) {
          // Opening a FIFO blocks until something writes to it, and a device may never end.
          result.errors.push({ file, message: `not a regular file (${fileKind(stat)}); not read: name a regular file, or pipe the data to standard input (kshield scan -)` });
          continue;
        } else {
          // What the shell hands over (/dev/stdin, `<(helm template ...)`) has no size to check first.
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
    merge(result, loadBytes(bytes, file === STDIN ? STDIN_NAME : file, options, file === STDIN ? (options.stdinKind ?? 'manifests') : (inputKindOf(file) ?? 'manifests')));
  }
  return result;
}

/**
 * Standard input named as a file, and the pipes of process substitution (`kshield scan
 * <(helm template ...)` names /dev/fd/63): already open, with a writer, so a read ends.
 */
function isShellPipe(file: string): boolean {
  return file === '/dev/stdin' || /^\/dev\/fd\/\d+$/.test(file) || /^\/proc\/self\/fd\/\d+$/.test(file);
}

const WHAT = { kustomize: 'kustomization', helm: 'Helm chart' } as const;

/** Renders a kustomization or chart directory and parses the output as one stream. */
async function loadRendered(dir: string, options: LoadOptions, maxBytes: number): Promise<LoadResult> {
  const result = emptyResult();
  let target: RenderTarget | undefined;
  try {
    target = renderTargetIn(dir, readdirSync(dir));
  } catch (err) {
    result.errors.push({ file: dir, message: `cannot read directory: ${describeFsError(err)}` });
    return result;
  }
  if (!target) {
    result.errors.push({ file: dir, message: 'is a directory with no kustomization or Chart.yaml any more; not scanned' });
    return result;
  }
  const outcome = await render(target, { maxBytes, timeoutMs: options.renderTimeoutMs });
  if (outcome.kind === 'failed') {
    result.errors.push({ file: target.marker, message: outcome.message });
    return result;
  }
  if (outcome.kind === 'unavailable') {
    result.notes.push({ file: target.marker, message: outcome.message });
    result.empty!.push({ file: dir, reason: 'not-rendered', what: WHAT[target.tool] });
    return result;
  }
  const loaded = loadBytes(outcome.output, outcome.name, options);
  if (target.tool === 'kustomize' && loaded.resources.length > 0) pointAtSources(loaded, target, options, maxBytes);
  if (loaded.empty?.length) {
    // Say which command gave nothing, rather than "empty file" about a file that does not exist.
    loaded.notes = [{ file: target.marker, message: `${outcome.command} rendered no objects` }];
    loaded.empty = [{ file: dir, reason: 'rendered-empty', what: WHAT[target.tool] }];
  }
  return loaded;
}

const MAX_SOURCE_FILES = 2000;
const MAX_KUSTOMIZATION_DEPTH = 20;

/**
 * The manifest files a kustomization takes its objects from: the files its `resources` name, and
 * those of the local kustomizations it builds on (bases, components), recursively.
 */
function kustomizationSources(dir: string): string[] {
  const files: string[] = [];
  // Named the way the scanned directory was given (relative stays relative), as a plain scan names them.
  const root = path.resolve(dir);
  const named = (file: string): string => path.join(dir, path.relative(root, file));
  const visited = new Set<string>();
  const visit = (d: string, depth: number): void => {
    const key = path.resolve(d);
    if (visited.has(key) || depth > MAX_KUSTOMIZATION_DEPTH || files.length >= MAX_SOURCE_FILES) return;
    visited.add(key);
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    const target = renderTargetIn(d, names);
    if (!target || target.tool !== 'kustomize') return;
    for (const used of readKustomization(target).uses) {
      let stat;
      try {
        stat = statSync(used);
      } catch {
        continue;
      }
      if (stat.isDirectory()) visit(used, depth + 1);
      else if (stat.isFile() && files.length < MAX_SOURCE_FILES) files.push(named(used));
    }
  };
  visit(dir, 0);
  return files;
}

/** Equal as JSON values: own enumerable keys in any order, arrays in order (position records are symbols, not keys). */
function sameValue(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object' || depth > 256) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((v, i) => sameValue(v, other[i], depth + 1));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const bo = b as Record<string, unknown>;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && sameValue((a as Record<string, unknown>)[k], bo[k], depth + 1));
}

/**
 * kustomize's output has no positions in the files it came from. Where a rendered object is
 * exactly an object of one of the kustomization's source files (listed as is: nothing in the
 * kustomization changed it), the source object is scanned in its place: judging it is judging the
 * rendered object, and findings point at the line the user edits. An object kustomize changed (a
 * patch, a name prefix, a namespace, labels) keeps its place in the rendered output, since no
 * single source line holds what is judged. `config.kubernetes.io/origin` annotations were
 * considered and not used: kustomize adds them only when the kustomization asks, they name a file
 * but not the document, and the field a finding is about may come from a patch elsewhere.
 */
function pointAtSources(loaded: LoadResult, target: RenderTarget, options: LoadOptions, maxBytes: number): void {
  const byName = new Map<string, Resource[]>();
  const key = (r: Resource): string => `${r.apiVersion}\u0000${r.kind}\u0000${r.name}`;
  const wanted = new Set(loaded.resources.map(key));
  for (const file of kustomizationSources(target.dir)) {
    let bytes: Buffer;
    try {
      if (statSync(file).size > maxBytes) continue;
      bytes = readFileSync(file);
    } catch {
      continue;
    }
    // Problems of the source files are not reported here: kustomize read them, and its output is what is scanned.
    for (const r of loadBytes(bytes, file, { ...options, render: false }).resources) {
      if (!wanted.has(key(r))) continue;
      const list = byName.get(key(r));
      if (list) list.push(r);
      else byName.set(key(r), [r]);
    }
  }
  if (byName.size === 0) return;
  const scanned = options.scannedSources ?? new Set<string>();
  let again = 0;
  const resources: Resource[] = [];
  for (const rendered of loaded.resources) {
    const candidates = byName.get(key(rendered));
    const i = candidates ? candidates.findIndex((source) => source.namespace === rendered.namespace && sameValue(source.object, rendered.object)) : -1;
    if (i === -1) {
      resources.push(rendered);
      continue;
    }
    const source = candidates!.splice(i, 1)[0];
    const id = `${source.file}\u0000${source.documentIndex}\u0000${source.basePath}`;
    // Another kustomization of this scan applies the very same object: it is one object, judged once.
    if (scanned.has(id)) again++;
    else {
      scanned.add(id);
      resources.push(source);
    }
  }
  loaded.resources = resources;
  if (again > 0)
    loaded.notes.push({ file: target.marker, message: `${again} object(s) of its output are exactly as another scanned kustomization renders them, from the same source file: scanned once, there` });
  // The files findings point into: the sources used, and the rendered output while any object is from it.
  loaded.files = [...new Set(loaded.resources.map((r) => r.file))];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes and parses one file's bytes, as manifests or (`kind`) a Dockerfile. */
export function loadBytes(bytes: Uint8Array, file: string, options: LoadOptions = {}, kind: InputKind = 'manifests'): LoadResult {
  const what = kind === 'dockerfile' ? 'a Dockerfile' : kind === 'lockfile' ? 'a lockfile' : 'a manifest';
  const result = emptyResult();
  result.files.push(file);
  if (bytes.length === 0) {
    result.notes.push({ file, message: 'empty file' });
    result.empty!.push({ file, reason: 'empty' });
    return result;
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    result.errors.push({ file, line: 1, message: kind === 'dockerfile' ? 'file is UTF-16 encoded; kshield reads Dockerfiles as UTF-8' : 'file is UTF-16 encoded; Kubernetes manifests must be UTF-8' });
    return result;
  }
  const probe = bytes.subarray(0, 8192);
  if (probe.indexOf(0) !== -1) {
    result.errors.push({ file, message: `binary file (contains NUL bytes), not ${what}` });
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
  return loadTextAs(kind, text, file, options);
}

/** Reads a lockfile's text into its one Resource (see lockfile.ts). */
export function loadLockfileText(text: string, file: string): LoadResult {
  const result = emptyResult();
  result.files.push(file);
  const loaded = loadLockfile(text, file);
  for (const e of loaded.errors) result.errors.push({ file, ...(e.line !== undefined ? { line: e.line } : {}), message: e.message });
  for (const n of loaded.notes) result.notes.push(n);
  if (loaded.resource) result.resources.push(loaded.resource);
  return result;
}

/** Parses a Dockerfile's text into its one Resource (see dockerfile.ts). */
export function loadDockerfileText(text: string, file: string): LoadResult {
  const result = emptyResult();
  result.files.push(file);
  const loaded = loadDockerfile(text, file);
  for (const e of loaded.errors) result.errors.push({ file, line: e.line, message: e.message });
  for (const n of loaded.notes) result.notes.push(n);
  if (loaded.resource) result.resources.push(loaded.resource);
  else if (loaded.empty) {
    result.notes.push({ file, message: 'empty Dockerfile (only comments or blank lines)' });
    result.empty!.push({ file, reason: 'empty' });
  }
  return result;
}

/** Parses text as the given kind of input (the rule tester's examples, a caller's buffer). */
export function loadTextAs(kind: InputKind, text: string, file: string, options: LoadOptions = {}): LoadResult {
  if (kind === 'lockfile') return loadLockfileText(text, file);
  return kind === 'dockerfile' ? loadDockerfileText(text, file) : loadText(text, file, options);
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
    result.empty!.push({ file, reason: 'empty' });
    return result;
  }
  const stream = parseYamlStream(text, options.limits ?? DEFAULT_PARSE_LIMITS);
  if (stream.errors.length === 0 && stream.documents.every((d) => d.value === null || d.value === undefined)) {
    result.notes.push({ file, message: 'no YAML documents (only comments or blank lines)' });
    result.empty!.push({ file, reason: 'empty' });
    return result;
  }
  const templated = new TemplateFinder(text);
  let templateReported = false;
  for (const e of stream.errors) {
    // A template action at or before the parse error is its likely cause: say so, once per file.
    const action = e.start !== undefined ? templated.first(e.start, e.end ?? text.length) : -1;
    if (action !== -1 && stream.lines.position(action).line <= e.line) {
      if (!templateReported) result.errors.push({ file, line: stream.lines.position(action).line, message: UNRENDERED_TEMPLATE });
      templateReported = true;
      continue;
    }
    result.errors.push({ file, line: e.line, message: e.column ? `${e.message} (column ${e.column})` : e.message });
  }
  const placeholders: Placeholder[] = [];
  for (const doc of stream.documents) {
    const docLine = (): number => stream.lines.position(doc.offset).line;
    const value = doc.value;
    if (value === null || value === undefined) continue; // an empty document, e.g. a trailing '---'
    if (!isObject(value)) {
      // A Dockerfile piped in without --stdin-kind parses as one YAML scalar: say how to read it.
      const hint = file === STDIN_NAME && typeof value === 'string' && /^(?:FROM|ARG)\s/i.test(value) ? ' (a Dockerfile? read it with --stdin-kind dockerfile)' : '';
      const note = { file, line: docLine(), message: `document ${doc.index + 1} is ${Array.isArray(value) ? 'a list' : 'a scalar'}, not a Kubernetes object; skipped${hint}` };
      result.notes.push(note);
      skippedDocumentNotes.add(note);
      continue;
    }
    addObject(value, '', doc.value as JsonObject, doc.offset, doc.index, file, stream.lines, result, 0, true, undefined, templated.any() ? placeholders : undefined);
  }
  collapseSkippedDocuments(result);
  if (placeholders.length > 0) {
    const first = placeholders[0];
    result.notes.push({
      file,
      line: first.line,
      message: `${placeholders.length === 1 ? 'an object' : `${placeholders.length} objects`} named by a Go template placeholder (${first.kind} "${first.name}"${placeholders.length > 1 ? ', …' : ''}) not scanned: this looks like an unrendered Helm/Go template; ${RENDER_HINT}`,
    });
  }
  if (options.placement) result.unplaced = placeNamespaces(result.resources, result.errors, options.placement);
  dedupeErrors(result);
  // Read without error but nothing to judge (only notes): counts as empty when the whole run is.
  if (result.resources.length === 0 && result.errors.length === 0) result.empty!.push({ file, reason: 'not-kubernetes' });
  return result;
}

/** The notes that say a whole document is not a Kubernetes object (collapsed per file below). */
const skippedDocumentNotes = new WeakSet<Note>();

/**
 * One note per file for its documents that are not Kubernetes objects: a values file or a data
 * stream of thousands of documents would otherwise bury the run's output under one note each.
 */
function collapseSkippedDocuments(result: LoadResult): void {
  let count = 0;
  let first: Note | undefined;
  for (const n of result.notes)
    if (skippedDocumentNotes.has(n)) {
      count++;
      first ??= n;
    }
  if (count < 2 || !first) return;
  const collapsed: Note = {
    file: first.file,
    line: first.line,
    message: `${count} documents are not Kubernetes objects (no apiVersion and kind, or not a mapping); skipped. The first: ${first.message.replace(/[:,] not a Kubernetes object; skipped$/, '')}`,
  };
  result.notes = result.notes.flatMap((n) => (n === first ? [collapsed] : skippedDocumentNotes.has(n) ? [] : [n]));
}

const RENDER_HINT = 'render it first (helm template NAME CHART | kshield scan -, or give kshield the chart directory to render)';
const UNRENDERED_TEMPLATE = `contains Go template syntax ({{ ... }}), which is not YAML: this looks like an unrendered Helm/Go template; ${RENDER_HINT}`;

/**
 * Where `{{ ... }}` actions are in a text (an action opened and closed on one line), found on
 * demand in one linear pass: no regular expression that could backtrack over a large file.
 */
class TemplateFinder {
  private actions: number[] | undefined;
  constructor(private readonly text: string) {}

  private all(): number[] {
    if (this.actions) return this.actions;
    const text = this.text;
    const found: number[] = [];
    let at = text.indexOf('{{');
    while (at !== -1) {
      const lineEnd = text.indexOf('\n', at);
      const close = text.indexOf('}}', at + 2);
      const end = lineEnd === -1 ? text.length : lineEnd;
      if (close !== -1 && close < end) {
        found.push(at);
        at = text.indexOf('{{', close + 2);
      } else at = lineEnd === -1 ? -1 : text.indexOf('{{', lineEnd);
    }
    this.actions = found;
    return found;
  }

  any(): boolean {
    return this.all().length > 0;
  }

  /** Offset of the first action in [from, to), or -1. */
  first(from: number, to: number): number {
    for (const a of this.all()) if (a >= from && a < to) return a;
    return -1;
  }
}

function isPlaceholder(value: string | undefined): boolean {
  const open = value === undefined ? -1 : value.indexOf('{{');
  return open !== -1 && value!.indexOf('}}', open + 2) !== -1;
}

/** Where an object named by a template placeholder was found. */
interface Placeholder {
  kind: string;
  name: string;
  line: number;
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
  placeholders?: Placeholder[],
): void {
  const at = locator(value, docRoot, docOffset, basePath, lines);
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
    const note = { file, line: at('').line, message: `${where} has no ${missing}: not a Kubernetes object; skipped` };
    result.notes.push(note);
    if (!basePath) skippedDocumentNotes.add(note);
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
      addObject(item, itemPath, docRoot, docOffset, documentIndex, file, lines, result, listDepth + 1, shapeChecks, typedList, placeholders);
    });
    return;
  }
  const metadata = value.metadata;
  let name = isObject(metadata) ? asString(metadata.name) : undefined;
  let namespace = isObject(metadata) ? asString(metadata.namespace) : undefined;
  if (name === undefined && isAuditEvent(apiVersion, kind) && typeof value.auditID === 'string' && value.auditID !== '') {
    // An audit event has no metadata: its auditID names it, and it is about the namespace of the object it names.
    name = value.auditID;
    namespace = isObject(value.objectRef) ? asString(value.objectRef.namespace) || undefined : undefined;
  }
  if (metadata !== undefined && !isObject(metadata)) {
    name = '<unnamed>';
    result.errors.push({ file, line: at('/metadata').line, message: `${kind}: metadata must be a mapping` });
  } else if (isObject(metadata) && metadata.name !== undefined && metadata.name !== null && typeof metadata.name !== 'string') {
    name = '<unnamed>';
    result.errors.push({ file, line: at('/metadata/name').line, message: `${kind}: metadata.name must be a string` });
  } else if (!name) {
    const generateName = isObject(metadata) ? asString(metadata.generateName) : undefined;
    if (generateName) name = `${generateName}*`;
    else {
      name = '<unnamed>';
      result.notes.push({ file, line: at('/metadata').line, message: `${kind} has no metadata.name; scanned as "${name}"` });
    }
  }
  // Named by a template placeholder (`name: "{{ .Release.Name }}-web"`, quoted, so the file parses):
  // template text, not an object anyone applies. Judging it would report on names and values
  // that do not exist yet, and its templated fields would read as type errors.
  if (placeholders && (isPlaceholder(name) || isPlaceholder(namespace) || isPlaceholder(isObject(metadata) ? asString(metadata.generateName) : undefined))) {
    const field = isPlaceholder(name) ? '/metadata/name' : isPlaceholder(namespace) ? '/metadata/namespace' : '/metadata/generateName';
    placeholders.push({ kind, name: name ?? '<unnamed>', line: at(field).line });
    return;
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
 * keeps holds only these few values, not the whole load result of its file. An item of a List
 * (`object` at `basePath` below the document) is resolved from itself, not from the document: an
 * item kept for the cross-object rules would otherwise keep the whole List, every other item and
 * its payload included, alive.
 */
function locator(object: JsonObject, docRoot: JsonObject, docOffset: number, basePath: string, lines: LineIndex): (pointer: string) => Position {
  if (basePath === '') return (pointer) => lines.position(locateOffset(docRoot, docOffset, pointer));
  const offset = locateOffset(docRoot, docOffset, basePath);
  sharePositions(docRoot, object);
  return (pointer) => lines.position(locateOffset(object, offset, pointer));
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

