/**
 * What the CycloneDX and SPDX writers share: the subject an SBOM describes, the inventory put in a
 * stable order, licences sorted into SPDX expressions and free-text names, and identifiers derived
 * from the content so the same inventory always gives the same document.
 */
import { createHash } from 'node:crypto';
import parseSpdx from 'spdx-expression-parse';
import type { Inventory, Package } from '../../packages/model.js';
import { parsePurl, sourcePackagePurl } from '../../packages/purl.js';

export type SbomFormat = 'cyclonedx' | 'spdx';
export const SBOM_FORMATS: readonly SbomFormat[] = ['cyclonedx', 'spdx'];

/** What the SBOM is of: a source tree, a container image, or a root file system. */
export interface SbomSubject {
  kind: 'source' | 'image' | 'filesystem';
  /** The directory as given, or the image reference. */
  name: string;
  /** An image's tag or digest, a project's version. */
  version?: string;
  /** The subject's own purl where it has one (`pkg:oci/app@sha256%3A...`). */
  purl?: string;
}

export interface SbomOptions {
  /** When the document was made (ISO 8601); default now. Tests and reproducible builds fix it. */
  timestamp?: string;
  /** The kshield version named as the tool. */
  toolVersion: string;
}

/** A package as the writers put it out: one per purl, locations gathered, dependencies sorted. */
export interface SbomPackage extends Package {
  /** The source package's purl for distribution packages that record one. */
  sourcePurl?: string;
}

/**
 * The inventory's packages, one per purl (a package found in two places keeps both locations),
 * sorted by purl, with dependency lists sorted and limited to packages of the inventory.
 */
export function orderedPackages(inventory: Inventory): SbomPackage[] {
  const byPurl = new Map<string, SbomPackage>();
  // Duplicates are merged in an order of their own (purl, then where found), so the first one,
  // whose other fields are kept, does not depend on the order the inventory lists them in.
  const input = [...inventory.packages].sort((a, b) => compare(a.purl, b.purl) || compare(locationKey(a), locationKey(b)));
  for (const p of input) {
    const seen = byPurl.get(p.purl);
    if (!seen) {
      byPurl.set(p.purl, { ...p, locations: [...p.locations], dependsOn: p.dependsOn ? [...p.dependsOn] : undefined, licenses: p.licenses ? [...p.licenses] : undefined });
      continue;
    }
    for (const loc of p.locations) if (!seen.locations.some((l) => sameLocation(l, loc))) seen.locations.push(loc);
    if (p.dependsOn) seen.dependsOn = [...new Set([...(seen.dependsOn ?? []), ...p.dependsOn])];
    if (p.licenses) seen.licenses = [...new Set([...(seen.licenses ?? []), ...p.licenses])];
    if (p.direct) seen.direct = true;
  }
  const out = [...byPurl.values()].sort((a, b) => compare(a.purl, b.purl));
  for (const p of out) {
    if (p.dependsOn) {
      const deps = [...new Set(p.dependsOn)].filter((d) => d !== p.purl && byPurl.has(d)).sort(compare);
      if (deps.length > 0) p.dependsOn = deps;
      else delete p.dependsOn;
    }
    p.locations.sort((a, b) => compare(a.path, b.path) || (a.line ?? 0) - (b.line ?? 0));
    if (p.source) {
      const sp = sourcePackagePurl(p.purl, p.source);
      if (sp && sp !== p.purl) p.sourcePurl = sp;
    }
  }
  return out;
}

function locationKey(p: Package): string {
  return p.locations.map((l) => `${l.path}\u0000${l.line ?? ''}\u0000${l.layer?.index ?? ''}`).join('\u0001');
}

function sameLocation(a: Package['locations'][number], b: Package['locations'][number]): boolean {
  return a.path === b.path && a.line === b.line && a.layer?.digest === b.layer?.digest;
}

/** Code-unit order: the same in every locale, so documents do not depend on the machine. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The packages the subject itself depends on (top of the graph): those the project declares
 * (direct), and those the inventory cannot place (direct unknown, as in an image). Transitive ones
 * are reached through them.
 */
export function topLevel(packages: SbomPackage[]): SbomPackage[] {
  return packages.filter((p) => p.direct !== false);
}

export interface LicenceChoice {
  /** One SPDX licence expression covering every declared licence, when each is one. */
  expression?: string;
  /** The declared strings that are not SPDX expressions (free text such as "BSD-like"). */
  names: string[];
}

/** Sorts a package's declared licences into a valid SPDX expression and free-text names. */
export function licenceChoice(licenses: readonly string[] | undefined): LicenceChoice {
  const valid: string[] = [];
  const names: string[] = [];
  // Sorted, so the expression does not depend on the order a package database lists them in.
  for (const raw of [...new Set((licenses ?? []).map((l) => l.trim()).filter(Boolean))].sort(compare)) {
    if (isSpdxExpression(raw)) valid.push(raw);
    else names.push(raw);
  }
  if (valid.length === 0) return { names };
  const expression = valid.length === 1 ? valid[0] : valid.map((v) => (/\s/.test(v) ? `(${v})` : v)).join(' AND ');
  return { expression, names };
}

const expressionCache = new Map<string, boolean>();

/** Whether the text is a valid SPDX licence expression (memoised: a few licences cover most packages). */
export function isSpdxExpression(text: string): boolean {
  let valid = expressionCache.get(text);
  if (valid === undefined) {
    try {
      parseSpdx(text);
      valid = true;
    } catch {
      valid = false;
    }
    if (expressionCache.size > 10_000) expressionCache.clear();
    expressionCache.set(text, valid);
  }
  return valid;
}

/** An RFC 4122 UUID (version 5 layout) from a SHA-256 of the text: the same content, the same id. */
export function contentUuid(text: string): string {
  const h = createHash('sha256').update(text).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The timestamp to write: the given one (validated) or now, to the second, in UTC. */
export function sbomTimestamp(given: string | undefined): string {
  const date = given === undefined ? new Date() : new Date(given);
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a timestamp: ${given}`);
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A package's name split as CycloneDX wants it: the npm scope or Maven groupId as group. */
export function groupAndName(p: Package): { group?: string; name: string } {
  const parsed = parsePurl(p.purl);
  if (parsed && (parsed.type === 'maven' || (parsed.type === 'npm' && parsed.namespace))) return { group: parsed.namespace, name: parsed.name };
  return { name: p.name };
}

/**
 * A location as one line of text: `app/package-lock.json:12 (layer 3 sha256:ab…)`. The layer's
 * `created_by` line is left out: build commands can carry credentials (`RUN curl -u user:pass`).
 */
export function describeLocation(loc: Package['locations'][number]): string {
  let text = loc.line !== undefined ? `${loc.path}:${loc.line}` : loc.path;
  if (loc.layer) text += ` (layer ${loc.layer.index} ${loc.layer.digest})`;
  return text;
}
