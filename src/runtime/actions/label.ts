/**
 * `label`: marks the pod quarantined (`kshield.io/quarantined=true`) plus the policy's own labels.
 * Labels are what NetworkPolicies, Services and other tools select by, so a responder's own
 * tooling can act on the mark. A label the pod's controller selects by is never changed (the
 * controller would orphan the pod and start another); restore puts every value back.
 */
import type { JsonObject } from '../../core/types.js';
import type { ActionDefinition } from '../action.js';
import { ISOLATE_LABEL, QUARANTINE_LABEL, labelProblems, markPod, outcome } from './shared.js';

export interface LabelParams {
  /** Labels to set besides the quarantine mark. */
  labels?: Record<string, string>;
  /** Set `kshield.io/quarantined=true` (default true). */
  quarantine?: boolean;
}

export const labelAction: ActionDefinition<LabelParams> = {
  name: 'label',
  mutates: true,
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      labels: { type: 'object', maxProperties: 32, additionalProperties: { type: 'string', maxLength: 63 } },
      quarantine: { type: 'boolean', default: true },
    },
  } as JsonObject,
  async run(params, ctx) {
    const extra = params.labels ?? {};
    const problems = labelProblems(extra, [QUARANTINE_LABEL, ISOLATE_LABEL]);
    if (problems.length > 0) return outcome('label', 'refused', `invalid labels in the policy: ${problems.join('; ')}`);
    const labels: Record<string, string> = { ...extra };
    if (params.quarantine !== false) labels[QUARANTINE_LABEL] = 'true';
    if (Object.keys(labels).length === 0) return outcome('label', 'skipped', 'no labels to set (quarantine: false and no labels given)');
    return markPod('label', ctx, labels, {});
  },
};
