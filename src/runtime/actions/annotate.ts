/**
 * `annotate`: records on the pod which alert quarantined it (`kshield.io/alert-id`,
 * `kshield.io/alert-rule`, `kshield.io/alert-time`, `kshield.io/quarantined-at`) plus the
 * policy's own annotations. Annotations select nothing, so no controller reacts; restore puts every
 * previous value back.
 */
import type { JsonObject } from '../../core/types.js';
import { labelKeyProblem } from '../../k8s/labels.js';
import type { ActionDefinition } from '../action.js';
import {
  ALERT_ID_ANNOTATION,
  ALERT_RULE_ANNOTATION,
  ALERT_TIME_ANNOTATION,
  QUARANTINED_AT_ANNOTATION,
  RESTORE_ANNOTATION,
  markPod,
  outcome,
} from './shared.js';

export interface AnnotateParams {
  /** Annotations to set besides the alert's. */
  annotations?: Record<string, string>;
}

const KSHIELD_ANNOTATIONS = [ALERT_ID_ANNOTATION, ALERT_RULE_ANNOTATION, ALERT_TIME_ANNOTATION, QUARANTINED_AT_ANNOTATION, RESTORE_ANNOTATION];
/** An annotation value kshield writes is cut here: the API server allows 256 KiB for all of them together. */
const MAX_VALUE = 1024;

export const annotateAction: ActionDefinition<AnnotateParams> = {
  name: 'annotate',
  mutates: true,
  params: {
    type: 'object',
    additionalProperties: false,
    properties: { annotations: { type: 'object', maxProperties: 32, additionalProperties: { type: 'string', maxLength: 4096 } } },
  } as JsonObject,
  async run(params, ctx) {
    const extra = params.annotations ?? {};
    const problems: string[] = [];
    for (const [k, v] of Object.entries(extra)) {
      const keyProblem = labelKeyProblem(k);
      if (keyProblem) problems.push(`annotation key "${k}" ${keyProblem}`);
      else if (KSHIELD_ANNOTATIONS.includes(k)) problems.push(`annotation key "${k}" is set by kshield itself`);
      if (typeof v !== 'string') problems.push(`annotation "${k}" must have a string value`);
    }
    if (problems.length > 0) return outcome('annotate', 'refused', `invalid annotations in the policy: ${problems.join('; ')}`);
    const annotations: Record<string, string> = {
      ...extra,
      [ALERT_ID_ANNOTATION]: ctx.alert.id.slice(0, MAX_VALUE),
      [ALERT_RULE_ANNOTATION]: ctx.alert.rule.slice(0, MAX_VALUE),
      [ALERT_TIME_ANNOTATION]: ctx.alert.time.slice(0, MAX_VALUE),
      [QUARANTINED_AT_ANNOTATION]: ctx.now.toISOString(),
    };
    return markPod('annotate', ctx, {}, annotations);
  },
};
