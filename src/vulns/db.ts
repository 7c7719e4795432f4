/**
 * The advisory database matching reads: either a folder of OSV JSON files (`--db DIR`: air-gapped
 * copies, tests) read into memory, or the compact index `kshield db update` builds in the cache.
 *
 * Advisories are keyed by the ecosystem as the advisory spells it (release included) plus the package
 * name as the ecosystem compares names ("Debian:12\0openssl", "PyPI\0pyyaml"): a lookup reads only
 * the records of its release. A record naming several packages is kept under each, with only that
 * package's `affected` entries.
 */
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { baseEcosystem } from '../packages/versions/index.js';
import { normalizePackageName, type AdvisorySource } from './match.js';
import { OsvRecordError, readOsvRecord, type OsvAffected, type OsvRecord } from './osv.js';

export const INDEX_FILE = 'osv-index.v1';
const MAGIC = 'KSOSVIX5';

/** Where the data came from and how old it is. */
export interface DatabaseInfo {
  kind: 'folder' | 'index';
  /** The folder or index file read. */
  path: string;
  records: number;
  /** Ecosystems with their release, as advisories name them ("Debian:12", "npm"). */
  ecosystems: string[];
  /** The newest `modified` time among the records (ISO 8601). */
  newestModified?: string;
  /** When `kshield db update` last fetched the data (index only). */
  updatedAt?: string;
  /** Per downloaded ecosystem: where from and how the archive was verified (index only). */
  sources?: SourceInfo[];
}

export interface SourceInfo {
  ecosystem: string;
  url: string;
  fetchedAt: string;
  /** "md5 (x-goog-hash)", "sha256 (all.zip.sha256)", "none". */
  checksum: string;
  records: number;
  /** Records fetched one by one since the archive (modified_id.csv). */
  incremental: number;
}

export interface DatabaseProblem {
  file: string;
  message: string;
}

export interface AdvisoryDatabase extends AdvisorySource {
  info: DatabaseInfo;
  /** Files that could not be read (each named, with what is wrong); the rest of the database is used. */
  problems: DatabaseProblem[];
  close(): void;
}

export class DatabaseError extends Error {}

export function advisoryKey(ecosystem: string, name: string): string {
  return `${ecosystem}\u0000${normalizePackageName(baseEcosystem(ecosystem), name)}`;
}

/** The record cut to the affected entries of one key. */
function recordsByKey(records: Iterable<OsvRecord>): Map<string, OsvRecord[]> {
  const byKey = new Map<string, OsvRecord[]>();
  for (const record of records) {
    const groups = new Map<string, OsvRecord['affected']>();
    for (const affected of record.affected ?? []) {
      if (!affected.package) continue;
      const key = advisoryKey(affected.package.ecosystem, affected.package.name);
      groups.set(key, [...(groups.get(key) ?? []), affected]);
    }
    for (const [key, affected] of groups) {
      const list = byKey.get(key) ?? [];
      list.push(groups.size === 1 ? record : { ...record, affected });
      byKey.set(key, list);
    }
  }
  return byKey;
}

function ecosystemsOf(records: Iterable<OsvRecord>): { ecosystems: Set<string>; newest?: string; count: number } {
  const ecosystems = new Set<string>();
  let newest: string | undefined;
  let count = 0;
  for (const r of records) {
    count++;
    if (!newest || r.modified > newest) newest = r.modified;
    for (const a of r.affected ?? []) if (a.package) ecosystems.add(a.package.ecosystem);
  }
  return { ecosystems, newest, count };
}

/** Advisories held in memory. */
export class MemoryDatabase implements AdvisoryDatabase {
  readonly info: DatabaseInfo;
  readonly problems: DatabaseProblem[];
  private readonly byKey: Map<string, OsvRecord[]>;
  private readonly ecosystems: Set<string>;

  constructor(records: OsvRecord[], info: Omit<DatabaseInfo, 'records' | 'ecosystems' | 'newestModified'>, problems: DatabaseProblem[] = []) {
    const summary = ecosystemsOf(records);
    this.byKey = recordsByKey(records);
    this.ecosystems = summary.ecosystems;
    this.info = { ...info, records: summary.count, ecosystems: [...summary.ecosystems].sort(), newestModified: summary.newest };
    this.problems = problems;
  }

  advisoriesFor(ecosystem: string, name: string): readonly OsvRecord[] {
    return this.byKey.get(advisoryKey(ecosystem, name)) ?? [];
  }

  hasEcosystem(ecosystem: string): boolean {
    return this.ecosystems.has(ecosystem);
  }

  close(): void {}
}

export interface FolderLimits {
  /** JSON files read at most (default 2,000,000). */
  maxFiles: number;
  /** Bytes of one JSON file (default 16 MiB: the largest OSV records, kernel ones, are a few MiB). */
  maxFileBytes: number;
  /** Folder depth walked (default 8). */
  maxDepth: number;
}

export const FOLDER_LIMITS: FolderLimits = { maxFiles: 2_000_000, maxFileBytes: 16 * 1024 * 1024, maxDepth: 8 };

/** "line L, column C" of a character offset, for JSON errors. */
function lineColumn(text: string, offset: number): string {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) {
    line++;
    start = i + 1;
  }
  return `line ${line}, column ${offset - start + 1}`;
}

/** Parses one OSV JSON text; the error names line and column for malformed JSON, the field for a wrong shape. */
export function parseOsvJson(text: string, ecosystems?: ReadonlySet<string>): OsvRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const at = /position (\d+)/.exec(message);
    throw new OsvRecordError(`not valid JSON${at ? ` at ${lineColumn(text, Number(at[1]))}` : ''}: ${message.replace(/^Unexpected/, 'unexpected').replace(/ in JSON at position \d+.*$/, '')}`);
  }
  return readOsvRecord(json, ecosystems);
}

/**
 * Reads every `*.json` file under `dir` (recursively, in name order) as an OSV record. A file that
 * is not one is listed in `problems` (file, line, what is wrong) and the rest are used.
 */
export function loadOsvFolder(dir: string, limits: FolderLimits = FOLDER_LIMITS): MemoryDatabase {
  let stat;
  try {
    stat = statSync(dir);
  } catch {
    throw new DatabaseError(`--db ${dir}: no such folder`);
  }
  if (!stat.isDirectory()) throw new DatabaseError(`--db ${dir}: not a folder (give the folder holding the OSV JSON files)`);
  const records: OsvRecord[] = [];
  const problems: DatabaseProblem[] = [];
  const seen = new Map<string, string>();
  let files = 0;
  const walk = (folder: string, depth: number): void => {
    if (depth > limits.maxDepth) {
      problems.push({ file: folder, message: `deeper than ${limits.maxDepth} folders: not read` });
      return;
    }
    const entries = readdirSync(folder, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const file = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        walk(file, depth + 1);
        continue;
      }
      if (!entry.isFile() || !entry.name.endsWith('.json')) continue;
      if (++files > limits.maxFiles) throw new DatabaseError(`--db ${dir}: more than ${limits.maxFiles} JSON files`);
      const size = statSync(file).size;
      if (size > limits.maxFileBytes) {
        problems.push({ file, message: `${size} bytes, over the ${limits.maxFileBytes}-byte limit for one record: not read` });
        continue;
      }
      try {
        const record = parseOsvJson(readFileSync(file, 'utf8'));
        const earlier = seen.get(record.id);
        if (earlier) {
          problems.push({ file, message: `advisory ${record.id} is also in ${earlier}: this copy was not read` });
          continue;
        }
        seen.set(record.id, file);
        records.push(record);
      } catch (err) {
        if (!(err instanceof OsvRecordError)) throw err;
        problems.push({ file, message: err.message });
      }
    }
  };
  walk(dir, 0);
  return new MemoryDatabase(records, { kind: 'folder', path: dir }, problems);
}

interface IndexHeader {
  format: 5;
  builtAt: string;
  info: Omit<DatabaseInfo, 'kind' | 'path'>;
  /** Keys in the key table that follows the header. */
  keys: number;
}

/** FNV-1a over the key's UTF-16 code units: a stable, fast hash for the key table (exported for tests of keys that share one). */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Bytes per key in the key table: offset of the key's chunk in the body (float64), the key's hash, the chunk's length (uint32). */
const KEY_ENTRY_BYTES = 16;

/**
 * One candidate under a key, as the index stores it: the record's id, its affected entries for the
 * key, and the length (in UTF-16 code units, as JavaScript strings count) of what reports show of it
 * (its details), which follows the candidates.
 */
type StoredCandidate = [id: string, affected: (Omit<OsvAffected, 'package'> & { package?: OsvAffected['package'] | 0 })[] | undefined, detailsLength: number];

/** What a report shows of a record, parsed only for records that match. */
type Details = Pick<OsvRecord, 'modified' | 'aliases' | 'upstream' | 'summary' | 'severity'>;

/**
 * Writes the compact index: a magic string, the header's length, the header (JSON: the database's
 * description and the number of keys), the key table (binary, sorted by the key's hash, so opening
 * the index parses none of it and a lookup is a binary search), then per key one chunk: the key
 * itself (to tell keys with one hash apart), a JSON list of candidates (id and the affected entries
 * of that package in that release) and each candidate's details (JSON, parsed only when the
 * candidate matches). Withdrawn records are left out: they never match. A lookup is one read.
 */
export function serializeIndex(records: Iterable<OsvRecord>, info: Omit<DatabaseInfo, 'kind' | 'path' | 'records' | 'ecosystems' | 'newestModified'>, builtAt = new Date().toISOString()): Buffer {
  const list = [...records];
  const summary = ecosystemsOf(list);
  const live = list.filter((r) => !r.withdrawn);
  const byKey = recordsByKey(live);
  const entries = [...byKey.keys()].map((key) => ({ key, hash: hashKey(key) }));
  // By hash, then key: the order a lookup searches, and the same bytes for the same records.
  entries.sort((a, b) => a.hash - b.hash || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  // Two passes: the chunks' texts and byte lengths first, then one buffer written in place (no
  // buffer per chunk, no copies to join them).
  const keyBytes = new Array<number>(entries.length);
  const listTexts = new Array<string>(entries.length);
  const listBytes = new Array<number>(entries.length);
  const detailTexts = new Array<string>(entries.length);
  const chunkBytes = new Array<number>(entries.length);
  let bodyBytes = 0;
  entries.forEach(({ key }, i) => {
    let details = '';
    const [keyEcosystem, keyName] = key.split('\u0000');
    const candidates: StoredCandidate[] = byKey.get(key)!.map((r) => {
      const text = JSON.stringify({ modified: r.modified, aliases: r.aliases, upstream: r.upstream, summary: r.summary, severity: r.severity } satisfies Details);
      details += text;
      // The package the key names is not repeated in every entry: 0 stands for it.
      const affected = r.affected?.map((a) => (a.package && a.package.ecosystem === keyEcosystem && a.package.name === keyName ? { ...a, package: 0 as const } : a));
      return [r.id, affected, text.length];
    });
    keyBytes[i] = Buffer.byteLength(key, 'utf8');
    listTexts[i] = JSON.stringify(candidates);
    listBytes[i] = Buffer.byteLength(listTexts[i], 'utf8');
    detailTexts[i] = details;
    chunkBytes[i] = 8 + keyBytes[i] + listBytes[i] + Buffer.byteLength(details, 'utf8');
    bodyBytes += chunkBytes[i];
  });
  const header: IndexHeader = {
    format: 5,
    builtAt,
    info: { ...info, records: summary.count, ecosystems: [...summary.ecosystems].sort(), newestModified: summary.newest },
    keys: entries.length,
  };
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  const tableStart = MAGIC.length + 4 + head.length;
  const bodyStart = tableStart + entries.length * KEY_ENTRY_BYTES;
  const out = Buffer.allocUnsafe(bodyStart + bodyBytes);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(head.length, MAGIC.length);
  head.copy(out, MAGIC.length + 4);
  let at = bodyStart;
  entries.forEach(({ key, hash }, i) => {
    const entry = tableStart + i * KEY_ENTRY_BYTES;
    out.writeDoubleLE(at - bodyStart, entry);
    out.writeUInt32LE(hash, entry + 8);
    out.writeUInt32LE(chunkBytes[i], entry + 12);
    out.writeUInt32LE(keyBytes[i], at);
    out.writeUInt32LE(listBytes[i], at + 4);
    let written = 8;
    written += out.write(key, at + written, 'utf8');
    written += out.write(listTexts[i], at + written, 'utf8');
    written += out.write(detailTexts[i], at + written, 'utf8');
    if (written !== chunkBytes[i]) throw new Error(`index chunk of ${key}: wrote ${written} bytes, expected ${chunkBytes[i]}`);
    at += written;
  });
  return out;
}

/**
 * A record read from the index: id and affected entries at once, the rest (modified, aliases,
 * upstream, summary, severity) parsed from the chunk on first use, which only a match needs.
 */
class IndexedRecord implements OsvRecord {
  private parsed: Details | undefined;
  private text: string | undefined;

  constructor(
    readonly id: string,
    readonly affected: OsvRecord['affected'],
    /** The details of every candidate under the key; this one's are [start, end). */
    text: string,
    private readonly start: number,
    private readonly end: number,
  ) {
    this.text = text;
  }

  private details(): Details {
    if (!this.parsed) {
      this.parsed = JSON.parse(this.text!.slice(this.start, this.end)) as Details;
      this.text = undefined;
    }
    return this.parsed;
  }

  get modified(): string {
    return this.details().modified;
  }
  get aliases(): string[] | undefined {
    return this.details().aliases;
  }
  get upstream(): string[] | undefined {
    return this.details().upstream;
  }
  get summary(): string | undefined {
    return this.details().summary;
  }
  get severity(): OsvRecord['severity'] {
    return this.details().severity;
  }
  /** What JSON.stringify writes: the record with its details, as the folder gives it. */
  toJSON(): OsvRecord {
    return { id: this.id, ...this.details(), affected: this.affected };
  }
}

/**
 * Keys whose candidates stay in memory: binary packages of one source package look the same key up
 * (a distribution image has a few hundred source packages). Bounded, so records of a large inventory
 * are garbage soon after their package is matched instead of being held (and copied by every
 * collection) to the end.
 */
const CACHED_KEYS = 256;

/** The compact index, read key by key from the open file. */
export class IndexDatabase implements AdvisoryDatabase {
  readonly info: DatabaseInfo;
  readonly problems: DatabaseProblem[] = [];
  private readonly fd: number;
  /** The key table: per key (sorted by hash) its chunk's offset (float64 at 2i), hash (uint32 at 4i + 2) and length (uint32 at 4i + 3). */
  private readonly offsets: Float64Array;
  private readonly words: Uint32Array;
  private readonly keys: number;
  private readonly bodyStart: number;
  private readonly ecosystems: Set<string>;
  private readonly cache = new Map<string, OsvRecord[]>();

  constructor(file: string) {
    this.fd = openSync(file, 'r');
    try {
      const size = fstatSync(this.fd).size;
      const prefix = Buffer.alloc(MAGIC.length + 4);
      if (size < prefix.length || readSync(this.fd, prefix, 0, prefix.length, 0) !== prefix.length || prefix.toString('latin1', 0, MAGIC.length) !== MAGIC) {
        throw new DatabaseError(`${file}: not a kshield advisory index of this version (run \`kshield db update\` to rebuild it)`);
      }
      const truncated = (): DatabaseError => new DatabaseError(`${file}: the index is truncated (run \`kshield db update\` to rebuild it)`);
      const headLength = prefix.readUInt32LE(MAGIC.length);
      if (prefix.length + headLength > size) throw truncated();
      const head = Buffer.alloc(headLength);
      readSync(this.fd, head, 0, headLength, prefix.length);
      const header = JSON.parse(head.toString('utf8')) as IndexHeader;
      if (header.format !== 5) throw new DatabaseError(`${file}: index format ${String(header.format)} is not one this kshield reads (run \`kshield db update\`)`);
      const tableStart = prefix.length + headLength;
      if (!Number.isSafeInteger(header.keys) || header.keys < 0) throw new DatabaseError(`${file}: the index header is not readable (run \`kshield db update\` to rebuild it)`);
      const tableBytes = header.keys * KEY_ENTRY_BYTES;
      if (tableStart + tableBytes > size) throw truncated();
      const table = new Uint8Array(tableBytes);
      if (readSync(this.fd, table, 0, tableBytes, tableStart) !== tableBytes) throw truncated();
      if (os.endianness() !== 'LE') {
        // The table is little-endian; typed arrays read in the machine's order.
        const view = new DataView(table.buffer);
        const swapped = new DataView(new ArrayBuffer(tableBytes));
        for (let at = 0; at < tableBytes; at += KEY_ENTRY_BYTES) {
          swapped.setFloat64(at, view.getFloat64(at, true));
          swapped.setUint32(at + 8, view.getUint32(at + 8, true));
          swapped.setUint32(at + 12, view.getUint32(at + 12, true));
        }
        this.offsets = new Float64Array(swapped.buffer);
        this.words = new Uint32Array(swapped.buffer);
      } else {
        this.offsets = new Float64Array(table.buffer);
        this.words = new Uint32Array(table.buffer);
      }
      this.keys = header.keys;
      this.bodyStart = tableStart + tableBytes;
      let end = this.bodyStart;
      for (let i = 0; i < this.keys; i++) end = Math.max(end, this.bodyStart + this.offsets[2 * i] + this.words[4 * i + 3]);
      if (end > size) throw truncated();
      this.info = { kind: 'index', path: file, ...header.info };
      this.ecosystems = new Set(header.info.ecosystems);
    } catch (err) {
      closeSync(this.fd);
      if (err instanceof SyntaxError) throw new DatabaseError(`${file}: the index header is not readable (run \`kshield db update\` to rebuild it)`);
      throw err;
    }
  }

  /** One buffer every read goes into (grown to the largest chunk): its text is decoded at once, so no chunk needs a buffer of its own. */
  private scratch = Buffer.allocUnsafe(64 * 1024);

  private read(position: number, length: number): Buffer {
    if (length > this.scratch.length) this.scratch = Buffer.allocUnsafe(Math.max(length, 2 * this.scratch.length));
    const got = readSync(this.fd, this.scratch, 0, length, position);
    if (got !== length) throw new DatabaseError(`${this.info.path}: the index is truncated (run \`kshield db update\` to rebuild it)`);
    return this.scratch;
  }

  advisoriesFor(ecosystem: string, name: string): readonly OsvRecord[] {
    const key = advisoryKey(ecosystem, name);
    const cached = this.cache.get(key);
    if (cached) {
      // Most recently used last: the cache drops the oldest key when full.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const records = this.lookUp(key);
    if (this.cache.size >= CACHED_KEYS) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, records);
    return records;
  }

  /** The candidates stored under a key: a binary search of the key table, then one read. */
  private lookUp(key: string): OsvRecord[] {
    const hash = hashKey(key);
    let low = 0;
    let high = this.keys;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.words[4 * mid + 2] < hash) low = mid + 1;
      else high = mid;
    }
    // Keys that share a hash sit together: the chunk's own key tells them apart.
    for (let i = low; i < this.keys && this.words[4 * i + 2] === hash; i++) {
      const length = this.words[4 * i + 3];
      const chunk = this.read(this.bodyStart + this.offsets[2 * i], length);
      const keyLength = chunk.readUInt32LE(0);
      const listLength = chunk.readUInt32LE(4);
      if (chunk.toString('utf8', 8, 8 + keyLength) !== key) continue;
      const listEnd = 8 + keyLength + listLength;
      const candidates = JSON.parse(chunk.toString('utf8', 8 + keyLength, listEnd)) as StoredCandidate[];
      const records: OsvRecord[] = new Array(candidates.length);
      const separator = key.indexOf('\u0000');
      const keyPackage = { ecosystem: key.slice(0, separator), name: key.slice(separator + 1) };
      const details = chunk.toString('utf8', listEnd, length);
      let detailsAt = 0;
      for (let c = 0; c < candidates.length; c++) {
        const [id, affected, detailsLength] = candidates[c];
        if (affected) for (const a of affected) if (a.package === 0) a.package = keyPackage;
        records[c] = new IndexedRecord(id, affected as OsvAffected[] | undefined, details, detailsAt, detailsAt + detailsLength);
        detailsAt += detailsLength;
      }
      return records;
    }
    return [];
  }

  hasEcosystem(ecosystem: string): boolean {
    return this.ecosystems.has(ecosystem);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * Opens `--db DIR`: the compact index when the folder holds one (a copy of the cache), else every
 * OSV JSON file under it.
 */
export function openDatabase(dir: string, limits?: FolderLimits): AdvisoryDatabase {
  const index = path.join(dir, INDEX_FILE);
  if (existsSync(index)) return new IndexDatabase(index);
  return loadOsvFolder(dir, limits);
}

/** The time the data is as of: when it was downloaded, else its newest advisory's `modified`. */
export function databaseTime(info: DatabaseInfo): string | undefined {
  return info.updatedAt ?? info.newestModified;
}

/** The database's age in milliseconds at `now`; undefined for an empty folder. */
export function databaseAgeMs(info: DatabaseInfo, now = Date.now()): number | undefined {
  const time = databaseTime(info);
  if (!time) return undefined;
  const t = Date.parse(time);
  return Number.isNaN(t) ? undefined : Math.max(0, now - t);
}

/** "3 hours", "12 days": an age for people. */
export function describeAge(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'}`;
  const days = Math.floor(hours / 24);
  return `${days} days`;
}
