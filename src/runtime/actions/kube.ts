/**
 * The few Kubernetes API calls the response actions make, as plain JSON over the connection
 * client-node configures (`kc.applyToHTTPSOptions`: the kubeconfig's CA, client certificate,
 * token or exec credential). Plain JSON because the actions write merge patches with `null`
 * (delete this key), read custom resources (Cilium, Calico) the typed client has no model for,
 * and compare what they read with what they wrote; the typed client would convert timestamps and
 * drop fields it does not know.
 *
 * Every call has a deadline, honours the action's AbortSignal, and reads at most
 * MAX_RESPONSE_BYTES. Errors carry the HTTP status and the API server's Status message (which
 * names objects, never their contents).
 */
import https from 'node:https';
import http from 'node:http';
import type { JsonObject } from '../../core/types.js';
import type { KubeClient } from '../../sources/kube-client.js';

const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
const REQUEST_TIMEOUT_MS = 15_000;
const DISCOVERY_TTL_MS = 30_000;

export class KubeApiError extends Error {
  override name = 'KubeApiError';
  constructor(
    readonly status: number,
    /** The Status `reason` (NotFound, Conflict, Forbidden, …) when the server sent one. */
    readonly reason: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

export const isNotFound = (error: unknown): boolean => error instanceof KubeApiError && error.status === 404;
export const isConflict = (error: unknown): boolean => error instanceof KubeApiError && error.status === 409;

/** One sentence for an outcome's reason: the server's status and message, or what went wrong locally. */
export function describeApiError(error: unknown): string {
  if (error instanceof KubeApiError) return `HTTP ${error.status}${error.reason ? ` ${error.reason}` : ''}: ${error.message}`;
  if (error instanceof Error && error.name === 'AbortError') return 'cancelled before the API server answered';
  return error instanceof Error ? error.message : String(error);
}

export type PatchType = 'merge' | 'json';

export interface KubeRest {
  get(path: string, signal?: AbortSignal): Promise<JsonObject>;
  /** GET that answers undefined for 404. */
  find(path: string, signal?: AbortSignal): Promise<JsonObject | undefined>;
  list(path: string, query?: Record<string, string>, signal?: AbortSignal): Promise<JsonObject[]>;
  create(path: string, body: JsonObject, signal?: AbortSignal): Promise<JsonObject>;
  /** PUT: the whole object, with its metadata.resourceVersion so a concurrent change is a Conflict, not lost. */
  replace(path: string, body: JsonObject, signal?: AbortSignal): Promise<JsonObject>;
  patch(path: string, body: unknown, type?: PatchType, signal?: AbortSignal): Promise<JsonObject>;
  delete(path: string, options?: JsonObject, signal?: AbortSignal): Promise<JsonObject | undefined>;
  /** Whether the API server serves `group/version` with a resource of this plural name (discovery, cached). */
  serves(groupVersion: string, resource: string, signal?: AbortSignal): Promise<boolean>;
}

const clients = new WeakMap<KubeClient, KubeRest>();

/** The REST helper of a client, made once per client. */
export function kubeRest(client: KubeClient): KubeRest {
  let rest = clients.get(client);
  if (!rest) {
    rest = makeKubeRest(client);
    clients.set(client, rest);
  }
  return rest;
}

function makeKubeRest(client: KubeClient): KubeRest {
  // Discovery answers are kept a short while: a CRD installed while `kshield respond` runs is seen within DISCOVERY_TTL_MS.
  const discovery = new Map<string, { at: number; resources: Promise<Set<string> | undefined> }>();

  async function request(method: string, path: string, body?: unknown, contentType = 'application/json', signal?: AbortSignal): Promise<JsonObject | undefined> {
    const cluster = client.kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    const url = new URL(path, cluster.server);
    const options: https.RequestOptions = { method, headers: { Accept: 'application/json' } };
    await client.kc.applyToHTTPSOptions(options);
    const data = body === undefined ? undefined : JSON.stringify(body);
    if (data !== undefined) options.headers = { ...options.headers, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(data) };
    const transport = url.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
      const req = transport.request(url, { ...options, timeout: REQUEST_TIMEOUT_MS, signal }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            req.destroy(new Error(`${method} ${url.pathname}: the answer is larger than ${MAX_RESPONSE_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(parsed as JsonObject | undefined);
          const statusObject = (parsed ?? {}) as { message?: unknown; reason?: unknown };
          const message = typeof statusObject.message === 'string' ? statusObject.message : `${method} ${url.pathname} failed`;
          reject(new KubeApiError(status, typeof statusObject.reason === 'string' ? statusObject.reason : undefined, message));
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname}: no answer within ${REQUEST_TIMEOUT_MS / 1000}s`)));
      req.on('error', reject);
      req.end(data);
    });
  }

  const withQuery = (path: string, query: Record<string, string> | undefined): string => {
    const entries = Object.entries(query ?? {}).filter(([, v]) => v !== '');
    return entries.length === 0 ? path : `${path}?${new URLSearchParams(entries).toString()}`;
  };

  return {
    get: async (path, signal) => (await request('GET', path, undefined, undefined, signal)) ?? {},
    async find(path, signal) {
      try {
        return await request('GET', path, undefined, undefined, signal);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async list(path, query, signal) {
      const items: JsonObject[] = [];
      let next: string | undefined;
      // Paged so a namespace of thousands of pods is read in bounded pieces.
      for (let page = 0; page < 1000; page++) {
        const answer = (await request('GET', withQuery(path, { ...query, limit: '500', ...(next ? { continue: next } : {}) }), undefined, undefined, signal)) ?? {};
        for (const item of (answer.items as JsonObject[] | undefined) ?? []) items.push(item);
        next = ((answer.metadata as JsonObject | undefined)?.continue as string | undefined) || undefined;
        if (!next) break;
      }
      return items;
    },
    create: async (path, body, signal) => (await request('POST', path, body, 'application/json', signal)) ?? {},
    replace: async (path, body, signal) => (await request('PUT', path, body, 'application/json', signal)) ?? {},
    patch: async (path, body, type = 'merge', signal) =>
      (await request('PATCH', path, body, type === 'merge' ? 'application/merge-patch+json' : 'application/json-patch+json', signal)) ?? {},
    delete: (path, options, signal) => request('DELETE', path, options, 'application/json', signal),
    async serves(groupVersion, resource, signal) {
      const cached = discovery.get(groupVersion);
      let known = cached && Date.now() - cached.at < DISCOVERY_TTL_MS ? cached.resources : undefined;
      if (!known) {
        known = request('GET', groupVersion.includes('/') ? `/apis/${groupVersion}` : `/api/${groupVersion}`, undefined, undefined, signal).then(
          (list) => new Set(((list?.resources as JsonObject[] | undefined) ?? []).map((r) => String(r.name))),
          (error: unknown) => {
            discovery.delete(groupVersion);
            if (isNotFound(error)) return undefined;
            throw error;
          },
        );
        discovery.set(groupVersion, { at: Date.now(), resources: known });
      }
      return (await known)?.has(resource) ?? false;
    },
  };
}
