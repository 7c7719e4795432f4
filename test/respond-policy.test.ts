/** The response policy: schema errors with file:line and did-you-mean, checks a schema cannot make. */
import assert from 'node:assert/strict';
import { test, describe } from 'node:test';
import { parseResponsePolicy } from '../src/runtime/respond/policy.js';
import { BUILTIN_ACTIONS } from '../src/runtime/respond/builtin-actions.js';
import { ConfigError } from '../src/config/config-file.js';
import { recordingAction } from './support/respond.js';

const actions = [...BUILTIN_ACTIONS, recordingAction('label', []), recordingAction('isolate', [])];

function error(yaml: string): string {
  try {
    parseResponsePolicy(yaml, 'policy.yaml', actions);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `a ConfigError, not ${String(err)}`);
    return (err as Error).message;
  }
  assert.fail('the policy was accepted');
}

const GOOD = `
settings:
  dedupWindow: 5m
  rateLimit: { actions: 10, per: 1m }
  breaker: { failures: 3, cooldown: 30s }
rules:
  - name: shells
    match:
      rules: ["Terminal shell*"]
      priority: notice
    actions:
      - action: label
        with: { labels: { kshield.io/quarantine: "true" } }
      - action: approve
        with: { timeout: 15m }
      - action: isolate
        when: { previous: [done], priority: warning }
`;

describe('response policy', () => {
  test('a valid policy: settings in milliseconds, steps with their lines', () => {
    const p = parseResponsePolicy(GOOD, 'policy.yaml', actions);
    assert.equal(p.settings.dedupWindowMs, 300_000);
    assert.deepEqual(p.settings.rateLimit, { actions: 10, perMs: 60_000 });
    assert.deepEqual(p.settings.breaker, { failures: 3, cooldownMs: 30_000 });
    assert.deepEqual(p.settings.protect.podLabels, { 'kshield.io/protected': 'true' });
    assert.deepEqual(p.rules[0].actions.map((s) => [s.action, s.line]), [['label', 12], ['approve', 14], ['isolate', 16]]);
  });

  test('a misspelt key: its line and the near name', () => {
    assert.equal(error(GOOD.replace('priority: notice', 'priorty: notice')), 'policy.yaml:10: unknown key "rules[0].match.priorty"; did you mean "priority"?');
  });

  test('a misspelt enum value in a step condition', () => {
    assert.match(error(GOOD.replace('previous: [done]', 'previous: [dne]')), /^policy\.yaml:17: rules\[0\]\.actions\[2\]\.when\.previous\[0\]: must be one of .*did you mean "done"\?$/);
  });

  test('an unknown action gets did-you-mean; a known one this build lacks says so', () => {
    assert.equal(error(GOOD.replace('action: isolate', 'action: isolat')), 'policy.yaml:16: rules[0].actions[2].action: unknown action "isolat"; did you mean "isolate"?');
    assert.match(error(GOOD.replace('action: isolate', 'action: cordon')), /^policy\.yaml:16: .*"cordon" is not available in this build/);
  });

  test("with: is checked against the action's own parameter schema, at the parameter's line", () => {
    assert.equal(error(GOOD.replace('with: { labels:', 'with: { lables:')), 'policy.yaml:13: unknown key "rules[0].actions[0].with.lables"; did you mean "labels"?');
    assert.match(error(GOOD.replace('with: { timeout: 15m }', 'with: { timeout: soon }')), /^policy\.yaml:15: rules\[0\]\.actions\[1\]\.with\.timeout: has the wrong form/);
  });

  test('what a schema cannot say: duplicate names, approve last, previous on the first step, durations out of range', () => {
    assert.match(error(GOOD + GOOD.slice(GOOD.indexOf('  - name: shells'))), /:\d+: rules\[1\]\.name: "shells" is already the name of rules\[0\]/);
    assert.match(error(GOOD.replace(/      - action: isolate\n        when: \{ previous: \[done\], priority: warning \}\n/, '')), /approve holds the steps after it/);
    assert.match(error(GOOD.replace('with: { labels: { kshield.io/quarantine: "true" } }', 'when: { previous: [done] }')), /the first step has no previous step/);
    assert.match(error(GOOD.replace('dedupWindow: 5m', 'dedupWindow: 100h')), /^policy\.yaml:3: settings\.dedupWindow: must be between 1s and 24h/);
  });

  test('invalid YAML and a missing rules list', () => {
    assert.match(error('rules: [\n'), /^policy\.yaml:\d+: invalid YAML/);
    assert.equal(error('settings: {}\n'), 'policy.yaml:1: configuration: missing required key "rules"');
  });
});
