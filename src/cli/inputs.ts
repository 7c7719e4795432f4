/** The input arguments every command that reads manifests shares: paths (or `-`) and --max-file-size. */
import { parseSize } from '../core/config.js';
import { UsageError } from './errors.js';

/** Checks the paths given; `verb` completes "nothing to ..." ("scan", "analyse"). */
export function checkInputPaths(paths: string[], verb: string, example = ''): void {
  if (paths.length === 0) throw new UsageError(`nothing to ${verb}: give files or directories, or - to read standard input${example}`);
  if (paths.filter((p) => p === '-').length > 1) throw new UsageError('standard input (-) can be given only once');
}

/** --max-file-size as bytes (undefined: the default). */
export function maxFileBytesOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parseSize(value);
  } catch (err) {
    throw new UsageError(`--max-file-size: ${(err as Error).message}`);
  }
}
