/**
 * An image as one object for the rule engine: `kshield image` judges it with the same rules,
 * suppressions, exemptions, baselines and report formats as `kshield scan` judges manifests.
 *
 * The object (kind `ContainerImage`, apiVersion `kshield.io/v1`) mirrors the image configuration,
 * so findings point where a person would look in `docker inspect` / the config blob:
 *
 *     /config/User, /config/ExposedPorts/<port>, /config/Env/N   the configuration containers inherit
 *     /config/Labels                                            its labels (org.opencontainers.image.source links it to a Dockerfile)
 *     /history/N/created_by                                     the build steps, as the image records them
 *     /os                                                        /etc/os-release: id, versionId, prettyName
 *     /packages/N                                                the inventory: name, version, ecosystem, purl, source, layer
 *     /vulnerabilities/N                                         added when a database is there: a known vulnerability of /packages/<package>
 *
 * An exemption names it by `kinds: [ContainerImage]` and the image as the command names it in `names`
 * (`registry.example/app:*`, `oci-layout build/*`).
 */
import type { Resource } from '../core/types.js';
import { SOURCE_API_VERSION } from '../core/types.js';
import { vulnerabilityStablePath, type AttachedVulnerability, type DockerfileOrigin, type OperatingSystem, type Package } from '../packages/model.js';
import type { ImageInventory } from './inventory.js';

export const IMAGE_KIND = 'ContainerImage';

export interface ImagePackage {
  name: string;
  version: string;
  ecosystem: string;
  purl: string;
  /** The source package it was built from, where it differs (distribution advisories are keyed by it). */
  source?: { name: string; version: string };
  /** Where it was found: the file, and the layer that added it. */
  path?: string;
  layer?: number;
  /** The Dockerfile instruction that made that layer, when the image is linked to its Dockerfile: "services/api/Dockerfile:2 RUN apt-get install -y libssl3". */
  dockerfile?: string;
  /** The same instruction's file and line, for reports to point at. */
  dockerfileAt?: { file: string; line: number; baseImage?: string };
}

/** A layer's origin in one line, worded as the vulnerability report words it. */
function originText(o: DockerfileOrigin): string {
  return o.baseImage !== undefined ? `base image ${o.baseImage} (${o.file}:${o.line})` : `${o.file}:${o.line} ${o.instruction}`;
}

export interface ImageObjectView {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  /** Where the image came from (registry, oci-layout, docker-archive, rootfs) and its digests. */
  image: { source: ImageInventory['target']['kind']; manifestDigest?: string; configDigest?: string };
  config: { User?: string; ExposedPorts?: Record<string, unknown>; Env?: string[]; Labels?: Record<string, string> };
  history: { created_by?: string; empty_layer?: boolean }[];
  os?: OperatingSystem;
  packages: ImagePackage[];
  vulnerabilities?: AttachedVulnerability[];
}

function imagePackage(p: Package): ImagePackage {
  const where = p.locations[0];
  return {
    name: p.name,
    version: p.version,
    ecosystem: p.osvEcosystem ?? p.ecosystem,
    purl: p.purl,
    ...(p.source && (p.source.name !== p.name || p.source.version !== p.version) ? { source: p.source } : {}),
    ...(where ? { path: where.path } : {}),
    ...(where?.layer ? { layer: where.layer.index } : {}),
    ...(where?.layer?.dockerfile ? { dockerfile: originText(where.layer.dockerfile) } : {}),
    ...(where?.layer?.dockerfile ? { dockerfileAt: { file: where.layer.dockerfile.file, line: where.layer.dockerfile.line, ...(where.layer.dockerfile.baseImage !== undefined ? { baseImage: where.layer.dockerfile.baseImage } : {}) } } : {}),
  };
}

/** The image as an object of kind ContainerImage; its packages are the inventory's, in order (vulnerabilities index them). */
export function imageObject(result: ImageInventory, vulnerabilities?: AttachedVulnerability[]): ImageObjectView {
  const c = result.config?.config ?? {};
  return {
    apiVersion: SOURCE_API_VERSION,
    kind: IMAGE_KIND,
    metadata: { name: result.name },
    image: { source: result.target.kind, ...(result.manifestDigest ? { manifestDigest: result.manifestDigest } : {}), ...(result.configDigest ? { configDigest: result.configDigest } : {}) },
    config: {
      ...(c.User !== undefined ? { User: c.User } : {}),
      ...(c.ExposedPorts ? { ExposedPorts: c.ExposedPorts } : {}),
      ...(Array.isArray(c.Env) ? { Env: c.Env } : {}),
      ...(c.Labels && typeof c.Labels === 'object' ? { Labels: Object.fromEntries(Object.entries(c.Labels).filter(([, v]) => typeof v === 'string')) } : {}),
    },
    history: (result.config?.history ?? []).map((h) => ({ ...(typeof h?.created_by === 'string' ? { created_by: h.created_by } : {}), ...(h?.empty_layer ? { empty_layer: true } : {}) })),
    ...(result.inventory.os ? { os: result.inventory.os } : {}),
    packages: result.inventory.packages.map(imagePackage),
    ...(vulnerabilities ? { vulnerabilities } : {}),
  };
}

/**
 * The object as a Resource. An image has no lines: findings carry the JSON Pointer and the image's
 * name; a root file system without an image configuration has only /os and /packages.
 */
export function imageResource(view: ImageObjectView): Resource {
  return {
    apiVersion: SOURCE_API_VERSION,
    kind: IMAGE_KIND,
    name: view.metadata.name,
    object: view as unknown as Resource['object'],
    file: view.metadata.name,
    documentIndex: 0,
    basePath: '',
    locate: () => ({ line: 0, column: 0 }),
    stablePath: vulnerabilityStablePath,
  };
}
