/**
 * The security-relevant fields of a pod spec, defined once: what `drift-from-last-applied` (live
 * object vs its kubectl.kubernetes.io/last-applied-configuration) and `drift-from-desired` (live
 * object vs the manifest in a `--desired` directory) compare, and when a difference weakens the
 * workload.
 *
 * Two objects of the same kind are compared pod spec by pod spec (same JSON Pointer), containers by
 * type and name. Each field is read with the default the API server gives it, so that a manifest
 * leaving a field out and the live object carrying its default are equal (`hostNetwork` absent is
 * false, `serviceAccountName` absent is "default", `automountServiceAccountToken` absent is true).
 *
 * A difference is reported when the live value is weaker than the declared one (privileged turned
 * on, a capability added, a drop removed, runAsNonRoot no longer true, a seccomp profile set to
 * Unconfined) or, for fields with no order (the image, the service account, the runtime class,
 * SELinux options, sysctls, user and group ids), when it changed at all. A live value stricter
 * than the declared one (a policy engine's mutation adding `runAsNonRoot: true`) is not drift worth
 * a finding: it is not reported.
 *
 * For live Pods, containers with no declared counterpart are not reported: mutating webhooks
 * (service meshes, secret injectors) add them at admission, after kubectl computed the
 * last-applied annotation. An image that only gained a digest of the same repository (and tag) is
 * not a change: admission webhooks pin tags to digests (kshield's own does).
 */
import type { JsonObject, Severity } from '../core/types.js';
import { asArray, asObject, asString, isObject } from '../core/values.js';
import { escapePointerToken } from '../core/pointer.js';
import { podSpecs, CONTAINER_TYPES, type ContainerType, type PodSpecView } from './pods.js';
import { parseImageReference, fullName } from './images.js';
import { BASELINE_ALLOWED_CAPABILITIES, show } from './pss.js';

export interface SecurityFieldDrift {
  /** The field's name in SECURITY_FIELDS (e.g. "securityContext.privileged"). */
  field: string;
  /** JSON Pointer of the field in the live object (the field may be absent there: its default applies). */
  livePath: string;
  /** JSON Pointer of the field in the declared object. */
  declaredPath: string;
  /** The container concerned, for container fields. */
  container?: string;
  declared: unknown;
  live: unknown;
  severity: Severity;
  /** What differs, in words ("container \"app\" runs privileged (securityContext.privileged: true)"). */
  message: string;
}

type Compare =
  /** A boolean that is false by default; true is weaker. */
  | { type: 'on-is-weaker' }
  /** A boolean whose `true` is the safe setting; anything else (false, absent) is weaker than a declared true. */
  | { type: 'true-is-safe' }
  /** A boolean whose `false` is the safe setting (default true when absent). */
  | { type: 'false-is-safe' }
  /** Any change (after defaulting) is reported. */
  | { type: 'any-change' }
  /** A profile type: Unconfined (or none, where one was declared) is weaker. */
  | { type: 'profile' }
  /** A user or group id: 0 is weaker; any other change is reported at `changed`. */
  | { type: 'id' };

interface FieldSpec {
  name: string;
  scope: 'pod' | 'container';
  /** Path below the pod spec or the container. */
  path: readonly string[];
  compare: Compare;
  /** Severity when the live value is weaker. */
  weaker: Severity;
  /** Severity of a change with no order (any-change, id); undefined: not reported. */
  changed?: Severity;
  /** The value when the field is absent (after the API server's defaulting). */
  absent?: unknown;
  /** Words for the finding: the subject and what the live value means. */
  says: string;
}

/**
 * The list, documented in docs/rules/drift-from-last-applied.md and drift-from-desired.md. Special
 * comparisons follow it in `securityFieldDrift`: `image`, `capabilities.add`, `capabilities.drop`,
 * `ports[].hostPort`, hostPath `volumes`, and containers added to a workload's pod template.
 */
export const SECURITY_FIELDS: readonly FieldSpec[] = [
  { name: 'hostNetwork', scope: 'pod', path: ['hostNetwork'], compare: { type: 'on-is-weaker' }, weaker: 'high', says: "the pod shares the node's network namespace" },
  { name: 'hostPID', scope: 'pod', path: ['hostPID'], compare: { type: 'on-is-weaker' }, weaker: 'high', says: "the pod shares the node's process namespace" },
  { name: 'hostIPC', scope: 'pod', path: ['hostIPC'], compare: { type: 'on-is-weaker' }, weaker: 'high', says: "the pod shares the node's IPC namespace" },
  { name: 'hostUsers', scope: 'pod', path: ['hostUsers'], compare: { type: 'false-is-safe' }, weaker: 'medium', says: "the pod runs in the node's user namespace" },
  { name: 'shareProcessNamespace', scope: 'pod', path: ['shareProcessNamespace'], compare: { type: 'on-is-weaker' }, weaker: 'low', says: "the pod's containers share one process namespace" },
  { name: 'serviceAccountName', scope: 'pod', path: ['serviceAccountName'], compare: { type: 'any-change' }, weaker: 'medium', changed: 'medium', absent: 'default', says: 'the pod runs as another service account' },
  { name: 'automountServiceAccountToken', scope: 'pod', path: ['automountServiceAccountToken'], compare: { type: 'false-is-safe' }, weaker: 'medium', says: 'the pod mounts an API token' },
  { name: 'runtimeClassName', scope: 'pod', path: ['runtimeClassName'], compare: { type: 'any-change' }, weaker: 'medium', changed: 'medium', absent: '', says: 'the pod runs with another runtime class (Pod Security Admission can exempt runtime classes)' },
  { name: 'securityContext.runAsNonRoot', scope: 'pod', path: ['securityContext', 'runAsNonRoot'], compare: { type: 'true-is-safe' }, weaker: 'medium', says: 'the pod no longer requires a non-root user' },
  { name: 'securityContext.runAsUser', scope: 'pod', path: ['securityContext', 'runAsUser'], compare: { type: 'id' }, weaker: 'high', changed: 'low', says: 'the pod runs as another user' },
  { name: 'securityContext.runAsGroup', scope: 'pod', path: ['securityContext', 'runAsGroup'], compare: { type: 'id' }, weaker: 'medium', changed: 'low', says: 'the pod runs as another group' },
  { name: 'securityContext.fsGroup', scope: 'pod', path: ['securityContext', 'fsGroup'], compare: { type: 'id' }, weaker: 'medium', changed: 'low', says: "the pod's volumes belong to another group" },
  { name: 'securityContext.supplementalGroups', scope: 'pod', path: ['securityContext', 'supplementalGroups'], compare: { type: 'any-change' }, weaker: 'low', changed: 'low', says: "the pod's processes have other supplementary groups" },
  { name: 'securityContext.seccompProfile.type', scope: 'pod', path: ['securityContext', 'seccompProfile', 'type'], compare: { type: 'profile' }, weaker: 'high', says: "the pod's seccomp profile is weaker" },
  { name: 'securityContext.appArmorProfile.type', scope: 'pod', path: ['securityContext', 'appArmorProfile', 'type'], compare: { type: 'profile' }, weaker: 'high', says: "the pod's AppArmor profile is weaker" },
  { name: 'securityContext.seLinuxOptions', scope: 'pod', path: ['securityContext', 'seLinuxOptions'], compare: { type: 'any-change' }, weaker: 'medium', changed: 'medium', says: "the pod's SELinux options changed" },
  { name: 'securityContext.sysctls', scope: 'pod', path: ['securityContext', 'sysctls'], compare: { type: 'any-change' }, weaker: 'medium', changed: 'medium', says: "the pod's sysctls changed" },
  { name: 'securityContext.windowsOptions.hostProcess', scope: 'pod', path: ['securityContext', 'windowsOptions', 'hostProcess'], compare: { type: 'on-is-weaker' }, weaker: 'high', says: 'the pod runs as a Windows HostProcess' },
  { name: 'securityContext.privileged', scope: 'container', path: ['securityContext', 'privileged'], compare: { type: 'on-is-weaker' }, weaker: 'high', says: 'runs privileged' },
  { name: 'securityContext.allowPrivilegeEscalation', scope: 'container', path: ['securityContext', 'allowPrivilegeEscalation'], compare: { type: 'false-is-safe' }, weaker: 'medium', says: 'may gain privileges (setuid binaries)' },
  { name: 'securityContext.runAsNonRoot', scope: 'container', path: ['securityContext', 'runAsNonRoot'], compare: { type: 'true-is-safe' }, weaker: 'medium', says: 'no longer requires a non-root user' },
  { name: 'securityContext.runAsUser', scope: 'container', path: ['securityContext', 'runAsUser'], compare: { type: 'id' }, weaker: 'high', changed: 'low', says: 'runs as another user' },
  { name: 'securityContext.runAsGroup', scope: 'container', path: ['securityContext', 'runAsGroup'], compare: { type: 'id' }, weaker: 'medium', changed: 'low', says: 'runs as another group' },
  { name: 'securityContext.readOnlyRootFilesystem', scope: 'container', path: ['securityContext', 'readOnlyRootFilesystem'], compare: { type: 'true-is-safe' }, weaker: 'medium', says: 'has a writable root file system' },
  { name: 'securityContext.procMount', scope: 'container', path: ['securityContext', 'procMount'], compare: { type: 'any-change' }, weaker: 'high', changed: 'medium', absent: 'Default', says: 'mounts /proc differently' },
  { name: 'securityContext.seccompProfile.type', scope: 'container', path: ['securityContext', 'seccompProfile', 'type'], compare: { type: 'profile' }, weaker: 'high', says: 'has a weaker seccomp profile' },
  { name: 'securityContext.appArmorProfile.type', scope: 'container', path: ['securityContext', 'appArmorProfile', 'type'], compare: { type: 'profile' }, weaker: 'high', says: 'has a weaker AppArmor profile' },
  { name: 'securityContext.seLinuxOptions', scope: 'container', path: ['securityContext', 'seLinuxOptions'], compare: { type: 'any-change' }, weaker: 'medium', changed: 'medium', says: 'has other SELinux options' },
  { name: 'securityContext.windowsOptions.hostProcess', scope: 'container', path: ['securityContext', 'windowsOptions', 'hostProcess'], compare: { type: 'on-is-weaker' }, weaker: 'high', says: 'runs as a Windows HostProcess' },
];

/** The fields compared besides SECURITY_FIELDS, for the rule pages. */
export const SPECIAL_SECURITY_FIELDS: readonly string[] = [
  'image (a digest added to the same repository and tag is not a change)',
  'securityContext.capabilities.add (a capability added)',
  'securityContext.capabilities.drop (a capability no longer dropped)',
  'ports[].hostPort (a host port opened)',
  'volumes[].hostPath (a host path mounted, or another path)',
  'containers, initContainers and ephemeralContainers added (not for Pods: webhooks inject containers into pods)',
];

/** The field list as a Markdown bullet list, for rule descriptions. */
export function securityFieldList(): string {
  const pod = [...new Set(SECURITY_FIELDS.filter((f) => f.scope === 'pod').map((f) => f.name))];
  const container = [...new Set(SECURITY_FIELDS.filter((f) => f.scope === 'container').map((f) => f.name))];
  return `pod: ${pod.map((n) => `\`${n}\``).join(', ')}; each container: ${container.map((n) => `\`${n}\``).join(', ')}; and ${SPECIAL_SECURITY_FIELDS.join('; ')}`;
}

/** A value for messages; absent fields are "not set". */
const shown = (value: unknown): string => (value === undefined || value === null ? 'not set' : show(value));

const ptr = (...tokens: (string | number)[]): string => tokens.map((t) => `/${escapePointerToken(t)}`).join('');

function at(value: unknown, path: readonly string[]): unknown {
  let v = value;
  for (const key of path) v = isObject(v) ? v[key] : undefined;
  return v;
}

/** Deep equality of JSON values, with object keys in any order and absent/null alike. */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || a === null) return b === undefined || b === null;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!same(a[k], b[k])) return false;
    return true;
  }
  return false;
}

function compareField(spec: FieldSpec, declaredRaw: unknown, liveRaw: unknown): Severity | undefined {
  const declared = declaredRaw ?? spec.absent;
  const live = liveRaw ?? spec.absent;
  switch (spec.compare.type) {
    case 'on-is-weaker':
      return live === true && declared !== true ? spec.weaker : undefined;
    case 'true-is-safe':
      return declared === true && live !== true ? spec.weaker : undefined;
    case 'false-is-safe':
      return declared === false && live !== false ? spec.weaker : undefined;
    case 'any-change':
      if (isObject(declared) && Object.keys(declared).length === 0 && (live === undefined || live === null)) return undefined;
      if (isObject(live) && Object.keys(live).length === 0 && (declared === undefined || declared === null)) return undefined;
      return same(declared, live) ? undefined : spec.changed;
    case 'id':
      if (same(declared, live)) return undefined;
      // An id removed leaves the image's USER (possibly root) in charge: a change of unknown direction.
      return live === 0 ? spec.weaker : spec.changed;
    case 'profile': {
      if (same(declared, live)) return undefined;
      if (live === 'Unconfined') return spec.weaker;
      // A declared profile gone: the runtime default or nothing applies, depending on the kubelet.
      if ((live === undefined || live === null) && (declared === 'RuntimeDefault' || declared === 'Localhost')) return 'medium';
      return undefined;
    }
  }
}

/** "registry/repo" plus tag: the part of an image reference a digest pins, for the pinning exception. */
function imageSameModuloPinning(declared: string, live: string): boolean {
  if (declared === live) return true;
  const d = parseImageReference(declared);
  const l = parseImageReference(live);
  if (!d.ok || !l.ok) return false;
  if (fullName(d.image) !== fullName(l.image)) return false;
  // Same reference spelled differently (docker.io/library/nginx vs nginx).
  if (d.image.digest === l.image.digest && (d.image.tag ?? 'latest') === (l.image.tag ?? 'latest')) return true;
  // A tag pinned to a digest at admission: the live reference has the digest (and the tag, or none).
  if (!d.image.digest && l.image.digest && (l.image.tag === undefined || l.image.tag === (d.image.tag ?? 'latest'))) return true;
  return false;
}

function strings(value: unknown): string[] {
  return asArray(value).filter((v): v is string => typeof v === 'string');
}

function hostPorts(container: JsonObject): number[] {
  return asArray(container.ports)
    .map((p) => (isObject(p) && typeof p.hostPort === 'number' && p.hostPort > 0 ? p.hostPort : undefined))
    .filter((p): p is number => p !== undefined);
}

function hostPathVolumes(spec: JsonObject): Map<string, { index: number; path: string }> {
  const out = new Map<string, { index: number; path: string }>();
  asArray(spec.volumes).forEach((v, index) => {
    if (!isObject(v)) return;
    const hostPath = asObject(v.hostPath);
    const name = asString(v.name);
    if (hostPath && name !== undefined) out.set(name, { index, path: asString(hostPath.path) ?? '' });
  });
  return out;
}

function containersByName(pod: PodSpecView, type: ContainerType): Map<string, { container: JsonObject; index: number }> {
  const out = new Map<string, { container: JsonObject; index: number }>();
  asArray(pod.spec[type]).forEach((c, index) => {
    if (!isObject(c)) return;
    const name = asString(c.name);
    if (name !== undefined && !out.has(name)) out.set(name, { container: c, index });
  });
  return out;
}

const CONTAINER_WORDS: Record<ContainerType, string> = { containers: 'container', initContainers: 'init container', ephemeralContainers: 'ephemeral container' };

function serviceAccountOf(spec: JsonObject): string {
  return asString(spec.serviceAccountName) || asString(spec.serviceAccount) || 'default';
}

/**
 * The security-relevant differences between a declared object and the live one of the same kind,
 * in pod spec order, then field order (SECURITY_FIELDS, then the special comparisons). `declaredWord`
 * names the declared side in messages ("last applied", "declared").
 */
export function securityFieldDrift(
  declaredObject: { kind: string; apiVersion?: string; object: JsonObject },
  liveObject: { kind: string; apiVersion?: string; object: JsonObject },
  declaredWord: string,
): SecurityFieldDrift[] {
  const out: SecurityFieldDrift[] = [];
  const source = declaredWord === 'declared' ? 'the manifest' : `the ${declaredWord.replace(/ /g, '-')} configuration`;
  const declaredPods = new Map(podSpecs(declaredObject).map((p) => [p.path, p]));
  const isPod = liveObject.kind === 'Pod';
  for (const livePod of podSpecs(liveObject)) {
    const declaredPod = declaredPods.get(livePod.path);
    if (!declaredPod) continue;
    // `plain`: the words say it all (a capability added), no "X live, Y declared" after them.
    const push = (d: Omit<SecurityFieldDrift, 'message'>, what: string, plain = false): void => {
      out.push({ ...d, message: plain ? what : `${what}: ${shown(d.live)} live, ${shown(d.declared)} ${declaredWord}` });
    };
    for (const spec of SECURITY_FIELDS) {
      if (spec.scope !== 'pod') continue;
      let declared = at(declaredPod.spec, spec.path);
      let live = at(livePod.spec, spec.path);
      if (spec.name === 'serviceAccountName') {
        declared = serviceAccountOf(declaredPod.spec);
        live = serviceAccountOf(livePod.spec);
      }
      const severity = compareField(spec, declared, live);
      if (severity === undefined) continue;
      push({ field: spec.name, livePath: livePod.path + ptr(...spec.path), declaredPath: declaredPod.path + ptr(...spec.path), declared, live, severity }, spec.says);
    }
    // hostPath volumes: a volume that mounts a host path live, where none (or another) was declared.
    const declaredVolumes = hostPathVolumes(declaredPod.spec);
    for (const [name, live] of hostPathVolumes(livePod.spec)) {
      const declared = declaredVolumes.get(name);
      if (declared && declared.path === live.path) continue;
      push(
        {
          field: 'volumes[].hostPath',
          livePath: `${livePod.path}/volumes/${live.index}/hostPath/path`,
          declaredPath: declared ? `${declaredPod.path}/volumes/${declared.index}/hostPath/path` : `${declaredPod.path}/volumes`,
          declared: declared?.path,
          live: live.path,
          severity: 'high',
        },
        `volume "${name}" mounts the node's ${live.path || 'file system'}`,
      );
    }
    for (const type of CONTAINER_TYPES) {
      const declaredContainers = containersByName(declaredPod, type);
      for (const [name, { container, index }] of containersByName(livePod, type)) {
        const livePath = `${livePod.path}/${type}/${index}`;
        const who = `${CONTAINER_WORDS[type]} "${name}"`;
        const declaredEntry = declaredContainers.get(name);
        if (!declaredEntry) {
          // Webhooks add containers to pods at admission; a pod template changed by hand is drift.
          if (isPod) continue;
          out.push({
            field: type,
            livePath,
            declaredPath: `${declaredPod.path}/${type}`,
            container: name,
            declared: undefined,
            live: asString(container.image),
            severity: 'medium',
            message: `${who} (image ${show(asString(container.image) ?? '')}) runs live but is not in ${source}`,
          });
          continue;
        }
        const declaredPath = `${declaredPod.path}/${type}/${declaredEntry.index}`;
        const dc = declaredEntry.container;
        for (const spec of SECURITY_FIELDS) {
          if (spec.scope !== 'container') continue;
          const declared = at(dc, spec.path);
          const live = at(container, spec.path);
          const severity = compareField(spec, declared, live);
          if (severity === undefined) continue;
          push({ field: spec.name, livePath: livePath + ptr(...spec.path), declaredPath: declaredPath + ptr(...spec.path), container: name, declared, live, severity }, `${who} ${spec.says}`);
        }
        const declaredImage = asString(dc.image);
        const liveImage = asString(container.image);
        if (declaredImage !== undefined && liveImage !== undefined && !imageSameModuloPinning(declaredImage, liveImage)) {
          push({ field: 'image', livePath: `${livePath}/image`, declaredPath: `${declaredPath}/image`, container: name, declared: declaredImage, live: liveImage, severity: 'medium' }, `${who} runs another image`);
        }
        const declaredAdd = new Set(strings(at(dc, ['securityContext', 'capabilities', 'add'])));
        strings(at(container, ['securityContext', 'capabilities', 'add'])).forEach((cap, i) => {
          if (declaredAdd.has(cap)) return;
          push(
            {
              field: 'securityContext.capabilities.add',
              livePath: `${livePath}/securityContext/capabilities/add/${i}`,
              declaredPath: `${declaredPath}/securityContext/capabilities`,
              container: name,
              declared: [...declaredAdd],
              live: cap,
              // Capabilities a container runtime grants by default are less than a new power.
              severity: BASELINE_ALLOWED_CAPABILITIES.has(cap) ? 'medium' : 'high',
            },
            `${who} adds capability ${cap}, which ${source} does not add`,
            true,
          );
        });
        const liveDrop = new Set(strings(at(container, ['securityContext', 'capabilities', 'drop'])));
        const lostDrops = strings(at(dc, ['securityContext', 'capabilities', 'drop'])).filter((cap) => !liveDrop.has(cap) && !liveDrop.has('ALL'));
        if (lostDrops.length > 0) {
          push(
            {
              field: 'securityContext.capabilities.drop',
              livePath: `${livePath}/securityContext/capabilities${liveDrop.size > 0 ? '/drop' : ''}`,
              declaredPath: `${declaredPath}/securityContext/capabilities/drop`,
              container: name,
              declared: lostDrops,
              live: [...liveDrop],
              severity: 'medium',
            },
            `${who} no longer drops ${lostDrops.join(', ')}, which ${source} drops`,
            true,
          );
        }
        const declaredPorts = new Set(hostPorts(dc));
        const newPorts = hostPorts(container).filter((p) => !declaredPorts.has(p));
        if (newPorts.length > 0) {
          push(
            { field: 'ports[].hostPort', livePath: `${livePath}/ports`, declaredPath: `${declaredPath}/ports`, container: name, declared: [...declaredPorts], live: newPorts, severity: 'medium' },
            `${who} opens host port${newPorts.length > 1 ? 's' : ''} ${newPorts.join(', ')} on the node, which ${source} does not open`,
            true,
          );
        }
      }
    }
  }
  return out;
}
