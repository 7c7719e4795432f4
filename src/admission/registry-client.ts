/**
 * The registry client the webhook's digest pinning and signature verification share (one per
 * configuration, so a digest /mutate pinned is the one /validate finds in the cache): the
 * `webhook.registries` host settings, plus, when `registries.dockerConfig` names one, the
 * credentials of a Docker configuration file, such as a mounted `kubernetes.io/dockerconfigjson`
 * Secret (read on first use after each configuration load).
 */
import { dockerCredentials } from '../images/docker-config.js';
import { RegistryClient, type RegistryAccess } from '../images/registry.js';

const clients = new WeakMap<RegistryAccess, RegistryClient>();

export function webhookRegistryClient(access: RegistryAccess): RegistryClient {
  let client = clients.get(access);
  if (!client) {
    client = new RegistryClient(access, access.dockerConfig ? { credentials: dockerCredentials({ configFile: access.dockerConfig }) } : {});
    clients.set(access, client);
  }
  return client;
}
