/**
 * Sigstore bundles through a real registry (Debian's docker-registry 2.8 on 127.0.0.1): pushed as
 * cosign v3 pushes them (an OCI artifact manifest with `subject`, one bundle layer) and listed in
 * the referrers tag schema's `sha256-<hex>` index, which registries without the referrers API
 * need; read back with a hand-written client (discovery is not this file's subject) and verified.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { kshield } from './support/cli.js';
import { after, before, describe, test } from 'node:test';
import { verifySigstoreArtifacts, type SigstorePolicy } from '../src/signatures/sigstore.js';
import type { Descriptor, SignatureArtifact, SignedSubject } from '../src/signatures/types.js';
import { pushImage, putManifest, registryMissing, sha256, startRegistry, uploadBlob, type Registry } from './support/docker-registry.js';
import { COSIGN_SIGN_PREDICATE, TestSigstore, makeBundle, statement } from './support/sigstore-fixtures.js';

const why = registryMissing();
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const EMPTY_CONFIG = Buffer.from('{}');
const ISSUER = 'https://token.actions.example.com';
const EMAIL = 'release@example.com';

/** Pushes a bundle as a referrer of `subject` and returns the artifact manifest's descriptor. */
async function pushBundle(registry: Registry, repository: string, subject: Descriptor, bundle: Record<string, unknown>, predicateType?: string): Promise<Descriptor> {
  const bytes = Buffer.from(JSON.stringify(bundle));
  const mediaType = String(bundle.mediaType);
  const layerDigest = await uploadBlob(registry.base, repository, bytes, {});
  const configDigest = await uploadBlob(registry.base, repository, EMPTY_CONFIG, {});
  const annotations = {
    'dev.sigstore.bundle.content': 'dsseEnvelope' in bundle ? 'dsse-envelope' : 'message-signature',
    ...(predicateType ? { 'dev.sigstore.bundle.predicateType': predicateType } : {}),
  };
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: mediaType,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: configDigest, size: EMPTY_CONFIG.length },
    layers: [{ mediaType, digest: layerDigest, size: bytes.length }],
    subject,
    annotations,
  }));
  const digest = sha256(manifest);
  await putManifest(registry.base, repository, digest, OCI_MANIFEST, manifest, {});
  return { mediaType: OCI_MANIFEST, digest, size: manifest.length, artifactType: mediaType, annotations };
}

async function getChecked(url: string, digest: string, accept?: string, limit = 1024 * 1024): Promise<Buffer> {
  const response = await fetch(url, { headers: accept ? { accept } : {} });
  assert.equal(response.status, 200, `${url}: ${response.status}`);
  const bytes = Buffer.from(await response.arrayBuffer());
  assert.ok(bytes.length <= limit, `${url}: larger than ${limit}`);
  assert.equal(sha256(bytes), digest, `${url}: content does not match its digest`);
  return bytes;
}

/** The referrers tag schema read by hand: the `sha256-<hex>` index, then each bundle manifest. */
async function referrersByTag(registry: Registry, repository: string, subjectDigest: string): Promise<SignatureArtifact[]> {
  const response = await fetch(`${registry.base}/v2/${repository}/manifests/${subjectDigest.replace(':', '-')}`, { headers: { accept: OCI_INDEX } });
  assert.equal(response.status, 200);
  const index = JSON.parse(await response.text()) as { manifests: Descriptor[] };
  const artifacts: SignatureArtifact[] = [];
  for (const descriptor of index.manifests) {
    const bytes = await getChecked(`${registry.base}/v2/${repository}/manifests/${descriptor.digest}`, descriptor.digest, OCI_MANIFEST);
    const manifest = JSON.parse(bytes.toString('utf8')) as SignatureArtifact['manifest'] & { artifactType?: string };
    artifacts.push({
      digest: descriptor.digest,
      foundBy: 'referrers-tag',
      artifactType: manifest.artifactType ?? manifest.config.mediaType,
      manifest,
      blob: (blob) => getChecked(`${registry.base}/v2/${repository}/blobs/${blob.digest}`, blob.digest, undefined, 4 * 1024 * 1024),
    });
  }
  return artifacts;
}

describe('Sigstore bundles pushed to a real registry under the referrers tag schema', { skip: why }, () => {
  let registry: Registry;
  const sigstore = new TestSigstore();
  const policy: SigstorePolicy = { trustedRoot: sigstore.trustedRoot(), identities: [{ issuer: ISSUER, subject: EMAIL }] };

  before(async () => {
    registry = await startRegistry();
  });
  after(async () => {
    await registry?.stop();
  });

  test('a signature, an attestation and a message signature are found, read and verified; a bundle for another image is not accepted', async () => {
    const repository = 'team/app';
    const image = await pushImage(registry.base, repository, '1.0');
    const other = await pushImage(registry.base, repository, '2.0', {}, 'another image');
    const subjectDescriptor: Descriptor = { mediaType: OCI_MANIFEST, digest: image.digest, size: image.manifest.length };
    const signer = sigstore.keyless({ issuer: ISSUER, email: EMAIL });
    const pushed = [
      await pushBundle(registry, repository, subjectDescriptor, makeBundle(sigstore, { signer, content: { kind: 'dsse', payload: statement(image.digest, COSIGN_SIGN_PREDICATE) } }), COSIGN_SIGN_PREDICATE),
      await pushBundle(registry, repository, subjectDescriptor, makeBundle(sigstore, { signer, content: { kind: 'dsse', payload: statement(image.digest, 'https://cyclonedx.org/bom') } }), 'https://cyclonedx.org/bom'),
      await pushBundle(registry, repository, subjectDescriptor, makeBundle(sigstore, { signer, content: { kind: 'message', artifact: image.manifest } })),
      // Signed for the other image, but listed as this image's referrer.
      await pushBundle(registry, repository, subjectDescriptor, makeBundle(sigstore, { signer, content: { kind: 'dsse', payload: statement(other.digest, COSIGN_SIGN_PREDICATE) } }), COSIGN_SIGN_PREDICATE),
    ];
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: pushed }));
    await putManifest(registry.base, repository, image.digest.replace(':', '-'), OCI_INDEX, index, {});

    const artifacts = await referrersByTag(registry, repository, image.digest);
    assert.equal(artifacts.length, 4);
    // The subject's manifest bytes as the registry serves them: a message signature signs these.
    const manifest = await getChecked(`${registry.base}/v2/${repository}/manifests/${image.digest}`, image.digest, OCI_MANIFEST);
    const subject: SignedSubject & { manifest: Buffer } = {
      reference: `${registry.host}/${repository}:1.0`, registry: registry.host, repository, digest: image.digest, mediaType: OCI_MANIFEST, size: manifest.length, manifest,
    };
    const results = await verifySigstoreArtifacts(subject, artifacts, policy);
    assert.deepEqual(results.map((r) => [r.artifact, r.verified, r.failure, r.attestations]), [
      [pushed[0].digest, true, undefined, undefined],
      [pushed[1].digest, true, undefined, ['https://cyclonedx.org/bom']],
      [pushed[2].digest, true, undefined, undefined],
      [pushed[3].digest, false, 'digest-mismatch', undefined],
    ], results.map((r) => r.message).join('\n'));
    assert.ok(results.slice(0, 3).every((r) => r.signer === `${EMAIL} (issuer ${ISSUER})`));
    assert.match(results[3].message, new RegExp(`about ${other.digest}, not the image ${image.digest}`));
  });

  test('kshield verify finds the bundles itself and judges them under the keyless identity given on the command line', async () => {
    const repository = 'team/keyless';
    const image = await pushImage(registry.base, repository, '1.0');
    const subjectDescriptor: Descriptor = { mediaType: OCI_MANIFEST, digest: image.digest, size: image.manifest.length };
    const signer = sigstore.keyless({ issuer: ISSUER, email: EMAIL });
    const pushed = [
      await pushBundle(registry, repository, subjectDescriptor, makeBundle(sigstore, { signer, content: { kind: 'dsse', payload: statement(image.digest, COSIGN_SIGN_PREDICATE) } }), COSIGN_SIGN_PREDICATE),
      await pushBundle(registry, repository, subjectDescriptor, makeBundle(sigstore, { signer, content: { kind: 'message', artifact: image.manifest } })),
    ];
    await putManifest(registry.base, repository, image.digest.replace(':', '-'), OCI_INDEX, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: pushed })), {});
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kshield-keyless-'));
    try {
      const root = path.join(dir, 'trusted_root.json');
      writeFileSync(root, JSON.stringify(sigstore.trustedRoot()));
      const ref = `${registry.host}/${repository}:1.0`;
      const ok = kshield(['verify', ref, '--insecure', '--trusted-root', root, '--certificate-identity', EMAIL, '--certificate-oidc-issuer', ISSUER, '-o', 'json']);
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      const report = JSON.parse(ok.stdout) as { satisfied: boolean; results: { format: string; verified: boolean }[] };
      assert.deepEqual(report.results.filter((r) => r.format === 'sigstore-bundle').map((r) => r.verified), [true, true]);
      assert.ok(!('manifest' in (report as unknown as { subject: object }).subject), 'the manifest bytes are not part of the report');
      const other = kshield(['verify', ref, '--insecure', '--trusted-root', root, '--certificate-identity', 'someone@example.com', '--certificate-oidc-issuer', ISSUER]);
      assert.equal(other.code, 1, other.stdout + other.stderr);
      assert.match(other.stdout, /identity-mismatch/);
      const half = kshield(['verify', ref, '--insecure', '--trusted-root', root, '--certificate-identity', EMAIL]);
      assert.equal(half.code, 2);
      assert.match(half.stderr, /needs both the identity .* and its issuer/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
