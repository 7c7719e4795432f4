/**
 * pnpm-lock.yaml (https://pnpm.io/git#lockfiles and pnpm's lockfile types). Three key formats:
 * version 5 keys packages by path, `/name/1.2.3` (peers after `_`); version 6 by `/name@1.2.3`
 * (peers in parentheses); version 9 drops the slash (`name@1.2.3`) and moves each installed
 * instance and its dependencies to `snapshots`. Importers (the project and its workspaces, or the
 * top-level `dependencies` of a single project before version 9) declare the direct dependencies.
 */
import { LineCounter, parseDocument, isMap, isScalar, type Pair } from 'yaml';
import type { Package } from '../model.js';
import { npmPurl } from '../purl.js';
import { LockfileError, isRecord, mergeByPurl, yamlData, yamlErrorMessage, type LockfileNote, type LockfileResult } from './common.js';

interface PackageId {
  name: string;
  version: string;
}

/** A packages/snapshots key of any version → name and version, peers left off. */
export function parsePnpmKey(key: string, major: number): PackageId | undefined {
  let k = key.startsWith('/') ? key.slice(1) : key;
  if (major < 6) {
    // `@scope/name/1.2.3_peer@1.0.0`: the version is the last path segment, peers after its first `_`.
    const slash = k.lastIndexOf('/');
    if (slash <= 0) return undefined;
    const version = k.slice(slash + 1).split('_')[0];
    return { name: k.slice(0, slash), version };
  }
  const paren = k.indexOf('(');
  if (paren !== -1) k = k.slice(0, paren);
  const at = k.lastIndexOf('@');
  if (at <= 0) return undefined;
  return { name: k.slice(0, at), version: k.slice(at + 1) };
}

/** A dependency's reference (`4.18.2`, `18.2.0(react@18.2.0)`, `18.2.0_react@18.2.0`, `/real/1.0.0`, `link:../a`) → the id it names. */
function refId(name: string, ref: string, major: number): string | undefined {
  if (ref.startsWith('link:') || ref.startsWith('file:')) return undefined;
  if (ref.startsWith('/') || (!/^\d/.test(ref) && ref.indexOf('@', 1) > 0)) {
    const id = parsePnpmKey(ref, major);
    return id ? `${id.name}@${id.version}` : undefined;
  }
  const version = major < 6 ? ref.split('_')[0] : ref.split('(')[0];
  return `${name}@${version}`;
}

function refOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (isRecord(value) && (typeof value.version === 'string' || typeof value.version === 'number')) return String(value.version);
  return undefined;
}

export function readPnpmLock(text: string, path: string): LockfileResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new LockfileError(`not valid YAML: ${yamlErrorMessage(e.message)}`, e.linePos?.[0].line);
  }
  if (!isMap(doc.contents)) throw new LockfileError('a pnpm-lock.yaml is a YAML mapping', 1);
  const data = yamlData(doc) as Record<string, unknown>;
  const rawVersion = data.lockfileVersion;
  const major = Number.parseInt(String(rawVersion ?? ''), 10);
  if (!Number.isFinite(major)) throw new LockfileError(`lockfileVersion is missing or not a number (${JSON.stringify(rawVersion)})`, 1);
  if (major < 5 || major > 9) throw new LockfileError(`lockfileVersion ${String(rawVersion)}: kshield reads pnpm lockfile versions 5, 6 and 9`, 1);
  const notes: LockfileNote[] = [];

  // Lines of the keys of `packages`.
  const keyLines = new Map<string, number>();
  const packagesNode = doc.contents.items.find((p) => isScalar(p.key) && p.key.value === 'packages');
  if (packagesNode && isMap(packagesNode.value))
    for (const item of packagesNode.value.items as Pair[])
      if (isScalar(item.key) && item.key.range) keyLines.set(String(item.key.value), lineCounter.linePos(item.key.range[0]).line);

  const packages = isRecord(data.packages) ? data.packages : {};
  const snapshots = isRecord(data.snapshots) ? data.snapshots : undefined;
  const byId = new Map<string, Package>();
  const out: Package[] = [];
  for (const [key, entry] of Object.entries(packages)) {
    const fromKey = parsePnpmKey(key, major);
    const fields = isRecord(entry) ? entry : {};
    // Packages from git or a tarball URL record their own name and version.
    const name = typeof fields.name === 'string' ? fields.name : fromKey?.name;
    const version = typeof fields.version === 'string' ? fields.version : fromKey?.version;
    const line = keyLines.get(key);
    if (!name || !version) {
      notes.push({ line, message: `packages key "${key}" names no package and version: left out` });
      continue;
    }
    if (/^(link|file):/.test(version)) continue;
    const id = `${name}@${version}`;
    const pkg: Package = { ecosystem: 'npm', name, version, purl: npmPurl(name, version), locations: [{ path, line }], foundBy: 'pnpm-lock', direct: false };
    if (fields.dev === true) pkg.dev = true;
    else if (fields.dev === false) pkg.dev = false;
    if (fields.optional === true) pkg.optional = true;
    byId.set(id, pkg);
    if (fromKey) byId.set(`${fromKey.name}@${fromKey.version}`, pkg);
    out.push(pkg);
  }

  // Direct dependencies: each importer's (version 5 and 6 single projects keep them at the top).
  const importers: Record<string, unknown>[] = [];
  if (isRecord(data.importers)) for (const v of Object.values(data.importers)) if (isRecord(v)) importers.push(v);
  if (importers.length === 0) importers.push(data);
  for (const importer of importers)
    for (const field of ['dependencies', 'devDependencies', 'optionalDependencies']) {
      const deps = importer[field];
      if (!isRecord(deps)) continue;
      for (const [name, value] of Object.entries(deps)) {
        const ref = refOf(value);
        const id = ref === undefined ? undefined : refId(name, ref, major);
        const pkg = id ? byId.get(id) : undefined;
        if (pkg) pkg.direct = true;
      }
    }

  // What each package depends on: in `packages` up to version 6, in `snapshots` from 9.
  const instances = snapshots ?? packages;
  for (const [key, entry] of Object.entries(instances)) {
    if (!isRecord(entry)) continue;
    const self = parsePnpmKey(key, major);
    const pkg = self ? byId.get(`${self.name}@${self.version}`) : undefined;
    if (!pkg) continue;
    const dependsOn: string[] = [];
    for (const field of ['dependencies', 'optionalDependencies']) {
      const deps = entry[field];
      if (!isRecord(deps)) continue;
      for (const [name, value] of Object.entries(deps)) {
        const ref = refOf(value);
        const id = ref === undefined ? undefined : refId(name, ref, major);
        const dep = id ? byId.get(id) : undefined;
        if (dep) dependsOn.push(dep.purl);
      }
    }
    if (dependsOn.length > 0) pkg.dependsOn = [...new Set([...(pkg.dependsOn ?? []), ...dependsOn])];
  }
  return { packages: mergeByPurl(out), notes };
}
