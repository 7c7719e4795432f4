/**
 * What a service mesh does to one connection the NetworkPolicies allow: whether the mesh carries it
 * mutually authenticated and encrypted, and whether the mesh's own authorization refuses or narrows
 * it further. `kshield netpol reach` adds both to every row.
 *
 * Transport, per destination port, then the weakest port for the connection:
 * - `mtls`: both ends in one mesh, and the server refuses plaintext on that port (Istio STRICT;
 *   Linkerd: a policy that only authorizes authenticated meshed clients; Consul's sidecar, whose
 *   public listener takes only mTLS).
 * - `permissive`: both ends in one mesh, so the client's proxy opens mTLS (Istio's auto mTLS,
 *   Linkerd's meshed-to-meshed TLS), but the server also accepts plaintext from anyone else.
 * - `plaintext`: the mesh does not encrypt it (one end outside the mesh, different meshes, a port
 *   the proxy skips, Istio mode DISABLE). The application may still speak TLS itself.
 * - `unknown`: what decides is not in the input (an address outside the cluster, a namespace
 *   whose Namespace object is not given, a workload an operator makes).
 *
 * Authorization, evaluated as each project documents it: Istio's AuthorizationPolicy (CUSTOM,
 * then DENY, then ALLOW; principals and namespaces come from the client's certificate, so a
 * plaintext request has none) and STRICT mTLS refusing plaintext; Linkerd's Server (a port a
 * Server describes is governed by its accessPolicy, deny unless set, and the AuthorizationPolicies
 * that target it or its namespace, each needing all its MeshTLSAuthentication,
 * NetworkAuthentication and ServiceAccount references), else the default inbound policy.
 */
import type { Resource } from '../core/types.js';
import { asArray, asNumber, asString, fieldAt, isObject, stringMap } from '../core/values.js';
import { labelsOf, selectorMatches, type Labels } from '../k8s/labels.js';
import type { PodSpecView } from '../k8s/pods.js';
import {
  CLUSTER_DOMAIN, DEFAULT_ISTIO_ROOT_NAMESPACE, LINKERD_CLUSTER_DEFAULT_INBOUND_POLICY, LINKERD_DEFAULT_INBOUND_POLICY, authorizationApplies, clientTlsFor,
  destinationRuleFor, isIstioNetworking, isIstioSecurity, meshMembership, namespaceMeta, namespaceMetas, podsOf, readAuthorizationPolicy, readDestinationRule,
  readPeerAuthentication, resolveIstioHost, resolveMtls,
  type AuthorizationPolicy, type ClientTls, type DestinationRule, type MeshName, type MtlsMode, type NamespaceMeta, type PeerAuthentication,
} from './mesh.js';
import type { PortSet } from './ports.js';
import type { Connection, NetpolModel } from './netpol.js';
import { parseCidr } from './cidr.js';

export type Transport = 'mtls' | 'permissive' | 'plaintext' | 'unknown';

export interface MeshAuthorization {
  /** `denies`: the mesh refuses every allowed port of the connection; `narrows`: some ports, or some requests only. */
  effect: 'denies' | 'narrows';
  /** Why, in words, naming the policies. */
  why: string;
}

export interface ConnectionMesh {
  transport: Transport;
  /** Why, in words. */
  why: string;
  /** When the destination's ports differ: each judged port's transport (ports the mesh refuses left out). */
  ports?: { port: number; transport: Transport }[];
  /** Undefined when the mesh lets through everything the NetworkPolicies allow. */
  authorization?: MeshAuthorization;
}

/** Istio's annotation listing inbound ports the sidecar does not capture (comma-separated, `*` for all). */
export const ISTIO_EXCLUDE_INBOUND = 'traffic.sidecar.istio.io/excludeInboundPorts';
/** Linkerd's annotation listing inbound ports the proxy skips (numbers and ranges, comma-separated). */
export const LINKERD_SKIP_INBOUND = 'config.linkerd.io/skip-inbound-ports';

const LINKERD_GROUP = /^policy\.linkerd\.io\//;

export interface MeshInput {
  namespaces: Map<string, NamespaceMeta>;
  rootNamespace: string;
  peerAuthentications: PeerAuthentication[];
  istioAuthorization: AuthorizationPolicy[];
  /** Istio's client-side rules and the Services and VirtualServices they are read with. */
  destinationRules: DestinationRule[];
  virtualServices: Resource[];
  services: Resource[];
  servers: Resource[];
  linkerdAuthorization: Resource[];
  /** Linkerd's older policy.linkerd.io/v1beta1 ServerAuthorization. */
  serverAuthorizations: Resource[];
  /** Consul's ServiceIntentions (consul.hashicorp.com). */
  serviceIntentions: Resource[];
  meshTlsAuthentications: Map<string, Resource>;
  networkAuthentications: Map<string, Resource>;
}

/** The mesh objects of an input, indexed once. */
export function meshInput(resources: readonly Resource[], rootNamespace = DEFAULT_ISTIO_ROOT_NAMESPACE): MeshInput {
  const byKind = (kind: string): Resource[] => resources.filter((r) => r.kind === kind);
  const linkerd = (kind: string): Resource[] => byKind(kind).filter((r) => LINKERD_GROUP.test(r.apiVersion));
  const keyed = (list: Resource[]): Map<string, Resource> => new Map(list.map((r) => [`${r.namespace ?? 'default'}/${r.name}`, r]));
  return {
    namespaces: namespaceMetas(byKind('Namespace')),
    rootNamespace,
    peerAuthentications: byKind('PeerAuthentication').filter((r) => isIstioSecurity(r, 'PeerAuthentication')).map(readPeerAuthentication),
    istioAuthorization: byKind('AuthorizationPolicy').filter((r) => isIstioSecurity(r, 'AuthorizationPolicy')).map(readAuthorizationPolicy),
    destinationRules: byKind('DestinationRule').filter((r) => isIstioNetworking(r, 'DestinationRule')).map((r, i) => readDestinationRule(r, i)),
    virtualServices: byKind('VirtualService').filter((r) => isIstioNetworking(r, 'VirtualService')),
    services: byKind('Service').filter((r) => r.apiVersion === 'v1'),
    servers: linkerd('Server'),
    linkerdAuthorization: linkerd('AuthorizationPolicy'),
    serverAuthorizations: linkerd('ServerAuthorization'),
    serviceIntentions: byKind('ServiceIntentions').filter((r) => /^consul\.hashicorp\.com\//.test(r.apiVersion)),
    meshTlsAuthentications: keyed(linkerd('MeshTLSAuthentication')),
    networkAuthentications: keyed(linkerd('NetworkAuthentication')),
  };
}

/** Whether the input holds any mesh at all (a namespace or pod enrolled, or a mesh policy). */
export function anyMesh(input: MeshInput, sides: readonly MeshSide[]): boolean {
  return sides.some((s) => s.mesh !== undefined) || input.peerAuthentications.length > 0 || input.istioAuthorization.length > 0 || input.servers.length > 0 || input.destinationRules.length > 0;
}

/** One end of a connection: a workload's first pod spec as the mesh sees it. */
export interface MeshSide {
  namespace: string;
  /** Undefined: in no mesh (or not known to be). */
  mesh?: MeshName;
  /** Not in a mesh, and the input cannot say it is not (namespace labels unknown, no pod spec). */
  unknown?: string;
  serviceAccount: string;
  labels: Labels;
  pod?: PodSpecView;
  /** Declared container ports: number, name, protocol. */
  ports: { port: number; name?: string; protocol: string }[];
  /** Verdicts shared by every connection this side makes unknown. */
  asUnknownServer?: ConnectionMesh;
  asUnknownClient?: ConnectionMesh;
}

export function meshSide(input: MeshInput, namespace: string, resources: readonly Resource[]): MeshSide {
  const pods = resources.flatMap(podsOf);
  if (pods.length === 0) return { namespace, unknown: 'its pods are made by an operator from a custom resource', serviceAccount: 'default', labels: {}, ports: [] };
  const { pod, labels } = pods[0];
  const ns = namespaceMeta(input.namespaces, namespace);
  const membership = meshMembership(pod, ns);
  const serviceAccount = asString(pod.spec.serviceAccountName) ?? asString(pod.spec.serviceAccount) ?? 'default';
  const ports = asArray(pod.spec.containers).flatMap((c) =>
    asArray(fieldAt(c, 'ports'))
      .filter(isObject)
      .map((p) => ({ port: asNumber(p.containerPort) ?? 0, name: asString(p.name), protocol: asString(p.protocol) ?? 'TCP' }))
      .filter((p) => p.port > 0),
  );
  const side: MeshSide = { namespace, mesh: membership.mesh, serviceAccount, labels, pod, ports };
  // Out of every mesh by its own word (host network, an opt-out) is known; silence in an unknown namespace is not.
  if (!membership.mesh && !ns.declared && pod.spec.hostNetwork !== true && membership.excluded.length === 0)
    side.unknown = `the Namespace object of "${namespace}" is not in the input, so its mesh labels are unknown`;
  return side;
}

type Family = 'istio' | 'linkerd' | 'consul';
const family = (mesh: MeshName | undefined): Family | undefined => (mesh === 'istio-sidecar' || mesh === 'istio-ambient' ? 'istio' : mesh);

const FAMILY_NAME: Record<Family, string> = { istio: 'Istio', linkerd: 'Linkerd', consul: 'Consul' };

/** Ports written as `80,443,8000-8100` (Linkerd also takes ranges); `*` is every port. */
function portList(text: string | undefined): ((port: number) => boolean) | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  if (text.trim() === '*') return () => true;
  const ranges: [number, number][] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (m) ranges.push([Number(m[1]), Number(m[2] ?? m[1])]);
  }
  return ranges.length ? (port) => ranges.some(([a, b]) => port >= a && port <= b) : undefined;
}

/** The destination ports a connection reaches that the verdict is worked out for: its declared TCP ports inside the set, else one port standing for all. */
function portsToJudge(dst: MeshSide, ports: PortSet): (number | undefined)[] {
  const declared = [...new Set(dst.ports.filter((p) => p.protocol === 'TCP' && ports.has('TCP', p.port)).map((p) => p.port))].sort((a, b) => a - b);
  return declared.length > 0 ? declared : [undefined];
}

interface PortVerdict {
  port?: number;
  transport: Transport;
  /** The mesh refuses the connection on this port: why. */
  refused?: string;
  /** The mesh lets only some requests through: why. */
  narrowed?: string;
  why: string;
}

// ---------------------------------------------------------------------------------------------
// Istio authorization for one client

type Match = 'yes' | 'no' | 'maybe';

function any(values: Match[]): Match {
  return values.includes('yes') ? 'yes' : values.includes('maybe') ? 'maybe' : 'no';
}
function all(values: Match[]): Match {
  return values.includes('no') ? 'no' : values.includes('maybe') ? 'maybe' : 'yes';
}

/** Istio's string match: exact, `*`, a `prefix*` or a `*suffix`. */
function istioMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  return pattern === value;
}

export interface IstioClient {
  /** `cluster.local/ns/NS/sa/SA` over mTLS; undefined for a plaintext request (no certificate). */
  principal?: string;
  namespace?: string;
}

function sourceMatch(source: unknown, client: IstioClient): Match {
  if (!isObject(source)) return 'yes';
  const out: Match[] = [];
  const listed = (field: string): string[] => asArray(source[field]).filter((v): v is string => typeof v === 'string');
  const positive = (field: string, value: string | undefined): void => {
    const list = listed(field);
    if (list.length > 0) out.push(value !== undefined && list.some((p) => istioMatch(p, value)) ? 'yes' : 'no');
  };
  const negative = (field: string, value: string | undefined): void => {
    const list = listed(field);
    if (list.length > 0) out.push(value !== undefined && list.some((p) => istioMatch(p, value)) ? 'no' : 'yes');
  };
  positive('principals', client.principal);
  negative('notPrincipals', client.principal);
  positive('namespaces', client.namespace);
  negative('notNamespaces', client.namespace);
  // Addresses and JWT identities are not known from manifests.
  for (const field of ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks', 'requestPrincipals', 'notRequestPrincipals'])
    if (listed(field).length > 0) out.push('maybe');
  return all(out);
}

function operationMatch(operation: unknown, port: number | undefined): Match {
  if (!isObject(operation)) return 'yes';
  const out: Match[] = [];
  const listed = (field: string): string[] => asArray(operation[field]).map((v) => String(v));
  if (listed('ports').length > 0) out.push(port === undefined ? 'maybe' : listed('ports').includes(String(port)) ? 'yes' : 'no');
  if (listed('notPorts').length > 0) out.push(port === undefined ? 'maybe' : listed('notPorts').includes(String(port)) ? 'no' : 'yes');
  for (const field of ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths']) if (listed(field).length > 0) out.push('maybe');
  return all(out);
}

function ruleMatch(rule: unknown, client: IstioClient, port: number | undefined): Match {
  if (!isObject(rule)) return 'no';
  const from = asArray(rule.from);
  const to = asArray(rule.to);
  const parts: Match[] = [];
  if (from.length > 0) parts.push(any(from.map((f) => sourceMatch(fieldAt(f, 'source'), client))));
  if (to.length > 0) parts.push(any(to.map((t) => operationMatch(fieldAt(t, 'operation'), port))));
  if (asArray(rule.when).length > 0) parts.push('maybe');
  return all(parts);
}

/** A policy matches a request when one of its rules does; a policy without rules matches none. */
function policyMatch(policy: AuthorizationPolicy, client: IstioClient, port: number | undefined): Match {
  return any(policy.rules.map((r) => ruleMatch(r, client, port)));
}

export interface IstioDecision {
  decision: 'allow' | 'deny' | 'maybe';
  why: string;
}

/**
 * Istio's evaluation for one client and port ("Authorization Policy" reference): a CUSTOM policy
 * that matches hands the request to its external authorizer; a DENY that matches refuses it; then,
 * if any ALLOW policy applies, one must match; with no ALLOW policy the request is allowed. AUDIT
 * decides nothing.
 */
export function evaluateIstioAuthorization(policies: readonly AuthorizationPolicy[], namespace: string, labels: Labels, rootNamespace: string, client: IstioClient, port: number | undefined): IstioDecision {
  const applying = policies.filter((p) => authorizationApplies(p, namespace, labels, rootNamespace));
  const names = (list: AuthorizationPolicy[]): string => list.map((p) => p.label).join(', ');
  const deny = applying.filter((p) => p.action === 'DENY');
  const denying = deny.filter((p) => policyMatch(p, client, port) === 'yes');
  if (denying.length > 0) return { decision: 'deny', why: `denied by ${names(denying)}` };
  const custom = applying.filter((p) => p.action === 'CUSTOM' && policyMatch(p, client, port) !== 'no');
  const maybeDeny = deny.filter((p) => policyMatch(p, client, port) === 'maybe');
  const allow = applying.filter((p) => p.action === 'ALLOW');
  const allowMatches = allow.map((p) => policyMatch(p, client, port));
  if (allow.length > 0 && allowMatches.every((m) => m === 'no')) return { decision: 'deny', why: `no rule of ${names(allow)} matches it` };
  const maybes: string[] = [];
  if (custom.length > 0) maybes.push(`an external authorizer decides (CUSTOM ${names(custom)})`);
  if (maybeDeny.length > 0) maybes.push(`${names(maybeDeny)} denies some requests`);
  if (allow.length > 0 && !allowMatches.includes('yes')) maybes.push(`only some requests match ${names(allow.filter((_, i) => allowMatches[i] === 'maybe'))}`);
  if (maybes.length > 0) return { decision: 'maybe', why: maybes.join('; ') };
  return { decision: 'allow', why: allow.length > 0 ? `allowed by ${names(allow.filter((_, i) => allowMatches[i] === 'yes'))}` : 'no AuthorizationPolicy refuses it' };
}

const servicesCache = new WeakMap<MeshSide, Resource[]>();
/** Per client side and Service host: the rule Istio applies (an open cluster has a connection per pair of workloads). */
const ruleCache = new WeakMap<MeshSide, Map<string, ReturnType<typeof destinationRuleFor>>>();

/** The Services of the input that select a workload's pods (same namespace, a non-empty selector). */
function servicesOf(input: MeshInput, side: MeshSide): Resource[] {
  let cached = servicesCache.get(side);
  if (!cached) servicesCache.set(side, (cached = selectingServices(input, side)));
  return cached;
}

function selectingServices(input: MeshInput, side: MeshSide): Resource[] {
  return input.services.filter((svc) => {
    if ((svc.namespace ?? 'default') !== side.namespace) return false;
    const selector = stringMap(fieldAt(svc.object, 'spec', 'selector'));
    return Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => side.labels[k] === v);
  });
}

/** The Service ports that reach a container port: targetPort by number or by the container port's name, or the port itself. */
function servicePortsFor(svc: Resource, side: MeshSide, containerPort: number | undefined): number[] {
  const name = side.ports.find((p) => p.port === containerPort)?.name;
  return asArray(fieldAt(svc.object, 'spec', 'ports')).flatMap((p) => {
    const port = asNumber(fieldAt(p, 'port'));
    if (port === undefined || (asString(fieldAt(p, 'protocol')) ?? 'TCP') !== 'TCP') return [];
    if (containerPort === undefined) return [port];
    const target = fieldAt(p, 'targetPort');
    const reaches = target === undefined ? port === containerPort : typeof target === 'number' ? target === containerPort : target === name;
    return reaches ? [port] : [];
  });
}

/** Whether a VirtualService that sidecars apply (no gateways, or the reserved `mesh`) routes to a host's subset. */
function subsetRouted(input: MeshInput, fqdn: string, subset: string): boolean {
  return input.virtualServices.some((vs) => {
    const spec = fieldAt(vs.object, 'spec');
    const gateways = asArray(fieldAt(spec, 'gateways'));
    if (gateways.length > 0 && !gateways.includes('mesh')) return false;
    const ns = vs.namespace ?? 'default';
    return ['http', 'tcp', 'tls'].some((kind) =>
      asArray(fieldAt(spec, kind)).some((route) =>
        asArray(fieldAt(route, 'route')).some((r) => {
          const d = fieldAt(r, 'destination');
          return asString(fieldAt(d, 'subset')) === subset && resolveIstioHost(asString(fieldAt(d, 'host')) ?? '', ns) === fqdn;
        }),
      ),
    );
  });
}

interface ClientPath {
  /** `Service shop/api port 80`. */
  via: string;
  tls: ClientTls;
}

/**
 * The TLS an Istio sidecar client originates towards a server on one container port, per Service
 * (and Service port) through which it reaches it: the DestinationRule Istio applies to that client
 * for the Service's host, and the subsets of it that a VirtualService routes to and that hold the
 * server's pods (a subset's policy applies only to traffic a route sends to it). Empty when no
 * rule sets tls for any of them: auto mTLS then decides. Ambient clients are left out: ztunnel does
 * not apply DestinationRule TLS settings.
 */
function clientPaths(input: MeshInput, src: MeshSide, dst: MeshSide, port: number | undefined): ClientPath[] {
  if (src.mesh !== 'istio-sidecar' || input.destinationRules.length === 0) return [];
  const out: ClientPath[] = [];
  for (const svc of servicesOf(input, dst)) {
    const ns = svc.namespace ?? 'default';
    const fqdn = `${svc.name}.${ns}.svc.${CLUSTER_DOMAIN}`;
    let rules = ruleCache.get(src);
    if (!rules) ruleCache.set(src, (rules = new Map()));
    if (!rules.has(fqdn)) rules.set(fqdn, destinationRuleFor(input.destinationRules, fqdn, ns, src.namespace, src.labels, input.rootNamespace));
    const applied = rules.get(fqdn);
    for (const servicePort of servicePortsFor(svc, dst, port)) {
      const via = `Service ${ns}/${svc.name} port ${servicePort}`;
      out.push({ via, tls: applied ? clientTlsFor(applied, servicePort) : {} });
      for (const subset of applied?.subsets ?? [])
        if (subset.trafficPolicy !== undefined && Object.entries(subset.labels).every(([k, v]) => dst.labels[k] === v) && subsetRouted(input, fqdn, subset.name))
          out.push({ via: `${via}, subset ${subset.name}`, tls: clientTlsFor(applied!, servicePort, subset) });
    }
  }
  return out.some((p) => p.tls.mode !== undefined) ? out : [];
}

/** A rule's TLS setting in words: `tls.mode DISABLE of DestinationRule shop/api`. */
function tlsWords(tls: ClientTls): string {
  return `tls.mode ${tls.mode} of ${tls.where}`;
}

/** One Istio verdict for a server port, given the server's mTLS mode and what the client sends. */
function istioVerdict(input: MeshInput, src: MeshSide, dst: MeshSide, port: number | undefined, mode: Exclude<MtlsMode, 'UNSET'>, source: string, tls: ClientTls | undefined): PortVerdict {
  const srcMeshed = family(src.mesh) === 'istio';
  const v: PortVerdict = { port, transport: 'plaintext', why: '' };
  /** The identity the server sees: none over plaintext or one-way TLS; a certificate the rule names, unknown, with MUTUAL. */
  let identity: 'mesh' | 'none' | 'unknown' = 'none';
  if (!srcMeshed) {
    v.why = mode === 'DISABLE' ? `mTLS DISABLE (${source})` : src.mesh ? `the client is in ${FAMILY_NAME[family(src.mesh)!]}, not Istio` : 'the client is outside the mesh';
    if (mode === 'STRICT') v.refused = `STRICT mTLS (${source}) refuses a client without a mesh certificate`;
  } else if (tls?.mode === 'DISABLE') {
    v.why = `the client's sidecar sends plaintext: ${tlsWords(tls)}`;
    if (mode === 'STRICT') v.refused = `STRICT mTLS (${source}) refuses the plaintext that ${tlsWords(tls)} makes the client send`;
  } else if (tls?.mode === 'SIMPLE' || tls?.mode === 'MUTUAL') {
    v.transport = 'unknown';
    const what = tls.mode === 'SIMPLE' ? 'TLS without a client certificate' : 'TLS with the client certificate the rule names';
    v.why = `the client's sidecar originates ${what} (${tlsWords(tls)}); the server's sidecar passes it to the application, so it is encrypted only if the application terminates TLS, and carries no mesh identity`;
    if (mode === 'STRICT' && tls.mode === 'SIMPLE') v.refused = `STRICT mTLS (${source}) refuses ${what} (${tlsWords(tls)})`;
    else if (mode === 'STRICT') {
      v.why = `the client's sidecar originates ${what} (${tlsWords(tls)})`;
      v.narrowed = `STRICT mTLS (${source}) accepts it only if that certificate is issued by the mesh's certificate authority`;
      identity = 'unknown';
    }
  } else if (tls?.mode === 'ISTIO_MUTUAL' && mode === 'DISABLE') {
    v.why = `the client's sidecar sends Istio mTLS (${tlsWords(tls)})`;
    v.refused = `mTLS DISABLE (${source}): the server's sidecar does not terminate the mTLS that ${tlsWords(tls)} makes the client send, so the connection fails`;
  } else if (mode === 'DISABLE') {
    // Auto mTLS sends plaintext to a server whose mode is DISABLE.
    v.why = `mTLS DISABLE (${source})`;
  } else {
    identity = 'mesh';
    v.transport = mode === 'STRICT' ? 'mtls' : 'permissive';
    const how = tls?.mode === 'ISTIO_MUTUAL' ? `Istio mTLS (${tlsWords(tls)})` : 'auto mTLS';
    v.why = mode === 'STRICT' ? `both in Istio, STRICT (${source})${tls ? `, ${how}` : ''}` : `both in Istio (${how}), but the server accepts plaintext: PERMISSIVE (${source})`;
  }
  if (v.refused) return v;
  const meshClient: IstioClient = { principal: `cluster.local/ns/${src.namespace}/sa/${src.serviceAccount}`, namespace: src.namespace };
  const authz = evaluateIstioAuthorization(input.istioAuthorization, dst.namespace, dst.labels, input.rootNamespace, identity === 'mesh' ? meshClient : {}, port);
  if (identity === 'unknown' && authz.decision === 'deny') v.narrowed = [v.narrowed, authz.why].filter(Boolean).join('; ');
  else if (authz.decision === 'deny') v.refused = authz.why;
  else if (authz.decision === 'maybe') v.narrowed = [v.narrowed, authz.why].filter(Boolean).join('; ');
  return v;
}

const TRANSPORT_RANK: Record<Transport, number> = { plaintext: 0, unknown: 1, permissive: 2, mtls: 3 };

function istioPort(input: MeshInput, src: MeshSide, dst: MeshSide, port: number | undefined): PortVerdict {
  const excluded = portList(stringMap(fieldAt(dst.pod!.metadata, 'annotations'))[ISTIO_EXCLUDE_INBOUND]);
  if (port !== undefined && excluded?.(port)) return { port, transport: 'plaintext', why: `port ${port} is excluded from the sidecar (${ISTIO_EXCLUDE_INBOUND})` };
  const decision = resolveMtls(input.peerAuthentications, dst.namespace, dst.labels, input.rootNamespace);
  const mode = decision.ports.find((p) => p.port === port)?.mode ?? decision.mode;
  const source = decision.from ? decision.from.label : "Istio's default";
  const paths = clientPaths(input, src, dst, port);
  const verdict = paths.length === 0 ? istioVerdict(input, src, dst, port, mode, source, undefined) : combinePaths(paths.map((p) => ({ via: p.via, v: istioVerdict(input, src, dst, port, mode, source, p.tls) })));
  const waypoint = waypointPolicies(input, dst);
  if (waypoint && !verdict.refused) verdict.narrowed = [verdict.narrowed, waypoint].filter(Boolean).join('; ');
  return verdict;
}

/**
 * One verdict for the ways a client reaches a port (one per Service, port and routed subset): the
 * weakest transport among those that get through, each refused or narrowed way named; refused when
 * every way is.
 */
function combinePaths(ways: { via: string; v: PortVerdict }[]): PortVerdict {
  const open = ways.filter((w) => !w.v.refused);
  const distinct = (list: string[]): string => [...new Set(list)].join('; ');
  if (open.length === 0) {
    const reasons = distinct(ways.map((w) => (ways.length > 1 ? `via ${w.via}: ${w.v.refused}` : w.v.refused!)));
    return { ...ways[0].v, refused: reasons };
  }
  const worst = open.reduce((a, b) => (TRANSPORT_RANK[b.v.transport] < TRANSPORT_RANK[a.v.transport] ? b : a));
  const narrowed = [
    ...ways.filter((w) => w.v.refused).map((w) => `via ${w.via}: ${w.v.refused}`),
    ...open.filter((w) => w.v.narrowed).map((w) => (open.length > 1 ? `via ${w.via}: ${w.v.narrowed}` : w.v.narrowed!)),
  ];
  const v: PortVerdict = { port: worst.v.port, transport: worst.v.transport, why: ways.length > 1 ? `${worst.v.why} (via ${worst.via})` : worst.v.why };
  if (narrowed.length > 0) v.narrowed = distinct(narrowed);
  return v;
}

/** Istio's label binding a namespace, Service or pod to a waypoint (ambient mode). */
export const ISTIO_USE_WAYPOINT = 'istio.io/use-waypoint';

/**
 * AuthorizationPolicies attached with targetRefs instead of a selector. Sidecars and ztunnel never
 * apply them. In ambient mode, traffic to a Service bound to a waypoint (label
 * istio.io/use-waypoint on the Service or its namespace) goes through that waypoint, which enforces
 * the policies targeting the Service or the waypoint's Gateway: not judged here, only named.
 */
function waypointPolicies(input: MeshInput, dst: MeshSide): string | undefined {
  if (dst.mesh !== 'istio-ambient') return undefined;
  const nsWaypoint = namespaceMeta(input.namespaces, dst.namespace).labels[ISTIO_USE_WAYPOINT];
  const hits = new Set<AuthorizationPolicy>();
  for (const svc of servicesOf(input, dst)) {
    const waypoint = stringMap(fieldAt(svc.object, 'metadata', 'labels'))[ISTIO_USE_WAYPOINT] ?? nsWaypoint;
    if (waypoint === undefined || waypoint === 'none') continue;
    for (const p of input.istioAuthorization) {
      if (!p.targeted || p.namespace !== dst.namespace) continue;
      const spec = fieldAt(p.resource.object, 'spec');
      const refs = [...asArray(fieldAt(spec, 'targetRefs')), ...(fieldAt(spec, 'targetRef') !== undefined ? [fieldAt(spec, 'targetRef')] : [])];
      const named = (kind: string, name: string): boolean => refs.some((r) => asString(fieldAt(r, 'kind')) === kind && asString(fieldAt(r, 'name')) === name);
      if (named('Service', svc.name) || named('Gateway', waypoint)) hits.add(p);
    }
  }
  if (hits.size === 0) return undefined;
  const list = [...hits];
  return `${list.map((p) => p.label).join(', ')} ${list.length > 1 ? 'apply' : 'applies'} at the waypoint (targetRefs): not judged`;
}

// ---------------------------------------------------------------------------------------------
// Linkerd

/** Linkerd's identity of a meshed pod, with the default trust domain. */
export function linkerdIdentity(namespace: string, serviceAccount: string): string {
  return `${serviceAccount}.${namespace}.serviceaccount.identity.linkerd.cluster.local`;
}

type LinkerdAccess = { allows: boolean; needsMeshIdentity: boolean };

/** The default policies Linkerd documents: who each lets in (our clients are all in the cluster). */
const DEFAULT_POLICIES: Record<string, LinkerdAccess> = {
  'all-unauthenticated': { allows: true, needsMeshIdentity: false },
  'cluster-unauthenticated': { allows: true, needsMeshIdentity: false },
  audit: { allows: true, needsMeshIdentity: false },
  'all-authenticated': { allows: true, needsMeshIdentity: true },
  'cluster-authenticated': { allows: true, needsMeshIdentity: true },
  deny: { allows: false, needsMeshIdentity: true },
};

function refNamespace(ref: unknown, fallback: string): string {
  return asString(fieldAt(ref, 'namespace')) ?? fallback;
}

/** Whether an authentication reference admits the client: yes, no, or maybe (a network whose pod addresses are unknown). */
function authenticationMatch(input: MeshInput, ref: unknown, policyNs: string, client: MeshSide, meshed: boolean): Match {
  const kind = asString(fieldAt(ref, 'kind'));
  const name = asString(fieldAt(ref, 'name')) ?? '';
  const ns = refNamespace(ref, policyNs);
  if (kind === 'ServiceAccount') return meshed && client.serviceAccount === name && client.namespace === ns ? 'yes' : 'no';
  if (kind === 'MeshTLSAuthentication') {
    const authn = input.meshTlsAuthentications.get(`${ns}/${name}`);
    if (!authn || !meshed) return authn ? 'no' : 'maybe';
    const identity = linkerdIdentity(client.namespace, client.serviceAccount);
    const identities = asArray(fieldAt(authn.object, 'spec', 'identities')).filter((v): v is string => typeof v === 'string');
    if (identities.some((p) => p === '*' || p === identity || (p.startsWith('*.') && identity.endsWith(p.slice(1))))) return 'yes';
    const refs = asArray(fieldAt(authn.object, 'spec', 'identityRefs'));
    for (const r of refs) {
      const refKind = asString(fieldAt(r, 'kind'));
      const refName = asString(fieldAt(r, 'name'));
      if (refKind === 'ServiceAccount' && (refName === client.serviceAccount || refName === '*') && refNamespace(r, ns) === client.namespace) return 'yes';
      if (refKind === 'Namespace' && (refName === client.namespace || refName === '*')) return 'yes';
    }
    return 'no';
  }
  if (kind === 'NetworkAuthentication') {
    const authn = input.networkAuthentications.get(`${ns}/${name}`);
    if (!authn) return 'maybe';
    // Pod addresses are not in manifests: only a network holding every address surely admits a pod.
    const networks = asArray(fieldAt(authn.object, 'spec', 'networks'));
    const everything = networks.some((n) => {
      const cidr = parseCidr(fieldAt(n, 'cidr'));
      return cidr !== undefined && cidr.prefix === 0 && asArray(fieldAt(n, 'except')).length === 0;
    });
    return everything ? 'yes' : networks.length === 0 ? 'no' : 'maybe';
  }
  return 'maybe';
}

function linkerdPort(input: MeshInput, src: MeshSide, dst: MeshSide, port: number | undefined): PortVerdict {
  const annotations = stringMap(fieldAt(dst.pod!.metadata, 'annotations'));
  if (port !== undefined && portList(annotations[LINKERD_SKIP_INBOUND])?.(port)) return { port, transport: 'plaintext', why: `port ${port} skips the proxy (${LINKERD_SKIP_INBOUND})` };
  const meshed = family(src.mesh) === 'linkerd';
  const name = dst.ports.find((p) => p.port === port)?.name;
  const server = input.servers.find((s) => {
    if ((s.namespace ?? 'default') !== dst.namespace || !selectorMatches(fieldAt(s.object, 'spec', 'podSelector'), dst.labels)) return false;
    const p = fieldAt(s.object, 'spec', 'port');
    return port !== undefined && (p === port || (typeof p === 'string' && p === name));
  });
  const v: PortVerdict = { port, transport: meshed ? 'permissive' : 'plaintext', why: '' };
  const clientWords = meshed ? 'both in Linkerd' : src.mesh ? `the client is in ${FAMILY_NAME[family(src.mesh)!]}, not Linkerd` : 'the client is outside the mesh';
  if (!server) {
    const podPolicy = annotations[LINKERD_DEFAULT_INBOUND_POLICY];
    const nsPolicy = namespaceMeta(input.namespaces, dst.namespace).annotations[LINKERD_DEFAULT_INBOUND_POLICY];
    const policy = podPolicy ?? nsPolicy ?? LINKERD_CLUSTER_DEFAULT_INBOUND_POLICY;
    const access = DEFAULT_POLICIES[policy];
    const what = `default inbound policy ${policy}`;
    if (!access) return { ...v, transport: 'unknown', why: `${clientWords}; unknown ${what}` };
    if (!access.allows) return { ...v, transport: meshed ? 'mtls' : 'plaintext', why: clientWords, refused: `${what} and no Server describes ${port === undefined ? 'the port' : `port ${port}`}` };
    if (access.needsMeshIdentity && !meshed) return { ...v, why: clientWords, refused: `${what} refuses a client without a mesh identity` };
    return { ...v, transport: meshed ? (access.needsMeshIdentity ? 'mtls' : 'permissive') : 'plaintext', why: `${clientWords}, ${what}${meshed && !access.needsMeshIdentity ? ' (the server accepts plaintext too)' : ''}` };
  }
  // A port a Server describes: its accessPolicy (deny unless set), or an AuthorizationPolicy targeting it or its namespace.
  const serverNs = server.namespace ?? 'default';
  const serverLabel = `Server ${serverNs}/${server.name}`;
  const accessName = asString(fieldAt(server.object, 'spec', 'accessPolicy')) ?? 'deny';
  const access = DEFAULT_POLICIES[accessName] ?? DEFAULT_POLICIES.deny;
  const policies = input.linkerdAuthorization.filter((p) => {
    if ((p.namespace ?? 'default') !== serverNs) return false;
    const target = fieldAt(p.object, 'spec', 'targetRef');
    const kind = asString(fieldAt(target, 'kind'));
    return (kind === 'Server' && asString(fieldAt(target, 'name')) === server.name) || (kind === 'Namespace' && (asString(fieldAt(target, 'name')) ?? serverNs) === serverNs);
  });
  // Whether plaintext gets through at all: the accessPolicy, or a policy needing no mesh identity.
  let plaintextAccepted = access.allows && !access.needsMeshIdentity;
  const verdicts: { label: string; match: Match }[] = [];
  const ignored: string[] = [];
  for (const p of policies) {
    const refs = asArray(fieldAt(p.object, 'spec', 'requiredAuthenticationRefs'));
    // Linkerd's admission webhook refuses an empty list, and its policy controller ignores such a
    // policy ("No authentication targets"): it authorizes no one.
    if (refs.length === 0) {
      ignored.push(`AuthorizationPolicy ${serverNs}/${p.name} (empty requiredAuthenticationRefs: Linkerd ignores it)`);
      continue;
    }
    const kinds = refs.map((r) => asString(fieldAt(r, 'kind')));
    if (!kinds.some((k) => k === 'MeshTLSAuthentication' || k === 'ServiceAccount')) plaintextAccepted = true;
    verdicts.push({ label: `AuthorizationPolicy ${serverNs}/${p.name}`, match: all(refs.map((r) => authenticationMatch(input, r, serverNs, src, meshed))) });
  }
  for (const a of input.serverAuthorizations) {
    if ((a.namespace ?? 'default') !== serverNs || !serverAuthorizationSelects(a, server)) continue;
    const judged = serverAuthorizationMatch(a, serverNs, src, meshed);
    if (!judged) {
      ignored.push(`ServerAuthorization ${serverNs}/${a.name} (no client authentication: Linkerd ignores it)`);
      continue;
    }
    if (judged.plaintext) plaintextAccepted = true;
    verdicts.push({ label: `ServerAuthorization ${serverNs}/${a.name}`, match: judged.match });
  }
  v.transport = meshed ? (plaintextAccepted ? 'permissive' : 'mtls') : 'plaintext';
  v.why = `${clientWords}, ${serverLabel}${meshed && plaintextAccepted ? ' (accepts plaintext too)' : ''}`;
  const admitted = (access.allows && (!access.needsMeshIdentity || meshed)) || verdicts.some((x) => x.match === 'yes');
  if (admitted) return v;
  const maybe = verdicts.filter((x) => x.match === 'maybe');
  if (maybe.length > 0) v.narrowed = `only clients ${maybe.map((x) => x.label).join(', ')} admits, by what the input does not show (client addresses, or an authentication object missing from the input)`;
  else v.refused = verdicts.length > 0 ? `${serverLabel}: none of ${verdicts.map((x) => x.label).join(', ')} authorizes it` : `${serverLabel} (accessPolicy ${accessName}) and no AuthorizationPolicy targets it`;
  if (v.refused && ignored.length > 0) v.refused += `; ${ignored.join(', ')}`;
  return v;
}

/** A ServerAuthorization's spec.server: by name, or a selector over the Servers' labels. */
function serverAuthorizationSelects(authz: Resource, server: Resource): boolean {
  const target = fieldAt(authz.object, 'spec', 'server');
  const name = asString(fieldAt(target, 'name'));
  if (name !== undefined) return name === server.name;
  const selector = fieldAt(target, 'selector');
  return selector !== undefined && selectorMatches(selector, labelsOf(fieldAt(server.object, 'metadata')));
}

/**
 * Whether a ServerAuthorization (policy.linkerd.io/v1beta1) admits an in-cluster client, as
 * Linkerd's policy controller reads its spec.client: `networks` (absent: the cluster's networks,
 * which hold every pod), and `unauthenticated: true` (anyone, plaintext too) or `meshTLS`
 * (`unauthenticatedTLS`: any meshed client; else one of `identities` or `serviceAccounts`).
 * Undefined when it names no authentication: the controller refuses it.
 */
function serverAuthorizationMatch(authz: Resource, namespace: string, client: MeshSide, meshed: boolean): { match: Match; plaintext: boolean } | undefined {
  const spec = fieldAt(authz.object, 'spec', 'client');
  const networks = fieldAt(spec, 'networks');
  let network: Match = 'yes';
  if (Array.isArray(networks)) {
    const everything = networks.some((n) => parseCidr(fieldAt(n, 'cidr'))?.prefix === 0 && asArray(fieldAt(n, 'except')).length === 0);
    network = everything ? 'yes' : networks.length === 0 ? 'no' : 'maybe';
  }
  if (fieldAt(spec, 'unauthenticated') === true) return { match: network, plaintext: true };
  const mtls = fieldAt(spec, 'meshTLS');
  if (!isObject(mtls)) return undefined;
  if (!meshed) return { match: 'no', plaintext: false };
  if (mtls.unauthenticatedTLS === true) return { match: network, plaintext: false };
  const identity = linkerdIdentity(client.namespace, client.serviceAccount);
  const identities = asArray(mtls.identities).filter((v): v is string => typeof v === 'string');
  const byIdentity = identities.some((p) => p === '*' || p === identity || (p.startsWith('*.') && identity.endsWith(p.slice(1))));
  const bySa = asArray(mtls.serviceAccounts).some((sa) => asString(fieldAt(sa, 'name')) === client.serviceAccount && (asString(fieldAt(sa, 'namespace')) ?? namespace) === client.namespace);
  return { match: byIdentity || bySa ? network : 'no', plaintext: false };
}

// ---------------------------------------------------------------------------------------------
// Consul

/** Consul's annotation naming a pod's service; without it the Kubernetes Service selecting the pod names it. */
export const CONSUL_CONNECT_SERVICE = 'consul.hashicorp.com/connect-service';

function consulServiceName(input: MeshInput, side: MeshSide): string | undefined {
  const annotated = side.pod ? stringMap(fieldAt(side.pod.metadata, 'annotations'))[CONSUL_CONNECT_SERVICE] : undefined;
  if (annotated) return annotated.split(',')[0].trim();
  const services = servicesOf(input, side);
  return services.length === 1 ? services[0].name : undefined;
}

/**
 * Consul's intentions between two Connect sidecars (ServiceIntentions, one per destination): the
 * most precise intention for the pair decides (an exact destination before `*`, then an exact
 * source before `*`); `deny` refuses, `allow` admits, L7 `permissions` admit only some requests.
 * With none, Consul's ACL default policy decides, which manifests do not show.
 */
function consulIntentions(input: MeshInput, src: MeshSide, dst: MeshSide, port: number | undefined): PortVerdict {
  const v: PortVerdict = { port, transport: 'mtls', why: 'both in Consul' };
  const dstName = consulServiceName(input, dst);
  const srcName = consulServiceName(input, src);
  if (dstName === undefined || srcName === undefined) {
    v.why += `; intentions not judged: the Consul service name of the ${dstName === undefined ? 'server' : 'client'} is not known (no ${CONSUL_CONNECT_SERVICE} annotation, and not exactly one Service selecting it)`;
    return v;
  }
  let best: { rank: number; label: string; source: unknown } | undefined;
  for (const intention of input.serviceIntentions) {
    const dest = asString(fieldAt(intention.object, 'spec', 'destination', 'name'));
    if (dest !== dstName && dest !== '*') continue;
    for (const source of asArray(fieldAt(intention.object, 'spec', 'sources'))) {
      const name = asString(fieldAt(source, 'name'));
      if (name !== srcName && name !== '*') continue;
      const rank = (dest === dstName ? 2 : 0) + (name === srcName ? 1 : 0);
      if (!best || rank > best.rank) best = { rank, label: `ServiceIntentions ${intention.namespace ?? 'default'}/${intention.name} (${name} => ${dest})`, source };
    }
  }
  if (!best) {
    v.why += `; no intention of the input names ${srcName} => ${dstName}: Consul's ACL default policy decides (not in manifests)`;
    return v;
  }
  const action = asString(fieldAt(best.source, 'action'));
  if (action === 'deny') v.refused = `denied by ${best.label}`;
  else if (action !== 'allow' && asArray(fieldAt(best.source, 'permissions')).length > 0) v.narrowed = `only the requests the permissions of ${best.label} allow`;
  else v.why += `, allowed by ${best.label}`;
  return v;
}

// ---------------------------------------------------------------------------------------------

function portVerdict(input: MeshInput, src: MeshSide, dst: MeshSide, port: number | undefined): PortVerdict {
  const dstFamily = family(dst.mesh);
  if (dstFamily === 'istio') return istioPort(input, src, dst, port);
  if (dstFamily === 'linkerd') return linkerdPort(input, src, dst, port);
  if (dstFamily === 'consul') {
    // Consul's sidecar takes only mTLS on its public listener; intentions decide who.
    if (family(src.mesh) === 'consul') return consulIntentions(input, src, dst, port);
    return { port, transport: 'unknown', why: 'a client outside Consul: whether it reaches the application around the sidecar depends on transparent proxy settings' };
  }
  const plain: PortVerdict = { port, transport: 'plaintext', why: dst.mesh === undefined && src.mesh ? 'the server is outside the mesh' : 'neither end is in a mesh' };
  const paths = dst.mesh === undefined ? clientPaths(input, src, dst, port) : [];
  if (paths.length === 0) return plain;
  // A sidecar client whose DestinationRule originates TLS towards a server without a proxy.
  return combinePaths(
    paths.map(({ via, tls }) => {
      if (tls.mode === 'ISTIO_MUTUAL') return { via, v: { ...plain, why: `the client's sidecar sends Istio mTLS (${tlsWords(tls)})`, refused: `the server has no sidecar to terminate the mTLS that ${tlsWords(tls)} makes the client send, so the connection fails` } };
      if (tls.mode === 'SIMPLE' || tls.mode === 'MUTUAL') return { via, v: { ...plain, transport: 'unknown' as const, why: `the client's sidecar originates TLS (${tlsWords(tls)}): encrypted if the server speaks TLS, without a mesh identity` } };
      return { via, v: plain };
    }),
  );
}

const NO_MESH: ConnectionMesh = { transport: 'plaintext', why: 'neither end is in a mesh' };
const SERVER_OUTSIDE: ConnectionMesh = { transport: 'plaintext', why: 'the server is outside the mesh' };

const TO_OUTSIDE: ConnectionMesh = { transport: 'unknown', why: 'an address outside the cluster: the application may use TLS itself' };
const TO_OUTSIDE_MESHED: ConnectionMesh = { transport: 'unknown', why: 'an address outside the cluster: the mesh does not carry it unless an egress gateway does; the application may use TLS itself' };
const FROM_OUTSIDE: ConnectionMesh = { transport: 'unknown', why: 'a client outside the cluster: it has no mesh identity unless it comes through a mesh gateway' };

const ORDER: Transport[] = ['plaintext', 'unknown', 'permissive', 'mtls'];

function portsText(ports: (number | undefined)[]): string {
  const known = ports.filter((p): p is number => p !== undefined);
  return known.length === 0 ? 'every port' : `port${known.length > 1 ? 's' : ''} ${known.join(', ')}`;
}

/** What the mesh does to a workload-to-workload connection on the given ports. */
export function workloadConnectionMesh(input: MeshInput, src: MeshSide, dst: MeshSide, ports: PortSet): ConnectionMesh {
  // The common verdicts are one shared object each: an open cluster has a connection per pair of workloads.
  if (dst.unknown) return (dst.asUnknownServer ??= { transport: 'unknown', why: `the server: ${dst.unknown}` });
  if (src.unknown && dst.mesh === undefined) return (src.asUnknownClient ??= { transport: 'unknown', why: `the client: ${src.unknown}` });
  if (dst.mesh === undefined && (src.mesh !== 'istio-sidecar' || input.destinationRules.length === 0)) return src.mesh ? SERVER_OUTSIDE : NO_MESH;
  const judged = portsToJudge(dst, ports);
  const verdicts = judged.map((p) => portVerdict(input, src, dst, p));
  const open = verdicts.filter((v) => !v.refused);
  const refused = verdicts.filter((v) => v.refused);
  let transport: Transport;
  let why: string;
  if (src.unknown) {
    transport = 'unknown';
    why = `the client: ${src.unknown}`;
  } else {
    const counted = open.length > 0 ? open : verdicts;
    transport = ORDER.find((t) => counted.some((v) => v.transport === t))!;
    const worst = counted.filter((v) => v.transport === transport);
    const ports = worst.map((v) => v.port);
    why = `${worst[0].why}${counted.length > worst.length ? ` (on ${portsText(ports)})` : ''}`;
  }
  const out: ConnectionMesh = { transport, why };
  const perPort = open.filter((v): v is PortVerdict & { port: number } => v.port !== undefined);
  if (!src.unknown && new Set(perPort.map((v) => v.transport)).size > 1) out.ports = perPort.map((v) => ({ port: v.port, transport: v.transport }));
  if (refused.length === verdicts.length) {
    const reasons = [...new Set(refused.map((v) => v.refused!))];
    out.authorization = { effect: 'denies', why: reasons.join('; ') };
  } else if (refused.length > 0 || open.some((v) => v.narrowed)) {
    const parts = [
      ...(refused.length > 0 ? [`refuses ${portsText(refused.map((v) => v.port))}: ${[...new Set(refused.map((v) => v.refused!))].join('; ')}`] : []),
      ...[...new Set(open.filter((v) => v.narrowed).map((v) => v.narrowed!))],
    ];
    out.authorization = { effect: 'narrows', why: parts.join('; ') };
  }
  return out;
}

/** A connection with an address outside the cluster on one side. */
export function externalConnectionMesh(input: MeshInput, side: MeshSide, direction: 'from-outside' | 'to-outside', ports: PortSet): ConnectionMesh {
  if (direction === 'to-outside') return side.mesh ? TO_OUTSIDE_MESHED : TO_OUTSIDE;
  if (side.unknown || side.mesh === undefined) return FROM_OUTSIDE;
  const why = FROM_OUTSIDE.why;
  // Judged as a client outside the mesh, which is what a plain external client is.
  const outsider: MeshSide = { namespace: '', serviceAccount: '', labels: {}, ports: [] };
  const inner = workloadConnectionMesh(input, outsider, side, ports);
  return { transport: 'unknown', why, ...(inner.authorization ? { authorization: inner.authorization } : {}) };
}

/** What the mesh does to each connection of a reachability answer, in its order (each workload's side worked out once). */
export function meshColumn(resources: readonly Resource[], model: NetpolModel, connections: readonly Connection[], rootNamespace?: string): ConnectionMesh[] {
  const input = meshInput(resources, rootNamespace);
  const sides = new Map<string, MeshSide>();
  const side = (id: string): MeshSide | undefined => {
    const w = model.workloadById.get(id);
    if (!w) return undefined;
    let s = sides.get(id);
    if (!s) sides.set(id, (s = meshSide(input, w.namespace, w.resources)));
    return s;
  };
  return connections.map((c) => {
    const src = side(c.src);
    const dst = side(c.dst);
    if (src && dst) return workloadConnectionMesh(input, src, dst, c.ports);
    if (dst) return externalConnectionMesh(input, dst, 'from-outside', c.ports);
    if (src) return externalConnectionMesh(input, src, 'to-outside', c.ports);
    return { transport: 'unknown', why: 'no workload on either side' };
  });
}
