/** One scan: a source's load result through the engine into a report. */
import type { Finding, InputError, Note, Resource, Severity } from './types.js';
import { severityRank } from './types.js';
import { evaluate, evaluations, type EngineResult, type Evaluation, type ExemptionUse } from './engine.js';
import { selectRules, SelectionError } from './select.js';
import { settingsFromConfig, parseSize, type KshieldConfig } from './config.js';
import { summarize, type Summary } from './summary.js';
import { rules as catalogue } from '../rules/index.js';
import type { Rule } from './rule.js';
import { loadPaths, resourcesFromObjects, type LoadResult } from '../sources/files.js';
import { VERSION } from '../version.js';

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
  now?: Date;
}

export interface ScanReport {
  version: string;
  findings: Finding[];
  summary: Summary;
  errors: InputError[];
  notes: Note[];
}

/** The report plus what reporters such as JUnit need and JSON leaves out. */
export interface ScanResult extends ScanReport {
  rules: Rule[];
  evaluations: Evaluation[];
  exemptions: ExemptionUse[];
  resources: Resource[];
}

export async function scanFiles(paths: string[], options: ScanOptions = {}): Promise<ScanResult> {
  const maxFileBytes = options.maxFileBytes ?? (options.config?.maxFileSize !== undefined ? parseSize(options.config.maxFileSize) : undefined);
  const loaded = await loadPaths(paths, { maxFileBytes });
  return scanLoaded(loaded, options);
}

export function scanObjects(objects: unknown[], options: ScanOptions = {}): ScanResult {
  return scanLoaded(resourcesFromObjects(objects), options);
}

export function scanLoaded(loaded: LoadResult, options: ScanOptions = {}): ScanResult {
  const config = options.config;
  const selected = selectRules(catalogue, { only: options.only, skip: options.skip, enable: config?.enable, disable: config?.disable });
  if (selected.length === 0) throw new SelectionError('no rules left to run: --only, --skip and the configuration exclude them all');
  const result: EngineResult = evaluate(loaded.resources, {
    rules: selected,
    settings: settingsFromConfig(config),
    exemptions: config?.exemptions,
    inlineSuppressions: options.inlineSuppressions ?? config?.inlineSuppressions ?? true,
    baseline: options.baseline,
    severityOverrides: config?.severity,
    now: options.now,
  });
  const findings = [...result.findings, ...expiredExemptionFindings(result.exemptions)];
  findings.sort(compareFindings);
  const errors = [...loaded.errors, ...result.errors].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? 0) - (b.line ?? 0)));
  const scan = {
    version: VERSION,
    findings,
    summary: summarize(findings, loaded.resources.length, loaded.files.length),
    errors,
    notes: loaded.notes,
    rules: selected,
    exemptions: result.exemptions,
    resources: loaded.resources,
  };
  // Only JUnit needs every (resource, rule) pair; computing them for every scan cost memory.
  let pairs: Evaluation[] | undefined;
  return Object.defineProperty(scan, 'evaluations', {
    enumerable: false,
    get: () => (pairs ??= evaluations(scan.resources, selected, result.findings)),
  }) as ScanResult;
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
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0);
}

/** Exit code policy: 2 for unreadable input, else 1 for unsuppressed findings at or above failOn, else 0. */
export function exitCode(report: ScanReport, failOn: Severity | 'none'): number {
  if (report.errors.length > 0) return 2;
  if (failOn === 'none') return 0;
  const threshold = severityRank(failOn);
  return report.findings.some((f) => !f.suppressed && severityRank(f.severity) >= threshold) ? 1 : 0;
}
