/**
 * The lockfile readers (src/packages/lockfiles/), one table per format with each format's tricky
 * cases, kshield's own package-lock.json as a real input, and hostile input: malformed, huge or
 * deeply nested files give a LockfileError naming the line where there is one, never a crash.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { root } from './support/cli.js';
import { LockfileError, lockfileFormat, type LockfileResult } from '../src/packages/lockfiles/index.js';
import { readPackageLock } from '../src/packages/lockfiles/package-lock.js';
import { readYarnLock } from '../src/packages/lockfiles/yarn-lock.js';
import { readPnpmLock } from '../src/packages/lockfiles/pnpm-lock.js';
import { readRequirements } from '../src/packages/lockfiles/requirements.js';
import { readPipfileLock, readPoetryLock } from '../src/packages/lockfiles/python-locks.js';
import { readGoMod } from '../src/packages/lockfiles/go-mod.js';
import { readPom } from '../src/packages/lockfiles/pom.js';
import { readCargoLock } from '../src/packages/lockfiles/cargo-lock.js';
import { firstJsonError } from '../src/packages/lockfiles/common.js';
import { cargoPurl, golangPurl, mavenPurl, npmPurl, purlOf, pypiPurl } from '../src/packages/purl.js';
import type { Package } from '../src/packages/model.js';

/** name@version of each package, sorted: what a user reads in the inventory. */
function ids(r: LockfileResult): string[] {
  return r.packages.map((p) => `${p.name}@${p.version}`).sort();
}

function pkg(r: LockfileResult, name: string, version?: string): Package {
  const found = r.packages.find((p) => p.name === name && (version === undefined || p.version === version));
  assert.ok(found, `no ${name}${version ? '@' + version : ''} in ${ids(r).join(', ')}`);
  return found;
}

function lockError(fn: () => unknown): LockfileError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof LockfileError, `expected a LockfileError, got ${(err as Error)?.name}: ${(err as Error)?.message}`);
    return err;
  }
  assert.fail('expected a LockfileError, but the file was read');
}

const json = (value: unknown): string => JSON.stringify(value, null, 2);

describe('purls', () => {
  const cases: [string, string, string][] = [
    ['npm scoped: scope is the namespace, @ encoded', npmPurl('@Babel/Core', '7.24.0'), 'pkg:npm/%40babel/core@7.24.0'],
    ['npm plain, lower-cased', npmPurl('JSONStream', '1.3.5'), 'pkg:npm/jsonstream@1.3.5'],
    ['PyPI PEP 503 normalised', pypiPurl('Django_Rest.Framework', '3.15.1'), 'pkg:pypi/django-rest-framework@3.15.1'],
    ['Go module split at the last slash', golangPurl('github.com/sirupsen/logrus', 'v1.9.3'), 'pkg:golang/github.com/sirupsen/logrus@v1.9.3'],
    ['Go +incompatible keeps its plus', golangPurl('github.com/docker/docker', 'v24.0.7+incompatible'), 'pkg:golang/github.com/docker/docker@v24.0.7+incompatible'],
    ['Maven group/artifact', mavenPurl('org.apache.logging.log4j', 'log4j-core', '2.17.1'), 'pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1'],
    ['Cargo', cargoPurl('serde', '1.0.200'), 'pkg:cargo/serde@1.0.200'],
    ['deb with sorted qualifiers; epoch colon kept', purlOf('deb', 'debian', 'libc6', '1:2.36-9+deb12u7', { distro: 'debian-12', arch: 'amd64' }), 'pkg:deb/debian/libc6@1:2.36-9+deb12u7?arch=amd64&distro=debian-12'],
  ];
  for (const [name, got, want] of cases) test(name, () => assert.equal(got, want));
});

describe('lockfile names', () => {
  const cases: [string, string | undefined][] = [
    ['package-lock.json', 'package-lock'],
    ['npm-shrinkwrap.json', 'package-lock'],
    ['yarn.lock', 'yarn.lock'],
    ['pnpm-lock.yaml', 'pnpm-lock'],
    ['requirements.txt', 'requirements'],
    ['requirements-dev.txt', 'requirements'],
    ['requirements.prod.txt', 'requirements'],
    ['requirements.in', undefined],
    ['dev-requirements.txt', undefined],
    ['poetry.lock', 'poetry.lock'],
    ['Pipfile.lock', 'Pipfile.lock'],
    ['Pipfile', undefined],
    ['go.mod', 'go.mod'],
    ['go.sum', undefined],
    ['pom.xml', 'pom.xml'],
    ['Cargo.lock', 'Cargo.lock'],
    ['Cargo.toml', undefined],
    ['package.json', undefined],
    ['toString', undefined],
  ];
  for (const [name, format] of cases) test(name, () => assert.equal(lockfileFormat(name)?.format, format));
});

describe('package-lock.json', () => {
  const v3 = json({
    name: 'app',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'app', dependencies: { express: '^4.18.0', '@types/x': '1.0.0', 'my-alias': 'npm:lodash@^4' }, devDependencies: { mocha: '10.0.0' }, workspaces: ['packages/*'] },
      'packages/lib': { name: 'lib', version: '1.0.0', dependencies: { debug: '^4' } },
      'node_modules/lib': { resolved: 'packages/lib', link: true },
      'node_modules/express': { version: '4.18.2', license: 'MIT', dependencies: { debug: '2.6.9', 'ms': '^2' } },
      'node_modules/express/node_modules/debug': { version: '2.6.9', dependencies: { ms: '2.0.0' } },
      'node_modules/express/node_modules/ms': { version: '2.0.0' },
      'node_modules/ms': { version: '2.1.3' },
      'node_modules/debug': { version: '4.3.4', dependencies: { ms: '2.1.2' } },
      'node_modules/@types/x': { version: '1.0.0' },
      'node_modules/my-alias': { name: 'lodash', version: '4.17.21' },
      'node_modules/mocha': { version: '10.0.0', dev: true },
      'node_modules/fsevents': { version: '2.3.3', optional: true, dev: true },
      'node_modules/local-thing': { version: 'file:../local-thing' },
      'node_modules/broken': {},
    },
  });
  const r = readPackageLock(v3, 'app/package-lock.json');

  test('v3: every installed folder once, workspaces, links and file: folders left out', () => {
    assert.deepEqual(ids(r), ['@types/x@1.0.0', 'debug@2.6.9', 'debug@4.3.4', 'express@4.18.2', 'fsevents@2.3.3', 'lodash@4.17.21', 'mocha@10.0.0', 'ms@2.0.0', 'ms@2.1.3']);
  });
  test('v3: a folder without a version is noted with its line, not listed', () => {
    assert.equal(r.notes.length, 1);
    assert.match(r.notes[0].message, /node_modules\/broken has no version/);
    assert.equal(r.notes[0].line, v3.split('\n').findIndex((l) => l.includes('"node_modules/broken"')) + 1);
  });
  test('v3: direct = declared by the root or a workspace folder; nested copies are transitive', () => {
    assert.equal(pkg(r, 'express').direct, true);
    assert.equal(pkg(r, '@types/x').direct, true);
    assert.equal(pkg(r, 'mocha').direct, true);
    assert.equal(pkg(r, 'debug', '4.3.4').direct, true, 'declared by the workspace packages/lib');
    assert.equal(pkg(r, 'debug', '2.6.9').direct, false);
    assert.equal(pkg(r, 'ms', '2.1.3').direct, false);
  });
  test('v3: an npm: alias is listed under the real name', () => {
    assert.equal(pkg(r, 'lodash').purl, 'pkg:npm/lodash@4.17.21');
    assert.equal(pkg(r, 'lodash').direct, true);
  });
  test('v3: dependencies resolve as Node resolves them (nearest node_modules first)', () => {
    assert.deepEqual(pkg(r, 'express').dependsOn, ['pkg:npm/debug@2.6.9', 'pkg:npm/ms@2.0.0']);
    assert.deepEqual(pkg(r, 'debug', '2.6.9').dependsOn, ['pkg:npm/ms@2.0.0']);
    // debug@4 asks for ms 2.1.2 but the tree holds 2.1.3 at the top: that is what Node loads.
    assert.deepEqual(pkg(r, 'debug', '4.3.4').dependsOn, ['pkg:npm/ms@2.1.3']);
  });
  test('v3: dev, optional, licence and line', () => {
    assert.equal(pkg(r, 'mocha').dev, true);
    assert.equal(pkg(r, 'fsevents').optional, true);
    assert.equal(pkg(r, 'express').dev, undefined);
    assert.deepEqual(pkg(r, 'express').licenses, ['MIT']);
    assert.deepEqual(pkg(r, 'express').locations, [{ path: 'app/package-lock.json', line: v3.split('\n').findIndex((l) => l.includes('"node_modules/express"')) + 1 }]);
  });

  const v1 = json({
    name: 'old',
    lockfileVersion: 1,
    dependencies: {
      a: { version: '1.0.0', requires: { b: '^2.0.0', c: '1.0.0' } },
      b: { version: '2.1.0', dev: true },
      c: { version: '3.0.0', dependencies: { c: { version: '1.0.0' } } },
      aliased: { version: 'npm:left-pad@1.3.0' },
      linked: { version: 'file:../linked' },
    },
  });
  test('v1: the nested dependencies tree, nested copies resolving first', () => {
    const r1 = readPackageLock(v1, 'package-lock.json', { manifest: json({ dependencies: { a: '1' }, devDependencies: { b: '2' } }) });
    assert.deepEqual(ids(r1), ['a@1.0.0', 'b@2.1.0', 'c@1.0.0', 'c@3.0.0', 'left-pad@1.3.0']);
    // `c` inside a's scope? No: a has no nested c, so the top-level c@3 is what a loads.
    assert.deepEqual(pkg(r1, 'a').dependsOn, ['pkg:npm/b@2.1.0', 'pkg:npm/c@3.0.0']);
    assert.equal(pkg(r1, 'a').direct, true);
    assert.equal(pkg(r1, 'b').direct, true);
    assert.equal(pkg(r1, 'b').dev, true);
    assert.equal(pkg(r1, 'c', '3.0.0').direct, false);
    assert.equal(pkg(r1, 'c', '1.0.0').direct, false, 'a nested copy is never direct');
  });
  test('v1 without a package.json beside it: direct is unknown, not guessed', () => {
    assert.equal(pkg(readPackageLock(v1, 'package-lock.json'), 'a').direct, undefined);
  });
  test('v1: a package.json that is not JSON is noted', () => {
    const r1 = readPackageLock(v1, 'package-lock.json', { manifest: '{' });
    assert.match(r1.notes[0].message, /package\.json beside it is not valid JSON/);
  });
  test('v2 holds both maps: packages wins', () => {
    const v2 = json({ lockfileVersion: 2, packages: { '': {}, 'node_modules/x': { version: '2.0.0' } }, dependencies: { x: { version: '1.0.0' } } });
    assert.deepEqual(ids(readPackageLock(v2, 'p')), ['x@2.0.0']);
  });

  const errors: [string, string, RegExp, number | undefined][] = [
    ['not JSON, with the line of the problem', '{\n  "lockfileVersion": 3,\n  "packages": {\n    "node_modules/a": { "version": "1.0.0" },\n  }\n}', /not valid JSON.*unexpected "}"/, 5],
    ['cut short', '{\n  "lockfileVersion": 3,\n  "packages": {', /the text ends too early/, 3],
    ['a list', '[]', /JSON object, but this file holds a list/, 1],
    ['lockfileVersion a string', '{\n  "lockfileVersion": "3"\n}', /lockfileVersion must be a number/, 2],
    ['packages a list', '{\n  "lockfileVersion": 3,\n  "packages": []\n}', /"packages" must be an object/, 3],
    ['a v1 entry that is not an object', '{\n  "lockfileVersion": 1,\n  "dependencies": {\n    "a": "1.0.0"\n  }\n}', /dependencies\.a must be an object/, 4],
  ];
  for (const [name, text, message, line] of errors)
    test(`error: ${name}`, () => {
      const err = lockError(() => readPackageLock(text, 'p'));
      assert.match(err.message, message);
      assert.equal(err.line, line);
    });

  test("kshield's own package-lock.json: every installed folder, direct = package.json's dependencies", () => {
    const text = readFileSync(path.join(root, 'package-lock.json'), 'utf8');
    const lock = JSON.parse(text) as { packages: Record<string, { version?: string; name?: string; link?: boolean; dev?: boolean }> };
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const r3 = readPackageLock(text, 'package-lock.json');
    assert.deepEqual(r3.notes, []);
    // What the lockfile holds, computed here independently: one entry per name@version.
    const expected = new Set<string>();
    for (const [key, entry] of Object.entries(lock.packages)) {
      if (!key.startsWith('node_modules/') && !key.includes('/node_modules/')) continue;
      if (entry.link) continue;
      expected.add(`${entry.name ?? key.slice(key.lastIndexOf('node_modules/') + 13)}@${entry.version}`);
    }
    assert.ok(expected.size > 100, `a real lockfile (${expected.size} packages)`);
    assert.deepEqual(new Set(ids(r3)), expected);
    assert.equal(r3.packages.length, expected.size, 'each name@version once');
    const direct = r3.packages.filter((p) => p.direct).map((p) => p.name);
    assert.deepEqual(direct.sort(), [...Object.keys(manifest.dependencies), ...Object.keys(manifest.devDependencies)].sort());
    // A runtime dependency is not dev; a devDependency is.
    assert.notEqual(pkg(r3, 'yaml', lock.packages['node_modules/yaml'].version).dev, true);
    assert.equal(pkg(r3, 'typescript').dev, true);
    // Every package has its line in the file, pointing at its key.
    const lines = text.split('\n');
    for (const p of r3.packages) {
      const line = p.locations[0].line;
      assert.ok(line && lines[line - 1].includes(`node_modules/`), `${p.name}: line ${line}`);
    }
    // Relationships point only at packages of the inventory.
    const purls = new Set(r3.packages.map((p) => p.purl));
    for (const p of r3.packages) for (const d of p.dependsOn ?? []) assert.ok(purls.has(d), `${p.purl} -> ${d}`);
  });
});

describe('yarn.lock', () => {
  const classic = [
    '# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.',
    '# yarn lockfile v1',
    '',
    '',
    '"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.22.13":',
    '  version "7.22.13"',
    '  resolved "https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.22.13.tgz#abc"',
    '  integrity sha512-xyz',
    '  dependencies:',
    '    "@babel/highlight" "^7.22.13"',
    '    chalk "^2.4.2"',
    '',
    '"@babel/highlight@^7.22.13":',
    '  version "7.22.20"',
    '',
    'chalk@^2.4.2:',
    '  version "2.4.2"',
    '',
    'my-lodash@npm:lodash@^4.17.0:',
    '  version "4.17.21"',
    '',
    'local@file:../local:',
    '  version "0.0.0"',
    '',
  ].join('\n');
  const r = readYarnLock(classic, 'yarn.lock', { manifest: json({ dependencies: { '@babel/code-frame': '^7.22.13', 'my-lodash': 'npm:lodash@^4.17.0' } }) });
  test('Yarn 1: one package per entry, headers with several quoted specifiers, file: left out', () => {
    assert.deepEqual(ids(r), ['@babel/code-frame@7.22.13', '@babel/highlight@7.22.20', 'chalk@2.4.2', 'lodash@4.17.21']);
    assert.equal(pkg(r, '@babel/code-frame').locations[0].line, 5);
  });
  test('Yarn 1: dependencies resolved through the specifiers', () => {
    assert.deepEqual(pkg(r, '@babel/code-frame').dependsOn, ['pkg:npm/%40babel/highlight@7.22.20', 'pkg:npm/chalk@2.4.2']);
  });
  test('Yarn 1: direct from the package.json beside it, an alias under its real name', () => {
    assert.equal(pkg(r, '@babel/code-frame').direct, true);
    assert.equal(pkg(r, 'chalk').direct, false);
    assert.equal(pkg(r, 'lodash').direct, true);
  });
  test('Yarn 1: a broken line gives its line number', () => {
    const err = lockError(() => readYarnLock('a@^1:\n  version "1.0.0"\nnot a header\n', 'yarn.lock'));
    assert.equal(err.line, 3);
    assert.match(err.message, /entry header/);
  });

  const berry = [
    '# This file is generated by running "yarn install" inside your project.',
    '',
    '__metadata:',
    '  version: 8',
    '  cacheKey: 10c0',
    '',
    '"app@workspace:.":',
    '  version: 0.0.0-use.local',
    '  resolution: "app@workspace:."',
    '  dependencies:',
    '    left-pad: "npm:^1.3.0"',
    '  languageName: unknown',
    '  linkType: soft',
    '',
    '"left-pad@npm:^1.3.0, left-pad@npm:1.3.0":',
    '  version: 1.3.0',
    '  resolution: "left-pad@npm:1.3.0"',
    '  dependencies:',
    '    "@scope/dep": "npm:2.0.0"',
    '  checksum: 10c0/abc',
    '  languageName: node',
    '  linkType: hard',
    '',
    '"@scope/dep@npm:2.0.0":',
    '  version: 2.0.0',
    '  resolution: "@scope/dep@npm:2.0.0"',
    '  linkType: hard',
    '',
    '"resolve@patch:resolve@npm%3A^1.22.0#~builtin<compat/resolve>":',
    '  version: 1.22.8',
    '  resolution: "resolve@patch:resolve@npm%3A1.22.8#~builtin<compat/resolve>::version=1.22.8"',
    '  linkType: hard',
    '',
  ].join('\n');
  test('Yarn 2+: workspaces and patch: entries left out, dependencies resolved', () => {
    const rb = readYarnLock(berry, 'yarn.lock', { manifest: json({ dependencies: { 'left-pad': '^1.3.0' } }) });
    assert.deepEqual(ids(rb), ['@scope/dep@2.0.0', 'left-pad@1.3.0']);
    assert.deepEqual(pkg(rb, 'left-pad').dependsOn, ['pkg:npm/%40scope/dep@2.0.0']);
    assert.equal(pkg(rb, 'left-pad').direct, true);
    assert.equal(pkg(rb, '@scope/dep').direct, false);
    assert.equal(pkg(rb, 'left-pad').locations[0].line, 15);
  });
  test('Yarn 2+: bad YAML gives its line', () => {
    const err = lockError(() => readYarnLock('__metadata:\n  version: 8\n"a@npm:1":\n  version: [1\n', 'yarn.lock'));
    assert.match(err.message, /not valid YAML/);
    assert.ok(err.line !== undefined && err.line >= 4, `line ${err.line}`);
  });
});

describe('pnpm-lock.yaml', () => {
  const v5 = [
    'lockfileVersion: 5.4',
    'specifiers:',
    '  react-dom: ^18.2.0',
    'dependencies:',
    '  react-dom: 18.2.0_react@18.2.0',
    'devDependencies:',
    '  typescript: 5.0.4',
    'packages:',
    '  /react-dom/18.2.0_react@18.2.0:',
    '    resolution: {integrity: sha512-x}',
    '    dependencies:',
    '      react: 18.2.0',
    '      scheduler: 0.23.0',
    '    dev: false',
    '  /react/18.2.0:',
    '    resolution: {integrity: sha512-y}',
    '    dev: false',
    '  /scheduler/0.23.0:',
    '    resolution: {integrity: sha512-z}',
    '    dev: false',
    '  /typescript/5.0.4:',
    '    resolution: {integrity: sha512-t}',
    '    dev: true',
    '  /@types/node/20.1.0:',
    '    resolution: {integrity: sha512-n}',
    '    dev: true',
    '',
  ].join('\n');
  test('v5: /name/version keys, peers after _, direct from the top-level dependencies', () => {
    const r = readPnpmLock(v5, 'pnpm-lock.yaml');
    assert.deepEqual(ids(r), ['@types/node@20.1.0', 'react-dom@18.2.0', 'react@18.2.0', 'scheduler@0.23.0', 'typescript@5.0.4']);
    assert.equal(pkg(r, 'react-dom').direct, true);
    assert.equal(pkg(r, 'typescript').direct, true);
    assert.equal(pkg(r, 'react').direct, false);
    assert.equal(pkg(r, 'typescript').dev, true);
    assert.equal(pkg(r, 'react').dev, false);
    assert.deepEqual(pkg(r, 'react-dom').dependsOn, ['pkg:npm/react@18.2.0', 'pkg:npm/scheduler@0.23.0']);
    assert.equal(pkg(r, 'react-dom').locations[0].line, 9);
  });
  const v6 = [
    "lockfileVersion: '6.0'",
    'importers:',
    '  .:',
    '    dependencies:',
    '      react-dom:',
    '        specifier: ^18.2.0',
    '        version: 18.2.0(react@18.2.0)',
    '  packages/web:',
    '    dependencies:',
    '      shared:',
    '        specifier: workspace:*',
    '        version: link:../shared',
    '      alias-name:',
    '        specifier: npm:react@18.2.0',
    '        version: /react@18.2.0',
    'packages:',
    '  /react-dom@18.2.0(react@18.2.0):',
    '    resolution: {integrity: sha512-x}',
    '    dependencies:',
    '      react: 18.2.0',
    '  /react@18.2.0:',
    '    resolution: {integrity: sha512-y}',
    '',
  ].join('\n');
  test('v6: /name@version keys with peers in parentheses, importers, link: left out, aliases', () => {
    const r = readPnpmLock(v6, 'pnpm-lock.yaml');
    assert.deepEqual(ids(r), ['react-dom@18.2.0', 'react@18.2.0']);
    assert.equal(pkg(r, 'react-dom').direct, true);
    assert.equal(pkg(r, 'react').direct, true, 'the alias in packages/web names it');
    assert.deepEqual(pkg(r, 'react-dom').dependsOn, ['pkg:npm/react@18.2.0']);
  });
  const v9 = [
    "lockfileVersion: '9.0'",
    'importers:',
    '  .:',
    '    dependencies:',
    "      '@scope/a':",
    '        specifier: ^1.0.0',
    '        version: 1.0.0(b@2.0.0)',
    'packages:',
    "  '@scope/a@1.0.0':",
    '    resolution: {integrity: sha512-a}',
    '  b@2.0.0:',
    '    resolution: {integrity: sha512-b}',
    '  c@3.0.0:',
    '    resolution: {integrity: sha512-c}',
    'snapshots:',
    "  '@scope/a@1.0.0(b@2.0.0)':",
    '    dependencies:',
    '      b: 2.0.0',
    '      c: 3.0.0',
    '  b@2.0.0: {}',
    '  c@3.0.0: {}',
    '',
  ].join('\n');
  test('v9: no slash, instances and their dependencies in snapshots', () => {
    const r = readPnpmLock(v9, 'pnpm-lock.yaml');
    assert.deepEqual(ids(r), ['@scope/a@1.0.0', 'b@2.0.0', 'c@3.0.0']);
    assert.equal(pkg(r, '@scope/a').direct, true);
    assert.equal(pkg(r, 'b').direct, false);
    assert.deepEqual(pkg(r, '@scope/a').dependsOn, ['pkg:npm/b@2.0.0', 'pkg:npm/c@3.0.0']);
    assert.equal(pkg(r, 'b').locations[0].line, 11);
  });
  const errors: [string, string, RegExp, number][] = [
    ['no lockfileVersion', 'packages: {}\n', /lockfileVersion is missing/, 1],
    ['a version kshield does not read', "lockfileVersion: '4.0'\n", /lockfileVersion 4\.0/, 1],
    ['bad YAML', "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {\n", /not valid YAML/, 4],
  ];
  for (const [name, text, message, line] of errors)
    test(`error: ${name}`, () => {
      const err = lockError(() => readPnpmLock(text, 'pnpm-lock.yaml'));
      assert.match(err.message, message);
      assert.equal(err.line, line);
    });
});

describe('requirements*.txt', () => {
  const text = [
    '# pinned by pip-compile',
    '--index-url https://pypi.example/simple',
    '-r base.txt',
    '-c constraints.txt',
    'Flask==3.0.0 \\',
    '    --hash=sha256:aaa \\',
    '    --hash=sha256:bbb',
    '    # via -r requirements.in',
    'requests[socks]===2.31.0 ; python_version >= "3.8"',
    '    # via',
    '    #   flask',
    'django>=4.2',
    'numpy~=1.26',
    'pandas==2.*',
    '-e git+https://example.org/x.git#egg=x',
    'pkg @ git+https://example.org/pkg.git@v1',
    './local.whl',
    'Jinja2==3.1.3  # a comment',
    '',
  ].join('\n');
  const r = readRequirements(text, 'requirements.txt');
  test('only == and === pins are inventory; extras, hashes and continuations allowed', () => {
    assert.deepEqual(ids(r), ['Flask@3.0.0', 'Jinja2@3.1.3', 'requests@2.31.0']);
    assert.equal(pkg(r, 'Flask').purl, 'pkg:pypi/flask@3.0.0');
    assert.equal(pkg(r, 'requests').locations[0].line, 9);
    assert.equal(pkg(r, 'Flask').locations[0].line, 5);
  });
  test('pip-compile annotations say which pins are direct', () => {
    assert.equal(pkg(r, 'Flask').direct, true);
    assert.equal(pkg(r, 'requests').direct, false);
    assert.equal(pkg(r, 'Jinja2').direct, undefined);
  });
  test('includes returned for the walker; the rest noted, not guessed', () => {
    assert.deepEqual(r.includes, ['base.txt']);
    const notes = r.notes.map((n) => `${n.line}: ${n.message}`).join('\n');
    assert.match(notes, /4: constraints file constraints\.txt/);
    assert.match(notes, /9: requests==2\.31\.0 applies only where python_version >= "3\.8"/);
    assert.match(notes, /15: editable requirement/);
    assert.match(notes, /16: pkg is installed from git\+https:\/\/example\.org\/pkg\.git@v1, not a pinned release/);
    assert.match(notes, /17: requirement "\.\/local\.whl" is a URL or path/);
    assert.match(notes, /12: 3 requirement\(s\) not pinned .*django \(line 12\), numpy \(line 13\), pandas \(line 14\)/);
  });
  test('a line that is not a requirement gives its line', () => {
    const err = lockError(() => readRequirements('a==1\n\n%%%\n', 'requirements.txt'));
    assert.equal(err.line, 3);
  });
});

describe('poetry.lock and Pipfile.lock', () => {
  const poetry = [
    '# This file is automatically @generated by Poetry 1.8.2 and should not be changed by hand.',
    '',
    '[[package]]',
    'name = "Requests"',
    'version = "2.31.0"',
    'description = "HTTP"',
    'optional = false',
    'python-versions = ">=3.7"',
    '',
    '[package.dependencies]',
    'urllib3 = ">=1.21.1,<3"',
    'charset_normalizer = ">=2,<4"',
    '',
    '[[package]]',
    'name = "urllib3"',
    'version = "2.2.1"',
    'optional = false',
    '',
    '[[package]]',
    'name = "charset-normalizer"',
    'version = "3.3.2"',
    'optional = true',
    '',
    '[[package]]',
    'name = "pytest"',
    'version = "8.1.1"',
    'category = "dev"',
    '',
    '[[package]]',
    'name = "mylib"',
    'version = "0.1.0"',
    '',
    '[package.source]',
    'type = "directory"',
    'url = "../mylib"',
    '',
    '[metadata]',
    'lock-version = "2.0"',
    '',
  ].join('\n');
  const pyproject = ['[tool.poetry.dependencies]', 'python = "^3.11"', 'requests = "^2.31"', '', '[tool.poetry.group.test.dependencies]', 'pytest = "^8"', ''].join('\n');
  const r = readPoetryLock(poetry, 'poetry.lock', { manifest: pyproject });
  test('poetry: packages with their lines, local directory sources noted and left out', () => {
    assert.deepEqual(ids(r), ['Requests@2.31.0', 'charset-normalizer@3.3.2', 'pytest@8.1.1', 'urllib3@2.2.1']);
    assert.equal(pkg(r, 'Requests').locations[0].line, 4);
    assert.equal(pkg(r, 'pytest').locations[0].line, 25);
    assert.match(r.notes[0].message, /mylib 0\.1\.0 is installed from a local directory/);
  });
  test('poetry: dependencies by normalised name, direct and dev from pyproject.toml and category', () => {
    assert.deepEqual(pkg(r, 'Requests').dependsOn, ['pkg:pypi/urllib3@2.2.1', 'pkg:pypi/charset-normalizer@3.3.2']);
    assert.equal(pkg(r, 'Requests').direct, true);
    assert.equal(pkg(r, 'urllib3').direct, false);
    assert.equal(pkg(r, 'pytest').direct, true);
    assert.equal(pkg(r, 'pytest').dev, true);
    assert.equal(pkg(r, 'charset-normalizer').optional, true);
  });
  test('poetry: bad TOML gives its line', () => {
    const err = lockError(() => readPoetryLock('[[package]]\nname = "a"\nversion = 1.0.0\n', 'poetry.lock'));
    assert.equal(err.line, 3);
    assert.match(err.message, /not valid TOML/);
  });

  const pipfile = json({
    _meta: { hash: { sha256: 'x' } },
    default: {
      django: { version: '==4.2.11', hashes: ['sha256:a'] },
      'sqlparse': { version: '==0.4.4' },
      mypkg: { git: 'https://example.org/mypkg.git', ref: 'abc' },
    },
    develop: { pytest: { version: '==8.1.1' }, black: { version: '*' } },
  });
  test('Pipfile.lock: default and develop, unpinned and git entries noted', () => {
    const rp = readPipfileLock(pipfile, 'Pipfile.lock', { manifest: '[packages]\ndjango = "*"\n\n[dev-packages]\npytest = "*"\n' });
    assert.deepEqual(ids(rp), ['django@4.2.11', 'pytest@8.1.1', 'sqlparse@0.4.4']);
    assert.equal(pkg(rp, 'pytest').dev, true);
    assert.equal(pkg(rp, 'django').dev, false);
    assert.equal(pkg(rp, 'django').direct, true);
    assert.equal(pkg(rp, 'sqlparse').direct, false);
    assert.equal(pkg(rp, 'django').locations[0].line, pipfile.split('\n').findIndex((l) => l.includes('"django"')) + 1);
    const notes = rp.notes.map((n) => n.message).join('\n');
    assert.match(notes, /mypkg is installed from git https:\/\/example\.org\/mypkg\.git/);
    assert.match(notes, /black has version "\*", not pinned/);
  });
});

describe('go.mod', () => {
  const gomod = [
    'module example.com/app',
    '',
    'go 1.22.1',
    '',
    'toolchain go1.22.3',
    '',
    'require (',
    '\tgithub.com/sirupsen/logrus v1.9.3',
    '\tgolang.org/x/sys v0.18.0 // indirect',
    '\t"github.com/quoted/mod" v0.1.0',
    '\tgithub.com/docker/docker v24.0.7+incompatible',
    '\tgithub.com/old/thing v1.0.0',
    '\texample.com/local v0.0.0-00010101000000-000000000000',
    ')',
    '',
    'require github.com/single/line v2.0.0+incompatible // indirect; tidy',
    '',
    'replace github.com/old/thing => github.com/new/thing v1.2.0',
    '',
    'replace example.com/local => ../local',
    '',
    'exclude golang.org/x/net v0.1.0',
    '',
    'retract (',
    '\tv1.0.0 // published by mistake',
    '\t[v1.1.0, v1.2.0]',
    ')',
    '',
  ].join('\n');
  const gosum = [
    'github.com/sirupsen/logrus v1.9.3 h1:abc=',
    'github.com/sirupsen/logrus v1.9.3/go.mod h1:def=',
    'golang.org/x/sys v0.18.0/go.mod h1:ghi=',
    'github.com/quoted/mod v0.1.0 h1:x=',
    'github.com/docker/docker v24.0.7+incompatible h1:y=',
    'github.com/new/thing v1.2.0 h1:z=',
    '',
  ].join('\n');
  const r = readGoMod(gomod, 'go.mod', { goSum: gosum });
  test('require lines and blocks, quoted paths, +incompatible, replacements applied, directories left out', () => {
    assert.deepEqual(ids(r), [
      'github.com/docker/docker@v24.0.7+incompatible',
      'github.com/new/thing@v1.2.0',
      'github.com/quoted/mod@v0.1.0',
      'github.com/single/line@v2.0.0+incompatible',
      'github.com/sirupsen/logrus@v1.9.3',
      'golang.org/x/sys@v0.18.0',
    ]);
    assert.equal(pkg(r, 'github.com/sirupsen/logrus').locations[0].line, 8);
  });
  test('// indirect marks transitive modules', () => {
    assert.equal(pkg(r, 'github.com/sirupsen/logrus').direct, true);
    assert.equal(pkg(r, 'golang.org/x/sys').direct, false);
    assert.equal(pkg(r, 'github.com/single/line').direct, false);
  });
  test('replacements and a go.sum that does not match are noted', () => {
    const notes = r.notes.map((n) => `${n.line ?? '-'}: ${n.message}`).join('\n');
    assert.match(notes, /18: github\.com\/old\/thing v1\.0\.0 is replaced by github\.com\/new\/thing v1\.2\.0/);
    assert.match(notes, /20: example\.com\/local .* is replaced by the directory \.\.\/local/);
    assert.match(notes, /-: 1 required module version\(s\) have no go\.sum line \(github\.com\/single\/line v2\.0\.0\+incompatible\)/);
  });
  test('before Go 1.17 the module graph in go.mod is partial: noted', () => {
    const old = readGoMod('module x\n\ngo 1.16\n\nrequire a.example/b v1.0.0\n', 'go.mod');
    assert.match(old.notes.map((n) => n.message).join('\n'), /before Go 1\.17/);
  });
  const errors: [string, string, RegExp, number][] = [
    ['a block never closed', 'module x\nrequire (\n\ta.example/b v1.0.0\n', /never closed/, 2],
    ['a version that is not one', 'module x\nrequire a.example/b latest\n', /"latest" is not a module version/, 2],
    ['an unknown directive', 'module x\nrequires a.example/b v1.0.0\n', /unknown directive "requires"/, 2],
    ['a malformed replace', 'module x\nreplace a.example/b v1 v2 => c\n', /replace needs/, 2],
  ];
  for (const [name, text, message, line] of errors)
    test(`error: ${name}`, () => {
      const err = lockError(() => readGoMod(text, 'go.mod'));
      assert.match(err.message, message);
      assert.equal(err.line, line);
    });
});

describe('pom.xml', () => {
  const parent = [
    '<project>',
    '  <groupId>com.example</groupId>',
    '  <artifactId>parent</artifactId>',
    '  <version>1.0.0</version>',
    '  <properties><jackson.version>2.17.0</jackson.version></properties>',
    '  <dependencyManagement><dependencies>',
    '    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>2.0.12</version></dependency>',
    '  </dependencies></dependencyManagement>',
    '</project>',
  ].join('\n');
  const child = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<project xmlns="http://maven.apache.org/POM/4.0.0">',
    '  <parent><groupId>com.example</groupId><artifactId>parent</artifactId><version>1.0.0</version></parent>',
    '  <artifactId>app</artifactId>',
    '  <properties><log4j.version>2.17.1</log4j.version></properties>',
    '  <dependencies>',
    '    <dependency>',
    '      <groupId>org.apache.logging.log4j</groupId>',
    '      <artifactId>log4j-core</artifactId>',
    '      <version>${log4j.version}</version>',
    '    </dependency>',
    '    <dependency><groupId>com.fasterxml.jackson.core</groupId><artifactId>jackson-databind</artifactId><version>${jackson.version}</version></dependency>',
    '    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId></dependency>',
    '    <dependency><groupId>${project.groupId}</groupId><artifactId>sibling</artifactId><version>${project.version}</version></dependency>',
    '    <dependency><groupId>junit</groupId><artifactId>junit</artifactId><version>4.13.2</version><scope>test</scope></dependency>',
    '    <dependency><groupId>x</groupId><artifactId>ranged</artifactId><version>[1.0,2.0)</version></dependency>',
    '    <dependency><groupId>x</groupId><artifactId>unknown-prop</artifactId><version>${nope}</version><optional>true</optional></dependency>',
    '  </dependencies>',
    '</project>',
  ].join('\n');
  test('declared versions resolved through properties, the parent POM and dependencyManagement', () => {
    const r = readPom(child, 'app/pom.xml', { parentPoms: [{ path: 'pom.xml', text: parent }] });
    assert.deepEqual(ids(r), [
      'com.example:sibling@1.0.0',
      'com.fasterxml.jackson.core:jackson-databind@2.17.0',
      'junit:junit@4.13.2',
      'org.apache.logging.log4j:log4j-core@2.17.1',
      'org.slf4j:slf4j-api@2.0.12',
    ]);
    assert.equal(pkg(r, 'org.apache.logging.log4j:log4j-core').purl, 'pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1');
    assert.equal(pkg(r, 'org.apache.logging.log4j:log4j-core').locations[0].line, 7);
    assert.equal(pkg(r, 'junit:junit').dev, true);
    assert.ok(r.packages.every((p) => p.direct === true));
    const notes = r.notes.map((n) => `${n.line}: ${n.message}`).join('\n');
    assert.match(notes, /16: x:ranged: version range \[1\.0,2\.0\)/);
    assert.match(notes, /17: x:unknown-prop: version "\$\{nope\}" not resolved: property nope not defined/);
  });
  test('a parent POM outside the tree: what it would give is noted, not guessed', () => {
    const r = readPom(child, 'app/pom.xml');
    assert.deepEqual(ids(r), ['com.example:sibling@1.0.0', 'junit:junit@4.13.2', 'org.apache.logging.log4j:log4j-core@2.17.1']);
    const notes = r.notes.map((n) => n.message).join('\n');
    assert.match(notes, /slf4j-api: version not resolved \(managed by the parent POM com\.example:parent:1\.0\.0, which is not in the tree\)/);
    assert.match(notes, /jackson-databind: version "\$\{jackson\.version\}" not resolved/);
  });
  test('XML entities are not expanded (no entity-expansion blow-up)', () => {
    const bomb = '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><project><dependencies><dependency><groupId>&c;</groupId><artifactId>x</artifactId><version>1</version></dependency></dependencies></project>';
    const r = readPom(bomb, 'pom.xml');
    assert.ok(r.packages[0].name.length < 20, r.packages[0].name);
  });
  const errors: [string, string, RegExp, number | undefined][] = [
    ['not well-formed', '<project>\n  <dependencies>\n    <dependency>\n  </dependencies>\n</project>', /not well-formed XML/, 4],
    ['no <project>', '<settings/>', /<project> root element/, 1],
    ['a dependency without an artifactId', '<project>\n<dependencies>\n<dependency><groupId>a</groupId></dependency>\n</dependencies>\n</project>', /needs a groupId and an artifactId/, 3],
  ];
  for (const [name, text, message, line] of errors)
    test(`error: ${name}`, () => {
      const err = lockError(() => readPom(text, 'pom.xml'));
      assert.match(err.message, message);
      assert.equal(err.line, line);
    });
});

describe('Cargo.lock', () => {
  const lock = [
    '# This file is automatically @generated by Cargo.',
    'version = 3',
    '',
    '[[package]]',
    'name = "app"',
    'version = "0.1.0"',
    'dependencies = [',
    ' "rand 0.8.5",',
    ' "serde",',
    ']',
    '',
    '[[package]]',
    'name = "rand"',
    'version = "0.7.3"',
    'source = "registry+https://github.com/rust-lang/crates.io-index"',
    '',
    '[[package]]',
    'name = "rand"',
    'version = "0.8.5"',
    'source = "registry+https://github.com/rust-lang/crates.io-index"',
    'checksum = "abc"',
    'dependencies = [',
    ' "rand 0.7.3",',
    ']',
    '',
    '[[package]]',
    'name = "serde"',
    'version = "1.0.200"',
    'source = "git+https://github.com/serde-rs/serde?branch=master#deadbeef"',
    '',
  ].join('\n');
  const r = readCargoLock(lock, 'Cargo.lock');
  test('workspace crates (no source) left out; what they depend on is direct', () => {
    assert.deepEqual(ids(r), ['rand@0.7.3', 'rand@0.8.5', 'serde@1.0.200']);
    assert.equal(pkg(r, 'rand', '0.8.5').direct, true);
    assert.equal(pkg(r, 'rand', '0.7.3').direct, false);
    assert.equal(pkg(r, 'serde').direct, true);
  });
  test('"name version" dependencies pick the right one of two versions', () => {
    assert.deepEqual(pkg(r, 'rand', '0.8.5').dependsOn, ['pkg:cargo/rand@0.7.3']);
    assert.equal(pkg(r, 'rand', '0.8.5').locations[0].line, 18);
  });
  test('without a workspace crate, direct is unknown, not false', () => {
    const only = readCargoLock('[[package]]\nname = "serde"\nversion = "1.0.200"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n', 'Cargo.lock');
    assert.equal(only.packages[0].direct, undefined);
  });
  test('a crate from git is noted', () => {
    assert.match(r.notes[0].message, /serde 1\.0\.200 comes from git \(https:\/\/github\.com\/serde-rs\/serde\?branch=master\)/);
    assert.equal(r.notes[0].line, 27);
  });
  test('a [[package]] without a version gives its line', () => {
    const err = lockError(() => readCargoLock('[[package]]\nname = "a"\n\n[[package]]\nname = "b"\nsource = "x"\n', 'Cargo.lock'));
    assert.equal(err.line, 2);
  });
});

/** Ten levels of ten aliases each: 10^10 strings once expanded. */
function aliasBomb(): string {
  let y = 'a: &a {x: ["x","x","x","x","x","x","x","x","x","x"]}\n';
  let prev = 'a';
  for (let i = 0; i < 9; i++) {
    const n = `l${i}`;
    y += `${n}: &${n} {x: [${Array(10).fill(`*${prev}`).join(',')}]}\n`;
    prev = n;
  }
  return y;
}

describe('hostile input: a clear error, never a crash or a hang', () => {
  const DEEP = 100_000;
  const cases: [string, () => unknown, RegExp][] = [
    ['package-lock: 100,000 nested arrays', () => readPackageLock('{"packages":' + '['.repeat(DEEP) + ']'.repeat(DEEP) + '}', 'p'), /"packages" must be an object/],
    ['package-lock: 100,000 unclosed arrays', () => readPackageLock('['.repeat(DEEP), 'p'), /not valid JSON.*ends too early/],
    [
      'package-lock v1: dependencies nested 300 deep',
      () => {
        let s = '{"lockfileVersion":1,"dependencies":{';
        for (let i = 0; i < 300; i++) s += `"a${i}":{"version":"1.0.0","dependencies":{`;
        return readPackageLock(s + '}'.repeat(602), 'p');
      },
      /nested more than 256 levels/,
    ],
    ['pnpm: 100,000 nested flow sequences', () => readPnpmLock("lockfileVersion: '9.0'\npackages: " + '['.repeat(DEEP) + ']'.repeat(DEEP), 'p'), /nested too deeply/],
    ['yarn berry: 100,000 nested flow sequences', () => readYarnLock('__metadata:\n  version: 8\n"a@npm:1": ' + '['.repeat(DEEP) + ']'.repeat(DEEP), 'p'), /nested too deeply/],
    ['poetry: 100,000 nested arrays', () => readPoetryLock('x = ' + '['.repeat(DEEP) + ']'.repeat(DEEP), 'p'), /not valid TOML.*nested/],
    ['Cargo: 100,000 nested inline tables', () => readCargoLock('x = ' + '{a='.repeat(DEEP) + '1' + '}'.repeat(DEEP), 'p'), /not valid TOML.*nested/],
    ['pom: 100,000 nested elements', () => readPom('<project>' + '<a>'.repeat(DEEP) + '</a>'.repeat(DEEP) + '</project>', 'p'), /cannot be read as a pom\.xml/],
    ['pnpm: an alias bomb (10^10 strings)', () => readPnpmLock("lockfileVersion: '9.0'\n" + aliasBomb(), 'p'), /YAML aliases expand too many times/],
    ['yarn berry: an alias bomb inside an entry', () => readYarnLock('__metadata:\n  version: 8\n' + aliasBomb().replace(/^(\w+):/gm, '"$1@npm:1":'), 'p'), /YAML aliases expand too many times/],
    ['requirements: binary junk', () => readRequirements('\u0000\u0001\u0002==1\n', 'p'), /is not a requirement/],
    ['yarn v1: binary junk', () => readYarnLock('\u0000\u0001PK\u0003\u0004', 'p'), /entry header/],
    ['go.mod: binary junk', () => readGoMod('\u0000ELF\u0001', 'p'), /unknown directive/],
  ];
  for (const [name, fn, message] of cases)
    test(name, () => {
      const started = Date.now();
      const err = lockError(fn);
      assert.match(err.message, message);
      assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    });

  test('a large real-shaped lockfile (20,000 packages) reads in time', () => {
    const packages: Record<string, unknown> = { '': { dependencies: { p0: '1' } } };
    for (let i = 0; i < 20_000; i++) packages[`node_modules/p${i}`] = { version: '1.0.0', dependencies: { [`p${(i + 1) % 20_000}`]: '1' } };
    const started = Date.now();
    const r = readPackageLock(json({ lockfileVersion: 3, packages }), 'p');
    assert.equal(r.packages.length, 20_000);
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  });

  const jsonErrors: [string, number | undefined][] = [
    ['{"a": 1}', undefined],
    ['{"a": 1,}', 8],
    ['{"a" 1}', 5],
    ['[1, 2', 5],
    ['{"a": "\u0001"}', 7],
    ['{"a": "\\x"}', 8],
    ['{} {}', 3],
    ['{"a": tru}', 6],
    ['', 0],
  ];
  for (const [text, offset] of jsonErrors) test(`the first JSON error of ${JSON.stringify(text)} is at ${offset}`, () => assert.equal(firstJsonError(text), offset));
});
