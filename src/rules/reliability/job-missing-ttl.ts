import { asArray, fieldAt, isObject } from '../../core/values.js';
import { defineRule } from '../define.js';
import { JOB_DOC, spec } from './shared.js';

const TTL_DOC = 'https://kubernetes.io/docs/concepts/workloads/controllers/ttlafterfinished/';

export const jobMissingTtl = defineRule({
  id: 'job-missing-ttl',
  title: 'Job without ttlSecondsAfterFinished',
  severity: 'low',
  category: 'reliability',
  tags: ['job', 'operations'],
  appliesTo: ['Job'],
  description:
    'A standalone Job without spec.ttlSecondsAfterFinished stays in the cluster with its pods after it finishes, until someone ' +
    'deletes it; finished Jobs accumulate and keep their pods\' logs and resources around. Jobs created by a CronJob are cleaned ' +
    'up by the CronJob history limits and are not checked.',
  remediation: 'Set spec.ttlSecondsAfterFinished (for example 86400) so the Job and its pods are deleted after they finish.',
  references: [TTL_DOC, JOB_DOC],
  check: (resource) => {
    const s = spec(resource);
    if (!s || s.ttlSecondsAfterFinished !== undefined) return [];
    const owners = asArray(fieldAt(resource.object, 'metadata', 'ownerReferences'));
    if (owners.some((o) => isObject(o) && o.kind === 'CronJob')) return [];
    return [{ path: '/spec', message: `Job "${resource.name}" sets no ttlSecondsAfterFinished` }];
  },
  examples: {
    valid: [
      `apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: shop}
spec:
  ttlSecondsAfterFinished: 3600
  template:
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: registry.example.com/migrate:3.1.0}]`,
    ],
    invalid: [
      {
        manifest: `apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: shop}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: registry.example.com/migrate:3.1.0}]`,
        expect: ['/spec'],
      },
    ],
  },
});
