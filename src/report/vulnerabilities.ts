/**
 * The vulnerability report: findings of `matchInventory`, the database they came from and its age
 * (in every report, with a warning past the allowed age), VEX statements that matched nothing, and
 * what could not be matched. Table (for people) and JSON (for programs).
 */
import { SEVERITIES, type Severity } from '../core/types.js';
import { redactSecretsInText } from '../core/redact.js';
import type { DockerfileOrigin } from '../packages/model.js';
import type { MatchResult, VulnerabilityMatch } from '../vulns/match.js';
import { databaseAgeMs, databaseTime, describeAge, type DatabaseInfo, type DatabaseProblem } from '../vulns/db.js';

export interface VulnerabilityReport {
  /** What was scanned: an image reference, a folder, an inventory file. */
  subject: string;
  database: DatabaseInfo;
  /** Database files that could not be read. */
  databaseProblems: DatabaseProblem[];
  result: MatchResult;
  /** The age past which the database is reported stale, in milliseconds. */
  maxAgeMs: number;
  /** --fail-on: findings at or above it (not suppressed by VEX) fail the run; none never does. */
  failOn: Severity | 'none';
  /** When the report was made (the age is measured to it). */
  now: number;
}

/** A finding's severity for ordering and --fail-on: unknown (no CVSS vector, no distribution priority) ranks with info. */
export function findingSeverity(m: VulnerabilityMatch): Severity {
  return m.severity?.severity ?? 'info';
}

function rank(s: Severity): number {
  return SEVERITIES.length - SEVERITIES.indexOf(s);
}

/** Findings that fail the run: at or above --fail-on and not marked not-affected by VEX. */
export function failingFindings(report: Pick<VulnerabilityReport, 'result' | 'failOn'>): VulnerabilityMatch[] {
  if (report.failOn === 'none') return [];
  const threshold = rank(report.failOn);
  return report.result.matches.filter((m) => !m.suppressed && rank(findingSeverity(m)) >= threshold);
}

export interface DatabaseAge {
  time?: string;
  ageMs?: number;
  stale: boolean;
  warning?: string;
}

export function databaseAge(report: Pick<VulnerabilityReport, 'database' | 'maxAgeMs' | 'now'>): DatabaseAge {
  const time = databaseTime(report.database);
  const ageMs = databaseAgeMs(report.database, report.now);
  const stale = ageMs === undefined || ageMs > report.maxAgeMs;
  const warning =
    ageMs === undefined
      ? 'warning: the vulnerability database holds no advisory: nothing can match'
      : stale
        ? `warning: the vulnerability database is ${describeAge(ageMs)} old (allowed: ${describeAge(report.maxAgeMs)}, --max-db-age): newer advisories are missing; run \`kshield db update\``
        : undefined;
  return { time, ageMs, stale, warning };
}

function databaseLine(report: VulnerabilityReport): string {
  const db = report.database;
  const age = databaseAge(report);
  const what = db.kind === 'index' ? `index ${db.path}` : `folder ${db.path}`;
  const when = db.updatedAt ? `updated ${db.updatedAt}` : db.newestModified ? `newest advisory modified ${db.newestModified}` : 'empty';
  return `OSV database: ${what} (${db.records} advisories), ${when}${age.ageMs !== undefined ? ` (${describeAge(age.ageMs)} ago)` : ''}`;
}

function severityText(m: VulnerabilityMatch): string {
  const s = m.severity;
  if (!s) return 'unknown';
  if (s.cvss) return `${s.severity} ${s.cvss.score.toFixed(1)} (CVSS ${s.cvss.version})`;
  return `${s.severity} (${s.priority!.source} priority)`;
}

function packageText(m: VulnerabilityMatch): string {
  const names = m.packages.map((p) => p.name);
  const shown = names.length > 3 ? `${names.slice(0, 3).join(', ')} +${names.length - 3}` : names.join(', ');
  return m.matchedName !== m.package.name || m.packages.length > 1 ? `${shown} (source ${m.matchedName})` : shown;
}

/** A history line for one line of a report: credentials replaced by their length class, shortened. */
function shortCreatedBy(createdBy: string): string {
  const text = redactSecretsInText(createdBy);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/** A layer's origin in the Dockerfile given with --dockerfile: `Dockerfile:12 RUN apt-get ...`, or `base image debian:12 (Dockerfile:1)`. */
export function dockerfileOriginText(o: DockerfileOrigin): string {
  return o.baseImage !== undefined ? `base image ${o.baseImage} (${o.file}:${o.line})` : `${o.file}:${o.line} ${o.instruction}`;
}

/** Where the packages were found: files, and the image layer (with the instruction that made it) when known. */
function locationsText(m: VulnerabilityMatch): string {
  const seen = new Set<string>();
  for (const p of m.packages)
    for (const l of p.locations) {
      const layer = l.layer ? ` (layer ${l.layer.index} ${l.layer.digest.slice(0, 19)}${l.layer.dockerfile ? `: ${dockerfileOriginText(l.layer.dockerfile)}` : l.layer.createdBy ? `: ${shortCreatedBy(l.layer.createdBy)}` : ''})` : '';
      seen.add(`${l.path}${l.line ? `:${l.line}` : ''}${layer}`);
    }
  const all = [...seen];
  return all.length > 3 ? `${all.slice(0, 3).join(', ')} and ${all.length - 3} more` : all.join(', ');
}

function pad(s: string, n: number): string {
  return s.length >= n ? `${s} ` : s + ' '.repeat(n - s.length + 1);
}

export function renderVulnerabilityTable(report: VulnerabilityReport): string {
  const lines: string[] = [`${report.subject}`, databaseLine(report)];
  const age = databaseAge(report);
  if (age.warning) lines.push(age.warning);
  for (const p of report.databaseProblems) lines.push(`warning: ${p.file}: ${p.message}`);
  lines.push('');
  const shown = [...report.result.matches].sort((a, b) => rank(findingSeverity(b)) - rank(findingSeverity(a)) || (a.package.name < b.package.name ? -1 : a.package.name > b.package.name ? 1 : 0) || (a.id < b.id ? -1 : 1));
  const active = shown.filter((m) => !m.suppressed);
  const suppressed = shown.filter((m) => m.suppressed && !m.suppression);
  const governed = shown.filter((m) => m.suppression);
  if (active.length === 0) lines.push('No vulnerabilities found.');
  else {
    const rows = active.map((m) => [m.id, severityText(m), packageText(m), m.package.version, m.fixed ?? (!m.unfixed ? 'unknown (versions list)' : m.advisories.some((a) => a.lastAffected) ? 'none (last affected given)' : 'unfixed')]);
    const header = ['VULNERABILITY', 'SEVERITY', 'PACKAGE', 'INSTALLED', 'FIXED'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    lines.push(header.map((h, i) => (i === header.length - 1 ? h : pad(h, widths[i]))).join(''));
    active.forEach((m, i) => {
      lines.push(rows[i].map((c, j) => (j === rows[i].length - 1 ? c : pad(c, widths[j]))).join(''));
      if (m.aliases.length) lines.push(`  aliases: ${m.aliases.join(', ')}`);
      if (m.summary) lines.push(`  ${m.summary}`);
      lines.push(`  why: ${m.explanation}`);
      const where = locationsText(m);
      if (where) lines.push(`  in: ${where}`);
      for (const s of m.vex) lines.push(`  vex: ${s.source}: ${s.originalStatus}${s.justification ? ` (${s.justification})` : ''}`);
    });
  }
  if (suppressed.length > 0) {
    lines.push('', `Not affecting, by VEX (${suppressed.length}):`);
    for (const m of suppressed) {
      const s = m.vex.find((v) => v.suppresses)!;
      lines.push(`  ${m.id} ${packageText(m)} ${m.package.version}: ${s.originalStatus}${s.justification ? ` (${s.justification})` : ''} — ${s.source}`);
    }
  }
  if (governed.length > 0) {
    lines.push('', `Suppressed by exemptions or the baseline (${governed.length}):`);
    for (const m of governed) {
      const s = m.suppression!;
      lines.push(`  ${m.id} ${packageText(m)} ${m.package.version}: ${s.kind === 'baseline' ? 'in the baseline' : `${s.kind}${s.owner ? ` (owner ${s.owner})` : ''}${s.reason ? `: ${s.reason}` : ''}`}`);
    }
  }
  if (report.result.unmatchedVex.length > 0) {
    lines.push('', `VEX statements that matched no finding (${report.result.unmatchedVex.length}): check the vulnerability id and the product's package URL`);
    for (const s of report.result.unmatchedVex) lines.push(`  ${s.source}: ${s.vulnerability} ${s.originalStatus} for ${s.products.join(', ')}`);
  }
  if (report.result.notes.length > 0) {
    lines.push('', 'Not matched:');
    for (const n of report.result.notes) lines.push(`  ${n}`);
  }
  const counts = SEVERITIES.map((s) => [s, active.filter((m) => m.severity?.severity === s).length] as const).filter(([, n]) => n > 0);
  const unknown = active.filter((m) => !m.severity).length;
  const parts = [...counts.map(([s, n]) => `${n} ${s}`), ...(unknown ? [`${unknown} unknown`] : [])];
  lines.push(
    '',
    `${active.length} vulnerabilit${active.length === 1 ? 'y' : 'ies'}${parts.length ? ` (${parts.join(', ')})` : ''} in ${report.result.packages} packages` +
      `${suppressed.length ? `; ${suppressed.length} not affecting by VEX` : ''}${governed.length ? `; ${governed.length} suppressed` : ''}${report.result.ignoredUnfixed ? `; ${report.result.ignoredUnfixed} unfixed left out (--ignore-unfixed)` : ''}.`,
  );
  const failing = failingFindings(report);
  if (report.failOn !== 'none') lines.push(failing.length > 0 ? `${failing.length} at or above --fail-on ${report.failOn}: failing.` : `None at or above --fail-on ${report.failOn}.`);
  return lines.join('\n');
}

export function vulnerabilityJson(report: VulnerabilityReport): string {
  return JSON.stringify(vulnerabilityObject(report), null, 2);
}

/** The vulnerability report as a plain object (what `vulns -o json` prints, and `image`/`deps` JSON embed). */
export function vulnerabilityObject(report: VulnerabilityReport): Record<string, unknown> {
  const age = databaseAge(report);
  const finding = (m: VulnerabilityMatch): unknown => ({
    id: m.id,
    aliases: m.aliases,
    severity: m.severity?.severity ?? 'unknown',
    cvss: m.severity?.cvss ? { version: m.severity.cvss.version, vector: m.severity.cvss.vector, score: m.severity.cvss.score } : undefined,
    priority: m.severity?.priority,
    summary: m.summary,
    package: { name: m.package.name, version: m.package.version, ecosystem: m.package.ecosystem, purl: m.package.purl, locations: m.package.locations },
    packages: m.packages.map((p) => ({ name: p.name, version: p.version, purl: p.purl, locations: p.locations })),
    matched: { ecosystem: m.ecosystem, name: m.matchedName, version: m.matchedVersion },
    fixed: m.fixed ?? null,
    unfixed: m.unfixed,
    advisories: m.advisories.map((a) => ({ id: a.id, modified: a.modified, ecosystem: a.ecosystem, name: a.name, range: a.range, listed: a.listed ?? false, introduced: a.introduced, fixed: a.fixed, lastAffected: a.lastAffected })),
    explanation: m.explanation,
    vex: m.vex.map((s) => ({ source: s.source, status: s.originalStatus, justification: s.justification })),
    suppressed: m.suppressed,
    ...(m.suppression ? { suppression: m.suppression } : {}),
  });
  return {
      subject: report.subject,
      database: { ...report.database, ageSeconds: age.ageMs === undefined ? null : Math.round(age.ageMs / 1000), maxAgeSeconds: Math.round(report.maxAgeMs / 1000), stale: age.stale, warning: age.warning ?? null, problems: report.databaseProblems },
      packages: report.result.packages,
      vulnerabilities: report.result.matches.map(finding),
      ignoredUnfixed: report.result.ignoredUnfixed,
      unmatchedVex: report.result.unmatchedVex.map((s) => ({ source: s.source, vulnerability: s.vulnerability, status: s.originalStatus, products: s.products })),
      notes: report.result.notes,
      failOn: report.failOn,
      failing: failingFindings(report).length,
  };
}
