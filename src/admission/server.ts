/**
 * The webhook's HTTPS server: POST /validate and /mutate take AdmissionReviews; GET /healthz,
 * /readyz and /metrics serve the kubelet and Prometheus. Every request is bounded (body size,
 * time to send it, TLS handshake), every failure becomes an HTTP answer for that request only, and
 * nothing from the object reaches a log line or an error: logs carry the request's identity
 * (uid, kind, namespace/name, operation) and rule ids.
 */
import https from 'node:https';
import tls from 'node:tls';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import type { KshieldConfig } from '../config/config-file.js';
import { webhookConfigFrom, exemptNamespaceNames, needsNamespaceLabels } from './config.js';
import { VerificationCache } from './signature-cache.js';
import { checkImageSignatures, rulesFor, type SignatureCheck, type SignatureVerdict } from './signatures.js';
import { containerCount, decide, isControllerRequest, MAX_CONTAINERS_PER_OBJECT, namespaceExemption, namespaceToMatch, prepareAdmission, type Decision, type FindingOutcome, type NamespaceLabels, type PreparedAdmission } from './decide.js';
import { capWarnings, cut, oneLine } from './format.js';
import { kindLabel, METRICS_CONTENT_TYPE, WebhookMetrics } from './metrics.js';
import { mutationPatch, podTemplatesUnchanged } from './mutate.js';
import type { NamespaceLabelSource } from './namespaces.js';
import { podKeyring, podPullSecrets, type PullKeyring, type PullSecretReader } from './pull-secrets.js';
import { podSpecs } from '../k8s/pods.js';
import { encodePatch, parseReview, reviewResponse, ReviewError, statusBody, type AdmissionRequest, type AdmissionResponse } from './review.js';
import type { DigestResolver, WebhookConfig } from '../config/webhook.js';
import { parseImageReference } from '../k8s/images.js';
import { imageClients, resolveWithEach } from './registry-client.js';
import { rules as catalogue } from '../rules/index.js';
import { withCacheScope } from '../core/scoped-cache.js';

/** The API server's own limit on a request body (and so on the object in a review). */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

let kindsOfRules: ReadonlySet<string> | undefined;

/** The kinds some kshield rule judges or reads: their requests keep their own `kind` label. */
function ruleKinds(): ReadonlySet<string> {
  kindsOfRules ??= new Set(catalogue.flatMap((rule) => [...(Array.isArray(rule.appliesTo) ? rule.appliesTo : []), ...(rule.reads ?? [])]).filter((kind) => /^[A-Z][A-Za-z0-9]*$/.test(kind)));
  return kindsOfRules;
}

/** Everything a configuration decides, swapped as one value on reload: a request uses the one it started with. */
export interface WebhookState {
  config: WebhookConfig;
  prepared: PreparedAdmission;
  /** The configuration file, when there is one. */
  file?: string;
  loadedAt: Date;
}

export function buildState(kshield: KshieldConfig | undefined): WebhookState {
  return { config: webhookConfigFrom(kshield), prepared: prepareAdmission(kshield), file: kshield?.file, loadedAt: new Date() };
}

export interface WebhookServerOptions {
  cert: string | Buffer;
  key: string | Buffer;
  state: WebhookState;
  logger: Logger;
  /** The namespace the webhook runs in: exempt unless `exemptDefaults: false`. */
  ownNamespace?: string;
  /** Namespace labels for `exemptNamespaceSelector`; without it a selector cannot be matched (see namespaceLookupFailure). */
  namespaces?: NamespaceLabelSource;
  /** Reads pods' pull secrets and service accounts, for `registries.pullSecrets`. */
  pullSecrets?: PullSecretReader;
  maxBodyBytes?: number;
  /** Time a client has to send a whole request. Default 10 s (the API server's default webhook timeout). */
  requestTimeoutMs?: number;
  /** Time a client has to complete the TLS handshake. Default: the request timeout, at most 10 s. */
  handshakeTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open between requests. Default 30 s. */
  keepAliveTimeoutMs?: number;
  /** Time a review may wait for namespace labels. Default 2 s. */
  namespaceLookupTimeoutMs?: number;
  /** Time the mutation (digest resolution included) may take. Default 8 s. */
  mutationTimeoutMs?: number;
  /** The clock of the signature verdict cache (tests). */
  now?: () => number;
}

type Endpoint = 'validate' | 'mutate';

export class WebhookServer {
  readonly metrics = new WebhookMetrics();
  readonly server: https.Server;
  private state: WebhookState;
  private draining = false;
  private inFlight = 0;
  private idle: (() => void)[] = [];
  /** Every TCP connection, from accept to close, TLS handshake or not: the drain deadline cuts them all. */
  private readonly sockets = new Set<Socket>();
  /** Connections whose TLS handshake completed: only they can be answered in HTTP. */
  private readonly secured = new WeakSet<Socket>();
  /** Connections with a request whose headers have arrived and whose answer is not finished. */
  private readonly answering = new WeakSet<Socket>();
  private tlsLoadedAt = new Date();
  private lastReloadError: { config?: string; tls?: string } = {};
  private readonly log: Logger;
  private readonly maxBodyBytes: number;
  private namespaces: NamespaceLabelSource | undefined;
  private pullSecrets: PullSecretReader | undefined;
  private deferred: (() => void)[] = [];
  /** Signature verdicts by image digest and policy version; survives reloads (a changed policy has a new version). */
  private signatureCache: VerificationCache<SignatureVerdict>;

  constructor(private readonly options: WebhookServerOptions) {
    this.state = options.state;
    this.signatureCache = this.newSignatureCache(options.state);
    this.namespaces = options.namespaces;
    this.pullSecrets = options.pullSecrets;
    this.log = options.logger;
    this.maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
    const requestTimeout = options.requestTimeoutMs ?? 10_000;
    this.server = https.createServer(
      {
        cert: options.cert,
        key: options.key,
        minVersion: 'TLSv1.2',
        // The API server's handshake takes milliseconds; a connection that has not finished it by
        // the time a whole request is due is not the API server (Node's default is 120 s).
        handshakeTimeout: options.handshakeTimeoutMs ?? Math.min(requestTimeout, 10_000),
        // After the handshake: the whole request, headers included, within the request timeout
        // (Node requires headersTimeout <= requestTimeout); an idle connection is otherwise never cut.
        requestTimeout,
        headersTimeout: requestTimeout,
        // Timeouts are checked on this interval; Node's default (30 s) would let a slow client hold
        // a connection three times longer than requestTimeout.
        connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(requestTimeout / 4))),
        // The API server reuses connections (Go keeps idle ones 90 s): 30 s saves it a handshake per
        // review under steady load without letting idle clients pile up. Announced in Keep-Alive.
        keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
      },
      (req, res) => this.handle(req, res),
    );
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.server.on('secureConnection', (socket: tls.TLSSocket) => {
      this.secured.add(socket);
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      // Malformed HTTP, a client that sent nothing in time, or (forwarded by https.Server) a TLS
      // handshake that failed or timed out. Before the handshake there is no one to answer in HTTP:
      // writing would wait for a handshake that never comes and keep the connection open forever.
      this.log.debug({ code: err.code }, 'client connection error');
      if (!this.secured.has(socket) || !socket.writable || socket.destroyed) return void socket.destroy();
      const [code, message] =
        err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'the request was not received in time']
          : err.code === 'HPE_HEADER_OVERFLOW'
            ? [431, 'request headers are too large']
            : [400, 'malformed HTTP request'];
      this.metrics.badRequests.inc({ code: String(code) });
      const body = JSON.stringify(statusBody(code, message)) + '\n';
      socket.end(`HTTP/1.1 ${code} ${STATUS_CODES[code]}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      // A client that does not read its answer must not hold the connection either.
      setTimeout(() => socket.destroy(), 1000).unref();
    });
    this.metrics.ready.set({}, 1);
  }

  listen(port: number, host = '0.0.0.0'): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  get current(): WebhookState {
    return this.state;
  }

  /** A new configuration for the requests that start from now on. */
  setState(state: WebhookState): void {
    const [was, now] = [this.state.config.imagePolicy.cache, state.config.imagePolicy.cache];
    if (was.maxEntries !== now.maxEntries || was.successTtlMs !== now.successTtlMs || was.failureTtlMs !== now.failureTtlMs || was.maxConcurrent !== now.maxConcurrent) this.signatureCache = this.newSignatureCache(state);
    this.state = state;
    this.lastReloadError.config = undefined;
  }

  private newSignatureCache(state: WebhookState): VerificationCache<SignatureVerdict> {
    return new VerificationCache<SignatureVerdict>({ ...state.config.imagePolicy.cache, ...(this.options.now ? { now: this.options.now } : {}) }, (verdict) => verdict.status === 'verified');
  }

  /** Namespace labels for `exemptNamespaceSelector`, started when a configuration first needs them. */
  setNamespaceSource(source: NamespaceLabelSource): void {
    this.namespaces = source;
  }

  /** The reader of pods' pull secrets, started when a configuration first sets `registries.pullSecrets`. */
  setPullSecretReader(reader: PullSecretReader): void {
    this.pullSecrets = reader;
  }

  /**
   * The pod's pull-secret credentials when `registries.pullSecrets` is on (read per review, within
   * its deadline). What could not be read is logged by Secret name and reason only; the review goes
   * on with the other credentials, as the kubelet does.
   */
  private async podKeyringFor(request: AdmissionRequest, kind: string, apiVersion: string, state: WebhookState, signal: AbortSignal): Promise<PullKeyring | undefined> {
    if (state.config.registries.pullSecrets !== true || !request.object || !request.namespace) return undefined;
    if (!this.pullSecrets) {
      this.log.warn({ namespace: request.namespace }, 'registries.pullSecrets is on but kshield has no Kubernetes API access; the pod\'s pull secrets are not used');
      return undefined;
    }
    const specs = withCacheScope(() => podSpecs({ kind, apiVersion, object: request.object! })).map((pod) => podPullSecrets(pod.spec));
    if (specs.length === 0) return undefined;
    try {
      const keyring = await podKeyring(request.namespace, specs, this.pullSecrets, signal);
      if (keyring.skipped.length > 0) this.log.info({ namespace: request.namespace, skipped: keyring.skipped }, 'pull secrets not used');
      return keyring;
    } catch (err) {
      // Not expected (every read catches its own errors); the webhook's own credentials still apply.
      this.log.warn({ namespace: request.namespace, err: err instanceof Error ? err.name : 'error' }, 'pull secrets could not be read');
      return undefined;
    }
  }

  noteReloadError(what: 'config' | 'tls', message: string): void {
    this.lastReloadError[what] = message;
  }

  /** New serving certificate for new connections; throws (keeping the old one) when cert and key do not make a usable pair. */
  setTls(cert: string | Buffer, key: string | Buffer): void {
    tls.createSecureContext({ cert, key });
    this.server.setSecureContext({ cert, key, minVersion: 'TLSv1.2' });
    this.tlsLoadedAt = new Date();
    this.lastReloadError.tls = undefined;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** /readyz answers 503 from now on, so the Service stops routing here; requests are still served. */
  beginDrain(): void {
    this.draining = true;
    this.metrics.ready.set({}, 0);
  }

  /**
   * Stops accepting connections, lets requests in flight finish, and closes idle keep-alive
   * connections; after `deadlineMs` the rest are cut. Resolves with whether any had to be cut.
   */
  async close(deadlineMs: number): Promise<{ forced: boolean }> {
    this.beginDrain();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    // A connection without a request under way (idle, still in its handshake, or still sending
    // headers, slowly or never) has nothing to finish: it would only hold the drain to its deadline.
    // (A TLS connection is two sockets here, the TCP one under the TLSSocket: both are spared.)
    const busy = new Set<Socket>();
    for (const socket of this.sockets) {
      if (!this.answering.has(socket)) continue;
      busy.add(socket);
      const under = (socket as Socket & { _parent?: Socket })._parent;
      if (under) busy.add(under);
    }
    for (const socket of this.sockets) if (!busy.has(socket)) socket.destroy();
    const finished = this.inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => this.idle.push(resolve));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), deadlineMs);
    });
    const outcome = await Promise.race([finished.then(() => 'done' as const), deadline]);
    clearTimeout(timer);
    this.server.closeAllConnections();
    // closeAllConnections knows only connections that reached HTTP: one still in (or never
    // starting) its TLS handshake would keep the server, and the process, open.
    for (const socket of this.sockets) socket.destroy();
    await closed;
    await this.namespaces?.close();
    return { forced: outcome === 'deadline' };
  }

  // -------------------------------------------------------------------------------------------
  // Routing

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const started = process.hrtime.bigint();
    this.inFlight++;
    let counted = true;
    const done = (): void => {
      if (!counted) return;
      counted = false;
      this.inFlight--;
      if (this.inFlight === 0) {
        const waiting = this.idle;
        this.idle = [];
        for (const w of waiting) w();
      }
    };
    const socket = req.socket;
    this.answering.add(socket);
    res.once('close', () => this.answering.delete(socket));
    res.on('close', done);
    res.on('finish', done);
    if (this.draining) res.setHeader('Connection', 'close');
    try {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/validate' || path === '/mutate') {
        if (req.method !== 'POST') return this.fail(res, 405, `${path} takes POST (an AdmissionReview), not ${req.method}`, { Allow: 'POST' });
        void this.review(path.slice(1) as Endpoint, req, res, started).catch((err: unknown) => this.internalError(res, err));
        return;
      }
      if (path === '/healthz' || path === '/readyz' || path === '/metrics') {
        if (req.method !== 'GET' && req.method !== 'HEAD') return this.fail(res, 405, `${path} takes GET, not ${req.method}`, { Allow: 'GET, HEAD' });
        req.resume();
        if (path === '/healthz') return this.send(res, 200, 'text/plain; charset=utf-8', 'ok\n');
        if (path === '/readyz') return this.readyz(res);
        const load = this.signatureCache.load;
        this.metrics.signatureVerificationsRunning.set({ state: 'running' }, load.running);
        this.metrics.signatureVerificationsRunning.set({ state: 'waiting' }, load.waiting);
        return this.send(res, 200, METRICS_CONTENT_TYPE, this.metrics.render());
      }
      this.fail(res, 404, `no such endpoint ${JSON.stringify(path.slice(0, 60))}: kshield serves POST /validate, POST /mutate, GET /healthz, /readyz, /metrics`);
    } catch (err) {
      this.internalError(res, err);
    }
  }

  private readyz(res: ServerResponse): void {
    const s = this.state;
    const details = {
      ready: !this.draining,
      draining: this.draining,
      config: { file: s.file ?? null, loadedAt: s.loadedAt.toISOString(), lastReloadError: this.lastReloadError.config ?? null },
      tls: { loadedAt: this.tlsLoadedAt.toISOString(), lastReloadError: this.lastReloadError.tls ?? null },
      rules: { evaluated: s.prepared.rules.length, notEnforcedAtAdmission: s.prepared.skipped },
      namespaceCache: this.namespaces?.status() ?? null,
    };
    this.send(res, this.draining ? 503 : 200, 'application/json', JSON.stringify(details) + '\n');
  }

  private send(res: ServerResponse, code: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
    // The client may have gone while the review was judged: nothing to answer.
    if (res.headersSent || res.destroyed || res.writableEnded) return;
    res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...headers });
    res.end(body);
  }

  private fail(res: ServerResponse, code: number, message: string, headers: Record<string, string> = {}): void {
    this.metrics.badRequests.inc({ code: String(code) });
    this.send(res, code, 'application/json', JSON.stringify(statusBody(code, message)) + '\n', headers);
  }

  private internalError(res: ServerResponse, err: unknown): void {
    try {
      // The stack names kshield's code, never the object.
      this.log.error({ err: { type: (err as Error)?.name, stack: (err as Error)?.stack?.split('\n').filter((l) => l.trimStart().startsWith('at ')).join('\n') } }, 'internal error');
      this.metrics.responses.inc({ endpoint: 'any', result: 'error' });
      this.fail(res, 500, 'kshield failed to evaluate the request (see its log); the API server applies the webhook failurePolicy');
    } catch {
      // Answering failed too (the connection is gone): nothing else to do for this request.
      res.destroy();
    }
  }

  /**
   * Work that can wait until the answers ready now are on their way (the per-review log line):
   * run once the event loop has handled the requests that arrived with this one, so a burst is
   * answered first and logged after.
   */
  private afterAnswers(work: () => void): void {
    this.deferred.push(work);
    if (this.deferred.length > 1) return;
    setImmediate(() => {
      const batch = this.deferred;
      this.deferred = [];
      for (const w of batch) {
        try {
          w();
        } catch (err) {
          this.log.error({ err: { type: (err as Error)?.name } }, 'deferred logging failed');
        }
      }
    });
  }

  // -------------------------------------------------------------------------------------------
  // Reviews

  /** Reads the body up to the limit; undefined when the request was answered (too large) or went away. */
  private readBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
    const limit = this.maxBodyBytes;
    const tooLarge = (): void => {
      // Answer and hang up: reading the rest only to throw it away would let a client keep us busy.
      res.setHeader('Connection', 'close');
      this.fail(res, 413, `request body is larger than ${limit} bytes (the API server's own limit on an object is 3 MiB)`);
      res.once('finish', () => req.socket.destroy());
    };
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      tooLarge();
      return Promise.resolve(undefined);
    }
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      const finish = (value: Buffer | undefined): void => {
        if (settled) return;
        settled = true;
        resolve(value);
      };
      req.on('data', (chunk: Buffer) => {
        if (settled) return;
        size += chunk.length;
        if (size > limit) {
          req.pause();
          tooLarge();
          finish(undefined);
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => finish(Buffer.concat(chunks, size)));
      req.on('error', () => finish(undefined));
      req.on('close', () => finish(undefined));
    });
  }

  private async review(endpoint: Endpoint, req: IncomingMessage, res: ServerResponse, started: bigint): Promise<void> {
    const contentType = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (contentType !== 'application/json') {
      res.setHeader('Connection', 'close');
      this.fail(res, 415, `Content-Type must be application/json (an AdmissionReview), got ${contentType ? JSON.stringify(contentType.slice(0, 60)) : 'none'}`);
      res.once('finish', () => req.socket.destroy());
      return;
    }
    const body = await this.readBody(req, res);
    if (!body || res.headersSent || res.destroyed) return;
    let request: AdmissionRequest;
    try {
      request = parseReview(body);
    } catch (err) {
      if (!(err instanceof ReviewError)) throw err;
      this.log.warn({ endpoint, error: err.message }, 'bad admission review');
      this.fail(res, err.httpStatus, err.message);
      return;
    }
    const state = this.state;
    this.metrics.requests.inc({ endpoint, operation: request.operation, kind: kindLabel(request.kind.group, request.kind.kind, ruleKinds()), dry_run: String(request.dryRun) });
    const response = endpoint === 'validate' ? await this.validate(request, state, started) : await this.mutate(request, state, started);
    const text = JSON.stringify(reviewResponse(response));
    this.send(res, 200, 'application/json', text);
    this.metrics.duration.observe({ endpoint }, Number(process.hrtime.bigint() - started) / 1e9);
  }

  private identity(request: AdmissionRequest): Record<string, unknown> {
    const metadata = request.object?.metadata as Record<string, unknown> | undefined;
    const generateName = typeof metadata?.generateName === 'string' ? metadata.generateName : undefined;
    return {
      uid: request.uid,
      operation: request.operation,
      kind: request.kind.group ? `${request.kind.kind}.${request.kind.group}` : request.kind.kind,
      namespace: request.namespace ?? null,
      name: request.name ?? (generateName ? `${generateName}*` : null),
      subResource: request.subResource ?? undefined,
      user: request.userInfo?.username,
      dryRun: request.dryRun,
    };
  }

  private async namespaceLabels(request: AdmissionRequest, state: WebhookState): Promise<NamespaceLabels | undefined> {
    const config = state.config;
    if (!needsNamespaceLabels(config)) return undefined;
    if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return undefined;
    if (request.subResource !== undefined && request.subResource !== 'ephemeralcontainers') return undefined;
    const namespace = namespaceToMatch(request);
    if (namespace === undefined || (request.kind.kind === 'Namespace' && request.kind.group === '')) return undefined;
    if (exemptNamespaceNames(config, this.options.ownNamespace).has(namespace)) return undefined;
    if (!this.namespaces) return { unavailable: 'kshield has no Kubernetes API access to read namespace labels' };
    return this.namespaces.lookup(namespace, this.options.namespaceLookupTimeoutMs ?? 2000);
  }

  private async validate(request: AdmissionRequest, state: WebhookState, started: bigint): Promise<AdmissionResponse> {
    const labels = await this.namespaceLabels(request, state);
    const decision = decide(request, { config: state.config, prepared: state.prepared, ownNamespace: this.options.ownNamespace, namespaceLabels: labels });
    const signatures = await this.checkSignatures(request, state, decision, labels);
    if (signatures && signatures.refusals.length > 0) {
      decision.allowed = false;
      decision.status = { code: 403, message: signatureDenial(request, signatures.refusals) };
    }
    if (signatures && signatures.warnings.length > 0) decision.warnings = capWarnings([...signatures.warnings.map((w) => ({ text: cut(oneLine(w), 256), rule: 'signature' })), ...decision.warnings.map((w) => ({ text: w, rule: 'finding' }))]);
    const dryRun = String(request.dryRun);
    for (const j of decision.findings) this.metrics.decisions.inc({ rule: j.finding.rule, action: j.action, outcome: j.outcome, dry_run: dryRun });
    const result = !decision.allowed ? 'denied' : decision.reason === 'judged' ? 'allowed' : decision.reason.startsWith('exempt') ? 'exempt' : 'skipped';
    this.metrics.responses.inc({ endpoint: 'validate', result });
    const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
    this.afterAnswers(() => this.logDecision(request, decision, labels, latencyMs, signatures));
    const response: AdmissionResponse = { uid: request.uid, allowed: decision.allowed, warnings: decision.warnings };
    if (decision.status) response.status = decision.status;
    return response;
  }

  /**
   * The signature rules, for an object admitted so far (one already refused needs no registry
   * round trip) and judged: not for exempt namespaces, and not for objects Kubernetes' controllers
   * create for an owner judged at its own level (controllerPods: audit), whose images are the owner's.
   */
  private async checkSignatures(request: AdmissionRequest, state: WebhookState, decision: Decision, labels: NamespaceLabels | undefined): Promise<SignatureCheck | undefined> {
    const policy = state.config.imagePolicy;
    if (policy.requireSignature.length === 0 || !decision.allowed || decision.reason !== 'judged' || decision.controllerRequest || !request.object) return undefined;
    const apiVersion = request.kind.group ? `${request.kind.group}/${request.kind.version}` : request.kind.version;
    const kind = typeof request.object.kind === 'string' ? request.object.kind : request.kind.kind;
    const oldObject = request.operation === 'UPDATE' ? request.oldObject : undefined;
    // The review's deadline; a timer cleared when the review is done (AbortSignal.timeout's would live on for timeoutMs).
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), policy.timeoutMs);
    try {
      const objectApiVersion = typeof request.object.apiVersion === 'string' ? request.object.apiVersion : apiVersion;
      return await checkImageSignatures(request.object, oldObject, kind, objectApiVersion, {
        podKeyring: () => this.podKeyringFor(request, kind, objectApiVersion, state, deadline.signal),
        policy,
        registries: state.config.registries,
        namespaceLabels: labels,
        cache: this.signatureCache,
        signal: deadline.signal,
        onCache: (outcome) => this.metrics.signatureCache.inc({ outcome }),
        onVerified: (verdict) => this.metrics.signatureVerifications.inc({ result: verdict.status, reason: verdict.reason }),
      });
    } finally {
      clearTimeout(timer);
    }
  }

  private logDecision(request: AdmissionRequest, decision: Decision, labels: NamespaceLabels | undefined, latencyMs: number, signatures?: SignatureCheck): void {
    // Rule ids by outcome, each once, in finding order.
    const rules = new Set<string>();
    const byOutcome: Partial<Record<FindingOutcome, Set<string>>> = {};
    for (const { finding, outcome } of decision.findings) {
      rules.add(finding.rule);
      (byOutcome[outcome] ??= new Set()).add(finding.rule);
    }
    const ids = (outcome: FindingOutcome): string[] | undefined => (byOutcome[outcome] ? [...byOutcome[outcome]] : undefined);
    this.log.info(
      {
        endpoint: 'validate',
        ...this.identity(request),
        decision: decision.allowed ? 'allowed' : 'denied',
        reason: decision.reason,
        rules: [...rules],
        denied: ids('denied'),
        warned: ids('warned'),
        audited: ids('audited'),
        preexisting: ids('preexisting'),
        controller: ids('controller'),
        suppressed: decision.suppressed || undefined,
        namespaceLookup: labels && 'unavailable' in labels ? labels.unavailable : undefined,
        ruleErrors: decision.ruleErrors,
        // Counts only: the refusal text names images, which the log line otherwise leaves out too.
        signatures: signatures ? { checked: signatures.checked, refused: signatures.refusals.length, unverifiedAdmitted: signatures.warnings.length || undefined } : undefined,
        latencyMs,
      },
      'admission decision',
    );
  }

  private async mutate(request: AdmissionRequest, state: WebhookState, started: bigint): Promise<AdmissionResponse> {
    const config = state.config;
    const skip = (reason: string): AdmissionResponse => {
      this.metrics.responses.inc({ endpoint: 'mutate', result: reason.startsWith('exempt') ? 'exempt' : 'skipped' });
      const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
      this.afterAnswers(() => this.log.info({ endpoint: 'mutate', ...this.identity(request), decision: 'unchanged', reason, latencyMs }, 'admission mutation'));
      return { uid: request.uid, allowed: true };
    };
    if (!config.mutate.enabled) return skip('mutation-disabled');
    if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return skip('operation-not-mutated');
    if (request.subResource !== undefined) return skip('subresource-not-mutated');
    const object = request.object;
    if (!object) return skip('operation-not-mutated');
    // A Pod's spec is immutable after creation: a default added on UPDATE would make the API server refuse the update.
    if (request.operation === 'UPDATE' && request.kind.kind === 'Pod' && request.kind.group === '') return skip('pod-update-not-mutated');
    if (request.operation === 'UPDATE' && (object.metadata as Record<string, unknown> | undefined)?.deletionTimestamp) return skip('being-deleted');
    if (request.operation === 'UPDATE' && podTemplatesUnchanged(request.kind.kind, request.kind.group ? `${request.kind.group}/${request.kind.version}` : request.kind.version, request.oldObject, object)) return skip('pod-template-unchanged');
    const labels = await this.namespaceLabels(request, state);
    const exemption = namespaceExemption(request, { config, ownNamespace: this.options.ownNamespace, namespaceLabels: labels });
    if (exemption) return skip(exemption.reason);
    // The owner got its defaults when it was applied; adding them to the pods of a workload admitted
    // before the webhook existed would change how its next pod runs without anyone applying anything.
    if (config.controllerPods !== 'enforce' && isControllerRequest(request, object)) return skip('controller-request');
    // /validate refuses such an object unjudged; a patch for 100,000 containers would be tens of MB.
    if (withCacheScope(() => containerCount(object, request)) > MAX_CONTAINERS_PER_OBJECT) return skip('too-many-containers');
    // Images a signature rule applies to are pinned to the digest /validate verifies, so what runs is what was verified.
    const mustPin = config.imagePolicy.requireSignature.length > 0 ? (reference: string): boolean => rulesFor(reference, config.imagePolicy, labels).length > 0 : undefined;
    // Only digest lookups wait on anything; a timer per request would be spent on nothing otherwise.
    // A timer cleared when the review is done: AbortSignal.timeout's would live on for the whole
    // timeout, thousands of them at a thousand reviews a second, and lengthen the tail.
    const lookups = config.mutate.pinImageDigests || mustPin ? new AbortController() : undefined;
    const lookupTimer = lookups ? setTimeout(() => lookups.abort(), this.options.mutationTimeoutMs ?? 8000) : undefined;
    const signal = lookups?.signal;
    // With registries.pullSecrets, a tag is resolved with the pod's credentials first, as /validate reads it and the kubelet pulls it.
    let resolveDigest: DigestResolver | undefined;
    if (signal && config.registries.pullSecrets === true) {
      const objectKind = typeof object.kind === 'string' ? object.kind : request.kind.kind;
      const objectApiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : request.kind.group ? `${request.kind.group}/${request.kind.version}` : request.kind.version;
      const clientsFor = imageClients(config.registries, () => this.podKeyringFor(request, objectKind, objectApiVersion, state, signal));
      resolveDigest = async (reference, lookupSignal) => {
        const parsed = parseImageReference(reference);
        if (!parsed.ok) throw new Error(parsed.error);
        return (await resolveWithEach(reference, await clientsFor(parsed.image), lookupSignal)).digest;
      };
    }
    let patch: Awaited<ReturnType<typeof mutationPatch>>;
    try {
      patch = await mutationPatch(object, config.mutate, {
        signal,
        ...(resolveDigest ? { resolveDigest } : {}),
        registries: config.registries,
        operation: request.operation,
        ...(mustPin ? { mustPin } : {}),
        // only registries the scan rules allow are contacted: an image name must not steer the webhook anywhere
        allowedRegistries: state.prepared.engine.settings?.allowedRegistries,
      });
    } catch (err) {
      const message = oneLine(String((err as Error)?.message ?? err)).replace(/\/\/[^/@\s]+@/g, '//');
      this.log.error({ endpoint: 'mutate', ...this.identity(request), error: message.slice(0, 300) }, 'mutation failed; admitted unchanged');
      this.metrics.responses.inc({ endpoint: 'mutate', result: 'error' });
      return { uid: request.uid, allowed: true, warnings: capWarnings([{ text: cut(`kshield could not apply its defaults: ${message}`, 256), rule: 'mutation' }]) };
    } finally {
      clearTimeout(lookupTimer);
    }
    const warnings = capWarnings(patch.warnings.map((w) => ({ text: cut(oneLine(w), 256), rule: 'mutation' })));
    this.metrics.responses.inc({ endpoint: 'mutate', result: patch.patch.length > 0 ? 'patched' : 'unchanged' });
    const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
    this.afterAnswers(() =>
      this.log.info(
        {
          endpoint: 'mutate',
          ...this.identity(request),
          decision: patch.patch.length > 0 ? 'patched' : 'unchanged',
          patchOperations: patch.patch.length,
          paths: patch.patch.length ? patch.patch.map((p) => p.path) : undefined,
          warnings: warnings.length || undefined,
          latencyMs,
        },
        'admission mutation',
      ),
    );
    const response: AdmissionResponse = { uid: request.uid, allowed: true, warnings };
    if (patch.patch.length > 0) response.patch = encodePatch(patch.patch);
    return response;
  }
}

/** The Status message of a review refused by the signature rules: the object, then one line per container image and why. */
function signatureDenial(request: AdmissionRequest, refusals: string[]): string {
  const metadata = request.object?.metadata as Record<string, unknown> | undefined;
  const name = request.name ?? (typeof metadata?.name === 'string' ? metadata.name : typeof metadata?.generateName === 'string' ? `${metadata.generateName}*` : '<unnamed>');
  const shown = refusals.slice(0, 10);
  const more = refusals.length > shown.length ? `\n- and ${refusals.length - shown.length} more` : '';
  return `kshield: ${request.kind.kind} ${request.namespace ? `${request.namespace}/` : ''}${name}: ${refusals.length === 1 ? 'an image is' : `${refusals.length} images are`} refused by the signature policy:\n${shown.map((r) => `- ${r}`).join('\n')}${more}`;
}
