/** Output targets: `-o FORMAT`, `-o FORMAT=FILE` (repeatable) and `--output-file FILE`. */
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { OutputError, UsageError } from '../core/errors.js';
import { didYouMean, suggest } from '../core/suggest.js';

export const FORMATS = ['table', 'json', 'sarif', 'junit', 'markdown', 'html'] as const;
export type Format = (typeof FORMATS)[number];

export interface OutputTarget {
  format: Format;
  /** undefined = standard output */
  file?: string;
}

const ALIASES: Record<string, Format> = { md: 'markdown', xml: 'junit', text: 'table', htm: 'html' };

function toFormat<F extends string>(name: string, formats: readonly F[]): F {
  const f = (ALIASES[name] ?? name) as F;
  if (!formats.includes(f)) {
    const aliases = Object.keys(ALIASES).filter((a) => formats.includes(ALIASES[a] as string as F));
    const near = didYouMean(suggest(name, [...formats, ...aliases]));
    throw new UsageError(`unknown output format "${name}"${near ? `; ${near}` : ''} (one of: ${formats.join(', ')})`);
  }
  return f;
}

/**
 * The error of a command that writes one format to standard output (rbac paths, netpol reach and
 * can) given an unknown -o: for `FORMAT=FILE`, which scan, report and node accept, it says how to
 * write a file here instead of calling "html=x.html" an unknown format.
 */
export function singleFormatError(given: string, formats: readonly string[]): UsageError {
  const eq = given.indexOf('=');
  if (eq > 0 && formats.includes(given.slice(0, eq)))
    return new UsageError(`-o ${given}: this command writes one format to standard output, not to a file; redirect it: -o ${given.slice(0, eq)} > ${given.slice(eq + 1) || 'FILE'}`);
  return new UsageError(`unknown output format "${given}" (one of: ${formats.join(', ')})`);
}

/** `formats`: what the command writes (default: the scan formats). */
export function parseOutputs(specs: string[], outputFile: string | undefined): OutputTarget[];
export function parseOutputs<F extends string>(specs: string[], outputFile: string | undefined, formats: readonly F[]): { format: F; file?: string }[];
export function parseOutputs(specs: string[], outputFile: string | undefined, formats: readonly string[] = FORMATS): { format: string; file?: string }[] {
  const targets: { format: string; file?: string }[] = (specs.length ? specs : ['table']).map((spec) => {
    const eq = spec.indexOf('=');
    if (eq === -1) return { format: toFormat(spec.trim(), formats) };
    const file = spec.slice(eq + 1).trim();
    if (!file) throw new UsageError(`-o ${spec}: missing file name after "="`);
    return { format: toFormat(spec.slice(0, eq).trim(), formats), file };
  });
  if (outputFile) {
    const toStdout = targets.filter((t) => !t.file);
    if (toStdout.length !== 1) throw new UsageError('--output-file needs exactly one -o format without "=FILE"');
    toStdout[0].file = outputFile;
  }
  if (targets.filter((t) => !t.file).length > 1) throw new UsageError('only one format can go to standard output; give the others a file: -o json=report.json');
  const files = targets.filter((t) => t.file).map((t) => path.resolve(t.file!));
  if (new Set(files).size !== files.length) throw new UsageError('two formats are written to the same file');
  return targets;
}

/** True once standard output's reader has gone (`kshield scan ... | head`): stop writing, quietly. */
let stdoutClosed = false;
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  // Other errors reach the pending write's callback; this listener only keeps them from crashing.
  if (err.code === 'EPIPE') stdoutClosed = true;
});

function isBrokenPipe(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'EPIPE';
}

/**
 * Writes text, or a sequence of pieces (large reports are produced piece by piece). Missing
 * directories on the way to a file are created (CI jobs write to `reports/...`). Failures are an
 * OutputError naming the file and the reason.
 */
export async function writeOutput(target: { format: string; file?: string }, content: string | Iterable<string>): Promise<void> {
  const pieces = typeof content === 'string' ? [content.endsWith('\n') ? content : content + '\n'] : content;
  if (target.file) {
    let fd: number;
    try {
      makeParents(target.file);
      fd = openSync(target.file, 'w');
    } catch (err) {
      throw new OutputError(`cannot write the ${target.format} report to ${target.file}: ${describeWriteError(err, target.file)}`);
    }
    try {
      for (const piece of pieces) writeSync(fd, piece);
    } catch (err) {
      throw new OutputError(`cannot write the ${target.format} report to ${target.file}: ${describeWriteError(err, target.file)}`);
    } finally {
      closeSync(fd);
    }
    return;
  }
  try {
    for (const piece of pieces) {
      if (stdoutClosed) return;
      if (!process.stdout.write(piece)) await settled('drain');
    }
    if (stdoutClosed) return;
    await new Promise<void>((resolve, reject) => process.stdout.write('', (err) => (err ? reject(err) : resolve())));
  } catch (err) {
    if (isBrokenPipe(err)) {
      stdoutClosed = true;
      return;
    }
    throw err;
  }
}

/** Resolves on `event`, or when standard output fails or closes (a closed pipe never drains). */
function settled(event: 'drain'): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      process.stdout.off(event, done);
      process.stdout.off('error', done);
      process.stdout.off('close', done);
      resolve();
    };
    process.stdout.once(event, done);
    process.stdout.once('error', done);
    process.stdout.once('close', done);
  });
}

/**
 * Creates the missing directories above `file`, one level at a time from the nearest existing
 * one. (Node's recursive mkdir spins forever under /proc, where mkdir fails with ENOENT.)
 */
export function makeParents(file: string): void {
  const missing: string[] = [];
  let dir = path.dirname(path.resolve(file));
  while (!existsSync(dir)) {
    missing.push(dir);
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const d of missing.reverse()) mkdirSync(d);
}

export function describeWriteError(err: unknown, file: string): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return `cannot create the directory ${path.dirname(path.resolve(file))}`;
  if (code === 'EEXIST') return 'a part of the path is a file, not a directory';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'ENOTDIR') return 'a part of the path is not a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'ENOSPC') return 'no space left on the device';
  return code ?? (err as Error)?.message ?? String(err);
}

/** Colour only for a terminal, never with NO_COLOR, always with FORCE_COLOR. */
export function useColor(stream: NodeJS.WriteStream, disabled: boolean): boolean {
  if (disabled) return false;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

/**
 * Writes one rendering per target (colour and width only for a table on standard output).
 * A target that cannot be written is reported and the others are still written; false then.
 */
export async function writeTargets<T extends { format: string; file?: string } = OutputTarget>(targets: T[], noColor: boolean, render: (target: T, color: boolean, width: number | undefined) => string): Promise<boolean> {
  let allWritten = true;
  for (const target of targets) {
    const color = target.file === undefined && target.format === 'table' ? useColor(process.stdout, noColor) : false;
    const width = target.file === undefined && process.stdout.isTTY ? process.stdout.columns : undefined;
    try {
      await writeOutput(target, render(target, color, width));
      if (target.file) process.stderr.write(`wrote ${target.format} report to ${target.file}\n`);
    } catch (err) {
      if (!(err instanceof OutputError)) throw err;
      process.stderr.write(`kshield: error: ${err.message}\n`);
      allWritten = false;
    }
  }
  return allWritten;
}
