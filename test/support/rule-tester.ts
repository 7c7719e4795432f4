/** The shared rule tester: runs each rule's `valid` and `invalid` example tables. */
import assert from 'node:assert/strict';
import { test, describe } from 'node:test';
import type { Rule } from '../../src/engine/rule.js';
import { evaluate, ruleApplies } from '../../src/engine/engine.js';
import { ResourceSet } from '../../src/k8s/resource-set.js';
import { DEFAULT_RULE_SETTINGS } from '../../src/engine/rule.js';
import { loadTextAs } from '../../src/sources/files.js';
import { judgesDockerfiles } from '../../src/rules/define.js';
import { rules as catalogue } from '../../src/rules/index.js';
import { knownSelectorsOf } from '../../src/engine/engine.js';

export function runRuleExamples(rules: readonly Rule[]): void {
  for (const rule of rules) {
    // A Dockerfile rule's examples are Dockerfiles; every other rule's are manifests.
    const loadText = (text: string, file: string) => loadTextAs(judgesDockerfiles(rule) ? 'dockerfile' : 'manifests', text, judgesDockerfiles(rule) ? file.replace(/\.yaml$/, '.Dockerfile') : file);
    describe(`rule ${rule.id}`, () => {
      rule.examples.valid.forEach((yaml, i) => {
        test(`valid #${i + 1} passes`, () => {
          const loaded = loadText(yaml, `valid-${i + 1}.yaml`);
          assert.deepEqual(loaded.errors, [], 'example must parse');
          assert.ok(loaded.resources.length > 0, 'example must hold an object to judge');
          const result = evaluate(loaded.resources, { rules: [rule], catalogue, settings: rule.examples.settings });
          assert.deepEqual(result.errors, []);
          assert.deepEqual(
            result.findings.map((f) => `${f.path}: ${f.message}`),
            [],
            `${rule.id} must not fire on valid example #${i + 1}`,
          );
        });
      });
      rule.examples.invalid.forEach((example, i) => {
        test(`invalid #${i + 1} is flagged at exactly the fields it names`, () => {
          const loaded = loadText(example.manifest, `invalid-${i + 1}.yaml`);
          assert.deepEqual(loaded.errors, [], 'example must parse');
          const result = evaluate(loaded.resources, { rules: [rule], catalogue, settings: rule.examples.settings });
          assert.deepEqual(result.errors, []);
          assert.ok(result.findings.length > 0, `${rule.id} must fire on invalid example #${i + 1}`);
          for (const f of result.findings) {
            assert.equal(f.rule, rule.id);
            assert.ok(f.line >= 1 && f.column >= 1, 'finding has a position');
            assert.ok(f.message.length > 0);
          }
          // The pointers the example pins, in report order: a rule that fires at the wrong field fails here.
          assert.deepEqual(
            result.findings.map((f) => f.path),
            example.expect.map((e) => (typeof e === 'string' ? e : e.path)),
            `${rule.id} invalid example #${i + 1} reports other fields than it names`,
          );
          example.expect.forEach((e, k) => {
            if (typeof e !== 'string') assert.ok(result.findings[k].message.includes(e.message), `${rule.id} invalid example #${i + 1}, finding ${k + 1}: "${result.findings[k].message}" should say "${e.message}"`);
          });
        });
      });
      test('sees the same objects whether or not the scan is restricted to what it reads', () => {
        // The engine hands a rule only the kinds in `reads`; a rule that looks up anything else
        // would behave differently here, where it is given every object of the example.
        for (const yaml of [...rule.examples.valid, ...rule.examples.invalid.map((e) => e.manifest)]) {
          const loaded = loadText(yaml, 'example.yaml');
          const engine = evaluate(loaded.resources, { rules: [rule], catalogue, settings: rule.examples.settings }).findings.map((f) => `${f.path}: ${f.message}`);
          const settings = { ...DEFAULT_RULE_SETTINGS, ...rule.examples.settings };
          const everything = new ResourceSet(loaded.resources);
          const direct = loaded.resources
            .filter((r) => ruleApplies(rule, r))
            .flatMap((r) => rule.check(r, { settings, resources: everything, knownSelectors: knownSelectorsOf(catalogue) }).map((v) => `${r.basePath}${v.path}: ${v.message}`));
          assert.deepEqual(engine, direct, `${rule.id} reads kinds it does not declare in \`reads\` (declared: ${rule.reads?.join(', ') ?? 'none'})`);
        }
      });
    });
  }
}
