import assert from 'node:assert/strict';
import { test } from 'node:test';
import { postureLink } from '../src/runtime/posture.js';
import { resourcesFromObjects } from '../src/sources/files.js';
import { ResourceSet } from '../src/k8s/resource-set.js';
import type { ImageObjectView } from '../src/images/image-object.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const podSpec = (sa: string, image: string, extra: Record<string, unknown> = {}) => ({
  serviceAccountName: sa,
  containers: [{ name: 'app', image, ports: [{ name: 'http', containerPort: 8080 }], ...extra }],
});

/** A shop: web (Deployment → ReplicaSet → Pod, privileged, its account bound to read every Secret) reachable from frontend only on 8080; frontend open. */
function cluster(): ResourceSet {
  const objects = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop' } } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: 'shop' } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop', uid: 'd1' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: podSpec('web', 'registry.example.com/shop/web:1.4.2', { securityContext: { privileged: true } }) } },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web-7d9f8c6b5', namespace: 'shop', uid: 'r1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd1', controller: true }] },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: podSpec('web', 'registry.example.com/shop/web:1.4.2', { securityContext: { privileged: true } }) } },
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-7d9f8c6b5-x2x4q', namespace: 'shop', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9f8c6b5', uid: 'r1', controller: true }] },
      spec: podSpec('web', 'registry.example.com/shop/web:1.4.2', { securityContext: { privileged: true } }),
      status: { containerStatuses: [{ name: 'app', imageID: `docker-pullable://registry.example.com/shop/web@${DIGEST}` }] },
    },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'frontend', namespace: 'shop', labels: { app: 'frontend' } }, spec: podSpec('default', 'registry.example.com/shop/frontend:2.0.0') },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'web-from-frontend', namespace: 'shop' },
      spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'frontend' } } }], ports: [{ port: 8080 }] }] },
    },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'secret-reader' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }] },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'web-secret-reader' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'secret-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'shop' }],
    },
  ];
  const loaded = resourcesFromObjects(objects);
  assert.deepEqual(loaded.errors, []);
  return new ResourceSet(loaded.resources);
}

const image: ImageObjectView = {
  apiVersion: 'kshield.io/v1',
  kind: 'ContainerImage',
  metadata: { name: 'registry.example.com/shop/web@' + DIGEST },
  image: { source: 'registry', manifestDigest: DIGEST },
  config: {},
  history: [],
  packages: [
    { name: 'openssl', version: '3.0.11-1', ecosystem: 'Debian:12', purl: 'pkg:deb/debian/openssl@3.0.11-1' },
    { name: 'zlib1g', version: '1:1.2.13', ecosystem: 'Debian:12', purl: 'pkg:deb/debian/zlib1g@1.2.13' },
  ],
  vulnerabilities: [
    { package: 1, id: 'CVE-2023-45853', aliases: [], severity: 'medium', explanation: 'x' },
    { package: 0, id: 'CVE-2024-0727', aliases: ['DSA-5621-1'], severity: 'high', fixed: '3.0.13-1', explanation: 'x' },
  ],
};

test("an alert's pod linked to its workload, open findings, vulnerable packages, reachability and RBAC paths", () => {
  const link = postureLink({ namespace: 'shop', pod: 'web-7d9f8c6b5-x2x4q' }, { objects: cluster(), images: [image] });
  assert.equal(link.found, true);
  assert.deepEqual(link.workload, { kind: 'Deployment', namespace: 'shop', name: 'web', objects: ['Pod shop/web-7d9f8c6b5-x2x4q', 'ReplicaSet shop/web-7d9f8c6b5', 'Deployment shop/web'] });
  assert.equal(link.serviceAccount, 'shop/web');
  // The privileged container is an open finding on the pod and on its owners (each is a place to fix).
  const privileged = link.findings.open.filter((f) => f.rule === 'privileged-container');
  assert.deepEqual(privileged.map((f) => f.object), ['Pod shop/web-7d9f8c6b5-x2x4q', 'ReplicaSet shop/web-7d9f8c6b5', 'Deployment shop/web']);
  assert.equal(privileged[0].path, '/spec/containers/0/securityContext/privileged');
  assert.ok(link.findings.counts.critical + link.findings.counts.high >= 3);
  // Most severe first; nothing about other objects (the frontend pod, the Role).
  for (let i = 1; i < link.findings.open.length; i++) assert.ok(['critical', 'high', 'medium', 'low', 'info'].indexOf(link.findings.open[i - 1].severity) <= ['critical', 'high', 'medium', 'low', 'info'].indexOf(link.findings.open[i].severity));
  assert.ok(link.findings.open.every((f) => f.object !== 'Pod shop/frontend' && !f.object.startsWith('ClusterRole')));
  // The image result matched by the running digest; most severe first.
  assert.equal(link.vulnerabilitiesAvailable, true);
  assert.deepEqual(link.images, [
    {
      container: 'app',
      image: 'registry.example.com/shop/web:1.4.2',
      scanned: true,
      counts: { critical: 0, high: 1, medium: 1, low: 0, info: 0 },
      vulnerabilities: [
        { id: 'CVE-2024-0727', aliases: ['DSA-5621-1'], severity: 'high', package: 'openssl', version: '3.0.11-1', fixed: '3.0.13-1' },
        { id: 'CVE-2023-45853', aliases: [], severity: 'medium', package: 'zlib1g', version: '1:1.2.13' },
      ],
    },
  ]);
  // Only frontend reaches it, on 8080; it reaches everything (no egress policy).
  assert.deepEqual(link.reachability?.inbound, [{ peer: 'shop/Pod/frontend', ports: ['TCP/8080'] }]);
  assert.ok(link.reachability?.outbound.some((c) => c.peer === 'shop/Pod/frontend' && c.ports === 'all'));
  assert.ok(link.reachability?.outbound.some((c) => c.peer === '0.0.0.0/0'));
  // Its account reads every Secret of the cluster.
  assert.equal(link.rbac?.serviceAccount, 'shop/web');
  assert.deepEqual(link.rbac?.paths.map((p) => p.goal), ['every Secret of the cluster'], JSON.stringify(link.rbac));
  assert.match(link.rbac!.paths[0].steps.join(' '), /secret-reader/);
  assert.deepEqual(link.rbac?.capabilities.map((c) => c.label), ['can read Secrets in every namespace']);
  assert.deepEqual(link.notes, []);
});

test('the frontend pod: open to everyone, reaching web on 8080 only, no RBAC, no image results given; an unknown pod says so', () => {
  const set = cluster();
  const front = postureLink({ namespace: 'shop', pod: 'frontend' }, { objects: set });
  assert.deepEqual(front.workload, { kind: 'Pod', namespace: 'shop', name: 'frontend', objects: ['Pod shop/frontend'] });
  assert.ok(front.reachability?.inbound.some((c) => c.peer === '0.0.0.0/0' && c.ports === 'all'));
  // web's ingress policy admits frontend: frontend reaches web on 8080.
  assert.ok(front.reachability?.outbound.some((c) => c.peer === 'shop/Deployment/web' && JSON.stringify(c.ports) === '["TCP/8080"]'), JSON.stringify(front.reachability?.outbound));
  assert.deepEqual(front.rbac?.capabilities, []);
  assert.deepEqual(front.rbac?.paths, []);
  assert.equal(front.vulnerabilitiesAvailable, false);
  assert.deepEqual(front.images, [{ container: 'app', image: 'registry.example.com/shop/frontend:2.0.0', scanned: false }]);
  assert.deepEqual(front.notes, ['no image results given: vulnerable packages not known']);
  const missing = postureLink({ namespace: 'shop', pod: 'gone' }, { objects: set });
  assert.equal(missing.found, false);
  assert.match(missing.notes[0], /pod shop\/gone is not among the \d+ objects known/);
});
