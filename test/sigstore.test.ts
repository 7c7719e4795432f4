/**
 * Sigstore bundles verified with real cryptography against a test Sigstore generated per run
 * (test/support/sigstore-fixtures.ts): a Fulcio-like CA, a Rekor-like log, a CT log and a TSA,
 * named by a trusted_root.json. No network.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { UsageError } from '../src/core/errors.js';
import { verifySigstoreArtifacts, type SigstorePolicy, type SigstoreSubject } from '../src/signatures/sigstore.js';
import type { SignatureArtifact, SignatureResult } from '../src/signatures/types.js';
import {
  BUNDLE_V01, BUNDLE_V02, COSIGN_SIGN_PREDICATE, TestCertificateAuthority, TestSigstore, TestTimestampAuthority,
  TestTransparencyLog, bundleArtifact, issueLeaf, keySigner, makeBundle, statement, testImage, type BundleOptions, type KeylessSigner,
} from './support/sigstore-fixtures.js';

const sigstore = new TestSigstore();
const image = testImage('team/app:1.0');
const otherImage = testImage('team/other:2.0');
const ISSUER = 'https://token.actions.example.com';
const EMAIL = 'release@example.com';
const WORKFLOW = 'https://github.example/acme/app/.github/workflows/release.yml@refs/heads/main';
const SLSA = 'https://slsa.dev/provenance/v1';

const emailSigner = sigstore.keyless({ issuer: ISSUER, email: EMAIL });
const basePolicy: SigstorePolicy = { trustedRoot: sigstore.trustedRoot(), identities: [{ issuer: ISSUER, subject: EMAIL }] };

function signedImage(options: Partial<BundleOptions> & { predicateType?: string; digest?: string } = {}): Record<string, unknown> {
  return makeBundle(sigstore, {
    signer: emailSigner,
    content: { kind: 'dsse', payload: statement(options.digest ?? image.subject.digest, options.predicateType ?? COSIGN_SIGN_PREDICATE) },
    ...options,
  });
}

async function verifyOne(bundle: Record<string, unknown> | SignatureArtifact, policy: SigstorePolicy = basePolicy, subject: SigstoreSubject = image.subject): Promise<SignatureResult> {
  const artifact = 'blob' in bundle ? (bundle as SignatureArtifact) : bundleArtifact(bundle, subject);
  const results = await verifySigstoreArtifacts(subject, [artifact], policy);
  assert.equal(results.length, 1);
  assert.equal(results[0].format, 'sigstore-bundle');
  assert.equal(results[0].artifact, artifact.digest);
  return results[0];
}

function assertFailure(result: SignatureResult, failure: SignatureResult['failure'], message: RegExp): void {
  assert.equal(result.verified, false, `expected ${failure}, got verified: ${result.message}`);
  assert.equal(result.failure, failure, result.message);
  assert.match(result.message, message);
}

describe('Sigstore bundles: keyless (certificate) signatures', () => {
  test('a cosign v3 image signature (DSSE in-toto, sign predicate) with inclusion promise and proof verifies', async () => {
    const result = await verifyOne(signedImage());
    assert.equal(result.verified, true, result.message);
    assert.equal(result.failure, undefined);
    assert.equal(result.signer, `${EMAIL} (issuer ${ISSUER})`);
    assert.ok(result.signedAt && Math.abs(Date.parse(result.signedAt) - Date.now()) < 120_000, `signedAt ${result.signedAt}`);
    assert.equal(result.attestations, undefined, 'the sign predicate is a signature, not an attestation');
    assert.match(result.message, /image signature .*verified.*1 transparency-log entry/);
  });

  test('a URI SAN (CI workflow identity) matched by an anchored regular expression verifies', async () => {
    const signer = sigstore.keyless({ issuer: ISSUER, uri: WORKFLOW });
    const policy: SigstorePolicy = { ...basePolicy, identities: [{ issuer: ISSUER, subjectRegExp: 'https://github\\.example/acme/.+@refs/heads/main' }] };
    const result = await verifyOne(signedImage({ signer }), policy);
    assert.equal(result.verified, true, result.message);
    assert.equal(result.signer, `${WORKFLOW} (issuer ${ISSUER})`);
  });

  test('an in-toto attestation (SLSA provenance) verifies and reports its predicate type', async () => {
    const result = await verifyOne(signedImage({ predicateType: SLSA }), basePolicy);
    assert.equal(result.verified, true, result.message);
    assert.deepEqual(result.attestations, [SLSA]);
    assert.match(result.message, /attestation https:\/\/slsa\.dev\/provenance\/v1 verified/);
  });

  test('SLSA provenance in a bundle must name a builder and source the policy allows, as in cosign attestations', async () => {
    const provenance = {
      buildDefinition: { buildType: 'https://example.com/build/v1', externalParameters: { source: 'git+https://github.example/acme/api@refs/heads/main' } },
      runDetails: { builder: { id: 'https://ci.example/builders/trusted' } },
    };
    const bundle = makeBundle(sigstore, { signer: emailSigner, content: { kind: 'dsse', payload: statement(image.subject.digest, SLSA, provenance) } });
    const allowed = await verifyOne(bundle, { ...basePolicy, provenance: { builders: ['https://ci.example/builders/trusted'], sources: ['https://github.example/acme/api'] } });
    assert.equal(allowed.verified, true, allowed.message);
    const otherBuilder = await verifyOne(bundle, { ...basePolicy, provenance: { builders: ['https://ci.example/builders/other'], sources: [] } });
    assert.deepEqual([otherBuilder.verified, otherBuilder.failure], [false, 'attestation']);
    assert.match(otherBuilder.message, /builder https:\/\/ci\.example\/builders\/trusted, which is not an allowed builder/);
    const otherSource = await verifyOne(bundle, { ...basePolicy, provenance: { builders: [], sources: ['https://github.example/acme/web'] } });
    assert.deepEqual([otherSource.verified, otherSource.failure], [false, 'attestation']);
  });

  test('the legacy Fulcio issuer extension (1.3.6.1.4.1.57264.1.1) alone names the issuer', async () => {
    const signer = sigstore.keyless({ issuer: ISSUER, email: EMAIL, legacyIssuerExtension: true });
    const result = await verifyOne(signedImage({ signer }));
    assert.equal(result.verified, true, result.message);
    assert.equal(result.signer, `${EMAIL} (issuer ${ISSUER})`);
  });

  test('an RFC 3161 timestamp counts as a verified timestamp: no transparency log needed when the policy says so', async () => {
    const bundle = signedImage({ log: null, tsa: sigstore.tsa });
    const result = await verifyOne(bundle, { ...basePolicy, tlogThreshold: 0 });
    assert.equal(result.verified, true, result.message);
    assert.match(result.message, /0 transparency-log entries and 1 RFC 3161 timestamp/);
    // The same bundle under the default policy: cosign requires a log entry.
    assertFailure(await verifyOne(bundle), 'transparency-log', /has 0 transparency-log entries; the policy requires 1/);
  });

  test('a log entry plus an RFC 3161 timestamp satisfy a threshold of two timestamps', async () => {
    const result = await verifyOne(signedImage({ tsa: sigstore.tsa }), { ...basePolicy, timestampThreshold: 2 });
    assert.equal(result.verified, true, result.message);
    assertFailure(await verifyOne(signedImage(), { ...basePolicy, timestampThreshold: 2 }), 'transparency-log', /1 verifiable timestamp\(s\).*requires 2/);
  });

  test('v0.1 (certificate chain, inclusion promise) and v0.2 (inclusion proof) bundles verify', async () => {
    const v01 = await verifyOne(signedImage({ mediaType: BUNDLE_V01, tlog: { evidence: 'promise' } }));
    assert.equal(v01.verified, true, v01.message);
    const v02 = await verifyOne(signedImage({ mediaType: BUNDLE_V02 }));
    assert.equal(v02.verified, true, v02.message);
  });

  test('a message signature over the image manifest verifies when the manifest bytes are given', async () => {
    const bundle = makeBundle(sigstore, { signer: emailSigner, content: { kind: 'message', artifact: image.manifest } });
    const result = await verifyOne(bundle, basePolicy, { ...image.subject, manifest: image.manifest });
    assert.equal(result.verified, true, result.message);
    assert.match(result.message, /message signature over the image manifest verified/);
    // Without the bytes the signature cannot be checked, and kshield says so.
    assertFailure(await verifyOne(bundle), 'unsupported-envelope', /signs the image manifest's bytes, and the verifier was not given them/);
  });
});

describe('Sigstore bundles: key-based signatures', () => {
  const key = keySigner();
  const bundle = makeBundle(sigstore, { signer: key, content: { kind: 'dsse', payload: statement(image.subject.digest, COSIGN_SIGN_PREDICATE) } });

  test('a bundle naming its key by hint verifies with the PEM key, among others', async () => {
    const result = await verifyOne(bundle, { trustedRoot: sigstore.trustedRoot(), keys: [keySigner().keys.publicPem, key.keys.publicPem] });
    assert.equal(result.verified, true, result.message);
    assert.match(result.signer ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.ok(result.signedAt);
  });

  test('a key-based bundle without log or timestamp verifies only when the policy waives both', async () => {
    const offline = makeBundle(sigstore, { signer: key, log: null, content: { kind: 'dsse', payload: statement(image.subject.digest, COSIGN_SIGN_PREDICATE) } });
    const policy: SigstorePolicy = { trustedRoot: sigstore.trustedRoot(), keys: [key.keys.publicPem] };
    assertFailure(await verifyOne(offline, policy), 'transparency-log', /0 verifiable timestamp\(s\).*requires 1/);
    const waived = await verifyOne(offline, { ...policy, tlogThreshold: 0, timestampThreshold: 0 });
    assert.equal(waived.verified, true, waived.message);
    assert.equal(waived.signedAt, undefined, 'nothing vouches for a signing time');
  });

  test('another key: wrong-key', async () => {
    const result = await verifyOne(bundle, { trustedRoot: sigstore.trustedRoot(), keys: [keySigner().keys.publicPem] });
    assertFailure(result, 'wrong-key', /verifies with none of the 1 given public key/);
  });

  test('no key given for a key-based bundle: wrong-key', async () => {
    assertFailure(await verifyOne(bundle, { trustedRoot: sigstore.trustedRoot() }), 'wrong-key', /no public key was given/);
  });

  test('the hinted key with a changed payload: tampered-payload', async () => {
    const tampered = structuredClone(bundle) as { dsseEnvelope: { payload: string } };
    tampered.dsseEnvelope.payload = statement(otherImage.subject.digest, COSIGN_SIGN_PREDICATE).toString('base64');
    const result = await verifyOne(tampered as unknown as Record<string, unknown>, { trustedRoot: sigstore.trustedRoot(), keys: [key.keys.publicPem] });
    assertFailure(result, 'tampered-payload', /does not verify with the key its hint names/);
  });
});

describe('Sigstore bundles: each failure says why', () => {
  test('identity mismatch: another subject', async () => {
    const signer = sigstore.keyless({ issuer: ISSUER, email: 'intruder@example.net' });
    assertFailure(await verifyOne(signedImage({ signer })), 'identity-mismatch', /subject intruder@example\.net .*none of the allowed identities/);
  });

  test('identity mismatch: the right subject from another issuer', async () => {
    const signer = sigstore.keyless({ issuer: 'https://accounts.evil.example', email: EMAIL });
    assertFailure(await verifyOne(signedImage({ signer })), 'identity-mismatch', /allowed only from https:\/\/token\.actions\.example\.com, not from issuer https:\/\/accounts\.evil\.example/);
  });

  test('identity mismatch: a regular expression is anchored at both ends', async () => {
    const signer = sigstore.keyless({ issuer: ISSUER, email: `${EMAIL}.evil.example` });
    const policy: SigstorePolicy = { ...basePolicy, identities: [{ issuerRegExp: 'https://token\\.actions\\.example\\.com', subjectRegExp: '[a-z]+@example\\.com' }] };
    assertFailure(await verifyOne(signedImage({ signer }), policy), 'identity-mismatch', /release@example\.com\.evil\.example/);
    const prefixed = sigstore.keyless({ issuer: `${ISSUER}.evil`, email: EMAIL });
    assertFailure(await verifyOne(signedImage({ signer: prefixed }), policy), 'identity-mismatch', /not from issuer/);
    assert.equal((await verifyOne(signedImage(), policy)).verified, true);
  });

  test('what the signer wrote is quoted bounded: a 5000-character SAN gives a short message', async () => {
    const signer = sigstore.keyless({ issuer: ISSUER, email: `${'x'.repeat(5000)}@example.net` });
    const result = await verifyOne(signedImage({ signer }));
    assertFailure(result, 'identity-mismatch', /subject x{200}… \(issuer/);
    assert.ok(result.message.length < 600, `${result.message.length} characters`);
    assert.ok((result.signer ?? '').length < 300);
  });

  test('a keyless bundle under a policy that allows no identity is refused', async () => {
    assertFailure(await verifyOne(signedImage(), { trustedRoot: sigstore.trustedRoot() }), 'identity-mismatch', /allows no certificate identity/);
  });

  test('a certificate from a CA the trusted root does not name: untrusted-chain', async () => {
    const rogue = sigstore.keyless({ issuer: ISSUER, email: EMAIL }, { ca: new TestCertificateAuthority('rogue') });
    assertFailure(await verifyOne(signedImage({ signer: rogue })), 'untrusted-chain', /does not chain to a certificate authority of the trusted root/);
  });

  test('a certificate that had expired when the log recorded the signature: expired', async () => {
    const notBefore = new Date(Date.now() - 2 * 3600_000);
    const stale = sigstore.keyless({ issuer: ISSUER, email: EMAIL }, { notBefore, notAfter: new Date(notBefore.getTime() + 10 * 60_000) });
    const result = await verifyOne(signedImage({ signer: stale }));
    assertFailure(result, 'expired', /was not valid when it signed: valid .* to .*, signed at .*\(transparency log\)/);
    assert.equal(result.signer, `${EMAIL} (issuer ${ISSUER})`);
  });

  test('a certificate that had expired when a TSA stamped the signature: expired, naming the RFC 3161 time', async () => {
    const notBefore = new Date(Date.now() - 2 * 3600_000);
    const stale = sigstore.keyless({ issuer: ISSUER, email: EMAIL }, { notBefore, notAfter: new Date(notBefore.getTime() + 10 * 60_000) });
    const result = await verifyOne(signedImage({ signer: stale, log: null, tsa: sigstore.tsa }), { ...basePolicy, tlogThreshold: 0 });
    assertFailure(result, 'expired', /signed at .*\(RFC 3161 timestamp\)/);
  });

  test('an SCT from a CT log the trusted root does not name: transparency-log', async () => {
    const signer = issueLeaf(sigstore.fulcio, { issuer: ISSUER, email: EMAIL }, { ctLog: new TestTransparencyLog('https://ctfe.rogue.example') });
    assertFailure(await verifyOne(signedImage({ signer })), 'transparency-log', /certificate transparency: the certificate's SCT does not verify with any CT log of the trusted root/);
  });

  test('a log entry signed by a log the trusted root does not name: transparency-log', async () => {
    const result = await verifyOne(signedImage({ log: new TestTransparencyLog('https://rekor.rogue.example') }));
    assertFailure(result, 'transparency-log', /from a log the trusted root does not name \(log id [0-9a-f]{64}\)/);
  });

  test('an inclusion promise that does not verify with the named log key: transparency-log', async () => {
    const bundle = signedImage({ tlog: { evidence: 'promise' }, mediaType: BUNDLE_V01 }) as { verificationMaterial: { tlogEntries: { integratedTime: string }[] } };
    // The log signed another time than the entry now claims.
    bundle.verificationMaterial.tlogEntries[0].integratedTime = String(Number(bundle.verificationMaterial.tlogEntries[0].integratedTime) - 30);
    assertFailure(await verifyOne(bundle as unknown as Record<string, unknown>), 'transparency-log', /inclusion promise \(signed entry timestamp\) does not verify/);
  });

  test('an inclusion proof (without promise, timestamped by a TSA, as Rekor v2 logs) verifies, and a changed proof hash does not', async () => {
    const bundle = signedImage({ tlog: { evidence: 'proof' }, tsa: sigstore.tsa }) as { verificationMaterial: { tlogEntries: { inclusionProof: { hashes: string[] } }[] } };
    assert.equal((await verifyOne(bundle as unknown as Record<string, unknown>)).verified, true);
    const hashes = bundle.verificationMaterial.tlogEntries[0].inclusionProof.hashes;
    assert.ok(hashes.length >= 2, 'the fixture log makes proofs of more than one hash');
    hashes[0] = Buffer.alloc(32, 7).toString('base64');
    assertFailure(await verifyOne(bundle as unknown as Record<string, unknown>), 'transparency-log', /inclusion proof does not verify .*calculated root hash does not match/);
  });

  test('a timestamp from a TSA the trusted root does not name: transparency-log', async () => {
    const result = await verifyOne(signedImage({ tsa: new TestTimestampAuthority() }));
    assertFailure(result, 'transparency-log', /RFC 3161 timestamp .* does not verify with any timestamp authority/);
  });

  test('a certificate without an SCT: transparency-log unless the policy needs none', async () => {
    const noSct: KeylessSigner = sigstore.keyless({ issuer: ISSUER, email: EMAIL }, { sct: false });
    assertFailure(await verifyOne(signedImage({ signer: noSct })), 'transparency-log', /certificate transparency: the certificate carries fewer SCTs than the 1 required/);
    assert.equal((await verifyOne(signedImage({ signer: noSct }), { ...basePolicy, ctlogThreshold: 0 })).verified, true);
  });

  test('a changed signature: tampered-payload', async () => {
    const bundle = signedImage() as { dsseEnvelope: { signatures: { sig: string }[] } };
    const sig = Buffer.from(bundle.dsseEnvelope.signatures[0].sig, 'base64');
    sig[sig.length - 1] ^= 0x01;
    bundle.dsseEnvelope.signatures[0].sig = sig.toString('base64');
    assertFailure(await verifyOne(bundle as unknown as Record<string, unknown>), 'tampered-payload', /DSSE signature does not verify with the key of the bundle's own certificate/);
  });

  test('a payload changed to name this image: tampered-payload, not verified', async () => {
    const bundle = signedImage({ digest: otherImage.subject.digest }) as { dsseEnvelope: { payload: string } };
    bundle.dsseEnvelope.payload = statement(image.subject.digest, COSIGN_SIGN_PREDICATE).toString('base64');
    assertFailure(await verifyOne(bundle as unknown as Record<string, unknown>), 'tampered-payload', /changed after signing/);
  });

  test('a valid signature of another image: digest-mismatch', async () => {
    const result = await verifyOne(signedImage({ digest: otherImage.subject.digest }));
    assertFailure(result, 'digest-mismatch', new RegExp(`about ${otherImage.subject.digest}, not the image ${image.subject.digest}`));
    const message = makeBundle(sigstore, { signer: emailSigner, content: { kind: 'message', artifact: otherImage.manifest } });
    assertFailure(await verifyOne(message, basePolicy, { ...image.subject, manifest: image.manifest }), 'digest-mismatch', /message signature signs digest sha256:/);
  });

  test('an unsupported bundle media type or envelope: unsupported-envelope', async () => {
    const future = bundleArtifact(signedImage(), image.subject, { mediaType: 'application/vnd.dev.sigstore.bundle.v0.9+json' });
    assertFailure(await verifyOne(future), 'unsupported-envelope', /bundle media type application\/vnd\.dev\.sigstore\.bundle\.v0\.9\+json is not one kshield verifies/);
    const notJson = bundleArtifact(Buffer.from('{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",'), image.subject);
    assertFailure(await verifyOne(notJson), 'unsupported-envelope', /the bundle is not JSON/);
    const otherPayload = makeBundle(sigstore, { signer: emailSigner, content: { kind: 'dsse', payload: Buffer.from('{}'), payloadType: 'application/vnd.cncf.notary.payload.v1+json' } });
    assertFailure(await verifyOne(otherPayload), 'unsupported-envelope', /payloadType is "application\/vnd\.cncf\.notary\.payload\.v1\+json"/);
    const incomplete = signedImage() as { verificationMaterial: { tlogEntries: { inclusionProof?: unknown }[] } };
    delete incomplete.verificationMaterial.tlogEntries[0].inclusionProof;
    assertFailure(await verifyOne(incomplete as unknown as Record<string, unknown>), 'unsupported-envelope', /not a valid .*v0\.3\+json bundle: verificationMaterial\.tlogEntries\[0\]\.inclusionProof missing/);
    const twoSignatures = signedImage() as { dsseEnvelope: { signatures: unknown[] } };
    twoSignatures.dsseEnvelope.signatures.push(twoSignatures.dsseEnvelope.signatures[0]);
    assertFailure(await verifyOne(twoSignatures as unknown as Record<string, unknown>), 'unsupported-envelope', /content\.dsseEnvelope\.signatures missing, empty or not as that version requires/);
  });

  test('a bundle larger than kshield reads, or one the registry would not serve: refused without reading it, or registry', async () => {
    const huge = bundleArtifact(signedImage(), image.subject);
    let reads = 0;
    const read = huge.blob;
    huge.blob = async (descriptor) => (reads++, read(descriptor));
    huge.manifest = { ...huge.manifest, layers: [{ ...huge.manifest.layers[0], size: 33 * 1024 * 1024 }] };
    assertFailure(await verifyOne(huge), 'unsupported-envelope', /is 34603008 bytes, more than the 33554432 kshield reads/);
    assert.equal(reads, 0);
    const unreadable = { ...bundleArtifact(signedImage(), image.subject), blob: async () => { throw new Error('GET /v2/team/app/blobs/sha256:…: 500 Internal Server Error'); } };
    assertFailure(await verifyOne(unreadable), 'registry', /the bundle blob sha256:[0-9a-f]{64} could not be read: GET .*500/);
  });

  test('a message signature checked against manifest bytes that are not the image\'s: tampered-payload', async () => {
    const bundle = makeBundle(sigstore, { signer: emailSigner, content: { kind: 'message', artifact: image.manifest } });
    assertFailure(await verifyOne(bundle, basePolicy, { ...image.subject, manifest: otherImage.manifest }), 'tampered-payload', /the image manifest given hashes to sha256:/);
  });

  test('no bundle among the artifacts: one no-signature result; other formats are left to their verifiers', async () => {
    const cosignLegacy = { ...bundleArtifact(signedImage(), image.subject), artifactType: 'application/vnd.dev.cosign.simplesigning.v1+json' };
    cosignLegacy.manifest = { ...cosignLegacy.manifest, layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', digest: 'sha256:00', size: 1 }] };
    const results = await verifySigstoreArtifacts(image.subject, [cosignLegacy], basePolicy);
    assert.deepEqual(results, [{ format: 'sigstore-bundle', verified: false, failure: 'no-signature', message: `no Sigstore bundle is attached to ${image.subject.reference}` }]);
  });

  test('without a trusted root there is nothing to verify with: no results, even with bundles attached', async () => {
    assert.deepEqual(await verifySigstoreArtifacts(image.subject, [bundleArtifact(signedImage(), image.subject)], { identities: basePolicy.identities }), []);
  });

  test('a failed attestation is still an attestation result (an empty attestations list); a failed signature is not', async () => {
    const otherAttestation = await verifyOne(signedImage({ predicateType: SLSA, digest: otherImage.subject.digest }));
    assertFailure(otherAttestation, 'digest-mismatch', /about sha256:/);
    assert.deepEqual(otherAttestation.attestations, []);
    // Before the signature verifies, only cosign's annotation on the artifact says what the bundle holds.
    const tampered = signedImage({ predicateType: SLSA }) as { dsseEnvelope: { signatures: { sig: string }[] } };
    tampered.dsseEnvelope.signatures[0].sig = Buffer.alloc(70, 1).toString('base64');
    const annotated = await verifyOne(bundleArtifact(tampered as unknown as Record<string, unknown>, image.subject, { predicateType: SLSA }));
    assertFailure(annotated, 'tampered-payload', /changed after signing/);
    assert.deepEqual(annotated.attestations, []);
    const signature = await verifyOne(bundleArtifact(signedImage({ digest: otherImage.subject.digest }), image.subject, { predicateType: COSIGN_SIGN_PREDICATE }));
    assertFailure(signature, 'digest-mismatch', /about sha256:/);
    assert.equal(signature.attestations, undefined);
  });

  test('one result per artifact, each with its own reason', async () => {
    const artifacts = [bundleArtifact(signedImage(), image.subject), bundleArtifact(signedImage({ digest: otherImage.subject.digest }), image.subject)];
    const results = await verifySigstoreArtifacts(image.subject, artifacts, basePolicy);
    assert.deepEqual(results.map((r) => [r.artifact, r.verified, r.failure]), [[artifacts[0].digest, true, undefined], [artifacts[1].digest, false, 'digest-mismatch']]);
  });
});

describe('Sigstore policy errors are usage errors', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kshield-sigstore-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the trusted root is read from a file', async () => {
    const file = path.join(dir, 'trusted_root.json');
    writeFileSync(file, JSON.stringify(sigstore.trustedRoot()));
    assert.equal((await verifyOne(signedImage(), { ...basePolicy, trustedRoot: file })).verified, true);
  });

  test('a trusted root written before trusted roots had a mediaType is read by its lists', async () => {
    const { mediaType: _dropped, ...older } = sigstore.trustedRoot();
    assert.equal((await verifyOne(signedImage(), { ...basePolicy, trustedRoot: older })).verified, true);
  });

  test('a missing, non-JSON or foreign trusted root, a bad regular expression, a bad key, or a half identity throw', async () => {
    const artifacts = [bundleArtifact(signedImage(), image.subject)];
    const notJson = path.join(dir, 'broken.json');
    writeFileSync(notJson, '{"mediaType":');
    const cases: [SigstorePolicy, RegExp][] = [
      [{ ...basePolicy, trustedRoot: path.join(dir, 'absent.json') }, /absent\.json: cannot read the trusted root \(ENOENT\)/],
      [{ ...basePolicy, trustedRoot: notJson }, /broken\.json: not JSON/],
      [{ ...basePolicy, trustedRoot: { mediaType: 'application/json' } }, /mediaType "application\/json": not a Sigstore trusted root/],
      [{ ...basePolicy, trustedRoot: { keys: [] } }, /no mediaType and no tlogs or certificateAuthorities: not a Sigstore trusted root/],
      [{ ...basePolicy, identities: [{ issuer: ISSUER, subjectRegExp: '(' }] }, /subjectRegExp "\(" is not a regular expression/],
      [{ ...basePolicy, identities: [{ subject: EMAIL }] }, /needs issuer or issuerRegExp/],
      [{ ...basePolicy, keys: ['not a key'] }, /Sigstore key 1: not a PEM public key/],
      [{ ...basePolicy, tlogThreshold: -1 }, /tlogThreshold: expected a whole number >= 0/],
    ];
    for (const [policy, message] of cases) {
      await assert.rejects(verifySigstoreArtifacts(image.subject, artifacts, policy), (error: Error) => error instanceof UsageError && message.test(error.message), String(message));
    }
  });
});
