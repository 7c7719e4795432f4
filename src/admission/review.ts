/**
 * The wire format: `admission.k8s.io/v1` AdmissionReview in, AdmissionReview out, as the
 * Kubernetes documentation ("Dynamic Admission Control", webhook request and response) defines
 * them. Parsing never echoes the object: an error names the field that is wrong, not its content.
 */
import type { JsonObject } from '../core/types.js';
import { isObject } from '../core/values.js';
import type { JsonPatchOperation } from '../config/webhook.js';

const ADMISSION_API_VERSION = 'admission.k8s.io/v1';
const ADMISSION_REVIEW_KIND = 'AdmissionReview';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
const OPERATIONS: readonly Operation[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** The part of `request` kshield reads. */
export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  subResource?: string;
  name?: string;
  namespace?: string;
  operation: Operation;
  userInfo?: { username?: string; groups?: string[] };
  /** The new object (CREATE, UPDATE); null for DELETE, options for CONNECT. */
  object?: JsonObject;
  /** The stored object (UPDATE, DELETE). */
  oldObject?: JsonObject;
  dryRun: boolean;
}

/** The `response` stanza. */
export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  /** Only on denial: the HTTP code and message the API server returns to the client. */
  status?: { code: number; message: string };
  warnings?: string[];
  patchType?: 'JSONPatch';
  /** Base64 of the JSON array of RFC 6902 operations. */
  patch?: string;
}

/** A request that is not a usable AdmissionReview: answered with this HTTP status and a Status body. */
export class ReviewError extends Error {
  constructor(
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
  }
}

/**
 * What `value` is, for an error message, without its content: anyone who can reach the webhook can
 * put a Secret's value in any field, and the answer and the log would repeat it.
 */
function shown(value: unknown): string {
  if (typeof value === 'string') return value === '' ? 'an empty string' : `another string (${value.length} characters)`;
  return value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Parses a request body; throws ReviewError naming what is wrong. */
export function parseReview(body: Buffer | string): AdmissionRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    // V8's message quotes the input around the error, which may be a Secret's value: not repeated here.
    throw new ReviewError('request body is not valid JSON: expected an admission.k8s.io/v1 AdmissionReview');
  }
  if (!isObject(parsed)) throw new ReviewError('request body must be a JSON object: an admission.k8s.io/v1 AdmissionReview');
  if (parsed.apiVersion !== ADMISSION_API_VERSION) {
    if (parsed.apiVersion === 'admission.k8s.io/v1beta1') {
      throw new ReviewError('kshield speaks admission.k8s.io/v1 only: set admissionReviewVersions: ["v1"] in the webhook configuration');
    }
    throw new ReviewError(`apiVersion must be "${ADMISSION_API_VERSION}", got ${shown(parsed.apiVersion)}`);
  }
  if (parsed.kind !== ADMISSION_REVIEW_KIND) throw new ReviewError(`kind must be "${ADMISSION_REVIEW_KIND}", got ${shown(parsed.kind)}`);
  const request = parsed.request;
  if (request === undefined || request === null) throw new ReviewError('the AdmissionReview has no request');
  if (!isObject(request)) throw new ReviewError('request must be an object');
  if (request.uid === undefined || request.uid === null || request.uid === '') throw new ReviewError('request.uid is missing: it must be echoed in the response');
  if (typeof request.uid !== 'string') throw new ReviewError(`request.uid must be a string, got ${shown(request.uid)}`);
  const operation = request.operation;
  if (typeof operation !== 'string' || !OPERATIONS.includes(operation as Operation)) {
    throw new ReviewError(`request.operation must be one of ${OPERATIONS.join(', ')}, got ${shown(operation)}`);
  }
  const gvk = request.kind;
  if (gvk !== undefined && gvk !== null && !isObject(gvk)) throw new ReviewError(`request.kind must be an object {group, version, kind}, got ${shown(gvk)}`);
  if (!isObject(gvk) || gvk.kind === undefined || gvk.kind === null || gvk.kind === '') throw new ReviewError('request.kind is missing: expected {group, version, kind}');
  if (typeof gvk.kind !== 'string') throw new ReviewError(`request.kind.kind must be a string, got ${shown(gvk.kind)}`);
  for (const field of ['name', 'namespace', 'subResource'] as const) {
    const v = request[field];
    if (v !== undefined && v !== null && typeof v !== 'string') throw new ReviewError(`request.${field} must be a string`);
  }
  if (request.dryRun !== undefined && request.dryRun !== null && typeof request.dryRun !== 'boolean') throw new ReviewError('request.dryRun must be true or false');
  const object = request.object;
  const oldObject = request.oldObject;
  if (operation === 'CREATE' || operation === 'UPDATE') {
    if (object === undefined || object === null) throw new ReviewError(`request.object is missing: a ${operation} request carries the object being admitted`);
    if (!isObject(object)) throw new ReviewError('request.object must be an object');
  }
  if (operation === 'UPDATE' && oldObject !== undefined && oldObject !== null && !isObject(oldObject)) throw new ReviewError('request.oldObject must be an object');
  if (request.userInfo !== undefined && request.userInfo !== null && !isObject(request.userInfo)) throw new ReviewError(`request.userInfo must be an object, got ${shown(request.userInfo)}`);
  const userInfo = isObject(request.userInfo) ? request.userInfo : undefined;
  return {
    uid: request.uid,
    kind: { group: typeof gvk.group === 'string' ? gvk.group : '', version: typeof gvk.version === 'string' ? gvk.version : '', kind: gvk.kind },
    subResource: (request.subResource as string | null | undefined) || undefined,
    name: (request.name as string | null | undefined) || undefined,
    namespace: (request.namespace as string | null | undefined) || undefined,
    operation: operation as Operation,
    userInfo: userInfo
      ? {
          username: typeof userInfo.username === 'string' ? userInfo.username : undefined,
          groups: Array.isArray(userInfo.groups) ? userInfo.groups.filter((g): g is string => typeof g === 'string') : undefined,
        }
      : undefined,
    object: isObject(object) ? object : undefined,
    oldObject: isObject(oldObject) ? oldObject : undefined,
    dryRun: request.dryRun === true,
  };
}

/** The AdmissionReview the API server expects back (same apiVersion as sent: kshield takes v1 only). */
export function reviewResponse(response: AdmissionResponse): JsonObject {
  const out: JsonObject = { uid: response.uid, allowed: response.allowed };
  if (response.status) out.status = { code: response.status.code, message: response.status.message };
  if (response.warnings && response.warnings.length > 0) out.warnings = response.warnings;
  if (response.patch !== undefined) {
    out.patchType = 'JSONPatch';
    out.patch = response.patch;
  }
  return { apiVersion: ADMISSION_API_VERSION, kind: ADMISSION_REVIEW_KIND, response: out };
}

/** `patch` as the response carries it: the JSON array, base64-encoded. */
export function encodePatch(patch: readonly JsonPatchOperation[]): string {
  return Buffer.from(JSON.stringify(patch), 'utf8').toString('base64');
}

/** A Kubernetes `Status` object: the body of an HTTP error, which the API server shows in its own error. */
export function statusBody(code: number, message: string): JsonObject {
  const reason = STATUS_REASONS[code] ?? 'BadRequest';
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

const STATUS_REASONS: Record<number, string> = {
  400: 'BadRequest',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  408: 'Timeout',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};
