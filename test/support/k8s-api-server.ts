/**
 * A small Kubernetes API server for tests, speaking the real REST protocol over HTTPS: discovery
 * (/version, /api, /apis, /api/v1, /apis/GROUP/VERSION), collection lists (all namespaces and per
 * namespace) with limit/continue, watch (?watch=true, newline-delimited events), and the error
 * responses real servers send (401 Status for an unknown token, 403 for what an identity may not
 * list, 404, 410 Gone for an expired continue token). Objects come from YAML fixtures.
 *
 *   const api = await startTestApiServer({ objects: loadFixtureObjects([dir]), identities: { admin: {}, dev: { forbid: ['secrets'] } } });
 *   writeKubeconfig(file, api, { admin: api.tokens.admin, dev: api.tokens.dev });
 *   ...
 *   await api.close();
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import yaml from 'js-yaml';

type Obj = Record<string, any>;

export interface ApiResourceSpec {
  group: string;
  version: string;
  kind: string;
  resource: string;
  namespaced: boolean;
}

const r = (group: string, version: string, kind: string, resource: string, namespaced = true): ApiResourceSpec => ({ group, version, kind, resource, namespaced });

/** What a current cluster serves (the kinds kshield lists). */
export const MODERN_API: ApiResourceSpec[] = [
  r('', 'v1', 'Namespace', 'namespaces', false),
  r('', 'v1', 'Node', 'nodes', false),
  r('', 'v1', 'Pod', 'pods'),
  r('', 'v1', 'ReplicationController', 'replicationcontrollers'),
  r('', 'v1', 'Service', 'services'),
  r('', 'v1', 'ServiceAccount', 'serviceaccounts'),
  r('', 'v1', 'ConfigMap', 'configmaps'),
  r('', 'v1', 'Secret', 'secrets'),
  r('', 'v1', 'LimitRange', 'limitranges'),
  r('apps', 'v1', 'Deployment', 'deployments'),
  r('apps', 'v1', 'StatefulSet', 'statefulsets'),
  r('apps', 'v1', 'DaemonSet', 'daemonsets'),
  r('apps', 'v1', 'ReplicaSet', 'replicasets'),
  r('batch', 'v1', 'Job', 'jobs'),
  r('batch', 'v1', 'CronJob', 'cronjobs'),
  r('networking.k8s.io', 'v1', 'Ingress', 'ingresses'),
  r('networking.k8s.io', 'v1', 'NetworkPolicy', 'networkpolicies'),
  r('rbac.authorization.k8s.io', 'v1', 'Role', 'roles'),
  r('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings'),
  r('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false),
  r('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', false),
  r('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets'),
  r('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers'),
  r('autoscaling', 'v1', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers'),
  r('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false),
  r('admissionregistration.k8s.io', 'v1', 'ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', false),
  r('admissionregistration.k8s.io', 'v1', 'MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', false),
];

/** What Kubernetes 1.20 serves: CronJob only as batch/v1beta1, PDB as policy/v1beta1, HPA v1 preferred. */
export const V1_20_API: ApiResourceSpec[] = MODERN_API.filter((s) => !(s.group === 'batch' && s.kind === 'CronJob') && s.group !== 'policy' && !(s.group === 'autoscaling' && s.version === 'v2')).concat([
  r('batch', 'v1beta1', 'CronJob', 'cronjobs'),
  r('policy', 'v1beta1', 'PodDisruptionBudget', 'poddisruptionbudgets'),
  r('autoscaling', 'v2beta2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers'),
]);

/** The preferred version of each group, as the server announces it (the first listed version unless given). */
const PREFERRED: Record<string, string> = { autoscaling: 'v1', batch: 'v1', policy: 'v1' };

export interface Identity {
  /** Resources (plural names, e.g. "secrets") this identity may not list anywhere. */
  forbid?: string[];
  /** "resource/namespace" pairs it may not list in that namespace. */
  forbidIn?: string[];
}

export interface TestApiServerOptions {
  objects: Obj[];
  /** name -> permissions; each gets a random bearer token (see `tokens`). */
  identities?: Record<string, Identity>;
  api?: ApiResourceSpec[];
  gitVersion?: string;
  /** Accept connections and never answer (for timeout tests). */
  hang?: boolean;
  /** The first continue token issued for these resources is answered with 410 Gone (once each). */
  expireContinueOnce?: string[];
  /**
   * Store `objects` as given instead of copies (they are completed in place: namespace, uid,
   * resourceVersion): for benchmarks serving more objects than copying them would let fit.
   */
  adoptObjects?: boolean;
}

export interface TestApiServer {
  url: string;
  /** PEM of the CA that signed the server certificate. */
  caPem: string;
  tokens: Record<string, string>;
  /** Requests received, as "GET /path?query" (for assertions on pagination and read-only use). */
  requests: string[];
  /** Sends a watch event to every open watch of the object's resource. */
  emit(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: Obj): void;
  /** Stores an object (new, or replacing the one of that name) without telling watches: only a new list sees it. */
  put(object: Obj): void;
  /** Ends every open watch of a resource (plural name) with an ERROR event carrying 410 Gone, as etcd compaction makes a real server do. */
  expireWatches(resource: string): void;
  close(): Promise<void>;
}

/** A CA and a server certificate for 127.0.0.1/localhost, made with openssl in a temporary directory. */
export function makeCertificates(): { caPem: string; certPem: string; keyPem: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'kshield-certs-'));
  try {
    const run = (args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=kshield-test-ca']);
    run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kube-apiserver']);
    writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext.cnf']);
    const read = (f: string): string => readFileSync(path.join(dir, f), 'utf8');
    return { caPem: read('ca.crt'), certPem: read('server.crt'), keyPem: read('server.key') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let cachedCerts: ReturnType<typeof makeCertificates> | undefined;

/** Objects of every YAML file under the given files or directories (documents without kind skipped). */
export function loadFixtureObjects(paths: string[]): Obj[] {
  const out: Obj[] = [];
  const visit = (p: string): void => {
    if (statSync(p).isDirectory()) {
      for (const name of readdirSync(p).sort()) visit(path.join(p, name));
      return;
    }
    if (!/\.(ya?ml|json)$/.test(p)) return;
    for (const doc of yaml.loadAll(readFileSync(p, 'utf8'))) {
      if (doc && typeof doc === 'object' && typeof (doc as Obj).kind === 'string' && (doc as Obj).kind !== 'Kustomization') out.push(doc as Obj);
    }
  };
  for (const p of paths) visit(p);
  return out;
}

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

export async function startTestApiServer(options: TestApiServerOptions): Promise<TestApiServer> {
  const api = options.api ?? MODERN_API;
  const certs = (cachedCerts ??= makeCertificates());
  const tokens: Record<string, string> = {};
  const byToken = new Map<string, Identity>();
  for (const [name, identity] of Object.entries(options.identities ?? { admin: {} })) {
    const token = randomBytes(16).toString('hex');
    tokens[name] = token;
    byToken.set(token, identity);
  }
  let resourceVersion = 1000;
  // Objects stored per (group, resource): a kind is the same stored object whatever version it is read at.
  const store = new Map<string, Obj[]>();
  const keyOf = (group: string, resource: string): string => `${group}/${resource}`;
  const specFor = (kind: string, group: string): ApiResourceSpec | undefined => api.find((s) => s.kind === kind && s.group === group);
  for (const original of options.objects) {
    const spec = specFor(original.kind, groupOf(String(original.apiVersion ?? '')));
    if (!spec) continue;
    const o = options.adoptObjects ? original : structuredClone(original);
    o.metadata ??= {};
    if (spec.namespaced) o.metadata.namespace ??= 'default';
    else delete o.metadata.namespace;
    o.metadata.uid ??= randomUUID();
    o.metadata.resourceVersion = String(++resourceVersion);
    o.metadata.creationTimestamp ??= '2024-01-01T00:00:00Z';
    // The API server stores stringData as base64 data: a listed Secret never has stringData.
    if (o.kind === 'Secret' && o.stringData && typeof o.stringData === 'object') {
      o.data = { ...(o.data ?? {}) };
      for (const [k, v] of Object.entries(o.stringData)) o.data[k] = Buffer.from(String(v)).toString('base64');
      delete o.stringData;
    }
    o.metadata.managedFields ??= [{ manager: 'kubectl', operation: 'Apply', apiVersion: o.apiVersion, fieldsType: 'FieldsV1', fieldsV1: {} }];
    const key = keyOf(spec.group, spec.resource);
    const list = store.get(key) ?? [];
    list.push(o);
    store.set(key, list);
  }
  // Per-namespace views of each stored list, built on first use (a cluster-wide list reads the store itself).
  const byNamespace = new Map<string, Map<string, Obj[]>>();
  const listOf = (key: string, namespace: string | undefined): Obj[] => {
    const all = store.get(key) ?? [];
    if (namespace === undefined) return all;
    let index = byNamespace.get(key);
    if (!index) {
      index = new Map();
      for (const o of all) {
        const list = index.get(o.metadata.namespace) ?? [];
        list.push(o);
        index.set(o.metadata.namespace, list);
      }
      byNamespace.set(key, index);
    }
    return index.get(namespace) ?? [];
  };
  const expireOnce = new Set(options.expireContinueOnce ?? []);
  const requests: string[] = [];
  const watchers = new Map<string, Set<ServerResponse>>();
  const sockets = new Set<import('node:stream').Duplex>();

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };
  const status = (res: ServerResponse, code: number, reason: string, message: string): void =>
    send(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });

  const groups = [...new Set(api.map((s) => s.group))];
  const versionsOf = (group: string): string[] => [...new Set(api.filter((s) => s.group === group).map((s) => s.version))];
  const preferredOf = (group: string): string => {
    const versions = versionsOf(group);
    return PREFERRED[group] && versions.includes(PREFERRED[group]) ? PREFERRED[group] : versions[0];
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    requests.push(`${req.method} ${req.url}`);
    if (options.hang) return;
    const auth = req.headers.authorization ?? '';
    const identity = auth.startsWith('Bearer ') ? byToken.get(auth.slice(7)) : undefined;
    if (!identity) return status(res, 401, 'Unauthorized', 'Unauthorized');
    if (req.method !== 'GET') return status(res, 405, 'MethodNotAllowed', 'the test server is read-only');
    const url = new URL(req.url ?? '/', 'https://localhost');
    const p = url.pathname.replace(/\/+$/, '');
    if (p === '/version') {
      const m = /^v(\d+)\.(\d+)/.exec(options.gitVersion ?? 'v1.30.2')!;
      return send(res, 200, { major: m[1], minor: m[2], gitVersion: options.gitVersion ?? 'v1.30.2', platform: 'linux/amd64' });
    }
    if (p === '/api') return send(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    if (p === '/apis') {
      return send(res, 200, {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: groups
          .filter((g) => g !== '')
          .map((g) => ({
            name: g,
            versions: versionsOf(g).map((v) => ({ groupVersion: `${g}/${v}`, version: v })),
            preferredVersion: { groupVersion: `${g}/${preferredOf(g)}`, version: preferredOf(g) },
          })),
      });
    }
    const parts = p.split('/').filter(Boolean);
    // /api/v1/... or /apis/GROUP/VERSION/...
    const [group, version, rest] = parts[0] === 'api' ? ['', parts[1], parts.slice(2)] : parts[0] === 'apis' ? [parts[1], parts[2], parts.slice(3)] : [undefined, undefined, []];
    if (group === undefined || version === undefined) return status(res, 404, 'NotFound', 'the server could not find the requested resource');
    const served = api.filter((s) => s.group === group && s.version === version);
    if (served.length === 0) return status(res, 404, 'NotFound', 'the server could not find the requested resource');
    if (rest.length === 0) {
      return send(res, 200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: group ? `${group}/${version}` : version,
        resources: served.map((s) => ({ name: s.resource, singularName: '', namespaced: s.namespaced, kind: s.kind, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] })),
      });
    }
    let namespace: string | undefined;
    let resource: string;
    // One namespaced object by name (GET /api/v1/namespaces/NS/secrets/NAME), as the webhook reads pull secrets.
    let name: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      resource = rest[2];
      name = rest[3];
      if (rest.length > 4) return status(res, 404, 'NotFound', 'the test server serves collections and single namespaced objects only');
    } else {
      resource = rest[0];
      if (rest.length > 1) return status(res, 404, 'NotFound', 'the test server lists collections only');
    }
    const spec = served.find((s) => s.resource === resource);
    if (!spec || (namespace !== undefined && !spec.namespaced)) return status(res, 404, 'NotFound', 'the server could not find the requested resource');
    const groupLabel = group ? `${resource}.${group}` : resource;
    if (identity.forbid?.includes(resource) || (namespace !== undefined && identity.forbidIn?.includes(`${resource}/${namespace}`)) || (namespace === undefined && spec.namespaced && identity.forbidIn?.some((f) => f.startsWith(`${resource}/`)))) {
      const where = namespace !== undefined ? `in the namespace "${namespace}"` : 'at the cluster scope';
      return status(res, 403, 'Forbidden', `${groupLabel} is forbidden: User "test" cannot ${name === undefined ? 'list' : 'get'} resource "${resource}" in API group "${group}" ${where}`);
    }
    const all = listOf(keyOf(group, resource), namespace);
    const apiVersion = group ? `${group}/${version}` : version;
    const asServed = (o: Obj): Obj => ({ ...o, apiVersion, kind: spec.kind });
    if (name !== undefined) {
      const found = all.find((o) => o.metadata?.name === name);
      return found ? send(res, 200, asServed(found)) : status(res, 404, 'NotFound', `${groupLabel} "${name}" not found`);
    }

    if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      if (!url.searchParams.get('resourceVersion')) for (const o of all) res.write(JSON.stringify({ type: 'ADDED', object: asServed(o) }) + '\n');
      const key = keyOf(group, resource);
      const set = watchers.get(key) ?? new Set();
      set.add(res);
      watchers.set(key, set);
      req.on('close', () => set.delete(res));
      return;
    }

    const limit = Number(url.searchParams.get('limit') ?? '0');
    const token = url.searchParams.get('continue');
    let offset = 0;
    if (token) {
      let decoded: { offset?: number; resource?: string } = {};
      try {
        decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
      } catch {
        return status(res, 400, 'BadRequest', 'invalid continue token');
      }
      if (expireOnce.delete(resource)) {
        return status(res, 410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      }
      offset = decoded.offset ?? 0;
    }
    const page = limit > 0 ? all.slice(offset, offset + limit) : all.slice(offset);
    const more = limit > 0 && offset + limit < all.length;
    const metadata: Obj = { resourceVersion: String(resourceVersion) };
    if (more) {
      metadata.continue = Buffer.from(JSON.stringify({ offset: offset + limit, resource })).toString('base64url');
      metadata.remainingItemCount = all.length - offset - limit;
    }
    // List items carry neither apiVersion nor kind on a real server.
    return send(res, 200, {
      kind: `${spec.kind}List`,
      apiVersion,
      metadata,
      items: page.map(({ apiVersion: _a, kind: _k, ...item }) => item),
    });
  };

  const server = https.createServer({ key: certs.keyPem, cert: certs.certPem }, handle);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    caPem: certs.caPem,
    tokens,
    requests,
    emit(type, object) {
      const spec = specFor(object.kind, groupOf(String(object.apiVersion ?? '')));
      if (!spec) return;
      for (const res of watchers.get(keyOf(spec.group, spec.resource)) ?? []) res.write(JSON.stringify({ type, object }) + '\n');
    },
    put(object) {
      const spec = specFor(object.kind, groupOf(String(object.apiVersion ?? '')));
      if (!spec) throw new Error(`the test server does not serve ${object.apiVersion} ${object.kind}`);
      const o = structuredClone(object);
      o.metadata ??= {};
      if (spec.namespaced) o.metadata.namespace ??= 'default';
      o.metadata.uid ??= randomUUID();
      o.metadata.resourceVersion = String(++resourceVersion);
      const key = keyOf(spec.group, spec.resource);
      const list = (store.get(key) ?? []).filter((x) => !(x.metadata?.name === o.metadata.name && x.metadata?.namespace === o.metadata.namespace));
      list.push(o);
      store.set(key, list);
      byNamespace.delete(key);
    },
    expireWatches(resource) {
      for (const [key, set] of watchers) {
        if (key.split('/')[1] !== resource) continue;
        for (const res of set) {
          res.end(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version: 1 (2)', reason: 'Expired', code: 410 } }) + '\n');
        }
        set.clear();
      }
    },
    async close() {
      for (const set of watchers.values()) for (const res of set) res.end();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes a kubeconfig with one context per given user (name -> token), all pointing at `server`. */
export function writeKubeconfig(file: string, server: { url: string; caPem: string }, users: Record<string, string>, current = Object.keys(users)[0]): void {
  const ca = Buffer.from(server.caPem).toString('base64');
  const names = Object.keys(users);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server: server.url, 'certificate-authority-data': ca } }],
    users: names.map((n) => ({ name: n, user: { token: users[n] } })),
    contexts: names.map((n) => ({ name: n, context: { cluster: 'test', user: n } })),
    'current-context': current,
  };
  writeFileSync(file, yaml.dump(config), { mode: 0o600 });
}
