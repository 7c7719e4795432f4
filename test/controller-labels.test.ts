/**
 * Labels controllers add to the pods they create (src/core/controller-labels.ts), and every place
 * that asks whether a selector meets some workload's pods: dangling-service, dangling-networkpolicy,
 * the PodDisruptionBudget rules, the Service port rules, topology spread constraints and the
 * NetworkPolicy model. Manifests are shaped like argo-cd's HA install (one Service per Redis pod,
 * selected by statefulset.kubernetes.io/pod-name).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { reliabilityRules } from '../src/rules/reliability/index.js';
import { exposureRules } from '../src/rules/exposure/index.js';
import { evaluate } from '../src/engine/engine.js';
import type { Finding } from '../src/core/types.js';
import type { RuleSettings } from '../src/engine/rule.js';
import { loadText } from '../src/sources/files.js';
import { parseLabelSelector, type SelectorRequirement } from '../src/k8s/labels.js';
import { controllerPodLabels, matchPods, type PodLabelModel } from '../src/k8s/controller-labels.js';
import { buildModel, reach } from '../src/analysis/netpol.js';

const ALL = [...reliabilityRules, ...exposureRules];

function run(ruleId: string, docs: string[], settings: Partial<RuleSettings> = {}): Finding[] {
  const rule = ALL.find((r) => r.id === ruleId);
  assert.ok(rule, ruleId);
  const loaded = loadText(docs.join('\n---\n'), 'test.yaml');
  assert.deepEqual(loaded.errors, []);
  const result = evaluate(loaded.resources, { rules: [rule], settings });
  assert.deepEqual(result.errors, []);
  return result.findings;
}

const redis = (opts: { replicas?: number | null; start?: number; name?: string } = {}): string => {
  const name = opts.name ?? 'argocd-redis-ha-server';
  const replicas = opts.replicas === null ? '' : `\n  replicas: ${opts.replicas ?? 3}`;
  const ordinals = opts.start === undefined ? '' : `\n  ordinals: {start: ${opts.start}}`;
  return `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ${name}, namespace: argocd}
spec:
  serviceName: argocd-redis-ha${replicas}${ordinals}
  selector: {matchLabels: {app.kubernetes.io/name: argocd-redis-ha}}
  template:
    metadata: {labels: {app.kubernetes.io/name: argocd-redis-ha}}
    spec:
      containers:
      - name: redis
        image: public.ecr.aws/docker/library/redis:7.2.4
        ports: [{name: redis, containerPort: 6379}, {name: sentinel, containerPort: 26379}]`;
};

const announce = (pod: string, key = 'statefulset.kubernetes.io/pod-name', targetPort = 'redis'): string => `apiVersion: v1
kind: Service
metadata: {name: announce-${pod}, namespace: argocd}
spec:
  publishNotReadyAddresses: true
  selector: {app.kubernetes.io/name: argocd-redis-ha, ${key}: "${pod}"}
  ports: [{name: tcp-server, port: 6379, targetPort: ${targetPort}}]`;

const hpa = (kind: string, name: string): string => `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: ${name}, namespace: argocd}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: ${kind}, name: ${name}}
  minReplicas: 2
  maxReplicas: 6
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}}]`;

const netpol = (name: string, podSelector: string): string => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ${name}, namespace: argocd}
spec:
  podSelector: ${podSelector}
  policyTypes: [Ingress]`;

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: argocd}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, pod-template-hash: written-by-hand}}
    spec:
      containers: [{name: web, image: registry.example.com/web:1.0, ports: [{name: http, containerPort: 8080}]}]`;

const job = (extra = '', labels = '{app: migrate}'): string => `apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: argocd}
spec:${extra}
  template:
    metadata: {labels: ${labels}}
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: registry.example.com/migrate:1.0}]`;

function reqs(selector: unknown): SelectorRequirement[] {
  const parsed = parseLabelSelector(selector);
  assert.equal(parsed.kind, 'selector');
  return parsed.kind === 'selector' ? parsed.selector.requirements : [];
}

function model(kind: string, name: string, spec: Record<string, unknown>, template: Record<string, string>, options = {}): PodLabelModel {
  return controllerPodLabels({ kind, name, object: { spec } }, template, options);
}

describe('controller-added pod labels: the model', () => {
  const sts = model('StatefulSet', 'db', { replicas: 3 }, { app: 'db', 'statefulset.kubernetes.io/pod-name': 'from-the-template' });

  test('a StatefulSet pod is named <set>-<ordinal> and indexed by its ordinal; the controller overrides the template', () => {
    assert.deepEqual(matchPods(reqs({ matchLabels: { app: 'db', 'statefulset.kubernetes.io/pod-name': 'db-0' } }), sts), { kind: 'some', pods: 1 });
    assert.deepEqual(matchPods(reqs({ matchLabels: { 'statefulset.kubernetes.io/pod-name': 'db-2' } }), sts), { kind: 'some', pods: 1 });
    assert.equal(matchPods(reqs({ matchLabels: { 'statefulset.kubernetes.io/pod-name': 'db-3' } }), sts).kind, 'none');
    assert.equal(matchPods(reqs({ matchLabels: { 'statefulset.kubernetes.io/pod-name': 'from-the-template' } }), sts).kind, 'none');
    assert.equal(matchPods(reqs({ matchLabels: { 'statefulset.kubernetes.io/pod-name': 'db-01' } }), sts).kind, 'none', 'strconv.Itoa writes no leading zero');
    assert.equal(matchPods(reqs({ matchLabels: { 'statefulset.kubernetes.io/pod-name': 'other-0' } }), sts).kind, 'none');
    assert.deepEqual(matchPods(reqs({ matchLabels: { 'apps.kubernetes.io/pod-index': '1' } }), sts), { kind: 'some', pods: 1 });
    assert.equal(matchPods(reqs({ matchLabels: { 'apps.kubernetes.io/pod-index': '1', 'statefulset.kubernetes.io/pod-name': 'db-2' } }), sts).kind, 'none', 'one pod cannot have two ordinals');
  });

  test('In, NotIn, Exists and DoesNotExist on ordinals count the pods they leave', () => {
    const expr = (key: string, operator: string, values?: string[]) => reqs({ matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] });
    assert.deepEqual(matchPods(expr('statefulset.kubernetes.io/pod-name', 'In', ['db-0', 'db-1', 'db-9']), sts), { kind: 'some', pods: 2 });
    assert.deepEqual(matchPods(expr('statefulset.kubernetes.io/pod-name', 'In', ['db-0', 'db-1', 'db-2']), sts), { kind: 'all' });
    assert.deepEqual(matchPods(expr('statefulset.kubernetes.io/pod-name', 'NotIn', ['db-0']), sts), { kind: 'some', pods: 2 });
    assert.equal(matchPods(expr('apps.kubernetes.io/pod-index', 'NotIn', ['0', '1', '2']), sts).kind, 'none');
    assert.deepEqual(matchPods(expr('apps.kubernetes.io/pod-index', 'NotIn', ['7']), sts), { kind: 'all' });
    assert.deepEqual(matchPods(expr('statefulset.kubernetes.io/pod-name', 'Exists'), sts), { kind: 'all' });
    assert.equal(matchPods(expr('statefulset.kubernetes.io/pod-name', 'DoesNotExist'), sts).kind, 'none');
  });

  test('hashes and uids match any requirement some value satisfies, never DoesNotExist', () => {
    const dep = model('Deployment', 'web', {}, { app: 'web', 'pod-template-hash': 'hand-written' });
    const expr = (operator: string, values?: string[]) => reqs({ matchExpressions: [{ key: 'pod-template-hash', operator, ...(values ? { values } : {}) }] });
    assert.equal(matchPods(expr('In', ['5d8f7b9c4']), dep).kind, 'some');
    assert.equal(matchPods(expr('NotIn', ['5d8f7b9c4']), dep).kind, 'some');
    assert.equal(matchPods(expr('Exists'), dep).kind, 'all');
    assert.equal(matchPods(expr('DoesNotExist'), dep).kind, 'none');
    const ds = model('DaemonSet', 'agent', {}, { app: 'agent' });
    assert.equal(matchPods(reqs({ matchLabels: { 'controller-revision-hash': '6b4c5b8f9d', 'pod-template-generation': '3' } }), ds).kind, 'some');
    assert.equal(matchPods(reqs({ matchLabels: { 'controller-revision-hash': '6b4c5b8f9d' } }), model('ReplicaSet', 'web-1', {}, { app: 'web' })).kind, 'none', 'a ReplicaSet adds nothing');
  });

  test('an autoscaled or scaled-to-zero StatefulSet may have any ordinal from its first; spec.ordinals.start moves the first', () => {
    const scaled = model('StatefulSet', 'db', { replicas: 3 }, { app: 'db' }, { autoscaled: true });
    assert.deepEqual(matchPods(reqs({ matchLabels: { 'statefulset.kubernetes.io/pod-name': 'db-40' } }), scaled), { kind: 'some', pods: undefined });
    const zero = model('StatefulSet', 'db', { replicas: 0 }, { app: 'db' });
    assert.equal(matchPods(reqs({ matchLabels: { 'statefulset.kubernetes.io/pod-name': 'db-1' } }), zero).kind, 'some');
    const started = model('StatefulSet', 'db', { replicas: 2, ordinals: { start: 5 } }, { app: 'db' });
    assert.equal(matchPods(reqs({ matchLabels: { 'statefulset.kubernetes.io/pod-name': 'db-0' } }), started).kind, 'none');
    assert.deepEqual(matchPods(reqs({ matchLabels: { 'statefulset.kubernetes.io/pod-name': 'db-6' } }), started), { kind: 'some', pods: 1 });
    assert.equal(matchPods(reqs({ matchLabels: { 'statefulset.kubernetes.io/pod-name': 'db-7' } }), started).kind, 'none');
    const oneByDefault = model('StatefulSet', 'db', {}, { app: 'db' });
    assert.deepEqual(matchPods(reqs({ matchLabels: { 'statefulset.kubernetes.io/pod-name': 'db-0' } }), oneByDefault), { kind: 'all' });
    assert.equal(matchPods(reqs({ matchLabels: { 'statefulset.kubernetes.io/pod-name': 'db-1' } }), oneByDefault).kind, 'none');
  });

  test('the pod-index label exists from Kubernetes 1.28, the batch.kubernetes.io/ Job labels from 1.27', () => {
    const at = (v: string) => model('StatefulSet', 'db', { replicas: 3 }, { app: 'db' }, { kubernetesVersion: v });
    assert.equal(matchPods(reqs({ matchLabels: { 'apps.kubernetes.io/pod-index': '0' } }), at('1.27')).kind, 'none');
    assert.equal(matchPods(reqs({ matchLabels: { 'apps.kubernetes.io/pod-index': '0' } }), at('1.28')).kind, 'some');
    const jobAt = (v: string) => model('Job', 'migrate', {}, { app: 'migrate' }, { kubernetesVersion: v });
    assert.equal(matchPods(reqs({ matchLabels: { 'batch.kubernetes.io/job-name': 'migrate' } }), jobAt('1.26')).kind, 'none');
    assert.equal(matchPods(reqs({ matchLabels: { 'batch.kubernetes.io/job-name': 'migrate' } }), jobAt('1.27')).kind, 'all');
    assert.equal(matchPods(reqs({ matchLabels: { 'job-name': 'migrate' } }), jobAt('1.26')).kind, 'all');
  });

  test('Jobs: job-name is the Job\'s name, a template value wins, manualSelector adds nothing; Indexed Jobs carry their completion index', () => {
    const j = model('Job', 'migrate', {}, { app: 'migrate' });
    assert.equal(matchPods(reqs({ matchLabels: { 'job-name': 'migrate', 'batch.kubernetes.io/job-name': 'migrate' } }), j).kind, 'all');
    assert.equal(matchPods(reqs({ matchLabels: { 'job-name': 'other' } }), j).kind, 'none');
    assert.equal(matchPods(reqs({ matchLabels: { 'batch.kubernetes.io/controller-uid': 'c0ffee00-0000-4000-8000-000000000000' } }), j).kind, 'some');
    const own = model('Job', 'migrate', {}, { 'job-name': 'custom' });
    assert.equal(matchPods(reqs({ matchLabels: { 'job-name': 'custom' } }), own).kind, 'all');
    const manual = model('Job', 'migrate', { manualSelector: true }, { app: 'migrate' });
    assert.equal(matchPods(reqs({ matchLabels: { 'job-name': 'migrate' } }), manual).kind, 'none');
    const indexed = model('Job', 'shard', { completionMode: 'Indexed', completions: 4 }, { app: 'shard' });
    assert.deepEqual(matchPods(reqs({ matchLabels: { 'batch.kubernetes.io/job-completion-index': '3' } }), indexed), { kind: 'some', pods: 1 });
    assert.equal(matchPods(reqs({ matchLabels: { 'batch.kubernetes.io/job-completion-index': '4' } }), indexed).kind, 'none');
    const cron = model('CronJob', 'report', { jobTemplate: { spec: {} } }, { app: 'report' });
    assert.equal(matchPods(reqs({ matchLabels: { 'job-name': 'report-29012345' } }), cron).kind, 'some', "a CronJob's Jobs are named at run time");
  });
});

describe('controller-added pod labels in the rules', () => {
  test('dangling-service: the argo-cd HA announce Services select existing Redis pods by name', () => {
    assert.deepEqual(run('dangling-service', [redis(), announce('argocd-redis-ha-server-0'), announce('argocd-redis-ha-server-1'), announce('argocd-redis-ha-server-2')]), []);
    assert.deepEqual(run('dangling-service', [redis(), announce('2', 'apps.kubernetes.io/pod-index')]), []);
  });

  test('dangling-service: a pod name beyond the replicas is still dangling, unless an autoscaler decides the count', () => {
    const five = run('dangling-service', [redis(), announce('argocd-redis-ha-server-5')]);
    assert.equal(five.length, 1);
    assert.equal(five[0].severity, 'medium');
    assert.match(five[0].message, /statefulset\.kubernetes\.io\/pod-name=argocd-redis-ha-server-5, but no workload/);
    assert.deepEqual(run('dangling-service', [redis(), hpa('StatefulSet', 'argocd-redis-ha-server'), announce('argocd-redis-ha-server-5')]), []);
    // replicas defaults to 1; ordinals.start moves the names.
    assert.equal(run('dangling-service', [redis({ replicas: null }), announce('argocd-redis-ha-server-1')]).length, 1);
    assert.deepEqual(run('dangling-service', [redis({ replicas: 2, start: 3 }), announce('argocd-redis-ha-server-4')]), []);
    assert.equal(run('dangling-service', [redis({ replicas: 2, start: 3 }), announce('argocd-redis-ha-server-0')]).length, 1);
    // Before 1.28 no pod carries apps.kubernetes.io/pod-index.
    assert.equal(run('dangling-service', [redis(), announce('2', 'apps.kubernetes.io/pod-index')], { kubernetesVersion: '1.27' }).length, 1);
  });

  test('dangling-networkpolicy: pod-template-hash exists on every Deployment pod, job-name on every Job pod', () => {
    const exists = netpol('web', '{matchLabels: {app: web}, matchExpressions: [{key: pod-template-hash, operator: Exists}]}');
    assert.deepEqual(run('dangling-networkpolicy', [deployment, exists]), []);
    const absent = netpol('web', '{matchLabels: {app: web}, matchExpressions: [{key: pod-template-hash, operator: DoesNotExist}]}');
    assert.equal(run('dangling-networkpolicy', [deployment, absent]).length, 1, 'the controller always adds pod-template-hash');
    assert.deepEqual(run('dangling-networkpolicy', [deployment, netpol('web', '{matchLabels: {pod-template-hash: 7c9f6d5b84}}')]), []);
    assert.deepEqual(run('dangling-networkpolicy', [job(), netpol('migrate', '{matchLabels: {batch.kubernetes.io/job-name: migrate}}')]), []);
    assert.equal(run('dangling-networkpolicy', [job(), netpol('migrate', '{matchLabels: {batch.kubernetes.io/job-name: seed}}')]).length, 1);
    assert.equal(run('dangling-networkpolicy', [job('\n  manualSelector: true\n  selector: {matchLabels: {app: migrate}}'), netpol('migrate', '{matchLabels: {job-name: migrate}}')]).length, 1);
  });

  test('missing-pod-disruption-budget: a budget naming the pods by ordinal covers the StatefulSet', () => {
    const pdb = (names: string) => `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: redis, namespace: argocd}
spec:
  maxUnavailable: 1
  selector: {matchExpressions: [{key: statefulset.kubernetes.io/pod-name, operator: In, values: [${names}]}]}`;
    assert.deepEqual(run('missing-pod-disruption-budget', [redis(), pdb('argocd-redis-ha-server-0, argocd-redis-ha-server-1')]), []);
    assert.equal(run('missing-pod-disruption-budget', [redis(), pdb('argocd-redis-ha-server-7')]).length, 1);
  });

  test('pdb-blocks-eviction: a budget on one pod by name with minAvailable 1 blocks that pod', () => {
    const pdb = `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: redis-0, namespace: argocd}
spec:
  minAvailable: 1
  selector: {matchLabels: {statefulset.kubernetes.io/pod-name: argocd-redis-ha-server-0}}`;
    const found = run('pdb-blocks-eviction', [redis(), pdb]);
    assert.equal(found.length, 1);
    assert.equal(found[0].message, 'PodDisruptionBudget "redis-0" requires 1 available pods, but it selects only 1 pod of StatefulSet "argocd-redis-ha-server" (by ordinal): that pod can never be evicted');
    assert.deepEqual(run('pdb-blocks-eviction', [redis(), pdb.replace('minAvailable: 1', 'maxUnavailable: 1')]), []);
  });

  test('service-target-port-name-missing: a Service selecting one StatefulSet pod is judged against that pod', () => {
    const found = run('service-target-port-name-missing', [redis(), announce('argocd-redis-ha-server-0', 'statefulset.kubernetes.io/pod-name', 'metrics')]);
    assert.equal(found.length, 1);
    assert.match(found[0].message, /targets port name "metrics".*StatefulSet "argocd-redis-ha-server" does not declare/);
    assert.deepEqual(run('service-target-port-name-missing', [redis(), announce('argocd-redis-ha-server-0')]), []);
  });

  test('topology-spread-constraint-invalid: a selector on pod-template-hash still selects the pods themselves', () => {
    const spread = deployment.replace(
      '      containers:',
      '      topologySpreadConstraints: [{maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {app: web}, matchExpressions: [{key: pod-template-hash, operator: Exists}]}}]\n      containers:',
    );
    assert.deepEqual(run('topology-spread-constraint-invalid', [spread]), []);
    assert.equal(run('topology-spread-constraint-invalid', [spread.replace('operator: Exists', 'operator: DoesNotExist')]).length, 1);
  });
});

describe('controller-added pod labels in the NetworkPolicy model', () => {
  const client = `apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: argocd}
spec:
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client}}
    spec: {containers: [{name: c, image: registry.example.com/client:1.0}]}`;
  const denyPod0 = netpol('deny-redis-0', '{matchLabels: {statefulset.kubernetes.io/pod-name: argocd-redis-ha-server-0}}');

  function load(...docs: string[]) {
    const loaded = loadText(docs.join('\n---\n'), 'test.yaml');
    assert.deepEqual(loaded.errors, []);
    return buildModel(loaded.resources);
  }

  test('a policy naming one StatefulSet pod selects exactly that pod', () => {
    const m = load(redis(), client, denyPod0);
    const policy = m.policies.find((p) => p.name === 'deny-redis-0')!;
    assert.equal(policy.selected.length, 1);
    assert.equal(m.endpoints[policy.selected[0]].labels['statefulset.kubernetes.io/pod-name'], 'argocd-redis-ha-server-0');
    assert.equal(m.workloadById.get('argocd/StatefulSet/argocd-redis-ha-server')!.endpoints.length, 3);
    // The other two pods stay open: the client still reaches the workload.
    assert.ok(reach(m).connections.some((c) => c.src === 'argocd/Deployment/client' && c.dst === 'argocd/StatefulSet/argocd-redis-ha-server'));
    // Isolating all three pods by name closes it.
    const all = netpol('deny-all-redis', '{matchExpressions: [{key: apps.kubernetes.io/pod-index, operator: In, values: ["0", "1", "2"]}]}');
    assert.ok(!reach(load(redis(), client, all)).connections.some((c) => c.src === 'argocd/Deployment/client' && c.dst === 'argocd/StatefulSet/argocd-redis-ha-server'));
  });

  test('without such policies a StatefulSet stays one endpoint; an autoscaled one is not split and a note says so', () => {
    assert.equal(load(redis(), client).workloadById.get('argocd/StatefulSet/argocd-redis-ha-server')!.endpoints.length, 1);
    const m = load(redis(), hpa('StatefulSet', 'argocd-redis-ha-server'), client, denyPod0);
    assert.equal(m.workloadById.get('argocd/StatefulSet/argocd-redis-ha-server')!.endpoints.length, 1);
    assert.equal(m.policies[0].selected.length, 1);
    assert.ok(m.notes.some((n) => /number of pods of argocd\/StatefulSet\/argocd-redis-ha-server is not known/.test(n)), m.notes.join('\n'));
  });

  test('a policy selecting by pod-template-hash selects the Deployment; DoesNotExist selects nothing', () => {
    const m = load(deployment, netpol('hash', '{matchExpressions: [{key: pod-template-hash, operator: Exists}]}'), netpol('nohash', '{matchExpressions: [{key: pod-template-hash, operator: DoesNotExist}]}'));
    assert.equal(m.policies.find((p) => p.name === 'hash')!.selected.length, 1);
    assert.equal(m.policies.find((p) => p.name === 'nohash')!.selected.length, 0);
  });
});
