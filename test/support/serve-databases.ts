/**
 * A throw-away PostgreSQL server for the dashboard tests: Debian's postgresql 15 binaries, started
 * as the `postgres` user (postgres refuses root, and the tests run as root) in a temporary directory
 * it owns, listening on 127.0.0.1 on a free port, trust authentication on loopback only.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';

const BIN = process.env.KSHIELD_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** Why PostgreSQL cannot start here, or undefined. */
export function postgresMissing(): string | undefined {
  if (!existsSync(path.join(BIN, 'initdb'))) return `no PostgreSQL server binaries in ${BIN} (apt-get install postgresql)`;
  if (spawnSync('id', ['postgres']).status !== 0) return 'no postgres user';
  return undefined;
}

function asPostgres(args: string[]): void {
  const isRoot = process.getuid?.() === 0;
  const r = isRoot ? spawnSync('runuser', ['-u', 'postgres', '--', ...args], { encoding: 'utf8' }) : spawnSync(args[0], args.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr || r.stdout}`);
}

/** Starts a server; `url` names a database in it; `stop` stops it and removes its files. */
export async function postgresDatabases(): Promise<{ url: string; stop: () => Promise<void> }> {
  const missing = postgresMissing();
  if (missing) throw new Error(missing);
  const dir = mkdtempSync(path.join(tmpdir(), 'kshield-pg-'));
  chmodSync(dir, 0o777);
  if (process.getuid?.() === 0) spawnSync('chown', ['postgres:postgres', dir]);
  const data = path.join(dir, 'data');
  const port = await freePort();
  asPostgres([path.join(BIN, 'initdb'), '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  asPostgres([path.join(BIN, 'pg_ctl'), '-D', data, '-l', path.join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  asPostgres([path.join(BIN, 'createdb'), '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'kshield']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/kshield`,
    stop: async () => {
      try {
        asPostgres([path.join(BIN, 'pg_ctl'), '-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
