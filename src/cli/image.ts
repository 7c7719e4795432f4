/**
 * `kshield image REF | oci-layout DIR | docker-archive TAR | rootfs DIR`: inventory, configuration
 * findings and known vulnerabilities of an image. The image is judged as one object of kind
 * ContainerImage (images/image-object.ts) by the rule engine, so the configuration's exemptions,
 * severity overrides and --only/--skip, and --baseline, apply as in `kshield scan`.
 */
import { readFileSync } from 'node:fs';
import { isSeverity, type Severity } from '../core/types.js';
import { sanitize } from '../core/text.js';
import { UsageError, EXIT } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { readBaseline } from '../core/baseline.js';
import { parseDuration } from './duration.js';
import { imageObject, imageResource } from '../images/image-object.js';
import { inventoryImage, type ImageTarget } from '../images/inventory.js';
import { RegistryError } from '../images/registry.js';
import { ImageReadError } from '../images/streams.js';
import { buildImageReport, renderImageSarif, renderImageTable } from '../report/image.js';
import { reporters, renderHtmlReport } from '../report/index.js';
import { writeSbom } from '../report/sbom/index.js';
import { attachMatches } from '../vulns/attach.js';
import { exitCode, withEvaluations } from '../pipeline/assemble.js';
import { ruleApplies } from '../engine/engine.js';
import { scanLoaded } from '../pipeline/scan-files.js';
import { SelectionError } from '../engine/select.js';
import { checkSbomTimestamp, isSbomFormat, sbomTargets, writeSbomTargets, type SbomTarget } from './sbom-targets.js';
import { loadConfigOption, writeBaselineFile } from './scan.js';
import type { VulnerabilityFlags } from './vuln-options.js';
import { attributeImageLayers, readDockerfileOption } from './dockerfile-option.js';
import { governVulnerabilities, optionalVulnerabilities, VULNERABILITY_RULE, vulnerabilityIndex, vulnerabilityTableTail, withVulnerabilities } from './vulns.js';

export interface ImageCommandOptions extends Omit<VulnerabilityFlags, 'output' | 'failOn'> {
  output: string[];
  sbom?: string;
  /** Fixes the SBOM's timestamp (ISO 8601), for reproducible documents. */
  sbomTimestamp?: string;
  outputFile?: string;
  platform?: string;
  tag?: string;
  insecure?: boolean;
  dockerConfig?: string;
  maxLayerSize?: string;
  maxFileSize?: string;
  maxEntries?: string;
  timeout?: string;
  failOn?: string;
  packages?: boolean;
  /** A Dockerfile to attribute the image's layers to its instructions. */
  dockerfile?: string;
  color: boolean;
  only?: string[];
  skip?: string[];
  config?: string;
  baseline?: string;
  writeBaseline?: string;
  showSuppressed?: boolean;
  /** `--report-to`: a kshield serve dashboard the JSON result is also sent to. */
  reportTo?: string;
  reportTokenFile?: string;
  reportCa?: string;
  clusterName?: string;
}

/**
 * --report-to's flags checked before the image is read, and the function sending the JSON result to
 * the dashboard. A failed push is one error line on standard error; the exit code stays the image's.
 */
async function imageReportTarget(opts: ImageCommandOptions): Promise<((json: string) => Promise<void>) | undefined> {
  if (!opts.reportTo) {
    if (opts.reportTokenFile || opts.reportCa || opts.clusterName) throw new UsageError('--report-token-file, --report-ca and --cluster-name go with --report-to URL');
    return undefined;
  }
  const { importEndpoint, pushReport, readTokenFile, PushError } = await import('../serve/push.js');
  let token: string | undefined;
  let ca: string | undefined;
  try {
    importEndpoint(opts.reportTo);
    token = opts.reportTokenFile ? readTokenFile(opts.reportTokenFile, '--report-token-file') : undefined;
    ca = opts.reportCa ? readFileSync(opts.reportCa, 'utf8') : undefined;
  } catch (error) {
    if (error instanceof PushError) throw new UsageError(error.message);
    throw new UsageError(`--report-ca ${opts.reportCa}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (!token) throw new UsageError('--report-to needs --report-token-file FILE: every kshield serve dashboard asks for its token');
  return async (json) => {
    try {
      // Under the cluster it runs in (--cluster-name), the dashboard links the image to the workloads its scans saw run it.
      const stored = await pushReport([json], { url: opts.reportTo!, token, ca, envelope: { source: opts.clusterName ?? 'images', command: 'image', objectLabels: [] } });
      process.stderr.write(`kshield: sent the result to ${sanitize(opts.reportTo!)} (scan ${stored.scanId})\n`);
    } catch (error) {
      if (!(error instanceof PushError)) throw error;
      process.stderr.write(`kshield: error: --report-to: ${sanitize(error.message)}\n`);
    }
  };
}

const REPORT_FORMATS = ['table', 'json', 'sarif', 'junit', 'markdown', 'html'] as const;
type ImageFormat = (typeof REPORT_FORMATS)[number];

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, kib: 1024, m: 1e6, mb: 1e6, mib: 1024 ** 2, g: 1e9, gb: 1e9, gib: 1024 ** 3, t: 1e12, tb: 1e12, tib: 1024 ** 4 };

/** "512MiB", "2GB", "1048576" → bytes. */
export function parseSize(text: string, option: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new UsageError(`${option}: "${text}" is not a size (e.g. 512MiB, 2GiB, 1048576)`);
  const bytes = Math.floor(Number(m[1]) * unit);
  if (bytes < 1) throw new UsageError(`${option}: must be at least 1 byte`);
  return bytes;
}

const KINDS = ['oci-layout', 'docker-archive', 'rootfs'] as const;

export function parseTarget(what: string, where: string | undefined, tag: string | undefined): ImageTarget {
  if (where === undefined) {
    if ((KINDS as readonly string[]).includes(what)) throw new UsageError(`image ${what}: give the ${what === 'docker-archive' ? 'archive file' : 'directory'} to read`);
    if (tag !== undefined) throw new UsageError('--tag chooses an image inside an OCI layout or docker archive; a registry reference carries its own tag');
    return { kind: 'registry', reference: what };
  }
  switch (what) {
    case 'oci-layout':
      return { kind: 'oci-layout', dir: where, ...(tag !== undefined ? { tag } : {}) };
    case 'docker-archive':
      return { kind: 'docker-archive', file: where, ...(tag !== undefined ? { tag } : {}) };
    case 'rootfs':
      if (tag !== undefined) throw new UsageError('--tag does not apply to a root file system');
      return { kind: 'rootfs', dir: where };
    default:
      throw new UsageError(`image: "${what}" is not one of oci-layout, docker-archive, rootfs (a registry reference takes no second argument)`);
  }
}

export async function runImage(what: string, where: string | undefined, opts: ImageCommandOptions): Promise<number> {
  const targets: SbomTarget<ImageFormat>[] = sbomTargets(opts, REPORT_FORMATS);
  checkSbomTimestamp(opts.sbomTimestamp);
  const config = await loadConfigOption(opts.config);
  const failOn = opts.failOn ?? config?.failOn ?? 'high';
  if (failOn !== 'none' && !isSeverity(failOn)) throw new UsageError(`--fail-on: "${failOn}" is not a severity`);
  const target = parseTarget(what, where, opts.tag);
  const push = await imageReportTarget(opts);
  const limits = {
    ...(opts.maxLayerSize !== undefined ? { maxLayerBytes: parseSize(opts.maxLayerSize, '--max-layer-size') } : {}),
    ...(opts.maxFileSize !== undefined ? { maxFileBytes: parseSize(opts.maxFileSize, '--max-file-size') } : {}),
    ...(opts.maxEntries !== undefined ? { maxEntries: Number.parseInt(opts.maxEntries, 10) } : {}),
  };
  if (limits.maxEntries !== undefined && !(limits.maxEntries > 0)) throw new UsageError(`--max-entries: "${opts.maxEntries}" is not a positive number`);
  const timeoutMs = opts.timeout !== undefined ? parseDuration(opts.timeout, '--timeout') : undefined;
  if (opts.insecure && target.kind !== 'registry') throw new UsageError('--insecure applies to registry references only');
  const baseline = opts.baseline ? await readBaseline(opts.baseline) : undefined;
  const dockerfile = opts.dockerfile !== undefined ? readDockerfileOption(opts.dockerfile, target) : undefined;
  let result;
  try {
    result = await inventoryImage(target, {
      ...(opts.platform !== undefined ? { platform: opts.platform } : {}),
      limits,
      registry: { insecure: opts.insecure === true, ...(opts.dockerConfig !== undefined ? { dockerConfig: opts.dockerConfig } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}) },
    });
  } catch (e) {
    if (e instanceof ImageReadError || e instanceof RegistryError) throw new UsageError(e.message);
    throw e;
  }
  if (dockerfile) result = attributeImageLayers(result, dockerfile);
  const vulns = optionalVulnerabilities(result.name, result.inventory, opts, failOn as Severity | 'none');
  const attached = vulns ? attachMatches(vulns.result, result.inventory.packages, 'match') : [];
  // The image is one object judged by the engine: the same rules, exemptions and baselines as a scan.
  const resource = imageResource(imageObject(result, vulns ? attached.map((a) => a.vulnerability) : undefined));
  let scan;
  try {
    scan = scanLoaded({ resources: [resource], errors: [], notes: [], files: [result.name] }, { only: opts.only, skip: opts.skip, config, baseline });
  } catch (err) {
    if (err instanceof SelectionError) throw new UsageError(err.message);
    throw err;
  }
  if (vulns) governVulnerabilities(scan.findings, (f) => attached[vulnerabilityIndex(f) ?? -1]?.match);
  // JUnit's test cases are the rules that judged the image: not the manifest rules, and not
  // vulnerable-package when no database was there to check the packages against.
  const judged = scan.rules.filter((r) => ruleApplies(r, resource) && (vulns !== undefined || r.id !== VULNERABILITY_RULE));
  const imageRulesOnly = withEvaluations({ ...scan, rules: judged }, [resource], judged);
  // vulnerable-package judged nothing without a database: it did not run, for a compliance report.
  const rulesRun = scan.rulesRun && Object.fromEntries(Object.entries(scan.rulesRun).filter(([id]) => vulns !== undefined || id !== VULNERABILITY_RULE));
  const report = buildImageReport(result, scan.findings.filter((f) => f.rule !== VULNERABILITY_RULE), rulesRun);
  const render = (t: SbomTarget<ImageFormat>, color: boolean): string => {
    if (isSbomFormat(t.format)) return writeSbom(result.inventory, t.format, { kind: target.kind === 'rootfs' ? 'filesystem' : 'image', name: result.name }, { timestamp: opts.sbomTimestamp });
    if (t.format === 'json') return JSON.stringify(withVulnerabilities(report, vulns, opts), null, 2) + '\n';
    if (t.format === 'sarif') return renderImageSarif(report, VERSION, vulns);
    if (t.format === 'junit' || t.format === 'markdown') return reporters[t.format](imageRulesOnly, { color: false, showSuppressed: opts.showSuppressed });
    if (t.format === 'html') return renderHtmlReport({ scan: imageRulesOnly, title: `kshield image report: ${result.name}` });
    const table = renderImageTable(report, { color, listPackages: opts.packages === true, showSuppressed: opts.showSuppressed === true });
    return table + vulnerabilityTableTail(vulns, opts);
  };
  const written = await writeSbomTargets(targets, !opts.color, render);
  if (push) await push(JSON.stringify(withVulnerabilities(report, vulns, opts)));
  if (opts.writeBaseline) return (await writeBaselineFile(scan.findings, opts.writeBaseline)) && written ? EXIT.clean : EXIT.usage;
  if (!written) return EXIT.usage;
  return exitCode(scan, failOn as Severity | 'none');
}
