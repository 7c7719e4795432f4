/**
 * Facts and helpers shared by the Pod Security Standards rules: the policy versions and how the
 * rules find theirs, the allow-lists of each control and how they changed from version to
 * version, and the pod-level exemptions (Windows pods, user-namespace pods) the standards define.
 *
 * The lists follow the Pod Security admission controller (k8s.io/pod-security-admission),
 * which is the reference implementation of the standards; where the published page lags
 * behind it (image volumes, the 1.32 sysctls) the controller wins, because that is what a
 * cluster will actually admit.
 */
import type { ContainerView, PodSpecView } from './pods.js';
import type { JsonObject, Resource } from '../core/types.js';
import { asObject, asString } from '../core/values.js';

const PSS_URL = 'https://kubernetes.io/docs/concepts/security/pod-security-standards/';
export const PSS_BASELINE_URL = `${PSS_URL}#baseline`;
export const PSS_RESTRICTED_URL = `${PSS_URL}#restricted`;
export const USER_NAMESPACES_PSS_URL = 'https://kubernetes.io/docs/concepts/workloads/pods/user-namespaces/#integration-with-pod-security-admission-checks';

/**
 * A Pod Security Standards policy version is v1.N: N is all there is to compare (Pod Security
 * Admission has only major version 1). The standard changed at these versions, as the admission
 * controller's versioned checks (policy/check_*.go, `MinimumVersion`) record them:
 *
 * | since | change | rules |
 * | --- | --- | --- |
 * | v1.0 | the Baseline controls; seccomp judged by the seccomp.security.alpha.kubernetes.io annotations | all Baseline, seccomp-unconfined |
 * | v1.0 | Restricted volume types and runAsNonRoot | restricted-volume-types, run-as-non-root |
 * | v1.8 | Restricted requires allowPrivilegeEscalation: false | allow-privilege-escalation |
 * | v1.19 | seccomp judged by securityContext.seccompProfile.type; Restricted requires a profile | seccomp-unconfined, seccomp-profile-required |
 * | v1.22 | Restricted requires dropping ALL capabilities and adding back at most NET_BIND_SERVICE | capabilities-drop-all, restricted-capabilities-add |
 * | v1.23 | Restricted forbids runAsUser: 0 | run-as-root-user |
 * | v1.25 | Windows pods (spec.os.name: windows) exempt from the Linux-only Restricted controls | allow-privilege-escalation, seccomp-profile-required, capabilities-drop-all, restricted-capabilities-add |
 * | v1.27 | safe sysctl net.ipv4.ip_local_reserved_ports | unsafe-sysctls |
 * | v1.29 | safe sysctls net.ipv4.tcp_keepalive_time, tcp_fin_timeout, tcp_keepalive_intvl, tcp_keepalive_probes | unsafe-sysctls |
 * | v1.31 | SELinux type container_engine_t | selinux-options |
 * | v1.32 | safe sysctls net.ipv4.tcp_rmem, tcp_wmem | unsafe-sysctls |
 * | v1.34 | probes and lifecycle handlers must not set host | host-probes-lifecycle |
 * | v1.35 | pods with hostUsers: false: Baseline allows any procMount, Restricted still requires Default; runAsNonRoot and runAsUser not checked | proc-mount, proc-mount-restricted, run-as-non-root, run-as-root-user |
 * | v1.37 | safe sysctls net.ipv4.tcp_slow_start_after_idle, tcp_notsent_lowat | unsafe-sysctls |
 *
 * Two later changes were made to the controller's v1.0 checks rather than as new versions, so
 * they hold at every policy version, and here too: the image volume type is allowed by
 * Restricted (Kubernetes 1.33), and the appArmorProfile fields are judged (Kubernetes 1.30).
 */
export const PSS_NEWEST_MINOR = 37;

export type PssLevel = 'baseline' | 'restricted';

/** A policy version as written: "latest", or v1.N as its minor number N. */
export type PssVersionSpec = number | 'latest';

/** "Pod Security Standards v1.34", for messages. */
export function pssName(minor: number): string {
  return `Pod Security Standards v1.${minor}`;
}

/**
 * Reads a policy version exactly as Pod Security Admission reads its `*-version` labels:
 * "latest" or "v1.N" with N written without leading zeros. Anything else is undefined.
 */
export function parsePssVersion(text: string): PssVersionSpec | undefined {
  if (text === 'latest') return 'latest';
  const m = /^v1\.(0|[1-9][0-9]*)$/.exec(text);
  if (!m) return undefined;
  const minor = Number(m[1]);
  return Number.isSafeInteger(minor) ? minor : undefined;
}

/** Why a `--pss-version` or `pssVersion` value is refused, with the value it most likely meant; undefined when it is valid. */
export function pssVersionProblem(text: string): string | undefined {
  if (parsePssVersion(text) !== undefined) return undefined;
  const expected = 'expected "latest" or "v1.N", as the pod-security.kubernetes.io/enforce-version label takes them';
  const loose = /^[vV]?1\.0*(\d+)(?:\.\d+)*$/.exec(text.trim());
  const hint = loose ? `; did you mean "v1.${Number(loose[1])}"?` : text.trim().toLowerCase() === 'latest' ? '; did you mean "latest"?' : '';
  return `${expected}, got ${JSON.stringify(text)}${hint}`;
}

/**
 * The version a policy version is judged as. Pod Security Admission evaluates a version newer than
 * the newest it knows as that newest one, and "latest" as that newest one: so does kshield, with
 * the target cluster's minor version (when known) as the newest, capped by the newest kshield knows.
 */
export function effectivePssMinor(spec: PssVersionSpec, clusterMinor?: number): number {
  const newest = clusterMinor === undefined ? PSS_NEWEST_MINOR : Math.max(0, Math.min(clusterMinor, PSS_NEWEST_MINOR));
  return spec === 'latest' ? newest : Math.min(spec, newest);
}

const PSA_LABEL_PREFIX = 'pod-security.kubernetes.io/';
const PSA_MODES = ['enforce', 'warn', 'audit'] as const;

/**
 * The version a namespace's Pod Security Admission labels apply to each level's rules; a level
 * left undefined takes the scan's own version (`--pss-version`, standing for the cluster's
 * configured defaults, which the API does not show).
 */
export interface NamespacePssVersions {
  baseline?: PssVersionSpec;
  restricted?: PssVersionSpec;
}

/**
 * Reads a namespace's labels. For each level, the first mode of enforce, warn and audit that
 * judges that level decides its version: a mode whose level label includes it (restricted
 * includes baseline), or a mode with a version label and no level label (its level is the
 * cluster's default, which kshield cannot see). That mode's `-version` label gives the version;
 * without one the scan's own version applies. Labels are read as Pod Security Admission reads
 * them: an invalid version is latest, an invalid enforce level is restricted, an invalid warn or
 * audit level is privileged. Undefined when no label decides anything.
 */
export function namespacePssVersions(labels: Readonly<Record<string, unknown>> | undefined): NamespacePssVersions | undefined {
  if (!labels) return undefined;
  const out: NamespacePssVersions = {};
  let decided = false;
  for (const level of ['baseline', 'restricted'] as const) {
    for (const mode of PSA_MODES) {
      const levelLabel = labels[PSA_LABEL_PREFIX + mode];
      const versionLabel = labels[`${PSA_LABEL_PREFIX}${mode}-version`];
      if (typeof levelLabel === 'string') {
        const parsed = levelLabel === 'privileged' || levelLabel === 'baseline' || levelLabel === 'restricted' ? levelLabel : mode === 'enforce' ? 'restricted' : 'privileged';
        if (parsed === 'privileged' || (parsed === 'baseline' && level === 'restricted')) continue;
      } else if (typeof versionLabel !== 'string') continue;
      if (typeof versionLabel === 'string') {
        out[level] = parsePssVersion(versionLabel) ?? 'latest';
        decided = true;
      }
      break;
    }
  }
  return decided ? out : undefined;
}

/** What the Pod Security Standards rules need of the settings (see RuleSettings). */
export interface PssSettings {
  pssVersion: string;
  pssClusterMinor?: number;
  pssNamespaces?: ReadonlyMap<string, NamespacePssVersions>;
}

const parsedSettings = new Map<string, PssVersionSpec>();

function settingSpec(setting: string): PssVersionSpec {
  let spec = parsedSettings.get(setting);
  if (spec === undefined) {
    // Flags and configuration are validated where they are read; anything else is taken as latest.
    spec = parsePssVersion(setting) ?? 'latest';
    if (parsedSettings.size < 64) parsedSettings.set(setting, spec);
  }
  return spec;
}

/** The policy version (its minor number) at which a level's rules judge this object. */
export function pssMinor(resource: Pick<Resource, 'namespace'>, level: PssLevel, settings: PssSettings): number {
  const ns = resource.namespace !== undefined ? settings.pssNamespaces?.get(resource.namespace) : undefined;
  return effectivePssMinor(ns?.[level] ?? settingSpec(settings.pssVersion), settings.pssClusterMinor);
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

const safeSysctlSets = new Map<number, ReadonlySet<string>>();

/** The safe sysctls of a policy version. */
export function safeSysctls(minor: number): ReadonlySet<string> {
  let set = safeSysctlSets.get(minor);
  if (!set) {
    set = new Set(SAFE_SYSCTLS.filter(([, since]) => minor >= since).map(([name]) => name));
    safeSysctlSets.set(minor, set);
  }
  return set;
}

/** The policy version that made a sysctl safe, if one did. */
export function sysctlSafeSince(name: string): number | undefined {
  return SAFE_SYSCTLS.find(([n]) => n === name)?.[1];
}

const SELINUX_TYPES_1_0: ReadonlySet<string> = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const SELINUX_TYPES_1_31: ReadonlySet<string> = new Set([...SELINUX_TYPES_1_0, 'container_engine_t']);
/** The policy version that allowed SELinux type container_engine_t. */
export const SELINUX_ENGINE_TYPE_SINCE = 31;

/** SELinux types a pod or container may request at a policy version; "" means "not set". */
export function allowedSelinuxTypes(minor: number): ReadonlySet<string> {
  return minor >= SELINUX_ENGINE_TYPE_SINCE ? SELINUX_TYPES_1_31 : SELINUX_TYPES_1_0;
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
  return asObject(pod.spec.securityContext);
}

/** The container-level securityContext, if it is a mapping. */
export function containerSecurityContext(c: ContainerView): JsonObject | undefined {
  return asObject(c.container.securityContext);
}

/** Where to point when a required container setting is missing: its securityContext, else the container. */
export function missingSettingPath(c: ContainerView): string {
  return containerSecurityContext(c) ? `${c.path}/securityContext` : c.path;
}

/** Policy versions at which a control starts to apply or changes (see the table at the top). */
export const SINCE = {
  /** Restricted: allowPrivilegeEscalation must be false. */
  privilegeEscalation: 8,
  /** Seccomp is judged by the securityContext field, no longer the annotations; Restricted requires a profile. */
  seccompField: 19,
  /** Restricted: drop ALL capabilities, add back at most NET_BIND_SERVICE. */
  restrictedCapabilities: 22,
  /** Restricted: runAsUser must not be 0. */
  runAsUser: 23,
  /** Windows pods are exempt from the Linux-only Restricted controls. */
  windowsExemption: 25,
  /** Probes and lifecycle handlers must not set host. */
  hostProbes: 34,
  /** Pods with their own user namespace are relaxed. */
  userNamespaces: 35,
} as const;

/** Whether the pod declares spec.os.name: windows, exactly as the admission controller compares it. */
export function isWindowsPod(pod: PodSpecView): boolean {
  const os = asObject(pod.spec.os);
  return os !== undefined && asString(os.name) === 'windows';
}

/**
 * From policy version 1.25 the Restricted controls for privilege escalation, seccomp and
 * capabilities only apply when spec.os.name is not "windows" (those fields mean nothing there).
 */
export function windowsExempt(pod: PodSpecView, minor: number): boolean {
  return minor >= SINCE.windowsExemption && isWindowsPod(pod);
}

/**
 * Pods with their own user namespace (spec.hostUsers: false) are exempt from the runAsNonRoot and
 * runAsUser controls, and from the Baseline /proc mount control, from policy version 1.35 on:
 * root in such a pod is not root on the node. Before 1.35 this hung on an alpha feature gate that
 * was off by default and has been removed (kubernetes/kubernetes#132157), so it is not applied.
 */
export function userNamespaceRelaxed(pod: PodSpecView, minor: number): boolean {
  return pod.spec.hostUsers === false && minor >= SINCE.userNamespaces;
}

/** seccomp annotations, judged instead of the fields before policy version 1.19. */
export const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
export const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';

/** Values the seccomp annotations may take: runtime/default, docker/default or localhost/<profile>. */
export function seccompAnnotationAllowed(value: unknown): boolean {
  return typeof value === 'string' && (value === 'runtime/default' || value === 'docker/default' || value.startsWith('localhost/'));
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
