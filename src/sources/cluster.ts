/**
 * The live-cluster source: authenticates the way kubectl does (through @kubernetes/client-node's
 * KubeConfig), discovers which API version the server serves each kind at, and lists the kinds the
 * rules look at, page by page. Only GET requests are ever sent.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { JsonObject } from '../core/types.js';
import { ClusterError, formatMs, loadKubeconfig, runExecPlugin, type ResolvedKubeconfig } from './kubeconfig.js';

export { ClusterError };

/** A kind the scanner lists. Group "" is the core API. */
export interface KindSpec {
  group: string;
  kind: string;
  /** The resource name in URLs (plural, lower case). */
  resource: string;
  namespaced: boolean;
  /**
   * Versions to take, best first, when the server serves several. Without it: the group's
   * preferred version if it serves the kind, else the first version that does.
   */
  versions?: string[];
}

const core = (kind: string, resource: string, namespaced = true): KindSpec => ({ group: '', kind, resource, namespaced });

/**
 * What the rules judge or read (see `appliesTo` and `reads` in src/rules), plus Nodes and admission
 * webhooks for the cluster-only checks. Custom resources holding pod specs are not listed: the
 * scanner would need to list every CRD's objects, which is a later step.
 */
export const CLUSTER_KINDS: readonly KindSpec[] = [
  core('Namespace', 'namespaces', false),
  core('Node', 'nodes', false),
  core('Pod', 'pods'),
  core('ReplicationController', 'replicationcontrollers'),
  core('Service', 'services'),
  core('ServiceAccount', 'serviceaccounts'),
  core('ConfigMap', 'configmaps'),
  core('Secret', 'secrets'),
  core('LimitRange', 'limitranges'),
  core('ResourceQuota', 'resourcequotas'),
  core('PersistentVolume', 'persistentvolumes', false),
  core('PersistentVolumeClaim', 'persistentvolumeclaims'),
  { group: 'storage.k8s.io', kind: 'StorageClass', resource: 'storageclasses', namespaced: false },
  { group: 'apps', kind: 'Deployment', resource: 'deployments', namespaced: true },
  { group: 'apps', kind: 'StatefulSet', resource: 'statefulsets', namespaced: true },
  { group: 'apps', kind: 'DaemonSet', resource: 'daemonsets', namespaced: true },
  { group: 'apps', kind: 'ReplicaSet', resource: 'replicasets', namespaced: true },
  { group: 'batch', kind: 'Job', resource: 'jobs', namespaced: true },
  // Served as batch/v1beta1 only up to 1.20, batch/v1 from 1.21 (v1beta1 removed in 1.25).
  { group: 'batch', kind: 'CronJob', resource: 'cronjobs', namespaced: true },
  { group: 'networking.k8s.io', kind: 'Ingress', resource: 'ingresses', namespaced: true },
  { group: 'networking.k8s.io', kind: 'NetworkPolicy', resource: 'networkpolicies', namespaced: true },
  { group: 'rbac.authorization.k8s.io', kind: 'Role', resource: 'roles', namespaced: true },
  { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding', resource: 'rolebindings', namespaced: true },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', resource: 'clusterroles', namespaced: false },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding', resource: 'clusterrolebindings', namespaced: false },
  { group: 'policy', kind: 'PodDisruptionBudget', resource: 'poddisruptionbudgets', namespaced: true },
  // autoscaling/v1 is the preferred version long after v2 exists, but only v2 carries the metrics.
  { group: 'autoscaling', kind: 'HorizontalPodAutoscaler', resource: 'horizontalpodautoscalers', namespaced: true, versions: ['v2', 'v2beta2', 'v2beta1', 'v1'] },
  { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', resource: 'customresourcedefinitions', namespaced: false },
  { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', resource: 'validatingwebhookconfigurations', namespaced: false },
  { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', resource: 'mutatingwebhookconfigurations', namespaced: false },
  { group: 'gateway.networking.k8s.io', kind: 'Gateway', resource: 'gateways', namespaced: true },
  // Service meshes and backend TLS, when their CRDs are installed: what the mesh rules and `netpol reach` read.
  { group: 'security.istio.io', kind: 'PeerAuthentication', resource: 'peerauthentications', namespaced: true },
  { group: 'security.istio.io', kind: 'AuthorizationPolicy', resource: 'authorizationpolicies', namespaced: true },
  { group: 'networking.istio.io', kind: 'DestinationRule', resource: 'destinationrules', namespaced: true },
  { group: 'networking.istio.io', kind: 'VirtualService', resource: 'virtualservices', namespaced: true },
  { group: 'policy.linkerd.io', kind: 'Server', resource: 'servers', namespaced: true },
  { group: 'policy.linkerd.io', kind: 'AuthorizationPolicy', resource: 'authorizationpolicies', namespaced: true },
  { group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', resource: 'meshtlsauthentications', namespaced: true },
  { group: 'policy.linkerd.io', kind: 'NetworkAuthentication', resource: 'networkauthentications', namespaced: true },
  { group: 'policy.linkerd.io', kind: 'ServerAuthorization', resource: 'serverauthorizations', namespaced: true },
  { group: 'consul.hashicorp.com', kind: 'ServiceIntentions', resource: 'serviceintentions', namespaced: true },
  { group: 'gateway.networking.k8s.io', kind: 'BackendTLSPolicy', resource: 'backendtlspolicies', namespaced: true },
  { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', resource: 'httproutes', namespaced: true },
  { group: 'cilium.io', kind: 'CiliumNetworkPolicy', resource: 'ciliumnetworkpolicies', namespaced: true },
  { group: 'cilium.io', kind: 'CiliumClusterwideNetworkPolicy', resource: 'ciliumclusterwidenetworkpolicies', namespaced: false },
  { group: 'projectcalico.org', kind: 'NetworkPolicy', resource: 'networkpolicies', namespaced: true },
  { group: 'projectcalico.org', kind: 'GlobalNetworkPolicy', resource: 'globalnetworkpolicies', namespaced: false },
  { group: 'crd.projectcalico.org', kind: 'NetworkPolicy', resource: 'networkpolicies', namespaced: true },
  { group: 'crd.projectcalico.org', kind: 'GlobalNetworkPolicy', resource: 'globalnetworkpolicies', namespaced: false },
];

/**
 * RBAC rules granting `verbs` on every kind `kshield cluster` lists (or of `kinds`) but Secrets, one rule per API
 * group in CLUSTER_KINDS order: what the install commands (watch, serve) give their service
 * accounts, so that a reader of the cluster is never a reader of every Secret.
 */
export function clusterReadRules(verbs: readonly string[], kinds: readonly Pick<KindSpec, 'group' | 'kind' | 'resource'>[] = CLUSTER_KINDS): { apiGroups: string[]; resources: string[]; verbs: string[] }[] {
  const byGroup = new Map<string, string[]>();
  for (const k of kinds) {
    if (k.group === '' && k.kind === 'Secret') continue;
    const list = byGroup.get(k.group) ?? [];
    if (!list.includes(k.resource)) list.push(k.resource);
    byGroup.set(k.group, list);
  }
  return [...byGroup].map(([group, resources]) => ({ apiGroups: [group], resources, verbs: [...verbs] }));
}

export interface ConnectOptions {
  /** A kubeconfig file (else KUBECONFIG, ~/.kube/config, then the pod's service account). */
  kubeconfig?: string;
  context?: string;
  /** Per request, and for obtaining the credentials (an exec plugin), in milliseconds. */
  timeoutMs: number;
  /** Told about what works but deserves a word (credentials sent over plain HTTP). */
  onWarning?: (message: string) => void;
}

export interface GetResult {
  status: number;
  /** The parsed body when it is a JSON object. */
  body: JsonObject | undefined;
  /** The body was not empty but not JSON either. */
  notJson?: boolean;
  /** The body as text, when it was not JSON (Prometheus metrics are text). */
  text?: string;
}

export interface Connection {
  server: string;
  context: string;
  /** GET a path on the API server; resolves with the status and the parsed JSON body. */
  get(pathAndQuery: string): Promise<GetResult>;
  close(): void;
}

/**
 * Loads credentials as kubectl would and prepares requests; fails with a ClusterError the user can
 * act on. Obtaining the credentials is bounded by `timeoutMs` like every request: a credential
 * plugin that never answers is killed.
 */
export async function connect(options: ConnectOptions): Promise<Connection> {
  const config = loadKubeconfig({ kubeconfig: options.kubeconfig, context: options.context });
  const server = config.cluster.server.replace(/\/+$/, '');
  let base: URL;
  try {
    base = new URL(server);
  } catch {
    throw new ClusterError(`${config.source}: the server "${server}" of cluster "${config.cluster.name}" is not a URL`);
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new ClusterError(`${config.source}: the server "${server}" of cluster "${config.cluster.name}" is neither https:// nor http://`);
  const plainHttp = base.protocol === 'http:';
  const user = await credentials(config, options.timeoutMs);
  if (plainHttp && user.sendsCredentials && !isLoopback(base.hostname)) {
    options.onWarning?.(`the server ${server} is http://: the credentials of user "${config.user?.name}" cross the network unencrypted`);
  }

  // Loaded on use: the client library takes longer to import than the rest of kshield together.
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  const clusterName = config.cluster.name;
  kc.loadFromOptions({
    clusters: [
      {
        name: clusterName,
        server,
        caData: config.cluster.caData,
        caFile: config.cluster.caFile,
        // The client library refuses http:// unless TLS verification is off (kubectl does not): with
        // no TLS on the wire there is nothing to verify, and this only makes it pick a plain agent.
        skipTLSVerify: config.cluster.skipTLSVerify || plainHttp,
        tlsServerName: config.cluster.tlsServerName,
        proxyUrl: config.cluster.proxyUrl,
      },
    ],
    users: [user.entry],
    contexts: [{ name: config.context, cluster: clusterName, user: user.entry.name }],
    currentContext: config.context,
  });
  const requestOptions: https.RequestOptions = {};
  try {
    // Credentials are already obtained: what is left is reading the CA and client certificate files.
    await kc.applyToHTTPSOptions(requestOptions);
  } catch (err) {
    throw credentialError(err, config);
  }
  const agent = requestOptions.agent as http.Agent | undefined;
  const transport = plainHttp ? http : https;
  const headers = { ...(requestOptions.headers as Record<string, string> | undefined), Accept: 'application/json', 'User-Agent': 'kshield' };

  const get = (pathAndQuery: string): Promise<GetResult> =>
    new Promise((resolve, reject) => {
      const url = new URL(base.pathname.replace(/\/$/, '') + pathAndQuery, base);
      let settled = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(err);
      };
      const req = transport.request(url, { method: 'GET', headers, agent, auth: requestOptions.auth }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => fail(describeNetworkError(err, server, plainHttp)));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          let body: JsonObject | undefined;
          let notJson = false;
          try {
            const parsed: unknown = text.trim() ? JSON.parse(text) : undefined;
            body = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as JsonObject) : undefined;
          } catch {
            notJson = true;
          }
          resolve({ status: res.statusCode ?? 0, body, ...(notJson ? { notJson, text } : {}) });
        });
      });
      // One deadline for the whole exchange: a server that accepts and never answers must not hang the scan.
      const timer = setTimeout(() => {
        fail(new ClusterError(`no answer from the API server ${server} within ${formatMs(options.timeoutMs)} (GET ${url.pathname}); raise --timeout if the cluster is slow`));
        req.destroy();
      }, options.timeoutMs);
      req.on('error', (err) => fail(describeNetworkError(err, server, plainHttp)));
      req.end();
    });

  return { server, context: config.context, get, close: () => agent?.destroy() };
}

type ClientUser = {
  name: string;
  token?: string;
  certData?: string;
  certFile?: string;
  keyData?: string;
  keyFile?: string;
  username?: string;
  password?: string;
  impersonateUser?: string;
};

/** Auth providers kubectl dropped in 1.26 for exec plugins; the client library would run their commands with no deadline. */
const REMOVED_AUTH_PROVIDERS: Record<string, string> = { gcp: 'gke-gcloud-auth-plugin', azure: 'kubelogin' };

/**
 * The user as the client library is to see it, credentials obtained: a token file read (trimmed, as
 * client-go does), an exec plugin run under the deadline, an oidc id-token taken as it is. The
 * library's own authenticators are not used: they have no deadline and quote what they read.
 */
async function credentials(config: ResolvedKubeconfig, timeoutMs: number): Promise<{ entry: ClientUser; sendsCredentials: boolean }> {
  const u = config.user;
  // The client library applies no CA without a user: an anonymous context still gets one, without credentials.
  if (!u) return { entry: { name: 'kshield-anonymous' }, sendsCredentials: false };
  const entry: ClientUser = {
    name: u.name,
    token: u.token,
    certData: u.certData,
    certFile: u.certFile,
    keyData: u.keyData,
    keyFile: u.keyFile,
    username: u.username,
    password: u.password,
    impersonateUser: u.impersonate,
  };
  if (entry.token === undefined && u.tokenFile !== undefined) {
    try {
      entry.token = readFileSync(u.tokenFile, 'utf8').trim() || undefined;
    } catch (err) {
      throw new ClusterError(`${config.source}: user "${u.name}": cannot read the token file ${u.tokenFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  if (u.authProvider) {
    const name = u.authProvider.name;
    if (REMOVED_AUTH_PROVIDERS[name]) {
      throw new ClusterError(`${config.source}: user "${u.name}" uses the ${name} auth-provider, which kubectl removed in 1.26: switch it to the ${REMOVED_AUTH_PROVIDERS[name]} exec credential plugin`);
    }
    if (name !== 'oidc') throw new ClusterError(`${config.source}: user "${u.name}" uses the auth-provider "${name}", which neither kubectl nor kshield knows`);
    entry.token ??= oidcToken(config, u.authProvider.config);
  }
  // An explicit token is sent as it is; client-go runs the plugin only when no token is set.
  if (u.exec && entry.token === undefined) {
    const credential = await runExecPlugin(u.name, u.exec, config.cluster, timeoutMs);
    entry.token = credential.token;
    if (credential.clientCertificateData !== undefined && credential.clientKeyData !== undefined) {
      // The library expects base64 here; the plugin answers PEM.
      entry.certData = Buffer.from(credential.clientCertificateData).toString('base64');
      entry.keyData = Buffer.from(credential.clientKeyData).toString('base64');
      entry.certFile = undefined;
      entry.keyFile = undefined;
    }
  }
  const sendsCredentials = entry.token !== undefined || entry.username !== undefined;
  return { entry, sendsCredentials };
}

/**
 * The oidc auth-provider's id-token while it is valid. An expired one is not refreshed here:
 * kubectl writes the refreshed tokens back into the kubeconfig, and a refresh that could not do so
 * would spend a single-use refresh token and log the user out.
 */
function oidcToken(config: ResolvedKubeconfig, provider: Record<string, unknown>): string {
  const who = `${config.source}: user "${config.user?.name}" (oidc auth-provider)`;
  const idToken = provider['id-token'];
  if (typeof idToken !== 'string' || idToken === '') throw new ClusterError(`${who} has no id-token: log in with kubectl first`);
  let exp: unknown;
  try {
    exp = (JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>).exp;
  } catch {
    throw new ClusterError(`${who}: the id-token is not a JWT`);
  }
  if (typeof exp === 'number' && exp * 1000 <= Date.now()) {
    throw new ClusterError(`${who}: the id-token expired at ${new Date(exp * 1000).toISOString()}; kshield does not refresh it (kubectl does, and saves the new one): run any kubectl command against this context, then retry`);
  }
  return idToken;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname.startsWith('127.') || hostname === '[::1]' || hostname === '::1';
}

/**
 * What the client library throws while preparing credentials, in words that quote nothing read from
 * a credential: a file it cannot read is named with its error code; anything else is said by kind.
 */
function credentialError(err: unknown, config: ResolvedKubeconfig): ClusterError {
  if (err instanceof ClusterError) return err;
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code === 'string' && typeof e.path === 'string') {
    return new ClusterError(`${config.source}: cannot read ${e.path} (${e.code}), named by context "${config.context}"`);
  }
  return new ClusterError(`cannot prepare the credentials of context "${config.context}": ${e instanceof SyntaxError ? 'something that should be JSON is not' : redact(oneLine(err))}`);
}

/** Long runs of token-like characters, in a message from elsewhere, are left out. */
function redact(message: string): string {
  return message.replace(/[A-Za-z0-9+_=-]{32,}/g, (run) => (/\d/.test(run) && /[A-Za-z]/.test(run) ? '[…]' : run));
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

function describeNetworkError(err: Error, server: string, plainHttp: boolean): ClusterError {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (code === 'ECONNREFUSED') return new ClusterError(`cannot reach the API server ${server}: connection refused`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new ClusterError(`cannot reach the API server ${server}: host name not found`);
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return new ClusterError(`cannot reach the API server ${server}: no route to host`);
  if (code === 'ECONNRESET') {
    // An HTTPS port drops a plain HTTP request without an answer.
    if (plainHttp) return new ClusterError(`the API server ${server} closed the connection (ECONNRESET): if that port speaks HTTPS, the server URL must be https://`);
    return new ClusterError(`the API server ${server} closed the connection (ECONNRESET)`);
  }
  // A TLS client that gets a plain HTTP answer reads its first bytes as a TLS record of a version that does not exist.
  if (!TLS_CODES.has(code) && /wrong version number|packet length too long|unknown protocol|http request/i.test(err.message)) {
    return new ClusterError(`the API server ${server} does not speak TLS on that port${code ? ` (${code})` : ''}: is it an http:// server? The kubeconfig says https://`);
  }
  if (TLS_CODES.has(code) || /certificate|SSL|TLS/i.test(err.message)) {
    return new ClusterError(`the API server's certificate is not trusted (${code || oneLine(err)}): check certificate-authority-data in the kubeconfig for ${server}`);
  }
  return new ClusterError(`request to the API server ${server} failed: ${code ? `${code}: ` : ''}${redact(oneLine(err))}`);
}

function oneLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0];
}

/** The error every status code we do not expect becomes, with the server's own message when it sent one. */
function statusError(status: number, body: JsonObject | undefined, what: string, server: string): ClusterError {
  const message = typeof body?.message === 'string' ? `: ${body.message.split('\n')[0]}` : '';
  if (status === 401) return new ClusterError(`the API server ${server} rejected the credentials (401 Unauthorized): the token or client certificate is invalid or expired`);
  return new ClusterError(`${what}: HTTP ${status}${message}`);
}

// ---------------------------------------------------------------------------------------------
// Discovery

export interface ServedKind extends KindSpec {
  /** "v1", "apps/v1", "batch/v1beta1"... */
  apiVersion: string;
  /**
   * Set when discovery of the kind's group failed (an aggregated API down, an answer that is not
   * JSON): the kind is reported as not covered, with this reason, instead of silently missing.
   */
  unavailable?: string;
}

interface ApiResource {
  name?: unknown;
  kind?: unknown;
  verbs?: unknown;
}

/** Groups every Kubernetes API server serves (the others come with add-ons and may well be absent). */
const BUILT_IN_GROUPS = new Set(['apps', 'batch', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'policy', 'autoscaling', 'apiextensions.k8s.io', 'admissionregistration.k8s.io', 'storage.k8s.io']);

/** Which of `wanted` the server serves, each at the version chosen as KindSpec.versions describes. */
export async function discover(conn: Connection, wanted: readonly KindSpec[]): Promise<ServedKind[]> {
  /** The body, or why there is none: a failure that must not stop the scan. */
  const fetchJson = async (p: string): Promise<{ body?: JsonObject; failure?: string }> => {
    const { status, body, notJson } = await conn.get(p);
    if (status === 200) return notJson || !body ? { failure: `GET ${p} answered something that is not JSON` } : { body };
    // A group version that fails (an aggregated API whose backend is down answers 503) must not stop the scan.
    if (status === 404) return { failure: `GET ${p}: HTTP 404` };
    if (status === 503) return { failure: `GET ${p}: HTTP 503${typeof body?.message === 'string' ? `: ${body.message.split('\n')[0]}` : ''}` };
    throw statusError(status, body, `discovery (GET ${p})`, conn.server);
  };
  const groupsWanted = new Set(wanted.map((k) => k.group));
  const groupVersions = new Map<string, { preferred?: string; versions: string[] }>();
  const coreApi = await fetchJson('/api');
  if (!coreApi.body) throw new ClusterError(`${conn.server} does not look like a Kubernetes API server (${coreApi.failure})`);
  groupVersions.set('', { preferred: 'v1', versions: strings(coreApi.body.versions) });
  const apis = await fetchJson('/apis');
  for (const g of objects(apis.body?.groups)) {
    const name = typeof g.name === 'string' ? g.name : undefined;
    if (name === undefined || !groupsWanted.has(name)) continue;
    const preferred = (g.preferredVersion as JsonObject | undefined)?.version;
    const versions = objects(g.versions)
      .map((v) => v.version)
      .filter((v): v is string => typeof v === 'string');
    groupVersions.set(name, { preferred: typeof preferred === 'string' ? preferred : undefined, versions });
  }
  // resources served by each group version, fetched only for the groups and versions we may use
  const served = new Map<string, Map<string, ApiResource>>();
  const failed = new Map<string, string>();
  await Promise.all(
    [...groupVersions].flatMap(([group, gv]) =>
      gv.versions.map(async (version) => {
        const key = group === '' ? version : `${group}/${version}`;
        const list = await fetchJson(group === '' ? `/api/${version}` : `/apis/${group}/${version}`);
        if (list.failure && !list.failure.endsWith('HTTP 404')) failed.set(key, list.failure);
        const byName = new Map<string, ApiResource>();
        for (const r of objects(list.body?.resources) as ApiResource[]) if (typeof r.name === 'string') byName.set(r.name, r);
        served.set(key, byName);
      }),
    ),
  );
  const result: ServedKind[] = [];
  for (const spec of wanted) {
    const gv = groupVersions.get(spec.group);
    if (!gv) {
      // Without the group list, a built-in group cannot be told apart from one the cluster does not serve.
      if (apis.failure && BUILT_IN_GROUPS.has(spec.group)) {
        result.push({ ...spec, apiVersion: `${spec.group}/${spec.versions?.[0] ?? 'v1'}`, unavailable: `discovery failed (${apis.failure})` });
      }
      continue;
    }
    const listable = (version: string): boolean => {
      const r = served.get(spec.group === '' ? version : `${spec.group}/${version}`)?.get(spec.resource);
      return r !== undefined && r.kind === spec.kind && (!Array.isArray(r.verbs) || r.verbs.includes('list'));
    };
    const order = spec.versions
      ? [...spec.versions.filter((v) => gv.versions.includes(v)), ...gv.versions]
      : [...(gv.preferred ? [gv.preferred] : []), ...gv.versions];
    const version = order.find(listable);
    if (version) {
      result.push({ ...spec, apiVersion: spec.group === '' ? version : `${spec.group}/${version}` });
      continue;
    }
    // Not found in what answered: if a version of its group failed, it may be served there.
    const failedVersion = order.find((v) => failed.has(spec.group === '' ? v : `${spec.group}/${v}`));
    if (failedVersion) {
      const key = spec.group === '' ? failedVersion : `${spec.group}/${failedVersion}`;
      result.push({ ...spec, apiVersion: key, unavailable: `discovery failed (${failed.get(key)})` });
    }
  }
  // Calico's API server (projectcalico.org) serves the same policies as its CRDs: list them once.
  const aggregatedCalico = new Set(result.filter((k) => k.group === 'projectcalico.org' && !k.unavailable).map((k) => k.kind));
  return result.filter((k) => k.group !== 'crd.projectcalico.org' || !aggregatedCalico.has(k.kind));
}

function objects(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter((v): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v)) : [];
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

// ---------------------------------------------------------------------------------------------
// Listing

export interface CoverageGap {
  kind: string;
  apiVersion: string;
  namespace?: string;
  reason: string;
}

export interface CoveredKind {
  kind: string;
  apiVersion: string;
  namespace?: string;
  objects: number;
}

export interface Coverage {
  covered: CoveredKind[];
  notCovered: CoverageGap[];
  /** Rules not run because they read a kind that is not covered (set by the cluster command). */
  skippedRules?: string[];
  /** Which control-plane components' flags could be judged from kube-system mirror pods (set by the cluster command). */
  controlPlane?: ControlPlaneCoverage;
}

export interface ControlPlaneCoverage {
  /** Components whose flags were judged, each with the mirror pod they were read from. */
  judged: { component: string; pod: string; node: string }[];
  /** Components with no mirror pod in sight: their flags were not judged. */
  notVisible: string[];
  /** Why the components in notVisible were not seen. */
  reason?: string;
  /** What `kshield node` checks that the API cannot show. */
  notJudged: string;
}

export interface ListOptions {
  /** Only these namespaces (cluster-scoped kinds are still listed). Empty: all. */
  namespaces: string[];
  excludeNamespaces: string[];
  /** Items per page (`limit`). */
  pageSize: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Called after each finished list, for a progress display. */
  onProgress?: (done: number, total: number, objects: number) => void;
}

export interface StreamOptions extends ListOptions {
  /**
   * Receives the objects of each page as it arrives (owned objects, excluded namespaces and
   * duplicates already left out), with each object's place in the input order: the order of
   * `kinds`, then of the list. Pages of different lists arrive in any order.
   */
  onItems: (items: JsonObject[], order: number[]) => void;
}

export interface ClusterListing {
  objects: JsonObject[];
  coverage: Coverage;
  /** Objects left out because the controller that owns them was listed and is judged instead. */
  ownedSkipped: number;
}

/** How often one list restarts after its continue token expired (410 Gone) before giving up on it. */
const MAX_RESTARTS = 3;

/** Order keys: list i's objects get (i + 1) * ORDER_STRIDE + n; 0 is free for what comes before every list. */
const ORDER_STRIDE = 2 ** 26;

/**
 * Namespaces are listed first, alone: their pod-security.kubernetes.io labels say at which Pod
 * Security Standards version the workloads in them are judged, as each page arrives. Lists that
 * hold the objects controllers own come after their owners' lists, so that an owned object can be
 * left out the moment its page arrives: ReplicaSets and Jobs after Deployments and CronJobs, Pods
 * after all of them.
 */
function phaseOf(spec: KindSpec): number {
  if (spec.group === '' && spec.kind === 'Namespace') return 0;
  if (spec.group === '' && spec.kind === 'Pod') return 3;
  if ((spec.group === 'apps' && spec.kind === 'ReplicaSet') || (spec.group === 'batch' && spec.kind === 'Job') || (spec.group === '' && spec.kind === 'ReplicationController')) return 2;
  return 1;
}

/**
 * Lists every served kind (per namespace when namespaces are given), pages and restarts included,
 * and hands each page to `onItems` as it arrives. Only the uids of what was listed are kept here
 * (to recognise owned objects); what else stays in memory is up to the consumer.
 */
export async function streamKinds(conn: Connection, kinds: readonly ServedKind[], options: StreamOptions): Promise<Omit<ClusterListing, 'objects'>> {
  type Task = { spec: ServedKind; namespace?: string; index: number };
  const tasks: Task[] = [];
  for (const spec of kinds) {
    if (spec.namespaced && options.namespaces.length > 0) for (const ns of options.namespaces) tasks.push({ spec, namespace: ns, index: tasks.length });
    else tasks.push({ spec, index: tasks.length });
  }
  const excluded = new Set(options.excludeNamespaces);
  const only = new Set(options.namespaces);
  const coveredAt: (CoveredKind | undefined)[] = new Array(tasks.length);
  const gapAt: (CoverageGap | undefined)[] = new Array(tasks.length);
  // Every listed object's uid: a possible owner of what later lists hold.
  const listedUids = new Set<string>();
  let ownedSkipped = 0;
  let done = 0;
  let total = 0;

  const runTask = async (task: Task): Promise<void> => {
    let delivered = 0;
    let covered = 0;
    const onPage = (items: JsonObject[]): void => {
      const kept: JsonObject[] = [];
      const order: number[] = [];
      for (const o of items) {
        const meta = o.metadata as JsonObject | undefined;
        const ns = meta?.namespace;
        if (typeof ns === 'string' && excluded.has(ns)) continue;
        // With -n, the Namespace objects of other namespaces are of no interest either.
        if (task.spec.kind === 'Namespace' && task.spec.group === '' && only.size > 0 && !only.has(String(meta?.name))) continue;
        covered++;
        if (typeof meta?.uid === 'string') listedUids.add(meta.uid);
        if (ownedByListed(o, listedUids)) {
          ownedSkipped++;
          continue;
        }
        kept.push(o);
        order.push((task.index + 1) * ORDER_STRIDE + delivered++);
      }
      if (kept.length > 0) options.onItems(kept, order);
    };
    const outcome = await listOne(conn, task.spec, task.namespace, options.pageSize, onPage);
    const where = task.namespace !== undefined ? { namespace: task.namespace } : {};
    if (outcome.gap !== undefined) gapAt[task.index] = { kind: task.spec.kind, apiVersion: task.spec.apiVersion, ...where, reason: outcome.gap };
    else coveredAt[task.index] = { kind: task.spec.kind, apiVersion: task.spec.apiVersion, ...where, objects: covered };
    total += covered;
    done++;
    options.onProgress?.(done, tasks.length, total);
  };

  for (let phase = 0; phase <= 3; phase++) {
    const queue = tasks.filter((t) => phaseOf(t.spec) === phase);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < queue.length) await runTask(queue[next++]);
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, queue.length)) }, worker));
  }
  const coverage: Coverage = { covered: [], notCovered: [] };
  for (let i = 0; i < tasks.length; i++) {
    if (coveredAt[i]) coverage.covered.push(coveredAt[i]!);
    if (gapAt[i]) coverage.notCovered.push(gapAt[i]!);
  }
  return { coverage, ownedSkipped };
}

/** Lists every served kind into memory, in input order (for commands that need all objects at once). */
export async function listKinds(conn: Connection, kinds: readonly ServedKind[], options: ListOptions): Promise<ClusterListing> {
  const received: { order: number; object: JsonObject }[] = [];
  const { coverage, ownedSkipped } = await streamKinds(conn, kinds, {
    ...options,
    onItems: (items, order) => items.forEach((object, i) => received.push({ order: order[i], object })),
  });
  received.sort((a, b) => a.order - b.order);
  return { objects: received.map((r) => r.object), coverage, ownedSkipped };
}

type ListOutcome = { gap?: string };

/**
 * One list, page by page into `onPage`. A 410 Gone on a continue token restarts it from the top:
 * objects already handed on (known by uid) are not handed on again, so each object of the fresh
 * list is judged once.
 */
async function listOne(conn: Connection, spec: ServedKind, namespace: string | undefined, pageSize: number, onPage: (items: JsonObject[]) => void): Promise<ListOutcome> {
  const prefix = spec.group === '' ? `/api/${spec.apiVersion}` : `/apis/${spec.apiVersion}`;
  const collection = namespace !== undefined ? `${prefix}/namespaces/${encodeURIComponent(namespace)}/${spec.resource}` : `${prefix}/${spec.resource}`;
  if (spec.unavailable !== undefined) return { gap: spec.unavailable };
  const itemKind = spec.kind;
  const seen = new Set<string>();
  const request = (token: string | undefined): { token?: string; response: ReturnType<Connection['get']> } => {
    const response = conn.get(`${collection}?limit=${pageSize}${token ? `&continue=${encodeURIComponent(token)}` : ''}`);
    // Awaited below; until then a failure must not count as unhandled.
    response.catch(() => undefined);
    return { token, response };
  };
  for (let attempt = 0; attempt <= MAX_RESTARTS; attempt++) {
    let next: ReturnType<typeof request> | undefined = request(undefined);
    let restarted = false;
    while (next) {
      const { token } = next;
      const { status, body, notJson } = await next.response;
      next = undefined;
      if (status === 410 && token) {
        // The continue token outlived etcd's compaction: the only consistent answer is a fresh list.
        restarted = true;
        break;
      }
      if (status === 403) return { gap: `forbidden: ${typeof body?.message === 'string' ? body.message.split('\n')[0] : 'the identity may not list it'}` };
      if (status === 404) return { gap: namespace !== undefined ? `not found (namespace ${namespace} may not exist)` : 'not found' };
      if (status !== 200) throw statusError(status, body, `listing ${spec.kind} (GET ${collection})`, conn.server);
      // A proxy's error page or a broken aggregated API: counting it as an empty list would hide the kind.
      if (notJson) return { gap: "the API server's answer was not JSON" };
      if (!body || !Array.isArray(body.items)) return { gap: "the API server's answer was not a List (no items array)" };
      const meta = body?.metadata as JsonObject | undefined;
      const following = typeof meta?.continue === 'string' && meta.continue !== '' ? meta.continue : undefined;
      // The next page is on its way while this one is judged: the server works while we do.
      if (following) next = request(following);
      const page: JsonObject[] = [];
      for (const item of objects(body?.items)) {
        const uid = (item.metadata as JsonObject | undefined)?.uid;
        if (typeof uid === 'string') {
          if (seen.has(uid)) continue;
          seen.add(uid);
        }
        page.push(normalise(item, spec.apiVersion, itemKind));
      }
      onPage(page);
    }
    if (!restarted) return {};
  }
  return { gap: `the list kept expiring (410 Gone) after ${MAX_RESTARTS} restarts` };
}

/**
 * Items of a list carry neither apiVersion nor kind; they are set from the list. managedFields
 * are bookkeeping of no security interest, and kubectl's last-applied annotation on a Secret holds
 * its values a second time, in clear text.
 */
function normalise(item: JsonObject, apiVersion: string, kind: string): JsonObject {
  const { apiVersion: _a, kind: _k, ...rest } = item;
  const out: JsonObject = { apiVersion, kind, ...rest };
  const meta = out.metadata;
  if (meta && typeof meta === 'object' && !Array.isArray(meta)) {
    const m = { ...(meta as JsonObject) };
    delete m.managedFields;
    if (kind === 'Secret' && m.annotations && typeof m.annotations === 'object') {
      const annotations = { ...(m.annotations as JsonObject) };
      delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
      m.annotations = annotations;
    }
    out.metadata = m;
  }
  return out;
}

/**
 * A Deployment's ReplicaSets and their Pods repeat its pod template: judging all three reports each
 * problem three times. An object whose controlling owner was listed is left to that owner. A mirror
 * pod's controller is its Node, which holds no pod template: the pod is the only copy of what the
 * kubelet runs (control-plane flags included) and is judged itself.
 */
function ownedByListed(o: JsonObject, listedUids: ReadonlySet<string>): boolean {
  if (!holdsPods(o)) return false;
  const controller = objects((o.metadata as JsonObject | undefined)?.ownerReferences).find((r) => r.controller === true);
  return !!controller && controller.kind !== 'Node' && typeof controller.uid === 'string' && listedUids.has(controller.uid);
}

function holdsPods(o: JsonObject): boolean {
  return o.kind === 'Pod' || o.kind === 'ReplicaSet' || o.kind === 'Job' || o.kind === 'ReplicationController';
}

/** GET /version: "1.20.2" style, or undefined when the server does not say. */
export async function serverVersion(conn: Connection): Promise<{ major: number; minor: number; gitVersion: string } | undefined> {
  const { status, body } = await conn.get('/version');
  if (status === 401) throw statusError(status, body, 'GET /version', conn.server);
  if (status !== 200 || !body) return undefined;
  const gitVersion = typeof body.gitVersion === 'string' ? body.gitVersion : '';
  const m = /^v?(\d+)\.(\d+)/.exec(gitVersion) ?? undefined;
  const major = m ? Number(m[1]) : Number.parseInt(String(body.major), 10);
  const minor = m ? Number(m[2]) : Number.parseInt(String(body.minor), 10);
  if (!Number.isFinite(major) || !Number.isFinite(minor)) return undefined;
  return { major, minor, gitVersion };
}

/**
 * What the API server's own metrics say about encryption at rest: the prefixes its storage
 * transformers wrote and read with (`apiserver_storage_transformation_operations_total`, labels
 * transformation_type and transformer_prefix). With an EncryptionConfiguration every write of a
 * resource it lists goes through its first provider: `k8s:enc:aescbc:v1:`, `k8s:enc:kms:v2:`, ... or
 * "" when that provider is identity (plain text). Without one, no transformer runs and the metric
 * has no samples. The metric is alpha (present since 1.18 with these labels); reading /metrics needs
 * `get` on that non-resource URL. Undefined when it cannot be read.
 */
export interface StorageTransformers {
  /** Prefixes writes used (to_storage), in order first seen. */
  toStorage: string[];
  /** Prefixes reads found (from_storage): "identity" for data stored unprefixed. */
  fromStorage: string[];
}

/** Bytes of /metrics read at most: an API server's metrics are a few megabytes. */
const METRICS_LIMIT = 64 * 1024 * 1024;

export function parseStorageTransformers(text: string): StorageTransformers {
  const out: StorageTransformers = { toStorage: [], fromStorage: [] };
  for (const line of text.slice(0, METRICS_LIMIT).split('\n')) {
    if (!line.startsWith('apiserver_storage_transformation_operations_total{')) continue;
    const labels = new Map<string, string>();
    for (const m of line.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels.set(m[1], m[2].replace(/\\(.)/g, '$1'));
    const prefix = labels.get('transformer_prefix');
    const type = labels.get('transformation_type');
    // Envelope providers record their key name too ("key1:"): only the provider prefixes say which provider ran.
    if (prefix === undefined || (prefix !== '' && prefix !== 'identity' && !prefix.startsWith('k8s:enc:'))) continue;
    const list = type === 'to_storage' ? out.toStorage : type === 'from_storage' ? out.fromStorage : undefined;
    if (list && !list.includes(prefix)) list.push(prefix);
  }
  return out;
}

/**
 * GET /metrics and read the storage transformers. `forbidden` when the identity may not read them
 * (the reason, for a note); neither when the answer is anything else (no metrics text: not a
 * kube-apiserver's /metrics).
 */
export async function storageTransformers(conn: Connection): Promise<{ transformers?: StorageTransformers; forbidden?: string }> {
  const { status, body, text } = await conn.get('/metrics');
  if (status === 403) return { forbidden: typeof body?.message === 'string' ? body.message.split('\n')[0] : 'HTTP 403' };
  if (status !== 200 || text === undefined || !text.includes('# TYPE ')) return {};
  return { transformers: parseStorageTransformers(text) };
}

/**
 * What only a live cluster knows, as one synthetic object for the cluster-only rules
 * (src/rules/cluster.ts): the API server's version and the day of the scan. Manifests never hold
 * one, so those rules stay silent in `kshield scan`.
 */
export function clusterInfoObject(context: string, version: { major: number; minor: number; gitVersion: string }, now: Date, transformers?: StorageTransformers): JsonObject {
  return {
    apiVersion: 'kshield.io/v1',
    kind: 'ClusterInfo',
    metadata: { name: context },
    serverVersion: { major: String(version.major), minor: String(version.minor), gitVersion: version.gitVersion || `v${version.major}.${version.minor}` },
    observedAt: now.toISOString().slice(0, 10),
    ...(transformers ? { storageTransformers: { toStorage: transformers.toStorage, fromStorage: transformers.fromStorage } } : {}),
  };
}
