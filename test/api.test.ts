/** The library API as a user imports it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanFiles, scanObjects, rules, reporters, type Finding } from '../src/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('scanObjects judges plain objects without a file', () => {
  const result = scanObjects([
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'a' }, spec: { hostNetwork: true, containers: [{ name: 'c', image: 'nginx:1.27' }] } },
    'not an object',
  ]);
  const hostNetwork = result.findings.find((f: Finding) => f.rule === 'host-network');
  assert.ok(hostNetwork);
  assert.equal(hostNetwork.path, '/spec/hostNetwork');
  assert.equal(result.errors.length, 1);
  assert.match(result.errors[0].message, /not a mapping/);
});

test('scanFiles reads directories and honours --only', async () => {
  const result = await scanFiles([path.join(root, 'examples/ecommerce/insecure')], { only: ['pss-baseline'] });
  assert.ok(result.findings.length > 0);
  const baselineIds = new Set(rules.filter((r) => r.tags.includes('pss-baseline')).map((r) => r.id));
  assert.ok(result.findings.every((f) => baselineIds.has(f.rule)));
  assert.ok(JSON.parse(reporters.json(result, { color: false })).findings.length === result.findings.length);
});

test('rules are exported with their metadata', () => {
  assert.ok(rules.length > 40);
  assert.ok(rules.every((r) => typeof r.check === 'function' && r.id && r.severity));
});
