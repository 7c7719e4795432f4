/** The webhook's signature verdict cache: TTLs by outcome on an injected clock, LRU bound, single flight. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VerificationCache } from '../src/admission/signature-cache.js';

type Verdict = { ok: boolean; n: number };

function cacheWith(options: { maxEntries?: number; successTtlMs?: number; failureTtlMs?: number }, clock: { now: number }) {
  let computed = 0;
  const cache = new VerificationCache<Verdict>({ maxEntries: options.maxEntries ?? 10, successTtlMs: options.successTtlMs ?? 600_000, failureTtlMs: options.failureTtlMs ?? 30_000, now: () => clock.now }, (v) => v.ok);
  const compute = (ok: boolean) => async (): Promise<Verdict> => ({ ok, n: ++computed });
  return { cache, compute, computed: () => computed };
}

test('a failure is kept for the failure TTL, a success for the (longer) success TTL', async () => {
  const clock = { now: 1_000_000 };
  const { cache, compute, computed } = cacheWith({}, clock);
  assert.equal((await cache.get('bad', compute(false))).outcome, 'miss');
  assert.equal((await cache.get('good', compute(true))).outcome, 'miss');
  clock.now += 29_999;
  assert.equal((await cache.get('bad', compute(false))).outcome, 'hit');
  clock.now += 1;
  const again = await cache.get('bad', compute(false));
  assert.equal(again.outcome, 'miss', 'the failure expired after 30 s');
  assert.equal((await cache.get('good', compute(true))).outcome, 'hit', 'the success did not');
  clock.now += 600_000;
  assert.equal((await cache.get('good', compute(true))).outcome, 'miss');
  assert.equal(computed(), 4);
});

test('bounded: past maxEntries the least recently used entry is evicted', async () => {
  const clock = { now: 0 };
  const { cache, compute } = cacheWith({ maxEntries: 3 }, clock);
  for (const key of ['a', 'b', 'c']) await cache.get(key, compute(true));
  assert.equal((await cache.get('a', compute(true))).outcome, 'hit'); // a is now the most recently used
  await cache.get('d', compute(true)); // evicts b, the least recently used
  assert.equal(cache.size, 3);
  assert.equal((await cache.get('a', compute(true))).outcome, 'hit');
  assert.equal((await cache.get('c', compute(true))).outcome, 'hit');
  assert.equal((await cache.get('d', compute(true))).outcome, 'hit');
  assert.equal((await cache.get('b', compute(true))).outcome, 'miss');
  assert.equal(cache.size, 3);
});

test('single flight: concurrent callers of one key share one computation, and its failure', async () => {
  const clock = { now: 0 };
  const { cache } = cacheWith({}, clock);
  let runs = 0;
  let release!: (v: Verdict) => void;
  const slow = (): Promise<Verdict> => {
    runs++;
    return new Promise((resolve) => (release = resolve));
  };
  const waiting = Array.from({ length: 50 }, () => cache.get('img', slow));
  release({ ok: true, n: 1 });
  const results = await Promise.all(waiting);
  assert.equal(runs, 1);
  assert.deepEqual(
    results.map((r) => r.outcome).sort(),
    ['miss', ...Array(49).fill('join')].sort(),
  );
  // A computation that throws is shared too, and not cached: the next caller computes again.
  let throwing = 0;
  const boom = async (): Promise<Verdict> => {
    throwing++;
    throw new Error('registry down');
  };
  const failed = await Promise.allSettled([cache.get('x', boom), cache.get('x', boom)]);
  assert.deepEqual(failed.map((f) => f.status), ['rejected', 'rejected']);
  assert.equal(throwing, 1);
  await assert.rejects(cache.get('x', boom));
  assert.equal(throwing, 2);
});

test('a TTL of 0 caches nothing', async () => {
  const clock = { now: 0 };
  const { cache, compute } = cacheWith({ failureTtlMs: 0 }, clock);
  await cache.get('bad', compute(false));
  assert.equal((await cache.get('bad', compute(false))).outcome, 'miss');
  assert.equal(cache.size, 0);
});

test('at most maxConcurrent verifications run at once; the others wait their turn, in order, and all finish', async () => {
  const cache = new VerificationCache<Verdict>({ maxEntries: 10, successTtlMs: 600_000, failureTtlMs: 30_000, maxConcurrent: 2 }, (v) => v.ok);
  let running = 0;
  let most = 0;
  const started: string[] = [];
  const releases: (() => void)[] = [];
  const compute = (key: string) => async (): Promise<Verdict> => {
    started.push(key);
    running++;
    most = Math.max(most, running);
    await new Promise<void>((resolve) => releases.push(resolve));
    running--;
    return { ok: true, n: started.length };
  };
  const results = ['a', 'b', 'c', 'd', 'e'].map((key) => cache.get(key, compute(key)));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(started, ['a', 'b']);
  assert.deepEqual(cache.load, { running: 2, waiting: 3 });
  // Each finishing verification hands its turn to the next waiting one.
  while (started.length < 5 || releases.length > 0) {
    releases.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.deepEqual((await Promise.all(results)).map((r) => r.outcome), ['miss', 'miss', 'miss', 'miss', 'miss']);
  assert.deepEqual(started, ['a', 'b', 'c', 'd', 'e']);
  assert.equal(most, 2);
  assert.deepEqual(cache.load, { running: 0, waiting: 0 });
});
