/**
 * The API server's audit webhook as an alert source: an `audit.k8s.io/v1` EventList (what the
 * webhook backend posts, a batch of events) is checked whole, each Event of a request's last stage
 * is judged by the audit rules (src/rules/audit/) with the normal engine, and each (request, rule)
 * that fires becomes one RuntimeAlert.
 *
 * One request, one judgement: the API server records a request at several stages, each with the
 * same auditID; the rules judge only ResponseComplete and Panic (every request ends with exactly one
 * of them), and the decoder drops an auditID it has already judged, within a body and across bodies
 * (the webhook backend retries a batch it could not deliver), remembering the last `recentAuditIds`.
 */
import { createHash } from 'node:crypto';
import type { Finding, JsonObject, Resource, Severity } from '../core/types.js';
import { severityRank } from '../core/types.js';
import { asArray, asObject, asString, isObject } from '../core/values.js';
import { redactSecretsInText } from '../core/redact.js';
import type { Exemption } from '../engine/engine.js';
import { evaluate } from '../engine/engine.js';
import type { Rule, RuleSettings } from '../engine/rule.js';
import { ResourceSet } from '../k8s/resource-set.js';
import { auditRules } from '../rules/audit/index.js';
import { AUDIT_API_VERSION, FINAL_STAGES, auditEventOf, queryParam, type AuditEventView } from '../rules/audit/shared.js';
import { parseNetworks } from '../rules/audit/audit-request-outside-networks.js';
import { parseServiceAccountUser } from '../analysis/rbac.js';
import { AlertInputError, type AlertDecoder, type AlertPriority, type RuntimeAlert } from './alert.js';

export const AUDIT_ALERT_PATH = '/v1/alerts/audit';
/** The API server's webhook sends at most --audit-webhook-batch-max-size events (default 400) in one body. */
export const DEFAULT_MAX_AUDIT_EVENTS = 1000;
/** One Event's JSON at most (a RequestResponse event of a large object is the biggest). */
export const DEFAULT_MAX_AUDIT_EVENT_BYTES = 3 * 1024 * 1024;
/** A body given as text or bytes at most. */
export const DEFAULT_MAX_AUDIT_BODY_BYTES = 32 * 1024 * 1024;
export const DEFAULT_RECENT_AUDIT_IDS = 10_000;

/** Severity → Falco priority: what `kshield respond`'s policy matches on. */
export const PRIORITY_OF_SEVERITY: Readonly<Record<Severity, AlertPriority>> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'notice',
  info: 'informational',
};

/** MITRE ATT&CK (Enterprise, Containers) tactics of the techniques the audit rules name. */
export const MITRE_TACTICS: Readonly<Record<string, readonly string[]>> = {
  T1609: ['execution'],
  T1572: ['command-and-control'],
  'T1552.007': ['credential-access'],
  'T1098.006': ['persistence', 'privilege-escalation'],
  T1610: ['defense-evasion', 'execution'],
  T1611: ['privilege-escalation'],
  T1528: ['credential-access'],
  'T1078.001': ['defense-evasion', 'persistence', 'privilege-escalation', 'initial-access'],
  T1133: ['persistence', 'initial-access'],
};

/** A bound service account token's pod, as the authenticator records it in the user's extra. */
const POD_NAME_EXTRA = 'authentication.kubernetes.io/pod-name';

export interface AuditDecoderOptions {
  /**
   * The live cluster's objects (ServiceAccounts, workloads, Roles and bindings) the rules that need
   * them read: `kshield respond` keeps them. Called once per body that needs them; undefined or
   * absent: those rules find nothing to judge against and report nothing ("not assessable").
   */
  liveObjects?: () => ResourceSet | readonly Resource[] | undefined;
  /** Default: every audit rule of the catalogue. */
  rules?: readonly Rule[];
  /** Rule settings (e.g. `auditAllowedNetworks`), merged over the defaults. */
  settings?: Partial<RuleSettings>;
  exemptions?: readonly Exemption[];
  severityOverrides?: Readonly<Record<string, Severity>>;
  /** Default /v1/alerts/audit. */
  path?: string;
  maxEvents?: number;
  maxEventBytes?: number;
  maxBodyBytes?: number;
  /** How many judged auditIDs are remembered to drop repeats (default 10,000; 0 turns it off). */
  recentAuditIds?: number;
  /** A rule that threw (a bug): the event is still judged by the others. */
  onRuleError?: (message: string) => void;
}

/** Remembers the last `size` keys, oldest forgotten first. */
class RecentSet {
  private readonly keys = new Set<string>();
  constructor(private readonly size: number) {}
  has(key: string): boolean {
    return this.keys.has(key);
  }
  add(key: string): void {
    if (this.size <= 0) return;
    this.keys.delete(key);
    this.keys.add(key);
    if (this.keys.size > this.size) this.keys.delete(this.keys.values().next().value as string);
  }
}

function byteLength(body: string | Uint8Array): number {
  return typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
}

/** The body as a parsed value: bytes and text are parsed as JSON (bounded); anything else is taken as parsed. */
function parseBody(body: unknown, maxBytes: number): unknown {
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const size = byteLength(body);
    if (size > maxBytes) throw new AlertInputError(`audit EventList: the body is ${size} bytes, more than the limit of ${maxBytes}`);
    const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new AlertInputError(`audit EventList: the body is not JSON (${(e as Error).message})`);
    }
  }
  return body;
}

/** The Events of a valid EventList, or an AlertInputError naming the first problem. */
export function readAuditEventList(body: unknown, limits: { maxEvents?: number; maxEventBytes?: number; maxBodyBytes?: number } = {}): JsonObject[] {
  const maxEvents = limits.maxEvents ?? DEFAULT_MAX_AUDIT_EVENTS;
  const maxEventBytes = limits.maxEventBytes ?? DEFAULT_MAX_AUDIT_EVENT_BYTES;
  const value = parseBody(body, limits.maxBodyBytes ?? DEFAULT_MAX_AUDIT_BODY_BYTES);
  if (!isObject(value)) throw new AlertInputError('audit EventList: the body must be a JSON object');
  if (value.kind !== 'EventList') throw new AlertInputError(`audit EventList: kind must be "EventList", not ${JSON.stringify(value.kind ?? null)}`);
  if (value.apiVersion !== AUDIT_API_VERSION)
    throw new AlertInputError(`audit EventList: apiVersion must be "${AUDIT_API_VERSION}" (the webhook's --audit-webhook-version), not ${JSON.stringify(value.apiVersion ?? null)}`);
  if (!Array.isArray(value.items)) throw new AlertInputError('audit EventList: items must be a list');
  if (value.items.length > maxEvents) throw new AlertInputError(`audit EventList: ${value.items.length} events, more than the limit of ${maxEvents}`);
  return value.items.map((item, i) => {
    const where = `audit EventList: items[${i}]`;
    if (!isObject(item)) throw new AlertInputError(`${where} must be an object`);
    if ((item.kind !== undefined && item.kind !== 'Event') || (item.apiVersion !== undefined && item.apiVersion !== AUDIT_API_VERSION))
      throw new AlertInputError(`${where} must be an ${AUDIT_API_VERSION} Event, not ${String(item.apiVersion)} ${String(item.kind)}`);
    for (const field of ['auditID', 'stage', 'verb', 'requestURI'] as const)
      if (typeof item[field] !== 'string' || item[field] === '') throw new AlertInputError(`${where}.${field} must be a non-empty string`);
    if (!isObject(item.user)) throw new AlertInputError(`${where}.user must be an object`);
    if (item.objectRef !== undefined && !isObject(item.objectRef)) throw new AlertInputError(`${where}.objectRef must be an object`);
    if (item.responseStatus !== undefined && !isObject(item.responseStatus)) throw new AlertInputError(`${where}.responseStatus must be an object`);
    if (item.sourceIPs !== undefined && !Array.isArray(item.sourceIPs)) throw new AlertInputError(`${where}.sourceIPs must be a list`);
    if (item.requestObject !== undefined || item.responseObject !== undefined) {
      // Only events with bodies can be large; measuring the others would cost a serialisation each.
      const size = Buffer.byteLength(JSON.stringify(item));
      if (size > maxEventBytes) throw new AlertInputError(`${where} is ${size} bytes, more than the limit of ${maxEventBytes}`);
    }
    return { ...item, apiVersion: AUDIT_API_VERSION, kind: 'Event' };
  });
}

/** An audit Event as the engine's Resource: named by its auditID, in the namespace of the object it is about. */
export function auditEventResource(event: JsonObject, index: number): Resource {
  const namespace = asString(asObject(event.objectRef)?.namespace) || undefined;
  return {
    apiVersion: AUDIT_API_VERSION,
    kind: 'Event',
    name: asString(event.auditID) ?? `event-${index}`,
    ...(namespace ? { namespace } : {}),
    object: event,
    file: 'audit-webhook',
    documentIndex: 0,
    basePath: `/items/${index}`,
    locate: () => ({ line: 0, column: 0 }),
  };
}

/** Which events need the live objects: Secrets reads and binding changes (the other rules judge the event alone). */
function needsLiveObjects(event: AuditEventView): boolean {
  const ref = event.objectRef;
  if (!ref) return false;
  return (ref.apiGroup === '' && ref.resource === 'secrets') || (ref.apiGroup === 'rbac.authorization.k8s.io' && (ref.resource === 'rolebindings' || ref.resource === 'clusterrolebindings'));
}

/** The pod an alert is about: the pod the request names, the pod created, or the pod whose bound token made the request. */
function targetOf(event: AuditEventView): RuntimeAlert['target'] | undefined {
  const ref = event.objectRef;
  if (ref && ref.apiGroup === '' && ref.resource === 'pods') {
    const body = event.responseObject?.kind === 'Pod' ? event.responseObject : event.requestObject;
    const name = ref.name ?? asString(asObject(body?.metadata)?.name);
    const container = ref.subresource ? queryParam(event.requestURI, 'container') : undefined;
    if (ref.namespace && name) return { namespace: ref.namespace, pod: name, ...(container ? { container } : {}) };
  }
  const user = event.impersonatedUser ?? event.user;
  const sa = parseServiceAccountUser(user.username);
  const extra = asObject(asObject((event.impersonatedUser ? event.object.impersonatedUser : event.object.user))?.extra);
  const pod = asString(asArray(extra?.[POD_NAME_EXTRA])[0]);
  if (sa && pod) return { namespace: sa.namespace, pod };
  return undefined;
}

function fieldsOf(event: AuditEventView, findings: Finding[]): RuntimeAlert['fields'] {
  const ref = event.objectRef;
  const target = targetOf(event);
  const uriPath = (event.requestURI ?? '').split('?')[0];
  const fields: RuntimeAlert['fields'] = {
    'audit.id': event.auditID ?? null,
    'audit.stage': event.stage ?? null,
    'audit.level': event.level ?? null,
    'audit.verb': event.verb ?? null,
    // The query is left out: an exec's command line may carry a credential.
    'audit.uri.path': uriPath,
    'audit.code': event.code ?? null,
    'user.name': event.user.username,
    'user.groups': event.user.groups.join(','),
    'user.impersonated': event.impersonatedUser?.username ?? null,
    'source.ip': event.sourceIPs[event.sourceIPs.length - 1] ?? null,
    'source.ips': event.sourceIPs.join(','),
    'user_agent': event.userAgent ? redactSecretsInText(event.userAgent) : null,
    'object.resource': ref?.resource ?? null,
    'object.subresource': ref?.subresource ?? null,
    'object.group': ref ? ref.apiGroup : null,
    'object.namespace': ref?.namespace ?? null,
    'object.name': ref?.name ?? null,
    'finding.paths': findings.map((f) => f.path).join(','),
  };
  if (target?.namespace) fields['k8s.ns.name'] = target.namespace;
  if (target?.pod) fields['k8s.pod.name'] = target.pod;
  if (target?.container) fields['container.name'] = target.container;
  return fields;
}

function alertId(rule: string, auditID: string, time: string, target: RuntimeAlert['target']): string {
  return createHash('sha256').update(`audit\u0000${rule}\u0000${auditID}\u0000${time}\u0000${target?.namespace ?? ''}/${target?.pod ?? ''}`).digest('hex').slice(0, 32);
}

/**
 * The audit webhook's decoder: `decode(body)` checks the EventList (AlertInputError for the whole
 * body when it is not one, or is over a limit), judges its final-stage events, and returns one alert
 * per request and rule that fired (a rule's findings on one request, e.g. a privileged container and a
 * hostPath volume, are one alert at the most severe of them).
 */
export function auditDecoder(options: AuditDecoderOptions = {}): AlertDecoder {
  const rules = options.rules ?? auditRules;
  const byId = new Map(rules.map((r) => [r.id, r]));
  const recent = new RecentSet(options.recentAuditIds ?? DEFAULT_RECENT_AUDIT_IDS);
  const bad = parseNetworks(options.settings?.auditAllowedNetworks ?? []).invalid;
  if (bad.length > 0) throw new Error(`auditAllowedNetworks: ${bad.map((b) => JSON.stringify(b)).join(', ')} ${bad.length === 1 ? 'is' : 'are'} neither a CIDR block nor an IP address`);
  return {
    source: 'audit',
    path: options.path ?? AUDIT_ALERT_PATH,
    // The server reads the body before decode() sees it: without this, its 1 MiB default for an alert would refuse (413) an API server batch the limits here allow.
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_AUDIT_BODY_BYTES,
    decode(body: unknown, receivedAt: Date): RuntimeAlert[] {
      const items = readAuditEventList(body, options);
      const events: Resource[] = [];
      const views = new Map<string, AuditEventView>();
      const seen = new Set<string>();
      let live = false;
      items.forEach((item, i) => {
        const auditID = item.auditID as string;
        if (!FINAL_STAGES.has(item.stage as string) || seen.has(auditID) || recent.has(auditID)) return;
        seen.add(auditID);
        const resource = auditEventResource(item, i);
        const view = auditEventOf(resource)!;
        views.set(auditID, view);
        if (needsLiveObjects(view)) live = true;
        events.push(resource);
      });
      if (events.length === 0) return [];
      const liveObjects = live ? options.liveObjects?.() : undefined;
      const others = liveObjects === undefined ? [] : liveObjects instanceof ResourceSet ? liveObjects.all : liveObjects;
      const result = evaluate(others.length ? [...events, ...others] : events, {
        rules,
        settings: options.settings,
        exemptions: options.exemptions,
        severityOverrides: options.severityOverrides,
        now: receivedAt,
      });
      for (const e of result.errors) options.onRuleError?.(e.message);
      // Remembered only once judged: a body refused above may come again, fixed.
      for (const id of seen) recent.add(id);
      const groups = new Map<string, Finding[]>();
      for (const f of result.findings) {
        if (f.suppressed || f.resource.kind !== 'Event' || f.resource.apiVersion !== AUDIT_API_VERSION) continue;
        const key = `${f.resource.name}\u0000${f.rule}`;
        const list = groups.get(key);
        if (list) list.push(f);
        else groups.set(key, [f]);
      }
      const alerts: RuntimeAlert[] = [];
      for (const findings of groups.values()) {
        const first = findings[0];
        const view = views.get(first.resource.name);
        const rule = byId.get(first.rule);
        if (!view || !rule) continue;
        const severity = findings.reduce<Severity>((worst, f) => (severityRank(f.severity) > severityRank(worst) ? f.severity : worst), 'info');
        const techniques = rule.frameworks?.mitre ?? [];
        const tactics = [...new Set(techniques.flatMap((t) => MITRE_TACTICS[t] ?? []))];
        const time = view.time ?? receivedAt.toISOString();
        const target = targetOf(view);
        alerts.push({
          id: alertId(rule.id, first.resource.name, time, target),
          source: 'audit',
          rule: rule.id,
          priority: PRIORITY_OF_SEVERITY[severity],
          time,
          output: redactSecretsInText(findings.map((f) => f.message).join('; ')),
          tags: [...new Set([...rule.tags, ...techniques])],
          fields: { ...fieldsOf(view, findings), 'rule.severity': severity },
          ...(target ? { target } : {}),
          ...(techniques.length ? { mitre: { techniques: [...techniques], tactics } } : {}),
        });
      }
      return alerts;
    },
  };
}
