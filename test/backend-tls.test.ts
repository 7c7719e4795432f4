/**
 * TLS to backends (backend-plaintext-behind-tls), case by case: what ends TLS (an Ingress tls
 * section, a Gateway HTTPS listener in Terminate mode), what says the Service port is plain HTTP
 * (appProtocol as Kubernetes defines it, else Istio's port-name prefixes), and what encrypts the
 * hop anyway (ingress-nginx backend-protocol, ssl-passthrough, Traefik's serversscheme, a
 * BackendTLSPolicy, or both ends in one mesh).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadText } from '../src/sources/files.js';
import { evaluate } from '../src/engine/engine.js';
import { rules } from '../src/rules/index.js';

const RULE = rules.filter((r) => r.id === 'backend-plaintext-behind-tls');

function findings(docs: string[]): string[] {
  const loaded = loadText(docs.join('\n---\n'), 'test.yaml');
  assert.deepEqual(loaded.errors.map((e) => e.message), []);
  return evaluate(loaded.resources, { rules: RULE }).findings.map((f) => `${f.resource.kind}/${f.resource.name}`);
}

const service = (port: string, annotations = ''): string =>
  `apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop${annotations ? `, annotations: {${annotations}}` : ''}}\nspec:\n  selector: {app: web}\n  ports: [${port}]`;

const ingress = ({ tls = true, annotations = '', port = '{name: http}' } = {}): string => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop, namespace: shop${annotations ? `, annotations: {${annotations}}` : ''}}
spec:
  ingressClassName: nginx${tls ? '\n  tls: [{hosts: [shop.example.com], secretName: shop-tls}]' : ''}
  rules:
  - host: shop.example.com
    http:
      paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: ${port}}}}]`;

const gateway = (listener: string): string => `apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: edge, namespace: shop}\nspec:\n  gatewayClassName: example\n  listeners: [${listener}]`;
const HTTPS_LISTENER = '{name: https, protocol: HTTPS, port: 443, tls: {certificateRefs: [{name: shop-tls}]}}';
const ROUTE = 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web, namespace: shop}\nspec:\n  parentRefs: [{name: edge}]\n  rules: [{backendRefs: [{name: web, port: 80}]}]';
const backendTls = (targets: string, version = 'v1'): string =>
  `apiVersion: gateway.networking.k8s.io/${version}\nkind: BackendTLSPolicy\nmetadata: {name: web, namespace: shop}\nspec:\n  ${targets}\n  validation: {hostname: web.shop.svc, wellKnownCACertificates: System}`;

const deployment = (name: string, namespace: string, labels: string): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec:\n  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}${labels ? `, ${labels}` : ''}}}\n    spec:\n      containers: [{name: c, image: registry.example.com/${name}:1}]`;
const ISTIO_SHOP = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {istio-injection: enabled}}';
const NGINX = (labels: string) => deployment('ingress-nginx-controller', 'ingress-nginx', `app.kubernetes.io/name: ingress-nginx${labels ? `, ${labels}` : ''}`);

describe('backend-plaintext-behind-tls', () => {
  // [case, documents, expected findings]
  const cases: [string, string[], string[]][] = [
    ['TLS Ingress, Service port named http', [ingress(), service('{name: http, port: 80}')], ['Ingress/shop']],
    ['no tls section: ingress-tls-missing says it, not this rule', [ingress({ tls: false }), service('{name: http, port: 80}')], []],
    ['port name with a suffix (http-api)', [ingress({ port: '{name: http-api}' }), service('{name: http-api, port: 80}')], ['Ingress/shop']],
    ['port name grpc-web', [ingress({ port: '{name: grpc-web}' }), service('{name: grpc-web, port: 80}')], ['Ingress/shop']],
    ['port name https-api: TLS', [ingress({ port: '{name: https-api}' }), service('{name: https-api, port: 443}')], []],
    ['port name tcp: protocol not HTTP', [ingress({ port: '{name: tcp}' }), service('{name: tcp, port: 80}')], []],
    ['unnamed port without appProtocol: not judged', [ingress({ port: '{number: 80}' }), service('{port: 80}')], []],
    ['port chosen by number', [ingress({ port: '{number: 80}' }), service('{name: http, port: 80}')], ['Ingress/shop']],
    ['appProtocol kubernetes.io/ws', [ingress(), service('{name: http, port: 80, appProtocol: kubernetes.io/ws}')], ['Ingress/shop']],
    ['appProtocol kubernetes.io/wss wins over the name', [ingress(), service('{name: http, port: 80, appProtocol: kubernetes.io/wss}')], []],
    ['ingress-nginx backend-protocol HTTPS', [ingress({ annotations: 'nginx.ingress.kubernetes.io/backend-protocol: HTTPS' }), service('{name: http, port: 80}')], []],
    ['ingress-nginx backend-protocol GRPCS', [ingress({ annotations: 'nginx.ingress.kubernetes.io/backend-protocol: GRPCS' }), service('{name: http, port: 80}')], []],
    ['ingress-nginx backend-protocol AUTO_HTTP is not TLS', [ingress({ annotations: 'nginx.ingress.kubernetes.io/backend-protocol: AUTO_HTTP' }), service('{name: http, port: 80}')], ['Ingress/shop']],
    ['ssl-passthrough: TLS does not end at the controller', [ingress({ annotations: 'nginx.ingress.kubernetes.io/ssl-passthrough: "true"' }), service('{name: http, port: 80}')], []],
    ['Traefik serversscheme https on the Service', [ingress(), service('{name: http, port: 80}', 'traefik.ingress.kubernetes.io/service.serversscheme: https')], []],
    ['the Service is not in the input', [ingress()], []],
    // Gateway API.
    ['HTTPRoute on an HTTPS listener', [gateway(HTTPS_LISTENER), ROUTE, service('{name: http, port: 80}')], ['HTTPRoute/web']],
    ['HTTPRoute on an HTTP-only Gateway: gateway-listener-without-tls says it', [gateway('{name: http, protocol: HTTP, port: 80}'), ROUTE, service('{name: http, port: 80}')], []],
    ['BackendTLSPolicy (v1, targetRefs) on the Service', [gateway(HTTPS_LISTENER), ROUTE, service('{name: http, port: 80}'), backendTls('targetRefs: [{group: "", kind: Service, name: web}]')], []],
    ['BackendTLSPolicy (v1alpha2, targetRef)', [gateway(HTTPS_LISTENER), ROUTE, service('{name: http, port: 80}'), backendTls('targetRef: {group: "", kind: Service, name: web}', 'v1alpha2')], []],
    ['BackendTLSPolicy on another port of the Service (sectionName)', [gateway(HTTPS_LISTENER), ROUTE, service('{name: http, port: 80}'), backendTls('targetRefs: [{group: "", kind: Service, name: web, sectionName: admin}]')], ['HTTPRoute/web']],
    // Both ends in the mesh.
    ['backend in the Istio mesh, controller not in the input: the mesh may carry the hop', [ISTIO_SHOP, ingress(), service('{name: http, port: 80}'), deployment('web', 'shop', '')], []],
    ['backend in the Istio mesh, the ingress-nginx controller outside it', [ISTIO_SHOP, ingress(), service('{name: http, port: 80}'), deployment('web', 'shop', ''), NGINX('')], ['Ingress/shop']],
    ['backend and controller both in the Istio mesh', [ISTIO_SHOP, ingress(), service('{name: http, port: 80}'), deployment('web', 'shop', ''), NGINX('sidecar.istio.io/inject: "true"')], []],
  ];
  for (const [name, docs, expected] of cases) test(name, () => assert.deepEqual(findings(docs), expected));
});
