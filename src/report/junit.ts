/**
 * JUnit XML for CI test-report views. Layout: one <testsuite> per rule (named by the rule id),
 * one <testcase> per (resource x rule) the engine evaluated, named `Kind/namespace/name` with the
 * rule id as classname, so a clean resource shows as a passed test.
 *
 * A test case carries at most one <failure>, listing all of that resource's unsuppressed findings
 * for the rule: Jenkins and GitLab keep only the first <failure> of a test case, so separate
 * elements would hide findings. A test case whose findings are all suppressed is <skipped>.
 * Input errors form a last suite, `kshield.input`, one <error> test case each.
 */
import type { Finding, InputError, Resource } from '../core/types.js';
import type { Rule } from '../engine/rule.js';
import { compareFindings, type ScanResult } from './scan-report.js';
import type { Severity } from '../core/types.js';
import { withRelated } from '../core/fold.js';
import type { ReportOptions } from './reporter.js';
import { describeSuppression, formatLocation, formatNote, resourceLabel } from './describe.js';

const INPUT_SUITE = 'kshield.input';

/** Characters XML 1.0 forbids anywhere (even as references), plus C1 controls and noncharacters. */
const ILLEGAL_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function replaceIllegal(text: string): string {
  return text.replace(ILLEGAL_XML, (c) => (c.length === 1 && c >= '\ud800' && c <= '\udfff' ? '\ufffd' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/** Text content: markup characters escaped, characters XML cannot hold shown as `\uXXXX`. */
export function xmlText(text: string): string {
  return replaceIllegal(text).replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/** Attribute value (double-quoted): also quotes, and tab/newline/CR as references so parsers keep them. */
export function xmlAttr(text: string): string {
  return replaceIllegal(text).replace(/[&<>"'\t\n\r]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case "'":
        return '&apos;';
      default:
        return `&#${c.charCodeAt(0)};`;
    }
  });
}

function attrs(values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join('');
}

interface TestCase {
  name: string;
  classname: string;
  file?: string;
  line?: number;
  findings: Finding[];
  error?: InputError;
  /** With --min-severity: findings of this case below the level, left out of the report. */
  hidden?: { count: number; level: Severity };
}

/** Findings reported as related to another one (same cause), with that one: the failure says so. */
const foldedInto = new WeakMap<Finding, Finding>();

interface Suite {
  name: string;
  rule?: Pick<Rule, 'title' | 'severity'>;
  cases: TestCase[];
}

function resourceKey(rule: string, file: string, r: { apiVersion: string; kind: string; namespace?: string; name: string }): string {
  return [rule, file, r.apiVersion, r.kind, r.namespace ?? '', r.name].join('\u0000');
}

function findingText(f: Finding): string {
  const into = foldedInto.get(f);
  const folded = into ? `\n  reported as related to ${into.rule} at ${formatLocation(into.file, into.line, into.column)} (same cause)` : '';
  return `${formatLocation(f.file, f.line, f.column)}: ${f.severity}: ${f.message}\n  path: ${f.path}\n  remediation: ${f.remediation}${folded}`;
}

function renderCase(tc: TestCase): string {
  const head = `    <testcase${attrs({ name: tc.name, classname: tc.classname, file: tc.file, line: tc.line && tc.line > 0 ? tc.line : undefined, time: '0' })}`;
  if (tc.error) {
    const e = tc.error;
    return `${head}>\n      <error${attrs({ message: e.message, type: 'input-error' })}>${xmlText(`${formatLocation(e.file, e.line)}: error: ${e.message}`)}</error>\n    </testcase>`;
  }
  const open = tc.findings.filter((f) => !f.suppressed);
  const suppressed = tc.findings.filter((f) => f.suppressed);
  if (open.length > 0) {
    const message = open.length === 1 ? open[0].message : `${open[0].message} (and ${open.length - 1} more)`;
    const body = [...open.map(findingText), ...suppressed.map((f) => `${formatLocation(f.file, f.line, f.column)}: suppressed (${describeSuppression(f)}): ${f.message}`)].join('\n');
    return `${head}>\n      <failure${attrs({ message, type: open[0].severity })}>${xmlText(body)}</failure>\n    </testcase>`;
  }
  if (suppressed.length > 0 || tc.hidden) {
    const parts = suppressed.length > 0 ? [`suppressed: ${suppressed.map(describeSuppression).filter((d, i, all) => all.indexOf(d) === i).join('; ')}`] : [];
    // Not a pass: the rule found something, below the level the report shows.
    if (tc.hidden) parts.push(`${tc.hidden.count} finding${tc.hidden.count === 1 ? '' : 's'} below ${tc.hidden.level} not shown (--min-severity)`);
    return `${head}>\n      <skipped${attrs({ message: parts.join('; ') })}/>\n    </testcase>`;
  }
  return `${head}/>`;
}

function counts(cases: TestCase[]): { tests: number; failures: number; errors: number; skipped: number } {
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  for (const tc of cases) {
    if (tc.error) errors++;
    else if (tc.findings.some((f) => !f.suppressed)) failures++;
    else if (tc.findings.length > 0 || tc.hidden) skipped++;
  }
  return { tests: cases.length, failures, errors, skipped };
}

/** Gives test cases that share a name within a suite distinct names: the file, then the document. */
function disambiguate(cases: TestCase[], resources: Map<TestCase, Resource>): void {
  const byName = new Map<string, TestCase[]>();
  for (const tc of cases) byName.set(tc.name, [...(byName.get(tc.name) ?? []), tc]);
  for (const group of byName.values()) {
    if (group.length < 2) continue;
    const files = new Set(group.map((tc) => tc.file));
    for (const tc of group) {
      const doc = resources.get(tc);
      const where = files.size === group.length ? tc.file : `${tc.file}#${(doc?.documentIndex ?? 0) + 1}${doc?.basePath ?? ''}`;
      tc.name = `${tc.name} (${where})`;
    }
  }
}

function buildSuites(result: ScanResult): Suite[] {
  const suites = new Map<string, Suite>();

  // Findings waiting for their evaluation; an evaluation takes as many as it produced, which keeps
  // two identical objects in one file apart.
  // Every rule evaluated keeps its test case: a finding folded into another one (same cause) still
  // fails its own rule's test case, and says which finding it was reported with.
  const pending = new Map<string, Finding[]>();
  const expanded: Finding[] = [];
  for (const { finding, foldedInto: into } of withRelated(result.findings)) {
    if (into) foldedInto.set(finding, into);
    expanded.push(finding);
  }
  for (const f of expanded.sort(compareFindings)) {
    const key = resourceKey(f.rule, f.file, f.resource);
    const list = pending.get(key);
    if (list) list.push(f);
    else pending.set(key, [f]);
  }
  // With --min-severity the report holds only findings at or above it, while the evaluations count
  // every finding: a case whose findings were left out says so (skipped), rather than pass.
  const level = result.summary.minSeverity;
  const caseResource = new Map<TestCase, Resource>();
  // Positions are resolved lazily by the source (a line table per file), so ask once per object.
  const lines = new Map<Resource, number>();
  const lineOf = (r: Resource): number => {
    let line = lines.get(r);
    if (line === undefined) lines.set(r, (line = r.locate('').line));
    return line;
  };
  for (const rule of result.rules) suites.set(rule.id, { name: rule.id, rule, cases: [] });
  for (const ev of result.evaluations) {
    const r = ev.resource;
    let suite = suites.get(ev.rule.id);
    if (!suite) suites.set(ev.rule.id, (suite = { name: ev.rule.id, rule: ev.rule, cases: [] }));
    const key = resourceKey(ev.rule.id, r.file, r);
    const queue = pending.get(key) ?? [];
    const tc: TestCase = { name: resourceLabel(r), classname: ev.rule.id, file: r.file, line: lineOf(r), findings: queue.splice(0, ev.findings) };
    if (level !== undefined && tc.findings.length < ev.findings) tc.hidden = { count: ev.findings - tc.findings.length, level };
    suite.cases.push(tc);
    caseResource.set(tc, r);
  }
  // Findings with no evaluation behind them (kshield's own, such as expired exemptions).
  for (const leftovers of pending.values()) {
    for (const f of leftovers) {
      let suite = suites.get(f.rule);
      if (!suite) suites.set(f.rule, (suite = { name: f.rule, cases: [] }));
      suite.cases.push({ name: resourceLabel(f.resource), classname: f.rule, file: f.file, line: f.line, findings: [f] });
    }
  }
  for (const suite of suites.values()) disambiguate(suite.cases, caseResource);

  const out = [...suites.values()];
  if (result.errors.length > 0 || result.notes.length > 0) {
    out.push({
      name: INPUT_SUITE,
      cases: result.errors.map((e) => ({ name: formatLocation(e.file, e.line), classname: INPUT_SUITE, file: e.file, line: e.line, findings: [], error: e })),
    });
  }
  return out;
}

export function renderJunit(result: ScanResult, _options?: ReportOptions): string {
  const suites = buildSuites(result);
  const total = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  const parts: string[] = [];
  for (const suite of suites) {
    const c = counts(suite.cases);
    total.tests += c.tests;
    total.failures += c.failures;
    total.errors += c.errors;
    total.skipped += c.skipped;
    const lines = [`  <testsuite${attrs({ name: suite.name, tests: c.tests, failures: c.failures, errors: c.errors, skipped: c.skipped, time: '0' })}>`];
    if (suite.rule) {
      lines.push('    <properties>');
      lines.push(`      <property${attrs({ name: 'title', value: suite.rule.title })}/>`);
      lines.push(`      <property${attrs({ name: 'severity', value: suite.rule.severity })}/>`);
      lines.push('    </properties>');
    }
    for (const tc of suite.cases) lines.push(renderCase(tc));
    if (suite.name === INPUT_SUITE && result.notes.length > 0) lines.push(`    <system-out>${xmlText(result.notes.map(formatNote).join('\n'))}</system-out>`);
    lines.push('  </testsuite>');
    parts.push(lines.join('\n'));
  }
  const head = `<testsuites${attrs({ name: 'kshield', tests: total.tests, failures: total.failures, errors: total.errors, skipped: total.skipped, time: '0' })}>`;
  return ['<?xml version="1.0" encoding="UTF-8"?>', head, ...parts, '</testsuites>', ''].join('\n');
}
