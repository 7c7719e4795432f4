/**
 * The manifests that run `kshield watch` in a cluster (`kshield install watch`). A pure function of
 * the options, like the webhook's (admission/install.ts), whose Namespace it shares byte for byte.
 *
 * Least privilege: get/list/watch on exactly the kinds `kshield watch` lists (sources/cluster.ts
 * CLUSTER_KINDS) except Secrets — a watcher that can read every Secret would be the most valuable
 * target in the cluster; without them the watch says Secrets are not watched and leaves out the
 * rules that read them, as `kshield cluster` does (deploy/scanner-rbac.yaml) —; create on Events
 * (the only write outside its namespace); get/create/update on Leases in its own namespace, and
 * get/update only on its own Lease by name.
 */
import { clusterReadRules } from '../../sources/cluster.js';
import {
  componentLabels,
  clusterRoleBindingDocument,
  componentMeta,
  defaultDenyIngressDocument,
  namespaceDocument,
  restrictedPodSpec,
  selectorLabels as componentSelector,
  serviceAccountDocument,
  spreadAcrossNodes,
  type Component,
  type InstallDocument,
  type K8sObject,
} from '../../k8s/install-parts.js';

export interface WatchInstallOptions {
  namespace: string;
  name: string;
  replicas: number;
  image: string;
  version: string;
  /** Kubernetes Events for findings at or above this severity. */
  eventMinSeverity: string;
}

export const DEFAULT_WATCH_INSTALL = { namespace: 'kshield-system', name: 'kshield-watch', replicas: 2, eventMinSeverity: 'medium' } as const;

const METRICS_PORT = 8080;
function component(o: WatchInstallOptions): Component {
  return { namespace: o.namespace, component: 'watch', instance: o.name, version: o.version };
}

function selectorLabels(o: WatchInstallOptions): Record<string, string> {
  return componentSelector(component(o));
}

function meta(o: WatchInstallOptions, name: string, namespaced = true): K8sObject['metadata'] {
  return componentMeta(component(o), name, namespaced);
}

/** get/list/watch on every kind the watch lists but Secrets, grouped by API group, in CLUSTER_KINDS order. */
export function watchReadRules(): { apiGroups: string[]; resources: string[]; verbs: string[] }[] {
  return clusterReadRules(['get', 'list', 'watch']);
}

function deployment(o: WatchInstallOptions): K8sObject {
  const probe = (path: string, periodSeconds: number, failureThreshold: number): Record<string, unknown> => ({ httpGet: { path, port: 'metrics' }, periodSeconds, timeoutSeconds: 3, failureThreshold });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(o, o.name),
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: selectorLabels(o) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: componentLabels(component(o)) },
        spec: restrictedPodSpec({
          serviceAccountName: o.name,
          scheduling: { affinity: spreadAcrossNodes(component(o)), terminationGracePeriodSeconds: 15 },
          container: {
            name: 'watch',
            image: o.image,
            imagePullPolicy: 'IfNotPresent',
            args: ['watch', '--port', String(METRICS_PORT), '--lease-name', o.name, '--event-min-severity', o.eventMinSeverity],
            env: [
              // The Lease holder's identity, and where the Lease lives.
              { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
              { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
            ],
            ports: [{ name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' }],
            readinessProbe: probe('/readyz', 5, 3),
            livenessProbe: probe('/healthz', 10, 3),
            // Memory grows with the cluster: about 4 KiB of heap per kept object, and a peak of 1.2 GiB
            // during the first sync of 100,000 objects (bench/README.md, npm run bench:watch).
            resources: { requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '1', memory: '2Gi' } },
          },
        }),
      },
    },
  };
}

export function watchInstallDocuments(o: WatchInstallOptions): InstallDocument[] {
  const docs: InstallDocument[] = [];
  docs.push(namespaceDocument(o.namespace, 'The same Namespace `kshield install webhook` applies: pods here must meet the Restricted standard.'));
  docs.push(serviceAccountDocument(component(o), o.name, 'No token is mounted automatically; the pods get a short-lived projected token instead (see the Deployment).'));
  docs.push({
    comment:
      'Read-only on the kinds the rules read (get, list, watch), Secrets left out: a watcher that can read every\n' +
      'Secret is itself a target. The watch reports Secrets as not watched and leaves out the rules that read them.\n' +
      'The one write: Events about the objects findings are on (the leader writes them).',
    object: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta(o, o.name, false),
      rules: [...watchReadRules(), { apiGroups: [''], resources: ['events'], verbs: ['create'] }],
    },
  });
  docs.push(clusterRoleBindingDocument(component(o), o.name));
  docs.push({
    comment: 'Leader election: the replicas share one Lease. create cannot be limited by name (the name is not known\nbefore the object exists); reading and renewing are limited to this Lease.',
    object: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta(o, `${o.name}-leader-election`),
      rules: [
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [o.name], verbs: ['get', 'update'] },
      ],
    },
  });
  docs.push({
    comment: '',
    object: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(o, `${o.name}-leader-election`),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${o.name}-leader-election` },
      subjects: [{ kind: 'ServiceAccount', name: o.name, namespace: o.namespace }],
    },
  });
  docs.push({
    comment: '/metrics for Prometheus (and /healthz, /readyz for the kubelet) on port 8080.',
    object: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(o, o.name),
      spec: { type: 'ClusterIP', selector: selectorLabels(o), ports: [{ name: 'metrics', port: METRICS_PORT, targetPort: 'metrics', protocol: 'TCP' }] },
    },
  });
  docs.push({
    comment:
      `${o.replicas} replic${o.replicas === 1 ? 'a' : 'as'}: all watch and judge, the one holding the Lease writes Events; a standby takes over\n` +
      'within the lease duration (15 s). Non-root, read-only root filesystem, no capabilities, the runtime\'s seccomp profile.',
    object: deployment(o),
  });
  if (o.replicas >= 2) {
    docs.push({
      comment: 'Node drains keep one replica running.',
      object: {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: meta(o, o.name),
        spec: { minAvailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: selectorLabels(o) } },
      },
    });
  }
  docs.push(defaultDenyIngressDocument(component(o), o.name, 'Nothing reaches the pods of this namespace unless a policy allows it.'));
  docs.push({
    comment:
      'The metrics port, for Prometheus pods (label app.kubernetes.io/name: prometheus, as kube-prometheus and the\n' +
      'Prometheus Operator set it) in any namespace; the kubelet\'s probes are not subject to NetworkPolicy.\n' +
      'Egress stays open: the API server\'s address differs per cluster.',
    object: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta(o, o.name),
      spec: {
        podSelector: { matchLabels: selectorLabels(o) },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }], ports: [{ protocol: 'TCP', port: METRICS_PORT }] }],
      },
    },
  });
  return docs;
}
