/**
 * TOML for the lockfiles that use it (poetry.lock, Cargo.lock; pyproject.toml, Pipfile and
 * Cargo.toml beside them), parsed with smol-toml: a maintained TOML 1.0 parser with no
 * dependencies that reports the line of a syntax error. It gives no positions for values, so the
 * line of each `[[package]]` entry is found by a scan of the text for its header.
 */
import { parse, TomlError } from 'smol-toml';
import { LockfileError } from './common.js';

export function parseToml(text: string, what: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError) throw new LockfileError(`not valid TOML, so not a readable ${what}: ${err.message.split('\n')[0].replace(/^Invalid TOML document: /, '')}`, err.line);
    throw err;
  }
}

/**
 * For each `[[table]]` header of the text, in order, the line of its `name = ...` key (or of the
 * header when the entry has no name line before the next table): the n-th line belongs to the n-th
 * element of the parsed array. A header inside a multi-line string would be miscounted; lockfiles
 * written by their tools hold none.
 */
export function arrayTableNameLines(text: string, table: string): number[] {
  const header = `[[${table}]]`;
  const lines = text.split('\n');
  const out: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== header) continue;
    let at = i + 1;
    for (let j = i + 1; j < lines.length && !lines[j].trimStart().startsWith('['); j++)
      if (/^\s*name\s*=/.test(lines[j])) {
        at = j + 1;
        break;
      }
    out.push(at);
  }
  return out;
}
