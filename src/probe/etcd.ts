/**
 * `kshield probe etcd`: from the network and without any credential, does etcd answer over
 * plaintext HTTP (CIS 2.1: --cert-file/--key-file, TLS only), and does it answer over TLS
 * without a client certificate (CIS 2.2: --client-cert-auth=true)?
 *
 * Each port is asked over both protocols at once, whatever scheme the user wrote: GET /version
 * says whether etcd answers at all, and a range request proves the key space is reachable.
 * The range request is `count_only` over every key, served from the member's local state
 * (`serializable`): it reads nothing but a number, changes nothing and sends no key or value
 * back, since etcd holds every Secret of the cluster.
 */
import { attempt, describeCertificate, describeFailure, describeSize, type Attempt, type Scheme } from './http.js';
import type { Endpoint } from './endpoint.js';
import { UNREACHABLE_REMEDIATION, type ProbeCheck, type ProbeTiming } from './report.js';

type Answer = Extract<Attempt, { kind: 'answer' }>;
type Failure = Extract<Attempt, { kind: 'failure' }>;

/** key "\0" with range_end "\0" is every key; base64 of a single NUL byte. */
const COUNT_ALL_KEYS = JSON.stringify({ key: 'AA==', range_end: 'AA==', count_only: true, serializable: true });
/** The gRPC gateway's prefix by etcd version: /v3 since 3.4, /v3beta in 3.3, /v3alpha in 3.2. */
const GATEWAY_PREFIXES = ['/v3', '/v3beta', '/v3alpha'];

export const ETCD_CHECKS = {
  tls: {
    id: '2.1',
    title: 'etcd answers clients over TLS only, not plaintext HTTP',
    remediation:
      'give etcd --cert-file and --key-file and list only https:// URLs in --listen-client-urls and --advertise-client-urls (then require client certificates, check 2.2)',
  },
  clientCert: {
    id: '2.2',
    title: 'etcd refuses clients without a client certificate',
    remediation:
      "set --client-cert-auth=true with --trusted-ca-file naming the CA of the API server's etcd client certificate (kube-apiserver --etcd-certfile, --etcd-keyfile, --etcd-cafile); keep --auto-tls off",
  },
} as const;

export interface ProtocolResult {
  scheme: Scheme;
  version: Attempt;
  /** The range request, when GET /version got an HTTP answer. */
  data?: Attempt;
}

async function askOver(endpoint: Endpoint, scheme: Scheme, deadline: number): Promise<ProtocolResult> {
  const version = await attempt(endpoint, { scheme, method: 'GET', path: '/version', deadline });
  if (version.kind !== 'answer') return { scheme, version };
  let data: Attempt | undefined;
  for (const prefix of GATEWAY_PREFIXES) {
    data = await attempt(endpoint, { scheme, method: 'POST', path: `${prefix}/kv/range`, body: COUNT_ALL_KEYS, deadline });
    if (data.kind !== 'answer' || data.status !== 404) break;
  }
  return { scheme, version, data };
}

function json(answer: Answer): Record<string, unknown> | undefined {
  if (answer.truncated) return undefined;
  try {
    const value: unknown = JSON.parse(answer.head);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function etcdVersion(a: Attempt | undefined): string | undefined {
  if (a?.kind !== 'answer' || a.status !== 200) return undefined;
  const v = json(a)?.etcdserver;
  return typeof v === 'string' ? v.slice(0, 40) : undefined;
}

/** The number of keys a successful count-only range request reports; undefined if it did not succeed. */
function keyCount(a: Attempt | undefined): number | undefined {
  if (a?.kind !== 'answer' || a.status !== 200) return undefined;
  const body = json(a);
  if (!body || typeof body.header !== 'object' || body.header === null) return undefined;
  // proto3 JSON leaves out a zero count.
  const count = Number(body.count ?? 0);
  return Number.isFinite(count) ? count : undefined;
}

/**
 * The gateway's own error ("etcdserver: user name is empty"): etcd's words, no data. Its shape is
 * gRPC's: a numeric gRPC code and an `error` string. A 404, or a Kubernetes Status (which also has
 * `code` and `message`, and a `kind`), is some other server.
 */
function gatewayError(a: Attempt | undefined): string | undefined {
  if (a?.kind !== 'answer' || a.status === 404) return undefined;
  const body = json(a);
  if (!body || body.kind !== undefined || typeof body.code !== 'number') return undefined;
  const message = body.error ?? body.message;
  return typeof message === 'string' && message.length > 0 ? message.slice(0, 160) : undefined;
}

function isEtcd(r: ProtocolResult): boolean {
  return etcdVersion(r.version) !== undefined || keyCount(r.data) !== undefined || gatewayError(r.data) !== undefined;
}

/** Go's TLS servers answer a plaintext request with this 400. */
function isHttpsOnlyAnswer(a: Attempt): boolean {
  return a.kind === 'answer' && a.status === 400 && /HTTP request to an HTTPS server/i.test(a.head);
}

function speaksTls(r: ProtocolResult): boolean {
  return r.version.kind === 'answer' || (r.version.kind === 'failure' && r.version.reason === 'tls-alert');
}

function unreachable(a: Attempt): a is Failure {
  return a.kind === 'failure' && (a.stage === 'dns' || a.stage === 'connect');
}

/** Alerts a server sends when the client brought no (acceptable) certificate. */
const CERTIFICATE_ALERTS = new Set(['bad certificate', 'certificate required', 'certificate unknown', 'unknown ca']);

function protocolName(scheme: Scheme): string {
  return scheme === 'http' ? 'plaintext HTTP' : 'TLS without a client certificate';
}

/** What was asked over one protocol and what came back, for the evidence. */
function describe(r: ProtocolResult, timing: ProbeTiming): string {
  const parts: string[] = [];
  const v = r.version;
  if (v.kind === 'failure') return `${protocolName(r.scheme)}: GET /version: ${describeFailure(v, timing.timeoutText)}`;
  const version = etcdVersion(v);
  parts.push(`GET /version answered ${v.status}${version ? ` (etcd ${version})` : `, ${describeSize(v)}`}`);
  const d = r.data;
  if (d) {
    const path = d.request.path;
    if (d.kind === 'failure') parts.push(`POST ${path} (count only): ${describeFailure(d, timing.timeoutText)}`);
    else {
      const count = keyCount(d);
      const error = gatewayError(d);
      if (count !== undefined) parts.push(`POST ${path} (count only) answered ${d.status}: the key space is readable (${count} ${count === 1 ? 'key' : 'keys'}; no key or value was requested)`);
      else if (error) parts.push(`POST ${path} (count only) answered ${d.status} "${error}": no data reached`);
      // A 200 is no refusal: whatever came back, the read was accepted; it is only not the few bytes of a count.
      else if (d.status === 200) parts.push(`POST ${path} (count only) answered 200, ${describeSize(d)}, not the key count etcd sends: the read was accepted without credentials, and what came back is unknown`);
      else parts.push(`POST ${path} (count only) answered ${d.status}, ${describeSize(d)}: no data reached`);
    }
  }
  const cert = r.scheme === 'https' && v.kind === 'answer' ? describeCertificate(v.certificate) : undefined;
  if (cert) parts.push(cert);
  return `${protocolName(r.scheme)}: ${parts.join('; ')}`;
}

function check(which: keyof typeof ETCD_CHECKS, endpoint: Endpoint, status: ProbeCheck['status'], evidence: string, remediation: string = ETCD_CHECKS[which].remediation): ProbeCheck {
  const def = ETCD_CHECKS[which];
  return { id: def.id, title: def.title, status, evidence, remediation, endpoint: endpoint.label };
}

/** What a data-path answer over plaintext adds to the verdict: only an etcd error proves reads are stopped. */
function plaintextConsequence(data: Attempt | undefined): string {
  if (keyCount(data) !== undefined) return '';
  if (gatewayError(data) !== undefined) return "; etcd's own authentication stops reads, but its traffic, user passwords included, crosses the network unencrypted";
  if (data?.kind === 'answer' && data.status === 200) return '; treat the key space as readable; its traffic crosses the network unencrypted';
  return '; its traffic crosses the network unencrypted';
}

function noClientCertConsequence(data: Attempt | undefined): string {
  if (keyCount(data) !== undefined) return '';
  if (gatewayError(data) !== undefined) return ' (client certificates are not required; only etcd authentication stands in the way)';
  if (data?.kind === 'answer' && data.status === 200) return ' (client certificates are not required; treat the key space as readable)';
  return ' (client certificates are not required)';
}

export function judgeEtcd(endpoint: Endpoint, plain: ProtocolResult, tls: ProtocolResult, timing: ProbeTiming): ProbeCheck[] {
  if (unreachable(plain.version) && unreachable(tls.version)) {
    const evidence = `unreachable: ${describeFailure(plain.version, timing.timeoutText)}`;
    return [check('tls', endpoint, 'warn', evidence, UNREACHABLE_REMEDIATION), check('clientCert', endpoint, 'warn', evidence, UNREACHABLE_REMEDIATION)];
  }
  const plainText = describe(plain, timing);
  const tlsText = describe(tls, timing);

  let tlsCheck: ProbeCheck;
  if (isEtcd(plain)) {
    tlsCheck = check('tls', endpoint, 'fail', `${plainText}${plaintextConsequence(plain.data)}`);
  } else if (isHttpsOnlyAnswer(plain.version)) {
    tlsCheck = check('tls', endpoint, 'pass', `plaintext HTTP refused (400: HTTP request to an HTTPS server); ${tlsText}`);
  } else if (plain.version.kind === 'answer') {
    tlsCheck = check('tls', endpoint, 'warn', `${plainText}: an HTTP server that does not answer like etcd (a proxy, or not etcd); inconclusive`);
  } else if (speaksTls(tls) && plain.version.reason !== 'timeout') {
    tlsCheck = check('tls', endpoint, 'pass', `${plainText}; the port speaks TLS`);
  } else {
    tlsCheck = check('tls', endpoint, 'warn', `${plainText}; ${tlsText}; inconclusive`);
  }

  let certCheck: ProbeCheck;
  const tv = tls.version;
  if (isEtcd(tls)) {
    certCheck = check('clientCert', endpoint, 'fail', `${tlsText}${noClientCertConsequence(tls.data)}`);
  } else if (tv.kind === 'failure' && tv.reason === 'tls-alert' && CERTIFICATE_ALERTS.has(tv.alert ?? '')) {
    certCheck = check('clientCert', endpoint, 'pass', `TLS without a client certificate: handshake refused (alert: ${tv.alert}); a client certificate is required`);
  } else if (tv.kind === 'failure' && tv.reason === 'tls-alert') {
    certCheck = check('clientCert', endpoint, 'warn', `${tlsText}: nothing is served without a client certificate, but the alert does not say one was required; inconclusive`);
  } else if (isEtcd(plain) && tv.kind === 'failure') {
    certCheck = check('clientCert', endpoint, 'fail', `the port speaks plaintext HTTP only (a TLS handshake: ${describeFailure(tv, timing.timeoutText)}), so no client certificate is ever asked for`);
  } else if (tv.kind === 'answer') {
    certCheck = check('clientCert', endpoint, 'warn', `${tlsText}: a TLS server that does not answer like etcd (a proxy, or not etcd); inconclusive`);
  } else {
    certCheck = check('clientCert', endpoint, 'warn', `${tlsText}; inconclusive`);
  }
  return [tlsCheck, certCheck];
}

/** Probes one endpoint; ends by `timing.timeoutMs` after it starts whatever the server does. */
export async function probeEtcd(endpoint: Endpoint, timing: ProbeTiming): Promise<ProbeCheck[]> {
  const deadline = Date.now() + timing.timeoutMs;
  const [plain, tls] = await Promise.all([askOver(endpoint, 'http', deadline), askOver(endpoint, 'https', deadline)]);
  return judgeEtcd(endpoint, plain, tls, timing);
}
