/**
 * Notary Project signatures: real keys and certificates made per run, envelopes signed as notation
 * signs them (JWS and COSE), verified against trust policies and trust stores on disk.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { verifyNotation, verifyNotationArtifacts } from '../src/signatures/notation.js';
import { emptyPolicy, type VerifyPolicy } from '../src/signatures/policy.js';
import { UsageError } from '../src/core/errors.js';
import { NotationPolicyError, type NotationPolicy } from '../src/signatures/notation-policy.js';
import { NotaryCertificate } from '../src/signatures/notation-certs.js';
import type { SignatureArtifact, SignedSubject } from '../src/signatures/types.js';
import {
  CA_EXTENSIONS,
  LEAF_EXTENSIONS,
  descriptorOf,
  issueLeaf,
  issueTsa,
  keyPair,
  makeCertificate,
  timestampToken,
  makeRoot,
  notationArtifact,
  signCose,
  signJws,
  testSubject,
  trustPolicy,
  writeTrustStore,
  type Authority,
  type SigningIdentity,
} from './support/notation-fixtures.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

let dir: string;
let root: Authority;
let leaf: SigningIdentity;
let otherRoot: Authority;
let ecRoot: Authority;
let ecLeaf: SigningIdentity;
let subject: SignedSubject;

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kshield-notation-'));
  root = makeRoot();
  leaf = issueLeaf(root);
  otherRoot = makeRoot({ subject: [['C', 'US'], ['ST', 'WA'], ['O', 'wabbit-networks.io'], ['CN', 'wabbit root']] });
  ecRoot = makeRoot({ key: 'ec256', subject: [['C', 'US'], ['ST', 'WA'], ['O', 'acme-rockets.io'], ['CN', 'acme EC root']] });
  ecLeaf = issueLeaf(ecRoot, { key: 'ec256' });
  writeTrustStore(dir, 'ca', 'acme-rockets', [root.pem, ecRoot.pem]);
  writeTrustStore(dir, 'ca', 'wabbit-networks', [otherRoot.pem]);
  writeTrustStore(dir, 'signingAuthority', 'acme-sa', [root.pem]);
  subject = testSubject();
});

after(() => rmSync(dir, { recursive: true, force: true }));

function policy(statement: Record<string, unknown> = {}, more: Record<string, unknown>[] = [], extra: Partial<NotationPolicy> = {}): NotationPolicy {
  return { trustPolicy: trustPolicy(statement, more), trustStoreDir: dir, ...extra };
}

async function verifyOne(envelope: Buffer, p: NotationPolicy = policy(), options: { mediaType?: string; legacy?: boolean; image?: SignedSubject } = {}) {
  const image = options.image ?? subject;
  const results = await verifyNotationArtifacts(image, [notationArtifact(envelope, descriptorOf(image), options)], p);
  assert.equal(results.length, 1);
  return results[0];
}

describe('valid signatures', () => {
  test('a JWS signature (RSA, PS256) verifies under strict, naming the signer and the signing time', async () => {
    const signingTime = new Date(Math.floor((Date.now() - 5 * 60_000) / 1000) * 1000);
    const envelope = signJws({ target: descriptorOf(subject), identity: leaf, signingTime });
    const artifact = notationArtifact(envelope, descriptorOf(subject));
    const [result] = await verifyNotationArtifacts(subject, [artifact], policy());
    assert.equal(result.verified, true, result.message);
    assert.equal(result.failure, undefined);
    assert.equal(result.format, 'notation');
    assert.equal(result.signer, 'C=US, ST=WA, L=Seattle, O=acme-rockets.io, OU=Finance, CN=SecureBuilder');
    assert.equal(result.signedAt, signingTime.toISOString());
    assert.equal(result.artifact, artifact.digest);
    assert.match(result.message, /^verified \(JWS PS256, notary\.x509, trust policy "acme-images" \(strict\)\)$/);
  });

  test('a COSE signature with an EC P-256 chain (ES256) verifies', async () => {
    const envelope = signCose({ target: descriptorOf(subject), identity: ecLeaf });
    const result = await verifyOne(envelope, policy(), { mediaType: 'application/cose' });
    assert.equal(result.verified, true, result.message);
    assert.match(result.message, /COSE ES256/);
  });

  test('a COSE signature with an RSA chain (PS256) verifies', async () => {
    const result = await verifyOne(signCose({ target: descriptorOf(subject), identity: leaf }), policy(), { mediaType: 'application/cose' });
    assert.equal(result.verified, true, result.message);
    assert.match(result.message, /COSE PS256/);
  });

  test('a JWS signature with an EC P-384 key (ES384) verifies', async () => {
    const p384 = issueLeaf(ecRoot, { key: 'ec384' });
    const result = await verifyOne(signJws({ target: descriptorOf(subject), identity: p384 }));
    assert.equal(result.verified, true, result.message);
    assert.match(result.message, /JWS ES384/);
  });

  test('COSE with an EC P-521 key (ES512) and JWS with an RSA 3072-bit key (PS384) verify', async () => {
    const p521 = await verifyOne(signCose({ target: descriptorOf(subject), identity: issueLeaf(ecRoot, { key: 'ec521' }) }), policy(), { mediaType: 'application/cose' });
    assert.equal(p521.verified, true, p521.message);
    assert.match(p521.message, /COSE ES512/);
    const rsa3072 = await verifyOne(signJws({ target: descriptorOf(subject), identity: issueLeaf(root, { key: 'rsa3072' }) }));
    assert.equal(rsa3072.verified, true, rsa3072.message);
    assert.match(rsa3072.message, /JWS PS384/);
  });

  test('the older signature manifest form (config media type application/vnd.cncf.notary.signature) is read too', async () => {
    const result = await verifyOne(signJws({ target: descriptorOf(subject), identity: leaf }), policy(), { legacy: true });
    assert.equal(result.verified, true, result.message);
  });

  test('notary.x509.signingAuthority verifies against a signingAuthority trust store', async () => {
    const envelope = signJws({ target: descriptorOf(subject), identity: leaf, scheme: 'notary.x509.signingAuthority' });
    const result = await verifyOne(envelope, policy({ trustStores: ['signingAuthority:acme-sa'] }));
    assert.equal(result.verified, true, result.message);
    assert.match(result.message, /notary\.x509\.signingAuthority/);
  });

  test('a signingAuthority signature fails where the policy has only "ca:" stores', async () => {
    const envelope = signCose({ target: descriptorOf(subject), identity: leaf, scheme: 'notary.x509.signingAuthority' });
    const result = await verifyOne(envelope, policy(), { mediaType: 'application/cose' });
    assert.equal(result.failure, 'untrusted-chain');
    assert.match(result.message, /names no "signingAuthority:" trust store/);
  });

  test('trusted identity "*" accepts any signer the trust store vouches for', async () => {
    const stranger = issueLeaf(root, { subject: [['C', 'DE'], ['ST', 'BE'], ['O', 'someone-else'], ['CN', 'ci']] });
    const result = await verifyOne(signJws({ target: descriptorOf(subject), identity: stranger }), policy({ trustedIdentities: ['*'] }));
    assert.equal(result.verified, true, result.message);
  });

  test('each signature artifact gets its own result; other formats are left alone', async () => {
    const good = notationArtifact(signJws({ target: descriptorOf(subject), identity: leaf }), descriptorOf(subject));
    const foreign = notationArtifact(signJws({ target: descriptorOf(subject), identity: issueLeaf(otherRoot) }), descriptorOf(subject));
    const cosign: SignatureArtifact = { ...good, digest: 'sha256:' + 'c'.repeat(64), artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json', manifest: { ...good.manifest, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: 'sha256:' + 'd'.repeat(64), size: 2 } } };
    const results = await verifyNotationArtifacts(subject, [good, cosign, foreign], policy());
    assert.deepEqual(
      results.map((r) => [r.artifact, r.verified, r.failure]),
      [
        [good.digest, true, undefined],
        [foreign.digest, false, 'untrusted-chain'],
      ],
    );
  });
});

describe('authenticity', () => {
  test('a leaf from another CA: untrusted-chain, naming the trust store', async () => {
    const foreign = issueLeaf(otherRoot);
    const result = await verifyOne(signJws({ target: descriptorOf(subject), identity: foreign }));
    assert.equal(result.verified, false);
    assert.equal(result.failure, 'untrusted-chain');
    assert.match(result.message, /root "wabbit root"\) leads to no certificate in trust store ca:acme-rockets/);
    assert.equal(result.signer, 'C=US, ST=WA, L=Seattle, O=acme-rockets.io, OU=Finance, CN=SecureBuilder');
  });

  test('control characters in certificate names cannot break the message or the signer line', async () => {
    const evil = issueLeaf(otherRoot, { subject: [['C', 'US'], ['ST', 'WA'], ['O', 'x'], ['CN', 'ci\nverified: true']] });
    const result = await verifyOne(signJws({ target: descriptorOf(subject), identity: evil }));
    assert.equal(result.failure, 'untrusted-chain');
    assert.ok(!result.message.includes('\n') && !result.signer!.includes('\n'), result.message);
    assert.match(result.message, /signer "ci\\nverified: true"/);
    assert.equal(result.signer, 'C=US, ST=WA, O=x, CN=ci\\u000averified: true');
  });

  test('a signer outside trustedIdentities: identity-mismatch', async () => {
    const marketing = issueLeaf(root, { subject: [['C', 'US'], ['ST', 'WA'], ['O', 'acme-rockets.io'], ['OU', 'Marketing'], ['CN', 'builder']] });
    const result = await verifyOne(signJws({ target: descriptorOf(subject), identity: marketing }));
    assert.equal(result.failure, 'identity-mismatch');
    assert.match(result.message, /signer "C=US, ST=WA, O=acme-rockets.io, OU=Marketing, CN=builder" is not among the trusted identities of trust policy "acme-images"/);
  });

  test('audit only logs authenticity: an untrusted chain passes, and the message says what was logged', async () => {
    const result = await verifyOne(signJws({ target: descriptorOf(subject), identity: issueLeaf(otherRoot) }), policy({ signatureVerification: { level: 'audit' } }));
    assert.equal(result.verified, true);
    assert.match(result.message, /failures the level only logs: authenticity: the certificate chain .* leads to no certificate in trust store ca:acme-rockets/);
  });

  test('override authenticity: log on permissive lets an identity mismatch pass, logged', async () => {
    const other = issueLeaf(root, { subject: [['C', 'US'], ['ST', 'WA'], ['O', 'elsewhere.io'], ['CN', 'x']] });
    const p = policy({ signatureVerification: { level: 'permissive', override: { authenticity: 'log' } } });
    const result = await verifyOne(signJws({ target: descriptorOf(subject), identity: other }), p);
    assert.equal(result.verified, true);
    assert.match(result.message, /with overrides/);
    assert.match(result.message, /authenticity: the signer "C=US, ST=WA, O=elsewhere.io, CN=x"/);
  });

  test('a trust store that does not exist fails authenticity, naming its directory', async () => {
    const result = await verifyOne(signJws({ target: descriptorOf(subject), identity: leaf }), policy({ trustStores: ['ca:missing-store'] }));
    assert.equal(result.failure, 'untrusted-chain');
    assert.ok(result.message.includes(`trust store ca:missing-store does not exist (no directory ${path.join(dir, 'x509', 'ca', 'missing-store')})`), result.message);
  });

  test('a trust store holding a leaf certificate (neither CA nor self-signed) is refused', async () => {
    writeTrustStore(dir, 'ca', 'leafy', [`-----BEGIN CERTIFICATE-----\n${leaf.der.toString('base64')}\n-----END CERTIFICATE-----\n`]);
    const result = await verifyOne(signJws({ target: descriptorOf(subject), identity: leaf }), policy({ trustStores: ['ca:leafy'] }));
    assert.equal(result.failure, 'untrusted-chain');
    assert.match(result.message, /holds "SecureBuilder", which is neither a CA certificate nor self-signed/);
  });

  test('symbolic links in a trust store are refused, as the specification demands', async () => {
    const real = writeTrustStore(dir, 'ca', 'real-store', [root.pem]);
    symlinkSync(real, path.join(dir, 'x509', 'ca', 'linked-store'));
    const linkedDir = path.join(dir, 'x509', 'ca', 'linked-file');
    mkdirSync(linkedDir, { recursive: true });
    symlinkSync(path.join(real, 'certs.pem'), path.join(linkedDir, 'root.pem'));
    const envelope = signJws({ target: descriptorOf(subject), identity: leaf });
    const store = await verifyOne(envelope, policy({ trustStores: ['ca:linked-store'] }));
    assert.equal(store.failure, 'untrusted-chain');
    assert.match(store.message, /trust store ca:linked-store is a symbolic link/);
    const file = await verifyOne(envelope, policy({ trustStores: ['ca:linked-file'] }));
    assert.equal(file.failure, 'untrusted-chain');
    assert.match(file.message, /root\.pem is a symbolic link/);
    assert.equal((await verifyOne(envelope, policy({ trustStores: ['ca:real-store'] }))).verified, true);
  });

  test('an identity with an escaped comma matches the subject value that holds one', async () => {
    const commas = issueLeaf(root, { subject: [['C', 'US'], ['ST', 'WA'], ['O', 'acme, inc.'], ['CN', 'builder']] });
    const envelope = signJws({ target: descriptorOf(subject), identity: commas });
    const result = await verifyOne(envelope, policy({ trustedIdentities: ['x509.subject: C=US, ST=WA, O=acme\\, inc.'] }));
    assert.equal(result.verified, true, result.message);
    assert.equal(result.signer, 'C=US, ST=WA, O=acme\\, inc., CN=builder');
    const unescaped = await verifyOne(envelope, policy({ trustedIdentities: ['x509.subject: C=US, ST=WA, O=acme'] }));
    assert.equal(unescaped.failure, 'identity-mismatch');
  });

  test('a DER .crt file in the trust store is read as well as PEM', async () => {
    const storeDir = path.join(dir, 'x509', 'ca', 'der-store');
    mkdirSync(storeDir, { recursive: true });
    writeFileSync(path.join(storeDir, 'root.crt'), root.der);
    const result = await verifyOne(signJws({ target: descriptorOf(subject), identity: leaf }), policy({ trustStores: ['ca:der-store'] }));
    assert.equal(result.verified, true, result.message);
  });
});

describe('expiry and signing time', () => {
  const expired = () => signJws({ target: descriptorOf(subject), identity: leaf, signingTime: new Date(Date.now() - 2 * HOUR), expiry: new Date(Date.now() - HOUR) });

  test('an expired signature fails under strict', async () => {
    const result = await verifyOne(expired());
    assert.equal(result.failure, 'expired');
    assert.match(result.message, /the signature expired at .* \(io\.cncf\.notary\.expiry\)/);
  });

  for (const level of ['permissive', 'audit']) {
    test(`an expired signature passes under ${level}, the expiry logged`, async () => {
      const result = await verifyOne(expired(), policy({ signatureVerification: { level } }));
      assert.equal(result.verified, true);
      assert.match(result.message, new RegExp(`\\(${level}\\)\\), with failures the level only logs: expiry: the signature expired`));
    });
  }

  test('strict with override expiry: log passes an expired signature', async () => {
    const result = await verifyOne(expired(), policy({ signatureVerification: { level: 'strict', override: { expiry: 'log' } } }));
    assert.equal(result.verified, true);
    assert.match(result.message, /expiry: the signature expired/);
  });

  test('an expiry in the future passes strict', async () => {
    const result = await verifyOne(signJws({ target: descriptorOf(subject), identity: leaf, expiry: new Date(Date.now() + DAY) }));
    assert.equal(result.verified, true, result.message);
  });

  test('a certificate not yet valid at signing time fails integrity, so even audit refuses it', async () => {
    const late = issueLeaf(root, { notBefore: new Date(Date.now() - HOUR), notAfter: new Date(Date.now() + DAY) });
    const envelope = signJws({ target: descriptorOf(subject), identity: late, signingTime: new Date(Date.now() - 3 * HOUR) });
    for (const level of ['strict', 'audit']) {
      const result = await verifyOne(envelope, policy({ signatureVerification: { level } }));
      assert.equal(result.failure, 'expired', level);
      assert.match(result.message, /certificate "SecureBuilder" was not valid at signing time/);
    }
  });

  test('notary.x509 without a timestamp: a certificate expired since signing fails strict, is logged by permissive', async () => {
    const old = issueLeaf(root, { notBefore: new Date(Date.now() - 3 * DAY), notAfter: new Date(Date.now() - DAY) });
    const envelope = signJws({ target: descriptorOf(subject), identity: old, signingTime: new Date(Date.now() - 2 * DAY) });
    const strict = await verifyOne(envelope);
    assert.equal(strict.failure, 'expired');
    assert.match(strict.message, /certificate "SecureBuilder" is not valid now .* and the signature has no timestamp countersignature/);
    const permissive = await verifyOne(envelope, policy({ signatureVerification: { level: 'permissive' } }));
    assert.equal(permissive.verified, true);
    assert.match(permissive.message, /authenticTimestamp: certificate "SecureBuilder" is not valid now/);
  });

  test('without a tsa: trust store a timestamp countersignature is not used (as notation): an expired chain still fails', async () => {
    const old = issueLeaf(root, { notBefore: new Date(Date.now() - 3 * DAY), notAfter: new Date(Date.now() - DAY) });
    const envelope = signCose({ target: descriptorOf(subject), identity: old, signingTime: new Date(Date.now() - 2 * DAY), timestampToken: Buffer.from('opaque token') });
    const result = await verifyOne(envelope, policy(), { mediaType: 'application/cose' });
    assert.equal(result.failure, 'expired');
    assert.match(result.message, /carries a timestamp countersignature, but trust policy "acme-images" names no tsa: trust store to verify it against/);
  });

  test('signingAuthority: the authentic signing time outside the chain\'s validity fails', async () => {
    const old = issueLeaf(root, { notBefore: new Date(Date.now() - 3 * DAY), notAfter: new Date(Date.now() - DAY) });
    const envelope = signJws({ target: descriptorOf(subject), identity: old, scheme: 'notary.x509.signingAuthority', signingTime: new Date(Date.now() - 5 * DAY) });
    const result = await verifyOne(envelope, policy({ trustStores: ['signingAuthority:acme-sa'] }));
    assert.equal(result.failure, 'expired');
    assert.match(result.message, /was not valid at signing time/);
  });

  test('the verification time can be set: a signature that expires tomorrow fails when verified the day after', async () => {
    const envelope = signJws({ target: descriptorOf(subject), identity: leaf, expiry: new Date(Date.now() + DAY) });
    const result = await verifyOne(envelope, policy({}, [], { now: new Date(Date.now() + 2 * DAY) }));
    assert.equal(result.failure, 'expired');
  });
});

describe('RFC 3161 timestamp countersignatures', () => {
  let tsaRoot: Authority;
  let tsa: SigningIdentity;
  let expiredSigner: SigningIdentity;
  const signedAt = () => new Date(Math.floor((Date.now() - 2 * DAY) / 1000) * 1000);
  const withTsa = (signatureVerification: Record<string, unknown> = { level: 'strict' }) => policy({ trustStores: ['ca:acme-rockets', 'tsa:acme-tsa'], signatureVerification });

  before(() => {
    tsaRoot = makeRoot({ subject: [['C', 'US'], ['ST', 'WA'], ['O', 'acme-rockets.io'], ['CN', 'acme TSA root']] });
    tsa = issueTsa(tsaRoot, { notBefore: new Date(Date.now() - 10 * DAY) });
    writeTrustStore(dir, 'tsa', 'acme-tsa', [tsaRoot.pem]);
    // Valid from three days ago until yesterday: only a timestamp can show it signed while valid.
    expiredSigner = issueLeaf(root, { notBefore: new Date(Date.now() - 3 * DAY), notAfter: new Date(Date.now() - DAY) });
  });

  test('a certificate expired since signing passes strict when a trusted TSA stamped the signature while it was valid', async () => {
    const genTime = signedAt();
    const signingTime = new Date(genTime.getTime() - 5000);
    const envelope = signJws({ target: descriptorOf(subject), identity: expiredSigner, signingTime, timestamp: (signature) => timestampToken({ signature, tsa, genTime, accuracySeconds: 1 }) });
    const result = await verifyOne(envelope, withTsa());
    assert.equal(result.verified, true, result.message);
    assert.equal(result.signedAt, genTime.toISOString(), 'the authentic time is the timestamp\'s');
  });

  test('the same in a COSE envelope', async () => {
    const genTime = signedAt();
    const envelope = signCose({ target: descriptorOf(subject), identity: expiredSigner, signingTime: genTime, timestamp: (signature) => timestampToken({ signature, tsa, genTime }) });
    const result = await verifyOne(envelope, withTsa(), { mediaType: 'application/cose' });
    assert.equal(result.verified, true, result.message);
  });

  test('a timestamp of other bytes than the signature does not count', async () => {
    const genTime = signedAt();
    const envelope = signJws({ target: descriptorOf(subject), identity: expiredSigner, signingTime: genTime, timestamp: (signature) => timestampToken({ signature, tsa, genTime, stamped: Buffer.from('something else') }) });
    const result = await verifyOne(envelope, withTsa());
    assert.equal(result.failure, 'transparency-log');
    assert.match(result.message, /the timestamp stamps other bytes than this signature/);
  });

  test('a timestamp from a TSA outside the tsa: trust store does not count', async () => {
    const rogueRoot = makeRoot({ subject: [['C', 'US'], ['ST', 'WA'], ['O', 'rogue'], ['CN', 'rogue TSA root']] });
    const rogue = issueTsa(rogueRoot, { notBefore: new Date(Date.now() - 10 * DAY) });
    const genTime = signedAt();
    const envelope = signJws({ target: descriptorOf(subject), identity: expiredSigner, signingTime: genTime, timestamp: (signature) => timestampToken({ signature, tsa: rogue, genTime }) });
    const result = await verifyOne(envelope, withTsa());
    assert.equal(result.failure, 'transparency-log');
    assert.match(result.message, /leads to no certificate of the policy's tsa: trust stores/);
  });

  test('a timestamp signed by a certificate without the timeStamping extended key usage does not count', async () => {
    const notATsa = issueLeaf(tsaRoot, { notBefore: new Date(Date.now() - 10 * DAY) });
    const genTime = signedAt();
    const envelope = signJws({ target: descriptorOf(subject), identity: expiredSigner, signingTime: genTime, timestamp: (signature) => timestampToken({ signature, tsa: notATsa, genTime }) });
    const result = await verifyOne(envelope, withTsa());
    assert.equal(result.failure, 'transparency-log');
    assert.match(result.message, /the timestamp's signing certificate "SecureBuilder" lacks the timeStamping extended key usage/);
  });

  test('a signing-certificate attribute that names another certificate does not count', async () => {
    const genTime = signedAt();
    const envelope = signJws({ target: descriptorOf(subject), identity: expiredSigner, signingTime: genTime, timestamp: (signature) => timestampToken({ signature, tsa, genTime, signingCertificate: root.der }) });
    const result = await verifyOne(envelope, withTsa());
    assert.equal(result.failure, 'transparency-log');
    assert.match(result.message, /signing-certificate attribute names another certificate/);
  });

  test('a timestamp after the certificate expired, or whose accuracy reaches past it, fails as expired', async () => {
    const late = new Date(Date.now() - DAY / 2);
    const after = signJws({ target: descriptorOf(subject), identity: expiredSigner, signingTime: signedAt(), timestamp: (signature) => timestampToken({ signature, tsa, genTime: late }) });
    const r1 = await verifyOne(after, withTsa());
    assert.equal(r1.failure, 'expired');
    assert.match(r1.message, /certificate "SecureBuilder" was not valid throughout the timestamped time/);
    const notAfter = new NotaryCertificate(expiredSigner.der).notAfter;
    const edge = new Date(notAfter.getTime() - 30_000);
    const fuzzy = signJws({ target: descriptorOf(subject), identity: expiredSigner, signingTime: edge, timestamp: (signature) => timestampToken({ signature, tsa, genTime: edge, accuracySeconds: 60 }) });
    const r2 = await verifyOne(fuzzy, withTsa());
    assert.equal(r2.failure, 'expired', r2.message);
    const exact = signJws({ target: descriptorOf(subject), identity: expiredSigner, signingTime: edge, timestamp: (signature) => timestampToken({ signature, tsa, genTime: edge, accuracySeconds: 10 }) });
    assert.equal((await verifyOne(exact, withTsa())).verified, true);
  });

  test('with a tsa: store the timestamp is required (verifyTimestamp "always"); "afterCertExpiry" needs it only once the chain expired', async () => {
    const plain = signJws({ target: descriptorOf(subject), identity: leaf });
    const always = await verifyOne(plain, withTsa());
    assert.equal(always.failure, 'transparency-log');
    assert.match(always.message, /needs an RFC 3161 timestamp countersignature, and it has none/);
    assert.equal((await verifyOne(plain, withTsa({ level: 'strict', verifyTimestamp: 'afterCertExpiry' }))).verified, true);
    const expiredPlain = signJws({ target: descriptorOf(subject), identity: expiredSigner, signingTime: signedAt() });
    assert.equal((await verifyOne(expiredPlain, withTsa({ level: 'strict', verifyTimestamp: 'afterCertExpiry' }))).failure, 'transparency-log');
    const logged = await verifyOne(plain, withTsa({ level: 'permissive' }));
    assert.equal(logged.verified, true);
    assert.match(logged.message, /authenticTimestamp: trust policy "acme-images" names a tsa: trust store/);
  });
});

describe('integrity', () => {
  test('a payload changed after signing: tampered-payload, under every level', async () => {
    const envelope = JSON.parse(signJws({ target: descriptorOf(subject), identity: leaf }).toString());
    const other = { ...descriptorOf(subject), size: subject.size + 1 };
    envelope.payload = Buffer.from(JSON.stringify({ targetArtifact: other })).toString('base64url');
    for (const level of ['strict', 'audit']) {
      const result = await verifyOne(Buffer.from(JSON.stringify(envelope)), policy({ signatureVerification: { level } }));
      assert.equal(result.failure, 'tampered-payload', level);
      assert.match(result.message, /the JWS signature does not verify with the signing certificate "SecureBuilder"/);
    }
  });

  test('a COSE envelope whose payload byte was flipped: tampered-payload', async () => {
    const envelope = signCose({ target: descriptorOf(subject), identity: ecLeaf });
    const at = envelope.indexOf(Buffer.from('targetArtifact'));
    envelope[at] ^= 0x01;
    const result = await verifyOne(envelope, policy(), { mediaType: 'application/cose' });
    assert.equal(result.failure, 'tampered-payload');
  });

  test('a signature of another image: digest-mismatch', async () => {
    const otherImage = testSubject();
    const envelope = signJws({ target: descriptorOf(otherImage), identity: leaf });
    const result = await verifyOne(envelope);
    assert.equal(result.failure, 'digest-mismatch');
    assert.equal(result.message, `the signature is for ${otherImage.digest}, not ${subject.digest} (${subject.reference})`);
  });

  test('the same digest with another media type or size is a mismatch too', async () => {
    const result = await verifyOne(signJws({ target: { ...descriptorOf(subject), size: 1 }, identity: leaf }));
    assert.equal(result.failure, 'digest-mismatch');
    assert.match(result.message, /targetArtifact has size 1/);
  });

  test('an algorithm the Notary Project does not allow (RS256): unsupported-envelope', async () => {
    const result = await verifyOne(signJws({ target: descriptorOf(subject), identity: leaf, alg: 'RS256' }));
    assert.equal(result.failure, 'unsupported-envelope');
    assert.match(result.message, /signature algorithm "RS256" is not one the Notary Project allows/);
  });

  test('an algorithm that is not the one the key dictates (PS384 with RSA 2048): unsupported-envelope', async () => {
    const result = await verifyOne(signJws({ target: descriptorOf(subject), identity: leaf, alg: 'PS384' }));
    assert.equal(result.failure, 'unsupported-envelope');
    assert.match(result.message, /names algorithm PS384 but the signing certificate's RSA 2048-bit key signs with PS256/);
  });

  test('an unknown signing scheme: unsupported-envelope', async () => {
    const result = await verifyOne(signJws({ target: descriptorOf(subject), identity: leaf, scheme: 'notary.default' }));
    assert.equal(result.failure, 'unsupported-envelope');
    assert.match(result.message, /signing scheme "notary.default" is not one kshield verifies/);
  });

  test('a critical attribute kshield does not understand, or a verification plugin: unsupported-envelope', async () => {
    const unknown = await verifyOne(
      signJws({ target: descriptorOf(subject), identity: leaf, extraProtected: { 'io.example.policy': 'x' }, crit: ['io.cncf.notary.signingScheme', 'io.example.policy'] }),
    );
    assert.equal(unknown.failure, 'unsupported-envelope');
    assert.match(unknown.message, /marks "io.example.policy" critical/);
    const plugin = await verifyOne(
      signCose({ target: descriptorOf(subject), identity: leaf, extraProtected: { 'io.cncf.notary.verificationPlugin': 'com.example.plugin' }, crit: ['io.cncf.notary.signingScheme', 'io.cncf.notary.verificationPlugin'] }),
      policy(),
      { mediaType: 'application/cose' },
    );
    assert.equal(plugin.failure, 'unsupported-envelope');
    assert.match(plugin.message, /requires a notation verification plugin/);
  });

  test('an Ed25519 signing key (not among the Notary Project algorithms): unsupported-envelope', async () => {
    const ed = generateKeyPairSync('ed25519');
    const edCert = makeCertificate({ subject: leaf.subject, keys: ed, issuer: { subject: root.subject, privateKey: root.keys.privateKey }, extensions: LEAF_EXTENSIONS });
    // Signed with the RSA key: the envelope is refused on the certificate's key before any signature is checked.
    const result = await verifyOne(signJws({ target: descriptorOf(subject), identity: { ...leaf, chain: [edCert, root.der] } }));
    assert.equal(result.failure, 'unsupported-envelope');
    assert.match(result.message, /the signing certificate's key \(ed25519\) is not one the Notary Project allows/);
  });

  test('an RSA 1024-bit signing key: unsupported-envelope', async () => {
    const weak = issueLeaf(root, { key: 'rsa1024' });
    const result = await verifyOne(signJws({ target: descriptorOf(subject), identity: weak, alg: 'PS256' }));
    assert.equal(result.failure, 'unsupported-envelope');
    assert.match(result.message, /RSA 1024-bit\) is not one the Notary Project allows/);
  });

  test('a header both protected and unprotected, or a chain entry that is not a certificate: unsupported-envelope', async () => {
    const envelope = JSON.parse(signJws({ target: descriptorOf(subject), identity: leaf }).toString());
    const doubled = await verifyOne(Buffer.from(JSON.stringify({ ...envelope, header: { ...envelope.header, alg: 'ES256' } })));
    assert.equal(doubled.failure, 'unsupported-envelope');
    assert.match(doubled.message, /alg appear in both the protected and the unprotected header/);
    const junk = await verifyOne(Buffer.from(JSON.stringify({ ...envelope, header: { ...envelope.header, x5c: [Buffer.from('not a certificate').toString('base64')] } })));
    assert.equal(junk.failure, 'unsupported-envelope');
    assert.match(junk.message, /certificate 1 of the envelope's chain is not a valid X.509 certificate/);
  });

  test('an envelope the registry cannot serve: registry', async () => {
    const artifact = notationArtifact(signJws({ target: descriptorOf(subject), identity: leaf }), descriptorOf(subject));
    const broken: SignatureArtifact = { ...artifact, blob: async () => Promise.reject(new Error('registry 127.0.0.1:5000 answered 500')) };
    const [result] = await verifyNotationArtifacts(subject, [broken], policy());
    assert.equal(result.failure, 'registry');
    assert.match(result.message, /could not be read: registry 127\.0\.0\.1:5000 answered 500/);
  });

  test('at most 64 signatures of one image are verified; the rest are reported, not passed', async () => {
    const artifact = notationArtifact(signJws({ target: descriptorOf(subject), identity: leaf }), descriptorOf(subject));
    const many = Array.from({ length: 65 }, (_, i) => ({ ...artifact, digest: `sha256:${i.toString(16).padStart(64, '0')}` }));
    const results = await verifyNotationArtifacts(subject, many, policy());
    assert.equal(results.length, 65);
    assert.equal(results.filter((r) => r.verified).length, 64);
    assert.equal(results[64].failure, 'unsupported-envelope');
    assert.match(results[64].message, /kshield verifies at most 64/);
  });

  test('an envelope media type other than JWS or COSE, and an envelope that is not JSON', async () => {
    const other = await verifyOne(signJws({ target: descriptorOf(subject), identity: leaf }), policy(), { mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json' });
    assert.equal(other.failure, 'unsupported-envelope');
    const garbage = await verifyOne(Buffer.from('not json'));
    assert.equal(garbage.failure, 'unsupported-envelope');
    assert.match(garbage.message, /not a valid Notary Project JWS envelope: it is not JSON/);
  });
});

describe('damaged envelopes', () => {
  test('no damage to a JWS or COSE envelope crashes verification: each gives one result, and a failure names its reason', async () => {
    // A fixed pseudo-random sequence, so a failure is reproducible.
    let seed = 0x2545f491;
    const next = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8);
    const envelopes: [Buffer, string][] = [
      [signJws({ target: descriptorOf(subject), identity: leaf }), 'application/jose+json'],
      [signCose({ target: descriptorOf(subject), identity: ecLeaf }), 'application/cose'],
    ];
    let failures = 0;
    for (const [envelope, mediaType] of envelopes) {
      for (let i = 0; i < 150; i++) {
        const damaged = Buffer.from(envelope);
        const cuts = 1 + (next() % 3);
        for (let c = 0; c < cuts; c++) damaged[next() % damaged.length] = next() & 0xff;
        const sliced = i % 10 === 0 ? damaged.subarray(0, next() % damaged.length) : damaged;
        const results = await verifyNotationArtifacts(subject, [notationArtifact(sliced, descriptorOf(subject), { mediaType })], policy());
        assert.equal(results.length, 1);
        const [r] = results;
        if (!r.verified) {
          failures++;
          assert.ok(r.failure, `no reason for: ${r.message}`);
          assert.ok(r.message.length > 0);
        }
      }
    }
    assert.ok(failures > 250, `only ${failures} of 300 damaged envelopes failed`);
  });
});

describe('certificate requirements', () => {
  test('a signing certificate with serverAuth extended key usage: untrusted-chain', async () => {
    const server = issueLeaf(root, { extensions: [{ name: 'keyUsage', digitalSignature: true, critical: true }, { name: 'extKeyUsage', serverAuth: true }] });
    const result = await verifyOne(signJws({ target: descriptorOf(subject), identity: server }));
    assert.equal(result.failure, 'untrusted-chain');
    assert.match(result.message, /extended key usage serverAuth/);
  });

  test('a signing certificate without a critical keyUsage: untrusted-chain', async () => {
    const loose = issueLeaf(root, { extensions: [{ name: 'keyUsage', digitalSignature: true, critical: false }] });
    const result = await verifyOne(signJws({ target: descriptorOf(subject), identity: loose }));
    assert.equal(result.failure, 'untrusted-chain');
    assert.match(result.message, /keyUsage extension that is not marked critical/);
  });

  test('a certificate signed with SHA-1: untrusted-chain', async () => {
    const old = issueLeaf(root, { sha1: true });
    const result = await verifyOne(signJws({ target: descriptorOf(subject), identity: old }));
    assert.equal(result.failure, 'untrusted-chain');
    assert.match(result.message, /signed with SHA-1/);
  });

  test('a chain missing its root: untrusted-chain', async () => {
    const result = await verifyOne(signJws({ target: descriptorOf(subject), identity: { ...leaf, chain: [leaf.der] } }));
    assert.equal(result.failure, 'untrusted-chain');
    assert.match(result.message, /not self-signed: its issuer's certificates are missing/);
  });

  test('an intermediate CA: leaf, intermediate, root verifies; a CA without keyCertSign does not', async () => {
    const interSubject: [string, string][] = [['C', 'US'], ['ST', 'WA'], ['O', 'acme-rockets.io'], ['CN', 'acme intermediate']];
    const interKeys = keyPair('rsa2048');
    const inter = makeCertificate({ subject: interSubject, keys: interKeys, issuer: { subject: root.subject, privateKey: root.keys.privateKey }, extensions: CA_EXTENSIONS });
    const child = issueLeaf({ subject: interSubject, keys: interKeys, der: inter, pem: '' });
    const ok = await verifyOne(signJws({ target: descriptorOf(subject), identity: { ...child, chain: [child.der, inter, root.der] } }));
    assert.equal(ok.verified, true, ok.message);
    const weakInter = makeCertificate({ subject: interSubject, keys: interKeys, issuer: { subject: root.subject, privateKey: root.keys.privateKey }, extensions: [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', digitalSignature: true, critical: true }] });
    const bad = await verifyOne(signJws({ target: descriptorOf(subject), identity: { ...child, chain: [child.der, weakInter, root.der] } }));
    assert.equal(bad.failure, 'untrusted-chain');
    assert.match(bad.message, /CA certificate "acme intermediate" lacks the keyCertSign key usage/);
  });
});

describe('revocation (offline)', () => {
  test('a certificate naming a CRL endpoint has an unknown status: strict fails, override revocation: skip passes', async () => {
    const crl = issueLeaf(root, { extensions: [...LEAF_EXTENSIONS, { name: 'cRLDistributionPoints', altNames: [{ type: 6, value: 'http://127.0.0.1:1/ca.crl' }] }] });
    const envelope = signJws({ target: descriptorOf(subject), identity: crl });
    const strict = await verifyOne(envelope);
    assert.equal(strict.failure, 'untrusted-chain');
    assert.match(strict.message, /revocation status of certificate "SecureBuilder" is unknown/);
    const skipped = await verifyOne(envelope, policy({ signatureVerification: { level: 'strict', override: { revocation: 'skip' } } }));
    assert.equal(skipped.verified, true, skipped.message);
    const logged = await verifyOne(envelope, policy({ signatureVerification: { level: 'permissive' } }));
    assert.equal(logged.verified, true);
    assert.match(logged.message, /revocation: the revocation status/);
  });
});

describe('as the verifier registry calls it', () => {
  test('verifyNotation verifies under the shared policy\'s notation part, and gives nothing without one', async () => {
    const artifact = notationArtifact(signJws({ target: descriptorOf(subject), identity: leaf }), descriptorOf(subject));
    const shared: VerifyPolicy = { ...emptyPolicy(), notation: { trustPolicyFile: writePolicyFile('shared.json', trustPolicy({})), trustStoreDir: dir } };
    const [result] = await verifyNotation(subject, [artifact], shared);
    assert.equal(result.verified, true, result.message);
    assert.deepEqual(await verifyNotation(subject, [artifact], emptyPolicy()), []);
  });

  test('an invalid trust policy is a usage error (the command exits 2 with the one line)', async () => {
    const file = writePolicyFile('usage.json', JSON.stringify({ version: '1.0', trustPolicies: [] }));
    await assert.rejects(verifyNotation(subject, [], { notation: { trustPolicyFile: file, trustStoreDir: dir } }), (err: unknown) => {
      assert.ok(err instanceof UsageError);
      assert.equal((err as Error).message, `${file}:1: trustPolicies: must not be empty`);
      return true;
    });
  });
});

function writePolicyFile(name: string, content: string | Record<string, unknown>): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

describe('choosing the trust policy', () => {
  test('no policy for the repository and no "*": the image fails', async () => {
    const elsewhere = testSubject({ registry: '127.0.0.1:5000', repository: 'team/app' });
    const results = await verifyNotationArtifacts(elsewhere, [notationArtifact(signJws({ target: descriptorOf(elsewhere), identity: leaf }), descriptorOf(elsewhere))], policy());
    assert.equal(results.length, 1);
    assert.equal(results[0].failure, 'untrusted-chain');
    assert.match(results[0].message, /^no trust policy in the trust policy document applies to 127\.0\.0\.1:5000\/team\/app: none lists it in registryScopes and there is no "\*" policy/);
  });

  test('the "*" policy applies where no policy names the repository; an exact scope wins over "*"', async () => {
    const elsewhere = testSubject({ registry: '127.0.0.1:5000', repository: 'team/app' });
    const p = policy({ signatureVerification: { level: 'skip' }, trustStores: undefined, trustedIdentities: undefined }, [
      { name: 'everything-else', registryScopes: ['*'], signatureVerification: { level: 'strict' }, trustStores: ['ca:wabbit-networks'], trustedIdentities: ['*'] },
    ]);
    const viaGlobal = await verifyNotationArtifacts(elsewhere, [notationArtifact(signJws({ target: descriptorOf(elsewhere), identity: leaf }), descriptorOf(elsewhere))], p);
    assert.equal(viaGlobal[0].failure, 'untrusted-chain', 'the global policy trusts only wabbit-networks');
    const exact = await verifyNotationArtifacts(subject, [], p);
    assert.deepEqual(exact, [{ format: 'notation', verified: true, message: `not verified: trust policy "acme-images" has level "skip" for ${subject.registry}/${subject.repository}` }]);
  });

  test('no Notary Project signature: no-signature', async () => {
    const results = await verifyNotationArtifacts(subject, [], policy());
    assert.equal(results.length, 1);
    assert.equal(results[0].failure, 'no-signature');
    assert.match(results[0].message, /has no Notary Project signature/);
  });
});

describe('trust policy documents', () => {
  function writePolicy(name: string, text: string): string {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  }
  const reject = (file: string, pattern: RegExp) =>
    assert.rejects(verifyNotationArtifacts(subject, [], { trustPolicyFile: file, trustStoreDir: dir }), (err: unknown) => {
      assert.ok(err instanceof NotationPolicyError, String(err));
      assert.match((err as Error).message, pattern);
      return true;
    });

  test('a policy read from a file verifies as the same document given inline', async () => {
    const file = writePolicy('good.json', JSON.stringify(trustPolicy({}), null, 2));
    const result = await verifyOne(signJws({ target: descriptorOf(subject), identity: leaf }), { trustPolicyFile: file, trustStoreDir: dir });
    assert.equal(result.verified, true, result.message);
  });

  test('a misspelt key names the file, the line and the key it meant', async () => {
    const text = JSON.stringify(trustPolicy({ trustStore: ['ca:acme-rockets'], trustStores: undefined }), null, 2);
    const file = writePolicy('misspelt.json', text);
    const line = text.split('\n').findIndex((l) => l.includes('"trustStore"')) + 1;
    await reject(file, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}: unknown key "trustPolicies\\[0\\]\\.trustStore"; did you mean "trustStores"\\?$`));
  });

  test('a misspelt level value gets a suggestion', async () => {
    const file = writePolicy('level.json', JSON.stringify(trustPolicy({ signatureVerification: { level: 'stirct' } }), null, 2));
    await reject(file, /trustPolicies\[0\]\.signatureVerification\.level: must be one of "strict", "permissive", "audit", "skip"; did you mean "strict"\?/);
  });

  test('an unsupported version, and the version written as a number', async () => {
    await reject(writePolicy('v2.json', JSON.stringify({ ...trustPolicy({}), version: '2.0' })), /version: unsupported trust policy version "2.0"; the supported version is "1.0"/);
    await reject(writePolicy('vnum.json', JSON.stringify({ ...trustPolicy({}), version: 1.0 })), /version: must be the string "1.0" \(quoted\), not 1/);
  });

  test('rules beyond the schema: integrity override, skip with stores, "*" with other scopes, a scope in two policies, identities', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [trustPolicy({ signatureVerification: { level: 'strict', override: { integrity: 'log' } } }), /override\.integrity: integrity cannot be overridden/],
      [trustPolicy({ signatureVerification: { level: 'skip' } }), /level "skip" verifies nothing, so it takes no trustStores or trustedIdentities/],
      [trustPolicy({ registryScopes: ['*', 'registry.acme-rockets.io/x'] }), /the registry scope "\*" cannot be listed with other scopes/],
      [trustPolicy({ registryScopes: ['registry.acme-rockets.io/software/*'] }), /has a wildcard/],
      [trustPolicy({}, [{ ...(trustPolicy({}).trustPolicies as object[])[0], name: 'second' }]), /registry scope "registry.acme-rockets.io\/software\/net-monitor" is in trust policies "acme-images" and "second"/],
      [trustPolicy({ trustedIdentities: ['x509.subject: C=US, O=acme-rockets.io'] }), /lacks ST=/],
      [trustPolicy({ trustedIdentities: ['x509.subject: C=US, ST=WA, O=acme', 'x509.subject: C=US, ST=WA, O=acme, OU=Finance'] }), /overlap/],
      [trustPolicy({ trustStores: ['cert:acme'] }), /trustStores\[0\]: "cert:acme" is not valid: a trust store is written TYPE:NAME/],
      [trustPolicy({ trustedIdentities: [] }), /needs trustedIdentities/],
      [trustPolicy({ registryScopes: ['*'], signatureVerification: { level: 'skip' }, trustStores: undefined, trustedIdentities: undefined }), /level "skip" cannot be used with the global registry scope "\*"/],
      [trustPolicy({ signatureVerification: { level: 'strict', verifyTimestamp: 'afterCertExpire' } }), /verifyTimestamp: must be one of "always", "afterCertExpiry"; did you mean "afterCertExpiry"\?/],
      [trustPolicy({ signatureVerification: { level: 'strict', overide: { expiry: 'log' } } }), /unknown key "trustPolicies\[0\]\.signatureVerification\.overide"; did you mean "override"\?/],
    ];
    for (const [doc, pattern] of cases) {
      await assert.rejects(verifyNotationArtifacts(subject, [], { trustPolicy: doc, trustStoreDir: dir }), (err: unknown) => {
        assert.ok(err instanceof NotationPolicyError, String(err));
        assert.match((err as Error).message, pattern);
        return true;
      });
    }
  });

  test('a file that is not JSON names the file and line', async () => {
    await reject(writePolicy('broken.json', '{\n  "version": "1.0",\n  "trustPolicies": [\n'), /broken\.json:\d+: not valid JSON: /);
  });

  test('a missing file', async () => {
    await reject(path.join(dir, 'nope.json'), /nope\.json: trust policy file not found$/);
  });
});
