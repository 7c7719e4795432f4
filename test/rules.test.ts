import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rules } from '../src/rules/index.js';
import { SEVERITIES } from '../src/core/types.js';
import { runRuleExamples } from './support/rule-tester.js';

test('every rule has complete metadata', () => {
  for (const r of rules) {
    assert.match(r.id, /^[a-z0-9]+(-[a-z0-9]+)*$/, r.id);
    assert.ok(r.title && r.description && r.remediation, `${r.id} has title, description, remediation`);
    assert.ok(SEVERITIES.includes(r.severity), `${r.id} severity`);
    assert.ok(r.tags.length > 0, `${r.id} has tags`);
    assert.ok(r.references.length > 0 && r.references.every((u) => /^https:\/\//.test(u)), `${r.id} has https references`);
    assert.ok(r.examples.valid.length > 0 && r.examples.invalid.length > 0, `${r.id} has valid and invalid examples`);
  }
});

runRuleExamples(rules);
