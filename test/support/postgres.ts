/**
 * A real PostgreSQL server for tests and benchmarks: Debian's binaries (/usr/lib/postgresql/15/bin,
 * or KSHIELD_PG_BIN), a new cluster made by initdb in a temporary directory, listening on 127.0.0.1
 * on a free port only (its Unix socket stays in that directory), password authentication (SCRAM)
 * for the `postgres` superuser. PostgreSQL refuses to run as root, and the tests run as root: then
 * initdb and postgres run as the `postgres` user (the directory is chowned to it); as any other user
 * they run as that user. Without the binaries a suite skips with a loud banner, and fails under
 * KSHIELD_INTEGRATION=required (as test/support/browser.ts does for Chromium).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { makeTestPki, type TestPki } from './certs.js';
import { freePort } from './ports.js';
import { skipLoudly } from './skip.js';

export const PG_BIN = process.env.KSHIELD_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** Why PostgreSQL cannot run here, or undefined when it can. */
export function postgresMissing(): string | undefined {
  for (const tool of ['initdb', 'postgres']) if (!existsSync(path.join(PG_BIN, tool))) return `no ${tool} in ${PG_BIN} (apt-get install postgresql, or set KSHIELD_PG_BIN)`;
  if (process.getuid?.() === 0 && runAs() === undefined) return 'running as root and there is no `postgres` user to run the server as';
  return undefined;
}

/** The reason to skip `what` (false: run it), with the loud banner; never skips under KSHIELD_INTEGRATION=required. */
export function skipUnlessPostgres(what: string): { skip: string | false; missing: string | undefined } {
  return skipLoudly(what, postgresMissing());
}

/** uid/gid of the `postgres` user when running as root (PostgreSQL refuses root); undefined otherwise. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

export interface StartPostgresOptions {
  /** Serve TLS with a throwaway CA's certificate for 127.0.0.1 (its CA in `pki`). */
  tls?: boolean;
  /**
   * Keep PostgreSQL's durability (fsync, synchronous commit) as a real deployment has it; the
   * default turns them off, which tests do not need and which costs seconds on this machine.
   */
  durable?: boolean;
}

export interface TestPostgres {
  host: string;
  port: number;
  /** The superuser's password (SCRAM over TCP). */
  password: string;
  /** Set with `tls`: the CA that signed the server's certificate. */
  pki?: TestPki;
  /** A postgres:// URL for a database (default `postgres`), with `query` appended (e.g. `sslmode=verify-full&sslrootcert=...`). */
  url(database?: string, query?: string): string;
  /** Creates a new empty database and gives its URL. */
  createDatabase(name?: string): Promise<string>;
  /** The server's log so far (for failure messages). */
  log(): string;
  /** Fast shutdown, then the temporary directory removed. */
  stop(): Promise<void>;
}

/** initdb + postgres in a new temporary directory; resolves once the server accepts connections. */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<TestPostgres> {
  const missing = postgresMissing();
  if (missing) throw new Error(missing);
  const owner = runAs();
  // The postgres user must reach its directory: a root-only TMPDIR would not let it, /tmp does.
  const base = owner && (statSync(os.tmpdir()).mode & 0o001) === 0 ? '/tmp' : os.tmpdir();
  const dir = mkdtempSync(path.join(base, 'kshield-pg-'));
  const data = path.join(dir, 'data');
  const socketDir = path.join(dir, 'socket');
  mkdirSync(socketDir);
  const password = randomBytes(12).toString('hex');
  const pwfile = path.join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  const chown = (p: string): void => {
    if (owner) chownSync(p, owner.uid, owner.gid);
  };
  for (const p of [dir, socketDir, pwfile]) chown(p);
  const spawnOptions = { ...(owner ? { uid: owner.uid, gid: owner.gid } : {}), cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C' } };
  try {
    // C locale and UTF-8: no system locale needed, and text sorts by code point (as the store's columns do anyway).
    execFileSync(path.join(PG_BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`, '--locale=C', '-E', 'UTF8', '--no-sync'], {
      ...spawnOptions,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${String((e as { stderr?: Buffer }).stderr ?? (e as Error).message)}`);
  }
  let pki: TestPki | undefined;
  const settings = ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${socketDir}`, '-c', 'max_connections=60', '-c', 'shared_buffers=128MB'];
  if (!options.durable) settings.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  if (options.tls) {
    pki = makeTestPki();
    const cert = path.join(dir, 'server.crt');
    const key = path.join(dir, 'server.key');
    writeFileSync(cert, pki.serverCertPem);
    writeFileSync(key, pki.serverKeyPem);
    // PostgreSQL refuses a key others may read.
    chmodSync(key, 0o600);
    chown(cert);
    chown(key);
    settings.push('-c', 'ssl=on', '-c', `ssl_cert_file=${cert}`, '-c', `ssl_key_file=${key}`);
  }
  const port = await freePort();
  let log = '';
  const child: ChildProcess = spawn(path.join(PG_BIN, 'postgres'), ['-D', data, '-p', String(port), ...settings], { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => (running = false));

  const url = (database = 'postgres', query?: string): string => `postgres://postgres:${password}@127.0.0.1:${port}/${database}${query ? `?${query}` : ''}`;
  const stop = async (): Promise<void> => {
    if (running) {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!running) {
      await stop();
      throw new Error(`postgres exited before accepting connections:\n${log}`);
    }
    const client = new pg.Client({ connectionString: url(), connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      break;
    } catch (e) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`postgres did not accept connections within 60 s (${(e as Error).message}):\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  let databases = 0;
  return {
    host: '127.0.0.1',
    port,
    password,
    ...(pki ? { pki } : {}),
    url,
    async createDatabase(name = `kshield_test_${++databases}_${randomBytes(3).toString('hex')}`) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name ${name} is not a plain identifier`);
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    log: () => log,
    stop,
  };
}
