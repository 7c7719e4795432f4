/**
 * The webhook's image policy end to end over HTTPS, with a real OCI registry (Debian's
 * docker-registry on 127.0.0.1): registries outside `allowedRegistries` and tag-only references
 * are refused by /validate with the scan rules' messages, and /mutate pins an allowed tag to the
 * digest the registry serves, after which the same object is admitted. Images from registries
 * the policy does not allow are never looked up.
 *
 * Without docker-registry the suite is skipped with a loud message, unless
 * KSHIELD_INTEGRATION=required (CI), where it fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fastJsonPatch from 'fast-json-patch';
import { pino } from 'pino';
import { parseConfig } from '../src/config/config-file.js';
import { rules } from '../src/rules/index.js';
import { buildState, WebhookServer } from '../src/admission/server.js';
import { makeServingCert, makeTestCa, type ServingCert, type TestCa } from './support/tls.js';
import { assertReviewShape, hardenedContainer, pod, postReview, review } from './support/admission.js';
import { pushImage, registryMissing, startRegistry, type PushedImage, type Registry } from './support/docker-registry.js';

type Obj = Record<string, any>;

const required = process.env.KSHIELD_INTEGRATION === 'required';
const why = registryMissing();
if (why && !required) {
  process.stderr.write(
    `\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n` +
      `!! SKIPPING the webhook image-policy tests: ${why}.\n` +
      `!! Set KSHIELD_INTEGRATION=required to make this a failure.\n` +
      `!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n`,
  );
}

describe('webhook image policy over HTTPS with a real registry', { skip: why && !required ? why : false, timeout: 120_000 }, () => {
  let registry: Registry;
  let pushed: PushedImage;
  let ca: TestCa;
  let serving: ServingCert;
  let server: WebhookServer;
  let port: number;
  const logs: Obj[] = [];

  before(async () => {
    if (why) assert.fail(`KSHIELD_INTEGRATION=required but ${why}`);
    registry = await startRegistry();
    pushed = await pushImage(registry.base, 'acme/web', '1.4.2');
    ca = makeTestCa();
    serving = makeServingCert(ca);
    const config = [
      'enable: [image-not-pinned-by-digest]',
      'allowedRegistries:',
      `  - "${registry.host}/acme/**"`,
      'webhook:',
      '  actions:',
      '    rules:',
      '      image-registry-not-allowed: enforce',
      '      image-not-pinned-by-digest: enforce',
      '  mutate:',
      '    pinImageDigests: true',
      '  registries:',
      '    hosts:',
      `      "${registry.host}": { insecureHttp: true }`,
      '',
    ].join('\n');
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    server = new WebhookServer({ cert: serving.certPem, key: serving.keyPem, state: buildState(parseConfig(config, '.kshield.yaml', rules)), logger });
    port = (await server.listen(0, '127.0.0.1')).port;
  });

  after(async () => {
    await server?.close(2000);
    await registry?.stop();
  });

  const podWith = (image: string): Obj => pod('web', 'shop', hardenedContainer('app', image));
  const send = async (path: '/validate' | '/mutate', object: Obj): Promise<Obj> => {
    const body = review(object);
    return assertReviewShape(await postReview(port, path, body, ca.certPem), body.request.uid);
  };

  test('/validate refuses an image from a registry outside the allow-list, naming the registry', async () => {
    const response = await send('/validate', podWith('docker.io/library/nginx:1.27.3@sha256:' + 'a'.repeat(64)));
    assert.equal(response.allowed, false);
    assert.match(response.status.message, /\[image-registry-not-allowed\] spec\.containers\[0\]\.image: .*registry docker\.io, which is not in the allowed registries/);
  });

  test('/validate refuses a tag-only reference from an allowed registry; /mutate pins it to the digest the registry serves, and the pinned Pod is admitted', async () => {
    const image = `${registry.host}/acme/web:1.4.2`;
    const refused = await send('/validate', podWith(image));
    assert.equal(refused.allowed, false);
    assert.match(refused.status.message, /\[image-not-pinned-by-digest\] spec\.containers\[0\]\.image: /);

    const mutated = await send('/mutate', podWith(image));
    assert.equal(mutated.patchType, 'JSONPatch');
    const patch = JSON.parse(Buffer.from(mutated.patch, 'base64').toString('utf8'));
    const pinned = fastJsonPatch.applyPatch(podWith(image), patch, true, false).newDocument as Obj;
    assert.equal(pinned.spec.containers[0].image, `${image}@${pushed.digest}`);

    const admitted = await send('/validate', pinned);
    assert.equal(admitted.allowed, true, admitted.status?.message);
  });

  test('/mutate does not contact registries the policy does not allow, and a missing tag is a warning, not a pin', async () => {
    const foreign = await send('/mutate', podWith('docker.io/library/nginx:1.27.3'));
    const foreignOps = foreign.patch ? JSON.parse(Buffer.from(foreign.patch, 'base64').toString('utf8')) : [];
    assert.deepEqual(foreignOps.filter((op: Obj) => op.path.endsWith('/image')), []);
    // had it been looked up, the lookup (no network here) would have failed with a warning naming it
    assert.deepEqual((foreign.warnings ?? []).filter((w: string) => /nginx/.test(w)), []);

    const missing = await send('/mutate', podWith(`${registry.host}/acme/web:9.9.9`));
    const missingOps = missing.patch ? JSON.parse(Buffer.from(missing.patch, 'base64').toString('utf8')) : [];
    assert.deepEqual(missingOps.filter((op: Obj) => op.path.endsWith('/image')), []);
    assert.equal(missing.allowed, true);
    assert.ok((missing.warnings ?? []).some((w: string) => /9\.9\.9/.test(w)), JSON.stringify(missing.warnings));
  });
});
