import { deploymentFromParts } from '../examples.js';
import { fieldAt } from '../../core/values.js';
import { defineRule } from '../define.js';
import { DEPLOYMENT_DOC, STATEFULSET_DOC, } from './shared.js';

export const noRollingUpdateStrategy = defineRule({
  id: 'no-rolling-update-strategy',
  title: 'Workload not updated by rolling update',
  severity: 'info',
  category: 'reliability',
  tags: ['rollout', 'availability'],
  appliesTo: ['Deployment', 'StatefulSet', 'DaemonSet'],
  optIn: true,
  description:
    'The Deployment uses the Recreate strategy (all old pods stop before new ones start), or the StatefulSet or DaemonSet uses ' +
    'OnDelete (pods are only replaced when someone deletes them). Both are sometimes needed, for example for volumes that only one ' +
    'pod may mount, so the rule is opt-in.',
  remediation: 'Use the RollingUpdate strategy unless the application cannot run two versions side by side.',
  references: [DEPLOYMENT_DOC + '#strategy', STATEFULSET_DOC + '#update-strategies'],
  check: (resource) => {
    const field = resource.kind === 'Deployment' ? 'strategy' : 'updateStrategy';
    const type = fieldAt(resource.object, 'spec', field, 'type');
    if (type === 'Recreate' || type === 'OnDelete') return [{ path: `/spec/${field}/type`, message: `${resource.kind} "${resource.name}" uses the ${type} update strategy` }];
    return [];
  },
  examples: {
    valid: [deploymentFromParts()],
    invalid: [
      { manifest: deploymentFromParts({ extraSpec: '  strategy: {type: Recreate}' }), expect: ['/spec/strategy/type'] },
    ],
  },
});
