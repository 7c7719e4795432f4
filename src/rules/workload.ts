/**
 * Workload hardening beyond the Pod Security Standards: filesystem, identities, resources,
 * service account tokens, host mounts, secrets in the spec, capabilities and ports.
 *
 * Overlap with the PSS rules is avoided on purpose: PSS rejects any added capability outside its
 * default set, `dangerous-capabilities` names the ones that reach beyond the container; PSS flags every hostPath
 * volume, the host-mount family says which host paths make one dangerous; UID 0 is left to the
 * PSS `run-as-root-user` rule, the low-ID rules cover the rest of the range below 10000.
 */
import type { Rule, RuleContext, RuleMeta } from '../engine/rule.js';
import type { Resource, Severity, Violation } from '../core/types.js';
import { apiTokenMount, containers, podOs, podServiceAccountName, podSpecs, type ContainerView, type PodSpecView } from '../k8s/pods.js';
import type { ResourceSet } from '../k8s/resource-set.js';
import { ScopedCache } from '../core/scoped-cache.js';
import { defineRule, perContainer, perPod, describeContainer } from './define.js';
import { asArray, fieldAt, isObject, asObject, asString } from '../core/values.js';
import { escapePointerToken } from '../core/pointer.js';
import { indent } from './examples.js';
import { hasUrlPassword, isNamedSecretValue, isSecretName, matchCredentialPattern } from '../core/secrets-detect.js';
import { describeHit, describeLength } from '../core/redact.js';

// ---------------------------------------------------------------------------------------------
// References.

const SECURITY_CONTEXT_DOC = 'https://kubernetes.io/docs/tasks/configure-pod-container/security-context/';
const RESOURCES_DOC = 'https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/';
const LIMIT_RANGE_DOC = 'https://kubernetes.io/docs/concepts/policy/limit-range/';
const SERVICE_ACCOUNT_DOC = 'https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/';
const SERVICE_ACCOUNT_CONCEPT = 'https://kubernetes.io/docs/concepts/security/service-accounts/';
const HOSTPATH_DOC = 'https://kubernetes.io/docs/concepts/storage/volumes/#hostpath';
const SECRETS_GOOD_PRACTICES = 'https://kubernetes.io/docs/concepts/security/secrets-good-practices/';
const SECRET_DOC = 'https://kubernetes.io/docs/concepts/configuration/secret/';
const ENV_DOC = 'https://kubernetes.io/docs/tasks/inject-data-application/define-environment-variable-container/';
const CAPABILITIES_MAN = 'https://man7.org/linux/man-pages/man7/capabilities.7.html';
const NSA_GUIDE = 'https://media.defense.gov/2022/Aug/29/2003066362/-1/-1/0/CTR_KUBERNETES_HARDENING_GUIDANCE_1.2_20220829.PDF';
const SECURITY_CHECKLIST = 'https://kubernetes.io/docs/concepts/security/security-checklist/';
const HOST_ALIASES_DOC = 'https://kubernetes.io/docs/tasks/network/customize-hosts-file-for-pods/';
const SHARE_PROCESS_DOC = 'https://kubernetes.io/docs/tasks/configure-pod-container/share-process-namespace/';
const USER_NAMESPACES_DOC = 'https://kubernetes.io/docs/concepts/workloads/pods/user-namespaces/';
const POD_SPEC_API = 'https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/';

// ---------------------------------------------------------------------------------------------
// Example builders: complete manifests, with only the envelope factored out.


function pod(spec: string, name = 'web'): string {
  return `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: shop\nspec:\n${indent(spec, 2)}\n`;
}

function deployment(spec: string, name = 'web'): string {
  return (
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  namespace: shop\nspec:\n  replicas: 2\n` +
    `  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n` +
    `    spec:\n${indent(spec, 6)}\n`
  );
}

function daemonSet(spec: string, name = 'node-agent'): string {
  return (
    `apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: ${name}\n  namespace: monitoring\nspec:\n` +
    `  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n` +
    `    spec:\n${indent(spec, 6)}\n`
  );
}

function serviceAccount(name: string, extra = ''): string {
  return `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${name}\n  namespace: shop\n${extra}`;
}

const IMG = 'registry.example.com/shop/web:1.4.2';

// ---------------------------------------------------------------------------------------------
// Readers.

function isWindows(pod: PodSpecView): boolean {
  return podOs(pod) === 'windows';
}

/**
 * The first Linux hardening mechanism in effect for a container (seccomp, AppArmor, SELinux or dropped
 * capabilities), or undefined when there is none. Container settings override the pod's, as in Kubernetes.
 */
function linuxHardeningOf(c: ContainerView): string | undefined {
  const own = asObject(c.container.securityContext);
  const podSc = asObject(c.pod.spec.securityContext);
  const confining = (t: unknown): boolean => t === 'RuntimeDefault' || t === 'Localhost';
  const seccomp = own && isObject(own.seccompProfile) && own.seccompProfile.type !== undefined ? own.seccompProfile.type : fieldAt(podSc, 'seccompProfile', 'type');
  if (confining(seccomp)) return 'seccomp';
  const apparmor = own && isObject(own.appArmorProfile) && own.appArmorProfile.type !== undefined ? own.appArmorProfile.type : fieldAt(podSc, 'appArmorProfile', 'type');
  if (confining(apparmor)) return 'apparmor';
  if (apparmor === undefined) {
    const annotation = fieldAt(c.pod.metadata, 'annotations', `container.apparmor.security.beta.kubernetes.io/${c.name}`);
    if (annotation === 'runtime/default' || (typeof annotation === 'string' && annotation.startsWith('localhost/'))) return 'apparmor';
  }
  const hasFields = (v: unknown): boolean => isObject(v) && Object.values(v).some((x) => typeof x === 'string' && x !== '');
  if (hasFields(own?.seLinuxOptions) || hasFields(podSc?.seLinuxOptions)) return 'selinux';
  const caps = asObject(own?.capabilities);
  const addsAll = asArray(caps?.add).some((x) => typeof x === 'string' && x.toUpperCase() === 'ALL');
  if (asArray(caps?.drop).length > 0 && !addsAll) return 'capabilities';
  return undefined;
}

function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

/** `base` plus the longest prefix of `keys` present below `root`: where a missing field would go. */
function existingPath(base: string, root: unknown, ...keys: (string | number)[]): string {
  let path = base;
  let node = root;
  for (const key of keys) {
    if (node === null || typeof node !== 'object') break;
    const next = (node as Record<string, unknown>)[key as string];
    if (next === undefined) break;
    path += `/${escapePointerToken(key)}`;
    node = next;
  }
  return path;
}

function containerSc(c: ContainerView): Record<string, unknown> | undefined {
  return asObject(c.container.securityContext);
}

function podSc(pod: PodSpecView): Record<string, unknown> | undefined {
  return asObject(pod.spec.securityContext);
}

function containersOf(resource: Resource, pod: PodSpecView): ContainerView[] {
  return containers(resource).filter((c) => c.pod === pod);
}

function quoteList(names: string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}

/**
 * Checks a securityContext field that containers inherit from the pod. A container's own value
 * is reported on the container; a pod-level value once, and only when some container inherits it.
 */
function inheritedSetting(
  resource: Resource,
  field: string,
  bad: (value: number) => boolean,
  verb: string,
  phrase: (value: number) => string,
): Violation[] {
  return perPod(resource, (pod) => {
    if (isWindows(pod)) return undefined;
    const out: Violation[] = [];
    const inheritors: string[] = [];
    for (const c of containersOf(resource, pod)) {
      const own = containerSc(c)?.[field];
      if (own === undefined || own === null) {
        inheritors.push(c.name);
        continue;
      }
      if (isInt(own) && bad(own)) out.push({ path: `${c.path}/securityContext/${field}`, message: `${describeContainer(c)} ${verb} ${phrase(own)}`, container: c.name });
    }
    const podValue = podSc(pod)?.[field];
    if (isInt(podValue) && bad(podValue) && inheritors.length > 0) {
      const by = `${inheritors.length === 1 ? 'container' : 'containers'} ${quoteList(inheritors)}`;
      out.push({ path: `${pod.path}/securityContext/${field}`, message: `the pod securityContext makes ${by} ${verb.replace(/^runs\b/, 'run')} ${phrase(podValue)}` });
    }
    return out;
  });
}

/** Capability names as the runtime reads them: case-insensitive, with or without the CAP_ prefix. */
function capabilityName(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const upper = value.trim().toUpperCase();
  return upper.startsWith('CAP_') ? upper.slice(4) : upper;
}

// ---------------------------------------------------------------------------------------------
// Resource quantities.

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;
const SUFFIX_FACTOR: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A Kubernetes quantity ("500m", "1.5Gi", "1e3", 2) as a number; undefined when unreadable. */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = QUANTITY.exec(value.trim());
  if (!m) return undefined;
  const base = Number(m[1]);
  const suffix = m[2] ?? '';
  const factor = /^[eE][+-]?\d+$/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIX_FACTOR[suffix];
  return base * factor;
}

function quantitySet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

function sameQuantity(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b), 1e-9);
}

type ResourceName = 'cpu' | 'memory' | 'ephemeral-storage';
type ResourceKind = 'requests' | 'limits';

/** Container defaults from LimitRanges scanned in the same namespace. */
function limitRangeDefaults(resource: Resource, context: RuleContext): { limits: Set<string>; requests: Set<string> } {
  const limits = new Set<string>();
  const requests = new Set<string>();
  const namespace = resource.namespace ?? '';
  for (const lr of context.resources.ofKind('LimitRange')) {
    if ((lr.namespace ?? '') !== namespace) continue;
    for (const item of asArray(fieldAt(lr.object, 'spec', 'limits'))) {
      if (!isObject(item) || item.type !== 'Container') continue;
      // A LimitRange's `default` also serves as the default request when `defaultRequest` is absent.
      for (const key of Object.keys(asObject(item.default) ?? {})) {
        limits.add(key);
        requests.add(key);
      }
      for (const key of Object.keys(asObject(item.defaultRequest) ?? {})) requests.add(key);
    }
  }
  return { limits, requests };
}

/**
 * Whether the container gets a value for `name` under `kind`: its own, the pod-level resources
 * (Kubernetes 1.32+), a LimitRange default, or, for requests, the limit that Kubernetes copies
 * into a missing request.
 */
function resourceProvided(c: ContainerView, kind: ResourceKind, name: ResourceName, defaults: { limits: Set<string>; requests: Set<string> }): boolean {
  const own = (k: ResourceKind): boolean => quantitySet(fieldAt(c.container, 'resources', k, name));
  const podLevel = (k: ResourceKind): boolean => quantitySet(fieldAt(c.pod.spec, 'resources', k, name));
  if (own(kind) || podLevel(kind)) return true;
  if (kind === 'requests' && (own('limits') || podLevel('limits'))) return true;
  return defaults[kind].has(name);
}

/** Containers that can carry resources: ephemeral containers cannot. */
function resourceContainers(resource: Resource, check: (c: ContainerView) => Omit<Violation, 'container'> | undefined): Violation[] {
  return perContainer(resource, (c) => (c.type === 'ephemeralContainers' ? undefined : check(c)));
}

interface ResourceRuleSpec {
  id: string;
  title: string;
  severity: Severity;
  name: 'cpu' | 'memory';
  kind: ResourceKind;
  description: string;
  remediation: string;
  tags: string[];
  valid: string[];
  invalid: string[];
}

function resourceRule(spec: ResourceRuleSpec): Rule {
  const label = spec.name === 'cpu' ? 'CPU' : 'memory';
  const noun = spec.kind === 'requests' ? 'request' : 'limit';
  return defineRule({
    id: spec.id,
    title: spec.title,
    severity: spec.severity,
    category: 'resources',
    tags: spec.tags,
    appliesTo: 'workloads',
    // Namespace LimitRange defaults fill in what the container leaves out.
    reads: ['LimitRange'],
    description: spec.description,
    remediation: spec.remediation,
    references: [RESOURCES_DOC, LIMIT_RANGE_DOC],
    check: (resource, context) => {
      const defaults = limitRangeDefaults(resource, context);
      return resourceContainers(resource, (c) =>
        resourceProvided(c, spec.kind, spec.name, defaults)
          ? undefined
          : { path: existingPath(c.path, c.container, 'resources', spec.kind), message: `${describeContainer(c)} has no ${label} ${noun}` },
      );
    },
    examples: { valid: spec.valid, invalid: spec.invalid },
  });
}

// ---------------------------------------------------------------------------------------------
// Host paths: one classifier, several data-driven rules. Each hostPath volume belongs to at most
// one class (the first that matches, most severe first), so one mount is never reported twice.

/** Normalises an absolute host path; undefined for relative or non-POSIX paths. */
export function normalizeHostPath(path: string): string | undefined {
  if (!path.startsWith('/')) return undefined;
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  const normal = `/${parts.join('/')}`;
  // /var/run is a symlink to /run on every current distribution.
  return normal === '/var/run' || normal.startsWith('/var/run/') ? `/run${normal.slice('/var/run'.length)}` : normal;
}

function isWithin(path: string, dir: string): boolean {
  // "/" matches only itself here: mounting the root is its own class, not a parent of every path.
  return path === dir || path.startsWith(`${dir}/`);
}

interface HostPathClass {
  rule: string;
  /** Host paths (normalised) and why each is sensitive. */
  paths: Record<string, string>;
  /** Whether mounting a parent directory of a listed path also belongs to this class. */
  parents: boolean | ((path: string) => boolean);
}

const HOST_PATH_CLASSES: HostPathClass[] = [
  { rule: 'host-root-mount', paths: { '/': "the node's entire filesystem" }, parents: false },
  {
    rule: 'container-runtime-socket-mount',
    paths: {
      '/run/docker.sock': 'the Docker daemon socket',
      '/run/docker': 'the Docker runtime directory',
      '/run/containerd': 'the containerd socket directory',
      '/run/k3s/containerd': 'the k3s containerd socket directory',
      '/run/crio': 'the CRI-O socket directory',
      '/run/cri-dockerd.sock': 'the cri-dockerd socket',
      '/run/dockershim.sock': 'the dockershim socket',
      '/run/podman': 'the Podman socket directory',
      '/run/buildkit': 'the BuildKit daemon socket directory',
    },
    // /run itself holds every runtime socket; "/" and "/var" are classified elsewhere.
    parents: (path) => isWithin(path, '/run'),
  },
  {
    rule: 'host-credentials-mount',
    paths: {
      '/etc': 'node configuration, kubelet and CA credentials',
      '/root': "the root user's home, with SSH keys and kubeconfigs",
      '/home': "users' home directories, with SSH keys and kubeconfigs",
      '/var/lib/kubelet': 'kubelet state, including every pod\'s mounted secrets and service account tokens',
      '/var/lib/etcd': 'the etcd data directory, holding every secret of the cluster',
      '/var/lib/rancher': 'k3s/RKE2 state, including cluster tokens and certificates',
      '/var/lib/kubernetes': 'Kubernetes certificates and kubeconfigs',
    },
    parents: true,
  },
  {
    rule: 'host-system-mount',
    paths: {
      '/proc': 'every process on the node',
      '/sys': 'kernel and cgroup settings',
      '/dev': "the host's device nodes",
      '/boot': 'the kernel and boot loader',
      '/usr': 'system binaries and libraries',
      '/lib': 'system libraries and kernel modules',
      '/lib64': 'system libraries',
      '/bin': 'system binaries',
      '/sbin': 'system binaries',
      '/var/lib/docker': "Docker's image and container storage",
      '/var/lib/containerd': "containerd's image and container storage",
      '/var/lib/containers': "CRI-O/Podman image and container storage",
      '/opt/cni': 'CNI plugin binaries run as root by the kubelet',
    },
    parents: true,
  },
  { rule: 'host-log-mount', paths: { '/var/log': "the node's logs, including every pod's log files" }, parents: true },
];

/**
 * Single files below sensitive directories that workloads routinely mount for harmless facts
 * (time zone, machine identity, OS release). Writing to them is still writable-host-mount's concern.
 */
const HARMLESS_HOST_FILES = ['/etc/localtime', '/etc/timezone', '/usr/share/zoneinfo', '/etc/machine-id', '/etc/os-release', '/usr/lib/os-release'];

const WINDOWS_RUNTIME_PIPES = ['\\\\.\\pipe\\docker_engine', '\\\\.\\pipe\\containerd-containerd'];

interface HostPathMatch {
  rule: string;
  sensitive: string;
  reason: string;
  /** The mounted path is a parent directory of the sensitive one. */
  parent: boolean;
}

/** The class a hostPath belongs to, if any. Exported for tests. */
export function classifyHostPath(path: string): HostPathMatch | undefined {
  const lower = path.toLowerCase();
  if (WINDOWS_RUNTIME_PIPES.some((p) => lower === p || lower.startsWith(p)))
    return { rule: 'container-runtime-socket-mount', sensitive: path, reason: 'the container runtime named pipe', parent: false };
  const normal = normalizeHostPath(path);
  if (normal === undefined) return undefined;
  // Speak of /var/run/... when that is how the manifest wrote it.
  if (HARMLESS_HOST_FILES.some((f) => isWithin(normal, f))) return undefined;
  const viaVarRun = /^\/+var\/+run(?:\/|$)/.test(path);
  const shown = (p: string): string => (viaVarRun && isWithin(p, '/run') ? `/var${p}` : p);
  for (const cls of HOST_PATH_CLASSES) {
    for (const [sensitive, reason] of Object.entries(cls.paths)) {
      if (isWithin(normal, sensitive)) return { rule: cls.rule, sensitive: shown(sensitive), reason, parent: false };
    }
    const parentsOk = typeof cls.parents === 'function' ? cls.parents(normal) : cls.parents;
    if (!parentsOk || normal === '/') continue;
    for (const [sensitive, reason] of Object.entries(cls.paths)) {
      if (sensitive !== normal && isWithin(sensitive, normal)) return { rule: cls.rule, sensitive: shown(sensitive), reason, parent: true };
    }
  }
  return undefined;
}

interface HostVolume {
  name: string | undefined;
  path: string;
  pointer: string;
  /** The volume (`.../volumes/N`): the cause host-path-volume and writable-host-mount name too. */
  volume: string;
}

function hostPathVolumes(pod: PodSpecView): HostVolume[] {
  const out: HostVolume[] = [];
  asArray(pod.spec.volumes).forEach((v, i) => {
    const path = asString(fieldAt(v, 'hostPath', 'path'));
    if (path !== undefined) out.push({ name: asString(fieldAt(v, 'name')), path, pointer: `${pod.path}/volumes/${i}/hostPath/path`, volume: `${pod.path}/volumes/${i}` });
  });
  return out;
}

function volumeUsers(resource: Resource, pod: PodSpecView, volume: string | undefined): string[] {
  if (volume === undefined) return [];
  return containersOf(resource, pod)
    .filter((c) => asArray(c.container.volumeMounts).some((m) => fieldAt(m, 'name') === volume))
    .map((c) => c.name);
}

interface HostMountRuleSpec {
  id: string;
  title: string;
  severity: Severity;
  description: string;
  remediation: string;
  tags: string[];
  valid: string[];
  invalid: string[];
  /**
   * The severity when file permissions on the node still protect it: every container that mounts the
   * volume mounts it read-only and can neither be nor become root, nor bypass permission checks
   * (hostMountAccess). Unset: the rule's severity whatever the container (a socket stays a socket).
   */
  mitigated?: { severity: Severity; reaches: string };
}

/**
 * Capabilities that get past file permission checks on the node's files (capabilities(7)): read or
 * write any file (DAC_OVERRIDE, DAC_READ_SEARCH), act as any file's owner or take ownership of it
 * (FOWNER, CHOWN: on the writable submounts a read-only bind mount keeps), become any user or group,
 * root included (SETUID, SETGID), mount and much else (SYS_ADMIN), or reach other processes' files
 * through /proc/PID/root (SYS_PTRACE); ALL holds them all.
 */
const FILE_PERMISSION_BYPASS = ['ALL', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'CHOWN', 'SETUID', 'SETGID', 'SYS_ADMIN', 'SYS_PTRACE'];

function intField(sc: Record<string, unknown> | undefined, field: string): number | undefined {
  const v = sc?.[field];
  return isInt(v) ? v : undefined;
}

/**
 * Why a container that mounts a host path may get past the node's file permissions there, or the
 * user it runs as when it cannot: it mounts the volume read-only, is not privileged, runs as a
 * non-root user (runAsUser above 0, the container's over the pod's, or runAsNonRoot: true, which the
 * kubelet enforces on the image's user), has allowPrivilegeEscalation: false (otherwise a setuid-root
 * binary of the node, on that very mount, makes it root), and adds no FILE_PERMISSION_BYPASS
 * capability. A read-only mount keeps submounts (such as /run) writable unless recursiveReadOnly is
 * set, which file permissions then guard.
 */
function hostMountAccess(c: ContainerView, volume: string): { risk: string } | { user: string } {
  const sc = containerSc(c);
  const psc = podSc(c.pod);
  const who = `"${c.name}"`;
  const mounts = asArray(c.container.volumeMounts).filter((m) => fieldAt(m, 'name') === volume);
  if (mounts.some((m) => fieldAt(m, 'readOnly') !== true)) return { risk: `${who} mounts it writable` };
  if (sc?.privileged === true) return { risk: `${who} is privileged` };
  const uid = intField(sc, 'runAsUser') ?? intField(psc, 'runAsUser');
  const nonRoot = sc?.runAsNonRoot ?? psc?.runAsNonRoot;
  if (uid === 0) return { risk: `${who} runs as root (runAsUser: 0)` };
  if (uid === undefined && nonRoot !== true) return { risk: `${who} may run as root (neither runAsNonRoot: true nor a runAsUser above 0)` };
  if (sc?.allowPrivilegeEscalation !== false) return { risk: `${who} may become root through a setuid binary of the node (allowPrivilegeEscalation is not false)` };
  const bypass = asArray(fieldAt(sc, 'capabilities', 'add')).map(capabilityName).find((n) => n !== undefined && FILE_PERMISSION_BYPASS.includes(n));
  if (bypass) return { risk: `${who} adds ${bypass === 'ALL' ? 'ALL capabilities' : `capability ${bypass}`}, which gets past file permissions` };
  return { user: uid !== undefined ? `UID ${uid}` : "the image's non-root user" };
}

function hostMountRule(spec: HostMountRuleSpec): Rule {
  return defineRule({
    id: spec.id,
    title: spec.title,
    severity: spec.severity,
    category: 'workload',
    tags: spec.tags,
    appliesTo: 'workloads',
    description: spec.description,
    remediation: spec.remediation,
    references: [HOSTPATH_DOC, SECURITY_CHECKLIST],
    check: (resource) =>
      perPod(resource, (pod) =>
        hostPathVolumes(pod).flatMap((v) => {
          const match = classifyHostPath(v.path);
          if (!match || match.rule !== spec.id) return [];
          const users = volumeUsers(resource, pod, v.name);
          const usedBy = users.length ? `, used by ${quoteList(users)}` : '';
          const volume = `volume ${v.name !== undefined ? `"${v.name}"` : '(unnamed)'}`;
          const what = match.parent
            ? `host path ${v.path}, which contains ${match.sensitive} (${match.reason})`
            : `host path ${v.path} (${match.reason})`;
          const message = `${volume} mounts ${what}${usedBy}`;
          // Unused volumes and Windows pods keep the rule's severity: nothing here says who will read them.
          if (!spec.mitigated || users.length === 0 || v.name === undefined || isWindows(pod)) return [{ path: v.pointer, cause: v.volume, message }];
          const access = containersOf(resource, pod)
            .filter((c) => asArray(c.container.volumeMounts).some((m) => fieldAt(m, 'name') === v.name))
            .map((c) => hostMountAccess(c, v.name!));
          const risk = access.find((a): a is { risk: string } => 'risk' in a);
          if (risk) return [{ path: v.pointer, cause: v.volume, message: `${message}: ${risk.risk}` }];
          const userList = [...new Set(access.map((a) => ('user' in a ? a.user : '')))].join(', ');
          return [
            {
              path: v.pointer,
              cause: v.volume,
              severity: spec.mitigated.severity,
              message:
                `${message}: read-only, and ${users.length === 1 ? 'it runs' : 'they run'} as a non-root user (${userList}) with allowPrivilegeEscalation: false ` +
                `and no capability that gets past file permissions, so ${spec.mitigated.reaches}`,
            },
          ];
        }),
      ),
    examples: { valid: spec.valid, invalid: spec.invalid },
  });
}

// ---------------------------------------------------------------------------------------------
// Secrets written into the spec.

// Names, placeholders and credential formats come from the one shared detector.

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

interface SecretFlag {
  /** Index of the token holding the value. */
  index: number;
  /** The flag as written ("--password"); undefined for a URL password or a known credential format. */
  flag?: string;
  /** What was found, and the credential itself (for its length class only). */
  label: string;
  secret: string;
}

function unquote(token: string): string {
  const m = /^(['"])(.*)\1$/s.exec(token);
  return m ? m[2] : token.replace(/^['"]|['"]$/g, '');
}

/** The password part of a URL token, for its length class. */
function urlPasswordOf(value: string): string {
  return /:\/\/[^\s/@:]*:([^\s/@]+)@/.exec(value)?.[1] ?? value;
}

/** Command-line tokens that carry a literal secret: --flag=value, --flag value, a URL with a password, or a known credential format. */
function secretFlags(tokens: string[]): SecretFlag[] {
  const hits: SecretFlag[] = [];
  tokens.forEach((token, i) => {
    if (token === '') return;
    const joined = /^(--?[A-Za-z][A-Za-z0-9_.-]*)=(.*)$/s.exec(token);
    const value = joined ? unquote(joined[2]) : token;
    if (hasUrlPassword(value)) {
      hits.push({ index: i, label: 'a URL with an embedded password', secret: urlPasswordOf(value) });
      return;
    }
    const previous = i > 0 ? tokens[i - 1] : '';
    const flag = joined ? joined[1] : /^--?[A-Za-z][A-Za-z0-9_.-]*$/.test(previous) && !token.startsWith('-') ? previous : undefined;
    if (flag !== undefined && isSecretName(flag) && isNamedSecretValue(value)) {
      hits.push({ index: i, flag, label: 'a literal value', secret: value.trim() });
      return;
    }
    const known = matchCredentialPattern(value);
    if (known) hits.push({ index: i, label: known.label, secret: known.secret });
  });
  return hits;
}

/** Literal secrets in a container's env and command line; messages name the place and the value's length class, never the value. */
function hardcodedSecrets(c: ContainerView): Omit<Violation, 'container'>[] {
  const out: Omit<Violation, 'container'>[] = [];
  const who = describeContainer(c);
  asArray(c.container.env).forEach((item, i) => {
    if (!isObject(item) || item.valueFrom !== undefined) return;
    const name = asString(item.name);
    const value = scalarText(item.value);
    if (name === undefined || value === undefined) return;
    const path = `${c.path}/env/${i}/value`;
    const known = matchCredentialPattern(value);
    if (hasUrlPassword(value))
      out.push({ path, message: `${who} sets env var ${name} to a URL with an embedded password (${describeLength(urlPasswordOf(value.trim()))})` });
    else if (isSecretName(name) && isNamedSecretValue(value))
      out.push({ path, message: `${who} sets env var ${name} to a literal value that looks like a secret (${describeLength(value.trim())})` });
    else if (known) out.push({ path, message: `${who} sets env var ${name} to ${describeHit(known)}` });
  });
  for (const field of ['command', 'args'] as const) {
    const items = asArray(c.container[field]);
    const report = (i: number, hit: SecretFlag, inside: boolean): void => {
      const where = `${field}[${i}]${inside ? ', inside a shell command' : ''}`;
      const what = hit.flag === undefined ? hit.label : `a literal value for ${hit.flag}`;
      out.push({ path: `${c.path}/${field}/${i}`, message: `${who} passes ${what} on its command line (${where}; ${describeLength(hit.secret)})` });
    };
    // Exec form: one argument per item, a flag's value may be the next item.
    const plain = items.map((item) => (typeof item === 'string' && !/\s/.test(item) ? item : ''));
    for (const hit of secretFlags(plain)) report(hit.index, hit, false);
    // Shell form ("sh -c '... --password=x'"): the words of one item.
    items.forEach((item, i) => {
      if (typeof item !== 'string' || !/\s/.test(item)) return;
      for (const hit of secretFlags(item.split(/\s+/).map(unquote))) report(i, hit, true);
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Capabilities.

/**
 * Capabilities that reach beyond the container, with what each allows (capabilities(7)) and how far:
 * high for those behind known container escapes or control of the node's kernel, medium for those
 * that act on node-wide state without leaving the container. NET_ADMIN acts on the pod's own network
 * namespace, unless the pod shares the node's (hostNetwork).
 */
const DANGEROUS_CAPABILITIES: Record<string, { severity: Severity; what: (pod: PodSpecView) => string }> = {
  ALL: { severity: 'high', what: () => 'every capability, SYS_ADMIN, SYS_MODULE and DAC_READ_SEARCH among them: most known container escapes need nothing more' },
  SYS_ADMIN: { severity: 'high', what: () => 'mount filesystems, create namespaces and reach many kernel interfaces: the basis of the best-known container escapes' },
  SYS_MODULE: { severity: 'high', what: () => "load kernel modules, i.e. run code in the node's kernel" },
  SYS_RAWIO: { severity: 'high', what: () => "I/O port operations and raw memory and device access (/dev/mem, /proc/kcore): the node's memory" },
  DAC_READ_SEARCH: { severity: 'high', what: () => 'bypass file read permissions and open files by handle (open_by_handle_at), which reaches files outside the container (the "shocker" escape)' },
  // High with hostPID (any process of the node), else medium: the pod's own processes only.
  SYS_PTRACE: {
    severity: 'medium',
    what: (pod) =>
      pod.spec.hostPID === true
        ? "trace and inject code into any process of the node (the pod shares the node's process namespace)"
        : "trace and inject code into the processes it can see, those of its own pod",
  },
  BPF: { severity: 'high', what: () => "load eBPF programs into the node's kernel" },
  MAC_ADMIN: { severity: 'high', what: () => 'change the mandatory access control policy (AppArmor profiles) that confines containers' },
  MAC_OVERRIDE: { severity: 'medium', what: () => 'override mandatory access control where the Smack security module enforces it' },
  NET_ADMIN: {
    severity: 'medium',
    what: (pod) =>
      pod.spec.hostNetwork === true
        ? "configure the node's interfaces, routes and firewall rules (the pod shares the node's network): intercept or redirect any traffic of the node"
        : "configure the interfaces, routes and firewall rules of the pod's network namespace: intercept or redirect the pod's own traffic",
  },
  SYS_TIME: { severity: 'medium', what: () => "set the node's clock, which is not namespaced: the kubelet and every pod see it (certificate and token validity, leases)" },
  SYS_BOOT: {
    severity: 'medium',
    what: (pod) =>
      pod.spec.hostPID === true
        ? 'reboot the node (the pod shares the node\'s process namespace) and load a kernel for kexec'
        : "load a kernel for kexec (kexec_load); reboot(2) from the pod's own process namespace only ends that namespace",
  },
  PERFMON: { severity: 'medium', what: () => 'use perf events and eBPF tracing to observe the processes of the node' },
  SYSLOG: { severity: 'medium', what: () => 'read the kernel log and see kernel addresses (kptr_restrict), which help kernel exploits' },
};

// ---------------------------------------------------------------------------------------------

function automountMessage(resource: Resource, pod: PodSpecView, context: RuleContext): Violation | undefined {
  const name = podServiceAccountName(pod.spec);
  const sa = context.resources.find('ServiceAccount', resource.namespace, name);
  const mount = apiTokenMount(pod.spec, sa?.object);
  // Only the automatic token is judged: a projected serviceAccountToken volume is asked for on purpose (the remediation).
  if (!mount.automount) return undefined;
  if (mount.decidedBy === 'pod')
    return { path: `${pod.path}/automountServiceAccountToken`, message: 'the pod spec sets automountServiceAccountToken: true, so every container gets a Kubernetes API token' };
  const why = sa
    ? mount.decidedBy === 'serviceaccount'
      ? `its ServiceAccount "${name}" sets automountServiceAccountToken: true`
      : `neither the pod spec nor its ServiceAccount "${name}" sets automountServiceAccountToken: false`
    : `the pod spec does not set automountServiceAccountToken: false (ServiceAccount "${name}" is not among the scanned objects)`;
  const subject = resource.kind === 'Pod' ? 'the pod mounts' : 'its pods mount';
  return { path: existingPath(pod.path, pod.spec, 'automountServiceAccountToken'), message: `${subject} a Kubernetes API token: ${why}` };
}

/** Pod specs of the scanned workloads by `namespace \0 service account`, once per scan. */
const podsByAccount = new ScopedCache<ResourceSet, Map<string, PodSpecView[]>>();

function podsRunningAs(set: ResourceSet, namespace: string | undefined, name: string): PodSpecView[] {
  let index = podsByAccount.get(set);
  if (!index) {
    index = new Map();
    for (const r of set.all)
      for (const pod of podSpecs(r)) {
        const key = `${r.namespace ?? ''}\u0000${podServiceAccountName(pod.spec)}`;
        const list = index.get(key);
        if (list) list.push(pod);
        else index.set(key, [pod]);
      }
    podsByAccount.set(set, index);
  }
  return index.get(`${namespace ?? ''}\u0000${name}`) ?? [];
}

/**
 * A ServiceAccount's `automountServiceAccountToken: true` is reported unless every scanned pod
 * running as it sets the pod-level field to false, which takes precedence: then the setting gives
 * none of them a token. With no scanned pod running as it, it is reported: it decides for any pod
 * that will.
 */
function serviceAccountAutomountMessage(resource: Resource, context: RuleContext): Violation[] {
  if (resource.object.automountServiceAccountToken !== true) return [];
  const pods = podsRunningAs(context.resources, resource.namespace, resource.name);
  if (pods.length > 0 && pods.every((pod) => pod.spec.automountServiceAccountToken === false)) return [];
  return [{ path: '/automountServiceAccountToken', message: `ServiceAccount "${resource.name}" sets automountServiceAccountToken: true, so every pod using it gets an API token unless it opts out` }];
}

function effectiveServiceAccount(spec: Record<string, unknown>): string | undefined {
  const name = asString(spec.serviceAccountName);
  if (name !== undefined && name !== '') return name;
  const legacy = asString(spec.serviceAccount);
  return legacy !== undefined && legacy !== '' ? legacy : undefined;
}

/** Metadata shared by the rules that look at pod security contexts. */
const HARDENING: Pick<RuleMeta, 'category' | 'appliesTo'> = { category: 'workload', appliesTo: 'workloads' };

export const workloadRules: Rule[] = [
  // ============================== Filesystem and identities ==============================
  defineRule({
    id: 'writable-root-filesystem',
    title: 'Root filesystem is writable',
    severity: 'medium',
    ...HARDENING,
    tags: ['security', 'nsa'],
    description:
      'Without securityContext.readOnlyRootFilesystem: true, a compromised process can modify the container image: drop ' +
      'tools, replace binaries or persist changes for the life of the container. Writable paths the application needs ' +
      'belong in emptyDir or other volumes. Windows pods are not checked (the field is not supported there).',
    remediation: 'Set securityContext.readOnlyRootFilesystem: true on the container and mount an emptyDir wherever it must write (e.g. /tmp).',
    references: [SECURITY_CONTEXT_DOC, NSA_GUIDE],
    check: (resource) =>
      perContainer(resource, (c) => {
        if (isWindows(c.pod)) return undefined;
        const value = containerSc(c)?.readOnlyRootFilesystem;
        if (value === true) return undefined;
        return {
          path: existingPath(c.path, c.container, 'securityContext', 'readOnlyRootFilesystem'),
          message:
            value === false
              ? `${describeContainer(c)} sets readOnlyRootFilesystem: false`
              : `${describeContainer(c)} does not set readOnlyRootFilesystem: true, so its root filesystem is writable`,
        };
      }),
    examples: {
      valid: [
        pod(`
          containers:
          - name: web
            image: ${IMG}
            securityContext: {readOnlyRootFilesystem: true}
            volumeMounts: [{name: tmp, mountPath: /tmp}]
          volumes: [{name: tmp, emptyDir: {}}]
        `),
      ],
      invalid: [
        pod(`
          containers:
          - name: web
            image: ${IMG}
        `),
        deployment(`
          containers:
          - name: web
            image: ${IMG}
            securityContext: {readOnlyRootFilesystem: false}
        `),
      ],
    },
  }),

  defineRule({
    id: 'low-user-id',
    title: 'Container runs with a low UID',
    severity: 'low',
    ...HARDENING,
    tags: ['security'],
    description:
      'UIDs below 10000 are where host and system users live. A container process that escapes, or that shares a volume ' +
      'or hostPath with the node, acts with the rights of the node user with the same UID. The effective runAsUser is the ' +
      "container's own, else the pod's. UID 0 is reported by run-as-root-user; an unset runAsUser (the image's USER) is " +
      'left to run-as-non-root.',
    remediation: 'Set securityContext.runAsUser to 10000 or higher (e.g. 10001) and build the image to work with that UID.',
    references: [SECURITY_CONTEXT_DOC],
    check: (resource) =>
      inheritedSetting(resource, 'runAsUser', (v) => v > 0 && v < 10000, 'runs as', (v) => `UID ${v}, below 10000`),
    examples: {
      valid: [
        pod(`
          securityContext: {runAsUser: 10001, runAsNonRoot: true}
          containers:
          - name: web
            image: ${IMG}
        `),
        pod(`
          securityContext: {runAsUser: 1000}
          containers:
          - name: web
            image: ${IMG}
            securityContext: {runAsUser: 20000}
        `),
      ],
      invalid: [
        pod(`
          containers:
          - name: web
            image: ${IMG}
            securityContext: {runAsUser: 1000}
        `),
        deployment(`
          securityContext: {runAsUser: 101}
          containers:
          - name: web
            image: ${IMG}
        `),
      ],
    },
  }),

  defineRule({
    id: 'low-group-id',
    title: 'Container runs with a low GID',
    severity: 'low',
    ...HARDENING,
    tags: ['security'],
    description:
      'GIDs below 10000 overlap with groups on the node, so files shared through volumes or host paths are accessible ' +
      "with the node group's rights. The effective runAsGroup is the container's own, else the pod's; GID 0 is reported by root-group-id.",
    remediation: 'Set securityContext.runAsGroup to 10000 or higher (e.g. 10001).',
    references: [SECURITY_CONTEXT_DOC],
    check: (resource) =>
      inheritedSetting(resource, 'runAsGroup', (v) => v > 0 && v < 10000, 'runs with', (v) => `GID ${v}, below 10000`),
    examples: {
      valid: [
        pod(`
          securityContext: {runAsUser: 10001, runAsGroup: 10001}
          containers:
          - name: web
            image: ${IMG}
        `),
      ],
      invalid: [
        pod(`
          containers:
          - name: web
            image: ${IMG}
            securityContext: {runAsUser: 10001, runAsGroup: 1000}
        `),
      ],
    },
  }),

  defineRule({
    id: 'root-group-id',
    title: 'Container runs with the root group',
    severity: 'medium',
    ...HARDENING,
    tags: ['security'],
    description:
      'GID 0 (as runAsGroup, fsGroup or a supplemental group) gives the process the root group: read or write access to ' +
      'every file group-owned by root, in the image and on shared volumes. The Pod Security Standards do not forbid it.',
    remediation: 'Use a non-zero GID for runAsGroup and fsGroup (e.g. 10001) and remove 0 from supplementalGroups.',
    references: [SECURITY_CONTEXT_DOC],
    check: (resource) => [
      ...inheritedSetting(resource, 'runAsGroup', (v) => v === 0, 'runs with', () => 'the root group (runAsGroup: 0)'),
      ...perPod(resource, (pod) => {
        if (isWindows(pod)) return undefined;
        const sc = podSc(pod);
        const out: Violation[] = [];
        if (sc?.fsGroup === 0) out.push({ path: `${pod.path}/securityContext/fsGroup`, message: 'the pod sets fsGroup: 0, so its volumes are owned by the root group' });
        asArray(sc?.supplementalGroups).forEach((g, i) => {
          if (g === 0) out.push({ path: `${pod.path}/securityContext/supplementalGroups/${i}`, message: 'the pod adds the root group (0) to supplementalGroups' });
        });
        return out;
      }),
    ],
    examples: {
      valid: [
        pod(`
          securityContext: {runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001}
          containers:
          - name: web
            image: ${IMG}
        `),
      ],
      invalid: [
        pod(`
          securityContext: {runAsGroup: 0}
          containers:
          - name: web
            image: ${IMG}
        `),
        deployment(`
          securityContext: {fsGroup: 0, supplementalGroups: [10001, 0]}
          containers:
          - name: web
            image: ${IMG}
        `),
      ],
    },
  }),

  // ============================== Resources ==============================
  resourceRule({
    id: 'cpu-requests-missing',
    title: 'CPU request missing',
    severity: 'medium',
    name: 'cpu',
    kind: 'requests',
    tags: ['resources', 'reliability'],
    description:
      'Without a CPU request the scheduler places the pod as if it needed no CPU, and under contention the container ' +
      'gets the smallest share. A CPU limit, a pod-level request or a LimitRange default in the same namespace counts as set, ' +
      'since Kubernetes fills the request from them.',
    remediation: 'Set resources.requests.cpu to the CPU the container needs in normal operation (e.g. 100m).',
    valid: [
      pod(`
        containers:
        - name: web
          image: ${IMG}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
      `),
      pod(`
        containers:
        - name: web
          image: ${IMG}
          resources:
            limits: {cpu: 500m, memory: 256Mi}
      `),
      `apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: shop}
spec:
  limits:
  - type: Container
    defaultRequest: {cpu: 100m, memory: 128Mi}
---
${pod(`
        containers:
        - name: web
          image: ${IMG}
      `)}`,
    ],
    invalid: [
      pod(`
        containers:
        - name: web
          image: ${IMG}
          resources:
            requests: {memory: 128Mi}
      `),
      deployment(`
        initContainers:
        - name: migrate
          image: ${IMG}
        containers:
        - name: web
          image: ${IMG}
          resources:
            requests: {cpu: 100m}
      `),
    ],
  }),
  resourceRule({
    id: 'cpu-limits-missing',
    title: 'CPU limit missing',
    severity: 'low',
    name: 'cpu',
    kind: 'limits',
    tags: ['resources', 'nsa'],
    description:
      'Without a CPU limit a container may use every idle core of the node, and a runaway or compromised process can ' +
      'starve its neighbours of burst capacity. Some teams deliberately omit CPU limits to avoid throttling: suppress or ' +
      'disable the rule then. Pod-level limits and LimitRange defaults in the same namespace count as set.',
    remediation: 'Set resources.limits.cpu (e.g. 500m), or a namespace LimitRange with a default CPU limit.',
    valid: [
      pod(`
        containers:
        - name: web
          image: ${IMG}
          resources:
            limits: {cpu: 500m, memory: 256Mi}
      `),
    ],
    invalid: [
      pod(`
        containers:
        - name: web
          image: ${IMG}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
      `),
    ],
  }),
  resourceRule({
    id: 'memory-requests-missing',
    title: 'Memory request missing',
    severity: 'medium',
    name: 'memory',
    kind: 'requests',
    tags: ['resources', 'reliability'],
    description:
      'Without a memory request the scheduler can pack the pod onto a node without room for it, and the container is among ' +
      'the first evicted under memory pressure. A memory limit, a pod-level request or a LimitRange default counts as set.',
    remediation: 'Set resources.requests.memory to the working set the container needs (e.g. 128Mi).',
    valid: [
      pod(`
        containers:
        - name: web
          image: ${IMG}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
      `),
    ],
    invalid: [
      pod(`
        containers:
        - name: web
          image: ${IMG}
          resources:
            requests: {cpu: 100m}
      `),
    ],
  }),
  resourceRule({
    id: 'memory-limits-missing',
    title: 'Memory limit missing',
    severity: 'medium',
    name: 'memory',
    kind: 'limits',
    tags: ['resources', 'nsa'],
    description:
      'Without a memory limit a leaking or compromised container can consume the memory of the whole node until the kernel ' +
      'kills other workloads. Pod-level limits and LimitRange defaults in the same namespace count as set.',
    remediation: 'Set resources.limits.memory (e.g. 256Mi), usually equal to the request.',
    valid: [
      pod(`
        containers:
        - name: web
          image: ${IMG}
          resources:
            requests: {memory: 256Mi}
            limits: {memory: 256Mi}
      `),
      `apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: shop}
spec:
  limits:
  - type: Container
    default: {memory: 512Mi}
---
${pod(`
        containers:
        - name: web
          image: ${IMG}
      `)}`,
    ],
    invalid: [
      pod(`
        containers:
        - name: web
          image: ${IMG}
          resources:
            requests: {memory: 256Mi}
      `),
    ],
  }),

  defineRule({
    id: 'ephemeral-storage-unset',
    title: 'Ephemeral storage request or limit missing',
    severity: 'low',
    category: 'resources',
    tags: ['resources', 'reliability'],
    appliesTo: 'workloads',
    reads: ['LimitRange'],
    optIn: true,
    description:
      'Containers write logs, emptyDir data and their writable layer to the node\'s disk. Without an ephemeral-storage ' +
      'request the scheduler ignores that use; without a limit one container can fill the disk and get every pod on the ' +
      'node evicted. LimitRange defaults and pod-level values count as set.',
    remediation: 'Set resources.requests["ephemeral-storage"] and resources.limits["ephemeral-storage"] (e.g. 1Gi and 2Gi).',
    references: [`${RESOURCES_DOC}#local-ephemeral-storage`],
    check: (resource, context) => {
      const defaults = limitRangeDefaults(resource, context);
      return resourceContainers(resource, (c) => {
        const request = resourceProvided(c, 'requests', 'ephemeral-storage', defaults);
        const limit = resourceProvided(c, 'limits', 'ephemeral-storage', defaults);
        if (request && limit) return undefined;
        const what = !request && !limit ? 'neither an ephemeral-storage request nor a limit' : !limit ? 'no ephemeral-storage limit' : 'no ephemeral-storage request';
        return { path: existingPath(c.path, c.container, 'resources', !limit ? 'limits' : 'requests'), message: `${describeContainer(c)} has ${what}` };
      });
    },
    examples: {
      valid: [
        pod(`
          containers:
          - name: web
            image: ${IMG}
            resources:
              requests: {ephemeral-storage: 1Gi}
              limits: {ephemeral-storage: 2Gi}
        `),
      ],
      invalid: [
        pod(`
          containers:
          - name: web
            image: ${IMG}
            resources:
              requests: {cpu: 100m, memory: 128Mi}
        `),
        pod(`
          containers:
          - name: web
            image: ${IMG}
            resources:
              requests: {ephemeral-storage: 1Gi}
        `),
      ],
    },
  }),

  defineRule({
    id: 'requests-not-equal-limits',
    title: 'Resource requests differ from limits',
    severity: 'low',
    category: 'resources',
    tags: ['resources', 'reliability'],
    appliesTo: 'workloads',
    optIn: true,
    description:
      'When a container\'s requests differ from its limits the node can be overcommitted and the pod loses the Guaranteed ' +
      'QoS class: it is throttled or evicted before pods whose requests equal their limits. Quantities are compared by ' +
      'value ("1" equals "1000m", "1Gi" equals "1024Mi"). Missing values are left to the *-missing rules.',
    remediation: 'Set each resource\'s request equal to its limit (for cpu, memory and ephemeral-storage).',
    references: [RESOURCES_DOC, 'https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/'],
    check: (resource) =>
      perContainer(resource, (c) => {
        if (c.type === 'ephemeralContainers') return undefined;
        const out: Omit<Violation, 'container'>[] = [];
        for (const name of ['cpu', 'memory', 'ephemeral-storage'] as const) {
          const req = fieldAt(c.container, 'resources', 'requests', name);
          const lim = fieldAt(c.container, 'resources', 'limits', name);
          const r = parseQuantity(req);
          const l = parseQuantity(lim);
          if (r === undefined || l === undefined || sameQuantity(r, l)) continue;
          out.push({
            path: `${c.path}/resources/requests/${name}`,
            message: `${describeContainer(c)} requests ${scalarText(req)} ${name} but is limited to ${scalarText(lim)}`,
          });
        }
        return out;
      }),
    examples: {
      valid: [
        pod(`
          containers:
          - name: web
            image: ${IMG}
            resources:
              requests: {cpu: "1", memory: 1Gi}
              limits: {cpu: 1000m, memory: 1024Mi}
        `),
      ],
      invalid: [
        pod(`
          containers:
          - name: web
            image: ${IMG}
            resources:
              requests: {cpu: 100m, memory: 128Mi}
              limits: {cpu: 500m, memory: 128Mi}
        `),
      ],
    },
  }),

  // ============================== Service accounts ==============================
  defineRule({
    id: 'service-account-token-automount',
    title: 'Service account token is mounted automatically',
    severity: 'medium',
    category: 'workload',
    tags: ['security', 'cis', 'nsa'],
    frameworks: { cis: ['5.1.6'] },
    appliesTo: ['ServiceAccount', 'workloads'],
    reads: ['ServiceAccount', 'workloads'],
    description:
      'Unless automountServiceAccountToken is false, every container gets a Kubernetes API token: an attacker in the ' +
      'container can use the service account\'s permissions. The pod spec setting wins; when the pod spec leaves it unset, ' +
      'the ServiceAccount\'s setting applies (looked up among the scanned objects). A ServiceAccount that explicitly sets ' +
      'true is reported too, since it enables the token for every pod that does not opt out, unless every scanned pod ' +
      'running as it sets false itself. A projected serviceAccountToken volume is a token asked for on purpose, with an ' +
      'expiry and an audience: it is the remediation for pods that call the API, and is not reported.',
    remediation:
      'Set automountServiceAccountToken: false on the pod spec (or on its ServiceAccount); pods that call the API mount a ' +
      'token explicitly through a projected serviceAccountToken volume.',
    references: [SERVICE_ACCOUNT_DOC, SERVICE_ACCOUNT_CONCEPT],
    check: (resource, context) => {
      if (resource.kind === 'ServiceAccount') return serviceAccountAutomountMessage(resource, context);
      return perPod(resource, (pod) => automountMessage(resource, pod, context));
    },
    examples: {
      valid: [
        deployment(`
          automountServiceAccountToken: false
          containers:
          - name: web
            image: ${IMG}
        `),
        `${serviceAccount('web', 'automountServiceAccountToken: false\n')}---
${deployment(`
          serviceAccountName: web
          containers:
          - name: web
            image: ${IMG}
        `)}`,
        // The pod-level field takes precedence over the ServiceAccount's.
        `${serviceAccount('web', 'automountServiceAccountToken: true\n')}---
${deployment(`
          serviceAccountName: web
          automountServiceAccountToken: false
          containers:
          - name: web
            image: ${IMG}
        `)}`,
      ],
      invalid: [
        deployment(`
          containers:
          - name: web
            image: ${IMG}
        `),
        pod(`
          serviceAccountName: web
          automountServiceAccountToken: true
          containers:
          - name: web
            image: ${IMG}
        `),
        serviceAccount('operator', 'automountServiceAccountToken: true\n'),
      ],
    },
  }),

  defineRule({
    id: 'default-service-account',
    title: 'Pod uses the default service account',
    severity: 'low',
    category: 'workload',
    tags: ['security', 'cis'],
    frameworks: { cis: ['5.1.5'] },
    appliesTo: 'workloads',
    description:
      'Pods without serviceAccountName run as the namespace\'s "default" service account, which every other such pod ' +
      'shares: permissions granted to it for one workload leak to all of them.',
    remediation: 'Create a dedicated ServiceAccount for the workload and set spec.serviceAccountName to it.',
    references: [SERVICE_ACCOUNT_DOC, SERVICE_ACCOUNT_CONCEPT],
    check: (resource) =>
      perPod(resource, (pod) => {
        const name = effectiveServiceAccount(pod.spec);
        if (name !== undefined && name !== 'default') return undefined;
        const path = existingPath(pod.path, pod.spec, pod.spec.serviceAccountName !== undefined || pod.spec.serviceAccount === undefined ? 'serviceAccountName' : 'serviceAccount');
        return { path, message: name === 'default' ? 'the pod explicitly uses the "default" service account' : 'the pod sets no serviceAccountName, so it runs as the "default" service account' };
      }),
    examples: {
      valid: [
        deployment(`
          serviceAccountName: web
          containers:
          - name: web
            image: ${IMG}
        `),
      ],
      invalid: [
        deployment(`
          containers:
          - name: web
            image: ${IMG}
        `),
        pod(`
          serviceAccountName: default
          containers:
          - name: web
            image: ${IMG}
        `),
      ],
    },
  }),

  defineRule({
    id: 'deprecated-service-account-field',
    title: 'Deprecated serviceAccount field',
    severity: 'low',
    category: 'workload',
    tags: ['deprecation'],
    appliesTo: 'workloads',
    description:
      'spec.serviceAccount is a deprecated alias of spec.serviceAccountName. Tools and readers look at serviceAccountName, ' +
      'and when both are set with different values the result is easy to misread.',
    remediation: 'Rename serviceAccount to serviceAccountName (remove serviceAccount if both are set).',
    references: [POD_SPEC_API],
    check: (resource) =>
      perPod(resource, (pod) => {
        const legacy = pod.spec.serviceAccount;
        if (legacy === undefined || legacy === null || legacy === '') return undefined;
        const current = asString(pod.spec.serviceAccountName);
        // The API server writes serviceAccount as a copy of serviceAccountName into every pod spec it
        // returns or sends to admission webhooks: the same value in both is no finding, or every
        // object of a live cluster would have it.
        if (current !== undefined && current !== '' && current === legacy) return undefined;
        const conflict = current !== undefined && current !== '' && current !== legacy ? ` (it conflicts with serviceAccountName "${current}", which wins)` : '';
        return { path: `${pod.path}/serviceAccount`, message: `the pod spec uses the deprecated field serviceAccount${conflict}` };
      }),
    examples: {
      valid: [
        deployment(`
          serviceAccountName: web
          containers:
          - name: web
            image: ${IMG}
        `),
        deployment(`
          serviceAccountName: web
          serviceAccount: web
          containers:
          - name: web
            image: ${IMG}
        `),
      ],
      invalid: [
        deployment(`
          serviceAccount: web
          containers:
          - name: web
            image: ${IMG}
        `),
      ],
    },
  }),

  // ============================== Host mounts ==============================
  hostMountRule({
    id: 'host-root-mount',
    title: "Node's root filesystem mounted",
    severity: 'critical',
    tags: ['security', 'host-mounts', 'nsa'],
    description:
      'A hostPath volume of "/" exposes every file on the node: kubelet credentials, other pods\' secrets, SSH keys and ' +
      'the container runtime socket. Critical when any container mounting it can get past the node\'s file permissions: it ' +
      'mounts it writable, may run as root or become root (allowPrivilegeEscalation not false, with the node\'s setuid ' +
      'binaries on the mount), is privileged, or adds a capability that bypasses permission checks (DAC_OVERRIDE, ' +
      'DAC_READ_SEARCH, FOWNER, CHOWN, SETUID, SETGID, SYS_ADMIN, SYS_PTRACE, ALL). For root, read-only does not help: ' +
      'reading the kubelet\'s keys is enough, and a socket opens on a read-only mount. Otherwise (read-only, a non-root ' +
      'user, no privilege escalation, none of those capabilities) it is high: the container reads what an unprivileged ' +
      'user of the node may, world-readable configuration and process details, but not the root-only credentials and socket.',
    remediation: 'Mount only the specific host directory the workload needs, read-only, or use a dedicated volume type.',
    valid: [
      daemonSet(`
        containers:
        - name: exporter
          image: quay.io/prometheus/node-exporter:v1.8.2
          volumeMounts: [{name: textfiles, mountPath: /textfiles, readOnly: true}]
        volumes:
        - name: textfiles
          hostPath: {path: /var/lib/node-exporter/textfiles}
      `),
    ],
    invalid: [
      daemonSet(`
        containers:
        - name: exporter
          image: quay.io/prometheus/node-exporter:v1.8.2
          volumeMounts: [{name: root, mountPath: /host/root, readOnly: true}]
        volumes:
        - name: root
          hostPath: {path: /}
      `),
    ],
    mitigated: { severity: 'high', reaches: "it reads only what an unprivileged user of the node may (the kubelet's credentials and the runtime socket are root-only)" },
  }),
  hostMountRule({
    id: 'container-runtime-socket-mount',
    title: 'Container runtime socket mounted',
    severity: 'critical',
    tags: ['security', 'host-mounts', 'nsa'],
    description:
      'The Docker, containerd, CRI-O or Podman socket (or a directory holding it, such as /run or /var/run) lets the ' +
      'container start privileged containers on the node: full node takeover. A read-only mount does not prevent ' +
      'connecting to a socket, and running as a non-root user is no reliable guard either (the socket\'s group, such as ' +
      'docker, can be given to the pod through supplementalGroups or fsGroup): always critical.',
    remediation: 'Remove the mount. Build images with a daemonless builder (BuildKit rootless, kaniko, buildah) and query container state through the Kubernetes API.',
    valid: [
      pod(`
        containers:
        - name: builder
          image: gcr.io/kaniko-project/executor:v1.23.2
          volumeMounts: [{name: workspace, mountPath: /workspace}]
        volumes:
        - name: workspace
          emptyDir: {}
      `),
    ],
    invalid: [
      pod(`
        containers:
        - name: ci-agent
          image: docker:27.3-cli
          volumeMounts: [{name: docker, mountPath: /var/run/docker.sock}]
        volumes:
        - name: docker
          hostPath: {path: /var/run/docker.sock, type: Socket}
      `),
      daemonSet(`
        containers:
        - name: agent
          image: registry.example.com/ops/agent:2.1.0
          volumeMounts: [{name: run, mountPath: /host/run, readOnly: true}]
        volumes:
        - name: run
          hostPath: {path: /run/containerd/}
      `),
    ],
  }),
  hostMountRule({
    id: 'host-credentials-mount',
    title: 'Host directory with credentials mounted',
    severity: 'high',
    tags: ['security', 'host-mounts', 'nsa'],
    description:
      'Host paths such as /etc, /root, /home, /var/lib/kubelet and /var/lib/etcd (or a parent such as /var) hold node and ' +
      'cluster credentials: kubelet certificates, other pods\' service account tokens and secrets, SSH keys, etcd data.',
    remediation: 'Do not mount these paths. Give the workload the specific data it needs through ConfigMaps, Secrets or a narrow, read-only hostPath.',
    valid: [
      daemonSet(`
        containers:
        - name: agent
          image: registry.example.com/ops/agent:2.1.0
          volumeMounts: [{name: data, mountPath: /data}]
        volumes:
        - name: data
          hostPath: {path: /srv/agent-data, type: DirectoryOrCreate}
      `),
    ],
    invalid: [
      daemonSet(`
        containers:
        - name: agent
          image: registry.example.com/ops/agent:2.1.0
          volumeMounts: [{name: kubelet, mountPath: /var/lib/kubelet, readOnly: true}]
        volumes:
        - name: kubelet
          hostPath: {path: /var/lib/kubelet}
      `),
      daemonSet(`
        containers:
        - name: agent
          image: registry.example.com/ops/agent:2.1.0
          volumeMounts: [{name: etc, mountPath: /host/etc}]
        volumes:
        - name: etc
          hostPath: {path: /etc}
      `),
    ],
  }),
  hostMountRule({
    id: 'host-system-mount',
    title: 'Host system directory mounted',
    severity: 'high',
    tags: ['security', 'host-mounts', 'nsa'],
    description:
      'Host paths such as /proc, /sys, /dev, /boot, /usr, /lib and the runtime\'s image storage give access to every ' +
      'process, device and binary of the node; write access means code execution on the node. Medium instead of high when ' +
      'every container mounting it does so read-only as a non-root user, with allowPrivilegeEscalation: false and no ' +
      'capability that bypasses file permissions (as for host-root-mount): the node\'s file permissions then still apply.',
    remediation: 'Remove the mount, or narrow it to the specific file needed and mount it read-only (monitoring agents usually need only read access).',
    valid: [
      daemonSet(`
        containers:
        - name: exporter
          image: quay.io/prometheus/node-exporter:v1.8.2
          volumeMounts: [{name: textfiles, mountPath: /textfiles, readOnly: true}]
        volumes:
        - name: textfiles
          hostPath: {path: /srv/node-exporter}
      `),
    ],
    invalid: [
      daemonSet(`
        containers:
        - name: exporter
          image: quay.io/prometheus/node-exporter:v1.8.2
          volumeMounts: [{name: proc, mountPath: /host/proc, readOnly: true}]
        volumes:
        - name: proc
          hostPath: {path: /proc}
      `),
    ],
    mitigated: { severity: 'medium', reaches: 'it reads there only what an unprivileged user of the node may, and changes nothing' },
  }),
  hostMountRule({
    id: 'host-log-mount',
    title: 'Node log directory mounted',
    severity: 'medium',
    tags: ['security', 'host-mounts'],
    description:
      '/var/log holds the logs of every pod on the node, which often contain tokens and personal data; with write access ' +
      'a container can plant symlinks the kubelet follows when serving logs. Log collectors need it: scope them carefully ' +
      'and mount read-only.',
    remediation: 'Only log-collection DaemonSets should mount /var/log, read-only; everything else should log to stdout.',
    valid: [
      daemonSet(`
        containers:
        - name: collector
          image: cr.fluentbit.io/fluent/fluent-bit:3.1.9
          volumeMounts: [{name: state, mountPath: /state}]
        volumes:
        - name: state
          hostPath: {path: /var/lib/fluent-bit}
      `, 'log-collector'),
    ],
    invalid: [
      daemonSet(`
        containers:
        - name: collector
          image: cr.fluentbit.io/fluent/fluent-bit:3.1.9
          volumeMounts: [{name: varlog, mountPath: /var/log, readOnly: true}]
        volumes:
        - name: varlog
          hostPath: {path: /var/log}
      `, 'log-collector'),
    ],
  }),

  defineRule({
    id: 'writable-host-mount',
    title: 'Host path mounted writable',
    severity: 'medium',
    category: 'workload',
    tags: ['security', 'host-mounts'],
    appliesTo: 'workloads',
    description:
      'A hostPath volume mounted without readOnly: true lets the container change files on the node, which survive the ' +
      'pod and are visible to other workloads and to the node itself.',
    remediation: 'Set readOnly: true on the volumeMount, or replace the hostPath with an emptyDir or PersistentVolume.',
    references: [HOSTPATH_DOC],
    check: (resource) =>
      perContainer(resource, (c) => {
        const hostVolumes = new Map<string, { hostPath: string; index: number }>();
        asArray(c.pod.spec.volumes).forEach((v, index) => {
          const name = asString(fieldAt(v, 'name'));
          const path = fieldAt(v, 'hostPath', 'path');
          if (name !== undefined && isObject(fieldAt(v, 'hostPath')) && !hostVolumes.has(name)) hostVolumes.set(name, { hostPath: typeof path === 'string' ? path : '(no path)', index });
        });
        if (hostVolumes.size === 0) return undefined;
        const out: Omit<Violation, 'container'>[] = [];
        asArray(c.container.volumeMounts).forEach((m, i) => {
          if (!isObject(m) || m.readOnly === true) return;
          const volume = asString(m.name);
          const host = volume !== undefined ? hostVolumes.get(volume) : undefined;
          if (host === undefined) return;
          out.push({
            path: existingPath(`${c.path}/volumeMounts/${i}`, m, 'readOnly'),
            // The hostPath volume is the cause (host-path-volume and the host-*-mount rules name it):
            // a writable mount of it is folded into that finding.
            cause: `${c.pod.path}/volumes/${host.index}`,
            message: `${describeContainer(c)} mounts host path ${host.hostPath} (volume "${volume}") writable at ${asString(m.mountPath) ?? '(no mountPath)'}`,
          });
        });
        return out;
      }),
    examples: {
      valid: [
        daemonSet(`
          containers:
          - name: agent
            image: registry.example.com/ops/agent:2.1.0
            volumeMounts: [{name: config, mountPath: /host-config, readOnly: true}]
          volumes:
          - name: config
            hostPath: {path: /srv/agent}
        `),
      ],
      invalid: [
        daemonSet(`
          containers:
          - name: agent
            image: registry.example.com/ops/agent:2.1.0
            volumeMounts: [{name: data, mountPath: /data}]
          volumes:
          - name: data
            hostPath: {path: /srv/agent, type: DirectoryOrCreate}
        `),
      ],
    },
  }),

  // ============================== Secrets in the spec ==============================
  defineRule({
    id: 'hardcoded-secret',
    title: 'Secret written into the pod spec',
    severity: 'high',
    category: 'secrets',
    tags: ['security', 'secrets'],
    appliesTo: 'workloads',
    description:
      'A password, token or key written as an env value or command-line flag in the manifest is readable by anyone who ' +
      'can read the manifest, the Git history or the workload object (far more people than can read Secrets). Flagged ' +
      'are variables and flags whose name denotes a secret (PASSWORD, TOKEN, API_KEY, CLIENT_SECRET, ...) with a literal ' +
      'value, URLs with an embedded password, and values of any name in a well-known credential format (private keys, ' +
      'cloud access keys, JWTs, GitHub/GitLab/Slack/Stripe/npm/Google tokens, ...). Placeholders, $(VAR) references and ' +
      'file paths are ignored. Findings name the variable and the value\'s length class ("16 to 31 characters"), never the value or anything computed from it.',
    remediation: 'Move the value into a Secret and reference it with env[].valueFrom.secretKeyRef, or better mount it as a file; rotate the exposed credential.',
    references: [SECRETS_GOOD_PRACTICES, SECRET_DOC],
    check: (resource) => perContainer(resource, hardcodedSecrets),
    examples: {
      valid: [
        deployment(`
          containers:
          - name: api
            image: ${IMG}
            env:
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef: {name: api-db, key: password}
            - name: DB_PASSWORD_FILE
              value: /run/secrets/db/password
            - name: TOKEN_TTL
              value: "3600"
            - name: DATABASE_URL
              value: postgres://api@db.shop.svc:5432/api
            - name: TLS_CA
              value: |
                -----BEGIN CERTIFICATE-----
                TUlJQmtUQ0IrUUlKQUxleGFtcGxlLWNlcnRpZmljYXRlLW5vdC1hLWtleQ==
                -----END CERTIFICATE-----
        `),
      ],
      invalid: [
        deployment(`
          containers:
          - name: api
            image: ${IMG}
            env:
            - name: STRIPE_API_KEY
              value: sk_live_51HxExampleNotReal
        `),
        deployment(`
          containers:
          - name: api
            image: ${IMG}
            args: ["--db-password=s3cr3t-Example", "--port=8080"]
            env:
            - name: DATABASE_URL
              value: postgres://api:s3cr3t-Example@db.shop.svc:5432/api
        `),
        // A PEM private key written on one line with "\n" escapes, under a name that says nothing.
        deployment(`
          containers:
          - name: api
            image: ${IMG}
            env:
            - name: GITHUB_APP_PEM
              value: '${['-----BEGIN ', 'RSA PRIVATE KEY-----'].join('')}\\nTm90QVJlYWxLZXkuSnVzdEFuRXhhbXBsZUZvcktzaGllbGQuTm90QVJlYWxLZXk=\\n${['-----END ', 'RSA PRIVATE KEY-----'].join('')}'
        `),
      ],
    },
  }),

  defineRule({
    id: 'secret-as-env-var',
    title: 'Secret exposed as an environment variable',
    severity: 'low',
    category: 'secrets',
    tags: ['security', 'secrets', 'cis'],
    frameworks: { cis: ['5.4.1'] },
    appliesTo: 'workloads',
    description:
      'Environment variables leak more easily than files: into crash dumps, debug endpoints, child processes and logs ' +
      'of tools that print their environment. Secrets mounted as files can also be rotated without restarting the pod.',
    remediation: 'Mount the Secret as a volume and have the application read the file (many images support a *_FILE variable).',
    references: [SECRETS_GOOD_PRACTICES, ENV_DOC],
    check: (resource) =>
      perContainer(resource, (c) => {
        const out: Omit<Violation, 'container'>[] = [];
        asArray(c.container.env).forEach((e, i) => {
          const ref = fieldAt(e, 'valueFrom', 'secretKeyRef');
          if (!isObject(ref)) return;
          const secret = asString(ref.name);
          out.push({
            path: `${c.path}/env/${i}/valueFrom/secretKeyRef`,
            message: `${describeContainer(c)} reads Secret ${secret !== undefined ? `"${secret}"` : '(unnamed)'} into env var ${asString(fieldAt(e, 'name')) ?? '(unnamed)'}`,
          });
        });
        asArray(c.container.envFrom).forEach((e, i) => {
          const ref = fieldAt(e, 'secretRef');
          if (!isObject(ref)) return;
          const secret = asString(ref.name);
          out.push({
            path: `${c.path}/envFrom/${i}/secretRef`,
            message: `${describeContainer(c)} imports every key of Secret ${secret !== undefined ? `"${secret}"` : '(unnamed)'} as env vars`,
          });
        });
        return out;
      }),
    examples: {
      valid: [
        deployment(`
          containers:
          - name: api
            image: ${IMG}
            env:
            - name: DB_PASSWORD_FILE
              value: /run/secrets/db/password
            volumeMounts: [{name: db, mountPath: /run/secrets/db, readOnly: true}]
          volumes:
          - name: db
            secret: {secretName: api-db}
        `),
      ],
      invalid: [
        deployment(`
          containers:
          - name: api
            image: ${IMG}
            env:
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef: {name: api-db, key: password}
            envFrom:
            - secretRef: {name: api-keys}
        `),
      ],
    },
  }),

  defineRule({
    id: 'duplicate-env-var',
    title: 'Environment variable defined twice',
    severity: 'low',
    category: 'workload',
    tags: ['correctness', 'reliability'],
    appliesTo: 'workloads',
    description:
      'When a container lists the same environment variable twice, only the last definition takes effect: the earlier ' +
      'one, often the one a reviewer looks at, is silently ignored.',
    remediation: 'Remove all but one definition of the variable.',
    references: [ENV_DOC],
    check: (resource) =>
      perContainer(resource, (c) => {
        const first = new Map<string, number>();
        const out: Omit<Violation, 'container'>[] = [];
        asArray(c.container.env).forEach((e, i) => {
          const name = asString(fieldAt(e, 'name'));
          if (name === undefined) return;
          const earlier = first.get(name);
          if (earlier === undefined) first.set(name, i);
          else out.push({ path: `${c.path}/env/${i}/name`, message: `${describeContainer(c)} defines env var ${name} again (first at env[${earlier}]); only the last definition takes effect` });
        });
        return out;
      }),
    examples: {
      valid: [
        pod(`
          containers:
          - name: web
            image: ${IMG}
            env:
            - {name: LOG_LEVEL, value: info}
            - {name: PORT, value: "8080"}
        `),
      ],
      invalid: [
        pod(`
          containers:
          - name: web
            image: ${IMG}
            env:
            - {name: LOG_LEVEL, value: info}
            - {name: PORT, value: "8080"}
            - {name: LOG_LEVEL, value: debug}
        `),
      ],
    },
  }),

  // ============================== Capabilities ==============================
  defineRule({
    id: 'net-raw-not-dropped',
    title: 'NET_RAW capability not dropped',
    severity: 'low',
    ...HARDENING,
    tags: ['security'],
    description:
      'Container runtimes grant NET_RAW by default. It allows crafting raw packets: ARP and DNS spoofing against other pods ' +
      'on the node and exploiting kernel networking bugs. Dropping ALL or NET_RAW removes it. Privileged and Windows ' +
      'containers are not checked (privileged-container reports the former).',
    remediation: 'Add NET_RAW (or better ALL) to securityContext.capabilities.drop.',
    references: [SECURITY_CONTEXT_DOC, CAPABILITIES_MAN],
    check: (resource) =>
      perContainer(resource, (c) => {
        if (isWindows(c.pod)) return undefined;
        const sc = containerSc(c);
        if (sc?.privileged === true) return undefined;
        const drop = asArray(fieldAt(sc, 'capabilities', 'drop')).map(capabilityName);
        if (drop.includes('ALL') || drop.includes('NET_RAW')) return undefined;
        return {
          path: existingPath(c.path, c.container, 'securityContext', 'capabilities', 'drop'),
          // The drop list: capabilities-drop-all names it too, and dropping ALL fixes both.
          cause: `${c.path}/securityContext/capabilities/drop`,
          message: `${describeContainer(c)} does not drop the NET_RAW capability`,
        };
      }),
    examples: {
      valid: [
        pod(`
          containers:
          - name: web
            image: ${IMG}
            securityContext:
              capabilities: {drop: [ALL]}
        `),
        pod(`
          containers:
          - name: web
            image: ${IMG}
            securityContext:
              capabilities: {drop: [NET_RAW]}
        `),
      ],
      invalid: [
        pod(`
          containers:
          - name: web
            image: ${IMG}
        `),
        pod(`
          containers:
          - name: web
            image: ${IMG}
            securityContext:
              capabilities: {drop: [SYS_ADMIN]}
        `),
      ],
    },
  }),

  defineRule({
    id: 'dangerous-capabilities',
    title: 'Capability that reaches beyond the container added',
    severity: 'high',
    ...HARDENING,
    tags: ['security', 'nsa'],
    description:
      'Some capabilities reach beyond the container. High: those behind known container escapes or control of the node\'s ' +
      'kernel (ALL, SYS_ADMIN, SYS_MODULE, SYS_RAWIO, DAC_READ_SEARCH, BPF, MAC_ADMIN). Medium: those that act on ' +
      'node-wide state without leaving the container (SYS_TIME sets the node\'s clock; SYS_BOOT loads a kernel for kexec, and ' +
      'reboots the node only from the node\'s process namespace; PERFMON, SYSLOG, MAC_OVERRIDE), NET_ADMIN, which configures ' +
      'the pod\'s own network (high with hostNetwork: the node\'s), and SYS_PTRACE, which reaches the pod\'s own processes (high ' +
      'with hostPID: every process of the node). Each finding says what the capability allows (capabilities(7)). ' +
      'The PSS rules reject every addition outside the default set; this rule singles out the ones with reach of their own.',
    remediation: 'Remove the capability from securityContext.capabilities.add; move the privileged task to a narrowly scoped, audited component if it is truly needed.',
    references: [CAPABILITIES_MAN, SECURITY_CONTEXT_DOC],
    check: (resource) =>
      perContainer(resource, (c) => {
        if (isWindows(c.pod)) return undefined;
        const out: Omit<Violation, 'container'>[] = [];
        asArray(fieldAt(containerSc(c), 'capabilities', 'add')).forEach((cap, i) => {
          const name = capabilityName(cap);
          const entry = name !== undefined ? DANGEROUS_CAPABILITIES[name] : undefined;
          if (entry === undefined) return;
          const severity: Severity = (name === 'NET_ADMIN' && c.pod.spec.hostNetwork === true) || (name === 'SYS_PTRACE' && c.pod.spec.hostPID === true) ? 'high' : entry.severity;
          out.push({
            path: `${c.path}/securityContext/capabilities/add/${i}`,
            cause: `${c.path}/securityContext/capabilities/add/${i}`,
            message: `${describeContainer(c)} adds ${name === 'ALL' ? 'ALL capabilities' : `capability ${name}`} (${entry.what(c.pod)})`,
            ...(severity !== 'high' ? { severity } : {}),
          });
        });
        return out;
      }),
    examples: {
      valid: [
        pod(`
          containers:
          - name: web
            image: ${IMG}
            securityContext:
              capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
        `),
      ],
      invalid: [
        pod(`
          containers:
          - name: vpn
            image: ${IMG}
            securityContext:
              capabilities: {add: [NET_ADMIN, SYS_ADMIN]}
        `),
        pod(`
          containers:
          - name: debug
            image: ${IMG}
            securityContext:
              capabilities: {add: [cap_sys_ptrace]}
        `),
      ],
    },
  }),

  // ============================== Ports ==============================
  defineRule({
    id: 'ssh-port-exposed',
    title: 'Container exposes the SSH port',
    severity: 'medium',
    category: 'workload',
    tags: ['security', 'ports'],
    appliesTo: 'workloads',
    description:
      'A container declaring port 22 usually runs an SSH server: a long-lived remote shell that bypasses Kubernetes RBAC ' +
      'and audit logging (kubectl exec exists for debugging).',
    remediation: 'Remove the SSH server from the image and use kubectl exec or ephemeral debug containers.',
    references: [SECURITY_CHECKLIST, 'https://kubernetes.io/docs/tasks/debug/debug-application/debug-running-pod/#ephemeral-container'],
    check: (resource) =>
      perContainer(resource, (c) => {
        const out: Omit<Violation, 'container'>[] = [];
        asArray(c.container.ports).forEach((p, i) => {
          if (!isObject(p) || p.containerPort !== 22) return;
          const protocol = p.protocol ?? 'TCP';
          if (protocol !== 'TCP') return;
          out.push({ path: `${c.path}/ports/${i}/containerPort`, message: `${describeContainer(c)} exposes port 22 (SSH)` });
        });
        return out;
      }),
    examples: {
      valid: [
        pod(`
          containers:
          - name: web
            image: ${IMG}
            ports: [{containerPort: 8080, name: http}]
        `),
      ],
      invalid: [
        pod(`
          containers:
          - name: web
            image: ${IMG}
            ports:
            - {containerPort: 8080, name: http}
            - {containerPort: 22, name: ssh}
        `),
      ],
    },
  }),

  defineRule({
    id: 'privileged-container-port',
    title: 'Container listens on a privileged port',
    severity: 'low',
    category: 'workload',
    tags: ['security', 'ports'],
    appliesTo: 'workloads',
    optIn: true,
    description:
      'Binding a port below 1024 traditionally needs root or NET_BIND_SERVICE, which is a common reason images keep ' +
      'running as root. A Service can expose port 80 while the container listens on 8080. Port 22 is reported by ssh-port-exposed.',
    remediation: 'Make the application listen on a port of 1024 or above and map it in the Service (port: 80, targetPort: 8080).',
    references: [SECURITY_CONTEXT_DOC, 'https://kubernetes.io/docs/concepts/services-networking/service/#defining-a-service'],
    check: (resource) =>
      perContainer(resource, (c) => {
        const out: Omit<Violation, 'container'>[] = [];
        asArray(c.container.ports).forEach((p, i) => {
          const port = fieldAt(p, 'containerPort');
          if (!isInt(port) || port < 1 || port >= 1024 || port === 22) return;
          out.push({ path: `${c.path}/ports/${i}/containerPort`, message: `${describeContainer(c)} listens on privileged port ${port}` });
        });
        return out;
      }),
    examples: {
      valid: [
        pod(`
          containers:
          - name: web
            image: ${IMG}
            ports: [{containerPort: 8080, name: http}]
        `),
      ],
      invalid: [
        pod(`
          containers:
          - name: web
            image: ${IMG}
            ports: [{containerPort: 80, name: http}]
        `),
      ],
    },
  }),

  // ============================== Pod-level settings ==============================
  defineRule({
    id: 'host-aliases',
    title: 'Pod overrides host name resolution',
    severity: 'low',
    category: 'workload',
    tags: ['security'],
    appliesTo: 'workloads',
    description:
      'spec.hostAliases writes entries into the pod\'s /etc/hosts, overriding DNS for those names. It hides where traffic ' +
      'really goes, can redirect it to unexpected endpoints and silently breaks when the target IP changes.',
    remediation: 'Remove hostAliases and publish the names through DNS (a Service, ExternalName Service or CoreDNS configuration).',
    references: [HOST_ALIASES_DOC],
    check: (resource) =>
      perPod(resource, (pod) => {
        const aliases = pod.spec.hostAliases;
        if (!Array.isArray(aliases) || aliases.length === 0) return undefined;
        const names = aliases.flatMap((a) => asArray(fieldAt(a, 'hostnames')).filter((h): h is string => typeof h === 'string'));
        return { path: `${pod.path}/hostAliases`, message: `the pod overrides name resolution with hostAliases${names.length ? ` for ${names.join(', ')}` : ''}` };
      }),
    examples: {
      valid: [
        pod(`
          containers:
          - name: web
            image: ${IMG}
        `),
      ],
      invalid: [
        pod(`
          hostAliases:
          - ip: 10.1.2.3
            hostnames: [payments.internal]
          containers:
          - name: web
            image: ${IMG}
        `),
      ],
    },
  }),

  defineRule({
    id: 'share-process-namespace',
    title: 'Containers share a process namespace',
    severity: 'low',
    category: 'workload',
    tags: ['security'],
    appliesTo: 'workloads',
    description:
      'With shareProcessNamespace: true every container of the pod sees and can signal the others\' processes, and can ' +
      'read their filesystems and environment (including secrets) through /proc/<pid>/root and /proc/<pid>/environ.',
    remediation: 'Remove shareProcessNamespace unless a sidecar truly needs it; use an ephemeral debug container with --target for debugging.',
    references: [SHARE_PROCESS_DOC],
    check: (resource) =>
      perPod(resource, (pod) =>
        pod.spec.shareProcessNamespace === true
          ? { path: `${pod.path}/shareProcessNamespace`, message: 'the pod shares one process namespace between all its containers' }
          : undefined,
      ),
    examples: {
      valid: [
        pod(`
          shareProcessNamespace: false
          containers:
          - name: web
            image: ${IMG}
        `),
      ],
      invalid: [
        pod(`
          shareProcessNamespace: true
          containers:
          - name: web
            image: ${IMG}
          - name: log-shipper
            image: registry.example.com/ops/shipper:1.0.3
        `),
      ],
    },
  }),

  defineRule({
    id: 'security-context-missing',
    title: 'No security context at all',
    severity: 'info',
    ...HARDENING,
    tags: ['security', 'cis'],
    frameworks: { cis: ['5.7.3'] },
    optIn: true,
    description:
      'A container with no securityContext, in a pod with none, runs with every runtime default: as the image\'s user ' +
      '(often root), with a writable root filesystem and the default capabilities. The specific rules report each ' +
      'consequence; this one is a single summary signal per container.',
    remediation: 'Add a securityContext, e.g. {runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}.',
    references: [SECURITY_CONTEXT_DOC],
    check: (resource) =>
      perContainer(resource, (c) => {
        const own = c.container.securityContext;
        const podLevel = c.pod.spec.securityContext;
        const empty = (v: unknown): boolean => !isObject(v) || Object.keys(v).length === 0;
        if (!empty(own) || !empty(podLevel)) return undefined;
        return { path: existingPath(c.path, c.container, 'securityContext'), message: `${describeContainer(c)} has no securityContext, and neither has its pod` };
      }),
    examples: {
      valid: [
        pod(`
          securityContext: {runAsNonRoot: true}
          containers:
          - name: web
            image: ${IMG}
        `),
      ],
      invalid: [
        pod(`
          containers:
          - name: web
            image: ${IMG}
        `),
      ],
    },
  }),

  defineRule({
    id: 'linux-hardening-missing',
    title: 'No Linux hardening mechanism at all',
    severity: 'low',
    ...HARDENING,
    tags: ['security', 'hardening', 'seccomp', 'apparmor', 'selinux', 'capabilities'],
    optIn: true,
    description:
      'The container uses none of the four kernel mechanisms that restrict what a compromised process can do: a seccomp ' +
      'profile (its own seccompProfile.type, else the pod\'s, is RuntimeDefault or Localhost), an AppArmor profile ' +
      '(appArmorProfile.type RuntimeDefault or Localhost on the container or the pod, or the ' +
      'container.apparmor.security.beta.kubernetes.io/<container> annotation set to runtime/default or localhost/<profile>), ' +
      'SELinux options (seLinuxOptions with at least one field, on the container or the pod), or dropped capabilities ' +
      '(capabilities.drop lists at least one, and add does not list ALL). Any one of them is enough here. This is the ' +
      'any-of baseline some tools ask for; the Restricted profile requires a seccomp profile and dropping ALL capabilities ' +
      'on their own (seccomp-profile-required, capabilities-drop-all), which is why this rule is off by default. Windows pods ' +
      'are not checked.',
    remediation: 'Set spec.securityContext.seccompProfile.type: RuntimeDefault on the pod and drop capabilities the process does not need (capabilities.drop: [ALL]).',
    references: [SECURITY_CONTEXT_DOC, 'https://kubernetes.io/docs/tutorials/security/seccomp/', 'https://kubernetes.io/docs/tutorials/security/apparmor/'],
    check: (resource) =>
      perContainer(resource, (c) => {
        if (isWindows(c.pod)) return undefined;
        if (linuxHardeningOf(c) !== undefined) return undefined;
        return {
          path: existingPath(c.path, c.container, 'securityContext'),
          message: `${describeContainer(c)} uses no seccomp profile, AppArmor profile, SELinux options or dropped capabilities`,
        };
      }),
    examples: {
      valid: [
        pod(`
          securityContext: {seccompProfile: {type: RuntimeDefault}}
          containers:
          - name: web
            image: ${IMG}
        `),
        pod(`
          containers:
          - name: web
            image: ${IMG}
            securityContext: {capabilities: {drop: [NET_RAW]}}
        `),
        pod(`
          securityContext: {seLinuxOptions: {level: "s0:c123,c456"}}
          containers:
          - name: web
            image: ${IMG}
        `),
      ],
      invalid: [
        pod(`
          containers:
          - name: web
            image: ${IMG}
        `),
        pod(`
          securityContext: {seccompProfile: {type: RuntimeDefault}}
          containers:
          - name: web
            image: ${IMG}
            securityContext: {seccompProfile: {type: Unconfined}, capabilities: {drop: [ALL], add: [ALL]}}
        `),
      ],
    },
  }),

  defineRule({
    id: 'user-namespace-disabled',
    title: 'Pod does not use a user namespace',
    severity: 'low',
    ...HARDENING,
    tags: ['security'],
    optIn: true,
    description:
      'With spec.hostUsers: false the pod runs in its own user namespace: root inside the container maps to an ' +
      'unprivileged user on the node, which defeats many container escapes. It needs Kubernetes 1.33+ (on by default) ' +
      'and a supporting runtime and filesystem, and cannot be combined with host namespaces. Windows pods are not checked.',
    remediation: 'Set spec.hostUsers: false.',
    references: [USER_NAMESPACES_DOC],
    check: (resource) =>
      perPod(resource, (pod) => {
        if (isWindows(pod) || pod.spec.hostUsers === false) return undefined;
        return {
          path: existingPath(pod.path, pod.spec, 'hostUsers'),
          message: pod.spec.hostUsers === true ? 'the pod sets hostUsers: true and shares the node\'s user namespace' : 'the pod does not set hostUsers: false, so it shares the node\'s user namespace',
        };
      }),
    examples: {
      valid: [
        pod(`
          hostUsers: false
          containers:
          - name: web
            image: ${IMG}
        `),
      ],
      invalid: [
        pod(`
          containers:
          - name: web
            image: ${IMG}
        `),
      ],
    },
  }),
];
