/**
 * Namespace labels for `exemptNamespaceSelector`, read through the Kubernetes API: one list, then a
 * watch that keeps a cache current (an informer), so a review costs no API request. A namespace
 * the cache does not hold yet (created a moment ago, the watch event not in) is read directly.
 */
import type { Logger } from 'pino';
import type { V1Namespace } from '@kubernetes/client-node';
import { loadKubeClient } from '../sources/kube-client.js';
import type { NamespaceLabels } from './decide.js';

export interface NamespaceLabelSource {
  /** The labels of a namespace, or why they could not be read within `timeoutMs`. */
  lookup(name: string, timeoutMs: number): Promise<NamespaceLabels>;
  status(): { synced: boolean; namespaces: number; lastError?: string };
  close(): Promise<void>;
}

export interface NamespaceCacheOptions {
  kubeconfig?: string;
  context?: string;
  logger: Logger;
  /** Restart a list that has not answered in this time. Default 30 s. */
  stuckListMs?: number;
}

const MAX_BACKOFF_MS = 30_000;

function labelsOf(ns: { metadata?: { labels?: Record<string, string> } } | undefined): Record<string, string> {
  const labels = ns?.metadata?.labels;
  const out: Record<string, string> = {};
  if (labels && typeof labels === 'object') for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') out[k] = v;
  return out;
}

function describe(err: unknown): string {
  const e = err as { code?: unknown; statusCode?: unknown; message?: unknown };
  const code = typeof e?.code === 'number' ? e.code : typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  // JSON.parse quotes what it could not parse: for an exec credential plugin, that is where the token is.
  if (err instanceof SyntaxError) return 'an answer that is not JSON (from the API server or an exec credential plugin)';
  const message = typeof e?.message === 'string' ? e.message.split('\n')[0] : String(err);
  // client-node puts the whole response body in the message; the first clause is enough.
  return (code ? `HTTP ${code}: ` : '') + (message.length > 200 ? `${message.slice(0, 200)}…` : message);
}

export async function startNamespaceCache(options: NamespaceCacheOptions): Promise<NamespaceLabelSource> {
  const { k8s, kc } = await loadKubeClient(options);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const log = options.logger;

  const labels = new Map<string, Record<string, string>>();
  let synced = false;
  let lastError: string | undefined;
  let closed = false;
  let backoff = 1000;
  let listStartedAt = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  let waiters: (() => void)[] = [];

  const informer = k8s.makeInformer<V1Namespace>(
    kc,
    '/api/v1/namespaces',
    async () => {
      listStartedAt = Date.now();
      const list = await core.listNamespace();
      labels.clear();
      for (const ns of list.items) if (ns.metadata?.name) labels.set(ns.metadata.name, labelsOf(ns));
      if (!synced) log.info({ namespaces: labels.size }, 'namespace cache synced');
      synced = true;
      lastError = undefined;
      backoff = 1000;
      listStartedAt = 0;
      const ready = waiters;
      waiters = [];
      for (const w of ready) w();
      return list;
    },
  );
  const put = (ns: V1Namespace): void => {
    if (ns.metadata?.name) labels.set(ns.metadata.name, labelsOf(ns));
  };
  informer.on('add', put);
  informer.on('update', put);
  informer.on('delete', (ns) => {
    if (ns.metadata?.name) labels.delete(ns.metadata.name);
  });
  const restart = (): void => {
    if (closed || restartTimer) return;
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (closed) return;
      void informer.start().catch((err: unknown) => onError(err));
    }, backoff);
    restartTimer.unref();
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  };
  const onError = (err: unknown): void => {
    if (closed) return;
    lastError = describe(err);
    listStartedAt = 0;
    // The cache keeps what it had: stale labels beat none while the API server is away.
    log.warn({ err: lastError, retryInMs: backoff }, 'namespace watch failed; restarting');
    restart();
  };
  informer.on('error', onError);
  // A list the API server accepted and never answered would stall the cache for good.
  const watchdog = setInterval(() => {
    if (!closed && listStartedAt > 0 && Date.now() - listStartedAt > (options.stuckListMs ?? 30_000)) {
      listStartedAt = 0;
      lastError = 'the namespace list did not answer';
      void informer.stop().then(() => restart());
    }
  }, 1000);
  watchdog.unref();
  void informer.start().catch((err: unknown) => onError(err));

  const waitForSync = (timeoutMs: number): Promise<boolean> =>
    synced
      ? Promise.resolve(true)
      : new Promise((resolve) => {
          const timer = setTimeout(() => {
            waiters = waiters.filter((w) => w !== done);
            resolve(false);
          }, timeoutMs);
          const done = (): void => {
            clearTimeout(timer);
            resolve(true);
          };
          waiters.push(done);
        });

  const readDirect = async (name: string, timeoutMs: number): Promise<NamespaceLabels> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const ns = await Promise.race([
        core.readNamespace({ name }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      const found = labelsOf(ns);
      labels.set(name, found);
      return { labels: found };
    } catch (err) {
      // A namespace that does not exist has no labels; the API server refuses the object anyway.
      if ((err as { code?: unknown }).code === 404) return { labels: {} };
      return { unavailable: describe(err) };
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    async lookup(name, timeoutMs) {
      const started = Date.now();
      const cached = labels.get(name);
      if (cached) return { labels: cached };
      if (!(await waitForSync(timeoutMs))) return { unavailable: lastError ?? `namespace cache not synced within ${timeoutMs} ms` };
      const now = labels.get(name);
      if (now) return { labels: now };
      return readDirect(name, Math.max(1, timeoutMs - (Date.now() - started)));
    },
    status: () => ({ synced, namespaces: labels.size, lastError }),
    async close() {
      closed = true;
      clearInterval(watchdog);
      clearTimeout(restartTimer);
      await informer.stop();
    },
  };
}
