/**
 * OSV records (the Open Source Vulnerability schema, https://ossf.github.io/osv-schema/): the types
 * kshield reads, and a reader that checks the fields matching depends on and keeps only those
 * (`details`, `references`, `credits`, `database_specific` and `ecosystem_specific` are dropped:
 * matching ignores them, and the local index stays small).
 */

export type OsvRangeType = 'ECOSYSTEM' | 'SEMVER' | 'GIT';

/** One event of a range: exactly one key is set. */
export interface OsvEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
  limit?: string;
}

export interface OsvRange {
  type: OsvRangeType | string;
  repo?: string;
  events: OsvEvent[];
}

export interface OsvSeverity {
  /** CVSS_V2, CVSS_V3, CVSS_V4 or Ubuntu. */
  type: string;
  score: string;
}

export interface OsvAffected {
  package?: { ecosystem: string; name: string; purl?: string };
  severity?: OsvSeverity[];
  ranges?: OsvRange[];
  versions?: string[];
}

export interface OsvRecord {
  id: string;
  modified: string;
  published?: string;
  withdrawn?: string;
  aliases?: string[];
  /** Records this one was derived from (OSV 1.6.2+): a distribution's record of an upstream CVE. */
  upstream?: string[];
  summary?: string;
  severity?: OsvSeverity[];
  affected?: OsvAffected[];
}

/** Limits on what one record may hold: a record over them is refused with a message, not read. */
const MAX_ID = 200;
const MAX_LIST = 10_000;
const MAX_SUMMARY = 300;

export class OsvRecordError extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(value: unknown, where: string, max = 1000): string {
  if (typeof value !== 'string' || value.length === 0) throw new OsvRecordError(`${where} must be a non-empty string`);
  if (value.length > max) throw new OsvRecordError(`${where} is longer than ${max} characters`);
  return value;
}

function optStr(value: unknown, where: string, max = 1000): string | undefined {
  return value === undefined || value === null ? undefined : str(value, where, max);
}

function strings(value: unknown, where: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new OsvRecordError(`${where} must be a list of strings`);
  if (value.length > MAX_LIST) throw new OsvRecordError(`${where} has more than ${MAX_LIST} entries`);
  return value.map((v, i) => str(v, `${where}[${i}]`));
}

function severities(value: unknown, where: string): OsvSeverity[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new OsvRecordError(`${where} must be a list`);
  return value.map((s, i) => {
    if (!isObject(s)) throw new OsvRecordError(`${where}[${i}] must be an object`);
    return { type: str(s.type, `${where}[${i}].type`), score: str(s.score, `${where}[${i}].score`) };
  });
}

const EVENT_KEYS = ['introduced', 'fixed', 'last_affected', 'limit'] as const;

function range(value: unknown, where: string): OsvRange {
  if (!isObject(value)) throw new OsvRecordError(`${where} must be an object`);
  const type = str(value.type, `${where}.type`);
  if (!Array.isArray(value.events) || value.events.length === 0) throw new OsvRecordError(`${where}.events must be a non-empty list`);
  if (value.events.length > MAX_LIST) throw new OsvRecordError(`${where}.events has more than ${MAX_LIST} entries`);
  const events = value.events.map((e, i): OsvEvent => {
    if (!isObject(e)) throw new OsvRecordError(`${where}.events[${i}] must be an object`);
    const keys = EVENT_KEYS.filter((k) => e[k] !== undefined);
    if (keys.length !== 1) throw new OsvRecordError(`${where}.events[${i}] must have exactly one of introduced, fixed, last_affected, limit`);
    return { [keys[0]]: str(e[keys[0]], `${where}.events[${i}].${keys[0]}`) };
  });
  if (!events.some((e) => e.introduced !== undefined)) throw new OsvRecordError(`${where}.events has no introduced event`);
  return { type, repo: optStr(value.repo, `${where}.repo`, 2000), events };
}

/**
 * Reads one OSV record from parsed JSON, keeping what matching and reports use. `ecosystems`: keep
 * only affected entries whose package ecosystem (without its release) is one of these.
 */
export function readOsvRecord(json: unknown, ecosystems?: ReadonlySet<string>): OsvRecord {
  if (!isObject(json)) throw new OsvRecordError('an OSV record must be a JSON object');
  const id = str(json.id, 'id', MAX_ID);
  const record: OsvRecord = { id, modified: str(json.modified, 'modified', 64) };
  const published = optStr(json.published, 'published', 64);
  if (published) record.published = published;
  const withdrawn = optStr(json.withdrawn, 'withdrawn', 64);
  if (withdrawn) record.withdrawn = withdrawn;
  const aliases = strings(json.aliases, 'aliases');
  if (aliases?.length) record.aliases = aliases;
  const upstream = strings(json.upstream, 'upstream');
  if (upstream?.length) record.upstream = upstream;
  if (typeof json.summary === 'string' && json.summary.length > 0) record.summary = json.summary.length > MAX_SUMMARY ? `${json.summary.slice(0, MAX_SUMMARY - 1)}…` : json.summary;
  const severity = severities(json.severity, 'severity');
  if (severity?.length) record.severity = severity;
  if (json.affected !== undefined && json.affected !== null) {
    if (!Array.isArray(json.affected)) throw new OsvRecordError('affected must be a list');
    if (json.affected.length > MAX_LIST) throw new OsvRecordError(`affected has more than ${MAX_LIST} entries`);
    const affected: OsvAffected[] = [];
    json.affected.forEach((a, i) => {
      const where = `affected[${i}]`;
      if (!isObject(a)) throw new OsvRecordError(`${where} must be an object`);
      if (!isObject(a.package)) return; // affected entries without a package name a commit range only: nothing to match a package against
      const pkg = { ecosystem: str(a.package.ecosystem, `${where}.package.ecosystem`), name: str(a.package.name, `${where}.package.name`) };
      if (ecosystems && !ecosystems.has(baseOf(pkg.ecosystem))) return;
      const entry: OsvAffected = { package: pkg };
      const sev = severities(a.severity, `${where}.severity`);
      if (sev?.length) entry.severity = sev;
      if (a.ranges !== undefined && a.ranges !== null) {
        if (!Array.isArray(a.ranges)) throw new OsvRecordError(`${where}.ranges must be a list`);
        entry.ranges = a.ranges.map((r, j) => range(r, `${where}.ranges[${j}]`));
      }
      const versions = strings(a.versions, `${where}.versions`);
      if (versions?.length) entry.versions = versions;
      affected.push(entry);
    });
    if (affected.length > 0) record.affected = affected;
  }
  return record;
}

function baseOf(ecosystem: string): string {
  const colon = ecosystem.indexOf(':');
  return colon < 0 ? ecosystem : ecosystem.slice(0, colon);
}
