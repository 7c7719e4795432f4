import { deploymentFromParts, hpa, pdb, stream } from '../examples.js';
import { asNumber } from '../../core/values.js';
import { defineRule } from '../define.js';
import { PDB_DOC, PDB_TASK, autoscalersOf, minReplicasOf, ownersSelectedBy, percent, replicasOf, spec, } from './shared.js';

const SCALABLE = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController']);

export const pdbBlocksEviction = defineRule({
  id: 'pdb-blocks-eviction',
  title: 'PodDisruptionBudget allows no voluntary eviction',
  severity: 'medium',
  category: 'reliability',
  tags: ['disruption-budget', 'operations', 'cross-resource'],
  appliesTo: ['PodDisruptionBudget'],
  reads: ['workloads', 'HorizontalPodAutoscaler'],
  description:
    'The budget can never be satisfied while evicting a pod: maxUnavailable is 0 or 0%, minAvailable is 100%, or minAvailable is ' +
    'at least the replica count of the workload it selects (for an autoscaled workload, its minReplicas), or, for a budget that ' +
    'names single StatefulSet pods (statefulset.kubernetes.io/pod-name, apps.kubernetes.io/pod-index), at least the number of pods ' +
    'it names: with an integer minAvailable the disruption controller expects exactly the pods selected. Node drains, cluster ' +
    'upgrades and the cluster autoscaler then hang on these pods until someone deletes the budget.',
  remediation: 'Use maxUnavailable: 1 (or a percentage), or a minAvailable strictly below the smallest replica count the workload runs with.',
  references: [PDB_TASK, PDB_DOC],
  check: (resource, context) => {
    const s = spec(resource);
    if (!s) return [];
    const subject = `PodDisruptionBudget "${resource.name}"`;
    if (s.maxUnavailable === 0 || percent(s.maxUnavailable) === 0) return [{ path: '/spec/maxUnavailable', message: `${subject} has maxUnavailable ${s.maxUnavailable}: no pod can ever be evicted` }];
    const minPct = percent(s.minAvailable);
    if (minPct !== undefined && minPct >= 100) return [{ path: '/spec/minAvailable', message: `${subject} has minAvailable ${s.minAvailable}: no pod can ever be evicted` }];
    const min = asNumber(s.minAvailable);
    if (min === undefined || min <= 0) return [];
    const { owners, matches } = ownersSelectedBy(context, resource, s.selector, 'nothing');
    for (const [i, o] of owners.entries()) {
      if (!SCALABLE.has(o.resource.kind)) continue;
      const match = matches[i];
      if (match.kind === 'some') {
        // The budget names single pods (statefulset.kubernetes.io/pod-name, apps.kubernetes.io/pod-index):
        // with an integer minAvailable the disruption controller expects exactly the pods it selects.
        if (match.pods === undefined || match.pods === 0 || min < match.pods) continue;
        return [{ path: '/spec/minAvailable', message: `${subject} requires ${min} available pods, but it selects only ${match.pods} pod${match.pods === 1 ? '' : 's'} of ${o.resource.kind} "${o.resource.name}" (by ordinal): ${match.pods === 1 ? 'that pod' : 'none of those pods'} can never be evicted` }];
      }
      const hpas = autoscalersOf(context, o.resource);
      const floor = hpas.length > 0 ? minReplicasOf(hpas[0]) : replicasOf(o.resource);
      if (floor === undefined || floor === 0 || min < floor) continue;
      const source = hpas.length > 0 ? `HorizontalPodAutoscaler "${hpas[0].name}" scales ${o.resource.kind} "${o.resource.name}" down to ${floor}` : `${o.resource.kind} "${o.resource.name}" runs ${floor} replica${floor === 1 ? '' : 's'}`;
      return [{ path: '/spec/minAvailable', message: `${subject} requires ${min} available pods, but ${source}: no pod can be evicted` }];
    }
    return [];
  },
  examples: {
    valid: [pdb('  maxUnavailable: 1\n  selector: {matchLabels: {app: web}}'), stream(deploymentFromParts(), pdb('  minAvailable: 2\n  selector: {matchLabels: {app: web}}'))],
    invalid: [
      { manifest: pdb('  maxUnavailable: 0\n  selector: {matchLabels: {app: web}}'), expect: ['/spec/maxUnavailable'] },
      { manifest: pdb('  minAvailable: "100%"\n  selector: {matchLabels: {app: web}}'), expect: ['/spec/minAvailable'] },
      {
        manifest: stream(deploymentFromParts(), pdb('  minAvailable: 3\n  selector: {matchLabels: {app: web}}')),
        expect: ['/spec/minAvailable'],
      },
      {
        manifest: stream(deploymentFromParts({ replicas: null }), hpa('web', 2, 8), pdb('  minAvailable: 2\n  selector: {matchLabels: {app: web}}')),
        expect: ['/spec/minAvailable'],
      },
    ],
  },
});
