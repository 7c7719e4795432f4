/**
 * OIDC-issued bearer tokens for `kshield serve --oidc-issuer URL --oidc-audience AUD`: a JWT signed
 * by the issuer (RS256 or ES256), whose key is found through the issuer's discovery document
 * (`/.well-known/openid-configuration` → `jwks_uri`), with `iss`, `aud`, `exp` and `nbf` checked.
 *
 * Only the two asymmetric algorithms the OIDC core specification and the common identity providers
 * use are accepted; `none` and the HMAC family are refused outright (an HMAC "verified" with a public
 * key is the classic algorithm-confusion forgery), and the key's type must match the algorithm.
 * Keys are cached; an unknown `kid` refetches the key set at most once per minute (a key rotation
 * is picked up, a flood of made-up kids does not become a flood of requests to the issuer).
 */
import { createPublicKey, verify as verifySignature, type JsonWebKey, type KeyObject } from 'node:crypto';

export interface OidcOptions {
  issuer: string;
  audience: string;
  /** Clock skew allowed on exp/nbf, in seconds (default 60). */
  leewaySeconds?: number;
  /** For tests: the time. */
  now?: () => number;
  /** How long one request to the issuer may take (default 10 s). */
  timeoutMs?: number;
}

export interface OidcIdentity {
  subject: string;
  /** email or preferred_username when the token carries one: what the dashboard shows. */
  name: string;
  expires: number;
}

/** A token refused, with the reason (said to the client: no secret in it). */
export class TokenError extends Error {}

const MAX_TOKEN = 16 * 1024;
const MAX_DOCUMENT = 1024 * 1024;
const REFETCH_AFTER_MS = 60_000;
const ENDPOINTS_REUSE_MS = 5_000;
const ALGORITHMS = ['RS256', 'ES256'] as const;
type Algorithm = (typeof ALGORITHMS)[number];

function base64urlJson(part: string, what: string): Record<string, unknown> {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) throw new TokenError(`the token's ${what} is not base64url`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new TokenError(`the token's ${what} is not JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TokenError(`the token's ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** Loopback issuers may use plain HTTP (a test's issuer, a port-forward); every other must be HTTPS. */
export function checkIssuerUrl(issuer: string, flag = '--oidc-issuer'): URL {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new Error(`${flag} "${issuer}" is not a URL`);
  }
  const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) throw new Error(`${flag} ${issuer}: an issuer must be https:// (plain http only on this machine's loopback address)`);
  return url;
}

/**
 * A response's body, read as it arrives and given up as soon as it passes `limit` bytes (a missing or
 * false Content-Length bounds nothing); the request's own timeout signal covers the reading too.
 */
export async function readBounded(response: Response, limit: number, what: string): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 'NaN');
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    throw new Error(`the ${what} is larger than ${limit} bytes`);
  }
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new Error(`the ${what} is larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Why a request to the issuer failed, in words (fetch hides the network error in `cause`; a timeout is named as one). */
export function fetchFailure(error: unknown, timeoutMs: number): string {
  const e = error as Error;
  if (e.name === 'TimeoutError' || (e.cause as Error | undefined)?.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  return e.cause instanceof Error ? e.cause.message : e.message;
}

/** One JSON object from the issuer: bounded in time and size, no redirects followed. */
export async function fetchIssuerJson(url: string, timeoutMs: number, what: string, init: RequestInit = {}, limit = MAX_DOCUMENT): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
  let text: string;
  let status: number;
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs), redirect: 'error', headers: { accept: 'application/json', ...(init.headers as Record<string, string> | undefined) } });
    status = response.status;
    text = await readBounded(response, limit, `${what} ${url}`);
  } catch (error) {
    if ((error as Error).message.includes('is larger than')) throw error;
    throw new Error(`cannot fetch the ${what} ${url}: ${fetchFailure(error, timeoutMs)}`);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return { status, body: value as Record<string, unknown> };
  } catch {
    return { status, body: undefined };
  }
}

async function fetchJson(url: string, timeoutMs: number, what: string): Promise<Record<string, unknown>> {
  const { status, body } = await fetchIssuerJson(url, timeoutMs, what);
  if (status < 200 || status > 299) throw new Error(`the ${what} ${url} answered HTTP ${status}`);
  if (!body) throw new Error(`the ${what} ${url} is not a JSON object`);
  return body;
}

/** What the sign-in needs of the issuer's discovery document (OIDC Discovery 1.0 §3). */
export interface IssuerEndpoints {
  authorizationEndpoint: string;
  tokenEndpoint: string;
  codeChallengeMethods: string[] | undefined;
  tokenAuthMethods: string[] | undefined;
  scopes: string[] | undefined;
}

interface CachedKey {
  kid: string | undefined;
  alg: Algorithm | undefined;
  key: KeyObject;
  kind: 'RSA' | 'P-256' | 'other';
}

export class OidcVerifier {
  readonly issuer: string;
  readonly audience: string;
  private readonly leeway: number;
  private readonly now: () => number;
  readonly timeoutMs: number;
  private keys: CachedKey[] = [];
  private jwksUri: string | undefined;
  private fetchedAt = 0;
  private inflight: Promise<void> | undefined;
  private endpointsRead: { at: number; value: Promise<IssuerEndpoints> } | undefined;

  constructor(options: OidcOptions) {
    checkIssuerUrl(options.issuer);
    if (!options.audience) throw new Error('--oidc-issuer needs --oidc-audience: the client id tokens are issued for');
    this.issuer = options.issuer;
    this.audience = options.audience;
    this.leeway = options.leewaySeconds ?? 60;
    this.now = options.now ?? (() => Date.now());
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Reads the discovery document and the key set now (at start: a wrong issuer is an error then, not at the first login). */
  async start(): Promise<void> {
    await this.refresh(true);
  }

  private refresh(force: boolean): Promise<void> {
    if (!force && this.now() - this.fetchedAt < REFETCH_AFTER_MS) return Promise.resolve();
    this.inflight ??= this.load().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  /**
   * Reads the discovery document again (a sign-in starts with it: an issuer that is down is said on the
   * login page, not met as the browser's own error page) and returns the endpoints the sign-in uses.
   */
  async endpoints(): Promise<IssuerEndpoints> {
    // /auth/start needs no login: however many arrive, the issuer is asked at most once per ENDPOINTS_REUSE_MS
    // (one answer, or one failure, shared), so a flood of sign-ins is not passed on as a flood of requests.
    const now = this.now();
    if (!this.endpointsRead || now - this.endpointsRead.at >= ENDPOINTS_REUSE_MS) {
      const value = this.readEndpoints();
      value.catch(() => undefined);
      this.endpointsRead = { at: now, value };
    }
    return this.endpointsRead.value;
  }

  private async readEndpoints(): Promise<IssuerEndpoints> {
    const discovery = await this.discover();
    const endpoint = (name: string): string => {
      const value = discovery[name];
      if (typeof value !== 'string') throw new Error(`the OIDC discovery document of ${this.issuer} has no ${name}`);
      checkIssuerUrl(value, `the discovery document's ${name}`);
      return value;
    };
    const strings = (name: string): string[] | undefined => (Array.isArray(discovery[name]) ? (discovery[name] as unknown[]).filter((v): v is string => typeof v === 'string') : undefined);
    return {
      authorizationEndpoint: endpoint('authorization_endpoint'),
      tokenEndpoint: endpoint('token_endpoint'),
      codeChallengeMethods: strings('code_challenge_methods_supported'),
      tokenAuthMethods: strings('token_endpoint_auth_methods_supported'),
      scopes: strings('scopes_supported'),
    };
  }

  private async discover(): Promise<Record<string, unknown>> {
    const discoveryUrl = `${this.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const discovery = await fetchJson(discoveryUrl, this.timeoutMs, 'OIDC discovery document');
    // OIDC Discovery 1.0 §4.3: the issuer in the document must be exactly the one configured.
    if (discovery.issuer !== this.issuer) throw new Error(`the OIDC discovery document at ${discoveryUrl} names issuer ${JSON.stringify(discovery.issuer)}, not ${this.issuer}`);
    return discovery;
  }

  private async load(): Promise<void> {
    this.fetchedAt = this.now();
    if (!this.jwksUri) {
      const discovery = await this.discover();
      if (typeof discovery.jwks_uri !== 'string') throw new Error(`the OIDC discovery document of ${this.issuer} has no jwks_uri`);
      checkIssuerUrl(discovery.jwks_uri);
      this.jwksUri = discovery.jwks_uri;
    }
    const jwks = await fetchJson(this.jwksUri, this.timeoutMs, 'OIDC key set');
    if (!Array.isArray(jwks.keys)) throw new Error(`the OIDC key set ${this.jwksUri} has no "keys" list`);
    const keys: CachedKey[] = [];
    for (const jwk of jwks.keys.slice(0, 100) as Record<string, unknown>[]) {
      if (jwk === null || typeof jwk !== 'object') continue;
      if (jwk.use !== undefined && jwk.use !== 'sig') continue;
      let key: KeyObject;
      try {
        key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
      } catch {
        continue; // a key type this verifier does not use (e.g. an encryption key) is not an error
      }
      const kind = jwk.kty === 'RSA' ? 'RSA' : jwk.kty === 'EC' && jwk.crv === 'P-256' ? 'P-256' : 'other';
      const alg = (ALGORITHMS as readonly unknown[]).includes(jwk.alg) ? (jwk.alg as Algorithm) : undefined;
      keys.push({ kid: typeof jwk.kid === 'string' ? jwk.kid : undefined, alg, key, kind });
    }
    this.keys = keys;
  }

  /**
   * The identity a token proves, or a TokenError saying why it proves none. `expect.nonce`: the ID token
   * answers this sign-in (OIDC Core §3.1.3.7: its nonce is the one sent, and with several audiences its
   * `azp` is this client).
   */
  async verify(token: string, expect: { nonce?: string } = {}): Promise<OidcIdentity> {
    if (token.length > MAX_TOKEN) throw new TokenError(`the token is longer than ${MAX_TOKEN} characters`);
    const parts = token.split('.');
    if (parts.length !== 3) throw new TokenError('the token is not a JWT (three dot-separated parts)');
    const header = base64urlJson(parts[0], 'header');
    const alg = header.alg;
    if (!(ALGORITHMS as readonly unknown[]).includes(alg)) throw new TokenError(`the token's algorithm ${JSON.stringify(alg)} is not accepted (RS256 or ES256)`);
    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    let candidates = this.candidates(alg as Algorithm, kid);
    if (candidates.length === 0) {
      await this.refresh(false).catch(() => undefined);
      candidates = this.candidates(alg as Algorithm, kid);
    }
    if (candidates.length === 0) throw new TokenError(`no key of the issuer${kid ? ` with kid ${JSON.stringify(kid)}` : ''} for ${String(alg)}`);
    if (!/^[A-Za-z0-9_-]+$/.test(parts[2])) throw new TokenError("the token's signature is not base64url");
    const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
    const signature = Buffer.from(parts[2], 'base64url');
    const good = candidates.some((c) =>
      alg === 'ES256' ? verifySignature('sha256', signed, { key: c.key, dsaEncoding: 'ieee-p1363' }, signature) : verifySignature('sha256', signed, c.key, signature),
    );
    if (!good) throw new TokenError("the token's signature does not verify with the issuer's keys");
    const claims = base64urlJson(parts[1], 'payload');
    if (claims.iss !== this.issuer) throw new TokenError(`the token was issued by ${JSON.stringify(claims.iss)}, not ${this.issuer}`);
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(this.audience)) throw new TokenError(`the token is not for audience ${this.audience}`);
    const now = Math.floor(this.now() / 1000);
    if (typeof claims.exp !== 'number') throw new TokenError('the token has no expiry (exp)');
    if (claims.exp + this.leeway <= now) throw new TokenError('the token has expired');
    if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf - this.leeway > now)) throw new TokenError('the token is not valid yet (nbf)');
    if (typeof claims.sub !== 'string' || claims.sub === '') throw new TokenError('the token has no subject (sub)');
    if (expect.nonce !== undefined) {
      if (claims.nonce !== expect.nonce) throw new TokenError(claims.nonce === undefined ? 'the ID token has no nonce: it does not answer this sign-in' : "the ID token's nonce is not the one this sign-in sent (a token replayed from another sign-in?)");
      if (audiences.length > 1 && claims.azp !== this.audience) throw new TokenError(`the ID token names several audiences and its authorized party (azp) is not ${this.audience}`);
    }
    const name = typeof claims.email === 'string' ? claims.email : typeof claims.preferred_username === 'string' ? claims.preferred_username : claims.sub;
    return { subject: claims.sub, name, expires: claims.exp };
  }

  private candidates(alg: Algorithm, kid: string | undefined): CachedKey[] {
    const kind = alg === 'RS256' ? 'RSA' : 'P-256';
    return this.keys.filter((k) => k.kind === kind && (k.alg === undefined || k.alg === alg) && (kid === undefined || k.kid === kid));
  }
}
