/**
 * What `kshield respond` (src/cli/respond.ts) and `npm run bench:respond` plug into the engine and
 * the server. The engine and the server take both as parameters; this is the one place the
 * command's set is chosen: the cluster actions (label, annotate, isolate, kill, scale-to-zero,
 * cordon), and the senders' decoders with the API server's audit events, judged by the audit
 * rules with the live cluster's objects respond keeps for posture (without them, with
 * --no-posture or before the first sync, the rules that need them report nothing).
 */
import type { ActionDefinition } from '../action.js';
import type { AlertDecoder } from '../alert.js';
import { DEFAULT_DECODERS } from './decoders/index.js';
import { CLUSTER_ACTIONS } from '../actions/index.js';
import { auditDecoder } from '../audit.js';
import type { ResourceSet } from '../../k8s/resource-set.js';

export const RESPOND_ACTIONS: readonly ActionDefinition<any>[] = [...CLUSTER_ACTIONS];

export const RESPOND_DECODERS: readonly AlertDecoder[] = [...DEFAULT_DECODERS, auditDecoder()];

/** The decoders, the audit events judged with `liveObjects` (the cluster's objects now, or undefined while unknown). */
export function respondDecoders(liveObjects?: () => ResourceSet | undefined): AlertDecoder[] {
  return [...DEFAULT_DECODERS, auditDecoder(liveObjects ? { liveObjects } : {})];
}
