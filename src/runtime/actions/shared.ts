/**
 * What the response actions share: the labels and annotations kshield writes (and `kshield
 * respond restore` reads back), reading the target pod, the pod's controller chain, the owner's
 * selector check, and the record of previous label/annotation values that makes restore exact.
 */
import type { JsonObject } from '../../core/types.js';
import { isObject } from '../../core/values.js';
import { labelKeyProblem, labelValueProblem, labelsOf, mapSelectorMatches, parseLabelSelector, selectorMatches, type Labels } from '../../k8s/labels.js';
import type { ActionContext, ActionName, ActionOutcome, TouchedObject } from '../action.js';
import { describeApiError, isConflict, isNotFound, kubeRest, type KubeRest } from './kube.js';

/** The label `label` sets (and `isolate` relies on nothing else than its own label). */
export const QUARANTINE_LABEL = 'kshield.io/quarantined';
/** The label `isolate` sets on the pod: its value is the pod's UID, so the policy selects this pod only. */
export const ISOLATE_LABEL = 'kshield.io/isolate';
export const ALERT_ID_ANNOTATION = 'kshield.io/alert-id';
export const ALERT_RULE_ANNOTATION = 'kshield.io/alert-rule';
export const ALERT_TIME_ANNOTATION = 'kshield.io/alert-time';
export const QUARANTINED_AT_ANNOTATION = 'kshield.io/quarantined-at';
/**
 * On an object kshield labelled or annotated: JSON `{labels: {key: previous|null}, annotations: {…}}`,
 * the value each key had before kshield first changed it (null: it was absent). Restore puts those back.
 */
export const RESTORE_ANNOTATION = 'kshield.io/restore';
/** On a Deployment or StatefulSet `scale-to-zero` scaled: the replica count it had before. */
export const SCALED_FROM_ANNOTATION = 'kshield.io/replicas-before-scale-to-zero';
/** On a node `cordon` cordoned: JSON `{pod, alert, at}`; restore uncordons only nodes carrying it. */
export const CORDONED_ANNOTATION = 'kshield.io/cordoned-by';
/** On the network policies `isolate` creates. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'kshield';
export const ISOLATED_POD_ANNOTATION = 'kshield.io/isolated-pod';
/** On those policies: JSON of what they deny (`{all, destinations}`), so a second alert adds to it. */
export const ISOLATION_ANNOTATION = 'kshield.io/isolation';

export const podPath = (namespace: string, name: string): string => `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`;
export const nodePath = (name: string): string => `/api/v1/nodes/${encodeURIComponent(name)}`;
export const appsPath = (plural: string, namespace: string, name?: string): string =>
  `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/${plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;

export function outcome(action: ActionName, status: ActionOutcome['status'], reason: string, objects: TouchedObject[] = []): ActionOutcome {
  return { action, status, reason, objects };
}

export const metadataOf = (object: JsonObject | undefined): JsonObject => (isObject(object?.metadata) ? (object!.metadata as JsonObject) : {});
export const annotationsOf = (object: JsonObject | undefined): Record<string, string> => {
  const annotations = metadataOf(object).annotations;
  const out: Record<string, string> = {};
  if (isObject(annotations)) for (const [k, v] of Object.entries(annotations)) if (typeof v === 'string') out[k] = v;
  return out;
};
export const nameOf = (object: JsonObject | undefined): string => String(metadataOf(object).name ?? '');
export const uidOf = (object: JsonObject | undefined): string => String(metadataOf(object).uid ?? '');

export const podRef = (namespace: string, name: string, change: string): TouchedObject => ({ apiVersion: 'v1', kind: 'Pod', namespace, name, change });

/** The target pod as it is now, or the outcome to return when it cannot be acted on. */
export async function readTargetPod(action: ActionName, ctx: ActionContext): Promise<{ pod: JsonObject; rest: KubeRest } | { outcome: ActionOutcome }> {
  const rest = kubeRest(ctx.client);
  const { namespace, pod: name } = ctx.target;
  if (!namespace || !name) return { outcome: outcome(action, 'refused', 'the alert names no pod (namespace and pod name) to act on') };
  let pod: JsonObject | undefined;
  try {
    pod = await rest.find(podPath(namespace, name), ctx.signal);
  } catch (error) {
    return { outcome: outcome(action, 'failed', `could not read pod ${namespace}/${name}: ${describeApiError(error)}`) };
  }
  if (!pod) return { outcome: outcome(action, 'skipped', `pod ${namespace}/${name} no longer exists`) };
  return { pod, rest };
}

export const isTerminating = (pod: JsonObject): boolean => metadataOf(pod).deletionTimestamp !== undefined && metadataOf(pod).deletionTimestamp !== null;

/** Ready as the endpoints controller counts it: condition Ready=True, and not being deleted. */
export function isReady(pod: JsonObject): boolean {
  if (isTerminating(pod)) return false;
  const conditions = (pod.status as JsonObject | undefined)?.conditions;
  return Array.isArray(conditions) && conditions.some((c) => isObject(c) && c.type === 'Ready' && c.status === 'True');
}

export interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

/** The reference with `controller: true`: the one controller that manages (and replaces) the object. */
export function controllerOf(object: JsonObject): OwnerRef | undefined {
  const refs = metadataOf(object).ownerReferences;
  if (!Array.isArray(refs)) return undefined;
  const ref = refs.find((r) => isObject(r) && r.controller === true) as JsonObject | undefined;
  if (!ref) return undefined;
  return { apiVersion: String(ref.apiVersion ?? ''), kind: String(ref.kind ?? ''), name: String(ref.name ?? ''), uid: String(ref.uid ?? '') };
}

export interface PodOwner {
  ref: OwnerRef;
  /** The controller object as read now; undefined when it is gone or not a kind kshield reads. */
  object?: JsonObject;
  /** For a ReplicaSet owned by a Deployment: that Deployment. */
  deployment?: JsonObject;
  /** The controller of the ReplicaSet (a Deployment, or e.g. an Argo Rollout). */
  parentRef?: OwnerRef;
}

const APPS_PLURALS: Record<string, string> = { ReplicaSet: 'replicasets', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets', Deployment: 'deployments' };

/** Reads the controller of an apps/v1 (or v1 ReplicationController, batch/v1 Job) reference; undefined for other kinds or when gone. */
export async function readController(rest: KubeRest, namespace: string, ref: OwnerRef, signal?: AbortSignal): Promise<JsonObject | undefined> {
  let path: string | undefined;
  if (ref.apiVersion === 'apps/v1' && APPS_PLURALS[ref.kind]) path = appsPath(APPS_PLURALS[ref.kind], namespace, ref.name);
  else if (ref.apiVersion === 'v1' && ref.kind === 'ReplicationController') path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/replicationcontrollers/${encodeURIComponent(ref.name)}`;
  else if (ref.apiVersion === 'batch/v1' && ref.kind === 'Job') path = `/apis/batch/v1/namespaces/${encodeURIComponent(namespace)}/jobs/${encodeURIComponent(ref.name)}`;
  if (!path) return undefined;
  const object = await rest.find(path, signal);
  // A same-named object made after the one the reference names is not the owner.
  return object && uidOf(object) === ref.uid ? object : undefined;
}

/** The pod's controller and, for a Deployment's ReplicaSet, the Deployment. Undefined for a standalone pod. */
export async function podOwner(rest: KubeRest, pod: JsonObject, signal?: AbortSignal): Promise<PodOwner | undefined> {
  const ref = controllerOf(pod);
  if (!ref) return undefined;
  const namespace = String(metadataOf(pod).namespace ?? '');
  const object = await readController(rest, namespace, ref, signal);
  const owner: PodOwner = { ref, object };
  if (object && ref.kind === 'ReplicaSet') {
    const parent = controllerOf(object);
    owner.parentRef = parent;
    if (parent && parent.kind === 'Deployment' && parent.apiVersion === 'apps/v1') owner.deployment = await readController(rest, namespace, parent, signal);
  }
  return owner;
}

export const describeRef = (ref: OwnerRef): string => `${ref.kind} ${ref.name}`;

/**
 * Why changing the pod's labels from `before` to `after` would take it out of its controller's
 * selector, or undefined when it stays selected. A pod that stops matching is released (its
 * ownerReference removed) and the controller starts another one to keep its replica count: the
 * quarantined pod would keep running, unmanaged, next to a fresh copy.
 */
export function ownerSelectorProblem(owner: PodOwner | undefined, before: Labels, after: Labels): string | undefined {
  if (!owner) return undefined;
  if (!owner.object) {
    // An operator's custom resource has a selector kshield cannot read. Adding a label the pod does
    // not have can only take it out of a selector that names that very key (DoesNotExist, NotIn),
    // which a controller does not do with kshield's keys; changing an existing label could.
    const modified = Object.keys(after).filter((k) => k in before && after[k] !== before[k]);
    if (modified.length === 0) return undefined;
    return `the pod's controller ${describeRef(owner.ref)} is not a kind whose selector kshield reads, and the change alters existing labels (${modified.join(', ')}) it may select by`;
  }
  const spec = (owner.object.spec ?? {}) as JsonObject;
  const matches = (labels: Labels): boolean => {
    if (owner.ref.kind === 'ReplicationController') {
      // An RC without a selector defaults it to the template's labels.
      const selector = isObject(spec.selector) ? (spec.selector as Record<string, string>) : labelsOf((spec.template as JsonObject | undefined)?.metadata);
      return mapSelectorMatches(selector, labels);
    }
    return selectorMatches(spec.selector, labels);
  };
  if (!matches(before) || matches(after)) return undefined;
  const parsed = owner.ref.kind === 'ReplicationController' ? undefined : parseLabelSelector(spec.selector);
  const selectorKeys = new Set(parsed?.kind === 'selector' ? parsed.selector.requirements.map((r) => r.key) : Object.keys(isObject(spec.selector) ? spec.selector : {}));
  const changedKeys = Object.keys(after).filter((k) => after[k] !== before[k]);
  const changed = changedKeys.some((k) => selectorKeys.has(k)) ? changedKeys.filter((k) => selectorKeys.has(k)) : changedKeys;
  return `${describeRef(owner.ref)} selects its pods by labels this change would alter (${changed.join(', ')}): the pod would leave its selector, be orphaned and replaced by a new pod`;
}

export interface RestoreRecord {
  labels: Record<string, string | null>;
  annotations: Record<string, string | null>;
}

export function readRestoreRecord(object: JsonObject | undefined): RestoreRecord {
  const raw = annotationsOf(object)[RESTORE_ANNOTATION];
  const record: RestoreRecord = { labels: {}, annotations: {} };
  if (!raw) return record;
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (isObject(parsed)) {
      for (const part of ['labels', 'annotations'] as const) {
        const entries = parsed[part];
        if (isObject(entries)) for (const [k, v] of Object.entries(entries)) if (typeof v === 'string' || v === null) record[part][k] = v;
      }
    }
  } catch {
    // A record someone edited into invalid JSON: restore then only removes kshield's own keys.
  }
  return record;
}

export interface MetadataChange {
  /** The JSON merge patch (with resourceVersion, so a concurrent change is a Conflict). */
  patch: JsonObject;
  labels: string[];
  annotations: string[];
}

/**
 * The merge patch setting `labels` and `annotations` on `object`, recording each key's value from
 * before kshield first touched it. Keys that already hold the wanted value are left out; undefined
 * when nothing would change.
 */
export function metadataChange(object: JsonObject, labels: Record<string, string>, annotations: Record<string, string>): MetadataChange | undefined {
  const currentLabels = labelsOf(metadataOf(object));
  const currentAnnotations = annotationsOf(object);
  const record = readRestoreRecord(object);
  const setLabels: Record<string, string> = {};
  const setAnnotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) {
    if (currentLabels[k] === v) continue;
    setLabels[k] = v;
    if (!(k in record.labels)) record.labels[k] = currentLabels[k] ?? null;
  }
  for (const [k, v] of Object.entries(annotations)) {
    if (currentAnnotations[k] === v) continue;
    setAnnotations[k] = v;
    if (!(k in record.annotations)) record.annotations[k] = currentAnnotations[k] ?? null;
  }
  if (Object.keys(setLabels).length === 0 && Object.keys(setAnnotations).length === 0) return undefined;
  const metadata: JsonObject = { resourceVersion: metadataOf(object).resourceVersion, annotations: { ...setAnnotations, [RESTORE_ANNOTATION]: JSON.stringify(record) } };
  if (Object.keys(setLabels).length > 0) metadata.labels = setLabels;
  return { patch: { metadata }, labels: Object.keys(setLabels), annotations: Object.keys(setAnnotations) };
}

/**
 * Applies `change` (built by `build` from the object as read) with optimistic concurrency: on a
 * Conflict the object is read again and the change rebuilt, a few times.
 */
export async function patchWithRetry(
  rest: KubeRest,
  path: string,
  first: JsonObject,
  build: (current: JsonObject) => JsonObject | undefined,
  signal?: AbortSignal,
): Promise<{ object: JsonObject; patched: boolean }> {
  let current = first;
  for (let attempt = 0; ; attempt++) {
    const patch = build(current);
    if (!patch) return { object: current, patched: false };
    try {
      return { object: await rest.patch(path, patch, 'merge', signal), patched: true };
    } catch (error) {
      if (!isConflict(error) || attempt >= 4) throw error;
      current = await rest.get(path, signal);
    }
  }
}

export { describeApiError, isNotFound };

/** `a, b and c` for reasons. */
export function listText(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * Sets labels and annotations on the target pod, recording the previous values for restore. Refuses
 * a label change that would take the pod out of its controller's selector.
 */
export async function markPod(action: ActionName, ctx: ActionContext, labels: Record<string, string>, annotations: Record<string, string>): Promise<ActionOutcome> {
  const read = await readTargetPod(action, ctx);
  if ('outcome' in read) return read.outcome;
  const { pod, rest } = read;
  const { namespace, pod: name } = ctx.target;
  if (isTerminating(pod)) return outcome(action, 'skipped', `pod ${namespace}/${name} is being deleted`);
  const change = metadataChange(pod, labels, annotations);
  const what = (c: MetadataChange): string =>
    listText([...(c.labels.length ? [`label${c.labels.length > 1 ? 's' : ''} ${c.labels.join(', ')}`] : []), ...(c.annotations.length ? [`annotation${c.annotations.length > 1 ? 's' : ''} ${c.annotations.join(', ')}`] : [])]);
  if (!change) return outcome(action, 'skipped', `pod ${namespace}/${name} already carries these labels and annotations`);
  if (change.labels.length > 0) {
    let owner: PodOwner | undefined;
    try {
      owner = await podOwner(rest, pod, ctx.signal);
    } catch (error) {
      return outcome(action, 'failed', `could not read the controller of pod ${namespace}/${name}: ${describeApiError(error)}`);
    }
    const before = labelsOf(metadataOf(pod));
    const problem = ownerSelectorProblem(owner, before, { ...before, ...labels });
    if (problem) return outcome(action, 'refused', `not labelling pod ${namespace}/${name}: ${problem}`);
  }
  if (ctx.dryRun) return outcome(action, 'dry-run', `would set ${what(change)} on pod ${namespace}/${name}`, [podRef(namespace, name, 'would-patch')]);
  try {
    let applied = change;
    await patchWithRetry(rest, podPath(namespace, name), pod, (current) => {
      if (uidOf(current) !== uidOf(pod)) throw new Error(`pod ${namespace}/${name} was replaced by another pod of the same name`);
      const next = metadataChange(current, labels, annotations);
      if (next) applied = next;
      return next?.patch;
    }, ctx.signal);
    ctx.log.info({ action, namespace, pod: name, labels: applied.labels, annotations: applied.annotations }, 'pod marked');
    return outcome(action, 'done', `set ${what(applied)} on pod ${namespace}/${name}`, [podRef(namespace, name, 'patched')]);
  } catch (error) {
    return outcome(action, 'failed', `could not patch pod ${namespace}/${name}: ${describeApiError(error)}`);
  }
}

/** Problems with user-given label keys and values, one sentence each. */
export function labelProblems(labels: Record<string, unknown>, reserved: readonly string[]): string[] {
  const problems: string[] = [];
  for (const [k, v] of Object.entries(labels)) {
    const keyProblem = labelKeyProblem(k);
    if (keyProblem) problems.push(`label key "${k}" ${keyProblem}`);
    else if (reserved.includes(k) || k === RESTORE_ANNOTATION) problems.push(`label key "${k}" is set by kshield itself`);
    if (typeof v !== 'string') problems.push(`label "${k}" must have a string value`);
    else {
      const valueProblem = labelValueProblem(v);
      // The value is the policy author's text, not a secret, but it is not echoed: the key is enough to find it.
      if (valueProblem) problems.push(`the value of label "${k}" ${valueProblem}`);
    }
  }
  return problems;
}
