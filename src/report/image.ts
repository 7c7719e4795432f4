/**
 * Reports of `kshield image`: table (text), JSON and SARIF 2.1.0 of one image's inventory and the
 * findings about its configuration (the engine's, suppressions included). Pure functions of the
 * inventory result and the findings.
 *
 * SARIF: one rule per check id that fired, one result per finding, located in the image
 * (artifact URI = the image as named, with the JSON Pointer into its configuration as a logical
 * location), since an image has no source lines.
 */
import { redactSecretsInText } from '../core/redact.js';
import { severityRank, type Finding, type Severity } from '../core/types.js';
import { sanitize } from '../core/text.js';
import type { ImageInventory } from '../images/inventory.js';
import type { DockerfileOrigin, Package } from '../packages/model.js';
import { artifactLocation, INFORMATION_URI, SARIF_SCHEMA_URI, sarifLevel, TOOL_NAME } from './sarif.js';
import { dockerfileOriginText, findingSeverity, type VulnerabilityReport } from './vulnerabilities.js';

/** A finding about the image's configuration or base, as the reports show it. */
export interface ImageFinding {
  rule: string;
  severity: Severity;
  message: string;
  /** JSON Pointer into the image object (its configuration: /config/User, /history/5/created_by; /os for the base). */
  path: string;
  remediation: string;
  suppressed: boolean;
  /** Why it is suppressed: an exemption (with owner and reason) or the baseline. */
  suppression?: Finding['suppression'];
  fingerprint: string;
}

export interface ImageReport {
  subject: {
    name: string;
    kind: ImageInventory['target']['kind'];
    manifestDigest?: string;
    configDigest?: string;
    platform?: string;
    layers: { index: number; digest?: string; diffId?: string; size?: number; createdBy?: string; dockerfile?: DockerfileOrigin }[];
  };
  os?: ImageInventory['inventory']['os'];
  packages: Package[];
  findings: ImageFinding[];
  notes: ImageInventory['inventory']['notes'];
  /** Unsuppressed findings by severity, and how many were suppressed. */
  summary: { packages: Record<string, number>; findings: Record<Severity, number>; suppressed: number };
  /** Every rule that ran, with the objects it judged (1: the image; 0: a rule for other inputs), as in a scan's JSON report; for compliance reports. */
  rulesRun?: Record<string, number>;
}

function sortFindings(findings: ImageFinding[]): ImageFinding[] {
  return [...findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function buildImageReport(result: ImageInventory, engineFindings: readonly Finding[], rulesRun?: Record<string, number>): ImageReport {
  const packages: Record<string, number> = {};
  for (const p of result.inventory.packages) packages[p.foundBy] = (packages[p.foundBy] ?? 0) + 1;
  const findings: ImageFinding[] = engineFindings.map((f) => ({
    rule: f.rule,
    severity: f.severity,
    message: f.message,
    path: f.path,
    remediation: f.remediation,
    suppressed: f.suppressed,
    ...(f.suppression ? { suppression: f.suppression } : {}),
    fingerprint: f.fingerprint,
  }));
  const counts: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const f of findings) if (!f.suppressed) counts[f.severity]++;
  const c = result.config;
  const subject: ImageReport['subject'] = {
    name: result.name,
    kind: result.target.kind,
    layers: result.layers.map((l) => ({ index: l.index, digest: l.digest, diffId: l.diffId, size: l.size, ...(l.createdBy !== undefined ? { createdBy: redactSecretsInText(l.createdBy) } : {}), ...(l.dockerfile ? { dockerfile: l.dockerfile } : {}) })),
  };
  if (result.manifestDigest) subject.manifestDigest = result.manifestDigest;
  if (result.configDigest) subject.configDigest = result.configDigest;
  if (c?.os && c.architecture) subject.platform = `${c.os}/${c.architecture}${c.variant ? `/${c.variant}` : ''}`;
  return {
    subject,
    ...(result.inventory.os ? { os: result.inventory.os } : {}),
    packages: result.inventory.packages,
    findings: sortFindings(findings),
    notes: result.inventory.notes,
    summary: { packages, findings: counts, suppressed: findings.filter((f) => f.suppressed).length },
    ...(rulesRun ? { rulesRun: Object.fromEntries(Object.keys(rulesRun).sort().map((id) => [id, rulesRun[id]])) } : {}),
  };
}

const COLORS: Record<Severity, string> = { critical: '\x1b[35m', high: '\x1b[31m', medium: '\x1b[33m', low: '\x1b[36m', info: '\x1b[2m' };

function suppressionText(s: ImageFinding['suppression']): string {
  if (!s) return 'suppressed';
  return s.kind === 'baseline' ? 'in the baseline' : `${s.kind}${s.owner ? ` (owner ${s.owner})` : ''}${s.reason ? `: ${s.reason}` : ''}`;
}

export function renderImageTable(report: ImageReport, options: { color: boolean; listPackages: boolean; showSuppressed?: boolean }): string {
  const s = report.subject;
  const lines: string[] = [];
  lines.push(`Image: ${sanitize(s.name)}${s.platform ? ` (${s.platform})` : ''}`);
  if (s.manifestDigest) lines.push(`Manifest: ${s.manifestDigest}`);
  if (s.layers.length > 0) lines.push(`Layers: ${s.layers.length}`);
  // With --dockerfile: where each layer came from.
  if (s.layers.some((l) => l.dockerfile)) {
    const width = String(s.layers.length - 1).length;
    for (const l of s.layers) lines.push(`  ${String(l.index).padStart(width)}  ${l.dockerfile ? sanitize(dockerfileOriginText(l.dockerfile)) : 'not attributed'}`);
  }
  lines.push(`OS: ${report.os ? sanitize(report.os.prettyName ?? `${report.os.id} ${report.os.versionId ?? ''}`.trim()) : 'unknown (no /etc/os-release)'}`);
  const byReader = Object.entries(report.summary.packages).sort(([a], [b]) => (a < b ? -1 : 1));
  lines.push(`Packages: ${report.packages.length}${byReader.length ? ` (${byReader.map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`);
  if (options.listPackages && report.packages.length > 0) {
    lines.push('');
    const rows = report.packages.map((p) => [p.foundBy, sanitize(p.name), sanitize(p.version), sanitize(p.source && (p.source.name !== p.name || p.source.version !== p.version) ? `${p.source.name} ${p.source.version}` : ''), sanitize(p.locations[0]?.path ?? '')]);
    const head = ['TYPE', 'NAME', 'VERSION', 'SOURCE', 'FOUND IN'];
    const widths = head.map((h, i) => Math.min(60, Math.max(h.length, ...rows.map((r) => r[i].length))));
    for (const r of [head, ...rows]) lines.push(r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd());
  }
  lines.push('');
  const active = report.findings.filter((f) => !f.suppressed);
  const shown = options.showSuppressed ? report.findings : active;
  if (active.length === 0) lines.push('No findings about the image configuration.');
  for (const f of shown) {
    const sev = f.severity.toUpperCase();
    const label = options.color ? `${COLORS[f.severity]}${sev}\x1b[0m` : sev;
    lines.push(`${label}  ${f.rule}  ${sanitize(f.message)}${f.path ? `  [${sanitize(f.path)}]` : ''}${f.suppressed ? `  (suppressed: ${sanitize(suppressionText(f.suppression))})` : ''}`);
    lines.push(`    ${f.remediation}`);
  }
  if (report.notes.length > 0) {
    lines.push('', 'Notes:');
    for (const n of report.notes) lines.push(`  ${n.path ? `${sanitize(n.path)}: ` : ''}${sanitize(n.message)}`);
  }
  const c = report.summary.findings;
  const suppressed = report.summary.suppressed;
  lines.push('', `${active.length} finding${active.length === 1 ? '' : 's'} (critical ${c.critical}, high ${c.high}, medium ${c.medium}, low ${c.low}, info ${c.info})${suppressed ? `; ${suppressed} suppressed${options.showSuppressed ? '' : ' (--show-suppressed lists them)'}` : ''}`);
  return lines.join('\n') + '\n';
}

/** A SARIF suppression: "inSource" has no meaning for an image, so every one is external, with who accepted it and why. */
function sarifSuppression(s: { kind: string; reason?: string; owner?: string } | undefined): { kind: 'external'; status: 'accepted'; justification?: string } {
  const why = s ? (s.kind === 'baseline' ? 'in the baseline' : `${s.kind}${s.owner ? ` (owner ${s.owner})` : ''}${s.reason ? `: ${s.reason}` : ''}`) : undefined;
  return { kind: 'external', status: 'accepted', ...(why ? { justification: why } : {}) };
}

/** Where a vulnerability's results point: the image as named (an image has no source lines). */
function imageUri(report: ImageReport): string {
  return report.subject.kind === 'rootfs' ? 'file:///' : encodeURI(report.subject.name.replace(/^(oci-layout|docker-archive|rootfs) /, ''));
}

const VULNERABILITY_RULE = 'vulnerable-package';

export function renderImageSarif(report: ImageReport, version: string, vulns?: VulnerabilityReport): string {
  const ruleIds = [...new Set(report.findings.map((f) => f.rule))].sort();
  const rules = ruleIds.map((id) => {
    const f = report.findings.find((x) => x.rule === id)!;
    return { id, shortDescription: { text: id.replace(/-/g, ' ') }, help: { text: f.remediation }, defaultConfiguration: { level: sarifLevel(f.severity) }, properties: { severity: f.severity } };
  });
  const results: Record<string, unknown>[] = report.findings.map((f) => ({
    ruleId: f.rule,
    ruleIndex: ruleIds.indexOf(f.rule),
    level: sarifLevel(f.severity),
    message: { text: f.message },
    locations: [
      {
        physicalLocation: { artifactLocation: { uri: report.subject.kind === 'rootfs' ? 'file:///' : encodeURI(report.subject.name.replace(/^(oci-layout|docker-archive|rootfs) /, '')) } },
        ...(f.path ? { logicalLocations: [{ fullyQualifiedName: f.path, kind: 'member' }] } : {}),
      },
    ],
    properties: { severity: f.severity, image: report.subject.name, ...(report.subject.manifestDigest ? { manifestDigest: report.subject.manifestDigest } : {}) },
    partialFingerprints: { 'kshield/v1': f.fingerprint },
    ...(f.suppressed ? { suppressions: [sarifSuppression(f.suppression)] } : {}),
  }));
  // Vulnerabilities (not marked not-affecting by VEX) as results of one rule, each named by its advisory;
  // one an exemption or the baseline suppressed is there with its suppression, as SARIF viewers expect.
  const active = vulns ? vulns.result.matches.filter((m) => !m.suppressed || m.suppression) : [];
  if (active.length > 0) {
    rules.push({ id: VULNERABILITY_RULE, shortDescription: { text: 'installed package with a known vulnerability' }, help: { text: 'Upgrade the package to a fixed version (rebuild the image on an updated base), or record with a VEX statement why it does not affect the image.' }, defaultConfiguration: { level: 'warning' }, properties: { severity: 'medium' } });
    for (const m of active) {
      const severity = findingSeverity(m);
      // With --dockerfile, the instruction that put the package in the image is where the result is fixed.
      const origin = m.packages.flatMap((p) => p.locations).find((l) => l.layer?.dockerfile)?.layer?.dockerfile;
      const imageLocation = { physicalLocation: { artifactLocation: { uri: imageUri(report) } }, logicalLocations: [{ fullyQualifiedName: m.package.purl, kind: 'module' }] };
      results.push({
        ruleId: VULNERABILITY_RULE,
        ruleIndex: rules.length - 1,
        level: sarifLevel(severity),
        message: { text: `${m.id}${m.aliases.length ? ` (${m.aliases.join(', ')})` : ''} in ${m.package.name} ${m.package.version}: ${m.fixed ? `fixed in ${m.fixed}` : 'no fixed version'}. ${m.explanation}${origin ? ` Layer from ${dockerfileOriginText(origin)}.` : ''}` },
        locations: origin
          ? [{ physicalLocation: { artifactLocation: artifactLocation(origin.file), region: { startLine: origin.line } }, logicalLocations: imageLocation.logicalLocations }, imageLocation]
          : [imageLocation],
        properties: { severity, image: report.subject.name, vulnerability: m.id, aliases: m.aliases, purl: m.package.purl, ...(report.subject.manifestDigest ? { manifestDigest: report.subject.manifestDigest } : {}), ...(origin ? { dockerfile: dockerfileOriginText(origin) } : {}) },
        ...(m.suppression ? { suppressions: [sarifSuppression(m.suppression)] } : {}),
      });
    }
  }
  const sarif = {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [{ tool: { driver: { name: TOOL_NAME, version, informationUri: INFORMATION_URI, rules } }, results }],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}
