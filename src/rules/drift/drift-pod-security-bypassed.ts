import type { Resource, Violation } from '../../core/types.js';
import type { RuleContext } from '../../engine/rule.js';
import { asObject, stringMap } from '../../core/values.js';
import { parsePssVersion, pssName, effectivePssMinor } from '../../k8s/pss.js';
import { defineRule } from '../define.js';
import { privilegedContainer } from '../pod-security/privileged-container.js';
import { hostNetwork } from '../pod-security/host-network.js';
import { hostPid } from '../pod-security/host-pid.js';
import { hostIpc } from '../pod-security/host-ipc.js';
import { CLUSTER_INFO_EXAMPLE, CLUSTER_INFO_KIND, clusterInfo, serverVersionOf } from '../cluster/shared.js';
import { DRIFT_TAGS, changeOf, embedded, isLiveObject, objectChangeExample } from './shared.js';

const PSA_DOC = 'https://kubernetes.io/docs/concepts/security/pod-security-admission/';
const PSA_EXEMPTIONS = 'https://kubernetes.io/docs/concepts/security/pod-security-admission/#exemptions';

const ENFORCE = 'pod-security.kubernetes.io/enforce';
const ENFORCE_VERSION = 'pod-security.kubernetes.io/enforce-version';
/** Pod Security Admission exists from Kubernetes 1.23 (beta, on by default; alpha behind a gate in 1.22). */
const PSA_SINCE_MINOR = 23;

/**
 * The Baseline controls this rule watches: privileged containers and host namespaces. Baseline
 * forbids them at every policy version (v1.0 on) and Restricted includes Baseline, so any enforce
 * level other than privileged refuses a pod that has them, whatever the enforce-version label says.
 * The pod-security rules' own checks find them, so the fields are the ones they report.
 */
const CONTROLS = [privilegedContainer, hostNetwork, hostPid, hostIpc];

interface Enforcement {
  level: 'baseline' | 'restricted';
  /** As the label says (or latest), for messages. */
  version: string;
}

/** What a namespace's enforce label makes Pod Security Admission refuse, read as the admission controller reads it. */
function enforcementOf(namespace: Resource | undefined, context: RuleContext): Enforcement | undefined {
  if (!namespace) return undefined;
  const labels = stringMap(asObject(namespace.object.metadata)?.labels);
  const level = labels[ENFORCE];
  if (level === undefined || level === 'privileged') return undefined;
  const versionLabel = labels[ENFORCE_VERSION];
  const spec = versionLabel === undefined ? 'latest' : (parsePssVersion(versionLabel) ?? 'latest');
  const version = spec === 'latest' ? `latest (${pssName(effectivePssMinor('latest', context.settings.pssClusterMinor))})` : pssName(effectivePssMinor(spec, context.settings.pssClusterMinor));
  // An enforce level that is not a level at all is evaluated as restricted.
  return { level: level === 'baseline' ? 'baseline' : 'restricted', version };
}

/** The privileged and host-namespace fields of a pod, as the pod-security rules report them. */
function forbiddenFields(pod: Resource, context: RuleContext): Violation[] {
  return CONTROLS.flatMap((rule) => rule.check(pod, context));
}

function whyAdmitted(context: RuleContext, observedCreate: boolean): string {
  const server = serverVersionOf(clusterInfo(context));
  if (server && server.major === 1 && server.minor < PSA_SINCE_MINOR) return `Pod Security Admission does not exist on Kubernetes ${server.text}: the label enforces nothing`;
  const exempt = 'admitted as exempt (a user, runtime class or namespace exempted in the AdmissionConfiguration)';
  return observedCreate ? `it was ${exempt}, or Pod Security Admission is off` : `it was created before the label was set, ${exempt}, or Pod Security Admission is off`;
}

export const driftPodSecurityBypassed = defineRule({
  id: 'drift-pod-security-bypassed',
  title: 'Privileged or host-namespace pod in a namespace whose Pod Security level forbids it',
  severity: 'high',
  category: 'drift',
  tags: [...DRIFT_TAGS, 'pss', 'pod-security'],
  description:
    `A pod runs privileged containers or shares the node's network, process or IPC namespace in a namespace whose \`${ENFORCE}\` ` +
    'label is baseline or restricted (a value that is not a level counts as restricted, as Pod Security Admission reads it). ' +
    'The Baseline profile forbids these at every policy version, so whatever the `enforce-version` label pins, Pod Security ' +
    'Admission would have refused the pod: it got in because it was exempt (a user, runtime class or namespace exempted in the ' +
    'AdmissionConfiguration), because Pod Security Admission is off (or the cluster is older than 1.23), or because it was ' +
    'created before the label was set (labelling a namespace only warns about running pods). The fields are found by the ' +
    'pod-security rules\' own checks (privileged-container, host-network, host-pid, host-ipc), which also report each field ' +
    'on its own; this rule reports the bypass, once per pod. A pod created while the label was in force (an ObjectChange ' +
    'Added, or a Modified one whose new ephemeral container is privileged, as `kshield watch` sees them) is high: admission ' +
    'was bypassed just now. A running pod found in such a namespace is medium: it may predate the label.',
  remediation:
    'Find out how the pod was admitted (the API server audit log shows pod-security.kubernetes.io/exempt annotations) and remove ' +
    'the exemption or the pod; if the pod predates the label, move the workload to a namespace whose level allows it, or fix its spec.',
  references: [PSA_DOC, PSA_EXEMPTIONS],
  frameworks: { mitre: ['T1610', 'T1611'] },
  appliesTo: ['Pod', 'ObjectChange'],
  reads: ['Namespace', CLUSTER_INFO_KIND],
  check(resource, context) {
    let pod: Resource | undefined = resource;
    let observed = false;
    let newOnly: ((v: Violation) => boolean) | undefined;
    const change = changeOf(resource);
    if (resource.kind === 'ObjectChange') {
      if (!change || change.target.kind !== 'Pod' || change.target.apiVersion !== 'v1' || change.type === 'Deleted') return [];
      pod = embedded(resource, change, 'after');
      observed = true;
      if (change.type === 'Modified') {
        // Only what the update brought: an ephemeral container, the one pod field an update can add.
        const before = embedded(resource, change, 'before');
        const had = new Set(before ? forbiddenFields(before, context).map((v) => v.path) : []);
        newOnly = (v) => !had.has(v.path);
      }
    } else if (resource.apiVersion !== 'v1' || !isLiveObject(resource.object)) return [];
    if (!pod || !pod.namespace) return [];
    const enforcement = enforcementOf(context.resources.find('Namespace', undefined, pod.namespace), context);
    if (!enforcement) return [];
    let fields = forbiddenFields(pod, context);
    if (newOnly) fields = fields.filter(newOnly);
    if (fields.length === 0) return [];
    const prefix = observed ? `/change/after` : '';
    const what = fields.map((v) => v.message).join('; ');
    return [
      {
        path: prefix + fields[0].path,
        severity: observed ? 'high' : 'medium',
        message:
          `pod ${pod.namespace}/${pod.name} ${observed ? (change?.type === 'Added' ? 'was created' : 'was changed') : 'runs'} in namespace ${pod.namespace}, ` +
          `which enforces ${enforcement.level} at ${enforcement.version} (label ${ENFORCE}), forbidding it: ${what}. ${whyAdmitted(context, observed)}`,
        cause: '#pod-security-bypassed',
      },
    ];
  },
  examples: {
    valid: [
      `apiVersion: v1
kind: Namespace
metadata:
  name: monitoring
  labels: {pod-security.kubernetes.io/enforce: privileged}
---
apiVersion: v1
kind: Pod
metadata: {name: node-exporter-x2k9p, namespace: monitoring, uid: 1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f}
spec:
  hostNetwork: true
  hostPID: true
  containers:
  - {name: node-exporter, image: "quay.io/prometheus/node-exporter:v1.8.2"}`,
      `apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {pod-security.kubernetes.io/enforce: baseline}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, uid: 2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a}
spec:
  containers:
  - {name: web, image: "registry.example.com/shop/web:1.4.2", securityContext: {privileged: false}}`,
      // A manifest (no uid, no creationTimestamp): Pod Security Admission will judge it when it is applied.
      `apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {pod-security.kubernetes.io/enforce: baseline}
---
apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: shop}
spec:
  containers:
  - {name: debug, image: "busybox:1.36", securityContext: {privileged: true}}`,
    ],
    invalid: [
      {
        manifest: `apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {pod-security.kubernetes.io/enforce: restricted, pod-security.kubernetes.io/enforce-version: v1.29}
---
apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: shop, uid: 0b7e5c1a-3f8d-4e2a-9c6b-5d4e3f2a1b0c}
spec:
  hostNetwork: true
  containers:
  - name: debug
    image: busybox:1.36
    securityContext: {privileged: true}`,
        expect: [{ path: '/spec/containers/0/securityContext/privileged', message: 'which enforces restricted at Pod Security Standards v1.29' }],
      },
      {
        manifest: `${CLUSTER_INFO_EXAMPLE('v1.20.2')}
---
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {pod-security.kubernetes.io/enforce: baseline}
---
${objectChangeExample('Added', { apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'miner' }, {
  after: `
    apiVersion: v1
    kind: Pod
    metadata: {name: miner, namespace: shop}
    spec:
      hostPID: true
      containers:
      - {name: miner, image: "docker.io/library/alpine:3.20"}`,
})}`,
        expect: [{ path: '/change/after/spec/hostPID', message: 'Pod Security Admission does not exist on Kubernetes v1.20.2' }],
      },
    ],
  },
});
