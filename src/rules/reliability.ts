/**
 * Reliability checks users expect from a linter: probes, replicas, disruption budgets, autoscalers,
 * rollout strategies, spreading, Jobs and CronJobs, and the references between objects (selectors,
 * Services, Ingresses, NetworkPolicies, autoscaler targets).
 *
 * Cross-object rules read `context.resources` through a per-run index (kind+namespace, pod labels,
 * autoscaler targets), never by comparing every object with every other one.
 *
 * Namespaces: an object without metadata.namespace lands wherever it is applied, usually together
 * with the objects around it. Two objects are therefore "in the same namespace" when their namespaces
 * are equal or when either one is unset. This errs towards finding a partner (fewer false "dangling"
 * reports) at the price of missing a few real ones in mixed manifests.
 *
 * Dangling-reference rules (a Service, Ingress, NetworkPolicy or autoscaler pointing at nothing) only
 * report when the scanned set holds candidates in that namespace at all: scanning one Service file on
 * its own says nothing about the pods it selects.
 */
import type { Rule, RuleContext, RuleExamples } from '../engine/rule.js';
import type { JsonObject, Resource, Severity, Violation } from '../core/types.js';
import { containers, isWorkloadKind, podSpecs, type ContainerView, type PodSpecView } from '../k8s/pods.js';
import { asArray, fieldAt, isObject, asNumber, asObject, asString, stringMap } from '../core/values.js';
import { formatMapSelector, formatSelector, isEmptySelector, labelKeyProblem, labelsOf, mapSelectorMatches, matchesParsed, parseLabelSelector, type Labels, type ParsedSelector } from '../k8s/labels.js';
import type { ResourceSet } from '../k8s/resource-set.js';
import { defineRule, describeContainer } from './define.js';
import { ScopedCache } from '../core/scoped-cache.js';
import { dns1123LabelProblem, isValidPortName, portNameProblem, portNumberProblem, portNumOrNameProblem, protocolProblem } from '../k8s/api-validation.js';
import { CUSTOM_RESOURCES } from '../engine/rule.js';
import { customResourceLabel, expandOperatorResources, operatorLabelHint, operatorTable, type OperatorWorkload } from '../analysis/operator-workloads.js';
import { controllerPodLabels, mapSelectsSomePod, matchPods, operatorControllerPodLabels, type PodLabelModel, type PodMatch } from '../k8s/controller-labels.js';

const PROBES_DOC = 'https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/';
const PROBE_CONCEPT = 'https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/';
const DEPLOYMENT_DOC = 'https://kubernetes.io/docs/concepts/workloads/controllers/deployment/';
const STATEFULSET_DOC = 'https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/';
const HPA_DOC = 'https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/';
const PDB_DOC = 'https://kubernetes.io/docs/concepts/workloads/pods/disruptions/';
const PDB_TASK = 'https://kubernetes.io/docs/tasks/run-application/configure-pdb/';
const SPREAD_DOC = 'https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/';
const AFFINITY_DOC = 'https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity';
const PRIORITY_DOC = 'https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/';
const CRONJOB_DOC = 'https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/';
const JOB_DOC = 'https://kubernetes.io/docs/concepts/workloads/controllers/job/';
const TTL_DOC = 'https://kubernetes.io/docs/concepts/workloads/controllers/ttlafterfinished/';
const SERVICE_DOC = 'https://kubernetes.io/docs/concepts/services-networking/service/';
const INGRESS_DOC = 'https://kubernetes.io/docs/concepts/services-networking/ingress/';
const NETPOL_DOC = 'https://kubernetes.io/docs/concepts/services-networking/network-policies/';
const LABELS_DOC = 'https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors';
const POD_LIFECYCLE_DOC = 'https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#restart-policy';

// ---------------------------------------------------------------------------------------------
// Shared helpers

/** Controllers that keep pods running; probes and spreading matter for them. */
const LONG_RUNNING = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController'];
/** Controllers with spec.replicas. */
const REPLICATED = ['Deployment', 'StatefulSet'];
const SCALABLE = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController']);

/** A Pod restarted by the kubelet (restartPolicy Always, the default) is long-running; others are one-off tasks. */
function isLongRunning(resource: Resource): boolean {
  if (LONG_RUNNING.includes(resource.kind)) return true;
  if (resource.kind !== 'Pod') return false;
  const policy = fieldAt(resource.object, 'spec', 'restartPolicy');
  return policy === undefined || policy === 'Always';
}

function spec(resource: Resource): JsonObject | undefined {
  return asObject(resource.object.spec);
}

/** spec.replicas with its default of 1; undefined when it is not a number (templated, malformed). */
function replicasOf(resource: Resource): number | undefined {
  const s = spec(resource);
  if (!s) return undefined;
  if (s.replicas === undefined || s.replicas === null) return 1;
  return asNumber(s.replicas);
}

function replicasPath(resource: Resource): string {
  const s = spec(resource);
  if (!s) return '';
  return s.replicas !== undefined ? '/spec/replicas' : '/spec';
}

function templateLabels(resource: Resource): Record<string, string> {
  const pod = podSpecs(resource)[0];
  return pod ? labelsOf(pod.metadata) : {};
}

function nsOf(resource: Resource): string {
  return resource.namespace ?? '';
}

function nsPhrase(resource: Resource): string {
  return resource.namespace ? `namespace "${resource.namespace}"` : 'the scanned manifests';
}

interface PodOwner {
  /** The object holding the pod template; for an operator's workload, the custom resource it is made from. */
  resource: Resource;
  /** The labels its pods carry: the template's and those its controller adds (controller-labels.ts). */
  pods: PodLabelModel;
  /** Set for a workload an operator makes from a custom resource (its pod spec is not known). */
  operator?: OperatorWorkload;
}

interface RunIndex {
  byKindNs: Map<string, Resource[]>;
  /** `kind \0 ns \0 name` (and `kind \0 \u0001 \0 name` across namespaces) -> the first such object. */
  byName: Map<string, Resource>;
  ownersByNs: Map<string, PodOwner[]>;
  owners: PodOwner[];
  /** `ns \0 key \0 value` (and `\u0001 \0 key \0 value` across namespaces) -> pod owners carrying that label. */
  ownersByLabel: Map<string, PodOwner[]>;
  /** `ns \0 key` (and across namespaces) -> pod owners whose controller adds that label with a value the manifest does not hold. */
  ownersByAddedKey: Map<string, PodOwner[]>;
  /** `ns \0 kind \0 name` (and `\u0001 ...` across namespaces) -> autoscalers targeting it. */
  hpaByTarget: Map<string, Resource[]>;
  /** ns -> custom resources of kinds kshield does not model, that may make pods (only for rules reading custom resources). */
  unmodelledByNs: Map<string, Resource[]>;
}

const ANY_NS = '\u0001';
const indexes = new ScopedCache<ResourceSet, RunIndex>();

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function runIndex(context: RuleContext): RunIndex {
  const set = context.resources;
  const cached = indexes.get(set);
  if (cached) return cached;
  const index: RunIndex = { byKindNs: new Map(), byName: new Map(), ownersByNs: new Map(), owners: [], ownersByLabel: new Map(), ownersByAddedKey: new Map(), hpaByTarget: new Map(), unmodelledByNs: new Map() };
  const addOwner = (owner: PodOwner, ns: string): void => {
    index.owners.push(owner);
    push(index.ownersByNs, ns, owner);
    for (const [k, v] of Object.entries(owner.pods.fixed)) {
      push(index.ownersByLabel, `${ns}\u0000${k}\u0000${v}`, owner);
      push(index.ownersByLabel, `${ANY_NS}\u0000${k}\u0000${v}`, owner);
    }
    for (const k of owner.pods.added.keys()) {
      push(index.ownersByAddedKey, `${ns}\u0000${k}`, owner);
      push(index.ownersByAddedKey, `${ANY_NS}\u0000${k}`, owner);
    }
  };
  const version = context.settings.kubernetesVersion;
  // Autoscalers first: a StatefulSet an autoscaler scales may have any number of pods (and ordinals).
  const pending: { resource: Resource; template: Labels; ns: string }[] = [];
  for (const r of set.all) {
    const ns = nsOf(r);
    push(index.byKindNs, `${r.kind}\u0000${ns}`, r);
    for (const key of [`${r.kind}\u0000${ns}\u0000${r.name}`, `${r.kind}\u0000${ANY_NS}\u0000${r.name}`]) if (!index.byName.has(key)) index.byName.set(key, r);
    if (r.kind === 'HorizontalPodAutoscaler') {
      const ref = asObject(fieldAt(r.object, 'spec', 'scaleTargetRef'));
      const kind = asString(ref?.kind);
      const name = asString(ref?.name);
      if (kind && name) {
        push(index.hpaByTarget, `${ns}\u0000${kind}\u0000${name}`, r);
        push(index.hpaByTarget, `${ANY_NS}\u0000${kind}\u0000${name}`, r);
      }
    }
  }
  // Custom resources an operator makes pods from stand for those pods (see operator-workloads.ts);
  // a rule sees them only when it reads custom resources (or when one holds a pod spec by shape).
  const operators = expandOperatorResources(set.all, operatorTable(context.settings.operatorWorkloads));
  for (const w of operators.workloads) {
    const pods = operatorControllerPodLabels(w.kind, w.name, w.podLabels, w.replicas, { kubernetesVersion: version });
    addOwner({ resource: w.source, pods, operator: w }, nsOf(w.source));
  }
  for (const r of operators.unmodelled) push(index.unmodelledByNs, nsOf(r), r);
  for (const r of set.all) {
    const pods = operators.handled.has(r) ? [] : podSpecs(r);
    if (pods.length > 0) pending.push({ resource: r, template: labelsOf(pods[0].metadata), ns: nsOf(r) });
  }
  for (const { resource, template, ns } of pending) {
    const autoscaled = hpaTargets(index, resource).length > 0;
    addOwner({ resource, pods: controllerPodLabels(resource, template, { autoscaled, kubernetesVersion: version }) }, ns);
  }
  indexes.set(set, index);
  return index;
}

function hpaTargets(idx: RunIndex, resource: Resource): Resource[] {
  const ns = nsOf(resource);
  const suffix = `\u0000${resource.kind}\u0000${resource.name}`;
  if (ns === '') return idx.hpaByTarget.get(`${ANY_NS}${suffix}`) ?? [];
  return [...(idx.hpaByTarget.get(`${ns}${suffix}`) ?? []), ...(idx.hpaByTarget.get(suffix) ?? [])];
}

/** The labels the pods of a workload object carry (template and controller-added), for rules judging that object. */
function podLabelsOf(context: RuleContext, resource: Resource): PodLabelModel {
  const idx = runIndex(context);
  return controllerPodLabels(resource, templateLabels(resource), { autoscaled: hpaTargets(idx, resource).length > 0, kubernetesVersion: context.settings.kubernetesVersion });
}

/** Values of a namespace-keyed map visible from namespace `ns` (see the namespace note at the top). */
function scoped<T>(map: Map<string, T[]>, ns: string, prefix: string, suffix: string, everywhere: () => readonly T[]): T[] {
  if (ns === '') return [...everywhere()];
  return [...(map.get(`${prefix}${ns}${suffix}`) ?? []), ...(map.get(`${prefix}${suffix}`) ?? [])];
}

function objectsOf(context: RuleContext, kind: string, ns: string): Resource[] {
  const idx = runIndex(context);
  return scoped(idx.byKindNs, ns, `${kind}\u0000`, '', () => context.resources.ofKind(kind));
}

/** The first object of `kind` named `name` visible from `ns`, as objectsOf(...).find(name) would give, without building the list. */
function findVisible(context: RuleContext, kind: string, ns: string, name: string): Resource | undefined {
  const idx = runIndex(context);
  if (ns === '') return idx.byName.get(`${kind}\u0000${ANY_NS}\u0000${name}`);
  return idx.byName.get(`${kind}\u0000${ns}\u0000${name}`) ?? idx.byName.get(`${kind}\u0000\u0000${name}`);
}

/** Whether objectsOf(context, kind, ns) would be non-empty. */
function anyVisible(context: RuleContext, kind: string, ns: string): boolean {
  const idx = runIndex(context);
  if (ns === '') return context.resources.ofKind(kind).length > 0;
  return idx.byKindNs.has(`${kind}\u0000${ns}`) || idx.byKindNs.has(`${kind}\u0000`);
}

function podOwnersIn(context: RuleContext, ns: string): PodOwner[] {
  const idx = runIndex(context);
  return scoped(idx.ownersByNs, ns, '', '', () => idx.owners);
}

/**
 * Pod owners visible from `ns` whose pods may carry label k=v: those with it in their template, and
 * those whose controller adds label k with a value the manifest does not hold (a hash, an ordinal).
 * Narrows selector matching to plausible candidates; callers still match the whole selector.
 */
function podOwnersWithLabel(context: RuleContext, ns: string, key: string, value: string): PodOwner[] {
  const idx = runIndex(context);
  const suffix = `\u0000${key}\u0000${value}`;
  const keySuffix = `\u0000${key}`;
  if (ns === '') return [...(idx.ownersByLabel.get(`${ANY_NS}${suffix}`) ?? []), ...(idx.ownersByAddedKey.get(`${ANY_NS}${keySuffix}`) ?? [])];
  return [
    ...(idx.ownersByLabel.get(`${ns}${suffix}`) ?? []),
    ...(idx.ownersByLabel.get(suffix) ?? []),
    ...(idx.ownersByAddedKey.get(`${ns}${keySuffix}`) ?? []),
    ...(idx.ownersByAddedKey.get(keySuffix) ?? []),
  ];
}

/**
 * Workloads whose pod template carries every label of an equality selector (Service.spec.selector),
 * in the namespace of `from`; `candidates` counts the workloads there, so callers can stay quiet
 * when the scanned set holds none. Shared with the exposure rules.
 */
export function podOwnersMatchingMap(context: RuleContext, from: Resource, selector: Labels): { owners: Resource[]; candidates: number } {
  const ns = nsOf(from);
  const candidates = podOwnersIn(context, ns).length;
  const entries = Object.entries(selector);
  if (entries.length === 0 || candidates === 0) return { owners: [], candidates };
  const [k, v] = entries[0];
  // Operators' workloads have no pod spec to judge container ports by: they are left out here.
  const owners = podOwnersWithLabel(context, ns, k, v).filter((o) => !o.operator && o.resource !== from && mapSelectsSomePod(selector, o.pods));
  return { owners: [...new Set(owners.map((o) => o.resource))], candidates };
}

/**
 * Why pods a selector matches may exist although no workload in the input has them, or undefined.
 * An operator may create them: the namespace holds custom resources of kinds kshield does not model
 * (and that are not known to make no pods), or the selector requires a label operators put on the
 * pods they make (operatorLabelHint). Custom resources without a namespace count only for selectors
 * without one: a cluster-scoped custom resource says nothing about one namespace's pods.
 */
function operatorMayCreate(context: RuleContext, from: Resource, requirements: readonly { key: string; operator: string; values: readonly string[] }[]): string | undefined {
  const idx = runIndex(context);
  const ns = nsOf(from);
  const unmodelled = ns === '' ? [...idx.unmodelledByNs.values()].flat() : (idx.unmodelledByNs.get(ns) ?? []);
  if (unmodelled.length > 0) {
    const names = unmodelled.slice(0, 3).map(customResourceLabel);
    const more = unmodelled.length > 3 ? ` and ${unmodelled.length - 3} more` : '';
    return `${nsPhrase(from)} holds custom resources kshield does not know to make pods (${names.join(', ')}${more})`;
  }
  return operatorLabelHint(requirements);
}

function autoscalersOf(context: RuleContext, resource: Resource): Resource[] {
  return hpaTargets(runIndex(context), resource);
}

/** Pod owners (in the namespace of `from`) a set-based selector selects some pods of, with how it meets them. */
function ownersSelectedBy(context: RuleContext, from: Resource, rawSelector: unknown, absent: 'nothing' | 'everything'): { owners: PodOwner[]; matches: PodMatch[]; candidates: number } {
  const ns = nsOf(from);
  const all = podOwnersIn(context, ns);
  const parsed = parseLabelSelector(rawSelector);
  if (parsed.kind === 'null') return absent === 'everything' ? { owners: all, matches: all.map(() => ({ kind: 'all' })), candidates: all.length } : { owners: [], matches: [], candidates: all.length };
  if (parsed.kind === 'invalid') return { owners: [], matches: [], candidates: all.length };
  const pair = parsed.selector.requirements.find((r) => r.operator === 'In' && r.values.length === 1);
  const pool = pair ? [...new Set(podOwnersWithLabel(context, ns, pair.key, pair.values[0]))] : all;
  const owners: PodOwner[] = [];
  const matches: PodMatch[] = [];
  for (const o of pool) {
    if (o.resource === from) continue;
    const m = matchPods(parsed.selector.requirements, o.pods);
    if (m.kind === 'none') continue;
    owners.push(o);
    matches.push(m);
  }
  return { owners, matches, candidates: all.length };
}

interface SelectorHolder {
  resource: Resource;
  parsed: ParsedSelector;
}

interface HolderIndex {
  /** `ns \0 key \0 value` (and across namespaces) -> holders whose selector requires that label. */
  byPair: Map<string, SelectorHolder[]>;
  /** `ns \0 key` (and across namespaces) -> the holders of byPair, by the key alone. */
  byPairKey: Map<string, SelectorHolder[]>;
  /** ns (and across namespaces) -> holders without a single-valued requirement to index by. */
  rest: Map<string, SelectorHolder[]>;
}

const holderIndexes = new ScopedCache<ResourceSet, Map<string, HolderIndex>>();

/**
 * Objects of `kind` whose label selector (read by `read`) selects `labels` in namespace `ns`. Holders
 * are indexed by one required label each, so a workload only meets the selectors that could match it.
 */
function holdersSelecting(context: RuleContext, kind: string, read: (r: Resource) => unknown, ns: string, pods: PodLabelModel): Resource[] {
  let perKind = holderIndexes.get(context.resources);
  if (!perKind) holderIndexes.set(context.resources, (perKind = new Map()));
  let index = perKind.get(kind);
  if (!index) {
    index = { byPair: new Map(), byPairKey: new Map(), rest: new Map() };
    for (const r of context.resources.ofKind(kind)) {
      const holder: SelectorHolder = { resource: r, parsed: parseLabelSelector(read(r)) };
      if (holder.parsed.kind !== 'selector') continue;
      const pair = holder.parsed.selector.requirements.find((q) => q.operator === 'In' && q.values.length === 1);
      const rns = nsOf(r);
      if (pair) {
        push(index.byPair, `${rns}\u0000${pair.key}\u0000${pair.values[0]}`, holder);
        push(index.byPair, `${ANY_NS}\u0000${pair.key}\u0000${pair.values[0]}`, holder);
        push(index.byPairKey, `${rns}\u0000${pair.key}`, holder);
        push(index.byPairKey, `${ANY_NS}\u0000${pair.key}`, holder);
      } else {
        push(index.rest, rns, holder);
        push(index.rest, ANY_NS, holder);
      }
    }
    perKind.set(kind, index);
  }
  const found = new Set<SelectorHolder>();
  const add = (list: SelectorHolder[] | undefined): void => {
    for (const h of list ?? []) if (h.parsed.kind === 'selector' && matchPods(h.parsed.selector.requirements, pods).kind !== 'none') found.add(h);
  };
  const spaces = ns === '' ? [ANY_NS] : [ns, ''];
  for (const space of spaces) {
    add(index.rest.get(space));
    for (const [k, v] of Object.entries(pods.fixed)) add(index.byPair.get(`${space}\u0000${k}\u0000${v}`));
    // A label the controller adds with a run-time value: holders indexed by any value of that key.
    for (const k of pods.added.keys()) add(index.byPairKey.get(`${space}\u0000${k}`));
  }
  return [...found].map((h) => h.resource);
}

function minReplicasOf(hpa: Resource): number | undefined {
  const v = fieldAt(hpa.object, 'spec', 'minReplicas');
  if (v === undefined || v === null) return 1;
  return asNumber(v);
}

/** An IntOrString percentage ("25%") as a number, or undefined. */
function percent(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)%$/.exec(value.trim());
  return m ? Number(m[1]) : undefined;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value))
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'undefined';
}

const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'] as const;
const PROBE_TIMING = ['initialDelaySeconds', 'periodSeconds', 'timeoutSeconds', 'successThreshold', 'failureThreshold', 'terminationGracePeriodSeconds'];

function probeHandler(probe: JsonObject): string {
  return canonical(Object.fromEntries(PROBE_HANDLERS.filter((h) => probe[h] !== undefined).map((h) => [h, probe[h]])));
}

const PROBE_KINDS = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const PROBE_NAMES: Record<(typeof PROBE_KINDS)[number], string> = { livenessProbe: 'liveness', readinessProbe: 'readiness', startupProbe: 'startup' };

interface ProbePort {
  probe: (typeof PROBE_KINDS)[number];
  path: string;
  port: unknown;
}

function probePorts(c: ContainerView): ProbePort[] {
  const out: ProbePort[] = [];
  for (const probe of PROBE_KINDS) {
    const p = asObject(c.container[probe]);
    if (!p) continue;
    for (const handler of ['httpGet', 'tcpSocket', 'grpc']) {
      const h = asObject(p[handler]);
      if (h && h.port !== undefined && h.port !== null) out.push({ probe, path: `${c.path}/${probe}/${handler}/port`, port: h.port });
    }
  }
  return out;
}

/** Container port numbers declared for TCP (the default protocol). */
function tcpPorts(container: JsonObject): number[] {
  const out: number[] = [];
  for (const p of asArray(container.ports)) {
    if (!isObject(p) || typeof p.containerPort !== 'number') continue;
    if (p.protocol === undefined || p.protocol === null || p.protocol === 'TCP') out.push(p.containerPort);
  }
  return out;
}

/** The protocols a pod declares a port number for, for messages ("UDP", "UDP and SCTP"). */
function otherProtocols(pod: PodSpecView, resource: Resource, port: number): string {
  const found = new Set<string>();
  for (const c of containers(resource)) {
    if (c.pod !== pod) continue;
    for (const p of asArray(c.container.ports)) if (isObject(p) && p.containerPort === port && typeof p.protocol === 'string') found.add(p.protocol);
  }
  return [...found].sort().join(' and ');
}

function declaredPorts(container: JsonObject): { names: Set<string>; numbers: Set<number> } {
  const names = new Set<string>();
  const numbers = new Set<number>();
  for (const p of asArray(container.ports)) {
    if (!isObject(p)) continue;
    if (typeof p.name === 'string') names.add(p.name);
    if (typeof p.containerPort === 'number') numbers.add(p.containerPort);
  }
  return { names, numbers };
}

// ---------------------------------------------------------------------------------------------
// Example manifests

const deployment = (opts: { name?: string; replicas?: number | null; labels?: string; selector?: string; extraSpec?: string; podSpec?: string; container?: string; ns?: string } = {}) => {
  const name = opts.name ?? 'web';
  const labels = opts.labels ?? `{app: ${name}}`;
  const selector = opts.selector ?? `{matchLabels: ${labels}}`;
  const replicas = opts.replicas === null ? '' : `\n  replicas: ${opts.replicas ?? 3}`;
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${opts.ns ?? 'shop'}}
spec:${replicas}
  selector: ${selector}${opts.extraSpec ? '\n' + opts.extraSpec : ''}
  template:
    metadata: {labels: ${labels}}
    spec:${opts.podSpec ? '\n' + opts.podSpec : ''}
      containers:
      - name: ${name}
        image: registry.example.com/${name}:1.4.2${opts.container ? '\n' + opts.container : ''}`;
};

const PROBES = `        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /ready, port: http}}
        livenessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 20}`;

const SPREAD = `      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: kubernetes.io/hostname
        whenUnsatisfiable: ScheduleAnyway
        labelSelector: {matchLabels: {app: web}}`;

const pdb = (spec: string, name = 'web') => `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: ${name}, namespace: shop}
spec:
${spec}`;

const hpa = (target: string, min = 3, max = 10, kind = 'Deployment') => `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: ${target}, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: ${kind}, name: ${target}}
  minReplicas: ${min}
  maxReplicas: ${max}`;

const service = (name: string, selector: string, ports = '[{name: http, port: 80, targetPort: http}]', extra = '') => `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: shop}
spec:${extra ? '\n' + extra : ''}
  selector: ${selector}
  ports: ${ports}`;

const cronjob = (extra: string, restart = 'OnFailure') => `apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: shop}
spec:
  schedule: "0 3 * * *"${extra ? '\n' + extra : ''}
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: ${restart}
          containers: [{name: report, image: registry.example.com/report:2.0.1}]`;

const stream = (...docs: string[]) => docs.join('\n---\n');

/** A Prometheus Operator custom resource: the operator makes StatefulSet prometheus-k8s from it. */
const PROMETHEUS_CR = `apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata: {name: k8s, namespace: shop}
spec:
  replicas: 2
  serviceAccountName: prometheus-k8s`;

/** A custom resource kshield does not know: an operator may make pods from it. */
const KAFKA_CR = `apiVersion: kafka.strimzi.io/v1beta2
kind: Kafka
metadata: {name: events, namespace: shop}
spec: {}`;

// ---------------------------------------------------------------------------------------------


/** Probe and lifecycle handler ports of one container: [where, pointer, value, number only (gRPC)]. */
function handlerPorts(c: ContainerView): { where: string; path: string; port: unknown; numberOnly: boolean }[] {
  const out: { where: string; path: string; port: unknown; numberOnly: boolean }[] = [];
  const visit = (handler: JsonObject | undefined, where: string, path: string, kinds: readonly string[]): void => {
    if (!handler) return;
    for (const kind of kinds) {
      const h = asObject(handler[kind]);
      if (h && 'port' in h) out.push({ where: `${where} ${kind}`, path: `${path}/${kind}/port`, port: h.port, numberOnly: kind === 'grpc' });
    }
  };
  for (const probe of PROBE_KINDS) visit(asObject(c.container[probe]), `${PROBE_NAMES[probe]} probe`, `${c.path}/${probe}`, ['httpGet', 'tcpSocket', 'grpc']);
  const lifecycle = asObject(c.container.lifecycle);
  for (const hook of ['postStart', 'preStop']) visit(asObject(lifecycle?.[hook]), `${hook} hook`, `${c.path}/lifecycle/${hook}`, ['httpGet', 'tcpSocket']);
  return out;
}

/** Containers whose probes and lifecycle hooks the API server validates: regular ones and sidecars (init containers with restartPolicy Always; other init containers may not have them at all). */
function runsHandlers(c: ContainerView): boolean {
  return c.type === 'containers' || (c.type === 'initContainers' && c.container.restartPolicy === 'Always');
}

const serviceAccountRule = defineRule({
  id: 'service-account-not-found',
  title: 'Pod uses a service account that does not exist',
  severity: 'medium',
  category: 'reliability',
  tags: ['service-accounts', 'correctness', 'cross-resource'],
  appliesTo: 'workloads',
  reads: ['ServiceAccount'],
  description:
    'The pod spec names a service account (serviceAccountName, or the deprecated serviceAccount) that is not among the ' +
    'ServiceAccounts of its namespace in the scanned set. The API server refuses to create such pods, so the controller never gets ' +
    'a single pod running. Only reported when the scanned set contains ServiceAccounts in that namespace; "default" is never ' +
    'reported, since every namespace has it.',
  remediation: 'Create the ServiceAccount in the same namespace, fix the name, or scan the ServiceAccount together with the workload.',
  references: ['https://kubernetes.io/docs/concepts/security/service-accounts/', 'https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/'],
  check: (resource, context) => {
    const ns = nsOf(resource);
    if (!anyVisible(context, 'ServiceAccount', ns)) return [];
    const out: Violation[] = [];
    for (const pod of podSpecs(resource)) {
      const field = typeof pod.spec.serviceAccountName === 'string' && pod.spec.serviceAccountName !== '' ? 'serviceAccountName' : 'serviceAccount';
      const name = pod.spec[field];
      if (typeof name !== 'string' || name === '' || name === 'default') continue;
      if (findVisible(context, 'ServiceAccount', ns, name)) continue;
      out.push({ path: `${pod.path}/${field}`, message: `${resource.kind} "${resource.name}" runs as service account "${name}", which is not in ${nsPhrase(resource)}` });
    }
    return out;
  },
  examples: {
    valid: [
      stream(`apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}`, deployment({ podSpec: '      serviceAccountName: web' })),
      deployment({ podSpec: '      serviceAccountName: web' }),
    ],
    invalid: [
      stream(`apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}`, deployment({ podSpec: '      serviceAccountName: webapp' })),
    ],
  },
});

const invalidPortRule = defineRule({
  id: 'invalid-port',
  title: 'Port name, number or protocol the API server rejects',
  severity: 'high',
  category: 'reliability',
  tags: ['ports', 'correctness'],
  appliesTo: 'all',
  description:
    'A port field breaks the API server\'s validation, so the object is rejected. The rules differ by field, as in Kubernetes\' ' +
    'own validation code: container port names, named targetPorts and named probe or lifecycle-hook ports must be IANA service ' +
    'names (at most 15 characters of lowercase letters, digits and single inner dashes, with at least one letter), while Service ' +
    'port names are DNS-1123 labels (up to 63 characters of lowercase letters, digits and dashes, starting and ending with a letter ' +
    'or digit). Port numbers (containerPort, hostPort when set, Service port, numeric targetPort and probe ports) must lie in ' +
    '1-65535; a targetPort of 0 or "" means the Service port. A quoted number ("8080") is a string to the API and is judged as a ' +
    'name, which it is not. Protocols are TCP, UDP or SCTP, in capitals. Container port names must be unique within their ' +
    'container (not across the pod: the API server does not check that); a Service with several ports must name each one, with ' +
    'distinct names and distinct port/protocol pairs; appProtocol must be a qualified name.',
  remediation:
    'Rename the port within the limits of its field (for example "http-metrics" instead of "http_metrics_port" for a container ' +
    'port), write numbers without quotes and between 1 and 65535, use TCP/UDP/SCTP, and give every Service port a unique name.',
  references: [
    'https://kubernetes.io/docs/concepts/services-networking/service/#multi-port-services',
    'https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#ports',
    'https://kubernetes.io/docs/reference/kubernetes-api/service-resources/service-v1/#ServiceSpec',
  ],
  check: (resource) => {
    const out: Violation[] = [];
    if (resource.kind === 'Service') {
      const ports = fieldAt(resource.object, 'spec', 'ports');
      if (!Array.isArray(ports)) return out;
      const names = new Map<string, number>();
      const numbers = new Map<string, number>();
      ports.forEach((p, i) => {
        if (!isObject(p)) return;
        const at = `/spec/ports/${i}`;
        const label = `Service "${resource.name}" port #${i + 1}`;
        if (typeof p.name === 'string' && p.name !== '') {
          const problem = dns1123LabelProblem(p.name);
          if (problem) out.push({ path: `${at}/name`, message: `${label} name "${p.name}" ${problem}` });
          if (names.has(p.name)) out.push({ path: `${at}/name`, message: `${label} reuses the name "${p.name}" of port #${names.get(p.name)! + 1}` });
          else names.set(p.name, i);
        } else if (ports.length > 1) out.push({ path: at, message: `${label} has no name; a Service with several ports must name each one` });
        const portProblem = portNumberProblem(p.port);
        if (portProblem) out.push({ path: p.port === undefined ? at : `${at}/port`, message: `${label} port ${portProblem}` });
        const protocol = protocolProblem(p.protocol);
        if (protocol) out.push({ path: `${at}/protocol`, message: `${label} protocol ${protocol}` });
        else if (!portProblem) {
          const pair = `${typeof p.protocol === 'string' && p.protocol !== '' ? p.protocol : 'TCP'}/${p.port}`;
          if (numbers.has(pair)) out.push({ path: `${at}/port`, message: `${label} repeats ${pair} of port #${numbers.get(pair)! + 1}` });
          else numbers.set(pair, i);
        }
        // Defaulting runs before validation: a targetPort of 0 or "" becomes the port itself.
        if (p.targetPort !== undefined && p.targetPort !== null && p.targetPort !== 0 && p.targetPort !== '') {
          const problem = portNumOrNameProblem(p.targetPort);
          if (problem) out.push({ path: `${at}/targetPort`, message: `${label} targetPort ${problem}` });
        }
        if (typeof p.appProtocol === 'string') {
          const problem = labelKeyProblem(p.appProtocol);
          if (problem) out.push({ path: `${at}/appProtocol`, message: `${label} appProtocol "${p.appProtocol}" ${problem}` });
        }
      });
      return out;
    }
    for (const c of containers(resource)) {
      // Ephemeral containers may not declare ports or probes at all; that is another error.
      if (c.type === 'ephemeralContainers') continue;
      const who = describeContainer(c);
      const names = new Map<string, number>();
      asArray(c.container.ports).forEach((p, i) => {
        if (!isObject(p)) return;
        const at = `${c.path}/ports/${i}`;
        if (typeof p.name === 'string' && p.name !== '') {
          const problem = portNameProblem(p.name);
          if (problem) out.push({ path: `${at}/name`, container: c.name, message: `${who} port name "${p.name}" ${problem}` });
          else if (names.has(p.name)) out.push({ path: `${at}/name`, container: c.name, message: `${who} port name "${p.name}" is already used by its port #${names.get(p.name)! + 1}` });
          else names.set(p.name, i);
        }
        const problem = portNumberProblem(p.containerPort);
        if (problem) out.push({ path: p.containerPort === undefined ? at : `${at}/containerPort`, container: c.name, message: `${who} containerPort ${problem}` });
        if (p.hostPort !== undefined && p.hostPort !== null && p.hostPort !== 0) {
          const hostProblem = portNumberProblem(p.hostPort);
          if (hostProblem) out.push({ path: `${at}/hostPort`, container: c.name, message: `${who} hostPort ${hostProblem}` });
        }
        const protocol = protocolProblem(p.protocol);
        if (protocol) out.push({ path: `${at}/protocol`, container: c.name, message: `${who} port protocol ${protocol}` });
      });
      if (!runsHandlers(c)) continue;
      for (const h of handlerPorts(c)) {
        const problem = h.numberOnly ? portNumberProblem(h.port) : portNumOrNameProblem(h.port);
        if (problem) out.push({ path: h.path, container: c.name, message: `${who} ${h.where} port ${problem}` });
      }
    }
    return out;
  },
  examples: {
    valid: [
      deployment({ container: PROBES }),
      service('web', '{app: web}', '[{name: http, port: 80, targetPort: http}, {name: metrics, port: 9090, targetPort: 9090}]'),
      // Service port names are DNS-1123 labels (63 characters), not IANA names (15).
      service('exporter', '{app: exporter}', '[{name: http-exporter-port, port: 9100, targetPort: metrics}, {name: "9101", port: 9101, targetPort: 0}]'),
    ],
    invalid: [
      deployment({ container: '        ports: [{name: http_metrics_port, containerPort: 9090}]' }),
      deployment({ container: '        ports: [{name: http, containerPort: 8080}, {name: http, containerPort: 70000}]' }),
      deployment({ container: '        ports: [{name: http, containerPort: 8080, protocol: tcp}]' }),
      deployment({ container: '        startupProbe: {tcpSocket: {port: "8080"}}' }),
      service('web', '{app: web}', '[{port: 80, targetPort: http}, {port: 443, targetPort: HTTPS}]'),
      service('web', '{app: web}', '[{name: http, port: 80, targetPort: "8080"}]'),
    ],
  },
});

interface ConfigRef {
  kind: 'Secret' | 'ConfigMap';
  name: string;
  key?: string;
  /** Pointer to the name field (or the nearest parent), and to the key field. */
  namePath: string;
  keyPath?: string;
  where: string;
  container?: string;
}

/** Every non-optional Secret and ConfigMap reference of a pod spec: env, envFrom and volumes. */
function configRefs(resource: Resource): ConfigRef[] {
  const out: ConfigRef[] = [];
  const add = (ref: unknown, kind: 'Secret' | 'ConfigMap', nameField: string, basePath: string, where: string, container?: string, key?: unknown): void => {
    if (!isObject(ref) || ref.optional === true) return;
    const name = ref[nameField];
    if (typeof name !== 'string' || name === '') return;
    out.push({ kind, name, key: typeof key === 'string' ? key : undefined, namePath: `${basePath}/${nameField}`, keyPath: typeof key === 'string' ? `${basePath}/key` : undefined, where, container });
  };
  for (const c of containers(resource)) {
    asArray(c.container.env).forEach((e, i) => {
      const from = asObject(fieldAt(e, 'valueFrom'));
      if (!from) return;
      const variable = `${describeContainer(c)} variable ${JSON.stringify(asString(fieldAt(e, 'name')) ?? `#${i + 1}`)}`;
      const base = `${c.path}/env/${i}/valueFrom`;
      add(from.secretKeyRef, 'Secret', 'name', `${base}/secretKeyRef`, variable, c.name, fieldAt(from.secretKeyRef, 'key'));
      add(from.configMapKeyRef, 'ConfigMap', 'name', `${base}/configMapKeyRef`, variable, c.name, fieldAt(from.configMapKeyRef, 'key'));
    });
    asArray(c.container.envFrom).forEach((e, i) => {
      add(fieldAt(e, 'secretRef'), 'Secret', 'name', `${c.path}/envFrom/${i}/secretRef`, `${describeContainer(c)} envFrom`, c.name);
      add(fieldAt(e, 'configMapRef'), 'ConfigMap', 'name', `${c.path}/envFrom/${i}/configMapRef`, `${describeContainer(c)} envFrom`, c.name);
    });
  }
  for (const pod of podSpecs(resource)) {
    asArray(pod.spec.volumes).forEach((v, i) => {
      if (!isObject(v)) return;
      const where = `volume ${JSON.stringify(asString(v.name) ?? `#${i + 1}`)}`;
      const base = `${pod.path}/volumes/${i}`;
      add(v.secret, 'Secret', 'secretName', `${base}/secret`, where);
      add(v.configMap, 'ConfigMap', 'name', `${base}/configMap`, where);
      asArray(fieldAt(v, 'projected', 'sources')).forEach((src, j) => {
        add(fieldAt(src, 'secret'), 'Secret', 'name', `${base}/projected/sources/${j}/secret`, where);
        add(fieldAt(src, 'configMap'), 'ConfigMap', 'name', `${base}/projected/sources/${j}/configMap`, where);
      });
    });
  }
  return out;
}

/** ConfigMaps the control plane publishes into every namespace (and OpenShift's equivalent). */
const AUTO_CREATED_CONFIGMAPS = new Set(['kube-root-ca.crt', 'openshift-service-ca.crt']);

const dataKeysCache = new ScopedCache<Resource, Set<string>>();

function dataKeys(target: Resource): Set<string> {
  const cached = dataKeysCache.get(target);
  if (cached) return cached;
  const keys = new Set<string>();
  dataKeysCache.set(target, keys);
  for (const field of ['data', 'stringData', 'binaryData']) {
    const d = target.object[field];
    if (isObject(d)) for (const k of Object.keys(d)) keys.add(k);
  }
  return keys;
}

const configReferenceRule = defineRule({
  id: 'config-reference-missing',
  title: 'Pod references a Secret or ConfigMap that is not there',
  severity: 'medium',
  category: 'reliability',
  tags: ['config', 'secrets', 'correctness', 'cross-resource'],
  appliesTo: 'workloads',
  reads: ['Secret', 'ConfigMap'],
  description:
    'An env valueFrom (secretKeyRef, configMapKeyRef), an envFrom or a volume (secret, configMap, projected) refers to a Secret or ' +
    'ConfigMap that is not in the scanned set, or to a key that the referenced object does not hold. Such containers stay in ' +
    'CreateContainerConfigError, and such volumes keep the pod in ContainerCreating. References marked optional: true are skipped. ' +
    'Only reported when the scanned set contains objects of that kind (Secret or ConfigMap) in the namespace: Secrets created by ' +
    'other tools (external-secrets, sealed-secrets, kustomize generators) are otherwise absent from manifests. The kube-root-ca.crt ' +
    'ConfigMap, which the control plane publishes into every namespace, always counts as present.',
  remediation: 'Fix the name or key, add the missing Secret or ConfigMap, or mark the reference optional: true if the workload copes without it.',
  references: ['https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets', 'https://kubernetes.io/docs/concepts/configuration/configmap/#using-configmaps'],
  check: (resource, context) => {
    const refs = configRefs(resource);
    if (refs.length === 0) return [];
    const ns = nsOf(resource);
    const present: Record<string, boolean> = { Secret: anyVisible(context, 'Secret', ns), ConfigMap: anyVisible(context, 'ConfigMap', ns) };
    const out: Violation[] = [];
    for (const ref of refs) {
      if (!present[ref.kind] || (ref.kind === 'ConfigMap' && AUTO_CREATED_CONFIGMAPS.has(ref.name))) continue;
      const target = findVisible(context, ref.kind, ns, ref.name);
      if (!target) {
        out.push({ path: ref.namePath, container: ref.container, message: `${ref.where} uses ${ref.kind} "${ref.name}", which is not in ${nsPhrase(resource)}` });
        continue;
      }
      if (ref.key !== undefined && !dataKeys(target).has(ref.key))
        out.push({ path: ref.keyPath ?? ref.namePath, container: ref.container, message: `${ref.where} uses key "${ref.key}" of ${ref.kind} "${ref.name}", which has no such key` });
    }
    return out;
  },
  examples: {
    valid: [
      stream(
        `apiVersion: v1
kind: ConfigMap
metadata: {name: web-settings, namespace: shop}
data: {LOG_LEVEL: info}`,
        deployment({ container: '        env:\n        - name: LOG_LEVEL\n          valueFrom: {configMapKeyRef: {name: web-settings, key: LOG_LEVEL}}' }),
      ),
      deployment({ container: '        envFrom: [{secretRef: {name: web-credentials}}]' }),
    ],
    invalid: [
      stream(
        `apiVersion: v1
kind: ConfigMap
metadata: {name: web-settings, namespace: shop}
data: {LOG_LEVEL: info}`,
        deployment({ container: '        env:\n        - name: LOG_LEVEL\n          valueFrom: {configMapKeyRef: {name: web-settings, key: log-level}}\n        envFrom: [{configMapRef: {name: web-config}}]' }),
      ),
    ],
  },
});

// ---------------------------------------------------------------------------------------------

/** A rule for long-running containers that lack one kind of probe. */
function probeMissingRule(spec: {
  probe: 'livenessProbe' | 'readinessProbe';
  id: string;
  title: string;
  severity: Severity;
  description: string;
  remediation: string;
  examples: RuleExamples;
}): Rule {
  const what = spec.probe === 'livenessProbe' ? 'liveness' : 'readiness';
  return defineRule({
    id: spec.id,
    title: spec.title,
    severity: spec.severity,
    category: 'reliability',
    tags: ['probes', 'availability'],
    appliesTo: [...LONG_RUNNING, 'Pod'],
    description: spec.description,
    remediation: spec.remediation,
    references: [PROBES_DOC, PROBE_CONCEPT],
    check: (resource) => {
      if (!isLongRunning(resource)) return [];
      return containers(resource)
        .filter((c) => c.type === 'containers' && !isObject(c.container[spec.probe]))
        .map((c) => ({ path: c.path, container: c.name, message: `${describeContainer(c)} has no ${what} probe` }));
    },
    examples: spec.examples,
  });
}

export const reliabilityRules: Rule[] = [
  probeMissingRule({
    probe: 'livenessProbe',
    id: 'liveness-probe-missing',
    title: 'Container without a liveness probe',
    severity: 'low',
    description:
      'A long-running container (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, or a Pod with restartPolicy ' +
      'Always) has no livenessProbe, so a process that hangs without exiting keeps its pod "Running" forever. Jobs, CronJobs, one-off ' +
      'Pods, init containers and ephemeral containers are not checked.',
    remediation: 'Add a livenessProbe that checks the process is alive (a cheap endpoint that does not depend on downstream services), with a generous failureThreshold.',
    examples: {
      valid: [deployment({ container: PROBES }), cronjob('')],
      invalid: [deployment({ container: '        readinessProbe: {tcpSocket: {port: 8080}}' })],
    },
  }),

  probeMissingRule({
    probe: 'readinessProbe',
    id: 'readiness-probe-missing',
    title: 'Container without a readiness probe',
    severity: 'medium',
    description:
      'A long-running container has no readinessProbe, so its pod receives Service traffic as soon as the process starts, before it ' +
      'can answer, and keeps receiving it while it is overloaded; rolling updates also proceed without waiting for new pods to work. ' +
      'Jobs, CronJobs, one-off Pods, init containers and ephemeral containers are not checked.',
    remediation: 'Add a readinessProbe that succeeds only when the container can serve requests.',
    examples: {
      valid: [deployment({ container: PROBES })],
      invalid: [deployment({ container: '        livenessProbe: {tcpSocket: {port: 8080}}' })],
    },
  }),

  defineRule({
    id: 'probes-identical',
    title: 'Liveness and readiness probes are identical',
    severity: 'medium',
    category: 'reliability',
    tags: ['probes', 'availability'],
    appliesTo: 'workloads',
    description:
      'The liveness probe checks exactly what the readiness probe checks (same handler). When the container is slow or its ' +
      'dependencies are down, readiness should take it out of rotation while it recovers; an identical liveness probe restarts it ' +
      'at the same moment, which turns a brief overload into a restart storm.',
    remediation: 'Point the liveness probe at a cheaper check that only verifies the process is alive (a different path, or a TCP check), or give it a much larger failureThreshold than readiness.',
    references: [PROBE_CONCEPT, PROBES_DOC],
    check: (resource) => {
      const out: Violation[] = [];
      for (const c of containers(resource)) {
        const live = asObject(c.container.livenessProbe);
        const ready = asObject(c.container.readinessProbe);
        if (!live || !ready) continue;
        const handler = probeHandler(live);
        if (handler === '{}' || handler !== probeHandler(ready)) continue;
        const sameTiming = PROBE_TIMING.every((k) => canonical(live[k]) === canonical(ready[k]));
        out.push({
          path: `${c.path}/livenessProbe`,
          container: c.name,
          message: `${describeContainer(c)} uses the same check for liveness and readiness${sameTiming ? ' with the same timing' : ''}`,
        });
      }
      return out;
    },
    examples: {
      valid: [deployment({ container: PROBES })],
      invalid: [
        deployment({
          container: `        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /healthz, port: http}}
        livenessProbe: {httpGet: {path: /healthz, port: http}, failureThreshold: 5}`,
        }),
      ],
    },
  }),

  defineRule({
    id: 'probe-named-port-missing',
    title: 'Probe uses a port name the container does not define',
    severity: 'high',
    category: 'reliability',
    tags: ['probes', 'correctness'],
    appliesTo: 'workloads',
    description:
      'A liveness, readiness or startup probe refers to a port by name, but the container has no port with that name. The kubelet ' +
      'resolves named probe ports among the container\'s own ports only, so the probe always fails: a liveness or startup probe ' +
      'restarts the container forever, a readiness probe keeps it out of every Service. Names the API server rejects (a quoted ' +
      'number such as "8080", "http_port", more than 15 characters) are reported by invalid-port instead.',
    remediation: 'Use the name of a port in the container\'s ports list, add the port with that name, or write the port as a number.',
    references: [PROBES_DOC],
    check: (resource) => {
      const out: Violation[] = [];
      for (const c of containers(resource)) {
        const { names } = declaredPorts(c.container);
        for (const p of probePorts(c)) {
          // One cause, one finding: a name the API server rejects is invalid-port's.
          if (!isValidPortName(p.port) || names.has(p.port)) continue;
          out.push({ path: p.path, container: c.name, message: `${describeContainer(c)} ${PROBE_NAMES[p.probe]} probe uses port "${p.port}", but the container defines no port with that name` });
        }
      }
      return out;
    },
    examples: {
      valid: [deployment({ container: PROBES })],
      invalid: [
        deployment({
          container: `        ports: [{name: web, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /ready, port: http}}`,
        }),
      ],
    },
  }),

  defineRule({
    id: 'probe-port-not-declared',
    title: 'Probe targets a port no container declares',
    severity: 'low',
    category: 'reliability',
    tags: ['probes', 'correctness'],
    appliesTo: 'workloads',
    description:
      'A probe targets a numeric port that no container of the pod lists in its ports, although the pod does declare ports. That is ' +
      'usually a typo or a port changed in one place only, and the probe then fails. Pods that declare no ports at all are not ' +
      'checked, since declaring ports is optional. Containers of a pod share one network namespace, so a port any of them declares ' +
      'counts. httpGet, tcpSocket and gRPC probes connect over TCP: a port the pod declares only for UDP or SCTP (by number, or ' +
      'through the port name the probe uses) is reported too.',
    remediation: 'Make the probe port match the port the application listens on, and declare it in the container ports (by name, ideally).',
    references: [PROBES_DOC],
    check: (resource) => {
      const out: Violation[] = [];
      const byPod = new Map<PodSpecView, { all: Set<number>; tcp: Set<number> }>();
      for (const c of containers(resource)) {
        let declared = byPod.get(c.pod);
        if (!declared) {
          declared = { all: new Set(), tcp: new Set() };
          for (const other of containers(resource)) {
            if (other.pod !== c.pod) continue;
            for (const n of declaredPorts(other.container).numbers) declared.all.add(n);
            for (const n of tcpPorts(other.container)) declared.tcp.add(n);
          }
          byPod.set(c.pod, declared);
        }
        if (declared.all.size === 0) continue;
        for (const p of probePorts(c)) {
          const probe = PROBE_NAMES[p.probe];
          if (typeof p.port === 'number') {
            if (declared.tcp.has(p.port)) continue;
            const message = declared.all.has(p.port)
              ? `${describeContainer(c)} ${probe} probe connects over TCP to port ${p.port}, which the pod declares only for ${otherProtocols(c.pod, resource, p.port)}`
              : `${describeContainer(c)} ${probe} probe targets port ${p.port}, which no container of the pod declares (declared: ${[...declared.all].join(', ')})`;
            out.push({ path: p.path, container: c.name, message });
          } else if (typeof p.port === 'string') {
            // The kubelet resolves a probe's port name among the container's own ports, whatever their protocol,
            // then connects over TCP. A missing name is probe-named-port-missing's finding.
            const named = asArray(c.container.ports).find((x) => isObject(x) && x.name === p.port);
            if (!isObject(named) || typeof named.containerPort !== 'number') continue;
            const protocol = typeof named.protocol === 'string' ? named.protocol : 'TCP';
            if (protocol === 'TCP' || declared.tcp.has(named.containerPort)) continue;
            out.push({ path: p.path, container: c.name, message: `${describeContainer(c)} ${probe} probe connects over TCP to port "${p.port}" (${named.containerPort}), which the container declares for ${protocol}` });
          }
        }
      }
      return out;
    },
    examples: {
      valid: [
        deployment({
          container: `        ports: [{containerPort: 8080}]
        livenessProbe: {httpGet: {path: /healthz, port: 8080}}`,
        }),
        deployment({ container: `        livenessProbe: {tcpSocket: {port: 5432}}` }),
      ],
      invalid: [
        deployment({
          container: `        ports: [{containerPort: 8000}]
        livenessProbe: {httpGet: {path: /healthz, port: 8080}}`,
        }),
        deployment({
          container: `        ports: [{name: dns, containerPort: 5353, protocol: UDP}]
        readinessProbe: {tcpSocket: {port: dns}}`,
        }),
      ],
    },
  }),

  defineRule({
    id: 'single-replica',
    title: 'Deployment or StatefulSet runs a single replica',
    severity: 'low',
    category: 'reliability',
    tags: ['replicas', 'availability'],
    appliesTo: REPLICATED,
    reads: ['HorizontalPodAutoscaler'],
    description:
      'spec.replicas is 1 (or unset, which means 1): every rollout, node drain, eviction or crash makes the application unavailable. ' +
      'Objects scaled to 0 on purpose, and objects a HorizontalPodAutoscaler in the scanned set manages, are not reported.',
    remediation: 'Run at least 2 replicas (and add a PodDisruptionBudget), or let a HorizontalPodAutoscaler with minReplicas >= 2 manage the count.',
    references: [DEPLOYMENT_DOC, PDB_DOC],
    check: (resource, context) => {
      const replicas = replicasOf(resource);
      if (replicas !== 1 || autoscalersOf(context, resource).length > 0) return [];
      const how = spec(resource)?.replicas === undefined ? 'sets no replicas (default 1)' : 'runs a single replica';
      return [{ path: replicasPath(resource), message: `${resource.kind} "${resource.name}" ${how}` }];
    },
    examples: {
      valid: [deployment({ replicas: 2 }), deployment({ replicas: 0 }), stream(deployment({ replicas: null }), hpa('web'))],
      invalid: [deployment({ replicas: 1 }), deployment({ replicas: null })],
    },
  }),

  defineRule({
    id: 'minimum-three-replicas',
    title: 'Fewer than three replicas',
    severity: 'info',
    category: 'reliability',
    tags: ['replicas', 'availability'],
    appliesTo: REPLICATED,
    reads: ['HorizontalPodAutoscaler'],
    optIn: true,
    description:
      'Opt-in, stricter companion of single-replica: with 2 replicas, one disruption during a rollout or a zone outage leaves a ' +
      'single pod carrying all traffic. Skips objects scaled to 0 and objects managed by an autoscaler in the scanned set.',
    remediation: 'Run at least 3 replicas, spread over nodes or zones.',
    references: [DEPLOYMENT_DOC],
    check: (resource, context) => {
      const replicas = replicasOf(resource);
      if (replicas === undefined || replicas === 0 || replicas >= 3 || autoscalersOf(context, resource).length > 0) return [];
      return [{ path: replicasPath(resource), message: `${resource.kind} "${resource.name}" runs ${replicas} replica${replicas === 1 ? '' : 's'} (fewer than 3)` }];
    },
    examples: {
      valid: [deployment({ replicas: 3 })],
      invalid: [deployment({ replicas: 2 })],
    },
  }),

  defineRule({
    id: 'replicas-with-hpa',
    title: 'Replica count set on an autoscaled workload',
    severity: 'medium',
    category: 'reliability',
    tags: ['replicas', 'autoscaling', 'cross-resource'],
    appliesTo: [...REPLICATED, 'ReplicaSet'],
    reads: ['HorizontalPodAutoscaler'],
    description:
      'A HorizontalPodAutoscaler in the scanned set manages this object, yet its manifest sets spec.replicas. Every `kubectl apply` ' +
      '(or GitOps sync) resets the replica count to the manifest value, undoing the autoscaler: a scaled-out application is scaled ' +
      'back in during a traffic peak.',
    remediation: 'Remove spec.replicas from the manifest and let the autoscaler own it (set the floor with minReplicas).',
    references: [HPA_DOC + '#migrating-deployments-and-statefulsets-to-horizontal-autoscaling'],
    check: (resource, context) => {
      if (spec(resource)?.replicas === undefined) return [];
      const hpas = autoscalersOf(context, resource);
      if (hpas.length === 0) return [];
      return [{ path: '/spec/replicas', message: `${resource.kind} "${resource.name}" sets spec.replicas although HorizontalPodAutoscaler "${hpas[0].name}" scales it` }];
    },
    examples: {
      valid: [stream(deployment({ replicas: null }), hpa('web')), deployment({ replicas: 3 })],
      invalid: [stream(deployment({ replicas: 3 }), hpa('web'))],
    },
  }),

  defineRule({
    id: 'hpa-min-replicas',
    title: 'Autoscaler may scale down to a single replica',
    severity: 'low',
    category: 'reliability',
    tags: ['autoscaling', 'replicas', 'availability'],
    appliesTo: ['HorizontalPodAutoscaler'],
    description:
      'The HorizontalPodAutoscaler has minReplicas 1 (or unset, which means 1): at low load the workload shrinks to one pod, which ' +
      'any disruption takes down. minReplicas 0 (scale to zero, behind a feature gate) is taken as deliberate.',
    remediation: 'Set spec.minReplicas to 2 or more.',
    references: [HPA_DOC],
    check: (resource) => {
      const min = minReplicasOf(resource);
      if (min === undefined || min === 0 || min >= 2) return [];
      const s = spec(resource);
      const path = s?.minReplicas !== undefined ? '/spec/minReplicas' : s ? '/spec' : '';
      return [{ path, message: `HorizontalPodAutoscaler "${resource.name}" ${s?.minReplicas === undefined ? 'sets no minReplicas (default 1)' : 'has minReplicas 1'}` }];
    },
    examples: {
      valid: [hpa('web', 2, 6)],
      invalid: [hpa('web', 1, 6), hpa('web', 2, 6).replace('  minReplicas: 2\n', '')],
    },
  }),

  defineRule({
    id: 'hpa-minimum-three-replicas',
    title: 'Autoscaler minimum below three replicas',
    severity: 'info',
    category: 'reliability',
    tags: ['autoscaling', 'replicas', 'availability'],
    appliesTo: ['HorizontalPodAutoscaler'],
    optIn: true,
    description: 'Opt-in, stricter companion of hpa-min-replicas: the autoscaler may scale down to fewer than 3 replicas.',
    remediation: 'Set spec.minReplicas to 3 or more.',
    references: [HPA_DOC],
    check: (resource) => {
      const min = minReplicasOf(resource);
      if (min === undefined || min === 0 || min >= 3) return [];
      const s = spec(resource);
      return [{ path: s?.minReplicas !== undefined ? '/spec/minReplicas' : s ? '/spec' : '', message: `HorizontalPodAutoscaler "${resource.name}" may scale down to ${min} replica${min === 1 ? '' : 's'}` }];
    },
    examples: {
      valid: [hpa('web', 3, 6)],
      invalid: [hpa('web', 2, 6)],
    },
  }),

  defineRule({
    id: 'hpa-cannot-scale',
    title: 'Autoscaler maxReplicas does not exceed minReplicas',
    severity: 'medium',
    category: 'reliability',
    tags: ['autoscaling', 'correctness'],
    appliesTo: ['HorizontalPodAutoscaler'],
    description:
      'spec.maxReplicas is missing or not larger than minReplicas. Missing or smaller, the API server rejects the object; equal, the ' +
      'autoscaler exists but can never change the replica count.',
    remediation: 'Set spec.maxReplicas above spec.minReplicas, or remove the autoscaler and set a fixed replica count.',
    references: [HPA_DOC],
    check: (resource) => {
      const s = spec(resource);
      if (!s) return [];
      const min = minReplicasOf(resource);
      const max = s.maxReplicas;
      if (max === undefined || max === null) return [{ path: '/spec', message: `HorizontalPodAutoscaler "${resource.name}" sets no maxReplicas (required)` }];
      if (typeof max !== 'number' || min === undefined) return [];
      if (max < Math.max(min, 1)) return [{ path: '/spec/maxReplicas', message: `HorizontalPodAutoscaler "${resource.name}" has maxReplicas ${max} below minReplicas ${min}: the API server rejects it` }];
      if (max === min) return [{ path: '/spec/maxReplicas', message: `HorizontalPodAutoscaler "${resource.name}" has maxReplicas equal to minReplicas (${max}): it can never scale` }];
      return [];
    },
    examples: {
      valid: [hpa('web', 2, 6)],
      invalid: [hpa('web', 3, 3), hpa('web', 4, 2)],
    },
  }),

  defineRule({
    id: 'dangling-hpa',
    title: 'Autoscaler targets an object that does not exist or cannot scale',
    severity: 'medium',
    category: 'reliability',
    tags: ['autoscaling', 'correctness', 'cross-resource'],
    appliesTo: ['HorizontalPodAutoscaler'],
    reads: ['workloads'],
    description:
      'spec.scaleTargetRef names a kind and name that the scanned set does not contain, or a kind without a scale subresource ' +
      '(DaemonSet, Pod, Job, CronJob). The autoscaler then does nothing. Missing targets are only reported when the scanned set ' +
      'contains workloads or objects of the target kind in that namespace, so that scanning an autoscaler file on its own stays quiet. ' +
      'Targets of a custom kind are judged only when that kind carries a pod template (an Argo Rollout, say).',
    remediation: 'Fix scaleTargetRef (kind, name, apiVersion) so that it names the Deployment or StatefulSet to scale, or scan it together with its target.',
    references: [HPA_DOC],
    check: (resource, context) => {
      const s = spec(resource);
      if (!s) return [];
      const ref = asObject(s.scaleTargetRef);
      if (!ref) return [{ path: '/spec', message: `HorizontalPodAutoscaler "${resource.name}" has no scaleTargetRef` }];
      const kind = asString(ref.kind);
      const name = asString(ref.name);
      if (!kind || !name) return [{ path: '/spec/scaleTargetRef', message: `HorizontalPodAutoscaler "${resource.name}" scaleTargetRef needs a kind and a name` }];
      if (['DaemonSet', 'Pod', 'Job', 'CronJob'].includes(kind)) return [{ path: '/spec/scaleTargetRef/kind', message: `HorizontalPodAutoscaler "${resource.name}" targets a ${kind}, which has no replica count to scale` }];
      const ns = nsOf(resource);
      if (findVisible(context, kind, ns, name)) return [];
      // Targets are looked for among workloads; a custom kind without a pod template is not read, so not judged.
      if (!anyVisible(context, kind, ns) && (!isWorkloadKind(kind) || podOwnersIn(context, ns).length === 0)) return [];
      return [{ path: '/spec/scaleTargetRef/name', message: `HorizontalPodAutoscaler "${resource.name}" targets ${kind} "${name}", which is not in ${nsPhrase(resource)}` }];
    },
    examples: {
      valid: [stream(deployment({ replicas: null }), hpa('web')), hpa('web')],
      invalid: [stream(deployment({ replicas: null }), hpa('api')), hpa('agent', 2, 5, 'DaemonSet')],
    },
  }),

  defineRule({
    id: 'missing-pod-disruption-budget',
    title: 'Replicated workload without a PodDisruptionBudget',
    severity: 'low',
    category: 'reliability',
    tags: ['disruption-budget', 'availability', 'cross-resource'],
    appliesTo: REPLICATED,
    reads: ['HorizontalPodAutoscaler', 'PodDisruptionBudget'],
    description:
      'A Deployment or StatefulSet with 2 or more replicas (or managed by an autoscaler) has no PodDisruptionBudget in the scanned set ' +
      'whose selector matches its pod template labels. Node drains and cluster upgrades may then evict all its pods at once. Scan ' +
      'the budgets together with the workloads, or this rule cannot see them.',
    remediation: 'Add a policy/v1 PodDisruptionBudget selecting the pods, with maxUnavailable: 1 (or a minAvailable below the replica count).',
    references: [PDB_DOC, PDB_TASK],
    check: (resource, context) => {
      const replicas = replicasOf(resource);
      const scaled = autoscalersOf(context, resource).length > 0;
      if (!scaled && (replicas === undefined || replicas < 2)) return [];
      const budgets = holdersSelecting(context, 'PodDisruptionBudget', (p) => fieldAt(p.object, 'spec', 'selector'), nsOf(resource), podLabelsOf(context, resource));
      if (budgets.length > 0) return [];
      return [{ path: '', message: `${resource.kind} "${resource.name}" (${scaled ? 'autoscaled' : `${replicas} replicas`}) is not covered by any PodDisruptionBudget` }];
    },
    examples: {
      valid: [stream(deployment(), pdb('  maxUnavailable: 1\n  selector: {matchLabels: {app: web}}')), deployment({ replicas: 1 })],
      invalid: [deployment(), stream(deployment(), pdb('  maxUnavailable: 1\n  selector: {matchLabels: {app: api}}'))],
    },
  }),

  defineRule({
    id: 'pdb-blocks-eviction',
    title: 'PodDisruptionBudget allows no voluntary eviction',
    severity: 'medium',
    category: 'reliability',
    tags: ['disruption-budget', 'operations', 'cross-resource'],
    appliesTo: ['PodDisruptionBudget'],
    reads: ['workloads', 'HorizontalPodAutoscaler'],
    description:
      'The budget can never be satisfied while evicting a pod: maxUnavailable is 0 or 0%, minAvailable is 100%, or minAvailable is ' +
      'at least the replica count of the workload it selects (for an autoscaled workload, its minReplicas), or, for a budget that ' +
      'names single StatefulSet pods (statefulset.kubernetes.io/pod-name, apps.kubernetes.io/pod-index), at least the number of pods ' +
      'it names: with an integer minAvailable the disruption controller expects exactly the pods selected. Node drains, cluster ' +
      'upgrades and the cluster autoscaler then hang on these pods until someone deletes the budget.',
    remediation: 'Use maxUnavailable: 1 (or a percentage), or a minAvailable strictly below the smallest replica count the workload runs with.',
    references: [PDB_TASK, PDB_DOC],
    check: (resource, context) => {
      const s = spec(resource);
      if (!s) return [];
      const subject = `PodDisruptionBudget "${resource.name}"`;
      if (s.maxUnavailable === 0 || percent(s.maxUnavailable) === 0) return [{ path: '/spec/maxUnavailable', message: `${subject} has maxUnavailable ${s.maxUnavailable}: no pod can ever be evicted` }];
      const minPct = percent(s.minAvailable);
      if (minPct !== undefined && minPct >= 100) return [{ path: '/spec/minAvailable', message: `${subject} has minAvailable ${s.minAvailable}: no pod can ever be evicted` }];
      const min = asNumber(s.minAvailable);
      if (min === undefined || min <= 0) return [];
      const { owners, matches } = ownersSelectedBy(context, resource, s.selector, 'nothing');
      for (const [i, o] of owners.entries()) {
        if (!SCALABLE.has(o.resource.kind)) continue;
        const match = matches[i];
        if (match.kind === 'some') {
          // The budget names single pods (statefulset.kubernetes.io/pod-name, apps.kubernetes.io/pod-index):
          // with an integer minAvailable the disruption controller expects exactly the pods it selects.
          if (match.pods === undefined || match.pods === 0 || min < match.pods) continue;
          return [{ path: '/spec/minAvailable', message: `${subject} requires ${min} available pods, but it selects only ${match.pods} pod${match.pods === 1 ? '' : 's'} of ${o.resource.kind} "${o.resource.name}" (by ordinal): ${match.pods === 1 ? 'that pod' : 'none of those pods'} can never be evicted` }];
        }
        const hpas = autoscalersOf(context, o.resource);
        const floor = hpas.length > 0 ? minReplicasOf(hpas[0]) : replicasOf(o.resource);
        if (floor === undefined || floor === 0 || min < floor) continue;
        const source = hpas.length > 0 ? `HorizontalPodAutoscaler "${hpas[0].name}" scales ${o.resource.kind} "${o.resource.name}" down to ${floor}` : `${o.resource.kind} "${o.resource.name}" runs ${floor} replica${floor === 1 ? '' : 's'}`;
        return [{ path: '/spec/minAvailable', message: `${subject} requires ${min} available pods, but ${source}: no pod can be evicted` }];
      }
      return [];
    },
    examples: {
      valid: [pdb('  maxUnavailable: 1\n  selector: {matchLabels: {app: web}}'), stream(deployment(), pdb('  minAvailable: 2\n  selector: {matchLabels: {app: web}}'))],
      invalid: [
        pdb('  maxUnavailable: 0\n  selector: {matchLabels: {app: web}}'),
        pdb('  minAvailable: "100%"\n  selector: {matchLabels: {app: web}}'),
        stream(deployment(), pdb('  minAvailable: 3\n  selector: {matchLabels: {app: web}}')),
        stream(deployment({ replicas: null }), hpa('web', 2, 8), pdb('  minAvailable: 2\n  selector: {matchLabels: {app: web}}')),
      ],
    },
  }),

  defineRule({
    id: 'pdb-unhealthy-pod-eviction-policy',
    title: 'PodDisruptionBudget without unhealthyPodEvictionPolicy',
    severity: 'info',
    category: 'reliability',
    tags: ['disruption-budget', 'operations'],
    appliesTo: ['PodDisruptionBudget'],
    description:
      'spec.unhealthyPodEvictionPolicy is not set, so it defaults to IfHealthyBudget: pods that are running but not ready (crash ' +
      'looping, misconfigured) cannot be evicted while the application is already below its budget, and node drains block on them.',
    remediation: 'Set spec.unhealthyPodEvictionPolicy: AlwaysAllow, unless the application needs its not-ready pods protected.',
    references: [PDB_TASK + '#unhealthy-pod-eviction-policy'],
    check: (resource) => {
      const s = spec(resource);
      if (!s || s.unhealthyPodEvictionPolicy !== undefined) return [];
      return [{ path: '/spec', message: `PodDisruptionBudget "${resource.name}" does not set unhealthyPodEvictionPolicy` }];
    },
    examples: {
      valid: [pdb('  maxUnavailable: 1\n  unhealthyPodEvictionPolicy: AlwaysAllow\n  selector: {matchLabels: {app: web}}')],
      invalid: [pdb('  maxUnavailable: 1\n  selector: {matchLabels: {app: web}}')],
    },
  }),

  defineRule({
    id: 'rolling-update-all-unavailable',
    title: 'Rolling update may take every pod down at once',
    severity: 'medium',
    category: 'reliability',
    tags: ['rollout', 'availability'],
    appliesTo: ['Deployment', 'StatefulSet', 'DaemonSet'],
    description:
      'rollingUpdate.maxUnavailable is 100% or at least the replica count, so a rollout may stop every old pod before any new one is ' +
      'ready: a rolling update in name, a full outage in practice.',
    remediation: 'Lower maxUnavailable (the default is 25%), and use maxSurge to speed up rollouts instead.',
    references: [DEPLOYMENT_DOC + '#max-unavailable'],
    check: (resource) => {
      const s = spec(resource);
      if (!s) return [];
      const field = resource.kind === 'Deployment' ? 'strategy' : 'updateStrategy';
      const mu = fieldAt(s, field, 'rollingUpdate', 'maxUnavailable');
      if (mu === undefined || mu === null) return [];
      const path = `/spec/${field}/rollingUpdate/maxUnavailable`;
      const pct = percent(mu);
      if (pct !== undefined && pct >= 100) return [{ path, message: `${resource.kind} "${resource.name}" allows ${mu} of its pods to be unavailable during a rollout` }];
      if (typeof mu === 'number' && resource.kind !== 'DaemonSet') {
        const replicas = replicasOf(resource);
        if (replicas !== undefined && replicas > 0 && mu >= replicas)
          return [{ path, message: `${resource.kind} "${resource.name}" allows ${mu} unavailable pods during a rollout with ${replicas} replica${replicas === 1 ? '' : 's'}: all of them` }];
      }
      return [];
    },
    examples: {
      valid: [deployment({ extraSpec: '  strategy:\n    type: RollingUpdate\n    rollingUpdate: {maxUnavailable: 1, maxSurge: 1}' })],
      invalid: [
        deployment({ extraSpec: '  strategy:\n    rollingUpdate: {maxUnavailable: "100%"}' }),
        deployment({ replicas: 2, extraSpec: '  strategy:\n    rollingUpdate: {maxUnavailable: 2}' }),
      ],
    },
  }),

  defineRule({
    id: 'no-rolling-update-strategy',
    title: 'Workload not updated by rolling update',
    severity: 'info',
    category: 'reliability',
    tags: ['rollout', 'availability'],
    appliesTo: ['Deployment', 'StatefulSet', 'DaemonSet'],
    optIn: true,
    description:
      'The Deployment uses the Recreate strategy (all old pods stop before new ones start), or the StatefulSet or DaemonSet uses ' +
      'OnDelete (pods are only replaced when someone deletes them). Both are sometimes needed, for example for volumes that only one ' +
      'pod may mount, so the rule is opt-in.',
    remediation: 'Use the RollingUpdate strategy unless the application cannot run two versions side by side.',
    references: [DEPLOYMENT_DOC + '#strategy', STATEFULSET_DOC + '#update-strategies'],
    check: (resource) => {
      const field = resource.kind === 'Deployment' ? 'strategy' : 'updateStrategy';
      const type = fieldAt(resource.object, 'spec', field, 'type');
      if (type === 'Recreate' || type === 'OnDelete') return [{ path: `/spec/${field}/type`, message: `${resource.kind} "${resource.name}" uses the ${type} update strategy` }];
      return [];
    },
    examples: {
      valid: [deployment()],
      invalid: [deployment({ extraSpec: '  strategy: {type: Recreate}' })],
    },
  }),

  defineRule({
    id: 'no-pod-spreading',
    title: 'Replicas may all land on the same node',
    severity: 'low',
    category: 'reliability',
    tags: ['scheduling', 'availability'],
    appliesTo: REPLICATED,
    reads: ['HorizontalPodAutoscaler'],
    description:
      'A Deployment or StatefulSet with 2 or more replicas (or managed by an autoscaler) sets neither podAntiAffinity nor ' +
      'topologySpreadConstraints, so the scheduler may place every replica on one node or in one zone, and a single node failure ' +
      'takes them all down. Either mechanism satisfies the rule.',
    remediation: 'Add a topologySpreadConstraint on kubernetes.io/hostname (and topology.kubernetes.io/zone) selecting the pods, or a preferred podAntiAffinity term.',
    references: [SPREAD_DOC, AFFINITY_DOC],
    check: (resource, context) => {
      const replicas = replicasOf(resource);
      if (autoscalersOf(context, resource).length === 0 && (replicas === undefined || replicas < 2)) return [];
      const out: Violation[] = [];
      for (const pod of podSpecs(resource)) {
        const anti = asObject(fieldAt(pod.spec, 'affinity', 'podAntiAffinity'));
        const hasAnti = !!anti && (asArray(anti.requiredDuringSchedulingIgnoredDuringExecution).length > 0 || asArray(anti.preferredDuringSchedulingIgnoredDuringExecution).length > 0);
        const hasSpread = asArray(pod.spec.topologySpreadConstraints).length > 0;
        if (!hasAnti && !hasSpread) out.push({ path: pod.path, message: `${resource.kind} "${resource.name}" has no pod anti-affinity or topology spread constraint to keep its replicas apart` });
      }
      return out;
    },
    examples: {
      valid: [
        deployment({ podSpec: SPREAD }),
        deployment({
          podSpec: `      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              topologyKey: kubernetes.io/hostname
              labelSelector: {matchLabels: {app: web}}`,
        }),
        deployment({ replicas: 1 }),
      ],
      invalid: [deployment()],
    },
  }),

  defineRule({
    id: 'topology-spread-constraint-invalid',
    title: 'Topology spread constraint that cannot work',
    severity: 'medium',
    category: 'reliability',
    tags: ['scheduling', 'availability', 'correctness'],
    appliesTo: 'workloads',
    description:
      'A topologySpreadConstraints entry is malformed (maxSkew below 1, no topologyKey, whenUnsatisfiable other than DoNotSchedule or ' +
      'ScheduleAnyway: the API server rejects these), has no labelSelector (it then counts no pods and spreads nothing), or has a ' +
      'labelSelector that does not match the pod\'s own labels (it spreads some other application\'s pods, not these replicas).',
    remediation: 'Give every constraint maxSkew >= 1, a topologyKey, a valid whenUnsatisfiable, and a labelSelector that matches the pod template labels.',
    references: [SPREAD_DOC],
    check: (resource, context) => {
      const out: Violation[] = [];
      for (const pod of podSpecs(resource)) {
        const list = pod.spec.topologySpreadConstraints;
        if (!Array.isArray(list)) continue;
        // The pods' labels include those their controller adds; this rule reads no autoscalers, so any ordinal may exist.
        const own = controllerPodLabels(resource, labelsOf(pod.metadata), { autoscaled: true, kubernetesVersion: context.settings.kubernetesVersion });
        list.forEach((c, i) => {
          const at = `${pod.path}/topologySpreadConstraints/${i}`;
          if (!isObject(c)) return;
          const what = `topology spread constraint #${i + 1}`;
          if (c.maxSkew !== undefined && (typeof c.maxSkew !== 'number' || c.maxSkew < 1)) out.push({ path: `${at}/maxSkew`, message: `${what} has maxSkew ${JSON.stringify(c.maxSkew)}; it must be at least 1` });
          if (c.maxSkew === undefined) out.push({ path: at, message: `${what} has no maxSkew` });
          if (typeof c.topologyKey !== 'string' || c.topologyKey === '') out.push({ path: c.topologyKey === undefined ? at : `${at}/topologyKey`, message: `${what} has no topologyKey` });
          if (c.whenUnsatisfiable !== 'DoNotSchedule' && c.whenUnsatisfiable !== 'ScheduleAnyway')
            out.push({ path: c.whenUnsatisfiable === undefined ? at : `${at}/whenUnsatisfiable`, message: `${what} has whenUnsatisfiable ${c.whenUnsatisfiable === undefined ? 'unset' : JSON.stringify(c.whenUnsatisfiable)}; use DoNotSchedule or ScheduleAnyway` });
          const parsed = parseLabelSelector(c.labelSelector);
          if (parsed.kind === 'null') out.push({ path: at, message: `${what} has no labelSelector, so it counts no pods and spreads nothing` });
          else if (parsed.kind === 'invalid') out.push({ path: `${at}/labelSelector${parsed.problems[0].path}`, message: `${what} labelSelector is invalid: ${parsed.problems[0].message}` });
          else if (matchPods(parsed.selector.requirements, own).kind === 'none') out.push({ path: `${at}/labelSelector`, message: `${what} selects ${formatSelector(parsed)}, which does not match the pod's own labels, so these replicas are not spread` });
        });
      }
      return out;
    },
    examples: {
      valid: [deployment({ podSpec: SPREAD })],
      invalid: [
        deployment({ podSpec: SPREAD.replace('{app: web}', '{app: webapp}') }),
        deployment({ podSpec: SPREAD.replace('        labelSelector: {matchLabels: {app: web}}', '').trimEnd() }),
        deployment({ podSpec: SPREAD.replace('maxSkew: 1', 'maxSkew: 0').replace('ScheduleAnyway', 'Sometimes') }),
      ],
    },
  }),

  defineRule({
    id: 'priority-class-not-set',
    title: 'Pod without a priority class',
    severity: 'info',
    category: 'reliability',
    tags: ['scheduling'],
    appliesTo: 'workloads',
    optIn: true,
    description:
      'The pod spec sets no priorityClassName, so the pods get the cluster default priority (usually 0) and are the first to be ' +
      'preempted or evicted under resource pressure, whatever their importance. Opt-in: many clusters rely on the default.',
    remediation: 'Set spec.priorityClassName to a PriorityClass that reflects how critical the workload is.',
    references: [PRIORITY_DOC],
    check: (resource) => {
      const out: Violation[] = [];
      for (const pod of podSpecs(resource)) {
        if (typeof pod.spec.priorityClassName === 'string' && pod.spec.priorityClassName !== '') continue;
        out.push({ path: pod.path, message: `${resource.kind} "${resource.name}" sets no priorityClassName` });
      }
      return out;
    },
    examples: {
      valid: [deployment({ podSpec: '      priorityClassName: business-critical' })],
      invalid: [deployment()],
    },
  }),

  defineRule({
    id: 'cronjob-missing-deadline',
    title: 'CronJob without startingDeadlineSeconds',
    severity: 'low',
    category: 'reliability',
    tags: ['cronjob', 'operations'],
    appliesTo: ['CronJob'],
    description:
      'Without spec.startingDeadlineSeconds there is no limit on how late a missed run may start. After the controller has missed ' +
      'more than 100 schedules (controller down, CronJob suspended) it stops scheduling the CronJob and logs an error, and after an ' +
      'outage a run may start at an unexpected time.',
    remediation: 'Set spec.startingDeadlineSeconds to how late a run may still start (for example 300); it must be at least 10 seconds.',
    references: [CRONJOB_DOC + '#job-creation'],
    check: (resource) => {
      const s = spec(resource);
      if (!s || s.startingDeadlineSeconds !== undefined) return [];
      return [{ path: '/spec', message: `CronJob "${resource.name}" sets no startingDeadlineSeconds` }];
    },
    examples: {
      valid: [cronjob('  startingDeadlineSeconds: 300\n  concurrencyPolicy: Forbid')],
      invalid: [cronjob('  concurrencyPolicy: Forbid')],
    },
  }),

  defineRule({
    id: 'cronjob-concurrency-allowed',
    title: 'CronJob runs may overlap',
    severity: 'info',
    category: 'reliability',
    tags: ['cronjob', 'operations'],
    appliesTo: ['CronJob'],
    description:
      'spec.concurrencyPolicy is Allow (the default): when a run lasts longer than the schedule interval the next one starts anyway, ' +
      'and overlapping runs pile up, compete for the same data and can exhaust resources.',
    remediation: 'Set spec.concurrencyPolicy: Forbid (skip a run while one is active) or Replace (stop the old run), or set Allow explicitly if overlapping runs are safe.',
    references: [CRONJOB_DOC + '#concurrency-policy'],
    check: (resource) => {
      const s = spec(resource);
      if (!s) return [];
      if (s.concurrencyPolicy === undefined) return [{ path: '/spec', message: `CronJob "${resource.name}" does not set concurrencyPolicy, so runs may overlap` }];
      return [];
    },
    examples: {
      valid: [cronjob('  startingDeadlineSeconds: 300\n  concurrencyPolicy: Forbid'), cronjob('  concurrencyPolicy: Allow')],
      invalid: [cronjob('  startingDeadlineSeconds: 300')],
    },
  }),

  defineRule({
    id: 'job-missing-ttl',
    title: 'Job without ttlSecondsAfterFinished',
    severity: 'low',
    category: 'reliability',
    tags: ['job', 'operations'],
    appliesTo: ['Job'],
    description:
      'A standalone Job without spec.ttlSecondsAfterFinished stays in the cluster with its pods after it finishes, until someone ' +
      'deletes it; finished Jobs accumulate and keep their pods\' logs and resources around. Jobs created by a CronJob are cleaned ' +
      'up by the CronJob history limits and are not checked.',
    remediation: 'Set spec.ttlSecondsAfterFinished (for example 86400) so the Job and its pods are deleted after they finish.',
    references: [TTL_DOC, JOB_DOC],
    check: (resource) => {
      const s = spec(resource);
      if (!s || s.ttlSecondsAfterFinished !== undefined) return [];
      const owners = asArray(fieldAt(resource.object, 'metadata', 'ownerReferences'));
      if (owners.some((o) => isObject(o) && o.kind === 'CronJob')) return [];
      return [{ path: '/spec', message: `Job "${resource.name}" sets no ttlSecondsAfterFinished` }];
    },
    examples: {
      valid: [
        `apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: shop}
spec:
  ttlSecondsAfterFinished: 3600
  template:
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: registry.example.com/migrate:3.1.0}]`,
      ],
      invalid: [
        `apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: shop}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: registry.example.com/migrate:3.1.0}]`,
      ],
    },
  }),

  defineRule({
    id: 'invalid-restart-policy',
    title: 'Pod template restartPolicy the controller rejects',
    severity: 'high',
    category: 'reliability',
    tags: ['correctness'],
    appliesTo: [...LONG_RUNNING, 'Job', 'CronJob'],
    description:
      'Deployments, StatefulSets, DaemonSets, ReplicaSets and ReplicationControllers only accept restartPolicy Always in their pod ' +
      'template; Jobs and CronJobs only accept OnFailure or Never, and since the pod default is Always they must set it explicitly. ' +
      'The API server rejects anything else.',
    remediation: 'Remove restartPolicy from long-running controllers (Always is the default); set restartPolicy: OnFailure or Never in Job and CronJob templates.',
    references: [POD_LIFECYCLE_DOC, JOB_DOC + '#pod-template'],
    check: (resource) => {
      const out: Violation[] = [];
      const batch = resource.kind === 'Job' || resource.kind === 'CronJob';
      for (const pod of podSpecs(resource)) {
        const policy = pod.spec.restartPolicy;
        if (batch) {
          if (policy === 'OnFailure' || policy === 'Never') continue;
          out.push({
            path: policy === undefined ? pod.path : `${pod.path}/restartPolicy`,
            message: policy === undefined ? `${resource.kind} "${resource.name}" sets no restartPolicy; Jobs need OnFailure or Never` : `${resource.kind} "${resource.name}" has restartPolicy ${JSON.stringify(policy)}; Jobs accept only OnFailure or Never`,
          });
        } else if (policy !== undefined && policy !== 'Always') {
          out.push({ path: `${pod.path}/restartPolicy`, message: `${resource.kind} "${resource.name}" has restartPolicy ${JSON.stringify(policy)}; only Always is accepted` });
        }
      }
      return out;
    },
    examples: {
      valid: [deployment(), cronjob('  concurrencyPolicy: Forbid')],
      invalid: [cronjob('', 'Always'), deployment({ podSpec: '      restartPolicy: OnFailure' }), cronjob('').replace('          restartPolicy: OnFailure\n', '')],
    },
  }),

  defineRule({
    id: 'statefulset-service-name',
    title: 'StatefulSet without a matching headless Service',
    severity: 'low',
    category: 'reliability',
    tags: ['statefulset', 'networking', 'cross-resource'],
    appliesTo: ['StatefulSet'],
    reads: ['Service'],
    description:
      'A StatefulSet gives its pods stable DNS names (name-0.service) through the headless Service named in spec.serviceName. The ' +
      'rule reports a missing serviceName, a serviceName with no Service of that name in the namespace (only when the scanned set ' +
      'contains Services there), and a Service that is not headless (clusterIP other than None).',
    remediation: 'Create a headless Service (clusterIP: None) selecting the pods and name it in spec.serviceName.',
    references: [STATEFULSET_DOC + '#stable-network-id', SERVICE_DOC + '#headless-services'],
    check: (resource, context) => {
      const s = spec(resource);
      if (!s) return [];
      const name = s.serviceName;
      if (typeof name !== 'string' || name === '') return [{ path: name === undefined ? '/spec' : '/spec/serviceName', message: `StatefulSet "${resource.name}" sets no serviceName, so its pods get no stable DNS names` }];
      const services = objectsOf(context, 'Service', nsOf(resource));
      if (services.length === 0) return [];
      const svc = services.find((r) => r.name === name);
      if (!svc) return [{ path: '/spec/serviceName', message: `StatefulSet "${resource.name}" names Service "${name}", which is not in ${nsPhrase(resource)}` }];
      const clusterIP = fieldAt(svc.object, 'spec', 'clusterIP');
      if (clusterIP !== 'None') return [{ path: '/spec/serviceName', message: `StatefulSet "${resource.name}" names Service "${name}", which is not headless (clusterIP is ${clusterIP === undefined ? 'unset' : JSON.stringify(clusterIP)}, not None)` }];
      return [];
    },
    examples: {
      valid: [
        stream(
          `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: registry.example.com/postgres:16.3}]`,
          service('db', '{app: db}', '[{name: pg, port: 5432}]', '  clusterIP: None'),
        ),
      ],
      invalid: [
        `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: registry.example.com/postgres:16.3}]`,
        stream(
          `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: registry.example.com/postgres:16.3}]`,
          service('db', '{app: db}', '[{name: pg, port: 5432}]'),
        ),
      ],
    },
  }),

  defineRule({
    id: 'mismatching-selector',
    title: 'Selector does not match the pod template labels',
    severity: 'high',
    category: 'reliability',
    tags: ['selectors', 'correctness'],
    appliesTo: ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job'],
    description:
      'The controller\'s spec.selector is missing, empty, invalid, or does not select the labels of its own pod template. The API ' +
      'server rejects such objects ("selector does not match template labels"); for apps/v1 controllers the selector is required ' +
      'and immutable. Jobs are only checked when they set manualSelector: true, ReplicationControllers only when they set a selector.',
    remediation: 'Make spec.selector.matchLabels a subset of spec.template.metadata.labels.',
    references: [DEPLOYMENT_DOC + '#selector', LABELS_DOC],
    check: (resource) => {
      const s = spec(resource);
      if (!s) return [];
      const labels = templateLabels(resource);
      const templatePath = isObject(fieldAt(s, 'template', 'metadata')) ? '/spec/template/metadata' : isObject(s.template) ? '/spec/template' : '/spec';
      const subject = `${resource.kind} "${resource.name}"`;
      if (resource.kind === 'ReplicationController') {
        if (!isObject(s.selector) || Object.keys(s.selector).length === 0) return [];
        const sel = stringMap(s.selector);
        if (mapSelectorMatches(sel, labels)) return [];
        return [{ path: '/spec/selector', message: `${subject} selector ${formatMapSelector(sel)} does not match its pod template labels` }];
      }
      if (resource.kind === 'Job' && s.manualSelector !== true) return [];
      const parsed = parseLabelSelector(s.selector);
      if (parsed.kind === 'null') return [{ path: '/spec', message: `${subject} has no spec.selector; it is required and must match the pod template labels` }];
      if (parsed.kind === 'invalid') return [{ path: `/spec/selector${parsed.problems[0].path}`, message: `${subject} selector is invalid: ${parsed.problems[0].message}` }];
      if (isEmptySelector(parsed)) return [{ path: '/spec/selector', message: `${subject} has an empty selector, which the API server rejects for controllers` }];
      if (matchesParsed(parsed, labels)) return [];
      const shown = Object.keys(labels).length ? formatMapSelector(labels) : 'none';
      return [{ path: templatePath === '/spec/template/metadata' && isObject(fieldAt(s, 'template', 'metadata', 'labels')) ? '/spec/selector' : templatePath, message: `${subject} selector ${formatSelector(parsed)} does not match its pod template labels (${shown})` }];
    },
    examples: {
      valid: [deployment(), deployment({ labels: '{app: web, tier: frontend}', selector: '{matchLabels: {app: web}, matchExpressions: [{key: tier, operator: In, values: [frontend, edge]}]}' })],
      invalid: [
        deployment({ selector: '{matchLabels: {app: website}}' }),
        deployment({ selector: '{}' }),
        deployment({ selector: '{matchExpressions: [{key: app, operator: Equals, values: [web]}]}' }),
      ],
    },
  }),

  defineRule({
    id: 'dangling-service',
    title: 'Service selects no pods',
    severity: 'medium',
    category: 'reliability',
    tags: ['services', 'selectors', 'cross-resource'],
    appliesTo: ['Service'],
    reads: ['workloads', 'HorizontalPodAutoscaler', CUSTOM_RESOURCES],
    description:
      'The Service has a selector, but no workload in the scanned set has pods carrying all of its labels, so the ' +
      'Service has no endpoints and every connection fails. Pods carry their template\'s labels and those their controller adds ' +
      '(statefulset.kubernetes.io/pod-name <set>-<ordinal> and apps.kubernetes.io/pod-index for the ordinals a StatefulSet runs, ' +
      'pod-template-hash, controller-revision-hash, job-name and the other labels of src/core/controller-labels.ts). Only reported when the scanned set contains workloads in that ' +
      'namespace: a Service scanned without its workloads is not judged. Services without a selector (endpoints managed by hand) ' +
      'and ExternalName Services are skipped. Pods that operators make from custom resources in the scanned set (a Prometheus ' +
      'Operator Prometheus, PrometheusAgent, Alertmanager or ThanosRuler, or a kind declared under operatorWorkloads in the configuration) count ' +
      'as workloads. When nothing matches but the namespace holds custom resources of kinds kshield does not know (and does not know ' +
      'to make no pods, as ServiceMonitor or cert-manager objects), or the selector ' +
      'requires a label operators set on their pods (operator.prometheus.io/..., strimzi.io/..., cnpg.io/..., *.k8s.elastic.co/..., ' +
      'postgres-operator.crunchydata.com/..., or app.kubernetes.io/managed-by naming an operator), the finding says the pods may be ' +
      'created by an operator and is reported at low severity.',
    remediation: 'Fix the Service selector (or the pod template labels) so that they match, or scan the Service together with its workload.',
    references: [SERVICE_DOC, LABELS_DOC],
    check: (resource, context) => {
      const s = spec(resource);
      if (!s || s.type === 'ExternalName' || !isObject(s.selector)) return [];
      const raw = s.selector;
      if (Object.keys(raw).length === 0 || Object.values(raw).some((v) => typeof v !== 'string')) return [];
      const selector = stringMap(raw);
      const ns = nsOf(resource);
      if (podOwnersIn(context, ns).length === 0) return [];
      const [k, v] = Object.entries(selector)[0];
      if (podOwnersWithLabel(context, ns, k, v).some((o) => mapSelectsSomePod(selector, o.pods))) return [];
      const operator = operatorMayCreate(context, resource, Object.entries(selector).map(([key, value]) => ({ key, operator: 'In', values: [value] })));
      if (operator)
        return [{ path: '/spec/selector', severity: 'low', message: `Service "${resource.name}" selects ${formatMapSelector(selector)}: no workload in the input matches; it may be created by an operator: ${operator}` }];
      return [{ path: '/spec/selector', message: `Service "${resource.name}" selects ${formatMapSelector(selector)}, but no workload in ${nsPhrase(resource)} has pods with these labels` }];
    },
    examples: {
      valid: [
        stream(deployment(), service('web', '{app: web}')),
        service('web', '{app: web}'),
        stream(deployment(), PROMETHEUS_CR, service('prometheus', '{app.kubernetes.io/name: prometheus, app.kubernetes.io/instance: k8s}', '[{name: web, port: 9090, targetPort: web}]')),
      ],
      invalid: [stream(deployment(), service('web', '{app: web, tier: frontend}')), stream(deployment(), KAFKA_CR, service('kafka', '{app: kafka}'))],
    },
  }),

  defineRule({
    id: 'dangling-ingress',
    title: 'Ingress routes to a missing Service or port',
    severity: 'medium',
    category: 'reliability',
    tags: ['ingress', 'services', 'cross-resource'],
    appliesTo: ['Ingress'],
    reads: ['Service'],
    description:
      'An Ingress backend (default backend or rule path) names a Service that is not in the scanned set, or a Service port (number ' +
      'or name) that Service does not expose, so the route answers 503. Only reported when the scanned set contains Services in ' +
      'that namespace. Both networking.k8s.io/v1 (service.name, service.port) and legacy (serviceName, servicePort) backends are read; ' +
      'resource backends are skipped.',
    remediation: 'Point the backend at an existing Service and one of its ports, or scan the Ingress together with its Services.',
    references: [INGRESS_DOC],
    check: (resource, context) => {
      const s = spec(resource);
      if (!s) return [];
      const services = objectsOf(context, 'Service', nsOf(resource));
      if (services.length === 0) return [];
      const backends: { path: string; backend: JsonObject }[] = [];
      for (const key of ['defaultBackend', 'backend']) if (isObject(s[key])) backends.push({ path: `/spec/${key}`, backend: s[key] as JsonObject });
      asArray(s.rules).forEach((rule, i) => {
        asArray(fieldAt(rule, 'http', 'paths')).forEach((p, j) => {
          const b = asObject(fieldAt(p, 'backend'));
          if (b) backends.push({ path: `/spec/rules/${i}/http/paths/${j}/backend`, backend: b });
        });
      });
      const out: Violation[] = [];
      for (const { path, backend } of backends) {
        const svc = asObject(backend.service);
        const name = svc ? asString(svc.name) : asString(backend.serviceName);
        if (!name) continue;
        const portNumber = svc ? asNumber(fieldAt(svc, 'port', 'number')) : asNumber(backend.servicePort);
        const portName = svc ? asString(fieldAt(svc, 'port', 'name')) : asString(backend.servicePort);
        const namePath = svc ? `${path}/service/name` : `${path}/serviceName`;
        const portPath = svc ? `${path}/service/port` : `${path}/servicePort`;
        const target = services.find((r) => r.name === name);
        if (!target) {
          out.push({ path: namePath, message: `Ingress "${resource.name}" routes to Service "${name}", which is not in ${nsPhrase(resource)}` });
          continue;
        }
        const ports = asArray(fieldAt(target.object, 'spec', 'ports')).filter(isObject);
        if (portNumber !== undefined && !ports.some((p) => p.port === portNumber))
          out.push({ path: portPath, message: `Ingress "${resource.name}" routes to port ${portNumber} of Service "${name}", which does not expose it` });
        else if (portName !== undefined && !ports.some((p) => p.name === portName))
          out.push({ path: portPath, message: `Ingress "${resource.name}" routes to port "${portName}" of Service "${name}", which has no port with that name` });
      }
      return out;
    },
    examples: {
      valid: [
        stream(
          service('web', '{app: web}'),
          `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  rules:
  - host: shop.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: web, port: {name: http}}`,
        ),
      ],
      invalid: [
        stream(
          service('web', '{app: web}'),
          `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  defaultBackend:
    service: {name: web, port: {number: 8080}}
  rules:
  - host: shop.example.com
    http:
      paths:
      - path: /api
        pathType: Prefix
        backend:
          service: {name: api, port: {number: 80}}`,
        ),
      ],
    },
  }),

  defineRule({
    id: 'dangling-networkpolicy',
    title: 'NetworkPolicy selects no pods',
    severity: 'low',
    category: 'reliability',
    tags: ['network-policy', 'selectors', 'cross-resource'],
    appliesTo: ['NetworkPolicy'],
    reads: ['workloads', 'HorizontalPodAutoscaler', CUSTOM_RESOURCES],
    description:
      'spec.podSelector matches no pod of the workloads in the scanned set (their template labels and those their controllers add, ' +
      'as for dangling-service), so the policy protects nothing; often a label typo that leaves ' +
      'the intended pods unrestricted. An empty podSelector selects every pod of the namespace and is never reported (an absent one ' +
      'is treated the same way, as the API does). Only reported when the scanned set contains workloads in that namespace. Pods ' +
      'that operators make from custom resources in the scanned set count as workloads; when nothing matches but an operator may ' +
      'create the pods (as for dangling-service), the finding says so.',
    remediation: 'Fix spec.podSelector so that it selects the pods the policy is meant for.',
    references: [NETPOL_DOC, LABELS_DOC],
    check: (resource, context) => {
      const s = spec(resource);
      if (!s) return [];
      const parsed = parseLabelSelector(s.podSelector);
      if (parsed.kind !== 'selector' || isEmptySelector(parsed)) return [];
      const { owners, candidates } = ownersSelectedBy(context, resource, s.podSelector, 'everything');
      if (candidates === 0 || owners.length > 0) return [];
      const operator = operatorMayCreate(context, resource, parsed.selector.requirements);
      if (operator)
        return [{ path: '/spec/podSelector', severity: 'low', message: `NetworkPolicy "${resource.name}" selects ${formatSelector(parsed)}: no workload in the input matches; it may be created by an operator: ${operator}` }];
      return [{ path: '/spec/podSelector', message: `NetworkPolicy "${resource.name}" selects ${formatSelector(parsed)}, but no workload in ${nsPhrase(resource)} has pods with these labels` }];
    },
    examples: {
      valid: [
        stream(
          deployment(),
          `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-ingress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]`,
        ),
        stream(
          deployment(),
          `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]`,
        ),
        stream(
          deployment(),
          PROMETHEUS_CR,
          `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: prometheus, namespace: shop}
spec:
  podSelector: {matchLabels: {app.kubernetes.io/name: prometheus}}
  policyTypes: [Ingress]`,
        ),
      ],
      invalid: [
        stream(
          deployment(),
          `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-ingress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: website}}
  policyTypes: [Ingress]`,
        ),
        stream(
          deployment(),
          KAFKA_CR,
          `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: kafka, namespace: shop}
spec:
  podSelector: {matchLabels: {strimzi.io/cluster: events}}
  policyTypes: [Ingress]`,
        ),
      ],
    },
  }),
  serviceAccountRule,
  invalidPortRule,
  configReferenceRule,
];
