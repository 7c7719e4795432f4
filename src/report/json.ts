/**
 * The machine format, described by schema/report.schema.json. Every object is built field by field
 * so the key order is fixed and nothing internal (rule objects, parsed manifests) leaks out.
 */
import type { Finding, InputError, Note, Severity } from '../core/types.js';
import { SEVERITIES } from '../core/types.js';
import { compareFindings, type ScanResult } from './scan-report.js';
import type { ReportOptions } from './reporter.js';
import { ruleInfo, rulesNamed } from './rule-info.js';

/**
 * Increases only when a field is removed or changes meaning; new fields do not change it.
 * 2: a finding's `remediation` moved to the `rules` table, once per rule (format 1 repeated it in
 * every finding: a sixth of a large report).
 */
export const JSON_REPORT_FORMAT = 2;

export interface JsonFinding {
  rule: string;
  severity: Severity;
  message: string;
  resource: { apiVersion: string; kind: string; namespace: string | null; name: string };
  file: string;
  /** 1-based; 0 when the object has no source position (e.g. it came from the API server). */
  line: number;
  column: number;
  path: string;
  suppressed: boolean;
  suppression: { kind: 'annotation' | 'comment' | 'exemption' | 'baseline'; reason: string | null; owner: string | null } | null;
  container: string | null;
  fingerprint: string;
  /** Findings of the same object with the same cause, folded into this one (see src/core/fold.ts); often empty. */
  related: JsonRelatedFinding[];
  /** Other places the finding concerns (the Dockerfile line, the manifest field running an image); absent when none. */
  locations?: { file: string; line: number; column: number; what: string }[];
}

export interface JsonRelatedFinding {
  rule: string;
  severity: Severity;
  message: string;
  line: number;
  column: number;
  path: string;
  container: string | null;
  fingerprint: string;
}

export interface JsonLogEntry {
  file: string;
  /** Left out when the problem has no line (e.g. an unreadable file). */
  line?: number;
  message: string;
}

/** One entry of the rules table: what every finding of the rule shares, said once. */
export interface JsonRule {
  id: string;
  title: string;
  /** The rule's own severity; a finding carries its effective one (configuration overrides, a cause reported lower). */
  severity: Severity;
  remediation: string;
  references: string[];
  /** The rule's page in kshield's documentation; null for findings kshield makes itself (an expired exemption). */
  docs: string | null;
}

export interface JsonReport {
  version: string;
  format: number;
  /** Every rule some finding (or related finding) of the report names, by id. */
  rules: JsonRule[];
  findings: JsonFinding[];
  summary: {
    bySeverity: Record<Severity, number>;
    byRule: Record<string, number>;
    resources: number;
    files: number;
    suppressed: number;
    related: number;
    minSeverity?: Severity;
    hidden?: number;
  };
  errors: JsonLogEntry[];
  notes: JsonLogEntry[];
  cluster?: ScanResult['cluster'];
  coverage?: ScanResult['coverage'];
  /** Every rule that ran, with how many objects it judged (0: the input held nothing it judges); for compliance reports. */
  rulesRun?: Record<string, number>;
}

function jsonFinding(f: Finding): JsonFinding {
  return {
    rule: f.rule,
    severity: f.severity,
    message: f.message,
    resource: { apiVersion: f.resource.apiVersion, kind: f.resource.kind, namespace: f.resource.namespace ?? null, name: f.resource.name },
    file: f.file,
    line: f.line,
    column: f.column,
    path: f.path,
    suppressed: f.suppressed,
    suppression: f.suppression ? { kind: f.suppression.kind, reason: f.suppression.reason ?? null, owner: f.suppression.owner ?? null } : null,
    container: f.container ?? null,
    fingerprint: f.fingerprint,
    related: (f.related ?? []).map((r) => ({
      rule: r.rule,
      severity: r.severity,
      message: r.message,
      line: r.line,
      column: r.column,
      path: r.path,
      container: r.container ?? null,
      fingerprint: r.fingerprint,
    })),
    ...(f.locations && f.locations.length > 0 ? { locations: f.locations.map((l) => ({ file: l.file, line: l.line, column: l.column ?? 0, what: l.what })) } : {}),
  };
}

function logEntry(e: InputError | Note): JsonLogEntry {
  return e.line !== undefined ? { file: e.file, line: e.line, message: e.message } : { file: e.file, message: e.message };
}

/** The rules table: each rule the findings name, sorted by id. */
function rulesTable(result: ScanResult, findings: readonly Finding[]): JsonRule[] {
  const named = rulesNamed(findings);
  const rules = new Map(result.rules.map((r) => [r.id, r]));
  return [...named.keys()].sort().map((id) => {
    const info = ruleInfo(id, rules, named.get(id)!);
    return { id, title: info.title, severity: info.severity, remediation: info.remediation, references: [...info.references], docs: info.documented ? `docs/rules/${id}.md` : null };
  });
}

/** The report as a plain object (for callers that embed it rather than print it). */
export function toJsonReport(result: ScanResult): JsonReport {
  const s = result.summary;
  const bySeverity = Object.fromEntries(SEVERITIES.map((sev) => [sev, s.bySeverity[sev] ?? 0])) as Record<Severity, number>;
  const byRule = Object.fromEntries(Object.keys(s.byRule).sort().map((id) => [id, s.byRule[id]]));
  return {
    version: result.version,
    format: JSON_REPORT_FORMAT,
    rules: rulesTable(result, result.findings),
    findings: [...result.findings].sort(compareFindings).map(jsonFinding),
    summary: {
      bySeverity,
      byRule,
      resources: s.resources,
      files: s.files,
      suppressed: s.suppressed,
      related: s.related,
      ...(s.minSeverity !== undefined ? { minSeverity: s.minSeverity, hidden: s.hidden ?? 0 } : {}),
    },
    errors: result.errors.map(logEntry),
    notes: result.notes.map(logEntry),
    ...(result.cluster ? { cluster: result.cluster } : {}),
    ...(result.coverage ? { coverage: result.coverage } : {}),
    ...(result.rulesRun ? { rulesRun: Object.fromEntries(Object.keys(result.rulesRun).sort().map((id) => [id, result.rulesRun![id]])) } : {}),
  };
}

const FINDINGS_MARK = '@@kshield-findings@@';
const FINDINGS_PLACEHOLDER = `"${FINDINGS_MARK}"`;
const FINDINGS_PER_CHUNK = 500;

/**
 * The JSON report in pieces, so a scan with a hundred thousand findings is written without first
 * building one string of many megabytes (and a Buffer copy of it). The concatenation is exactly
 * what JSON.stringify(report, null, 2) would produce.
 */
export function* renderJsonChunks(result: ScanResult): Generator<string> {
  const findings = [...result.findings].sort(compareFindings);
  const report = { ...toJsonReport({ ...result, findings: [] } as ScanResult), rules: rulesTable(result, findings) };
  if (findings.length === 0) {
    yield JSON.stringify(report, null, 2) + '\n';
    return;
  }
  const text = JSON.stringify({ ...report, findings: [FINDINGS_MARK] }, null, 2);
  const at = text.indexOf(FINDINGS_PLACEHOLDER);
  yield text.slice(0, at);
  const quoted = new Map<string, string>();
  const quote = (text: string): string => {
    // Rule ids, kinds, files and paths repeat from finding to finding: quote each once.
    let q = quoted.get(text);
    if (q === undefined) {
      q = JSON.stringify(text);
      if (quoted.size < 10_000) quoted.set(text, q);
    }
    return q;
  };
  for (let i = 0; i < findings.length; i += FINDINGS_PER_CHUNK) {
    let chunk = '';
    const end = Math.min(findings.length, i + FINDINGS_PER_CHUNK);
    for (let j = i; j < end; j++) chunk += (j > 0 ? ',\n    ' : '') + findingText(findings[j], quote);
    yield chunk;
  }
  yield text.slice(at + FINDINGS_PLACEHOLDER.length) + '\n';
}

const nullable = (value: string | undefined, quote: (t: string) => string): string => (value === undefined ? 'null' : quote(value));

/**
 * One finding exactly as JSON.stringify(report, null, 2) lays it out inside `findings` (a test
 * compares the two), written directly: the generic stringifier was a tenth of a large scan.
 */
function findingText(f: Finding, quote: (t: string) => string): string {
  const r = f.resource;
  const s = f.suppression;
  const suppression =
    s === undefined
      ? 'null'
      : `{\n        "kind": ${JSON.stringify(s.kind)},\n        "reason": ${s.reason === undefined ? 'null' : JSON.stringify(s.reason)},\n        "owner": ${s.owner === undefined ? 'null' : JSON.stringify(s.owner)}\n      }`;
  return (
    `{\n      "rule": ${quote(f.rule)},\n      "severity": ${quote(f.severity)},\n      "message": ${JSON.stringify(f.message)},\n` +
    `      "resource": {\n        "apiVersion": ${quote(r.apiVersion)},\n        "kind": ${quote(r.kind)},\n        "namespace": ${nullable(r.namespace, quote)},\n        "name": ${JSON.stringify(r.name)}\n      },\n` +
    `      "file": ${quote(f.file)},\n      "line": ${f.line},\n      "column": ${f.column},\n      "path": ${quote(f.path)},\n` +
    `      "suppressed": ${f.suppressed},\n      "suppression": ${suppression},\n      "container": ${f.container === undefined ? 'null' : JSON.stringify(f.container)},\n      "fingerprint": ${JSON.stringify(f.fingerprint)},\n` +
    `      "related": ${relatedText(f, quote)}${locationsText(f)}\n    }`
  );
}

/** A finding's `locations` (only when it has some), laid out as JSON.stringify(report, null, 2) would. */
function locationsText(f: Finding): string {
  const locations = f.locations;
  if (!locations || locations.length === 0) return '';
  const items = locations.map((l) => `        {\n          "file": ${JSON.stringify(l.file)},\n          "line": ${l.line},\n          "column": ${l.column ?? 0},\n          "what": ${JSON.stringify(l.what)}\n        }`);
  return `,\n      "locations": [\n${items.join(',\n')}\n      ]`;
}

/** A finding's `related` list, laid out as JSON.stringify(report, null, 2) would. */
function relatedText(f: Finding, quote: (t: string) => string): string {
  const related = f.related;
  if (!related || related.length === 0) return '[]';
  const items = related.map(
    (r) =>
      `        {\n          "rule": ${quote(r.rule)},\n          "severity": ${quote(r.severity)},\n          "message": ${JSON.stringify(r.message)},\n` +
      `          "line": ${r.line},\n          "column": ${r.column},\n          "path": ${quote(r.path)},\n` +
      `          "container": ${r.container === undefined ? 'null' : JSON.stringify(r.container)},\n          "fingerprint": ${JSON.stringify(r.fingerprint)}\n        }`,
  );
  return `[\n${items.join(',\n')}\n      ]`;
}

export function renderJson(result: ScanResult, _options?: ReportOptions): string {
  return [...renderJsonChunks(result)].join('');
}
