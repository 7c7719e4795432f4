/**
 * The `kshield deps` report: the lockfiles read, the packages they hold (one per purl), what the
 * readers noted, and the files that could not be read. As a table for people and as JSON for tools.
 */
import type { Package } from '../packages/model.js';
import type { SourceTreeInventory } from '../sources/source-tree.js';
import { plural, sanitize } from '../core/text.js';

export interface DepsReport {
  root: string;
  summary: { lockfiles: number; packages: number; byEcosystem: Record<string, number>; notes: number; errors: number };
  lockfiles: SourceTreeInventory['lockfiles'];
  packages: Package[];
  notes: SourceTreeInventory['inventory']['notes'];
  errors: SourceTreeInventory['errors'];
  skippedDirectories: Record<string, number>;
  truncated?: string;
}

function byEcosystem(packages: readonly Package[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const p of packages) counts[p.ecosystem] = (counts[p.ecosystem] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

/** Packages in a stable order: ecosystem, name, version. */
function sorted(packages: readonly Package[]): Package[] {
  const key = (p: Package): string => `${p.ecosystem}\u0000${p.name}\u0000${p.version}`;
  return [...packages].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export function buildDepsReport(tree: SourceTreeInventory): DepsReport {
  const packages = sorted(tree.inventory.packages);
  const report: DepsReport = {
    root: tree.root,
    summary: { lockfiles: tree.lockfiles.length, packages: packages.length, byEcosystem: byEcosystem(packages), notes: tree.inventory.notes.length, errors: tree.errors.length },
    lockfiles: tree.lockfiles,
    packages,
    notes: tree.inventory.notes,
    errors: tree.errors,
    skippedDirectories: tree.skipped,
  };
  if (tree.truncated) report.truncated = tree.truncated;
  return report;
}

function where(path: string | undefined, line: number | undefined): string {
  return sanitize(path === undefined ? '' : line === undefined ? path : `${path}:${line}`);
}

/** Columns padded to their widest cell; the last column is not padded. */
function columns(rows: string[][], indent = '  '): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => indent + r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd());
}

function relation(p: Package): string {
  const parts = [p.direct === true ? 'direct' : p.direct === false ? 'transitive' : '-'];
  if (p.dev) parts.push('dev');
  if (p.optional) parts.push('optional');
  return parts.join(', ');
}

export function renderDepsTable(report: DepsReport): string {
  const out: string[] = [];
  if (report.lockfiles.length > 0) {
    out.push(`Lockfiles (${report.lockfiles.length})`);
    out.push(
      ...columns(
        report.lockfiles.map((l) => [
          sanitize(l.path),
          l.format,
          l.ecosystem,
          plural(l.packages, 'package') + (l.direct !== undefined ? `, ${l.direct} direct` : ''),
        ]),
      ),
    );
    out.push('');
  }
  if (report.packages.length > 0) {
    out.push(`Packages (${report.packages.length})`);
    const rows = [['ECOSYSTEM', 'NAME', 'VERSION', 'DEPENDENCY', 'FOUND IN']];
    for (const p of report.packages) {
      const found = p.locations.map((l) => where(l.path, l.line));
      rows.push([p.ecosystem, sanitize(p.name), sanitize(p.version), relation(p), found[0] + (found.length > 1 ? ` (+${found.length - 1})` : '')]);
    }
    out.push(...columns(rows));
    out.push('');
  }
  if (report.notes.length > 0) {
    out.push(`Notes (${report.notes.length})`);
    for (const n of report.notes) out.push(`  ${where(n.path, n.line)}: ${sanitize(n.message)}`);
    out.push('');
  }
  if (report.errors.length > 0) {
    out.push(`Not read (${report.errors.length})`);
    for (const e of report.errors) out.push(`  ${where(e.path, e.line)}: ${sanitize(e.message)}`);
    out.push('');
  }
  if (report.truncated) out.push(`Limit reached: ${report.truncated}`, '');
  const ecosystems = Object.entries(report.summary.byEcosystem)
    .map(([e, n]) => `${e} ${n}`)
    .join(', ');
  let summary = `${plural(report.summary.lockfiles, 'lockfile')}, ${plural(report.summary.packages, 'package')}${ecosystems ? ` (${ecosystems})` : ''}`;
  if (report.summary.errors > 0) summary += `; ${plural(report.summary.errors, 'file')} not read`;
  out.push(summary);
  return out.join('\n') + '\n';
}

export function renderDepsJson(report: DepsReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}
