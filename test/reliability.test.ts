import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { reliabilityRules } from '../src/rules/reliability/index.js';
import { portNameProblem } from '../src/k8s/api-validation.js';
import { dns1123LabelProblem, portNumberProblem, portNumOrNameProblem, protocolProblem } from '../src/k8s/api-validation.js';
import {
  formatSelector,
  isEmptySelector,
  labelKeyProblem,
  labelValueProblem,
  mapSelectorMatches,
  matchesParsed,
  parseLabelSelector,
  selectorMatches,
} from '../src/k8s/labels.js';
import { evaluate } from '../src/engine/engine.js';
import type { Finding } from '../src/core/types.js';
import { loadText } from '../src/sources/files.js';
import { runRuleExamples } from './support/rule-tester.js';

runRuleExamples(reliabilityRules);

function run(ruleId: string, ...docs: string[]): Finding[] {
  const rule = reliabilityRules.find((r) => r.id === ruleId);
  assert.ok(rule, ruleId);
  const loaded = loadText(docs.join('\n---\n'), 'test.yaml');
  assert.deepEqual(loaded.errors, []);
  const result = evaluate(loaded.resources, { rules: [rule] });
  assert.deepEqual(result.errors, []);
  return result.findings;
}

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'frontend', track: '' };
  const m = (selector: unknown, l: Record<string, string> = labels) => selectorMatches(selector, l);

  test('an empty selector matches everything, including an empty label set', () => {
    assert.ok(m({}));
    assert.ok(m({}, {}));
    assert.ok(m({ matchLabels: {}, matchExpressions: [] }));
    assert.ok(m({ matchLabels: null, matchExpressions: null }));
    assert.ok(isEmptySelector(parseLabelSelector({})));
    assert.equal(formatSelector(parseLabelSelector({})), '<everything>');
  });

  test('a null or absent selector matches nothing by default, everything when asked', () => {
    assert.ok(!m(undefined));
    assert.ok(!m(null));
    assert.ok(!m(undefined, {}));
    assert.ok(selectorMatches(undefined, labels, { absent: 'everything' }));
    assert.ok(selectorMatches(null, {}, { absent: 'everything' }));
    assert.equal(parseLabelSelector(null).kind, 'null');
    assert.ok(!isEmptySelector(parseLabelSelector(null)));
  });

  test('matchLabels requires every pair', () => {
    assert.ok(m({ matchLabels: { app: 'web' } }));
    assert.ok(m({ matchLabels: { app: 'web', tier: 'frontend' } }));
    assert.ok(!m({ matchLabels: { app: 'web', tier: 'backend' } }));
    assert.ok(!m({ matchLabels: { app: 'Web' } }), 'values are case-sensitive');
    assert.ok(!m({ matchLabels: { missing: '' } }), 'an absent key does not equal ""');
    assert.ok(m({ matchLabels: { track: '' } }), 'a present empty value equals ""');
  });

  test('In', () => {
    assert.ok(m({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend', 'frontend'] }] }));
    assert.ok(!m({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend'] }] }));
    assert.ok(!m({ matchExpressions: [{ key: 'missing', operator: 'In', values: ['x'] }] }), 'absent key never matches In');
    assert.ok(m({ matchExpressions: [{ key: 'track', operator: 'In', values: [''] }] }));
  });

  test('NotIn matches an absent key', () => {
    assert.ok(m({ matchExpressions: [{ key: 'missing', operator: 'NotIn', values: ['x'] }] }));
    assert.ok(m({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['backend', 'db'] }] }));
    assert.ok(!m({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['frontend'] }] }));
    assert.ok(m({ matchExpressions: [{ key: 'x', operator: 'NotIn', values: ['y'] }] }, {}));
  });

  test('Exists and DoesNotExist look at keys only', () => {
    assert.ok(m({ matchExpressions: [{ key: 'track', operator: 'Exists' }] }), 'Exists matches an empty value');
    assert.ok(!m({ matchExpressions: [{ key: 'missing', operator: 'Exists' }] }));
    assert.ok(m({ matchExpressions: [{ key: 'missing', operator: 'DoesNotExist' }] }));
    assert.ok(!m({ matchExpressions: [{ key: 'track', operator: 'DoesNotExist' }] }));
    assert.ok(m({ matchExpressions: [{ key: 'app', operator: 'Exists', values: [] }] }), 'an empty values list is allowed');
    assert.ok(m({ matchExpressions: [{ key: 'x', operator: 'DoesNotExist' }] }, {}));
  });

  test('matchLabels and matchExpressions are ANDed, as are expressions', () => {
    const sel = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend'] }, { key: 'canary', operator: 'DoesNotExist' }] };
    assert.ok(m(sel));
    assert.ok(!m(sel, { ...labels, canary: 'true' }));
    assert.ok(!m(sel, { ...labels, app: 'api' }));
    assert.ok(!m({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }), 'contradictions match nothing');
  });

  test('invalid selectors are reported and match nothing', () => {
    const cases: [unknown, RegExp][] = [
      ['app=web', /must be a mapping/],
      [[], /must be a mapping/],
      [{ matchLabels: ['app'] }, /matchLabels must be a mapping/],
      [{ matchLabels: { replicas: 3 } }, /must be a string, but is number 3/],
      [{ matchExpressions: {} }, /must be a list/],
      [{ matchExpressions: ['app'] }, /must be a mapping/],
      [{ matchExpressions: [{ operator: 'Exists' }] }, /key must be a non-empty string/],
      [{ matchExpressions: [{ key: 'a', operator: 'in', values: ['x'] }] }, /"in" is not one of/],
      [{ matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] }, /not one of In, NotIn, Exists, DoesNotExist/],
      [{ matchExpressions: [{ key: 'a' }] }, /operator missing/],
      [{ matchExpressions: [{ key: 'a', operator: 'In' }] }, /In without values/],
      [{ matchExpressions: [{ key: 'a', operator: 'NotIn', values: [] }] }, /NotIn without values/],
      [{ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, /takes no values/],
      [{ matchExpressions: [{ key: 'a', operator: 'DoesNotExist', values: ['x'] }] }, /takes no values/],
      [{ matchExpressions: [{ key: 'a', operator: 'In', values: 'x' }] }, /values must be a list/],
      [{ matchExpressions: [{ key: 'a', operator: 'In', values: [1] }] }, /values\[0\] must be a string/],
    ];
    for (const [sel, message] of cases) {
      const parsed = parseLabelSelector(sel);
      assert.equal(parsed.kind, 'invalid', JSON.stringify(sel));
      if (parsed.kind === 'invalid') assert.match(parsed.problems[0].message, message, JSON.stringify(sel));
      assert.ok(!matchesParsed(parsed, labels));
      assert.ok(!selectorMatches(sel, labels, { absent: 'everything' }), 'invalid is not absent');
    }
    const p = parseLabelSelector({ matchLabels: { 'a/b': 1 } });
    assert.ok(p.kind === 'invalid' && p.problems[0].path === '/matchLabels/a~1b', 'problem paths are JSON Pointers');
  });

  test('label keys in labels are matched exactly, including prefixes', () => {
    assert.ok(m({ matchLabels: { 'app.kubernetes.io/name': 'web' } }, { 'app.kubernetes.io/name': 'web' }));
    assert.ok(!m({ matchLabels: { name: 'web' } }, { 'app.kubernetes.io/name': 'web' }));
    assert.ok(!m({ matchLabels: { toString: 'x' } }, {}), 'prototype keys are not labels');
    assert.ok(m({ matchExpressions: [{ key: 'constructor', operator: 'DoesNotExist' }] }, {}));
  });

  test('formatting', () => {
    assert.equal(
      formatSelector(parseLabelSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 't', operator: 'In', values: ['a', 'b'] }, { key: 'u', operator: 'NotIn', values: ['c'] }, { key: 'v', operator: 'Exists' }, { key: 'w', operator: 'DoesNotExist' }] })),
      'app=web, t in (a,b), u notin (c), v, !w',
    );
    assert.equal(formatSelector(parseLabelSelector(undefined)), '<none>');
  });

  test('equality-only (Service) selectors', () => {
    assert.ok(mapSelectorMatches({ app: 'web' }, labels));
    assert.ok(!mapSelectorMatches({ app: 'web', tier: 'db' }, labels));
    assert.ok(mapSelectorMatches({}, labels), 'the caller decides what an empty map means');
    assert.ok(!mapSelectorMatches({ hasOwnProperty: 'x' }, {}));
  });

  test('label syntax', () => {
    assert.equal(labelValueProblem(''), undefined);
    assert.equal(labelValueProblem('a'.repeat(63)), undefined);
    assert.match(labelValueProblem('a'.repeat(64))!, /64 characters/);
    assert.equal(labelValueProblem('v1.2_3-x'), undefined);
    for (const bad of ['-a', 'a-', '.a', 'a b', 'a/b', 'ü']) assert.ok(labelValueProblem(bad), bad);
    assert.equal(labelKeyProblem('app'), undefined);
    assert.equal(labelKeyProblem('app.kubernetes.io/name'), undefined);
    assert.equal(labelKeyProblem('Team_Name'), undefined);
    for (const bad of ['', '/a', 'a/', 'A.io/x', 'a_b.io/x', 'x/y/z', 'a'.repeat(64), `${'a'.repeat(254)}/x`]) assert.ok(labelKeyProblem(bad), bad);
  });

  // IsQualifiedName (keys: optional DNS-1123 subdomain prefix of at most 253, name of at most 63) and
  // IsValidLabelValue (at most 63, may be empty), at the limits.
  test('label keys and values at the limits of IsQualifiedName and IsValidLabelValue', () => {
    const subdomain253 = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    assert.equal(subdomain253.length, 253);
    const keys: [string, boolean][] = [
      ['a', true], ['A', true], ['1', true], ['a'.repeat(63), true], [`${subdomain253}/x`, true], [`example.com/${'N'.repeat(63)}`, true],
      ['my.name', true], ['123-abc', true], ['example.com/My_Name', true],
      [`${subdomain253}a/x`, false], [`example.com/${'n'.repeat(64)}`, false], ['-a.io/x', false], ['a..io/x', false], ['a.io-/x', false], ['_a', false], ['a_', false],
    ];
    for (const [key, ok] of keys) assert.equal(labelKeyProblem(key) === undefined, ok, key.length > 70 ? `${key.length} chars` : key);
    const values: [string, boolean][] = [['', true], ['0', true], ['Z', true], ['a.b_c-d', true], ['z'.repeat(63), true], ['z'.repeat(64), false], ['a_', false], ['_a', false], ['a:b', false]];
    for (const [value, ok] of values) assert.equal(labelValueProblem(value) === undefined, ok, value);
  });
});

// ---------------------------------------------------------------------------------------------

const deploy = (name: string, o: { ns?: string | null; replicas?: number | null; labels?: string; selector?: string; podSpec?: string } = {}) => {
  const labels = o.labels ?? `{app: ${name}}`;
  const ns = o.ns === null ? '' : `, namespace: ${o.ns ?? 'shop'}`;
  const replicas = o.replicas === null ? '' : `\n  replicas: ${o.replicas ?? 3}`;
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}${ns}}
spec:${replicas}
  selector: ${o.selector ?? `{matchLabels: ${labels}}`}
  template:
    metadata: {labels: ${labels}}
    spec:${o.podSpec ? '\n' + o.podSpec : ''}
      containers: [{name: ${name}, image: registry.example.com/${name}:1.0.0}]`;
};

const svc = (name: string, selector: string, ns: string | null = 'shop', extra = '') => `apiVersion: v1
kind: Service
metadata: {name: ${name}${ns === null ? '' : `, namespace: ${ns}`}}
spec:${extra}
  selector: ${selector}
  ports: [{name: http, port: 80}]`;

const hpa = (name: string, target: string, min: number | null = 2, ns = 'shop', kind = 'Deployment') => `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: ${name}, namespace: ${ns}}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: ${kind}, name: ${target}}${min === null ? '' : `\n  minReplicas: ${min}`}
  maxReplicas: 10`;

const pdb = (name: string, spec: string, ns = 'shop') => `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: ${name}, namespace: ${ns}}
spec:
${spec}`;

const netpol = (name: string, podSelector: string, ns = 'shop') => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ${name}, namespace: ${ns}}
spec:${podSelector ? `\n  podSelector: ${podSelector}` : ''}
  policyTypes: [Ingress]`;

describe('dangling-service', () => {
  test('one Service file alone is not judged', () => {
    assert.equal(run('dangling-service', svc('web', '{app: web}')).length, 0);
  });

  test('workloads in another namespace do not count as candidates', () => {
    assert.equal(run('dangling-service', svc('web', '{app: web}'), deploy('api', { ns: 'billing' })).length, 0);
    const f = run('dangling-service', svc('web', '{app: web}'), deploy('api'), deploy('web', { ns: 'billing' }));
    assert.equal(f.length, 1);
    assert.equal(f[0].path, '/spec/selector');
    assert.equal(f[0].line, 5);
    assert.match(f[0].message, /selects app=web, but no workload in namespace "shop"/);
  });

  test('matching by pod template labels, every pair required', () => {
    assert.equal(run('dangling-service', svc('web', '{app: web, tier: fe}'), deploy('web', { labels: '{app: web, tier: fe, v: "2"}' })).length, 0);
    assert.equal(run('dangling-service', svc('web', '{app: web, tier: fe}'), deploy('web')).length, 1);
  });

  test('objects without a namespace pair with any namespace', () => {
    assert.equal(run('dangling-service', svc('web', '{app: web}', null), deploy('web', { ns: 'shop' })).length, 0);
    assert.equal(run('dangling-service', svc('web', '{app: web}'), deploy('web', { ns: null })).length, 0);
    assert.equal(run('dangling-service', svc('web', '{app: web}', null), deploy('api', { ns: null })).length, 1);
  });

  test('CronJobs, Jobs, StatefulSets and bare Pods are workloads too', () => {
    const pod = `apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: shop, labels: {app: debug}}
spec: {containers: [{name: a, image: busybox:1.36}]}`;
    assert.equal(run('dangling-service', svc('debug', '{app: debug}'), pod).length, 0);
  });

  test('selector-less, empty-selector and ExternalName Services are skipped', () => {
    const noSelector = `apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec: {ports: [{port: 5432}]}`;
    assert.equal(run('dangling-service', noSelector, deploy('web')).length, 0);
    assert.equal(run('dangling-service', svc('web', '{}'), deploy('api')).length, 0);
    assert.equal(run('dangling-service', svc('ext', '{app: x}', 'shop', '\n  type: ExternalName\n  externalName: db.example.com'), deploy('api')).length, 0);
  });
});

describe('dangling-ingress', () => {
  const ingress = (backend: string) => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop, namespace: shop}
spec:
  rules:
  - http:
      paths:
      - {path: /, pathType: Prefix, backend: ${backend}}`;

  test('quiet without Services in the namespace', () => {
    assert.equal(run('dangling-ingress', ingress('{service: {name: web, port: {number: 80}}}')).length, 0);
    assert.equal(run('dangling-ingress', ingress('{service: {name: web, port: {number: 80}}}'), svc('web', '{app: web}', 'other')).length, 0);
  });

  test('names the missing service and the wrong port', () => {
    const missing = run('dangling-ingress', ingress('{service: {name: api, port: {number: 80}}}'), svc('web', '{app: web}'));
    assert.equal(missing.length, 1);
    assert.equal(missing[0].path, '/spec/rules/0/http/paths/0/backend/service/name');
    const port = run('dangling-ingress', ingress('{service: {name: web, port: {number: 8080}}}'), svc('web', '{app: web}'));
    assert.match(port[0].message, /port 8080 of Service "web"/);
    const portName = run('dangling-ingress', ingress('{service: {name: web, port: {name: https}}}'), svc('web', '{app: web}'));
    assert.match(portName[0].message, /port "https"/);
    assert.equal(run('dangling-ingress', ingress('{service: {name: web, port: {name: http}}}'), svc('web', '{app: web}')).length, 0);
  });

  test('legacy backends and resource backends', () => {
    assert.equal(run('dangling-ingress', ingress('{serviceName: web, servicePort: 80}'), svc('web', '{app: web}')).length, 0);
    assert.equal(run('dangling-ingress', ingress('{serviceName: api, servicePort: 80}'), svc('web', '{app: web}'))[0].path, '/spec/rules/0/http/paths/0/backend/serviceName');
    assert.equal(run('dangling-ingress', ingress('{resource: {apiGroup: k8s.example.com, kind: Bucket, name: assets}}'), svc('web', '{app: web}')).length, 0);
  });
});

describe('dangling-networkpolicy', () => {
  test('empty and absent podSelectors select everything', () => {
    assert.equal(run('dangling-networkpolicy', netpol('deny', '{}'), deploy('web')).length, 0);
    assert.equal(run('dangling-networkpolicy', netpol('deny', ''), deploy('web')).length, 0);
  });

  test('set-based selectors, including NotIn on an absent key', () => {
    assert.equal(run('dangling-networkpolicy', netpol('p', '{matchExpressions: [{key: app, operator: In, values: [api, web]}]}'), deploy('web')).length, 0);
    assert.equal(run('dangling-networkpolicy', netpol('p', '{matchExpressions: [{key: canary, operator: NotIn, values: ["true"]}]}'), deploy('web')).length, 0);
    assert.equal(run('dangling-networkpolicy', netpol('p', '{matchExpressions: [{key: canary, operator: Exists}]}'), deploy('web')).length, 1);
    assert.equal(run('dangling-networkpolicy', netpol('p', '{matchExpressions: [{key: canary, operator: DoesNotExist}]}'), deploy('web')).length, 0);
  });

  test('quiet without workloads; invalid selectors are left to the API server', () => {
    assert.equal(run('dangling-networkpolicy', netpol('p', '{matchLabels: {app: nope}}')).length, 0);
    assert.equal(run('dangling-networkpolicy', netpol('p', '{matchExpressions: [{key: app, operator: In}]}'), deploy('web')).length, 0);
  });
});

describe('autoscalers', () => {
  test('replicas-with-hpa and single-replica consult autoscalers in the same namespace only', () => {
    assert.equal(run('replicas-with-hpa', deploy('web'), hpa('web', 'web')).length, 1);
    assert.equal(run('replicas-with-hpa', deploy('web'), hpa('web', 'web', 2, 'other')).length, 0);
    assert.equal(run('replicas-with-hpa', deploy('web'), hpa('web', 'web', 2, 'shop', 'StatefulSet')).length, 0);
    assert.equal(run('single-replica', deploy('web', { replicas: null }), hpa('web', 'web', 2, 'other')).length, 1);
    assert.equal(run('single-replica', deploy('web', { replicas: null }), hpa('web', 'web')).length, 0);
  });

  test('dangling-hpa', () => {
    assert.equal(run('dangling-hpa', hpa('web', 'web')).length, 0, 'alone: not judged');
    const f = run('dangling-hpa', hpa('web', 'wbe'), deploy('web'));
    assert.equal(f.length, 1);
    assert.equal(f[0].path, '/spec/scaleTargetRef/name');
    assert.equal(run('dangling-hpa', hpa('db', 'db', 2, 'shop', 'StatefulSet'), deploy('web')).length, 1, 'workloads exist, wrong kind');
    assert.equal(run('dangling-hpa', hpa('web', 'web'), deploy('web', { ns: 'other' })).length, 0, 'quiet: nothing in this namespace');
    assert.match(run('dangling-hpa', hpa('ds', 'agent', 2, 'shop', 'DaemonSet'))[0].message, /no replica count/);
  });

  test('hpa-min-replicas treats an unset minReplicas as 1 and 0 as deliberate', () => {
    assert.equal(run('hpa-min-replicas', hpa('web', 'web', null))[0].path, '/spec');
    assert.equal(run('hpa-min-replicas', hpa('web', 'web', 0)).length, 0);
    assert.equal(run('hpa-min-replicas', hpa('web', 'web', 1))[0].path, '/spec/minReplicas');
  });
});

describe('disruption budgets', () => {
  test('missing-pod-disruption-budget matches PDB selectors against pod template labels', () => {
    assert.equal(run('missing-pod-disruption-budget', deploy('web'), pdb('web', '  maxUnavailable: 1\n  selector: {matchLabels: {app: web}}')).length, 0);
    assert.equal(run('missing-pod-disruption-budget', deploy('web'), pdb('all', '  maxUnavailable: 1\n  selector: {}')).length, 0, 'empty selector covers all pods');
    assert.equal(run('missing-pod-disruption-budget', deploy('web'), pdb('none', '  maxUnavailable: 1')).length, 1, 'null selector covers nothing');
    assert.equal(run('missing-pod-disruption-budget', deploy('web'), pdb('web', '  maxUnavailable: 1\n  selector: {matchLabels: {app: web}}', 'other')).length, 1);
    assert.equal(run('missing-pod-disruption-budget', deploy('web', { replicas: 1 })).length, 0);
    assert.equal(run('missing-pod-disruption-budget', deploy('web', { replicas: null }), hpa('web', 'web')).length, 1, 'autoscaled counts as replicated');
  });

  test('pdb-blocks-eviction compares minAvailable with replicas and autoscaler floors', () => {
    const sel = '\n  selector: {matchLabels: {app: web}}';
    assert.equal(run('pdb-blocks-eviction', deploy('web', { replicas: 3 }), pdb('web', `  minAvailable: 2${sel}`)).length, 0);
    const f = run('pdb-blocks-eviction', deploy('web', { replicas: 3 }), pdb('web', `  minAvailable: 3${sel}`));
    assert.equal(f.length, 1);
    assert.equal(f[0].path, '/spec/minAvailable');
    assert.match(f[0].message, /requires 3 available pods, but Deployment "web" runs 3 replicas/);
    assert.equal(run('pdb-blocks-eviction', deploy('web', { replicas: null }), hpa('web', 'web', 3), pdb('web', `  minAvailable: 2${sel}`)).length, 0);
    assert.match(run('pdb-blocks-eviction', deploy('web', { replicas: null }), hpa('web', 'web', 2), pdb('web', `  minAvailable: 2${sel}`))[0].message, /scales Deployment "web" down to 2/);
    assert.equal(run('pdb-blocks-eviction', pdb('web', `  maxUnavailable: "0%"${sel}`)).length, 1);
    assert.equal(run('pdb-blocks-eviction', pdb('web', `  maxUnavailable: "10%"${sel}`)).length, 0);
    assert.equal(run('pdb-blocks-eviction', pdb('web', `  minAvailable: 3${sel}`)).length, 0, 'unknown workload: not judged');
  });
});

describe('probes', () => {
  const pod = (container: string, more = '') => `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  containers:
  - name: app
    image: registry.example.com/app:1.0.0
${container}${more}`;

  test('one-off Pods, Jobs and init containers need no probes', () => {
    assert.equal(run('liveness-probe-missing', pod('', '\n  restartPolicy: Never')).length, 0);
    assert.equal(run('liveness-probe-missing', pod('')).length, 1);
    assert.equal(
      run('readiness-probe-missing', pod('    readinessProbe: {tcpSocket: {port: 80}}', '\n  initContainers: [{name: init, image: busybox:1.36}]')).length,
      0,
    );
  });

  test('named ports resolve within the same container only', () => {
    const f = run(
      'probe-named-port-missing',
      pod('    readinessProbe: {httpGet: {path: /, port: metrics}}', '\n  - name: sidecar\n    image: registry.example.com/exporter:1.0.0\n    ports: [{name: metrics, containerPort: 9100}]'),
    );
    assert.equal(f.length, 1);
    assert.equal(f[0].container, 'app');
    assert.equal(f[0].path, '/spec/containers/0/readinessProbe/httpGet/port');
  });

  test('numeric ports count when any container of the pod declares them', () => {
    assert.equal(
      run('probe-port-not-declared', pod('    livenessProbe: {tcpSocket: {port: 9100}}', '\n  - name: sidecar\n    image: registry.example.com/exporter:1.0.0\n    ports: [{containerPort: 9100}]')).length,
      0,
    );
  });

  test('identical probes: the handler decides, timing is only mentioned', () => {
    const same = run('probes-identical', pod('    readinessProbe: {tcpSocket: {port: 80}}\n    livenessProbe: {tcpSocket: {port: 80}}'));
    assert.match(same[0].message, /with the same timing/);
    const timing = run('probes-identical', pod('    readinessProbe: {tcpSocket: {port: 80}}\n    livenessProbe: {periodSeconds: 30, tcpSocket: {port: 80}}'));
    assert.equal(timing.length, 1);
    assert.doesNotMatch(timing[0].message, /same timing/);
    assert.equal(run('probes-identical', pod('    readinessProbe: {httpGet: {path: /ready, port: 80}}\n    livenessProbe: {httpGet: {path: /live, port: 80}}')).length, 0);
  });
});

describe('selectors of controllers', () => {
  test('mismatching-selector', () => {
    assert.equal(run('mismatching-selector', deploy('web', { selector: '{matchExpressions: [{key: app, operator: NotIn, values: [api]}]}' })).length, 0);
    assert.equal(run('mismatching-selector', deploy('web', { selector: '{matchExpressions: [{key: app, operator: DoesNotExist}]}' })).length, 1);
    const missing = deploy('web').replace('  selector: {matchLabels: {app: web}}\n', '');
    assert.match(run('mismatching-selector', missing)[0].message, /has no spec.selector/);
    const invalid = run('mismatching-selector', deploy('web', { selector: '{matchExpressions: [{key: app, operator: In}]}' }));
    assert.equal(invalid[0].path, '/spec/selector/matchExpressions/0');
    const job = (manual: string, selector: string) => `apiVersion: batch/v1
kind: Job
metadata: {name: j, namespace: shop}
spec:${manual}
  selector: ${selector}
  template:
    metadata: {labels: {job: j}}
    spec:
      restartPolicy: Never
      containers: [{name: j, image: busybox:1.36}]`;
    assert.equal(run('mismatching-selector', job('', '{matchLabels: {job: other}}')).length, 0);
    assert.equal(run('mismatching-selector', job('\n  manualSelector: true', '{matchLabels: {job: other}}')).length, 1);
  });

  test('ReplicationController map selectors', () => {
    const rc = (selector: string) => `apiVersion: v1
kind: ReplicationController
metadata: {name: rc, namespace: shop}
spec:
  replicas: 2${selector}
  template:
    metadata: {labels: {app: rc}}
    spec: {containers: [{name: a, image: busybox:1.36}]}`;
    assert.equal(run('mismatching-selector', rc('')).length, 0, 'defaulted from the template');
    assert.equal(run('mismatching-selector', rc('\n  selector: {app: rc}')).length, 0);
    assert.equal(run('mismatching-selector', rc('\n  selector: {app: other}')).length, 1);
  });

  test('topology spread selectors must select the pod itself', () => {
    const spread = (selector: string) =>
      deploy('web', { podSpec: `      topologySpreadConstraints:\n      - {maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, labelSelector: ${selector}}` });
    assert.equal(run('topology-spread-constraint-invalid', spread('{matchLabels: {app: web}}')).length, 0);
    assert.equal(run('topology-spread-constraint-invalid', spread('{}')).length, 0);
    assert.equal(run('topology-spread-constraint-invalid', spread('{matchLabels: {app: api}}')).length, 1);
  });
});

describe('ports and service accounts', () => {
  // Field by field, as pkg/apis/core/validation (validateContainerPorts, validateServicePort,
  // ValidatePortNumOrName) and apimachinery's IsValidPortName/IsDNS1123Label judge them.
  test('IANA_SVC_NAME (container port names, named targetPorts and probe ports): limits and format', () => {
    const table: [string, boolean][] = [
      ['a', true], ['a1', true], ['1a', true], ['h2c', true], ['http-metrics', true], ['abcdefghijklmno', true], ['a-b-c', true],
      ['', false], ['abcdefghijklmnop', false], ['HTTP', false], ['Http', false], ['http_port', false], ['http.port', false],
      ['-http', false], ['http-', false], ['http--alt', false], ['8080', false], ['1-2', false], ['-', false],
    ];
    for (const [name, ok] of table) assert.equal(portNameProblem(name) === undefined, ok, `"${name}"`);
    assert.match(portNameProblem('8080')!, /number written as a string/);
  });

  test('DNS-1123 labels (Service port names): limits and format', () => {
    const table: [string, boolean][] = [
      ['a', true], ['9', true], ['9101', true], ['http-exporter-port', true], ['a--b', true], ['x'.repeat(63), true],
      ['x'.repeat(64), false], ['', false], ['HTTP', false], ['http_port', false], ['http.port', false], ['-http', false], ['http-', false],
    ];
    for (const [name, ok] of table) assert.equal(dns1123LabelProblem(name) === undefined, ok, `"${name}"`);
  });

  test('port numbers, protocols and number-or-name ports', () => {
    for (const [value, ok] of [[1, true], [65535, true], [0, false], [65536, false], [-1, false], [80.5, false], ['80', false], [undefined, false]] as const)
      assert.equal(portNumberProblem(value) === undefined, ok, String(value));
    for (const [value, ok] of [[undefined, true], ['', true], ['TCP', true], ['UDP', true], ['SCTP', true], ['tcp', false], ['HTTP', false], [6, false]] as const)
      assert.equal(protocolProblem(value) === undefined, ok, String(value));
    for (const [value, ok] of [[8080, true], ['http', true], ['8080', false], ['', false], [0, false], ['web_tls', false]] as const)
      assert.equal(portNumOrNameProblem(value) === undefined, ok, String(value));
  });

  const portPod = (container: string, more = '') => `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  containers:
  - name: app
    image: registry.example.com/app:1.0.0
${container}${more}`;
  const svcWith = (ports: string) => `apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports:
${ports}`;

  test('a Service port name is a DNS-1123 label: 18 characters are fine, 64 are not', () => {
    // kube-prometheus names a Service port "http-exporter-port"; the API server accepts it.
    assert.deepEqual(run('invalid-port', svcWith('  - {name: http-exporter-port, port: 9100, targetPort: http}')), []);
    assert.deepEqual(run('invalid-port', svcWith(`  - {name: ${'p'.repeat(63)}, port: 80}\n  - {name: "443", port: 443}`)), []);
    const long = run('invalid-port', svcWith(`  - {name: ${'p'.repeat(64)}, port: 80}`));
    assert.deepEqual(long.map((f) => f.path), ['/spec/ports/0/name']);
    assert.match(long[0].message, /64 characters long \(at most 63\)/);
    assert.deepEqual(run('invalid-port', svcWith('  - {name: Http, port: 80}')).map((f) => f.path), ['/spec/ports/0/name']);
    // The container port it targets is still an IANA name: 15 characters at most.
    assert.deepEqual(run('invalid-port', svcWith('  - {name: http, port: 80, targetPort: http-exporter-port}')).map((f) => f.path), ['/spec/ports/0/targetPort']);
  });

  test('Service ports: names required when several, unique, port/protocol pairs distinct, targetPort defaulted then validated', () => {
    assert.equal(run('invalid-port', svc('web', '{app: web}')).length, 0);
    const f = run(
      'invalid-port',
      svcWith(`  - {name: http, port: 80, targetPort: "8080"}
  - {name: http, port: 443, targetPort: web_tls}
  - {port: 9090}
  - {name: dns, port: 9090, protocol: udp}
  - {name: again, port: 80, protocol: TCP}
  - {name: zero, port: 8000, targetPort: 0}
  - {name: empty, port: 8001, targetPort: ""}
  - {name: grpc, port: 8002, appProtocol: "kubernetes.io/h2c"}
  - {name: bad-app, port: 8003, appProtocol: "-h2c"}`),
    );
    assert.deepEqual(f.map((x) => x.path), [
      '/spec/ports/0/targetPort',
      '/spec/ports/1/name',
      '/spec/ports/1/targetPort',
      '/spec/ports/2',
      '/spec/ports/3/protocol',
      '/spec/ports/4/port',
      '/spec/ports/8/appProtocol',
    ]);
    assert.match(f[0].message, /targetPort name "8080" is a number written as a string/);
    assert.match(f[4].message, /protocol "udp" is not one of TCP, UDP, SCTP/);
    assert.match(f[5].message, /repeats TCP\/80 of port #1/);
  });

  test('container port names are unique within their container, not across the pod', () => {
    // validateContainerPorts keeps its set of names per container: two containers may both name a port "metrics".
    const twoContainers = portPod('    ports: [{name: metrics, containerPort: 8080}]', '\n  - name: sidecar\n    image: registry.example.com/exporter:1.0.0\n    ports: [{name: metrics, containerPort: 9100}]');
    assert.deepEqual(run('invalid-port', twoContainers), []);
    const same = run('invalid-port', portPod('    ports: [{name: metrics, containerPort: 8080}, {name: metrics, containerPort: 9100}]'));
    assert.deepEqual(same.map((f) => f.path), ['/spec/containers/0/ports/1/name']);
    assert.match(same[0].message, /port name "metrics" is already used by its port #1/);
  });

  test('container ports: containerPort required and in range, hostPort in range when set, protocol exact', () => {
    const f = run(
      'invalid-port',
      portPod('    ports: [{containerPort: 0}, {name: web}, {containerPort: 8080, hostPort: 0}, {containerPort: 8081, hostPort: 70000}, {containerPort: 53, protocol: Udp}, {containerPort: 54, protocol: SCTP}]'),
    );
    assert.deepEqual(f.map((x) => x.path), ['/spec/containers/0/ports/0/containerPort', '/spec/containers/0/ports/1', '/spec/containers/0/ports/3/hostPort', '/spec/containers/0/ports/4/protocol']);
    assert.match(f[1].message, /containerPort must be a whole number, but is missing/);
  });

  test('probe and lifecycle ports: number or IANA name; gRPC a number; plain init containers are not judged', () => {
    const f = run(
      'invalid-port',
      portPod(`    ports: [{name: http, containerPort: 8080}]
    livenessProbe: {httpGet: {path: /, port: "8080"}}
    readinessProbe: {tcpSocket: {port: http}}
    startupProbe: {grpc: {port: 0}}
    lifecycle:
      preStop: {httpGet: {path: /drain, port: admin_port}}
      postStart: {tcpSocket: {port: 8080}}`),
    );
    assert.deepEqual(f.map((x) => x.path), [
      '/spec/containers/0/livenessProbe/httpGet/port',
      '/spec/containers/0/startupProbe/grpc/port',
      '/spec/containers/0/lifecycle/preStop/httpGet/port',
    ]);
    assert.match(f[0].message, /liveness probe httpGet port name "8080" is a number written as a string/);
    // A quoted number is invalid-port's finding only: probe-named-port-missing does not judge it as a name.
    assert.deepEqual(run('probe-named-port-missing', portPod('    livenessProbe: {httpGet: {path: /, port: "8080"}}')), []);
    assert.equal(run('probe-named-port-missing', portPod('    livenessProbe: {httpGet: {path: /, port: metrics}}')).length, 1);
    // Init containers that are not sidecars may not have probes at all (another error): their ports are not judged here.
    const init = portPod('', '\n  initContainers:\n  - name: init\n    image: busybox:1.36\n    readinessProbe: {tcpSocket: {port: "1"}}');
    assert.deepEqual(run('invalid-port', init), []);
  });

  test('service-account-not-found is quiet without ServiceAccounts and ignores "default"', () => {
    const sa = (name: string, ns = 'shop') => `apiVersion: v1
kind: ServiceAccount
metadata: {name: ${name}, namespace: ${ns}}`;
    const web = deploy('web', { podSpec: '      serviceAccountName: web' });
    assert.equal(run('service-account-not-found', web).length, 0);
    assert.equal(run('service-account-not-found', web, sa('web')).length, 0);
    assert.equal(run('service-account-not-found', web, sa('web', 'other')).length, 0, 'nothing to compare with in this namespace');
    const f = run('service-account-not-found', web, sa('api'));
    assert.equal(f.length, 1);
    assert.equal(f[0].path, '/spec/template/spec/serviceAccountName');
    assert.equal(run('service-account-not-found', deploy('web', { podSpec: '      serviceAccountName: default' }), sa('api')).length, 0);
    assert.equal(run('service-account-not-found', deploy('web', { podSpec: '      serviceAccount: ghost' }), sa('api'))[0].path, '/spec/template/spec/serviceAccount');
  });
});

describe('config-reference-missing', () => {
  const secret = (name: string, keys: string, ns = 'shop') => `apiVersion: v1
kind: Secret
metadata: {name: ${name}, namespace: ${ns}}
stringData: ${keys}`;
  const web = (container: string, podSpec?: string) =>
    deploy('web', { podSpec }).replace('containers: [{name: web, image: registry.example.com/web:1.0.0}]', `containers:\n      - name: web\n        image: registry.example.com/web:1.0.0\n${container}`);

  test('kube-root-ca.crt is published into every namespace', () => {
    const cm = `apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {a: b}`;
    const projected = '      volumes:\n      - name: token\n        projected: {sources: [{serviceAccountToken: {path: token}}, {configMap: {name: kube-root-ca.crt, items: [{key: ca.crt, path: ca.crt}]}}]}';
    assert.equal(run('config-reference-missing', cm, web('        volumeMounts: [{name: token, mountPath: /var/run/token}]', projected)).length, 0);
  });

  test('quiet when the scanned set holds no Secret in the namespace', () => {
    assert.equal(run('config-reference-missing', web('        envFrom: [{secretRef: {name: db}}]')).length, 0);
    assert.equal(run('config-reference-missing', web('        envFrom: [{secretRef: {name: db}}]'), secret('other', '{a: b}', 'billing')).length, 0);
  });

  test('missing objects and keys, optional references skipped, values never shown', () => {
    const f = run(
      'config-reference-missing',
      secret('db', '{password: hunter2}'),
      web(
        '        env:\n        - {name: A, valueFrom: {secretKeyRef: {name: db, key: password}}}\n        - {name: B, valueFrom: {secretKeyRef: {name: db, key: user}}}\n        - {name: C, valueFrom: {secretKeyRef: {name: api, key: token, optional: true}}}\n        envFrom: [{secretRef: {name: api}}]',
        '      volumes:\n      - {name: certs, secret: {secretName: tls}}\n      - name: all\n        projected: {sources: [{secret: {name: db}}, {secret: {name: gone}}]}',
      ),
    );
    assert.deepEqual(
      f.map((x) => x.path),
      [
        '/spec/template/spec/containers/0/env/1/valueFrom/secretKeyRef/key',
        '/spec/template/spec/containers/0/envFrom/0/secretRef/name',
        '/spec/template/spec/volumes/0/secret/secretName',
        '/spec/template/spec/volumes/1/projected/sources/1/secret/name',
      ],
    );
    assert.ok(f.every((x) => !x.message.includes('hunter2')));
    assert.match(f[0].message, /container "web" variable "B" uses key "user" of Secret "db"/);
    assert.equal(f[0].container, 'web');
    // It may be created at deploy time (new-user trial): say what kshield knows, not that it does not exist.
    assert.equal(f[1].message, 'container "web" envFrom uses Secret "api", which is not among the scanned objects of namespace "shop"');
  });
});

describe('robustness', () => {
  test('no rule throws on malformed objects', () => {
    const weird = [
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: a, namespace: shop}
spec: "nope"`,
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: b, namespace: shop}
spec:
  replicas: "{{ .Values.replicas }}"
  selector: [1, 2]
  strategy: {rollingUpdate: {maxUnavailable: [1]}}
  template:
    metadata: {labels: [x]}
    spec:
      topologySpreadConstraints: [1, {labelSelector: 3}]
      affinity: {podAntiAffinity: "x"}
      containers: [{name: c, image: x:1, ports: "80", livenessProbe: {httpGet: {port: {a: 1}}}, readinessProbe: 7}]`,
      `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: h, namespace: shop}
spec: {scaleTargetRef: "web", minReplicas: "2", maxReplicas: "x"}`,
      `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: p, namespace: shop}
spec: {minAvailable: 2, selector: "app=web"}`,
      `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: i, namespace: shop}
spec: {rules: [{http: {paths: [{backend: {service: {name: 5}}}, 7]}}], defaultBackend: []}`,
      `apiVersion: v1
kind: Service
metadata: {name: s, namespace: shop}
spec: {selector: {app: 1}}`,
      `apiVersion: batch/v1
kind: CronJob
metadata: {name: c, namespace: shop}
spec: []`,
    ];
    const loaded = loadText(weird.join('\n---\n'), 'weird.yaml');
    const result = evaluate(loaded.resources, { rules: reliabilityRules });
    assert.deepEqual(result.errors, []);
  });

  test('thousands of objects are indexed, not compared pairwise', () => {
    const docs: string[] = [];
    for (let i = 0; i < 1500; i++) docs.push(deploy(`app${i}`), svc(`app${i}`, `{app: app${i}}`), pdb(`app${i}`, `  maxUnavailable: 1\n  selector: {matchLabels: {app: app${i}}}`));
    const loaded = loadText(docs.join('\n---\n'), 'big.yaml');
    const rules = reliabilityRules.filter((r) => ['dangling-service', 'missing-pod-disruption-budget', 'replicas-with-hpa'].includes(r.id));
    const start = Date.now();
    const result = evaluate(loaded.resources, { rules });
    assert.equal(result.findings.length, 0);
    assert.ok(Date.now() - start < 5000, `took ${Date.now() - start}ms`);
  });
});
