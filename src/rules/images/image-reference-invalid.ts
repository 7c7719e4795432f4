import { deploymentWithContainers, podWithContainers } from '../examples.js';
import { defineRule, perContainer, describeContainer } from '../define.js';
import { parseImageReference } from '../../k8s/images.js';
import { IMAGES_DOC, } from './shared.js';

const REFERENCE_GRAMMAR = 'https://github.com/distribution/reference/blob/main/reference.go';

/** Masks "user:password@" so a credential written into an image field never reaches a report. */
export function redactCredentials(image: string): string {
  return image.replace(/(^|:\/\/)([^/@\s:]*):([^/@\s]+)@(?![a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$)/, '$1$2:***@');
}

export const imageReferenceInvalid = defineRule({
  id: 'image-reference-invalid',
  title: 'Empty or malformed image reference',
  severity: 'medium',
  category: 'images',
  tags: ['images', 'correctness'],
  appliesTo: 'workloads',
  description:
    'The container runtime cannot pull an image whose reference is empty or malformed (upper-case repository, spaces, a bad ' +
    'tag or digest, an unrendered template placeholder): the pod is stuck in InvalidImageName or ErrImagePull.',
  remediation: 'Write the image as [registry[:port]/]repository[:tag][@sha256:digest] with a lower-case repository, e.g. ghcr.io/acme/api:1.4.2.',
  references: [IMAGES_DOC, REFERENCE_GRAMMAR],
  check: (resource) =>
    perContainer(resource, (c) => {
      const image = c.container.image;
      if (image === undefined || image === null) return { path: c.path, message: `${describeContainer(c)} has no image` };
      // Non-string images are reported by the loader's shape check.
      if (typeof image !== 'string') return undefined;
      const parsed = parseImageReference(image);
      if (parsed.ok) return undefined;
      const redacted = redactCredentials(image);
      if (redacted !== image)
        return { path: `${c.path}/image`, message: `${describeContainer(c)} has an invalid image reference ${JSON.stringify(redacted)}: it embeds credentials, which belong in an imagePullSecret` };
      return { path: `${c.path}/image`, message: `${describeContainer(c)} has an invalid image reference ${JSON.stringify(image)}: it ${parsed.error}` };
    }),
  examples: {
    valid: [
      podWithContainers(`  - name: web
    image: localhost:5000/team/web-ui:v1.0.0-rc.1`),
    ],
    invalid: [
      {
        manifest: podWithContainers(`  - name: web
    image: ""`),
        expect: ['/spec/containers/0/image'],
      },
      {
        manifest: podWithContainers(`  - name: web
    image: Acme/Web:1.0`),
        expect: ['/spec/containers/0/image'],
      },
      {
        manifest: podWithContainers(`  - name: web
    image: "nginx 1.27"`),
        expect: ['/spec/containers/0/image'],
      },
      {
        manifest: deploymentWithContainers(`      - name: api
        image: "\${API_IMAGE}"`),
        expect: ['/spec/template/spec/containers/0/image'],
      },
    ],
  },
});
