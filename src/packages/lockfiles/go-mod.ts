/**
 * go.mod (https://go.dev/ref/mod#go-mod-file): `require` lines and blocks give each module's
 * selected version, `// indirect` marks the ones the main module does not import itself, and
 * `replace` directives swap a module (all versions, or one) for another module version or a local
 * directory. Since Go 1.17 go.mod lists every module the build needs; before, only part of the
 * graph, which is noted. go.sum, when it is beside go.mod, is a cross-check: a required module
 * without a checksum line means the two files disagree.
 */
import type { Package } from '../model.js';
import { golangPurl } from '../purl.js';
import { LockfileError, mergeByPurl, type LockfileContext, type LockfileNote, type LockfileResult } from './common.js';

interface Require {
  path: string;
  version: string;
  indirect: boolean;
  line: number;
}

interface Replace {
  oldPath: string;
  oldVersion?: string;
  newPath: string;
  newVersion?: string;
  line: number;
}

/** Splits a go.mod line into its tokens (paths may be quoted with "..." or `...`) and its comment. */
function tokenize(line: string): { tokens: string[]; comment: string } {
  const tokens: string[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (line.startsWith('//', i)) return { tokens, comment: line.slice(i + 2).trim() };
    if (c === '"' || c === '`') {
      const end = line.indexOf(c, i + 1);
      if (end === -1) return { tokens: [...tokens, line.slice(i + 1)], comment: '' };
      tokens.push(line.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    let j = i;
    while (j < line.length && line[j] !== ' ' && line[j] !== '\t' && !line.startsWith('//', j)) j++;
    tokens.push(line.slice(i, j));
    i = j;
  }
  return { tokens, comment: '' };
}

const VERSION = /^v\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?$/;

export function readGoMod(text: string, path: string, context: LockfileContext = {}): LockfileResult {
  const requires: Require[] = [];
  const replaces: Replace[] = [];
  const notes: LockfileNote[] = [];
  let goVersion: string | undefined;
  let block: string | undefined;
  let blockLine = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const { tokens, comment } = tokenize(lines[i].replace(/\r$/, ''));
    if (tokens.length === 0) continue;
    let verb: string;
    let args: string[];
    if (block !== undefined) {
      if (tokens[0] === ')') {
        block = undefined;
        continue;
      }
      verb = block;
      args = tokens;
    } else {
      verb = tokens[0];
      args = tokens.slice(1);
      if (args.length === 1 && args[0] === '(') {
        block = verb;
        blockLine = line;
        continue;
      }
    }
    switch (verb) {
      case 'go':
        goVersion = args[0];
        break;
      case 'require': {
        if (args.length !== 2) throw new LockfileError(`require needs a module path and a version, found "${args.join(' ')}"`, line);
        if (!VERSION.test(args[1])) throw new LockfileError(`require ${args[0]}: "${args[1]}" is not a module version (such as v1.2.3)`, line);
        requires.push({ path: args[0], version: args[1], indirect: /^indirect\b|;\s*indirect\b/.test(comment), line });
        break;
      }
      case 'replace': {
        const arrow = args.indexOf('=>');
        if (arrow < 1 || arrow > 2 || args.length - arrow - 1 < 1 || args.length - arrow - 1 > 2) throw new LockfileError(`replace needs "old [version] => new [version]", found "${args.join(' ')}"`, line);
        replaces.push({ oldPath: args[0], oldVersion: arrow === 2 ? args[1] : undefined, newPath: args[arrow + 1], newVersion: args[arrow + 2], line });
        break;
      }
      case 'module':
      case 'toolchain':
      case 'exclude':
      case 'retract':
      case 'godebug':
      case 'tool':
      case 'ignore':
        break;
      default:
        throw new LockfileError(`unknown directive "${verb}"`, line);
    }
  }
  if (block !== undefined) throw new LockfileError(`the ${block} block opened here is never closed with ")"`, blockLine);

  const sums = context.goSum === undefined ? undefined : readGoSum(context.goSum);
  const packages: Package[] = [];
  const missingSums: string[] = [];
  for (const req of requires) {
    // A replacement of this exact version wins over one of every version.
    const replace = replaces.find((r) => r.oldPath === req.path && r.oldVersion === req.version) ?? replaces.find((r) => r.oldPath === req.path && r.oldVersion === undefined);
    let modulePath = req.path;
    let version = req.version;
    if (replace) {
      if (replace.newVersion === undefined) {
        notes.push({ line: replace.line, message: `${req.path} ${req.version} is replaced by the directory ${replace.newPath}: local code, left out` });
        continue;
      }
      modulePath = replace.newPath;
      version = replace.newVersion;
      notes.push({ line: replace.line, message: `${req.path} ${req.version} is replaced by ${modulePath} ${version}: that is what is listed` });
    }
    const pkg: Package = { ecosystem: 'Go', name: modulePath, version, purl: golangPurl(modulePath, version), locations: [{ path, line: req.line }], foundBy: 'go-mod', direct: !req.indirect };
    packages.push(pkg);
    if (sums && !sums.has(`${modulePath} ${version}`)) missingSums.push(`${modulePath} ${version}`);
  }
  if (missingSums.length > 0)
    notes.push({ message: `${missingSums.length} required module version(s) have no go.sum line (${missingSums.slice(0, 3).join(', ')}${missingSums.length > 3 ? ', …' : ''}): go.sum does not match go.mod; run go mod tidy` });
  if (goVersion && /^1\.(\d+)/.test(goVersion) && Number(/^1\.(\d+)/.exec(goVersion)![1]) < 17)
    notes.push({ message: `go ${goVersion}: before Go 1.17 go.mod lists only part of the modules a build uses, so this inventory may miss indirect ones` });
  return { packages: mergeByPurl(packages), notes };
}

/** The `module version` pairs go.sum has a checksum for (of the module or only of its go.mod). */
export function readGoSum(text: string): Set<string> {
  const out = new Set<string>();
  for (const raw of text.split('\n')) {
    const parts = raw.trim().split(/\s+/);
    if (parts.length !== 3) continue;
    out.add(`${parts[0]} ${parts[1].replace(/\/go\.mod$/, '')}`);
  }
  return out;
}
