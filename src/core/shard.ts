/**
 * A scan spread over worker threads. Parsing YAML with positions and running the rules are both
 * CPU-bound and independent per file, so the files are cut into contiguous shards, one per thread
 * (the calling thread takes the first). Cross-object rules need every object of the run, so each
 * shard, once parsed, publishes a copy of its objects (without positions, without payloads no rule
 * may read across objects) and judges its own objects against all of them. The report is the
 * same as a single-threaded scan's: shards keep the file order, and findings are merged in order.
 *
 *   shard:  load own files -> publish projection -> wait for all projections -> evaluate own -> findings
 *   main:   split files -> start workers -> relay projections -> merge findings, errors, notes
 */
import os from 'node:os';
import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Finding, InputError, JsonObject, Note, Position, Resource } from './types.js';
import { contextView, Evaluator, isExpired } from './engine.js';
import { assembleResult, compareFindings, prepareScan, type ScanOptions, type ScanResult } from './scan.js';
import { loadFiles, nothingToScan, STDIN, type EmptyInput } from '../sources/files.js';
import { addUnplaced, unplacedNote, type Unplaced } from '../sources/placement.js';
import { detachStrings } from './values.js';

/** Below this much input, starting threads costs more than it saves. */
export const AUTO_PARALLEL_MIN_BYTES = 4 * 1024 * 1024;
const MAX_AUTO_JOBS = 4;

/** What a shard needs to run on its own thread: only structured-cloneable data. */
export interface ShardInput {
  index: number;
  files: string[];
  options: Omit<ScanOptions, 'jobs'>;
}

export interface ShardOutput {
  findings: Finding[];
  errors: InputError[];
  notes: Note[];
  files: number;
  resources: number;
  /** Per configured exemption, how many findings it matched in this shard. */
  exemptionMatches: number[];
  /** Namespaced objects of this shard left without a namespace (see sources/placement.ts). */
  unplaced?: Unplaced;
  /** Entries that held nothing to scan. */
  empty: EmptyInput[];
}

/** Receives this shard's projection, resolves with every shard's (this shard's own slot is null). */
export type Exchange = (projection: string) => Promise<(string | null)[]>;

/** How many shards to cut `files` into. */
export function shardCount(files: readonly string[], jobs: ScanOptions['jobs']): number {
  if (files.includes(STDIN) || files.length < 2) return 1;
  if (jobs === undefined) return 1;
  if (jobs !== 'auto') return Math.max(1, Math.min(Math.floor(jobs), files.length));
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  if (cores < 2 || totalBytes(files) < AUTO_PARALLEL_MIN_BYTES) return 1;
  return Math.min(cores, MAX_AUTO_JOBS, files.length);
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0; // the shard that reads it reports the error
  }
}

function totalBytes(files: readonly string[]): number {
  let total = 0;
  for (const f of files) total += sizeOf(f);
  return total;
}

/** Contiguous runs of files with about the same number of bytes each. */
export function splitFiles(files: readonly string[], shards: number): string[][] {
  const sizes = files.map(sizeOf);
  const total = sizes.reduce((a, b) => a + b, 0);
  const out: string[][] = [];
  let current: string[] = [];
  let done = 0;
  for (let i = 0; i < files.length; i++) {
    current.push(files[i]);
    done += sizes[i];
    const remainingFiles = files.length - i - 1;
    const remainingShards = shards - out.length - 1;
    if (remainingShards > 0 && (done >= (total * (out.length + 1)) / shards || remainingFiles === remainingShards)) {
      out.push(current);
      current = [];
    }
  }
  out.push(current);
  return out.filter((s) => s.length > 0);
}

/**
 * splitFiles, but every directory to render goes to the first shard: a base object that several
 * kustomizations leave as it is must be seen by one thread to be judged once.
 */
function splitWithRendersTogether(files: readonly string[], shards: number): string[][] {
  const isDirectory = (f: string): boolean => {
    try {
      return f !== STDIN && statSync(f).isDirectory();
    } catch {
      return false;
    }
  };
  const renders = files.filter(isDirectory);
  if (renders.length === 0) return splitFiles(files, shards);
  const rendered = new Set(renders);
  const split = splitFiles(files.filter((f) => !rendered.has(f)), shards);
  if (split.length === 0) return [renders];
  split[0] = [...renders, ...split[0]];
  return split;
}

type ProjectedRow = [apiVersion: string, kind: string, namespace: string | null, name: string, file: string, documentIndex: number, basePath: string, object: JsonObject];

/** The objects other shards' cross-object rules read, as JSON (positions are not carried over). */
export function projectResources(resources: readonly Resource[]): string {
  const rows: ProjectedRow[] = resources.map((resource) => {
    const r = contextView(resource);
    return [r.apiVersion, r.kind, r.namespace ?? null, r.name, r.file, r.documentIndex, r.basePath, r.object];
  });
  return JSON.stringify(rows);
}

const NO_POSITION: Position = { line: 0, column: 0 };
const noPosition = (): Position => NO_POSITION;

function unproject(text: string, into: Resource[]): void {
  for (const [apiVersion, kind, namespace, name, file, documentIndex, basePath, object] of JSON.parse(text) as ProjectedRow[]) {
    into.push({ apiVersion, kind, namespace: namespace ?? undefined, name, object, file, documentIndex, basePath, locate: noPosition });
  }
}

/**
 * One shard's work, the same on the calling thread and in a worker, and the whole of a
 * single-threaded scan (no `exchange`). Files are judged one at a time by the rules that look at
 * one object; only the objects cross-object rules judge or read are kept after that.
 */
export async function runShard(input: ShardInput, exchange?: Exchange): Promise<ShardOutput> {
  const { engine } = prepareScan(input.options);
  const evaluator = new Evaluator(engine);
  const subjects: Resource[] = [];
  const read: Resource[] = [];
  const errors: InputError[] = [];
  const notes: Note[] = [];
  const empty: EmptyInput[] = [];
  let files = 0;
  let resources = 0;
  let unplaced: Unplaced | undefined;
  const scannedSources = new Set<string>();
  for (const file of input.files) {
    const loaded = await loadFiles([file], { maxFileBytes: input.options.maxFileBytes, placement: input.options.placement, renderTimeoutMs: input.options.renderTimeoutMs, scannedSources });
    unplaced = addUnplaced(unplaced, loaded.unplaced);
    for (const e of loaded.empty ?? []) empty.push(e);
    evaluator.judgeAlone(loaded.resources);
    for (const r of loaded.resources) {
      const subject = evaluator.isSubject(r);
      const isRead = evaluator.isRead(r);
      if (!subject && !isRead) continue;
      // Kept until every file is in: let go of the file's text, which its strings would hold.
      detachStrings(r.object);
      if (subject) subjects.push(r);
      if (isRead) read.push(subject ? r : contextView(r));
    }
    for (const e of loaded.errors) errors.push(e);
    for (const n of loaded.notes) notes.push(n);
    files += loaded.files.length;
    resources += loaded.resources.length;
  }
  let context = read;
  if (exchange) {
    const projections = await exchange(projectResources(read));
    // Every object read, in file order across shards; this shard's own keep their identity.
    context = [];
    for (let i = 0; i < projections.length; i++) {
      const text = projections[i];
      if (i === input.index) for (const r of read) context.push(r);
      else if (text) unproject(text, context);
      projections[i] = null;
    }
  }
  evaluator.judgeTogether(subjects, context);
  // The kept objects are no longer needed; findings are all that is left to return.
  subjects.length = 0;
  read.length = 0;
  context = [];
  const result = evaluator.result();
  result.findings.sort(compareFindings);
  return {
    findings: result.findings,
    errors: [...errors, ...result.errors],
    notes,
    files,
    resources,
    exemptionMatches: result.exemptions.map((u) => u.matched),
    unplaced,
    empty,
  };
}

type WorkerMessage = { type: 'projection'; projection: string } | { type: 'done'; output: ShardOutput } | { type: 'failed'; message: string };

/**
 * Scans `files` on `jobs` threads (1: this thread only); the report equals that of scanLoaded,
 * but the parsed objects are not kept: `resources` and `evaluations` are empty.
 */
/** What expanding the inputs gave besides the files: the inputs as given, errors, and notes on directories left out. */
export interface Expansion {
  inputs: string[];
  errors: InputError[];
  notes: Note[];
}

export async function scanSharded(files: string[], expansion: Expansion, options: ScanOptions, jobs: number): Promise<ScanResult> {
  const prepared = prepareScan(options); // a bad selection fails here, before any thread starts
  const { jobs: _jobs, ...rest } = options;
  const shardOptions: ShardInput['options'] = { ...rest, now: options.now ?? new Date() };
  const shards = jobs > 1 ? splitWithRendersTogether(files, jobs) : [files];
  const projections: (string | null)[] = shards.map(() => null);
  let arrived = 0;
  let allArrived!: () => void;
  let failed!: (err: Error) => void;
  const ready = new Promise<void>((resolve) => (allArrived = resolve));
  const failure = new Promise<never>((_, reject) => (failed = reject));
  failure.catch(() => undefined);
  const publish = (index: number, projection: string): void => {
    projections[index] = projection;
    if (++arrived === shards.length) allArrived();
  };

  const workers: Worker[] = [];
  const outputs: Promise<ShardOutput>[] = [];
  for (let index = 1; index < shards.length; index++) {
    const input: ShardInput = { index, files: shards[index], options: shardOptions };
    const worker = new Worker(new URL('./shard-worker.js', import.meta.url), { workerData: input });
    workers.push(worker);
    outputs.push(
      new Promise<ShardOutput>((resolve, reject) => {
        let settled = false;
        const fail = (err: Error): void => {
          if (settled) return;
          settled = true;
          reject(err);
          failed(err);
        };
        worker.on('message', (m: WorkerMessage) => {
          if (m.type === 'projection') publish(index, m.projection);
          else if (m.type === 'done') {
            settled = true;
            resolve(m.output);
          } else fail(new Error(`scan thread ${index} failed: ${m.message}`));
        });
        worker.on('error', (err) => fail(new Error(`scan thread ${index} failed: ${err.message}`)));
        worker.on('exit', (code) => fail(new Error(`scan thread ${index} exited (code ${code}) before finishing`)));
      }),
    );
  }
  // Workers get everyone's projections the moment the last one arrives, before this thread starts judging its own shard.
  void ready.then(() => workers.forEach((w, k) => w.postMessage(projections.map((p, i) => (i === k + 1 ? null : p)))));
  ready.catch(() => undefined);

  try {
    const own = runShard({ index: 0, files: shards[0], options: shardOptions }, shards.length === 1 ? undefined : async (projection) => {
      publish(0, projection);
      await Promise.race([ready, failure]);
      const mine = projections.map((p, i) => (i === 0 ? null : p));
      // The workers have their copies now; what this thread still needs is `mine`.
      projections.fill(null);
      return mine;
    });
    const all = await Promise.race([Promise.all([own, ...outputs]), failure]);
    const now = shardOptions.now!;
    const exemptionUses = (shardOptions.config?.exemptions ?? []).map((exemption, i) => ({
      exemption,
      matched: all.reduce((n, out) => n + (out.exemptionMatches[i] ?? 0), 0),
      expired: exemption.expires !== undefined && isExpired(exemption.expires, now),
    }));
    const findings: Finding[] = [];
    const errors: InputError[] = [...expansion.errors];
    let notes: Note[] = [...expansion.notes];
    const empty: EmptyInput[] = [];
    let resources = 0;
    let fileCount = 0;
    let unplaced: Unplaced | undefined;
    for (const out of all) {
      for (const f of out.findings) findings.push(f);
      for (const e of out.errors) errors.push(e);
      for (const n of out.notes) notes.push(n);
      for (const e of out.empty) empty.push(e);
      resources += out.resources;
      fileCount += out.files;
      // Shards are in file order: the first shard's first object is the run's first.
      unplaced = addUnplaced(unplaced, out.unplaced);
    }
    const nothing = nothingToScan(expansion.inputs, files.length, resources, errors.length, empty, notes);
    if (nothing) {
      errors.push(...nothing.errors);
      notes = notes.filter((n) => !nothing.replacedNotes.has(n));
    }
    const namespaceNote = shardOptions.placement ? unplacedNote(unplaced, shardOptions.placement.flag) : undefined;
    if (namespaceNote) notes.push(namespaceNote);
    const scan = assembleResult({ findings, errors, notes, rules: prepared.rules, exemptions: exemptionUses, resources, files: fileCount });
    return { ...scan, evaluations: [] };
  } finally {
    for (const w of workers) {
      w.removeAllListeners('exit');
      void w.terminate();
    }
  }
}
