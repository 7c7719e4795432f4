/**
 * Maven pom.xml: the dependencies a project declares, with the versions it declares
 * (https://maven.apache.org/pom.html). Maven has no lockfile; what a build resolves for transitive
 * dependencies is not in the tree, so only declared dependencies are listed, each direct. A
 * version is resolved as Maven would from what the tree holds: `${property}` from `<properties>`
 * (and the project's own coordinates), a missing version from `<dependencyManagement>`, both
 * through the parent POMs found in the tree. What is left unresolved (a parent POM or an imported
 * BOM outside the tree, a version range) is noted, not guessed.
 *
 * XML is parsed with fast-xml-parser: maintained, no native code, validates well-formedness with a
 * line number, and records each element's offset so a dependency has its line.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Package } from '../model.js';
import { mavenPurl } from '../purl.js';
import { LockfileError, isRecord, lineAt, mergeByPurl, type LockfileContext, type LockfileNote, type LockfileResult } from './common.js';

const LISTS = new Set(['project.dependencies.dependency', 'project.dependencyManagement.dependencies.dependency']);

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  captureMetaData: true,
  isArray: (_name, jpath) => LISTS.has(String(jpath)),
});
const META = XMLParser.getMetaDataSymbol() as unknown as string;

export interface PomCoordinates {
  groupId?: string;
  artifactId?: string;
  version?: string;
  parent?: { groupId?: string; artifactId?: string; version?: string; relativePath: string };
}

interface ParsedPom {
  project: Record<string, unknown>;
}

function parsePom(text: string, what = 'pom.xml'): ParsedPom {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new LockfileError(`not well-formed XML, so not a readable ${what}: ${valid.err.msg}`, valid.err.line);
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(text) as Record<string, unknown>;
  } catch (err) {
    // The parser stops at its own limits (elements nested too deeply, too many entities).
    throw new LockfileError(`cannot be read as a ${what}: ${(err as Error).message}`);
  }
  if (!isRecord(doc.project)) throw new LockfileError(`a ${what} has a <project> root element`, 1);
  return { project: doc.project };
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number') return String(value);
  return undefined;
}

/** A POM's own coordinates and its parent's, for the walker to find parent POMs in the tree. */
export function pomCoordinates(source: string): PomCoordinates {
  const { project } = parsePom(source);
  const parent = isRecord(project.parent) ? project.parent : undefined;
  return {
    groupId: text(project.groupId) ?? text(parent?.groupId),
    artifactId: text(project.artifactId),
    version: text(project.version) ?? text(parent?.version),
    parent: parent
      ? { groupId: text(parent.groupId), artifactId: text(parent.artifactId), version: text(parent.version), relativePath: text(parent.relativePath) ?? '../pom.xml' }
      : undefined,
  };
}

interface Layer {
  path: string;
  properties: Map<string, string>;
  managed: Map<string, string>;
  imports: string[];
}

/** What one POM contributes to resolution: its properties (with its coordinates) and managed versions. */
function layerOf(project: Record<string, unknown>, path: string): Layer {
  const properties = new Map<string, string>();
  const parent = isRecord(project.parent) ? project.parent : {};
  const coordinates: [string, string | undefined][] = [
    ['project.groupId', text(project.groupId) ?? text(parent.groupId)],
    ['project.artifactId', text(project.artifactId)],
    ['project.version', text(project.version) ?? text(parent.version)],
    ['project.parent.groupId', text(parent.groupId)],
    ['project.parent.artifactId', text(parent.artifactId)],
    ['project.parent.version', text(parent.version)],
  ];
  for (const [k, v] of coordinates)
    if (v !== undefined) {
      properties.set(k, v);
      // Maven 2's spellings, still accepted.
      if (k.startsWith('project.')) properties.set('pom.' + k.slice('project.'.length), v);
    }
  if (properties.has('project.version')) properties.set('version', properties.get('project.version')!);
  if (isRecord(project.properties)) for (const [k, v] of Object.entries(project.properties)) if (text(v) !== undefined) properties.set(k, text(v)!);
  const managed = new Map<string, string>();
  const imports: string[] = [];
  const dm = isRecord(project.dependencyManagement) && isRecord(project.dependencyManagement.dependencies) ? project.dependencyManagement.dependencies.dependency : undefined;
  if (Array.isArray(dm))
    for (const d of dm) {
      if (!isRecord(d)) continue;
      const key = `${text(d.groupId) ?? ''}:${text(d.artifactId) ?? ''}`;
      if (text(d.scope) === 'import') imports.push(`${key}:${text(d.version) ?? ''}`);
      else if (text(d.version) !== undefined) managed.set(key, text(d.version)!);
    }
  return { path, properties, managed, imports };
}

/** Substitutes `${name}` from the layers (the child first), up to 10 levels of properties naming properties. */
function interpolate(value: string, layers: Layer[]): { value: string; unresolved?: string } {
  let out = value;
  for (let depth = 0; depth < 10 && out.includes('${'); depth++) {
    let unresolved: string | undefined;
    out = out.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
      for (const layer of layers) {
        const v = layer.properties.get(name);
        if (v !== undefined) return v;
      }
      unresolved ??= name;
      return whole;
    });
    if (unresolved !== undefined) return { value: out, unresolved };
  }
  return out.includes('${') ? { value: out, unresolved: /\$\{([^}]+)\}/.exec(out)?.[1] } : { value: out };
}

export function readPom(source: string, path: string, context: LockfileContext = {}): LockfileResult {
  const { project } = parsePom(source);
  const notes: LockfileNote[] = [];
  const layers: Layer[] = [layerOf(project, path)];
  for (const parent of context.parentPoms ?? []) {
    try {
      layers.push(layerOf(parsePom(parent.text, `parent POM ${parent.path}`).project, parent.path));
    } catch (err) {
      notes.push({ message: `parent POM ${parent.path} cannot be read (${(err as Error).message}): versions it would give are not resolved` });
      break;
    }
  }
  const parent = isRecord(project.parent) ? project.parent : undefined;
  const parentName = parent ? `${text(parent.groupId) ?? '?'}:${text(parent.artifactId) ?? '?'}:${text(parent.version) ?? '?'}` : undefined;
  const parentOutside = parent !== undefined && (context.parentPoms ?? []).length === 0;
  const deps = isRecord(project.dependencies) ? project.dependencies.dependency : undefined;
  const packages: Package[] = [];
  for (const d of Array.isArray(deps) ? deps : []) {
    if (!isRecord(d)) continue;
    const meta = (d as Record<string, unknown>)[META] as { startIndex?: number } | undefined;
    const line = meta?.startIndex !== undefined ? lineAt(source, meta.startIndex) : undefined;
    const group = interpolate(text(d.groupId) ?? '', layers);
    const artifact = interpolate(text(d.artifactId) ?? '', layers);
    if (group.value === '' || artifact.value === '') throw new LockfileError('a <dependency> needs a groupId and an artifactId', line);
    const coordinate = `${group.value}:${artifact.value}`;
    let declared = text(d.version);
    if (declared === undefined) {
      declared = layers.map((l) => l.managed.get(coordinate) ?? l.managed.get(`${text(d.groupId)}:${text(d.artifactId)}`)).find((v) => v !== undefined);
      if (declared === undefined) {
        const boms = layers.flatMap((l) => l.imports);
        const why = parentOutside
          ? `managed by the parent POM ${parentName}, which is not in the tree`
          : boms.length > 0
            ? `perhaps managed by the imported BOM ${boms[0]}, which is not read`
            : 'no <version> and no <dependencyManagement> entry for it in the tree';
        notes.push({ line, message: `${coordinate}: version not resolved (${why}): left out` });
        continue;
      }
    }
    const version = interpolate(declared, layers);
    if (version.unresolved !== undefined) {
      const why = parentOutside ? `not in <properties> here; perhaps in the parent POM ${parentName}, which is not in the tree` : 'not defined in <properties> in the tree';
      notes.push({ line, message: `${coordinate}: version "${declared}" not resolved: property ${version.unresolved} ${why}; left out` });
      continue;
    }
    if (/^[[(]/.test(version.value)) {
      notes.push({ line, message: `${coordinate}: version range ${version.value}: what Maven resolves it to is not in the tree; left out` });
      continue;
    }
    const pkg: Package = {
      ecosystem: 'Maven',
      name: coordinate,
      version: version.value,
      purl: mavenPurl(group.value, artifact.value, version.value),
      locations: [{ path, line }],
      foundBy: 'pom',
      direct: true,
    };
    const scope = text(d.scope);
    if (scope === 'test') pkg.dev = true;
    if (text(d.optional) === 'true') pkg.optional = true;
    packages.push(pkg);
  }
  return { packages: mergeByPurl(packages), notes };
}
