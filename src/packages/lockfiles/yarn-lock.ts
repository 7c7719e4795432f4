/**
 * yarn.lock. Yarn 1 writes its own format (https://classic.yarnpkg.com/en/docs/yarn-lock): entries
 * headed by the specifiers they satisfy (`"a@^1.0.0", a@^1.1.0:`), fields indented under them.
 * Yarn 2 and later ("berry") write YAML with a `__metadata` entry, `resolution: "a@npm:1.2.3"` and
 * `linkType`. Entries for the project's own workspaces (`@workspace:`), links and portals are not
 * dependencies; `patch:` entries repeat a package that is listed unpatched too. yarn.lock does not
 * say which dependencies are direct: the package.json beside it does.
 */
import { LineCounter, parseDocument, isMap, isScalar, type Pair } from 'yaml';
import type { Package } from '../model.js';
import { npmPurl } from '../purl.js';
import { LockfileError, isRecord, mergeByPurl, yamlData, yamlErrorMessage, type LockfileContext, type LockfileNote, type LockfileResult } from './common.js';

interface Entry {
  specifiers: string[];
  line: number;
  version?: string;
  /** The resolution's name when it differs from the specifier's (aliases). */
  name?: string;
  dependencies: Map<string, string>;
  skip?: boolean;
}

/** `@scope/a@^1.0.0` → [`@scope/a`, `^1.0.0`]; `a@npm:b@^2` → [`a`, `npm:b@^2`]. */
function splitSpecifier(spec: string): [string, string] {
  const at = spec.indexOf('@', 1);
  return at === -1 ? [spec, ''] : [spec.slice(0, at), spec.slice(at + 1)];
}

function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) {
    try {
      return JSON.parse(t) as string;
    } catch {
      return t.slice(1, -1);
    }
  }
  return t;
}

/** Splits `"a@^1", a@~1.2` at commas outside quotes. */
function splitHeader(header: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of header) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      out.push(unquote(current));
      current = '';
    } else current += ch;
  }
  if (current.trim() !== '') out.push(unquote(current));
  return out;
}

export function readYarnLock(text: string, path: string, context: LockfileContext = {}): LockfileResult {
  const berry = /^__metadata:\s*$/m.test(text);
  const entries = berry ? parseBerry(text) : parseClassic(text);
  return toPackages(entries, path, context, 'yarn-lock');
}

function parseClassic(text: string): Entry[] {
  const entries: Entry[] = [];
  const lines = text.split('\n');
  let current: Entry | undefined;
  let inDependencies = false;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, '');
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
    const indent = raw.length - raw.trimStart().length;
    if (indent === 0) {
      if (!raw.endsWith(':')) throw new LockfileError(`expected an entry header ending in ":" (such as \`lodash@^4.17.0:\`), found "${raw.slice(0, 80)}"`, i + 1);
      current = { specifiers: splitHeader(raw.slice(0, -1)), line: i + 1, dependencies: new Map() };
      if (current.specifiers.length === 0) throw new LockfileError('an entry header names no package', i + 1);
      entries.push(current);
      inDependencies = false;
      continue;
    }
    if (!current) throw new LockfileError('an indented line before the first entry', i + 1);
    const body = raw.trim();
    if (indent <= 2) {
      inDependencies = body === 'dependencies:' || body === 'optionalDependencies:';
      if (body.endsWith(':')) continue;
      const space = body.indexOf(' ');
      if (space === -1) throw new LockfileError(`expected "field value", found "${body.slice(0, 80)}"`, i + 1);
      const field = unquote(body.slice(0, space));
      const value = unquote(body.slice(space + 1));
      if (field === 'version') current.version = value;
      continue;
    }
    if (inDependencies) {
      // `    name "range"` (the name may be quoted: "@scope/a")
      const m = /^("(?:[^"\\]|\\.)*"|\S+)\s+(.+)$/.exec(body);
      if (!m) throw new LockfileError(`expected a dependency "name range", found "${body.slice(0, 80)}"`, i + 1);
      current.dependencies.set(unquote(m[1]), unquote(m[2]));
    }
  }
  return entries;
}

function parseBerry(text: string): Entry[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new LockfileError(`not valid YAML: ${yamlErrorMessage(e.message)}`, e.linePos?.[0].line);
  }
  if (!isMap(doc.contents)) throw new LockfileError('a Yarn 2+ yarn.lock is a YAML mapping of entries', 1);
  const entries: Entry[] = [];
  const data = yamlData(doc);
  if (!isRecord(data)) throw new LockfileError('a Yarn 2+ yarn.lock is a YAML mapping of entries', 1);
  for (const item of doc.contents.items as Pair[]) {
    const key = isScalar(item.key) ? String(item.key.value) : '';
    if (key === '__metadata') continue;
    const line = isScalar(item.key) && item.key.range ? lineCounter.linePos(item.key.range[0]).line : undefined;
    const value = data[key];
    if (!isRecord(value)) throw new LockfileError(`entry "${key}" must be a mapping`, line);
    const entry: Entry = { specifiers: key.split(',').map((s) => s.trim()).filter(Boolean), line: line ?? 0, dependencies: new Map() };
    if (value.version !== undefined) entry.version = String(value.version);
    const resolution = typeof value.resolution === 'string' ? value.resolution : '';
    const [resolvedName, resolvedRange] = splitSpecifier(resolution);
    if (resolvedName) entry.name = resolvedName;
    // The project's own workspaces and folders it links or patches in are not registry packages.
    if (value.linkType === 'soft' || /^(workspace|link|portal|patch|file):/.test(resolvedRange)) entry.skip = true;
    if (isRecord(value.dependencies)) for (const [name, range] of Object.entries(value.dependencies)) entry.dependencies.set(name, String(range));
    entries.push(entry);
  }
  return entries;
}

function toPackages(entries: Entry[], path: string, context: LockfileContext, foundBy: string): LockfileResult {
  const notes: LockfileNote[] = [];
  let direct: Set<string> | undefined;
  if (context.manifest !== undefined) {
    try {
      const manifest: unknown = JSON.parse(context.manifest);
      direct = new Set();
      if (isRecord(manifest))
        for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'])
          if (isRecord(manifest[field])) for (const name of Object.keys(manifest[field] as object)) direct.add(name);
    } catch {
      notes.push({ message: 'the package.json beside it is not valid JSON: direct and transitive dependencies are not told apart' });
    }
  }
  // Which entry satisfies a specifier ("a@^1.0.0", or berry's "a@npm:^1.0.0").
  const bySpecifier = new Map<string, Package>();
  const made: { entry: Entry; pkg: Package }[] = [];
  for (const entry of entries) {
    if (entry.skip) continue;
    const [specName, range] = splitSpecifier(entry.specifiers[0]);
    let name = entry.name ?? specName;
    // Yarn 1 aliases: `alias@npm:real@^1` installs `real`.
    if (!entry.name && range.startsWith('npm:') && range.indexOf('@', 5) > 4) name = splitSpecifier(range.slice(4))[0];
    if (/^(file|link|portal|workspace):/.test(range)) continue;
    if (!entry.version) {
      notes.push({ line: entry.line, message: `${entry.specifiers[0]} has no version: left out` });
      continue;
    }
    const pkg: Package = { ecosystem: 'npm', name, version: entry.version, purl: npmPurl(name, entry.version), locations: [{ path, line: entry.line }], foundBy };
    if (direct) pkg.direct = entry.specifiers.some((s) => direct.has(splitSpecifier(s)[0]));
    for (const s of entry.specifiers) bySpecifier.set(s, pkg);
    made.push({ entry, pkg });
  }
  for (const { entry, pkg } of made) {
    const dependsOn: string[] = [];
    for (const [name, range] of entry.dependencies) {
      const found = bySpecifier.get(`${name}@${range}`) ?? bySpecifier.get(`${name}@npm:${range}`);
      if (found) dependsOn.push(found.purl);
    }
    if (dependsOn.length > 0) pkg.dependsOn = [...new Set(dependsOn)];
  }
  return { packages: mergeByPurl(made.map((m) => m.pkg)), notes };
}
