/**
 * `kshield respond`: the runtime response server (see docs/respond.md), and `kshield respond
 * approve`, which approves (or rejects, or lists) chains held by `approve` steps through the
 * server's API. `kshield respond restore` is registered beside them.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import { isIP } from 'node:net';
import { pino, type Logger } from 'pino';
import { RuntimePusher } from '../serve/runtime-push.js';
import { PushError, readTokenFile } from '../serve/push.js';
import { UsageError, EXIT } from '../core/errors.js';
import { describeFsError } from '../sources/files.js';
import { parseDuration } from './duration.js';
import { loadKubeClient } from '../sources/kube-client.js';
import { watchFiles } from '../admission/reload.js';
import { loadResponsePolicy } from '../runtime/respond/policy.js';
import { ResponseEngine, type AlertResponse, type PendingApproval } from '../runtime/respond/engine.js';
import { RespondServer } from '../runtime/respond/server.js';
import { BUILTIN_ACTIONS } from '../runtime/respond/builtin-actions.js';
import { RESPOND_ACTIONS, respondDecoders } from '../runtime/respond/wiring.js';
import { VERSION } from '../core/version.js';
import { ApiClient } from '../runtime/watch/api.js';
import { LiveObjects } from '../runtime/respond/live-objects.js';
import { LivePosture } from '../runtime/respond/alert-posture.js';
import { readImageResults } from '../runtime/respond/image-results.js';

export interface RespondCommandOptions {
  policy?: string;
  tlsCert?: string;
  tlsKey?: string;
  clientCa?: string;
  tokenFile?: string;
  approverTokenFile?: string;
  insecureHttp?: boolean;
  port: string;
  address: string;
  dryRun?: boolean;
  namespace?: string;
  kubeconfig?: string;
  context?: string;
  requestTimeout: string;
  logLevel: string;
  /** commander's --no-posture: false. */
  posture?: boolean;
  images?: string;
  postureMaxObjects?: string;
  /** --report-to: a kshield serve dashboard the alerts' lines are sent to. */
  reportTo?: string;
  reportTokenFile?: string;
  reportCa?: string;
  clusterName?: string;
}

/** Shortest token taken: a guessable one would let anyone trigger actions. */
const MIN_TOKEN_LENGTH = 16;

/** A file a flag names, or a usage error naming the flag, the file and why it cannot be read. */
export function readFileFlag(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new UsageError(`${flag}: cannot read ${file}: ${describeFsError(err)}`);
  }
}

/** Tokens, one per line (several during a rotation): from the file, else the environment variable. */
export function readTokens(file: string | undefined, flag: string, env: string): string[] {
  const text = file ? readFileFlag(file, flag).toString('utf8') : process.env[env];
  if (text === undefined) return [];
  const tokens = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const short = tokens.find((t) => t.length < MIN_TOKEN_LENGTH);
  // Never the token itself: only where it came from and what is wrong.
  if (short !== undefined) throw new UsageError(`${file ? `${flag} ${file}` : env}: a token is shorter than ${MIN_TOKEN_LENGTH} characters; generate one with: openssl rand -hex 32`);
  if (tokens.some((t) => /\s/.test(t))) throw new UsageError(`${file ? `${flag} ${file}` : env}: a token contains whitespace`);
  return tokens;
}

function isLoopback(address: string): boolean {
  if (address === 'localhost') return true;
  if (isIP(address) === 4) return address.startsWith('127.');
  return address === '::1';
}

function respondLogger(level: string, report?: RuntimePusher): Logger {
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!levels.includes(level)) throw new UsageError(`--log-level: one of ${levels.join(', ')}`);
  const stdout = pino.destination({ fd: 1, sync: false });
  return pino(
    { level, base: { component: 'kshield-respond' }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
    // --report-to: the same lines also go to the dashboard's queue (which never blocks the writer).
    report ? pino.multistream([{ level: level as pino.Level, stream: stdout }, { level: 'info', stream: report.stream }]) : stdout,
  );
}

/** --report-to and the flags that go with it checked, and the pusher they make. */
function runtimeReporter(opts: RespondCommandOptions, defaultSource: string): RuntimePusher | undefined {
  if (!opts.reportTo) {
    const given = (['reportTokenFile', 'reportCa', 'clusterName'] as const).find((k) => opts[k] !== undefined);
    if (given) throw new UsageError(`${{ reportTokenFile: '--report-token-file', reportCa: '--report-ca', clusterName: '--cluster-name' }[given]} goes with --report-to`);
    return undefined;
  }
  try {
    const token = opts.reportTokenFile ? readTokenFile(opts.reportTokenFile, '--report-token-file') : undefined;
    const ca = opts.reportCa ? readFileFlag(opts.reportCa, '--report-ca').toString('utf8') : undefined;
    return new RuntimePusher({
      url: opts.reportTo,
      ...(token ? { token } : {}),
      ...(ca ? { ca } : {}),
      source: opts.clusterName ?? defaultSource,
      onProblem: (message) => process.stderr.write(`kshield respond: ${message}\n`),
    });
  } catch (error) {
    if (error instanceof PushError) throw new UsageError(error.message);
    throw error;
  }
}

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

function ownNamespaceOf(flag: string | undefined): string | undefined {
  if (flag) return flag;
  if (process.env.POD_NAMESPACE) return process.env.POD_NAMESPACE;
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function runRespond(opts: RespondCommandOptions): Promise<number> {
  if (!opts.policy) throw new UsageError('give the response policy: --policy FILE (see docs/respond.md)');
  const port = Number(opts.port);
  if (!/^\d+$/.test(opts.port) || port > 65535) throw new UsageError(`--port must be a port number (0-65535; 0 takes a free one), not "${opts.port}"`);
  if (isIP(opts.address) === 0 && opts.address !== 'localhost') throw new UsageError(`--address must be an IP address, not "${opts.address}"`);
  if (opts.insecureHttp) {
    if (!isLoopback(opts.address)) throw new UsageError(`--insecure-http serves plain HTTP on loopback only (127.0.0.1 or ::1), not on ${opts.address}: alerts and approvals carry bearer tokens`);
    if (opts.tlsCert || opts.tlsKey || opts.clientCa) throw new UsageError('--insecure-http excludes --tls-cert, --tls-key and --client-ca');
  } else if (!opts.tlsCert || !opts.tlsKey) {
    throw new UsageError('give --tls-cert and --tls-key (HTTPS), or --insecure-http with --address 127.0.0.1 for plain HTTP on loopback');
  }
  const tokens = readTokens(opts.tokenFile, '--token-file', 'KSHIELD_RESPOND_TOKEN');
  const approverTokens = readTokens(opts.approverTokenFile, '--approver-token-file', 'KSHIELD_RESPOND_APPROVER_TOKEN');
  if (tokens.length === 0 && !opts.clientCa) throw new UsageError('no way to authenticate senders: give --token-file (or KSHIELD_RESPOND_TOKEN) or --client-ca');
  const requestTimeoutMs = parseDuration(opts.requestTimeout, '--request-timeout', { minMs: 100, maxMs: 120_000 });
  const reporter = runtimeReporter(opts, opts.context ?? 'cluster');
  const log = respondLogger(opts.logLevel, reporter);
  const actions = [...BUILTIN_ACTIONS, ...RESPOND_ACTIONS];
  const policy = await loadResponsePolicy(opts.policy, actions);
  const postureOn = opts.posture !== false;
  if (!postureOn && opts.images) throw new UsageError('--images links vulnerable packages to posture: it cannot go with --no-posture');
  const maxObjects = Number(opts.postureMaxObjects ?? '200000');
  if (!/^\d+$/.test(opts.postureMaxObjects ?? '200000') || maxObjects < 1 || maxObjects > 10_000_000) throw new UsageError(`--posture-max-objects: a number from 1 to 10000000, not "${opts.postureMaxObjects}"`);
  const images = opts.images ? readImageResults(opts.images) : undefined;
  const client = await loadKubeClient({ kubeconfig: opts.kubeconfig, context: opts.context });
  const ownNamespace = ownNamespaceOf(opts.namespace);
  // Alerts linked to posture: the cluster's objects kept live (list + watch), started now, synced in the background.
  const objects = postureOn ? new LiveObjects({ api: new ApiClient(client.kc, 30_000), log, maxObjects }) : undefined;
  const posture = objects ? new LivePosture({ objects, ...(images ? { images } : {}) }) : undefined;
  // Audit events are judged with the objects the posture cache keeps (who mounts which Secret, which role a binding grants).
  const decoders = respondDecoders(objects ? () => (objects.synced ? objects.snapshot() : undefined) : undefined);
  const engine = new ResponseEngine({ policy, actions: RESPOND_ACTIONS, client, dryRun: opts.dryRun === true, ...(ownNamespace ? { ownNamespace } : {}), log, ...(posture ? { posture } : {}) });
  const tls = opts.insecureHttp
    ? undefined
    : { cert: readFileFlag(opts.tlsCert!, '--tls-cert'), key: readFileFlag(opts.tlsKey!, '--tls-key'), ...(opts.clientCa ? { clientCa: readFileFlag(opts.clientCa, '--client-ca') } : {}) };
  let server: RespondServer;
  try {
    server = new RespondServer({ ...(tls ? { tls } : {}), tokens, approverTokens, decoders, engine, log, requestTimeoutMs });
  } catch (err) {
    throw new UsageError(`--tls-cert/--tls-key: ${String((err as Error)?.message ?? err).split('\n')[0]}`);
  }
  const address = await server.listen(port, opts.address).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot listen on ${opts.address}:${port}: ${err.code === 'EADDRINUSE' ? 'the port is in use' : err.code === 'EACCES' ? 'permission denied' : err.message}`);
  });
  // Not awaited past discovery: alerts are taken (and acted on) while the cache lists; their posture says pending until it is synced.
  if (objects) {
    await objects.start().catch((err: unknown) => {
      // Without discovery there is nothing to keep: respond still acts, its postures say pending.
      log.error({ event: 'posture-cache-failed', error: String((err as Error)?.message ?? err).split('\n')[0].slice(0, 300) }, 'posture cache not started: alerts are not linked to posture');
    });
  }
  const watch = tls
    ? watchFiles([opts.tlsCert!, opts.tlsKey!], () => {
        try {
          server.setTls(readFileSync(opts.tlsCert!), readFileSync(opts.tlsKey!));
          log.info({ event: 'tls-reloaded' }, 'serving certificate reloaded');
        } catch (err) {
          log.error({ event: 'tls-reload-failed', error: String((err as Error)?.message ?? err).split('\n')[0] }, 'serving certificate not reloaded; the old one is kept');
        }
      })
    : undefined;
  log.info(
    {
      event: 'started',
      version: VERSION,
      address: address.address,
      port: address.port,
      scheme: tls ? 'https' : 'http',
      policy: opts.policy,
      rules: policy.rules.length,
      dryRun: engine.dryRun,
      actions: actions.map((a) => a.name),
      endpoints: decoders.map((d) => d.path),
      posture: postureOn ? { maxObjects, images: images ? images.length : null } : false,
    },
    'kshield respond listening',
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  watch?.stop();
  await server.close();
  engine.close();
  await objects?.stop();
  await reporter?.close();
  log.info({ event: 'stopped' }, 'kshield respond stopped');
  return EXIT.clean;
}

// ---------------------------------------------------------------------------------------------
// kshield respond approve

export interface ApproveCommandOptions {
  url: string;
  tokenFile?: string;
  caFile?: string;
  clientCert?: string;
  clientKey?: string;
  by?: string;
  reject?: boolean;
  list?: boolean;
  output: string;
}

function call(method: string, url: URL, opts: ApproveCommandOptions, body?: unknown): Promise<{ status: number; body: any }> {
  const tokens = readTokens(opts.tokenFile, '--token-file', 'KSHIELD_RESPOND_APPROVER_TOKEN');
  const token = tokens[0] ?? readTokens(undefined, '--token-file', 'KSHIELD_RESPOND_TOKEN')[0];
  const data = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { Accept: 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(data ? { 'Content-Type': 'application/json' } : {}) };
  return new Promise((resolve, reject) => {
    const options: https.RequestOptions = {
      method,
      headers,
      timeout: 60_000,
      ...(opts.caFile ? { ca: readFileFlag(opts.caFile, '--ca-file') } : {}),
      ...(opts.clientCert ? { cert: readFileFlag(opts.clientCert, '--client-cert') } : {}),
      ...(opts.clientKey ? { key: readFileFlag(opts.clientKey, '--client-key') } : {}),
    };
    const req = (url.protocol === 'https:' ? https : http).request(url, options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c.length + text.length > 4 * 1024 * 1024 ? '' : c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
        } catch {
          resolve({ status: res.statusCode ?? 0, body: { error: text.slice(0, 200) } });
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 60 s')));
    req.on('error', (err: NodeJS.ErrnoException) => reject(new UsageError(`cannot reach ${url.origin}: ${err.code ?? err.message}`)));
    req.end(data);
  });
}

function pendingTable(pending: PendingApproval[]): string {
  if (pending.length === 0) return 'no pending approvals\n';
  return pending
    .map((p) => `${p.id}  ${p.alert.priority}  "${p.alert.rule}"  ${p.alert.target?.namespace ?? '-'}/${p.alert.target?.pod ?? '-'}  policy rule ${p.rule}: holds ${p.held.join(', ')}; expires ${p.expiresAt}${p.reason ? `\n    ${p.reason}` : ''}`)
    .join('\n') + '\n';
}

function stepsTable(response: AlertResponse): string {
  return response.steps.map((s) => `${s.rule}[${s.step}] ${s.outcome.action}: ${s.outcome.status}: ${s.outcome.reason}`).join('\n') + '\n';
}

export async function runApprove(id: string | undefined, opts: ApproveCommandOptions): Promise<number> {
  let base: URL;
  try {
    base = new URL(opts.url);
  } catch {
    throw new UsageError(`--url "${opts.url}" is not a URL (e.g. https://kshield-respond.kshield-system.svc:8443)`);
  }
  if (base.protocol === 'http:' && !isLoopback(base.hostname.replace(/^\[|\]$/g, ''))) throw new UsageError('--url: plain http only to a loopback address; use https');
  if (opts.list) {
    if (id) throw new UsageError('--list takes no approval id');
    const r = await call('GET', new URL('/v1/approvals', base), opts);
    if (r.status !== 200) throw new UsageError(`the server answered ${r.status}: ${r.body?.error ?? ''}`);
    process.stdout.write(opts.output === 'json' ? JSON.stringify(r.body, null, 2) + '\n' : pendingTable(r.body.pending));
    return EXIT.clean;
  }
  if (!id || !/^[0-9a-f]{1,64}$/.test(id)) throw new UsageError('give the approval id (kshield respond approve --list shows them)');
  const r = await call('POST', new URL(`/v1/approvals/${id}${opts.reject ? '/reject' : ''}`, base), opts, opts.by ? { by: opts.by } : undefined);
  if (r.status !== 200) {
    process.stderr.write(`kshield: ${opts.reject ? 'reject' : 'approve'} ${id}: the server answered ${r.status}: ${r.body?.error ?? ''}\n`);
    return r.status === 404 ? EXIT.findings : EXIT.usage;
  }
  process.stdout.write(opts.output === 'json' ? JSON.stringify(r.body, null, 2) + '\n' : stepsTable(r.body as AlertResponse));
  return EXIT.clean;
}
