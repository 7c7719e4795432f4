import { hpa } from '../examples.js';
import { defineRule } from '../define.js';
import { HPA_DOC, minReplicasOf, spec } from './shared.js';

export const hpaCannotScale = defineRule({
  id: 'hpa-cannot-scale',
  title: 'Autoscaler maxReplicas does not exceed minReplicas',
  severity: 'medium',
  category: 'reliability',
  tags: ['autoscaling', 'correctness'],
  appliesTo: ['HorizontalPodAutoscaler'],
  description:
    'spec.maxReplicas is missing or not larger than minReplicas. Missing or smaller, the API server rejects the object; equal, the ' +
    'autoscaler exists but can never change the replica count.',
  remediation: 'Set spec.maxReplicas above spec.minReplicas, or remove the autoscaler and set a fixed replica count.',
  references: [HPA_DOC],
  check: (resource) => {
    const s = spec(resource);
    if (!s) return [];
    const min = minReplicasOf(resource);
    const max = s.maxReplicas;
    if (max === undefined || max === null) return [{ path: '/spec', message: `HorizontalPodAutoscaler "${resource.name}" sets no maxReplicas (required)` }];
    if (typeof max !== 'number' || min === undefined) return [];
    if (max < Math.max(min, 1)) return [{ path: '/spec/maxReplicas', message: `HorizontalPodAutoscaler "${resource.name}" has maxReplicas ${max} below minReplicas ${min}: the API server rejects it` }];
    if (max === min) return [{ path: '/spec/maxReplicas', message: `HorizontalPodAutoscaler "${resource.name}" has maxReplicas equal to minReplicas (${max}): it can never scale` }];
    return [];
  },
  examples: {
    valid: [hpa('web', 2, 6)],
    invalid: [
      { manifest: hpa('web', 3, 3), expect: ['/spec/maxReplicas'] },
      { manifest: hpa('web', 4, 2), expect: ['/spec/maxReplicas'] },
    ],
  },
});
