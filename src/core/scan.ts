/** One scan: a source's load result through the engine into a report. */
import type { Finding, InputError, Note, Resource, Severity } from './types.js';
import { severityRank } from './types.js';
import { evaluate, evaluations, type EngineOptions, type EngineResult, type Evaluation, type ExemptionUse } from './engine.js';
import { scanSharded, shardCount } from './shard.js';
import { selectRules, SelectionError } from './select.js';
import { settingsFromConfig, parseSize, type KshieldConfig } from './config.js';
import { summarize, type Summary } from './summary.js';
import { foldFindings } from './fold.js';
import { rules as catalogue } from '../rules/index.js';
import type { Rule, RuleSettings } from './rule.js';
import type { NamespacePssVersions } from './pss.js';
import { addUnplacedNote, expandInputs, loadFiles, nothingToScan, resourcesFromObjects, withInputCrds, type LoadResult } from '../sources/files.js';
import type { PlacementOptions } from '../sources/placement.js';
import { VERSION } from '../version.js';
import type { Coverage } from '../sources/cluster.js';

export interface ScanOptions {
  /** Rule ids or tags: run only these. */
  only?: string[];
  /** Rule ids or tags to leave out. */
  skip?: string[];
  config?: KshieldConfig;
  /** false: ignore `kshield.io/ignore` annotations. Default: the configuration's, else true. */
  inlineSuppressions?: boolean;
  /** Fingerprints of accepted findings (from `--baseline`). */
  baseline?: ReadonlySet<string>;
  maxFileBytes?: number;
  /** Render kustomizations and Helm charts found in directories (default true); false scans their files as they are. */
  render?: boolean;
  /** Deadline of one renderer run, in milliseconds. */
  renderTimeoutMs?: number;
  now?: Date;
  /**
   * Worker threads to spread the files over: a number, or "auto" (one per core, up to 4, for
   * inputs large enough to pay for starting them). Default 1. A scan run on more than one
   * thread does not keep the parsed objects: `resources` and `evaluations` come back empty.
   */
  jobs?: number | 'auto';
  /**
   * Keep every parsed object in the result (`resources`, and `evaluations` for JUnit). Default
   * true. false lets a scan drop each object once the rules that need it have run, which keeps
   * the memory of large scans low; more than one job implies false.
   */
  keepResources?: boolean;
  /**
   * Where namespaced objects without metadata.namespace will be applied (`kubectl apply -n`):
   * they are placed there, and an object naming another namespace is an input error. Without it
   * they are analysed in "default" and one note counts them. See sources/placement.ts.
   */
  namespace?: string;
  /** How that option is spelled in messages. Default "--namespace". */
  namespaceFlag?: string;
  /** Set by scanFiles for its threads: the placement, with the scopes of the input's CRDs. */
  placement?: PlacementOptions;
  /** Pod Security Standards version from `--pss-version` ("latest" or "v1.N"); wins over the configuration's. */
  pssVersion?: string;
  /** The target cluster's minor version (`kshield cluster`: the API server's); wins over the configured kubernetesVersion as the newest policy version. */
  pssClusterMinor?: number;
  /** `kshield cluster`: the versions namespaces' labels set (see RuleSettings.pssNamespaces). */
  pssNamespaces?: ReadonlyMap<string, NamespacePssVersions>;
}

export interface ScanReport {
  version: string;
  findings: Finding[];
  summary: Summary;
  errors: InputError[];
  notes: Note[];
  /** Set by `kshield cluster`: the cluster scanned. */
  cluster?: { server: string; context: string; version: string | null };
  /** Set by `kshield cluster`: what was listed and what the identity could not list. */
  coverage?: Coverage;
}

/** The report plus what reporters such as JUnit need and JSON leaves out. */
export interface ScanResult extends ScanReport {
  rules: Rule[];
  evaluations: Evaluation[];
  exemptions: ExemptionUse[];
  resources: Resource[];
}

export async function scanFiles(paths: string[], options: ScanOptions = {}): Promise<ScanResult> {
  const maxFileBytes = maxFileBytesOf(options);
  const expansionErrors: InputError[] = [];
  const { files, notes } = await expandInputs(paths, expansionErrors, { render: options.render });
  const expansion = { inputs: paths, errors: expansionErrors, notes };
  const placement = withInputCrds(files, { maxFileBytes, placement: { namespace: options.namespace, flag: options.namespaceFlag ?? '--namespace' } });
  if (options.keepResources === false || (options.jobs !== undefined && options.jobs !== 1)) {
    return scanSharded(files, expansion, { ...options, maxFileBytes, placement }, shardCount(files, options.jobs));
  }
  const loaded = await loadFiles(files, { maxFileBytes, placement, renderTimeoutMs: options.renderTimeoutMs });
  loaded.errors.unshift(...expansionErrors);
  loaded.notes.unshift(...notes);
  const nothing = nothingToScan(paths, files.length, loaded.resources.length, loaded.errors.length, loaded.empty ?? [], loaded.notes);
  if (nothing) {
    loaded.errors.push(...nothing.errors);
    loaded.notes = loaded.notes.filter((n) => !nothing.replacedNotes.has(n));
  }
  addUnplacedNote(loaded, placement);
  return scanLoaded(loaded, options);
}

export function maxFileBytesOf(options: ScanOptions): number | undefined {
  return options.maxFileBytes ?? (options.config?.maxFileSize !== undefined ? parseSize(options.config.maxFileSize) : undefined);
}

/** Scans objects already in memory; `file` names where they came from in findings ("cluster:admin"). */
export function scanObjects(objects: unknown[], options: ScanOptions = {}, file?: string): ScanResult {
  return scanLoaded(resourcesFromObjects(objects, file), options);
}

export interface PreparedScan {
  rules: Rule[];
  engine: EngineOptions;
}

/** The rules and engine options a scan runs with; throws SelectionError when nothing is left to run. */
export function prepareScan(options: ScanOptions): PreparedScan {
  const config = options.config;
  const selected = selectRules(catalogue, { only: options.only, skip: options.skip, enable: config?.enable, disable: config?.disable });
  if (selected.length === 0) throw new SelectionError('no rules left to run: --only, --skip and the configuration exclude them all');
  return {
    rules: selected,
    engine: {
      rules: selected,
      settings: scanSettings(options),
      exemptions: config?.exemptions,
      inlineSuppressions: options.inlineSuppressions ?? config?.inlineSuppressions ?? true,
      baseline: options.baseline,
      severityOverrides: config?.severity,
      now: options.now,
    },
  };
}

/** The rule settings of a scan: the configuration's, with what the command line and the cluster add. */
export function scanSettings(options: ScanOptions): Partial<RuleSettings> {
  const settings = settingsFromConfig(options.config);
  if (options.pssVersion !== undefined) settings.pssVersion = options.pssVersion;
  if (options.pssClusterMinor !== undefined) settings.pssClusterMinor = options.pssClusterMinor;
  if (options.pssNamespaces !== undefined) settings.pssNamespaces = options.pssNamespaces;
  return settings;
}

export function scanLoaded(loaded: LoadResult, options: ScanOptions = {}): ScanResult {
  const { rules: selected, engine } = prepareScan(options);
  const result: EngineResult = evaluate(loaded.resources, engine);
  const scan = assembleResult({
    findings: result.findings,
    errors: [...loaded.errors, ...result.errors],
    notes: loaded.notes,
    rules: selected,
    exemptions: result.exemptions,
    resources: loaded.resources.length,
    files: loaded.files.length,
  }) as ScanResult;
  scan.resources = loaded.resources;
  // Only JUnit needs every (resource, rule) pair; computing them for every scan cost memory.
  let pairs: Evaluation[] | undefined;
  return Object.defineProperty(scan, 'evaluations', {
    enumerable: false,
    get: () => (pairs ??= evaluations(scan.resources, selected, scan.findings)),
  });
}

/** Engine output (of one run or of every shard together) as a report: sorted, summarised, with kshield's own findings. */
export function assembleResult(parts: {
  findings: Finding[];
  errors: InputError[];
  notes: Note[];
  rules: Rule[];
  exemptions: ExemptionUse[];
  resources: number;
  files: number;
}): Omit<ScanResult, 'evaluations'> & { evaluations?: Evaluation[] } {
  for (const f of expiredExemptionFindings(parts.exemptions)) parts.findings.push(f);
  // One cause, one finding: see src/core/fold.ts.
  const findings = foldFindings(parts.findings, new Map(parts.rules.map((r, i) => [r.id, i])));
  findings.sort(compareFindings);
  const errors = parts.errors.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? 0) - (b.line ?? 0)));
  return {
    version: VERSION,
    findings,
    summary: summarize(findings, parts.resources, parts.files),
    errors,
    notes: parts.notes,
    rules: parts.rules,
    exemptions: parts.exemptions,
    resources: [],
  };
}

export const EXPIRED_EXEMPTION_RULE = 'exemption-expired';

/** An exemption past its date stops suppressing, and says so. */
function expiredExemptionFindings(uses: readonly ExemptionUse[]): Finding[] {
  return uses
    .filter((u) => u.expired)
    .map((u) => {
      const e = u.exemption;
      const src = e.source;
      return {
        rule: EXPIRED_EXEMPTION_RULE,
        severity: 'medium' as Severity,
        message: `exemption for ${e.rules.join(', ')} (owner ${e.owner}) expired on ${e.expires}; it no longer suppresses ${u.matched} finding(s)`,
        resource: { apiVersion: 'kshield.io/v1', kind: 'Exemption', name: `exemptions[${src?.index ?? 0}]` },
        file: src?.file ?? '<config>',
        line: src?.line ?? 0,
        column: src?.column ?? 0,
        path: `/exemptions/${src?.index ?? 0}/expires`,
        remediation: 'Fix the findings the exemption covered, or renew it with a new expiry date and a reason.',
        suppressed: false,
        fingerprint: `exemption-${src?.index ?? 0}-${e.expires}`,
      };
    });
}

export function compareFindings(a: Finding, b: Finding): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column || compareResources(a, b) || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0);
}

/** Objects without positions (from the API server) share line 0: they are ordered by namespace, kind and name. */
function compareResources(a: Finding, b: Finding): number {
  if (a.line !== 0) return 0;
  const x = a.resource;
  const y = b.resource;
  const ka = `${x.namespace ?? ''}\u0000${x.kind}\u0000${x.name}`;
  const kb = `${y.namespace ?? ''}\u0000${y.kind}\u0000${y.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Exit code policy: 2 for unreadable input, else 1 for unsuppressed findings at or above failOn, else 0. */
export function exitCode(report: ScanReport, failOn: Severity | 'none'): number {
  if (report.errors.length > 0) return 2;
  if (failOn === 'none') return 0;
  const threshold = severityRank(failOn);
  return report.findings.some((f) => !f.suppressed && severityRank(f.severity) >= threshold) ? 1 : 0;
}

/**
 * The report as `--min-severity LEVEL` shows it: findings below LEVEL left out (suppressed ones
 * too), the summary counting what is shown and saying how many unsuppressed findings were left
 * out. Only what is shown changes: exit codes (`exitCode`) and baselines use the whole report.
 */
export function atMinSeverity(result: ScanResult, level: Severity): ScanResult {
  const threshold = severityRank(level);
  const shown = result.findings.filter((f) => severityRank(f.severity) >= threshold);
  const hidden = result.findings.reduce((n, f) => n + (!f.suppressed && severityRank(f.severity) < threshold ? 1 : 0), 0);
  const summary: Summary = { ...summarize(shown, result.summary.resources, result.summary.files), minSeverity: level, hidden };
  const view: ScanResult = { ...result, findings: shown, summary };
  // JUnit's (object, rule) pairs are computed on demand (a getter the spread does not copy).
  return Object.defineProperty(view, 'evaluations', { enumerable: false, get: () => result.evaluations });
}
