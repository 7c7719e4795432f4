import { cronJobWith } from '../examples.js';
import { defineRule } from '../define.js';
import { CRONJOB_DOC, spec } from './shared.js';

export const cronjobMissingDeadline = defineRule({
  id: 'cronjob-missing-deadline',
  title: 'CronJob without startingDeadlineSeconds',
  severity: 'low',
  category: 'reliability',
  tags: ['cronjob', 'operations'],
  appliesTo: ['CronJob'],
  description:
    'Without spec.startingDeadlineSeconds there is no limit on how late a missed run may start. After the controller has missed ' +
    'more than 100 schedules (controller down, CronJob suspended) it stops scheduling the CronJob and logs an error, and after an ' +
    'outage a run may start at an unexpected time.',
  remediation: 'Set spec.startingDeadlineSeconds to how late a run may still start (for example 300); it must be at least 10 seconds.',
  references: [CRONJOB_DOC + '#job-creation'],
  check: (resource) => {
    const s = spec(resource);
    if (!s || s.startingDeadlineSeconds !== undefined) return [];
    return [{ path: '/spec', message: `CronJob "${resource.name}" sets no startingDeadlineSeconds` }];
  },
  examples: {
    valid: [cronJobWith('  startingDeadlineSeconds: 300\n  concurrencyPolicy: Forbid')],
    invalid: [
      { manifest: cronJobWith('  concurrencyPolicy: Forbid'), expect: ['/spec'] },
    ],
  },
});
