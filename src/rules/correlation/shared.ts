/**
 * One workload, its image and its Dockerfile: how a container is linked to what built it, for
 * rules that judge a manifest with what only the image knows (the user it runs as, its ports).
 *
 * A container's image is linked to
 * - a `ContainerImage` object of the run (`kshield image` makes them) named as the container names
 *   the image, or with the manifest digest the container's reference pins; else
 * - the Dockerfile the configuration's `imageSources` names for the image's repository (a scanned
 *   `Dockerfile` object). Nothing is guessed: without either link a rule says nothing.
 */
import path from 'node:path';
import type { Resource } from '../../core/types.js';
import { matchesGlob } from '../../core/glob.js';
import type { RuleContext } from '../../engine/rule.js';
import { parseImageReference } from '../../k8s/images.js';
import type { ContainerView } from '../../k8s/pods.js';
import { IMAGE_KIND, type ImageObjectView } from '../../images/image-object.js';
import { DOCKERFILE_KIND, expand, type DockerfileView } from '../../sources/dockerfile.js';
import { finalImageStages, lastUser, variablesBefore } from '../dockerfile/shared.js';

export const READS = [IMAGE_KIND, DOCKERFILE_KIND];

/** What the container's image says about itself, and where that is written. */
export interface ImageFacts {
  /** The image configuration's User as built ("" when none is set); undefined when it cannot be known. */
  user?: string;
  /** Where the user comes from, for messages: "Dockerfile api/Dockerfile:14: USER app", "image registry.example/api:1: User \"app\"". */
  userSource?: string;
}

function imageObjectFor(image: string, context: RuleContext): Resource | undefined {
  const parsed = parseImageReference(image);
  const digest = parsed.ok ? parsed.image.digest : undefined;
  return context.resources.ofKind(IMAGE_KIND).find((r) => r.name === image || (digest !== undefined && (r.object as unknown as ImageObjectView).image?.manifestDigest === digest));
}

/** The Dockerfile `imageSources` names for the image's repository, if it was scanned. */
function dockerfileFor(image: string, context: RuleContext): Resource | undefined {
  const parsed = parseImageReference(image);
  if (!parsed.ok) return undefined;
  const names = [`${parsed.image.registry}/${parsed.image.repository}`, parsed.image.raw.replace(/@.*$/, '').replace(/:[^/:]*$/, '')];
  const source = context.settings.imageSources.find((s) => names.some((n) => matchesGlob(s.image, n)));
  if (!source) return undefined;
  return context.resources.ofKind(DOCKERFILE_KIND).find((r) => path.resolve(r.file) === source.dockerfile);
}

/** The user the final image of a Dockerfile runs as, when the file says it for certain. */
function dockerfileUser(resource: Resource): ImageFacts {
  const view = resource.object as unknown as DockerfileView;
  const user = lastUser(view);
  if (user) {
    const value = expand(user.instruction.arguments[0] ?? '', variablesBefore(view, user), view.escape);
    if (value.unresolved.length > 0) return {};
    return { user: value.value, userSource: `Dockerfile ${resource.file}:${resource.locate(user.pointer).line}: USER ${value.value}` };
  }
  // No USER: the base image's user, known only for scratch (root); another base may set any user.
  const first = finalImageStages(view)[0];
  if (first?.base.scratch) return { user: '', userSource: `Dockerfile ${resource.file}:${resource.locate(`/stages/${first.index}/base`).line}: FROM scratch, no USER` };
  return {};
}

export function imageFacts(c: ContainerView, context: RuleContext): ImageFacts {
  const image = typeof c.container.image === 'string' ? c.container.image : undefined;
  if (!image) return {};
  const object = imageObjectFor(image, context);
  if (object) {
    const view = object.object as unknown as ImageObjectView;
    if (view.image?.source === 'rootfs') return {};
    const user = typeof view.config?.User === 'string' ? view.config.User : '';
    return { user, userSource: `image ${object.name}: ${user === '' ? 'no User in its configuration' : `User ${JSON.stringify(user)}`}` };
  }
  const dockerfile = dockerfileFor(image, context);
  return dockerfile ? dockerfileUser(dockerfile) : {};
}
