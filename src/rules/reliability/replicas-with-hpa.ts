import { deploymentFromParts, hpa, stream } from '../examples.js';
import { defineRule } from '../define.js';
import { HPA_DOC, REPLICATED, autoscalersOf, spec, } from './shared.js';

export const replicasWithHpa = defineRule({
  id: 'replicas-with-hpa',
  title: 'Replica count set on an autoscaled workload',
  severity: 'medium',
  category: 'reliability',
  tags: ['replicas', 'autoscaling', 'cross-resource'],
  appliesTo: [...REPLICATED, 'ReplicaSet'],
  reads: ['HorizontalPodAutoscaler'],
  description:
    'A HorizontalPodAutoscaler in the scanned set manages this object, yet its manifest sets spec.replicas. Every `kubectl apply` ' +
    '(or GitOps sync) resets the replica count to the manifest value, undoing the autoscaler: a scaled-out application is scaled ' +
    'back in during a traffic peak.',
  remediation: 'Remove spec.replicas from the manifest and let the autoscaler own it (set the floor with minReplicas).',
  references: [HPA_DOC + '#migrating-deployments-and-statefulsets-to-horizontal-autoscaling'],
  check: (resource, context) => {
    if (spec(resource)?.replicas === undefined) return [];
    const hpas = autoscalersOf(context, resource);
    if (hpas.length === 0) return [];
    return [{ path: '/spec/replicas', message: `${resource.kind} "${resource.name}" sets spec.replicas although HorizontalPodAutoscaler "${hpas[0].name}" scales it` }];
  },
  examples: {
    valid: [stream(deploymentFromParts({ replicas: null }), hpa('web')), deploymentFromParts({ replicas: 3 })],
    invalid: [
      { manifest: stream(deploymentFromParts({ replicas: 3 }), hpa('web')), expect: ['/spec/replicas'] },
    ],
  },
});
