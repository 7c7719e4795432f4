import { deploymentFromParts } from '../examples.js';
import type { Violation } from '../../core/types.js';
import { podSpecs } from '../../k8s/pods.js';
import { defineRule } from '../define.js';

const PRIORITY_DOC = 'https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/';

export const priorityClassNotSet = defineRule({
  id: 'priority-class-not-set',
  title: 'Pod without a priority class',
  severity: 'info',
  category: 'reliability',
  tags: ['scheduling'],
  appliesTo: 'workloads',
  optIn: true,
  description:
    'The pod spec sets no priorityClassName, so the pods get the cluster default priority (usually 0) and are the first to be ' +
    'preempted or evicted under resource pressure, whatever their importance. Opt-in: many clusters rely on the default.',
  remediation: 'Set spec.priorityClassName to a PriorityClass that reflects how critical the workload is.',
  references: [PRIORITY_DOC],
  check: (resource) => {
    const out: Violation[] = [];
    for (const pod of podSpecs(resource)) {
      if (typeof pod.spec.priorityClassName === 'string' && pod.spec.priorityClassName !== '') continue;
      out.push({ path: pod.path, message: `${resource.kind} "${resource.name}" sets no priorityClassName` });
    }
    return out;
  },
  examples: {
    valid: [deploymentFromParts({ podSpec: '      priorityClassName: business-critical' })],
    invalid: [
      { manifest: deploymentFromParts(), expect: ['/spec/template/spec'] },
    ],
  },
});
