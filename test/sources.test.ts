import assert from 'node:assert/strict';
import { test, describe } from 'node:test';
import { loadBytes, loadPaths, loadText } from '../src/sources/files.js';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseYamlStream, locateOffset, splitDocuments } from '../src/sources/yaml.js';
import { podSpecs } from '../src/k8s/pods.js';

function positionOf(text: string, pointer: string, doc = 0): { line: number; column: number } {
  const s = parseYamlStream(text);
  const d = s.documents[doc];
  return s.lines.position(locateOffset(d.value, d.offset, pointer));
}

describe('source positions', () => {
  const pod = [
    '# a comment', //                          1
    'apiVersion: v1', //                       2
    'kind: Pod', //                            3
    'metadata:', //                            4
    '  name: web', //                          5
    '  labels: {app: web, "tier": front}', //  6
    'spec:', //                                7
    '  containers:', //                        8
    '  - name: app', //                        9
    '    image: nginx:1.27', //                10
    '    securityContext:', //                 11
    '      privileged: true', //               12
    '  -   name: sidecar', //                  13
    '      image: busybox', //                 14
    '  volumes:', //                           15
    '    - name: host', //                     16
    '      hostPath: {path: /}', //            17
  ].join('\n');

  test('a mapping key resolves to the key itself', () => {
    assert.deepEqual(positionOf(pod, '/spec/containers/0/securityContext/privileged'), { line: 12, column: 7 });
    assert.deepEqual(positionOf(pod, '/spec/volumes/0/hostPath'), { line: 17, column: 7 });
  });
  test('a sequence item resolves to its first character', () => {
    assert.deepEqual(positionOf(pod, '/spec/containers/1'), { line: 13, column: 7 });
  });
  test('flow mappings and quoted keys have positions', () => {
    assert.deepEqual(positionOf(pod, '/metadata/labels/tier'), { line: 6, column: 22 });
    assert.deepEqual(positionOf(pod, '/spec/volumes/0/hostPath/path'), { line: 17, column: 18 });
  });
  test('a missing field resolves to its nearest existing parent', () => {
    assert.deepEqual(positionOf(pod, '/spec/containers/1/securityContext/runAsNonRoot'), { line: 13, column: 7 });
    assert.deepEqual(positionOf(pod, '/spec/containers/7'), { line: 8, column: 3 });
  });
  test('the root resolves to the first line of content, after comments', () => {
    assert.deepEqual(positionOf(pod, ''), { line: 2, column: 1 });
  });
  test('positions in later documents are absolute in the file', () => {
    const text = 'a: 1\n---\n# second\nkind: X\nspec:\n  b: 2\n';
    assert.deepEqual(positionOf(text, '/spec/b', 1), { line: 6, column: 3 });
  });
  test('JSON input has positions too', () => {
    const json = '{\n  "kind": "Pod",\n  "spec": {\n    "hostNetwork": true\n  }\n}\n';
    assert.deepEqual(positionOf(json, '/spec/hostNetwork'), { line: 4, column: 5 });
  });
  test('JSON Pointer escapes are honoured', () => {
    const text = 'metadata:\n  annotations:\n    example.com/a~b: x\n';
    assert.deepEqual(positionOf(text, '/metadata/annotations/example.com~1a~0b'), { line: 3, column: 5 });
  });
  test('CRLF line endings keep columns right', () => {
    const text = 'kind: Pod\r\nspec:\r\n  hostPID: true\r\n';
    assert.deepEqual(positionOf(text, '/spec/hostPID'), { line: 3, column: 3 });
  });
});

describe('document splitting', () => {
  test('markers are recognised only at the start of a line and followed by a blank', () => {
    const chunks = splitDocuments('a: 1\n---\nb: "---x"\n--- # c\nc: 1\n...\nd: 1\n');
    assert.equal(chunks.length, 4);
  });
  test('one malformed document does not hide the others', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n';
    const r = loadText(text, 'm.yaml');
    assert.deepEqual(r.resources.map((x) => x.name), ['a', 'c']);
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0].file, 'm.yaml');
    assert.ok(r.errors[0].line! >= 5 && r.errors[0].line! <= 8, `error line ${r.errors[0].line} is inside the bad document`);
    assert.match(r.errors[0].message, /invalid YAML/);
    // positions of the document after the bad one stay absolute
    assert.equal(r.resources[1].locate('/metadata').line, 11);
  });
  test('a bad indentation error names its line', () => {
    const r = loadText('apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   bad: indent\n', 'x.yaml');
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0].line, 5);
  });
});

describe('bad input never crashes or hangs', () => {
  test('empty file is a note', () => {
    const r = loadBytes(Buffer.alloc(0), 'empty.yaml');
    assert.deepEqual(r.errors, []);
    assert.match(r.notes[0].message, /empty/);
  });
  test('whitespace-and-comments file is a note', () => {
    const r = loadText('# nothing here\n\n', 'c.yaml');
    assert.deepEqual(r.errors, []);
    assert.equal(r.resources.length, 0);
  });
  test('binary file is an error', () => {
    const r = loadBytes(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2]), 'a.out.yaml');
    assert.match(r.errors[0].message, /binary/);
  });
  test('non-UTF-8 names the line', () => {
    const bytes = Buffer.concat([Buffer.from('kind: Pod\nmetadata:\n  name: caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    const r = loadBytes(bytes, 'latin1.yaml');
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0].line, 3);
    assert.match(r.errors[0].message, /UTF-8/);
  });
  test('UTF-16 is refused with a clear message', () => {
    const r = loadBytes(Buffer.from('\ufeffkind: Pod\n', 'utf16le').subarray(0), 'u16.yaml');
    assert.match(r.errors[0].message, /UTF-16|binary/);
  });
  test('a UTF-8 byte order mark is accepted', () => {
    const r = loadBytes(Buffer.from('\ufeffapiVersion: v1\nkind: ConfigMap\nmetadata: {name: bom}\n', 'utf8'), 'bom.yaml');
    assert.deepEqual(r.errors, []);
    assert.equal(r.resources[0].name, 'bom');
    assert.equal(r.resources[0].locate('/metadata').line, 3);
  });
  test('a billion-laughs alias bomb is rejected quickly', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 30; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n' + lines.map((l) => '  ' + l).join('\n') + '\n';
    const started = process.hrtime.bigint();
    const r = loadText(text, 'bomb.yaml');
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.equal(r.resources.length, 0);
    assert.match(r.errors[0].message, /alias/);
    assert.equal(r.errors[0].line, 6, 'reported at the first alias');
    assert.ok(ms < 5000, 'rejected without expanding');
  });
  test('a recursive alias is rejected', () => {
    const r = loadText('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: loop}\ndata: &d\n  self: *d\n', 'loop.yaml');
    assert.equal(r.resources.length, 0);
    assert.match(r.errors[0].message, /recursive alias/);
    assert.deepEqual([r.errors[0].line, r.errors[0].message.endsWith('(column 9)')], [5, true], 'reported at the alias');
  });
  test('harmless aliases and merge keys still work', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: &m {name: ok, labels: {a: b}}\ndata:\n  <<: {x: "1"}\n';
    const r = loadText(text, 'alias.yaml');
    assert.deepEqual(r.errors, []);
    assert.equal(r.resources[0].name, 'ok');
  });
  test('very deep nesting is an error, not a stack overflow', () => {
    const depth = 5000;
    const text = 'kind: X\napiVersion: v1\ndata: ' + '['.repeat(depth) + ']'.repeat(depth) + '\n';
    const r = loadText(text, 'deep.yaml');
    assert.equal(r.resources.length, 0);
    assert.match(r.errors[0].message, /nesting/);
    assert.equal(r.errors[0].line, 3);
  });
  test('scalars and lists as documents are skipped with one note per file', () => {
    const r = loadText('just a string\n---\n- a\n- b\n', 's.yaml');
    assert.deepEqual(r.errors, []);
    assert.equal(r.notes.length, 1);
    assert.match(r.notes[0].message, /^2 documents are not Kubernetes objects .*The first: document 1 is a scalar$/);
  });
  test('non-Kubernetes documents are skipped with a note naming the line', () => {
    const r = loadText('name: my-chart\nversion: 1.0.0\n', 'Chart.yaml');
    assert.deepEqual(r.errors, []);
    assert.match(r.notes[0].message, /not a Kubernetes object/);
    assert.equal(r.notes[0].line, 1);
  });
  test('missing metadata.name is a note and the object is still scanned', () => {
    const r = loadText('apiVersion: v1\nkind: Pod\nspec:\n  containers: [{name: a, image: x}]\n', 'noname.yaml');
    assert.equal(r.resources.length, 1);
    assert.match(r.notes[0].message, /no metadata.name/);
  });
  test('generateName stands in for a missing name', () => {
    const r = loadText('apiVersion: batch/v1\nkind: Job\nmetadata: {generateName: migrate-}\nspec: {}\n', 'gen.yaml');
    assert.equal(r.resources[0].name, 'migrate-*');
  });
  test('wrong field types are errors with the line, and scanning goes on', () => {
    const text = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: "nginx"\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: q}\nspec:\n  containers:\n  - name: a\n    image: x\n    ports: 80\n';
    const r = loadText(text, 'types.yaml');
    assert.equal(r.resources.length, 2);
    assert.equal(r.errors.length, 2);
    assert.equal(r.errors[0].line, 5);
    assert.match(r.errors[0].message, /spec.containers must be a list, but is a string/);
    assert.equal(r.errors[1].line, 14);
  });
  test('unknown kinds are scanned (custom resources), not errors', () => {
    const r = loadText('apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 3}\n', 'cr.yaml');
    assert.deepEqual(r.errors, []);
    assert.equal(r.resources[0].kind, 'Widget');
  });
});

describe('lists', () => {
  test('kind: List and *List kinds expand into their items with item paths', () => {
    const text = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '- apiVersion: v1',
      '  kind: ConfigMap',
      '  metadata: {name: one}',
      '- apiVersion: apps/v1',
      '  kind: DeploymentList',
      '  items:',
      '  - apiVersion: apps/v1',
      '    kind: Deployment',
      '    metadata: {name: two}',
    ].join('\n');
    const r = loadText(text, 'list.yaml');
    assert.deepEqual(r.resources.map((x) => `${x.kind}/${x.name}`), ['ConfigMap/one', 'Deployment/two']);
    assert.equal(r.resources[1].basePath, '/items/1/items/0');
    assert.equal(r.resources[1].locate('/metadata').line, 12);
  });
});

describe('findings from the new-user trial', () => {
  test('empty documents take linear time: each is placed at its own marker, not scanned past the others', () => {
    // Before, each empty document's offset was found by skipping every `---` after it (N² for N markers).
    const small = parseYamlStream('---\n---\n---\n');
    assert.deepEqual(small.documents.map((d) => d.offset), [4, 8, 12]);
    const n = 40_000;
    const started = performance.now();
    const r = loadText('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n' + '---\n'.repeat(n), 'many.yaml');
    const ms = performance.now() - started;
    assert.equal(r.resources.length, 1);
    // 40,000 markers took ~25 s before; linear work is well under a second even on a loaded machine.
    assert.ok(ms < 5000, `${n} empty documents took ${Math.round(ms)} ms`);
  });
  test('a multi-document non-Kubernetes file gets one note giving the count and the first line', () => {
    const text = Array.from({ length: 500 }, (_, i) => `---\nkey: ${i}\n`).join('');
    const r = loadText(text, 'data.yaml');
    assert.equal(r.notes.length, 1, JSON.stringify(r.notes.slice(0, 3)));
    assert.equal(r.notes[0].line, 2);
    assert.match(r.notes[0].message, /^500 documents are not Kubernetes objects .*The first: document 1 has no apiVersion and kind$/);
  });
  test('a Knative Service (not the core Service) is searched for its pod spec', () => {
    const r = loadText('apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: k}\nspec:\n  template:\n    spec:\n      containers:\n      - image: nginx:1.27\n', 'kn.yaml');
    assert.deepEqual(podSpecs(r.resources[0]).map((p) => p.path), ['/spec/template/spec']);
  });
  test('a misplaced value is never quoted in a type error: it may be a secret', () => {
    const r = loadText('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: x\n    env: "DB_PASSWORD=FAKE-s3cr3t-value"\n    args: "--token=FAKE-t0ken"\n', 'leak.yaml');
    assert.equal(r.errors.length, 2);
    assert.ok(!JSON.stringify(r.errors).includes('FAKE'), JSON.stringify(r.errors));
  });
  test('quoted booleans and string capability lists are type errors, not silently secure', () => {
    const r = loadText('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: "true"\n  containers:\n  - name: a\n    image: x\n    securityContext:\n      privileged: "true"\n      runAsUser: "0"\n      capabilities: {add: NET_ADMIN}\n', 'types.yaml');
    assert.deepEqual(r.errors.map((e) => e.line), [5, 10, 11, 12]);
    assert.match(r.errors[0].message, /spec.hostNetwork must be true or false, but is a string \(remove the quotes\)/);
    assert.match(r.errors[3].message, /capabilities.add must be a list/);
  });
  test('a comment-only file is a note', () => {
    const r = loadText('# nothing\n---\n', 'c.yaml');
    assert.match(r.notes[0].message, /no YAML documents/);
  });
  test('metadata of the wrong type names the object sensibly', () => {
    const r = loadText('apiVersion: v1\nkind: Pod\nmetadata: oops\nspec: {containers: 5}\n', 'm.yaml');
    assert.ok(r.errors.every((e) => !e.message.includes('undefined')), JSON.stringify(r.errors));
    const n = loadText('apiVersion: v1\nkind: Pod\nmetadata: {name: [weird]}\n', 'n.yaml');
    assert.match(n.errors[0].message, /metadata.name must be a string/);
  });
});

describe('directory walks and symbolic links (new-user trial)', () => {
  const configMap = (name: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: x}\n`;
  test('a symlinked directory inside a scanned tree is followed; a loop and a second name are notes, not silence', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'kshield-links-'));
    try {
      mkdirSync(path.join(root, 'sl'));
      mkdirSync(path.join(root, 'ext'));
      writeFileSync(path.join(root, 'sl/own.yaml'), configMap('own'));
      writeFileSync(path.join(root, 'ext/shared.yaml'), configMap('shared'));
      symlinkSync('../ext', path.join(root, 'sl/linkdir'));
      symlinkSync('../ext', path.join(root, 'sl/second-name'));
      symlinkSync('..', path.join(root, 'sl/sub-loop-target-is-parent'));
      symlinkSync('.', path.join(root, 'sl/self'));
      const r = await loadPaths([path.join(root, 'sl')]);
      const rel = (f: string): string => path.relative(root, f);
      assert.deepEqual(r.errors, []);
      assert.deepEqual(r.resources.map((x) => `${rel(x.file)} ${x.name}`).sort(), ['sl/linkdir/shared.yaml shared', 'sl/own.yaml own']);
      const notes = r.notes.map((n) => `${rel(n.file)}: ${n.message.replace(root + path.sep, '')}`);
      assert.ok(notes.includes('sl/second-name: symbolic link to a directory already scanned as sl/linkdir; not followed again'), notes.join('\n'));
      assert.ok(notes.includes('sl/self: symbolic link loop: it points back to sl, which contains it; not followed'), notes.join('\n'));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
