/**
 * Where pod specs live in an object. Built-in kinds have fixed paths; any other kind (Argo
 * Rollouts, Knative, operators' custom resources) is searched by shape: an object with a
 * `containers` list holding at least one object with a string `image`.
 */
import type { JsonObject, Resource } from '../core/types.js';
import { escapePointerToken } from '../core/pointer.js';
import { isObject, asString } from '../core/values.js';
import { ScopedCache } from '../core/scoped-cache.js';

export type ContainerType = 'containers' | 'initContainers' | 'ephemeralContainers';
export const CONTAINER_TYPES: readonly ContainerType[] = ['containers', 'initContainers', 'ephemeralContainers'];

export interface PodSpecView {
  spec: JsonObject;
  /** JSON Pointer of the pod spec inside the resource object. */
  path: string;
  /** The pod (template) metadata, where annotations and labels of the pods live. */
  metadata?: JsonObject;
  metadataPath: string;
}

export interface ContainerView {
  container: JsonObject;
  path: string;
  name: string;
  type: ContainerType;
  pod: PodSpecView;
}

const FIXED_POD_SPEC_PATHS: Record<string, string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  PodTemplate: ['template', 'spec'],
};

/** Built-in kinds known to hold no pod spec: not worth a shape search. */
const NO_POD_SPEC = new Set([
  'ConfigMap', 'Secret', 'Service', 'ServiceAccount', 'Namespace', 'Role', 'ClusterRole', 'RoleBinding',
  'ClusterRoleBinding', 'NetworkPolicy', 'Ingress', 'IngressClass', 'PersistentVolume', 'PersistentVolumeClaim',
  'StorageClass', 'CustomResourceDefinition', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'LimitRange',
  'ResourceQuota', 'PriorityClass', 'Endpoints', 'EndpointSlice', 'Event', 'Lease', 'Node',
  'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'APIService', 'CertificateSigningRequest',
  'RuntimeClass', 'CSIDriver', 'VolumeAttachment', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
]);

export function isWorkloadKind(kind: string): boolean {
  return kind in FIXED_POD_SPEC_PATHS;
}

/**
 * Built-in API groups: the core group ("v1"), groups without a dot (apps, batch, policy, ...) and
 * *.k8s.io. A Knative `serving.knative.dev/v1` Service is not a core Service, whatever its kind.
 */
export function isBuiltinApiVersion(apiVersion: string | undefined): boolean {
  if (apiVersion === undefined) return true;
  const slash = apiVersion.indexOf('/');
  if (slash === -1) return true;
  const group = apiVersion.slice(0, slash);
  return !group.includes('.') || group.endsWith('.k8s.io');
}

/** Kinds whose pod spec position is fixed (the built-in controllers). */
export function fixedPodSpecPath(kind: string, apiVersion?: string): string[] | undefined {
  return isBuiltinApiVersion(apiVersion) ? FIXED_POD_SPEC_PATHS[kind] : undefined;
}

type ResourceShape = Pick<Resource, 'kind' | 'object'> & { apiVersion?: string };

const MAX_SEARCH_DEPTH = 40;
const podSpecCache = new ScopedCache<object, PodSpecView[]>();
// Shared and frozen: callers only read these lists.
const NONE = Object.freeze([]) as unknown as never[];
const containerCache = new ScopedCache<object, ContainerView[]>();

/**
 * Forgets the pod spec and container views made of `root`. A view copies some of the object's
 * strings (names, paths): when the object's strings are replaced by copies (a kept object letting go
 * of its file's text), views made before would still hold the old ones, and the whole text with them.
 */
export function forgetPodViews(root: object): void {
  podSpecCache.delete(root);
  containerCache.delete(root);
}

function pointer(tokens: readonly (string | number)[]): string {
  let out = '';
  for (const t of tokens) out += '/' + escapePointerToken(t);
  return out;
}

function looksLikePodSpec(value: JsonObject): boolean {
  const containers = value.containers;
  if (!Array.isArray(containers)) return false;
  for (const c of containers) if (isObject(c) && typeof c.image === 'string') return true;
  return false;
}

function view(root: JsonObject, tokens: (string | number)[], spec: JsonObject): PodSpecView {
  const last = tokens[tokens.length - 1];
  const parentTokens = tokens.slice(0, -1);
  let metadata: JsonObject | undefined;
  let metadataPath = pointer(tokens);
  if (last === 'spec') {
    let parent: unknown = root;
    for (const t of parentTokens) parent = (parent as Record<string, unknown>)[t as string];
    const md = isObject(parent) ? parent.metadata : undefined;
    metadataPath = pointer([...parentTokens, 'metadata']);
    if (isObject(md)) metadata = md;
  }
  return { spec, path: pointer(tokens), metadata, metadataPath };
}

/** All pod specs in a resource with their JSON Pointers. */
export function podSpecs(resource: ResourceShape): PodSpecView[] {
  const root = resource.object;
  const builtin = isBuiltinApiVersion(resource.apiVersion);
  // Most objects of a scan are Services, ConfigMaps, RBAC and the like: answer without a cache entry.
  if (builtin && NO_POD_SPEC.has(resource.kind)) return NONE;
  const cached = podSpecCache.get(root);
  if (cached) return cached;
  const found: PodSpecView[] = [];
  const fixed = builtin ? FIXED_POD_SPEC_PATHS[resource.kind] : undefined;
  if (fixed) {
    let node: unknown = root;
    for (const t of fixed) node = isObject(node) ? node[t] : undefined;
    if (isObject(node)) found.push(view(root, [...fixed], node));
  } else if (!builtin || !NO_POD_SPEC.has(resource.kind)) {
    const walk = (node: unknown, tokens: (string | number)[]): void => {
      if (tokens.length > MAX_SEARCH_DEPTH || node === null || typeof node !== 'object') return;
      if (Array.isArray(node)) {
        for (let i = 0; i < node.length; i++) if (node[i] !== null && typeof node[i] === 'object') walk(node[i], [...tokens, i]);
        return;
      }
      const o = node as JsonObject;
      if (tokens.length > 0 && looksLikePodSpec(o)) {
        found.push(view(root, tokens, o));
        return;
      }
      for (const key of Object.keys(o)) {
        if (tokens.length === 0 && (key === 'metadata' || key === 'status')) continue;
        const child = o[key];
        if (child !== null && typeof child === 'object') walk(child, [...tokens, key]);
      }
    };
    walk(root, []);
  }
  podSpecCache.set(root, found);
  return found;
}

/** Every container, init container and ephemeral container of every pod spec in the resource. */
export function containers(resource: ResourceShape): ContainerView[] {
  const root = resource.object;
  const pods = podSpecs(resource);
  if (pods.length === 0) return NONE;
  const cached = containerCache.get(root);
  if (cached) return cached;
  const out: ContainerView[] = [];
  for (const pod of pods) {
    for (const type of CONTAINER_TYPES) {
      const list = pod.spec[type];
      if (!Array.isArray(list)) continue;
      list.forEach((c, i) => {
        if (!isObject(c)) return;
        out.push({ container: c, path: `${pod.path}/${type}/${i}`, name: asString(c.name) ?? `#${i}`, type, pod });
      });
    }
  }
  containerCache.set(root, out);
  return out;
}

/** The pod's OS as declared in spec.os.name (PSS exempts Windows pods from some restricted controls). */
export function podOs(pod: PodSpecView): string | undefined {
  const os = pod.spec.os;
  return isObject(os) ? asString(os.name) : undefined;
}

/**
 * The service account a pod runs as: serviceAccountName, else the deprecated serviceAccount (the
 * API server copies one into the other), else "default", which the ServiceAccount admission plugin
 * fills in.
 */
export function podServiceAccountName(spec: JsonObject): string {
  const name = asString(spec.serviceAccountName);
  if (name) return name;
  const legacy = asString(spec.serviceAccount);
  return legacy ? legacy : 'default';
}

/** How a pod's containers hold a Kubernetes API token, if they do. */
export interface ApiTokenMount {
  /**
   * The token the ServiceAccount admission plugin mounts (its shouldAutomount): the pod spec's
   * automountServiceAccountToken wins when set, else the ServiceAccount's, else true.
   */
  automount: boolean;
  /** What decided `automount`: the pod spec, its ServiceAccount, or neither (the default). */
  decidedBy: 'pod' | 'serviceaccount' | 'default';
  /**
   * Pointers (inside the pod spec) of projected serviceAccountToken sources for the API server:
   * without an audience (it defaults to the API server's), or naming the in-cluster API server
   * (kubeadm's default issuer, https://kubernetes.default.svc.cluster.local, is also its default
   * audience). They are asked for explicitly and mounted whatever automount says. A token for
   * another audience (a vault, a cloud provider) is refused by the API server and is not counted.
   */
  projected: string[];
}

const API_SERVER_AUDIENCE = /^(https:\/\/)?kubernetes\.default\.svc(\.|$)/;

/**
 * Whether a pod gets an API token. `serviceAccount` is the ServiceAccount object when known: an
 * unknown one counts as leaving the choice to the default (true).
 */
export function apiTokenMount(spec: JsonObject, serviceAccount: JsonObject | undefined): ApiTokenMount {
  const own = spec.automountServiceAccountToken;
  const fromAccount = serviceAccount?.automountServiceAccountToken;
  const decidedBy = typeof own === 'boolean' ? 'pod' : typeof fromAccount === 'boolean' ? 'serviceaccount' : 'default';
  const automount = decidedBy === 'pod' ? own === true : decidedBy === 'serviceaccount' ? fromAccount === true : true;
  const projected: string[] = [];
  const volumes = spec.volumes;
  if (Array.isArray(volumes))
    volumes.forEach((volume, v) => {
      const sources = isObject(volume) && isObject(volume.projected) ? volume.projected.sources : undefined;
      if (!Array.isArray(sources)) return;
      sources.forEach((source, s) => {
        const token = isObject(source) ? source.serviceAccountToken : undefined;
        if (!isObject(token)) return;
        const audience = asString(token.audience);
        if (audience === undefined || audience === '' || API_SERVER_AUDIENCE.test(audience)) projected.push(`/volumes/${v}/projected/sources/${s}/serviceAccountToken`);
      });
    });
  return { automount, decidedBy, projected };
}

export interface ShapeProblem {
  path: string;
  message: string;
}

const LIST_FIELDS_OF_POD = ['containers', 'initContainers', 'ephemeralContainers', 'volumes', 'imagePullSecrets', 'tolerations', 'hostAliases'];
const OBJECT_FIELDS_OF_POD = ['securityContext', 'nodeSelector', 'affinity', 'os'];
const LIST_FIELDS_OF_CONTAINER = ['ports', 'env', 'envFrom', 'volumeMounts', 'command', 'args'];
const OBJECT_FIELDS_OF_CONTAINER = ['securityContext', 'resources', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'];

export function typeName(value: unknown): string {
  // Only the type: the misplaced value may be a secret (env: "DB_PASSWORD=...").
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

/**
 * Fields of a pod spec that have the wrong type (a string where a list is expected, ...). The
 * API server would reject these objects; rules skip the malformed fields, and the run reports them.
 */
export function podShapeProblems(resource: ResourceShape): ShapeProblem[] {
  const problems: ShapeProblem[] = [];
  const fixed = fixedPodSpecPath(resource.kind, resource.apiVersion);
  if (fixed) {
    let node: unknown = resource.object;
    const walked: string[] = [];
    // The first field on the way that is not a mapping is the one to report; the walk stops there.
    for (const t of fixed) {
      if (!isObject(node)) break;
      node = node[t];
      walked.push(t);
    }
    if (node !== undefined && node !== null && !isObject(node)) problems.push({ path: pointer(walked), message: `${walked.join('.')} must be a mapping, but is ${typeName(node)}` });
  }
  for (const pod of podSpecs(resource)) {
    const where = pod.path.slice(1).replace(/\//g, '.');
    for (const f of LIST_FIELDS_OF_POD) {
      const v = pod.spec[f];
      if (v !== undefined && v !== null && !Array.isArray(v)) problems.push({ path: `${pod.path}/${f}`, message: `${where}.${f} must be a list, but is ${typeName(v)}` });
      else if (Array.isArray(v) && f !== 'tolerations')
        v.forEach((item, i) => {
          if (!isObject(item)) problems.push({ path: `${pod.path}/${f}/${i}`, message: `${where}.${f}[${i}] must be a mapping, but is ${typeName(item)}` });
        });
    }
    for (const f of OBJECT_FIELDS_OF_POD) {
      const v = pod.spec[f];
      if (v !== undefined && v !== null && !isObject(v)) problems.push({ path: `${pod.path}/${f}`, message: `${where}.${f} must be a mapping, but is ${typeName(v)}` });
    }
    scalarProblems(pod.spec, pod.path, where, POD_SCALARS, problems);
    if (isObject(pod.spec.securityContext)) scalarProblems(pod.spec.securityContext, `${pod.path}/securityContext`, `${where}.securityContext`, SECURITY_CONTEXT_SCALARS, problems);
  }
  for (const c of containers(resource)) {
    const where = `${c.pod.path.slice(1).replace(/\//g, '.')}.${c.type}[${c.path.split('/').pop()}]`;
    for (const f of LIST_FIELDS_OF_CONTAINER) {
      const v = c.container[f];
      if (v !== undefined && v !== null && !Array.isArray(v)) problems.push({ path: `${c.path}/${f}`, message: `${where}.${f} must be a list, but is ${typeName(v)}` });
    }
    for (const f of OBJECT_FIELDS_OF_CONTAINER) {
      const v = c.container[f];
      if (v !== undefined && v !== null && !isObject(v)) problems.push({ path: `${c.path}/${f}`, message: `${where}.${f} must be a mapping, but is ${typeName(v)}` });
    }
    if (c.container.image !== undefined && typeof c.container.image !== 'string') problems.push({ path: `${c.path}/image`, message: `${where}.image must be a string, but is ${typeName(c.container.image)}` });
    const sc = c.container.securityContext;
    if (isObject(sc)) {
      scalarProblems(sc, `${c.path}/securityContext`, `${where}.securityContext`, SECURITY_CONTEXT_SCALARS, problems);
      const caps = sc.capabilities;
      if (caps !== undefined && caps !== null && !isObject(caps)) problems.push({ path: `${c.path}/securityContext/capabilities`, message: `${where}.securityContext.capabilities must be a mapping, but is ${typeName(caps)}` });
      else if (isObject(caps))
        for (const f of ['add', 'drop']) {
          const v = caps[f];
          if (v !== undefined && v !== null && !Array.isArray(v)) problems.push({ path: `${c.path}/securityContext/capabilities/${f}`, message: `${where}.securityContext.capabilities.${f} must be a list, but is ${typeName(v)}` });
        }
    }
  }
  return problems;
}

/** Security-relevant scalar fields and their types: `privileged: "true"` is rejected by the API server, and must not pass as secure. */
const POD_SCALARS: Record<string, 'boolean' | 'integer'> = {
  hostNetwork: 'boolean', hostPID: 'boolean', hostIPC: 'boolean', hostUsers: 'boolean', shareProcessNamespace: 'boolean',
  automountServiceAccountToken: 'boolean',
};
const SECURITY_CONTEXT_SCALARS: Record<string, 'boolean' | 'integer'> = {
  privileged: 'boolean', allowPrivilegeEscalation: 'boolean', readOnlyRootFilesystem: 'boolean', runAsNonRoot: 'boolean',
  runAsUser: 'integer', runAsGroup: 'integer', fsGroup: 'integer',
};

function scalarProblems(obj: JsonObject, path: string, where: string, fields: Record<string, 'boolean' | 'integer'>, problems: ShapeProblem[]): void {
  for (const [f, type] of Object.entries(fields)) {
    const v = obj[f];
    if (v === undefined || v === null) continue;
    const ok = type === 'boolean' ? typeof v === 'boolean' : Number.isInteger(v);
    if (!ok) problems.push({ path: `${path}/${f}`, message: `${where}.${f} must be ${type === 'boolean' ? 'true or false' : 'an integer'}, but is ${typeName(v)}${typeof v === 'string' ? ' (remove the quotes)' : ''}` });
  }
}
/** The containers of one of the pod specs of `resource`. */
export function containersOf(resource: Resource, pod: PodSpecView): ContainerView[] {
  return containers(resource).filter((c) => c.pod === pod);
}

