import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runRuleExamples } from './support/rule-tester.js';
import { exposureRules } from '../src/rules/exposure/index.js';
import { loadBalancerSourceRanges } from '../src/rules/exposure/shared.js';
import { sensitiveExternalName } from '../src/rules/exposure/external-name-sensitive-target.js';
import { tlsHostCovers } from '../src/rules/exposure/ingress-tls-host-mismatch.js';
import { rules as catalogue } from '../src/rules/index.js';
import { evaluate } from '../src/engine/engine.js';
import { loadText } from '../src/sources/files.js';
import type { Finding } from '../src/core/types.js';

describe('exposure rule examples', () => runRuleExamples(exposureRules));

function run(ids: string | string[], yaml: string): Finding[] {
  const selected = (Array.isArray(ids) ? ids : [ids]).map((id) => {
    const rule = exposureRules.find((r) => r.id === id);
    assert.ok(rule, id);
    return rule;
  });
  const loaded = loadText(yaml, 'test.yaml');
  assert.deepEqual(loaded.errors, []);
  const result = evaluate(loaded.resources, { rules: selected });
  assert.deepEqual(result.errors, []);
  return result.findings;
}

describe('Ingress TLS host coverage (Ingress hostname wildcards)', () => {
  test('exact hosts match, case-insensitively, trailing dot ignored', () => {
    assert.ok(tlsHostCovers('shop.example.com', 'shop.example.com'));
    assert.ok(tlsHostCovers('Shop.Example.com', 'shop.example.com.'));
    assert.ok(!tlsHostCovers('shop.example.com', 'www.shop.example.com'));
  });
  test('a wildcard covers exactly one label', () => {
    assert.ok(tlsHostCovers('*.example.com', 'shop.example.com'));
    assert.ok(!tlsHostCovers('*.example.com', 'example.com'));
    assert.ok(!tlsHostCovers('*.example.com', 'a.b.example.com'));
    assert.ok(!tlsHostCovers('*.example.com', 'shopexample.com'));
  });
  test('a wildcard rule host is covered only by the same wildcard', () => {
    assert.ok(tlsHostCovers('*.example.com', '*.example.com'));
    assert.ok(!tlsHostCovers('shop.example.com', '*.example.com'));
    assert.ok(!tlsHostCovers('*.com', '*.example.com'));
  });
  test('TLS entries without hosts and host-less rules are not judged', () => {
    const yaml = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: i, namespace: shop}
spec:
  tls:
  - secretName: default-cert
  - hosts: [a.example.com]
    secretName: a
  rules:
  - host: b.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}]}`;
    assert.deepEqual(run('ingress-tls-host-mismatch', yaml), []);
  });
});

describe('LoadBalancer source ranges', () => {
  const svc = (extra: string, annotations = '') => `apiVersion: v1
kind: Service
metadata:
  name: lb
  namespace: shop${annotations ? `\n  annotations:\n${annotations}` : ''}
spec:
  type: LoadBalancer
${extra}
  ports: [{port: 443}]`;
  test('the field wins over the annotation when it is not empty', () => {
    const yaml = svc('  loadBalancerSourceRanges: [203.0.113.0/24]', '    service.beta.kubernetes.io/load-balancer-source-ranges: 0.0.0.0/0');
    assert.deepEqual(run('load-balancer-unrestricted', yaml), []);
    const resource = loadText(yaml, 'x.yaml').resources[0];
    assert.equal(loadBalancerSourceRanges(resource).from, 'field');
  });
  test('an empty field falls back to the annotation', () => {
    const f = run('load-balancer-unrestricted', svc('  loadBalancerSourceRanges: []', '    service.beta.kubernetes.io/load-balancer-source-ranges: "10.0.0.0/8, 0.0.0.0/0"'));
    assert.deepEqual(f.map((x) => x.path), ['/metadata/annotations/service.beta.kubernetes.io~1load-balancer-source-ranges']);
  });
  test('internal load balancers are not public; "false" keeps them public', () => {
    assert.deepEqual(run('load-balancer-unrestricted', svc('', '    service.beta.kubernetes.io/azure-load-balancer-internal: "true"')), []);
    assert.equal(run('load-balancer-unrestricted', svc('', '    service.beta.kubernetes.io/aws-load-balancer-internal: "false"')).length, 1);
  });
});

describe('ExternalName targets', () => {
  test('metadata, loopback, link-local and API server names are sensitive', () => {
    for (const n of ['169.254.169.254', 'metadata.google.internal.', 'METADATA.google.internal', '127.0.0.1', 'localhost', 'kubernetes.default.svc.cluster.local', '169.254.10.1', '[fd00:ec2::254]'])
      assert.ok(sensitiveExternalName(n), n);
    for (const n of ['api.example.com', 'db.internal.example.com', '10.0.0.1']) assert.equal(sensitiveExternalName(n), undefined, n);
  });
});

describe('Service target ports', () => {
  const yaml = (ports: string, svcPorts: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: fe}}
    spec:${extra}
      containers:
      - name: web
        image: r/web:1
        ports: ${ports}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: ${svcPorts}`;
  test('a named port declared by a sidecar (init container with restartPolicy Always) counts', () => {
    const sidecar = `\n      initContainers:\n      - name: proxy\n        image: r/proxy:1\n        restartPolicy: Always\n        ports: [{name: proxy, containerPort: 15001}]`;
    assert.deepEqual(run('service-target-port-name-missing', yaml('[{name: http, containerPort: 8080}]', '[{name: p, port: 80, targetPort: proxy}]', sidecar)), []);
    const plainInit = sidecar.replace('        restartPolicy: Always\n', '');
    assert.equal(run('service-target-port-name-missing', yaml('[{name: http, containerPort: 8080}]', '[{name: p, port: 80, targetPort: proxy}]', plainInit)).length, 1);
  });
  test('Services without a matching workload in the scan are not judged', () => {
    const y = yaml('[{name: http, containerPort: 8080}]', '[{name: p, port: 80, targetPort: nope}]').replace('selector: {app: web}\n  ports', 'selector: {app: other}\n  ports');
    assert.deepEqual(run(['service-target-port-name-missing', 'service-target-port-undeclared'], y), []);
  });
  test('targetPort 0 or "" is defaulted to the port; names the API server rejects are not resolved (invalid-port reports them)', () => {
    for (const target of ['0', '""']) {
      const f = run(['service-target-port-name-missing', 'service-target-port-undeclared'], yaml('[{name: http, containerPort: 8080}]', `[{name: p, port: 80, targetPort: ${target}}]`));
      assert.deepEqual(f.map((x) => `${x.rule} ${x.path}`), ['service-target-port-undeclared /spec/ports/0'], target);
    }
    for (const target of ['"8080"', 'http_port', 'HTTP', 'http-exporter-port'])
      assert.deepEqual(run('service-target-port-name-missing', yaml('[{name: http, containerPort: 8080}]', `[{name: p, port: 80, targetPort: ${target}}]`)), [], target);
  });
  test('an empty protocol is TCP on both sides', () => {
    assert.deepEqual(run('service-target-port-name-missing', yaml('[{name: http, containerPort: 8080, protocol: ""}]', '[{name: p, port: 80, targetPort: http, protocol: ""}]')), []);
  });
  test('a port without targetPort targets its own number, reported at the port', () => {
    const f = run('service-target-port-undeclared', yaml('[{name: http, containerPort: 8080}]', '[{name: p, port: 80}]'));
    assert.deepEqual(f.map((x) => x.path), ['/spec/ports/0']);
  });
});

describe('exposure rules never throw on malformed objects', () => {
  test('wrong types everywhere', () => {
    const yaml = `apiVersion: v1
kind: Service
metadata: {name: s, namespace: shop, annotations: [x]}
spec:
  type: [LoadBalancer]
  ports: "80"
  externalIPs: {a: 1}
  loadBalancerSourceRanges: 7
  selector: [app]
---
apiVersion: v1
kind: Service
metadata: {name: t, namespace: shop}
spec: "NodePort"
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: i, namespace: shop}
spec:
  tls: {hosts: a}
  rules: [null, 3, {host: 5}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: g, namespace: shop}
spec: {listeners: [null, {protocol: 7}]}`;
    const loaded = loadText(yaml, 'bad.yaml');
    const result = evaluate(loaded.resources, { rules: catalogue.filter((r) => r.category === 'exposure' || r.category === 'secrets') });
    assert.deepEqual(result.errors, []);
  });
});
