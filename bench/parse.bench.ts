/**
 * `npm run bench:parse`: the YAML parsers kshield could stand on, over the benchmark corpus.
 * It shows what source positions cost on top of js-yaml, and why kshield does not use the
 * `yaml` package (whose CST gives positions for free but parses several times slower).
 *
 * Each parser runs in its own child process with the files already in memory; best of
 * BENCH_RUNS (default 3), and BENCH_SLOW_RUNS (default 1) for the `yaml` package.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ensureCorpus, repoRoot } from './corpus.js';
import { cleanScratch, envInt, fmt, loadNote, runNode, scratchFile, table, type ChildRun } from './measure.js';

const RUNS = Math.max(1, envInt('BENCH_RUNS', 3));
const SLOW_RUNS = Math.max(1, envInt('BENCH_SLOW_RUNS', 1));
const TIMEOUT_MS = envInt('BENCH_TIMEOUT_S', 300) * 1000;
const child = fileURLToPath(new URL('./children/parse-one.js', import.meta.url));

const PARSERS: { id: string; label: string; runs: number }[] = [
  { id: 'js-yaml', label: 'js-yaml loadAll (no positions)', runs: RUNS },
  { id: 'kshield-positions', label: 'js-yaml + kshield position listener (parseYamlStream)', runs: RUNS },
  { id: 'kshield-load', label: 'kshield loadText (positions + Resources)', runs: RUNS },
  { id: 'yaml', label: 'yaml parseAllDocuments + toJS', runs: SLOW_RUNS },
];

const corpus = await ensureCorpus(undefined, (l) => console.log(l));
console.log(`corpus: ${fmt(corpus.files)} files, ${fmt(corpus.documents)} documents, ${fmt(corpus.resources)} resources, ${fmt(corpus.bytes / 1e6, 1)} MB`);
console.log(loadNote());

interface Row {
  label: string;
  parseMs: number;
  all: number[];
  rss: number;
  count: number;
}
const rows: Row[] = [];
for (const p of PARSERS) {
  const runs: { ms: number; run: ChildRun; count: number }[] = [];
  for (let i = 0; i < p.runs; i++) {
    const out = scratchFile(`${p.id}.json`);
    const run = await runNode(child, [p.id, corpus.dir, out], { cwd: repoRoot(), timeoutMs: TIMEOUT_MS });
    if (run.exitCode !== 0) {
      console.error(`${p.id} failed (exit ${run.exitCode}):\n${run.stderr}`);
      process.exit(1);
    }
    const r = JSON.parse(readFileSync(out, 'utf8')) as { ms: number; count: number };
    runs.push({ ms: r.ms, run, count: r.count });
  }
  const best = Math.min(...runs.map((r) => r.ms));
  rows.push({ label: p.label, parseMs: best, all: runs.map((r) => r.ms), rss: Math.max(...runs.map((r) => r.run.maxRssMiB)), count: runs[0].count });
  console.log(`${p.label}: ${runs.map((r) => fmt(r.ms / 1000, 2)).join(' ')} s`);
}

const base = rows[0].parseMs;
console.log('');
console.log(
  table(
    ['parser', 'parse s', 'MB/s', 'docs/s', 'x js-yaml', 'peak RSS MiB', 'runs (s)'],
    rows.map((r) => [r.label, fmt(r.parseMs / 1000, 2), fmt(corpus.bytes / 1e6 / (r.parseMs / 1000), 1), fmt(corpus.documents / (r.parseMs / 1000)), fmt(r.parseMs / base, 2), fmt(r.rss), r.all.map((ms) => fmt(ms / 1000, 2)).join(' ')]),
  ),
);
console.log('(peak RSS includes the corpus text held in memory by every child)');
console.log(loadNote());
await cleanScratch();
