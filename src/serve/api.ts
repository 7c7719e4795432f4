/**
 * The JSON API of `kshield serve`, one route per question the pages ask, answered by the Store
 * (src/store/): clusters side by side, a scan's overview, findings filtered/sorted/paged, the
 * difference between two scans, trends, compliance, attestations, and imports.
 *
 * No secret value reaches the browser: findings carry what kshield's reports carry (a credential is
 * named by where it is and its length class, never its value), and every message is passed through
 * the secret detector once more on its way out, for results written by other tools or older
 * versions.
 */
import { basename } from 'node:path';
import { isSeverity, SEVERITIES, type Severity } from '../core/types.js';
import { redactSecretsInText } from '../core/redact.js';
import { FINDING_SORTS, StoreError, type Attestation, type FindingQuery, type FindingSort, type ObjectLabels, type ScanRecord, type Store, type StoredFinding, type VulnerabilitySeverity } from '../store/types.js';
import { imageReportsOf, isVulnSeverity, VULN_SEVERITIES } from '../store/images.js';
import { HttpError, type Route } from './http.js';
import { AnalysesError, parseAnalyses, rbacForBrowser, reachForBrowser, storedAnalyses, type ScanAnalyses } from './analyses.js';

/** A compliance view: the framework ids offered, and the assessment of one scan. */
export interface ComplianceProvider {
  frameworks(): { id: string; title: string }[];
  assess(framework: string, scan: ScanRecord, store: Store): Promise<unknown>;
  /**
   * A new attestation from a request body, checked as `kshield attest` checks its flags (the control
   * exists and may be attested, who and what evidence, no credential, expiry ahead and bounded);
   * `by` defaults to the signed-in identity. Throws an Error whose message says what is wrong.
   */
  attestation?(body: unknown, identity: string, now: Date): { attestation: Attestation; source: string | null };
  /** The control (framework@version:id) and cluster a revoke request names: `{control, framework?, frameworkVersion?, source?}`. */
  attestedControl?(body: unknown): { control: string; source: string | null };
}

export interface ApiOptions {
  store: Store;
  /** Largest scan import accepted, in bytes. */
  maxImportBytes: number;
  /** Set when the server scans a cluster itself (--interval): its state for the overview. */
  scanner?: { describe(): unknown; scanNow(): Promise<unknown> };
  compliance?: ComplianceProvider;
  log?: (line: string) => void;
}

const SOURCE_NAME = /^[\x21-\x7e](?:[\x20-\x7e]{0,251}[\x21-\x7e])?$/;

function list(url: URL, name: string): string[] {
  return url.searchParams.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/** "-" in a namespace or team filter means "none" (cluster-scoped objects, objects without a team). */
function nullableList(url: URL, name: string): (string | null)[] | undefined {
  const values = list(url, name);
  return values.length > 0 ? values.map((v) => (v === '-' ? null : v)) : undefined;
}

function integer(url: URL, name: string, min: number, max: number): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new HttpError(400, `${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(raw)}`);
  return Number(raw);
}

function scanIdParam(value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new HttpError(400, `${JSON.stringify(value)} is not a scan id`);
  return Number(value);
}

function clean(text: string): string {
  return redactSecretsInText(text);
}

/** A finding as the browser gets it: the stored one, messages checked for secrets once more. */
export function browserFinding(f: StoredFinding): StoredFinding {
  return {
    ...f,
    message: clean(f.message),
    suppression: f.suppression ? { ...f.suppression, reason: f.suppression.reason === null ? null : clean(f.suppression.reason) } : null,
    related: f.related.map((r) => ({ ...r, message: clean(r.message) })),
  };
}

/** The finding query a request's parameters say (names as in the page's address). */
export function findingQuery(scanId: number, url: URL): FindingQuery {
  const severities = list(url, 'severity');
  for (const s of severities) if (!isSeverity(s)) throw new HttpError(400, `unknown severity ${JSON.stringify(s)}: ${SEVERITIES.join(', ')}`);
  const sort = url.searchParams.get('sort') ?? undefined;
  if (sort !== undefined && !(FINDING_SORTS as readonly string[]).includes(sort)) throw new HttpError(400, `sort must be one of ${FINDING_SORTS.join(', ')}`);
  const order = url.searchParams.get('order') ?? undefined;
  if (order !== undefined && order !== 'asc' && order !== 'desc') throw new HttpError(400, 'order must be asc or desc');
  const suppressed = url.searchParams.get('suppressed');
  if (suppressed !== null && !['true', 'false', 'all'].includes(suppressed)) throw new HttpError(400, 'suppressed must be true, false or all');
  const text = url.searchParams.get('q') ?? undefined;
  if (text !== undefined && text.length > 200) throw new HttpError(400, 'the search text is longer than 200 characters');
  const minSeverity = url.searchParams.get('minSeverity') ?? undefined;
  if (minSeverity !== undefined && !isSeverity(minSeverity)) throw new HttpError(400, `unknown severity ${JSON.stringify(minSeverity)}`);
  const cursor = url.searchParams.get('cursor') ?? undefined;
  const notIn = url.searchParams.get('notIn');
  return {
    scanId,
    ...(severities.length > 0 ? { severity: severities as Severity[] } : {}),
    ...(minSeverity ? { minSeverity: minSeverity as Severity } : {}),
    ...(list(url, 'rule').length > 0 ? { rule: list(url, 'rule') } : {}),
    ...(list(url, 'category').length > 0 ? { category: list(url, 'category') } : {}),
    ...(list(url, 'kind').length > 0 ? { kind: list(url, 'kind') } : {}),
    ...(nullableList(url, 'namespace') ? { namespace: nullableList(url, 'namespace') } : {}),
    ...(nullableList(url, 'team') ? { team: nullableList(url, 'team') } : {}),
    ...(text ? { text } : {}),
    ...(suppressed ? { suppressed: suppressed === 'all' ? 'all' : suppressed === 'true' } : {}),
    ...(notIn ? { notIn: scanIdParam(notIn) } : {}),
    ...(sort ? { sort: sort as FindingSort } : {}),
    ...(order ? { order: order as 'asc' | 'desc' } : {}),
    limit: integer(url, 'limit', 1, 1000) ?? 50,
    ...(cursor ? { cursor } : {}),
    ...(integer(url, 'offset', 0, 10_000_000) !== undefined ? { offset: integer(url, 'offset', 0, 10_000_000) } : {}),
  };
}

/**
 * What POST /api/scans takes: a kshield JSON result as it is (`kshield cluster -o json`), or an
 * envelope `{ "kshieldImport": 1, "source", "command", "objectLabels", "analyses", "evidence", "result" }`
 * that also names the cluster, carries the labels findings' teams come from, the RBAC graph and
 * reachability of the objects (what `cluster|scan --report-to` sends; see analyses.ts), and
 * `kshield node`/`probe` results whose checks the compliance view counts.
 */
export function importFromBody(body: unknown, sourceParam: string | null, fallbackSource?: string): { source: string; command: string; result: unknown; objectLabels?: ObjectLabels[]; analyses?: ScanAnalyses; evidence?: unknown[] } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'the body is not a kshield JSON result (an object with "findings" and "summary")');
  const envelope = (body as Record<string, unknown>).kshieldImport === 1 ? (body as Record<string, unknown>) : undefined;
  const result = envelope ? envelope.result : body;
  // `kshield image -o json` (one report, or an array of them): stored as a scan of command image.
  const images = imageReportsOf(result) !== undefined;
  if (!images && (result === null || typeof result !== 'object' || Array.isArray(result) || !Array.isArray((result as Record<string, unknown>).findings))) {
    throw new HttpError(400, 'the body is not a kshield JSON result (an object with "findings" and "summary"): write one with kshield scan|cluster -o json');
  }
  const cluster = images ? undefined : (result as { cluster?: { context?: unknown } }).cluster;
  const named = sourceParam ?? (typeof envelope?.source === 'string' ? envelope.source : undefined);
  const source = named ?? (typeof cluster?.context === 'string' ? cluster.context : fallbackSource ?? (images ? 'images' : undefined));
  if (source === undefined) throw new HttpError(400, 'name the cluster or source of this result: ?cluster=NAME (a kshield cluster result names its context itself)');
  if (!SOURCE_NAME.test(source)) throw new HttpError(400, `the source name ${JSON.stringify(source.slice(0, 80))} must be 1-253 printable characters`);
  const command = images ? 'image' : typeof envelope?.command === 'string' ? envelope.command : cluster ? 'cluster' : 'scan';
  const objectLabels = Array.isArray(envelope?.objectLabels) ? (envelope!.objectLabels as ObjectLabels[]) : undefined;
  let analyses: ScanAnalyses | undefined;
  try {
    analyses = envelope?.analyses === undefined || envelope.analyses === null ? undefined : parseAnalyses(envelope.analyses);
  } catch (error) {
    if (error instanceof AnalysesError) throw new HttpError(400, error.message);
    throw error;
  }
  // kshield node / probe results judged with the scan (the store reads and bounds them).
  const evidence = Array.isArray(envelope?.evidence) ? (envelope!.evidence as unknown[]) : undefined;
  return { source, command, result, ...(objectLabels ? { objectLabels } : {}), ...(analyses ? { analyses } : {}), ...(evidence ? { evidence } : {}) };
}

export function apiRoutes(options: ApiOptions): Route[] {
  const { store } = options;
  const scan = async (idText: string): Promise<ScanRecord> => {
    const found = await store.getScan(scanIdParam(idText));
    if (!found) throw new HttpError(404, `no scan ${idText}`);
    return found;
  };
  const storeCall = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof StoreError) throw new HttpError(400, error.message);
      throw error;
    }
  };

  return [
    {
      method: 'GET',
      path: /^\/api\/session$/,
      handle: ({ identity }) => ({
        user: identity.name,
        via: identity.kind,
        database: store.kind,
        schemaVersion: store.schemaVersion,
        scanner: options.scanner?.describe() ?? null,
        frameworks: options.compliance?.frameworks() ?? [],
      }),
    },
    {
      // Every cluster (source) with its latest scan and what changed since the one before: the overview's cards.
      method: 'GET',
      path: /^\/api\/sources$/,
      handle: async () => {
        const sources = await store.listSources();
        return Promise.all(
          sources.map(async (s) => {
            const previous = await store.previousScan(s.latest.id);
            const diff = previous ? await store.diff(previous.id, s.latest.id, { limit: 1 }) : undefined;
            return { source: s.source, scans: s.scans, latest: s.latest, previous: previous ?? null, new: diff?.new ?? null, fixed: diff?.fixed ?? null };
          }),
        );
      },
    },
    {
      method: 'GET',
      path: /^\/api\/scans$/,
      handle: async ({ url }) => {
        const before = url.searchParams.get('before');
        return store.listScans({
          ...(url.searchParams.get('source') ? { source: url.searchParams.get('source')! } : {}),
          ...(before ? { before: scanIdParam(before) } : {}),
          limit: integer(url, 'limit', 1, 1000) ?? 100,
        });
      },
    },
    {
      method: 'POST',
      path: /^\/api\/scans$/,
      maxBody: options.maxImportBytes,
      handle: async ({ url, body, identity }) => {
        const parsed = importFromBody(body, url.searchParams.get('cluster') ?? url.searchParams.get('source'));
        const record = await storeCall(() => store.importScan(parsed));
        options.log?.(`imported scan ${record.id} of ${record.source} (${record.total} findings) from ${identity.name}`);
        return { id: record.id, source: record.source, findings: record.total, scan: record };
      },
    },
    { method: 'GET', path: /^\/api\/scans\/(\d+)$/, handle: ({ params }) => scan(params[0]) },
    {
      method: 'DELETE',
      path: /^\/api\/scans\/(\d+)$/,
      handle: async ({ params }) => {
        if (!(await store.deleteScan(scanIdParam(params[0])))) throw new HttpError(404, `no scan ${params[0]}`);
        return { deleted: Number(params[0]) };
      },
    },
    {
      method: 'GET',
      path: /^\/api\/scans\/(\d+)\/overview$/,
      handle: async ({ params }) => {
        const record = await scan(params[0]);
        const [overview, previous] = await Promise.all([store.overview(record.id), store.previousScan(record.id)]);
        const diff = previous ? await store.diff(previous.id, record.id, { limit: 1 }) : undefined;
        return { ...overview, previous: previous ?? null, new: diff?.new ?? null, fixed: diff?.fixed ?? null };
      },
    },
    {
      method: 'GET',
      path: /^\/api\/scans\/(\d+)\/findings$/,
      handle: async ({ params, url }) => {
        const record = await scan(params[0]);
        const page = await storeCall(() => store.findings(findingQuery(record.id, url)));
        return { ...page, findings: page.findings.map(browserFinding) };
      },
    },
    {
      // One finding, and its history: in the previous scan or new since, and the scans of its source that have it.
      method: 'GET',
      path: /^\/api\/scans\/(\d+)\/findings\/(\d+)$/,
      handle: async ({ params, url }) => {
        const record = await scan(params[0]);
        const seq = Number(params[1]);
        // The store pages by query: narrowed to the object and rule the page names, the finding is among few.
        const query: FindingQuery = { ...findingQuery(record.id, url), suppressed: 'all', limit: 1000 };
        delete query.cursor;
        delete query.offset;
        const page = await storeCall(() => store.findings(query));
        const finding = page.findings.find((f) => f.seq === seq);
        if (!finding) throw new HttpError(404, `no finding ${seq} in scan ${record.id} (open it from the findings list)`);
        const history = await findingHistory(store, record, finding);
        return { scan: record, finding: browserFinding(finding), history };
      },
    },
    {
      method: 'GET',
      path: /^\/api\/diff$/,
      handle: async ({ url }) => {
        const to = await scan(url.searchParams.get('to') ?? '');
        const fromParam = url.searchParams.get('from');
        const from = fromParam ? await scan(fromParam) : await store.previousScan(to.id);
        if (!from) throw new HttpError(404, `scan ${to.id} is the first of ${to.source}: nothing to compare with`);
        const diff = await storeCall(() => store.diff(from.id, to.id, { limit: integer(url, 'limit', 1, 1000) ?? 100 }));
        return { ...diff, newFindings: diff.newFindings.map(browserFinding), fixedFindings: diff.fixedFindings.map(browserFinding) };
      },
    },
    {
      method: 'GET',
      path: /^\/api\/trends$/,
      handle: async ({ url }) => {
        const source = url.searchParams.get('source');
        if (!source) throw new HttpError(400, 'trends need ?source=CLUSTER');
        const groupBy = url.searchParams.get('groupBy') ?? 'source';
        if (!['source', 'namespace', 'team'].includes(groupBy)) throw new HttpError(400, 'groupBy must be source, namespace or team');
        const keys = nullableList(url, 'key');
        return storeCall(() =>
          store.trends({ source, groupBy: groupBy as 'source' | 'namespace' | 'team', ...(keys ? { keys } : {}), limit: integer(url, 'limit', 1, 1000) ?? 100 }),
        );
      },
    },
    {
      method: 'GET',
      path: /^\/api\/compliance$/,
      handle: async ({ url }) => {
        if (!options.compliance) throw new HttpError(404, 'compliance is not available in this build');
        const record = await scan(url.searchParams.get('scan') ?? '');
        const framework = url.searchParams.get('framework') ?? '';
        if (!options.compliance.frameworks().some((f) => f.id === framework)) {
          throw new HttpError(400, `unknown framework ${JSON.stringify(framework)}: ${options.compliance.frameworks().map((f) => f.id).join(', ')}`);
        }
        return options.compliance.assess(framework, record, store);
      },
    },
    {
      // The RBAC escalation paths of a scan, drawn (the HTML report's SVG) and listed; or how to get them.
      method: 'GET',
      path: /^\/api\/scans\/(\d+)\/rbac$/,
      handle: async ({ params }) => {
        const record = await scan(params[0]);
        return { scan: record, ...(rbacForBrowser(storedAnalyses(await store.getArtifact(record.id, 'analyses'))) as object) };
      },
    },
    {
      // The reachability map of a scan: namespace to namespace and across the cluster's edge; or how to get it.
      method: 'GET',
      path: /^\/api\/scans\/(\d+)\/reach$/,
      handle: async ({ params }) => {
        const record = await scan(params[0]);
        return { scan: record, ...(reachForBrowser(storedAnalyses(await store.getArtifact(record.id, 'analyses'))) as object) };
      },
    },
    {
      method: 'GET',
      path: /^\/api\/attestations$/,
      handle: async ({ url }) =>
        (
          await store.listAttestations({
            ...(url.searchParams.get('source') ? { source: url.searchParams.get('source')! } : {}),
            includeExpired: url.searchParams.get('expired') === 'true',
          })
        ).map((a) => ({ ...a, evidence: clean(a.evidence) })),
    },
    ...imageAndRuntimeRoutes(options, scan, storeCall),
    {
      // An attested answer to a manual control, kept for one cluster (`source`) or all (null).
      method: 'POST',
      path: /^\/api\/attestations$/,
      handle: async ({ body, identity }) => {
        if (!options.compliance?.attestation) throw new HttpError(404, 'compliance is not available in this build');
        let made: { attestation: Attestation; source: string | null };
        try {
          made = options.compliance.attestation(body, identity.name, new Date());
        } catch (error) {
          // The checks are kshield attest's: name the body's fields, not the command's flags.
          throw new HttpError(400, (error as Error).message.replace(/--(by|evidence|expires)\b/g, '$1'));
        }
        const stored = await storeCall(() => store.addAttestation(made.attestation, { source: made.source }));
        options.log?.(`attestation ${stored.id} of ${stored.control} (${stored.status}) by ${JSON.stringify(stored.by)} for ${stored.source ?? 'every cluster'}, from ${identity.name}`);
        return { ...stored, evidence: clean(stored.evidence) };
      },
    },
    {
      // `kshield attest --revoke --report-to`: every attestation of the control for that cluster (or for all) ends now.
      method: 'POST',
      path: /^\/api\/attestations\/revoke$/,
      handle: async ({ body, identity }) => {
        if (!options.compliance?.attestedControl) throw new HttpError(404, 'compliance is not available in this build');
        let named: { control: string; source: string | null };
        try {
          named = options.compliance.attestedControl(body);
        } catch (error) {
          throw new HttpError(400, (error as Error).message);
        }
        const current = (await storeCall(() => store.listAttestations({ control: named.control }))).filter((a) => a.source === named.source);
        if (current.length === 0) {
          const elsewhere = [...new Set((await storeCall(() => store.listAttestations({ control: named.control }))).map((a) => a.source ?? 'every cluster'))];
          throw new HttpError(404, `no valid attestation of ${named.control} for ${named.source ?? 'every cluster'}${elsewhere.length ? ` (there is one for ${elsewhere.slice(0, 5).map((s) => JSON.stringify(s)).join(', ')}: give that cluster, --cluster-name or "source")` : ''}`);
        }
        for (const a of current) await storeCall(() => store.expireAttestation(a.id));
        options.log?.(`${current.length} attestation(s) of ${named.control} for ${named.source ?? 'every cluster'} revoked by ${identity.name}`);
        return { control: named.control, source: named.source, revoked: current.length };
      },
    },
    {
      // Revoking ends an attestation now; it stays listed (expired) as the record of what was said.
      method: 'POST',
      path: /^\/api\/attestations\/(\d{1,15})\/revoke$/,
      handle: async ({ params, identity }) => {
        const id = Number(params[0]);
        const valid = (await storeCall(() => store.listAttestations({}))).some((a) => a.id === id);
        if (!valid) {
          const ended = (await storeCall(() => store.listAttestations({ includeExpired: true }))).some((a) => a.id === id);
          throw new HttpError(ended ? 409 : 404, ended ? `attestation ${id} has already ended (expired or revoked)` : `no attestation ${id}`);
        }
        await storeCall(() => store.expireAttestation(id));
        options.log?.(`attestation ${id} revoked by ${identity.name}`);
        return { id, revoked: true };
      },
    },
    {
      method: 'POST',
      path: /^\/api\/scan-now$/,
      handle: async () => {
        if (!options.scanner) throw new HttpError(404, 'this server does not scan a cluster (start it with --interval)');
        return options.scanner.scanNow();
      },
    },
  ];
}

/** Whether the finding was in the previous scan of its source, and in which of the last scans it appears. */
async function findingHistory(store: Store, record: ScanRecord, finding: StoredFinding): Promise<{ previousScan: number | null; inPrevious: boolean | null; scans: { id: number; at: string; present: boolean }[] }> {
  const scans = await store.listScans({ source: record.source, before: record.id, limit: 10 });
  const narrowed = (scanId: number): FindingQuery => ({
    scanId,
    rule: [finding.rule],
    kind: [finding.resource.kind],
    namespace: [finding.resource.namespace],
    text: finding.resource.name,
    suppressed: 'all',
    limit: 1000,
  });
  const present = await Promise.all(scans.map(async (s) => (await store.findings(narrowed(s.id))).findings.some((f) => f.fingerprint === finding.fingerprint)));
  return {
    previousScan: scans[0]?.id ?? null,
    inPrevious: scans.length > 0 ? present[0] : null,
    scans: [{ id: record.id, at: record.startedAt.toISOString(), present: true }, ...scans.map((s, i) => ({ id: s.id, at: s.startedAt.toISOString(), present: present[i] }))],
  };
}

/** The source name a file import gets when the result does not name a cluster: the file's name without .json. */
export function sourceOfFile(file: string): string {
  return basename(file).replace(/\.json$/i, '') || 'import';
}

/** Every string in a value passed through the secret detector (a posture holds findings' messages). */
function cleanDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return clean(value);
  if (depth > 20 || value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((v) => cleanDeep(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cleanDeep(v, depth + 1)]));
}

function vulnerabilitySeverities(url: URL): VulnerabilitySeverity[] | undefined {
  const values = list(url, 'severity');
  for (const v of values) if (!isVulnSeverity(v)) throw new HttpError(400, `unknown severity ${JSON.stringify(v)}: ${VULN_SEVERITIES.join(', ')}`);
  return values.length > 0 ? (values as VulnerabilitySeverity[]) : undefined;
}

function flag(url: URL, name: string): boolean | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return undefined;
  if (raw !== 'true' && raw !== 'false') throw new HttpError(400, `${name} must be true or false`);
  return raw === 'true';
}

/**
 * What POST /api/runtime takes: `kshield respond`'s audit lines for one cluster, as
 * `{ "kshieldRuntime": 1, "source": NAME, "lines": [ … ] }` (what `respond --report-to` sends), or
 * the JSON-lines text itself in `"text"`.
 */
export function runtimeFromBody(body: unknown, sourceParam: string | null): { source: string; lines: string | unknown[] } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'the body must be {"kshieldRuntime":1,"source":NAME,"lines":[…]}: kshield respond\'s audit lines');
  const b = body as Record<string, unknown>;
  const source = sourceParam ?? (typeof b.source === 'string' ? b.source : undefined);
  if (source === undefined) throw new HttpError(400, 'name the cluster these alerts are from: ?cluster=NAME or "source"');
  if (!SOURCE_NAME.test(source)) throw new HttpError(400, `the source name ${JSON.stringify(source.slice(0, 80))} must be 1-253 printable characters`);
  if (Array.isArray(b.lines)) return { source, lines: b.lines };
  if (typeof b.text === 'string') return { source, lines: b.text };
  throw new HttpError(400, 'the body holds no "lines" (a list of kshield respond\'s audit lines) nor "text" (its JSON-lines output)');
}

/** Images and vulnerabilities, runtime alerts and actions (the pages of migration 4). */
function imageAndRuntimeRoutes(options: ApiOptions, scan: (id: string) => Promise<ScanRecord>, storeCall: <T>(work: () => Promise<T>) => Promise<T>): Route[] {
  const { store } = options;
  return [
    {
      method: 'GET',
      path: /^\/api\/images$/,
      handle: async ({ url }) => storeCall(() => store.scansWithImages({ ...(url.searchParams.get('source') ? { source: url.searchParams.get('source')! } : {}), limit: integer(url, 'limit', 1, 1000) ?? 50 })),
    },
    {
      method: 'GET',
      path: /^\/api\/scans\/(\d+)\/images$/,
      handle: async ({ params }) => {
        const record = await scan(params[0]);
        return { scan: record, images: await storeCall(() => store.listImages(record.id)) };
      },
    },
    {
      method: 'GET',
      path: /^\/api\/scans\/(\d+)\/images\/(\d{1,9})\/vulnerabilities$/,
      handle: async ({ params, url }) => {
        const record = await scan(params[0]);
        const suppressed = url.searchParams.get('suppressed');
        if (suppressed !== null && !['true', 'false', 'all'].includes(suppressed)) throw new HttpError(400, 'suppressed must be true, false or all');
        const severity = vulnerabilitySeverities(url);
        const fixable = flag(url, 'fixable');
        const offset = integer(url, 'offset', 0, 10_000_000);
        const page = await storeCall(() =>
          store.imageVulnerabilities({
            scanId: record.id,
            image: Number(params[1]),
            ...(severity ? { severity } : {}),
            ...(fixable !== undefined ? { fixable } : {}),
            ...(suppressed ? { suppressed: suppressed === 'all' ? 'all' : suppressed === 'true' } : {}),
            limit: integer(url, 'limit', 1, 1000) ?? 100,
            ...(offset !== undefined ? { offset } : {}),
          }),
        );
        return { scan: record, ...page, vulnerabilities: page.vulnerabilities.map((v) => ({ ...v, summary: clean(v.summary) })) };
      },
    },
    {
      method: 'POST',
      path: /^\/api\/runtime$/,
      maxBody: options.maxImportBytes,
      handle: async ({ url, body, identity }) => {
        const parsed = runtimeFromBody(body, url.searchParams.get('cluster') ?? url.searchParams.get('source'));
        const result = await storeCall(() => store.importRuntime(parsed));
        if (result.newAlerts + result.newActions > 0) options.log?.(`stored ${result.newAlerts} new alerts and ${result.newActions} actions of ${result.source} from ${identity.name}`);
        return result;
      },
    },
    {
      method: 'GET',
      path: /^\/api\/runtime\/alerts$/,
      handle: async ({ url }) => {
        const values = (name: string): string[] | undefined => (list(url, name).length > 0 ? list(url, name) : undefined);
        const page = await storeCall(() =>
          store.runtimeAlerts({
            ...(url.searchParams.get('source') ? { source: url.searchParams.get('source')! } : {}),
            ...(values('namespace') ? { namespace: values('namespace') } : {}),
            ...(values('rule') ? { rule: values('rule') } : {}),
            ...(values('action') ? { action: values('action') } : {}),
            limit: integer(url, 'limit', 1, 500) ?? 50,
            ...(integer(url, 'offset', 0, 10_000_000) !== undefined ? { offset: integer(url, 'offset', 0, 10_000_000) } : {}),
          }),
        );
        return { ...page, alerts: page.alerts.map((a) => cleanDeep(a)) };
      },
    },
    {
      method: 'GET',
      path: /^\/api\/runtime\/facets$/,
      handle: async ({ url }) => cleanDeep(await storeCall(() => store.runtimeFacets(url.searchParams.get('source') ?? undefined))),
    },
  ];
}
