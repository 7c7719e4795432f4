/**
 * `kshield deps DIR` as a user runs it: a source tree with lockfiles of several ecosystems, the
 * directories it must not walk, a broken lockfile among good ones, limits, and the exit codes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { kshield } from './support/cli.js';
import { inventorySourceTree } from '../src/sources/source-tree.js';

let tree: string;

function write(rel: string, text: string): void {
  const file = path.join(tree, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

const lock = (packages: Record<string, unknown>): string => JSON.stringify({ name: 'x', lockfileVersion: 3, packages }, null, 2);

before(() => {
  tree = mkdtempSync(path.join(os.tmpdir(), 'kshield-deps-'));
  write('web/package.json', JSON.stringify({ dependencies: { express: '^4' } }));
  write('web/package-lock.json', lock({ '': { dependencies: { express: '^4' } }, 'node_modules/express': { version: '4.18.2', dependencies: { qs: '6' } }, 'node_modules/qs': { version: '6.11.0' } }));
  // Installed copies and version control are never walked: a lockfile in them would be counted twice or be someone else's.
  write('web/node_modules/express/package-lock.json', lock({ 'node_modules/evil': { version: '6.6.6' } }));
  write('.git/package-lock.json', lock({ 'node_modules/evil': { version: '6.6.6' } }));
  write('svc/vendor/github.com/x/y/go.mod', 'module github.com/x/y\n\nrequire evil.example/z v6.6.6\n');
  write('svc/go.mod', 'module example.com/svc\n\ngo 1.22\n\nrequire (\n\tgithub.com/sirupsen/logrus v1.9.3\n\tgolang.org/x/sys v0.18.0 // indirect\n)\n');
  write('svc/go.sum', 'github.com/sirupsen/logrus v1.9.3 h1:a=\ngolang.org/x/sys v0.18.0 h1:b=\n');
  write('py/requirements.txt', '-r base.txt\nflask==3.0.0\nprivate @ https://deploy:gh-T0ken-s3cret@git.example/private.tar.gz\n');
  write('py/base.txt', 'requests==2.31.0\n# from a checkout, pinned to a commit\ntrustme @ git+https://github.example/python-trio/trustme@b3a767f336e20600f30c9ff78385a58352ff6a1b\n');
  write('rust/Cargo.lock', '[[package]]\nname = "serde"\nversion = "1.0.200"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n\n[[package]]\nname = "broken"\nversion = 1.0\n');
  write('java/pom.xml', '<project><dependencies><dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>2.0.12</version></dependency></dependencies></project>');
  // A link to a directory above it: following it would loop.
  symlinkSync('..', path.join(tree, 'web', 'loop'));
});

after(() => rmSync(tree, { recursive: true, force: true }));

describe('kshield deps DIR', () => {
  test('JSON: every lockfile outside skipped directories, the broken one an error with its line, exit 2', () => {
    const r = kshield(['deps', tree, '-o', 'json']);
    assert.equal(r.code, 2, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(
      report.lockfiles.map((l: { path: string; format: string; packages: number }) => `${l.path} ${l.format} ${l.packages}`),
      ['java/pom.xml pom.xml 1', 'py/requirements.txt requirements 2', 'svc/go.mod go.mod 2', 'web/package-lock.json package-lock 2'],
    );
    // `version = 1.0` is valid TOML (a float), so the reader says what is wrong with the entry.
    assert.deepEqual(report.errors, [{ path: 'rust/Cargo.lock', line: 7, message: 'a [[package]] entry needs a string name and version' }]);
    assert.deepEqual(
      report.packages.map((p: { ecosystem: string; name: string; version: string }) => `${p.ecosystem} ${p.name} ${p.version}`),
      ['Go github.com/sirupsen/logrus v1.9.3', 'Go golang.org/x/sys v0.18.0', 'Maven org.slf4j:slf4j-api 2.0.12', 'PyPI flask 3.0.0', 'PyPI requests 2.31.0', 'npm express 4.18.2', 'npm qs 6.11.0'],
    );
    assert.deepEqual(report.summary, { lockfiles: 4, packages: 7, byEcosystem: { Go: 2, Maven: 1, PyPI: 2, npm: 2 }, notes: 2, errors: 1 });
    // A note about an included file names that file and its own line, and quotes the commit whole.
    const included = report.notes.find((n: { message: string }) => n.message.includes('trustme'));
    assert.deepEqual([included?.path, included?.line], ['py/base.txt', 3], JSON.stringify(report.notes));
    assert.ok(included.message.includes('@b3a767f336e20600f30c9ff78385a58352ff6a1b'), included.message);
    assert.deepEqual(report.skippedDirectories, { '.git': 1, node_modules: 1, vendor: 1 });
    assert.deepEqual(report.lockfiles.find((l: { path: string }) => l.path === 'py/requirements.txt').alongWith, ['py/base.txt']);
    assert.deepEqual(report.lockfiles.find((l: { path: string }) => l.path === 'svc/go.mod').alongWith, ['svc/go.sum']);
    assert.equal(report.packages.find((p: { name: string }) => p.name === 'express').direct, true);
    assert.equal(report.packages.find((p: { name: string }) => p.name === 'qs').direct, false);
    assert.doesNotMatch(r.stdout + r.stderr, /evil/);
    // The error is said on standard error too: the JSON goes to a tool, a person reads the terminal.
    assert.match(r.stderr, /rust\/Cargo\.lock:7: a \[\[package\]\] entry needs/);
  });

  test('credentials in a URL are never printed', () => {
    const r = kshield(['deps', tree, '-o', 'json']);
    assert.doesNotMatch(r.stdout + r.stderr, /gh-T0ken|s3cret|deploy:/);
    assert.match(r.stdout, /requirement \\"private @ https:\/\/\*\*\*@git\.example\/private\.tar\.gz\\" is a URL or path/);
  });

  test('table: lockfiles, packages with where they are, notes, what was not read, a summary', () => {
    const r = kshield(['deps', tree]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, '', 'the table already lists what was not read');
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], 'Lockfiles (4)');
    assert.match(r.stdout, /^ {2}web\/package-lock\.json +package-lock +npm +2 packages, 1 direct$/m);
    assert.match(r.stdout, /^ {2}npm +express +4\.18\.2 +direct +web\/package-lock\.json:\d+$/m);
    assert.match(r.stdout, /^ {2}Go +golang\.org\/x\/sys +v0\.18\.0 +transitive +svc\/go\.mod:7$/m);
    assert.match(r.stdout, /^Not read \(1\)\n {2}rust\/Cargo\.lock:7: a \[\[package\]\] entry needs a string name and version$/m);
    assert.ok(lines.includes('4 lockfiles, 7 packages (Go 2, Maven 1, PyPI 2, npm 2); 1 file not read'), r.stdout);
    // No vulnerability database here (the tests run with an empty cache): the table says what was not checked.
    assert.match(lines.at(-2)!, /^Note: packages were not checked for vulnerabilities: no database \(run `kshield db update`/);
  });

  test('one lockfile as the argument', () => {
    const r = kshield(['deps', path.join(tree, 'svc', 'go.mod'), '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.lockfiles, [{ path: 'go.mod', format: 'go.mod', ecosystem: 'Go', packages: 2, direct: 1, alongWith: ['go.sum'] }]);
  });

  test('--max-file-size: a larger lockfile is an error record, the rest is read', () => {
    const r = kshield(['deps', tree, '-o', 'json', '--max-file-size', '200B']);
    assert.equal(r.code, 2);
    const report = JSON.parse(r.stdout);
    assert.ok(report.errors.some((e: { path: string; message: string }) => e.path === 'web/package-lock.json' && /larger than the 200-byte limit/.test(e.message)), JSON.stringify(report.errors));
    assert.ok(report.lockfiles.some((l: { path: string }) => l.path === 'svc/go.mod'));
  });

  const usage: [string, string[], RegExp][] = [
    ['a path that does not exist', ['deps', '/nonexistent/kshield-deps'], /kshield: error: \/nonexistent\/kshield-deps: no such file or directory/],
    ['a file that is not a lockfile', ['deps', 'package.json'], /not a directory, and not a lockfile kshield reads by its name/],
    ['an unknown format', ['deps', '.', '-o', 'sarif'], /-o: unknown format "sarif"/],
    ['a bad size', ['deps', '.', '--max-file-size', 'lots'], /--max-file-size: "lots" is not a size/],
  ];
  for (const [name, args, message] of usage)
    test(`exit 2: ${name}`, () => {
      const r = kshield(args);
      assert.equal(r.code, 2);
      assert.match(r.stderr, message);
    });

  test('exit 2: a directory without lockfiles (a mistyped path must not pass CI with nothing read)', () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'kshield-deps-empty-'));
    try {
      const r = kshield(['deps', empty]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /no lockfiles in .* \(looked for package-lock\.json, npm-shrinkwrap\.json, yarn\.lock/);
      assert.match(r.stdout, /^0 lockfiles, 0 packages$/m);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  test('exit 0 on a tree whose lockfiles all read', () => {
    const r = kshield(['deps', path.join(tree, 'web')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /1 lockfile, 2 packages \(npm 2\)/);
  });
});

describe('walk limits', () => {
  test('entries, depth and lockfile count stop the walk with a note, never a hang', async () => {
    const byEntries = await inventorySourceTree(tree, { maxEntries: 3 });
    assert.match(byEntries.truncated ?? '', /stopped after 3 directory entries/);
    const byDepth = await inventorySourceTree(tree, { maxDepth: 0 });
    assert.match(byDepth.truncated ?? '', /more than 0 levels deep were not looked at/);
    assert.equal(byDepth.lockfiles.length, 0);
    const byCount = await inventorySourceTree(tree, { maxLockfiles: 2 });
    assert.match(byCount.truncated ?? '', /stopped after 2 lockfiles/);
    assert.equal(byCount.lockfiles.length + byCount.errors.length, 2);
  });
  test('a deep tree (200 levels) is walked without recursion and stops at the depth limit', async () => {
    const deep = mkdtempSync(path.join(os.tmpdir(), 'kshield-deps-deep-'));
    try {
      let dir = deep;
      for (let i = 0; i < 200; i++) dir = path.join(dir, 'd');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'go.mod'), 'module x\n');
      const r = await inventorySourceTree(deep);
      assert.equal(r.lockfiles.length, 0);
      assert.match(r.truncated ?? '', /more than 32 levels deep/);
    } finally {
      rmSync(deep, { recursive: true, force: true });
    }
  });
});
