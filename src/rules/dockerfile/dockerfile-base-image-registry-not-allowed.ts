import { defineRule } from '../define.js';
import { fullName, registryEntryMatches } from '../../k8s/images.js';
import { APPLIES_TO, DOCKERFILE_REFERENCE, baseSubject, dockerfile, externalBases, viewOf } from './shared.js';

export const dockerfileBaseImageRegistryNotAllowed = defineRule({
  id: 'dockerfile-base-image-registry-not-allowed',
  title: 'Base image from a registry outside the allow-list',
  severity: 'high',
  category: 'dockerfile',
  tags: ['dockerfile', 'images', 'supply-chain', 'security'],
  appliesTo: APPLIES_TO,
  description:
    'When settings.allowedRegistries is set, every FROM must name an image from one of its entries, matched exactly as ' +
    'image-registry-not-allowed matches the images of workloads (a registry host, optionally a repository prefix on whole path ' +
    'components, "*" wildcards; Docker Hub short names such as "node" are docker.io/library/node). Every stage is judged: a ' +
    'build stage from an unreviewed registry compiles what ships. The rule is silent while the list is empty.',
  remediation: 'Build FROM the approved mirror of the image, or add its registry to allowedRegistries after review.',
  references: [`${DOCKERFILE_REFERENCE}#from`, 'https://kubernetes.io/docs/concepts/security/security-checklist/#images'],
  check: (resource, context) => {
    const allowed = context.settings.allowedRegistries.filter((e) => typeof e === 'string' && e.trim() !== '');
    if (allowed.length === 0) return [];
    return externalBases(viewOf(resource)).flatMap((stage) => {
      const image = stage.base.reference!;
      if (allowed.some((entry) => registryEntryMatches(image, entry))) return [];
      return [{ path: `/stages/${stage.index}/base`, message: `${baseSubject(stage)}${image.explicitRegistry ? '' : `, i.e. ${fullName(image)}`}, from registry ${image.registry}, which is not in the allowed registries` }];
    });
  },
  examples: {
    settings: { allowedRegistries: ['registry.acme.io', 'ghcr.io/acme'] },
    valid: [
      dockerfile(`
        FROM registry.acme.io/mirror/golang:1.23 AS build
        FROM ghcr.io/acme/base/static:2024.10
        COPY --from=build /out/app /app`),
    ],
    invalid: [
      {
        manifest: dockerfile(`
          FROM golang:1.23 AS build
          FROM ghcr.io/acme-evil/static:1.0
          COPY --from=build /out/app /app`),
        expect: [
          { path: '/stages/0/base', message: 'i.e. docker.io/library/golang' },
          { path: '/stages/1/base', message: 'from registry ghcr.io' },
        ],
      },
    ],
  },
});
