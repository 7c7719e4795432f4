/**
 * A minimal client of the Registry HTTP API v2 (the OCI distribution spec), enough to turn a tag
 * into the digest of the manifest it names: the one thing digest pinning needs.
 *
 * - `HEAD /v2/<repository>/manifests/<tag>` with the OCI and Docker manifest (list) media types in
 *   Accept, read `Docker-Content-Digest`; when HEAD is not answered usefully, `GET` the manifest
 *   and hash its bytes (a digest the registry also sends must agree with them).
 * - Authentication as registries ask for it on a 401: `Bearer` (fetch a token from the realm,
 *   anonymously or with the configured username and password file, then retry) or `Basic`.
 *   Credentials never appear in errors, and are not sent over plain HTTP unless the host is
 *   configured `insecureHttp`.
 * - HTTPS by default with the system's CAs or the host's `caFile`; plain HTTP only for hosts
 *   configured `insecureHttp: true` (localhost included: the webhook's localhost is its own pod).
 * - Docker Hub references (`nginx`, `docker.io/...`) are served by registry-1.docker.io, with
 *   official images under `library/`.
 * - Every request has its own timeout and honours the caller's AbortSignal (the admission
 *   deadline); bodies are capped; answers are cached for a short time, failures for less.
 */
import http from 'node:http';
import https from 'node:https';
import { createHash } from 'node:crypto';
import { readFile, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Readable } from 'node:stream';
import { DOCKER_HUB, effectiveTag, parseImageReference } from '../k8s/images.js';

const readFileAsync = promisify(readFile);

/** What a manifest request accepts: multi-platform indexes first, so the pin covers every platform. */
const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
] as const;

/** How a client reaches registries: per-host settings from the configuration (the webhook's `registries:`), and a timeout. */
export interface RegistryAccess {
  /** Per registry host (as in an image reference, e.g. "ghcr.io", "127.0.0.1:5000"). */
  hosts?: Record<string, { insecureHttp?: boolean; caFile?: string; username?: string; passwordFile?: string }>;
  /** Per request; the whole mutation has the webhook's own deadline. */
  timeoutMs?: number;
  /**
   * A Docker configuration file (`config.json`, or a mounted `.dockerconfigjson`) whose `auths`
   * give credentials for hosts `hosts` gives none for. Used by the webhook (admission/registry-client.ts).
   */
  dockerConfig?: string;
  /**
   * Webhook only: read the credentials of the admitted pod's imagePullSecrets (else its service
   * account's), and try them before the others (admission/pull-secrets.ts).
   */
  pullSecrets?: boolean;
}

/** A username and password for one registry (from the configuration, or ~/.docker/config.json and its helpers). */
export interface RegistryCredentials {
  username: string;
  password: string;
}

/**
 * Where credentials come from when the host's settings name none: called with the registry host
 * ("docker.io", "ghcr.io", "127.0.0.1:5000") on the first 401, at most once per host per client.
 */
export type CredentialLookup = (registry: string) => Promise<RegistryCredentials | undefined>;

/** A manifest or index as the registry sent it, its bytes checked against the digest it is known by. */
export interface FetchedManifest {
  body: Buffer;
  mediaType: string;
  digest: string;
}

/** Where Docker Hub's registry API actually lives. */
const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

/** A failure whose message is fit for a user: host, repository and status, never a credential or token. */
export class RegistryError extends Error {}

/** The registry answered 404 for a manifest: the tag or digest is not there (callers looking for optional artifacts expect this). */
export class RegistryNotFoundError extends RegistryError {}

/** A blob's bytes are not the ones its digest names: the registry (or something between) changed them. */
export class BlobDigestError extends RegistryError {}

/** What a referrers request gives: the index of referrers, or that the registry has no referrers API (it answered 404). */
export type ReferrersAnswer = { supported: false } | { supported: true; body: Buffer; filtersApplied: string[]; next?: URL };

export interface RegistryClientOptions {
  /** Per HTTP request (each redirect and retry gets its own); default RegistryAccess.timeoutMs, else 5000. */
  timeoutMs?: number;
  /** Largest manifest read by GET; the distribution registry itself refuses manifests over 4 MiB. */
  maxManifestBytes?: number;
  /** Largest token response read. */
  maxTokenBytes?: number;
  /** How long a resolved digest is reused. Default 60 s. */
  cacheTtlMs?: number;
  /** How long a failure is remembered, so a dead registry does not cost every request a timeout. Default 5 s. */
  failureTtlMs?: number;
  maxCacheEntries?: number;
  now?: () => number;
  /** Credentials for hosts the access settings give none for (kshield image: the Docker configuration). */
  credentials?: CredentialLookup;
  /** How the user turns plain HTTP on, for messages: "--insecure" on the command line; the webhook's `insecureHttp` by default. */
  plainHttpHint?: string;
}

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const DEFAULT_MAX_TOKEN_BYTES = 1024 * 1024;
const DEFAULT_CACHE_TTL_MS = 60_000;
const DEFAULT_FAILURE_TTL_MS = 5_000;
const DEFAULT_MAX_CACHE_ENTRIES = 1000;
/** Tokens without expires_in are valid for 60 s (distribution token spec). */
const DEFAULT_TOKEN_LIFETIME_S = 60;
const MAX_REDIRECTS = 5;
const DIGEST = /^(sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/;

interface HostSettings {
  insecureHttp?: boolean;
  caFile?: string;
  username?: string;
  passwordFile?: string;
}

interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  url: URL;
}

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses a WWW-Authenticate value into its challenges (`Bearer realm="...",service="..."`). A
 * token followed by "=" is a parameter of the current challenge; any other token starts a new one.
 */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  const tokenPattern = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;
  let current: Challenge | undefined;
  let i = 0;
  const skip = (chars: string): void => {
    while (i < header.length && chars.includes(header[i])) i++;
  };
  while (i < header.length) {
    skip(' \t,');
    tokenPattern.lastIndex = i;
    const token = tokenPattern.exec(header);
    if (!token) break;
    i = tokenPattern.lastIndex;
    skip(' \t');
    if (header[i] !== '=') {
      current = { scheme: token[0].toLowerCase(), params: {} };
      out.push(current);
      continue;
    }
    i++;
    skip(' \t');
    let value = '';
    if (header[i] === '"') {
      i++;
      while (i < header.length && header[i] !== '"') {
        if (header[i] === '\\' && i + 1 < header.length) i++;
        value += header[i++];
      }
      i++;
    } else {
      while (i < header.length && header[i] !== ',' && header[i] !== ' ' && header[i] !== '\t') value += header[i++];
    }
    if (current) current.params[token[0].toLowerCase()] = value;
  }
  return out;
}

export function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}

function statusText(status: number): string {
  return http.STATUS_CODES[status] ?? 'unknown status';
}

/** The registry's own error code ("MANIFEST_UNKNOWN"), when the body has one; nothing else of the body is repeated. */
function registryErrorCode(body: Buffer): string | undefined {
  if (body.length === 0 || body.length > 64 * 1024) return undefined;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errors?: { code?: unknown }[] };
    const code = parsed?.errors?.[0]?.code;
    return typeof code === 'string' && /^[A-Z_]{1,64}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

function hostSettings(access: RegistryAccess, registry: string): HostSettings {
  for (const [name, settings] of Object.entries(access.hosts ?? {})) {
    let configured = name.trim().toLowerCase().replace(/^[a-z][a-z0-9+.-]*:\/\//, '').replace(/\/+$/, '');
    const parsed = parseImageReference(`${configured}/x`);
    if (parsed.ok && parsed.image.explicitRegistry) configured = parsed.image.registry;
    if (configured === registry || (registry === DOCKER_HUB && configured === DOCKER_HUB_API_HOST)) return settings ?? {};
  }
  return {};
}

function manifestEndpoint(registry: string, repository: string, tag: string, settings: HostSettings): URL {
  const apiHost = registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry;
  return new URL(`${settings.insecureHttp ? 'http' : 'https'}://${apiHost}/v2/${repository}/manifests/${encodeURIComponent(tag)}`);
}

/** Where the manifest of a reference's tag is asked for ("latest" when none is written); throws RegistryError on a malformed reference. */
export function manifestUrl(reference: string, access: RegistryAccess = {}): URL {
  const parsed = parseImageReference(reference);
  if (!parsed.ok) throw new RegistryError(`the image reference ${parsed.error}`);
  const { registry, repository } = parsed.image;
  return manifestEndpoint(registry, repository, effectiveTag(parsed.image) ?? parsed.image.digest!, hostSettings(access, registry));
}

export class RegistryClient {
  private readonly access: RegistryAccess;
  private readonly timeoutMs: number;
  private readonly maxManifestBytes: number;
  private readonly maxTokenBytes: number;
  private readonly cacheTtlMs: number;
  private readonly failureTtlMs: number;
  private readonly maxCacheEntries: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, { expiresAt: number; digest?: string; error?: string }>();
  private readonly inFlight = new Map<string, Promise<string>>();
  /** Authorization header values by registry origin and repository. */
  private readonly authorizations = new Map<string, { value: string; expiresAt: number }>();
  private readonly agents = new Map<string, https.Agent>();
  private readonly credentialLookup: CredentialLookup | undefined;
  private readonly lookedUpCredentials = new Map<string, Promise<RegistryCredentials | undefined>>();

  private readonly plainHttpHint: string;

  constructor(access: RegistryAccess = {}, options: RegistryClientOptions = {}) {
    this.access = access;
    this.timeoutMs = options.timeoutMs ?? access.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxManifestBytes = options.maxManifestBytes ?? DEFAULT_MAX_MANIFEST_BYTES;
    this.maxTokenBytes = options.maxTokenBytes ?? DEFAULT_MAX_TOKEN_BYTES;
    this.cacheTtlMs = options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
    this.failureTtlMs = options.failureTtlMs ?? DEFAULT_FAILURE_TTL_MS;
    this.maxCacheEntries = options.maxCacheEntries ?? DEFAULT_MAX_CACHE_ENTRIES;
    this.now = options.now ?? Date.now;
    this.credentialLookup = options.credentials;
    this.plainHttpHint = options.plainHttpHint ?? 'configure it with insecureHttp';
  }

  /**
   * GETs a manifest or index by tag or digest. Its bytes are hashed: a reference by digest must
   * match it, and so must a Docker-Content-Digest the registry sends.
   */
  async getManifest(registry: string, repository: string, reference: string, signal?: AbortSignal, extraMediaTypes: readonly string[] = []): Promise<FetchedManifest> {
    const settings = hostSettings(this.access, registry);
    const url = manifestEndpoint(registry, repository, reference, settings);
    const what = `${registry}/${repository}${reference.includes(':') ? '@' : ':'}${reference}`;
    const accept = [...MANIFEST_MEDIA_TYPES, ...extraMediaTypes].join(', ');
    const get = await this.authorized('GET', url, { accept, settings, registry, repository, signal, maxBytes: this.maxManifestBytes });
    if (get.status === 401 || get.status === 403) throw await this.authFailure(get.status, registry, settings);
    if (get.status === 404) throw new RegistryNotFoundError(`${what} was not found in the registry (404)`);
    if (get.status < 200 || get.status >= 300) {
      const code = registryErrorCode(get.body);
      throw new RegistryError(`registry ${registry} answered ${get.status} ${statusText(get.status)}${code ? ` (${code})` : ''} for ${what}`);
    }
    const expected = DIGEST.test(reference) ? reference : undefined;
    const sent = get.headers['docker-content-digest'];
    const algorithm = (expected ?? (typeof sent === 'string' && DIGEST.test(sent) ? sent : 'sha256:')).split(':')[0];
    const computed = `${algorithm}:${createHash(algorithm).update(get.body).digest('hex')}`;
    if (expected !== undefined && computed !== expected) throw new RegistryError(`registry ${registry} sent a manifest for ${what} whose content does not match that digest`);
    if (typeof sent === 'string' && DIGEST.test(sent) && sent.startsWith(`${algorithm}:`) && sent !== computed)
      throw new RegistryError(`registry ${registry} sent a manifest for ${what} whose content does not match its Docker-Content-Digest`);
    const contentType = String(get.headers['content-type'] ?? '').split(';')[0].trim();
    let mediaType = contentType;
    try {
      const declared = (JSON.parse(get.body.toString('utf8')) as { mediaType?: unknown }).mediaType;
      if (typeof declared === 'string' && declared !== '') mediaType = declared;
    } catch {
      throw new RegistryError(`registry ${registry} sent a manifest for ${what} that is not JSON`);
    }
    return { body: get.body, mediaType, digest: computed };
  }

  /**
   * The referrers of a manifest (OCI distribution spec 1.1, `GET /v2/<name>/referrers/<digest>`),
   * optionally filtered by `artifactType`: an image index whose descriptors are the manifests
   * naming `digest` as their subject. A 404 means the registry has no referrers API (the spec's
   * signal to fall back to the referrers tag schema); `filtersApplied` is what the registry says it
   * filtered by (OCI-Filters-Applied), since a registry may ignore the filter. A registry may
   * answer in pages: `next` is the following page's address (its `Link: <...>; rel="next"`, kept
   * on the registry's own origin), to be passed back as `options.page`.
   */
  async getReferrers(registry: string, repository: string, digest: string, options: { artifactType?: string; signal?: AbortSignal; maxBytes?: number; page?: URL } = {}): Promise<ReferrersAnswer> {
    if (!DIGEST.test(digest)) throw new RegistryError(`"${digest}" is not a digest`);
    const settings = hostSettings(this.access, registry);
    const apiHost = registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry;
    const first = new URL(`${settings.insecureHttp ? 'http' : 'https'}://${apiHost}/v2/${repository}/referrers/${digest}`);
    if (options.artifactType !== undefined) first.searchParams.set('artifactType', options.artifactType);
    const url = options.page ?? first;
    if (url.origin !== first.origin) throw new RegistryError(`registry ${registry} pointed the next page of referrers to another origin`);
    const what = `the referrers of ${registry}/${repository}@${digest}`;
    const get = await this.authorized('GET', url, {
      accept: 'application/vnd.oci.image.index.v1+json',
      settings,
      registry,
      repository,
      signal: options.signal,
      maxBytes: options.maxBytes ?? this.maxManifestBytes,
    });
    if (get.status === 404) return { supported: false };
    if (get.status === 401 || get.status === 403) throw await this.authFailure(get.status, registry, settings);
    if (get.status < 200 || get.status >= 300) {
      const code = registryErrorCode(get.body);
      throw new RegistryError(`registry ${registry} answered ${get.status} ${statusText(get.status)}${code ? ` (${code})` : ''} for ${what}`);
    }
    const applied = get.headers['oci-filters-applied'];
    const filtersApplied = (Array.isArray(applied) ? applied.join(',') : applied ?? '').split(',').map((f) => f.trim()).filter(Boolean);
    const link = /<([^>]*)>\s*;\s*rel="?next"?/i.exec(String(get.headers.link ?? ''));
    let next: URL | undefined;
    if (link) {
      try {
        next = new URL(link[1], url);
      } catch {
        next = undefined;
      }
    }
    return { supported: true, body: get.body, filtersApplied, ...(next && next.origin === first.origin ? { next } : {}) };
  }

  /**
   * Reads a small blob whole (signature payloads, envelopes): at most `maxBytes`, and its bytes
   * must hash to `digest` (BlobDigestError otherwise).
   */
  async readBlob(registry: string, repository: string, digest: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
    if (!DIGEST.test(digest)) throw new RegistryError(`"${digest}" is not a digest`);
    const what = `blob ${digest} of ${registry}/${repository}`;
    const { stream, size } = await this.openBlob(registry, repository, digest, { signal });
    if (size !== undefined && size > maxBytes) {
      stream.destroy();
      throw new RegistryError(`${what} is ${size} bytes, more than the ${maxBytes}-byte limit`);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > maxBytes) throw new RegistryError(`${what} is larger than the ${maxBytes}-byte limit`);
        chunks.push(chunk);
      }
    } catch (e) {
      stream.destroy();
      if (e instanceof RegistryError) throw e;
      throw new RegistryError(`reading ${what} failed (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const bytes = Buffer.concat(chunks);
    const [algorithm] = digest.split(':');
    if (`${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}` !== digest) throw new BlobDigestError(`${what}: its content does not match its digest`);
    return bytes;
  }

  /**
   * Opens a blob for streaming (the caller checks its digest as it reads: see images/digest.ts).
   * Authorization is obtained with a HEAD first, so the GET that carries the body is not spent on
   * a 401; redirects (blobs are often served from object storage) drop Authorization when they
   * leave the registry's origin. `idleTimeoutMs` bounds each wait for data, not the whole transfer.
   */
  async openBlob(registry: string, repository: string, digest: string, options: { signal?: AbortSignal; idleTimeoutMs?: number } = {}): Promise<{ stream: Readable; size?: number }> {
    const settings = hostSettings(this.access, registry);
    const apiHost = registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry;
    const url = new URL(`${settings.insecureHttp ? 'http' : 'https'}://${apiHost}/v2/${repository}/blobs/${digest}`);
    const what = `blob ${digest} of ${registry}/${repository}`;
    const head = await this.authorized('HEAD', url, { accept: '*/*', settings, registry, repository, signal: options.signal, maxBytes: 0 });
    if (head.status === 401 || head.status === 403) throw await this.authFailure(head.status, registry, settings);
    if (head.status === 404) throw new RegistryError(`${what} was not found in the registry (404)`);
    const saved = this.authorizations.get(`${url.origin} ${repository}`);
    let target = url;
    let headers: Record<string, string> = { 'user-agent': 'kshield', accept: '*/*' };
    if (saved && saved.expiresAt > this.now()) headers.authorization = saved.value;
    for (let hop = 0; ; hop++) {
      const response = await this.openStream(target, headers, settings, options);
      const location = response.headers.location;
      if ([301, 302, 303, 307, 308].includes(response.statusCode ?? 0) && typeof location === 'string') {
        response.resume();
        if (hop >= MAX_REDIRECTS) throw new RegistryError(`registry ${registry} redirected more than ${MAX_REDIRECTS} times`);
        const next = new URL(location, target);
        if (next.protocol !== 'https:' && next.protocol !== 'http:') throw new RegistryError(`registry ${registry} redirected to a non-HTTP address`);
        if (target.protocol === 'https:' && next.protocol === 'http:') throw new RegistryError(`registry ${registry} redirected from HTTPS to plain HTTP`);
        if (next.origin !== target.origin) {
          const { authorization: _dropped, ...rest } = headers;
          headers = rest;
        }
        target = next;
        continue;
      }
      const status = response.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        response.resume();
        throw new RegistryError(`registry ${registry} answered ${status} ${statusText(status)} for ${what}`);
      }
      const declared = Number(response.headers['content-length']);
      return { stream: response, ...(Number.isFinite(declared) ? { size: declared } : {}) };
    }
  }

  private openStream(url: URL, headers: Record<string, string>, settings: HostSettings, options: { signal?: AbortSignal; idleTimeoutMs?: number }): Promise<http.IncomingMessage> {
    const host = url.host;
    const idle = options.idleTimeoutMs ?? this.timeoutMs;
    return new Promise((resolve, reject) => {
      const transport = url.protocol === 'https:' ? https : http;
      const agent = url.protocol === 'https:' ? this.agentFor(url, settings) : undefined;
      const request = transport.request(url, { method: 'GET', headers, agent, signal: options.signal }, (res) => {
        // From here the stream's consumer sees errors (a stalled transfer included) as stream errors.
        request.setTimeout(idle, () => request.destroy(new RegistryError(`${host} sent nothing for ${idle} ms`)));
        resolve(res);
      });
      request.setTimeout(idle, () => request.destroy(new RegistryError(`${host} did not answer within ${idle} ms`)));
      request.on('error', (error: NodeJS.ErrnoException) => reject(error instanceof RegistryError ? error : new RegistryError(`cannot reach ${host} (${error.code ?? error.message})`)));
      request.end();
    });
  }

  /**
   * The digest of the manifest the reference's tag names ("latest" when none is written). A
   * reference that already carries a digest resolves to it without a request.
   */
  async resolveDigest(reference: string, signal?: AbortSignal): Promise<string> {
    const parsed = parseImageReference(reference);
    if (!parsed.ok) throw new RegistryError(`the image reference ${parsed.error}`);
    const image = parsed.image;
    if (image.digest !== undefined) return image.digest;
    const tag = effectiveTag(image)!;
    const key = `${image.registry}/${image.repository}:${tag}`;
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > this.now()) {
      if (cached.digest !== undefined) return cached.digest;
      throw new RegistryError(cached.error ?? 'the last lookup failed');
    }
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const lookup = this.lookup(image.registry, image.repository, tag, signal).then(
      (digest) => {
        this.remember(key, { expiresAt: this.now() + this.cacheTtlMs, digest });
        return digest;
      },
      (error: unknown) => {
        const message = error instanceof RegistryError ? error.message : `the lookup failed (${error instanceof Error ? error.name : 'error'})`;
        // A lookup cut short by the caller's own deadline says nothing about the registry.
        if (!signal?.aborted) this.remember(key, { expiresAt: this.now() + this.failureTtlMs, error: message });
        throw new RegistryError(message);
      },
    );
    this.inFlight.set(key, lookup);
    try {
      return await lookup;
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** Closes kept-alive connections (tests, shutdown). */
  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  private remember(key: string, entry: { expiresAt: number; digest?: string; error?: string }): void {
    this.cache.delete(key);
    this.cache.set(key, entry);
    while (this.cache.size > this.maxCacheEntries) this.cache.delete(this.cache.keys().next().value!);
  }

  private async lookup(registry: string, repository: string, tag: string, signal: AbortSignal | undefined): Promise<string> {
    const settings = hostSettings(this.access, registry);
    const url = manifestEndpoint(registry, repository, tag, settings);
    const what = `${registry}/${repository}:${tag}`;
    const accept = MANIFEST_MEDIA_TYPES.join(', ');

    const head = await this.authorized('HEAD', url, { accept, settings, registry, repository, signal, maxBytes: 0 });
    const headDigest = head.headers['docker-content-digest'];
    if (head.status >= 200 && head.status < 300 && typeof headDigest === 'string' && DIGEST.test(headDigest)) return headDigest;
    if (head.status === 404) throw new RegistryError(`${what} was not found in the registry (404)`);
    if (head.status === 401 || head.status === 403) throw await this.authFailure(head.status, registry, settings);

    // HEAD without a usable digest (not implemented, or a registry that omits the header): read the manifest.
    const get = await this.authorized('GET', url, { accept, settings, registry, repository, signal, maxBytes: this.maxManifestBytes });
    if (get.status === 401 || get.status === 403) throw await this.authFailure(get.status, registry, settings);
    if (get.status < 200 || get.status >= 300) {
      const code = registryErrorCode(get.body);
      throw new RegistryError(`registry ${registry} answered ${get.status} ${statusText(get.status)}${code ? ` (${code})` : ''} for ${what}`);
    }
    const sent = get.headers['docker-content-digest'];
    const algorithm = typeof sent === 'string' && /^sha(384|512):/.test(sent) ? sent.slice(0, 6) : 'sha256';
    const computed = `${algorithm}:${createHash(algorithm).update(get.body).digest('hex')}`;
    if (typeof sent === 'string' && sent !== '' && sent !== computed)
      throw new RegistryError(`registry ${registry} sent a manifest for ${what} whose content does not match its Docker-Content-Digest`);
    return computed;
  }

  private async authFailure(status: number, registry: string, settings: HostSettings): Promise<RegistryError> {
    const configured = (await this.credentials(settings, registry)) !== undefined;
    return new RegistryError(
      status === 401
        ? configured
          ? `registry ${registry} did not accept the configured credentials (401)`
          : `registry ${registry} requires authentication (401); ${this.credentialLookup ? 'log in to it (docker login) or give credentials in the Docker configuration' : 'configure a username and passwordFile for it'}`
        : `registry ${registry} denied access to the repository (403)`,
    );
  }

  /** The host's configured username and password file, else what the credential lookup finds (asked once per host). */
  private async credentials(settings: HostSettings, registry: string): Promise<RegistryCredentials | undefined> {
    if (settings.username !== undefined && settings.passwordFile !== undefined) {
      try {
        return { username: settings.username, password: (await readFileAsync(settings.passwordFile, 'utf8')).replace(/\r?\n$/, '') };
      } catch {
        throw new RegistryError(`the password file configured for registry ${registry} cannot be read`);
      }
    }
    if (!this.credentialLookup) return undefined;
    let found = this.lookedUpCredentials.get(registry);
    if (!found) {
      found = this.credentialLookup(registry);
      this.lookedUpCredentials.set(registry, found);
    }
    return found;
  }

  /** Credentials only travel over TLS, or to hosts the configuration declares plain-HTTP on purpose. */
  private mayCarryCredentials(target: URL, settings: HostSettings): boolean {
    return target.protocol === 'https:' || settings.insecureHttp === true || isLoopback(target.host);
  }

  private async authorized(
    method: 'HEAD' | 'GET',
    url: URL,
    request: { accept: string; settings: HostSettings; registry: string; repository: string; signal?: AbortSignal; maxBytes: number },
  ): Promise<HttpResponse> {
    const { settings, registry, repository, signal } = request;
    const authKey = `${url.origin} ${repository}`;
    const saved = this.authorizations.get(authKey);
    const headers: Record<string, string> = { accept: request.accept };
    if (saved && saved.expiresAt > this.now()) headers.authorization = saved.value;
    const first = await this.send(method, url, { headers, signal, maxBytes: request.maxBytes, settings });
    if (first.status !== 401) return first;

    const header = first.headers['www-authenticate'];
    const challenges = parseChallenges(Array.isArray(header) ? header.join(', ') : header ?? '');
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const basic = challenges.find((c) => c.scheme === 'basic');
    let authorization: { value: string; expiresAt: number } | undefined;
    if (bearer) authorization = await this.bearerToken(bearer, request);
    else if (basic) {
      const credentials = await this.credentials(settings, registry);
      if (credentials === undefined || !this.mayCarryCredentials(url, settings)) return first;
      authorization = { value: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`, expiresAt: Number.POSITIVE_INFINITY };
    } else return first;
    this.authorizations.set(authKey, authorization);
    return this.send(method, url, { headers: { ...headers, authorization: authorization.value }, signal, maxBytes: request.maxBytes, settings });
  }

  private async bearerToken(
    challenge: Challenge,
    request: { settings: HostSettings; registry: string; repository: string; signal?: AbortSignal },
  ): Promise<{ value: string; expiresAt: number }> {
    const { settings, registry, repository, signal } = request;
    const realmText = challenge.params.realm;
    let realm: URL;
    try {
      realm = new URL(realmText ?? '');
    } catch {
      throw new RegistryError(`registry ${registry} asked for a token from an invalid realm`);
    }
    if (realm.protocol !== 'https:' && realm.protocol !== 'http:') throw new RegistryError(`registry ${registry} asked for a token from a realm that is not HTTP(S)`);
    if (realm.protocol === 'http:' && !settings.insecureHttp && !isLoopback(realm.host))
      throw new RegistryError(`registry ${registry} asked for a token over plain HTTP; configure the host with insecureHttp if that is intended`);
    if (challenge.params.service !== undefined) realm.searchParams.set('service', challenge.params.service);
    realm.searchParams.set('scope', challenge.params.scope ?? `repository:${repository}:pull`);
    const headers: Record<string, string> = { accept: 'application/json' };
    const credentials = await this.credentials(settings, registry);
    const password = credentials?.password;
    if (credentials !== undefined && this.mayCarryCredentials(realm, settings))
      headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    const started = this.now();
    const response = await this.send('GET', realm, { headers, signal, maxBytes: this.maxTokenBytes, settings });
    if (response.status === 401 || response.status === 403)
      throw new RegistryError(
        password !== undefined ? `the token service of registry ${registry} did not accept the configured credentials (${response.status})` : `the token service of registry ${registry} refused an anonymous token (${response.status}); configure a username and passwordFile`,
      );
    if (response.status < 200 || response.status >= 300) throw new RegistryError(`the token service of registry ${registry} answered ${response.status} ${statusText(response.status)}`);
    let token: unknown;
    let expiresIn: unknown;
    try {
      const body = JSON.parse(response.body.toString('utf8')) as Record<string, unknown>;
      token = body.token ?? body.access_token;
      expiresIn = body.expires_in;
    } catch {
      throw new RegistryError(`the token service of registry ${registry} answered with something other than JSON`);
    }
    // Visible ASCII only: the token goes into a header line as it is.
    if (typeof token !== 'string' || !/^[\x21-\x7e]+$/.test(token)) throw new RegistryError(`the token service of registry ${registry} answered without a usable token`);
    const lifetime = typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : DEFAULT_TOKEN_LIFETIME_S;
    // Renewed a little early, so a token does not expire between cache check and use.
    return { value: `Bearer ${token}`, expiresAt: started + Math.max(0, lifetime * 1000 - 5000) };
  }

  private agentFor(url: URL, settings: HostSettings): https.Agent | undefined {
    if (url.protocol !== 'https:' || settings.caFile === undefined) return undefined;
    const key = `${url.host} ${settings.caFile}`;
    let agent = this.agents.get(key);
    if (!agent) {
      let ca: Buffer;
      try {
        ca = readFileSync(settings.caFile);
      } catch {
        throw new RegistryError(`the CA file configured for registry ${url.host} cannot be read`);
      }
      agent = new https.Agent({ ca, keepAlive: true, maxSockets: 16 });
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** One HTTP exchange with redirects followed; Authorization is dropped when a redirect leaves the origin. */
  private async send(
    method: 'HEAD' | 'GET',
    url: URL,
    options: { headers: Record<string, string>; signal?: AbortSignal; maxBytes: number; settings: HostSettings },
  ): Promise<HttpResponse> {
    let target = url;
    let headers = options.headers;
    for (let hop = 0; ; hop++) {
      const response = await this.exchange(method, target, headers, options);
      const location = response.headers.location;
      if (![301, 302, 303, 307, 308].includes(response.status) || typeof location !== 'string') return response;
      if (hop >= MAX_REDIRECTS) throw new RegistryError(`registry ${url.host} redirected more than ${MAX_REDIRECTS} times`);
      let next: URL;
      try {
        next = new URL(location, target);
      } catch {
        throw new RegistryError(`registry ${url.host} redirected to an invalid address`);
      }
      if (next.protocol !== 'https:' && next.protocol !== 'http:') throw new RegistryError(`registry ${url.host} redirected to a non-HTTP address`);
      if (target.protocol === 'https:' && next.protocol === 'http:') throw new RegistryError(`registry ${url.host} redirected from HTTPS to plain HTTP`);
      if (next.origin !== target.origin) {
        const { authorization: _dropped, ...rest } = headers;
        headers = rest;
      }
      target = next;
    }
  }

  private exchange(
    method: 'HEAD' | 'GET',
    url: URL,
    headers: Record<string, string>,
    options: { signal?: AbortSignal; maxBytes: number; settings: HostSettings },
  ): Promise<HttpResponse> {
    const { signal, maxBytes } = options;
    if (signal?.aborted) return Promise.reject(new RegistryError('the admission deadline passed before the registry was asked'));
    const agent = url.protocol === 'https:' ? this.agentFor(url, options.settings) : undefined;
    const host = url.host;
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      const finish = (error: Error | undefined, response?: HttpResponse): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (error) {
          request.destroy();
          reject(error);
        } else resolve(response!);
      };
      const onAbort = (): void => finish(new RegistryError(`the admission deadline passed while waiting for ${host}`));
      const transport = url.protocol === 'https:' ? https : http;
      const request = transport.request(url, { method, headers: { 'user-agent': 'kshield', ...headers }, agent }, (res) => {
        const status = res.statusCode ?? 0;
        const declared = Number(res.headers['content-length']);
        const limit = method === 'HEAD' ? 0 : maxBytes;
        const isBodyWanted = method === 'GET' && status >= 200 && status < 300;
        // Error bodies are only read for the registry's error code; a little is enough.
        const cap = isBodyWanted ? limit : Math.min(limit, 64 * 1024);
        if (isBodyWanted && Number.isFinite(declared) && declared > cap) {
          finish(new RegistryError(`${host} announced a response of ${declared} bytes, more than the ${cap}-byte limit`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > cap) {
            if (isBodyWanted) finish(new RegistryError(`${host} sent a response larger than the ${cap}-byte limit`));
            else {
              finish(undefined, { status, headers: res.headers, body: Buffer.concat(chunks), url });
              res.destroy();
            }
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => finish(undefined, { status, headers: res.headers, body: Buffer.concat(chunks), url }));
        res.on('error', (error) => finish(new RegistryError(`the connection to ${host} failed while reading (${error.message})`)));
      });
      const timer = setTimeout(() => finish(new RegistryError(`${host} did not answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      request.on('error', (error: NodeJS.ErrnoException) => {
        const code = error.code ?? error.message;
        // A TLS handshake answered in plain HTTP fails with a protocol error: say what to change.
        const hint = url.protocol === 'https:' && /EPROTO|WRONG_VERSION_NUMBER/.test(code) ? `; if it serves plain HTTP, ${this.plainHttpHint}` : '';
        finish(new RegistryError(`cannot reach ${host} over ${url.protocol === 'https:' ? 'HTTPS' : 'HTTP'} (${code})${hint}`));
      });
      request.end();
    });
  }
}

const clients = new WeakMap<RegistryAccess, RegistryClient>();

/** One client per configuration object, so its cache and tokens live as long as that configuration. */
export function registryClientFor(access: RegistryAccess): RegistryClient {
  let client = clients.get(access);
  if (!client) {
    client = new RegistryClient(access);
    clients.set(access, client);
  }
  return client;
}
