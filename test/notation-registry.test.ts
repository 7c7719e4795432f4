/**
 * Notary Project signatures through a real registry: Debian's docker-registry (distribution 2.8,
 * which has no referrers API) on 127.0.0.1. The signatures are pushed as notation pushes them
 * there — signature manifests with `subject`, listed in the referrers tag schema's index under
 * the tag `sha256-<hex>` — read back with kshield's registry client, and verified.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RegistryClient } from '../src/images/registry.js';
import { verifyNotationArtifacts } from '../src/signatures/notation.js';
import type { Descriptor, SignatureArtifact, SignedSubject } from '../src/signatures/types.js';
import { pushImage, putManifest, registryMissing, startRegistry, uploadBlob, type Registry } from './support/docker-registry.js';
import { issueLeaf, makeRoot, signatureManifest, signCose, signJws, writeTrustStore, type ArtifactParts } from './support/notation-fixtures.js';

const missing = registryMissing();
const REPOSITORY = 'team/app';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

let registry: Registry | undefined;
let dir: string;

before(async () => {
  if (missing) return;
  registry = await startRegistry();
  dir = mkdtempSync(path.join(tmpdir(), 'kshield-notation-registry-'));
});

after(async () => {
  await registry?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function pushSignature(base: string, parts: ArtifactParts): Promise<Descriptor> {
  await uploadBlob(base, REPOSITORY, parts.config, {});
  await uploadBlob(base, REPOSITORY, parts.envelope, {});
  await putManifest(base, REPOSITORY, parts.manifestDigest, OCI_MANIFEST, parts.manifest, {});
  const manifest = JSON.parse(parts.manifest.toString()) as { artifactType?: string; config: Descriptor; annotations?: Record<string, string> };
  return { mediaType: OCI_MANIFEST, digest: parts.manifestDigest, size: parts.manifest.length, artifactType: manifest.artifactType ?? manifest.config.mediaType, annotations: manifest.annotations };
}

/** What discovery does for a registry without the referrers API: the `sha256-<hex>` index, then each manifest and its blobs, digests checked. */
async function readSignatures(client: RegistryClient, host: string, digest: string): Promise<SignatureArtifact[]> {
  const index = await client.getManifest(host, REPOSITORY, digest.replace(':', '-'));
  const listed = (JSON.parse(index.body.toString()) as { manifests: Descriptor[] }).manifests;
  const out: SignatureArtifact[] = [];
  for (const descriptor of listed) {
    const fetched = await client.getManifest(host, REPOSITORY, descriptor.digest);
    const manifest = JSON.parse(fetched.body.toString()) as SignatureArtifact['manifest'] & { artifactType?: string };
    out.push({
      digest: fetched.digest,
      foundBy: 'referrers-tag',
      artifactType: manifest.artifactType ?? manifest.config.mediaType,
      manifest,
      blob: async (d) => {
        const { stream } = await client.openBlob(host, REPOSITORY, d.digest);
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of stream) {
          size += (chunk as Buffer).length;
          if (size > d.size) throw new Error(`blob ${d.digest} is larger than its descriptor says`);
          chunks.push(chunk as Buffer);
        }
        const bytes = Buffer.concat(chunks);
        if (`sha256:${createHash('sha256').update(bytes).digest('hex')}` !== d.digest) throw new Error(`blob ${d.digest} does not match its digest`);
        return bytes;
      },
    });
  }
  return out;
}

test('notation signatures pushed with subject under the referrers tag schema are read back from docker-registry and verified', { skip: missing }, async () => {
  const { base, host } = registry!;
  const image = await pushImage(base, REPOSITORY, '1.0');
  const subject: SignedSubject = { reference: `${host}/${REPOSITORY}:1.0`, registry: host, repository: REPOSITORY, digest: image.digest, mediaType: OCI_MANIFEST, size: image.manifest.length };
  const target: Descriptor = { mediaType: OCI_MANIFEST, digest: image.digest, size: image.manifest.length };

  const root = makeRoot();
  const ecRoot = makeRoot({ key: 'ec256' });
  const stranger = makeRoot({ subject: [['C', 'US'], ['ST', 'WA'], ['O', 'wabbit-networks.io'], ['CN', 'wabbit root']] });
  writeTrustStore(dir, 'ca', 'acme-rockets', [root.pem, ecRoot.pem]);
  const rsaSigner = issueLeaf(root);
  const ecSigner = issueLeaf(ecRoot, { key: 'ec256' });

  const jws = signatureManifest(signJws({ target, identity: rsaSigner }), target, { chain: rsaSigner.chain });
  const cose = signatureManifest(signCose({ target, identity: ecSigner }), target, { mediaType: 'application/cose', legacy: true, chain: ecSigner.chain });
  const foreign = signatureManifest(signJws({ target, identity: issueLeaf(stranger) }), target);
  const descriptors = [];
  for (const parts of [jws, cose, foreign]) descriptors.push(await pushSignature(base, parts));
  const referrers = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: descriptors }));
  await putManifest(base, REPOSITORY, image.digest.replace(':', '-'), OCI_INDEX, referrers, {});

  const client = new RegistryClient({ hosts: { [host]: { insecureHttp: true } } });
  const artifacts = await readSignatures(client, host, image.digest);
  assert.equal(artifacts.length, 3);
  const results = await verifyNotationArtifacts(subject, artifacts, {
    trustPolicy: {
      version: '1.0',
      trustPolicies: [{ name: 'team-app', registryScopes: [`${host}/${REPOSITORY}`], signatureVerification: { level: 'strict' }, trustStores: ['ca:acme-rockets'], trustedIdentities: ['x509.subject: C=US, ST=WA, O=acme-rockets.io'] }],
    },
    trustStoreDir: dir,
  });
  assert.deepEqual(
    results.map((r) => [r.artifact, r.verified, r.failure ?? null]),
    [
      [jws.manifestDigest, true, null],
      [cose.manifestDigest, true, null],
      [foreign.manifestDigest, false, 'untrusted-chain'],
    ],
  );
  assert.match(results[0].message, /JWS PS256/);
  assert.match(results[1].message, /COSE ES256/);
  assert.equal(results[0].signer, 'C=US, ST=WA, L=Seattle, O=acme-rockets.io, OU=Finance, CN=SecureBuilder');

  // Another image of the repository is not what these signatures name.
  const other = await pushImage(base, REPOSITORY, '2.0', {}, 'another image');
  const otherSubject: SignedSubject = { ...subject, reference: `${host}/${REPOSITORY}:2.0`, digest: other.digest, size: other.manifest.length };
  const mismatched = await verifyNotationArtifacts(otherSubject, artifacts.slice(0, 1), {
    trustPolicy: { version: '1.0', trustPolicies: [{ name: 'all', registryScopes: ['*'], signatureVerification: { level: 'audit' }, trustStores: ['ca:acme-rockets'], trustedIdentities: ['*'] }] },
    trustStoreDir: dir,
  });
  assert.equal(mismatched[0].failure, 'digest-mismatch');
});
