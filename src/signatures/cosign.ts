/**
 * cosign's key-based signatures (cosign's SIGNATURE_SPEC): each layer of a signature manifest
 * (found under the tag `sha256-<hex>.sig`, or as a referrer) is one signature, its blob the
 * simple-signing payload (`application/vnd.dev.cosign.simplesigning.v1+json`) and its annotation
 * `dev.cosignproject.cosign/signature` the base64 signature over exactly those bytes.
 *
 * A signature verifies when one of the policy's keys verifies it over the payload, the payload
 * says it is a cosign container image signature (`critical.type`), and it names the verified
 * image (`critical.image.docker-manifest-digest` equals the subject's digest). Attestation layers
 * (DSSE envelopes, under `.att`) are verified by attestations.ts with the same keys.
 */
import { createHash } from 'node:crypto';
import { BlobDigestError, RegistryError } from '../images/registry.js';
import { DSSE_MEDIA_TYPE, verifyAttestationLayer } from './attestations.js';
import { digestTag } from './discover.js';
import { keyName, loadKey, signedOtherBytes, verifiesWith, type TrustedKey } from './keys.js';
import type { VerifyPolicy } from './policy.js';
import type { Descriptor, SignatureArtifact, SignatureResult, SignedSubject } from './types.js';

export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
/** The transparency-log record cosign attaches (Rekor's signed entry): read here only to say why a signature failed. */
export const BUNDLE_ANNOTATION = 'dev.sigstore.cosign/bundle';
export const COSIGN_SIGNATURE_TYPE = 'cosign container image signature';

function decodeBase64(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, '');
  return /^[A-Za-z0-9+/]+={0,2}$/.test(compact) ? Buffer.from(compact, 'base64') : undefined;
}

function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/**
 * What cosign's transparency-log record says was signed: the payload's SHA-256 and the signing
 * key's fingerprint, when the layer carries a `hashedrekord` bundle. Not trusted (no Rekor key is
 * checked): it only tells a payload changed after signing from a signature by another key.
 */
function recordedSigning(annotation: string | undefined): { payloadSha256: string; keyFingerprint?: string; signature?: string } | undefined {
  if (!annotation || annotation.length > 256 * 1024) return undefined;
  try {
    const bundle = JSON.parse(annotation) as unknown;
    const bodyText = field(bundle, 'Payload', 'body');
    if (typeof bodyText !== 'string') return undefined;
    const body = JSON.parse(Buffer.from(bodyText, 'base64').toString('utf8')) as unknown;
    const hash = field(body, 'spec', 'data', 'hash', 'value');
    if (typeof hash !== 'string' || field(body, 'spec', 'data', 'hash', 'algorithm') !== 'sha256') return undefined;
    const keyText = field(body, 'spec', 'signature', 'publicKey', 'content');
    const signature = field(body, 'spec', 'signature', 'content');
    let keyFingerprint: string | undefined;
    if (typeof keyText === 'string') {
      try {
        keyFingerprint = loadKey({ pem: Buffer.from(keyText, 'base64').toString('utf8'), source: 'record' }).fingerprint;
      } catch {
        keyFingerprint = undefined;
      }
    }
    return { payloadSha256: hash.toLowerCase(), ...(keyFingerprint ? { keyFingerprint } : {}), ...(typeof signature === 'string' ? { signature } : {}) };
  } catch {
    return undefined;
  }
}

/** Why a signature over `payload` verified with none of the keys: a payload changed after signing, or another key. */
function failedSignature(label: string, payload: Buffer, signature: Buffer, layer: Descriptor, keys: TrustedKey[]): Pick<SignatureResult, 'failure' | 'message'> {
  const changedBy = keys.find((key) => signedOtherBytes(key, payload, signature));
  if (changedBy) return { failure: 'tampered-payload', message: `${label}: signed by ${keyName(changedBy)}, but over other bytes than the payload the registry holds: the payload was changed after signing` };
  const recorded = recordedSigning(layer.annotations?.[BUNDLE_ANNOTATION]);
  const payloadSha256 = createHash('sha256').update(payload).digest('hex');
  if (recorded && recorded.payloadSha256 !== payloadSha256 && recorded.signature === signature.toString('base64')) {
    const ours = keys.find((k) => k.fingerprint === recorded.keyFingerprint);
    if (ours) return { failure: 'tampered-payload', message: `${label}: its transparency-log record says ${keyName(ours)} signed a payload with SHA-256 ${recorded.payloadSha256.slice(0, 12)}…, but the payload the registry holds is ${payloadSha256.slice(0, 12)}…: it was changed after signing` };
  }
  const other = recorded?.keyFingerprint && !keys.some((k) => k.fingerprint === recorded.keyFingerprint) ? `; its transparency-log record names key ${recorded.keyFingerprint.slice(0, 19)}…` : '';
  const opaque = keys.some((k) => k.kind !== 'rsa') ? ' (made with another key, or over other bytes: ECDSA and Ed25519 signatures do not say which)' : '';
  return { failure: 'wrong-key', message: `${label}: the signature does not verify with ${keys.map(keyName).join(', ')}${other || opaque}` };
}

async function verifySignatureLayer(subject: SignedSubject, artifact: SignatureArtifact, layer: Descriptor, keys: TrustedKey[], label: string): Promise<SignatureResult> {
  const base = { format: 'cosign' as const, artifact: artifact.digest };
  if (layer.mediaType !== SIMPLE_SIGNING_MEDIA_TYPE) return { ...base, verified: false, failure: 'unsupported-envelope', message: `${label} has media type ${layer.mediaType.slice(0, 100)}, not cosign's simple signing (${SIMPLE_SIGNING_MEDIA_TYPE})` };
  const encoded = layer.annotations?.[SIGNATURE_ANNOTATION];
  if (encoded === undefined || encoded === '') return { ...base, verified: false, failure: 'unsupported-envelope', message: `${label} carries no signature (annotation ${SIGNATURE_ANNOTATION})` };
  const signature = decodeBase64(encoded);
  if (!signature) return { ...base, verified: false, failure: 'unsupported-envelope', message: `${label}: the ${SIGNATURE_ANNOTATION} annotation is not base64` };
  let payload: Buffer;
  try {
    payload = await artifact.blob(layer);
  } catch (e) {
    if (e instanceof BlobDigestError) return { ...base, verified: false, failure: 'tampered-payload', message: `${label}: the payload's bytes do not match their digest ${layer.digest}` };
    if (e instanceof RegistryError) return { ...base, verified: false, failure: 'registry', message: `${label}: ${e.message}` };
    throw e;
  }
  const signers = keys.filter((key) => verifiesWith(key, payload, signature));
  if (signers.length === 0) return { ...base, verified: false, ...failedSignature(label, payload, signature, layer, keys) };
  const signer = signers.map((k) => k.fingerprint).join(', ');
  let document: unknown;
  try {
    document = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ...base, verified: false, failure: 'unsupported-envelope', message: `${label}: the signed payload is not JSON`, signer };
  }
  const type = field(document, 'critical', 'type');
  if (typeof type !== 'string' || type.toLowerCase() !== COSIGN_SIGNATURE_TYPE)
    return { ...base, verified: false, failure: 'unsupported-envelope', message: `${label}: the signed payload's critical.type is ${typeof type === 'string' ? `"${type.slice(0, 80)}"` : 'missing'}, not "${COSIGN_SIGNATURE_TYPE}"`, signer };
  const named = field(document, 'critical', 'image', 'docker-manifest-digest');
  if (typeof named !== 'string') return { ...base, verified: false, failure: 'digest-mismatch', message: `${label}: the signed payload names no image digest (critical.image.docker-manifest-digest)`, signer };
  if (named !== subject.digest) return { ...base, verified: false, failure: 'digest-mismatch', message: `${label}: the signed payload is for image ${named.slice(0, 80)}, not ${subject.digest}`, signer };
  const reference = field(document, 'critical', 'identity', 'docker-reference');
  return {
    ...base,
    verified: true,
    message: `${label}: signed by ${signers.map(keyName).join(', ')}${typeof reference === 'string' && reference !== '' ? ` as ${reference.slice(0, 200)}` : ''}`,
    signer,
  };
}

function isSignatureLayer(layer: Descriptor): boolean {
  return layer.mediaType === SIMPLE_SIGNING_MEDIA_TYPE || (layer.annotations?.[SIGNATURE_ANNOTATION] !== undefined && layer.mediaType !== DSSE_MEDIA_TYPE);
}

/** Whether an artifact is cosign's: a signature or attestation manifest of its tag convention, or a referrer holding its layers. */
export function isCosignArtifact(artifact: SignatureArtifact): boolean {
  return artifact.foundBy === 'cosign-tag' || artifact.manifest.layers.some((l) => isSignatureLayer(l) || l.mediaType === DSSE_MEDIA_TYPE);
}

/**
 * Verifies every cosign signature and attestation among `artifacts` with the policy's keys: one
 * result per signature (layer). No keys, no cosign results (keyless cosign signatures are
 * Sigstore's verifier's). When no cosign signature is attached at all, one `no-signature` result.
 */
export async function verifyCosignArtifacts(subject: SignedSubject, artifacts: SignatureArtifact[], policy: VerifyPolicy): Promise<SignatureResult[]> {
  if (policy.keys.length === 0) return [];
  const keys = policy.keys.map(loadKey);
  const results: SignatureResult[] = [];
  let signatures = 0;
  for (const artifact of artifacts.filter(isCosignArtifact)) {
    const { layers } = artifact.manifest;
    const kind = layers.some((l) => l.mediaType === DSSE_MEDIA_TYPE) ? 'attestation' : 'signature';
    const where = artifact.foundBy === 'cosign-tag' ? `cosign ${kind === 'attestation' ? '.att' : '.sig'} tag` : artifact.foundBy === 'referrers-api' ? 'referrer' : 'referrer (tag schema)';
    for (const [i, layer] of layers.entries()) {
      const label = `${kind} ${i + 1}${layers.length > 1 ? ` of ${layers.length}` : ''} in the ${where}`;
      if (layer.mediaType === DSSE_MEDIA_TYPE) results.push(await verifyAttestationLayer(subject, artifact, layer, keys, policy, label));
      else {
        signatures++;
        results.push(await verifySignatureLayer(subject, artifact, layer, keys, label));
      }
    }
  }
  if (signatures === 0)
    results.unshift({ format: 'cosign', verified: false, failure: 'no-signature', message: `no cosign signature is attached to ${subject.digest} (no tag ${digestTag(subject.digest).slice(0, 19)}….sig, no cosign signature among its referrers)` });
  return results;
}
