/**
 * Python lockfiles other than requirements files: poetry.lock (TOML, `[[package]]` entries with
 * name, version, `[package.dependencies]`, and before lock format 2.0 a `category` of main or dev)
 * and Pipfile.lock (JSON, `default` and `develop` sections of `"name": {"version": "==1.2.3"}`).
 * Which packages are direct comes from the manifest beside them: pyproject.toml (Poetry's
 * `[tool.poetry.*dependencies]` tables and PEP 621's `[project]` lists) or the Pipfile.
 */
import type { Package } from '../model.js';
import { normalizePypiName, pypiPurl } from '../purl.js';
import { LockfileError, isRecord, jsonKeyLines, mergeByPurl, parseJson, withoutUrlCredentials, type LockfileContext, type LockfileNote, type LockfileResult } from './common.js';
import { arrayTableNameLines, parseToml } from './toml.js';

/** The project name at the start of a PEP 508 requirement string (`requests[socks]>=2; python_version>"3"` → requests). */
function requirementName(spec: string): string | undefined {
  return /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(spec)?.[1];
}

/** Names a pyproject.toml declares, split into runtime and development ones (PEP 503-normalised). */
function pyprojectDeclared(text: string): { runtime: Set<string>; dev: Set<string> } {
  const doc = parseToml(text, 'pyproject.toml');
  const runtime = new Set<string>();
  const dev = new Set<string>();
  const poetry = isRecord(doc.tool) && isRecord(doc.tool.poetry) ? doc.tool.poetry : {};
  const addKeys = (table: unknown, into: Set<string>): void => {
    if (isRecord(table)) for (const k of Object.keys(table)) if (k !== 'python') into.add(normalizePypiName(k));
  };
  addKeys(poetry.dependencies, runtime);
  addKeys(poetry['dev-dependencies'], dev);
  if (isRecord(poetry.group))
    for (const [group, body] of Object.entries(poetry.group)) if (isRecord(body)) addKeys(body.dependencies, group === 'main' ? runtime : dev);
  const project = isRecord(doc.project) ? doc.project : {};
  const addList = (list: unknown, into: Set<string>): void => {
    if (Array.isArray(list))
      for (const spec of list) {
        const name = typeof spec === 'string' ? requirementName(spec) : undefined;
        if (name) into.add(normalizePypiName(name));
      }
  };
  addList(project.dependencies, runtime);
  if (isRecord(project['optional-dependencies'])) for (const list of Object.values(project['optional-dependencies'])) addList(list, runtime);
  if (isRecord(doc['dependency-groups'])) for (const list of Object.values(doc['dependency-groups'])) addList(list, dev);
  return { runtime, dev };
}

export function readPoetryLock(text: string, path: string, context: LockfileContext = {}): LockfileResult {
  const doc = parseToml(text, 'poetry.lock');
  const notes: LockfileNote[] = [];
  const entries = doc.package;
  if (entries !== undefined && !Array.isArray(entries)) throw new LockfileError('`package` must be an array of tables ([[package]])', 1);
  const lines = arrayTableNameLines(text, 'package');
  let declared: { runtime: Set<string>; dev: Set<string> } | undefined;
  if (context.manifest !== undefined) {
    try {
      declared = pyprojectDeclared(context.manifest);
    } catch (err) {
      notes.push({ message: `the pyproject.toml beside it cannot be read (${(err as Error).message}): direct and transitive dependencies are not told apart` });
    }
  }
  const packages: Package[] = [];
  const byName = new Map<string, Package>();
  const dependencyNames = new Map<Package, string[]>();
  (entries ?? []).forEach((entry: unknown, i: number) => {
    const line = lines[i];
    if (!isRecord(entry)) throw new LockfileError('a [[package]] entry must be a table', line);
    const name = entry.name;
    const version = entry.version;
    if (typeof name !== 'string' || typeof version !== 'string') throw new LockfileError('a [[package]] entry needs a string name and version', line);
    const source = isRecord(entry.source) ? entry.source : undefined;
    if (source && (source.type === 'directory' || source.type === 'file')) {
      notes.push({ line, message: `${name} ${version} is installed from a local ${String(source.type)} (${String(source.url ?? '')}), not a release: left out` });
      return;
    }
    const pkg: Package = { ecosystem: 'PyPI', name, version, purl: pypiPurl(name, version), locations: [{ path, line }], foundBy: 'poetry-lock' };
    const normalized = normalizePypiName(name);
    if (declared) pkg.direct = declared.runtime.has(normalized) || declared.dev.has(normalized);
    if (entry.category === 'dev') pkg.dev = true;
    else if (entry.category === 'main') pkg.dev = false;
    else if (declared && declared.dev.has(normalized) && !declared.runtime.has(normalized)) pkg.dev = true;
    if (entry.optional === true) pkg.optional = true;
    packages.push(pkg);
    if (!byName.has(normalized)) byName.set(normalized, pkg);
    if (isRecord(entry.dependencies)) dependencyNames.set(pkg, Object.keys(entry.dependencies).map(normalizePypiName));
  });
  for (const [pkg, names] of dependencyNames) {
    const dependsOn = names.map((n) => byName.get(n)?.purl).filter((p): p is string => p !== undefined);
    if (dependsOn.length > 0) pkg.dependsOn = [...new Set(dependsOn)];
  }
  return { packages: mergeByPurl(packages), notes: notes.map((n) => ({ ...n, message: withoutUrlCredentials(n.message) })) };
}

export function readPipfileLock(text: string, path: string, context: LockfileContext = {}): LockfileResult {
  const doc = parseJson(text, 'Pipfile.lock');
  if (!isRecord(doc)) throw new LockfileError('a Pipfile.lock is a JSON object', 1);
  const notes: LockfileNote[] = [];
  const lines = jsonKeyLines(text, (parents) => parents.length === 1 && (parents[0] === 'default' || parents[0] === 'develop'));
  let declared: Set<string> | undefined;
  if (context.manifest !== undefined) {
    try {
      const pipfile = parseToml(context.manifest, 'Pipfile');
      declared = new Set();
      for (const section of ['packages', 'dev-packages']) if (isRecord(pipfile[section])) for (const k of Object.keys(pipfile[section] as object)) declared.add(normalizePypiName(k));
    } catch (err) {
      notes.push({ message: `the Pipfile beside it cannot be read (${(err as Error).message}): direct and transitive dependencies are not told apart` });
    }
  }
  const packages: Package[] = [];
  for (const section of ['default', 'develop'] as const) {
    const entries = doc[section];
    if (entries === undefined) continue;
    if (!isRecord(entries)) throw new LockfileError(`"${section}" must be an object of packages`, lines.get(section));
    for (const [name, entry] of Object.entries(entries)) {
      const line = lines.get(`${section}\u0000${name}`);
      if (!isRecord(entry)) throw new LockfileError(`${section}.${name} must be an object`, line);
      const version = typeof entry.version === 'string' ? entry.version : undefined;
      if (!version) {
        const from = typeof entry.git === 'string' ? `git ${entry.git}` : typeof entry.path === 'string' ? `path ${entry.path}` : typeof entry.file === 'string' ? entry.file : 'a source without a version';
        notes.push({ line, message: `${name} is installed from ${from}, not a pinned release: left out` });
        continue;
      }
      const pinned = /^===?\s*(.+)$/.exec(version.trim());
      if (!pinned) {
        notes.push({ line, message: `${name} has version "${version}", not pinned with ==: left out` });
        continue;
      }
      const pkg: Package = { ecosystem: 'PyPI', name, version: pinned[1], purl: pypiPurl(name, pinned[1]), locations: [{ path, line }], foundBy: 'pipfile-lock', dev: section === 'develop' };
      if (declared) pkg.direct = declared.has(normalizePypiName(name));
      packages.push(pkg);
    }
  }
  return { packages: mergeByPurl(packages), notes: notes.map((n) => ({ ...n, message: withoutUrlCredentials(n.message) })) };
}
