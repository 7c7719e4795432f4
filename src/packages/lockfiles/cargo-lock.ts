/**
 * Cargo.lock (TOML; https://doc.rust-lang.org/cargo/guide/cargo-toml-vs-cargo-lock.html): one
 * `[[package]]` per crate version with `name`, `version`, `source` and `dependencies` (each
 * "name", "name version" or "name version (source)", as short as is unambiguous). Crates without
 * a `source` are the workspace's own (members and path dependencies): they are not listed, and
 * what they depend on is direct.
 */
import type { Package } from '../model.js';
import { cargoPurl } from '../purl.js';
import { LockfileError, isRecord, mergeByPurl, withoutUrlCredentials, type LockfileNote, type LockfileResult } from './common.js';
import { arrayTableNameLines, parseToml } from './toml.js';

interface Crate {
  name: string;
  version: string;
  source?: string;
  dependencies: string[];
  line?: number;
  pkg?: Package;
}

export function readCargoLock(text: string, path: string): LockfileResult {
  const doc = parseToml(text, 'Cargo.lock');
  const entries = doc.package;
  if (entries !== undefined && !Array.isArray(entries)) throw new LockfileError('`package` must be an array of tables ([[package]])', 1);
  const lines = arrayTableNameLines(text, 'package');
  const notes: LockfileNote[] = [];
  const crates: Crate[] = [];
  (entries ?? []).forEach((entry: unknown, i: number) => {
    const line = lines[i];
    if (!isRecord(entry) || typeof entry.name !== 'string' || typeof entry.version !== 'string') throw new LockfileError('a [[package]] entry needs a string name and version', line);
    const dependencies = Array.isArray(entry.dependencies) ? entry.dependencies.filter((d): d is string => typeof d === 'string') : [];
    crates.push({ name: entry.name, version: entry.version, source: typeof entry.source === 'string' ? entry.source : undefined, dependencies, line });
  });
  const byName = new Map<string, Crate[]>();
  for (const c of crates) byName.set(c.name, [...(byName.get(c.name) ?? []), c]);
  const resolve = (spec: string): Crate | undefined => {
    const [name, version, source] = spec.split(' ');
    const candidates = byName.get(name) ?? [];
    return candidates.find((c) => (version === undefined || c.version === version) && (source === undefined || `(${c.source})` === source));
  };
  const packages: Package[] = [];
  // Without a workspace crate in the file, what the project depends on directly is not known.
  const hasWorkspaceCrate = crates.some((c) => c.source === undefined);
  for (const c of crates) {
    if (c.source === undefined) continue;
    c.pkg = { ecosystem: 'crates.io', name: c.name, version: c.version, purl: cargoPurl(c.name, c.version), locations: [{ path, line: c.line }], foundBy: 'cargo-lock' };
    if (hasWorkspaceCrate) c.pkg.direct = false;
    if (c.source.startsWith('git+')) notes.push({ line: c.line, message: `${c.name} ${c.version} comes from git (${c.source.slice(4).split('#')[0]}), not crates.io: advisories for the crates.io crate may not apply` });
    packages.push(c.pkg);
  }
  for (const c of crates) {
    const dependsOn: string[] = [];
    for (const spec of c.dependencies) {
      const dep = resolve(spec);
      if (!dep?.pkg) continue;
      if (c.source === undefined) dep.pkg.direct = true;
      dependsOn.push(dep.pkg.purl);
    }
    if (c.pkg && dependsOn.length > 0) c.pkg.dependsOn = [...new Set(dependsOn)];
  }
  return { packages: mergeByPurl(packages), notes: notes.map((n) => ({ ...n, message: withoutUrlCredentials(n.message) })) };
}
