/**
 * hostPath volumes: which node paths a pod mounts, and which class of node path each is (the node's
 * root, the container runtime socket, credentials, system directories, logs). Each path belongs to at
 * most one class (the first that matches, most severe first), so one mount is never reported twice.
 */
import type { Resource } from '../core/types.js';
import { asArray, asString, fieldAt } from '../core/values.js';
import { containersOf, type PodSpecView } from './pods.js';
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

export function isWithin(path: string, dir: string): boolean {
  // "/" matches only itself here: mounting the root is its own class, not a parent of every path.
  return path === dir || path.startsWith(`${dir}/`);
}

export interface HostPathClass {
  rule: string;
  /** Host paths (normalised) and why each is sensitive. */
  paths: Record<string, string>;
  /** Whether mounting a parent directory of a listed path also belongs to this class. */
  parents: boolean | ((path: string) => boolean);
}

export const HOST_PATH_CLASSES: HostPathClass[] = [
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
export const HARMLESS_HOST_FILES = ['/etc/localtime', '/etc/timezone', '/usr/share/zoneinfo', '/etc/machine-id', '/etc/os-release', '/usr/lib/os-release'];

export const WINDOWS_RUNTIME_PIPES = ['\\\\.\\pipe\\docker_engine', '\\\\.\\pipe\\containerd-containerd'];

export interface HostPathMatch {
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

export interface HostVolume {
  name: string | undefined;
  path: string;
  pointer: string;
  /** The volume (`.../volumes/N`): the cause host-path-volume and writable-host-mount name too. */
  volume: string;
}

export function hostPathVolumes(pod: PodSpecView): HostVolume[] {
  const out: HostVolume[] = [];
  asArray(pod.spec.volumes).forEach((v, i) => {
    const path = asString(fieldAt(v, 'hostPath', 'path'));
    if (path !== undefined) out.push({ name: asString(fieldAt(v, 'name')), path, pointer: `${pod.path}/volumes/${i}/hostPath/path`, volume: `${pod.path}/volumes/${i}` });
  });
  return out;
}

export function volumeUsers(resource: Resource, pod: PodSpecView, volume: string | undefined): string[] {
  if (volume === undefined) return [];
  return containersOf(resource, pod)
    .filter((c) => asArray(c.container.volumeMounts).some((m) => fieldAt(m, 'name') === volume))
    .map((c) => c.name);
}

