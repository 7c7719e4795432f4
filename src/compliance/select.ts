/**
 * Which framework file a `--framework` name and version mean: the short names the CLI takes (cis,
 * nsa, pss, mitre, owasp, 4c), the newest version by default, and for the Pod Security Standards a
 * policy version (v1.30, latest) mapped to the file that lists that version's controls.
 */
import { didYouMean, suggest } from '../core/suggest.js';
import type { Framework } from './frameworks.js';

/** Short name -> the `framework` field of its files. */
export const FRAMEWORK_NAMES: Readonly<Record<string, string>> = {
  cis: 'cis-kubernetes',
  nsa: 'nsa-cisa-kubernetes-hardening',
  pss: 'pss',
  mitre: 'mitre-attack-containers',
  owasp: 'owasp-kubernetes-top-10',
  '4c': '4c',
};

export class FrameworkChoiceError extends Error {}

/** "v1.35" -> [1, 35]; "2.0" -> [2, 0]; "2025" -> [2025]; "v16" -> [16]. */
function versionParts(v: string): number[] {
  return v
    .replace(/^v/i, '')
    .split('.')
    .map((p) => Number.parseInt(p, 10))
    .map((n) => (Number.isNaN(n) ? -1 : n));
}

export function compareVersions(a: string, b: string): number {
  const x = versionParts(a);
  const y = versionParts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The framework name a short or full name means (`cis` or `cis-kubernetes`). */
export function frameworkName(given: string, frameworks: readonly Framework[]): string {
  const name = given.trim().toLowerCase();
  if (FRAMEWORK_NAMES[name]) return FRAMEWORK_NAMES[name];
  if (frameworks.some((f) => f.framework === name)) return name;
  const near = suggest(name, [...Object.keys(FRAMEWORK_NAMES), ...new Set(frameworks.map((f) => f.framework))]);
  throw new FrameworkChoiceError(`unknown framework "${given}"${near.length ? `; ${didYouMean(near)}` : ''} (one of: ${Object.keys(FRAMEWORK_NAMES).join(', ')})`);
}

/**
 * The framework file for a name and an optional version. For pss the version is a policy version
 * (v1.N or latest, as --pss-version takes it): the file with the newest version not after it.
 */
export function selectFramework(frameworks: readonly Framework[], given: string, version?: string): Framework {
  const name = frameworkName(given, frameworks);
  const versions = frameworks.filter((f) => f.framework === name).sort((a, b) => compareVersions(a.version, b.version));
  if (versions.length === 0) throw new FrameworkChoiceError(`no framework file for ${name}`);
  const newest = versions[versions.length - 1];
  if (version === undefined || version.trim() === '' || version.trim() === 'latest') return newest;
  const v = version.trim();
  const exact = versions.find((f) => f.version === v || f.version.replace(/^v/, '') === v.replace(/^v/, ''));
  if (exact) return exact;
  if (name === 'pss') {
    if (!/^v?1\.\d+$/.test(v)) throw new FrameworkChoiceError(`Pod Security Standards version "${version}" is not v1.N or latest`);
    const fitting = versions.filter((f) => compareVersions(f.version, v) <= 0);
    if (fitting.length === 0) throw new FrameworkChoiceError(`Pod Security Standards ${v} is older than the oldest policy version kshield has (${versions[0].version})`);
    return fitting[fitting.length - 1];
  }
  const near = suggest(v, versions.map((f) => f.version));
  throw new FrameworkChoiceError(`${name} has no version "${version}"${near.length ? `; ${didYouMean(near)}` : ''} (versions: ${versions.map((f) => f.version).join(', ')})`);
}
