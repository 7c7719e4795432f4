/**
 * A source tree's application dependencies: walks a directory for the lockfiles kshield reads
 * (packages/lockfiles/), reads each with the files beside it that complete it (package.json,
 * pyproject.toml, Pipfile, go.sum, parent POMs, `-r` includes), and gathers one Inventory.
 *
 * Every limit is explicit: entries visited, directory depth, lockfiles read, bytes per file. A file
 * that cannot be read or parsed is an error record naming the file (and line); the rest of the tree
 * is still read. Symbolic links to directories are not followed (a link can loop or leave the tree).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Inventory, Package } from '../packages/model.js';
import { LockfileError, lockfileFormat, pomCoordinates, type LockfileContext, type LockfileFormat, type LockfileResult } from '../packages/lockfiles/index.js';
import { mergeByPurl, withoutUrlCredentials } from '../packages/lockfiles/common.js';
import { describeFsError } from './files.js';

export interface SourceTreeLimits {
  /** Directory entries looked at, over the whole walk. */
  maxEntries: number;
  /** Directory levels below the root. */
  maxDepth: number;
  /** Lockfiles read (includes and manifests beside them not counted). */
  maxLockfiles: number;
  /** Bytes of one file; a larger one is an error record, not read. */
  maxFileBytes: number;
}

export const DEFAULT_SOURCE_TREE_LIMITS: SourceTreeLimits = {
  maxEntries: 200_000,
  maxDepth: 32,
  maxLockfiles: 5_000,
  // npm lockfiles of large monorepos reach tens of MiB.
  maxFileBytes: 64 * 1024 * 1024,
};

/**
 * Directories never walked: installed dependencies (what is installed is read from the lockfile
 * that installed it, and node_modules holds thousands of package.json files), version control,
 * caches, virtual environments and build output. `vendor/` holds vendored Go or PHP code whose
 * versions go.mod / composer.lock already give. `target/` is Cargo's and Maven's build output.
 */
export const SKIPPED_DIRECTORIES: readonly string[] = [
  'node_modules',
  'bower_components',
  'jspm_packages',
  '.git',
  '.hg',
  '.svn',
  'vendor',
  '.yarn',
  '.pnpm-store',
  '__pycache__',
  '.venv',
  'venv',
  '.tox',
  '.nox',
  '.mypy_cache',
  '.pytest_cache',
  'site-packages',
  'target',
  '.gradle',
  '.m2',
  '.cargo',
];
const SKIPPED = new Set(SKIPPED_DIRECTORIES);

export interface LockfileRead {
  /** Path relative to the root, with forward slashes. */
  path: string;
  format: string;
  ecosystem: string;
  packages: number;
  /** Packages the project declares itself, where the file (or the manifest beside it) says. */
  direct?: number;
  /** Files read with it: the manifest beside it, go.sum, parent POMs, `-r` includes. */
  alongWith?: string[];
}

export interface SourceTreeError {
  path: string;
  line?: number;
  message: string;
}

export interface SourceTreeInventory {
  /** The root as given. */
  root: string;
  lockfiles: LockfileRead[];
  /** Packages of every lockfile, one per purl (locations gathered), with the notes of the readers. */
  inventory: Inventory;
  errors: SourceTreeError[];
  /** Directories left out by name, counted (node_modules: 3). */
  skipped: Record<string, number>;
  /** A limit was reached: what was not looked at, said once. */
  truncated?: string;
}

export class SourceTreeRootError extends Error {}

interface Found {
  full: string;
  rel: string;
  format: LockfileFormat;
}

const toPosix = (p: string): string => p.split(path.sep).join('/');

export async function inventorySourceTree(root: string, limits: Partial<SourceTreeLimits> = {}): Promise<SourceTreeInventory> {
  const lim = { ...DEFAULT_SOURCE_TREE_LIMITS, ...limits };
  const absRoot = path.resolve(root);
  let rootStat;
  try {
    rootStat = await fs.stat(absRoot);
  } catch (err) {
    throw new SourceTreeRootError(`${root}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : `cannot read: ${describeFsError(err)}`}`);
  }
  const result: SourceTreeInventory = { root, lockfiles: [], inventory: { packages: [], notes: [] }, errors: [], skipped: {} };
  const found: Found[] = [];
  if (rootStat.isDirectory()) await walk(absRoot, lim, result, found);
  else {
    // One lockfile named on the command line.
    const format = lockfileFormat(path.basename(absRoot));
    if (!format) throw new SourceTreeRootError(`${root}: not a directory, and not a lockfile kshield reads by its name`);
    found.push({ full: absRoot, rel: path.basename(absRoot), format });
  }
  const relBase = rootStat.isDirectory() ? absRoot : path.dirname(absRoot);
  const readAlready = new Set(found.map((f) => f.full));
  const all: Package[] = [];
  for (const f of found) {
    const read = await readLockfile(f, relBase, lim, readAlready, result.errors);
    if (!read) continue;
    result.lockfiles.push(read.summary);
    for (const n of read.result.notes) result.inventory.notes.push({ path: n.path ?? f.rel, line: n.line, message: n.message });
    for (const p of read.result.packages) all.push(p);
  }
  result.inventory.packages = mergeByPurl(all);
  return result;
}

async function walk(absRoot: string, lim: SourceTreeLimits, result: SourceTreeInventory, found: Found[]): Promise<void> {
  let entriesSeen = 0;
  // Depth-first in name order, so the order of lockfiles (and of everything after) is stable.
  const stack: { dir: string; depth: number }[] = [{ dir: absRoot, depth: 0 }];
  while (stack.length > 0) {
    const { dir, depth } = stack.pop()!;
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      result.errors.push({ path: toPosix(path.relative(absRoot, dir)) || '.', message: `cannot read directory: ${describeFsError(err)}` });
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    for (const e of entries) {
      if (++entriesSeen > lim.maxEntries) {
        result.truncated = `stopped after ${lim.maxEntries} directory entries: the rest of the tree was not looked at`;
        return;
      }
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (SKIPPED.has(e.name)) result.skipped[e.name] = (result.skipped[e.name] ?? 0) + 1;
        else if (depth + 1 > lim.maxDepth) result.truncated ??= `directories more than ${lim.maxDepth} levels deep were not looked at (${toPosix(path.relative(absRoot, full))})`;
        else subdirs.push(full);
        continue;
      }
      if (!e.isFile() && !e.isSymbolicLink()) continue;
      const format = lockfileFormat(e.name);
      if (!format) continue;
      if (e.isSymbolicLink()) {
        // A link to a file is read like the file; a link to a directory is not followed.
        const target = await fs.stat(full).catch(() => undefined);
        if (!target?.isFile()) continue;
      }
      if (found.length >= lim.maxLockfiles) {
        result.truncated = `stopped after ${lim.maxLockfiles} lockfiles: the rest of the tree was not read`;
        return;
      }
      found.push({ full, rel: toPosix(path.relative(absRoot, full)), format });
    }
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push({ dir: subdirs[i], depth: depth + 1 });
  }
}

/** Reads a file as UTF-8 up to the size limit; undefined (with an error record) when it cannot. */
async function readText(full: string, rel: string, lim: SourceTreeLimits, errors: SourceTreeError[] | undefined): Promise<string | undefined> {
  try {
    const stat = await fs.stat(full);
    if (stat.size > lim.maxFileBytes) {
      errors?.push({ path: rel, message: `${stat.size} bytes: larger than the ${lim.maxFileBytes}-byte limit, not read` });
      return undefined;
    }
    const text = await fs.readFile(full, 'utf8');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch (err) {
    errors?.push({ path: rel, message: `cannot read: ${describeFsError(err)}` });
    return undefined;
  }
}

async function readLockfile(
  f: Found,
  relBase: string,
  lim: SourceTreeLimits,
  readAlready: Set<string>,
  errors: SourceTreeError[],
): Promise<{ summary: LockfileRead; result: LockfileResult } | undefined> {
  const text = await readText(f.full, f.rel, lim, errors);
  if (text === undefined) return undefined;
  const dir = path.dirname(f.full);
  const rel = (full: string): string => toPosix(path.relative(relBase, full));
  const alongWith: string[] = [];
  const context: LockfileContext = {};
  // The files beside it are optional: missing ones are simply not used; unreadable ones are said.
  if (f.format.manifest) {
    const manifest = path.join(dir, f.format.manifest);
    const manifestText = await readIfExists(manifest, rel(manifest), lim, errors);
    if (manifestText !== undefined) {
      context.manifest = manifestText;
      alongWith.push(rel(manifest));
    }
  }
  if (f.format.format === 'go.mod') {
    const sum = path.join(dir, 'go.sum');
    const sumText = await readIfExists(sum, rel(sum), lim, errors);
    if (sumText !== undefined) {
      context.goSum = sumText;
      alongWith.push(rel(sum));
    }
  }
  if (f.format.format === 'pom.xml') {
    context.parentPoms = await parentPoms(f.full, text, relBase, lim);
    for (const p of context.parentPoms) alongWith.push(p.path);
  }
  let result: LockfileResult;
  try {
    result = f.format.read(text, f.rel, context);
  } catch (err) {
    errors.push(readError(f.rel, err));
    return undefined;
  }
  // requirements files: `-r other.txt` includes, read once each, up to 32 files deep.
  if (result.includes && result.includes.length > 0) {
    const queue = result.includes.map((inc) => ({ from: f.full, inc, depth: 1 }));
    const packages = [...result.packages];
    const notes = [...result.notes];
    while (queue.length > 0) {
      const { from, inc, depth } = queue.shift()!;
      const full = path.resolve(path.dirname(from), inc);
      if (readAlready.has(full)) continue;
      readAlready.add(full);
      if (depth > 32) {
        notes.push({ message: `-r ${inc}: includes nested more than 32 deep; not read` });
        continue;
      }
      const incText = await readText(full, rel(full), lim, errors);
      if (incText === undefined) continue;
      try {
        const r = f.format.read(incText, rel(full), {});
        packages.push(...r.packages);
        notes.push(...r.notes.map((n) => ({ ...n, path: n.path ?? rel(full) })));
        for (const next of r.includes ?? []) queue.push({ from: full, inc: next, depth: depth + 1 });
        alongWith.push(rel(full));
      } catch (err) {
        errors.push(readError(rel(full), err));
      }
    }
    result = { packages: mergeByPurl(packages), notes };
  }
  const directKnown = result.packages.some((p) => p.direct !== undefined);
  const summary: LockfileRead = { path: f.rel, format: f.format.format, ecosystem: f.format.ecosystem, packages: result.packages.length };
  if (directKnown) summary.direct = result.packages.filter((p) => p.direct === true).length;
  if (alongWith.length > 0) summary.alongWith = alongWith;
  return { summary, result };
}

/**
 * A reader's failure as an error record. Anything but a LockfileError is a reader that met input
 * it did not expect: the file is reported as not read, and the rest of the tree still is.
 */
function readError(rel: string, err: unknown): SourceTreeError {
  if (err instanceof LockfileError) return { path: rel, line: err.line, message: err.message };
  return { path: rel, message: withoutUrlCredentials(`could not be read: ${(err as Error)?.name ?? 'Error'}: ${(err as Error)?.message ?? String(err)}`) };
}

async function readIfExists(full: string, rel: string, lim: SourceTreeLimits, errors: SourceTreeError[]): Promise<string | undefined> {
  try {
    if (!(await fs.stat(full)).isFile()) return undefined;
  } catch {
    return undefined;
  }
  return readText(full, rel, lim, errors);
}

/**
 * The parent POMs of a pom.xml found in the tree, nearest first: each `<parent>`'s relativePath
 * (default ../pom.xml) when the POM there has the parent's groupId and artifactId, as Maven checks.
 * At most 16 levels, and never outside the tree's root.
 */
async function parentPoms(full: string, text: string, relBase: string, lim: SourceTreeLimits): Promise<{ path: string; text: string }[]> {
  const out: { path: string; text: string }[] = [];
  const seen = new Set([full]);
  let current = full;
  let currentText = text;
  for (let level = 0; level < 16; level++) {
    let coordinates;
    try {
      coordinates = pomCoordinates(currentText);
    } catch {
      return out;
    }
    const parent = coordinates.parent;
    if (!parent) return out;
    let candidate = path.resolve(path.dirname(current), parent.relativePath);
    if (!candidate.endsWith('.xml')) candidate = path.join(candidate, 'pom.xml');
    if (seen.has(candidate) || path.relative(relBase, candidate).startsWith('..')) return out;
    seen.add(candidate);
    const parentText = await readIfExists(candidate, '', lim, []);
    if (parentText === undefined) return out;
    try {
      const own = pomCoordinates(parentText);
      if (own.artifactId !== parent.artifactId || (parent.groupId !== undefined && own.groupId !== parent.groupId)) return out;
    } catch {
      // An unreadable parent is passed on: the reader notes that it cannot use it.
    }
    out.push({ path: toPosix(path.relative(relBase, candidate)), text: parentText });
    current = candidate;
    currentText = parentText;
  }
  return out;
}
