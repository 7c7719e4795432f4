/**
 * `npm run bench`: how much a full kshield scan costs over the price of merely parsing the
 * YAML, and how it compares with @monokle/validation, on one generated corpus.
 *
 *   (a) parse-only: js-yaml `loadAll`, no positions, no rules -- the floor
 *   (b) `kshield scan <corpus> -o json --output-file ... --fail-on none`, every rule, positions
 *   (c) @monokle/validation with every plugin that works offline
 *
 * Each measurement is its own child process (so peak RSS is per tool), timed from spawn to
 * exit. (a) and (b) run interleaved, best of BENCH_RUNS (default 3); (c) runs
 * BENCH_MONOKLE_RUNS times (default 1, 0 skips it). A benchmark reports; it exits 0 on a miss.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCorpus, repoRoot } from './corpus.js';
import { cleanScratch, envInt, fmt, loadNote, runNode, scratchFile, table, type ChildRun } from './measure.js';

const TARGET_SCAN_OVER_PARSE = 1.6;
const TARGET_MONOKLE_OVER_SCAN = 10;
const TARGET_RSS_MIB = 500;

const root = repoRoot();
const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const RUNS = Math.max(1, envInt('BENCH_RUNS', 3));
const MONOKLE_RUNS = envInt('BENCH_MONOKLE_RUNS', 1);
const TIMEOUT_MS = envInt('BENCH_TIMEOUT_S', 300) * 1000;

interface Measured {
  label: string;
  runs: ChildRun[];
  best: ChildRun;
  resources: number;
  files: number;
  extra: string;
}

function best(runs: ChildRun[]): ChildRun {
  return runs.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
}

function fail(label: string, run: ChildRun): never {
  process.stderr.write(`\n${label} failed (exit ${run.exitCode}${run.timedOut ? ', timed out' : ''}):\n${run.stderr.slice(0, 4000)}\n`);
  process.exit(1);
}

function log(line: string): void {
  process.stdout.write(line + '\n');
}

const corpus = await ensureCorpus(undefined, log);
const corpusRel = path.relative(root, corpus.dir) || '.';
const mb = corpus.bytes / 1e6;
log(`corpus: ${corpusRel}  ${fmt(corpus.files)} files, ${fmt(corpus.resources)} resources in ${fmt(corpus.documents)} documents, ${fmt(mb, 1)} MB (generator v${corpus.version}${corpus.generated ? ', just generated' : ', reused'})`);
log(`kinds: ${Object.entries(corpus.kinds).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ')}`);
log(loadNote());

const cli = path.join(root, 'dist', 'src', 'cli', 'main.js');
const useCli = existsSync(cli);
const scanScript = useCli ? cli : here('./children/scan-lib.js');
const scanLabel = useCli ? '(b) kshield scan (CLI, json report)' : '(b) kshield scanFiles (library)';

const parseRuns: ChildRun[] = [];
const scanRuns: ChildRun[] = [];
let parseResult = { files: 0, documents: 0, resources: 0, bytes: 0 };
let report: { findings: { suppressed?: boolean }[]; errors: unknown[]; summary?: { resources?: number; files?: number } } | undefined;

for (let i = 0; i < RUNS; i++) {
  const parseOut = scratchFile('parse.json');
  const a = await runNode(here('./children/parse-jsyaml.js'), [corpus.dir, parseOut], { cwd: root, timeoutMs: TIMEOUT_MS });
  if (a.exitCode !== 0) fail('(a) parse-only', a);
  parseResult = JSON.parse(readFileSync(parseOut, 'utf8')) as typeof parseResult;
  parseRuns.push(a);

  const reportFile = scratchFile('report.json');
  const args = useCli ? ['scan', corpusRel, '-o', 'json', '--output-file', reportFile, '--fail-on', 'none'] : [corpusRel, reportFile];
  const b = await runNode(scanScript, args, { cwd: root, timeoutMs: TIMEOUT_MS });
  if (b.exitCode !== 0) fail(scanLabel, b);
  if (i === RUNS - 1) report = JSON.parse(readFileSync(reportFile, 'utf8')) as typeof report;
  scanRuns.push(b);
  log(`run ${i + 1}/${RUNS}: parse-only ${fmt(a.wallMs / 1000, 2)} s, scan ${fmt(b.wallMs / 1000, 2)} s`);
}

const measured: Measured[] = [
  { label: '(a) js-yaml loadAll, parse only', runs: parseRuns, best: best(parseRuns), resources: parseResult.resources, files: parseResult.files, extra: `${fmt(parseResult.documents)} documents` },
  {
    label: scanLabel,
    runs: scanRuns,
    best: best(scanRuns),
    resources: report?.summary?.resources ?? 0,
    files: report?.summary?.files ?? 0,
    extra: `${fmt(report?.findings.length ?? 0)} findings (${fmt(report?.findings.filter((f) => f.suppressed).length ?? 0)} suppressed), ${fmt(report?.errors.length ?? 0)} input errors`,
  },
];

if (MONOKLE_RUNS > 0) {
  const runs: ChildRun[] = [];
  let result = { files: 0, resources: 0, results: 0, plugins: [] as string[], extractMs: 0, validateMs: 0 };
  for (let i = 0; i < MONOKLE_RUNS; i++) {
    log(`running @monokle/validation (${i + 1}/${MONOKLE_RUNS}); this takes a while...`);
    const out = scratchFile('monokle.json');
    const c = await runNode(here('./children/monokle.js'), [corpus.dir, out], { cwd: root, timeoutMs: TIMEOUT_MS });
    if (c.exitCode !== 0) fail('(c) @monokle/validation', c);
    result = JSON.parse(readFileSync(out, 'utf8')) as typeof result;
    runs.push(c);
  }
  measured.push({
    label: '(c) @monokle/validation (offline plugins)',
    runs,
    best: best(runs),
    resources: result.resources,
    files: result.files,
    extra: `${fmt(result.results)} results from ${result.plugins.join(', ')}; start-up + read + yaml parse ${fmt(result.extractMs / 1000, 1)} s, validate ${fmt(result.validateMs / 1000, 1)} s`,
  });
}

log('');
log(
  table(
    ['measurement', 'resources', 'files', 'MB', 'time s', 'resources/s', 'peak RSS MiB', 'runs (s)'],
    measured.map((m) => [
      m.label,
      fmt(m.resources),
      fmt(m.files),
      fmt(mb, 1),
      fmt(m.best.wallMs / 1000, 2),
      fmt(m.resources / (m.best.wallMs / 1000)),
      fmt(Math.max(...m.runs.map((r) => r.maxRssMiB))),
      m.runs.map((r) => fmt(r.wallMs / 1000, 2)).join(' '),
    ]),
  ),
);
log('');
for (const m of measured) log(`${m.label}: ${m.extra}`);
log('');

const verdicts: { name: string; value: string; target: string; pass: boolean }[] = [];
const [a, b, c] = measured;
const ba = b.best.wallMs / a.best.wallMs;
verdicts.push({ name: 'scan / parse-only time (b/a)', value: fmt(ba, 2), target: `<= ${TARGET_SCAN_OVER_PARSE}`, pass: ba <= TARGET_SCAN_OVER_PARSE });
if (c) {
  const cb = c.best.wallMs / b.best.wallMs;
  verdicts.push({ name: 'monokle / scan time (c/b)', value: fmt(cb, 1), target: `>= ${TARGET_MONOKLE_OVER_SCAN}`, pass: cb >= TARGET_MONOKLE_OVER_SCAN });
}
const rss = Math.max(...b.runs.map((r) => r.maxRssMiB));
verdicts.push({ name: 'scan peak RSS (b)', value: `${fmt(rss)} MiB`, target: `< ${TARGET_RSS_MIB} MiB`, pass: rss < TARGET_RSS_MIB });
if (a.resources !== corpus.resources || b.resources !== corpus.resources) {
  log(`note: resource counts differ from the corpus (${fmt(corpus.resources)}): parse-only ${fmt(a.resources)}, scan ${fmt(b.resources)}`);
}

log(table(['target', 'measured', 'wanted', 'verdict'], verdicts.map((v) => [v.name, v.value, v.target, v.pass ? 'PASS' : '*** MISS ***'])));
log(loadNote());
const misses = verdicts.filter((v) => !v.pass);
if (misses.length > 0) {
  log('');
  log('!'.repeat(72));
  log(`!!! MISS: ${misses.map((v) => `${v.name} = ${v.value} (wanted ${v.target})`).join('; ')}`);
  log('!'.repeat(72));
}
await cleanScratch();
