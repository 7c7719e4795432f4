/**
 * `npm run bench:cluster`: `kshield cluster` against 100,000 objects.
 *
 * Generates (seeded, in memory) a cluster of BENCH_CLUSTER_OBJECTS objects (default 100,000)
 * across BENCH_CLUSTER_NAMESPACES application namespaces (default 500): Deployments with their
 * ReplicaSet revisions and Pods, StatefulSets, CronJobs and Jobs, Services, ConfigMaps, Secrets
 * (Helm release records included), ServiceAccounts, RBAC, NetworkPolicies, Ingresses, HPAs, PDBs,
 * nodes and a kubeadm control plane (test/support/cluster-generator.ts). The in-repo test API
 * server (test/support/k8s-api-server.ts) serves them over HTTPS in this process, with paged lists
 * (limit/continue). The real CLI runs as a child process through a generated kubeconfig, writing
 * `-o json` to a file, under bench/rss-wrapper.js, which records the child's own peak RSS
 * (`process.resourceUsage().maxRSS`) as it exits.
 *
 * Prints wall time, objects/s, findings, the CLI's peak RSS against the 1 GiB target, and the
 * test server's share: the CPU this process spent answering while the CLI ran. A benchmark
 * reports: it exits 0 on a miss.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './corpus.js';
import { cleanScratch, envInt, fmt, loadNote, runNode, scratchFile } from './measure.js';
import { countKinds, generateCluster } from '../test/support/cluster-generator.js';
import { startTestApiServer, writeKubeconfig } from '../test/support/k8s-api-server.js';

const TARGET_RSS_MIB = 1024;
const OBJECTS = envInt('BENCH_CLUSTER_OBJECTS', 100_000);
const NAMESPACES = Math.max(1, envInt('BENCH_CLUSTER_NAMESPACES', 500));
const PAGE_SIZE = envInt('BENCH_CLUSTER_PAGE_SIZE', 500);
const TIMEOUT_MS = envInt('BENCH_TIMEOUT_S', 600) * 1000;

const log = (line: string): void => void process.stdout.write(line + '\n');
const root = repoRoot();
const cli = path.join(root, 'dist', 'src', 'cli', 'main.js');

log('kshield cluster benchmark');
log(`  ${loadNote()}`);
const genStarted = process.hrtime.bigint();
const objects = generateCluster({ total: OBJECTS, namespaces: NAMESPACES });
const genMs = Number(process.hrtime.bigint() - genStarted) / 1e6;
const kinds = countKinds(objects);
log(`  generated         ${fmt(objects.length)} objects in ${fmt(NAMESPACES)} namespaces (${fmt(genMs)} ms, not counted)`);
log(`  kinds             ${Object.entries(kinds).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${fmt(n)}`).join(', ')}`);

const api = await startTestApiServer({ objects, adoptObjects: true, gitVersion: 'v1.29.2' });
const kubeconfig = scratchFile('kubeconfig');
writeKubeconfig(kubeconfig, api, { admin: api.tokens.admin });
const report = scratchFile('report.json');

// Everything this process does while the CLI runs is answering it.
const cpuBefore = process.cpuUsage();
const run = await runNode(cli, ['cluster', '--kubeconfig', kubeconfig, '-o', `json=${report}`, '--fail-on', 'none', '--page-size', String(PAGE_SIZE)], { cwd: root, timeoutMs: TIMEOUT_MS });
const serverCpu = process.cpuUsage(cpuBefore);
await api.close();
if (run.exitCode !== 0) {
  process.stderr.write(`\nkshield cluster failed (exit ${run.exitCode}${run.timedOut ? ', timed out' : ''}):\n${run.stderr.slice(0, 4000)}\n`);
  await cleanScratch();
  process.exit(1);
}

const reportBytes = statSync(report).size;
const parsed = JSON.parse(readFileSync(report, 'utf8')) as { findings: unknown[]; summary: { resources?: number }; coverage: { covered: { objects: number }[]; notCovered: unknown[] }; notes?: { message: string }[] };
const listed = parsed.coverage.covered.reduce((n, c) => n + c.objects, 0);
const lists = api.requests.filter((r) => /[?&]limit=/.test(r)).length;
const serverMs = (serverCpu.user + serverCpu.system) / 1000;
const owned = parsed.notes?.find((n) => /owned by a listed controller/.test(n.message))?.message.match(/^(\d+)/)?.[1];

log(`  listed            ${fmt(listed)} objects in ${fmt(lists)} list requests (page size ${PAGE_SIZE}); ${parsed.coverage.notCovered.length} kind(s) not covered`);
log(`  judged            ${fmt(parsed.summary.resources ?? 0)} objects${owned ? ` (${fmt(Number(owned))} owned pods/ReplicaSets/Jobs judged through their controller)` : ''}`);
log(`  findings          ${fmt(parsed.findings.length)} (JSON report ${fmt(reportBytes / 1024 / 1024, 1)} MiB)`);
log(`  wall time         ${fmt(run.wallMs)} ms (spawn to exit, Node start-up included)`);
log(`  objects/s         ${fmt(listed / (run.wallMs / 1000))}`);
log(`  kshield CPU       ${fmt(run.cpuMs)} ms (${fmt((run.cpuMs / run.wallMs) * 100)}% of wall)`);
log(`  test server CPU   ${fmt(serverMs)} ms (${fmt((serverMs / run.wallMs) * 100)}% of wall; in this process, on the other core)`);
log(`  peak RSS          ${fmt(run.maxRssMiB)} MiB (kshield's process only)`);
log(`  target            RSS < ${fmt(TARGET_RSS_MIB)} MiB: ratio ${fmt(run.maxRssMiB / TARGET_RSS_MIB, 2)} -> ${run.maxRssMiB < TARGET_RSS_MIB ? 'PASS' : 'MISS'}`);
log(`  ${loadNote()}`);
await cleanScratch();
