import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rules } from '../src/rules/index.js';
import { SEVERITIES } from '../src/core/types.js';
import { runRuleExamples } from './support/rule-tester.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

test('a cross-object rule that reads status says so (judgesStatus), so kshield watch judges it again when only a status changes', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const families = readdirSync(path.join(root, 'src/rules'), { withFileTypes: true }).filter((d) => d.isDirectory());
  const unmarked: string[] = [];
  for (const r of rules) {
    if (r.reads === undefined || (Array.isArray(r.appliesTo) && r.appliesTo.includes('ObjectChange'))) continue;
    const family = families.find((d) => existsSync(path.join(root, 'src/rules', d.name, `${r.id}.ts`)));
    assert.ok(family, `the file of rule ${r.id}`);
    const source = readFileSync(path.join(root, 'src/rules', family.name, `${r.id}.ts`), 'utf8');
    // A field read: 'status' as a key, or .status as a property; not a word in prose or a file path.
    const readsStatus = /(['"])status\1|\.status\b/.test(source.replace(/^\s*(\*|\/\/).*$/gm, ''));
    if (readsStatus && r.judgesStatus !== true) unmarked.push(r.id);
  }
  assert.deepEqual(unmarked, []);
  assert.ok(rules.some((r) => r.judgesStatus === true), 'node-kubelet-version-skew reads its Node\'s status');
});
