/**
 * `kshield db update`: OSV's ecosystem archives into the cache, then the compact index.
 *
 * The OSV bucket (and a mirror of it) serves, per ecosystem, `<ECOSYSTEM>/all.zip` (every record),
 * `<ECOSYSTEM>/modified_id.csv` (`<modified>,<id>` lines, newest first) and `<ECOSYSTEM>/<id>.json`.
 * - First download (or `--full`): all.zip, written to `all.zip.part` and resumed with an HTTP Range
 *   request (If-Range on the ETag, so a changed archive restarts instead of being spliced) when the
 *   connection drops; verified before it replaces the previous archive.
 * - Later updates: modified_id.csv is read down to the newest `modified` time already held, and only
 *   the records changed since are fetched (`updates/<id>.json`); past `maxIncremental` changes, or
 *   without a modified_id.csv, all.zip is fetched again (If-None-Match: unchanged archives are not).
 *
 * Checksums, honestly: Google Cloud Storage sends `x-goog-hash: crc32c=..., md5=...` with an object;
 * the MD5 is checked over the whole downloaded file (resumed parts included). A mirror without that
 * header may serve `all.zip.sha256` (`sha256sum` format) beside the archive, which is checked instead.
 * When neither exists the archive is used unverified and the run says so (`requireChecksum` refuses
 * it). Every zip entry's CRC-32 is checked on reading in any case. MD5 proves the transfer, not the
 * publisher: it comes from the same server over the same TLS connection.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { INDEX_FILE, IndexDatabase, parseOsvJson, serializeIndex, type DatabaseInfo, type SourceInfo } from './db.js';
import { OsvRecordError, type OsvRecord } from './osv.js';
import { readZipJsonEntries, ZipError, ZIP_LIMITS, type ZipLimits } from './zip.js';

export const DEFAULT_MIRROR = 'https://osv-vulnerabilities.storage.googleapis.com';
/** The ecosystems kshield inventories and matches. */
export const DEFAULT_ECOSYSTEMS = ['Debian', 'Ubuntu', 'Alpine', 'npm', 'PyPI', 'Go', 'Maven', 'crates.io'];

/** $XDG_CACHE_HOME/kshield (XDG Base Directory: a relative XDG_CACHE_HOME is ignored), else ~/.cache/kshield. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache'), 'kshield');
}

/** The folder holding the archives and the index inside a cache directory. */
export function osvCacheDir(cacheDir: string): string {
  return path.join(cacheDir, 'osv');
}

export interface UpdateLimits {
  /** Bytes of one all.zip (default 4 GiB). */
  maxArchiveBytes: number;
  /** Bytes of one modified_id.csv (default 256 MiB). */
  maxCsvBytes: number;
  /** Bytes of one record fetched alone (default 16 MiB). */
  maxRecordBytes: number;
  /** Changed records fetched one by one before the whole archive is fetched instead (default 2,000). */
  maxIncremental: number;
  zip: ZipLimits;
}

export const UPDATE_LIMITS: UpdateLimits = { maxArchiveBytes: 4 * 1024 ** 3, maxCsvBytes: 256 * 1024 ** 2, maxRecordBytes: 16 * 1024 ** 2, maxIncremental: 2000, zip: ZIP_LIMITS };

export interface ProgressBar {
  update(bytes: number, total: number | undefined): void;
  stop(): void;
}

export interface UpdateOptions {
  cacheDir: string;
  /** Base URL of the OSV bucket or a mirror of its layout. */
  baseUrl: string;
  ecosystems: string[];
  /** Fetch every all.zip again instead of the changed records. */
  full?: boolean;
  /** Refuse an archive no checksum is available for. */
  requireChecksum?: boolean;
  limits?: UpdateLimits;
  /** Give up on a connection that sends nothing for this long (default 60 s). */
  idleTimeoutMs?: number;
  /** Attempts per archive, resuming after a dropped connection (default 3). */
  attempts?: number;
  /** A progress bar for one download, counting bytes or records (the CLI shows cli-progress bars on a terminal). */
  progress?: (label: string, unit: 'bytes' | 'records') => ProgressBar;
  log?: (line: string) => void;
  now?: () => Date;
}

export interface EcosystemOutcome {
  ecosystem: string;
  mode: 'full' | 'incremental' | 'unchanged' | 'failed';
  message: string;
}

export interface UpdateResult {
  outcomes: EcosystemOutcome[];
  /** The rebuilt index's description; undefined when nothing could be indexed. */
  index?: DatabaseInfo;
  indexBytes?: number;
  indexFile?: string;
  buildMs?: number;
  /** Records that could not be read from the archives (named, not fatal). */
  problems: string[];
}

export class UpdateError extends Error {}

interface EcosystemState {
  ecosystem: string;
  url: string;
  etag?: string;
  fetchedAt: string;
  checksum: string;
  /** The newest `modified` held: modified_id.csv lines after it are fetched next time. */
  highWater?: string;
  records: number;
  incremental: number;
}

interface PartMeta {
  url: string;
  etag?: string;
  md5?: string;
}

const ECOSYSTEM_NAME = /^[A-Za-z0-9][A-Za-z0-9 .:_-]{0,63}$/;

function ecosystemDir(root: string, ecosystem: string): string {
  if (!ECOSYSTEM_NAME.test(ecosystem) || ecosystem.includes('..')) throw new UpdateError(`"${ecosystem}" is not an OSV ecosystem name`);
  return path.join(root, ecosystem);
}

function urlOf(base: string, ...segments: string[]): string {
  return `${base.replace(/\/+$/, '')}/${segments.map(encodeURIComponent).join('/')}`;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2));
  renameSync(tmp, file);
}

/** A fetch whose connection is abandoned when it sends nothing for `idleMs`. */
async function fetchWithIdle(url: string, init: RequestInit, idleMs: number): Promise<{ response: Response; touch: () => void; done: () => void }> {
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(new Error(`no data for ${idleMs / 1000} s`)), idleMs);
  const touch = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error(`no data for ${idleMs / 1000} s`)), idleMs);
  };
  const done = (): void => clearTimeout(timer);
  try {
    const response = await fetch(url, { ...init, signal: controller.signal, redirect: 'follow' });
    touch();
    return { response, touch, done };
  } catch (err) {
    done();
    const cause = (err as { cause?: Error }).cause;
    throw new UpdateError(`${url}: ${cause?.message ?? (err as Error).message}`);
  }
}

/** The MD5 a Google Cloud Storage response declares for the whole object (base64 in x-goog-hash), as hex. */
export function md5FromHeaders(headers: Headers): string | undefined {
  const goog = headers.get('x-goog-hash');
  if (goog) {
    for (const part of goog.split(',')) {
      const m = /^\s*md5=([A-Za-z0-9+/=]+)\s*$/.exec(part);
      if (m) return Buffer.from(m[1], 'base64').toString('hex');
    }
  }
  return undefined;
}

async function hashFile(file: string, algorithm: 'md5' | 'sha256'): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Reads a small text resource; undefined on 404. */
async function fetchText(url: string, maxBytes: number, idleMs: number): Promise<string | undefined> {
  const { response, touch, done } = await fetchWithIdle(url, {}, idleMs);
  try {
    if (response.status === 404 || response.status === 403) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new UpdateError(`${url}: HTTP ${response.status}`);
    }
    const declared = Number(response.headers.get('content-length'));
    if (declared > maxBytes) {
      await response.body?.cancel();
      throw new UpdateError(`${url}: ${declared} bytes, over the limit of ${maxBytes}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body!) {
      touch();
      size += chunk.length;
      if (size > maxBytes) throw new UpdateError(`${url}: more than ${maxBytes} bytes, over the limit`);
      chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch (err) {
    if (err instanceof UpdateError) throw err;
    throw new UpdateError(`${url}: ${(err as Error).message}`);
  } finally {
    done();
  }
}

interface Download {
  /** false when the server said the archive held is current (304). */
  changed: boolean;
  etag?: string;
  checksum: string;
  bytes: number;
  resumed: boolean;
}

/**
 * Downloads `url` to `dest` through `dest.part`, resuming a partial download, and verifies it
 * before renaming it into place. The previous `dest` stays until then.
 */
export async function downloadArchive(url: string, dest: string, options: { etag?: string; limits: UpdateLimits; idleMs: number; attempts: number; requireChecksum?: boolean; progress?: ProgressBar; log: (line: string) => void }): Promise<Download> {
  const part = `${dest}.part`;
  const metaFile = `${part}.json`;
  let meta = readJson<PartMeta>(metaFile);
  if (!meta || meta.url !== url || !existsSync(part)) {
    rmSync(part, { force: true });
    meta = undefined;
  }
  let resumed = false;
  let complete = false;
  let lastError = '';
  for (let attempt = 1; attempt <= options.attempts && !complete; attempt++) {
    const have = meta && existsSync(part) ? statSync(part).size : 0;
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    if (have > 0 && meta?.etag) {
      headers.range = `bytes=${have}-`;
      headers['if-range'] = meta.etag;
    } else if (options.etag && existsSync(dest)) headers['if-none-match'] = options.etag;
    const { response, touch, done } = await fetchWithIdle(url, { headers }, options.idleMs);
    try {
      if (response.status === 304) {
        await response.body?.cancel();
        return { changed: false, etag: options.etag, checksum: 'unchanged', bytes: statSync(dest).size, resumed: false };
      }
      if (response.status === 416) {
        // The part is not a prefix of what the server has now: start again.
        await response.body?.cancel();
        rmSync(part, { force: true });
        meta = undefined;
        lastError = 'the server refused the resume range';
        continue;
      }
      let offset = 0;
      if (response.status === 206 && have > 0) {
        const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
        if (!range || Number(range[1]) !== have) {
          await response.body?.cancel();
          rmSync(part, { force: true });
          meta = undefined;
          lastError = 'the server answered the resume with another range';
          continue;
        }
        offset = have;
        resumed = true;
        options.log(`${url}: resuming at byte ${have}`);
      } else if (response.status === 200) {
        meta = { url, etag: response.headers.get('etag') ?? undefined, md5: md5FromHeaders(response.headers) ?? contentMd5(response.headers) };
        writeJsonAtomic(metaFile, meta);
      } else {
        await response.body?.cancel();
        throw new UpdateError(`${url}: HTTP ${response.status}${response.status === 404 ? ' (no archive there: is the ecosystem name or --mirror right?)' : ''}`);
      }
      const length = response.headers.get('content-length');
      const total = length === null ? undefined : offset + Number(length);
      if (total !== undefined && total > options.limits.maxArchiveBytes) {
        await response.body?.cancel();
        throw new UpdateError(`${url}: ${total} bytes, over the limit of ${options.limits.maxArchiveBytes} (--max-archive-size)`);
      }
      const out = createWriteStream(part, { flags: offset > 0 ? 'a' : 'w' });
      let received = offset;
      try {
        for await (const chunk of response.body!) {
          touch();
          received += chunk.length;
          if (received > options.limits.maxArchiveBytes) throw new UpdateError(`${url}: more than ${options.limits.maxArchiveBytes} bytes, over the limit (--max-archive-size)`);
          if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
          options.progress?.update(received, total);
        }
        complete = total === undefined || received === total;
        if (!complete) lastError = `the connection closed after ${received} of ${total} bytes`;
      } catch (err) {
        if (err instanceof UpdateError) throw err;
        lastError = `the download broke off after ${received}${total ? ` of ${total}` : ''} bytes: ${((err as { cause?: Error }).cause ?? (err as Error)).message}`;
      } finally {
        await new Promise<void>((resolve) => out.end(resolve));
      }
      if (!complete) options.log(`${url}: ${lastError}${attempt < options.attempts ? '; resuming' : ''}`);
    } finally {
      done();
    }
  }
  if (!complete) throw new UpdateError(`${url}: ${lastError} (the part is kept in ${part}; run the update again to resume)`);

  // Verify before the archive replaces the one held.
  let checksum: string;
  if (meta?.md5) {
    const actual = await hashFile(part, 'md5');
    if (actual !== meta.md5) {
      rmSync(part, { force: true });
      rmSync(metaFile, { force: true });
      throw new UpdateError(`${url}: checksum mismatch: the server declared MD5 ${meta.md5}, the download has ${actual}; the download was discarded and the previous archive kept`);
    }
    checksum = 'md5 (x-goog-hash)';
  } else {
    const sidecar = await fetchText(`${url}.sha256`, 4096, options.idleMs);
    const expected = sidecar === undefined ? undefined : /\b([0-9a-fA-F]{64})\b/.exec(sidecar)?.[1]?.toLowerCase();
    if (sidecar !== undefined && !expected) throw new UpdateError(`${url}.sha256: no SHA-256 digest in it`);
    if (expected) {
      const actual = await hashFile(part, 'sha256');
      if (actual !== expected) {
        rmSync(part, { force: true });
        rmSync(metaFile, { force: true });
        throw new UpdateError(`${url}: checksum mismatch: ${path.basename(url)}.sha256 says ${expected}, the download has ${actual}; the download was discarded and the previous archive kept`);
      }
      checksum = `sha256 (${path.basename(url)}.sha256)`;
    } else if (options.requireChecksum) {
      rmSync(part, { force: true });
      rmSync(metaFile, { force: true });
      throw new UpdateError(`${url}: the server gives no checksum (no x-goog-hash MD5, no ${path.basename(url)}.sha256) and --require-checksum is set`);
    } else {
      checksum = 'none';
      options.log(`${url}: warning: no checksum available (no x-goog-hash MD5, no ${path.basename(url)}.sha256): the archive is used unverified (zip CRC-32s are still checked)`);
    }
  }
  const bytes = statSync(part).size;
  renameSync(part, dest);
  rmSync(metaFile, { force: true });
  return { changed: true, etag: meta?.etag, checksum, bytes, resumed };
}

/** Content-MD5 (RFC 1864, base64) of a full response, as hex. */
function contentMd5(headers: Headers): string | undefined {
  const value = headers.get('content-md5');
  return value && /^[A-Za-z0-9+/=]{22,24}$/.test(value) ? Buffer.from(value, 'base64').toString('hex') : undefined;
}

/** modified_id.csv lines newer than `since`, newest first; stops at the first line not newer. */
export function changedSince(csv: string, since: string | undefined): { ids: string[]; newest?: string; lines: number } {
  const ids: string[] = [];
  let newest: string | undefined;
  let lines = 0;
  for (const raw of csv.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const comma = line.indexOf(',');
    if (comma < 0) continue;
    const modified = line.slice(0, comma);
    const id = line.slice(comma + 1);
    if (Number.isNaN(Date.parse(modified))) continue; // a header line, if a mirror writes one
    lines++;
    if (!newest) newest = modified;
    if (since && Date.parse(modified) <= Date.parse(since)) break;
    ids.push(id);
  }
  return { ids, newest, lines };
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

async function updateEcosystem(ecosystem: string, root: string, options: UpdateOptions, limits: UpdateLimits, log: (line: string) => void): Promise<EcosystemOutcome> {
  const dir = ecosystemDir(root, ecosystem);
  mkdirSync(dir, { recursive: true });
  const stateFile = path.join(dir, 'state.json');
  const archive = path.join(dir, 'all.zip');
  const updates = path.join(dir, 'updates');
  const idleMs = options.idleTimeoutMs ?? 60_000;
  const now = (options.now ?? (() => new Date()))().toISOString();
  const base = options.baseUrl;
  const zipUrl = urlOf(base, ecosystem, 'all.zip');
  let state = readJson<EcosystemState>(stateFile);
  if (state && (state.url !== zipUrl || !existsSync(archive))) state = undefined;

  if (state && !options.full) {
    const csv = await fetchText(urlOf(base, ecosystem, 'modified_id.csv'), limits.maxCsvBytes, idleMs);
    if (csv !== undefined) {
      const { ids, newest } = changedSince(csv, state.highWater);
      if (ids.length === 0) {
        writeJsonAtomic(stateFile, { ...state, fetchedAt: now });
        return { ecosystem, mode: 'unchanged', message: `no record changed since ${state.highWater ?? state.fetchedAt}` };
      }
      if (ids.length <= limits.maxIncremental) {
        mkdirSync(updates, { recursive: true });
        const missing: string[] = [];
        const bar = options.progress?.(`${ecosystem} (${ids.length} changed)`, 'records');
        let done = 0;
        await mapLimit(ids, 8, async (id) => {
          if (!SAFE_ID.test(id)) throw new UpdateError(`${ecosystem}/modified_id.csv: "${id.slice(0, 80)}" is not an advisory id`);
          const text = await fetchText(urlOf(base, ecosystem, `${id}.json`), limits.maxRecordBytes, idleMs);
          bar?.update(++done, ids.length);
          if (text === undefined) {
            missing.push(id);
            return;
          }
          let record: OsvRecord;
          try {
            record = parseOsvJson(text);
          } catch (err) {
            throw new UpdateError(`${urlOf(base, ecosystem, `${id}.json`)}: ${(err as Error).message}`);
          }
          if (record.id !== id) throw new UpdateError(`${urlOf(base, ecosystem, `${id}.json`)}: holds advisory ${record.id}, not ${id}`);
          writeFileSync(path.join(updates, `${id}.json`), text);
        });
        bar?.stop();
        const incremental = readdirSync(updates).filter((f) => f.endsWith('.json')).length;
        writeJsonAtomic(stateFile, { ...state, fetchedAt: now, highWater: newest ?? state.highWater, incremental });
        return {
          ecosystem,
          mode: 'incremental',
          message: `${ids.length - missing.length} changed record(s) fetched${missing.length ? `; ${missing.length} listed in modified_id.csv but not served (skipped): ${missing.slice(0, 3).join(', ')}` : ''}`,
        };
      }
      log(`${ecosystem}: ${ids.length} records changed (more than ${limits.maxIncremental}): fetching the whole archive`);
    } else log(`${ecosystem}: no modified_id.csv at the mirror: checking the whole archive`);
  }

  const bar = options.progress?.(`${ecosystem}/all.zip`, 'bytes');
  let download: Download;
  try {
    download = await downloadArchive(zipUrl, archive, { etag: options.full ? undefined : state?.etag, limits, idleMs, attempts: options.attempts ?? 3, requireChecksum: options.requireChecksum, progress: bar, log });
  } finally {
    bar?.stop();
  }
  if (!download.changed) {
    writeJsonAtomic(stateFile, { ...state!, fetchedAt: now });
    return { ecosystem, mode: 'unchanged', message: 'the archive has not changed (HTTP 304)' };
  }
  // The archive's newest `modified` is where the next incremental update starts.
  let highWater: string | undefined;
  let records = 0;
  await readZipJsonEntries(
    archive,
    (_name, bytes) => {
      records++;
      const m = /"modified"\s*:\s*"([^"]+)"/.exec(bytes.toString('utf8'));
      if (m && (!highWater || Date.parse(m[1]) > Date.parse(highWater))) highWater = m[1];
    },
    limits.zip,
  );
  rmSync(updates, { recursive: true, force: true });
  writeJsonAtomic(stateFile, { ecosystem, url: zipUrl, etag: download.etag, fetchedAt: now, checksum: download.checksum, highWater, records, incremental: 0 } satisfies EcosystemState);
  return { ecosystem, mode: 'full', message: `${records} records, ${download.bytes} bytes${download.resumed ? ', resumed' : ''}, checksum ${download.checksum}` };
}

/** Builds the compact index from every ecosystem archive (and its incremental updates) in the cache. */
export async function buildIndex(cacheDir: string, limits: UpdateLimits = UPDATE_LIMITS, now = new Date()): Promise<{ file: string; info: DatabaseInfo; bytes: number; ms: number; problems: string[] }> {
  const started = performance.now();
  const root = osvCacheDir(cacheDir);
  const byId = new Map<string, OsvRecord>();
  const problems: string[] = [];
  const sources: SourceInfo[] = [];
  const keep = (record: OsvRecord): void => {
    const held = byId.get(record.id);
    if (!held || record.modified >= held.modified) byId.set(record.id, record);
  };
  const folders = existsSync(root) ? readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort() : [];
  for (const ecosystem of folders) {
    const dir = path.join(root, ecosystem);
    const state = readJson<EcosystemState>(path.join(dir, 'state.json'));
    const archive = path.join(dir, 'all.zip');
    if (!state || !existsSync(archive)) continue;
    let count = 0;
    try {
      await readZipJsonEntries(
        archive,
        (name, bytes) => {
          try {
            keep(parseOsvJson(bytes.toString('utf8')));
            count++;
          } catch (err) {
            problems.push(`${ecosystem}/all.zip ${name}: ${(err as Error).message}`);
          }
        },
        limits.zip,
      );
    } catch (err) {
      if (!(err instanceof ZipError)) throw err;
      // One unreadable archive leaves its ecosystem out of the index, not the others.
      problems.push(`${err.message}: ${ecosystem} left out of the index (run \`kshield db update --full\`)`);
      continue;
    }
    const updates = path.join(dir, 'updates');
    let incremental = 0;
    if (existsSync(updates)) {
      for (const file of readdirSync(updates).filter((f) => f.endsWith('.json')).sort()) {
        try {
          keep(parseOsvJson(readFileSync(path.join(updates, file), 'utf8')));
          incremental++;
        } catch (err) {
          problems.push(`${ecosystem}/updates/${file}: ${(err as Error).message}`);
        }
      }
    }
    sources.push({ ecosystem, url: state.url, fetchedAt: state.fetchedAt, checksum: state.checksum, records: count, incremental });
  }
  if (sources.length === 0) throw new UpdateError(`no ecosystem archive in ${root}: nothing to index`);
  // The database is as old as its least recently fetched ecosystem.
  const updatedAt = sources.map((s) => s.fetchedAt).sort()[0];
  const bytes = serializeIndex(byId.values(), { updatedAt, sources }, now.toISOString());
  const file = path.join(root, INDEX_FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file);
  const db = new IndexDatabase(file);
  const info = db.info;
  db.close();
  return { file, info, bytes: bytes.length, ms: performance.now() - started, problems };
}

/** Updates each ecosystem (one failing does not stop the others), then rebuilds the index. */
export async function updateDatabase(options: UpdateOptions): Promise<UpdateResult> {
  const limits = options.limits ?? UPDATE_LIMITS;
  const log = options.log ?? (() => {});
  const root = osvCacheDir(options.cacheDir);
  mkdirSync(root, { recursive: true });
  const outcomes: EcosystemOutcome[] = [];
  for (const ecosystem of options.ecosystems) {
    try {
      const outcome = await updateEcosystem(ecosystem, root, options, limits, log);
      outcomes.push(outcome);
      log(`${ecosystem}: ${outcome.mode}: ${outcome.message}`);
    } catch (err) {
      // Network, archive and file-system failures fail this ecosystem; anything else is a bug.
      if (!(err instanceof UpdateError || err instanceof ZipError || err instanceof OsvRecordError || typeof (err as NodeJS.ErrnoException).code === 'string')) throw err;
      outcomes.push({ ecosystem, mode: 'failed', message: (err as Error).message });
      log(`${ecosystem}: failed: ${(err as Error).message}`);
    }
  }
  const result: UpdateResult = { outcomes, problems: [] };
  try {
    const built = await buildIndex(options.cacheDir, limits, (options.now ?? (() => new Date()))());
    Object.assign(result, { index: built.info, indexBytes: built.bytes, indexFile: built.file, buildMs: built.ms, problems: built.problems });
  } catch (err) {
    if (!(err instanceof UpdateError)) throw err;
    result.problems.push(err.message);
  }
  return result;
}
