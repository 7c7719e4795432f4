/**
 * Builds small container images for tests, byte for byte as image builders write them: layer tars
 * (tar-stream) compressed with gzip, zstd (the zstd CLI) or not at all, an image configuration,
 * and a manifest; then writes the same image as an OCI image layout, as a `docker save` archive
 * (legacy layout: <id>/layer.tar, <config>.json, manifest.json), and pushes it to a registry.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { putManifest, uploadBlob } from './docker-registry.js';

export type LayerEntry =
  | { path: string; content: string | Buffer; mode?: number }
  | { path: string; symlink: string }
  | { path: string; hardlink: string }
  | { path: string; directory: true };

export interface LayerSpec {
  entries: LayerEntry[];
  compression: 'gzip' | 'zstd' | 'none';
  createdBy: string;
  /** History entries that made no layer (ENV, USER, ...), recorded just before this layer's. */
  emptyBefore?: string[];
}

export interface BuiltLayer {
  tar: Buffer;
  blob: Buffer;
  digest: string;
  diffId: string;
  mediaType: string;
}

export interface BuiltImage {
  layers: BuiltLayer[];
  config: Buffer;
  configDigest: string;
  manifest: Buffer;
  manifestDigest: string;
}

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function zstdAvailable(): boolean {
  return spawnSync('zstd', ['--version']).status === 0;
}

export async function layerTar(entries: LayerEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c: unknown) => {
      chunks.push(c as Buffer);
    });
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  const mtime = new Date('2024-01-01T00:00:00Z');
  for (const e of entries) {
    if ('symlink' in e) pack.entry({ name: e.path, type: 'symlink', linkname: e.symlink, mtime });
    else if ('hardlink' in e) pack.entry({ name: e.path, type: 'link', linkname: e.hardlink, mtime });
    else if ('directory' in e) pack.entry({ name: e.path, type: 'directory', mode: 0o755, mtime });
    else pack.entry({ name: e.path, mode: e.mode ?? 0o644, mtime }, Buffer.isBuffer(e.content) ? e.content : Buffer.from(e.content));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export function compress(bytes: Buffer, compression: LayerSpec['compression']): Buffer {
  if (compression === 'gzip') return zlib.gzipSync(bytes);
  if (compression === 'zstd') {
    const r = spawnSync('zstd', ['-q', '-c', '-3'], { input: bytes, maxBuffer: 1024 ** 3 });
    if (r.status !== 0) throw new Error(`zstd failed: ${r.stderr}`);
    return r.stdout;
  }
  return bytes;
}

const LAYER_MEDIA = { gzip: 'application/vnd.oci.image.layer.v1.tar+gzip', zstd: 'application/vnd.oci.image.layer.v1.tar+zstd', none: 'application/vnd.oci.image.layer.v1.tar' };

export async function buildImage(specs: LayerSpec[], config: Record<string, unknown>, platform = { os: 'linux', architecture: 'amd64' }): Promise<BuiltImage> {
  const layers: BuiltLayer[] = [];
  for (const spec of specs) {
    const t = await layerTar(spec.entries);
    const blob = compress(t, spec.compression);
    layers.push({ tar: t, blob, digest: sha256(blob), diffId: sha256(t), mediaType: LAYER_MEDIA[spec.compression] });
  }
  const history = specs.flatMap((s) => [
    ...(s.emptyBefore ?? []).map((createdBy) => ({ created: '2024-01-01T00:00:00Z', created_by: createdBy, empty_layer: true })),
    { created: '2024-01-01T00:00:00Z', created_by: s.createdBy },
  ]);
  const extraHistory = (config.history as unknown[] | undefined) ?? [];
  const configJson = { ...config, ...platform, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) }, history: [...history, ...extraHistory] };
  const configBytes = Buffer.from(JSON.stringify(configJson));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(configBytes), size: configBytes.length },
      layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.blob.length })),
    }),
  );
  return { layers, config: configBytes, configDigest: sha256(configBytes), manifest, manifestDigest: sha256(manifest) };
}

function writeBlob(dir: string, digest: string, bytes: Buffer): void {
  const [alg, hex] = digest.split(':');
  mkdirSync(path.join(dir, 'blobs', alg), { recursive: true });
  writeFileSync(path.join(dir, 'blobs', alg, hex), bytes);
}

/** An OCI image layout holding the image under `refName`. */
export function writeOciLayout(dir: string, image: BuiltImage, refName = 'latest'): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  for (const l of image.layers) writeBlob(dir, l.digest, l.blob);
  writeBlob(dir, image.configDigest, image.config);
  writeBlob(dir, image.manifestDigest, image.manifest);
  writeFileSync(
    path.join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: image.manifestDigest, size: image.manifest.length, annotations: { 'org.opencontainers.image.ref.name': refName } }],
    }),
  );
}

/** What `docker save` writes (the legacy layout every version writes): uncompressed layers under <id>/layer.tar. */
export async function writeDockerArchive(file: string, image: BuiltImage, repoTag: string): Promise<void> {
  const configHex = image.configDigest.split(':')[1];
  const entries: LayerEntry[] = [];
  const layerPaths: string[] = [];
  image.layers.forEach((l, i) => {
    const id = createHash('sha256').update(`${i}:${l.diffId}`).digest('hex');
    entries.push({ path: `${id}/`, directory: true }, { path: `${id}/VERSION`, content: '1.0' }, { path: `${id}/layer.tar`, content: l.tar });
    layerPaths.push(`${id}/layer.tar`);
  });
  entries.push({ path: `${configHex}.json`, content: image.config });
  entries.push({ path: 'manifest.json', content: JSON.stringify([{ Config: `${configHex}.json`, RepoTags: [repoTag], Layers: layerPaths }]) });
  writeFileSync(file, await layerTar(entries));
}

/** Pushes config, layers and manifest under `tag` (headers carry the registry credentials). */
export async function pushBuiltImage(base: string, repository: string, tag: string, image: BuiltImage, headers: Record<string, string>): Promise<void> {
  for (const l of image.layers) await uploadBlob(base, repository, l.blob, headers);
  await uploadBlob(base, repository, image.config, headers);
  await putManifest(base, repository, tag, 'application/vnd.oci.image.manifest.v1+json', image.manifest, headers);
}

/** Pushes an index of already pushed images (one per platform) under `tag`. */
export async function pushBuiltIndex(base: string, repository: string, tag: string, images: { image: BuiltImage; platform: { os: string; architecture: string; variant?: string } }[], headers: Record<string, string>): Promise<string> {
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: images.map(({ image, platform }) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: image.manifestDigest, size: image.manifest.length, platform })),
    }),
  );
  await putManifest(base, repository, tag, 'application/vnd.oci.image.index.v1+json', index, headers);
  return sha256(index);
}
