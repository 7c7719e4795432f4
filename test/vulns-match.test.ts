/**
 * Matching an inventory against OSV advisories, as the OSV schema defines it: the schema's own
 * range examples, the fixture folder (test/fixtures/osv, written from the schema) with each rule a
 * user relies on pinned, the source-package invariant for distributions, VEX, CVSS scores, the
 * compact index giving what the folder gives, and errors in bad records.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { root } from './support/cli.js';
import type { Inventory, Package } from '../src/packages/model.js';
import { compareSemver } from '../src/packages/versions/semver.js';
import { versionComparator } from '../src/packages/versions/index.js';
import { evaluateRange, matchInventory, type VulnerabilityMatch } from '../src/vulns/match.js';
import { IndexDatabase, loadOsvFolder, MemoryDatabase, serializeIndex } from '../src/vulns/db.js';
import { readOsvRecord, type OsvRecord } from '../src/vulns/osv.js';
import { scoreCvss, advisorySeverity } from '../src/vulns/cvss.js';
import { loadVexFile, purlMatches, readVex } from '../src/vulns/vex.js';
import { compareVersions } from '../src/index.js';
import { failingFindings, renderVulnerabilityTable, vulnerabilityJson, type VulnerabilityReport } from '../src/report/vulnerabilities.js';

const FIXTURES = path.join(root, 'test/fixtures/osv');
const inventory = (): Inventory => JSON.parse(readFileSync(path.join(FIXTURES, 'inventory.json'), 'utf8'));
const semver = (a: string, b: string): number => compareSemver(a, b);

function find(matches: VulnerabilityMatch[], id: string, pkg: string): VulnerabilityMatch | undefined {
  return matches.find((m) => m.id === id && m.packages.some((p) => p.name === pkg));
}

describe('range evaluation (the schema examples)', () => {
  const range = (...events: Record<string, string>[]) => ({ type: 'SEMVER', events });
  test('introduced 0 alone: every version affected, no fix', () => {
    assert.deepEqual(evaluateRange('0.0.1', range({ introduced: '0' }), semver), { affected: true, introduced: '0' });
    assert.equal(evaluateRange('99.0.0', range({ introduced: '0' }), semver).affected, true);
  });
  test('fixed is exclusive: the fixed version is not affected', () => {
    const r = range({ introduced: '0' }, { fixed: '1.0.2' });
    assert.deepEqual(evaluateRange('1.0.1', r, semver), { affected: true, introduced: '0', fixed: '1.0.2' });
    assert.equal(evaluateRange('1.0.2', r, semver).affected, false);
  });
  test('several stretches in one range, events given out of order', () => {
    const r = range({ fixed: '3.2.5' }, { introduced: '3.0.0' }, { introduced: '1.0.0' }, { fixed: '1.0.2' });
    assert.equal(evaluateRange('0.9.0', r, semver).affected, false);
    assert.deepEqual(evaluateRange('1.0.0', r, semver), { affected: true, introduced: '1.0.0', fixed: '1.0.2' });
    assert.equal(evaluateRange('2.0.0', r, semver).affected, false);
    assert.deepEqual(evaluateRange('3.2.4', r, semver), { affected: true, introduced: '3.0.0', fixed: '3.2.5' });
    assert.equal(evaluateRange('3.2.5', r, semver).affected, false);
  });
  test('last_affected is inclusive', () => {
    const r = { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { last_affected: '2.1.214' }] };
    assert.deepEqual(evaluateRange('2.1.214', r, semver), { affected: true, introduced: '0', lastAffected: '2.1.214' });
    assert.equal(evaluateRange('2.1.215', r, semver).affected, false);
  });
  test('limit: only versions below a limit; "*" is infinity', () => {
    const r = range({ introduced: '1.0.0' }, { limit: '2.0.0' });
    assert.equal(evaluateRange('1.5.0', r, semver).affected, true);
    assert.equal(evaluateRange('2.0.0', r, semver).affected, false);
    assert.equal(evaluateRange('5.0.0', range({ introduced: '1.0.0' }, { limit: '*' }), semver).affected, true);
  });
  test('ECOSYSTEM ranges use the ecosystem ordering (dpkg: ~ sorts before everything)', () => {
    const r = { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.15-1~deb12u1' }] };
    const dpkg = versionComparator('Debian:12')!;
    assert.equal(evaluateRange('3.0.15-1~deb12u0', r, dpkg).affected, true);
    assert.equal(evaluateRange('3.0.15-1', r, dpkg).affected, false);
  });
});

describe('matching the fixture inventory against the fixture folder', () => {
  const db = loadOsvFolder(path.join(FIXTURES, 'db'));
  const result = matchInventory(inventory(), db);

  test('the folder is read whole, without problems', () => {
    assert.deepEqual(db.problems, []);
    assert.equal(db.info.records, 15);
    assert.equal(db.info.newestModified, '2025-01-12T00:00:00Z');
  });

  test('the findings, one per vulnerability and installed package (or source package version)', () => {
    const seen = result.matches.map((m) => `${m.id} ${m.packages.map((p) => `${p.name}@${p.version}`).join('+')} fixed=${m.fixed ?? (m.unfixed ? 'unfixed' : 'unknown')}`);
    assert.deepEqual(seen.sort(), [
      'CVE-2099-1001 libcrypto3@3.3.1-r3 fixed=3.3.2-r0',
      'CVE-2099-1001 libssl3@3.0.11-1~deb12u2+openssl@3.0.11-1~deb12u2 fixed=3.0.15-1~deb12u1',
      'CVE-2099-1002 libc6@2.36-9+deb12u4 fixed=unfixed',
      'CVE-2099-1003 cpp@4:12.2.0-3 fixed=1.204',
      'CVE-2099-1005 zlib1g@1:1.2.11.dfsg-2ubuntu9.2 fixed=unfixed',
      'CVE-2099-2001 lodash@4.17.20 fixed=4.17.21',
      'CVE-2099-2003 express@5.0.0-beta.1 fixed=5.0.0-beta.3',
      'CVE-2099-3001 PyYAML@5.3.1 fixed=5.4',
      'CVE-2099-4002 golang.org/x/net@v0.22.0 fixed=0.23.0',
      'CVE-2099-5001 org.example:parser@2.5 fixed=unfixed',
    ]);
  });

  test('aliases and upstream ids merge advisories: one CVE, one finding, every id kept', () => {
    const pyyaml = result.matches.filter((m) => m.package.name === 'PyYAML');
    assert.equal(pyyaml.length, 1);
    assert.deepEqual(pyyaml[0].advisories.map((a) => a.id), ['GHSA-cccc-dddd-0001', 'PYSEC-2099-1']);
    assert.deepEqual(pyyaml[0].aliases, ['GHSA-cccc-dddd-0001', 'PYSEC-2099-1']);
    const openssl = find(result.matches, 'CVE-2099-1001', 'libssl3')!;
    assert.deepEqual(openssl.advisories.map((a) => a.id), ['DEBIAN-CVE-2099-1001', 'DSA-9001-1']);
  });

  test('withdrawn advisories are ignored', () => {
    assert.equal(result.matches.some((m) => m.id === 'CVE-2099-2002' || m.aliases.includes('GHSA-aaaa-bbbb-0002')), false);
  });

  test('a fixed version is not affected (express 4.19.2), a pre-release inside the second stretch is', () => {
    assert.equal(result.matches.some((m) => m.package.name === 'express' && m.package.version === '4.19.2'), false);
    assert.ok(find(result.matches, 'CVE-2099-2003', 'express'));
  });

  test('unfixed advisories are reported as unfixed; last_affected is inclusive', () => {
    const glibc = find(result.matches, 'CVE-2099-1002', 'libc6')!;
    assert.equal(glibc.unfixed, true);
    assert.equal(glibc.fixed, undefined);
    const zlib = find(result.matches, 'CVE-2099-1005', 'zlib1g')!;
    assert.equal(zlib.advisories[0].lastAffected, '1:1.2.11.dfsg-2ubuntu9.2');
  });

  test('GIT-only advisories are skipped with a note naming them', () => {
    assert.equal(result.matches.some((m) => m.package.name === 'example.com/commits-only'), false);
    assert.ok(result.notes.some((n) => n.includes('GIT commit ranges') && n.includes('GO-2099-0001')), result.notes.join('\n'));
  });

  test('every finding explains itself: advisory, range type, events, the version compared', () => {
    const lodash = find(result.matches, 'CVE-2099-2001', 'lodash')!;
    assert.equal(lodash.explanation, 'GHSA-aaaa-bbbb-0001 (npm lodash) SEMVER range {introduced 0, fixed 4.17.21}: 4.17.20 is at or above introduced 0, below fixed 4.17.21; compared: installed lodash 4.17.20');
    const cpp = find(result.matches, 'CVE-2099-1003', 'cpp')!;
    assert.match(cpp.explanation, /ECOSYSTEM range \{introduced 0, fixed 1\.204\}: 1\.203 is at or above introduced 0, below fixed 1\.204; compared: source package gcc-defaults 1\.203 \(of installed cpp 4:12\.2\.0-3\)/);
  });

  test('severity is computed from the vector: CVSS 4.0 and 3.1, the Ubuntu priority when there is no vector', () => {
    assert.deepEqual(find(result.matches, 'CVE-2099-1002', 'libc6')!.severity?.cvss && { v: find(result.matches, 'CVE-2099-1002', 'libc6')!.severity!.cvss!.version, s: find(result.matches, 'CVE-2099-1002', 'libc6')!.severity!.cvss!.score }, { v: '4.0', s: 8.5 });
    assert.equal(find(result.matches, 'CVE-2099-3001', 'PyYAML')!.severity?.severity, 'critical');
    assert.deepEqual(find(result.matches, 'CVE-2099-1005', 'zlib1g')!.severity, { severity: 'medium', priority: { source: 'Ubuntu', value: 'medium' } });
  });

  test('--ignore-unfixed leaves unfixed findings out and counts them', () => {
    const r = matchInventory(inventory(), db, { ignoreUnfixed: true });
    assert.equal(r.ignoredUnfixed, 3);
    assert.equal(r.matches.some((m) => m.unfixed), false);
    assert.equal(r.matches.length, result.matches.length - 3);
  });
});

describe('distribution advisories are keyed by source package and release (invariant)', () => {
  const db = loadOsvFolder(path.join(FIXTURES, 'db'));
  const deb = (name: string, version: string, source: Package['source'], osvEcosystem = 'Debian:12'): Package => ({
    ecosystem: osvEcosystem.startsWith('Ubuntu') ? 'Ubuntu' : osvEcosystem.startsWith('Alpine') ? 'Alpine' : 'Debian',
    osvEcosystem,
    name,
    version,
    source,
    purl: `pkg:deb/debian/${name}@${version}`,
    locations: [],
    foundBy: 'dpkg',
  });
  const run = (...packages: Package[]) => matchInventory({ packages, notes: [] }, db).matches.map((m) => `${m.id} ${m.package.name}`);

  test('a binary package is compared at its source package version, not its own', () => {
    // cpp 4:12.2.0-3 is built by gcc-defaults 1.203: by the binary version (epoch 4) it would be past the fix 1.204.
    assert.deepEqual(run(deb('cpp', '4:12.2.0-3', { name: 'gcc-defaults', version: '1.203' })), ['CVE-2099-1003 cpp']);
    assert.deepEqual(run(deb('cpp', '4:12.2.0-3', { name: 'gcc-defaults', version: '1.204' })), []);
  });

  test('an advisory naming a binary package does not match through the binary name when the package has a source', () => {
    // DEBIAN-CVE-2099-1004 names "cpp"; Debian advisories name source packages, and cpp's source is gcc-defaults.
    assert.equal(run(deb('cpp', '4:12.2.0-3', { name: 'gcc-defaults', version: '1.204' })).includes('CVE-2099-1004 cpp'), false);
  });

  test('without a Source: field the binary package is its own source', () => {
    assert.deepEqual(run(deb('openssl', '3.0.11-1~deb12u2', undefined)), ['CVE-2099-1001 openssl']);
  });

  test('the release decides: Debian:11 and Alpine:v3.19 entries do not judge Debian 12 and Alpine 3.20 packages', () => {
    // 3.0.11 is past Debian 11's fix (1.1.1w-0+deb11u2) but before Debian 12's: only the Debian:12 entry may judge it.
    assert.deepEqual(run(deb('libssl3', '3.0.11-1~deb12u2', { name: 'openssl', version: '3.0.11-1~deb12u2' }, 'Debian:11')), []);
    assert.deepEqual(run(deb('libssl3', '3.0.11-1~deb12u2', { name: 'openssl', version: '3.0.11-1~deb12u2' }, 'Debian:12')), ['CVE-2099-1001 libssl3']);
    assert.deepEqual(run(deb('libcrypto3', '3.1.7-r0', { name: 'openssl', version: '3.1.7-r0' }, 'Alpine:v3.19')), []);
    assert.deepEqual(run(deb('libcrypto3', '3.1.7-r0', { name: 'openssl', version: '3.1.7-r0' }, 'Alpine:v3.20')), ['CVE-2099-1001 libcrypto3']);
  });

  test('a distribution package without a release is not matched, and the report says why', () => {
    const pkg = deb('libssl3', '3.0.11-1~deb12u2', { name: 'openssl', version: '3.0.11-1~deb12u2' });
    delete pkg.osvEcosystem;
    const r = matchInventory({ packages: [pkg], notes: [] }, db);
    assert.deepEqual(r.matches, []);
    assert.match(r.notes.join('\n'), /1 Debian package\(s\) not matched: the distribution release is unknown/);
  });
});

describe('VEX', () => {
  const db = loadOsvFolder(path.join(FIXTURES, 'db'));
  const vex = [...loadVexFile(path.join(FIXTURES, 'openvex.json')), ...loadVexFile(path.join(FIXTURES, 'cyclonedx-vex.json'))];
  const result = matchInventory(inventory(), db, { vex });

  test('OpenVEX (product subcomponent) and CycloneDX VEX (bom-ref, advisory id as alias) mark findings not affecting', () => {
    const suppressed = result.matches.filter((m) => m.suppressed).map((m) => `${m.id} ${m.package.name} ${m.vex[0].originalStatus}`);
    assert.deepEqual(suppressed, ['CVE-2099-1002 libc6 not_affected', 'CVE-2099-2001 lodash not_affected']);
  });

  test('statements that match no finding are reported, not dropped', () => {
    assert.deepEqual(
      result.unmatchedVex.map((s) => `${s.vulnerability} ${s.products.join(' ')}`),
      ['CVE-2099-9999 pkg:npm/lodash@4.17.20', 'CVE-2099-2003 pkg:npm/express@4.19.2'],
    );
  });

  test('a statement about another version of the package does not apply', () => {
    assert.equal(purlMatches('pkg:npm/lodash@4.17.21', 'pkg:npm/lodash@4.17.20'), false);
    assert.equal(purlMatches('pkg:npm/lodash', 'pkg:npm/lodash@4.17.20'), true);
    assert.equal(purlMatches('pkg:deb/debian/libc6?arch=arm64', 'pkg:deb/debian/libc6@2.36?arch=amd64'), false);
  });

  test('documents that are not VEX, or statements without a status, are refused with the place named', () => {
    assert.throws(() => readVex({ statements: [] }, 'x.json'), /x\.json: not an OpenVEX document/);
    assert.throws(() => readVex({ '@context': 'https://openvex.dev/ns/v0.2.0', statements: [{ vulnerability: { name: 'CVE-1' }, products: ['pkg:npm/a'] }] }, 'v.json'), /v\.json statements\[0\]\.status must be a non-empty string/);
    assert.throws(() => readVex({ bomFormat: 'CycloneDX', vulnerabilities: [{ id: 'CVE-1', analysis: { state: 'maybe' }, affects: [{ ref: 'x' }] }] }, 'c.json'), /analysis\.state "maybe" is not one of/);
  });
});

describe('CVSS scores computed from vectors', () => {
  test('v3.1 and v4.0 base scores and their levels', () => {
    assert.equal(scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H').score, 9.8);
    assert.equal(scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N').score, 7.5);
    assert.equal(scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N').score, 6.1);
    assert.equal(scoreCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N').score, 9.3);
    assert.equal(scoreCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N').severity, 'critical');
    assert.equal(scoreCvss('CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H').severity, 'high');
  });
  test('the newest CVSS version given wins; a broken vector is skipped and reported', () => {
    const problems: string[] = [];
    const s = advisorySeverity(
      [
        { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' },
        { type: 'CVSS_V4', score: 'CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N' },
        { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L' },
      ],
      (m) => problems.push(m),
    );
    assert.equal(s?.cvss?.version, '4.0');
    assert.equal(s?.severity, 'low');
    assert.deepEqual(problems, ['CVSS 3.1 vector "CVSS:3.1/AV:N/AC:L": base metric PR is missing']);
  });
});

describe('the compact index', () => {
  test('gives the same findings as the folder it was built from', () => {
    const folder = loadOsvFolder(path.join(FIXTURES, 'db'));
    const records: OsvRecord[] = [];
    for (const m of ['Debian', 'npm', 'other']) {
      const dir = path.join(FIXTURES, 'db', m);
      for (const f of ['DEBIAN-CVE-2099-1001', 'DEBIAN-CVE-2099-1002', 'DEBIAN-CVE-2099-1003', 'DEBIAN-CVE-2099-1004', 'DSA-9001-1', 'GHSA-aaaa-bbbb-0001', 'GHSA-aaaa-bbbb-0002', 'GHSA-aaaa-bbbb-0003', 'ALPINE-CVE-2099-1001', 'UBUNTU-CVE-2099-1005', 'PYSEC-2099-1', 'GHSA-cccc-dddd-0001', 'GO-2099-0001', 'GO-2099-0002', 'GHSA-eeee-ffff-0001']) {
        try {
          records.push(readOsvRecord(JSON.parse(readFileSync(path.join(dir, `${f}.json`), 'utf8'))));
        } catch {
          // not in this folder
        }
      }
    }
    assert.equal(records.length, 15);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kshield-index-'));
    try {
      writeFileSync(path.join(dir, 'osv-index.v1'), serializeIndex(records, { updatedAt: '2025-02-01T00:00:00Z' }));
      const index = new IndexDatabase(path.join(dir, 'osv-index.v1'));
      const strip = (ms: VulnerabilityMatch[]) => ms.map((m) => ({ ...m, package: m.package.purl, packages: m.packages.map((p) => p.purl) }));
      assert.deepEqual(strip(matchInventory(inventory(), index).matches), strip(matchInventory(inventory(), folder).matches));
      assert.equal(index.info.records, 15);
      assert.equal(index.info.updatedAt, '2025-02-01T00:00:00Z');
      index.close();
      writeFileSync(path.join(dir, 'osv-index.v1'), 'not an index');
      assert.throws(() => new IndexDatabase(path.join(dir, 'osv-index.v1')), /not a kshield advisory index/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a record naming several packages is found under each', () => {
    const record = readOsvRecord({
      id: 'GHSA-mult-0000-0001',
      modified: '2025-01-01T00:00:00Z',
      affected: [
        { package: { ecosystem: 'npm', name: 'a' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] },
        { package: { ecosystem: 'npm', name: 'b' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '2.0.0' }] }] },
      ],
    });
    const db = new MemoryDatabase([record], { kind: 'folder', path: 'x' });
    const pkg = (name: string): Package => ({ ecosystem: 'npm', name, version: '1.0.0', purl: `pkg:npm/${name}@1.0.0`, locations: [], foundBy: 'test' });
    const r = matchInventory({ packages: [pkg('a'), pkg('b')], notes: [] }, db);
    assert.deepEqual(r.matches.map((m) => `${m.package.name} ${m.fixed ?? 'unfixed'}`), ['a unfixed', 'b 2.0.0']);
  });
});

describe('bad records in a --db folder', () => {
  test('each bad file is named with what is wrong (and where, for JSON syntax); the good ones are used', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kshield-baddb-'));
    try {
      mkdirSync(path.join(dir, 'npm'));
      writeFileSync(path.join(dir, 'npm', 'good.json'), JSON.stringify({ id: 'GHSA-good', modified: '2025-01-01T00:00:00Z', affected: [{ package: { ecosystem: 'npm', name: 'a' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] }] }));
      writeFileSync(path.join(dir, 'npm', 'syntax.json'), '{\n  "id": "GHSA-x",\n  "modified": "2025-01-01T00:00:00Z",\n}\n');
      writeFileSync(path.join(dir, 'npm', 'two-keys.json'), JSON.stringify({ id: 'GHSA-y', modified: '2025-01-01T00:00:00Z', affected: [{ package: { ecosystem: 'npm', name: 'a' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0', fixed: '1.0.0' }] }] }] }));
      writeFileSync(path.join(dir, 'npm', 'no-id.json'), JSON.stringify({ modified: '2025-01-01T00:00:00Z' }));
      writeFileSync(path.join(dir, 'npm', 'no-introduced.json'), JSON.stringify({ id: 'GHSA-z', modified: '2025-01-01T00:00:00Z', affected: [{ package: { ecosystem: 'npm', name: 'a' }, ranges: [{ type: 'SEMVER', events: [{ fixed: '1.0.0' }] }] }] }));
      const db = loadOsvFolder(dir);
      assert.equal(db.info.records, 1);
      const problems = Object.fromEntries(db.problems.map((p) => [path.basename(p.file), p.message]));
      assert.match(problems['syntax.json'], /^not valid JSON at line 4, column 1/);
      assert.equal(problems['two-keys.json'], 'affected[0].ranges[0].events[0] must have exactly one of introduced, fixed, last_affected, limit');
      assert.equal(problems['no-id.json'], 'id must be a non-empty string');
      assert.equal(problems['no-introduced.json'], 'affected[0].ranges[0].events has no introduced event');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--db of a missing folder is a clear error', () => {
    assert.throws(() => loadOsvFolder(path.join(os.tmpdir(), 'kshield-no-such-db')), /no such folder/);
  });
});

test('compareVersions is exported from the library entry, with OSV ecosystem names', () => {
  assert.equal(compareVersions('Debian:12', '1:1.0-1', '2.0-1'), 1);
  assert.equal(compareVersions('npm', '1.0.0-rc.1', '1.0.0'), -1);
  assert.equal(compareVersions('PyPI', '1.0.post1', '1.0'), 1);
});

describe('the vulnerability report', () => {
  const db = loadOsvFolder(path.join(FIXTURES, 'db'));
  const vex = loadVexFile(path.join(FIXTURES, 'openvex.json'));
  const result = matchInventory(inventory(), db, { vex });
  const report = (failOn: VulnerabilityReport['failOn'], now = Date.parse('2025-01-13T00:00:00Z')): VulnerabilityReport => ({ subject: 'inv', database: db.info, databaseProblems: [], result, maxAgeMs: 7 * 86_400_000, failOn, now });

  test('--fail-on counts findings at or above the level, not those VEX marks not affecting; unknown severity ranks with info', () => {
    assert.deepEqual(failingFindings(report('high')).map((m) => m.id).sort(), ['CVE-2099-1001', 'CVE-2099-2001', 'CVE-2099-3001']);
    assert.equal(failingFindings(report('critical')).length, 1);
    assert.equal(failingFindings(report('none')).length, 0);
    assert.equal(failingFindings(report('info')).length, result.matches.filter((m) => !m.suppressed).length);
  });

  test('the database age is in the report, with a warning only past --max-db-age', () => {
    const fresh = renderVulnerabilityTable(report('none'));
    assert.match(fresh, /^OSV database: folder .*db \(15 advisories\), newest advisory modified 2025-01-12T00:00:00Z \(24 hours ago\)$/m);
    assert.doesNotMatch(fresh, /warning/);
    const stale = JSON.parse(vulnerabilityJson(report('none', Date.parse('2025-03-01T00:00:00Z'))));
    assert.deepEqual([stale.database.ageSeconds, stale.database.stale], [48 * 86_400, true]);
    assert.match(stale.database.warning, /is 48 days old \(allowed: 7 days, --max-db-age\)/);
  });

  test('the JSON report carries each finding with its advisories, ranges, explanation and VEX statements', () => {
    const json = JSON.parse(vulnerabilityJson(report('high')));
    const libc = json.vulnerabilities.find((v: { id: string }) => v.id === 'CVE-2099-1002');
    assert.deepEqual(
      { suppressed: libc.suppressed, vex: libc.vex, unfixed: libc.unfixed, fixed: libc.fixed, matched: libc.matched, cvss: libc.cvss.version },
      { suppressed: true, vex: [{ source: `${path.join(FIXTURES, 'openvex.json')} statements[0]`, status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path' }], unfixed: true, fixed: null, matched: { ecosystem: 'Debian:12', name: 'glibc', version: '2.36-9+deb12u4' }, cvss: '4.0' },
    );
    assert.deepEqual(json.unmatchedVex.map((s: { vulnerability: string }) => s.vulnerability), ['CVE-2099-9999']);
    assert.equal(json.failing, 3);
  });
});
