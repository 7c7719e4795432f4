/**
 * What a signature must satisfy, whichever format carries it: the trust inputs (public keys,
 * keyless identities with a trusted root, a Notary Project trust policy and trust store) and the
 * demands on top (all keys or any, attestations of given types, provenance from allowed builders
 * and source repositories). The `verify` command builds it from flags; the webhook builds one per
 * `webhook.imagePolicy.requireSignature` rule (config/signature-rules.ts). Each format's verifier
 * reads the fields it understands and ignores the rest (cosign: keys, attestations, provenance;
 * Sigstore bundles: identities, trustedRoot or trustedRootFile; notation: notation).
 */
import type { NotationPolicy } from './notation-policy.js';

/** A public key as the user gave it. */
export interface PolicyKey {
  /** PEM text (SubjectPublicKeyInfo, "-----BEGIN PUBLIC KEY-----"). */
  pem: string;
  /** Where it came from, as the user named it (a file path): messages name keys by this. */
  source: string;
}

/** A keyless signer's certificate identity: issuer and subject, each exact or a regular expression. */
export interface KeylessIdentity {
  issuer?: string;
  subject?: string;
  issuerRegExp?: string;
  subjectRegExp?: string;
}

export interface VerifyPolicy {
  keys: PolicyKey[];
  /** any: one verified signature is enough; all: every key must have verified a signature. */
  require: 'any' | 'all';
  /** Keyless (Sigstore) identities the certificate must match one of. */
  identities: KeylessIdentity[];
  /** trusted_root.json for Sigstore bundles (Fulcio CAs, Rekor and TSA keys), read offline. */
  trustedRootFile?: string;
  /** The trusted root already read and parsed (the webhook reads it once, at configuration load); wins over trustedRootFile. */
  trustedRoot?: object;
  /** A Notary Project trust policy (a file, or the document already read) and the trust store directory it names stores in. */
  notation?: NotationPolicy;
  /**
   * Attestation types of which one verified attestation each must exist: cosign's names
   * (`slsaprovenance`, `vuln`, ...) or predicate type URIs, resolved by attestations.ts
   * `predicateTypesFor`.
   */
  attestations: string[];
  /** Demands on SLSA provenance statements; empty lists allow any. */
  provenance: { builders: string[]; sources: string[] };
}

export function emptyPolicy(): VerifyPolicy {
  return { keys: [], require: 'any', identities: [], attestations: [], provenance: { builders: [], sources: [] } };
}
