/**
 * The human format: findings grouped by file, one line each, then notes, input errors, a tally by
 * rule and a summary line.
 */
import type { Finding, Severity } from '../core/types.js';
import { plural, sanitize, wrap } from '../core/text.js';
import { describeSuppression, formatInputError, formatLocation, formatNote, relatedPhrase, resourceLabel, severityBreakdown } from './describe.js';
import { SEVERITIES } from '../core/types.js';
import { compareFindings, type ScanResult } from './scan-report.js';
import type { ReportOptions } from './reporter.js';

const RESET = '\u001b[0m';
const STYLE = {
  bold: '\u001b[1m',
  dim: '\u001b[2m',
  red: '\u001b[31m',
  yellow: '\u001b[33m',
  blue: '\u001b[34m',
  cyan: '\u001b[36m',
  gray: '\u001b[90m',
  boldRed: '\u001b[1;31m',
} as const;

const SEVERITY_STYLE: Record<Severity, keyof typeof STYLE> = {
  critical: 'boldRed',
  high: 'red',
  medium: 'yellow',
  low: 'blue',
  info: 'gray',
};

type Paint = (style: keyof typeof STYLE, text: string) => string;

function painter(color: boolean): Paint {
  return color ? (style, text) => `${STYLE[style]}${text}${RESET}` : (_style, text) => text;
}

const SEVERITY_WIDTH = Math.max(...SEVERITIES.map((s) => s.length));

/**
 * One finding on one line: `file:line:col  SEVERITY  rule-id  Kind/namespace/name  message`.
 * `locationWidth` pads the location so that a file's findings line up.
 */
export function formatFinding(finding: Finding, options: { color?: boolean; locationWidth?: number } = {}): string {
  const paint = painter(options.color ?? false);
  const location = sanitize(formatLocation(finding.file, finding.line, finding.column));
  const severity = finding.severity.toUpperCase().padEnd(SEVERITY_WIDTH);
  const parts = [
    location.padEnd(options.locationWidth ?? 0),
    finding.suppressed ? severity : paint(SEVERITY_STYLE[finding.severity], severity),
    finding.rule,
    sanitize(resourceLabel(finding.resource)),
    sanitize(finding.message),
  ];
  let line = parts.join('  ');
  if (finding.suppressed) line = paint('dim', `${line}  [suppressed: ${sanitize(describeSuppression(finding))}]`);
  return line;
}

/** The closing line: counts by severity, what was scanned, how many findings are suppressed. */
export function summaryLine(result: ScanResult, showSuppressed = false): string {
  const s = result.summary;
  const open = SEVERITIES.reduce((n, sev) => n + (s.bySeverity[sev] ?? 0), 0);
  const parts = [
    open === 0 ? 'No findings' : `${plural(open, 'finding')} (${severityBreakdown(s.bySeverity)})`,
    // Objects from the API server come from no file.
    s.files > 0 ? `${plural(s.resources, 'resource')} in ${plural(s.files, 'file')} scanned` : `${plural(s.resources, 'resource')} scanned`,
  ];
  // Counts are of findings as reported: those folded into another one (same cause) are not counted again.
  if (s.related > 0) parts.push(`${plural(s.related, 'related finding')} folded into ${open === 1 ? 'it' : 'these'} (same cause)`);
  if (s.hidden !== undefined && s.hidden > 0) parts.push(`${plural(s.hidden, 'finding')} below ${s.minSeverity} not shown (--min-severity)`);
  if (s.suppressed > 0) parts.push(`${s.suppressed} suppressed${showSuppressed ? '' : ' (shown with --show-suppressed)'}`);
  if (result.errors.length > 0) parts.push(plural(result.errors.length, 'input error'));
  return parts.join('; ') + '.';
}

/** Rows of the per-rule tally at most; the rest are summed up in one line. */
const TALLY_ROWS = 10;

/**
 * Unsuppressed findings per rule, the rules with most findings first (then the most severe, then
 * by id): where the work is. One line a rule: count, highest severity, rule id and title.
 */
export function ruleTally(result: ScanResult, options: { color?: boolean; width?: number } = {}): string[] {
  const paint = painter(options.color ?? false);
  const severityOf = new Map<string, Severity>();
  // A rule may report some findings at a lower level than others: its row shows the highest.
  for (const f of result.findings) {
    const seen = severityOf.get(f.rule);
    if (!f.suppressed && (seen === undefined || SEVERITIES.indexOf(f.severity) < SEVERITIES.indexOf(seen))) severityOf.set(f.rule, f.severity);
  }
  const titles = new Map(result.rules.map((r) => [r.id, r.title]));
  const rows = Object.entries(result.summary.byRule)
    .map(([rule, count]) => ({ rule, count, severity: severityOf.get(rule) ?? 'info' }))
    .sort((a, b) => b.count - a.count || SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
  if (rows.length === 0) return [];
  const shown = rows.slice(0, TALLY_ROWS);
  const countWidth = String(shown[0].count).length;
  const idWidth = shown.reduce((w, r) => Math.max(w, r.rule.length), 0);
  const lines = ['Findings by rule:'];
  for (const r of shown) {
    const lead = `  ${String(r.count).padStart(countWidth)}  ${paint(SEVERITY_STYLE[r.severity], r.severity.toUpperCase().padEnd(SEVERITY_WIDTH))}  `;
    const title = titles.get(r.rule);
    let line = `${r.rule.padEnd(idWidth)}${title ? `  ${title}` : ''}`;
    const room = options.width ? options.width - (countWidth + SEVERITY_WIDTH + 6) : 0;
    if (room > 0 && line.length > room) line = `${line.slice(0, Math.max(r.rule.length, room - 1)).trimEnd()}…`;
    lines.push(lead + line.trimEnd());
  }
  const rest = rows.slice(TALLY_ROWS);
  if (rest.length > 0) lines.push(`  … ${plural(rest.length, 'more rule')} with ${plural(rest.reduce((n, r) => n + r.count, 0), 'finding')}`);
  return lines;
}

/**
 * Findings grouped by file, then by object, one finding a line:
 *
 *   k8s/shop.yaml
 *     Deployment/shop/web
 *       21:11  CRITICAL  container "app" runs privileged  privileged-container
 *
 * On a terminal (`options.width`) long messages wrap under themselves, so the report reads in
 * 80-100 columns; piped output keeps one line per finding for grep.
 */
export function renderTable(result: ScanResult, options: ReportOptions): string {
  const paint = painter(options.color);
  const shown = result.findings.filter((f) => options.showSuppressed || !f.suppressed).sort(compareFindings);
  const byFile = new Map<string, Finding[]>();
  for (const f of shown) {
    const list = byFile.get(f.file);
    if (list) list.push(f);
    else byFile.set(f.file, [f]);
  }
  const blocks: string[] = [];
  for (const [file, findings] of byFile) {
    const lines = [paint('bold', sanitize(file))];
    // reduce, not Math.max(...): a file may hold more findings than a call takes arguments
    const posWidth = findings.reduce((w, f) => Math.max(w, position(f).length), 0);
    const byResource = new Map<string, Finding[]>();
    for (const f of findings) {
      const key = resourceLabel(f.resource);
      const list = byResource.get(key);
      if (list) list.push(f);
      else byResource.set(key, [f]);
    }
    for (const [label, list] of byResource) {
      lines.push(`  ${paint('cyan', sanitize(label))}`);
      for (const f of list) {
        const severity = f.severity.toUpperCase().padEnd(SEVERITY_WIDTH);
        const lead = `    ${position(f).padStart(posWidth)}  `;
        const indent = ' '.repeat(lead.length + SEVERITY_WIDTH + 2);
        const tail = f.suppressed ? `  [suppressed: ${sanitize(describeSuppression(f))}]` : '';
        const text = `${sanitize(f.message)}  ${f.rule}${tail}`;
        const room = options.width ? Math.max(30, options.width - indent.length) : 0;
        const [first, ...rest] = wrap(text, room);
        const row = `${lead}${f.suppressed ? severity : paint(SEVERITY_STYLE[f.severity], severity)}  ${first}`;
        const full = [row, ...rest.map((r) => indent + r)].join('\n');
        lines.push(f.suppressed ? paint('dim', full) : full);
        const related = relatedPhrase(f);
        if (related) lines.push(paint('dim', wrap(related, room).map((r) => indent + r).join('\n')));
        for (const l of f.locations ?? []) lines.push(paint('dim', wrap(`also ${sanitize(formatLocation(l.file, l.line, l.column))}: ${sanitize(l.what)}`, room).map((r) => indent + r).join('\n')));
      }
    }
    blocks.push(lines.join('\n'));
  }
  if (result.notes.length > 0) blocks.push(result.notes.map((n) => paint('gray', formatNote(n))).join('\n'));
  if (result.errors.length > 0) blocks.push(result.errors.map((e) => paint('red', formatInputError(e))).join('\n'));
  // A tally of one finding would repeat it.
  const open = result.findings.reduce((n, f) => n + (f.suppressed ? 0 : 1), 0);
  if (open > 1) blocks.push(ruleTally(result, options).join('\n'));
  const summary = summaryLine(result, options.showSuppressed);
  blocks.push(paint(result.errors.length > 0 || open > 0 ? 'bold' : 'dim', summary));
  return blocks.join('\n\n') + '\n';
}

function position(f: Finding): string {
  if (!f.line || f.line < 1) return '-';
  return f.column && f.column > 0 ? `${f.line}:${f.column}` : `${f.line}`;
}
