/**
 * The manifests that run `kshield serve` in a cluster (`kshield install serve`): the dashboard
 * scanning its own cluster every interval and receiving other clusters' `cluster --report-to`
 * pushes. A pure function of the options, like the watch's and the webhook's manifests.
 *
 * Least privilege: get and list (no watch: each scan lists) on exactly the kinds `kshield cluster`
 * lists (sources/cluster.ts CLUSTER_KINDS) except Secrets, which `kshield cluster` reports as not
 * covered and leaves the rules that read them out (as deploy/scanner-rbac.yaml does); nothing
 * written anywhere. Storage: SQLite on a PersistentVolumeClaim (one replica, Recreate: SQLite has
 * one writer), or PostgreSQL whose URL comes from a Secret the user creates (KSHIELD_DATABASE).
 * The bearer token is a Secret the user creates, mounted as a file; TLS from a kubernetes.io/tls
 * Secret when given.
 */
import { clusterReadRules } from '../sources/cluster.js';
import {
  componentLabels,
  clusterRoleBindingDocument,
  componentMeta,
  defaultDenyIngressDocument,
  namespaceDocument,
  restrictedPodSpec,
  selectorLabels as componentSelector,
  serviceAccountDocument,
  type Component,
  type InstallDocument,
  type K8sObject,
} from '../k8s/install-parts.js';

export interface ServeInstallOptions {
  namespace: string;
  name: string;
  image: string;
  version: string;
  /** How often the dashboard scans its own cluster (a Go duration: 10m). */
  interval: string;
  clusterName: string;
  /** The Secret holding the bearer token under key `token` (created by the user). */
  tokenSecret: string;
  /** A kubernetes.io/tls Secret: the dashboard serves HTTPS with it. */
  tlsSecret?: string;
  /** SQLite on a claim of this size, or PostgreSQL from a Secret's `url` key. */
  storage: { kind: 'sqlite'; size: string; storageClass?: string } | { kind: 'postgres'; secret: string };
  /** Address ranges allowed to reach the dashboard port besides labelled pods (a load balancer's, other clusters' scanners). */
  allowCidrs: string[];
}

/** The label a pod needs for the NetworkPolicy to let it reach the dashboard. */
export const CLIENT_LABEL = 'kshield.io/dashboard-client';

export const DEFAULT_SERVE_INSTALL = { namespace: 'kshield-system', name: 'kshield-serve', interval: '10m', clusterName: 'in-cluster', tokenSecret: 'kshield-serve-token', storageSize: '5Gi' } as const;

export const SERVE_PORT = 8443;
const DATA_DIR = '/var/lib/kshield';

function component(o: ServeInstallOptions): Component {
  return { namespace: o.namespace, component: 'serve', instance: o.name, version: o.version };
}

function selectorLabels(o: ServeInstallOptions): Record<string, string> {
  return componentSelector(component(o));
}

function meta(o: ServeInstallOptions, name: string, namespaced = true): K8sObject['metadata'] {
  return componentMeta(component(o), name, namespaced);
}

/** get/list on every kind `kshield cluster` lists but Secrets, grouped by API group, in CLUSTER_KINDS order; get on /metrics. */
export function scanReadRules(): ({ apiGroups: string[]; resources: string[]; verbs: string[] } | { nonResourceURLs: string[]; verbs: string[] })[] {
  // /metrics: the API server's storage transformers, the only place a scan from inside the cluster
  // learns whether Secrets are encrypted at rest (api-server-encryption-at-rest-missing). Read-only.
  return [...clusterReadRules(['get', 'list']), { nonResourceURLs: ['/metrics'], verbs: ['get'] }];
}

function deployment(o: ServeInstallOptions): K8sObject {
  const scheme = o.tlsSecret ? 'HTTPS' : 'HTTP';
  const args = ['serve', '--listen', `0.0.0.0:${SERVE_PORT}`, '--token-file', '/etc/kshield/token/token', '--interval', o.interval, '--cluster-name', o.clusterName];
  if (o.storage.kind === 'sqlite') args.push('--database', `${DATA_DIR}/kshield.db`);
  if (o.tlsSecret) args.push('--tls-cert', '/etc/kshield/tls/tls.crt', '--tls-key', '/etc/kshield/tls/tls.key');
  // Liveness: the process answers; readiness: it also reaches its database.
  const probe = (path: string, periodSeconds: number): Record<string, unknown> => ({ httpGet: { path, port: 'dashboard', scheme }, periodSeconds, timeoutSeconds: 3, failureThreshold: 3 });
  const volumeMounts: Record<string, unknown>[] = [
    { name: 'token', mountPath: '/etc/kshield/token', readOnly: true },
    { name: 'tmp', mountPath: '/tmp' },
  ];
  const volumes: Record<string, unknown>[] = [
    { name: 'token', secret: { secretName: o.tokenSecret, defaultMode: 0o400, items: [{ key: 'token', path: 'token' }] } },
    { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
  ];
  if (o.tlsSecret) {
    volumeMounts.push({ name: 'tls', mountPath: '/etc/kshield/tls', readOnly: true });
    volumes.push({ name: 'tls', secret: { secretName: o.tlsSecret, defaultMode: 0o400 } });
  }
  if (o.storage.kind === 'sqlite') {
    volumeMounts.push({ name: 'data', mountPath: DATA_DIR });
    volumes.push({ name: 'data', persistentVolumeClaim: { claimName: o.name } });
  }
  const env: Record<string, unknown>[] =
    o.storage.kind === 'postgres' ? [{ name: 'KSHIELD_DATABASE', valueFrom: { secretKeyRef: { name: o.storage.secret, key: 'url' } } }] : [];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(o, o.name),
    spec: {
      // One replica: SQLite has one writer, and two dashboards would scan the cluster twice.
      replicas: 1,
      selector: { matchLabels: selectorLabels(o) },
      strategy: { type: 'Recreate' },
      template: {
        metadata: { labels: componentLabels(component(o)) },
        spec: restrictedPodSpec({
          serviceAccountName: o.name,
          scheduling: { terminationGracePeriodSeconds: 30 },
          container: {
            name: 'serve',
            image: o.image,
            imagePullPolicy: 'IfNotPresent',
            args,
            ...(env.length > 0 ? { env } : {}),
            ports: [{ name: 'dashboard', containerPort: SERVE_PORT, protocol: 'TCP' }],
            readinessProbe: probe('/readyz', 10),
            livenessProbe: probe('/healthz', 20),
            // A scan holds the cluster's findings while it is stored: as kshield cluster's memory (bench/README.md).
            resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '2Gi' } },
            volumeMounts,
          },
          volumes,
        }),
      },
    },
  };
}

export function serveInstallDocuments(o: ServeInstallOptions): InstallDocument[] {
  const docs: InstallDocument[] = [];
  docs.push(namespaceDocument(o.namespace, 'The same Namespace `kshield install webhook` and `install watch` apply: pods here must meet the Restricted standard.'));
  docs.push(serviceAccountDocument(component(o), o.name, 'No token is mounted automatically; the pod gets a short-lived projected token instead (see the Deployment).'));
  docs.push({
    comment:
      'Read-only on the kinds `kshield cluster` lists (get, list), Secrets left out: a dashboard that can read every\n' +
      'Secret is itself a target. Scans report Secrets as not covered and leave out the rules that read them.',
    object: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta(o, o.name, false), rules: scanReadRules() },
  });
  docs.push(clusterRoleBindingDocument(component(o), o.name));
  if (o.storage.kind === 'sqlite') {
    docs.push({
      comment: 'The SQLite database: every scan stored and imported, kept across restarts.',
      object: {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: meta(o, o.name),
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: o.storage.size } }, ...(o.storage.storageClass ? { storageClassName: o.storage.storageClass } : {}) },
      },
    });
  }
  docs.push({
    comment: `The dashboard and its API (${o.tlsSecret ? 'HTTPS' : 'HTTP: put TLS in front of it, or use kubectl port-forward'}); other clusters push with cluster --report-to.`,
    object: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(o, o.name),
      spec: { type: 'ClusterIP', selector: selectorLabels(o), ports: [{ name: 'dashboard', port: o.tlsSecret ? 443 : 80, targetPort: 'dashboard', protocol: 'TCP' }] },
    },
  });
  docs.push({
    comment:
      `Scans this cluster every ${o.interval}; the token is read from Secret ${o.tokenSecret}${o.storage.kind === 'postgres' ? `, the PostgreSQL URL from Secret ${o.storage.secret}` : ''}.\n` +
      "Non-root, read-only root filesystem, no capabilities, the runtime's seccomp profile.",
    object: deployment(o),
  });
  docs.push(defaultDenyIngressDocument(component(o), o.name, 'Nothing reaches the pods of this namespace unless a policy allows it.'));
  docs.push({
    comment:
      `The dashboard port, for pods labelled ${CLIENT_LABEL}: "true" in any namespace (label your ingress controller's pods,\n` +
      'or the pods that push with cluster --report-to)' +
      (o.allowCidrs.length > 0 ? ` and for ${o.allowCidrs.join(', ')}` : '') +
      "; kubectl port-forward is not subject to NetworkPolicy.\nEgress stays open: the API server's and the database's addresses differ per cluster.",
    object: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta(o, o.name),
      spec: {
        podSelector: { matchLabels: selectorLabels(o) },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [{ namespaceSelector: {}, podSelector: { matchLabels: { [CLIENT_LABEL]: 'true' } } }, ...o.allowCidrs.map((cidr) => ({ ipBlock: { cidr } }))],
            ports: [{ protocol: 'TCP', port: SERVE_PORT }],
          },
        ],
      },
    },
  });
  return docs;
}
