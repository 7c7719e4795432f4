/**
 * The pure package-database readers of src/packages/, on inputs in their real formats: this
 * machine's own /var/lib/dpkg/status, and hand-written entries of each format's tricky cases.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { dpkgPackages, parseDpkgSource, parseDpkgStatus } from '../src/packages/dpkg.js';
import { apkPackages, parseApkInstalled } from '../src/packages/apk.js';
import { distroIdentity, parseOsRelease } from '../src/packages/os-release.js';
import { parsePythonMetadata, pythonPackage } from '../src/packages/python.js';
import { isInstalledNpmManifest, npmPackage, parseNpmPackageJson } from '../src/packages/npm.js';
import { isPomProperties, mavenPackage, parseJavaProperties, parsePomProperties } from '../src/packages/maven.js';
import { GO_BUILDINFO_MAGIC, decodeGoBuildInfoBlob, goPackages, parseGoModInfo, stdlibVersion } from '../src/packages/go-buildinfo.js';

const DEBIAN_12 = parseOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n');

describe('os-release', () => {
  test('quoting as os-release(5) describes it', () => {
    const os = parseOsRelease(`# comment\nNAME='Alpine Linux'\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine \\"Linux\\" v3.20"\nBOGUS LINE\n`);
    assert.deepEqual(os, { id: 'alpine', versionId: '3.20.3', prettyName: 'Alpine "Linux" v3.20' });
  });
  test('no ID: not an os-release', () => assert.equal(parseOsRelease('NAME=x\n'), undefined));
  const cases: [string, string | undefined, string | undefined][] = [
    ['ID=debian\nVERSION_ID="12"\n', 'Debian:12', 'debian-12'],
    ['ID=debian\nVERSION_CODENAME=trixie\n', undefined, undefined],
    ['ID=ubuntu\nVERSION_ID="22.04"\nVERSION="22.04.4 LTS (Jammy Jellyfish)"\n', 'Ubuntu:22.04:LTS', 'ubuntu-22.04'],
    ['ID=ubuntu\nVERSION_ID="23.10"\nVERSION="23.10 (Mantic Minotaur)"\n', 'Ubuntu:23.10', 'ubuntu-23.10'],
    ['ID=alpine\nVERSION_ID=3.20.3\n', 'Alpine:v3.20', 'alpine-3.20.3'],
  ];
  for (const [text, osv, distro] of cases)
    test(`${text.split('\n')[0]} ${text.split('\n')[1]} → ${osv}`, () => {
      const id = distroIdentity(parseOsRelease(text));
      assert.equal(id?.osvEcosystem, osv);
      assert.equal(id?.purlDistro, distro);
    });
  test('a distribution OSV does not key by release has no identity', () => assert.equal(distroIdentity(parseOsRelease('ID=arch\n')), undefined));
});

describe('dpkg', () => {
  test('Source: forms, exactly', () => {
    assert.deepEqual(parseDpkgSource(undefined, 'bash', '5.2.15-2+b2'), { name: 'bash', version: '5.2.15-2+b2' });
    assert.deepEqual(parseDpkgSource('glibc', 'libc6', '2.36-9+deb12u4'), { name: 'glibc', version: '2.36-9+deb12u4' });
    assert.deepEqual(parseDpkgSource('util-linux (2.38.1-5+deb12u3)', 'libblkid1', '2.38.1-5+deb12u3'), { name: 'util-linux', version: '2.38.1-5+deb12u3' });
    assert.deepEqual(parseDpkgSource('gcc-defaults (1.203)', 'cpp', '4:12.2.0-3'), { name: 'gcc-defaults', version: '1.203' });
    assert.deepEqual(parseDpkgSource('openssl (3.0.15-1~deb12u1)', 'libssl3', '3.0.15-1~deb12u1'), { name: 'openssl', version: '3.0.15-1~deb12u1' });
    assert.deepEqual(parseDpkgSource('  tzdata  ( 2024a-0+deb12u1 ) ', 'tzdata', 'x'), { name: 'tzdata', version: '2024a-0+deb12u1' });
    for (const bad of ['Foo', 'foo (1.0', 'foo 1.0', 'foo (1.0) bar', '(1.0)']) assert.equal(parseDpkgSource(bad, 'x', '1'), undefined, bad);
  });

  test('states: config-files and not-installed packages have no files on disk', () => {
    const text = [
      'Package: gone\nStatus: deinstall ok config-files\nVersion: 1.0\n',
      'Package: half\nStatus: install reinstreq half-installed\nVersion: 2.0\nArchitecture: amd64\n',
      'Package: ok\nStatus: install ok installed\nVersion: 1:3.0-1\nSource: okay-src (3.0-0.1)\nDescription: x\n multi-line\n .\n text\n',
      'Version: 9\n',
      'Package: distroless\nVersion: 1.0\nArchitecture: arm64\n',
    ].join('\n');
    const { entries, problems } = parseDpkgStatus(text);
    assert.deepEqual(entries.map((e) => [e.name, e.version, e.source.name, e.source.version, e.state, e.line]), [
      ['half', '2.0', 'half', '2.0', 'half-installed', 5],
      ['ok', '1:3.0-1', 'okay-src', '3.0-0.1', 'installed', 10],
      ['distroless', '1.0', 'distroless', '1.0', undefined, 21],
    ]);
    assert.deepEqual(problems, [{ line: 19, message: 'a paragraph without a Package: field' }]);
  });

  test('purls name the distribution and its release', () => {
    const [p] = dpkgPackages(parseDpkgStatus('Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: 2.36-9+deb12u4\n').entries, '/var/lib/dpkg/status', DEBIAN_12);
    assert.equal(p.purl, 'pkg:deb/debian/libc6@2.36-9+deb12u4?arch=amd64&distro=debian-12');
    assert.equal(p.osvEcosystem, 'Debian:12');
    assert.deepEqual(p.source, { name: 'glibc', version: '2.36-9+deb12u4' });
    assert.deepEqual(p.locations, [{ path: '/var/lib/dpkg/status', line: 1 }]);
  });

  test("this machine's /var/lib/dpkg/status", { skip: existsSync('/var/lib/dpkg/status') ? false : 'no dpkg database here' }, () => {
    const text = readFileSync('/var/lib/dpkg/status', 'utf8');
    const { entries, problems } = parseDpkgStatus(text);
    assert.deepEqual(problems, []);
    // Every installed paragraph becomes one entry: count them independently of the parser.
    const installed = text.split(/\n\n+/).filter((p) => /^Status: \S+ \S+ installed$/m.test(p)).length;
    assert.equal(entries.filter((e) => e.state === 'installed').length, installed);
    assert.ok(installed > 50, `only ${installed} installed packages`);
    // Each Source: line with a version in parentheses comes out with exactly that name and version.
    for (const m of text.matchAll(/^Package: (\S+)\n(?:(?!\n\n)[\s\S])*?^Source: (\S+) \((\S+)\)$/gm)) {
      const e = entries.find((x) => x.name === m[1] && x.source.name === m[2]);
      if (e) assert.equal(e.source.version, m[3], m[1]);
    }
    const bash = entries.find((e) => e.name === 'bash');
    assert.ok(bash && bash.source.name === 'bash');
    const libc = entries.find((e) => e.name === 'libc6');
    if (libc) assert.equal(libc.source.name, 'glibc');
  });
});

describe('apk', () => {
  const INSTALLED = [
    'C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:x86_64\nS:407203\nI:655360\nT:the musl c library (libc) implementation\nU:https://musl.libc.org/\nL:MIT\no:musl\nm:Natanael Copa <ncopa@alpinelinux.org>\nt:1715626330\nc:0d7b5a0e\nF:lib\nR:ld-musl-x86_64.so.1\n',
    'P:libcrypto3\nV:3.3.2-r0\nA:x86_64\nL:Apache-2.0\no:openssl\n',
    'P:busybox-binsh\nV:1.36.1-r29\nA:x86_64\n',
    'V:1.0\nA:x86_64\n',
  ].join('\n');
  test('origin is the source package; a missing origin is the package itself', () => {
    const { entries, problems } = parseApkInstalled(INSTALLED);
    assert.deepEqual(entries.map((e) => [e.name, e.version, e.origin, e.line]), [
      ['musl', '1.2.5-r0', 'musl', 1],
      ['libcrypto3', '3.3.2-r0', 'openssl', 17],
      ['busybox-binsh', '1.36.1-r29', 'busybox-binsh', 23],
    ]);
    assert.deepEqual(problems, [{ line: 27, message: 'a package entry without P: (name)' }]);
    const pkgs = apkPackages(entries, '/lib/apk/db/installed', parseOsRelease('ID=alpine\nVERSION_ID=3.20.3\n'));
    assert.equal(pkgs[1].purl, 'pkg:apk/alpine/libcrypto3@3.3.2-r0?arch=x86_64&distro=alpine-3.20.3');
    assert.equal(pkgs[1].osvEcosystem, 'Alpine:v3.20');
    assert.deepEqual(pkgs[1].source, { name: 'openssl', version: '3.3.2-r0' });
    assert.deepEqual(pkgs[0].licenses, ['MIT']);
  });
});

describe('Python core metadata', () => {
  test('headers up to the first blank line; the body is not read', () => {
    const d = parsePythonMetadata('Metadata-Version: 2.1\nName: Flask_Login\nVersion: 0.6.3\nLicense: MIT\nClassifier: x\n\nName: not-this\n');
    assert.deepEqual(d, { name: 'Flask_Login', version: '0.6.3', license: 'MIT' });
    assert.equal(pythonPackage(d!, '/usr/lib/python3/dist-packages/Flask_Login-0.6.3.dist-info/METADATA').purl, 'pkg:pypi/flask-login@0.6.3');
  });
  test('License-Expression wins; multi-line license texts are not a license name', () => {
    assert.equal(parsePythonMetadata('Name: a\nVersion: 1\nLicense: Apache\nLicense-Expression: Apache-2.0\n')?.license, 'Apache-2.0');
    assert.equal(parsePythonMetadata('Name: a\nVersion: 1\nLicense: Copyright x\n        all rights\n')?.license, undefined);
  });
  test('no name or no version: nothing', () => {
    assert.equal(parsePythonMetadata('Name: a\n'), undefined);
  });
});

describe('npm', () => {
  test('installed manifests only', () => {
    for (const p of ['app/node_modules/express/package.json', 'node_modules/@types/node/package.json', '/usr/lib/node_modules/npm/node_modules/semver/package.json'])
      assert.ok(isInstalledNpmManifest(p), p);
    for (const p of ['app/package.json', 'node_modules/express/lib/package.json', 'node_modules/@scope/package.json', 'node_modules/.package-lock.json', 'node_modules/@types/node/ts5.6/package.json'])
      assert.ok(!isInstalledNpmManifest(p), p);
  });
  test('scoped names become a purl namespace; licenses in either form', () => {
    const a = parseNpmPackageJson('\ufeff{"name":"@babel/core","version":"7.24.0","license":"MIT"}').manifest!;
    assert.equal(npmPackage(a, 'x').purl, 'pkg:npm/%40babel/core@7.24.0');
    assert.deepEqual(npmPackage(a, 'x').licenses, ['MIT']);
    assert.equal(parseNpmPackageJson('{"name":"x","version":"1.0.0","license":{"type":"ISC"}}').manifest?.license, 'ISC');
  });
  test('problems are said', () => {
    assert.match(parseNpmPackageJson('{"name":').problem!, /^not valid JSON/);
    assert.equal(parseNpmPackageJson('[1]').problem, 'not a JSON object');
    assert.equal(parseNpmPackageJson('{"name":"x"}').problem, 'no name or version');
  });
});

describe('Maven pom.properties', () => {
  test('Java properties syntax', () => {
    const p = parseJavaProperties('#Generated by Maven\n#Tue Jan 02 10:00:00 UTC 2024\nartifactId=spring-core\ngroupId : org.springframework\nversion 6.1.2\nname=a\\\n    b\nunicode=\\u0041\\tz\n! bang comment\n');
    assert.deepEqual(Object.fromEntries(p), { artifactId: 'spring-core', groupId: 'org.springframework', version: '6.1.2', name: 'ab', unicode: 'A\tz' });
  });
  test('coordinates and purl', () => {
    const c = parsePomProperties('groupId=com.fasterxml.jackson.core\nartifactId=jackson-databind\nversion=2.15.2\n')!;
    const pkg = mavenPackage(c, '/app/app.jar!/BOOT-INF/lib/jackson-databind-2.15.2.jar');
    assert.equal(pkg.name, 'com.fasterxml.jackson.core:jackson-databind');
    assert.equal(pkg.purl, 'pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.15.2');
    assert.equal(parsePomProperties('groupId=x\nversion=1\n'), undefined);
  });
  test('only the layout Maven writes', () => {
    assert.ok(isPomProperties('META-INF/maven/org.slf4j/slf4j-api/pom.properties'));
    assert.ok(!isPomProperties('META-INF/maven/org.slf4j/pom.properties'));
    assert.ok(!isPomProperties('BOOT-INF/classes/META-INF/maven/a/b/pom.properties'));
  });
});

/** A blob as the Go linker lays it out (Go 1.18+: inline strings), at a 16-byte-aligned start. */
function goBlob(goVersion: string, modInfo: string, framed = true): Buffer {
  const varint = (n: number): Buffer => {
    const out: number[] = [];
    while (n >= 0x80) {
      out.push((n & 0x7f) | 0x80);
      n = Math.floor(n / 128);
    }
    out.push(n);
    return Buffer.from(out);
  };
  const sentinelStart = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
  const sentinelEnd = Buffer.from('f932433186182072008242104116d8f2', 'hex');
  const mod = framed ? Buffer.concat([sentinelStart, Buffer.from(modInfo), sentinelEnd]) : Buffer.from(modInfo);
  const header = Buffer.alloc(32);
  GO_BUILDINFO_MAGIC.copy(header);
  header[14] = 8;
  header[15] = 2;
  return Buffer.concat([header, varint(goVersion.length), Buffer.from(goVersion), varint(mod.length), mod, Buffer.alloc(64)]);
}

describe('Go build info', () => {
  const MOD = [
    'path\texample.com/shop/cmd/api',
    'mod\texample.com/shop\t(devel)\t',
    'dep\tgithub.com/google/uuid\tv1.6.0\th1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=',
    'dep\tgolang.org/x/net\tv0.17.0\th1:abc=',
    '=>\tgolang.org/x/net\tv0.23.0\th1:def=',
    'dep\texample.com/local\tv0.0.0',
    '=>\t../local\t',
    'build\t-compiler=gc',
    'build\tGOOS=linux',
    '',
  ].join('\n');
  test('inline strings, framed module information', () => {
    const blob = decodeGoBuildInfoBlob(goBlob('go1.22.3', MOD));
    assert.equal(blob.format, 'inline');
    if (blob.format !== 'inline') return;
    assert.equal(blob.goVersion, 'go1.22.3');
    const info = parseGoModInfo(blob.goVersion, blob.modInfo);
    assert.equal(info.path, 'example.com/shop/cmd/api');
    assert.deepEqual(info.main, { path: 'example.com/shop', version: '(devel)' });
    assert.equal(info.settings.get('GOOS'), 'linux');
    const pkgs = goPackages(info, '/app/api');
    assert.deepEqual(pkgs.map((p) => [p.name, p.version, p.purl]), [
      ['example.com/shop', '(devel)', 'pkg:golang/example.com/shop@(devel)'],
      ['github.com/google/uuid', 'v1.6.0', 'pkg:golang/github.com/google/uuid@v1.6.0'],
      ['golang.org/x/net', 'v0.23.0', 'pkg:golang/golang.org/x/net@v0.23.0'],
      ['stdlib', 'v1.22.3', 'pkg:golang/stdlib@v1.22.3'],
    ]);
    assert.ok(pkgs.every((p) => p.goVersion === 'go1.22.3' && p.ecosystem === 'Go'));
  });
  test('without the sentinels there is no module information (GOPATH builds)', () => {
    const blob = decodeGoBuildInfoBlob(goBlob('go1.19.8', 'path\tx', false));
    assert.deepEqual(blob, { format: 'inline', goVersion: 'go1.19.8', modInfo: '' });
  });
  test('pointer format (before Go 1.18) and garbage', () => {
    const old = goBlob('go1.16', '');
    old[15] = 0;
    assert.deepEqual(decodeGoBuildInfoBlob(old), { format: 'pointers' });
    const bad = goBlob('go1.22.3', MOD);
    bad[14] = 7;
    assert.deepEqual(decodeGoBuildInfoBlob(bad), { format: 'invalid' });
    assert.deepEqual(decodeGoBuildInfoBlob(goBlob('java 17', MOD)), { format: 'invalid' });
    const cut = goBlob('go1.22.3', MOD).subarray(0, 60);
    assert.deepEqual(decodeGoBuildInfoBlob(cut), { format: 'invalid' });
  });
  test('stdlib versions', () => {
    assert.equal(stdlibVersion('go1.20'), 'v1.20.0');
    assert.equal(stdlibVersion('go1.21.0'), 'v1.21.0');
    assert.equal(stdlibVersion('go1.22.0 X:boringcrypto'), 'v1.22.0');
    assert.equal(stdlibVersion('go1.23rc1'), undefined);
    assert.equal(stdlibVersion('devel go1.23-abc'), undefined);
  });
});
