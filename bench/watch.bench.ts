/**
 * `npm run bench:watch`: the memory of `kshield watch` holding a 100,000-object cluster, against a
 * baseline that holds the same objects raw.
 *
 * The cluster is generated (seeded, in memory; test/support/cluster-generator.ts, as for
 * bench:cluster) and served by the in-repo test API server over HTTPS on 127.0.0.1, in this
 * process. Two child processes run bench/watch-child.js, the same script, one mode each:
 *
 * - `baseline`: the same paged lists, every object kept as parsed, in a plain Map;
 * - `watch`: the Watcher (runtime/watch/) listed, judged and synced, with the watch's store (no
 *   managedFields, no ConfigMap/Secret values, each object held as the Resource the engine judges)
 *   and every object's open findings.
 *
 * Each reports its RSS and V8 heap after three full collections (--expose-gc), less what it held
 * before listing; the wrapper adds its peak RSS. The watch child then times BENCH_WATCH_CHANGES (50) changes, each one
 * Deployment's labels changed and judged at once (single-object rules, and the cross-object rules
 * over its namespace), then as many changes of their status alone (the object itself only). A benchmark reports: it exits 0 whatever the figures.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './corpus.js';
import { cleanScratch, envInt, fmt, loadNote, runNode, scratchFile } from './measure.js';
import { countKinds, generateCluster } from '../test/support/cluster-generator.js';
import { startTestApiServer, writeKubeconfig } from '../test/support/k8s-api-server.js';

const OBJECTS = envInt('BENCH_WATCH_OBJECTS', 100_000);
const NAMESPACES = Math.max(1, envInt('BENCH_WATCH_NAMESPACES', 500));
const TIMEOUT_MS = envInt('BENCH_TIMEOUT_S', 900) * 1000;
const MiB = 1024 * 1024;

const log = (line: string): void => void process.stdout.write(line + '\n');
const root = repoRoot();
const child = path.join(root, 'dist', 'bench', 'watch-child.js');

log('kshield watch memory benchmark');
log(`  ${loadNote()}`);
const objects = generateCluster({ total: OBJECTS, namespaces: NAMESPACES });
// A real API server returns every object with metadata.managedFields: one entry per field manager,
// whose fieldsV1 tree names every field it set. The generator gives them to workloads; the objects
// it leaves without get them here in that shape (the applier's entry for metadata and spec, a
// controller's for status).
for (const o of objects) o.metadata.managedFields ??= managedFields(o);
log(`  generated         ${fmt(objects.length)} objects in ${fmt(NAMESPACES)} namespaces`);
log(`  kinds             ${Object.entries(countKinds(objects)).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${fmt(n)}`).join(', ')}`);
const api = await startTestApiServer({ objects, adoptObjects: true, gitVersion: 'v1.29.2' });
const kubeconfig = scratchFile('kubeconfig');
writeKubeconfig(kubeconfig, api, { admin: api.tokens.admin });

type Obj = Record<string, any>;

/** The fieldsV1 form of a value: `f:<key>` per field, `k:{"name":...}` per named list item, `{}` at the leaves. */
function fieldsV1(value: unknown): Obj {
  if (Array.isArray(value)) {
    const out: Obj = {};
    for (const item of value) if (item && typeof item === 'object' && typeof (item as Obj).name === 'string') out[`k:{"name":"${(item as Obj).name}"}`] = { '.': {}, ...fieldsV1(item) };
    return out;
  }
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value as Obj).map(([k, v]) => [`f:${k}`, fieldsV1(v)]));
  return {};
}

function managedFields(o: Obj): Obj[] {
  const { managedFields: _m, uid: _u, resourceVersion: _r, creationTimestamp: _c, ...meta } = o.metadata ?? {};
  const { apiVersion: _a, kind: _k, metadata: _md, status, ...rest } = o;
  const entries: Obj[] = [{ manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: o.apiVersion, time: '2024-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': fieldsV1(meta), ...fieldsV1(rest) } }];
  if (status) entries.push({ manager: o.kind === 'Pod' ? 'kubelet' : 'kube-controller-manager', operation: 'Update', apiVersion: o.apiVersion, time: '2024-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:status': fieldsV1(status) }, subresource: 'status' });
  return entries;
}

type Result = Record<string, number> & { mode: string };
const results: Record<string, Result> = {};
const peaks: Record<string, number> = {};
for (const mode of ['baseline', 'watch']) {
  const out = scratchFile(`${mode}.json`);
  const run = await runNode(child, [mode, kubeconfig, out], { cwd: root, timeoutMs: TIMEOUT_MS, nodeArgs: ['--expose-gc'] });
  if (run.exitCode !== 0) {
    process.stderr.write(`\n${mode} failed (exit ${run.exitCode}${run.timedOut ? ', timed out' : ''}):\n${run.stderr.slice(0, 4000)}\n`);
    await api.close();
    await cleanScratch();
    process.exit(1);
  }
  results[mode] = JSON.parse(readFileSync(out, 'utf8')) as Result;
  peaks[mode] = run.maxRssMiB;
}
await api.close();

const row = (label: string, r: Result, peak: number): void => {
  const heap = (r.heapUsed - r.startHeap) / MiB;
  const rss = (r.rss - r.startRss) / MiB;
  log(`  ${label.padEnd(10)} ${fmt(r.objects)} objects held; heap ${fmt(heap)} MiB (${fmt((heap * MiB) / r.objects)} B/object), RSS +${fmt(rss)} MiB (${fmt(r.rss / MiB)} MiB total, peak ${fmt(peak)} MiB); listed in ${fmt(r.syncMs)} ms`);
};
row('baseline', results.baseline, peaks.baseline);
row('watch', results.watch, peaks.watch);
const w = results.watch;
const b = results.baseline;
log(`  watch/baseline  heap ${fmt((w.heapUsed - w.startHeap) / (b.heapUsed - b.startHeap), 2)}x, RSS ${fmt(w.rss / b.rss, 2)}x`);
log(`  peak RSS        ${fmt(w.peakRssAtSync / MiB)} MiB up to the first sync; ${fmt(peaks.watch)} MiB after the changes too`);
log(`  first sync      ${fmt(w.syncMs)} ms to list, judge and settle (${fmt(w.fullPassMs)} ms of it the cross-object pass), ${fmt(w.openFindings)} open findings`);
log(`  one change      p50 ${fmt(w.changeP50Ms, 1)} ms, p99 ${fmt(w.changeP99Ms, 1)} ms (${fmt(w.changes)} Deployments' labels changed one at a time, judged at once)`);
log(`  status only     p50 ${fmt(w.statusP50Ms, 1)} ms, p99 ${fmt(w.statusP99Ms, 1)} ms (the same Deployments' status changed)`);
log(`  ${loadNote()}`);
await cleanScratch();
