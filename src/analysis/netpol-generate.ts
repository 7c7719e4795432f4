/**
 * `kshield netpol generate`: NetworkPolicies for the traffic the manifests declare.
 *
 * Per namespace with workloads: a default deny for ingress and egress, DNS egress to kube-dns
 * (kube-system, k8s-app=kube-dns, UDP and TCP 53), and allow policies for:
 * - workload -> Service -> the workloads the Service selects, where the client names the Service
 *   in its environment, command, arguments, or a ConfigMap it reads (envFrom / configMapKeyRef) as
 *   `scheme://name`, `name:port` (same namespace), or `name.namespace[.svc[.domain]]`;
 * - Ingress backends: from the ingress controller (any namespace unless told which) to the
 *   workloads behind the backend Service;
 * - NodePort/LoadBalancer Services: from loadBalancerSourceRanges, else from any address.
 * Ports are the Services' target ports (names kept: NetworkPolicy resolves them the same way).
 */
import type { JsonObject, Resource } from '../core/types.js';
import { containers } from '../k8s/pods.js';
import { matchesParsed, parseLabelSelector } from '../k8s/labels.js';
import { mapSelectsSomePod, matchPods } from '../k8s/controller-labels.js';
import { asArray, fieldAt, isObject, asNumber, asObject, asString, stringMap } from '../core/values.js';
import { namespaceOf, NAMESPACE_NAME_LABEL, type NetpolModel, type Workload } from './netpol.js';

export interface GenerateOptions {
  /** Where ingress controllers run: namespace label selector (matchLabels). Default: any namespace. */
  ingressNamespaceLabels?: Record<string, string>;
  /** Pod labels of the ingress controller. Default: any pod of those namespaces. */
  ingressPodLabels?: Record<string, string>;
}

export interface DeclaredFlow {
  /** Workload id, or "ingress-controller", or a CIDR. */
  src: string;
  dst: string;
  ports: GeneratedPort[];
  reason: string;
}

export interface GeneratedPort {
  protocol: 'TCP' | 'UDP' | 'SCTP';
  port: number | string;
}

export interface Generated {
  policies: JsonObject[];
  /** One comment per policy, in the same order. */
  comments: string[];
  flows: DeclaredFlow[];
  /** Things that could not be turned into policies, in words. */
  skipped: string[];
}

interface ServicePort {
  name?: string;
  port?: number;
  target: GeneratedPort;
}

interface ServiceInfo {
  resource: Resource;
  namespace: string;
  name: string;
  ports: ServicePort[];
  backends: Workload[];
}

function protocolOf(value: unknown): GeneratedPort['protocol'] {
  return value === 'UDP' || value === 'SCTP' ? value : 'TCP';
}

function servicePorts(service: Resource): ServicePort[] {
  return asArray(fieldAt(service.object, 'spec', 'ports'))
    .filter(isObject)
    .map((p) => {
      const port = asNumber(p.port);
      const target = p.targetPort;
      const targetPort = typeof target === 'number' ? target : typeof target === 'string' ? (/^\d+$/.test(target) ? Number(target) : target) : port;
      return { name: asString(p.name), port, target: { protocol: protocolOf(p.protocol), port: targetPort ?? 0 } };
    })
    .filter((p) => p.target.port !== 0);
}

/** Host names a string mentions the way clients address Services. */
function hostsIn(text: string): { host: string; qualified: boolean }[] {
  const out: { host: string; qualified: boolean }[] = [];
  const re = /(?:([a-z][a-z0-9+.-]*):\/\/)?([A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*)(:\d+)?/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const host = m[2].toLowerCase();
    const qualified = host.includes('.');
    // A bare word is a Service name only when written as a URL host or with a port.
    if (qualified || m[1] !== undefined || m[3] !== undefined) out.push({ host, qualified });
  }
  return out;
}

function stringsOf(value: unknown, into: string[]): void {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsOf(v, into);
  else if (isObject(value)) for (const v of Object.values(value)) stringsOf(v, into);
}

/** The strings a workload's containers read: env values, command, args, and ConfigMaps they load. */
function clientStrings(workload: Workload, configMaps: Map<string, Resource>): string[] {
  const out: string[] = [];
  // An operator's workload: its containers are the operator's, not in the input.
  for (const r of workload.operator ? [] : workload.resources)
    for (const c of containers(r)) {
      for (const e of asArray(c.container.env)) {
        stringsOf(fieldAt(e, 'value'), out);
        const ref = fieldAt(e, 'valueFrom', 'configMapKeyRef');
        const cm = configMaps.get(`${workload.namespace}/${asString(fieldAt(ref, 'name'))}`);
        const key = asString(fieldAt(ref, 'key'));
        if (cm && key) stringsOf(fieldAt(cm.object, 'data', key), out);
      }
      for (const e of asArray(c.container.envFrom)) {
        const cm = configMaps.get(`${workload.namespace}/${asString(fieldAt(e, 'configMapRef', 'name'))}`);
        if (cm) stringsOf(fieldAt(cm.object, 'data'), out);
      }
      stringsOf(c.container.command, out);
      stringsOf(c.container.args, out);
    }
  return out;
}

function sanitizeName(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, 253);
}

export function generatePolicies(model: NetpolModel, resources: readonly Resource[], options: GenerateOptions = {}): Generated {
  const result: Generated = { policies: [], comments: [], flows: [], skipped: [] };
  const configMaps = new Map<string, Resource>();
  for (const r of resources) if (r.kind === 'ConfigMap' && r.apiVersion === 'v1') configMaps.set(`${namespaceOf(r)}/${r.name}`, r);

  // Services and the workloads behind them.
  const services = new Map<string, ServiceInfo>();
  for (const r of resources) {
    if (r.kind !== 'Service' || r.apiVersion !== 'v1') continue;
    const ns = namespaceOf(r);
    const selector = stringMap(fieldAt(r.object, 'spec', 'selector'));
    if (Object.keys(selector).length === 0) continue;
    const backends = new Set<Workload>();
    // Pods' labels include those their controllers add (a Service may select one StatefulSet pod by name).
    for (const w of model.workloads) if (w.namespace === ns && w.endpoints.some((e) => mapSelectsSomePod(selector, model.endpoints[e].pods))) backends.add(w);
    services.set(`${ns}/${r.name}`, { resource: r, namespace: ns, name: r.name, ports: servicePorts(r), backends: [...backends] });
  }

  const ingressPeers = new Map<Workload, { from: JsonObject[]; ports: GeneratedPort[]; why: string }[]>();
  const egressPeers = new Map<Workload, { to: JsonObject[]; ports: GeneratedPort[]; why: string }[]>();
  const addIngress = (w: Workload, from: JsonObject[], ports: GeneratedPort[], why: string): void => {
    const list = ingressPeers.get(w) ?? [];
    list.push({ from, ports, why });
    ingressPeers.set(w, list);
  };
  const addEgress = (w: Workload, to: JsonObject[], ports: GeneratedPort[], why: string): void => {
    const list = egressPeers.get(w) ?? [];
    list.push({ to, ports, why });
    egressPeers.set(w, list);
  };

  const selectorCache = new Map<Workload, Record<string, string> | undefined>();
  const podLabelsFor = (w: Workload): Record<string, string> | undefined => {
    if (!selectorCache.has(w)) selectorCache.set(w, uniqueSelector(model, w));
    return selectorCache.get(w);
  };
  const peerFor = (w: Workload, from: string): JsonObject | undefined => {
    const labels = podLabelsFor(w);
    if (!labels) return undefined;
    const peer: JsonObject = { podSelector: { matchLabels: labels } };
    if (w.namespace !== from) peer.namespaceSelector = { matchLabels: { [NAMESPACE_NAME_LABEL]: w.namespace } };
    return peer;
  };

  // Workload -> Service references.
  for (const client of model.workloads) {
    const strings = clientStrings(client, configMaps);
    const referenced = new Set<ServiceInfo>();
    for (const text of strings)
      for (const { host, qualified } of hostsIn(text)) {
        if (!qualified) {
          const s = services.get(`${client.namespace}/${host}`);
          if (s) referenced.add(s);
          continue;
        }
        const [name, ns, svc] = host.split('.');
        if (svc !== undefined && svc !== 'svc') continue;
        const s = services.get(`${ns}/${name}`);
        if (s) referenced.add(s);
      }
    for (const s of [...referenced].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const ports = s.ports.map((p) => p.target);
      for (const server of s.backends) {
        if (server === client) continue;
        const toPeer = peerFor(server, client.namespace);
        const fromPeer = peerFor(client, server.namespace);
        if (!toPeer || !fromPeer) {
          result.skipped.push(`${client.id} -> ${server.id} (Service ${s.namespace}/${s.name}): no labels select only ${!toPeer ? server.id : client.id}'s pods`);
          continue;
        }
        const why = `${client.id} -> ${server.id} via Service ${s.namespace}/${s.name}`;
        addEgress(client, [toPeer], ports, why);
        addIngress(server, [fromPeer], ports, why);
        result.flows.push({ src: client.id, dst: server.id, ports, reason: `Service ${s.namespace}/${s.name}` });
      }
    }
  }

  // Ingress backends, from the ingress controller.
  const controllerPeer: JsonObject = { namespaceSelector: { matchLabels: options.ingressNamespaceLabels ?? {} } };
  if (!options.ingressNamespaceLabels) controllerPeer.namespaceSelector = {};
  if (options.ingressPodLabels) controllerPeer.podSelector = { matchLabels: options.ingressPodLabels };
  for (const r of resources) {
    if (r.kind !== 'Ingress' || !/^networking\.k8s\.io\//.test(r.apiVersion)) continue;
    const ns = namespaceOf(r);
    const backends = [fieldAt(r.object, 'spec', 'defaultBackend', 'service')];
    for (const rule of asArray(fieldAt(r.object, 'spec', 'rules'))) for (const p of asArray(fieldAt(rule, 'http', 'paths'))) backends.push(fieldAt(p, 'backend', 'service'));
    for (const b of backends) {
      if (!isObject(b)) continue;
      const s = services.get(`${ns}/${asString(b.name)}`);
      if (!s) continue;
      const wanted = fieldAt(b, 'port', 'number') ?? fieldAt(b, 'port', 'name');
      const matching = s.ports.filter((p) => p.port === wanted || (p.name !== undefined && p.name === wanted));
      const ports = (matching.length ? matching : s.ports).map((p) => p.target);
      for (const server of s.backends) {
        const why = `ingress controller -> ${server.id} via Ingress ${ns}/${r.name}`;
        addIngress(server, [controllerPeer], ports, why);
        result.flows.push({ src: 'ingress-controller', dst: server.id, ports, reason: `Ingress ${ns}/${r.name}` });
      }
    }
  }

  // Services published outside the cluster.
  for (const s of services.values()) {
    const type = fieldAt(s.resource.object, 'spec', 'type');
    if (type !== 'NodePort' && type !== 'LoadBalancer') continue;
    const ranges = asArray(fieldAt(s.resource.object, 'spec', 'loadBalancerSourceRanges')).filter((x) => typeof x === 'string') as string[];
    const cidrs = ranges.length ? ranges : ['0.0.0.0/0', '::/0'];
    const ports = s.ports.map((p) => p.target);
    for (const server of s.backends) {
      addIngress(server, cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports, `outside the cluster -> ${server.id} via ${type} Service ${s.namespace}/${s.name}`);
      for (const cidr of cidrs) result.flows.push({ src: cidr, dst: server.id, ports, reason: `${type} Service ${s.namespace}/${s.name}` });
    }
  }

  // Emit, namespace by namespace.
  const namespaces = [...new Set(model.workloads.map((w) => w.namespace))].sort();
  const labels = { 'app.kubernetes.io/managed-by': 'kshield' };
  for (const ns of namespaces) {
    const metadata = (name: string): JsonObject => ({ name, namespace: ns, labels });
    result.comments.push(`Namespace ${ns}: deny all traffic unless another policy allows it.`);
    result.policies.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: metadata('default-deny-all'), spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } });
    result.comments.push(`Namespace ${ns}: every pod may resolve names through kube-dns.`);
    result.policies.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: metadata('allow-dns-egress'),
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
        ],
      },
    });
    const inNs = model.workloads.filter((w) => w.namespace === ns).sort((a, b) => (a.id < b.id ? -1 : 1));
    const nameCounts = new Map<string, number>();
    for (const w of inNs) nameCounts.set(w.name, (nameCounts.get(w.name) ?? 0) + 1);
    const baseName = (w: Workload): string => sanitizeName(nameCounts.get(w.name)! > 1 ? `${w.kind}-${w.name}` : w.name);
    for (const w of inNs) {
      const own = podLabelsFor(w);
      const ingress = ingressPeers.get(w);
      const egress = egressPeers.get(w);
      if (!own) {
        if (ingress || egress) result.skipped.push(`${w.id}: no labels select only its pods, so no allow policy was written for it`);
        continue;
      }
      if (ingress) {
        result.comments.push(unique(ingress.map((i) => i.why)).join('\n'));
        result.policies.push({
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: metadata(`allow-ingress-${baseName(w)}`),
          spec: { podSelector: { matchLabels: own }, policyTypes: ['Ingress'], ingress: mergeRules(ingress.map((i) => ({ peers: i.from, ports: i.ports })), 'from') },
        });
      }
      if (egress) {
        result.comments.push(unique(egress.map((i) => i.why)).join('\n'));
        result.policies.push({
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: metadata(`allow-egress-${baseName(w)}`),
          spec: { podSelector: { matchLabels: own }, policyTypes: ['Egress'], egress: mergeRules(egress.map((i) => ({ peers: i.to, ports: i.ports })), 'to') },
        });
      }
    }
  }
  return result;
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

/** One rule per distinct peer list, with the union of its ports. */
function mergeRules(entries: { peers: JsonObject[]; ports: GeneratedPort[] }[], key: 'from' | 'to'): JsonObject[] {
  const byPeers = new Map<string, { peers: JsonObject[]; ports: Map<string, GeneratedPort> }>();
  for (const e of entries) {
    const k = JSON.stringify(e.peers);
    const slot = byPeers.get(k) ?? { peers: e.peers, ports: new Map() };
    for (const p of e.ports) slot.ports.set(`${p.protocol}/${p.port}`, p);
    byPeers.set(k, slot);
  }
  return [...byPeers.values()].map((slot) => ({ [key]: slot.peers, ports: [...slot.ports.values()].map((p) => ({ protocol: p.protocol, port: p.port })) }));
}

/**
 * Labels that select this workload's pods and no other workload's in its namespace: the
 * workload's own matchLabels selector when that is exact, else all the labels its pods share.
 */
function uniqueSelector(model: NetpolModel, w: Workload): Record<string, string> | undefined {
  const candidates: Record<string, string>[] = [];
  // An operator's workload: the labels its own selector uses. Its custom resource's spec.selector, if
  // any, means something else.
  if (w.operator && Object.keys(w.operator.selectorLabels).length > 0) candidates.push({ ...w.operator.selectorLabels });
  for (const r of w.operator ? [] : w.resources) {
    const sel = asObject(fieldAt(r.object, 'spec', 'selector'));
    const matchLabels = stringMap(sel?.matchLabels);
    if (sel && asArray(sel.matchExpressions).length === 0 && Object.keys(matchLabels).length > 0) candidates.push(matchLabels);
  }
  const shared: Record<string, string> = { ...model.endpoints[w.endpoints[0]]?.labels };
  for (const e of w.endpoints) for (const [k, v] of Object.entries(shared)) if (model.endpoints[e].labels[k] !== v) delete shared[k];
  if (Object.keys(shared).length > 0) candidates.push(shared);
  for (const labels of candidates) {
    const parsed = parseLabelSelector({ matchLabels: labels });
    const others = model.endpoints.some((e) => e.namespace === w.namespace && e.workload !== w && parsed.kind === 'selector' && matchPods(parsed.selector.requirements, e.pods).kind !== 'none');
    const all = w.endpoints.every((e) => matchesParsed(parsed, model.endpoints[e].labels));
    if (!others && all) return labels;
  }
  return undefined;
}
