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
import { jsonSyntaxError } from '../compliance/input.js';
import { parseSize } from '../config/config-file.js';
import { parseDuration } from './duration.js';
import { openStore, parseStoreTarget, StoreError, DEFAULT_TEAM_LABELS, type Store } from '../store/store.js';
import { Authenticator, generateToken } from '../serve/auth.js';
import { OidcVerifier } from '../serve/oidc.js';
import { OidcSignIn } from '../serve/signin.js';
import { DashboardServer } from '../serve/http.js';
import { apiRoutes, importFromBody, sourceOfFile } from '../serve/api.js';
import { looksLikeRespondLog } from '../store/runtime.js';
import { dashboardAssets } from '../serve/ui/assets.js';
import { PeriodicScanner } from '../serve/scheduler.js';
import { readTokenFile, PushError } from '../serve/push.js';

export interface ServeFlags {
  listen: string;
  tokenFile?: string;
  oidcIssuer?: string;
  oidcAudience?: string;
  oidcClientId?: string;
  oidcClientSecretFile?: string;
  oidcTimeout?: string;
  publicUrl?: string;
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

/** --public-url: an origin (http or https, no path, query or credentials): pages and API are served from its root. */
function parsePublicUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--public-url "${value}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`--public-url ${value}: only http:// and https:// are supported`);
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw new UsageError(`--public-url ${value}: give the origin only (https://HOST[:PORT]); the dashboard is served from its root`);
  }
  return url.origin;
}

export async function runServe(flags: ServeFlags): Promise<number> {
  const { host, port } = parseListen(flags.listen);
  if (Boolean(flags.tlsCert) !== Boolean(flags.tlsKey)) throw new UsageError('--tls-cert and --tls-key go together: the certificate (PEM) and its private key');
  if (flags.oidcAudience && !flags.oidcIssuer) throw new UsageError('--oidc-audience goes with --oidc-issuer');
  if (flags.oidcClientId && !flags.oidcIssuer) throw new UsageError('--oidc-client-id goes with --oidc-issuer: the issuer browsers sign in at');
  if (flags.oidcClientSecretFile && !flags.oidcClientId) throw new UsageError('--oidc-client-secret-file goes with --oidc-client-id');
  if (flags.publicUrl && !flags.oidcClientId) throw new UsageError('--public-url goes with --oidc-client-id: it makes the redirect URI of the browser sign-in');
  // The ID tokens a sign-in brings carry the client id as their audience (OIDC Core §2), so the two must agree.
  if (flags.oidcClientId && flags.oidcAudience && flags.oidcAudience !== flags.oidcClientId) {
    throw new UsageError(`--oidc-audience ${flags.oidcAudience} is not --oidc-client-id ${flags.oidcClientId}: ID tokens from the sign-in are issued for the client id; give one of them`);
  }
  const oidcAudience = flags.oidcAudience ?? flags.oidcClientId;
  if (flags.oidcIssuer && !oidcAudience) throw new UsageError('--oidc-issuer needs --oidc-audience (or --oidc-client-id): the client id (aud) the issuer puts in tokens for this dashboard');
  const publicUrl = flags.publicUrl ? parsePublicUrl(flags.publicUrl) : undefined;
  if (flags.oidcClientId && !publicUrl && (host === '0.0.0.0' || host === '::')) {
    throw new UsageError(`--oidc-client-id with --listen ${flags.listen} needs --public-url: the address browsers reach this dashboard at (the issuer sends them back to URL/auth/callback)`);
  }
  const oidcTimeoutMs = parseDuration(flags.oidcTimeout ?? '10s', '--oidc-timeout', { minMs: 100, maxMs: 120_000 });
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
      oidc = new OidcVerifier({ issuer: flags.oidcIssuer, audience: oidcAudience!, timeoutMs: oidcTimeoutMs });
      await oidc.start();
    } catch (error) {
      throw new UsageError(`--oidc-issuer: ${(error as Error).message}`);
    }
  }

  let clientSecret: string | undefined;
  if (flags.oidcClientSecretFile) {
    try {
      clientSecret = readTokenFile(flags.oidcClientSecretFile, '--oidc-client-secret-file');
    } catch (error) {
      if (error instanceof PushError) throw new UsageError(error.message);
      throw error;
    }
  }
  if (oidc && flags.oidcClientId) {
    // The sign-in's endpoints are read now too: an issuer without them is an error at start, not at the first sign-in.
    try {
      await oidc.endpoints();
    } catch (error) {
      throw new UsageError(`--oidc-client-id: ${(error as Error).message}`);
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
      // kshield respond's audit log (JSON lines): its alerts and actions, under --cluster-name or the file's name.
      if (looksLikeRespondLog(text.subarray(0, 300_000).toString('utf8'))) {
        const source = flags.clusterName ?? (path.basename(file).replace(/\.(jsonl|json|log|ndjson)$/i, '') || 'cluster');
        const result = await store.importRuntime({ source, lines: text });
        log(`imported ${file}: ${result.newAlerts} new alerts (${result.updatedAlerts} already stored), ${result.newActions} actions of ${result.source}; ${result.skipped} other lines left out`);
        continue;
      }
      const parsed = importFromBody(importedJson(text.toString('utf8')), null, sourceOfFile(file));
      const record = await store.importScan(parsed);
      log(`imported ${file}: scan ${record.id} of ${record.source}, ${record.total} findings${record.command === 'image' ? ` (${record.resources} image${record.resources === 1 ? '' : 's'})` : ''}`);
    } catch (error) {
      failed++;
      process.stderr.write(`${file}: error: ${sanitize((error as Error).message)}\n`);
    }
  }

  // Every framework version in frameworks/, judged per stored scan with the stored attestations.
  const { complianceProvider } = await import('../serve/compliance.js');
  const { provider: compliance, errors: frameworkErrors } = await complianceProvider();
  for (const e of frameworkErrors) log(`warning: ${e}`);

  let scanner: PeriodicScanner | undefined;
  if (intervalMs) {
    const { scanClusterOnce } = await import('./cluster.js');
    const source = flags.clusterName ?? flags.context ?? 'cluster';
    const teamLabelKeys = flags.teamLabel.length > 0 ? flags.teamLabel : DEFAULT_TEAM_LABELS;
    scanner = new PeriodicScanner(
      intervalMs,
      async () => {
        const labels = { keys: teamLabelKeys, into: [] as { kind: string; name: string; labels: Record<string, string> }[] };
        // The objects are kept for the RBAC graph and reachability map: the dashboard keeps no objects, only these.
        const result = await scanClusterOnce({ kubeconfig: flags.kubeconfig, context: flags.context, namespace: [], excludeNamespace: [], output: [], only: [], skip: [], color: false, inlineSuppressions: true }, labels, true);
        const { toJsonReport } = await import('../report/json.js');
        const { analysesOf } = await import('../serve/analyses.js');
        const analyses = analysesOf(result.resources, { kubernetesVersion: result.cluster?.version ?? undefined });
        const record = await store.importScan({ source: flags.clusterName ?? result.cluster?.context ?? source, command: 'cluster', result: toJsonReport(result), objectLabels: labels.into, analyses });
        return record.id;
      },
      log,
      source,
    );
  }

  // The redirect URI needs the port actually bound (--listen :0), so the sign-in is made once listening; no request arrives before.
  let signIn: OidcSignIn | undefined;
  const server = new DashboardServer({
    host,
    port,
    tls,
    auth: new Authenticator(tokens, oidc),
    signIn:
      oidc && flags.oidcClientId
        ? { config: () => signIn!.config(), start: (body) => signIn!.start(body), callback: (query) => signIn!.callback(query), redeem: (body) => signIn!.redeem(body) }
        : undefined,
    assets: dashboardAssets(),
    routes: apiRoutes({ store, maxImportBytes, scanner, log, compliance }),
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
  if (oidc && flags.oidcClientId) {
    const redirectUri = `${publicUrl ?? address.url}/auth/callback`;
    signIn = new OidcSignIn({ verifier: oidc, clientId: flags.oidcClientId, clientSecret, redirectUri, log });
  }
  const shownDb = store.kind === 'postgres' ? 'PostgreSQL' : `SQLite ${parseStoreTarget(database).kind === 'sqlite' ? (parseStoreTarget(database) as { file: string }).file : ''}`;
  process.stdout.write(`kshield serve: listening on ${address.url} (database: ${shownDb})\n`);
  if (signIn) process.stdout.write(`kshield serve: OIDC sign-in through ${oidc!.issuer} as client ${flags.oidcClientId}; redirect URI: ${publicUrl ?? address.url}/auth/callback\n`);
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

/**
 * An --import file's JSON, checked as a file (not as a request body): a syntax error names its line,
 * and kshield's other JSON files say what they are, since only scan and cluster results are stored.
 */
function importedJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(jsonSyntaxError(text, error));
  }
  const notResult = (what: string): Error => new Error(`${what}, not a kshield scan or cluster JSON result: write one with kshield scan|cluster -o json`);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw notResult(`the JSON is ${Array.isArray(value) ? 'a list' : value === null ? 'null' : `a ${typeof value}`}`);
  const doc = value as Record<string, unknown>;
  if (doc.kind === 'kshield-attestations') throw notResult('a kshield attestations file');
  if ('kshieldVersion' in doc && 'framework' in doc && 'controls' in doc) throw notResult(`the JSON of kshield report (a compliance report of ${String(doc.framework)})`);
  if (doc.kshieldImport !== 1 && !Array.isArray(doc.findings)) throw notResult('the JSON has no "findings" list');
  return value;
}
