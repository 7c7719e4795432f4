/**
 * One HTTP(S) request of a probe, with everything a verdict needs and nothing a report must
 * not show: the status, the size of the answer, the first bytes (for recognising the service,
 * never printed), and at which stage a failed attempt stopped (DNS, TCP connect, TLS handshake,
 * waiting for the answer). Every attempt ends by its deadline: a filtered port, a server that
 * accepts and never answers and a slow DNS lookup all come back as a `timeout` outcome.
 */
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';

/** How much of an answer is kept for recognising the service; the rest is only counted. */
const KEPT_BYTES = 64 * 1024;
/** Past this size the answer is cut off: its size is then reported as "more than". */
const COUNTED_BYTES = 16 * 1024 * 1024;

export type Scheme = 'http' | 'https';

export interface Target {
  /** Host name or IP address, IPv6 without brackets. */
  host: string;
  port: number;
}

export interface AttemptRequest {
  scheme: Scheme;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  /** Epoch milliseconds by which the attempt must have ended. */
  deadline: number;
}

export interface ServerCertificate {
  subject?: string;
  issuer?: string;
  /** undefined: trusted by this machine's CA store; else the reason it is not (self-signed, unknown CA, expired...). */
  untrusted?: string;
}

export type Attempt =
  | {
      kind: 'answer';
      request: AttemptRequest;
      status: number;
      /** Bytes of the body received (capped at COUNTED_BYTES; `truncated` then). */
      bytes: number;
      truncated: boolean;
      /** The first KEPT_BYTES of the body: for recognising the service, never for printing. */
      head: string;
      contentType?: string;
      certificate?: ServerCertificate;
    }
  | {
      kind: 'failure';
      request: AttemptRequest;
      /** dns: the name did not resolve; connect: no TCP connection; tls: the handshake (or the server's alert after it) failed; answer: connected but the HTTP exchange failed. */
      stage: 'dns' | 'connect' | 'tls' | 'answer';
      /** timeout: the deadline passed in this stage. */
      reason: 'refused' | 'unreachable' | 'timeout' | 'reset' | 'tls-alert' | 'not-tls' | 'not-http' | 'other';
      /** Node's error code, when there was one (ECONNREFUSED, ERR_SSL_...). */
      code?: string;
      /** One line, safe to show: the error message without OpenSSL's file/line noise. */
      detail: string;
      /** The TLS alert the server sent, e.g. "bad certificate", "certificate required". */
      alert?: string;
      /** What arrived before the attempt stopped: the status line and headers, and this much of the body. */
      received?: { status: number; bytes: number };
    };

class DeadlineError extends Error {
  readonly code = 'KSHIELD_DEADLINE';
}

/** Node's description of a certificate verification error code, in words a report can use. */
const UNTRUSTED_REASONS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'issued by a self-signed CA this machine does not trust',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'issued by a CA this machine does not trust',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'issued by a CA this machine does not trust',
  UNABLE_TO_GET_ISSUER_CERT: 'issued by a CA this machine does not trust',
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'not yet valid',
};

function certificateOf(socket: TLSSocket): ServerCertificate | undefined {
  const cert = socket.getPeerCertificate?.();
  if (!cert || Object.keys(cert).length === 0) return undefined;
  const name = (dn: Record<string, unknown> | undefined): string | undefined => {
    const cn = dn?.CN;
    return typeof cn === 'string' ? `CN=${cn}` : Array.isArray(cn) ? `CN=${cn.join(',')}` : undefined;
  };
  const error = socket.authorizationError === undefined || socket.authorizationError === null ? undefined : String((socket.authorizationError as unknown as { code?: string }).code ?? socket.authorizationError);
  return {
    subject: name(cert.subject as unknown as Record<string, unknown>),
    issuer: name(cert.issuer as unknown as Record<string, unknown>),
    untrusted: socket.authorized ? undefined : (error && UNTRUSTED_REASONS[error]) ?? (error ? `not trusted (${error})` : 'not trusted'),
  };
}

/** "sslv3 alert bad certificate" / "tlsv13 alert certificate required" -> "bad certificate" / "certificate required". */
function tlsAlertOf(message: string): string | undefined {
  const m = /(?:sslv3|tlsv1\d?) alert ([a-z ]+?)(?::|$)/i.exec(message);
  return m ? m[1].trim().toLowerCase() : undefined;
}

/** OpenSSL messages carry a hex prefix and a source location: keep the words. */
function shortMessage(err: NodeJS.ErrnoException): string {
  const message = err.message.split('\n')[0];
  const ssl = /:SSL routines:[^:]*:([^:]+)/.exec(message);
  return (ssl ? ssl[1] : message).trim();
}

function classify(err: NodeJS.ErrnoException, scheme: Scheme, connected: boolean, secured: boolean, request: AttemptRequest, received?: { status: number; bytes: number }): Attempt {
  const code = err.code;
  const detail = shortMessage(err);
  const failure = (stage: 'dns' | 'connect' | 'tls' | 'answer', reason: Extract<Attempt, { kind: 'failure' }>['reason'], alert?: string): Attempt => ({ kind: 'failure', request, stage, reason, code, detail, ...(alert ? { alert } : {}) });
  // Headers came, the body did not finish: say so, rather than "no answer".
  if (received) return { kind: 'failure', request, stage: 'answer', reason: err instanceof DeadlineError ? 'timeout' : 'reset', code, detail, received: { ...received } };
  if (err instanceof DeadlineError) {
    if (!connected) return failure('connect', 'timeout');
    if (scheme === 'https' && !secured) return failure('tls', 'timeout');
    return failure('answer', 'timeout');
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'EAI_NONAME') return failure('dns', 'unreachable');
  if (code === 'ECONNREFUSED') return failure('connect', 'refused');
  if (!connected && (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN' || code === 'EADDRNOTAVAIL' || code === 'ETIMEDOUT')) return failure('connect', 'unreachable');
  if (!connected) return failure('connect', 'other');
  const alert = tlsAlertOf(err.message);
  if (scheme === 'https') {
    // TLS 1.3 lets the client finish its side of the handshake before the server has judged the
    // (missing) client certificate, so the server's alert can arrive with the first read.
    if (alert) return failure('tls', 'tls-alert', alert);
    if (!secured) {
      if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' || code === 'ERR_SSL_HTTP_REQUEST' || /wrong version number|packet length too long|http request/i.test(detail)) return failure('tls', 'not-tls');
      if (code === 'ECONNRESET' || code === 'EPIPE') return failure('tls', 'reset');
      return failure('tls', 'other');
    }
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/i.test(detail)) return failure('answer', 'reset');
  if (typeof code === 'string' && code.startsWith('HPE_')) return failure('answer', 'not-http');
  return failure('answer', 'other');
}

/** Sends one request to `target` without credentials and without verifying the server's certificate. */
export function attempt(target: Target, request: AttemptRequest): Promise<Attempt> {
  return new Promise((resolve) => {
    let connected = false;
    let secured = false;
    let settled = false;
    let received: { status: number; bytes: number } | undefined;
    const finish = (result: Attempt): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const headers: Record<string, string> = { 'user-agent': 'kshield-probe', accept: 'application/json, */*', connection: 'close' };
    if (request.body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(request.body));
    }
    const options: https.RequestOptions = {
      host: target.host,
      port: target.port,
      method: request.method,
      path: request.path,
      headers,
      agent: false,
      // Access, not identity, is under test: an untrusted certificate is reported, not refused.
      rejectUnauthorized: false,
      servername: /^[\d.]+$|:/.test(target.host) ? undefined : target.host,
    };
    const req = request.scheme === 'https' ? https.request(options) : http.request(options);
    const timer = setTimeout(() => req.destroy(new DeadlineError('deadline')), Math.max(0, request.deadline - Date.now()));
    req.on('socket', (socket: Socket) => {
      socket.once('connect', () => (connected = true));
      socket.once('secureConnect', () => (secured = true));
    });
    req.on('error', (err: NodeJS.ErrnoException) => finish(classify(err, request.scheme, connected, secured, request, received)));
    req.on('response', (res) => {
      const certificate = request.scheme === 'https' ? certificateOf(res.socket as TLSSocket) : undefined;
      const kept: Buffer[] = [];
      let keptBytes = 0;
      let bytes = 0;
      let truncated = false;
      received = { status: res.statusCode ?? 0, bytes: 0 };
      const done = (): void =>
        finish({
          kind: 'answer',
          request,
          status: res.statusCode ?? 0,
          bytes,
          truncated,
          head: Buffer.concat(kept).toString('utf8'),
          contentType: typeof res.headers['content-type'] === 'string' ? res.headers['content-type'] : undefined,
          ...(certificate ? { certificate } : {}),
        });
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        received!.bytes = bytes;
        if (keptBytes < KEPT_BYTES) {
          const piece = chunk.subarray(0, KEPT_BYTES - keptBytes);
          kept.push(piece);
          keptBytes += piece.length;
        }
        if (bytes >= COUNTED_BYTES) {
          truncated = true;
          done();
          req.destroy();
        }
      });
      res.on('end', done);
      // A body cut short (the deadline, or the server closing) is not a whole answer: it ends as a
      // failure that says what arrived.
      const cut = (): void => finish({ kind: 'failure', request, stage: 'answer', reason: 'reset', detail: 'connection closed before the whole answer', received: { status: res.statusCode ?? 0, bytes } });
      res.on('error', cut);
      res.on('aborted', cut);
    });
    req.end(request.body);
  });
}

/** "200, 1234 bytes" / "200, more than 16 MiB". */
export function describeSize(a: Extract<Attempt, { kind: 'answer' }>): string {
  return a.truncated ? `more than ${COUNTED_BYTES / 1024 / 1024} MiB` : `${a.bytes} bytes`;
}

/** What happened to a failed attempt, in a few words: "connection refused", "no answer within 5s". */
export function describeFailure(f: Extract<Attempt, { kind: 'failure' }>, timeoutText: string): string {
  switch (f.reason) {
    case 'refused':
      return 'connection refused';
    case 'unreachable':
      return f.stage === 'dns' ? `host name does not resolve (${f.code ?? f.detail})` : `host unreachable (${f.code ?? f.detail})`;
    case 'timeout':
      if (f.received) return `connected; headers (${f.received.status}) and ${f.received.bytes} bytes of the body arrived, but not the whole answer within ${timeoutText}`;
      return f.stage === 'connect'
        ? `no TCP connection within ${timeoutText} (filtered, or the host is down)`
        : f.stage === 'tls'
          ? `connected, but no TLS handshake within ${timeoutText}`
          : `connected, but no answer within ${timeoutText}`;
    case 'tls-alert':
      return `TLS refused by the server (alert: ${f.alert})`;
    case 'not-tls':
      return 'the port does not speak TLS';
    case 'reset':
      if (f.received) return `connection closed after headers (${f.received.status}) and ${f.received.bytes} bytes of the body, before the whole answer`;
      return f.stage === 'tls' ? 'connection closed during the TLS handshake' : 'connection closed without an HTTP answer';
    case 'not-http':
      return 'the answer is not HTTP';
    default:
      return f.detail;
  }
}

/** "server certificate CN=etcd issued by CN=etcd-ca: issued by a CA this machine does not trust". */
export function describeCertificate(cert: ServerCertificate | undefined): string | undefined {
  if (!cert) return undefined;
  const who = [cert.subject, cert.issuer && cert.issuer !== cert.subject ? `issued by ${cert.issuer}` : undefined].filter(Boolean).join(' ');
  return `server certificate${who ? ` ${who}` : ''}: ${cert.untrusted ?? 'trusted by this machine'}`;
}
