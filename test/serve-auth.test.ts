/**
 * How `kshield serve` decides who may read: OIDC tokens checked against the test issuer on
 * 127.0.0.1 (test/support/oidc-issuer.ts: discovery document, key set), TLS, and the flag
 * errors a person meets first.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import https from 'node:https';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kshield, kshieldAsync } from './support/cli.js';
import { OidcVerifier } from '../src/serve/oidc.js';
import { startServe, type RunningServe } from './support/serve.js';
import { generateWebhookCertificates } from '../src/admission/certs.js';
import { b64, jwt, newKey, startTestIssuer, type TestIssuer, type TestKey } from './support/oidc-issuer.js';

type Obj = Record<string, any>;

const AUDIENCE = 'kshield-dashboard';

describe('kshield serve --oidc-issuer', () => {
  let testIssuer: TestIssuer;
  let issuer: string;
  let keys: TestKey[];
  let serve: RunningServe;
  const now = (): number => Math.floor(Date.now() / 1000);
  const claims = (extra: Obj = {}): Obj => ({ iss: issuer, aud: AUDIENCE, sub: 'user-1', email: 'ana@example.com', iat: now(), exp: now() + 300, ...extra });
  const session = async (token: string): Promise<{ status: number; body: Obj }> => {
    const r = await fetch(`${serve.url}/api/session`, { headers: { Authorization: `Bearer ${token}` } });
    return { status: r.status, body: (await r.json()) as Obj };
  };

  before(async () => {
    testIssuer = await startTestIssuer();
    issuer = testIssuer.url;
    keys = testIssuer.keys;
    serve = await startServe(['--database', ':memory:', '--oidc-issuer', issuer, '--oidc-audience', AUDIENCE]);
  });

  after(async () => {
    await serve?.stop();
    await testIssuer?.close();
  });

  test('no token is generated or printed when OIDC is the way in', () => {
    assert.equal(serve.token, undefined);
    assert.doesNotMatch(serve.stdout(), /token/);
  });

  test('RS256 and ES256 tokens of the issuer for the audience are accepted; the user is named', async () => {
    for (const key of keys) {
      const r = await session(jwt(key, claims()));
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.user, 'ana@example.com');
      assert.equal(r.body.via, 'oidc');
    }
  });

  test('refused: expired, not yet valid, other audience, other issuer, no expiry, tampered, unsigned, HMAC with the public key', async () => {
    const [rsa, ec] = keys;
    const cases: [string, string, RegExp][] = [
      ['expired', jwt(rsa, claims({ exp: now() - 120 })), /expired/],
      ['not yet valid', jwt(ec, claims({ nbf: now() + 600 })), /not valid yet/],
      ['other audience', jwt(rsa, claims({ aud: ['someone-else'] })), /not for audience/],
      ['other issuer', jwt(rsa, claims({ iss: 'https://evil.example' })), /issued by/],
      ['no expiry', jwt(rsa, claims({ exp: undefined })), /no expiry/],
    ];
    const good = jwt(rsa, claims());
    const [h, , s] = good.split('.');
    cases.push(['tampered payload', `${h}.${b64(claims({ sub: 'admin' }))}.${s}`, /signature does not verify/]);
    cases.push(['alg none', `${b64({ alg: 'none', kid: 'rsa-1' })}.${b64(claims())}.`, /algorithm "none" is not accepted/]);
    // The algorithm-confusion forgery: HS256 keyed with the public key's bytes.
    const pub = JSON.stringify(rsa.publicJwk);
    const head = b64({ alg: 'HS256', kid: 'rsa-1' });
    const body = b64(claims());
    cases.push(['HS256 with the public key', `${head}.${body}.${createHmac('sha256', pub).update(`${head}.${body}`).digest('base64url')}`, /algorithm "HS256" is not accepted/]);
    // Signed by a key the issuer never published, under a published kid.
    const stranger = { ...newKey('rsa-1', 'RS256') };
    cases.push(['unknown signer', jwt(stranger, claims()), /signature does not verify/]);
    for (const [what, token, reason] of cases) {
      const r = await session(token);
      assert.equal(r.status, 401, what);
      assert.match(r.body.error, reason, what);
    }
  });

  test('a rotated key (new kid) is fetched from the issuer, at most once a minute however many unknown kids arrive', async () => {
    // In-process with a clock of its own: the minute between key set fetches is the verifier's.
    let clock = Date.now();
    const verifier = new OidcVerifier({ issuer, audience: AUDIENCE, now: () => clock });
    await verifier.start();
    const fetched = testIssuer.jwksRequests;
    const rotated = newKey('rsa-2', 'RS256');
    keys.push(rotated);
    const token = jwt(rotated, claims());
    await assert.rejects(verifier.verify(token), /no key of the issuer with kid "rsa-2"/);
    for (let i = 0; i < 20; i++) await assert.rejects(verifier.verify(jwt(newKey(`nope-${i}`, 'ES256'), claims())), /no key of the issuer/);
    assert.equal(testIssuer.jwksRequests, fetched, 'unknown kids within a minute of the last fetch do not refetch the key set');
    clock += 61_000;
    const who = await verifier.verify(token);
    assert.equal(who.subject, 'user-1');
    assert.equal(testIssuer.jwksRequests, fetched + 1);
  });

  test('an issuer whose discovery document names another issuer is refused at start', async () => {
    // Not spawnSync: the issuer answers from this process.
    const r = await kshieldAsync(['serve', '--listen', '127.0.0.1:0', '--database', ':memory:', '--oidc-issuer', `${issuer}/`, '--oidc-audience', AUDIENCE]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--oidc-issuer: the OIDC discovery document at .* names issuer "http:\/\/127\.0\.0\.1:\d+", not http:\/\/127\.0\.0\.1:\d+\//);
  });
});

describe('kshield serve: TLS and flags', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-serve-tls-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('--tls-cert/--tls-key serve HTTPS with HSTS; plain HTTP to it fails', async () => {
    const certs = generateWebhookCertificates({ service: 'kshield-serve', namespace: 'test', ipAddresses: ['127.0.0.1'] });
    writeFileSync(path.join(dir, 'tls.crt'), certs.cert);
    writeFileSync(path.join(dir, 'tls.key'), certs.key);
    const serve = await startServe(['--database', ':memory:', '--tls-cert', path.join(dir, 'tls.crt'), '--tls-key', path.join(dir, 'tls.key')]);
    try {
      assert.match(serve.url, /^https:/);
      const answer = await new Promise<{ status: number; hsts: string | undefined; body: string }>((resolve, reject) => {
        https
          .get(`${serve.url}/api/sources`, { ca: certs.caCert, headers: { Authorization: `Bearer ${serve.token}` } }, (res) => {
            let body = '';
            res.on('data', (c) => (body += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, hsts: res.headers['strict-transport-security'] as string | undefined, body }));
          })
          .on('error', reject);
      });
      assert.equal(answer.status, 200);
      assert.equal(answer.body, '[]');
      assert.match(answer.hsts ?? '', /max-age=\d+/);
      await assert.rejects(fetch(serve.url.replace('https:', 'http:') + '/api/sources'));
    } finally {
      await serve.stop();
    }
  });

  test('flag errors are plain and exit 2', () => {
    const cases: [string[], RegExp][] = [
      [['--tls-cert', 'x.pem'], /--tls-cert and --tls-key go together/],
      [['--oidc-issuer', 'https://id.example.com'], /--oidc-issuer needs --oidc-audience/],
      [['--oidc-issuer', 'http://id.example.com', '--oidc-audience', 'a'], /an issuer must be https:\/\//],
      [['--listen', 'nowhere'], /--listen "nowhere": expected ADDRESS:PORT/],
      [['--interval', '1s'], /--interval: must be between 10s and/],
      [['--kubeconfig', 'k'], /give --interval too/],
      [['--import', path.join(dir, 'missing.json')], /--import .*missing\.json: no such file/],
      [['--database', 'mysql://x'], /--database: unsupported database URL/],
      [['--token-file', path.join(dir, 'none')], /--token-file .*none: cannot read it \(ENOENT\)/],
    ];
    for (const [args, message] of cases) {
      const r = kshield(['serve', '--listen', '127.0.0.1:0', ...(args.includes('--database') ? [] : ['--database', ':memory:']), ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
    }
  });
});
