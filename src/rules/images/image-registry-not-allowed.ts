import { podWithContainers } from '../examples.js';
import { defineRule, perContainer, describeContainer } from '../define.js';
import { registryEntryMatches, fullName } from '../../k8s/images.js';
import { IMAGES_DOC, imageOf, } from './shared.js';

export const imageRegistryNotAllowed = defineRule({
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
      podWithContainers(`  - name: web
    image: registry.acme.io/web/frontend:2.4.0
  - name: proxy
    image: ghcr.io/acme/envoy:1.31.0
  - name: cache
    image: eu.mirror.acme.io/library/redis:7.4.1`),
    ],
    invalid: [
      {
        manifest: podWithContainers(`  - name: web
    image: nginx:1.27.3`),
        expect: ['/spec/containers/0/image'],
      },
      {
        manifest: podWithContainers(`  - name: proxy
    image: ghcr.io/acme-evil/envoy:1.31.0`),
        expect: ['/spec/containers/0/image'],
      },
      {
        manifest: podWithContainers(`  - name: cache
    image: mirror.acme.io/library/redis:7.4.1`),
        expect: ['/spec/containers/0/image'],
      },
    ],
  },
});
