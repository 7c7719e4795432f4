/**
 * A scan on its way into the store: the result checked to be a kshield JSON result (bounded, with
 * the first thing wrong named), each finding given its category, team and search text, and the
 * per-scan counts (the overview and trends read these, never the findings) worked out once here.
 * Only the fields listed here are stored: nothing else of the result (error texts, notes) goes in,
 * but for what compliance needs (artifacts.ts: the rules that ran, the node checks).
 */
import { jsonSyntaxError } from '../compliance/input.js';
import type { Severity } from '../core/types.js';
import { SEVERITIES, isSeverity, severityRank } from '../core/types.js';
import type { Resource } from '../core/types.js';
import { findRule } from '../rules/index.js';
import { artifactText, complianceArtifact, type ArtifactKind } from './artifacts.js';
import { DEFAULT_TEAM_LABELS, StoreError, type ObjectLabels, type ScanImport, type StoreOptions } from './types.js';

export const DEFAULT_MAX_IMPORT_BYTES = 256 * 1024 * 1024;
export const DEFAULT_MAX_FINDINGS = 1_000_000;
/** Longest text field of a finding the store keeps (a message, a path); longer is not a kshield result. */
const MAX_FIELD = 64 * 1024;

export const SCORE_FORMULA =
  'score = 100 × (1 − Σ loss / objects scanned), rounded to one decimal; each object with unsuppressed findings loses by its most severe one: critical 1, high 0.75, medium 0.4, low 0.1, info 0; never below 0; null when no object was scanned';
const LOSS: Record<Severity, number> = { critical: 1, high: 0.75, medium: 0.4, low: 0.1, info: 0 };

/** One finding as a row of the findings table (column order: FINDING_COLUMNS). */
export interface FindingRow {
  seq: number;
  rule: string;
  severity: Severity;
  sevRank: number;
  category: string;
  message: string;
  apiVersion: string;
  kind: string;
  /** '' for none (no Kubernetes namespace is empty, so this is lossless and sorts without NULLs). */
  namespace: string;
  name: string;
  file: string;
  line: number;
  col: number;
  path: string;
  container: string | null;
  suppressed: number;
  suppressionKind: string | null;
  suppressionReason: string | null;
  suppressionOwner: string | null;
  /** '' for none. */
  team: string;
  fingerprint: string;
  /** JSON of `related` and `locations` when either is present, else null. */
  extra: string | null;
  /** Lowercased rule, object, file and message: what text search matches. */
  search: string;
  /** 1 when the scan it is compared with (its source's previous) does not report its fingerprint at all, 0 when it does; null when not compared. */
  isNew: number | null;
}

export const FINDING_COLUMNS = [
  'scan_id', 'seq', 'rule', 'severity', 'sev_rank', 'category', 'message', 'api_version', 'kind', 'namespace', 'name', 'file', 'line', 'col', 'path',
  'container', 'suppressed', 'suppression_kind', 'suppression_reason', 'suppression_owner', 'team', 'fingerprint', 'extra', 'search', 'is_new',
] as const;

/** Column types for PostgreSQL's unnest() batch insert, in FINDING_COLUMNS order. */
export const FINDING_COLUMN_TYPES = [
  'bigint', 'integer', 'text', 'text', 'integer', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'integer', 'integer', 'text',
  'text', 'integer', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'integer',
] as const;

export function findingValues(scanId: number, r: FindingRow): unknown[] {
  return [
    scanId, r.seq, r.rule, r.severity, r.sevRank, r.category, r.message, r.apiVersion, r.kind, r.namespace, r.name, r.file, r.line, r.col, r.path,
    r.container, r.suppressed, r.suppressionKind, r.suppressionReason, r.suppressionOwner, r.team, r.fingerprint, r.extra, r.search, r.isNew,
  ];
}

/** A count per facet key and severity, of unsuppressed findings. */
export interface FacetRow {
  facet: 'category' | 'namespace' | 'team' | 'rule' | 'heatmap';
  key: string;
  /** '*' for the heatmap, which counts all severities together. */
  severity: Severity | '*';
  n: number;
}

export interface PreparedScan {
  source: string;
  command: string;
  startedAt: number;
  finishedAt: number;
  version: string;
  format: number;
  cluster: { server: string; context: string; version: string | null } | null;
  resources: number;
  files: number;
  bySeverity: Record<Severity, number>;
  total: number;
  suppressed: number;
  errors: number;
  notes: number;
  score: number | null;
  findings: FindingRow[];
  facets: FacetRow[];
  rules: { id: string; title: string; severity: Severity; remediation: string; references: string[]; docs: string | null }[];
  /** Every fingerprint the scan reports: its findings' (suppressed too) and those folded into them, once each. */
  fingerprints: string[];
  /** JSON bodies kept beside the rows (see artifacts.ts), each within MAX_ARTIFACT_BYTES. */
  artifacts: { kind: ArtifactKind; body: string }[];
}

function fail(what: string): never {
  throw new StoreError(`not a kshield JSON result: ${what}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown, at: string, options: { empty?: boolean } = {}): string {
  if (typeof v !== 'string') fail(`${at} is ${describe(v)}, expected a string`);
  if (!options.empty && v.length === 0) fail(`${at} is empty`);
  if (v.length > MAX_FIELD) fail(`${at} is ${v.length} characters long (at most ${MAX_FIELD})`);
  // PostgreSQL's text cannot hold NUL; both stores keep the same replacement character instead.
  return v.includes('\u0000') ? v.replaceAll('\u0000', '\ufffd') : v;
}

function optStr(v: unknown, at: string): string | null {
  return v === null || v === undefined ? null : str(v, at, { empty: true });
}

function int(v: unknown, at: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`${at} is ${describe(v)}, expected a whole number ≥ 0`);
  return v;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

/** The result's value: its text parsed (after the size cap), or the value given. */
export function parseResult(result: ScanImport['result'], maxBytes: number): unknown {
  if (typeof result === 'string' || result instanceof Uint8Array) {
    const bytes = typeof result === 'string' ? Buffer.byteLength(result) : result.byteLength;
    if (bytes > maxBytes) throw new StoreError(`the result is ${bytes} bytes, more than the ${maxBytes} bytes the store accepts in one import`);
    const text = typeof result === 'string' ? result : Buffer.from(result.buffer, result.byteOffset, result.byteLength).toString('utf8');
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new StoreError(`not a kshield JSON result: the text is ${jsonSyntaxError(text, e)}`);
    }
  }
  return result;
}

/** Namespace/kind/name → labels, and namespace name → labels, for the team lookup. */
function labelIndex(objects: readonly ObjectLabels[] | undefined): { byObject: Map<string, Record<string, string>>; byNamespace: Map<string, Record<string, string>> } {
  const byObject = new Map<string, Record<string, string>>();
  const byNamespace = new Map<string, Record<string, string>>();
  for (const o of objects ?? []) {
    if (!isObject(o) || typeof o.kind !== 'string' || typeof o.name !== 'string' || !isObject(o.labels)) continue;
    byObject.set(objectKey(o.kind, o.namespace ?? '', o.name), o.labels);
    if (o.kind === 'Namespace') byNamespace.set(o.name, o.labels);
  }
  return { byObject, byNamespace };
}

function objectKey(kind: string, namespace: string, name: string): string {
  return `${kind}\u0000${namespace}\u0000${name}`;
}

function teamOf(labels: Record<string, string> | undefined, keys: readonly string[]): string | undefined {
  if (!labels) return undefined;
  for (const k of keys) {
    const v = labels[k];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

/**
 * The labels a team is read from, of each scanned object: its own (metadata.labels), else its pod
 * template's (a Deployment labelled only on its pods).
 */
export function objectLabelsOf(resources: Iterable<Pick<Resource, 'apiVersion' | 'kind' | 'namespace' | 'name' | 'object'>>): ObjectLabels[] {
  const out: ObjectLabels[] = [];
  for (const r of resources) {
    const own = labelsAt(r.object, ['metadata', 'labels']);
    const template = labelsAt(r.object, ['spec', 'template', 'metadata', 'labels']) ?? labelsAt(r.object, ['spec', 'jobTemplate', 'spec', 'template', 'metadata', 'labels']);
    const labels = { ...(template ?? {}), ...(own ?? {}) };
    if (Object.keys(labels).length > 0) out.push({ apiVersion: r.apiVersion, kind: r.kind, namespace: r.namespace ?? null, name: r.name, labels });
  }
  return out;
}

function labelsAt(object: unknown, path: string[]): Record<string, string> | undefined {
  let v: unknown = object;
  for (const p of path) v = isObject(v) ? v[p] : undefined;
  if (!isObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

const categories = new Map<string, string>();
function categoryOf(rule: string, table: Map<string, string>): string {
  const fromReport = table.get(rule);
  if (fromReport) return fromReport;
  let c = categories.get(rule);
  if (c === undefined) {
    c = findRule(rule)?.category ?? 'other';
    categories.set(rule, c);
  }
  return c;
}

const SEVERITY_INDEX = Object.fromEntries(SEVERITIES.map((s, i) => [s, i])) as Record<Severity, number>;

function emptyCounts(): Record<Severity, number> {
  return { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
}

/** Checks the value is a kshield scan/cluster JSON result and turns it into the rows the store writes. */
export function prepareScan(input: ScanImport, options: StoreOptions, now: Date): PreparedScan {
  const source = typeof input.source === 'string' ? input.source.trim() : '';
  if (source.length === 0 || source.length > 253) throw new StoreError(`the scan's source must be a cluster name or label of 1-253 characters, not ${describe(input.source)}`);
  const command = typeof input.command === 'string' ? input.command.trim() : '';
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(command)) throw new StoreError(`the scan's command must be a kshield command name, not ${describe(input.command)}`);
  const started = input.startedAt ?? now;
  const finished = input.finishedAt ?? started;
  if (!(started instanceof Date) || Number.isNaN(started.getTime())) throw new StoreError('startedAt is not a valid date');
  if (!(finished instanceof Date) || Number.isNaN(finished.getTime())) throw new StoreError('finishedAt is not a valid date');

  const value = parseResult(input.result, options.maxImportBytes ?? DEFAULT_MAX_IMPORT_BYTES);
  if (!isObject(value)) fail(`it is ${describe(value)}, expected an object with "version", "format", "findings" and "summary"`);
  const version = str(value.version, '"version"');
  if (value.format !== 2) fail(`"format" is ${describe(value.format)}; this kshield stores format 2 (kshield scan or cluster -o json)`);
  if (!Array.isArray(value.findings)) fail(`"findings" is ${describe(value.findings)}, expected an array (only scan and cluster results hold findings)`);
  const maxFindings = options.maxFindings ?? DEFAULT_MAX_FINDINGS;
  if (value.findings.length > maxFindings) throw new StoreError(`the result holds ${value.findings.length} findings, more than the ${maxFindings} the store accepts in one import`);
  if (!isObject(value.summary)) fail(`"summary" is ${describe(value.summary)}, expected an object`);
  const resources = int(value.summary.resources, '"summary.resources"');
  const files = int(value.summary.files, '"summary.files"');
  const errors = Array.isArray(value.errors) ? value.errors.length : 0;
  const notes = Array.isArray(value.notes) ? value.notes.length : 0;
  let cluster: PreparedScan['cluster'] = null;
  if (isObject(value.cluster)) {
    cluster = { server: str(value.cluster.server, '"cluster.server"', { empty: true }), context: str(value.cluster.context, '"cluster.context"', { empty: true }), version: optStr(value.cluster.version, '"cluster.version"') };
  }
  if (!Array.isArray(value.rules)) fail(`"rules" is ${describe(value.rules)}, expected an array`);
  const rules: PreparedScan['rules'] = [];
  const seenRules = new Set<string>();
  // A category the report's rules table names wins (a result of a newer kshield may carry it).
  const ruleCategories = new Map<string, string>();
  for (let i = 0; i < value.rules.length && i < 10_000; i++) {
    const r: unknown = value.rules[i];
    const at = `rules[${i}]`;
    if (!isObject(r)) fail(`${at} is ${describe(r)}, expected an object`);
    const id = str(r.id, `${at}.id`);
    if (!isSeverity(r.severity)) fail(`${at}.severity is ${describe(r.severity)}, expected one of ${SEVERITIES.join(', ')}`);
    if (!Array.isArray(r.references)) fail(`${at}.references is ${describe(r.references)}, expected an array`);
    const rule = { id, title: str(r.title, `${at}.title`), severity: r.severity, remediation: str(r.remediation, `${at}.remediation`), references: r.references.map((x: unknown, j) => str(x, `${at}.references[${j}]`)), docs: optStr(r.docs, `${at}.docs`) };
    if (seenRules.has(id)) continue;
    seenRules.add(id);
    rules.push(rule);
    if (typeof r.category === 'string') ruleCategories.set(id, r.category);
  }

  const teamKeys = options.teamLabels ?? DEFAULT_TEAM_LABELS;
  const labels = labelIndex(input.objectLabels);
  const bySeverity = emptyCounts();
  let suppressedCount = 0;
  const findings: FindingRow[] = [];
  // Per facet, per key, counts by severity index (SEVERITIES order): no string built per finding.
  const facetCounts: Record<FacetRow['facet'], Map<string, number[]>> = { category: new Map(), namespace: new Map(), team: new Map(), rule: new Map(), heatmap: new Map() };
  const countFacet = (facet: FacetRow['facet'], key: string, severityIndex: number): void => {
    const map = facetCounts[facet];
    let counts = map.get(key);
    if (!counts) map.set(key, (counts = [0, 0, 0, 0, 0]));
    counts[severityIndex]++;
  };
  // Per object, its most severe unsuppressed finding (for the score).
  const worst = new Map<string, number>();
  const fingerprints = new Set<string>();

  for (let i = 0; i < value.findings.length; i++) {
    const f: unknown = value.findings[i];
    const at = `findings[${i}]`;
    if (!isObject(f)) fail(`${at} is ${describe(f)}, expected an object`);
    const rule = str(f.rule, `${at}.rule`);
    if (!isSeverity(f.severity)) fail(`${at}.severity is ${describe(f.severity)}, expected one of ${SEVERITIES.join(', ')}`);
    const severity = f.severity;
    const message = str(f.message, `${at}.message`);
    if (!isObject(f.resource)) fail(`${at}.resource is ${describe(f.resource)}, expected an object`);
    const apiVersion = str(f.resource.apiVersion, `${at}.resource.apiVersion`, { empty: true });
    const kind = str(f.resource.kind, `${at}.resource.kind`, { empty: true });
    const namespace = optStr(f.resource.namespace, `${at}.resource.namespace`) ?? '';
    const name = str(f.resource.name, `${at}.resource.name`, { empty: true });
    const file = str(f.file, `${at}.file`, { empty: true });
    const line = int(f.line, `${at}.line`);
    const col = int(f.column, `${at}.column`);
    const path = str(f.path, `${at}.path`, { empty: true });
    if (typeof f.suppressed !== 'boolean') fail(`${at}.suppressed is ${describe(f.suppressed)}, expected true or false`);
    const fingerprint = str(f.fingerprint, `${at}.fingerprint`);
    let suppression: { kind: string; reason: string | null; owner: string | null } | null = null;
    if (isObject(f.suppression)) suppression = { kind: str(f.suppression.kind, `${at}.suppression.kind`), reason: optStr(f.suppression.reason, `${at}.suppression.reason`), owner: optStr(f.suppression.owner, `${at}.suppression.owner`) };
    const container = optStr(f.container, `${at}.container`);
    const related = f.related === undefined || f.related === null ? [] : f.related;
    if (!Array.isArray(related)) fail(`${at}.related is ${describe(related)}, expected an array`);
    const relatedRows = related.map((r: unknown, j) => {
      const rat = `${at}.related[${j}]`;
      if (!isObject(r)) fail(`${rat} is ${describe(r)}, expected an object`);
      if (!isSeverity(r.severity)) fail(`${rat}.severity is ${describe(r.severity)}, expected one of ${SEVERITIES.join(', ')}`);
      return {
        rule: str(r.rule, `${rat}.rule`), severity: r.severity, message: str(r.message, `${rat}.message`), line: int(r.line, `${rat}.line`), column: int(r.column, `${rat}.column`),
        path: str(r.path, `${rat}.path`, { empty: true }), container: optStr(r.container, `${rat}.container`), fingerprint: str(r.fingerprint, `${rat}.fingerprint`),
      };
    });
    let locations: { file: string; line: number; column: number; what: string }[] | undefined;
    if (Array.isArray(f.locations) && f.locations.length > 0) {
      locations = f.locations.map((l: unknown, j) => {
        const lat = `${at}.locations[${j}]`;
        if (!isObject(l)) fail(`${lat} is ${describe(l)}, expected an object`);
        return { file: str(l.file, `${lat}.file`, { empty: true }), line: int(l.line, `${lat}.line`), column: int(l.column ?? 0, `${lat}.column`), what: str(l.what, `${lat}.what`) };
      });
    }
    fingerprints.add(fingerprint);
    for (const r of relatedRows) fingerprints.add(r.fingerprint);
    const category = categoryOf(rule, ruleCategories);
    const team = teamOf(labels.byObject.get(objectKey(kind, namespace, name)), teamKeys) ?? (namespace ? teamOf(labels.byNamespace.get(namespace), teamKeys) : undefined) ?? (kind === 'Namespace' ? teamOf(labels.byNamespace.get(name), teamKeys) : undefined) ?? '';
    const suppressed = f.suppressed;
    findings.push({
      seq: i, rule, severity, sevRank: severityRank(severity), category, message, apiVersion, kind, namespace, name, file, line, col, path, container,
      suppressed: suppressed ? 1 : 0, suppressionKind: suppression?.kind ?? null, suppressionReason: suppression?.reason ?? null, suppressionOwner: suppression?.owner ?? null,
      team, fingerprint,
      extra: relatedRows.length > 0 || locations ? JSON.stringify({ related: relatedRows, ...(locations ? { locations } : {}) }) : null,
      search: `${rule}\n${kind}/${namespace}/${name}\n${file}\n${message}`.toLowerCase(),
      isNew: null,
    });
    if (suppressed) {
      suppressedCount++;
      continue;
    }
    bySeverity[severity]++;
    const severityIndex = SEVERITY_INDEX[severity];
    countFacet('category', category, severityIndex);
    countFacet('namespace', namespace, severityIndex);
    countFacet('team', team, severityIndex);
    countFacet('rule', rule, severityIndex);
    // The heatmap keeps totals only (severity '*'): namespace × category is the biggest facet by far.
    countFacet('heatmap', `${namespace}/${category}`, 0);
    const objKey = objectKey(kind, namespace, name);
    worst.set(objKey, Math.max(worst.get(objKey) ?? -1, severityRank(severity)));
  }

  let loss = 0;
  const byRank = new Map(SEVERITIES.map((s) => [severityRank(s), s]));
  for (const rank of worst.values()) loss += LOSS[byRank.get(rank)!];
  const score = resources === 0 ? null : Math.round(Math.max(0, 1 - loss / resources) * 1000) / 10;

  const facets: FacetRow[] = [];
  for (const facet of Object.keys(facetCounts) as FacetRow['facet'][]) {
    for (const [key, counts] of facetCounts[facet]) {
      if (facet === 'heatmap') facets.push({ facet, key, severity: '*', n: counts[0] });
      else for (let i = 0; i < counts.length; i++) if (counts[i] > 0) facets.push({ facet, key, severity: SEVERITIES[i], n: counts[i] });
    }
  }
  const total = SEVERITIES.reduce((sum, s) => sum + bySeverity[s], 0);
  return {
    source, command, startedAt: started.getTime(), finishedAt: finished.getTime(), version, format: 2, cluster, resources, files, bySeverity, total,
    suppressed: suppressedCount, errors, notes, score, findings, facets, rules, fingerprints: [...fingerprints], artifacts: artifactsOf(value, input, source),
  };
}

/** The compliance artifact of the result, and the analyses the import carries. */
function artifactsOf(value: unknown, input: ScanImport, source: string): PreparedScan['artifacts'] {
  const out: PreparedScan['artifacts'] = [];
  const compliance = complianceArtifact(value, source, input.evidence ?? []);
  if (compliance) out.push({ kind: 'compliance', body: artifactText('compliance', compliance) });
  if (input.analyses !== undefined && input.analyses !== null) out.push({ kind: 'analyses', body: artifactText('analyses', input.analyses) });
  return out;
}
