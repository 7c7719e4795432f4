/**
 * `kshield serve`: the dashboard. Opens the store (SQLite by default, PostgreSQL for a fleet),
 * imports `--import` files, scans the cluster every `--interval` when asked, and serves the pages and
 * the API behind a bearer token (generated and printed, or `--token-file`) or OIDC tokens.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { UsageError, EXIT } from '../core/errors.js';
import { sanitize } from '../core/text.js';
import { parseSize } from '../config/config-file.js';
import { parseDuration } from './duration.js';
import { openStore, parseStoreTarget, StoreError, DEFAULT_TEAM_LABELS, type Store } from '../store/store.js';
import { Authenticator, generateToken } from '../serve/auth.js';
import { OidcVerifier } from '../serve/oidc.js';
import { DashboardServer } from '../serve/http.js';
import { apiRoutes, importFromBody, sourceOfFile } from '../serve/api.js';
import { dashboardAssets } from '../serve/ui/assets.js';
import { PeriodicScanner } from '../serve/scheduler.js';
import { readTokenFile, PushError } from '../serve/push.js';

export interface ServeFlags {
  listen: string;
  tokenFile?: string;
  oidcIssuer?: string;
  oidcAudience?: string;
  tlsCert?: string;
  tlsKey?: string;
  database?: string;
  import: string[];
  interval?: string;
  kubeconfig?: string;
  context?: string;
  clusterName?: string;
  teamLabel: string[];
  maxImportSize: string;
}

/**
 * Where the SQLite database lives unless --database says: the XDG data directory
 * ($XDG_DATA_HOME/kshield/kshield.db, else ~/.local/share/kshield/kshield.db), so the history is the
 * same whichever directory the dashboard is started from.
 */
export function defaultDatabase(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : path.join(homedir(), '.local/share');
  return path.join(base, 'kshield', 'kshield.db');
}

/** "127.0.0.1:8080", "0.0.0.0:8080", "[::1]:8080", ":8080" (all addresses), "8080" (loopback). */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):)?(\d{1,5})$/.exec(value.trim());
  if (!m || Number(m[2]) > 65535) throw new UsageError(`--listen "${value}": expected ADDRESS:PORT (127.0.0.1:8080, [::1]:8080, 0.0.0.0:8080) or PORT`);
  const host = m[1] === undefined ? '127.0.0.1' : m[1] === '' ? '0.0.0.0' : m[1].replace(/^\[|\]$/g, '');
  return { host, port: Number(m[2]) };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function readFlagFile(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UsageError(`${flag} ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

export async function runServe(flags: ServeFlags): Promise<number> {
  const { host, port } = parseListen(flags.listen);
  if (Boolean(flags.tlsCert) !== Boolean(flags.tlsKey)) throw new UsageError('--tls-cert and --tls-key go together: the certificate (PEM) and its private key');
  if (flags.oidcAudience && !flags.oidcIssuer) throw new UsageError('--oidc-audience goes with --oidc-issuer');
  if (flags.oidcIssuer && !flags.oidcAudience) throw new UsageError('--oidc-issuer needs --oidc-audience: the client id (aud) the issuer puts in tokens for this dashboard');
  if (!flags.interval && (flags.kubeconfig || flags.context)) throw new UsageError('--kubeconfig and --context choose the cluster --interval scans; give --interval too');
  let maxImportBytes: number;
  try {
    maxImportBytes = parseSize(flags.maxImportSize);
  } catch (error) {
    throw new UsageError(`--max-import-size: ${(error as Error).message}`);
  }
  const intervalMs = flags.interval ? parseDuration(flags.interval, '--interval', { minMs: 10_000, maxMs: 7 * 24 * 3_600_000 }) : undefined;
  for (const file of flags.import) if (!existsSync(file)) throw new UsageError(`--import ${file}: no such file`);
  const tls = flags.tlsCert ? { cert: readFlagFile(flags.tlsCert, '--tls-cert'), key: readFlagFile(flags.tlsKey!, '--tls-key') } : undefined;

  let tokens: string[];
  let generated = false;
  try {
    tokens = flags.tokenFile ? [readTokenFile(flags.tokenFile, '--token-file')] : flags.oidcIssuer ? [] : [generateToken()];
    generated = !flags.tokenFile && !flags.oidcIssuer;
  } catch (error) {
    if (error instanceof PushError) throw new UsageError(error.message);
    throw error;
  }
  let oidc: OidcVerifier | undefined;
  if (flags.oidcIssuer) {
    try {
      oidc = new OidcVerifier({ issuer: flags.oidcIssuer, audience: flags.oidcAudience! });
      await oidc.start();
    } catch (error) {
      throw new UsageError(`--oidc-issuer: ${(error as Error).message}`);
    }
  }

  // KSHIELD_DATABASE: how a PostgreSQL URL with its password reaches the dashboard from a Secret, not its command line.
  const database = flags.database ?? (process.env.KSHIELD_DATABASE || undefined) ?? defaultDatabase();
  let store: Store;
  try {
    const target = parseStoreTarget(database);
    if (target.kind === 'sqlite') mkdirSync(path.dirname(path.resolve(target.file)), { recursive: true, mode: 0o700 });
    store = await openStore(database, { teamLabels: flags.teamLabel.length > 0 ? flags.teamLabel : DEFAULT_TEAM_LABELS, maxImportBytes, log: (line) => void process.stderr.write(`kshield serve: ${sanitize(line)}\n`) });
  } catch (error) {
    if (error instanceof StoreError) throw new UsageError(`--database: ${error.message}`);
    throw new UsageError(`--database: cannot open ${database.startsWith('postgres') ? 'the PostgreSQL database' : database}: ${(error as Error).message}`);
  }
  const log = (line: string): void => void process.stderr.write(`kshield serve: ${sanitize(line)}\n`);

  let failed = 0;
  for (const file of flags.import) {
    try {
      const text = readFileSync(file);
      if (text.length > maxImportBytes) throw new Error(`larger than --max-import-size (${maxImportBytes} bytes)`);
      const parsed = importFromBody(JSON.parse(text.toString('utf8')), null, sourceOfFile(file));
      const record = await store.importScan(parsed);
      log(`imported ${file}: scan ${record.id} of ${record.source}, ${record.total} findings`);
    } catch (error) {
      failed++;
      process.stderr.write(`${file}: error: ${sanitize((error as Error).message)}\n`);
    }
  }

  let scanner: PeriodicScanner | undefined;
  if (intervalMs) {
    const { scanClusterOnce } = await import('./cluster.js');
    const source = flags.clusterName ?? flags.context ?? 'cluster';
    const teamLabelKeys = flags.teamLabel.length > 0 ? flags.teamLabel : DEFAULT_TEAM_LABELS;
    scanner = new PeriodicScanner(
      intervalMs,
      async () => {
        const labels = { keys: teamLabelKeys, into: [] as { kind: string; name: string; labels: Record<string, string> }[] };
        const result = await scanClusterOnce({ kubeconfig: flags.kubeconfig, context: flags.context, namespace: [], excludeNamespace: [], output: [], only: [], skip: [], color: false, inlineSuppressions: true }, labels);
        const { toJsonReport } = await import('../report/json.js');
        const record = await store.importScan({ source: flags.clusterName ?? result.cluster?.context ?? source, command: 'cluster', result: toJsonReport(result), objectLabels: labels.into });
        return record.id;
      },
      log,
      source,
    );
  }

  const server = new DashboardServer({
    host,
    port,
    tls,
    auth: new Authenticator(tokens, oidc),
    assets: dashboardAssets(),
    routes: apiRoutes({ store, maxImportBytes, scanner, log }),
    log,
    ready: () => store.listScans({ limit: 1 }),
  });
  let address: { url: string; port: number };
  try {
    address = await server.listen();
  } catch (error) {
    await store.close();
    throw new UsageError(`--listen ${flags.listen}: ${(error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'the port is in use' : (error as Error).message}`);
  }
  const shownDb = store.kind === 'postgres' ? 'PostgreSQL' : `SQLite ${parseStoreTarget(database).kind === 'sqlite' ? (parseStoreTarget(database) as { file: string }).file : ''}`;
  process.stdout.write(`kshield serve: listening on ${address.url} (database: ${shownDb})\n`);
  if (generated) {
    // The generated token is printed once, to standard output only: whoever started the dashboard logs in with it.
    process.stdout.write(`kshield serve: token: ${tokens[0]}\n`);
    process.stdout.write(`kshield serve: open ${address.url}/#token=${tokens[0]}\n`);
  }
  if (!tls && !isLoopback(host)) log(`warning: serving plain HTTP on ${host}: tokens cross the network unencrypted; give --tls-cert/--tls-key, or terminate TLS in front of it`);
  scanner?.start();

  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  log('stopping');
  await scanner?.stop();
  await server.close();
  await store.close();
  return failed > 0 ? EXIT.usage : EXIT.clean;
}
