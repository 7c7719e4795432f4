/**
 * Reads the JSON results of `kshield scan`, `cluster`, `node`, `probe` and `image` into one
 * ComplianceInput (see assess.ts): which rules ran and on how many objects, their findings, and the
 * node and probe check results. Each file is recognised by its shape; anything else is a
 * ResultFileError naming the file and what is wrong. Pure but for reading the files.
 */
import { promises as fs } from 'node:fs';
import { parseDocument } from 'yaml';
import type { Severity } from '../core/types.js';
import { SEVERITIES } from '../core/types.js';
import { CONTROL_PLANE_BINARIES, flagChecks } from '../rules/control-plane/shared.js';
import { CONTROL_PLANE_RULES, controlPlaneCheckId, emptyComplianceInput, type ComplianceFinding, type ComplianceInput, type ComplianceSource, type EvidenceCheck } from './assess.js';

/** Result files larger than this are refused: a 250,000-finding scan is about 200 MB. */
export const MAX_RESULT_FILE_BYTES = 512 * 1024 * 1024;

/** The JSON report format `scan` and `cluster` write (src/report/json.ts JSON_REPORT_FORMAT) that this reader knows. */
const SCAN_FORMAT = 2;

export class ResultFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

/** What one file held, ready to merge. */
export interface ReadResult {
  source: ComplianceSource;
  /** undefined: the file does not say which rules ran (an older kshield), only its findings count. */
  rules?: Record<string, number>;
  findings: ComplianceFinding[];
  checks: Record<string, EvidenceCheck[]>;
  /** Things the reader of the report should know about this file. */
  notes: string[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const CHECK_STATUSES = new Set(['pass', 'fail', 'warn', 'manual']);

/** Beyond this, a syntax error without a position is not located again (the YAML parse is slower than JSON's). */
const MAX_YAML_LOCATE_CHARS = 16 * 1024 * 1024;

/** 1-based line of a character offset, for JSON syntax errors. */
function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * A JSON.parse error as "not valid JSON (line N): what". The line comes from the position V8 gives;
 * its "Unexpected token" errors give none, and then the YAML parser (JSON's syntax is nearly a
 * subset of YAML's) finds where the flow breaks; when it finds nothing, no line is named.
 */
export function jsonSyntaxError(text: string, error: unknown): string {
  const message = (error as Error).message;
  const at = /at position (\d+)/.exec(message);
  // V8 quotes the text around the error (`Unexpected token 'o', "tok3n..." is not valid JSON`):
  // found in the text it gives the line, and it is never repeated: it may be the start of a token
  // or a password (a secret file given by mistake).
  const quoted = /, (?:\.\.\.)?"([\s\S]*?)"(?:\.\.\.)? is not valid JSON$/.exec(message);
  const token = /^Unexpected token '([\s\S])'/.exec(message)?.[1];
  const excerptAt = quoted && quoted[1] ? text.indexOf(quoted[1]) : -1;
  // The unexpected character within the quoted text, else the quoted text's start.
  const quotedAt = excerptAt >= 0 && token !== undefined ? Math.max(excerptAt, text.indexOf(token, excerptAt)) : excerptAt;
  const line = at
    ? lineOf(text, Number(at[1]))
    : quotedAt >= 0
      ? lineOf(text, quotedAt)
      : text.length <= MAX_YAML_LOCATE_CHARS
        ? parseDocument(text, { uniqueKeys: false }).errors[0]?.linePos?.[0].line
        : undefined;
  const where = line !== undefined ? ` (line ${line})` : '';
  const what = message
    .replace(/, (?:\.\.\.)?"[\s\S]*"(?:\.\.\.)? is not valid JSON$/, '')
    .replace(/^Unexpected token '[\s\S]'/, 'Unexpected character')
    .replace(/ in JSON at position \d+[\s\S]*$/, '')
    .replace(/^JSON\.parse: /, '');
  return `not valid JSON${where}: ${what}`;
}

export function parseResultText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ResultFileError(file, jsonSyntaxError(text, e));
  }
}

/** Whether a parsed JSON document is a Kubernetes object or list rather than a kshield result (`report DIR` scans those). */
export function isKubernetesJson(value: unknown): boolean {
  if (Array.isArray(value)) return true;
  return isObject(value) && typeof value.kind === 'string' && typeof value.apiVersion === 'string';
}

/** Reads one result file (size-limited). */
export async function readResultFile(file: string, maxBytes = MAX_RESULT_FILE_BYTES): Promise<ReadResult> {
  let stat;
  try {
    stat = await fs.stat(file);
  } catch (e) {
    throw new ResultFileError(file, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message);
  }
  if (stat.isDirectory()) throw new ResultFileError(file, 'is a directory, not a JSON result (give it without --results to scan it)');
  if (stat.size > maxBytes) throw new ResultFileError(file, `${stat.size} bytes, larger than the ${maxBytes}-byte limit for a result file`);
  const text = await fs.readFile(file, 'utf8');
  return resultFromJson(parseResultText(text, file), file);
}

/** Recognises and reads one parsed result. */
export function resultFromJson(value: unknown, file: string): ReadResult {
  if (!isObject(value)) throw new ResultFileError(file, `not a kshield result: the JSON is ${Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'null' : `a ${typeof value}`}, not an object`);
  if ('format' in value && 'findings' in value) return scanResult(value, file);
  if ('subject' in value && 'packages' in value) return imageResult(value, file);
  if ('checks' in value && 'detected' in value) return nodeResult(value, file);
  if ('checks' in value && 'target' in value) return probeResult(value, file);
  if (isKubernetesJson(value)) throw new ResultFileError(file, `a Kubernetes ${String(value.kind)}, not a kshield result (give it without --results to scan it)`);
  // kshield's other JSON files, named so that the user knows what to give instead.
  if (value.kind === 'kshield-attestations') throw new ResultFileError(file, 'a kshield attestations file, not a result: give it with --attestations');
  if ('kshieldVersion' in value && 'framework' in value && 'controls' in value)
    throw new ResultFileError(file, `the JSON of kshield report (a compliance report of ${String(value.framework)}), not a result: give the scan, cluster, node, probe or image results it was made from`);
  throw new ResultFileError(file, 'not a kshield result: expected the JSON of kshield scan, cluster, node, probe or image (-o json)');
}

function need(cond: boolean, file: string, message: string): asserts cond {
  if (!cond) throw new ResultFileError(file, message);
}

function severityOf(v: unknown, file: string, where: string): Severity {
  need(typeof v === 'string' && (SEVERITIES as readonly string[]).includes(v), file, `${where}.severity ${JSON.stringify(v)} is not one of ${SEVERITIES.join(', ')}`);
  return v as Severity;
}

function rulesRunOf(value: Json, file: string): Record<string, number> | undefined {
  const run = value.rulesRun;
  if (run === undefined) return undefined;
  need(isObject(run), file, 'rulesRun must be an object of rule id to count');
  for (const [id, n] of Object.entries(run)) need(typeof n === 'number' && Number.isInteger(n) && n >= 0, file, `rulesRun.${id} must be a count, not ${JSON.stringify(n)}`);
  return { ...(run as Record<string, number>) };
}

function suppressionOf(v: unknown): ComplianceFinding['suppression'] {
  if (!isObject(v)) return null;
  const kind = v.kind;
  return {
    kind: kind === 'annotation' || kind === 'comment' || kind === 'exemption' || kind === 'baseline' ? kind : 'annotation',
    reason: typeof v.reason === 'string' ? v.reason : null,
    owner: typeof v.owner === 'string' ? v.owner : null,
  };
}

function scanResult(value: Json, file: string): ReadResult {
  need(typeof value.format === 'number', file, 'format must be a number');
  need(value.format === SCAN_FORMAT, file, `JSON report format ${String(value.format)}; this kshield reads format ${SCAN_FORMAT} (write the result again with this kshield)`);
  need(Array.isArray(value.findings), file, 'findings must be a list');
  need(isObject(value.summary), file, 'summary must be an object');
  const findings: ComplianceFinding[] = [];
  const list = value.findings as unknown[];
  for (let i = 0; i < list.length; i++) {
    const f = list[i];
    const where = `findings[${i}]`;
    need(isObject(f), file, `${where} must be an object`);
    need(typeof f.rule === 'string' && f.rule.length > 0, file, `${where}.rule must be a rule id`);
    need(typeof f.message === 'string', file, `${where}.message must be a string`);
    const severity = severityOf(f.severity, file, where);
    const r = isObject(f.resource) ? f.resource : {};
    const object = typeof r.kind === 'string' && typeof r.name === 'string' ? `${r.kind} ${typeof r.namespace === 'string' && r.namespace ? `${r.namespace}/` : ''}${r.name}` : undefined;
    const finding: ComplianceFinding = { rule: f.rule, severity, message: f.message, suppressed: f.suppressed === true, suppression: suppressionOf(f.suppression), source: file };
    if (object) finding.object = object;
    if (typeof f.file === 'string' && f.file) finding.file = f.file;
    if (typeof f.line === 'number' && f.line > 0) finding.line = f.line;
    findings.push(finding);
    // A finding folded into another (one cause, one finding) still evidences its own rule.
    if (Array.isArray(f.related))
      for (const rel of f.related) {
        if (!isObject(rel) || typeof rel.rule !== 'string' || typeof rel.message !== 'string') continue;
        const related: ComplianceFinding = { ...finding, rule: rel.rule, message: rel.message, severity: severityOf(rel.severity, file, `${where}.related`) };
        if (typeof rel.line === 'number' && rel.line > 0) related.line = rel.line;
        findings.push(related);
      }
  }
  const summary = value.summary as Json;
  const notes: string[] = [];
  let rules = rulesRunOf(value, file);
  const isCluster = isObject(value.cluster);
  if (!rules) notes.push(`${file} does not list the rules that ran (written by a kshield before rulesRun): only its findings count, no rule passes from it`);
  const hidden = typeof summary.hidden === 'number' ? summary.hidden : 0;
  if (rules && hidden > 0) {
    // --min-severity left findings out: a rule with none shown may have had some.
    const shown = new Set(findings.map((f) => f.rule));
    rules = Object.fromEntries(Object.entries(rules).filter(([id]) => shown.has(id)));
    notes.push(`${file} was written with --min-severity ${String(summary.minSeverity)} and leaves out ${hidden} finding${hidden === 1 ? '' : 's'}: rules with no finding shown are not assessed from it`);
  }
  const checks: Record<string, EvidenceCheck[]> = {};
  if (rules) controlPlaneChecks(value, file, rules, findings, checks);
  const objects = typeof summary.resources === 'number' ? summary.resources : 0;
  const files = typeof summary.files === 'number' ? summary.files : 0;
  const cluster = isCluster ? (value.cluster as Json) : undefined;
  const summaryText = cluster
    ? `cluster ${typeof cluster.context === 'string' ? cluster.context : '?'} (${objects} objects)`
    : `${objects} object${objects === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}`;
  return { source: { file, command: isCluster ? 'cluster' : 'scan', summary: summaryText }, ...(rules ? { rules } : {}), findings, checks, notes };
}

/**
 * The control-plane rules judge the flags of mirror pods: each CIS flag check of a component a
 * cluster scan judged is a node check result here (failed where a finding names it). Without the
 * cluster's list of judged components (a manifest scan), only the failures are known; the rules
 * count as having judged nothing, so they pass nothing.
 */
function controlPlaneChecks(value: Json, file: string, rules: Record<string, number>, findings: readonly ComplianceFinding[], checks: Record<string, EvidenceCheck[]>): void {
  const coverage = isObject(value.coverage) ? value.coverage : undefined;
  const cp = coverage && isObject(coverage.controlPlane) ? coverage.controlPlane : undefined;
  const judged = cp && Array.isArray(cp.judged) ? cp.judged.filter(isObject) : [];
  const failures = new Map<string, ComplianceFinding[]>();
  for (const f of findings) {
    if (!CONTROL_PLANE_RULES.has(f.rule) || (f.suppressed && f.suppression?.kind !== 'baseline')) continue;
    const id = controlPlaneCheckId(f.message);
    if (id) failures.set(id, [...(failures.get(id) ?? []), f]);
  }
  for (const id of CONTROL_PLANE_RULES) if (id in rules) rules[id] = judged.length;
  const byComponent = new Map<string, string[]>();
  for (const j of judged) {
    // The cluster report names the binary (kube-apiserver); the flag checks its component (apiserver).
    const component = typeof j.component === 'string' ? (CONTROL_PLANE_BINARIES[j.component] ?? j.component) : '';
    byComponent.set(component, [...(byComponent.get(component) ?? []), `mirror pod ${String(j.pod)} (node ${String(j.node)})`]);
  }
  for (const fc of flagChecks()) {
    const ref = `node:${fc.check.id}`;
    const pods = byComponent.get(fc.component) ?? [];
    const failed = failures.get(fc.check.id) ?? [];
    if (failed.length > 0)
      for (const f of failed) (checks[ref] ??= []).push({ status: 'fail', title: fc.check.title, evidence: f.message, where: f.object ?? 'mirror pod', source: file });
    else for (const where of pods) (checks[ref] ??= []).push({ status: 'pass', title: fc.check.title, evidence: 'flag as the benchmark asks, read through the API', where, source: file });
  }
}

function checksOf(value: Json, file: string): Json[] {
  need(Array.isArray(value.checks), file, 'checks must be a list');
  const list = value.checks as unknown[];
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    need(isObject(c), file, `checks[${i}] must be an object`);
    need(typeof c.id === 'string' && c.id.length > 0, file, `checks[${i}].id must be a check id`);
    need(typeof c.status === 'string' && CHECK_STATUSES.has(c.status), file, `checks[${i}].status ${JSON.stringify(c.status)} is not pass, fail, warn or manual`);
  }
  return list as Json[];
}

function nodeResult(value: Json, file: string): ReadResult {
  const list = checksOf(value, file);
  const detected = isObject(value.detected) ? value.detected : {};
  const root = typeof detected.root === 'string' ? detected.root : '/';
  const layout = typeof detected.layout === 'string' ? detected.layout : 'node';
  const where = `${file} (${layout} under ${root})`;
  const checks: Record<string, EvidenceCheck[]> = {};
  for (const c of list)
    (checks[`node:${String(c.id)}`] ??= []).push({
      status: c.status as EvidenceCheck['status'],
      title: typeof c.title === 'string' ? c.title : String(c.id),
      evidence: typeof c.evidence === 'string' ? c.evidence : '',
      where,
      source: file,
    });
  return { source: { file, command: 'node', summary: `${layout} node under ${root}, ${list.length} checks` }, findings: [], checks, notes: [] };
}

function probeResult(value: Json, file: string): ReadResult {
  const list = checksOf(value, file);
  const target = value.target;
  need(isObject(target) && (target.component === 'etcd' || target.component === 'kubelet'), file, 'target.component must be etcd or kubelet');
  const component = target.component as string;
  const checks: Record<string, EvidenceCheck[]> = {};
  for (const c of list)
    (checks[`probe:${component}:${String(c.id)}`] ??= []).push({
      status: c.status as EvidenceCheck['status'],
      title: typeof c.title === 'string' ? c.title : String(c.id),
      evidence: typeof c.evidence === 'string' ? c.evidence : '',
      where: `${component} ${typeof c.endpoint === 'string' ? c.endpoint : '?'}`,
      source: file,
    });
  const endpoints = Array.isArray(target.endpoints) ? target.endpoints.map(String) : [];
  return { source: { file, command: 'probe', summary: `${component} probe of ${endpoints.join(', ') || 'no endpoint'}` }, findings: [], checks, notes: [] };
}

function imageResult(value: Json, file: string): ReadResult {
  need(isObject(value.subject) && typeof value.subject.name === 'string', file, 'subject.name must be the image name');
  need(Array.isArray(value.findings), file, 'findings must be a list');
  const name = (value.subject as Json).name as string;
  const findings: ComplianceFinding[] = [];
  const list = value.findings as unknown[];
  for (let i = 0; i < list.length; i++) {
    const f = list[i];
    const where = `findings[${i}]`;
    need(isObject(f), file, `${where} must be an object`);
    need(typeof f.rule === 'string' && f.rule.length > 0, file, `${where}.rule must be a rule id`);
    need(typeof f.message === 'string', file, `${where}.message must be a string`);
    findings.push({
      rule: f.rule,
      severity: severityOf(f.severity, file, where),
      message: f.message,
      object: `image ${name}${typeof f.path === 'string' && f.path ? ` at ${f.path}` : ''}`,
      suppressed: f.suppressed === true,
      suppression: suppressionOf(f.suppression),
      source: file,
    });
  }
  const rules = rulesRunOf(value, file);
  const notes = rules ? [] : [`${file} does not list the rules that ran (written by a kshield before rulesRun): only its findings count`];
  return { source: { file, command: 'image', summary: `image ${name}` }, ...(rules ? { rules } : {}), findings, checks: {}, notes };
}

/** Merges what several files held: rule counts add up, findings and check results are all kept. */
export function mergeResults(results: readonly ReadResult[]): { input: ComplianceInput; notes: string[] } {
  const input = emptyComplianceInput();
  const notes: string[] = [];
  for (const r of results) {
    input.sources.push(r.source);
    for (const [id, n] of Object.entries(r.rules ?? {})) input.rules[id] = (input.rules[id] ?? 0) + n;
    for (const f of r.findings) input.findings.push(f);
    for (const [ref, list] of Object.entries(r.checks)) for (const c of list) (input.checks[ref] ??= []).push(c);
    notes.push(...r.notes);
  }
  return { input, notes };
}
