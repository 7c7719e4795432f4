import { deploymentFromParts } from '../examples.js';
import { fieldAt } from '../../core/values.js';
import { defineRule } from '../define.js';
import { DEPLOYMENT_DOC, percent, replicasOf, spec } from './shared.js';

export const rollingUpdateAllUnavailable = defineRule({
  id: 'rolling-update-all-unavailable',
  title: 'Rolling update may take every pod down at once',
  severity: 'medium',
  category: 'reliability',
  tags: ['rollout', 'availability'],
  appliesTo: ['Deployment', 'StatefulSet', 'DaemonSet'],
  description:
    'rollingUpdate.maxUnavailable is 100% or at least the replica count, so a rollout may stop every old pod before any new one is ' +
    'ready: a rolling update in name, a full outage in practice.',
  remediation: 'Lower maxUnavailable (the default is 25%), and use maxSurge to speed up rollouts instead.',
  references: [DEPLOYMENT_DOC + '#max-unavailable'],
  check: (resource) => {
    const s = spec(resource);
    if (!s) return [];
    const field = resource.kind === 'Deployment' ? 'strategy' : 'updateStrategy';
    const mu = fieldAt(s, field, 'rollingUpdate', 'maxUnavailable');
    if (mu === undefined || mu === null) return [];
    const path = `/spec/${field}/rollingUpdate/maxUnavailable`;
    const pct = percent(mu);
    if (pct !== undefined && pct >= 100) return [{ path, message: `${resource.kind} "${resource.name}" allows ${mu} of its pods to be unavailable during a rollout` }];
    if (typeof mu === 'number' && resource.kind !== 'DaemonSet') {
      const replicas = replicasOf(resource);
      if (replicas !== undefined && replicas > 0 && mu >= replicas)
        return [{ path, message: `${resource.kind} "${resource.name}" allows ${mu} unavailable pods during a rollout with ${replicas} replica${replicas === 1 ? '' : 's'}: all of them` }];
    }
    return [];
  },
  examples: {
    valid: [deploymentFromParts({ extraSpec: '  strategy:\n    type: RollingUpdate\n    rollingUpdate: {maxUnavailable: 1, maxSurge: 1}' })],
    invalid: [
      {
        manifest: deploymentFromParts({ extraSpec: '  strategy:\n    rollingUpdate: {maxUnavailable: "100%"}' }),
        expect: ['/spec/strategy/rollingUpdate/maxUnavailable'],
      },
      {
        manifest: deploymentFromParts({ replicas: 2, extraSpec: '  strategy:\n    rollingUpdate: {maxUnavailable: 2}' }),
        expect: ['/spec/strategy/rollingUpdate/maxUnavailable'],
      },
    ],
  },
});
