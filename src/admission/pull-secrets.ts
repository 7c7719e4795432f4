/**
 * Registry credentials from the pod's own pull secrets (`webhook.registries.pullSecrets: true`),
 * found the way the kubelet finds them (pkg/credentialprovider/keyring.go, secrets.go): the Secrets
 * the pod names in `spec.imagePullSecrets`, or when it names none, those its service account names
 * (default "default"), in the pod's namespace, of type `kubernetes.io/dockerconfigjson` (`.dockerconfigjson`,
 * `{auths: {...}}`) or `kubernetes.io/dockercfg` (`.dockercfg`, the bare map).
 *
 * Matching follows the kubelet's keyring:
 * - a key is a host, with an optional scheme (dropped) and an optional path prefix; a path of
 *   `/v1/` or `/v2/` counts as none (Docker Hub's "https://index.docker.io/v1/");
 * - the image (`registry/repository`) matches a key when the host has as many dot-separated parts,
 *   each matching as a glob (`*.example.com` covers exactly one label), the ports are equal, and
 *   the image's path starts with the key's path;
 * - keys are tried in reverse lexical order, so `quay.io/acme` comes before `quay.io`;
 * - a Docker Hub image with no matching key uses the key "index.docker.io".
 * Secrets that are missing, of another type or malformed are skipped, as the kubelet skips them;
 * nothing here ever puts a credential (or a Secret's bytes) into a message.
 */
import type { RegistryCredentials } from '../images/registry.js';
import { DOCKER_HUB } from '../k8s/images.js';
import { loadKubeClient } from '../sources/kube-client.js';
import { goSegmentMatch } from '../core/glob.js';

const DOCKER_HUB_KEY = 'index.docker.io';
/** Most pull secrets read per pod (its own and its service account's): real pods name one or two. */
export const MAX_PULL_SECRETS = 16;
/** A Secret is at most 1 MiB in etcd; a docker configuration is far smaller. */
const MAX_SECRET_BYTES = 1024 * 1024;

/** One credential of a keyring, under the key it was found at (host plus optional path). */
export interface KeyringEntry {
  key: string;
  credentials: RegistryCredentials;
  /** `namespace/name` of the Secret, for logs (never its contents). */
  source: string;
}

/** Why a Secret gave no credentials: said once per Secret, without its contents. */
export interface SkippedSecret {
  source: string;
  why: string;
}

export interface PullKeyring {
  entries: KeyringEntry[];
  skipped: SkippedSecret[];
}

/** The key a config entry stands for, as the kubelet's keyring files it; undefined when it cannot be parsed. */
export function keyringKey(location: string): string | undefined {
  let value = location.trim();
  if (value === '') return undefined;
  if (!/^https?:\/\//i.test(value)) value = `https://${value}`;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return undefined;
  }
  if (parsed.host === '') return undefined;
  let path = decodeURIComponent(parsed.pathname);
  // new URL() gives "/" for no path; Go's url.Parse gives "".
  if (!/^https?:\/\/[^/]*\//i.test(value)) path = '';
  if (path.startsWith('/v2/') || path.startsWith('/v1/')) path = path.slice(3);
  return path !== '' && path !== '/' ? `${parsed.host}${path}` : parsed.host;
}

/** Go's url.Parse host (lowercased by WHATWG URL, as registries are matched case-insensitively) split into labels and port. */
function splitHost(hostport: string): { labels: string[]; port: string } {
  const colon = hostport.lastIndexOf(':');
  const host = colon >= 0 && !hostport.endsWith(']') ? hostport.slice(0, colon) : hostport;
  const port = colon >= 0 && !hostport.endsWith(']') ? hostport.slice(colon + 1) : '';
  return { labels: host.split('.'), port };
}

/** Whether the keyring key matches the image location `host[:port]/path` (keyring.go URLsMatch). */
export function keyMatches(key: string, image: string): boolean {
  const [keyHost, ...keyPath] = key.split('/');
  const [imageHost, ...imagePath] = image.split('/');
  const k = splitHost(keyHost.toLowerCase());
  const t = splitHost(imageHost.toLowerCase());
  if (k.port !== t.port || k.labels.length !== t.labels.length) return false;
  if (!k.labels.every((label, i) => goSegmentMatch(label, t.labels[i]))) return false;
  const keyPathText = keyPath.length ? `/${keyPath.join('/')}` : '';
  const imagePathText = imagePath.length ? `/${imagePath.join('/')}` : '';
  return imagePathText.startsWith(keyPathText);
}

function isDockerHub(registry: string): boolean {
  return registry === DOCKER_HUB || registry === 'index.docker.io' || registry === 'registry-1.docker.io';
}

/** The credentials for `registry/repository`, most specific key first (keyring.go Lookup). */
export function lookupCredentials(keyring: PullKeyring, registry: string, repository: string): KeyringEntry[] {
  const keys = [...new Set(keyring.entries.map((e) => e.key))].sort().reverse();
  const image = `${isDockerHub(registry) ? DOCKER_HUB : registry}/${repository}`;
  const found: KeyringEntry[] = [];
  for (const key of keys) if (keyMatches(key, image)) found.push(...keyring.entries.filter((e) => e.key === key));
  if (found.length === 0 && isDockerHub(registry)) found.push(...keyring.entries.filter((e) => e.key === DOCKER_HUB_KEY));
  return found;
}

function credentialsOf(entry: unknown): RegistryCredentials | 'bad-auth' | undefined {
  if (entry === null || typeof entry !== 'object') return undefined;
  const e = entry as Record<string, unknown>;
  // As the kubelet's DockerConfigEntry.UnmarshalJSON: `auth` (base64 user:password) wins over the fields.
  if (typeof e.auth === 'string' && e.auth !== '') {
    const decoded = Buffer.from(e.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return 'bad-auth';
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (typeof e.username === 'string' && typeof e.password === 'string' && (e.username !== '' || e.password !== '')) return { username: e.username, password: e.password };
  return undefined;
}

/** A Secret object as the API returns it (only what is read here). */
export interface SecretObject {
  type?: string;
  data?: Record<string, string>;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

/**
 * Adds the credentials of one Secret to the keyring, or says (without its contents) why it gave
 * none. Entries whose `auth` is not base64 of "user:password" are skipped one by one.
 */
export function addSecret(keyring: PullKeyring, secret: SecretObject, source: string): void {
  const skip = (why: string): void => void keyring.skipped.push({ source, why });
  const field = secret.type === 'kubernetes.io/dockerconfigjson' ? '.dockerconfigjson' : secret.type === 'kubernetes.io/dockercfg' ? '.dockercfg' : undefined;
  if (!field) return skip(`type ${JSON.stringify(String(secret.type ?? '')).slice(0, 80)} is not kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg`);
  const encoded = secret.data?.[field];
  if (typeof encoded !== 'string' || encoded === '') return skip(`no ${field} key`);
  if (encoded.length > (MAX_SECRET_BYTES * 4) / 3 + 4) return skip(`${field} is larger than ${MAX_SECRET_BYTES} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
  } catch {
    // JSON.parse's message quotes the text it could not read: say only that it is not JSON.
    return skip(`${field} is not JSON`);
  }
  const auths = field === '.dockerconfigjson' ? (parsed as { auths?: unknown } | null)?.auths : parsed;
  if (auths === null || typeof auths !== 'object' || Array.isArray(auths)) return skip(field === '.dockerconfigjson' ? `${field} has no "auths" object` : `${field} is not an object of registries`);
  const found: KeyringEntry[] = [];
  for (const [location, entry] of Object.entries(auths as Record<string, unknown>)) {
    const key = keyringKey(location);
    const credentials = credentialsOf(entry);
    // The kubelet's JSON decoding fails for the whole Secret when one "auth" cannot be split.
    if (credentials === 'bad-auth') return skip(`an "auth" in ${field} is not base64 of "username:password"`);
    if (key === undefined || credentials === undefined) continue;
    found.push({ key, credentials, source });
  }
  if (found.length === 0) return skip(`${field} holds no usable credentials`);
  keyring.entries.push(...found);
}

/** The two reads the webhook needs from the Kubernetes API; undefined for an object that does not exist. */
export interface PullSecretReader {
  getSecret(namespace: string, name: string, signal: AbortSignal): Promise<SecretObject | undefined>;
  getServiceAccount(namespace: string, name: string, signal: AbortSignal): Promise<{ imagePullSecrets?: { name?: string }[] } | undefined>;
}

/** What a pod spec says about pull secrets. */
export interface PodPullSecrets {
  imagePullSecrets: string[];
  serviceAccountName: string;
}

export function podPullSecrets(spec: Record<string, unknown>): PodPullSecrets {
  const names: string[] = [];
  const listed = spec.imagePullSecrets;
  if (Array.isArray(listed)) for (const s of listed) if (s && typeof s === 'object' && typeof (s as { name?: unknown }).name === 'string' && (s as { name: string }).name !== '') names.push((s as { name: string }).name);
  const sa = typeof spec.serviceAccountName === 'string' && spec.serviceAccountName !== '' ? spec.serviceAccountName : typeof spec.serviceAccount === 'string' && spec.serviceAccount !== '' ? spec.serviceAccount : 'default';
  return { imagePullSecrets: names, serviceAccountName: sa };
}

/**
 * The keyring of a pod: its own imagePullSecrets, or, when it names none, its service account's:
 * what the kubelet will use, since the ServiceAccount admission plugin copies the account's
 * imagePullSecrets into a pod only when the pod has none (for a Pod that plugin has run before any
 * webhook; a pod template has not been through it yet). A Secret or ServiceAccount that is missing
 * or cannot be read is skipped, with the reason, and the review goes on with the other credentials.
 */
export async function podKeyring(namespace: string, pods: PodPullSecrets[], reader: PullSecretReader, signal: AbortSignal): Promise<PullKeyring> {
  const keyring: PullKeyring = { entries: [], skipped: [] };
  const names: string[] = [];
  for (const pod of pods) names.push(...pod.imagePullSecrets);
  for (const sa of new Set(pods.filter((p) => p.imagePullSecrets.length === 0).map((p) => p.serviceAccountName))) {
    try {
      const account = await reader.getServiceAccount(namespace, sa, signal);
      if (!account) keyring.skipped.push({ source: `serviceaccount ${namespace}/${sa}`, why: 'not found' });
      for (const s of account?.imagePullSecrets ?? []) if (typeof s?.name === 'string' && s.name !== '') names.push(s.name);
    } catch (error) {
      keyring.skipped.push({ source: `serviceaccount ${namespace}/${sa}`, why: readError(error) });
    }
  }
  const unique = [...new Set(names)];
  if (unique.length > MAX_PULL_SECRETS) keyring.skipped.push({ source: `namespace ${namespace}`, why: `more than ${MAX_PULL_SECRETS} pull secrets named; the rest are not read` });
  for (const name of unique.slice(0, MAX_PULL_SECRETS)) {
    const source = `${namespace}/${name}`;
    try {
      const secret = await reader.getSecret(namespace, name, signal);
      if (!secret) keyring.skipped.push({ source, why: 'not found' });
      else addSecret(keyring, secret, source);
    } catch (error) {
      keyring.skipped.push({ source, why: readError(error) });
    }
  }
  return keyring;
}

/** An API error in a few words: the status code, never a body (which, for a Secret, could echo data). */
function readError(error: unknown): string {
  const e = error as { code?: unknown; statusCode?: unknown; name?: unknown };
  const code = typeof e?.code === 'number' ? e.code : typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  if (code !== undefined) return `HTTP ${code}`;
  return error instanceof Error && error.name === 'AbortError' ? 'no answer before the deadline' : 'could not be read';
}

/**
 * The reader over the Kubernetes API (client-node), with a cache of a few seconds keyed by
 * namespace and name: a Deployment's pods arriving together read each Secret once, and a Secret
 * changed in the cluster is seen within `ttlMs`.
 */
export async function kubernetesPullSecretReader(options: { kubeconfig?: string; context?: string; ttlMs?: number; maxEntries?: number }): Promise<PullSecretReader> {
  const { k8s, kc } = await loadKubeClient(options);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const ttlMs = options.ttlMs ?? 5000;
  const maxEntries = options.maxEntries ?? 500;
  const cache = new Map<string, { expiresAt: number; value: unknown }>();
  const cached = async <T>(key: string, signal: AbortSignal, read: () => Promise<T>): Promise<T | undefined> => {
    const hit = cache.get(key);
    if (hit && hit.expiresAt > Date.now()) return hit.value as T | undefined;
    let value: T | undefined;
    try {
      value = await new Promise<T>((resolve, reject) => {
        if (signal.aborted) return reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
        signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })), { once: true });
        read().then(resolve, reject);
      });
    } catch (error) {
      if ((error as { code?: unknown }).code !== 404) throw error;
      value = undefined;
    }
    cache.delete(key);
    cache.set(key, { expiresAt: Date.now() + ttlMs, value });
    while (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
    return value;
  };
  return {
    getSecret: (namespace, name, signal) => cached(`secret\u0000${namespace}\u0000${name}`, signal, async () => (await core.readNamespacedSecret({ namespace, name })) as SecretObject),
    getServiceAccount: (namespace, name, signal) =>
      cached(`sa\u0000${namespace}\u0000${name}`, signal, async () => {
        const sa = await core.readNamespacedServiceAccount({ namespace, name });
        return { imagePullSecrets: (sa.imagePullSecrets ?? []).map((r) => ({ name: r.name })) };
      }),
  };
}
