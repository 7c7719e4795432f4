/**
 * Makes cosign-format signatures and attestations in tests, with keys node:crypto generates, and
 * pushes them to a registry the way cosign lays them out:
 *
 * - signatures: an image manifest under the tag `sha256-<hex>.sig` whose layers are simple-signing
 *   payloads (`application/vnd.dev.cosign.simplesigning.v1+json`) carrying the base64 signature in
 *   the `dev.cosignproject.cosign/signature` annotation;
 * - attestations: the same under `sha256-<hex>.att`, each layer a DSSE envelope of an in-toto
 *   statement, signed over DSSE's pre-authentication encoding;
 * - or, as a referrer: a manifest with `subject` (and `artifactType`) pushed by digest and listed
 *   in the referrers tag schema's index under the tag `sha256-<hex>` (what clients do for a
 *   registry without the referrers API, such as docker-registry 2.8).
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { putManifest, sha256, uploadBlob } from './docker-registry.js';

export type KeyType = 'ecdsa' | 'rsa' | 'ed25519';

export interface TestKey {
  type: KeyType;
  privateKey: KeyObject;
  publicPem: string;
}

export function makeKey(type: KeyType): TestKey {
  const pair =
    type === 'ecdsa' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) : type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
  return { type, privateKey: pair.privateKey, publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** A signature as cosign makes it with each kind of key: ECDSA (SHA-256, DER), RSA PKCS#1 v1.5 (SHA-256), Ed25519. */
export function signBytes(key: TestKey, bytes: Buffer): Buffer {
  if (key.type === 'ed25519') return sign(null, bytes, key.privateKey);
  if (key.type === 'ecdsa') return sign('sha256', bytes, { key: key.privateKey, dsaEncoding: 'der' });
  return sign('sha256', bytes, key.privateKey);
}

/** The simple-signing payload cosign signs for an image. */
export function simpleSigningPayload(dockerReference: string, digest: string, type = 'cosign container image signature'): Buffer {
  return Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': dockerReference }, image: { 'docker-manifest-digest': digest }, type }, optional: null }));
}

export const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const DSSE = 'application/vnd.dsse.envelope.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

export interface LayerSpec {
  mediaType: string;
  bytes: Buffer;
  annotations: Record<string, string>;
}

/** One cosign signature layer: `payload`, with `signature` (base64) in its annotation. */
export function signatureLayer(payload: Buffer, signature: Buffer): LayerSpec {
  return { mediaType: SIMPLE_SIGNING, bytes: payload, annotations: { 'dev.cosignproject.cosign/signature': signature.toString('base64') } };
}

export function inTotoStatement(subjectDigest: string, predicateType: string, predicate: unknown, name = 'image'): Buffer {
  const [algorithm, hex] = subjectDigest.split(':');
  return Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', predicateType, subject: [{ name, digest: { [algorithm]: hex } }], predicate }));
}

export function pae(payloadType: string, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} `), payload]);
}

/** One cosign attestation layer: a DSSE envelope of `statement` signed by `key`. */
export function attestationLayer(statement: Buffer, key: TestKey, predicateType: string): LayerSpec {
  const payloadType = 'application/vnd.in-toto+json';
  const envelope = { payloadType, payload: statement.toString('base64'), signatures: [{ keyid: '', sig: signBytes(key, pae(payloadType, statement)).toString('base64') }] };
  return { mediaType: DSSE, bytes: Buffer.from(JSON.stringify(envelope)), annotations: { 'dev.cosignproject.cosign/signature': '', predicateType } };
}

export interface Subject {
  digest: string;
  manifest: Buffer;
}

function digestTag(digest: string): string {
  return digest.replace(':', '-');
}

/**
 * Pushes layers as one cosign signature (`kind` sig) or attestation (`att`) artifact: under
 * cosign's tag, or as a referrer listed in the referrers tag schema's index. Returns the
 * artifact manifest's digest.
 */
export async function pushCosignArtifact(base: string, repository: string, subject: Subject, kind: 'sig' | 'att', layers: LayerSpec[], via: 'cosign-tag' | 'referrers-tag', headers: Record<string, string> = {}): Promise<string> {
  const descriptors = [];
  for (const layer of layers) {
    const digest = await uploadBlob(base, repository, layer.bytes, headers);
    descriptors.push({ mediaType: layer.mediaType, digest, size: layer.bytes.length, annotations: layer.annotations });
  }
  if (via === 'cosign-tag') {
    // cosign's own config: an image configuration naming the layers.
    const config = Buffer.from(JSON.stringify({ architecture: '', os: '', config: {}, rootfs: { type: 'layers', diff_ids: descriptors.map((d) => d.digest) } }));
    const configDigest = await uploadBlob(base, repository, config, headers);
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length }, layers: descriptors }));
    await putManifest(base, repository, `${digestTag(subject.digest)}.${kind}`, OCI_MANIFEST, manifest, headers);
    return sha256(manifest);
  }
  const empty = Buffer.from('{}');
  const emptyDigest = await uploadBlob(base, repository, empty, {});
  const artifactType = kind === 'sig' ? 'application/vnd.dev.cosign.artifact.sig.v1+json' : 'application/vnd.dev.cosign.artifact.att.v1+json';
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: emptyDigest, size: empty.length },
      layers: descriptors,
      subject: { mediaType: OCI_MANIFEST, digest: subject.digest, size: subject.manifest.length },
    }),
  );
  const digest = sha256(manifest);
  await putManifest(base, repository, digest, OCI_MANIFEST, manifest, {});
  await addToReferrersTag(base, repository, subject.digest, { mediaType: OCI_MANIFEST, digest, size: manifest.length, artifactType });
  return digest;
}

/** Adds a descriptor to the referrers tag schema's index of `subjectDigest` (creating it), as a client does for a registry without the API. */
export async function addToReferrersTag(base: string, repository: string, subjectDigest: string, descriptor: Record<string, unknown>): Promise<void> {
  const tag = digestTag(subjectDigest);
  const existing = await fetch(`${base}/v2/${repository}/manifests/${tag}`, { headers: { accept: OCI_INDEX } });
  const manifests: unknown[] = existing.status === 200 ? ((await existing.json()) as { manifests: unknown[] }).manifests : [];
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...manifests, descriptor] }));
  await putManifest(base, repository, tag, OCI_INDEX, index, {});
}
