/**
 * Network segmentation: namespaces and workloads without NetworkPolicies, namespaces without a
 * default deny, policies open to everyone, and egress to the cloud metadata service.
 *
 * Built on src/analysis/netpol.ts, one model per ResourceSet. Cilium and Calico policies count as
 * isolation here (see that module for how their selectors are read).
 *
 * Namespace-level findings are reported once per namespace, on one carrier: the Namespace object
 * when it is in the scanned set, otherwise the first object with pods in that namespace in input
 * order (file, then document). Only namespaces that hold workloads in the scanned set are judged.
 */
import { CUSTOM_RESOURCES, type Rule, type RuleContext } from '../engine/rule.js';
import type { Resource, Violation } from '../core/types.js';
import type { ResourceSet } from '../k8s/resource-set.js';
import { isEmptySelector, parseLabelSelector } from '../k8s/labels.js';
import { podSpecs } from '../k8s/pods.js';
import { asArray, fieldAt, isObject } from '../core/values.js';
import {
  buildModel,
  compareInputOrder,
  isCovered,
  isNetworkPolicy,
  namespaceOf,
  rulePorts,
  sameObject,
  type NetpolModel,
  type Policy,
  type PolicyRule,
  type Workload,
} from '../analysis/netpol.js';
import { ipBlockContainsIp, parseIp } from '../analysis/cidr.js';
import { PortSet } from '../analysis/ports.js';
import { defineRule } from './define.js';
import { ScopedCache } from '../core/scoped-cache.js';

const NETPOL_DOC = 'https://kubernetes.io/docs/concepts/services-networking/network-policies/';
const DEFAULT_DENY_DOC = 'https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies';
const METADATA_DOC = 'https://kubernetes.io/docs/tasks/administer-cluster/securing-a-cluster/#restricting-cloud-metadata-api-access';
const CILIUM_DOC = 'https://docs.cilium.io/en/stable/security/policy/';
const CALICO_DOC = 'https://docs.tigera.io/calico/latest/reference/resources/networkpolicy';

const CLOUD_METADATA_ADDRESS = '169.254.169.254';
const METADATA_IP = parseIp(CLOUD_METADATA_ADDRESS)!;

/**
 * The cause of a namespace's findings when no policy at all applies there: with none, it has no
 * default-deny either, so namespace-without-network-policy and both missing-default-deny rules
 * report one thing, and are folded into one finding.
 */
const NO_POLICY_CAUSE = '#no-network-policy';

interface NamespaceFacts {
  name: string;
  workloads: Workload[];
  /** Where namespace-level findings go: its Namespace object, else its first object with pods (none when its only workloads are operators'). */
  carrier?: Resource;
  hasPolicy: boolean;
  defaultDenyIngress: boolean;
  defaultDenyEgress: boolean;
}

interface NetworkIndex {
  model: NetpolModel;
  namespaces: Map<string, NamespaceFacts>;
  /** Input position (file, document, List item) -> the workload that object belongs to. */
  workloadAt: Map<string, Workload>;
}

function inputKey(r: Resource): string {
  return `${r.file}\u0000${r.documentIndex}\u0000${r.basePath}\u0000${r.kind}\u0000${r.name}`;
}

const indexes = new ScopedCache<ResourceSet, NetworkIndex>();

function allowsEverything(rule: PolicyRule): boolean {
  return rule.peers.everything && rule.ports === 'all';
}

function isDefaultDeny(policy: Policy, direction: 'ingress' | 'egress'): boolean {
  if (!policy[direction] || !isEmptySelector(policy.podSelector)) return false;
  const rules = direction === 'ingress' ? policy.ingressRules : policy.egressRules;
  return !rules.some(allowsEverything);
}

function networkIndex(context: RuleContext): NetworkIndex {
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
function carriedNamespace(resource: Resource, context: RuleContext): NamespaceFacts | undefined {
  const index = networkIndex(context);
  const ns = resource.kind === 'Namespace' && resource.apiVersion === 'v1' ? resource.name : namespaceOf(resource);
  const facts = index.namespaces.get(ns);
  return facts?.carrier && sameObject(facts.carrier, resource) ? facts : undefined;
}

function carrierPath(resource: Resource): string {
  if (resource.kind === 'Namespace') return '/metadata/name';
  return isObject(fieldAt(resource.object, 'metadata')) && fieldAt(resource.object, 'metadata', 'namespace') !== undefined ? '/metadata/namespace' : '/metadata';
}

function carrierNote(facts: NamespaceFacts): string {
  return facts.carrier?.kind === 'Namespace' ? '' : ` (reported once for the namespace, on its first workload)`;
}

function workloadPhrase(facts: NamespaceFacts): string {
  const names = facts.workloads.slice(0, 3).map((w) => `${w.kind}/${w.name}`);
  const more = facts.workloads.length > 3 ? ` and ${facts.workloads.length - 3} more` : '';
  return `${facts.workloads.length} workload(s): ${names.join(', ')}${more}`;
}

const namespaceStream = (...docs: string[]): string => docs.join('\n---\n');

const NAMESPACE = `apiVersion: v1
kind: Namespace
metadata:
  name: shop`;

const WEB = `apiVersion: apps/v1
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

const API = `apiVersion: apps/v1
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

const DENY_ALL = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]`;

const DENY_INGRESS = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-ingress
  namespace: shop
spec:
  podSelector: {}`;

const CILIUM_DENY = `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: default-deny
  namespace: shop
spec:
  endpointSelector: {}
  ingress: [{}]
  egress: [{}]`;

const CALICO_DENY = `apiVersion: projectcalico.org/v3
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
const NETWORK_READS = ['workloads', 'Namespace', 'NetworkPolicy', 'CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy', 'GlobalNetworkPolicy', 'HorizontalPodAutoscaler', CUSTOM_RESOURCES];

const namespaceWithoutPolicy = defineRule({
  id: 'namespace-without-network-policy',
  // A namespace's findings are carried by its Namespace object or its first workload.
  appliesTo: ['Namespace', 'workloads'],
  reads: NETWORK_READS,
  title: 'Namespace has workloads but no NetworkPolicy',
  severity: 'medium',
  category: 'network',
  tags: ['network-policy', 'segmentation', 'cross-resource'],
  description:
    'No NetworkPolicy (nor a Cilium or Calico policy) applies in this namespace, so every pod in it accepts connections from any pod in ' +
    'the cluster and may connect anywhere: one compromised pod can reach all of them. Reported once per namespace that holds workloads ' +
    'in the scanned set, on its Namespace object, or on its first workload when the Namespace object is not scanned.',
  remediation:
    'Add a default-deny NetworkPolicy (podSelector: {}, policyTypes: [Ingress, Egress]) to the namespace, then allow the traffic each ' +
    'workload needs. `kshield netpol generate` writes a starting point from the Services and Ingresses in the manifests.',
  references: [NETPOL_DOC, DEFAULT_DENY_DOC, CILIUM_DOC, CALICO_DOC],
  frameworks: { cis: ['5.3.2'] },
  check: (resource, context) => {
    const facts = carriedNamespace(resource, context);
    if (!facts || facts.hasPolicy) return [];
    return [{ path: carrierPath(resource), cause: NO_POLICY_CAUSE, message: `namespace "${facts.name}" runs ${workloadPhrase(facts)}, but no NetworkPolicy applies to any of them${carrierNote(facts)}` }];
  },
  examples: {
    valid: [namespaceStream(NAMESPACE, WEB, DENY_ALL), namespaceStream(NAMESPACE, WEB, CILIUM_DENY), namespaceStream(WEB, CALICO_DENY), NAMESPACE],
    invalid: [namespaceStream(NAMESPACE, WEB, API), namespaceStream(WEB, DENY_ALL.replace('namespace: shop', 'namespace: other'))],
  },
});

const missingDenyIngress = defineRule({
  id: 'missing-default-deny-ingress',
  // A namespace's findings are carried by its Namespace object or its first workload.
  appliesTo: ['Namespace', 'workloads'],
  reads: NETWORK_READS,
  title: 'Namespace has no default-deny ingress policy',
  severity: 'medium',
  category: 'network',
  tags: ['network-policy', 'segmentation', 'cross-resource'],
  description:
    'No policy selects every pod of the namespace for ingress (a NetworkPolicy with an empty podSelector and Ingress in its policyTypes ' +
    'that does not itself allow everything, or a Cilium/Calico policy selecting the whole namespace). Pods that no other policy selects, ' +
    'including every workload added later, accept connections from anywhere. Reported once per namespace with workloads.',
  remediation: 'Add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Ingress]` and no ingress rules, then allow what each workload needs.',
  references: [DEFAULT_DENY_DOC],
  frameworks: { cis: ['5.3.2'] },
  check: (resource, context) => {
    const facts = carriedNamespace(resource, context);
    if (!facts || facts.defaultDenyIngress) return [];
    return [{ path: carrierPath(resource), cause: facts.hasPolicy ? undefined : NO_POLICY_CAUSE, message: `namespace "${facts.name}" has no default-deny ingress policy: pods no policy selects accept connections from anywhere${carrierNote(facts)}` }];
  },
  examples: {
    valid: [namespaceStream(NAMESPACE, WEB, DENY_INGRESS), namespaceStream(NAMESPACE, WEB, CILIUM_DENY)],
    invalid: [
      namespaceStream(NAMESPACE, WEB),
      namespaceStream(NAMESPACE, WEB, DENY_ALL.replace('policyTypes: [Ingress, Egress]', 'policyTypes: [Egress]')),
      namespaceStream(NAMESPACE, WEB, DENY_INGRESS + '\n  ingress:\n    - {}'),
    ],
  },
});

const missingDenyEgress = defineRule({
  id: 'missing-default-deny-egress',
  // A namespace's findings are carried by its Namespace object or its first workload.
  appliesTo: ['Namespace', 'workloads'],
  reads: NETWORK_READS,
  title: 'Namespace has no default-deny egress policy',
  severity: 'low',
  category: 'network',
  tags: ['network-policy', 'segmentation', 'egress', 'cross-resource'],
  description:
    'No policy selects every pod of the namespace for egress, so pods without an egress policy may open connections anywhere: to other ' +
    'namespaces, the cloud metadata service, or the internet (data exfiltration, lateral movement). Reported once per namespace with workloads.',
  remediation:
    'Add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Egress]` and no egress rules, plus one allowing DNS to kube-dns, then allow ' +
    'what each workload needs.',
  references: [DEFAULT_DENY_DOC],
  check: (resource, context) => {
    const facts = carriedNamespace(resource, context);
    if (!facts || facts.defaultDenyEgress) return [];
    return [{ path: carrierPath(resource), cause: facts.hasPolicy ? undefined : NO_POLICY_CAUSE, message: `namespace "${facts.name}" has no default-deny egress policy: pods no egress policy selects may connect anywhere${carrierNote(facts)}` }];
  },
  examples: {
    valid: [namespaceStream(NAMESPACE, WEB, DENY_ALL), namespaceStream(WEB, CALICO_DENY)],
    invalid: [namespaceStream(NAMESPACE, WEB, DENY_INGRESS), namespaceStream(WEB, API)],
  },
});

const workloadNotSelected = defineRule({
  id: 'workload-not-selected-by-network-policy',
  title: 'Workload is selected by no NetworkPolicy',
  severity: 'medium',
  category: 'network',
  tags: ['network-policy', 'segmentation', 'cross-resource'],
  appliesTo: 'workloads',
  reads: NETWORK_READS,
  description:
    "No NetworkPolicy (nor Cilium or Calico policy) selects this workload's pods, so they are non-isolated in both directions although the " +
    'namespace uses policies: usually a label mismatch or a workload added after the policies were written. Pods are grouped under their ' +
    'owner; the finding is on the first object of the workload. A namespace without any policy is reported by namespace-without-network-policy instead.',
  remediation: "Add a NetworkPolicy selecting the workload's pod labels, or a default-deny policy (podSelector: {}) for the namespace.",
  references: [NETPOL_DOC],
  
  check: (resource, context) => {
    const index = networkIndex(context);
    const facts = index.namespaces.get(namespaceOf(resource));
    if (!facts || !facts.hasPolicy) return [];
    const workload = index.workloadAt.get(inputKey(resource));
    // An operator's workload has no object of its own in the input to carry the finding: not judged here.
    if (!workload || workload.operator) return [];
    const first = [...workload.resources].sort(compareInputOrder)[0];
    if (!sameObject(first, resource)) return [];
    if (workload.endpoints.every((e) => isCovered(index.model, e))) return [];
    const pod = podSpecs(resource)[0];
    const path = pod?.metadata && isObject(pod.metadata.labels) ? `${pod.metadataPath}/labels` : (pod?.metadataPath ?? '/metadata');
    return [{ path, message: `${workload.kind} "${workload.name}" has pods no NetworkPolicy selects in namespace "${workload.namespace}": they accept and open connections without restriction` }];
  },
  examples: {
    valid: [namespaceStream(WEB, DENY_ALL), namespaceStream(WEB, API, CILIUM_DENY), namespaceStream(WEB, API)],
    invalid: [
      namespaceStream(
        WEB,
        API,
        `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: shop
spec:
  podSelector:
    matchLabels: {app: web}
  ingress:
    - ports: [{port: http}]`,
      ),
    ],
  },
});

const policiesRead = new ScopedCache<Resource, Policy | null>();

function policyOf(resource: Resource): Policy | undefined {
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
function portsPhrase(rule: PolicyRule): string | undefined {
  const numbered: PortSet = rulePorts(rule, undefined);
  if (numbered.isAll()) return 'on every port';
  const parts = numbered.isEmpty() ? [] : [numbered.toString()];
  const named = rule.ports === 'all' ? [] : rule.ports.filter((p) => typeof p.port === 'string').map((p) => `${p.protocol}/${p.port}`);
  if (named.length > 0) parts.push(`named port${named.length > 1 ? 's' : ''} ${named.join(', ')}`);
  return parts.length > 0 ? `on ${parts.join(', ')}` : undefined;
}

function openPeers(resource: Resource, rule: PolicyRule): Violation[] {
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

const ALLOW_ALL_EXAMPLE = (direction: 'ingress' | 'egress', body: string): string => `apiVersion: networking.k8s.io/v1
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

const allowsAllIngress = defineRule({
  id: 'network-policy-allows-all-ingress',
  title: 'NetworkPolicy allows ingress from everywhere',
  severity: 'medium',
  category: 'network',
  tags: ['network-policy', 'segmentation'],
  appliesTo: ['NetworkPolicy'],
  description:
    'An ingress rule without `from` peers (or `from: []`), with an ipBlock of 0.0.0.0/0 or ::/0, or with `namespaceSelector: {}` admits ' +
    'every pod of the cluster (and, for the first two, every address outside it), which undoes the isolation the policy sets up. The ' +
    'ports the rule allows are named in the message; a public web front end on one port may be intended.',
  remediation: 'List the sources that need access: pods by podSelector, namespaces by namespaceSelector, or the ingress controller\'s namespace.',
  references: [NETPOL_DOC],
  check: (resource) => {
    const policy = policyOf(resource);
    return policy && policy.ingress ? policy.ingressRules.flatMap((r) => openPeers(resource, r)) : [];
  },
  examples: {
    valid: [
      ALLOW_ALL_EXAMPLE('ingress', '    - from:\n        - podSelector: {matchLabels: {app: api}}'),
      ALLOW_ALL_EXAMPLE('ingress', '    - from:\n        - ipBlock: {cidr: 203.0.113.0/24}'),
      // Rules of a direction the policy does not declare are inert.
      ALLOW_ALL_EXAMPLE('egress', '    - to:\n        - podSelector: {matchLabels: {app: api}}').replace('  egress:', '  ingress:\n    - {}\n  egress:'),
    ],
    invalid: [
      ALLOW_ALL_EXAMPLE('ingress', '    - {}'),
      ALLOW_ALL_EXAMPLE('ingress', '    - from: []\n      ports: [{port: 443}]'),
      ALLOW_ALL_EXAMPLE('ingress', '    - from:\n        - ipBlock: {cidr: 0.0.0.0/0}'),
      ALLOW_ALL_EXAMPLE('ingress', '    - from:\n        - ipBlock: {cidr: "::/0"}'),
      ALLOW_ALL_EXAMPLE('ingress', '    - from:\n        - namespaceSelector: {}'),
    ],
  },
});

const allowsAllEgress = defineRule({
  id: 'network-policy-allows-all-egress',
  title: 'NetworkPolicy allows egress to everywhere',
  severity: 'low',
  category: 'network',
  tags: ['network-policy', 'segmentation', 'egress'],
  appliesTo: ['NetworkPolicy'],
  description:
    'An egress rule without `to` peers (or `to: []`), with an ipBlock of 0.0.0.0/0 or ::/0, or with `namespaceSelector: {}` lets the ' +
    'selected pods connect to every pod of the cluster (and, for the first two, to any address), which makes exfiltration and lateral ' +
    'movement easy. Blocks with `except` lists are reported too, with their exceptions; a narrow port list lowers the risk.',
  remediation: 'Allow only the destinations the workload needs: its backends by podSelector, DNS, and the external ranges it talks to.',
  references: [NETPOL_DOC],
  check: (resource) => {
    const policy = policyOf(resource);
    return policy && policy.egress ? policy.egressRules.flatMap((r) => openPeers(resource, r)) : [];
  },
  examples: {
    valid: [
      ALLOW_ALL_EXAMPLE('egress', '    - to:\n        - podSelector: {matchLabels: {app: api}}'),
      ALLOW_ALL_EXAMPLE('egress', '    - to:\n        - ipBlock: {cidr: 198.51.100.0/24}\n      ports: [{port: 443}]'),
    ],
    invalid: [
      ALLOW_ALL_EXAMPLE('egress', '    - ports: [{port: 443}]'),
      ALLOW_ALL_EXAMPLE('egress', '    - to:\n        - ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}'),
      ALLOW_ALL_EXAMPLE('egress', '    - to:\n        - namespaceSelector: {}\n          podSelector: {}'),
    ],
  },
});

const metadataEgress = defineRule({
  id: 'egress-to-cloud-metadata-allowed',
  title: 'Egress policy leaves the cloud metadata address open',
  severity: 'info',
  category: 'network',
  tags: ['network-policy', 'egress', 'cloud'],
  appliesTo: ['NetworkPolicy'],
  description:
    `The policy restricts egress, but one of its rules still allows ${CLOUD_METADATA_ADDRESS} on TCP port 80, the cloud metadata service ` +
    'that hands out node credentials on most clouds. A rule without `to` peers or with an ipBlock containing the address (not excepted) ' +
    'allows it; rules whose ports exclude TCP/80 do not.',
  remediation: `Add ${CLOUD_METADATA_ADDRESS}/32 (or 169.254.0.0/16) to the ipBlock's except list, or allow only the ranges the workload needs.`,
  references: [METADATA_DOC, NETPOL_DOC],
  check: (resource) => {
    const policy = policyOf(resource);
    if (!policy || !policy.egress) return [];
    const out: Violation[] = [];
    for (const rule of policy.egressRules) {
      if (!rulePorts(rule, undefined).has('TCP', 80)) continue;
      if (rule.peers.everything) {
        out.push({ path: rule.path, cause: rule.path, message: `egress rule ${rule.index} of NetworkPolicy "${resource.name}" allows every destination, including the cloud metadata address ${CLOUD_METADATA_ADDRESS}` });
        continue;
      }
      const raw = asArray(fieldAt(resource.object, 'spec', 'egress', rule.index, 'to'));
      raw.forEach((peer, i) => {
        const block = rule.peers.ipBlocks.find((b) => b.cidr.text === fieldAt(peer, 'ipBlock', 'cidr'));
        if (block && ipBlockContainsIp(block, METADATA_IP))
          out.push({ path: `${rule.path}/to/${i}/ipBlock`, cause: `${rule.path}/to/${i}`, message: `egress rule ${rule.index} of NetworkPolicy "${resource.name}" allows ${block.cidr.text}, which includes the cloud metadata address ${CLOUD_METADATA_ADDRESS}` });
      });
    }
    return out;
  },
  examples: {
    valid: [
      ALLOW_ALL_EXAMPLE('egress', '    - to:\n        - ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}'),
      ALLOW_ALL_EXAMPLE('egress', '    - ports: [{port: 443}]'),
      ALLOW_ALL_EXAMPLE('egress', '    - to:\n        - podSelector: {}'),
    ],
    invalid: [
      ALLOW_ALL_EXAMPLE('egress', '    - to:\n        - ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}'),
      ALLOW_ALL_EXAMPLE('egress', '    - {}'),
      ALLOW_ALL_EXAMPLE('egress', '    - to:\n        - ipBlock: {cidr: 169.254.0.0/16}\n      ports: [{port: 80}]'),
    ],
  },
});

export const networkRules: Rule[] = [namespaceWithoutPolicy, missingDenyIngress, missingDenyEgress, workloadNotSelected, allowsAllIngress, allowsAllEgress, metadataEgress];
