/** Helpers the images rules share. */
import type { ContainerView } from '../../k8s/pods.js';
import { parseImageReference, type ImageReference } from '../../k8s/images.js';
import { asString } from '../../core/values.js';

export const IMAGES_DOC = 'https://kubernetes.io/docs/concepts/containers/images/';

/** The container's image when it is a well-formed reference; malformed ones are image-reference-invalid's business. */
export function imageOf(c: ContainerView): ImageReference | undefined {
  const raw = asString(c.container.image);
  if (raw === undefined) return undefined;
  const parsed = parseImageReference(raw);
  return parsed.ok ? parsed.image : undefined;
}

export const DIGEST = 'sha256:4c0fdaa8b6341bfdeca5f18f7837462c80cff90527ee35ef185571e1c327beac';
