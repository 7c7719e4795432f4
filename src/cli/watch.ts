/** `kshield watch`: list and watch the cluster, judge every change, report finding events (logs, Kubernetes Events, /metrics). */
import { loadDesired } from '../runtime/desired.js';
import type { Resource } from '../core/types.js';
import { existsSync, readFileSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import { EXIT, UsageError } from '../core/errors.js';
import type { Severity } from '../core/types.js';
import { loadKubeClient } from '../sources/kube-client.js';
import { ClusterError } from '../sources/cluster.js';
import { ApiClient } from '../runtime/watch/api.js';
import { Watcher } from '../runtime/watch/watcher.js';
import { serveWatchHttp } from '../runtime/watch/http.js';
import { loadConfigOption, pssVersionOption } from './scan.js';
import { parseDuration } from './duration.js';

export interface WatchCommandOptions {
  kubeconfig?: string;
  context?: string;
  config?: string;
  only: string[];
  skip: string[];
  pssVersion?: string;
  inlineSuppressions?: boolean;
  address: string;
  port: string;
  leaderElect?: boolean;
  leaseNamespace?: string;
  leaseName: string;
  leaseDuration: string;
  renewDeadline: string;
  retryPeriod: string;
  events?: boolean;
  eventsPerSecond: string;
  eventsBurst: string;
  eventMinSeverity: Severity;
  batch: string;
  resync: string;
  maxObjects: string;
  desired?: string[];
  pageSize: string;
  timeout: string;
  logLevel: string;
}

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

function count(value: string, flag: string, min: number, max: number): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < min || Number(value) > max) throw new UsageError(`${flag}: expected a number from ${min} to ${max}, got "${value}"`);
  return Number(value);
}

export function watchLogger(level: string): Logger {
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!levels.includes(level)) throw new UsageError(`--log-level: one of ${levels.join(', ')}`);
  return pino(
    { level, base: { component: 'kshield-watch' }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
    pino.destination({ fd: 1, sync: true }),
  );
}

export async function runWatch(opts: WatchCommandOptions): Promise<number> {
  const log = watchLogger(opts.logLevel);
  const port = count(opts.port, '--port', 0, 65535);
  const leaseDurationMs = parseDuration(opts.leaseDuration, '--lease-duration');
  const renewDeadlineMs = parseDuration(opts.renewDeadline, '--renew-deadline');
  const retryPeriodMs = parseDuration(opts.retryPeriod, '--retry-period');
  if (!(retryPeriodMs < renewDeadlineMs && renewDeadlineMs < leaseDurationMs)) throw new UsageError('--retry-period < --renew-deadline < --lease-duration is required (a leader must give up before a standby may take over)');
  const resync = opts.resync.trim() === '0' ? 0 : parseDuration(opts.resync, '--resync', { minMs: 1000, maxMs: 24 * 3_600_000 });
  let leaseNamespace = opts.leaseNamespace ?? process.env.POD_NAMESPACE;
  if (!leaseNamespace && existsSync(SERVICE_ACCOUNT_NAMESPACE)) leaseNamespace = readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim();
  if (opts.leaderElect !== false && !leaseNamespace) throw new UsageError('--lease-namespace: where the Lease lives (default: POD_NAMESPACE, else the pod service account namespace); or --no-leader-elect for a single replica');
  const config = await loadConfigOption(opts.config);
  let kc;
  try {
    ({ kc } = await loadKubeClient({ kubeconfig: opts.kubeconfig, context: opts.context }));
  } catch (err) {
    // Its sentences are for the user (a missing file, no context of that name, no API access at all).
    throw new ClusterError((err as Error).message);
  }
  const api = new ApiClient(kc, parseDuration(opts.timeout, '--timeout'));
  // The declared state is read once, at start: a file that cannot be read is a mistake in the command.
  let desired: Resource[] | undefined;
  if (opts.desired && opts.desired.length > 0) {
    const loaded = await loadDesired(opts.desired);
    if (loaded.errors.length > 0) throw new UsageError(`--desired: ${loaded.errors.map((e) => `${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}`).slice(0, 5).join('; ')}`);
    desired = loaded.resources;
  }
  const watcher = new Watcher({
    api,
    log,
    scan: { only: opts.only, skip: opts.skip, config, pssVersion: pssVersionOption(opts.pssVersion), inlineSuppressions: opts.inlineSuppressions === false ? false : undefined },
    pageSize: count(opts.pageSize, '--page-size', 1, 10_000),
    batchMs: parseDuration(opts.batch, '--batch', { minMs: 1, maxMs: 60_000 }),
    resyncMs: resync,
    maxObjects: count(opts.maxObjects, '--max-objects', 1, 100_000_000),
    leaderElection: opts.leaderElect === false ? undefined : { namespace: leaseNamespace!, name: opts.leaseName, leaseDurationMs, renewDeadlineMs, retryPeriodMs },
    events: { enabled: opts.events !== false, perSecond: count(opts.eventsPerSecond, '--events-per-second', 1, 1000), burst: count(opts.eventsBurst, '--events-burst', 1, 10_000), minSeverity: opts.eventMinSeverity },
    ...(desired ? { desired } : {}),
  });
  const server = await serveWatchHttp(watcher, opts.address, port);
  log.info({ address: opts.address, port: server.port }, 'serving /metrics, /healthz and /readyz');
  try {
    await watcher.start();
  } catch (err) {
    await server.close();
    await watcher.stop();
    if ((err as Error)?.name === 'ClusterError' || err instanceof UsageError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new ClusterError(`cannot start watching ${api.server}: ${e?.code ? `${e.code}: ` : ''}${String(e?.message ?? err).split('\n')[0]}`);
  }
  return new Promise((resolve) => {
    const stop = (signal: string): void => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      log.info({ signal }, 'stopping');
      void Promise.all([watcher.stop(), server.close()]).then(() => {
        setTimeout(() => process.exit(EXIT.clean), 2000).unref();
        resolve(EXIT.clean);
      });
    };
    const onTerm = (): void => stop('SIGTERM');
    const onInt = (): void => stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
  });
}
