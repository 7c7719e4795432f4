/**
 * The mutating webhook's patch: safe security defaults written only where the user set nothing,
 * and (optionally) image tags pinned to the digest they name today.
 *
 * Every default is chosen so that the patched object still passes the API server's validation
 * and the pod can still start for the reasons the user wrote down:
 * - `allowPrivilegeEscalation: false` is left out for containers that are privileged or add
 *   CAP_SYS_ADMIN: the API server rejects that combination (ValidateSecurityContext), and the
 *   kernel grants escalation to such containers anyway.
 * - `runAsNonRoot: true` is not written on the pod when the pod or one of its containers asks for
 *   UID 0 (the kubelet would refuse to start that container); the other containers then get it
 *   one by one. It is left out for Windows HostProcess pods, which run as a host account.
 * - Linux-only fields (seccompProfile, allowPrivilegeEscalation, capabilities,
 *   readOnlyRootFilesystem) are never written into a pod with `spec.os.name: windows`: the API
 *   server forbids them there.
 * - The pod-level seccomp profile is not written when the pod still carries the legacy
 *   `seccomp.security.alpha.kubernetes.io/pod` annotation (the API server requires annotation and
 *   field to agree), or when every container already sets its own profile.
 * - `capabilities.drop: [ALL]` is written only when `drop` is absent; a list the user wrote is
 *   theirs, even without ALL. Privileged containers get no drop list: it would have no effect.
 *
 * Ephemeral containers are never touched: they cannot be part of a create, and the pod's own
 * update cannot change them. Pods are not mutated on UPDATE at all: the API server forbids
 * changing their security context after creation, and a new image string restarts the container.
 * Only the built-in pod-bearing kinds are mutated; a custom resource's schema is unknown here, so
 * fields written into it could be pruned or rejected.
 */
import { isDeepStrictEqual } from 'node:util';
import type { DigestResolver, JsonPatchOperation, MutationOptions, RegistryAccess } from '../config/webhook.js';
import type { JsonObject } from '../core/types.js';
import { fixedPodSpecPath, podSpecs, type PodSpecView } from '../k8s/pods.js';
import { withCacheScope } from '../core/scoped-cache.js';
import { parseImageReference, registryEntryMatches } from '../k8s/images.js';
import { isObject, asString } from '../core/values.js';
import { escapePointerToken } from '../core/pointer.js';
import { webhookRegistryClient } from './registry-client.js';
import { Slots } from '../core/slots.js';

export type { DigestResolver } from '../config/webhook.js';

export interface MutationContext {
  signal?: AbortSignal;
  registries: RegistryAccess;
  resolveDigest?: DigestResolver;
  /** The AdmissionReview operation; Pods are left alone on UPDATE. Default CREATE. */
  operation?: string;
  /**
   * settings.allowedRegistries of the configuration. When non-empty, only images it admits are
   * looked up: the others are refused by image-registry-not-allowed anyway, and asking their
   * registry would let anyone who can create a pod make the webhook connect wherever they like.
   */
  allowedRegistries?: readonly string[];
  /**
   * Images that must be pinned whatever `pinImageDigests` says: those a signature rule applies to
   * (the validating webhook verifies the digest pinned here). Contacting their registry is the
   * configuration's choice, so allowedRegistries does not limit them.
   */
  mustPin?: (reference: string) => boolean;
}

export interface MutationResult {
  patch: JsonPatchOperation[];
  /** For AdmissionReview `warnings`: what could not be done (an image left unpinned), never a credential. */
  warnings: string[];
}

const POD_CONTAINER_LISTS = ['initContainers', 'containers'] as const;
const LEGACY_SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';

/** Absent and null both mean "not set" to the API server. */
function unset(value: unknown): boolean {
  return value === undefined || value === null;
}

/**
 * Adds `defaults` to `current` (found at `path`) wherever a field is missing, descending into
 * objects the user already has: one `add` per missing subtree, so a missing parent is created
 * whole rather than written into a path that does not exist. A value of any other type counts
 * as set: it is left alone (and the API server will judge it).
 */
function addMissing(path: string, current: unknown, defaults: JsonObject, patch: JsonPatchOperation[]): void {
  if (Object.keys(defaults).length === 0) return;
  if (unset(current)) {
    patch.push({ op: 'add', path, value: defaults });
    return;
  }
  if (!isObject(current)) return;
  for (const [key, value] of Object.entries(defaults)) {
    const existing = current[key];
    const childPath = `${path}/${escapePointerToken(key)}`;
    if (unset(existing)) patch.push({ op: 'add', path: childPath, value });
    else if (isObject(value) && isObject(existing)) addMissing(childPath, existing, value, patch);
  }
}

interface ContainerEntry {
  container: JsonObject;
  path: string;
  /** The container's securityContext when it is an object; undefined when unset. */
  securityContext: JsonObject | undefined;
  /** securityContext holds something other than an object: leave the container's settings alone. */
  malformed: boolean;
}

function podContainers(pod: PodSpecView): ContainerEntry[] {
  const out: ContainerEntry[] = [];
  for (const list of POD_CONTAINER_LISTS) {
    const items = pod.spec[list];
    if (!Array.isArray(items)) continue;
    items.forEach((item, i) => {
      if (!isObject(item)) return;
      const sc = item.securityContext;
      out.push({ container: item, path: `${pod.path}/${list}/${i}`, securityContext: isObject(sc) ? sc : undefined, malformed: !unset(sc) && !isObject(sc) });
    });
  }
  return out;
}

function isWindows(pod: PodSpecView): boolean {
  const os = pod.spec.os;
  return isObject(os) && os.name === 'windows';
}

function hostProcess(sc: unknown): boolean {
  return isObject(sc) && isObject(sc.windowsOptions) && sc.windowsOptions.hostProcess === true;
}

/** Capabilities that make the kernel allow escalation whatever no_new_privs says; the API server rejects false with CAP_SYS_ADMIN. */
function addsSysAdmin(sc: JsonObject | undefined): boolean {
  const caps = sc?.capabilities;
  if (unset(caps)) return false;
  if (!isObject(caps)) return true;
  const add = caps.add;
  if (unset(add)) return false;
  if (!Array.isArray(add)) return true;
  return add.some((cap) => {
    if (typeof cap !== 'string') return false;
    const name = cap.toUpperCase().replace(/^CAP_/, '');
    return name === 'SYS_ADMIN' || name === 'ALL';
  });
}

/** privileged: true, or a value of the wrong type that the API server may read either way. */
function mayBePrivileged(sc: JsonObject | undefined): boolean {
  const privileged = sc?.privileged;
  return !unset(privileged) && privileged !== false;
}

function securityDefaults(pod: PodSpecView, options: MutationOptions, patch: JsonPatchOperation[]): void {
  const spec = pod.spec;
  const podSc = spec.securityContext;
  const podScUsable = unset(podSc) || isObject(podSc);
  const podScObject = isObject(podSc) ? podSc : undefined;
  const windows = isWindows(pod);
  const entries = podContainers(pod);
  const podDefaults: JsonObject = {};
  // Containers that get runAsNonRoot themselves because the pod as a whole cannot.
  let perContainerRunAsNonRoot = false;

  if (options.runAsNonRoot && podScUsable && unset(podScObject?.runAsNonRoot)) {
    const anyHostProcess = hostProcess(podScObject) || entries.some((e) => hostProcess(e.securityContext));
    const podRunsAsRoot = podScObject?.runAsUser === 0;
    // A container that asks for UID 0 and leaves runAsNonRoot to the pod would inherit true and never start.
    const rootContainer = entries.some((e) => e.securityContext?.runAsUser === 0 && unset(e.securityContext.runAsNonRoot));
    if (!anyHostProcess && !podRunsAsRoot) {
      if (rootContainer) perContainerRunAsNonRoot = true;
      else podDefaults.runAsNonRoot = true;
    }
  }

  if (options.seccompProfileRuntimeDefault && podScUsable && !windows && unset(podScObject?.seccompProfile)) {
    const annotations = pod.metadata?.annotations;
    const legacyAnnotation = isObject(annotations) && annotations[LEGACY_SECCOMP_POD_ANNOTATION] !== undefined;
    const everyContainerHasOne = entries.length > 0 && entries.every((e) => !unset(e.securityContext?.seccompProfile));
    if (!legacyAnnotation && !everyContainerHasOne) podDefaults.seccompProfile = { type: 'RuntimeDefault' };
  }

  addMissing(`${pod.path}/securityContext`, podSc, podDefaults, patch);

  if (options.automountServiceAccountTokenFalse) addMissing(pod.path, spec, { automountServiceAccountToken: false }, patch);

  for (const entry of entries) {
    if (entry.malformed) continue;
    const sc = entry.securityContext;
    const defaults: JsonObject = {};
    const privileged = mayBePrivileged(sc);
    if (perContainerRunAsNonRoot && sc?.runAsUser !== 0) defaults.runAsNonRoot = true;
    if (!windows) {
      if (options.allowPrivilegeEscalationFalse && !privileged && !addsSysAdmin(sc)) defaults.allowPrivilegeEscalation = false;
      if (options.dropAllCapabilities && !privileged) defaults.capabilities = { drop: ['ALL'] };
      if (options.readOnlyRootFilesystem) defaults.readOnlyRootFilesystem = true;
    }
    addMissing(`${entry.path}/securityContext`, sc, defaults, patch);
  }
}

interface Pinnable {
  path: string;
  reference: string;
}

function pinnableImages(pods: PodSpecView[], allowedRegistries: readonly string[], pinAll: boolean, mustPin: ((reference: string) => boolean) | undefined): Pinnable[] {
  const allowed = allowedRegistries.filter((e) => typeof e === 'string' && e.trim() !== '');
  const out: Pinnable[] = [];
  for (const pod of pods) {
    for (const entry of podContainers(pod)) {
      const reference = asString(entry.container.image);
      if (reference === undefined) continue;
      const parsed = parseImageReference(reference);
      // Malformed references are image-reference-invalid's business; pinned ones are done.
      if (!parsed.ok || parsed.image.digest !== undefined) continue;
      const required = mustPin?.(reference) ?? false;
      if (!required && (!pinAll || (allowed.length > 0 && !allowed.some((entry) => registryEntryMatches(parsed.image, entry))))) continue;
      out.push({ path: `${entry.path}/image`, reference });
    }
  }
  return out;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Most distinct images one review resolves to digests. */
export const MAX_DIGEST_LOOKUPS = 20;
/** Digest lookups of one review in flight at once. */
export const DIGEST_LOOKUPS_AT_ONCE = 4;

async function pinDigests(pods: PodSpecView[], pinAll: boolean, context: MutationContext, patch: JsonPatchOperation[], warnings: string[]): Promise<void> {
  const images = pinnableImages(pods, context.allowedRegistries ?? [], pinAll, context.mustPin);
  if (images.length === 0) return;
  const resolve: DigestResolver = context.resolveDigest ?? ((reference, signal) => webhookRegistryClient(context.registries).resolveDigest(reference, signal));
  const lookups = new Map<string, Promise<{ digest?: string; error?: string }>>();
  // One object can name hundreds of images: a review looks up a bounded number, a few at a time,
  // so it cannot open hundreds of registry connections at once.
  const slots = new Slots(DIGEST_LOOKUPS_AT_ONCE);
  let started = 0;
  for (const { reference } of images) {
    if (lookups.has(reference)) continue;
    if (started++ >= MAX_DIGEST_LOOKUPS) {
      lookups.set(reference, Promise.resolve({ error: `the object names more than ${MAX_DIGEST_LOOKUPS} images; kshield looks up that many per review` }));
      continue;
    }
    lookups.set(
      reference,
      slots
        .run(() => resolve(reference, context.signal))
        .then(
          (digest) => (typeof digest === 'string' && parseImageReference(`${reference}@${digest}`).ok ? { digest } : { error: 'the registry answered with a malformed digest' }),
          (error: unknown) => ({ error: reason(error) }),
        ),
    );
  }
  const warned = new Set<string>();
  for (const { path, reference } of images) {
    const result = await lookups.get(reference)!;
    if (result.digest !== undefined) patch.push({ op: 'replace', path, value: `${reference}@${result.digest}` });
    else if (!warned.has(reference)) {
      warned.add(reference);
      warnings.push(`kshield: image ${reference} was not pinned to a digest: ${result.error}`);
    }
  }
}

/**
 * The JSON Patch (RFC 6902) that writes the configured defaults into an admission request's
 * object. Never throws on malformed input: a field of the wrong type gets no patch, and the
 * validating side reports it.
 */
export async function mutationPatch(object: unknown, options: MutationOptions, context: MutationContext): Promise<MutationResult> {
  const patch: JsonPatchOperation[] = [];
  const warnings: string[] = [];
  if (!options.enabled || !isObject(object)) return { patch, warnings };
  const kind = asString(object.kind);
  const apiVersion = asString(object.apiVersion);
  if (kind === undefined || fixedPodSpecPath(kind, apiVersion) === undefined) return { patch, warnings };
  if (kind === 'Pod' && context.operation === 'UPDATE') return { patch, warnings };
  // a scope of its own: nothing derived from the request outlives it (see core/scoped-cache.ts)
  const pods = withCacheScope(() => podSpecs({ kind, apiVersion, object }));
  for (const pod of pods) securityDefaults(pod, options, patch);
  if (options.pinImageDigests || context.mustPin) await pinDigests(pods, options.pinImageDigests, context, patch, warnings);
  return { patch, warnings };
}

/**
 * True when an UPDATE leaves every pod spec and pod template metadata as it was. Defaults are
 * written when pods are (re)defined, not on a label change or a scale: writing them into the
 * template of a workload admitted before the webhook existed would roll it out, and may stop its
 * pods from starting (runAsNonRoot), without anyone having asked for a rollout.
 */
export function podTemplatesUnchanged(kind: string, apiVersion: string | undefined, oldObject: unknown, newObject: unknown): boolean {
  if (!isObject(oldObject) || !isObject(newObject)) return false;
  const [before, after] = withCacheScope(() => [podSpecs({ kind, apiVersion, object: oldObject }), podSpecs({ kind, apiVersion, object: newObject })]);
  if (before.length !== after.length) return false;
  return after.every((view, i) => view.path === before[i].path && isDeepStrictEqual(view.spec, before[i].spec) && isDeepStrictEqual(view.metadata, before[i].metadata));
}
