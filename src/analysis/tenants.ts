/**
 * Tenant isolation: which namespaces are tenants, what each has of the isolation a tenant needs
 * (default-deny NetworkPolicies both ways, a ResourceQuota, a LimitRange, a Pod Security Admission
 * level of baseline or stricter), and what crosses tenant boundaries: allowed network connections
 * between namespaces (the NetworkPolicy model of netpol.ts), RoleBindings naming another namespace's
 * service accounts, ExternalName Services aliasing a Service of another namespace, and storage two
 * tenants share (one hostPath, one backing volume). `kshield tenants` prints it; the tenancy rules
 * judge the same facts one object at a time.
 *
 * A tenant namespace is, by default, every namespace that is not Kubernetes' own or a well-known
 * platform component's (PLATFORM_NAMESPACES, or a name starting `kube-` or `openshift-`) and not
 * `default` (which holds the `kubernetes` Service and is shared by definition). With a tenant label
 * (`key` or `key=value`, the configuration's `tenantLabel` or `--tenant-label`) a tenant is exactly
 * a Namespace object carrying it.
 */
import type { Resource } from '../core/types.js';
import { asArray, asString, fieldAt, isObject } from '../core/values.js';
import { labelsOf, type Labels } from '../k8s/labels.js';
import { HARMLESS_HOST_FILES, hostPathVolumes, isWithin, normalizeHostPath } from '../k8s/host-paths.js';
import { podSpecs } from '../k8s/pods.js';
import { isEmptySelector, labelKeyProblem, labelValueProblem } from '../k8s/labels.js';
import { buildModel, namespaceOf, reach, type NetpolModel } from './netpol.js';

/** Namespaces of Kubernetes itself and of platform components that serve every tenant. */
export const PLATFORM_NAMESPACES: readonly string[] = Object.freeze([
  'default', 'kube-system', 'kube-public', 'kube-node-lease',
  'istio-system', 'istio-ingress', 'istio-gateway', 'linkerd', 'linkerd-viz', 'linkerd-cni', 'consul',
  'cert-manager', 'ingress-nginx', 'gatekeeper-system', 'kyverno', 'calico-system', 'calico-apiserver', 'tigera-operator',
  'cilium', 'cilium-secrets', 'metallb-system', 'longhorn-system', 'rook-ceph', 'local-path-storage', 'kshield', 'kshield-system',
]);

/** `key` or `key=value`: a tenant namespace carries the label (with that value). */
export interface TenantLabel {
  key: string;
  value?: string;
}

/** Parses `key` or `key=value`; throws an Error saying what is wrong. */
export function parseTenantLabel(text: string): TenantLabel {
  const eq = text.indexOf('=');
  const key = (eq === -1 ? text : text.slice(0, eq)).trim();
  const value = eq === -1 ? undefined : text.slice(eq + 1).trim();
  const keyProblem = key === '' ? 'the key is empty' : labelKeyProblem(key);
  if (keyProblem) throw new Error(`"${text}" is not a label key or key=value: ${keyProblem}`);
  if (value !== undefined) {
    const valueProblem = labelValueProblem(value);
    if (valueProblem) throw new Error(`"${text}": the value ${valueProblem}`);
  }
  return value === undefined ? { key } : { key, value };
}

export function formatTenantLabel(label: TenantLabel): string {
  return label.value === undefined ? label.key : `${label.key}=${label.value}`;
}

/**
 * Whether a namespace is a tenant. Without a label: any namespace but the platform's. With one:
 * only a namespace whose labels are known (`labels` given, from its Namespace object) and carry it.
 */
export function isTenantNamespace(name: string, labels: Labels | undefined, label?: TenantLabel): boolean {
  if (label) return labels !== undefined && labels[label.key] !== undefined && (label.value === undefined || labels[label.key] === label.value);
  return !PLATFORM_NAMESPACES.includes(name) && !name.startsWith('kube-') && !name.startsWith('openshift-');
}

/** Namespace labels by name, from the Namespace objects given. */
export function namespaceLabels(namespaces: readonly Resource[]): Map<string, Labels> {
  const out = new Map<string, Labels>();
  for (const r of namespaces) if (r.kind === 'Namespace' && r.apiVersion === 'v1') out.set(r.name, labelsOf(r.object.metadata));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Crossings one object makes, shared by the rules and the view

/** `name.namespace.svc` or `name.namespace.svc.<cluster domain>` (a trailing dot allowed): the namespace, else undefined. */
export function serviceDnsNamespace(host: string): { service: string; namespace: string } | undefined {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.[a-z0-9.-]+)?\.?$/.exec(host.trim().toLowerCase());
  return m ? { service: m[1], namespace: m[3] } : undefined;
}

/** The namespace of a ServiceAccount subject (its `namespace`), or of a `system:serviceaccounts:NS` group. */
export interface ForeignSubject {
  index: number;
  namespace: string;
  /** "ServiceAccount other/name" or "Group system:serviceaccounts:other". */
  text: string;
}

/** The subjects of a RoleBinding that are service accounts of another namespace, or all of one. */
export function foreignServiceAccountSubjects(binding: Resource): ForeignSubject[] {
  if (binding.kind !== 'RoleBinding' || !/^rbac\.authorization\.k8s\.io\//.test(binding.apiVersion)) return [];
  const home = namespaceOf(binding);
  const out: ForeignSubject[] = [];
  asArray(binding.object.subjects).forEach((s, index) => {
    if (!isObject(s)) return;
    const kind = asString(s.kind);
    const name = asString(s.name);
    if (kind === 'ServiceAccount' && name !== undefined) {
      // The API server requires a namespace on a ServiceAccount subject; kubectl's --serviceaccount always writes one.
      const ns = asString(s.namespace);
      if (ns !== undefined && ns !== '' && ns !== home) out.push({ index, namespace: ns, text: `ServiceAccount ${ns}/${name}` });
    } else if (kind === 'Group' && name !== undefined) {
      const m = /^system:serviceaccounts:([^:]+)$/.exec(name);
      if (m && m[1] !== home) out.push({ index, namespace: m[1], text: `Group ${name}` });
    }
  });
  return out;
}

/** A hostPath a pod spec of the object mounts (harmless files left out), normalised. */
export interface HostMount {
  resource: Resource;
  namespace: string;
  path: string;
  /** The volume (the cause host-path-volume names) and the path field. */
  volume: string;
  pointer: string;
}

export function hostMounts(resource: Resource): HostMount[] {
  const out: HostMount[] = [];
  for (const pod of podSpecs(resource))
    for (const v of hostPathVolumes(pod)) {
      const path = normalizeHostPath(v.path);
      if (path === undefined || HARMLESS_HOST_FILES.some((f) => isWithin(path, f))) continue;
      out.push({ resource, namespace: namespaceOf(resource), path, volume: v.volume, pointer: v.pointer });
    }
  return out;
}

/** Whether two host paths reach the same files: equal, or one inside the other ("/" holds everything). */
export function hostPathsOverlap(a: string, b: string): boolean {
  return a === '/' || b === '/' || isWithin(a, b) || isWithin(b, a);
}

// ---------------------------------------------------------------------------------------------
// The per-namespace view

export interface TenantNamespace {
  name: string;
  tenant: boolean;
  /** A Namespace object for it is in the input (its labels are known). */
  declared: boolean;
  labels: Labels;
  /** pod-security.kubernetes.io/enforce, as written. */
  podSecurity?: string;
  defaultDenyIngress: boolean;
  defaultDenyEgress: boolean;
  resourceQuotas: string[];
  limitRanges: string[];
  workloads: number;
}

export type CrossingKind = 'network' | 'rbac' | 'dns' | 'storage';

/** One thing that crosses from one namespace to another (at least one of them a tenant). */
export interface Crossing {
  kind: CrossingKind;
  from: string;
  to: string;
  /** What crosses, in words. */
  what: string;
  /** The object that makes it, as namespace/Kind/name or Kind/name. */
  via?: string;
}

export interface TenantView {
  label?: TenantLabel;
  namespaces: TenantNamespace[];
  crossings: Crossing[];
  notes: string[];
}

const POD_SECURITY_ENFORCE = 'pod-security.kubernetes.io/enforce';

function isDefaultDeny(model: NetpolModel, namespace: string, direction: 'ingress' | 'egress'): boolean {
  return (
    // As the network rules judge it (rules/network/shared.ts): every pod selected, and no rule that allows everything.
    model.policies.some((p) => p.namespace === namespace && p[direction] && isEmptySelector(p.podSelector) && !(direction === 'ingress' ? p.ingressRules : p.egressRules).some((r) => r.peers.everything && r.ports === 'all')) ||
    model.foreign.some((f) => f[direction] && f.selectsWholeNamespace(namespace))
  );
}

function objectId(r: Resource): string {
  return r.namespace ? `${r.namespace}/${r.kind}/${r.name}` : `${r.kind}/${r.name}`;
}

/** The view of `kshield tenants`: every namespace the input names, what it has, and what crosses. */
export function buildTenantView(resources: readonly Resource[], options: { label?: TenantLabel; model?: NetpolModel } = {}): TenantView {
  const model = options.model ?? buildModel(resources);
  const declared = namespaceLabels(resources);
  const names = new Set<string>(declared.keys());
  for (const r of resources) if (r.namespace) names.add(r.namespace);
  for (const w of model.workloads) names.add(w.namespace);
  const tenant = (ns: string): boolean => isTenantNamespace(ns, declared.get(ns), options.label);
  const quota = new Map<string, string[]>();
  const limits = new Map<string, string[]>();
  for (const r of resources) {
    if (r.apiVersion !== 'v1') continue;
    const into = r.kind === 'ResourceQuota' ? quota : r.kind === 'LimitRange' ? limits : undefined;
    if (!into) continue;
    const ns = namespaceOf(r);
    into.set(ns, [...(into.get(ns) ?? []), r.name]);
  }
  const workloadsIn = new Map<string, number>();
  for (const w of model.workloads) workloadsIn.set(w.namespace, (workloadsIn.get(w.namespace) ?? 0) + 1);
  const namespaces: TenantNamespace[] = [...names].sort().map((name) => {
    const labels = declared.get(name) ?? {};
    return {
      name,
      tenant: tenant(name),
      declared: declared.has(name),
      labels,
      podSecurity: labels[POD_SECURITY_ENFORCE],
      defaultDenyIngress: isDefaultDeny(model, name, 'ingress'),
      defaultDenyEgress: isDefaultDeny(model, name, 'egress'),
      resourceQuotas: quota.get(name) ?? [],
      limitRanges: limits.get(name) ?? [],
      workloads: workloadsIn.get(name) ?? 0,
    };
  });
  const crossings: Crossing[] = [];
  const eitherTenant = (a: string, b: string): boolean => a !== b && (tenant(a) || tenant(b));
  // Network: allowed connections between workloads of two namespaces, one line per namespace pair.
  const pairs = new Map<string, { from: string; to: string; count: number }>();
  for (const c of reach(model).connections) {
    const src = model.workloadById.get(c.src);
    const dst = model.workloadById.get(c.dst);
    if (!src || !dst || !eitherTenant(src.namespace, dst.namespace)) continue;
    const key = `${src.namespace}\u0000${dst.namespace}`;
    const known = pairs.get(key);
    if (known) known.count++;
    else pairs.set(key, { from: src.namespace, to: dst.namespace, count: 1 });
  }
  for (const p of pairs.values()) crossings.push({ kind: 'network', from: p.from, to: p.to, what: `${p.count} allowed connection(s) between workloads (kshield netpol reach lists them)` });
  // RBAC: a RoleBinding of namespace B naming service accounts of A lets A act in B.
  for (const r of resources)
    for (const s of foreignServiceAccountSubjects(r)) {
      const home = namespaceOf(r);
      if (eitherTenant(s.namespace, home)) crossings.push({ kind: 'rbac', from: s.namespace, to: home, what: `${s.text} is granted roleRef ${asString(fieldAt(r.object, 'roleRef', 'kind')) ?? '?'}/${asString(fieldAt(r.object, 'roleRef', 'name')) ?? '?'}`, via: objectId(r) });
    }
  // DNS: an ExternalName Service of A that is an alias of a Service of B.
  for (const r of resources) {
    if (r.kind !== 'Service' || r.apiVersion !== 'v1' || fieldAt(r.object, 'spec', 'type') !== 'ExternalName') continue;
    const target = asString(fieldAt(r.object, 'spec', 'externalName'));
    const into = target === undefined ? undefined : serviceDnsNamespace(target);
    const home = namespaceOf(r);
    if (into && eitherTenant(home, into.namespace)) crossings.push({ kind: 'dns', from: home, to: into.namespace, what: `Service ${r.name} is an alias of ${target}`, via: objectId(r) });
  }
  // Storage: one hostPath (or one inside the other) mounted from two namespaces; one backing volume in two PersistentVolumes.
  const mounts = resources.flatMap((r) => hostMounts(r));
  const seen = new Set<string>();
  for (const a of mounts)
    for (const b of mounts) {
      if (a.namespace >= b.namespace || !eitherTenant(a.namespace, b.namespace) || !hostPathsOverlap(a.path, b.path)) continue;
      const key = `${a.namespace}\u0000${b.namespace}\u0000${a.path}\u0000${b.path}`;
      if (seen.has(key)) continue;
      seen.add(key);
      crossings.push({ kind: 'storage', from: a.namespace, to: b.namespace, what: a.path === b.path ? `both mount hostPath ${a.path}` : `hostPath ${a.path} and ${b.path} overlap`, via: `${objectId(a.resource)}, ${objectId(b.resource)}` });
    }
  const backing = new Map<string, { pv: Resource; claimNs?: string }[]>();
  for (const r of resources) {
    if (r.kind !== 'PersistentVolume' || r.apiVersion !== 'v1') continue;
    const key = backingVolume(r);
    if (key === undefined) continue;
    const claimNs = asString(fieldAt(r.object, 'spec', 'claimRef', 'namespace'));
    backing.set(key, [...(backing.get(key) ?? []), { pv: r, claimNs }]);
  }
  for (const [key, pvs] of backing)
    for (let i = 0; i < pvs.length; i++)
      for (let j = i + 1; j < pvs.length; j++) {
        const a = pvs[i].claimNs;
        const b = pvs[j].claimNs;
        if (a === undefined || b === undefined || !eitherTenant(a, b)) continue;
        crossings.push({ kind: 'storage', from: a, to: b, what: `PersistentVolumes ${pvs[i].pv.name} and ${pvs[j].pv.name} are one volume (${key})`, via: `PersistentVolume/${pvs[i].pv.name}, PersistentVolume/${pvs[j].pv.name}` });
      }
  crossings.sort((x, y) => (x.kind < y.kind ? -1 : x.kind > y.kind ? 1 : x.from < y.from ? -1 : x.from > y.from ? 1 : x.to < y.to ? -1 : x.to > y.to ? 1 : x.what < y.what ? -1 : x.what > y.what ? 1 : 0));
  const notes: string[] = [];
  if (options.label && !namespaces.some((n) => n.tenant)) notes.push(`no Namespace object in the input carries the tenant label ${formatTenantLabel(options.label)}: no namespace is judged as a tenant`);
  return { label: options.label, namespaces, crossings, notes };
}

/** What a PersistentVolume's data is, for telling two volumes apart: a CSI handle, an NFS export, a host path. */
function backingVolume(pv: Resource): string | undefined {
  const spec = fieldAt(pv.object, 'spec');
  if (!isObject(spec)) return undefined;
  const csiDriver = asString(fieldAt(spec, 'csi', 'driver'));
  const handle = asString(fieldAt(spec, 'csi', 'volumeHandle'));
  if (csiDriver && handle) return `csi ${csiDriver} ${handle}`;
  const server = asString(fieldAt(spec, 'nfs', 'server'));
  const nfsPath = asString(fieldAt(spec, 'nfs', 'path'));
  if (server && nfsPath) return `nfs ${server}:${normalizeHostPath(nfsPath) ?? nfsPath}`;
  const local = asString(fieldAt(spec, 'hostPath', 'path')) ?? asString(fieldAt(spec, 'local', 'path'));
  if (local) return `node path ${normalizeHostPath(local) ?? local}`;
  return undefined;
}
