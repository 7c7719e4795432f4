/** Output targets: `-o FORMAT`, `-o FORMAT=FILE` (repeatable) and `--output-file FILE`. */
import { promises as fs, openSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from './errors.js';

export const FORMATS = ['table', 'json', 'sarif', 'junit', 'markdown'] as const;
export type Format = (typeof FORMATS)[number];

export interface OutputTarget {
  format: Format;
  /** undefined = standard output */
  file?: string;
}

const ALIASES: Record<string, Format> = { md: 'markdown', xml: 'junit', text: 'table' };

function toFormat(name: string): Format {
  const f = (ALIASES[name] ?? name) as Format;
  if (!FORMATS.includes(f)) throw new UsageError(`unknown output format "${name}" (one of: ${FORMATS.join(', ')})`);
  return f;
}

export function parseOutputs(specs: string[], outputFile: string | undefined): OutputTarget[] {
  const targets: OutputTarget[] = (specs.length ? specs : ['table']).map((spec) => {
    const eq = spec.indexOf('=');
    if (eq === -1) return { format: toFormat(spec.trim()) };
    const file = spec.slice(eq + 1).trim();
    if (!file) throw new UsageError(`-o ${spec}: missing file name after "="`);
    return { format: toFormat(spec.slice(0, eq).trim()), file };
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

/** Writes text, or a sequence of pieces (large reports are produced piece by piece). */
export async function writeOutput(target: OutputTarget, content: string | Iterable<string>): Promise<void> {
  const pieces = typeof content === 'string' ? [content.endsWith('\n') ? content : content + '\n'] : content;
  if (target.file) {
    await fs.mkdir(path.dirname(path.resolve(target.file)), { recursive: true });
    const fd = openSync(target.file, 'w');
    try {
      for (const piece of pieces) writeSync(fd, piece);
    } finally {
      closeSync(fd);
    }
  } else {
    for (const piece of pieces) {
      if (!process.stdout.write(piece)) await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
    }
    await new Promise<void>((resolve, reject) => process.stdout.write('', (err) => (err ? reject(err) : resolve())));
  }
}

/** Colour only for a terminal, never with NO_COLOR, always with FORCE_COLOR. */
export function useColor(stream: NodeJS.WriteStream, disabled: boolean): boolean {
  if (disabled) return false;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}
