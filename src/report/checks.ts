/**
 * Table and Markdown renderings of benchmark-style check results, shared by the commands
 * that judge a target rather than manifests (`kshield node`, `kshield probe`). A row belongs
 * to a group (a component of a node, an endpoint of a probe); groups keep their first-seen order.
 */
import type { CheckStatus } from '../node/checks.js';
import { sanitize, wrap } from '../core/text.js';

export interface CheckRow {
  id: string;
  title: string;
  status: CheckStatus;
  evidence: string;
  remediation: string;
}

const ALL_STATUSES: CheckStatus[] = ['pass', 'fail', 'warn', 'manual'];

export function countStatuses(rows: readonly { status: CheckStatus }[]): Record<CheckStatus, number> {
  const counts: Record<CheckStatus, number> = { pass: 0, fail: 0, warn: 0, manual: 0 };
  for (const r of rows) counts[r.status]++;
  return counts;
}

/** "12 checks: 3 pass, 9 fail, 0 warn, 0 manual" (only the statuses asked for). */
export function checksSummaryLine(rows: readonly { status: CheckStatus }[], statuses: readonly CheckStatus[] = ALL_STATUSES): string {
  const counts = countStatuses(rows);
  return `${rows.length} checks: ${statuses.map((s) => `${counts[s]} ${s}`).join(', ')}`;
}

export function groupRows<T>(rows: readonly T[], groupOf: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const r of rows) {
    const key = groupOf(r);
    const group = groups.get(key);
    if (group) group.push(r);
    else groups.set(key, [r]);
  }
  return groups;
}

export interface ChecksTableOptions<T extends CheckRow> {
  /** Lines printed before the first group (what was checked, what was detected). */
  header: string[];
  rows: readonly T[];
  groupOf: (row: T) => string;
  color: boolean;
  width?: number;
  /** Statuses counted in the closing summary line. */
  summaryStatuses?: readonly CheckStatus[];
}

/** `== group ==` blocks of `id STATUS title`, evidence and (unless passed) the fix indented below. */
export function renderChecksTable<T extends CheckRow>(options: ChecksTableOptions<T>): string {
  const { rows, color, width = 100 } = options;
  const paint = (status: CheckStatus): string => {
    const label = status.toUpperCase().padEnd(7);
    if (!color) return label;
    const code = status === 'pass' ? 32 : status === 'fail' ? 31 : 33;
    return `\u001b[${code}m${label}\u001b[0m`;
  };
  const lines = [...options.header];
  // Long named ids (4.2.protect-kernel-defaults) overflow their column rather than widen every line.
  const idWidth = Math.min(10, Math.max(6, ...rows.map((r) => r.id.length)));
  const indent = ' '.repeat(idWidth + 11);
  const textWidth = Math.max(40, width - indent.length);
  for (const [group, members] of groupRows(rows, options.groupOf)) {
    lines.push('', `== ${sanitize(group)} ==`);
    for (const r of members) {
      lines.push(`  ${r.id.padEnd(idWidth)}  ${paint(r.status)}${sanitize(r.title)}`);
      for (const l of wrap(sanitize(r.evidence), textWidth)) lines.push(`${indent}${l}`);
      if (r.status !== 'pass') for (const l of wrap(`fix: ${sanitize(r.remediation)}`, textWidth)) lines.push(`${indent}${l}`);
    }
  }
  lines.push('', checksSummaryLine(rows, options.summaryStatuses));
  return lines.join('\n') + '\n';
}

/** A Markdown table cell: control characters neutralised, backslashes and pipes escaped. */
export function markdownCell(text: string): string {
  return sanitize(text).replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
}

export interface ChecksMarkdownOptions<T extends CheckRow> {
  /** Lines before the first group: a `#` heading and a sentence on what was checked. */
  header: string[];
  rows: readonly T[];
  groupOf: (row: T) => string;
}

/** Markdown for a pull request or a ticket: one `##` section and table per group. */
export function renderChecksMarkdown<T extends CheckRow>(options: ChecksMarkdownOptions<T>): string {
  const lines = [...options.header];
  for (const [group, members] of groupRows(options.rows, options.groupOf)) {
    lines.push('', `## ${markdownCell(group)}`, '', '| id | status | check | evidence | remediation |', '| --- | --- | --- | --- | --- |');
    for (const r of members) lines.push(`| ${markdownCell(r.id)} | ${r.status} | ${markdownCell(r.title)} | ${markdownCell(r.evidence)} | ${r.status === 'pass' ? '' : markdownCell(r.remediation)} |`);
  }
  return lines.join('\n') + '\n';
}
