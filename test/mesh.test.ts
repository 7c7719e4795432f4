/**
 * Service-mesh semantics as each project documents them, case by case: which pods Istio (sidecar
 * and ambient), Linkerd and Consul take in, how Istio resolves PeerAuthentication (mesh-wide,
 * namespace, workload selector, portLevelMtls), and which AuthorizationPolicy matches a plaintext
 * request escapes. Each case is a small manifest; the expectations cite the documentation's rule.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadText } from '../src/sources/files.js';
import { podSpecs } from '../src/k8s/pods.js';
import {
  authorizationApplies, describeMtls, identitySources, isMatchAllRule, meshMembership, namespaceMeta, namespaceMetas,
  readAuthorizationPolicy, readPeerAuthentication, resolveMtls, summarizeAuthorization,
} from '../src/analysis/mesh.js';
import { evaluate } from '../src/engine/engine.js';
import { rules } from '../src/rules/index.js';
import { parseConfig, settingsFromConfig } from '../src/config/config-file.js';

function load(text: string) {
  const loaded = loadText(text, 'test.yaml');
  assert.deepEqual(loaded.errors.map((e) => e.message), []);
  return loaded.resources;
}

function namespace(labels: Record<string, string>, annotations: Record<string, string> = {}, name = 'shop'): string {
  return `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  labels: ${JSON.stringify(labels)}\n  annotations: ${JSON.stringify(annotations)}`;
}

function pod(labels: Record<string, string>, annotations: Record<string, string> = {}, extra = '', ns = 'shop', containers = '[{name: web, image: registry.example.com/web:1.0}]'): string {
  return `apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: ${ns}\n  labels: ${JSON.stringify({ app: 'web', ...labels })}\n  annotations: ${JSON.stringify(annotations)}\nspec:\n  ${extra ? `${extra}\n  ` : ''}containers: ${containers}`;
}

/** The mesh the pod is in ('-' for none) and the meshes it is kept out of. */
function membershipOf(nsDoc: string | undefined, podDoc: string): { mesh: string; excluded: string[] } {
  const resources = load([nsDoc, podDoc].filter(Boolean).join('\n---\n'));
  const metas = namespaceMetas(resources.filter((r) => r.kind === 'Namespace'));
  const p = resources.find((r) => r.kind === 'Pod')!;
  const m = meshMembership(podSpecs(p)[0], namespaceMeta(metas, p.namespace ?? 'default'));
  return { mesh: m.mesh ?? '-', excluded: m.excluded.map((e) => e.mesh) };
}

describe('mesh membership', () => {
  // [case, namespace labels, namespace annotations, pod labels, pod annotations, pod spec extra, expected mesh, expected exclusions]
  const cases: [string, Record<string, string> | undefined, Record<string, string>, Record<string, string>, Record<string, string>, string, string, string[]][] = [
    // Istio "Installing the Sidecar", injection policy: either side disabled -> not injected; either enabled -> injected; neither -> not.
    ['istio-injection=enabled namespace, pod silent', { 'istio-injection': 'enabled' }, {}, {}, {}, '', 'istio-sidecar', []],
    ['enabled namespace, pod label inject "false"', { 'istio-injection': 'enabled' }, {}, { 'sidecar.istio.io/inject': 'false' }, {}, '', '-', ['istio-sidecar']],
    ['enabled namespace, pod annotation inject "false" (still honoured by the injector)', { 'istio-injection': 'enabled' }, {}, {}, { 'sidecar.istio.io/inject': 'false' }, '', '-', ['istio-sidecar']],
    ['disabled namespace, pod label inject "true": disabled wins', { 'istio-injection': 'disabled' }, {}, { 'sidecar.istio.io/inject': 'true' }, {}, '', '-', []],
    ['unlabelled namespace, pod label inject "true"', {}, {}, { 'sidecar.istio.io/inject': 'true' }, {}, '', 'istio-sidecar', []],
    ['unlabelled namespace, pod annotation inject "true": the webhook selects on labels only', {}, {}, {}, { 'sidecar.istio.io/inject': 'true' }, '', '-', []],
    ['pod label "true" and annotation "false": the label wins', { 'istio-injection': 'enabled' }, {}, { 'sidecar.istio.io/inject': 'true' }, { 'sidecar.istio.io/inject': 'false' }, '', 'istio-sidecar', []],
    ['namespace istio.io/rev', { 'istio.io/rev': 'canary' }, {}, {}, {}, '', 'istio-sidecar', []],
    ['istio-injection=disabled wins over istio.io/rev', { 'istio-injection': 'disabled', 'istio.io/rev': 'canary' }, {}, {}, {}, '', '-', []],
    ['pod label istio.io/rev in an unlabelled namespace', {}, {}, { 'istio.io/rev': 'canary' }, {}, '', 'istio-sidecar', []],
    ['hostNetwork pod in an injected namespace', { 'istio-injection': 'enabled' }, {}, {}, {}, 'hostNetwork: true', '-', ['istio-sidecar']],
    ['Namespace object not in the input: only the pod counts', undefined, {}, {}, {}, '', '-', []],
    // Istio ambient, "Add workloads to the mesh": the label on the namespace or the pod; none opts out; a sidecar takes precedence.
    ['ambient namespace', { 'istio.io/dataplane-mode': 'ambient' }, {}, {}, {}, '', 'istio-ambient', []],
    ['ambient namespace, pod dataplane-mode=none', { 'istio.io/dataplane-mode': 'ambient' }, {}, { 'istio.io/dataplane-mode': 'none' }, {}, '', '-', ['istio-ambient']],
    ['pod dataplane-mode=ambient in an unlabelled namespace', {}, {}, { 'istio.io/dataplane-mode': 'ambient' }, {}, '', 'istio-ambient', []],
    ['ambient and sidecar-injected namespace: the sidecar wins', { 'istio.io/dataplane-mode': 'ambient', 'istio-injection': 'enabled' }, {}, {}, {}, '', 'istio-sidecar', []],
    ['ambient namespace, pod kept out of sidecar injection: ztunnel captures it', { 'istio.io/dataplane-mode': 'ambient', 'istio-injection': 'enabled' }, {}, { 'sidecar.istio.io/inject': 'false' }, {}, '', 'istio-ambient', ['istio-sidecar']],
    ['ambient namespace, hostNetwork pod', { 'istio.io/dataplane-mode': 'ambient' }, {}, {}, {}, 'hostNetwork: true', '-', ['istio-ambient']],
    // Linkerd, "Automatic proxy injection": the annotation on the namespace or the pod template, the pod's winning.
    ['Linkerd namespace', {}, { 'linkerd.io/inject': 'enabled' }, {}, {}, '', 'linkerd', []],
    ['Linkerd namespace, pod disabled', {}, { 'linkerd.io/inject': 'enabled' }, {}, { 'linkerd.io/inject': 'disabled' }, '', '-', ['linkerd']],
    ['pod linkerd.io/inject: ingress', {}, {}, {}, { 'linkerd.io/inject': 'ingress' }, '', 'linkerd', []],
    ['Linkerd namespace disabled, pod enabled', {}, { 'linkerd.io/inject': 'disabled' }, {}, { 'linkerd.io/inject': 'enabled' }, '', 'linkerd', []],
    ['Linkerd namespace, hostNetwork pod', {}, { 'linkerd.io/inject': 'enabled' }, {}, {}, 'hostNetwork: true', '-', ['linkerd']],
    // Consul: connectInject.default is false, so the pod annotation enrols it.
    ['Consul annotation', {}, {}, {}, { 'consul.hashicorp.com/connect-inject': 'true' }, '', 'consul', []],
  ];
  for (const [name, nsLabels, nsAnnotations, podLabels, podAnnotations, extra, mesh, excluded] of cases)
    test(name, () => {
      assert.deepEqual(membershipOf(nsLabels ? namespace(nsLabels, nsAnnotations) : undefined, pod(podLabels, podAnnotations, extra)), { mesh, excluded });
    });

  test('kube-system is never injected, whatever its labels', () => {
    assert.deepEqual(membershipOf(namespace({ 'istio-injection': 'enabled' }, {}, 'kube-system'), pod({}, {}, '', 'kube-system')), { mesh: '-', excluded: [] });
  });

  test('a pod template already holding istio-proxy (istioctl kube-inject) is in the mesh', () => {
    assert.equal(membershipOf(undefined, pod({}, {}, '', 'shop', '[{name: web, image: registry.example.com/web:1.0}, {name: istio-proxy, image: docker.io/istio/proxyv2:1.24.0}]')).mesh, 'istio-sidecar');
  });
});

function peerAuthn(namespace: string, name: string, spec: string, created?: string): string {
  return `apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: ${name}\n  namespace: ${namespace}${created ? `\n  creationTimestamp: "${created}"` : ''}\nspec: ${spec}`;
}

/** describeMtls of the pod labels {app: web} in namespace shop under these policies. */
function mtls(root: string, ...docs: string[]): string {
  const policies = docs.length ? load(docs.join('\n---\n')).map(readPeerAuthentication) : [];
  return describeMtls(resolveMtls(policies, 'shop', { app: 'web', version: 'v1' }, root));
}

describe('PeerAuthentication resolution', () => {
  const R = 'istio-system';
  const cases: [string, string[], string][] = [
    ['nothing set: PERMISSIVE', [], "PERMISSIVE (no PeerAuthentication applies: Istio's default)"],
    ['mesh-wide STRICT', [peerAuthn(R, 'default', '{mtls: {mode: STRICT}}')], 'STRICT (mesh-wide PeerAuthentication istio-system/default)'],
    ['namespace wins over mesh', [peerAuthn(R, 'default', '{mtls: {mode: STRICT}}'), peerAuthn('shop', 'default', '{mtls: {mode: PERMISSIVE}}')], 'PERMISSIVE (namespace-wide PeerAuthentication shop/default)'],
    ['workload wins over namespace and mesh', [peerAuthn(R, 'default', '{mtls: {mode: PERMISSIVE}}'), peerAuthn('shop', 'default', '{mtls: {mode: STRICT}}'), peerAuthn('shop', 'web', '{selector: {matchLabels: {app: web}}, mtls: {mode: DISABLE}}')], 'DISABLE (PeerAuthentication shop/web)'],
    ['workload UNSET inherits the namespace', [peerAuthn('shop', 'default', '{mtls: {mode: STRICT}}'), peerAuthn('shop', 'web', '{selector: {matchLabels: {app: web}}, mtls: {mode: UNSET}}')], 'STRICT (namespace-wide PeerAuthentication shop/default)'],
    ['no mtls field is UNSET: namespace inherits the mesh', [peerAuthn(R, 'default', '{mtls: {mode: STRICT}}'), peerAuthn('shop', 'default', '{}')], 'STRICT (mesh-wide PeerAuthentication istio-system/default)'],
    ['a selector that does not match the pod', [peerAuthn('shop', 'default', '{mtls: {mode: STRICT}}'), peerAuthn('shop', 'db', '{selector: {matchLabels: {app: db}}, mtls: {mode: DISABLE}}')], 'STRICT (namespace-wide PeerAuthentication shop/default)'],
    ['a selector policy in the root namespace is ignored', [peerAuthn(R, 'web', '{selector: {matchLabels: {app: web}}, mtls: {mode: STRICT}}')], "PERMISSIVE (no PeerAuthentication applies: Istio's default)"],
    ['a selector with empty matchLabels is namespace-wide', [peerAuthn('shop', 'all', '{selector: {matchLabels: {}}, mtls: {mode: STRICT}}')], 'STRICT (namespace-wide PeerAuthentication shop/all)'],
    ['portLevelMtls of a workload policy', [peerAuthn('shop', 'web', '{selector: {matchLabels: {app: web}}, mtls: {mode: STRICT}, portLevelMtls: {"8080": {mode: DISABLE}, "9090": {mode: STRICT}}}')], 'STRICT (PeerAuthentication shop/web), and port 8080 DISABLE (portLevelMtls of PeerAuthentication shop/web)'],
    ['portLevelMtls with the workload mode UNSET inherits the rest from the namespace', [peerAuthn('shop', 'default', '{mtls: {mode: STRICT}}'), peerAuthn('shop', 'web', '{selector: {matchLabels: {app: web}}, portLevelMtls: {"8080": {mode: PERMISSIVE}}}')], 'STRICT (namespace-wide PeerAuthentication shop/default), and port 8080 PERMISSIVE (portLevelMtls of PeerAuthentication shop/web)'],
    ['portLevelMtls without a selector does not count', [peerAuthn('shop', 'default', '{mtls: {mode: STRICT}, portLevelMtls: {"8080": {mode: DISABLE}}}')], 'STRICT (namespace-wide PeerAuthentication shop/default)'],
    ['a port UNSET keeps the workload mode', [peerAuthn('shop', 'web', '{selector: {matchLabels: {app: web}}, mtls: {mode: STRICT}, portLevelMtls: {"8080": {mode: UNSET}}}')], 'STRICT (PeerAuthentication shop/web)'],
    ['two namespace-wide policies: the oldest applies', [peerAuthn('shop', 'newer', '{mtls: {mode: PERMISSIVE}}', '2026-02-01T00:00:00Z'), peerAuthn('shop', 'older', '{mtls: {mode: STRICT}}', '2025-01-01T00:00:00Z')], 'STRICT (namespace-wide PeerAuthentication shop/older)'],
    ['two workload policies: the oldest applies', [peerAuthn('shop', 'b', '{selector: {matchLabels: {version: v1}}, mtls: {mode: DISABLE}}', '2026-02-01T00:00:00Z'), peerAuthn('shop', 'a', '{selector: {matchLabels: {app: web}}, mtls: {mode: STRICT}}', '2025-01-01T00:00:00Z')], 'STRICT (PeerAuthentication shop/a)'],
  ];
  for (const [name, docs, expected] of cases) test(name, () => assert.equal(mtls(R, ...docs), expected));

  test('the root namespace is a setting: istio-system is then an ordinary namespace', () => {
    const docs = [peerAuthn('istio-system', 'default', '{mtls: {mode: STRICT}}'), peerAuthn('mesh-root', 'default', '{mtls: {mode: DISABLE}}')];
    assert.equal(mtls('mesh-root', ...docs), 'DISABLE (mesh-wide PeerAuthentication mesh-root/default)');
  });
});

function authz(namespace: string, spec: string) {
  return readAuthorizationPolicy(load(`apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p, namespace: ${namespace}}\nspec: ${spec}`)[0]);
}

describe('AuthorizationPolicy', () => {
  test('which rules match every request', () => {
    assert.equal(isMatchAllRule({}), true);
    assert.equal(isMatchAllRule({ from: [], to: [] }), true);
    assert.equal(isMatchAllRule({ to: [{ operation: { ports: ['8080'] } }] }), false);
  });

  test('a plaintext request escapes DENY with principals/namespaces and ALLOW with notPrincipals/notNamespaces, and only those', () => {
    const spec = (action: string) => `{action: ${action}, rules: [{from: [{source: {principals: [a], notPrincipals: [b], namespaces: [c], notNamespaces: [d]}}]}]}`;
    const bypass = (action: string) => identitySources(authz('shop', spec(action))).filter((s) => s.bypassable).map((s) => s.field);
    assert.deepEqual(bypass('DENY'), ['principals', 'namespaces']);
    assert.deepEqual(bypass('ALLOW'), ['notPrincipals', 'notNamespaces']);
    assert.deepEqual(bypass('CUSTOM'), []);
  });

  test('a policy applies by selector in its namespace, and to every namespace from the root namespace', () => {
    assert.equal(authorizationApplies(authz('shop', '{selector: {matchLabels: {app: web}}}'), 'shop', { app: 'web' }, 'istio-system'), true);
    assert.equal(authorizationApplies(authz('shop', '{selector: {matchLabels: {app: web}}}'), 'shop', { app: 'db' }, 'istio-system'), false);
    assert.equal(authorizationApplies(authz('shop', '{}'), 'other', { app: 'web' }, 'istio-system'), false);
    assert.equal(authorizationApplies(authz('istio-system', '{}'), 'other', { app: 'web' }, 'istio-system'), true);
    assert.equal(authorizationApplies(authz('shop', '{targetRefs: [{kind: Service, group: "", name: web}]}'), 'shop', { app: 'web' }, 'istio-system'), false);
  });
});

describe('AuthorizationPolicy evaluation (CUSTOM, then DENY, then ALLOW)', () => {
  const verdict = (...specs: [string, string][]) =>
    summarizeAuthorization(specs.map(([ns, spec]) => authz(ns, spec)), 'shop', { app: 'web' }, 'istio-system').verdict;
  const cases: [string, [string, string][], string][] = [
    ['no policy: everything allowed', [], 'no-policy'],
    ['an ALLOW policy without rules refuses everything', [['shop', '{action: ALLOW}']], 'deny-all'],
    ['an ALLOW rule {} allows everything', [['shop', '{rules: [{}]}']], 'allow-all'],
    ['ALLOW {} next to an ALLOW without rules: the request matches one ALLOW', [['shop', '{action: ALLOW}'], ['shop', '{rules: [{}]}']], 'allow-all'],
    ['a DENY rule {} refuses everything, whatever ALLOW says', [['shop', '{rules: [{}]}'], ['shop', '{action: DENY, rules: [{}]}']], 'deny-all'],
    ['ALLOW {} under a CUSTOM policy is restricted by the external authorizer', [['shop', '{rules: [{}]}'], ['shop', '{action: CUSTOM, provider: {name: ext-authz}, rules: [{}]}']], 'restricted'],
    ['a DENY policy without rules matches nothing, so refuses nothing', [['shop', '{action: DENY}']], 'no-policy'],
    ['ALLOW from one principal', [['shop', '{rules: [{from: [{source: {principals: [cluster.local/ns/shop/sa/frontend]}}]}]}']], 'restricted'],
    ['an AUDIT policy decides nothing', [['shop', '{action: AUDIT, rules: [{}]}']], 'no-policy'],
    ['a mesh-wide ALLOW without rules in the root namespace', [['istio-system', '{action: ALLOW}']], 'deny-all'],
    ['a policy of another namespace does not apply', [['other', '{action: ALLOW}']], 'no-policy'],
  ];
  for (const [name, specs, expected] of cases) test(name, () => assert.equal(verdict(...specs), expected));
});

describe('mesh rules through the engine', () => {
  const meshRuleIds = new Set(['mesh-mtls-not-strict', 'workload-outside-mesh', 'mesh-authorization-principals-without-mtls', 'linkerd-default-inbound-all-unauthenticated']);
  const run = (text: string, settings = {}) =>
    evaluate(load(text), { rules: rules.filter((r) => meshRuleIds.has(r.id)), settings }).findings.map((f) => `${f.rule} ${f.resource.kind}/${f.resource.name}`);

  test('istioRootNamespace moves the mesh-wide policy', () => {
    const text = [namespace({ 'istio-injection': 'enabled' }), pod({}), peerAuthn('mesh-root', 'default', '{mtls: {mode: STRICT}}')].join('\n---\n');
    assert.deepEqual(run(text), ['mesh-mtls-not-strict Pod/web']);
    assert.deepEqual(run(text, { istioRootNamespace: 'mesh-root' }), []);
  });

  test('a workload outside every mesh gets no mesh finding', () => {
    assert.deepEqual(run([namespace({}), pod({})].join('\n---\n')), []);
  });

  test('one finding per cause: a pod kept out of Istio is not also judged for its mTLS', () => {
    const text = [namespace({ 'istio-injection': 'enabled' }), pod({ 'sidecar.istio.io/inject': 'false' })].join('\n---\n');
    assert.deepEqual(run(text), ['workload-outside-mesh Pod/web']);
  });

  test('.kshield.yaml sets istioRootNamespace, and refuses a value that is not a namespace name', () => {
    assert.equal(settingsFromConfig(parseConfig('istioRootNamespace: mesh-root\n', '.kshield.yaml', rules)).istioRootNamespace, 'mesh-root');
    assert.throws(() => parseConfig('istioRootNamespace: Mesh_Root\n', '.kshield.yaml', rules), /istioRootNamespace/);
  });
});
