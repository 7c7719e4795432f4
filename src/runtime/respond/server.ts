/**
 * `kshield respond`'s HTTP(S) server.
 *
 *   POST <decoder.path>            alerts (Falco: /v1/alerts/falco, falcosidekick: /v1/alerts/falcosidekick,
 *                                  generic: /v1/alerts/generic, and whatever decoders are passed in);
 *                                  202 once decoded, the policy runs after; `?wait=true` answers 200 with
 *                                  every step's outcome once they ran
 *   GET  /v1/approvals             the chains held by `approve` steps
 *   POST /v1/approvals/ID          approve (body optional: {"by": "name"}); …/ID/reject drops them
 *   GET  /v1/alerts/ID             a recent alert, its steps, and the posture of its pod as it is now
 *                                  (authenticated as approvals are: whoever may approve may look)
 *   GET  /healthz, /readyz, /metrics  unauthenticated, for the kubelet and Prometheus
 *
 * Authentication: a bearer token (compared in constant time) or a client certificate signed by the
 * configured CA; when approver tokens are configured, only they may approve. A body is bounded in
 * size, JSON nesting and the time to send it; a body that is not JSON, too deep or not a valid
 * alert gets 400 and nothing of it is acted on (a batch is refused whole).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import tls, { type TLSSocket } from 'node:tls';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import { AlertInputError, type AlertDecoder, type RuntimeAlert } from '../alert.js';
import { METRICS_CONTENT_TYPE } from '../../admission/metrics.js';
import { ApprovalError, type ResponseEngine } from './engine.js';
import { postureBrief } from './alert-posture.js';

export interface RespondTls {
  cert: string | Buffer;
  key: string | Buffer;
  /** PEM of the CA whose client certificates authenticate a sender. */
  clientCa?: string | Buffer;
}

export interface RespondServerOptions {
  /** Absent: plain HTTP (the CLI allows it on loopback only, with an explicit flag). */
  tls?: RespondTls;
  /** Bearer tokens that may post alerts (and approve, unless approverTokens are given). */
  tokens: readonly string[];
  /** Bearer tokens that may approve; when given, the only ones that may. */
  approverTokens?: readonly string[];
  decoders: readonly AlertDecoder[];
  engine: ResponseEngine;
  log: Logger;
  /** Default 1 MiB; a decoder's own `maxBodyBytes` wins on its endpoint. */
  maxBodyBytes?: number;
  /** Deepest JSON nesting taken. Default 32 (Falco's alerts are 3 deep). */
  maxDepth?: number;
  /** Time a client has to send a whole request. Default 10 s. */
  requestTimeoutMs?: number;
  /** Alerts being handled at once before new posts get 503. Default 1000. */
  maxInFlight?: number;
}

const MAX_BODY_BYTES = 1024 * 1024;

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** Whether `given` is one of `known`: fixed-length digests compared in constant time, every entry compared. */
function tokenMatches(given: string | undefined, known: readonly Buffer[]): boolean {
  if (given === undefined) return false;
  const d = digest(given);
  let ok = false;
  for (const k of known) ok = timingSafeEqual(d, k) || ok;
  return ok;
}

/** JSON nesting deeper than `max` (arrays and objects), walked without recursion. */
export function tooDeep(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class RespondServer {
  readonly server: http.Server | https.Server;
  private readonly tokens: Buffer[];
  private readonly approverTokens: Buffer[] | undefined;
  private readonly routes: Map<string, AlertDecoder>;
  private inFlight = 0;
  private readonly background = new Set<Promise<unknown>>();
  private readonly sockets = new Set<Socket>();
  private closing = false;

  constructor(private readonly options: RespondServerOptions) {
    this.tokens = options.tokens.map(digest);
    this.approverTokens = options.approverTokens?.length ? options.approverTokens.map(digest) : undefined;
    this.routes = new Map(options.decoders.map((d) => [d.path, d]));
    const requestTimeout = options.requestTimeoutMs ?? 10_000;
    const common = {
      requestTimeout,
      headersTimeout: requestTimeout,
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(requestTimeout / 4))),
      keepAliveTimeout: 30_000,
      maxHeaderSize: 16 * 1024,
    };
    const handler = (req: IncomingMessage, res: ServerResponse): void => void this.handle(req, res);
    this.server = options.tls
      ? https.createServer(
          {
            ...common,
            cert: options.tls.cert,
            key: options.tls.key,
            minVersion: 'TLSv1.2',
            handshakeTimeout: Math.min(requestTimeout, 10_000),
            // A client certificate is asked for and checked, but its absence is not fatal: the sender may use a token.
            ...(options.tls.clientCa ? { ca: options.tls.clientCa, requestCert: true, rejectUnauthorized: false } : {}),
          },
          handler,
        )
      : http.createServer(common, handler);
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.server.on('clientError', (_err: Error, socket: Socket) => socket.destroy());
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** New serving certificate for new connections; throws (keeping the old one) when they do not make a pair. */
  setTls(cert: string | Buffer, key: string | Buffer): void {
    if (!(this.server instanceof https.Server)) return;
    tls.createSecureContext({ cert, key });
    this.server.setSecureContext({ cert, key, minVersion: 'TLSv1.2', ...(this.options.tls?.clientCa ? { ca: this.options.tls.clientCa, requestCert: true, rejectUnauthorized: false } : {}) });
  }

  /** Stops taking requests and waits (up to `deadlineMs`) for the alerts being handled. */
  async close(deadlineMs = 10_000): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.background]), new Promise((r) => (timer = setTimeout(r, deadlineMs)))]);
    clearTimeout(timer);
    for (const s of this.sockets) s.destroy();
    await closed;
    await this.options.engine.flush();
  }

  // -------------------------------------------------------------------------------------------

  /** Who is asking: "client certificate CN=…", "bearer token", or undefined (not authenticated) for the role. */
  private identity(req: IncomingMessage, role: 'alerts' | 'approve'): string | undefined {
    const header = req.headers.authorization;
    const token = header && /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    if (role === 'approve' && this.approverTokens) return tokenMatches(token, this.approverTokens) ? 'approver token' : undefined;
    if (tokenMatches(token, this.tokens)) return 'bearer token';
    const socket = req.socket as TLSSocket;
    if (this.options.tls?.clientCa && socket.authorized) {
      const cn = socket.getPeerCertificate()?.subject?.CN;
      return `client certificate${cn ? ` CN=${String(cn).slice(0, 64)}` : ''}`;
    }
    return undefined;
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.headersSent) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body) + '\n';
    res.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  private fail(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
    this.options.engine.metrics.badRequests.inc({ code: String(status) });
    this.send(res, status, { error: message }, headers);
  }

  private readBody(req: IncomingMessage, max = this.options.maxBodyBytes ?? MAX_BODY_BYTES): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > max) return reject(new HttpError(413, `the body is larger than ${max} bytes`));
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > max) {
          req.removeAllListeners('data');
          req.resume();
          reject(new HttpError(413, `the body is larger than ${max} bytes`));
        } else chunks.push(chunk);
      });
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', (err) => reject(new HttpError(400, `the body could not be read (${err.message})`)));
    });
  }

  private async readJson(req: IncomingMessage, optional = false, maxBodyBytes?: number): Promise<unknown> {
    const body = await this.readBody(req, maxBodyBytes);
    if (optional && body.length === 0) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch (err) {
      // A stack overflow on absurd nesting is a RangeError: still the sender's fault.
      throw new HttpError(400, err instanceof RangeError ? 'the JSON is nested too deeply' : `the body is not JSON: ${(err as Error).message.slice(0, 120)}`);
    }
    if (tooDeep(value, this.options.maxDepth ?? 32)) throw new HttpError(400, `the JSON is nested deeper than ${this.options.maxDepth ?? 32} levels`);
    return value;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://respond');
      const path = url.pathname;
      if (path === '/healthz' || path === '/readyz' || path === '/metrics') {
        if (req.method !== 'GET' && req.method !== 'HEAD') return this.fail(res, 405, `${path} takes GET`, { Allow: 'GET, HEAD' });
        req.resume();
        if (path === '/healthz') return this.send(res, 200, 'ok\n');
        // Not ready while closing: the Service stops sending alerts here.
        if (path === '/readyz') return this.closing ? this.send(res, 503, 'closing\n') : this.send(res, 200, 'ready\n');
        const text = this.options.engine.metrics.render();
        res.writeHead(200, { 'Content-Type': METRICS_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text) });
        return void res.end(text);
      }
      const decoder = this.routes.get(path);
      if (decoder) return await this.alerts(decoder, url, req, res);
      if (path === '/v1/approvals' || path.startsWith('/v1/approvals/')) return await this.approvals(path, req, res);
      const alertId = /^\/v1\/alerts\/([0-9a-f]{1,64})$/.exec(path);
      if (alertId) return this.alert(alertId[1], req, res);
      req.resume();
      this.fail(res, 404, `no such endpoint; alerts go to POST ${[...this.routes.keys()].join(', ')}`);
    } catch (err) {
      if (err instanceof HttpError) {
        req.resume();
        return this.fail(res, err.status, err.message, err.status === 413 ? { Connection: 'close' } : {});
      }
      this.options.log.error({ error: String((err as Error)?.message ?? err).slice(0, 300) }, 'request failed');
      this.fail(res, 500, 'internal error');
    }
  }

  private async alerts(decoder: AlertDecoder, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      req.resume();
      return this.fail(res, 405, `${decoder.path} takes POST`, { Allow: 'POST' });
    }
    if (!this.identity(req, 'alerts')) {
      req.resume();
      return this.fail(res, 401, 'authenticate with a bearer token or a client certificate', { 'WWW-Authenticate': 'Bearer' });
    }
    const body = await this.readJson(req, false, decoder.maxBodyBytes);
    let alerts: RuntimeAlert[];
    try {
      alerts = decoder.decode(body, new Date());
    } catch (err) {
      if (err instanceof AlertInputError) throw new HttpError(400, `not a valid ${decoder.source} alert: ${err.message}`);
      throw err;
    }
    const max = this.options.maxInFlight ?? 1000;
    if (this.inFlight + alerts.length > max) return this.fail(res, 503, `${this.inFlight} alerts are being handled; try again`, { 'Retry-After': '1' });
    this.inFlight += alerts.length;
    const run = Promise.all(
      alerts.map((alert) =>
        this.options.engine.handle(alert).finally(() => {
          this.inFlight--;
        }),
      ),
    );
    const tracked = run.catch((err: unknown) => this.options.log.error({ error: String((err as Error)?.message ?? err).slice(0, 300) }, 'alert handling failed'));
    this.background.add(tracked);
    void tracked.finally(() => this.background.delete(tracked));
    if (url.searchParams.get('wait') === 'true') {
      const responses = await run;
      return this.send(res, 200, { accepted: alerts.length, responses });
    }
    this.send(res, 202, { accepted: alerts.length, alerts: alerts.map((a) => a.id) });
  }

  /** GET /v1/alerts/ID: the alert as received (its output already redacted), its steps, its pod's posture now. */
  private alert(id: string, req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    if (req.method !== 'GET') return this.fail(res, 405, `/v1/alerts/${id} takes GET`, { Allow: 'GET' });
    if (!this.identity(req, 'approve')) return this.fail(res, 401, this.approverTokens ? 'reading alerts needs an approver token' : 'authenticate with a bearer token or a client certificate', { 'WWW-Authenticate': 'Bearer' });
    const engine = this.options.engine;
    const record = engine.alertRecord(id);
    if (!record) return this.fail(res, 404, `no recent alert ${id} (only the most recent alerts are kept)`);
    const posture = engine.postureOf(record.alert);
    // null: the alert names no pod.
    this.send(res, 200, { ...record, posture: posture ?? (engine.postureEnabled ? null : 'off: kshield respond runs with --no-posture') });
  }

  private async approvals(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const who = this.identity(req, 'approve');
    if (!who) {
      req.resume();
      return this.fail(res, 401, this.approverTokens ? 'approvals need an approver token' : 'authenticate with a bearer token or a client certificate', { 'WWW-Authenticate': 'Bearer' });
    }
    const engine = this.options.engine;
    if (path === '/v1/approvals') {
      req.resume();
      if (req.method !== 'GET') return this.fail(res, 405, '/v1/approvals takes GET', { Allow: 'GET' });
      return this.send(res, 200, {
        pending: engine.pending().map((p) => {
          // The blast radius in brief (GET /v1/alerts/ID has it whole).
          const posture = engine.postureOf(p.alert);
          return { ...p, alert: { id: p.alert.id, source: p.alert.source, rule: p.alert.rule, priority: p.alert.priority, time: p.alert.time, target: p.alert.target ?? null, output: p.alert.output }, ...(posture ? { posture: postureBrief(posture) } : {}) };
        }),
      });
    }
    const m = /^\/v1\/approvals\/([0-9a-f]{1,64})(\/reject)?$/.exec(path);
    if (!m) {
      req.resume();
      return this.fail(res, 404, 'approvals are POST /v1/approvals/ID or /v1/approvals/ID/reject');
    }
    if (req.method !== 'POST') {
      req.resume();
      return this.fail(res, 405, `${path} takes POST`, { Allow: 'POST' });
    }
    const body = await this.readJson(req, true);
    const claimed = body && typeof body === 'object' && typeof (body as { by?: unknown }).by === 'string' ? ((body as { by: string }).by.replace(/[^\w@.\- ]/g, '').slice(0, 100)) : '';
    const by = claimed ? `${claimed} (${who})` : who;
    try {
      const response = m[2] ? engine.reject(m[1], by) : await engine.approve(m[1], by);
      return this.send(res, 200, response);
    } catch (err) {
      if (err instanceof ApprovalError) return this.fail(res, err.status, err.message);
      throw err;
    }
  }
}
