/** Helpers the workload rules share. */
import { classifyHostPath, hostPathVolumes, volumeUsers } from '../../k8s/host-paths.js';
import type { InvalidExample, Rule, RuleContext, RuleMeta } from '../../engine/rule.js';
import type { Resource, Severity, Violation } from '../../core/types.js';
import { containersOf, podOs, type ContainerView, type PodSpecView } from '../../k8s/pods.js';
import { defineRule, perContainer, perPod, describeContainer } from '../define.js';
import { asArray, fieldAt, isObject, asObject } from '../../core/values.js';
import { escapePointerToken } from '../../core/pointer.js';

// ---------------------------------------------------------------------------------------------
// References.

export const SECURITY_CONTEXT_DOC = 'https://kubernetes.io/docs/tasks/configure-pod-container/security-context/';

export const RESOURCES_DOC = 'https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/';

export const LIMIT_RANGE_DOC = 'https://kubernetes.io/docs/concepts/policy/limit-range/';

export const SERVICE_ACCOUNT_DOC = 'https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/';

export const SERVICE_ACCOUNT_CONCEPT = 'https://kubernetes.io/docs/concepts/security/service-accounts/';

export const HOSTPATH_DOC = 'https://kubernetes.io/docs/concepts/storage/volumes/#hostpath';

export const SECRETS_GOOD_PRACTICES = 'https://kubernetes.io/docs/concepts/security/secrets-good-practices/';

export const ENV_DOC = 'https://kubernetes.io/docs/tasks/inject-data-application/define-environment-variable-container/';

export const CAPABILITIES_MAN = 'https://man7.org/linux/man-pages/man7/capabilities.7.html';

export const SECURITY_CHECKLIST = 'https://kubernetes.io/docs/concepts/security/security-checklist/';

// ---------------------------------------------------------------------------------------------
// Readers.

export function isWindows(pod: PodSpecView): boolean {
  return podOs(pod) === 'windows';
}

export function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

/** `base` plus the longest prefix of `keys` present below `root`: where a missing field would go. */
export function existingPath(base: string, root: unknown, ...keys: (string | number)[]): string {
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

export function containerSc(c: ContainerView): Record<string, unknown> | undefined {
  return asObject(c.container.securityContext);
}

export function podSc(pod: PodSpecView): Record<string, unknown> | undefined {
  return asObject(pod.spec.securityContext);
}

export function quoteList(names: string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}

/**
 * Checks a securityContext field that containers inherit from the pod. A container's own value
 * is reported on the container; a pod-level value once, and only when some container inherits it.
 */
export function inheritedSetting(
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
export function capabilityName(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const upper = value.trim().toUpperCase();
  return upper.startsWith('CAP_') ? upper.slice(4) : upper;
}

export function quantitySet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

export type ResourceName = 'cpu' | 'memory' | 'ephemeral-storage';

export type ResourceKind = 'requests' | 'limits';

/** Container defaults from LimitRanges scanned in the same namespace. */
export function limitRangeDefaults(resource: Resource, context: RuleContext): { limits: Set<string>; requests: Set<string> } {
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
export function resourceProvided(c: ContainerView, kind: ResourceKind, name: ResourceName, defaults: { limits: Set<string>; requests: Set<string> }): boolean {
  const own = (k: ResourceKind): boolean => quantitySet(fieldAt(c.container, 'resources', k, name));
  const podLevel = (k: ResourceKind): boolean => quantitySet(fieldAt(c.pod.spec, 'resources', k, name));
  if (own(kind) || podLevel(kind)) return true;
  if (kind === 'requests' && (own('limits') || podLevel('limits'))) return true;
  return defaults[kind].has(name);
}

/** Containers that can carry resources: ephemeral containers cannot. */
export function resourceContainers(resource: Resource, check: (c: ContainerView) => Omit<Violation, 'container'> | undefined): Violation[] {
  return perContainer(resource, (c) => (c.type === 'ephemeralContainers' ? undefined : check(c)));
}

export interface ResourceRuleSpec {
  id: string;
  title: string;
  severity: Severity;
  name: 'cpu' | 'memory';
  kind: ResourceKind;
  description: string;
  remediation: string;
  tags: string[];
  valid: string[];
  invalid: InvalidExample[];
}

export function resourceRule(spec: ResourceRuleSpec): Rule {
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

export interface HostMountRuleSpec {
  id: string;
  title: string;
  severity: Severity;
  description: string;
  remediation: string;
  tags: string[];
  valid: string[];
  invalid: InvalidExample[];
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
export const FILE_PERMISSION_BYPASS = ['ALL', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'CHOWN', 'SETUID', 'SETGID', 'SYS_ADMIN', 'SYS_PTRACE'];

export function intField(sc: Record<string, unknown> | undefined, field: string): number | undefined {
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
export function hostMountAccess(c: ContainerView, volume: string): { risk: string } | { user: string } {
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

export function hostMountRule(spec: HostMountRuleSpec): Rule {
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

export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Metadata shared by the rules that look at pod security contexts. */
export const HARDENING: Pick<RuleMeta, 'category' | 'appliesTo'> = { category: 'workload', appliesTo: 'workloads' };
