/** `kshield cluster`: list a live cluster's objects, run every rule over them, report like `scan`. */
import { type ScanResult } from '../report/scan-report.js';
import { exitCode } from '../pipeline/assemble.js';
import { isSeverity, type JsonObject, type Severity } from '../core/types.js';
import { clusterInfoObject, connect, discover, storageTransformers, streamKinds, serverVersion, CLUSTER_KINDS, ClusterError, type ConnectOptions, type Connection, type ControlPlaneCoverage, type Coverage } from '../sources/cluster.js';
import { PagedScan } from '../pipeline/paged-scan.js';
import { loadConfigOption, pssVersionOption, writeReports, type ReportCommandOptions } from './scan.js';
import { effectivePssMinor, namespacePssVersions, parsePssVersion, pssName, type NamespacePssVersions } from '../k8s/pss.js';
import { parseOutputs } from './output.js';
import { sanitize } from '../core/text.js';
import { readBaseline } from '../core/baseline.js';
import { EXIT, UsageError } from '../core/errors.js';
import { parseDuration } from './duration.js';
import { rules as catalogue } from '../rules/index.js';
import { CONTROL_PLANE_BINARIES, controlPlaneMirrorPod } from '../rules/control-plane/shared.js';
import { desiredKey, desiredKeyOfObject, desiredStates, desiredWorkloads, loadDesired } from '../runtime/desired.js';
import { resourcesFromObjects } from '../sources/files.js';
import { checkReportFlags, reportTarget } from './report-to.js';

export interface ClusterCommandOptions extends ReportCommandOptions {
  kubeconfig?: string;
  context?: string;
  namespace: string[];
  excludeNamespace: string[];
  timeout?: string;
  pageSize?: string;
  concurrency?: string;
  progress?: boolean;
  /** `--desired`: manifests whose workloads the live ones are compared with (drift-from-desired). */
  desired?: string[];
  /** `--report-to`: a kshield serve instance the JSON report is also sent to. */
  reportTo?: string;
  reportTokenFile?: string;
  reportCa?: string;
  clusterName?: string;
}

export async function runCluster(opts: ClusterCommandOptions): Promise<number> {
  const targets = parseOutputs(opts.output, opts.outputFile);
  const config = await loadConfigOption(opts.config);
  const failOn = (opts.failOn ?? config?.failOn ?? 'high') as Severity | 'none';
  if (failOn !== 'none' && !isSeverity(failOn)) throw new UsageError(`--fail-on: unknown severity "${failOn}"`);
  const timeoutMs = parseDuration(opts.timeout ?? '30s', '--timeout');
  const pageSize = parseCount(opts.pageSize ?? '500', '--page-size', 1, 10_000);
  const concurrency = parseCount(opts.concurrency ?? '4', '--concurrency', 1, 32);
  const pssVersion = pssVersionOption(opts.pssVersion);
  const overlap = opts.namespace.filter((n) => opts.excludeNamespace.includes(n));
  if (overlap.length > 0) throw new UsageError(`namespace ${overlap[0]} is both in --namespace and --exclude-namespace`);

  // --report-to's flags are checked before the scan: a typo should not cost a whole cluster's listing.
  checkReportFlags(opts);
  const push = opts.reportTo ? await reportTarget(opts, 'cluster') : undefined;
  const { DEFAULT_TEAM_LABELS } = await import('../store/types.js');
  const teamLabels: TeamLabelCollector | undefined = push ? { keys: DEFAULT_TEAM_LABELS, into: [] } : undefined;
  const conn = await connectForCommand({ kubeconfig: opts.kubeconfig, context: opts.context, timeoutMs });
  let result: ScanResult;
  try {
    // The objects are kept for JUnit, and for the drawings of HTML and of --report-to's dashboard.
    result = await scanCluster(conn, { ...opts, pssVersion }, pageSize, concurrency, config, push !== undefined || targets.some((t) => t.format === 'junit' || t.format === 'html'), teamLabels);
  } finally {
    conn.close();
  }
  const html = { source: [], pssVersion, what: `cluster ${result.cluster?.context ?? ''}`.trim(), settings: { operatorWorkloads: config?.operatorWorkloads, kubernetesVersion: config?.kubernetesVersion ?? result.cluster?.version ?? undefined } };
  const outputFailed = await writeReports(result, targets, { ...opts, html }, (format, text) => (format === 'table' ? withCoverage(text, result) : text));
  if (push) await push.send(result, { source: opts.clusterName ?? result.cluster?.context ?? serverOf(result), objectLabels: teamLabels!.into, resources: result.resources, settings: html.settings });
  if (outputFailed) return EXIT.usage;
  return exitCode(result, failOn);
}

function serverOf(result: ScanResult): string {
  return result.cluster?.server ?? 'cluster';
}

/** The labels of listed objects that name a team (`keys`), collected for the dashboard as pages arrive. */
export interface TeamLabelCollector {
  keys: readonly string[];
  into: { apiVersion?: string; kind: string; namespace?: string | null; name: string; labels: Record<string, string> }[];
}

function collectTeamLabels(item: JsonObject, collector: TeamLabelCollector): void {
  const meta = item.metadata as JsonObject | undefined;
  const labels = meta?.labels;
  if (!meta || typeof meta.name !== 'string' || labels === null || typeof labels !== 'object' || Array.isArray(labels)) return;
  const picked: Record<string, string> = {};
  for (const key of collector.keys) {
    const value = (labels as Record<string, unknown>)[key];
    if (typeof value === 'string') picked[key] = value;
  }
  if (Object.keys(picked).length === 0) return;
  collector.into.push({
    apiVersion: typeof item.apiVersion === 'string' ? item.apiVersion : undefined,
    kind: String(item.kind),
    namespace: typeof meta.namespace === 'string' ? meta.namespace : null,
    name: meta.name,
    labels: picked,
  });
}

/**
 * One scan of the cluster a kubeconfig names, as `kshield cluster` runs it (for `kshield serve
 * --interval`): connects, lists, judges, closes.
 */
export async function scanClusterOnce(opts: ClusterCommandOptions, teamLabels?: TeamLabelCollector, keepResources = false): Promise<ScanResult> {
  const config = await loadConfigOption(opts.config);
  const timeoutMs = parseDuration(opts.timeout ?? '30s', '--timeout');
  const conn = await connectForCommand({ kubeconfig: opts.kubeconfig, context: opts.context, timeoutMs });
  try {
    return await scanCluster(conn, { ...opts, pssVersion: pssVersionOption(opts.pssVersion) }, 500, 4, config, keepResources, teamLabels);
  } finally {
    conn.close();
  }
}

async function scanCluster(
  conn: Connection,
  opts: ClusterCommandOptions,
  pageSize: number,
  concurrency: number,
  config: Awaited<ReturnType<typeof loadConfigOption>>,
  keepResources: boolean,
  teamLabels?: TeamLabelCollector,
): Promise<ScanResult> {
  // /version answers every authenticated identity: a cheap first request that also checks the credentials.
  const version = await serverVersion(conn);
  const kinds = await discover(conn, CLUSTER_KINDS);
  // Deprecated-API rules judge objects against the cluster's own version unless the configuration names one.
  const effectiveConfig = version && !config?.kubernetesVersion ? { ...config, kubernetesVersion: `${version.major}.${version.minor}` } : config;
  const file = `cluster:${conn.context}`;
  // The policy versions namespaces' pod-security.kubernetes.io labels set. Namespaces are listed
  // before any workload (see phaseOf in sources/cluster.ts), so this is complete when pods are judged.
  const pssNamespaces = new Map<string, NamespacePssVersions>();
  // The server's admission controller evaluates "latest", and any newer version, as its own version.
  const pssClusterMinor = version && version.major === 1 ? version.minor : undefined;
  // Pages are judged as they arrive; only what the cross-object rules need is kept (see PagedScan).
  const scan = new PagedScan(
    {
      only: opts.only,
      skip: [...opts.skip, ...MANIFEST_ONLY_RULES],
      config: effectiveConfig,
      inlineSuppressions: opts.inlineSuppressions === false ? false : undefined,
      baseline: opts.baseline ? await readBaseline(opts.baseline) : undefined,
      keepResources,
      pssVersion: opts.pssVersion,
      pssClusterMinor,
      pssNamespaces,
    },
    file,
  );
  // The server version and today's date reach the cluster-only rules as one synthetic object, first in input order.
  // The API server's metrics tell which provider encrypts what it stores, where the identity may read them.
  const atRest = await storageTransformers(conn).catch((): { forbidden?: string; transformers?: undefined } => ({}));
  if (version) scan.add([clusterInfoObject(conn.context, version, new Date(), atRest.transformers)], [0]);
  // --desired: the declared workloads, read before listing; the live objects they name are kept as they arrive.
  const desired = opts.desired && opts.desired.length > 0 ? await loadDesired(opts.desired) : undefined;
  const declared = desired ? desiredWorkloads(desired.resources) : undefined;
  const declaredLive: JsonObject[] = [];
  const mirrorPods: MirrorPodSeen[] = [];
  const progress = progressReporter(opts.progress !== false && process.stderr.isTTY === true);
  const listing = await streamKinds(conn, kinds, {
    namespaces: opts.namespace,
    excludeNamespaces: opts.excludeNamespace,
    pageSize,
    concurrency,
    onProgress: progress.update,
    onItems: (items, order) => {
      for (const item of items) {
        if (teamLabels) collectTeamLabels(item, teamLabels);
        if (item.kind === 'Pod') noteMirrorPod(item, mirrorPods);
        else if (item.kind === 'Namespace') notePssLabels(item, pssNamespaces);
        if (declared) {
          const key = desiredKeyOfObject(item);
          if (key !== undefined && declared.has(key)) declaredLive.push(item);
        }
      }
      scan.add(items, order);
    },
  });
  progress.done();
  if (desired && declared) {
    const live = resourcesFromObjects(declaredLive, file).resources;
    scan.addResources(desiredStates(declared, live, file), desired.errors, desired.notes);
    const seen = new Set(live.map((r) => desiredKey(r)));
    const missing = [...declared.values()].filter((r) => !seen.has(desiredKey(r)));
    if (missing.length > 0) {
      const names = missing.slice(0, 3).map((r) => `${r.kind} ${r.namespace ?? 'default'}/${r.name}`);
      scan.addResources([], [], [{ file, message: `--desired: ${missing.length} declared workload(s) not found among the objects listed, so not compared: ${names.join(', ')}${missing.length > 3 ? ', ...' : ''}` }]);
    }
  }
  const skippedRules = rulesBlindedBy(listing.coverage, scan.selectedRuleIds);
  const result = scan.finish(skippedRules);
  if (listing.ownedSkipped > 0) {
    result.notes.push({ file, message: `${listing.ownedSkipped} pod(s), ReplicaSet(s) and Job(s) owned by a listed controller were judged through that controller` });
  }
  if (listing.coverage.notCovered.some((g) => g.kind === 'Namespace')) {
    const spec = parsePssVersion(opts.pssVersion ?? config?.pssVersion ?? 'latest') ?? 'latest';
    result.notes.push({
      file,
      message: `Namespaces could not be listed, so their pod-security.kubernetes.io/*-version labels are unknown: every workload was judged at ${pssName(effectivePssMinor(spec, pssClusterMinor))}`,
    });
  }
  if (atRest.forbidden !== undefined && scan.selectedRuleIds.includes('api-server-encryption-at-rest-missing')) {
    result.notes.push({ file, message: `the API server's /metrics could not be read (${atRest.forbidden}): whether it encrypts Secrets at rest was not judged (kshield node checks 1.2.28 and 1.2.29 on a control-plane node)` });
  }
  result.cluster = { server: conn.server, context: conn.context, version: version?.gitVersion ?? null };
  result.coverage = { ...listing.coverage, skippedRules, controlPlane: controlPlaneCoverage(mirrorPods, listing.coverage, opts) };
  return result;
}

/**
 * Cross-object rules that read a kind the identity could not list (anywhere or in some namespace)
 * would report what they cannot see as missing ("binds a Role that does not exist"): they are not run.
 */
function rulesBlindedBy(coverage: Coverage, selected: readonly string[]): string[] {
  const missing = new Set(coverage.notCovered.map((g) => g.kind));
  if (missing.size === 0) return [];
  const blinded = (kind: string): boolean => missing.has(kind) || (kind === 'workloads' && WORKLOAD_KINDS.some((k) => missing.has(k)));
  // Only rules the scan would have run: one left out by --only or --skip was not run for its own reason.
  const chosen = new Set(selected);
  return catalogue.filter((rule) => chosen.has(rule.id) && (rule.reads ?? []).some(blinded)).map((rule) => rule.id);
}

/** connect() for a command: its warnings go to standard error. */
export function connectForCommand(options: Omit<ConnectOptions, 'onWarning'>): Promise<Connection> {
  return connect({ ...options, onWarning: (message) => process.stderr.write(`kshield: warning: ${message}\n`) });
}

const NOT_JUDGED_THROUGH_THE_API =
  "file permissions and owners, the kubelet's settings and the EncryptionConfiguration's content are not visible through the API: run kshield node on the nodes for those";

type MirrorPodSeen = ControlPlaneCoverage['judged'][number];

/** Records the policy versions a Namespace's Pod Security Admission labels set, if any. */
function notePssLabels(object: JsonObject, into: Map<string, NamespacePssVersions>): void {
  const meta = object.metadata as JsonObject | undefined;
  const name = meta?.name;
  const labels = meta?.labels;
  if (typeof name !== 'string' || labels === null || typeof labels !== 'object' || Array.isArray(labels)) return;
  const versions = namespacePssVersions(labels as Record<string, unknown>);
  if (versions) into.set(name, versions);
}

function noteMirrorPod(object: JsonObject, seen: MirrorPodSeen[]): void {
  const view = controlPlaneMirrorPod(object);
  if (view) seen.push({ component: view.binary, pod: `kube-system/${String((object.metadata as JsonObject).name)}`, node: view.node });
}

/**
 * Whose flags the control-plane rules could judge: the components with a mirror pod in kube-system,
 * and why the others were not seen (pods there not listed, or no mirror pod: a control plane that
 * runs as processes or outside the cluster).
 */
function controlPlaneCoverage(mirrorPods: MirrorPodSeen[], coverage: Coverage, opts: ClusterCommandOptions): ControlPlaneCoverage {
  // Pages arrive in any order: sorted, the report does not depend on timing.
  const judged = [...mirrorPods].sort((a, b) => (a.pod < b.pod ? -1 : a.pod > b.pod ? 1 : 0));
  const seen = new Set(judged.map((j) => j.component));
  const notVisible = Object.keys(CONTROL_PLANE_BINARIES).filter((b) => !seen.has(b));
  const out: ControlPlaneCoverage = { judged, notVisible, notJudged: NOT_JUDGED_THROUGH_THE_API };
  if (notVisible.length === 0) return out;
  const podGap = coverage.notCovered.find((g) => g.kind === 'Pod' && (g.namespace === undefined || g.namespace === 'kube-system'));
  if (opts.excludeNamespace.includes('kube-system')) out.reason = 'kube-system was left out (--exclude-namespace)';
  else if (opts.namespace.length > 0 && !opts.namespace.includes('kube-system')) out.reason = 'kube-system is not among the namespaces scanned (-n)';
  else if (podGap) out.reason = `pods in kube-system were not listed (${podGap.reason})`;
  else out.reason = 'no mirror pod in kube-system: the control plane runs as processes (k3s, a hand-started control plane) or outside the cluster (a managed service)';
  return out;
}

/** Rules about what a repository commits: every Secret in a cluster holds real values, so they say nothing there. */
const MANIFEST_ONLY_RULES = ['secret-data-committed', 'secret-committed'];

const WORKLOAD_KINDS = ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob'];

/** The table with a coverage block before its summary line. */
function withCoverage(table: string, result: ScanResult): string {
  const lines = coverageLines(result.coverage, result.cluster);
  const cut = table.trimEnd().lastIndexOf('\n\n');
  const head = cut === -1 ? '' : table.slice(0, cut) + '\n\n';
  const tail = cut === -1 ? table : table.slice(cut + 2);
  return head + lines.join('\n') + '\n\n' + tail;
}

function coverageLines(coverage: Coverage | undefined, cluster: ScanResult['cluster']): string[] {
  const lines: string[] = [];
  if (cluster) lines.push(`cluster ${sanitize(cluster.server)} (context ${sanitize(cluster.context)}${cluster.version ? `, Kubernetes ${sanitize(cluster.version)}` : ''})`);
  if (!coverage) return lines;
  const kinds = new Set(coverage.covered.map((c) => c.kind));
  const objects = coverage.covered.reduce((n, c) => n + c.objects, 0);
  lines.push(`covered: ${kinds.size} kind(s), ${objects} object(s)`);
  if (coverage.notCovered.length > 0) {
    lines.push(`not covered (${coverage.notCovered.length}): the scan went on without these`);
    for (const gap of coverage.notCovered) {
      lines.push(`  ${gap.apiVersion} ${gap.kind}${gap.namespace !== undefined ? ` in namespace ${sanitize(gap.namespace)}` : ''}: ${sanitize(gap.reason)}`);
    }
  }
  if (coverage.skippedRules && coverage.skippedRules.length > 0) {
    lines.push(`${coverage.skippedRules.length} rule(s) not run because they read what is not covered: ${coverage.skippedRules.join(', ')}`);
  }
  const cp = coverage.controlPlane;
  if (cp) {
    if (cp.judged.length > 0) lines.push(`control-plane flags judged from mirror pods: ${cp.judged.map((j) => `${sanitize(j.pod)} (node ${sanitize(j.node)})`).join(', ')}`);
    if (cp.notVisible.length > 0) lines.push(`control-plane flags not visible for ${cp.notVisible.join(', ')}: ${sanitize(cp.reason ?? '')}`);
    lines.push(`not judged through the API: ${cp.notJudged}`);
  }
  return lines;
}

/** A one-line progress display on a terminal's standard error; nothing otherwise. */
function progressReporter(enabled: boolean): { update: (done: number, total: number, objects: number) => void; done: () => void } {
  if (!enabled) return { update: () => {}, done: () => {} };
  const width = 24;
  return {
    update(done, total, objects) {
      const filled = Math.round((done / Math.max(1, total)) * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} lists, ${objects} objects`);
    },
    done() {
      process.stderr.write('\r\u001b[2K');
    },
  };
}

function parseCount(value: string, flag: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new UsageError(`${flag}: expected a number from ${min} to ${max}, got "${value}"`);
  return Number(value);
}

export { ClusterError, parseDuration };
