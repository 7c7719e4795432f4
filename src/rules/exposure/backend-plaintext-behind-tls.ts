import type { JsonObject, Resource, Violation } from '../../core/types.js';
import type { RuleContext } from '../../engine/rule.js';
import { asArray, asNumber, asString, fieldAt, isObject } from '../../core/values.js';
import { meshMembership, namespaceMeta, namespaceMetas, podsOf, type MeshName } from '../../analysis/mesh.js';
import { defineRule } from '../define.js';
import { EXPOSURE, INGRESS_DOC, annotations, selectedWorkloads, servicePorts, spec } from './shared.js';

const BACKEND_PROTOCOL = 'nginx.ingress.kubernetes.io/backend-protocol';
const SSL_PASSTHROUGH = 'nginx.ingress.kubernetes.io/ssl-passthrough';
const TRAEFIK_SCHEME = 'traefik.ingress.kubernetes.io/service.serversscheme';
const BACKEND_TLS_DOC = 'https://gateway-api.sigs.k8s.io/api-types/backendtlspolicy/';
const NGINX_BACKEND_DOC = 'https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#backend-protocol';
const APP_PROTOCOL_DOC = 'https://kubernetes.io/docs/concepts/services-networking/service/#application-protocol';
const ISTIO_PROTOCOL_DOC = 'https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/';

/** ingress-nginx backend protocols that encrypt the hop to the backend. */
const ENCRYPTED_BACKEND_PROTOCOLS = new Set(['HTTPS', 'GRPCS']);

/** Pod label values (app.kubernetes.io/name) of ingress controllers and Gateway implementations, to tell whether the proxy side is meshed. */
const PROXY_NAMES = new Set(['ingress-nginx', 'traefik', 'haproxy-ingress', 'kubernetes-ingress', 'contour', 'envoy', 'istio-ingressgateway', 'emissary-ingress', 'kong', 'nginx-gateway-fabric', 'envoy-gateway']);

/**
 * What a Service port says it speaks: plain HTTP (appProtocol http, kubernetes.io/h2c or
 * kubernetes.io/ws; else a name Istio's protocol selection reads as http, http2, grpc, grpc-web or
 * h2c, optionally with a -suffix), TLS (appProtocol https, kubernetes.io/wss; a name https- or
 * tls-), or nothing known.
 */
export function declaredProtocol(port: JsonObject): { plain: boolean; tls: boolean; how: string } {
  const appProtocol = asString(port.appProtocol)?.toLowerCase();
  if (appProtocol !== undefined) {
    if (['http', 'kubernetes.io/h2c', 'kubernetes.io/ws', 'h2c', 'grpc', 'http2'].includes(appProtocol)) return { plain: true, tls: false, how: `appProtocol ${port.appProtocol}` };
    return { plain: false, tls: ['https', 'kubernetes.io/wss', 'tls', 'grpcs'].includes(appProtocol), how: `appProtocol ${port.appProtocol}` };
  }
  const name = asString(port.name)?.toLowerCase();
  if (name === undefined) return { plain: false, tls: false, how: '' };
  // Istio reads the part before the first "-" (grpc-web being one name).
  const prefix = name === 'grpc-web' || name.startsWith('grpc-web-') ? 'grpc-web' : name.split('-')[0];
  if (['http', 'http2', 'grpc', 'grpc-web', 'h2c'].includes(prefix)) return { plain: true, tls: false, how: `port name "${port.name}"` };
  return { plain: false, tls: prefix === 'https' || prefix === 'tls', how: `port name "${port.name}"` };
}

type Family = 'istio' | 'linkerd' | 'consul';
const family = (mesh: MeshName | undefined): Family | undefined => (mesh === 'istio-sidecar' || mesh === 'istio-ambient' ? 'istio' : mesh);

interface Backend {
  service: string;
  /** Service port number or name as the route names it. */
  port?: number | string;
  path: string;
}

/**
 * Whether the mesh may carry the hop: the backend's pods are in a mesh, and the proxy's own pods
 * (a known ingress controller or gateway in the input) are in the same one or not in the input at
 * all (then unknown, and not reported).
 */
function meshCarries(backendOwners: readonly Resource[], context: RuleContext): boolean {
  const namespaces = namespaceMetas(context.resources.ofKind('Namespace'));
  const meshOf = (r: Resource): Family | undefined => {
    for (const { pod } of podsOf(r)) return family(meshMembership(pod, namespaceMeta(namespaces, r.namespace ?? 'default')).mesh);
    return undefined;
  };
  const backendMeshes = new Set(backendOwners.map(meshOf));
  if (backendMeshes.has(undefined)) return false;
  const proxies = context.resources.all.filter((r) => podsOf(r).some(({ labels }) => PROXY_NAMES.has(labels['app.kubernetes.io/name'] ?? '') || PROXY_NAMES.has(labels.app ?? '')));
  if (proxies.length === 0) return true;
  return proxies.some((p) => backendMeshes.has(meshOf(p)));
}

/** Backends that speak plain HTTP on the port the route names, with why. */
function plainBackends(resource: Resource, context: RuleContext, backends: Backend[], encrypted: (service: Resource, portName: string | undefined) => boolean): Violation[] {
  const namespace = resource.namespace ?? 'default';
  const services = context.resources.ofKind('Service').filter((s) => (s.namespace ?? 'default') === namespace);
  const out: Violation[] = [];
  const seen = new Set<string>();
  for (const b of backends) {
    const service = services.find((s) => s.name === b.service);
    if (!service) continue;
    const port = servicePorts(service).find(({ port }) => (typeof b.port === 'number' ? port.port === b.port : typeof b.port === 'string' ? port.name === b.port : servicePorts(service).length === 1));
    if (!port) continue;
    const declared = declaredProtocol(port.port);
    if (!declared.plain || encrypted(service, asString(port.port.name))) continue;
    const owners = selectedWorkloads(service, context);
    if (owners && meshCarries(owners, context)) continue;
    const key = `${service.name}/${port.index}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      path: b.path,
      message: `${resource.kind} "${resource.name}" terminates TLS but forwards to Service "${service.name}" port ${asNumber(port.port.port) ?? '?'}, plain HTTP by its ${declared.how}: the hop from the proxy to the application is unencrypted unless a service mesh carries it`,
    });
  }
  return out;
}

function ingressBackends(s: JsonObject): Backend[] {
  const out: Backend[] = [];
  const add = (backend: unknown, path: string): void => {
    const service = fieldAt(backend, 'service');
    const name = asString(fieldAt(service, 'name'));
    if (name === undefined) return;
    out.push({ service: name, port: asNumber(fieldAt(service, 'port', 'number')) ?? asString(fieldAt(service, 'port', 'name')), path: `${path}/service` });
  };
  add(s.defaultBackend, '/spec/defaultBackend');
  asArray(s.rules).forEach((r, i) => asArray(fieldAt(r, 'http', 'paths')).forEach((p, j) => add(fieldAt(p, 'backend'), `/spec/rules/${i}/http/paths/${j}/backend`)));
  return out;
}

/** BackendTLSPolicies of the namespace that target the Service (v1alpha3/v1 targetRefs, v1alpha2 targetRef), optionally on one port name. */
function backendTlsTargets(context: RuleContext, namespace: string): (service: Resource, portName: string | undefined) => boolean {
  const policies = context.resources.ofKind('BackendTLSPolicy').filter((p) => p.apiVersion.startsWith('gateway.networking.k8s.io/') && (p.namespace ?? 'default') === namespace);
  const refs = policies.flatMap((p) => [...asArray(fieldAt(p.object, 'spec', 'targetRefs')), fieldAt(p.object, 'spec', 'targetRef')].filter(isObject));
  return (service, portName) =>
    refs.some((r) => (r.kind ?? 'Service') === 'Service' && (r.group ?? '') === '' && r.name === service.name && (r.sectionName === undefined || r.sectionName === portName));
}

/** Whether a route's parent Gateway terminates TLS: a listener (the one sectionName names, else any) with protocol HTTPS. */
function parentTerminatesTls(route: Resource, context: RuleContext): boolean {
  const namespace = route.namespace ?? 'default';
  const gateways = context.resources.ofKind('Gateway').filter((g) => g.apiVersion.startsWith('gateway.networking.k8s.io/'));
  return asArray(fieldAt(route.object, 'spec', 'parentRefs')).some((ref) => {
    if ((asString(fieldAt(ref, 'kind')) ?? 'Gateway') !== 'Gateway') return false;
    const gw = gateways.find((g) => g.name === asString(fieldAt(ref, 'name')) && (g.namespace ?? 'default') === (asString(fieldAt(ref, 'namespace')) ?? namespace));
    if (!gw) return false;
    const section = asString(fieldAt(ref, 'sectionName'));
    return asArray(fieldAt(gw.object, 'spec', 'listeners')).some((l) => isObject(l) && (section === undefined || l.name === section) && l.protocol === 'HTTPS' && (asString(fieldAt(l, 'tls', 'mode')) ?? 'Terminate') === 'Terminate');
  });
}

const SERVICE = (port: string) => `apiVersion: v1
kind: Service
metadata: {name: storefront, namespace: shop}
spec:
  selector: {app: storefront}
  ports:
  - ${port}`;

const TLS_INGRESS = (annotationsYaml = '') => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: shop${annotationsYaml ? `\n  annotations: {${annotationsYaml}}` : ''}
spec:
  ingressClassName: nginx
  tls:
  - hosts: [shop.example.com]
    secretName: shop-example-com-tls
  rules:
  - host: shop.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: storefront, port: {name: http}}`;

const GATEWAY = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: shop, namespace: shop}
spec:
  gatewayClassName: example
  listeners:
  - name: https
    protocol: HTTPS
    port: 443
    hostname: shop.example.com
    tls:
      certificateRefs: [{kind: Secret, name: shop-example-com-tls}]`;

const HTTP_ROUTE = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: storefront, namespace: shop}
spec:
  parentRefs: [{name: shop}]
  rules:
  - backendRefs: [{name: storefront, port: 80}]`;

const stream = (...docs: string[]): string => docs.join('\n---\n');

export const backendPlaintextBehindTls = defineRule({
  id: 'backend-plaintext-behind-tls',
  title: 'TLS ends at the ingress and the hop to the application is plain HTTP',
  severity: 'low',
  ...EXPOSURE,
  tags: ['security', 'exposure', 'ingress', 'gateway-api', 'tls', 'encryption-in-transit', 'cross-resource'],
  appliesTo: ['Ingress', 'HTTPRoute'],
  reads: ['Service', 'Gateway', 'BackendTLSPolicy', 'Namespace', 'workloads'],
  description:
    'An Ingress with a tls section, or an HTTPRoute attached to an HTTPS listener of a Gateway, ends TLS at the proxy and forwards ' +
    "to a Service port declared plain HTTP (appProtocol http, kubernetes.io/h2c or kubernetes.io/ws, else a port name Istio's " +
    'protocol selection reads as http, http2, grpc, grpc-web or h2c): requests and credentials cross the cluster network unencrypted ' +
    'from the proxy to the pods. Not reported when the hop is encrypted: ingress-nginx backend-protocol HTTPS or GRPCS, Traefik ' +
    'serversscheme https on the Service, a BackendTLSPolicy targeting the Service, ssl-passthrough, or the backend pods in a service ' +
    'mesh that the proxy pods (when they are in the input) are in too. Ports whose protocol is not declared are not judged. Low: ' +
    'the traffic stays inside the cluster network, and many platforms encrypt that network.',
  remediation:
    'Serve TLS from the application and say so (ingress-nginx nginx.ingress.kubernetes.io/backend-protocol: HTTPS, or a BackendTLSPolicy ' +
    'for a Gateway), or put the ingress controller and the application in a service mesh with mutual TLS required.',
  references: [NGINX_BACKEND_DOC, BACKEND_TLS_DOC, APP_PROTOCOL_DOC, ISTIO_PROTOCOL_DOC, INGRESS_DOC + '#tls'],
  check: (resource, context) => {
    const namespace = resource.namespace ?? 'default';
    const backendTls = backendTlsTargets(context, namespace);
    const traefikHttps = (service: Resource): boolean => annotations(service)[TRAEFIK_SCHEME]?.toLowerCase() === 'https';
    if (resource.kind === 'Ingress') {
      if (!resource.apiVersion.startsWith('networking.k8s.io/') && !resource.apiVersion.startsWith('extensions/')) return [];
      const s = spec(resource);
      if (!s || !asArray(s.tls).some(isObject)) return [];
      const a = annotations(resource);
      if (a[SSL_PASSTHROUGH]?.toLowerCase() === 'true') return [];
      if (ENCRYPTED_BACKEND_PROTOCOLS.has((a[BACKEND_PROTOCOL] ?? '').toUpperCase())) return [];
      return plainBackends(resource, context, ingressBackends(s), (service, portName) => traefikHttps(service) || backendTls(service, portName));
    }
    if (!resource.apiVersion.startsWith('gateway.networking.k8s.io/') || !parentTerminatesTls(resource, context)) return [];
    const backends: Backend[] = [];
    asArray(fieldAt(resource.object, 'spec', 'rules')).forEach((r, i) =>
      asArray(fieldAt(r, 'backendRefs')).forEach((b, j) => {
        if ((asString(fieldAt(b, 'kind')) ?? 'Service') !== 'Service' || (asString(fieldAt(b, 'group')) ?? '') !== '' || fieldAt(b, 'namespace') !== undefined) return;
        const name = asString(fieldAt(b, 'name'));
        if (name !== undefined) backends.push({ service: name, port: asNumber(fieldAt(b, 'port')), path: `/spec/rules/${i}/backendRefs/${j}` });
      }),
    );
    return plainBackends(resource, context, backends, backendTls);
  },
  examples: {
    valid: [
      stream(TLS_INGRESS(`${BACKEND_PROTOCOL}: HTTPS`), SERVICE('{name: http, port: 80, targetPort: 8443}')),
      stream(TLS_INGRESS(), SERVICE('{name: web, port: 80}')),
      stream(TLS_INGRESS(), SERVICE('{name: http, port: 80, appProtocol: https}')),
      stream(GATEWAY, HTTP_ROUTE, SERVICE('{name: http, port: 80}'), `apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: storefront, namespace: shop}
spec:
  targetRefs: [{group: "", kind: Service, name: storefront}]
  validation: {hostname: storefront.shop.svc, wellKnownCACertificates: System}`),
      // Both ends in the Istio mesh: the namespace injects the backend, and no controller pod is in the input.
      stream(`apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {istio-injection: enabled}}`, TLS_INGRESS(), SERVICE('{name: http, port: 80}'), `apiVersion: apps/v1
kind: Deployment
metadata: {name: storefront, namespace: shop}
spec:
  selector: {matchLabels: {app: storefront}}
  template:
    metadata: {labels: {app: storefront}}
    spec:
      containers: [{name: web, image: registry.example.com/storefront:1.0, ports: [{containerPort: 80}]}]`),
    ],
    invalid: [
      { manifest: stream(TLS_INGRESS(), SERVICE('{name: http, port: 80}')), expect: [{ path: '/spec/rules/0/http/paths/0/backend/service', message: 'plain HTTP by its port name "http"' }] },
      { manifest: stream(TLS_INGRESS(`${BACKEND_PROTOCOL}: HTTP`), SERVICE('{name: http, port: 80, appProtocol: kubernetes.io/h2c}')), expect: [{ path: '/spec/rules/0/http/paths/0/backend/service', message: 'appProtocol kubernetes.io/h2c' }] },
      { manifest: stream(GATEWAY, HTTP_ROUTE, SERVICE('{name: http-web, port: 80}')), expect: ['/spec/rules/0/backendRefs/0'] },
    ],
  },
});
