import assert from 'node:assert/strict';
import { test, describe } from 'node:test';
import { loadText } from '../src/sources/files.js';
import { scanLoaded } from '../src/pipeline/scan-files.js';
import { exitCode } from '../src/pipeline/assemble.js';
import { parseConfig, ConfigError } from '../src/config/config-file.js';
import { selectRules, SelectionError } from '../src/engine/select.js';
import { buildBaseline } from '../src/core/baseline.js';
import { rules } from '../src/rules/index.js';
import { contextView } from '../src/engine/engine.js';

const twoContainers = (annotations = '', templateAnnotations = ''): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
${annotations ? `  annotations:\n${annotations}\n` : ''}spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
${templateAnnotations ? `      annotations:\n${templateAnnotations}\n` : ''}    spec:
      containers:
      - name: app
        image: nginx:1.27
        securityContext: {privileged: true}
      - name: debug
        image: busybox:1.36
        securityContext: {privileged: true}
`;

function scan(text: string, options: Parameters<typeof scanLoaded>[1] = {}) {
  return scanLoaded(loadText(text, 'w.yaml'), { only: ['privileged-container'], ...options });
}

describe('inline suppressions', () => {
  test('without annotations both containers are reported', () => {
    const r = scan(twoContainers());
    assert.deepEqual(r.findings.map((f) => [f.container, f.suppressed]), [['app', false], ['debug', false]]);
    assert.equal(exitCode(r, 'high'), 1);
  });
  test('kshield.io/ignore on the object suppresses, keeps the findings and records the reason', () => {
    const r = scan(twoContainers('    kshield.io/ignore: "privileged-container"\n    kshield.io/ignore-reason: "CNI plugin needs it"'));
    assert.equal(r.findings.length, 2);
    assert.ok(r.findings.every((f) => f.suppressed && f.suppression?.kind === 'annotation' && f.suppression.reason === 'CNI plugin needs it'));
    assert.equal(r.summary.suppressed, 2);
    assert.equal(exitCode(r, 'high'), 0);
  });
  test('the annotation on the pod template works too, and tags select rules', () => {
    const r = scan(twoContainers('', '        kshield.io/ignore: "pss-baseline"'));
    assert.ok(r.findings.every((f) => f.suppressed));
  });
  test('kshield.io/ignore.<container> suppresses for that container only', () => {
    const r = scan(twoContainers('    kshield.io/ignore.debug: "privileged-container"'));
    assert.deepEqual(r.findings.map((f) => [f.container, f.suppressed]), [['app', false], ['debug', true]]);
  });
  test('--no-inline-suppressions makes annotations ineffective', () => {
    const r = scan(twoContainers('    kshield.io/ignore: "privileged-container"'), { inlineSuppressions: false });
    assert.ok(r.findings.every((f) => !f.suppressed));
  });
  test('an annotation naming another rule suppresses nothing', () => {
    const r = scan(twoContainers('    kshield.io/ignore: "host-network"'));
    assert.ok(r.findings.every((f) => !f.suppressed));
  });
});

describe('configuration', () => {
  test('exemptions suppress by namespace, kind, name glob and container, with owner and reason', () => {
    const config = parseConfig(
      `exemptions:
  - rules: [privileged-container]
    namespaces: [shop]
    kinds: [Deployment]
    names: ["we*"]
    containers: [debug]
    reason: debugging image for incident 42
    owner: team-sre
    expires: "2999-01-01"
`,
      'cfg.yaml',
      rules,
    );
    const r = scan(twoContainers(), { config });
    assert.deepEqual(r.findings.map((f) => [f.container, f.suppressed, f.suppression?.owner]), [['app', false, undefined], ['debug', true, 'team-sre']]);
    assert.equal(r.exemptions[0].matched, 1);
  });
  test('an expired exemption stops suppressing and is itself reported at its config line', () => {
    const config = parseConfig(
      `# team exemptions
exemptions:
  - rules: [privileged-container]
    reason: temporary
    owner: team-a
    expires: "2020-01-31"
`,
      'cfg.yaml',
      rules,
    );
    const r = scan(twoContainers(), { config, now: new Date('2026-01-01T00:00:00Z') });
    const expired = r.findings.filter((f) => f.rule === 'exemption-expired');
    assert.equal(expired.length, 1);
    assert.equal(expired[0].file, 'cfg.yaml');
    assert.equal(expired[0].line, 6);
    assert.equal(expired[0].column, 5);
    assert.match(expired[0].message, /expired on 2020-01-31/);
    assert.ok(r.findings.filter((f) => f.rule === 'privileged-container').every((f) => !f.suppressed));
  });
  test('the expiry day itself is already expired', () => {
    const config = parseConfig('exemptions:\n  - rules: ["*"]\n    reason: r\n    owner: o\n    expires: "2026-03-01"\n', 'c.yaml', rules);
    const before = scan(twoContainers(), { config, now: new Date('2026-02-28T23:00:00Z') });
    const on = scan(twoContainers(), { config, now: new Date('2026-03-01T00:00:00Z') });
    assert.ok(before.findings.every((f) => f.suppressed));
    assert.ok(on.findings.some((f) => f.rule === 'exemption-expired'));
  });
  test('invalid configuration names the key and the line', () => {
    const bad: [string, RegExp, number][] = [
      ['failOn: severe\n', /failOn: must be one of "critical", "high", "medium", "low", "info", "none"$/, 1],
      // A misspelt choice gets "did you mean", as a misspelt key or rule id does (new-user trial).
      ['failOn: critcal\n', /failOn: must be one of "critical", .*"none"; did you mean "critical"\?$/, 1],
      ['severity:\n  privileged-container: hihg\n', /severity.privileged-container: must be one of .*; did you mean "high"\?$/, 2],
      ['disable:\n  - no-such-rule\n', /disable\[0\]: unknown rule id or tag "no-such-rule"/, 2],
      ['exemptions:\n  - rules: [privileged-container]\n    owner: me\n', /missing required key "reason"/, 2],
      ['requiredLabels: app\n', /requiredLabels: must be a list/, 1],
      ['\nunknownKey: 1\n', /unknown key "unknownKey"/, 2],
      ['severity:\n  privileged-container: urgent\n', /severity.privileged-container: must be one of/, 2],
      ['exemptions:\n  - rules: ["*"]\n    reason: r\n    owner: o\n    expires: "2026-02-31"\n', /not a real date/, 5],
      ['a: [\n', /invalid YAML/, 1],
    ];
    for (const [text, message, line] of bad) {
      assert.throws(
        () => parseConfig(text, '.kshield.yaml', rules),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError, String(err));
          assert.match(err.message, message);
          assert.equal(err.line, line, `${JSON.stringify(text)} -> ${err.message}`);
          assert.match(err.message, /^\.kshield\.yaml:\d+: /);
          return true;
        },
      );
    }
  });
  test('severity overrides change the reported severity and the exit code', () => {
    const config = parseConfig('severity:\n  privileged-container: low\n', 'c.yaml', rules);
    const r = scan(twoContainers(), { config });
    assert.ok(r.findings.every((f) => f.severity === 'low'));
    assert.equal(exitCode(r, 'high'), 0);
    assert.equal(exitCode(r, 'low'), 1);
  });
});

describe('rule selection', () => {
  test('--only by tag selects every rule with the tag', () => {
    const chosen = selectRules(rules, { only: ['pss-baseline'] });
    assert.ok(chosen.length > 0 && chosen.every((r) => r.tags.includes('pss-baseline')));
  });
  test('--skip removes rules by id', () => {
    const chosen = selectRules(rules, { skip: ['privileged-container'] });
    assert.ok(!chosen.some((r) => r.id === 'privileged-container'));
  });
  test('unknown ids are usage errors', () => {
    assert.throws(() => selectRules(rules, { only: ['nope'] }), SelectionError);
  });
  test('opt-in rules run only when named', () => {
    const optIn = rules.filter((r) => r.optIn);
    const defaults = selectRules(rules, {});
    assert.ok(optIn.every((r) => !defaults.includes(r)));
    for (const r of optIn) assert.ok(selectRules(rules, { only: [r.id] }).includes(r));
  });
});

describe('baselines', () => {
  test('fingerprints survive line moves and container reordering', () => {
    const before = scan(twoContainers());
    const moved = scan('# a new comment\n\n' + twoContainers().replace('  namespace: shop\n', '  namespace: shop\n  labels: {x: y}\n'));
    assert.notEqual(before.findings[0].line, moved.findings[0].line);
    assert.deepEqual(moved.findings.map((f) => f.fingerprint), before.findings.map((f) => f.fingerprint));
    const swapped = twoContainers().replace(
      /      - name: app\n(.*\n.*\n)      - name: debug\n(.*\n.*\n)/,
      (_m, a: string, b: string) => `      - name: debug\n${b}      - name: app\n${a}`,
    );
    const reordered = scan(swapped);
    assert.deepEqual(new Set(reordered.findings.map((f) => f.fingerprint)), new Set(before.findings.map((f) => f.fingerprint)));
  });
  test('findings of one rule at one field get distinct fingerprints, so a baseline keeps them apart', () => {
    const deployment = (labels: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {${labels}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "registry.example.com/web:1.0"}]
`;
    const only = { only: ['missing-required-labels'] };
    const oneMissing = scanLoaded(loadText(deployment('team: shop'), 'd.yaml'), only);
    assert.equal(oneMissing.findings.length, 1);
    const baseline = new Set(buildBaseline(oneMissing.findings).findings.map((e) => e.fingerprint));
    const bothMissing = scanLoaded(loadText(deployment('app: web'), 'd.yaml'), { ...only, baseline });
    assert.equal(bothMissing.findings.length, 2);
    assert.equal(new Set(bothMissing.findings.map((f) => f.fingerprint)).size, 2);
    assert.deepEqual(
      bothMissing.findings.map((f) => f.suppressed),
      bothMissing.findings.map((f) => f.fingerprint === oneMissing.findings[0].fingerprint),
    );
    assert.equal(bothMissing.findings.filter((f) => !f.suppressed).length, 1, 'the newly missing label is reported');
  });
  test('a baseline suppresses known findings and reports new ones', () => {
    const first = scan(twoContainers().replace(/(- name: debug\n.*\n\s+securityContext: \{privileged: )true/, '$1false'));
    assert.equal(first.findings.length, 1);
    const baseline = new Set(buildBaseline(first.findings).findings.map((e) => e.fingerprint));
    const second = scan(twoContainers(), { baseline });
    assert.deepEqual(second.findings.map((f) => [f.container, f.suppressed, f.suppression?.kind]), [['app', true, 'baseline'], ['debug', false, undefined]]);
  });
});

test('what cross-object rules read of a ConfigMap or Secret holds neither its values nor the original object', () => {
  const [config] = loadText('# header\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: n}\ndata:\n  nginx.conf: |\n    worker_processes auto;\n', 'app.yaml').resources;
  const view = contextView(config);
  assert.deepEqual(view.object.data, { 'nginx.conf': '' });
  assert.equal((config.object.data as Record<string, string>)['nginx.conf'], 'worker_processes auto;\n', 'the original is untouched');
  // Positions of the view are its object's own, whatever field is asked for (none is ever reported).
  assert.deepEqual(view.locate('/data/nginx.conf'), { line: 2, column: 1 });
  assert.deepEqual(view.locate(''), config.locate(''));
});
