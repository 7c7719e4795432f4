/** Image hygiene: tags, digests, pull policy, registries. */
import type { Rule } from '../engine/rule.js';
import type { ContainerView } from '../k8s/pods.js';
import { defineRule, perContainer, describeContainer } from './define.js';
import { parseImageReference, registryEntryMatches, effectiveTag, fullName, type ImageReference } from '../k8s/images.js';
import { asString } from '../core/values.js';

const IMAGES_DOC = 'https://kubernetes.io/docs/concepts/containers/images/';
const PULL_POLICY_DOC = 'https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy';
const REFERENCE_GRAMMAR = 'https://github.com/distribution/reference/blob/main/reference.go';

/** The container's image when it is a well-formed reference; malformed ones are image-reference-invalid's business. */
function imageOf(c: ContainerView): ImageReference | undefined {
  const raw = asString(c.container.image);
  if (raw === undefined) return undefined;
  const parsed = parseImageReference(raw);
  return parsed.ok ? parsed.image : undefined;
}

function pod(containerYaml: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  containers:
${containerYaml}`;
}

function deployment(containerYaml: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
${containerYaml}`;
}

/** Masks "user:password@" so a credential written into an image field never reaches a report. */
export function redactCredentials(image: string): string {
  return image.replace(/(^|:\/\/)([^/@\s:]*):([^/@\s]+)@(?![a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$)/, '$1$2:***@');
}

const DIGEST = 'sha256:4c0fdaa8b6341bfdeca5f18f7837462c80cff90527ee35ef185571e1c327beac';

export const imageRules: Rule[] = [
  defineRule({
    id: 'image-tag-latest',
    title: 'Image uses the "latest" tag',
    severity: 'medium',
    category: 'images',
    tags: ['images', 'supply-chain', 'reliability'],
    appliesTo: 'workloads',
    description:
      'The "latest" tag moves whenever a new image is pushed, so the same manifest runs different code on different nodes and days, ' +
      'rollbacks do not roll back, and a compromised push is picked up silently.',
    remediation: 'Use an immutable version tag (e.g. nginx:1.27.3), or better pin the digest (nginx:1.27.3@sha256:...).',
    references: [IMAGES_DOC, 'https://kubernetes.io/docs/concepts/configuration/overview/#container-images'],
    check: (resource) =>
      perContainer(resource, (c) => {
        const image = imageOf(c);
        if (!image || image.tag !== 'latest' || image.digest) return undefined;
        return { path: `${c.path}/image`, message: `${describeContainer(c)} uses the mutable tag "latest" (${image.raw})` };
      }),
    examples: {
      valid: [
        pod(`  - name: web
    image: nginx:1.27.3`),
        pod(`  - name: web
    image: nginx:latest@${DIGEST}`),
      ],
      invalid: [
        pod(`  - name: web
    image: nginx:latest`),
        deployment(`      - name: api
        image: ghcr.io/acme/api:latest`),
      ],
    },
  }),
  defineRule({
    id: 'image-tag-missing',
    title: 'Image has no tag or digest',
    severity: 'medium',
    category: 'images',
    tags: ['images', 'supply-chain', 'reliability'],
    appliesTo: 'workloads',
    description:
      'An image reference without tag and digest resolves to "latest": the version that runs is whatever was pushed last, ' +
      'and it can differ from node to node.',
    remediation: 'Add an immutable version tag (e.g. redis:7.4.1), or pin the digest (redis@sha256:...).',
    references: [IMAGES_DOC],
    check: (resource) =>
      perContainer(resource, (c) => {
        const image = imageOf(c);
        if (!image || image.tag !== undefined || image.digest) return undefined;
        return { path: `${c.path}/image`, message: `${describeContainer(c)} uses image "${image.raw}" without a tag or digest, so "latest" is pulled` };
      }),
    examples: {
      valid: [
        pod(`  - name: cache
    image: redis:7.4.1`),
        pod(`  - name: cache
    image: registry.local:5000/cache/redis@${DIGEST}`),
      ],
      invalid: [
        pod(`  - name: cache
    image: redis`),
        pod(`  - name: cache
    image: registry.local:5000/cache/redis`),
      ],
    },
  }),
  defineRule({
    id: 'image-not-pinned-by-digest',
    title: 'Image is not pinned by digest',
    severity: 'info',
    category: 'images',
    tags: ['images', 'supply-chain'],
    appliesTo: 'workloads',
    optIn: true,
    description:
      'Tags, even version tags, can be moved to other content by anyone who can push to the repository. Only a digest ' +
      'guarantees that every node runs exactly the image that was reviewed and scanned.',
    remediation: 'Append the digest of the reviewed image: repo:1.2.3@sha256:<digest> (tools such as crane or skopeo print it).',
    references: [IMAGES_DOC, 'https://slsa.dev/spec/v1.0/'],
    check: (resource) =>
      perContainer(resource, (c) => {
        const image = imageOf(c);
        if (!image || image.digest) return undefined;
        return { path: `${c.path}/image`, message: `${describeContainer(c)} refers to image "${image.raw}" by tag only, not by digest` };
      }),
    examples: {
      valid: [
        pod(`  - name: web
    image: nginx:1.27.3@${DIGEST}`),
      ],
      invalid: [
        pod(`  - name: web
    image: nginx:1.27.3`),
      ],
    },
  }),
  defineRule({
    id: 'image-pull-policy-not-always',
    title: 'Mutable image is not always pulled',
    severity: 'low',
    category: 'images',
    tags: ['images', 'security'],
    appliesTo: 'workloads',
    description:
      'With imagePullPolicy IfNotPresent or Never, a node reuses whatever image it has cached under the tag: a moved tag runs ' +
      'different code on different nodes, and any pod on the node can start a cached private image without holding the pull ' +
      'secret. Images pinned by digest are immutable and are not flagged. When the policy is omitted Kubernetes defaults it to ' +
      'IfNotPresent for tagged images (Always for "latest" or no tag).',
    remediation: 'Set imagePullPolicy: Always, or pin the image by digest.',
    references: [PULL_POLICY_DOC],
    check: (resource) =>
      perContainer(resource, (c) => {
        const image = imageOf(c);
        if (!image || image.digest) return undefined;
        const written = c.container.imagePullPolicy;
        if (written === 'Always') return undefined;
        if (written === undefined || written === null) {
          if (effectiveTag(image) === 'latest') return undefined;
          return {
            path: `${c.path}/image`,
            message: `${describeContainer(c)} sets no imagePullPolicy, so the mutable image "${image.raw}" defaults to IfNotPresent`,
          };
        }
        if (typeof written !== 'string') return undefined;
        return {
          path: `${c.path}/imagePullPolicy`,
          message: `${describeContainer(c)} uses imagePullPolicy ${written} for the mutable image "${image.raw}"`,
        };
      }),
    examples: {
      valid: [
        pod(`  - name: web
    image: nginx:1.27.3
    imagePullPolicy: Always`),
        pod(`  - name: web
    image: nginx:1.27.3@${DIGEST}
    imagePullPolicy: IfNotPresent`),
        pod(`  - name: web
    image: nginx`),
      ],
      invalid: [
        pod(`  - name: web
    image: nginx:1.27.3
    imagePullPolicy: IfNotPresent`),
        pod(`  - name: web
    image: nginx:1.27.3`),
      ],
    },
  }),
  defineRule({
    id: 'image-registry-not-allowed',
    title: 'Image from a registry outside the allow-list',
    severity: 'high',
    category: 'images',
    tags: ['images', 'supply-chain', 'security'],
    appliesTo: 'workloads',
    description:
      'When settings.allowedRegistries is set, every image must come from one of the listed entries: a registry host ' +
      '("ghcr.io", "registry.local:5000"), optionally followed by a repository prefix matched on whole path components ' +
      '("ghcr.io/acme" admits ghcr.io/acme/api, never ghcr.io/acme-evil/api). "*" is a wildcard: in the host it matches any ' +
      'characters ("*.example.com" for subdomains at any depth, "registry.example.com:*" for any port), in a path component ' +
      'any characters of that component ("ghcr.io/acme-*"); a component "**" matches any number of components. Nothing ' +
      'else is special. Docker Hub short names such as "nginx" count as docker.io/library/nginx. The rule is silent while ' +
      'the list is empty.',
    remediation: 'Mirror the image into an approved registry and refer to it there, or add the registry to allowedRegistries after review.',
    references: [IMAGES_DOC, 'https://kubernetes.io/docs/concepts/security/security-checklist/#images'],
    check: (resource, context) => {
      const allowed = context.settings.allowedRegistries.filter((e) => typeof e === 'string' && e.trim() !== '');
      if (allowed.length === 0) return [];
      return perContainer(resource, (c) => {
        const image = imageOf(c);
        if (!image || allowed.some((entry) => registryEntryMatches(image, entry))) return undefined;
        const shown = image.explicitRegistry ? image.raw : `${image.raw}, i.e. ${fullName(image)}`;
        return { path: `${c.path}/image`, message: `${describeContainer(c)} uses image ${shown} from registry ${image.registry}, which is not in the allowed registries` };
      });
    },
    examples: {
      settings: { allowedRegistries: ['registry.acme.io', 'ghcr.io/acme', '*.mirror.acme.io/library/*'] },
      valid: [
        pod(`  - name: web
    image: registry.acme.io/web/frontend:2.4.0
  - name: proxy
    image: ghcr.io/acme/envoy:1.31.0
  - name: cache
    image: eu.mirror.acme.io/library/redis:7.4.1`),
      ],
      invalid: [
        pod(`  - name: web
    image: nginx:1.27.3`),
        pod(`  - name: proxy
    image: ghcr.io/acme-evil/envoy:1.31.0`),
        pod(`  - name: cache
    image: mirror.acme.io/library/redis:7.4.1`),
      ],
    },
  }),
  defineRule({
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
        pod(`  - name: web
    image: localhost:5000/team/web-ui:v1.0.0-rc.1`),
      ],
      invalid: [
        pod(`  - name: web
    image: ""`),
        pod(`  - name: web
    image: Acme/Web:1.0`),
        pod(`  - name: web
    image: "nginx 1.27"`),
        deployment(`      - name: api
        image: "\${API_IMAGE}"`),
      ],
    },
  }),
];
