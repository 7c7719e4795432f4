/**
 * `webhook.imagePolicy.requireSignature` end to end over HTTPS, against Debian's real
 * docker-registry on 127.0.0.1: images pushed by the test, cosign signatures and attestations made
 * in the test with keys node:crypto generates. The webhook server is the real one, driven with
 * AdmissionReviews as the API server sends them; counts come from its /metrics.
 *
 * Without docker-registry the suite is skipped with a loud message, unless
 * KSHIELD_INTEGRATION=required (CI), where it fails.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import fastJsonPatch from 'fast-json-patch';
import { pino } from 'pino';
import { parseConfig } from '../src/config/config-file.js';
import { rules } from '../src/rules/index.js';
import { cli, kshieldAsync } from './support/cli.js';
import { spawn } from 'node:child_process';
import { buildState, WebhookServer } from '../src/admission/server.js';
import type { NamespaceLabelSource } from '../src/admission/namespaces.js';
import { kubernetesPullSecretReader } from '../src/admission/pull-secrets.js';
import { startTestApiServer, writeKubeconfig, type TestApiServer } from './support/k8s-api-server.js';
import { makeServingCert, makeTestCa, type ServingCert, type TestCa } from './support/tls.js';
import { assertReviewShape, compliantDeployment, hardenedContainer, pod, postReview, review } from './support/admission.js';
import { htpasswdLine, htpasswdMissing, pushImage, registryMissing, startRegistry, type PushedImage, type Registry } from './support/docker-registry.js';
import { addToReferrersTag, attestationLayer, inTotoStatement, makeKey, pushCosignArtifact, signatureLayer, signBytes, simpleSigningPayload, type TestKey } from './support/signing.js';
import { COSIGN_SIGN_PREDICATE, TestSigstore, makeBundle, statement } from './support/sigstore-fixtures.js';
import { putManifest, sha256, uploadBlob } from './support/docker-registry.js';
import { issueLeaf, makeRoot, signatureManifest, signJws, writeTrustStore, type ArtifactParts } from './support/notation-fixtures.js';

type Obj = Record<string, any>;

const required = process.env.KSHIELD_INTEGRATION === 'required';
const why = registryMissing();
if (why && !required) {
  process.stderr.write(
    `\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n` +
      `!! SKIPPING the webhook signature tests: ${why}.\n` +
      `!! Set KSHIELD_INTEGRATION=required to make this a failure.\n` +
      `!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n`,
  );
}

const work = mkdtempSync(path.join(tmpdir(), 'kshield-webhook-signatures-'));
after(() => rmSync(work, { recursive: true, force: true }));

const REPO = 'acme/api';
const SLSA_V1 = 'https://slsa.dev/provenance/v1';

describe('webhook signature rules over HTTPS with a real registry', { skip: why && !required ? why : false, timeout: 180_000 }, () => {
  let registry: Registry;
  let ca: TestCa;
  let serving: ServingCert;
  let server: WebhookServer;
  let port: number;
  let clock = Date.now();
  const images: Record<string, PushedImage> = {};
  const release: TestKey = makeKey('ecdsa');
  const other: TestKey = makeKey('ecdsa');
  const labels: Record<string, Record<string, string>> = { shop: { tier: 'prod' }, sandbox: { tier: 'dev' } };
  const namespaces: NamespaceLabelSource = {
    lookup: async (name) => (labels[name] ? { labels: labels[name] } : { unavailable: `namespace ${name} not found` }),
    status: () => ({ synced: true, namespaces: Object.keys(labels).length }),
    close: async () => {},
  };

  const ref = (tag: string, repo = REPO): string => `${registry.host}/${repo}:${tag}`;
  const sign = async (tag: string, key: TestKey, repo = REPO): Promise<void> => {
    const payload = simpleSigningPayload(`${registry.host}/${repo}`, images[tag].digest);
    await pushCosignArtifact(registry.base, repo, images[tag], 'sig', [signatureLayer(payload, signBytes(key, payload))], 'cosign-tag');
  };
  const configText = (extra: string[] = []): string =>
    [
      'webhook:',
      '  registries:',
      '    hosts:',
      `      "${registry.host}": { insecureHttp: true }`,
      '  imagePolicy:',
      '    requireSignature:',
      `      - images: ["${registry.host}/acme/**"]`,
      '        keys: [release.pub]',
      `      - images: ["${registry.host}/attested/**"]`,
      '        keys: [release.pub]',
      '        attestations: [slsaprovenance]',
      `      - images: ["${registry.host}/prod-only/**"]`,
      '        namespaceSelector: { matchLabels: { tier: prod } }',
      '        keys: [release.pub]',
      `      - images: ["${registry.host}/keyless/**"]`,
      '        keyless:',
      '          trustedRoot: trusted_root.json',
      '          identities: [{ issuer: "https://token.actions.example.com", subjectRegExp: "release@example\\\\.com" }]',
      `      - images: ["${registry.host}/two-keys/**"]`,
      '        keys: [release.pub, other.pub]',
      '        require: all',
      `      - images: ["${registry.host}/notary/**"]`,
      '        notation: { trustPolicy: trustpolicy.json, trustStore: truststore }',
      `      - images: ["${registry.host}/sigrepo/**"]`,
      '        keys: [release.pub]',
      `        signatureRepository: ${registry.host}/signatures/store`,
      ...extra,
      '',
    ].join('\n');
  const configFile = (): string => path.join(work, '.kshield.yaml');
  const stateOf = (text: string) => buildState(parseConfig(text, configFile(), rules));

  const sigstore = new TestSigstore();
  /** Pushes a Sigstore bundle (keyless, by `email`) for `tag` as cosign v3 does: a referrer with the bundle as its one layer. */
  const pushBundle = async (tag: string, email: string, repo = 'keyless/api'): Promise<void> => {
    const image = images[tag];
    const bundle = makeBundle(sigstore, { signer: sigstore.keyless({ issuer: 'https://token.actions.example.com', email }), content: { kind: 'dsse', payload: statement(image.digest, COSIGN_SIGN_PREDICATE) } });
    const bytes = Buffer.from(JSON.stringify(bundle));
    const mediaType = String(bundle.mediaType);
    const empty = Buffer.from('{}');
    const layer = await uploadBlob(registry.base, repo, bytes, {});
    const config = await uploadBlob(registry.base, repo, empty, {});
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactType: mediaType,
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: config, size: empty.length },
        layers: [{ mediaType, digest: layer, size: bytes.length }],
        subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: image.digest, size: image.manifest.length },
      }),
    );
    await putManifest(registry.base, repo, sha256(manifest), 'application/vnd.oci.image.manifest.v1+json', manifest, {});
    await addToReferrersTag(registry.base, repo, image.digest, { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(manifest), size: manifest.length, artifactType: mediaType });
  };

  /** Pushes a Notary Project JWS signature of `tag` as notation does on a registry without the referrers API. */
  const pushNotation = async (tag: string, parts: ArtifactParts, repo = 'notary/api'): Promise<void> => {
    await uploadBlob(registry.base, repo, parts.config, {});
    await uploadBlob(registry.base, repo, parts.envelope, {});
    await putManifest(registry.base, repo, parts.manifestDigest, 'application/vnd.oci.image.manifest.v1+json', parts.manifest, {});
    await addToReferrersTag(registry.base, repo, images[tag].digest, { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: parts.manifestDigest, size: parts.manifest.length, artifactType: 'application/vnd.cncf.notary.signature' });
  };
  const notaryRoot = makeRoot();
  const notaryStranger = makeRoot({ subject: [['C', 'US'], ['O', 'wabbit-networks.io'], ['CN', 'wabbit root']] });

  before(async () => {
    if (why) assert.fail(`KSHIELD_INTEGRATION=required but ${why}`);
    writeTrustStore(path.join(work, 'truststore'), 'ca', 'acme-rockets', [notaryRoot.pem]);
    writeFileSync(path.join(work, 'trustpolicy.json'), JSON.stringify({ version: '1.0', trustPolicies: [{ name: 'notary-images', registryScopes: ['*'], signatureVerification: { level: 'strict' }, trustStores: ['ca:acme-rockets'], trustedIdentities: ['*'] }] }));
    writeFileSync(path.join(work, 'release.pub'), release.publicPem);
    writeFileSync(path.join(work, 'other.pub'), other.publicPem);
    writeFileSync(path.join(work, 'trusted_root.json'), JSON.stringify(sigstore.trustedRoot()));
    registry = await startRegistry();
    for (const tag of ['signed', 'wrong-key', 'unsigned', 'burst', 'sidecars', 'late', 'deploy']) images[tag] = await pushImage(registry.base, REPO, tag);
    images.attested = await pushImage(registry.base, 'attested/api', 'attested');
    images['prod-only'] = await pushImage(registry.base, 'prod-only/api', 'prod-only');
    for (const tag of ['keyless-good', 'keyless-stranger']) images[tag] = await pushImage(registry.base, 'keyless/api', tag);
    await pushBundle('keyless-good', 'release@example.com');
    await pushBundle('keyless-stranger', 'mallory@example.com');
    for (const tag of ['signed', 'burst', 'sidecars', 'deploy']) await sign(tag, release);
    images['one-of-two'] = await pushImage(registry.base, 'two-keys/api', 'one-of-two');
    await sign('one-of-two', release, 'two-keys/api');
    await sign('wrong-key', other);
    await sign('attested', release, 'attested/api');
    for (const [tag, root] of [['notary-good', notaryRoot], ['notary-stranger', notaryStranger]] as const) {
      images[tag] = await pushImage(registry.base, 'notary/api', tag);
      const target = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: images[tag].digest, size: images[tag].manifest.length };
      const signer = issueLeaf(root);
      await pushNotation(tag, signatureManifest(signJws({ target, identity: signer }), target, { chain: signer.chain }));
    }
    images['notary-unsigned'] = await pushImage(registry.base, 'notary/api', 'notary-unsigned');
    // Signed with the signature stored in another repository, as cosign does with COSIGN_REPOSITORY.
    images.sigrepo = await pushImage(registry.base, 'sigrepo/api', 'sigrepo');
    const sigrepoPayload = simpleSigningPayload(`${registry.host}/sigrepo/api`, images.sigrepo.digest);
    await pushCosignArtifact(registry.base, 'signatures/store', images.sigrepo, 'sig', [signatureLayer(sigrepoPayload, signBytes(release, sigrepoPayload))], 'cosign-tag');
    ca = makeTestCa();
    serving = makeServingCert(ca);
    const logger = pino({ level: 'silent' });
    server = new WebhookServer({ cert: serving.certPem, key: serving.keyPem, state: stateOf(configText()), logger, namespaces, now: () => clock });
    port = (await server.listen(0, '127.0.0.1')).port;
  });

  after(async () => {
    await server?.close(2000);
    await registry?.stop();
  });

  const podWith = (image: string, namespace = 'shop'): Obj => pod('web', namespace, hardenedContainer('app', image));
  const send = async (endpoint: '/validate' | '/mutate', object: Obj, options: Parameters<typeof review>[1] = {}): Promise<Obj> => {
    const body = review(object, options);
    return assertReviewShape(await postReview(port, endpoint, body, ca.certPem), body.request.uid);
  };
  const verifications = (result: string, reason: string): number => server.metrics.signatureVerifications.get({ result, reason });
  const cache = (outcome: string): number => server.metrics.signatureCache.get({ outcome });

  test('a signed image is pinned to its digest by /mutate, and the pinned pod is admitted by /validate after one verification', async () => {
    const image = ref('signed');
    const mutated = await send('/mutate', podWith(image));
    const patch = JSON.parse(Buffer.from(mutated.patch, 'base64').toString('utf8'));
    const pinned = fastJsonPatch.applyPatch(podWith(image), patch, true, false).newDocument as Obj;
    // pinImageDigests is off: the signature rule alone makes /mutate pin the image it verifies.
    assert.equal(pinned.spec.containers[0].image, `${image}@${images.signed.digest}`);
    const before = verifications('verified', 'verified');
    const admitted = await send('/validate', pinned);
    assert.equal(admitted.allowed, true, admitted.status?.message);
    assert.equal(verifications('verified', 'verified') - before, 1);
    // The tag as written verifies the same digest: a cache hit, no second verification.
    const byTag = await send('/validate', podWith(image));
    assert.equal(byTag.allowed, true, byTag.status?.message);
    assert.equal(verifications('verified', 'verified') - before, 1);
  });

  test('an image signed with another key is refused, the Status message naming container, image, digest and reason', async () => {
    const response = await send('/validate', podWith(ref('wrong-key')));
    assert.equal(response.allowed, false);
    assert.equal(response.status.code, 403);
    const short = images['wrong-key'].digest.slice(0, 19);
    assert.equal(
      response.status.message,
      `kshield: Pod shop/web: an image is refused by the signature policy:\n- container "app" image ${ref('wrong-key')} (${short}…): no signature verified (wrong-key) [webhook.imagePolicy.requireSignature[0]]`,
    );
    assert.equal(verifications('refused', 'wrong-key'), 1);
  });

  test('an unsigned image is refused with no-signature', async () => {
    const response = await send('/validate', podWith(ref('unsigned')));
    assert.equal(response.allowed, false);
    assert.match(response.status.message, /container "app" image \S+:unsigned \(sha256:[0-9a-f]{12}…\): no signature verified \(no-signature\) \[webhook\.imagePolicy\.requireSignature\[0\]\]/);
  });

  test('200 concurrent AdmissionReviews of one new signed image make exactly one verification', async () => {
    const before = { verified: verifications('verified', 'verified'), hit: cache('hit'), miss: cache('miss'), join: cache('join') };
    const replies = await Promise.all(Array.from({ length: 200 }, () => send('/validate', podWith(ref('burst')))));
    assert.deepEqual(replies.filter((r) => !r.allowed).map((r) => r.status.message), []);
    assert.equal(verifications('verified', 'verified') - before.verified, 1);
    assert.equal(cache('miss') - before.miss, 1);
    assert.equal(cache('hit') - before.hit + (cache('join') - before.join), 199);
    const metrics = server.metrics.render();
    assert.match(metrics, /kshield_admission_signature_cache_total\{outcome="miss"\} \d+/);
    assert.match(metrics, /kshield_admission_signature_verifications_total\{result="verified",reason="verified"\} \d+/);
  });

  test('the containers of one pod naming one image share one verification', async () => {
    const image = ref('sidecars');
    const object = pod('web', 'shop', hardenedContainer('app', image));
    object.spec.initContainers = [hardenedContainer('init', image)];
    object.spec.containers.push(hardenedContainer('proxy', image));
    const before = { verified: verifications('verified', 'verified'), miss: cache('miss') };
    const response = await send('/validate', object);
    assert.equal(response.allowed, true, response.status?.message);
    assert.equal(verifications('verified', 'verified') - before.verified, 1);
    assert.equal(cache('miss') - before.miss, 1);
  });

  test('pod templates are checked: a Deployment with an unsigned image is refused, one with a signed image admitted', async () => {
    const bad = compliantDeployment('api', 'shop');
    bad.spec.template.spec.containers[0].image = ref('unsigned');
    const refused = await send('/validate', bad);
    assert.equal(refused.allowed, false);
    assert.match(refused.status.message, /^kshield: Deployment shop\/api: an image is refused by the signature policy:\n- container "app" image \S+:unsigned/);
    const good = compliantDeployment('api', 'shop');
    good.spec.template.spec.containers[0].image = ref('deploy');
    assert.equal((await send('/validate', good)).allowed, true);
  });

  test('keyless: a Sigstore bundle from an allowed identity is admitted; one from another identity is refused with identity-mismatch', async () => {
    assert.equal((await send('/validate', podWith(ref('keyless-good', 'keyless/api')))).allowed, true);
    const refused = await send('/validate', podWith(ref('keyless-stranger', 'keyless/api')));
    assert.equal(refused.allowed, false);
    assert.match(refused.status.message, /image \S+:keyless-stranger \(sha256:[0-9a-f]{12}…\): no signature verified \(identity-mismatch\) \[webhook\.imagePolicy\.requireSignature\[3\]\]$/);
  });

  test('notation: an image with a Notary Project signature from the trust store is admitted; one signed under another root, or unsigned, is refused with the reason', async () => {
    const admitted = await send('/validate', podWith(ref('notary-good', 'notary/api')));
    assert.equal(admitted.allowed, true, JSON.stringify(admitted.status));
    const stranger = await send('/validate', podWith(ref('notary-stranger', 'notary/api')));
    assert.equal(stranger.allowed, false);
    assert.match(stranger.status.message, /image \S+\/notary\/api:notary-stranger \(sha256:[0-9a-f]{12}…\): no signature verified \(untrusted-chain\) \[webhook\.imagePolicy\.requireSignature\[5\]\]$/);
    const unsigned = await send('/validate', podWith(ref('notary-unsigned', 'notary/api')));
    assert.equal(unsigned.allowed, false);
    assert.match(unsigned.status.message, /notary-unsigned \(sha256:[0-9a-f]{12}…\): no signature verified \(no-signature\) \[webhook\.imagePolicy\.requireSignature\[5\]\]$/);
  });

  test('signatureRepository: the signature stored in another repository (COSIGN_REPOSITORY) admits the image; kshield verify finds it with --signature-repository or COSIGN_REPOSITORY', async () => {
    const admitted = await send('/validate', podWith(ref('sigrepo', 'sigrepo/api')));
    assert.equal(admitted.allowed, true, JSON.stringify(admitted.status));
    writeFileSync(path.join(work, 'release-cli.pub'), release.publicPem);
    const args = ['verify', ref('sigrepo', 'sigrepo/api'), '--insecure', '--key', path.join(work, 'release-cli.pub'), '-o', 'json'];
    const beside = await kshieldAsync(args);
    assert.equal(beside.code, 1, beside.stderr);
    assert.deepEqual(JSON.parse(beside.stdout).results.map((r: Obj) => r.failure), ['no-signature']);
    const flagged = await kshieldAsync([...args, '--signature-repository', `${registry.host}/signatures/store`]);
    assert.equal(flagged.code, 0, flagged.stdout + flagged.stderr);
    assert.equal(JSON.parse(flagged.stdout).satisfied, true);
    assert.equal(JSON.parse(flagged.stdout).signatureRepository, `${registry.host}/signatures/store`);
    const fromEnv = await kshieldAsync(args, { COSIGN_REPOSITORY: `${registry.host}/signatures/store` });
    assert.equal(fromEnv.code, 0, fromEnv.stdout + fromEnv.stderr);
    // A leftover exported variable is visible in the output.
    assert.equal(JSON.parse(fromEnv.stdout).signatureRepository, `${registry.host}/signatures/store (COSIGN_REPOSITORY)`);
    const tagged = await kshieldAsync([...args, '--signature-repository', `${registry.host}/signatures/store:v1`]);
    assert.equal(tagged.code, 2);
    assert.match(tagged.stderr, /--signature-repository: ".*signatures\/store:v1" names a tag or digest; give the repository only/);
  });

  test('require: all: an image signed by one of the two keys is refused, naming the key that did not sign', async () => {
    const refused = await send('/validate', podWith(ref('one-of-two', 'two-keys/api')));
    assert.equal(refused.allowed, false);
    assert.match(refused.status.message, /: no signature verified with other\.pub, and require: all needs one from every key \[webhook\.imagePolicy\.requireSignature\[4\]\]$/);
    assert.equal(verifications('refused', 'require-all'), 1);
  });

  test('a required attestation: signed and attested is admitted; signed without it is refused, naming the attestation', async () => {
    const attested = images.attested;
    const statement = inTotoStatement(attested.digest, SLSA_V1, { buildDefinition: { buildType: 'https://example.com/build', externalParameters: {} }, runDetails: { builder: { id: 'https://example.com/builder' } } });
    await pushCosignArtifact(registry.base, 'attested/api', attested, 'att', [attestationLayer(statement, release, SLSA_V1)], 'cosign-tag');
    assert.equal((await send('/validate', podWith(ref('attested', 'attested/api')))).allowed, true);
    images['not-attested'] = await pushImage(registry.base, 'attested/api', 'not-attested');
    await sign('not-attested', release, 'attested/api');
    const refused = await send('/validate', podWith(ref('not-attested', 'attested/api')));
    assert.equal(refused.allowed, false);
    assert.match(refused.status.message, /no verified slsaprovenance attestation .* \[webhook\.imagePolicy\.requireSignature\[1\]\]/);
  });

  test("a rule's namespaceSelector: the unsigned image is refused in a matching namespace and admitted elsewhere; images no rule names are not looked up", async () => {
    const image = ref('prod-only', 'prod-only/api');
    assert.equal((await send('/validate', podWith(image, 'shop'))).allowed, false);
    assert.equal((await send('/validate', podWith(image, 'sandbox'))).allowed, true);
    const misses = cache('miss');
    assert.equal((await send('/validate', podWith(`${registry.host}/elsewhere/api:1`))).allowed, true);
    assert.equal(cache('miss'), misses);
  });

  test('UPDATE: an image the old object already ran is not verified again; a new image is', async () => {
    const old = podWith(ref('unsigned'));
    const relabelled = { ...old, metadata: { ...old.metadata, labels: { ...old.metadata.labels, touched: 'yes' } } };
    assert.equal((await send('/validate', relabelled, { operation: 'UPDATE', oldObject: old })).allowed, true);
    const changed = podWith(ref('wrong-key'));
    assert.equal((await send('/validate', changed, { operation: 'UPDATE', oldObject: old })).allowed, false);
  });

  test('a refusal is cached for the failure TTL only: signed after being refused, the image is admitted once 30 s have passed; a success is kept longer', async () => {
    const image = ref('late');
    assert.equal((await send('/validate', podWith(image))).allowed, false);
    await sign('late', release);
    clock += 20_000;
    assert.equal((await send('/validate', podWith(image))).allowed, false, 'still the cached refusal within the failure TTL');
    clock += 11_000;
    assert.equal((await send('/validate', podWith(image))).allowed, true);
    const verified = verifications('verified', 'verified');
    clock += 9 * 60_000;
    assert.equal((await send('/validate', podWith(image))).allowed, true);
    assert.equal(verifications('verified', 'verified'), verified, 'a success is cached for 10 minutes');
  });

  test('one review verifies at most 20 images: the rest are refused without a registry read', async () => {
    const object = pod('web', 'shop', hardenedContainer('c0', `${registry.host}/acme/many-0@sha256:${'0'.repeat(64)}`));
    for (let i = 1; i <= 20; i++) object.spec.containers.push(hardenedContainer(`c${i}`, `${registry.host}/acme/many-${i}@sha256:${String(i % 10).repeat(64)}`));
    const misses = cache('miss');
    const response = await send('/validate', object);
    assert.equal(response.allowed, false);
    // The 20 read are refused too (nothing is at those digests); at most ten lines are shown.
    assert.match(response.status.message, /^kshield: Pod shop\/web: 21 images are refused by the signature policy:\n- container "c0" image \S+: could not be verified: .*404/);
    assert.match(response.status.message, /\n- and 11 more$/);
    assert.equal(cache('miss') - misses, 20, 'the 21st image was not looked up');
  });

  test('kshield webhook what-if lists the workloads whose images the signature rules would refuse, and why', async () => {
    const manifests = path.join(work, 'manifests');
    mkdirSync(manifests, { recursive: true });
    const deploymentWith = (name: string, image: string): Obj => {
      const d = compliantDeployment(name, 'shop');
      d.spec.template.spec.containers[0].image = image;
      return d;
    };
    writeFileSync(path.join(manifests, 'good.json'), JSON.stringify(deploymentWith('good', ref('signed'))));
    writeFileSync(path.join(manifests, 'bad.json'), JSON.stringify(deploymentWith('bad', ref('wrong-key'))));
    writeFileSync(configFile(), configText());
    const run = await kshieldAsync(['webhook', 'what-if', manifests, '--config', configFile()]);
    assert.equal(run.code, 1, run.stderr);
    const short = images['wrong-key'].digest.slice(0, 19);
    assert.ok(
      run.stdout.includes(`  image-signature Deployment/bad: container "app" image ${ref('wrong-key')} (${short}…): no signature verified (wrong-key) [webhook.imagePolicy.requireSignature[0]]\n`),
      run.stdout,
    );
    assert.match(run.stdout, /DENY +Deployment\/bad +image-signature /);
    assert.match(run.stdout, /2 workloads: 1 would be denied, 0 warned, 1 admitted, 0 exempt/);
    const json = await kshieldAsync(['webhook', 'what-if', manifests, '--config', configFile(), '-o', 'json']);
    const shop = JSON.parse(json.stdout).namespaces.find((n: Obj) => n.namespace === 'shop');
    assert.deepEqual(
      shop.workloads.map((w: Obj) => [w.name, w.verdict, w.signatures?.length ?? 0]),
      [
        ['bad', 'deny', 1],
        ['good', 'pass', 0],
      ],
    );
    // A reader of the JSON who looks only at `denied` sees the refusal too, at the container's image field.
    assert.deepEqual(
      shop.workloads.find((w: Obj) => w.name === 'bad').denied.map((f: Obj) => [f.rule, f.field, /no signature verified \(wrong-key\)/.test(f.message)]),
      [['image-signature', 'spec.template.spec.containers[0].image', true]],
    );
  });

  test('what-if verifies the digest the pods run (status.containerStatuses[].imageID), not what the tag names today', async () => {
    const manifests = path.join(work, 'running');
    mkdirSync(manifests, { recursive: true });
    const d = compliantDeployment('rolled', 'shop');
    d.metadata.uid = 'uid-deploy';
    d.spec.template.spec.containers[0].image = ref('signed');
    const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rolled-7d9f', namespace: 'shop', uid: 'uid-rs', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'rolled', uid: 'uid-deploy', controller: true }] }, spec: d.spec };
    const running = pod('rolled-7d9f-x2k4', 'shop', hardenedContainer('app', ref('signed')));
    running.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rolled-7d9f', uid: 'uid-rs', controller: true }];
    // The tag has moved since this pod started: it runs the unsigned image's digest.
    running.status = { phase: 'Running', containerStatuses: [{ name: 'app', image: ref('signed'), imageID: `docker-pullable://${registry.host}/${REPO}@${images.unsigned.digest}`, ready: true, restartCount: 0 }] };
    writeFileSync(path.join(manifests, 'all.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [d, rs, running] }));
    writeFileSync(configFile(), configText());
    const run = await kshieldAsync(['webhook', 'what-if', manifests, '--config', configFile(), '-o', 'json']);
    const shop = JSON.parse(run.stdout).namespaces.find((n: Obj) => n.namespace === 'shop');
    const rolled = shop.workloads.find((w: Obj) => w.name === 'rolled');
    assert.equal(rolled.verdict, 'deny', run.stdout);
    assert.deepEqual(rolled.signatures, [`container "app" image ${ref('signed')}@${images.unsigned.digest}: no signature verified (no-signature) [webhook.imagePolicy.requireSignature[0]]`]);
    // Without the pod, the tag is resolved now, to the signed image.
    writeFileSync(path.join(manifests, 'all.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [d] }));
    const byTag = await kshieldAsync(['webhook', 'what-if', manifests, '--config', configFile(), '-o', 'json']);
    assert.equal(JSON.parse(byTag.stdout).namespaces.find((n: Obj) => n.namespace === 'shop').workloads.find((w: Obj) => w.name === 'rolled').verdict, 'pass', byTag.stdout);
  });

  test('kshield webhook reloads when a key file a rule names changes: the rotated key admits what the old one refused', async () => {
    const dir = mkdtempSync(path.join(work, 'reload-'));
    const files = { cert: path.join(dir, 'tls.crt'), key: path.join(dir, 'tls.key'), config: path.join(dir, 'kshield.yaml'), pub: path.join(dir, 'signer.pub') };
    writeFileSync(files.cert, serving.certPem);
    writeFileSync(files.key, serving.keyPem, { mode: 0o600 });
    writeFileSync(files.pub, release.publicPem);
    writeFileSync(files.config, ['webhook:', '  registries:', `    hosts: { "${registry.host}": { insecureHttp: true } }`, '  imagePolicy:', '    requireSignature:', `      - images: ["${registry.host}/acme/**"]`, '        keys: [signer.pub]', ''].join('\n'));
    const child = spawn(process.execPath, [cli, 'webhook', '--tls-cert', files.cert, '--tls-key', files.key, '--config', files.config, '--port', '0', '--address', '127.0.0.1', '--reload-poll', '200ms'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const logs: Obj[] = [];
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) logs.push(JSON.parse(line));
    });
    const waitFor = async (what: (l: Obj) => boolean, label: string): Promise<Obj> => {
      for (let i = 0; i < 100; i++) {
        const found = logs.find(what);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 100));
      }
      return assert.fail(`no log line: ${label}`);
    };
    try {
      const listening = await waitFor((l) => l.msg === 'kshield webhook listening', 'listening');
      assert.deepEqual(listening.requireSignature.map((r: Obj) => r.keys), [['signer.pub']]);
      const validate = async (): Promise<Obj> => {
        const body = review(podWith(ref('wrong-key')));
        return assertReviewShape(await postReview(listening.port, '/validate', body, ca.certPem), body.request.uid);
      };
      assert.equal((await validate()).allowed, false);
      // The image was signed with `other`: rotate the key file to it, and only the key file.
      writeFileSync(files.pub, other.publicPem);
      await waitFor((l) => l.msg === 'configuration reloaded', 'configuration reloaded');
      const admitted = await validate();
      assert.equal(admitted.allowed, true, admitted.status?.message);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  test('a registry that does not answer: refused at the deadline with a clear message (fail closed); onError: allow admits with a warning', async () => {
    const silent = net.createServer(() => {
      /* accepts, never answers */
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    const previous = server.current;
    try {
      const text = (onError: string): string =>
        [
          'webhook:',
          '  registries:',
          '    hosts:',
          `      "${host}": { insecureHttp: true }`,
          '  imagePolicy:',
          '    timeoutMs: 400',
          `    onError: ${onError}`,
          '    requireSignature:',
          `      - images: ["${host}/acme/**"]`,
          '        keys: [release.pub]',
          '',
        ].join('\n');
      server.setState(stateOf(text('deny')));
      const started = Date.now();
      const refused = await send('/validate', podWith(`${host}/acme/api:1`));
      assert.ok(Date.now() - started < 3000, `answered after ${Date.now() - started} ms`);
      assert.equal(refused.allowed, false);
      assert.match(refused.status.message, new RegExp(`container "app" image ${host}/acme/api:1: could not be verified: verification did not finish within 400 ms.* \\(onError: deny\\) \\[webhook\\.imagePolicy\\.requireSignature\\[0\\]\\]$`));
      server.setState(stateOf(text('allow')));
      const admitted = await send('/validate', podWith(`${host}/acme/api:2`));
      assert.equal(admitted.allowed, true);
      assert.ok((admitted.warnings ?? []).some((w: string) => /admitted without signature verification .*onError: allow/.test(w)), JSON.stringify(admitted.warnings));
    } finally {
      server.setState(previous);
      silent.close();
    }
  });
});

describe('webhook.imagePolicy configuration errors name the key and its line', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kshield-signature-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const key = makeKey('ecdsa');
  writeFileSync(path.join(dir, 'cosign.pub'), key.publicPem);
  writeFileSync(path.join(dir, 'cosign.key'), key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const load = (lines: string[]) => parseConfig(['webhook:', '  imagePolicy:', '    requireSignature:', ...lines, ''].join('\n'), path.join(dir, '.kshield.yaml'), rules);

  test('a rule loads into a policy with the key read and a version', () => {
    const config = load(['      - images: [ghcr.io/acme/**]', '        keys: [cosign.pub]', '        require: all']);
    const rule = config.loadedImagePolicy!.requireSignature[0];
    assert.equal(rule.policy.keys[0].pem, key.publicPem);
    assert.equal(rule.policy.require, 'all');
    assert.match(rule.version, /^[0-9a-f]{16}$/);
    assert.equal(config.loadedImagePolicy!.onError, 'deny');
  });

  test('notation and provenance: the trust policy and stores are read at load; provenance demands imply the slsaprovenance attestation', () => {
    const root = makeRoot();
    writeTrustStore(path.join(dir, 'store'), 'ca', 'acme', [root.pem]);
    writeFileSync(path.join(dir, 'trustpolicy.json'), JSON.stringify({ version: '1.0', trustPolicies: [{ name: 'all', registryScopes: ['*'], signatureVerification: { level: 'strict' }, trustStores: ['ca:acme'], trustedIdentities: ['*'] }] }));
    const config = load(['      - images: [ghcr.io/acme/**]', '        notation: { trustPolicy: trustpolicy.json, trustStore: store }', '        provenance: { builders: ["https://github.com/actions/runner"] }']);
    const rule = config.loadedImagePolicy!.requireSignature[0];
    assert.equal(rule.policy.notation?.trustStoreDir, path.join(dir, 'store'));
    assert.deepEqual(rule.policy.attestations, ['slsaprovenance']);
    assert.deepEqual(rule.policy.provenance, { builders: ['https://github.com/actions/runner'], sources: [] });
    assert.ok(config.loadedImagePolicy!.files.includes(path.join(dir, 'store', 'x509', 'ca', 'acme', 'certs.pem')), 'a rotated CA certificate reloads the webhook');
    // Another trust store's certificate changes the policy version, so cached verdicts are not reused.
    writeTrustStore(path.join(dir, 'store'), 'ca', 'acme', [makeRoot().pem]);
    const reloaded = load(['      - images: [ghcr.io/acme/**]', '        notation: { trustPolicy: trustpolicy.json, trustStore: store }', '        provenance: { builders: ["https://github.com/actions/runner"] }']);
    assert.notEqual(reloaded.loadedImagePolicy!.requireSignature[0].version, rule.version);

    writeFileSync(path.join(dir, 'typo-policy.json'), JSON.stringify({ version: '1.0', trustPolicies: [{ name: 'all', registryScopes: ['*'], signatureVerification: { level: 'strict' }, trustStores: ['ca:acme-rockets'], trustedIdentities: ['*'] }] }));
    assert.throws(() => load(['      - images: [ghcr.io/acme/**]', '        notation: { trustPolicy: typo-policy.json, trustStore: store }']), { message: /:5: webhook\.imagePolicy\.requireSignature\[0\]\.notation\.trustStore: trust policy "all" names trust store ca:acme-rockets, but store\/x509\/ca\/acme-rockets does not exist$/ });
    writeFileSync(path.join(dir, 'bad-policy.json'), JSON.stringify({ version: '1.0', trustPolicies: [{ name: 'all', registryScopes: ['*'], signatureVerification: { level: 'strickt' }, trustStores: ['ca:acme'], trustedIdentities: ['*'] }] }));
    assert.throws(() => load(['      - images: [ghcr.io/acme/**]', '        notation: { trustPolicy: bad-policy.json, trustStore: store }']), { message: /:5: webhook\.imagePolicy\.requireSignature\[0\]\.notation\.trustPolicy: bad-policy\.json:1: trustPolicies\[0\]\.signatureVerification\.level: must be one of "strict", .*did you mean "strict"\?$/ });
    assert.throws(() => load(['      - images: [ghcr.io/acme/**]', '        notation: { trustPolicy: trustpolicy.json, trustStore: nowhere }']), { message: /notation\.trustStore: nowhere: no such directory$/ });
  });

  test('mistakes', () => {
    assert.throws(() => load(['      - images: [ghcr.io/acme/**]', '        keys: [missing.pub]']), { message: /\.kshield\.yaml:5: webhook\.imagePolicy\.requireSignature\[0\]\.keys\[0\]: missing\.pub: no such file$/ });
    assert.throws(() => load(['      - images: [ghcr.io/acme/**]', '        keys:', '          - cosign.key']), { message: /:6: webhook\.imagePolicy\.requireSignature\[0\]\.keys\[0\]: cosign\.key: holds a private key; give the public key/ });
    assert.throws(() => load(['      - images: [ghcr.io/acme/**]', '        keys: [cosign.pub, ./cosign.pub]', '        require: all']), { message: /:5: .*keys\[1\]: \.\/cosign\.pub is the same key as keys\[0\] \(cosign\.pub\)/ });
    // Patterns that can match no image would let the images they were meant for through unsigned.
    assert.throws(() => load(['      - images: ["127.0.0.1:5000/shop/web:2.0"]', '        keys: [cosign.pub]']), { message: /:4: webhook\.imagePolicy\.requireSignature\[0\]\.images\[0\]: "127\.0\.0\.1:5000\/shop\/web:2\.0" names a tag: patterns name repositories/ });
    assert.throws(() => load(['      - images: ["ghcr.io/acme/web@sha256:0000000000000000000000000000000000000000000000000000000000000000"]', '        keys: [cosign.pub]']), { message: /images\[0\]: .* names a digest/ });
    assert.throws(() => load(['      - images: [ghcr.io/acme/**, shop/**]', '        keys: [cosign.pub]']), { message: /:4: .*images\[1\]: "shop\/\*\*" starts with "shop", which is not a registry host .*docker\.io\/shop\/\*\* for Docker Hub$/ });
    assert.throws(() => load(['      - images: [ghcr.io/acme/**]', '        key: [cosign.pub]']), { message: /:5: unknown key "webhook\.imagePolicy\.requireSignature\[0\]\.key"; did you mean "keys"\?/ });
    assert.throws(() => load(['      - images: [ghcr.io/acme/**]']), { message: /:4: webhook\.imagePolicy\.requireSignature\[0\]: say what verifies a signature: keys .*, keyless .* or notation \(trustPolicy and trustStore\)$/ });
    assert.throws(() => load(['      - images: [ghcr.io/acme/**]', '        keys: [cosign.pub]', '        attestations: [slsaprovenence]']), { message: /:6: .*attestations\[0\]: "slsaprovenence" is not an attestation type; did you mean "slsaprovenance"\?/ });
    assert.throws(() => load(['      - images: [ghcr.io/acme/**]', '        keys: [cosign.pub]', '        require: every']), { message: /:6: webhook\.imagePolicy\.requireSignature\[0\]\.require: must be one of "any", "all"/ });
    assert.throws(
      () => load(['      - images: [ghcr.io/acme/**]', '        keyless:', '          trustedRoot: cosign.pub', '          identities: [{ issuer: https://token.actions.githubusercontent.com, subject: x }]']),
      { message: /:6: .*keyless\.trustedRoot: cosign\.pub is not JSON/ },
    );
    assert.throws(
      () => load(['      - images: [ghcr.io/acme/**]', '        keys: [cosign.pub]', '        namespaceSelector:', '          matchExpressions:', '            - { key: tier, operator: In }']),
      { message: /:8: webhook\.imagePolicy\.requireSignature\[0\]\.namespaceSelector: / },
    );
  });
});

const authWhy = registryMissing() ?? htpasswdMissing();
describe('registries.dockerConfig: the webhook reads a private registry with the credentials of a Docker configuration file', { skip: authWhy && !required ? authWhy : false, timeout: 60_000 }, () => {
  const USER = 'kshield-pull';
  const PASSWORD = 'not-a-real-password-7f3a';
  let registry: Registry;
  let ca: TestCa;
  let server: WebhookServer;
  let port: number;
  const dir = mkdtempSync(path.join(tmpdir(), 'kshield-signature-auth-'));

  before(async () => {
    if (authWhy) assert.fail(`KSHIELD_INTEGRATION=required but ${authWhy}`);
    registry = await startRegistry(undefined, { htpasswd: htpasswdLine(USER, PASSWORD) });
    await pushImage(registry.base, 'acme/private', '1', { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` });
    writeFileSync(path.join(dir, 'release.pub'), makeKey('ecdsa').publicPem);
    // What a kubernetes.io/dockerconfigjson Secret mounts as .dockerconfigjson.
    writeFileSync(path.join(dir, 'dockerconfigjson'), JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } } }));
    ca = makeTestCa();
    const serving = makeServingCert(ca);
    server = new WebhookServer({ cert: serving.certPem, key: serving.keyPem, state: buildState(parseConfig(config(true), path.join(dir, '.kshield.yaml'), rules)), logger: pino({ level: 'silent' }) });
    port = (await server.listen(0, '127.0.0.1')).port;
  });
  after(async () => {
    await server?.close(2000);
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const config = (withDockerConfig: boolean): string =>
    [
      'webhook:',
      '  registries:',
      `    hosts: { "${registry.host}": { insecureHttp: true } }`,
      ...(withDockerConfig ? [`    dockerConfig: ${JSON.stringify(path.join(dir, 'dockerconfigjson'))}`] : []),
      '  imagePolicy:',
      '    requireSignature:',
      `      - images: ["${registry.host}/acme/**"]`,
      '        keys: [release.pub]',
      '',
    ].join('\n');
  const validate = async (): Promise<Obj> => {
    const body = review(pod('web', 'shop', hardenedContainer('app', `${registry.host}/acme/private:1`)));
    return assertReviewShape(await postReview(port, '/validate', body, ca.certPem), body.request.uid);
  };

  test('with the file the image is read and judged (unsigned: no-signature); without it, the registry refuses and so does admission', async () => {
    const judged = await validate();
    assert.equal(judged.allowed, false);
    assert.match(judged.status.message, /: no signature verified \(no-signature\) \[/);
    assert.ok(!judged.status.message.includes(PASSWORD));
    server.setState(buildState(parseConfig(config(false), path.join(dir, '.kshield.yaml'), rules)));
    const unauthorized = await validate();
    assert.equal(unauthorized.allowed, false);
    assert.match(unauthorized.status.message, /could not be verified: .*401.* \(onError: deny\)/);
  });
});

describe("registries.pullSecrets: the webhook reads a private registry with the pod's own imagePullSecrets", { skip: authWhy && !required ? authWhy : false, timeout: 60_000 }, () => {
  const USER = 'kshield-pod-pull';
  const PASSWORD = 'pod-secret-password-91c2';
  let registry: Registry;
  let api: TestApiServer;
  let ca: TestCa;
  let server: WebhookServer;
  let port: number;
  let image: PushedImage;
  const dir = mkdtempSync(path.join(tmpdir(), 'kshield-pull-secrets-'));
  const basic = (): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` });

  before(async () => {
    if (authWhy) assert.fail(`KSHIELD_INTEGRATION=required but ${authWhy}`);
    registry = await startRegistry(undefined, { htpasswd: htpasswdLine(USER, PASSWORD) });
    image = await pushImage(registry.base, 'acme/private', '1', basic());
    const release = makeKey('ecdsa');
    const payload = simpleSigningPayload(`${registry.host}/acme/private`, image.digest);
    await pushCosignArtifact(registry.base, 'acme/private', image, 'sig', [signatureLayer(payload, signBytes(release, payload))], 'cosign-tag', basic());
    writeFileSync(path.join(dir, 'release.pub'), release.publicPem);
    const dockerconfigjson = Buffer.from(JSON.stringify({ auths: { [`http://${registry.host}`]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } } })).toString('base64');
    api = await startTestApiServer({
      objects: [
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'regcred', namespace: 'shop' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': dockerconfigjson } },
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'opaque', namespace: 'shop' }, type: 'Opaque', data: { password: Buffer.from(PASSWORD).toString('base64') } },
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'shop' } },
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder', namespace: 'shop' }, imagePullSecrets: [{ name: 'regcred' }] },
      ],
    });
    const kubeconfig = path.join(dir, 'kubeconfig');
    writeKubeconfig(kubeconfig, api, { admin: api.tokens.admin });
    ca = makeTestCa();
    const serving = makeServingCert(ca);
    const config = [
      'webhook:',
      '  registries:',
      `    hosts: { "${registry.host}": { insecureHttp: true } }`,
      '    pullSecrets: true',
      '  imagePolicy:',
      '    requireSignature:',
      `      - images: ["${registry.host}/acme/**"]`,
      '        keys: [release.pub]',
      '',
    ].join('\n');
    server = new WebhookServer({
      cert: serving.certPem,
      key: serving.keyPem,
      state: buildState(parseConfig(config, path.join(dir, '.kshield.yaml'), rules)),
      logger: pino({ level: 'silent' }),
      pullSecrets: await kubernetesPullSecretReader({ kubeconfig, ttlMs: 0 }),
    });
    port = (await server.listen(0, '127.0.0.1')).port;
  });
  after(async () => {
    await server?.close(2000);
    await registry?.stop();
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const validate = async (spec: Obj, reference = `${registry.host}/acme/private:1`): Promise<Obj> => {
    const object = pod('web', 'shop', hardenedContainer('app', reference));
    Object.assign(object.spec, spec);
    const body = review(object);
    return assertReviewShape(await postReview(port, '/validate', body, ca.certPem), body.request.uid);
  };

  test('without a pull secret the registry refuses (401) and so does admission; naming one, the signed image is verified and admitted', async () => {
    const refused = await validate({ imagePullSecrets: [{ name: 'missing' }, { name: 'opaque' }] });
    assert.ok(api.requests.some((r) => r.startsWith('GET /api/v1/namespaces/shop/secrets/opaque')));
    assert.equal(refused.allowed, false, 'a missing Secret and one of another type leave no credentials; the review goes on and the registry refuses');
    assert.match(refused.status.message, /could not be verified: .*401.* \(onError: deny\)/);
    const admitted = await validate({ imagePullSecrets: [{ name: 'regcred' }] });
    assert.equal(admitted.allowed, true, JSON.stringify(admitted.status));
    assert.ok(api.requests.some((r) => r.startsWith('GET /api/v1/namespaces/shop/secrets/regcred')));
    // A pod that names pull secrets does not get its service account's (the ServiceAccount admission plugin's rule).
    assert.ok(!api.requests.some((r) => r.includes('/serviceaccounts/')));
    // Another pod, by tag, without the secret: its tag cannot be read, so the verdict cached for the digest does not apply.
    const stillRefused = await validate({});
    assert.equal(stillRefused.allowed, false);
    assert.match(stillRefused.status.message, /401/);
    // Naming none, it gets its service account's: "web" does not exist, skipped as the kubelet goes on without it.
    assert.ok(api.requests.some((r) => r.startsWith('GET /api/v1/namespaces/shop/serviceaccounts/web')));
    for (const answer of [refused, admitted, stillRefused]) assert.ok(!JSON.stringify(answer).includes(PASSWORD));
  });

  test("the service account's imagePullSecrets are used too; serviceAccountName unset means \"default\"", async () => {
    const withDefault = await validate({ serviceAccountName: undefined });
    assert.equal(withDefault.allowed, false);
    assert.ok(api.requests.some((r) => r.startsWith('GET /api/v1/namespaces/shop/serviceaccounts/default')));
    const admitted = await validate({ serviceAccountName: 'builder' });
    assert.equal(admitted.allowed, true, JSON.stringify(admitted.status));
    assert.ok(api.requests.some((r) => r.startsWith('GET /api/v1/namespaces/shop/serviceaccounts/builder')));
  });

  test('a pod whose images no signature rule names costs no Secret or ServiceAccount read', async () => {
    const admitted = await validate({ serviceAccountName: 'nobody-reads-me', imagePullSecrets: [{ name: 'unread' }] }, `${registry.host}/other/app:1`);
    assert.equal(admitted.allowed, true, JSON.stringify(admitted.status));
    assert.ok(!api.requests.some((r) => r.includes('nobody-reads-me') || r.includes('/secrets/unread')));
  });

  test('/mutate pins the tag with the pod\'s pull secret, as /validate reads it; without one the registry refuses and the image is left unpinned with a warning', async () => {
    const mutate = async (spec: Obj): Promise<Obj> => {
      const object = pod('web', 'shop', hardenedContainer('app', `${registry.host}/acme/private:1`));
      Object.assign(object.spec, spec);
      const body = review(object);
      return assertReviewShape(await postReview(port, '/mutate', body, ca.certPem), body.request.uid);
    };
    const pinned = await mutate({ imagePullSecrets: [{ name: 'regcred' }] });
    const patch = JSON.parse(Buffer.from(pinned.patch, 'base64').toString()) as Obj[];
    assert.deepEqual(patch.filter((op) => op.path === '/spec/containers/0/image').map((op) => op.value), [`${registry.host}/acme/private:1@${image.digest}`]);
    const unpinned = await mutate({ serviceAccountName: 'nobody' });
    assert.equal(unpinned.allowed, true);
    assert.ok(!(unpinned.patch ? Buffer.from(unpinned.patch, 'base64').toString() : '').includes(image.digest));
    assert.match(unpinned.warnings.join('\n'), /image \S+\/acme\/private:1 was not pinned to a digest: .*401/);
    assert.ok(!JSON.stringify([pinned, unpinned]).includes(PASSWORD));
  });

  test("a pod pinning a digest another pod's credentials verified is admitted on the cached verdict (it is about the digest's signatures; the kubelet still needs a pull secret to pull)", async () => {
    const pinned = await validate({}, `${registry.host}/acme/private@${image.digest}`);
    assert.equal(pinned.allowed, true, JSON.stringify(pinned.status));
  });
});
