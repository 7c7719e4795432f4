/**
 * What `kshield respond` (src/cli/respond.ts) and `npm run bench:respond` plug into the engine and
 * the server. The engine and the server take both as parameters; this is the one place the
 * command's set is chosen.
 *
 * Hook for the merge: the cluster actions (label, annotate, isolate, kill, scale-to-zero, cordon:
 * `CLUSTER_ACTIONS` from src/runtime/actions/index.ts) go into RESPOND_ACTIONS, and the API server's
 * audit-event decoder (src/runtime/audit.ts) into RESPOND_DECODERS.
 */
import type { ActionDefinition } from '../action.js';
import type { AlertDecoder } from '../alert.js';
import { DEFAULT_DECODERS } from './decoders/index.js';

export const RESPOND_ACTIONS: readonly ActionDefinition<any>[] = [];

export const RESPOND_DECODERS: readonly AlertDecoder[] = [...DEFAULT_DECODERS];
