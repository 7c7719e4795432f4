/**
 * The process `npm run bench:watch` measures (see watch.bench.ts): lists a cluster and holds it,
 * either as `kshield watch` does (`watch`: the Watcher, synced) or as raw objects in a plain Map
 * (`baseline`: the same pages, nothing dropped), then reports its memory after a full collection.
 * In `watch` mode it then times incremental evaluation: Deployments changed one at a time.
 *
 *   node --expose-gc dist/bench/watch-child.js watch|baseline KUBECONFIG RESULT.json
 */
import { writeFileSync } from 'node:fs';
import pino from 'pino';
import { loadKubeClient } from '../src/sources/kube-client.js';
import { ApiClient } from '../src/runtime/watch/api.js';
import { Watcher } from '../src/runtime/watch/watcher.js';
import { CLUSTER_KINDS, discover } from '../src/sources/cluster.js';
import type { JsonObject } from '../src/core/types.js';

const [mode, kubeconfig, resultFile] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const settle = (): NodeJS.MemoryUsage => {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage();
};
const { kc } = await loadKubeClient({ kubeconfig });
const start = settle();
const result: Record<string, unknown> = { mode, startRss: start.rss, startHeap: start.heapUsed };

if (mode === 'baseline') {
  const api = new ApiClient(kc, 60_000);
  const kinds = (await discover(api.asConnection(), CLUSTER_KINDS)).filter((k) => !k.unavailable);
  const held = new Map<string, JsonObject>();
  const started = Date.now();
  for (const k of kinds) {
    const collection = `${k.group === '' ? '/api' : '/apis'}/${k.apiVersion}/${k.resource}`;
    let token: string | undefined;
    do {
      const { body } = await api.request('GET', `${collection}?limit=500${token ? `&continue=${encodeURIComponent(token)}` : ''}`);
      for (const item of (body?.items as JsonObject[]) ?? []) {
        const meta = item.metadata as JsonObject;
        held.set(`${k.group}/${k.kind}/${String(meta.namespace ?? '')}/${String(meta.name)}`, item);
      }
      const next = (body?.metadata as JsonObject | undefined)?.continue;
      token = typeof next === 'string' && next !== '' ? next : undefined;
    } while (token);
  }
  result.syncMs = Date.now() - started;
  const m = settle();
  Object.assign(result, { objects: held.size, rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers });
  api.close();
} else {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void (lines.length < 10_000 && lines.push(JSON.parse(line))) });
  const watcher = new Watcher({ api: new ApiClient(kc, 60_000), log, scan: {}, resyncMs: 0, batchMs: 50, events: { enabled: false, perSecond: 1, burst: 1 } });
  const started = Date.now();
  await watcher.start();
  if (!(await watcher.waitForSync(900_000))) throw new Error('not synced');
  result.syncMs = Date.now() - started;
  result.peakRssAtSync = process.resourceUsage().maxRSS * 1024;
  const synced = lines.find((l) => l.msg === 'watch synced')!;
  result.openFindings = synced.openFindings;
  result.fullPassMs = synced.ms;
  const m = settle();
  Object.assign(result, { objects: watcher.store.size, rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers });

  // Incremental evaluation: one Deployment changed at a time (a label, so every rule runs and the
  // cross-object rules judge its namespace again), judged at once.
  const deployments = [...watcher.store.values()].filter((s) => s.resource.kind === 'Deployment').slice(0, Number(process.env.BENCH_WATCH_CHANGES ?? 50));
  const times: number[] = [];
  let rv = 10_000_000;
  for (const d of deployments) {
    const object = structuredClone(d.resource.object) as JsonObject;
    const meta = object.metadata as JsonObject;
    meta.resourceVersion = String(++rv);
    meta.labels = { ...(meta.labels as JsonObject), 'bench.kshield.io/touched': 'yes' };
    const t0 = process.hrtime.bigint();
    watcher.receive('MODIFIED', object);
    await watcher.flush();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
  result.changes = times.length;
  result.changeP50Ms = pct(times, 0.5);
  result.changeP99Ms = pct(times, 0.99);
  // The common churn: a controller updating an object's status (here the same Deployments').
  const statusTimes: number[] = [];
  for (const d of deployments) {
    const object = structuredClone(watcher.store.get(d.key)!.resource.object) as JsonObject;
    (object.metadata as JsonObject).resourceVersion = String(++rv);
    object.status = { ...(object.status as JsonObject), observedGeneration: 4 };
    const t0 = process.hrtime.bigint();
    watcher.receive('MODIFIED', object);
    await watcher.flush();
    statusTimes.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  result.statusP50Ms = pct(statusTimes, 0.5);
  result.statusP99Ms = pct(statusTimes, 0.99);
  await watcher.stop();
}
writeFileSync(resultFile, JSON.stringify(result));
process.exit(0);
