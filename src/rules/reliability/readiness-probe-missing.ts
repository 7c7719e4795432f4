import { deploymentFromParts } from '../examples.js';
import { PROBES, probeMissingRule } from './shared.js';

export const readinessProbeMissing = probeMissingRule({
  probe: 'readinessProbe',
  id: 'readiness-probe-missing',
  title: 'Container without a readiness probe',
  severity: 'medium',
  description:
    'A long-running container has no readinessProbe, so its pod receives Service traffic as soon as the process starts, before it ' +
    'can answer, and keeps receiving it while it is overloaded; rolling updates also proceed without waiting for new pods to work. ' +
    'Jobs, CronJobs, one-off Pods, init containers and ephemeral containers are not checked.',
  remediation: 'Add a readinessProbe that succeeds only when the container can serve requests.',
  examples: {
    valid: [deploymentFromParts({ container: PROBES })],
    invalid: [
      {
        manifest: deploymentFromParts({ container: '        livenessProbe: {tcpSocket: {port: 8080}}' }),
        expect: ['/spec/template/spec/containers/0'],
      },
    ],
  },
});
