/**
 * `npm run bench:vulns`: vulnerability matching at scale.
 *
 * Generates (seeded, offline) BENCH_VULNS_ADVISORIES OSV records (default 200,000) in the OSV
 * schema, spread over the ecosystems kshield matches the way the real database is (distribution
 * records keyed by source package and release, language records with SEMVER or ECOSYSTEM ranges,
 * several stretches, last_affected, versions lists, aliases, CVSS v3.1 and v4.0 vectors, some
 * withdrawn), writes them as per-ecosystem all.zip archives in a cache folder laid out as
 * `kshield db update` leaves it, and an inventory of BENCH_VULNS_PACKAGES installed packages
 * (default 5,000: dpkg binaries with their source packages, apk, npm, PyPI, Go, Maven, crates).
 * Then it times:
 * - the index build (`buildIndex`: read every archive entry, check each record, write the index),
 *   and prints the index size;
 * - opening the index and matching the inventory (`matchInventory`, CVSS scoring and explanations
 *   included), the figure with the 1 s target: BENCH_RUNS processes (default 3), each printed, the
 *   median CPU time (user + system, every thread of the process) judged, since the machine's other
 *   jobs move wall time far more than CPU time.
 * A benchmark reports: it exits 0 on a miss.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Inventory, Package } from '../src/packages/model.js';
import { IndexDatabase } from '../src/vulns/db.js';
import { matchInventory } from '../src/vulns/match.js';
import { buildIndex, osvCacheDir } from '../src/vulns/update.js';
import { buildZip } from '../test/support/zip-writer.js';
import { cleanScratch, envInt, fmt, loadNote, scratch } from './measure.js';
import { Rng } from './rng.js';

const TARGET_MS = 1000;
const ADVISORIES = envInt('BENCH_VULNS_ADVISORIES', 200_000);
const PACKAGES = envInt('BENCH_VULNS_PACKAGES', 5_000);
const RUNS = Math.max(1, envInt('BENCH_RUNS', 3));

interface EcosystemPlan {
  /** The archive folder (OSV's ecosystem without release). */
  base: string;
  /** Releases the records name (distributions), or the ecosystem itself. */
  releases: string[];
  share: number;
  /** Distinct package names the advisories are about. */
  names: number;
  /** Installed packages in the inventory. */
  installed: number;
  rangeType: 'ECOSYSTEM' | 'SEMVER';
  version: (rng: Rng, major: number, minor: number, patch: number) => string;
  idPrefix: string;
  purlType: string;
}

const PLANS: EcosystemPlan[] = [
  { base: 'Debian', releases: ['Debian:11', 'Debian:12', 'Debian:13'], share: 0.3, names: 9000, installed: 1500, rangeType: 'ECOSYSTEM', version: (r, a, b, c) => `${a}.${b}.${c}-${r.int(1, 4)}`, idPrefix: 'DEBIAN-CVE', purlType: 'deb' },
  { base: 'Ubuntu', releases: ['Ubuntu:20.04:LTS', 'Ubuntu:22.04:LTS', 'Ubuntu:24.04:LTS'], share: 0.12, names: 6000, installed: 0, rangeType: 'ECOSYSTEM', version: (r, a, b, c) => `${a}.${b}.${c}-${r.int(1, 4)}ubuntu${r.int(0, 3)}`, idPrefix: 'UBUNTU-CVE', purlType: 'deb' },
  { base: 'Alpine', releases: ['Alpine:v3.19', 'Alpine:v3.20'], share: 0.08, names: 3000, installed: 400, rangeType: 'ECOSYSTEM', version: (r, a, b, c) => `${a}.${b}.${c}-r${r.int(0, 5)}`, idPrefix: 'ALPINE-CVE', purlType: 'apk' },
  { base: 'npm', releases: ['npm'], share: 0.2, names: 12000, installed: 1600, rangeType: 'SEMVER', version: (_r, a, b, c) => `${a}.${b}.${c}`, idPrefix: 'GHSA-npm', purlType: 'npm' },
  { base: 'PyPI', releases: ['PyPI'], share: 0.1, names: 5000, installed: 500, rangeType: 'ECOSYSTEM', version: (_r, a, b, c) => `${a}.${b}.${c}`, idPrefix: 'PYSEC', purlType: 'pypi' },
  { base: 'Go', releases: ['Go'], share: 0.08, names: 4000, installed: 400, rangeType: 'SEMVER', version: (_r, a, b, c) => `${a}.${b}.${c}`, idPrefix: 'GO', purlType: 'golang' },
  { base: 'Maven', releases: ['Maven'], share: 0.08, names: 5000, installed: 400, rangeType: 'ECOSYSTEM', version: (_r, a, b, c) => `${a}.${b}.${c}`, idPrefix: 'GHSA-mvn', purlType: 'maven' },
  { base: 'crates.io', releases: ['crates.io'], share: 0.04, names: 2000, installed: 200, rangeType: 'SEMVER', version: (_r, a, b, c) => `${a}.${b}.${c}`, idPrefix: 'RUSTSEC', purlType: 'cargo' },
];

const VECTORS = [
  'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
  'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N',
  'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N',
  'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H',
  'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N',
  'CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N',
];

function packageName(plan: EcosystemPlan, i: number): string {
  switch (plan.base) {
    case 'Go':
      return `github.com/org${i % 97}/module-${i}`;
    case 'Maven':
      return `org.example${i % 53}:artifact-${i}`;
    case 'PyPI':
      return `py-package-${i}`;
    default:
      return `pkg-${plan.base.toLowerCase().replace(/\W/g, '')}-${i}`;
  }
}

function generateRecord(rng: Rng, plan: EcosystemPlan, n: number): { id: string; json: string } {
  const nameIndex = Math.floor(Math.pow(rng.next(), 1.6) * plan.names); // popular packages get more advisories
  const name = packageName(plan, nameIndex);
  const year = rng.int(2015, 2025);
  const cve = `CVE-${year}-${10000 + n}`;
  const id = plan.base === 'Debian' || plan.base === 'Ubuntu' || plan.base === 'Alpine' ? `${plan.idPrefix}-${year}-${10000 + n}` : `${plan.idPrefix}-${year}-${n.toString(36)}`;
  const releases = plan.releases.length > 1 ? plan.releases.filter(() => rng.chance(0.7)) : plan.releases;
  if (releases.length === 0) releases.push(plan.releases[plan.releases.length - 1]);
  const affected = releases.map((ecosystem) => {
    const major = rng.int(0, 5);
    const events: Record<string, string>[] = [];
    const shape = rng.weighted([
      ['fixed', 60],
      ['two', 15],
      ['unfixed', 10],
      ['last', 10],
      ['intro', 5],
    ] as const);
    if (shape === 'intro') events.push({ introduced: plan.version(rng, major, rng.int(0, 5), 0) });
    else events.push({ introduced: '0' });
    if (shape === 'fixed' || shape === 'intro') events.push({ fixed: plan.version(rng, major, rng.int(0, 9), rng.int(0, 20)) });
    if (shape === 'two') events.push({ fixed: plan.version(rng, major, 3, rng.int(0, 9)) }, { introduced: plan.version(rng, major, 5, 0) }, { fixed: plan.version(rng, major, 7, rng.int(0, 9)) });
    if (shape === 'last') events.push({ last_affected: plan.version(rng, major, rng.int(0, 9), rng.int(0, 20)) });
    const entry: Record<string, unknown> = { package: { ecosystem, name, purl: `pkg:${plan.purlType}/${name}` }, ranges: [{ type: plan.rangeType, events }] };
    if (rng.chance(0.2)) entry.versions = Array.from({ length: rng.int(1, 6) }, () => plan.version(rng, major, rng.int(0, 9), rng.int(0, 20)));
    return entry;
  });
  const record: Record<string, unknown> = {
    schema_version: '1.6.0',
    id,
    modified: `${year}-0${rng.int(1, 9)}-1${rng.int(0, 9)}T00:00:00Z`,
    published: `${year}-01-01T00:00:00Z`,
    ...(plan.releases.length > 1 ? { upstream: [cve] } : { aliases: [cve] }),
    summary: `generated advisory ${n} for ${name}`,
    details: 'Generated for kshield benchmarks. '.repeat(rng.int(1, 8)),
    affected,
    references: [{ type: 'ADVISORY', url: `https://example.invalid/${id}` }],
  };
  if (rng.chance(0.8)) record.severity = [{ type: 'CVSS_V3', score: rng.pick(VECTORS) }];
  if (rng.chance(0.01)) record.withdrawn = '2025-01-01T00:00:00Z';
  return { id, json: JSON.stringify(record) };
}

function generateInventory(rng: Rng): Inventory {
  const packages: Package[] = [];
  const scale = PACKAGES / PLANS.reduce((s, p) => s + p.installed, 0);
  for (const plan of PLANS) {
    const count = Math.round(plan.installed * scale);
    for (let i = 0; i < count; i++) {
      const sourceIndex = Math.floor(rng.next() * plan.names * 0.8);
      const source = packageName(plan, sourceIndex);
      const version = plan.version(rng, rng.int(0, 5), rng.int(0, 9), rng.int(0, 20));
      const distro = plan.base === 'Debian' || plan.base === 'Alpine';
      // Distributions: several binary packages per source package (lib*, *-dev), compared at the source version.
      const name = distro && rng.chance(0.5) ? `lib${source}-${rng.int(1, 3)}` : source;
      packages.push({
        ecosystem: plan.base as Package['ecosystem'],
        osvEcosystem: plan.base === 'Debian' ? 'Debian:12' : plan.base === 'Alpine' ? 'Alpine:v3.20' : undefined,
        name,
        version,
        source: distro ? { name: source, version } : undefined,
        purl: `pkg:${plan.purlType}/${name}@${version}`,
        locations: [{ path: distro ? '/var/lib/dpkg/status' : 'lockfile' }],
        foundBy: 'bench',
      });
    }
  }
  return { packages: packages.slice(0, PACKAGES), notes: [] };
}

/** Child process: the archives and the inventory, written where the other phases read them. */
function generate(cache: string, inventoryFile: string): void {
  const rng = new Rng(0x05f5e1);
  rmSync(cache, { recursive: true, force: true });
  const t = performance.now();
  let written = 0;
  let archiveBytes = 0;
  for (const plan of PLANS) {
    const count = plan === PLANS[PLANS.length - 1] ? ADVISORIES - written : Math.round(ADVISORIES * plan.share);
    const entries = Array.from({ length: count }, (_, i) => {
      const r = generateRecord(rng, plan, written + i);
      return { name: `${r.id}.json`, data: r.json };
    });
    written += count;
    const dir = path.join(osvCacheDir(cache), plan.base);
    mkdirSync(dir, { recursive: true });
    const zip = buildZip(entries);
    archiveBytes += zip.length;
    writeFileSync(path.join(dir, 'all.zip'), zip);
    writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ ecosystem: plan.base, url: `bench:${plan.base}`, fetchedAt: new Date().toISOString(), checksum: 'none', records: count, incremental: 0 }));
  }
  const inventory = generateInventory(rng);
  writeFileSync(inventoryFile, JSON.stringify(inventory));
  console.log(JSON.stringify({ advisories: written, archiveBytes, packages: inventory.packages.length, ms: performance.now() - t }));

}

/** Child process: build the index (phase "build") or open it and match (phase "match"), then print JSON with its own peak RSS. */
async function child(phase: string, cache: string, inventoryFile: string): Promise<void> {
  if (phase === 'generate') {
    generate(cache, inventoryFile);
    return;
  }
  if (phase === 'build') {
    const c = process.cpuUsage();
    const t = performance.now();
    const built = await buildIndex(cache);
    const ms = performance.now() - t;
    const cpu = process.cpuUsage(c);
    console.log(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, bytes: built.bytes, records: built.info.records, problems: built.problems.length, file: built.file, rss: process.resourceUsage().maxRSS }));
    return;
  }
  const inventory = JSON.parse(readFileSync(inventoryFile, 'utf8')) as Inventory;
  const file = path.join(osvCacheDir(cache), 'osv-index.v1');
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const db = new IndexDatabase(file);
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  const result = matchInventory(inventory, db);
  const t2 = performance.now();
  const c2 = process.cpuUsage();
  db.close();
  const cpuMs = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage): number => (b.user - a.user + b.system - a.system) / 1000;
  console.log(JSON.stringify({ open: t1 - t0, match: t2 - t1, openCpu: cpuMs(c0, c1), matchCpu: cpuMs(c1, c2), findings: result.matches.length, rss: process.resourceUsage().maxRSS }));
}

function runChild(args: string[]): Record<string, number> {
  const profile = process.env.BENCH_VULNS_PROFILE && args[1] === 'match' ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_VULNS_PROFILE}`] : [];
  const r = spawnSync(process.execPath, [...profile, fileURLToPath(import.meta.url), ...args], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, timeout: 900_000 });
  if (r.status !== 0) throw new Error(`child ${args[1]} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

async function main(): Promise<void> {
  console.log(`vulnerability matching: ${fmt(PACKAGES)} installed packages against ${fmt(ADVISORIES)} generated OSV advisories (${loadNote()})`);
  const cache = path.join(scratch, 'vulns-cache');
  const inventoryFile = path.join(scratch, 'vulns-inventory.json');
  const generated = runChild(['--child', 'generate', cache, inventoryFile]);
  console.log(`generated ${fmt(generated.advisories)} advisories in ${PLANS.length} archives (${fmt(generated.archiveBytes / 1024 / 1024, 1)} MiB zipped) and ${fmt(generated.packages)} packages in ${fmt(generated.ms / 1000, 1)} s`);

  // Each phase in its own process, so its peak RSS is its own.
  const built = runChild(['--child', 'build', cache, inventoryFile]);
  console.log(`index build: ${fmt(built.ms / 1000, 2)} s, CPU ${fmt(built.cpuMs / 1000, 2)} s (read and check ${fmt(built.records)} records from the archives, write the index); index ${fmt(built.bytes / 1024 / 1024, 1)} MiB; peak RSS ${fmt(built.rss / 1024)} MiB; ${built.problems} unreadable records`);
  const runs: Record<string, number>[] = [];
  for (let i = 0; i < RUNS; i++) {
    const run = runChild(['--child', 'match', cache, inventoryFile]);
    runs.push(run);
    console.log(`run ${i + 1}: open index ${fmt(run.open, 1)} ms (CPU ${fmt(run.openCpu, 1)} ms); match ${fmt(run.match)} ms (CPU ${fmt(run.matchCpu)} ms; ${fmt(run.findings)} findings); peak RSS ${fmt(run.rss / 1024)} MiB`);
  }
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  const cpu = median(runs.map((r) => r.openCpu + r.matchCpu));
  const wall = median(runs.map((r) => r.open + r.match));
  console.log(`open + match, median of ${runs.length} processes: CPU ${fmt(cpu)} ms, wall ${fmt(wall)} ms`);
  const verdict = cpu < TARGET_MS ? 'PASS' : 'MISS';
  console.log(`${verdict}: open + match ${fmt(cpu)} ms CPU against the ${TARGET_MS} ms target`);
  rmSync(cache, { recursive: true, force: true });
}

if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4], process.argv[5]);
else await main();
await cleanScratch();
