/**
 * Controller-added pod labels: the labels a controller puts on the pods it creates, on top of the
 * pod template's. A selector may name them (argo-cd's HA install selects one Redis pod with
 * `statefulset.kubernetes.io/pod-name: argocd-redis-ha-server-0`), so every place that asks "does
 * some workload's pods match this selector" asks it of the labels the pods will really carry, as
 * modelled here. Followed sources (kubernetes/kubernetes):
 *
 * - StatefulSet (pkg/controller/statefulset/stateful_set_utils.go, updateIdentity and
 *   newVersionedStatefulSetPod): every pod carries `statefulset.kubernetes.io/pod-name: <set>-<ordinal>`
 *   and `controller-revision-hash: <revision name>`; from 1.28 (PodIndexLabel, beta and on by default
 *   in 1.28, GA in 1.32) also `apps.kubernetes.io/pod-index: <ordinal>`. Ordinals run from
 *   spec.ordinals.start (default 0; StatefulSetStartOrdinal, GA in 1.31) for spec.replicas pods
 *   (default 1). The controller sets these after copying the template, so they win over it.
 * - Deployment (pkg/controller/deployment/sync.go): each ReplicaSet's template gets
 *   `pod-template-hash: <hash of the pod template>`, overriding the template's.
 * - DaemonSet (pkg/controller/daemon/util CreatePodTemplate): `controller-revision-hash` and
 *   `pod-template-generation` (from the deprecated.daemonset.template.generation annotation the API
 *   server keeps on every DaemonSet), overriding the template's.
 * - Job (pkg/registry/batch/job/strategy.go generateSelector), unless spec.manualSelector is true:
 *   `job-name: <job name>` and `controller-uid: <uid>`, and from 1.27 the same under
 *   `batch.kubernetes.io/`; a label the template already sets keeps the template's value.
 *   Indexed Jobs (pkg/controller/job, addCompletionIndexLabel, PodIndexLabel as above) add
 *   `batch.kubernetes.io/job-completion-index: <index>` for indexes 0 .. completions-1.
 * - CronJob: its Jobs are named `<cronjob>-<scheduled minutes>` (or anything, for a Job created by
 *   hand from it), so their job-name is a value computed at run time, as the uid is.
 * - ReplicaSet, ReplicationController and bare Pods add nothing (a ReplicaSet or Pod listed from a
 *   cluster already carries what its controller gave it).
 *
 * How a selector meets a label whose value the manifest does not hold (hashes, uids, CronJob job
 * names): `In`, `NotIn` and `Exists` can be satisfied by some value, so they may match; only
 * `DoesNotExist` cannot (the label is always there). Per-pod ordinals are exact: `In` and `NotIn`
 * on pod-name, pod-index or job-completion-index keep the ordinals they allow, and the pods match
 * only if one of those ordinals exists (any ordinal from the first one, when an autoscaler decides
 * the count or spec.replicas is not a number).
 */
import type { Labels, SelectorRequirement } from './labels.js';
import { requirementMatches } from './labels.js';

const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';
const POD_TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
const STATEFULSET_POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
const LEGACY_JOB_NAME_LABEL = 'job-name';
const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
const JOB_COMPLETION_INDEX_LABEL = 'batch.kubernetes.io/job-completion-index';

/** Label keys whose value differs from pod to pod by ordinal: selectors naming them pick single pods. */
export const ORDINAL_LABEL_KEYS: readonly string[] = [STATEFULSET_POD_NAME_LABEL, POD_INDEX_LABEL, JOB_COMPLETION_INDEX_LABEL];

/** A label the controller adds whose value is not written in the manifest. */
export type AddedLabel =
  /** The same for a group of pods, decided at run time (a hash, a uid, a generated Job name). */
  | { kind: 'computed'; what: string }
  /** `prefix` followed by the pod's ordinal in decimal. */
  | { kind: 'ordinal'; prefix: string };

/** The labels the pods of one workload carry. */
export interface PodLabelModel {
  /** Labels with one known value on every pod: the template's, less those the controller overrides, plus the known ones it adds. */
  fixed: Labels;
  /** Labels the controller adds whose value the manifest does not hold. */
  added: ReadonlyMap<string, AddedLabel>;
  /** The ordinals of the pods, when some added label carries one: first .. first+count-1 (count undefined: not known). */
  ordinals?: { first: number; count?: number };
}

/** How a selector meets a workload's pods. */
export type PodMatch =
  | { kind: 'none' }
  | { kind: 'all' }
  /** Some pods: those with some ordinals (`pods` of them, when known), or whose run-time value is the one named. */
  | { kind: 'some'; pods?: number };

export interface ControllerLabelOptions {
  /** An autoscaler (HorizontalPodAutoscaler) targets the workload: its replica count is not the manifest's. */
  autoscaled?: boolean;
  /** Target Kubernetes version ("1.34"): labels added from a release on are left out before it. Default: the newest behaviour. */
  kubernetesVersion?: string;
}

/** The shape of a workload these functions read: kind, name and the object. */
export interface WorkloadShape {
  kind: string;
  name: string;
  apiVersion?: string;
  object: Record<string, unknown>;
}

function minorOf(version: string | undefined): number {
  const m = /^v?1\.(\d+)/.exec(version ?? '');
  return m ? Number(m[1]) : Number.POSITIVE_INFINITY;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function at(object: unknown, ...path: string[]): unknown {
  let node = object;
  for (const p of path) {
    if (!isRecord(node)) return undefined;
    node = node[p];
  }
  return node;
}

/** A count from a manifest field: a non-negative integer, else undefined (templated or malformed). */
function countOf(value: unknown, absent: number): number | undefined {
  if (value === undefined || value === null) return absent;
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

const HASH = (what: string): AddedLabel => ({ kind: 'computed', what });

/**
 * The labels of the pods a built-in controller creates from `template` (the template's labels).
 * Kinds that add nothing get the template's labels alone.
 */
export function controllerPodLabels(workload: WorkloadShape, template: Labels, options: ControllerLabelOptions = {}): PodLabelModel {
  const minor = minorOf(options.kubernetesVersion);
  const fixed: Record<string, string> = { ...template };
  const added = new Map<string, AddedLabel>();
  const override = (key: string, label: AddedLabel): void => {
    delete fixed[key];
    added.set(key, label);
  };
  const spec = at(workload.object, 'spec');
  let ordinals: PodLabelModel['ordinals'];
  switch (workload.kind) {
    case 'StatefulSet': {
      const replicas = countOf(at(spec, 'replicas'), 1);
      const start = countOf(at(spec, 'ordinals', 'start'), 0) ?? 0;
      // Scaled to zero, an autoscaler's, or not a number: the pods that will exist are not known.
      ordinals = { first: start, count: options.autoscaled || replicas === 0 ? undefined : replicas };
      override(STATEFULSET_POD_NAME_LABEL, { kind: 'ordinal', prefix: `${workload.name}-` });
      if (minor >= 28) override(POD_INDEX_LABEL, { kind: 'ordinal', prefix: '' });
      override(CONTROLLER_REVISION_HASH_LABEL, HASH('the name of its current revision'));
      break;
    }
    case 'Deployment':
      override(POD_TEMPLATE_HASH_LABEL, HASH('a hash of the pod template'));
      break;
    case 'DaemonSet':
      override(CONTROLLER_REVISION_HASH_LABEL, HASH('a hash of its current revision'));
      override(POD_TEMPLATE_GENERATION_LABEL, HASH('the generation of the pod template'));
      break;
    case 'Job':
    case 'CronJob': {
      const jobSpec = workload.kind === 'Job' ? spec : at(spec, 'jobTemplate', 'spec');
      if (at(jobSpec, 'manualSelector') === true) break;
      const jobName: AddedLabel | string = workload.kind === 'Job' ? workload.name : HASH('the name of each Job it runs');
      const names = minor >= 27 ? [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL] : [LEGACY_JOB_NAME_LABEL];
      const uids = minor >= 27 ? [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL] : [LEGACY_CONTROLLER_UID_LABEL];
      // generateSelector keeps a value the template sets (validation rejects a conflicting uid).
      for (const key of names) {
        if (key in template) continue;
        if (typeof jobName === 'string') fixed[key] = jobName;
        else added.set(key, jobName);
      }
      for (const key of uids) if (!(key in template)) added.set(key, HASH("the Job's uid"));
      if (at(jobSpec, 'completionMode') === 'Indexed' && minor >= 28) {
        override(JOB_COMPLETION_INDEX_LABEL, { kind: 'ordinal', prefix: '' });
        const completions = countOf(at(jobSpec, 'completions'), Number.NaN);
        ordinals = { first: 0, count: completions === undefined || Number.isNaN(completions) || completions === 0 ? undefined : completions };
      }
      break;
    }
    default:
      break;
  }
  return { fixed, added, ordinals };
}

/**
 * The labels of the pods of a controller an operator creates (its StatefulSet, Deployment or
 * DaemonSet, named `name`), from the pod labels the operator gives them.
 */
export function operatorControllerPodLabels(kind: 'StatefulSet' | 'Deployment' | 'DaemonSet', name: string, podLabels: Labels, replicas: number | undefined, options: ControllerLabelOptions = {}): PodLabelModel {
  // A count the operator decides (undefined) is written as a non-number: not known, as for a templated manifest.
  const object: Record<string, unknown> = kind === 'StatefulSet' ? { spec: { replicas: replicas ?? 'decided by the operator' } } : { spec: {} };
  return controllerPodLabels({ kind, name, object }, podLabels, options);
}

/** The ordinal a label value names for an ordinal label with this prefix (strconv.Itoa form), or undefined. */
function ordinalIn(value: string, prefix: string): number | undefined {
  if (!value.startsWith(prefix)) return undefined;
  const digits = value.slice(prefix.length);
  if (!/^(0|[1-9][0-9]{0,9})$/.test(digits)) return undefined;
  const n = Number(digits);
  return n <= 2147483647 ? n : undefined;
}

/** A set of ordinals: either exactly `values`, or every ordinal except `values`. */
interface OrdinalSet {
  only: boolean;
  values: Set<number>;
}

function intersect(a: OrdinalSet, b: OrdinalSet): OrdinalSet {
  if (a.only && b.only) return { only: true, values: new Set([...a.values].filter((v) => b.values.has(v))) };
  if (a.only) return { only: true, values: new Set([...a.values].filter((v) => !b.values.has(v))) };
  if (b.only) return { only: true, values: new Set([...b.values].filter((v) => !a.values.has(v))) };
  return { only: false, values: new Set([...a.values, ...b.values]) };
}

/**
 * Which pods of a workload a selector's requirements (ANDed, as parsed by parseLabelSelector)
 * select. An empty list selects every pod.
 */
export function matchPods(requirements: readonly SelectorRequirement[], model: PodLabelModel): PodMatch {
  let every = true;
  let allowed: OrdinalSet | undefined;
  for (const r of requirements) {
    const added = model.added.get(r.key);
    if (!added) {
      if (!requirementMatches(r, model.fixed)) return { kind: 'none' };
      continue;
    }
    if (r.operator === 'DoesNotExist') return { kind: 'none' };
    if (r.operator === 'Exists') continue;
    if (added.kind === 'computed') {
      // In: only the pods whose run-time value is one of those named. NotIn: those whose value is not.
      every = false;
      continue;
    }
    const named = new Set<number>();
    for (const v of r.values) {
      const n = ordinalIn(v, added.prefix);
      if (n !== undefined) named.add(n);
    }
    const set: OrdinalSet = { only: r.operator === 'In', values: named };
    allowed = allowed ? intersect(allowed, set) : set;
  }
  if (!allowed) return every ? { kind: 'all' } : { kind: 'some' };
  const first = model.ordinals?.first ?? 0;
  const count = model.ordinals?.count;
  const inRange = (n: number): boolean => n >= first && (count === undefined || n < first + count);
  if (allowed.only) {
    const pods = [...allowed.values].filter(inRange).length;
    if (pods === 0) return { kind: 'none' };
    if (count !== undefined && pods === count && every) return { kind: 'all' };
    return { kind: 'some', pods: count === undefined ? undefined : pods };
  }
  if (count === undefined) return allowed.values.size === 0 && every ? { kind: 'all' } : { kind: 'some' };
  const pods = count - [...allowed.values].filter(inRange).length;
  if (pods === 0) return { kind: 'none' };
  if (pods === count && every) return { kind: 'all' };
  return { kind: 'some', pods };
}

/** Whether some pod of the workload carries every label of an equality selector (Service.spec.selector). */
export function mapSelectsSomePod(selector: Labels, model: PodLabelModel): boolean {
  return matchPods(Object.entries(selector).map(([key, value]) => ({ key, operator: 'In' as const, values: [value] })), model).kind !== 'none';
}
