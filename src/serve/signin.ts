/**
 * Browser sign-in for `kshield serve --oidc-client-id`: the OpenID Connect authorization code flow
 * with PKCE (S256), state and nonce, the code exchanged by this server, the ID token checked by the
 * same verifier as every API request (plus its nonce), and handed to the page in a JSON answer.
 *
 * Why the server exchanges the code, and how the token reaches the page without a cookie:
 * - the token endpoint is the issuer's, on another origin: a page exchange would need the issuer to
 *   answer CORS and the page's CSP to allow connecting there, and a client secret cannot live in a page;
 * - the ID token never appears in a URL: the issuer sends only the one-time code (bound to this
 *   server's PKCE verifier) to /auth/callback, which answers with a redirect to `/#/signed-in`, a
 *   fragment with nothing in it; the page then fetches the token with POST /auth/redeem. Neither the
 *   address bar, the history nor any server log sees it (the server logs paths, never query strings);
 * - the sign-in is bound to the browser tab that began it without a cookie: the page makes a random
 *   binding secret, keeps it in sessionStorage and sends it with POST /auth/start (a JSON body, never in
 *   a URL); only its SHA-256 is kept, and only that tab can redeem the finished sign-in. An answer
 *   forged into someone else's browser (login CSRF), or a callback address seen by someone else,
 *   finishes a sign-in nobody can redeem;
 * - every state is used once and lives 10 minutes, a finished sign-in waits 2 minutes for its tab,
 *   and both tables are bounded (the oldest entries go first), so an unauthenticated flood of
 *   /auth/start costs memory it cannot grow.
 */
import { createHash, randomBytes } from 'node:crypto';
import { HttpError } from './http.js';
import { fetchIssuerJson, TokenError, type IssuerEndpoints, type OidcVerifier } from './oidc.js';

export interface SignInOptions {
  verifier: OidcVerifier;
  clientId: string;
  /** A confidential client's secret (--oidc-client-secret-file); none: a public client, PKCE alone. */
  clientSecret?: string;
  /** Where the issuer sends the browser back: PUBLIC_URL/auth/callback. */
  redirectUri: string;
  log?: (line: string) => void;
  /** For tests: the time. */
  now?: () => number;
}

interface Pending {
  bindingHash: string;
  nonce: string;
  codeVerifier: string;
  endpoints: IssuerEndpoints;
  created: number;
}

interface Finished {
  token: string;
  user: string;
  expires: number;
  created: number;
}

export const STATE_LIFETIME_MS = 10 * 60_000;
export const REDEEM_WITHIN_MS = 2 * 60_000;
const MAX_PENDING = 1000;
const MAX_FINISHED = 1000;
/** The token endpoint's answer: an ID token (MAX_TOKEN 16 KiB), an access token and a little more. */
const MAX_TOKEN_RESPONSE = 256 * 1024;
const BINDING = /^[A-Za-z0-9_-]{43}$/;

const random = (): string => randomBytes(32).toString('base64url');
const sha256 = (text: string): string => createHash('sha256').update(text).digest('base64url');

/** A text from the issuer shown on the error page and logged: one line, printable, bounded. */
function issuerText(value: string | null): string {
  return (value ?? '').replace(/[^\x20-\x7e]/g, ' ').slice(0, 200).trim();
}

function bindingOf(body: unknown): string {
  const binding = (body as { binding?: unknown } | null)?.binding;
  if (typeof binding !== 'string' || !BINDING.test(binding)) throw new HttpError(400, 'the body must be {"binding": 32 random bytes, base64url}');
  return binding;
}

function remember<V extends { created: number }>(table: Map<string, V>, key: string, value: V, max: number, lifetime: number, now: number): void {
  for (const [k, v] of table) {
    if (now - v.created < lifetime && table.size < max) break;
    table.delete(k); // insertion order is age order: expired or surplus entries are at the front
  }
  table.set(key, value);
}

export class OidcSignIn {
  private readonly pending = new Map<string, Pending>();
  private readonly finished = new Map<string, Finished>();
  private readonly now: () => number;

  constructor(private readonly options: SignInOptions) {
    this.now = options.now ?? (() => Date.now());
  }

  /** What the login page offers (unauthenticated: the issuer's address is no secret). */
  config(): { issuer: string } {
    return { issuer: this.options.verifier.issuer };
  }

  /** POST /auth/start {binding}: a new state, nonce and PKCE verifier; the address to send the browser to. */
  async start(body: unknown): Promise<{ authorizeUrl: string }> {
    const bindingHash = sha256(bindingOf(body));
    let endpoints: IssuerEndpoints;
    try {
      endpoints = await this.options.verifier.endpoints();
    } catch (error) {
      this.options.log?.(`sign-in: the OIDC issuer cannot be reached: ${(error as Error).message}`);
      throw new HttpError(502, `the OIDC issuer ${this.options.verifier.issuer} cannot be reached: ${(error as Error).message}`);
    }
    if (endpoints.codeChallengeMethods && !endpoints.codeChallengeMethods.includes('S256')) {
      throw new HttpError(502, `the OIDC issuer ${this.options.verifier.issuer} does not offer PKCE with S256 (code_challenge_methods_supported: ${endpoints.codeChallengeMethods.join(', ')})`);
    }
    const state = random();
    const nonce = random();
    const codeVerifier = random(); // 43 characters of the unreserved set: RFC 7636 §4.1
    remember(this.pending, state, { bindingHash, nonce, codeVerifier, endpoints, created: this.now() }, MAX_PENDING, STATE_LIFETIME_MS, this.now());
    const url = new URL(endpoints.authorizationEndpoint);
    const scopes = ['openid', ...['email', 'profile'].filter((s) => !endpoints.scopes || endpoints.scopes.includes(s))];
    const params: Record<string, string> = {
      response_type: 'code',
      client_id: this.options.clientId,
      redirect_uri: this.options.redirectUri,
      scope: scopes.join(' '),
      state,
      nonce,
      code_challenge: sha256(codeVerifier),
      code_challenge_method: 'S256',
    };
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return { authorizeUrl: url.toString() };
  }

  /**
   * GET /auth/callback?code&state (or ?error&state): the state taken (once), the code exchanged, the ID
   * token verified with its nonce. Resolves with where to send the browser; an HttpError says why not.
   */
  async callback(query: URLSearchParams): Promise<string> {
    const state = query.get('state');
    const pending = state ? this.pending.get(state) : undefined;
    if (state) this.pending.delete(state);
    if (!pending || this.now() - pending.created >= STATE_LIFETIME_MS) {
      throw new HttpError(400, 'this sign-in answer is not one this dashboard is waiting for: its state is unknown, was used already, or is older than 10 minutes');
    }
    const refused = query.get('error');
    if (refused !== null) {
      const description = issuerText(query.get('error_description'));
      throw new HttpError(403, `the OIDC issuer did not sign you in: ${issuerText(refused)}${description ? ` (${description})` : ''}`);
    }
    const code = query.get('code');
    if (!code || code.length > 4096) throw new HttpError(400, 'the sign-in answer carries no authorization code');

    const idToken = await this.exchange(pending, code);
    let who;
    try {
      who = await this.options.verifier.verify(idToken, { nonce: pending.nonce });
    } catch (error) {
      if (error instanceof TokenError) throw new HttpError(403, `the ID token from the issuer is refused: ${error.message}`);
      throw new HttpError(502, `the ID token could not be checked: ${(error as Error).message}`);
    }
    remember(this.finished, pending.bindingHash, { token: idToken, user: who.name, expires: who.expires, created: this.now() }, MAX_FINISHED, REDEEM_WITHIN_MS, this.now());
    this.options.log?.(`sign-in: ${who.name} signed in through ${this.options.verifier.issuer}`);
    return '/#/signed-in';
  }

  /** POST /auth/redeem {binding}: the finished sign-in of the tab holding the binding, once. */
  redeem(body: unknown): { token: string; user: string; expires: number } {
    const key = sha256(bindingOf(body));
    const done = this.finished.get(key);
    this.finished.delete(key);
    if (!done || this.now() - done.created >= REDEEM_WITHIN_MS) throw new HttpError(404, 'no finished sign-in for this browser tab: sign in again');
    return { token: done.token, user: done.user, expires: done.expires };
  }

  /** The code for an ID token at the issuer's token endpoint (RFC 6749 §4.1.3, RFC 7636 §4.5). */
  private async exchange(pending: Pending, code: string): Promise<string> {
    const { tokenEndpoint, tokenAuthMethods } = pending.endpoints;
    const form = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: this.options.redirectUri, code_verifier: pending.codeVerifier });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    const secret = this.options.clientSecret;
    // client_secret_basic is the default method (OIDC Discovery §3); _post only when the issuer offers nothing else.
    if (secret !== undefined && (!tokenAuthMethods || tokenAuthMethods.includes('client_secret_basic'))) {
      const encode = (text: string): string => new URLSearchParams({ x: text }).toString().slice(2); // RFC 6749 §2.3.1: form-encoded first
      headers.authorization = `Basic ${Buffer.from(`${encode(this.options.clientId)}:${encode(secret)}`).toString('base64')}`;
    } else if (secret !== undefined && tokenAuthMethods!.includes('client_secret_post')) {
      form.set('client_id', this.options.clientId);
      form.set('client_secret', secret);
    } else if (secret !== undefined) {
      throw new HttpError(502, `the OIDC issuer takes neither client_secret_basic nor client_secret_post (token_endpoint_auth_methods_supported: ${tokenAuthMethods!.join(', ')})`);
    } else {
      form.set('client_id', this.options.clientId);
    }
    let answer: Awaited<ReturnType<typeof fetchIssuerJson>>;
    try {
      answer = await fetchIssuerJson(tokenEndpoint, this.options.verifier.timeoutMs, 'OIDC token endpoint', { method: 'POST', headers, body: form.toString() }, MAX_TOKEN_RESPONSE);
    } catch (error) {
      throw new HttpError(502, (error as Error).message);
    }
    const { status, body } = answer;
    if (status < 200 || status > 299) {
      const reason = typeof body?.error === 'string' ? `${issuerText(body.error)}${typeof body.error_description === 'string' ? ` (${issuerText(body.error_description)})` : ''}` : `HTTP ${status}`;
      // invalid_grant: a code used twice, expired, or not issued for this verifier and redirect address.
      throw new HttpError(status >= 500 ? 502 : 400, `the OIDC issuer refused the authorization code: ${reason}`);
    }
    if (typeof body?.id_token !== 'string') throw new HttpError(502, 'the OIDC token endpoint answered without an id_token');
    return body.id_token;
  }
}
