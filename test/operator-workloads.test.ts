/**
 * Workloads operators make from custom resources: the built-in Prometheus Operator table, the
 * `operatorWorkloads` configuration, and what the selector rules and `kshield netpol` make of them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { load as loadYaml } from 'js-yaml';

import { loadText, resourcesFromObjects } from '../src/sources/files.js';
import type { Resource, Finding } from '../src/core/types.js';
import { evaluate } from '../src/engine/engine.js';
import { ConfigError, parseConfig, settingsFromConfig } from '../src/config/config-file.js';
import type { OperatorWorkloadConfig } from '../src/engine/rule.js';
import { reliabilityRules } from '../src/rules/reliability/index.js';
import { networkRules } from '../src/rules/network/index.js';
import { rules as catalogue } from '../src/rules/index.js';
import { buildModel, reach, resolvePeer, canConnect } from '../src/analysis/netpol.js';
import { expandOperatorResources, operatorTable, tolerantVersion } from '../src/analysis/operator-workloads.js';
import { buildEscalationGraph } from '../src/analysis/rbac-paths.js';
import { ResourceSet } from '../src/k8s/resource-set.js';
import { kshield, root } from './support/cli.js';

const FIXTURE = path.join(root, 'test/fixtures/netpol/kube-prometheus.yaml');

function objects(...docs: string[]): Resource[] {
  const loaded = loadText(docs.join('\n---\n'), 'test.yaml');
  assert.deepEqual(loaded.errors, []);
  return loaded.resources;
}

function expand(config: OperatorWorkloadConfig[] | undefined, ...docs: string[]) {
  return expandOperatorResources(objects(...docs), operatorTable(config));
}

const PROMETHEUS = (spec = ''): string => `apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata: {name: k8s, namespace: monitoring}
spec:
  serviceAccountName: prometheus-k8s
  replicas: 2${spec}`;

describe('the Prometheus Operator table', () => {
  test('a Prometheus becomes StatefulSet prometheus-<name> with the operator\'s selector labels over podMetadata', () => {
    const x = expand(undefined, PROMETHEUS('\n  version: v3.5.0\n  podMetadata:\n    labels: {app.kubernetes.io/name: not-prometheus, team: obs}'));
    assert.equal(x.workloads.length, 1);
    const w = x.workloads[0];
    assert.equal(w.kind, 'StatefulSet');
    assert.equal(w.name, 'prometheus-k8s');
    assert.deepEqual(w.podLabels, {
      'app.kubernetes.io/version': '3.5.0',
      team: 'obs',
      // The selector labels win over spec.podMetadata.labels, as makeStatefulSetSpec copies them last.
      'app.kubernetes.io/name': 'prometheus',
      'app.kubernetes.io/managed-by': 'prometheus-operator',
      'app.kubernetes.io/instance': 'k8s',
      'operator.prometheus.io/name': 'k8s',
      prometheus: 'k8s',
      'operator.prometheus.io/shard': '0',
    });
    assert.equal(w.serviceAccountName, 'prometheus-k8s');
    assert.equal(w.replicas, 2);
    assert.deepEqual(
      w.ports.map((p) => `${p.name}:${p.port}/${p.protocol}`),
      ['web:9090/TCP', 'reloader-web:8080/TCP'],
    );
    assert.equal(w.origin, 'created by the Prometheus Operator from Prometheus monitoring/k8s');
  });

  test('shards: one StatefulSet per shard, prometheus-<name>-shard-<i> after the first', () => {
    const x = expand(undefined, PROMETHEUS('\n  shards: 3'));
    assert.deepEqual(
      x.workloads.map((w) => `${w.name} ${w.podLabels['operator.prometheus.io/shard']}`),
      ['prometheus-k8s 0', 'prometheus-k8s-shard-1 1', 'prometheus-k8s-shard-2 2'],
    );
  });

  test('listenLocal, portName and the thanos sidecar change the declared ports', () => {
    const ports = (spec: string): string[] => expand(undefined, PROMETHEUS(spec)).workloads[0].ports.map((p) => `${p.name}:${p.port}`);
    assert.deepEqual(ports('\n  listenLocal: true'), []);
    assert.deepEqual(ports('\n  listenLocal: true\n  reloadStrategy: ProcessSignal'), ['reloader-web:8080']);
    assert.deepEqual(ports('\n  portName: http-web\n  thanos: {}'), ['http-web:9090', 'reloader-web:8080', 'http:10902', 'grpc:10901']);
    assert.deepEqual(ports('\n  containers: [{name: oauth-proxy, ports: [{name: proxy, containerPort: 9091}]}]'), ['web:9090', 'reloader-web:8080', 'proxy:9091']);
  });

  test('Alertmanager, ThanosRuler and PrometheusAgent', () => {
    const x = expand(
      undefined,
      `apiVersion: monitoring.coreos.com/v1
kind: Alertmanager
metadata: {name: main, namespace: monitoring}
spec: {replicas: 3, version: "0.28.1"}`,
      `apiVersion: monitoring.coreos.com/v1
kind: ThanosRuler
metadata: {name: rules, namespace: monitoring}
spec: {queryEndpoints: [dnssrv+_http._tcp.thanos-query]}`,
      `apiVersion: monitoring.coreos.com/v1alpha1
kind: PrometheusAgent
metadata: {name: agent, namespace: monitoring}
spec: {mode: DaemonSet}`,
    );
    const byName = Object.fromEntries(x.workloads.map((w) => [`${w.kind}/${w.name}`, w]));
    assert.deepEqual(Object.keys(byName).sort(), ['DaemonSet/prom-agent-agent', 'StatefulSet/alertmanager-main', 'StatefulSet/thanos-ruler-rules']);
    assert.deepEqual(byName['StatefulSet/alertmanager-main'].podLabels, {
      'app.kubernetes.io/version': '0.28.1',
      'app.kubernetes.io/name': 'alertmanager',
      'app.kubernetes.io/managed-by': 'prometheus-operator',
      'app.kubernetes.io/instance': 'main',
      alertmanager: 'main',
    });
    assert.deepEqual(
      byName['StatefulSet/alertmanager-main'].ports.map((p) => `${p.name}:${p.port}/${p.protocol}`),
      ['web:9093/TCP', 'mesh-tcp:9094/TCP', 'mesh-udp:9094/UDP', 'reloader-web:8080/TCP'],
    );
    assert.equal(byName['StatefulSet/thanos-ruler-rules'].podLabels['thanos-ruler'], 'rules');
    assert.equal(byName['StatefulSet/thanos-ruler-rules'].podLabels['app.kubernetes.io/version'], undefined, 'no version label on ruler pods');
    assert.equal(byName['DaemonSet/prom-agent-agent'].podLabels['app.kubernetes.io/name'], 'prometheus-agent');
    assert.equal(byName['DaemonSet/prom-agent-agent'].podLabels['operator.prometheus.io/shard'], undefined, 'DaemonSet mode has no shards');
  });

  test('versions are normalised as the operator does (semver ParseTolerant); unknown ones leave the label out', () => {
    assert.equal(tolerantVersion('v2.45.0'), '2.45.0');
    assert.equal(tolerantVersion('3.5'), '3.5.0');
    assert.equal(tolerantVersion('v3.0.0-rc.1'), '3.0.0-rc.1');
    assert.equal(tolerantVersion('latest'), undefined);
    assert.equal(expand(undefined, PROMETHEUS()).workloads[0].podLabels['app.kubernetes.io/version'], undefined);
  });

  test('configuration objects of the operator make no pods and are not "unmodelled"; unknown kinds are', () => {
    const x = expand(
      undefined,
      `apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: web, namespace: monitoring}
spec: {selector: {}}`,
      `apiVersion: kafka.strimzi.io/v1beta2
kind: Kafka
metadata: {name: events, namespace: data}
spec: {}`,
    );
    assert.deepEqual(x.workloads, []);
    assert.deepEqual(
      x.unmodelled.map((r) => r.name),
      ['events'],
    );
  });

  test('a custom resource whose name is a template placeholder makes no workload, and says why', () => {
    const text = PROMETHEUS().replace('name: k8s', 'name: "{{ .Release.Name }}"');
    // From a file, the loader already leaves it out with a note (an unrendered template)...
    const loaded = loadText(text, 'test.yaml');
    assert.deepEqual(loaded.resources, []);
    assert.match(loaded.notes[0].message, /named by a Go template placeholder/);
    // ...and one that reaches the model by another way (the API, the webhook) makes no workload either.
    const x = expandOperatorResources(resourcesFromObjects([loadYaml(text)]).resources, operatorTable(undefined));
    assert.deepEqual(x.workloads, []);
    assert.match(x.problems[0].message, /template placeholder/);
  });
});

const REDIS_CONFIG: OperatorWorkloadConfig[] = [
  {
    group: 'cache.example.com',
    kind: 'RedisCluster',
    operator: 'the Redis operator',
    workload: { kind: 'StatefulSet', name: 'redis-{{name}}' },
    podLabels: { 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/instance': '{{name}}', team: '{{metadata.labels[example.com/team]}}' },
    podLabelsFrom: ['spec.podLabels'],
    ports: [{ name: 'redis', port: 6379 }],
    serviceAccountName: '{{spec.serviceAccountName}}',
  },
];

const REDIS = `apiVersion: cache.example.com/v1
kind: RedisCluster
metadata: {name: sessions, namespace: shop, labels: {example.com/team: checkout}}
spec:
  serviceAccountName: redis
  podLabels: {tier: cache, app.kubernetes.io/name: overridden}`;

describe('operatorWorkloads in the configuration', () => {
  test('an entry makes the workload its templates describe', () => {
    const x = expand(REDIS_CONFIG, REDIS);
    assert.equal(x.workloads.length, 1);
    const w = x.workloads[0];
    assert.equal(`${w.kind}/${w.name}`, 'StatefulSet/redis-sessions');
    assert.deepEqual(w.podLabels, { tier: 'cache', 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/instance': 'sessions', team: 'checkout' });
    assert.equal(w.serviceAccountName, 'redis');
    assert.equal(w.origin, 'created by the Redis operator from RedisCluster shop/sessions');
  });

  test('a label naming a missing field is left out; a workload name naming one makes no workload', () => {
    const noTeam = expand(REDIS_CONFIG, REDIS.replace(', labels: {example.com/team: checkout}', '')).workloads[0];
    assert.equal(noTeam.podLabels.team, undefined);
    assert.equal(noTeam.podLabels['app.kubernetes.io/instance'], 'sessions');
    const x = expand([{ ...REDIS_CONFIG[0], workload: { kind: 'StatefulSet', name: 'redis-{{spec.shardName}}' } }], REDIS);
    assert.deepEqual(x.workloads, []);
    assert.match(x.problems[0].message, /names a field it does not have/);
  });

  test('an entry for a built-in kind replaces the built-in one', () => {
    const x = expand([{ group: 'monitoring.coreos.com', kind: 'Prometheus', workload: { kind: 'Deployment', name: 'prom-{{name}}' }, podLabels: { app: 'prom' } }], PROMETHEUS());
    assert.deepEqual(
      x.workloads.map((w) => `${w.kind}/${w.name}`),
      ['Deployment/prom-k8s'],
    );
  });

  test('the configuration is validated: group or apiVersion, custom groups only, placeholders, label keys, near names', () => {
    const rejects = (yaml: string, message: RegExp): void => {
      assert.throws(
        () => parseConfig(yaml, '.kshield.yaml', catalogue),
        (e: unknown) => e instanceof ConfigError && message.test(e.message),
      );
    };
    const entry = (extra: string): string => `operatorWorkloads:\n  - kind: RedisCluster\n    workload: {kind: StatefulSet, name: "redis-{{name}}"}\n    podLabels: {app: redis}\n${extra}`;
    rejects(entry(''), /\.kshield\.yaml:2: operatorWorkloads\[0\]: give group \(every version of the custom resource\) or apiVersion/);
    rejects(entry('    group: example.com\n    apiVersion: example.com/v1\n'), /give group or apiVersion, not both/);
    rejects(entry('    group: apps\n'), /:5: operatorWorkloads\[0\]\.group: "apps" is a built-in Kubernetes API group/);
    rejects(entry('    group: example.com\n').replace('{{name}}', '{{nmae}}'), /:3: operatorWorkloads\[0\]\.workload\.name: placeholder \{\{nmae\}\} must start with one of name, namespace, metadata, spec; did you mean \{\{name\}\}\?/);
    rejects(entry('    group: example.com\n').replace('{app: redis}', '{"Bad Key": redis}'), /operatorWorkloads\[0\]\.podLabels: label key "Bad Key"/);
    rejects(entry('    group: example.com\n').replace('podLabels', 'podLabel'), /unknown key "operatorWorkloads\[0\]\.podLabel"; did you mean "podLabels"\?/);
    rejects(entry('    group: example.com\n').replace('StatefulSet', 'Job'), /operatorWorkloads\[0\]\.workload\.kind: must be one of "StatefulSet", "Deployment", "DaemonSet"/);
    rejects(entry('    group: example.com\n    ports: [{name: redis, port: 70000}]\n'), /operatorWorkloads\[0\]\.ports\[0\]\.port/);
    const ok = parseConfig(entry('    group: example.com\n    podLabelsFrom: ["spec.podMetadata.labels"]\n'), '.kshield.yaml', catalogue);
    assert.equal(ok.operatorWorkloads?.[0].kind, 'RedisCluster');
    assert.deepEqual(settingsFromConfig(ok).operatorWorkloads, ok.operatorWorkloads, 'what scan hands the rules');
  });
});

function findings(ruleIds: string[], config: OperatorWorkloadConfig[] | undefined, ...docs: string[]): Finding[] {
  const rules = [...reliabilityRules, ...networkRules].filter((r) => ruleIds.includes(r.id));
  const result = evaluate(objects(...docs), { rules, settings: config ? { operatorWorkloads: config } : undefined });
  assert.deepEqual(result.errors, []);
  return result.findings;
}

const SERVICE = (selector: string, ns = 'monitoring'): string => `apiVersion: v1
kind: Service
metadata: {name: web, namespace: ${ns}}
spec:
  selector: ${selector}
  ports: [{name: web, port: 9090, targetPort: web}]`;

const POLICY = (selector: string, ns = 'monitoring'): string => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: ${ns}}
spec:
  podSelector: {matchLabels: ${selector}}
  policyTypes: [Ingress]`;

const DEPLOYMENT = (ns = 'monitoring'): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: grafana, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: grafana}}
  template:
    metadata: {labels: {app: grafana}}
    spec:
      containers: [{name: grafana, image: registry.example.com/grafana:12.0.0}]`;

describe('selector rules and operator workloads', () => {
  test('Services and NetworkPolicies selecting the pods an operator makes are not dangling', () => {
    const selector = '{app.kubernetes.io/name: prometheus, app.kubernetes.io/instance: k8s}';
    assert.deepEqual(findings(['dangling-service', 'dangling-networkpolicy'], undefined, PROMETHEUS(), SERVICE(selector), POLICY(selector), DEPLOYMENT()), []);
  });

  test('the kube-prometheus-shaped fixture has no dangling findings', () => {
    const r = kshield(['scan', FIXTURE, '--only', 'dangling-service,dangling-networkpolicy,pdb-blocks-eviction', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).findings, []);
  });

  test('a selector matching nothing beside a custom resource kshield does not know: low, "may be created by an operator"', () => {
    const kafka = `apiVersion: kafka.strimzi.io/v1beta2
kind: Kafka
metadata: {name: events, namespace: monitoring}
spec: {}`;
    const [service, policy] = findings(['dangling-service', 'dangling-networkpolicy'], undefined, kafka, SERVICE('{app: kafka}'), POLICY('{app: kafka}'), DEPLOYMENT());
    assert.equal(service.rule, 'dangling-service');
    assert.equal(service.severity, 'low');
    assert.equal(
      service.message,
      'Service "web" selects app=kafka: no workload in the input matches; it may be created by an operator: namespace "monitoring" holds custom resources kshield does not know to make pods (Kafka monitoring/events)',
    );
    assert.equal(policy.rule, 'dangling-networkpolicy');
    assert.equal(policy.severity, 'low');
    assert.match(policy.message, /: no workload in the input matches; it may be created by an operator: namespace "monitoring" holds custom resources/);
  });

  test('without such a custom resource (or with one in another namespace, or one known to make no pods) the finding keeps its severity', () => {
    const elsewhere = `apiVersion: kafka.strimzi.io/v1beta2
kind: Kafka
metadata: {name: events, namespace: data}
spec: {}`;
    const monitor = `apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: web, namespace: monitoring}
spec: {selector: {}}`;
    const [f] = findings(['dangling-service'], undefined, elsewhere, monitor, SERVICE('{app: kafka}'), DEPLOYMENT());
    assert.equal(f.severity, 'medium');
    assert.match(f.message, /but no workload in namespace "monitoring" has pods with these labels/);
  });

  test('a selector requiring a label operators set is low too, and says which label', () => {
    const [f] = findings(['dangling-service'], undefined, SERVICE('{operator.prometheus.io/name: other}'), DEPLOYMENT());
    assert.equal(f.severity, 'low');
    assert.match(f.message, /it may be created by an operator: it requires the label operator\.prometheus\.io\/name, which operators set on the pods they create/);
    const [managed] = findings(['dangling-networkpolicy'], undefined, POLICY('{app.kubernetes.io/managed-by: strimzi-cluster-operator}'), DEPLOYMENT());
    assert.match(managed.message, /it requires app\.kubernetes\.io\/managed-by=strimzi-cluster-operator, an operator/);
    const [helm] = findings(['dangling-service'], undefined, SERVICE('{app.kubernetes.io/managed-by: Helm}'), DEPLOYMENT());
    assert.equal(helm.severity, 'medium', 'Helm is no operator');
  });

  test('a severity override in the configuration still wins over the lowered severity', () => {
    const rules = reliabilityRules.filter((r) => r.id === 'dangling-service');
    const result = evaluate(objects(SERVICE('{operator.prometheus.io/name: other}'), DEPLOYMENT()), { rules, severityOverrides: { 'dangling-service': 'high' } });
    assert.equal(result.findings[0].severity, 'high');
  });

  test('a configured kind counts as a workload for the selector rules', () => {
    const selector = '{app.kubernetes.io/name: redis, team: checkout}';
    const docs = [REDIS, SERVICE(selector, 'shop'), POLICY(selector, 'shop'), DEPLOYMENT('shop')];
    assert.equal(findings(['dangling-service', 'dangling-networkpolicy'], undefined, ...docs).length, 2, 'unknown without the configuration');
    assert.deepEqual(findings(['dangling-service', 'dangling-networkpolicy'], REDIS_CONFIG, ...docs), []);
  });

  test('Service target-port rules do not judge an operator\'s pods (their containers are not in the input)', () => {
    const selector = '{app.kubernetes.io/name: prometheus}';
    const f = findings(['service-target-port-name-missing'], undefined, PROMETHEUS('\n  containers: [{name: prometheus, image: quay.io/prometheus/prometheus:v3.5.0}]'), SERVICE(selector).replace('targetPort: web', 'targetPort: nope'));
    assert.deepEqual(f, []);
  });

  test('network coverage: an operator\'s workloads count in their namespace; a workload-level finding needs an object of its own', () => {
    const ns = `apiVersion: v1
kind: Namespace
metadata: {name: monitoring}`;
    const [f] = findings(['namespace-without-network-policy'], undefined, ns, PROMETHEUS());
    assert.match(f.message, /namespace "monitoring" runs 1 workload\(s\): StatefulSet\/prometheus-k8s, but no NetworkPolicy applies/);
    // Without a Namespace object the finding would sit on the first workload object, which the custom resource is not.
    assert.deepEqual(findings(['namespace-without-network-policy'], undefined, PROMETHEUS()), []);
    assert.deepEqual(findings(['workload-not-selected-by-network-policy'], undefined, PROMETHEUS(), POLICY('{app: grafana}'), DEPLOYMENT()), []);
  });
});

describe('the NetworkPolicy model', () => {
  test('an operator workload takes part in reachability and can be named by its custom resource', () => {
    const selector = '{app.kubernetes.io/name: prometheus}';
    const loaded = loadText([PROMETHEUS(), DEPLOYMENT(), POLICY(selector).replace('policyTypes: [Ingress]', 'ingress: [{from: [{podSelector: {matchLabels: {app: grafana}}}], ports: [{port: web}]}]')].join('\n---\n'), 't.yaml');
    const m = buildModel(loaded.resources);
    const w = m.workloadById.get('monitoring/StatefulSet/prometheus-k8s');
    assert.ok(w?.operator);
    const src = resolvePeer(m, 'monitoring/Deployment/grafana')!;
    const dst = resolvePeer(m, 'monitoring/Prometheus/k8s')!;
    assert.ok('workload' in dst && dst.workload === w);
    assert.equal(canConnect(m, src, dst, 'TCP', 9090).allowed, true, 'the named port web resolves to 9090 on the operator\'s pods');
    assert.equal(canConnect(m, src, dst, 'TCP', 8080).allowed, false);
    const notes = reach(m).notes.join('\n');
    assert.match(notes, /monitoring\/StatefulSet\/prometheus-k8s \(created by the Prometheus Operator from Prometheus monitoring\/k8s\)/);
  });

  test('when the input holds the real workload (a cluster listing), the real one is used and takes the origin', () => {
    const pod = `apiVersion: v1
kind: Pod
metadata:
  name: prometheus-k8s-0
  namespace: monitoring
  labels: {app.kubernetes.io/name: prometheus, extra: from-cluster}
  ownerReferences: [{apiVersion: apps/v1, kind: StatefulSet, name: prometheus-k8s, controller: true}]
spec:
  containers: [{name: prometheus, image: quay.io/prometheus/prometheus:v3.5.0}]`;
    const sts = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: prometheus-k8s
  namespace: monitoring
  ownerReferences: [{apiVersion: monitoring.coreos.com/v1, kind: Prometheus, name: k8s, controller: true}]
spec:
  selector: {matchLabels: {app.kubernetes.io/name: prometheus}}
  template:
    metadata: {labels: {app.kubernetes.io/name: prometheus, extra: from-cluster}}
    spec:
      containers: [{name: prometheus, image: quay.io/prometheus/prometheus:v3.5.0}]`;
    const m = buildModel(objects(PROMETHEUS(), sts, pod));
    assert.deepEqual(
      m.workloads.map((w) => w.id),
      ['monitoring/Prometheus/k8s'],
      'pods and StatefulSet are grouped under their owner, as before; no second, modelled workload',
    );
    assert.equal(m.workloads[0].operator, undefined);
    assert.equal(m.workloads[0].origin, 'created by the Prometheus Operator from Prometheus monitoring/k8s');
    const byController = resolvePeer(m, 'monitoring/StatefulSet/prometheus-k8s');
    assert.ok(byController && 'workload' in byController && byController.workload === m.workloads[0]);
  });

  test('custom resources that may make pods and PodTemplates are listed as not modelled', () => {
    const m = buildModel(
      objects(
        DEPLOYMENT(),
        `apiVersion: kafka.strimzi.io/v1beta2
kind: Kafka
metadata: {name: events, namespace: monitoring}
spec: {}`,
        `apiVersion: v1
kind: PodTemplate
metadata: {name: tpl, namespace: monitoring}
template:
  spec:
    containers: [{name: x, image: registry.example.com/x:1}]`,
      ),
    );
    assert.deepEqual(m.notModelled, [
      '1 custom resource(s) of kinds kshield does not know to make pods: Kafka monitoring/events; if an operator makes pods from one of these kinds, declare it under operatorWorkloads in .kshield.yaml',
      '1 PodTemplate object(s) (monitoring/tpl): a PodTemplate runs no pods',
    ]);
    assert.ok(reach(m).notes.includes(`not modelled: ${m.notModelled[0]}`));
  });
});

describe('kshield netpol on the kube-prometheus shape', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-operators-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('reach includes the operator workloads, with their origin', () => {
    const r = kshield(['netpol', 'reach', FIXTURE]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^monitoring\/Deployment\/grafana\s+monitoring\/StatefulSet\/prometheus-k8s\s+TCP\/9090\s+unknown\s+-$/m);
    assert.match(r.stdout, /^monitoring\/StatefulSet\/prometheus-k8s\s+monitoring\/StatefulSet\/alertmanager-main\s+TCP\/9093\s+unknown\s+-$/m);
    assert.match(r.stdout, /^monitoring\/StatefulSet\/alertmanager-main\s+monitoring\/StatefulSet\/alertmanager-main\s+TCP\/9094, UDP\/9094\s+unknown\s+-$/m);
    assert.match(r.stdout, /note: 2 workload\(s\) are not in the input but made by an operator .*monitoring\/StatefulSet\/prometheus-k8s \(created by the Prometheus Operator from Prometheus monitoring\/k8s\), monitoring\/StatefulSet\/alertmanager-main \(created by the Prometheus Operator from Alertmanager monitoring\/main\)/);
    const json = JSON.parse(kshield(['netpol', 'reach', FIXTURE, '-o', 'json']).stdout) as { connections: { src: string; dst: string; ports: string[] | 'all' }[] };
    assert.deepEqual(
      json.connections.filter((c) => c.dst === 'monitoring/StatefulSet/prometheus-k8s').map((c) => `${c.src} ${String(c.ports)}`),
      ['monitoring/Deployment/grafana TCP/9090', 'monitoring/StatefulSet/prometheus-k8s TCP/8080,TCP/9090'],
    );
  });

  test('can names the operator workload by its StatefulSet or its custom resource', () => {
    const allowed = kshield(['netpol', 'can', 'monitoring/Deployment/grafana', 'monitoring/StatefulSet/prometheus-k8s', FIXTURE, '--port', '9090']);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stdout, /^ALLOWED: monitoring\/Deployment\/grafana -> monitoring\/StatefulSet\/prometheus-k8s on TCP\/9090/);
    assert.match(allowed.stdout, /note: monitoring\/StatefulSet\/prometheus-k8s is not in the input: it is created by the Prometheus Operator from Prometheus monitoring\/k8s/);
    const denied = kshield(['netpol', 'can', 'monitoring/Deployment/grafana', 'monitoring/Alertmanager/main', FIXTURE, '--port', '9093']);
    assert.equal(denied.code, 1, denied.stderr);
    assert.match(denied.stdout, /^DENIED: monitoring\/Deployment\/grafana -> monitoring\/StatefulSet\/alertmanager-main on TCP\/9093/);
  });

  test('an unknown name is "not found in the input", with near names', () => {
    const r = kshield(['netpol', 'can', 'monitoring/Deployment/grafana', 'monitoring/StatefulSet/prometheus-k9s', FIXTURE, '--port', '9090']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /destination "monitoring\/StatefulSet\/prometheus-k9s" not found in the input: .*; near names: monitoring\/StatefulSet\/prometheus-k8s/);
    const typo = kshield(['netpol', 'can', 'monitoring/Deployment/grafnaa', 'monitoring/StatefulSet/prometheus-k8s', FIXTURE, '--port', '9090']);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /source "monitoring\/Deployment\/grafnaa" not found in the input: .*; near names: monitoring\/Deployment\/grafana$/m);
  });

  test('a sharded Prometheus named by its custom resource asks which shard', () => {
    const file = path.join(dir, 'sharded.yaml');
    writeFileSync(file, [PROMETHEUS('\n  shards: 2'), DEPLOYMENT()].join('\n---\n'));
    const r = kshield(['netpol', 'can', 'monitoring/Deployment/grafana', 'monitoring/Prometheus/k8s', file, '--port', '9090']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /"monitoring\/Prometheus\/k8s" stands for 2 workloads \(monitoring\/StatefulSet\/prometheus-k8s, monitoring\/StatefulSet\/prometheus-k8s-shard-1\): name one of them/);
  });

  test('a kind declared in the configuration (--config) is modelled by reach, can and generate', () => {
    const config = path.join(dir, 'kshield.yaml');
    writeFileSync(
      config,
      `operatorWorkloads:
  - apiVersion: cache.example.com/v1
    kind: RedisCluster
    operator: the Redis operator
    workload: {kind: StatefulSet, name: "redis-{{name}}"}
    podLabels: {app.kubernetes.io/name: redis, app.kubernetes.io/instance: "{{name}}"}
    ports: [{name: redis, port: 6379}]
`,
    );
    const input = path.join(dir, 'redis.yaml');
    writeFileSync(
      input,
      [
        REDIS,
        DEPLOYMENT('shop').replace('image: registry.example.com/grafana:12.0.0', 'image: registry.example.com/grafana:12.0.0, env: [{name: CACHE, value: "redis://sessions:6379"}]'),
        `apiVersion: v1
kind: Service
metadata: {name: sessions, namespace: shop}
spec:
  selector: {app.kubernetes.io/name: redis}
  ports: [{name: redis, port: 6379, targetPort: redis}]`,
        `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: redis, namespace: shop}
spec:
  podSelector: {matchLabels: {app.kubernetes.io/name: redis}}
  ingress: [{from: [{podSelector: {matchLabels: {app: grafana}}}], ports: [{port: redis}]}]`,
      ].join('\n---\n'),
    );
    const without = kshield(['netpol', 'reach', input]);
    assert.match(without.stdout, /note: not modelled: 1 custom resource\(s\) of kinds kshield does not know to make pods: RedisCluster shop\/sessions/);
    const reachOut = kshield(['netpol', 'reach', input, '--config', config]);
    assert.equal(reachOut.code, 0, reachOut.stderr);
    assert.match(reachOut.stdout, /^shop\/Deployment\/grafana\s+shop\/StatefulSet\/redis-sessions\s+TCP\/6379\s+unknown\s+-$/m);
    assert.match(reachOut.stdout, /shop\/StatefulSet\/redis-sessions \(created by the Redis operator from RedisCluster shop\/sessions\)/);
    const can = kshield(['netpol', 'can', 'shop/Deployment/grafana', 'shop/RedisCluster/sessions', input, '-p', '6379', '-c', config]);
    assert.equal(can.code, 0, can.stderr);
    const generated = kshield(['netpol', 'generate', input, '-c', config]);
    assert.equal(generated.code, 0, generated.stderr);
    // The operator's own selector labels pick its pods in the generated policy; the client may reach them on the Service's target port.
    assert.match(generated.stdout, /# shop\/Deployment\/grafana -> shop\/StatefulSet\/redis-sessions via Service shop\/sessions\napiVersion: networking.k8s.io\/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-ingress-redis-sessions\n[\s\S]*?podSelector:\n    matchLabels:\n      app.kubernetes.io\/name: redis\n      app.kubernetes.io\/instance: sessions\n/);
    const bad = kshield(['netpol', 'reach', input, '-c', path.join(dir, 'missing.yaml')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /missing\.yaml: configuration file not found/);
  });
});

describe('rbac paths and operator workloads', () => {
  const RBAC = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: exec, namespace: monitoring}
rules:
  - {apiGroups: [""], resources: [pods/exec], verbs: [create]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: oncall-exec, namespace: monitoring}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: exec}
subjects: [{kind: User, name: oncall, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: prometheus-k8s}
rules:
  - {apiGroups: [""], resources: [secrets], verbs: [get, list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: prometheus-k8s}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: prometheus-k8s}
subjects: [{kind: ServiceAccount, name: prometheus-k8s, namespace: monitoring}]`;

  const execEdges = (...docs: string[]): string[] =>
    buildEscalationGraph(new ResourceSet(objects(...docs)))
      .edges.filter((e) => e.label === 'exec into its pods and take the mounted token')
      .map((e) => `${e.from} -> ${e.to}`);

  test('exec into the pods of an operator\'s workload leads to the account they run as', () => {
    assert.deepEqual(execEdges(RBAC), [], 'no pods of that account in the input without the Prometheus object');
    assert.deepEqual(execEdges(RBAC, PROMETHEUS()), ['capability:exec-pods:monitoring -> identity:sa:monitoring:prometheus-k8s']);
    assert.deepEqual(execEdges(RBAC, PROMETHEUS('\n  automountServiceAccountToken: false')), [], 'no token mounted, none to take');
  });
});
