/**
 * Alerts linked to posture in `kshield respond`: the posture cache's memory and first sync over a
 * generated cluster (test/support/cluster-generator.ts, served by the in-repo test API server over
 * HTTPS on 127.0.0.1), and the time to work out one alert's posture, cold (the first alert after
 * a change in the cluster) and again for the same pod with nothing changed (remembered).
 *
 *   node --expose-gc dist/bench/respond-posture.bench.js   (BENCH_POSTURE_OBJECTS, default 20,000)
 *
 * The heap figure is the V8 heap after full collections, less what it held before the cache
 * listed (the API server's own copy of the objects is in both). A benchmark reports: it exits 0.
 */
import { pino } from 'pino';
import { envInt, fmt, scratchFile, cleanScratch } from './measure.js';
import { generateCluster } from '../test/support/cluster-generator.js';
import { startTestApiServer, writeKubeconfig } from '../test/support/k8s-api-server.js';
import { loadKubeClient } from '../src/sources/kube-client.js';
import { ApiClient } from '../src/runtime/watch/api.js';
import { LiveObjects } from '../src/runtime/respond/live-objects.js';
import { LivePosture } from '../src/runtime/respond/alert-posture.js';

const OBJECTS = envInt('BENCH_POSTURE_OBJECTS', 20_000);
const NAMESPACES = Math.max(1, Math.round(OBJECTS / 200));
const ALERTS = envInt('BENCH_POSTURE_ALERTS', 20);
const MiB = 1024 * 1024;
const log = (line: string): void => void process.stdout.write(line + '\n');

function heap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) gc?.();
  return process.memoryUsage().heapUsed;
}

const objects = generateCluster({ total: OBJECTS, namespaces: NAMESPACES });
const api = await startTestApiServer({ objects, adoptObjects: true, gitVersion: 'v1.29.2' });
const kubeconfig = scratchFile('posture-kubeconfig');
writeKubeconfig(kubeconfig, api, { admin: api.tokens.admin });
const { kc } = await loadKubeClient({ kubeconfig });
if (!(globalThis as { gc?: unknown }).gc) log('  (run with --expose-gc for the heap figure)');
const before = heap();
const live = new LiveObjects({ api: new ApiClient(kc, 60_000), log: pino({ level: 'silent' }) });
const started = performance.now();
await live.start();
await live.waitForSync(600_000);
const syncMs = performance.now() - started;
const held = heap() - before;
log(`respond posture cache: ${fmt(OBJECTS)} objects generated in ${fmt(NAMESPACES)} namespaces`);
log(`  kept              ${fmt(live.store.size)} objects (Secrets: token Secrets' metadata only; ConfigMaps not kept)`);
log(`  first sync        ${fmt(Math.round(syncMs))} ms`);
log(`  heap held         ${(held / MiB).toFixed(1)} MiB (${fmt(Math.round(held / Math.max(1, live.store.size)))} bytes per kept object)`);

const pods = objects.filter((o) => o.kind === 'Pod').map((o) => ({ namespace: o.metadata.namespace as string, name: o.metadata.name as string }));
const posture = new LivePosture({ objects: live });
const cold: number[] = [];
const warm: number[] = [];
for (let i = 0; i < ALERTS && pods.length > 0; i++) {
  const pod = pods[Math.floor((i * pods.length) / ALERTS)];
  // A change in the cluster between alerts: nothing remembered, every part worked out again.
  live.generation++;
  let t = performance.now();
  const p = posture.forPod(pod.namespace, pod.name);
  cold.push(performance.now() - t);
  if (p.status !== 'linked') log(`  ${pod.namespace}/${pod.name}: ${p.status}`);
  t = performance.now();
  posture.forPod(pod.namespace, pod.name);
  warm.push(performance.now() - t);
}
const pct = (xs: number[], q: number): string => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))].toFixed(1) : '-');
log(`  posture per alert ${ALERTS} pods: p50 ${pct(cold, 0.5)} ms, max ${pct(cold, 1)} ms after a change; remembered (no change) p50 ${pct(warm, 0.5)} ms`);
await live.stop();
await api.close();
cleanScratch();
