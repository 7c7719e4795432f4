/**
 * The contract between the stored history of scans and what reads it (`kshield serve`): one `Store`
 * interface, two implementations (SQLite, the embedded default; PostgreSQL, for a fleet reporting
 * into one dashboard) that behave the same, because they share every query (see sql-store.ts) and
 * one test suite runs against both (test/store.test.ts).
 */
import type { Severity } from '../core/types.js';

/** What one stored scan is: where it came from, when, and its counts (unsuppressed findings unless said otherwise). */
export interface ScanRecord {
  id: number;
  /** The cluster's name (or any source label: a repository, a directory) the scan is of. */
  source: string;
  /** The kshield command that made it (`cluster`, `scan`, ...). */
  command: string;
  startedAt: Date;
  finishedAt: Date;
  importedAt: Date;
  /** kshield version that wrote the result. */
  version: string;
  /** From a `kshield cluster` result: the API server and its version. */
  cluster: { server: string; context: string; version: string | null } | null;
  /** Kubernetes objects (and other inputs) scanned, and files read. */
  resources: number;
  files: number;
  bySeverity: Record<Severity, number>;
  /** Unsuppressed findings (each folded finding counts once, as in the JSON summary). */
  total: number;
  suppressed: number;
  /** Input errors and notes the result reported (their text is not stored). */
  errors: number;
  notes: number;
  /** The posture score of the scan, 0-100 (see SCORE_FORMULA); null when nothing was scanned. */
  score: number | null;
}

/** A stored finding: the JSON report's finding, with what the store adds (category, team, where it is stored). */
export interface StoredFinding {
  scanId: number;
  /** The finding's place in its scan's JSON report (0-based): with scanId its identity in the store. */
  seq: number;
  rule: string;
  severity: Severity;
  /** The rule's category (`pod-security`, `rbac`, ...), from kshield's catalogue; `other` for rules it does not know. */
  category: string;
  message: string;
  resource: { apiVersion: string; kind: string; namespace: string | null; name: string };
  file: string;
  line: number;
  column: number;
  path: string;
  container: string | null;
  suppressed: boolean;
  suppression: { kind: string; reason: string | null; owner: string | null } | null;
  /** The team the object belongs to, from its labels (see TeamLabelOptions); null when none says. */
  team: string | null;
  /** Stable identity across scans: the engine's fingerprint (rule, object, field; never the line). */
  fingerprint: string;
  related: { rule: string; severity: Severity; message: string; line: number; column: number; path: string; container: string | null; fingerprint: string }[];
  locations?: { file: string; line: number; column: number; what: string }[];
}

/** What a scan's JSON report says of a rule its findings name (its `rules` table). */
export interface StoredRule {
  id: string;
  title: string;
  /** The rule's own severity (a finding carries its effective one). */
  severity: Severity;
  remediation: string;
  references: string[];
  /** The rule's page in kshield's documentation (docs/rules/<id>.md); null for kshield's own findings. */
  docs: string | null;
}

/** Labels of the scanned objects, so that findings get a team (the JSON report does not carry labels). */
export interface ObjectLabels {
  apiVersion?: string;
  kind: string;
  namespace?: string | null;
  name: string;
  labels: Record<string, string>;
}

export interface ScanImport {
  /** The cluster name or source label (1-253 characters). */
  source: string;
  /** The command that made the result (`cluster`, `scan`, ...). */
  command: string;
  /**
   * A kshield JSON result (`kshield scan|cluster -o json`, format 2): its text (bytes or string,
   * checked against the size cap before parsing) or the parsed value.
   */
  result: string | Uint8Array | unknown;
  /** Default: the time of the import. */
  startedAt?: Date;
  /** Default: startedAt. */
  finishedAt?: Date;
  /** The scanned objects' labels: what gives findings a team (objectLabelsOf() makes them from Resources). */
  objectLabels?: readonly ObjectLabels[];
  /**
   * The RBAC escalation graph and reachability view of the scanned objects (src/serve/analyses.ts
   * makes and checks them), stored as they are, at most MAX_ARTIFACT_BYTES of JSON.
   */
  analyses?: unknown;
  /**
   * `kshield node` and `kshield probe` JSON results judged with the scan: their checks are the
   * evidence of the CIS controls of nodes, etcd and the kubelet (at most 50; another kind is refused).
   */
  evidence?: readonly unknown[];
}

export const FINDING_SORTS = ['severity', 'rule', 'category', 'namespace', 'object', 'file', 'team'] as const;
export type FindingSort = (typeof FINDING_SORTS)[number];

export interface FindingQuery {
  scanId: number;
  severity?: readonly Severity[];
  /** Findings at this severity or above. */
  minSeverity?: Severity;
  rule?: readonly string[];
  category?: readonly string[];
  /** Namespaces; `null` in the list selects findings of objects without a namespace. */
  namespace?: readonly (string | null)[];
  /** Teams; `null` in the list selects findings with no team. */
  team?: readonly (string | null)[];
  kind?: readonly string[];
  /** Case-insensitive substring of the rule, message, object (kind/namespace/name) or file. */
  text?: string;
  /** false (default): unsuppressed findings only; true: suppressed only; 'all': both. */
  suppressed?: boolean | 'all';
  /**
   * Only findings whose fingerprint that scan does not report at all (not as a finding, suppressed
   * or not, nor folded into another): with scanId B and notIn A, what is new in B since A; with
   * scanId A and notIn B, what B fixed. A finding suppressed since is neither new nor fixed.
   */
  notIn?: number;
  sort?: FindingSort;
  /** asc (default): most severe first for `severity`, A→Z for the others. */
  order?: 'asc' | 'desc';
  /** 1-1000, default 100. */
  limit?: number;
  /** The `next` of the previous page (keyset paging: stable and fast however deep). */
  cursor?: string;
  /** Offset paging instead of a cursor (slower on deep pages). */
  offset?: number;
  /** Count every match (default true). */
  withTotal?: boolean;
}

export interface FindingPage {
  findings: StoredFinding[];
  /** Matches in all pages (absent with withTotal: false). */
  total?: number;
  /** Cursor of the next page; null on the last. */
  next: string | null;
}

/** Counts of unsuppressed findings of one group (a category, namespace, team, rule). */
export interface GroupCount {
  key: string | null;
  total: number;
  bySeverity: Record<Severity, number>;
}

export interface Overview {
  scan: ScanRecord;
  bySeverity: Record<Severity, number>;
  byCategory: GroupCount[];
  byNamespace: GroupCount[];
  byTeam: GroupCount[];
  byRule: GroupCount[];
  /** Namespace × category counts (the heatmap), each cell's total. */
  heatmap: { namespace: string | null; category: string; total: number }[];
  score: number | null;
  scoreFormula: string;
}

export interface ScanDiff {
  from: ScanRecord;
  to: ScanRecord;
  /** Unsuppressed findings of `to` whose fingerprint `from` did not report at all (see FindingQuery.notIn). */
  new: number;
  /** Unsuppressed findings of `from` whose fingerprint `to` does not report at all: their cause is gone. */
  fixed: number;
  /** Unsuppressed findings of `to` that are not new. */
  unchanged: number;
  /** The first findings of each side, most severe first (up to `limit`, default 100). */
  newFindings: StoredFinding[];
  fixedFindings: StoredFinding[];
}

export interface TrendQuery {
  source: string;
  /** One series for the whole cluster (default), or one per namespace or team. */
  groupBy?: 'source' | 'namespace' | 'team';
  /** Only these groups (with groupBy namespace or team); `null` is no namespace or no team. */
  keys?: readonly (string | null)[];
  from?: Date;
  to?: Date;
  /** The last N scans in the range (default 100, at most 1000). */
  limit?: number;
}

export interface TrendPoint {
  scanId: number;
  at: Date;
  total: number;
  bySeverity: Record<Severity, number>;
  /** The scan's score (only for groupBy source). */
  score?: number | null;
}

export interface TrendSeries {
  key: string | null;
  /** Oldest first; a scan where the group had no finding has a point with zeros. */
  points: TrendPoint[];
}

/** An attested answer to a manual control (the shape of src/compliance/assess.ts's Attestation). */
export interface Attestation {
  /** framework@version:controlId or controlId */
  control: string;
  status: 'pass' | 'fail';
  by: string;
  evidence: string;
  /** ISO times. */
  at: string;
  expires: string;
}

export interface StoredAttestation extends Attestation {
  id: number;
  /** The cluster it is about; null for every cluster. */
  source: string | null;
}

export interface AttestationQuery {
  control?: string;
  /** Attestations for this source and those for every source. */
  source?: string;
  /** Include those expired at `now` (default false). */
  includeExpired?: boolean;
  now?: Date;
}

export interface ListScansQuery {
  source?: string;
  /** Scans started before this one (by start time, then id): the history before a scan. */
  before?: number;
  /** 1-1000, default 100; newest first. */
  limit?: number;
}

export interface SourceSummary {
  source: string;
  scans: number;
  latest: ScanRecord;
}

/** A vulnerability's severity in the images tables (`unknown`: the advisory rates none). */
export type VulnerabilitySeverity = 'critical' | 'high' | 'medium' | 'low' | 'unknown';

/** One image a scan holds, with its unsuppressed vulnerabilities counted. */
export interface StoredImage {
  scanId: number;
  /** The image's place in its scan: with scanId its identity. */
  seq: number;
  name: string;
  /** registry, oci-layout, docker-archive, rootfs; null when the result does not say. */
  targetKind: string | null;
  digest: string | null;
  os: string | null;
  /** Installed packages; null when the result does not list them (a scan result). */
  packages: number | null;
  /** false: no vulnerability database was used, so its vulnerabilities are not known. */
  vulnerabilitiesKnown: boolean;
  bySeverity: Record<VulnerabilitySeverity, number>;
  /** Vulnerabilities with a fixed version. */
  fixable: number;
  total: number;
  /** `Kind namespace/name` of the workloads that run it, when known. */
  workloads: string[];
  /** Set when the workloads come from another scan of the same source (a `kshield image` result names none). */
  workloadsFromScan: number | null;
}

export interface StoredVulnerability {
  seq: number;
  id: string;
  aliases: string[];
  severity: VulnerabilitySeverity;
  package: string;
  ecosystem: string;
  installed: string;
  fixed: string | null;
  summary: string;
  suppressed: boolean;
}

export interface VulnerabilityQuery {
  scanId: number;
  image: number;
  severity?: readonly VulnerabilitySeverity[];
  /** true: only those with a fixed version; false: only those without. */
  fixable?: boolean;
  /** false (default): unsuppressed only; true: suppressed only; 'all': both. */
  suppressed?: boolean | 'all';
  /** 1-1000, default 100; most severe first. */
  limit?: number;
  offset?: number;
}

export interface VulnerabilityPage {
  image: StoredImage;
  vulnerabilities: StoredVulnerability[];
  /** Matches in all pages. */
  total: number;
}

/** `kshield respond`'s audit lines for one cluster. */
export interface RuntimeImport {
  /** The cluster's name (1-253 characters). */
  source: string;
  /** The JSON-lines text respond wrote (bytes or string), or the lines parsed. */
  lines: string | Uint8Array | readonly unknown[];
}

export interface RuntimeImportResult {
  source: string;
  /** Lines given, lines used (respond's action, refusal and posture lines), lines left out. */
  lines: number;
  used: number;
  skipped: number;
  /** Alerts first seen in this import, alerts already stored that it added to, actions new in it. */
  newAlerts: number;
  updatedAlerts: number;
  newActions: number;
}

export interface StoredAction {
  at: Date;
  policyRule: string;
  step: number;
  action: string;
  status: string;
  reason: string;
  refusal: string | null;
  approval: string | null;
  dryRun: boolean;
  node: string | null;
  objects: { apiVersion: string; kind: string; namespace: string | null; name: string; change: string }[];
}

export interface StoredAlert {
  /** The store's id. */
  id: number;
  source: string;
  /** The alert's id as respond gave it. */
  alertId: string;
  /** Who sent it: falco, falcosidekick, audit, generic. */
  sender: string;
  rule: string;
  priority: string;
  at: Date;
  namespace: string | null;
  pod: string | null;
  techniques: string[];
  tactics: string[];
  postureStatus: string | null;
  /** respond's posture of the pod (AlertPosture), as its audit line said. */
  posture: unknown;
  /** In the order they happened. */
  actions: StoredAction[];
}

export interface AlertQuery {
  source?: string;
  namespace?: readonly string[];
  rule?: readonly string[];
  /** Alerts with at least one step of these actions. */
  action?: readonly string[];
  /** 1-500, default 50; newest first. */
  limit?: number;
  offset?: number;
}

export interface AlertPage {
  alerts: StoredAlert[];
  total: number;
}

/** What the runtime page's filters offer: the clusters, namespaces, rules and actions stored, with counts. */
export interface RuntimeFacets {
  sources: { key: string; alerts: number; latest: Date }[];
  namespaces: { key: string; alerts: number }[];
  rules: { key: string; alerts: number }[];
  actions: { key: string; alerts: number }[];
}

export interface Store {
  /** `sqlite` or `postgres`. */
  readonly kind: 'sqlite' | 'postgres';
  /** The schema version in use. */
  readonly schemaVersion: number;
  importScan(scan: ScanImport): Promise<ScanRecord>;
  getScan(id: number): Promise<ScanRecord | undefined>;
  listScans(query?: ListScansQuery): Promise<ScanRecord[]>;
  /** Every source with its latest scan, by name. */
  listSources(): Promise<SourceSummary[]>;
  /** The scan of the same source just before this one (what "new since last scan" compares with). */
  previousScan(id: number): Promise<ScanRecord | undefined>;
  deleteScan(id: number): Promise<boolean>;
  overview(scanId: number): Promise<Overview>;
  /** One finding (scanId and seq, as the explorer returns them) with its rule's title, remediation and references. */
  getFinding(scanId: number, seq: number): Promise<{ finding: StoredFinding; rule: StoredRule | null } | undefined>;
  findings(query: FindingQuery): Promise<FindingPage>;
  diff(fromScanId: number, toScanId: number, options?: { limit?: number }): Promise<ScanDiff>;
  trends(query: TrendQuery): Promise<TrendSeries[]>;
  addAttestation(attestation: Attestation, options?: { source?: string | null }): Promise<StoredAttestation>;
  listAttestations(query?: AttestationQuery): Promise<StoredAttestation[]>;
  /**
   * What a scan keeps besides its findings (see artifacts.ts): `compliance` (rules that ran, a few
   * findings per rule, node checks) and `analyses` (the RBAC graph and reachability view);
   * undefined when the scan has none (stored before migration 3, or imported without them).
   */
  getArtifact(scanId: number, kind: 'compliance' | 'analyses'): Promise<unknown | undefined>;
  /** Ends an attestation now (its `expires` becomes `now`); false when there is none with that id. */
  expireAttestation(id: number, now?: Date): Promise<boolean>;
  /** The newest scans that hold images (newest first), with how many images each holds. */
  scansWithImages(query?: { source?: string; limit?: number }): Promise<{ scan: ScanRecord; images: number }[]>;
  /** The images a scan holds, most critical vulnerabilities first. */
  listImages(scanId: number): Promise<StoredImage[]>;
  /** One image's vulnerabilities, filtered, most severe first. */
  imageVulnerabilities(query: VulnerabilityQuery): Promise<VulnerabilityPage>;
  /** Stores `kshield respond`'s audit lines: alerts with their actions and posture. */
  importRuntime(input: RuntimeImport): Promise<RuntimeImportResult>;
  /** Stored alerts, newest first, each with its actions and posture. */
  runtimeAlerts(query?: AlertQuery): Promise<AlertPage>;
  runtimeFacets(source?: string): Promise<RuntimeFacets>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /**
   * Label keys that name an object's team, the first present wins (default DEFAULT_TEAM_LABELS);
   * an object without one takes its Namespace's, when the Namespace is among the objects' labels.
   */
  teamLabels?: readonly string[];
  /** Largest result text importScan accepts (default 256 MiB). */
  maxImportBytes?: number;
  /** Most findings one import may hold (default 1,000,000). */
  maxFindings?: number;
  /** PostgreSQL only: connections in the pool (default 10). */
  poolSize?: number;
  /** Where the store says what an operator should know (PostgreSQL: text search without its index). */
  log?: (line: string) => void;
}

/**
 * The default team label keys, first present wins: `team` and `app.kubernetes.io/owner` (two of the
 * owner labels the missing-required-labels rule asks for), then `app.kubernetes.io/part-of` (the
 * application an object belongs to, often one team's). Plain `owner` is left out: Helm labels its
 * release Secrets `owner: helm`, which names a tool, not a team.
 */
export const DEFAULT_TEAM_LABELS: readonly string[] = ['team', 'app.kubernetes.io/owner', 'app.kubernetes.io/part-of'];

/** Refusals a caller can show as they are: a result that is not a kshield result, one too large, an unknown scan. */
export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}
