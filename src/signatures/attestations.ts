/**
 * Attestations: in-toto statements (a subject, a predicate type, a predicate) in DSSE envelopes,
 * as cosign attaches them under `sha256-<hex>.att` (one envelope per layer, media type
 * `application/vnd.dsse.envelope.v1+json`) and as Sigstore bundles carry them.
 *
 * - The envelope's signatures are over DSSE's pre-authentication encoding of the payload type and
 *   the payload, never over the payload alone (`pae`).
 * - The statement must name the verified image among its subjects (by digest), and have the
 *   predicate type the policy asks for (`--attestation slsaprovenance`, `vuln`, `cyclonedx`, or a
 *   full predicate type URI).
 * - SLSA provenance (v0.2 and v1) can be required to name an allowed builder id and source
 *   repository.
 *
 * `judgeStatement` needs nothing of cosign: the Sigstore bundle verifier judges the statement of a
 * bundle's DSSE envelope with it, under the same policy.
 */
import type { Descriptor, SignatureArtifact, SignatureResult, SignedSubject } from './types.js';
import type { VerifyPolicy } from './policy.js';
import { BlobDigestError, RegistryError } from '../images/registry.js';
import { keyName, signedOtherBytes, verifiesWith, type TrustedKey } from './keys.js';

export const DSSE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
const STATEMENT_TYPES = new Set(['https://in-toto.io/Statement/v0.1', 'https://in-toto.io/Statement/v1']);

/**
 * The predicate type of cosign v3's image signature: with the bundle format, `cosign sign` signs an
 * in-toto statement of this type about the image (in a Sigstore bundle referrer) instead of a
 * simple-signing payload. Such a statement is a signature of the image, not an attestation.
 */
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';

export const SLSA_PROVENANCE_V02 = 'https://slsa.dev/provenance/v0.2';
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';

/**
 * The names `--attestation` takes, as cosign's `--type` names them, and the predicate types each
 * accepts. `slsaprovenance` accepts both SLSA versions (cosign's own flag means only v0.2): a
 * policy asking for provenance is satisfied by either.
 */
export const ATTESTATION_TYPES: Record<string, string[]> = {
  slsaprovenance: [SLSA_PROVENANCE_V02, SLSA_PROVENANCE_V1],
  slsaprovenance02: [SLSA_PROVENANCE_V02],
  slsaprovenance1: [SLSA_PROVENANCE_V1],
  vuln: ['https://cosign.sigstore.dev/attestation/vuln/v1'],
  cyclonedx: ['https://cyclonedx.org/bom'],
  spdx: ['https://spdx.dev/Document'],
  spdxjson: ['https://spdx.dev/Document'],
  openvex: ['https://openvex.dev/ns'],
  link: ['https://in-toto.io/Link/v1'],
  custom: ['https://cosign.sigstore.dev/attestation/v1'],
};

/** The predicate types an `--attestation` value stands for; undefined when it is neither a known name nor a URI. */
export function predicateTypesFor(name: string): string[] | undefined {
  const known = ATTESTATION_TYPES[name.toLowerCase()];
  if (known) return known;
  return /^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(name) ? [name] : undefined;
}

export function isProvenance(predicateType: string): boolean {
  return predicateType === SLSA_PROVENANCE_V02 || predicateType === SLSA_PROVENANCE_V1;
}

/** DSSE's pre-authentication encoding: `DSSEv1 <len(type)> <type> <len(body)> <body>`, lengths in bytes. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

export interface DsseEnvelope {
  payloadType: string;
  payload: Buffer;
  signatures: { keyid?: string; sig: Buffer }[];
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$|^[A-Za-z0-9_-]*$/;

function decodeBase64(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, '');
  return BASE64.test(compact) ? Buffer.from(compact, compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64') : undefined;
}

/** A DSSE envelope from its JSON, or why it is not one. */
export function parseDsse(bytes: Buffer): DsseEnvelope | string {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return 'is not JSON';
  }
  if (typeof value !== 'object' || value === null) return 'is not a JSON object';
  const v = value as Record<string, unknown>;
  if (typeof v.payloadType !== 'string') return 'has no payloadType';
  if (typeof v.payload !== 'string') return 'has no payload';
  const payload = decodeBase64(v.payload);
  if (!payload) return 'has a payload that is not base64';
  if (!Array.isArray(v.signatures) || v.signatures.length === 0) return 'has no signatures';
  const signatures: DsseEnvelope['signatures'] = [];
  for (const s of v.signatures as unknown[]) {
    const entry = s as Record<string, unknown> | null;
    const sig = typeof entry?.sig === 'string' ? decodeBase64(entry.sig) : undefined;
    if (!sig || sig.length === 0) return 'has a signature that is not base64';
    signatures.push({ sig, ...(typeof entry?.keyid === 'string' && entry.keyid !== '' ? { keyid: entry.keyid } : {}) });
  }
  return { payloadType: v.payloadType, payload, signatures };
}

/** The keys any of the envelope's signatures verifies with (over the PAE). */
export function dsseSigners(envelope: DsseEnvelope, keys: TrustedKey[]): TrustedKey[] {
  const message = pae(envelope.payloadType, envelope.payload);
  return keys.filter((key) => envelope.signatures.some((s) => verifiesWith(key, message, s.sig)));
}

export interface StatementJudgement {
  ok: boolean;
  failure?: 'digest-mismatch' | 'attestation' | 'unsupported-envelope';
  /** What was found, or exactly why it is refused. */
  message: string;
  predicateType?: string;
}

/** `git+https://GitHub.com/acme/app.git@refs/heads/main` → `https://github.com/acme/app`: how source repositories are compared. */
export function normalizeRepository(uri: string): string {
  let text = uri.trim().replace(/^git\+/, '');
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `https://${text}`;
  text = text.replace(/#.*$/, '');
  const scheme = /^([a-z][a-z0-9+.-]*:\/\/)([^/]*)(.*)$/i.exec(text);
  if (!scheme) return text;
  // The ref or commit after "@" (`@refs/heads/main`, `@<sha>`) names a revision, not the repository.
  let rest = scheme[3].replace(/@.*$/, '');
  rest = rest.replace(/\/+$/, '').replace(/\.git$/, '');
  return `${scheme[1].toLowerCase()}${scheme[2].toLowerCase()}${rest}`;
}

function get(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** The builder id and source repository a SLSA provenance predicate names (v0.2: builder.id, invocation.configSource.uri; v1: runDetails.builder.id, the build's external parameters, else its first resolved dependency). */
export function provenanceOf(predicateType: string, predicate: unknown): { builder?: string; source?: string } {
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  if (predicateType === SLSA_PROVENANCE_V02) {
    return { builder: str(get(predicate, 'builder', 'id')), source: str(get(predicate, 'invocation', 'configSource', 'uri')) ?? str(get(predicate, 'materials', '0', 'uri')) };
  }
  const external = get(predicate, 'buildDefinition', 'externalParameters');
  const dependencies = get(predicate, 'buildDefinition', 'resolvedDependencies');
  const source =
    str(get(external, 'workflow', 'repository')) ??
    str(get(external, 'source')) ??
    str(get(external, 'source', 'uri')) ??
    str(get(external, 'repository')) ??
    (Array.isArray(dependencies) ? str(get(dependencies[0], 'uri')) : undefined);
  return { builder: str(get(predicate, 'runDetails', 'builder', 'id')), source };
}

/**
 * Judges an in-toto statement (the parsed JSON payload of a verified envelope) against the image
 * and the policy: it must be a Statement, name `subjectDigest` among its subjects, and, when it is
 * SLSA provenance and the policy lists builders or sources, name one of them.
 */
export function judgeStatement(statement: unknown, subjectDigest: string, policy: Pick<VerifyPolicy, 'provenance'>): StatementJudgement {
  const type = get(statement, '_type');
  if (typeof type !== 'string' || !STATEMENT_TYPES.has(type)) return { ok: false, failure: 'unsupported-envelope', message: `the signed payload is not an in-toto Statement (_type ${typeof type === 'string' ? `"${type.slice(0, 80)}"` : 'missing'})` };
  const predicateType = get(statement, 'predicateType');
  if (typeof predicateType !== 'string' || predicateType === '') return { ok: false, failure: 'unsupported-envelope', message: 'the in-toto statement has no predicateType' };
  const subjects = get(statement, 'subject');
  if (!Array.isArray(subjects) || subjects.length === 0) return { ok: false, failure: 'digest-mismatch', message: `the ${predicateType} statement names no subject`, predicateType };
  const [algorithm, hex] = subjectDigest.split(':');
  const named: string[] = [];
  for (const s of subjects) {
    const digests = get(s, 'digest');
    if (typeof digests !== 'object' || digests === null) continue;
    for (const [alg, value] of Object.entries(digests as Record<string, unknown>)) if (typeof value === 'string') named.push(`${alg}:${value.toLowerCase()}`);
  }
  if (!named.includes(`${algorithm}:${hex}`)) {
    const shown = named.slice(0, 3).join(', ') || 'no digest';
    return { ok: false, failure: 'digest-mismatch', message: `the ${predicateType} statement is about ${shown}, not this image (${subjectDigest})`, predicateType };
  }
  if (isProvenance(predicateType)) {
    const { builders, sources } = policy.provenance;
    const { builder, source } = provenanceOf(predicateType, get(statement, 'predicate'));
    if (builders.length > 0) {
      if (builder === undefined) return { ok: false, failure: 'attestation', message: 'the provenance names no builder id; the policy allows only listed builders', predicateType };
      if (!builders.includes(builder)) return { ok: false, failure: 'attestation', message: `the provenance names builder ${builder}, which is not an allowed builder (${builders.join(', ')})`, predicateType };
    }
    if (sources.length > 0) {
      if (source === undefined) return { ok: false, failure: 'attestation', message: 'the provenance names no source repository; the policy allows only listed sources', predicateType };
      const normalized = normalizeRepository(source);
      if (!sources.some((s) => normalizeRepository(s) === normalized)) return { ok: false, failure: 'attestation', message: `the provenance names source ${source}, which is not an allowed source repository (${sources.join(', ')})`, predicateType };
    }
    const said = [builder ? `builder ${builder}` : undefined, source ? `source ${source}` : undefined].filter(Boolean).join(', ');
    return { ok: true, message: `${predicateType} statement about this image${said ? ` (${said})` : ''}`, predicateType };
  }
  return { ok: true, message: `${predicateType} statement about this image`, predicateType };
}

/**
 * One layer of a cosign attestation artifact (`.att`): its DSSE envelope verified with the keys,
 * then its statement judged. One result, with one failure reason when it fails.
 */
export async function verifyAttestationLayer(subject: SignedSubject, artifact: SignatureArtifact, layer: Descriptor, keys: TrustedKey[], policy: VerifyPolicy, label: string): Promise<SignatureResult> {
  const base = { format: 'cosign' as const, artifact: artifact.digest, attestations: [] as string[] };
  const declared = layer.annotations?.predicateType;
  const what = `${label}${declared ? ` (${declared})` : ''}`;
  if (layer.mediaType !== DSSE_MEDIA_TYPE) return { ...base, verified: false, failure: 'unsupported-envelope', message: `${what} has media type ${layer.mediaType}, not a DSSE envelope (${DSSE_MEDIA_TYPE})` };
  let bytes: Buffer;
  try {
    bytes = await artifact.blob(layer);
  } catch (e) {
    if (e instanceof BlobDigestError) return { ...base, verified: false, failure: 'tampered-payload', message: `${what}: the envelope's bytes do not match their digest ${layer.digest}` };
    if (e instanceof RegistryError) return { ...base, verified: false, failure: 'registry', message: `${what}: ${e.message}` };
    throw e;
  }
  const envelope = parseDsse(bytes);
  if (typeof envelope === 'string') return { ...base, verified: false, failure: 'unsupported-envelope', message: `${what}: the DSSE envelope ${envelope}` };
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) return { ...base, verified: false, failure: 'unsupported-envelope', message: `${what}: the envelope holds ${envelope.payloadType.slice(0, 80)}, not an in-toto statement (${IN_TOTO_PAYLOAD_TYPE})` };
  const signers = dsseSigners(envelope, keys);
  if (signers.length === 0) {
    const message = pae(envelope.payloadType, envelope.payload);
    const changedBy = keys.find((key) => envelope.signatures.some((s) => signedOtherBytes(key, message, s.sig)));
    if (changedBy) return { ...base, verified: false, failure: 'tampered-payload', message: `${what}: the envelope was signed by ${keyName(changedBy)}, but over another payload: it was changed after signing` };
    return { ...base, verified: false, failure: 'wrong-key', message: `${what}: the envelope's signature does not verify with ${keys.map(keyName).join(', ')}` };
  }
  let statement: unknown;
  try {
    statement = JSON.parse(envelope.payload.toString('utf8'));
  } catch {
    return { ...base, verified: false, failure: 'unsupported-envelope', message: `${what}: the signed payload is not JSON` };
  }
  const signer = signers.map((k) => k.fingerprint).join(', ');
  const judged = judgeStatement(statement, subject.digest, policy);
  if (!judged.ok) return { ...base, verified: false, failure: judged.failure, message: `${label}: ${judged.message}`, signer };
  return { ...base, verified: true, attestations: [judged.predicateType!], message: `${label}: ${judged.message}, signed by ${signers.map(keyName).join(', ')}`, signer };
}
