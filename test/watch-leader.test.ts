/**
 * The watch's Lease leader election and its Event rate limit, against an in-memory Lease store that
 * answers as the API server does (404 for a missing Lease, 409 for a create that lost or an update
 * carrying a stale resourceVersion) and a clock the test moves. The real control plane runs the
 * same code in watch-integration.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LeaderElector, microTime } from '../src/runtime/watch/leader.js';
import { EventWriter, eventObject } from '../src/runtime/watch/events.js';
import type { ApiClient, ApiResponse } from '../src/runtime/watch/api.js';

type Obj = Record<string, any>;

function leaseStore(): { api: ApiClient; lease: () => Obj | undefined; requests: string[] } {
  let stored: Obj | undefined;
  let rv = 1;
  const requests: string[] = [];
  const api = {
    async request(method: string, p: string, body?: Obj): Promise<ApiResponse> {
      requests.push(`${method} ${p}`);
      if (method === 'GET') return stored ? { status: 200, body: structuredClone(stored) } : { status: 404, body: { kind: 'Status', code: 404 } };
      if (method === 'POST') {
        if (stored) return { status: 409, body: { kind: 'Status', code: 409 } };
        stored = { ...structuredClone(body!), metadata: { ...body!.metadata, resourceVersion: String(++rv) } };
        return { status: 201, body: structuredClone(stored) };
      }
      if (method === 'PUT') {
        if (!stored || body!.metadata.resourceVersion !== stored.metadata.resourceVersion) return { status: 409, body: { kind: 'Status', code: 409 } };
        stored = { ...structuredClone(body!), metadata: { ...body!.metadata, resourceVersion: String(++rv) } };
        return { status: 200, body: structuredClone(stored) };
      }
      return { status: 405, body: undefined };
    },
  } as unknown as ApiClient;
  return { api, lease: () => stored, requests };
}

const options = (identity: string, clock: { now: number }) => ({
  namespace: 'kshield-system',
  name: 'kshield-watch',
  identity,
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
  onChange: () => {},
  now: () => clock.now,
});

test('MicroTime has six fractional digits', () => {
  assert.equal(microTime(Date.UTC(2026, 11, 5, 8, 0, 0, 123)), '2026-12-05T08:00:00.123000Z');
});

test('one candidate takes a free Lease; the other waits out the duration on its own clock, then takes over', async () => {
  const store = leaseStore();
  const clockA = { now: 1_000_000 };
  // B's clock is an hour off: only durations it measures itself count.
  const clockB = { now: 1_000_000 + 3_600_000 };
  const a = new LeaderElector(store.api, options('a', clockA));
  const b = new LeaderElector(store.api, options('b', clockB));
  assert.equal(await a.tryAcquireOrRenew(), true);
  assert.equal(store.lease()!.spec.holderIdentity, 'a');
  assert.equal(store.lease()!.spec.leaseTransitions, 0);
  assert.equal(store.lease()!.spec.leaseDurationSeconds, 15);
  assert.equal(await b.tryAcquireOrRenew(), false, 'b sees a valid holder');
  // a renews: the record changes, b's wait starts again.
  clockA.now += 2_000;
  clockB.now += 10_000;
  assert.equal(await a.tryAcquireOrRenew(), true);
  assert.equal(await b.tryAcquireOrRenew(), false);
  const renewedAt = store.lease()!.spec.renewTime;
  // a dies. b must see the same record for a whole duration before taking it.
  clockB.now += 14_999;
  assert.equal(await b.tryAcquireOrRenew(), false, 'not before the duration is up');
  clockB.now += 2;
  assert.equal(await b.tryAcquireOrRenew(), true, 'taken once the record went unchanged for the duration');
  const spec = store.lease()!.spec;
  assert.equal(spec.holderIdentity, 'b');
  assert.equal(spec.leaseTransitions, 1);
  assert.notEqual(spec.renewTime, renewedAt);
  assert.equal(spec.acquireTime, spec.renewTime);
  // b renewing keeps its acquireTime and the transitions count.
  clockB.now += 2_000;
  assert.equal(await b.tryAcquireOrRenew(), true);
  assert.equal(store.lease()!.spec.acquireTime, spec.acquireTime);
  assert.equal(store.lease()!.spec.leaseTransitions, 1);
});

test('two candidates racing for an expired Lease: the update with the stale resourceVersion loses', async () => {
  const store = leaseStore();
  const clock = { now: 5_000_000 };
  const a = new LeaderElector(store.api, options('a', clock));
  const b = new LeaderElector(store.api, options('b', clock));
  const c = new LeaderElector(store.api, options('c', clock));
  assert.equal(await a.tryAcquireOrRenew(), true);
  assert.equal(await b.tryAcquireOrRenew(), false);
  assert.equal(await c.tryAcquireOrRenew(), false);
  clock.now += 16_000;
  const [rb, rc] = await Promise.all([b.tryAcquireOrRenew(), c.tryAcquireOrRenew()]);
  assert.equal([rb, rc].filter(Boolean).length, 1, 'exactly one wins');
  assert.equal(store.lease()!.spec.holderIdentity, rb ? 'b' : 'c');
  assert.equal(store.lease()!.spec.leaseTransitions, 1);
});

test('a released Lease is taken at the next try, without waiting out the duration', async () => {
  const store = leaseStore();
  const clock = { now: 9_000_000 };
  const a = new LeaderElector(store.api, options('a', clock));
  const b = new LeaderElector(store.api, options('b', clock));
  assert.equal(await a.tryAcquireOrRenew(), true);
  assert.equal(await b.tryAcquireOrRenew(), false);
  await a.release();
  assert.equal(store.lease()!.spec.holderIdentity, '');
  clock.now += 1;
  assert.equal(await b.tryAcquireOrRenew(), true);
  assert.equal(store.lease()!.spec.leaseTransitions, 1);
});

test('the timings must let a leader give up before a standby may take over', () => {
  const store = leaseStore();
  assert.throws(() => new LeaderElector(store.api, { ...options('a', { now: 0 }), renewDeadlineMs: 20_000 }), /renew deadline/);
});

test('Events: a token bucket (burst, then the rate), the oldest waiting dropped past the queue bound', async () => {
  const written: Obj[] = [];
  const api = {
    async request(_m: string, p: string, body: Obj): Promise<ApiResponse> {
      written.push({ path: p, body });
      return { status: 201, body };
    },
  } as unknown as ApiClient;
  const clock = { now: 0 };
  const dropped: string[] = [];
  const writer = new EventWriter(api, { perSecond: 2, burst: 3, maxQueue: 4, component: 'kshield-watch', instance: 'pod-1', onWritten: () => {}, onDropped: (why) => dropped.push(why), now: () => clock.now });
  for (let i = 0; i < 10; i++) writer.enqueue({ object: { apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: `p${i}` }, reason: 'KshieldFindingNew', type: 'Warning', message: `m${i}` });
  await new Promise((r) => setTimeout(r, 20));
  // p0 was being written while p1..p9 queued: past four waiting, the oldest (p1..p5) were dropped;
  // the burst's other two tokens went to p6 and p7.
  assert.deepEqual(written.map((w) => w.body.involvedObject.name), ['p0', 'p6', 'p7'], 'the burst goes at once');
  assert.deepEqual(dropped, ['rate-limit', 'rate-limit', 'rate-limit', 'rate-limit', 'rate-limit']);
  // A second later two more tokens: the rest go out.
  clock.now += 1000;
  await new Promise((r) => setTimeout(r, 700));
  assert.deepEqual(written.map((w) => w.body.involvedObject.name), ['p0', 'p6', 'p7', 'p8', 'p9']);
  writer.close();
  assert.equal(written[0].path, '/api/v1/namespaces/shop/events');
});

test('an Event about a cluster-scoped object goes to "default"; its message is bounded', () => {
  const e = eventObject({ object: { apiVersion: 'v1', kind: 'Namespace', name: 'shop', uid: 'u1' }, reason: 'KshieldFindingNew', type: 'Warning', message: 'x'.repeat(5000) }, 'kshield-watch', 'pod-1', Date.UTC(2026, 0, 1));
  assert.equal((e.metadata as Obj).namespace, 'default');
  assert.match(String((e.metadata as Obj).name), /^shop\.[0-9a-f]{16}$/);
  assert.deepEqual(e.involvedObject, { apiVersion: 'v1', kind: 'Namespace', name: 'shop', uid: 'u1' });
  assert.equal(String(e.message).length, 1000);
  assert.equal(e.firstTimestamp, '2026-01-01T00:00:00Z');
});
