/**
 * `webhook.imagePolicy.requireSignature` at admission: every container image of the object (its
 * pod spec or pod templates, init and ephemeral containers included) that a rule's patterns and
 * namespace selector match must carry signatures that satisfy the rule's policy, verified exactly
 * as `kshield verify` verifies them (src/signatures: discover, verify every format, judge).
 *
 * The image verified is the digest: a tag is resolved through the registry client the digest
 * pinning uses (so /mutate, which pins those images, and /validate see the same digest), and a
 * reference already pinned (`name:tag@sha256:...`) is verified at its digest, which is what the
 * kubelet pulls. Verdicts are cached per digest and policy version (signature-cache.ts).
 */
import type { JsonObject } from '../core/types.js';
import type { ImagePolicy, RegistryAccess, SignatureRule } from '../config/webhook.js';
import { withCacheScope } from '../core/scoped-cache.js';
import { isObject, asString } from '../core/values.js';
import { matchesParsed, parseLabelSelector } from '../k8s/labels.js';
import { parseImageReference, registryEntryMatches, type ImageReference } from '../k8s/images.js';
import { podSpecs } from '../k8s/pods.js';
import { RegistryError, type RegistryClient } from '../images/registry.js';
import { imageClients, resolveWithEach, webhookRegistryClient } from './registry-client.js';
import type { PullKeyring } from './pull-secrets.js';
import { discoverArtifacts, resolveSubject } from '../signatures/discover.js';
import { loadKey } from '../signatures/keys.js';
import { isAttestationResult, judge, verifyAll } from '../signatures/verifiers.js';
import type { NamespaceLabels } from './decide.js';
import type { VerificationCache, CacheOutcome } from './signature-cache.js';

/** The verdict on one image digest under one rule's policy: what the cache keeps. */
export interface SignatureVerdict {
  status: 'verified' | 'refused' | 'error';
  /** Why not, one sentence each (refused: the policy's reasons; error: why it could not be verified). */
  reasons: string[];
  /**
   * One word for metrics: the first failure of the signatures (`wrong-key`, `no-signature`, ...),
   * `attestation`, `require-all`, or for errors `registry` / `timeout`; `verified` when verified.
   */
  reason: string;
}

export interface SignatureCheckContext {
  policy: ImagePolicy;
  registries: RegistryAccess;
  /** Labels of the request's namespace, for rules with a namespaceSelector. */
  namespaceLabels?: NamespaceLabels;
  namespace?: string;
  cache: VerificationCache<SignatureVerdict>;
  /** Ends the review's wait (the per-request deadline); a verification others share is not cut by it. */
  signal: AbortSignal;
  onCache?: (outcome: CacheOutcome) => void;
  onVerified?: (verdict: SignatureVerdict) => void;
  /**
   * Credentials of the pod's pull secrets (`registries.pullSecrets`), tried before the webhook's
   * own for the registry of each image, most specific first. Called (once) only when an image a
   * rule applies to is checked, so pods no rule concerns cost no Secret read.
   */
  podKeyring?: () => Promise<PullKeyring | undefined>;
}

export interface SignatureCheck {
  /** One line per refused container image (empty when everything passed). */
  refusals: string[];
  /** Images admitted although they could not be verified (`onError: allow`). */
  warnings: string[];
  /** Container images a rule applied to. */
  checked: number;
}

interface ContainerImage {
  container: string;
  reference: string;
}

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;
/**
 * Most distinct images (per rule) one review verifies, as digest pinning looks up at most 20: an
 * object naming more is refused for the rest rather than let one review start hundreds of
 * registry reads (cached verdicts count too; real pods name a handful).
 */
export const MAX_VERIFICATIONS_PER_REVIEW = 20;

function containerImages(object: JsonObject, kind: string, apiVersion: string | undefined): ContainerImage[] {
  const out: ContainerImage[] = [];
  for (const pod of withCacheScope(() => podSpecs({ kind, apiVersion, object }))) {
    for (const list of CONTAINER_LISTS) {
      const items = pod.spec[list];
      if (!Array.isArray(items)) continue;
      for (const item of items) {
        if (!isObject(item)) continue;
        const reference = asString(item.image);
        if (reference !== undefined) out.push({ container: asString(item.name) ?? '<unnamed>', reference });
      }
    }
  }
  return out;
}

/** Whether a rule applies to an image in this namespace. Unreadable namespace labels make it apply (fail closed). */
function ruleApplies(rule: SignatureRule, image: ImageReference, labels: NamespaceLabels | undefined): boolean {
  if (!rule.images.some((pattern) => registryEntryMatches(image, pattern))) return false;
  if (rule.namespaceSelector === undefined) return true;
  if (!labels || !('labels' in labels)) return true;
  return matchesParsed(parseLabelSelector(rule.namespaceSelector), labels.labels);
}

/** The rules that apply to `reference` (a container's image as written), for /mutate's pinning and /validate. */
export function rulesFor(reference: string, policy: ImagePolicy, labels: NamespaceLabels | undefined): SignatureRule[] {
  if (policy.requireSignature.length === 0) return [];
  const parsed = parseImageReference(reference);
  if (!parsed.ok) return [];
  return policy.requireSignature.filter((rule) => ruleApplies(rule, parsed.image, labels));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] : String(error);
}

/** Verifies one image digest under one rule: discovery, every verifier, the judgement. Never throws. */
export async function verifyImage(image: ImageReference, digest: string, rule: SignatureRule, registries: RegistryAccess, timeoutMs: number, client: RegistryClient = webhookRegistryClient(registries)): Promise<SignatureVerdict> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const subject = await resolveSubject(`${image.registry}/${image.repository}@${digest}`, client, signal);
    const discovery = await discoverArtifacts(subject, client, { signal, ...(rule.signatureRepository ? { signatureRepository: rule.signatureRepository } : {}) });
    const results = await verifyAll(subject, discovery, rule.policy);
    const fingerprints = rule.policy.keys.map((k) => {
      const loaded = loadKey(k);
      return { source: loaded.source, fingerprint: loaded.fingerprint };
    });
    const verdict = judge(results, rule.policy, fingerprints);
    if (verdict.satisfied) return { status: 'verified', reasons: [], reason: 'verified' };
    const signatures = results.filter((r) => !isAttestationResult(r));
    // Not satisfied because part of the registry could not be read: no verdict on the image (as `kshield verify` exits 2).
    if (results.some((r) => r.failure === 'registry')) {
      const unread = results.find((r) => r.failure === 'registry')!;
      return { status: 'error', reasons: [signal.aborted ? `verification did not finish within ${timeoutMs} ms` : `the registry could not be read: ${unread.message}`], reason: signal.aborted ? 'timeout' : 'registry' };
    }
    const firstFailure = signatures.every((r) => !r.verified) ? signatures.find((r) => r.failure)?.failure ?? 'no-signature' : verdict.reasons.some((r) => r.includes('attestation')) ? 'attestation' : 'require-all';
    // judge() words the policy as `kshield verify`'s flags; here it is the rule's `require: all`.
    return { status: 'refused', reasons: verdict.reasons.map((r) => r.replace('--require all', 'require: all')), reason: firstFailure };
  } catch (error) {
    if (signal.aborted) return { status: 'error', reasons: [`verification did not finish within ${timeoutMs} ms`], reason: 'timeout' };
    if (error instanceof RegistryError) return { status: 'error', reasons: [message(error)], reason: 'registry' };
    // A trusted root that @sigstore/verify refuses surfaces here (a UsageError in `kshield verify`).
    return { status: 'error', reasons: [message(error)], reason: 'error' };
  }
}

function shortDigest(digest: string): string {
  return `${digest.slice(0, 19)}…`;
}

/**
 * Checks every container image of `object` that a rule applies to. On UPDATE, images the old
 * object already ran (same reference) are not checked again: a label change must not fail because
 * a key was rotated since. Containers of one pod naming one image share one verification.
 */
export async function checkImageSignatures(object: JsonObject, oldObject: JsonObject | undefined, kind: string, apiVersion: string | undefined, context: SignatureCheckContext): Promise<SignatureCheck> {
  const result: SignatureCheck = { refusals: [], warnings: [], checked: 0 };
  const { policy } = context;
  if (policy.requireSignature.length === 0) return result;
  const before = oldObject ? new Set(containerImages(oldObject, kind, apiVersion).map((c) => c.reference)) : new Set<string>();
  const clientsFor = imageClients(context.registries, context.podKeyring);
  // One verification per image reference and rule within the review; the cache shares them across reviews.
  const pending = new Map<string, Promise<{ verdict: SignatureVerdict; digest?: string }>>();
  const checks: PendingCheck[] = [];
  for (const container of containerImages(object, kind, apiVersion)) {
    if (before.has(container.reference)) continue;
    const parsed = parseImageReference(container.reference);
    if (!parsed.ok) continue; // image-reference-invalid's business; the API server refuses an empty image
    for (const rule of rulesFor(container.reference, policy, context.namespaceLabels)) {
      result.checked++;
      const key = `${container.reference}\u0000${rule.version}`;
      let outcome = pending.get(key);
      if (!outcome && pending.size >= MAX_VERIFICATIONS_PER_REVIEW) {
        const verdict: SignatureVerdict = { status: 'refused', reasons: [`the object names more than ${MAX_VERIFICATIONS_PER_REVIEW} images signature rules apply to; kshield verifies that many per review`], reason: 'too-many-images' };
        outcome = Promise.resolve({ verdict });
      } else if (!outcome) {
        outcome = (async () => {
          let digest: string | undefined;
          const candidates = await clientsFor(parsed.image);
          // A pinned digest needs no read to resolve: the most specific credentials read it.
          let reader = candidates[0];
          try {
            digest = parsed.image.digest;
            if (digest === undefined) ({ digest, reader } = await resolveWithEach(container.reference, candidates, context.signal));
          } catch (error) {
            const timedOut = context.signal.aborted;
            const verdict: SignatureVerdict = { status: 'error', reasons: [timedOut ? `verification did not finish within ${policy.timeoutMs} ms (resolving its tag)` : `its tag could not be resolved: ${message(error)}`], reason: timedOut ? 'timeout' : 'registry' };
            context.onVerified?.(verdict);
            return { verdict };
          }
          const cacheKey = `${parsed.image.registry}/${parsed.image.repository}@${digest}\u0000${rule.version}`;
          const { value, outcome: how } = await context.cache.get(cacheKey, async () => {
            const verdict = await verifyImage(parsed.image, digest!, rule, context.registries, policy.timeoutMs, reader);
            context.onVerified?.(verdict);
            return verdict;
          });
          context.onCache?.(how);
          return { verdict: value, digest };
        })();
        pending.set(key, outcome);
      }
      checks.push({ container, rule, outcome });
    }
  }
  if (checks.length === 0) return result;
  let onAbort: (() => void) | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    onAbort = () => resolve('deadline');
    if (context.signal.aborted) resolve('deadline');
    else context.signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await collect(checks, deadline, policy, result);
  } finally {
    context.signal.removeEventListener('abort', onAbort!);
  }
  return result;
}

type PendingCheck = { container: ContainerImage; rule: SignatureRule; outcome: Promise<{ verdict: SignatureVerdict; digest?: string }> };

/** Waits for each check (or the review's deadline) and turns the verdicts into refusals and warnings. */
async function collect(checks: PendingCheck[], deadline: Promise<'deadline'>, policy: ImagePolicy, result: SignatureCheck): Promise<void> {
  for (const { container, rule, outcome } of checks) {
    const settled = await Promise.race([outcome, deadline]);
    const { verdict, digest } = settled === 'deadline' ? { verdict: { status: 'error', reasons: [`verification did not finish within ${policy.timeoutMs} ms`], reason: 'timeout' } as SignatureVerdict, digest: undefined } : settled;
    if (verdict.status === 'verified') continue;
    const what = `container "${container.container}" image ${container.reference}${digest && !container.reference.includes('@') ? ` (${shortDigest(digest)})` : ''}`;
    if (verdict.status === 'error' && policy.onError === 'allow') {
      result.warnings.push(`kshield: ${what} was admitted without signature verification (${rule.name}, onError: allow): ${verdict.reasons[0]}`);
      continue;
    }
    const why = verdict.status === 'error' ? `could not be verified: ${verdict.reasons[0]} (onError: deny)` : verdict.reasons.join('; ');
    result.refusals.push(`${what}: ${why} [${rule.name}]`);
  }
}
