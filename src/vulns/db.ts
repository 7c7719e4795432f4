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
import path from 'node:path';
import { baseEcosystem } from '../packages/versions/index.js';
import { normalizePackageName, type AdvisorySource } from './match.js';
import { OsvRecordError, readOsvRecord, type OsvRecord } from './osv.js';

export const INDEX_FILE = 'osv-index.v1';
const MAGIC = 'KSOSVIX4';

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
  format: 4;
  builtAt: string;
  info: Omit<DatabaseInfo, 'kind' | 'path'>;
  /**
   * The key table in buckets (by a hash of the key), so opening the index parses none of it and a
   * lookup parses one small bucket: per bucket [offset in the body, length] of a JSON object
   * key -> [offset in the body, length] of the key's candidates; [0, 0] for an empty bucket.
   */
  buckets: [number, number][];
}

/** FNV-1a over the key's UTF-16 code units: a stable, fast bucket choice. */
function bucketOf(key: string, buckets: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % buckets;
}

/** One candidate under a key: the record's id, what reports show of it, and its affected entries for the key. */
type Candidate = [id: string, details: Details, affected: OsvRecord['affected']];

/** What a report shows of a record, read only for records that match. */
type Details = Pick<OsvRecord, 'modified' | 'aliases' | 'upstream' | 'summary' | 'severity'>;

/**
 * Writes the compact index: a magic string, the header's length, the header (JSON: the database's
 * description and the key table's buckets), then per key a JSON list of candidates (id, what
 * reports show, and the affected entries of that package in that release), then the buckets.
 * Withdrawn records are left out: they never match. A lookup reads one bucket and one key's bytes
 * (one read per package: reading details per matching record separately cost more than it saved);
 * the rest stays on disk.
 */
export function serializeIndex(records: Iterable<OsvRecord>, info: Omit<DatabaseInfo, 'kind' | 'path' | 'records' | 'ecosystems' | 'newestModified'>, builtAt = new Date().toISOString()): Buffer {
  const list = [...records];
  const summary = ecosystemsOf(list);
  const live = list.filter((r) => !r.withdrawn);
  const byKey = recordsByKey(live);
  const keyChunks: Buffer[] = [];
  let offset = 0;
  const sortedKeys = [...byKey.keys()].sort();
  const bucketCount = Math.max(1, Math.ceil(sortedKeys.length / 16));
  const bucketKeys: Record<string, [number, number]>[] = Array.from({ length: bucketCount }, () => ({}));
  for (const key of sortedKeys) {
    const candidates: Candidate[] = byKey.get(key)!.map((r) => [r.id, { modified: r.modified, aliases: r.aliases, upstream: r.upstream, summary: r.summary, severity: r.severity }, r.affected]);
    const bytes = Buffer.from(JSON.stringify(candidates), 'utf8');
    bucketKeys[bucketOf(key, bucketCount)][key] = [offset, bytes.length];
    keyChunks.push(bytes);
    offset += bytes.length;
  }
  const bucketChunks: Buffer[] = [];
  const buckets: [number, number][] = bucketKeys.map((entries) => {
    if (Object.keys(entries).length === 0) return [0, 0];
    const bytes = Buffer.from(JSON.stringify(entries), 'utf8');
    bucketChunks.push(bytes);
    const at: [number, number] = [offset, bytes.length];
    offset += bytes.length;
    return at;
  });
  const header: IndexHeader = {
    format: 4,
    builtAt,
    info: { ...info, records: summary.count, ecosystems: [...summary.ecosystems].sort(), newestModified: summary.newest },
    buckets,
  };
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(MAGIC.length + 4);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(head.length, MAGIC.length);
  return Buffer.concat([prefix, head, ...keyChunks, ...bucketChunks]);
}

/** The compact index, read key by key from the open file. */
export class IndexDatabase implements AdvisoryDatabase {
  readonly info: DatabaseInfo;
  readonly problems: DatabaseProblem[] = [];
  private readonly fd: number;
  private readonly buckets: [number, number][];
  private readonly bucketCache = new Map<number, Record<string, [number, number]>>();
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
      const headLength = prefix.readUInt32LE(MAGIC.length);
      if (prefix.length + headLength > size) throw new DatabaseError(`${file}: the index is truncated (run \`kshield db update\` to rebuild it)`);
      const head = Buffer.alloc(headLength);
      readSync(this.fd, head, 0, headLength, prefix.length);
      const header = JSON.parse(head.toString('utf8')) as IndexHeader;
      if (header.format !== 4) throw new DatabaseError(`${file}: index format ${String(header.format)} is not one this kshield reads (run \`kshield db update\`)`);
      this.bodyStart = prefix.length + headLength;
      this.buckets = header.buckets;
      let end = this.bodyStart;
      for (const [o, l] of header.buckets) end = Math.max(end, this.bodyStart + o + l);
      if (end > size) throw new DatabaseError(`${file}: the index is truncated (run \`kshield db update\` to rebuild it)`);
      this.info = { kind: 'index', path: file, ...header.info };
      this.ecosystems = new Set(header.info.ecosystems);
    } catch (err) {
      closeSync(this.fd);
      if (err instanceof SyntaxError) throw new DatabaseError(`${file}: the index header is not readable (run \`kshield db update\` to rebuild it)`);
      throw err;
    }
  }

  private read(position: number, length: number): Buffer {
    const bytes = Buffer.allocUnsafe(length);
    const got = readSync(this.fd, bytes, 0, length, position);
    if (got !== length) throw new DatabaseError(`${this.info.path}: the index is truncated (run \`kshield db update\` to rebuild it)`);
    return bytes;
  }

  advisoriesFor(ecosystem: string, name: string): readonly OsvRecord[] {
    const key = advisoryKey(ecosystem, name);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const b = bucketOf(key, this.buckets.length);
    let bucket = this.bucketCache.get(b);
    if (!bucket) {
      const [offset, length] = this.buckets[b];
      bucket = length === 0 ? {} : (JSON.parse(this.read(this.bodyStart + offset, length).toString('utf8')) as Record<string, [number, number]>);
      this.bucketCache.set(b, bucket);
    }
    const range = Object.hasOwn(bucket, key) ? bucket[key] : undefined;
    if (!range) return [];
    const candidates = JSON.parse(this.read(this.bodyStart + range[0], range[1]).toString('utf8')) as Candidate[];
    const records: OsvRecord[] = new Array(candidates.length);
    for (let i = 0; i < candidates.length; i++) {
      const [id, details, affected] = candidates[i];
      records[i] = { ...details, id, affected };
    }
    this.cache.set(key, records);
    return records;
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
