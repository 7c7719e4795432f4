/**
 * Workloads that operators create from custom resources. A `Prometheus` object makes the
 * Prometheus Operator create a StatefulSet whose pods carry labels the operator chooses; manifests
 * hold the custom resource, never the StatefulSet. Selector-based analysis (Services and
 * NetworkPolicies selecting pods, reachability) needs those pods, so this module turns each custom
 * resource of a known kind into the workloads the operator makes: their kind and name, the labels of
 * their pods, their named container ports, service account and replicas.
 *
 * Only what selectors and reachability need is modelled. The operator's full pod spec (security
 * context, images, probes, resources) is not, so no rule judges these pods' specs: pod-security,
 * image and resource rules keep judging the objects in the input only.
 *
 * The built-in table follows the Prometheus Operator source at v0.85/v0.86 (2025):
 * pkg/prometheus/server/statefulset.go, pkg/prometheus/common.go, pkg/prometheus/agent,
 * pkg/alertmanager/statefulset.go, pkg/thanos/statefulset.go, pkg/operator/config_reloader.go.
 * - Prometheus <n>: StatefulSet `prometheus-<n>`, one per shard (`prometheus-<n>-shard-<i>` for
 *   shard i > 0; spec.shards, default 1). Pod labels: `app.kubernetes.io/version` (the Prometheus
 *   version), then spec.podMetadata.labels, then the selector labels, which win:
 *   `app.kubernetes.io/name: prometheus`, `app.kubernetes.io/managed-by: prometheus-operator`,
 *   `app.kubernetes.io/instance: <n>`, `operator.prometheus.io/name: <n>`, `prometheus: <n>`,
 *   `operator.prometheus.io/shard: <i>`. Ports: spec.portName (default `web`) 9090/TCP unless
 *   spec.listenLocal; `reloader-web` 8080/TCP (config-reloader) unless listenLocal with the HTTP
 *   reload strategy; with spec.thanos, the sidecar's `http` 10902 and `grpc` 10901.
 * - PrometheusAgent <n> (monitoring.coreos.com/v1alpha1): as Prometheus with the prefix `prom-agent`
 *   and `app.kubernetes.io/name: prometheus-agent`, without the `prometheus: <n>` label and the thanos
 *   sidecar; spec.mode DaemonSet makes one DaemonSet without the shard label.
 * - Alertmanager <n>: StatefulSet `alertmanager-<n>`; labels `app.kubernetes.io/version`, then
 *   spec.podMetadata.labels, then `app.kubernetes.io/name: alertmanager`, managed-by, instance and
 *   `alertmanager: <n>`. Ports: spec.portName (default `web`) 9093/TCP unless listenLocal,
 *   `mesh-tcp` 9094/TCP, `mesh-udp` 9094/UDP, `reloader-web` 8080/TCP unless listenLocal.
 * - ThanosRuler <n>: StatefulSet `thanos-ruler-<n>`; labels spec.podMetadata.labels, then
 *   `app.kubernetes.io/name: thanos-ruler`, managed-by, instance and `thanos-ruler: <n>` (no version
 *   label). Ports: `grpc` 10901/TCP, spec.portName (default `web`) 10902/TCP unless listenLocal,
 *   `reloader-web` 8080/TCP unless listenLocal (the operator adds the config-reloader when rule
 *   ConfigMaps exist, which it does for any ruler that evaluates rules).
 * Service account: spec.serviceAccountName, else `default`; replicas: spec.replicas, default 1.
 * Ports the user adds through spec.containers (merged into the operator's containers by name) are
 * added too. The operator's own `--labels` flag adds labels to every object it makes; the flag is
 * not in the manifests, so those labels are not known here. Without spec.version the operator's
 * default version is used, which kshield does not know: `app.kubernetes.io/version` is then left
 * out (spec.podMetadata.labels may still set it, as kube-prometheus does).
 *
 * Users add their own kinds with `operatorWorkloads` in `.kshield.yaml` (OperatorWorkloadConfig in
 * src/core/rule.ts); an entry for a built-in kind replaces the built-in one.
 */
import type { Resource } from '../core/types.js';
import type { OperatorWorkloadConfig } from '../engine/rule.js';
import type { Labels } from '../k8s/labels.js';
import { isBuiltinApiVersion, podSpecs } from '../k8s/pods.js';
import { asArray, fieldAt, isObject, asNumber, asObject, asString, stringMap } from '../core/values.js';

export type OperatorWorkloadKind = 'StatefulSet' | 'Deployment' | 'DaemonSet';
export type PortProtocol = 'TCP' | 'UDP' | 'SCTP';

export interface OperatorPort {
  name?: string;
  port: number;
  protocol: PortProtocol;
}

/** One workload an operator makes from a custom resource, as far as selectors and reachability need it. */
export interface OperatorWorkload {
  /** The custom resource's namespace (undefined when it has none, as its metadata says). */
  namespace?: string;
  kind: OperatorWorkloadKind;
  name: string;
  /** The labels of its pods. */
  podLabels: Labels;
  /** The labels the operator's own selector uses: they select this workload's pods only. */
  selectorLabels: Labels;
  ports: OperatorPort[];
  serviceAccountName: string;
  /** Whether the pods mount the service account's token (spec.automountServiceAccountToken: false says no). */
  tokenMounted: boolean;
  replicas?: number;
  hostNetwork: boolean;
  /** The custom resource it is made from. */
  source: Resource;
  /** e.g. "the Prometheus Operator" */
  operator: string;
  /** e.g. "created by the Prometheus Operator from Prometheus monitoring/k8s" */
  origin: string;
}

export interface OperatorKind {
  group: string;
  /** Only this version of the group, when set. */
  version?: string;
  kind: string;
  operator: string;
  declaredIn: 'built-in' | 'configuration';
  /** The workloads made from one custom resource, or why none could be worked out. */
  expand(cr: Resource): { workloads: OperatorWorkload[]; problem?: string };
}

/** More shards than this are not modelled one by one: the table stays bounded whatever the input says. */
const MAX_SHARDS = 64;

const MANAGED_BY = 'app.kubernetes.io/managed-by';
const NAME_LABEL = 'app.kubernetes.io/name';
const INSTANCE_LABEL = 'app.kubernetes.io/instance';
const VERSION_LABEL = 'app.kubernetes.io/version';
const PROMETHEUS_OPERATOR = 'the Prometheus Operator';
const MONITORING_GROUP = 'monitoring.coreos.com';

function groupOf(apiVersion: string | undefined): { group: string; version: string } | undefined {
  if (!apiVersion) return undefined;
  const slash = apiVersion.indexOf('/');
  if (slash <= 0) return undefined;
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function crLabel(cr: Resource): string {
  return `${cr.kind} ${cr.namespace ? `${cr.namespace}/` : ''}${cr.name}`;
}

function originText(operator: string, cr: Resource): string {
  return `created by ${operator} from ${crLabel(cr)}`;
}

/** semver.ParseTolerant(...).String() for the plain versions manifests use ("v2.45.0", "3.5"); undefined otherwise. */
export function tolerantVersion(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(raw.trim());
  if (!m) return undefined;
  const part = (s: string | undefined): string => String(Number(s ?? '0'));
  return `${part(m[1])}.${part(m[2])}.${part(m[3])}${m[4] ?? ''}${m[5] ?? ''}`;
}

/** Named ports the user adds through spec.containers (patches merged into the operator's containers by name). */
function patchedPorts(spec: Record<string, unknown>): OperatorPort[] {
  const out: OperatorPort[] = [];
  for (const c of asArray(spec.containers))
    for (const p of asArray(fieldAt(c, 'ports'))) {
      const port = asNumber(fieldAt(p, 'containerPort'));
      if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) continue;
      const protocol = fieldAt(p, 'protocol') ?? 'TCP';
      if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP') continue;
      out.push({ name: asString(fieldAt(p, 'name')), port, protocol });
    }
  return out;
}

function replicasOf(spec: Record<string, unknown>): number {
  const n = asNumber(spec.replicas);
  // The operator turns a negative count into 1 (Prometheus) or 0 (Alertmanager); an absent one into 1.
  return n === undefined || !Number.isInteger(n) ? 1 : Math.max(n, 0);
}

function placeholderName(cr: Resource): string | undefined {
  return cr.name.includes('{{') ? `${crLabel(cr)}: its name is a template placeholder, so the names of the workloads made from it are not known` : undefined;
}

interface PrometheusFlavour {
  kind: string;
  version: string;
  prefix: string;
  appName: string;
  /** Prometheus carries `prometheus: <name>`; the agent does not. */
  nameLabel: boolean;
  thanos: boolean;
}

function prometheusKind(flavour: PrometheusFlavour): OperatorKind {
  return {
    group: MONITORING_GROUP,
    version: flavour.version,
    kind: flavour.kind,
    operator: PROMETHEUS_OPERATOR,
    declaredIn: 'built-in',
    expand(cr) {
      const problem = placeholderName(cr);
      if (problem) return { workloads: [], problem };
      const spec = asObject(cr.object.spec) ?? {};
      const name = cr.name;
      const listenLocal = spec.listenLocal === true;
      const signalReload = spec.reloadStrategy === 'ProcessSignal';
      const ports: OperatorPort[] = [];
      if (!listenLocal) ports.push({ name: asString(spec.portName) || 'web', port: 9090, protocol: 'TCP' });
      if (!listenLocal || signalReload) ports.push({ name: 'reloader-web', port: 8080, protocol: 'TCP' });
      if (flavour.thanos && isObject(spec.thanos)) ports.push({ name: 'http', port: 10902, protocol: 'TCP' }, { name: 'grpc', port: 10901, protocol: 'TCP' });
      ports.push(...patchedPorts(spec));
      const base: Record<string, string> = {};
      const version = tolerantVersion(spec.version);
      if (version) base[VERSION_LABEL] = version;
      Object.assign(base, stringMap(fieldAt(spec, 'podMetadata', 'labels')));
      const selector: Record<string, string> = {
        [NAME_LABEL]: flavour.appName,
        [MANAGED_BY]: 'prometheus-operator',
        [INSTANCE_LABEL]: name,
        'operator.prometheus.io/name': name,
      };
      if (flavour.nameLabel) selector.prometheus = name;
      const common = {
        namespace: cr.namespace,
        ports,
        serviceAccountName: asString(spec.serviceAccountName) || 'default',
        tokenMounted: spec.automountServiceAccountToken !== false,
        hostNetwork: spec.hostNetwork === true,
        source: cr,
        operator: PROMETHEUS_OPERATOR,
        origin: originText(PROMETHEUS_OPERATOR, cr),
      };
      const prefixed = `${flavour.prefix}-${name}`;
      if (flavour.kind === 'PrometheusAgent' && spec.mode === 'DaemonSet') {
        return { workloads: [{ ...common, kind: 'DaemonSet', name: prefixed, podLabels: { ...base, ...selector }, selectorLabels: selector }] };
      }
      const shardsRaw = asNumber(spec.shards);
      const shards = shardsRaw !== undefined && Number.isInteger(shardsRaw) && shardsRaw > 1 ? Math.min(shardsRaw, MAX_SHARDS) : 1;
      const workloads: OperatorWorkload[] = [];
      for (let shard = 0; shard < shards; shard++) {
        const shardSelector = { ...selector, 'operator.prometheus.io/shard': String(shard) };
        workloads.push({
          ...common,
          kind: 'StatefulSet',
          name: shard === 0 ? prefixed : `${prefixed}-shard-${shard}`,
          podLabels: { ...base, ...shardSelector },
          selectorLabels: shardSelector,
          replicas: replicasOf(spec),
        });
      }
      const more = shardsRaw !== undefined && shardsRaw > MAX_SHARDS ? `${crLabel(cr)} asks for ${shardsRaw} shards; only the first ${MAX_SHARDS} are modelled` : undefined;
      return { workloads, problem: more };
    },
  };
}

const alertmanagerKind: OperatorKind = {
  group: MONITORING_GROUP,
  version: 'v1',
  kind: 'Alertmanager',
  operator: PROMETHEUS_OPERATOR,
  declaredIn: 'built-in',
  expand(cr) {
    const problem = placeholderName(cr);
    if (problem) return { workloads: [], problem };
    const spec = asObject(cr.object.spec) ?? {};
    const listenLocal = spec.listenLocal === true;
    const ports: OperatorPort[] = [];
    if (!listenLocal) ports.push({ name: asString(spec.portName) || 'web', port: 9093, protocol: 'TCP' });
    ports.push({ name: 'mesh-tcp', port: 9094, protocol: 'TCP' }, { name: 'mesh-udp', port: 9094, protocol: 'UDP' });
    if (!listenLocal) ports.push({ name: 'reloader-web', port: 8080, protocol: 'TCP' });
    ports.push(...patchedPorts(spec));
    const labels: Record<string, string> = {};
    const version = tolerantVersion(spec.version);
    if (version) labels[VERSION_LABEL] = version;
    Object.assign(labels, stringMap(fieldAt(spec, 'podMetadata', 'labels')));
    const selector = { [NAME_LABEL]: 'alertmanager', [MANAGED_BY]: 'prometheus-operator', [INSTANCE_LABEL]: cr.name, alertmanager: cr.name };
    return {
      workloads: [
        {
          namespace: cr.namespace,
          kind: 'StatefulSet',
          name: `alertmanager-${cr.name}`,
          podLabels: { ...labels, ...selector },
          selectorLabels: selector,
          ports,
          serviceAccountName: asString(spec.serviceAccountName) || 'default',
          tokenMounted: spec.automountServiceAccountToken !== false,
          replicas: replicasOf(spec),
          hostNetwork: spec.hostNetwork === true,
          source: cr,
          operator: PROMETHEUS_OPERATOR,
          origin: originText(PROMETHEUS_OPERATOR, cr),
        },
      ],
    };
  },
};

const thanosRulerKind: OperatorKind = {
  group: MONITORING_GROUP,
  version: 'v1',
  kind: 'ThanosRuler',
  operator: PROMETHEUS_OPERATOR,
  declaredIn: 'built-in',
  expand(cr) {
    const problem = placeholderName(cr);
    if (problem) return { workloads: [], problem };
    const spec = asObject(cr.object.spec) ?? {};
    const listenLocal = spec.listenLocal === true;
    const ports: OperatorPort[] = [{ name: 'grpc', port: 10901, protocol: 'TCP' }];
    if (!listenLocal) ports.push({ name: asString(spec.portName) || 'web', port: 10902, protocol: 'TCP' }, { name: 'reloader-web', port: 8080, protocol: 'TCP' });
    ports.push(...patchedPorts(spec));
    const selector = { [NAME_LABEL]: 'thanos-ruler', [MANAGED_BY]: 'prometheus-operator', [INSTANCE_LABEL]: cr.name, 'thanos-ruler': cr.name };
    return {
      workloads: [
        {
          namespace: cr.namespace,
          kind: 'StatefulSet',
          name: `thanos-ruler-${cr.name}`,
          podLabels: { ...stringMap(fieldAt(spec, 'podMetadata', 'labels')), ...selector },
          selectorLabels: selector,
          ports,
          serviceAccountName: asString(spec.serviceAccountName) || 'default',
          // The ruler's pod spec sets no automountServiceAccountToken: the account's own setting decides.
          tokenMounted: true,
          replicas: replicasOf(spec),
          hostNetwork: false,
          source: cr,
          operator: PROMETHEUS_OPERATOR,
          origin: originText(PROMETHEUS_OPERATOR, cr),
        },
      ],
    };
  },
};

const BUILTIN_OPERATOR_KINDS: readonly OperatorKind[] = [
  prometheusKind({ kind: 'Prometheus', version: 'v1', prefix: 'prometheus', appName: 'prometheus', nameLabel: true, thanos: true }),
  prometheusKind({ kind: 'PrometheusAgent', version: 'v1alpha1', prefix: 'prom-agent', appName: 'prometheus-agent', nameLabel: false, thanos: false }),
  alertmanagerKind,
  thanosRulerKind,
];

/**
 * Custom resources known to make no pods: configuration that operators read. They are neither
 * listed as "not modelled" nor taken as a sign that pods may exist that the input does not show.
 */
const NO_PODS: Record<string, readonly string[] | '*'> = {
  'monitoring.coreos.com': ['ServiceMonitor', 'PodMonitor', 'PrometheusRule', 'Probe', 'AlertmanagerConfig', 'ScrapeConfig'],
  'cert-manager.io': '*',
  'acme.cert-manager.io': '*',
  'kyverno.io': '*',
  'external-secrets.io': '*',
  'argoproj.io': ['Application', 'ApplicationSet', 'AppProject'],
  'cilium.io': '*',
  'projectcalico.org': '*',
  'crd.projectcalico.org': '*',
  // Service-mesh and Gateway API policy: read by the mesh's control plane and proxies, never a pod template.
  'security.istio.io': '*',
  'networking.istio.io': ['PeerAuthentication', 'DestinationRule', 'VirtualService', 'ServiceEntry', 'Sidecar', 'Gateway', 'EnvoyFilter', 'WorkloadEntry', 'WorkloadGroup'],
  'policy.linkerd.io': '*',
  'gateway.networking.k8s.io': ['BackendTLSPolicy', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute', 'ReferenceGrant', 'GatewayClass'],
};

// ---------------------------------------------------------------------------------------------
// Configuration entries

const TEMPLATE = /\{\{\s*([^{}]*?)\s*\}\}/g;
export const PLACEHOLDER_ROOTS = ['name', 'namespace', 'metadata', 'spec'];

/** A field path as written in a placeholder ("spec.podMetadata.labels", "metadata.labels[app.kubernetes.io/name]"), or why it is not one. */
export function parseFieldPath(text: string): { path: string[] } | { problem: string } {
  const path: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '[') {
      const end = text.indexOf(']', i);
      if (end < 0) return { problem: `"${text}" has a "[" without "]"` };
      const key = text.slice(i + 1, end);
      if (key === '') return { problem: `"${text}" has an empty [] key` };
      path.push(key);
      i = end + 1;
      if (i < text.length && text[i] === '.') i++;
      continue;
    }
    const m = /^[A-Za-z0-9_-]+/.exec(text.slice(i));
    if (!m) return { problem: `"${text}" is not a field path (names separated by ".", keys with dots or slashes in [brackets])` };
    path.push(m[0]);
    i += m[0].length;
    if (i < text.length) {
      if (text[i] === '.') i++;
      else if (text[i] !== '[') return { problem: `"${text}" is not a field path (names separated by ".", keys with dots or slashes in [brackets])` };
    }
  }
  if (path.length === 0) return { problem: 'an empty placeholder {{}}' };
  if (!PLACEHOLDER_ROOTS.includes(path[0])) return { problem: `placeholder {{${text}}} must start with one of ${PLACEHOLDER_ROOTS.join(', ')}` };
  if ((path[0] === 'name' || path[0] === 'namespace') && path.length > 1) return { problem: `placeholder {{${text}}}: ${path[0]} has no fields` };
  return { path };
}

/** The placeholders of a template string, each with its parsed path or problem. */
export function templatePlaceholders(template: string): { text: string; parsed: ReturnType<typeof parseFieldPath> }[] {
  return [...template.matchAll(TEMPLATE)].map((m) => ({ text: m[1], parsed: parseFieldPath(m[1]) }));
}

function resolvePath(cr: Resource, path: string[]): unknown {
  if (path[0] === 'name') return cr.name;
  if (path[0] === 'namespace') return cr.namespace;
  return fieldAt(cr.object, ...path);
}

/** A template filled from the custom resource; undefined when a placeholder names a field that is missing or not a scalar. */
function fill(template: string, cr: Resource): string | undefined {
  let missing = false;
  const out = template.replace(TEMPLATE, (_all, text: string) => {
    const parsed = parseFieldPath(text);
    if (!('path' in parsed)) {
      missing = true;
      return '';
    }
    const value = resolvePath(cr, parsed.path);
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
    missing = true;
    return '';
  });
  return missing ? undefined : out;
}

function configuredKind(entry: OperatorWorkloadConfig): OperatorKind {
  const gv = entry.apiVersion ? groupOf(entry.apiVersion) : undefined;
  const group = gv?.group ?? entry.group ?? '';
  const operator = entry.operator ? entry.operator : `the operator of ${entry.kind}`;
  const labelsFrom = (entry.podLabelsFrom ?? []).map((p) => parseFieldPath(p)).flatMap((p) => ('path' in p ? [p.path] : []));
  return {
    group,
    version: gv?.version,
    kind: entry.kind,
    operator,
    declaredIn: 'configuration',
    expand(cr) {
      const problem = placeholderName(cr);
      if (problem) return { workloads: [], problem };
      const name = fill(entry.workload.name, cr);
      if (!name) return { workloads: [], problem: `${crLabel(cr)}: the workload name "${entry.workload.name}" (operatorWorkloads) names a field it does not have` };
      const labels: Record<string, string> = {};
      for (const path of labelsFrom) Object.assign(labels, stringMap(resolvePath(cr, path)));
      // A label whose value names a missing field is left out: the operator would not set it either.
      const own: Record<string, string> = {};
      for (const [k, v] of Object.entries(entry.podLabels)) {
        const value = fill(v, cr);
        if (value !== undefined) own[k] = value;
      }
      const ports = (entry.ports ?? []).map((p) => ({ name: p.name, port: p.port, protocol: p.protocol ?? 'TCP' }));
      const sa = entry.serviceAccountName !== undefined ? fill(entry.serviceAccountName, cr) : undefined;
      return {
        workloads: [
          {
            namespace: cr.namespace,
            kind: entry.workload.kind,
            name,
            podLabels: { ...labels, ...own },
            selectorLabels: own,
            ports,
            serviceAccountName: sa || 'default',
            tokenMounted: true,
            hostNetwork: false,
            source: cr,
            operator,
            origin: originText(operator, cr),
          },
        ],
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The table and what it makes of an input

class OperatorTable {
  private readonly byKind = new Map<string, OperatorKind[]>();

  constructor(kinds: readonly OperatorKind[]) {
    for (const k of kinds) {
      const list = this.byKind.get(k.kind) ?? [];
      // A configured entry for a group and kind replaces the built-in one.
      const kept = k.declaredIn === 'configuration' ? list.filter((o) => !(o.group === k.group && o.declaredIn === 'built-in')) : list;
      kept.push(k);
      this.byKind.set(k.kind, kept);
    }
  }

  /** The table entry for this object, if it is a custom resource an operator makes pods from. */
  find(resource: Pick<Resource, 'kind' | 'apiVersion'>): OperatorKind | undefined {
    const candidates = this.byKind.get(resource.kind);
    if (!candidates) return undefined;
    const gv = groupOf(resource.apiVersion);
    if (!gv) return undefined;
    // An exact version first; a group-wide entry otherwise. The built-in entries name the version the
    // operator serves, but any version of their group is read the same way (the fields read are stable).
    return (
      candidates.find((k) => k.group === gv.group && k.version === gv.version) ??
      candidates.find((k) => k.group === gv.group && (k.version === undefined || k.declaredIn === 'built-in'))
    );
  }

  /** A custom resource known to make no pods. */
  makesNoPods(resource: Pick<Resource, 'kind' | 'apiVersion'>): boolean {
    const gv = groupOf(resource.apiVersion);
    if (!gv) return false;
    const known = NO_PODS[gv.group];
    return known === '*' || (known !== undefined && known.includes(resource.kind));
  }
}

const builtinTable = new OperatorTable(BUILTIN_OPERATOR_KINDS);
const tables = new WeakMap<readonly OperatorWorkloadConfig[], OperatorTable>();

/** The built-in table plus the configuration's entries (one table per configuration list). */
export function operatorTable(configured: readonly OperatorWorkloadConfig[] | undefined): OperatorTable {
  if (!configured || configured.length === 0) return builtinTable;
  let table = tables.get(configured);
  if (!table) tables.set(configured, (table = new OperatorTable([...BUILTIN_OPERATOR_KINDS, ...configured.map(configuredKind)])));
  return table;
}

export interface OperatorExpansion {
  workloads: OperatorWorkload[];
  /** Custom resources the table knows: their own pod specs (spec.containers patches, say) are not pods of their own. */
  handled: Set<Resource>;
  /** Custom resources of a known kind whose workloads could not be worked out (fully or at all), with why. */
  problems: { resource: Resource; message: string }[];
  /** Custom resources of kinds the table does not know, that hold no pod spec and are not known to make none. */
  unmodelled: Resource[];
}

/** What the table makes of the objects of one input. */
export function expandOperatorResources(resources: readonly Resource[], table: OperatorTable): OperatorExpansion {
  const out: OperatorExpansion = { workloads: [], handled: new Set(), problems: [], unmodelled: [] };
  for (const r of resources) {
    if (isBuiltinApiVersion(r.apiVersion)) continue;
    const kind = table.find(r);
    if (kind) {
      out.handled.add(r);
      const { workloads, problem } = kind.expand(r);
      out.workloads.push(...workloads);
      if (problem) out.problems.push({ resource: r, message: problem });
      continue;
    }
    if (table.makesNoPods(r) || podSpecs(r).length > 0) continue;
    out.unmodelled.push(r);
  }
  return out;
}

/** "Kind namespace/name" for messages. */
export function customResourceLabel(r: Resource): string {
  return crLabel(r);
}

/**
 * Label keys operators put on the pods they make, which manifests' own workloads rarely carry: a
 * selector requiring one of them that matches nothing in the input most likely selects pods an
 * operator creates. Prometheus Operator (operator.prometheus.io/...), Strimzi (strimzi.io/...),
 * CloudNativePG (cnpg.io/...), Elastic Cloud on Kubernetes (*.k8s.elastic.co/...), Crunchy PGO
 * (postgres-operator.crunchydata.com/...); and app.kubernetes.io/managed-by naming an operator.
 */
const OPERATOR_LABEL_DOMAINS = ['operator.prometheus.io', 'strimzi.io', 'cnpg.io', 'k8s.elastic.co', 'postgres-operator.crunchydata.com'];

export function operatorLabelHint(requirements: readonly { key: string; values: readonly string[]; operator: string }[]): string | undefined {
  for (const r of requirements) {
    if (r.operator !== 'In' && r.operator !== 'Exists') continue;
    const slash = r.key.indexOf('/');
    const domain = slash > 0 ? r.key.slice(0, slash) : '';
    if (OPERATOR_LABEL_DOMAINS.some((d) => domain === d || domain.endsWith(`.${d}`))) return `it requires the label ${r.key}, which operators set on the pods they create`;
    if (r.key === MANAGED_BY && r.operator === 'In' && r.values.length > 0 && r.values.every((v) => /operator/i.test(v)))
      return `it requires ${MANAGED_BY}=${r.values.join('|')}, an operator`;
  }
  return undefined;
}
