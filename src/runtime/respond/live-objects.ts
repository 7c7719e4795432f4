/**
 * The cluster's objects as `kshield respond` keeps them for linking alerts to posture
 * (runtime/posture.ts): the kinds posture reads, listed and watched with the watch's machinery
 * (watch/reflector.ts: pages, bookmarks, relist on 410, backoff with jitter) into its bounded store
 * (watch/store.ts: managedFields dropped, at most `maxObjects` objects).
 *
 * Kept: pods and their owners, Services, NetworkPolicies (and Cilium's and Calico's kinds where the
 * server serves them), Namespaces, ServiceAccounts, RBAC. Secrets: only the legacy service-account
 * token Secrets (an RBAC path reads them: reading such a Secret yields the account), and only their
 * metadata: they are asked for as PartialObjectMetadata with a field selector on their type, so no
 * Secret value ever reaches kshield respond. ConfigMaps are not kept: the one rule that reads them
 * also reads every Secret, and is left out (with every other rule that reads a kind not kept, or a
 * kind the identity may not list: such a rule would report what it cannot see as missing).
 *
 * Reads need get/list/watch on those kinds (respondPostureReadRules(), added to `kshield install
 * respond`'s ClusterRole unless --no-posture). A kind the identity may not list is reported once and
 * retried every few minutes; posture is computed without it, and says so.
 */
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { JsonObject, Resource } from '../../core/types.js';
import { isObject } from '../../core/values.js';
import { CLUSTER_KINDS, clusterInfoObject, clusterReadRules, discover, serverVersion, type KindSpec, type ServedKind } from '../../sources/cluster.js';
import { ResourceSet } from '../../k8s/resource-set.js';
import type { Rule } from '../../engine/rule.js';
import { rules as catalogue } from '../../rules/index.js';
import type { ApiClient } from '../watch/api.js';
import { Reflector } from '../watch/reflector.js';
import { ObjectStore, groupOf, metadataOf, objectKey, slim, toResource } from '../watch/store.js';

const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';

/**
 * Kinds posture reads: every kind `kshield cluster` lists (the rules run on the alert's workload read
 * them: NetworkPolicies, RBAC, Services, PodDisruptionBudgets, LimitRanges...), except ConfigMaps
 * (only config-reference-missing reads them, and it also reads every Secret: it is left out).
 */
export const POSTURE_KINDS: readonly KindSpec[] = CLUSTER_KINDS.filter((k) => !(k.group === '' && k.kind === 'ConfigMap'));

/** Kinds not kept, or kept only in part (Secrets: the token Secrets' metadata): rules that read them are left out. */
const PARTIAL_KINDS = ['Secret', 'ConfigMap'];

const WORKLOAD_KINDS = ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob'];

/** Rules about what a repository commits (as in `kshield cluster`): every Secret in a cluster holds real values. */
const MANIFEST_ONLY_RULES = ['secret-data-committed', 'secret-committed'];

/** Categories of rules that do not judge a workload's posture (they judge events over time). */
const NOT_POSTURE = new Set(['audit', 'drift']);

/** The ClusterRole rules the cache's reads need (`kshield install respond`, unless --no-posture). */
export function respondPostureReadRules(): JsonObject[] {
  // Secrets are left to the operator: list on Secrets reads every value in the cluster (see docs/respond.md).
  return clusterReadRules(['get', 'list', 'watch'], POSTURE_KINDS);
}

/** Whether a rule reads one of `kinds` (`workloads`: any workload kind). */
function readsAny(rule: Rule, kinds: ReadonlySet<string>): boolean {
  return (rule.reads ?? []).some((k) => kinds.has(k) || (k === 'workloads' && WORKLOAD_KINDS.some((w) => kinds.has(w))));
}

export interface LiveObjectsOptions {
  api: ApiClient;
  log: Logger;
  /** The bound on kept objects. Default 200,000. */
  maxObjects?: number;
  pageSize?: number;
  watchTimeoutSeconds?: number;
  backoffMs?: number;
  maxBackoffMs?: number;
  /** How long a forbidden kind waits before it is listed again. Default 5 minutes. */
  forbiddenRetryMs?: number;
  kinds?: readonly KindSpec[];
}

/** What the cache says about itself, written with each posture. */
export interface LiveObjectsStatus {
  synced: boolean;
  /** Why the cache could not start. */
  failed?: string;
  objects: number;
  maxObjects: number;
  /** Set when the bound refused objects: posture may miss them. */
  full?: string;
  /** Kinds not kept, and why (not served, forbidden). */
  notKept: string[];
}

export class LiveObjects {
  readonly store: ObjectStore;
  readonly maxObjects: number;
  synced = false;
  /** Why the cache could not start (discovery failed): posture is not known. */
  failed: string | undefined;
  /** Bumped on every change: a posture computed at one generation holds until the next. */
  generation = 0;
  kubernetesVersion: string | undefined;
  private readonly abort = new AbortController();
  private readonly running: Promise<void>[] = [];
  private readonly listed = new Set<string>();
  private readonly seen = new Map<string, Set<string>>();
  private readonly forbidden = new Map<string, string>();
  private readonly unavailable = new Map<string, string>();
  private kindCount = 0;
  private fullWarned = false;
  private snapshotAt = -1;
  private snapshotSet: ResourceSet | undefined;
  private rulesAt = '';
  private rulesCache: Rule[] = [];
  private syncWaiters: (() => void)[] = [];

  constructor(private readonly options: LiveObjectsOptions) {
    this.maxObjects = options.maxObjects ?? 200_000;
    this.store = new ObjectStore(this.maxObjects);
    // One listener per kept kind.
    setMaxListeners(0, this.abort.signal);
  }

  /** Discovery, then every kind listed and watched; resolves once the reflectors run (not once synced). */
  async start(): Promise<void> {
    try {
      await this.startReflectors();
    } catch (err) {
      const message = String((err as Error)?.message ?? err).split('\n')[0];
      this.failed = message.length > 300 ? `${message.slice(0, 300)}…` : message;
      throw err;
    }
  }

  private async startReflectors(): Promise<void> {
    const { api, log } = this.options;
    const conn = api.asConnection();
    const version = await serverVersion(conn);
    if (version) {
      this.kubernetesVersion = `${version.major}.${version.minor}`;
      this.keep(clusterInfoObject(api.context, version, new Date()));
    }
    const kinds = await discover(conn, this.options.kinds ?? POSTURE_KINDS);
    const served = kinds.filter((k) => !k.unavailable);
    for (const k of kinds) if (k.unavailable) this.unavailable.set(k.kind, k.unavailable);
    this.kindCount = served.length;
    log.info({ event: 'posture-cache-starting', kinds: served.map((k) => `${k.kind}${k.group ? `.${k.group}` : ''}`), maxObjects: this.maxObjects }, 'posture cache: listing and watching');
    for (const k of served) this.startReflector(k);
    if (served.length === 0) this.markSynced();
  }

  /** Resolves true once every kind is listed (or forbidden); false after `timeoutMs`. */
  waitForSync(timeoutMs: number): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.syncWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  status(): LiveObjectsStatus {
    const notKept = [
      ...[...this.unavailable].map(([kind, why]) => `${kind}: ${why}`),
      ...[...this.forbidden].map(([kind, why]) => `${kind}: forbidden (${why})`),
    ];
    return {
      synced: this.synced,
      ...(this.failed ? { failed: this.failed } : {}),
      objects: this.store.size,
      maxObjects: this.maxObjects,
      ...(this.store.overflowed > 0 ? { full: `the cache holds its maximum of ${this.maxObjects} objects (--posture-max-objects); ${this.store.overflowed} objects were not kept, so posture may miss some` } : {}),
      notKept,
    };
  }

  /** Every kept object, as one set (made again only after a change). */
  snapshot(): ResourceSet {
    if (this.snapshotSet && this.snapshotAt === this.generation) return this.snapshotSet;
    const all: Resource[] = [];
    for (const s of this.store.values()) all.push(s.resource);
    this.snapshotSet = new ResourceSet(all);
    this.snapshotAt = this.generation;
    return this.snapshotSet;
  }

  /**
   * The rules posture runs: the catalogue's default selection without the audit and drift rules,
   * and without those that read a kind not kept in full (they would call it missing).
   */
  rules(): Rule[] {
    // A kind the server does not serve is no blind spot (none exist); one it serves but we could not list is.
    const blind = new Set<string>([...PARTIAL_KINDS, ...this.forbidden.keys(), ...this.unavailable.keys()]);
    const key = [...blind].sort().join(',');
    if (key === this.rulesAt) return this.rulesCache;
    this.rulesAt = key;
    this.rulesCache = catalogue.filter((r) => !r.optIn && !NOT_POSTURE.has(r.category) && !MANIFEST_ONLY_RULES.includes(r.id) && !readsAny(r, blind));
    return this.rulesCache;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.wake();
    await Promise.allSettled(this.running);
    this.options.api.close();
  }

  // -------------------------------------------------------------------------------------------

  private wake(): void {
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of waiters) w();
  }

  private markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    this.options.log.info({ event: 'posture-cache-synced', ...this.status() }, 'posture cache synced');
    this.wake();
  }

  private listDone(spec: ServedKind): void {
    if (this.synced) return;
    this.listed.add(`${spec.group}/${spec.kind}`);
    if (this.listed.size >= this.kindCount) this.markSynced();
  }

  private startReflector(spec: ServedKind): void {
    const log = this.options.log;
    const isSecret = spec.group === '' && spec.kind === 'Secret';
    const reflector = new Reflector(
      this.options.api,
      spec,
      {
        onListPage: (s, items) => {
          this.forbidden.delete(s.kind);
          const seen = this.seen.get(s.kind) ?? new Set<string>();
          this.seen.set(s.kind, seen);
          for (const item of items) {
            const key = this.keep(item);
            if (key) seen.add(key);
          }
        },
        onListEnd: (s) => {
          const seen = this.seen.get(s.kind) ?? new Set<string>();
          this.seen.delete(s.kind);
          for (const key of this.store.keysOf(s.group, s.kind)) if (!seen.has(key) && this.store.delete(key)) this.generation++;
          this.listDone(s);
        },
        onEvent: (_s, type, object) => {
          if (type === 'DELETED') {
            const meta = metadataOf(object);
            if (this.store.delete(objectKey(String(object.apiVersion), String(object.kind), typeof meta.namespace === 'string' ? meta.namespace : undefined, String(meta.name)))) this.generation++;
          } else this.keep(object);
        },
        onError: (s, message, retryInMs) => log.warn({ event: 'posture-cache-error', kind: s.kind, err: message, retryInMs }, 'posture cache: list or watch failed; retrying'),
        onRelist: (s, reason) => log.info({ event: 'posture-cache-relist', kind: s.kind, reason }, 'posture cache: resourceVersion expired; listing again'),
        onForbidden: (s, message, retryInMs) => {
          if (!this.forbidden.has(s.kind)) log.warn({ event: 'posture-cache-forbidden', kind: s.kind, reason: message, retryInMs }, 'posture cache: kind not kept, the identity may not list it');
          this.forbidden.set(s.kind, message.length > 160 ? `${message.slice(0, 160)}…` : message);
          this.listDone(s);
        },
        onWatchRestart: () => undefined,
      },
      {
        pageSize: this.options.pageSize ?? 500,
        backoffMs: this.options.backoffMs ?? 1000,
        maxBackoffMs: this.options.maxBackoffMs ?? 30_000,
        watchTimeoutSeconds: this.options.watchTimeoutSeconds ?? 300,
        forbiddenRetryMs: this.options.forbiddenRetryMs ?? 300_000,
        // Secrets: metadata only, and only the token Secrets (see the header).
        ...(isSecret ? { metadataOnly: true, fieldSelector: `type=${SERVICE_ACCOUNT_TOKEN_TYPE}` } : {}),
      },
    );
    this.running.push(reflector.run(this.abort.signal));
  }

  /** Keeps the object slimmed; its key, or undefined when it is not an object or the bound refused it. */
  private keep(object: JsonObject): string | undefined {
    const meta = metadataOf(object);
    const name = typeof meta.name === 'string' ? meta.name : undefined;
    if (!name) return undefined;
    let kept = object;
    // The field selector let only token Secrets through, as metadata: their type is known, nothing else is kept.
    if (object.kind === 'Secret' && groupOf(String(object.apiVersion)) === '') kept = { apiVersion: object.apiVersion, kind: 'Secret', metadata: meta, type: SERVICE_ACCOUNT_TOKEN_TYPE };
    const key = objectKey(String(object.apiVersion), String(object.kind), typeof meta.namespace === 'string' ? meta.namespace : undefined, name);
    const before = this.store.get(key);
    if (before && before.resourceVersion !== undefined && before.resourceVersion === meta.resourceVersion) return key;
    const resource = toResource(slimmer(slim(kept)), `cluster:${this.options.api.context}`);
    if (!resource) return undefined;
    if (!this.store.put({ key, resource, uid: typeof meta.uid === 'string' ? meta.uid : undefined, resourceVersion: typeof meta.resourceVersion === 'string' ? meta.resourceVersion : undefined })) {
      if (!this.fullWarned) this.options.log.warn({ event: 'posture-cache-full', maxObjects: this.maxObjects }, `posture cache: ${this.maxObjects} objects kept (--posture-max-objects); newer objects are not kept, posture may miss them`);
      this.fullWarned = true;
      return undefined;
    }
    this.generation++;
    return key;
  }
}

/** Less than the watch keeps: a pod's conditions (no rule posture runs reads them; they change often). */
function slimmer(object: JsonObject): JsonObject {
  const status = object.status;
  if (object.kind !== 'Pod' || !isObject(status) || !('conditions' in status)) return object;
  const rest = { ...status };
  delete rest.conditions;
  return { ...object, status: rest };
}
