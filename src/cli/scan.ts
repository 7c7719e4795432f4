/** `kshield scan`: load, evaluate, report, exit code. */
import { type ScanResult } from '../report/scan-report.js';
import { scanFiles } from '../pipeline/scan-files.js';
import { exitCode, atMinSeverity } from '../pipeline/assemble.js';
import { type ScanOptions } from '../pipeline/prepare.js';
import { loadConfigFile, findDefaultConfig, type KshieldConfig } from '../config/config-file.js';
import { applyNamespaceOption, checkInputPaths, maxFileBytesOption } from './inputs.js';
import { buildBaseline, readBaseline } from '../core/baseline.js';
import { isSeverity, type Finding, type Severity } from '../core/types.js';
import { rules as catalogue } from '../rules/index.js';
import { reporters } from '../report/index.js';
import { renderJsonChunks } from '../report/json.js';
import { renderSarifChunks } from '../report/sarif.js';
import { analysesForHtml, renderHtmlReportChunks, type HtmlReportInput } from '../report/html/index.js';
import { complianceForHtml } from './html-compliance.js';
import { parseOutputs, writeOutput, useColor, type OutputTarget } from './output.js';
import { OutputError, UsageError, EXIT } from '../core/errors.js';
import { pssVersionProblem } from '../k8s/pss.js';
import { parseAge, type VulnerabilityFlags } from './vuln-options.js';
import { parseDuration } from './duration.js';
import { parsePlatform } from '../images/sources.js';
import type { ScanImageOptions } from '../pipeline/images.js';
import { checkReportFlags, reportTarget, type ReportToFlags } from './report-to.js';

/** The options `scan` and `cluster` share (reportOptions in main.ts defines them). */
export interface ReportCommandOptions {
  output: string[];
  outputFile?: string;
  only: string[];
  skip: string[];
  config?: string;
  failOn?: string;
  /** Reports leave out findings below this severity; the exit code does not. */
  minSeverity?: string;
  baseline?: string;
  inlineSuppressions: boolean;
  showSuppressed?: boolean;
  color: boolean;
  pssVersion?: string;
}

export interface ScanCommandOptions extends ReportCommandOptions, ReportToFlags, Omit<VulnerabilityFlags, 'output' | 'failOn' | 'maxDbAge'> {
  maxDbAge?: string;
  writeBaseline?: string;
  maxFileSize?: string;
  jobs?: string;
  /** -n/--namespace and its other spelling --apply-namespace: where the manifests will be applied. */
  namespace?: string;
  applyNamespace?: string;
  /** false with --no-render. */
  render?: boolean;
  /** --stdin-kind: what standard input holds. */
  stdinKind?: 'manifests' | 'dockerfile';
  /** --images, and the options that go with it. */
  images?: boolean;
  imageConfigOnly?: boolean;
  maxImages?: string;
  imageTimeout?: string;
  insecure?: boolean;
  dockerConfig?: string;
  platform?: string;
}

/** `--images` and its options checked: the options that only mean something with it are refused without it. */
export function imageOptions(opts: Pick<ScanCommandOptions, 'images' | 'imageConfigOnly' | 'maxImages' | 'imageTimeout' | 'insecure' | 'dockerConfig' | 'platform'>): ScanImageOptions | undefined {
  const given = (['imageConfigOnly', 'maxImages', 'imageTimeout', 'insecure', 'dockerConfig', 'platform'] as const).filter((k) => opts[k] !== undefined);
  const flag = (k: string): string => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  if (opts.images !== true) {
    if (given.length > 0) throw new UsageError(`${flag(given[0])} applies only with --images`);
    return undefined;
  }
  let maxImages: number | undefined;
  if (opts.maxImages !== undefined) {
    if (!/^\d+$/.test(opts.maxImages) || Number(opts.maxImages) < 1 || Number(opts.maxImages) > 1000) throw new UsageError(`--max-images: expected a number from 1 to 1000, got "${opts.maxImages}"`);
    maxImages = Number(opts.maxImages);
  }
  if (opts.platform !== undefined) {
    try {
      parsePlatform(opts.platform);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  return {
    read: opts.imageConfigOnly ? 'config' : 'full',
    ...(maxImages !== undefined ? { maxImages } : {}),
    ...(opts.imageTimeout !== undefined ? { timeoutMs: parseDuration(opts.imageTimeout, '--image-timeout') } : {}),
    ...(opts.insecure ? { insecure: true } : {}),
    ...(opts.dockerConfig !== undefined ? { dockerConfig: opts.dockerConfig } : {}),
    ...(opts.platform !== undefined ? { platform: opts.platform } : {}),
  };
}

/** `--pss-version` checked: exactly what the pod-security.kubernetes.io/*-version labels take. */
export function pssVersionOption(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const problem = pssVersionProblem(value);
  if (problem) throw new UsageError(`--pss-version: ${problem}`);
  return value;
}

export async function loadConfigOption(file: string | undefined): Promise<KshieldConfig | undefined> {
  if (file) return loadConfigFile(file, catalogue);
  return findDefaultConfig(process.cwd(), catalogue);
}

export async function runScan(paths: string[], opts: ScanCommandOptions): Promise<number> {
  checkInputPaths(paths, 'scan', ' (e.g. `helm template . | kshield scan -`)');
  if (opts.stdinKind === 'dockerfile' && !paths.includes('-')) throw new UsageError('--stdin-kind dockerfile says what standard input holds: give - among the paths to read it');
  const targets = parseOutputs(opts.output, opts.outputFile);
  const config = await loadConfigOption(opts.config);
  const maxFileBytes = maxFileBytesOption(opts.maxFileSize);
  const namespace = applyNamespaceOption(opts.applyNamespace, opts.namespace);
  const failOn = (opts.failOn ?? config?.failOn ?? 'high') as Severity | 'none';
  if (failOn !== 'none' && !isSeverity(failOn)) throw new UsageError(`--fail-on: unknown severity "${failOn}"`);

  const pssVersion = pssVersionOption(opts.pssVersion);
  const images = imageOptions(opts);
  checkReportFlags(opts);
  const push = opts.reportTo ? await reportTarget(opts, 'scan') : undefined;
  // --images judges the images with the manifests on one thread (the images are read once, in order).
  const jobs = images ? 1 : parseJobs(opts.jobs);
  // JUnit lists every (object, rule) pair evaluated, and HTML (and --report-to, for the dashboard)
  // draws the RBAC graph and reachability of the objects: only a single-threaded scan keeps them.
  const needsObjects = push !== undefined || targets.some((t) => t.format === 'junit' || t.format === 'html');
  const options: ScanOptions = {
    jobs: needsObjects ? 1 : jobs,
    keepResources: needsObjects,
    only: opts.only,
    skip: opts.skip,
    config,
    // --no-inline-suppressions wins; otherwise the configuration decides (default on).
    inlineSuppressions: opts.inlineSuppressions === false ? false : undefined,
    baseline: opts.baseline ? await readBaseline(opts.baseline) : undefined,
    maxFileBytes,
    namespace,
    namespaceFlag: opts.applyNamespace !== undefined ? '--apply-namespace' : '-n/--namespace',
    render: opts.render !== false,
    stdinKind: opts.stdinKind,
    pssVersion,
    ...(images ? { images: { ...images, imageSources: config?.imageSources ?? [] } } : {}),
    vulnerabilities: { enabled: opts.vulns !== false, db: opts.db, cacheDir: opts.cacheDir, vex: opts.vex, ignoreUnfixed: opts.ignoreUnfixed, ...(opts.maxDbAge !== undefined ? { maxDbAgeMs: parseAge(opts.maxDbAge) } : {}) },
  };
  const result = await scanFiles(paths, options);

  const outputFailed = await writeReports(result, targets, { ...opts, html: { source: [`kshield scan ${paths.join(' ')}`], settings: config ?? {}, pssVersion, what: `scan of ${paths.join(' ')}` } });
  if (push) {
    const { objectLabelsOf } = await import('../store/import.js');
    await push.send(result, { source: opts.clusterName ?? scanSourceName(paths), objectLabels: objectLabelsOf(result.resources), resources: result.resources, settings: config ?? {} });
  }

  if (opts.writeBaseline) {
    const baselineWritten = await writeBaselineFile(result.findings, opts.writeBaseline);
    return result.errors.length > 0 || outputFailed || !baselineWritten ? EXIT.usage : EXIT.clean;
  }
  if (outputFailed) return EXIT.usage;
  return exitCode(result, failOn);
}

/** The dashboard's name of a scan of files without --cluster-name: its paths ("k8s/ charts/app"), standard input as "stdin". */
export function scanSourceName(paths: readonly string[]): string {
  const named = paths.map((p) => (p === '-' ? 'stdin' : p)).join(' ').replace(/[^\x20-\x7e]/g, '?').trim();
  return (named.length > 253 ? `${named.slice(0, 252)}…`.replace(/…$/, '~') : named) || 'scan';
}

/** `--write-baseline FILE`: the findings (but those annotations and exemptions suppressed) as the accepted baseline; false when it could not be written (said on standard error). */
export async function writeBaselineFile(findings: readonly Finding[], file: string): Promise<boolean> {
  const baseline = buildBaseline(findings);
  try {
    await writeOutput({ format: 'json', file }, JSON.stringify(baseline, null, 2) + '\n');
    process.stderr.write(`wrote baseline of ${baseline.findings.length} finding(s) to ${file}\n`);
    return true;
  } catch (err) {
    if (!(err instanceof OutputError)) throw err;
    process.stderr.write(`kshield: error: ${err.message.replace('the json report', 'the baseline')}\n`);
    return false;
  }
}

/**
 * Writes every requested report; `decorate` may add to the text of a format other than JSON and
 * SARIF (the cluster scan adds its coverage to the table). A report that cannot be written is an error, but the other reports are still written.
 * Returns whether any write failed.
 */
export async function writeReports(
  whole: ScanResult,
  targets: OutputTarget[],
  opts: { color: boolean; showSuppressed?: boolean; minSeverity?: string; html?: HtmlContext },
  decorate?: (format: OutputTarget['format'], text: string) => string,
): Promise<boolean> {
  if (opts.minSeverity !== undefined && !isSeverity(opts.minSeverity)) throw new UsageError(`--min-severity: unknown severity "${opts.minSeverity}"`);
  // Every format shows the same findings; exit codes and baselines are decided on the whole result.
  const result = opts.minSeverity !== undefined ? atMinSeverity(whole, opts.minSeverity) : whole;
  const written: OutputTarget[] = [];
  let outputFailed = false;
  const compliance = targets.some((t) => t.format === 'html') ? await complianceForHtml(result, { pssVersion: opts.html?.pssVersion, what: opts.html?.what ?? 'this scan' }) : undefined;
  for (const target of targets) {
    const color = target.file === undefined && target.format === 'table' ? useColor(process.stdout, !opts.color) : false;
    const width = target.file === undefined && process.stdout.isTTY ? process.stdout.columns : undefined;
    // The machine formats are written in pieces: a large scan's report would otherwise be one string
    // of hundreds of megabytes. `decorate` applies to the others.
    const streamed =
      target.format === 'json' ? renderJsonChunks(result) : target.format === 'sarif' ? renderSarifChunks(result) : target.format === 'html' ? renderHtmlReportChunks({ ...htmlInput(result, opts.html), compliance }) : undefined;
    const plain = streamed ? undefined : reporters[target.format](result, { color, showSuppressed: opts.showSuppressed, width });
    const content = streamed ?? (decorate ? decorate(target.format, plain!) : plain!);
    try {
      await writeOutput(target, content);
      written.push(target);
    } catch (err) {
      if (!(err instanceof OutputError)) throw err;
      process.stderr.write(`kshield: error: ${err.message}\n`);
      outputFailed = true;
    }
  }
  // Machine formats on stdout carry errors inside; a person watching CI logs still needs to see them.
  const tableOnStdout = targets.some((t) => t.format === 'table' && !t.file);
  if (!tableOnStdout) {
    for (const e of result.errors) process.stderr.write(`${e.file}${e.line ? `:${e.line}` : ''}: error: ${e.message}\n`);
  }
  for (const t of written) if (t.file) process.stderr.write(`wrote ${t.format} report to ${t.file}\n`);

  return outputFailed;
}

/** What the HTML report shows besides the findings: the command's input, and settings the analyses of the objects read. */
export interface HtmlContext {
  source: string[];
  /** The Pod Security Standards version the scan judged at: the pss framework's version in the compliance view. */
  pssVersion?: string;
  /** How the compliance view names the scan. */
  what?: string;
  settings: { operatorWorkloads?: KshieldConfig['operatorWorkloads']; kubernetesVersion?: string };
}

/** The HTML report's input: the result, with the RBAC graph and reachability of the objects when the scan kept them. */
export function htmlInput(result: ScanResult, context: HtmlContext | undefined): HtmlReportInput {
  const analyses = result.resources.length > 0 ? analysesForHtml(result.resources, context?.settings) : {};
  return { scan: result, source: context?.source, ...analyses };
}

function parseJobs(value: string | undefined): number | 'auto' {
  if (value === undefined || value === 'auto') return 'auto';
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 64) throw new UsageError(`--jobs: expected a number from 1 to 64 or "auto", got "${value}"`);
  return Number(value);
}
