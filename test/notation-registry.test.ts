/**
 * Notary Project signatures through a real registry: Debian's docker-registry (distribution 2.8,
 * which has no referrers API) on 127.0.0.1. The signatures are pushed as notation pushes them
 * there — signature manifests with `subject`, listed in the referrers tag schema's index under
 * the tag `sha256-<hex>` — then the image is resolved and its signatures discovered as `kshield
 * verify` does (signatures/discover.ts), and verified through the verifier registry's shape.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RegistryClient } from '../src/images/registry.js';
import { discoverArtifacts, resolveSubject } from '../src/signatures/discover.js';
import { verifyNotation } from '../src/signatures/notation.js';
import { emptyPolicy } from '../src/signatures/policy.js';
import { verifyAll } from '../src/signatures/verifiers.js';
import { kshield } from './support/cli.js';
import type { Descriptor, SignedSubject } from '../src/signatures/types.js';
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

test('notation signatures pushed with subject under the referrers tag schema are discovered in docker-registry as kshield verify does, and verified', { skip: missing }, async () => {
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
  const resolved = await resolveSubject(`${host}/${REPOSITORY}:1.0`, client);
  const { manifest: served, ...resolvedFields } = resolved;
  assert.deepEqual(resolvedFields, subject);
  assert.equal(served?.length, image.manifest.length);
  const discovery = await discoverArtifacts(resolved, client);
  assert.equal(discovery.referrers, 'tag-schema');
  assert.deepEqual(discovery.problems, []);
  assert.equal(discovery.artifacts.length, 3);
  writeFileSync(path.join(dir, 'trustpolicy.json'), JSON.stringify({
    version: '1.0',
    trustPolicies: [{ name: 'team-app', registryScopes: [`${host}/${REPOSITORY}`], signatureVerification: { level: 'strict' }, trustStores: ['ca:acme-rockets'], trustedIdentities: ['x509.subject: C=US, ST=WA, O=acme-rockets.io'] }],
  }));
  const policy = { ...emptyPolicy(), notation: { trustPolicyFile: path.join(dir, 'trustpolicy.json'), trustStoreDir: dir } };
  const results = await verifyAll(resolved, discovery, policy, { notation: verifyNotation });
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
  const mismatched = await verifyNotation(otherSubject, discovery.artifacts.slice(0, 1), policy);
  assert.equal(mismatched[0].failure, 'digest-mismatch');
  // And discovery for that image finds none of them: its tag schema index does not exist.
  const none = await verifyAll(otherSubject, await discoverArtifacts(otherSubject, client), policy, { notation: verifyNotation });
  assert.equal(none.length, 1);
  assert.equal(none[0].failure, 'no-signature');

  // The command does the same from its flags: satisfied by the two trusted signatures, the stranger's named.
  const cli = kshield(['verify', `${host}/${REPOSITORY}:1.0`, '--insecure', '--trust-policy', path.join(dir, 'trustpolicy.json'), '--trust-store', dir, '-o', 'json']);
  assert.equal(cli.code, 0, cli.stdout + cli.stderr);
  const report = JSON.parse(cli.stdout) as { satisfied: boolean; results: { format: string; verified: boolean; failure?: string }[] };
  assert.deepEqual(report.results.map((r) => [r.format, r.verified, r.failure ?? null]), [['notation', true, null], ['notation', true, null], ['notation', false, 'untrusted-chain']]);
  const unsigned = kshield(['verify', `${host}/${REPOSITORY}:2.0`, '--insecure', '--trust-policy', path.join(dir, 'trustpolicy.json'), '--trust-store', dir]);
  assert.equal(unsigned.code, 1, unsigned.stdout);
  assert.match(unsigned.stdout, /no-signature/);
});
