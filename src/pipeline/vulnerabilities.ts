/**
 * Known vulnerabilities of the packages a scan's lockfiles pin: each `Lockfile` object the sources
 * made (sources/lockfile.ts) gets `/vulnerabilities` from the database, which the rule
 * `vulnerable-package` reports. The database is opened on the first lockfile and only then; without
 * one, each lockfile gets a note saying its packages were not checked.
 */
import type { Note, Resource } from '../core/types.js';
import { UsageError } from '../core/errors.js';
import type { AttachedVulnerability, Inventory, Package } from '../packages/model.js';
import { LOCKFILE_KIND, type LockfileView } from '../sources/lockfile.js';
import { attachMatches } from '../vulns/attach.js';
import { databaseAgeMs, describeAge, DatabaseError, type AdvisoryDatabase } from '../vulns/db.js';
import { matchInventory } from '../vulns/match.js';
import { databaseAvailable, openAdvisoryDatabase } from '../vulns/open.js';
import { loadVexFile, VexError, type VexStatement } from '../vulns/vex.js';

export interface ScanVulnerabilityOptions {
  /** false (`--no-vulns`): lockfiles are still read, their packages not matched. */
  enabled?: boolean;
  db?: string;
  cacheDir?: string;
  /** OpenVEX or CycloneDX VEX files: statements mark vulnerabilities not affecting. */
  vex?: string[];
  ignoreUnfixed?: boolean;
  /** Past this age the database is reported stale (a note per lockfile). Default 7 days. */
  maxDbAgeMs?: number;
}

const DEFAULT_MAX_AGE_MS = 7 * 86_400_000;

export class LockfileVulnerabilities {
  private db: AdvisoryDatabase | undefined;
  private vex: VexStatement[] | undefined;
  private failure: string | undefined;
  private problemsNoted = false;

  constructor(private readonly options: ScanVulnerabilityOptions = {}) {}

  /** Adds `/vulnerabilities` to every Lockfile among `resources`; what could not be checked becomes a note. */
  attach(resources: readonly Resource[], notes: Note[]): void {
    for (const r of resources) {
      if (r.kind !== LOCKFILE_KIND) continue;
      const view = r.object as unknown as LockfileView;
      if (this.options.enabled === false || view.packages.length === 0) continue;
      const db = this.open();
      if (!db) {
        notes.push({ file: r.file, message: `its ${view.packages.length} package(s) were not checked for vulnerabilities: ${this.failure}` });
        continue;
      }
      const packages: Package[] = view.packages.map((p) => ({ ecosystem: p.ecosystem as Package['ecosystem'], name: p.name, version: p.version, purl: p.purl, locations: [{ path: r.file, ...(p.line !== undefined ? { line: p.line } : {}) }], foundBy: view.format }));
      const result = matchInventory({ packages, notes: [] }, db, { ignoreUnfixed: this.options.ignoreUnfixed, vex: this.vex });
      view.vulnerabilities = attachMatches(result, packages, 'package').map((a) => a.vulnerability);
      this.noteAge(db, r.file, notes);
    }
  }

  /**
   * The known vulnerabilities of an image's packages (`scan --images`), as its ContainerImage object
   * carries them; undefined (with a note when there was something to check) when not matched.
   */
  forImage(name: string, inventory: Inventory, notes: Note[]): AttachedVulnerability[] | undefined {
    if (this.options.enabled === false || inventory.packages.length === 0) return undefined;
    const db = this.open();
    if (!db) {
      notes.push({ file: name, message: `its ${inventory.packages.length} package(s) were not checked for vulnerabilities: ${this.failure}` });
      return undefined;
    }
    const result = matchInventory(inventory, db, { ignoreUnfixed: this.options.ignoreUnfixed, vex: this.vex });
    this.noteAge(db, name, notes);
    // One entry per match, as `kshield image` reports it: binary packages built from one source share one fix.
    return attachMatches(result, inventory.packages, 'match').map((a) => a.vulnerability);
  }

  private noteAge(db: AdvisoryDatabase, file: string, notes: Note[]): void {
    // The database's own unreadable files, once per scan (the rest of it is used), as `kshield image` warns of them.
    if (!this.problemsNoted) {
      this.problemsNoted = true;
      for (const p of db.problems.slice(0, 20)) notes.push({ file: p.file, message: `vulnerability database: ${p.message.replace(/\s+/g, ' ')}` });
      if (db.problems.length > 20) notes.push({ file: this.options.db ?? 'vulnerability database', message: `vulnerability database: ${db.problems.length - 20} more files could not be read` });
    }
    const age = databaseAgeMs(db.info);
    const maxAge = this.options.maxDbAgeMs ?? DEFAULT_MAX_AGE_MS;
    if (age === undefined || age > maxAge) notes.push({ file, message: `checked against a vulnerability database ${age === undefined ? 'that holds no advisory' : `${describeAge(age)} old (allowed: ${describeAge(maxAge)})`}: run \`kshield db update\`` });
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }

  private open(): AdvisoryDatabase | undefined {
    if (this.db || this.failure) return this.db;
    if (!databaseAvailable(this.options)) {
      this.failure = 'no vulnerability database (run `kshield db update`, or give --db DIR; --no-vulns silences this)';
      return undefined;
    }
    try {
      this.vex = (this.options.vex ?? []).flatMap((f) => loadVexFile(f));
      this.db = openAdvisoryDatabase(this.options);
    } catch (err) {
      if (!(err instanceof DatabaseError) && !(err instanceof VexError)) throw err;
      // A --db or --vex named on the command line that cannot be read is a mistake in the command, not a note:
      // a CI job with a typo would otherwise pass without checking anything.
      if (this.options.db !== undefined || err instanceof VexError) throw new UsageError((err as Error).message);
      this.failure = (err as Error).message;
    }
    return this.db;
  }
}
