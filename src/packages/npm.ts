/** An installed npm package: the package.json inside node_modules/<name>/ or node_modules/@scope/<name>/. Pure. */
import type { Package } from './model.js';
import { purl } from './purl.js';

export interface NpmManifest {
  name: string;
  version: string;
  license?: string;
}

/** The name and version of a package.json; undefined when it is not JSON or lacks either (the message says which). */
export function parseNpmPackageJson(text: string): { manifest?: NpmManifest; problem?: string } {
  let data: unknown;
  try {
    data = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    return { problem: `not valid JSON (${(e as Error).message})` };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { problem: 'not a JSON object' };
  const { name, version, license } = data as Record<string, unknown>;
  if (typeof name !== 'string' || name === '' || typeof version !== 'string' || version === '') return { problem: 'no name or version' };
  const manifest: NpmManifest = { name, version };
  if (typeof license === 'string' && license !== '') manifest.license = license;
  else if (typeof license === 'object' && license !== null && typeof (license as { type?: unknown }).type === 'string') manifest.license = (license as { type: string }).type;
  return { manifest };
}

/**
 * Whether `path` is the manifest of an installed package: node_modules/<name>/package.json or
 * node_modules/@scope/<name>/package.json (a package.json deeper inside a package is its own business).
 */
export function isInstalledNpmManifest(path: string): boolean {
  return /(?:^|\/)node_modules\/(?:@[^/]+\/)?[^/@][^/]*\/package\.json$/.test(path);
}

export function npmPackage(m: NpmManifest, path: string): Package {
  const slash = m.name.startsWith('@') ? m.name.indexOf('/') : -1;
  const namespace = slash > 0 ? m.name.slice(0, slash) : undefined;
  const name = slash > 0 ? m.name.slice(slash + 1) : m.name;
  const pkg: Package = { ecosystem: 'npm', name: m.name, version: m.version, purl: purl('npm', namespace, name, m.version), locations: [{ path }], foundBy: 'npm' };
  if (m.license) pkg.licenses = [m.license];
  return pkg;
}
