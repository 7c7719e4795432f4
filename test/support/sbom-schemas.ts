/**
 * Validators for the SBOMs kshield writes.
 *
 * CycloneDX 1.6: the published JSON schema as @cyclonedx/cyclonedx-library ships it (a
 * devDependency; Apache-2.0), with the two schemas it references (SPDX licence ids, JSON
 * signature format) registered under the names its `$ref`s use.
 *
 * SPDX 2.3: no package on the registries this project installs from ships the published SPDX
 * 2.3 JSON schema, so `SPDX_23_SCHEMA` below is written here from the SPDX 2.3 specification's
 * field definitions (clauses 6 document creation, 7 package, 10 other licensing information,
 * 11 relationships): each object's fields with their types, the required ones, the enumerations
 * (relationship types, package purposes, reference categories), the identifier and date
 * patterns, and no other fields. `spdxSemantics` adds what a schema cannot say: identifiers are
 * unique and every relationship names a defined one, licence fields are SPDX expressions whose
 * LicenseRefs are defined, the namespace is an absolute URI without a fragment.
 *
 * It was checked field by field against the published schema (spdx/spdx-spec
 * schemas/spdx-schema-2-3.json): on every field kshield writes it requires, enumerates and closes
 * (no other properties) at least what the published one does, and where the two spell an
 * enumeration value differently it takes the published spelling, since the SPDX maintainers
 * name that schema the authority for the JSON form (spdx/spdx-spec#813). It is stricter in
 * places (documentNamespace required as clause 6.5 says, the fixed version, data licence and
 * document id, date, identifier and creator patterns, non-empty names) and leaves out what
 * kshield never writes (files, snippets, reviews, licence cross references), so a document with
 * those is rejected here though the published schema would take it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import parseSpdx from 'spdx-expression-parse';

const require = createRequire(import.meta.url);
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

export interface Validator {
  validate: (data: unknown) => boolean;
  errors: () => string;
}

function wrap(compiled: ValidateFunction): Validator {
  return { validate: (data) => compiled(data) as boolean, errors: () => JSON.stringify(compiled.errors?.slice(0, 10), null, 2) };
}

export function cycloneDx16Validator(): Validator {
  const dir = path.join(path.dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')), 'res/schema');
  const load = (name: string): Record<string, unknown> => JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as Record<string, unknown>;
  // Strict mode, so no keyword of the schema is silently ignored; strictRequired is off because
  // the schema's oneOf branches require properties their parent object declares (valid draft-07).
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
  // The schema's one keyword of its own: names for enumeration values, an annotation that
  // constrains nothing.
  ajv.addKeyword('meta:enum');
  addFormats(ajv);
  // Formats the schema names that ajv-formats lacks: internationalised e-mail addresses and IRIs.
  ajv.addFormat('idn-email', /^[^\s@]+@[^\s@]+$/u);
  ajv.addFormat('iri-reference', /^\S*$/u);
  // The bom schema refers to its neighbours by their SNAPSHOT file names.
  for (const name of ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json', 'cryptography-defs.SNAPSHOT.schema.json']) ajv.addSchema({ ...load(name), $id: `http://cyclonedx.org/schema/${name}` });
  const bom = load('bom-1.6.SNAPSHOT.schema.json');
  if (bom.$id !== 'http://cyclonedx.org/schema/bom-1.6.schema.json') throw new Error(`not the CycloneDX 1.6 schema: ${String(bom.$id)}`);
  return wrap(ajv.compile(bom));
}

const DATE = '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z$';
const SPDX_ID = '^SPDXRef-[A-Za-z0-9.-]+$';
const ELEMENT_ID = '^(DocumentRef-[A-Za-z0-9.-]+:)?SPDXRef-[A-Za-z0-9.-]+$';
const str = { type: 'string' } as const;
const strings = { type: 'array', items: str } as const;

/** SPDX 2.3 clause 11.1's relationship types. */
const RELATIONSHIP_TYPES = [
  'DESCRIBES', 'DESCRIBED_BY', 'CONTAINS', 'CONTAINED_BY', 'DEPENDS_ON', 'DEPENDENCY_OF', 'DEPENDENCY_MANIFEST_OF', 'BUILD_DEPENDENCY_OF',
  'DEV_DEPENDENCY_OF', 'OPTIONAL_DEPENDENCY_OF', 'PROVIDED_DEPENDENCY_OF', 'TEST_DEPENDENCY_OF', 'RUNTIME_DEPENDENCY_OF', 'EXAMPLE_OF',
  'GENERATES', 'GENERATED_FROM', 'ANCESTOR_OF', 'DESCENDANT_OF', 'VARIANT_OF', 'DISTRIBUTION_ARTIFACT', 'PATCH_FOR', 'PATCH_APPLIED',
  'COPY_OF', 'FILE_ADDED', 'FILE_DELETED', 'FILE_MODIFIED', 'EXPANDED_FROM_ARCHIVE', 'DYNAMIC_LINK', 'STATIC_LINK', 'DATA_FILE_OF',
  'TEST_CASE_OF', 'BUILD_TOOL_OF', 'DEV_TOOL_OF', 'TEST_OF', 'TEST_TOOL_OF', 'DOCUMENTATION_OF', 'OPTIONAL_COMPONENT_OF', 'METAFILE_OF',
  'PACKAGE_OF', 'AMENDS', 'PREREQUISITE_FOR', 'HAS_PREREQUISITE', 'REQUIREMENT_DESCRIPTION_FOR', 'SPECIFICATION_FOR', 'OTHER',
];
/**
 * Clause 7.24's primary package purposes, spelled as the published JSON schema spells them: the
 * clause's OPERATING-SYSTEM is OPERATING_SYSTEM in JSON, and the hyphenated form is invalid there.
 */
const PURPOSES = ['APPLICATION', 'FRAMEWORK', 'LIBRARY', 'CONTAINER', 'OPERATING_SYSTEM', 'DEVICE', 'FIRMWARE', 'SOURCE', 'ARCHIVE', 'FILE', 'INSTALL', 'OTHER'];
/**
 * Clause 7.21's external reference categories. Some producers write two of them with `_`
 * (PACKAGE_MANAGER, PERSISTENT_ID); the published 2.3 schema takes only the hyphenated forms.
 */
const REFERENCE_CATEGORIES = ['SECURITY', 'PACKAGE-MANAGER', 'PERSISTENT-ID', 'OTHER'];
const CHECKSUM_ALGORITHMS = ['SHA1', 'SHA224', 'SHA256', 'SHA384', 'SHA512', 'SHA3-256', 'SHA3-384', 'SHA3-512', 'BLAKE2b-256', 'BLAKE2b-384', 'BLAKE2b-512', 'BLAKE3', 'MD2', 'MD4', 'MD5', 'MD6', 'ADLER32'];

const checksum = {
  type: 'object',
  required: ['algorithm', 'checksumValue'],
  additionalProperties: false,
  properties: { algorithm: { enum: CHECKSUM_ALGORITHMS }, checksumValue: { type: 'string', pattern: '^[0-9a-fA-F]+$' } },
};
const annotation = {
  type: 'object',
  required: ['annotationDate', 'annotationType', 'annotator', 'comment'],
  additionalProperties: false,
  properties: { annotationDate: { type: 'string', pattern: DATE }, annotationType: { enum: ['REVIEW', 'OTHER'] }, annotator: str, comment: str },
};

export const SPDX_23_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'urn:kshield:test:spdx-2.3-document',
  type: 'object',
  required: ['spdxVersion', 'dataLicense', 'SPDXID', 'name', 'documentNamespace', 'creationInfo'],
  additionalProperties: false,
  properties: {
    spdxVersion: { const: 'SPDX-2.3' },
    dataLicense: { const: 'CC0-1.0' },
    SPDXID: { const: 'SPDXRef-DOCUMENT' },
    name: str,
    documentNamespace: str,
    comment: str,
    externalDocumentRefs: {
      type: 'array',
      items: {
        type: 'object',
        required: ['externalDocumentId', 'spdxDocument', 'checksum'],
        additionalProperties: false,
        properties: { externalDocumentId: { type: 'string', pattern: '^DocumentRef-[A-Za-z0-9.-]+$' }, spdxDocument: str, checksum },
      },
    },
    creationInfo: {
      type: 'object',
      required: ['created', 'creators'],
      additionalProperties: false,
      properties: {
        created: { type: 'string', pattern: DATE },
        creators: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^(Person|Organization|Tool): .+' } },
        licenseListVersion: { type: 'string', pattern: '^[0-9]+\\.[0-9]+$' },
        comment: str,
      },
    },
    documentDescribes: strings,
    packages: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'SPDXID', 'downloadLocation'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1 },
          SPDXID: { type: 'string', pattern: SPDX_ID },
          versionInfo: str,
          packageFileName: str,
          supplier: { type: 'string', pattern: '^(NOASSERTION|(Person|Organization): .+)$' },
          originator: { type: 'string', pattern: '^(NOASSERTION|(Person|Organization): .+)$' },
          downloadLocation: { type: 'string', minLength: 1 },
          filesAnalyzed: { type: 'boolean' },
          packageVerificationCode: {
            type: 'object',
            required: ['packageVerificationCodeValue'],
            additionalProperties: false,
            properties: { packageVerificationCodeValue: str, packageVerificationCodeExcludedFiles: strings },
          },
          checksums: { type: 'array', items: checksum },
          homepage: str,
          sourceInfo: str,
          licenseConcluded: str,
          licenseInfoFromFiles: strings,
          licenseDeclared: str,
          licenseComments: str,
          copyrightText: str,
          summary: str,
          description: str,
          comment: str,
          externalRefs: {
            type: 'array',
            items: {
              type: 'object',
              required: ['referenceCategory', 'referenceType', 'referenceLocator'],
              additionalProperties: false,
              properties: { referenceCategory: { enum: REFERENCE_CATEGORIES }, referenceType: str, referenceLocator: { type: 'string', pattern: '^\\S+$' }, comment: str },
            },
          },
          attributionTexts: strings,
          primaryPackagePurpose: { enum: PURPOSES },
          releaseDate: { type: 'string', pattern: DATE },
          builtDate: { type: 'string', pattern: DATE },
          validUntilDate: { type: 'string', pattern: DATE },
          annotations: { type: 'array', items: annotation },
          hasFiles: strings,
        },
      },
    },
    relationships: {
      type: 'array',
      items: {
        type: 'object',
        required: ['spdxElementId', 'relationshipType', 'relatedSpdxElement'],
        additionalProperties: false,
        properties: {
          spdxElementId: { type: 'string', pattern: ELEMENT_ID },
          relationshipType: { enum: RELATIONSHIP_TYPES },
          relatedSpdxElement: { type: 'string', pattern: '^((DocumentRef-[A-Za-z0-9.-]+:)?SPDXRef-[A-Za-z0-9.-]+|NONE|NOASSERTION)$' },
          comment: str,
        },
      },
    },
    hasExtractedLicensingInfos: {
      type: 'array',
      items: {
        type: 'object',
        required: ['licenseId', 'extractedText'],
        additionalProperties: false,
        properties: { licenseId: { type: 'string', pattern: '^LicenseRef-[A-Za-z0-9.-]+$' }, extractedText: { type: 'string', minLength: 1 }, name: str, comment: str, seeAlsos: strings },
      },
    },
    annotations: { type: 'array', items: annotation },
  },
};

export function spdx23Validator(): Validator {
  const ajv = new Ajv({ allErrors: true, strict: true });
  return wrap(ajv.compile(SPDX_23_SCHEMA));
}

/** What the SPDX 2.3 specification requires beyond the shape: the problems found, none when valid. */
export function spdxSemantics(doc: {
  documentNamespace: string;
  packages?: { SPDXID: string; licenseDeclared?: string; licenseConcluded?: string }[];
  relationships?: { spdxElementId: string; relatedSpdxElement: string }[];
  hasExtractedLicensingInfos?: { licenseId: string }[];
}): string[] {
  const problems: string[] = [];
  // Clause 6.5: an absolute URI, unique, with no "#".
  if (!/^[a-z][a-z0-9+.-]*:[^\s#]+$/i.test(doc.documentNamespace)) problems.push(`documentNamespace ${doc.documentNamespace} is not an absolute URI without "#"`);
  const ids = new Set<string>(['SPDXRef-DOCUMENT']);
  for (const p of doc.packages ?? []) {
    if (ids.has(p.SPDXID)) problems.push(`SPDXID ${p.SPDXID} is used twice`);
    ids.add(p.SPDXID);
  }
  for (const r of doc.relationships ?? [])
    for (const id of [r.spdxElementId, r.relatedSpdxElement]) if (!ids.has(id) && id !== 'NONE' && id !== 'NOASSERTION') problems.push(`relationship names ${id}, which is not defined`);
  const refs = new Set((doc.hasExtractedLicensingInfos ?? []).map((e) => e.licenseId));
  for (const p of doc.packages ?? [])
    for (const field of ['licenseDeclared', 'licenseConcluded'] as const) {
      const value = p[field];
      if (value === undefined || value === 'NOASSERTION' || value === 'NONE') continue;
      try {
        parseSpdx(value);
      } catch {
        problems.push(`${p.SPDXID} ${field} "${value}" is not an SPDX licence expression`);
        continue;
      }
      for (const ref of value.match(/LicenseRef-[A-Za-z0-9.-]+/g) ?? []) if (!refs.has(ref)) problems.push(`${p.SPDXID} ${field} uses ${ref}, which hasExtractedLicensingInfos does not define`);
    }
  return problems;
}
