/**
 * What a mesh does to one allowed connection (src/analysis/mesh-reach.ts), case by case from each
 * project's documentation: Istio's AuthorizationPolicy evaluation for one client (CUSTOM, then DENY,
 * then ALLOW; principals and namespaces only over mTLS), Istio's mTLS modes per port, Linkerd's
 * default inbound policies, Servers, AuthorizationPolicies and their MeshTLSAuthentication /
 * NetworkAuthentication references, Consul, and what the input cannot tell.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadText } from '../src/sources/files.js';
import { evaluateIstioAuthorization, meshInput, meshSide, workloadConnectionMesh, externalConnectionMesh, linkerdIdentity } from '../src/analysis/mesh-reach.js';
import { readAuthorizationPolicy } from '../src/analysis/mesh.js';
import { PortSet } from '../src/analysis/ports.js';
import type { Resource } from '../src/core/types.js';

function load(text: string): Resource[] {
  const loaded = loadText(text, 'test.yaml');
  assert.deepEqual(loaded.errors.map((e) => e.message), []);
  return loaded.resources;
}

describe('Istio AuthorizationPolicy for one client (CUSTOM, then DENY, then ALLOW)', () => {
  const FRONTEND = { principal: 'cluster.local/ns/shop/sa/frontend', namespace: 'shop' };
  const LEGACY = { principal: 'cluster.local/ns/legacy/sa/default', namespace: 'legacy' };
  const PLAINTEXT = {};
  const decide = (specs: [string, string][], client: object, port?: number): string => {
    const policies = specs.map(([ns, spec], i) =>
      readAuthorizationPolicy(load(`apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p${i}, namespace: ${ns}}\nspec: ${spec}`)[0]),
    );
    return evaluateIstioAuthorization(policies, 'shop', { app: 'web' }, 'istio-system', client, port).decision;
  };
  const ALLOW_FRONTEND = '{rules: [{from: [{source: {principals: [cluster.local/ns/shop/sa/frontend]}}]}]}';
  // [case, policies, client, port, decision]
  const cases: [string, [string, string][], object, number | undefined, string][] = [
    ['no policy: allowed', [], PLAINTEXT, undefined, 'allow'],
    ['an ALLOW policy without rules refuses every request', [['shop', '{action: ALLOW}']], FRONTEND, undefined, 'deny'],
    ['an ALLOW rule {} matches every request', [['shop', '{rules: [{}]}']], PLAINTEXT, undefined, 'allow'],
    ['ALLOW from a principal: that client is allowed', [['shop', ALLOW_FRONTEND]], FRONTEND, undefined, 'allow'],
    ['ALLOW from a principal: another client is refused', [['shop', ALLOW_FRONTEND]], LEGACY, undefined, 'deny'],
    ['ALLOW from a principal: a plaintext request has no principal and is refused', [['shop', ALLOW_FRONTEND]], PLAINTEXT, undefined, 'deny'],
    ['a principal pattern with a trailing *', [['shop', '{rules: [{from: [{source: {principals: ["cluster.local/ns/shop/*"]}}]}]}']], FRONTEND, undefined, 'allow'],
    ['DENY from a namespace refuses a client of it over mTLS', [['shop', '{action: DENY, rules: [{from: [{source: {namespaces: [legacy]}}]}]}']], LEGACY, undefined, 'deny'],
    ['DENY from a namespace: a plaintext request carries no namespace and escapes it', [['shop', '{action: DENY, rules: [{from: [{source: {namespaces: [legacy]}}]}]}']], PLAINTEXT, undefined, 'allow'],
    ['ALLOW notNamespaces admits a plaintext request', [['shop', '{rules: [{from: [{source: {notNamespaces: [legacy]}}]}]}']], PLAINTEXT, undefined, 'allow'],
    ['DENY {} wins over ALLOW {}', [['shop', '{rules: [{}]}'], ['shop', '{action: DENY, rules: [{}]}']], FRONTEND, undefined, 'deny'],
    ['a matching CUSTOM policy hands the request to the external authorizer', [['shop', '{action: CUSTOM, provider: {name: ext-authz}, rules: [{}]}']], FRONTEND, undefined, 'maybe'],
    ['a DENY of the client wins over CUSTOM', [['shop', '{action: CUSTOM, provider: {name: ext-authz}, rules: [{}]}'], ['shop', '{action: DENY, rules: [{}]}']], FRONTEND, undefined, 'deny'],
    ['ALLOW on paths: only some requests', [['shop', '{rules: [{to: [{operation: {paths: [/healthz]}}]}]}']], FRONTEND, undefined, 'maybe'],
    ['ALLOW to port 8080, request to 9090: refused', [['shop', '{rules: [{to: [{operation: {ports: ["8080"]}}]}]}']], FRONTEND, 9090, 'deny'],
    ['ALLOW to port 8080, request to 8080: allowed', [['shop', '{rules: [{to: [{operation: {ports: ["8080"]}}]}]}']], FRONTEND, 8080, 'allow'],
    ['a condition (when) makes it depend on the request', [['shop', '{rules: [{when: [{key: "request.headers[x-tenant]", values: [a]}]}]}']], FRONTEND, undefined, 'maybe'],
    ['a mesh-wide ALLOW without rules in the root namespace refuses everything', [['istio-system', '{action: ALLOW}']], FRONTEND, undefined, 'deny'],
    ['an AUDIT policy decides nothing', [['shop', '{action: AUDIT, rules: [{}]}']], FRONTEND, undefined, 'allow'],
    ['a DENY without rules matches nothing', [['shop', '{action: DENY}']], FRONTEND, undefined, 'allow'],
    ['ipBlocks are not known from manifests', [['shop', '{rules: [{from: [{source: {ipBlocks: [10.0.0.0/8]}}]}]}']], FRONTEND, undefined, 'maybe'],
  ];
  for (const [name, specs, client, port, expected] of cases) test(name, () => assert.equal(decide(specs, client, port), expected));
});

const ns = (name: string, labels = '{}', annotations = '{}'): string => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}, labels: ${labels}, annotations: ${annotations}}`;
/** A Deployment; `labels` and `annotations` are YAML flow entries added to its pod template's. */
const deploy = (namespace: string, name: string, ports: number[], { labels = '', annotations = '' } = {}): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}${labels ? `, ${labels}` : ''}}, annotations: {${annotations}}}
    spec:
      containers: [{name: app, image: registry.example.com/app:1, ports: [${ports.map((p) => `{containerPort: ${p}}`).join(', ')}]}]`;

/** transport, the per-port text when ports differ, and the authorization effect, for client → server. */
function connection(docs: string[], client = 'client', server = 'server', ports = PortSet.ALL): string {
  const resources = load(docs.join('\n---\n'));
  const input = meshInput(resources);
  const side = (name: string) => {
    const r = resources.find((x) => x.kind === 'Deployment' && x.name === name)!;
    return meshSide(input, r.namespace!, [r]);
  };
  const m = workloadConnectionMesh(input, side(client), side(server), ports);
  const perPort = m.ports ? ` [${m.ports.map((p) => `${p.port}:${p.transport}`).join(' ')}]` : '';
  return `${m.transport}${perPort}${m.authorization ? ` ${m.authorization.effect}` : ''}`;
}

const ISTIO_NS = ns('shop', '{istio-injection: enabled}');
const PA = (body: string, selector = ''): string => `apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: pa${selector ? '-server' : ''}, namespace: shop}\nspec:\n  ${selector ? 'selector: {matchLabels: {app: server}}\n  ' : ''}${body}`;
const LINKERD_NS = (annotations = ''): string => ns('shop', '{}', `{linkerd.io/inject: enabled${annotations ? `, ${annotations}` : ''}}`);
const SERVER = (extra = ''): string => `apiVersion: policy.linkerd.io/v1beta3\nkind: Server\nmetadata: {name: server-http, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: server}}\n  port: 8080${extra ? `\n  ${extra}` : ''}`;
const LINKERD_AP = (refs: string): string => `apiVersion: policy.linkerd.io/v1alpha1\nkind: AuthorizationPolicy\nmetadata: {name: server-http, namespace: shop}\nspec:\n  targetRef: {group: policy.linkerd.io, kind: Server, name: server-http}\n  requiredAuthenticationRefs: ${refs}`;
const MTLS_AUTHN = (spec: string): string => `apiVersion: policy.linkerd.io/v1alpha1\nkind: MeshTLSAuthentication\nmetadata: {name: clients, namespace: shop}\nspec: ${spec}`;
const NET_AUTHN = (cidr: string): string => `apiVersion: policy.linkerd.io/v1alpha1\nkind: NetworkAuthentication\nmetadata: {name: nets, namespace: shop}\nspec: {networks: [{cidr: ${cidr}}]}`;
const MESH_TLS_REF = '[{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: clients}]';

describe('transport and mesh policy of a connection', () => {
  const client = deploy('shop', 'client', [8080]);
  const server = (annotations = '', ports = [8080]) => deploy('shop', 'server', ports, { annotations });
  // [case, documents, expected "transport [per port] effect"]
  const cases: [string, string[], string][] = [
    // Istio: PeerAuthentication decides whether plaintext is refused; auto mTLS makes meshed clients use mTLS.
    ['Istio, nothing set: PERMISSIVE by default, the client sidecar still uses mTLS', [ISTIO_NS, client, server()], 'permissive'],
    ['Istio, namespace STRICT', [ISTIO_NS, PA('mtls: {mode: STRICT}'), client, server()], 'mtls'],
    ['Istio, STRICT, a client kept out of the mesh: plaintext, refused', [ISTIO_NS, PA('mtls: {mode: STRICT}'), deploy('shop', 'client', [8080], { labels: 'sidecar.istio.io/inject: "false"' }), server()], 'plaintext denies'],
    ['Istio, STRICT with port 9090 DISABLE: per port', [ISTIO_NS, PA('mtls: {mode: STRICT}\n  portLevelMtls: {"9090": {mode: DISABLE}}', 'server'), client, server('', [8080, 9090])], 'plaintext [8080:mtls 9090:plaintext]'],
    ['Istio, STRICT, port 9090 excluded from the sidecar', [ISTIO_NS, PA('mtls: {mode: STRICT}'), client, server('traffic.sidecar.istio.io/excludeInboundPorts: "9090"', [8080, 9090])], 'plaintext [8080:mtls 9090:plaintext]'],
    ['Istio, STRICT, an ALLOW for another principal refuses the client', [ISTIO_NS, PA('mtls: {mode: STRICT}'), 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: only-admin, namespace: shop}\nspec: {selector: {matchLabels: {app: server}}, rules: [{from: [{source: {principals: [cluster.local/ns/shop/sa/admin]}}]}]}', client, server()], 'mtls denies'],
    ['Istio, ALLOW on paths narrows', [ISTIO_NS, PA('mtls: {mode: STRICT}'), 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: paths, namespace: shop}\nspec: {rules: [{to: [{operation: {paths: [/api/*]}}]}]}', client, server()], 'mtls narrows'],
    ['Namespace object not in the input: unknown', [client, server()], 'unknown'],
    ['no mesh at all: plaintext', [ns('shop'), client, server()], 'plaintext'],
    ['client in Linkerd, server in Istio STRICT: plaintext, refused', [ISTIO_NS, PA('mtls: {mode: STRICT}'), deploy('shop', 'client', [8080], { labels: 'sidecar.istio.io/inject: "false"', annotations: 'linkerd.io/inject: enabled' }), server()], 'plaintext denies'],
    // Linkerd: default inbound policies ("Authorization Policy" reference).
    ['Linkerd, cluster default all-unauthenticated', [LINKERD_NS(), client, server()], 'permissive'],
    ['Linkerd, namespace all-authenticated', [LINKERD_NS('config.linkerd.io/default-inbound-policy: all-authenticated'), client, server()], 'mtls'],
    ['Linkerd, namespace deny and no Server', [LINKERD_NS('config.linkerd.io/default-inbound-policy: deny'), client, server()], 'mtls denies'],
    ['Linkerd, pod annotation overrides the namespace', [LINKERD_NS('config.linkerd.io/default-inbound-policy: deny'), client, server('config.linkerd.io/default-inbound-policy: cluster-authenticated')], 'mtls'],
    ['Linkerd, all-authenticated refuses a client outside the mesh', [LINKERD_NS('config.linkerd.io/default-inbound-policy: all-authenticated'), deploy('shop', 'client', [8080], { annotations: 'linkerd.io/inject: disabled' }), server()], 'plaintext denies'],
    ['Linkerd, a skipped inbound port is plaintext', [LINKERD_NS('config.linkerd.io/default-inbound-policy: all-authenticated'), client, server('config.linkerd.io/skip-inbound-ports: "9090"', [8080, 9090])], 'plaintext [8080:mtls 9090:plaintext]'],
    // Linkerd: a port a Server describes is denied unless its accessPolicy or an AuthorizationPolicy allows.
    ['Linkerd, a Server and no AuthorizationPolicy: denied', [LINKERD_NS(), SERVER(), client, server()], 'mtls denies'],
    ['Linkerd, a Server with accessPolicy all-unauthenticated', [LINKERD_NS(), SERVER('accessPolicy: all-unauthenticated'), client, server()], 'permissive'],
    ['Linkerd, MeshTLSAuthentication naming the client identity', [LINKERD_NS(), SERVER(), LINKERD_AP(MESH_TLS_REF), MTLS_AUTHN(`{identities: ["${linkerdIdentity('shop', 'default')}"]}`), client, server()], 'mtls'],
    ['Linkerd, MeshTLSAuthentication with identityRefs to the ServiceAccount', [LINKERD_NS(), SERVER(), LINKERD_AP(MESH_TLS_REF), MTLS_AUTHN('{identityRefs: [{kind: ServiceAccount, name: default}]}'), client, server()], 'mtls'],
    ['Linkerd, MeshTLSAuthentication naming another identity: refused', [LINKERD_NS(), SERVER(), LINKERD_AP(MESH_TLS_REF), MTLS_AUTHN('{identities: [admin.shop.serviceaccount.identity.linkerd.cluster.local]}'), client, server()], 'mtls denies'],
    ['Linkerd, identities "*" admits every meshed client, and only those', [LINKERD_NS(), SERVER(), LINKERD_AP(MESH_TLS_REF), MTLS_AUTHN('{identities: ["*"]}'), deploy('shop', 'client', [8080], { annotations: 'linkerd.io/inject: disabled' }), server()], 'plaintext denies'],
    ['Linkerd, NetworkAuthentication of every address: plaintext accepted', [LINKERD_NS(), SERVER(), LINKERD_AP('[{group: policy.linkerd.io, kind: NetworkAuthentication, name: nets}]'), NET_AUTHN('0.0.0.0/0'), client, server()], 'permissive'],
    ['Linkerd, NetworkAuthentication of a private range: pod addresses unknown', [LINKERD_NS(), SERVER(), LINKERD_AP('[{group: policy.linkerd.io, kind: NetworkAuthentication, name: nets}]'), NET_AUTHN('10.0.0.0/8'), client, server()], 'permissive narrows'],
    ['Linkerd, a Server on 8080 only: 9090 falls to the default policy', [LINKERD_NS(), SERVER(), client, server('', [8080, 9090])], 'permissive narrows'],
    // Consul's sidecar takes only mTLS.
    ['Consul, both injected', [ns('shop'), deploy('shop', 'client', [8080], { annotations: 'consul.hashicorp.com/connect-inject: "true"' }), server('consul.hashicorp.com/connect-inject: "true"')], 'mtls'],
  ];
  for (const [name, docs, expected] of cases) test(name, () => assert.equal(connection(docs), expected));

  test('only the ports the NetworkPolicies allow are judged', () => {
    const docs = [ISTIO_NS, PA('mtls: {mode: STRICT}\n  portLevelMtls: {"9090": {mode: DISABLE}}', 'server'), client, server('', [8080, 9090])];
    assert.equal(connection(docs, 'client', 'server', PortSet.of('TCP', 8080)), 'mtls');
  });

  test('a client outside the cluster is unknown, and STRICT refuses it', () => {
    const resources = load([ISTIO_NS, PA('mtls: {mode: STRICT}'), server()].join('\n---\n'));
    const input = meshInput(resources);
    const m = externalConnectionMesh(input, meshSide(input, 'shop', [resources.find((r) => r.kind === 'Deployment')!]), 'from-outside', PortSet.ALL);
    assert.equal(m.transport, 'unknown');
    assert.equal(m.authorization?.effect, 'denies');
  });
});

/** A Service selecting app=NAME; ports written `80:8080` (port:targetPort) or `9090`. */
const service = (namespace: string, name: string, ports: string[], labels = ''): string =>
  `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: ${namespace}${labels ? `, labels: {${labels}}` : ''}}\nspec:\n  selector: {app: ${name}}\n  ports: [${ports.map((p) => { const [port, target] = p.split(':'); return `{port: ${port}${target ? `, targetPort: ${target}` : ''}}`; }).join(', ')}]`;
const DR = (namespace: string, name: string, spec: string): string => `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec: ${spec}`;

describe('the client\'s DestinationRule TLS, per connection (Istio\'s ClientTLSSettings and DestinationRule lookup)', () => {
  const SHOP = ns('shop', '{istio-injection: enabled}');
  const FRONT = ns('front', '{istio-injection: enabled}');
  const ROOT = ns('istio-system');
  const client = deploy('shop', 'client', [8080]);
  const frontClient = deploy('front', 'client', [8080]);
  const server = (ports = [8080]) => deploy('shop', 'server', ports);
  const svc = service('shop', 'server', ['80:8080']);
  const STRICT = PA('mtls: {mode: STRICT}');
  const tls = (mode: string) => `{host: server, trafficPolicy: {tls: {mode: ${mode}}}}`;
  // [case, documents, expected "transport [per port] effect"]
  const cases: [string, string[], string][] = [
    ['no DestinationRule: auto mTLS, the server PERMISSIVE by default', [SHOP, client, server(), svc], 'permissive'],
    ['tls.mode DISABLE: the client sidecar sends plaintext', [SHOP, DR('shop', 'server', tls('DISABLE')), client, server(), svc], 'plaintext'],
    ['tls.mode DISABLE towards a STRICT server: plaintext, and the server refuses it', [SHOP, STRICT, DR('shop', 'server', tls('DISABLE')), client, server(), svc], 'plaintext denies'],
    ['a tls block without mode is DISABLE (the API default)', [SHOP, DR('shop', 'server', '{host: server, trafficPolicy: {tls: {sni: server.shop}}}'), client, server(), svc], 'plaintext'],
    ['no Service selects the server: no host for the rule to apply to', [SHOP, DR('shop', 'server', tls('DISABLE')), client, server()], 'permissive'],
    ['ISTIO_MUTUAL with STRICT: mTLS', [SHOP, STRICT, DR('shop', 'server', tls('ISTIO_MUTUAL')), client, server(), svc], 'mtls'],
    ['ISTIO_MUTUAL towards a server whose PeerAuthentication is DISABLE: the connection fails', [SHOP, PA('mtls: {mode: DISABLE}'), DR('shop', 'server', tls('ISTIO_MUTUAL')), client, server(), svc], 'plaintext denies'],
    ['SIMPLE towards a STRICT server: no client certificate, refused', [SHOP, STRICT, DR('shop', 'server', tls('SIMPLE')), client, server(), svc], 'unknown denies'],
    ['SIMPLE towards a PERMISSIVE server: encrypted only if the application speaks TLS', [SHOP, DR('shop', 'server', tls('SIMPLE')), client, server(), svc], 'unknown'],
    ['MUTUAL towards a STRICT server: only a certificate of the mesh CA gets in', [SHOP, STRICT, DR('shop', 'server', tls('MUTUAL')), client, server(), svc], 'unknown narrows'],
    ['portLevelSettings: port 9090 DISABLE, the rest ISTIO_MUTUAL', [SHOP, DR('shop', 'server', '{host: server, trafficPolicy: {tls: {mode: ISTIO_MUTUAL}, portLevelSettings: [{port: {number: 9090}, tls: {mode: DISABLE}}]}}'), client, server([8080, 9090]), service('shop', 'server', ['80:8080', '9090'])], 'plaintext [8080:permissive 9090:plaintext]'],
    ['a port entry without tls does not inherit the top-level DISABLE: that port is auto mTLS', [SHOP, STRICT, DR('shop', 'server', '{host: server, trafficPolicy: {tls: {mode: DISABLE}, portLevelSettings: [{port: {number: 80}, connectionPool: {tcp: {maxConnections: 10}}}]}}'), client, server([8080, 9090]), service('shop', 'server', ['80:8080', '9090'])], 'mtls narrows'],
    ['the client\'s namespace wins over the Service\'s', [SHOP, FRONT, DR('front', 'server', '{host: server.shop.svc.cluster.local, trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}}'), DR('shop', 'server', tls('DISABLE')), frontClient, server(), svc], 'permissive'],
    ['a short host is read in the rule\'s namespace: "server" in front is server.front, not this Service', [SHOP, FRONT, DR('front', 'server', tls('ISTIO_MUTUAL')), DR('shop', 'server', tls('DISABLE')), frontClient, server(), svc], 'plaintext'],
    ['the Service\'s namespace exports its rule to other namespaces by default', [SHOP, FRONT, DR('shop', 'server', tls('DISABLE')), frontClient, server(), svc], 'plaintext'],
    ['exportTo ".": not seen from another namespace', [SHOP, FRONT, DR('shop', 'server', '{host: server, exportTo: ["."], trafficPolicy: {tls: {mode: DISABLE}}}'), frontClient, server(), svc], 'permissive'],
    ['exportTo ".": seen from its own namespace', [SHOP, DR('shop', 'server', '{host: server, exportTo: ["."], trafficPolicy: {tls: {mode: DISABLE}}}'), client, server(), svc], 'plaintext'],
    ['a mesh-wide rule in the root namespace', [SHOP, ROOT, DR('istio-system', 'all', '{host: "*.local", trafficPolicy: {tls: {mode: DISABLE}}}'), client, server(), svc], 'plaintext'],
    ['the Service\'s namespace wins over the root namespace', [SHOP, ROOT, DR('istio-system', 'all', '{host: "*.local", trafficPolicy: {tls: {mode: DISABLE}}}'), DR('shop', 'server', tls('ISTIO_MUTUAL')), client, server(), svc], 'permissive'],
    ['in one namespace the exact host wins over a wildcard', [SHOP, DR('shop', 'all', '{host: "*.shop.svc.cluster.local", trafficPolicy: {tls: {mode: DISABLE}}}'), DR('shop', 'server', tls('ISTIO_MUTUAL')), client, server(), svc], 'permissive'],
    ['a workloadSelector rule applies to the clients it selects, before the others', [SHOP, DR('shop', 'server', tls('ISTIO_MUTUAL')), DR('shop', 'server-legacy', '{host: server, workloadSelector: {matchLabels: {app: client}}, trafficPolicy: {tls: {mode: DISABLE}}}'), client, server(), svc], 'plaintext'],
    ['a workloadSelector rule that does not select the client', [SHOP, DR('shop', 'server', tls('ISTIO_MUTUAL')), DR('shop', 'server-legacy', '{host: server, workloadSelector: {matchLabels: {app: other}}, trafficPolicy: {tls: {mode: DISABLE}}}'), client, server(), svc], 'permissive'],
    ['a subset\'s DISABLE with no route to the subset does not apply', [SHOP, DR('shop', 'server', '{host: server, subsets: [{name: v1, labels: {app: server}, trafficPolicy: {tls: {mode: DISABLE}}}]}'), client, server(), svc], 'permissive'],
    ['a subset\'s DISABLE applies to what a VirtualService routes to it', [SHOP, DR('shop', 'server', '{host: server, subsets: [{name: v1, labels: {app: server}, trafficPolicy: {tls: {mode: DISABLE}}}]}'), 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: server, namespace: shop}\nspec: {hosts: [server], http: [{route: [{destination: {host: server, subset: v1}}]}]}', client, server(), svc], 'plaintext'],
    ['ambient clients: ztunnel does not apply DestinationRule TLS', [ns('shop', '{istio.io/dataplane-mode: ambient}'), DR('shop', 'server', tls('DISABLE')), client, server(), svc], 'permissive'],
    ['ISTIO_MUTUAL towards a server outside the mesh: the connection fails', [SHOP, DR('shop', 'server', tls('ISTIO_MUTUAL')), client, deploy('shop', 'server', [8080], { labels: 'sidecar.istio.io/inject: "false"' }), svc], 'plaintext denies'],
    ['a client outside the mesh is not changed by the rule', [SHOP, DR('shop', 'server', tls('ISTIO_MUTUAL')), deploy('shop', 'client', [8080], { labels: 'sidecar.istio.io/inject: "false"' }), server(), svc], 'plaintext'],
  ];
  for (const [name, docs, expected] of cases) test(name, () => assert.equal(connection(docs), expected));

  test('the reason names the rule and what the server does with it', () => {
    const resources = load([SHOP, STRICT, DR('shop', 'server', tls('DISABLE')), client, server(), svc].join('\n---\n'));
    const input = meshInput(resources);
    const side = (name: string) => meshSide(input, 'shop', [resources.find((r) => r.kind === 'Deployment' && r.name === name)!]);
    const m = workloadConnectionMesh(input, side('client'), side('server'), PortSet.ALL);
    assert.equal(m.why, "the client's sidecar sends plaintext: tls.mode DISABLE of DestinationRule shop/server");
    assert.deepEqual(m.authorization, { effect: 'denies', why: 'STRICT mTLS (PeerAuthentication shop/pa) refuses the plaintext that tls.mode DISABLE of DestinationRule shop/server makes the client send' });
  });
});

describe('Istio AuthorizationPolicy targetRefs', () => {
  const policy = (targetRefs: string) => `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: waypoint-only, namespace: shop}\nspec: {targetRefs: [${targetRefs}], action: ALLOW}`;
  const svc = service('shop', 'server', ['80:8080']);
  const cases: [string, string[], string][] = [
    ['a sidecar does not apply a policy attached by targetRefs', [ISTIO_NS, policy('{kind: Service, group: "", name: server}'), deploy('shop', 'client', [8080]), deploy('shop', 'server', [8080]), svc], 'permissive'],
    ['ambient, the Service bound to a waypoint: the policy applies there, not judged', [ns('shop', '{istio.io/dataplane-mode: ambient, istio.io/use-waypoint: waypoint}'), policy('{kind: Service, group: "", name: server}'), deploy('shop', 'client', [8080]), deploy('shop', 'server', [8080]), svc], 'permissive narrows'],
    ['ambient, a policy on the waypoint Gateway', [ns('shop', '{istio.io/dataplane-mode: ambient}'), policy('{kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}'), deploy('shop', 'client', [8080]), deploy('shop', 'server', [8080]), service('shop', 'server', ['80:8080'], 'istio.io/use-waypoint: waypoint')], 'permissive narrows'],
    ['ambient without a waypoint: nothing enforces it', [ns('shop', '{istio.io/dataplane-mode: ambient}'), policy('{kind: Service, group: "", name: server}'), deploy('shop', 'client', [8080]), deploy('shop', 'server', [8080]), svc], 'permissive'],
  ];
  for (const [name, docs, expected] of cases) test(name, () => assert.equal(connection(docs), expected));
});

describe('Linkerd: an empty requiredAuthenticationRefs, and ServerAuthorization (policy.linkerd.io/v1beta1)', () => {
  const client = deploy('shop', 'client', [8080]);
  const server = deploy('shop', 'server', [8080]);
  const unmeshed = deploy('shop', 'client', [8080], { annotations: 'linkerd.io/inject: disabled' });
  const SAZ = (spec: string) => `apiVersion: policy.linkerd.io/v1beta1\nkind: ServerAuthorization\nmetadata: {name: server-clients, namespace: shop}\nspec: ${spec}`;
  const cases: [string, string[], string][] = [
    ['an AuthorizationPolicy with no authentication is ignored: the Server stays denied', [LINKERD_NS(), SERVER(), LINKERD_AP('[]'), client, server], 'mtls denies'],
    ['ServerAuthorization by Server name, meshTLS serviceAccounts naming the client', [LINKERD_NS(), SERVER(), SAZ('{server: {name: server-http}, client: {meshTLS: {serviceAccounts: [{name: default}]}}}'), client, server], 'mtls'],
    ['ServerAuthorization meshTLS serviceAccounts naming another account', [LINKERD_NS(), SERVER(), SAZ('{server: {name: server-http}, client: {meshTLS: {serviceAccounts: [{name: admin}]}}}'), client, server], 'mtls denies'],
    ['ServerAuthorization meshTLS identities "*": every meshed client', [LINKERD_NS(), SERVER(), SAZ('{server: {name: server-http}, client: {meshTLS: {identities: ["*"]}}}'), client, server], 'mtls'],
    ['ServerAuthorization meshTLS refuses a client outside the mesh', [LINKERD_NS(), SERVER(), SAZ('{server: {name: server-http}, client: {meshTLS: {unauthenticatedTLS: true}}}'), unmeshed, server], 'plaintext denies'],
    ['ServerAuthorization unauthenticated: plaintext accepted', [LINKERD_NS(), SERVER(), SAZ('{server: {name: server-http}, client: {unauthenticated: true}}'), unmeshed, server], 'plaintext'],
    ['ServerAuthorization by a selector over the Servers\' labels', [LINKERD_NS(), SERVER().replace('metadata: {name: server-http, namespace: shop}', 'metadata: {name: server-http, namespace: shop, labels: {tier: api}}'), SAZ('{server: {selector: {matchLabels: {tier: api}}}, client: {unauthenticated: true}}'), client, server], 'permissive'],
    ['ServerAuthorization of another Server does not apply', [LINKERD_NS(), SERVER(), SAZ('{server: {name: other}, client: {unauthenticated: true}}'), client, server], 'mtls denies'],
    ['ServerAuthorization limited to a network: pod addresses unknown', [LINKERD_NS(), SERVER(), SAZ('{server: {name: server-http}, client: {networks: [{cidr: 10.0.0.0/8}], unauthenticated: true}}'), client, server], 'permissive narrows'],
  ];
  for (const [name, docs, expected] of cases) test(name, () => assert.equal(connection(docs), expected));
});

describe('Consul intentions (ServiceIntentions)', () => {
  const inject = 'consul.hashicorp.com/connect-inject: "true"';
  const client = deploy('shop', 'client', [8080], { annotations: inject });
  const server = deploy('shop', 'server', [8080], { annotations: inject });
  const svcs = [service('shop', 'client', ['8080']), service('shop', 'server', ['8080'])];
  const SI = (destination: string, sources: string) => `apiVersion: consul.hashicorp.com/v1alpha1\nkind: ServiceIntentions\nmetadata: {name: ${destination === '*' ? 'all' : destination}, namespace: shop}\nspec: {destination: {name: "${destination}"}, sources: ${sources}}`;
  const cases: [string, string[], string][] = [
    ['no intention in the input: the ACL default policy decides, not judged', [ns('shop'), client, server, ...svcs], 'mtls'],
    ['an intention denying the client', [ns('shop'), client, server, ...svcs, SI('server', '[{name: client, action: deny}]')], 'mtls denies'],
    ['an intention allowing the client', [ns('shop'), client, server, ...svcs, SI('server', '[{name: client, action: allow}]')], 'mtls'],
    ['the exact source wins over "*"', [ns('shop'), client, server, ...svcs, SI('server', '[{name: "*", action: deny}, {name: client, action: allow}]')], 'mtls'],
    ['the exact destination wins over "*"', [ns('shop'), client, server, ...svcs, SI('*', '[{name: client, action: allow}]'), SI('server', '[{name: "*", action: deny}]')], 'mtls denies'],
    ['L7 permissions admit only some requests', [ns('shop'), client, server, ...svcs, SI('server', '[{name: client, permissions: [{action: allow, http: {pathPrefix: /api}}]}]')], 'mtls narrows'],
    ['the connect-service annotation names the service', [ns('shop'), client, deploy('shop', 'server', [8080], { annotations: `${inject}, consul.hashicorp.com/connect-service: payments` }), ...svcs, SI('payments', '[{name: client, action: deny}]')], 'mtls denies'],
  ];
  for (const [name, docs, expected] of cases) test(name, () => assert.equal(connection(docs), expected));
});
