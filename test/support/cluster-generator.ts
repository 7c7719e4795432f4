/**
 * A generated cluster, as the API server lists it: namespaces of applications (Deployments with
 * their ReplicaSet revisions and Pods, StatefulSets, CronJobs with Jobs, Services, ConfigMaps,
 * Secrets including Helm release records, ServiceAccounts, RBAC, NetworkPolicies, Ingresses, HPAs,
 * PDBs), plus nodes, cluster RBAC, CRDs, webhooks and a kubeadm control plane in kube-system.
 * Objects carry what a real server adds (uid, status, defaulted fields, managedFields), so their
 * size, and what a scanner holds in memory, is close to a real cluster's.
 *
 * Seeded: the same options give the same objects. `total` is exact.
 *
 *   const objects = generateCluster({ total: 100_000, namespaces: 500 });
 */
import { Rng } from '../../bench/rng.js';

type Obj = Record<string, any>;

export interface ClusterShape {
  /** Exactly this many objects. */
  total: number;
  /** Application namespaces (kube-system comes on top). */
  namespaces: number;
  nodes?: number;
  seed?: number;
}

const TIERS = ['web', 'api', 'worker', 'cache', 'db', 'gateway'] as const;
const TEAMS = ['payments', 'search', 'checkout', 'platform', 'data', 'identity', 'growth'];
const IMAGES: Record<string, string> = {
  web: 'registry.example.com/shop/web',
  api: 'registry.example.com/shop/api',
  worker: 'registry.example.com/shop/worker',
  cache: 'docker.io/library/redis',
  db: 'docker.io/library/postgres',
  gateway: 'docker.io/library/nginx',
};

/** Random bytes from the seeded generator: payloads of Secrets and CA bundles, digests, ids. */
function randomBytes(rng: Rng, bytes: number): Buffer {
  const buf = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < bytes; i += 4) {
    const word = (rng.next() * 4294967296) >>> 0;
    for (let j = 0; j < 4 && i + j < bytes; j++) buf[i + j] = (word >>> (j * 8)) & 0xff;
  }
  return buf;
}
const randomBase64 = (rng: Rng, bytes: number): string => randomBytes(rng, bytes).toString('base64');
const randomHex = (rng: Rng, chars: number): string => randomBytes(rng, Math.ceil(chars / 2)).toString('hex').slice(0, chars);

let uidCounter = 0;
function uid(rng: Rng): string {
  uidCounter++;
  return `${randomHex(rng, 8)}-${randomHex(rng, 4)}-4${randomHex(rng, 3)}-a${randomHex(rng, 3)}-${(uidCounter >>> 0).toString(16).padStart(12, '0')}`;
}

const TIME = '2024-05-14T08:31:07Z';

function managedFields(manager: string, apiVersion: string, fields: Obj): Obj[] {
  return [{ manager, operation: 'Update', apiVersion, time: TIME, fieldsType: 'FieldsV1', fieldsV1: fields }];
}

/** A FieldsV1 set in the shape the server records it: every key written, nested. */
function fieldsOf(value: unknown, depth = 0): Obj {
  if (!value || typeof value !== 'object' || depth > 5) return {};
  const out: Obj = {};
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out[`k:{"name":"${(v as Obj)?.name ?? i}"}`] = { '.': {}, ...fieldsOf(v, depth + 1) };
    });
    return out;
  }
  for (const [k, v] of Object.entries(value)) out[`f:${k}`] = fieldsOf(v, depth + 1);
  return out;
}

function container(rng: Rng, tier: string, app: string, hardened: boolean): Obj {
  const c: Obj = {
    name: app.split('-')[0],
    image: `${IMAGES[tier]}:${rng.pick(['1.4.2', '2.0.1', '7.2', '16.3', 'latest', '1.27.1'])}`,
    imagePullPolicy: 'IfNotPresent',
    ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'metrics', containerPort: 9090, protocol: 'TCP' }],
    env: [
      { name: 'APP_NAME', value: app },
      { name: 'LOG_LEVEL', value: rng.pick(['info', 'debug', 'warn']) },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: `${app}-db`, key: 'password' } } },
    ],
    envFrom: [{ configMapRef: { name: `${app}-config` } }],
    resources: rng.chance(0.7) ? { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } } : {},
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    volumeMounts: [
      { name: 'config', mountPath: '/etc/app' },
      { name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
    ],
  };
  if (rng.chance(0.6)) c.readinessProbe = { httpGet: { path: '/ready', port: 'http', scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 };
  if (rng.chance(0.5)) c.livenessProbe = { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 };
  if (hardened) {
    c.securityContext = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 10001, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } };
  } else if (rng.chance(0.05)) {
    c.securityContext = { privileged: true };
  }
  return c;
}

function podSpec(rng: Rng, tier: string, app: string, serviceAccount: string, hardened: boolean): Obj {
  return {
    containers: [container(rng, tier, app, hardened)],
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    serviceAccountName: serviceAccount,
    serviceAccount,
    securityContext: hardened ? { runAsNonRoot: true, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } } : {},
    schedulerName: 'default-scheduler',
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
    priority: 0,
    tolerations: [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ],
    volumes: [
      { name: 'config', configMap: { name: `${app}-config`, defaultMode: 420 } },
      {
        name: 'kube-api-access',
        projected: {
          defaultMode: 420,
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
          ],
        },
      },
    ],
  };
}

function podStatus(rng: Rng, name: string, image: string): Obj {
  return {
    phase: 'Running',
    conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: TIME })),
    hostIP: `10.0.${rng.int(0, 255)}.${rng.int(1, 254)}`,
    podIP: `10.244.${rng.int(0, 255)}.${rng.int(1, 254)}`,
    podIPs: [{ ip: `10.244.${rng.int(0, 255)}.${rng.int(1, 254)}` }],
    startTime: TIME,
    qosClass: 'Burstable',
    containerStatuses: [
      {
        name,
        state: { running: { startedAt: TIME } },
        lastState: {},
        ready: true,
        restartCount: rng.int(0, 3),
        image,
        imageID: `${image.split(':')[0]}@sha256:${randomHex(rng, 64)}`,
        containerID: `containerd://${randomHex(rng, 64)}`,
        started: true,
      },
    ],
  };
}

class Emitter {
  readonly objects: Obj[] = [];
  constructor(private readonly limit: number) {}
  get full(): boolean {
    return this.objects.length >= this.limit;
  }
  /** Adds the object unless the budget is spent; returns whether it was added. */
  add(o: Obj): boolean {
    if (this.full) return false;
    this.objects.push(o);
    return true;
  }
}

function meta(rng: Rng, name: string, namespace: string | undefined, extra: Obj = {}): Obj {
  return { name, ...(namespace ? { namespace } : {}), uid: uid(rng), resourceVersion: String(rng.int(1000, 9_999_999)), creationTimestamp: TIME, ...extra };
}

const owner = (apiVersion: string, kind: string, o: Obj): Obj[] => [{ apiVersion, kind, name: o.metadata.name, uid: o.metadata.uid, controller: true, blockOwnerDeletion: true }];

/** One application in a namespace: as many of its objects as the budget allows, owners before what they own. */
function application(rng: Rng, out: Emitter, ns: string, index: number, nodes: string[]): void {
  const tier = rng.pick(TIERS);
  const app = `${tier}-${index}`;
  const hardened = rng.chance(0.5);
  const labels = { 'app.kubernetes.io/name': app, 'app.kubernetes.io/part-of': ns, tier };
  const sa = rng.chance(0.6) ? app : 'default';
  if (sa === app) out.add({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(rng, app, ns, { labels }) });
  out.add({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(rng, `${app}-config`, ns, { labels }), data: { 'app.yaml': `name: ${app}\nlisten: :8080\nmetrics: :9090\nupstreams:\n${Array.from({ length: 8 }, (_, i) => `  - http://svc-${i}.${ns}.svc:8080`).join('\n')}\n`, LOG_FORMAT: 'json' } });
  out.add({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: meta(rng, `${app}-db`, ns, { labels }), data: { username: Buffer.from(app).toString('base64'), password: randomBase64(rng, 24) } });
  if (rng.chance(0.35)) {
    // Helm's release record: a gzipped, base64'd manifest bundle, the largest objects in most clusters.
    const rev = rng.int(1, 9);
    out.add({ apiVersion: 'v1', kind: 'Secret', type: 'helm.sh/release.v1', metadata: meta(rng, `sh.helm.release.v1.${app}.v${rev}`, ns, { labels: { name: app, owner: 'helm', status: 'deployed', version: String(rev) } }), data: { release: randomBase64(rng, rng.int(3000, 12000)) } });
  }
  const svc: Obj = { apiVersion: 'v1', kind: 'Service', metadata: meta(rng, app, ns, { labels }), spec: { type: rng.chance(0.05) ? 'LoadBalancer' : 'ClusterIP', clusterIP: `10.96.${rng.int(0, 255)}.${rng.int(1, 254)}`, clusterIPs: [], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', selector: { 'app.kubernetes.io/name': app }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }], sessionAffinity: 'None', internalTrafficPolicy: 'Cluster' }, status: { loadBalancer: {} } };
  svc.spec.clusterIPs = [svc.spec.clusterIP];
  out.add(svc);

  const stateful = tier === 'db' || tier === 'cache';
  const replicas = rng.int(1, 4);
  const template = { metadata: { labels }, spec: podSpec(rng, tier, app, sa, hardened) };
  const pod = (name: string, ownerRefs: Obj[], extraLabels: Obj = {}): Obj => {
    const node = rng.pick(nodes);
    const spec = structuredClone(template.spec);
    spec.nodeName = node;
    const o: Obj = { apiVersion: 'v1', kind: 'Pod', metadata: meta(rng, name, ns, { labels: { ...labels, ...extraLabels }, ownerReferences: ownerRefs }), spec, status: podStatus(rng, spec.containers[0].name, spec.containers[0].image) };
    o.metadata.managedFields = managedFields('kubelet', 'v1', { 'f:status': fieldsOf(o.status) });
    return o;
  };
  if (stateful) {
    const sts: Obj = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta(rng, app, ns, { labels, generation: 1 }), spec: { replicas, serviceName: app, selector: { matchLabels: { 'app.kubernetes.io/name': app } }, template, podManagementPolicy: 'OrderedReady', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } }, revisionHistoryLimit: 10, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } } }] }, status: { replicas, readyReplicas: replicas, currentReplicas: replicas, updatedReplicas: replicas, observedGeneration: 1, availableReplicas: replicas } };
    sts.metadata.managedFields = managedFields('helm', 'apps/v1', { 'f:spec': fieldsOf(sts.spec) });
    if (!out.add(sts)) return;
    for (let r = 0; r < replicas; r++) out.add(pod(`${app}-${r}`, owner('apps/v1', 'StatefulSet', sts), { 'statefulset.kubernetes.io/pod-name': `${app}-${r}` }));
  } else {
    const deploy: Obj = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(rng, app, ns, { labels, generation: 3, annotations: { 'deployment.kubernetes.io/revision': '3' } }), spec: { replicas, selector: { matchLabels: { 'app.kubernetes.io/name': app } }, template, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 }, status: { replicas, readyReplicas: replicas, availableReplicas: replicas, updatedReplicas: replicas, observedGeneration: 3, conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', lastTransitionTime: TIME, lastUpdateTime: TIME }] } };
    deploy.metadata.managedFields = managedFields('helm', 'apps/v1', { 'f:spec': fieldsOf(deploy.spec) });
    if (!out.add(deploy)) return;
    // Old revisions stay behind, scaled to zero (revisionHistoryLimit).
    const revisions = rng.int(1, 5);
    for (let rev = 1; rev <= revisions; rev++) {
      const hash = rng.alnum(10);
      const current = rev === revisions;
      const rs: Obj = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: meta(rng, `${app}-${hash}`, ns, { labels: { ...labels, 'pod-template-hash': hash }, annotations: { 'deployment.kubernetes.io/revision': String(rev), 'deployment.kubernetes.io/desired-replicas': String(replicas) }, ownerReferences: owner('apps/v1', 'Deployment', deploy) }), spec: { replicas: current ? replicas : 0, selector: { matchLabels: { 'app.kubernetes.io/name': app, 'pod-template-hash': hash } }, template: { metadata: { labels: { ...labels, 'pod-template-hash': hash } }, spec: template.spec } }, status: { replicas: current ? replicas : 0, observedGeneration: 1 } };
      if (!out.add(rs)) return;
      if (current) for (let r = 0; r < replicas; r++) out.add(pod(`${app}-${hash}-${rng.alnum(5)}`, owner('apps/v1', 'ReplicaSet', rs), { 'pod-template-hash': hash }));
    }
    if (rng.chance(0.3)) out.add({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta(rng, app, ns, { labels }), spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: app }, minReplicas: 2, maxReplicas: 10, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }] } });
  }
  if (rng.chance(0.3)) out.add({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta(rng, app, ns, { labels }), spec: { minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': app } } } });
  if (tier === 'web' || tier === 'gateway') {
    out.add({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: meta(rng, app, ns, { labels }), spec: { ingressClassName: 'nginx', ...(rng.chance(0.7) ? { tls: [{ hosts: [`${app}.${ns}.example.com`], secretName: `${app}-tls` }] } : {}), rules: [{ host: `${app}.${ns}.example.com`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: app, port: { name: 'http' } } } }] } }] } });
  }
  if (rng.chance(0.5)) out.add({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta(rng, `${app}-ingress`, ns, { labels }), spec: { podSelector: { matchLabels: { 'app.kubernetes.io/name': app } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { tier: rng.pick(TIERS) } } }, { namespaceSelector: { matchLabels: { team: rng.pick(TEAMS) } } }], ports: [{ protocol: 'TCP', port: 'http' }] }] } });
  if (sa === app && rng.chance(0.5)) {
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(rng, app, ns, { labels }), rules: [{ apiGroups: [''], resources: rng.chance(0.2) ? ['secrets', 'configmaps'] : ['configmaps'], verbs: rng.chance(0.1) ? ['*'] : ['get', 'list', 'watch'] }] };
    out.add(role);
    out.add({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta(rng, app, ns, { labels }), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: app }, subjects: [{ kind: 'ServiceAccount', name: app, namespace: ns }] });
  }
  if (tier === 'worker' && rng.chance(0.5)) {
    const cron: Obj = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: meta(rng, `${app}-report`, ns, { labels }), spec: { schedule: '0 * * * *', concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1, jobTemplate: { spec: { backoffLimit: 2, template: { metadata: { labels }, spec: { ...podSpec(rng, tier, app, sa, hardened), restartPolicy: 'Never' } } } } } };
    if (!out.add(cron)) return;
    for (let j = 0; j < 2; j++) {
      const job: Obj = { apiVersion: 'batch/v1', kind: 'Job', metadata: meta(rng, `${app}-report-${28_000_000 + j}`, ns, { labels, ownerReferences: owner('batch/v1', 'CronJob', cron) }), spec: cron.spec.jobTemplate.spec, status: { succeeded: 1, startTime: TIME, completionTime: TIME } };
      if (!out.add(job)) return;
      const p = pod(`${job.metadata.name}-${rng.alnum(5)}`, owner('batch/v1', 'Job', job), { 'job-name': job.metadata.name });
      p.spec.restartPolicy = 'Never';
      p.status.phase = 'Succeeded';
      out.add(p);
    }
  }
}

function clusterScoped(rng: Rng, out: Emitter, shape: Required<ClusterShape>): string[] {
  const nodes = Array.from({ length: shape.nodes }, (_, i) => (i < 3 ? `cp-${i + 1}` : `worker-${i - 2}`));
  const nodeObjects = nodes.map((name, i) => {
    const o: Obj = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: meta(rng, name, undefined, { labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...(i < 3 ? { 'node-role.kubernetes.io/control-plane': '' } : {}) } }),
      spec: { podCIDR: `10.244.${i}.0/24`, ...(i < 3 ? { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } : {}) },
      status: {
        addresses: [{ type: 'InternalIP', address: `10.0.0.${10 + i}` }, { type: 'Hostname', address: name }],
        capacity: { cpu: '8', memory: '32780000Ki', pods: '110' },
        nodeInfo: { kubeletVersion: i % 17 === 5 ? 'v1.26.15' : 'v1.29.2', containerRuntimeVersion: 'containerd://1.7.13', osImage: 'Ubuntu 22.04.4 LTS', kernelVersion: '5.15.0-101-generic', architecture: 'amd64', operatingSystem: 'linux' },
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: TIME, lastTransitionTime: TIME }],
      },
    };
    out.add(o);
    return o;
  });
  out.add({ apiVersion: 'v1', kind: 'Namespace', metadata: meta(rng, 'kube-system', undefined, { labels: { 'kubernetes.io/metadata.name': 'kube-system' } }), spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
  // kubeadm's control plane: one mirror pod per component per control-plane node.
  const components: [string, string[]][] = [
    ['kube-apiserver', ['--advertise-address=10.0.0.10', '--authorization-mode=Node,RBAC', '--client-ca-file=/etc/kubernetes/pki/ca.crt', '--enable-admission-plugins=NodeRestriction', '--etcd-servers=https://127.0.0.1:2379', '--secure-port=6443', '--service-account-key-file=/etc/kubernetes/pki/sa.pub', '--tls-cert-file=/etc/kubernetes/pki/apiserver.crt', '--tls-private-key-file=/etc/kubernetes/pki/apiserver.key']],
    ['kube-controller-manager', ['--bind-address=127.0.0.1', '--kubeconfig=/etc/kubernetes/controller-manager.conf', '--use-service-account-credentials=true']],
    ['kube-scheduler', ['--bind-address=127.0.0.1', '--kubeconfig=/etc/kubernetes/scheduler.conf', '--leader-elect=true']],
    ['etcd', ['--cert-file=/etc/kubernetes/pki/etcd/server.crt', '--key-file=/etc/kubernetes/pki/etcd/server.key', '--client-cert-auth=true', '--peer-client-cert-auth=true']],
  ];
  for (const node of nodeObjects.slice(0, 3)) {
    for (const [binary, args] of components) {
      const hash = randomHex(rng, 12);
      out.add({ apiVersion: 'v1', kind: 'Pod', metadata: meta(rng, `${binary}-${node.metadata.name}`, 'kube-system', { labels: { component: binary, tier: 'control-plane' }, annotations: { 'kubernetes.io/config.hash': hash, 'kubernetes.io/config.mirror': hash, 'kubernetes.io/config.source': 'file' }, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.metadata.name, uid: node.metadata.uid, controller: true }] }), spec: { nodeName: node.metadata.name, hostNetwork: true, priorityClassName: 'system-node-critical', containers: [{ name: binary, image: `registry.k8s.io/${binary}:v1.29.2`, command: [binary, ...args] }] }, status: { phase: 'Running' } });
    }
  }
  for (let i = 0; i < 40; i++) {
    const name = `team-${i}-${rng.pick(['view', 'edit', 'ops'])}`;
    out.add({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta(rng, name, undefined), rules: [{ apiGroups: ['', 'apps'], resources: rng.chance(0.2) ? ['*'] : ['pods', 'deployments', 'services'], verbs: rng.chance(0.15) ? ['*'] : ['get', 'list', 'watch'] }] });
    out.add({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: meta(rng, name, undefined), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: rng.chance(0.05) ? 'cluster-admin' : name }, subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: `team-${i}` }] });
  }
  for (let i = 0; i < 10; i++) {
    out.add({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: meta(rng, `widgets${i}.example.com`, undefined), spec: { group: 'example.com', names: { kind: `Widget${i}`, plural: `widgets${i}`, singular: `widget${i}`, listKind: `Widget${i}List` }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' }, color: { type: 'string' } } } } } } }] } });
  }
  out.add({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: meta(rng, 'policy-engine', undefined), webhooks: [{ name: 'validate.policy.example.com', failurePolicy: 'Ignore', sideEffects: 'None', admissionReviewVersions: ['v1'], clientConfig: { service: { name: 'policy', namespace: 'kube-system' } } }] });
  return nodes;
}

/** Exactly `shape.total` objects (fewer only if the cluster-scoped part alone would exceed it). */
export function generateCluster(shape: ClusterShape): Obj[] {
  const full: Required<ClusterShape> = { nodes: 50, seed: 20260101, ...shape };
  const rng = new Rng(full.seed);
  uidCounter = 0;
  const out = new Emitter(full.total);
  const nodes = clusterScoped(rng, out, full);
  const namespaces = Math.max(1, full.namespaces);
  for (let n = 0; n < namespaces && !out.full; n++) {
    // An even share of what is left, so the last namespaces are not empty.
    const budget = Math.ceil((full.total - out.objects.length) / (namespaces - n));
    const nsOut = new Emitter(budget);
    const ns = `${rng.pick(TEAMS)}-${n}`;
    nsOut.add({ apiVersion: 'v1', kind: 'Namespace', metadata: meta(rng, ns, undefined, { labels: { 'kubernetes.io/metadata.name': ns, team: ns.split('-')[0], ...(rng.chance(0.4) ? { 'pod-security.kubernetes.io/enforce': rng.pick(['baseline', 'restricted']) } : {}) } }), spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
    nsOut.add({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(rng, 'default', ns) });
    nsOut.add({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(rng, 'kube-root-ca.crt', ns, { annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc.' } }), data: { 'ca.crt': `-----BEGIN CERTIFICATE-----\n${randomBase64(rng, 800)}\n-----END CERTIFICATE-----\n` } });
    if (rng.chance(0.6)) nsOut.add({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta(rng, 'default-deny', ns), spec: { podSelector: {}, policyTypes: ['Ingress'] } });
    for (let app = 0; !nsOut.full; app++) application(rng, nsOut, ns, app, nodes);
    for (const o of nsOut.objects) out.add(o);
  }
  return out.objects;
}

/** How many objects of each kind (for a benchmark's report). */
export function countKinds(objects: readonly Obj[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of objects) counts[o.kind] = (counts[o.kind] ?? 0) + 1;
  return counts;
}
