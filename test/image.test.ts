/**
 * `kshield image` with real parts: images built here from fixture trees (this machine's own
 * /var/lib/dpkg/status and os-release, an apk database, node_modules, a dist-info and an
 * egg-info, a Spring-Boot-style jar with a nested jar, a Go binary built by `go` when present),
 * with layers compressed by gzip, by the zstd CLI and not at all; whiteouts and an opaque
 * directory; written as an OCI image layout and as a `docker save` archive, and pushed to Debian's
 * docker-registry on 127.0.0.1 behind basic auth (htpasswd). All three must give the same
 * inventory. `image rootfs /` runs on this machine itself.
 *
 * Without docker-registry (or htpasswd) the registry part is skipped with a loud message, unless
 * KSHIELD_INTEGRATION=required (CI), where it fails.
 */
import { writeImageFixtures } from './support/image-fixtures.js';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { zipSync } from 'fflate';
import { inventoryImage } from '../src/images/inventory.js';
import { runsAsRoot } from '../src/rules/container-image/shared.js';
import { imageObject, imageResource } from '../src/images/image-object.js';
import type { ImageConfig } from '../src/images/sources.js';
import type { OperatingSystem } from '../src/packages/model.js';
import { scanLoaded } from '../src/pipeline/scan-files.js';

/** The findings the engine gives an image with this configuration and OS, judged at `now`. */
function checkImage(config: ImageConfig, os: OperatingSystem | undefined, now = new Date()): { rule: string; path: string; message: string }[] {
  const view = imageObject({ target: { kind: 'registry', reference: 'registry.example/app:1' }, name: 'registry.example/app:1', inventory: { ...(os ? { os } : {}), packages: [], notes: [] }, config, layers: [] });
  return scanLoaded({ resources: [imageResource(view)], errors: [], notes: [], files: [] }, { now }).findings.map((f) => ({ rule: f.rule, path: f.path, message: f.message }));
}
import { credentialsFromConfig, runCredentialHelper } from '../src/images/docker-config.js';
import { endOfLife } from '../src/images/eol.js';
import type { Inventory } from '../src/packages/model.js';
import { cli, root } from './support/cli.js';
import { sarifValidator } from './support/sarif.js';
import { createTokenSigner, htpasswdLine, htpasswdMissing, registryMissing, startRegistry, startTokenServer, type Registry } from './support/docker-registry.js';
import { buildImage, pushBuiltImage, pushBuiltIndex, writeDockerArchive, writeOciLayout, zstdAvailable, type BuiltImage, type LayerEntry, type LayerSpec } from './support/oci-build.js';

const required = process.env.KSHIELD_INTEGRATION === 'required';
const registryWhy = registryMissing() ?? htpasswdMissing();
if (registryWhy) {
  process.stderr.write(
    `\n!! test/image.test.ts: the docker-registry part is SKIPPED: ${registryWhy}.\n` +
      `!! Set KSHIELD_INTEGRATION=required to make this a failure.\n\n`,
  );
}

const work = mkdtempSync(path.join(tmpdir(), 'kshield-image-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

// Fake credentials of the shapes the detectors know; never real.
const AWS_SECRET = 'q8Zt3mW1vR7pL0sN4xK2cB9dF6hJ5gT1yU3iO8eA';
const NPM_TOKEN = 'npm_' + 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5';
const USER = 'ci-puller';
const PASSWORD = 'Pw-' + 'k7Qz9Lm2Xc4Vb8Nq';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(kill);
      resolve({ code, stdout, stderr });
    });
  });
}

/** dpkg's own view of this machine's installed packages: name, version, source name and version. */
function dpkgQuery(): string[] {
  const r = spawnSync('dpkg-query', ['-W', '-f', '${db:Status-Status}\t${Package}\t${Version}\t${source:Package}\t${source:Version}\n'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr);
  const present = new Set(['installed', 'unpacked', 'half-configured', 'half-installed', 'triggers-awaited', 'triggers-pending']);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'))
    .filter((f) => present.has(f[0]))
    .map((f) => f.slice(1).join(' '))
    .sort();
}

function jar(members: Record<string, Uint8Array>): Uint8Array {
  return zipSync(members);
}

const pom = (g: string, a: string, v: string): Uint8Array => Buffer.from(`#Generated by Maven\nversion=${v}\ngroupId=${g}\nartifactId=${a}\n`);

/** A Go binary built here, with its module path and the toolchain's version; undefined without go. */
function buildGoBinary(): { bytes: Buffer; goVersion: string } | undefined {
  if (spawnSync('sh', ['-c', 'command -v go']).status !== 0) return undefined;
  const dir = path.join(work, 'gosrc');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'go.mod'), 'module example.com/kshield-fixture\n\ngo 1.18\n');
  writeFileSync(path.join(dir, 'main.go'), 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("fixture") }\n');
  const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod', GOPROXY: 'off', GOTOOLCHAIN: 'local' };
  const built = spawnSync('go', ['build', '-trimpath', '-buildvcs=false', '-o', path.join(work, 'fixture-bin'), '.'], { cwd: dir, env, encoding: 'utf8', timeout: 180_000 });
  assert.equal(built.status, 0, `go build failed: ${built.stderr}`);
  const version = spawnSync('go', ['env', 'GOVERSION'], { env, encoding: 'utf8' }).stdout.trim();
  return { bytes: readFileSync(path.join(work, 'fixture-bin')), goVersion: version };
}

const APK_DB = ['C:Q1abc=', 'P:musl', 'V:1.2.4-r2', 'A:x86_64', 'o:musl', 'L:MIT', '', 'C:Q1def=', 'P:libcrypto3', 'V:3.1.4-r1', 'A:x86_64', 'o:openssl', 'L:Apache-2.0', ''].join('\n');

let go: ReturnType<typeof buildGoBinary>;
let image: BuiltImage;
const ociDir = path.join(work, 'oci');
const archive = path.join(work, 'shop-app.tar');

before(async () => {
  go = buildGoBinary();
  const osRelease = readFileSync('/etc/os-release');
  const base: LayerEntry[] = [
    { path: 'etc/', directory: true },
    { path: 'etc/os-release', symlink: '../usr/lib/os-release' },
    { path: 'usr/lib/os-release', content: osRelease },
    { path: 'var/lib/dpkg/status', content: readFileSync('/var/lib/dpkg/status') },
    { path: 'lib/apk/db/installed', content: APK_DB },
    { path: 'var/lib/rpm/rpmdb.sqlite', content: 'SQLite format 3\0' },
    { path: 'opt/legacy/node_modules/left-pad/package.json', content: JSON.stringify({ name: 'left-pad', version: '1.3.0' }) },
    { path: 'app/node_modules/removed-pkg/package.json', content: JSON.stringify({ name: 'removed-pkg', version: '0.0.1' }) },
  ];
  const app: LayerEntry[] = [
    { path: 'app/node_modules/.wh.removed-pkg', content: '' },
    { path: 'opt/legacy/.wh..wh..opq', content: '' },
    { path: 'opt/legacy/kept.txt', content: 'kept' },
    { path: 'app/node_modules/express/package.json', content: JSON.stringify({ name: 'express', version: '4.18.2', license: 'MIT' }) },
    { path: 'app/node_modules/express/node_modules/debug/package.json', content: JSON.stringify({ name: 'debug', version: '2.6.9' }) },
    { path: 'app/node_modules/@types/node/package.json', content: JSON.stringify({ name: '@types/node', version: '20.11.0' }) },
    { path: 'usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA', content: 'Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nLicense: Apache 2.0\n\nLong description.\n' },
    { path: 'usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO', content: 'Metadata-Version: 1.2\nName: six\nVersion: 1.16.0\n' },
    {
      path: 'app/app.jar',
      content: Buffer.from(
        jar({
          'META-INF/MANIFEST.MF': Buffer.from('Manifest-Version: 1.0\n'),
          'META-INF/maven/com.acme/shop/pom.properties': pom('com.acme', 'shop', '1.4.0'),
          'BOOT-INF/lib/guava-32.1.2-jre.jar': jar({ 'META-INF/maven/com.google.guava/guava/pom.properties': pom('com.google.guava', 'guava', '32.1.2-jre') }),
        }),
      ),
    },
  ];
  const layers: LayerSpec[] = [
    { entries: base, compression: 'gzip' as const, createdBy: 'ADD rootfs.tar / # buildkit' },
    { entries: app, compression: zstdAvailable() ? ('zstd' as const) : ('gzip' as const), createdBy: 'RUN /bin/sh -c npm ci # buildkit' },
  ];
  if (go) layers.push({ entries: [{ path: 'usr/local/bin/shop', content: go.bytes, mode: 0o755 }], compression: 'none' as const, createdBy: 'COPY shop /usr/local/bin/shop # buildkit' });
  image = await buildImage(layers, {
    config: { User: '', ExposedPorts: { '8080/tcp': {}, '22/tcp': {} }, Env: ['PATH=/usr/local/bin:/usr/bin:/bin', `AWS_SECRET_ACCESS_KEY=${AWS_SECRET}`] },
    history: [{ created_by: `|1 NPM_TOKEN=${NPM_TOKEN} /bin/sh -c echo "//registry.npmjs.org/:_authToken=$NPM_TOKEN" > ~/.npmrc`, empty_layer: true }],
  });
  writeOciLayout(ociDir, image, '1.0');
  await writeDockerArchive(archive, image, 'shop/app:1.0');
});

function checkFixtureInventory(inv: Inventory): void {
  const by = (foundBy: string): string[] => inv.packages.filter((p) => p.foundBy === foundBy).map((p) => `${p.name}@${p.version}`);
  const osId = /^ID=(.*)$/m.exec(readFileSync('/etc/os-release', 'utf8'))![1].replace(/"/g, '');
  assert.equal(inv.os?.id, osId, 'os-release is found through the /etc/os-release symlink');
  // dpkg: exactly what dpkg itself says is installed, with dpkg's own source package and version.
  const dpkg = inv.packages.filter((p) => p.foundBy === 'dpkg').flatMap((p) => p.locations.map(() => `${p.name} ${p.version} ${p.source!.name} ${p.source!.version}`)).sort();
  assert.deepEqual(dpkg, dpkgQuery());
  assert.deepEqual(by('apk'), ['libcrypto3@3.1.4-r1', 'musl@1.2.4-r2']);
  assert.deepEqual(inv.packages.find((p) => p.name === 'libcrypto3')?.source, { name: 'openssl', version: '3.1.4-r1' });
  assert.deepEqual(by('npm'), ['@types/node@20.11.0', 'debug@2.6.9', 'express@4.18.2'], 'the whiteout removes removed-pkg; the opaque directory removes left-pad');
  assert.deepEqual(by('python'), ['requests@2.31.0', 'six@1.16.0']);
  assert.deepEqual(by('java-archive'), ['com.acme:shop@1.4.0', 'com.google.guava:guava@32.1.2-jre']);
  assert.equal(inv.packages.find((p) => p.name === 'com.google.guava:guava')?.locations[0].path, '/app/app.jar!/BOOT-INF/lib/guava-32.1.2-jre.jar');
  assert.equal(inv.packages.find((p) => p.name === 'express')?.purl, 'pkg:npm/express@4.18.2');
  assert.equal(inv.packages.find((p) => p.name === '@types/node')?.purl, 'pkg:npm/%40types/node@20.11.0');
  assert.ok(inv.notes.some((n) => n.path === '/var/lib/rpm/rpmdb.sqlite' && /RPM database is present and was not read/.test(n.message)));
  // Layer attribution by diff_id: the same in a registry, a layout and an archive.
  const express = inv.packages.find((p) => p.name === 'express')!;
  assert.equal(express.locations[0].layer?.index, 1);
  assert.equal(express.locations[0].layer?.digest, image.layers[1].diffId);
  assert.equal(express.locations[0].layer?.createdBy, 'RUN /bin/sh -c npm ci # buildkit');
  if (go) {
    const goPkgs = inv.packages.filter((p) => p.foundBy === 'go-binary');
    const stdlib = `v${go.goVersion.replace(/^go/, '')}${/^go\d+\.\d+$/.test(go.goVersion) ? '.0' : ''}`;
    assert.deepEqual(goPkgs.map((p) => `${p.name}@${p.version}`).sort(), ['example.com/kshield-fixture@(devel)', `stdlib@${stdlib}`].sort());
    assert.ok(goPkgs.every((p) => p.locations[0].path === '/usr/local/bin/shop' && p.goVersion === go!.goVersion));
  } else process.stderr.write('!! test/image.test.ts: no go on PATH: the Go binary part of the fixture image is left out\n');
}

describe('OCI layout and docker save archive', () => {
  test('both give the fixture inventory, and the same one', async () => {
    const fromLayout = await inventoryImage({ kind: 'oci-layout', dir: ociDir });
    const fromArchive = await inventoryImage({ kind: 'docker-archive', file: archive });
    checkFixtureInventory(fromLayout.inventory);
    assert.deepEqual(fromArchive.inventory, fromLayout.inventory);
    assert.equal(fromLayout.manifestDigest, image.manifestDigest);
    assert.equal(fromArchive.configDigest, image.configDigest);
  });

  test('the CLI reports configuration findings, and never a secret value', async () => {
    const jsonFile = path.join(work, 'report.json');
    const r = await run(['image', 'oci-layout', ociDir, '-o', `json=${jsonFile}`, '-o', 'text', '--fail-on', 'high']);
    assert.equal(r.code, 1, r.stderr);
    const written = readFileSync(jsonFile, 'utf8');
    for (const text of [r.stdout, r.stderr, written]) assert.ok(!text.includes(AWS_SECRET) && !text.includes(NPM_TOKEN), 'no secret value in any output');
    const json = JSON.parse(written) as { findings: { rule: string; path: string; severity: string }[] };
    assert.deepEqual(
      json.findings.map((f) => `${f.severity} ${f.rule} ${f.path}`),
      [
        'high image-secret-in-env /config/Env/1',
        `high image-secret-in-history /history/${image.layers.length}/created_by`,
        'medium image-exposes-ssh /config/ExposedPorts/22~1tcp',
        'medium image-runs-as-root /config/User',
        'info image-exposed-port /config/ExposedPorts/8080~1tcp',
      ],
    );
    assert.match(r.stdout, /HIGH {2}image-secret-in-env {2}environment variable AWS_SECRET_ACCESS_KEY holds/);
    const sarif = await run(['image', 'docker-archive', archive, '-o', 'sarif', '--fail-on', 'none']);
    assert.equal(sarif.code, 0, sarif.stderr);
    const log = JSON.parse(sarif.stdout) as { runs: { results: { ruleId: string; level: string }[] }[] };
    assert.equal(log.runs[0].results.length, 5);
    const validator = sarifValidator();
    assert.ok(validator.validate(log), validator.errors());
    assert.ok(!sarif.stdout.includes(AWS_SECRET));
  });

  test('a tampered layer is refused with its digest named', async () => {
    const dir = path.join(work, 'tampered');
    writeOciLayout(dir, image, '1.0');
    const [alg, hex] = image.layers[1].digest.split(':');
    const file = path.join(dir, 'blobs', alg, hex);
    const bytes = readFileSync(file);
    bytes[bytes.length - 20] ^= 0xff;
    writeFileSync(file, bytes);
    const r = await run(['image', 'oci-layout', dir]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`layer 1 \\(${image.layers[1].digest}\\) .*: its content does not match its digest ${image.layers[1].digest} \\(corrupt or tampered\\)`));
  });

  test('a docker save archive with a damaged layer, wherever the damage is: one line naming the layer, exit 2, never a crash', async () => {
    // The example image (small layers, each read whole while its first bytes are looked at) and this file's.
    await writeImageFixtures(path.join(work, 'fixtures'));
    const archive = path.join(work, 'damaged-source.tar');
    await writeDockerArchive(archive, image, 'shop/app:1.0');
    for (const offset of [2060, 2600, 3000, 8500]) {
      const bytes = readFileSync(path.join(work, 'fixtures/shop.tar'));
      for (let k = 0; k < 4; k++) bytes[offset + k] ^= 0xa5;
      writeFileSync(path.join(work, 'damaged-fixture.tar'), bytes);
      const r = await run(['image', 'docker-archive', path.join(work, 'damaged-fixture.tar'), '--no-vulns', '-o', 'json']);
      assert.equal(r.code, 2, `offset ${offset}: ${r.stderr}`);
      assert.match(r.stderr, /^kshield: error: layer \d \(sha256:[0-9a-f]{64}\) in docker archive .*: its content does not match its digest .* \(corrupt or tampered\)\n$/, `offset ${offset}`);
    }
    const original = readFileSync(archive);
    // 32 places spread over the archive (tar headers, layer bytes, their ends), each run a process:
    // an unhandled stream error would end it with a stack trace.
    const step = Math.floor((original.length - 1624) / 32);
    const offsets = [...Array.from({ length: 10 }, (_, k) => 600 + k * 1537), ...Array.from({ length: 32 }, (_, k) => 16_000 + k * step)].filter((o) => o < original.length - 1024);
    for (const offset of offsets) {
      const bytes = Buffer.from(original);
      for (let k = 0; k < 4; k++) bytes[offset + k] ^= 0xa5;
      const file = path.join(work, 'damaged.tar');
      writeFileSync(file, bytes);
      const r = await run(['image', 'docker-archive', file, '--no-vulns', '-o', 'json']);
      assert.ok(r.code === 2 || r.code === 0 || r.code === 1, `offset ${offset}: exit ${r.code}`);
      assert.doesNotMatch(r.stderr, /Unhandled|throw er|internal error|\n\s+at /, `offset ${offset}: ${r.stderr}`);
      if (r.code === 2) assert.equal(r.stderr.trim().split('\n').length, 1, `offset ${offset}: ${r.stderr}`);
    }
    const directory = await run(['image', 'docker-archive', work]);
    assert.equal(directory.code, 2);
    assert.equal(directory.stderr, `kshield: error: ${work}: a directory, not a docker save archive (for an unpacked image: oci-layout DIR or rootfs DIR)\n`);
  });

  test('limits: layer size and entry count stop the scan with a clear error; a large file is skipped with a note', async () => {
    const big = await run(['image', 'oci-layout', ociDir, '--max-layer-size', '4KiB']);
    assert.equal(big.code, 2);
    assert.match(big.stderr, /layer 0 \(sha256:[a-f0-9]{64}\).* over the 4 KiB limit \(--max-layer-size\)/);
    const many = await run(['image', 'oci-layout', ociDir, '--max-entries', '5']);
    assert.equal(many.code, 2);
    assert.match(many.stderr, /more than 5 files in the image \(--max-entries\)/);
    const members = await run(['image', 'docker-archive', archive, '--max-entries', '5']);
    assert.equal(members.code, 2);
    assert.match(members.stderr, /shop-app\.tar: more than 5 members \(--max-entries\)/);
    const small = await run(['image', 'oci-layout', ociDir, '--max-file-size', '64KiB', '-o', 'json', '--fail-on', 'none']);
    assert.equal(small.code, 0, small.stderr);
    const report = JSON.parse(small.stdout) as { notes: { path: string; message: string }[]; packages: { foundBy: string }[] };
    assert.ok(report.notes.some((n) => n.path === '/var/lib/dpkg/status' && /over the 64 KiB file limit \(--max-file-size\)/.test(n.message)));
    assert.equal(report.packages.filter((p) => p.foundBy === 'dpkg').length, 0);
    assert.ok(report.packages.some((p) => p.foundBy === 'npm'), 'everything else is still read');
  });

  test('usage errors: a layout that is not one, --insecure for a remote registry', async () => {
    const r = await run(['image', 'oci-layout', work]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not an OCI image layout \(no oci-layout file\)/);
    const arm = await run(['image', 'docker-archive', archive, '--platform', 'linux/arm64']);
    assert.equal(arm.code, 2);
    assert.match(arm.stderr, /shop-app\.tar holds a linux\/amd64 image, not linux\/arm64/);
    const insecure = await run(['image', 'registry.example.com/app:1', '--insecure']);
    assert.equal(insecure.code, 2);
    assert.match(insecure.stderr, /--insecure \(plain HTTP\) is only for registries on this machine/);
  });
});

describe('layer semantics', () => {
  test('distroless status.d, os-release only in /usr/lib, a directory replaced by a file, hard links', async () => {
    const dir = path.join(work, 'semantics');
    const built = await buildImage(
      [
        {
          compression: 'gzip',
          createdBy: 'base',
          entries: [
            { path: 'usr/lib/os-release', content: 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' },
            { path: 'var/lib/dpkg/status.d/base-files', content: 'Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\n' },
            { path: 'var/lib/dpkg/status.d/base-files.md5sums', content: 'd41d8cd98f00b204e9800998ecf8427e  etc/debian_version\n' },
            { path: 'var/lib/dpkg/status.d/libssl3', content: 'Package: libssl3\nVersion: 3.0.11-1~deb12u2\nArchitecture: amd64\nSource: openssl\n' },
            { path: 'app/lib/node_modules/gone/package.json', content: JSON.stringify({ name: 'gone', version: '1.0.0' }) },
            { path: 'srv/node_modules/linked/package.json', content: JSON.stringify({ name: 'linked', version: '2.0.0' }) },
          ],
        },
        {
          compression: 'none',
          createdBy: 'replace',
          entries: [
            { path: 'app/lib', content: 'now a file' },
            { path: 'srv/node_modules/copy/package.json', hardlink: 'srv/node_modules/linked/package.json' },
          ],
        },
      ],
      { config: { User: '65532' } },
    );
    writeOciLayout(dir, built);
    const { inventory } = await inventoryImage({ kind: 'oci-layout', dir });
    assert.equal(inventory.os?.prettyName, 'Debian GNU/Linux 12 (bookworm)');
    assert.deepEqual(
      inventory.packages.map((p) => `${p.foundBy} ${p.name} ${p.version} ${p.osvEcosystem ?? ''} ${p.source ? `${p.source.name} ${p.source.version}` : ''} ${p.locations.map((l) => l.path).join(',')}`),
      [
        'dpkg base-files 12.4+deb12u5 Debian:12 base-files 12.4+deb12u5 /var/lib/dpkg/status.d/base-files',
        'dpkg libssl3 3.0.11-1~deb12u2 Debian:12 openssl 3.0.11-1~deb12u2 /var/lib/dpkg/status.d/libssl3',
        'npm linked 2.0.0   /srv/node_modules/copy/package.json,/srv/node_modules/linked/package.json',
      ],
    );
    assert.deepEqual(inventory.notes, []);
  });
});

describe('image configuration checks', () => {
  test('root user: empty, 0, root and uid 0 with a group; not a non-zero uid with group 0', () => {
    for (const u of [undefined, '', '0', 'root', '0:0', 'root:root', '0:1000', '00']) assert.equal(runsAsRoot(u), true, String(u));
    for (const u of ['1000', '10001:0', 'app', 'nobody:nogroup']) assert.equal(runsAsRoot(u), false, u);
  });

  test('base OS end of life from os-release, judged at a given date', () => {
    const buster = { id: 'debian', versionId: '10', prettyName: 'Debian GNU/Linux 10 (buster)' };
    const at = new Date('2026-12-05T00:00:00Z');
    const findings = checkImage({ config: { User: '1000' } }, buster, at);
    assert.deepEqual(findings.map((f) => f.rule), ['image-base-os-end-of-life']);
    assert.match(findings[0].message, /Debian GNU\/Linux 10 \(buster\), reached the end of its security support on 2024-06-30/);
    assert.deepEqual(checkImage({ config: { User: '1000' } }, { id: 'debian', versionId: '12' }, at), []);
    assert.equal(checkImage({ config: { User: '1000' } }, { id: 'alpine', versionId: '3.20.3' }, at)[0]?.rule, 'image-base-os-end-of-life');
    assert.deepEqual(checkImage({ config: { User: '1000' } }, { id: 'alpine', versionId: '3.20.3' }, new Date('2026-04-01T12:00:00Z')), [], 'the last day is still supported');
    assert.equal(endOfLife({ id: 'fedora', versionId: '39' }), undefined, 'unknown is not old');
  });

  test('an ENV secret is one finding, not also one for its ENV history line', () => {
    const f = checkImage({ config: { User: '1', Env: [`DB_PASSWORD=${AWS_SECRET}`] }, history: [{ created_by: `ENV DB_PASSWORD=${AWS_SECRET}` }, { created_by: 'RUN /bin/sh -c make' }] }, undefined);
    assert.deepEqual(f.map((x) => `${x.rule} ${x.path}`), ['image-secret-in-env /config/Env/0']);
    assert.ok(f.every((x) => !x.message.includes(AWS_SECRET)));
  });
});

describe('Docker configuration credentials', () => {
  const helperDir = path.join(work, 'helpers');
  before(() => {
    mkdirSync(helperDir, { recursive: true });
    const script = (name: string, body: string): void => {
      writeFileSync(path.join(helperDir, `docker-credential-${name}`), `#!/bin/sh\n${body}\n`);
      chmodSync(path.join(helperDir, `docker-credential-${name}`), 0o755);
    };
    script('good', `read server; [ "$server" = "127.0.0.1:5999" ] || exit 3; printf '{"ServerURL":"%s","Username":"${USER}","Secret":"${PASSWORD}"}' "$server"`);
    script('none', `echo "credentials not found in native keychain"; exit 1`);
    script('leaky', `echo "error: token ${PASSWORD} rejected"; exit 1`);
    script('slow', 'sleep 5');
  });
  const opts = (): { path: string; helperTimeoutMs: number } => ({ path: `${helperDir}:${process.env.PATH}`, helperTimeoutMs: 500 });

  test('credHelpers first, then credsStore, then auths; Docker Hub by its historic key', async () => {
    const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    assert.deepEqual(await credentialsFromConfig({ auths: { '127.0.0.1:5999': { auth: 'bm9wZTpub3Bl' } }, credHelpers: { '127.0.0.1:5999': 'good' } }, '127.0.0.1:5999', 'cfg', opts()), { username: USER, password: PASSWORD });
    assert.deepEqual(await credentialsFromConfig({ credsStore: 'none', auths: { 'https://127.0.0.1:5999/v1/': { auth } } }, '127.0.0.1:5999', 'cfg', opts()), { username: USER, password: PASSWORD });
    assert.deepEqual(await credentialsFromConfig({ auths: { 'https://index.docker.io/v1/': { auth } } }, 'docker.io', 'cfg', opts()), { username: USER, password: PASSWORD });
    assert.equal(await credentialsFromConfig({ auths: { 'ghcr.io': { auth } } }, 'docker.io', 'cfg', opts()), undefined);
  });

  test('a helper that fails, hangs or is missing: an error that never repeats its output', async () => {
    await assert.rejects(runCredentialHelper('leaky', '127.0.0.1:5999', opts()), (e: Error) => /docker-credential-leaky failed for registry 127\.0\.0\.1:5999 \(exit 1\)/.test(e.message) && !e.message.includes(PASSWORD));
    const started = Date.now();
    await assert.rejects(runCredentialHelper('slow', '127.0.0.1:5999', opts()), /docker-credential-slow did not answer within 500 ms/);
    assert.ok(Date.now() - started < 3000, 'the deadline ends the helper');
    await assert.rejects(runCredentialHelper('absent', '127.0.0.1:5999', opts()), /docker-credential-absent \(named in the Docker configuration\) is not on PATH/);
    await assert.rejects(runCredentialHelper('../evil', 'x', opts()), /not a plain name/);
  });
});

describe('against docker-registry with basic auth', { skip: registryWhy && !required ? registryWhy : false, timeout: 300_000 }, () => {
  let registry: Registry;
  const headers = { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` };
  const configDir = path.join(work, 'docker-config');
  let arm: BuiltImage;

  before(async () => {
    if (registryWhy) assert.fail(`KSHIELD_INTEGRATION=required but ${registryWhy}`);
    registry = await startRegistry(undefined, { htpasswd: htpasswdLine(USER, PASSWORD) });
    await pushBuiltImage(registry.base, 'shop/app', '1.0', image, headers);
    arm = await buildImage([{ entries: [{ path: 'app/node_modules/arm-only/package.json', content: JSON.stringify({ name: 'arm-only', version: '1.0.0' }) }], compression: 'gzip', createdBy: 'COPY . /app' }], { config: { User: '10001' } }, { os: 'linux', architecture: 'arm64' });
    await pushBuiltImage(registry.base, 'shop/app', 'arm-tmp', arm, headers);
    await pushBuiltIndex(registry.base, 'shop/app', 'multi', [{ image, platform: { os: 'linux', architecture: 'amd64' } }, { image: arm, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }], headers);
    mkdirSync(configDir, { recursive: true });
    writeFileSync(path.join(configDir, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } } }));
  });
  after(async () => registry?.stop());

  test('registry, OCI layout and docker archive give the same inventory', async () => {
    const r = await run(['image', `${registry.host}/shop/app:1.0`, '--insecure', '-o', 'json', '--fail-on', 'none'], { DOCKER_CONFIG: configDir });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes(PASSWORD) && !r.stderr.includes(PASSWORD));
    const fromRegistry = JSON.parse(r.stdout) as { subject: { manifestDigest: string }; packages: unknown[]; os: unknown; notes: unknown[] };
    assert.equal(fromRegistry.subject.manifestDigest, image.manifestDigest);
    const layout = JSON.parse((await run(['image', 'oci-layout', ociDir, '-o', 'json', '--fail-on', 'none'])).stdout) as typeof fromRegistry;
    const saved = JSON.parse((await run(['image', 'docker-archive', archive, '-o', 'json', '--fail-on', 'none'])).stdout) as typeof fromRegistry;
    assert.deepEqual(fromRegistry.packages, layout.packages);
    assert.deepEqual(saved.packages, layout.packages);
    assert.deepEqual([fromRegistry.os, fromRegistry.notes], [layout.os, layout.notes]);
    checkFixtureInventory({ os: fromRegistry.os as Inventory['os'], packages: fromRegistry.packages as Inventory['packages'], notes: fromRegistry.notes as Inventory['notes'] });
  });

  test('by digest, and through a credential helper named in credHelpers', async () => {
    const helperDir = path.join(work, 'helpers2');
    mkdirSync(helperDir, { recursive: true });
    writeFileSync(path.join(helperDir, 'docker-credential-kshieldtest'), `#!/bin/sh\nread server\n[ "$server" = "${registry.host}" ] || exit 3\nprintf '{"ServerURL":"%s","Username":"${USER}","Secret":"${PASSWORD}"}' "$server"\n`);
    chmodSync(path.join(helperDir, 'docker-credential-kshieldtest'), 0o755);
    const dir = path.join(work, 'docker-config-helper');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ credHelpers: { [registry.host]: 'kshieldtest' } }));
    const r = await run(['image', `${registry.host}/shop/app@${image.manifestDigest}`, '--insecure', '-o', 'json', '--fail-on', 'none'], { DOCKER_CONFIG: dir, PATH: `${helperDir}:${process.env.PATH}` });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes(PASSWORD) && !r.stderr.includes(PASSWORD));
    assert.ok((JSON.parse(r.stdout) as { packages: { name: string }[] }).packages.some((p) => p.name === 'express'));
  });

  test('limits against a registry: refused before or while downloading, and the command ends at once', async () => {
    const started = Date.now();
    const big = await run(['image', `${registry.host}/shop/app:1.0`, '--insecure', '--max-layer-size', '4KiB'], { DOCKER_CONFIG: configDir });
    assert.equal(big.code, 2);
    assert.match(big.stderr, /layer 0 \(sha256:[a-f0-9]{64}\) of 127\.0\.0\.1:\d+\/shop\/app:1\.0 is .*, over the 4 KiB limit \(--max-layer-size\)/);
    const many = await run(['image', `${registry.host}/shop/app:1.0`, '--insecure', '--max-entries', '3'], { DOCKER_CONFIG: configDir });
    assert.equal(many.code, 2);
    assert.match(many.stderr, /more than 3 files in the image \(--max-entries\)/);
    assert.ok(Date.now() - started < 20_000, 'no connection is left open to keep the process alive');
  });

  test('wrong or missing credentials: exit 2, no password in the message', async () => {
    const dir = path.join(work, 'docker-config-wrong');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ auths: { [registry.host]: { username: USER, password: 'wrong-password-123' } } }));
    const wrong = await run(['image', `${registry.host}/shop/app:1.0`, '--insecure'], { DOCKER_CONFIG: dir });
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /did not accept the configured credentials \(401\)/);
    assert.ok(!wrong.stderr.includes('wrong-password-123'));
    const none = await run(['image', `${registry.host}/shop/app:1.0`, '--insecure'], { DOCKER_CONFIG: path.join(work, 'no-such-dir') });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /requires authentication \(401\); log in to it/);
  });

  test('bearer token auth: credentials from the Docker configuration go to the token service, the token to the registry', async () => {
    const signer = createTokenSigner();
    const tokens = await startTokenServer(signer, { username: USER, password: PASSWORD });
    const tokenRegistry = await startRegistry({ realm: tokens.realm, signer });
    try {
      const push = { authorization: `Bearer ${signer.mint('shop/app', ['pull', 'push'])}` };
      await pushBuiltImage(tokenRegistry.base, 'shop/app', '1.0', image, push);
      const dir = path.join(work, 'docker-config-token');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ auths: { [tokenRegistry.host]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } } }));
      const r = await run(['image', `${tokenRegistry.host}/shop/app:1.0`, '--insecure', '-o', 'json', '--fail-on', 'none'], { DOCKER_CONFIG: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.equal((JSON.parse(r.stdout) as { subject: { manifestDigest: string } }).subject.manifestDigest, image.manifestDigest);
      assert.ok(tokens.requests.some((t) => t.scope === 'repository:shop/app:pull' && t.authorization === headers.authorization), 'the token service got the configured credentials');
      assert.ok(!r.stdout.includes(PASSWORD) && !r.stderr.includes(PASSWORD));
    } finally {
      await tokenRegistry.stop();
      await tokens.close();
    }
  });

  test('an index: --platform chooses the image; a platform it lacks is named with what it has', async () => {
    const r = await run(['image', `${registry.host}/shop/app:multi`, '--insecure', '--platform', 'linux/arm64', '-o', 'json', '--fail-on', 'none'], { DOCKER_CONFIG: configDir });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { subject: { manifestDigest: string; platform: string }; packages: { name: string }[] };
    assert.equal(report.subject.manifestDigest, arm.manifestDigest);
    assert.equal(report.subject.platform, 'linux/arm64');
    assert.deepEqual(report.packages.map((p) => p.name), ['arm-only']);
    const amd = await run(['image', `${registry.host}/shop/app:multi`, '--insecure', '--platform', 'linux/amd64', '-o', 'json', '--fail-on', 'none'], { DOCKER_CONFIG: configDir });
    assert.equal((JSON.parse(amd.stdout) as { subject: { manifestDigest: string } }).subject.manifestDigest, image.manifestDigest);
    const missing = await run(['image', `${registry.host}/shop/app:multi`, '--insecure', '--platform', 'linux/s390x'], { DOCKER_CONFIG: configDir });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /has no image for linux\/s390x \(it has: linux\/amd64, linux\/arm64\/v8\); choose one with --platform/);
  });
});

describe('rootfs', () => {
  test('a directory tree: the same packages as the image built from it, Go build information read by position', async () => {
    const dir = path.join(work, 'tree');
    const put = (rel: string, content: string | Buffer, mode = 0o644): void => {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), content, { mode });
    };
    put('usr/lib/os-release', readFileSync('/etc/os-release'));
    mkdirSync(path.join(dir, 'etc'), { recursive: true });
    symlinkSync('../usr/lib/os-release', path.join(dir, 'etc/os-release'));
    put('var/lib/dpkg/status', readFileSync('/var/lib/dpkg/status'));
    put('lib/apk/db/installed', APK_DB);
    put('app/node_modules/express/package.json', JSON.stringify({ name: 'express', version: '4.18.2', license: 'MIT' }));
    if (go) put('usr/local/bin/shop', go.bytes, 0o755);
    const { inventory } = await inventoryImage({ kind: 'rootfs', dir });
    const fromImage = (await inventoryImage({ kind: 'oci-layout', dir: ociDir })).inventory;
    const strip = (inv: Inventory, foundBy: string[]): string[] => inv.packages.filter((p) => foundBy.includes(p.foundBy)).map((p) => `${p.purl} ${p.locations.map((l) => l.path).join(',')}`);
    const kinds = ['dpkg', 'apk', 'go-binary'];
    assert.deepEqual(strip(inventory, kinds), strip(fromImage, kinds));
    assert.deepEqual(inventory.os, fromImage.os);
    if (go) assert.ok(inventory.packages.some((p) => p.foundBy === 'go-binary' && p.name === 'example.com/kshield-fixture'));
  });


  test('kshield image rootfs / on this machine: its OS and exactly what dpkg says is installed', { timeout: 600_000 }, async () => {
    const r = await run(['image', 'rootfs', '/', '-o', 'json', '--fail-on', 'none'], {}, 540_000);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { os?: { id: string }; packages: Inventory['packages'] };
    const osId = /^ID=(.*)$/m.exec(readFileSync('/etc/os-release', 'utf8'))![1].replace(/"/g, '');
    assert.equal(report.os?.id, osId);
    if (existsSync('/var/lib/dpkg/status')) {
      const dpkg = report.packages.filter((p) => p.foundBy === 'dpkg').flatMap((p) => p.locations.map(() => `${p.name} ${p.version} ${p.source!.name} ${p.source!.version}`)).sort();
      assert.deepEqual(dpkg, dpkgQuery());
    }
    // kshield's own dependencies are installed under node_modules of this checkout.
    const own = JSON.parse(readFileSync(path.join(root, 'node_modules/tar-stream/package.json'), 'utf8')) as { version: string };
    assert.ok(report.packages.some((p) => p.foundBy === 'npm' && p.name === 'tar-stream' && p.version === own.version && p.locations.some((l) => l.path === `${root}/node_modules/tar-stream/package.json`)));
  });
});

describe('Java archives: what one archive unpacks is bounded', () => {
  test('members that together unpack past --max-file-size are left unread, with a note; those within are read', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kshield-jar-bomb-'));
    try {
      const inner = (artifact: string): Uint8Array =>
        zipSync({ [`META-INF/maven/com.example/${artifact}/pom.properties`]: Buffer.from(`groupId=com.example\nartifactId=${artifact}\nversion=1.0.0\n`), 'pad.bin': new Uint8Array(1500) }, { level: 0 });
      // Stored inner archives of ~1.8 KB each, compressed together into a small outer one.
      const outer = zipSync({ 'BOOT-INF/lib/a.jar': inner('a'), 'BOOT-INF/lib/b.jar': inner('b'), 'BOOT-INF/lib/c.jar': inner('c') }, { level: 9 });
      mkdirSync(path.join(dir, 'app'));
      writeFileSync(path.join(dir, 'app/app.jar'), outer);
      assert.ok(outer.length < 2048, `the outer archive (${outer.length} bytes) is itself under the limit`);
      const { inventory } = await inventoryImage({ kind: 'rootfs', dir }, { limits: { maxFileBytes: 2048 } });
      const artifacts = inventory.packages.filter((p) => p.ecosystem === 'Maven').map((p) => p.name);
      assert.deepEqual(artifacts, ['com.example:a']);
      assert.ok(inventory.notes.some((n) => /2 member\(s\) not read: together they unpack to more than/.test(n.message)), JSON.stringify(inventory.notes));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
