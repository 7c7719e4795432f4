/**
 * What the reports show of a scan: the per-rule tally closing the table, and `--min-severity`,
 * which leaves findings below a level out of every format but not out of the exit code.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadText } from '../src/sources/files.js';
import { type ScanResult } from '../src/report/scan-report.js';
import { scanLoaded } from '../src/pipeline/scan-files.js';
import { atMinSeverity, exitCode } from '../src/pipeline/assemble.js';
import { reporters } from '../src/report/index.js';
import { ruleTally } from '../src/report/table.js';
import { parseXml } from './support/xml.js';
import { kshield } from './support/cli.js';

/** Three Deployments: each misses its resources (medium/low), one runs privileged (critical) and shares the host network (high). */
function deployment(name: string, extra = ''): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: shop
  labels: {app.kubernetes.io/name: ${name}, owner: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:${extra}
      containers:
      - name: app
        image: registry.example.com/${name}:1.0
`;
}

const TEXT = [deployment('web', '\n      hostNetwork: true'), deployment('api'), deployment('worker')].join('---\n');
const ONLY = ['host-network', 'cpu-requests-missing', 'memory-limits-missing', 'cpu-limits-missing'];

function scan(): ScanResult {
  return scanLoaded(loadText(TEXT, 'shop.yaml'), { only: ONLY });
}

describe('the per-rule tally in the table', () => {
  const result = scan();
  const table = reporters.table(result, { color: false });

  test('after the findings: one line a rule, most findings first, then the most severe, with count, severity, id and title', () => {
    const tally = table.slice(table.indexOf('Findings by rule:'));
    assert.deepEqual(tally.split('\n').slice(0, 5), [
      'Findings by rule:',
      '  3  MEDIUM    cpu-requests-missing   CPU request missing',
      '  3  MEDIUM    memory-limits-missing  Memory limit missing',
      '  3  LOW       cpu-limits-missing     CPU limit missing',
      '  1  HIGH      host-network           Pod shares the host network namespace',
    ]);
    assert.match(tally, /\n\n10 findings \(1 high, 6 medium, 3 low\); 3 resources in 1 file scanned\.\n$/, 'the summary line still closes the table');
  });

  test('counts only unsuppressed findings, as the summary does; none for a single finding', () => {
    const one = scanLoaded(loadText(deployment('web', '\n      hostNetwork: true'), 'web.yaml'), { only: ['host-network'] });
    assert.doesNotMatch(reporters.table(one, { color: false }), /Findings by rule/);
    const ignored = TEXT.replace('  name: api\n', '  name: api\n  annotations: {kshield.io/ignore: cpu-limits-missing}\n');
    const lines = ruleTally(scanLoaded(loadText(ignored, 'shop.yaml'), { only: ONLY }));
    assert.ok(lines.includes('  2  LOW       cpu-limits-missing     CPU limit missing'), lines.join('\n'));
  });

  test('at most ten rules, the rest summed up in one line', () => {
    const result = scanLoaded(loadText(TEXT, 'shop.yaml'), {});
    const lines = ruleTally(result);
    const rules = Object.keys(result.summary.byRule).length;
    assert.ok(rules > 10, `the fixture needs more than ten rules, has ${rules}`);
    assert.equal(lines.length, 1 + 10 + 1);
    const rest = Object.values(result.summary.byRule).sort((a, b) => b - a).slice(10).reduce((a, b) => a + b, 0);
    assert.match(lines[11], new RegExp(`^  … ${rules - 10} more rules? with ${rest} findings?$`));
  });

  test('a narrow terminal cuts titles, never the rule id', () => {
    for (const line of ruleTally(result, { width: 40 }).slice(1)) {
      assert.ok(line.length <= 40 || /^ +\d+ +\S+ +\S+$/.test(line), line);
      assert.match(line, /(cpu-requests-missing|memory-limits-missing|cpu-limits-missing|host-network)/);
    }
  });
});

describe('--min-severity: reports leave findings below the level out; the exit code does not', () => {
  const whole = scan();
  const shown = atMinSeverity(whole, 'medium');

  test('the view holds the findings at or above the level, counts them, and says how many were left out', () => {
    assert.deepEqual(new Set(shown.findings.map((f) => f.severity)), new Set(['high', 'medium']));
    assert.equal(shown.summary.hidden, 3);
    assert.equal(shown.summary.minSeverity, 'medium');
    assert.deepEqual(shown.summary.bySeverity, { critical: 0, high: 1, medium: 6, low: 0, info: 0 });
    assert.equal(whole.findings.length, 10, 'the result itself is untouched');
  });

  test('every format shows the same findings', () => {
    const table = reporters.table(shown, { color: false });
    assert.doesNotMatch(table, /cpu-limits-missing/);
    assert.match(table, /7 findings \(1 high, 6 medium\); 3 resources in 1 file scanned; 3 findings below medium not shown \(--min-severity\)\.\n$/);
    const json = JSON.parse(reporters.json(shown, { color: false }));
    assert.equal(json.findings.length, 7);
    assert.equal(json.summary.minSeverity, 'medium');
    assert.equal(json.summary.hidden, 3);
    const sarif = JSON.parse(reporters.sarif(shown, { color: false }));
    assert.equal(sarif.runs[0].results.length, 7);
    assert.match(reporters.markdown(shown, { color: false }), /3 findings below medium not shown \(--min-severity\)\./);
    assert.doesNotMatch(reporters.markdown(shown, { color: false }), /cpu-limits-missing/);
    // JUnit keeps every (object, rule) case; one whose findings are all below the level is skipped, not passed.
    const junit = parseXml(reporters.junit(shown, { color: false }));
    const suite = junit.children.find((c) => c.name === 'testsuite' && c.attrs.name === 'cpu-limits-missing')!;
    const cases = suite.children.filter((c) => c.name === 'testcase');
    assert.equal(cases.length, 3);
    for (const c of cases) assert.deepEqual(c.children.map((x) => [x.name, x.attrs.message]), [['skipped', '1 finding below medium not shown (--min-severity)']]);
    assert.equal(junit.attrs.failures, '7');
    assert.equal(junit.attrs.skipped, '3');
  });

  test('exit codes judge every finding', () => {
    const onlyLow = atMinSeverity(scanLoaded(loadText(TEXT, 'shop.yaml'), { only: ['cpu-limits-missing'] }), 'high');
    assert.equal(onlyLow.findings.length, 0);
    assert.equal(exitCode(onlyLow, 'low'), 0, 'the view alone would say clean');
    const cli = kshield(['scan', '-', '--only', 'cpu-limits-missing', '--min-severity', 'high', '--fail-on', 'low'], TEXT);
    assert.equal(cli.code, 1, cli.stderr);
    assert.equal(cli.stdout, 'No findings; 3 resources in 1 file scanned; 3 findings below high not shown (--min-severity).\n');
  });

  test('--write-baseline records every finding, shown or not', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kshield-tally-'));
    try {
      const file = path.join(dir, 'baseline.json');
      const r = kshield(['scan', '-', '--only', 'cpu-limits-missing', '--min-severity', 'high', '--write-baseline', file], TEXT);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(readFileSync(file, 'utf8')).findings.length, 3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an unknown level is a usage error naming the choices', () => {
    const r = kshield(['scan', '-', '--min-severity', 'hihg'], TEXT);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^kshield: error: option '--min-severity <severity>' argument 'hihg' is invalid: did you mean "high"\? Allowed choices are critical, high, medium, low, info\.$/m);
    // The new-user trial's spelling; --fail-on alike; a word near no choice gets the list alone.
    assert.match(kshield(['scan', '-', '--min-severity', 'hgh'], TEXT).stderr, /argument 'hgh' is invalid: did you mean "high"\?/);
    assert.match(kshield(['scan', '-', '--fail-on', 'critcal'], TEXT).stderr, /^kshield: error: option '--fail-on <severity>' argument 'critcal' is invalid: did you mean "critical"\? Allowed choices/m);
    assert.match(kshield(['scan', '-', '--fail-on', 'zzz'], TEXT).stderr, /^kshield: error: option '--fail-on <severity>' argument 'zzz' is invalid\. Allowed choices are critical, high, medium, low, info, none\.$/m);
  });
});
