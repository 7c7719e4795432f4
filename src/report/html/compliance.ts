/** The compliance view: per framework, the score by section and every control with its status and evidence. */
import { clip, escapeHtml, frameworkLabel } from './escape.js';
import type { Attestation, ComplianceAssessment, ControlResult, EvidenceItem, SectionScore } from './compliance-types.js';

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

function findingItem(f: { rule: string; severity: string; message: string; object?: string; file?: string; line?: number }, suffix = ''): string {
  return (
    `<li><span class="sev ${escapeHtml(f.severity)}">${escapeHtml(f.severity)}</span> ${escapeHtml(f.rule)}: ${escapeHtml(f.message)}` +
    (f.object ? ` <span class="muted">${escapeHtml(f.object)}</span>` : '') +
    (f.file ? ` <code>${escapeHtml(f.file)}${f.line ? `:${f.line}` : ''}</code>` : '') +
    suffix +
    '</li>'
  );
}

function evidenceItem(e: EvidenceItem): string {
  const parts: string[] = [];
  const findings = e.findings ?? [];
  const shown = findings.slice(0, MAX_EVIDENCE_FINDINGS);
  for (const f of shown) parts.push(findingItem(f));
  if (findings.length > shown.length) parts.push(`<li class="muted">${findings.length - shown.length} more finding(s)</li>`);
  const accepted = e.accepted ?? [];
  for (const f of accepted.slice(0, MAX_EVIDENCE_FINDINGS)) parts.push(findingItem(f, ` <span class="muted">(accepted: ${escapeHtml(f.suppression.kind)}${f.suppression.reason ? `: ${escapeHtml(f.suppression.reason)}` : ''})</span>`));
  if (accepted.length > MAX_EVIDENCE_FINDINGS) parts.push(`<li class="muted">${accepted.length - MAX_EVIDENCE_FINDINGS} more accepted</li>`);
  for (const c of (e.checks ?? []).slice(0, MAX_EVIDENCE_FINDINGS))
    parts.push(`<li><span class="status ${c.status}">${c.status}</span> ${escapeHtml(c.title)} <span class="muted">${escapeHtml(c.where)}</span>: ${escapeHtml(c.evidence)}</li>`);
  const detail = e.detail ? ` <span class="muted">${escapeHtml(e.detail)}</span>` : '';
  return `<li><code>${escapeHtml(e.ref)}</code> <span class="status ${e.status}">${STATUS_TEXT[e.status]}</span>${detail}${parts.length ? `<ul>${parts.join('')}</ul>` : ''}</li>`;
}

function attestationText(label: string, a: Attestation): string {
  return `<p>${label} <span class="status ${a.status}">${a.status}</span> by ${escapeHtml(a.by)} on ${escapeHtml(a.at.slice(0, 10))}, expires ${escapeHtml(a.expires.slice(0, 10))}: ${escapeHtml(a.evidence)}</p>`;
}

function controlRow(c: ControlResult): string {
  const evidence = c.evidence.map(evidenceItem).join('');
  const reason = c.reason ? `<p>${escapeHtml(c.reason)}</p>` : '';
  const attestation = (c.attestation ? attestationText('Attested', c.attestation) : '') + (c.expiredAttestation ? attestationText('Expired attestation (no longer counts):', c.expiredAttestation) : '');
  const guidance = c.guidance ? `<p class="guidance">${escapeHtml(c.guidance)}</p>` : '';
  const body = reason + attestation + guidance + (evidence ? `<ul class="evidence">${evidence}</ul>` : '');
  return `<details class="control"><summary><span class="status ${c.status}">${STATUS_TEXT[c.status]}</span> <code>${escapeHtml(c.id)}</code> ${escapeHtml(clip(c.title, 160))}${c.assessment === 'manual' ? ' <span class="muted">(manual)</span>' : ''}</summary>${body || '<p class="muted">No evidence.</p>'}</details>`;
}

function frameworkBlock(a: ComplianceAssessment, index: number): string {
  const sections = a.sections
    .map((s) => `<tr><td><code>${escapeHtml(s.id)}</code> ${escapeHtml(s.title)}</td><td>${scoreBar(s)} ${scoreText(s)}</td><td>${s.coverage.toFixed(0)}%</td><td>${s.pass}</td><td>${s.fail}</td><td>${s.manual}</td><td>${s.notAssessed}</td></tr>`)
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
    `<section class="framework" id="framework-${index}"><h3>${escapeHtml(frameworkLabel(a))} <span class="score">${scoreText(a.overall)}</span></h3>` +
    `<p>${a.overall.pass} pass, ${a.overall.fail} fail, ${a.overall.manual} manual, ${a.overall.notAssessed} not assessed of ${a.overall.total} control(s); the score covers ${a.overall.coverage.toFixed(0)}% of them.</p>` +
    `<p class="muted">${escapeHtml(a.formula)}</p>` +
    `<table class="plain sections"><thead><tr><th>section</th><th>score</th><th>coverage</th><th>pass</th><th>fail</th><th>manual</th><th>not assessed</th></tr></thead><tbody>${sections}</tbody></table>` +
    `<details><summary>${a.controls.length} control(s)</summary>${controls}</details></section>`
  );
}

export function complianceSection(assessments: readonly ComplianceAssessment[] | undefined): string {
  if (!assessments || assessments.length === 0) return '<p class="muted">No compliance assessment in this report (<code>kshield report --framework …</code> makes one).</p>';
  return assessments.map(frameworkBlock).join('');
}
