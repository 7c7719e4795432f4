/**
 * NetworkPolicy semantics (networking.k8s.io/v1), implemented once for the network rules and the
 * `kshield netpol` commands. See https://kubernetes.io/docs/concepts/services-networking/network-policies/.
 *
 * The model:
 * - A workload is `namespace/Kind/name`. Objects holding pod specs are grouped under the root of
 *   their ownerReferences (a Pod owned by a ReplicaSet owned by a Deployment is the Deployment). A
 *   Pod owned by a ReplicaSet that is not in the input, carrying `pod-template-hash: H` while the
 *   ReplicaSet is named `<deployment>-H`, is grouped under that Deployment, as `kubectl` would show it.
 *   A bare Pod is its own workload. PodTemplate objects run nothing and are left out.
 * - An endpoint is one distinct (workload, pod labels, container ports) combination: the unit
 *   policies select. Ten replicas listed as Pods with equal labels are one endpoint.
 * - Objects without metadata.namespace are taken to be in "default" (what `kubectl apply` does
 *   without `-n`); the loader places them elsewhere with --apply-namespace, and otherwise
 *   counts them in one note (sources/placement.ts).
 * - Custom resources from which an operator creates pods (a Prometheus Operator `Prometheus`, or a
 *   kind declared under `operatorWorkloads` in the configuration; see operator-workloads.ts) become
 *   the workloads the operator makes, e.g. `monitoring/StatefulSet/prometheus-k8s`, with the pod
 *   labels and named ports the operator gives them, marked with their origin. When the input holds
 *   the real workload (a cluster listing), the real one is used. Custom resources of other kinds
 *   that may make pods are listed as not modelled. A workload can also be named by the custom
 *   resource (`monitoring/Prometheus/k8s`) or by a controller grouped under it.
 * - Namespace labels come from Namespace objects, plus the automatic `kubernetes.io/metadata.name`.
 *   A namespace only referenced by objects gets that one label, and a note says so.
 * - Selection: `podSelector` selects pods of the policy's namespace (absent or `{}` = all of them).
 *   A peer with only `podSelector` selects pods in the policy's namespace; only `namespaceSelector`
 *   selects every pod of the matching namespaces; both in one peer select pods matching the pod
 *   selector in namespaces matching the namespace selector (AND); separate peers are ORed.
 *   `from`/`to` absent or empty = every source/destination (pods and addresses outside the cluster);
 *   `ports` absent or empty = every port; `ingress: []` or absent = nothing allowed.
 * - policyTypes absent or empty: Ingress always, Egress iff `spec.egress` has at least one rule.
 *   Rules of a direction the policy does not declare are ignored.
 * - Ports: protocol defaults to TCP; a port missing means every port of that protocol; `endPort`
 *   widens a numeric port to a range; a named port is resolved against the destination pods'
 *   container ports of that name and protocol (for egress, the destination's; never the source's).
 * - A pod not selected by any policy with a given policyType is non-isolated in that direction:
 *   everything is allowed. An isolated pod gets the union of all rules of all policies that
 *   select it. A connection needs the source's egress and the destination's ingress to allow it.
 * - ipBlock peers are addresses outside the cluster: pod IPs are not known from manifests, so an
 *   ipBlock never matches a workload here; a note names ipBlocks that cover private ranges.
 *
 * Cilium (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy) and Calico (projectcalico.org
 * NetworkPolicy, GlobalNetworkPolicy) policies are read only far enough to know which pods they
 * plausibly select and in which direction, for the coverage rules; reachability does not evaluate
 * their rules and names the namespaces whose results are therefore not exact.
 */
import type { Resource } from '../core/types.js';
import { labelsOf, matchesParsed, parseLabelSelector, type Labels, type ParsedSelector } from '../k8s/labels.js';
import { containers, podSpecs } from '../k8s/pods.js';
import { asArray, fieldAt, isObject, asNumber, asObject, asString } from '../core/values.js';
import { parseCidr, parseIp, ipBlockContainsIp, ipBlockMayHoldPodIps, type IpBlock } from './cidr.js';
import { PortSet, isProtocol, type Protocol } from './ports.js';
import { portNameProblem } from '../k8s/api-validation.js';
import { calicoKeys, calicoMatches, parseCalicoSelector, type CalicoSelector } from './calico-selector.js';
import { customResourceLabel, expandOperatorResources, operatorTable, type OperatorWorkload } from './operator-workloads.js';
import type { OperatorWorkloadConfig } from '../engine/rule.js';
import { ORDINAL_LABEL_KEYS, controllerPodLabels, matchPods, operatorControllerPodLabels, type PodLabelModel } from '../k8s/controller-labels.js';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
export const DEFAULT_NAMESPACE = 'default';

export type Direction = 'ingress' | 'egress';

export interface NamespaceInfo {
  name: string;
  labels: Labels;
  /** A Namespace object for it is in the input. */
  declared: boolean;
}

export interface Workload {
  /** `namespace/Kind/name` */
  id: string;
  namespace: string;
  kind: string;
  name: string;
  /** The input objects whose pod specs make up this workload, in input order. */
  resources: Resource[];
  endpoints: number[];
  hostNetwork: boolean;
  /** Set when an operator makes this workload from a custom resource in the input. */
  operator?: OperatorWorkload;
  /** "created by the Prometheus Operator from Prometheus monitoring/k8s", for an operator's workload (modelled or in the input). */
  origin?: string;
}

export interface Endpoint {
  index: number;
  workload: Workload;
  namespace: string;
  /** The labels every pod of the endpoint carries with a known value (template and controller-set). */
  labels: Labels;
  /** All its pods' labels: `labels`, and those the controller adds with a run-time value (controller-labels.ts). */
  pods: PodLabelModel;
  /** "TCP/http" -> container port numbers carrying that name. */
  namedPorts: Map<string, number[]>;
}

export interface PortSpec {
  protocol: Protocol;
  /** Absent: every port of the protocol. */
  port?: number | string;
  endPort?: number;
}

export interface PeerSet {
  /** `from`/`to` absent or empty: every pod and every address. */
  everything: boolean;
  endpoints: Set<number>;
  ipBlocks: IpBlock[];
}

export interface PolicyRule {
  policy: Policy;
  direction: Direction;
  index: number;
  /** JSON Pointer of the rule inside the policy. */
  path: string;
  peers: PeerSet;
  /** 'all' when `ports` is absent or empty. */
  ports: PortSpec[] | 'all';
  /** Resolved ports when they do not depend on the destination (no named port). */
  fixedPorts?: PortSet;
  /** Some peer has a namespaceSelector (namespace labels matter). */
  usesNamespaceSelector?: boolean;
}

export interface Policy {
  resource: Resource;
  namespace: string;
  name: string;
  /** `namespace/name` */
  id: string;
  podSelector: ParsedSelector;
  selected: number[];
  ingress: boolean;
  egress: boolean;
  ingressRules: PolicyRule[];
  egressRules: PolicyRule[];
}

/** A Cilium or Calico policy: which pods it plausibly selects, and in which directions it isolates them. */
export interface ForeignPolicy {
  resource: Resource;
  /** e.g. "CiliumNetworkPolicy shop/deny-all" */
  label: string;
  /** undefined for cluster-wide policies. */
  namespace?: string;
  selected: number[];
  /** Namespaces in which it selects every pod (present and future). */
  selectsWholeNamespace: (ns: string) => boolean;
  ingress: boolean;
  egress: boolean;
}

export interface ModelProblem {
  resource: Resource;
  path: string;
  message: string;
}

export interface NetpolModel {
  namespaces: Map<string, NamespaceInfo>;
  workloads: Workload[];
  workloadById: Map<string, Workload>;
  endpoints: Endpoint[];
  policies: Policy[];
  foreign: ForeignPolicy[];
  /** Per endpoint: policies selecting it with that policyType. */
  ingressPolicies: Policy[][];
  egressPolicies: Policy[][];
  /** Per endpoint: foreign policies selecting it. */
  foreignSelecting: ForeignPolicy[][];
  notes: string[];
  problems: ModelProblem[];
  /** Other names of workloads: the custom resource an operator makes them from, the controllers grouped under them. */
  aliases: Map<string, Workload[]>;
  /** Objects left out of the model, and why, in words (one line per reason). */
  notModelled: string[];
}

export interface ModelOptions {
  /** `operatorWorkloads` entries of the configuration (the built-in table always applies). */
  operatorWorkloads?: readonly OperatorWorkloadConfig[];
  /** Target Kubernetes version, for the labels controllers add to pods (apps.kubernetes.io/pod-index from 1.28). Default: the newest behaviour. */
  kubernetesVersion?: string;
}

/** A workload whose pods a policy may name one by one is split into one endpoint per pod up to this many pods. */
const MAX_PODS_SPLIT = 64;

const ALIASED_CONTROLLERS = new Set(['StatefulSet', 'Deployment', 'DaemonSet']);

/** How many objects a "not modelled" line names before it counts the rest. */
const NAMED_IN_NOTES = 8;

function listed(names: string[]): string {
  return names.length > NAMED_IN_NOTES ? `${names.slice(0, NAMED_IN_NOTES).join(', ')} and ${names.length - NAMED_IN_NOTES} more` : names.join(', ');
}

export function namespaceOf(resource: Resource): string {
  return resource.namespace ?? DEFAULT_NAMESPACE;
}

export function isNetworkPolicy(resource: Resource): boolean {
  return resource.kind === 'NetworkPolicy' && (resource.apiVersion === 'networking.k8s.io/v1' || resource.apiVersion === 'extensions/v1beta1');
}

function isCalico(resource: Resource): boolean {
  return /^(crd\.)?projectcalico\.org\//.test(resource.apiVersion ?? '') && (resource.kind === 'NetworkPolicy' || resource.kind === 'GlobalNetworkPolicy');
}

function isCilium(resource: Resource): boolean {
  return /^cilium\.io\//.test(resource.apiVersion ?? '') && (resource.kind === 'CiliumNetworkPolicy' || resource.kind === 'CiliumClusterwideNetworkPolicy');
}

function isForeignPolicy(resource: Resource): boolean {
  return isCalico(resource) || isCilium(resource);
}

/** Input order: file, then document, then position in a List. Shard copies keep these, unlike positions. */
export function compareInputOrder(a: Resource, b: Resource): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (a.documentIndex !== b.documentIndex) return a.documentIndex - b.documentIndex;
  return a.basePath < b.basePath ? -1 : a.basePath > b.basePath ? 1 : 0;
}

export function sameObject(a: Resource, b: Resource): boolean {
  return a.kind === b.kind && a.name === b.name && a.namespace === b.namespace && compareInputOrder(a, b) === 0;
}

// ---------------------------------------------------------------------------------------------
// Building the model

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

interface OwnerRef {
  kind: string;
  name: string;
}

function ownerOf(object: unknown): OwnerRef | undefined {
  const refs = asArray(fieldAt(object, 'metadata', 'ownerReferences')).filter(isObject);
  const ref = refs.find((r) => r.controller === true) ?? refs[0];
  const kind = asString(ref?.kind);
  const name = asString(ref?.name);
  return kind && name ? { kind, name } : undefined;
}

function rootOwner(resource: Resource, find: (kind: string, ns: string, name: string) => Resource | undefined): { kind: string; name: string } {
  const ns = namespaceOf(resource);
  let kind = resource.kind;
  let name = resource.name;
  let object: unknown = resource.object;
  for (let depth = 0; depth < 8; depth++) {
    const owner = ownerOf(object);
    if (!owner) break;
    const found = find(owner.kind, ns, owner.name);
    if (!found && owner.kind === 'ReplicaSet') {
      const hash = asString(fieldAt(object, 'metadata', 'labels', 'pod-template-hash'));
      if (hash && owner.name.endsWith(`-${hash}`)) return { kind: 'Deployment', name: owner.name.slice(0, -hash.length - 1) };
    }
    kind = owner.kind;
    name = owner.name;
    if (!found) break;
    object = found.object;
  }
  return { kind, name };
}

function namedPortsOf(resource: Resource, specIndex: number): { named: Map<string, number[]>; signature: string } {
  const named = new Map<string, number[]>();
  const spec = podSpecs(resource)[specIndex];
  for (const c of containers(resource)) {
    if (c.pod !== spec) continue;
    // Sidecars (init containers with restartPolicy Always) keep running and serve their ports.
    if (c.type === 'ephemeralContainers') continue;
    if (c.type === 'initContainers' && c.container.restartPolicy !== 'Always') continue;
    for (const p of asArray(c.container.ports)) {
      const name = asString(fieldAt(p, 'name'));
      const port = asNumber(fieldAt(p, 'containerPort'));
      if (!name || port === undefined) continue;
      const protocol = fieldAt(p, 'protocol') ?? 'TCP';
      if (!isProtocol(protocol)) continue;
      push(named, `${protocol}/${name}`, port);
    }
  }
  const signature = [...named.entries()]
    .map(([k, v]) => `${k}=${v.join(',')}`)
    .sort()
    .join(';');
  return { named, signature };
}

function labelSignature(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join('\u0000');
}

class Selection {
  private readonly byNs = new Map<string, number[]>();
  private readonly byNsPair = new Map<string, number[]>();
  /** `ns \0 key` -> endpoints whose controller adds label `key` with a run-time value. */
  private readonly byNsAddedKey = new Map<string, number[]>();

  constructor(private readonly endpoints: readonly Endpoint[]) {
    for (const e of endpoints) {
      push(this.byNs, e.namespace, e.index);
      for (const [k, v] of Object.entries(e.labels)) push(this.byNsPair, `${e.namespace}\u0000${k}\u0000${v}`, e.index);
      for (const k of e.pods.added.keys()) push(this.byNsAddedKey, `${e.namespace}\u0000${k}`, e.index);
    }
  }

  inNamespace(ns: string): number[] {
    return this.byNs.get(ns) ?? [];
  }

  /** Endpoints of `ns` the selector matches; invalid and null selectors match none. */
  select(ns: string, parsed: ParsedSelector): number[] {
    if (parsed.kind !== 'selector') return [];
    let pool = this.inNamespace(ns);
    // Narrow by the rarest single-valued requirement the selector has.
    for (const r of parsed.selector.requirements) {
      if (r.operator !== 'In' || r.values.length !== 1) continue;
      const fixed = this.byNsPair.get(`${ns}\u0000${r.key}\u0000${r.values[0]}`) ?? [];
      const added = this.byNsAddedKey.get(`${ns}\u0000${r.key}`) ?? [];
      const list = added.length === 0 ? fixed : [...fixed, ...added].sort((a, b) => a - b);
      if (list.length < pool.length) pool = list;
    }
    if (parsed.selector.requirements.length === 0) return pool;
    return pool.filter((i) => matchPods(parsed.selector.requirements, this.endpoints[i].pods).kind !== 'none');
  }
}

/** `ns \0 kind \0 name` of the objects a HorizontalPodAutoscaler scales: their pod count is the autoscaler's. */
function autoscaledTargets(resources: readonly Resource[]): Set<string> {
  const out = new Set<string>();
  for (const r of resources) {
    if (r.kind !== 'HorizontalPodAutoscaler') continue;
    const kind = asString(fieldAt(r.object, 'spec', 'scaleTargetRef', 'kind'));
    const name = asString(fieldAt(r.object, 'spec', 'scaleTargetRef', 'name'));
    if (kind && name) out.add(`${namespaceOf(r)}\u0000${kind}\u0000${name}`);
  }
  return out;
}

export function buildModel(resources: readonly Resource[], options: ModelOptions = {}): NetpolModel {
  const notes: string[] = [];
  const problems: ModelProblem[] = [];
  const operators = expandOperatorResources(resources, operatorTable(options.operatorWorkloads));
  const identity = new Map<string, Resource>();
  // Owners worth following up the chain are controllers, which hold pod templates themselves.
  for (const r of resources) {
    if (podSpecs(r).length === 0) continue;
    const key = `${r.kind}\u0000${namespaceOf(r)}\u0000${r.name}`;
    if (!identity.has(key)) identity.set(key, r);
  }
  const find = (kind: string, ns: string, name: string): Resource | undefined => identity.get(`${kind}\u0000${ns}\u0000${name}`);

  // Namespaces
  const namespaces = new Map<string, NamespaceInfo>();
  for (const r of resources) {
    if (r.kind !== 'Namespace' || r.apiVersion !== 'v1' || namespaces.has(r.name)) continue;
    namespaces.set(r.name, { name: r.name, labels: { ...labelsOf(fieldAt(r.object, 'metadata')), [NAMESPACE_NAME_LABEL]: r.name }, declared: true });
  }
  const ensureNamespace = (ns: string): void => {
    if (!namespaces.has(ns)) namespaces.set(ns, { name: ns, labels: { [NAMESPACE_NAME_LABEL]: ns }, declared: false });
  };

  // Workloads and endpoints
  const workloads: Workload[] = [];
  const workloadById = new Map<string, Workload>();
  const endpoints: Endpoint[] = [];
  const endpointByKey = new Map<string, Endpoint>();
  // Pods' labels include those their controllers add (controller-labels.ts). Where a policy names
  // pods by ordinal (statefulset.kubernetes.io/pod-name, ...), a workload with a known pod count is
  // one endpoint per pod, so that the policy selects exactly those pods.
  const autoscaled = autoscaledTargets(resources);
  const byOrdinal = resources.some((r) => isNetworkPolicy(r) && ORDINAL_LABEL_KEYS.some((k) => JSON.stringify(r.object.spec ?? null).includes(JSON.stringify(k))));
  const unsplit = new Set<string>();
  const podGroups = (model: PodLabelModel, workloadId: string): PodLabelModel[] => {
    const ordinalKeys = [...model.added].filter(([, l]) => l.kind === 'ordinal');
    if (!byOrdinal || ordinalKeys.length === 0) return [model];
    const count = model.ordinals?.count;
    if (count === undefined || count > MAX_PODS_SPLIT) {
      unsplit.add(workloadId);
      return [model];
    }
    const first = model.ordinals?.first ?? 0;
    const added = new Map([...model.added].filter(([, l]) => l.kind !== 'ordinal'));
    const out: PodLabelModel[] = [];
    for (let n = first; n < first + count; n++) {
      const fixed: Record<string, string> = { ...model.fixed };
      for (const [key, l] of ordinalKeys) if (l.kind === 'ordinal') fixed[key] = `${l.prefix}${n}`;
      out.push({ fixed, added, ordinals: { first: n, count: 1 } });
    }
    return out;
  };
  const version = options.kubernetesVersion;
  for (const r of resources) {
    // An operator's custom resource stands for the workloads it makes (added below); pod specs found
    // in it (spec.containers patches) are not pods of their own.
    if (r.kind === 'PodTemplate' || operators.handled.has(r)) continue;
    const specs = podSpecs(r);
    if (specs.length === 0) continue;
    const ns = namespaceOf(r);
    ensureNamespace(ns);
    const root = rootOwner(r, find);
    const id = `${ns}/${root.kind}/${root.name}`;
    let workload = workloadById.get(id);
    if (!workload) {
      workload = { id, namespace: ns, kind: root.kind, name: root.name, resources: [], endpoints: [], hostNetwork: false };
      workloadById.set(id, workload);
      workloads.push(workload);
    }
    workload.resources.push(r);
    specs.forEach((spec, i) => {
      if (spec.spec.hostNetwork === true) workload!.hostNetwork = true;
      const model = controllerPodLabels(r, labelsOf(spec.metadata), { autoscaled: autoscaled.has(`${ns}\u0000${r.kind}\u0000${r.name}`), kubernetesVersion: version });
      const ports = namedPortsOf(r, i);
      for (const pods of podGroups(model, id)) {
        const key = `${id}\u0001${labelSignature(pods.fixed)}\u0001${[...pods.added.keys()].sort().join(',')}\u0001${ports.signature}`;
        if (endpointByKey.has(key)) continue;
        const endpoint: Endpoint = { index: endpoints.length, workload: workload!, namespace: ns, labels: pods.fixed, pods, namedPorts: ports.named };
        endpointByKey.set(key, endpoint);
        endpoints.push(endpoint);
        workload!.endpoints.push(endpoint.index);
      }
    });
  }
  // Other names: a StatefulSet, Deployment or DaemonSet grouped under a workload (one a cluster
  // listing shows under the custom resource that owns it) names that workload too. Its pods all come
  // from its one template; a Pod or a ReplicaSet (one revision) would not stand for the whole workload.
  const aliases = new Map<string, Workload[]>();
  const alias = (name: string, w: Workload): void => {
    if (name === w.id) return;
    const list = aliases.get(name) ?? [];
    if (!list.includes(w)) list.push(w);
    aliases.set(name, list);
  };
  for (const w of workloads) for (const r of w.resources) if (ALIASED_CONTROLLERS.has(r.kind)) alias(`${w.namespace}/${r.kind}/${r.name}`, w);

  // Workloads operators make from custom resources in the input.
  for (const made of operators.workloads) {
    const source = made.source;
    const ns = namespaceOf(source);
    const id = `${ns}/${made.kind}/${made.name}`;
    const byOwner = `${ns}/${source.kind}/${source.name}`;
    // The real workload is in the input (its pods listed from a cluster are grouped under the custom
    // resource that owns them, or the controller itself is there): it wins over the model.
    const real = workloadById.get(id) ?? workloadById.get(byOwner);
    if (real) {
      real.origin ??= made.origin;
      alias(byOwner, real);
      alias(id, real);
      continue;
    }
    ensureNamespace(ns);
    const workload: Workload = { id, namespace: ns, kind: made.kind, name: made.name, resources: [source], endpoints: [], hostNetwork: made.hostNetwork, operator: made, origin: made.origin };
    workloadById.set(id, workload);
    workloads.push(workload);
    alias(byOwner, workload);
    const named = new Map<string, number[]>();
    for (const p of made.ports) if (p.name) push(named, `${p.protocol}/${p.name}`, p.port);
    const model = operatorControllerPodLabels(made.kind, made.name, made.podLabels, made.replicas, { kubernetesVersion: version });
    for (const pods of podGroups(model, id)) {
      const endpoint: Endpoint = { index: endpoints.length, workload, namespace: ns, labels: pods.fixed, pods, namedPorts: named };
      endpoints.push(endpoint);
      workload.endpoints.push(endpoint.index);
    }
  }
  if (unsplit.size > 0)
    notes.push(
      `NetworkPolicies name pods by ordinal (${ORDINAL_LABEL_KEYS.join(', ')}), but the number of pods of ${listed([...unsplit])} is not known ` +
        `(autoscaled, not a number, or more than ${MAX_PODS_SPLIT}): a policy naming some of their pods is taken to select all of them`,
    );
  const notModelled: string[] = [];
  for (const p of operators.problems) notModelled.push(p.message);
  if (operators.unmodelled.length > 0)
    notModelled.push(
      `${operators.unmodelled.length} custom resource(s) of kinds kshield does not know to make pods: ${listed(operators.unmodelled.map(customResourceLabel))}; ` +
        'if an operator makes pods from one of these kinds, declare it under operatorWorkloads in .kshield.yaml',
    );
  const templates = resources.filter((r) => r.kind === 'PodTemplate');
  if (templates.length > 0) notModelled.push(`${templates.length} PodTemplate object(s) (${listed(templates.map((r) => `${namespaceOf(r)}/${r.name}`))}): a PodTemplate runs no pods`);

  const selection = new Selection(endpoints);
  const namespacesMatching = (parsed: ParsedSelector): string[] =>
    parsed.kind !== 'selector' ? [] : [...namespaces.values()].filter((n) => matchesParsed(parsed, n.labels)).map((n) => n.name);

  // Kubernetes NetworkPolicies
  const policies: Policy[] = [];
  for (const r of resources) {
    if (!isNetworkPolicy(r)) continue;
    const ns = namespaceOf(r);
    ensureNamespace(ns);
    policies.push(parsePolicy(r, ns, selection, namespacesMatching, problems));
  }
  // Namespace labels only matter to selectors evaluated above; namespaces created afterwards hold nothing.

  const undeclared = [...namespaces.values()].filter((n) => !n.declared).map((n) => n.name);
  if (undeclared.length > 0 && policies.some((p) => [...p.ingressRules, ...p.egressRules].some((rule) => rule.usesNamespaceSelector)))
    notes.push(`namespace(s) ${undeclared.sort().join(', ')} have no Namespace object in the input; their only label is assumed to be ${NAMESPACE_NAME_LABEL}`);

  const ingressPolicies: Policy[][] = endpoints.map(() => []);
  const egressPolicies: Policy[][] = endpoints.map(() => []);
  for (const p of policies)
    for (const e of p.selected) {
      if (p.ingress) ingressPolicies[e].push(p);
      if (p.egress) egressPolicies[e].push(p);
    }

  // Cilium and Calico
  const foreign: ForeignPolicy[] = [];
  for (const r of resources) {
    if (!isForeignPolicy(r)) continue;
    const f = isCilium(r) ? parseCilium(r, endpoints, namespaces) : parseCalico(r, endpoints, namespaces);
    if (f.unreadable) notes.push(`${f.policy.label}: selector not understood; assumed to select every pod in its scope`);
    foreign.push(f.policy);
  }
  const foreignSelecting: ForeignPolicy[][] = endpoints.map(() => []);
  for (const f of foreign) for (const e of f.selected) foreignSelecting[e].push(f);

  return { namespaces, workloads, workloadById, endpoints, policies, foreign, ingressPolicies, egressPolicies, foreignSelecting, notes, problems, aliases, notModelled };
}

function parsePolicy(
  r: Resource,
  ns: string,
  selection: Selection,
  namespacesMatching: (parsed: ParsedSelector) => string[],
  problems: ModelProblem[],
): Policy {
  const spec = asObject(fieldAt(r.object, 'spec')) ?? {};
  const rawSelector = spec.podSelector;
  // podSelector is not a pointer in the API: absent means {} (every pod of the namespace).
  let podSelector = rawSelector === undefined || rawSelector === null ? parseLabelSelector({}) : parseLabelSelector(rawSelector);
  if (podSelector.kind === 'invalid') {
    for (const p of podSelector.problems) problems.push({ resource: r, path: `/spec/podSelector${p.path}`, message: `podSelector: ${p.message}; the policy selects no pods` });
    podSelector = { kind: 'null' };
  }
  const policy: Policy = {
    resource: r,
    namespace: ns,
    name: r.name,
    id: `${ns}/${r.name}`,
    podSelector,
    selected: selection.select(ns, podSelector),
    ingress: false,
    egress: false,
    ingressRules: [],
    egressRules: [],
  };
  const types = spec.policyTypes;
  if (Array.isArray(types) && types.length > 0) {
    types.forEach((t, i) => {
      if (t === 'Ingress') policy.ingress = true;
      else if (t === 'Egress') policy.egress = true;
      else problems.push({ resource: r, path: `/spec/policyTypes/${i}`, message: `policyTypes[${i}] ${JSON.stringify(t)} is not Ingress or Egress` });
    });
  } else {
    policy.ingress = true;
    policy.egress = Array.isArray(spec.egress) && spec.egress.length > 0;
  }
  for (const direction of ['ingress', 'egress'] as const) {
    if (!policy[direction]) continue;
    const list = spec[direction];
    if (list !== undefined && list !== null && !Array.isArray(list)) {
      problems.push({ resource: r, path: `/spec/${direction}`, message: `spec.${direction} must be a list; the policy allows no ${direction} traffic` });
      continue;
    }
    const rules = direction === 'ingress' ? policy.ingressRules : policy.egressRules;
    asArray(list).forEach((raw, index) => {
      const path = `/spec/${direction}/${index}`;
      const rule: PolicyRule = { policy, direction, index, path, peers: { everything: false, endpoints: new Set(), ipBlocks: [] }, ports: 'all' };
      if (!isObject(raw)) {
        // `- {}` parses as a mapping; anything else (null included) allows everything the same way.
        if (raw !== null) {
          problems.push({ resource: r, path, message: `${direction}[${index}] must be a mapping; the rule is ignored` });
          return;
        }
      }
      const rule0 = asObject(raw) ?? {};
      const peerKey = direction === 'ingress' ? 'from' : 'to';
      const peers = rule0[peerKey];
      if (peers === undefined || peers === null || (Array.isArray(peers) && peers.length === 0)) rule.peers.everything = true;
      else if (!Array.isArray(peers)) problems.push({ resource: r, path: `${path}/${peerKey}`, message: `${peerKey} must be a list; the rule matches nothing` });
      else
        peers.forEach((peer, pi) => {
          const at = `${path}/${peerKey}/${pi}`;
          if (!isObject(peer)) {
            problems.push({ resource: r, path: at, message: `${peerKey}[${pi}] must be a mapping` });
            return;
          }
          const hasPods = peer.podSelector !== undefined && peer.podSelector !== null;
          const hasNs = peer.namespaceSelector !== undefined && peer.namespaceSelector !== null;
          const hasIp = peer.ipBlock !== undefined && peer.ipBlock !== null;
          if (hasIp) {
            if (hasPods || hasNs) {
              problems.push({ resource: r, path: at, message: `${peerKey}[${pi}] combines ipBlock with a selector, which the API server rejects; the peer matches nothing` });
              return;
            }
            const cidr = parseCidr(fieldAt(peer.ipBlock, 'cidr'));
            if (!cidr) {
              problems.push({ resource: r, path: `${at}/ipBlock/cidr`, message: `ipBlock.cidr ${JSON.stringify(fieldAt(peer.ipBlock, 'cidr'))} is not a CIDR; the peer matches nothing` });
              return;
            }
            const except = asArray(fieldAt(peer.ipBlock, 'except'))
              .map((e, ei) => {
                const c = parseCidr(e);
                if (!c) problems.push({ resource: r, path: `${at}/ipBlock/except/${ei}`, message: `ipBlock.except[${ei}] ${JSON.stringify(e)} is not a CIDR; it is ignored` });
                return c;
              })
              .filter((c) => c !== undefined);
            rule.peers.ipBlocks.push({ cidr, except });
            return;
          }
          if (!hasPods && !hasNs) {
            problems.push({ resource: r, path: at, message: `${peerKey}[${pi}] has no podSelector, namespaceSelector or ipBlock, which the API server rejects; the peer matches nothing` });
            return;
          }
          const pods = hasPods ? parseLabelSelector(peer.podSelector) : parseLabelSelector({});
          if (pods.kind === 'invalid') {
            for (const p of pods.problems) problems.push({ resource: r, path: `${at}/podSelector${p.path}`, message: `podSelector: ${p.message}; the peer matches nothing` });
            return;
          }
          let nsList = [ns];
          if (hasNs) {
            rule.usesNamespaceSelector = true;
            const nsSel = parseLabelSelector(peer.namespaceSelector);
            if (nsSel.kind === 'invalid') {
              for (const p of nsSel.problems) problems.push({ resource: r, path: `${at}/namespaceSelector${p.path}`, message: `namespaceSelector: ${p.message}; the peer matches nothing` });
              return;
            }
            nsList = namespacesMatching(nsSel);
          }
          for (const n of nsList) for (const e of selection.select(n, pods)) rule.peers.endpoints.add(e);
        });
      const ports = rule0.ports;
      if (ports !== undefined && ports !== null && !Array.isArray(ports)) problems.push({ resource: r, path: `${path}/ports`, message: 'ports must be a list; the rule matches no port' });
      if (Array.isArray(ports) && ports.length > 0) {
        rule.ports = [];
        ports.forEach((p, pi) => {
          const spec = parsePortSpec(p, `${path}/ports/${pi}`, r, problems);
          if (spec) (rule.ports as PortSpec[]).push(spec);
        });
      } else if (ports !== undefined && ports !== null && !Array.isArray(ports)) rule.ports = [];
      if (rule.ports === 'all' || rule.ports.every((p) => typeof p.port !== 'string')) rule.fixedPorts = resolvePorts(rule.ports, undefined);
      rules.push(rule);
    });
  }
  return policy;
}

function parsePortSpec(raw: unknown, path: string, r: Resource, problems: ModelProblem[]): PortSpec | undefined {
  if (!isObject(raw)) {
    problems.push({ resource: r, path, message: 'a port entry must be a mapping; it is ignored' });
    return undefined;
  }
  const protocol = raw.protocol ?? 'TCP';
  if (!isProtocol(protocol)) {
    problems.push({ resource: r, path: `${path}/protocol`, message: `protocol ${JSON.stringify(protocol)} is not TCP, UDP or SCTP; the port entry is ignored` });
    return undefined;
  }
  const port = raw.port;
  if (port === undefined || port === null) {
    if (raw.endPort !== undefined && raw.endPort !== null) {
      problems.push({ resource: r, path: `${path}/endPort`, message: 'endPort may not be set without port; the API server rejects the policy, and the port entry is ignored' });
      return undefined;
    }
    return { protocol };
  }
  // A string is a port name to the API server, whatever it holds ("8080" quoted is rejected: no letter).
  if (typeof port === 'string') {
    const problem = portNameProblem(port);
    if (problem) {
      problems.push({ resource: r, path: `${path}/port`, message: `port name "${port}" ${problem}; the API server rejects the policy, and the port entry is ignored` });
      return undefined;
    }
    if (raw.endPort !== undefined && raw.endPort !== null) {
      problems.push({ resource: r, path: `${path}/endPort`, message: `endPort may not be set with the named port "${port}"; the API server rejects the policy, and the port entry is ignored` });
      return undefined;
    }
    return { protocol, port };
  }
  const n = asNumber(port);
  if (n === undefined || !Number.isInteger(n) || n < 1 || n > 65535) {
    problems.push({ resource: r, path: `${path}/port`, message: `port ${JSON.stringify(port)} is not a port number (1-65535) or a port name; the port entry is ignored` });
    return undefined;
  }
  const endPort = raw.endPort;
  if (endPort !== undefined && endPort !== null) {
    const end = asNumber(endPort);
    if (end === undefined || !Number.isInteger(end) || end < n || end > 65535) {
      problems.push({ resource: r, path: `${path}/endPort`, message: `endPort ${JSON.stringify(endPort)} must be a port number not below port ${n}; the port entry is ignored` });
      return undefined;
    }
    return { protocol, port: n, endPort: end };
  }
  return { protocol, port: n };
}

/**
 * The ports a rule allows towards `destination` (named ports resolved against its container
 * ports). Without a destination (addresses outside the cluster), named ports match nothing.
 */
function resolvePorts(ports: PortSpec[] | 'all', destination: Endpoint | undefined): PortSet {
  if (ports === 'all') return PortSet.ALL;
  let set = PortSet.EMPTY;
  for (const p of ports) {
    if (p.port === undefined) set = set.union(PortSet.allOf(p.protocol));
    else if (typeof p.port === 'number') set = set.union(PortSet.of(p.protocol, p.port, p.endPort ?? p.port));
    else for (const n of destination?.namedPorts.get(`${p.protocol}/${p.port}`) ?? []) set = set.union(PortSet.of(p.protocol, n));
  }
  return set;
}

export function rulePorts(rule: PolicyRule, destination: Endpoint | undefined): PortSet {
  return rule.fixedPorts ?? resolvePorts(rule.ports, destination);
}

function ruleHasNamedPorts(rule: PolicyRule): boolean {
  return rule.ports !== 'all' && rule.ports.some((p) => typeof p.port === 'string');
}

// ---------------------------------------------------------------------------------------------
// Cilium and Calico: selection only

const CILIUM_NAMESPACE_KEY = 'io.kubernetes.pod.namespace';
const CILIUM_NS_LABEL_PREFIX = 'io.cilium.k8s.namespace.labels.';
const CALICO_NAMESPACE_KEY = 'projectcalico.org/namespace';

function ciliumKey(key: string): string | undefined {
  const colon = key.indexOf(':');
  if (colon < 0) return key;
  const source = key.slice(0, colon);
  if (source === 'k8s' || source === 'any') return key.slice(colon + 1);
  return undefined; // reserved:*, cidr:*, ... never match a pod's labels
}

function isNamespaceKey(key: string): boolean {
  return key === CILIUM_NAMESPACE_KEY || key.startsWith(CILIUM_NS_LABEL_PREFIX) || key === CALICO_NAMESPACE_KEY || key === NAMESPACE_NAME_LABEL;
}

function ciliumLabels(e: Endpoint, namespaces: Map<string, NamespaceInfo>): Labels {
  const out: Record<string, string> = { ...e.labels, [CILIUM_NAMESPACE_KEY]: e.namespace };
  for (const [k, v] of Object.entries(namespaces.get(e.namespace)?.labels ?? {})) out[`${CILIUM_NS_LABEL_PREFIX}${k}`] = v;
  return out;
}

function ciliumSelector(raw: unknown): { parsed: ParsedSelector; namespaceOnly: boolean } | undefined {
  if (!isObject(raw)) return undefined;
  const rewrite = (key: string): string => ciliumKey(key) ?? `\u0000unmatchable\u0000${key}`;
  const matchLabels: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(asObject(raw.matchLabels) ?? {})) matchLabels[rewrite(k)] = v;
  const matchExpressions = asArray(raw.matchExpressions).map((e) => (isObject(e) && typeof e.key === 'string' ? { ...e, key: rewrite(e.key) } : e));
  const parsed = parseLabelSelector({ matchLabels, matchExpressions });
  const namespaceOnly = parsed.kind === 'selector' && parsed.selector.requirements.every((q) => isNamespaceKey(q.key));
  return { parsed, namespaceOnly };
}

function parseCilium(r: Resource, endpoints: readonly Endpoint[], namespaces: Map<string, NamespaceInfo>): { policy: ForeignPolicy; unreadable: boolean } {
  const clusterwide = r.kind === 'CiliumClusterwideNetworkPolicy';
  const scope = clusterwide ? undefined : namespaceOf(r);
  const specs = [asObject(fieldAt(r.object, 'spec')), ...asArray(fieldAt(r.object, 'specs')).map(asObject)].filter((s) => s !== undefined);
  const selected = new Set<number>();
  const whole: ((ns: string) => boolean)[] = [];
  let ingress = false;
  let egress = false;
  let unreadable = false;
  for (const spec of specs) {
    // nodeSelector policies apply to nodes (host firewall), not pods.
    if (spec.nodeSelector !== undefined && spec.endpointSelector === undefined) continue;
    const sel = ciliumSelector(spec.endpointSelector ?? {});
    if (!sel || sel.parsed.kind !== 'selector') {
      unreadable = true;
      for (const e of endpoints) if (!scope || e.namespace === scope) selected.add(e.index);
      whole.push((ns) => !scope || ns === scope);
    } else {
      for (const e of endpoints) if ((!scope || e.namespace === scope) && matchesParsed(sel.parsed, ciliumLabels(e, namespaces))) selected.add(e.index);
      if (sel.namespaceOnly) {
        const parsed = sel.parsed;
        whole.push((ns) => (!scope || ns === scope) && matchesParsed(parsed, ciliumLabels({ labels: {}, namespace: ns } as unknown as Endpoint, namespaces)));
      }
    }
    const defaultDeny = asObject(spec.enableDefaultDeny);
    if ((spec.ingress !== undefined || spec.ingressDeny !== undefined) && defaultDeny?.ingress !== false) ingress = true;
    if ((spec.egress !== undefined || spec.egressDeny !== undefined) && defaultDeny?.egress !== false) egress = true;
  }
  return {
    policy: { resource: r, label: `${r.kind} ${scope ? `${scope}/` : ''}${r.name}`, namespace: scope, selected: [...selected], selectsWholeNamespace: (ns) => whole.some((f) => f(ns)), ingress, egress },
    unreadable,
  };
}

function calicoLabels(e: { labels: Labels; namespace: string }): Labels {
  return { ...e.labels, [CALICO_NAMESPACE_KEY]: e.namespace, 'projectcalico.org/orchestrator': 'k8s' };
}

function parseCalico(r: Resource, endpoints: readonly Endpoint[], namespaces: Map<string, NamespaceInfo>): { policy: ForeignPolicy; unreadable: boolean } {
  const global = r.kind === 'GlobalNetworkPolicy';
  const scope = global ? undefined : namespaceOf(r);
  const spec = asObject(fieldAt(r.object, 'spec')) ?? {};
  let unreadable = false;
  const read = (raw: unknown): CalicoSelector => {
    const parsed = parseCalicoSelector(raw);
    if (!parsed) unreadable = true;
    return parsed ?? { op: 'all' };
  };
  const selector = read(spec.selector);
  const nsSelector = global && spec.namespaceSelector !== undefined ? read(spec.namespaceSelector) : undefined;
  const nsMatches = (ns: string): boolean => {
    if (scope) return ns === scope;
    if (!nsSelector) return true;
    const labels = { ...(namespaces.get(ns)?.labels ?? { [NAMESPACE_NAME_LABEL]: ns }), 'projectcalico.org/name': ns };
    return calicoMatches(nsSelector, labels);
  };
  const selected = endpoints.filter((e) => nsMatches(e.namespace) && calicoMatches(selector, calicoLabels(e))).map((e) => e.index);
  const namespaceOnly = calicoKeys(selector).every(isNamespaceKey);
  const types = asArray(spec.types);
  const hasIngress = Array.isArray(spec.ingress) && spec.ingress.length > 0;
  const hasEgress = Array.isArray(spec.egress) && spec.egress.length > 0;
  // Calico defaults types from the rules present: Egress alone only when there are egress rules and no ingress rules.
  const ingress = types.length > 0 ? types.includes('Ingress') : hasIngress || !hasEgress;
  const egress = types.length > 0 ? types.includes('Egress') : hasEgress;
  return {
    policy: {
      resource: r,
      label: `${r.kind} (Calico) ${scope ? `${scope}/` : ''}${r.name}`,
      namespace: scope,
      selected,
      selectsWholeNamespace: (ns) => namespaceOnly && nsMatches(ns) && calicoMatches(selector, calicoLabels({ labels: {}, namespace: ns })),
      ingress,
      egress,
    },
    unreadable,
  };
}

// ---------------------------------------------------------------------------------------------
// Reachability

/** A connection allowed by the policies: a workload id or a CIDR on each side. */
export interface Connection {
  src: string;
  dst: string;
  /** For a CIDR peer: its `except` blocks. */
  except?: string[];
  ports: PortSet;
}

export interface Reachability {
  connections: Connection[];
  notes: string[];
}

const ANYWHERE = ['0.0.0.0/0', '::/0'];

function peerContains(peers: PeerSet, endpoint: number): boolean {
  return peers.everything || peers.endpoints.has(endpoint);
}

/** Ports the destination's ingress policies allow from `src` (an endpoint index). */
function ingressAllowed(model: NetpolModel, src: number, dst: number): PortSet {
  const policies = model.ingressPolicies[dst];
  if (policies.length === 0) return PortSet.ALL;
  let set = PortSet.EMPTY;
  const dstEndpoint = model.endpoints[dst];
  for (const p of policies)
    for (const rule of p.ingressRules) {
      if (!peerContains(rule.peers, src)) continue;
      set = set.union(rulePorts(rule, dstEndpoint));
      if (set.isAll()) return set;
    }
  return set;
}

function egressAllowed(model: NetpolModel, src: number, dst: number): PortSet {
  const policies = model.egressPolicies[src];
  if (policies.length === 0) return PortSet.ALL;
  let set = PortSet.EMPTY;
  const dstEndpoint = model.endpoints[dst];
  for (const p of policies)
    for (const rule of p.egressRules) {
      if (!peerContains(rule.peers, dst)) continue;
      set = set.union(rulePorts(rule, dstEndpoint));
      if (set.isAll()) return set;
    }
  return set;
}

/** Every allowed connection between workloads, and between workloads and addresses outside the cluster. */
export function reach(model: NetpolModel): Reachability {
  const notes = [...model.notes, ...reachNotes(model)];
  const pairs = new Map<string, Connection>();
  // Workload pairs are the bulk (all of them in an open cluster): keyed by number, not by string.
  const workloadIndex = new Map<Workload, number>(model.workloads.map((w, i) => [w, i]));
  const workloadPairs = new Map<number, Connection>();
  const addPair = (src: Workload, dst: Workload, ports: PortSet): void => {
    const key = workloadIndex.get(src)! * model.workloads.length + workloadIndex.get(dst)!;
    const found = workloadPairs.get(key);
    if (found) found.ports = found.ports.union(ports);
    else workloadPairs.set(key, { src: src.id, dst: dst.id, ports });
  };
  const add = (src: string, dst: string, ports: PortSet, except?: string[]): void => {
    if (ports.isEmpty()) return;
    const key = `${src}\u0000${dst}\u0000${except?.join(',') ?? ''}`;
    const found = pairs.get(key);
    if (found) found.ports = found.ports.union(ports);
    else pairs.set(key, except && except.length ? { src, dst, except, ports } : { src, dst, ports });
  };
  const n = model.endpoints.length;
  const all = model.endpoints.map((e) => e.index);
  // Which destinations could admit a source: computed from each rule's peer set once, so a pair is
  // only examined when both the source's egress and the destination's ingress might allow it.
  const ingressOpen = all.filter((d) => model.ingressPolicies[d].length === 0);
  const admitting: PolicyRule[][] = model.endpoints.map(() => []);
  const admitsEveryone: PolicyRule[] = [];
  for (const p of model.policies) {
    if (!p.ingress || p.selected.length === 0) continue;
    for (const r of p.ingressRules) {
      if (r.peers.everything) admitsEveryone.push(r);
      else for (const e of r.peers.endpoints) admitting[e].push(r);
    }
  }
  const egressStamp = new Int32Array(n).fill(-1);
  const ingressStamp = new Int32Array(n).fill(-1);
  for (let s = 0; s < n; s++) {
    const src = model.endpoints[s];
    const egressPolicies = model.egressPolicies[s];
    let egressCandidates: number[] | undefined;
    if (egressPolicies.length > 0 && !egressPolicies.some((p) => p.egressRules.some((r) => r.peers.everything))) {
      egressCandidates = [];
      for (const p of egressPolicies)
        for (const r of p.egressRules)
          for (const d of r.peers.endpoints)
            if (egressStamp[d] !== s) {
              egressStamp[d] = s;
              egressCandidates.push(d);
            }
    }
    const ingressCandidates = [...ingressOpen];
    for (const d of ingressOpen) ingressStamp[d] = s;
    for (const r of admitting[s].length ? [...admitting[s], ...admitsEveryone] : admitsEveryone)
      for (const d of r.policy.selected)
        if (ingressStamp[d] !== s) {
          ingressStamp[d] = s;
          ingressCandidates.push(d);
        }
    const candidates =
      egressCandidates === undefined ? ingressCandidates : egressCandidates.length <= ingressCandidates.length ? egressCandidates.filter((d) => ingressStamp[d] === s) : ingressCandidates.filter((d) => egressStamp[d] === s);
    for (const d of candidates) {
      const out = egressAllowed(model, s, d);
      if (out.isEmpty()) continue;
      const allowed = out.intersect(ingressAllowed(model, s, d));
      if (!allowed.isEmpty()) addPair(src.workload, model.endpoints[d].workload, allowed);
    }
    // Egress to addresses outside the cluster.
    if (egressPolicies.length === 0) for (const cidr of ANYWHERE) add(src.workload.id, cidr, PortSet.ALL);
    else
      for (const p of egressPolicies)
        for (const r of p.egressRules) {
          const ports = rulePorts(r, undefined);
          if (r.peers.everything) for (const cidr of ANYWHERE) add(src.workload.id, cidr, ports);
          for (const b of r.peers.ipBlocks) add(src.workload.id, b.cidr.text, ports, b.except.map((e) => e.text));
        }
  }
  // Ingress from addresses outside the cluster: no egress policy of ours applies to them.
  for (const dst of model.endpoints) {
    const policies = model.ingressPolicies[dst.index];
    if (policies.length === 0) for (const cidr of ANYWHERE) add(cidr, dst.workload.id, PortSet.ALL);
    else
      for (const p of policies)
        for (const r of p.ingressRules) {
          const ports = rulePorts(r, dst);
          if (r.peers.everything) for (const cidr of ANYWHERE) add(cidr, dst.workload.id, ports);
          for (const b of r.peers.ipBlocks) add(b.cidr.text, dst.workload.id, ports, b.except.map((e) => e.text));
        }
  }
  // Order: each source workload (alphabetical) with its workload destinations, then its outside
  // destinations; then connections from outside addresses.
  const rank = new Int32Array(model.workloads.length);
  [...model.workloads.keys()].sort((a, b) => (model.workloads[a].id < model.workloads[b].id ? -1 : 1)).forEach((w, r) => (rank[w] = r));
  const W = model.workloads.length;
  const internal = [...workloadPairs.entries()].map(([key, c]) => ({ order: rank[Math.floor(key / W)] * W + rank[key % W], c }));
  internal.sort((a, b) => a.order - b.order);
  const outside = sortConnections([...pairs.values()]);
  const outsideBySource = new Map<string, Connection[]>();
  for (const c of outside) if (model.workloadById.has(c.src)) push(outsideBySource, c.src, c);
  const connections: Connection[] = [];
  let i = 0;
  for (const w of [...model.workloads].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    while (i < internal.length && internal[i].c.src === w.id) connections.push(internal[i++].c);
    for (const c of outsideBySource.get(w.id) ?? []) connections.push(c);
  }
  for (const c of outside) if (!model.workloadById.has(c.src)) connections.push(c);
  return { connections, notes };
}

function isCidrPeer(text: string): boolean {
  return text.includes('/') && !text.includes('/', text.indexOf('/') + 1) && parseCidr(text) !== undefined;
}

/** Workloads first, then addresses; alphabetical within each. Keys are built once, not per comparison. */
function sortConnections(connections: Connection[]): Connection[] {
  const side = (text: string): string => `${isCidrPeer(text) ? 1 : 0}${text}`;
  const keyed = connections.map((c) => ({ key: `${side(c.src)}\u0000${side(c.dst)}\u0000${c.except?.join(',') ?? ''}`, c }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.c);
}

/** What reachability cannot model exactly, in words. */
function reachNotes(model: NetpolModel): string[] {
  const notes: string[] = [];
  const made = model.workloads.filter((w) => w.operator);
  if (made.length > 0)
    notes.push(
      `${made.length} workload(s) are not in the input but made by an operator from a custom resource, with the pod labels and ports the operator gives them: ` +
        made.map((w) => `${w.id} (${w.origin})`).join(', '),
    );
  for (const line of model.notModelled) notes.push(`not modelled: ${line}`);
  if (model.foreign.length > 0) {
    const affected = new Set<string>();
    for (const f of model.foreign) {
      if (f.namespace) affected.add(f.namespace);
      for (const e of f.selected) affected.add(model.endpoints[e].namespace);
    }
    notes.push(
      `not exact for namespace(s) ${[...affected].sort().join(', ') || '(none selected)'}: Cilium/Calico policies also apply there ` +
        `(${model.foreign.map((f) => f.label).join(', ')}), and reachability evaluates only Kubernetes NetworkPolicies`,
    );
  }
  const hostNet = model.workloads.filter((w) => w.hostNetwork).map((w) => w.id);
  if (hostNet.length > 0) notes.push(`host-network pods (${hostNet.join(', ')}): NetworkPolicy behaviour for them is undefined and depends on the network plugin`);
  const privateBlocks = new Set<string>();
  for (const p of model.policies)
    for (const r of [...p.ingressRules, ...p.egressRules]) for (const b of r.peers.ipBlocks) if (ipBlockMayHoldPodIps(b)) privateBlocks.add(`${b.cidr.text} (${p.id})`);
  if (privateBlocks.size > 0)
    notes.push(`ipBlock(s) ${[...privateBlocks].join(', ')} overlap private ranges where pod IPs may live; traffic between pods through them is not shown, since pod IPs are not known from manifests`);
  const namedExternal = new Set<string>();
  for (const p of model.policies) for (const r of p.egressRules) if (ruleHasNamedPorts(r) && (r.peers.everything || r.peers.ipBlocks.length > 0)) namedExternal.add(p.id);
  if (namedExternal.size > 0) notes.push(`named ports towards addresses outside the cluster cannot be resolved and are left out (${[...namedExternal].join(', ')})`);
  return notes;
}

// ---------------------------------------------------------------------------------------------
// One question: can SRC reach DST on PORT?

export type Peer = { workload: Workload } | { address: string; ip: { family: 4 | 6; value: bigint } };

export interface SideVerdict {
  /** False when this side is an address outside the cluster: no policy of ours applies. */
  applies: boolean;
  isolated: boolean;
  /** Policies selecting the pod in this direction (they isolate it). */
  selecting: string[];
  /** Policies (and rule index) whose rule allows the traffic. */
  allowing: string[];
  allowed: boolean;
}

export interface CanResult {
  allowed: boolean;
  egress: SideVerdict;
  ingress: SideVerdict;
  notes: string[];
}

export function resolvePeer(model: NetpolModel, text: string): Peer | undefined {
  const ip = parseIp(text);
  if (ip) return { address: text, ip };
  const exact = model.workloadById.get(text);
  if (exact) return { workload: exact };
  const lower = text.toLowerCase();
  const found = model.workloads.find((w) => w.id.toLowerCase() === lower);
  if (found) return { workload: found };
  const named = aliasTargets(model, text);
  return named.length === 1 ? { workload: named[0] } : undefined;
}

/** The workloads another name stands for (a custom resource: one per shard; a controller grouped under a workload). */
export function aliasTargets(model: NetpolModel, text: string): Workload[] {
  const exact = model.aliases.get(text);
  if (exact) return exact;
  const lower = text.toLowerCase();
  for (const [name, list] of model.aliases) if (name.toLowerCase() === lower) return list;
  return [];
}

function ruleLabel(rule: PolicyRule): string {
  return `${rule.policy.id} (${rule.direction}[${rule.index}])`;
}

export function canConnect(model: NetpolModel, src: Peer, dst: Peer, protocol: Protocol, port: number): CanResult {
  const wants = PortSet.of(protocol, port);
  const srcEndpoints = 'workload' in src ? src.workload.endpoints : [undefined];
  const dstEndpoints = 'workload' in dst ? dst.workload.endpoints : [undefined];
  let first: CanResult | undefined;
  for (const s of srcEndpoints)
    for (const d of dstEndpoints) {
      const verdict = judge(model, s, d, src, dst, wants);
      if (verdict.allowed) return verdict;
      first ??= verdict;
    }
  return first ?? { allowed: false, egress: emptySide(), ingress: emptySide(), notes: ['a workload without pods was given'] };
}

function emptySide(): SideVerdict {
  return { applies: false, isolated: false, selecting: [], allowing: [], allowed: false };
}

function judge(model: NetpolModel, s: number | undefined, d: number | undefined, src: Peer, dst: Peer, wants: PortSet): CanResult {
  const dstEndpoint = d === undefined ? undefined : model.endpoints[d];
  const egress: SideVerdict = { ...emptySide(), applies: s !== undefined };
  if (s === undefined) egress.allowed = true;
  else {
    const policies = model.egressPolicies[s];
    egress.selecting = policies.map((p) => p.id).sort();
    egress.isolated = policies.length > 0;
    if (!egress.isolated) egress.allowed = true;
    for (const p of policies)
      for (const r of p.egressRules) {
        const reaches = d !== undefined ? peerContains(r.peers, d) : r.peers.everything || r.peers.ipBlocks.some((b) => ipBlockContainsIp(b, (dst as { ip: { family: 4 | 6; value: bigint } }).ip));
        if (reaches && !rulePorts(r, dstEndpoint).intersect(wants).isEmpty()) egress.allowing.push(ruleLabel(r));
      }
    if (egress.allowing.length > 0) egress.allowed = true;
  }
  const ingress: SideVerdict = { ...emptySide(), applies: d !== undefined };
  if (d === undefined) ingress.allowed = true;
  else {
    const policies = model.ingressPolicies[d];
    ingress.selecting = policies.map((p) => p.id).sort();
    ingress.isolated = policies.length > 0;
    if (!ingress.isolated) ingress.allowed = true;
    for (const p of policies)
      for (const r of p.ingressRules) {
        const from = s !== undefined ? peerContains(r.peers, s) : r.peers.everything || r.peers.ipBlocks.some((b) => ipBlockContainsIp(b, (src as { ip: { family: 4 | 6; value: bigint } }).ip));
        if (from && !rulePorts(r, dstEndpoint).intersect(wants).isEmpty()) ingress.allowing.push(ruleLabel(r));
      }
    if (ingress.allowing.length > 0) ingress.allowed = true;
  }
  const notes: string[] = [];
  const touched = new Set<string>();
  if (s !== undefined) touched.add(model.endpoints[s].namespace);
  if (d !== undefined) touched.add(model.endpoints[d].namespace);
  for (const f of model.foreign)
    if ((f.namespace && touched.has(f.namespace)) || f.selected.some((e) => (s !== undefined && e === s) || (d !== undefined && e === d)))
      notes.push(`${f.label} also applies here and is not evaluated: the answer covers Kubernetes NetworkPolicies only`);
  for (const peer of [src, dst]) if ('workload' in peer && peer.workload.hostNetwork) notes.push(`${peer.workload.id} uses hostNetwork: NetworkPolicy behaviour for it is undefined`);
  for (const peer of src === dst ? [src] : [src, dst])
    if ('workload' in peer && peer.workload.operator)
      notes.push(`${peer.workload.id} is not in the input: it is ${peer.workload.origin}, and its pods' labels and ports are the ones that operator gives them`);
  return { allowed: egress.allowed && ingress.allowed, egress, ingress, notes };
}

/** Is the endpoint selected by some NetworkPolicy, Cilium or Calico policy? */
export function isCovered(model: NetpolModel, endpoint: number): boolean {
  return model.ingressPolicies[endpoint].length > 0 || model.egressPolicies[endpoint].length > 0 || model.foreignSelecting[endpoint].length > 0;
}
