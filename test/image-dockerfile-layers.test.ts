/**
 * `kshield image ... --dockerfile FILE`: each layer of an image attributed to the instruction of
 * the Dockerfile's final stage that made it, or to the base image. The images are built here with
 * histories written the way BuildKit and the classic builder write them, saved as OCI layouts, and
 * read through the CLI with the OSV fixture database, as a user runs it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { attributeLayers } from '../src/images/dockerfile-layers.js';
import { loadDockerfile, type DockerfileView } from '../src/sources/dockerfile.js';
import { kshield, root } from './support/cli.js';
import { buildImage, writeOciLayout, type LayerSpec } from './support/oci-build.js';
import { sarifValidator } from './support/sarif.js';

const work = mkdtempSync(path.join(tmpdir(), 'kshield-dockerfile-layers-'));
after(() => rmSync(work, { recursive: true, force: true }));
const DB = path.join(root, 'test/fixtures/osv/db');
const DB_FLAGS = ['--db', DB, '--max-db-age', '100000d'];

const OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n';
// libssl3 is built from openssl: the fixture database's DSA-9001-1 (Debian:12 openssl, fixed 3.0.15-1~deb12u1) matches it.
const DPKG_STATUS = ['Package: libssl3', 'Status: install ok installed', 'Architecture: amd64', 'Source: openssl', 'Version: 3.0.11-1~deb12u2', ''].join('\n');
const debianBase = (createdBy: string): LayerSpec => ({
  compression: 'gzip',
  createdBy,
  entries: [
    { path: 'etc/os-release', content: OS_RELEASE },
    { path: 'var/lib/dpkg/status', content: DPKG_STATUS },
  ],
});
// express 4.18.2: the fixture database's GHSA-aaaa-bbbb-0003 (fixed 4.19.2) matches it.
const express = (dir: string): { path: string; content: string } => ({ path: `${dir}/node_modules/express/package.json`, content: JSON.stringify({ name: 'express', version: '4.18.2' }) });

/** A multi-stage Dockerfile; the image below is what BuildKit makes of it. */
const BUILDKIT_DOCKERFILE = [
  '# syntax=docker/dockerfile:1', // 1
  'ARG BASE=debian:12', // 2
  'FROM golang:1.22 AS build', // 3
  'WORKDIR /src', // 4
  'RUN go build -o /out/app ./cmd/app', // 5
  '', // 6
  'FROM ${BASE}', // 7
  'ARG VERSION=1.0', // 8
  'ENV APP_HOME=/srv/app', // 9
  'WORKDIR $APP_HOME', // 10
  'RUN pip install --no-cache-dir \\', // 11
  '      requests==2.31.0', // 12
  'COPY --from=build /out/app /usr/local/bin/app', // 13
  'COPY package.json package-lock.json ./', // 14
  'RUN <<EOF', // 15
  'npm ci --omit=dev', // 16
  'EOF', // 17
  'USER 10001', // 18
  'CMD ["app"]', // 19
  '',
].join('\n');

async function buildkitImage(dir: string): Promise<void> {
  const image = await buildImage(
    [
      debianBase("# debian.sh --arch 'amd64' out/ 'bookworm' '@1733097600'"),
      { compression: 'gzip', createdBy: 'WORKDIR /srv/app', emptyBefore: ['CMD ["bash"]', 'ARG VERSION=1.0', 'ENV APP_HOME=/srv/app'], entries: [{ path: 'srv/app/', directory: true }] },
      {
        compression: 'gzip',
        createdBy: 'RUN |1 VERSION=1.0 /bin/sh -c pip install --no-cache-dir       requests==2.31.0 # buildkit',
        entries: [{ path: 'usr/local/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA', content: 'Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n' }],
      },
      { compression: 'gzip', createdBy: 'COPY /out/app /usr/local/bin/app # buildkit', entries: [{ path: 'usr/local/bin/app', content: 'not really a program', mode: 0o755 }] },
      { compression: 'gzip', createdBy: 'COPY package.json package-lock.json ./ # buildkit', entries: [{ path: 'srv/app/package.json', content: '{"name":"shop"}' }] },
      { compression: 'gzip', createdBy: 'RUN |1 VERSION=1.0 /bin/sh -c npm ci --omit=dev\n # buildkit', entries: [express('srv/app')] },
    ],
    { config: { User: '10001', Cmd: ['app'] }, history: [{ created_by: 'USER 10001', empty_layer: true }, { created_by: 'CMD ["app"]', empty_layer: true }] },
  );
  writeOciLayout(dir, image);
}

/** A single-stage Dockerfile; the image below is what the classic builder (docker build without BuildKit) makes of it. */
const CLASSIC_DOCKERFILE = ['FROM debian:12', 'ARG APP_VERSION=2', 'WORKDIR /app', 'COPY package.json /app/', 'RUN npm ci --omit=dev', 'COPY --chown=1000:1000 . .', 'USER 1000', ''].join('\n');

async function classicImage(dir: string): Promise<void> {
  const image = await buildImage(
    [
      debianBase('/bin/sh -c #(nop) ADD file:5b1e63e59f2d48d6c6a3c6a8e0b2c1d7f4e9a0b3c2d1e0f9a8b7c6d5e4f3a2b1 in / '),
      // WORKDIR made an empty layer here (the classic builder drops it); COPY's sources are hashed, its destination kept.
      { compression: 'gzip', createdBy: '/bin/sh -c #(nop) COPY file:0123456789abcdef0123456789abcdef in /app/ ', emptyBefore: ['/bin/sh -c #(nop)  CMD ["bash"]', '/bin/sh -c #(nop)  ARG APP_VERSION=2', '/bin/sh -c #(nop) WORKDIR /app'], entries: [{ path: 'app/package.json', content: '{}' }] },
      { compression: 'gzip', createdBy: '|1 APP_VERSION=2 /bin/sh -c npm ci --omit=dev', entries: [express('app')] },
      { compression: 'gzip', createdBy: '/bin/sh -c #(nop) COPY dir:fedcba9876543210fedcba9876543210 in . ', entries: [{ path: 'app/server.js', content: '' }] },
    ],
    { config: { User: '1000' }, history: [{ created_by: '/bin/sh -c #(nop)  USER 1000', empty_layer: true }] },
  );
  writeOciLayout(dir, image);
}

const buildkitLayout = path.join(work, 'buildkit');
const classicLayout = path.join(work, 'classic');
const file = (name: string, text: string): string => {
  const p = path.join(work, name);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
};

before(async () => {
  await buildkitImage(buildkitLayout);
  await classicImage(classicLayout);
});

/** The `in:` line under the vulnerability of a package in the table. */
function inLine(table: string, pkg: string): string {
  const lines = table.split('\n');
  const row = lines.findIndex((l) => new RegExp(`^\\S+ +\\S+.* ${pkg} `).test(l));
  assert.notEqual(row, -1, `no vulnerability of ${pkg} in:\n${table}`);
  const where = lines.slice(row + 1).find((l) => l.startsWith('  in: '));
  assert.ok(where, table);
  return where;
}

describe('kshield image --dockerfile', () => {
  test('BuildKit history, multi-stage: each layer shows its instruction of the final stage, COPY --from its COPY line, the rest the base image', () => {
    const dockerfile = file('buildkit/Dockerfile', BUILDKIT_DOCKERFILE);
    const r = kshield(['image', 'oci-layout', buildkitLayout, '--dockerfile', dockerfile, ...DB_FLAGS, '--fail-on', 'none']);
    assert.equal(r.code, 0, r.stderr);
    const shown = dockerfile;
    // The layer list: base image, WORKDIR (a real layer with BuildKit), RUN, COPY --from, COPY, RUN heredoc.
    assert.ok(r.stdout.includes(`  0  base image debian:12 (${shown}:7)\n`), r.stdout);
    assert.ok(r.stdout.includes(`  1  ${shown}:10 WORKDIR $APP_HOME\n`), r.stdout);
    assert.ok(r.stdout.includes(`  2  ${shown}:11 RUN pip install --no-cache-dir requests==2.31.0\n`), r.stdout);
    assert.ok(r.stdout.includes(`  3  ${shown}:13 COPY --from=build /out/app /usr/local/bin/app\n`), r.stdout);
    assert.ok(r.stdout.includes(`  4  ${shown}:14 COPY package.json package-lock.json ./\n`), r.stdout);
    assert.ok(r.stdout.includes(`  5  ${shown}:15 RUN <<EOF npm ci --omit=dev\n`), r.stdout);
    // Beside each vulnerable package's layer: the line that put it there.
    assert.match(inLine(r.stdout, 'express'), new RegExp(`^  in: /srv/app/node_modules/express/package\\.json \\(layer 5 sha256:[0-9a-f]{12}: ${shown.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:15 RUN <<EOF npm ci --omit=dev\\)$`));
    assert.match(inLine(r.stdout, 'libssl3'), /\(layer 0 sha256:[0-9a-f]{12}: base image debian:12 \(.*Dockerfile:7\)\)$/);
    assert.doesNotMatch(r.stdout, /does not seem to be/);

    const json = kshield(['image', 'oci-layout', buildkitLayout, '--dockerfile', dockerfile, ...DB_FLAGS, '-o', 'json', '--fail-on', 'none']);
    const report = JSON.parse(json.stdout) as {
      subject: { layers: { index: number; dockerfile?: { file: string; line: number; instruction: string; baseImage?: string } }[] };
      packages: { name: string; locations: { layer?: { index: number; dockerfile?: { line: number } } }[] }[];
      vulnerabilities: { vulnerabilities: { package: { name: string; locations: { layer?: { dockerfile?: { line: number } } }[] } }[] };
    };
    assert.deepEqual(
      report.subject.layers.map((l) => [l.index, l.dockerfile?.line, l.dockerfile?.baseImage ?? l.dockerfile?.instruction.split(' ')[0]]),
      [
        [0, 7, 'debian:12'],
        [1, 10, 'WORKDIR'],
        [2, 11, 'RUN'],
        [3, 13, 'COPY'],
        [4, 14, 'COPY'],
        [5, 15, 'RUN'],
      ],
    );
    assert.equal(report.packages.find((p) => p.name === 'requests')?.locations[0].layer?.dockerfile?.line, 11);
    assert.equal(report.vulnerabilities.vulnerabilities.find((v) => v.package.name === 'express')?.package.locations[0].layer?.dockerfile?.line, 15);

    // SARIF: the vulnerability is located at the Dockerfile line first (where it is fixed), the image second.
    const sarif = kshield(['image', 'oci-layout', buildkitLayout, '--dockerfile', dockerfile, ...DB_FLAGS, '-o', 'sarif', '--fail-on', 'none']);
    const log = JSON.parse(sarif.stdout) as { runs: { results: { ruleId: string; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }[]; properties: { purl?: string } }[] }[] };
    const v = sarifValidator();
    assert.ok(v.validate(log), v.errors());
    const expressResult = log.runs[0].results.find((x) => x.ruleId === 'vulnerable-package' && x.properties.purl?.startsWith('pkg:npm/express@'));
    assert.ok(expressResult);
    assert.equal(expressResult.locations[0].physicalLocation.artifactLocation.uri, `file://${encodeURI(dockerfile)}`);
    assert.equal(expressResult.locations[0].physicalLocation.region?.startLine, 15);
    assert.match(expressResult.message.text, /Layer from .*Dockerfile:15 RUN <<EOF/);

    // SBOMs are the same document with or without --dockerfile.
    const sbom = (extra: string[]): string => kshield(['image', 'oci-layout', buildkitLayout, ...extra, '--no-vulns', '--sbom', 'cyclonedx', '--sbom-timestamp', '2026-12-05T00:00:00Z', '--fail-on', 'none']).stdout.replace(/"serialNumber": "[^"]*"/, '');
    const plain = sbom([]);
    assert.match(plain, /pkg:npm\/express@4\.18\.2/);
    assert.equal(sbom(['--dockerfile', dockerfile]), plain);
  });

  test('classic builder history: keyword-less RUN with build arguments, hashed COPY sources, an empty WORKDIR layer', () => {
    const dockerfile = file('classic/Dockerfile', CLASSIC_DOCKERFILE);
    const r = kshield(['image', 'oci-layout', classicLayout, '--dockerfile', dockerfile, ...DB_FLAGS, '--fail-on', 'none']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(`  0  base image debian:12 (${dockerfile}:1)\n`), r.stdout);
    assert.ok(r.stdout.includes(`  1  ${dockerfile}:4 COPY package.json /app/\n`), r.stdout);
    assert.ok(r.stdout.includes(`  2  ${dockerfile}:5 RUN npm ci --omit=dev\n`), r.stdout);
    assert.ok(r.stdout.includes(`  3  ${dockerfile}:6 COPY --chown=1000:1000 . .\n`), r.stdout);
    assert.ok(inLine(r.stdout, 'express').endsWith(`${dockerfile}:5 RUN npm ci --omit=dev)`), r.stdout);
  });

  test('a Dockerfile that is not the one the image was built from: a note, and no layer given to an instruction that did not make it', () => {
    // The pip RUN differs: the three layers above it still match from the top; it and everything below are left alone.
    const changed = file('changed/Dockerfile', BUILDKIT_DOCKERFILE.replace('requests==2.31.0', 'requests==2.32.3'));
    const r = kshield(['image', 'oci-layout', buildkitLayout, '--dockerfile', changed, ...DB_FLAGS, '--fail-on', 'none']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /does not seem to be the Dockerfile this image was built from: history entry \d+ \(layer 2\) \("RUN \|1 VERSION=1\.0 \/bin\/sh -c pip install --no-cache-dir requests==2\.31\.0 # buildkit"\) does not match the RUN at line 11; only the 3 layers matched above that are attributed/);
    assert.ok(r.stdout.includes(`  5  ${changed}:15 RUN <<EOF npm ci --omit=dev\n`), r.stdout);
    for (const n of [0, 1, 2]) assert.ok(r.stdout.includes(`\n  ${n}  not attributed\n`), r.stdout);
    assert.doesNotMatch(inLine(r.stdout, 'libssl3'), /Dockerfile|base image/);

    // One RUN more than the image has: the top entry meets the wrong instruction, so nothing is attributed.
    const longer = file('longer/Dockerfile', BUILDKIT_DOCKERFILE.replace('USER 10001', 'RUN rm -rf /tmp/*\nUSER 10001'));
    const l = kshield(['image', 'oci-layout', buildkitLayout, '--dockerfile', longer, ...DB_FLAGS, '--fail-on', 'none']);
    assert.equal(l.code, 0, l.stderr);
    assert.match(l.stdout, /does not seem to be the Dockerfile this image was built from: .*RUN at line 18; no layer is attributed to its instructions/);
    assert.doesNotMatch(l.stdout, /^ {2}\d+ {2}(?!not attributed)/m);
    assert.doesNotMatch(inLine(l.stdout, 'express'), /Dockerfile/);

    // The classic image against the BuildKit Dockerfile: counts and kinds disagree.
    const other = kshield(['image', 'oci-layout', classicLayout, '--dockerfile', file('buildkit/Dockerfile', BUILDKIT_DOCKERFILE), '--no-vulns', '--fail-on', 'none']);
    assert.match(other.stdout, /does not seem to be the Dockerfile this image was built from/);
    assert.doesNotMatch(other.stdout, /Dockerfile:\d+ /);
  });

  test('a missing, unreadable or malformed Dockerfile is a usage error naming it, before the image is read', () => {
    const missing = path.join(work, 'nope/Dockerfile');
    const r = kshield(['image', 'oci-layout', buildkitLayout, '--dockerfile', missing, '--no-vulns']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`--dockerfile ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no such file`));
    assert.equal(r.stdout, '');

    const dir = kshield(['image', 'oci-layout', buildkitLayout, '--dockerfile', work, '--no-vulns']);
    assert.equal(dir.code, 2);
    assert.match(dir.stderr, /is a directory/);

    const bad = file('bad/Dockerfile', 'FROM debian:12\nRUNN apt-get update\n');
    const b = kshield(['image', 'oci-layout', buildkitLayout, '--dockerfile', bad, '--no-vulns']);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /bad\/Dockerfile:2: unknown instruction "RUNN/);

    const rootfs = kshield(['image', 'rootfs', work, '--dockerfile', bad]);
    assert.equal(rootfs.code, 2);
    assert.match(rootfs.stderr, /--dockerfile: a root file system has no layers/);
  });
});

describe('the layer beside a vulnerability, without --dockerfile', () => {
  test('shows the history line with its credentials replaced by their length class', async () => {
    const token = 'npm_' + 'Qm4Rt7Yu2Io9Pa3Sd6Fg1Hj8Kl5Zx0Cv2Bn4';
    const dir = path.join(work, 'secret-history');
    writeOciLayout(dir, await buildImage([debianBase('debian'), { compression: 'gzip', createdBy: `RUN |1 NPM_TOKEN=${token} /bin/sh -c npm ci # buildkit`, entries: [express('app')] }], { config: { User: '1000' } }));
    const r = kshield(['image', 'oci-layout', dir, ...DB_FLAGS, '--fail-on', 'none']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(inLine(r.stdout, 'express'), /\(layer 1 sha256:[0-9a-f]{12}: RUN \|1 NPM_TOKEN=<redacted, 32 to 63 characters> \/bin\/sh -c npm ci # buildkit\)$/);
    assert.ok(!r.stdout.includes(token.slice(4, 20)), r.stdout);
    // Nor in any other format: JSON's layers and package locations, SARIF, the SBOMs.
    for (const format of ['json', 'sarif', 'junit', 'markdown', 'cyclonedx', 'spdx']) {
      const out = kshield(['image', 'oci-layout', dir, ...DB_FLAGS, '-o', format, '--fail-on', 'none']);
      assert.equal(out.code, 0, out.stderr);
      assert.ok(!out.stdout.includes(token.slice(4, 20)), `${format}: ${out.stdout.slice(0, 300)}`);
    }
  });
});

describe('attributeLayers', () => {
  const view = (text: string): DockerfileView => {
    const loaded = loadDockerfile(text, 'Dockerfile', { instructionText: true });
    assert.ok(loaded.resource, JSON.stringify(loaded.errors));
    return loaded.resource.object as unknown as DockerfileView;
  };
  const layer = (created_by: string): { created_by: string } => ({ created_by });
  const empty = (created_by: string): { created_by: string; empty_layer: true } => ({ created_by, empty_layer: true });

  test('exec form, SHELL, ADD, a stage built FROM another stage, and a variable in COPY', () => {
    const v = view(
      ['FROM alpine:3.20 AS base', 'RUN ["/bin/echo", "hello world"]', 'FROM base', 'SHELL ["/bin/ash", "-eo", "pipefail", "-c"]', 'ARG DEST', 'RUN wget -qO- https://example.com | tar x', 'ADD https://example.com/a.tgz $DEST/', ''].join('\n'),
    );
    const a = attributeLayers(
      v,
      'Dockerfile',
      [layer('/bin/sh -c #(nop) ADD file:aa in / '), layer('RUN /bin/echo hello world # buildkit'), empty('SHELL [/bin/ash -eo pipefail -c]'), layer('RUN |1 DEST=/opt /bin/ash -eo pipefail -c wget -qO- https://example.com | tar x # buildkit'), layer('ADD https://example.com/a.tgz /opt/ # buildkit')],
      4,
    );
    assert.deepEqual(a.notes, []);
    assert.deepEqual(
      a.origins.map((o) => (o ? `${o.line} ${o.baseImage ?? o.instruction}` : '-')),
      ['1 alpine:3.20', '2 RUN ["/bin/echo","hello world"]', '6 RUN wget -qO- https://example.com | tar x', '7 ADD https://example.com/a.tgz $DEST/'],
    );
  });

  test("the shape of a real BuildKit history: a classic-built base, the stage's build argument before each RUN, continuation lines as BuildKit joins them", () => {
    const v = view(
      [
        'FROM ubuntu:24.04',
        'LABEL maintainer=someone',
        'ARG DEBIAN_FRONTEND=noninteractive',
        'RUN apt update -y && apt install -y \\',
        '    ca-certificates \\',
        '    curl \\',
        '    unzip',
        'RUN curl "https://example.com/tool.zip" -o "tool.zip" \\',
        '    && unzip ./tool.zip',
        '',
      ].join('\n'),
    );
    const history = [
      empty('/bin/sh -c #(nop)  ARG RELEASE'),
      empty('/bin/sh -c #(nop)  LABEL org.opencontainers.image.version=24.04'),
      layer('/bin/sh -c #(nop) ADD file:34dc4f3ab7a694ecde47ff7a610be18591834c45f1d7251813267798412604e5 in / '),
      empty('/bin/sh -c #(nop)  CMD ["/bin/bash"]'),
      empty('LABEL maintainer=someone'),
      empty('ARG DEBIAN_FRONTEND=noninteractive'),
      layer('RUN |1 DEBIAN_FRONTEND=noninteractive /bin/sh -c apt update -y && apt install -y     ca-certificates     curl     unzip # buildkit'),
      layer('RUN |1 DEBIAN_FRONTEND=noninteractive /bin/sh -c curl "https://example.com/tool.zip" -o "tool.zip"     && unzip ./tool.zip # buildkit'),
    ];
    const a = attributeLayers(v, 'Dockerfile', history, 3);
    assert.deepEqual(a.notes, []);
    assert.deepEqual(
      a.origins.map((o) => `${o?.line} ${o?.instruction}`),
      ['1 FROM ubuntu:24.04', '4 RUN apt update -y && apt install -y ca-certificates curl unzip', '8 RUN curl "https://example.com/tool.zip" -o "tool.zip" && unzip ./tool.zip'],
    );
  });

  test('a history that does not map onto the layers, or none at all, attributes nothing and says why', () => {
    const v = view('FROM debian:12\nRUN true\n');
    const short = attributeLayers(v, 'Dockerfile', [layer('RUN /bin/sh -c true # buildkit')], 2);
    assert.deepEqual(short.origins, [undefined, undefined]);
    assert.match(short.notes[0], /history records 1 layer but the image has 2/);
    const none = attributeLayers(v, 'Dockerfile', undefined, 1);
    assert.match(none.notes[0], /records no build history/);
    // FROM scratch with a layer below the first instruction: that layer cannot be the base image's.
    const scratch = attributeLayers(view('FROM scratch\nCOPY app /app\n'), 'Dockerfile', [layer('ADD file:x in / '), layer('COPY app /app # buildkit')], 2);
    assert.equal(scratch.origins[1]?.line, 2);
    assert.equal(scratch.origins[0], undefined);
    assert.match(scratch.notes[0], /built FROM scratch/);
  });

  test("RUN's flags are not in the history (nor shown); a WORKDIR relative to the base image's directory; a malformed entry is a disagreement, not a crash", () => {
    const v = view('FROM node:22\nWORKDIR app\nRUN --mount=type=cache,target=/root/.npm --network=none npm ci\n');
    const a = attributeLayers(v, 'Dockerfile', [layer('base'), layer('WORKDIR /usr/src/app'), layer('RUN /bin/sh -c npm ci # buildkit')], 3);
    assert.deepEqual(a.notes, []);
    assert.deepEqual(a.origins.map((o) => o?.instruction), ['FROM node:22', 'WORKDIR app', 'RUN npm ci']);
    const malformed = attributeLayers(v, 'Dockerfile', [layer('base'), layer('WORKDIR /usr/src/app'), { created_by: 42 } as unknown as { created_by: string }], 3);
    assert.deepEqual(malformed.origins, [undefined, undefined, undefined]);
    assert.match(malformed.notes[0], /history entry 2 \(layer 2\) does not say what made it, where the final stage has RUN at line 3/);
  });

  test('COPY heredocs are named in the history by their marker, after the files', () => {
    const v = view('FROM alpine:3.20\nCOPY <<-"CONF" app.conf /etc/app/\n\tlisten 8080\n\tCONF\n');
    const a = attributeLayers(v, 'Dockerfile', [layer('base'), layer('COPY app.conf <<CONF /etc/app/ # buildkit')], 2);
    assert.deepEqual(a.notes, []);
    assert.equal(a.origins[1]?.line, 2);
    const wrong = attributeLayers(v, 'Dockerfile', [layer('base'), layer('COPY app.conf /etc/app/ # buildkit')], 2);
    assert.equal(wrong.origins[1], undefined);
    assert.equal(wrong.notes.length, 1);
  });

  test('credentials in an instruction are never shown', () => {
    const token = 'ghp_' + 'x7Kq2Lm9Pz4Rt6Vw8Yb1Nc3Dj5Fh0Gs2Ae4Q';
    const v = view(`FROM debian:12\nRUN curl -H "Authorization: token ${token}" https://example.com/install.sh | sh\n`);
    const a = attributeLayers(v, 'Dockerfile', [layer('debian'), layer(`RUN /bin/sh -c curl -H "Authorization: token ${token}" https://example.com/install.sh | sh # buildkit`)], 2);
    assert.equal(a.origins[1]?.line, 2);
    assert.ok(!a.origins[1]!.instruction.includes(token.slice(4)), a.origins[1]!.instruction);
    assert.match(a.origins[1]!.instruction, /<redacted, /);
  });
});
