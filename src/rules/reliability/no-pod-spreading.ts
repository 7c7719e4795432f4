import { deploymentFromParts } from '../examples.js';
import type { Violation } from '../../core/types.js';
import { podSpecs } from '../../k8s/pods.js';
import { asArray, fieldAt, asObject } from '../../core/values.js';
import { defineRule } from '../define.js';
import { REPLICATED, SPREAD, SPREAD_DOC, autoscalersOf, replicasOf } from './shared.js';

const AFFINITY_DOC = 'https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity';

export const noPodSpreading = defineRule({
  id: 'no-pod-spreading',
  title: 'Replicas may all land on the same node',
  severity: 'low',
  category: 'reliability',
  tags: ['scheduling', 'availability'],
  appliesTo: REPLICATED,
  reads: ['HorizontalPodAutoscaler'],
  description:
    'A Deployment or StatefulSet with 2 or more replicas (or managed by an autoscaler) sets neither podAntiAffinity nor ' +
    'topologySpreadConstraints, so the scheduler may place every replica on one node or in one zone, and a single node failure ' +
    'takes them all down. Either mechanism satisfies the rule.',
  remediation: 'Add a topologySpreadConstraint on kubernetes.io/hostname (and topology.kubernetes.io/zone) selecting the pods, or a preferred podAntiAffinity term.',
  references: [SPREAD_DOC, AFFINITY_DOC],
  check: (resource, context) => {
    const replicas = replicasOf(resource);
    if (autoscalersOf(context, resource).length === 0 && (replicas === undefined || replicas < 2)) return [];
    const out: Violation[] = [];
    for (const pod of podSpecs(resource)) {
      const anti = asObject(fieldAt(pod.spec, 'affinity', 'podAntiAffinity'));
      const hasAnti = !!anti && (asArray(anti.requiredDuringSchedulingIgnoredDuringExecution).length > 0 || asArray(anti.preferredDuringSchedulingIgnoredDuringExecution).length > 0);
      const hasSpread = asArray(pod.spec.topologySpreadConstraints).length > 0;
      if (!hasAnti && !hasSpread) out.push({ path: pod.path, message: `${resource.kind} "${resource.name}" has no pod anti-affinity or topology spread constraint to keep its replicas apart` });
    }
    return out;
  },
  examples: {
    valid: [
      deploymentFromParts({ podSpec: SPREAD }),
      deploymentFromParts({
        podSpec: `      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              topologyKey: kubernetes.io/hostname
              labelSelector: {matchLabels: {app: web}}`,
      }),
      deploymentFromParts({ replicas: 1 }),
    ],
    invalid: [
      { manifest: deploymentFromParts(), expect: ['/spec/template/spec'] },
    ],
  },
});
