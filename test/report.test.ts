/**
 * The output formats, fed by the real pipeline (loadText -> scanLoaded) over test/fixtures/report.
 * Other rules come and go; assertions lean on `privileged-container` and on structure.
 */
import assert from 'node:assert/strict';
import { test, describe } from 'node:test';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { loadText, type LoadResult } from '../src/sources/files.js';
import { type ScanResult } from '../src/report/scan-report.js';
import { scanLoaded } from '../src/pipeline/scan-files.js';
import { type ScanOptions } from '../src/pipeline/prepare.js';
import { SEVERITIES } from '../src/core/types.js';
import { reporters, type ReportFormat } from '../src/report/index.js';
import { formatFinding } from '../src/report/table.js';
import { formatLocation, resourceLabel } from '../src/report/describe.js';
import { artifactLocation } from '../src/report/sarif.js';
import { renderMarkdown, mdCode, mdText } from '../src/report/markdown.js';
import { xmlAttr, xmlText } from '../src/report/junit.js';
import { parseXml, type XmlElement } from './support/xml.js';
import { sarifValidator } from './support/sarif.js';

const FIXTURES = new URL('../../test/fixtures/report/', import.meta.url);
const FIXTURE_FILES = ['web.yaml', 'debug.yaml', 'legacy.yaml', 'broken.yaml', 'scalar.yaml'];
const SECRET = 'kshield-fixture-s3cret-9f2c71';
const FORMATS: ReportFormat[] = ['table', 'json', 'sarif', 'junit', 'markdown', 'html'];
const NOW = new Date('2026-06-01T00:00:00Z');

function load(files: Record<string, string>): LoadResult {
  const all: LoadResult = { resources: [], errors: [], notes: [], files: [] };
  for (const [name, text] of Object.entries(files)) {
    const r = loadText(text, name);
    all.resources.push(...r.resources);
    all.errors.push(...r.errors);
    all.notes.push(...r.notes);
    all.files.push(...r.files);
  }
  return all;
}

function fixtureTexts(): Record<string, string> {
  return Object.fromEntries(FIXTURE_FILES.map((f) => [`test/fixtures/report/${f}`, readFileSync(new URL(f, FIXTURES), 'utf8')]));
}

/**
 * The main result: an annotation-suppressed finding (debug), an exemption (legacy), a baseline
 * entry (batch), an expired exemption, an input error (broken) and a note (scalar).
 */
function buildResult(): ScanResult {
  const texts = fixtureTexts();
  const options: ScanOptions = {
    now: NOW,
    config: {
      exemptions: [
        { rules: ['privileged-container'], names: ['legacy'], namespaces: ['billing'], reason: 'vendor agent | reviewed', owner: 'team-billing' },
        { rules: ['privileged-container'], names: ['gone-*'], reason: 'old migration', owner: 'team-ops', expires: '2025-01-01' },
      ],
    },
  };
  const first = scanLoaded(load(texts), options);
  const batch = first.findings.find((f) => f.rule === 'privileged-container' && f.resource.name === 'batch');
  assert.ok(batch, 'fixture: batch pod is flagged privileged');
  return scanLoaded(load(texts), { ...options, baseline: new Set([batch.fingerprint]) });
}

const result = buildResult();
const privileged = (name: string) => result.findings.find((f) => f.rule === 'privileged-container' && f.resource.name === name)!;

test('fixture result has every kind of finding, suppression, error and note', () => {
  assert.equal(privileged('web').suppressed, false);
  assert.equal(privileged('debug').suppression?.kind, 'annotation');
  assert.equal(privileged('legacy').suppression?.kind, 'exemption');
  assert.equal(privileged('batch').suppression?.kind, 'baseline');
  assert.ok(result.findings.some((f) => f.rule === 'exemption-expired' && f.line === 0));
  assert.ok(result.errors.some((e) => e.file.endsWith('broken.yaml')));
  assert.ok(result.notes.some((n) => n.file.endsWith('scalar.yaml')));
});

test('the registry has every format, each a string ending in a newline', () => {
  assert.deepEqual(Object.keys(reporters).sort(), [...FORMATS].sort());
  for (const format of FORMATS) {
    const out = reporters[format](result, { color: false });
    assert.equal(typeof out, 'string');
    assert.ok(out.endsWith('\n'), format);
  }
});

test('a secret value from the manifests never appears in any format', () => {
  assert.ok(fixtureTexts()['test/fixtures/report/web.yaml'].includes(SECRET), 'the fixture holds the secret');
  for (const format of FORMATS) {
    for (const options of [{ color: false }, { color: true, showSuppressed: true }]) {
      assert.ok(!reporters[format](result, options).includes(SECRET), `${format} ${JSON.stringify(options)} leaks the secret`);
    }
  }
});

test('hostile names cannot inject terminal escapes (table) or markup (markdown)', () => {
  const manifest = `apiVersion: v1
kind: Pod
metadata:
  name: "x\\x1b[2J\\x1b]0;pwned\\x07|y\\u202e"
spec:
  containers:
  - name: "a|b\\nc\\r\\x1b[31m"
    image: nginx:1.27
    securityContext: {privileged: true}
`;
  const odd = scanLoaded(load({ 'x\u001b[1m|`.yaml': manifest }), { only: ['privileged-container'] });
  assert.equal(odd.findings.length, 1, JSON.stringify(odd.errors));
  const table = reporters.table(odd, { color: false });
  assert.doesNotMatch(table, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
  assert.ok(table.includes('\\u001b[2J'), table);
  const md = reporters.markdown(odd, { color: false });
  assert.doesNotMatch(md, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
  const row = md.split('\n').find((l) => l.includes('runs privileged'))!;
  assert.equal(row.replace(/\\\|/g, '').split('|').length - 2, 3, row);
});

describe('table', () => {
  const plain = reporters.table(result, { color: false });

  test('grouped by file, then object; one line per finding: line:col  SEVERITY  message  rule', () => {
    const f = privileged('web');
    assert.equal(f.line > 0 && f.column > 0, true);
    const lines = plain.split('\n');
    const at = lines.findIndex((l) => /CRITICAL +container "app" runs privileged +privileged-container$/.test(l) && l.includes(`${f.line}:${f.column}`));
    assert.ok(at > 0, plain);
    assert.match(lines[at], new RegExp(`^ +${f.line}:${f.column}  CRITICAL  container "app" runs privileged  privileged-container$`));
    const header = lines.slice(0, at).reverse();
    assert.equal(header.find((l) => /^  \S/.test(l)), '  Deployment/shop/web');
    assert.equal(header.find((l) => /^\S/.test(l)), 'test/fixtures/report/web.yaml');
  });

  test('on a terminal, long messages wrap under themselves to its width', () => {
    const narrow = reporters.table(result, { color: false, width: 60 });
    const findingLines = narrow.split('\n').filter((l) => l.startsWith('    '));
    assert.ok(findingLines.length > 0);
    for (const l of findingLines) assert.ok(l.length <= 60 || !l.trim().includes(' '), `too wide: ${l}`);
    assert.equal(reporters.table(result, { color: false }).split('\n').filter((l) => / privileged-container$/.test(l)).length, result.findings.filter((f) => f.rule === 'privileged-container' && !f.suppressed).length);
  });

  test('no ANSI codes without colour; severity-coloured with colour', () => {
    assert.doesNotMatch(plain, /\u001b\[/);
    const coloured = reporters.table(result, { color: true });
    assert.match(coloured, /\u001b\[1;31mCRITICAL/);
    assert.equal(coloured.replace(/\u001b\[[0-9;]*m/g, ''), plain);
  });

  test('suppressed findings are hidden unless asked for, then marked', () => {
    assert.doesNotMatch(plain, /container "shell" runs privileged/);
    const all = reporters.table(result, { color: false, showSuppressed: true });
    assert.match(all, /Pod\/tools\/debug\n(?: {4}.*\n)*? {4}.*container "shell" runs privileged +privileged-container +\[suppressed: annotation: node debugging \| needs <host> & devices\]/);
    assert.match(all, /Pod\/billing\/legacy\n(?: {4}.*\n)*? {4}.*\[suppressed: exemption \(owner team-billing\): vendor agent \| reviewed\]/);
    assert.match(all, /Pod\/billing\/batch\n(?: {4}.*\n)*? {4}.*\[suppressed: baseline\]/);
  });

  test('input errors as file:line: error: message, notes listed, summary line last', () => {
    assert.match(plain, /^test\/fixtures\/report\/broken\.yaml:\d+: error: invalid YAML/m);
    assert.match(plain, /^test\/fixtures\/report\/scalar\.yaml:1: note: /m);
    const last = plain.trimEnd().split('\n').at(-1)!;
    // Findings folded into another one (same cause) are counted once and said to be folded.
    assert.match(last, /^\d+ findings? \(.*1 critical.*\); 5 resources in 5 files scanned; \d+ related findings folded into these \(same cause\); 3 suppressed \(shown with --show-suppressed\); 1 input error\.$/);
  });

  test('no findings: a plain summary', () => {
    const clean = scanLoaded(load({ 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: a}\ndata: {k: v}\n' }), { only: ['privileged-container'] });
    assert.equal(reporters.table(clean, { color: false }), 'No findings; 1 resource in 1 file scanned.\n');
  });

  test('formatFinding and formatLocation leave unknown positions out', () => {
    assert.equal(formatLocation('a.yaml', 0, 0), 'a.yaml');
    assert.equal(formatLocation('a.yaml', 3, 0), 'a.yaml:3');
    assert.equal(formatLocation('a.yaml', 3, 7), 'a.yaml:3:7');
    assert.equal(resourceLabel({ apiVersion: 'v1', kind: 'Namespace', name: 'prod' }), 'Namespace/prod');
    assert.equal(formatFinding({ ...privileged('web'), line: 0, column: 0 }).split('  ')[0], 'test/fixtures/report/web.yaml');
  });
});

describe('json', () => {
  const text = reporters.json(result, { color: false });
  const report = JSON.parse(text);
  const schema = JSON.parse(readFileSync(new URL('../../schema/report.schema.json', import.meta.url), 'utf8'));

  test('is pretty-printed and validates against schema/report.schema.json', () => {
    assert.ok(text.startsWith('{\n  "version": '));
    const ajv = new Ajv({ allErrors: true, strict: true });
    const validate = ajv.compile(schema);
    assert.ok(validate(report), JSON.stringify(validate.errors, null, 2));
  });

  test('the schema rejects what it should (it is not a pass-everything schema)', () => {
    const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);
    const broken = structuredClone(report);
    delete broken.findings[0].resource;
    broken.findings[1].severity = 'severe';
    broken.summary.bySeverity.critical = -1;
    assert.equal(validate(broken), false);
    assert.deepEqual(new Set(validate.errors!.map((e) => e.instancePath)), new Set(['/findings/0', '/findings/1/severity', '/summary/bySeverity/critical']));
  });

  test('has the agreed fields, in a stable order', () => {
    assert.deepEqual(Object.keys(report).slice(0, 4), ['version', 'format', 'rules', 'findings']);
    assert.equal(report.format, 2);
    for (const key of ['findings', 'summary', 'errors', 'notes']) assert.ok(key in report, key);
    const f = report.findings.find((x: { rule: string; resource: { name: string } }) => x.rule === 'privileged-container' && x.resource.name === 'web');
    assert.deepEqual(Object.keys(f), ['rule', 'severity', 'message', 'resource', 'file', 'line', 'column', 'path', 'suppressed', 'suppression', 'container', 'fingerprint', 'related']);
    assert.deepEqual(f.resource, { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' });
    assert.equal(f.severity, 'critical');
    assert.equal(f.path, '/spec/template/spec/containers/0/securityContext/privileged');
    assert.equal(f.container, 'app');
    assert.equal(f.suppressed, false);
    assert.deepEqual(Object.keys(report.summary), ['bySeverity', 'byRule', 'resources', 'files', 'suppressed', 'related']);
    assert.deepEqual(Object.keys(report.summary.bySeverity), [...SEVERITIES]);
    const ruleIds = Object.keys(report.summary.byRule);
    assert.deepEqual(ruleIds, [...ruleIds].sort());
    assert.equal(report.summary.suppressed, 3);
    assert.deepEqual(Object.keys(report.errors[0]), ['file', 'line', 'message']);
  });

  test('each rule a finding names is in the rules table once, with its remediation; findings do not repeat it', () => {
    type Named = { rule: string; related: { rule: string }[] };
    const named = new Set<string>((report.findings as Named[]).flatMap((f) => [f.rule, ...f.related.map((r) => r.rule)]));
    const ids = (report.rules as { id: string }[]).map((r) => r.id);
    assert.deepEqual(ids, [...named].sort(), 'exactly the rules named, sorted, each once');
    assert.ok((report.findings as Named[]).some((f) => f.related.length > 0), 'fixture: some finding has related ones, whose rules are listed too');
    for (const f of report.findings) assert.equal('remediation' in f, false);
    const privilegedRule = report.rules.find((r: { id: string }) => r.id === 'privileged-container');
    const catalogue = result.rules.find((r) => r.id === 'privileged-container')!;
    assert.deepEqual(privilegedRule, {
      id: 'privileged-container',
      title: catalogue.title,
      severity: catalogue.severity,
      remediation: catalogue.remediation,
      references: catalogue.references,
      docs: 'docs/rules/privileged-container.md',
    });
    // kshield's own finding has no rule in the catalogue and no page, but still its remediation.
    const expired = report.rules.find((r: { id: string }) => r.id === 'exemption-expired');
    assert.equal(expired.docs, null);
    assert.equal(expired.remediation, result.findings.find((f) => f.rule === 'exemption-expired')!.remediation);
  });

  test('the schema requires the rules table and format 2, and rejects a remediation in a finding', () => {
    const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);
    const formatOne = structuredClone(report);
    delete formatOne.rules;
    formatOne.format = 1;
    formatOne.findings[0].remediation = 'as format 1 had it';
    assert.equal(validate(formatOne), false);
    assert.deepEqual(new Set(validate.errors!.map((e) => `${e.instancePath} ${e.keyword}`)), new Set([' required', '/format const', '/findings/0 additionalProperties']));
  });

  test('an error without a line leaves "line" out and still validates', () => {
    const withMissing: ScanResult = { ...result, errors: [...result.errors, { file: 'gone.yaml', message: 'no such file or directory' }] };
    const out = JSON.parse(reporters.json(withMissing, { color: false }));
    assert.deepEqual(out.errors.at(-1), { file: 'gone.yaml', message: 'no such file or directory' });
    const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);
    assert.ok(validate(out), JSON.stringify(validate.errors));
  });

  test('suppressed findings are included with their suppression', () => {
    const debug = report.findings.find((x: { rule: string; resource: { name: string } }) => x.rule === 'privileged-container' && x.resource.name === 'debug');
    assert.deepEqual(debug.suppression, { kind: 'annotation', reason: 'node debugging | needs <host> & devices', owner: null });
    assert.equal(debug.suppressed, true);
  });

  test('output is deterministic', () => {
    assert.equal(reporters.json(buildResult(), { color: false }), text);
  });
});

describe('sarif', () => {
  const { validate, errors } = sarifValidator();
  const log = JSON.parse(reporters.sarif(result, { color: false }));
  const run = log.runs[0];

  test('validates against the official SARIF 2.1.0 schema', () => {
    assert.ok(validate(log), errors());
    assert.equal(log.version, '2.1.0');
  });

  test('the schema check bites: a 0 line and a bad level are rejected', () => {
    const bad = structuredClone(log);
    bad.runs[0].results[0].locations[0].physicalLocation.region = { startLine: 0 };
    bad.runs[0].results[1].level = 'critical';
    assert.equal(validate(bad), false);
  });

  test('tool.driver describes kshield and every rule', () => {
    const driver = run.tool.driver;
    assert.equal(driver.name, 'kshield');
    assert.equal(driver.version, result.version);
    assert.match(driver.informationUri, /^https:\/\//);
    const rule = driver.rules.find((r: { id: string }) => r.id === 'privileged-container');
    assert.equal(rule.name, 'PrivilegedContainer');
    assert.ok(rule.shortDescription.text && rule.fullDescription.text);
    assert.match(rule.help.text, /Remediation: /);
    assert.match(rule.help.markdown, /\*\*Remediation:\*\*/);
    assert.match(rule.helpUri, /^https:\/\//);
    assert.equal(rule.defaultConfiguration.level, 'error');
    assert.equal(rule.properties['security-severity'], '9.5');
    assert.ok(rule.properties.tags.includes('security'));
    for (const r of driver.rules) {
      const level = r.defaultConfiguration.level;
      const sev = r.properties.severity;
      assert.equal(level, sev === 'critical' || sev === 'high' ? 'error' : sev === 'medium' ? 'warning' : 'note', r.id);
      assert.ok(Number(r.properties['security-severity']) > 0, r.id);
    }
    assert.ok(driver.rules.some((r: { id: string }) => r.id === 'exemption-expired'), 'rules for findings outside the catalogue');
  });

  test('results point at the rule, the file and the line', () => {
    assert.equal(run.results.length, result.findings.length);
    for (const r of run.results) {
      assert.equal(run.tool.driver.rules[r.ruleIndex].id, r.ruleId);
      const region = r.locations[0].physicalLocation.region;
      if (region) assert.ok(region.startLine >= 1 && (region.startColumn === undefined || region.startColumn >= 1));
      assert.ok(r.partialFingerprints['kshield/v1']);
    }
    const f = privileged('web');
    const r = run.results.find((x: { ruleId: string; partialFingerprints: Record<string, string> }) => x.partialFingerprints['kshield/v1'] === f.fingerprint);
    assert.equal(r.level, 'error');
    assert.match(r.message.text, /container "app" runs privileged/);
    assert.deepEqual(r.locations[0].physicalLocation, {
      artifactLocation: { uri: 'test/fixtures/report/web.yaml', uriBaseId: '%SRCROOT%' },
      region: { startLine: f.line, startColumn: f.column },
    });
    const expired = run.results.find((x: { ruleId: string }) => x.ruleId === 'exemption-expired');
    assert.equal(expired.locations[0].physicalLocation.region, undefined, 'line 0 gives no region');
  });

  test('suppressed findings carry suppressions: inSource for annotations, external otherwise', () => {
    const kind = (name: string) =>
      run.results.find((x: { partialFingerprints: Record<string, string> }) => x.partialFingerprints['kshield/v1'] === privileged(name).fingerprint).suppressions;
    assert.equal(kind('web'), undefined);
    assert.deepEqual(kind('debug'), [{ kind: 'inSource', status: 'accepted', justification: 'kshield.io/ignore annotation: node debugging | needs <host> & devices' }]);
    assert.equal(kind('legacy')[0].kind, 'external');
    assert.match(kind('legacy')[0].justification, /team-billing.*vendor agent/);
    assert.equal(kind('batch')[0].kind, 'external');
  });

  test('a configured severity override shows in the rule descriptor and the results', () => {
    const lowered = scanLoaded(load(fixtureTexts()), { only: ['privileged-container'], config: { severity: { 'privileged-container': 'low' } } });
    const sarif = JSON.parse(reporters.sarif(lowered, { color: false }));
    const rule = sarif.runs[0].tool.driver.rules.find((r: { id: string }) => r.id === 'privileged-container');
    assert.equal(rule.defaultConfiguration.level, 'note');
    assert.equal(rule.properties['security-severity'], '3.0');
    assert.ok(sarif.runs[0].results.length > 0 && sarif.runs[0].results.every((r: { level: string }) => r.level === 'note'));
  });

  test('input errors are tool execution notifications', () => {
    const inv = run.invocations[0];
    assert.equal(inv.executionSuccessful, false);
    const err = inv.toolExecutionNotifications.find((n: { level: string }) => n.level === 'error');
    assert.equal(err.locations[0].physicalLocation.artifactLocation.uri, 'test/fixtures/report/broken.yaml');
    assert.match(err.message.text, /invalid YAML/);
  });

  test('artifact URIs: relative with forward slashes, encoded; stdin and absolute paths handled', () => {
    assert.deepEqual(artifactLocation('-'), { uri: 'stdin', description: { text: 'standard input' } });
    assert.deepEqual(artifactLocation('<stdin>'), { uri: 'stdin', description: { text: 'standard input' } });
    assert.equal(artifactLocation('./k8s/my app/deploy #1.yaml').uri, 'k8s/my%20app/deploy%20%231.yaml');
    assert.equal(artifactLocation('k8s\\prod\\web.yaml').uri, 'k8s/prod/web.yaml');
    assert.equal(artifactLocation('/srv/k8s/web.yaml').uri, 'file:///srv/k8s/web.yaml');
    assert.equal(artifactLocation('C:\\k8s\\web.yaml').uri, 'file:///C:/k8s/web.yaml');
    assert.equal(artifactLocation('a:b.yaml').uri, './a:b.yaml');
  });

  test('odd inputs (stdin, absolute and hostile names) still validate', () => {
    const pod = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n    securityContext: {privileged: true}\n`;
    const odd = scanLoaded(load({ '-': pod('a'), '/abs/dir/x.yaml': pod('b'), 'we ird/<%>"|.yaml': pod('c'), 'C:\\win\\y.yaml': pod('d') }), { only: ['privileged-container'] });
    const sarif = JSON.parse(reporters.sarif(odd, { color: false }));
    assert.ok(validate(sarif), errors());
    assert.equal(sarif.runs[0].results.length, 4);
    assert.equal(sarif.runs[0].invocations[0].executionSuccessful, true);
  });
});

const count = (el: XmlElement, name: string): number => el.children.filter((c) => c.name === name).length;

describe('junit', () => {
  const xml = reporters.junit(result, { color: false });
  const root = parseXml(xml);
  const suites = root.children.filter((c) => c.name === 'testsuite');
  const cases = suites.flatMap((s) => s.children.filter((c) => c.name === 'testcase'));

  test('is well-formed, one suite per rule, one case per (resource x rule) evaluated', () => {
    assert.equal(root.name, 'testsuites');
    for (const rule of result.rules) assert.ok(suites.some((s) => s.attrs.name === rule.id), rule.id);
    const expired = result.findings.filter((f) => f.rule === 'exemption-expired').length;
    assert.equal(cases.length, result.evaluations.length + expired + result.errors.length);
    assert.equal(Number(root.attrs.tests), cases.length);
  });

  test('counts add up: failures, skipped (suppressed) and errors', () => {
    for (const s of [root, ...suites]) {
      const cs = s === root ? cases : s.children.filter((c) => c.name === 'testcase');
      assert.equal(Number(s.attrs.tests), cs.length, s.attrs.name);
      assert.equal(Number(s.attrs.failures), cs.filter((c) => count(c, 'failure') === 1).length, s.attrs.name);
      assert.equal(Number(s.attrs.skipped), cs.filter((c) => count(c, 'skipped') === 1).length, s.attrs.name);
      assert.equal(Number(s.attrs.errors), cs.filter((c) => count(c, 'error') === 1).length, s.attrs.name);
    }
    // A finding folded into another one (same cause) still fails its own rule's test case.
    const failing = new Set(result.findings.filter((f) => !f.suppressed).flatMap((f) => [f.rule, ...(f.related ?? []).map((r) => r.rule)].map((rule) => `${rule} ${f.file} ${resourceLabel(f.resource)}`)));
    assert.equal(Number(root.attrs.failures), failing.size);
    for (const c of cases) assert.ok(count(c, 'failure') + count(c, 'skipped') + count(c, 'error') <= 1);
  });

  test('the privileged suite: a failure for web, skipped for suppressed pods, a pass elsewhere', () => {
    const suite = suites.find((s) => s.attrs.name === 'privileged-container')!;
    const byName = new Map(suite.children.filter((c) => c.name === 'testcase').map((c) => [c.attrs.name, c]));
    const web = byName.get('Deployment/shop/web')!;
    assert.equal(web.attrs.classname, 'privileged-container');
    assert.equal(web.attrs.file, 'test/fixtures/report/web.yaml');
    const failure = web.children.find((c) => c.name === 'failure')!;
    assert.equal(failure.attrs.message, 'container "app" runs privileged');
    const f = privileged('web');
    assert.ok(failure.text.includes(`test/fixtures/report/web.yaml:${f.line}:${f.column}`));
    assert.ok(failure.text.includes(f.remediation));
    const debug = byName.get('Pod/tools/debug')!;
    assert.match(debug.children[0].attrs.message, /^suppressed: annotation: node debugging \| needs <host> & devices$/);
    assert.equal(byName.get('Pod/billing/batch')!.children[0].name, 'skipped');
    assert.equal(count(byName.get('Pod/billing/legacy')!, 'skipped'), 1);
  });

  test('input errors form their own suite, with <error>', () => {
    const input = suites.find((s) => s.attrs.name === 'kshield.input')!;
    assert.equal(Number(input.attrs.errors), result.errors.length);
    const err = input.children.find((c) => c.name === 'testcase')!.children.find((c) => c.name === 'error')!;
    assert.match(err.attrs.message, /invalid YAML/);
    assert.match(input.children.find((c) => c.name === 'system-out')!.text, /scalar\.yaml:1: note:/);
  });

  test('hostile strings stay well-formed and keep their printable characters', () => {
    const controls = Array.from({ length: 32 }, (_, c) => String.fromCharCode(c)).join('');
    const hostile = `a&b<c>d"e'f ]]> ${controls} \ud800 end`;
    assert.doesNotThrow(() => parseXml(`<?xml version="1.0" encoding="UTF-8"?>\n<r a="${xmlAttr(hostile)}">${xmlText(hostile)}</r>`));
    const el = parseXml(`<?xml version="1.0" encoding="UTF-8"?>\n<r a="${xmlAttr(hostile)}">${xmlText(hostile)}</r>`);
    for (const value of [el.attrs.a, el.text]) {
      assert.ok(value.startsWith(`a&b<c>d"e'f ]]> `), value);
      assert.ok(value.includes('\\u0000') && value.includes('\\u001b'), 'illegal characters are shown escaped');
      assert.ok(value.includes('\ufffd end'), 'a lone surrogate becomes U+FFFD');
    }
    assert.ok(el.attrs.a.includes('\t\n\\u000b\\u000c\r'), 'tab, newline and CR survive in attributes as references');

    // The same through the whole pipeline: hostile object, container and file names, and messages.
    const manifest = `apiVersion: v1
kind: Pod
metadata:
  name: "ev&il<\\"pod\\">'\\x01\\x1b[31m"
  namespace: "n|s"
spec:
  containers:
  - name: "c&<>\\"'\\x00\\x07\\x1f"
    image: nginx:1.27
    securityContext: {privileged: true}
`;
    const odd = scanLoaded(load({ 'dir/we&ird<"\'>\u0007.yaml': manifest }), { only: ['privileged-container'] });
    assert.equal(odd.findings.length, 1, JSON.stringify(odd.errors));
    odd.errors.push({ file: 'x&<>.yaml', line: 2, message: `bad ${controls} & <stuff>` });
    odd.notes.push({ file: 'n.yaml', message: `note ${controls}` });
    const out = reporters.junit(odd, { color: false });
    const parsed = parseXml(out);
    const tc = parsed.children.find((s) => s.attrs.name === 'privileged-container')!.children.find((c) => c.name === 'testcase')!;
    assert.equal(tc.attrs.name, `Pod/n|s/ev&il<"pod">'\\u0001\\u001b[31m`);
    assert.equal(tc.attrs.file, 'dir/we&ird<"\'>\\u0007.yaml');
    assert.match(tc.children[0].attrs.message, /container "c&<>"'\\u0000\\u0007\\u001f" runs privileged/);
    assert.equal(Number(parsed.attrs.errors), 1);
  });
});

describe('markdown', () => {
  const md = reporters.markdown(result, { color: false });

  test('starts with a summary table by severity', () => {
    const lines = md.split('\n');
    assert.match(lines[0], /^## kshield: \d+ findings$/);
    const header = lines.indexOf('| Severity | Findings |');
    assert.ok(header > 0);
    assert.equal(lines[header + 1], '| :-- | --: |');
    for (const [i, sev] of SEVERITIES.entries()) assert.match(lines[header + 2 + i], new RegExp(`^\\| \\S+ ${sev[0].toUpperCase()}${sev.slice(1)} \\| ${result.summary.bySeverity[sev]} \\|$`));
    assert.match(md, /3 findings suppressed\./);
    assert.match(md, /### Input errors\n\n- `test\/fixtures\/report\/broken\.yaml:\d+: error: invalid YAML/);
  });

  test('findings grouped by rule, most severe first, with location and fix', () => {
    const headings = md.split('\n').filter((l) => l.startsWith('### ') && l !== '### Input errors');
    assert.match(headings[0], /Critical: Privileged container \(`privileged-container`\)/);
    const f = privileged('web');
    // allow-privilege-escalation has the same cause (a privileged container cannot turn it off): listed with it.
    assert.ok(md.includes(`| \`test/fixtures/report/web.yaml:${f.line}:${f.column}\` | \`Deployment/shop/web\` | container "app" runs privileged (+1 related: allow-privilege-escalation) |`));
    assert.match(md, /\*\*Fix:\*\* Remove securityContext\.privileged/);
    assert.doesNotMatch(md, /`Pod\/tools\/debug` \| container "shell" runs privileged/, 'suppressed findings are only counted by default');
  });

  test('file:line links with a link base', () => {
    const linked = renderMarkdown(result, { color: false, linkBase: 'https://github.example/o/r/blob/abc123/' });
    const f = privileged('web');
    assert.ok(linked.includes(`[\`test/fixtures/report/web.yaml:${f.line}:${f.column}\`](https://github.example/o/r/blob/abc123/test/fixtures/report/web.yaml#L${f.line})`));
  });

  test('pipes and backticks are escaped so every row keeps its cells', () => {
    const all = reporters.markdown(result, { color: false, showSuppressed: true });
    assert.match(all, /<summary>3 suppressed findings<\/summary>/);
    assert.ok(all.includes('annotation: node debugging \\| needs \\<host\\> &amp; devices'));
    const cells = (row: string) => row.replace(/\\\|/g, '').split('|').length - 2;
    for (const row of all.split('\n').filter((l) => l.startsWith('| '))) {
      const width = cells(row);
      assert.ok(width === 2 || width === 3 || width === 4, row);
    }
    assert.equal(mdCode('a`b|c'), '``a`b\\|c``');
    assert.equal(mdCode('`x`'), '`` `x` ``');
    assert.equal(mdText('a|b *c* [d](e) <img> & `f`\nnext'), 'a\\|b \\*c\\* \\[d\\](e) \\<img\\> &amp; \\`f\\` next');
  });

  test('long reports are cut with a note rather than exceeding the limit', () => {
    const short = renderMarkdown(result, { color: false, maxLength: 1500 });
    assert.ok(short.length < 1800, String(short.length));
    assert.match(short, /_\d+ more findings? not shown/);
    assert.match(short, /\| :-- \| --: \|/, 'the summary is always there');
  });
});
