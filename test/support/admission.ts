/** AdmissionReviews as the API server sends them, and an HTTPS client that verifies the webhook's certificate. */
import https from 'node:https';
import { randomUUID } from 'node:crypto';
import type { TLSSocket } from 'node:tls';

type Obj = Record<string, any>;

const GROUPS: Record<string, string> = { Deployment: 'apps', StatefulSet: 'apps', DaemonSet: 'apps', ReplicaSet: 'apps', Job: 'batch', CronJob: 'batch' };
const RESOURCES: Record<string, string> = { Deployment: 'deployments', Pod: 'pods', Namespace: 'namespaces', Secret: 'secrets', ReplicaSet: 'replicasets', ConfigMap: 'configmaps' };

export interface ReviewOptions {
  operation?: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  oldObject?: Obj;
  dryRun?: boolean;
  username?: string;
  subResource?: string;
  uid?: string;
}

/** The AdmissionReview the API server sends for `object`. */
export function review(object: Obj, options: ReviewOptions = {}): Obj {
  const kind = String(object.kind);
  const [group, version] = String(object.apiVersion).includes('/') ? String(object.apiVersion).split('/') : ['', String(object.apiVersion)];
  const operation = options.operation ?? 'CREATE';
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: options.uid ?? randomUUID(),
      kind: { group: GROUPS[kind] ?? group, version, kind },
      resource: { group, version, resource: RESOURCES[kind] ?? `${kind.toLowerCase()}s` },
      requestKind: { group, version, kind },
      requestResource: { group, version, resource: RESOURCES[kind] ?? `${kind.toLowerCase()}s` },
      ...(options.subResource ? { subResource: options.subResource } : {}),
      name: object.metadata?.name ?? '',
      namespace: object.metadata?.namespace,
      operation,
      userInfo: { username: options.username ?? 'alice', uid: '1', groups: ['system:authenticated'] },
      object: operation === 'DELETE' ? null : object,
      oldObject: operation === 'UPDATE' || operation === 'DELETE' ? (options.oldObject ?? object) : null,
      dryRun: options.dryRun ?? false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: operation === 'UPDATE' ? 'UpdateOptions' : 'CreateOptions' },
    },
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
  /** Serial number of the certificate the server presented. */
  serial?: string;
}

export interface PostOptions {
  headers?: Record<string, string>;
  method?: string;
  ca: string;
  /** A fresh connection (default): the certificate served is the current one. */
  agent?: https.Agent | false;
}

export function request(port: number, path: string, body: string | Buffer | undefined, options: PostOptions): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? (body === undefined ? 'GET' : 'POST'),
        ca: options.ca,
        agent: options.agent ?? false,
        headers: { ...(body !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) } : {}), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        const serial = (res.socket as TLSSocket).getPeerCertificate?.()?.serialNumber;
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: any;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, serial: serial?.toLowerCase() });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export function postReview(port: number, path: '/validate' | '/mutate', body: Obj, ca: string): Promise<Reply> {
  return request(port, path, JSON.stringify(body), { ca });
}

/** Checks the response is an admission.k8s.io/v1 AdmissionReview carrying only the documented response fields. */
export function assertReviewShape(reply: Reply, uid: string): Obj {
  if (reply.status !== 200) throw new Error(`expected HTTP 200, got ${reply.status}: ${reply.text}`);
  const ct = String(reply.headers['content-type']);
  if (!ct.startsWith('application/json')) throw new Error(`Content-Type ${ct}`);
  const body = reply.json;
  const keys = Object.keys(body).sort().join(',');
  if (keys !== 'apiVersion,kind,response') throw new Error(`top-level keys ${keys}`);
  if (body.apiVersion !== 'admission.k8s.io/v1' || body.kind !== 'AdmissionReview') throw new Error('not an admission.k8s.io/v1 AdmissionReview');
  const allowedKeys = new Set(['uid', 'allowed', 'status', 'warnings', 'patchType', 'patch']);
  for (const k of Object.keys(body.response)) if (!allowedKeys.has(k)) throw new Error(`unexpected response field ${k}`);
  if (body.response.uid !== uid) throw new Error(`uid ${body.response.uid} is not the request's ${uid}`);
  if (typeof body.response.allowed !== 'boolean') throw new Error('allowed is not a boolean');
  if (body.response.status !== undefined) {
    const s = body.response.status;
    if (typeof s.code !== 'number' || typeof s.message !== 'string') throw new Error('status needs code and message');
  }
  if (body.response.warnings !== undefined) {
    if (!Array.isArray(body.response.warnings)) throw new Error('warnings is not a list');
    for (const w of body.response.warnings) {
      if (typeof w !== 'string' || [...w].length > 256 || /[\u0000-\u001f\u007f]/.test(w)) throw new Error(`warning not a printable line of at most 256 characters: ${JSON.stringify(w)}`);
    }
  }
  return body.response;
}

// ---------------------------------------------------------------------------------------------
// Objects

const hardenedContainer = (name: string, image = 'registry.example.com/shop/app:1.2.3'): Obj => ({
  name,
  image,
  imagePullPolicy: 'Always',
  ports: [{ name: 'http', containerPort: 8080 }],
  securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '128Mi', 'ephemeral-storage': '1Gi' } },
  readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
  livenessProbe: { httpGet: { path: '/live', port: 'http' }, periodSeconds: 20 },
});

const LABELS = { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/owner': 'shop', team: 'shop' };

/** A Deployment that passes every rule at medium and above. */
export function compliantDeployment(name = 'web', namespace = 'shop'): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: LABELS, resourceVersion: '100', uid: randomUUID(), generation: 1 },
    spec: {
      replicas: 3,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } },
      template: {
        metadata: { labels: LABELS },
        spec: { serviceAccountName: 'web', automountServiceAccountToken: false, securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [hardenedContainer('app')] },
      },
    },
  };
}

/** The compliant Deployment with its container privileged (critical: enforced by default). */
export function privilegedDeployment(name = 'web', namespace = 'shop'): Obj {
  const d = compliantDeployment(name, namespace);
  d.spec.template.spec.containers[0].securityContext.privileged = true;
  d.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true;
  return d;
}

/** The compliant Deployment whose container may run as root (medium: warned by default). */
export function rootDeployment(name = 'web', namespace = 'shop'): Obj {
  const d = compliantDeployment(name, namespace);
  delete d.spec.template.spec.containers[0].securityContext.runAsNonRoot;
  delete d.spec.template.spec.securityContext.runAsNonRoot;
  return d;
}

export function pod(name: string, namespace: string, container: Obj = hardenedContainer('app')): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: LABELS },
    spec: { serviceAccountName: 'web', automountServiceAccountToken: false, securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [container] },
  };
}

export { hardenedContainer };
