/**
 * Finds the signature artifacts of an image in its registry, the three ways they are stored:
 *
 * - cosign's tag convention: the tags `sha256-<hex>.sig` (signatures) and `sha256-<hex>.att`
 *   (attestations) in the image's repository, each an image manifest whose layers are the
 *   signatures;
 * - the OCI 1.1 referrers API, `GET /v2/<name>/referrers/<digest>`: an image index of the
 *   manifests whose `subject` is the image (cosign v3 bundles, notation signatures);
 * - the referrers tag schema, for registries without that API (a 404 there, as Debian's
 *   docker-registry 2.8 answers): the tag `sha256-<hex>` holding the same index, kept up to date
 *   by the client that pushed each referrer.
 *
 * Everything is bounded: the number of artifacts read, every manifest (the registry client's
 * limit) and every blob (`maxBlobBytes`, and no more than its descriptor's size). A failure to
 * read one artifact is reported for that artifact and does not stop the others.
 */
import { MEDIA } from '../images/sources.js';
import { RegistryClient, RegistryError, RegistryNotFoundError } from '../images/registry.js';
import { effectiveTag, parseImageReference } from '../k8s/images.js';
import type { Descriptor, SignatureArtifact, SignedSubject } from './types.js';

export interface DiscoverOptions {
  signal?: AbortSignal;
  /** Most artifacts read for one image (referrers beyond it are counted, not read). Default 32. */
  maxArtifacts?: number;
  /** Largest blob (payload, envelope, bundle) read. Default 16 MiB: SBOM attestations can be large. */
  maxBlobBytes?: number;
  /** Only referrers of these artifact types (asked of the referrers API, and filtered here). Default: all. */
  artifactTypes?: string[];
  /**
   * Where the signatures are stored when not beside the image (cosign's COSIGN_REPOSITORY,
   * `--signature-repository`): the same tags and referrers, by the image's digest, in this repository.
   */
  signatureRepository?: { registry: string; repository: string };
}

export interface Discovery {
  artifacts: SignatureArtifact[];
  /** How the referrers were listed: the API, the tag schema (API missing), or not at all (neither). */
  referrers: 'api' | 'tag-schema' | 'none';
  /** Artifacts that could not be read, each with why (the registry's answer, a malformed manifest). */
  problems: { where: string; message: string }[];
  /** Referrers found beyond maxArtifacts and not read. */
  skipped: number;
}

const DEFAULT_MAX_ARTIFACTS = 32;
/** Layers (signatures) of one artifact: cosign appends one per `cosign sign`, so a few dozen is already a lot. */
export const MAX_LAYERS = 64;
/** Pages of referrers followed (Link rel="next"). */
const MAX_REFERRER_PAGES = 8;
export const OCI_ARTIFACT_MANIFEST = 'application/vnd.oci.artifact.manifest.v1+json';
/** OCI's empty descriptor: the two bytes `{}`. */
const EMPTY_DESCRIPTOR: Descriptor = { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 };
const DEFAULT_MAX_BLOB_BYTES = 16 * 1024 * 1024;

/** `sha256:abc…` → `sha256-abc…`: the tag form cosign and the referrers tag schema use (algorithm ≤ 32, hex ≤ 64 characters). */
export function digestTag(digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return `${algorithm.slice(0, 32)}-${hex.slice(0, 64)}`;
}

/** The image a reference names, its tag resolved to the manifest (or index) digest: what every format's signature must name. */
export async function resolveSubject(reference: string, client: RegistryClient, signal?: AbortSignal): Promise<SignedSubject> {
  const parsed = parseImageReference(reference);
  if (!parsed.ok) throw new RegistryError(`the image reference "${reference}" ${parsed.error}`);
  const { registry, repository } = parsed.image;
  const fetched = await client.getManifest(registry, repository, parsed.image.digest ?? effectiveTag(parsed.image)!, signal);
  return { reference, registry, repository, digest: fetched.digest, mediaType: fetched.mediaType, size: fetched.body.length, manifest: fetched.body };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toDescriptor(value: unknown): Descriptor | undefined {
  if (!isObject(value) || typeof value.digest !== 'string' || typeof value.mediaType !== 'string' || typeof value.size !== 'number') return undefined;
  if (!Number.isSafeInteger(value.size) || value.size < 0) return undefined;
  const annotations = isObject(value.annotations) && Object.values(value.annotations).every((v) => typeof v === 'string') ? (value.annotations as Record<string, string>) : undefined;
  return {
    mediaType: value.mediaType,
    digest: value.digest,
    size: value.size,
    ...(typeof value.artifactType === 'string' ? { artifactType: value.artifactType } : {}),
    ...(annotations ? { annotations } : {}),
  };
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Reads an artifact manifest into the shared shape; throws RegistryError (message fit for a user) when it is not one. */
function parseArtifactManifest(body: Buffer, where: string): { manifest: SignatureArtifact['manifest']; artifactType: string } {
  const value = parseJson(body);
  if (!isObject(value)) throw new RegistryError(`${where} is not a JSON manifest`);
  const mediaType = typeof value.mediaType === 'string' ? value.mediaType : MEDIA.ociManifest;
  if (mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList) throw new RegistryError(`${where} is an image index, not a signature manifest`);
  // The OCI artifact manifest of the 1.1 release candidates (early notation signatures): `blobs`
  // for layers and no config, which OCI 1.1 then expressed as the empty descriptor.
  const isArtifactManifest = mediaType === OCI_ARTIFACT_MANIFEST;
  const config = isArtifactManifest ? EMPTY_DESCRIPTOR : toDescriptor(value.config);
  if (!config) throw new RegistryError(`${where} has no valid config descriptor`);
  const layerList = isArtifactManifest ? (value.blobs ?? []) : value.layers;
  if (!Array.isArray(layerList)) throw new RegistryError(`${where} has no layers`);
  if (layerList.length > MAX_LAYERS) throw new RegistryError(`${where} has ${layerList.length} layers, more than the ${MAX_LAYERS} signatures read from one artifact`);
  const layers: Descriptor[] = [];
  for (const [i, layer] of layerList.entries()) {
    const descriptor = toDescriptor(layer);
    if (!descriptor) throw new RegistryError(`${where}: layer ${i} is not a valid descriptor`);
    layers.push(descriptor);
  }
  const subject = value.subject === undefined ? undefined : toDescriptor(value.subject);
  const annotations = isObject(value.annotations) ? (value.annotations as Record<string, string>) : undefined;
  const artifactType = typeof value.artifactType === 'string' && value.artifactType !== '' ? value.artifactType : config.mediaType;
  return { manifest: { mediaType, config, layers, ...(subject ? { subject } : {}), ...(annotations ? { annotations } : {}) }, artifactType };
}

/** Signature artifacts attached to `subject`: cosign's tags, then its referrers (the API, else the tag schema). */
export async function discoverArtifacts(subject: SignedSubject, client: RegistryClient, options: DiscoverOptions = {}): Promise<Discovery> {
  const { registry, repository } = options.signatureRepository ?? subject;
  const maxArtifacts = options.maxArtifacts ?? DEFAULT_MAX_ARTIFACTS;
  const maxBlobBytes = options.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES;
  const discovery: Discovery = { artifacts: [], referrers: 'none', problems: [], skipped: 0 };
  const seen = new Set<string>();

  const artifactFrom = (body: Buffer, digest: string, foundBy: SignatureArtifact['foundBy'], where: string): SignatureArtifact => {
    const { manifest, artifactType } = parseArtifactManifest(body, where);
    return {
      digest,
      foundBy,
      artifactType,
      manifest,
      blob: async (descriptor: Descriptor) => {
        if (descriptor.size > maxBlobBytes) throw new RegistryError(`blob ${descriptor.digest} of ${where} is ${descriptor.size} bytes, more than the ${maxBlobBytes}-byte limit`);
        return client.readBlob(registry, repository, descriptor.digest, descriptor.size, options.signal);
      },
    };
  };
  const add = (artifact: SignatureArtifact): void => {
    if (seen.has(artifact.digest)) return;
    seen.add(artifact.digest);
    discovery.artifacts.push(artifact);
  };

  // cosign's tag convention.
  const base = digestTag(subject.digest);
  for (const suffix of ['sig', 'att']) {
    const tag = `${base}.${suffix}`;
    const where = `${registry}/${repository}:${tag}`;
    try {
      const fetched = await client.getManifest(registry, repository, tag, options.signal);
      add(artifactFrom(fetched.body, fetched.digest, 'cosign-tag', where));
    } catch (e) {
      if (e instanceof RegistryNotFoundError) continue;
      if (!(e instanceof RegistryError)) throw e;
      discovery.problems.push({ where, message: e.message });
    }
  }

  // Referrers: the API (its pages followed), else the tag schema.
  const listed: Descriptor[] = [];
  const singleType = options.artifactTypes?.length === 1 ? options.artifactTypes[0] : undefined;
  const apiWhere = `the referrers of ${registry}/${repository}@${subject.digest}`;
  let apiFailure: string | undefined;
  const readIndex = (body: Buffer, where: string): boolean => {
    const value = parseJson(body);
    if (!isObject(value) || !Array.isArray(value.manifests)) {
      discovery.problems.push({ where, message: `${where} is not an image index of referrers` });
      return false;
    }
    for (const entry of value.manifests) {
      const descriptor = toDescriptor(entry);
      if (descriptor) listed.push(descriptor);
    }
    return true;
  };
  try {
    let page: URL | undefined;
    for (let pages = 0; pages < MAX_REFERRER_PAGES; pages++) {
      const answer = await client.getReferrers(registry, repository, subject.digest, { ...(singleType ? { artifactType: singleType } : {}), ...(options.signal ? { signal: options.signal } : {}), ...(page ? { page } : {}) });
      if (!answer.supported) break;
      discovery.referrers = 'api';
      if (!readIndex(answer.body, apiWhere) || !answer.next || listed.length > maxArtifacts) break;
      page = answer.next;
    }
  } catch (e) {
    if (!(e instanceof RegistryError)) throw e;
    // Some registries without the API answer other than 404 (400, 405): the tag schema decides.
    if (discovery.referrers === 'none') apiFailure = e.message;
    else discovery.problems.push({ where: apiWhere, message: e.message });
  }
  const foundBy: 'referrers-api' | 'referrers-tag' = discovery.referrers === 'api' ? 'referrers-api' : 'referrers-tag';
  if (discovery.referrers === 'none') {
    const where = `${registry}/${repository}:${base}`;
    try {
      const index = await client.getManifest(registry, repository, base, options.signal);
      discovery.referrers = 'tag-schema';
      readIndex(index.body, where);
    } catch (e) {
      if (!(e instanceof RegistryError)) throw e;
      if (!(e instanceof RegistryNotFoundError)) discovery.problems.push({ where, message: e.message });
      else if (apiFailure !== undefined) discovery.problems.push({ where: apiWhere, message: apiFailure });
    }
  }
  const wanted = options.artifactTypes;
  for (const descriptor of listed) {
    if (wanted !== undefined && !wanted.includes(descriptor.artifactType ?? '')) continue;
    if (seen.has(descriptor.digest)) continue;
    if (discovery.artifacts.length >= maxArtifacts) {
      discovery.skipped++;
      continue;
    }
    const at = `${registry}/${repository}@${descriptor.digest}`;
    try {
      const fetched = await client.getManifest(registry, repository, descriptor.digest, options.signal, [OCI_ARTIFACT_MANIFEST]);
      const artifact = artifactFrom(fetched.body, fetched.digest, foundBy, at);
      // The tag schema's index is written by clients, not the registry: only a manifest that
      // names this image as its subject is one of its referrers.
      if (artifact.manifest.subject?.digest !== subject.digest) {
        discovery.problems.push({ where: at, message: `${at} is listed as a referrer but names ${artifact.manifest.subject ? `another subject (${artifact.manifest.subject.digest})` : 'no subject'}` });
        continue;
      }
      add(artifact);
    } catch (e) {
      if (!(e instanceof RegistryError)) throw e;
      discovery.problems.push({ where: at, message: e.message });
    }
  }
  return discovery;
}

/**
 * A repository named for signatures (`--signature-repository`, COSIGN_REPOSITORY, a rule's
 * `signatureRepository`): `registry/repository`, no tag or digest (the image's digest names the
 * artifacts there). Throws an Error saying what is wrong.
 */
export function parseSignatureRepository(text: string): { registry: string; repository: string } {
  const parsed = parseImageReference(text.trim());
  if (!parsed.ok) throw new Error(`"${text}" is not a repository: it ${parsed.error}`);
  if (parsed.image.tag !== undefined || parsed.image.digest !== undefined) throw new Error(`"${text}" names a tag or digest; give the repository only (registry.example.com/team/signatures)`);
  return { registry: parsed.image.registry, repository: parsed.image.repository };
}
