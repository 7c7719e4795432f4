/**
 * The actions that change the cluster, in the order a response policy usually chains them:
 * mark, cut the network, replace or stop, keep new pods off the node. `kshield respond`'s policy
 * engine finds them by name; `notify` and `approve` live with the server (runtime/respond/).
 */
import type { ActionDefinition } from '../action.js';
import { annotateAction } from './annotate.js';
import { cordonAction } from './cordon.js';
import { isolateAction } from './isolate.js';
import { killAction } from './kill.js';
import { labelAction } from './label.js';
import { scaleToZeroAction } from './scale-to-zero.js';

// Each definition is typed by its own params; the engine validates `with:` against `params` first.
export const CLUSTER_ACTIONS: ActionDefinition[] = [labelAction, annotateAction, isolateAction, killAction, scaleToZeroAction, cordonAction] as unknown as ActionDefinition[];

export { annotateAction, cordonAction, isolateAction, killAction, labelAction, scaleToZeroAction };
