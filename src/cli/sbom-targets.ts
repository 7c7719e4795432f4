/**
 * The outputs of the commands that write SBOMs (`deps`, `image`): `-o FORMAT[=FILE]` (repeatable)
 * as on every command, `--output-file FILE`, and `--sbom FORMAT`, which adds that SBOM; with
 * --sbom, a `-o` value that is not a format is the SBOM's file (`--sbom spdx -o sbom.spdx.json`).
 */
import path from 'node:path';
import { OutputError, UsageError } from '../core/errors.js';
import { didYouMean, suggest } from '../core/suggest.js';
import { SBOM_FORMATS } from '../report/sbom/index.js';
import { useColor, writeOutput, type OutputTarget } from './output.js';

const ALIASES: Record<string, string> = { text: 'table', cdx: 'cyclonedx', 'spdx-json': 'spdx' };

export interface SbomTargetFlags {
  output: string[];
  outputFile?: string;
  sbom?: string;
}

export interface SbomTarget<F extends string> {
  format: F | (typeof SBOM_FORMATS)[number];
  file?: string;
}

export function sbomTargets<F extends string>(opts: SbomTargetFlags, reportFormats: readonly F[]): SbomTarget<F>[] {
  type Format = SbomTarget<F>['format'];
  const formats: readonly string[] = [...reportFormats, ...SBOM_FORMATS];
  const toFormat = (name: string, flag: string): Format => {
    const f = ALIASES[name] ?? name;
    if (!formats.includes(f)) {
      const near = didYouMean(suggest(name, [...formats]));
      throw new UsageError(`${flag}: unknown format "${name}"${near ? `; ${near}` : ''} (one of: ${formats.join(', ')})`);
    }
    return f as Format;
  };
  const specs = [...opts.output];
  let sbomFile: string | undefined;
  if (opts.sbom !== undefined) {
    const format = toFormat(opts.sbom, '--sbom');
    if (!(SBOM_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--sbom: "${opts.sbom}" is not an SBOM format (cyclonedx or spdx)`);
    const fileSpecs = specs.filter((s) => !s.includes('=') && !formats.includes(ALIASES[s] ?? s));
    if (fileSpecs.length > 1) throw new UsageError(`-o: ${fileSpecs.join(', ')} are not formats, and --sbom writes one file`);
    if (fileSpecs.length === 1) {
      sbomFile = fileSpecs[0];
      specs.splice(specs.indexOf(sbomFile), 1);
    }
  }
  const targets: SbomTarget<F>[] = specs.map((spec) => {
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
  if (targets.length === 0) targets.push({ format: 'table' as Format });
  if (opts.outputFile) {
    const toStdout = targets.filter((t) => !t.file);
    if (toStdout.length !== 1) throw new UsageError('--output-file needs exactly one -o format without "=FILE"');
    toStdout[0].file = opts.outputFile;
  }
  if (targets.filter((t) => !t.file).length > 1) throw new UsageError('only one format can go to standard output; give the others a file: -o json=report.json');
  const files = targets.filter((t) => t.file).map((t) => path.resolve(t.file!));
  if (new Set(files).size !== files.length) throw new UsageError('two formats are written to the same file');
  return targets;
}

/** Whether a target is an SBOM. */
export function isSbomFormat(format: string): format is (typeof SBOM_FORMATS)[number] {
  return (SBOM_FORMATS as readonly string[]).includes(format);
}

/** --sbom-timestamp must be a date and time; undefined (now) is fine. */
export function checkSbomTimestamp(value: string | undefined): void {
  if (value !== undefined && Number.isNaN(new Date(value).getTime())) throw new UsageError(`--sbom-timestamp: "${value}" is not a date and time (such as 2024-01-31T12:00:00Z)`);
}

/**
 * Writes every target (`render` gives its text; `color` is true only for a table on a terminal that
 * allows colour), saying on standard error which file got what. A target that cannot be written is
 * an error and the others are still written; returns whether all were.
 */
export async function writeSbomTargets<F extends string>(targets: readonly SbomTarget<F>[], noColor: boolean, render: (target: SbomTarget<F>, color: boolean) => string): Promise<boolean> {
  let written = true;
  for (const t of targets) {
    const color = t.file === undefined && t.format === 'table' ? useColor(process.stdout, noColor) : false;
    try {
      await writeOutput({ format: t.format as OutputTarget['format'], file: t.file }, render(t, color));
      if (t.file) process.stderr.write(`wrote ${t.format} ${isSbomFormat(t.format) ? 'SBOM' : 'report'} to ${t.file}\n`);
    } catch (err) {
      if (!(err instanceof OutputError)) throw err;
      process.stderr.write(`kshield: error: ${err.message}\n`);
      written = false;
    }
  }
  return written;
}
