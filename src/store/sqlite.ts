/**
 * The embedded store: one SQLite file through better-sqlite3, in WAL mode (readers never wait for
 * the writer; other processes may read the file while `kshield serve` writes). better-sqlite3 is
 * synchronous, so every operation holds the connection alone (a queue) from start to end: a query
 * arriving while a scan is being imported waits, and never sees half of it.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { FINDING_COLUMNS, findingValues, type FacetRow, type FindingRow } from './import.js';
import { SEARCH_ROWID_SCAN } from './migrations.js';
import { SqlStore, type Executor, type Row } from './sql-store.js';
import { StoreError, type StoreOptions } from './types.js';

export class SqliteStore extends SqlStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly executor: Executor;

  private constructor(
    private readonly file: string,
    options: StoreOptions,
  ) {
    super(options);
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    try {
      this.db = new Database(file);
    } catch (e) {
      throw new StoreError(`cannot open the SQLite database ${file}: ${(e as Error).message}`);
    }
    // 16 KiB pages (set before the file's first write, else ignored): a finding row (~600 bytes) is
    // under a twentieth of a page, which the findings table (clustered by scan and position, WITHOUT
    // ROWID, so a scan's findings are read in one pass) needs to stay compact.
    this.db.pragma('page_size = 16384');
    this.db.pragma('journal_mode = WAL');
    // WAL makes NORMAL durable against application crashes; a power cut may lose the last import, never corrupt the file.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    // 64 MiB of page cache (the default 2 MiB makes every index insert of a large import a read), sorts in memory.
    this.db.pragma('cache_size = -65536');
    this.db.pragma('temp_store = MEMORY');
    const stmt = (sql: string): Database.Statement => {
      let s = this.statements.get(sql);
      if (!s) {
        s = this.db.prepare(sql);
        if (this.statements.size < 500) this.statements.set(sql, s);
      }
      return s;
    };
    this.executor = {
      all: async (sql, params = []) => stmt(sql).all(...params) as Row[],
      run: async (sql, params = []) => {
        const s = stmt(sql);
        if (s.reader) {
          s.all(...params);
          return 0;
        }
        return s.run(...params).changes;
      },
      insertFindings: async (scanId: number, rows: readonly FindingRow[]) => {
        // One prepared statement run per row (measured faster here than many rows a statement), then
        // the text index: one B-tree at a time keeps each one's pages in the cache.
        const insert = stmt(`INSERT INTO findings (${FINDING_COLUMNS.join(', ')}) VALUES (${FINDING_COLUMNS.map(() => '?').join(', ')})`);
        for (const r of rows) insert.run(findingValues(scanId, r));
        const text = stmt('INSERT INTO findings_text (rowid, search) VALUES (?, ?)');
        const base = scanId * SEARCH_ROWID_SCAN;
        for (const r of rows) text.run(base + r.seq, r.search);
      },
      insertCounts: async (scanId: number, rows: readonly FacetRow[]) => {
        const s = stmt('INSERT INTO scan_counts (scan_id, facet, key, severity, n) VALUES (?, ?, ?, ?, ?)');
        for (const r of rows) s.run(scanId, r.facet, r.key, r.severity, r.n);
      },
      insertFingerprints: async (scanId: number, fingerprints: readonly string[]) => {
        const s = stmt('INSERT INTO scan_fingerprints (scan_id, fingerprint) VALUES (?, ?)');
        for (const f of fingerprints) s.run(scanId, f);
      },
    };
  }

  /** Opens (creating when missing) and migrates the database file. */
  static async open(file: string, options: StoreOptions = {}): Promise<SqliteStore> {
    const store = new SqliteStore(file, options);
    try {
      await store.migrate();
    } catch (e) {
      store.db.close();
      throw e;
    }
    return store;
  }

  protected where(): string {
    return this.file;
  }

  protected async analyze(): Promise<void> {
    // A sample of each index (analysis_limit), not a pass over millions of rows.
    await this.exclusive(async () => {
      this.db.pragma('analysis_limit = 1000');
      this.db.exec('ANALYZE');
    });
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StoreError('the store is closed'));
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  protected read<T>(fn: (db: Executor) => Promise<T>): Promise<T> {
    return this.exclusive(() => fn(this.executor));
  }

  protected write<T>(fn: (db: Executor) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      // IMMEDIATE: take the write lock now, so another process's writer makes this wait (busy_timeout), not fail midway.
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.executor);
        this.db.exec('COMMIT');
        return result;
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw e;
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    this.statements.clear();
    this.db.close();
  }
}
