/**
 * `cordon`: marks the pod's node unschedulable, as `kubectl cordon` does, so no new pod lands on a
 * node that may be compromised. Pods already there keep running (cordon evicts nothing). The
 * annotation `kshield.io/cordoned-by` (the pod, the alert, the time) records that kshield did it:
 * restore uncordons only nodes carrying it, never one an administrator cordoned.
 */
import type { JsonObject } from '../../core/types.js';
import type { ActionDefinition } from '../action.js';
import { describeApiError, kubeRest } from './kube.js';
import { CORDONED_ANNOTATION, annotationsOf, metadataOf, nodePath, outcome, patchWithRetry, podPath, uidOf } from './shared.js';

export type CordonParams = Record<string, never>;

export const cordonAction: ActionDefinition<CordonParams> = {
  name: 'cordon',
  mutates: true,
  params: { type: 'object', additionalProperties: false, properties: {} } as JsonObject,
  async run(_params, ctx) {
    const { namespace, pod: podName } = ctx.target;
    const rest = kubeRest(ctx.client);
    let nodeName = ctx.target.node;
    if ((!namespace || !podName) && !nodeName) return outcome('cordon', 'refused', 'the alert names neither a pod nor a node');
    try {
      if (!namespace || !podName) throw new Error('no pod');
      const pod = await rest.find(podPath(namespace, podName), ctx.signal);
      const scheduled = (pod?.spec as JsonObject | undefined)?.nodeName;
      if (typeof scheduled === 'string' && scheduled) nodeName = scheduled;
    } catch (error) {
      if (!nodeName) return outcome('cordon', 'failed', `could not read pod ${namespace}/${podName} to find its node: ${describeApiError(error)}`);
    }
    if (!nodeName) return outcome('cordon', 'skipped', `pod ${namespace}/${podName} is not scheduled on a node`);
    const path = nodePath(nodeName);
    const ref = (change: string) => ({ apiVersion: 'v1', kind: 'Node', name: nodeName!, change });
    let node: JsonObject | undefined;
    try {
      node = await rest.find(path, ctx.signal);
    } catch (error) {
      return outcome('cordon', 'failed', `could not read node ${nodeName}: ${describeApiError(error)}`);
    }
    if (!node) return outcome('cordon', 'skipped', `node ${nodeName} no longer exists`);
    const cordoned = (n: JsonObject): boolean => (n.spec as JsonObject | undefined)?.unschedulable === true;
    if (cordoned(node)) {
      return outcome(
        'cordon',
        'skipped',
        annotationsOf(node)[CORDONED_ANNOTATION] !== undefined ? `node ${nodeName} is already cordoned by kshield` : `node ${nodeName} is already cordoned (not by kshield: restore leaves it cordoned)`,
      );
    }
    if (ctx.dryRun) return outcome('cordon', 'dry-run', `would cordon node ${nodeName} (where pod ${namespace}/${podName} runs); running pods stay`, [ref('would-cordon')]);
    const record = JSON.stringify({ pod: `${namespace}/${podName}`, alert: ctx.alert.id, at: ctx.now.toISOString() });
    try {
      const result = await patchWithRetry(
        rest,
        path,
        node,
        (now) => {
          if (uidOf(now) !== uidOf(node)) throw new Error(`node ${nodeName} was replaced by another of the same name`);
          if (cordoned(now)) return undefined;
          return { metadata: { resourceVersion: metadataOf(now).resourceVersion, annotations: { [CORDONED_ANNOTATION]: record } }, spec: { unschedulable: true } };
        },
        ctx.signal,
      );
      if (!result.patched) return outcome('cordon', 'skipped', `node ${nodeName} was cordoned meanwhile`);
    } catch (error) {
      return outcome('cordon', 'failed', `could not cordon node ${nodeName}: ${describeApiError(error)}`);
    }
    ctx.log.info({ action: 'cordon', node: nodeName, namespace, pod: podName }, 'node cordoned');
    return outcome('cordon', 'done', `cordoned node ${nodeName} (where pod ${namespace}/${podName} runs): no new pods are scheduled there; running pods stay`, [ref('cordoned')]);
  },
};
