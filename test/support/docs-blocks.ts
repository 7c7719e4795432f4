/**
 * The transcripts in the docs, as data: `console` blocks of README.md, docs/*.md and bench/README.md,
 * parsed into commands, the exit code each should end with, and the output shown for it; and the
 * comparison of shown output with what the command printed. test/docs-commands.test.ts runs them.
 *
 * The convention (docs/ARCHITECTURE.md repeats it for writers):
 * - Every fenced block whose info string is `console` is a transcript that the test runs. A block
 *   that cannot run on a build machine (it needs a live cluster, a webhook server, the network, or
 *   files the reader makes) is fenced as `sh` (commands) or `text` (output) instead.
 * - A line starting with `$ ` is a command (a line ending in `\` continues on the next). The lines
 *   after it, up to the next command, are its output as a terminal shows it: standard output and
 *   standard error together, without colours.
 * - The command must exit 0, unless its line ends with a comment `# exit N`.
 * - The output shown must be the real output from its first line to its last, line by line (trailing
 *   spaces ignored), except that a line `...` stands for any number of lines, none included, and a
 *   `...` within a line stands for any text when the line does not match as written.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface DocCommand {
  /** The command as the reader types it (continuation lines joined, `# exit N` removed). */
  command: string;
  /** 1-based line of the `$ ` in the file. */
  line: number;
  exitCode: number;
  /** The output lines shown under the command. */
  expected: string[];
}

export interface DocBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  commands: DocCommand[];
  /** Why the block cannot be run, when it is malformed (a console block must start with a command). */
  problem?: string;
}

/** The markdown files whose transcripts are run, relative to the repository root. */
export function docFiles(root: string): string[] {
  const docs = readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs, 'bench/README.md'];
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/;
const EXIT = /\s+#\s*exit\s+(\d+)\s*$/;

/** The console blocks of one markdown text. */
export function consoleBlocks(file: string, text: string): DocBlock[] {
  const lines = text.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, info] = open;
    let end = i + 1;
    while (end < lines.length && !isClosingFence(lines[end], fence)) end++;
    if (info === 'console') blocks.push(parseBlock(file, i + 1, lines.slice(i + 1, end).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))));
    i = end;
  }
  return blocks;
}

function isClosingFence(line: string, fence: string): boolean {
  const t = line.trim();
  return t.length >= fence.length && t === fence[0].repeat(t.length);
}

function parseBlock(file: string, fenceLine: number, body: string[]): DocBlock {
  const block: DocBlock = { file, line: fenceLine, commands: [] };
  if (!body[0]?.startsWith('$ ')) {
    block.problem = `a console block must start with a "$ " command line (fence it as text or sh when it cannot be run)`;
    return block;
  }
  for (let i = 0; i < body.length; i++) {
    const l = body[i];
    if (l.startsWith('$ ')) {
      const line = fenceLine + 1 + i;
      let command = l.slice(2);
      while (command.endsWith('\\') && i + 1 < body.length) command = command.slice(0, -1).trimEnd() + ' ' + body[++i].trim();
      const exit = EXIT.exec(command);
      if (exit) command = command.slice(0, exit.index);
      block.commands.push({ command: command.trim(), line, exitCode: exit ? Number(exit[1]) : 0, expected: [] });
    } else {
      block.commands.at(-1)!.expected.push(l);
    }
  }
  for (const c of block.commands) trimBlankEnds(c.expected);
  return block;
}

function trimBlankEnds(lines: string[]): void {
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  while (lines.length && lines[0].trim() === '') lines.shift();
}

function lineMatches(expected: string, actual: string): boolean {
  const e = expected.trimEnd();
  const a = actual.trimEnd();
  if (e === a) return true;
  if (!e.includes('...')) return false;
  const pattern = e
    .split('...')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`).test(a);
}

/**
 * Whether the output shown matches the real output: undefined when it does, else a message naming
 * the first shown line that could not be found where it should be.
 */
export function compareOutput(expected: string[], actualText: string): string | undefined {
  const actual = actualText.replace(/\r\n/g, '\n').split('\n');
  trimBlankEnds(actual);
  // Segments of consecutive shown lines, separated by `...` lines.
  const segments: string[][] = [[]];
  for (const l of expected) {
    if (l.trim() === '...') segments.push([]);
    else segments.at(-1)!.push(l);
  }
  const openStart = expected[0]?.trim() === '...';
  const openEnd = expected.length > 0 && expected[expected.length - 1].trim() === '...';
  const matchesAt = (seg: string[], at: number) => at + seg.length <= actual.length && seg.every((l, k) => lineMatches(l, actual[at + k]));
  let at = 0;
  for (let s = 0; s < segments.length; s++) {
    const seg = segments[s];
    if (seg.length === 0) continue;
    const anchoredStart = s === 0 && !openStart;
    const anchoredEnd = s === segments.length - 1 && !openEnd;
    let found = -1;
    if (anchoredStart) {
      if (matchesAt(seg, 0)) found = 0;
    } else if (anchoredEnd) {
      const from = actual.length - seg.length;
      if (from >= at && matchesAt(seg, from)) found = from;
    } else {
      for (let k = at; k + seg.length <= actual.length; k++) {
        if (matchesAt(seg, k)) {
          found = k;
          break;
        }
      }
    }
    if (found < 0) return `output shown from "${seg[0]}" (${seg.length} line(s)) not found ${anchoredStart ? 'at the start of' : anchoredEnd ? 'at the end of' : 'in order in'} the real output`;
    if (anchoredStart && anchoredEnd && seg.length !== actual.length) return `the real output has ${actual.length} lines where ${seg.length} are shown (mark elided lines with ...)`;
    at = found + seg.length;
  }
  if (segments.every((seg) => seg.length === 0) && !openStart && actual.length > 0) return `no output is shown, but the command printed ${actual.length} line(s) (show them or write ...)`;
  return undefined;
}

/** Every console block of the docs, read from disk. */
export function readDocBlocks(root: string): DocBlock[] {
  return docFiles(root).flatMap((f) => consoleBlocks(f, readFileSync(path.join(root, f), 'utf8')));
}
