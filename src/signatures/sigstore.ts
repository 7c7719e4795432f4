/**
 * Sigstore bundles attached to an image (cosign v3 pushes them through the referrers API; media
 * types v0.1-v0.3), verified offline with `@sigstore/verify` against a `trusted_root.json`:
 * - the content binds the image: a DSSE envelope holding an in-toto statement whose subject names
 *   the image digest (what `cosign sign` v3 writes, predicate `https://sigstore.dev/cosign/sign/v1`,
 *   and what `cosign attest` writes with other predicates), or a message signature whose digest is
 *   the image manifest's digest and whose signature covers the manifest's bytes;
 * - the signing key: a Fulcio-style certificate chaining to a CA of the trusted root, valid at
 *   every verified timestamp, with its SCTs (keyless), or one of the policy's PEM keys (key-based);
 * - transparency-log entries (inclusion promise and/or inclusion proof up to a signed checkpoint)
 *   and RFC 3161 timestamps, with the policy's thresholds;
 * - the certificate identity (OIDC issuer and SAN) against the policy's allowed identities.
 * Each artifact gives one result; a failure names the first check that failed.
 */
import { createHash, createPublicKey, verify as verifySignatureBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { bundleFromJSON, ValidationError, type Bundle } from '@sigstore/bundle';
import { HashAlgorithm, TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier, VerificationError, type SignedEntity, type TrustMaterial } from '@sigstore/verify';
import { UsageError } from '../core/errors.js';
import type { Descriptor, SignatureArtifact, SignatureFailure, SignatureResult, SignedSubject } from './types.js';
import { judgeStatement } from './attestations.js';
import type { VerifyPolicy } from './policy.js';

/** One signer identity a keyless certificate may carry: the OIDC issuer and the SAN (email or URI), each exact or a regular expression matched against the whole value. */
export interface SigstoreIdentity {
  issuer?: string;
  issuerRegExp?: string;
  subject?: string;
  subjectRegExp?: string;
}

export interface SigstorePolicy {
  /** `trusted_root.json` as Sigstore publishes it: its parsed JSON, or the path of the file. Without it, bundles are not verified (no results). */
  trustedRoot?: string | object;
  /** Keyless bundles must carry one of these identities (any of them); without any, keyless bundles are refused, as cosign refuses to verify without --certificate-identity. */
  identities?: SigstoreIdentity[];
  /** PEM public keys for key-based bundles (any of them). */
  keys?: string[];
  /** Transparency-log entries that must verify (default 1, as cosign requires; 0 for private deployments without Rekor). */
  tlogThreshold?: number;
  /** Verified timestamps (log inclusion promises and RFC 3161 timestamps) required (default 1; a certificate always needs at least one, to be checked at signing time). */
  timestampThreshold?: number;
  /** SCTs a certificate must carry from a CT log of the trusted root (default 1, as Fulcio embeds one). */
  ctlogThreshold?: number;
  /** Builders and source repositories SLSA provenance statements must name (empty lists allow any), as for cosign's attestations. */
  provenance?: VerifyPolicy['provenance'];
}

/** The image, with its manifest's bytes when the caller has them: a message signature signs those bytes. */
export type SigstoreSubject = SignedSubject & { manifest?: Buffer };

/** The bundle media types: v0.3 as cosign v3 writes it, and the earlier forms. */
export const SIGSTORE_BUNDLE_MEDIA_TYPES: readonly string[] = [
  'application/vnd.dev.sigstore.bundle.v0.3+json',
  'application/vnd.dev.sigstore.bundle+json;version=0.3',
  'application/vnd.dev.sigstore.bundle+json;version=0.2',
  'application/vnd.dev.sigstore.bundle+json;version=0.1',
];
const BUNDLE_FAMILY = /^application\/vnd\.dev\.sigstore\.bundle[.+]/;
const TRUSTED_ROOT_MEDIA_TYPE = /^application\/vnd\.dev\.sigstore\.trustedroot(\+json;version=0\.\d+|\.v0\.\d+\+json)$/;
const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
const IN_TOTO_STATEMENT_TYPES = new Set(['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1']);
/** The predicate of `cosign sign` v3: the statement is the image's signature, not an attestation. */
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';
const MAX_BUNDLE_BYTES = 32 * 1024 * 1024;
const MAX_TRUSTED_ROOT_BYTES = 4 * 1024 * 1024;

interface CompiledIdentity {
  issuer: (value: string) => boolean;
  subject: (value: string) => boolean;
  /** How messages name them: the exact value, or `/pattern/`. */
  issuerText: string;
  subjectText: string;
}

interface Prepared {
  trust: TrustMaterial;
  /** Log ids (hex) the trusted root names, to say which log an unknown entry came from. */
  tlogIds: Set<string>;
  identities: CompiledIdentity[];
  keys: { key: KeyObject; fingerprint: string; hints: Set<string> }[];
  tlogThreshold: number;
  timestampThreshold: number;
  ctlogThreshold: number;
  /** Demands on provenance statements, when the policy lists builders or sources. */
  provenance?: VerifyPolicy['provenance'];
}

class Failure extends Error {
  /** The statement's predicate type, once the signature over it verified. */
  predicateType?: string;
  constructor(readonly reason: SignatureFailure, message: string, readonly signer?: string) {
    super(message);
  }
}

/** Text from the bundle (SANs, hints, types) quoted in messages, bounded: anyone can write it. */
function clip(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** cosign's annotation on a bundle artifact naming the statement's predicate type. */
const PREDICATE_TYPE_ANNOTATION = 'dev.sigstore.bundle.predicateType';

/** Does this artifact hold a Sigstore bundle (by its artifact type or a layer's media type)? */
export function isSigstoreBundleArtifact(artifact: SignatureArtifact): boolean {
  return BUNDLE_FAMILY.test(artifact.artifactType) || artifact.manifest.layers.some((layer) => BUNDLE_FAMILY.test(layer.mediaType));
}

/**
 * One result per Sigstore bundle among `artifacts` (other formats are left to their verifiers).
 * Without a trusted root there is nothing to verify with: no results, as cosign's verifier gives
 * none without keys. With one and no bundle attached: one `no-signature` result. An attestation's
 * result (a statement with another predicate than cosign's signing one) carries `attestations`:
 * its predicate type when verified, an empty list when it failed.
 */
export async function verifySigstoreArtifacts(subject: SigstoreSubject, artifacts: SignatureArtifact[], policy: SigstorePolicy): Promise<SignatureResult[]> {
  if (policy.trustedRoot === undefined) return [];
  // The policy is checked first: a trusted root that is not one is an error, not "no signature".
  const prepared = preparePolicy({ ...policy, trustedRoot: policy.trustedRoot });
  const bundles = artifacts.filter(isSigstoreBundleArtifact);
  if (bundles.length === 0) {
    return [{ format: 'sigstore-bundle', verified: false, failure: 'no-signature', message: `no Sigstore bundle is attached to ${subject.reference}` }];
  }
  const results: SignatureResult[] = [];
  for (const artifact of bundles) {
    try {
      results.push({ format: 'sigstore-bundle', artifact: artifact.digest, ...(await verifyArtifact(subject, artifact, prepared)) });
    } catch (error) {
      if (!(error instanceof Failure)) throw error;
      // Before its signature verified, the statement's type is known only from the artifact's annotation.
      const predicateType = error.predicateType ?? artifact.manifest.annotations?.[PREDICATE_TYPE_ANNOTATION];
      results.push({
        format: 'sigstore-bundle', verified: false, failure: error.reason, message: error.message, artifact: artifact.digest,
        ...(error.signer ? { signer: error.signer } : {}),
        ...(predicateType !== undefined && predicateType !== COSIGN_SIGN_PREDICATE ? { attestations: [] } : {}),
      });
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Policy
// ---------------------------------------------------------------------------------------------

/** Checks a policy before any registry is asked (the trusted root read and parsed, identities and keys compiled); throws UsageError naming what is wrong. */
export function checkSigstorePolicy(policy: SigstorePolicy & { trustedRoot: string | object }): void {
  preparePolicy(policy);
}

function preparePolicy(policy: SigstorePolicy & { trustedRoot: string | object }): Prepared {
  const root = loadTrustedRoot(policy.trustedRoot);
  let trust: TrustMaterial;
  try {
    trust = toTrustMaterial(TrustedRoot.fromJSON(root));
  } catch (error) {
    throw new UsageError(`trusted root: ${(error as Error).message}`);
  }
  const keys = (policy.keys ?? []).map((pem, index) => {
    let key: KeyObject;
    try {
      key = createPublicKey(pem);
    } catch (error) {
      throw new UsageError(`Sigstore key ${index + 1}: not a PEM public key (${(error as Error).message})`);
    }
    const spki = key.export({ type: 'spki', format: 'der' });
    const digest = createHash('sha256').update(spki).digest();
    // Bundles name their key by a free-form hint; cosign and sigstore-go write the key's SHA-256.
    return { key, fingerprint: `sha256:${digest.toString('hex')}`, hints: new Set([digest.toString('base64'), digest.toString('hex'), `sha256:${digest.toString('hex')}`]) };
  });
  const threshold = (name: string, value: number | undefined): number => {
    if (value === undefined) return 1;
    if (!Number.isInteger(value) || value < 0) throw new UsageError(`Sigstore ${name}: expected a whole number >= 0, got ${value}`);
    return value;
  };
  return {
    trust,
    tlogIds: new Set(trust.tlogs.map((log) => log.logID.toString('hex'))),
    identities: (policy.identities ?? []).map(compileIdentity),
    keys,
    tlogThreshold: threshold('tlogThreshold', policy.tlogThreshold),
    timestampThreshold: threshold('timestampThreshold', policy.timestampThreshold),
    ctlogThreshold: threshold('ctlogThreshold', policy.ctlogThreshold),
    ...(policy.provenance && (policy.provenance.builders.length > 0 || policy.provenance.sources.length > 0) ? { provenance: policy.provenance } : {}),
  };
}

/**
 * Reads a trusted root (a path or parsed JSON) and checks that @sigstore/verify can use it; throws
 * UsageError saying why not. The webhook calls it once per configuration load.
 */
export function readTrustedRoot(source: string | object): object {
  const root = loadTrustedRoot(source);
  try {
    toTrustMaterial(TrustedRoot.fromJSON(root));
  } catch (error) {
    throw new UsageError(`${typeof source === 'string' ? source : 'trusted root'}: ${(error as Error).message}`);
  }
  return root;
}

function loadTrustedRoot(source: string | object): object {
  let root: unknown = source;
  let label = 'trusted root';
  if (typeof source === 'string') {
    label = source;
    let text: string;
    try {
      const info = statSync(source);
      if (info.isDirectory()) throw new UsageError(`${source}: a directory, not a trusted root (trusted_root.json)`);
      // A pipe (`<(...)`, /dev/stdin) has no size to check before reading: its length is checked after.
      if (info.isFile() && info.size > MAX_TRUSTED_ROOT_BYTES) throw new UsageError(`${source}: larger than ${MAX_TRUSTED_ROOT_BYTES / 1024 / 1024} MiB; not a trusted_root.json`);
      text = readFileSync(source, 'utf8');
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`${source}: cannot read the trusted root (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    if (text.length > MAX_TRUSTED_ROOT_BYTES) throw new UsageError(`${source}: larger than ${MAX_TRUSTED_ROOT_BYTES / 1024 / 1024} MiB; not a trusted_root.json`);
    try {
      root = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`${source}: not JSON (${(error as Error).message.split('\n')[0].slice(0, 200)})`);
    }
  }
  if (root === null || typeof root !== 'object' || Array.isArray(root)) throw new UsageError(`${label}: expected a JSON object`);
  const { mediaType, tlogs, certificateAuthorities } = root as { mediaType?: unknown; tlogs?: unknown; certificateAuthorities?: unknown };
  // Trusted roots published before 2024 carry no mediaType; they are recognised by their lists.
  if (mediaType === undefined ? !Array.isArray(tlogs) && !Array.isArray(certificateAuthorities) : typeof mediaType !== 'string' || !TRUSTED_ROOT_MEDIA_TYPE.test(mediaType)) {
    throw new UsageError(`${label}: ${mediaType === undefined ? 'no mediaType and no tlogs or certificateAuthorities' : `mediaType ${JSON.stringify(mediaType)}`}: not a Sigstore trusted root (application/vnd.dev.sigstore.trustedroot+json;version=0.1)`);
  }
  return root;
}

function compileIdentity(identity: SigstoreIdentity, index: number): CompiledIdentity {
  const where = `Sigstore identity ${index + 1}`;
  const matcher = (field: 'issuer' | 'subject'): { test: (value: string) => boolean; text: string } => {
    const exact = identity[field];
    const pattern = identity[`${field}RegExp`];
    if (exact !== undefined && pattern !== undefined) throw new UsageError(`${where}: give ${field} or ${field}RegExp, not both`);
    if (exact !== undefined) return { test: (value) => value === exact, text: exact };
    if (pattern === undefined) throw new UsageError(`${where}: needs ${field} or ${field}RegExp (a keyless certificate is trusted for one issuer and subject, as cosign's --certificate-oidc-issuer and --certificate-identity)`);
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${pattern})$`);
    } catch (error) {
      throw new UsageError(`${where}: ${field}RegExp ${JSON.stringify(pattern)} is not a regular expression (${(error as Error).message})`);
    }
    return { test: (value) => re.test(value), text: `/${pattern}/` };
  };
  const issuer = matcher('issuer');
  const subject = matcher('subject');
  return { issuer: issuer.test, subject: subject.test, issuerText: issuer.text, subjectText: subject.text };
}

// ---------------------------------------------------------------------------------------------
// One artifact
// ---------------------------------------------------------------------------------------------

type Verified = Omit<SignatureResult, 'format' | 'artifact'>;

async function verifyArtifact(subject: SigstoreSubject, artifact: SignatureArtifact, prepared: Prepared): Promise<Verified> {
  const layer = bundleLayer(artifact);
  let bytes: Buffer;
  try {
    bytes = await artifact.blob(layer);
  } catch (error) {
    throw new Failure('registry', `the bundle blob ${layer.digest} could not be read: ${(error as Error).message}`);
  }
  const bundle = parseBundle(bytes);
  const signingKey = signingKeyOf(bundle, prepared);
  const content = bundle.content;
  if (content.$case === 'messageSignature') {
    // The digest binds the image before the signature is checked: the signature covers the manifest's bytes.
    const manifest = checkMessageBinding(subject, content.messageSignature.messageDigest?.digest ?? Buffer.alloc(0), content.messageSignature.messageDigest?.algorithm);
    const key = checkSignature(signingKey, prepared, (candidate) => verifySignatureBytes('sha256', manifest, candidate, content.messageSignature.signature), 'message signature over the image manifest');
    return finish(signedEntity(bundle, manifest), key, signingKey, prepared, undefined);
  }
  const envelope = content.dsseEnvelope;
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new Failure('unsupported-envelope', `the DSSE envelope's payloadType is ${JSON.stringify(clip(envelope.payloadType))}; an image signature or attestation is an in-toto statement (${IN_TOTO_PAYLOAD_TYPE})`);
  }
  // The key's own digest (as @sigstore/verify does): SHA-256 for P-256 and RSA, none for Ed25519.
  const key = checkSignature(signingKey, prepared, (candidate) => verifySignatureBytes(null, preAuthEncoding(envelope.payloadType, envelope.payload), candidate, envelope.signatures[0].sig), 'DSSE signature');
  // Only a payload whose signature verified is read; which image it names is checked once it is trusted.
  const statement = parseStatement(envelope.payload);
  try {
    const verified = finish(signedEntity(bundle, undefined), key, signingKey, prepared, statement);
    checkStatementSubject(subject, statement, verified.signer);
    // A provenance attestation must also name a builder and source the policy allows.
    if (statement.predicateType !== COSIGN_SIGN_PREDICATE && prepared.provenance) {
      const judged = judgeStatement(statement.parsed, subject.digest, { provenance: prepared.provenance });
      if (!judged.ok) throw new Failure(judged.failure ?? 'attestation', judged.message, verified.signer);
    }
    return verified;
  } catch (error) {
    if (error instanceof Failure) error.predicateType = statement.predicateType;
    throw error;
  }
}

function bundleLayer(artifact: SignatureArtifact): Descriptor {
  const layers = artifact.manifest.layers.filter((layer) => BUNDLE_FAMILY.test(layer.mediaType));
  if (layers.length === 0) {
    throw new Failure('unsupported-envelope', `artifact type ${clip(artifact.artifactType)} names a Sigstore bundle but no layer holds one (layer media types: ${clip(artifact.manifest.layers.map((l) => l.mediaType).join(', ')) || 'none'})`);
  }
  if (layers.length > 1) throw new Failure('unsupported-envelope', `the artifact has ${layers.length} bundle layers; a Sigstore bundle artifact holds exactly one`);
  const [layer] = layers;
  if (!SIGSTORE_BUNDLE_MEDIA_TYPES.includes(layer.mediaType)) {
    throw new Failure('unsupported-envelope', `bundle media type ${clip(layer.mediaType)} is not one kshield verifies (${SIGSTORE_BUNDLE_MEDIA_TYPES.join(', ')})`);
  }
  if (layer.size > MAX_BUNDLE_BYTES) throw new Failure('unsupported-envelope', `the bundle is ${layer.size} bytes, more than the ${MAX_BUNDLE_BYTES} kshield reads`);
  return layer;
}

function parseBundle(bytes: Buffer): Bundle {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new Failure('unsupported-envelope', `the bundle is not JSON (${(error as Error).message})`);
  }
  const mediaType = (json as { mediaType?: unknown } | null)?.mediaType;
  if (typeof mediaType !== 'string' || !SIGSTORE_BUNDLE_MEDIA_TYPES.includes(mediaType)) {
    throw new Failure('unsupported-envelope', `the bundle's mediaType ${clip(JSON.stringify(mediaType) ?? 'missing')} is not one kshield verifies (${SIGSTORE_BUNDLE_MEDIA_TYPES.join(', ')})`);
  }
  try {
    return bundleFromJSON(json);
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new Failure('unsupported-envelope', `the bundle is not a valid ${mediaType} bundle: ${error.fields.join(', ')} missing, empty or not as that version requires`);
    }
    throw new Failure('unsupported-envelope', `the bundle cannot be read: ${(error as Error).message}`);
  }
}

type SigningKey =
  | { kind: 'certificate'; certificate: X509Certificate; key: KeyObject }
  | { kind: 'key'; hint: string };

function signingKeyOf(bundle: Bundle, prepared: Prepared): SigningKey {
  const material = bundle.verificationMaterial.content;
  if (material.$case === 'publicKey') {
    if (prepared.keys.length === 0) {
      throw new Failure('wrong-key', `the bundle is signed with a key (hint ${JSON.stringify(clip(material.publicKey.hint))}) and no public key was given to verify it`);
    }
    return { kind: 'key', hint: material.publicKey.hint };
  }
  const raw = material.$case === 'certificate' ? material.certificate.rawBytes : material.x509CertificateChain.certificates[0].rawBytes;
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(raw);
  } catch (error) {
    throw new Failure('unsupported-envelope', `the bundle's certificate cannot be parsed (${(error as Error).message})`);
  }
  return { kind: 'certificate', certificate, key: certificate.publicKey };
}

/** The signature over the content, before any trust question: with the certificate's key, or the first policy key it verifies with. */
function checkSignature(signingKey: SigningKey, prepared: Prepared, verifies: (key: KeyObject) => boolean, what: string): KeyObject {
  const attempt = (key: KeyObject): boolean => {
    try {
      return verifies(key);
    } catch {
      return false;
    }
  };
  if (signingKey.kind === 'certificate') {
    if (!attempt(signingKey.key)) {
      throw new Failure('tampered-payload', `the ${what} does not verify with the key of the bundle's own certificate: the signed content or the signature was changed after signing`);
    }
    return signingKey.key;
  }
  const match = prepared.keys.find((candidate) => attempt(candidate.key));
  if (match) return match.key;
  const named = prepared.keys.find((candidate) => candidate.hints.has(signingKey.hint));
  if (named) {
    throw new Failure('tampered-payload', `the ${what} does not verify with the key its hint names (${named.fingerprint}): the signed content or the signature was changed after signing`, named.fingerprint);
  }
  throw new Failure('wrong-key', `the ${what} verifies with none of the ${prepared.keys.length} given public key(s) (the bundle's key hint is ${JSON.stringify(clip(signingKey.hint))})`);
}

function signedEntity(bundle: Bundle, artifact: Buffer | undefined): SignedEntity {
  try {
    return toSignedEntity(bundle, artifact);
  } catch (error) {
    throw new Failure('unsupported-envelope', `the bundle's verification material cannot be read: ${(error as Error).message}`);
  }
}

/** Chain, SCTs, transparency log and timestamps through @sigstore/verify, then the identity policy. */
function finish(entity: SignedEntity, key: KeyObject, signingKey: SigningKey, prepared: Prepared, statement: InTotoStatement | undefined): Verified {
  const isCertificate = signingKey.kind === 'certificate';
  const trust: TrustMaterial = { ...prepared.trust, publicKey: () => ({ publicKey: key, validFor: () => true }) };
  const verifier = new Verifier(trust, {
    tlogThreshold: prepared.tlogThreshold,
    // A certificate lives minutes: it is checked at a verified time, never at "now".
    timestampThreshold: isCertificate ? Math.max(1, prepared.timestampThreshold) : prepared.timestampThreshold,
    ctlogThreshold: isCertificate ? prepared.ctlogThreshold : 0,
  });
  const certificate = signingKey.kind === 'certificate' ? signingKey.certificate : undefined;
  const identity = certificate ? certificateIdentity(entity) : undefined;
  const signer = identity
    ? `${clip(identity.subject ?? '(no SAN)')} (issuer ${clip(identity.issuer ?? 'unknown')})`
    : prepared.keys.find((candidate) => candidate.key === key)?.fingerprint ?? 'unknown key';
  try {
    verifier.verify(entity);
  } catch (error) {
    throw new Failure(...explain(error, entity, prepared, certificate), signer);
  }
  if (identity) checkIdentity(identity, prepared, signer);
  const signedAt = earliestTimestamp(entity);
  const attestations = statement && statement.predicateType !== COSIGN_SIGN_PREDICATE ? [statement.predicateType] : undefined;
  const what = statement ? (attestations ? `attestation ${clip(statement.predicateType)}` : 'image signature (in-toto statement)') : 'message signature over the image manifest';
  return {
    verified: true,
    message: `${what} verified: signed by ${signer}${signedAt ? ` at ${signedAt}` : ''}, ${evidenceSummary(entity)}`,
    signer,
    ...(signedAt ? { signedAt } : {}),
    ...(attestations ? { attestations } : {}),
  };
}

function certificateIdentity(entity: SignedEntity): { subject?: string; issuer?: string } {
  if (entity.key.$case !== 'certificate') return {};
  const certificate = entity.key.certificate;
  const current = certificate.extension('1.3.6.1.4.1.57264.1.8');
  let issuer: string | undefined;
  try {
    issuer = current ? current.valueObj.subs[0]?.value.toString('utf8') : certificate.extension('1.3.6.1.4.1.57264.1.1')?.value.toString('utf8');
  } catch {
    issuer = undefined;
  }
  let subject: string | undefined;
  try {
    subject = certificate.subjectAltName;
  } catch {
    subject = undefined;
  }
  return { subject, issuer };
}

function checkIdentity(identity: { subject?: string; issuer?: string }, prepared: Prepared, signer: string): void {
  if (prepared.identities.length === 0) {
    throw new Failure('identity-mismatch', `the bundle is signed keyless by ${signer} and the policy allows no certificate identity (give an issuer and a subject)`, signer);
  }
  if (identity.subject === undefined || identity.issuer === undefined) {
    throw new Failure('identity-mismatch', `the certificate carries no ${identity.subject === undefined ? 'subject alternative name (email or URI)' : 'OIDC issuer extension (1.3.6.1.4.1.57264.1.8 or .1.1)'}, so it names no identity to allow`, signer);
  }
  const { subject, issuer } = identity;
  if (prepared.identities.some((allowed) => allowed.subject(subject) && allowed.issuer(issuer))) return;
  const sameSubject = prepared.identities.filter((allowed) => allowed.subject(subject));
  const why = sameSubject.length > 0
    ? `subject ${clip(subject)} is allowed only from ${sameSubject.map((allowed) => allowed.issuerText).join(', ')}, not from issuer ${clip(issuer)}`
    : `subject ${clip(subject)} (issuer ${clip(issuer)}) is none of the allowed identities: ${prepared.identities.map((allowed) => `${allowed.subjectText} from ${allowed.issuerText}`).join('; ')}`;
  throw new Failure('identity-mismatch', `the certificate's identity is not allowed: ${why}`, signer);
}

/** What a @sigstore/verify error means, as one failure reason and a sentence. */
function explain(error: unknown, entity: SignedEntity, prepared: Prepared, certificate: X509Certificate | undefined): [SignatureFailure, string] {
  if (!(error instanceof VerificationError)) return ['unsupported-envelope', `the bundle could not be verified: ${(error as Error).message}`];
  const detail = error.message;
  const timestamps = timestampsOf(entity);
  switch (error.code) {
    case 'CERTIFICATE_ERROR': {
      if (/SCT/.test(detail)) {
        return ['transparency-log', `certificate transparency: ${/expected/.test(detail) ? `the certificate carries fewer SCTs than the ${prepared.ctlogThreshold} required (${detail})` : 'the certificate\'s SCT does not verify with any CT log of the trusted root'}`];
      }
      const cause = (error as { cause?: unknown }).cause;
      const causeMessage = cause instanceof Error ? cause.message : undefined;
      if (causeMessage && /not valid or expired/.test(causeMessage) && certificate) {
        const outside = timestamps.filter((t) => t.at < new Date(certificate.validFrom) || t.at > new Date(certificate.validTo));
        const when = (outside.length > 0 ? outside : timestamps).map((t) => `${t.at.toISOString()} (${t.source})`).join(', ');
        const leafValid = outside.length > 0;
        return ['expired', leafValid
          ? `the signing certificate was not valid when it signed: valid ${new Date(certificate.validFrom).toISOString()} to ${new Date(certificate.validTo).toISOString()}, signed at ${when}`
          : `a CA certificate of the chain was not valid at signing time ${when}`];
      }
      if (!causeMessage) {
        return ['untrusted-chain', `no certificate authority of the trusted root was valid at signing time ${timestamps.map((t) => t.at.toISOString()).join(', ')}`];
      }
      return ['untrusted-chain', `the certificate${certificate ? ` (issued by ${certificate.issuer.replace(/\n/g, ', ')})` : ''} does not chain to a certificate authority of the trusted root: ${causeMessage}`];
    }
    case 'TLOG_INCLUSION_PROMISE_ERROR':
    case 'TLOG_INCLUSION_PROOF_ERROR': {
      const unknown = entity.tlogEntries.map((entry) => entry.logId?.keyId.toString('hex')).filter((id): id is string => id !== undefined && !prepared.tlogIds.has(id));
      if (unknown.length > 0) return ['transparency-log', `the transparency-log entry comes from a log the trusted root does not name (log id ${unknown[0]})`];
      const evidence = error.code === 'TLOG_INCLUSION_PROMISE_ERROR' ? 'inclusion promise (signed entry timestamp)' : 'inclusion proof';
      return ['transparency-log', `the transparency-log entry's ${evidence} does not verify with the log's key in the trusted root: ${detail}`];
    }
    case 'TLOG_MISSING_INCLUSION_ERROR':
      return ['transparency-log', 'a transparency-log entry has neither an inclusion promise nor an inclusion proof'];
    case 'TLOG_BODY_ERROR':
      return ['transparency-log', `the transparency-log entry records other content than the bundle holds (${detail})`];
    case 'TLOG_ERROR':
      return ['transparency-log', `the bundle has ${entity.tlogEntries.length} transparency-log entr${entity.tlogEntries.length === 1 ? 'y' : 'ies'}; the policy requires ${prepared.tlogThreshold}`];
    case 'TIMESTAMP_ERROR': {
      if (/expected/.test(detail)) {
        return ['transparency-log', `the bundle has ${timestamps.length} verifiable timestamp(s) (log inclusion promises, RFC 3161 timestamps); the policy requires ${Math.max(certificate ? 1 : 0, prepared.timestampThreshold)}`];
      }
      if (/duplicate/.test(detail)) return ['transparency-log', 'the bundle holds the same timestamp twice'];
      return ['transparency-log', 'an RFC 3161 timestamp in the bundle does not verify with any timestamp authority of the trusted root'];
    }
    case 'PUBLIC_KEY_ERROR':
      return ['wrong-key', detail];
    case 'SIGNATURE_ERROR':
      return ['tampered-payload', 'the signature does not verify over the signed content'];
    default:
      return ['unsupported-envelope', `the bundle could not be verified (${error.code}: ${detail})`];
  }
}

interface DatedEvidence {
  at: Date;
  source: string;
}

/** The timestamps @sigstore/verify uses: log integrated times backed by an inclusion promise, and RFC 3161 times. */
function timestampsOf(entity: SignedEntity): DatedEvidence[] {
  const out: DatedEvidence[] = [];
  for (const timestamp of entity.timestamps) {
    if (timestamp.$case === 'transparency-log') {
      if (timestamp.tlogEntry.inclusionPromise) out.push({ at: new Date(Number(timestamp.tlogEntry.integratedTime) * 1000), source: 'transparency log' });
    } else {
      try {
        out.push({ at: timestamp.timestamp.signingTime, source: 'RFC 3161 timestamp' });
      } catch {
        // An unreadable timestamp fails verification on its own.
      }
    }
  }
  return out;
}

function earliestTimestamp(entity: SignedEntity): string | undefined {
  const times = timestampsOf(entity).map((t) => t.at.getTime()).filter((t) => Number.isFinite(t));
  return times.length > 0 ? new Date(Math.min(...times)).toISOString() : undefined;
}

function evidenceSummary(entity: SignedEntity): string {
  const tsa = entity.timestamps.filter((t) => t.$case === 'timestamp-authority').length;
  const parts = [`${entity.tlogEntries.length} transparency-log entr${entity.tlogEntries.length === 1 ? 'y' : 'ies'}`];
  if (tsa > 0) parts.push(`${tsa} RFC 3161 timestamp${tsa === 1 ? '' : 's'}`);
  return parts.join(' and ');
}

// ---------------------------------------------------------------------------------------------
// What the content says about the image
// ---------------------------------------------------------------------------------------------

interface InTotoStatement {
  predicateType: string;
  subjectDigests: string[];
  /** The statement as parsed, for the policy's demands on its predicate (attestations.ts judgeStatement). */
  parsed: unknown;
}

function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `, 'ascii'), type, Buffer.from(` ${payload.length} `, 'ascii'), payload]);
}

function parseStatement(payload: Buffer): InTotoStatement {
  let statement: unknown;
  try {
    statement = JSON.parse(payload.toString('utf8'));
  } catch (error) {
    throw new Failure('unsupported-envelope', `the DSSE payload is not JSON (${(error as Error).message})`);
  }
  const s = statement as { _type?: unknown; predicateType?: unknown; subject?: unknown } | null;
  if (!s || typeof s !== 'object' || typeof s._type !== 'string' || !IN_TOTO_STATEMENT_TYPES.has(s._type)) {
    throw new Failure('unsupported-envelope', `the DSSE payload is not an in-toto statement (_type ${clip(JSON.stringify(s?._type) ?? 'missing')})`);
  }
  if (typeof s.predicateType !== 'string' || !Array.isArray(s.subject)) {
    throw new Failure('unsupported-envelope', 'the in-toto statement has no predicateType or no subject list');
  }
  const subjectDigests = s.subject
    .map((entry) => (entry as { digest?: { sha256?: unknown } } | null)?.digest?.sha256)
    .filter((digest): digest is string => typeof digest === 'string')
    .map((digest) => `sha256:${digest.toLowerCase()}`);
  return { predicateType: s.predicateType, subjectDigests, parsed: statement };
}

function checkStatementSubject(subject: SignedSubject, statement: InTotoStatement, signer: string | undefined): void {
  if (statement.subjectDigests.includes(subject.digest.toLowerCase())) return;
  throw new Failure('digest-mismatch', statement.subjectDigests.length === 0
    ? `the in-toto statement names no sha256 subject digest; the image is ${subject.digest}`
    : `the in-toto statement is about ${clip(statement.subjectDigests.join(', '))}, not the image ${subject.digest}`, signer);
}

/** A message signature must sign this image's manifest: its digest first, then (for the signature) the manifest's bytes. */
function checkMessageBinding(subject: SigstoreSubject, digest: Buffer, algorithm: HashAlgorithm | undefined): Buffer {
  // Unspecified is read as SHA-256 by @sigstore/verify too.
  if (algorithm !== undefined && algorithm !== HashAlgorithm.HASH_ALGORITHM_UNSPECIFIED && algorithm !== HashAlgorithm.SHA2_256) {
    throw new Failure('unsupported-envelope', `the message signature's digest algorithm (${HashAlgorithm[algorithm] ?? algorithm}) is not SHA-256, the algorithm of image digests`);
  }
  const signed = `sha256:${digest.toString('hex')}`;
  if (signed !== subject.digest.toLowerCase()) {
    throw new Failure('digest-mismatch', `the message signature signs digest ${signed}, not the image ${subject.digest}`);
  }
  if (!subject.manifest) {
    throw new Failure('unsupported-envelope', 'a message-signature bundle signs the image manifest\'s bytes, and the verifier was not given them');
  }
  const actual = `sha256:${createHash('sha256').update(subject.manifest).digest('hex')}`;
  if (actual !== subject.digest.toLowerCase()) {
    throw new Failure('tampered-payload', `the image manifest given hashes to ${actual}, not ${subject.digest}`);
  }
  return subject.manifest;
}
