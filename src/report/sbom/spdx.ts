/**
 * SPDX 2.3 JSON (https://spdx.github.io/spdx-spec/v2.3/). The document DESCRIBES one package for
 * the subject; every inventory package is an SPDX package with its purl as a PACKAGE-MANAGER
 * external reference. Relationships: a source tree DEPENDS_ON its top-level packages (development
 * ones are DEV_DEPENDENCY_OF it, optional ones OPTIONAL_DEPENDENCY_OF it), an image or file system
 * CONTAINS its packages and operating system, a package DEPENDS_ON what its lockfile says it
 * needs, and a distribution package is GENERATED_FROM its source package (listed as a SOURCE
 * package). Declared licences that are SPDX expressions go in licenseDeclared as they are; free-text
 * ones become LicenseRef- identifiers with the text as extracted licensing information.
 */
import { createHash } from 'node:crypto';
import type { Inventory } from '../../packages/model.js';
import { parsePurl } from '../../packages/purl.js';
import { compare, contentUuid, describeLocation, licenceChoice, orderedPackages, sbomTimestamp, topLevel, type SbomOptions, type SbomPackage, type SbomSubject } from './common.js';

type Json = Record<string, unknown>;

const DOCUMENT_ID = 'SPDXRef-DOCUMENT';
const SUBJECT_ID = 'SPDXRef-Subject';
const OS_ID = 'SPDXRef-OperatingSystem';
const NOASSERTION = 'NOASSERTION';

/** Characters SPDX identifiers allow: letters, digits, `.` and `-`. */
function idPart(text: string): string {
  return text.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'x';
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

const ids = new Map<string, string>();

/** A stable, unique SPDX identifier for a purl: readable parts and a hash of the whole (memoised: relationships name each package many times). */
function packageId(purl: string): string {
  let id = ids.get(purl);
  if (id === undefined) {
    if (ids.size > 100_000) ids.clear();
    id = makePackageId(purl);
    ids.set(purl, id);
  }
  return id;
}

function makePackageId(purl: string): string {
  const p = parsePurl(purl);
  const name = p ? [p.namespace, p.name].filter(Boolean).join('/') : purl;
  return `SPDXRef-Package-${idPart(p?.type ?? 'unknown')}-${idPart(name)}-${shortHash(purl)}`;
}

/**
 * The JSON spelling of clause 7.24's OPERATING-SYSTEM purpose. The clause (written for tag-value)
 * has a hyphen, but the published SPDX 2.3 JSON schema, which the SPDX maintainers call the only
 * authority for the JSON form (spdx/spdx-spec#813), allows only the underscore, and parsers that
 * follow it (spdx-rs, NexusIQ) reject the hyphen.
 */
const OPERATING_SYSTEM_PURPOSE = 'OPERATING_SYSTEM';

function subjectPurpose(kind: SbomSubject['kind']): string {
  return kind === 'image' ? 'CONTAINER' : kind === 'filesystem' ? OPERATING_SYSTEM_PURPOSE : 'SOURCE';
}

export function spdxDocument(inventory: Inventory, subject: SbomSubject, options: SbomOptions): Json {
  const packages = orderedPackages(inventory);
  const extracted = new Map<string, string>();
  const licenceRef = (name: string): string => {
    const id = `LicenseRef-${idPart(name)}-${shortHash(name).slice(0, 8)}`;
    extracted.set(id, name);
    return id;
  };
  const declared = (p: SbomPackage): string => {
    const choice = licenceChoice(p.licenses);
    const parts = [...(choice.expression !== undefined ? [choice.expression] : []), ...choice.names.map(licenceRef)];
    if (parts.length === 0) return NOASSERTION;
    return parts.length === 1 ? parts[0] : parts.map((x) => (/\s/.test(x) ? `(${x})` : x)).join(' AND ');
  };

  const rootPackage: Json = {
    name: subject.name,
    SPDXID: SUBJECT_ID,
    ...(subject.version ? { versionInfo: subject.version } : {}),
    downloadLocation: NOASSERTION,
    filesAnalyzed: false,
    licenseConcluded: NOASSERTION,
    licenseDeclared: NOASSERTION,
    copyrightText: NOASSERTION,
    primaryPackagePurpose: subjectPurpose(subject.kind),
    ...(subject.purl ? { externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: subject.purl }] } : {}),
  };
  const spdxPackages: Json[] = [rootPackage];
  const relationships: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[] = [];
  const relate = (from: string, type: string, to: string): void => {
    relationships.push({ spdxElementId: from, relationshipType: type, relatedSpdxElement: to });
  };
  relate(DOCUMENT_ID, 'DESCRIBES', SUBJECT_ID);
  const contains = subject.kind !== 'source';

  if (inventory.os) {
    spdxPackages.push({
      name: inventory.os.id,
      SPDXID: OS_ID,
      ...(inventory.os.versionId ? { versionInfo: inventory.os.versionId } : {}),
      downloadLocation: NOASSERTION,
      filesAnalyzed: false,
      licenseConcluded: NOASSERTION,
      licenseDeclared: NOASSERTION,
      copyrightText: NOASSERTION,
      primaryPackagePurpose: OPERATING_SYSTEM_PURPOSE,
      ...(inventory.os.prettyName ? { description: inventory.os.prettyName } : {}),
    });
    relate(SUBJECT_ID, contains ? 'CONTAINS' : 'DEPENDS_ON', OS_ID);
  }

  const sources = new Map<string, { name: string; version: string }>();
  for (const p of packages) {
    const id = packageId(p.purl);
    const pkg: Json = {
      name: p.name,
      SPDXID: id,
      versionInfo: p.version,
      downloadLocation: NOASSERTION,
      filesAnalyzed: false,
      licenseConcluded: NOASSERTION,
      licenseDeclared: declared(p),
      copyrightText: NOASSERTION,
      externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: p.purl }],
      primaryPackagePurpose: 'LIBRARY',
    };
    if (p.source) pkg.sourceInfo = `built from the ${p.ecosystem} source package ${p.source.name} ${p.source.version}`;
    const found = p.locations.map(describeLocation);
    if (found.length > 0) pkg.comment = `found by ${p.foundBy} in ${found.join(', ')}`;
    spdxPackages.push(pkg);
    if (p.sourcePurl && p.source) {
      sources.set(p.sourcePurl, p.source);
      relate(id, 'GENERATED_FROM', packageId(p.sourcePurl));
    }
    for (const dep of p.dependsOn ?? []) relate(id, 'DEPENDS_ON', packageId(dep));
  }
  for (const p of topLevel(packages)) {
    const id = packageId(p.purl);
    if (contains) relate(SUBJECT_ID, 'CONTAINS', id);
    else if (p.dev) relate(id, 'DEV_DEPENDENCY_OF', SUBJECT_ID);
    else if (p.optional) relate(id, 'OPTIONAL_DEPENDENCY_OF', SUBJECT_ID);
    else relate(SUBJECT_ID, 'DEPENDS_ON', id);
  }
  // An image or file system contains every package, transitive ones included.
  if (contains) for (const p of packages) if (p.direct === false) relate(SUBJECT_ID, 'CONTAINS', packageId(p.purl));
  for (const [purl, source] of [...sources].sort((a, b) => compare(a[0], b[0]))) {
    spdxPackages.push({
      name: source.name,
      SPDXID: packageId(purl),
      versionInfo: source.version,
      downloadLocation: NOASSERTION,
      filesAnalyzed: false,
      licenseConcluded: NOASSERTION,
      licenseDeclared: NOASSERTION,
      copyrightText: NOASSERTION,
      externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: purl }],
      primaryPackagePurpose: 'SOURCE',
    });
  }
  relationships.sort((a, b) => compare(a.spdxElementId, b.spdxElementId) || compare(a.relationshipType, b.relationshipType) || compare(a.relatedSpdxElement, b.relatedSpdxElement));

  const doc: Json = {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: DOCUMENT_ID,
    name: `${subject.kind === 'image' ? 'image' : subject.kind === 'filesystem' ? 'filesystem' : 'source'} ${subject.name}`,
    documentNamespace: '',
    creationInfo: { created: sbomTimestamp(options.timestamp), creators: [`Tool: kshield-${options.toolVersion}`] },
    packages: spdxPackages,
    relationships,
  };
  if (extracted.size > 0)
    doc.hasExtractedLicensingInfos = [...extracted]
      .sort((a, b) => compare(a[0], b[0]))
      .map(([licenseId, name]) => ({ licenseId, name, extractedText: name, comment: 'the licence as the package declares it; not an SPDX licence identifier' }));
  // Unique per document (SPDX 2.3 section 6.5), derived from the content and the creation time.
  doc.documentNamespace = `urn:uuid:${contentUuid(JSON.stringify(doc))}`;
  return doc;
}
