/**
 * `kshield scan --images`: each distinct image the scanned workloads name is read from its registry
 * (images/inventory.ts) and added to the scan as one `ContainerImage` object, so that the
 * correlation rules link a container to what its image says (its user, its exposed ports) and
 * `vulnerable-package` reports the image's known vulnerabilities in the same report. Nothing is
 * fetched without the option. An image that cannot be read (a reference with a variable, a registry
 * that refuses, a timeout) becomes a note naming it, and the rest of the scan goes on.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Note, Resource } from '../core/types.js';
import type { ImageSource } from '../engine/rule.js';
import { attributeLayers, withDockerfileOrigins } from '../images/dockerfile-layers.js';
import type { ImageInventory } from '../images/inventory.js';
import { DOCKERFILE_KIND, loadDockerfile, type DockerfileView } from '../sources/dockerfile.js';
import { imageSourcesOf } from '../rules/correlation/shared.js';
import { containers } from '../k8s/pods.js';
import { canonicalReference, parseImageReference } from '../k8s/images.js';
import { imageObject, imageResource } from '../images/image-object.js';
import { inventoryImage } from '../images/inventory.js';
import { isLoopback } from '../images/registry.js';
import type { LoadResult } from '../sources/files.js';
import type { LockfileVulnerabilities } from './vulnerabilities.js';

export interface ScanImageOptions {
  /** `full`: every layer (inventory, vulnerabilities); `config` (`--image-config-only`): the manifest and configuration only. */
  read: 'full' | 'config';
  /** At most this many distinct images are read, in the order the scan meets them (default 20). */
  maxImages?: number;
  /** Longest one image may take, all requests and layers together (default 2 minutes). */
  timeoutMs?: number;
  /** Plain HTTP to registries on this machine only. */
  insecure?: boolean;
  dockerConfig?: string;
  /** os/arch[/variant] to pick from multi-platform images (default this machine's). */
  platform?: string;
  /** The configuration's imageSources (Dockerfile paths absolute): an image linked to a scanned Dockerfile has its layers attributed to its instructions. */
  imageSources?: readonly ImageSource[];
}

/**
 * The image with each layer attributed to the instruction of the Dockerfile that built it (as
 * `kshield image --dockerfile` does), when the configuration links the image to a Dockerfile of the
 * scan (by its repository, or by its org.opencontainers.image.source label). What could not be
 * matched is a note; nothing is attributed by guessing.
 */
function attributeToDockerfile(result: ImageInventory, resources: readonly Resource[], sources: readonly ImageSource[], notes: Note[]): ImageInventory {
  const labels = Object.fromEntries(Object.entries(result.config?.config?.Labels ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'));
  for (const entry of imageSourcesOf(result.name, labels, sources)) {
    const scanned = resources.find((r) => r.kind === DOCKERFILE_KIND && path.resolve(r.file) === entry.dockerfile);
    if (!scanned) continue;
    let text: string;
    try {
      text = readFileSync(entry.dockerfile, 'utf8');
    } catch {
      return result;
    }
    // The scanned view has no instruction text; the history is matched against the text as the builder took it.
    const loaded = loadDockerfile(text.charCodeAt(0) === 0xfeff ? ' ' + text.slice(1) : text, scanned.file, { instructionText: true });
    if (!loaded.resource) return result;
    const attribution = attributeLayers(loaded.resource.object as unknown as DockerfileView, scanned.file, result.config?.history, result.layers.length);
    for (const message of attribution.notes) notes.push({ file: result.name, message });
    return withDockerfileOrigins(result, attribution);
  }
  return result;
}

export const DEFAULT_MAX_IMAGES = 20;
export const DEFAULT_IMAGE_TIMEOUT_MS = 120_000;
/** One registry request's deadline: within the image's, never longer than `kshield image`'s default. */
const REQUEST_TIMEOUT_MS = 30_000;

interface Wanted {
  /** The reference as the first workload wrote it: the ContainerImage object's name. */
  reference: string;
  /** Where it was first met, for notes. */
  file: string;
}

/**
 * The distinct images the workloads name, first met first. Two spellings of one image
 * (`nginx:1.27`, `docker.io/library/nginx:1.27`) are read once; references that do not parse
 * (templates, typos) are left to the image rules.
 */
export function wantedImages(resources: readonly Resource[]): Wanted[] {
  const seen = new Set<string>();
  const out: Wanted[] = [];
  for (const r of resources)
    for (const c of containers(r)) {
      if (typeof c.container.image !== 'string') continue;
      const parsed = parseImageReference(c.container.image);
      if (!parsed.ok) continue;
      const key = canonicalReference(parsed.image);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ reference: c.container.image, file: r.file });
    }
  return out;
}

/** Reads the images and adds a ContainerImage object per image read to `loaded`; failures become notes. */
export async function addImageObjects(loaded: LoadResult, options: ScanImageOptions, vulnerabilities: LockfileVulnerabilities): Promise<void> {
  const wanted = wantedImages(loaded.resources);
  const max = options.maxImages ?? DEFAULT_MAX_IMAGES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_IMAGE_TIMEOUT_MS;
  const notes: Note[] = [];
  for (const { reference, file } of wanted.slice(0, max)) {
    const signal = AbortSignal.timeout(timeoutMs);
    const parsed = parseImageReference(reference);
    // --insecure is for registries on this machine; every other registry is still asked over HTTPS.
    const insecure = options.insecure === true && parsed.ok && isLoopback(parsed.image.registry);
    try {
      const result = await inventoryImage(
        { kind: 'registry', reference },
        {
          ...(options.platform !== undefined ? { platform: options.platform } : {}),
          configOnly: options.read === 'config',
          signal,
          registry: { insecure, ...(options.dockerConfig !== undefined ? { dockerConfig: options.dockerConfig } : {}), timeoutMs: Math.min(REQUEST_TIMEOUT_MS, timeoutMs) },
        },
      );
      const inventory = options.read === 'full' ? attributeToDockerfile(result, loaded.resources, options.imageSources ?? [], notes) : result;
      const attached = options.read === 'full' ? vulnerabilities.forImage(inventory.name, inventory.inventory, notes) : undefined;
      loaded.resources.push(imageResource(imageObject(inventory, attached)));
    } catch (e) {
      // Whatever stops one image (a registry error, a limit, a corrupt layer, a dropped connection)
      // is that image's note: the manifests are still judged, with the other images.
      // The registry client words an abort for the webhook's deadline; here it is the image's timeout.
      const why = signal.aborted ? `not read within the image timeout (${Math.round(timeoutMs / 1000)} s, --image-timeout)` : (e as Error).message;
      notes.push({ file, message: `image ${reference} was not read (--images): ${why}` });
    }
  }
  if (wanted.length > max) notes.push({ file: wanted[max].file, message: `${wanted.length - max} more image(s) were not read: --max-images ${max} (the first not read: ${wanted[max].reference})` });
  loaded.notes.push(...notes);
}
