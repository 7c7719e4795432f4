/**
 * One thread's share of a scan (a shard: a contiguous run of the files), and what shards tell each
 * other: the objects their cross-object rules read, as JSON without positions or payloads (see
 * threads.ts for how shards are cut and run).
 */
import type { Finding, InputError, JsonObject, Note, Position, Resource } from '../core/types.js';
import { detachStrings } from '../core/values.js';
import { forgetPodViews } from '../k8s/pods.js';
import { withCacheScope } from '../core/scoped-cache.js';
import { LockfileVulnerabilities } from './vulnerabilities.js';
import { contextView, StreamingEvaluator } from '../engine/engine.js';
import { loadFiles, type EmptyInput } from '../sources/files.js';
import { addUnplaced, type Unplaced } from '../sources/placement.js';
import { compareFindings } from '../report/scan-report.js';
import { prepareScan, type ScanOptions } from './prepare.js';

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
  /** Rule id -> objects of this shard it judged (see EngineResult.judged). */
  judged: Record<string, number>;
  /** Namespaced objects of this shard left without a namespace (see sources/placement.ts). */
  unplaced?: Unplaced;
  /** Entries that held nothing to scan. */
  empty: EmptyInput[];
}

/** Receives this shard's projection, resolves with every shard's (this shard's own slot is null). */
export type Exchange = (projection: string) => Promise<(string | null)[]>;

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
 * single-threaded scan that does not keep its objects (no `exchange`): files are loaded one at a
 * time into the engine's streaming loop, which keeps only what the cross-object rules need.
 */
export async function runShard(input: ShardInput, exchange?: Exchange): Promise<ShardOutput> {
  const { engine } = prepareScan(input.options);
  // Kept until every file is in: let go of the file's text, which its strings would hold, and
  // which its position lookups hold until the file's line table is built (locate builds it).
  const stream = new StreamingEvaluator(engine, (r) => {
    detachStrings(r.object);
    forgetPodViews(r.object);
    r.locate('');
  });
  const errors: InputError[] = [];
  const notes: Note[] = [];
  const empty: EmptyInput[] = [];
  let files = 0;
  let resources = 0;
  let unplaced: Unplaced | undefined;
  const scannedSources = new Set<string>();
  const vulnerabilities = new LockfileVulnerabilities(input.options.vulnerabilities);
  for (const file of input.files) {
    const loaded = await loadFiles([file], { maxFileBytes: input.options.maxFileBytes, placement: input.options.placement, renderTimeoutMs: input.options.renderTimeoutMs, scannedSources, stdinKind: input.options.stdinKind });
    unplaced = addUnplaced(unplaced, loaded.unplaced);
    for (const e of loaded.empty ?? []) empty.push(e);
    vulnerabilities.attach(loaded.resources, loaded.notes);
    // The rules' caches of views of this file's objects (pod specs, containers, selectors) go with
    // the file: most of its objects are garbage once judged, and a module-wide cache would carry
    // its values through a garbage collection more, and keep them for the objects kept.
    withCacheScope(() => stream.add(loaded.resources));
    for (const e of loaded.errors) errors.push(e);
    for (const n of loaded.notes) notes.push(n);
    files += loaded.files.length;
    resources += loaded.resources.length;
  }
  vulnerabilities.close();
  let context: Resource[] | undefined;
  if (exchange) {
    const own = stream.kept;
    const projections = await exchange(projectResources(own));
    // Every object read, in file order across shards; this shard's own keep their identity.
    context = [];
    for (let i = 0; i < projections.length; i++) {
      const text = projections[i];
      if (i === input.index) for (const r of own) context.push(r);
      else if (text) unproject(text, context);
      projections[i] = null;
    }
  }
  const result = withCacheScope(() => stream.finish({ context }));
  context = undefined;
  result.findings.sort(compareFindings);
  return {
    findings: result.findings,
    errors: [...errors, ...result.errors],
    notes,
    files,
    resources,
    exemptionMatches: result.exemptions.map((u) => u.matched),
    judged: result.judged,
    unplaced,
    empty,
  };
}
