/**
 * The inventory of a file system seen as a sequence of layers, built while the layers stream past:
 * only the files that record installed software are read (bounded), parsed at once, and kept as
 * their parsed form together with the layer that put them there. Whiteouts (`.wh.<name>`) and
 * opaque directories (`.wh..wh..opq`) of a layer remove what lower layers put at those paths (OCI
 * image spec, "Representing Changes"); a file replaced in a higher layer is replaced here too; a
 * directory replaced by a file or symlink loses what lower layers put under it.
 *
 * What is read: /etc/os-release (or /usr/lib/os-release, following the usual symlink), dpkg's
 * status and distroless status.d/, apk's installed database, npm package.json under node_modules,
 * Python dist-info/egg-info metadata, Java archives (pom.properties, nested archives included),
 * and the build information of Go executables, found by scanning executables as they stream.
 * An RPM database is noted, not read.
 */
import type { Readable } from 'node:stream';
import { unzipSync } from 'fflate';
import type { Inventory, OperatingSystem, Package, PackageLocation } from '../packages/model.js';
import { parseOsRelease } from '../packages/os-release.js';
import { dpkgPackages, parseDpkgStatus } from '../packages/dpkg.js';
import { apkPackages, parseApkInstalled } from '../packages/apk.js';
import { isInstalledNpmManifest, npmPackage, parseNpmPackageJson } from '../packages/npm.js';
import { parsePythonMetadata, pythonPackage } from '../packages/python.js';
import { isPomProperties, mavenPackage, parsePomProperties } from '../packages/maven.js';
import { decodeGoBuildInfoBlob, goPackages, GO_BUILDINFO_MAGIC, GO_BUILDINFO_WINDOW, parseGoModInfo } from '../packages/go-buildinfo.js';
import { formatBytes, ImageReadError } from './streams.js';

export interface ReadLimits {
  /** Largest layer, compressed or unpacked. */
  maxLayerBytes: number;
  /** Largest file read into memory (a package database, a package.json, a Java archive). */
  maxFileBytes: number;
  /** Most tar entries (or files of a root file system) read in all. */
  maxEntries: number;
}

export const DEFAULT_LIMITS: ReadLimits = { maxLayerBytes: 8 * 1024 ** 3, maxFileBytes: 64 * 1024 ** 2, maxEntries: 2_000_000 };

/** Java archives inside Java archives are followed this deep (app.jar!/BOOT-INF/lib/x.jar is depth 1). */
const MAX_ARCHIVE_DEPTH = 3;
/** An executable smaller than this cannot be a Go program. */
const MIN_GO_BINARY = 64 * 1024;

export type EntryType = 'file' | 'directory' | 'symlink' | 'link' | 'other';

export interface EntryHeader {
  /** As written in the archive; normalised here. */
  path: string;
  type: EntryType;
  mode: number;
  size: number;
  /** Symlink target, or the path a hard link points to. */
  linkname?: string;
}

export type LayerInfo = PackageLocation['layer'];

type Kind = 'os-release' | 'dpkg' | 'dpkg-d' | 'apk' | 'rpm' | 'npm' | 'python' | 'jar' | 'executable';

type Parsed =
  | { kind: 'os-release'; text: string }
  | { kind: 'os-release-link'; target: string }
  | { kind: 'dpkg' | 'dpkg-d'; text: string }
  | { kind: 'apk'; text: string }
  | { kind: 'rpm' }
  | { kind: 'packages'; packages: Package[] };

interface Record {
  layer: number;
  info: LayerInfo;
  parsed: Parsed;
}

const RPM_DATABASES = /^(?:var\/lib\/rpm|usr\/lib\/sysimage\/rpm)\/(?:Packages|Packages\.db|rpmdb\.sqlite)$/;
const OS_RELEASE = new Set(['etc/os-release', 'usr/lib/os-release']);

/** "./usr//lib/x/" → "usr/lib/x"; ".." components are resolved and cannot climb above the root. */
export function normalisePath(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

function kindOf(path: string, header: EntryHeader): Kind | undefined {
  if (OS_RELEASE.has(path)) return 'os-release';
  if (path === 'var/lib/dpkg/status') return 'dpkg';
  if (path.startsWith('var/lib/dpkg/status.d/') && !path.includes('/', 22) && !path.endsWith('.md5sums')) return 'dpkg-d';
  if (path === 'lib/apk/db/installed') return 'apk';
  if (RPM_DATABASES.test(path)) return 'rpm';
  if (header.type !== 'file') return undefined;
  if (isInstalledNpmManifest(path)) return 'npm';
  if (/\.dist-info\/METADATA$/.test(path) || /\.egg-info\/PKG-INFO$/.test(path) || path.endsWith('.egg-info')) return 'python';
  if (/\.(?:jar|war|ear)$/i.test(path)) return 'jar';
  if ((header.mode & 0o111) !== 0 && header.size >= MIN_GO_BINARY) return 'executable';
  return undefined;
}

/**
 * Finds Go build information in a stream: the magic at a 16-byte-aligned offset (Go aligns the
 * blob in memory, and ELF keeps file offsets congruent to addresses), then up to 64 KiB from it.
 */
class GoBuildInfoScanner {
  private offset = 0;
  private carry = Buffer.alloc(0);
  private window: Buffer[] | undefined;
  private windowSize = 0;
  private isElf: boolean | undefined;
  result: ReturnType<typeof decodeGoBuildInfoBlob> | undefined;

  /** False once the stream has nothing more to give (not ELF, or the blob is read). */
  feed(chunk: Buffer): boolean {
    if (this.isElf === undefined) {
      const head = Buffer.concat([this.carry, chunk]);
      if (head.length < 4) {
        this.carry = head;
        return true;
      }
      this.isElf = head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;
      if (!this.isElf) return false;
      this.carry = Buffer.alloc(0);
    }
    if (this.window) return this.fill(chunk);
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const base = this.offset - this.carry.length;
    for (let at = data.indexOf(GO_BUILDINFO_MAGIC); at !== -1; at = data.indexOf(GO_BUILDINFO_MAGIC, at + 1)) {
      if ((base + at) % 16 !== 0) continue;
      this.window = [];
      this.windowSize = 0;
      this.offset += chunk.length;
      return this.fill(data.subarray(at), true);
    }
    this.offset += chunk.length;
    this.carry = Buffer.from(data.subarray(Math.max(0, data.length - (GO_BUILDINFO_MAGIC.length - 1))));
    return true;
  }

  private fill(chunk: Buffer, counted = false): boolean {
    if (!counted) this.offset += chunk.length;
    const need = GO_BUILDINFO_WINDOW - this.windowSize;
    const part = chunk.subarray(0, need);
    this.window!.push(Buffer.from(part));
    this.windowSize += part.length;
    if (this.windowSize >= GO_BUILDINFO_WINDOW) {
      this.finish();
      return false;
    }
    return true;
  }

  finish(): void {
    if (this.window && !this.result) this.result = decodeGoBuildInfoBlob(Buffer.concat(this.window));
  }
}

/** Reads a stream into memory, refusing more than `max` bytes; undefined when over. */
async function readBounded(stream: Readable, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (over) continue;
    size += chunk.length;
    if (size > max) {
      over = true;
      chunks.length = 0;
      continue;
    }
    chunks.push(chunk);
  }
  return over ? undefined : Buffer.concat(chunks);
}

async function drain(stream: Readable): Promise<void> {
  for await (const _ of stream as AsyncIterable<Buffer>) {
    // Discarded: a file nothing reads.
  }
}

/** Maven coordinates in a Java archive and the archives nested in it, each located as Java writes it (outer.jar!/inner.jar). */
function javaArchivePackages(bytes: Uint8Array, where: string, depth: number, notes: Inventory['notes'], maxFileBytes: number): Package[] {
  let members: ReturnType<typeof unzipSync>;
  // What one archive may unpack in all: a small archive of many highly compressed members (a zip
  // bomb) must not unpack them all at once.
  let budget = maxFileBytes;
  let over = 0;
  try {
    members = unzipSync(bytes, {
      filter: (f) => {
        if (!(isPomProperties(f.name) || (depth < MAX_ARCHIVE_DEPTH && /\.(?:jar|war|ear)$/i.test(f.name)))) return false;
        if (f.originalSize > budget) {
          over++;
          return false;
        }
        budget -= f.originalSize;
        return true;
      },
    });
  } catch (e) {
    notes.push({ path: where, message: `not a readable Java archive (${(e as Error).message})` });
    return [];
  }
  if (over > 0) notes.push({ path: where, message: `${over} member(s) not read: together they unpack to more than ${formatBytes(maxFileBytes)} (--max-file-size)` });
  const out: Package[] = [];
  for (const [name, data] of Object.entries(members)) {
    if (isPomProperties(name)) {
      const c = parsePomProperties(Buffer.from(data).toString('utf8'));
      if (c) out.push(mavenPackage(c, where));
    } else out.push(...javaArchivePackages(data, `${where}!/${name}`, depth + 1, notes, maxFileBytes));
  }
  return out;
}

export class InventoryCollector {
  private readonly records = new Map<string, Record>();
  private readonly notes: Inventory['notes'] = [];
  private entries = 0;
  private layer = -1;
  private info: LayerInfo;
  /** This layer's whiteouts, opaque directories and non-directories: what they hide of lower layers is removed when the layer ends. */
  private removed = new Set<string>();
  private opaque = new Set<string>();
  private nonDirectories = new Set<string>();
  /** Every directory some record lies under (never shrunk: a stale entry only costs a set lookup). */
  private readonly recordDirectories = new Set<string>();

  constructor(private readonly limits: ReadLimits) {}

  startLayer(index: number, info?: LayerInfo): void {
    this.layer = index;
    this.info = info;
  }

  /** Applies what this layer hides of lower ones. */
  endLayer(): void {
    if (this.removed.size === 0 && this.opaque.size === 0 && this.nonDirectories.size === 0) return;
    for (const [path, record] of this.records) {
      if (record.layer >= this.layer) continue;
      if (this.hidden(path)) this.records.delete(path);
    }
    this.removed = new Set();
    this.opaque = new Set();
    this.nonDirectories = new Set();
  }

  private hidden(path: string): boolean {
    if (this.removed.has(path)) return true;
    for (let slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
      const ancestor = path.slice(0, slash);
      if (this.removed.has(ancestor) || this.opaque.has(ancestor) || this.nonDirectories.has(ancestor)) return true;
    }
    return false;
  }

  /** Whether an entry's content matters (a root file system walk opens only these files); whiteouts and links always do. */
  wants(header: EntryHeader): boolean {
    const path = normalisePath(header.path);
    return kindOf(path, header) !== undefined;
  }

  /**
   * One entry of the current layer. `body` is its content (for files); it is always consumed.
   * Throws ImageReadError past the entry limit.
   */
  async entry(header: EntryHeader, body: Readable | undefined): Promise<void> {
    if (++this.entries > this.limits.maxEntries) {
      if (body) body.destroy();
      throw new ImageReadError(`more than ${this.limits.maxEntries} files in the image (--max-entries)`, { limit: true });
    }
    const path = normalisePath(header.path);
    const slash = path.lastIndexOf('/');
    const base = path.slice(slash + 1);
    if (base.startsWith('.wh.')) {
      const dir = path.slice(0, Math.max(0, slash));
      if (base === '.wh..wh..opq') this.opaque.add(dir);
      else this.removed.add(slash === -1 ? base.slice(4) : `${dir}/${base.slice(4)}`);
      if (body) await drain(body);
      return;
    }
    const previous = this.records.get(path);
    if (previous && previous.layer < this.layer) this.records.delete(path);
    // Only a path some record lies under can hide anything: the rest need not be remembered.
    if (header.type !== 'directory' && this.layer >= 0 && this.recordDirectories.has(path)) this.nonDirectories.add(path);
    const kind = path === '' ? undefined : kindOf(path, header);
    if (kind === undefined) {
      if (header.type === 'link' && header.linkname !== undefined) this.hardLink(path, normalisePath(header.linkname));
      if (body) await drain(body);
      return;
    }
    if (header.type === 'symlink') {
      if (kind === 'os-release' && header.linkname) {
        const target = header.linkname.startsWith('/') ? normalisePath(header.linkname) : normalisePath(`${path.slice(0, slash)}/${header.linkname}`);
        this.put(path, { kind: 'os-release-link', target });
      }
      return;
    }
    if (header.type === 'link') {
      if (header.linkname !== undefined) this.hardLink(path, normalisePath(header.linkname));
      if (body) await drain(body);
      return;
    }
    if (header.type !== 'file' || !body) {
      if (body) await drain(body);
      return;
    }
    if (kind === 'rpm') {
      this.put(path, { kind: 'rpm' });
      await drain(body);
      return;
    }
    if (kind === 'executable') return this.scanExecutable(path, body);
    if (header.size > this.limits.maxFileBytes) {
      this.notes.push({ path: `/${path}`, message: `not read: ${formatBytes(header.size)} is over the ${formatBytes(this.limits.maxFileBytes)} file limit (--max-file-size)` });
      await drain(body);
      return;
    }
    const bytes = await readBounded(body, this.limits.maxFileBytes);
    if (!bytes) {
      this.notes.push({ path: `/${path}`, message: `not read: over the ${formatBytes(this.limits.maxFileBytes)} file limit (--max-file-size)` });
      return;
    }
    this.parse(kind, path, bytes);
  }

  private hardLink(path: string, target: string): void {
    const record = this.records.get(target);
    if (!record) return;
    const parsed = record.parsed.kind === 'packages' ? { kind: 'packages' as const, packages: record.parsed.packages.map((p) => ({ ...p, locations: p.locations.map((l) => ({ ...l, path: l.path.replace(`/${target}`, `/${path}`) })) })) } : record.parsed;
    this.put(path, parsed);
  }

  private put(path: string, parsed: Parsed): void {
    this.records.set(path, { layer: this.layer, info: this.info, parsed });
    for (let slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
      const ancestor = path.slice(0, slash);
      if (this.recordDirectories.has(ancestor)) break;
      this.recordDirectories.add(ancestor);
    }
  }

  private parse(kind: Kind, path: string, bytes: Buffer): void {
    const where = `/${path}`;
    switch (kind) {
      case 'os-release':
        this.put(path, { kind: 'os-release', text: bytes.toString('utf8') });
        return;
      case 'dpkg':
      case 'dpkg-d':
        this.put(path, { kind, text: bytes.toString('utf8') });
        return;
      case 'apk':
        this.put(path, { kind: 'apk', text: bytes.toString('utf8') });
        return;
      case 'npm': {
        const { manifest, problem } = parseNpmPackageJson(bytes.toString('utf8'));
        if (manifest) this.put(path, { kind: 'packages', packages: [npmPackage(manifest, where)] });
        else this.notes.push({ path: where, message: `package.json not read: ${problem}` });
        return;
      }
      case 'python': {
        const d = parsePythonMetadata(bytes.toString('utf8'));
        if (d) this.put(path, { kind: 'packages', packages: [pythonPackage(d, where)] });
        else this.notes.push({ path: where, message: 'Python metadata without Name: or Version:' });
        return;
      }
      case 'jar': {
        const packages = javaArchivePackages(bytes, where, 0, this.notes, this.limits.maxFileBytes);
        if (packages.length > 0) this.put(path, { kind: 'packages', packages });
        return;
      }
      default:
        return;
    }
  }

  /** Whether the entry would be scanned as a possible Go executable (a root file system walk reads those by position instead). */
  isExecutable(header: EntryHeader): boolean {
    return kindOf(normalisePath(header.path), header) === 'executable';
  }

  /** An executable of a root file system whose build information window was read by position (images/elf.ts). */
  executableWindow(header: EntryHeader, window: Buffer | undefined): void {
    if (++this.entries > this.limits.maxEntries) throw new ImageReadError(`more than ${this.limits.maxEntries} files in the image (--max-entries)`, { limit: true });
    if (window) this.goBinary(normalisePath(header.path), decodeGoBuildInfoBlob(window));
  }

  private async scanExecutable(path: string, body: Readable): Promise<void> {
    const scanner = new GoBuildInfoScanner();
    let wanted = true;
    for await (const chunk of body as AsyncIterable<Buffer>) if (wanted) wanted = scanner.feed(chunk);
    scanner.finish();
    if (scanner.result) this.goBinary(path, scanner.result);
  }

  private goBinary(path: string, blob: ReturnType<typeof decodeGoBuildInfoBlob>): void {
    if (blob.format === 'inline') {
      try {
        this.put(path, { kind: 'packages', packages: goPackages(parseGoModInfo(blob.goVersion, blob.modInfo), `/${path}`) });
      } catch (e) {
        this.notes.push({ path: `/${path}`, message: `Go build information not usable (${(e as Error).message})` });
      }
    }
    else if (blob.format === 'pointers') this.notes.push({ path: `/${path}`, message: 'a Go binary built before Go 1.18, whose build information is not inline: its modules are not listed' });
  }

  addNotes(notes: Inventory['notes']): void {
    this.notes.push(...notes);
  }

  /** The inventory of the merged file system. */
  finish(): Inventory {
    const at = (path: string): Record | undefined => this.records.get(path);
    let os: OperatingSystem | undefined;
    for (const start of ['etc/os-release', 'usr/lib/os-release']) {
      let record = at(start);
      for (let hops = 0; record?.parsed.kind === 'os-release-link' && hops < 8; hops++) record = at(record.parsed.target);
      if (record?.parsed.kind === 'os-release') {
        os = parseOsRelease(record.parsed.text);
        if (os) break;
      }
    }
    const packages: Package[] = [];
    const withLayer = (list: Package[], record: Record): Package[] => (record.info ? list.map((p) => ({ ...p, locations: p.locations.map((l) => ({ ...l, layer: record.info })) })) : list);
    const paths = [...this.records.keys()].sort();
    for (const path of paths) {
      const record = this.records.get(path)!;
      const parsed = record.parsed;
      const where = `/${path}`;
      if (parsed.kind === 'dpkg' || parsed.kind === 'dpkg-d') {
        const result = parseDpkgStatus(parsed.text);
        for (const p of result.problems) this.notes.push({ path: `${where}:${p.line}`, message: p.message });
        packages.push(...withLayer(dpkgPackages(result.entries, where, os), record));
      } else if (parsed.kind === 'apk') {
        const result = parseApkInstalled(parsed.text);
        for (const p of result.problems) this.notes.push({ path: `${where}:${p.line}`, message: p.message });
        packages.push(...withLayer(apkPackages(result.entries, where, os), record));
      } else if (parsed.kind === 'rpm') {
        this.notes.push({ path: where, message: 'an RPM database is present and was not read: packages installed with rpm (dnf, yum, zypper) are missing from this inventory' });
      } else if (parsed.kind === 'packages') packages.push(...withLayer(parsed.packages, record));
    }
    return { ...(os ? { os } : {}), packages: mergePackages(packages), notes: this.notes };
  }
}

/** One package per ecosystem, name, version and purl, with every place it was found; sorted. */
export function mergePackages(packages: Package[]): Package[] {
  const byKey = new Map<string, Package>();
  for (const p of packages) {
    const key = `${p.ecosystem}\u0000${p.purl}\u0000${p.foundBy}`;
    const seen = byKey.get(key);
    if (seen) seen.locations.push(...p.locations);
    else byKey.set(key, { ...p, locations: [...p.locations] });
  }
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...byKey.values()]
    .map((p) => ({ ...p, locations: p.locations.sort((a, b) => cmp(a.path, b.path)) }))
    .sort((a, b) => cmp(a.ecosystem, b.ecosystem) || cmp(a.name, b.name) || cmp(a.version, b.version) || cmp(a.purl, b.purl));
}
