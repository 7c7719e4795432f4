/** Helpers the network rules share. */
import { CUSTOM_RESOURCES, type RuleContext } from '../../engine/rule.js';
import type { Resource, Violation } from '../../core/types.js';
import type { ResourceSet } from '../../k8s/resource-set.js';
import { isEmptySelector, parseLabelSelector } from '../../k8s/labels.js';
import { asArray, fieldAt, isObject } from '../../core/values.js';
import { buildModel, compareInputOrder, isNetworkPolicy, namespaceOf, rulePorts, sameObject, type NetpolModel, type Policy, type PolicyRule, type Workload } from '../../analysis/netpol.js';
import { PortSet } from '../../analysis/ports.js';
import { ScopedCache } from '../../core/scoped-cache.js';

export const NETPOL_DOC = 'https://kubernetes.io/docs/concepts/services-networking/network-policies/';

export const DEFAULT_DENY_DOC = 'https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies';

/**
 * The cause of a namespace's findings when no policy at all applies there: with none, it has no
 * default-deny either, so namespace-without-network-policy and both missing-default-deny rules
 * report one thing, and are folded into one finding.
 */
export const NO_POLICY_CAUSE = '#no-network-policy';

export interface NamespaceFacts {
  name: string;
  workloads: Workload[];
  /** Where namespace-level findings go: its Namespace object, else its first object with pods (none when its only workloads are operators'). */
  carrier?: Resource;
  hasPolicy: boolean;
  defaultDenyIngress: boolean;
  defaultDenyEgress: boolean;
}

export interface NetworkIndex {
  model: NetpolModel;
  namespaces: Map<string, NamespaceFacts>;
  /** Input position (file, document, List item) -> the workload that object belongs to. */
  workloadAt: Map<string, Workload>;
}

export function inputKey(r: Resource): string {
  return `${r.file}\u0000${r.documentIndex}\u0000${r.basePath}\u0000${r.kind}\u0000${r.name}`;
}

export const indexes = new ScopedCache<ResourceSet, NetworkIndex>();

export function allowsEverything(rule: PolicyRule): boolean {
  return rule.peers.everything && rule.ports === 'all';
}

export function isDefaultDeny(policy: Policy, direction: 'ingress' | 'egress'): boolean {
  if (!policy[direction] || !isEmptySelector(policy.podSelector)) return false;
  const rules = direction === 'ingress' ? policy.ingressRules : policy.egressRules;
  return !rules.some(allowsEverything);
}

export function networkIndex(context: RuleContext): NetworkIndex {
  const set = context.resources;
  const cached = indexes.get(set);
  if (cached) return cached;
  const model = buildModel(set.all, { operatorWorkloads: context.settings.operatorWorkloads, kubernetesVersion: context.settings.kubernetesVersion });
  const byNs = new Map<string, Workload[]>();
  for (const w of model.workloads) {
    const list = byNs.get(w.namespace);
    if (list) list.push(w);
    else byNs.set(w.namespace, [w]);
  }
  const namespaceObjects = new Map<string, Resource>();
  for (const r of set.ofKind('Namespace')) {
    const known = namespaceObjects.get(r.name);
    if (!known || compareInputOrder(r, known) < 0) namespaceObjects.set(r.name, r);
  }
  const policiesByNs = new Map<string, Policy[]>();
  for (const p of model.policies) {
    const list = policiesByNs.get(p.namespace);
    if (list) list.push(p);
    else policiesByNs.set(p.namespace, [p]);
  }
  const namespaces = new Map<string, NamespaceFacts>();
  for (const [ns, workloads] of byNs) {
    // The rules carrying namespace findings apply to objects with pods, which an operator's custom resource is not.
    const firstWorkloadObject = workloads.flatMap((w) => (w.operator ? [] : w.resources)).sort(compareInputOrder)[0];
    const policies = policiesByNs.get(ns) ?? [];
    const foreignHere = model.foreign.filter((f) => f.namespace === ns || f.selectsWholeNamespace(ns) || f.selected.some((e) => model.endpoints[e].namespace === ns));
    namespaces.set(ns, {
      name: ns,
      workloads,
      carrier: namespaceObjects.get(ns) ?? firstWorkloadObject,
      hasPolicy: policies.length > 0 || foreignHere.length > 0,
      defaultDenyIngress: policies.some((p) => isDefaultDeny(p, 'ingress')) || foreignHere.some((f) => f.ingress && f.selectsWholeNamespace(ns)),
      defaultDenyEgress: policies.some((p) => isDefaultDeny(p, 'egress')) || foreignHere.some((f) => f.egress && f.selectsWholeNamespace(ns)),
    });
  }
  const workloadAt = new Map<string, Workload>();
  for (const w of model.workloads) for (const r of w.resources) workloadAt.set(inputKey(r), w);
  const index = { model, namespaces, workloadAt };
  indexes.set(set, index);
  return index;
}

/** The namespace whose findings this resource carries, if any. */
export function carriedNamespace(resource: Resource, context: RuleContext): NamespaceFacts | undefined {
  const index = networkIndex(context);
  const ns = resource.kind === 'Namespace' && resource.apiVersion === 'v1' ? resource.name : namespaceOf(resource);
  const facts = index.namespaces.get(ns);
  return facts?.carrier && sameObject(facts.carrier, resource) ? facts : undefined;
}

export function carrierPath(resource: Resource): string {
  if (resource.kind === 'Namespace') return '/metadata/name';
  return isObject(fieldAt(resource.object, 'metadata')) && fieldAt(resource.object, 'metadata', 'namespace') !== undefined ? '/metadata/namespace' : '/metadata';
}

export function carrierNote(facts: NamespaceFacts): string {
  return facts.carrier?.kind === 'Namespace' ? '' : ` (reported once for the namespace, on its first workload)`;
}

export const namespaceStream = (...docs: string[]): string => docs.join('\n---\n');

export const NAMESPACE = `apiVersion: v1
kind: Namespace
metadata:
  name: shop`;

export const WEB = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.0
          ports:
            - {name: http, containerPort: 8080}`;

export const API = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: registry.example.com/api:1.0`;

export const DENY_ALL = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]`;

export const DENY_INGRESS = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-ingress
  namespace: shop
spec:
  podSelector: {}`;

export const CILIUM_DENY = `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: default-deny
  namespace: shop
spec:
  endpointSelector: {}
  ingress: [{}]
  egress: [{}]`;

export const CALICO_DENY = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: default-deny
spec:
  selector: projectcalico.org/namespace not in {'kube-system'}
  types: [Ingress, Egress]`;

/**
 * What the coverage rules read: the pods (workloads), the policies of every flavour that isolates
 * them, Namespace objects (their labels, and where namespace findings are reported), and custom
 * resources (operators make pods from some of them: they count among a namespace's workloads).
 */
// Autoscalers: a StatefulSet's pod count (and so which pods a policy naming one by ordinal selects) is theirs.
export const NETWORK_READS = ['workloads', 'Namespace', 'NetworkPolicy', 'CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy', 'GlobalNetworkPolicy', 'HorizontalPodAutoscaler', CUSTOM_RESOURCES];

export const policiesRead = new ScopedCache<Resource, Policy | null>();

export function policyOf(resource: Resource): Policy | undefined {
  if (!isNetworkPolicy(resource)) return undefined;
  // Rules about one policy need nothing but the policy: parse it alone, once for the three rules.
  let policy = policiesRead.get(resource);
  if (policy === undefined) policiesRead.set(resource, (policy = buildModel([resource]).policies[0] ?? null));
  return policy ?? undefined;
}

/**
 * The ports a rule allows, named ports included (they depend on the destination pods); undefined
 * when it allows none (`ports: "80"`, which is not a list, or only entries that are ignored): such
 * a rule admits nothing, whatever its peers.
 */
export function portsPhrase(rule: PolicyRule): string | undefined {
  const numbered: PortSet = rulePorts(rule, undefined);
  if (numbered.isAll()) return 'on every port';
  const parts = numbered.isEmpty() ? [] : [numbered.toString()];
  const named = rule.ports === 'all' ? [] : rule.ports.filter((p) => typeof p.port === 'string').map((p) => `${p.protocol}/${p.port}`);
  if (named.length > 0) parts.push(`named port${named.length > 1 ? 's' : ''} ${named.join(', ')}`);
  return parts.length > 0 ? `on ${parts.join(', ')}` : undefined;
}

export function openPeers(resource: Resource, rule: PolicyRule): Violation[] {
  const peerKey = rule.direction === 'ingress' ? 'from' : 'to';
  const what = rule.direction === 'ingress' ? 'source' : 'destination';
  const where = `${rule.direction} rule ${rule.index} of NetworkPolicy "${resource.name}"`;
  const ports = portsPhrase(rule);
  if (ports === undefined) return [];
  const raw = fieldAt(resource.object, 'spec', rule.direction, rule.index);
  if (rule.peers.everything) {
    const path = isObject(raw) && raw[peerKey] !== undefined ? `${rule.path}/${peerKey}` : rule.path;
    // The rule without peers is the cause; egress-to-cloud-metadata-allowed names it too.
    return [{ path, cause: rule.path, message: `${where} has no ${peerKey} peers, so it allows every ${what} (any pod in any namespace and any address) ${ports}` }];
  }
  const out: Violation[] = [];
  asArray(fieldAt(raw, peerKey)).forEach((peer, i) => {
    if (!isObject(peer)) return;
    const at = `${rule.path}/${peerKey}/${i}`;
    const cidr = fieldAt(peer, 'ipBlock', 'cidr');
    if (typeof cidr === 'string' && /\/0$/.test(cidr.trim())) {
      const except = asArray(fieldAt(peer, 'ipBlock', 'except')).filter((e) => typeof e === 'string');
      const but = except.length ? ` except ${except.join(', ')}` : '';
      out.push({ path: `${at}/ipBlock/cidr`, cause: at, message: `${where} allows every address (${cidr}${but}) as ${what} ${ports}` });
    }
    if (peer.namespaceSelector !== undefined && peer.namespaceSelector !== null) {
      const nsSel = parseLabelSelector(peer.namespaceSelector);
      const podSel = peer.podSelector === undefined || peer.podSelector === null ? nsSel : parseLabelSelector(peer.podSelector);
      if (isEmptySelector(nsSel) && isEmptySelector(podSel))
        out.push({ path: `${at}/namespaceSelector`, message: `${where} allows every pod in every namespace (namespaceSelector: {}) as ${what} ${ports}` });
    }
  });
  return out;
}

export const ALLOW_ALL_EXAMPLE = (direction: 'ingress' | 'egress', body: string): string => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: shop
spec:
  podSelector:
    matchLabels: {app: web}
  policyTypes: [${direction === 'ingress' ? 'Ingress' : 'Egress'}]
  ${direction}:
${body}`;
