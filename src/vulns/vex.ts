/**
 * VEX (Vulnerability Exploitability eXchange) statements: a supplier's word that a vulnerability
 * does or does not affect a product. Two formats are read:
 * - OpenVEX (https://github.com/openvex/spec): `statements[]` with `vulnerability` (`{name, aliases}`
 *   in v0.2.0, a plain id string in v0.0.1), `products[]` (`{"@id": purl, subcomponents: [...]}`, or
 *   strings in v0.0.1), `status` (not_affected, affected, fixed, under_investigation), `justification`.
 * - CycloneDX VEX (https://cyclonedx.org/capabilities/vex/): `vulnerabilities[]` with `id`,
 *   `analysis.state` (not_affected, false_positive, resolved, resolved_with_pedigree, exploitable,
 *   in_triage), `analysis.justification` and `affects[].ref` (a purl, or a `bom-ref` of `components`).
 *
 * A statement applies to a finding when it names the finding's vulnerability (its id or any alias)
 * and a product that is the package (package URLs compared by type, namespace and name; version
 * and qualifiers when the statement gives them). Statements that say "not affected", "fixed",
 * "false positive" or "resolved" take the finding out of the failing set; the others are recorded
 * on the finding. A statement that applies to no finding is reported: it may name a package the
 * scan did not find, or a vulnerability id the database spells differently.
 */
import { readFileSync, statSync } from 'node:fs';
import { parsePurl, type ParsedPurl } from '../packages/purl.js';

export type VexStatus = 'not_affected' | 'affected' | 'fixed' | 'under_investigation';

export interface VexStatement {
  /** The file and the statement's place in it: "vex.json statements[2]". */
  source: string;
  format: 'openvex' | 'cyclonedx';
  vulnerability: string;
  aliases: string[];
  /** Package URLs (products and their subcomponents) the statement is about. */
  products: string[];
  /** The status mapped to OpenVEX's four; `originalStatus` keeps the document's word. */
  status: VexStatus;
  originalStatus: string;
  justification?: string;
  /** The statement takes the finding out of the failing set. */
  suppresses: boolean;
}

export class VexError extends Error {}

const MAX_VEX_BYTES = 32 * 1024 * 1024;
const MAX_STATEMENTS = 100_000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const CYCLONEDX_STATUS: Record<string, VexStatus> = {
  not_affected: 'not_affected',
  false_positive: 'not_affected',
  resolved: 'fixed',
  resolved_with_pedigree: 'fixed',
  exploitable: 'affected',
  in_triage: 'under_investigation',
};
const OPENVEX_STATUS = new Set<VexStatus>(['not_affected', 'affected', 'fixed', 'under_investigation']);

function text(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new VexError(`${where} must be a non-empty string`);
  return value.trim();
}

function readOpenVex(doc: Record<string, unknown>, file: string): VexStatement[] {
  if (!Array.isArray(doc.statements)) throw new VexError(`${file}: an OpenVEX document needs a statements list`);
  if (doc.statements.length > MAX_STATEMENTS) throw new VexError(`${file}: more than ${MAX_STATEMENTS} statements`);
  return doc.statements.map((s, i) => {
    const where = `${file} statements[${i}]`;
    if (!isObject(s)) throw new VexError(`${where} must be an object`);
    let vulnerability: string;
    let aliases: string[] = [];
    if (typeof s.vulnerability === 'string') vulnerability = text(s.vulnerability, `${where}.vulnerability`);
    else if (isObject(s.vulnerability)) {
      vulnerability = text(s.vulnerability.name ?? s.vulnerability['@id'], `${where}.vulnerability.name`);
      if (Array.isArray(s.vulnerability.aliases)) aliases = s.vulnerability.aliases.map((a, j) => text(a, `${where}.vulnerability.aliases[${j}]`));
    } else throw new VexError(`${where}.vulnerability is missing`);
    const status = text(s.status, `${where}.status`);
    if (!OPENVEX_STATUS.has(status as VexStatus)) throw new VexError(`${where}.status "${status}" is not one of ${[...OPENVEX_STATUS].join(', ')}`);
    if (!Array.isArray(s.products) || s.products.length === 0) throw new VexError(`${where}.products must be a non-empty list`);
    const products: string[] = [];
    s.products.forEach((p, j) => {
      if (typeof p === 'string') products.push(text(p, `${where}.products[${j}]`));
      else if (isObject(p)) {
        const id = p['@id'] ?? (isObject(p.identifiers) ? p.identifiers.purl : undefined);
        if (id !== undefined) products.push(text(id, `${where}.products[${j}]["@id"]`));
        if (Array.isArray(p.subcomponents)) p.subcomponents.forEach((c, k) => products.push(text(isObject(c) ? (c['@id'] ?? (isObject(c.identifiers) ? c.identifiers.purl : undefined)) : c, `${where}.products[${j}].subcomponents[${k}]`)));
      } else throw new VexError(`${where}.products[${j}] must be a package URL or an object with "@id"`);
    });
    const justification = typeof s.justification === 'string' ? s.justification : typeof s.impact_statement === 'string' ? s.impact_statement : undefined;
    return { source: where, format: 'openvex', vulnerability, aliases, products, status: status as VexStatus, originalStatus: status, justification, suppresses: status === 'not_affected' || status === 'fixed' };
  });
}

function readCycloneDxVex(doc: Record<string, unknown>, file: string): VexStatement[] {
  if (!Array.isArray(doc.vulnerabilities)) throw new VexError(`${file}: a CycloneDX VEX document needs a vulnerabilities list`);
  if (doc.vulnerabilities.length > MAX_STATEMENTS) throw new VexError(`${file}: more than ${MAX_STATEMENTS} vulnerabilities`);
  // affects[].ref names a component by bom-ref; resolve those to the components' purls.
  const refs = new Map<string, string>();
  const walk = (components: unknown): void => {
    if (!Array.isArray(components)) return;
    for (const c of components) {
      if (!isObject(c)) continue;
      if (typeof c['bom-ref'] === 'string' && typeof c.purl === 'string') refs.set(c['bom-ref'], c.purl);
      walk(c.components);
    }
  };
  walk(doc.components);
  if (isObject(doc.metadata) && isObject(doc.metadata.component)) walk([doc.metadata.component]);
  return doc.vulnerabilities.map((v, i) => {
    const where = `${file} vulnerabilities[${i}]`;
    if (!isObject(v)) throw new VexError(`${where} must be an object`);
    const vulnerability = text(v.id, `${where}.id`);
    const aliases = Array.isArray(v.references) ? v.references.filter(isObject).map((r) => r.id).filter((id): id is string => typeof id === 'string') : [];
    if (!isObject(v.analysis)) throw new VexError(`${where}.analysis is missing: a VEX statement needs analysis.state`);
    const state = text(v.analysis.state, `${where}.analysis.state`);
    const status = CYCLONEDX_STATUS[state];
    if (!status) throw new VexError(`${where}.analysis.state "${state}" is not one of ${Object.keys(CYCLONEDX_STATUS).join(', ')}`);
    if (!Array.isArray(v.affects) || v.affects.length === 0) throw new VexError(`${where}.affects must be a non-empty list`);
    const products = v.affects.map((a, j) => {
      const ref = text(isObject(a) ? a.ref : undefined, `${where}.affects[${j}].ref`);
      return refs.get(ref) ?? ref;
    });
    const justification = typeof v.analysis.justification === 'string' ? v.analysis.justification : typeof v.analysis.detail === 'string' ? v.analysis.detail : undefined;
    return { source: where, format: 'cyclonedx', vulnerability, aliases, products, status, originalStatus: state, justification, suppresses: status === 'not_affected' || status === 'fixed' };
  });
}

/** Reads a VEX document (OpenVEX or CycloneDX, told apart by their own markers) from parsed JSON. */
export function readVex(json: unknown, file: string): VexStatement[] {
  if (!isObject(json)) throw new VexError(`${file}: a VEX document must be a JSON object`);
  if (typeof json['@context'] === 'string' && json['@context'].includes('openvex')) return readOpenVex(json, file);
  if (json.bomFormat === 'CycloneDX') return readCycloneDxVex(json, file);
  throw new VexError(`${file}: not an OpenVEX document ("@context" naming openvex) or a CycloneDX one ("bomFormat": "CycloneDX")`);
}

export function loadVexFile(file: string): VexStatement[] {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new VexError(`--vex ${file}: no such file`);
  }
  if (size > MAX_VEX_BYTES) throw new VexError(`--vex ${file}: ${size} bytes, over the ${MAX_VEX_BYTES}-byte limit`);
  const body = readFileSync(file, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    throw new VexError(`--vex ${file}: not valid JSON: ${(err as Error).message}`);
  }
  return readVex(json, file);
}

/** Purl types whose names are case-insensitive per the purl spec. */
const CASE_INSENSITIVE = new Set(['npm', 'pypi', 'github', 'bitbucket', 'deb', 'apk']);

/** A purl's type, namespace and name as compared: lower-cased where the type's names are case-insensitive. */
function identity(p: ParsedPurl): string {
  const id = `${p.type}\u0000${p.namespace ?? ''}\u0000${p.name}`;
  return CASE_INSENSITIVE.has(p.type) ? id.toLowerCase() : id;
}

/** Whether a statement's product purl names this package: same type, namespace, name; version and qualifiers when given. */
export function purlMatches(statementPurl: string, packagePurl: string): boolean {
  const s = parsePurl(statementPurl);
  const p = parsePurl(packagePurl);
  if (!s || !p) return false;
  if (identity(s) !== identity(p)) return false;
  if (s.version !== undefined && s.version !== p.version) return false;
  for (const [k, v] of Object.entries(s.qualifiers)) if (p.qualifiers[k] !== v) return false;
  return true;
}
