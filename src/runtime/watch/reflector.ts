/**
 * One kind, listed and then watched, for as long as the watch runs (client-go calls this a
 * reflector):
 *
 * - list page by page (`limit`), restarting the list when a continue token expires (410 Gone);
 * - watch from the list's resourceVersion with `allowWatchBookmarks=true`, so that the server's
 *   BOOKMARK events keep our resourceVersion current on a quiet kind and a restarted watch does not
 *   start from a version etcd has compacted away;
 * - when the server ends a watch (it does after `timeoutSeconds`), watch again from the last
 *   resourceVersion seen; when it says the version is gone (410, as an HTTP status or as an ERROR
 *   event carrying a Status), list again and hand on the difference as changes (a relist);
 * - after a failure, wait with exponential backoff and full jitter (so replicas and kinds do not
 *   retry in step), reset once events flow again.
 */
import type { JsonObject } from '../../core/types.js';
import { isObject } from '../../core/values.js';
import type { ServedKind } from '../../sources/cluster.js';
import type { ApiClient } from './api.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ReflectorHandler {
  /**
   * One page of a list of the kind (`initial`: the first list; else a relist), objects carrying
   * apiVersion and kind; pages are handed on as they arrive, so a large kind is never held whole.
   * A list that restarts (its continue token expired) hands its objects on again.
   */
  onListPage(spec: ServedKind, items: JsonObject[], initial: boolean): void;
  /** The list is complete: what it did not hold is gone. */
  onListEnd(spec: ServedKind, initial: boolean): void;
  onEvent(spec: ServedKind, type: WatchEventType, object: JsonObject): void;
  /** Something failed; the reflector retries after `retryInMs`. */
  onError(spec: ServedKind, message: string, retryInMs: number): void;
  onRelist(spec: ServedKind, reason: string): void;
  /** The identity may not list the kind (403): retried after `retryInMs`, in case RBAC changes. */
  onForbidden(spec: ServedKind, message: string, retryInMs: number): void;
  onWatchRestart(spec: ServedKind): void;
}

export interface ReflectorOptions {
  pageSize: number;
  /** First retry delay and the cap, milliseconds. */
  backoffMs: number;
  maxBackoffMs: number;
  /** The server ends each watch after this many seconds (randomised up to twice, as client-go does). */
  watchTimeoutSeconds: number;
  /** How long to wait before listing a forbidden kind again. Default 5 minutes. */
  forbiddenRetryMs?: number;
  random?: () => number;
  /**
   * Ask for metadata only (`PartialObjectMetadata`): the API server leaves out everything but
   * `metadata`, so a Secret's values never leave it. Objects are handed on with the kind's own
   * apiVersion and kind, and no other field.
   */
  metadataOnly?: boolean;
  /** A field selector every list and watch carries (e.g. `type=kubernetes.io/service-account-token`). */
  fieldSelector?: string;
}

/** The Accept headers of a metadata-only list and watch (supported since Kubernetes 1.15). */
const METADATA_ONLY = {
  list: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1',
  watch: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1',
} as const;

/** An error that says the resourceVersion we asked for is gone. */
class Gone extends Error {}

/** The identity may not list this kind. */
class Forbidden extends Error {}

export class Reflector {
  resourceVersion: string | undefined;
  private listed = false;
  private failures = 0;

  constructor(
    private readonly api: ApiClient,
    readonly spec: ServedKind,
    private readonly handler: ReflectorHandler,
    private readonly options: ReflectorOptions,
  ) {}

  private collection(): string {
    const prefix = this.spec.group === '' ? `/api/${this.spec.apiVersion}` : `/apis/${this.spec.apiVersion}`;
    return `${prefix}/${this.spec.resource}`;
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        if (this.resourceVersion === undefined) await this.list();
        await this.watchOnce(signal);
        if (!signal.aborted) this.handler.onWatchRestart(this.spec);
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof Forbidden) {
          const wait = this.options.forbiddenRetryMs ?? 300_000;
          this.handler.onForbidden(this.spec, err.message, wait);
          await sleep(wait, signal);
          continue;
        }
        if (err instanceof Gone) {
          this.resourceVersion = undefined;
          this.handler.onRelist(this.spec, err.message);
          continue;
        }
        const delay = this.backoff();
        this.handler.onError(this.spec, describe(err), delay);
        await sleep(delay, signal);
      }
    }
  }

  /** Exponential backoff with full jitter: uniformly between half and all of min(cap, base·2^n). */
  private backoff(): number {
    const ceiling = Math.min(this.options.maxBackoffMs, this.options.backoffMs * 2 ** Math.min(this.failures++, 20));
    return Math.round(ceiling * (0.5 + (this.options.random ?? Math.random)() / 2));
  }

  private selector(): string {
    return this.options.fieldSelector ? `&fieldSelector=${encodeURIComponent(this.options.fieldSelector)}` : '';
  }

  /** The object as the kind (a metadata-only answer: its metadata and nothing else, whatever else it carried). */
  private asKind(object: JsonObject): JsonObject {
    if (this.options.metadataOnly) return { apiVersion: this.spec.apiVersion, kind: this.spec.kind, metadata: isObject(object.metadata) ? object.metadata : {} };
    return { ...object, apiVersion: this.spec.apiVersion, kind: this.spec.kind };
  }

  private async list(): Promise<void> {
    let token: string | undefined;
    let resourceVersion: string | undefined;
    const initial = !this.listed;
    for (;;) {
      const { status, body } = await this.api.request(
        'GET',
        `${this.collection()}?limit=${this.options.pageSize}${this.selector()}${token ? `&continue=${encodeURIComponent(token)}` : ''}`,
        undefined,
        undefined,
        this.options.metadataOnly ? METADATA_ONLY.list : undefined,
      );
      if (status === 410 && token) {
        // The continue token outlived etcd's compaction: start the list again.
        token = undefined;
        continue;
      }
      if (status === 403) throw new Forbidden(typeof body?.message === 'string' ? body.message.split('\n')[0] : `listing ${this.spec.kind}: forbidden`);
      // A metadata-only list of nothing comes as `"items": null` (a nil Go slice in PartialObjectMetadataList).
      if (status === 200 && body && body.items === null) body.items = [];
      if (status !== 200 || !body || !Array.isArray(body.items)) throw new Error(`listing ${this.spec.kind}: HTTP ${status}${typeof body?.message === 'string' ? `: ${body.message.split('\n')[0]}` : ''}`);
      const page: JsonObject[] = [];
      for (const item of body.items) if (isObject(item)) page.push(this.asKind(item));
      this.handler.onListPage(this.spec, page, initial);
      const meta = isObject(body.metadata) ? body.metadata : {};
      resourceVersion = typeof meta.resourceVersion === 'string' ? meta.resourceVersion : resourceVersion;
      token = typeof meta.continue === 'string' && meta.continue !== '' ? meta.continue : undefined;
      if (!token) break;
    }
    this.resourceVersion = resourceVersion ?? '0';
    this.handler.onListEnd(this.spec, initial);
    this.listed = true;
    this.failures = 0;
  }

  private async watchOnce(signal: AbortSignal): Promise<void> {
    const timeout = Math.round(this.options.watchTimeoutSeconds * (1 + (this.options.random ?? Math.random)()));
    const query = `?watch=1&allowWatchBookmarks=true&timeoutSeconds=${timeout}&resourceVersion=${encodeURIComponent(this.resourceVersion ?? '0')}${this.selector()}`;
    let gone: string | undefined;
    let failed: string | undefined;
    // Stopped while listing (a list takes no signal): an abort that already happened fires no event,
    // so without this the watch would stay open until the server's own timeout, minutes later.
    if (signal.aborted) return;
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    signal.addEventListener('abort', stop, { once: true });
    // A connection that went quiet past the server's own deadline is dead, whatever TCP says.
    const idle = setTimeout(stop, (timeout + 30) * 1000);
    try {
      await this.api.watch(
        this.collection() + query,
        (event) => {
          if (gone !== undefined || failed !== undefined) return;
          const type = event.type;
          const object = isObject(event.object) ? event.object : undefined;
          if (!object) return;
          if (type === 'ERROR') {
            const code = object.code;
            const message = typeof object.message === 'string' ? object.message.split('\n')[0] : 'watch error';
            if (code === 410 || object.reason === 'Expired' || object.reason === 'Gone') gone = message;
            else failed = `error event ${String(code)}: ${message}`;
            controller.abort();
            return;
          }
          const rv = isObject(object.metadata) && typeof object.metadata.resourceVersion === 'string' ? object.metadata.resourceVersion : undefined;
          if (type === 'BOOKMARK') {
            if (rv) this.resourceVersion = rv;
            return;
          }
          if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return;
          if (rv) this.resourceVersion = rv;
          this.failures = 0;
          this.handler.onEvent(this.spec, type, this.asKind(object));
        },
        controller.signal,
        this.options.metadataOnly ? METADATA_ONLY.watch : undefined,
      );
    } catch (err) {
      if ((err as { status?: number }).status === 410) throw new Gone(describe(err));
      throw err;
    } finally {
      clearTimeout(idle);
      signal.removeEventListener('abort', stop);
    }
    if (gone !== undefined) throw new Gone(gone);
    if (failed !== undefined) throw new Error(failed);
  }
}

function describe(err: unknown): string {
  if (err instanceof SyntaxError) return 'an answer that is not JSON';
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message.split('\n')[0] : String(err);
  return (typeof e?.code === 'string' ? `${e.code}: ` : '') + (message.length > 200 ? `${message.slice(0, 200)}…` : message);
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
