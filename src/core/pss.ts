/**
 * Facts and helpers shared by the Pod Security Standards rules: the allow-lists of each
 * control, how they changed with the Kubernetes version, and the pod-level exemptions
 * (Windows pods, user-namespace pods) the standards define.
 *
 * The lists follow the Pod Security admission controller (k8s.io/pod-security-admission),
 * which is the reference implementation of the standards; where the published page lags
 * behind it (image volumes, the 1.32 sysctls) the controller wins, because that is what a
 * cluster will actually admit.
 */
import type { ContainerView, PodSpecView } from './pods.js';
import type { JsonObject } from './types.js';
import { obj, str } from './values.js';

export const PSS_URL = 'https://kubernetes.io/docs/concepts/security/pod-security-standards/';
export const PSS_BASELINE_URL = `${PSS_URL}#baseline`;
export const PSS_RESTRICTED_URL = `${PSS_URL}#restricted`;
export const USER_NAMESPACES_PSS_URL = 'https://kubernetes.io/docs/concepts/workloads/pods/user-namespaces/#integration-with-pod-security-admission-checks';

export interface MinorVersion {
  major: number;
  minor: number;
}

/** Newest policy version these rules know: an unreadable setting means "latest", as for PSA's `latest`. */
const LATEST: MinorVersion = { major: 1, minor: 37 };

/** Reads "1.34", "v1.34", "1.34.2" or "latest"; anything else counts as the latest version. */
export function parseMinorVersion(version: string | undefined): MinorVersion {
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?$/.exec((version ?? '').trim());
  if (!m) return LATEST;
  return { major: Number(m[1]), minor: Number(m[2]) };
}

export function versionAtLeast(version: string | undefined, major: number, minor: number): boolean {
  const v = parseMinorVersion(version);
  return v.major > major || (v.major === major && v.minor >= minor);
}

/**
 * Capabilities the Baseline profile lets a container add: the container runtime's default set,
 * without NET_RAW. Comparison is exact, as in PSA ("chown" or "CAP_CHOWN" are not accepted).
 */
export const BASELINE_ALLOWED_CAPABILITIES: ReadonlySet<string> = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD',
  'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);

/** The only capability Restricted lets a container add back after dropping ALL. */
export const RESTRICTED_ALLOWED_CAPABILITY = 'NET_BIND_SERVICE';

/** Safe sysctls and the policy version that first allowed each. */
const SAFE_SYSCTLS: readonly (readonly [string, number])[] = [
  ['kernel.shm_rmid_forced', 0],
  ['net.ipv4.ip_local_port_range', 0],
  ['net.ipv4.tcp_syncookies', 0],
  ['net.ipv4.ping_group_range', 0],
  ['net.ipv4.ip_unprivileged_port_start', 0],
  ['net.ipv4.ip_local_reserved_ports', 27],
  ['net.ipv4.tcp_keepalive_time', 29],
  ['net.ipv4.tcp_fin_timeout', 29],
  ['net.ipv4.tcp_keepalive_intvl', 29],
  ['net.ipv4.tcp_keepalive_probes', 29],
  ['net.ipv4.tcp_rmem', 32],
  ['net.ipv4.tcp_wmem', 32],
  ['net.ipv4.tcp_slow_start_after_idle', 37],
  ['net.ipv4.tcp_notsent_lowat', 37],
];

export function safeSysctls(version: string | undefined): Set<string> {
  const v = parseMinorVersion(version);
  const out = new Set<string>();
  for (const [name, since] of SAFE_SYSCTLS) if (v.major > 1 || v.minor >= since) out.add(name);
  return out;
}

/** SELinux types a pod or container may request; "" means "not set". */
export function allowedSelinuxTypes(version: string | undefined): Set<string> {
  const out = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
  if (versionAtLeast(version, 1, 31)) out.add('container_engine_t');
  return out;
}

/**
 * Volume sources the Restricted profile allows. `image` is not on the published page yet, but the
 * admission controller has accepted it since Kubernetes 1.33 (kubernetes/kubernetes#130394) and
 * the page is being corrected (kubernetes/website#55370).
 */
export const RESTRICTED_VOLUME_SOURCES: ReadonlySet<string> = new Set([
  'configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret',
]);

export const SECCOMP_ALLOWED_TYPES: ReadonlySet<string> = new Set(['RuntimeDefault', 'Localhost']);
export const APPARMOR_ALLOWED_TYPES: ReadonlySet<string> = new Set(['RuntimeDefault', 'Localhost']);
export const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

/** The pod-level securityContext, if it is a mapping. */
export function podSecurityContext(pod: PodSpecView): JsonObject | undefined {
  return obj(pod.spec.securityContext);
}

/** The container-level securityContext, if it is a mapping. */
export function containerSecurityContext(c: ContainerView): JsonObject | undefined {
  return obj(c.container.securityContext);
}

/** Where to point when a required container setting is missing: its securityContext, else the container. */
export function missingSettingPath(c: ContainerView): string {
  return containerSecurityContext(c) ? `${c.path}/securityContext` : c.path;
}

/** Where to point when a required pod setting is missing: its securityContext, else the pod spec. */
export function missingPodSettingPath(pod: PodSpecView): string {
  return podSecurityContext(pod) ? `${pod.path}/securityContext` : pod.path;
}

/**
 * Since policy version 1.25 the Restricted controls for privilege escalation, seccomp and
 * capabilities only apply when spec.os.name is not "windows" (those fields mean nothing there).
 */
export function windowsExempt(pod: PodSpecView, version: string | undefined): boolean {
  const os = obj(pod.spec.os);
  return versionAtLeast(version, 1, 25) && os !== undefined && str(os.name) === 'windows';
}

/**
 * Pods with their own user namespace (spec.hostUsers: false) are exempt from the runAsNonRoot and
 * runAsUser controls, and from the Baseline /proc mount control, from policy version 1.35 on:
 * root in such a pod is not root on the node. Before 1.35 this hung on an alpha feature gate that
 * was off by default, so it is not applied.
 */
export function userNamespaceRelaxed(pod: PodSpecView, version: string | undefined): boolean {
  return pod.spec.hostUsers === false && versionAtLeast(version, 1, 35);
}

/** A value that counts as "set" for fields whose allowed values are undefined/nil. */
export function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** Short, safe rendering of a manifest value for messages. */
export function show(value: unknown): string {
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
