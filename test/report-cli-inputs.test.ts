/**
 * What a new user tripped on in `kshield report` and `kshield attest` (round 6 trial): the JSON of
 * another kshield command given as an input, the --max-file-size the scan's error asks for, a
 * broken attestations file's line, a credential written into the file by hand, and --list saying
 * which answer counts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { kshield } from './support/cli.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kshield-report-inputs-'));
const at = (name: string): string => path.join(tmp, name);
const none = at('no-attestations.json');

const POD = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'a' }, spec: { hostPID: true, containers: [{ name: 'c', image: 'x' }] } };
const IN_A_YEAR = new Date(Date.now() + 365 * 86_400_000).toISOString();

describe('kshield report: inputs that are not what report reads', () => {
  test('the JSON report of kshield report itself is refused up front, naming what it is, not scanned into an empty report', () => {
    writeFileSync(at('pod.json'), JSON.stringify(POD));
    const first = kshield(['report', '--framework', 'pss', at('pod.json'), '-o', `json=${at('compliance.json')}`, '--attestations', none, '--fail-on', 'none']);
    assert.equal(first.code, 0, first.stderr);
    const r = kshield(['report', '--framework', 'cis', at('compliance.json'), '--attestations', none]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '', 'no report of nothing is printed before the error');
    assert.match(r.stderr, /compliance\.json: the JSON of kshield report \(a compliance report of pss\), not a result: give the scan, cluster, node, probe or image results it was made from/);
  });

  test('the JSON of another command (netpol reach) is named as not a result instead of "nothing to scan"', () => {
    writeFileSync(at('reach.json'), JSON.stringify({ connections: [{ src: 'a/Deployment/x', dst: '0.0.0.0/0', ports: 'all' }] }));
    const r = kshield(['report', '--framework', 'cis', at('reach.json'), '--attestations', none]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /reach\.json: not a kshield result: expected the JSON of kshield scan, cluster, node, probe or image/);
    assert.doesNotMatch(r.stderr, /nothing to scan/);
  });

  test('an attestations file given as an input says to pass it with --attestations', () => {
    writeFileSync(at('att-as-input.json'), JSON.stringify({ kind: 'kshield-attestations', version: 1, attestations: [] }));
    const r = kshield(['report', '--framework', 'cis', at('att-as-input.json'), '--attestations', none]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /att-as-input\.json: a kshield attestations file, not a result: give it with --attestations/);
  });

  test('a Kubernetes JSON object whose keys do not start with apiVersion is still scanned', () => {
    writeFileSync(at('pod-reordered.json'), JSON.stringify({ metadata: POD.metadata, spec: POD.spec, kind: 'Pod', apiVersion: 'v1' }));
    const r = kshield(['report', '--framework', 'pss', at('pod-reordered.json'), '-o', 'json', '--attestations', none]);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { inputs: { command: string }[]; controls: { id: string; status: string }[] };
    assert.deepEqual(report.inputs.map((i) => i.command), ['scan']);
    assert.equal(report.controls.find((c) => c.id === 'baseline/host-namespaces')?.status, 'fail');
  });

  test('a file over the scan size limit: the error names --max-file-size, and report accepts it', () => {
    const big = Array.from({ length: 400 }, (_, i) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm${i}, namespace: a}\ndata: {k: "${'v'.repeat(40)}"}\n`).join('');
    writeFileSync(at('big.yaml'), big + `---\n${JSON.stringify(POD)}\n`);
    let r = kshield(['report', '--framework', 'pss', at('big.yaml'), '--attestations', none, '--max-file-size', '1KiB']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /big\.yaml: file is [\d.]+ KiB, over the 1 KiB limit \(set --max-file-size to raise it\)/);
    r = kshield(['report', '--framework', 'pss', at('big.yaml'), '--attestations', none, '--max-file-size', '1MiB', '-o', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { controls: { id: string; status: string }[] };
    assert.equal(report.controls.find((c) => c.id === 'baseline/host-namespaces')?.status, 'fail');
    r = kshield(['report', '--framework', 'pss', at('big.yaml'), '--attestations', none, '--max-file-size', '3x']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--max-file-size: "3x"/);
  });
});

describe('kshield report: the notes of the scan it runs', () => {
  test('the note an error refers to is printed, and the namespace note names a flag report takes', () => {
    writeFileSync(at('not-k8s.yaml'), 'hello: 1\n');
    let r = kshield(['report', '--framework', 'pss', at('not-k8s.yaml'), '--attestations', none]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not-k8s\.yaml: nothing to scan: the file holds no Kubernetes object \(see the note\)/);
    assert.match(r.stderr, /not-k8s\.yaml:1: note: document 1 has no apiVersion and kind: not a Kubernetes object; skipped/);

    writeFileSync(at('no-namespace.yaml'), `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {hostPID: true, containers: [{name: c, image: x}]}\n`);
    r = kshield(['report', '--framework', 'pss', at('no-namespace.yaml'), '--attestations', none, '-o', 'json']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /no-namespace\.yaml:\d+: note: 1 namespaced object had no namespace and was analysed in "default".*use --apply-namespace NS/);
    r = kshield(['report', '--framework', 'pss', at('no-namespace.yaml'), '--attestations', none, '-o', 'json', '--apply-namespace', 'shop']);
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /had no namespace/);
    const report = JSON.parse(r.stdout) as { controls: { id: string; evidence: { findings?: { object?: string }[] }[] }[] };
    const objects = report.controls.find((c) => c.id === 'baseline/host-namespaces')!.evidence.flatMap((e) => e.findings ?? []).map((f) => f.object);
    assert.ok(objects.includes('Pod shop/p'), JSON.stringify(objects));
    r = kshield(['report', '--framework', 'pss', at('no-namespace.yaml'), '--attestations', none, '--apply-namespace', 'Bad_NS']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--apply-namespace: "Bad_NS" is not a namespace name/);
  });
});

describe('kshield attest: the attestations file', () => {
  test('a JSON syntax error names the file and the line', () => {
    writeFileSync(at('broken-att.json'), '{\n  "kind": "kshield-attestations",\n  "version": 1,\n  "attestations": [,]\n}\n');
    writeFileSync(at('pod.json'), JSON.stringify(POD));
    for (const args of [['attest', '--list'], ['report', '--framework', 'pss', at('pod.json')]]) {
      const r = kshield([...args, '--attestations', at('broken-att.json')]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /broken-att\.json: not valid JSON \(line 4\)/);
    }
  });

  test('evidence that looks like a credential, written into the file by hand, is refused and never printed', () => {
    const token = 'ghp_' + 'Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2';
    writeFileSync(
      at('credential-att.json'),
      JSON.stringify({ kind: 'kshield-attestations', version: 1, attestations: [{ control: 'cis-kubernetes@2.0:5.1.7', status: 'pass', by: 'Ana', evidence: `token ${token}`, at: new Date().toISOString(), expires: IN_A_YEAR }] }),
    );
    writeFileSync(at('pod.json'), JSON.stringify(POD));
    for (const args of [['attest', '--list'], ['attest', '--list', '-o', 'json'], ['report', '--framework', 'cis', at('pod.json')]]) {
      const r = kshield([...args, '--attestations', at('credential-att.json')]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}`);
      assert.match(r.stderr, /credential-att\.json: attestations\[0\]\.evidence looks like it holds a credential/);
      assert.equal((r.stdout + r.stderr).includes(token), false, `${args.join(' ')} printed the token`);
    }
  });

  test('--list says which answer counts: an older valid answer to the same control is superseded', () => {
    const file = at('two-answers.json');
    const older = new Date(Date.now() - 2 * 86_400_000).toISOString();
    const newer = new Date(Date.now() - 86_400_000).toISOString();
    writeFileSync(
      file,
      JSON.stringify({
        kind: 'kshield-attestations',
        version: 1,
        attestations: [
          { control: 'cis-kubernetes@2.0:5.1.7', status: 'pass', by: 'Ana', evidence: 'https://wiki.example/a', at: older, expires: IN_A_YEAR },
          { control: 'cis-kubernetes@2.0:5.1.7', status: 'fail', by: 'Bob', evidence: 'https://wiki.example/b', at: newer, expires: IN_A_YEAR },
        ],
      }),
    );
    const table = kshield(['attest', '--list', '--attestations', file]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /cis-kubernetes@2\.0:5\.1\.7 {2}PASS {2}SUPERSEDED \(until \d{4}-\d{2}-\d{2}\) {2}by Ana/);
    assert.match(table.stdout, /cis-kubernetes@2\.0:5\.1\.7 {2}FAIL {2}until \d{4}-\d{2}-\d{2} {2}by Bob/);
    const rows = JSON.parse(kshield(['attest', '--list', '-o', 'json', '--attestations', file]).stdout) as { by: string; state: string }[];
    assert.deepEqual(rows.map((r) => [r.by, r.state]), [['Ana', 'superseded'], ['Bob', 'valid']]);
    // The report counts the one --list calls valid.
    writeFileSync(at('pod.json'), JSON.stringify(POD));
    const report = JSON.parse(kshield(['report', '--framework', 'cis', at('pod.json'), '-o', 'json', '--attestations', file]).stdout) as { controls: { id: string; status: string; attestation?: { by: string } }[] };
    const c = report.controls.find((x) => x.id === '5.1.7');
    assert.equal(c?.status, 'fail');
    assert.equal(c?.attestation?.by, 'Bob');
  });

  test('when the newest answer expires the control is manual again: the older answer it superseded does not come back', () => {
    const file = at('superseded-then-expired.json');
    const older = new Date(Date.now() - 60 * 86_400_000).toISOString();
    const newer = new Date(Date.now() - 30 * 86_400_000).toISOString();
    const expired = new Date(Date.now() - 86_400_000).toISOString();
    writeFileSync(
      file,
      JSON.stringify({
        kind: 'kshield-attestations',
        version: 1,
        attestations: [
          { control: 'cis-kubernetes@2.0:5.1.7', status: 'pass', by: 'Ana', evidence: 'https://wiki.example/a', at: older, expires: IN_A_YEAR },
          { control: 'cis-kubernetes@2.0:5.1.7', status: 'fail', by: 'Bob', evidence: 'https://wiki.example/gap', at: newer, expires: expired },
        ],
      }),
    );
    writeFileSync(at('pod.json'), JSON.stringify(POD));
    const report = JSON.parse(kshield(['report', '--framework', 'cis', at('pod.json'), '-o', 'json', '--attestations', file]).stdout) as { controls: { id: string; status: string; attestation?: unknown; expiredAttestation?: { by: string } }[] };
    const c = report.controls.find((x) => x.id === '5.1.7');
    assert.equal(c?.status, 'manual');
    assert.equal(c?.attestation, undefined);
    assert.equal(c?.expiredAttestation?.by, 'Bob');
    const rows = JSON.parse(kshield(['attest', '--list', '-o', 'json', '--attestations', file]).stdout) as { by: string; state: string }[];
    assert.deepEqual(rows.map((r) => [r.by, r.state]), [['Ana', 'superseded'], ['Bob', 'expired']]);
  });
});
