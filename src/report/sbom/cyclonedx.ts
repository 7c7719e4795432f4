/**
 * CycloneDX 1.6 JSON (https://cyclonedx.org/docs/1.6/json/). One `library` component per package
 * with its purl as bom-ref, the operating system as an `operating-system` component, a
 * distribution package's source package as its pedigree ancestor, where each package was found as
 * evidence occurrences (file and line, and the image layer), development-only packages with scope
 * `excluded` and optional ones `optional`, and the dependency graph as far as the inventory knows it:
 * the subject depends on its top-level packages, each package on what its lockfile says it needs.
 */
import type { Inventory } from '../../packages/model.js';
import { compare, contentUuid, groupAndName, licenceChoice, orderedPackages, sbomTimestamp, topLevel, type SbomOptions, type SbomPackage, type SbomSubject } from './common.js';

type Json = Record<string, unknown>;

const SUBJECT_REF = 'kshield:subject';
const OS_REF = 'kshield:operating-system';

function subjectType(kind: SbomSubject['kind']): string {
  return kind === 'image' ? 'container' : kind === 'filesystem' ? 'platform' : 'application';
}

function licences(p: SbomPackage): Json[] | undefined {
  const choice = licenceChoice(p.licenses);
  // The schema takes either one expression or a list of licences, not both.
  if (choice.expression !== undefined && choice.names.length === 0) return [{ expression: choice.expression }];
  const all = [...(choice.expression !== undefined ? [choice.expression] : []), ...choice.names];
  return all.length > 0 ? all.map((name) => ({ license: { name } })) : undefined;
}

function component(p: SbomPackage): Json {
  const { group, name } = groupAndName(p);
  const c: Json = { type: 'library', 'bom-ref': p.purl };
  if (group !== undefined) c.group = group;
  c.name = name;
  c.version = p.version;
  if (p.dev) c.scope = 'excluded';
  else if (p.optional) c.scope = 'optional';
  const lic = licences(p);
  if (lic) c.licenses = lic;
  c.purl = p.purl;
  if (p.source && p.sourcePurl) {
    c.pedigree = { ancestors: [{ type: 'library', name: p.source.name, version: p.source.version, purl: p.sourcePurl }] };
  }
  const properties: { name: string; value: string }[] = [{ name: 'kshield:package:ecosystem', value: p.osvEcosystem ?? p.ecosystem }, { name: 'kshield:package:found-by', value: p.foundBy }];
  if (p.direct !== undefined) properties.push({ name: 'kshield:package:direct', value: String(p.direct) });
  if (p.source) properties.push({ name: 'kshield:package:source', value: `${p.source.name} ${p.source.version}` });
  if (p.goVersion) properties.push({ name: 'kshield:package:go-version', value: p.goVersion });
  c.properties = properties;
  if (p.locations.length > 0) {
    c.evidence = {
      occurrences: p.locations.map((loc) => {
        const o: Json = { location: loc.path };
        if (loc.line !== undefined) o.line = loc.line;
        if (loc.layer) o.additionalContext = `layer ${loc.layer.index} ${loc.layer.digest}`;
        return o;
      }),
    };
  }
  return c;
}

export function cycloneDxDocument(inventory: Inventory, subject: SbomSubject, options: SbomOptions): Json {
  const packages = orderedPackages(inventory);
  const root: Json = { type: subjectType(subject.kind), 'bom-ref': SUBJECT_REF, name: subject.name };
  if (subject.version) root.version = subject.version;
  if (subject.purl) root.purl = subject.purl;

  const components: Json[] = [];
  if (inventory.os) {
    const os: Json = { type: 'operating-system', 'bom-ref': OS_REF, name: inventory.os.id };
    if (inventory.os.versionId) os.version = inventory.os.versionId;
    if (inventory.os.prettyName) os.description = inventory.os.prettyName;
    components.push(os);
  }
  for (const p of packages) components.push(component(p));

  const dependencies: Json[] = [];
  const rootDeps = [...(inventory.os ? [OS_REF] : []), ...topLevel(packages).map((p) => p.purl)].sort(compare);
  dependencies.push({ ref: SUBJECT_REF, dependsOn: rootDeps });
  for (const p of packages) if (p.dependsOn) dependencies.push({ ref: p.purl, dependsOn: p.dependsOn });

  const body: Json = {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: '',
    version: 1,
    metadata: {
      timestamp: sbomTimestamp(options.timestamp),
      // Lockfiles describe what a build will fetch; an image or file system what was installed.
      lifecycles: [{ phase: subject.kind === 'source' ? 'pre-build' : 'post-build' }],
      tools: { components: [{ type: 'application', name: 'kshield', version: options.toolVersion }] },
      component: root,
    },
    components,
    dependencies,
  };
  // Derived from the content and the time, so a fixed timestamp gives a reproducible document and
  // two runs at different times give two serial numbers, as the specification asks.
  body.serialNumber = `urn:uuid:${contentUuid(JSON.stringify(body))}`;
  return body;
}
