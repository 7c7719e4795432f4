/**
 * Semantic Versioning 2.0.0 precedence (semver.org §11): major, minor and patch as numbers; a
 * pre-release sorts before its release, its dot-separated identifiers compared numerically when
 * both are numeric, else as ASCII strings, numeric before alphanumeric, more identifiers after
 * fewer; build metadata (`+...`) is ignored. Used for npm, crates.io and Go.
 *
 * Written here rather than taken from the `semver` package because advisories and lockfiles hold
 * versions that package rejects and that still have one obvious order: a `v` prefix, Go's
 * `v1`/`v1.2` shorthands and `+incompatible`, Go toolchain versions (`go1.21rc2`), missing minor
 * or patch numbers. Anything else is not a version this scheme can order (InvalidVersionError).
 */
import { InvalidVersionError } from './errors.js';

export interface SemverVersion {
  major: bigint;
  minor: bigint;
  patch: bigint;
  prerelease: string[];
}

const SEMVER = /^[vV=]?\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]*)?$/;

/** Versions already parsed: matching compares one installed version with every event of every candidate advisory. */
const parsed = new Map<string, SemverVersion | undefined>();
const MAX_PARSED = 100_000;

export function parseSemver(version: string): SemverVersion | undefined {
  if (parsed.has(version)) return parsed.get(version);
  const m = SEMVER.exec(version.trim());
  const result = m ? { major: BigInt(m[1]), minor: BigInt(m[2] ?? 0), patch: BigInt(m[3] ?? 0), prerelease: m[4] ? m[4].split('.') : [] } : undefined;
  if (parsed.size >= MAX_PARSED) parsed.clear();
  parsed.set(version, result);
  return result;
}

/**
 * A Go version as the Go module system and the Go vulnerability database spell it: module versions
 * are semver with a `v` (`v1.2.3`, `v2.0.0+incompatible`, pseudo-versions), and the toolchain
 * (`stdlib`, `toolchain`) is `go1.21.3`, `go1.21rc2`, `go1.20beta1`, which the database writes as
 * 1.21.3, 1.21.0-rc.2 and 1.20.0-beta.1.
 */
export function goVersionAsSemver(version: string): string {
  const toolchain = /^(?:go)?(\d+)\.(\d+)(?:\.(\d+))?(?:(rc|beta|alpha)(\d+))?$/.exec(version.trim());
  if (toolchain && (version.startsWith('go') || toolchain[4])) {
    const [, major, minor, patch, pre, n] = toolchain;
    return `${major}.${minor}.${patch ?? 0}${pre ? `-${pre}.${n}` : ''}`;
  }
  return version;
}

function compareIdentifiers(a: string, b: string): number {
  const an = /^\d+$/.test(a);
  const bn = /^\d+$/.test(b);
  if (an && bn) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (an) return -1;
  if (bn) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareParsedSemver(x: SemverVersion, y: SemverVersion): number {
  for (const k of ['major', 'minor', 'patch'] as const) if (x[k] !== y[k]) return x[k] < y[k] ? -1 : 1;
  if (x.prerelease.length === 0 || y.prerelease.length === 0) return x.prerelease.length === y.prerelease.length ? 0 : x.prerelease.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.max(x.prerelease.length, y.prerelease.length); i++) {
    if (i >= x.prerelease.length) return -1;
    if (i >= y.prerelease.length) return 1;
    const c = compareIdentifiers(x.prerelease[i], y.prerelease[i]);
    if (c !== 0) return c;
  }
  return 0;
}

export function compareSemver(a: string, b: string, ecosystem = 'semver'): number {
  const x = parseSemver(a);
  if (!x) throw new InvalidVersionError(ecosystem, a);
  const y = parseSemver(b);
  if (!y) throw new InvalidVersionError(ecosystem, b);
  return compareParsedSemver(x, y);
}

export function compareGo(a: string, b: string): number {
  return compareSemver(goVersionAsSemver(a), goVersionAsSemver(b), 'Go');
}
