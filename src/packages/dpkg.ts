/**
 * dpkg's database of installed packages: /var/lib/dpkg/status, and the one-file-per-package
 * /var/lib/dpkg/status.d/ of distroless images (same paragraphs, often without Status:). Pure.
 *
 * Each binary package names the source package it was built from in `Source:`, optionally with
 * the source version in parentheses when it differs from the binary's ("Source: glibc (2.36-9)"),
 * and without the field when the source has the binary's own name and version (deb-control(5),
 * Debian Policy 5.6.1). Distribution advisories are keyed by source package, so this is parsed exactly.
 */
import type { Package } from './model.js';
import { parseParagraphs } from './control-fields.js';
import { distroIdentity } from './os-release.js';
import { purl } from './purl.js';
import type { OperatingSystem } from './model.js';

export interface DpkgEntry {
  name: string;
  version: string;
  architecture?: string;
  source: { name: string; version: string };
  /** The third word of Status: (installed, unpacked, half-configured, ...); undefined when absent (distroless). */
  state?: string;
  license?: string;
  /** 1-based line of the paragraph. */
  line: number;
}

/** dpkg states in which the package's files are on disk (dpkg(1) "Package states"); not-installed and config-files are not. */
const FILES_PRESENT = new Set(['installed', 'unpacked', 'half-configured', 'half-installed', 'triggers-awaited', 'triggers-pending']);

/**
 * "foo", "foo (1.2-3)": the source package name and version. The version in parentheses is the
 * source's own; absent, the source version is the binary's (Debian Policy 5.6.1).
 */
export function parseDpkgSource(field: string | undefined, binaryName: string, binaryVersion: string): { name: string; version: string } | undefined {
  if (field === undefined || field.trim() === '') return { name: binaryName, version: binaryVersion };
  const m = /^([a-z0-9][a-z0-9+.-]*)\s*(?:\(\s*([^()\s]+)\s*\))?$/.exec(field.trim());
  if (!m) return undefined;
  return { name: m[1], version: m[2] ?? binaryVersion };
}

export interface DpkgParseResult {
  entries: DpkgEntry[];
  /** Paragraphs that could not be read, with their line. */
  problems: { line: number; message: string }[];
}

export function parseDpkgStatus(text: string): DpkgParseResult {
  const entries: DpkgEntry[] = [];
  const problems: DpkgParseResult['problems'] = [];
  for (const p of parseParagraphs(text)) {
    const name = p.fields.get('package');
    const version = p.fields.get('version');
    if (!name) {
      problems.push({ line: p.line, message: 'a paragraph without a Package: field' });
      continue;
    }
    const status = p.fields.get('status');
    const state = status?.split(/\s+/)[2];
    if (state !== undefined && !FILES_PRESENT.has(state)) continue;
    if (!version) {
      problems.push({ line: p.line, message: `package ${name} has no Version: field` });
      continue;
    }
    const source = parseDpkgSource(p.fields.get('source'), name, version);
    if (!source) {
      problems.push({ line: p.line, message: `package ${name} has a Source: field that is not "name" or "name (version)"` });
      continue;
    }
    const entry: DpkgEntry = { name, version, source, line: p.line };
    const arch = p.fields.get('architecture');
    if (arch) entry.architecture = arch;
    if (state) entry.state = state;
    entries.push(entry);
  }
  return { entries, problems };
}

/** The entries as inventory packages of the image's distribution (Debian or Ubuntu; else purls say "debian"). */
export function dpkgPackages(entries: DpkgEntry[], path: string, os: OperatingSystem | undefined): Package[] {
  const distro = distroIdentity(os);
  const family = distro && (distro.ecosystem === 'Debian' || distro.ecosystem === 'Ubuntu') ? distro : undefined;
  return entries.map((e) => {
    const pkg: Package = {
      ecosystem: family?.ecosystem ?? 'Debian',
      name: e.name,
      version: e.version,
      source: e.source,
      purl: purl('deb', family?.purlNamespace ?? os?.id ?? 'debian', e.name, e.version, { arch: e.architecture, distro: family?.purlDistro }),
      locations: [{ path, line: e.line }],
      foundBy: 'dpkg',
    };
    if (family?.osvEcosystem) pkg.osvEcosystem = family.osvEcosystem;
    return pkg;
  });
}
