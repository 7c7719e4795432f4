/**
 * `scale-to-zero`: scales the pod's Deployment (through its ReplicaSet's owner reference) or
 * StatefulSet to 0 replicas, recording the count it had in the annotation
 * `kshield.io/replicas-before-scale-to-zero` in the same write, so `kshield respond restore`
 * puts exactly that back.
 *
 * A HorizontalPodAutoscaler targeting it does not undo this: the HPA controller treats a target at
 * 0 replicas as "autoscaling disabled" (condition ScalingActive=False, reason ScalingDisabled) when
 * its minReplicas is not 0, and resumes once restore sets the count again. With minReplicas 0
 * (the HPAScaleToZero feature gate) it may scale the workload up again: the outcome says so.
 */
import type { JsonObject } from '../../core/types.js';
import type { ActionContext, ActionDefinition } from '../action.js';
import { describeApiError, type KubeRest } from './kube.js';
import {
  SCALED_FROM_ANNOTATION,
  annotationsOf,
  appsPath,
  describeRef,
  listText,
  metadataOf,
  nameOf,
  outcome,
  patchWithRetry,
  podOwner,
  readTargetPod,
  uidOf,
  type PodOwner,
} from './shared.js';

export type ScaleToZeroParams = Record<string, never>;

export const replicasOf = (workload: JsonObject): number => {
  const replicas = (workload.spec as JsonObject | undefined)?.replicas;
  // The API server defaults spec.replicas to 1 for both kinds.
  return typeof replicas === 'number' ? replicas : 1;
};

/** Notes about the HorizontalPodAutoscalers that target the workload. */
async function autoscalerNotes(ctx: ActionContext, rest: KubeRest, namespace: string, kind: string, name: string): Promise<string[]> {
  let hpas: JsonObject[];
  try {
    hpas = await rest.list(`/apis/autoscaling/v1/namespaces/${encodeURIComponent(namespace)}/horizontalpodautoscalers`, {}, ctx.signal);
  } catch (error) {
    return [`could not check for HorizontalPodAutoscalers (${describeApiError(error)})`];
  }
  const notes: string[] = [];
  for (const hpa of hpas) {
    const spec = (hpa.spec ?? {}) as JsonObject;
    const ref = (spec.scaleTargetRef ?? {}) as JsonObject;
    if (ref.kind !== kind || ref.name !== name) continue;
    const min = typeof spec.minReplicas === 'number' ? spec.minReplicas : 1;
    notes.push(
      min === 0
        ? `HorizontalPodAutoscaler ${nameOf(hpa)} has minReplicas 0 and may scale it up again from zero`
        : `HorizontalPodAutoscaler ${nameOf(hpa)} targets it and stops scaling while it has 0 replicas (ScalingDisabled) until restore`,
    );
  }
  return notes;
}

export const scaleToZeroAction: ActionDefinition<ScaleToZeroParams> = {
  name: 'scale-to-zero',
  mutates: true,
  params: { type: 'object', additionalProperties: false, properties: {} } as JsonObject,
  async run(_params, ctx) {
    const { namespace, pod: podName } = ctx.target;
    const read = await readTargetPod('scale-to-zero', ctx);
    if ('outcome' in read) return read.outcome;
    const { pod, rest } = read;
    let owner: PodOwner | undefined;
    try {
      owner = await podOwner(rest, pod, ctx.signal);
    } catch (error) {
      return outcome('scale-to-zero', 'failed', `could not read the controller of pod ${namespace}/${podName}: ${describeApiError(error)}`);
    }
    if (!owner) return outcome('scale-to-zero', 'refused', `pod ${namespace}/${podName} has no controller to scale (kill with allow-standalone deletes it)`);
    let workload: JsonObject | undefined;
    let kind: 'Deployment' | 'StatefulSet';
    if (owner.deployment) {
      workload = owner.deployment;
      kind = 'Deployment';
    } else if (owner.ref.kind === 'StatefulSet' && owner.object) {
      workload = owner.object;
      kind = 'StatefulSet';
    } else {
      const why =
        owner.ref.kind === 'ReplicaSet' && owner.object
          ? owner.parentRef
            ? `its ReplicaSet ${owner.ref.name} is managed by ${describeRef(owner.parentRef)}${owner.parentRef.kind === 'Deployment' ? ', which could not be read' : ''}`
            : `its ReplicaSet ${owner.ref.name} has no Deployment`
          : owner.ref.kind === 'DaemonSet'
            ? 'a DaemonSet runs one pod per node and has no replica count (kill or cordon instead)'
            : owner.object
              ? `its controller is ${describeRef(owner.ref)}`
              : `its controller ${describeRef(owner.ref)} could not be read`;
      return outcome('scale-to-zero', 'refused', `scale-to-zero scales Deployments and StatefulSets; pod ${namespace}/${podName}: ${why}`);
    }
    const name = nameOf(workload);
    const plural = kind === 'Deployment' ? 'deployments' : 'statefulsets';
    const path = appsPath(plural, namespace, name);
    const ref = (change: string) => ({ apiVersion: 'apps/v1', kind, namespace, name, change });
    const current = replicasOf(workload);
    if (current === 0) {
      const recorded = annotationsOf(workload)[SCALED_FROM_ANNOTATION];
      return outcome('scale-to-zero', 'skipped', recorded !== undefined ? `${kind} ${namespace}/${name} is already scaled to zero by kshield (from ${recorded})` : `${kind} ${namespace}/${name} already has 0 replicas`);
    }
    const notes = await autoscalerNotes(ctx, rest, namespace, kind, name);
    const noteText = notes.length > 0 ? `; note: ${listText(notes)}` : '';
    if (ctx.dryRun) return outcome('scale-to-zero', 'dry-run', `would scale ${kind} ${namespace}/${name} from ${current} to 0 replicas${noteText}`, [ref('would-scale')]);
    let from = current;
    try {
      const result = await patchWithRetry(
        rest,
        path,
        workload,
        (now) => {
          if (uidOf(now) !== uidOf(workload)) throw new Error(`${kind} ${namespace}/${name} was replaced by another of the same name`);
          from = replicasOf(now);
          if (from === 0) return undefined;
          return { metadata: { resourceVersion: metadataOf(now).resourceVersion, annotations: { [SCALED_FROM_ANNOTATION]: String(from) } }, spec: { replicas: 0 } };
        },
        ctx.signal,
      );
      if (!result.patched) return outcome('scale-to-zero', 'skipped', `${kind} ${namespace}/${name} was scaled to 0 meanwhile`);
    } catch (error) {
      return outcome('scale-to-zero', 'failed', `could not scale ${kind} ${namespace}/${name}: ${describeApiError(error)}`);
    }
    ctx.log.info({ action: 'scale-to-zero', namespace, kind, name, from }, 'workload scaled to zero');
    return outcome('scale-to-zero', 'done', `scaled ${kind} ${namespace}/${name} from ${from} to 0 replicas (recorded in ${SCALED_FROM_ANNOTATION})${noteText}`, [ref('scaled')]);
  },
};
