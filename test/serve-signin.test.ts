/**
 * The OIDC browser sign-in of `kshield serve --oidc-client-id`: the authorization code flow with PKCE
 * against the test issuer on 127.0.0.1 (test/support/oidc-issuer.ts), first step by step over HTTP
 * (each refusal a person or an attacker can meet), then in real Chromium: a person clicks "Sign in",
 * comes back through the redirect and sees the overview, and is sent back to sign in when the ID
 * token expires; an issuer that is down is said on the page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { randomBytes, createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { HARDENED, kshield } from './support/cli.js';
import { startServe, type RunningServe } from './support/serve.js';
import { startTestIssuer, type TestIssuer } from './support/oidc-issuer.js';
import { OidcVerifier } from '../src/serve/oidc.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { launchChromium, skipUnlessBrowser, type LaunchedBrowser } from './support/browser.js';

type Obj = Record<string, any>;

const CLIENT = 'kshield-dashboard';
const browserSkip = skipUnlessBrowser('the kshield serve OIDC sign-in browser test');

const newBinding = (): string => randomBytes(32).toString('base64url');

/** The steps a browser takes, over plain HTTP, so each answer can be looked at. */
function signInSteps(serve: () => RunningServe) {
  const post = async (p: string, body: unknown): Promise<{ status: number; body: Obj }> => {
    const r = await fetch(serve().url + p, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: serve().url }, body: JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as Obj };
  };
  return {
    post,
    async start(binding: string): Promise<URL> {
      const r = await post('/auth/start', { binding });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return new URL(r.body.authorizeUrl);
    },
    /** The issuer's answer: where it sends the browser back (the callback address with code and state). */
    async authorize(url: URL): Promise<URL> {
      const r = await fetch(url, { redirect: 'manual' });
      assert.equal(r.status, 302, await r.text());
      return new URL(r.headers.get('location')!);
    },
    async callback(url: URL | string): Promise<{ status: number; location: string | null; text: string }> {
      const target = new URL(typeof url === 'string' ? url : url.pathname + url.search, serve().url);
      const r = await fetch(target, { redirect: 'manual' });
      return { status: r.status, location: r.headers.get('location'), text: await r.text() };
    },
    redeem: (binding: string) => post('/auth/redeem', { binding }),
  };
}

describe('kshield serve --oidc-client-id: the sign-in, step by step', () => {
  let issuer: TestIssuer;
  let serve: RunningServe;
  let dir: string;
  const steps = signInSteps(() => serve);
  /** A whole sign-in: the callback's answer, and the binding to redeem it with. */
  const signIn = async (): Promise<{ binding: string; callback: URL; answer: Awaited<ReturnType<typeof steps.callback>> }> => {
    const binding = newBinding();
    const callback = await steps.authorize(await steps.start(binding));
    return { binding, callback, answer: await steps.callback(callback) };
  };

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-signin-'));
    writeFileSync(path.join(dir, 'token'), 'a-long-enough-test-token-for-the-dashboard\n');
    issuer = await startTestIssuer({ clientId: CLIENT });
    serve = await startServe(['--database', ':memory:', '--oidc-issuer', issuer.url, '--oidc-client-id', CLIENT, '--oidc-timeout', '2s', '--token-file', path.join(dir, 'token')]);
    issuer.clients.get(CLIENT)!.redirectUris.push(`${serve.url}/auth/callback`);
  });

  after(async () => {
    await serve?.stop();
    await issuer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('it says the redirect URI to register, derived from the address it listens on', async () => {
    // Printed right after the "listening on" line startServe waits for: it may arrive a moment later.
    for (let i = 0; i < 50 && !serve.stdout().includes('redirect URI'); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(serve.stdout(), new RegExp(`OIDC sign-in through ${issuer.url} as client ${CLIENT}; redirect URI: ${serve.url}/auth/callback`));
  });

  test('a sign-in: PKCE S256, state and nonce sent; the code exchanged by the server; the ID token redeemed once by the tab that began it', async () => {
    const binding = newBinding();
    const authorize = await steps.start(binding);
    const q = authorize.searchParams;
    assert.equal(`${authorize.origin}${authorize.pathname}`, `${issuer.url}/authorize`);
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('client_id'), CLIENT);
    assert.equal(q.get('redirect_uri'), `${serve.url}/auth/callback`);
    assert.equal(q.get('scope'), 'openid email profile');
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.match(q.get('state')!, /^[A-Za-z0-9_-]{43}$/);
    assert.match(q.get('nonce')!, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(q.get('binding'), null, 'the binding secret never travels in an address');
    assert.ok(!authorize.href.includes(binding));

    const callback = await steps.authorize(authorize);
    const answer = await steps.callback(callback);
    assert.equal(answer.status, 303, answer.text);
    assert.equal(answer.location, '/#/signed-in', 'the browser comes back to an address with nothing secret in it');

    // The server proved it holds the verifier whose S256 is the challenge sent.
    const exchange = issuer.tokenRequests.at(-1)!;
    assert.equal(createHash('sha256').update(exchange.form.get('code_verifier')!).digest('base64url'), q.get('code_challenge'));
    assert.equal(exchange.form.get('client_id'), CLIENT, 'a public client names itself in the form');
    assert.equal(exchange.authorization, undefined);

    assert.equal((await steps.redeem(newBinding())).status, 404, "another tab's binding redeems nothing");
    const redeemed = await steps.redeem(binding);
    assert.equal(redeemed.status, 200, JSON.stringify(redeemed.body));
    assert.equal(redeemed.body.user, 'ana@example.com');
    const idToken: string = redeemed.body.token;
    assert.equal(idToken.split('.').length, 3);
    const again = await steps.redeem(binding);
    assert.equal(again.status, 404, 'a finished sign-in is redeemed once');

    const session = await fetch(`${serve.url}/api/session`, { headers: { Authorization: `Bearer ${idToken}` } });
    assert.equal(session.status, 200);
    const who = (await session.json()) as Obj;
    assert.deepEqual([who.user, who.via], ['ana@example.com', 'oidc']);

    // The token is in no address (issuer's or ours) and in no log line; nor is the code.
    for (const line of issuer.requests) assert.ok(!line.includes(idToken), line);
    assert.ok(!serve.stderr().includes(idToken));
    assert.ok(!serve.stderr().includes(callback.searchParams.get('code')!), 'the callback query (the code) is never logged');
    assert.ok(!serve.stdout().includes(idToken));
    assert.match(serve.stderr(), /sign-in: ana@example\.com signed in through/);
  });

  test('the printed-token login still works beside the sign-in', async () => {
    const r = await fetch(`${serve.url}/api/session`, { headers: { Authorization: 'Bearer a-long-enough-test-token-for-the-dashboard' } });
    assert.equal(r.status, 200);
    assert.equal(((await r.json()) as Obj).via, 'token');
  });

  test('a wrong or made-up state is refused, and its code is never exchanged', async () => {
    const callback = await steps.authorize(await steps.start(newBinding()));
    const exchanges = issuer.tokenRequests.length;
    const forged = new URL(callback);
    forged.searchParams.set('state', newBinding());
    const answer = await steps.callback(forged);
    assert.equal(answer.status, 400);
    assert.match(answer.text, /<h1>Sign-in failed<\/h1>/);
    assert.match(answer.text, /not one this dashboard is waiting for: its state is unknown, was used already, or is older than 10 minutes/);
    const none = await steps.callback(`/auth/callback?code=${callback.searchParams.get('code')}`);
    assert.equal(none.status, 400);
    assert.equal(issuer.tokenRequests.length, exchanges, 'no code goes to the issuer without a state this server issued');
  });

  test('a replayed code is refused: the same answer twice (state used), and the code under a new state (the issuer says invalid_grant)', async () => {
    const first = await signIn();
    assert.equal(first.answer.status, 303, first.answer.text);
    const replay = await steps.callback(first.callback);
    assert.equal(replay.status, 400);
    assert.match(replay.text, /its state is unknown, was used already/);
    assert.doesNotMatch(replay.text, /refused the authorization code/, "refused by the state, before the issuer is asked");

    const fresh = await steps.authorize(await steps.start(newBinding()));
    const stolen = new URL(fresh);
    stolen.searchParams.set('code', first.callback.searchParams.get('code')!);
    const answer = await steps.callback(stolen);
    assert.equal(answer.status, 400, answer.text);
    assert.match(answer.text, /the OIDC issuer refused the authorization code: invalid_grant \(the code is unknown or was used already\)/);
  });

  test('an ID token with another nonce, or for another audience, is refused', async () => {
    try {
      issuer.override = { nonce: 'a-nonce-from-another-sign-in' };
      const nonce = await signIn();
      assert.equal(nonce.answer.status, 403);
      assert.match(nonce.answer.text, /the ID token from the issuer is refused: the ID token&#39;s nonce is not the one this sign-in sent/);
      assert.equal((await steps.redeem(nonce.binding)).status, 404, 'nothing to redeem after a refusal');

      issuer.override = { nonce: undefined };
      assert.match((await signIn()).answer.text, /the ID token has no nonce/);

      issuer.override = { aud: 'someone-else', azp: 'someone-else' };
      const audience = await signIn();
      assert.equal(audience.answer.status, 403);
      assert.match(audience.answer.text, /the token is not for audience kshield-dashboard/);

      issuer.override = { aud: [CLIENT, 'someone-else'], azp: 'someone-else' };
      assert.match((await signIn()).answer.text, /names several audiences and its authorized party \(azp\) is not kshield-dashboard/);
    } finally {
      issuer.override = {};
    }
  });

  test('the issuer saying no (error=access_denied) is shown, its text made safe', async () => {
    const callback = await steps.authorize(await steps.start(newBinding()));
    const denied = new URL(`/auth/callback?state=${callback.searchParams.get('state')}&error=access_denied&error_description=${encodeURIComponent('<script>alert(1)</script> the user said no')}`, serve.url);
    const answer = await steps.callback(denied);
    assert.equal(answer.status, 403);
    assert.match(answer.text, /the OIDC issuer did not sign you in: access_denied \(&#60;script&#62;alert\(1\)&#60;\/script&#62; the user said no\)/);
    assert.doesNotMatch(answer.text, /<script>/);
  });

  test('a token endpoint that does not answer in --oidc-timeout, or answers too much, gives an error page, not a hang', async () => {
    try {
      issuer.tokenDelayMs = 20_000;
      const started = Date.now();
      const slow = await signIn();
      const took = Date.now() - started;
      assert.equal(slow.answer.status, 502);
      assert.match(slow.answer.text, /cannot fetch the OIDC token endpoint http:\/\/127\.0\.0\.1:\d+\/token: no answer within 2 s/);
      assert.ok(took < 8000, `answered in ${took} ms`);
      issuer.tokenDelayMs = 0;
      issuer.tokenPadding = 1024 * 1024;
      const big = await signIn();
      assert.equal(big.answer.status, 502);
      assert.match(big.answer.text, /the OIDC token endpoint http:\/\/127\.0\.0\.1:\d+\/token is larger than 262144 bytes/);
    } finally {
      issuer.tokenDelayMs = 0;
      issuer.tokenPadding = 0;
    }
  });

  test('the sign-in endpoints take JSON from this origin only, bounded, and a binding of the right shape', async () => {
    const cross = await fetch(`${serve.url}/auth/start`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: 'https://evil.example' }, body: JSON.stringify({ binding: newBinding() }) });
    assert.equal(cross.status, 403);
    const form = await fetch(`${serve.url}/auth/start`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'binding=x' });
    assert.equal(form.status, 415);
    const large = await fetch(`${serve.url}/auth/redeem`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ binding: 'x'.repeat(5000) }) });
    assert.equal(large.status, 413);
    assert.equal((await steps.post('/auth/start', { binding: 'short' })).status, 400);
    // Starting a sign-in needs no login: a flood of them asks the issuer for its discovery document at most once per 5 s.
    const discoveries = (): number => issuer.requests.filter((r) => r.includes('/.well-known/openid-configuration')).length;
    const before = discoveries();
    const flood = await Promise.all(Array.from({ length: 50 }, () => steps.post('/auth/start', { binding: newBinding() })));
    assert.ok(flood.every((r) => r.status === 200));
    assert.ok(discoveries() - before <= 1, `${discoveries() - before} discovery requests for 50 sign-ins`);
    const config = (await (await fetch(`${serve.url}/auth/config`)).json()) as Obj;
    assert.deepEqual(config, { oidc: { issuer: issuer.url } });
  });
});

describe('kshield serve --oidc-client-secret-file: a confidential client', () => {
  test('the secret goes to the token endpoint in HTTP Basic (or the form, when the issuer takes only that); a wrong one is an error page', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kshield-signin-secret-'));
    const issuer = await startTestIssuer({ clientId: 'dash', clientSecret: 's3cret:with&symbols' });
    writeFileSync(path.join(dir, 'secret'), 's3cret:with&symbols\n');
    writeFileSync(path.join(dir, 'wrong'), 'not-it\n');
    const steps = signInSteps(() => serve);
    let serve = await startServe(['--database', ':memory:', '--oidc-issuer', issuer.url, '--oidc-client-id', 'dash', '--oidc-client-secret-file', path.join(dir, 'secret')]);
    try {
      const binding = newBinding();
      const answer = await steps.callback(await steps.authorize(await steps.start(binding)));
      assert.equal(answer.status, 303, answer.text);
      const exchange = issuer.tokenRequests.at(-1)!;
      assert.match(exchange.authorization ?? '', /^Basic /);
      assert.equal(exchange.form.get('client_secret'), null, 'the secret is not also in the form');
      assert.equal((await steps.redeem(binding)).status, 200);
      assert.ok(!serve.stderr().includes('s3cret') && !serve.stdout().includes('s3cret'), 'the secret is never printed');
      await serve.stop();

      serve = await startServe(['--database', ':memory:', '--oidc-issuer', issuer.url, '--oidc-client-id', 'dash', '--oidc-client-secret-file', path.join(dir, 'wrong')]);
      const refused = await steps.callback(await steps.authorize(await steps.start(newBinding())));
      assert.equal(refused.status, 400);
      assert.match(refused.text, /the OIDC issuer refused the authorization code: invalid_client/);
      await serve.stop();

      // An issuer that takes the secret only in the form (client_secret_post) gets it there.
      issuer.tokenAuthMethods = ['client_secret_post'];
      serve = await startServe(['--database', ':memory:', '--oidc-issuer', issuer.url, '--oidc-client-id', 'dash', '--oidc-client-secret-file', path.join(dir, 'secret')]);
      const posted = await steps.callback(await steps.authorize(await steps.start(newBinding())));
      assert.equal(posted.status, 303, posted.text);
      const form = issuer.tokenRequests.at(-1)!;
      assert.equal(form.authorization, undefined);
      assert.deepEqual([form.form.get('client_id'), form.form.get('client_secret')], ['dash', 's3cret:with&symbols']);
    } finally {
      await serve.stop();
      await issuer.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the issuer\'s answers are bounded in size and time', () => {
  test('a discovery document sent without end (no Content-Length) is cut off at 1 MiB; one that never comes, at the timeout', async () => {
    let mode: 'endless' | 'silent' = 'endless';
    const server = http.createServer((req, res) => {
      if (mode === 'silent') return; // accepts the request and never answers
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"issuer":"');
      const chunk = 'x'.repeat(64 * 1024);
      const more = (): void => {
        if (!res.destroyed && res.write(chunk)) setImmediate(more);
        else if (!res.destroyed) res.once('drain', more);
      };
      more();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await assert.rejects(new OidcVerifier({ issuer: url, audience: 'a', timeoutMs: 10_000 }).start(), /the OIDC discovery document .* is larger than 1048576 bytes/);
      mode = 'silent';
      const started = Date.now();
      await assert.rejects(new OidcVerifier({ issuer: url, audience: 'a', timeoutMs: 500 }).start(), /cannot fetch the OIDC discovery document .*: no answer within 0\.5 s/);
      assert.ok(Date.now() - started < 3000);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('kshield serve --oidc-client-id: flags', () => {
  test('flag errors are plain and exit 2, before anything is contacted', () => {
    const cases: [string[], RegExp][] = [
      [['--oidc-client-id', 'dash'], /--oidc-client-id goes with --oidc-issuer/],
      [['--oidc-issuer', 'https://id.example.com', '--oidc-client-id', 'dash', '--oidc-audience', 'other'], /--oidc-audience other is not --oidc-client-id dash/],
      [['--oidc-issuer', 'https://id.example.com', '--oidc-client-id', 'dash', '--public-url', 'https://dash.example.com/kshield'], /--public-url https:\/\/dash\.example\.com\/kshield: give the origin only/],
      [['--oidc-issuer', 'https://id.example.com', '--oidc-client-id', 'dash', '--listen', '0.0.0.0:0'], /--oidc-client-id with --listen 0\.0\.0\.0:0 needs --public-url/],
      [['--oidc-issuer', 'https://id.example.com', '--oidc-audience', 'dash', '--public-url', 'https://dash.example.com'], /--public-url goes with --oidc-client-id/],
      [['--oidc-issuer', 'https://id.example.com', '--oidc-client-id', 'dash', '--oidc-timeout', 'soon'], /--oidc-timeout: expected a duration/],
    ];
    for (const [args, message] of cases) {
      const r = kshield(['serve', '--listen', '127.0.0.1:0', '--database', ':memory:', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
    }
  });
});

describe('kshield serve --oidc-client-id in Chromium', { skip: browserSkip.skip }, () => {
  let issuer: TestIssuer;
  let serve: RunningServe;
  let browser: LaunchedBrowser;
  let dir: string;

  const newPage = async (): Promise<{ page: Page; urls: string[]; errors: string[] }> => {
    const page = await browser.browser.newPage({ viewport: { width: 1280, height: 860 } });
    const urls: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => urls.push(r.url()));
    page.on('framenavigated', (f) => urls.push(f.url()));
    page.on('pageerror', (e) => errors.push(e.message));
    return { page, urls, errors };
  };

  before(async () => {
    if (browserSkip.missing) throw new Error(browserSkip.missing);
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-signin-ui-'));
    const scan = kshield(['scan', HARDENED, '--no-render', '-o', 'json', '--fail-on', 'none']);
    assert.equal(scan.code, 0, scan.stderr);
    writeFileSync(path.join(dir, 'staging.json'), scan.stdout);
    issuer = await startTestIssuer({ clientId: CLIENT });
    serve = await startServe(['--database', ':memory:', '--import', path.join(dir, 'staging.json'), '--oidc-issuer', issuer.url, '--oidc-client-id', CLIENT, '--oidc-timeout', '2s']);
    issuer.clients.get(CLIENT)!.redirectUris.push(`${serve.url}/auth/callback`);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await serve?.stop();
    await issuer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a person clicks "Sign in", comes back through the redirect and sees the overview; the token is in no address', async (t) => {
    const { page, urls, errors } = await newPage();
    await page.goto(serve.url + '/');
    const clicked = Date.now();
    await page.locator('#signin-button').click();
    await page.locator('#clusters').waitFor({ timeout: 15_000 });
    t.diagnostic(`from the click to the overview, through the issuer and back: ${Date.now() - clicked} ms`);
    assert.match(await page.locator('#who').innerText(), /ana@example\.com/);
    assert.equal(new URL(page.url()).hash, '#/');
    const token = await page.evaluate(() => sessionStorage.getItem('kshield.token'));
    assert.ok(token && token.split('.').length === 3, 'the ID token is kept for this tab');
    assert.ok(urls.some((u) => u.startsWith(`${issuer.url}/authorize?`)), 'the browser went through the issuer');
    assert.ok(urls.some((u) => u.startsWith(`${serve.url}/auth/callback?`)), 'and came back through the callback');
    for (const u of urls) assert.ok(!u.includes(token!), `the token is in an address: ${u.slice(0, 80)}`);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('kshield.signInBinding')), null, 'the binding is used once');
    // The findings page works with the signed-in token, as with a pasted one.
    await page.goto(serve.url + '/#/findings');
    await page.locator('#findings').waitFor();
    // Signing out forgets the token in this tab and shows the sign-in again.
    await page.locator('#sign-out').click();
    await page.locator('#signin-button').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('kshield.token')), null);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('when the ID token expires the page goes back to the sign-in, saying so', async () => {
    issuer.override = { exp: Math.floor(Date.now() / 1000) + 4 };
    try {
      const { page } = await newPage();
      await page.goto(serve.url + '/');
      await page.locator('#signin-button').click();
      await page.locator('#clusters').waitFor({ timeout: 15_000 });
      await page.locator('#login-error').waitFor({ timeout: 15_000 });
      assert.match(await page.locator('#login-error').innerText(), /your sign-in has expired: sign in again/);
      assert.ok(await page.locator('#signin-button').isVisible());
      assert.equal(await page.evaluate(() => sessionStorage.getItem('kshield.token')), null);
      await page.close();
    } finally {
      issuer.override = {};
    }
  });

  test('a made-up callback shows the error page, whose link leads back to the sign-in', async () => {
    const { page } = await newPage();
    const r = await page.goto(`${serve.url}/auth/callback?code=forged&state=forged`);
    assert.equal(r?.status(), 400);
    assert.match(await page.locator('#signin-reason').innerText(), /not one this dashboard is waiting for/);
    await page.locator('#signin-again').click();
    await page.locator('#signin-button').waitFor();
    await page.close();
  });

  test('an issuer that is down is said on the login page within the timeout, not met as a hang', async () => {
    const { page } = await newPage();
    await page.goto(serve.url + '/');
    await page.locator('#signin-button').waitFor();
    await issuer.close();
    // The discovery document is reused for 5 s (a flood of sign-ins is not passed on): wait that out.
    await new Promise((r) => setTimeout(r, 5200));
    const started = Date.now();
    await page.locator('#signin-button').click();
    await page.locator('#login-error').waitFor({ timeout: 10_000 });
    assert.match(await page.locator('#login-error').innerText(), new RegExp(`the OIDC issuer ${issuer.url.replace(/\./g, '\\.')} cannot be reached: cannot fetch the OIDC discovery document`));
    assert.ok(Date.now() - started < 8000);
    assert.equal(new URL(page.url()).origin, serve.url, 'the page stays on the dashboard');
    await page.close();
  });
});
