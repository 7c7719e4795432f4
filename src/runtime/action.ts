/**
 * The contract between `kshield respond`'s policy engine (which decides, chains, deduplicates,
 * rate-limits and records) and the actions (which change the cluster). Each action is one
 * `ActionDefinition` in `runtime/actions/`, named by its policy keyword; the engine validates a
 * step's `with:` against `params` before anything runs.
 */
import type { Logger } from 'pino';
import type { JsonObject } from '../core/types.js';
import type { KubeClient } from '../sources/kube-client.js';
import type { RuntimeAlert } from './alert.js';
import type { AlertPosture } from './respond/alert-posture.js';

export type ActionName = 'label' | 'annotate' | 'isolate' | 'kill' | 'scale-to-zero' | 'cordon' | 'notify' | 'approve';

/** The pod an alert is about, resolved in the cluster before any action runs. */
export interface ActionTarget {
  namespace: string;
  pod: string;
  /** The pod object as read when the alert arrived. */
  object?: JsonObject;
  node?: string;
}

export interface ActionContext {
  alert: RuntimeAlert;
  target: ActionTarget;
  client: KubeClient;
  /** Say what would be done; change nothing. */
  dryRun: boolean;
  signal: AbortSignal;
  now: Date;
  log: Logger;
  /** The outcomes of the steps before this one in the same chain (notify reports them). */
  previous?: readonly ActionOutcome[];
  /** The posture of the alert's pod (computed when first asked for); absent when respond keeps no posture. */
  posture?: () => AlertPosture | undefined;
}

/** One Kubernetes object an action created, changed or deleted. */
export interface TouchedObject {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  /** created | patched | deleted | scaled | cordoned | would-… under dry-run */
  change: string;
}

export interface ActionOutcome {
  action: ActionName;
  status: 'done' | 'dry-run' | 'skipped' | 'refused' | 'failed' | 'held';
  /** Why, in one sentence a responder reads (never a secret value). */
  reason: string;
  objects: TouchedObject[];
}

export interface ActionDefinition<P = JsonObject> {
  name: ActionName;
  /** JSON Schema (draft 2020-12 subset ajv takes) of the step's `with:` parameters. */
  params: JsonObject;
  /** Whether it changes the cluster: dry-run and the protected list apply to it. */
  mutates: boolean;
  run(params: P, ctx: ActionContext): Promise<ActionOutcome>;
}
