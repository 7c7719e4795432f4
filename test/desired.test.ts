/** `--desired`: live workloads against their manifests (src/runtime/desired.ts, rule drift-from-desired). */
import assert from 'node:assert/strict';
import { test, describe } from 'node:test';
import { loadText, resourcesFromObjects } from '../src/sources/files.js';
import { desiredDrift, desiredStates } from '../src/runtime/desired.js';
import { evaluate } from '../src/engine/engine.js';
import { findRule, rules as catalogue } from '../src/rules/index.js';
import type { JsonObject } from '../src/core/types.js';

const MANIFEST = `apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      serviceAccountName: web
      containers:
      - name: web
        image: registry.example.com/shop/web:1.4.2
        securityContext:
          allowPrivilegeEscalation: false
          capabilities:
            drop: [ALL]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  selector:
    matchLabels: {app: worker}
  template:
    metadata:
      labels: {app: worker}
    spec:
      containers:
      - name: worker
        image: registry.example.com/shop/worker:2.0.0
`;

const desired = loadText(MANIFEST, 'deploy/shop.yaml').resources;

/** The live Deployment as the API server returns it: defaults filled in, and `patch` applied to its pod spec. */
function liveWeb(patch: (spec: JsonObject, container: JsonObject) => void = () => {}, namespace = 'shop'): JsonObject {
  const container: JsonObject = {
    name: 'web',
    image: 'registry.example.com/shop/web:1.4.2',
    imagePullPolicy: 'IfNotPresent',
    resources: {},
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
  };
  const spec: JsonObject = {
    serviceAccountName: 'web',
    serviceAccount: 'web',
    containers: [container],
    restartPolicy: 'Always',
    dnsPolicy: 'ClusterFirst',
    securityContext: {},
    schedulerName: 'default-scheduler',
  };
  patch(spec, container);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace, uid: 'u1', generation: 2 },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec } },
    status: { replicas: 2 },
  };
}

const live = (...objects: JsonObject[]) => resourcesFromObjects(objects, 'cluster:prod').resources;

describe('desiredDrift', () => {
  test('a live workload equal to its manifest, API defaults included, has no drift', () => {
    assert.deepEqual(desiredDrift(desired, live(liveWeb())), []);
  });

  test('a weaker live spec is one finding per field, at the manifest line, naming the live object', () => {
    const findings = desiredDrift(
      desired,
      live(
        liveWeb((spec, c) => {
          spec.hostPID = true;
          c.securityContext = { privileged: true, capabilities: { drop: ['ALL'], add: ['NET_ADMIN'] } };
        }),
      ),
    );
    assert.deepEqual(
      findings.map((f) => [f.rule, f.severity, f.file, f.line, f.path]),
      [
        // hostPID is not in the manifest: the finding points at the pod spec that would hold it.
        ['drift-from-desired', 'high', 'deploy/shop.yaml', 17, '/desired/spec/template/spec/hostPID'],
        ['drift-from-desired', 'high', 'deploy/shop.yaml', 22, '/desired/spec/template/spec/containers/0/securityContext/privileged'],
        ['drift-from-desired', 'medium', 'deploy/shop.yaml', 23, '/desired/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation'],
        ['drift-from-desired', 'high', 'deploy/shop.yaml', 24, '/desired/spec/template/spec/containers/0/securityContext/capabilities'],
      ],
    );
    assert.match(findings[0].message, /^live Deployment shop\/web \(cluster:prod\) at \/spec\/template\/spec\/hostPID: the pod shares the node's process namespace: true live, not set declared$/);
    assert.match(findings[3].message, /adds capability NET_ADMIN/);
    assert.deepEqual(findings[0].resource, { apiVersion: 'kshield.io/v1', kind: 'DesiredState', namespace: 'shop', name: 'Deployment.web' });
  });

  test('a stricter live spec, or a tag pinned to its digest, is not drift', () => {
    const findings = desiredDrift(
      desired,
      live(
        liveWeb((spec, c) => {
          spec.securityContext = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
          c.image = 'registry.example.com/shop/web:1.4.2@sha256:4c5d1a0e8b8a2b9f0f2a8e1b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d';
          c.securityContext = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } };
        }),
      ),
    );
    assert.deepEqual(findings, []);
  });

  test('another image and another service account are reported', () => {
    const findings = desiredDrift(
      desired,
      live(
        liveWeb((spec, c) => {
          spec.serviceAccountName = 'default';
          delete spec.serviceAccount;
          c.image = 'docker.io/attacker/web:1.4.2';
        }),
      ),
    );
    assert.deepEqual(findings.map((f) => `${f.line} ${f.severity} ${f.message.replace(/^.*?: /, '')}`), [
      '18 medium the pod runs as another service account: "default" live, "web" declared',
      '21 medium container "web" runs another image: "docker.io/attacker/web:1.4.2" live, "registry.example.com/shop/web:1.4.2" declared',
    ]);
  });

  test('one live object, as the watch passes it; a manifest without a namespace declares the object in default', () => {
    const worker = live({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'worker', namespace: 'default' },
      spec: { template: { spec: { hostNetwork: true, containers: [{ name: 'worker', image: 'registry.example.com/shop/worker:2.0.0' }] } } },
    })[0];
    const findings = desiredDrift(desired, worker);
    assert.deepEqual(findings.map((f) => [f.path, f.line]), [['/desired/spec/template/spec/hostNetwork', 37]]);
    assert.match(findings[0].message, /^live Deployment default\/worker \(cluster:prod\)/);
  });

  test('objects no manifest declares, or in another namespace, group or kind, are not compared', () => {
    const other = liveWeb((spec) => (spec.hostNetwork = true), 'staging');
    const replicaSet = { ...liveWeb((spec) => (spec.hostNetwork = true)), kind: 'ReplicaSet' };
    const extensions = { ...liveWeb((spec) => (spec.hostNetwork = true)), apiVersion: 'extensions/v1beta1' };
    assert.deepEqual(desiredStates(desired, live(other, replicaSet, extensions)), []);
    // apps/v1beta2 is the same group: the same object.
    const v1beta2 = { ...liveWeb((spec) => (spec.hostNetwork = true)), apiVersion: 'apps/v1beta2' };
    assert.equal(desiredDrift(desired, live(v1beta2)).length, 1);
  });

  test('a watch event object (plain JSON) is accepted as the live side', () => {
    const findings = desiredDrift(desired, liveWeb((spec) => (spec.hostIPC = true)), { liveSource: 'cluster:prod' });
    assert.deepEqual(findings.map((f) => f.path), ['/desired/spec/template/spec/hostIPC']);
  });

  test('with the pairs in the run, the same changed field is one finding: drift-from-desired, not drift-from-last-applied too', () => {
    const applied = liveWeb();
    const object = liveWeb((spec) => (spec.hostNetwork = true));
    (object.metadata as JsonObject).annotations = { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(applied) };
    const liveObjects = live(object);
    const rules = [findRule('drift-from-last-applied')!, findRule('drift-from-desired')!];
    const alone = evaluate(liveObjects, { rules, catalogue }).findings.map((f) => `${f.rule} ${f.path}`);
    assert.deepEqual(alone, ['drift-from-last-applied /spec/template/spec/hostNetwork']);
    const paired = evaluate([...liveObjects, ...desiredStates(desired, liveObjects)], { rules, catalogue }).findings.map((f) => `${f.rule} ${f.path}`);
    assert.deepEqual(paired, ['drift-from-desired /desired/spec/template/spec/hostNetwork']);
  });
});
