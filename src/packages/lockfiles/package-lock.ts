/**
 * npm's package-lock.json and npm-shrinkwrap.json (https://docs.npmjs.com/cli/configuring-npm/package-lock-json).
 * Versions 2 and 3 list every installed folder in `packages`, keyed by its path
 * (`node_modules/a/node_modules/b`); version 1 nests `dependencies` the way node_modules nests.
 * The folders of the project itself (the root `""`, workspace folders, `link: true` entries that
 * point at them) are not dependencies and are left out.
 */
import type { Package } from '../model.js';
import { npmPurl } from '../purl.js';
import { LockfileError, isRecord, jsonKeyLines, mergeByPurl, parseJson, type LockfileContext, type LockfileNote, type LockfileResult } from './common.js';

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const;
const NUL = '\u0000';

/** The package name a `node_modules/...` path ends in: `node_modules/@s/a/node_modules/b` → `b`. */
function nameFromPath(key: string): string | undefined {
  const at = key.lastIndexOf('node_modules/');
  if (at === -1) return undefined;
  return key.slice(at + 'node_modules/'.length);
}

/** The folder whose node_modules holds this one: `node_modules/a/node_modules/b` → `node_modules/a`, `node_modules/a` → ``. */
function parentFolder(key: string): string {
  const at = key.lastIndexOf('node_modules/');
  return at <= 0 ? '' : key.slice(0, at - 1);
}

function declaredNames(entry: unknown): Set<string> {
  const names = new Set<string>();
  if (!isRecord(entry)) return names;
  for (const field of DEPENDENCY_FIELDS) {
    const deps = entry[field];
    if (isRecord(deps)) for (const name of Object.keys(deps)) names.add(name);
  }
  return names;
}

/** `npm:real-name@1.2.3` (an alias) → the real name and version. */
function unalias(name: string, version: string): { name: string; version: string } {
  if (!version.startsWith('npm:')) return { name, version };
  const spec = version.slice(4);
  const at = spec.lastIndexOf('@');
  return at > 0 ? { name: spec.slice(0, at), version: spec.slice(at + 1) } : { name, version };
}

/** Versions that are not a registry release: the project's own code or a folder on disk. */
function isLocal(version: string): boolean {
  return version.startsWith('file:') || version.startsWith('link:');
}

export function readPackageLock(text: string, path: string, context: LockfileContext = {}): LockfileResult {
  const doc = parseJson(text, 'package-lock.json');
  if (!isRecord(doc)) throw new LockfileError('a package-lock.json is a JSON object, but this file holds ' + (Array.isArray(doc) ? 'a list' : typeof doc), 1);
  const version = doc.lockfileVersion;
  if (version !== undefined && typeof version !== 'number') throw new LockfileError(`lockfileVersion must be a number, but is ${JSON.stringify(version)}`, jsonKeyLines(text, (p, k) => p.length === 0 && k === 'lockfileVersion').get('lockfileVersion'));
  if (doc.packages !== undefined && !isRecord(doc.packages))
    throw new LockfileError('"packages" must be an object keyed by folder (node_modules/NAME)', jsonKeyLines(text, (p, k) => p.length === 0 && k === 'packages').get('packages'));
  if (doc.dependencies !== undefined && !isRecord(doc.dependencies))
    throw new LockfileError('"dependencies" must be an object keyed by package name', jsonKeyLines(text, (p, k) => p.length === 0 && k === 'dependencies').get('dependencies'));
  if (isRecord(doc.packages)) return readPackagesMap(text, path, doc.packages);
  if (isRecord(doc.dependencies) || version === 1 || version === undefined) return readDependencyTree(text, path, doc, context);
  throw new LockfileError(`lockfileVersion ${String(version)} without a "packages" map: not a package-lock kshield can read`, 1);
}

/** Versions 2 and 3. */
function readPackagesMap(text: string, path: string, packages: Record<string, unknown>): LockfileResult {
  const lines = jsonKeyLines(text, (parents, key) => parents.length === 1 && parents[0] === 'packages' && key !== '');
  const notes: LockfileNote[] = [];
  // Folders of the project: the root and its workspaces. What they declare is direct.
  const declaredBy = new Map<string, Set<string>>();
  for (const [key, entry] of Object.entries(packages)) if (!key.includes('node_modules/') && isRecord(entry) && entry.link !== true) declaredBy.set(key, declaredNames(entry));
  const hoistedDeclared = new Set([...declaredBy.values()].flatMap((names) => [...names]));
  const byKey = new Map<string, Package>();
  for (const [key, entry] of Object.entries(packages)) {
    if (!key.includes('node_modules/') || !isRecord(entry)) continue;
    if (entry.link === true) continue; // a symlink to a workspace folder: the project's own code
    const line = lines.get(`packages${NUL}${key}`);
    const pathName = nameFromPath(key)!;
    const rawVersion = typeof entry.version === 'string' ? entry.version : undefined;
    if (rawVersion === undefined || rawVersion === '') {
      notes.push({ line, message: `${key} has no version: left out` });
      continue;
    }
    if (isLocal(rawVersion)) continue;
    const { name, version } = unalias(typeof entry.name === 'string' ? entry.name : pathName, rawVersion);
    const parent = parentFolder(key);
    // npm hoists what workspaces declare to the root node_modules: there, any project folder counts.
    const declared = parent === '' ? hoistedDeclared : declaredBy.get(parent);
    const pkg: Package = {
      ecosystem: 'npm',
      name,
      version,
      purl: npmPurl(name, version),
      locations: [{ path, line }],
      foundBy: 'package-lock',
      direct: declared ? declared.has(pathName) : false,
    };
    if (typeof entry.license === 'string' && entry.license !== '') pkg.licenses = [entry.license];
    if (entry.dev === true) pkg.dev = true;
    if (entry.optional === true) pkg.optional = true;
    byKey.set(key, pkg);
  }
  // Dependencies resolve as Node resolves them: the nearest node_modules upwards.
  for (const [key, pkg] of byKey) {
    const entry = packages[key] as Record<string, unknown>;
    const wanted = declaredNames({ dependencies: entry.dependencies, optionalDependencies: entry.optionalDependencies, peerDependencies: entry.peerDependencies });
    const dependsOn: string[] = [];
    for (const dep of wanted) {
      const found = resolveFrom(key, dep, byKey);
      if (found) dependsOn.push(found.purl);
    }
    if (dependsOn.length > 0) pkg.dependsOn = [...new Set(dependsOn)];
  }
  return { packages: mergeByPurl([...byKey.values()]), notes };
}

function resolveFrom(from: string, name: string, byKey: Map<string, Package>): Package | undefined {
  let dir = from;
  for (;;) {
    const candidate = byKey.get(`${dir === '' ? '' : dir + '/'}node_modules/${name}`);
    if (candidate) return candidate;
    if (dir === '') return undefined;
    dir = parentFolder(dir);
  }
}

/** Version 1: the `dependencies` tree. Only a package.json beside it says which are direct. */
function readDependencyTree(text: string, path: string, doc: Record<string, unknown>, context: LockfileContext): LockfileResult {
  const lines = jsonKeyLines(text, (parents) => parents.length % 2 === 1 && parents.every((p, i) => i % 2 === 1 || p === 'dependencies'));
  const notes: LockfileNote[] = [];
  let direct: Set<string> | undefined;
  if (context.manifest !== undefined) {
    try {
      direct = declaredNames(JSON.parse(context.manifest));
    } catch {
      notes.push({ message: 'the package.json beside it is not valid JSON: direct and transitive dependencies are not told apart' });
    }
  }
  const out: Package[] = [];
  interface Scope {
    parent?: Scope;
    packages: Map<string, Package>;
  }
  const pending: { pkg: Package; requires: string[]; scope: Scope }[] = [];
  const walk = (deps: Record<string, unknown>, trail: string[], scope: Scope, depth: number): void => {
    if (depth > 256) throw new LockfileError('dependencies nested more than 256 levels deep', lines.get([...trail].join(NUL)));
    for (const [pathName, entry] of Object.entries(deps)) {
      const keyPath = [...trail, 'dependencies', pathName];
      const line = lines.get(keyPath.slice(0).join(NUL));
      if (!isRecord(entry)) throw new LockfileError(`dependencies.${pathName} must be an object`, line);
      const rawVersion = typeof entry.version === 'string' ? entry.version : '';
      const inner: Scope = { parent: scope, packages: new Map() };
      if (rawVersion === '') notes.push({ line, message: `${pathName} has no version: left out` });
      else if (!isLocal(rawVersion)) {
        const { name, version } = unalias(pathName, rawVersion);
        const pkg: Package = { ecosystem: 'npm', name, version, purl: npmPurl(name, version), locations: [{ path, line }], foundBy: 'package-lock' };
        if (direct) pkg.direct = depth === 0 && direct.has(pathName);
        if (entry.dev === true) pkg.dev = true;
        if (entry.optional === true) pkg.optional = true;
        scope.packages.set(pathName, pkg);
        out.push(pkg);
        if (isRecord(entry.requires)) pending.push({ pkg, requires: Object.keys(entry.requires), scope: inner });
      }
      if (isRecord(entry.dependencies)) walk(entry.dependencies, [...keyPath], inner, depth + 1);
    }
  };
  const root: Scope = { packages: new Map() };
  if (isRecord(doc.dependencies)) walk(doc.dependencies, [], root, 0);
  for (const { pkg, requires, scope } of pending) {
    const dependsOn: string[] = [];
    for (const name of requires) {
      for (let s: Scope | undefined = scope; s; s = s.parent) {
        const found = s.packages.get(name);
        if (found) {
          dependsOn.push(found.purl);
          break;
        }
      }
    }
    if (dependsOn.length > 0) pkg.dependsOn = [...new Set(dependsOn)];
  }
  return { packages: mergeByPurl(out), notes };
}
