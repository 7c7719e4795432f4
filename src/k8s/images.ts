/**
 * Container image references: parsing and normalisation the way container runtimes read them
 * (the distribution "reference" grammar with Docker Hub defaults), so rules can reason about
 * registry, repository, tag and digest without each re-implementing string splitting.
 */

import { matchesGlob } from '../core/glob.js';
import { detach } from '../core/values.js';

export const DOCKER_HUB = 'docker.io';

/** Hosts that are aliases of Docker Hub; images written with them are the same images. */
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

export interface ImageReference {
  /** The reference as written in the manifest. */
  raw: string;
  /** Registry host, with port when given; "docker.io" when none is written. Lower-case. */
  registry: string;
  /** Repository below the registry; Docker Hub official images get the "library/" namespace. */
  repository: string;
  /** The tag as written; undefined when none is written. */
  tag?: string;
  /** "algorithm:hex" when the reference pins a digest. */
  digest?: string;
  /** Whether the registry host was written out (false for "nginx" or "bitnami/redis"). */
  explicitRegistry: boolean;
}

export type ImageParseResult = { ok: true; image: ImageReference } | { ok: false; error: string };

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST_ALGORITHM = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*$/;
const HOST_LABEL = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const KNOWN_DIGEST_LENGTHS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
/** Names longer than this are refused by registries. */
const MAX_NAME_LENGTH = 255;

function isRegistryComponent(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

function validHost(host: string): string | undefined {
  let name = host;
  let port: string | undefined;
  if (name.startsWith('[')) {
    const end = name.indexOf(']');
    if (end === -1) return 'has an unterminated IPv6 address in the registry host';
    const rest = name.slice(end + 1);
    if (rest !== '' && !/^:\d+$/.test(rest)) return `has an invalid registry port in "${host}"`;
    return /^[0-9a-fA-F:.]+$/.test(name.slice(1, end)) ? undefined : `has an invalid IPv6 registry address "${host}"`;
  }
  const colon = name.lastIndexOf(':');
  if (colon !== -1) {
    port = name.slice(colon + 1);
    name = name.slice(0, colon);
    if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) return `has an invalid registry port in "${host}"`;
  }
  if (name === '' || !name.split('.').every((label) => HOST_LABEL.test(label))) return `has an invalid registry host "${host}"`;
  return undefined;
}

function looksTemplated(value: string): boolean {
  return /\{\{|\$\{|\$\(|<%|%\{/.test(value);
}

/**
 * Parsed references by text: the same few images recur in every scan of a repository and every
 * admission review of a cluster, and several rules parse each container's image. Bounded (cleared
 * when full); long inputs are not kept. The results are frozen: callers share them.
 */
const parsedImages = new Map<string, ImageParseResult>();
const MAX_PARSED_IMAGES = 4096;
const MAX_KEPT_REFERENCE = 512;

/**
 * Parses an image reference. Never throws: a malformed reference comes back with a plain
 * explanation that names the offending part, never guessing at what was meant.
 */
export function parseImageReference(input: string): ImageParseResult {
  const known = parsedImages.get(input);
  if (known) return known;
  if (input.length > MAX_KEPT_REFERENCE) return parseUncached(input);
  // Parsed from a detached copy: the kept key and the parts sliced from it must not keep alive the
  // request body or manifest file the reference was cut from.
  const key = detach(input);
  const result = parseUncached(key);
  if (result.ok) Object.freeze(result.image);
  if (parsedImages.size >= MAX_PARSED_IMAGES) parsedImages.clear();
  parsedImages.set(key, Object.freeze(result));
  return result;
}

function parseUncached(input: string): ImageParseResult {
  const fail = (error: string): ImageParseResult => ({ ok: false, error });
  if (input.trim() === '') return fail('is empty');
  if (looksTemplated(input)) return fail('looks like an unrendered template or variable placeholder');
  if (/\s/.test(input)) return fail(input.trim() !== input ? 'has leading or trailing whitespace' : 'contains whitespace');

  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (digest.includes('@')) return fail('has more than one "@"');
    const sep = digest.indexOf(':');
    if (sep <= 0) return fail('has a digest without an algorithm (expected "@sha256:<hex>")');
    const algorithm = digest.slice(0, sep);
    const hex = digest.slice(sep + 1);
    if (!DIGEST_ALGORITHM.test(algorithm)) return fail(`has an invalid digest algorithm "${algorithm}"`);
    const expected = KNOWN_DIGEST_LENGTHS[algorithm];
    if (expected !== undefined) {
      if (!/^[a-f0-9]+$/.test(hex) || hex.length !== expected)
        return fail(`has an invalid ${algorithm} digest (expected ${expected} lower-case hexadecimal characters)`);
    } else if (!/^[a-fA-F0-9]{32,}$/.test(hex)) return fail('has an invalid digest (expected at least 32 hexadecimal characters)');
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  if (colon !== -1) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (tag === '') return fail('has an empty tag after ":"');
    if (!TAG.test(tag)) return fail(`has an invalid tag "${tag}" (letters, digits, "_", "." and "-", at most 128, not starting with "." or "-")`);
  }

  if (rest === '') return fail('has no repository name');
  if (rest.length > MAX_NAME_LENGTH) return fail(`has a name longer than ${MAX_NAME_LENGTH} characters`);
  const components = rest.split('/');
  let registry = DOCKER_HUB;
  let explicitRegistry = false;
  if (components.length > 1 && isRegistryComponent(components[0])) {
    const host = components.shift()!;
    const problem = validHost(host);
    if (problem) return fail(problem);
    registry = host.toLowerCase();
    explicitRegistry = true;
    if (DOCKER_HUB_ALIASES.has(registry)) registry = DOCKER_HUB;
  }
  for (const component of components) {
    if (component === '') return fail('has an empty path component ("//" or a leading or trailing "/")');
    if (!PATH_COMPONENT.test(component)) {
      if (PATH_COMPONENT.test(component.toLowerCase())) return fail(`has upper-case letters in the repository "${components.join('/')}" (repositories must be lower-case)`);
      return fail(`has an invalid repository component "${component}" (lower-case letters, digits and single ".", "_", "__" or "-" separators)`);
    }
  }
  if (registry === DOCKER_HUB && components.length === 1) components.unshift('library');
  return { ok: true, image: { raw: input, registry, repository: components.join('/'), tag, digest, explicitRegistry } };
}

/** "registry/repository", the fully qualified name without tag or digest. */
export function fullName(image: ImageReference): string {
  return `${image.registry}/${image.repository}`;
}

/** The fully qualified reference, e.g. "docker.io/library/nginx:latest". */
export function canonicalReference(image: ImageReference): string {
  const tag = effectiveTag(image);
  return `${fullName(image)}${tag !== undefined ? `:${tag}` : ''}${image.digest ? `@${image.digest}` : ''}`;
}

/** The tag a runtime resolves: the written tag, "latest" when neither tag nor digest is written, else none. */
export function effectiveTag(image: ImageReference): string | undefined {
  if (image.tag !== undefined) return image.tag;
  return image.digest ? undefined : 'latest';
}

/**
 * Whether an allow-list entry admits the image. An entry is a registry host, optionally followed
 * by a repository prefix, compared case-insensitively (a leading "https://" and trailing "/" are
 * ignored; Docker Hub's aliases count as docker.io, whose short names such as "nginx" are
 * docker.io/library/nginx):
 * - The host must match the image's whole registry host, port included. "*" in it matches any
 *   characters, so "*.acme.io" admits every subdomain of acme.io at any depth (not acme.io itself),
 *   "registry-*.acme.io" admits registry-eu.acme.io, "registry.acme.io:*" any port of that host.
 * - The repository part matches whole path components from the start of the repository, and the
 *   image may have more components after them: "ghcr.io/acme" admits ghcr.io/acme/api and
 *   ghcr.io/acme/team/api, never ghcr.io/acme-evil/api. In a component, "*" matches any characters
 *   within that one component: "ghcr.io/acme-*" admits ghcr.io/acme-web/api, and
 *   "registry.acme.io/*" every image of that registry. A component that is exactly "**" matches
 *   any number of components, none included: "ghcr.io/acme/**" is the same as "ghcr.io/acme", and
 *   "ghcr.io/**" followed by "/prod" admits ghcr.io/x/y/prod/api.
 * Nothing else is special: "?", "[" and "{" are literal characters.
 */
export function registryEntryMatches(image: ImageReference, entry: string): boolean {
  const e = entry.trim().toLowerCase().replace(/^[a-z][a-z0-9+.-]*:\/\//, '').replace(/\/+$/, '');
  if (e === '') return false;
  const slash = e.indexOf('/');
  let host = slash === -1 ? e : e.slice(0, slash);
  const prefix = slash === -1 ? [] : e.slice(slash + 1).split('/');
  if (DOCKER_HUB_ALIASES.has(host)) host = DOCKER_HUB;
  if (!matchesGlob(host, image.registry.toLowerCase())) return false;
  return componentsMatch(prefix, image.repository.split('/'), 0, 0);
}

/** Whether `pattern` matches a leading run of `components` ("**" = any number of components). */
function componentsMatch(pattern: string[], components: string[], p: number, c: number): boolean {
  if (p === pattern.length) return true;
  if (pattern[p] === '**') {
    for (let skip = c; skip <= components.length; skip++) if (componentsMatch(pattern, components, p + 1, skip)) return true;
    return false;
  }
  return c < components.length && matchesGlob(pattern[p], components[c]) && componentsMatch(pattern, components, p + 1, c + 1);
}
