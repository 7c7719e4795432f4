import { cronJobWith, deploymentFromParts } from '../examples.js';
import { PROBES, probeMissingRule } from './shared.js';

export const livenessProbeMissing = probeMissingRule({
  probe: 'livenessProbe',
  id: 'liveness-probe-missing',
  title: 'Container without a liveness probe',
  severity: 'low',
  description:
    'A long-running container (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, or a Pod with restartPolicy ' +
    'Always) has no livenessProbe, so a process that hangs without exiting keeps its pod "Running" forever. Jobs, CronJobs, one-off ' +
    'Pods, init containers and ephemeral containers are not checked.',
  remediation: 'Add a livenessProbe that checks the process is alive (a cheap endpoint that does not depend on downstream services), with a generous failureThreshold.',
  examples: {
    valid: [deploymentFromParts({ container: PROBES }), cronJobWith('')],
    invalid: [
      {
        manifest: deploymentFromParts({ container: '        readinessProbe: {tcpSocket: {port: 8080}}' }),
        expect: ['/spec/template/spec/containers/0'],
      },
    ],
  },
});
