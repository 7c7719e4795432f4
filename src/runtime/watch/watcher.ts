/**
 * `kshield watch`: every kind the rules read, listed and watched (reflector.ts), kept in a bounded
 * store (store.ts), judged incrementally (judge.ts); finding events go out as log lines and, from
 * the leader (leader.ts), as Kubernetes Events (events.ts); /metrics and /healthz (http.ts).
 *
 * Start-up: the server's version and discovery (which version of each kind it serves, as `kshield
 * cluster` decides it), then Namespaces are listed first (their Pod Security labels set the
 * version workloads are judged at), then every other kind at once. Until every kind has been
 * listed, objects are judged by the single-object rules as they arrive and no event is emitted;
 * once all are in, the cross-object rules run over everything and the findings found so far are
 * the state the watch starts from (one log line counts them). Every change after that is an event.
 */
import { setMaxListeners } from 'node:events';
import os from 'node:os';
import type { Logger } from 'pino';
import { severityRank, type JsonObject, type Resource, type Severity } from '../../core/types.js';
import { clusterInfoObject, discover, serverVersion, CLUSTER_KINDS, type KindSpec, type ServedKind } from '../../sources/cluster.js';
import { prepareScan, type ScanOptions } from '../../pipeline/prepare.js';
import type { NamespacePssVersions } from '../../k8s/pss.js';
import type { ObjectChangeType } from '../../k8s/object-change.js';
import type { Rule } from '../../engine/rule.js';
import type { ApiClient } from './api.js';
import { ObjectStore, groupOf, metadataOf, objectKey, slim, toResource } from './store.js';
import { IncrementalJudge, refOf, type Change, type DriftEvent, type FindingEvent, type JudgeResult } from './judge.js';
import { Reflector, type WatchEventType } from './reflector.js';
import { LeaderElector } from './leader.js';
import { EventWriter, EVENT_REASONS } from './events.js';
import { WatchMetrics } from './metrics.js';

/** Rules about what a repository commits (as in `kshield cluster`): every Secret in a cluster holds real values. */
const MANIFEST_ONLY_RULES = ['secret-data-committed', 'secret-committed'];

export interface WatchOptions {
  api: ApiClient;
  log: Logger;
  scan: Pick<ScanOptions, 'only' | 'skip' | 'config' | 'inlineSuppressions' | 'pssVersion'>;
  /** Rules run besides the catalogue's selection (a library user's own; tests' ObjectChange rules). */
  extraRules?: readonly Rule[];
  /** Kinds to watch (default: what `kshield cluster` lists). */
  kinds?: readonly KindSpec[];
  pageSize?: number;
  /** Changes arriving within this many milliseconds are judged together. Default 200. */
  batchMs?: number;
  /** A full pass of the cross-object rules this often (catches what the namespace scoping misses). Default 10 min; 0 = never. */
  resyncMs?: number;
  /** The store's bound. Default 500,000 objects. */
  maxObjects?: number;
  watchTimeoutSeconds?: number;
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Leader election; without it this replica writes Events as if it led (one replica only). */
  leaderElection?: { namespace: string; name: string; identity?: string; leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number };
  /** Kubernetes Events: off, or at most this many per second. */
  events?: { enabled: boolean; perSecond: number; burst: number; minSeverity?: Severity };
  /** Manifests the cluster is declared by (`--desired DIR`): a workload that drifts from them in a security-relevant field is a drift event. */
  desired?: readonly Resource[];
}

export class Watcher {
  readonly metrics: WatchMetrics;
  readonly store: ObjectStore;
  readonly identity: string;
  judge!: IncrementalJudge;
  synced = false;
  private readonly abort = new AbortController();
  private readonly reflectors: Reflector[] = [];
  private readonly running: Promise<void>[] = [];
  private queue: Change[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private elector: LeaderElector | undefined;
  private events: EventWriter | undefined;
  private listed = new Set<string>();
  /** Keys each list in progress has handed on so far. */
  private readonly seen = new Map<string, Set<string>>();
  /** Kinds whose list was forbidden, and (before the first sync) the kind names the rules then cannot see. */
  private readonly forbidden = new Set<string>();
  private readonly blinded = new Set<string>();
  private kindCount = 0;
  private syncWaiters: (() => void)[] = [];
  private readonly pssNamespaces = new Map<string, NamespacePssVersions>();
  private leaderNow = false;

  constructor(private readonly options: WatchOptions) {
    // One listener per watched kind, and the elector's.
    setMaxListeners(0, this.abort.signal);
    this.store = new ObjectStore(options.maxObjects ?? 500_000);
    this.identity = options.leaderElection?.identity ?? `${process.env.POD_NAME ?? os.hostname()}_${process.pid}`;
    this.metrics = new WatchMetrics(
      () => this.judge?.openCounts ?? new Map(),
      () => this.store.countsByKind(),
    );
  }

  get isLeader(): boolean {
    return this.leaderNow;
  }

  get log(): Logger {
    return this.options.log;
  }

  async start(): Promise<void> {
    const { api, log } = this.options;
    const conn = api.asConnection();
    const version = await serverVersion(conn);
    const kinds = await discover(conn, this.options.kinds ?? CLUSTER_KINDS);
    for (const k of kinds.filter((k) => k.unavailable)) log.warn({ kind: k.kind, apiVersion: k.apiVersion, reason: k.unavailable }, 'kind not watched');
    const served = kinds.filter((k) => !k.unavailable);
    const config = this.options.scan.config;
    const effectiveConfig = version && !config?.kubernetesVersion ? { ...config, kubernetesVersion: `${version.major}.${version.minor}` } : config;
    const prepared = prepareScan({
      only: this.options.scan.only,
      skip: [...(this.options.scan.skip ?? []), ...MANIFEST_ONLY_RULES],
      config: effectiveConfig,
      inlineSuppressions: this.options.scan.inlineSuppressions,
      pssVersion: this.options.scan.pssVersion,
      pssClusterMinor: version && version.major === 1 ? version.minor : undefined,
      pssNamespaces: this.pssNamespaces,
    });
    const file = `cluster:${api.context}`;
    const engine = this.options.extraRules?.length ? { ...prepared.engine, rules: [...prepared.engine.rules, ...this.options.extraRules] } : prepared.engine;
    this.judge = new IncrementalJudge(engine, this.store, this.pssNamespaces, file);
    if (this.options.desired) this.judge.desired = this.options.desired;
    if (version) {
      const info = clusterInfoObject(api.context, version, new Date());
      this.keep(info);
      this.judge.judgeInitial([info]);
    }
    log.info({ server: api.server, context: api.context, version: version?.gitVersion, kinds: served.length, rules: this.judge.ruleCounts }, 'watch starting');

    if (this.options.leaderElection) {
      const le = this.options.leaderElection;
      this.elector = new LeaderElector(api, {
        ...le,
        identity: this.identity,
        onChange: (leader) => this.setLeader(leader),
        onError: (message) => log.warn({ err: message }, 'leader election: request failed'),
      });
      this.running.push(this.elector.run(this.abort.signal));
    } else this.setLeader(true);
    const ev = this.options.events ?? { enabled: true, perSecond: 5, burst: 25 };
    if (ev.enabled) {
      this.events = new EventWriter(api, {
        perSecond: ev.perSecond,
        burst: ev.burst,
        maxQueue: 1000,
        component: 'kshield-watch',
        instance: this.identity,
        onWritten: (reason) => this.metrics.eventsWritten.inc({ reason }),
        onDropped: (why, message) => {
          this.metrics.eventsDropped.inc({ why });
          if (message) log.warn({ err: message }, 'Kubernetes Event not written');
        },
      });
    }

    this.kindCount = served.length;
    // Namespaces first: their labels decide the Pod Security version workloads are judged at.
    const first = served.filter((k) => k.group === '' && k.kind === 'Namespace');
    const rest = served.filter((k) => !(k.group === '' && k.kind === 'Namespace'));
    for (const k of first) this.startReflector(k);
    if (first.length > 0) await this.waitFor(() => first.every((k) => this.listed.has(kindId(k))));
    for (const k of rest) this.startReflector(k);
    if (served.length === 0) this.finishSync();
  }

  private waitFor(condition: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (condition() || this.abort.signal.aborted) resolve();
        else this.syncWaiters.push(check);
      };
      check();
    });
  }

  /** Resolves once every kind is listed and judged (false on timeout). */
  waitForSync(timeoutMs: number): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      const check = (): void => {
        if (this.synced) {
          clearTimeout(timer);
          resolve(true);
        } else this.syncWaiters.push(check);
      };
      this.syncWaiters.push(check);
    });
  }

  private wake(): void {
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of waiters) w();
  }

  private startReflector(spec: ServedKind): void {
    const log = this.options.log;
    const reflector = new Reflector(
      this.options.api,
      spec,
      {
        onListPage: (s, items) => this.onListPage(s, items),
        onListEnd: (s) => this.onListEnd(s),
        onEvent: (s, type, object) => this.onEvent(s, type, object),
        onError: (s, message, retryInMs) => {
          this.metrics.errors.inc({ kind: s.kind });
          log.warn({ kind: s.kind, apiVersion: s.apiVersion, err: message, retryInMs }, 'list or watch failed; retrying');
        },
        onRelist: (s, reason) => {
          this.metrics.relists.inc({ kind: s.kind });
          log.info({ kind: s.kind, apiVersion: s.apiVersion, reason }, 'resourceVersion expired; listing again');
        },
        onWatchRestart: (s) => this.metrics.restarts.inc({ kind: s.kind }),
        onForbidden: (s, message, retryInMs) => {
          this.metrics.errors.inc({ kind: s.kind });
          if (!this.forbidden.has(kindId(s))) log.warn({ kind: s.kind, apiVersion: s.apiVersion, reason: message, retryInMs }, 'kind not watched: the identity may not list it');
          this.forbidden.add(kindId(s));
          if (this.synced) return;
          this.listed.add(kindId(s));
          this.blinded.add(s.kind);
          if (this.listed.size >= this.kindCount) this.finishSync();
          this.wake();
        },
      },
      { pageSize: this.options.pageSize ?? 500, backoffMs: this.options.backoffMs ?? 1000, maxBackoffMs: this.options.maxBackoffMs ?? 30_000, watchTimeoutSeconds: this.options.watchTimeoutSeconds ?? 300 },
    );
    this.reflectors.push(reflector);
    this.running.push(reflector.run(this.abort.signal));
  }

  /** Keeps the object (slimmed); returns what the store held before. */
  private keep(object: JsonObject): { before: ReturnType<ObjectStore['get']>; key: string } | undefined {
    const ref = refOf(object);
    const key = objectKey(ref.apiVersion, ref.kind, ref.namespace, ref.name);
    const before = this.store.get(key);
    const resource = toResource(slim(object), `cluster:${this.options.api.context}`);
    if (!resource) return undefined;
    const meta = metadataOf(object);
    const kept = this.store.put({ key, resource, uid: typeof meta.uid === 'string' ? meta.uid : undefined, resourceVersion: typeof meta.resourceVersion === 'string' ? meta.resourceVersion : undefined });
    if (!kept) this.metrics.overflow.set({}, this.store.overflowed);
    return { before, key };
  }

  private onListPage(spec: ServedKind, items: JsonObject[]): void {
    this.forbidden.delete(kindId(spec));
    const seen = this.seen.get(kindId(spec)) ?? new Set<string>();
    this.seen.set(kindId(spec), seen);
    if (!this.synced) {
      // Before the first full sync: keep and judge alone; events start once every kind is in.
      for (const item of items) {
        const k = this.keep(item);
        if (k) seen.add(k.key);
        if (spec.kind === 'Namespace' && spec.group === '') this.judge.notePssLabels(item, String(metadataOf(item).name));
      }
      this.judge.judgeInitial(items);
      return;
    }
    // A relist: what differs from the store is handed on as changes.
    const now = new Date();
    for (const item of items) {
      const ref = refOf(item);
      const key = objectKey(ref.apiVersion, ref.kind, ref.namespace, ref.name);
      seen.add(key);
      const before = this.store.get(key);
      const rv = metadataOf(item).resourceVersion;
      if (before && before.resourceVersion === rv) continue;
      this.keep(item);
      this.push({ type: before ? 'Modified' : 'Added', key, ref, before, after: item, observedAt: now });
    }
  }

  private onListEnd(spec: ServedKind): void {
    this.metrics.lastSync.set({ kind: spec.kind }, Date.now() / 1000);
    const seen = this.seen.get(kindId(spec)) ?? new Set<string>();
    this.seen.delete(kindId(spec));
    const now = new Date();
    for (const key of this.store.keysOf(spec.group, spec.kind)) {
      if (seen.has(key)) continue;
      const before = this.store.delete(key);
      if (!this.synced) this.judge.forget(key);
      else if (before) this.push({ type: 'Deleted', key, ref: refOf(before.resource.object), before, observedAt: now });
    }
    if (!this.synced) {
      this.listed.add(kindId(spec));
      if (this.listed.size >= this.kindCount) this.finishSync();
      this.wake();
    }
  }

  /** Feeds one watch event as a reflector would (benchmarks, tests); it is judged at the next flush. */
  receive(type: WatchEventType, object: JsonObject): void {
    const apiVersion = String(object.apiVersion ?? '');
    this.onEvent({ group: groupOf(apiVersion), kind: String(object.kind ?? ''), resource: '', namespaced: true, apiVersion }, type, object);
  }

  private onEvent(spec: ServedKind, type: WatchEventType, object: JsonObject): void {
    this.metrics.lastEvent.set({}, Date.now() / 1000);
    const ref = refOf(object);
    const key = objectKey(ref.apiVersion, ref.kind, ref.namespace, ref.name);
    if (!this.synced) {
      if (type === 'DELETED') {
        this.store.delete(key);
        this.judge.forget(key);
      } else {
        this.keep(object);
        if (spec.kind === 'Namespace' && spec.group === '') this.judge.notePssLabels(object, ref.name);
        this.judge.judgeInitial([object]);
      }
      return;
    }
    const before = this.store.get(key);
    if (type === 'DELETED') {
      this.store.delete(key);
      this.push({ type: 'Deleted', key, ref, before, observedAt: new Date() });
      return;
    }
    if (before && before.resourceVersion !== undefined && before.resourceVersion === metadataOf(object).resourceVersion) return;
    this.keep(object);
    const changeType: ObjectChangeType = before ? 'Modified' : 'Added';
    this.push({ type: changeType, key, ref, before, after: object, observedAt: new Date() });
  }

  private push(change: Change): void {
    this.metrics.changes.inc({ type: change.type });
    this.queue.push(change);
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        this.flushing = this.flushing.then(async () => void (await this.flush()));
      }, this.options.batchMs ?? 200);
    }
  }

  private finishSync(): void {
    if (this.synced) return;
    const started = Date.now();
    const leftOut = this.judge.leaveOut(this.blinded);
    if (leftOut.length > 0) this.options.log.warn({ rules: leftOut, kinds: [...this.blinded] }, 'rules not run: they read kinds the watch cannot list');
    const result = this.judge.fullPass(false);
    this.synced = true;
    this.metrics.synced.set({}, 1);
    let open = 0;
    for (const n of this.judge.openCounts.values()) open += n;
    this.options.log.info({ objects: this.store.size, openFindings: open, ms: Date.now() - started, errors: result.errors.length }, 'watch synced');
    for (const e of result.errors) this.options.log.error({ err: e }, 'rule failed');
    const resync = this.options.resyncMs ?? 600_000;
    if (resync > 0) {
      this.resyncTimer = setInterval(() => {
        this.flushing = this.flushing.then(() => this.emit(this.judge.fullPass(true), Date.now()));
      }, resync);
      this.resyncTimer.unref();
    }
    this.wake();
  }

  /** Judges what queued up and emits the events. */
  async flush(): Promise<JudgeResult | undefined> {
    const changes = this.queue;
    this.queue = [];
    if (changes.length === 0) return undefined;
    const started = Date.now();
    let result: JudgeResult;
    try {
      result = this.judge.apply(changes);
    } catch (err) {
      this.options.log.error({ err: String((err as Error)?.message ?? err) }, 'judging changes failed');
      return undefined;
    }
    this.emit(result, started);
    return result;
  }

  private emit(result: JudgeResult, started: number): void {
    const log = this.options.log;
    this.metrics.batchSeconds.set({}, (Date.now() - started) / 1000);
    for (const e of result.errors) log.error({ err: e }, 'rule failed');
    for (const e of result.findingEvents) this.findingEvent(e);
    for (const e of result.driftEvents) this.driftEvent(e);
  }

  private findingEvent(e: FindingEvent): void {
    this.metrics.findingEvents.inc({ event: e.event });
    const f = e.finding;
    const fields: Record<string, unknown> = {
      event: `finding.${e.event}`,
      rule: f.rule,
      severity: f.severity,
      object: objectLabel(e.object),
      kind: e.object.kind,
      namespace: e.object.namespace,
      name: e.object.name,
      path: f.path,
      message: f.message,
      fingerprint: f.fingerprint,
    };
    if (f.container !== undefined) fields.container = f.container;
    if (f.related) fields.related = f.related;
    if (e.previous) fields.previous = { severity: e.previous.severity, message: e.previous.message };
    if (e.objectDeleted) fields.objectDeleted = true;
    this.options.log.info(fields, e.event === 'new' ? 'new finding' : e.event === 'fixed' ? 'finding fixed' : 'finding changed');
    // A deleted object's findings close with it: an Event about an object that is gone helps nobody.
    if (e.objectDeleted || !this.eventWorthy(f.severity, e.previous?.severity)) return;
    const message =
      e.event === 'fixed' ? `${f.rule} no longer applies: ${f.message}` : e.event === 'changed' ? `${f.rule} (${f.severity}, was ${e.previous?.severity}): ${f.message}` : `${f.rule} (${f.severity}): ${f.message}`;
    this.writeEvent({ object: e.object, reason: EVENT_REASONS[e.event], type: e.event === 'fixed' ? 'Normal' : 'Warning', message });
  }

  private driftEvent(e: DriftEvent): void {
    this.metrics.findingEvents.inc({ event: 'drift' });
    const f = e.finding;
    this.options.log.info(
      { event: 'drift', change: e.change, rule: f.rule, severity: f.severity, object: objectLabel(e.object), kind: e.object.kind, namespace: e.object.namespace, name: e.object.name, path: f.path, message: f.message },
      'drift',
    );
    if (!this.eventWorthy(f.severity)) return;
    this.writeEvent({ object: e.object, reason: EVENT_REASONS.drift, type: 'Warning', message: `${f.rule} (${f.severity}) on ${e.change}: ${f.message}` });
  }

  /** Events are for findings at or above the minimum severity (a changed one: either side). */
  private eventWorthy(severity: Severity, previous?: Severity): boolean {
    const min = this.options.events?.minSeverity ?? 'medium';
    return severityRank(severity) >= severityRank(min) || (previous !== undefined && severityRank(previous) >= severityRank(min));
  }

  private writeEvent(request: Parameters<EventWriter['enqueue']>[0]): void {
    if (this.leaderNow && this.events) this.events.enqueue(request);
  }

  private setLeader(leader: boolean): void {
    this.leaderNow = leader;
    this.metrics.leader.set({}, leader ? 1 : 0);
    if (!leader) this.events?.clear();
    if (this.options.leaderElection) this.options.log.info({ identity: this.identity, leader }, leader ? 'became the leader' : 'not the leader');
  }

  async stop(): Promise<void> {
    this.abort.abort();
    clearTimeout(this.flushTimer);
    clearInterval(this.resyncTimer);
    this.wake();
    await Promise.allSettled(this.running);
    await this.flushing;
    this.events?.close();
    this.options.api.close();
  }
}

function kindId(k: KindSpec): string {
  return `${k.group}/${k.kind}`;
}

function objectLabel(o: { kind: string; namespace?: string; name: string }): string {
  return `${o.kind}/${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}
