/**
 * Package URLs (https://github.com/package-url/purl-spec) for the language ecosystems the lockfile
 * readers find, built the way the spec's type definitions say: npm names lowercased with the scope
 * as namespace (`pkg:npm/%40babel/core@7.24.0`), PyPI names normalised (PEP 503: lowercase, runs
 * of `-`, `_`, `.` become one `-`), Go module paths split at their last `/`, Maven as
 * group/artifact, Cargo crates by name.
 */
import { PackageURL } from 'packageurl-js';

/**
 * Built with packageurl-js, the purl project's own implementation: it encodes each component and
 * sorts qualifiers as the spec asks. Empty or absent qualifiers are left out.
 */
function build(type: string, namespace: string | undefined, name: string, version: string | undefined, qualifiers?: Record<string, string | undefined>): string {
  const kept = qualifiers ? Object.fromEntries(Object.entries(qualifiers).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')) : {};
  return new PackageURL(type, namespace || null, name, version || null, Object.keys(kept).length > 0 ? kept : null, null).toString();
}

/** PEP 503's normalised project name: what PyPI, pip and OSV compare. */
export function normalizePypiName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

export function npmPurl(name: string, version: string): string {
  const lower = name.toLowerCase();
  if (lower.startsWith('@') && lower.includes('/')) {
    const slash = lower.indexOf('/');
    return build('npm', lower.slice(0, slash), lower.slice(slash + 1), version);
  }
  return build('npm', undefined, lower, version);
}

export function pypiPurl(name: string, version: string): string {
  return build('pypi', undefined, normalizePypiName(name), version);
}

export function golangPurl(modulePath: string, version: string): string {
  const slash = modulePath.lastIndexOf('/');
  return slash === -1 ? build('golang', undefined, modulePath, version) : build('golang', modulePath.slice(0, slash), modulePath.slice(slash + 1), version);
}

export function mavenPurl(groupId: string, artifactId: string, version: string | undefined): string {
  return build('maven', groupId, artifactId, version);
}

export function cargoPurl(name: string, version: string): string {
  return build('cargo', undefined, name, version);
}

/** A purl of any type, for readers outside the language ecosystems (distribution packages). */
export function purlOf(type: string, namespace: string | undefined, name: string, version: string | undefined, qualifiers?: Record<string, string | undefined>): string {
  return build(type.toLowerCase(), namespace, name, version, qualifiers);
}

/** The inventory readers' name for purlOf. */
export const purl = purlOf;

export interface ParsedPurl {
  type: string;
  namespace?: string;
  name: string;
  version?: string;
  qualifiers: Record<string, string>;
}

/** The parts of a purl as `build` writes them (subpaths are not used by kshield and are dropped), decoded. */
export function parsePurl(purl: string): ParsedPurl | undefined {
  try {
    return parsePurlParts(purl);
  } catch {
    return undefined; // a malformed percent-escape
  }
}

function parsePurlParts(purl: string): ParsedPurl | undefined {
  const m = /^pkg:([a-zA-Z][a-zA-Z0-9.+-]*)\/([^?#]+?)(?:\?([^#]*))?(?:#.*)?$/.exec(purl);
  if (!m) return undefined;
  const [, type, body, query] = m;
  const at = body.lastIndexOf('@');
  const path = at === -1 ? body : body.slice(0, at);
  const version = at === -1 ? undefined : decodeURIComponent(body.slice(at + 1));
  const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
  const name = segments.pop();
  if (!name) return undefined;
  const qualifiers: Record<string, string> = {};
  for (const pair of (query ?? '').split('&').filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq > 0) qualifiers[pair.slice(0, eq).toLowerCase()] = decodeURIComponent(pair.slice(eq + 1));
  }
  return { type: type.toLowerCase(), namespace: segments.length > 0 ? segments.join('/') : undefined, name, version, qualifiers };
}

/**
 * The purl type and namespace of a distribution's packages (purl-spec types: deb, apk, rpm with
 * the vendor as namespace).
 */
const DISTRO_PURL: Record<string, { type: string; namespace: string }> = {
  Debian: { type: 'deb', namespace: 'debian' },
  Ubuntu: { type: 'deb', namespace: 'ubuntu' },
  Alpine: { type: 'apk', namespace: 'alpine' },
  'Red Hat': { type: 'rpm', namespace: 'redhat' },
  'Rocky Linux': { type: 'rpm', namespace: 'rocky' },
  AlmaLinux: { type: 'rpm', namespace: 'almalinux' },
  openSUSE: { type: 'rpm', namespace: 'opensuse' },
  SUSE: { type: 'rpm', namespace: 'suse' },
};

/**
 * The purl of an installed distribution package: `pkg:deb/debian/libc6@2.36-9+deb12u7?arch=amd64&distro=debian-12`.
 * `distro` is the os-release ID and VERSION_ID joined by `-` (what the purl-spec examples and the
 * common scanners write); `arch` as the package database records it.
 */
export function distroPackagePurl(ecosystem: string, name: string, version: string, options: { osId?: string; osVersion?: string; arch?: string } = {}): string | undefined {
  const kind = DISTRO_PURL[ecosystem];
  if (!kind) return undefined;
  const qualifiers: Record<string, string> = {};
  if (options.arch) qualifiers.arch = options.arch;
  if (options.osId) qualifiers.distro = options.osVersion ? `${options.osId}-${options.osVersion}` : options.osId;
  return build(kind.type, kind.namespace, name, version, qualifiers);
}

/**
 * The purl of the source package a binary distribution package was built from, from the binary's
 * purl: the same type, namespace and distro, the source's name and version, and the architecture
 * the purl-spec gives source packages (`arch=source` for deb, `arch=src` for rpm; apk origins have
 * none). Undefined for a purl that is not a distribution package's.
 */
export function sourcePackagePurl(binaryPurl: string, source: { name: string; version: string }): string | undefined {
  const p = parsePurl(binaryPurl);
  if (!p || !['deb', 'rpm', 'apk'].includes(p.type)) return undefined;
  const qualifiers: Record<string, string> = {};
  if (p.qualifiers.distro) qualifiers.distro = p.qualifiers.distro;
  if (p.type === 'deb') qualifiers.arch = 'source';
  if (p.type === 'rpm') qualifiers.arch = 'src';
  return build(p.type, p.namespace, source.name, source.version, qualifiers);
}
