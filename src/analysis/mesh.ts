/**
 * Service meshes, judged from manifests: which pods a mesh takes in (Istio sidecar and ambient,
 * Linkerd, Consul), the mutual TLS Istio's PeerAuthentication policies leave each of them with, the
 * sources an Istio AuthorizationPolicy names, and Linkerd's default inbound policy.
 *
 * Every rule of the project's documentation this follows is written next to the code reading it.
 * Where a decision depends on something manifests do not show (a Helm value of the mesh's
 * installation, a webhook's configuration), the default of a standard installation is assumed and
 * said so; a namespace whose Namespace object is not in the input has no labels here, so only what
 * the pod itself says counts.
 */
import type { Resource } from '../core/types.js';
import { escapePointerToken } from '../core/pointer.js';
import { asArray, asString, fieldAt, isObject, stringMap } from '../core/values.js';
import { podSpecs, type PodSpecView } from '../k8s/pods.js';
import { labelsOf, type Labels } from '../k8s/labels.js';

export const ISTIO_INJECTION_LABEL = 'istio-injection';
export const ISTIO_REV_LABEL = 'istio.io/rev';
export const ISTIO_INJECT = 'sidecar.istio.io/inject';
export const ISTIO_DATAPLANE_MODE = 'istio.io/dataplane-mode';
export const LINKERD_INJECT = 'linkerd.io/inject';
export const LINKERD_DEFAULT_INBOUND_POLICY = 'config.linkerd.io/default-inbound-policy';
export const CONSUL_INJECT = 'consul.hashicorp.com/connect-inject';

/** Istio's root namespace in a default installation (meshConfig.rootNamespace). */
export const DEFAULT_ISTIO_ROOT_NAMESPACE = 'istio-system';

/** Linkerd's cluster-wide default (proxy.defaultInboundPolicy) when the installation does not change it. */
export const LINKERD_CLUSTER_DEFAULT_INBOUND_POLICY = 'all-unauthenticated';

export type MeshName = 'istio-sidecar' | 'istio-ambient' | 'linkerd' | 'consul';

export const MESH_LABEL: Record<MeshName, string> = {
  'istio-sidecar': 'the Istio mesh (sidecar)',
  'istio-ambient': 'the Istio ambient mesh',
  linkerd: 'the Linkerd mesh',
  consul: 'the Consul service mesh',
};

/** A namespace's labels and annotations, as far as the input shows them. */
export interface NamespaceMeta {
  name: string;
  labels: Labels;
  annotations: Labels;
  /** The Namespace object is in the input (else labels and annotations are unknown and empty here). */
  declared: boolean;
}

/** Why a pod is out of a mesh its namespace puts it in. */
export interface Exclusion {
  mesh: MeshName;
  /** What takes it out, in words. */
  reason: string;
  /** JSON Pointer (in the object) of the field that takes it out. */
  path: string;
  /** What puts the namespace in the mesh, in words. */
  namespaceReason: string;
}

export interface Membership {
  /** The mesh the pod's traffic goes through, if any. */
  mesh?: MeshName;
  /** Why, in words ("namespace label istio-injection=enabled"). */
  reason?: string;
  /** Meshes the pod's namespace enrols it in but that it is kept out of (one per mesh). */
  excluded: Exclusion[];
}

// Istio never injects into these, whatever their labels (Istio's "Automatic sidecar injection" concepts page).
const ISTIO_NEVER_INJECTED = new Set(['kube-system', 'kube-public']);

type Switch = { state: 'enabled' | 'disabled'; what: string; path?: string } | undefined;

/**
 * Istio's sidecar injection, as its "Installing the Sidecar" page documents the policy with the
 * default webhook: a namespace is enabled by `istio-injection=enabled`, or by `istio.io/rev` when
 * `istio-injection` is absent (istio-injection wins when both are set); a pod by its label
 * `sidecar.istio.io/inject` ("true"/"false"), or `istio.io/rev`. If either side is disabled the pod
 * is not injected; else if either is enabled it is; else it is not (enableNamespacesByDefault is
 * off by default). The annotation `sidecar.istio.io/inject` is the older form: the injector still
 * honours "false", but the webhook's object selector reads labels only, so an annotation "true"
 * enables nothing by itself; the label wins over the annotation. hostNetwork pods and pods in
 * kube-system and kube-public are never injected.
 */
function istioNamespaceSwitch(ns: NamespaceMeta): Switch {
  const injection = ns.labels[ISTIO_INJECTION_LABEL];
  if (injection === 'enabled') return { state: 'enabled', what: `namespace label ${ISTIO_INJECTION_LABEL}=enabled` };
  if (injection === 'disabled') return { state: 'disabled', what: `namespace label ${ISTIO_INJECTION_LABEL}=disabled` };
  const rev = ns.labels[ISTIO_REV_LABEL];
  if (rev !== undefined && injection === undefined) return { state: 'enabled', what: `namespace label ${ISTIO_REV_LABEL}=${rev}` };
  return undefined;
}

function istioPodSwitch(pod: PodSpecView): Switch {
  const labels = labelsOf(pod.metadata);
  const annotations = stringMap(fieldAt(pod.metadata, 'annotations'));
  const label = labels[ISTIO_INJECT];
  if (label === 'true') return { state: 'enabled', what: `pod label ${ISTIO_INJECT}="true"`, path: `${pod.metadataPath}/labels/${escapePointerToken(ISTIO_INJECT)}` };
  if (label === 'false') return { state: 'disabled', what: `pod label ${ISTIO_INJECT}="false"`, path: `${pod.metadataPath}/labels/${escapePointerToken(ISTIO_INJECT)}` };
  if (annotations[ISTIO_INJECT] === 'false') return { state: 'disabled', what: `pod annotation ${ISTIO_INJECT}="false"`, path: `${pod.metadataPath}/annotations/${escapePointerToken(ISTIO_INJECT)}` };
  const rev = labels[ISTIO_REV_LABEL];
  if (rev !== undefined) return { state: 'enabled', what: `pod label ${ISTIO_REV_LABEL}=${rev}`, path: `${pod.metadataPath}/labels/${escapePointerToken(ISTIO_REV_LABEL)}` };
  return undefined;
}

function hasContainer(pod: PodSpecView, name: string): boolean {
  return asArray(pod.spec.containers).some((c) => isObject(c) && c.name === name);
}

/** Which mesh a pod spec is in, with the namespace's labels and annotations. */
export function meshMembership(pod: PodSpecView, ns: NamespaceMeta): Membership {
  const excluded: Exclusion[] = [];
  const hostNetwork = pod.spec.hostNetwork === true;
  const hostNetworkPath = `${pod.path}/hostNetwork`;
  const labels = labelsOf(pod.metadata);
  const annotations = stringMap(fieldAt(pod.metadata, 'annotations'));

  // Istio, sidecar mode. A pod already holding an istio-proxy container was injected by hand (istioctl kube-inject).
  const nsIstio = ISTIO_NEVER_INJECTED.has(ns.name) ? undefined : istioNamespaceSwitch(ns);
  const podIstio = istioPodSwitch(pod);
  if (hasContainer(pod, 'istio-proxy')) return { mesh: 'istio-sidecar', reason: 'its istio-proxy container (injected by hand)', excluded };
  const istioWanted = !ISTIO_NEVER_INJECTED.has(ns.name) && nsIstio?.state !== 'disabled' && podIstio?.state !== 'disabled' && (nsIstio?.state === 'enabled' || podIstio?.state === 'enabled');
  if (istioWanted && !hostNetwork) return { mesh: 'istio-sidecar', reason: (podIstio?.state === 'enabled' ? podIstio : nsIstio)!.what, excluded };
  if (nsIstio?.state === 'enabled') {
    if (hostNetwork) excluded.push({ mesh: 'istio-sidecar', reason: 'hostNetwork: true (Istio never injects a sidecar into a pod on the host network)', path: hostNetworkPath, namespaceReason: nsIstio.what });
    else if (podIstio?.state === 'disabled') excluded.push({ mesh: 'istio-sidecar', reason: podIstio.what, path: podIstio.path!, namespaceReason: nsIstio.what });
  }

  // Istio, ambient mode ("Add workloads to the mesh"): istio.io/dataplane-mode=ambient on the namespace or the pod,
  // a pod's istio.io/dataplane-mode=none opting out. A pod with a sidecar keeps it (checked above: the sidecar wins).
  const nsAmbient = ns.labels[ISTIO_DATAPLANE_MODE] === 'ambient';
  const podMode = labels[ISTIO_DATAPLANE_MODE];
  const podModePath = `${pod.metadataPath}/labels/${escapePointerToken(ISTIO_DATAPLANE_MODE)}`;
  const ambientWhat = `namespace label ${ISTIO_DATAPLANE_MODE}=ambient`;
  if (podMode === 'none') {
    if (nsAmbient) excluded.push({ mesh: 'istio-ambient', reason: `pod label ${ISTIO_DATAPLANE_MODE}=none`, path: podModePath, namespaceReason: ambientWhat });
  } else if (podMode === 'ambient' || nsAmbient) {
    if (hostNetwork) {
      if (nsAmbient) excluded.push({ mesh: 'istio-ambient', reason: 'hostNetwork: true (ambient mode does not capture the traffic of pods on the host network)', path: hostNetworkPath, namespaceReason: ambientWhat });
    } else {
      // A pod kept out of sidecar injection in an ambient namespace is captured by ztunnel instead.
      return { mesh: 'istio-ambient', reason: podMode === 'ambient' ? `pod label ${ISTIO_DATAPLANE_MODE}=ambient` : ambientWhat, excluded };
    }
  }

  // Linkerd ("Automatic proxy injection"): linkerd.io/inject on the pod template, else on the namespace: enabled or ingress
  // inject the proxy, disabled keeps it out. The proxy injector skips pods on the host network.
  const nsLinkerd = ns.annotations[LINKERD_INJECT];
  const podLinkerd = annotations[LINKERD_INJECT];
  const linkerdMeshes = (v: string | undefined): boolean => v === 'enabled' || v === 'ingress';
  if (hasContainer(pod, 'linkerd-proxy')) return { mesh: 'linkerd', reason: 'its linkerd-proxy container (injected by hand)', excluded };
  const linkerd = podLinkerd ?? nsLinkerd;
  if (linkerdMeshes(linkerd) && !hostNetwork)
    return { mesh: 'linkerd', reason: podLinkerd !== undefined ? `pod annotation ${LINKERD_INJECT}: ${podLinkerd}` : `namespace annotation ${LINKERD_INJECT}: ${nsLinkerd}`, excluded };
  if (linkerdMeshes(nsLinkerd)) {
    const nsWhat = `namespace annotation ${LINKERD_INJECT}: ${nsLinkerd}`;
    if (podLinkerd === 'disabled') excluded.push({ mesh: 'linkerd', reason: `pod annotation ${LINKERD_INJECT}: disabled`, path: `${pod.metadataPath}/annotations/${escapePointerToken(LINKERD_INJECT)}`, namespaceReason: nsWhat });
    else if (hostNetwork) excluded.push({ mesh: 'linkerd', reason: 'hostNetwork: true (the Linkerd proxy injector skips pods on the host network)', path: hostNetworkPath, namespaceReason: nsWhat });
  }

  // Consul: connectInject.default is false in the Helm chart, so only the pod annotation "true" enrols a pod; which
  // namespaces the injector watches is a Helm value manifests do not show.
  if (annotations[CONSUL_INJECT] === 'true' && !hostNetwork) return { mesh: 'consul', reason: `pod annotation ${CONSUL_INJECT}: "true"`, excluded };
  return { excluded };
}

/** The namespaces of the input with their labels and annotations (the first Namespace object of a name counts). */
export function namespaceMetas(namespaces: readonly Resource[]): Map<string, NamespaceMeta> {
  const out = new Map<string, NamespaceMeta>();
  for (const r of namespaces) {
    if (r.apiVersion !== 'v1' || out.has(r.name)) continue;
    const metadata = fieldAt(r.object, 'metadata');
    out.set(r.name, { name: r.name, labels: labelsOf(metadata), annotations: stringMap(fieldAt(metadata, 'annotations')), declared: true });
  }
  return out;
}

export function namespaceMeta(metas: ReadonlyMap<string, NamespaceMeta>, name: string): NamespaceMeta {
  return metas.get(name) ?? { name, labels: {}, annotations: {}, declared: false };
}

// ---------------------------------------------------------------------------------------------
// Istio PeerAuthentication

export type MtlsMode = 'UNSET' | 'DISABLE' | 'PERMISSIVE' | 'STRICT';

const MODES = new Set<MtlsMode>(['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT']);

export function isIstioSecurity(resource: Resource, kind: string): boolean {
  return resource.kind === kind && /^security\.istio\.io\//.test(resource.apiVersion);
}

export interface PeerAuthentication {
  resource: Resource;
  namespace: string;
  name: string;
  /** matchLabels of spec.selector; undefined (or empty) for a namespace-wide (or, in the root namespace, mesh-wide) policy. */
  selector?: Labels;
  mode: MtlsMode;
  /** Container port -> mode, with the pointer of the entry (honoured only with a selector). */
  ports: { port: number; mode: MtlsMode; path: string }[];
  created?: string;
  /** A word for messages: `PeerAuthentication shop/default`. */
  label: string;
}

function modeOf(value: unknown): MtlsMode {
  const mode = asString(fieldAt(value, 'mode'));
  // An absent mtls or mode is UNSET (inherit); a value the API would refuse is not guessed at: treated as UNSET too.
  return mode !== undefined && MODES.has(mode as MtlsMode) ? (mode as MtlsMode) : 'UNSET';
}

export function readPeerAuthentication(resource: Resource): PeerAuthentication {
  const spec = isObject(resource.object.spec) ? resource.object.spec : {};
  const namespace = resource.namespace ?? 'default';
  const matchLabels = fieldAt(spec, 'selector', 'matchLabels');
  const selector = isObject(matchLabels) && Object.keys(matchLabels).length > 0 ? stringMap(matchLabels) : undefined;
  const ports: PeerAuthentication['ports'] = [];
  const portLevel = fieldAt(spec, 'portLevelMtls');
  if (isObject(portLevel))
    for (const [key, value] of Object.entries(portLevel)) {
      const port = Number(key);
      if (Number.isInteger(port) && port > 0 && port <= 65535) ports.push({ port, mode: modeOf(value), path: `/spec/portLevelMtls/${escapePointerToken(key)}/mode` });
    }
  ports.sort((a, b) => a.port - b.port);
  return { resource, namespace, name: resource.name, selector, mode: modeOf(spec.mtls), ports, created: asString(fieldAt(resource.object, 'metadata', 'creationTimestamp')), label: `PeerAuthentication ${namespace}/${resource.name}` };
}

function matchLabelsMatch(selector: Labels, labels: Labels): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Istio applies the oldest of several policies that compete at one level; manifests without creationTimestamp keep input order. */
function oldest(policies: PeerAuthentication[]): PeerAuthentication | undefined {
  let best: PeerAuthentication | undefined;
  for (const p of policies) {
    if (!best) best = p;
    else if (p.created !== undefined && (best.created === undefined || p.created < best.created)) best = p;
  }
  return best;
}

export interface MtlsDecision {
  /** STRICT, PERMISSIVE or DISABLE: UNSET all the way up means Istio's default, PERMISSIVE. */
  mode: Exclude<MtlsMode, 'UNSET'>;
  /** The policy that set the mode; undefined when Istio's default applies. */
  from?: PeerAuthentication;
  /** Where the mode came from: `workload`, `namespace`, `mesh` or `default`. */
  level: 'workload' | 'namespace' | 'mesh' | 'default';
  /** Container ports whose mode differs from `mode` (portLevelMtls of the workload's policy). */
  ports: { port: number; mode: Exclude<MtlsMode, 'UNSET'> }[];
  /** The workload-level policy, when one selects the pod. */
  workloadPolicy?: PeerAuthentication;
}

/**
 * The mTLS mode Istio applies to a pod's inbound traffic ("PeerAuthentication" reference and the
 * "Authentication Policy" task): the policy selecting the workload wins over the namespace's, which
 * wins over the mesh-wide one in the root namespace; a level whose mode is UNSET inherits the next;
 * nothing set means PERMISSIVE. Policies with a selector in the root namespace are ignored, and
 * portLevelMtls only counts in a policy with a selector (its ports are the workload's ports).
 */
export function resolveMtls(policies: readonly PeerAuthentication[], namespace: string, podLabels: Labels, rootNamespace: string): MtlsDecision {
  const mesh = oldest(policies.filter((p) => p.namespace === rootNamespace && !p.selector));
  const nsWide = namespace === rootNamespace ? undefined : oldest(policies.filter((p) => p.namespace === namespace && !p.selector));
  const workload = namespace === rootNamespace ? undefined : oldest(policies.filter((p) => p.namespace === namespace && p.selector && matchLabelsMatch(p.selector, podLabels)));
  let decided: Omit<MtlsDecision, 'ports' | 'workloadPolicy'> = { mode: 'PERMISSIVE', level: 'default' };
  if (workload && workload.mode !== 'UNSET') decided = { mode: workload.mode, from: workload, level: 'workload' };
  else if (nsWide && nsWide.mode !== 'UNSET') decided = { mode: nsWide.mode, from: nsWide, level: 'namespace' };
  else if (mesh && mesh.mode !== 'UNSET') decided = { mode: mesh.mode, from: mesh, level: 'mesh' };
  const ports: MtlsDecision['ports'] = [];
  for (const p of workload?.ports ?? []) if (p.mode !== 'UNSET' && p.mode !== decided.mode) ports.push({ port: p.port, mode: p.mode });
  return { ...decided, ports, workloadPolicy: workload };
}

/** Whether a pod's inbound traffic may arrive without mTLS somewhere (its mode, or one of its ports). */
export function acceptsPlaintext(decision: MtlsDecision): boolean {
  return decision.mode !== 'STRICT' || decision.ports.some((p) => p.mode !== 'STRICT');
}

export function describeMtls(decision: MtlsDecision): string {
  const source = decision.from ? `${decision.level === 'mesh' ? 'mesh-wide ' : decision.level === 'namespace' ? 'namespace-wide ' : ''}${decision.from.label}` : 'no PeerAuthentication applies: Istio\'s default';
  const ports = decision.ports.map((p) => `port ${p.port} ${p.mode}`).join(', ');
  return `${decision.mode} (${source})${ports ? `, and ${ports} (portLevelMtls of ${decision.workloadPolicy!.label})` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Istio AuthorizationPolicy

export interface AuthorizationPolicy {
  resource: Resource;
  namespace: string;
  /** ALLOW (the default), DENY, CUSTOM or AUDIT. */
  action: string;
  /** matchLabels of spec.selector; undefined for every workload of the namespace (the mesh, in the root namespace). */
  selector?: Labels;
  /** targetRef/targetRefs are set: the policy attaches to a Gateway, Service or waypoint, not to pods by selector. */
  targeted: boolean;
  rules: unknown[];
  label: string;
}

export function readAuthorizationPolicy(resource: Resource): AuthorizationPolicy {
  const spec = isObject(resource.object.spec) ? resource.object.spec : {};
  const namespace = resource.namespace ?? 'default';
  const matchLabels = fieldAt(spec, 'selector', 'matchLabels');
  const selector = isObject(matchLabels) && Object.keys(matchLabels).length > 0 ? stringMap(matchLabels) : undefined;
  return {
    resource,
    namespace,
    action: asString(spec.action) ?? 'ALLOW',
    selector,
    targeted: spec.targetRef !== undefined || spec.targetRefs !== undefined,
    rules: asArray(spec.rules),
    label: `AuthorizationPolicy ${namespace}/${resource.name}`,
  };
}

/** Whether an AuthorizationPolicy applies to a pod: by selector in its namespace, or in every namespace from the root namespace. */
export function authorizationApplies(policy: AuthorizationPolicy, namespace: string, podLabels: Labels, rootNamespace: string): boolean {
  if (policy.targeted) return false;
  if (policy.namespace !== namespace && policy.namespace !== rootNamespace) return false;
  return !policy.selector || matchLabelsMatch(policy.selector, podLabels);
}

/** A rule with no from, to and when matches every request ("an empty rule is always matched"). */
export function isMatchAllRule(rule: unknown): boolean {
  if (!isObject(rule)) return false;
  const empty = (v: unknown): boolean => v === undefined || v === null || (Array.isArray(v) && v.length === 0);
  return empty(rule.from) && empty(rule.to) && empty(rule.when);
}

/** Source fields that name a peer's mTLS identity: without mTLS the request carries none. */
export const IDENTITY_SOURCE_FIELDS = ['principals', 'notPrincipals', 'namespaces', 'notNamespaces'] as const;

export interface IdentitySource {
  path: string;
  field: (typeof IDENTITY_SOURCE_FIELDS)[number] | 'when';
  /** A plaintext request (no identity) escapes what the policy means to do with this match. */
  bypassable: boolean;
}

/**
 * The sources of a policy that match on the peer's mTLS identity. Over plaintext a request has no
 * principal and no namespace: a positive match (`principals`, `namespaces`) does not match it and a
 * negative one (`notPrincipals`, `notNamespaces`) does. So a DENY policy naming principals or
 * namespaces lets plaintext through, and an ALLOW policy with notPrincipals/notNamespaces admits
 * it; the other two combinations fail closed (Istio's "Authorization policy" security best
 * practices: ALLOW with positive matching, DENY with negative matching).
 */
export function identitySources(policy: AuthorizationPolicy): IdentitySource[] {
  const out: IdentitySource[] = [];
  const deny = policy.action === 'DENY';
  const allow = policy.action === 'ALLOW';
  policy.rules.forEach((rule, r) => {
    asArray(fieldAt(rule, 'from')).forEach((from, f) => {
      const source = fieldAt(from, 'source');
      if (!isObject(source)) return;
      for (const field of IDENTITY_SOURCE_FIELDS) {
        if (asArray(source[field]).length === 0) continue;
        const negative = field.startsWith('not');
        out.push({ path: `/spec/rules/${r}/from/${f}/source/${field}`, field, bypassable: (deny && !negative) || (allow && negative) });
      }
    });
  });
  return out;
}

/** Pod specs of an object with their labels (the pods' labels: the template's). */
export function podsOf(resource: Resource): { pod: PodSpecView; labels: Labels }[] {
  return podSpecs(resource).map((pod) => ({ pod, labels: labelsOf(pod.metadata) }));
}


export type AuthorizationVerdict =
  /** No policy that can refuse a request applies (none, or only DENY/CUSTOM policies without rules, or AUDIT): every request is allowed. */
  | 'no-policy'
  /** Every request is allowed although policies apply (an ALLOW rule `{}`, and no DENY or CUSTOM). */
  | 'allow-all'
  /** Every request is refused (a DENY rule `{}`, or ALLOW policies none of which has a rule). */
  | 'deny-all'
  /** Some requests are allowed and others refused, depending on what they carry. */
  | 'restricted';

export interface AuthorizationSummary {
  verdict: AuthorizationVerdict;
  /** The policies that decide the verdict (for deny-all and allow-all: the ones that make it so). */
  policies: AuthorizationPolicy[];
}

/**
 * What the AuthorizationPolicies applying to a pod leave of its inbound requests, as Istio evaluates
 * them ("Authorization Policy" reference): CUSTOM first, then DENY, then ALLOW; with no ALLOW
 * policy a request is allowed, else it must match one. An empty rule matches every request; a policy
 * without rules matches none, so ALLOW policies that all lack rules refuse everything. AUDIT policies
 * decide nothing. Conditions on the request itself (paths, JWT claims) make a policy `restricted`.
 */
export function summarizeAuthorization(policies: readonly AuthorizationPolicy[], namespace: string, podLabels: Labels, rootNamespace: string): AuthorizationSummary {
  const applying = policies.filter((p) => authorizationApplies(p, namespace, podLabels, rootNamespace));
  // A CUSTOM or DENY policy without rules matches no request, so it refuses nothing.
  const custom = applying.filter((p) => p.action === 'CUSTOM' && p.rules.length > 0);
  const deny = applying.filter((p) => p.action === 'DENY' && p.rules.length > 0);
  const allow = applying.filter((p) => p.action === 'ALLOW');
  const denyingAll = deny.filter((p) => p.rules.some(isMatchAllRule));
  if (denyingAll.length > 0) return { verdict: 'deny-all', policies: denyingAll };
  if (allow.length > 0 && allow.every((p) => p.rules.length === 0)) return { verdict: 'deny-all', policies: allow };
  if (custom.length === 0 && deny.length === 0) {
    if (allow.length === 0) return { verdict: 'no-policy', policies: [] };
    const allowingAll = allow.filter((p) => p.rules.some(isMatchAllRule));
    if (allowingAll.length > 0) return { verdict: 'allow-all', policies: allowingAll };
  }
  return { verdict: 'restricted', policies: [...custom, ...deny, ...allow] };
}

// ---------------------------------------------------------------------------------------------
// Istio DestinationRule: the TLS a client's sidecar originates towards a Service

/** The cluster's DNS domain in a default installation: short hosts resolve to `NAME.NAMESPACE.svc.cluster.local`. */
export const CLUSTER_DOMAIN = 'cluster.local';

export type ClientTlsMode = 'DISABLE' | 'SIMPLE' | 'MUTUAL' | 'ISTIO_MUTUAL';
const CLIENT_TLS_MODES = new Set<ClientTlsMode>(['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL']);

export interface DestinationRule {
  resource: Resource;
  namespace: string;
  /** spec.host resolved as Istio resolves it: a name without a dot is a Service of the rule's namespace. */
  host: string;
  /** spec.exportTo as written (empty: every namespace, Istio's default). */
  exportTo: string[];
  /** matchLabels of spec.workloadSelector: the rule then applies only to those clients of its own namespace. */
  workloadSelector?: Labels;
  trafficPolicy?: unknown;
  subsets: { name: string; labels: Labels; trafficPolicy?: unknown; index: number }[];
  created?: string;
  order: number;
  label: string;
}

export function isIstioNetworking(resource: Resource, kind: string): boolean {
  return resource.kind === kind && /^networking\.istio\.io\//.test(resource.apiVersion);
}

/** Istio's ResolveShortnameToFQDN: `*` and names with a dot are kept; a bare name gets the rule's namespace and the domain. */
export function resolveIstioHost(host: string, namespace: string): string {
  if (host === '*' || host.includes('.')) return host;
  return `${host}.${namespace}.svc.${CLUSTER_DOMAIN}`;
}

export function readDestinationRule(resource: Resource, order = 0): DestinationRule {
  const spec = isObject(resource.object.spec) ? resource.object.spec : {};
  const namespace = resource.namespace ?? 'default';
  const selector = fieldAt(spec, 'workloadSelector', 'matchLabels');
  return {
    resource,
    namespace,
    host: resolveIstioHost(asString(spec.host) ?? '', namespace),
    exportTo: asArray(spec.exportTo).filter((v): v is string => typeof v === 'string'),
    workloadSelector: isObject(selector) && Object.keys(selector).length > 0 ? stringMap(selector) : undefined,
    trafficPolicy: isObject(spec.trafficPolicy) ? spec.trafficPolicy : undefined,
    subsets: asArray(spec.subsets).flatMap((s, index) => (isObject(s) && typeof s.name === 'string' ? [{ name: s.name, labels: stringMap(s.labels), trafficPolicy: isObject(s.trafficPolicy) ? s.trafficPolicy : undefined, index }] : [])),
    created: asString(fieldAt(resource.object, 'metadata', 'creationTimestamp')),
    order,
    label: `DestinationRule ${namespace}/${resource.name}`,
  };
}

/** How specific a rule's host is for a Service's name: exact beats every wildcard, a longer wildcard beats a shorter one. */
function hostSpecificity(ruleHost: string, fqdn: string): number {
  if (ruleHost === fqdn) return Number.MAX_SAFE_INTEGER;
  if (ruleHost === '*') return 0;
  if (ruleHost.startsWith('*.') && fqdn.endsWith(ruleHost.slice(1))) return ruleHost.length;
  return -1;
}

/** The rules of one pool whose host matches the Service most specifically (Istio's MostSpecificHostMatch). */
function mostSpecific(pool: readonly DestinationRule[], fqdn: string): DestinationRule[] {
  let best = -1;
  let out: DestinationRule[] = [];
  for (const r of pool) {
    const s = hostSpecificity(r.host, fqdn);
    if (s < 0) continue;
    if (s > best) [best, out] = [s, [r]];
    else if (s === best) out.push(r);
  }
  return out;
}

/** Istio sorts rules with a workload selector first, then by creation time (input order when there is none). */
function byPrecedence(a: DestinationRule, b: DestinationRule): number {
  if (!!a.workloadSelector !== !!b.workloadSelector) return a.workloadSelector ? -1 : 1;
  if (a.created !== undefined && b.created !== undefined && a.created !== b.created) return a.created < b.created ? -1 : 1;
  return a.order - b.order;
}

/** A rule is seen by its own namespace's clients unless exportTo leaves that namespace out. */
function visibleLocally(r: DestinationRule): boolean {
  return r.workloadSelector !== undefined || r.exportTo.length === 0 || r.exportTo.some((e) => e === '*' || e === '.' || e === r.namespace);
}

/** Exported beyond its namespace: no workload selector and exportTo not just the rule's own namespace. */
function exported(r: DestinationRule): boolean {
  if (r.workloadSelector) return false;
  return !(r.exportTo.length === 1 && (r.exportTo[0] === '.' || r.exportTo[0] === r.namespace));
}

function exportedTo(r: DestinationRule, clientNamespace: string): boolean {
  return r.exportTo.length === 0 || r.exportTo.includes('*') || r.exportTo.includes(clientNamespace);
}

export interface AppliedDestinationRule {
  /** The rule whose top-level trafficPolicy applies (the oldest with one among those merged for the host). */
  policyFrom?: DestinationRule;
  trafficPolicy?: unknown;
  /** Subsets of every merged rule, the first of a name winning. */
  subsets: (DestinationRule['subsets'][number] & { rule: DestinationRule })[];
}

/**
 * The DestinationRule a client's sidecar applies to a Service, as Istio's push context looks it up
 * (pilot's destinationRule and the sidecar scope): the client's own namespace first (every rule
 * there that exportTo does not hide from it), then rules the Service's namespace exports to the
 * client, then the root namespace's. In each namespace the most specific host wins; rules for the
 * same host are merged (the oldest top-level trafficPolicy wins, subsets add up), and a rule with a
 * workloadSelector applies only to the clients it selects in its own namespace, before the others.
 */
export function destinationRuleFor(rules: readonly DestinationRule[], fqdn: string, serviceNamespace: string, clientNamespace: string, clientLabels: Labels, rootNamespace: string): AppliedDestinationRule | undefined {
  const pools: DestinationRule[][] = [];
  if (clientNamespace !== rootNamespace) pools.push(mostSpecific(rules.filter((r) => r.namespace === clientNamespace && visibleLocally(r)), fqdn));
  else pools.push(mostSpecific(rules.filter((r) => r.namespace === rootNamespace && !exported(r)), fqdn));
  for (const ns of [serviceNamespace, rootNamespace]) pools.push(mostSpecific(rules.filter((r) => r.namespace === ns && exported(r)), fqdn).filter((r) => exportedTo(r, clientNamespace)));
  const found = pools.find((p) => p.length > 0);
  if (!found) return undefined;
  const sorted = [...found].sort(byPrecedence);
  const selected = sorted.find((r) => r.workloadSelector && r.namespace === clientNamespace && matchLabelsMatch(r.workloadSelector, clientLabels));
  const merged = selected ? [selected] : sorted.filter((r) => !r.workloadSelector);
  if (merged.length === 0) return undefined;
  const policyFrom = merged.find((r) => r.trafficPolicy !== undefined);
  const subsets: AppliedDestinationRule['subsets'] = [];
  for (const r of merged) for (const s of r.subsets) if (!subsets.some((x) => x.name === s.name)) subsets.push({ ...s, rule: r });
  return { policyFrom, trafficPolicy: policyFrom?.trafficPolicy, subsets };
}

export interface ClientTls {
  /** Undefined: no tls block applies, so Istio's auto mTLS decides. A tls block without mode is DISABLE (the API's default). */
  mode?: ClientTlsMode;
  /** The rule and JSON Pointer that set it. */
  rule?: DestinationRule;
  path?: string;
  /** In words: `DestinationRule shop/api (port 8080, subset v2)`. */
  where?: string;
}

/**
 * The tls of a trafficPolicy for one Service port: a portLevelSettings entry for the port replaces
 * the policy's settings for that port (its fields are not inherited: an entry without tls leaves
 * the port to auto mTLS); a subset's policy overrides the top-level tls, and its own port entry
 * overrides that (Istio's GetPortLevelTrafficPolicy and MergeSubsetTrafficPolicy).
 */
export function clientTlsFor(applied: AppliedDestinationRule, servicePort: number | undefined, subset?: AppliedDestinationRule['subsets'][number]): ClientTls {
  let out: ClientTls = {};
  const take = (tls: unknown, rule: DestinationRule, path: string, where: string): void => {
    if (!isObject(tls)) {
      out = {};
      return;
    }
    const mode = asString(tls.mode) ?? 'DISABLE';
    out = CLIENT_TLS_MODES.has(mode as ClientTlsMode) ? { mode: mode as ClientTlsMode, rule, path: `${path}${tls.mode === undefined ? '' : '/mode'}`, where } : {};
  };
  const level = (policy: unknown, rule: DestinationRule, base: string, where: string, inherit: boolean): void => {
    if (!isObject(policy)) return;
    const entries = asArray(policy.portLevelSettings);
    const i = servicePort === undefined ? -1 : entries.findIndex((e) => fieldAt(e, 'port', 'number') === servicePort);
    if (i >= 0) take(fieldAt(entries[i], 'tls'), rule, `${base}/portLevelSettings/${i}/tls`, `${where}, port ${servicePort}`);
    else if (policy.tls !== undefined || !inherit) take(policy.tls, rule, `${base}/tls`, where);
  };
  if (applied.policyFrom) level(applied.trafficPolicy, applied.policyFrom, '/spec/trafficPolicy', applied.policyFrom.label, false);
  if (subset?.trafficPolicy !== undefined) level(subset.trafficPolicy, subset.rule, `/spec/subsets/${subset.index}/trafficPolicy`, `${subset.rule.label}, subset ${subset.name}`, true);
  return out;
}
