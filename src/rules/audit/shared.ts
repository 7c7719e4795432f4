/**
 * What the audit rules share: one reading of an `audit.k8s.io/v1` Event (the API server's record of
 * one request at one stage), who made the request, and the builder of their examples.
 *
 * Stages: the API server records a request at RequestReceived, ResponseStarted (long-running requests
 * only: watch, exec), ResponseComplete and Panic, each as its own Event with the same auditID. Only
 * ResponseComplete and Panic carry the outcome (responseStatus), and every request ends with exactly
 * one of them, so the rules judge those two stages only: one request, at most one finding per cause.
 */
import type { JsonObject, Resource } from '../../core/types.js';
import { asArray, asNumber, asObject, asString, isObject } from '../../core/values.js';
import { parseServiceAccountUser } from '../../analysis/rbac.js';

export const AUDIT_API_VERSION = 'audit.k8s.io/v1';
export const AUDIT_DOCS = 'https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/';
export const FINAL_STAGES: ReadonlySet<string> = new Set(['ResponseComplete', 'Panic']);

export interface AuditObjectRef {
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  apiGroup: string;
  apiVersion?: string;
}

export interface AuditUser {
  username: string;
  groups: string[];
}

/** The fields of an audit Event the rules read, read defensively (a malformed field reads as absent). */
export interface AuditEventView {
  object: JsonObject;
  auditID?: string;
  stage?: string;
  level?: string;
  verb?: string;
  requestURI?: string;
  user: AuditUser;
  /** The identity the request was made as when the user impersonated another (what RBAC authorized). */
  impersonatedUser?: AuditUser;
  sourceIPs: string[];
  userAgent?: string;
  objectRef?: AuditObjectRef;
  /** The HTTP status answered; undefined before the response (or when the event omits it). */
  code?: number;
  requestObject?: JsonObject;
  responseObject?: JsonObject;
  time?: string;
}

function readUser(value: unknown): AuditUser | undefined {
  const user = asObject(value);
  if (!user) return undefined;
  return { username: asString(user.username) ?? '', groups: asArray(user.groups).filter((g): g is string => typeof g === 'string') };
}

/** The audit Event a resource is, or undefined for anything else (a core/v1 Event shares the kind). */
export function auditEventOf(resource: Pick<Resource, 'apiVersion' | 'kind' | 'object'>): AuditEventView | undefined {
  if (resource.apiVersion !== AUDIT_API_VERSION || resource.kind !== 'Event') return undefined;
  const o = resource.object;
  const ref = asObject(o.objectRef);
  const status = asObject(o.responseStatus);
  return {
    object: o,
    auditID: asString(o.auditID),
    stage: asString(o.stage),
    level: asString(o.level),
    verb: asString(o.verb),
    requestURI: asString(o.requestURI),
    user: readUser(o.user) ?? { username: '', groups: [] },
    impersonatedUser: readUser(o.impersonatedUser),
    sourceIPs: asArray(o.sourceIPs).filter((ip): ip is string => typeof ip === 'string'),
    userAgent: asString(o.userAgent),
    objectRef: ref
      ? {
          resource: asString(ref.resource),
          subresource: asString(ref.subresource) || undefined,
          namespace: asString(ref.namespace) || undefined,
          name: asString(ref.name) || undefined,
          apiGroup: asString(ref.apiGroup) ?? '',
          apiVersion: asString(ref.apiVersion),
        }
      : undefined,
    code: asNumber(status?.code),
    requestObject: isObject(o.requestObject) ? o.requestObject : undefined,
    responseObject: isObject(o.responseObject) ? o.responseObject : undefined,
    time: asString(o.stageTimestamp) ?? asString(o.requestReceivedTimestamp),
  };
}

/** The audit Event of a request's last stage (ResponseComplete or Panic), or undefined: the only stage the rules judge. */
export function finalAuditEvent(resource: Resource): AuditEventView | undefined {
  const event = auditEventOf(resource);
  return event && event.stage !== undefined && FINAL_STAGES.has(event.stage) ? event : undefined;
}

/** The identity RBAC judged the request as: the impersonated user when there is one. */
export function actingUser(event: AuditEventView): AuditUser {
  return event.impersonatedUser ?? event.user;
}

/** `"alice"`, or `"ci-bot" impersonating "alice"` for messages. */
export function describeActor(event: AuditEventView): string {
  const who = event.user.username || '(no user)';
  return event.impersonatedUser ? `"${who}" impersonating "${event.impersonatedUser.username}"` : `"${who}"`;
}

/** The pointer to the user whose identity counted: /impersonatedUser/username or /user/username. */
export function actorPath(event: AuditEventView): string {
  return event.impersonatedUser ? '/impersonatedUser/username' : '/user/username';
}

/** A response the API server answered with success (2xx, or 101 for an upgraded stream). */
export function succeeded(event: AuditEventView): boolean {
  return event.code !== undefined && event.code < 400;
}

/** A response refused by authentication or authorization. */
export function refused(event: AuditEventView): boolean {
  return event.code === 401 || event.code === 403;
}

/** `namespace/name` of the object the request names, or its resource when it names none. */
export function describeObject(ref: AuditObjectRef): string {
  const res = `${ref.resource ?? '?'}${ref.subresource ? `/${ref.subresource}` : ''}`;
  if (!ref.name) return ref.namespace ? `${res} in namespace ${ref.namespace}` : `${res} (all namespaces)`;
  return ref.namespace ? `${res} ${ref.namespace}/${ref.name}` : `${res} ${ref.name}`;
}

/**
 * Identities of the control plane itself: the API server's loopback client (it reconciles the
 * bootstrap RBAC policy at start), the controller manager, and the kube-system service accounts its
 * controllers run as with --use-service-account-credentials.
 */
export function isControlPlaneUser(user: AuditUser): boolean {
  if (user.username === 'system:apiserver' || user.username === 'system:kube-controller-manager' || user.username === 'system:kube-scheduler') return true;
  const sa = parseServiceAccountUser(user.username);
  return sa !== undefined && sa.namespace === 'kube-system';
}

/** Fields of an example Event every example repeats. */
export interface ExampleEvent {
  verb: string;
  requestURI: string;
  user?: { username: string; groups?: string[] };
  objectRef?: JsonObject;
  code: number;
  stage?: string;
  level?: string;
  sourceIPs?: string[];
  extra?: JsonObject;
}

/** An audit Event as the API server's webhook writes one (JSON, which is YAML), with a fixed auditID and times. */
export function auditEventExample(e: ExampleEvent): string {
  const event: JsonObject = {
    apiVersion: AUDIT_API_VERSION,
    kind: 'Event',
    level: e.level ?? 'Metadata',
    auditID: '5f1c2a9e-6a0b-4d55-9a55-2b1f0c6f1a01',
    stage: e.stage ?? 'ResponseComplete',
    requestURI: e.requestURI,
    verb: e.verb,
    user: { username: e.user?.username ?? 'alice', groups: e.user?.groups ?? ['developers', 'system:authenticated'] },
    sourceIPs: e.sourceIPs ?? ['10.0.4.12'],
    userAgent: 'kubectl/v1.30.1 (linux/amd64) kubernetes/7b8f0cf',
    ...(e.objectRef ? { objectRef: e.objectRef } : {}),
    responseStatus: { metadata: {}, code: e.code },
    ...(e.extra ?? {}),
    requestReceivedTimestamp: '2026-03-02T10:15:30.120000Z',
    stageTimestamp: '2026-03-02T10:15:30.180000Z',
  };
  return `${JSON.stringify(event, null, 2)}\n`;
}

/** The container a pods/exec, attach or portforward request names in its query (`container=`), if any. */
export function queryParam(requestURI: string | undefined, name: string): string | undefined {
  if (!requestURI) return undefined;
  const q = requestURI.indexOf('?');
  if (q < 0) return undefined;
  try {
    return new URLSearchParams(requestURI.slice(q + 1)).get(name) ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * A pods/<subresource> streaming request (exec, attach, portforward) at its last stage. kubectl
 * sends a POST (verb create) over SPDY or a GET (verb get) upgraded to a WebSocket; both are
 * sessions. The outcome is said in the message: 101 (upgraded) opened a session, 401/403 were refused,
 * anything else (the pod not running, no kubelet) was asked for and failed.
 */
export function podStreamRequest(resource: Resource, subresources: readonly string[]): { event: AuditEventView; ref: AuditObjectRef } | undefined {
  const event = finalAuditEvent(resource);
  const ref = event?.objectRef;
  if (!event || !ref || ref.resource !== 'pods' || ref.apiGroup !== '' || !ref.subresource || !subresources.includes(ref.subresource)) return undefined;
  if (event.verb !== 'create' && event.verb !== 'get') return undefined;
  return { event, ref };
}

/** "opened", "was refused (403) to open", "asked for ... (answered 500)": how a stream request ended. */
export function streamOutcome(event: AuditEventView): { opened: boolean; refused: boolean; phrase: string } {
  if (succeeded(event)) return { opened: true, refused: false, phrase: 'opened' };
  if (refused(event)) return { opened: false, refused: true, phrase: `was refused (${event.code}) when asking to open` };
  return { opened: false, refused: false, phrase: `asked to open (the API server answered ${event.code ?? 'nothing'})` };
}
