/**
 * The HTTP(S) server of `kshield serve`: the page and its script and styles (no data, no
 * authentication needed), `/healthz`, and the JSON API behind a bearer token.
 *
 * Defences, each for a reason:
 * - credentials only in the Authorization header (no cookie is ever set), so a request another site
 *   makes the browser send carries none: cross-site request forgery has nothing to ride on;
 * - state-changing requests must be `application/json` (a cross-site form cannot send that without a
 *   CORS preflight, which is never answered with an Access-Control-Allow-* header) and, when the
 *   browser names an Origin, it must be this server's own;
 * - a Content-Security-Policy that allows only this server's own script, styles and images, no
 *   inline script, no frames; nosniff, no referrer, no caching of API answers;
 * - bodies bounded (`--max-import-size` for scan imports, 64 KiB for anything else), slow clients
 *   cut off by header and request timeouts;
 * - the OIDC sign-in's /auth/ paths (signin.ts) need no token but pass the same Origin and JSON
 *   checks, take 1 KiB bodies, and the callback's query (the authorization code) is never logged.
 */
import { jsonSyntaxError } from '../compliance/input.js';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Authenticator, Identity } from './auth.js';

export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
});

/** Bodies of requests other than a scan import. */
export const SMALL_BODY_LIMIT = 64 * 1024;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface RequestContext {
  method: string;
  url: URL;
  params: string[];
  identity: Identity;
  /** The JSON body of a POST, parsed (bounded by the route's limit). */
  body: unknown;
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  path: RegExp;
  /** Largest body accepted (POST); default SMALL_BODY_LIMIT. */
  maxBody?: number;
  handle(context: RequestContext): Promise<unknown> | unknown;
}

export interface StaticAsset {
  type: string;
  body: string | Buffer;
}

export interface DashboardServerOptions {
  host: string;
  port: number;
  tls?: { cert: string | Buffer; key: string | Buffer };
  auth: Authenticator;
  routes: Route[];
  /** Unauthenticated assets by path: the page, its script and styles. */
  assets: ReadonlyMap<string, StaticAsset>;
  /** One line per refused or failed request (never a token). */
  log?: (line: string) => void;
  /** /readyz: resolves when the server can answer (its database reachable). */
  ready?: () => Promise<unknown>;
  /** OIDC browser sign-in (src/serve/signin.ts) under /auth/; none: /auth/config says so. */
  signIn?: SignInEndpoints;
}

/** The sign-in's endpoints, unauthenticated by nature; failures are HttpErrors. */
export interface SignInEndpoints {
  config(): unknown;
  start(body: unknown): Promise<unknown>;
  /** Resolves with the address to send the browser to. */
  callback(query: URLSearchParams): Promise<string>;
  redeem(body: unknown): unknown;
}

/** Bodies of the sign-in's POSTs: one binding value. */
const SIGN_IN_BODY_LIMIT = 1024;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page a failed sign-in ends on: what went wrong, and the way back (no script needed). */
function signInErrorPage(message: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign-in failed · kshield</title><link rel="stylesheet" href="/ui/app.css"><link rel="icon" href="data:,"></head>
<body>
<header class="top"><a class="brand" href="/">kshield</a></header>
<main><div class="card login" id="signin-error"><h1>Sign-in failed</h1><p class="error" id="signin-reason">${escapeHtml(message)}</p><p><a href="/" id="signin-again">Sign in again</a></p></div></main>
</body>
</html>
`;
}

function send(res: http.ServerResponse, status: number, body: string | Buffer, type: string, extra: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), ...extra });
  res.end(body);
}

function sendJson(res: http.ServerResponse, status: number, value: unknown, extra: Record<string, string> = {}): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8', { 'Cache-Control': 'no-store', ...extra });
}

/** The body, refused with 413 as soon as it passes `limit` bytes (declared or received). */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 'NaN');
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new HttpError(413, `the body is larger than the limit of ${limit} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        reject(new HttpError(413, `the body is larger than the limit of ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** How much of a refused body is read and dropped, at most, so that the client sees the answer. */
const DISCARD_LIMIT = 16 * 1024 * 1024;

function discard(req: http.IncomingMessage, limit: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const done = (): void => {
      req.off('data', onData);
      resolve();
    };
    const onData = (chunk: Buffer): void => {
      seen += chunk.length;
      if (seen > limit) done();
    };
    req.on('data', onData);
    req.once('end', done);
    req.once('error', done);
    req.once('close', done);
    req.resume();
  });
}

/** The origin this request was addressed to, as a browser would write it in Origin. */
function ownOrigin(req: http.IncomingMessage, secure: boolean): string | undefined {
  const host = req.headers.host;
  return host ? `${secure ? 'https' : 'http'}://${host}` : undefined;
}

export class DashboardServer {
  private readonly server: http.Server;
  private readonly secure: boolean;

  constructor(private readonly options: DashboardServerOptions) {
    this.secure = options.tls !== undefined;
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      this.handle(req, res).catch((error: unknown) => {
        this.options.log?.(`${req.method} ${req.url?.split('?')[0]}: internal error: ${(error as Error).message}`);
        sendJson(res, 500, { error: 'internal error' });
      });
    };
    this.server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' }, handler) : http.createServer(handler);
    this.server.headersTimeout = 20_000;
    this.server.requestTimeout = 300_000;
    this.server.keepAliveTimeout = 5_000;
  }

  async listen(): Promise<{ url: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const port = (this.server.address() as AddressInfo).port;
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    return { url: `${this.secure ? 'https' : 'http'}://${host}:${port}`, port };
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** A request that changes something: from this server's own pages (Origin), and JSON (no cross-site form can send it). */
  private checkWrite(req: http.IncomingMessage, method: string): void {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== ownOrigin(req, this.secure)) throw new HttpError(403, `requests from origin ${origin} are refused: only this server's own pages may change data`);
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (method === 'POST' && type !== 'application/json') throw new HttpError(415, 'send the body as Content-Type: application/json');
  }

  /**
   * /auth/*: the sign-in. Its POSTs pass the same Origin and JSON checks as the API's writes; the
   * callback answers with a redirect or an error page. Only paths are logged: the callback's query
   * holds the authorization code.
   */
  private async handleSignIn(req: http.IncomingMessage, res: http.ServerResponse, method: string, url: URL): Promise<void> {
    const signIn = this.options.signIn;
    const where = `${method} ${url.pathname}`;
    try {
      if (url.pathname === '/auth/config' && method === 'GET') return sendJson(res, 200, { oidc: signIn ? signIn.config() : null });
      if (!signIn) throw new HttpError(404, 'OIDC sign-in is not configured: start kshield serve with --oidc-client-id');
      if (url.pathname === '/auth/callback' && method === 'GET') {
        try {
          const target = await signIn.callback(url.searchParams);
          res.writeHead(303, { ...SECURITY_HEADERS, Location: target, 'Cache-Control': 'no-store', 'Content-Length': '0' });
          res.end();
        } catch (error) {
          if (!(error instanceof HttpError)) throw error;
          this.options.log?.(`${where}: ${error.status} sign-in refused: ${error.message}`);
          send(res, error.status, signInErrorPage(error.message), 'text/html; charset=utf-8', { 'Cache-Control': 'no-store' });
        }
        return;
      }
      const post = { '/auth/start': (b: unknown) => signIn.start(b), '/auth/redeem': (b: unknown) => signIn.redeem(b) }[url.pathname];
      if (!post) throw new HttpError(404, `no such sign-in path: ${url.pathname}`);
      if (method !== 'POST') throw new HttpError(405, `${method} is not allowed on ${url.pathname}`, { Allow: 'POST' });
      this.checkWrite(req, method);
      const raw = await readBody(req, SIGN_IN_BODY_LIMIT);
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new HttpError(400, 'the body is not JSON');
      }
      sendJson(res, 200, await post(body));
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      this.options.log?.(`${where}: ${error.status} ${error.message}`);
      if (method !== 'GET' && !req.readableEnded) {
        await discard(req, SIGN_IN_BODY_LIMIT * 64);
        sendJson(res, error.status, { error: error.message }, { ...error.headers, Connection: 'close' });
        if (!req.readableEnded) req.destroy();
        return;
      }
      sendJson(res, error.status, { error: error.message }, error.headers);
    }
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://kshield.invalid');
    } catch {
      return sendJson(res, 400, { error: 'the request target is not a URL path' });
    }
    if (this.secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
    if (url.pathname.startsWith('/auth/')) return this.handleSignIn(req, res, method, url);
    if (!url.pathname.startsWith('/api/')) {
      if (method !== 'GET' && method !== 'HEAD') return sendJson(res, 405, { error: `${method} is not allowed here` }, { Allow: 'GET' });
      if (url.pathname === '/healthz') return send(res, 200, 'ok\n', 'text/plain; charset=utf-8', { 'Cache-Control': 'no-store' });
      if (url.pathname === '/readyz') {
        const problem = this.options.ready ? await this.options.ready().then(() => undefined, (error: Error) => error.message) : undefined;
        if (problem) this.options.log?.(`not ready: ${problem}`);
        return send(res, problem ? 503 : 200, problem ? 'the database does not answer\n' : 'ok\n', 'text/plain; charset=utf-8', { 'Cache-Control': 'no-store' });
      }
      const asset = this.options.assets.get(url.pathname);
      if (!asset) return send(res, 404, 'not found\n', 'text/plain; charset=utf-8');
      return send(res, 200, asset.body, asset.type, { 'Cache-Control': 'no-cache' });
    }

    const route = this.options.routes.find((r) => r.path.test(url.pathname) && r.method === method);
    if (!route) {
      const other = this.options.routes.filter((r) => r.path.test(url.pathname)).map((r) => r.method);
      if (other.length > 0) return sendJson(res, 405, { error: `${method} is not allowed on ${url.pathname}` }, { Allow: other.join(', ') });
      return sendJson(res, 404, { error: `no such API: ${url.pathname}` });
    }
    const auth = await this.options.auth.authenticate(req.headers.authorization);
    if (!auth.ok) {
      this.options.log?.(`${method} ${url.pathname}: 401 ${auth.reason}`);
      return sendJson(res, 401, { error: `authentication required: ${auth.reason}` }, { 'WWW-Authenticate': 'Bearer realm="kshield"' });
    }
    let body: unknown;
    try {
      if (method !== 'GET') {
        this.checkWrite(req, method);
        const raw = await readBody(req, route.maxBody ?? SMALL_BODY_LIMIT);
        if (method === 'POST') {
          const text = raw.toString('utf8');
          try {
            body = JSON.parse(text);
          } catch (error) {
            // Where, never the text around it: a body is not echoed into the answer or the log.
            throw new HttpError(400, `the body is ${jsonSyntaxError(text, error)}`);
          }
        }
      }
      const params = route.path.exec(url.pathname)!.slice(1).map((p) => decodeURIComponent(p));
      const result = await route.handle({ method, url, params, identity: auth.identity, body });
      sendJson(res, method === 'POST' ? 201 : 200, result);
    } catch (error) {
      if (error instanceof HttpError) {
        if (error.status >= 400) this.options.log?.(`${method} ${url.pathname}: ${error.status} ${error.message}`);
        // A body refused unread is read and dropped (up to a bound) before answering, so the client
        // gets the answer rather than a connection reset; the connection is then closed.
        if (method !== 'GET' && !req.readableEnded) {
          await discard(req, DISCARD_LIMIT);
          sendJson(res, error.status, { error: error.message }, { ...error.headers, Connection: 'close' });
          if (!req.readableEnded) req.destroy();
          return;
        }
        sendJson(res, error.status, { error: error.message }, error.headers);
        return;
      }
      throw error;
    }
  }
}
