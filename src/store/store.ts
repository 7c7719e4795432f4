/**
 * Where `kshield serve` keeps its scans: `openStore(target)` picks the implementation from the
 * target: `postgres://…` / `postgresql://…` is PostgreSQL (a fleet's scanners reporting into one
 * dashboard), anything else a SQLite file (`sqlite:PATH` or a plain path; the embedded default,
 * zero set-up). Both migrate the schema on open and behave the same (one test suite runs on both).
 */
import { SqliteStore } from './sqlite.js';
import { StoreError, type Store, type StoreOptions } from './types.js';

export * from './types.js';
export { objectLabelsOf, SCORE_FORMULA, DEFAULT_MAX_IMPORT_BYTES, DEFAULT_MAX_FINDINGS } from './import.js';
export { SCHEMA_VERSION } from './migrations.js';

/** Which store a target names, and its path or URL. */
export function parseStoreTarget(target: string): { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string } {
  if (typeof target !== 'string' || target.trim() === '') throw new StoreError('the database must be a file path, sqlite:PATH or postgres://…');
  if (/^postgres(ql)?:\/\//i.test(target)) return { kind: 'postgres', url: target };
  if (/^sqlite:/i.test(target)) {
    const file = target.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (file === '') throw new StoreError('sqlite: needs a path (sqlite:/var/lib/kshield/kshield.db)');
    return { kind: 'sqlite', file };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) throw new StoreError(`unsupported database URL ${JSON.stringify(target.replace(/\/\/[^@/]*@/, '//…@'))}: use a file path, sqlite:PATH or postgres://…`);
  return { kind: 'sqlite', file: target };
}

/** Opens (and migrates) the store a target names. */
export async function openStore(target: string, options: StoreOptions = {}): Promise<Store> {
  const parsed = parseStoreTarget(target);
  if (parsed.kind === 'sqlite') return SqliteStore.open(parsed.file, options);
  // Loaded only when asked for: the SQLite default never loads pg.
  const { PostgresStore } = await import('./postgres.js');
  return PostgresStore.open(parsed.url, options);
}
