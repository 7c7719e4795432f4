/** Helpers the reliability rules share. */
import type { Rule, RuleContext, RuleExamples } from '../../engine/rule.js';
import type { JsonObject, Resource, Severity } from '../../core/types.js';
import { containers, podSpecs, type ContainerView } from '../../k8s/pods.js';
import { asArray, fieldAt, isObject, asNumber, asObject, asString } from '../../core/values.js';
import { labelsOf, parseLabelSelector, type Labels } from '../../k8s/labels.js';
import type { ResourceSet } from '../../k8s/resource-set.js';
import { defineRule, describeContainer } from '../define.js';
import { ScopedCache } from '../../core/scoped-cache.js';
import { customResourceLabel, expandOperatorResources, operatorLabelHint, operatorTable, type OperatorWorkload } from '../../analysis/operator-workloads.js';
import { controllerPodLabels, mapSelectsSomePod, matchPods, operatorControllerPodLabels, type PodLabelModel, type PodMatch } from '../../k8s/controller-labels.js';

export const PROBES_DOC = 'https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/';

export const PROBE_CONCEPT = 'https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/';

export const DEPLOYMENT_DOC = 'https://kubernetes.io/docs/concepts/workloads/controllers/deployment/';

export const STATEFULSET_DOC = 'https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/';

export const HPA_DOC = 'https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/';

export const PDB_DOC = 'https://kubernetes.io/docs/concepts/workloads/pods/disruptions/';

export const PDB_TASK = 'https://kubernetes.io/docs/tasks/run-application/configure-pdb/';

export const SPREAD_DOC = 'https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/';

export const CRONJOB_DOC = 'https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/';

export const JOB_DOC = 'https://kubernetes.io/docs/concepts/workloads/controllers/job/';

export const SERVICE_DOC = 'https://kubernetes.io/docs/concepts/services-networking/service/';

export const LABELS_DOC = 'https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors';

// ---------------------------------------------------------------------------------------------
// Shared helpers

/** Controllers that keep pods running; probes and spreading matter for them. */
export const LONG_RUNNING = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController'];

/** Controllers with spec.replicas. */
export const REPLICATED = ['Deployment', 'StatefulSet'];

/** A Pod restarted by the kubelet (restartPolicy Always, the default) is long-running; others are one-off tasks. */
export function isLongRunning(resource: Resource): boolean {
  if (LONG_RUNNING.includes(resource.kind)) return true;
  if (resource.kind !== 'Pod') return false;
  const policy = fieldAt(resource.object, 'spec', 'restartPolicy');
  return policy === undefined || policy === 'Always';
}

export function spec(resource: Resource): JsonObject | undefined {
  return asObject(resource.object.spec);
}

/** spec.replicas with its default of 1; undefined when it is not a number (templated, malformed). */
export function replicasOf(resource: Resource): number | undefined {
  const s = spec(resource);
  if (!s) return undefined;
  if (s.replicas === undefined || s.replicas === null) return 1;
  return asNumber(s.replicas);
}

export function replicasPath(resource: Resource): string {
  const s = spec(resource);
  if (!s) return '';
  return s.replicas !== undefined ? '/spec/replicas' : '/spec';
}

export function templateLabels(resource: Resource): Record<string, string> {
  const pod = podSpecs(resource)[0];
  return pod ? labelsOf(pod.metadata) : {};
}

export function nsOf(resource: Resource): string {
  return resource.namespace ?? '';
}

export function nsPhrase(resource: Resource): string {
  return resource.namespace ? `namespace "${resource.namespace}"` : 'the scanned manifests';
}

export interface PodOwner {
  /** The object holding the pod template; for an operator's workload, the custom resource it is made from. */
  resource: Resource;
  /** The labels its pods carry: the template's and those its controller adds (controller-labels.ts). */
  pods: PodLabelModel;
  /** Set for a workload an operator makes from a custom resource (its pod spec is not known). */
  operator?: OperatorWorkload;
}

export interface RunIndex {
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

export const ANY_NS = '\u0001';

export const indexes = new ScopedCache<ResourceSet, RunIndex>();

export function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function runIndex(context: RuleContext): RunIndex {
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

export function hpaTargets(idx: RunIndex, resource: Resource): Resource[] {
  const ns = nsOf(resource);
  const suffix = `\u0000${resource.kind}\u0000${resource.name}`;
  if (ns === '') return idx.hpaByTarget.get(`${ANY_NS}${suffix}`) ?? [];
  return [...(idx.hpaByTarget.get(`${ns}${suffix}`) ?? []), ...(idx.hpaByTarget.get(suffix) ?? [])];
}

/** Values of a namespace-keyed map visible from namespace `ns` (see the namespace note at the top). */
export function scoped<T>(map: Map<string, T[]>, ns: string, prefix: string, suffix: string, everywhere: () => readonly T[]): T[] {
  if (ns === '') return [...everywhere()];
  return [...(map.get(`${prefix}${ns}${suffix}`) ?? []), ...(map.get(`${prefix}${suffix}`) ?? [])];
}

export function objectsOf(context: RuleContext, kind: string, ns: string): Resource[] {
  const idx = runIndex(context);
  return scoped(idx.byKindNs, ns, `${kind}\u0000`, '', () => context.resources.ofKind(kind));
}

/** The first object of `kind` named `name` visible from `ns`, as objectsOf(...).find(name) would give, without building the list. */
export function findVisible(context: RuleContext, kind: string, ns: string, name: string): Resource | undefined {
  const idx = runIndex(context);
  if (ns === '') return idx.byName.get(`${kind}\u0000${ANY_NS}\u0000${name}`);
  return idx.byName.get(`${kind}\u0000${ns}\u0000${name}`) ?? idx.byName.get(`${kind}\u0000\u0000${name}`);
}

/** Whether objectsOf(context, kind, ns) would be non-empty. */
export function anyVisible(context: RuleContext, kind: string, ns: string): boolean {
  const idx = runIndex(context);
  if (ns === '') return context.resources.ofKind(kind).length > 0;
  return idx.byKindNs.has(`${kind}\u0000${ns}`) || idx.byKindNs.has(`${kind}\u0000`);
}

export function podOwnersIn(context: RuleContext, ns: string): PodOwner[] {
  const idx = runIndex(context);
  return scoped(idx.ownersByNs, ns, '', '', () => idx.owners);
}

/**
 * Pod owners visible from `ns` whose pods may carry label k=v: those with it in their template, and
 * those whose controller adds label k with a value the manifest does not hold (a hash, an ordinal).
 * Narrows selector matching to plausible candidates; callers still match the whole selector.
 */
export function podOwnersWithLabel(context: RuleContext, ns: string, key: string, value: string): PodOwner[] {
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
export function operatorMayCreate(context: RuleContext, from: Resource, requirements: readonly { key: string; operator: string; values: readonly string[] }[]): string | undefined {
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

export function autoscalersOf(context: RuleContext, resource: Resource): Resource[] {
  return hpaTargets(runIndex(context), resource);
}

/** Pod owners (in the namespace of `from`) a set-based selector selects some pods of, with how it meets them. */
export function ownersSelectedBy(context: RuleContext, from: Resource, rawSelector: unknown, absent: 'nothing' | 'everything'): { owners: PodOwner[]; matches: PodMatch[]; candidates: number } {
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

export function minReplicasOf(hpa: Resource): number | undefined {
  const v = fieldAt(hpa.object, 'spec', 'minReplicas');
  if (v === undefined || v === null) return 1;
  return asNumber(v);
}

/** An IntOrString percentage ("25%") as a number, or undefined. */
export function percent(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)%$/.exec(value.trim());
  return m ? Number(m[1]) : undefined;
}

export const PROBE_KINDS = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;

export const PROBE_NAMES: Record<(typeof PROBE_KINDS)[number], string> = { livenessProbe: 'liveness', readinessProbe: 'readiness', startupProbe: 'startup' };

export interface ProbePort {
  probe: (typeof PROBE_KINDS)[number];
  path: string;
  port: unknown;
}

export function probePorts(c: ContainerView): ProbePort[] {
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

export function declaredPorts(container: JsonObject): { names: Set<string>; numbers: Set<number> } {
  const names = new Set<string>();
  const numbers = new Set<number>();
  for (const p of asArray(container.ports)) {
    if (!isObject(p)) continue;
    if (typeof p.name === 'string') names.add(p.name);
    if (typeof p.containerPort === 'number') numbers.add(p.containerPort);
  }
  return { names, numbers };
}

export const PROBES = `        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /ready, port: http}}
        livenessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 20}`;

export const SPREAD = `      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: kubernetes.io/hostname
        whenUnsatisfiable: ScheduleAnyway
        labelSelector: {matchLabels: {app: web}}`;

/** A Prometheus Operator custom resource: the operator makes StatefulSet prometheus-k8s from it. */
export const PROMETHEUS_CR = `apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata: {name: k8s, namespace: shop}
spec:
  replicas: 2
  serviceAccountName: prometheus-k8s`;

/** A custom resource kshield does not know: an operator may make pods from it. */
export const KAFKA_CR = `apiVersion: kafka.strimzi.io/v1beta2
kind: Kafka
metadata: {name: events, namespace: shop}
spec: {}`;

// ---------------------------------------------------------------------------------------------

/** A rule for long-running containers that lack one kind of probe. */
export function probeMissingRule(spec: {
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
