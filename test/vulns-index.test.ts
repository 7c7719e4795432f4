/**
 * The compact index against the folder it stands for: a generated corpus of OSV records (seeded,
 * every shape matching reads: several stretches, events out of order, unfixed ranges,
 * last_affected, limit, versions lists, GIT ranges, unreadable versions, withdrawn records, records
 * naming several packages, ids shared through aliases and upstream, PyPI names spelled apart,
 * names and summaries outside ASCII)
 * matched through `--db FOLDER` of JSON files and through the index built from the same records
 * must give the same result, field for field. And keys whose hashes collide are told apart.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Rng } from '../bench/rng.js';
import type { Inventory, Package } from '../src/packages/model.js';
import { advisoryKey, hashKey, IndexDatabase, INDEX_FILE, openDatabase, serializeIndex } from '../src/vulns/db.js';
import { matchInventory } from '../src/vulns/match.js';
import { readOsvRecord, type OsvRecord } from '../src/vulns/osv.js';

interface Plan {
  ecosystem: string;
  base: Package['ecosystem'];
  rangeType: string;
  names: string[];
  version: (rng: Rng) => string;
}

const v3 = (rng: Rng): string => `${rng.int(0, 3)}.${rng.int(0, 6)}.${rng.int(0, 9)}`;
const PLANS: Plan[] = [
  { ecosystem: 'Debian:12', base: 'Debian', rangeType: 'ECOSYSTEM', names: ['openssl', 'glibc', 'zlib', 'curl'], version: (r) => `${r.chance(0.1) ? '1:' : ''}${v3(r)}-${r.int(1, 3)}${r.chance(0.3) ? `~deb12u${r.int(1, 2)}` : ''}` },
  { ecosystem: 'Debian:11', base: 'Debian', rangeType: 'ECOSYSTEM', names: ['openssl', 'glibc'], version: (r) => `${v3(r)}-${r.int(1, 3)}` },
  { ecosystem: 'Alpine:v3.20', base: 'Alpine', rangeType: 'ECOSYSTEM', names: ['busybox', 'musl'], version: (r) => `${v3(r)}-r${r.int(0, 4)}` },
  { ecosystem: 'npm', base: 'npm', rangeType: 'SEMVER', names: ['lodash', 'express', '@scope/tool', 'ünïcode-名前'], version: (r) => `${v3(r)}${r.chance(0.15) ? `-beta.${r.int(0, 3)}` : ''}` },
  { ecosystem: 'PyPI', base: 'PyPI', rangeType: 'ECOSYSTEM', names: ['Py_Yaml', 'requests', 'zope.interface'], version: (r) => `${v3(r)}${r.chance(0.15) ? `rc${r.int(1, 2)}` : ''}` },
  { ecosystem: 'Go', base: 'Go', rangeType: 'SEMVER', names: ['github.com/org/mod', 'stdlib'], version: (r) => v3(r) },
  { ecosystem: 'Maven', base: 'Maven', rangeType: 'ECOSYSTEM', names: ['org.example:lib'], version: (r) => `${v3(r)}${r.chance(0.2) ? '.Final' : ''}` },
  { ecosystem: 'crates.io', base: 'crates.io', rangeType: 'SEMVER', names: ['serde'], version: (r) => v3(r) },
];

function generateEvents(rng: Rng, plan: Plan): Record<string, string>[] {
  const shape = rng.weighted([['fixed', 30], ['two', 15], ['unfixed', 10], ['last', 10], ['limit', 5], ['unordered', 10], ['unreadable', 3]] as const);
  const events: Record<string, string>[] = [{ introduced: rng.chance(0.6) ? '0' : plan.version(rng) }];
  if (shape === 'fixed') events.push({ fixed: plan.version(rng) });
  if (shape === 'two') events.push({ fixed: '1.0.0' }, { introduced: '2.0.0' }, { fixed: `2.${rng.int(1, 5)}.0` });
  if (shape === 'last') events.push({ last_affected: plan.version(rng) });
  if (shape === 'limit') events.push({ limit: rng.chance(0.5) ? '*' : plan.version(rng) });
  if (shape === 'unordered') events.push({ fixed: '3.0.0' }, { introduced: '2.5.0' }, { fixed: '2.0.1' }, { introduced: '1.5.0' });
  if (shape === 'unreadable') events.push({ fixed: 'not a version!' });
  return events;
}

/** `count` records; ids share CVEs in aliases (and upstream for distributions) so several merge into one vulnerability. */
function generateRecords(rng: Rng, count: number): unknown[] {
  const records: unknown[] = [];
  for (let n = 0; n < count; n++) {
    const plan = rng.pick(PLANS);
    const distro = plan.ecosystem.includes(':');
    const cve = `CVE-2099-${1000 + rng.int(0, Math.floor(count / 3))}`; // about three records per CVE
    const name = rng.pick(plan.names);
    // PyPI records spell the name their own way; matching normalises it (PEP 503).
    const spelled = plan.base === 'PyPI' && rng.chance(0.5) ? name.toUpperCase().replace(/[_.]/g, '-') : name;
    const affected: Record<string, unknown>[] = [];
    const entries = rng.weighted([[1, 80], [2, 15], [3, 5]] as const);
    for (let e = 0; e < entries; e++) {
      const other = e > 0 && rng.chance(0.5) ? rng.pick(plan.names) : name; // several packages, or the same one twice
      const entry: Record<string, unknown> = { package: { ecosystem: plan.ecosystem, name: other === name ? spelled : other } };
      const ranges: Record<string, unknown>[] = [];
      if (rng.chance(0.1)) ranges.push({ type: 'GIT', repo: 'https://git.example.invalid/repo', events: [{ introduced: '0' }, { fixed: 'a1b2c3d4' }] });
      if (rng.chance(0.85)) ranges.push({ type: plan.rangeType, events: generateEvents(rng, plan) });
      if (rng.chance(0.1)) ranges.push({ type: plan.rangeType, events: generateEvents(rng, plan) });
      if (ranges.length > 0) entry.ranges = ranges;
      if (rng.chance(0.25) || ranges.length === 0) entry.versions = Array.from({ length: rng.int(1, 4) }, () => plan.version(rng));
      if (rng.chance(0.1)) entry.severity = [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }];
      affected.push(entry);
    }
    const id = `${plan.base.toUpperCase().replace(/\W/g, '')}-2099-${n}`;
    const record: Record<string, unknown> = { schema_version: '1.6.0', id, modified: `2099-01-${String(1 + (n % 28)).padStart(2, '0')}T00:00:00Z`, affected };
    if (distro && rng.chance(0.7)) record.upstream = rng.chance(0.8) ? [cve] : [cve, `CVE-2099-${rng.int(5000, 5010)}`];
    else if (rng.chance(0.7)) record.aliases = [cve];
    if (rng.chance(0.8)) record.summary = `generated advisory ${n}${rng.chance(0.3) ? ': déjà vu, 漢字, 😀' : ''}`; // offsets in the index count more than bytes
    if (rng.chance(0.5)) record.severity = [{ type: 'CVSS_V3', score: rng.pick(['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N']) }];
    else if (distro && rng.chance(0.3)) record.severity = [{ type: 'Ubuntu', score: 'high' }];
    if (rng.chance(0.03)) record.withdrawn = '2099-02-01T00:00:00Z';
    records.push(record);
  }
  return records;
}

function generateInventory(rng: Rng): Inventory {
  const packages: Package[] = [];
  for (const plan of PLANS) {
    if (plan.ecosystem === 'Debian:11') continue; // the image is Debian 12: Debian 11 records must not judge it
    for (const name of plan.names) {
      for (let i = 0; i < 6; i++) {
        const version = i === 5 && plan.base === 'npm' ? 'not-semver' : plan.version(rng);
        const installed = plan.base === 'PyPI' ? name.toLowerCase() : name;
        if (plan.base === 'Debian' || plan.base === 'Alpine') {
          // Binary packages of one source at one version: one finding naming them all.
          for (const binary of [name, `lib${name}${i}`, `${name}-bin${i}`]) {
            packages.push({ ecosystem: plan.base, osvEcosystem: plan.ecosystem, name: binary, version, source: { name, version }, purl: `pkg:deb/debian/${binary}@${version}`, locations: [{ path: '/var/lib/dpkg/status' }], foundBy: 'test' });
          }
        } else packages.push({ ecosystem: plan.base, name: installed, version, purl: `pkg:generic/${installed}@${version}`, locations: [{ path: 'lockfile' }], foundBy: 'test' });
      }
    }
  }
  // A distribution package without a release, one of an ecosystem the database lacks.
  packages.push({ ecosystem: 'Debian', name: 'orphan', version: '1.0-1', purl: 'pkg:deb/debian/orphan@1.0-1', locations: [], foundBy: 'test' });
  packages.push({ ecosystem: 'Alpine', osvEcosystem: 'Alpine:v3.18', name: 'busybox', version: '1.0.0-r0', purl: 'pkg:apk/alpine/busybox@1.0.0-r0', locations: [], foundBy: 'test' });
  return { packages, notes: [] };
}

describe('the compact index gives what the folder gives', () => {
  const rng = new Rng(0x1de);
  const records = generateRecords(rng, 600);
  const inventory = generateInventory(rng);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kshield-index-eq-'));
  const folder = path.join(dir, 'folder');
  const indexed = path.join(dir, 'indexed');
  // Files in name order, as the folder reader takes them, so both read the records in one order.
  const names = records.map((r, i) => `${String(i).padStart(4, '0')}-${(r as { id: string }).id}.json`);
  mkdirSync(folder);
  mkdirSync(indexed);
  records.forEach((r, i) => writeFileSync(path.join(folder, names[i]), JSON.stringify(r)));
  const read: OsvRecord[] = records.map((r) => readOsvRecord(r));
  writeFileSync(path.join(indexed, INDEX_FILE), serializeIndex(read, { updatedAt: '2099-03-01T00:00:00Z' }));

  test('the same matches, notes and counts, field for field, with and without --ignore-unfixed', () => {
    try {
      const fromFolder = openDatabase(folder);
      const fromIndex = openDatabase(indexed);
      assert.equal(fromFolder.info.kind, 'folder');
      assert.equal(fromIndex.info.kind, 'index');
      assert.deepEqual(fromFolder.problems, []);
      for (const options of [{}, { ignoreUnfixed: true }]) {
        const expected = matchInventory(inventory, fromFolder, options);
        const actual = matchInventory(inventory, fromIndex, options);
        assert.deepStrictEqual(actual, expected);
        assert.equal(JSON.stringify(actual), JSON.stringify(expected));
      }
      fromIndex.close();

      // The corpus reaches every path it is there for, so the comparison means something.
      const all = matchInventory(inventory, fromFolder).matches;
      const advisories = all.flatMap((m) => m.advisories);
      assert.ok(all.length > 100, `${all.length} findings`);
      assert.ok(all.some((m) => m.advisories.length > 1), 'advisories merged by a shared id');
      assert.ok(all.some((m) => m.packages.length > 1), 'binary packages of one source in one finding');
      assert.ok(all.some((m) => m.unfixed) && all.some((m) => m.fixed), 'fixed and unfixed findings');
      assert.ok(advisories.some((a) => a.listed) && advisories.some((a) => a.lastAffected) && advisories.some((a) => a.introduced !== '0' && a.introduced !== undefined), 'versions lists, last_affected, introduced above 0');
      assert.ok(advisories.some((a) => a.range && a.range.events.length === 5 && a.range.events[1].fixed === '3.0.0'), 'a range with events out of order');
      assert.ok(advisories.some((a) => a.ecosystem === 'PyPI' && a.name !== a.name.toLowerCase()), 'a PyPI name spelled apart from the installed one');
      assert.ok(all.some((m) => m.summary?.endsWith('😀')) && all.some((m) => m.package.name.startsWith('ünïcode')), 'summaries and names outside ASCII');
      const notes = matchInventory(inventory, fromFolder).notes.join('\n');
      assert.match(notes, /only GIT commit ranges/);
      assert.match(notes, /a range was skipped: .*not a version!/);
      assert.match(notes, /could not be read and were not matched: .*not-semver/);
      assert.match(notes, /release is unknown/);
      assert.match(notes, /no advisories for Alpine:v3\.18/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('keys that share a hash', () => {
  test('are told apart by the key each chunk holds', () => {
    // Two npm package names whose index keys have one FNV-1a hash, found by search (a birthday search over about 2^16 names).
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair && i < 1_000_000; i++) {
      const name = `pkg-${i}`;
      const hash = hashKey(advisoryKey('npm', name));
      const earlier = seen.get(hash);
      if (earlier) pair = [earlier, name];
      else seen.set(hash, name);
    }
    assert.ok(pair, 'no two keys with one hash among a million names');
    const [a, b] = pair;
    const record = (id: string, name: string, fixed: string): OsvRecord => readOsvRecord({ id, modified: '2099-01-01T00:00:00Z', affected: [{ package: { ecosystem: 'npm', name }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed }] }] }] });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kshield-index-hash-'));
    try {
      const file = path.join(dir, INDEX_FILE);
      writeFileSync(file, serializeIndex([record('GHSA-b', b, '2.0.0'), record('GHSA-a', a, '1.0.0')], {}));
      const index = new IndexDatabase(file);
      assert.deepEqual(index.advisoriesFor('npm', a).map((r) => r.id), ['GHSA-a']);
      assert.deepEqual(index.advisoriesFor('npm', b).map((r) => r.id), ['GHSA-b']);
      assert.deepEqual(index.advisoriesFor('npm', 'pkg-not-there').map((r) => r.id), []);
      index.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('an index an older kshield built is refused with what to do', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kshield-index-old-'));
  try {
    const file = path.join(dir, INDEX_FILE);
    // Format 4 began with this magic string, then the header's length and a JSON header.
    const header = Buffer.from(JSON.stringify({ format: 4, builtAt: '2099-01-01T00:00:00Z', info: {}, buckets: [] }));
    const length = Buffer.alloc(4);
    length.writeUInt32LE(header.length);
    writeFileSync(file, Buffer.concat([Buffer.from('KSOSVIX4', 'latin1'), length, header]));
    assert.throws(() => new IndexDatabase(file), /not a kshield advisory index of this version \(run `kshield db update` to rebuild it\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a truncated index, or one whose header is damaged, is refused with what to do', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kshield-index-bad-'));
  try {
    const file = path.join(dir, INDEX_FILE);
    const record = readOsvRecord({ id: 'GHSA-x', modified: '2099-01-01T00:00:00Z', affected: [{ package: { ecosystem: 'npm', name: 'x' }, versions: ['1.0.0'] }] });
    const whole = serializeIndex([record], {});
    writeFileSync(file, whole.subarray(0, whole.length - 1));
    assert.throws(() => new IndexDatabase(file), /the index is truncated \(run `kshield db update` to rebuild it\)/);
    // The header's key count made negative: no table of that size can be read.
    const headLength = whole.readUInt32LE(8);
    const damaged = Buffer.from(whole.subarray(12, 12 + headLength).toString('utf8').replace('"keys":1', '"keys":-1'));
    assert.equal(damaged.length, headLength + 1);
    const length = Buffer.alloc(4);
    length.writeUInt32LE(damaged.length);
    writeFileSync(file, Buffer.concat([whole.subarray(0, 8), length, damaged, whole.subarray(12 + headLength)]));
    assert.throws(() => new IndexDatabase(file), /the index header is not readable \(run `kshield db update` to rebuild it\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
