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
