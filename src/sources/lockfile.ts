/**
 * The lockfile source of `kshield scan`: a lockfile (package-lock.json, yarn.lock, go.mod, ...)
 * becomes one Resource of kind `Lockfile` listing the packages it pins, so that a repository's
 * manifests, Dockerfiles and lockfiles are judged in one run with the same suppressions,
 * exemptions, baselines and reports. The packages' known vulnerabilities are added to the object by
 * the scan pipeline (pipeline/vulnerabilities.ts), which has the database; the rule
 * `vulnerable-package` reports them.
 *
 * The object, with the JSON Pointers findings use:
 *
 *     /format, /ecosystem            the lockfile format and its ecosystem
 *     /packages/N                    a pinned package: name, version, ecosystem, purl, line
 *     /vulnerabilities/N             added by the pipeline: a known vulnerability of /packages/<package>
 */
import type { Note, Position, Resource } from '../core/types.js';
import { SOURCE_API_VERSION } from '../core/types.js';
import { LockfileError, lockfileFormat } from '../packages/lockfiles/index.js';
import { vulnerabilityStablePath, type AttachedVulnerability, type Package } from '../packages/model.js';

export const LOCKFILE_KIND = 'Lockfile';

export interface LockfilePackage {
  name: string;
  version: string;
  ecosystem: string;
  purl: string;
  /** 1-based line of the package's entry in the lockfile, where the format gives one. */
  line?: number;
}

/** A vulnerability of one of the lockfile's packages, as the pipeline adds it. */
export type LockfileVulnerability = AttachedVulnerability;

export interface LockfileView {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  format: string;
  ecosystem: string;
  packages: LockfilePackage[];
  vulnerabilities?: LockfileVulnerability[];
}

export interface LoadedLockfile {
  resource?: Resource;
  /** The packages as the inventory model holds them (what matching reads). */
  packages: Package[];
  errors: { line?: number; message: string }[];
  notes: Note[];
}

/** Reads a lockfile's text; `file` names it in findings and decides its format (by its base name). */
export function loadLockfile(text: string, file: string): LoadedLockfile {
  const base = file.split(/[\\/]/).pop() ?? file;
  const format = lockfileFormat(base);
  if (!format) return { packages: [], errors: [{ message: `not a lockfile kshield reads (${base})` }], notes: [] };
  let read;
  try {
    read = format.read(text, file);
  } catch (err) {
    if (!(err instanceof LockfileError)) throw err;
    return { packages: [], errors: [{ line: err.line, message: err.message }], notes: [] };
  }
  const notes: Note[] = read.notes.map((n) => ({ file, ...(n.line !== undefined ? { line: n.line } : {}), message: n.message }));
  const packages: LockfilePackage[] = read.packages.map((p) => {
    const line = p.locations.find((l) => l.line !== undefined)?.line;
    return { name: p.name, version: p.version, ecosystem: p.ecosystem, purl: p.purl, ...(line !== undefined ? { line } : {}) };
  });
  const resource = lockfileResource(file, format.format, format.ecosystem, packages);
  return { resource, packages: read.packages.map((p) => ({ ...p, locations: p.locations.map((l) => ({ ...l, path: file })) })), errors: [], notes };
}

/** The Lockfile object of a lockfile already read: `file` names it in findings (and exemptions' `names`). */
export function lockfileResource(file: string, format: string, ecosystem: string, packages: LockfilePackage[], vulnerabilities?: LockfileVulnerability[]): Resource {
  const view: LockfileView = { apiVersion: SOURCE_API_VERSION, kind: LOCKFILE_KIND, metadata: { name: file }, format, ecosystem, packages, ...(vulnerabilities ? { vulnerabilities } : {}) };
  return {
    apiVersion: SOURCE_API_VERSION,
    kind: LOCKFILE_KIND,
    name: file,
    object: view as unknown as Resource['object'],
    file,
    documentIndex: 0,
    basePath: '',
    locate: (pointer) => locateIn(view, pointer),
    stablePath: vulnerabilityStablePath,
  };
}

/** A package's line; a vulnerability's is its package's; everything else is the top of the file. */
function locateIn(view: LockfileView, pointer: string): Position {
  const pkg = /^\/packages\/(\d+)(?:\/|$)/.exec(pointer);
  const vuln = /^\/vulnerabilities\/(\d+)(?:\/|$)/.exec(pointer);
  const index = pkg ? Number(pkg[1]) : vuln ? view.vulnerabilities?.[Number(vuln[1])]?.package : undefined;
  const line = index !== undefined ? view.packages[index]?.line : undefined;
  return { line: line ?? 1, column: 1 };
}
