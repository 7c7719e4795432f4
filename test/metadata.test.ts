import { API_DEPRECATIONS, apiStatus, findApiDeprecation, parseMinorVersion } from '../src/k8s/api-deprecations.js';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { metadataRules } from '../src/rules/metadata/index.js';
import { isClusterScopedKind, targetVersion } from '../src/rules/metadata/shared.js';
import { requiredLabelGroups } from '../src/rules/metadata/missing-required-labels.js';
import { evaluate } from '../src/engine/engine.js';
import type { RuleSettings } from '../src/engine/rule.js';
import { loadText } from '../src/sources/files.js';
import { runRuleExamples } from './support/rule-tester.js';

runRuleExamples(metadataRules);

/** `inputErrors`: how many wrong-typed fields the (deliberately malformed) input holds. */
function run(ruleId: string, yaml: string, settings?: Partial<RuleSettings>, inputErrors = 0) {
  const rule = metadataRules.find((r) => r.id === ruleId);
  assert.ok(rule, ruleId);
  const loaded = loadText(yaml, 'test.yaml');
  assert.equal(loaded.errors.length, inputErrors, loaded.errors.map((e) => e.message).join('\n'));
  const result = evaluate(loaded.resources, { rules: [rule], settings });
  assert.deepEqual(result.errors, []);
  return result.findings;
}

const deployment = (labels: string, podLabels = '{app: web}') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: ${labels}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: ${podLabels}}
    spec:
      containers: [{name: web, image: nginx:1.27}]`;

describe('missing-required-labels', () => {
  test('one finding per missing group, pointing at metadata.labels', () => {
    const f = run('missing-required-labels', deployment('{app: web}'));
    assert.equal(f.length, 2);
    assert.ok(f.every((x) => x.path === '/metadata/labels'));
    assert.match(f[0].message, /"app\.kubernetes\.io\/name"/);
    assert.match(f[1].message, /has no label among "app\.kubernetes\.io\/owner", "owner", "team"$/);
  });

  test('any alternative of a group satisfies it', () => {
    assert.equal(run('missing-required-labels', deployment('{app.kubernetes.io/name: web, owner: shop}')).length, 0);
    assert.equal(run('missing-required-labels', deployment('{app.kubernetes.io/name: web, team: shop}')).length, 0);
  });

  test('labels only on the pod template do not count, and the message says where they are', () => {
    const f = run('missing-required-labels', deployment('{app: web}', '{app: web, app.kubernetes.io/name: web, team: shop}'));
    assert.equal(f.length, 2);
    assert.ok(f.every((x) => /set on the pod template/.test(x.message)));
  });

  test('points at metadata when there are no labels at all', () => {
    const f = run('missing-required-labels', `apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {containers: [{name: a, image: nginx:1.27}]}`);
    assert.equal(f.length, 2);
    assert.ok(f.every((x) => x.path === '/metadata'));
  });

  test('the setting replaces the default; an empty list disables the rule', () => {
    const yaml = deployment('{app: web}');
    const f = run('missing-required-labels', yaml, { requiredLabels: ['cost-center'] });
    assert.equal(f.length, 1);
    assert.match(f[0].message, /"cost-center"/);
    assert.equal(run('missing-required-labels', yaml, { requiredLabels: [] }).length, 0);
    assert.equal(run('missing-required-labels', yaml, { requiredLabels: ['app'] }).length, 0);
  });

  test('non-workloads are not checked', () => {
    assert.equal(run('missing-required-labels', `apiVersion: v1
kind: ConfigMap
metadata: {name: c}
data: {}`).length, 0);
  });

  test('wrongly typed labels never throw', () => {
    const f = run('missing-required-labels', `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: [a, b]}
spec:
  template:
    metadata: {labels: "oops"}
    spec: {containers: [{name: a, image: nginx:1.27}]}`, undefined, 2);
    assert.equal(f.length, 2);
  });

  test('groups parse "a|b" and ignore blanks and non-strings', () => {
    assert.deepEqual(requiredLabelGroups(['a', ' b | c ', '', '|', 3, 'd||e']), [['a'], ['b', 'c'], ['d', 'e']]);
    assert.deepEqual(requiredLabelGroups('a'), []);
  });
});

describe('namespaces', () => {
  test('default-namespace flags only an explicit "default" on namespaced kinds', () => {
    assert.equal(run('default-namespace', deployment('{}').replace('namespace: shop', 'namespace: default')).length, 1);
    assert.equal(run('default-namespace', `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r, namespace: default}
rules: []`).length, 0);
  });

  test('namespace-not-set skips cluster-scoped kinds, including Cluster* custom kinds', () => {
    assert.ok(isClusterScopedKind('Namespace'));
    assert.ok(isClusterScopedKind('ClusterIssuer'));
    assert.ok(!isClusterScopedKind('Clusterfuck'));
    assert.ok(!isClusterScopedKind('Deployment'));
    assert.equal(run('namespace-not-set', `apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata: {name: letsencrypt}
spec: {}`).length, 0);
    assert.equal(run('namespace-not-set', `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [app.yaml]`).length, 0);
    const f = run('namespace-not-set', `apiVersion: v1
kind: ConfigMap
metadata: {name: c}`);
    assert.equal(f.length, 1);
    assert.equal(f[0].path, '/metadata');
  });
});

describe('API versions', () => {
  test('version parsing', () => {
    assert.deepEqual(parseMinorVersion('1.34'), [1, 34]);
    assert.deepEqual(parseMinorVersion('v1.29.3'), [1, 29]);
    assert.deepEqual(parseMinorVersion('1.30.0-rc.1'), [1, 30]);
    assert.equal(parseMinorVersion('latest'), undefined);
    assert.equal(parseMinorVersion(undefined), undefined);
  });

  test('the table is consistent', () => {
    const seen = new Set<string>();
    for (const d of API_DEPRECATIONS) {
      const key = `${d.apiVersion} ${d.kind}`;
      assert.ok(!seen.has(key), `duplicate ${key}`);
      seen.add(key);
      assert.ok(parseMinorVersion(d.deprecatedIn), key);
      if (d.removedIn) {
        assert.ok(parseMinorVersion(d.removedIn), key);
        const [a, b] = [parseMinorVersion(d.deprecatedIn)!, parseMinorVersion(d.removedIn)!];
        assert.ok(a[0] < b[0] || a[1] < b[1], `${key} is deprecated before it is removed`);
      }
      assert.ok(d.replacement || d.note || !d.removedIn || d.kind === 'ComponentStatus', `${key} says what to do instead`);
    }
    for (const [v, k] of [
      ['extensions/v1beta1', 'Deployment'],
      ['extensions/v1beta1', 'NetworkPolicy'],
      ['extensions/v1beta1', 'PodSecurityPolicy'],
      ['apps/v1beta1', 'StatefulSet'],
      ['apps/v1beta2', 'DaemonSet'],
      ['batch/v1beta1', 'CronJob'],
      ['policy/v1beta1', 'PodDisruptionBudget'],
      ['policy/v1beta1', 'PodSecurityPolicy'],
      ['autoscaling/v2beta1', 'HorizontalPodAutoscaler'],
      ['autoscaling/v2beta2', 'HorizontalPodAutoscaler'],
      ['networking.k8s.io/v1beta1', 'IngressClass'],
      ['rbac.authorization.k8s.io/v1beta1', 'RoleBinding'],
      ['admissionregistration.k8s.io/v1beta1', 'ValidatingWebhookConfiguration'],
      ['apiextensions.k8s.io/v1beta1', 'CustomResourceDefinition'],
      ['storage.k8s.io/v1beta1', 'CSIStorageCapacity'],
      ['flowcontrol.apiserver.k8s.io/v1beta3', 'FlowSchema'],
      ['discovery.k8s.io/v1beta1', 'EndpointSlice'],
      ['scheduling.k8s.io/v1beta1', 'PriorityClass'],
      ['certificates.k8s.io/v1beta1', 'CertificateSigningRequest'],
      ['coordination.k8s.io/v1beta1', 'Lease'],
      ['events.k8s.io/v1beta1', 'Event'],
      ['node.k8s.io/v1beta1', 'RuntimeClass'],
    ])
      assert.ok(findApiDeprecation(v, k), `${v} ${k} is in the table`);
    assert.equal(findApiDeprecation('apps/v1', 'Deployment'), undefined);
    assert.equal(findApiDeprecation('extensions/v1beta1', 'Frobnicator'), undefined);
  });

  test('status depends on the target version, boundaries included', () => {
    // autoscaling/v2beta2 HPA: deprecated in 1.23, removed in 1.26
    assert.equal(apiStatus('autoscaling/v2beta2', 'HorizontalPodAutoscaler', targetVersion('1.22')), undefined);
    assert.equal(apiStatus('autoscaling/v2beta2', 'HorizontalPodAutoscaler', targetVersion('1.23'))?.status, 'deprecated');
    assert.equal(apiStatus('autoscaling/v2beta2', 'HorizontalPodAutoscaler', targetVersion('v1.25.9'))?.status, 'deprecated');
    assert.equal(apiStatus('autoscaling/v2beta2', 'HorizontalPodAutoscaler', targetVersion('1.26'))?.status, 'removed');
    assert.equal(apiStatus('autoscaling/v2beta2', 'HorizontalPodAutoscaler', targetVersion('2.0'))?.status, 'removed');
    // unreadable settings fall back to the default (1.37)
    assert.equal(apiStatus('autoscaling/v2beta2', 'HorizontalPodAutoscaler', targetVersion('banana'))?.status, 'removed');
    assert.equal(apiStatus('v1', 'Endpoints', targetVersion('1.32')), undefined);
    assert.equal(apiStatus('v1', 'Endpoints', targetVersion('1.34'))?.status, 'deprecated');
    assert.equal(apiStatus('v1', 'Endpoints', targetVersion('1.99'))?.status, 'deprecated', 'no removal scheduled');
  });

  const cronjob = (apiVersion: string) => `apiVersion: ${apiVersion}
kind: CronJob
metadata: {name: report, namespace: shop}
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: report, image: busybox:1.36}]`;

  test('removed and deprecated rules never both fire', () => {
    // batch/v1beta1 CronJob: deprecated in 1.21, removed in 1.25
    const expected: Record<string, 'none' | 'deprecated' | 'removed'> = { '1.20': 'none', '1.21': 'deprecated', '1.24': 'deprecated', '1.25': 'removed', '1.34': 'removed' };
    for (const [version, want] of Object.entries(expected)) {
      const removed = run('removed-api-version', cronjob('batch/v1beta1'), { kubernetesVersion: version }).length;
      const deprecated = run('deprecated-api-version', cronjob('batch/v1beta1'), { kubernetesVersion: version }).length;
      assert.deepEqual([removed, deprecated], want === 'none' ? [0, 0] : want === 'deprecated' ? [0, 1] : [1, 0], version);
    }
  });

  test('messages name the removal release and the replacement, and point at apiVersion', () => {
    const [f] = run('removed-api-version', cronjob('batch/v1beta1'));
    assert.equal(f.path, '/apiVersion');
    assert.equal(f.line, 1);
    assert.match(f.message, /batch\/v1beta1 CronJob is no longer served since Kubernetes v1\.25 \(target v1\.37\); use batch\/v1 CronJob/);
    const [psp] = run('removed-api-version', `apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata: {name: restricted}
spec: {}`);
    assert.match(psp.message, /Pod Security Admission/);
    const [d] = run('deprecated-api-version', cronjob('batch/v1beta1'), { kubernetesVersion: '1.22' });
    assert.match(d.message, /deprecated since Kubernetes v1\.21 and will no longer be served in v1\.25; use batch\/v1 CronJob/);
  });

  test('current API versions pass in a multi-document stream', () => {
    const yaml = [cronjob('batch/v1'), cronjob('batch/v1beta1').replace('name: report', 'name: old')].join('\n---\n');
    const f = run('removed-api-version', yaml);
    assert.equal(f.length, 1);
    assert.equal(f[0].resource.name, 'old');
    assert.equal(f[0].line, 13);
  });
});

describe('invalid-label', () => {
  test('valid keys and values pass', () => {
    assert.equal(run('invalid-label', deployment('{a: "", b.c-d_e: "A-1.b_2", example.com/x: y, app.kubernetes.io/name: web}')).length, 0);
    assert.equal(run('invalid-label', deployment(`{k: "${'a'.repeat(63)}", ${'n'.repeat(63)}: v}`)).length, 0);
  });

  test('each bad label is reported at its own key', () => {
    const f = run('invalid-label', deployment(`{ok: v, "bad value": "a b", long: "${'a'.repeat(64)}", enabled: true, n: 3, "": x, "/x": y, "a/b/c": z, "-x": y, end: "x-"}`));
    const byPath = new Map(f.map((x) => [x.path, x.message]));
    assert.ok(f.some((x) => x.path === '/metadata/labels/bad value' && /label key "bad value"/.test(x.message)));
    assert.ok(f.some((x) => x.path === '/metadata/labels/bad value' && /value "a b"/.test(x.message)));
    assert.match(byPath.get('/metadata/labels/long')!, /64 characters/);
    assert.match(byPath.get('/metadata/labels/enabled')!, /boolean true.*must be strings/);
    assert.match(byPath.get('/metadata/labels/n')!, /number 3/);
    assert.match(byPath.get('/metadata/labels/')!, /empty name/);
    assert.match(byPath.get('/metadata/labels/~1x')!, /empty prefix/);
    assert.ok(byPath.has('/metadata/labels/a~1b~1c'));
    assert.ok(byPath.has('/metadata/labels/-x'));
    assert.ok(byPath.has('/metadata/labels/end'));
    assert.ok(!byPath.has('/metadata/labels/ok'));
  });

  test('pod template labels are checked too', () => {
    const f = run('invalid-label', deployment('{app: web}', '{app: web, version: 2}'));
    assert.equal(f.length, 1);
    assert.equal(f[0].path, '/spec/template/metadata/labels/version');
    assert.match(f[0].message, /^pod template label "version"/);
  });

  test('a Pod is checked once', () => {
    const f = run('invalid-label', `apiVersion: v1
kind: Pod
metadata: {name: p, labels: {x: "!"}}
spec: {containers: [{name: a, image: nginx:1.27}]}`);
    assert.equal(f.length, 1);
  });
});

describe('instance-label-mismatch', () => {
  test('flags a differing instance label only', () => {
    assert.equal(run('instance-label-mismatch', deployment('{app.kubernetes.io/instance: web}')).length, 0);
    const f = run('instance-label-mismatch', deployment('{app.kubernetes.io/instance: web-1}'));
    assert.equal(f.length, 1);
    assert.equal(f[0].path, '/metadata/labels/app.kubernetes.io~1instance');
  });
});
