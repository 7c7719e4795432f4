/**
 * Everything the two stores share: every query, written once in the SQL both SQLite and PostgreSQL
 * run (`?` placeholders, which the PostgreSQL executor numbers), the migrations runner, and the
 * mapping of rows to records. An implementation only supplies how to run statements, how to bulk
 * insert, and how to hold a transaction (see sqlite.ts, postgres.ts).
 */
import type { Severity } from '../core/types.js';
import { SEVERITIES, isSeverity, severityRank } from '../core/types.js';
import { prepareScan, SCORE_FORMULA, type FacetRow, type FindingRow } from './import.js';
import { isVulnSeverity, vulnSeverityRank, withImages, type ImageRow } from './images.js';
import { MAX_ALERTS_PER_SOURCE, prepareRuntime, priorityRank } from './runtime.js';
import { MIGRATIONS, MIGRATIONS_TABLE, newerDatabaseMessage, SCHEMA_VERSION, SEARCH_ROWID_SCAN, type Dialect } from './migrations.js';
import {
  FINDING_SORTS,
  StoreError,
  type AlertPage,
  type AlertQuery,
  type Attestation,
  type AttestationQuery,
  type RuntimeFacets,
  type RuntimeImport,
  type RuntimeImportResult,
  type StoredAlert,
  type StoredImage,
  type StoredVulnerability,
  type VulnerabilityPage,
  type VulnerabilityQuery,
  type VulnerabilitySeverity,
  type FindingPage,
  type FindingQuery,
  type FindingSort,
  type GroupCount,
  type ListScansQuery,
  type Overview,
  type ScanDiff,
  type ScanImport,
  type ScanRecord,
  type SourceSummary,
  type Store,
  type StoredAttestation,
  type StoredFinding,
  type StoredRule,
  type StoreOptions,
  type TrendPoint,
  type TrendQuery,
  type TrendSeries,
} from './types.js';

export type Row = Record<string, unknown>;

/** Runs statements on one connection (or, for reads, on any). */
export interface Executor {
  all(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Rows changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  insertFindings(scanId: number, rows: readonly FindingRow[]): Promise<void>;
  insertCounts(scanId: number, rows: readonly FacetRow[]): Promise<void>;
  insertFingerprints(scanId: number, fingerprints: readonly string[]): Promise<void>;
}

/** A statement run once per row (a scan's rules: a few hundred at most). */
async function insertEach(db: Executor, sql: string, rows: readonly unknown[][]): Promise<void> {
  for (const r of rows) await db.run(sql, r);
}

/**
 * A source's scans form two series: its scans of objects (scan, cluster) and its image results
 * (`kshield image --cluster-name`), which list other things. "The previous scan", "new since" and
 * the trend compare a scan only with its own series, and a cluster's card shows its latest scan of
 * objects. Takes the command of the scan compared as a parameter.
 */
const SAME_SERIES = "(CASE WHEN command = 'image' THEN 1 ELSE 0 END) = (CASE WHEN ? = 'image' THEN 1 ELSE 0 END)";

const SCAN_COLUMNS =
  'id, source, command, started_at, finished_at, imported_at, kshield_version, cluster_server, cluster_context, cluster_version, resources, files, n_critical, n_high, n_medium, n_low, n_info, total, suppressed, errors, notes, score';

const FINDING_SELECT =
  'f.scan_id, f.seq, f.rule, f.severity, f.category, f.message, f.api_version, f.kind, f.namespace, f.name, f.file, f.line, f.col, f.path, f.container, f.suppressed, f.suppression_kind, f.suppression_reason, f.suppression_owner, f.team, f.fingerprint, f.extra';

/** Each sort: its columns and their direction for order `asc`, ending with seq so the order is total. */
const SORTS: Record<FindingSort, [column: string, descending: boolean][]> = {
  severity: [['sev_rank', true], ['seq', false]],
  rule: [['rule', false], ['sev_rank', true], ['seq', false]],
  category: [['category', false], ['sev_rank', true], ['seq', false]],
  namespace: [['namespace', false], ['sev_rank', true], ['seq', false]],
  team: [['team', false], ['sev_rank', true], ['seq', false]],
  object: [['kind', false], ['namespace', false], ['name', false], ['seq', false]],
  file: [['file', false], ['line', false], ['col', false], ['seq', false]],
};
const NUMERIC_COLUMNS = new Set(['sev_rank', 'seq', 'line', 'col']);

const MAX_PAGE = 1000;
/** Imports of this many findings or more refresh the planner's statistics. */
const ANALYZE_AFTER = 10_000;
const MAX_LIST = 1000;

function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

function scanRecord(r: Row): ScanRecord {
  const bySeverity: Record<Severity, number> = { critical: num(r.n_critical), high: num(r.n_high), medium: num(r.n_medium), low: num(r.n_low), info: num(r.n_info) };
  return {
    id: num(r.id),
    source: r.source as string,
    command: r.command as string,
    startedAt: new Date(num(r.started_at)),
    finishedAt: new Date(num(r.finished_at)),
    importedAt: new Date(num(r.imported_at)),
    version: r.kshield_version as string,
    cluster: r.cluster_server === null || r.cluster_server === undefined ? null : { server: r.cluster_server as string, context: (r.cluster_context as string | null) ?? '', version: (r.cluster_version as string | null) ?? null },
    resources: num(r.resources),
    files: num(r.files),
    bySeverity,
    total: num(r.total),
    suppressed: num(r.suppressed),
    errors: num(r.errors),
    notes: num(r.notes),
    score: r.score === null || r.score === undefined ? null : num(r.score),
  };
}

function storedFinding(r: Row): StoredFinding {
  const extra = typeof r.extra === 'string' ? (JSON.parse(r.extra) as Pick<StoredFinding, 'related' | 'locations'>) : undefined;
  const finding: StoredFinding = {
    scanId: num(r.scan_id),
    seq: num(r.seq),
    rule: r.rule as string,
    severity: r.severity as Severity,
    category: r.category as string,
    message: r.message as string,
    resource: { apiVersion: r.api_version as string, kind: r.kind as string, namespace: r.namespace === '' ? null : (r.namespace as string), name: r.name as string },
    file: r.file as string,
    line: num(r.line),
    column: num(r.col),
    path: r.path as string,
    container: (r.container as string | null) ?? null,
    suppressed: num(r.suppressed) === 1,
    suppression: r.suppression_kind === null || r.suppression_kind === undefined ? null : { kind: r.suppression_kind as string, reason: (r.suppression_reason as string | null) ?? null, owner: (r.suppression_owner as string | null) ?? null },
    team: r.team === '' ? null : (r.team as string),
    fingerprint: r.fingerprint as string,
    related: extra?.related ?? [],
  };
  if (extra?.locations) finding.locations = extra.locations;
  return finding;
}

function emptyCounts(): Record<Severity, number> {
  return { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
}

function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The distinct three-character pieces of a text (by code point), at most MAX_TRIGRAMS of them spread
 * over it: any finding holding the text holds them all, so asking the index for fewer only widens
 * the candidates LIKE re-checks. None for a text shorter than three characters.
 */
const MAX_TRIGRAMS = 16;
function trigramsOf(text: string): string[] {
  const chars = [...text];
  const all = [...new Set(Array.from({ length: Math.max(0, chars.length - 2) }, (_, i) => chars.slice(i, i + 3).join('')))];
  if (all.length <= MAX_TRIGRAMS) return all;
  return Array.from({ length: MAX_TRIGRAMS }, (_, i) => all[Math.floor((i * (all.length - 1)) / (MAX_TRIGRAMS - 1))]);
}

function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

function decodeCursor(cursor: string, columns: readonly [string, boolean][]): unknown[] {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    values = undefined;
  }
  const ok =
    Array.isArray(values) &&
    values.length === columns.length &&
    values.every((v, i) => (NUMERIC_COLUMNS.has(columns[i][0]) ? typeof v === 'number' && Number.isSafeInteger(v) : typeof v === 'string'));
  if (!ok) throw new StoreError('the page cursor is not one this query returned (it belongs to another sort, or was altered)');
  return values as unknown[];
}

function checkList<T>(name: string, list: readonly T[] | undefined, valid?: (v: T) => boolean): readonly T[] | undefined {
  if (list === undefined) return undefined;
  if (!Array.isArray(list)) throw new StoreError(`the ${name} filter must be a list`);
  if (list.length > 1000) throw new StoreError(`the ${name} filter names ${list.length} values (at most 1000)`);
  if (valid) for (const v of list) if (!valid(v)) throw new StoreError(`the ${name} filter holds ${JSON.stringify(v)}, which is not valid`);
  return list;
}

function checkLimit(limit: number | undefined, fallback: number, max: number, what: string): number {
  if (limit === undefined) return fallback;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > max) throw new StoreError(`${what} must be a whole number from 1 to ${max}, not ${String(limit)}`);
  return limit;
}

function checkDate(value: string, what: string): number {
  const t = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(t)) throw new StoreError(`the attestation's ${what} is not a date: ${JSON.stringify(value)}`);
  return t;
}

/** A scan's images and their vulnerabilities (a few thousand rows at most: one statement each). */
async function insertImages(db: Executor, scanId: number, images: readonly ImageRow[]): Promise<void> {
  for (const i of images) {
    await db.run(
      `INSERT INTO scan_images (scan_id, seq, name, target_kind, digest, os, packages, vulns_known, v_critical, v_high, v_medium, v_low, v_unknown, fixable, total, workloads)
       VALUES (${placeholders(16)})`,
      [scanId, i.seq, i.name, i.targetKind, i.digest, i.os, i.packages, i.vulnerabilitiesKnown ? 1 : 0, i.counts.critical, i.counts.high, i.counts.medium, i.counts.low, i.counts.unknown, i.fixable, i.total, JSON.stringify(i.workloads)],
    );
    for (const v of i.vulnerabilities) {
      await db.run(
        `INSERT INTO image_vulnerabilities (scan_id, image_seq, seq, vuln_id, aliases, severity, sev_rank, package, ecosystem, installed, fixed, summary, suppressed) VALUES (${placeholders(13)})`,
        [scanId, i.seq, v.seq, v.id, JSON.stringify(v.aliases), v.severity, vulnSeverityRank(v.severity), v.package, v.ecosystem, v.installed, v.fixed, v.summary, v.suppressed ? 1 : 0],
      );
    }
  }
}

const IMAGE_COLUMNS = 'scan_id, seq, name, target_kind, digest, os, packages, vulns_known, v_critical, v_high, v_medium, v_low, v_unknown, fixable, total, workloads';

function storedImage(r: Row): StoredImage {
  return {
    scanId: num(r.scan_id),
    seq: num(r.seq),
    name: r.name as string,
    targetKind: (r.target_kind as string | null) ?? null,
    digest: (r.digest as string | null) ?? null,
    os: (r.os as string | null) ?? null,
    packages: r.packages === null || r.packages === undefined ? null : num(r.packages),
    vulnerabilitiesKnown: num(r.vulns_known) === 1,
    bySeverity: { critical: num(r.v_critical), high: num(r.v_high), medium: num(r.v_medium), low: num(r.v_low), unknown: num(r.v_unknown) },
    fixable: num(r.fixable),
    total: num(r.total),
    workloads: JSON.parse(r.workloads as string) as string[],
    workloadsFromScan: null,
  };
}

const ALERT_COLUMNS = 'id, source, alert_key, sender, rule, priority, alert_at, namespace, pod, techniques, tactics, posture_status, posture';

export abstract class SqlStore implements Store {
  abstract readonly kind: Dialect;
  schemaVersion = 0;

  constructor(protected readonly options: StoreOptions) {}

  /** Runs `fn` with an executor for reads (no transaction needed). */
  protected abstract read<T>(fn: (db: Executor) => Promise<T>): Promise<T>;
  /** Runs `fn` in one transaction; it commits when `fn` resolves, rolls back when it throws. */
  protected abstract write<T>(fn: (db: Executor) => Promise<T>): Promise<T>;
  /** Taken inside each migration's transaction so that two processes never migrate at once (PostgreSQL). */
  protected async lockForMigration(_db: Executor): Promise<void> {}
  /**
   * Refreshes the query planner's statistics after a large import, so that a filter picks its index
   * (without them SQLite walks the whole scan for a team + rule filter).
   */
  protected abstract analyze(): Promise<void>;
  /** How errors name the database (a path, a host). */
  protected abstract where(): string;
  abstract close(): Promise<void>;

  /** Brings the schema up to SCHEMA_VERSION, one migration per transaction; refuses a newer schema. */
  async migrate(): Promise<void> {
    const applied = async (db: Executor): Promise<Set<number>> => new Set((await db.all('SELECT version FROM kshield_migrations')).map((r) => num(r.version)));
    let done = await this.write(async (db) => {
      await this.lockForMigration(db);
      await db.run(MIGRATIONS_TABLE);
      return applied(db);
    });
    const newest = Math.max(0, ...done);
    if (newest > SCHEMA_VERSION) throw new StoreError(newerDatabaseMessage(newest, this.where()));
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      done = await this.write(async (db) => {
        await this.lockForMigration(db);
        const now = await applied(db);
        // Another process may have run it while this one waited for the lock.
        if (!now.has(m.version)) {
          for (const statement of m.statements(this.kind)) await db.run(statement);
          await db.run('INSERT INTO kshield_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, Date.now()]);
          now.add(m.version);
        }
        return now;
      });
    }
    this.schemaVersion = Math.max(...done);
  }

  async importScan(input: ScanImport): Promise<ScanRecord> {
    const now = new Date();
    const { scan, images } = withImages(input, this.options);
    const prepared = prepareScan(scan, this.options, now);
    const id = await this.write(async (db) => {
      const [row] = await db.all(
        `INSERT INTO scans (source, command, started_at, finished_at, imported_at, kshield_version, report_format, cluster_server, cluster_context, cluster_version,
           resources, files, n_critical, n_high, n_medium, n_low, n_info, total, suppressed, errors, notes, score)
         VALUES (${placeholders(22)}) RETURNING id`,
        [
          prepared.source, prepared.command, prepared.startedAt, prepared.finishedAt, now.getTime(), prepared.version, prepared.format,
          prepared.cluster?.server ?? null, prepared.cluster?.context ?? null, prepared.cluster?.version ?? null, prepared.resources, prepared.files,
          ...SEVERITIES.map((s) => prepared.bySeverity[s]), prepared.total, prepared.suppressed, prepared.errors, prepared.notes, prepared.score,
        ],
      );
      const scanId = num(row.id);
      // "New since" the source's previous scan, worked out here once rather than by every query:
      // each finding is flagged new or not against that scan's fingerprints, its findings gone from
      // this one are listed in scan_fixed, and both counts kept on the scan.
      const [previous] = await db.all(
        `SELECT id FROM scans WHERE source = ? AND ${SAME_SERIES} AND id <> ? AND (started_at < ? OR (started_at = ? AND id < ?)) ORDER BY started_at DESC, id DESC LIMIT 1`,
        [prepared.source, prepared.command, scanId, prepared.startedAt, prepared.startedAt, scanId],
      );
      let newCount = 0;
      if (previous) {
        const before = new Set((await db.all('SELECT fingerprint FROM scan_fingerprints WHERE scan_id = ?', [num(previous.id)])).map((r) => r.fingerprint as string));
        for (const f of prepared.findings) {
          f.isNew = before.has(f.fingerprint) ? 0 : 1;
          if (f.isNew === 1 && f.suppressed === 0) newCount++;
        }
      }
      await db.insertFindings(scanId, prepared.findings);
      await db.insertCounts(scanId, prepared.facets);
      await db.insertFingerprints(scanId, prepared.fingerprints);
      if (previous) {
        const previousId = num(previous.id);
        await db.run(
          `INSERT INTO scan_fixed (scan_id, seq)
           SELECT ?, p.seq FROM findings p WHERE p.scan_id = ? AND NOT EXISTS (SELECT 1 FROM scan_fingerprints n WHERE n.scan_id = ? AND n.fingerprint = p.fingerprint)`,
          [scanId, previousId, scanId],
        );
        const [fixed] = await db.all('SELECT COUNT(*) AS n FROM scan_fixed x JOIN findings p ON p.scan_id = ? AND p.seq = x.seq WHERE x.scan_id = ? AND p.suppressed = 0', [previousId, scanId]);
        await db.run('UPDATE scans SET compared_to = ?, n_new = ?, n_fixed = ? WHERE id = ?', [previousId, newCount, num(fixed.n), scanId]);
      }
      await insertEach(
        db,
        'INSERT INTO scan_rules (scan_id, rule, title, severity, remediation, refs, docs) VALUES (?, ?, ?, ?, ?, ?, ?)',
        prepared.rules.map((r) => [scanId, r.id, r.title, r.severity, r.remediation, JSON.stringify(r.references), r.docs]),
      );
      await insertEach(db, 'INSERT INTO scan_artifacts (scan_id, kind, body) VALUES (?, ?, ?)', prepared.artifacts.map((a) => [scanId, a.kind, a.body]));
      await insertImages(db, scanId, images);
      return scanId;
    });
    if (prepared.findings.length >= ANALYZE_AFTER) await this.analyze();
    return (await this.getScan(id))!;
  }

  async getScan(id: number): Promise<ScanRecord | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    return this.read(async (db) => {
      const [row] = await db.all(`SELECT ${SCAN_COLUMNS} FROM scans WHERE id = ?`, [id]);
      return row ? scanRecord(row) : undefined;
    });
  }

  private async mustGetScan(db: Executor, id: number): Promise<ScanRecord> {
    const [row] = Number.isSafeInteger(id) ? await db.all(`SELECT ${SCAN_COLUMNS} FROM scans WHERE id = ?`, [id]) : [];
    if (!row) throw new StoreError(`there is no stored scan ${String(id)}`);
    return scanRecord(row);
  }

  async listScans(query: ListScansQuery = {}): Promise<ScanRecord[]> {
    const limit = checkLimit(query.limit, 100, MAX_LIST, 'limit');
    return this.read(async (db) => {
      const where: string[] = [];
      const params: unknown[] = [];
      if (query.source !== undefined) {
        where.push('source = ?');
        params.push(query.source);
      }
      if (query.before !== undefined) {
        const before = await this.mustGetScan(db, query.before);
        where.push('(started_at < ? OR (started_at = ? AND id < ?))');
        params.push(before.startedAt.getTime(), before.startedAt.getTime(), before.id);
      }
      const rows = await db.all(`SELECT ${SCAN_COLUMNS} FROM scans ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, id DESC LIMIT ?`, [...params, limit]);
      return rows.map(scanRecord);
    });
  }

  async listSources(): Promise<SourceSummary[]> {
    return this.read(async (db) => {
      const rows = await db.all(
        `SELECT ${SCAN_COLUMNS.split(', ').map((c) => `s.${c}`).join(', ')}, c.n AS scan_count
         FROM scans s JOIN (SELECT source, COUNT(*) AS n FROM scans GROUP BY source) c ON c.source = s.source
         WHERE s.id = (SELECT l.id FROM scans l WHERE l.source = s.source ORDER BY CASE WHEN l.command = 'image' THEN 1 ELSE 0 END, l.started_at DESC, l.id DESC LIMIT 1)
         ORDER BY s.source`,
      );
      return rows.map((r) => ({ source: r.source as string, scans: num(r.scan_count), latest: scanRecord(r) }));
    });
  }

  async previousScan(id: number): Promise<ScanRecord | undefined> {
    return this.read(async (db) => {
      const scan = await this.mustGetScan(db, id);
      const t = scan.startedAt.getTime();
      const [row] = await db.all(
        `SELECT ${SCAN_COLUMNS} FROM scans WHERE source = ? AND ${SAME_SERIES} AND (started_at < ? OR (started_at = ? AND id < ?)) ORDER BY started_at DESC, id DESC LIMIT 1`,
        [scan.source, scan.command, t, t, scan.id],
      );
      return row ? scanRecord(row) : undefined;
    });
  }

  async getArtifact(scanId: number, kind: 'compliance' | 'analyses'): Promise<unknown | undefined> {
    if (!Number.isSafeInteger(scanId)) return undefined;
    return this.read(async (db) => {
      const [row] = await db.all('SELECT body FROM scan_artifacts WHERE scan_id = ? AND kind = ?', [scanId, kind]);
      return row ? (JSON.parse(String(row.body)) as unknown) : undefined;
    });
  }

  async deleteScan(id: number): Promise<boolean> {
    if (!Number.isSafeInteger(id)) return false;
    return this.write(async (db) => {
      // Children first: one code path whether or not the connection enforces ON DELETE CASCADE.
      // Scans compared with this one fall back to comparing fingerprints (no id is ever reused, so their flags could not mislead; this only frees the space).
      await db.run('DELETE FROM scan_fixed WHERE scan_id IN (SELECT id FROM scans WHERE compared_to = ?)', [id]);
      await db.run('UPDATE scans SET compared_to = NULL, n_new = NULL, n_fixed = NULL WHERE compared_to = ?', [id]);
      await db.run('DELETE FROM scan_fixed WHERE scan_id = ?', [id]);
      if (this.kind === 'sqlite') {
        await db.run(`INSERT INTO findings_text (findings_text, rowid, search) SELECT 'delete', scan_id * ${SEARCH_ROWID_SCAN} + seq, search FROM findings WHERE scan_id = ?`, [id]);
      }
      await db.run('DELETE FROM scan_counts WHERE scan_id = ?', [id]);
      await db.run('DELETE FROM scan_fingerprints WHERE scan_id = ?', [id]);
      await db.run('DELETE FROM scan_rules WHERE scan_id = ?', [id]);
      await db.run('DELETE FROM scan_artifacts WHERE scan_id = ?', [id]);
      await db.run('DELETE FROM image_vulnerabilities WHERE scan_id = ?', [id]);
      await db.run('DELETE FROM scan_images WHERE scan_id = ?', [id]);
      await db.run('DELETE FROM findings WHERE scan_id = ?', [id]);
      return (await db.run('DELETE FROM scans WHERE id = ?', [id])) > 0;
    });
  }

  async overview(scanId: number): Promise<Overview> {
    return this.read(async (db) => {
      const scan = await this.mustGetScan(db, scanId);
      const rows = await db.all('SELECT facet, key, severity, n FROM scan_counts WHERE scan_id = ?', [scanId]);
      const groups: Record<string, Map<string, GroupCount>> = { category: new Map(), namespace: new Map(), team: new Map(), rule: new Map() };
      const heat = new Map<string, { namespace: string | null; category: string; total: number }>();
      for (const r of rows) {
        const facet = r.facet as string;
        const key = r.key as string;
        const n = num(r.n);
        const severity = r.severity as Severity;
        if (facet === 'heatmap') {
          // namespace/category: a namespace never holds a slash.
          const slash = key.indexOf('/');
          const namespace = key.slice(0, slash);
          const category = key.slice(slash + 1);
          const cell = heat.get(key) ?? { namespace: namespace === '' ? null : namespace, category, total: 0 };
          cell.total += n;
          heat.set(key, cell);
          continue;
        }
        const map = groups[facet];
        if (!map) continue;
        const nullable = facet === 'namespace' || facet === 'team';
        let g = map.get(key);
        if (!g) map.set(key, (g = { key: nullable && key === '' ? null : key, total: 0, bySeverity: emptyCounts() }));
        g.total += n;
        if (isSeverity(severity)) g.bySeverity[severity] += n;
      }
      // Most findings first, the most severe breaking ties, then by name: the same order everywhere.
      const order = (a: GroupCount, b: GroupCount): number => {
        if (b.total !== a.total) return b.total - a.total;
        for (const s of SEVERITIES) if (b.bySeverity[s] !== a.bySeverity[s]) return b.bySeverity[s] - a.bySeverity[s];
        return (a.key ?? '') < (b.key ?? '') ? -1 : (a.key ?? '') > (b.key ?? '') ? 1 : 0;
      };
      const sorted = (facet: string): GroupCount[] => [...groups[facet].values()].sort(order);
      const heatmap = [...heat.values()].sort((a, b) => ((a.namespace ?? '') < (b.namespace ?? '') ? -1 : (a.namespace ?? '') > (b.namespace ?? '') ? 1 : a.category < b.category ? -1 : a.category > b.category ? 1 : 0));
      return {
        scan,
        bySeverity: { ...scan.bySeverity },
        byCategory: sorted('category'),
        byNamespace: sorted('namespace'),
        byTeam: sorted('team'),
        byRule: sorted('rule'),
        heatmap,
        score: scan.score,
        scoreFormula: SCORE_FORMULA,
      };
    });
  }

  async getFinding(scanId: number, seq: number): Promise<{ finding: StoredFinding; rule: StoredRule | null } | undefined> {
    if (!Number.isSafeInteger(scanId) || !Number.isSafeInteger(seq)) return undefined;
    return this.read(async (db) => {
      const [row] = await db.all(`SELECT ${FINDING_SELECT} FROM findings f WHERE f.scan_id = ? AND f.seq = ?`, [scanId, seq]);
      if (!row) return undefined;
      const finding = storedFinding(row);
      const [r] = await db.all('SELECT rule, title, severity, remediation, refs, docs FROM scan_rules WHERE scan_id = ? AND rule = ?', [scanId, finding.rule]);
      const rule: StoredRule | null = r
        ? { id: r.rule as string, title: r.title as string, severity: r.severity as Severity, remediation: r.remediation as string, references: JSON.parse(r.refs as string) as string[], docs: (r.docs as string | null) ?? null }
        : null;
      return { finding, rule };
    });
  }

  async findings(query: FindingQuery): Promise<FindingPage> {
    return this.read(async (db) => {
      await this.mustGetScan(db, query.scanId);
      return this.findingsWith(db, query);
    });
  }

  private async findingsWith(db: Executor, query: FindingQuery): Promise<FindingPage> {
    const limit = checkLimit(query.limit, 100, MAX_PAGE, 'limit');
    const sort = query.sort ?? 'severity';
    if (!(FINDING_SORTS as readonly string[]).includes(sort)) throw new StoreError(`unknown sort ${JSON.stringify(sort)}: one of ${FINDING_SORTS.join(', ')}`);
    if (query.order !== undefined && query.order !== 'asc' && query.order !== 'desc') throw new StoreError(`order must be asc or desc, not ${JSON.stringify(query.order)}`);
    const reverse = query.order === 'desc';
    const columns = SORTS[sort].map(([c, desc]) => [c, desc !== reverse] as [string, boolean]);

    const where: string[] = ['f.scan_id = ?'];
    const params: unknown[] = [query.scanId];
    const suppressed = query.suppressed ?? false;
    if (suppressed !== 'all') {
      if (typeof suppressed !== 'boolean') throw new StoreError('suppressed must be true, false or "all"');
      where.push('f.suppressed = ?');
      params.push(suppressed ? 1 : 0);
    }
    const inList = (column: string, values: readonly unknown[] | undefined): void => {
      if (values === undefined) return;
      if (values.length === 0) {
        where.push('1 = 0');
        return;
      }
      where.push(`f.${column} IN (${placeholders(values.length)})`);
      params.push(...values);
    };
    const isText = (v: unknown): boolean => typeof v === 'string';
    inList('severity', checkList('severity', query.severity, isSeverity));
    if (query.minSeverity !== undefined) {
      if (!isSeverity(query.minSeverity)) throw new StoreError(`minSeverity must be one of ${SEVERITIES.join(', ')}`);
      where.push('f.sev_rank >= ?');
      params.push(severityRank(query.minSeverity));
    }
    inList('rule', checkList('rule', query.rule, isText));
    inList('category', checkList('category', query.category, isText));
    inList('kind', checkList('kind', query.kind, isText));
    inList('namespace', checkList('namespace', query.namespace, (v) => v === null || isText(v))?.map((v) => v ?? ''));
    inList('team', checkList('team', query.team, (v) => v === null || isText(v))?.map((v) => v ?? ''));
    if (query.text !== undefined && query.text !== '') {
      if (typeof query.text !== 'string' || query.text.length > 500) throw new StoreError('the text search must be a string of at most 500 characters');
      const text = query.text.toLowerCase();
      // SQLite: the trigram index finds the candidates (every finding holding each three-character
      // piece of the text in order); LIKE below keeps exactly the substring matches. Texts of fewer
      // than three characters have no trigram: LIKE alone. (PostgreSQL's pg_trgm index serves LIKE itself.)
      const trigrams = this.kind === 'sqlite' ? trigramsOf(text) : [];
      if (trigrams.length > 0) {
        where.push('f.seq IN (SELECT t.rowid - ? FROM findings_text t WHERE findings_text MATCH ? AND t.rowid >= ? AND t.rowid < ?)');
        const base = query.scanId * SEARCH_ROWID_SCAN;
        params.push(base, trigrams.map((t) => `"${t.replaceAll('"', '""')}"`).join(' AND '), base, base + SEARCH_ROWID_SCAN);
      }
      where.push("f.search LIKE ? ESCAPE '\\'");
      params.push(likePattern(text));
    }
    // The count when only "new since" / "fixed since" the compared scan narrows the findings: kept at import.
    let storedTotal: number | undefined;
    if (query.notIn !== undefined) {
      const other = await this.mustGetScan(db, query.notIn);
      const [self] = await db.all('SELECT compared_to, n_new FROM scans WHERE id = ?', [query.scanId]);
      const [otherCompared] = await db.all('SELECT compared_to, n_fixed FROM scans WHERE id = ?', [other.id]);
      const unfiltered = where.length === 2 && suppressed === false;
      if (self && self.compared_to !== null && num(self.compared_to) === other.id) {
        where.push('f.is_new = 1');
        if (unfiltered) storedTotal = num(self.n_new);
      } else if (otherCompared && otherCompared.compared_to !== null && num(otherCompared.compared_to) === query.scanId) {
        where.push('f.seq IN (SELECT x.seq FROM scan_fixed x WHERE x.scan_id = ?)');
        params.push(other.id);
        if (unfiltered) storedTotal = num(otherCompared.n_fixed);
      } else {
        where.push('NOT EXISTS (SELECT 1 FROM scan_fingerprints o WHERE o.scan_id = ? AND o.fingerprint = f.fingerprint)');
        params.push(query.notIn);
      }
    }

    let total: number | undefined;
    if (storedTotal !== undefined && query.withTotal !== false) total = storedTotal;
    else if (query.withTotal !== false) {
      const [row] = await db.all(`SELECT COUNT(*) AS n FROM findings f WHERE ${where.join(' AND ')}`, params);
      total = num(row.n);
    }

    const pageWhere = [...where];
    const pageParams = [...params];
    if (query.cursor !== undefined) {
      if (typeof query.cursor !== 'string') throw new StoreError('the page cursor must be a string');
      const values = decodeCursor(query.cursor, columns);
      // (c1 > v1) OR (c1 = v1 AND c2 > v2) OR ...: the rows after the cursor's in this order.
      const ors: string[] = [];
      for (let i = 0; i < columns.length; i++) {
        const parts: string[] = [];
        for (let j = 0; j < i; j++) {
          parts.push(`f.${columns[j][0]} = ?`);
          pageParams.push(values[j]);
        }
        parts.push(`f.${columns[i][0]} ${columns[i][1] ? '<' : '>'} ?`);
        pageParams.push(values[i]);
        ors.push(`(${parts.join(' AND ')})`);
      }
      pageWhere.push(`(${ors.join(' OR ')})`);
    }
    let offset = 0;
    if (query.offset !== undefined) {
      if (query.cursor !== undefined) throw new StoreError('give a cursor or an offset, not both');
      if (!Number.isSafeInteger(query.offset) || query.offset < 0) throw new StoreError(`offset must be a whole number ≥ 0, not ${String(query.offset)}`);
      offset = query.offset;
    }
    const orderBy = columns.map(([c, desc]) => `f.${c} ${desc ? 'DESC' : 'ASC'}`).join(', ');
    const rows = await db.all(
      `SELECT ${FINDING_SELECT}, f.sev_rank FROM findings f WHERE ${pageWhere.join(' AND ')} ORDER BY ${orderBy} LIMIT ? OFFSET ?`,
      [...pageParams, limit + 1, offset],
    );
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    return {
      findings: page.map(storedFinding),
      ...(total !== undefined ? { total } : {}),
      next: more && last ? encodeCursor(columns.map(([c]) => (NUMERIC_COLUMNS.has(c) ? num(last[c]) : last[c]))) : null,
    };
  }

  async diff(fromScanId: number, toScanId: number, options: { limit?: number } = {}): Promise<ScanDiff> {
    const limit = checkLimit(options.limit, 100, MAX_PAGE, 'limit');
    return this.read(async (db) => {
      const from = await this.mustGetScan(db, fromScanId);
      const to = await this.mustGetScan(db, toScanId);
      const added = await this.findingsWith(db, { scanId: to.id, notIn: from.id, limit });
      const fixed = await this.findingsWith(db, { scanId: from.id, notIn: to.id, limit });
      return { from, to, new: added.total!, fixed: fixed.total!, unchanged: to.total - added.total!, newFindings: added.findings, fixedFindings: fixed.findings };
    });
  }

  async trends(query: TrendQuery): Promise<TrendSeries[]> {
    const limit = checkLimit(query.limit, 100, MAX_LIST, 'limit');
    const groupBy = query.groupBy ?? 'source';
    if (!['source', 'namespace', 'team'].includes(groupBy)) throw new StoreError(`trends group by source, namespace or team, not ${JSON.stringify(groupBy)}`);
    if (typeof query.source !== 'string') throw new StoreError('trends need a source');
    return this.read(async (db) => {
      // One series: a cluster's scans, or (for a source that only ever got image results) its image results.
      const where = ['source = ?', "(command <> 'image' OR NOT EXISTS (SELECT 1 FROM scans o WHERE o.source = scans.source AND o.command <> 'image'))"];
      const params: unknown[] = [query.source];
      if (query.from) {
        where.push('started_at >= ?');
        params.push(query.from.getTime());
      }
      if (query.to) {
        where.push('started_at <= ?');
        params.push(query.to.getTime());
      }
      const scans = (await db.all(`SELECT ${SCAN_COLUMNS} FROM scans WHERE ${where.join(' AND ')} ORDER BY started_at DESC, id DESC LIMIT ?`, [...params, limit]))
        .map(scanRecord)
        .reverse();
      if (groupBy === 'source') {
        return [{ key: query.source, points: scans.map((s) => ({ scanId: s.id, at: s.startedAt, total: s.total, bySeverity: { ...s.bySeverity }, score: s.score })) }];
      }
      if (scans.length === 0) return [];
      const keys = checkList('keys', query.keys, (v) => v === null || typeof v === 'string')?.map((k) => k ?? '');
      const countParams: unknown[] = [groupBy, ...scans.map((s) => s.id)];
      let keyFilter = '';
      if (keys) {
        if (keys.length === 0) return [];
        keyFilter = ` AND key IN (${placeholders(keys.length)})`;
        countParams.push(...keys);
      }
      const rows = await db.all(`SELECT scan_id, key, severity, n FROM scan_counts WHERE facet = ? AND scan_id IN (${placeholders(scans.length)})${keyFilter}`, countParams);
      const series = new Map<string, Map<number, TrendPoint>>();
      for (const k of keys ?? []) series.set(k, new Map());
      for (const r of rows) {
        const key = r.key as string;
        let points = series.get(key);
        if (!points) series.set(key, (points = new Map()));
        const scanId = num(r.scan_id);
        let p = points.get(scanId);
        if (!p) points.set(scanId, (p = { scanId, at: new Date(0), total: 0, bySeverity: emptyCounts() }));
        const severity = r.severity as Severity;
        if (isSeverity(severity)) p.bySeverity[severity] += num(r.n);
        p.total += num(r.n);
      }
      return [...series.keys()]
        .sort()
        .map((key) => ({
          key: key === '' ? null : key,
          points: scans.map((s) => {
            const p = series.get(key)!.get(s.id);
            return { scanId: s.id, at: s.startedAt, total: p?.total ?? 0, bySeverity: p?.bySeverity ?? emptyCounts() };
          }),
        }));
    });
  }

  async addAttestation(a: Attestation, options: { source?: string | null } = {}): Promise<StoredAttestation> {
    const text = (v: unknown, what: string, max: number): string => {
      if (typeof v !== 'string' || v.trim() === '' || v.length > max) throw new StoreError(`the attestation's ${what} must be text of 1-${max} characters`);
      return v;
    };
    const control = text(a.control, 'control', 200);
    if (a.status !== 'pass' && a.status !== 'fail') throw new StoreError(`the attestation's status must be pass or fail, not ${JSON.stringify(a.status)}`);
    const by = text(a.by, 'by', 200);
    const evidence = text(a.evidence, 'evidence', 4000);
    const at = checkDate(a.at, 'at');
    const expires = checkDate(a.expires, 'expires');
    if (expires <= at) throw new StoreError(`the attestation expires (${a.expires}) before it was made (${a.at})`);
    const source = options.source ?? null;
    if (source !== null) text(source, 'source', 253);
    const id = await this.write(async (db) => {
      const [row] = await db.all(
        'INSERT INTO attestations (control, status, by_whom, evidence, attested_at, expires_at, source) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id',
        [control, a.status, by, evidence, at, expires, source],
      );
      return num(row.id);
    });
    return { id, control, status: a.status, by, evidence, at: new Date(at).toISOString(), expires: new Date(expires).toISOString(), source };
  }

  async listAttestations(query: AttestationQuery = {}): Promise<StoredAttestation[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.control !== undefined) {
      where.push('control = ?');
      params.push(query.control);
    }
    if (query.source !== undefined) {
      where.push('(source IS NULL OR source = ?)');
      params.push(query.source);
    }
    if (!query.includeExpired) {
      where.push('expires_at > ?');
      params.push((query.now ?? new Date()).getTime());
    }
    return this.read(async (db) => {
      const rows = await db.all(
        `SELECT id, control, status, by_whom, evidence, attested_at, expires_at, source FROM attestations ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY control, attested_at DESC, id DESC`,
        params,
      );
      return rows.map((r) => ({
        id: num(r.id),
        control: r.control as string,
        status: r.status as 'pass' | 'fail',
        by: r.by_whom as string,
        evidence: r.evidence as string,
        at: new Date(num(r.attested_at)).toISOString(),
        expires: new Date(num(r.expires_at)).toISOString(),
        source: (r.source as string | null) ?? null,
      }));
    });
  }

  async expireAttestation(id: number, now: Date = new Date()): Promise<boolean> {
    if (!Number.isSafeInteger(id)) return false;
    return this.write(async (db) => (await db.run('UPDATE attestations SET expires_at = ? WHERE id = ? AND expires_at > ?', [now.getTime(), id, now.getTime()])) > 0 || (await db.all('SELECT 1 AS x FROM attestations WHERE id = ?', [id])).length > 0);
  }

  // ------------------------------------------------------------ images and runtime alerts (migration 4)

  async scansWithImages(query: { source?: string; limit?: number } = {}): Promise<{ scan: ScanRecord; images: number }[]> {
    const limit = checkLimit(query.limit, 50, MAX_LIST, 'limit');
    const filter = query.source === undefined ? '' : 'WHERE s.source = ?';
    return this.read(async (db) => {
      const rows = await db.all(
        `SELECT ${SCAN_COLUMNS.split(', ').map((c) => `s.${c}`).join(', ')}, c.n AS image_count
         FROM scans s JOIN (SELECT scan_id, COUNT(*) AS n FROM scan_images GROUP BY scan_id) c ON c.scan_id = s.id ${filter}
         ORDER BY s.started_at DESC, s.id DESC LIMIT ?`,
        [...(query.source === undefined ? [] : [query.source]), limit],
      );
      return rows.map((r) => ({ scan: scanRecord(r), images: num(r.image_count) }));
    });
  }

  async listImages(scanId: number): Promise<StoredImage[]> {
    return this.read(async (db) => {
      const scan = await this.mustGetScan(db, scanId);
      const images = (await db.all(`SELECT ${IMAGE_COLUMNS} FROM scan_images WHERE scan_id = ? ORDER BY v_critical DESC, v_high DESC, v_medium DESC, v_low DESC, total DESC, name, seq LIMIT 10000`, [scanId])).map(storedImage);
      // A `kshield image` result names no workload: the latest scan of the same source that runs the image does.
      for (const image of images) {
        if (image.workloads.length > 0) continue;
        const [row] = await db.all(
          `SELECT i.scan_id, i.workloads FROM scan_images i JOIN scans s ON s.id = i.scan_id
           WHERE i.name = ? AND s.source = ? AND i.workloads <> '[]' ORDER BY s.started_at DESC, s.id DESC LIMIT 1`,
          [image.name, scan.source],
        );
        if (row) {
          image.workloads = JSON.parse(row.workloads as string) as string[];
          image.workloadsFromScan = num(row.scan_id);
        }
      }
      return images;
    });
  }

  async imageVulnerabilities(query: VulnerabilityQuery): Promise<VulnerabilityPage> {
    const limit = checkLimit(query.limit, 100, MAX_PAGE, 'limit');
    const severities = checkList('severity', query.severity, isVulnSeverity) as readonly VulnerabilitySeverity[] | undefined;
    if (query.offset !== undefined && (!Number.isSafeInteger(query.offset) || query.offset < 0)) throw new StoreError(`offset must be a whole number ≥ 0, not ${String(query.offset)}`);
    if (!Number.isSafeInteger(query.image)) throw new StoreError(`${String(query.image)} is not an image of the scan`);
    return this.read(async (db) => {
      await this.mustGetScan(db, query.scanId);
      const [imageRow] = await db.all(`SELECT ${IMAGE_COLUMNS} FROM scan_images WHERE scan_id = ? AND seq = ?`, [query.scanId, query.image]);
      if (!imageRow) throw new StoreError(`scan ${query.scanId} has no image ${query.image}`);
      const where = ['scan_id = ?', 'image_seq = ?'];
      const params: unknown[] = [query.scanId, query.image];
      const suppressed = query.suppressed ?? false;
      if (suppressed !== 'all') {
        where.push('suppressed = ?');
        params.push(suppressed ? 1 : 0);
      }
      if (severities) {
        if (severities.length === 0) where.push('1 = 0');
        else {
          where.push(`severity IN (${placeholders(severities.length)})`);
          params.push(...severities);
        }
      }
      if (query.fixable !== undefined) where.push(query.fixable ? 'fixed IS NOT NULL' : 'fixed IS NULL');
      const [count] = await db.all(`SELECT COUNT(*) AS n FROM image_vulnerabilities WHERE ${where.join(' AND ')}`, params);
      const rows = await db.all(
        `SELECT seq, vuln_id, aliases, severity, package, ecosystem, installed, fixed, summary, suppressed FROM image_vulnerabilities WHERE ${where.join(' AND ')} ORDER BY sev_rank DESC, package, seq LIMIT ? OFFSET ?`,
        [...params, limit, query.offset ?? 0],
      );
      const vulnerabilities: StoredVulnerability[] = rows.map((r) => ({
        seq: num(r.seq),
        id: r.vuln_id as string,
        aliases: JSON.parse(r.aliases as string) as string[],
        severity: r.severity as VulnerabilitySeverity,
        package: r.package as string,
        ecosystem: r.ecosystem as string,
        installed: r.installed as string,
        fixed: (r.fixed as string | null) ?? null,
        summary: r.summary as string,
        suppressed: num(r.suppressed) === 1,
      }));
      return { image: storedImage(imageRow), vulnerabilities, total: num(count.n) };
    });
  }

  async importRuntime(input: RuntimeImport): Promise<RuntimeImportResult> {
    const source = typeof input.source === 'string' ? input.source.trim() : '';
    if (source.length === 0 || source.length > 253) throw new StoreError('the alerts\' source must be a cluster name of 1-253 characters');
    const maxBytes = this.options.maxImportBytes ?? 256 * 1024 * 1024;
    const lines = input.lines instanceof Uint8Array ? Buffer.from(input.lines.buffer, input.lines.byteOffset, input.lines.byteLength).toString('utf8') : input.lines;
    const prepared = prepareRuntime(lines as string | readonly unknown[], maxBytes);
    let newAlerts = 0;
    let updatedAlerts = 0;
    let newActions = 0;
    await this.write(async (db) => {
      for (const a of prepared.alerts) {
        const [known] = await db.all('SELECT id, namespace, pod, techniques, tactics FROM runtime_alerts WHERE source = ? AND alert_key = ?', [source, a.key]);
        let row: number;
        if (known) {
          row = num(known.id);
          updatedAlerts++;
          // What this import knows and the stored row does not (a pod, the techniques, a newer posture) is added.
          await db.run(
            `UPDATE runtime_alerts SET namespace = ?, pod = ?, techniques = ?, tactics = ?, posture_status = COALESCE(?, posture_status), posture = COALESCE(?, posture), first_seen = ? WHERE id = ?`,
            [
              (known.pod as string) !== '' ? known.namespace : a.namespace,
              (known.pod as string) !== '' ? known.pod : a.pod,
              (known.techniques as string) !== '[]' ? known.techniques : JSON.stringify(a.techniques),
              (known.tactics as string) !== '[]' ? known.tactics : JSON.stringify(a.tactics),
              a.postureStatus,
              a.posture,
              a.firstSeen,
              row,
            ],
          );
        } else {
          const [inserted] = await db.all(
            `INSERT INTO runtime_alerts (source, alert_key, sender, rule, priority, pri_rank, alert_at, namespace, pod, techniques, tactics, posture_status, posture, first_seen)
             VALUES (${placeholders(14)}) RETURNING id`,
            [source, a.key, a.sender, a.rule, a.priority, priorityRank(a.priority), a.at, a.namespace, a.pod, JSON.stringify(a.techniques), JSON.stringify(a.tactics), a.postureStatus, a.posture, a.firstSeen],
          );
          row = num(inserted.id);
          newAlerts++;
        }
        for (const x of a.actions) {
          newActions += await db.run(
            `INSERT INTO runtime_actions (alert_row, line_key, at, policy_rule, step, action, status, reason, refusal, approval, dry_run, node, objects)
             VALUES (${placeholders(13)}) ON CONFLICT (alert_row, line_key) DO NOTHING`,
            [row, x.key, x.at, x.policyRule, x.step, x.action, x.status, x.reason, x.refusal, x.approval, x.dryRun ? 1 : 0, x.node, x.objects],
          );
        }
      }
      // Bounded: past MAX_ALERTS_PER_SOURCE the oldest alerts of the cluster go, with their actions.
      const [count] = await db.all('SELECT COUNT(*) AS n FROM runtime_alerts WHERE source = ?', [source]);
      if (num(count.n) > MAX_ALERTS_PER_SOURCE) {
        const old = `SELECT id FROM runtime_alerts WHERE source = ? ORDER BY alert_at DESC, id DESC LIMIT ? OFFSET ?`;
        const params = [source, num(count.n), MAX_ALERTS_PER_SOURCE];
        await db.run(`DELETE FROM runtime_actions WHERE alert_row IN (${old})`, params);
        await db.run(`DELETE FROM runtime_alerts WHERE id IN (${old})`, params);
      }
    });
    return { source, lines: prepared.lines, used: prepared.used, skipped: prepared.skipped, newAlerts, updatedAlerts, newActions };
  }

  async runtimeAlerts(query: AlertQuery = {}): Promise<AlertPage> {
    const limit = checkLimit(query.limit, 50, 500, 'limit');
    if (query.offset !== undefined && (!Number.isSafeInteger(query.offset) || query.offset < 0)) throw new StoreError(`offset must be a whole number ≥ 0, not ${String(query.offset)}`);
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.source !== undefined) {
      where.push('a.source = ?');
      params.push(query.source);
    }
    const isText = (v: unknown): boolean => typeof v === 'string';
    const inList = (column: string, values: readonly string[] | undefined): void => {
      if (values === undefined) return;
      if (values.length === 0) where.push('1 = 0');
      else {
        where.push(`${column} IN (${placeholders(values.length)})`);
        params.push(...values);
      }
    };
    inList('a.namespace', checkList('namespace', query.namespace, isText));
    inList('a.rule', checkList('rule', query.rule, isText));
    const actions = checkList('action', query.action, isText);
    if (actions !== undefined) {
      if (actions.length === 0) where.push('1 = 0');
      else {
        where.push(`EXISTS (SELECT 1 FROM runtime_actions x WHERE x.alert_row = a.id AND x.action IN (${placeholders(actions.length)}))`);
        params.push(...actions);
      }
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    return this.read(async (db) => {
      const [count] = await db.all(`SELECT COUNT(*) AS n FROM runtime_alerts a ${clause}`, params);
      const rows = await db.all(`SELECT ${ALERT_COLUMNS.split(', ').map((c) => `a.${c}`).join(', ')} FROM runtime_alerts a ${clause} ORDER BY a.alert_at DESC, a.id DESC LIMIT ? OFFSET ?`, [...params, limit, query.offset ?? 0]);
      const byRow = new Map<number, StoredAlert>();
      const alerts = rows.map((r) => {
        const alert: StoredAlert = {
          id: num(r.id),
          source: r.source as string,
          alertId: r.alert_key as string,
          sender: r.sender as string,
          rule: r.rule as string,
          priority: r.priority as string,
          at: new Date(num(r.alert_at)),
          namespace: r.namespace === '' ? null : (r.namespace as string),
          pod: r.pod === '' ? null : (r.pod as string),
          techniques: JSON.parse(r.techniques as string) as string[],
          tactics: JSON.parse(r.tactics as string) as string[],
          postureStatus: (r.posture_status as string | null) ?? null,
          posture: typeof r.posture === 'string' ? (JSON.parse(r.posture) as unknown) : null,
          actions: [],
        };
        byRow.set(alert.id, alert);
        return alert;
      });
      if (alerts.length > 0) {
        const steps = await db.all(
          `SELECT alert_row, at, policy_rule, step, action, status, reason, refusal, approval, dry_run, node, objects FROM runtime_actions WHERE alert_row IN (${placeholders(alerts.length)}) ORDER BY alert_row, at, policy_rule, step, line_key`,
          alerts.map((a) => a.id),
        );
        for (const x of steps) {
          byRow.get(num(x.alert_row))?.actions.push({
            at: new Date(num(x.at)),
            policyRule: x.policy_rule as string,
            step: num(x.step),
            action: x.action as string,
            status: x.status as string,
            reason: x.reason as string,
            refusal: (x.refusal as string | null) ?? null,
            approval: (x.approval as string | null) ?? null,
            dryRun: num(x.dry_run) === 1,
            node: (x.node as string | null) ?? null,
            objects: JSON.parse(x.objects as string) as StoredAlert['actions'][number]['objects'],
          });
        }
      }
      return { alerts, total: num(count.n) };
    });
  }

  async runtimeFacets(source?: string): Promise<RuntimeFacets> {
    const filter = source === undefined ? '' : 'WHERE a.source = ?';
    const params = source === undefined ? [] : [source];
    return this.read(async (db) => {
      const sources = await db.all('SELECT source, COUNT(*) AS n, MAX(alert_at) AS latest FROM runtime_alerts GROUP BY source ORDER BY source');
      const grouped = async (column: string): Promise<{ key: string; alerts: number }[]> =>
        (await db.all(`SELECT a.${column} AS k, COUNT(*) AS n FROM runtime_alerts a ${filter} GROUP BY a.${column} ORDER BY n DESC, k LIMIT 200`, params)).map((r) => ({ key: r.k as string, alerts: num(r.n) }));
      const actions = await db.all(
        `SELECT x.action AS k, COUNT(DISTINCT x.alert_row) AS n FROM runtime_actions x JOIN runtime_alerts a ON a.id = x.alert_row ${filter} GROUP BY x.action ORDER BY n DESC, k LIMIT 200`,
        params,
      );
      return {
        sources: sources.map((r) => ({ key: r.source as string, alerts: num(r.n), latest: new Date(num(r.latest)) })),
        namespaces: (await grouped('namespace')).filter((g) => g.key !== ''),
        rules: await grouped('rule'),
        actions: actions.map((r) => ({ key: r.k as string, alerts: num(r.n) })),
      };
    });
  }
}
