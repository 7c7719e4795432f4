/**
 * A change to one live object, as `kshield watch` sees it, made into an object the rule engine can
 * judge: apiVersion `kshield.io/v1`, kind `ObjectChange`. Rules that detect drift (a NetworkPolicy
 * deleted, a webhook switched to `failurePolicy: Ignore`, a new binding to cluster-admin) name this
 * kind in `appliesTo` and read `change.before` / `change.after`; what the cluster holds now is in
 * their context's `ResourceSet`, as for any cross-object rule.
 *
 * ```yaml
 * apiVersion: kshield.io/v1
 * kind: ObjectChange
 * metadata: { name: "NetworkPolicy.default-deny", namespace: shop }
 * change:
 *   type: Deleted                  # Added | Modified | Deleted
 *   target: { apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, namespace: shop, name: default-deny }
 *   before: { ...the object as it was }   # absent when Added
 *   after: { ...the object as it is }     # absent when Deleted
 *   observedAt: "2026-12-05T08:00:00.000Z"
 * ```
 */
import type { JsonObject } from '../core/types.js';

export const OBJECT_CHANGE_API_VERSION = 'kshield.io/v1';
export const OBJECT_CHANGE_KIND = 'ObjectChange';

export type ObjectChangeType = 'Added' | 'Modified' | 'Deleted';

export interface ObjectChangeTarget {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** The ObjectChange object for a change of `target`; `before` is absent when Added, `after` when Deleted. */
export function objectChange(type: ObjectChangeType, target: ObjectChangeTarget, before: JsonObject | undefined, after: JsonObject | undefined, observedAt: Date): JsonObject {
  const change: JsonObject = { type, target: { ...target }, observedAt: observedAt.toISOString() };
  if (before) change.before = before;
  if (after) change.after = after;
  const metadata: JsonObject = { name: `${target.kind}.${target.name}` };
  if (target.namespace) metadata.namespace = target.namespace;
  return { apiVersion: OBJECT_CHANGE_API_VERSION, kind: OBJECT_CHANGE_KIND, metadata, change };
}
