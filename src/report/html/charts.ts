/** The overview's charts, drawn as inline SVG when the report is written (no script, no library). */
import { SEVERITIES, type Severity } from '../../core/types.js';
import { clip, escapeHtml, frameworkLabel } from './escape.js';
import type { Heatmap } from './model.js';
import type { ComplianceAssessment } from './compliance-types.js';

export const SEVERITY_COLOURS: Record<Severity, string> = { critical: '#b71c1c', high: '#e65100', medium: '#c79100', low: '#1565c0', info: '#607d8b' };

/** Horizontal bars, one per severity; a bar is a link that filters the findings table to it. */
export function severityChart(bySeverity: Record<Severity, number>): string {
  const max = Math.max(1, ...SEVERITIES.map((s) => bySeverity[s] ?? 0));
  const rowH = 28;
  const labelW = 80;
  const barW = 360;
  const h = SEVERITIES.length * rowH + 8;
  const rows = SEVERITIES.map((s, i) => {
    const n = bySeverity[s] ?? 0;
    const w = n === 0 ? 0 : Math.max(2, Math.round((n / max) * barW));
    const y = 4 + i * rowH;
    return (
      `<g class="bar" data-severity="${s}" tabindex="0" role="button" aria-label="show ${n} ${s} findings"><title>${n} ${s}</title>` +
      `<text x="${labelW - 8}" y="${y + 18}" text-anchor="end">${s}</text>` +
      `<rect x="${labelW}" y="${y + 4}" width="${barW}" height="${rowH - 8}" fill="#eef0f3"/>` +
      `<rect x="${labelW}" y="${y + 4}" width="${w}" height="${rowH - 8}" fill="${SEVERITY_COLOURS[s]}"/>` +
      `<text x="${labelW + w + 6}" y="${y + 18}">${n}</text></g>`
    );
  });
  return `<svg class="chart" id="severity-chart" viewBox="0 0 ${labelW + barW + 60} ${h}" width="${labelW + barW + 60}" height="${h}" role="img" aria-label="findings by severity">${rows.join('')}</svg>`;
}

function scoreColour(score: number): string {
  return score >= 90 ? '#2e7d32' : score >= 70 ? '#9e9d24' : score >= 50 ? '#ef6c00' : '#c62828';
}

/** One bar per framework: its overall score (0-100), or "not assessed" when no control could be judged. */
export function frameworkScoreChart(assessments: readonly ComplianceAssessment[]): string {
  if (assessments.length === 0) return '<p class="muted">No compliance assessment in this report.</p>';
  const rowH = 28;
  const labelW = 290;
  const barW = 280;
  const h = assessments.length * rowH + 8;
  const rows = assessments.map((a, i) => {
    const y = 4 + i * rowH;
    const score = a.overall.score;
    const label = frameworkLabel(a);
    const w = score === null ? 0 : Math.round((score / 100) * barW);
    const counts = `${a.overall.pass} pass, ${a.overall.fail} fail, ${a.overall.manual} manual, ${a.overall.notAssessed} not assessed`;
    return (
      `<g><title>${escapeHtml(label)}: ${score === null ? 'not assessed' : `${score.toFixed(0)}%`} (${counts})</title>` +
      `<text x="${labelW - 8}" y="${y + 18}" text-anchor="end">${escapeHtml(clip(label, 42))}</text>` +
      `<rect x="${labelW}" y="${y + 4}" width="${barW}" height="${rowH - 8}" fill="#eef0f3"/>` +
      (score === null ? '' : `<rect x="${labelW}" y="${y + 4}" width="${w}" height="${rowH - 8}" fill="${scoreColour(score)}"/>`) +
      `<text x="${labelW + (score === null ? 0 : w) + 6}" y="${y + 18}">${score === null ? 'not assessed' : `${score.toFixed(0)}%`}</text></g>`
    );
  });
  return `<svg class="chart" id="framework-chart" viewBox="0 0 ${labelW + barW + 100} ${h}" width="${labelW + barW + 100}" height="${h}" role="img" aria-label="compliance score per framework">${rows.join('')}</svg>`;
}

/** Namespace × category: a cell's shade grows with its count, its hue is its worst severity; a cell filters the table to it. */
export function heatmapChart(map: Heatmap): string {
  if (map.namespaces.length === 0) return '<p class="muted">No unsuppressed finding.</p>';
  const cell = 34;
  const labelW = 200;
  const headH = 110;
  const w = labelW + map.categories.length * cell + 70;
  const h = headH + map.namespaces.length * cell + 10;
  const max = Math.max(1, ...map.counts.flat());
  const out: string[] = [];
  map.categories.forEach((c, j) => {
    const x = labelW + j * cell + cell / 2;
    out.push(`<text class="col" transform="translate(${x + 4},${headH - 6}) rotate(-55)">${escapeHtml(c)}</text>`);
  });
  map.namespaces.forEach((ns, i) => {
    const y = headH + i * cell;
    out.push(`<text x="${labelW - 8}" y="${y + cell / 2 + 4}" text-anchor="end"><title>${escapeHtml(ns)}</title>${escapeHtml(clip(ns, 28))}</text>`);
    map.categories.forEach((c, j) => {
      const n = map.counts[i][j];
      const x = labelW + j * cell;
      if (n === 0) {
        out.push(`<rect x="${x + 1}" y="${y + 1}" width="${cell - 2}" height="${cell - 2}" fill="#f5f6f8"/>`);
        return;
      }
      const sev = SEVERITIES[map.worst[i][j]] ?? 'info';
      const opacity = (0.25 + 0.75 * Math.sqrt(n / max)).toFixed(2);
      const real = map.keys[i];
      const attrs = real === undefined ? '' : ` class="cell" data-namespace="${escapeHtml(real)}" data-category="${escapeHtml(c)}" tabindex="0" role="button"`;
      out.push(
        `<g${attrs}><title>${escapeHtml(ns)} · ${escapeHtml(c)}: ${n} finding(s), worst ${sev}</title>` +
          `<rect x="${x + 1}" y="${y + 1}" width="${cell - 2}" height="${cell - 2}" fill="${SEVERITY_COLOURS[sev]}" fill-opacity="${opacity}"/>` +
          `<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" class="n">${n > 999 ? `${Math.round(n / 1000)}k` : n}</text></g>`,
      );
    });
  });
  return `<svg class="chart" id="heatmap" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="findings by namespace and category">${out.join('')}</svg>`;
}
