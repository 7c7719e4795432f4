/**
 * Where a full scan spends its time: runs `kshield scan` over the benchmark corpus under
 * `--cpu-prof` and prints the functions with the most self time, the phases (load, parse,
 * evaluate, report) by inclusive time, and the garbage collector's share.
 *
 *   node dist/bench/profile.js [top-n]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCorpus, repoRoot } from './corpus.js';
import { cleanScratch, fmt, loadNote, runNode, scratchFile, table } from './measure.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const TOP = Number(process.argv[2] ?? 25);
const PHASES = ['loadFiles', 'parseYamlStream', 'addObject', 'judgeAlone', 'judgeTogether', 'fingerprint', 'locateOffset', 'writeOutput'];

const root = repoRoot();
const corpus = await ensureCorpus(undefined, (l) => console.log(l));
const cli = path.join(root, 'dist', 'src', 'cli', 'main.js');
const script = existsSync(cli) ? cli : fileURLToPath(new URL('./children/scan-lib.js', import.meta.url));
const corpusRel = path.relative(root, corpus.dir);
const profDir = scratchFile('prof');
const report = scratchFile('report.json');
const args = script === cli ? ['scan', corpusRel, '-o', 'json', '--output-file', report, '--fail-on', 'none'] : [corpusRel, report];
console.log(loadNote());
const run = await runNode(script, args, { cwd: root, timeoutMs: 300_000, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`] });
if (run.exitCode !== 0) {
  console.error(run.stderr);
  process.exit(1);
}
const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error('no profile written');
const profile = JSON.parse(readFileSync(path.join(profDir, file), 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
let total = 0;
for (const t of selfUs.values()) total += t;

const name = (n: ProfileNode): string => {
  const url = n.callFrame.url.replace(/^file:\/\//, '');
  const where = url ? `${path.relative(root, url)}:${n.callFrame.lineNumber + 1}` : '';
  return `${n.callFrame.functionName || '(anonymous)'}${where ? ' ' + where : ''}`;
};
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, t] of selfUs) {
  const node = byId.get(id)!;
  self.set(name(node), (self.get(name(node)) ?? 0) + t);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const fn = byId.get(cur)!.callFrame.functionName;
    if (!seen.has(fn)) {
      seen.add(fn);
      inclusive.set(fn, (inclusive.get(fn) ?? 0) + t);
    }
  }
}
const pct = (us: number): string => `${fmt((100 * us) / total, 1)}%`;
console.log(`\nscan wall ${fmt(run.wallMs / 1000, 2)} s under the profiler, peak RSS ${fmt(run.maxRssMiB)} MiB, ${fmt(total / 1000)} ms sampled\n`);
console.log(table(['phase (inclusive)', 'ms', 'share'], PHASES.map((p) => [p, fmt((inclusive.get(p) ?? 0) / 1000), pct(inclusive.get(p) ?? 0)])));
console.log('(phases exclude garbage collection: V8 books it at the root, see "(garbage collector)" below)');
console.log('');
const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, TOP);
console.log(table(['self time', 'ms', 'share'], top.map(([k, t]) => [k, fmt(t / 1000), pct(t)])));
await cleanScratch();
