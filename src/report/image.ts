/**
 * Reports of `kshield image`: table (text), JSON and SARIF 2.1.0 of one image's inventory and the
 * findings about its configuration. Pure functions of the inventory result and the findings.
 *
 * SARIF: one rule per check id that fired, one result per finding, located in the image
 * (artifact URI = the image as named, with the JSON Pointer into its configuration as a logical
 * location), since an image has no source lines.
 */
import { severityRank, type Severity } from '../core/types.js';
import { sanitize } from '../core/text.js';
import type { ImageFinding } from '../images/config-checks.js';
import type { ImageInventory } from '../images/inventory.js';
import type { DockerfileOrigin, Package } from '../packages/model.js';
import { artifactLocation, INFORMATION_URI, SARIF_SCHEMA_URI, sarifLevel, TOOL_NAME } from './sarif.js';
import { dockerfileOriginText, findingSeverity, type VulnerabilityReport } from './vulnerabilities.js';

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
  summary: { packages: Record<string, number>; findings: Record<Severity, number> };
}

function sortFindings(findings: ImageFinding[]): ImageFinding[] {
  return [...findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function buildImageReport(result: ImageInventory, findings: ImageFinding[]): ImageReport {
  const packages: Record<string, number> = {};
  for (const p of result.inventory.packages) packages[p.foundBy] = (packages[p.foundBy] ?? 0) + 1;
  const counts: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  const c = result.config;
  const subject: ImageReport['subject'] = {
    name: result.name,
    kind: result.target.kind,
    layers: result.layers.map((l) => ({ index: l.index, digest: l.digest, diffId: l.diffId, size: l.size, createdBy: l.createdBy, ...(l.dockerfile ? { dockerfile: l.dockerfile } : {}) })),
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
    summary: { packages, findings: counts },
  };
}

const COLORS: Record<Severity, string> = { critical: '\x1b[35m', high: '\x1b[31m', medium: '\x1b[33m', low: '\x1b[36m', info: '\x1b[2m' };

export function renderImageTable(report: ImageReport, options: { color: boolean; listPackages: boolean }): string {
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
  if (report.findings.length === 0) lines.push('No findings about the image configuration.');
  for (const f of report.findings) {
    const sev = f.severity.toUpperCase();
    const label = options.color ? `${COLORS[f.severity]}${sev}\x1b[0m` : sev;
    lines.push(`${label}  ${f.rule}  ${sanitize(f.message)}${f.path ? `  [${sanitize(f.path)}]` : ''}`);
    lines.push(`    ${f.remediation}`);
  }
  if (report.notes.length > 0) {
    lines.push('', 'Notes:');
    for (const n of report.notes) lines.push(`  ${n.path ? `${sanitize(n.path)}: ` : ''}${sanitize(n.message)}`);
  }
  const c = report.summary.findings;
  lines.push('', `${report.findings.length} finding${report.findings.length === 1 ? '' : 's'} (critical ${c.critical}, high ${c.high}, medium ${c.medium}, low ${c.low}, info ${c.info})`);
  return lines.join('\n') + '\n';
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
  const results = report.findings.map((f) => ({
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
  }));
  // Vulnerabilities (not marked not-affecting by VEX) as results of one rule, each named by its advisory.
  const active = vulns ? vulns.result.matches.filter((m) => !m.suppressed) : [];
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
      } as (typeof results)[number]);
    }
  }
  const sarif = {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [{ tool: { driver: { name: TOOL_NAME, version, informationUri: INFORMATION_URI, rules } }, results }],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}
