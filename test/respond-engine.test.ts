/**
 * The response engine: chains with conditions, approve (approve, reject, expiry), dry-run, the
 * protected list, dedup, the rate limit, the circuit breaker, notify with retry, audit lines with
 * MITRE, and Events. Pods come from an in-memory store; the real API server is in
 * respond-cluster.test.ts.
 */
import assert from 'node:assert/strict';
import { test, describe } from 'node:test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { falcoDecoder } from '../src/runtime/respond/decoders/index.js';
import { ApprovalError } from '../src/runtime/respond/engine.js';
import { engineFor, falcoShellAlert, recordingAction } from './support/respond.js';

const at = new Date('2026-01-30T12:00:01Z');
const alertFor = (ns = 'shop', pod = 'cart-1', extra = {}) => falcoDecoder.decode(falcoShellAlert(ns, pod, extra), at)[0];

const CHAIN = `
rules:
  - name: shells
    match: { rules: ["Terminal shell in container"] }
    actions:
      - action: label
        with: { labels: { kshield.io/quarantine: "true" } }
      - action: isolate
        when: { priority: critical }
      - action: isolate
        when: { previous: [skipped] }
`;

describe('chains', () => {
  test('steps run in order; a condition not met skips its step; previous: sees the status before it', async () => {
    const calls: any[] = [];
    const { engine, cluster, lines } = engineFor(CHAIN, [recordingAction('label', calls), recordingAction('isolate', calls)]);
    cluster.addPod('shop', 'cart-1');
    const r = await engine.handle(alertFor());
    assert.deepEqual(r.steps.map((s) => [s.outcome.action, s.outcome.status]), [['label', 'done'], ['isolate', 'skipped'], ['isolate', 'done']]);
    assert.match(r.steps[1].outcome.reason, /priority notice is below critical/);
    assert.deepEqual(calls.map((c) => c.pod), ['shop/cart-1', 'shop/cart-1']);
    await engine.flush();
    const audit = lines.filter((l) => l.audit === 'kshield.respond' && l.event === 'action');
    assert.equal(audit.length, 3);
    assert.deepEqual(audit[0].mitre, { techniques: ['T1059'], tactics: ['execution'] }, 'each action line carries the MITRE technique and tactic');
    assert.deepEqual(audit[0].target, { namespace: 'shop', pod: 'cart-1', node: 'node-1' });
    assert.equal(audit[0].alert.rule, 'Terminal shell in container');
    assert.deepEqual(cluster.events.map((e) => e.reason), ['KshieldResponseDone', 'KshieldResponseSkipped', 'KshieldResponseDone']);
    assert.equal(cluster.events[0].podUid, 'uid-cart-1');
  });

  test('a failed step stops the steps after it that give no previous:', async () => {
    const calls: any[] = [];
    const { engine, cluster } = engineFor(CHAIN.replace(/      - action: isolate\n        when: \{ priority: critical \}\n/, ''), [recordingAction('label', calls, { fail: () => true }), recordingAction('isolate', calls)]);
    cluster.addPod('shop', 'cart-1');
    const r = await engine.handle(alertFor());
    assert.deepEqual(r.steps.map((s) => s.outcome.status), ['failed', 'skipped']);
    assert.match(r.steps[0].outcome.reason, /500/);
  });

  test('an alert no rule matches runs nothing; the first matching rule is the only one unless continue: true', async () => {
    const calls: any[] = [];
    const policy = `
rules:
  - name: other
    match: { rules: ["Write below etc"] }
    actions: [{ action: label }]
  - name: first
    match: { tags: ["mitre_*"], priority: notice, namespaces: ["sh*"], fields: { proc.name: "ba*" } }
    continue: true
    actions: [{ action: label }]
  - name: second
    match: { sources: [falco] }
    actions: [{ action: isolate }]
  - name: third
    match: { sources: [falco] }
    actions: [{ action: isolate }]
`;
    const { engine, cluster } = engineFor(policy, [recordingAction('label', calls), recordingAction('isolate', calls)]);
    cluster.addPod('shop', 'cart-1');
    const r = await engine.handle(alertFor());
    assert.deepEqual(r.rules, ['first', 'second']);
    const none = await engine.handle(alertFor('shop', 'cart-1', { rule: 'Something else', tags: [], source: 'k8s_audit', output_fields: {} }));
    assert.deepEqual(none.rules, ['second'], 'only the source criterion holds for an alert without tags or fields');
  });
});

describe('approve', () => {
  const POLICY = `
rules:
  - name: shells
    match: { rules: ["*"] }
    actions:
      - action: label
      - action: approve
        with: { reason: "isolating cuts the shop off" }
      - action: isolate
`;

  test('holds the steps after it until approved; approval runs them and records who approved', async () => {
    const calls: any[] = [];
    const { engine, cluster, lines } = engineFor(POLICY, [recordingAction('label', calls), recordingAction('isolate', calls)]);
    cluster.addPod('shop', 'cart-1');
    const r = await engine.handle(alertFor());
    assert.deepEqual(r.steps.map((s) => s.outcome.status), ['done', 'held']);
    const id = r.steps[1].approval!;
    assert.match(id, /^[0-9a-f]{16}$/);
    assert.deepEqual(engine.pending().map((p) => [p.id, p.held, p.reason]), [[id, ['isolate'], 'isolating cuts the shop off']]);
    assert.equal(calls.length, 1, 'isolate has not run');
    const approved = await engine.approve(id, 'alice (bearer token)');
    assert.deepEqual(approved.steps.map((s) => [s.outcome.action, s.outcome.status]), [['approve', 'done'], ['isolate', 'done']]);
    assert.match(approved.steps[0].outcome.reason, /approved by alice/);
    assert.equal(calls.length, 2);
    assert.equal(engine.pending().length, 0);
    await assert.rejects(engine.approve(id, 'bob'), (err: unknown) => err instanceof ApprovalError && err.status === 404);
    assert.ok(lines.some((l) => l.action === 'approve' && l.status === 'done' && l.approval === id));
  });

  test('reject drops the held steps; expiry does too, recorded as a refusal', async () => {
    const calls: any[] = [];
    const { engine, cluster, lines } = engineFor(POLICY.replace('reason: "isolating cuts the shop off"', 'timeout: 100ms'), [recordingAction('label', calls), recordingAction('isolate', calls)]);
    cluster.addPod('shop', 'cart-1');
    cluster.addPod('shop', 'cart-2');
    const first = await engine.handle(alertFor());
    const rejected = engine.reject(first.steps[1].approval!, 'bob');
    assert.equal(rejected.steps[0].refusal, 'approval-rejected');
    await engine.handle(alertFor('shop', 'cart-2'));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(engine.pending().length, 0);
    assert.ok(lines.some((l) => l.refusal === 'approval-expired' && l.target?.pod === 'cart-2'));
    assert.deepEqual(calls.map((c) => c.pod), ['shop/cart-1', 'shop/cart-2'], 'only the two labels ran');
    assert.equal(engine.metrics.refusals.get({ reason: 'approval-expired' }), 1);
    await engine.flush();
    assert.deepEqual(cluster.events.filter((e) => e.action === 'approve' && e.reason === 'KshieldResponseRefused').map((e) => e.pod), ['cart-1', 'cart-2'], 'the rejection and the expiry are Events on their pods');
  });
});

describe('safety', () => {
  const ONE = `
settings:
  protect: { namespaces: ["payments-*"], podLabels: { kshield.io/protected: "true", tier: critical } }
  dedupWindow: 10m
rules:
  - name: all
    match: { rules: ["*"] }
    actions:
      - action: isolate
`;

  test('--dry-run: the action is asked for a dry run; the outcome and Event say so', async () => {
    const calls: any[] = [];
    const { engine, cluster, lines } = engineFor(ONE, [recordingAction('isolate', calls)], { dryRun: true });
    cluster.addPod('shop', 'cart-1');
    const r = await engine.handle(alertFor());
    assert.equal(r.steps[0].outcome.status, 'dry-run');
    assert.deepEqual(calls.map((c) => c.dryRun), [true]);
    await engine.flush();
    assert.equal(cluster.events[0].reason, 'KshieldResponseDryRun');
    assert.equal(lines.find((l) => l.action === 'isolate')?.dryRun, true);
  });

  test('the protected list: kube-system, our own namespace, configured globs and labels are never acted on', async () => {
    const calls: any[] = [];
    const { engine, cluster, lines } = engineFor(ONE, [recordingAction('isolate', calls)], { ownNamespace: 'kshield-system' });
    cluster.addPod('kube-system', 'coredns-1');
    cluster.addPod('kshield-system', 'respond-1');
    cluster.addPod('payments-eu', 'api-1');
    cluster.addPod('shop', 'db-0', { 'kshield.io/protected': 'true' });
    cluster.addPod('shop', 'gw-0', { tier: 'critical' });
    const refusals = [];
    for (const [ns, pod] of [['kube-system', 'coredns-1'], ['kshield-system', 'respond-1'], ['payments-eu', 'api-1'], ['shop', 'db-0'], ['shop', 'gw-0']]) {
      refusals.push((await engine.handle(alertFor(ns, pod))).steps[0].refusal);
    }
    assert.deepEqual(refusals, ['protected-namespace', 'protected-namespace', 'protected-namespace', 'protected-pod', 'protected-pod']);
    assert.equal(calls.length, 0);
    await engine.flush();
    assert.equal(lines.filter((l) => l.event === 'refusal').length, 5, 'every refusal is an audit line');
    assert.ok(cluster.events.every((e) => e.reason === 'KshieldResponseRefused' && e.type === 'Warning'));
    assert.equal(engine.metrics.refusals.get({ reason: 'protected-namespace' }), 3);
  });

  test('an alert without a pod, or naming a pod that does not exist, acts on nothing', async () => {
    const calls: any[] = [];
    const { engine } = engineFor(ONE, [recordingAction('isolate', calls)]);
    assert.equal((await engine.handle(alertFor('shop', 'gone-1'))).steps[0].refusal, 'pod-not-found');
    assert.equal((await engine.handle(alertFor('shop', 'x', { output_fields: {} }))).steps[0].refusal, 'no-target');
    assert.equal(calls.length, 0);
  });

  test('dedup: one action per pod per window; another pod, or the window passed, acts again', async () => {
    const calls: any[] = [];
    let now = Date.parse('2026-01-30T12:00:00Z');
    const { engine, cluster } = engineFor(ONE, [recordingAction('isolate', calls)], { now: () => new Date(now) });
    cluster.addPod('shop', 'cart-1');
    cluster.addPod('shop', 'cart-2');
    assert.equal((await engine.handle(alertFor())).steps[0].outcome.status, 'done');
    assert.equal((await engine.handle(alertFor())).steps[0].refusal, 'dedup');
    assert.equal((await engine.handle(alertFor('shop', 'cart-2'))).steps[0].outcome.status, 'done');
    now += 10 * 60_000;
    assert.equal((await engine.handle(alertFor())).steps[0].outcome.status, 'done');
    assert.equal(calls.length, 3);
  });

  test('dedup holds for alerts that arrive together: the action runs once while the first is still running', async () => {
    const calls: any[] = [];
    const slow = recordingAction('isolate', calls);
    const run = slow.run;
    slow.run = async (p, ctx) => {
      await new Promise((r) => setTimeout(r, 50));
      return run(p, ctx);
    };
    const { engine, cluster } = engineFor(ONE, [slow]);
    cluster.addPod('shop', 'cart-1');
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => engine.handle(alertFor())));
    assert.deepEqual(results.map((r) => r.steps[0].refusal ?? r.steps[0].outcome.status).sort(), ['dedup', 'dedup', 'dedup', 'dedup', 'done']);
    assert.equal(calls.length, 1);
  });

  test('a failed action does not count for dedup: the next alert tries again', async () => {
    const calls: any[] = [];
    let fail = true;
    const { engine, cluster } = engineFor(ONE, [recordingAction('isolate', calls, { fail: () => fail })]);
    cluster.addPod('shop', 'cart-1');
    assert.equal((await engine.handle(alertFor())).steps[0].outcome.status, 'failed');
    fail = false;
    assert.equal((await engine.handle(alertFor())).steps[0].outcome.status, 'done');
  });

  test('rate limit: a global token bucket over all pods', async () => {
    const calls: any[] = [];
    let now = Date.parse('2026-01-30T12:00:00Z');
    const { engine, cluster } = engineFor(ONE.replace('dedupWindow: 10m', 'dedupWindow: 10m\n  rateLimit: { actions: 3, per: 1m }'), [recordingAction('isolate', calls)], { now: () => new Date(now) });
    for (let i = 0; i < 5; i++) cluster.addPod('shop', `p-${i}`);
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await engine.handle(alertFor('shop', `p-${i}`))).steps[0].refusal ?? 'ran');
    assert.deepEqual(statuses, ['ran', 'ran', 'ran', 'rate-limit', 'rate-limit']);
    now += 20_000; // a third of the period: one token back
    assert.equal((await engine.handle(alertFor('shop', 'p-3'))).steps[0].outcome.status, 'done');
    assert.equal((await engine.handle(alertFor('shop', 'p-4'))).steps[0].refusal, 'rate-limit');
  });

  test('circuit breaker: opens after N failures in a row, one trial after the cool-down, closes on success', async () => {
    const calls: any[] = [];
    let failing = true;
    let now = Date.parse('2026-01-30T12:00:00Z');
    const { engine, cluster, lines } = engineFor(ONE.replace('dedupWindow: 10m', 'dedupWindow: 10m\n  breaker: { failures: 2, cooldown: 30s }'), [recordingAction('isolate', calls, { fail: () => failing })], { now: () => new Date(now) });
    for (let i = 0; i < 6; i++) cluster.addPod('shop', `p-${i}`);
    const status = async (i: number) => {
      const s = (await engine.handle(alertFor('shop', `p-${i}`))).steps[0];
      return s.refusal ?? s.outcome.status;
    };
    assert.deepEqual([await status(0), await status(1), await status(2)], ['failed', 'failed', 'breaker-open']);
    assert.equal(engine.breakerState, 'open');
    assert.match(engine.metrics.render(), /kshield_respond_breaker_state 1/);
    now += 30_000;
    assert.equal(await status(3), 'failed', 'the half-open trial runs and fails');
    assert.equal(await status(4), 'breaker-open', 'open again');
    now += 30_000;
    failing = false;
    assert.equal(await status(4), 'done');
    assert.equal(engine.breakerState, 'closed');
    assert.equal(await status(5), 'done');
    assert.ok(lines.some((l) => l.event === 'breaker' && l.state === 'open'));
  });
});

describe('notify', () => {
  test('POSTs a Slack-compatible {text}, retrying a 503; the audit line names the host, never the URL path', async () => {
    const bodies: any[] = [];
    let answers = [503, 200];
    const server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        bodies.push({ path: req.url, type: req.headers['content-type'], body: JSON.parse(text) });
        res.writeHead(answers.shift() ?? 200).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const calls: any[] = [];
      const { engine, cluster, lines } = engineFor(
        `
rules:
  - name: all
    match: { rules: ["*"] }
    actions:
      - action: label
      - action: notify
        with: { url: "http://127.0.0.1:${port}/services/T000/B000/secretpart", retries: 2 }
`,
        [recordingAction('label', calls)],
      );
      cluster.addPod('shop', 'cart-1');
      const r = await engine.handle(alertFor());
      assert.equal(r.steps[1].outcome.status, 'done');
      assert.match(r.steps[1].outcome.reason, /attempt 2/);
      assert.equal(bodies.length, 2);
      assert.deepEqual(Object.keys(bodies[1].body), ['text']);
      assert.match(bodies[1].body.text, /notice alert "Terminal shell in container" on shop\/cart-1 \(falco\).*Steps: label done\. MITRE: T1059, execution\./);
      assert.doesNotMatch(JSON.stringify(lines), /secretpart/);
      answers = [404];
      cluster.addPod('shop', 'cart-2');
      const failed = await engine.handle(alertFor('shop', 'cart-2'));
      assert.equal(failed.steps.at(-1)?.outcome.status, 'failed', 'a 404 is not retried');
      assert.equal(bodies.length, 3);
    } finally {
      server.close();
    }
  });
});
