/**
 * `kill`: deletes the pod so its controller starts a fresh one from the workload's template.
 *
 * - `min-healthy-replicas`: the workload's other pods that are Ready (condition Ready=True, not
 *   being deleted) must number at least this many, else the action refuses — killing the last
 *   serving pod turns an incident into an outage. "The workload" is the Deployment for a
 *   Deployment's ReplicaSet (pods of all its ReplicaSets count, as during a rollout), else the
 *   controller itself.
 * - `skip`: DaemonSet and StatefulSet (and Job) pods can be skipped. A StatefulSet's replacement
 *   has the same name and the same volumes, so whatever the attacker wrote there survives; a
 *   DaemonSet's comes back on the same node.
 * - A standalone pod (no controller) is not replaced: deleting it is refused unless
 *   `allow-standalone: true`.
 * The delete carries the pod's UID as a precondition, so a newer pod of the same name (a
 * StatefulSet's) is never deleted by mistake.
 */
import type { JsonObject } from '../../core/types.js';
import type { ActionDefinition } from '../action.js';
import { describeApiError, isNotFound, type KubeRest } from './kube.js';
import {
  appsPath,
  controllerOf,
  describeRef,
  isReady,
  isTerminating,
  metadataOf,
  outcome,
  podOwner,
  podPath,
  podRef,
  readTargetPod,
  uidOf,
  type PodOwner,
} from './shared.js';

export interface KillParams {
  'min-healthy-replicas'?: number;
  skip?: Array<'daemonset' | 'statefulset' | 'job'>;
  'allow-standalone'?: boolean;
  'grace-period-seconds'?: number;
}

const SKIPPABLE: Record<string, 'daemonset' | 'statefulset' | 'job'> = { DaemonSet: 'daemonset', StatefulSet: 'statefulset', Job: 'job' };

/** `matchLabels` of a selector as a label-selector query (a superset of the pods; the UID filter that follows is exact). */
function matchLabelsQuery(selector: unknown): string {
  const matchLabels = (selector as JsonObject | undefined)?.matchLabels;
  if (!matchLabels || typeof matchLabels !== 'object') return '';
  return Object.entries(matchLabels as Record<string, unknown>)
    .filter(([, v]) => typeof v === 'string')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
}

/** The workload's pods other than `pod` that are Ready; undefined when the workload cannot be read. */
async function otherReadyPods(rest: KubeRest, namespace: string, pod: JsonObject, owner: PodOwner, signal?: AbortSignal): Promise<{ ready: number; workload: string } | undefined> {
  if (!owner.object) return undefined;
  const controllers = new Set<string>([owner.ref.uid]);
  let workload = describeRef(owner.ref);
  let selector = (owner.object.spec as JsonObject | undefined)?.selector;
  if (owner.deployment) {
    const deploymentUid = uidOf(owner.deployment);
    workload = `Deployment ${String(metadataOf(owner.deployment).name)}`;
    selector = (owner.deployment.spec as JsonObject | undefined)?.selector;
    const replicaSets = await rest.list(appsPath('replicasets', namespace), { labelSelector: matchLabelsQuery(selector) }, signal);
    for (const rs of replicaSets) if (controllerOf(rs)?.uid === deploymentUid) controllers.add(uidOf(rs));
  }
  const query = owner.ref.kind === 'ReplicationController' ? '' : matchLabelsQuery(selector);
  const pods = await rest.list(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, { labelSelector: query }, signal);
  const ready = pods.filter((p) => uidOf(p) !== uidOf(pod) && controllers.has(controllerOf(p)?.uid ?? '') && isReady(p)).length;
  return { ready, workload };
}

export const killAction: ActionDefinition<KillParams> = {
  name: 'kill',
  mutates: true,
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      'min-healthy-replicas': { type: 'integer', minimum: 0, default: 0 },
      skip: { type: 'array', items: { enum: ['daemonset', 'statefulset', 'job'] }, uniqueItems: true, default: [] },
      'allow-standalone': { type: 'boolean', default: false },
      'grace-period-seconds': { type: 'integer', minimum: 0 },
    },
  } as JsonObject,
  async run(params, ctx) {
    const { namespace, pod: name } = ctx.target;
    const read = await readTargetPod('kill', ctx);
    if ('outcome' in read) return read.outcome;
    const { pod, rest } = read;
    if (isTerminating(pod)) return outcome('kill', 'skipped', `pod ${namespace}/${name} is already being deleted`);

    let owner: PodOwner | undefined;
    try {
      owner = await podOwner(rest, pod, ctx.signal);
    } catch (error) {
      return outcome('kill', 'failed', `could not read the controller of pod ${namespace}/${name}: ${describeApiError(error)}`);
    }
    if (!owner) {
      if (params['allow-standalone'] !== true) {
        return outcome('kill', 'refused', `pod ${namespace}/${name} has no controller, so nothing would replace it (allow-standalone: true deletes it anyway)`);
      }
    } else {
      const kind = SKIPPABLE[owner.ref.kind];
      if (kind && (params.skip ?? []).includes(kind)) return outcome('kill', 'skipped', `pod ${namespace}/${name} belongs to ${describeRef(owner.ref)} and the policy skips ${kind} pods`);
    }

    const min = params['min-healthy-replicas'] ?? 0;
    let replacement = owner ? `its ${describeRef(owner.ref)} starts a replacement` : 'it has no controller and is not replaced';
    if (owner && !owner.object) replacement = `its controller ${describeRef(owner.ref)} is expected to replace it`;
    if (owner && owner.ref.kind === 'StatefulSet') replacement += ' with the same name and volumes';
    if (min > 0) {
      if (!owner) return outcome('kill', 'refused', `pod ${namespace}/${name} has no controller: min-healthy-replicas ${min} cannot be met`);
      let count: { ready: number; workload: string } | undefined;
      try {
        count = await otherReadyPods(rest, namespace, pod, owner, ctx.signal);
      } catch (error) {
        return outcome('kill', 'failed', `could not count the ready pods of ${describeRef(owner.ref)}: ${describeApiError(error)}`);
      }
      if (!count) return outcome('kill', 'refused', `the pods of ${describeRef(owner.ref)} cannot be counted (kshield does not read that kind): min-healthy-replicas ${min} cannot be checked`);
      if (count.ready < min) {
        return outcome('kill', 'refused', `${count.workload} has ${count.ready} other ready pod${count.ready === 1 ? '' : 's'} besides ${namespace}/${name}, fewer than min-healthy-replicas ${min}`);
      }
      replacement += `; ${count.ready} other ready pod${count.ready === 1 ? '' : 's'} of ${count.workload} keep serving`;
    }

    if (ctx.dryRun) return outcome('kill', 'dry-run', `would delete pod ${namespace}/${name}; ${replacement}`, [podRef(namespace, name, 'would-delete')]);
    const options: JsonObject = { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: uidOf(pod) } };
    if (params['grace-period-seconds'] !== undefined) options.gracePeriodSeconds = params['grace-period-seconds'];
    try {
      await rest.delete(podPath(namespace, name), options, ctx.signal);
    } catch (error) {
      if (isNotFound(error)) return outcome('kill', 'skipped', `pod ${namespace}/${name} no longer exists`);
      return outcome('kill', 'failed', `could not delete pod ${namespace}/${name}: ${describeApiError(error)}`);
    }
    ctx.log.info({ action: 'kill', namespace, pod: name, owner: owner ? describeRef(owner.ref) : undefined }, 'pod deleted');
    return outcome('kill', 'done', `deleted pod ${namespace}/${name}; ${replacement}`, [podRef(namespace, name, 'deleted')]);
  },
};
