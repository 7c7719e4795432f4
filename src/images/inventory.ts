/**
 * `inventoryImage(target, options)`: the software inventory (and configuration) of an image in a
 * registry, an OCI layout, a `docker save` archive, or of an unpacked root file system. Layers are
 * read in order, one at a time, as streams; nothing is unpacked to disk. This is what `kshield
 * image` reports, and what vulnerability matching and SBOM writers take.
 */
import { redactSecretsInText } from '../core/redact.js';
import { createReadStream } from 'node:fs';
import { lstat, open, opendir, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { Inventory } from '../packages/model.js';
import { DEFAULT_LIMITS, InventoryCollector, type EntryHeader, type ReadLimits } from './collect.js';
import { dockerCredentials } from './docker-config.js';
import { goBuildInfoWindow } from './elf.js';
import { readLayer } from './layers.js';
import { isLoopback, RegistryClient, type RegistryAccess } from './registry.js';
import { hostPlatform, openDockerArchive, openOciLayout, openRegistryImage, parsePlatform, type ImageConfig, type LayerDescriptor, type OpenedImage } from './sources.js';
import { ImageReadError } from './streams.js';
import { parseImageReference } from '../k8s/images.js';

export type ImageTarget =
  | { kind: 'registry'; reference: string }
  | { kind: 'oci-layout'; dir: string; tag?: string }
  | { kind: 'docker-archive'; file: string; tag?: string }
  | { kind: 'rootfs'; dir: string };

export interface InventoryImageOptions {
  /** os/architecture[/variant]; default this machine's (linux/amd64 on x86-64). */
  platform?: string;
  limits?: Partial<ReadLimits>;
  /** Registry access: per-host settings, plain HTTP for loopback registries, where the Docker configuration is. */
  registry?: {
    access?: RegistryAccess;
    /** Plain HTTP: allowed only for loopback registries (127.0.0.1, ::1, localhost). */
    insecure?: boolean;
    /** config.json to take credentials from; default $DOCKER_CONFIG/config.json or ~/.docker/config.json. */
    dockerConfig?: string;
    /** Per request (and the longest a layer transfer may stall). */
    timeoutMs?: number;
  };
  signal?: AbortSignal;
  /**
   * Read only the manifest and the configuration (User, ExposedPorts, Labels, history): no layer is
   * fetched, so the inventory is empty. What `scan --images --image-config-only` wants from many images.
   */
  configOnly?: boolean;
  /** Called as each layer starts (progress). */
  onLayer?: (layer: LayerDescriptor, total: number) => void;
}

export interface ImageInventory {
  target: ImageTarget;
  /** How the report names the subject: the reference, directory or archive as given. */
  name: string;
  inventory: Inventory;
  /** Absent for a root file system. */
  config?: ImageConfig;
  manifestDigest?: string;
  configDigest?: string;
  layers: LayerDescriptor[];
}

/** "docker-archive x.tar" etc. as the command line names targets. */
export function targetName(target: ImageTarget): string {
  switch (target.kind) {
    case 'registry':
      return target.reference;
    case 'oci-layout':
      return `oci-layout ${samePath(target.dir)}${target.tag ? ` (${target.tag})` : ''}`;
    case 'docker-archive':
      return `docker-archive ${samePath(target.file)}${target.tag ? ` (${target.tag})` : ''}`;
    case 'rootfs':
      return `rootfs ${samePath(target.dir)}`;
  }
}

/**
 * A path as one spelling: `./images/shop/` and `images/shop` name one image, so its findings'
 * baseline identity and an exemption's `names` do not depend on how the path was typed.
 */
function samePath(p: string): string {
  const normal = path.normalize(p);
  return normal.length > 1 && normal.endsWith(path.sep) ? normal.slice(0, -1) : normal;
}

async function openImage(target: Exclude<ImageTarget, { kind: 'rootfs' }>, options: InventoryImageOptions, limits: ReadLimits): Promise<OpenedImage> {
  const platform = options.platform ? parsePlatform(options.platform) : hostPlatform();
  switch (target.kind) {
    case 'oci-layout':
      return openOciLayout(target.dir, platform, target.tag);
    case 'docker-archive':
      return openDockerArchive(target.file, target.tag, limits.maxEntries);
    case 'registry': {
      const parsed = parseImageReference(target.reference);
      if (!parsed.ok) throw new ImageReadError(`the image reference "${target.reference}" ${parsed.error}`);
      const access: RegistryAccess = { ...(options.registry?.access ?? {}) };
      if (options.registry?.insecure) {
        if (!isLoopback(parsed.image.registry)) throw new ImageReadError(`--insecure (plain HTTP) is only for registries on this machine (127.0.0.1, ::1, localhost), not ${parsed.image.registry}`);
        access.hosts = { ...(access.hosts ?? {}), [parsed.image.registry]: { ...(access.hosts?.[parsed.image.registry] ?? {}), insecureHttp: true } };
      }
      const client = new RegistryClient(access, {
        timeoutMs: options.registry?.timeoutMs ?? 30_000,
        plainHttpHint: 'use --insecure (registries on this machine only)',
        credentials: dockerCredentials(options.registry?.dockerConfig !== undefined ? { configFile: options.registry.dockerConfig } : {}),
      });
      try {
        return await openRegistryImage(target.reference, client, platform, options.signal);
      } catch (e) {
        client.close();
        throw e;
      }
    }
  }
}

export async function inventoryImage(target: ImageTarget, options: InventoryImageOptions = {}): Promise<ImageInventory> {
  const limits: ReadLimits = { ...DEFAULT_LIMITS, ...(options.limits ?? {}) };
  const collector = new InventoryCollector(limits);
  if (target.kind === 'rootfs') {
    await walkRootfs(target.dir, collector);
    return { target, name: targetName(target), inventory: collector.finish(), layers: [] };
  }
  const image = await openImage(target, options, limits);
  if (options.platform !== undefined) {
    // A layout or archive with one image has no index to choose from: it must be the platform asked for.
    const wanted = parsePlatform(options.platform);
    const c = image.config;
    if (c.os !== undefined && c.architecture !== undefined && (c.os !== wanted.os || c.architecture !== wanted.architecture || (wanted.variant !== undefined && (c.variant ?? (c.architecture === 'arm64' ? 'v8' : undefined)) !== wanted.variant)))
      throw new ImageReadError(`${targetName(target)} holds a ${c.os}/${c.architecture}${c.variant ? `/${c.variant}` : ''} image, not ${options.platform}`);
  }
  for (const layer of options.configOnly ? [] : image.layers) {
    options.onLayer?.(layer, image.layers.length);
    collector.startLayer(layer.index, { index: layer.index, digest: layer.diffId ?? layer.digest ?? '', ...(layer.createdBy ? { createdBy: redactSecretsInText(layer.createdBy) } : {}) });
    const raw = await image.open(layer, limits.maxLayerBytes);
    await readLayer(raw, collector, `layer ${layer.index} (${layer.digest ?? layer.diffId ?? 'no digest'}) of ${targetName(target)}`, limits.maxLayerBytes);
    collector.endLayer();
  }
  return {
    target,
    name: targetName(target),
    inventory: collector.finish(),
    config: image.config,
    ...(image.manifestDigest ? { manifestDigest: image.manifestDigest } : {}),
    ...(image.configDigest ? { configDigest: image.configDigest } : {}),
    layers: image.layers,
  };
}

/**
 * An unpacked root file system, walked without following symlinks and without leaving its file
 * system (so a machine's own / skips /proc, /sys and other mounts). Only the files the inventory
 * reads are opened. Unreadable directories are noted and skipped.
 */
async function walkRootfs(dir: string, collector: InventoryCollector): Promise<void> {
  let rootDevice: number;
  try {
    const s = await lstat(dir);
    if (!s.isDirectory()) throw new ImageReadError(`rootfs ${dir}: not a directory`);
    rootDevice = s.dev;
  } catch (e) {
    if (e instanceof ImageReadError) throw e;
    throw new ImageReadError(`rootfs ${dir}: cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const notes: { path: string; message: string }[] = [];
  collector.startLayer(-1, undefined);
  const stack: string[] = [''];
  while (stack.length > 0) {
    const relative = stack.pop()!;
    const absolute = path.join(dir, relative);
    let handle;
    try {
      handle = await opendir(absolute, { bufferSize: 256 });
    } catch (e) {
      notes.push({ path: `/${relative}`, message: `directory not read (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
      continue;
    }
    const subdirs: string[] = [];
    for await (const d of handle) {
      const rel = relative === '' ? d.name : `${relative}/${d.name}`;
      const full = path.join(absolute, d.name);
      if (d.isDirectory()) {
        try {
          const s = await lstat(full);
          if (s.dev === rootDevice) subdirs.push(rel);
        } catch {
          // Gone since it was listed.
        }
        continue;
      }
      const type: EntryHeader['type'] = d.isFile() ? 'file' : d.isSymbolicLink() ? 'symlink' : 'other';
      const header: EntryHeader = { path: rel, type, mode: 0, size: 0 };
      // Only candidates cost a stat (executables need their mode, files their size).
      if (type === 'other') continue;
      if (type === 'file') {
        const probe = { ...header, mode: 0o755, size: Number.MAX_SAFE_INTEGER };
        if (!collector.wants(probe)) continue;
        try {
          const s = await lstat(full);
          header.mode = s.mode & 0o7777;
          header.size = s.size;
        } catch {
          continue;
        }
        if (!collector.wants(header)) continue;
        if (collector.isExecutable(header)) {
          // Random access: the ELF headers say where Go's build information is; nothing else is read.
          let window: Buffer | undefined;
          try {
            const handle = await open(full, 'r');
            try {
              window = await goBuildInfoWindow(handle);
            } finally {
              await handle.close();
            }
          } catch (e) {
            notes.push({ path: `/${rel}`, message: `not read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
            continue;
          }
          collector.executableWindow(header, window);
          continue;
        }
        const stream = createReadStream(full, { highWaterMark: 256 * 1024 });
        const failed = new Promise<void>((resolve) => stream.once('error', (e: NodeJS.ErrnoException) => {
          notes.push({ path: `/${rel}`, message: `not read (${e.code ?? 'error'})` });
          resolve();
        }));
        await Promise.race([collector.entry(header, stream).catch((e: unknown) => {
          if (e instanceof ImageReadError) throw e;
          notes.push({ path: `/${rel}`, message: `not read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
        }), failed]);
      } else {
        if (!collector.wants(header)) continue;
        try {
          header.linkname = await readlink(full);
        } catch {
          continue;
        }
        await collector.entry(header, undefined);
      }
    }
    // Depth-first in name order, so the walk (and its notes) is the same every run.
    stack.push(...subdirs.sort().reverse());
  }
  collector.addNotes(notes);
}
