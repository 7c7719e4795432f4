/**
 * The registry client the webhook's digest pinning and signature verification share (one per
 * configuration, so a digest /mutate pinned is the one /validate finds in the cache): the
 * `webhook.registries` host settings, plus, when `registries.dockerConfig` names one, the
 * credentials of a Docker configuration file, such as a mounted `kubernetes.io/dockerconfigjson`
 * Secret (read on first use after each configuration load).
 */
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

/**
 * A client that reads `registry` with one credential of a pod's pull secrets: the host's other
 * settings (plain HTTP, CA) as configured, its configured username and password left out so the
 * pod's own credential is the one sent. Made per review: nothing of it outlives the admission.
 */
export function podCredentialClient(access: RegistryAccess, registry: string, credentials: RegistryCredentials): RegistryClient {
  const host = access.hosts?.[registry];
  const hosts = { ...access.hosts, [registry]: { ...(host?.insecureHttp !== undefined ? { insecureHttp: host.insecureHttp } : {}), ...(host?.caFile !== undefined ? { caFile: host.caFile } : {}) } };
  return new RegistryClient({ ...access, hosts, dockerConfig: undefined }, { credentials: async (asked) => (asked === registry ? credentials : undefined) });
}
