/**
 * `kshield webhook`: the admission webhook server, and `kshield webhook what-if`, which applies
 * its configuration to workloads that exist.
 */
import { BatchedWriter } from '../core/batched-writer.js';
import { readFileSync, existsSync } from 'node:fs';
import v8 from 'node:v8';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { loadConfigOption, pssVersionOption } from './scan.js';
import { describeFsError } from '../sources/files.js';
import { noteText } from '../sources/placement.js';
import { loadAnalysisInput, type AnalysisInputOptions } from './analysis-input.js';
import { columns } from './rbac.js';
import { UsageError, EXIT } from '../core/errors.js';
import { parseDuration } from './duration.js';
import { writeOutput } from './output.js';
import { formatInputError, formatLocation } from '../report/describe.js';
import { plural, sanitize, wrap } from '../core/text.js';
import { buildState, WebhookServer, type WebhookState } from '../admission/server.js';
import { exemptNamespaceNames, needsNamespaceLabels } from '../admission/config.js';
import { watchFiles, type FileWatch } from '../admission/reload.js';
import { addSignatureVerdicts, whatIf, type WhatIfReport } from '../admission/whatif.js';
import { kubernetesPullSecretReader } from '../admission/pull-secrets.js';
import { decide, type SkippedRule } from '../admission/decide.js';
import { isExpired } from '../engine/engine.js';
import type { NamespaceLabelSource } from '../admission/namespaces.js';
import { ConfigError, loadConfigFile } from '../config/config-file.js';
import { rules as catalogue } from '../rules/index.js';
import { VERSION } from '../core/version.js';

export interface WebhookCommandOptions {
  tlsCert?: string;
  tlsKey?: string;
  port: string;
  address: string;
  config?: string;
  namespace?: string;
  kubeconfig?: string;
  context?: string;
  drainDelay: string;
  drainTimeout: string;
  requestTimeout: string;
  reloadPoll: string;
  logLevel: string;
  pssVersion?: string;
}

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** The webhook's own namespace: the flag, else POD_NAMESPACE (downward API), else the pod's service account. */
function ownNamespaceOf(flag: string | undefined): string | undefined {
  if (flag) return flag;
  if (process.env.POD_NAMESPACE) return process.env.POD_NAMESPACE;
  try {
    if (existsSync(SERVICE_ACCOUNT_NAMESPACE)) return readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim() || undefined;
  } catch {
    // Not in a pod.
  }
  return undefined;
}

function readPem(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new UsageError(`${flag}: cannot read ${file}: ${describeFsError(err)}`);
  }
}

/** OpenSSL's reason for refusing a certificate and key, in words where it is a common one. */
function describeTlsError(err: unknown): string {
  const fs = (err as NodeJS.ErrnoException)?.code;
  if (fs && ERRNO.test(fs)) return describeFsError(err);
  const text = String((err as Error)?.message ?? err).split('\n')[0];
  if (/key values mismatch/i.test(text)) return 'the key does not belong to the certificate (they are from different pairs)';
  if (/no start line|bad base64 decode|PEM_read_bio|DECODER routines::unsupported/i.test(text)) return 'not a PEM certificate and private key (expected -----BEGIN CERTIFICATE----- and -----BEGIN ... PRIVATE KEY----- blocks)';
  if (/bad decrypt|bad password read/i.test(text)) return 'the private key is encrypted; kshield needs it unencrypted';
  return text;
}

const ERRNO = /^E[A-Z]+$/;

/**
 * Log lines are gathered and written in batches: one write per line cost a thread-pool round trip
 * per review (and the reader of standard output a wake-up); batching took the CPU per review under
 * `npm run bench:webhook` from 0.40-0.46 ms to 0.32-0.38 ms. A line waits at most LOG_FLUSH_MS; on
 * exit (an uncaught error included, not a SIGKILL) what is buffered is written (see BatchedWriter).
 */
const LOG_BATCH_BYTES = 8 * 1024;
const LOG_FLUSH_MS = 100;
/** Past this much unwritten output (standard output blocked), new lines are dropped and counted. */
const LOG_BUFFER_LIMIT = 16 * 1024 * 1024;

export interface WebhookLogger {
  log: Logger;
  /** Calls `listener` with the number of lines dropped each time output did not keep up. */
  onDrop(listener: (lines: number) => void): void;
}

export function webhookLogger(level: string, options: { fd?: number; bufferLimit?: number } = {}): WebhookLogger {
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!levels.includes(level)) throw new UsageError(`--log-level: one of ${levels.join(', ')}`);
  const destination = new BatchedWriter({ fd: options.fd ?? 1, batchBytes: LOG_BATCH_BYTES, flushMs: LOG_FLUSH_MS, bufferLimit: options.bufferLimit ?? LOG_BUFFER_LIMIT });
  const log = pino(
    {
      level,
      base: { component: 'kshield-webhook' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return { log, onDrop: (listener) => destination.onDrop(listener) };
}

/** `pssVersion`: `--pss-version`, which wins over the configuration's (on every reload too). */
async function loadState(file: string | undefined, pssVersion?: string): Promise<WebhookState> {
  const config = file ? await loadConfigFile(file, catalogue) : await loadConfigOption(undefined);
  return buildState(pssVersion === undefined ? config : { ...config, pssVersion });
}

/**
 * Judges a small Deployment once, so the first real review does not pay for compiling the rules
 * (measured: 30 ms for the first review, 1-2 ms after).
 */
function warmUp(state: WebhookState): void {
  const object = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'warm-up', namespace: 'default' },
    spec: { template: { metadata: {}, spec: { containers: [{ name: 'app', image: 'example.com/app:1', securityContext: { privileged: true } }] } } },
  };
  decide({ uid: 'warm-up', kind: { group: 'apps', version: 'v1', kind: 'Deployment' }, operation: 'UPDATE', object, oldObject: object, namespace: 'default', name: 'warm-up', dryRun: true }, { config: state.config, prepared: state.prepared });
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Why the port cannot be opened, in words. */
function listenProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'EADDRINUSE') return 'the address is already in use (another process listens on this port)';
  if (code === 'EADDRNOTAVAIL') return 'the address is not one of this host\'s (use 0.0.0.0 for all, or an address of this host)';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied (ports below 1024 need privileges: use a higher port)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'no such host name';
  if (code === 'EAFNOSUPPORT') return 'this host does not support that address family';
  return code ?? String((err as Error)?.message ?? err).split('\n')[0];
}

/**
 * Turns off V8's allocation-site pretenuring for this process, before the first review is judged.
 * A review's objects all die within the request; but when a young-generation collection happens to
 * find the objects of some allocation site alive, V8 starts allocating that site's later objects
 * directly in the old generation, where, dead as they soon are, they keep every young object they
 * point to alive through the next collections and bring a full collection every second or so.
 * Measured with `npm run bench:webhook`: without this, some 750 KB of a review's objects were
 * promoted by every young collection (see bench/README.md, Admission webhook).
 */
function tuneHeapForReviews(): void {
  v8.setFlagsFromString('--no-allocation-site-pretenuring');
}

export async function runWebhook(opts: WebhookCommandOptions): Promise<number> {
  if (!opts.tlsCert || !opts.tlsKey) throw new UsageError('--tls-cert and --tls-key are required: the API server calls webhooks over HTTPS only (kshield install webhook --generate-certs makes a pair)');
  const port = Number(opts.port);
  if (!/^\d+$/.test(opts.port) || port > 65535) throw new UsageError(`--port: expected a port number, got "${opts.port}"`);
  // a drain delay may be zero; the other waits must not be
  const drainDelayMs = parseDuration(opts.drainDelay, '--drain-delay', { minMs: 0, maxMs: 3_600_000 });
  const drainTimeoutMs = parseDuration(opts.drainTimeout, '--drain-timeout');
  const requestTimeoutMs = parseDuration(opts.requestTimeout, '--request-timeout');
  const pollMs = parseDuration(opts.reloadPoll, '--reload-poll');
  const { log, onDrop } = webhookLogger(opts.logLevel);
  tuneHeapForReviews();
  // Every request path catches its own errors; a promise someone forgot must not end the server.
  process.on('unhandledRejection', (reason) => log.error({ err: { type: (reason as Error)?.name, stack: String((reason as Error)?.stack ?? '').split('\n').filter((l) => l.trimStart().startsWith('at ')).join('\n') } }, 'unhandled rejection'));
  const ownNamespace = ownNamespaceOf(opts.namespace);
  const tlsCert = opts.tlsCert;
  const tlsKey = opts.tlsKey;
  const cert = readPem(tlsCert, '--tls-cert');
  const key = readPem(tlsKey, '--tls-key');
  const pssVersion = pssVersionOption(opts.pssVersion);
  let state = await loadState(opts.config, pssVersion);
  warmUp(state);

  let namespaces: NamespaceLabelSource | undefined;
  let server: WebhookServer;
  try {
    server = new WebhookServer({ cert, key, state, logger: log, ownNamespace, requestTimeoutMs });
  } catch (err) {
    throw new UsageError(`--tls-cert/--tls-key: not a usable certificate and key: ${describeTlsError(err)}`);
  }
  onDrop((lines) => server.metrics.logLinesDropped.inc({}, lines));
  // Namespace labels are read only when a selector needs them; a reload may add one.
  const ensureNamespaceCache = async (s: WebhookState): Promise<void> => {
    if (!needsNamespaceLabels(s.config) || namespaces) return;
    try {
      const { startNamespaceCache } = await import('../admission/namespaces.js');
      namespaces = await startNamespaceCache({ kubeconfig: opts.kubeconfig, context: opts.context, logger: log });
      server.setNamespaceSource(namespaces);
    } catch (err) {
      log.error({ err: String((err as Error).message).split('\n')[0] }, 'cannot read namespace labels from the Kubernetes API; exemptNamespaceSelector falls back to namespaceLookupFailure');
    }
  };
  await ensureNamespaceCache(state);
  // The pod's pull secrets are read only when the configuration asks (it widens the RBAC the webhook needs).
  let pullSecretReaderStarted = false;
  const ensurePullSecretReader = async (s: WebhookState): Promise<void> => {
    if (s.config.registries.pullSecrets !== true || pullSecretReaderStarted) return;
    try {
      const { kubernetesPullSecretReader } = await import('../admission/pull-secrets.js');
      server.setPullSecretReader(await kubernetesPullSecretReader({ kubeconfig: opts.kubeconfig, context: opts.context }));
      pullSecretReaderStarted = true;
    } catch (err) {
      log.error({ err: String((err as Error).message).split('\n')[0] }, 'cannot read pull secrets from the Kubernetes API; registries.pullSecrets has no effect');
    }
  };
  await ensurePullSecretReader(state);

  const describeState = (s: WebhookState): Record<string, unknown> => ({
    configFile: s.file ?? null,
    rulesEvaluated: s.prepared.rules.length,
    pssVersion: s.prepared.engine.settings?.pssVersion ?? 'latest',
    exemptNamespaces: [...exemptNamespaceNames(s.config, ownNamespace)].sort(),
    exemptNamespaceSelector: s.config.exemptNamespaceSelector ?? null,
    onUpdate: s.config.onUpdate,
    controllerPods: s.config.controllerPods,
    mutate: s.config.mutate.enabled,
    requireSignature: s.config.imagePolicy.requireSignature.map((r) => ({ rule: r.name, images: r.images, keys: r.policy.keys.map((k) => k.source), keyless: r.policy.identities.length, attestations: r.policy.attestations, version: r.version })),
  });
  const logSkipped = (s: WebhookState): void => {
    // Once per configuration: which rules `kshield scan` runs that admission cannot enforce.
    // Ids grouped by reason, without each rule's details (which kinds it reads): those are in /readyz.
    // The drift and audit rules are left out: they judge a cluster over time (kshield watch and respond), not what scan runs.
    const skippedHere = s.prepared.skipped.filter((r) => r.kind !== 'runtime-only');
    const byReason: Record<string, string[]> = {};
    for (const rule of skippedHere) (byReason[rule.reason.replace(/ \([^)]*\)/g, '')] ??= []).push(rule.id);
    log.info({ count: skippedHere.length, byReason, details: 'GET /readyz' }, 'rules not enforced at admission (kshield scan and kshield cluster run them)');
    const named = Object.keys(s.config.actions.rules ?? {}).filter((id) => s.prepared.skipped.some((r) => r.id === id));
    if (named.length) log.warn({ rules: named }, 'webhook.actions.rules names rules admission cannot run; they have no effect here');
    // `default` replaces the built-in mapping for every severity not listed: easy to set for the
    // low ones and lose enforcement of the critical ones without noticing.
    const actions = s.config.actions;
    const unenforced = (['critical', 'high'] as const).filter((sev) => actions.severities?.[sev] === undefined && actions.default !== undefined && actions.default !== 'enforce');
    if (unenforced.length) log.warn({ severities: unenforced, default: actions.default }, `webhook.actions.default applies to ${unenforced.join(' and ')} findings, which are then not enforced (unless a rule or tag action says so): list them under webhook.actions.severities to keep them enforced`);
    const expired = (s.prepared.engine.exemptions ?? []).filter((e) => e.expires !== undefined && isExpired(e.expires, new Date()));
    if (expired.length) {
      log.warn({ exemptions: expired.map((e) => ({ index: e.source?.index, rules: e.rules, owner: e.owner, expires: e.expires })) }, 'expired exemptions no longer suppress anything at admission');
    }
  };

  let address: AddressInfo;
  try {
    address = await server.listen(port, opts.address);
  } catch (err) {
    await namespaces?.close();
    throw new UsageError(`cannot listen on ${hostPort(opts.address, port)}: ${listenProblem(err)}`);
  }
  logSkipped(state);
  log.info({ version: VERSION, address: address.address, port: address.port, ownNamespace: ownNamespace ?? null, ...describeState(state) }, 'kshield webhook listening');

  const watches: FileWatch[] = [];
  const onWatchError = (message: string): void => log.warn({ err: message }, 'file watch problem');
  if (state.file) {
    const configFile = state.file;
    // The configuration and the files its signature rules read (keys, trusted roots): a rotated key is a new policy.
    const configFiles = (s: WebhookState): string[] => [configFile, ...s.config.imagePolicy.files];
    let watchedConfigFiles = configFiles(state);
    let configWatch: FileWatch;
    const watchConfig = (): FileWatch =>
      watchFiles(
        watchedConfigFiles,
        async () => {
          try {
            const next = await loadState(configFile, pssVersion);
            warmUp(next);
            server.setState(next);
            state = next;
            server.metrics.reloads.inc({ what: 'config', result: 'success' });
            log.info(describeState(next), 'configuration reloaded');
            logSkipped(next);
            await ensureNamespaceCache(next);
            await ensurePullSecretReader(next);
            const files = configFiles(next);
            if (files.join('\u0000') !== watchedConfigFiles.join('\u0000')) {
              watchedConfigFiles = files;
              configWatch.stop();
              configWatch = watchConfig();
            }
          } catch (err) {
            // A bad edit must not take admission down: the previous configuration stays.
            const message = err instanceof ConfigError ? err.message : String((err as Error).message).split('\n')[0];
            server.noteReloadError('config', message);
            server.metrics.reloads.inc({ what: 'config', result: 'failure' });
            log.error({ err: message }, 'configuration reload failed; keeping the previous configuration');
          }
        },
        { pollMs, onError: onWatchError },
      );
    configWatch = watchConfig();
    watches.push({ stop: () => configWatch.stop(), check: () => configWatch.check() });
  }
  watches.push(
    watchFiles(
      [tlsCert, tlsKey],
      () => {
        try {
          server.setTls(readFileSync(tlsCert), readFileSync(tlsKey));
          server.metrics.reloads.inc({ what: 'tls', result: 'success' });
          log.info({ cert: tlsCert }, 'TLS certificate reloaded');
        } catch (err) {
          // Often the certificate is written before its key: the pair matches again on the next change.
          const message = describeTlsError(err);
          server.noteReloadError('tls', message);
          server.metrics.reloads.inc({ what: 'tls', result: 'failure' });
          log.error({ err: message }, 'TLS reload failed; keeping the previous certificate');
        }
      },
      { pollMs, onError: onWatchError },
    ),
  );

  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      server.beginDrain();
      log.info({ signal, drainDelayMs, drainTimeoutMs }, 'draining: /readyz answers 503; finishing requests in flight');
      // The delay lets the endpoints controller take this pod out of the Service before the port closes.
      setTimeout(() => {
        void server.close(drainTimeoutMs).then(({ forced }) => {
          for (const w of watches) w.stop();
          if (forced) log.warn({ drainTimeoutMs }, 'drain deadline reached; remaining connections closed');
          log.info('kshield webhook stopped');
          process.off('SIGTERM', onTerm);
          process.off('SIGINT', onInt);
          // Whatever still holds the event loop (a keep-alive socket of the API client) must not keep
          // a terminating pod alive: unreferenced, this fires only if something else does.
          setTimeout(() => process.exit(EXIT.clean), 2000).unref();
          resolve(EXIT.clean);
        });
      }, drainDelayMs);
    };
    const onTerm = (): void => stop('SIGTERM');
    const onInt = (): void => stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
  });
}

// -----------------------------------------------------------------------------------------------
// what-if

export interface WhatIfCommandOptions extends AnalysisInputOptions {
  config?: string;
  namespace?: string;
  output: string;
  pssVersion?: string;
}

export async function runWhatIf(paths: string[], opts: WhatIfCommandOptions): Promise<number> {
  if (opts.output !== 'table' && opts.output !== 'json') throw new UsageError(`unknown output format "${opts.output}" (one of: table, json)`);
  const state = await loadState(opts.config, pssVersionOption(opts.pssVersion));
  // The report says what could not be listed; warnings on standard error would repeat it.
  const loaded = await loadAnalysisInput(paths, opts, { warnGaps: false });
  const report = whatIf(loaded.resources, state, opts.namespace, undefined, loaded.notCovered);
  // Signature rules ask the registries: only when the configuration has some.
  // With registries.pullSecrets and the live cluster as input, pods' pull secrets are read as the webhook reads them.
  const pullSecrets = state.config.registries.pullSecrets === true && opts.cluster && state.config.imagePolicy.requireSignature.length > 0 ? await kubernetesPullSecretReader({ kubeconfig: opts.kubeconfig, context: opts.context }) : undefined;
  await addSignatureVerdicts(report, loaded.resources, state, { pullSecrets });
  if (loaded.namespaceNote) report.notes.unshift(noteText(loaded.namespaceNote));
  // Nothing read at all: the errors are the whole answer (an empty report would read like one).
  if (loaded.errors.length > 0 && loaded.resources.length === 0) {
    for (const e of loaded.errors) process.stderr.write(`${formatInputError(e)}\n`);
    return EXIT.usage;
  }
  await writeOutput({ format: opts.output === 'json' ? 'json' : 'table' }, opts.output === 'json' ? JSON.stringify({ version: VERSION, ...report }, null, 2) : renderWhatIf(report));
  for (const e of loaded.errors) process.stderr.write(`${formatInputError(e)}\n`);
  if (loaded.errors.length > 0) return EXIT.usage;
  // Workloads that could not be read are not "admitted": an answer without them is no green light.
  if (report.workloadKindsNotCovered.length > 0) {
    process.stderr.write(`kshield: error: what-if could not read every workload: ${report.workloadKindsNotCovered.join(', ')} not covered (see the report)\n`);
    return EXIT.usage;
  }
  return report.summary.deny > 0 ? EXIT.findings : EXIT.clean;
}

const VERDICT_TEXT = { deny: 'DENY', warn: 'WARN', pass: 'pass', exempt: 'exempt' } as const;

function renderWhatIf(report: WhatIfReport): string {
  const out: string[] = [];
  for (const ns of report.namespaces) {
    const exempt = ns.exempt === 'name' ? ' (exempt by name)' : ns.exempt === 'label' ? ' (exempt by exemptNamespaceSelector)' : '';
    out.push(`namespace ${ns.namespace}${exempt}`);
    if (ns.exempt) {
      out.push(`  ${plural(ns.workloads.length, 'workload')} not judged`, '');
      continue;
    }
    const rows = ns.workloads
      .filter((w) => w.verdict !== 'pass')
      .map((w) => [
        VERDICT_TEXT[w.verdict],
        `${w.kind}/${w.name}`,
        [...new Set([...w.denied.map((f) => f.rule), ...(w.signatures ? ['image-signature'] : [])])].join(', ') || '-',
        [...new Set([...w.warned.map((f) => f.rule), ...(w.signatureWarnings ? ['image-signature'] : [])])].join(', ') || '-',
        formatLocation(w.file, w.line),
      ]);
    const wrapCell = (text: string): string => wrap(text, 40).join('\n');
    if (rows.length > 0) {
      const table = columns(['', 'WORKLOAD', 'DENIED BY', 'WARNED BY', 'WHERE'], rows.map((r) => [r[0], r[1], wrapCell(r[2]), wrapCell(r[3]), r[4]]));
      out.push(...table.split('\n').map((l) => `  ${l}`));
    }
    for (const w of ns.workloads) for (const line of w.signatures ?? []) out.push(`  image-signature ${w.kind}/${w.name}: ${sanitize(line)}`);
    for (const w of ns.workloads) for (const line of w.signatureWarnings ?? []) out.push(`  image-signature (warning) ${w.kind}/${w.name}: ${sanitize(line)}`);
    const passing = ns.workloads.filter((w) => w.verdict === 'pass').length;
    if (passing > 0) out.push(`  ${plural(passing, 'workload')} admitted without warnings`);
    out.push('');
  }
  if (report.notCovered.length > 0) {
    out.push(`not covered (${report.notCovered.length}): these lists could not be read, so nothing in them is judged here`);
    for (const gap of report.notCovered) out.push(`  ${sanitize(gap.apiVersion)} ${sanitize(gap.kind)}${gap.namespace !== undefined ? ` in namespace ${sanitize(gap.namespace)}` : ''}: ${sanitize(gap.reason)}`);
    out.push('');
  }
  const s = report.summary;
  const incomplete = report.workloadKindsNotCovered.length > 0;
  if (s.workloads === 0) out.push(incomplete ? 'no workloads read' : 'no workloads in the input', '');
  out.push(`${plural(s.workloads, 'workload')}: ${s.deny} would be denied, ${s.warn} warned, ${s.pass} admitted, ${s.exempt} exempt${incomplete ? ' (incomplete)' : ''}`);
  if (incomplete) {
    out.push(`incomplete: the workloads of kind ${report.workloadKindsNotCovered.join(', ')} could not be read; they may hold workloads that would be denied`);
  }
  for (const note of report.notes) out.push(`note: ${note}`);
  const skipped = (kind: SkippedRule['kind']): string => report.notEnforcedAtAdmission.filter((r) => r.kind === kind).map((r) => r.id).join(', ');
  if (skipped('reads-other-objects')) out.push(`not enforced at admission (they judge an object by other objects; kshield scan and kshield cluster run them): ${skipped('reads-other-objects')}`);
  // Not "other objects": these judge a manifest as committed, and every Secret reaching the API holds real values.
  if (skipped('repository-only')) out.push(`not enforced at admission (they judge what a repository commits; every Secret reaching the API holds real values; kshield scan runs them): ${skipped('repository-only')}`);
  return out.join('\n') + '\n';
}
