/**
 * Markdown for pull-request comments: a severity table, then the findings grouped by rule (most
 * severe first), each rule with its remediation. Every user-controlled string is escaped so a
 * manifest cannot inject markup, mentions or table cells into the comment.
 */
import type { Finding, Severity } from '../core/types.js';
import { SEVERITIES, severityRank } from '../core/types.js';
import type { Rule } from '../core/rule.js';
import { compareFindings, type ScanResult } from '../core/scan.js';
import type { ReportOptions } from './reporter.js';
import { describeSuppression, formatInputError, formatLocation, formatNote, plural, relatedPhrase, resourceLabel } from './table.js';

export interface MarkdownOptions extends ReportOptions {
  /**
   * Prefix that turns a relative file path into a link, e.g.
   * `https://github.com/OWNER/REPO/blob/SHA/`; without it locations are plain text.
   */
  linkBase?: string;
  /** Stop adding findings past this many characters (GitHub rejects comments over 65,536). */
  maxLength?: number;
}

const DEFAULT_MAX_LENGTH = 60_000;

const ICON: Record<Severity, string> = { critical: '🔴', high: '🟠', medium: '🟡', low: '🔵', info: '⚪' };
const LABEL: Record<Severity, string> = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low', info: 'Info' };

/**
 * Inline text inside a table cell: one line, with the characters that start emphasis, code,
 * links, HTML, strikethrough or a new cell backslash-escaped and `&` written as an entity so no
 * character reference can form. (Line-start markup such as `#` or `-` cannot occur mid-cell.)
 */
export function mdText(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g, ' ')
    .replace(/[\\`*_[\]<>|~&]/g, (c) => (c === '&' ? '&amp;' : `\\${c}`));
}

/** A code span that holds any text: the fence is longer than any backtick run inside, pipes are escaped for tables. */
export function mdCode(text: string): string {
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat.replace(/\|/g, '\\|')}${pad}${fence}`;
}

function isLinkable(file: string): boolean {
  return file !== '-' && !file.startsWith('<') && !/^([A-Za-z]:)?[\\/]/.test(file);
}

function location(f: Pick<Finding, 'file' | 'line' | 'column'>, linkBase: string | undefined): string {
  const text = formatLocation(f.file, f.line, f.column);
  if (!linkBase || !isLinkable(f.file)) return mdCode(text);
  const relative = f.file.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
  const url = linkBase + relative.split('/').map(encodeURIComponent).join('/') + (f.line > 0 ? `#L${f.line}` : '');
  return `[${mdCode(text)}](${url.replace(/[()]/g, (c) => (c === '(' ? '%28' : '%29'))})`;
}

interface Group {
  rule: string;
  severity: Severity;
  info?: Rule;
  findings: Finding[];
}

function groupByRule(findings: Finding[], rules: readonly Rule[]): Group[] {
  const info = new Map(rules.map((r) => [r.id, r]));
  const groups = new Map<string, Group>();
  for (const f of findings) {
    let g = groups.get(f.rule);
    if (!g) groups.set(f.rule, (g = { rule: f.rule, severity: f.severity, info: info.get(f.rule), findings: [] }));
    g.findings.push(f);
  }
  return [...groups.values()].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
}

function findingTable(findings: Finding[], linkBase: string | undefined, withSuppression: boolean): string[] {
  const head = withSuppression ? ['| Location | Resource | Finding | Suppressed by |', '| --- | --- | --- | --- |'] : ['| Location | Resource | Finding |', '| --- | --- | --- |'];
  const rows = findings.map((f) => {
    const related = relatedPhrase(f);
    const cells = [location(f, linkBase), mdCode(resourceLabel(f.resource)), mdText(related ? `${f.message} (${related})` : f.message)];
    if (withSuppression) cells.push(mdText(describeSuppression(f)));
    return `| ${cells.join(' | ')} |`;
  });
  return [...head, ...rows];
}

export function renderMarkdown(result: ScanResult, options: MarkdownOptions): string {
  const s = result.summary;
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  const sorted = [...result.findings].sort(compareFindings);
  const open = sorted.filter((f) => !f.suppressed);
  const suppressed = sorted.filter((f) => f.suppressed);

  const out: string[] = [];
  out.push(`## kshield: ${open.length === 0 ? 'no findings' : plural(open.length, 'finding')}`, '');
  out.push('| Severity | Findings |', '| :-- | --: |');
  for (const sev of SEVERITIES) out.push(`| ${ICON[sev]} ${LABEL[sev]} | ${s.bySeverity[sev] ?? 0} |`);
  out.push('');
  const scanned = [`Scanned ${plural(s.resources, 'resource')} in ${plural(s.files, 'file')}.`];
  // Findings folded into another one (same object, same cause) are listed with it, not counted again.
  if (s.related > 0) scanned.push(`${plural(s.related, 'related finding')} folded into the findings above (same cause).`);
  if (s.hidden !== undefined && s.hidden > 0) scanned.push(`${plural(s.hidden, 'finding')} below ${s.minSeverity} not shown (--min-severity).`);
  if (s.suppressed > 0) scanned.push(`${plural(s.suppressed, 'finding')} suppressed.`);
  if (result.errors.length > 0) scanned.push(`**${plural(result.errors.length, 'input error')}** (listed below).`);
  out.push(scanned.join(' '), '');

  // Errors come before the findings: they are few, and a truncated comment must not lose them.
  if (result.errors.length > 0) {
    out.push('### Input errors', '');
    for (const e of result.errors) out.push(`- ${mdCode(formatInputError(e))}`);
    out.push('');
  }

  let length = out.join('\n').length;
  let omitted = 0;
  const fits = (line: string): boolean => omitted === 0 && length + line.length + 1 <= maxLength;
  const add = (line: string): void => {
    out.push(line);
    length += line.length + 1;
  };
  /** A section's head goes in whole or not at all, then its rows while they fit. */
  const section = (head: string[], rows: string[], tail: string[], findings: number): void => {
    if (!fits([...head, ...tail].join('\n'))) {
      omitted += findings;
      return;
    }
    head.forEach(add);
    let shown = 0;
    const tailLength = tail.join('\n').length + 1;
    for (const row of rows) {
      if (length + row.length + 1 + tailLength > maxLength) break;
      add(row);
      shown++;
    }
    tail.forEach(add);
    omitted += findings === 0 ? 0 : rows.length - shown;
  };

  for (const g of groupByRule(open, result.rules)) {
    const title = g.info ? `${mdText(g.info.title)} (${mdCode(g.rule)})` : mdCode(g.rule);
    const [th, sep, ...rows] = findingTable(g.findings, options.linkBase, false);
    const remediation = g.info?.remediation ?? g.findings[0].remediation;
    const tail = [''];
    if (remediation) tail.push(`**Fix:** ${mdText(remediation)}${g.info?.references[0] ? ` ([reference](<${g.info.references[0]}>))` : ''}`, '');
    section([`### ${ICON[g.severity]} ${LABEL[g.severity]}: ${title}`, '', th, sep], rows, tail, g.findings.length);
  }

  if (options.showSuppressed && suppressed.length > 0) {
    const [th, sep, ...rows] = findingTable(suppressed, options.linkBase, true);
    section(['<details>', `<summary>${plural(suppressed.length, 'suppressed finding')}</summary>`, '', th, sep], rows, ['', '</details>', ''], suppressed.length);
  }
  if (result.notes.length > 0) {
    section(['<details>', `<summary>${plural(result.notes.length, 'note')}</summary>`, ''], result.notes.map((n) => `- ${mdCode(formatNote(n))}`), ['', '</details>', ''], 0);
  }
  if (omitted > 0) out.push(`_${plural(omitted, 'more finding')} not shown: the comment would be too long. See the full report (JSON or SARIF)._`, '');
  return out.join('\n');
}
