/**
 * What every alert decoder shares: field checks that throw AlertInputError (the whole body is
 * refused, nothing is acted on), the alert id, the priority names, the mapping of Falco's output
 * fields to the alert's target and destination, and redaction of the free text.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { redactSecretsInText } from '../../../core/redact.js';
import { ALERT_PRIORITIES, AlertInputError, type AlertFieldValue, type AlertPriority, type AlertSource, type RuntimeAlert } from '../../alert.js';
import { mitreFromTags } from '../../mitre.js';

/** Most alerts one body may carry (a generic batch); Falco posts one per request. */
export const MAX_ALERTS_PER_BODY = 100;
const MAX_TEXT = 4096;
const MAX_FIELDS = 256;
const MAX_TAGS = 64;

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function fail(message: string): never {
  throw new AlertInputError(message);
}

export function requireString(body: JsonRecord, key: string, where: string, max = MAX_TEXT): string {
  const v = body[key];
  if (typeof v !== 'string' || v.trim() === '') fail(`${where}${key}: required, a non-empty string`);
  if (v.length > max) fail(`${where}${key}: longer than ${max} characters`);
  return v;
}

export function optionalString(body: JsonRecord, key: string, where: string, max = MAX_TEXT): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail(`${where}${key}: must be a string`);
  if (v.length > max) fail(`${where}${key}: longer than ${max} characters`);
  return v;
}

/** Falco writes priorities capitalised ("Warning"); "info" and "warn" are accepted as the syslog short forms. */
export function parsePriority(value: unknown, where: string): AlertPriority {
  if (typeof value !== 'string') fail(`${where}priority: required, one of ${ALERT_PRIORITIES.join(', ')}`);
  const lower = value.trim().toLowerCase();
  const alias: Record<string, AlertPriority> = { info: 'informational', warn: 'warning', err: 'error', crit: 'critical', emerg: 'emergency' };
  const p = (ALERT_PRIORITIES as readonly string[]).includes(lower) ? (lower as AlertPriority) : alias[lower];
  if (!p) fail(`${where}priority: "${value.slice(0, 40)}" is not one of ${ALERT_PRIORITIES.join(', ')}`);
  return p;
}

/** The sender's time as ISO 8601 (Falco writes nanoseconds; kept as written when it parses), else the time received. */
export function parseTime(value: unknown, where: string, receivedAt: Date): string {
  if (value === undefined || value === null) return receivedAt.toISOString();
  if (typeof value !== 'string' || value.length > 64 || !/^\d{4}-\d{2}-\d{2}T/.test(value) || !Number.isFinite(Date.parse(value))) fail(`${where}time: must be an ISO 8601 date-time such as 2026-01-30T12:00:00.000000000Z`);
  return value;
}

export function parseTags(value: unknown, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((t) => typeof t !== 'string' || t.length > 200)) fail(`${where}tags: must be a list of strings`);
  if (value.length > MAX_TAGS) fail(`${where}tags: more than ${MAX_TAGS}`);
  return value as string[];
}

/** output_fields: scalar values (a list of scalars is joined with ","); a nested object refuses the body. */
export function parseFields(value: unknown, where: string, key = 'output_fields'): Record<string, AlertFieldValue> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) fail(`${where}${key}: must be an object of field names to values`);
  const entries = Object.entries(value);
  if (entries.length > MAX_FIELDS) fail(`${where}${key}: more than ${MAX_FIELDS} fields`);
  const out: Record<string, AlertFieldValue> = {};
  for (const [k, v] of entries) {
    if (k.length > 200) fail(`${where}${key}: a field name is longer than 200 characters`);
    if (v === null || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) out[k] = v;
    else if (typeof v === 'string') out[k] = v.length > MAX_TEXT ? v.slice(0, MAX_TEXT) : v;
    else if (Array.isArray(v) && v.every((x) => x === null || ['string', 'number', 'boolean'].includes(typeof x))) out[k] = v.join(',').slice(0, MAX_TEXT);
    else fail(`${where}${key}.${k}: must be a string, number, boolean or null`);
  }
  return out;
}

function text(fields: Record<string, AlertFieldValue>, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = fields[n];
    // Falco prints a field it could not resolve as "<NA>" (or null in JSON).
    if (typeof v === 'string' && v !== '' && v !== '<NA>') return v;
    if (typeof v === 'number') return String(v);
  }
  return undefined;
}

function port(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,5}$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/**
 * The pod from Falco's Kubernetes fields (`k8s.*` from the container runtime's labels, or the
 * k8smeta plugin's `k8smeta.*`), the container from `container.*`, the node from the sender's
 * hostname (Falco's DaemonSet sets it to the node name).
 */
export function targetFromFields(fields: Record<string, AlertFieldValue>, hostname?: string): RuntimeAlert['target'] {
  const target: NonNullable<RuntimeAlert['target']> = {};
  const namespace = text(fields, 'k8s.ns.name', 'k8smeta.ns.name');
  const pod = text(fields, 'k8s.pod.name', 'k8smeta.pod.name');
  const container = text(fields, 'container.name');
  const containerId = text(fields, 'container.id');
  const node = text(fields, 'k8s.node.name', 'k8smeta.node.name') ?? (hostname && hostname !== '<NA>' ? hostname : undefined);
  if (namespace) target.namespace = namespace;
  if (pod) target.pod = pod;
  if (container) target.container = container;
  // "host" is Falco's container.id for events outside any container.
  if (containerId && containerId !== 'host') target.containerId = containerId;
  if (node) target.node = node;
  return Object.keys(target).length ? target : undefined;
}

/**
 * The remote end: `fd.rip`/`fd.rport` (the peer of the process's socket) when present, else the
 * server end `fd.sip`/`fd.sport` (for an outbound connection they are the same address). Only a
 * real IP address is taken; `fd.l4proto` gives TCP or UDP.
 */
export function destinationFromFields(fields: Record<string, AlertFieldValue>): RuntimeAlert['destination'] {
  const rip = text(fields, 'fd.rip');
  const [ip, p] = rip !== undefined && isIP(rip) ? [rip, text(fields, 'fd.rport')] : [text(fields, 'fd.sip'), text(fields, 'fd.sport')];
  if (ip === undefined || isIP(ip) === 0) return undefined;
  const destination: NonNullable<RuntimeAlert['destination']> = { ip };
  const portNumber = port(p);
  if (portNumber !== undefined) destination.port = portNumber;
  const proto = text(fields, 'fd.l4proto')?.toLowerCase();
  if (proto === 'tcp' || proto === 'udp' || proto === 'sctp') destination.protocol = proto.toUpperCase() as 'TCP' | 'UDP' | 'SCTP';
  return destination;
}

/** A hash of what makes the alert this alert: two posts of the same event get the same id. */
export function alertId(source: AlertSource, rule: string, time: string, target: RuntimeAlert['target'], output: string): string {
  const h = createHash('sha256');
  for (const part of [source, rule, time, target?.namespace ?? '', target?.pod ?? '', target?.containerId ?? '', output]) h.update(part).update('\u0000');
  return h.digest('hex').slice(0, 20);
}

export function buildAlert(parts: Omit<RuntimeAlert, 'id' | 'mitre' | 'output'> & { output: string; extraTechniques?: string[] }): RuntimeAlert {
  const output = redactSecretsInText(parts.output.length > MAX_TEXT ? parts.output.slice(0, MAX_TEXT) : parts.output);
  const alert: RuntimeAlert = {
    id: alertId(parts.source, parts.rule, parts.time, parts.target, output),
    source: parts.source,
    rule: parts.rule,
    priority: parts.priority,
    time: parts.time,
    output,
    tags: parts.tags,
    fields: parts.fields,
  };
  if (parts.target) alert.target = parts.target;
  if (parts.destination) alert.destination = parts.destination;
  const mitre = mitreFromTags(parts.tags, parts.extraTechniques);
  if (mitre) alert.mitre = mitre;
  return alert;
}
