/**
 * Alerts linked to posture: for the pod an alert names, what a responder needs to judge the blast
 * radius at once, from the cluster's objects as `kshield respond` keeps them:
 * - the workload (the pod and the owners it is made from) and its open findings: the catalogue's
 *   rules run on those objects, cross-object rules with every object of the cluster as context;
 * - its images' vulnerable packages, when image results (ContainerImage objects with attached
 *   vulnerabilities, as `kshield image` / `scan --images` make them) are given;
 * - reachability from the NetworkPolicy model (analysis/netpol.ts): who can connect to it, and
 *   what it can connect to, with ports;
 * - the RBAC escalation paths (analysis/rbac-paths.ts) from the service account it runs as, and the
 *   dangerous permissions that account holds directly.
 * Everything is plain JSON, written next to the alert. A part that cannot be known says why.
 */
import type { Finding, Resource, Severity } from '../core/types.js';
import { severityRank } from '../core/types.js';
import { asArray, asObject, asString, isObject } from '../core/values.js';
import { withCacheScope } from '../core/scoped-cache.js';
import { StreamingEvaluator, contextView } from '../engine/engine.js';
import type { Rule, RuleSettings } from '../engine/rule.js';
import { ResourceSet } from '../k8s/resource-set.js';
import { containers, podServiceAccountName, podSpecs } from '../k8s/pods.js';
import { rules as catalogue } from '../rules/index.js';
import { buildModel, reach, type Workload } from '../analysis/netpol.js';
import { buildEscalationGraph } from '../analysis/rbac-paths.js';
import type { ImageObjectView } from '../images/image-object.js';
import { canonicalReference, parseImageReference } from '../k8s/images.js';

/** Categories of rules that do not judge a workload's posture (they judge events over time). */
const NOT_POSTURE = new Set(['audit', 'drift']);
export const DEFAULT_MAX_POSTURE_FINDINGS = 100;
export const DEFAULT_MAX_VULNERABILITIES = 50;
export const DEFAULT_MAX_CONNECTIONS = 100;

export interface PostureOptions {
  /** The cluster's objects (the live state `kshield respond` keeps). */
  objects: ResourceSet | readonly Resource[];
  /** Default: every rule of the catalogue that is on by default, except the audit and drift rules. */
  rules?: readonly Rule[];
  settings?: Partial<RuleSettings>;
  /** Image results with their vulnerabilities: matched to the pod's containers by image reference or by digest. */
  images?: readonly ImageObjectView[];
  maxFindings?: number;
  maxVulnerabilities?: number;
  maxConnections?: number;
}

export interface PostureFinding {
  rule: string;
  severity: Severity;
  message: string;
  /** `Kind namespace/name` of the object it is on. */
  object: string;
  path: string;
  container?: string;
}

export interface PostureVulnerability {
  id: string;
  aliases: string[];
  severity: Severity;
  package: string;
  version: string;
  fixed?: string;
}

export interface PostureImage {
  container: string;
  image: string;
  /** false: no image result was given for it. */
  scanned: boolean;
  counts?: Record<Severity, number>;
  /** Most severe first, at most maxVulnerabilities. */
  vulnerabilities?: PostureVulnerability[];
}

export interface PostureConnection {
  /** A workload (`namespace/Kind/name`) or an address block. */
  peer: string;
  /** "all" or e.g. ["TCP/8080", "UDP/53"]. */
  ports: 'all' | string[];
}

export interface PostureLink {
  target: { namespace: string; pod: string };
  /** false: the pod is not among the objects; nothing else could be worked out. */
  found: boolean;
  /** The controller the pod belongs to (its top owner), or the pod itself. */
  workload?: { kind: string; namespace: string; name: string; objects: string[] };
  serviceAccount?: string;
  findings: { open: PostureFinding[]; counts: Record<Severity, number>; truncated: boolean };
  images: PostureImage[];
  /** Whether image results were given at all. */
  vulnerabilitiesAvailable: boolean;
  reachability?: { inbound: PostureConnection[]; outbound: PostureConnection[]; truncated: boolean; notes: string[] };
  rbac?: {
    serviceAccount: string;
    /** What the account can do directly that leads somewhere (capability nodes of the escalation graph). */
    capabilities: { label: string; via: string }[];
    /** Escalation paths from the account to a goal (cluster-admin, every Secret, a namespace, the nodes). */
    paths: { goal: string; steps: string[] }[];
    /** Whether one of the paths ends at full control of the cluster. */
    reachesClusterAdmin: boolean;
  };
  notes: string[];
}

function zeroCounts(): Record<Severity, number> {
  return { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
}

function describe(ref: { kind: string; namespace?: string; name: string }): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/** The pod and the owners it is made from, following controller ownerReferences within the namespace. */
function ownerChain(set: ResourceSet, pod: Resource): Resource[] {
  const chain = [pod];
  let at = pod;
  for (let depth = 0; depth < 8; depth++) {
    const owner = asArray(asObject(at.object.metadata)?.ownerReferences).find((o) => isObject(o) && o.controller === true) ?? asArray(asObject(at.object.metadata)?.ownerReferences)[0];
    if (!isObject(owner)) break;
    const next = set.find(asString(owner.kind) ?? '', pod.namespace, asString(owner.name) ?? '');
    if (!next || chain.includes(next)) break;
    chain.push(next);
    at = next;
  }
  return chain;
}

/** `sha256:...` of a container status's imageID (`docker-pullable://repo@sha256:...`), if any. */
function digestOf(imageId: unknown): string | undefined {
  const m = /(sha256:[0-9a-f]{64})/.exec(typeof imageId === 'string' ? imageId : '');
  return m?.[1];
}

function canonicalOf(reference: string): string | undefined {
  const parsed = parseImageReference(reference);
  return parsed.ok ? canonicalReference(parsed.image) : undefined;
}

function imagesOf(pod: Resource, images: readonly ImageObjectView[] | undefined, max: number): PostureImage[] {
  const statuses = new Map<string, string | undefined>();
  const status = asObject(pod.object.status);
  for (const list of ['containerStatuses', 'initContainerStatuses', 'ephemeralContainerStatuses'])
    for (const s of asArray(status?.[list])) if (isObject(s) && typeof s.name === 'string') statuses.set(s.name, digestOf(s.imageID));
  return containers(pod).map((c) => {
    const image = asString(c.container.image) ?? '';
    const digest = statuses.get(c.name) ?? digestOf(image);
    // The same image however it is spelt (nginx:1.25 and docker.io/library/nginx:1.25), or the digest that runs.
    const canonical = canonicalOf(image);
    const result = images?.find((i) => i.metadata.name === image || (canonical !== undefined && canonicalOf(i.metadata.name) === canonical) || (digest !== undefined && i.image.manifestDigest === digest));
    if (!result) return { container: c.name, image, scanned: false };
    const counts = zeroCounts();
    const vulnerabilities: PostureVulnerability[] = (result.vulnerabilities ?? []).map((v) => {
      counts[v.severity]++;
      const pkg = result.packages[v.package];
      return { id: v.id, aliases: v.aliases, severity: v.severity, package: pkg?.name ?? '?', version: pkg?.version ?? '?', ...(v.fixed ? { fixed: v.fixed } : {}) };
    });
    vulnerabilities.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.id.localeCompare(b.id));
    return { container: c.name, image, scanned: true, counts, vulnerabilities: vulnerabilities.slice(0, max) };
  });
}

function openFindings(set: ResourceSet, targets: Resource[], options: PostureOptions): Finding[] {
  const rules = options.rules ?? catalogue.filter((r) => !r.optIn && !NOT_POSTURE.has(r.category));
  return withCacheScope(() => {
    const stream = new StreamingEvaluator({ rules, catalogue, settings: options.settings });
    stream.add(targets);
    // Cross-object rules judge the targets with the whole cluster as context (payloads left out).
    const keep = new Set(targets);
    const result = stream.finish({ context: set.all.map((r) => (keep.has(r) ? r : contextView(r))) });
    return result.findings.filter((f) => !f.suppressed);
  });
}

function workloadOf(workloads: readonly Workload[], pod: Resource): Workload | undefined {
  return workloads.find((w) => w.resources.includes(pod));
}

/** Everything a responder should see about the pod an alert names. Pure: reads `objects`, changes nothing. */
export function postureLink(target: { namespace: string; pod: string }, options: PostureOptions): PostureLink {
  const set = options.objects instanceof ResourceSet ? options.objects : new ResourceSet(options.objects);
  const link: PostureLink = {
    target: { namespace: target.namespace, pod: target.pod },
    found: false,
    findings: { open: [], counts: zeroCounts(), truncated: false },
    images: [],
    vulnerabilitiesAvailable: options.images !== undefined,
    notes: [],
  };
  const pod = set.find('Pod', target.namespace, target.pod);
  if (!pod || podSpecs(pod).length === 0) {
    link.notes.push(`pod ${target.namespace}/${target.pod} is not among the ${set.size} objects known: no posture to link`);
    return link;
  }
  link.found = true;
  const chain = ownerChain(set, pod);
  const top = chain[chain.length - 1];
  link.workload = { kind: top.kind, namespace: target.namespace, name: top.name, objects: chain.map(describe) };
  const spec = podSpecs(pod)[0].spec;
  const account = podServiceAccountName(spec);
  link.serviceAccount = `${target.namespace}/${account}`;

  // Findings: the pod and its owners, most severe first.
  const maxFindings = options.maxFindings ?? DEFAULT_MAX_POSTURE_FINDINGS;
  const findings = openFindings(set, chain, options);
  findings.sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
  for (const f of findings) link.findings.counts[f.severity]++;
  link.findings.open = findings.slice(0, maxFindings).map((f) => ({ rule: f.rule, severity: f.severity, message: f.message, object: describe(f.resource), path: f.path, ...(f.container ? { container: f.container } : {}) }));
  link.findings.truncated = findings.length > maxFindings;

  link.images = imagesOf(pod, options.images, options.maxVulnerabilities ?? DEFAULT_MAX_VULNERABILITIES);
  if (!options.images) link.notes.push('no image results given: vulnerable packages not known');

  // Reachability: connections with the pod's workload on either side.
  const model = buildModel(set.all, { operatorWorkloads: options.settings?.operatorWorkloads, kubernetesVersion: options.settings?.kubernetesVersion });
  const workload = workloadOf(model.workloads, pod);
  if (workload) {
    const reachability = reach(model);
    const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    const inbound: PostureConnection[] = [];
    const outbound: PostureConnection[] = [];
    for (const c of reachability.connections) {
      if (c.dst === workload.id && c.src !== workload.id) inbound.push({ peer: c.except?.length ? `${c.src} except ${c.except.join(', ')}` : c.src, ports: c.ports.format() });
      if (c.src === workload.id && c.dst !== workload.id) outbound.push({ peer: c.except?.length ? `${c.dst} except ${c.except.join(', ')}` : c.dst, ports: c.ports.format() });
    }
    link.reachability = {
      inbound: inbound.slice(0, maxConnections),
      outbound: outbound.slice(0, maxConnections),
      truncated: inbound.length > maxConnections || outbound.length > maxConnections,
      notes: reachability.notes.slice(0, 10),
    };
  } else link.notes.push('the pod is not in the NetworkPolicy model: reachability not known');

  // RBAC: what the account can reach.
  const graph = buildEscalationGraph(set, { operatorWorkloads: options.settings?.operatorWorkloads, kubernetesVersion: options.settings?.kubernetesVersion });
  const me = `identity:sa:${target.namespace}:${account}`;
  const labels = new Map(graph.nodes.map((n) => [n.id, n.label]));
  link.rbac = {
    serviceAccount: link.serviceAccount,
    capabilities: graph.edges.filter((e) => e.from === me && e.to.startsWith('capability:')).map((e) => ({ label: labels.get(e.to) ?? e.to, via: e.label })),
    paths: graph.paths.filter((p) => p.from === me).map((p) => ({ goal: labels.get(p.to) ?? p.to, steps: p.steps })),
    reachesClusterAdmin: graph.paths.some((p) => p.from === me && p.to === 'goal:cluster-admin'),
  };
  return link;
}

