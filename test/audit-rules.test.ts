/**
 * The audit rule family beyond its pinned examples (test/rules.test.ts runs those): a core/v1 Event
 * is not an audit Event, a file of audit events scans like any input, and the configuration's
 * auditAllowedNetworks is checked where it is written.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { auditRules } from '../src/rules/audit/index.js';
import { rules } from '../src/rules/index.js';
import { evaluate } from '../src/engine/engine.js';
import { resourcesFromObjects } from '../src/sources/files.js';
import { ConfigError, loadConfigFile, settingsFromConfig } from '../src/config/config-file.js';
import { kshield } from './support/cli.js';

const execEvent = {
  level: 'Metadata',
  auditID: '0d3b',
  stage: 'ResponseComplete',
  requestURI: '/api/v1/namespaces/shop/pods/web-0/exec?command=sh&container=app',
  verb: 'create',
  user: { username: 'alice', groups: ['system:authenticated'] },
  sourceIPs: ['10.0.4.12'],
  objectRef: { resource: 'pods', namespace: 'shop', name: 'web-0', apiVersion: 'v1', subresource: 'exec' },
  responseStatus: { code: 101 },
};

test('every audit rule is in the catalogue, in category audit, with MITRE technique ids', () => {
  for (const rule of auditRules) {
    assert.ok(rules.includes(rule), rule.id);
    assert.equal(rule.category, 'audit');
    assert.ok((rule.frameworks?.mitre ?? []).length > 0 && rule.frameworks!.mitre.every((t) => /^T\d{4}(\.\d{3})?$/.test(t)), rule.id);
  }
});

test('a core/v1 Event with the same fields is not judged: only audit.k8s.io/v1 Events are', () => {
  const loaded = resourcesFromObjects([
    { ...execEvent, apiVersion: 'v1', kind: 'Event', metadata: { name: 'web-0.17a', namespace: 'shop' } },
    { ...execEvent, apiVersion: 'audit.k8s.io/v1', kind: 'Event' },
  ]);
  const findings = evaluate(loaded.resources, { rules: auditRules }).findings;
  assert.deepEqual(findings.map((f) => [f.rule, f.resource.apiVersion]), [['audit-pod-exec', 'audit.k8s.io/v1']]);
});

test('kshield scan of an EventList file (what the webhook posts, items without kind) reports the exec', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kshield-audit-scan-'));
  const file = path.join(dir, 'events.json');
  writeFileSync(file, JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: [{ ...execEvent, stage: 'RequestReceived', responseStatus: undefined }, execEvent] }));
  const run = kshield(['scan', file, '--only', 'audit', '-o', 'json']);
  assert.equal(run.code, 1, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.deepEqual(
    report.findings.map((f: { rule: string; path: string; message: string }) => [f.rule, f.path, f.message]),
    [['audit-pod-exec', '/items/1/user/username', '"alice" opened an exec session in pod shop/web-0 (container "app")']],
  );
});

test('auditAllowedNetworks in .kshield.yaml: read into the settings, a wrong entry refused at its line', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kshield-audit-config-'));
  const good = path.join(dir, 'good.yaml');
  writeFileSync(good, 'auditAllowedNetworks:\n  - 10.0.0.0/8\n  - 2001:db8::/32\n  - 192.0.2.10\n');
  assert.deepEqual(settingsFromConfig(await loadConfigFile(good, rules)).auditAllowedNetworks, ['10.0.0.0/8', '2001:db8::/32', '192.0.2.10']);
  const bad = path.join(dir, 'bad.yaml');
  writeFileSync(bad, 'auditAllowedNetworks:\n  - 10.0.0.0/8\n  - office-vpn\n');
  await assert.rejects(loadConfigFile(bad, rules), (e: unknown) => e instanceof ConfigError && e.line === 3 && /auditAllowedNetworks\[1\]: "office-vpn" is neither a CIDR block/.test(e.message));
});
