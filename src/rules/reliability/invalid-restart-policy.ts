import { cronJobWith, deploymentFromParts } from '../examples.js';
import type { Violation } from '../../core/types.js';
import { podSpecs } from '../../k8s/pods.js';
import { defineRule } from '../define.js';
import { JOB_DOC, LONG_RUNNING, } from './shared.js';

const POD_LIFECYCLE_DOC = 'https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#restart-policy';

export const invalidRestartPolicy = defineRule({
  id: 'invalid-restart-policy',
  title: 'Pod template restartPolicy the controller rejects',
  severity: 'high',
  category: 'reliability',
  tags: ['correctness'],
  appliesTo: [...LONG_RUNNING, 'Job', 'CronJob'],
  description:
    'Deployments, StatefulSets, DaemonSets, ReplicaSets and ReplicationControllers only accept restartPolicy Always in their pod ' +
    'template; Jobs and CronJobs only accept OnFailure or Never, and since the pod default is Always they must set it explicitly. ' +
    'The API server rejects anything else.',
  remediation: 'Remove restartPolicy from long-running controllers (Always is the default); set restartPolicy: OnFailure or Never in Job and CronJob templates.',
  references: [POD_LIFECYCLE_DOC, JOB_DOC + '#pod-template'],
  check: (resource) => {
    const out: Violation[] = [];
    const batch = resource.kind === 'Job' || resource.kind === 'CronJob';
    for (const pod of podSpecs(resource)) {
      const policy = pod.spec.restartPolicy;
      if (batch) {
        if (policy === 'OnFailure' || policy === 'Never') continue;
        out.push({
          path: policy === undefined ? pod.path : `${pod.path}/restartPolicy`,
          message: policy === undefined ? `${resource.kind} "${resource.name}" sets no restartPolicy; Jobs need OnFailure or Never` : `${resource.kind} "${resource.name}" has restartPolicy ${JSON.stringify(policy)}; Jobs accept only OnFailure or Never`,
        });
      } else if (policy !== undefined && policy !== 'Always') {
        out.push({ path: `${pod.path}/restartPolicy`, message: `${resource.kind} "${resource.name}" has restartPolicy ${JSON.stringify(policy)}; only Always is accepted` });
      }
    }
    return out;
  },
  examples: {
    valid: [deploymentFromParts(), cronJobWith('  concurrencyPolicy: Forbid')],
    invalid: [
      { manifest: cronJobWith('', 'Always'), expect: ['/spec/jobTemplate/spec/template/spec/restartPolicy'] },
      { manifest: deploymentFromParts({ podSpec: '      restartPolicy: OnFailure' }), expect: ['/spec/template/spec/restartPolicy'] },
      { manifest: cronJobWith('').replace('          restartPolicy: OnFailure\n', ''), expect: ['/spec/jobTemplate/spec/template/spec'] },
    ],
  },
});
