import { hpa } from '../examples.js';
import { defineRule } from '../define.js';
import { HPA_DOC, minReplicasOf, spec } from './shared.js';

export const hpaMinReplicas = defineRule({
  id: 'hpa-min-replicas',
  title: 'Autoscaler may scale down to a single replica',
  severity: 'low',
  category: 'reliability',
  tags: ['autoscaling', 'replicas', 'availability'],
  appliesTo: ['HorizontalPodAutoscaler'],
  description:
    'The HorizontalPodAutoscaler has minReplicas 1 (or unset, which means 1): at low load the workload shrinks to one pod, which ' +
    'any disruption takes down. minReplicas 0 (scale to zero, behind a feature gate) is taken as deliberate.',
  remediation: 'Set spec.minReplicas to 2 or more.',
  references: [HPA_DOC],
  check: (resource) => {
    const min = minReplicasOf(resource);
    if (min === undefined || min === 0 || min >= 2) return [];
    const s = spec(resource);
    const path = s?.minReplicas !== undefined ? '/spec/minReplicas' : s ? '/spec' : '';
    return [{ path, message: `HorizontalPodAutoscaler "${resource.name}" ${s?.minReplicas === undefined ? 'sets no minReplicas (default 1)' : 'has minReplicas 1'}` }];
  },
  examples: {
    valid: [hpa('web', 2, 6)],
    invalid: [
      { manifest: hpa('web', 1, 6), expect: ['/spec/minReplicas'] },
      { manifest: hpa('web', 2, 6).replace('  minReplicas: 2\n', ''), expect: ['/spec'] },
    ],
  },
});
