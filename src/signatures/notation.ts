/**
 * Notary Project (notation) signatures, verified offline: the signature manifests attached to an
 * image, their JWS (`application/jose+json`) or COSE_Sign1 (`application/cose`) envelopes, the
 * signing schemes `notary.x509` and `notary.x509.signingAuthority`, against notation's trust
 * policy and x509 trust stores (`notation-policy.ts`).
 *
 * The checks and their order follow the Notary Project's verification steps: integrity (the
 * envelope parses, its algorithm is the one the signing key dictates, the signature verifies, the
 * chain meets the certificate requirements at signing time, the payload names this image), then
 * authenticity (the chain leads to the policy's trust store; the signer is a trusted identity),
 * expiry, authentic timestamp and revocation. The trust policy's level decides which of those a
 * failure fails (enforced) and which it only reports (logged); integrity is always enforced.
 *
 * RFC 3161 timestamp countersignatures are verified (`notation-timestamp.ts`) where notation
 * verifies them: when the trust policy names a `tsa:` trust store.
 *
 * Not done, and reported as such rather than passed: revocation is not checked online, so a
 * certificate that names OCSP or CRL endpoints has an unknown revocation status, which fails where
 * revocation is enforced (as the specification says) and is reported where it is logged;
 * verification plugins are not run (signatures that require one are refused).
 */
import { verify as verifySignature, constants } from 'node:crypto';
import { decode as decodeCbor, encode as encodeCbor, Tagged } from 'cborg';
import type { SignatureArtifact, SignatureFailure, SignatureResult, SignedSubject, Descriptor } from './types.js';
import { verifyTimestampToken, type VerifiedTimestamp } from './notation-timestamp.js';
import { NOTARY_ALGORITHMS, NotaryCertificate, algorithmForKey, codeSigningChainProblem, describeKey, shown, type NotaryAlgorithm } from './notation-certs.js';
import {
  NotationPolicyError,
  enforcement,
  identityMatches,
  loadTrustStore,
  parseIdentity,
  selectTrustPolicy,
  trustPolicyOf,
  type Check,
  type CheckAction,
  type NotationPolicy,
  type TrustPolicyStatement,
} from './notation-policy.js';

export type { NotationPolicy } from './notation-policy.js';

/** The artifact type (or, in older signatures, the config media type) of a Notary Project signature manifest. */
export const NOTARY_SIGNATURE_TYPE = 'application/vnd.cncf.notary.signature';
export const NOTARY_PAYLOAD_TYPE = 'application/vnd.cncf.notary.payload.v1+json';
export const JWS_MEDIA_TYPE = 'application/jose+json';
export const COSE_MEDIA_TYPE = 'application/cose';

const SCHEME_X509 = 'notary.x509';
const SCHEME_SIGNING_AUTHORITY = 'notary.x509.signingAuthority';
const H = {
  signingScheme: 'io.cncf.notary.signingScheme',
  signingTime: 'io.cncf.notary.signingTime',
  authenticSigningTime: 'io.cncf.notary.authenticSigningTime',
  expiry: 'io.cncf.notary.expiry',
  timestamp: 'io.cncf.notary.timestampSignature',
  verificationPlugin: 'io.cncf.notary.verificationPlugin',
  verificationPluginMinVersion: 'io.cncf.notary.verificationPluginMinVersion',
} as const;

/** COSE algorithm identifiers (IANA) of the algorithms the Notary Project allows. */
const COSE_ALGORITHMS: Record<number, NotaryAlgorithm> = { [-37]: 'PS256', [-38]: 'PS384', [-39]: 'PS512', [-7]: 'ES256', [-35]: 'ES384', [-36]: 'ES512' };

/** Envelopes above this are refused before parsing (notation's own envelopes are a few KiB). */
const MAX_ENVELOPE_BYTES = 4 * 1024 * 1024;
/** Certificates in one chain (leaf, intermediates, root); real chains have two to four. */
const MAX_CHAIN_LENGTH = 10;
/** Signatures verified per image; any beyond are reported, not verified. */
const MAX_SIGNATURES = 64;

/** A signature that did not verify: the one reason, and exactly why. */
class Failure extends Error {
  constructor(
    readonly reason: SignatureFailure,
    message: string,
  ) {
    super(message);
  }
}

/** What both envelope formats say, read but not yet trusted. */
interface Envelope {
  format: 'JWS' | 'COSE';
  alg: NotaryAlgorithm;
  signingScheme: typeof SCHEME_X509 | typeof SCHEME_SIGNING_AUTHORITY;
  signingTime?: Date;
  authenticSigningTime?: Date;
  expiry?: Date;
  certificates: Buffer[];
  payload: Buffer;
  /** The bytes the signature covers (JWS signing input; COSE Sig_structure). */
  signedBytes: Buffer;
  signature: Buffer;
  /** The RFC 3161 TimeStampToken countersignature (io.cncf.notary.timestampSignature), when the signature has one. */
  timestamp?: Buffer;
}

/** Whether a signature artifact is a Notary Project signature (new artifactType or older config media type). */
export function isNotationArtifact(artifact: SignatureArtifact): boolean {
  return artifact.artifactType === NOTARY_SIGNATURE_TYPE || artifact.manifest.config?.mediaType === NOTARY_SIGNATURE_TYPE;
}

/**
 * Verifies the Notary Project signatures among `artifacts` for `subject` under the trust policy
 * that applies to its repository: one result per signature artifact; one result in all when no
 * trust policy applies (fails), the policy's level is skip (passes without looking), or the image
 * has no Notary Project signature (fails with no-signature). Throws NotationPolicyError when the
 * trust policy document itself is invalid.
 */
export async function verifyNotationArtifacts(subject: SignedSubject, artifacts: SignatureArtifact[], policy: NotationPolicy): Promise<SignatureResult[]> {
  const document = await trustPolicyOf(policy);
  const scope = `${subject.registry}/${subject.repository}`;
  const statement = selectTrustPolicy(document, scope);
  const where = policy.trustPolicyFile ? `in ${policy.trustPolicyFile}` : 'in the trust policy document';
  if (!statement) {
    return [
      {
        format: 'notation',
        verified: false,
        failure: 'untrusted-chain',
        message: `no trust policy ${where} applies to ${scope}: none lists it in registryScopes and there is no "*" policy, so no signature of it can be trusted`,
      },
    ];
  }
  if (statement.signatureVerification.level === 'skip') {
    return [{ format: 'notation', verified: true, message: `not verified: trust policy "${statement.name}" has level "skip" for ${scope}` }];
  }
  const signatures = artifacts.filter(isNotationArtifact);
  if (signatures.length === 0) {
    return [{ format: 'notation', verified: false, failure: 'no-signature', message: `${subject.reference} has no Notary Project signature (no artifact of type ${NOTARY_SIGNATURE_TYPE} refers to ${subject.digest})` }];
  }
  const now = policy.now ?? new Date();
  const stores = new TrustStoreCache(policy.trustStoreDir);
  const results: SignatureResult[] = [];
  for (const artifact of signatures.slice(0, MAX_SIGNATURES)) results.push(await verifyOne(subject, artifact, statement, stores, now));
  for (const artifact of signatures.slice(MAX_SIGNATURES)) {
    results.push({ format: 'notation', verified: false, failure: 'unsupported-envelope', artifact: artifact.digest, message: `not verified: the image has ${signatures.length} Notary Project signatures and kshield verifies at most ${MAX_SIGNATURES}` });
  }
  return results;
}

/**
 * The verifier registry's shape (`verifiers.ts`: subject, artifacts, the shared policy): Notary
 * Project signatures verified under the policy's `notation` part; no results when the policy names
 * no trust policy (nothing to verify with), as the other formats do without their keys.
 */
export async function verifyNotation(subject: SignedSubject, artifacts: SignatureArtifact[], policy: { notation?: NotationPolicy }): Promise<SignatureResult[]> {
  return policy.notation ? verifyNotationArtifacts(subject, artifacts, policy.notation) : [];
}

/** Trust stores read once per call, the error kept when one cannot be read. */
class TrustStoreCache {
  private readonly loaded = new Map<string, Promise<NotaryCertificate[]>>();
  constructor(private readonly dir: string) {}
  get(type: 'ca' | 'signingAuthority' | 'tsa', name: string): Promise<NotaryCertificate[]> {
    const key = `${type}:${name}`;
    let entry = this.loaded.get(key);
    if (!entry) {
      entry = loadTrustStore(this.dir, type, name);
      entry.catch(() => undefined); // read by the caller; not an unhandled rejection while cached
      this.loaded.set(key, entry);
    }
    return entry;
  }
}

async function verifyOne(subject: SignedSubject, artifact: SignatureArtifact, statement: TrustPolicyStatement, stores: TrustStoreCache, now: Date): Promise<SignatureResult> {
  const actions = enforcement(statement);
  const logged: string[] = [];
  const base: SignatureResult = { format: 'notation', verified: false, message: '', artifact: artifact.digest };
  const fail = (failure: Failure): SignatureResult => ({ ...base, verified: false, failure: failure.reason, message: failure.message });
  /** A check's failure: fails the signature when enforced, is reported when logged. */
  const check = (kind: Check, failure: Failure | undefined): Failure | undefined => {
    if (!failure) return undefined;
    const action: CheckAction = actions[kind];
    if (action === 'enforce') return failure;
    if (action === 'log') logged.push(`${kind}: ${failure.message}`);
    return undefined;
  };

  let envelope: Envelope;
  let chain: NotaryCertificate[];
  try {
    // Integrity: always enforced.
    envelope = await readEnvelope(subject, artifact);
    chain = integrity(subject, envelope);
  } catch (err) {
    if (err instanceof Failure) return fail(err);
    throw err;
  }
  const leaf = chain[0];
  const signedAt = (envelope.authenticSigningTime ?? envelope.signingTime)!;
  base.signer = leaf.subject;
  base.signedAt = signedAt.toISOString();

  const steps: [Check, () => Promise<Failure | undefined> | Failure | undefined][] = [
    ['authenticity', () => authenticity(envelope, chain, statement, stores)],
    ['expiry', () => (envelope.expiry && now.getTime() >= envelope.expiry.getTime() ? new Failure('expired', `the signature expired at ${envelope.expiry.toISOString()} (io.cncf.notary.expiry)`) : undefined)],
    ['authenticTimestamp', () => authenticTimestamp(envelope, chain, statement, stores, now, (stamp) => (base.signedAt = stamp.genTime.toISOString()))],
    ['revocation', () => revocation(chain)],
  ];
  for (const [kind, run] of steps) {
    if (actions[kind] === 'skip') continue;
    const enforced = check(kind, await run());
    if (enforced) return fail(enforced);
  }
  const level = statement.signatureVerification.level;
  const how = `${envelope.format} ${envelope.alg}, ${envelope.signingScheme}, trust policy "${statement.name}" (${level}${Object.keys(statement.signatureVerification.override ?? {}).length ? ' with overrides' : ''})`;
  return {
    ...base,
    verified: true,
    message: logged.length ? `verified (${how}), with failures the level only logs: ${logged.join('; ')}` : `verified (${how})`,
  };
}

/** The signature manifest's one envelope layer, read and parsed. */
async function readEnvelope(subject: SignedSubject, artifact: SignatureArtifact): Promise<Envelope> {
  const manifestSubject = artifact.manifest.subject;
  if (manifestSubject && manifestSubject.digest !== subject.digest) {
    throw new Failure('digest-mismatch', `the signature manifest's subject is ${shown(manifestSubject.digest)}, not ${subject.digest}`);
  }
  const layers = artifact.manifest.layers ?? [];
  if (layers.length !== 1) throw new Failure('unsupported-envelope', `a Notary Project signature manifest has exactly one layer (the envelope); this one has ${layers.length}`);
  const layer: Descriptor = layers[0];
  if (layer.mediaType !== JWS_MEDIA_TYPE && layer.mediaType !== COSE_MEDIA_TYPE) {
    throw new Failure('unsupported-envelope', `envelope media type ${shown(layer.mediaType)} is not one kshield verifies (${JWS_MEDIA_TYPE}, ${COSE_MEDIA_TYPE})`);
  }
  if (layer.size > MAX_ENVELOPE_BYTES) throw new Failure('unsupported-envelope', `the envelope is ${layer.size} bytes; kshield reads envelopes up to ${MAX_ENVELOPE_BYTES}`);
  let bytes: Buffer;
  try {
    bytes = await artifact.blob(layer);
  } catch (err) {
    throw new Failure('registry', `the signature envelope ${layer.digest} could not be read: ${(err as Error).message}`);
  }
  return layer.mediaType === JWS_MEDIA_TYPE ? parseJws(bytes) : parseCose(bytes);
}

const B64URL = /^[A-Za-z0-9_-]*$/;

function parseJws(bytes: Buffer): Envelope {
  const bad = (why: string) => new Failure('unsupported-envelope', `not a valid Notary Project JWS envelope: ${why}`);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw bad('it is not JSON');
  }
  if (!isObject(json)) throw bad('it is not a JSON object');
  if ('signatures' in json) throw bad('it uses the general JWS JSON serialization; the Notary Project requires the flattened one');
  for (const key of Object.keys(json)) if (!['payload', 'protected', 'header', 'signature'].includes(key)) throw bad(`unexpected top-level member "${key}"`);
  const { payload, protected: protectedB64, header, signature } = json as Record<string, unknown>;
  for (const [name, v] of [['payload', payload], ['protected', protectedB64], ['signature', signature]] as const) {
    if (typeof v !== 'string' || !B64URL.test(v) || v === '') throw bad(`"${name}" is missing or not base64url`);
  }
  let headers: unknown;
  try {
    headers = JSON.parse(Buffer.from(protectedB64 as string, 'base64url').toString('utf8'));
  } catch {
    throw bad('the protected header is not JSON');
  }
  if (!isObject(headers)) throw bad('the protected header is not a JSON object');
  const h = headers as Record<string, unknown>;
  const alg = h.alg;
  if (typeof alg !== 'string' || !(alg in NOTARY_ALGORITHMS)) {
    throw new Failure('unsupported-envelope', `signature algorithm ${shown(alg)} is not one the Notary Project allows (${Object.keys(NOTARY_ALGORITHMS).join(', ')})`);
  }
  if (h.cty !== NOTARY_PAYLOAD_TYPE) throw new Failure('unsupported-envelope', `payload content type (cty) ${shown(h.cty)} is not ${NOTARY_PAYLOAD_TYPE}`);
  const time = (name: string): Date | undefined => {
    const v = h[name];
    if (v === undefined) return undefined;
    const t = typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(v) ? new Date(v) : undefined;
    if (!t || Number.isNaN(t.getTime())) throw bad(`${name} ${shown(v)} is not an RFC 3339 time`);
    return t;
  };
  const registered = new Set(['alg', 'cty', 'crit']);
  const common = commonHeaders(h.crit, (k) => k in h, h[H.signingScheme], time, registered, bad);
  if (!isObject(header)) throw bad('the unprotected header is missing');
  // RFC 7515: a header parameter is either protected or not, never both (else which one counts is ambiguous).
  const both = Object.keys(header).filter((k) => k in h);
  if (both.length) throw bad(`${both.join(', ')} appear in both the protected and the unprotected header`);
  const x5c = (header as Record<string, unknown>).x5c;
  if (x5c === undefined) throw bad('the unprotected header has no x5c certificate chain');
  if (!Array.isArray(x5c) || x5c.length === 0 || !x5c.every((c) => typeof c === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(c))) {
    throw bad('x5c is not a list of base64-encoded DER certificates');
  }
  return {
    format: 'JWS',
    alg: alg as NotaryAlgorithm,
    ...common,
    certificates: x5c.map((c: string) => Buffer.from(c, 'base64')),
    payload: Buffer.from(payload as string, 'base64url'),
    signedBytes: Buffer.from(`${protectedB64 as string}.${payload as string}`, 'ascii'),
    signature: Buffer.from(signature as string, 'base64url'),
    timestamp: jwsTimestamp((header as Record<string, unknown>)[H.timestamp], bad),
  };
}

/**
 * The signed attributes both envelopes share: `crit` lists the signing scheme and every critical
 * attribute present, and nothing kshield does not understand; the scheme decides which signing
 * time is required.
 */
function commonHeaders(
  crit: unknown,
  has: (key: string) => boolean,
  scheme: unknown,
  time: (name: string) => Date | undefined,
  registered: Set<string | number>,
  bad: (why: string) => Failure,
): Pick<Envelope, 'signingScheme' | 'signingTime' | 'authenticSigningTime' | 'expiry'> {
  if (!Array.isArray(crit) || crit.length === 0) throw bad('the protected header has no "crit" list');
  const understood = new Set<unknown>([H.signingScheme, H.authenticSigningTime, H.expiry]);
  for (const entry of crit) {
    if (registered.has(entry as string | number)) throw bad(`"crit" lists the registered header ${shown(entry)}, which it must not`);
    if (entry === H.verificationPlugin || entry === H.verificationPluginMinVersion) {
      throw new Failure('unsupported-envelope', `the signature requires a notation verification plugin (${entry}), which kshield does not run`);
    }
    if (!understood.has(entry)) throw new Failure('unsupported-envelope', `the signature marks ${shown(entry)} critical, an attribute kshield does not understand`);
    if (typeof entry === 'string' && !has(entry)) throw bad(`"crit" lists ${entry}, which the protected header lacks`);
  }
  if (!crit.includes(H.signingScheme)) throw bad(`"crit" does not list ${H.signingScheme}`);
  for (const name of [H.authenticSigningTime, H.expiry]) if (has(name) && !crit.includes(name)) throw bad(`${name} is present but not marked critical`);
  if (scheme !== SCHEME_X509 && scheme !== SCHEME_SIGNING_AUTHORITY) {
    throw new Failure('unsupported-envelope', `signing scheme ${shown(scheme)} is not one kshield verifies (${SCHEME_X509}, ${SCHEME_SIGNING_AUTHORITY})`);
  }
  const signingTime = time(H.signingTime);
  const authenticSigningTime = time(H.authenticSigningTime);
  const expiry = time(H.expiry);
  if (scheme === SCHEME_X509 && !signingTime) throw bad(`signing scheme ${SCHEME_X509} requires ${H.signingTime}`);
  if (scheme === SCHEME_SIGNING_AUTHORITY && !authenticSigningTime) throw bad(`signing scheme ${SCHEME_SIGNING_AUTHORITY} requires ${H.authenticSigningTime}`);
  const signedAt = (authenticSigningTime ?? signingTime)!;
  if (expiry && expiry.getTime() <= signedAt.getTime()) throw bad(`the expiry ${expiry.toISOString()} is not after the signing time ${signedAt.toISOString()}`);
  return { signingScheme: scheme, signingTime, authenticSigningTime, expiry };
}

function parseCose(bytes: Buffer): Envelope {
  const bad = (why: string) => new Failure('unsupported-envelope', `not a valid Notary Project COSE_Sign1 envelope: ${why}`);
  let message: unknown;
  try {
    message = decodeCbor(bytes, { useMaps: true, rejectDuplicateMapKeys: true, tags: Tagged.preserve(18) });
  } catch (err) {
    throw bad(`it is not CBOR this verifier accepts (${(err as Error).message})`);
  }
  if (!(message instanceof Tagged) || message.tag !== 18) throw bad('it is not a tagged COSE_Sign1 (CBOR tag 18)');
  const parts = message.value;
  if (!Array.isArray(parts) || parts.length !== 4) throw bad('COSE_Sign1 is an array of four items');
  const [protectedBytes, unprotected, payload, signature] = parts as unknown[];
  if (!(protectedBytes instanceof Uint8Array) || protectedBytes.length === 0) throw bad('the protected header is missing');
  if (!(unprotected instanceof Map)) throw bad('the unprotected header is not a map');
  if (!(payload instanceof Uint8Array)) throw bad('the payload is detached or not a byte string; the Notary Project embeds it');
  if (!(signature instanceof Uint8Array)) throw bad('the signature is not a byte string');
  let headers: unknown;
  try {
    // Tag 1 is the epoch date/time the Notary Project uses for its times.
    headers = decodeCbor(protectedBytes, { useMaps: true, rejectDuplicateMapKeys: true, tags: Tagged.preserve(1) });
  } catch (err) {
    throw bad(`the protected header is not CBOR (${(err as Error).message})`);
  }
  if (!(headers instanceof Map)) throw bad('the protected header is not a map');
  const h = headers as Map<unknown, unknown>;
  // RFC 9052: a header parameter is either protected or not, never both.
  const both = [...unprotected.keys()].filter((k) => h.has(k));
  if (both.length) throw bad(`header parameter(s) ${both.map(String).join(', ')} appear in both the protected and the unprotected header`);
  const algId = h.get(1);
  const alg = typeof algId === 'number' ? COSE_ALGORITHMS[algId] : undefined;
  if (!alg) throw new Failure('unsupported-envelope', `COSE algorithm ${shown(algId)} is not one the Notary Project allows (PS256 -37, PS384 -38, PS512 -39, ES256 -7, ES384 -35, ES512 -36)`);
  if (h.get(3) !== NOTARY_PAYLOAD_TYPE) throw new Failure('unsupported-envelope', `payload content type ${shown(h.get(3))} is not ${NOTARY_PAYLOAD_TYPE}`);
  const time = (name: string): Date | undefined => {
    const v = h.get(name);
    if (v === undefined) return undefined;
    if (!(v instanceof Tagged) || v.tag !== 1 || typeof v.value !== 'number') throw bad(`${name} is not an epoch date/time (CBOR tag 1)`);
    return new Date(v.value * 1000);
  };
  // Integer labels 0..8 are COSE's own and may not be marked critical.
  const registered = new Set<string | number>([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  const common = commonHeaders(h.get(2), (k) => h.has(k), h.get(H.signingScheme), time, registered, bad);
  // x5chain (label 33): in the unprotected header, or optionally the protected one; one certificate may stand alone.
  const chain = unprotected.get(33) ?? h.get(33);
  const certificates = chain instanceof Uint8Array ? [chain] : Array.isArray(chain) && chain.length > 0 && chain.every((c) => c instanceof Uint8Array) ? (chain as Uint8Array[]) : undefined;
  if (!certificates) throw bad('there is no x5chain (label 33) certificate chain');
  const toBeSigned = encodeCbor(['Signature1', protectedBytes, new Uint8Array(0), payload]);
  return {
    format: 'COSE',
    alg,
    ...common,
    certificates: certificates.map((c) => Buffer.from(c)),
    payload: Buffer.from(payload),
    signedBytes: Buffer.from(toBeSigned),
    signature: Buffer.from(signature),
    timestamp: coseTimestamp(unprotected.get(H.timestamp), bad),
  };
}

/**
 * The integrity checks: the chain parses, the key dictates the algorithm the envelope names, the
 * signature verifies with the signing certificate's key, the chain meets the certificate
 * requirements at signing time, and the signed payload names this image.
 */
function integrity(subject: SignedSubject, envelope: Envelope): NotaryCertificate[] {
  if (envelope.certificates.length > MAX_CHAIN_LENGTH) throw new Failure('unsupported-envelope', `the certificate chain has ${envelope.certificates.length} certificates; kshield reads at most ${MAX_CHAIN_LENGTH}`);
  const chain = envelope.certificates.map((der, i) => {
    try {
      return new NotaryCertificate(der);
    } catch {
      throw new Failure('unsupported-envelope', `certificate ${i + 1} of the envelope's chain is not a valid X.509 certificate`);
    }
  });
  const leaf = chain[0];
  const expected = algorithmForKey(leaf.publicKey);
  if (!expected) throw new Failure('unsupported-envelope', `the signing certificate's key (${describeKey(leaf.publicKey)}) is not one the Notary Project allows (RSA 2048/3072/4096, EC P-256/P-384/P-521)`);
  if (expected !== envelope.alg) {
    throw new Failure('unsupported-envelope', `the envelope names algorithm ${envelope.alg} but the signing certificate's ${describeKey(leaf.publicKey)} key signs with ${expected}; the Notary Project forbids any other`);
  }
  const { hash, key } = NOTARY_ALGORITHMS[envelope.alg];
  let valid = false;
  try {
    valid =
      key === 'rsa'
        ? verifySignature(hash, envelope.signedBytes, { key: leaf.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: hashBytes(hash) }, envelope.signature)
        : verifySignature(hash, envelope.signedBytes, { key: leaf.publicKey, dsaEncoding: 'ieee-p1363' }, envelope.signature);
  } catch {
    valid = false;
  }
  if (!valid) {
    throw new Failure('tampered-payload', `the ${envelope.format} signature does not verify with the signing certificate ${leaf.name}: the payload or signed attributes were changed after signing`);
  }
  const signedAt = (envelope.authenticSigningTime ?? envelope.signingTime)!;
  const problem = codeSigningChainProblem(chain, signedAt);
  if (problem) throw new Failure(problem.reason, problem.message);
  let payload: unknown;
  try {
    payload = JSON.parse(envelope.payload.toString('utf8'));
  } catch {
    throw new Failure('unsupported-envelope', 'the signed payload is not JSON');
  }
  const target = isObject(payload) ? (payload as Record<string, unknown>).targetArtifact : undefined;
  if (!isObject(target)) throw new Failure('unsupported-envelope', 'the signed payload has no targetArtifact descriptor');
  const t = target as Record<string, unknown>;
  if (t.digest !== subject.digest) throw new Failure('digest-mismatch', `the signature is for ${typeof t.digest === 'string' && /^[a-z0-9]+:[a-f0-9]+$/.test(t.digest) ? t.digest : shown(t.digest)}, not ${subject.digest} (${subject.reference})`);
  if (t.mediaType !== subject.mediaType) throw new Failure('digest-mismatch', `the signature's targetArtifact has media type ${shown(t.mediaType)}, the image's manifest is ${subject.mediaType}`);
  if (t.size !== subject.size) throw new Failure('digest-mismatch', `the signature's targetArtifact has size ${shown(t.size)}, the image's manifest is ${subject.size} bytes`);
  return chain;
}

function hashBytes(hash: string): number {
  return hash === 'sha256' ? 32 : hash === 'sha384' ? 48 : 64;
}

/** The chain leads to a certificate of the policy's trust stores (of the scheme's type), and the signer is a trusted identity. */
async function authenticity(envelope: Envelope, chain: NotaryCertificate[], statement: TrustPolicyStatement, stores: TrustStoreCache): Promise<Failure | undefined> {
  const type = envelope.signingScheme === SCHEME_X509 ? 'ca' : 'signingAuthority';
  const names = (statement.trustStores ?? []).filter((s) => s.startsWith(`${type}:`)).map((s) => s.slice(type.length + 1));
  if (names.length === 0) {
    return new Failure('untrusted-chain', `trust policy "${statement.name}" names no "${type}:" trust store, which a ${envelope.signingScheme} signature needs`);
  }
  const trusted: NotaryCertificate[] = [];
  for (const name of names) {
    try {
      trusted.push(...(await stores.get(type, name)));
    } catch (err) {
      return new Failure('untrusted-chain', (err as Error).message);
    }
  }
  // A certificate of the store must be one of the (already validated) chain's: its root, or a pinned intermediate.
  if (!chain.some((c) => trusted.some((t) => t.der.equals(c.der)))) {
    const root = chain[chain.length - 1];
    return new Failure('untrusted-chain', `the certificate chain (signer ${chain[0].name}, root ${root.name}) leads to no certificate in trust store ${names.map((n) => `${type}:${n}`).join(', ')}`);
  }
  const identities = statement.trustedIdentities ?? [];
  if (identities.includes('*')) return undefined;
  const leaf = chain[0];
  for (const identity of identities) {
    const dn = parseIdentity(identity);
    if (typeof dn !== 'string' && identityMatches(dn, leaf.subjectAttributes)) return undefined;
  }
  return new Failure('identity-mismatch', `the signer "${leaf.subject}" is not among the trusted identities of trust policy "${statement.name}" (${identities.join('; ')})`);
}

/**
 * The authentic timestamp check. notary.x509.signingAuthority: the authentic signing time within
 * every certificate's validity. notary.x509, as notation does it: without a `tsa:` trust store in
 * the policy (or with `verifyTimestamp: afterCertExpiry` while the chain is still valid) the chain
 * must be valid now; otherwise the signature's RFC 3161 countersignature must verify against the
 * `tsa:` stores and the time range it proves must lie within every certificate's validity.
 */
async function authenticTimestamp(
  envelope: Envelope,
  chain: NotaryCertificate[],
  statement: TrustPolicyStatement,
  stores: TrustStoreCache,
  now: Date,
  stamped: (stamp: VerifiedTimestamp) => void,
): Promise<Failure | undefined> {
  if (envelope.signingScheme === SCHEME_SIGNING_AUTHORITY) {
    const at = envelope.authenticSigningTime!;
    const invalid = chain.find((c) => !c.validAt(at));
    return invalid ? new Failure('expired', `certificate ${invalid.name} was not valid at the authentic signing time ${at.toISOString()} (${invalid.validity()})`) : undefined;
  }
  const tsaStores = (statement.trustStores ?? []).filter((s) => s.startsWith('tsa:')).map((s) => s.slice(4));
  const invalidNow = chain.find((c) => !c.validAt(now));
  const verifyStamp = tsaStores.length > 0 && !(statement.signatureVerification.verifyTimestamp === 'afterCertExpiry' && !invalidNow);
  if (!verifyStamp) {
    if (!invalidNow) return undefined;
    const why = envelope.timestamp
      ? `; the signature carries a timestamp countersignature, but trust policy "${statement.name}" names no tsa: trust store to verify it against`
      : ' and the signature has no timestamp countersignature to show it was signed while valid';
    return new Failure('expired', `certificate ${invalidNow.name} is not valid now (${invalidNow.validity()})${why}`);
  }
  if (!envelope.timestamp) {
    return new Failure('transparency-log', `trust policy "${statement.name}" names a tsa: trust store, so the signature needs an RFC 3161 timestamp countersignature, and it has none`);
  }
  const trusted: NotaryCertificate[] = [];
  for (const name of tsaStores) {
    try {
      trusted.push(...(await stores.get('tsa', name)));
    } catch (err) {
      return new Failure('untrusted-chain', (err as Error).message);
    }
  }
  let stamp: VerifiedTimestamp;
  try {
    stamp = verifyTimestampToken(envelope.timestamp, envelope.signature, trusted);
  } catch (err) {
    return new Failure('transparency-log', `the signature's timestamp countersignature does not verify: ${(err as Error).message}`);
  }
  const outside = chain.find((c) => stamp.lower.getTime() < c.notBefore.getTime() || stamp.upper.getTime() > c.notAfter.getTime());
  if (outside) {
    return new Failure('expired', `certificate ${outside.name} was not valid throughout the timestamped time ${stamp.lower.toISOString()} to ${stamp.upper.toISOString()} (${outside.validity()})`);
  }
  stamped(stamp);
  return undefined;
}

function jwsTimestamp(value: unknown, bad: (why: string) => Failure): Buffer | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) throw bad(`${H.timestamp} is not base64`);
  return Buffer.from(value, 'base64');
}

function coseTimestamp(value: unknown, bad: (why: string) => Failure): Buffer | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof Uint8Array)) throw bad(`${H.timestamp} is not a byte string`);
  return Buffer.from(value);
}

/**
 * kshield verifies offline: a certificate without OCSP or CRL endpoints cannot be revoked (as the
 * specification treats it); one that names them has an unknown status, which the specification
 * counts as a failure of this check.
 */
function revocation(chain: NotaryCertificate[]): Failure | undefined {
  const checkable = chain.find((c) => c.namesRevocationEndpoints());
  if (!checkable) return undefined;
  return new Failure(
    'untrusted-chain',
    `the revocation status of certificate ${checkable.name} is unknown: it names OCSP or CRL endpoints and kshield verifies offline (set the trust policy's override "revocation" to "log" or "skip" to accept this)`,
  );
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export { NotationPolicyError };
