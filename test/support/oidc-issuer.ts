/**
 * A small OpenID Connect issuer on 127.0.0.1 for the `kshield serve` tests: the discovery document,
 * the key set (RS256 and ES256 keys made with node:crypto), an authorization endpoint that signs a
 * test user in without asking (it answers with a redirect carrying code and state, as a real issuer
 * does after its login page), and a token endpoint that checks what a real one checks: the code used
 * once, the redirect URI it was issued for, the PKCE verifier (S256), the client's secret. Knobs make
 * it misbehave the ways the tests need (another nonce, another audience, a slow answer).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

type Obj = Record<string, any>;

export interface TestKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: KeyObject;
  publicJwk: Obj;
}

export function newKey(kid: string, alg: 'RS256' | 'ES256'): TestKey {
  const pair = alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, alg, privateKey: pair.privateKey, publicJwk: { ...pair.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' } };
}

export const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export function jwt(key: TestKey, claims: Obj, header: Obj = {}): string {
  const head = b64({ alg: key.alg, typ: 'JWT', kid: key.kid, ...header });
  const body = b64(claims);
  const data = Buffer.from(`${head}.${body}`);
  const signature = key.alg === 'RS256' ? sign('sha256', data, key.privateKey) : sign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${head}.${body}.${signature.toString('base64url')}`;
}

export interface TestUser {
  sub: string;
  email: string;
}

export interface IssuedCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  nonce: string | undefined;
  used: boolean;
}

export interface TestIssuer {
  /** The issuer's URL (http://127.0.0.1:PORT). */
  url: string;
  keys: TestKey[];
  /** Registered clients: id → secret (undefined: a public client); redirect URIs allowed per client (empty: any). */
  clients: Map<string, { secret?: string; redirectUris: string[] }>;
  /** Who the authorization endpoint signs in. */
  user: TestUser;
  /** Misbehaviour: claims put over the ID token's (e.g. { nonce: 'other' }, { aud: 'someone-else' }). */
  override: Obj;
  /** Misbehaviour: the token endpoint answers after this long. */
  tokenDelayMs: number;
  /** Misbehaviour: this many bytes of padding in the token endpoint's answer. */
  tokenPadding: number;
  /** token_endpoint_auth_methods_supported in the discovery document (undefined: left out). */
  tokenAuthMethods: string[] | undefined;
  jwksRequests: number;
  /** Every request's method and path with query, in order (what the tests look through for leaks). */
  requests: string[];
  /** The token endpoint's form bodies and Authorization headers, in order. */
  tokenRequests: { form: URLSearchParams; authorization: string | undefined }[];
  codes: Map<string, IssuedCode>;
  close(): Promise<void>;
}

function form(req: http.IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

export async function startTestIssuer(options: { clientId?: string; clientSecret?: string } = {}): Promise<TestIssuer> {
  const issuer: TestIssuer = {
    url: '',
    keys: [newKey('rsa-1', 'RS256'), newKey('ec-1', 'ES256')],
    clients: new Map(options.clientId ? [[options.clientId, { secret: options.clientSecret, redirectUris: [] }]] : []),
    user: { sub: 'user-1', email: 'ana@example.com' },
    override: {},
    tokenDelayMs: 0,
    tokenPadding: 0,
    tokenAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    jwksRequests: 0,
    requests: [],
    tokenRequests: [],
    codes: new Map(),
    close: async () => undefined,
  };
  const json = (res: http.ServerResponse, status: number, value: unknown): void => void res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(value));

  const server = http.createServer((req, res) => {
    issuer.requests.push(`${req.method} ${req.url}`);
    const url = new URL(req.url ?? '/', issuer.url);
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer: issuer.url,
        jwks_uri: `${issuer.url}/keys`,
        authorization_endpoint: `${issuer.url}/authorize`,
        token_endpoint: `${issuer.url}/token`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256', 'ES256'],
        code_challenge_methods_supported: ['S256'],
        scopes_supported: ['openid', 'email', 'profile'],
        ...(issuer.tokenAuthMethods ? { token_endpoint_auth_methods_supported: issuer.tokenAuthMethods } : {}),
      });
    }
    if (url.pathname === '/keys') {
      issuer.jwksRequests++;
      return json(res, 200, { keys: issuer.keys.map((k) => k.publicJwk) });
    }
    if (url.pathname === '/authorize' && req.method === 'GET') {
      // A real issuer shows its login page here; this one signs the test user in at once.
      const q = url.searchParams;
      const client = issuer.clients.get(q.get('client_id') ?? '');
      const redirectUri = q.get('redirect_uri') ?? '';
      if (!client || (client.redirectUris.length > 0 && !client.redirectUris.includes(redirectUri))) {
        // An unknown client or redirect address gets an error page, never a redirect (RFC 6749 §4.1.2.1).
        return void res.writeHead(400, { 'content-type': 'text/plain' }).end('unknown client or redirect_uri\n');
      }
      const back = new URL(redirectUri);
      if (q.get('state')) back.searchParams.set('state', q.get('state')!);
      if (q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge') || !(q.get('scope') ?? '').split(' ').includes('openid')) {
        back.searchParams.set('error', 'invalid_request');
        back.searchParams.set('error_description', 'response_type=code, scope openid and a S256 code_challenge are required');
      } else {
        const code = randomBytes(16).toString('base64url');
        issuer.codes.set(code, { clientId: q.get('client_id')!, redirectUri, challenge: q.get('code_challenge')!, nonce: q.get('nonce') ?? undefined, used: false });
        back.searchParams.set('code', code);
      }
      return void res.writeHead(302, { location: back.toString() }).end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      void form(req).then(async (body) => {
        issuer.tokenRequests.push({ form: body, authorization: req.headers.authorization });
        if (issuer.tokenDelayMs > 0) await new Promise((r) => setTimeout(r, issuer.tokenDelayMs));
        if (res.destroyed) return;
        // Client authentication: HTTP Basic (form-encoded id:secret) or the form's client_id/client_secret.
        let clientId = body.get('client_id') ?? undefined;
        let secret = body.get('client_secret') ?? undefined;
        const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        if (basic) {
          const [id, pass] = Buffer.from(basic, 'base64').toString('utf8').split(':');
          clientId = decodeURIComponent(id.replace(/\+/g, ' '));
          secret = decodeURIComponent((pass ?? '').replace(/\+/g, ' '));
        }
        const client = issuer.clients.get(clientId ?? '');
        if (!client || (client.secret !== undefined && client.secret !== secret)) return json(res, 401, { error: 'invalid_client' });
        if (body.get('grant_type') !== 'authorization_code') return json(res, 400, { error: 'unsupported_grant_type' });
        const code = issuer.codes.get(body.get('code') ?? '');
        if (!code || code.used) return json(res, 400, { error: 'invalid_grant', error_description: 'the code is unknown or was used already' });
        code.used = true;
        if (code.clientId !== clientId || code.redirectUri !== body.get('redirect_uri')) return json(res, 400, { error: 'invalid_grant', error_description: 'the code was issued to another client or redirect_uri' });
        const verifier = body.get('code_verifier') ?? '';
        if (createHash('sha256').update(verifier).digest('base64url') !== code.challenge) return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
        const now = Math.floor(Date.now() / 1000);
        const claims = { iss: issuer.url, aud: clientId, azp: clientId, sub: issuer.user.sub, email: issuer.user.email, nonce: code.nonce, iat: now, exp: now + 300, ...issuer.override };
        const answer = { access_token: randomBytes(16).toString('base64url'), token_type: 'Bearer', expires_in: 300, id_token: jwt(issuer.keys[0], claims) };
        if (issuer.tokenPadding === 0) return json(res, 200, answer);
        // Sent in chunks without a Content-Length: the client has to count what it reads.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(`${JSON.stringify(answer).slice(0, -1)},"padding":"`);
        for (let left = issuer.tokenPadding; left > 0; left -= 65536) res.write('x'.repeat(Math.min(65536, left)));
        res.end('"}');
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuer.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return issuer;
}
