/**
 * Where an image comes from, opened to the same shape: its configuration and its layers in order,
 * each layer a stream whose bytes are checked against its digest as they are read.
 *
 * - registry: the Registry HTTP API v2 (images/registry.ts), OCI image indexes and Docker manifest
 *   lists resolved to one platform;
 * - oci-layout DIR: an OCI image layout (oci-layout, index.json, blobs/<alg>/<hex>);
 * - docker-archive TAR: what `docker save` writes (manifest.json naming the config and the layer
 *   members, legacy `<id>/layer.tar` or OCI `blobs/sha256/<hex>`), read in place without a daemon.
 */
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { DockerfileOrigin } from '../packages/model.js';
import { effectiveTag, parseImageReference } from '../k8s/images.js';
import { RegistryClient, RegistryError } from './registry.js';
import { formatBytes, ImageReadError, verifying } from './streams.js';
import { indexTar, type TarMember } from './tar-index.js';

/** The image configuration (OCI image-spec config.md; Docker's is the same for these fields). */
export interface ImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  config?: {
    User?: string;
    ExposedPorts?: Record<string, unknown>;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    Labels?: Record<string, string> | null;
  };
  rootfs?: { type?: string; diff_ids?: string[] };
  history?: { created?: string; created_by?: string; empty_layer?: boolean; comment?: string; author?: string }[];
}

export interface LayerDescriptor {
  index: number;
  /** What the layer's bytes are checked against: the blob digest, or (docker save legacy) the diff_id. */
  digest?: string;
  /** The digest of the unpacked tar, from the config: the same whichever way the image was stored. */
  diffId?: string;
  size?: number;
  mediaType?: string;
  /** The history line that made it. */
  createdBy?: string;
  /** The Dockerfile instruction (or base image) that made it, when `kshield image --dockerfile` could tell. */
  dockerfile?: DockerfileOrigin;
}

export interface OpenedImage {
  kind: 'registry' | 'oci-layout' | 'docker-archive';
  /** What the user named. */
  name: string;
  manifestDigest?: string;
  config: ImageConfig;
  configDigest?: string;
  layers: LayerDescriptor[];
  /** The layer's raw bytes, verified as they pass (the stream fails on a mismatch or past maxBytes). */
  open(layer: LayerDescriptor, maxBytes: number): Promise<Readable>;
}

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerV1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerV1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

const MAX_JSON_BYTES = 8 * 1024 * 1024;

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** "linux/arm64/v8" → { os, architecture, variant }. */
export function parsePlatform(text: string): Platform {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9_.-]+$/i.test(p))) throw new ImageReadError(`--platform "${text}" is not os/architecture[/variant] (e.g. linux/amd64, linux/arm64/v8)`);
  return { os: parts[0].toLowerCase(), architecture: parts[1].toLowerCase(), ...(parts[2] ? { variant: parts[2].toLowerCase() } : {}) };
}

/** This machine's platform as images name it (what docker pulls by default). */
export function hostPlatform(): Platform {
  const arch = ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[process.arch] ?? process.arch;
  return { os: 'linux', architecture: arch };
}

function platformText(p: Descriptor['platform']): string {
  return p ? `${p.os ?? '?'}/${p.architecture ?? '?'}${p.variant ? `/${p.variant}` : ''}` : 'no platform';
}

function isIndex(mediaType: string | undefined): boolean {
  return mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList;
}

function parseJson<T>(bytes: Buffer, what: string): T {
  try {
    const value = JSON.parse(bytes.toString('utf8')) as unknown;
    if (typeof value !== 'object' || value === null) throw new Error('not an object');
    return value as T;
  } catch (e) {
    throw new ImageReadError(`${what}: not valid JSON (${(e as Error).message.slice(0, 120)})`);
  }
}

/** The image manifest of `platform` in an index; arm64's variant v8 is implied when unwritten, as containerd does. */
export function selectPlatform(manifests: Descriptor[], platform: Platform, what: string): Descriptor {
  const images = manifests.filter((m) => !isIndex(m.mediaType) && m.platform && m.platform.os !== 'unknown');
  const variantOf = (p: Descriptor['platform']): string | undefined => p?.variant ?? (p?.architecture === 'arm64' ? 'v8' : undefined);
  const wanted = platform.variant ?? (platform.architecture === 'arm64' ? 'v8' : undefined);
  const match = images.filter((m) => m.platform!.os === platform.os && m.platform!.architecture === platform.architecture && (wanted === undefined || variantOf(m.platform) === wanted));
  if (match.length === 0) {
    const available = images.map((m) => platformText(m.platform)).join(', ') || 'none';
    throw new ImageReadError(`${what} has no image for ${platformText(platform)} (it has: ${available}); choose one with --platform`);
  }
  return match[0];
}

interface ManifestJson {
  schemaVersion?: number;
  mediaType?: string;
  manifests?: Descriptor[];
  config?: Descriptor;
  layers?: Descriptor[];
}

function layerDescriptors(manifest: ManifestJson, config: ImageConfig, what: string): LayerDescriptor[] {
  if (!Array.isArray(manifest.layers)) throw new ImageReadError(`${what}: the manifest lists no layers`);
  const diffIds = config.rootfs?.diff_ids ?? [];
  const history = (config.history ?? []).filter((h) => !h.empty_layer);
  return manifest.layers.map((l, index) => {
    if (typeof l?.digest !== 'string') throw new ImageReadError(`${what}: layer ${index} has no digest`);
    const d: LayerDescriptor = { index, digest: l.digest };
    if (diffIds[index]) d.diffId = diffIds[index];
    if (typeof l.size === 'number') d.size = l.size;
    if (l.mediaType) d.mediaType = l.mediaType;
    if (history[index]?.created_by) d.createdBy = history[index].created_by;
    return d;
  });
}

function checkManifest(manifest: ManifestJson, mediaType: string | undefined, what: string): void {
  if (mediaType === MEDIA.dockerV1 || mediaType === MEDIA.dockerV1Signed || manifest.schemaVersion === 1)
    throw new ImageReadError(`${what}: a Docker schema 1 manifest, which registries stopped serving in 2023; push the image again with a current client`);
  if (!manifest.config || typeof manifest.config.digest !== 'string') throw new ImageReadError(`${what}: not an image manifest (no config)`);
}

// ---------------------------------------------------------------- registry

export async function openRegistryImage(reference: string, client: RegistryClient, platform: Platform, signal?: AbortSignal): Promise<OpenedImage> {
  const parsed = parseImageReference(reference);
  if (!parsed.ok) throw new ImageReadError(`the image reference "${reference}" ${parsed.error}`);
  const { registry, repository } = parsed.image;
  const what = reference;
  let fetched = await client.getManifest(registry, repository, parsed.image.digest ?? effectiveTag(parsed.image)!, signal);
  let manifest = parseJson<ManifestJson>(fetched.body, `the manifest of ${what}`);
  if (isIndex(fetched.mediaType) || (Array.isArray(manifest.manifests) && !manifest.config)) {
    const chosen = selectPlatform(manifest.manifests ?? [], platform, what);
    fetched = await client.getManifest(registry, repository, chosen.digest, signal);
    manifest = parseJson<ManifestJson>(fetched.body, `the manifest of ${what} for ${platformText(platform)}`);
  }
  checkManifest(manifest, fetched.mediaType, what);
  const configBlob = await client.openBlob(registry, repository, manifest.config!.digest, { signal });
  const configBytes = await readAll(configBlob.stream.pipe(verifying(manifest.config!.digest, MAX_JSON_BYTES, `the configuration of ${what}`)));
  const config = parseJson<ImageConfig>(configBytes, `the configuration of ${what}`);
  return {
    kind: 'registry',
    name: reference,
    manifestDigest: fetched.digest,
    config,
    configDigest: manifest.config!.digest,
    layers: layerDescriptors(manifest, config, what),
    async open(layer, maxBytes) {
      if (layer.size !== undefined && layer.size > maxBytes) throw new ImageReadError(`layer ${layer.index} (${layer.digest}) of ${what} is ${formatBytes(layer.size)}, over the ${formatBytes(maxBytes)} limit (--max-layer-size)`);
      const blob = await client.openBlob(registry, repository, layer.digest!, { signal });
      const out = verifying(layer.digest, maxBytes, `layer ${layer.index} (${layer.digest}) of ${what}`);
      blob.stream.on('error', (e: Error) => out.destroy(e instanceof RegistryError ? new ImageReadError(e.message) : new ImageReadError(`layer ${layer.index} of ${what}: the transfer failed (${(e as NodeJS.ErrnoException).code ?? e.message})`)));
      // However the read ends (a limit, a corrupt layer), the connection is not left open.
      out.once('close', () => blob.stream.destroy());
      return blob.stream.pipe(out);
    },
  };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

// ---------------------------------------------------------------- OCI image layout

const DIGEST_PATH = /^(sha256|sha384|sha512):([a-f0-9]{64,128})$/;

function blobPath(dir: string, digest: string, what: string): string {
  const m = DIGEST_PATH.exec(digest);
  if (!m) throw new ImageReadError(`${what}: "${digest.slice(0, 80)}" is not a digest`);
  return path.join(dir, 'blobs', m[1], m[2]);
}

async function readVerified(file: string, digest: string | undefined, what: string): Promise<Buffer> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw new ImageReadError(`${what}: missing (${file})`);
  }
  if (size > MAX_JSON_BYTES) throw new ImageReadError(`${what}: ${formatBytes(size)}, over the ${formatBytes(MAX_JSON_BYTES)} limit for JSON documents`);
  return readAll(createReadStream(file).pipe(verifying(digest, MAX_JSON_BYTES, what)));
}

const REF_NAME = 'org.opencontainers.image.ref.name';

export async function openOciLayout(dir: string, platform: Platform, tag?: string): Promise<OpenedImage> {
  const what = `OCI layout ${dir}`;
  let layoutText: string;
  try {
    layoutText = await readFile(path.join(dir, 'oci-layout'), 'utf8');
  } catch {
    throw new ImageReadError(`${dir}: not an OCI image layout (no oci-layout file)`);
  }
  const layout = parseJson<{ imageLayoutVersion?: unknown }>(Buffer.from(layoutText), `${dir}/oci-layout`);
  if (typeof layout.imageLayoutVersion !== 'string' || !layout.imageLayoutVersion.startsWith('1.')) throw new ImageReadError(`${dir}/oci-layout: imageLayoutVersion ${JSON.stringify(layout.imageLayoutVersion)} is not 1.x`);
  const index = parseJson<ManifestJson>(await readVerified(path.join(dir, 'index.json'), undefined, `${dir}/index.json`), `${dir}/index.json`);
  const top = index.manifests ?? [];
  let chosen: Descriptor | undefined;
  if (tag !== undefined) {
    chosen = top.find((m) => m.annotations?.[REF_NAME] === tag);
    if (!chosen) throw new ImageReadError(`${what} has no image named "${tag}" (names: ${top.map((m) => m.annotations?.[REF_NAME]).filter(Boolean).join(', ') || 'none'})`);
  } else if (top.length === 1) chosen = top[0];
  else if (top.length === 0) throw new ImageReadError(`${what}: index.json lists no images`);
  else {
    const names = top.map((m) => m.annotations?.[REF_NAME]).filter(Boolean);
    chosen = top.every((m) => !isIndex(m.mediaType) && m.platform) ? selectPlatform(top, platform, what) : undefined;
    if (!chosen) throw new ImageReadError(`${what} holds ${top.length} images: choose one with --tag (names: ${names.join(', ') || 'none'})`);
  }
  let manifestBytes = await readVerified(blobPath(dir, chosen.digest, what), chosen.digest, `the manifest ${chosen.digest} in ${what}`);
  let manifest = parseJson<ManifestJson>(manifestBytes, `the manifest ${chosen.digest} in ${what}`);
  let manifestDigest = chosen.digest;
  for (let depth = 0; isIndex(manifest.mediaType ?? chosen.mediaType) || (Array.isArray(manifest.manifests) && !manifest.config); depth++) {
    if (depth >= 4) throw new ImageReadError(`${what}: indexes nested more than 4 deep`);
    const inner = selectPlatform(manifest.manifests ?? [], platform, what);
    manifestBytes = await readVerified(blobPath(dir, inner.digest, what), inner.digest, `the manifest ${inner.digest} in ${what}`);
    manifest = parseJson<ManifestJson>(manifestBytes, `the manifest ${inner.digest} in ${what}`);
    manifestDigest = inner.digest;
    chosen = inner;
  }
  checkManifest(manifest, manifest.mediaType, what);
  const config = parseJson<ImageConfig>(await readVerified(blobPath(dir, manifest.config!.digest, what), manifest.config!.digest, `the configuration in ${what}`), `the configuration in ${what}`);
  return {
    kind: 'oci-layout',
    name: dir,
    manifestDigest,
    config,
    configDigest: manifest.config!.digest,
    layers: layerDescriptors(manifest, config, what),
    async open(layer, maxBytes) {
      const file = blobPath(dir, layer.digest!, what);
      const label = `layer ${layer.index} (${layer.digest}) in ${what}`;
      let size: number;
      try {
        size = (await stat(file)).size;
      } catch {
        throw new ImageReadError(`${label}: the blob is missing`);
      }
      if (size > maxBytes) throw new ImageReadError(`${label} is ${formatBytes(size)}, over the ${formatBytes(maxBytes)} limit (--max-layer-size)`);
      return createReadStream(file, { highWaterMark: 256 * 1024 }).pipe(verifying(layer.digest, maxBytes, label));
    },
  };
}

// ---------------------------------------------------------------- docker save

interface DockerArchiveEntry {
  Config?: unknown;
  RepoTags?: unknown;
  Layers?: unknown;
}

function memberStream(file: string, member: TarMember): Readable {
  if (member.size === 0) return Readable.from([]);
  return createReadStream(file, { start: member.offset, end: member.offset + member.size - 1, highWaterMark: 256 * 1024 });
}

function resolveMember(members: Map<string, TarMember>, name: string, what: string): TarMember {
  let member = members.get(name.replace(/^(\.\/)+/, ''));
  for (let hops = 0; member?.linkname !== undefined && hops < 8; hops++) {
    const target = member.type === '2' ? path.posix.normalize(path.posix.join(path.posix.dirname(member.name), member.linkname)) : member.linkname;
    member = members.get(target.replace(/^(\.\/)+/, ''));
  }
  if (!member || member.linkname !== undefined) throw new ImageReadError(`${what}: the member "${name}" named by manifest.json is missing`);
  return member;
}

export async function openDockerArchive(file: string, tag: string | undefined, maxEntries: number): Promise<OpenedImage> {
  const what = `docker archive ${file}`;
  let kind: string;
  try {
    const handle = await open(file, 'r');
    const s = await handle.stat();
    await handle.close();
    kind = s.isFile() ? 'file' : s.isDirectory() ? 'directory' : 'special file';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ImageReadError(`${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory, not a docker save archive (for an unpacked image: oci-layout DIR or rootfs DIR)' : `cannot be read (${code ?? 'error'})`}`);
  }
  if (kind !== 'file') throw new ImageReadError(`${file}: a ${kind}, not a docker save archive${kind === 'directory' ? ' (for an unpacked image: oci-layout DIR or rootfs DIR)' : ''}`);
  const members = await indexTar(file, maxEntries);
  const manifestMember = members.get('manifest.json');
  if (!manifestMember) throw new ImageReadError(`${file}: not a docker save archive (no manifest.json)`);
  const read = async (member: TarMember, digest: string | undefined, label: string): Promise<Buffer> => {
    if (member.size > MAX_JSON_BYTES) throw new ImageReadError(`${label}: ${formatBytes(member.size)}, over the ${formatBytes(MAX_JSON_BYTES)} limit for JSON documents`);
    return readAll(memberStream(file, member).pipe(verifying(digest, MAX_JSON_BYTES, label)));
  };
  const entries = parseJson<DockerArchiveEntry[]>(await read(manifestMember, undefined, `${file}: manifest.json`), `${file}: manifest.json`);
  if (!Array.isArray(entries) || entries.length === 0) throw new ImageReadError(`${file}: manifest.json lists no images`);
  const tagsOf = (e: DockerArchiveEntry): string[] => (Array.isArray(e.RepoTags) ? e.RepoTags.filter((t): t is string => typeof t === 'string') : []);
  let entry: DockerArchiveEntry | undefined;
  if (tag !== undefined) {
    entry = entries.find((e) => tagsOf(e).some((t) => t === tag || t.endsWith(`/${tag}`) || t === `docker.io/library/${tag}`));
    if (!entry) throw new ImageReadError(`${what} has no image tagged "${tag}" (tags: ${entries.flatMap(tagsOf).join(', ') || 'none'})`);
  } else if (entries.length === 1) entry = entries[0];
  else throw new ImageReadError(`${what} holds ${entries.length} images: choose one with --tag (tags: ${entries.flatMap(tagsOf).join(', ') || 'none'})`);
  if (typeof entry.Config !== 'string' || !Array.isArray(entry.Layers) || !entry.Layers.every((l) => typeof l === 'string')) throw new ImageReadError(`${file}: manifest.json has an entry without Config or Layers`);
  const configName = entry.Config;
  const configDigest = /^(?:blobs\/sha256\/|)([a-f0-9]{64})(?:\.json)?$/.exec(configName);
  const config = parseJson<ImageConfig>(await read(resolveMember(members, configName, what), configDigest ? `sha256:${configDigest[1]}` : undefined, `the configuration in ${what}`), `the configuration in ${what}`);
  const diffIds = config.rootfs?.diff_ids ?? [];
  const history = (config.history ?? []).filter((h) => !h.empty_layer);
  const layerMembers = (entry.Layers as string[]).map((name) => resolveMember(members, name, what));
  const layers: LayerDescriptor[] = (entry.Layers as string[]).map((name, index) => {
    // OCI-style members are named by their digest; legacy <id>/layer.tar members are the uncompressed layer, whose digest is the diff_id.
    const blob = /^blobs\/(sha256|sha512)\/([a-f0-9]+)$/.exec(name);
    const d: LayerDescriptor = { index, size: layerMembers[index].size };
    const digest = blob ? `${blob[1]}:${blob[2]}` : diffIds[index];
    if (digest) d.digest = digest;
    if (diffIds[index]) d.diffId = diffIds[index];
    if (history[index]?.created_by) d.createdBy = history[index].created_by;
    return d;
  });
  return {
    kind: 'docker-archive',
    name: file,
    ...(configDigest ? { configDigest: `sha256:${configDigest[1]}` } : {}),
    config,
    layers,
    async open(layer, maxBytes) {
      const member = layerMembers[layer.index];
      const label = `layer ${layer.index} (${layer.digest ?? (entry!.Layers as string[])[layer.index]}) in ${what}`;
      if (member.size > maxBytes) throw new ImageReadError(`${label} is ${formatBytes(member.size)}, over the ${formatBytes(maxBytes)} limit (--max-layer-size)`);
      return memberStream(file, member).pipe(verifying(layer.digest, maxBytes, label));
    },
  };
}
