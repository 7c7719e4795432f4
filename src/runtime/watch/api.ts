/**
 * The few requests `kshield watch` makes to the API server, over the connection `loadKubeClient`
 * configures (kubeconfig, context or the pod's service account): a JSON request (lists, Events,
 * Leases) and a watch stream read line by line.
 *
 * Why loadKubeClient rather than sources/cluster.ts's `connect`: the watch runs for days, and
 * `connect` reads credentials once, while client-node reads the pod's projected service-account
 * token file again every minute (the kubelet rotates it; `kshield install watch` asks for a token
 * that expires after an hour) and runs exec plugins again when their credential expires. The
 * discovery and kind table of `kshield cluster` are reused through `asConnection()`.
 *
 * Why not client-node's `Watch`/`ListWatch`: its informer keeps every object whole (managedFields
 * and Secret values included) with no hook to keep less, and reports neither relists nor restarts;
 * its typed list calls would need one API class per kind. Authentication stays the library's: each
 * request asks the KubeConfig for its headers, so a service-account token the kubelet rotates, or
 * an exec plugin's, is picked up.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { JsonObject } from '../../core/types.js';
import type { Connection, GetResult } from '../../sources/cluster.js';

export interface ApiResponse {
  status: number;
  body: JsonObject | undefined;
}

/** Past this many bytes one watch line (one object) is refused: nothing the API server stores is that big (etcd's limit is 1.5 MiB). */
const MAX_LINE_BYTES = 8 * 1024 * 1024;
/** Past this many bytes a JSON answer (a list page) is refused. */
const MAX_BODY_BYTES = 256 * 1024 * 1024;

export class ApiError extends Error {}

export class ApiClient {
  readonly server: string;
  readonly context: string;
  private readonly base: URL;
  private readonly transport: typeof http | typeof https;
  private agent: http.Agent | undefined;

  constructor(
    private readonly kc: KubeConfig,
    private readonly timeoutMs: number,
  ) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new ApiError('the kubeconfig names no cluster for its current context');
    this.server = cluster.server.replace(/\/+$/, '');
    this.context = kc.getCurrentContext();
    this.base = new URL(this.server);
    this.transport = this.base.protocol === 'http:' ? http : https;
  }

  /** Headers (credentials) and, once, the agent (CA, client certificate) the library prepares. */
  private async options(): Promise<{ headers: Record<string, string>; agent?: http.Agent; auth?: string }> {
    const opts: https.RequestOptions = {};
    await this.kc.applyToHTTPSOptions(opts);
    if (this.transport === https) this.agent ??= opts.agent as http.Agent | undefined;
    return { headers: { ...(opts.headers as Record<string, string> | undefined) }, agent: this.transport === https ? this.agent : undefined, auth: opts.auth ?? undefined };
  }

  private url(pathAndQuery: string): URL {
    return new URL(this.base.pathname.replace(/\/$/, '') + pathAndQuery, this.base);
  }

  /** One request with a JSON body (or none); resolves with the status and the parsed answer. */
  async request(method: string, pathAndQuery: string, body?: unknown, contentType = 'application/json', accept = 'application/json'): Promise<ApiResponse> {
    const { headers, agent, auth } = await this.options();
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = this.transport.request(
        this.url(pathAndQuery),
        { method, agent, auth, headers: { ...headers, Accept: accept, 'User-Agent': 'kshield-watch', ...(data ? { 'Content-Type': contentType, 'Content-Length': String(data.length) } : {}) } },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY_BYTES) req.destroy(new ApiError(`${method} ${pathAndQuery}: the answer is larger than ${MAX_BODY_BYTES} bytes`));
            else chunks.push(c);
          });
          res.on('error', reject);
          res.on('end', () => {
            clearTimeout(timer);
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = text.trim() ? JSON.parse(text) : undefined;
            } catch {
              parsed = undefined;
            }
            resolve({ status: res.statusCode ?? 0, body: parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as JsonObject) : undefined });
          });
        },
      );
      const timer = setTimeout(() => req.destroy(new ApiError(`${method} ${pathAndQuery}: no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.end(data);
    });
  }

  /**
   * A watch: calls `onEvent` with each `{type, object}` line as it arrives; resolves when the server
   * ends the stream (the watch timed out, as it does every few minutes), rejects on a broken
   * connection or a status other than 200 (an `ApiError` with `status`). `signal` aborts it.
   * `accept` asks for another representation (metadata only: see METADATA_ONLY in reflector.ts).
   */
  async watch(pathAndQuery: string, onEvent: (event: JsonObject) => void, signal: AbortSignal, accept = 'application/json'): Promise<void> {
    const { headers, agent, auth } = await this.options();
    return new Promise((resolve, reject) => {
      if (signal.aborted) return resolve();
      const req = this.transport.request(this.url(pathAndQuery), { method: 'GET', agent, auth, headers: { ...headers, Accept: accept, 'User-Agent': 'kshield-watch' } }, (res) => {
        if (res.statusCode !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.length < 64 && chunks.push(c));
          res.on('end', () => {
            let message = '';
            try {
              message = String((JSON.parse(Buffer.concat(chunks).toString('utf8')) as JsonObject).message ?? '');
            } catch {
              // not a Status: the code says enough
            }
            reject(Object.assign(new ApiError(`HTTP ${res.statusCode}${message ? `: ${message.split('\n')[0]}` : ''}`), { status: res.statusCode }));
          });
          return;
        }
        // Lines are split on bytes, and decoded whole: a multi-byte character may straddle two chunks.
        let pending: Buffer[] = [];
        let pendingBytes = 0;
        res.on('data', (chunk: Buffer) => {
          let start = 0;
          for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
            pending.push(chunk.subarray(start, nl));
            const line = Buffer.concat(pending).toString('utf8');
            pending = [];
            pendingBytes = 0;
            start = nl + 1;
            if (line.trim() === '') continue;
            let event: unknown;
            try {
              event = JSON.parse(line);
            } catch {
              req.destroy(new ApiError('the watch stream sent a line that is not JSON'));
              return;
            }
            if (event && typeof event === 'object' && !Array.isArray(event)) onEvent(event as JsonObject);
          }
          if (start < chunk.length) {
            pending.push(chunk.subarray(start));
            pendingBytes += chunk.length - start;
            if (pendingBytes > MAX_LINE_BYTES) req.destroy(new ApiError(`a watch event larger than ${MAX_LINE_BYTES} bytes`));
          }
        });
        res.on('end', () => resolve());
        res.on('error', (err) => (signal.aborted ? resolve() : reject(err)));
      });
      const abort = (): void => {
        req.destroy();
        resolve();
      };
      signal.addEventListener('abort', abort, { once: true });
      req.on('close', () => signal.removeEventListener('abort', abort));
      req.on('error', (err) => (signal.aborted ? resolve() : reject(err)));
      req.end();
    });
  }

  /** The same client as sources/cluster.ts's Connection, for its discovery. */
  asConnection(): Connection {
    return {
      server: this.server,
      context: this.context,
      get: async (p: string): Promise<GetResult> => this.request('GET', p),
      close: () => this.close(),
    };
  }

  close(): void {
    this.agent?.destroy();
  }
}
