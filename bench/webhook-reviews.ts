/**
 * The AdmissionReviews `npm run bench:webhook` sends: Pods and Deployments as the API server
 * passes them to a webhook, with what its own defaulting and the built-in admission plugins have
 * added by then (dnsPolicy, schedulerName, terminationMessagePath, the projected service account
 * token volume, default tolerations, managedFields, and on UPDATE the stored status). Small toy
 * objects would flatter the webhook: parsing and walking a realistic object is part of the cost.
 *
 * The deck follows what `kshield install webhook` registers: every write goes to /validate, and
 * the writes the MutatingWebhookConfiguration also matches (CREATE of pods and Deployments, UPDATE
 * of Deployments; not UPDATE of pods) go to /mutate as well, as the API server calls both.
 */

type Obj = Record<string, any>;

export type Expectation = 'allowed' | 'warned' | 'denied' | 'patched' | 'unchanged';

export interface BenchReview {
  /** Short name for the tables. */
  name: string;
  endpoint: '/validate' | '/mutate';
  uid: string;
  /** What kshield must answer (the floor answers allowed to everything). */
  expect: Expectation;
  body: string;
}

/** What a response body says, in the deck's terms. */
export function answerOf(response: { allowed?: unknown; warnings?: unknown; patch?: unknown } | undefined): Expectation | 'invalid' {
  if (!response || typeof response.allowed !== 'boolean') return 'invalid';
  if (!response.allowed) return 'denied';
  if (typeof response.patch === 'string') return 'patched';
  return Array.isArray(response.warnings) && response.warnings.length > 0 ? 'warned' : 'allowed';
}

export function matches(expect: Expectation, got: Expectation | 'invalid'): boolean {
  // /mutate's 'unchanged' is an allowed answer without a patch, with or without warnings.
  if (expect === 'unchanged') return got === 'allowed' || got === 'warned';
  return expect === got;
}

const NAMESPACE = 'shop';
const CREATED = '2026-11-20T09:14:02Z';

function uid(n: number): string {
  return `5d1c0b6e-7f3a-4c2d-9e10-${n.toString(16).padStart(12, '0')}`;
}

function hardenedContainer(name: string, image: string): Obj {
  return {
    name,
    image,
    imagePullPolicy: 'Always',
    ports: [
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
    ],
    env: [
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'checkout-db', key: 'password' } } },
    ],
    resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '256Mi', 'ephemeral-storage': '1Gi' } },
    readinessProbe: { httpGet: { path: '/ready', port: 'http', scheme: 'HTTP' }, periodSeconds: 5, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
    livenessProbe: { httpGet: { path: '/live', port: 'http', scheme: 'HTTP' }, periodSeconds: 20, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  };
}

/** A pod template's spec with the API server's defaults filled in. */
function podSpec(containers: Obj[], extra: Obj = {}): Obj {
  return {
    serviceAccountName: 'checkout',
    automountServiceAccountToken: false,
    securityContext: { runAsNonRoot: true, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
    containers,
    volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    schedulerName: 'default-scheduler',
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'checkout' } } }],
    ...extra,
  };
}

const LABELS = { 'app.kubernetes.io/name': 'checkout', 'app.kubernetes.io/instance': 'checkout', 'app.kubernetes.io/part-of': 'shop', 'app.kubernetes.io/owner': 'payments', team: 'payments' };

function managedFields(manager: string, operation: 'Apply' | 'Update', fields: Obj): Obj[] {
  return [{ manager, operation, apiVersion: 'apps/v1', time: CREATED, fieldsType: 'FieldsV1', fieldsV1: fields }];
}

/** Field set as server-side apply records it: enough keys to weigh what a real one weighs. */
function fieldsOf(value: unknown, depth = 0): Obj {
  if (depth > 5 || value === null || typeof value !== 'object') return {};
  const out: Obj = {};
  if (Array.isArray(value)) {
    value.forEach((item, i) => (out[`k:{"name":"${(item as Obj)?.name ?? i}"}`] = { '.': {}, ...fieldsOf(item, depth + 1) }));
    return out;
  }
  for (const [k, v] of Object.entries(value)) out[`f:${k}`] = fieldsOf(v, depth + 1);
  return out;
}

function deployment(name: string, spec: Obj, generation = 1): Obj {
  const object: Obj = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: NAMESPACE,
      labels: LABELS,
      annotations: { 'deployment.kubernetes.io/revision': String(generation) },
      generation,
      uid: '0b9f6c1e-3f0a-4b7e-8d53-2a1e6f7c9d10',
      resourceVersion: String(48_210 + generation),
      creationTimestamp: CREATED,
    },
    spec: {
      replicas: 3,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'checkout' } },
      template: { metadata: { labels: LABELS, annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090' } }, spec },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
  };
  object.metadata.managedFields = managedFields('kubectl', 'Apply', fieldsOf({ metadata: { labels: LABELS }, spec: object.spec }));
  return object;
}

function withStatus(d: Obj): Obj {
  return {
    ...d,
    status: {
      observedGeneration: d.metadata.generation,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      conditions: [
        { type: 'Available', status: 'True', lastUpdateTime: CREATED, lastTransitionTime: CREATED, reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
        { type: 'Progressing', status: 'True', lastUpdateTime: CREATED, lastTransitionTime: CREATED, reason: 'NewReplicaSetAvailable', message: 'ReplicaSet "checkout-6d4cf56db6" has successfully progressed.' },
      ],
    },
  };
}

/** A pod of the Deployment as the ReplicaSet controller creates it. */
function replicaSetPod(spec: Obj, suffix: string): Obj {
  const podSpecWithDefaults = {
    ...spec,
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
    priority: 0,
    tolerations: [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ],
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `checkout-6d4cf56db6-${suffix}`,
      generateName: 'checkout-6d4cf56db6-',
      namespace: NAMESPACE,
      labels: { ...LABELS, 'pod-template-hash': '6d4cf56db6' },
      annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'checkout-6d4cf56db6', uid: '7c2a5e0d-91b4-4f6e-a3d8-5b0c1e2f3a4b', controller: true, blockOwnerDeletion: true }],
      managedFields: [{ manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', time: CREATED, fieldsType: 'FieldsV1', fieldsV1: fieldsOf({ metadata: { labels: LABELS }, spec }) }],
    },
    spec: podSpecWithDefaults,
  };
}

function review(object: Obj, options: { uid: string; operation: 'CREATE' | 'UPDATE'; oldObject?: Obj; username: string }): Obj {
  const isPod = object.kind === 'Pod';
  const gvk = isPod ? { group: '', version: 'v1', kind: 'Pod' } : { group: 'apps', version: 'v1', kind: 'Deployment' };
  const resource = isPod ? { group: '', version: 'v1', resource: 'pods' } : { group: 'apps', version: 'v1', resource: 'deployments' };
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: options.uid,
      kind: gvk,
      resource,
      requestKind: gvk,
      requestResource: resource,
      name: object.metadata.name,
      namespace: NAMESPACE,
      operation: options.operation,
      userInfo: { username: options.username, uid: 'a1b2c3d4', groups: options.username.startsWith('system:serviceaccount:') ? ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] : ['developers', 'system:authenticated'] },
      object,
      oldObject: options.oldObject ?? null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: options.operation === 'CREATE' ? 'CreateOptions' : 'UpdateOptions', fieldManager: 'kubectl' },
    },
  };
}

const IMAGE_DEFAULT = 'registry.example.com/shop/checkout:2.14.1';
const IMAGE_NEXT_DEFAULT = 'registry.example.com/shop/checkout:2.15.0';
const USER = 'alice@example.com';
const RS_CONTROLLER = 'system:serviceaccount:kube-system:replicaset-controller';

/**
 * One cycle of the deck; each connection walks it from its own offset. `images` replaces the two
 * images the deck's workloads run (the signed-image scenario names signed images in a registry).
 */
export function benchReviews(images: { current: string; next: string } = { current: IMAGE_DEFAULT, next: IMAGE_NEXT_DEFAULT }): BenchReview[] {
  const IMAGE = images.current;
  const IMAGE_NEXT = images.next;
  const compliant = podSpec([hardenedContainer('checkout', IMAGE)]);
  const compliantNext = podSpec([hardenedContainer('checkout', IMAGE_NEXT)]);

  // Critical: a privileged container (and hostPath of the node's root) is refused.
  const privileged = podSpec([{ ...hardenedContainer('checkout', IMAGE), securityContext: { ...hardenedContainer('x', IMAGE).securityContext, privileged: true, allowPrivilegeEscalation: true } }], {
    volumes: [
      { name: 'tmp', emptyDir: {} },
      { name: 'host', hostPath: { path: '/', type: '' } },
    ],
  });
  // Medium only: may run as root, no readiness probe, no memory limit: admitted with warnings.
  const lax = (image: string): Obj => {
    const c = hardenedContainer('checkout', image);
    delete c.readinessProbe;
    delete c.securityContext.runAsNonRoot;
    c.resources = { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1' } };
    const spec = podSpec([c]);
    delete spec.securityContext.runAsNonRoot;
    return spec;
  };
  // What `kubectl run` makes: no security context at all, medium findings only.
  const bare = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'debug-shell', namespace: NAMESPACE, labels: { run: 'debug-shell' } },
    spec: {
      containers: [{ name: 'debug-shell', image: 'registry.example.com/tools/netshoot:0.13', imagePullPolicy: 'IfNotPresent', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' }],
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      serviceAccountName: 'default',
      securityContext: {},
      terminationGracePeriodSeconds: 30,
      enableServiceLinks: true,
    },
  };
  // kubectl label on a running pod: the old object carries status.
  const runningPod = replicaSetPod(compliant, 'x7k2p');
  const runningPodStatus: Obj = { ...runningPod, status: { phase: 'Running', podIP: '10.244.1.17', hostIP: '10.0.0.12', startTime: CREATED, qosClass: 'Burstable', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: CREATED }], containerStatuses: [{ name: 'checkout', ready: true, restartCount: 0, image: IMAGE, imageID: `${IMAGE.split(':')[0]}@sha256:${'b'.repeat(64)}`, containerID: `containerd://${'c'.repeat(64)}`, started: true, state: { running: { startedAt: CREATED } } }] } };
  const relabelled = { ...runningPodStatus, metadata: { ...runningPodStatus.metadata, labels: { ...runningPodStatus.metadata.labels, canary: 'true' } } };

  const laxDeployment = withStatus(deployment('checkout', lax(IMAGE)));
  const items: { name: string; object: Obj; operation: 'CREATE' | 'UPDATE'; oldObject?: Obj; username: string; validate: Expectation; mutate?: Expectation; weight: number }[] = [
    // Pods the ReplicaSet controller creates during rollouts: the most frequent writes.
    { name: 'Pod CREATE by replicaset-controller', object: replicaSetPod(compliant, 'b8m4q'), operation: 'CREATE', username: RS_CONTROLLER, validate: 'allowed', mutate: 'unchanged', weight: 4 },
    { name: 'Pod CREATE by replicaset-controller, lax template', object: replicaSetPod(lax(IMAGE), 'q9w3z'), operation: 'CREATE', username: RS_CONTROLLER, validate: 'warned', mutate: 'unchanged', weight: 2 },
    { name: 'Pod UPDATE (label added)', object: relabelled, oldObject: runningPodStatus, operation: 'UPDATE', username: USER, validate: 'allowed', weight: 1 },
    { name: 'Pod CREATE, kubectl run', object: bare, operation: 'CREATE', username: USER, validate: 'warned', mutate: 'patched', weight: 1 },
    { name: 'Deployment CREATE compliant', object: deployment('checkout', compliant), operation: 'CREATE', username: USER, validate: 'allowed', mutate: 'unchanged', weight: 2 },
    { name: 'Deployment CREATE privileged', object: deployment('checkout', privileged), operation: 'CREATE', username: USER, validate: 'denied', mutate: 'unchanged', weight: 1 },
    { name: 'Deployment CREATE lax', object: deployment('checkout', lax(IMAGE)), operation: 'CREATE', username: USER, validate: 'warned', mutate: 'patched', weight: 1 },
    { name: 'Deployment UPDATE image', object: deployment('checkout', compliantNext, 2), oldObject: withStatus(deployment('checkout', compliant)), operation: 'UPDATE', username: USER, validate: 'allowed', mutate: 'unchanged', weight: 2 },
    { name: 'Deployment UPDATE lax, old findings', object: deployment('checkout', lax(IMAGE_NEXT), 2), oldObject: laxDeployment, operation: 'UPDATE', username: USER, validate: 'warned', mutate: 'patched', weight: 1 },
    { name: 'Deployment UPDATE to privileged', object: deployment('checkout', privileged, 2), oldObject: withStatus(deployment('checkout', compliant)), operation: 'UPDATE', username: USER, validate: 'denied', mutate: 'unchanged', weight: 1 },
  ];

  const out: BenchReview[] = [];
  let n = 0;
  for (const item of items) {
    for (let copy = 0; copy < item.weight; copy++) {
      const send = (endpoint: BenchReview['endpoint'], expect: Expectation): void => {
        const id = uid(++n);
        out.push({ name: item.name, endpoint, uid: id, expect, body: JSON.stringify(review(item.object, { uid: id, operation: item.operation, oldObject: item.oldObject, username: item.username })) });
      };
      // The API server calls the mutating webhooks first, then the validating ones.
      if (item.mutate) send('/mutate', item.mutate);
      send('/validate', item.validate);
    }
  }
  return out;
}
