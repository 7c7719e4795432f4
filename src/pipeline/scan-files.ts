/** A scan of files, directories and standard input, or of objects already in memory: load, judge, assemble. */
import path from 'node:path';
import { existsSync } from 'node:fs';
import type { InputError, Note } from '../core/types.js';
import { evaluate } from '../engine/engine.js';
import { addUnplacedNote, expandInputs, loadFiles, nothingToScan, resourcesFromObjects, withInputCrds, type LoadResult } from '../sources/files.js';
import type { ScanResult } from '../report/scan-report.js';
import { maxFileBytesOf, prepareScan, type ScanOptions } from './prepare.js';
import { assembleResult, withEvaluations } from './assemble.js';
import { scanSharded, shardCount } from './threads.js';
import { LockfileVulnerabilities } from './vulnerabilities.js';
import { addImageObjects } from './images.js';

export async function scanFiles(paths: string[], options: ScanOptions = {}): Promise<ScanResult> {
  const maxFileBytes = maxFileBytesOf(options);
  const expansionErrors: InputError[] = [];
  const { files, notes } = await expandInputs(paths, expansionErrors, { render: options.render });
  notes.push(...unscannedImageSources(files, options));
  const expansion = { inputs: paths, errors: expansionErrors, notes };
  const placement = withInputCrds(files, { maxFileBytes, placement: { namespace: options.namespace, flag: options.namespaceFlag ?? '--namespace' } });
  // Images read with --images join the objects of one thread (they are few, and read once).
  if (!options.images && (options.keepResources === false || (options.jobs !== undefined && options.jobs !== 1))) {
    return scanSharded(files, expansion, { ...options, maxFileBytes, placement }, shardCount(files, options.jobs));
  }
  const loaded = await loadFiles(files, { maxFileBytes, placement, renderTimeoutMs: options.renderTimeoutMs, stdinKind: options.stdinKind });
  const vulnerabilities = new LockfileVulnerabilities(options.vulnerabilities);
  vulnerabilities.attach(loaded.resources, loaded.notes);
  try {
    if (options.images) await addImageObjects(loaded, options.images, vulnerabilities);
  } finally {
    vulnerabilities.close();
  }
  loaded.errors.unshift(...expansionErrors);
  loaded.notes.unshift(...notes);
  const nothing = nothingToScan(paths, files.length, loaded.resources.length, loaded.errors.length, loaded.empty ?? [], loaded.notes);
  if (nothing) {
    loaded.errors.push(...nothing.errors);
    loaded.notes = loaded.notes.filter((n) => !nothing.replacedNotes.has(n));
  }
  addUnplacedNote(loaded, placement);
  return scanLoaded(loaded, options);
}

/**
 * The configuration's imageSources whose Dockerfile is not among the files read: the images they
 * name are then linked to nothing, which is said once, so a misspelt path does not silently turn
 * the correlation rules off.
 */
function unscannedImageSources(files: readonly string[], options: ScanOptions): Note[] {
  const sources = options.config?.imageSources ?? [];
  if (sources.length === 0) return [];
  const read = new Set(files.map((f) => path.resolve(f)));
  const file = options.config?.file ?? '.kshield.yaml';
  return sources.flatMap((s, i) =>
    read.has(s.dockerfile) ? [] : [{ file, message: `imageSources[${i}]: ${path.relative(process.cwd(), s.dockerfile) || s.dockerfile} is not among the scanned files, so images ${s.image} are not judged with it${existsSync(s.dockerfile) ? ' (scan the directory that holds it too)' : ' (no such file)'}` }],
  );
}

/** Scans objects already in memory; `file` names where they came from in findings ("cluster:admin"). */
export function scanObjects(objects: unknown[], options: ScanOptions = {}, file?: string): ScanResult {
  return scanLoaded(resourcesFromObjects(objects, file), options);
}

export function scanLoaded(loaded: LoadResult, options: ScanOptions = {}): ScanResult {
  const { rules: selected, engine } = prepareScan(options);
  const result = evaluate(loaded.resources, engine);
  const scan = assembleResult({
    findings: result.findings,
    errors: [...loaded.errors, ...result.errors],
    notes: loaded.notes,
    rules: selected,
    exemptions: result.exemptions,
    resources: loaded.resources.length,
    files: loaded.files.length,
    judged: result.judged,
  });
  return withEvaluations(scan, loaded.resources, selected);
}
