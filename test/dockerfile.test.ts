/**
 * Dockerfiles as a scan input: the parsed view (positions, continuations, heredocs, directives, ARG
 * substitution in FROM, stages and the final image), bad input, the names a directory walk picks,
 * `--stdin-kind dockerfile`, and Dockerfile findings through suppressions, baselines, JSON and SARIF,
 * with secrets never shown. Small Dockerfiles of our own, shaped like public projects'.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { loadDockerfile, expand, type DockerfileView } from '../src/sources/dockerfile.js';
import { isDockerfileName, inputKindOf } from '../src/sources/input-kinds.js';
import { parseShellScript, programOf } from '../src/sources/shell.js';
import { loadTextAs } from '../src/sources/files.js';
import { evaluate } from '../src/engine/engine.js';
import { rules } from '../src/rules/index.js';
import { dockerfileRules } from '../src/rules/dockerfile/index.js';
import { kshield, root } from './support/cli.js';
import { parsePeerCoverage } from '../tools/peer-coverage.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kshield-dockerfile-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function viewOf(text: string, file = 'Dockerfile'): DockerfileView {
  const loaded = loadDockerfile(text, file);
  assert.deepEqual(loaded.errors, []);
  return loaded.resource!.object as unknown as DockerfileView;
}

/** Findings of the Dockerfile rules on `text`, as "rule line:column". */
function findings(text: string, only?: string[]): string[] {
  const loaded = loadTextAs('dockerfile', text, 'Dockerfile');
  assert.deepEqual(loaded.errors, []);
  const selected = only ? rules.filter((r) => only.includes(r.id)) : dockerfileRules;
  return evaluate(loaded.resources, { rules: selected, catalogue: rules }).findings.map((f) => `${f.rule} ${f.line}:${f.column}`);
}

// A fake token, split so that no scanner takes this file for a leak.
const TOKEN = ['gh', 'p_', 'kshieldDockerfileTestNotReal', '0000000000'].join('');

describe('parsing', () => {
  test('stages, names, FROM <stage>, and which stages make the final image', () => {
    const view = viewOf('FROM golang:1.23 AS Build\nRUN go build\nFROM build AS test\nRUN go test\nFROM gcr.io/distroless/static AS final\nCOPY --from=build /out /\n');
    assert.deepEqual(view.stages.map((s) => [s.name, s.base.stage, s.inFinalImage]), [['build', undefined, false], ['test', 0, false], ['final', undefined, true]]);
    const chained = viewOf('FROM debian:12-slim AS base\nUSER app\nFROM base\nCOPY x /x\n');
    assert.deepEqual(chained.stages.map((s) => s.inFinalImage), [true, true]);
  });

  test('ARG defaults are substituted in FROM, including ${X:-y} forms, and unknown ones are reported as notes', () => {
    const view = viewOf('ARG REGISTRY=ghcr.io/acme\nARG VARIANT\nARG TAG=${VARIANT:-3.20}\nFROM ${REGISTRY}/alpine:$TAG\n');
    assert.equal(view.stages[0].base.resolved, 'ghcr.io/acme/alpine:3.20');
    assert.equal(view.stages[0].base.reference?.tag, '3.20');
    const loaded = loadDockerfile('ARG BASE\nFROM --platform=$BUILDPLATFORM ${BASE}\nFROM alpine:$TARGETARCH\n', 'Dockerfile');
    const stages = (loaded.resource!.object as unknown as DockerfileView).stages;
    assert.deepEqual(stages.map((s) => s.base.unresolved), [['BASE'], ['TARGETARCH']]);
    assert.equal(loaded.notes.length, 2);
    assert.match(loaded.notes[1].message, /TARGETARCH \(set by the build for each platform\)/);
    assert.deepEqual(expand('${A+set}-${B:-none}-\\$A', new Map([['A', '']])), { value: 'set-none-$A', unresolved: [] });
  });

  test('FROM scratch has no reference; a stage name is not an image', () => {
    const view = viewOf('FROM scratch AS bare\nFROM bare\n');
    assert.equal(view.stages[0].base.scratch, true);
    assert.equal(view.stages[0].base.reference, undefined);
    assert.equal(view.stages[1].base.stage, 0);
    assert.equal(view.stages[1].base.reference, undefined);
  });

  test('parser directives, the backquote escape and line continuations', () => {
    const text = '# syntax=docker/dockerfile:1.7\n# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN powershell -Command `\n    Write-Host hello\n';
    const view = viewOf(text);
    assert.equal(view.directives.syntax, 'docker/dockerfile:1.7');
    assert.equal(view.escape, '`');
    assert.deepEqual(view.stages[0].instructions[1].commands?.map((c) => c.words), [['powershell', '-Command', 'Write-Host', 'hello']]);
  });

  test('continued RUN lines become commands with their own lines; comment lines inside are dropped', () => {
    const text = 'FROM debian:12-slim\nRUN apt-get update \\\n # a comment inside\n && apt-get install -y curl \\\n && rm -rf /var/lib/apt/lists/*\n';
    const loaded = loadDockerfile(text, 'Dockerfile');
    const view = loaded.resource!.object as unknown as DockerfileView;
    assert.deepEqual(view.stages[0].instructions[1].commands?.map((c) => c.words[0]), ['apt-get', 'apt-get', 'rm']);
    assert.deepEqual(['/stages/0/instructions/1/commands/1', '/stages/0/instructions/1/commands/2'].map((p) => loaded.resource!.locate!(p)), [{ line: 4, column: 5 }, { line: 5, column: 5 }]);
  });

  test('heredoc scripts are read as shell scripts, with the lines of their commands', () => {
    const text = '# syntax=docker/dockerfile:1\nFROM debian:12-slim\nRUN <<EOF\nset -e\ncurl -fsSL https://example.com/i.sh | sh\nEOF\nCOPY <<CONF /etc/app.conf\ncurl | sh is just text here\nCONF\n';
    assert.deepEqual(findings(text, ['dockerfile-curl-pipe-shell']), ['dockerfile-curl-pipe-shell 5:39']);
    const view = viewOf(text);
    assert.equal(view.stages[0].instructions[2].heredocs?.[0].script, false);
    // A heredoc fed to a non-shell program is data, not a script.
    assert.deepEqual(findings('FROM python:3.12-slim\nRUN python3 <<EOF\nimport os\nos.system("curl x | sh")\nEOF\n', ['dockerfile-curl-pipe-shell']), []);
  });

  test('exec form RUN and `sh -c` scripts', () => {
    assert.deepEqual(findings('FROM alpine:3.20\nRUN ["sh", "-c", "wget -qO- https://example.com/x | sh"]\n', ['dockerfile-curl-pipe-shell']), ['dockerfile-curl-pipe-shell 2:5']);
    assert.equal(programOf(parseShellScript('DEBIAN_FRONTEND=noninteractive sudo -u root apt-get install -y x')[0])?.name, 'apt-get');
  });
});

describe('bad input', () => {
  test('errors name the line', () => {
    const unknown = loadDockerfile('FROM alpine:3.20\nRUNN echo hi\n', 'Dockerfile');
    assert.deepEqual(unknown.errors, [{ line: 2, message: 'unknown instruction "RUNN" (docker build rejects the file)' }]);
    assert.deepEqual(loadDockerfile('RUN echo hi\nFROM alpine\n', 'Dockerfile').errors, [{ line: 1, message: 'RUN before the first FROM (only ARG may come before it; docker build rejects the file)' }]);
    assert.match(loadDockerfile('ARG A=1\n', 'Dockerfile').errors[0].message, /no FROM instruction/);
    assert.equal(loadDockerfile('# only a comment\n\n', 'Dockerfile').empty, true);
    // Limits: the parser's time grows faster than an instruction's length, so a huge file is refused at once.
    const started = Date.now();
    const huge = loadDockerfile(`FROM alpine:3.20\nRUN true ${'&& echo x \\\n'.repeat(200_000)}\n`, 'Dockerfile');
    assert.match(huge.errors[0]?.message ?? '', /over the 1 MiB limit for a Dockerfile; not scanned/);
    assert.ok(Date.now() - started < 2000);
    assert.match(loadDockerfile(`FROM alpine:3.20\nRUN echo ${'x'.repeat(300_000)}\n`, 'Dockerfile').errors[0]?.message ?? '', /line 2 is 300009 characters long, over the 262144 limit/);
  });

  test('a scan reports file:line for a bad Dockerfile and still scans the rest', () => {
    const dir = path.join(tmp, 'bad');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM alpine:3.20\nCOPYY . /app\n');
    writeFileSync(path.join(dir, 'web.Dockerfile'), 'FROM alpine:3.20\nUSER 0\n');
    writeFileSync(path.join(dir, 'bin.Dockerfile'), Buffer.from([0x46, 0x52, 0x00, 0x01]));
    const r = kshield(['scan', dir, '--fail-on', 'high']);
    assert.equal(r.code, 2, r.stderr);
    const out = r.stdout + r.stderr;
    assert.match(out, /bad\/Dockerfile:2: error: unknown instruction "COPYY" \(docker build rejects the file\)/);
    assert.match(out, /bad\/bin\.Dockerfile: error: binary file \(contains NUL bytes\), not a Dockerfile/);
    assert.match(r.stdout, /dockerfile-user-root/);
  });
});

describe('inputs', () => {
  test('the names a walk reads as Dockerfiles', () => {
    for (const name of ['Dockerfile', 'dockerfile', 'Containerfile', 'api.Dockerfile', 'api.dockerfile', 'Dockerfile.prod', 'Dockerfile.alpine-3.20', 'worker.Containerfile']) assert.equal(inputKindOf(`a/${name}`), 'dockerfile', name);
    for (const name of ['Dockerfile.dockerignore', 'Dockerfile.j2', 'Dockerfile.md', 'Dockerfile.yaml', 'Dockerfiles', 'MyDockerfile', 'Dockerfile.', 'dockerfile.ts', 'dockerfile.d.ts', 'dockerfile.js.map', 'dockerfile.go', 'Dockerfile.test.js', 'dockerfile.py']) assert.equal(isDockerfileName(name), false, name);
    // The configuration at a repository's root is read as configuration, not scanned as a manifest.
    for (const name of ['.kshield.yaml', '.kshield.yml']) assert.equal(inputKindOf(`repo/${name}`), undefined, name);
  });

  test('`scan DIR` reads Dockerfiles next to manifests; rendered chart directories still give their Dockerfiles', () => {
    const dir = path.join(tmp, 'repo');
    mkdirSync(path.join(dir, 'deploy'), { recursive: true });
    mkdirSync(path.join(dir, 'services/api'), { recursive: true });
    writeFileSync(path.join(dir, 'deploy/cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: shop}\ndata: {a: b}\n');
    writeFileSync(path.join(dir, 'services/api/Dockerfile'), 'FROM node:20\nUSER root\n');
    writeFileSync(path.join(dir, 'Containerfile.dev'), 'FROM alpine\n');
    const r = kshield(['scan', dir, '-o', 'json', '--fail-on', 'none']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    const files = [...new Set(report.findings.map((f: { file: string }) => path.relative(dir, f.file)))].sort();
    assert.deepEqual(files, ['Containerfile.dev', 'services/api/Dockerfile']);
    assert.ok(report.findings.some((f: { rule: string; line: number }) => f.rule === 'dockerfile-user-root' && f.line === 2));
    // A kustomization directory is rendered instead of walked for manifests; its Dockerfile is still read.
    mkdirSync(path.join(dir, 'overlay'), { recursive: true });
    writeFileSync(path.join(dir, 'overlay/kustomization.yaml'), 'resources: [cm.yaml]\n');
    writeFileSync(path.join(dir, 'overlay/cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: shop}\ndata: {a: b}\n');
    writeFileSync(path.join(dir, 'overlay/Dockerfile'), 'FROM alpine:3.20\nUSER 0\n');
    const rendered = kshield(['scan', path.join(dir, 'overlay'), '-o', 'json', '--fail-on', 'none']);
    const overlay = JSON.parse(rendered.stdout);
    assert.ok(overlay.findings.some((f: { rule: string; file: string }) => f.rule === 'dockerfile-user-root' && f.file.endsWith('overlay/Dockerfile')), rendered.stderr);
    // --jobs spreads files over threads: the same findings.
    assert.deepEqual(JSON.parse(kshield(['scan', dir, '-o', 'json', '--fail-on', 'none', '-j', '2']).stdout).findings.length, JSON.parse(kshield(['scan', dir, '-o', 'json', '--fail-on', 'none']).stdout).findings.length);
  });

  test('--stdin-kind dockerfile reads standard input as a Dockerfile', () => {
    const r = kshield(['scan', '-', '--stdin-kind', 'dockerfile', '-o', 'json', '--fail-on', 'none'], 'FROM ubuntu\nUSER root\n');
    assert.equal(r.code, 0, r.stderr);
    const rules = JSON.parse(r.stdout).findings.map((f: { rule: string; line: number }) => `${f.rule}:${f.line}`).sort();
    assert.deepEqual(rules, ['dockerfile-base-image-latest:1', 'dockerfile-healthcheck-missing:1', 'dockerfile-user-root:2']);
    const misuse = kshield(['scan', 'Dockerfile', '--stdin-kind', 'dockerfile']);
    assert.equal(misuse.code, 2);
    assert.match(misuse.stderr, /give - among the paths/);
    // Without the flag, standard input is manifests: a Dockerfile there is skipped with a note that says how to read it.
    const piped = kshield(['scan', '-'], 'FROM ubuntu\nUSER root\n');
    assert.match(piped.stdout + piped.stderr, /not a Kubernetes object; skipped \(a Dockerfile\? read it with --stdin-kind dockerfile\)/);
  });

  test("kshield's own Dockerfile passes its own checks: nothing above info (its bases are pinned by tag, not digest)", () => {
    const r = kshield(['scan', path.join(root, 'Dockerfile'), '-o', 'json', '--fail-on', 'low']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).findings.map((f: { rule: string }) => f.rule), ['dockerfile-base-image-not-pinned-by-digest', 'dockerfile-base-image-not-pinned-by-digest']);
  });
});

describe('reports', () => {
  const secretFile = path.join(tmp, 'secret', 'Dockerfile');
  mkdirSync(path.dirname(secretFile), { recursive: true });
  writeFileSync(
    secretFile,
    [
      'FROM node:20-slim',
      `ENV GITHUB_TOKEN=${TOKEN}`,
      `ADD https://deploy:${TOKEN}@example.com/x.tgz?sig=${TOKEN} /tmp/`,
      '# kshield.io/ignore: dockerfile-user-missing -- runs as node through its entrypoint',
      'CMD ["node", "server.js"]',
      '',
    ].join('\n'),
  );

  test('a credential is never printed: table, JSON, SARIF, markdown, JUnit', () => {
    for (const format of ['table', 'json', 'sarif', 'markdown', 'junit']) {
      const r = kshield(['scan', secretFile, '-o', format, '--fail-on', 'none']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /dockerfile-secret-in-env-arg/, format);
      assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN), `${format} shows the token`);
      assert.ok(!r.stdout.includes('kshieldDockerfileTestNotReal'), `${format} shows part of the token`);
    }
  });

  test('a `# kshield.io/ignore:` comment suppresses the next instruction\'s findings, with its reason; --no-inline-suppressions turns it off', () => {
    const json = JSON.parse(kshield(['scan', secretFile, '-o', 'json', '--fail-on', 'none']).stdout);
    const ignored = json.findings.filter((f: { suppressed: boolean }) => f.suppressed);
    // The comment sits before CMD, but dockerfile-user-missing reports on the FROM: the comment does not reach it.
    assert.deepEqual(ignored, []);
    writeFileSync(path.join(tmp, 'ignored.Dockerfile'), '# kshield.io/ignore: dockerfile-user-missing,dockerfile-healthcheck-missing -- runs only under Kubernetes, as uid 1000 from the pod spec\nFROM node:20-slim\n');
    const again = JSON.parse(kshield(['scan', path.join(tmp, 'ignored.Dockerfile'), '-o', 'json', '--fail-on', 'none']).stdout);
    const suppressed = again.findings.filter((f: { suppressed: boolean }) => f.suppressed).map((f: { rule: string; suppression: { kind: string; reason: string } }) => `${f.rule} ${f.suppression.kind} ${f.suppression.reason}`);
    assert.deepEqual(suppressed.sort(), [
      'dockerfile-healthcheck-missing comment runs only under Kubernetes, as uid 1000 from the pod spec',
      'dockerfile-user-missing comment runs only under Kubernetes, as uid 1000 from the pod spec',
    ]);
    const off = JSON.parse(kshield(['scan', path.join(tmp, 'ignored.Dockerfile'), '-o', 'json', '--fail-on', 'none', '--no-inline-suppressions']).stdout);
    assert.equal(off.findings.filter((f: { suppressed: boolean }) => f.suppressed).length, 0);
    const sarif = JSON.parse(kshield(['scan', path.join(tmp, 'ignored.Dockerfile'), '-o', 'sarif', '--fail-on', 'none']).stdout);
    const results = sarif.runs[0].results as { ruleId: string; suppressions?: { kind: string }[]; locations: { physicalLocation: { region: { startLine: number } } }[] }[];
    const inSource = results.filter((r) => r.suppressions?.[0].kind === 'inSource').map((r) => r.ruleId).sort();
    assert.deepEqual(inSource, ['dockerfile-healthcheck-missing', 'dockerfile-user-missing']);
    assert.ok(results.every((r) => r.locations[0].physicalLocation.region.startLine === 2));
  });

  test('`# kshield.io/ignore-file:` covers the whole file; the `=` spelling on the first line (read as a parser directive) works too', () => {
    const judge = (text: string): string[] => {
      const loaded = loadTextAs('dockerfile', text, 'Dockerfile');
      return evaluate(loaded.resources, { rules: dockerfileRules, catalogue: rules }).findings.filter((f) => !f.suppressed).map((f) => f.rule).sort();
    };
    const text = 'FROM ubuntu\nRUN chmod 777 /srv\nUSER root\n';
    assert.deepEqual(judge(text), ['dockerfile-base-image-latest', 'dockerfile-chmod-world-writable', 'dockerfile-healthcheck-missing', 'dockerfile-user-root']);
    assert.deepEqual(judge(`# kshield.io/ignore-file: dockerfile-chmod-world-writable,dockerfile-user-root -- a CI runner image\n${text}`), ['dockerfile-base-image-latest', 'dockerfile-healthcheck-missing']);
    assert.deepEqual(judge(`# kshield.io/ignore=dockerfile-base-image-latest\n${text}`), ['dockerfile-chmod-world-writable', 'dockerfile-healthcheck-missing', 'dockerfile-user-root']);
    // A comment inside a continued RUN belongs to that RUN, not to the instruction after it.
    assert.deepEqual(judge('FROM ubuntu:24.04\nRUN true \\\n# kshield.io/ignore: dockerfile-user-root\n && true\nUSER root\nHEALTHCHECK NONE\n'), ['dockerfile-base-image-not-pinned-by-digest', 'dockerfile-user-root']);
  });

  test('fingerprints follow instructions, not their indexes or lines', () => {
    const prints = (text: string): [string, string][] => {
      const loaded = loadTextAs('dockerfile', text, 'Dockerfile');
      return evaluate(loaded.resources, { rules: dockerfileRules, catalogue: rules }).findings.map((f) => [`${f.rule} ${f.message}`, f.fingerprint]);
    };
    const before = prints('FROM ubuntu:24.04 AS app\nRUN chmod 777 /a\nRUN chmod 777 /b\n');
    const after = prints('# a comment\nFROM ubuntu:24.04 AS app\nENV A=1\nRUN chmod 777 /a\nRUN chmod 777 /b\n');
    assert.deepEqual(after, before);
    const chmods = before.filter(([k]) => k.startsWith('dockerfile-chmod')).map(([, v]) => v);
    assert.equal(new Set(chmods).size, 2, 'two instructions, two fingerprints');
  });

  test('a baseline accepts today\'s Dockerfile findings and reports only new ones', () => {
    const dir = path.join(tmp, 'baseline');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'Dockerfile');
    writeFileSync(file, 'FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y curl\n');
    const baseline = path.join(tmp, 'baseline.json');
    assert.equal(kshield(['scan', file, '--write-baseline', baseline]).code, 0);
    // Lines move, an instruction is added above, and a new problem arrives: only the new one counts.
    writeFileSync(file, '# moved down\nFROM ubuntu:24.04\nENV LANG=C.UTF-8\nRUN apt-get update && apt-get install -y curl\nUSER root\n');
    const r = JSON.parse(kshield(['scan', file, '--baseline', baseline, '-o', 'json', '--fail-on', 'none']).stdout);
    const open = r.findings.filter((f: { suppressed: boolean }) => !f.suppressed).map((f: { rule: string }) => f.rule);
    assert.deepEqual(open, ['dockerfile-user-root']);
    assert.ok(r.findings.filter((f: { suppressed: boolean; suppression: { kind: string } }) => f.suppressed).every((f: { suppression: { kind: string } }) => f.suppression.kind === 'baseline'));
  });

  test('JSON findings carry the file, line and column of the field', () => {
    const r = JSON.parse(kshield(['scan', secretFile, '-o', 'json', '--fail-on', 'none']).stdout);
    const env = r.findings.find((f: { rule: string }) => f.rule === 'dockerfile-secret-in-env-arg');
    assert.equal(env.line, 2);
    assert.equal(env.column, 18);
    assert.equal(env.path, '/stages/0/instructions/1/properties/0/value');
    assert.deepEqual(env.resource, { apiVersion: 'kshield.io/v1', kind: 'Dockerfile', namespace: null, name: secretFile });
    void readFileSync;
  });
});

describe('hadolint mapping (docs/peer-coverage.md)', () => {
  // Dockerfiles of our own, shaped like the failing and passing cases of hadolint's tests for each check.
  const CASES: Record<string, { fail: string; pass: string }> = {
    DL3000: { fail: 'FROM node:20-slim\nWORKDIR usr/src/app\n', pass: 'FROM node:20-slim\nWORKDIR /usr/src/app\n' },
    DL3002: { fail: 'FROM debian:12-slim\nUSER root\n', pass: 'FROM debian:12-slim\nUSER root\nRUN apt-get update\nUSER foo\n' },
    DL3004: { fail: 'FROM debian:12-slim\nRUN sudo apt-get install -y curl\n', pass: 'FROM debian:12-slim\nRUN apt-get install -y curl\n' },
    DL3006: { fail: 'FROM debian\n', pass: 'FROM debian:jessie\n' },
    DL3007: { fail: 'FROM debian:latest\n', pass: 'FROM debian:jessie\n' },
    DL3009: { fail: 'FROM debian:12-slim\nRUN apt-get update && apt-get install -y python\n', pass: 'FROM debian:12-slim\nRUN apt-get update && apt-get install -y python && rm -rf /var/lib/apt/lists/*\n' },
    DL3015: { fail: 'FROM debian:12-slim\nRUN apt-get install -y python\n', pass: 'FROM debian:12-slim\nRUN apt-get install -y --no-install-recommends python\n' },
    DL3019: { fail: 'FROM alpine:3.20\nRUN apk add flex=2.6.4-r1\n', pass: 'FROM alpine:3.20\nRUN apk add --no-cache flex=2.6.4-r1\n' },
    DL3020: { fail: 'FROM alpine:3.20\nADD file /usr/src/app/\n', pass: 'FROM alpine:3.20\nADD file.tar.gz /usr/src/app/\n' },
    DL3026: { fail: 'FROM random.com/debian:12\n', pass: 'FROM docker.io/debian:12\n' },
    DL3057: { fail: 'FROM debian:12-slim\n', pass: 'FROM debian:12-slim\nHEALTHCHECK CMD /bin/true\n' },
  };
  const doc = readFileSync(path.join(root, 'docs', 'peer-coverage.md'), 'utf8');
  const rows = parsePeerCoverage(doc).filter((r) => r.peer === 'Hadolint' && !r.none);

  test('every covered row has a case, and its rules fail the failing case and pass the passing one', () => {
    assert.deepEqual(rows.map((r) => r.id).sort(), Object.keys(CASES).sort());
    for (const row of rows) {
      const selected = rules.filter((r) => row.rules.includes(r.id));
      const judge = (text: string): string[] => {
        const loaded = loadTextAs('dockerfile', text, 'Dockerfile');
        assert.deepEqual(loaded.errors, []);
        return evaluate(loaded.resources, { rules: selected, catalogue: rules, settings: { allowedRegistries: ['docker.io'] } }).findings.map((f) => f.rule);
      };
      assert.ok(judge(CASES[row.id].fail).length > 0, `${row.id}: its failing case passes ${row.rules.join(', ')}`);
      assert.deepEqual(judge(CASES[row.id].pass), [], `${row.id}: its passing case fails`);
    }
  });
});
