/**
 * The mesh rules and `netpol reach`'s transport column on a live cluster: a REAL kube-apiserver
 * (test/support/k8s/cluster) with the Istio, Linkerd and Gateway API custom resource definitions
 * this test writes (structural schemas that keep every field), a namespace in the Istio mesh with a
 * PERMISSIVE PeerAuthentication, a DENY AuthorizationPolicy naming namespaces, a DestinationRule
 * turning mTLS off, and a Linkerd namespace with a Server, AuthorizationPolicy and
 * MeshTLSAuthentication. `kshield cluster` must report what a file scan of the same objects
 * reports, and `kshield netpol reach --cluster` must carry the encryption column.
 *
 * Without the binaries or etcd the suite is skipped with a loud message, unless
 * KSHIELD_INTEGRATION=required (CI), where it fails.
 */
import assert from 'node:assert/strict';
import { test, describe, before, after } from 'node:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { kshieldAsync, type Run } from './support/cli.js';
import { CLUSTER_SCRIPT, readClusterEnv, skipUnlessRealCluster, type ClusterEnv } from './support/real-cluster.js';

const { skip: skipReason, missing: why } = skipUnlessRealCluster('the real-API-server test of the mesh rules');

/** The custom resource definitions: [group, version, kind, plural]. */
const CRDS: [string, string, string, string][] = [
  ['security.istio.io', 'v1', 'PeerAuthentication', 'peerauthentications'],
  ['security.istio.io', 'v1', 'AuthorizationPolicy', 'authorizationpolicies'],
  ['networking.istio.io', 'v1', 'DestinationRule', 'destinationrules'],
  ['networking.istio.io', 'v1', 'VirtualService', 'virtualservices'],
  ['policy.linkerd.io', 'v1beta3', 'Server', 'servers'],
  ['policy.linkerd.io', 'v1alpha1', 'AuthorizationPolicy', 'authorizationpolicies'],
  ['policy.linkerd.io', 'v1alpha1', 'MeshTLSAuthentication', 'meshtlsauthentications'],
  ['policy.linkerd.io', 'v1beta1', 'ServerAuthorization', 'serverauthorizations'],
  ['gateway.networking.k8s.io', 'v1alpha3', 'BackendTLSPolicy', 'backendtlspolicies'],
];

function crd([group, version, kind, plural]: [string, string, string, string]): object {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    // Groups under k8s.io are protected: the Gateway API's CRDs carry this approval annotation.
    metadata: { name: `${plural}.${group}`, ...(group.endsWith('.k8s.io') ? { annotations: { 'api-approved.kubernetes.io': 'https://github.com/kubernetes-sigs/gateway-api/pull/1538' } } : {}) },
    spec: {
      group,
      scope: 'Namespaced',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [{ name: version, served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
}

const deployment = (ns: string, name: string, ports: number[], podMeta = ''): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  replicas: 0
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}${podMeta}
    spec:
      automountServiceAccountToken: false
      containers:
        - name: app
          image: registry.example.com/${name}:1.0
          ports: [${ports.map((p) => `{containerPort: ${p}}`).join(', ')}]`;

/** The objects, as a user's manifests would hold them: created in the cluster and scanned as a file. */
const OBJECTS = [
  `apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {istio-injection: enabled}`,
  `apiVersion: v1
kind: Namespace
metadata:
  name: edge
  annotations: {linkerd.io/inject: enabled}`,
  `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: shop}
spec:
  mtls: {mode: PERMISSIVE}`,
  `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-legacy, namespace: shop}
spec:
  action: DENY
  rules:
    - from:
        - source: {namespaces: [legacy]}`,
  `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api, namespace: shop}
spec:
  host: api.shop.svc.cluster.local
  trafficPolicy:
    tls: {mode: DISABLE}`,
  deployment('shop', 'web', [8080]),
  deployment('shop', 'api', [8080]),
  // The Service the DestinationRule's host names: web's sidecar sends plaintext to api through it.
  `apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: 8080}]`,
  // pay is STRICT; its DestinationRule turns TLS off for subset v2, and a VirtualService routes every request there.
  deployment('shop', 'pay', [8443]).replace('labels: {app: pay}', 'labels: {app: pay, version: v2}'),
  `apiVersion: v1
kind: Service
metadata: {name: pay, namespace: shop}
spec:
  selector: {app: pay}
  ports: [{port: 443, targetPort: 8443}]`,
  `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: pay, namespace: shop}
spec:
  selector:
    matchLabels: {app: pay}
  mtls: {mode: STRICT}`,
  `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: pay, namespace: shop}
spec:
  host: pay
  subsets:
    - name: v2
      labels: {version: v2}
      trafficPolicy:
        tls: {mode: DISABLE}`,
  `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: pay, namespace: shop}
spec:
  hosts: [pay]
  http:
    - route:
        - destination: {host: pay, subset: v2}`,
  deployment('edge', 'front', [8080, 9090]),
  deployment('edge', 'admin', [8080]),
  `apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: {name: front-http, namespace: edge}
spec:
  podSelector:
    matchLabels: {app: front}
  port: 8080`,
  `apiVersion: policy.linkerd.io/v1alpha1
kind: MeshTLSAuthentication
metadata: {name: admin-only, namespace: edge}
spec:
  identityRefs: [{kind: ServiceAccount, name: default}]`,
  `apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: {name: front-http, namespace: edge}
spec:
  targetRef: {group: policy.linkerd.io, kind: Server, name: front-http}
  requiredAuthenticationRefs:
    - {group: policy.linkerd.io, kind: MeshTLSAuthentication, name: admin-only}`,
];

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };

function collectionPath(o: Obj): string {
  const plural = o.kind === 'Namespace' ? 'namespaces' : o.kind === 'Deployment' ? 'deployments' : o.kind === 'Service' ? 'services' : CRDS.find(([g, , k]) => o.apiVersion.startsWith(`${g}/`) && k === o.kind)![3];
  const base = o.apiVersion === 'v1' ? '/api/v1' : `/apis/${o.apiVersion}`;
  return o.metadata.namespace ? `${base}/namespaces/${o.metadata.namespace}/${plural}` : `${base}/${plural}`;
}

const kshield = (args: string[]): Promise<Run> => kshieldAsync(args, { NO_COLOR: '1' });

describe('mesh custom resources on a real control plane (v1.20.2)', { skip: skipReason, timeout: 240_000 }, () => {
  let dir: string;
  let env: ClusterEnv;
  let manifest: string;

  function call(method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
    return new Promise((resolve, reject) => {
      const req = https.request(new URL(p, env.server), { method, ca: env.ca, headers: { Authorization: `Bearer ${env.admin}`, 'Content-Type': 'application/json', Accept: 'application/json' }, timeout: 20_000 }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${p} timed out`)));
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  /** POST, retrying while a new CRD's endpoint is not served yet (404) or a namespace's account is missing (403). */
  async function create(p: string, object: unknown): Promise<void> {
    for (let attempt = 0; attempt < 80; attempt++) {
      const r = await call('POST', p, object);
      if (r.status === 201 || r.status === 200) return;
      if (![403, 404, 500, 503].includes(r.status)) assert.fail(`POST ${p}: ${r.status} ${JSON.stringify(r.body?.message)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.fail(`POST ${p} kept failing`);
  }

  before(async () => {
    if (why) assert.fail(`KSHIELD_INTEGRATION=required but ${why}`);
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-k8s-mesh-'));
    const started = spawnSync(CLUSTER_SCRIPT, ['start', dir], { encoding: 'utf8', timeout: 180_000 });
    assert.equal(started.status, 0, `cluster start failed: ${started.stdout}${started.stderr}`);
    env = readClusterEnv(dir);
    for (const c of CRDS) await create('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd(c));
    for (const text of OBJECTS) {
      const o = yaml.load(text) as Obj;
      await create(collectionPath(o), o);
    }
    manifest = path.join(dir, 'mesh.yaml');
    writeFileSync(manifest, OBJECTS.join('\n---\n') + '\n');
  });

  after(() => {
    if (dir) {
      spawnSync(CLUSTER_SCRIPT, ['stop', dir], { encoding: 'utf8', timeout: 30_000 });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const key = (f: any): string => `${f.rule} ${f.resource.kind}/${f.resource.namespace}/${f.resource.name}: ${f.message}`;

  test('kshield cluster lists the mesh resources and reports the same mesh findings as a scan of the same objects', { timeout: 60_000 }, async () => {
    const scan = await kshield(['scan', manifest, '--only', 'mesh', '-o', 'json', '--fail-on', 'none']);
    assert.equal(scan.code, 0, scan.stderr);
    const live = await kshield(['cluster', '--kubeconfig', env.kubeconfig, '--only', 'mesh', '-o', 'json', '--fail-on', 'none']);
    assert.equal(live.code, 0, live.stderr);
    const report = JSON.parse(live.stdout);
    const covered = Object.fromEntries(report.coverage.covered.map((c: any) => [`${c.kind} ${c.apiVersion}`, true]));
    for (const [g, v, k] of CRDS) assert.ok(covered[`${k} ${g}/${v}`], `${k} ${g}/${v} listed: ${JSON.stringify(report.coverage.covered.map((c: any) => `${c.kind} ${c.apiVersion}`))}`);
    const fromFile = JSON.parse(scan.stdout).findings.map(key).sort();
    const fromCluster = report.findings.map(key).sort();
    assert.deepEqual(fromCluster, fromFile);
    // What the objects were built to show, each once.
    assert.deepEqual(fromFile.map((k: string) => k.split(':')[0]), [
      'linkerd-default-inbound-all-unauthenticated Deployment/edge/admin',
      'linkerd-default-inbound-all-unauthenticated Deployment/edge/front',
      'mesh-authorization-principals-without-mtls AuthorizationPolicy/shop/deny-legacy',
      'mesh-destinationrule-tls-disabled DestinationRule/shop/api',
      'mesh-destinationrule-tls-disabled DestinationRule/shop/pay',
      'mesh-mtls-not-strict Deployment/shop/api',
      'mesh-mtls-not-strict Deployment/shop/web',
    ]);
  });

  test('netpol reach --cluster carries the transport and mesh policy of each connection, as it does for the files', { timeout: 60_000 }, async () => {
    const live = await kshield(['netpol', 'reach', '--cluster', '--kubeconfig', env.kubeconfig, '-o', 'json']);
    assert.equal(live.code, 0, live.stderr);
    const files = await kshield(['netpol', 'reach', manifest, '-o', 'json']);
    assert.equal(files.code, 0, files.stderr);
    const pick = (stdout: string, src: string, dst: string): any => JSON.parse(stdout).connections.find((c: any) => c.src === src && c.dst === dst)?.mesh;
    const cases: [string, string, string][] = [
      // The DestinationRule for api's host turns mTLS off for its clients: plaintext, which PERMISSIVE accepts.
      ['shop/Deployment/web', 'shop/Deployment/api', 'plaintext'],
      ['shop/Deployment/web', 'shop/Deployment/pay', 'mtls'],
      ['edge/Deployment/admin', 'edge/Deployment/front', 'permissive'],
      ['shop/Deployment/web', 'edge/Deployment/front', 'plaintext'],
      ['0.0.0.0/0', 'shop/Deployment/web', 'unknown'],
    ];
    for (const [src, dst, transport] of cases) {
      const m = pick(live.stdout, src, dst);
      assert.equal(m?.transport, transport, `${src} -> ${dst}: ${JSON.stringify(m)}`);
      assert.deepEqual(m, pick(files.stdout, src, dst));
    }
    // The Linkerd Server on front's 8080 admits only admin's identity: a plaintext client is refused there, 9090 stays open.
    assert.deepEqual(pick(live.stdout, 'shop/Deployment/web', 'edge/Deployment/front').authorization, {
      effect: 'narrows',
      why: 'refuses port 8080: Server edge/front-http: none of AuthorizationPolicy edge/front-http authorizes it',
    });
    assert.equal(pick(live.stdout, 'shop/Deployment/web', 'shop/Deployment/api').why, "the client's sidecar sends plaintext: tls.mode DISABLE of DestinationRule shop/api");
    // pay is STRICT: what the VirtualService routes to subset v2 leaves web's sidecar in plaintext, and pay refuses it.
    assert.deepEqual(pick(live.stdout, 'shop/Deployment/web', 'shop/Deployment/pay').authorization, {
      effect: 'narrows',
      why: 'via Service shop/pay port 443, subset v2: STRICT mTLS (PeerAuthentication shop/pay) refuses the plaintext that tls.mode DISABLE of DestinationRule shop/pay, subset v2 makes the client send',
    });
    const table = await kshield(['netpol', 'reach', '--cluster', '--kubeconfig', env.kubeconfig]);
    assert.match(table.stdout, /^SOURCE\s+DESTINATION\s+PORTS\s+TRANSPORT\s+MESH POLICY$/m);
    assert.match(table.stdout, /^shop\/Deployment\/web\s+shop\/Deployment\/api\s+all\s+plaintext\s+-$/m);
  });
});
