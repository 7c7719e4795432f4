/**
 * The HTML view of benchmark-style check results (`kshield node -o html`, `kshield probe ... -o html`):
 * the same self-contained page as the scan report, with a chart of the statuses and one table per
 * group (a node's component, a probe's endpoint). Static: no script, so the policy allows none.
 */
import type { CheckStatus } from '../../node/checks.js';
import { groupRows, type CheckRow } from '../checks.js';
import { escapeHtml } from './escape.js';
import { htmlPage } from './page.js';

const STATUS_ORDER: CheckStatus[] = ['fail', 'warn', 'manual', 'pass'];
const STATUS_COLOURS: Record<CheckStatus, string> = { fail: '#c62828', warn: '#ef6c00', manual: '#8d6e00', pass: '#2e7d32' };

function statusChart(rows: readonly CheckRow[]): string {
  const counts = new Map<CheckStatus, number>(STATUS_ORDER.map((s) => [s, 0]));
  for (const r of rows) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const max = Math.max(1, ...counts.values());
  const rowH = 28;
  const bars = STATUS_ORDER.map((s, i) => {
    const n = counts.get(s) ?? 0;
    const w = n === 0 ? 0 : Math.max(2, Math.round((n / max) * 300));
    const y = 4 + i * rowH;
    return `<g><text x="62" y="${y + 18}" text-anchor="end">${s}</text><rect x="70" y="${y + 4}" width="300" height="${rowH - 8}" fill="#eef0f3"/><rect x="70" y="${y + 4}" width="${w}" height="${rowH - 8}" fill="${STATUS_COLOURS[s]}"/><text x="${76 + w}" y="${y + 18}">${n}</text></g>`;
  });
  const h = STATUS_ORDER.length * rowH + 8;
  return `<svg class="chart" id="status-chart" viewBox="0 0 420 ${h}" width="420" height="${h}" role="img" aria-label="checks by status">${bars.join('')}</svg>`;
}

export interface ChecksHtmlOptions<T extends CheckRow> {
  title: string;
  /** Plain-text lines under the title (what was checked, what was detected). */
  subtitle: string[];
  rows: readonly T[];
  groupOf: (row: T) => string;
}

export function renderChecksHtml<T extends CheckRow>(options: ChecksHtmlOptions<T>): string {
  const groups = [...groupRows(options.rows, options.groupOf)].map(([group, members]) => {
    const rows = members
      .map(
        (r) =>
          `<tr><td><code>${escapeHtml(r.id)}</code></td><td><span class="status ${r.status}">${r.status}</span></td><td>${escapeHtml(r.title)}</td><td>${escapeHtml(r.evidence)}</td><td>${r.status === 'pass' ? '' : escapeHtml(r.remediation)}</td></tr>`,
      )
      .join('');
    return `<h3>${escapeHtml(group)}</h3><table class="plain"><thead><tr><th>id</th><th>status</th><th>check</th><th>evidence</th><th>remediation</th></tr></thead><tbody>${rows}</tbody></table>`;
  });
  return htmlPage({
    title: options.title,
    subtitle: options.subtitle,
    sections: [
      { id: 'overview', title: 'Overview', body: `<div class="card"><h3>Checks by status</h3>${statusChart(options.rows)}</div>` },
      { id: 'checks', title: 'Checks', body: groups.join('') || '<p class="muted">No check ran.</p>' },
    ],
  });
}
