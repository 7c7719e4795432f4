/**
 * `kshield verify` as a user runs it, against Debian's real docker-registry on 127.0.0.1: images
 * pushed by the test, cosign-format signatures and attestations made in the test with keys
 * node:crypto generates (ECDSA P-256, RSA, Ed25519), stored under cosign's tags or as referrers
 * in the referrers tag schema (docker-registry 2.8 has no referrers API). Each case checks the
 * exit code and the reason the user reads.
 *
 * Without docker-registry the registry part is skipped with a loud message, unless
 * KSHIELD_INTEGRATION=required (CI), where it fails.
 */
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { kshieldAsync } from './support/cli.js';
import { pushImage, pushIndex, registryMissing, startRegistry, type PushedImage, type Registry } from './support/docker-registry.js';
import { sarifValidator } from './support/sarif.js';
import { attestationLayer, inTotoStatement, makeKey, pushCosignArtifact, signatureLayer, signBytes, simpleSigningPayload, type TestKey } from './support/signing.js';

const required = process.env.KSHIELD_INTEGRATION === 'required';
const why = registryMissing();
if (why && !required) {
  process.stderr.write(
    `\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n` +
      `!! SKIPPING the kshield verify tests against docker-registry: ${why}.\n` +
      `!! Set KSHIELD_INTEGRATION=required to make this a failure.\n` +
      `!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n`,
  );
}

const work = mkdtempSync(path.join(tmpdir(), 'kshield-verify-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

const REPO = 'shop/app';
const SLSA_V02 = 'https://slsa.dev/provenance/v0.2';
const SLSA_V1 = 'https://slsa.dev/provenance/v1';
const GENERATOR = 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v1.9.0';

const keys: Record<'ecdsa' | 'rsa' | 'ed25519' | 'other', TestKey> = { ecdsa: makeKey('ecdsa'), rsa: makeKey('rsa'), ed25519: makeKey('ed25519'), other: makeKey('ecdsa') };
const keyFile = (name: keyof typeof keys): string => path.join(work, `${name}.pub`);
for (const name of Object.keys(keys) as (keyof typeof keys)[]) writeFileSync(keyFile(name), keys[name].publicPem);

describe('kshield verify against docker-registry', { skip: why && !required ? why : false, timeout: 300_000 }, () => {
  let registry: Registry;
  const images: Record<string, PushedImage> = {};
  const ref = (tag: string): string => `${registry.host}/${REPO}:${tag}`;
  const verify = (tag: string, ...args: string[]) => kshieldAsync(['verify', ref(tag), '--insecure', ...args]);

  /** A cosign signature of `image` by `key`, its payload naming `names` (default: the image itself). */
  const sign = (image: PushedImage, key: TestKey, names = image.digest) => {
    const payload = simpleSigningPayload(`${registry.host}/${REPO}`, names);
    return signatureLayer(payload, signBytes(key, payload));
  };

  before(async () => {
    if (why) assert.fail(`KSHIELD_INTEGRATION=required but ${why}`);
    registry = await startRegistry();
    for (const tag of ['ecdsa', 'rsa', 'ed25519', 'wrong-key', 'other-image', 'tampered-rsa', 'tampered-ecdsa', 'unsigned', 'one-key', 'two-keys', 'attested', 'referrer', 'bad-type'])
      images[tag] = await pushImage(registry.base, REPO, tag);

    for (const kind of ['ecdsa', 'rsa', 'ed25519'] as const) await pushCosignArtifact(registry.base, REPO, images[kind], 'sig', [sign(images[kind], keys[kind])], 'cosign-tag');
    await pushCosignArtifact(registry.base, REPO, images['wrong-key'], 'sig', [sign(images['wrong-key'], keys.other)], 'cosign-tag');
    // A valid signature of another image's payload, copied to this one.
    await pushCosignArtifact(registry.base, REPO, images['other-image'], 'sig', [sign(images['other-image'], keys.ecdsa, images.ecdsa.digest)], 'cosign-tag');
    // The real payload, with the signature of other bytes (what a payload edited after signing looks like).
    for (const [tag, key] of [['tampered-rsa', keys.rsa], ['tampered-ecdsa', keys.ecdsa]] as const) {
      const payload = simpleSigningPayload(`${registry.host}/${REPO}`, images[tag].digest);
      const signedBefore = simpleSigningPayload(`${registry.host}/${REPO}`, images.unsigned.digest);
      await pushCosignArtifact(registry.base, REPO, images[tag], 'sig', [signatureLayer(payload, signBytes(key, signedBefore))], 'cosign-tag');
    }
    await pushCosignArtifact(registry.base, REPO, images['one-key'], 'sig', [sign(images['one-key'], keys.ecdsa)], 'cosign-tag');
    await pushCosignArtifact(registry.base, REPO, images['two-keys'], 'sig', [sign(images['two-keys'], keys.ecdsa), sign(images['two-keys'], keys.ed25519)], 'cosign-tag');

    const attested = images.attested;
    await pushCosignArtifact(registry.base, REPO, attested, 'sig', [sign(attested, keys.ecdsa)], 'cosign-tag');
    const provenance = inTotoStatement(attested.digest, SLSA_V02, { builder: { id: GENERATOR }, buildType: 'https://github.com/slsa-framework/slsa-github-generator/generic@v1', invocation: { configSource: { uri: 'git+https://github.com/acme/shop@refs/heads/main', digest: { sha1: 'a'.repeat(40) }, entryPoint: '.github/workflows/release.yml' } } });
    // A statement signed by the right key but about another image: it must not count.
    const elsewhere = inTotoStatement(images.unsigned.digest, 'https://cosign.sigstore.dev/attestation/vuln/v1', { scanner: { uri: 'pkg:github/aquasecurity/trivy' } });
    await pushCosignArtifact(registry.base, REPO, attested, 'att', [attestationLayer(provenance, keys.ecdsa, SLSA_V02), attestationLayer(elsewhere, keys.ecdsa, 'https://cosign.sigstore.dev/attestation/vuln/v1')], 'cosign-tag');

    const referrer = images.referrer;
    await pushCosignArtifact(registry.base, REPO, referrer, 'sig', [sign(referrer, keys.rsa)], 'referrers-tag');
    const v1 = inTotoStatement(referrer.digest, SLSA_V1, { buildDefinition: { buildType: 'https://actions.github.io/buildtypes/workflow/v1', externalParameters: { workflow: { repository: 'https://github.com/acme/shop', path: '.github/workflows/release.yml', ref: 'refs/heads/main' } } }, runDetails: { builder: { id: GENERATOR } } });
    await pushCosignArtifact(registry.base, REPO, referrer, 'att', [attestationLayer(v1, keys.rsa, SLSA_V1)], 'referrers-tag');

    // A multi-platform image: cosign signs the index's digest, which the tag resolves to.
    images.multi = await pushIndex(registry.base, REPO, 'multi', [{ image: images.ecdsa, architecture: 'amd64' }, { image: images.rsa, architecture: 'arm64' }]);
    await pushCosignArtifact(registry.base, REPO, images.multi, 'sig', [sign(images.multi, keys.ed25519)], 'cosign-tag');

    const badType = simpleSigningPayload(`${registry.host}/${REPO}`, images['bad-type'].digest, 'atomic container signature');
    await pushCosignArtifact(registry.base, REPO, images['bad-type'], 'sig', [signatureLayer(badType, signBytes(keys.ecdsa, badType))], 'cosign-tag');
  });
  after(async () => registry?.stop());

  for (const kind of ['ecdsa', 'rsa', 'ed25519'] as const) {
    test(`a signature made with a ${kind} key verifies with its public key (exit 0)`, async () => {
      const r = await verify(kind, '--key', keyFile(kind));
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, new RegExp(`^OK +cosign +signature +signature 1 in the cosign \\.sig tag: signed by ${keyFile(kind).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(sha256:`, 'm'));
      assert.match(r.stdout, new RegExp(`^Digest: ${images[kind].digest}$`, 'm'));
      assert.match(r.stdout, /^Policy satisfied \(require any\)$/m);
    });
  }

  test('a reference by digest is verified as it is; a multi-platform tag by its index digest, not a platform image', async () => {
    const byDigest = await kshieldAsync(['verify', `${registry.host}/${REPO}@${images.rsa.digest}`, '--insecure', '--key', keyFile('rsa')]);
    assert.equal(byDigest.code, 0, byDigest.stdout + byDigest.stderr);
    assert.match(byDigest.stdout, new RegExp(`^Digest: ${images.rsa.digest}$`, 'm'));
    const multi = await verify('multi', '--key', keyFile('ed25519'));
    assert.equal(multi.code, 0, multi.stdout + multi.stderr);
    assert.match(multi.stdout, new RegExp(`^Digest: ${images.multi.digest}$`, 'm'));
    // The platform images' own signatures are by other keys: the index's signature is what counts.
    const platformKey = await verify('multi', '--key', keyFile('ecdsa'));
    assert.equal(platformKey.code, 1, platformKey.stdout);
    assert.match(platformKey.stdout, /FAIL +wrong-key/);
  });

  test('a signature by another key: wrong-key, exit 1', async () => {
    const r = await verify('wrong-key', '--key', keyFile('ecdsa'));
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^FAIL +wrong-key +cosign +signature +signature 1 in the cosign \.sig tag: the signature does not verify with .*ecdsa\.pub/m);
    assert.match(r.stdout, /Policy NOT satisfied:\n {2}- no signature verified \(wrong-key\)/);
  });

  test("a valid signature of another image's digest: digest-mismatch, naming both digests", async () => {
    const r = await verify('other-image', '--key', keyFile('ecdsa'));
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(r.stdout.includes(`digest-mismatch`), r.stdout);
    assert.ok(r.stdout.includes(`the signed payload is for image ${images.ecdsa.digest}, not ${images['other-image'].digest}`), r.stdout);
  });

  test('a payload changed after signing: tampered-payload with an RSA key (the signature reveals what it signed)', async () => {
    const r = await verify('tampered-rsa', '--key', keyFile('rsa'));
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^FAIL +tampered-payload +cosign .*signed by .*rsa\.pub \(sha256:[0-9a-f]{12}…\), but over other bytes than the payload the registry holds/m);
  });

  test('the same with an ECDSA key is wrong-key, and the message says the signature cannot tell the two apart', async () => {
    const r = await verify('tampered-ecdsa', '--key', keyFile('ecdsa'));
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^FAIL +wrong-key .*\(made with another key, or over other bytes: ECDSA and Ed25519 signatures do not say which\)$/m);
  });

  test('no signature at all: no-signature, exit 1', async () => {
    const r = await verify('unsigned', '--key', keyFile('ecdsa'));
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^FAIL +no-signature +cosign +signature +no cosign signature is attached to sha256:[0-9a-f]{64} \(no tag sha256-[0-9a-f]{12}….sig, no cosign signature among its referrers\)$/m);
    assert.match(r.stdout, /- no signature verified \(no-signature\)/);
  });

  test('a signed payload of another type (not a cosign container image signature): unsupported-envelope', async () => {
    const r = await verify('bad-type', '--key', keyFile('ecdsa'));
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^FAIL +unsupported-envelope .*critical\.type is "atomic container signature", not "cosign container image signature"$/m);
  });

  test('several keys: any-of is satisfied by one; all-of needs a signature from each', async () => {
    const any = await verify('one-key', '--key', keyFile('ecdsa'), '--key', keyFile('ed25519'));
    assert.equal(any.code, 0, any.stdout + any.stderr);
    const all = await verify('one-key', '--key', keyFile('ecdsa'), '--key', keyFile('ed25519'), '--require', 'all');
    assert.equal(all.code, 1, all.stdout + all.stderr);
    assert.ok(all.stdout.includes(`- no signature verified with ${keyFile('ed25519')}, and --require all needs one from every key`), all.stdout);
    const both = await verify('two-keys', '--key', keyFile('ecdsa'), '--key', keyFile('ed25519'), '--require', 'all');
    assert.equal(both.code, 0, both.stdout + both.stderr);
    assert.equal((both.stdout.match(/^OK /gm) ?? []).length, 2, both.stdout);
    assert.match(both.stdout, /signature 1 of 2 in the cosign \.sig tag: signed by .*ecdsa\.pub/);
    assert.match(both.stdout, /signature 2 of 2 in the cosign \.sig tag: signed by .*ed25519\.pub/);
  });

  test('attestations: provenance present and required passes; one about another image fails as digest-mismatch; a missing type fails the policy', async () => {
    const present = await verify('attested', '--key', keyFile('ecdsa'), '--attestation', 'slsaprovenance');
    assert.equal(present.code, 0, present.stdout + present.stderr);
    assert.match(present.stdout, /^OK +cosign +attestation +attestation 1 of 2 in the cosign \.att tag: https:\/\/slsa\.dev\/provenance\/v0\.2 statement about this image \(builder https:\/\/github\.com\/slsa-framework/m);
    assert.match(present.stdout, /^FAIL +digest-mismatch +cosign +attestation +attestation 2 of 2 in the cosign \.att tag: the https:\/\/cosign\.sigstore\.dev\/attestation\/vuln\/v1 statement is about sha256:[0-9a-f]{64}, not this image/m);
    const missing = await verify('attested', '--key', keyFile('ecdsa'), '--attestation', 'vuln');
    assert.equal(missing.code, 1, missing.stdout + missing.stderr);
    assert.match(missing.stdout, /- no verified vuln attestation \(https:\/\/cosign\.sigstore\.dev\/attestation\/vuln\/v1\); 1 attestation failed/);
    const none = await verify('one-key', '--key', keyFile('ecdsa'), '--attestation', 'cyclonedx');
    assert.equal(none.code, 1, none.stdout + none.stderr);
    assert.match(none.stdout, /- no verified cyclonedx attestation \(https:\/\/cyclonedx\.org\/bom\)$/m);
  });

  test('provenance policy: an allowed builder and source pass; a builder or source not allowed fails with the one it named', async () => {
    const allowed = await verify('attested', '--key', keyFile('ecdsa'), '--attestation', 'slsaprovenance', '--allowed-builder', GENERATOR, '--allowed-source', 'https://github.com/acme/shop');
    assert.equal(allowed.code, 0, allowed.stdout + allowed.stderr);
    const builder = await verify('attested', '--key', keyFile('ecdsa'), '--attestation', 'slsaprovenance', '--allowed-builder', 'https://cloudbuild.googleapis.com/GoogleHostedWorker');
    assert.equal(builder.code, 1, builder.stdout + builder.stderr);
    assert.ok(builder.stdout.includes(`attestation  attestation 1 of 2 in the cosign .att tag: the provenance names builder ${GENERATOR}, which is not an allowed builder (https://cloudbuild.googleapis.com/GoogleHostedWorker)`), builder.stdout);
    assert.match(builder.stdout, /^FAIL +attestation +cosign/m);
    assert.match(builder.stdout, /- no verified slsaprovenance attestation \(https:\/\/slsa\.dev\/provenance\/v0\.2 or https:\/\/slsa\.dev\/provenance\/v1\); 2 attestations failed/);
    const source = await verify('attested', '--key', keyFile('ecdsa'), '--attestation', 'slsaprovenance', '--allowed-source', 'github.com/acme/other');
    assert.equal(source.code, 1, source.stdout + source.stderr);
    assert.ok(source.stdout.includes('the provenance names source git+https://github.com/acme/shop@refs/heads/main, which is not an allowed source repository (github.com/acme/other)'), source.stdout);
  });

  test('signature and SLSA v1 provenance found as referrers through the referrers tag schema (no referrers API in docker-registry 2.8)', async () => {
    const r = await verify('referrer', '--key', keyFile('rsa'), '--attestation', 'slsaprovenance1', '--allowed-source', 'https://github.com/acme/shop.git', '-o', 'json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout) as { referrers: string; satisfied: boolean; results: { verified: boolean; message: string; attestations?: string[] }[] };
    assert.equal(report.referrers, 'tag-schema');
    assert.equal(report.satisfied, true);
    assert.deepEqual(
      report.results.map((x) => [x.verified, x.message.replace(/ \(sha256:.*$/, '').replace(/, signed by .*$/, '')]),
      [
        [true, `signature 1 in the referrer (tag schema): signed by ${keyFile('rsa')}`],
        [true, `attestation 1 in the referrer (tag schema): ${SLSA_V1} statement about this image (builder ${GENERATOR}, source https://github.com/acme/shop)`],
      ],
    );
    // Without the signature in the tag convention, the table says where it came from.
    const table = await verify('referrer', '--key', keyFile('rsa'));
    assert.match(table.stdout, /^Artifacts: 2 read; referrers: referrers tag schema \(the registry has no referrers API\)$/m);
  });

  test('SARIF: one error result per failure and per unmet demand, valid SARIF 2.1.0', async () => {
    const r = await verify('wrong-key', '--key', keyFile('ecdsa'), '-o', 'sarif');
    assert.equal(r.code, 1, r.stderr);
    const sarif = JSON.parse(r.stdout) as { runs: { results: { ruleId: string; message: { text: string } }[] }[] };
    const validator = sarifValidator();
    assert.ok(validator.validate(sarif), validator.errors());
    assert.deepEqual(sarif.runs[0].results.map((x) => x.ruleId), ['signature-wrong-key', 'signature-policy']);
  });

  test('--fail-on none reports and exits 0; --fail-on any-failure fails on a failed signature even when the policy is met', async () => {
    const none = await verify('wrong-key', '--key', keyFile('ecdsa'), '--fail-on', 'none');
    assert.equal(none.code, 0, none.stdout);
    assert.match(none.stdout, /FAIL +wrong-key/);
    const strict = await verify('attested', '--key', keyFile('ecdsa'), '--fail-on', 'any-failure');
    assert.equal(strict.code, 1, strict.stdout);
    assert.match(strict.stdout, /^Policy satisfied/m);
  });

  test('an image that is not in the registry, and usage mistakes: exit 2 with the reason', async () => {
    const missing = await verify('no-such-tag', '--key', keyFile('ecdsa'));
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, `kshield: error: ${registry.host}/${REPO}:no-such-tag was not found in the registry (404)\n`);
    const noKey = await verify('ecdsa');
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /give what to verify with: --key cosign\.pub \(repeatable\), --trusted-root trusted_root\.json for Sigstore bundles, or --trust-policy/);
  });
});

describe('kshield verify: usage errors need no registry', () => {
  test('a private key given as --key is refused, and its content never printed', async () => {
    const file = path.join(work, 'cosign.key');
    const pem = keys.ecdsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writeFileSync(file, pem);
    const r = await kshieldAsync(['verify', '127.0.0.1:1/app:1', '--key', file]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `kshield: error: --key ${file}: holds a private key; give the public key (cosign.pub)\n`);
    const body = pem.split('\n')[1];
    assert.ok(!r.stdout.includes(body) && !r.stderr.includes(body));
  });

  test('an unknown attestation type gets a suggestion; plain HTTP is refused for a remote registry', async () => {
    const typo = await kshieldAsync(['verify', '127.0.0.1:1/app:1', '--key', keyFile('ecdsa'), '--attestation', 'slsaprovenence']);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /--attestation: "slsaprovenence" is not an attestation type; did you mean "slsaprovenance"\?/);
    const remote = await kshieldAsync(['verify', 'registry.example/app:1', '--key', keyFile('ecdsa'), '--insecure']);
    assert.equal(remote.code, 2);
    assert.match(remote.stderr, /--insecure \(plain HTTP\) is only for registries on this machine .*not registry\.example/);
  });

  test('a broken trusted root or trust policy is reported before the registry is asked (which here cannot be reached)', async () => {
    const garbage = path.join(work, 'not-a-root.json');
    writeFileSync(garbage, 'garbage\n');
    const keyless = ['--certificate-identity', 'release@example.com', '--certificate-oidc-issuer', 'https://issuer.example'];
    const root = await kshieldAsync(['verify', '127.0.0.1:1/app:1', '--insecure', '--trusted-root', garbage, ...keyless]);
    assert.equal(root.code, 2);
    assert.match(root.stderr, /^kshield: error: .*not-a-root\.json: not JSON/);
    const dir = await kshieldAsync(['verify', '127.0.0.1:1/app:1', '--insecure', '--trusted-root', work, ...keyless]);
    assert.equal(dir.stderr, `kshield: error: ${work}: a directory, not a trusted root (trusted_root.json)\n`);
    const policy = path.join(work, 'trustpolicy.json');
    writeFileSync(policy, JSON.stringify({ version: '1.0', trustPolicies: [{ name: 'all', registryScopes: ['*'], signatureVerification: { level: 'strict' }, trustStore: ['ca:acme'], trustedIdentities: ['*'] }] }, null, 2));
    const typo = await kshieldAsync(['verify', '127.0.0.1:1/app:1', '--insecure', '--trust-policy', policy, '--trust-store', work]);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /trustpolicy\.json:\d+: unknown key "trustPolicies\[0\]\.trustStore"; did you mean "trustStores"\?/);
    assert.doesNotMatch(typo.stderr + root.stderr, /ECONNREFUSED|cannot reach/);
  });

  test('a trust store that is not a directory, or lacks a store the policy names, is a usage error before the registry is asked', async () => {
    const policy = path.join(work, 'stores-policy.json');
    writeFileSync(policy, JSON.stringify({ version: '1.0', trustPolicies: [{ name: 'all', registryScopes: ['*'], signatureVerification: { level: 'strict' }, trustStores: ['ca:acmee'], trustedIdentities: ['*'] }] }));
    const file = await kshieldAsync(['verify', '127.0.0.1:1/app:1', '--insecure', '--trust-policy', policy, '--trust-store', policy]);
    assert.equal(file.code, 2);
    assert.equal(file.stderr, `kshield: error: --trust-store ${policy} is not a directory (notation's trust store directory holds x509/ca|signingAuthority|tsa/NAME/*.pem)\n`);
    const missing = await kshieldAsync(['verify', '127.0.0.1:1/app:1', '--insecure', '--trust-policy', policy, '--trust-store', work]);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, `kshield: error: --trust-store trust policy "all" names trust store ca:acmee, but ${path.join(work, 'x509/ca/acmee')} does not exist\n`);
  });

  test('one key given twice, and a --docker-config that does not exist, are usage errors', async () => {
    const copy = path.join(work, 'copy-of-ecdsa.pub');
    writeFileSync(copy, readFileSync(keyFile('ecdsa')));
    const twice = await kshieldAsync(['verify', '127.0.0.1:1/app:1', '--insecure', '--key', keyFile('ecdsa'), '--key', copy, '--require', 'all']);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /--key .*copy-of-ecdsa\.pub is the same key as --key .* give each signer's key once/);
    const config = await kshieldAsync(['verify', '127.0.0.1:1/app:1', '--insecure', '--key', keyFile('ecdsa'), '--docker-config', path.join(work, 'nothere.json')]);
    assert.equal(config.code, 2);
    assert.match(config.stderr, /--docker-config .*nothere\.json: no such file/);
  });
});
