/**
 * The Registry HTTP API v2 client behind digest pinning: against Debian's real docker-registry
 * (anonymous, and behind token authentication with anonymous and password-protected token
 * services), and against small fake registries for what a real one will not do on request
 * (Basic challenges, HEAD refused, wrong digests, hanging, oversized answers, redirects).
 *
 * Without docker-registry the real-registry part is skipped with a loud message, unless
 * KSHIELD_INTEGRATION=required (CI), where it fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RegistryClient, RegistryError, manifestUrl, parseChallenges, registryClientFor } from '../src/images/registry.js';
import { mutationPatch } from '../src/admission/mutate.js';
import { DEFAULT_MUTATION, type RegistryAccess } from '../src/config/webhook.js';
import { scanObjects } from '../src/pipeline/scan-files.js';
import { createTokenSigner, pushImage, pushIndex, registryMissing, sha256, startRegistry, startTokenServer, type Registry, type TokenServer, type TokenSigner } from './support/docker-registry.js';

const required = process.env.KSHIELD_INTEGRATION === 'required';
const why = registryMissing();
if (why && !required) {
  process.stderr.write(
    `\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n` +
      `!! SKIPPING the real-registry tests: ${why}.\n` +
      `!! Set KSHIELD_INTEGRATION=required to make this a failure.\n` +
      `!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n`,
  );
}

const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';

function podWithImage(image: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { containers: [{ name: 'app', image }] },
  };
}

function tempFile(name: string, content: string): { file: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'kshield-registry-test-'));
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('parseChallenges', () => {
  test('Bearer with quoted parameters, as Docker Hub sends it', () => {
    assert.deepEqual(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"'), [
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' } },
    ]);
  });
  test('several challenges, bare values, escapes and spacing', () => {
    assert.deepEqual(parseChallenges('Basic realm="Registry \\"Realm\\"", Bearer realm=https://a.example/t , service = reg'), [
      { scheme: 'basic', params: { realm: 'Registry "Realm"' } },
      { scheme: 'bearer', params: { realm: 'https://a.example/t', service: 'reg' } },
    ]);
  });
  test('garbage gives no usable challenge and no exception', () => {
    for (const header of ['', '===', '"unterminated', 'Bearer realm="x', ',,,']) assert.doesNotThrow(() => parseChallenges(header));
    assert.deepEqual(parseChallenges('=x'), []);
  });
});

describe('manifestUrl', () => {
  const cases: [string, RegistryAccess, string][] = [
    ['nginx', {}, 'https://registry-1.docker.io/v2/library/nginx/manifests/latest'],
    ['nginx:1.27', {}, 'https://registry-1.docker.io/v2/library/nginx/manifests/1.27'],
    ['docker.io/bitnami/redis:7.4', {}, 'https://registry-1.docker.io/v2/bitnami/redis/manifests/7.4'],
    ['index.docker.io/library/nginx:1', {}, 'https://registry-1.docker.io/v2/library/nginx/manifests/1'],
    ['ghcr.io/acme/team/api:2.0', {}, 'https://ghcr.io/v2/acme/team/api/manifests/2.0'],
    ['registry.local:5000/app:1', { hosts: { 'registry.local:5000': { insecureHttp: true } } }, 'http://registry.local:5000/v2/app/manifests/1'],
    ['REGISTRY.local:5000/app:1', { hosts: { 'registry.LOCAL:5000': { insecureHttp: true } } }, 'http://registry.local:5000/v2/app/manifests/1'],
    ['registry.local:5001/app:1', { hosts: { 'registry.local:5000': { insecureHttp: true } } }, 'https://registry.local:5001/v2/app/manifests/1'],
    // The webhook's localhost is its own pod: plain HTTP only when configured.
    ['localhost:5000/app:1', {}, 'https://localhost:5000/v2/app/manifests/1'],
  ];
  for (const [reference, access, expected] of cases) test(`${reference} → ${expected}`, () => assert.equal(manifestUrl(reference, access).href, expected));
  test('a malformed reference is a RegistryError', () => assert.throws(() => manifestUrl('Bad Image'), RegistryError));
});

describe('against docker-registry (distribution 2.8)', { skip: why && !required ? why : false, timeout: 120_000 }, () => {
  describe('anonymous, plain HTTP', () => {
    let registry: Registry;
    let access: RegistryAccess;
    before(async () => {
      if (why) assert.fail(`KSHIELD_INTEGRATION=required but ${why}`);
      registry = await startRegistry();
      access = { hosts: { [registry.host]: { insecureHttp: true } } };
    });
    after(async () => registry?.stop());

    test('a tag resolves to the sha256 of the manifest bytes pushed', async () => {
      const pushed = await pushImage(registry.base, 'team/app', '1.0');
      const client = new RegistryClient(access);
      assert.equal(await client.resolveDigest(`${registry.host}/team/app:1.0`), sha256(pushed.manifest));
      client.close();
    });

    test('a multi-platform tag resolves to its index, not to one platform', async () => {
      const amd = await pushImage(registry.base, 'team/multi', 'amd64', {}, 'amd64 layer');
      const arm = await pushImage(registry.base, 'team/multi', 'arm64', {}, 'arm64 layer');
      const index = await pushIndex(registry.base, 'team/multi', '2.0', [
        { image: amd, architecture: 'amd64' },
        { image: arm, architecture: 'arm64' },
      ]);
      const client = new RegistryClient(access);
      assert.equal(await client.resolveDigest(`${registry.host}/team/multi:2.0`), index.digest);
      assert.notEqual(index.digest, amd.digest);
      client.close();
    });

    test('an unknown tag is "not found"', async () => {
      const client = new RegistryClient(access);
      await assert.rejects(client.resolveDigest(`${registry.host}/team/app:9.9`), (e: Error) => e instanceof RegistryError && /not found.*404/.test(e.message));
      client.close();
    });

    test('without insecureHttp the client insists on HTTPS and fails', async () => {
      const client = new RegistryClient({ timeoutMs: 3000 });
      await assert.rejects(client.resolveDigest(`${registry.host}/team/app:1.0`), (e: Error) => e instanceof RegistryError && /over HTTPS .*configure it with insecureHttp/.test(e.message));
      client.close();
    });

    test('mutationPatch pins the image, and the pinned pod no longer fails image-not-pinned-by-digest', async () => {
      const pushed = await pushImage(registry.base, 'shop/web', '1.4.2');
      const image = `${registry.host}/shop/web:1.4.2`;
      const pod = podWithImage(image);
      const { patch, warnings } = await mutationPatch(pod, { ...DEFAULT_MUTATION, pinImageDigests: true }, { registries: access });
      assert.deepEqual(warnings, []);
      assert.deepEqual(
        patch.filter((op) => op.path.endsWith('/image')),
        [{ op: 'replace', path: '/spec/containers/0/image', value: `${image}@${pushed.digest}` }],
      );
      const pinned = podWithImage(`${image}@${pushed.digest}`);
      assert.equal(scanObjects([pod], { only: ['image-not-pinned-by-digest'] }).findings.length, 1);
      assert.equal(scanObjects([pinned], { only: ['image-not-pinned-by-digest'] }).findings.length, 0);
    });

    test('mutationPatch turns a failed lookup into a warning and no image change', async () => {
      const image = `${registry.host}/shop/missing:1.0`;
      const { patch, warnings } = await mutationPatch(podWithImage(image), { ...DEFAULT_MUTATION, pinImageDigests: true }, { registries: access });
      assert.ok(!patch.some((op) => op.path.endsWith('/image')));
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], new RegExp(`image ${image.replace(/[.]/g, '\\.')} was not pinned to a digest: .*not found`));
    });
  });

  describe('behind token authentication', () => {
    let signer: TokenSigner;
    let tokens: TokenServer;
    let registry: Registry;
    let pushed: Awaited<ReturnType<typeof pushImage>>;
    before(async () => {
      if (why) assert.fail(`KSHIELD_INTEGRATION=required but ${why}`);
      signer = createTokenSigner();
      tokens = await startTokenServer(signer);
      registry = await startRegistry({ realm: tokens.realm, signer });
      const push = { authorization: `Bearer ${signer.mint('team/app', ['pull', 'push'])}` };
      pushed = await pushImage(registry.base, 'team/app', '1.0', push);
      await pushImage(registry.base, 'team/app', '1.1', push);
    });
    after(async () => {
      await registry?.stop();
      await tokens?.close();
    });

    test('the registry refuses requests without a token (the flow below is needed)', async () => {
      const r = await fetch(`${registry.base}/v2/team/app/manifests/1.0`, { method: 'HEAD' });
      assert.equal(r.status, 401);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer realm=/);
    });

    test('401 → anonymous token for the challenged service and scope → retry; the token is reused', async () => {
      tokens.requests.length = 0;
      const client = new RegistryClient({ hosts: { [registry.host]: { insecureHttp: true } } });
      assert.equal(await client.resolveDigest(`${registry.host}/team/app:1.0`), pushed.digest);
      assert.deepEqual(tokens.requests, [{ service: signer.service, scope: 'repository:team/app:pull', authorization: undefined }]);
      assert.match(await client.resolveDigest(`${registry.host}/team/app:1.1`), /^sha256:[0-9a-f]{64}$/);
      assert.equal(tokens.requests.length, 1, 'the second tag of the repository reuses the token');
      client.close();
    });
  });

  describe('behind a token service that wants a password', () => {
    const credentials = { username: 'puller', password: 'pull-secret-3f9a1c' };
    let signer: TokenSigner;
    let tokens: TokenServer;
    let registry: Registry;
    let pushed: Awaited<ReturnType<typeof pushImage>>;
    const files: (() => void)[] = [];
    before(async () => {
      if (why) assert.fail(`KSHIELD_INTEGRATION=required but ${why}`);
      signer = createTokenSigner();
      tokens = await startTokenServer(signer, credentials);
      registry = await startRegistry({ realm: tokens.realm, signer });
      pushed = await pushImage(registry.base, 'private/app', '3.0', { authorization: `Bearer ${signer.mint('private/app', ['pull', 'push'])}` });
    });
    after(async () => {
      await registry?.stop();
      await tokens?.close();
      for (const cleanup of files) cleanup();
    });

    test('the username and password file are sent to the token service as Basic credentials', async () => {
      const secret = tempFile('password', `${credentials.password}\n`);
      files.push(secret.cleanup);
      tokens.requests.length = 0;
      const client = new RegistryClient({ hosts: { [registry.host]: { insecureHttp: true, username: credentials.username, passwordFile: secret.file } } });
      assert.equal(await client.resolveDigest(`${registry.host}/private/app:3.0`), pushed.digest);
      assert.equal(tokens.requests[0].authorization, `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`);
      client.close();
    });

    test('a wrong password is reported without the password; no credentials is reported as such', async () => {
      const wrong = tempFile('password', 'not-the-password-77c2');
      files.push(wrong.cleanup);
      const client = new RegistryClient({ hosts: { [registry.host]: { insecureHttp: true, username: credentials.username, passwordFile: wrong.file } } });
      await assert.rejects(client.resolveDigest(`${registry.host}/private/app:3.0`), (e: Error) => {
        assert.match(e.message, /did not accept the configured credentials/);
        assert.ok(!e.message.includes('not-the-password') && !e.message.includes(credentials.password));
        return true;
      });
      const anonymous = new RegistryClient({ hosts: { [registry.host]: { insecureHttp: true } } });
      await assert.rejects(anonymous.resolveDigest(`${registry.host}/private/app:3.0`), /refused an anonymous token/);
      const unreadable = new RegistryClient({ hosts: { [registry.host]: { insecureHttp: true, username: 'puller', passwordFile: '/nonexistent/kshield/password' } } });
      await assert.rejects(unreadable.resolveDigest(`${registry.host}/private/app:3.0`), /password file configured for registry .* cannot be read/);
      for (const c of [client, anonymous, unreadable]) c.close();
    });
  });
});

interface FakeRegistry {
  host: string;
  requests: { method: string; url: string; authorization?: string }[];
  close(): Promise<void>;
}

async function fakeRegistry(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<FakeRegistry> {
  const requests: FakeRegistry['requests'] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const MANIFEST = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST_TYPE, config: {}, layers: [] }));

describe('against fake registries', () => {
  test('Basic challenge: credentials are sent on the retry; without them the error says what to configure', async () => {
    const expected = `Basic ${Buffer.from('ci:s3cret-basic').toString('base64')}`;
    const fake = await fakeRegistry((req, res) => {
      if (req.headers.authorization !== expected) res.writeHead(401, { 'www-authenticate': 'Basic realm="fake"' }).end();
      else res.writeHead(200, { 'docker-content-digest': sha256(MANIFEST), 'content-type': MANIFEST_TYPE }).end();
    });
    const secret = tempFile('pw', 's3cret-basic');
    try {
      const client = new RegistryClient({ hosts: { [fake.host]: { insecureHttp: true, username: 'ci', passwordFile: secret.file } } });
      assert.equal(await client.resolveDigest(`${fake.host}/app:1`), sha256(MANIFEST));
      assert.deepEqual(fake.requests.map((r) => [r.method, r.authorization]), [['HEAD', undefined], ['HEAD', expected]]);
      const anonymous = new RegistryClient({ hosts: { [fake.host]: { insecureHttp: true } } });
      await assert.rejects(anonymous.resolveDigest(`${fake.host}/app:1`), /requires authentication \(401\); configure a username and passwordFile/);
    } finally {
      secret.cleanup();
      await fake.close();
    }
  });

  test('HEAD refused: the manifest is fetched and hashed; the Accept header asks for indexes and manifests', async () => {
    let accept = '';
    const fake = await fakeRegistry((req, res) => {
      accept = req.headers.accept ?? '';
      if (req.method === 'HEAD') res.writeHead(405).end();
      else res.writeHead(200, { 'content-type': MANIFEST_TYPE }).end(MANIFEST);
    });
    try {
      const client = new RegistryClient({ hosts: { [fake.host]: { insecureHttp: true } } });
      assert.equal(await client.resolveDigest(`${fake.host}/app:1`), sha256(MANIFEST));
      assert.deepEqual(fake.requests.map((r) => `${r.method} ${r.url}`), ['HEAD /v2/app/manifests/1', 'GET /v2/app/manifests/1']);
      for (const type of ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json', MANIFEST_TYPE, 'application/vnd.docker.distribution.manifest.v2+json'])
        assert.ok(accept.includes(type), type);
    } finally {
      await fake.close();
    }
  });

  test('a HEAD without Docker-Content-Digest falls back to GET; a GET whose bytes do not match the header is refused', async () => {
    const fake = await fakeRegistry((req, res) => {
      if (req.method === 'HEAD') res.writeHead(200, { 'content-type': MANIFEST_TYPE }).end();
      else res.writeHead(200, { 'content-type': MANIFEST_TYPE, 'docker-content-digest': `sha256:${'0'.repeat(64)}` }).end(MANIFEST);
    });
    try {
      const client = new RegistryClient({ hosts: { [fake.host]: { insecureHttp: true } } });
      await assert.rejects(client.resolveDigest(`${fake.host}/app:1`), /does not match its Docker-Content-Digest/);
      assert.deepEqual(fake.requests.map((r) => r.method), ['HEAD', 'GET']);
    } finally {
      await fake.close();
    }
  });

  test('a registry that never answers: a timeout, turned into a warning by the mutation, in about the time configured', async () => {
    const fake = await fakeRegistry(() => {
      // Accept the request and never answer.
    });
    try {
      const registries: RegistryAccess = { timeoutMs: 300, hosts: { [fake.host]: { insecureHttp: true } } };
      const started = Date.now();
      const { patch, warnings } = await mutationPatch(podWithImage(`${fake.host}/app:1`), { ...DEFAULT_MUTATION, pinImageDigests: true }, { registries });
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 250 && elapsed < 3000, `took ${elapsed} ms`);
      assert.deepEqual(warnings, [`kshield: image ${fake.host}/app:1 was not pinned to a digest: ${fake.host} did not answer within 300 ms`]);
      assert.ok(!patch.some((op) => op.path.endsWith('/image')));
      assert.ok(patch.length > 0, 'the security defaults are still written');
    } finally {
      await fake.close();
    }
  });

  test('the caller\'s AbortSignal (the admission deadline) ends a lookup at once', async () => {
    const fake = await fakeRegistry(() => {});
    try {
      const client = new RegistryClient({ timeoutMs: 20_000, hosts: { [fake.host]: { insecureHttp: true } } });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const started = Date.now();
      await assert.rejects(client.resolveDigest(`${fake.host}/app:1`, controller.signal), /admission deadline passed/);
      assert.ok(Date.now() - started < 2000);
      await assert.rejects(client.resolveDigest(`${fake.host}/app:2`, controller.signal), /admission deadline passed before/);
    } finally {
      await fake.close();
    }
  });

  test('an oversized manifest is cut off at the cap, whether announced or streamed', async () => {
    const big = Buffer.alloc(256 * 1024, 0x20);
    const fake = await fakeRegistry((req, res) => {
      if (req.method === 'HEAD') res.writeHead(405).end();
      else if (req.url?.includes('/announced/')) res.writeHead(200, { 'content-type': MANIFEST_TYPE, 'content-length': String(big.length) }).end(big);
      else {
        // Chunked, no length: the client must count.
        res.writeHead(200, { 'content-type': MANIFEST_TYPE });
        for (let i = 0; i < 16; i++) res.write(big.subarray(0, 16 * 1024));
        res.end();
      }
    });
    try {
      const client = new RegistryClient({ hosts: { [fake.host]: { insecureHttp: true } } }, { maxManifestBytes: 64 * 1024 });
      await assert.rejects(client.resolveDigest(`${fake.host}/announced/app:1`), /announced a response of 262144 bytes, more than the 65536-byte limit/);
      await assert.rejects(client.resolveDigest(`${fake.host}/streamed/app:1`), /sent a response larger than the 65536-byte limit/);
    } finally {
      await fake.close();
    }
  });

  test('answers are cached for their TTL, failures for a shorter one, and concurrent lookups share one request', async () => {
    let now = 1_000_000;
    const fake = await fakeRegistry((req, res) => {
      if (req.url?.includes('/missing/')) res.writeHead(404).end();
      else res.writeHead(200, { 'docker-content-digest': sha256(MANIFEST) }).end();
    });
    try {
      const client = new RegistryClient({ hosts: { [fake.host]: { insecureHttp: true } } }, { cacheTtlMs: 60_000, failureTtlMs: 5_000, now: () => now });
      const ref = `${fake.host}/app:1`;
      const [a, b] = await Promise.all([client.resolveDigest(ref), client.resolveDigest(ref)]);
      assert.equal(a, b);
      assert.equal(fake.requests.length, 1, 'concurrent lookups share one request');
      now += 59_000;
      await client.resolveDigest(ref);
      assert.equal(fake.requests.length, 1, 'within the TTL: from the cache');
      now += 2_000;
      await client.resolveDigest(ref);
      assert.equal(fake.requests.length, 2, 'after the TTL: asked again');
      const missing = `${fake.host}/missing/app:1`;
      await assert.rejects(client.resolveDigest(missing), /not found/);
      await assert.rejects(client.resolveDigest(missing), /not found/);
      assert.equal(fake.requests.length, 3, 'a failure is remembered briefly');
      now += 6_000;
      await assert.rejects(client.resolveDigest(missing), /not found/);
      assert.equal(fake.requests.length, 4);
    } finally {
      await fake.close();
    }
  });

  test('one client per configuration object', () => {
    const access: RegistryAccess = {};
    assert.equal(registryClientFor(access), registryClientFor(access));
    assert.notEqual(registryClientFor(access), registryClientFor({}));
  });

  test('a redirect to another origin does not carry the Authorization header along', async () => {
    const blobStore = await fakeRegistry((_req, res) => res.writeHead(200, { 'content-type': MANIFEST_TYPE }).end(MANIFEST));
    const expected = `Basic ${Buffer.from('ci:pw-redirect').toString('base64')}`;
    const front = await fakeRegistry((req, res) => {
      if (req.headers.authorization !== expected) res.writeHead(401, { 'www-authenticate': 'Basic realm="front"' }).end();
      else if (req.method === 'HEAD') res.writeHead(405).end();
      else res.writeHead(307, { location: `http://${blobStore.host}/manifests/app` }).end();
    });
    const secret = tempFile('pw', 'pw-redirect');
    try {
      const client = new RegistryClient({ hosts: { [front.host]: { insecureHttp: true, username: 'ci', passwordFile: secret.file } } });
      assert.equal(await client.resolveDigest(`${front.host}/app:1`), sha256(MANIFEST));
      assert.equal(blobStore.requests.length, 1);
      assert.equal(blobStore.requests[0].authorization, undefined);
    } finally {
      secret.cleanup();
      await front.close();
      await blobStore.close();
    }
  });
});
