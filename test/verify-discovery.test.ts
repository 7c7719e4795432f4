/**
 * What a real docker-registry 2.8 cannot show: a registry with the OCI 1.1 referrers API (and its
 * artifactType filter), bounds on the number of referrers and on blob sizes, bytes that do not
 * match their digest, a registry failing mid-way (exit 2) — served by a small registry in this
 * process on 127.0.0.1. And the verifiers' edge cases on artifacts held in memory: keys of each
 * kind and size, DSSE's pre-authentication encoding, statements about other digests, SLSA v1
 * provenance, cosign's transparency-log record telling a changed payload from another key.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RegistryClient } from '../src/images/registry.js';
import { judgeStatement, normalizeRepository, pae } from '../src/signatures/attestations.js';
import { verifyCosignArtifacts } from '../src/signatures/cosign.js';
import { discoverArtifacts, resolveSubject } from '../src/signatures/discover.js';
import { KeyError, loadKey } from '../src/signatures/keys.js';
import { emptyPolicy, type VerifyPolicy } from '../src/signatures/policy.js';
import type { Descriptor, SignatureArtifact, SignedSubject } from '../src/signatures/types.js';
import { kshieldAsync } from './support/cli.js';
import { attestationLayer, inTotoStatement, makeKey, signatureLayer, signBytes, simpleSigningPayload, type LayerSpec, type TestKey } from './support/signing.js';

const work = mkdtempSync(path.join(tmpdir(), 'kshield-verify-discovery-'));
after(() => rmSync(work, { recursive: true, force: true }));

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const SIG_TYPE = 'application/vnd.dev.cosign.artifact.sig.v1+json';
const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** A registry in memory: manifests by tag and digest, blobs, the referrers API computed from manifests' subjects. */
class FakeRegistry {
  readonly manifests = new Map<string, { body: Buffer; mediaType: string }>();
  readonly blobs = new Map<string, Buffer>();
  readonly requests: string[] = [];
  referrersApi = true;
  /** Paths answered 500. */
  readonly failing = new Set<string>();
  /** Blob digests served with other bytes. */
  readonly corrupt = new Set<string>();
  /** Ignore the artifactType filter (a registry may). */
  ignoreFilter = false;
  /** Referrers per page (Link rel="next" to the rest); 0: all at once. */
  pageSize = 0;
  /** What the referrers endpoint answers when the API is off (docker-registry: 404; some others: 400). */
  noApiStatus = 404;
  private server!: http.Server;
  host = '';

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.host = `127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  blob(bytes: Buffer): Descriptor {
    const digest = sha256(bytes);
    this.blobs.set(digest, bytes);
    return { mediaType: 'application/octet-stream', digest, size: bytes.length };
  }

  manifest(value: unknown, tag?: string, mediaType = OCI_MANIFEST): { digest: string; body: Buffer } {
    const body = Buffer.from(JSON.stringify(value));
    const digest = sha256(body);
    this.manifests.set(digest, { body, mediaType });
    if (tag) this.manifests.set(tag, { body, mediaType });
    return { digest, body };
  }

  image(name: string): { digest: string; body: Buffer } {
    const config = this.blob(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })));
    return this.manifest({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { ...config, mediaType: 'application/vnd.oci.image.config.v1+json' }, layers: [], annotations: { name } }, name);
  }

  /** A cosign signature manifest as a referrer of `subject`. */
  referrer(subject: { digest: string; body: Buffer }, layers: LayerSpec[], artifactType = SIG_TYPE): string {
    const empty = this.blob(Buffer.from('{}'));
    const descriptors = layers.map((l) => ({ ...this.blob(l.bytes), mediaType: l.mediaType, annotations: l.annotations }));
    return this.manifest({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType, config: { ...empty, mediaType: 'application/vnd.oci.empty.v1+json' }, layers: descriptors, subject: { mediaType: OCI_MANIFEST, digest: subject.digest, size: subject.body.length } }).digest;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (this.failing.has(url.pathname)) return void res.writeHead(500, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNKNOWN"}]}');
    if (url.pathname === '/v2/') return void res.writeHead(200).end('{}');
    const m = /^\/v2\/(.+)\/(manifests|blobs|referrers)\/([^/]+)$/.exec(url.pathname);
    if (!m) return void res.writeHead(404).end();
    const kind = m[2];
    const reference = decodeURIComponent(m[3]);
    if (kind === 'manifests') {
      const found = this.manifests.get(reference);
      if (!found) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
      res.writeHead(200, { 'content-type': found.mediaType, 'docker-content-digest': sha256(found.body), 'content-length': found.body.length });
      return void res.end(req.method === 'HEAD' ? undefined : found.body);
    }
    if (kind === 'blobs') {
      let bytes = this.blobs.get(reference);
      if (!bytes) return void res.writeHead(404).end();
      if (this.corrupt.has(reference)) bytes = Buffer.from(bytes.toString('utf8').replace(/sha256:[0-9a-f]/, 'sha256:0'));
      res.writeHead(200, { 'content-length': bytes.length });
      return void res.end(req.method === 'HEAD' ? undefined : bytes);
    }
    if (!this.referrersApi) return void res.writeHead(this.noApiStatus).end();
    const filter = url.searchParams.get('artifactType');
    const manifests = [];
    for (const [key, { body }] of this.manifests) {
      if (!key.startsWith('sha256:')) continue;
      const value = JSON.parse(body.toString()) as { subject?: { digest: string }; artifactType?: string; annotations?: Record<string, string> };
      if (value.subject?.digest !== reference) continue;
      if (filter && !this.ignoreFilter && value.artifactType !== filter) continue;
      manifests.push({ mediaType: OCI_MANIFEST, digest: key, size: body.length, artifactType: value.artifactType });
    }
    const page = Number(url.searchParams.get('page') ?? '0');
    const shown = this.pageSize > 0 ? manifests.slice(page * this.pageSize, (page + 1) * this.pageSize) : manifests;
    const more = this.pageSize > 0 && (page + 1) * this.pageSize < manifests.length;
    res.writeHead(200, {
      'content-type': OCI_INDEX,
      ...(filter && !this.ignoreFilter ? { 'oci-filters-applied': 'artifactType' } : {}),
      ...(more ? { link: `</v2/${m[1]}/referrers/${reference}?page=${page + 1}>; rel="next"` } : {}),
    });
    res.end(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: shown }));
  }
}

const ecdsa = makeKey('ecdsa');
const other = makeKey('ecdsa');
const rsa = makeKey('rsa');
const policyWith = (...keys: TestKey[]): VerifyPolicy => ({ ...emptyPolicy(), keys: keys.map((k, i) => ({ pem: k.publicPem, source: `key${i + 1}.pub` })) });
const signed = (key: TestKey, digest: string): LayerSpec => {
  const payload = simpleSigningPayload('registry.example/app', digest);
  return signatureLayer(payload, signBytes(key, payload));
};

describe('discovery against a registry with the referrers API', () => {
  const registry = new FakeRegistry();
  let client: RegistryClient;
  before(async () => {
    await registry.start();
    client = new RegistryClient({ hosts: { [registry.host]: { insecureHttp: true } } });
  });
  after(async () => {
    client.close();
    await registry.stop();
  });

  test('a cosign signature stored as a referrer is found through the API (not the tag schema) and verifies', async () => {
    const image = registry.image('api');
    registry.referrer(image, [signed(ecdsa, image.digest)]);
    const subject = await resolveSubject(`${registry.host}/app:api`, client);
    assert.equal(subject.digest, image.digest);
    const discovery = await discoverArtifacts(subject, client);
    assert.equal(discovery.referrers, 'api');
    assert.deepEqual(discovery.artifacts.map((a) => [a.foundBy, a.artifactType]), [['referrers-api', SIG_TYPE]]);
    assert.ok(!registry.requests.includes(`GET /v2/app/manifests/${image.digest.replace(':', '-')}`), 'the tag schema is only the fallback');
    const results = await verifyCosignArtifacts(subject, discovery.artifacts, policyWith(ecdsa));
    assert.deepEqual(results.map((r) => [r.verified, r.failure]), [[true, undefined]]);
    assert.match(results[0].message, /^signature 1 in the referrer: signed by key1\.pub \(sha256:/);
  });

  test('the artifactType filter is asked of the registry, and applied here when the registry ignores it', async () => {
    const image = registry.image('filter');
    registry.referrer(image, [signed(ecdsa, image.digest)]);
    registry.referrer(image, [signed(ecdsa, image.digest)], 'application/vnd.cncf.notary.signature');
    const subject = await resolveSubject(`${registry.host}/app:filter`, client);
    registry.ignoreFilter = true;
    try {
      const discovery = await discoverArtifacts(subject, client, { artifactTypes: [SIG_TYPE] });
      assert.ok(registry.requests.includes(`GET /v2/app/referrers/${image.digest}?artifactType=${encodeURIComponent(SIG_TYPE)}`), registry.requests.join('\n'));
      assert.deepEqual(discovery.artifacts.map((a) => a.artifactType), [SIG_TYPE]);
    } finally {
      registry.ignoreFilter = false;
    }
  });

  test('at most maxArtifacts referrers are read; the rest are counted', async () => {
    const image = registry.image('many');
    for (let i = 0; i < 12; i++) registry.referrer(image, [signed(other, image.digest)]);
    const subject = await resolveSubject(`${registry.host}/app:many`, client);
    const before = registry.requests.length;
    const discovery = await discoverArtifacts(subject, client, { maxArtifacts: 3 });
    assert.equal(discovery.artifacts.length, 3);
    assert.equal(discovery.skipped, 9);
    const manifestReads = registry.requests.slice(before).filter((r) => /manifests\/sha256(:|%3A)/.test(r));
    assert.equal(manifestReads.length, 3);
  });

  test('referrers in pages are followed (Link rel="next"), up to the bound', async () => {
    const image = registry.image('paged');
    for (let i = 0; i < 5; i++) registry.referrer(image, [signed(i === 4 ? ecdsa : other, image.digest)]);
    registry.pageSize = 2;
    try {
      const subject = await resolveSubject(`${registry.host}/app:paged`, client);
      const discovery = await discoverArtifacts(subject, client);
      assert.equal(discovery.artifacts.length, 5);
      assert.equal(registry.requests.filter((r) => r.startsWith(`GET /v2/app/referrers/${image.digest}`)).length, 3);
      const results = await verifyCosignArtifacts(subject, discovery.artifacts, policyWith(ecdsa));
      assert.equal(results.filter((r) => r.verified).length, 1);
      const bounded = await discoverArtifacts(subject, client, { maxArtifacts: 1 });
      assert.deepEqual([bounded.artifacts.length, bounded.skipped], [1, 1]);
    } finally {
      registry.pageSize = 0;
    }
  });

  test('a registry answering 400 on the referrers endpoint falls back to the tag schema; an OCI artifact manifest (1.1 release candidates) is read', async () => {
    const image = registry.image('rc');
    const layer = signed(ecdsa, image.digest);
    const blob = { ...registry.blob(layer.bytes), mediaType: layer.mediaType, annotations: layer.annotations };
    const artifact = registry.manifest(
      { mediaType: 'application/vnd.oci.artifact.manifest.v1+json', artifactType: SIG_TYPE, blobs: [blob], subject: { mediaType: OCI_MANIFEST, digest: image.digest, size: image.body.length } },
      undefined,
      'application/vnd.oci.artifact.manifest.v1+json',
    );
    registry.referrersApi = false;
    registry.noApiStatus = 400;
    try {
      registry.manifest({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: 'application/vnd.oci.artifact.manifest.v1+json', digest: artifact.digest, size: artifact.body.length, artifactType: SIG_TYPE }] }, image.digest.replace(':', '-'), OCI_INDEX);
      const subject = await resolveSubject(`${registry.host}/app:rc`, client);
      const discovery = await discoverArtifacts(subject, client);
      assert.deepEqual(discovery.problems, []);
      assert.equal(discovery.referrers, 'tag-schema');
      const results = await verifyCosignArtifacts(subject, discovery.artifacts, policyWith(ecdsa));
      assert.deepEqual(results.map((r) => [r.verified, r.message.replace(/ \(sha256.*$/, '')]), [[true, 'signature 1 in the referrer (tag schema): signed by key1.pub']]);
      // Without the tag either, the 400 is what the user is told.
      registry.manifests.delete(image.digest.replace(':', '-'));
      const none = await discoverArtifacts(subject, client);
      assert.match(none.problems[0]?.message ?? '', /answered 400 Bad Request for the referrers of /);
    } finally {
      registry.referrersApi = true;
      registry.noApiStatus = 404;
    }
  });

  test('an artifact of more layers than are read is refused as a whole, said so', async () => {
    const image = registry.image('layers');
    const layer = signed(ecdsa, image.digest);
    registry.referrer(image, Array.from({ length: 65 }, () => layer));
    const subject = await resolveSubject(`${registry.host}/app:layers`, client);
    const discovery = await discoverArtifacts(subject, client);
    assert.deepEqual(discovery.artifacts, []);
    assert.match(discovery.problems[0].message, /has 65 layers, more than the 64 signatures read from one artifact$/);
  });

  test('a listed referrer that names another subject is not used, and said so', async () => {
    const image = registry.image('liar');
    const elsewhere = registry.image('elsewhere');
    const foreign = registry.referrer(elsewhere, [signed(ecdsa, image.digest)]);
    // The tag schema's index is client-written: it can list anything.
    registry.referrersApi = false;
    try {
      registry.manifest({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: foreign, size: registry.manifests.get(foreign)!.body.length, artifactType: SIG_TYPE }] }, image.digest.replace(':', '-'), OCI_INDEX);
      const subject = await resolveSubject(`${registry.host}/app:liar`, client);
      const discovery = await discoverArtifacts(subject, client);
      assert.equal(discovery.referrers, 'tag-schema');
      assert.deepEqual(discovery.artifacts, []);
      assert.match(discovery.problems[0].message, new RegExp(`is listed as a referrer but names another subject \\(${elsewhere.digest}\\)`));
    } finally {
      registry.referrersApi = true;
    }
  });

  test('a payload whose bytes do not match their digest is tampered-payload; a blob over the limit is not downloaded', async () => {
    const image = registry.image('corrupt');
    const layer = signed(ecdsa, image.digest);
    const artifactDigest = registry.referrer(image, [layer]);
    registry.corrupt.add(sha256(layer.bytes));
    const subject = await resolveSubject(`${registry.host}/app:corrupt`, client);
    const results = await verifyCosignArtifacts(subject, (await discoverArtifacts(subject, client)).artifacts, policyWith(ecdsa));
    assert.deepEqual(results.map((r) => [r.failure, r.artifact]), [['tampered-payload', artifactDigest]]);
    assert.match(results[0].message, /the payload's bytes do not match their digest sha256:/);

    const small = await discoverArtifacts(subject, client, { maxBlobBytes: 16 });
    const before = registry.requests.length;
    const limited = await verifyCosignArtifacts(subject, small.artifacts, policyWith(ecdsa));
    assert.equal(limited[0].failure, 'registry');
    assert.match(limited[0].message, /is \d+ bytes, more than the 16-byte limit/);
    assert.equal(registry.requests.slice(before).filter((r) => r.includes('/blobs/')).length, 0);
  });

  test('kshield verify: what a signed payload says reaches the terminal with its control characters escaped', async () => {
    const image = registry.image('escape');
    const payload = simpleSigningPayload('registry.example/app', image.digest, 'cosign \u001b[2J\u001b[31mcontainer');
    registry.referrer(image, [signatureLayer(payload, signBytes(ecdsa, payload))]);
    const key = path.join(work, 'escape.pub');
    writeFileSync(key, ecdsa.publicPem);
    const r = await kshieldAsync(['verify', `${registry.host}/app:escape`, '--insecure', '--key', key]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(!r.stdout.includes('\u001b'), 'no raw escape character');
    assert.ok(r.stdout.includes('critical.type is "cosign \\u001b[2J\\u001b[31mcontainer"'), r.stdout);
  });

  test('kshield verify: a registry failing on the signature tag is exit 2, with the registry line in the report', async () => {
    const image = registry.image('broken');
    registry.failing.add(`/v2/app/manifests/${image.digest.replace(':', '-')}.sig`);
    const key = path.join(work, 'ecdsa.pub');
    writeFileSync(key, ecdsa.publicPem);
    const r = await kshieldAsync(['verify', `${registry.host}/app:broken`, '--insecure', '--key', key]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /^FAIL +registry +cosign +signature +registry 127\.0\.0\.1:\d+ answered 500 Internal Server Error \(UNKNOWN\) for /m);
    // Whether a signature is attached is not known: no "no-signature" line claims it is not.
    assert.doesNotMatch(r.stdout, /no-signature/);
    assert.match(r.stdout, /- no signature verified \(registry\)/);
    // Signed through the API as well: the policy is met despite the failure, exit 0.
    registry.referrer(image, [signed(ecdsa, image.digest)]);
    const met = await kshieldAsync(['verify', `${registry.host}/app:broken`, '--insecure', '--key', key]);
    assert.equal(met.code, 0, met.stdout + met.stderr);
  });
});

/** An artifact in memory, as discovery would hand it over. */
function memoryArtifact(layers: LayerSpec[], foundBy: SignatureArtifact['foundBy'] = 'cosign-tag'): SignatureArtifact {
  const blobs = new Map(layers.map((l) => [sha256(l.bytes), l.bytes]));
  const descriptors = layers.map((l) => ({ mediaType: l.mediaType, digest: sha256(l.bytes), size: l.bytes.length, annotations: l.annotations }));
  return {
    digest: sha256(Buffer.from(JSON.stringify(descriptors))),
    foundBy,
    artifactType: 'application/vnd.oci.image.config.v1+json',
    manifest: { mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: 'sha256:' + '0'.repeat(64), size: 2 }, layers: descriptors },
    blob: async (d) => blobs.get(d.digest)!,
  };
}

const subject: SignedSubject = { reference: 'registry.example/app:1', registry: 'registry.example', repository: 'app', digest: `sha256:${'ab'.repeat(32)}`, mediaType: OCI_MANIFEST, size: 100 };

describe('keys', () => {
  test('ECDSA P-384 signatures verify with SHA-384, and with the SHA-256 older cosign used', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const key: TestKey = { type: 'ecdsa', privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
    const payload = simpleSigningPayload('registry.example/app', subject.digest);
    const { sign } = await import('node:crypto');
    const layer = signatureLayer(payload, sign('sha384', payload, { key: privateKey, dsaEncoding: 'der' }));
    const [result] = await verifyCosignArtifacts(subject, [memoryArtifact([layer])], policyWith(key));
    assert.equal(result.verified, true, result.message);
    // cosign before 2.6 hashed with SHA-256 on every curve: that signature is the key's too.
    const legacy = signatureLayer(payload, sign('sha256', payload, { key: privateKey, dsaEncoding: 'der' }));
    const [old] = await verifyCosignArtifacts(subject, [memoryArtifact([legacy])], policyWith(key));
    assert.equal(old.verified, true, old.message);
    const [wrong] = await verifyCosignArtifacts(subject, [memoryArtifact([legacy])], policyWith(ecdsa));
    assert.equal(wrong.failure, 'wrong-key');
  });

  test('short RSA keys, certificates, curves cosign does not use and garbage are refused with the reason', () => {
    const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    assert.throws(() => loadKey({ pem: rsa1024, source: 'old.pub' }), new KeyError('old.pub: an RSA key of 1024 bits; at least 2048 are needed'));
    const k256 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    assert.throws(() => loadKey({ pem: k256, source: 'k.pub' }), new KeyError('k.pub: an ECDSA key on curve secp256k1; cosign keys are P-256, P-384 or P-521'));
    assert.throws(() => loadKey({ pem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', source: 'c.pem' }), /c\.pem: not a PEM public key/);
    assert.throws(() => loadKey({ pem: '-----BEGIN PUBLIC KEY-----\nnot base64 at all\n-----END PUBLIC KEY-----\n', source: 'bad.pub' }), new KeyError('bad.pub: the PEM public key cannot be read'));
  });
});

describe('cosign signatures in memory', () => {
  test("a changed payload with cosign's transparency-log record: tampered-payload for an ECDSA key, wrong-key when the record names another key", async () => {
    const original = simpleSigningPayload('registry.example/app', `sha256:${'cd'.repeat(32)}`);
    const signature = signBytes(ecdsa, original);
    const changed = simpleSigningPayload('registry.example/app', subject.digest);
    const record = (key: TestKey) =>
      JSON.stringify({
        SignedEntryTimestamp: 'AAAA',
        Payload: {
          body: Buffer.from(
            JSON.stringify({
              apiVersion: '0.0.1',
              kind: 'hashedrekord',
              spec: { data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(original).digest('hex') } }, signature: { content: signature.toString('base64'), publicKey: { content: Buffer.from(key.publicPem).toString('base64') } } },
            }),
          ).toString('base64'),
          integratedTime: 1700000000,
          logIndex: 1,
          logID: 'c0d2',
        },
      });
    const layer = signatureLayer(changed, signature);
    const [tampered] = await verifyCosignArtifacts(subject, [memoryArtifact([{ ...layer, annotations: { ...layer.annotations, 'dev.sigstore.cosign/bundle': record(ecdsa) } }])], policyWith(ecdsa));
    assert.equal(tampered.failure, 'tampered-payload', tampered.message);
    assert.match(tampered.message, /its transparency-log record says key1\.pub \(sha256:[0-9a-f]{12}…\) signed a payload with SHA-256 [0-9a-f]{12}…, but the payload the registry holds is [0-9a-f]{12}…: it was changed after signing$/);
    const [wrong] = await verifyCosignArtifacts(subject, [memoryArtifact([{ ...layer, annotations: { ...layer.annotations, 'dev.sigstore.cosign/bundle': record(other) } }])], policyWith(ecdsa));
    assert.equal(wrong.failure, 'wrong-key');
    assert.match(wrong.message, /; its transparency-log record names key sha256:[0-9a-f]{12}…$/);
  });

  test('a layer of another media type, a missing or non-base64 signature annotation: unsupported-envelope, each said', async () => {
    const good = signed(ecdsa, subject.digest);
    const results = await verifyCosignArtifacts(
      subject,
      [memoryArtifact([{ ...good, mediaType: 'application/json' }, { ...good, annotations: {} }, { ...good, annotations: { 'dev.cosignproject.cosign/signature': 'not*base64' } }])],
      policyWith(ecdsa),
    );
    assert.deepEqual(
      results.map((r) => [r.failure, r.message]),
      [
        ['unsupported-envelope', "signature 1 of 3 in the cosign .sig tag has media type application/json, not cosign's simple signing (application/vnd.dev.cosign.simplesigning.v1+json)"],
        ['unsupported-envelope', 'signature 2 of 3 in the cosign .sig tag carries no signature (annotation dev.cosignproject.cosign/signature)'],
        ['unsupported-envelope', 'signature 3 of 3 in the cosign .sig tag: the dev.cosignproject.cosign/signature annotation is not base64'],
      ],
    );
  });

  test('without keys cosign has nothing to verify with and says nothing (keyless signatures are the Sigstore verifier’s)', async () => {
    assert.deepEqual(await verifyCosignArtifacts(subject, [memoryArtifact([signed(ecdsa, subject.digest)])], emptyPolicy()), []);
  });
});

describe('attestations in memory', () => {
  test("a DSSE signature over the payload alone (not DSSE's pre-authentication encoding) does not verify", async () => {
    const statement = inTotoStatement(subject.digest, 'https://cyclonedx.org/bom', { bomFormat: 'CycloneDX' });
    const envelope = { payloadType: 'application/vnd.in-toto+json', payload: statement.toString('base64'), signatures: [{ keyid: '', sig: signBytes(ecdsa, statement).toString('base64') }] };
    const layer: LayerSpec = { mediaType: 'application/vnd.dsse.envelope.v1+json', bytes: Buffer.from(JSON.stringify(envelope)), annotations: { predicateType: 'https://cyclonedx.org/bom' } };
    const results = await verifyCosignArtifacts(subject, [memoryArtifact([signed(ecdsa, subject.digest)]), memoryArtifact([layer])], policyWith(ecdsa));
    assert.equal(results[1].failure, 'wrong-key', results[1].message);
    assert.deepEqual(results[1].attestations, []);
    const proper = attestationLayer(statement, ecdsa, 'https://cyclonedx.org/bom');
    const ok = await verifyCosignArtifacts(subject, [memoryArtifact([proper])], policyWith(ecdsa));
    // No signature layer: a no-signature result first, then the verified attestation.
    assert.deepEqual(ok.map((r) => [r.verified, r.failure ?? r.attestations]), [[false, 'no-signature'], [true, ['https://cyclonedx.org/bom']]]);
  });

  test('an RSA-signed envelope whose payload was changed is tampered-payload', async () => {
    const statement = inTotoStatement(subject.digest, 'https://cyclonedx.org/bom', {});
    const layer = attestationLayer(statement, rsa, 'https://cyclonedx.org/bom');
    const envelope = JSON.parse(layer.bytes.toString()) as { payload: string };
    envelope.payload = inTotoStatement(subject.digest, 'https://cyclonedx.org/bom', { changed: true }).toString('base64');
    const [, result] = await verifyCosignArtifacts(subject, [memoryArtifact([{ ...layer, bytes: Buffer.from(JSON.stringify(envelope)) }])], policyWith(rsa));
    assert.equal(result.failure, 'tampered-payload', result.message);
  });

  test('judgeStatement: the statement type, the subject digest (by algorithm), SLSA v1 builder and source', () => {
    const policy = { provenance: { builders: ['https://builder.example/v1'], sources: ['https://git.example/acme/app'] } };
    assert.deepEqual(judgeStatement({ _type: 'https://example.com/Statement', predicateType: 'x', subject: [] }, subject.digest, policy).failure, 'unsupported-envelope');
    const sha512Only = judgeStatement({ _type: 'https://in-toto.io/Statement/v1', predicateType: 'https://cyclonedx.org/bom', subject: [{ digest: { sha512: 'ab'.repeat(64) } }] }, subject.digest, policy);
    assert.equal(sha512Only.failure, 'digest-mismatch');
    const v1 = (builder: string, dependency: string) => ({
      _type: 'https://in-toto.io/Statement/v1',
      predicateType: 'https://slsa.dev/provenance/v1',
      subject: [{ name: 'app', digest: { sha256: 'ab'.repeat(32) } }],
      predicate: { buildDefinition: { buildType: 'https://builder.example/type', externalParameters: {}, resolvedDependencies: [{ uri: dependency }] }, runDetails: { builder: { id: builder } } },
    });
    assert.equal(judgeStatement(v1('https://builder.example/v1', 'git+https://git.example/acme/app@refs/tags/v1'), subject.digest, policy).ok, true);
    const badSource = judgeStatement(v1('https://builder.example/v1', 'git+https://git.example/evil/app@refs/tags/v1'), subject.digest, policy);
    assert.deepEqual([badSource.failure, badSource.message], ['attestation', 'the provenance names source git+https://git.example/evil/app@refs/tags/v1, which is not an allowed source repository (https://git.example/acme/app)']);
    assert.equal(judgeStatement(v1('https://other.example', 'git+https://git.example/acme/app'), subject.digest, policy).failure, 'attestation');
  });

  test('normalizeRepository and pae', () => {
    assert.equal(normalizeRepository('git+https://GitHub.com/acme/App.git@refs/heads/main'), 'https://github.com/acme/App');
    assert.equal(normalizeRepository('github.com/acme/app/'), 'https://github.com/acme/app');
    // DSSE spec's example: lengths are in bytes, the body follows the last space as it is.
    assert.equal(pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString(), 'DSSEv1 29 http://example.com/HelloWorld 11 hello world');
  });
});
