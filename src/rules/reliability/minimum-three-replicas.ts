import { deploymentFromParts } from '../examples.js';
import { defineRule } from '../define.js';
import { DEPLOYMENT_DOC, REPLICATED, autoscalersOf, replicasOf, replicasPath } from './shared.js';

export const minimumThreeReplicas = defineRule({
  id: 'minimum-three-replicas',
  title: 'Fewer than three replicas',
  severity: 'info',
  category: 'reliability',
  tags: ['replicas', 'availability'],
  appliesTo: REPLICATED,
  reads: ['HorizontalPodAutoscaler'],
  optIn: true,
  description:
    'Opt-in, stricter companion of single-replica: with 2 replicas, one disruption during a rollout or a zone outage leaves a ' +
    'single pod carrying all traffic. Skips objects scaled to 0 and objects managed by an autoscaler in the scanned set.',
  remediation: 'Run at least 3 replicas, spread over nodes or zones.',
  references: [DEPLOYMENT_DOC],
  check: (resource, context) => {
    const replicas = replicasOf(resource);
    if (replicas === undefined || replicas === 0 || replicas >= 3 || autoscalersOf(context, resource).length > 0) return [];
    return [{ path: replicasPath(resource), message: `${resource.kind} "${resource.name}" runs ${replicas} replica${replicas === 1 ? '' : 's'} (fewer than 3)` }];
  },
  examples: {
    valid: [deploymentFromParts({ replicas: 3 })],
    invalid: [
      { manifest: deploymentFromParts({ replicas: 2 }), expect: ['/spec/replicas'] },
    ],
  },
});
