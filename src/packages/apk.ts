/**
 * apk's database of installed packages, /lib/apk/db/installed: paragraphs of one-letter fields
 * (P: name, V: version, A: architecture, o: origin, the source package it was built from, L:
 * license). Pure. Alpine's advisories are keyed by origin.
 */
import type { OperatingSystem, Package } from './model.js';
import { distroIdentity } from './os-release.js';
import { purl } from './purl.js';

export interface ApkEntry {
  name: string;
  version: string;
  architecture?: string;
  /** o: the origin (source) package; the package's own name when absent. */
  origin: string;
  license?: string;
  line: number;
}

export function parseApkInstalled(text: string): { entries: ApkEntry[]; problems: { line: number; message: string }[] } {
  const entries: ApkEntry[] = [];
  const problems: { line: number; message: string }[] = [];
  let fields = new Map<string, string>();
  let start = 0;
  const flush = (): void => {
    if (fields.size === 0) return;
    const name = fields.get('P');
    const version = fields.get('V');
    if (!name || !version) problems.push({ line: start, message: `a package entry without ${name ? 'V: (version)' : 'P: (name)'}` });
    else {
      const e: ApkEntry = { name, version, origin: fields.get('o') || name, line: start };
      const arch = fields.get('A');
      if (arch) e.architecture = arch;
      const license = fields.get('L');
      if (license) e.license = license;
      entries.push(e);
    }
    fields = new Map();
  };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line === '') {
      flush();
      continue;
    }
    // Field letters are case-sensitive: "o" origin, "O" ... are different fields; the first of each wins.
    if (line.length >= 2 && line[1] === ':') {
      if (fields.size === 0) start = i + 1;
      if (!fields.has(line[0])) fields.set(line[0], line.slice(2));
    }
  }
  flush();
  return { entries, problems };
}

export function apkPackages(entries: ApkEntry[], path: string, os: OperatingSystem | undefined): Package[] {
  const distro = distroIdentity(os);
  const alpine = distro?.ecosystem === 'Alpine' ? distro : undefined;
  return entries.map((e) => {
    const pkg: Package = {
      ecosystem: 'Alpine',
      name: e.name,
      version: e.version,
      // The origin's version is the package's: apk builds every subpackage of an APKBUILD at one version.
      source: { name: e.origin, version: e.version },
      purl: purl('apk', alpine?.purlNamespace ?? os?.id ?? 'alpine', e.name, e.version, { arch: e.architecture, distro: alpine?.purlDistro }),
      locations: [{ path, line: e.line }],
      foundBy: 'apk',
    };
    if (alpine?.osvEcosystem) pkg.osvEcosystem = alpine.osvEcosystem;
    if (e.license) pkg.licenses = [e.license];
    return pkg;
  });
}
