/**
 * One workload, its image and its Dockerfile: how a container is linked to what built it, for
 * rules that judge a manifest with what only the image knows (the user it runs as, its ports).
 *
 * A container's image is linked to
 * - a `ContainerImage` object of the run (`kshield scan --images` makes them) naming the same image
 *   (in any spelling: `nginx:1.27` is `docker.io/library/nginx:1.27`), or with the manifest digest
 *   the container's reference pins; else
 * - the Dockerfile the configuration's `imageSources` names for the image's repository (a scanned
 *   `Dockerfile` object). Nothing is guessed: without either link a rule says nothing.
 */
import path from 'node:path';
import type { OtherLocation, Resource } from '../../core/types.js';
import { goSegmentMatch, matchesGlob } from '../../core/glob.js';
import type { ImageSource, RuleContext } from '../../engine/rule.js';
import { canonicalReference, parseImageReference } from '../../k8s/images.js';
import { containers, podSpecs, type ContainerView } from '../../k8s/pods.js';
import { ScopedCache } from '../../core/scoped-cache.js';
import type { ResourceSet } from '../../k8s/resource-set.js';
import { buildEscalationGraph } from '../../analysis/rbac-paths.js';
import { IMAGE_KIND, type ImageObjectView } from '../../images/image-object.js';
import { DOCKERFILE_KIND, expand, type DockerfileView } from '../../sources/dockerfile.js';
import { finalImageInstructions, finalImageStages, lastUser, variablesBefore } from '../dockerfile/shared.js';
import { asArray, asObject, asString, fieldAt, isObject } from '../../core/values.js';
import { protocolOf, selectedWorkloads, serviceType, servingContainers, targetPorts, type TargetPortCase } from '../exposure/shared.js';
import { nsOf, objectsOf, podOwnersIn } from '../reliability/shared.js';
import { inputKey, NETWORK_READS, networkIndex } from '../network/shared.js';
import { containerSecurityContext } from '../../k8s/pss.js';
import { describeContainer } from '../define.js';

export const READS = [IMAGE_KIND, DOCKERFILE_KIND];
/** What the port rules read: the images and Dockerfiles, the Services and the workloads they select. */
export const PORT_READS = [IMAGE_KIND, DOCKERFILE_KIND, 'Service', 'workloads'];

/** What the container's image says about itself, and where that is written. */
export interface ImageFacts {
  /** The image configuration's User as built ("" when none is set); undefined when it cannot be known. */
  user?: string;
  /** Where the user comes from, for messages: "Dockerfile api/Dockerfile:14: USER app", "image registry.example/api:1: User \"app\"". */
  userSource?: string;
  /** The same places, for reports to point at: the image, and the Dockerfile line that sets the user. */
  userAt?: OtherLocation[];
}

/** The reference in one spelling (`nginx:1.27` and `docker.io/library/nginx:1.27` are one image), or the text when it does not parse. */
function canonical(image: string): string {
  const parsed = parseImageReference(image);
  return parsed.ok ? canonicalReference(parsed.image) : image;
}

function imageObjectFor(image: string, context: RuleContext): Resource | undefined {
  const parsed = parseImageReference(image);
  const digest = parsed.ok ? parsed.image.digest : undefined;
  const name = canonical(image);
  return context.resources.ofKind(IMAGE_KIND).find((r) => r.name === image || canonical(r.name) === name || (digest !== undefined && (r.object as unknown as ImageObjectView).image?.manifestDigest === digest));
}

/** The repository names an imageSources `image` pattern is compared with: the canonical one and the one as written. */
function repositoryNames(image: string): string[] {
  const parsed = parseImageReference(image);
  if (!parsed.ok) return [];
  return [`${parsed.image.registry}/${parsed.image.repository}`, parsed.image.raw.replace(/@.*$/, '').replace(/:[^/:]*$/, '')];
}

function scannedDockerfile(dockerfile: string, context: RuleContext): Resource | undefined {
  return context.resources.ofKind(DOCKERFILE_KIND).find((r) => path.resolve(r.file) === dockerfile);
}

/** The Dockerfile `imageSources` names for the image's repository (entries with `image`), if it was scanned. */
function dockerfileFor(image: string, context: RuleContext): Resource | undefined {
  const names = repositoryNames(image);
  const source = context.settings.imageSources.find((s) => s.image !== undefined && names.some((n) => matchesGlob(s.image!, n)));
  return source ? scannedDockerfile(source.dockerfile, context) : undefined;
}

/** The OCI annotation (and image label) naming the source repository an image was built from. */
export const SOURCE_LABEL = 'org.opencontainers.image.source';
/** The OCI annotation (and image label) naming the revision of that repository. */
export const REVISION_LABEL = 'org.opencontainers.image.revision';

/**
 * A repository URL in one form, to compare: `https://github.com/Example/shop.git`,
 * `git@github.com:example/shop` and `github.com/example/shop/` are one repository (scheme, user,
 * `.git` and trailing slashes left out; compared without case, as GitHub and GitLab resolve names).
 */
export function normalizeRepository(url: string): string {
  let u = url.trim().replace(/^git\+/, '');
  const scp = /^[\w.-]+@([^:/]+):(?!\/\/)(.+)$/.exec(u);
  u = scp ? `${scp[1]}/${scp[2]}` : u.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/^[^@/]*@/, '');
  return u.replace(/\/+$/, '').replace(/\.git$/i, '').replace(/\/+$/, '').toLowerCase();
}

/** How an image of the run is linked to the Dockerfile that built it, for messages. */
export interface DockerfileLink {
  resource: Resource;
  /** "imageSources" or "its org.opencontainers.image.source label (https://github.com/example/shop, revision 1a2b3c4)". */
  by: string;
}

/**
 * The scanned Dockerfile that built a ContainerImage of the run: an imageSources entry whose `image`
 * matches the image's repository and whose `source`, when given, is the repository the image's
 * org.opencontainers.image.source label names (an entry with `source` alone links by the label).
 */
export function dockerfileOfImage(object: Resource, context: RuleContext): DockerfileLink | undefined {
  const labels = (object.object as unknown as ImageObjectView).config?.Labels ?? {};
  for (const entry of imageSourcesOf(object.name, labels, context.settings.imageSources)) {
    const resource = scannedDockerfile(entry.dockerfile, context);
    if (!resource) continue;
    const revision = typeof labels[REVISION_LABEL] === 'string' && labels[REVISION_LABEL] !== '' ? labels[REVISION_LABEL] : undefined;
    return { resource, by: entry.source !== undefined ? `its ${SOURCE_LABEL} label (${labels[SOURCE_LABEL]}${revision ? `, revision ${revision.slice(0, 12)}` : ''})` : 'imageSources' };
  }
  return undefined;
}

/**
 * The imageSources entries that say which Dockerfile built an image of this name and labels, in
 * order: `image` (when given) matches its repository, `source` (when given) the repository its
 * org.opencontainers.image.source label names. Pure, for the rules and for `scan --images`.
 */
export function imageSourcesOf(name: string, labels: Readonly<Record<string, string>>, sources: readonly ImageSource[]): ImageSource[] {
  const source = typeof labels[SOURCE_LABEL] === 'string' ? labels[SOURCE_LABEL] : undefined;
  const names = repositoryNames(name);
  return sources.filter(
    (entry) =>
      (entry.image === undefined || names.some((n) => matchesGlob(entry.image!, n))) &&
      (entry.source === undefined || (source !== undefined && normalizeRepository(source) === normalizeRepository(entry.source))),
  );
}

/** The user the final image of a Dockerfile runs as, when the file says it for certain. */
function dockerfileUser(resource: Resource): ImageFacts {
  const view = resource.object as unknown as DockerfileView;
  const user = lastUser(view);
  if (user) {
    const value = expand(user.instruction.arguments[0] ?? '', variablesBefore(view, user), view.escape);
    if (value.unresolved.length > 0) return {};
    const line = resource.locate(user.pointer).line;
    return { user: value.value, userSource: `Dockerfile ${resource.file}:${line}: USER ${value.value}`, userAt: [{ file: resource.file, line, what: `USER ${value.value}: the user the image runs as` }] };
  }
  // No USER: the base image's user, known only for scratch (root); another base may set any user.
  const first = finalImageStages(view)[0];
  if (first?.base.scratch) {
    const line = resource.locate(`/stages/${first.index}/base`).line;
    return { user: '', userSource: `Dockerfile ${resource.file}:${line}: FROM scratch, no USER`, userAt: [{ file: resource.file, line, what: 'FROM scratch with no USER: the image runs as root' }] };
  }
  return {};
}

/**
 * What a container's image is linked to: a ContainerImage of the run (preferred; with the Dockerfile
 * that built it when the configuration links one), or the Dockerfile `imageSources` maps it to.
 */
export type ImageLink = { kind: 'image'; resource: Resource; dockerfile?: DockerfileLink } | { kind: 'dockerfile'; resource: Resource };

export function linkedImage(c: ContainerView, context: RuleContext): ImageLink | undefined {
  const image = typeof c.container.image === 'string' ? c.container.image : undefined;
  if (!image) return undefined;
  const object = imageObjectFor(image, context);
  if (object) {
    const dockerfile = dockerfileOfImage(object, context);
    return { kind: 'image', resource: object, ...(dockerfile ? { dockerfile } : {}) };
  }
  const dockerfile = dockerfileFor(image, context);
  return dockerfile ? { kind: 'dockerfile', resource: dockerfile } : undefined;
}

export function imageFacts(c: ContainerView, context: RuleContext): ImageFacts {
  const link = linkedImage(c, context);
  if (!link) return {};
  if (link.kind === 'image') {
    const object = link.resource;
    const view = object.object as unknown as ImageObjectView;
    if (view.image?.source === 'rootfs') return {};
    const user = typeof view.config?.User === 'string' ? view.config.User : '';
    // The Dockerfile line that set it, when the linked Dockerfile says the same user.
    const built = link.dockerfile ? dockerfileUser(link.dockerfile.resource) : undefined;
    const line = built?.user === user && built.userSource ? `; set in ${built.userSource}, linked by ${link.dockerfile!.by}` : '';
    const inImage: OtherLocation = { file: object.name, line: 0, what: `the image's configuration: ${user === '' ? 'no User' : `User ${JSON.stringify(user)}`}` };
    return { user, userSource: `image ${object.name}: ${user === '' ? 'no User in its configuration' : `User ${JSON.stringify(user)}`}${line}`, userAt: [inImage, ...(line ? (built?.userAt ?? []) : [])] };
  }
  return dockerfileUser(link.resource);
}

// ---------------------------------------------------------------------------------------------
// Ports: what the image EXPOSEs against the container's ports and the Services that send it traffic.

/** One EXPOSE entry (a single port or a range) with where it is written, for messages. */
export interface ExposedPort {
  low: number;
  high: number;
  /** TCP, UDP or SCTP, as Kubernetes spells them. */
  protocol: string;
  /** "line 5" (a Dockerfile's EXPOSE), "/config/ExposedPorts" (an image's), "base image node:20 /config/ExposedPorts". */
  where: string;
}

export interface ImagePorts {
  /** Ports the image certainly exposes. */
  ports: ExposedPort[];
  /**
   * Whether `ports` is every port the image exposes: true for an image's configuration; for a
   * Dockerfile only when its base adds none that kshield cannot see (FROM scratch, or a base that is
   * a ContainerImage of the run) and every EXPOSE word resolves to a port.
   */
  complete: boolean;
  /** "its image registry.example/api:1", "its Dockerfile services/api/Dockerfile". */
  source: string;
}

const PROTOCOLS = new Set(['TCP', 'UDP', 'SCTP']);

/** `80`, `80/tcp`, `8000-8010/udp` as EXPOSE and the image configuration write them; undefined when it is not one. */
export function parsePortSpec(word: string): { low: number; high: number; protocol: string } | undefined {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?(?:\/([A-Za-z]+))?$/.exec(word.trim());
  if (!m) return undefined;
  const low = Number(m[1]);
  const high = m[2] === undefined ? low : Number(m[2]);
  const protocol = (m[3] ?? 'tcp').toUpperCase();
  if (low < 1 || high > 65535 || high < low || !PROTOCOLS.has(protocol)) return undefined;
  return { low, high, protocol };
}

export function formatPort(p: { low: number; high: number; protocol: string }): string {
  return `${p.low === p.high ? p.low : `${p.low}-${p.high}`}/${p.protocol.toLowerCase()}`;
}

export function exposes(image: ImagePorts, port: number, protocol: string): boolean {
  return image.ports.some((p) => p.protocol === protocol && p.low <= port && port <= p.high);
}

function imageObjectPorts(resource: Resource, where = ''): ImagePorts | undefined {
  const view = resource.object as unknown as ImageObjectView;
  if (view.image?.source === 'rootfs') return undefined;
  const keys = view.config?.ExposedPorts && typeof view.config.ExposedPorts === 'object' ? Object.keys(view.config.ExposedPorts) : [];
  const ports = keys.flatMap((k) => {
    const p = parsePortSpec(k);
    return p ? [{ ...p, where: `${where}/config/ExposedPorts` }] : [];
  });
  return { ports, complete: ports.length === keys.length, source: `its image ${resource.name}` };
}

function dockerfilePorts(resource: Resource, context: RuleContext): ImagePorts {
  const view = resource.object as unknown as DockerfileView;
  const ports: ExposedPort[] = [];
  let complete = true;
  // The base's exposed ports are inherited: known for scratch (none) or a base image of the run.
  const first = finalImageStages(view)[0];
  if (!first?.base.scratch) {
    const base = first?.base.resolved === undefined ? undefined : context.resources.ofKind(IMAGE_KIND).find((r) => r.name === first.base.resolved);
    const basePorts = base ? imageObjectPorts(base, `base image ${base.name} `) : undefined;
    if (basePorts) ports.push(...basePorts.ports);
    if (!basePorts?.complete) complete = false;
  }
  for (const located of finalImageInstructions(view)) {
    if (located.instruction.keyword !== 'EXPOSE') continue;
    const values = variablesBefore(view, located);
    for (const arg of located.instruction.arguments) {
      const expanded = expand(arg, values, view.escape);
      if (expanded.unresolved.length > 0) {
        complete = false;
        continue;
      }
      // A variable may hold several ports ("8080 9090"): the builder splits the expanded words.
      for (const word of expanded.value.split(/\s+/).filter(Boolean)) {
        const p = parsePortSpec(word);
        if (p) ports.push({ ...p, where: `line ${located.instruction.line}` });
        else complete = false;
      }
    }
  }
  return { ports, complete, source: `its Dockerfile ${resource.file}` };
}

/** The ports the container's image exposes, from a ContainerImage of the run or the mapped Dockerfile; undefined when unlinked. */
export function imagePorts(c: ContainerView, context: RuleContext): ImagePorts | undefined {
  const link = linkedImage(c, context);
  if (!link) return undefined;
  if (link.kind === 'dockerfile') return dockerfilePorts(link.resource, context);
  const ports = imageObjectPorts(link.resource);
  if (!ports || !link.dockerfile) return ports;
  // Each exposed port with the EXPOSE line of the Dockerfile that built the image, where it has one.
  const built = dockerfilePorts(link.dockerfile.resource, context);
  const file = link.dockerfile.resource.file;
  return {
    ...ports,
    ports: ports.ports.map((p) => {
      const line = built.ports.find((b) => b.protocol === p.protocol && b.low <= p.low && p.high <= b.high && b.where.startsWith('line '));
      return line ? { ...p, where: `${p.where}; EXPOSE at ${file}:${line.where.slice(5)}` } : p;
    }),
    source: `${ports.source} (built by ${file}, linked by ${link.dockerfile.by})`,
  };
}

/** "3000/tcp (line 5), 8080/tcp, 9090/tcp (line 6)": the exposed ports of a protocol, each run of them with where it is written. */
export function describeExposed(image: ImagePorts, protocol: string): string {
  const groups: { where: string; ports: string[] }[] = [];
  for (const p of image.ports.filter((x) => x.protocol === protocol)) {
    const last = groups[groups.length - 1];
    if (last?.where === p.where) last.ports.push(formatPort(p));
    else groups.push({ where: p.where, ports: [formatPort(p)] });
  }
  return groups.map((g) => `${g.ports.join(', ')} (${g.where})`).join(', ');
}

/** A containerPort of a serving container, with the Services that send traffic to it. */
export interface DeclaredPort {
  c: ContainerView;
  index: number;
  port: number;
  protocol: string;
  name?: string;
  /** `Service "api" port "http"` for each Service port targeting it (by number or by name). */
  targetedBy: string[];
}

/** A Service port targeting a number no serving container declares a port of that protocol for. */
export interface UndeclaredTarget {
  service: Resource;
  target: TargetPortCase;
  port: number;
}

export interface WorkloadPorts {
  containers: { c: ContainerView; image?: ImagePorts }[];
  declared: DeclaredPort[];
  /** Numeric targets of Services selecting the workload that no container declares (any port of the protocol declared or not). */
  numericTargets: { service: Resource; target: TargetPortCase; port: number }[];
  /** The numeric targets whose protocol no serving container declares ports for: only the image can say whether they are served. */
  undeclaredTargets: UndeclaredTarget[];
}

const portAnalyses = new WeakMap<object, WeakMap<Resource, WorkloadPorts>>();

/** A workload's serving containers with their images' ports, its containerPorts and the Services' targets, computed once per run. */
export function workloadPorts(resource: Resource, context: RuleContext): WorkloadPorts {
  let byResource = portAnalyses.get(context.resources);
  if (!byResource) portAnalyses.set(context.resources, (byResource = new WeakMap()));
  const cached = byResource.get(resource);
  if (cached) return cached;
  const serving = servingContainers(resource);
  const result: WorkloadPorts = { containers: serving.map((c) => ({ c, image: imagePorts(c, context) })), declared: [], numericTargets: [], undeclaredTargets: [] };
  for (const c of serving)
    asArray(c.container.ports).forEach((p, index) => {
      if (!isObject(p) || typeof p.containerPort !== 'number' || !Number.isInteger(p.containerPort)) return;
      result.declared.push({ c, index, port: p.containerPort, protocol: protocolOf(p.protocol), ...(typeof p.name === 'string' ? { name: p.name } : {}), targetedBy: [] });
    });
  for (const service of objectsOf(context, 'Service', nsOf(resource))) {
    if (!selectedWorkloads(service, context)?.includes(resource)) continue;
    for (const t of targetPorts(service)) {
      const label = `Service "${service.name}" ${t.serviceName}`;
      const hit = result.declared.find((d) => d.protocol === t.protocol && (typeof t.target === 'string' ? d.name === t.target : d.port === t.target));
      if (hit) hit.targetedBy.push(label);
      else if (typeof t.target === 'number') {
        result.numericTargets.push({ service, target: t, port: t.target });
        if (!result.declared.some((d) => d.protocol === t.protocol)) result.undeclaredTargets.push({ service, target: t, port: t.target });
      }
    }
  }
  byResource.set(resource, result);
  return result;
}

/** Why a containerPort is not one its image exposes (with the image's ports), or undefined when it is or cannot be known. */
export function declaredNotExposed(w: WorkloadPorts, d: DeclaredPort): ImagePorts | undefined {
  const image = w.containers.find((x) => x.c === d.c)?.image;
  if (!image?.complete || !image.ports.some((p) => p.protocol === d.protocol) || exposes(image, d.port, d.protocol)) return undefined;
  // Containers of a pod share its network: another container whose image exposes the port may serve it.
  if (w.containers.some((x) => x.c !== d.c && x.image && exposes(x.image, d.port, d.protocol))) return undefined;
  return image;
}

/** Whether no serving container's image exposes a Service's numeric target, every image's ports being fully known. */
export function targetNotExposed(w: WorkloadPorts, port: number, protocol: string): boolean {
  if (w.containers.length === 0 || w.containers.some((x) => !x.image?.complete)) return false;
  if (!w.containers.some((x) => x.image!.ports.some((p) => p.protocol === protocol))) return false;
  return !w.containers.some((x) => exposes(x.image!, port, protocol));
}

/** Whether the workload has a port of this protocol its image does not expose (reported by image-port-not-exposed). */
export function hasNotExposed(w: WorkloadPorts, protocol: string): boolean {
  return (
    w.declared.some((d) => d.protocol === protocol && declaredNotExposed(w, d) !== undefined) ||
    w.undeclaredTargets.some((t) => t.target.protocol === protocol && targetNotExposed(w, t.port, protocol))
  );
}

// ---------------------------------------------------------------------------------------------
// Where an image runs: what raises the risk of its vulnerabilities.

/** Whether a container's image reference names the ContainerImage (same image in any spelling, or the digest it pins). */
export function runsImage(reference: string, object: Resource): boolean {
  if (reference === object.name || canonical(reference) === canonical(object.name)) return true;
  const parsed = parseImageReference(reference);
  const digest = (object.object as unknown as ImageObjectView).image?.manifestDigest;
  return parsed.ok && parsed.image.digest !== undefined && parsed.image.digest === digest;
}

/** The Services and Ingresses' backends an Ingress routes to, by Service name (networking.k8s.io/v1 and the legacy fields). */
function ingressServiceNames(ingress: Resource): Set<string> {
  const s = asObject(ingress.object.spec);
  const backends: unknown[] = [];
  if (!s) return new Set();
  for (const key of ['defaultBackend', 'backend']) if (isObject(s[key])) backends.push(s[key]);
  for (const rule of asArray(s.rules)) for (const p of asArray(fieldAt(rule, 'http', 'paths'))) backends.push(fieldAt(p, 'backend'));
  return new Set(backends.flatMap((b) => {
    const name = asString(fieldAt(b, 'service', 'name')) ?? asString(fieldAt(b, 'serviceName'));
    return name ? [name] : [];
  }));
}

/**
 * What the risk raise reads: workloads, the Services selecting them, the Ingresses routing to those,
 * the network policies that may fence them, and the RBAC objects that decide what their service
 * accounts can reach (with the Secrets that hold service account tokens).
 */
export const RISK_READS = [...new Set(['workloads', 'Service', 'Ingress', ...NETWORK_READS, 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding', 'ServiceAccount', 'Secret', 'Namespace'])];

/** The service accounts (`namespace/name`) from which RBAC leads to cluster-admin, with the first step of the shortest path; one graph per scan. */
const clusterAdminAccounts = new ScopedCache<ResourceSet, Map<string, string>>();
function accountsReachingClusterAdmin(context: RuleContext): Map<string, string> {
  let found = clusterAdminAccounts.get(context.resources);
  if (found) return found;
  found = new Map();
  const graph = buildEscalationGraph(context.resources, { operatorWorkloads: context.settings.operatorWorkloads, kubernetesVersion: context.settings.kubernetesVersion });
  for (const p of graph.paths) {
    const m = /^identity:sa:([^:]+):(.+)$/.exec(p.from);
    if (p.to === 'goal:cluster-admin' && m && !found.has(`${m[1]}/${m[2]}`)) found.set(`${m[1]}/${m[2]}`, p.steps[0] ?? '');
  }
  clusterAdminAccounts.set(context.resources, found);
  return found;
}

/** The service account the workload's pods run as: serviceAccountName, the deprecated serviceAccount, else "default". */
function serviceAccountOf(owner: Resource, context: RuleContext): string | undefined {
  const spec = podSpecs(owner)[0]?.spec;
  if (!spec) return undefined;
  const name = asString(spec.serviceAccountName) || asString(spec.serviceAccount) || 'default';
  // No token in the containers: the pod's field decides, else the ServiceAccount's (as the ServiceAccount admission plugin does).
  if (spec.automountServiceAccountToken === false) return undefined;
  if (spec.automountServiceAccountToken === undefined && objectsOf(context, 'ServiceAccount', nsOf(owner)).find((a) => a.name === name)?.object.automountServiceAccountToken === false) return undefined;
  return name;
}

/**
 * Whether network policies decide who reaches the workload's pods: a NetworkPolicy selects them for
 * ingress and none of its rules admits every source on every port, or a Cilium or Calico policy selects them. A
 * policy may then admit only the ingress controller or internal ranges, so an exposure is not
 * claimed (the policies are judged by the network rules and `kshield netpol reach`).
 */
function ingressFenced(owner: Resource, context: RuleContext): boolean {
  const { model, workloadAt } = networkIndex(context);
  const workload = workloadAt.get(inputKey(owner));
  if (!workload || workload.endpoints.length === 0) return false;
  return workload.endpoints.every((e) => model.foreignSelecting[e].length > 0 || (model.ingressPolicies[e].length > 0 && !model.ingressPolicies[e].some((p) => p.ingressRules.some((r) => r.peers.everything && r.ports === 'all'))));
}

/** The manifest fields that run the image: each container of a workload of the scan naming it, with where its `image` is written (at most `limit`). */
export function imageUses(object: Resource, context: RuleContext, limit = 10): OtherLocation[] {
  const out: OtherLocation[] = [];
  for (const owner of podOwnersIn(context, '')) {
    if (owner.operator) continue;
    for (const c of containers(owner.resource)) {
      if (typeof c.container.image !== 'string' || !runsImage(c.container.image, object)) continue;
      if (out.length >= limit) return out;
      const at = owner.resource.locate(`${c.path}/image`);
      const ns = nsOf(owner.resource);
      out.push({ file: owner.resource.file, line: at.line, column: at.column, what: `${owner.resource.kind} ${ns ? `${ns}/` : ''}${owner.resource.name} runs it (${describeContainer(c)})` });
    }
  }
  return out;
}

/**
 * Why a vulnerability in this image matters more where it runs: a workload of the scan runs it in a
 * privileged container (a compromise of the process is one of the node), or a Service of type
 * LoadBalancer or NodePort, or an Ingress, sends traffic from outside the cluster to a workload
 * running it, or the workload's service account can gain cluster-admin through the scan's roles and
 * bindings and its token is mounted (automountServiceAccountToken not false on the pod, or on the
 * ServiceAccount when the pod does not say). Empty when no workload of the scan runs the image, or
 * none of these holds.
 */
export function imageRiskReasons(object: Resource, context: RuleContext): string[] {
  const reasons: string[] = [];
  for (const owner of podOwnersIn(context, '')) {
    if (owner.operator) continue;
    const running = containers(owner.resource).filter((c) => typeof c.container.image === 'string' && runsImage(c.container.image, object));
    if (running.length === 0) continue;
    const ns = nsOf(owner.resource);
    const workload = `${owner.resource.kind} "${owner.resource.name}"${ns ? ` (namespace ${ns})` : ''}`;
    const privileged = running.filter((c) => containerSecurityContext(c)?.privileged === true);
    if (privileged.length > 0) reasons.push(`${workload} runs it privileged (${privileged.map(describeContainer).join(', ')})`);
    // Exposure counts only where no network policy decides who gets in (fenced pods: the policies are the other rules' to judge).
    const services = ingressFenced(owner.resource, context) ? [] : objectsOf(context, 'Service', ns).filter((s) => selectedWorkloads(s, context)?.includes(owner.resource));
    for (const s of services) {
      const type = serviceType(s);
      if (type === 'LoadBalancer' || type === 'NodePort') reasons.push(`Service "${s.name}" of type ${type} exposes ${workload} outside the cluster`);
    }
    // Code execution in the container is the service account's token: RBAC that leads to cluster-admin makes it the cluster's.
    const account = serviceAccountOf(owner.resource, context);
    const step = account !== undefined && ns ? accountsReachingClusterAdmin(context).get(`${ns}/${account}`) : undefined;
    if (step !== undefined) reasons.push(`${workload} runs as ServiceAccount ${ns}/${account}, whose RBAC leads to cluster-admin (${step})`);
    const names = new Set(services.map((s) => s.name));
    for (const ingress of objectsOf(context, 'Ingress', ns)) {
      const through = [...ingressServiceNames(ingress)].filter((n) => names.has(n));
      if (through.length > 0) reasons.push(`Ingress "${ingress.name}" routes traffic from outside the cluster to ${workload} (Service "${through[0]}")`);
    }
  }
  return [...new Set(reasons)];
}

// ---------------------------------------------------------------------------------------------
// Where a lockfile goes: what lowers the risk of its vulnerabilities.

/**
 * The stages whose files can end up in the final image: the final stage, the stages it is built
 * FROM, and, transitively, every stage a COPY (or ADD) --from of those names. A stage outside this
 * set (a test or lint stage) leaves nothing in the image `docker build` makes.
 */
export function contributingStages(view: DockerfileView): Set<number> {
  const out = new Set<number>();
  const byName = (value: string): number | undefined => view.stages.find((s) => s.name === value.toLowerCase())?.index ?? (/^\d+$/.test(value) && Number(value) < view.stages.length ? Number(value) : undefined);
  const queue = [view.finalStage];
  while (queue.length > 0) {
    const index = queue.pop()!;
    if (out.has(index) || !view.stages[index]) continue;
    out.add(index);
    const stage = view.stages[index];
    if (stage.base.stage !== undefined) queue.push(stage.base.stage);
    for (const instruction of stage.instructions) {
      for (const flag of instruction.flags) {
        // COPY --from=stage, and RUN --mount=from=stage: both read another stage's files into this one.
        if ((instruction.keyword === 'COPY' || instruction.keyword === 'ADD') && flag.name === 'from' && flag.value) {
          const from = byName(flag.value);
          if (from !== undefined) queue.push(from);
        }
        if (instruction.keyword === 'RUN' && flag.name === 'mount' && flag.value) {
          const from = /(?:^|,)from=([^,]+)/.exec(flag.value)?.[1];
          const index2 = from ? byName(from) : undefined;
          if (index2 !== undefined) queue.push(index2);
        }
      }
    }
  }
  return out;
}

/** Whether a COPY/ADD source (relative to the build context) brings `file` (a context-relative path) into the image: the file itself, or a directory above it. */
function sourceCovers(source: string, file: string): boolean {
  const clean = source.replace(/^\.\/+/, '').replace(/^\/+/, '').replace(/\/+$/, '');
  if (clean === '' || clean === '.') return true;
  const src = clean.split('/');
  const parts = file.split('/');
  if (src.length > parts.length) return false;
  return src.every((segment, i) => goSegmentMatch(segment, parts[i]));
}

export interface LockfilePlacement {
  /** The Dockerfile and the first line that brings the lockfile in, in a stage the final image takes nothing from. */
  dockerfile: string;
  line: number;
  stage: string;
}

/**
 * Why a lockfile's packages are not in any image the scan's Dockerfiles build: every Dockerfile
 * whose directory (taken as its build context) holds the lockfile brings it in only in stages the
 * final image takes nothing from (a test or lint stage), and at least one does. Undefined when a
 * stage that counts brings it in, when one mounts the build context into a RUN (BuildKit's
 * `--mount=type=bind`, which needs no COPY), or when no Dockerfile brings it in at all (then how
 * it is used is not known).
 */
export function lockfileOnlyInDiscardedStages(lockfile: Resource, context: RuleContext): LockfilePlacement | undefined {
  let placement: LockfilePlacement | undefined;
  for (const dockerfile of context.resources.ofKind(DOCKERFILE_KIND)) {
    const relative = path.relative(path.dirname(path.resolve(dockerfile.file)), path.resolve(lockfile.name)).split(path.sep).join('/');
    if (relative.startsWith('..') || path.isAbsolute(relative)) continue;
    const view = dockerfile.object as unknown as DockerfileView;
    const counts = contributingStages(view);
    for (const stage of view.stages) {
      for (const instruction of stage.instructions) {
        const bindsContext = instruction.keyword === 'RUN' && instruction.flags.some((f) => f.name === 'mount' && /(?:^|,)type=bind(?:,|$)/.test(f.value ?? '') && !/(?:^|,)from=/.test(f.value ?? ''));
        const copies =
          (instruction.keyword === 'COPY' || instruction.keyword === 'ADD') &&
          !instruction.flags.some((f) => f.name === 'from') &&
          instruction.arguments.slice(0, -1).some((source) => !/^[a-z]+:\/\//i.test(source) && sourceCovers(source, relative));
        if (!copies && !bindsContext) continue;
        if (counts.has(stage.index)) return undefined;
        if (copies) placement ??= { dockerfile: dockerfile.file, line: instruction.line, stage: stage.name ?? String(stage.index) };
      }
    }
  }
  return placement;
}
