/**
 * The registry client the webhook's digest pinning and signature verification share (one per
 * configuration, so a digest /mutate pinned is the one /validate finds in the cache): the
 * `webhook.registries` host settings, plus, when `registries.dockerConfig` names one, the
 * credentials of a Docker configuration file, such as a mounted `kubernetes.io/dockerconfigjson`
 * Secret (read on first use after each configuration load).
 */
import { createHash } from 'node:crypto';
import { dockerCredentials } from '../images/docker-config.js';
import { RegistryClient, type RegistryAccess, type RegistryCredentials } from '../images/registry.js';
import type { ImageReference } from '../k8s/images.js';
import { lookupCredentials, type PullKeyring } from './pull-secrets.js';

const clients = new WeakMap<RegistryAccess, RegistryClient>();

export function webhookRegistryClient(access: RegistryAccess): RegistryClient {
  let client = clients.get(access);
  if (!client) {
    client = new RegistryClient(access, access.dockerConfig ? { credentials: dockerCredentials({ configFile: access.dockerConfig }) } : {});
    clients.set(access, client);
  }
  return client;
}

/** Most pod-credential clients kept per configuration; the least recently used is closed first. */
const MAX_POD_CLIENTS = 64;
const podClients = new WeakMap<RegistryAccess, Map<string, RegistryClient>>();

/**
 * A client that reads `registry` with one credential of a pod's pull secrets: the host's other
 * settings (plain HTTP, CA) as configured, its configured username and password left out so the
 * pod's own credential is the one sent. Kept per credential (keyed by a hash, never the secret
 * itself), so the pods of one rollout share its tokens and tag lookups, and no other credential's.
 */
export function podCredentialClient(access: RegistryAccess, registry: string, credentials: RegistryCredentials): RegistryClient {
  let clients = podClients.get(access);
  if (!clients) podClients.set(access, (clients = new Map()));
  const key = createHash('sha256').update(`${registry}\u0000${credentials.username}\u0000${credentials.password}`).digest('hex');
  let client = clients.get(key);
  if (client) {
    clients.delete(key);
    clients.set(key, client);
    return client;
  }
  const host = access.hosts?.[registry];
  const hosts = { ...access.hosts, [registry]: { ...(host?.insecureHttp !== undefined ? { insecureHttp: host.insecureHttp } : {}), ...(host?.caFile !== undefined ? { caFile: host.caFile } : {}) } };
  client = new RegistryClient({ ...access, hosts, dockerConfig: undefined }, { credentials: async (asked) => (asked === registry ? credentials : undefined) });
  clients.set(key, client);
  while (clients.size > MAX_POD_CLIENTS) {
    const oldest = clients.keys().next().value!;
    const evicted = clients.get(oldest)!;
    clients.delete(oldest);
    // Closed a little later: a verification may still be reading with it.
    setTimeout(() => evicted.close(), 60_000).unref();
  }
  return client;
}

/**
 * The clients to read an image with, in the kubelet's order: the credentials of the pod's pull
 * secrets that match the image (most specific first), then the webhook's own. The pod's keyring is
 * read once, on the first image that needs it.
 */
export function imageClients(access: RegistryAccess, podKeyring?: () => Promise<PullKeyring | undefined>): (image: ImageReference) => Promise<RegistryClient[]> {
  const own = webhookRegistryClient(access);
  let keyring: Promise<PullKeyring | undefined> | undefined;
  return async (image) => {
    if (!podKeyring) return [own];
    keyring ??= podKeyring();
    const found = await keyring;
    const entries = found ? lookupCredentials(found, image.registry, image.repository) : [];
    return [...entries.map((entry) => podCredentialClient(access, image.registry, entry.credentials)), own];
  };
}

/** A tag resolved with each client in turn until one reads it, as the kubelet tries each credential for a pull; else the first client's error. */
export async function resolveWithEach(reference: string, candidates: RegistryClient[], signal?: AbortSignal): Promise<{ digest: string; reader: RegistryClient }> {
  let firstError: unknown;
  for (const candidate of candidates) {
    try {
      return { digest: await candidate.resolveDigest(reference, signal), reader: candidate };
    } catch (error) {
      if (signal?.aborted) throw error;
      firstError ??= error;
    }
  }
  throw firstError ?? new Error('no registry client to read it with');
}
