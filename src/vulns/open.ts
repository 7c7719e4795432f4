/** Which vulnerability database a command uses: a --db folder (or index), else the cache `kshield db update` fills. */
import { statSync } from 'node:fs';
import path from 'node:path';
import { INDEX_FILE, IndexDatabase, openDatabase, DatabaseError, type AdvisoryDatabase } from './db.js';
import { defaultCacheDir, osvCacheDir } from './update.js';

export interface DatabaseLocation {
  /** A folder of OSV JSON files, or a copy of the cache holding the index. */
  db?: string;
  /** The cache `kshield db update` fills (default $XDG_CACHE_HOME/kshield). */
  cacheDir?: string;
}

/** The cache's index file. */
export function cachedIndex(where: DatabaseLocation): string {
  return path.join(osvCacheDir(where.cacheDir ?? defaultCacheDir()), INDEX_FILE);
}

/** Whether `where` names a database, or the cache holds one. */
export function databaseAvailable(where: DatabaseLocation): boolean {
  if (where.db) return true;
  try {
    return statSync(cachedIndex(where)).isFile();
  } catch {
    return false;
  }
}

/** Opens the database; a DatabaseError says what is missing or wrong. */
export function openAdvisoryDatabase(where: DatabaseLocation): AdvisoryDatabase {
  if (where.db) return openDatabase(where.db);
  const index = cachedIndex(where);
  if (!databaseAvailable(where)) throw new DatabaseError(`no vulnerability database in ${path.dirname(index)}: run \`kshield db update\` (or give --db DIR, a folder of OSV JSON files)`);
  return new IndexDatabase(index);
}
