/**
 * The fleet store: PostgreSQL through `pg`'s pool. TLS is what the URL asks for (pg reads
 * `sslmode`, `sslrootcert`, `sslcert`, `sslkey`: `?sslmode=verify-full&sslrootcert=/etc/ca.pem`).
 * Reads go to any pooled connection; a write holds one connection for its transaction. Migrations
 * take an advisory lock inside their transaction, so many `kshield serve` replicas starting at once
 * migrate once. Findings go in by `unnest` of one array per column, thousands of rows a statement.
 */
import pg from 'pg';
import { FINDING_COLUMNS, FINDING_COLUMN_TYPES, findingValues, type FacetRow, type FindingRow } from './import.js';
import { POSTGRES_TEXT_INDEX } from './migrations.js';
import { SqlStore, type Executor, type Row } from './sql-store.js';
import { StoreError, type StoreOptions } from './types.js';

/** pg_advisory_xact_lock key of the migrations ("kshield" in ASCII). */
const MIGRATION_LOCK = 0x6b736869656c64;
const BATCH = 5000;
const INT8_OID = 20;

/** `?` placeholders numbered `$1…` (the shared queries hold no `?` inside string literals but this skips them anyway). */
const numbered = new Map<string, string>();
function toPositional(sql: string): string {
  let out = numbered.get(sql);
  if (out !== undefined) return out;
  let n = 0;
  let inString = false;
  out = '';
  for (const c of sql) {
    if (c === "'") inString = !inString;
    out += c === '?' && !inString ? `$${++n}` : c;
  }
  if (numbered.size < 1000) numbered.set(sql, out);
  return out;
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  // Not through URL (which would percent-encode the ellipsis): the user info's password part only.
  return url.replace(/^([a-z]+:\/\/[^:@/]*):[^@/]*@/i, '$1:…@');
}

type Queryable = Pick<pg.PoolClient, 'query'>;

function executor(q: Queryable): Executor {
  return {
    all: async (sql, params = []) => (await q.query(toPositional(sql), params as unknown[])).rows as Row[],
    run: async (sql, params = []) => (await q.query(toPositional(sql), params as unknown[])).rowCount ?? 0,
    insertFindings: async (scanId: number, rows: readonly FindingRow[]) => {
      const sql = `INSERT INTO findings (${FINDING_COLUMNS.join(', ')}) SELECT * FROM unnest(${FINDING_COLUMN_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`;
      for (let start = 0; start < rows.length; start += BATCH) {
        const columns: unknown[][] = FINDING_COLUMNS.map(() => []);
        for (const r of rows.slice(start, start + BATCH)) {
          const values = findingValues(scanId, r);
          for (let c = 0; c < values.length; c++) columns[c].push(values[c]);
        }
        await q.query(sql, columns);
      }
    },
    insertCounts: async (scanId: number, rows: readonly FacetRow[]) => {
      const sql = 'INSERT INTO scan_counts (scan_id, facet, key, severity, n) SELECT $1::bigint, * FROM unnest($2::text[], $3::text[], $4::text[], $5::integer[])';
      for (let start = 0; start < rows.length; start += BATCH) {
        const slice = rows.slice(start, start + BATCH);
        await q.query(sql, [scanId, slice.map((r) => r.facet), slice.map((r) => r.key), slice.map((r) => r.severity), slice.map((r) => r.n)]);
      }
    },
    insertFingerprints: async (scanId: number, fingerprints: readonly string[]) => {
      for (let start = 0; start < fingerprints.length; start += BATCH * 4) {
        await q.query('INSERT INTO scan_fingerprints (scan_id, fingerprint) SELECT $1::bigint, * FROM unnest($2::text[])', [scanId, fingerprints.slice(start, start + BATCH * 4)]);
      }
    },
  };
}

export class PostgresStore extends SqlStore {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly reader: Executor;

  private constructor(
    private readonly url: string,
    options: StoreOptions,
  ) {
    super(options);
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 10_000,
      // COUNT(*) and BIGINT ids come back as numbers, as SQLite gives them (they stay far below 2^53).
      types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser },
    });
    // An idle connection the server drops must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
    this.reader = executor(this.pool);
  }

  static async open(url: string, options: StoreOptions = {}): Promise<PostgresStore> {
    const store = new PostgresStore(url, options);
    try {
      await store.migrate();
      await store.ensureTextIndex();
    } catch (e) {
      await store.pool.end().catch(() => undefined);
      if (e instanceof StoreError) throw e;
      throw new StoreError(`cannot open the PostgreSQL database ${redactUrl(url)}: ${(e as Error).message}`);
    }
    return store;
  }

  protected where(): string {
    return redactUrl(this.url);
  }

  /** Whether text search has pg_trgm's index (false: it reads every finding of the scan). */
  textIndexed = false;

  /**
   * Text search's trigram index, which migration 5 creates when it can: where pg_trgm could not be
   * created then, each opening tries again (a database owner may have added the extension since)
   * and, failing, says so once: search still works, by reading every finding of the scan.
   */
  private async ensureTextIndex(): Promise<void> {
    const present = async (db: Executor): Promise<boolean> => (await db.all("SELECT 1 AS x FROM pg_indexes WHERE tablename = 'findings' AND indexname = 'findings_search_trgm' AND schemaname = current_schema()")).length > 0;
    if (await present(this.reader)) {
      this.textIndexed = true;
      return;
    }
    this.textIndexed = await this.write(async (db) => {
      await this.lockForMigration(db);
      await db.run(POSTGRES_TEXT_INDEX);
      return present(db);
    });
    if (!this.textIndexed) {
      this.options.log?.(
        `text search reads every finding of a scan: the pg_trgm extension is not installed in ${redactUrl(this.url)} and this user cannot create it (CREATE EXTENSION pg_trgm; as the database owner on PostgreSQL 13+, or a superuser, adds it: the next start builds the index)`,
      );
    }
  }

  protected override async lockForMigration(db: Executor): Promise<void> {
    await db.all('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK]);
  }

  protected async analyze(): Promise<void> {
    // PostgreSQL samples (30,000 rows at the default statistics target); autovacuum would, later.
    await this.pool.query('ANALYZE findings, scan_fingerprints, scan_counts');
  }

  protected read<T>(fn: (db: Executor) => Promise<T>): Promise<T> {
    return fn(this.reader);
  }

  protected async write<T>(fn: (db: Executor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(executor(client));
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
