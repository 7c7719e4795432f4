/** How findings, notes and errors are named in every human format (table, markdown, explanations). */
import type { Finding, InputError, Note, ResourceRef, Severity } from '../core/types.js';
import { SEVERITIES } from '../core/types.js';
import { sanitize } from '../core/text.js';

/** `Kind/namespace/name`, or `Kind/name` for objects without a namespace. */
export function resourceLabel(ref: ResourceRef): string {
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

/** `file:line:col`; a 0 line or column means "unknown" and is left out rather than printed as 0. */
export function formatLocation(file: string, line?: number, column?: number): string {
  if (!line || line < 1) return file;
  if (!column || column < 1) return `${file}:${line}`;
  return `${file}:${line}:${column}`;
}

/** The suppression as a short phrase: "annotation: reason", "exemption (owner team-a): reason", "baseline". */
export function describeSuppression(finding: Finding): string {
  const s = finding.suppression;
  if (!s) return 'suppressed';
  const who = s.owner ? ` (owner ${s.owner})` : '';
  return s.reason ? `${s.kind}${who}: ${s.reason}` : `${s.kind}${who}`;
}

/** Unsuppressed counts as "1 critical, 2 high" (severities with no findings left out). */
export function severityBreakdown(bySeverity: Record<Severity, number>): string {
  return SEVERITIES.filter((s) => (bySeverity[s] ?? 0) > 0)
    .map((s) => `${bySeverity[s]} ${s}`)
    .join(', ');
}

export function formatInputError(error: InputError): string {
  return `${sanitize(formatLocation(error.file, error.line))}: error: ${sanitize(error.message)}`;
}

export function formatNote(note: Note): string {
  return `${sanitize(formatLocation(note.file, note.line))}: note: ${sanitize(note.message)}`;
}

/** "+2 related: rule-a, rule-b": the rules of the findings folded into this one (same object, same cause). */
export function relatedPhrase(finding: Finding): string | undefined {
  const related = finding.related;
  if (!related || related.length === 0) return undefined;
  const rules = [...new Set(related.map((r) => r.rule))];
  return `+${related.length} related: ${rules.join(', ')}`;
}
