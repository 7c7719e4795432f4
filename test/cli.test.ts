/** The CLI as a user runs it: a child process, its stdout, stderr, files and exit code. */
import assert from 'node:assert/strict';
import { test, describe, before, after } from 'node:test';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, mkdirSync, rmSync, symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/src/cli/main.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function kshield(args: string[], opts: { cwd?: string; input?: string; env?: Record<string, string> } = {}): Run {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), ...opts.env };
  delete env.FORCE_COLOR;
  if (opts.env?.FORCE_COLOR) env.FORCE_COLOR = opts.env.FORCE_COLOR;
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: opts.cwd ?? dir, input: opts.input ?? '', encoding: 'utf8', env, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;

const PRIVILEGED = `apiVersion: v1
kind: Pod
metadata:
  name: root-pod
  namespace: shop
spec:
  containers:
  - name: app
    image: nginx:1.27
    securityContext:
      privileged: true
`;

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kshield-cli-'));
  mkdirSync(path.join(dir, 'manifests/nested'), { recursive: true });
  writeFileSync(path.join(dir, 'manifests/pod.yaml'), PRIVILEGED);
  writeFileSync(path.join(dir, 'manifests/nested/config.yml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\ndata: {a: b}\n');
  writeFileSync(path.join(dir, 'manifests/nested/notes.txt'), 'not a manifest: [');
  writeFileSync(path.join(dir, 'broken.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('kshield scan', () => {
  test('without paths it is a usage error with a hint', () => {
    const r = kshield(['scan']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nothing to scan.*- to read standard input/);
  });

  test('a privileged pod fails the default --fail-on high and the table points at the field', () => {
    const r = kshield(['scan', 'manifests']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^manifests\/pod\.yaml\n  Pod\/shop\/root-pod\n/m);
    assert.match(r.stdout, /^ +11:7  CRITICAL  container "app" runs privileged  privileged-container$/m);
    assert.match(r.stdout, /privileged-container/);
    assert.doesNotMatch(r.stdout, /\u001b\[/, 'no colours when stdout is not a terminal');
  });

  test('--fail-on none exits 0; --fail-on critical still fails on a critical finding', () => {
    assert.equal(kshield(['scan', 'manifests', '--fail-on', 'none']).code, 0);
    assert.equal(kshield(['scan', 'manifests', '--fail-on', 'critical', '--only', 'privileged-container']).code, 1);
  });

  test('FORCE_COLOR colours the table; NO_COLOR wins over it', () => {
    assert.match(kshield(['scan', 'manifests'], { env: { FORCE_COLOR: '1' } }).stdout, /\u001b\[/);
    assert.doesNotMatch(kshield(['scan', 'manifests'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } }).stdout, /\u001b\[/);
  });

  test('directories are read recursively, only manifest extensions', () => {
    const r = kshield(['scan', 'manifests', '-o', 'json', '--fail-on', 'none']);
    const report = JSON.parse(r.stdout);
    assert.equal(report.summary.files, 2);
    assert.equal(report.summary.resources, 2);
  });

  test('standard input: helm template . | kshield scan -', () => {
    const r = kshield(['scan', '-', '-o', 'json', '--only', 'privileged-container'], { input: PRIVILEGED });
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout);
    assert.equal(report.findings[0].file, '<stdin>');
    assert.equal(report.findings[0].line, 11);
    assert.equal(report.findings[0].path, '/spec/containers/0/securityContext/privileged');
  });

  test('several formats in one run, each to its own file', () => {
    const r = kshield(['scan', 'manifests', '-o', 'json=out/results.json', '-o', 'sarif=out/results.sarif', '-o', 'junit=out/junit.xml', '-o', 'markdown=out/report.md', '-o', 'table']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /privileged-container/);
    const json = JSON.parse(readFileSync(path.join(dir, 'out/results.json'), 'utf8'));
    assert.ok(json.findings.some((f: { rule: string }) => f.rule === 'privileged-container'));
    const sarif = JSON.parse(readFileSync(path.join(dir, 'out/results.sarif'), 'utf8'));
    assert.equal(sarif.version, '2.1.0');
    assert.match(readFileSync(path.join(dir, 'out/junit.xml'), 'utf8'), /<testsuites/);
    assert.match(readFileSync(path.join(dir, 'out/report.md'), 'utf8'), /privileged-container/);
  });

  test('--output-file writes the single format to a file', () => {
    const r = kshield(['scan', 'manifests', '-o', 'json', '--output-file', 'single.json', '--fail-on', 'none']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '');
    assert.ok(JSON.parse(readFileSync(path.join(dir, 'single.json'), 'utf8')).findings.length > 0);
  });

  test('two formats to standard output is a usage error', () => {
    const r = kshield(['scan', 'manifests', '-o', 'json', '-o', 'sarif']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /only one format can go to standard output/);
  });

  test('unknown format, rule and severity are usage errors', () => {
    assert.equal(kshield(['scan', 'manifests', '-o', 'yaml']).code, 2);
    const unknownRule = kshield(['scan', 'manifests', '--only', 'no-such-rule']);
    assert.equal(unknownRule.code, 2);
    assert.match(unknownRule.stderr, /unknown rule id or tag "no-such-rule"/);
    assert.equal(kshield(['scan', 'manifests', '--fail-on', 'severe']).code, 2);
  });

  test('a configuration with several problems names every one, each with its line, in one run', () => {
    writeFileSync(
      path.join(dir, 'several.yaml'),
      'disable:\n  - privileged-containr\nseverity:\n  no-such-rule: high\nexemptions:\n  - rules: [host-netwrk]\n    expires: 2020-02-31\n    reason: r\n    owner: o\n',
    );
    const r = kshield(['scan', 'manifests', '--config', 'several.yaml']);
    assert.equal(r.code, 2);
    assert.deepEqual(r.stderr.trimEnd().split('\n'), [
      'kshield: error: several.yaml:2: disable[0]: unknown rule id or tag "privileged-containr"; did you mean "privileged-container"?',
      'kshield: error: several.yaml:4: severity: unknown rule id "no-such-rule"',
      'kshield: error: several.yaml:6: exemptions[0].rules[0]: unknown rule id or tag "host-netwrk"; did you mean "host-network"?',
      'kshield: error: several.yaml:7: exemptions[0].expires: "2020-02-31" is not a real date',
    ]);
    // Schema problems of different keys are named together too.
    writeFileSync(path.join(dir, 'schema.yaml'), 'failOn: severe\nseverity:\n  run-as-non-root: hgh\n');
    const schema = kshield(['scan', 'manifests', '--config', 'schema.yaml']);
    assert.equal(schema.code, 2);
    assert.equal(schema.stderr.trimEnd().split('\n').length, 2, schema.stderr);
    assert.match(schema.stderr, /schema\.yaml:1: failOn: must be one of/);
    assert.match(schema.stderr, /schema\.yaml:3: severity\.run-as-non-root: must be one of .*did you mean "high"\?/);
  });

  test('a broken file is an error with file and line, the rest is still scanned, exit 2', () => {
    const r = kshield(['scan', 'broken.yaml', 'manifests', '-o', 'json']);
    assert.equal(r.code, 2);
    const report = JSON.parse(r.stdout);
    assert.equal(report.errors.length, 1);
    assert.equal(report.errors[0].file, 'broken.yaml');
    assert.equal(typeof report.errors[0].line, 'number');
    assert.ok(report.findings.some((f: { rule: string }) => f.rule === 'privileged-container'));
    assert.match(r.stderr, /broken\.yaml:\d+: error: invalid YAML/);
  });

  test('a missing path is an error, other paths still scanned', () => {
    const r = kshield(['scan', 'nope.yaml', 'manifests', '-o', 'json']);
    assert.equal(r.code, 2);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.errors, [{ file: 'nope.yaml', message: 'no such file or directory' }]);
    assert.ok(report.findings.length > 0);
  });

  test('--max-file-size caps what is read', () => {
    const r = kshield(['scan', 'manifests', '--max-file-size', '100B', '-o', 'json']);
    assert.equal(r.code, 2);
    assert.match(JSON.parse(r.stdout).errors[0].message, /over the 100 bytes limit/);
  });

  test('empty standard input is an error: the command before the pipe probably failed', () => {
    const r = kshield(['scan', '-'], { input: '' });
    assert.equal(r.code, 2);
    assert.match(r.stdout, /standard input is empty/);
  });

  test('blank standard input and a directory without manifests are errors, not clean scans', () => {
    const blank = kshield(['scan', '-'], { input: '\n   \n\t\n' });
    assert.equal(blank.code, 2);
    assert.match(blank.stdout + blank.stderr, /standard input is empty/);
    mkdirSync(path.join(dir, 'no-manifests'), { recursive: true });
    writeFileSync(path.join(dir, 'no-manifests/readme.txt'), 'nothing here');
    const empty = kshield(['scan', 'no-manifests', 'manifests']);
    assert.equal(empty.code, 2);
    assert.match(empty.stdout, /no-manifests: error: no manifests \(\*\.yaml, \*\.yml, \*\.json\), Dockerfiles or lockfiles in this directory/);
    assert.match(empty.stdout, /privileged-container/, 'the other path is still scanned');
  });

  test('a report that cannot be written is an error naming it; the other reports are written; no hang', () => {
    writeFileSync(path.join(dir, 'a-file'), 'x');
    mkdirSync(path.join(dir, 'out-dir-as-target'), { recursive: true });
    const r = kshield(['scan', 'manifests', '-o', 'json=out-dir-as-target', '-o', 'sarif=a-file/x/r.sarif', '-o', 'markdown=made/on/the/way/r.md', '-o', 'table=/proc/no-such-dir/t.txt', '--fail-on', 'none']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot write the json report to out-dir-as-target: it is a directory/);
    assert.match(r.stderr, /cannot write the sarif report to a-file\/x\/r\.sarif: a part of the path is (a file, )?not a directory/);
    assert.match(r.stderr, /cannot write the table report to \/proc\/no-such-dir\/t\.txt: cannot create the directory \/proc\/no-such-dir/);
    assert.match(readFileSync(path.join(dir, 'made/on/the/way/r.md'), 'utf8'), /privileged-container/);
    assert.doesNotMatch(r.stderr, /internal error|    at /);
    const baseline = kshield(['scan', 'manifests', '--write-baseline', '/proc/no-such-dir/b.json']);
    assert.equal(baseline.code, 2);
    assert.match(baseline.stderr, /cannot write the baseline to \/proc\/no-such-dir\/b\.json/);
  });

  test('a reader that closes the pipe early ends the output quietly', () => {
    for (const format of ['json', 'sarif', 'junit', 'table']) {
      const r = spawnSync('sh', ['-c', `"${process.execPath}" "${cli}" scan manifests -o ${format} --fail-on none 2>err.txt | head -c 5 >/dev/null; echo $(cat err.txt)`], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.stdout.trim(), '', `${format}: nothing on standard error`);
    }
  });

  test('selecting no rules at all is a usage error', () => {
    const r = kshield(['scan', 'manifests', '--only', 'privileged-container', '--skip', 'privileged-container']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no rules left to run/);
  });

  test('an automatically found .kshield.yaml is reported by its relative path', () => {
    const sub = path.join(dir, 'expired-config');
    mkdirSync(sub, { recursive: true });
    writeFileSync(path.join(sub, '.kshield.yaml'), 'exemptions:\n  - rules: [privileged-container]\n    reason: r\n    owner: o\n    expires: "2020-01-01"\n');
    const r = kshield(['scan', '../manifests', '-o', 'json', '--fail-on', 'none'], { cwd: sub });
    const expired = JSON.parse(r.stdout).findings.find((f: { rule: string }) => f.rule === 'exemption-expired');
    assert.equal(expired.file, '.kshield.yaml');
    assert.equal(expired.line, 5);
  });

  test('a device or a named FIFO is refused at once, never read (new-user trial: a FIFO blocked forever)', () => {
    const r = kshield(['scan', '/dev/zero', '--max-file-size', '64KiB']);
    assert.equal(r.code, 2);
    assert.match(r.stdout, /^\/dev\/zero: error: not a regular file \(character device\); not read: name a regular file, or pipe the data to standard input \(kshield scan -\)$/m);
    const fifoDir = path.join(dir, 'fifo');
    mkdirSync(fifoDir, { recursive: true });
    execFileSync('mkfifo', [path.join(fifoDir, 'pipe.yaml')]);
    writeFileSync(path.join(fifoDir, 'ok.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok, namespace: x}\n');
    // Named: an error naming the file (the run used to block on opening it until killed).
    const named = kshield(['scan', path.join(fifoDir, 'pipe.yaml'), path.join(fifoDir, 'ok.yaml')]);
    assert.equal(named.code, 2, named.stdout + named.stderr);
    assert.match(named.stdout, /fifo\/pipe\.yaml: error: not a regular file \(FIFO\); not read/);
    assert.match(named.stdout, /1 resource in 1 file scanned; 1 input error/);
    // Met in a directory: a note, and the rest is scanned.
    const walked = kshield(['scan', fifoDir]);
    assert.equal(walked.code, 0, walked.stdout + walked.stderr);
    assert.match(walked.stdout, /fifo\/pipe\.yaml: note: not a regular file \(FIFO\); not read$/m);
  });

  test('a pipe the shell hands over (/dev/stdin) is still read, with the same cap', () => {
    // Through a shell pipe, as a user runs it (Node's own stdin for a child is a socket, which /dev/stdin cannot open).
    const r = spawnSync('sh', ['-c', 'printf "%4096s" x | "$0" "$1" scan /dev/stdin --max-file-size 1KiB', process.execPath, cli], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /\/dev\/stdin: error: input is larger than the 1 KiB limit/);
  });

  test('.kshield.yaml in the working directory is used; --config overrides; a bad config is exit 2 with file:line', () => {
    const sub = path.join(dir, 'with-config');
    mkdirSync(sub, { recursive: true });
    writeFileSync(path.join(sub, '.kshield.yaml'), 'disable: [privileged-container]\n');
    const clean = kshield(['scan', '../manifests', '-o', 'json'], { cwd: sub });
    assert.ok(!JSON.parse(clean.stdout).findings.some((f: { rule: string }) => f.rule === 'privileged-container'));
    writeFileSync(path.join(dir, 'bad-config.yaml'), 'failOn: high\nexemptions:\n  - rules: [privileged-container]\n    owner: me\n');
    const bad = kshield(['scan', 'manifests', '--config', 'bad-config.yaml']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /bad-config\.yaml:3: exemptions\[0\]: missing required key "reason"/);
  });

  test('inline suppression and --no-inline-suppressions', () => {
    writeFileSync(
      path.join(dir, 'ignored.yaml'),
      PRIVILEGED.replace('  namespace: shop\n', '  namespace: shop\n  annotations:\n    kshield.io/ignore: privileged-container\n    kshield.io/ignore-reason: lab only\n'),
    );
    const r = kshield(['scan', 'ignored.yaml', '--only', 'privileged-container', '-o', 'json']);
    assert.equal(r.code, 0);
    const f = JSON.parse(r.stdout).findings[0];
    assert.equal(f.suppressed, true);
    assert.equal(kshield(['scan', 'ignored.yaml', '--only', 'privileged-container', '--no-inline-suppressions']).code, 1);
  });

  test('--write-baseline then --baseline reports only new findings', () => {
    const w = kshield(['scan', 'manifests', '--write-baseline', 'baseline.json']);
    assert.equal(w.code, 0);
    assert.match(w.stderr, /wrote baseline of \d+ finding/);
    assert.equal(kshield(['scan', 'manifests', '--baseline', 'baseline.json', '--fail-on', 'info']).code, 0);
    writeFileSync(path.join(dir, 'manifests/new.yaml'), PRIVILEGED.replace('root-pod', 'another-pod'));
    const r = kshield(['scan', 'manifests', '--baseline', 'baseline.json', '-o', 'json', '--only', 'privileged-container']);
    rmSync(path.join(dir, 'manifests/new.yaml'));
    assert.equal(r.code, 1);
    const active = JSON.parse(r.stdout).findings.filter((f: { suppressed: boolean }) => !f.suppressed);
    assert.deepEqual(active.map((f: { resource: { name: string } }) => f.resource.name), ['another-pod']);
    const badBaseline = kshield(['scan', 'manifests', '--baseline', 'manifests/pod.yaml']);
    assert.equal(badBaseline.code, 2);
    assert.match(badBaseline.stderr, /not valid JSON|not a kshield baseline/);
  });
});

describe('other commands', () => {
  test('kshield rules lists the catalogue as a table and as JSON', () => {
    const t = kshield(['rules']);
    assert.equal(t.code, 0);
    assert.match(t.stdout, /privileged-container\s+critical/);
    const j = JSON.parse(kshield(['rules', '-o', 'json']).stdout);
    const rule = j.find((r: { id: string }) => r.id === 'privileged-container');
    assert.deepEqual(Object.keys(rule).sort(), ['category', 'description', 'enabledByDefault', 'frameworks', 'id', 'references', 'remediation', 'severity', 'tags', 'title', 'appliesTo'].sort());
    // --tag lists exactly the rules carrying the tag, in the table as in JSON.
    const tagged = j.filter((r: { tags: string[] }) => r.tags.includes('pss-restricted')).map((r: { id: string }) => r.id);
    assert.ok(tagged.includes('run-as-non-root') && !tagged.includes('host-network'));
    const byTag = kshield(['rules', '--tag', 'pss-restricted']);
    assert.equal(byTag.code, 0);
    const listedIds = byTag.stdout.split('\n').slice(1).map((l) => l.split(/\s+/)[0]).filter((id) => /^[a-z][a-z0-9-]*$/.test(id));
    assert.deepEqual(listedIds.sort(), [...tagged].sort());
    assert.match(byTag.stdout, new RegExp(`\\n${tagged.length} rules\\.`));
  });

  test('kshield explain prints a rule with examples; unknown ids are usage errors', () => {
    const r = kshield(['explain', 'privileged-container']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /privileged-container — /);
    assert.match(r.stdout, /How to fix it/);
    assert.match(r.stdout, /Flagged, for example:/);
    // It names the rule's generated page, which exists.
    const docs = /^Docs: +(docs\/rules\/privileged-container\.md)$/m.exec(r.stdout);
    assert.ok(docs && existsSync(path.join(root, docs[1])), r.stdout);
    const bad = kshield(['explain', 'privileged']);
    assert.equal(bad.code, 2);
    // The one suggester (src/core/suggest.ts): a shortened id finds the full ones.
    assert.match(bad.stderr, /unknown rule "privileged"; did you mean "privileged-container" or "privileged-container-port"\?/);
  });

  test('kshield exemptions audit lists unused and expired exemptions', () => {
    writeFileSync(
      path.join(dir, 'audit.yaml'),
      'exemptions:\n  - rules: [privileged-container]\n    reason: r\n    owner: team-a\n    expires: "2020-01-01"\n  - rules: [privileged-container]\n    names: [nothing-matches]\n    reason: r\n    owner: team-b\n' +
        '  - rules: [privileged-container]\n    names: [nothing-either]\n    reason: r\n    owner: team-c\n    expires: "2999-12-31"\n',
    );
    const r = kshield(['exemptions', 'audit', 'manifests', '--config', 'audit.yaml']);
    assert.equal(r.code, 1);
    // Expired: at `expires:`, the line to change. Unused: at the start of the item, even when it has `expires:`.
    assert.match(r.stdout, /^audit\.yaml:5: expired on 2020-01-01: exemptions\[0\]/m);
    assert.match(r.stdout, /^audit\.yaml:6: matched no finding: exemptions\[1\]/m);
    assert.match(r.stdout, /^audit\.yaml:10: matched no finding: exemptions\[2\] for privileged-container \(owner team-c\)/m);
    const json = JSON.parse(kshield(['exemptions', 'audit', 'manifests', '--config', 'audit.yaml', '-o', 'json']).stdout);
    assert.deepEqual(
      json.problems.map((p: { index: number; line: number; problem: string }) => `${p.index} ${p.line} ${p.problem}`),
      ['0 5 expired', '1 6 unused', '2 10 unused'],
    );
  });

  test('--version and --help exit 0', () => {
    assert.match(kshield(['--version']).stdout, /^\d+\.\d+\.\d+/);
    const h = kshield(['--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /scan/);
  });

  test('as a kubectl plugin the program calls itself "kubectl kshield"', () => {
    const link = path.join(dir, 'kubectl-kshield');
    if (!existsSync(link)) symlinkSync(cli, link);
    const r = spawnSync(process.execPath, [link, '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 0);
    assert.match(r.stdout, /Usage: kubectl kshield/);
  });

  test('an unknown command is a usage error', () => {
    assert.equal(kshield(['scna']).code, 2);
  });
});
