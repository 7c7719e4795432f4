/**
 * Reports of `kshield report`: one framework's assessment (src/compliance/assess.ts) as a table,
 * JSON (schema/compliance-report.schema.json), Markdown and CSV for auditors (one row per control,
 * RFC 4180 quoting, cells that a spreadsheet would run as a formula neutralised). HTML is
 * src/report/html/. Pure functions of the assessment.
 */
import type { ComplianceAssessment, ControlResult, EvidenceFinding, EvidenceItem, SectionScore } from '../compliance/assess.js';
import { compareEvidenceFindings } from '../compliance/assess.js';
import { sanitize, wrap } from '../core/text.js';
import { markdownCell } from './checks.js';

/** Raised only when a field is removed or changes meaning. */
export const COMPLIANCE_REPORT_FORMAT = 1;

/** Findings shown per control in the table, Markdown and CSV; the JSON report has all of them. */
const SHOWN_FINDINGS = { table: 5, markdown: 10, csv: 50 } as const;

export interface ComplianceReportJson extends ComplianceAssessment {
  kshieldVersion: string;
  format: number;
  /** What the reader should know about the inputs (an older result, --min-severity). */
  notes: string[];
}

export function toComplianceJson(a: ComplianceAssessment, kshieldVersion: string, notes: readonly string[]): ComplianceReportJson {
  return { kshieldVersion, format: COMPLIANCE_REPORT_FORMAT, ...a, notes: [...notes] };
}

export const STATUS_LABEL: Record<ControlResult['status'], string> = { pass: 'PASS', fail: 'FAIL', manual: 'MANUAL', 'not-assessed': 'NOT ASSESSED' };

const percent = (score: number | null): string => (score === null ? 'no score' : `${score.toFixed(1)}%`);

export function scoreLine(s: SectionScore): string {
  return `${percent(s.score)} (pass ${s.pass}, fail ${s.fail}, manual ${s.manual}, not assessed ${s.notAssessed} of ${s.total}${s.attested ? `; ${s.attested} attested` : ''}; coverage ${s.coverage.toFixed(1)}%)`;
}

/** `file:line`, or the object, or the result file: where a finding is. */
export function findingPlace(f: EvidenceFinding): string {
  if (f.file && f.line) return `${f.file}:${f.line}`;
  if (f.file && !f.file.startsWith('cluster:')) return f.file;
  return f.object ?? f.file ?? f.source ?? '';
}

/** The failing findings of a control, worst first, without repeats (one finding may evidence two refs). */
export function controlFindings(c: ControlResult): EvidenceFinding[] {
  const seen = new Set<string>();
  const out: EvidenceFinding[] = [];
  for (const e of c.evidence)
    for (const f of e.findings ?? []) {
      const key = `${f.rule}\u0000${f.message}\u0000${f.file ?? ''}\u0000${f.line ?? 0}\u0000${f.object ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(f);
    }
  return out.sort(compareEvidenceFindings);
}

function failingChecks(c: ControlResult): { ref: string; where: string; evidence: string }[] {
  return c.evidence.flatMap((e) => (e.checks ?? []).filter((k) => k.status === 'fail').map((k) => ({ ref: e.ref, where: k.where, evidence: k.evidence })));
}

function evidenceSummary(items: readonly EvidenceItem[]): string {
  return items.map((e) => `${e.ref} ${e.status}`).join('; ');
}

// ------------------------------------------------------------------------------------------ table

/** What would assess a section the input says nothing about. */
function missingHint(controls: readonly ControlResult[]): string {
  const refs = controls.flatMap((c) => c.evidence.map((e) => e.ref));
  if (refs.length === 0) return 'kshield has no check for these controls';
  const wanted: string[] = [];
  if (refs.some((r) => r.startsWith('node:'))) wanted.push('kshield node -o json');
  if (refs.some((r) => r.startsWith('probe:'))) wanted.push('kshield probe -o json');
  if (refs.some((r) => r.startsWith('rule:'))) wanted.push('a scan or cluster result with the objects their rules judge');
  return `their checks did not run on the input (give ${wanted.join(', or ')})`;
}

const COLORS: Record<ControlResult['status'], string> = { pass: '\u001b[32m', fail: '\u001b[31m', manual: '\u001b[33m', 'not-assessed': '\u001b[90m' };

export function renderComplianceTable(a: ComplianceAssessment, notes: readonly string[], options: { color: boolean; width?: number }): string {
  const width = Math.max(60, options.width ?? 100);
  const paint = (status: ControlResult['status'], text: string): string => (options.color ? `${COLORS[status]}${text}\u001b[0m` : text);
  const lines: string[] = [];
  lines.push(`${sanitize(a.title)} (${sanitize(a.framework)} ${sanitize(a.version)})`);
  lines.push(`From: ${a.inputs.length === 0 ? 'no results' : a.inputs.map((i) => `${i.command} ${sanitize(i.file)} (${sanitize(i.summary)})`).join('; ')}`);
  for (const n of notes) for (const l of wrap(`Note: ${sanitize(n)}`, width)) lines.push(l);
  const idWidth = Math.min(24, Math.max(6, ...a.controls.map((c) => c.id.length)));
  const indent = ' '.repeat(idWidth + 17);
  const textWidth = Math.max(30, width - indent.length);
  for (const section of a.sections) {
    const controls = a.controls.filter((c) => c.section === section.id);
    lines.push('', `== ${sanitize(section.id)} ${sanitize(section.title)}: ${scoreLine(section)} ==`);
    if (controls.length > 1 && controls.every((c) => c.status === 'not-assessed' && !c.expiredAttestation)) {
      // A section the input says nothing about (node checks in a manifest scan): one line, not one per control.
      lines.push(`  ${paint('not-assessed', `all ${controls.length} NOT ASSESSED`)}: ${missingHint(controls)}`);
      for (const l of wrap(controls.map((c) => c.id).join(', '), width - 4)) lines.push(`    ${sanitize(l)}`);
      continue;
    }
    for (const c of controls) {
      lines.push(`  ${c.id.padEnd(idWidth)}  ${paint(c.status, STATUS_LABEL[c.status].padEnd(13))}${sanitize(c.title)}`);
      const detail: string[] = [];
      if (c.status === 'fail') {
        const findings = controlFindings(c);
        for (const f of findings.slice(0, SHOWN_FINDINGS.table)) detail.push(`${f.severity.toUpperCase()} ${f.rule}: ${f.message}${findingPlace(f) ? ` (${findingPlace(f)})` : ''}`);
        if (findings.length > SHOWN_FINDINGS.table) detail.push(`... and ${findings.length - SHOWN_FINDINGS.table} more findings (-o json, csv or markdown lists more)`);
        for (const k of failingChecks(c).slice(0, SHOWN_FINDINGS.table)) detail.push(`${k.ref} failed on ${k.where}: ${k.evidence}`);
        if (c.attestation) detail.push(`attested fail by ${c.attestation.by} until ${c.attestation.expires.slice(0, 10)}: ${c.attestation.evidence}`);
      } else if (c.attestation) detail.push(`attested by ${c.attestation.by} until ${c.attestation.expires.slice(0, 10)}: ${c.attestation.evidence}`);
      else if (c.status !== 'pass') detail.push(c.reason);
      if (c.expiredAttestation && !c.attestation) detail.push(`expired: attestation by ${c.expiredAttestation.by} expired ${c.expiredAttestation.expires.slice(0, 10)}`);
      if (c.status === 'manual' && c.guidance) detail.push(`guidance: ${c.guidance}`);
      if (c.status === 'manual' || (c.attestation && c.status === 'pass')) {
        // kshield's evidence informs the person who decides; it does not decide.
        const found = controlFindings(c);
        if (found.length > 0) detail.push(`for the reviewer: kshield found ${found.length} related finding${found.length === 1 ? '' : 's'} (${[...new Set(found.map((f) => f.rule))].join(', ')})`);
      }
      const accepted = c.evidence.reduce((n, e) => n + (e.accepted?.length ?? 0), 0);
      if (accepted > 0) detail.push(`${accepted} accepted (suppressed) finding${accepted === 1 ? '' : 's'} not counted`);
      for (const d of detail) for (const l of wrap(sanitize(d), textWidth)) lines.push(`${indent}${l}`);
    }
  }
  lines.push('', `Overall: ${scoreLine(a.overall)}`, ...wrap(a.formula, width));
  return lines.join('\n') + '\n';
}

// --------------------------------------------------------------------------------------- markdown

export function renderComplianceMarkdown(a: ComplianceAssessment, notes: readonly string[]): string {
  const lines: string[] = [];
  lines.push(`# ${markdownCell(a.title)}`, '');
  lines.push(`Framework \`${markdownCell(a.framework)}\` version ${markdownCell(a.version)} ([source](${a.source})), assessed ${a.at}.`, '');
  lines.push(`From: ${a.inputs.length === 0 ? 'no results' : a.inputs.map((i) => `${i.command} \`${markdownCell(i.file)}\` (${markdownCell(i.summary)})`).join('; ')}.`, '');
  for (const n of notes) lines.push(`> ${markdownCell(n)}`, '');
  lines.push(`**Overall: ${scoreLine(a.overall)}**`, '', `Formula: ${markdownCell(a.formula)}`, '');
  lines.push('| section | score | pass | fail | manual | not assessed | attested | coverage |', '| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const s of a.sections) lines.push(`| ${markdownCell(s.id)} ${markdownCell(s.title)} | ${percent(s.score)} | ${s.pass} | ${s.fail} | ${s.manual} | ${s.notAssessed} | ${s.attested} | ${s.coverage.toFixed(1)}% |`);
  for (const section of a.sections) {
    lines.push('', `## ${markdownCell(section.id)} ${markdownCell(section.title)}`, '', '| control | status | title | evidence |', '| --- | --- | --- | --- |');
    for (const c of a.controls.filter((x) => x.section === section.id)) {
      const parts: string[] = [];
      if (c.status === 'fail') {
        const findings = controlFindings(c);
        for (const f of findings.slice(0, SHOWN_FINDINGS.markdown)) parts.push(`${f.severity} \`${f.rule}\`: ${f.message}${findingPlace(f) ? ` (${findingPlace(f)})` : ''}`);
        if (findings.length > SHOWN_FINDINGS.markdown) parts.push(`... and ${findings.length - SHOWN_FINDINGS.markdown} more findings`);
        for (const k of failingChecks(c)) parts.push(`\`${k.ref}\` failed on ${k.where}: ${k.evidence}`);
      }
      if (c.attestation) parts.push(`attested ${c.attestation.status} by ${c.attestation.by} until ${c.attestation.expires.slice(0, 10)}: ${c.attestation.evidence}`);
      else if (c.status !== 'fail') parts.push(c.reason);
      if (c.expiredAttestation && !c.attestation) parts.push(`expired attestation by ${c.expiredAttestation.by} (${c.expiredAttestation.expires.slice(0, 10)})`);
      if (c.status === 'manual' && c.guidance) parts.push(`guidance: ${c.guidance}`);
      lines.push(`| ${markdownCell(c.id)} | ${STATUS_LABEL[c.status].toLowerCase()} | ${markdownCell(c.title)} | ${parts.map(markdownCell).join('<br>')} |`);
    }
  }
  return lines.join('\n') + '\n';
}

// -------------------------------------------------------------------------------------------- csv

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break, quotes doubled. A cell
 * starting with = + - @ (or a tab or carriage return, which some spreadsheets skip before one) is
 * prefixed with ' so that a spreadsheet shows it as text instead of running it as a formula.
 */
// Control characters but tab and line breaks, and the bidi overrides: shown as escapes, as in every report.
// eslint-disable-next-line no-control-regex
const CSV_UNSAFE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function csvCell(value: string | number | null | undefined): string {
  let text = (value === null || value === undefined ? '' : String(value)).replace(CSV_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const CSV_COLUMNS = [
  'framework',
  'version',
  'section',
  'section title',
  'control',
  'title',
  'assessment',
  'status',
  'reason',
  'evidence',
  'findings',
  'failing checks',
  'accepted findings',
  'attested by',
  'attestation evidence',
  'attested at',
  'attestation expires',
  'attestation state',
  'guidance',
] as const;

export function renderComplianceCsv(a: ComplianceAssessment): string {
  const titles = new Map(a.sections.map((s) => [s.id, s.title]));
  const rows: string[] = [CSV_COLUMNS.map(csvCell).join(',')];
  for (const c of a.controls) {
    const findings = controlFindings(c);
    const findingLines = findings.slice(0, SHOWN_FINDINGS.csv).map((f) => `${f.severity} ${f.rule}: ${f.message}${findingPlace(f) ? ` (${findingPlace(f)})` : ''}`);
    if (findings.length > SHOWN_FINDINGS.csv) findingLines.push(`... and ${findings.length - SHOWN_FINDINGS.csv} more (see the JSON report)`);
    const accepted = c.evidence.flatMap((e) => e.accepted ?? []);
    const att = c.attestation ?? c.expiredAttestation;
    const cells = [
      a.framework,
      a.version,
      c.section,
      titles.get(c.section) ?? '',
      c.id,
      c.title,
      c.assessment,
      c.status,
      c.reason,
      evidenceSummary(c.evidence),
      findingLines.join('\n'),
      failingChecks(c).map((k) => `${k.ref} on ${k.where}: ${k.evidence}`).join('\n'),
      accepted.map((f) => `${f.rule}: ${f.message}${findingPlace(f) ? ` (${findingPlace(f)})` : ''} [${f.suppression.kind}${f.suppression.owner ? `, owner ${f.suppression.owner}` : ''}${f.suppression.reason ? `: ${f.suppression.reason}` : ''}]`).join('\n'),
      att?.by ?? '',
      att?.evidence ?? '',
      att?.at ?? '',
      att?.expires ?? '',
      c.attestation ? 'valid' : c.expiredAttestation ? 'expired' : '',
      c.guidance ?? '',
    ];
    rows.push(cells.map(csvCell).join(','));
  }
  return rows.join('\r\n') + '\r\n';
}
