/**
 * Vulnerability matching on the command line: the options `image`, `deps` and `vulns` share
 * (`vulnerabilityOptions`), the run from an inventory to a report and an exit code
 * (`reportVulnerabilities`), and `kshield vulns INVENTORY.json`, which matches a saved inventory.
 */
import { readFileSync, statSync } from 'node:fs';
import { EXIT, UsageError } from '../core/errors.js';
import type { Inventory } from '../packages/model.js';
import type { Finding, Severity } from '../core/types.js';
import { failingFindings, renderVulnerabilityTable, vulnerabilityJson, vulnerabilityObject, type VulnerabilityReport } from '../report/vulnerabilities.js';
import { DatabaseError, type AdvisoryDatabase } from '../vulns/db.js';
import { databaseAvailable, openAdvisoryDatabase } from '../vulns/open.js';
import { matchInventory, type VulnerabilityMatch } from '../vulns/match.js';
import { loadVexFile, VexError, type VexStatement } from '../vulns/vex.js';
import { writeOutput } from './output.js';
import { parseAge, type VulnerabilityFlags } from './vuln-options.js';

export { vulnerabilityOptions, parseAge, type VulnerabilityFlags } from './vuln-options.js';

/** The database the flags name: --db DIR, else the cache's index. */
export function openVulnerabilityDatabase(flags: Pick<VulnerabilityFlags, 'db' | 'cacheDir'>): AdvisoryDatabase {
  try {
    return openAdvisoryDatabase(flags);
  } catch (err) {
    if (err instanceof DatabaseError) throw new UsageError(err.message);
    throw err;
  }
}

export function loadVex(files: string[]): VexStatement[] {
  try {
    return files.flatMap((f) => loadVexFile(f));
  } catch (err) {
    if (err instanceof VexError) throw new UsageError(err.message);
    throw err;
  }
}

/** Matches an inventory and builds the report; the exit code is 1 when a finding is at or above --fail-on. */
export function reportVulnerabilities(subject: string, inventory: Inventory, flags: VulnerabilityFlags, now = Date.now()): { report: VulnerabilityReport; exitCode: number } {
  const maxAgeMs = parseAge(flags.maxDbAge);
  const vex = loadVex(flags.vex);
  const db = openVulnerabilityDatabase(flags);
  try {
    const result = matchInventory(inventory, db, { ignoreUnfixed: flags.ignoreUnfixed, vex });
    const report: VulnerabilityReport = { subject, database: db.info, databaseProblems: db.problems, result, maxAgeMs, failOn: flags.failOn ?? 'none', now };
    return { report, exitCode: failingFindings(report).length > 0 ? EXIT.findings : EXIT.clean };
  } finally {
    db.close();
  }
}

/** What `image` and `deps` say when there is no database to match against (they still report the rest). */
export const NO_DATABASE_NOTE = 'packages were not checked for vulnerabilities: no database (run `kshield db update`, or give --db DIR; --no-vulns silences this)';

/**
 * Matching for `image` and `deps`: undefined with --no-vulns, or when no database is there (the
 * caller notes it); the report otherwise, with --fail-on taken from the command's own.
 */
export function optionalVulnerabilities(subject: string, inventory: Inventory, flags: Omit<VulnerabilityFlags, 'output' | 'failOn'>, failOn: Severity | 'none'): VulnerabilityReport | undefined {
  if (flags.vulns === false || !databaseAvailable(flags)) return undefined;
  return reportVulnerabilities(subject, inventory, { ...flags, failOn }).report;
}

/** A command's JSON report with its vulnerabilities: the report `vulns -o json` prints, or null and why. */
export function withVulnerabilities<T extends object>(report: T, vulns: VulnerabilityReport | undefined, flags: Pick<VulnerabilityFlags, 'vulns'>): T & { vulnerabilities: Record<string, unknown> | null; vulnerabilityNote?: string } {
  return { ...report, vulnerabilities: vulns ? vulnerabilityObject(vulns) : null, ...(vulns || flags.vulns === false ? {} : { vulnerabilityNote: NO_DATABASE_NOTE }) };
}

/** What a command's table ends with: the vulnerability table, or the note that packages were not checked. */
export function vulnerabilityTableTail(vulns: VulnerabilityReport | undefined, flags: Pick<VulnerabilityFlags, 'vulns'>): string {
  return vulns ? `\n${renderVulnerabilityTable(vulns)}\n` : flags.vulns === false ? '' : `\nNote: ${NO_DATABASE_NOTE}\n`;
}

/** The rule that reports vulnerabilities, in lockfiles and images alike. */
export const VULNERABILITY_RULE = 'vulnerable-package';

/** `/vulnerabilities/N` of a vulnerability finding: N. */
export function vulnerabilityIndex(finding: Finding): number | undefined {
  const m = /^\/vulnerabilities\/(\d+)$/.exec(finding.path);
  return m ? Number(m[1]) : undefined;
}

/**
 * The vulnerability report as the engine left it: a vulnerability every finding of which an
 * exemption or the baseline suppressed is marked so (it no longer counts for --fail-on, and the
 * table says who accepted it and why). `matchOf` maps a `vulnerable-package` finding to its match.
 */
export function governVulnerabilities(findings: readonly Finding[], matchOf: (finding: Finding) => VulnerabilityMatch | undefined): void {
  const verdicts = new Map<VulnerabilityMatch, Finding['suppression'] | null>();
  for (const f of findings) {
    if (f.rule !== VULNERABILITY_RULE) continue;
    const match = matchOf(f);
    if (!match) continue;
    const suppression = f.suppressed && f.suppression ? f.suppression : null;
    // One finding left unsuppressed keeps the vulnerability reported.
    if (!verdicts.has(match)) verdicts.set(match, suppression);
    else if (suppression === null) verdicts.set(match, null);
  }
  for (const [match, suppression] of verdicts) {
    if (!suppression) continue;
    match.suppressed = true;
    match.suppression = suppression;
  }
}

const MAX_INVENTORY_BYTES = 256 * 1024 * 1024;

/** Reads an inventory JSON file (the Inventory model), checking the fields matching reads. */
export function readInventoryFile(file: string): Inventory {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_INVENTORY_BYTES) throw new UsageError(`${file}: ${size} bytes, over the ${MAX_INVENTORY_BYTES}-byte limit`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${file}: cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  const inv = json as Partial<Inventory>;
  if (typeof json !== 'object' || json === null || !Array.isArray(inv.packages)) throw new UsageError(`${file}: not an inventory (an object with a packages list)`);
  inv.packages.forEach((p, i) => {
    for (const field of ['ecosystem', 'name', 'version', 'purl'] as const) {
      if (typeof p?.[field] !== 'string' || p[field] === '') throw new UsageError(`${file}: packages[${i}].${field} must be a non-empty string`);
    }
    if (!Array.isArray(p.locations)) p.locations = [];
  });
  return { os: inv.os, packages: inv.packages, notes: Array.isArray(inv.notes) ? inv.notes : [] };
}

export async function runVulns(file: string, opts: VulnerabilityFlags): Promise<number> {
  const inventory = readInventoryFile(file);
  const { report, exitCode } = reportVulnerabilities(file, inventory, opts);
  const format = opts.output ?? 'table';
  await writeOutput({ format: format === 'json' ? 'json' : 'table' }, format === 'json' ? vulnerabilityJson(report) : renderVulnerabilityTable(report));
  return exitCode;
}
