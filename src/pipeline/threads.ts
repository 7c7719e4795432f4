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
import type { Finding, InputError, Note } from '../core/types.js';
import { isExpired } from '../engine/engine.js';
import { nothingToScan, STDIN, type EmptyInput } from '../sources/files.js';
import { addUnplaced, unplacedNote, type Unplaced } from '../sources/placement.js';
import type { ScanResult } from '../report/scan-report.js';
import { prepareScan, type ScanOptions } from './prepare.js';
import { assembleResult } from './assemble.js';
import { runShard, type ShardInput, type ShardOutput } from './shard.js';

/** Below this much input, starting threads costs more than it saves. */
const AUTO_PARALLEL_MIN_BYTES = 4 * 1024 * 1024;
const MAX_AUTO_JOBS = 4;

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
    const worker = new Worker(new URL('./thread-worker.js', import.meta.url), { workerData: input });
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
    const judged: Record<string, number> = {};
    for (const out of all) {
      for (const [id, n] of Object.entries(out.judged)) judged[id] = (judged[id] ?? 0) + n;
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
    const scan = assembleResult({ findings, errors, notes, rules: prepared.rules, exemptions: exemptionUses, resources, files: fileCount, judged });
    return { ...scan, evaluations: [] };
  } finally {
    for (const w of workers) {
      w.removeAllListeners('exit');
      void w.terminate();
    }
  }
}
