/**
 * The deck `npm run bench:webhook` sends (bench/webhook-reviews.ts) must get the answers it was
 * built for from the webhook as deployed, or the benchmark measures something else (and stops with
 * an error before measuring). Checked here over HTTPS, so a rule change that turns the "warned"
 * Deployment into a denied one fails in CI instead of in the next benchmark run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { parseConfig } from '../src/config/config-file.js';
import { rules } from '../src/rules/index.js';
import { buildState, WebhookServer } from '../src/admission/server.js';
import { defaultWebhookConfig } from '../src/admission/install.js';
import { answerOf, benchReviews, matches } from '../bench/webhook-reviews.js';
import { makeServingCert, makeTestCa, type ServingCert, type TestCa } from './support/tls.js';
import { request } from './support/admission.js';

type Obj = Record<string, any>;

const OWN_NAMESPACE = 'kshield-system';

describe('bench:webhook deck', () => {
  let ca: TestCa;
  let serving: ServingCert;
  let server: WebhookServer;
  let port: number;
  const logs: Obj[] = [];

  before(async () => {
    ca = makeTestCa();
    serving = makeServingCert(ca);
    const config = parseConfig(defaultWebhookConfig({ namespace: OWN_NAMESPACE, exemptNamespaces: [] }), 'kshield.yaml', rules);
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    server = new WebhookServer({ cert: serving.certPem, key: serving.keyPem, state: buildState(config), logger, ownNamespace: OWN_NAMESPACE });
    port = (await server.listen(0, '127.0.0.1')).port;
  });
  after(() => server.close(2000));

  test('covers what it claims: both endpoints, CREATE and UPDATE with oldObject, every kind of answer', () => {
    const deck = benchReviews();
    const parsed = deck.map((r) => ({ ...r, review: JSON.parse(r.body) as Obj }));
    for (const endpoint of ['/validate', '/mutate']) assert.ok(deck.some((r) => r.endpoint === endpoint), endpoint);
    for (const expect of ['allowed', 'warned', 'denied']) assert.ok(deck.some((r) => r.endpoint === '/validate' && r.expect === expect), `a /validate review ${expect}`);
    for (const expect of ['patched', 'unchanged']) assert.ok(deck.some((r) => r.endpoint === '/mutate' && r.expect === expect), `a /mutate review ${expect}`);
    for (const kind of ['Pod', 'Deployment']) {
      assert.ok(parsed.some((r) => r.review.request.kind.kind === kind && r.review.request.operation === 'CREATE'), `${kind} CREATE`);
      assert.ok(parsed.some((r) => r.review.request.kind.kind === kind && r.review.request.operation === 'UPDATE' && r.review.request.oldObject), `${kind} UPDATE with oldObject`);
    }
    // The API server sends no Pod UPDATE to the mutating webhook kshield installs.
    assert.ok(!parsed.some((r) => r.endpoint === '/mutate' && r.review.request.kind.kind === 'Pod' && r.review.request.operation === 'UPDATE'));
    assert.equal(new Set(deck.map((r) => r.uid)).size, deck.length, 'uids are unique within the deck');
  });

  test('every review gets the answer the deck expects, with its uid', async () => {
    for (const r of benchReviews()) {
      const reply = await request(port, r.endpoint, r.body, { ca: ca.certPem });
      assert.equal(reply.status, 200, `${r.endpoint} ${r.name}: ${reply.text}`);
      const response = reply.json.response;
      assert.equal(response.uid, r.uid);
      const got = answerOf(response);
      assert.ok(matches(r.expect, got), `${r.endpoint} ${r.name}: expected ${r.expect}, got ${got}${response.status ? `: ${response.status.message}` : ''}`);
      if (r.expect === 'denied') assert.match(response.status.message, /\[privileged-container\]/, r.name);
    }
  });

  test('one log line per review, as the benchmark counts them', async () => {
    const deck = benchReviews();
    const reviewLines = (): Obj[] => logs.filter((l) => l.msg === 'admission decision' || l.msg === 'admission mutation');
    // the server writes a review's line once the answer is out: give the last one a moment
    for (let waited = 0; reviewLines().length < deck.length && waited < 2000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    const lines = reviewLines();
    assert.equal(lines.length, deck.length);
    assert.deepEqual(new Set(lines.map((l) => l.uid)), new Set(deck.map((r) => r.uid)));
  });
});
