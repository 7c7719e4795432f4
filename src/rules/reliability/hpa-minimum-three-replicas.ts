import { hpa } from '../examples.js';
import { defineRule } from '../define.js';
import { HPA_DOC, minReplicasOf, spec } from './shared.js';

export const hpaMinimumThreeReplicas = defineRule({
  id: 'hpa-minimum-three-replicas',
  title: 'Autoscaler minimum below three replicas',
  severity: 'info',
  category: 'reliability',
  tags: ['autoscaling', 'replicas', 'availability'],
  appliesTo: ['HorizontalPodAutoscaler'],
  optIn: true,
  description: 'Opt-in, stricter companion of hpa-min-replicas: the autoscaler may scale down to fewer than 3 replicas.',
  remediation: 'Set spec.minReplicas to 3 or more.',
  references: [HPA_DOC],
  check: (resource) => {
    const min = minReplicasOf(resource);
    if (min === undefined || min === 0 || min >= 3) return [];
    const s = spec(resource);
    return [{ path: s?.minReplicas !== undefined ? '/spec/minReplicas' : s ? '/spec' : '', message: `HorizontalPodAutoscaler "${resource.name}" may scale down to ${min} replica${min === 1 ? '' : 's'}` }];
  },
  examples: {
    valid: [hpa('web', 3, 6)],
    invalid: [
      { manifest: hpa('web', 2, 6), expect: ['/spec/minReplicas'] },
    ],
  },
});
