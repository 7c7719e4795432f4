/**
 * /etc/os-release (os-release(5)): shell-style NAME=value lines, values optionally quoted. Pure.
 * Also what follows from it for package identity: the OSV ecosystem of the distribution's packages
 * ("Debian:12", "Alpine:v3.20", "Ubuntu:22.04:LTS") and the purl namespace and distro qualifier.
 */
import type { Ecosystem, OperatingSystem } from './model.js';

/** The fields of an os-release file, unquoted; lines that are not assignments are skipped. */
export function parseOsReleaseFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    fields.set(m[1], unquote(m[2]));
  }
  return fields;
}

/** Shell-like unquoting as os-release(5) asks: "..." with \\ \" \$ \` escapes, '...' literal, bare words. */
function unquote(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; ) {
    const c = value[i];
    if (c === '"') {
      i++;
      while (i < value.length && value[i] !== '"') {
        if (value[i] === '\\' && i + 1 < value.length && '\\"$`'.includes(value[i + 1])) i++;
        out += value[i++];
      }
      i++;
    } else if (c === "'") {
      const end = value.indexOf("'", i + 1);
      out += value.slice(i + 1, end === -1 ? value.length : end);
      i = end === -1 ? value.length : end + 1;
    } else if (c === '\\' && i + 1 < value.length) {
      out += value[i + 1];
      i += 2;
    } else if (c === '#' && (i === 0 || value[i - 1] === ' ')) break;
    else out += value[i++];
  }
  return out.trim();
}

export function parseOsRelease(text: string): OperatingSystem | undefined {
  const f = parseOsReleaseFields(text);
  const id = f.get('ID')?.toLowerCase();
  if (!id) return undefined;
  const os: OperatingSystem = { id };
  const versionId = f.get('VERSION_ID');
  if (versionId) os.versionId = versionId;
  const codename = f.get('VERSION_CODENAME');
  if (codename) os.codename = codename;
  const pretty = f.get('PRETTY_NAME');
  if (pretty) os.prettyName = pretty;
  const version = f.get('VERSION');
  if (version) os.version = version;
  const idLike = f.get('ID_LIKE');
  if (idLike) os.idLike = idLike.split(/\s+/).filter(Boolean).map((s) => s.toLowerCase());
  return os;
}

/** How packages of one distribution are named: OSV ecosystem (with its release) and purl parts. */
export interface DistroIdentity {
  ecosystem: Ecosystem;
  /** "Debian:12", "Alpine:v3.20", "Ubuntu:22.04:LTS"; absent when the release is unknown (Debian testing, say). */
  osvEcosystem?: string;
  /** purl type namespace: debian, ubuntu, alpine. */
  purlNamespace: string;
  /** purl `distro` qualifier: debian-12, ubuntu-22.04, alpine-3.20.3. */
  purlDistro?: string;
}

/**
 * The identity of a distribution's packages. Only the distributions whose advisories OSV publishes
 * under a release-specific ecosystem are named; others (derivatives, RPM distributions) give
 * undefined and their packages are named by the package database's own family.
 */
export function distroIdentity(os: OperatingSystem | undefined): DistroIdentity | undefined {
  if (!os) return undefined;
  const version = os.versionId;
  switch (os.id) {
    case 'debian': {
      // VERSION_ID is the major release ("12"); testing and unstable have none.
      const major = version && /^\d+/.exec(version)?.[0];
      return { ecosystem: 'Debian', osvEcosystem: major ? `Debian:${major}` : undefined, purlNamespace: 'debian', purlDistro: major ? `debian-${major}` : undefined };
    }
    case 'ubuntu': {
      // OSV spells long-term-support releases "Ubuntu:22.04:LTS" and others "Ubuntu:23.10".
      const lts = /\bLTS\b/.test(os.version ?? os.prettyName ?? '');
      return {
        ecosystem: 'Ubuntu',
        osvEcosystem: version ? `Ubuntu:${version}${lts ? ':LTS' : ''}` : undefined,
        purlNamespace: 'ubuntu',
        purlDistro: version ? `ubuntu-${version}` : undefined,
      };
    }
    case 'alpine': {
      // OSV keys Alpine by minor release: "Alpine:v3.20" for VERSION_ID 3.20.3; edge has "3.21_alpha..." versions.
      const minor = version && /^(\d+)\.(\d+)/.exec(version);
      return { ecosystem: 'Alpine', osvEcosystem: minor ? `Alpine:v${minor[1]}.${minor[2]}` : undefined, purlNamespace: 'alpine', purlDistro: version ? `alpine-${version}` : undefined };
    }
    default:
      return undefined;
  }
}
