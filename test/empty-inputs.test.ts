/**
 * Inputs with nothing in them. A failed `helm template > out.yaml` leaves an empty file; a scan
 * that passes on it would pass CI on nothing. When every input is empty (zero bytes, or only
 * blank lines, comments and `---`), the run exits 2, as empty standard input does; empty files
 * next to real manifests are notes and the run exits by its findings.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { cli } from './support/cli.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let dir: string;

function kshield(args: string[], opts: { input?: string; path?: string } = {}): Run {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: dir, input: opts.input ?? '', encoding: 'utf8', env: { ...process.env, PATH: opts.path ?? process.env.PATH ?? '' }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const PRIVILEGED = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  containers:\n  - name: a\n    image: nginx:1.27\n    securityContext: {privileged: true}\n';

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kshield-empty-'));
  mkdirSync(path.join(dir, 'rendered'));
  writeFileSync(path.join(dir, 'rendered', 'zero.yaml'), '');
  writeFileSync(path.join(dir, 'rendered', 'blank.yml'), '\n   \n\t\n');
  writeFileSync(path.join(dir, 'rendered', 'comments.yaml'), '# helm template failed before writing anything\n---\n# nothing\n...\n');
  writeFileSync(path.join(dir, 'out.yaml'), '');
  writeFileSync(path.join(dir, 'pod.yaml'), PRIVILEGED);
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('every input empty: exit 2', () => {
  test('one empty file: an error naming it and the likely cause', () => {
    const r = kshield(['scan', 'out.yaml']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /^out\.yaml: error: the file is empty \(or holds only comments and document markers\): nothing to scan \(was it written by a command that failed\?\)$/m);
    assert.doesNotMatch(r.stdout, /note: empty file/, 'the error replaces the note');
  });

  test('a file of only comments and document markers is empty too', () => {
    const r = kshield(['scan', path.join('rendered', 'comments.yaml'), '-o', 'json']);
    assert.equal(r.code, 2, r.stderr);
    const out = JSON.parse(r.stdout) as { errors: { file: string; message: string }[] };
    assert.deepEqual(out.errors.map((e) => e.file), [path.join('rendered', 'comments.yaml')]);
  });

  test('a directory of empty files: one error for the directory, a note for each file', () => {
    for (const jobs of ['1', '2']) {
      const r = kshield(['scan', 'rendered', '-o', 'json', '-j', jobs]);
      assert.equal(r.code, 2, r.stderr);
      const out = JSON.parse(r.stdout) as { errors: { file: string; message: string }[]; notes: { file: string }[] };
      assert.deepEqual(out.errors, [{ file: 'rendered', message: 'nothing to scan: 3 empty file(s)' }], `-j ${jobs}`);
      assert.deepEqual(out.notes.map((n) => path.basename(n.file)).sort(), ['blank.yml', 'comments.yaml', 'zero.yaml']);
    }
  });

  test('standard input of only comments is refused like empty standard input', () => {
    const r = kshield(['scan', '-'], { input: '# nothing rendered\n---\n' });
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stdout, /^<stdin>: error: standard input holds only blank lines, comments or document markers: nothing to scan \(did the command before the pipe fail\?\)$/m);
  });

  test('the analysis commands refuse it too', () => {
    const r = kshield(['netpol', 'reach', 'out.yaml']);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /out\.yaml: error: the file is empty/);
  });

  test('a chart that renders to nothing', () => {
    mkdirSync(path.join(dir, 'chart', 'templates'), { recursive: true });
    writeFileSync(path.join(dir, 'chart', 'Chart.yaml'), 'apiVersion: v2\nname: c\nversion: 0.1.0\n');
    const bin = path.join(dir, 'bin');
    mkdirSync(bin);
    // What helm prints for a chart whose templates are all switched off by values.
    writeFileSync(path.join(bin, 'helm'), "#!/bin/sh\nprintf -- '---\\n# Source: c/templates/off.yaml\\n'\n");
    chmodSync(path.join(bin, 'helm'), 0o755);
    const r = kshield(['scan', 'chart', '-o', 'json'], { path: `${bin}${path.delimiter}${process.env.PATH ?? ''}` });
    assert.equal(r.code, 2, r.stderr);
    const out = JSON.parse(r.stdout) as { errors: unknown[]; notes: unknown[] };
    assert.deepEqual(out.notes, [{ file: path.join('chart', 'Chart.yaml'), message: 'helm template chart chart rendered no objects' }]);
    assert.deepEqual(out.errors, [{ file: 'chart', message: 'nothing to scan: the Helm chart here rendered no objects' }]);
  });
});

describe('nothing judged: exit 2 (new-user trial)', () => {
  test('an unrendered chart (no helm on PATH) next to a values file: one error for the directory', () => {
    mkdirSync(path.join(dir, 'unjudged', 'chart'), { recursive: true });
    writeFileSync(path.join(dir, 'unjudged', 'chart', 'Chart.yaml'), 'apiVersion: v2\nname: c\nversion: 0.1.0\n');
    writeFileSync(path.join(dir, 'unjudged', 'values.yaml'), 'replicaCount: 2\n');
    for (const jobs of ['1', '2']) {
      const r = kshield(['scan', 'unjudged', '-o', 'json', '-j', jobs], { path: path.join(dir, 'no-such-bin') });
      assert.equal(r.code, 2, r.stdout + r.stderr);
      const out = JSON.parse(r.stdout) as { errors: unknown[]; notes: { file: string }[] };
      assert.deepEqual(out.errors, [{ file: 'unjudged', message: 'nothing to scan: 1 kustomization(s) or chart(s) not rendered (see the note), 1 file(s) with no Kubernetes object (see the notes)' }], `-j ${jobs}`);
      assert.equal(out.notes.length, 2, 'the notes that explain it stay');
    }
  });

  test('a directory, a file or standard input of only non-Kubernetes YAML', () => {
    mkdirSync(path.join(dir, 'data'));
    writeFileSync(path.join(dir, 'data', 'a.yaml'), 'a: 1\n---\nb: 2\n');
    writeFileSync(path.join(dir, 'data', 'b.yml'), 'k: v\n');
    const d = kshield(['scan', 'data']);
    assert.equal(d.code, 2, d.stdout);
    assert.match(d.stdout, /^data: error: nothing to scan: 2 file\(s\) with no Kubernetes object \(see the notes\)$/m);
    const f = kshield(['scan', path.join('data', 'a.yaml')]);
    assert.equal(f.code, 2, f.stdout);
    assert.match(f.stdout, /^data\/a\.yaml: error: nothing to scan: the file holds no Kubernetes object \(see the note\)$/m);
    const s = kshield(['scan', '-'], { input: 'k: v\n' });
    assert.equal(s.code, 2, s.stdout);
    assert.match(s.stdout, /^<stdin>: error: nothing to scan: standard input holds no Kubernetes object \(see the note\)$/m);
  });

  test('a values file next to a real manifest is still only a note', () => {
    const r = kshield(['scan', path.join('data', 'b.yml'), 'pod.yaml', '--fail-on', 'none']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });
});

describe('some inputs empty: a note, and the exit code follows the findings', () => {
  test('an empty file next to a manifest with a critical finding exits 1', () => {
    const r = kshield(['scan', 'out.yaml', 'pod.yaml']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^out\.yaml: note: empty file$/m);
    assert.doesNotMatch(r.stdout, /error/);
  });

  test('with --fail-on none it exits 0', () => {
    const r = kshield(['scan', 'rendered', 'pod.yaml', '--fail-on', 'none']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });
});
