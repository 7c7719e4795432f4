/**
 * `kshield watch`'s /metrics, in the Prometheus text format (families from admission/metrics.ts):
 * open findings by rule, severity and namespace, and the watch's health.
 */
import { Counter, Gauge } from '../../admission/metrics.js';

export class WatchMetrics {
  readonly relists = new Counter('kshield_watch_relists_total', 'Lists of a kind made again because the watch resourceVersion expired (410 Gone).', ['kind']);
  readonly restarts = new Counter('kshield_watch_restarts_total', 'Watches started again after the server ended them or they failed.', ['kind']);
  readonly errors = new Counter('kshield_watch_errors_total', 'List or watch requests that failed (retried with backoff).', ['kind']);
  readonly changes = new Counter('kshield_watch_changes_total', 'Object changes observed, by type.', ['type']);
  readonly findingEvents = new Counter('kshield_watch_finding_events_total', 'Finding events: new, fixed, changed, drift.', ['event']);
  readonly eventsWritten = new Counter('kshield_watch_kubernetes_events_written_total', 'Kubernetes Events written, by reason.', ['reason']);
  readonly eventsDropped = new Counter('kshield_watch_kubernetes_events_dropped_total', 'Kubernetes Events not written: over the rate limit, or the write failed.', ['why']);
  readonly lastSync = new Gauge('kshield_watch_last_sync_timestamp_seconds', 'When each kind was last listed completely (Unix time).', ['kind']);
  readonly lastEvent = new Gauge('kshield_watch_last_event_timestamp_seconds', 'When a watch event (change or bookmark-free) was last processed (Unix time).', []);
  readonly synced = new Gauge('kshield_watch_synced', '1 once every kind has been listed and judged.', []);
  readonly leader = new Gauge('kshield_watch_leader', '1 while this replica holds the Lease (and writes Events).', []);
  readonly cached = new Gauge('kshield_watch_cached_objects', 'Objects kept for the rules, by kind.', ['kind']);
  readonly overflow = new Gauge('kshield_watch_cache_overflow_objects', 'Objects not kept because the cache is at --max-objects.', []);
  readonly batchSeconds = new Gauge('kshield_watch_last_batch_seconds', 'How long judging the last batch of changes took.', []);

  constructor(private readonly openFindings: () => ReadonlyMap<string, number>, private readonly cachedByKind: () => ReadonlyMap<string, number>) {
    this.synced.set({}, 0);
    this.leader.set({}, 0);
  }

  render(): string {
    const out: string[] = [];
    out.push('# HELP kshield_watch_open_findings Open (unsuppressed) findings, by rule, severity and namespace ("" for cluster-scoped objects).', '# TYPE kshield_watch_open_findings gauge');
    for (const [key, n] of this.openFindings()) {
      const [rule, severity, namespace] = key.split('\u0000');
      out.push(`kshield_watch_open_findings{rule="${esc(rule)}",severity="${esc(severity)}",namespace="${esc(namespace)}"} ${n}`);
    }
    for (const [kind, n] of this.cachedByKind()) this.cached.set({ kind }, n);
    for (const family of [this.synced, this.leader, this.lastSync, this.lastEvent, this.relists, this.restarts, this.errors, this.changes, this.findingEvents, this.eventsWritten, this.eventsDropped, this.cached, this.overflow, this.batchSeconds]) family.render(out);
    return out.join('\n') + '\n';
  }
}

function esc(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
