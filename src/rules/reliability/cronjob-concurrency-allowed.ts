import { cronJobWith } from '../examples.js';
import { defineRule } from '../define.js';
import { CRONJOB_DOC, spec } from './shared.js';

export const cronjobConcurrencyAllowed = defineRule({
  id: 'cronjob-concurrency-allowed',
  title: 'CronJob runs may overlap',
  severity: 'info',
  category: 'reliability',
  tags: ['cronjob', 'operations'],
  appliesTo: ['CronJob'],
  description:
    'spec.concurrencyPolicy is Allow (the default): when a run lasts longer than the schedule interval the next one starts anyway, ' +
    'and overlapping runs pile up, compete for the same data and can exhaust resources.',
  remediation: 'Set spec.concurrencyPolicy: Forbid (skip a run while one is active) or Replace (stop the old run), or set Allow explicitly if overlapping runs are safe.',
  references: [CRONJOB_DOC + '#concurrency-policy'],
  check: (resource) => {
    const s = spec(resource);
    if (!s) return [];
    if (s.concurrencyPolicy === undefined) return [{ path: '/spec', message: `CronJob "${resource.name}" does not set concurrencyPolicy, so runs may overlap` }];
    return [];
  },
  examples: {
    valid: [cronJobWith('  startingDeadlineSeconds: 300\n  concurrencyPolicy: Forbid'), cronJobWith('  concurrencyPolicy: Allow')],
    invalid: [
      { manifest: cronJobWith('  startingDeadlineSeconds: 300'), expect: ['/spec'] },
    ],
  },
});
