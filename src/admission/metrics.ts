/**
 * Prometheus metrics in the text exposition format (version 0.0.4), written by hand: a few
 * counters and one histogram do not need a client library.
 *
 * Format, per the Prometheus documentation: for each metric family one `# HELP name text` line
 * (backslash and newline escaped), one `# TYPE name counter|histogram` line, then one sample per
 * line `name{label="value",...} number`; label values escape backslash, double quote and newline.
 * A histogram has cumulative `name_bucket{le="..."}` samples ending with `le="+Inf"` (equal to
 * `name_count`), plus `name_sum` and `name_count`.
 */

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Seconds: admission webhooks answer in milliseconds; the API server gives up after at most 30 s. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * A last resort should a label from input ever go unbounded (kindLabel bounds the kind): past this
 * many series a family folds new label sets into one "other" series instead of growing.
 */
const MAX_SERIES = 10_000;

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

type Labels = Record<string, string>;

function labelText(names: readonly string[], values: readonly string[], extra?: string): string {
  const parts = names.map((n, i) => `${n}="${escapeLabelValue(values[i])}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(',')}}` : '';
}

abstract class Family {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  protected key(labels: Labels): string[] {
    return this.labelNames.map((n) => labels[n] ?? '');
  }

  abstract render(out: string[]): void;
}

export class Counter extends Family {
  private readonly series = new Map<string, { values: string[]; count: number }>();

  inc(labels: Labels = {}, by = 1): void {
    let values = this.key(labels);
    let id = values.join('\u0000');
    let s = this.series.get(id);
    if (!s && this.series.size >= MAX_SERIES) {
      values = values.map(() => 'other');
      id = values.join('\u0000');
      s = this.series.get(id);
    }
    if (!s) this.series.set(id, (s = { values, count: 0 }));
    s.count += by;
  }

  get(labels: Labels = {}): number {
    return this.series.get(this.key(labels).join('\u0000'))?.count ?? 0;
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} counter`);
    for (const s of this.series.values()) out.push(`${this.name}${labelText(this.labelNames, s.values)} ${formatNumber(s.count)}`);
  }
}

export class Gauge extends Family {
  private readonly series = new Map<string, { values: string[]; value: number }>();

  set(labels: Labels, value: number): void {
    const values = this.key(labels);
    this.series.set(values.join('\u0000'), { values, value });
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} gauge`);
    for (const s of this.series.values()) out.push(`${this.name}${labelText(this.labelNames, s.values)} ${formatNumber(s.value)}`);
  }
}

export class Histogram extends Family {
  private readonly series = new Map<string, { values: string[]; counts: number[]; sum: number; count: number }>();

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    readonly buckets: readonly number[] = DURATION_BUCKETS,
  ) {
    super(name, help, labelNames);
  }

  observe(labels: Labels, value: number): void {
    let values = this.key(labels);
    let id = values.join('\u0000');
    let s = this.series.get(id);
    if (!s && this.series.size >= MAX_SERIES) {
      values = values.map(() => 'other');
      id = values.join('\u0000');
      s = this.series.get(id);
    }
    if (!s) this.series.set(id, (s = { values, counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    // Buckets are stored per interval and summed on output, so observing costs one increment.
    const i = this.buckets.findIndex((b) => value <= b);
    if (i >= 0) s.counts[i]++;
    s.sum += value;
    s.count++;
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} histogram`);
    for (const s of this.series.values()) {
      let cumulative = 0;
      this.buckets.forEach((b, i) => {
        cumulative += s.counts[i];
        out.push(`${this.name}_bucket${labelText(this.labelNames, s.values, `le="${formatNumber(b)}"`)} ${cumulative}`);
      });
      out.push(`${this.name}_bucket${labelText(this.labelNames, s.values, 'le="+Inf"')} ${s.count}`);
      out.push(`${this.name}_sum${labelText(this.labelNames, s.values)} ${formatNumber(s.sum)}`);
      out.push(`${this.name}_count${labelText(this.labelNames, s.values)} ${s.count}`);
    }
  }
}

/**
 * The API group of the kinds a cluster commonly admits: workloads and what kshield's rules read.
 * Gateway API kinds are not built in but are named by rules.
 */
const KNOWN_KINDS: ReadonlyMap<string, string> = new Map([
  ...['Pod', 'ReplicationController', 'Service', 'ConfigMap', 'Secret', 'Namespace', 'ServiceAccount', 'Node', 'PersistentVolume', 'PersistentVolumeClaim', 'LimitRange', 'ResourceQuota', 'Endpoints', 'Event'].map((k) => [k, ''] as const),
  ...['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ControllerRevision'].map((k) => [k, 'apps'] as const),
  ...['Job', 'CronJob'].map((k) => [k, 'batch'] as const),
  ...['HorizontalPodAutoscaler'].map((k) => [k, 'autoscaling'] as const),
  ...['PodDisruptionBudget'].map((k) => [k, 'policy'] as const),
  ...['Ingress', 'IngressClass', 'NetworkPolicy'].map((k) => [k, 'networking.k8s.io'] as const),
  ...['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'].map((k) => [k, 'rbac.authorization.k8s.io'] as const),
  ...['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'].map((k) => [k, 'admissionregistration.k8s.io'] as const),
  ...['CustomResourceDefinition'].map((k) => [k, 'apiextensions.k8s.io'] as const),
  ...['StorageClass', 'CSIDriver'].map((k) => [k, 'storage.k8s.io'] as const),
  ...['PriorityClass'].map((k) => [k, 'scheduling.k8s.io'] as const),
  ...['Lease'].map((k) => [k, 'coordination.k8s.io'] as const),
  ...['Gateway', 'HTTPRoute', 'GRPCRoute'].map((k) => [k, 'gateway.networking.k8s.io'] as const),
]);

/**
 * The `kind` label of a request: the kind's name when it is one of the known kinds in its own API
 * group, or one `extraKinds` names (any group); "other" for everything else. Whoever can reach the
 * port chooses the kind, so the label must come from a fixed list to keep the series bounded.
 */
export function kindLabel(group: string, kind: string, extraKinds: ReadonlySet<string> = new Set()): string {
  const knownGroup = KNOWN_KINDS.get(kind);
  if (knownGroup !== undefined) return knownGroup === group ? kind : 'other';
  return extraKinds.has(kind) ? kind : 'other';
}

/** The webhook's metrics. */
export class WebhookMetrics {
  readonly requests = new Counter('kshield_admission_requests_total', 'Admission reviews received, by endpoint, operation, kind and dry run.', ['endpoint', 'operation', 'kind', 'dry_run']);
  readonly decisions = new Counter(
    'kshield_admission_decisions_total',
    'Findings at admission by rule, configured action and outcome (denied, warned, audited, preexisting, controller), and dry run.',
    ['rule', 'action', 'outcome', 'dry_run'],
  );
  readonly responses = new Counter('kshield_admission_responses_total', 'Admission responses by endpoint and result (validate: allowed, denied, exempt, skipped; mutate: patched, unchanged, exempt, skipped; either: error).', ['endpoint', 'result']);
  readonly badRequests = new Counter('kshield_admission_bad_requests_total', 'HTTP requests refused before a decision, by HTTP status.', ['code']);
  readonly duration = new Histogram('kshield_admission_request_duration_seconds', 'Time from the start of a review request to its response, by endpoint.', ['endpoint']);
  readonly reloads = new Counter('kshield_admission_reloads_total', 'Reloads of the configuration and TLS files, by what and result.', ['what', 'result']);
  readonly logLinesDropped = new Counter('kshield_webhook_log_lines_dropped_total', 'Log lines dropped because standard output did not take them (16 MiB were waiting).', []);
  readonly ready = new Gauge('kshield_admission_ready', '1 while the webhook accepts reviews, 0 while draining.', []);
  readonly signatureVerifications = new Counter(
    'kshield_admission_signature_verifications_total',
    'Image signature verifications run (cache misses only), by result (verified, refused, error) and reason (the first signature failure, attestation, require-all, registry, timeout).',
    ['result', 'reason'],
  );
  readonly signatureVerificationsRunning = new Gauge('kshield_admission_signature_verifications_in_progress', 'Image signature verifications running now, and waiting for a turn (imagePolicy.maxConcurrentVerifications), by state.', ['state']);
  readonly signatureCache = new Counter('kshield_admission_signature_cache_total', 'Signature verdict lookups by outcome: hit (cached), miss (verified now), join (waited for a verification already running).', ['outcome']);

  constructor() {
    // A series from the start: an alert on its rate needs the zero.
    this.logLinesDropped.inc({}, 0);
  }

  render(): string {
    const out: string[] = [];
    for (const family of [this.requests, this.decisions, this.responses, this.badRequests, this.duration, this.reloads, this.logLinesDropped, this.ready, this.signatureVerifications, this.signatureVerificationsRunning, this.signatureCache]) family.render(out);
    return out.join('\n') + '\n';
  }
}
