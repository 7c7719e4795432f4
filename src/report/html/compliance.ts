/** The compliance view: per framework, the score by section and every control with its status and evidence. */
import { clip, escapeHtml } from './escape.js';
import type { ComplianceAssessment, ControlResult, SectionScore } from './compliance-types.js';

/** Evidence findings listed per control before the rest are counted. */
export const MAX_EVIDENCE_FINDINGS = 20;

const STATUS_TEXT: Record<ControlResult['status'], string> = { pass: 'pass', fail: 'fail', manual: 'manual', 'not-assessed': 'not assessed' };

function scoreText(s: SectionScore): string {
  return s.score === null ? 'not assessed' : `${s.score.toFixed(0)}%`;
}

function scoreBar(s: SectionScore): string {
  const w = s.score === null ? 0 : Math.round(s.score);
  return `<svg class="minibar" viewBox="0 0 100 10" width="100" height="10" aria-hidden="true"><rect width="100" height="10" fill="#eef0f3"/><rect width="${w}" height="10" class="${s.score === null ? '' : s.score >= 90 ? 'good' : s.score >= 50 ? 'fair' : 'poor'}"/></svg>`;
}

function controlRow(c: ControlResult): string {
  const evidence = c.evidence
    .map((e) => {
      const findings = e.findings ?? [];
      const shown = findings.slice(0, MAX_EVIDENCE_FINDINGS);
      const list = shown.length
        ? `<ul>${shown
            .map(
              (f) =>
                `<li><span class="sev ${escapeHtml(f.severity)}">${escapeHtml(f.severity)}</span> ${escapeHtml(f.rule)}: ${escapeHtml(f.message)}` +
                (f.object ? ` <span class="muted">${escapeHtml(f.object)}</span>` : '') +
                (f.file ? ` <code>${escapeHtml(f.file)}${f.line ? `:${f.line}` : ''}</code>` : '') +
                '</li>',
            )
            .join('')}${findings.length > shown.length ? `<li class="muted">${findings.length - shown.length} more</li>` : ''}</ul>`
        : '';
      return `<li><code>${escapeHtml(e.ref)}</code> <span class="status ${e.status}">${STATUS_TEXT[e.status]}</span>${list}</li>`;
    })
    .join('');
  const attestation = c.attestation
    ? `<p>Attested <span class="status ${c.attestation.status}">${c.attestation.status}</span> by ${escapeHtml(c.attestation.by)} on ${escapeHtml(c.attestation.at)}, expires ${escapeHtml(c.attestation.expires)}: ${escapeHtml(c.attestation.evidence)}</p>`
    : '';
  const guidance = c.guidance ? `<p class="guidance">${escapeHtml(c.guidance)}</p>` : '';
  const body = evidence || guidance || attestation ? `${attestation}${guidance}${evidence ? `<ul class="evidence">${evidence}</ul>` : ''}` : '<p class="muted">No evidence.</p>';
  return `<details class="control"><summary><span class="status ${c.status}">${STATUS_TEXT[c.status]}</span> <code>${escapeHtml(c.id)}</code> ${escapeHtml(clip(c.title, 160))}${c.assessment === 'manual' ? ' <span class="muted">(manual)</span>' : ''}</summary>${body}</details>`;
}

function frameworkBlock(a: ComplianceAssessment, index: number): string {
  const sections = a.sections
    .map((s) => `<tr><td><code>${escapeHtml(s.id)}</code> ${escapeHtml(s.title)}</td><td>${scoreBar(s)} ${scoreText(s)}</td><td>${s.pass}</td><td>${s.fail}</td><td>${s.manual}</td><td>${s.notAssessed}</td></tr>`)
    .join('');
  const bySection = new Map<string, ControlResult[]>();
  for (const c of a.controls) {
    const list = bySection.get(c.section) ?? [];
    list.push(c);
    bySection.set(c.section, list);
  }
  const title = new Map(a.sections.map((s) => [s.id, s.title]));
  const controls = [...bySection.entries()].map(([sec, list]) => `<h4>${escapeHtml(sec)} ${escapeHtml(title.get(sec) ?? '')}</h4>${list.map(controlRow).join('')}`).join('');
  return (
    `<section class="framework" id="framework-${index}"><h3>${escapeHtml(a.title)} ${escapeHtml(a.version)} <span class="score">${scoreText(a.overall)}</span></h3>` +
    `<p class="muted">${a.overall.pass} pass, ${a.overall.fail} fail, ${a.overall.manual} manual, ${a.overall.notAssessed} not assessed. Score: ${escapeHtml(a.formula)}</p>` +
    `<table class="plain sections"><thead><tr><th>section</th><th>score</th><th>pass</th><th>fail</th><th>manual</th><th>not assessed</th></tr></thead><tbody>${sections}</tbody></table>` +
    `<details><summary>${a.controls.length} control(s)</summary>${controls}</details></section>`
  );
}

export function complianceSection(assessments: readonly ComplianceAssessment[] | undefined): string {
  if (!assessments || assessments.length === 0) return '<p class="muted">No compliance assessment in this report (<code>kshield report --framework …</code> makes one).</p>';
  return assessments.map(frameworkBlock).join('');
}
