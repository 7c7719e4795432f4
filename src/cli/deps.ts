/**
 * `kshield deps DIR`: the application dependencies of a source tree, from its lockfiles, as a
 * table, JSON, or an SBOM (CycloneDX 1.6 / SPDX 2.3 JSON). Exit codes as everywhere: 0 read, 2 when
 * a lockfile could not be read (the others are still reported), when no lockfile was found, or when
 * an output could not be written.
 */
import path from 'node:path';
import { EXIT, OutputError, UsageError } from '../core/errors.js';
import { didYouMean, suggest } from '../core/suggest.js';
import { inventorySourceTree, SourceTreeRootError } from '../sources/source-tree.js';
import { LOCKFILE_NAMES, lockfileFormat } from '../packages/lockfiles/index.js';
import { buildDepsReport, renderDepsJson, renderDepsTable, type DepsReport } from '../report/deps.js';
import { SBOM_FORMATS, writeSbom, type SbomFormat, type SbomSubject } from '../report/sbom/index.js';
import { writeOutput, type OutputTarget } from './output.js';
import { parseSize } from '../config/config-file.js';

const REPORT_FORMATS = ['table', 'json'] as const;
const DEPS_FORMATS = [...REPORT_FORMATS, ...SBOM_FORMATS] as const;
type DepsFormat = (typeof DEPS_FORMATS)[number];
const ALIASES: Record<string, DepsFormat> = { text: 'table', cdx: 'cyclonedx', 'spdx-json': 'spdx' };

export interface DepsCommandOptions {
  output: string[];
  outputFile?: string;
  sbom?: string;
  maxFileSize?: string;
  /** Fixes the SBOM's timestamp (ISO 8601), for reproducible documents. */
  sbomTimestamp?: string;
}

interface Target {
  format: DepsFormat;
  file?: string;
}

function toFormat(name: string, flag: string): DepsFormat {
  const f = (ALIASES[name] ?? name) as DepsFormat;
  if (!(DEPS_FORMATS as readonly string[]).includes(f)) {
    const near = didYouMean(suggest(name, [...DEPS_FORMATS]));
    throw new UsageError(`${flag}: unknown format "${name}"${near ? `; ${near}` : ''} (one of: ${DEPS_FORMATS.join(', ')})`);
  }
  return f;
}

/**
 * The outputs: `-o FORMAT[=FILE]` (repeatable) as on every command, `--output-file FILE`, and
 * `--sbom FORMAT`, which adds that SBOM; with --sbom, a `-o` value that is not a format is the
 * SBOM's file (`--sbom spdx -o sbom.spdx.json`).
 */
export function depsTargets(opts: DepsCommandOptions): Target[] {
  const specs = [...opts.output];
  let sbomFile: string | undefined;
  if (opts.sbom !== undefined) {
    const format = toFormat(opts.sbom, '--sbom');
    if (!(SBOM_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--sbom: "${opts.sbom}" is not an SBOM format (cyclonedx or spdx)`);
    const fileSpecs = specs.filter((s) => !s.includes('=') && !(DEPS_FORMATS as readonly string[]).includes(ALIASES[s] ?? s));
    if (fileSpecs.length > 1) throw new UsageError(`-o: ${fileSpecs.join(', ')} are not formats, and --sbom writes one file`);
    if (fileSpecs.length === 1) {
      sbomFile = fileSpecs[0];
      specs.splice(specs.indexOf(sbomFile), 1);
    }
  }
  const targets: Target[] = specs.map((spec) => {
    const eq = spec.indexOf('=');
    if (eq === -1) return { format: toFormat(spec.trim(), '-o') };
    const file = spec.slice(eq + 1).trim();
    if (!file) throw new UsageError(`-o ${spec}: missing file name after "="`);
    return { format: toFormat(spec.slice(0, eq).trim(), '-o'), file };
  });
  if (opts.sbom !== undefined) {
    const format = toFormat(opts.sbom, '--sbom');
    if (!targets.some((t) => t.format === format && (sbomFile === undefined || t.file === sbomFile))) targets.push({ format, file: sbomFile });
  }
  if (targets.length === 0) targets.push({ format: 'table' });
  if (opts.outputFile) {
    const toStdout = targets.filter((t) => !t.file);
    if (toStdout.length !== 1) throw new UsageError('--output-file needs exactly one -o format without "=FILE"');
    toStdout[0].file = opts.outputFile;
  }
  if (targets.filter((t) => !t.file).length > 1) throw new UsageError('only one format can go to standard output; give the others a file: -o json=deps.json');
  const files = targets.filter((t) => t.file).map((t) => path.resolve(t.file!));
  if (new Set(files).size !== files.length) throw new UsageError('two formats are written to the same file');
  return targets;
}

function render(target: Target, report: DepsReport, tree: Awaited<ReturnType<typeof inventorySourceTree>>, opts: DepsCommandOptions): string {
  switch (target.format) {
    case 'json':
      return renderDepsJson(report);
    case 'cyclonedx':
    case 'spdx':
      return writeSbom(tree.inventory, target.format as SbomFormat, sourceSubject(tree.root), { timestamp: opts.sbomTimestamp });
    default:
      return renderDepsTable(report);
  }
}

/** The SBOM's subject: the project directory by its name (`.` says nothing in an SBOM read elsewhere). */
function sourceSubject(given: string): SbomSubject {
  const abs = path.resolve(given);
  const dir = lockfileFormat(path.basename(abs)) ? path.dirname(abs) : abs;
  return { kind: 'source', name: path.basename(dir) || dir };
}

export async function runDeps(dir: string, opts: DepsCommandOptions): Promise<number> {
  const targets = depsTargets(opts);
  if (opts.sbomTimestamp !== undefined && Number.isNaN(new Date(opts.sbomTimestamp).getTime())) throw new UsageError(`--sbom-timestamp: "${opts.sbomTimestamp}" is not a date and time (such as 2024-01-31T12:00:00Z)`);
  const maxFileBytes = opts.maxFileSize !== undefined ? parseMaxFileSize(opts.maxFileSize) : undefined;
  let tree;
  try {
    tree = await inventorySourceTree(dir, maxFileBytes !== undefined ? { maxFileBytes } : {});
  } catch (err) {
    if (err instanceof SourceTreeRootError) throw new UsageError(err.message);
    throw err;
  }
  const nothing = tree.lockfiles.length === 0 && tree.errors.length === 0;
  const report = buildDepsReport(tree);
  let written = true;
  for (const target of targets) {
    try {
      await writeOutput({ format: target.format as OutputTarget['format'], file: target.file }, render(target, report, tree, opts));
      if (target.file) process.stderr.write(`wrote ${target.format} ${target.format === 'cyclonedx' || target.format === 'spdx' ? 'SBOM' : 'report'} to ${target.file}\n`);
    } catch (err) {
      if (!(err instanceof OutputError)) throw err;
      process.stderr.write(`kshield: error: ${err.message}\n`);
      written = false;
    }
  }
  // The table lists what was not read; anywhere else it would go unseen, so standard error says it.
  const tableOnScreen = targets.some((t) => t.format === 'table' && t.file === undefined);
  if (!tableOnScreen) for (const e of tree.errors) process.stderr.write(`kshield: ${e.path}${e.line !== undefined ? `:${e.line}` : ''}: ${e.message}\n`);
  // Like `scan` on a directory without manifests: a mistyped path must not pass CI with nothing read.
  if (nothing) process.stderr.write(`kshield: no lockfiles in ${dir} (looked for ${LOCKFILE_NAMES.join(', ')})\n`);
  return !written || nothing || tree.errors.length > 0 ? EXIT.usage : EXIT.clean;
}

function parseMaxFileSize(value: string): number {
  try {
    return parseSize(value);
  } catch (err) {
    throw new UsageError(`--max-file-size: ${(err as Error).message}`);
  }
}
