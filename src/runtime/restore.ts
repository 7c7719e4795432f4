/**
 * `kshield respond restore`: undoes what the response actions did, exactly, from what they
 * recorded in the cluster (so it works from any machine, after any restart):
 *
 * - `NAMESPACE/POD`: deletes the isolation policies kshield made for the pod (every dialect the API
 *   server serves), puts back each label and annotation kshield changed on it to the value it had
 *   before (from `kshield.io/restore`), and uncordons the nodes kshield cordoned for it.
 * - `NAMESPACE/deployment/NAME`, `NAMESPACE/statefulset/NAME`: sets the replica count recorded by
 *   scale-to-zero and removes the record. If the count is no longer 0, someone has changed it since:
 *   restore refuses rather than override them.
 */
import type { Logger } from 'pino';
import type { JsonObject } from '../core/types.js';
import type { KubeClient } from '../sources/kube-client.js';
import type { TouchedObject } from './action.js';
import { ISOLATION_DIALECTS, policyCollectionPath, type IsolationVariant } from './actions/isolate.js';
import { describeApiError, isNotFound, kubeRest, type KubeRest } from './actions/kube.js';
import { replicasOf } from './actions/scale-to-zero.js';
import {
  CORDONED_ANNOTATION,
  ISOLATED_POD_ANNOTATION,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  RESTORE_ANNOTATION,
  SCALED_FROM_ANNOTATION,
  annotationsOf,
  appsPath,
  metadataOf,
  nameOf,
  nodePath,
  patchWithRetry,
  podPath,
  readRestoreRecord,
  uidOf,
} from './actions/shared.js';

export type RestoreTarget = { kind: 'pod'; namespace: string; name: string } | { kind: 'deployment' | 'statefulset'; namespace: string; name: string };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** `NAMESPACE/POD`, `NAMESPACE/deployment/NAME` or `NAMESPACE/statefulset/NAME`; throws a sentence saying what is wrong. */
export function parseRestoreTarget(text: string): RestoreTarget {
  const parts = text.split('/');
  const usage = 'expected NAMESPACE/POD, NAMESPACE/deployment/NAME or NAMESPACE/statefulset/NAME';
  if (parts.length !== 2 && parts.length !== 3) throw new Error(`"${text.slice(0, 300)}": ${usage}`);
  const namespace = parts[0];
  if (!DNS_LABEL.test(namespace) || namespace.length > 63) throw new Error(`"${namespace.slice(0, 100)}" is not a namespace name (a lowercase DNS label); ${usage}`);
  const name = parts[parts.length - 1];
  if (!DNS_SUBDOMAIN.test(name) || name.length > 253) throw new Error(`"${name.slice(0, 100)}" is not an object name (a lowercase DNS subdomain); ${usage}`);
  if (parts.length === 2) return { kind: 'pod', namespace, name };
  const kind = parts[1].toLowerCase();
  const kinds: Record<string, 'deployment' | 'statefulset'> = { deployment: 'deployment', deployments: 'deployment', deploy: 'deployment', statefulset: 'statefulset', statefulsets: 'statefulset', sts: 'statefulset' };
  if (!kinds[kind]) throw new Error(`"${parts[1].slice(0, 100)}": restore undoes scale-to-zero of a deployment or statefulset; ${usage}`);
  return { kind: kinds[kind], namespace, name };
}

export interface RestoreStep {
  /** `nothing`: there was nothing of kshield's to undo there. */
  status: 'done' | 'dry-run' | 'nothing' | 'refused' | 'failed';
  reason: string;
  objects: TouchedObject[];
}

export interface RestoreOptions {
  client: KubeClient;
  dryRun?: boolean;
  signal?: AbortSignal;
  log?: Logger;
}

const step = (status: RestoreStep['status'], reason: string, objects: TouchedObject[] = []): RestoreStep => ({ status, reason, objects });

/** Every undo that applies to the target, one step each; never throws for cluster errors (they are failed steps). */
export async function restore(target: RestoreTarget, options: RestoreOptions): Promise<RestoreStep[]> {
  const rest = kubeRest(options.client);
  if (target.kind === 'pod') {
    return [
      ...(await removeIsolation(rest, target.namespace, target.name, options)),
      await restorePodMetadata(rest, target.namespace, target.name, options),
      ...(await uncordon(rest, target.namespace, target.name, options)),
    ];
  }
  return [await restoreReplicas(rest, target.kind, target.namespace, target.name, options)];
}

async function removeIsolation(rest: KubeRest, namespace: string, pod: string, options: RestoreOptions): Promise<RestoreStep[]> {
  const steps: RestoreStep[] = [];
  for (const variant of Object.keys(ISOLATION_DIALECTS) as IsolationVariant[]) {
    const dialect = ISOLATION_DIALECTS[variant];
    let policies: JsonObject[];
    try {
      if (variant !== 'kubernetes' && !(await rest.serves(dialect.apiVersion, dialect.resource, options.signal))) continue;
      policies = await rest.list(policyCollectionPath(variant, namespace), { labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}` }, options.signal);
    } catch (error) {
      steps.push(step('failed', `could not list ${dialect.kind} (${dialect.apiVersion}) in ${namespace}: ${describeApiError(error)}`));
      continue;
    }
    for (const policy of policies) {
      if (annotationsOf(policy)[ISOLATED_POD_ANNOTATION] !== pod) continue;
      const name = nameOf(policy);
      const ref = (change: string): TouchedObject => ({ apiVersion: dialect.apiVersion, kind: dialect.kind, namespace, name, change });
      if (options.dryRun) {
        steps.push(step('dry-run', `would delete ${dialect.kind} ${namespace}/${name}, which isolates pod ${namespace}/${pod}`, [ref('would-delete')]));
        continue;
      }
      try {
        await rest.delete(`${policyCollectionPath(variant, namespace)}/${encodeURIComponent(name)}`, { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: uidOf(policy) } }, options.signal);
        options.log?.info({ restore: 'isolation', namespace, pod, policy: name, apiVersion: dialect.apiVersion }, 'isolation removed');
        steps.push(step('done', `deleted ${dialect.kind} ${namespace}/${name} (${dialect.apiVersion}), which isolated pod ${namespace}/${pod}`, [ref('deleted')]));
      } catch (error) {
        if (isNotFound(error)) continue;
        steps.push(step('failed', `could not delete ${dialect.kind} ${namespace}/${name}: ${describeApiError(error)}`));
      }
    }
  }
  if (steps.length === 0) steps.push(step('nothing', `no isolation policy of kshield's names pod ${namespace}/${pod}`));
  return steps;
}

/** The merge patch putting back what the restore record says; undefined when there is no record. */
function metadataRestorePatch(object: JsonObject): JsonObject | undefined {
  if (annotationsOf(object)[RESTORE_ANNOTATION] === undefined) return undefined;
  const record = readRestoreRecord(object);
  const metadata: JsonObject = { resourceVersion: metadataOf(object).resourceVersion, annotations: { ...record.annotations, [RESTORE_ANNOTATION]: null } };
  if (Object.keys(record.labels).length > 0) metadata.labels = record.labels;
  return { metadata };
}

async function restorePodMetadata(rest: KubeRest, namespace: string, name: string, options: RestoreOptions): Promise<RestoreStep> {
  const path = podPath(namespace, name);
  const ref = (change: string): TouchedObject => ({ apiVersion: 'v1', kind: 'Pod', namespace, name, change });
  let pod: JsonObject | undefined;
  try {
    pod = await rest.find(path, options.signal);
  } catch (error) {
    return step('failed', `could not read pod ${namespace}/${name}: ${describeApiError(error)}`);
  }
  if (!pod) return step('nothing', `pod ${namespace}/${name} does not exist (nothing to unlabel)`);
  const patch = metadataRestorePatch(pod);
  if (!patch) return step('nothing', `pod ${namespace}/${name} carries no labels or annotations kshield changed`);
  const record = readRestoreRecord(pod);
  const keys = [...Object.keys(record.labels).map((k) => `label ${k}`), ...Object.keys(record.annotations).map((k) => `annotation ${k}`)];
  const what = keys.length > 0 ? keys.join(', ') : 'the restore record';
  if (options.dryRun) return step('dry-run', `would put back ${what} on pod ${namespace}/${name}`, [ref('would-patch')]);
  try {
    await patchWithRetry(rest, path, pod, metadataRestorePatch, options.signal);
  } catch (error) {
    return step('failed', `could not patch pod ${namespace}/${name}: ${describeApiError(error)}`);
  }
  options.log?.info({ restore: 'metadata', namespace, pod: name, keys }, 'pod metadata restored');
  return step('done', `put back ${what} on pod ${namespace}/${name} as they were before kshield`, [ref('patched')]);
}

async function uncordon(rest: KubeRest, namespace: string, pod: string, options: RestoreOptions): Promise<RestoreStep[]> {
  let nodes: JsonObject[];
  try {
    nodes = await rest.list('/api/v1/nodes', {}, options.signal);
  } catch (error) {
    return [step('failed', `could not list nodes to find those kshield cordoned: ${describeApiError(error)}`)];
  }
  const ours = nodes.filter((node) => {
    const raw = annotationsOf(node)[CORDONED_ANNOTATION];
    if (!raw) return false;
    try {
      return (JSON.parse(raw) as { pod?: unknown }).pod === `${namespace}/${pod}`;
    } catch {
      return false;
    }
  });
  if (ours.length === 0) return [step('nothing', `no node carries kshield's cordon for pod ${namespace}/${pod}`)];
  const steps: RestoreStep[] = [];
  for (const node of ours) {
    const name = nameOf(node);
    const ref = (change: string): TouchedObject => ({ apiVersion: 'v1', kind: 'Node', name, change });
    if (options.dryRun) {
      steps.push(step('dry-run', `would uncordon node ${name}, cordoned by kshield for pod ${namespace}/${pod}`, [ref('would-uncordon')]));
      continue;
    }
    try {
      await patchWithRetry(
        rest,
        nodePath(name),
        node,
        (now) => (annotationsOf(now)[CORDONED_ANNOTATION] === undefined ? undefined : { metadata: { resourceVersion: metadataOf(now).resourceVersion, annotations: { [CORDONED_ANNOTATION]: null } }, spec: { unschedulable: null } }),
        options.signal,
      );
      options.log?.info({ restore: 'cordon', node: name, namespace, pod }, 'node uncordoned');
      steps.push(step('done', `uncordoned node ${name}, cordoned by kshield for pod ${namespace}/${pod}`, [ref('uncordoned')]));
    } catch (error) {
      steps.push(step('failed', `could not uncordon node ${name}: ${describeApiError(error)}`));
    }
  }
  return steps;
}

async function restoreReplicas(rest: KubeRest, kind: 'deployment' | 'statefulset', namespace: string, name: string, options: RestoreOptions): Promise<RestoreStep> {
  const Kind = kind === 'deployment' ? 'Deployment' : 'StatefulSet';
  const path = appsPath(kind === 'deployment' ? 'deployments' : 'statefulsets', namespace, name);
  const ref = (change: string): TouchedObject => ({ apiVersion: 'apps/v1', kind: Kind, namespace, name, change });
  let workload: JsonObject | undefined;
  try {
    workload = await rest.find(path, options.signal);
  } catch (error) {
    return step('failed', `could not read ${Kind} ${namespace}/${name}: ${describeApiError(error)}`);
  }
  if (!workload) return step('failed', `${Kind} ${namespace}/${name} does not exist`);
  const recordedText = annotationsOf(workload)[SCALED_FROM_ANNOTATION];
  if (recordedText === undefined) return step('nothing', `${Kind} ${namespace}/${name} was not scaled to zero by kshield (no ${SCALED_FROM_ANNOTATION} annotation)`);
  const recorded = /^\d{1,9}$/.test(recordedText) ? Number(recordedText) : undefined;
  if (recorded === undefined) return step('refused', `${Kind} ${namespace}/${name}: the ${SCALED_FROM_ANNOTATION} annotation does not hold a replica count`);
  const now = replicasOf(workload);
  if (now !== 0) {
    return step('refused', `${Kind} ${namespace}/${name} has ${now} replicas, not 0: it was changed after kshield scaled it to zero, so restore does not override it (remove the ${SCALED_FROM_ANNOTATION} annotation to forget the record)`);
  }
  if (options.dryRun) return step('dry-run', `would scale ${Kind} ${namespace}/${name} back to ${recorded} replicas`, [ref('would-scale')]);
  try {
    const result = await patchWithRetry(
      rest,
      path,
      workload,
      (current) => {
        if (annotationsOf(current)[SCALED_FROM_ANNOTATION] !== recordedText || replicasOf(current) !== 0) throw new Error(`${Kind} ${namespace}/${name} changed while restoring; run restore again`);
        return { metadata: { resourceVersion: metadataOf(current).resourceVersion, annotations: { [SCALED_FROM_ANNOTATION]: null } }, spec: { replicas: recorded } };
      },
      options.signal,
    );
    if (!result.patched) return step('nothing', `${Kind} ${namespace}/${name} needed no change`);
  } catch (error) {
    return step('failed', `could not scale ${Kind} ${namespace}/${name}: ${describeApiError(error)}`);
  }
  options.log?.info({ restore: 'scale', namespace, kind: Kind, name, replicas: recorded }, 'workload scaled back');
  return step('done', `scaled ${Kind} ${namespace}/${name} back to ${recorded} replicas`, [ref('scaled')]);
}
