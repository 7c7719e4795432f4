/**
 * What every signature format kshield verifies has in common (cosign's signatures, Sigstore
 * bundles, Notary Project signatures): the image being verified, the signature artifacts found for
 * it in the registry, and one result per artifact that says exactly why it failed when it did.
 * The per-format verifiers are pure functions of these (signature bytes in, result out), so they
 * are tested without a registry; `discover.ts` finds the artifacts, the `verify` command and the
 * webhook combine the verifiers under a policy.
 */

/** The image a signature must name: its manifest digest is what every format signs. */
export interface SignedSubject {
  /** The reference as the user or the pod named it (`registry.example/app:1.2`). */
  reference: string;
  /** Registry host as in the reference (`docker.io`, `127.0.0.1:5000`). */
  registry: string;
  repository: string;
  /** `sha256:<hex>` of the manifest (or index) the reference resolves to. */
  digest: string;
  mediaType: string;
  size: number;
  /** The manifest's bytes as the registry served them (a Sigstore message signature signs them). */
  manifest?: Buffer;
}

export type SignatureFormat = 'cosign' | 'sigstore-bundle' | 'notation';

/** Why a signature did not verify: each failure names exactly one. */
export type SignatureFailure =
  /** Nothing of the format is attached to the image. */
  | 'no-signature'
  /** The signature does not verify with any key or trust store given. */
  | 'wrong-key'
  /** The signed payload names another image digest than the one verified. */
  | 'digest-mismatch'
  /** Payload bytes differ from what was signed, or from their own digest. */
  | 'tampered-payload'
  /** The certificate chain does not lead to a trusted root. */
  | 'untrusted-chain'
  /** The certificate's identity (issuer, subject, SAN) is not one the policy allows. */
  | 'identity-mismatch'
  /** A certificate or the signature was not valid at signing time, or the signature has expired. */
  | 'expired'
  /** A media type, envelope, algorithm or version kshield does not verify. */
  | 'unsupported-envelope'
  /** A transparency-log entry or signed timestamp the policy requires is missing or does not verify. */
  | 'transparency-log'
  /** A required attestation is missing, or its predicate breaks the policy (builder, source). */
  | 'attestation'
  /** The signature could not be read from the registry. */
  | 'registry';

export interface SignatureResult {
  format: SignatureFormat;
  verified: boolean;
  failure?: SignatureFailure;
  /** One sentence: what was checked and, on failure, exactly why. Never holds key material or secrets. */
  message: string;
  /** Who signed: a key's SHA-256 fingerprint, or a certificate's subject/SAN and issuer. */
  signer?: string;
  /** The signature artifact: its manifest digest, or the tag it was found under. */
  artifact?: string;
  /** When it was signed, as the signature or its timestamp says (ISO 8601). */
  signedAt?: string;
  /** In-toto statements the artifact carried and that verified: their predicate types. */
  attestations?: string[];
}

/** An OCI descriptor, as manifests and the referrers API list them. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** A signature artifact found in the registry, with a way to read its blobs. */
export interface SignatureArtifact {
  /** The artifact manifest's digest (or, for cosign's tag convention, the tag's manifest digest). */
  digest: string;
  /** How it was found: cosign's `sha256-<hex>.sig`/`.att` tag, the referrers API, or the referrers tag schema. */
  foundBy: 'cosign-tag' | 'referrers-api' | 'referrers-tag';
  /** `artifactType` of the manifest, else its config media type. */
  artifactType: string;
  manifest: { mediaType: string; config: Descriptor; layers: Descriptor[]; subject?: Descriptor; annotations?: Record<string, string> };
  /** A blob of the artifact, its digest checked and its size bounded. */
  blob(descriptor: Descriptor): Promise<Buffer>;
}
