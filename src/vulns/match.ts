/**
 * Matching an inventory against OSV advisories, as the OSV schema's evaluation defines it
 * (https://ossf.github.io/osv-schema/#evaluation): a version is affected when it is listed in an
 * affected entry's `versions`, or lies in one of its ranges: events sorted by version, `introduced`
 * (with "0" before everything) opens, `fixed` closes, a version past `last_affected` is out, and a
 * range with `limit` events covers only versions below one of them. ECOSYSTEM ranges compare with
 * the ecosystem's ordering, SEMVER ranges with semver precedence; GIT ranges (commits) cannot be
 * compared with a version and are skipped with a note. Withdrawn advisories are ignored.
 *
 * Distribution advisories are keyed by **source** package and release: a Debian or Ubuntu binary
 * package is looked up by its `Source:` name and compared at the source's version, an Alpine one by
 * its origin, an RPM by its source RPM (Red Hat's data names binary or source RPMs, so both are
 * looked up there), always in the image's release ecosystem (`Debian:12`, `Alpine:v3.20`). A binary
 * package's own name is used only when it has no separate source, which is what a missing
 * `Source:` field means. Advisories matched for one package that share an id, an alias or (for a
 * record with one) an upstream id are merged: one vulnerability, one match.
 */
import type { Inventory, Package } from '../packages/model.js';
import { baseEcosystem, isValidVersion, versionComparator } from '../packages/versions/index.js';
import { compareSemver, goVersionAsSemver } from '../packages/versions/semver.js';
import type { OsvAffected, OsvEvent, OsvRange, OsvRecord } from './osv.js';
import { advisorySeverity, type AdvisorySeverity } from './cvss.js';
import { purlMatches, type VexStatement } from './vex.js';

/** What matching reads advisories from: the local index, or a folder of OSV files read into memory. */
export interface AdvisorySource {
  /** Advisories naming this package in this ecosystem (the OSV spelling, release included). */
  advisoriesFor(ecosystem: string, name: string): readonly OsvRecord[];
  /** Whether the source holds any advisory for this ecosystem (release included, e.g. "Debian:12"). */
  hasEcosystem(ecosystem: string): boolean;
}

/** Ecosystems whose advisories name source packages, per the OSV schema's ecosystem table. */
const SOURCE_KEYED = new Set(['Debian', 'Ubuntu', 'Alpine', 'Rocky Linux', 'AlmaLinux', 'openSUSE', 'SUSE', 'Mageia', 'openEuler', 'Red Hat']);
/** Distribution ecosystems: advisories are per release, so a package without one cannot be matched. */
const DISTRIBUTIONS = new Set([...SOURCE_KEYED, 'Photon OS', 'Wolfi', 'Chainguard']);
/** Red Hat's records name "a binary or source RPM". */
const BINARY_OR_SOURCE = new Set(['Red Hat']);

/** How names compare in an ecosystem's advisories: PyPI names are PEP 503-normalised, the rest exact. */
export function normalizePackageName(ecosystem: string, name: string): string {
  return baseEcosystem(ecosystem) === 'PyPI' ? name.toLowerCase().replace(/[-_.]+/g, '-') : name;
}

export interface MatchedRange {
  type: string;
  events: OsvEvent[];
}

/** One advisory that matched, and exactly how. */
export interface AdvisoryMatch {
  id: string;
  modified: string;
  /** The affected entry's package as the advisory names it. */
  ecosystem: string;
  name: string;
  /** The range whose events put the version inside it; absent when the `versions` list named it. */
  range?: MatchedRange;
  /** The introduced event that opened the stretch the version is in. */
  introduced?: string;
  /** Matched through the `versions` list. */
  listed?: boolean;
  /** The version the advisory says fixes it (the first `fixed` event above the installed version in that range). */
  fixed?: string;
  /** The last affected version, when the range gives one instead of a fix. */
  lastAffected?: string;
  aliases: string[];
  upstream: string[];
  summary?: string;
  severity?: AdvisorySeverity;
}

/** One vulnerability of one installed package: advisories that share an id or an alias, merged. */
export interface VulnerabilityMatch {
  /** The installed package (the first, by name, when several binary packages of one source share the finding). */
  package: Package;
  /**
   * Every installed package this finding covers: a distribution's binary packages built from one
   * source package at one version share it (one cause, one finding; the fix is one source upload).
   */
  packages: Package[];
  /** The vulnerability's name: a CVE id among the merged ids when there is one, else the first advisory id. */
  id: string;
  /** Every other id: the merged advisories' ids and their aliases. */
  aliases: string[];
  advisories: AdvisoryMatch[];
  /** The name and version compared: the source package's for distributions. */
  matchedName: string;
  matchedVersion: string;
  /** The OSV ecosystem looked up (with the release for distributions). */
  ecosystem: string;
  /** The version that fixes every merged advisory, when each names one; undefined = no fix yet. */
  fixed?: string;
  /** The advisories say no fix exists: a range holding the version has no fixed event above it. (Undefined `fixed` without `unfixed`: only versions lists matched, which say nothing about fixes.) */
  unfixed: boolean;
  severity?: AdvisorySeverity;
  summary?: string;
  /** How the match was made, for a person to check by hand: each advisory's range and events against the version compared. */
  explanation: string;
  /** VEX statements that name this vulnerability and package. */
  vex: VexStatement[];
  /** A VEX statement says the package is not affected (or the vulnerability is fixed in it), or `suppression` is set: not counted for --fail-on. */
  suppressed: boolean;
  /** Suppressed by the command's governance (an exemption with its owner and reason, or the baseline) rather than by VEX. */
  suppression?: { kind: string; reason?: string; owner?: string };
}

export interface MatchOptions {
  /** Leave out vulnerabilities without a fixed version (counted in `ignoredUnfixed`). */
  ignoreUnfixed?: boolean;
  /** VEX statements to apply. */
  vex?: readonly VexStatement[];
}

export interface MatchResult {
  matches: VulnerabilityMatch[];
  /** What was not matched, and why: no release, an ecosystem without an ordering, GIT-only ranges, unreadable versions. */
  notes: string[];
  /** Packages looked up. */
  packages: number;
  /** Unfixed vulnerabilities left out by ignoreUnfixed. */
  ignoredUnfixed: number;
  /** VEX statements that applied to no finding: reported, never dropped silently. */
  unmatchedVex: VexStatement[];
}

interface Lookup {
  ecosystem: string;
  names: string[];
  version: string;
}

/** The ecosystem, names and version to look a package up by, or the reason it cannot be. */
export function lookupOf(pkg: Package): Lookup | string {
  const base = pkg.ecosystem;
  if (DISTRIBUTIONS.has(base)) {
    if (!pkg.osvEcosystem) return `${base} package ${pkg.name} ${pkg.version}: the release is unknown (no /etc/os-release?), and ${base} advisories are per release`;
    const source = pkg.source;
    const version = source?.version || pkg.version;
    if (!SOURCE_KEYED.has(base) || !source) return { ecosystem: pkg.osvEcosystem, names: [pkg.name], version: SOURCE_KEYED.has(base) ? version : pkg.version };
    const names = BINARY_OR_SOURCE.has(base) && source.name !== pkg.name ? [source.name, pkg.name] : [source.name];
    return { ecosystem: pkg.osvEcosystem, names, version };
  }
  return { ecosystem: pkg.osvEcosystem ?? base, names: [pkg.name], version: pkg.version };
}

type Compare = (a: string, b: string) => number;

/** Comparators by ecosystem, then range type: resolved once, not once per range. */
const comparators = new Map<string, Map<string, Compare | undefined>>();

/** The comparator of a range type in an ecosystem; undefined for GIT or an unknown type. */
function comparatorFor(type: string, ecosystem: string): Compare | undefined {
  let byType = comparators.get(ecosystem);
  if (!byType) {
    if (comparators.size >= 1000) comparators.clear();
    byType = new Map();
    comparators.set(ecosystem, byType);
  }
  if (byType.has(type)) return byType.get(type);
  const compare = newComparator(type, ecosystem);
  byType.set(type, compare);
  return compare;
}

function newComparator(type: string, ecosystem: string): Compare | undefined {
  if (type === 'SEMVER') {
    const go = baseEcosystem(ecosystem) === 'Go';
    return (a, b) => (go ? compareSemver(goVersionAsSemver(a), goVersionAsSemver(b), 'Go') : compareSemver(a, b));
  }
  if (type === 'ECOSYSTEM') return versionComparator(ecosystem);
  return undefined;
}

/** An event's version; "0" as introduced sorts before everything. */
function eventVersion(e: OsvEvent): string {
  return (e.introduced ?? e.fixed ?? e.last_affected ?? e.limit)!;
}

/** Events by version: introduced "0" first, "*" last, the rest by the range's ordering. */
function eventOrder(a: OsvEvent, b: OsvEvent, compare: Compare): number {
  const zeroA = a.introduced === '0';
  const zeroB = b.introduced === '0';
  if (zeroA || zeroB) return zeroA === zeroB ? 0 : zeroA ? -1 : 1;
  const x = eventVersion(a);
  const y = eventVersion(b);
  const starX = x.includes('*');
  const starY = y.includes('*');
  if (starX || starY) return starX === starY ? 0 : starX ? 1 : -1;
  return compare(x, y);
}

/**
 * The events sorted by version. Array.prototype.sort is stable: events of equal versions keep the
 * record's order. Records almost always list events in order already, so that is checked first
 * (n - 1 comparisons, no copy); any doubt (out of order, or a version that cannot be read) sorts a
 * copy as before, which throws the same error for an unreadable version.
 */
function sortedEvents(events: OsvEvent[], compare: Compare): OsvEvent[] {
  if (events.length < 2) return events;
  try {
    let inOrder = true;
    for (let i = 1; i < events.length && inOrder; i++) inOrder = eventOrder(events[i - 1], events[i], compare) <= 0;
    if (inOrder) return events;
  } catch {
    // Sorted below, where the error is thrown as the sort meets it.
  }
  return [...events].sort((a, b) => eventOrder(a, b, compare));
}

/**
 * Whether `version` is in the range, by the schema's evaluation; with the fix (or last affected
 * version) that ends the stretch it is in. Throws InvalidVersionError when a version cannot be read.
 */
export function evaluateRange(version: string, range: OsvRange, compare: Compare): { affected: boolean; introduced?: string; fixed?: string; lastAffected?: string } {
  let limited = false;
  let belowALimit = false;
  for (const e of range.events) {
    if (e.limit === undefined) continue;
    limited = true;
    if (!belowALimit && (e.limit.includes('*') || compare(version, e.limit) < 0)) belowALimit = true;
  }
  if (limited && !belowALimit) return { affected: false };
  const sorted = sortedEvents(range.events, compare);
  let affected = false;
  let introduced: string | undefined;
  for (const e of sorted) {
    if (e.introduced !== undefined && (e.introduced === '0' || compare(version, e.introduced) >= 0)) {
      affected = true;
      introduced = e.introduced;
    } else if (e.fixed !== undefined && compare(version, e.fixed) >= 0) affected = false;
    else if (e.last_affected !== undefined && compare(version, e.last_affected) > 0) affected = false;
  }
  if (!affected) return { affected };
  // The stretch the version is in ends at the first fixed or last_affected event above it.
  for (const e of sorted) {
    if (e.fixed !== undefined && compare(version, e.fixed) < 0) return { affected, introduced, fixed: e.fixed };
    if (e.last_affected !== undefined && compare(version, e.last_affected) <= 0) return { affected, introduced, lastAffected: e.last_affected };
  }
  return { affected, introduced };
}

interface Problems {
  git: Set<string>;
  unreadable: Map<string, string>;
  unordered: Set<string>;
}

/**
 * Whether one affected entry covers the version, and how: the advisory match, with the record's
 * details, built once in its final shape (ecosystem, name, then the range and its bounds or
 * `listed`, then the record's id, modified, aliases, upstream, summary and severity).
 */
function matchAffected(affected: OsvAffected, lookup: Lookup, problems: Problems, record: OsvRecord): AdvisoryMatch | undefined {
  const recordId = record.id;
  const { ecosystem, version } = lookup;
  const pkg = affected.package!;
  // Ranges first: a range that holds the version also says what fixes it; the versions list only says "affected".
  let gitOnly = (affected.ranges?.length ?? 0) > 0;
  for (const range of affected.ranges ?? []) {
    if (range.type === 'GIT') continue;
    gitOnly = false;
    const compare = comparatorFor(range.type, ecosystem);
    if (!compare) {
      problems.unordered.add(`${range.type} ranges of ${ecosystem}`);
      continue;
    }
    let result: ReturnType<typeof evaluateRange>;
    try {
      result = evaluateRange(version, range, compare);
    } catch (err) {
      problems.unreadable.set(`${recordId}`, (err as Error).message);
      continue;
    }
    if (result.affected) {
      return {
        ecosystem: pkg.ecosystem,
        name: pkg.name,
        range: { type: range.type, events: range.events },
        introduced: result.introduced,
        fixed: result.fixed,
        lastAffected: result.lastAffected,
        id: record.id,
        modified: record.modified,
        aliases: record.aliases ?? [],
        upstream: record.upstream ?? [],
        summary: record.summary,
        severity: advisorySeverity(affected.severity ?? record.severity),
      };
    }
  }
  if (affected.versions?.length) {
    const ecoCompare = versionComparator(ecosystem);
    // The installed version was checked readable before matching; a listed one that is not is simply not equal.
    const listed = affected.versions.some((v) => {
      if (v === version) return true;
      if (!ecoCompare) return false;
      try {
        return ecoCompare(v, version) === 0;
      } catch {
        return false;
      }
    });
    if (listed) {
      return {
        ecosystem: pkg.ecosystem,
        name: pkg.name,
        listed: true,
        id: record.id,
        modified: record.modified,
        aliases: record.aliases ?? [],
        upstream: record.upstream ?? [],
        summary: record.summary,
        severity: advisorySeverity(affected.severity ?? record.severity),
      };
    }
  }
  if (gitOnly && !affected.versions?.length) problems.git.add(recordId);
  return undefined;
}

/** The advisories of one record that match the package, one per record at most (the first affected entry that matches). */
function matchRecord(candidate: OsvRecord, lookup: Lookup, names: ReadonlySet<string>, problems: Problems): AdvisoryMatch | undefined {
  if (candidate.withdrawn) return undefined;
  for (const affected of candidate.affected ?? []) {
    const pkg = affected.package;
    // Sources give only the entries of the key looked up (ecosystem with release, normalised name);
    // the name is checked again only when the spelling differs.
    if (!pkg || pkg.ecosystem !== lookup.ecosystem || (!names.has(pkg.name) && !names.has(normalizePackageName(pkg.ecosystem, pkg.name)))) continue;
    const how = matchAffected(affected, lookup, problems, candidate);
    if (how) return how;
  }
  return undefined;
}

const CVE = /^CVE-\d{4}-\d+$/;

/**
 * Advisories of one package merged by shared ids: union-find over ids, aliases and a sole upstream
 * id. Built in the shape of the finding it becomes (`packages`, `vex` and `suppressed` are filled in
 * once binary packages of one source are brought together), so making it the finding copies nothing.
 */
type Merged = VulnerabilityMatch;

/** Placeholder of `Merged.packages` and `.vex` until the finding is made: never reported. */
const NOT_YET: never[] = [];

/** Advisories that share an id, an alias or a sole upstream id, in groups (one group per vulnerability). */
function groupAdvisories(advisories: AdvisoryMatch[]): AdvisoryMatch[][] {
  if (advisories.length === 1) return [advisories];
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root)!;
    parent.set(x, root);
    return root;
  };
  const union = (a: string, b: string): void => {
    for (const x of [a, b]) if (!parent.has(x)) parent.set(x, x);
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  for (const a of advisories) {
    union(a.id, a.id);
    for (const alias of a.aliases) union(a.id, alias);
    // A record with exactly one upstream id is that vulnerability in another database (DEBIAN-CVE-..., UBUNTU-CVE-...).
    if (a.upstream.length === 1) union(a.id, a.upstream[0]);
  }
  const groups = new Map<string, AdvisoryMatch[]>();
  for (const a of advisories) {
    const root = find(a.id);
    const group = groups.get(root);
    if (group) group.push(a);
    else groups.set(root, [a]);
  }
  return [...groups.values()];
}

const SEVERITY_RANK = { critical: 4, high: 3, medium: 2, low: 1, info: 0 } as const;

function mergeAdvisories(pkg: Package, lookup: Lookup, matchedName: string, advisories: AdvisoryMatch[]): Merged[] {
  const compare = versionComparator(lookup.ecosystem);
  return groupAdvisories(advisories).map((group) => {
    group.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const ids = new Set<string>();
    for (const a of group) {
      ids.add(a.id);
      for (const alias of a.aliases) ids.add(alias);
      if (a.upstream.length === 1) ids.add(a.upstream[0]);
    }
    const all = [...ids].sort();
    const id = all.find((x) => CVE.test(x)) ?? group[0].id;
    // The fix of the merged vulnerability: every advisory must be satisfied, so the highest of their
    // fixes, and none when a range holding the version has no fix above it. An advisory that only
    // lists the version says nothing about fixes.
    const unfixed = group.some((a) => !a.listed && a.fixed === undefined);
    let fixed: string | undefined;
    if (!unfixed) {
      for (const a of group) {
        if (a.fixed === undefined) continue;
        if (fixed === undefined) fixed = a.fixed;
        else {
          try {
            if (compare && compare(a.fixed, fixed) > 0) fixed = a.fixed;
          } catch {
            // An unreadable fix version leaves the one already chosen.
          }
        }
      }
    }
    let severity: AdvisorySeverity | undefined;
    for (const a of group) if (a.severity && (!severity || SEVERITY_RANK[a.severity.severity] > SEVERITY_RANK[severity.severity])) severity = a.severity;
    return {
      package: pkg,
      id,
      aliases: all.filter((x) => x !== id),
      advisories: group,
      matchedName,
      matchedVersion: lookup.version,
      ecosystem: lookup.ecosystem,
      fixed,
      unfixed,
      severity,
      summary: group.find((a) => a.summary)?.summary,
      explanation: explain(pkg, lookup, matchedName, group),
      packages: NOT_YET,
      vex: NOT_YET,
      suppressed: false,
    };
  });
}

/** What was compared: "source openssl 3.0.11-1~deb12u2 (of binary libssl3 3.0.11-1~deb12u2)" or "lodash 4.17.20". */
function comparedWhat(pkg: Package, lookup: Lookup, matchedName: string): string {
  if (matchedName !== pkg.name || lookup.version !== pkg.version) return `source package ${matchedName} ${lookup.version} (of installed ${pkg.name} ${pkg.version})`;
  return `installed ${pkg.name} ${pkg.version}`;
}

/** "introduced 1.0.0": an event's (first) field and its version. */
function eventText(event: OsvEvent): string {
  for (const key in event) return `${key} ${String(event[key as keyof OsvEvent])}`;
  return '';
}

function explain(pkg: Package, lookup: Lookup, matchedName: string, group: AdvisoryMatch[]): string {
  const what = comparedWhat(pkg, lookup, matchedName);
  return group
    .map((a) => {
      const where = `${a.ecosystem} ${a.name}`;
      if (a.listed) return `${a.id} (${where}) lists version ${lookup.version} in its affected versions; compared: ${what}`;
      const events = a.range!.events.map(eventText).join(', ');
      const bound = a.fixed !== undefined ? `, below fixed ${a.fixed}` : a.lastAffected !== undefined ? `, at or below last_affected ${a.lastAffected}` : ', with no fixed event above it (unfixed)';
      return `${a.id} (${where}) ${a.range!.type} range {${events}}: ${lookup.version} is at or above introduced ${a.introduced}${bound}; compared: ${what}`;
    })
    .join('; ');
}

/** Whether a VEX statement names this vulnerability (its id or an alias) and this package. */
function vexApplies(statement: VexStatement, match: Merged, pkg: Package): boolean {
  const ids = new Set([match.id, ...match.aliases]);
  if (!ids.has(statement.vulnerability) && !statement.aliases.some((a) => ids.has(a))) return false;
  return statement.products.some((p) => purlMatches(p, pkg.purl));
}

/**
 * Matches every package of an inventory against the advisories; sorted by package, then
 * vulnerability id. VEX statements are applied; unfixed vulnerabilities are left out with
 * `ignoreUnfixed` (and counted).
 */
export function matchInventory(inventory: Inventory, db: AdvisorySource, options: MatchOptions = {}): MatchResult {
  const merged: Merged[] = [];
  const notes: string[] = [];
  const problems: Problems = { git: new Set(), unreadable: new Map(), unordered: new Set() };
  const noRelease = new Map<string, number>();
  const noOrdering = new Set<string>();
  const noAdvisories = new Set<string>();
  const badVersions: string[] = [];
  for (const pkg of inventory.packages) {
    const lookup = lookupOf(pkg);
    if (typeof lookup === 'string') {
      noRelease.set(pkg.ecosystem, (noRelease.get(pkg.ecosystem) ?? 0) + 1);
      continue;
    }
    if (!versionComparator(lookup.ecosystem)) {
      noOrdering.add(lookup.ecosystem);
      continue;
    }
    if (!db.hasEcosystem(lookup.ecosystem)) {
      noAdvisories.add(lookup.ecosystem);
      continue;
    }
    if (!isValidVersion(lookup.ecosystem, lookup.version)) {
      badVersions.push(`${pkg.name} ${lookup.version}`);
      continue;
    }
    const names = new Set(lookup.names.map((n) => normalizePackageName(lookup.ecosystem, n)));
    const seen = new Set<string>();
    const advisories: AdvisoryMatch[] = [];
    for (const name of lookup.names) {
      for (const record of db.advisoriesFor(lookup.ecosystem, name)) {
        if (seen.has(record.id)) continue;
        seen.add(record.id);
        const m = matchRecord(record, lookup, names, problems);
        if (m) advisories.push(m);
      }
    }
    if (advisories.length > 0) merged.push(...mergeAdvisories(pkg, lookup, lookup.names[0], advisories));
  }
  for (const [ecosystem, count] of noRelease) notes.push(`${count} ${ecosystem} package(s) not matched: the distribution release is unknown, and ${ecosystem} advisories are per release`);
  for (const ecosystem of noOrdering) notes.push(`${ecosystem} packages not matched: kshield has no version ordering for this ecosystem`);
  for (const ecosystem of noAdvisories) notes.push(`the vulnerability database has no advisories for ${ecosystem}: its packages were not matched (is the release supported, or was the ecosystem left out of the download?)`);
  if (badVersions.length > 0) notes.push(`${badVersions.length} package version(s) could not be read and were not matched: ${listSome(badVersions)}`);
  if (problems.git.size > 0) notes.push(`${problems.git.size} advisory(ies) give only GIT commit ranges for an installed package and were skipped (kshield matches versions, not commits): ${listSome([...problems.git].sort())}`);
  for (const [id, message] of problems.unreadable) notes.push(`advisory ${id}: a range was skipped: ${message}`);
  for (const what of problems.unordered) notes.push(`${what} were skipped: no ordering for that range type`);

  // Binary packages of one source package at one version share a finding per vulnerability.
  const bySource = new Map<string, { first: Merged; packages: Package[] }>();
  const order: string[] = [];
  merged.forEach((m, i) => {
    const key = m.package.source ? `${m.ecosystem}\u0000${m.matchedName}\u0000${m.matchedVersion}\u0000${m.id}` : `#${i}`;
    const entry = bySource.get(key);
    if (entry) entry.packages.push(m.package);
    else {
      bySource.set(key, { first: m, packages: [m.package] });
      order.push(key);
    }
  });
  const statements = options.vex ?? [];
  const used = new Set<VexStatement>();
  let ignoredUnfixed = 0;
  const matches: VulnerabilityMatch[] = [];
  for (const key of order) {
    const { first, packages } = bySource.get(key)!;
    packages.sort(comparePackages);
    // The merged advisories become the finding (nothing else holds them).
    const m = first;
    if (packages.length > 1) m.explanation = `${first.explanation}; the same source package also built installed ${packages.filter((p) => p !== first.package).map((p) => `${p.name} ${p.version}`).join(', ')}`;
    m.package = packages[0];
    // A statement about any of the binary packages (or the source's purl) applies to the finding.
    const vex = statements.length === 0 ? [] : statements.filter((s) => packages.some((p) => vexApplies(s, m, p)));
    for (const s of vex) used.add(s);
    if (options.ignoreUnfixed && m.unfixed) {
      ignoredUnfixed++;
      continue;
    }
    m.packages = packages;
    m.vex = vex;
    m.suppressed = vex.some((s) => s.suppresses);
    matches.push(m);
  }
  const keyed = matches.map((m) => ({ key: `${packageKey(m.package)}\u0000${m.id}`, m }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (let i = 0; i < keyed.length; i++) matches[i] = keyed[i].m;
  return { matches, notes, packages: inventory.packages.length, ignoredUnfixed, unmatchedVex: statements.filter((s) => !used.has(s)) };
}

function packageKey(p: Package): string {
  return `${p.ecosystem}\u0000${p.name}\u0000${p.version}`;
}

function comparePackages(a: Package, b: Package): number {
  const ka = packageKey(a);
  const kb = packageKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function listSome(items: string[], max = 5): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
