/**
 * `kshield report` and `kshield attest` as a user runs them: results of scan and node read back,
 * a scan run by the command itself, every framework written in every format, bad input named,
 * attestations recorded, counted, expired, listed and revoked.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Ajv } from 'ajv';
import { HARDENED, INSECURE, kshield, root } from './support/cli.js';
import { prepareNodeFixture } from './support/node-fixtures.js';
import { loadFrameworks } from '../src/compliance/frameworks.js';
import { FRAMEWORK_NAMES } from '../src/compliance/select.js';
import { CSV_COLUMNS } from '../src/report/compliance.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kshield-report-'));
const at = (name: string): string => path.join(tmp, name);
const schema = JSON.parse(readFileSync(path.join(root, 'schema/compliance-report.schema.json'), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);
const { frameworks } = await loadFrameworks();

interface Control {
  id: string;
  status: string;
  reason: string;
  evidence: { ref: string; status: string; findings?: { rule: string; file?: string; line?: number }[]; accepted?: unknown[] }[];
  attestation?: { by: string };
  expiredAttestation?: { by: string };
}
interface Report {
  framework: string;
  version: string;
  controls: Control[];
  sections: { id: string; score: number | null; pass: number; fail: number; manual: number; notAssessed: number }[];
  overall: { score: number | null; pass: number; fail: number; total: number; attested: number };
  formula: string;
  inputs: { command: string }[];
  notes: string[];
}
const control = (r: Report, id: string): Control => {
  const c = r.controls.find((x) => x.id === id);
  assert.ok(c, `control ${id} in ${r.framework}`);
  return c;
};
function jsonReport(args: string[]): { report: Report; code: number | null; stderr: string } {
  const r = kshield(['report', ...args, '-o', 'json', '--attestations', at('none.json')]);
  assert.equal(r.stderr.includes('internal error'), false, r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  assert.ok(validate(report), JSON.stringify(validate.errors?.slice(0, 3)));
  return { report, code: r.code, stderr: r.stderr };
}

/** RFC 4180 reader (quoted cells, doubled quotes, line breaks inside quotes), to check what an auditor's spreadsheet reads. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell), rows.push(row), (row = []), (cell = ''), i++;
    } else cell += c;
  }
  assert.equal(quoted, false, 'an unterminated quoted cell');
  if (cell || row.length) row.push(cell), rows.push(row);
  return rows;
}

before(() => {
  assert.equal(kshield(['scan', INSECURE, '-o', `json=${at('insecure.json')}`]).code, 1);
  kshield(['scan', HARDENED, '-o', `json=${at('hardened.json')}`]);
  assert.ok(existsSync(at('hardened.json')));
  prepareNodeFixture('insecure', at('node-insecure'));
  prepareNodeFixture('hardened', at('node-hardened'));
  assert.equal(kshield(['node', '--root', at('node-insecure'), '-o', `json=${at('node-insecure.json')}`]).code, 1);
  kshield(['node', '--root', at('node-hardened'), '-o', `json=${at('node-hardened.json')}`]);
  assert.ok(existsSync(at('node-hardened.json')));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('kshield report from results', () => {
  test('a failing control lists the findings behind it with file and line; node sections stay not assessed without a node result', () => {
    const { report, code } = jsonReport(['--framework', 'cis', at('insecure.json')]);
    assert.equal(code, 1, 'a failing control exits 1');
    assert.equal(report.framework, 'cis-kubernetes');
    assert.equal(report.version, '2.0', 'the newest CIS version by default');
    const wildcards = control(report, '5.1.3');
    assert.equal(wildcards.status, 'fail');
    const finding = wildcards.evidence.flatMap((e) => e.findings ?? []).find((f) => f.rule === 'rbac-wildcard-verbs');
    assert.ok(finding && finding.file?.endsWith('examples/ecommerce/insecure/node-agent.yaml') && typeof finding.line === 'number' && finding.line > 0, JSON.stringify(finding));
    for (const id of ['1.1.1', '1.2.1', '2.1', '4.2.1']) assert.equal(control(report, id).status, 'not-assessed', id);
    assert.equal(report.sections.find((s) => s.id === '1.1')?.score, null);
    assert.equal(control(report, '5.1.7').status, 'manual');
  });

  test('with the node result the node sections are judged: the insecure node fails, the hardened node passes', () => {
    const insecure = jsonReport(['--framework', 'cis', at('insecure.json'), at('node-insecure.json')]).report;
    assert.equal(control(insecure, '1.2.1').status, 'fail');
    const hardened = jsonReport(['--framework', 'cis', at('hardened.json'), at('node-hardened.json')]).report;
    assert.equal(control(hardened, '1.2.1').status, 'pass');
    assert.equal(control(hardened, '1.1.1').status, 'pass');
    // CIS 1.12 renumbered section 1.2 after 1.2.11: its 1.2.12 is the node check 1.2.13.
    const v112 = jsonReport(['--framework', 'cis', '--framework-version', '1.12', at('hardened.json'), at('node-hardened.json')]).report;
    assert.equal(v112.version, '1.12');
    assert.deepEqual(control(v112, '1.2.12').evidence.map((e) => e.ref), ['node:1.2.13', 'rule:control-plane-insecure-flag']);
    assert.equal(control(v112, '1.2.12').status, 'pass');
  });

  test('a scan of only Deployments says nothing about RBAC: those controls are not assessed, never pass', () => {
    writeFileSync(
      at('deploy-only.yaml'),
      `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: registry.example/web@sha256:${'a'.repeat(64)}
`,
    );
    const { report } = jsonReport(['--framework', 'cis', at('deploy-only.yaml')]);
    assert.deepEqual(report.inputs.map((i) => i.command), ['scan']);
    const wildcards = control(report, '5.1.3');
    assert.equal(wildcards.status, 'not-assessed');
    assert.match(wildcards.evidence[0].status, /not-assessed/);
    assert.equal(control(report, '5.2.2').status, 'pass', 'the Deployment was judged for privileged containers and has none');
  });

  test('an exempted finding is accepted risk: listed, not failing; a baselined one still fails', () => {
    writeFileSync(
      at('priv.yaml'),
      `apiVersion: v1
kind: Pod
metadata:
  name: agent
  namespace: ops
  annotations:
    kshield.io/ignore: privileged-container
    kshield.io/ignore-reason: the CNI agent programs the host network
spec:
  containers:
    - { name: agent, image: "registry.example/agent@sha256:${'b'.repeat(64)}", securityContext: { privileged: true } }
`,
    );
    const accepted = jsonReport(['--framework', 'pss', at('priv.yaml')]).report;
    const priv = control(accepted, 'baseline/privileged-containers');
    assert.equal(priv.status, 'pass');
    assert.equal(priv.evidence[0].accepted?.length, 1);
    const table = kshield(['report', '--framework', 'pss', at('priv.yaml'), '--attestations', at('none.json')]);
    assert.match(table.stdout, /1 accepted \(suppressed\) finding not counted/);

    kshield(['scan', at('priv.yaml'), '--no-inline-suppressions', '--write-baseline', at('baseline.json')]);
    kshield(['scan', at('priv.yaml'), '--no-inline-suppressions', '--baseline', at('baseline.json'), '-o', `json=${at('baselined.json')}`]);
    const baselined = jsonReport(['--framework', 'pss', at('baselined.json')]).report;
    assert.equal(control(baselined, 'baseline/privileged-containers').status, 'fail');
  });

  test('--pss-version picks the Pod Security Standards file of that policy version', () => {
    assert.equal(jsonReport(['--framework', 'pss', '--pss-version', 'v1.30', at('hardened.json')]).report.version, 'v1.23');
    assert.equal(jsonReport(['--framework', 'pss', '--pss-version', 'v1.34', at('hardened.json')]).report.version, 'v1.34');
    assert.equal(jsonReport(['--framework', 'pss', at('hardened.json')]).report.version, 'v1.35');
    const old = kshield(['report', '--framework', 'pss', '--pss-version', 'v1.10', at('hardened.json')]);
    assert.equal(old.code, 2);
    assert.match(old.stderr, /v1\.10 is older than the oldest policy version kshield has \(v1\.23\)/);
  });

  test('a result written with --min-severity passes no rule it may have hidden findings of', () => {
    kshield(['scan', INSECURE, '--min-severity', 'high', '-o', `json=${at('high.json')}`]);
    const { report } = jsonReport(['--framework', 'cis', at('high.json')]);
    assert.ok(report.notes.some((n) => n.includes('--min-severity high')), report.notes.join('\n'));
    // default-service-account (low) findings were left out: 5.1.5 cannot pass from this result.
    assert.notEqual(control(report, '5.1.5').status, 'pass');
  });
});

describe('every framework in every format', () => {
  const names = Object.keys(FRAMEWORK_NAMES);
  for (const name of names) {
    const versions = frameworks.filter((f) => f.framework === FRAMEWORK_NAMES[name]).map((f) => f.version);
    for (const version of versions)
      test(`${name} ${version}: table, json, markdown, csv and html`, () => {
        const base = at(`${name}-${version}`);
        const r = kshield([
          'report',
          '--framework',
          name,
          '--framework-version',
          version,
          at('insecure.json'),
          at('node-insecure.json'),
          '--attestations',
          at('none.json'),
          '-o',
          `table=${base}.txt`,
          '-o',
          `json=${base}.json`,
          '-o',
          `markdown=${base}.md`,
          '-o',
          `csv=${base}.csv`,
          '-o',
          `html=${base}.html`,
        ]);
        assert.ok(r.code === 0 || r.code === 1, r.stderr);
        const fw = frameworks.find((f) => f.framework === FRAMEWORK_NAMES[name] && f.version === version)!;
        const json = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as Report;
        assert.ok(validate(json), JSON.stringify(validate.errors?.slice(0, 3)));
        assert.equal(json.controls.length, fw.controls.length);
        assert.equal(json.overall.total, fw.controls.length);
        const table = readFileSync(`${base}.txt`, 'utf8');
        assert.match(table, new RegExp(`^${fw.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
        assert.match(table, /\nOverall: /);
        const md = readFileSync(`${base}.md`, 'utf8');
        assert.ok(md.startsWith(`# ${fw.title}`), md.slice(0, 80));
        for (const s of fw.sections) assert.ok(md.includes(`\n## ${s.id} `), `markdown section ${s.id}`);
        const rows = parseCsv(readFileSync(`${base}.csv`, 'utf8'));
        assert.deepEqual(rows[0], [...CSV_COLUMNS]);
        assert.equal(rows.length, fw.controls.length + 1, 'one row per control');
        assert.deepEqual(
          rows.slice(1).map((row) => row[4]),
          fw.controls.map((c) => c.id),
        );
        for (const row of rows) assert.equal(row.length, CSV_COLUMNS.length);
        // One self-contained page naming every control (its rendering is tested in Chromium by test/html-report.test.ts).
        const html = readFileSync(`${base}.html`, 'utf8');
        assert.match(html, /^<!doctype html>/i);
        const missing = fw.controls.filter((c) => !html.includes(c.id.replace(/&/g, '&amp;')));
        assert.deepEqual(missing.map((c) => c.id), []);
      });
  }
});

describe('bad input is named', () => {
  test('not JSON, not a result, a wrong format, too large, a directory, missing', () => {
    writeFileSync(at('broken.json'), '{\n  "version": "1",\n  "format": 2,\n  oops\n}\n');
    let r = kshield(['report', '--framework', 'cis', at('broken.json')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`${at('broken.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON \\(line 4\\)`));

    writeFileSync(at('other.json'), JSON.stringify({ hello: 'world' }));
    r = kshield(['report', '--framework', 'cis', '--results', at('other.json')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /other\.json: not a kshield result: expected the JSON of kshield scan, cluster, node, probe or image/);

    const old = JSON.parse(readFileSync(at('insecure.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(at('format1.json'), JSON.stringify({ ...old, format: 1 }, null, 2));
    r = kshield(['report', '--framework', 'cis', at('format1.json')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /format1\.json: JSON report format 1; this kshield reads format 2/);

    writeFileSync(at('badfinding.json'), JSON.stringify({ ...old, findings: [{ rule: 'x', severity: 'urgent', message: 'm' }] }, null, 2));
    r = kshield(['report', '--framework', 'cis', at('badfinding.json')]);
    assert.match(r.stderr, /badfinding\.json: findings\[0\]\.severity "urgent" is not one of critical, high, medium, low, info/);

    r = kshield(['report', '--framework', 'cis', at('insecure.json'), '--max-result-size', '1KiB']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /insecure\.json: \d+ bytes, larger than the 1024-byte limit for a result file/);

    r = kshield(['report', '--framework', 'cis', '--results', tmp]);
    assert.match(r.stderr, /is a directory, not a JSON result/);
    r = kshield(['report', '--framework', 'cis', '--results', at('missing.json')]);
    assert.match(r.stderr, /missing\.json: no such file/);

    r = kshield(['report', '--framework', 'owsap', at('insecure.json')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown framework "owsap"; did you mean "owasp"/);
    r = kshield(['report', '--framework', 'cis', '--framework-version', '1.9', at('insecure.json')]);
    assert.match(r.stderr, /cis-kubernetes has no version "1\.9".*versions: 1\.12, 2\.0/);
    r = kshield(['report', '--framework', 'cis']);
    assert.match(r.stderr, /nothing to report on/);
    r = kshield(['report', '--framework', 'cis', at('insecure.json'), '-o', 'sarif']);
    assert.match(r.stderr, /unknown output format "sarif".*one of: table, json, markdown, csv/);
  });

  test('a Kubernetes JSON manifest given among the inputs is scanned, not read as a result', () => {
    writeFileSync(at('pod.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'a' }, spec: { hostPID: true, containers: [{ name: 'c', image: 'x' }] } }));
    const { report } = jsonReport(['--framework', 'pss', at('pod.json')]);
    assert.deepEqual(report.inputs.map((i) => i.command), ['scan']);
    assert.equal(control(report, 'baseline/host-namespaces').status, 'fail');
    const r = kshield(['report', '--framework', 'pss', '--results', at('pod.json')]);
    assert.match(r.stderr, /pod\.json: a Kubernetes Pod, not a kshield result \(give it without --results to scan it\)/);
  });
});

describe('kshield attest', () => {
  const file = at('attestations.json');
  const attest = (...args: string[]) => kshield(['attest', ...args, '--attestations', file]);

  test('refuses unknown controls, automated ones, past or far expiries, credentials in the evidence', () => {
    let r = attest('5.1.77', '--framework', 'cis', '--by', 'Ana', '--evidence', 'x', '--expires', '90d');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no control "5\.1\.77" in CIS Kubernetes Benchmark v2\.0; did you mean "5\.1\.7"/);
    r = attest('5.1.3', '--framework', 'cis', '--by', 'Ana', '--evidence', 'x', '--expires', '90d');
    assert.match(r.stderr, /control "5\.1\.3" is automated: kshield judges it from rule:rbac-wildcard-verbs/);
    r = attest('5.1.7', '--framework', 'cis', '--by', 'Ana', '--evidence', 'x', '--expires', '2020-01-01');
    assert.match(r.stderr, /--expires: 2020-01-01 is not in the future/);
    r = attest('5.1.7', '--framework', 'cis', '--by', 'Ana', '--evidence', 'x', '--expires', '10y');
    assert.match(r.stderr, /--expires: at most 3 years ahead/);
    r = attest('5.1.7', '--framework', 'cis', '--by', 'Ana', '--evidence', 'token ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8', '--expires', '90d');
    assert.match(r.stderr, /--evidence looks like it holds a credential/);
    r = attest('K99', '--by', 'Ana', '--evidence', 'x', '--expires', '90d');
    assert.match(r.stderr, /no control "K99" in any framework/);
    assert.equal(existsSync(file), false, 'nothing was written');
  });

  test('an attestation counts in the report until it expires, then the report says expired; list and revoke', () => {
    let r = attest('5.1.7', '--framework', 'cis', '--by', '=HYPERLINK("http://evil")', '--evidence', 'https://wiki.example/certs-review', '--expires', '90d');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /attested cis-kubernetes@2\.0:5\.1\.7 \(The system:masters group is not used\): pass by =HYPERLINK/);
    let report = JSON.parse(kshield(['report', '--framework', 'cis', at('insecure.json'), '--attestations', file, '-o', 'json']).stdout) as Report;
    assert.equal(control(report, '5.1.7').status, 'pass');
    assert.equal(report.overall.attested, 1);
    // The same control id of CIS 1.12 is another control: not answered by it.
    const v112 = JSON.parse(kshield(['report', '--framework', 'cis', '--framework-version', '1.12', at('insecure.json'), '--attestations', file, '-o', 'json']).stdout) as Report;
    assert.equal(control(v112, '5.1.7').status, 'manual');

    // For auditors: the formula cell is text in a spreadsheet.
    const csv = parseCsv(kshield(['report', '--framework', 'cis', at('insecure.json'), '--attestations', file, '-o', 'csv']).stdout);
    const row = csv.find((x) => x[4] === '5.1.7')!;
    assert.equal(row[CSV_COLUMNS.indexOf('attested by')], `'=HYPERLINK("http://evil")`);

    r = attest('--list');
    assert.match(r.stdout, /cis-kubernetes@2\.0:5\.1\.7 {2}PASS {2}until \d{4}-\d{2}-\d{2} {2}by =HYPERLINK/);

    // The same answer, expired: it stops counting and the report says so.
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { attestations: { expires: string; at: string }[] };
    stored.attestations[0].at = '2024-01-01T00:00:00.000Z';
    stored.attestations[0].expires = '2024-06-30T23:59:59.000Z';
    writeFileSync(file, JSON.stringify(stored));
    report = JSON.parse(kshield(['report', '--framework', 'cis', at('insecure.json'), '--attestations', file, '-o', 'json']).stdout) as Report;
    assert.equal(control(report, '5.1.7').status, 'manual');
    assert.equal(control(report, '5.1.7').expiredAttestation?.by, '=HYPERLINK("http://evil")');
    const table = kshield(['report', '--framework', 'cis', at('insecure.json'), '--attestations', file]).stdout;
    assert.match(table, /expired: attestation by =HYPERLINK\("http:\/\/evil"\) expired 2024-06-30/);
    assert.match(attest('--list').stdout, /EXPIRED 2024-06-30/);

    r = attest('cis@2.0:5.1.7', '--revoke');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /revoked 1 attestation of cis-kubernetes@2\.0:5\.1\.7/);
    assert.match(attest('--list').stdout, /no attestations in/);
    assert.match(attest('cis@2.0:5.1.7', '--revoke').stderr, /no attestation of cis-kubernetes@2\.0:5\.1\.7/);
  });

  test('an automated control kshield has no check for can be attested (a person is the only one who can answer)', () => {
    const r = attest('5.1.9', '--framework', 'cis', '--by', 'Ana', '--evidence', 'PV creation reviewed in RBAC audit', '--expires', '2y', '--status', 'fail');
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(kshield(['report', '--framework', 'cis', at('insecure.json'), '--attestations', file, '-o', 'json']).stdout) as Report;
    assert.equal(control(report, '5.1.9').status, 'fail');
  });

  test('a broken attestations file is named', () => {
    writeFileSync(at('bad-att.json'), JSON.stringify({ kind: 'kshield-attestations', version: 1, attestations: [{ control: 'x', status: 'maybe' }] }));
    const r = kshield(['report', '--framework', 'cis', at('insecure.json'), '--attestations', at('bad-att.json')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad-att\.json: attestations\[0\]\.by must be a non-empty string/);
  });
});
