/**
 * `kshield probe etcd ENDPOINT...` and `kshield probe kubelet HOST...`: what a control-plane or
 * node port gives away to anyone on the network who has no credential. Exit 1 when a check fails.
 */
import { parseEndpoint, parseHost, type Endpoint } from '../probe/endpoint.js';
import { probeEtcd } from '../probe/etcd.js';
import { probeKubelet, type KubeletPorts } from '../probe/kubelet.js';
import { buildProbeReport, inParallel, type ProbeCheck, type ProbeReport, type ProbeTiming } from '../probe/report.js';
import { renderChecksMarkdown, renderChecksTable, checksSummaryLine, markdownCell } from '../report/checks.js';
import { renderChecksHtml } from '../report/html/checks.js';
import { sanitize } from '../core/text.js';
import { parseOutputs, writeTargets } from './output.js';
import { parseDurationOption } from './duration.js';
import { EXIT, UsageError } from '../core/errors.js';

export interface ProbeCommandOptions {
  output: string[];
  outputFile?: string;
  color: boolean;
  timeout: string;
}

export interface KubeletCommandOptions extends ProbeCommandOptions {
  port: string;
  readOnlyPort: string;
}

/** Endpoints probed at once: enough for a control plane or a node pool, few enough for one machine's sockets. */
const CONCURRENCY = 16;

function parsePortOption(value: string, flag: string): number {
  if (!/^\d{1,5}$/.test(value.trim()) || Number(value) < 1 || Number(value) > 65535) throw new UsageError(`${flag}: expected a port from 1 to 65535, got "${value}"`);
  return Number(value);
}

/** Messages that may not quote the argument (it carries a password or a token) say which one it was when there are several. */
function locateError<T>(given: string[], index: number, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof UsageError && given.length > 1 && !err.message.includes(given[index].trim())) throw new UsageError(`argument ${index + 1} of ${given.length}: ${err.message}`);
    throw err;
  }
}

function timingOf(opts: ProbeCommandOptions): ProbeTiming {
  const { ms, text } = parseDurationOption(opts.timeout, '--timeout');
  return { timeoutMs: ms, timeoutText: text };
}

const STATUSES = ['pass', 'fail', 'warn'] as const;

function describeTarget(report: ProbeReport): string {
  const t = report.target;
  const what = t.component === 'etcd' ? `etcd at ${t.endpoints.join(', ')}` : `kubelet on ${t.endpoints.join(', ')} (ports ${t.ports!.secure} and read-only ${t.ports!.readOnly})`;
  return `Probed ${what} from this machine, with no credentials (timeout ${t.timeout} per endpoint)`;
}

function groupOf(report: ProbeReport): (c: ProbeCheck) => string {
  return (c) => `${report.target.component} ${c.endpoint}`;
}

function renderProbeTable(report: ProbeReport, color: boolean, width?: number): string {
  return renderChecksTable({ header: [sanitize(describeTarget(report))], rows: report.checks, groupOf: groupOf(report), color, width, summaryStatuses: STATUSES });
}

function renderProbeHtml(report: ProbeReport): string {
  return renderChecksHtml({ title: `kshield probe ${report.target.component} report`, subtitle: [`${describeTarget(report)}. ${checksSummaryLine(report.checks, STATUSES)}.`], rows: report.checks, groupOf: groupOf(report) });
}

function renderProbeMarkdown(report: ProbeReport): string {
  const header = [`# kshield probe ${report.target.component} report`, '', `${markdownCell(describeTarget(report))}. ${checksSummaryLine(report.checks, STATUSES)}.`];
  return renderChecksMarkdown({ header, rows: report.checks, groupOf: groupOf(report) });
}

async function writeReport(report: ProbeReport, opts: ProbeCommandOptions, targets: ReturnType<typeof parseOutputs>): Promise<number> {
  const written = await writeTargets(targets, !opts.color, (target, color, width) =>
    target.format === 'json'
      ? JSON.stringify(report, null, 2) + '\n'
      : target.format === 'markdown'
        ? renderProbeMarkdown(report)
        : target.format === 'html'
          ? renderProbeHtml(report)
          : renderProbeTable(report, color, width),
  );
  if (!written) return EXIT.usage;
  return report.checks.some((c) => c.status === 'fail') ? EXIT.findings : EXIT.clean;
}

function outputTargets(opts: ProbeCommandOptions, command: string): ReturnType<typeof parseOutputs> {
  const targets = parseOutputs(opts.output, opts.outputFile);
  const unsupported = targets.find((t) => t.format !== 'table' && t.format !== 'json' && t.format !== 'markdown' && t.format !== 'html');
  if (unsupported) throw new UsageError(`kshield probe ${command} writes table, json, markdown or html; ${unsupported.format} is not supported`);
  return targets;
}

export async function runProbeEtcd(given: string[], opts: ProbeCommandOptions): Promise<number> {
  const targets = outputTargets(opts, 'etcd');
  const timing = timingOf(opts);
  const endpoints: Endpoint[] = given.map((g, i) => locateError(given, i, () => parseEndpoint(g, 2379)));
  const results = await inParallel(endpoints, CONCURRENCY, (e) => probeEtcd(e, timing));
  const report = buildProbeReport({ component: 'etcd', endpoints: endpoints.map((e) => e.label), timeout: timing.timeoutText }, results.flat());
  return writeReport(report, opts, targets);
}

export async function runProbeKubelet(given: string[], opts: KubeletCommandOptions): Promise<number> {
  const targets = outputTargets(opts, 'kubelet');
  const timing = timingOf(opts);
  const ports: KubeletPorts = { secure: parsePortOption(opts.port, '--port'), readOnly: parsePortOption(opts.readOnlyPort, '--read-only-port') };
  const hosts = given.map((g, i) => locateError(given, i, () => parseHost(g)));
  const results = await inParallel(hosts, CONCURRENCY, (h) => probeKubelet(h, ports, timing));
  const report = buildProbeReport({ component: 'kubelet', endpoints: hosts, timeout: timing.timeoutText, ports }, results.flat());
  return writeReport(report, opts, targets);
}
