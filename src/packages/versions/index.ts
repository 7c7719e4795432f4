/**
 * Version ordering per ecosystem, by the ecosystem names the OSV schema uses
 * (https://ossf.github.io/osv-schema/#affectedpackage-field). A distribution's release suffix
 * (`Debian:12`, `Alpine:v3.20`, `Ubuntu:22.04:LTS`) does not change its scheme and is ignored here.
 */
import { compareApk } from './apk.js';
import { compareDpkg } from './dpkg.js';
import { compareMaven } from './maven.js';
import { comparePep440, isValidPep440 } from './pep440.js';
import { compareRpm } from './rpm.js';
import { compareGo, compareSemver, goVersionAsSemver, parseSemver } from './semver.js';
import { UnknownEcosystemError } from './errors.js';

export { InvalidVersionError, UnknownEcosystemError } from './errors.js';

export type VersionScheme = 'dpkg' | 'apk' | 'rpm' | 'semver' | 'go' | 'pep440' | 'maven';

const SCHEMES: Record<string, VersionScheme> = {
  Debian: 'dpkg',
  Ubuntu: 'dpkg',
  Alpine: 'apk',
  Wolfi: 'apk',
  Chainguard: 'apk',
  'Red Hat': 'rpm',
  'Rocky Linux': 'rpm',
  AlmaLinux: 'rpm',
  openSUSE: 'rpm',
  SUSE: 'rpm',
  Mageia: 'rpm',
  openEuler: 'rpm',
  'Photon OS': 'rpm',
  npm: 'semver',
  'crates.io': 'semver',
  Hex: 'semver',
  Pub: 'semver',
  Go: 'go',
  PyPI: 'pep440',
  Maven: 'maven',
};

/** The ecosystem without its release: "Debian:12" → "Debian", "Ubuntu:22.04:LTS" → "Ubuntu". */
export function baseEcosystem(ecosystem: string): string {
  const colon = ecosystem.indexOf(':');
  return colon < 0 ? ecosystem : ecosystem.slice(0, colon);
}

/** The version scheme of an OSV ecosystem, or undefined when kshield has none for it. */
export function versionScheme(ecosystem: string): VersionScheme | undefined {
  return SCHEMES[baseEcosystem(ecosystem)];
}

const COMPARE: Record<VersionScheme, (a: string, b: string) => number> = {
  dpkg: compareDpkg,
  apk: compareApk,
  rpm: compareRpm,
  semver: (a, b) => compareSemver(a, b),
  go: compareGo,
  pep440: comparePep440,
  maven: compareMaven,
};

/**
 * Orders two versions of one ecosystem: -1 when `a` is older, 0 when they are the same version, 1
 * when `a` is newer. Throws UnknownEcosystemError for an ecosystem without a scheme, and
 * InvalidVersionError for a version the scheme cannot read (PEP 440 and semantic versions have a
 * grammar; the distribution schemes and Maven order any string).
 */
export function compareVersions(ecosystem: string, a: string, b: string): -1 | 0 | 1 {
  const scheme = versionScheme(ecosystem);
  if (!scheme) throw new UnknownEcosystemError(ecosystem);
  return Math.sign(COMPARE[scheme](a, b)) as -1 | 0 | 1;
}

/** Whether the ecosystem's scheme can read `version` (always true for schemes that order any string). */
export function isValidVersion(ecosystem: string, version: string): boolean {
  switch (versionScheme(ecosystem)) {
    case undefined:
      return false;
    case 'pep440':
      return isValidPep440(version);
    case 'semver':
      return parseSemver(version) !== undefined;
    case 'go':
      return parseSemver(goVersionAsSemver(version)) !== undefined;
    default:
      return version.trim().length > 0;
  }
}

/**
 * A comparator for one ecosystem, resolved once: matching compares one installed version with
 * every event of every candidate advisory.
 */
export function versionComparator(ecosystem: string): ((a: string, b: string) => number) | undefined {
  const scheme = versionScheme(ecosystem);
  return scheme ? COMPARE[scheme] : undefined;
}
