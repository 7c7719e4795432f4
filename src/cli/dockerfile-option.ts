/**
 * `kshield image ... --dockerfile FILE`: the Dockerfile read (before the image, so a wrong path fails
 * at once) and each layer of the image attributed to the instruction that made it
 * (images/dockerfile-layers.ts).
 */
import { readFileSync, statSync } from 'node:fs';
import { UsageError } from '../core/errors.js';
import { attributeLayers, withDockerfileOrigins } from '../images/dockerfile-layers.js';
import type { ImageInventory, ImageTarget } from '../images/inventory.js';
import { describeFsError, loadBytes } from '../sources/files.js';
import { loadDockerfile, MAX_DOCKERFILE_LENGTH, type DockerfileView } from '../sources/dockerfile.js';

export interface GivenDockerfile {
  file: string;
  view: DockerfileView;
}

/** Reads and parses the Dockerfile; a missing, unreadable or malformed one is a usage error naming the file. */
export function readDockerfileOption(file: string, target: ImageTarget): GivenDockerfile {
  if (target.kind === 'rootfs') throw new UsageError('--dockerfile: a root file system has no layers to attribute; give an image (a registry reference, oci-layout DIR or docker-archive TAR)');
  let bytes: Buffer;
  try {
    const s = statSync(file);
    if (s.isDirectory()) throw new UsageError(`--dockerfile ${file}: is a directory; give the Dockerfile itself`);
    // UTF-8 takes at most 4 bytes a character: anything larger is over the Dockerfile limit however it reads.
    if (s.size > MAX_DOCKERFILE_LENGTH * 4) throw new UsageError(`--dockerfile ${file}: ${s.size} bytes, over the limit for a Dockerfile`);
    bytes = readFileSync(file);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--dockerfile ${file}: ${describeFsError(e)}`);
  }
  // The checks every Dockerfile gets (encoding, binary content, size, syntax), then the view with each instruction's text.
  const checked = loadBytes(bytes, file, {}, 'dockerfile');
  const error = checked.errors[0];
  if (error) throw new UsageError(`--dockerfile ${file}${error.line !== undefined ? `:${error.line}` : ''}: ${error.message}`);
  if (checked.resources.length === 0) throw new UsageError(`--dockerfile ${file}: no instructions (only comments or blank lines)`);
  let text = new TextDecoder('utf-8').decode(bytes);
  if (text.charCodeAt(0) === 0xfeff) text = ' ' + text.slice(1);
  const loaded = loadDockerfile(text, file, { instructionText: true });
  if (!loaded.resource) throw new UsageError(`--dockerfile ${file}: not read as a Dockerfile`);
  return { file: loaded.resource.name, view: loaded.resource.object as unknown as DockerfileView };
}

/** The image's inventory with each layer's origin in the Dockerfile (and notes where it could not tell). */
export function attributeImageLayers(result: ImageInventory, dockerfile: GivenDockerfile): ImageInventory {
  return withDockerfileOrigins(result, attributeLayers(dockerfile.view, dockerfile.file, result.config?.history, result.layers.length));
}
