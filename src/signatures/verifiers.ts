/**
 * The signature formats kshield verifies, each a function of the image, the artifacts found for
 * it and the policy (no registry access of its own beyond the artifacts' blobs), and the judgement
 * of all their results under the policy: the `verify` command and the webhook share both.
 */
import { verifyCosignArtifacts } from './cosign.js';
import { verifySigstoreArtifacts } from './sigstore.js';
import { verifyNotation } from './notation.js';
import { predicateTypesFor } from './attestations.js';
import type { Discovery } from './discover.js';
import type { VerifyPolicy } from './policy.js';
import type { SignatureArtifact, SignatureFormat, SignatureResult, SignedSubject } from './types.js';

export type Verifier = (subject: SignedSubject, artifacts: SignatureArtifact[], policy: VerifyPolicy) => Promise<SignatureResult[]>;

/**
 * Format → verifier. Each returns results only for artifacts of its format, and none when the
 * policy gives it nothing to verify with (cosign without keys). Sigstore bundles
 * (`verifySigstoreArtifacts`, sigstore.ts) and Notary Project signatures (`verifyNotationArtifacts`,
 * notation.ts) are registered here beside cosign.
 */
export const VERIFIERS: Partial<Record<SignatureFormat, Verifier>> = {
  cosign: verifyCosignArtifacts,
  // Bundles are verified against a trusted root only; without one the format has nothing to trust.
  'sigstore-bundle': (subject, artifacts, policy) =>
    policy.trustedRoot !== undefined || policy.trustedRootFile
      ? verifySigstoreArtifacts(subject, artifacts, { trustedRoot: policy.trustedRoot ?? policy.trustedRootFile, identities: policy.identities, keys: policy.keys.map((k) => k.pem), provenance: policy.provenance })
      : Promise.resolve([]),
  // Notary Project signatures under the trust policy and trust stores given; none without them.
  notation: verifyNotation,
};

/** Every verifier's results, and one `registry` result per artifact that could not be read. */
export async function verifyAll(subject: SignedSubject, discovery: Discovery, policy: VerifyPolicy, verifiers: Partial<Record<SignatureFormat, Verifier>> = VERIFIERS): Promise<SignatureResult[]> {
  const results: SignatureResult[] = [];
  for (const verifier of Object.values(verifiers)) {
    const found = await verifier!(subject, discovery.artifacts, policy);
    // With part of the registry unread, "nothing is attached" is not known: the registry lines say why.
    results.push(...(discovery.problems.length > 0 ? found.filter((r) => r.failure !== 'no-signature') : found));
  }
  const format: SignatureFormat = (Object.keys(verifiers)[0] as SignatureFormat | undefined) ?? 'cosign';
  for (const problem of discovery.problems) results.push({ format, verified: false, failure: 'registry', message: problem.message, artifact: problem.where });
  return results;
}

export interface Verdict {
  satisfied: boolean;
  /** Why not, one sentence each (empty when satisfied). */
  reasons: string[];
}

/** Whether a result is an attestation's (those carry the `attestations` list, empty when it failed). */
export function isAttestationResult(result: SignatureResult): boolean {
  return result.attestations !== undefined;
}

/**
 * The policy over all results: a verified signature (require any), or one verified by every key
 * (require all); and for each required attestation type, a verified attestation of it.
 */
export function judge(results: SignatureResult[], policy: VerifyPolicy, fingerprints: { source: string; fingerprint: string }[]): Verdict {
  const reasons: string[] = [];
  const signatures = results.filter((r) => !isAttestationResult(r));
  const verified = signatures.filter((r) => r.verified);
  const signedBy = (fingerprint: string, among: SignatureResult[]): boolean => among.some((r) => (r.signer ?? '').split(', ').includes(fingerprint));
  if (verified.length === 0) {
    const why = [...new Set(signatures.map((r) => r.failure).filter(Boolean))].join(', ');
    reasons.push(`no signature verified${why ? ` (${why})` : ''}`);
  } else if (policy.require === 'all') {
    for (const key of fingerprints) if (!signedBy(key.fingerprint, verified)) reasons.push(`no signature verified with ${key.source}, and --require all needs one from every key`);
  }
  const attested = results.filter((r) => r.verified && isAttestationResult(r));
  for (const name of policy.attestations) {
    const types = predicateTypesFor(name) ?? [name];
    if (!attested.some((r) => r.attestations!.some((t) => types.includes(t)))) {
      const failed = results.filter((r) => isAttestationResult(r) && !r.verified).length;
      reasons.push(`no verified ${name} attestation (${types.join(' or ')})${failed > 0 ? `; ${failed} attestation${failed === 1 ? '' : 's'} failed` : ''}`);
    }
  }
  return { satisfied: reasons.length === 0, reasons };
}
