/** What the image drift rules read of a live pod: its controller, the image each container names and the digest it runs. */
import type { JsonObject, Resource } from '../../core/types.js';
import { asArray, asObject, asString, isObject, stringMap } from '../../core/values.js';
import { parseImageReference, fullName } from '../../k8s/images.js';

export interface ControllerRef {
  kind: string;
  name: string;
  uid?: string;
}

/** The pod's controlling owner (ownerReferences with controller: true). */
export function controllerOf(object: JsonObject): ControllerRef | undefined {
  for (const ref of asArray(asObject(object.metadata)?.ownerReferences)) {
    if (!isObject(ref) || ref.controller !== true) continue;
    const kind = asString(ref.kind);
    const name = asString(ref.name);
    if (kind && name) return { kind, name, uid: asString(ref.uid) };
  }
  return undefined;
}

/**
 * The repository digest a container status reports it runs: `imageID` as the runtime gives it
 * ("docker-pullable://repo@sha256:...", "repo@sha256:..."). A bare "sha256:..." is the image's
 * configuration id (an image loaded on the node rather than pulled), which no manifest digest
 * names: undefined then.
 */
export function runningDigest(imageID: string | undefined): string | undefined {
  if (!imageID) return undefined;
  const at = imageID.lastIndexOf('@');
  if (at === -1) return undefined;
  const digest = imageID.slice(at + 1);
  return /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/.test(digest) ? digest : undefined;
}

/** imageID by container name, from status.containerStatuses and status.initContainerStatuses. */
export function imageIDs(object: JsonObject): Map<string, string> {
  const out = new Map<string, string>();
  const status = asObject(object.status);
  for (const key of ['containerStatuses', 'initContainerStatuses']) {
    for (const s of asArray(status?.[key])) {
      if (!isObject(s)) continue;
      const name = asString(s.name);
      const id = asString(s.imageID);
      if (name && id) out.set(name, id);
    }
  }
  return out;
}

/**
 * Whether the pod was made from its controller's current template, so that the template says what
 * it should run. A ReplicaSet or ReplicationController (the Deployment controller makes a new one
 * for each template) and a Job (whose template cannot change) always; a StatefulSet's pod when its
 * controller-revision-hash label is the set's status.updateRevision; a DaemonSet's pod when its
 * pod-template-generation label is the set's deprecated.daemonset.template.generation annotation
 * (both bumped only when the template changes). Pods of an older revision, waiting for a rolling
 * or OnDelete update, are not judged.
 */
export function madeFromCurrentTemplate(pod: JsonObject, owner: Resource): boolean {
  const labels = stringMap(asObject(pod.metadata)?.labels);
  if (owner.kind === 'ReplicaSet' || owner.kind === 'ReplicationController' || owner.kind === 'Job') return true;
  if (owner.kind === 'StatefulSet') {
    const update = asString(asObject(owner.object.status)?.updateRevision);
    return update !== undefined && labels['controller-revision-hash'] === update;
  }
  if (owner.kind === 'DaemonSet') {
    const generation = stringMap(asObject(owner.object.metadata)?.annotations)['deprecated.daemonset.template.generation'];
    return generation !== undefined && labels['pod-template-generation'] === generation;
  }
  return false;
}

export const OWNER_KINDS = ['ReplicaSet', 'ReplicationController', 'StatefulSet', 'DaemonSet', 'Job'];

/** Whether the live image is the template's, or the template's tag pinned to a digest at admission. */
export function sameImageOrPinned(template: string, live: string): boolean {
  if (template === live) return true;
  const t = parseImageReference(template);
  const l = parseImageReference(live);
  if (!t.ok || !l.ok || fullName(t.image) !== fullName(l.image)) return false;
  if (t.image.digest) return l.image.digest === t.image.digest;
  if ((l.image.tag ?? 'latest') === (t.image.tag ?? 'latest') && l.image.digest === undefined) return true;
  return l.image.digest !== undefined && (l.image.tag === undefined || l.image.tag === (t.image.tag ?? 'latest'));
}

/** The digest an image reference pins, if it does. */
export function pinnedDigest(image: string): string | undefined {
  const parsed = parseImageReference(image);
  return parsed.ok ? parsed.image.digest : undefined;
}
