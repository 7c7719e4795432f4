/** The last stage of every scan: engine output (of one run, or of every thread together) as a report, and the exit code it gives. */
import type { Finding, InputError, Note, Resource, Severity } from '../core/types.js';
import { severityRank } from '../core/types.js';
import { summarize, type Summary } from '../core/summary.js';
import { foldFindings } from '../core/fold.js';
import { VERSION } from '../core/version.js';
import { evaluations, expiredExemptionFindings, type ExemptionUse } from '../engine/engine.js';
import type { Rule } from '../engine/rule.js';
import { compareFindings, type ScanReport, type ScanResult } from '../report/scan-report.js';

/** Engine output (of one run or of every shard together) as a report: sorted, summarised, with kshield's own findings. */
export function assembleResult(parts: {
  findings: Finding[];
  errors: InputError[];
  notes: Note[];
  rules: Rule[];
  exemptions: ExemptionUse[];
  resources: number;
  files: number;
  /** Rule id -> objects it judged (the engine's count); rules that ran and judged none are added with 0. */
  judged?: Record<string, number>;
}): ScanResult {
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
    ...(parts.judged ? { rulesRun: Object.fromEntries(parts.rules.map((r) => [r.id, parts.judged![r.id] ?? 0])) } : {}),
    rules: parts.rules,
    exemptions: parts.exemptions,
    resources: [],
    evaluations: [],
  };
}

/**
 * Gives a result the objects it judged and its (object, rule) pairs, computed only when asked:
 * only JUnit needs them, and computing them for every scan cost memory.
 */
export function withEvaluations(scan: ScanResult, resources: Resource[], rules: readonly Rule[]): ScanResult {
  scan.resources = resources;
  let pairs: ScanResult['evaluations'] | undefined;
  return Object.defineProperty(scan, 'evaluations', {
    enumerable: false,
    configurable: true,
    get: () => (pairs ??= evaluations(scan.resources, rules, scan.findings)),
  });
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
