/**
 * SARIF 2.1.0, as GitHub code scanning and other SARIF viewers read it. One run; every finding
 * is a result, suppressed ones included (with a `suppressions` entry, so viewers show them as
 * dismissed rather than losing them); input errors are tool execution notifications.
 */
import type { Finding, InputError, Note, Severity } from '../core/types.js';
import { compareFindings, type ScanResult } from './scan-report.js';
import type { ReportOptions } from './reporter.js';
import { resourceLabel } from './describe.js';
import { ruleInfo, type RuleInfo } from './rule-info.js';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
export const TOOL_NAME = 'kshield';
export const INFORMATION_URI = 'https://kshield.dev';

export type SarifLevel = 'error' | 'warning' | 'note';

const LEVEL: Record<Severity, SarifLevel> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };

/**
 * GitHub code scanning maps `security-severity` to its own labels: over 9.0 critical, 7.0-8.9
 * high, 4.0-6.9 medium, 0.1-3.9 low. The values sit inside those bands.
 */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '1.0' };

export function sarifLevel(severity: Severity): SarifLevel {
  return LEVEL[severity];
}

/** "privileged-container" -> "PrivilegedContainer": SARIF's `name` is an identifier for people. */
function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
}

function helpText(rule: RuleInfo): string {
  const lines = [rule.description, '', `Remediation: ${rule.remediation}`];
  if (rule.references.length > 0) lines.push('', 'References:', ...rule.references.map((r) => `- ${r}`));
  return lines.join('\n');
}

function helpMarkdown(rule: RuleInfo): string {
  const lines = [`**${rule.title}**`, '', rule.description, '', `**Remediation:** ${rule.remediation}`];
  if (rule.references.length > 0) lines.push('', '**References:**', '', ...rule.references.map((r) => `- <${r}>`));
  return lines.join('\n');
}

function ruleDescriptor(rule: RuleInfo, severity: Severity): Record<string, unknown> {
  const tags = [...new Set([...(rule.category ? [rule.category] : []), ...rule.tags])];
  const properties: Record<string, unknown> = { tags, precision: 'very-high', 'security-severity': SECURITY_SEVERITY[severity], severity };
  if (rule.frameworks && Object.keys(rule.frameworks).length > 0) properties.frameworks = rule.frameworks;
  const descriptor: Record<string, unknown> = {
    id: rule.id,
    name: pascalCase(rule.id),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.description },
    help: { text: helpText(rule), markdown: helpMarkdown(rule) },
  };
  if (rule.references.length > 0) descriptor.helpUri = rule.references[0];
  descriptor.defaultConfiguration = { level: LEVEL[severity] };
  descriptor.properties = properties;
  return descriptor;
}

/** `-` is standard input: there is no file to point at, so name it as such. */
const STDIN_URI = 'stdin';

/**
 * A file path as a SARIF artifact URI: relative paths stay relative (resolved by the viewer
 * against the repository root, `%SRCROOT%`), absolute ones become `file:` URIs; backslashes
 * become slashes and every character outside the URI syntax is percent-encoded.
 */
export function artifactLocation(file: string): Record<string, unknown> {
  if (file === '-' || file === '<stdin>') return { uri: STDIN_URI, description: { text: 'standard input' } };
  let p = file.replace(/\\/g, '/');
  const drive = /^[A-Za-z]:\//.test(p);
  if (drive || p.startsWith('/')) {
    const encoded = (drive ? p : p.replace(/^\/+/, '')).split('/').map(encodeSegment).join('/');
    return { uri: `file:///${encoded}` };
  }
  while (p.startsWith('./')) p = p.slice(2);
  const encoded = p.split('/').map(encodeSegment).join('/');
  // A first segment holding ':' would read as a URI scheme; "./" keeps it a relative path.
  const uri = /^[^/]*:/.test(encoded) ? `./${encoded}` : encoded;
  return { uri, uriBaseId: '%SRCROOT%' };
}

function encodeSegment(segment: string): string {
  // encodeURIComponent leaves !'()* alone, which is valid in a path; ':' is allowed in a path segment but not the first.
  return encodeURIComponent(segment).replace(/%3A/gi, ':');
}

function region(line: number | undefined, column?: number): Record<string, number> | undefined {
  if (!line || line < 1) return undefined;
  return column && column > 0 ? { startLine: line, startColumn: column } : { startLine: line };
}

function physicalLocation(file: string, line?: number, column?: number): Record<string, unknown> {
  const loc: Record<string, unknown> = { artifactLocation: artifactLocation(file) };
  const r = region(line, column);
  if (r) loc.region = r;
  return loc;
}

function suppression(f: Finding): Record<string, unknown> {
  const s = f.suppression;
  if (!s) return { kind: 'external', status: 'accepted' };
  const justification =
    s.kind === 'annotation' || s.kind === 'comment'
      ? `kshield.io/ignore ${s.kind}${s.reason ? `: ${s.reason}` : ''}`
      : s.kind === 'exemption'
        ? `exemption${s.owner ? ` (owner ${s.owner})` : ''}${s.reason ? `: ${s.reason}` : ''}`
        : 'accepted in the baseline';
  return { kind: s.kind === 'annotation' || s.kind === 'comment' ? 'inSource' : 'external', status: 'accepted', justification };
}

/**
 * The findings folded into this one (same object, same cause) as `relatedLocations`, each with its
 * rule, severity and message, and the message sentence linking them ("[rule-id](1)", SARIF's
 * embedded links, which GitHub shows). A message that already holds "](" would make a link of
 * its own text: then the rule ids are listed without links.
 */
function relatedParts(f: Finding, text: string): { text: string; relatedLocations?: Record<string, unknown>[]; related?: Record<string, unknown>[] } {
  const related = f.related ?? [];
  if (related.length === 0) return { text };
  const relatedLocations = related.map((r, i) => ({
    id: i + 1,
    physicalLocation: physicalLocation(f.file, r.line, r.column),
    message: { text: `${r.rule} (${r.severity}): ${r.message}` },
  }));
  const links = text.includes('](') ? related.map((r) => r.rule) : related.map((r, i) => `[${r.rule}](${i + 1})`);
  return {
    // The finding's own text stays the first sentence (viewers short of room show only that).
    text: `${/[.!?]$/.test(text) ? text : `${text}.`} Same cause, also reported by ${links.join(', ')}.`,
    relatedLocations,
    related: related.map((r) => ({ ruleId: r.rule, severity: r.severity, path: r.path, ...(r.container !== undefined ? { container: r.container } : {}), fingerprint: r.fingerprint })),
  };
}

function result(f: Finding, ruleIndex: number): Record<string, unknown> {
  const label = resourceLabel(f.resource);
  const properties: Record<string, unknown> = { severity: f.severity, resource: label, path: f.path };
  if (f.container !== undefined) properties.container = f.container;
  const folded = relatedParts(f, `${label}: ${f.message}`);
  if (folded.related) properties.related = folded.related;
  const out: Record<string, unknown> = {
    ruleId: f.rule,
    ruleIndex,
    level: LEVEL[f.severity],
    message: { text: folded.text },
    locations: [
      {
        physicalLocation: physicalLocation(f.file, f.line, f.column),
        logicalLocations: [{ name: f.resource.name, fullyQualifiedName: label, kind: 'resource' }],
      },
    ],
    partialFingerprints: { 'kshield/v1': f.fingerprint },
  };
  // The other places the finding concerns (another file's line): after the folded findings' locations, ids continuing.
  const others = (f.locations ?? []).map((l, i) => ({ id: (folded.relatedLocations?.length ?? 0) + i + 1, physicalLocation: physicalLocation(l.file, l.line, l.column ?? 0), message: { text: l.what } }));
  if (folded.relatedLocations || others.length > 0) out.relatedLocations = [...(folded.relatedLocations ?? []), ...others];
  if (f.suppressed) out.suppressions = [suppression(f)];
  out.properties = properties;
  return out;
}

function notification(entry: InputError | Note, level: 'error' | 'note'): Record<string, unknown> {
  return { level, message: { text: entry.message }, locations: [{ physicalLocation: physicalLocation(entry.file, entry.line) }] };
}

/** The SARIF log as a plain object. */
export function toSarif(scan: ScanResult): Record<string, unknown> {
  const { shell, findings, index } = sarifParts(scan);
  return shell(findings.map((f) => result(f, index.get(f.rule)!)));
}

/**
 * The SARIF log in pieces, each result laid out as JSON.stringify(log, null, 2) would lay it out
 * (a test compares the two), so a scan with a hundred thousand findings is written without first
 * holding every result object and one string of the whole log (over a gigabyte on the benchmark
 * corpus).
 */
export function* renderSarifChunks(scan: ScanResult): Generator<string> {
  const { shell, findings, index } = sarifParts(scan);
  if (findings.length === 0) {
    yield JSON.stringify(shell([]), null, 2) + '\n';
    return;
  }
  const text = JSON.stringify(shell([RESULTS_MARK]), null, 2);
  const at = text.indexOf(RESULTS_PLACEHOLDER);
  const indent = '\n' + ' '.repeat(at - text.lastIndexOf('\n', at) - 1);
  yield text.slice(0, at);
  for (let i = 0; i < findings.length; i += RESULTS_PER_CHUNK) {
    let chunk = '';
    const end = Math.min(findings.length, i + RESULTS_PER_CHUNK);
    for (let j = i; j < end; j++) chunk += (j > 0 ? ',' + indent : '') + JSON.stringify(result(findings[j], index.get(findings[j].rule)!), null, 2).replace(/\n/g, indent);
    yield chunk;
  }
  yield text.slice(at + RESULTS_PLACEHOLDER.length) + '\n';
}

const RESULTS_MARK = '@@kshield-results@@';
const RESULTS_PLACEHOLDER = `"${RESULTS_MARK}"`;
const RESULTS_PER_CHUNK = 500;

/** Everything of the log but its results, and what a result needs. */
function sarifParts(scan: ScanResult): { shell: (results: unknown[]) => Record<string, unknown>; findings: Finding[]; index: Map<string, number> } {
  const findings = [...scan.findings].sort(compareFindings);
  // A rule's findings all carry its effective severity (configuration overrides are per rule), so
  // the descriptor advertises that one: GitHub ranks alerts by the rule's security-severity.
  const effective = new Map<string, Severity>();
  for (const f of findings) if (!effective.has(f.rule)) effective.set(f.rule, f.severity);

  const infos: RuleInfo[] = scan.rules.map((r) => ({ ...r, documented: true }));
  const known = new Set(infos.map((r) => r.id));
  // The catalogue's rules are all listed above: what is left is kshield's own (or a finding from elsewhere).
  const noRules = new Map<string, never>();
  for (const f of findings) {
    if (known.has(f.rule)) continue;
    known.add(f.rule);
    infos.push(ruleInfo(f.rule, noRules, f));
  }
  const index = new Map(infos.map((r, i) => [r.id, i]));
  const descriptors = infos.map((r) => ruleDescriptor(r, effective.get(r.id) ?? r.severity));

  const invocation: Record<string, unknown> = { executionSuccessful: scan.errors.length === 0 };
  const notifications = [...scan.errors.map((e) => notification(e, 'error')), ...scan.notes.map((n) => notification(n, 'note'))];
  if (notifications.length > 0) invocation.toolExecutionNotifications = notifications;

  const shell = (results: unknown[]): Record<string, unknown> => ({
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: TOOL_NAME,
            version: scan.version,
            semanticVersion: scan.version,
            informationUri: INFORMATION_URI,
            rules: descriptors,
          },
        },
        invocations: [invocation],
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  });
  return { shell, findings, index };
}

export function renderSarif(scan: ScanResult, _options?: ReportOptions): string {
  return [...renderSarifChunks(scan)].join('');
}
