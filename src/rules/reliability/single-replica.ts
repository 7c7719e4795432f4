import { deploymentFromParts, hpa, stream } from '../examples.js';
import { defineRule } from '../define.js';
import { DEPLOYMENT_DOC, PDB_DOC, REPLICATED, autoscalersOf, replicasOf, replicasPath, spec, } from './shared.js';

export const singleReplica = defineRule({
  id: 'single-replica',
  title: 'Deployment or StatefulSet runs a single replica',
  severity: 'low',
  category: 'reliability',
  tags: ['replicas', 'availability'],
  appliesTo: REPLICATED,
  reads: ['HorizontalPodAutoscaler'],
  description:
    'spec.replicas is 1 (or unset, which means 1): every rollout, node drain, eviction or crash makes the application unavailable. ' +
    'Objects scaled to 0 on purpose, and objects a HorizontalPodAutoscaler in the scanned set manages, are not reported.',
  remediation: 'Run at least 2 replicas (and add a PodDisruptionBudget), or let a HorizontalPodAutoscaler with minReplicas >= 2 manage the count.',
  references: [DEPLOYMENT_DOC, PDB_DOC],
  check: (resource, context) => {
    const replicas = replicasOf(resource);
    if (replicas !== 1 || autoscalersOf(context, resource).length > 0) return [];
    const how = spec(resource)?.replicas === undefined ? 'sets no replicas (default 1)' : 'runs a single replica';
    return [{ path: replicasPath(resource), message: `${resource.kind} "${resource.name}" ${how}` }];
  },
  examples: {
    valid: [deploymentFromParts({ replicas: 2 }), deploymentFromParts({ replicas: 0 }), stream(deploymentFromParts({ replicas: null }), hpa('web'))],
    invalid: [
      { manifest: deploymentFromParts({ replicas: 1 }), expect: ['/spec/replicas'] },
      { manifest: deploymentFromParts({ replicas: null }), expect: ['/spec'] },
    ],
  },
});
