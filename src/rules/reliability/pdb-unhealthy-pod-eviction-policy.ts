import { pdb } from '../examples.js';
import { defineRule } from '../define.js';
import { PDB_TASK, spec } from './shared.js';

export const pdbUnhealthyPodEvictionPolicy = defineRule({
  id: 'pdb-unhealthy-pod-eviction-policy',
  title: 'PodDisruptionBudget without unhealthyPodEvictionPolicy',
  severity: 'info',
  category: 'reliability',
  tags: ['disruption-budget', 'operations'],
  appliesTo: ['PodDisruptionBudget'],
  description:
    'spec.unhealthyPodEvictionPolicy is not set, so it defaults to IfHealthyBudget: pods that are running but not ready (crash ' +
    'looping, misconfigured) cannot be evicted while the application is already below its budget, and node drains block on them.',
  remediation: 'Set spec.unhealthyPodEvictionPolicy: AlwaysAllow, unless the application needs its not-ready pods protected.',
  references: [PDB_TASK + '#unhealthy-pod-eviction-policy'],
  check: (resource) => {
    const s = spec(resource);
    if (!s || s.unhealthyPodEvictionPolicy !== undefined) return [];
    return [{ path: '/spec', message: `PodDisruptionBudget "${resource.name}" does not set unhealthyPodEvictionPolicy` }];
  },
  examples: {
    valid: [pdb('  maxUnavailable: 1\n  unhealthyPodEvictionPolicy: AlwaysAllow\n  selector: {matchLabels: {app: web}}')],
    invalid: [
      { manifest: pdb('  maxUnavailable: 1\n  selector: {matchLabels: {app: web}}'), expect: ['/spec'] },
    ],
  },
});
