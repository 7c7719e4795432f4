/**
 * Pod Security Standards: one rule per control of the Baseline and Restricted profiles.
 *
 * Baseline rules are tagged `pss-baseline`; rules that only the Restricted profile adds are tagged
 * `pss-restricted`, so the Restricted profile is both tags together. Restricted rules report only
 * what Baseline rules do not already report (an Unconfined seccomp profile, a hostPath volume or
 * an added SYS_ADMIN is one finding, not two), the way the admission controller's Restricted
 * checks replace their Baseline counterparts.
 *
 * The standards are versioned (see the table in src/core/pss.ts): each rule judges at the policy
 * version of its level, `settings.pssVersion` (`--pss-version`, default latest), or in
 * `kshield cluster` the version the namespace's pod-security.kubernetes.io labels set. When the
 * two levels are judged at different versions, a Restricted rule still reports only what the
 * Baseline rules, at theirs, do not.
 */
import type { Rule, RuleContext, RuleMeta } from '../engine/rule.js';
import type { Resource, Violation } from '../core/types.js';
import type { ContainerView, PodSpecView } from '../k8s/pods.js';
import { defineRule, perContainer, perPod, describeContainer } from './define.js';
import { containers } from '../k8s/pods.js';
import { asArray, fieldAt, asObject } from '../core/values.js';
import { escapePointerToken } from '../core/pointer.js';
import {
  APPARMOR_ALLOWED_TYPES,
  APPARMOR_ANNOTATION_PREFIX,
  BASELINE_ALLOWED_CAPABILITIES,
  PSS_BASELINE_URL,
  PSS_RESTRICTED_URL,
  RESTRICTED_ALLOWED_CAPABILITY,
  RESTRICTED_VOLUME_SOURCES,
  SECCOMP_ALLOWED_TYPES,
  SECCOMP_CONTAINER_ANNOTATION_PREFIX,
  SECCOMP_POD_ANNOTATION,
  SELINUX_ENGINE_TYPE_SINCE,
  SINCE,
  USER_NAMESPACES_PSS_URL,
  allowedSelinuxTypes,
  containerSecurityContext,
  isSet,
  isWindowsPod,
  missingSettingPath,
  podSecurityContext,
  pssMinor,
  pssName,
  safeSysctls,
  seccompAnnotationAllowed,
  show,
  sysctlSafeSince,
  userNamespaceRelaxed,
  windowsExempt,
} from '../k8s/pss.js';
import { indent } from './examples.js';

type Level = 'baseline' | 'restricted';

/** The metadata every PSS rule shares, by profile level and control slug. */
function pssControl(level: Level, slug: string): Pick<RuleMeta, 'category' | 'tags' | 'appliesTo' | 'frameworks' | 'references'> {
  return {
    category: 'pod-security',
    tags: [level === 'baseline' ? 'pss-baseline' : 'pss-restricted', 'security'],
    appliesTo: 'workloads',
    frameworks: { pss: [`${level}/${slug}`] },
    references: [level === 'baseline' ? PSS_BASELINE_URL : PSS_RESTRICTED_URL],
  };
}

// ---------------------------------------------------------------------------------------------
// Example builders: every example is a complete manifest; these only save repeating the envelope.


function annotationBlock(annotations: string | undefined, n: number): string {
  return annotations ? `${' '.repeat(n)}annotations:\n${indent(annotations, n + 2)}\n` : '';
}

function pod(spec: string, annotations?: string, name = 'web'): string {
  return `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: shop\n${annotationBlock(annotations, 2)}spec:\n${indent(spec, 2)}\n`;
}

function deployment(spec: string, annotations?: string): string {
  return (
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  replicas: 2\n' +
    '  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n' +
    `${annotationBlock(annotations, 6)}    spec:\n${indent(spec, 6)}\n`
  );
}

function cronJob(spec: string): string {
  return (
    'apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: nightly-report\n  namespace: shop\nspec:\n  schedule: "0 3 * * *"\n' +
    `  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n${indent(spec, 10)}\n`
  );
}

/** An Argo Rollout: a custom resource whose pod template is found by its shape. */
function rollout(spec: string): string {
  return (
    'apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  replicas: 3\n' +
    '  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n' +
    `    spec:\n${indent(spec, 6)}\n  strategy:\n    canary:\n      steps: [{setWeight: 20}, {pause: {duration: 60}}]\n`
  );
}

const IMG = 'registry.example.com/shop/web:1.4.2';
/** A container securityContext that satisfies every Restricted control on its own. */
const RESTRICTED_CONTAINER_SC = '{runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}';

// ---------------------------------------------------------------------------------------------
// Small readers shared by the checks.

const scPath = (c: ContainerView, ...rest: string[]): string => [`${c.path}/securityContext`, ...rest].join('/');
const podScPath = (pod: PodSpecView, ...rest: string[]): string => [`${pod.path}/securityContext`, ...rest].join('/');

/** Runs a pod-level and a container-level check: pod findings first, then one list per container. */
function podAndContainers(
  resource: Parameters<Rule['check']>[0],
  podCheck: (pod: PodSpecView) => Violation[],
  containerCheck: (c: ContainerView) => Omit<Violation, 'container'>[],
): Violation[] {
  return [...perPod(resource, podCheck), ...perContainer(resource, containerCheck)];
}

/** The policy version at which this object's Baseline rules judge. */
const baselineAt = (resource: Resource, context: RuleContext): number => pssMinor(resource, 'baseline', context.settings);
/** The policy version at which this object's Restricted rules judge. */
const restrictedAt = (resource: Resource, context: RuleContext): number => pssMinor(resource, 'restricted', context.settings);

/** The containers of one pod spec of the resource. */
const containersOf = (resource: Resource, pod: PodSpecView): ContainerView[] => containers(resource).filter((c) => c.pod === pod);

/** Said of a finding the pod would not have at a later version: why it has it at this one. */
const onlyBefore = (minor: number, since: number, who: string): string => `; ${pssName(minor)} checks this for ${who} too (v1.${since} and later do not)`;

const SECCOMP_WHAT = (t: unknown): string => (t === 'Unconfined' ? 'disables seccomp (seccompProfile.type: Unconfined)' : `sets an invalid seccomp profile type ${show(t)}`);
const seccompTypeBad = (t: unknown): boolean => isSet(t) && !(typeof t === 'string' && SECCOMP_ALLOWED_TYPES.has(t));

/**
 * What the Baseline seccomp control forbids at a policy version: from v1.19, a seccompProfile.type
 * other than RuntimeDefault or Localhost on the pod or a container; before, a seccomp annotation
 * other than runtime/default, docker/default or localhost/<profile> (the fields are not read then).
 */
function seccompBaselineViolations(pod: PodSpecView, podContainers: readonly ContainerView[], minor: number): Violation[] {
  const out: Violation[] = [];
  if (minor < SINCE.seccompField) {
    const annotations = asObject(pod.metadata?.annotations) ?? {};
    const judge = (key: string, container?: string): void => {
      if (!(key in annotations) || seccompAnnotationAllowed(annotations[key])) return;
      out.push({
        path: `${pod.metadataPath}/annotations/${escapePointerToken(key)}`,
        message: `annotation ${key} sets seccomp profile ${show(annotations[key])}; ${pssName(minor)} judges the seccomp annotations and allows only runtime/default, docker/default or localhost/<profile>`,
        ...(container !== undefined ? { container } : {}),
      });
    };
    judge(SECCOMP_POD_ANNOTATION);
    for (const c of podContainers) judge(SECCOMP_CONTAINER_ANNOTATION_PREFIX + c.name, c.name);
    return out;
  }
  const t = fieldAt(podSecurityContext(pod), 'seccompProfile', 'type');
  if (seccompTypeBad(t)) out.push({ path: podScPath(pod, 'seccompProfile', 'type'), message: `the pod ${SECCOMP_WHAT(t)}` });
  for (const c of podContainers) {
    const ct = fieldAt(containerSecurityContext(c), 'seccompProfile', 'type');
    if (seccompTypeBad(ct)) out.push({ path: scPath(c, 'seccompProfile', 'type'), message: `${describeContainer(c)} ${SECCOMP_WHAT(ct)}`, container: c.name });
  }
  return out;
}

/**
 * What the Restricted profile forbids about seccomp at a policy version: before v1.19 only what
 * Baseline forbids (Restricted had no seccomp control of its own); from v1.19 also a container
 * with no profile, its own or the pod's; from v1.25 nothing for a Windows pod.
 */
function seccompRestrictedViolations(pod: PodSpecView, podContainers: readonly ContainerView[], minor: number): Violation[] {
  if (minor < SINCE.seccompField) return seccompBaselineViolations(pod, podContainers, minor);
  if (windowsExempt(pod, minor)) return [];
  const out = seccompBaselineViolations(pod, podContainers, minor);
  // A pod-level value, good or bad, covers the containers without their own: a bad one is reported once, on the pod.
  if (isSet(fieldAt(podSecurityContext(pod), 'seccompProfile', 'type'))) return out;
  for (const c of podContainers) {
    if (isSet(fieldAt(containerSecurityContext(c), 'seccompProfile', 'type'))) continue;
    const windows = isWindowsPod(pod) ? onlyBefore(minor, SINCE.windowsExemption, 'Windows pods') : '';
    out.push({
      path: missingSettingPath(c),
      message: `${describeContainer(c)} has no seccomp profile: neither it nor the pod sets seccompProfile.type to RuntimeDefault or Localhost${windows}`,
      container: c.name,
    });
  }
  return out;
}

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const HOOKS = ['postStart', 'preStop'] as const;
const HANDLERS = ['httpGet', 'tcpSocket'] as const;

// ---------------------------------------------------------------------------------------------

export const podSecurityRules: Rule[] = [
  // ============================== Baseline ==============================
  defineRule({
    id: 'host-process',
    title: 'Windows HostProcess container',
    severity: 'critical',
    ...pssControl('baseline', 'hostprocess'),
    description:
      'A Windows HostProcess pod or container runs directly on the node with the privileges of a host process: ' +
      'the Baseline profile forbids securityContext.windowsOptions.hostProcess: true at pod and container level.',
    remediation: 'Remove windowsOptions.hostProcess (or set it to false) from the pod and every container securityContext.',
    check: (resource) =>
      podAndContainers(
        resource,
        (pod) =>
          fieldAt(podSecurityContext(pod), 'windowsOptions', 'hostProcess') === true
            ? [{ path: podScPath(pod, 'windowsOptions', 'hostProcess'), message: 'the pod runs as a Windows HostProcess pod (windowsOptions.hostProcess: true), with host-level access' }]
            : [],
        (c) =>
          fieldAt(containerSecurityContext(c), 'windowsOptions', 'hostProcess') === true
            ? [{ path: scPath(c, 'windowsOptions', 'hostProcess'), message: `${describeContainer(c)} runs as a Windows HostProcess container (windowsOptions.hostProcess: true)` }]
            : [],
      ),
    examples: {
      valid: [
        pod(`
          os: {name: windows}
          securityContext:
            windowsOptions: {runAsUserName: "ContainerUser"}
          containers:
          - name: app
            image: mcr.microsoft.com/windows/servercore:ltsc2022
            securityContext:
              windowsOptions: {hostProcess: false}
        `),
      ],
      invalid: [
        pod(`
          os: {name: windows}
          hostNetwork: true
          securityContext:
            windowsOptions: {hostProcess: true, runAsUserName: "NT AUTHORITY\\\\SYSTEM"}
          containers:
          - name: agent
            image: mcr.microsoft.com/windows/nanoserver:ltsc2022
        `),
        deployment(`
          os: {name: windows}
          initContainers:
          - name: setup
            image: mcr.microsoft.com/windows/nanoserver:ltsc2022
            securityContext:
              windowsOptions: {hostProcess: true}
          containers:
          - name: app
            image: mcr.microsoft.com/windows/servercore:ltsc2022
        `),
      ],
    },
  }),

  defineRule({
    id: 'host-network',
    title: 'Pod shares the host network namespace',
    severity: 'high',
    ...pssControl('baseline', 'host-namespaces'),
    description:
      'With hostNetwork: true the pod sees every network interface of the node, can bind node ports and reach ' +
      'services listening on localhost of the node. The Baseline profile forbids sharing host namespaces.',
    remediation: 'Remove spec.hostNetwork (or set it to false); expose the workload through a Service instead.',
    check: (resource) =>
      perPod(resource, (pod) =>
        pod.spec.hostNetwork === true ? { path: `${pod.path}/hostNetwork`, message: 'the pod shares the node\'s network namespace (hostNetwork: true)' } : undefined,
      ),
    examples: {
      valid: [
        pod(`
          hostNetwork: false
          containers:
          - name: app
            image: ${IMG}
        `),
      ],
      invalid: [
        deployment(`
          hostNetwork: true
          dnsPolicy: ClusterFirstWithHostNet
          containers:
          - name: app
            image: ${IMG}
        `),
        rollout(`
          hostNetwork: true
          containers:
          - name: app
            image: ${IMG}
        `),
      ],
    },
  }),

  defineRule({
    id: 'host-pid',
    title: 'Pod shares the host process namespace',
    severity: 'high',
    ...pssControl('baseline', 'host-namespaces'),
    description:
      'With hostPID: true the containers see every process of the node and, with enough privileges, can inspect or ' +
      'signal them. The Baseline profile forbids sharing host namespaces.',
    remediation: 'Remove spec.hostPID (or set it to false). To share processes between containers of the pod, use shareProcessNamespace.',
    check: (resource) =>
      perPod(resource, (pod) =>
        pod.spec.hostPID === true ? { path: `${pod.path}/hostPID`, message: 'the pod shares the node\'s process namespace (hostPID: true)' } : undefined,
      ),
    examples: {
      valid: [
        pod(`
          shareProcessNamespace: true
          containers:
          - name: app
            image: ${IMG}
        `),
      ],
      invalid: [
        pod(`
          hostPID: true
          containers:
          - name: debug
            image: busybox:1.36
        `),
        cronJob(`
          hostPID: true
          containers:
          - name: report
            image: ${IMG}
        `),
      ],
    },
  }),

  defineRule({
    id: 'host-ipc',
    title: 'Pod shares the host IPC namespace',
    severity: 'high',
    ...pssControl('baseline', 'host-namespaces'),
    description:
      'With hostIPC: true the containers share System V IPC objects and POSIX message queues with every process of ' +
      'the node. The Baseline profile forbids sharing host namespaces.',
    remediation: 'Remove spec.hostIPC (or set it to false).',
    check: (resource) =>
      perPod(resource, (pod) =>
        pod.spec.hostIPC === true ? { path: `${pod.path}/hostIPC`, message: 'the pod shares the node\'s IPC namespace (hostIPC: true)' } : undefined,
      ),
    examples: {
      valid: [
        deployment(`
          hostIPC: false
          containers:
          - name: app
            image: ${IMG}
        `),
      ],
      invalid: [
        deployment(`
          hostIPC: true
          containers:
          - name: app
            image: ${IMG}
        `),
      ],
    },
  }),

  defineRule({
    id: 'privileged-container',
    title: 'Privileged container',
    severity: 'critical',
    ...pssControl('baseline', 'privileged-containers'),
    description:
      'A privileged container has every capability and access to all host devices, and most isolation (seccomp, ' +
      'AppArmor, read-only /sys) is switched off: it is effectively root on the node. Baseline forbids it for ' +
      'containers, init containers and ephemeral containers.',
    remediation: 'Remove securityContext.privileged or set it to false; grant the specific capability the container needs instead.',
    check: (resource) =>
      perContainer(resource, (c) =>
        containerSecurityContext(c)?.privileged === true ? { path: scPath(c, 'privileged'), cause: scPath(c, 'privileged'), message: `${describeContainer(c)} runs privileged` } : undefined,
      ),
    examples: {
      valid: [
        pod(`
          containers:
          - name: app
            image: ${IMG}
            securityContext: {privileged: false}
        `),
      ],
      invalid: [
        pod(`
          containers:
          - name: app
            image: ${IMG}
            securityContext: {privileged: true}
        `),
        pod(`
          containers:
          - name: app
            image: ${IMG}
          ephemeralContainers:
          - name: debugger
            image: busybox:1.36
            targetContainerName: app
            securityContext: {privileged: true}
        `),
        rollout(`
          initContainers:
          - name: sysctl-tuner
            image: busybox:1.36
            command: ["sysctl", "-w", "vm.max_map_count=262144"]
            securityContext: {privileged: true}
          containers:
          - name: app
            image: ${IMG}
        `),
      ],
    },
  }),

  defineRule({
    id: 'disallowed-capabilities',
    title: 'Container adds a capability outside the Baseline set',
    severity: 'high',
    ...pssControl('baseline', 'capabilities'),
    description:
      'Baseline lets a container add only capabilities from the container runtime\'s default set: AUDIT_WRITE, CHOWN, ' +
      'DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID and SYS_CHROOT. ' +
      'Anything else (SYS_ADMIN, NET_ADMIN, NET_RAW, ALL, ...) is forbidden. Names are compared exactly, as the ' +
      'admission controller does: "CAP_CHOWN" or lower case names are not accepted.',
    remediation: 'Remove the capability from securityContext.capabilities.add; if the workload truly needs it, it cannot run under Baseline.',
    check: (resource) =>
      perContainer(resource, (c) =>
        asArray(fieldAt(containerSecurityContext(c), 'capabilities', 'add')).flatMap((cap, i) =>
          typeof cap === 'string' && BASELINE_ALLOWED_CAPABILITIES.has(cap)
            ? []
            : [
                {
                  path: scPath(c, 'capabilities', 'add', String(i)),
                  // The added capability; dangerous-capabilities names the same entry.
                  cause: scPath(c, 'capabilities', 'add', String(i)),
                  message:
                    cap === 'ALL'
                      ? `${describeContainer(c)} adds ALL capabilities`
                      : `${describeContainer(c)} adds capability ${show(cap)}, which is outside the Baseline allowed set`,
                },
              ],
        ),
      ),
    examples: {
      valid: [
        pod(`
          containers:
          - name: app
            image: ${IMG}
            securityContext:
              capabilities:
                drop: [ALL]
                add: [NET_BIND_SERVICE, CHOWN, SETUID, SETGID]
        `),
      ],
      invalid: [
        pod(`
          containers:
          - name: app
            image: ${IMG}
          - name: vpn
            image: registry.example.com/net/vpn:2.1
            securityContext:
              capabilities:
                add: [NET_ADMIN, NET_RAW]
        `),
        deployment(`
          initContainers:
          - name: iptables
            image: registry.example.com/net/init:1.0
            securityContext:
              capabilities: {add: [SYS_ADMIN]}
          containers:
          - name: app
            image: ${IMG}
        `),
        pod(`
          containers:
          - name: app
            image: ${IMG}
            securityContext:
              capabilities: {add: [CAP_CHOWN]}
        `),
      ],
    },
  }),

  defineRule({
    id: 'host-path-volume',
    title: 'hostPath volume',
    severity: 'high',
    ...pssControl('baseline', 'hostpath-volumes'),
    description:
      'A hostPath volume mounts a file or directory of the node into the pod: it can expose the container runtime ' +
      'socket, credentials or the node\'s file system, and is a common container escape. Baseline forbids every ' +
      'hostPath volume, read-only or not.',
    remediation: 'Replace the hostPath volume with an emptyDir, configMap, secret, projected or persistentVolumeClaim volume.',
    check: (resource) =>
      perPod(resource, (pod) =>
        asArray(pod.spec.volumes).flatMap((v, i) => {
          const vol = asObject(v);
          if (!vol || !isSet(vol.hostPath)) return [];
          const hostPath = fieldAt(vol.hostPath, 'path');
          return [
            {
              path: `${pod.path}/volumes/${i}/hostPath`,
              // The volume: the host-*-mount rules and writable-host-mount name it too.
              cause: `${pod.path}/volumes/${i}`,
              message: `volume ${show(vol.name ?? `#${i}`)} mounts ${typeof hostPath === 'string' ? `the node path ${show(hostPath)}` : 'a node path'} (hostPath)`,
            },
          ];
        }),
      ),
    examples: {
      valid: [
        pod(`
          containers:
          - name: app
            image: ${IMG}
            volumeMounts: [{name: cache, mountPath: /cache}]
          volumes:
          - name: cache
            emptyDir: {}
        `),
      ],
      invalid: [
        deployment(`
          containers:
          - name: app
            image: ${IMG}
            volumeMounts: [{name: docker, mountPath: /var/run/docker.sock}]
          volumes:
          - name: config
            configMap: {name: web-config}
          - name: docker
            hostPath: {path: /var/run/docker.sock, type: Socket}
        `),
        cronJob(`
          containers:
          - name: report
            image: ${IMG}
          volumes:
          - name: logs
            hostPath: {path: /var/log}
        `),
      ],
    },
  }),

  defineRule({
    id: 'host-port',
    title: 'Container binds a host port',
    severity: 'medium',
    ...pssControl('baseline', 'host-ports'),
    description:
      'A hostPort publishes the container on the node\'s own address, bypassing Services and network policies and ' +
      'limiting scheduling. Baseline allows only an undefined or zero hostPort; the "known list" the standard ' +
      'mentions is not supported by the built-in admission controller, so every other value is reported.',
    remediation: 'Remove hostPort from the container ports and expose the workload through a Service (NodePort or LoadBalancer if it must be reachable from outside).',
    check: (resource) =>
      perContainer(resource, (c) =>
        asArray(c.container.ports).flatMap((p, i) => {
          const hostPort = asObject(p)?.hostPort;
          return isSet(hostPort) && hostPort !== 0
            ? [{ path: `${c.path}/ports/${i}/hostPort`, message: `${describeContainer(c)} binds host port ${show(hostPort)}` }]
            : [];
        }),
      ),
    examples: {
      valid: [
        pod(`
          containers:
          - name: app
            image: ${IMG}
            ports:
            - containerPort: 8080
            - containerPort: 9090
              hostPort: 0
        `),
      ],
      invalid: [
        deployment(`
          containers:
          - name: app
            image: ${IMG}
            ports:
            - containerPort: 8080
              hostPort: 80
        `),
        pod(`
          initContainers:
          - name: warmup
            image: busybox:1.36
            ports: [{containerPort: 9000, hostPort: 9000}]
          containers:
          - name: app
            image: ${IMG}
        `),
      ],
    },
  }),

  defineRule({
    id: 'apparmor-profile',
    title: 'AppArmor profile overridden or disabled',
    severity: 'medium',
    ...pssControl('baseline', 'apparmor'),
    description:
      'On hosts with AppArmor the runtime default profile confines every container. Baseline forbids turning it ' +
      'off: appArmorProfile.type may only be RuntimeDefault or Localhost (pod and container level), and the older ' +
      'container.apparmor.security.beta.kubernetes.io/* annotations may only be runtime/default or localhost/<profile>.',
    remediation: 'Remove the Unconfined AppArmor setting, or use type RuntimeDefault or a Localhost profile (annotation value runtime/default or localhost/<profile>).',
    check: (resource) => {
      const bad = (t: unknown): boolean => isSet(t) && !(typeof t === 'string' && APPARMOR_ALLOWED_TYPES.has(t));
      const what = (t: unknown): string => (t === 'Unconfined' ? 'disables AppArmor (appArmorProfile.type: Unconfined)' : `sets AppArmor profile type ${show(t)}`);
      const fields = podAndContainers(
        resource,
        (pod) => {
          const t = fieldAt(podSecurityContext(pod), 'appArmorProfile', 'type');
          return bad(t) ? [{ path: podScPath(pod, 'appArmorProfile', 'type'), message: `the pod ${what(t)}` }] : [];
        },
        (c) => {
          const t = fieldAt(containerSecurityContext(c), 'appArmorProfile', 'type');
          return bad(t) ? [{ path: scPath(c, 'appArmorProfile', 'type'), message: `${describeContainer(c)} ${what(t)}` }] : [];
        },
      );
      const annotations = perPod(resource, (pod) => {
        const out: Violation[] = [];
        for (const [key, value] of Object.entries(asObject(pod.metadata?.annotations) ?? {})) {
          if (!key.startsWith(APPARMOR_ANNOTATION_PREFIX)) continue;
          if (typeof value === 'string' && (value === '' || value === 'runtime/default' || value.startsWith('localhost/'))) continue;
          const container = key.slice(APPARMOR_ANNOTATION_PREFIX.length);
          out.push({
            path: `${pod.metadataPath}/annotations/${escapePointerToken(key)}`,
            message: `annotation ${key} sets AppArmor profile ${show(value)} for container "${container}"`,
            container,
          });
        }
        return out;
      });
      return [...fields, ...annotations];
    },
    examples: {
      valid: [
        pod(
          `
          securityContext:
            appArmorProfile: {type: RuntimeDefault}
          containers:
          - name: app
            image: ${IMG}
            securityContext:
              appArmorProfile: {type: Localhost, localhostProfile: k8s-web}
          `,
          'container.apparmor.security.beta.kubernetes.io/app: localhost/k8s-web',
        ),
      ],
      invalid: [
        pod(`
          securityContext:
            appArmorProfile: {type: Unconfined}
          containers:
          - name: app
            image: ${IMG}
        `),
        deployment(
          `
          containers:
          - name: app
            image: ${IMG}
          `,
          'container.apparmor.security.beta.kubernetes.io/app: unconfined',
        ),
        pod(`
          containers:
          - name: app
            image: ${IMG}
          ephemeralContainers:
          - name: debugger
            image: busybox:1.36
            securityContext:
              appArmorProfile: {type: Unconfined}
        `),
      ],
    },
  }),

  defineRule({
    id: 'selinux-options',
    title: 'Custom SELinux options',
    severity: 'medium',
    ...pssControl('baseline', 'selinux'),
    description:
      'Baseline restricts seLinuxOptions: the type may only be empty, container_t, container_init_t, container_kvm_t ' +
      'or (from Pod Security Standards v1.31) container_engine_t, and user and role must not be set. Other labels such as ' +
      'spc_t run the container unconfined by SELinux.',
    remediation: 'Remove seLinuxOptions.user and .role, and use one of the allowed container types (or leave the type unset).',
    check: (resource, context) => {
      const minor = baselineAt(resource, context);
      const allowed = allowedSelinuxTypes(minor);
      const inspect = (options: unknown, base: string, who: string): Omit<Violation, 'container'>[] => {
        const o = asObject(options);
        if (!o) return [];
        const out: Omit<Violation, 'container'>[] = [];
        if (isSet(o.type) && !(typeof o.type === 'string' && allowed.has(o.type)))
          out.push({
            path: `${base}/type`,
            message:
              o.type === 'container_engine_t'
                ? `${who} sets SELinux type "container_engine_t", which ${pssName(minor)} does not allow (v1.${SELINUX_ENGINE_TYPE_SINCE} and later do)`
                : `${who} sets SELinux type ${show(o.type)}, which is not an allowed container type`,
          });
        for (const field of ['user', 'role'] as const)
          if (isSet(o[field]) && o[field] !== '') out.push({ path: `${base}/${field}`, message: `${who} sets a custom SELinux ${field} (${show(o[field])})` });
        return out;
      };
      return podAndContainers(
        resource,
        (pod) => inspect(podSecurityContext(pod)?.seLinuxOptions, podScPath(pod, 'seLinuxOptions'), 'the pod'),
        (c) => inspect(containerSecurityContext(c)?.seLinuxOptions, scPath(c, 'seLinuxOptions'), describeContainer(c)),
      );
    },
    examples: {
      valid: [
        pod(`
          securityContext:
            seLinuxOptions: {type: container_t, level: "s0:c123,c456"}
          containers:
          - name: app
            image: ${IMG}
            securityContext:
              seLinuxOptions: {type: container_init_t, user: "", role: ""}
        `),
        pod(`
          containers:
          - name: app
            image: ${IMG}
            securityContext:
              seLinuxOptions: {type: container_engine_t}
        `),
      ],
      invalid: [
        pod(`
          securityContext:
            seLinuxOptions: {type: spc_t}
          containers:
          - name: app
            image: ${IMG}
        `),
        deployment(`
          containers:
          - name: app
            image: ${IMG}
            securityContext:
              seLinuxOptions: {user: system_u, role: system_r}
        `),
      ],
    },
  }),

  defineRule({
    id: 'proc-mount',
    title: 'Unmasked /proc mount',
    severity: 'medium',
    ...pssControl('baseline', 'proc-mount-type'),
    description:
      'The default /proc mount masks and makes read-only the parts of /proc that expose the node. Baseline requires ' +
      'procMount to be unset or Default. From Pod Security Standards v1.35 a pod with its own user namespace (spec.hostUsers: false) ' +
      'is exempt under Baseline; Restricted still requires Default (rule proc-mount-restricted).',
    remediation: 'Remove securityContext.procMount or set it to Default.',
    check: (resource, context) => {
      const minor = baselineAt(resource, context);
      return perContainer(resource, (c) => {
        const pm = containerSecurityContext(c)?.procMount;
        if (!isSet(pm) || pm === 'Default' || userNamespaceRelaxed(c.pod, minor)) return undefined;
        const userns = c.pod.spec.hostUsers === false ? onlyBefore(minor, SINCE.userNamespaces, 'pods with hostUsers: false') : '';
        return { path: scPath(c, 'procMount'), message: `${describeContainer(c)} uses procMount ${show(pm)}, which unmasks /proc${userns}` };
      });
    },
    examples: {
      valid: [
        pod(`
          containers:
          - name: app
            image: ${IMG}
            securityContext: {procMount: Default}
        `),
        pod(`
          # With its own user namespace the pod may unmask /proc under Baseline from Pod Security
          # Standards v1.35 (Restricted still forbids it: rule proc-mount-restricted).
          hostUsers: false
          containers:
          - name: builder
            image: quay.io/buildah/stable:v1.37
            securityContext: {procMount: Unmasked}
        `),
      ],
      invalid: [
        pod(`
          containers:
          - name: builder
            image: quay.io/buildah/stable:v1.37
            securityContext: {procMount: Unmasked}
        `),
        cronJob(`
          initContainers:
          - name: prepare
            image: busybox:1.36
            securityContext: {procMount: Unmasked}
          containers:
          - name: report
            image: ${IMG}
        `),
      ],
    },
  }),

  defineRule({
    id: 'seccomp-unconfined',
    title: 'Seccomp disabled',
    severity: 'medium',
    ...pssControl('baseline', 'seccomp'),
    description:
      'Baseline forbids explicitly disabling seccomp: seccompProfile.type may be unset, RuntimeDefault or Localhost ' +
      'at pod and container level, never Unconfined. (Restricted additionally requires a profile to be set: rule ' +
      'seccomp-profile-required.) Before Pod Security Standards v1.19 the control judged the ' +
      'seccomp.security.alpha.kubernetes.io/pod and container.seccomp.security.alpha.kubernetes.io/<container> ' +
      'annotations instead (runtime/default, docker/default or localhost/<profile>), and so does this rule at those versions.',
    remediation: 'Set seccompProfile.type to RuntimeDefault (or a Localhost profile) instead of Unconfined.',
    check: (resource, context) => {
      const minor = baselineAt(resource, context);
      return perPod(resource, (pod) => seccompBaselineViolations(pod, containersOf(resource, pod), minor));
    },
    examples: {
      valid: [
        pod(`
          containers:
          - name: app
            image: ${IMG}
        `),
        pod(`
          securityContext:
            seccompProfile: {type: RuntimeDefault}
          containers:
          - name: app
            image: ${IMG}
            securityContext:
              seccompProfile: {type: Localhost, localhostProfile: profiles/web.json}
        `),
      ],
      invalid: [
        pod(`
          securityContext:
            seccompProfile: {type: Unconfined}
          containers:
          - name: app
            image: ${IMG}
        `),
        rollout(`
          securityContext:
            seccompProfile: {type: RuntimeDefault}
          containers:
          - name: app
            image: ${IMG}
            securityContext:
              seccompProfile: {type: Unconfined}
        `),
      ],
    },
  }),

  defineRule({
    id: 'unsafe-sysctls',
    title: 'Unsafe sysctl',
    severity: 'medium',
    ...pssControl('baseline', 'sysctls'),
    description:
      'Sysctls that are not namespaced per pod change the kernel for every workload on the node. Baseline allows only ' +
      'the safe set: kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.ip_unprivileged_port_start, ' +
      'net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, plus net.ipv4.ip_local_reserved_ports (1.27+), ' +
      'net.ipv4.tcp_keepalive_time, tcp_fin_timeout, tcp_keepalive_intvl, tcp_keepalive_probes (1.29+), ' +
      'net.ipv4.tcp_rmem and tcp_wmem (1.32+), net.ipv4.tcp_slow_start_after_idle and tcp_notsent_lowat (1.37+), ' +
      'according to the Pod Security Standards version (--pss-version).',
    remediation: 'Remove the sysctl from spec.securityContext.sysctls; set node-level kernel parameters on the nodes instead.',
    check: (resource, context) => {
      const minor = baselineAt(resource, context);
      const safe = safeSysctls(minor);
      return perPod(resource, (pod) =>
        asArray(podSecurityContext(pod)?.sysctls).flatMap((s, i) => {
          const name = asObject(s)?.name;
          if (!isSet(name) || (typeof name === 'string' && safe.has(name))) return [];
          const since = typeof name === 'string' ? sysctlSafeSince(name) : undefined;
          return [
            {
              path: podScPath(pod, 'sysctls', String(i), 'name'),
              message: `the pod sets sysctl ${show(name)}, which is not in the safe set of ${pssName(minor)}${since !== undefined ? ` (safe from v1.${since})` : ''}`,
            },
          ];
        }),
      );
    },
    examples: {
      valid: [
        pod(`
          securityContext:
            sysctls:
            - {name: net.ipv4.ip_local_port_range, value: "1024 65535"}
            - {name: net.ipv4.tcp_keepalive_time, value: "600"}
          containers:
          - name: app
            image: ${IMG}
        `),
      ],
      invalid: [
        deployment(`
          securityContext:
            sysctls:
            - {name: net.core.somaxconn, value: "4096"}
            - {name: kernel.msgmax, value: "65536"}
          containers:
          - name: app
            image: ${IMG}
        `),
      ],
    },
  }),

  defineRule({
    id: 'host-probes-lifecycle',
    title: 'Probe or lifecycle hook targets another host',
    severity: 'medium',
    ...pssControl('baseline', 'host-probes-lifecycle-hooks'),
    description:
      'A probe or lifecycle hook with httpGet.host or tcpSocket.host makes the kubelet connect to an arbitrary ' +
      'address from the node, which can be abused to reach node-local or internal services. Baseline (Pod Security ' +
      'Standards v1.34 and later) requires host to be unset or empty in liveness, readiness and startup probes and in postStart/preStop hooks.',
    remediation: 'Remove the host field so the probe or hook targets the pod\'s own IP.',
    check: (resource, context) => {
      if (baselineAt(resource, context) < SINCE.hostProbes) return [];
      return perContainer(resource, (c) => {
        const out: Omit<Violation, 'container'>[] = [];
        const inspect = (handler: unknown, base: string, what: string): void => {
          for (const kind of HANDLERS) {
            const host = fieldAt(handler, kind, 'host');
            if (isSet(host) && host !== '') out.push({ path: `${base}/${kind}/host`, message: `${describeContainer(c)} ${what} targets host ${show(host)}` });
          }
        };
        for (const probe of PROBES) inspect(c.container[probe], `${c.path}/${probe}`, probe);
        for (const hook of HOOKS) inspect(fieldAt(c.container, 'lifecycle', hook), `${c.path}/lifecycle/${hook}`, `${hook} hook`);
        return out;
      });
    },
    examples: {
      valid: [
        pod(`
          containers:
          - name: app
            image: ${IMG}
            livenessProbe:
              httpGet: {path: /healthz, port: 8080}
            readinessProbe:
              tcpSocket: {port: 8080, host: ""}
            lifecycle:
              preStop:
                httpGet: {path: /drain, port: 8080}
        `),
      ],
      invalid: [
        pod(`
          containers:
          - name: app
            image: ${IMG}
            livenessProbe:
              httpGet: {host: 169.254.169.254, path: /latest/meta-data/, port: 80}
        `),
        deployment(`
          containers:
          - name: app
            image: ${IMG}
            startupProbe:
              tcpSocket: {host: 10.0.0.1, port: 22}
            lifecycle:
              postStart:
                httpGet: {host: internal.example.com, path: /register, port: 80}
        `),
      ],
    },
  }),

  // ============================== Restricted ==============================
  defineRule({
    id: 'restricted-volume-types',
    title: 'Volume type not allowed by the Restricted profile',
    severity: 'medium',
    ...pssControl('restricted', 'volume-types'),
    description:
      'Restricted allows only volumes of type configMap, csi, downwardAPI, emptyDir, ephemeral, image, ' +
      'persistentVolumeClaim, projected and secret; other storage (nfs, iscsi, rbd, gitRepo, cloud disks, ...) must ' +
      'be provided through a PersistentVolume and claimed. hostPath is forbidden as well, and reported by the ' +
      'Baseline rule host-path-volume. The image volume type is allowed by the admission controller since ' +
      'Kubernetes 1.33 although the published page does not list it yet. A volume with no source is defaulted ' +
      'to emptyDir by the API server and passes.',
    remediation: 'Define the storage as a PersistentVolume and mount it through a persistentVolumeClaim, or use one of the allowed volume types.',
    check: (resource) =>
      perPod(resource, (pod) =>
        asArray(pod.spec.volumes).flatMap((v, i) => {
          const vol = asObject(v);
          if (!vol) return [];
          const sources = Object.keys(vol).filter((k) => k !== 'name' && isSet(vol[k]));
          if (sources.length === 0 || sources.some((k) => RESTRICTED_VOLUME_SOURCES.has(k)) || sources.includes('hostPath')) return [];
          return [
            {
              path: `${pod.path}/volumes/${i}/${escapePointerToken(sources[0])}`,
              message: `volume ${show(vol.name ?? `#${i}`)} uses the ${sources[0]} volume type, which the Restricted profile does not allow`,
            },
          ];
        }),
      ),
    examples: {
      valid: [
        pod(`
          containers:
          - name: app
            image: ${IMG}
            securityContext: ${RESTRICTED_CONTAINER_SC}
          volumes:
          - name: config
            configMap: {name: web-config}
          - name: token
            projected:
              sources: [{serviceAccountToken: {path: token, expirationSeconds: 3600}}]
          - name: data
            persistentVolumeClaim: {claimName: web-data}
          - name: scratch
            ephemeral:
              volumeClaimTemplate:
                spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
          - name: models
            image: {reference: "registry.example.com/ml/models:v3", pullPolicy: IfNotPresent}
          - name: tmp
        `),
      ],
      invalid: [
        deployment(`
          containers:
          - name: app
            image: ${IMG}
          volumes:
          - name: shared
            nfs: {server: nfs.example.com, path: /exports/shop}
        `),
        rollout(`
          containers:
          - name: app
            image: ${IMG}
          volumes:
          - name: site
            gitRepo: {repository: "https://example.com/site.git", revision: main}
        `),
      ],
    },
  }),

  defineRule({
    id: 'allow-privilege-escalation',
    title: 'Privilege escalation not disabled',
    severity: 'medium',
    ...pssControl('restricted', 'privilege-escalation'),
    description:
      'Unless allowPrivilegeEscalation is false, a process can gain more privileges than its parent (setuid binaries, ' +
      'file capabilities). Restricted requires every container, init container and ephemeral container to set ' +
      'allowPrivilegeEscalation: false explicitly: unset counts as allowed. The control exists from Pod Security Standards ' +
      'v1.8; from v1.25 Windows pods (spec.os.name: windows) are exempt.',
    remediation: 'Set securityContext.allowPrivilegeEscalation: false on every container.',
    check: (resource, context) => {
      const minor = restrictedAt(resource, context);
      if (minor < SINCE.privilegeEscalation) return [];
      return perContainer(resource, (c) => {
        if (windowsExempt(c.pod, minor)) return undefined;
        const sc = containerSecurityContext(c);
        const ape = sc?.allowPrivilegeEscalation;
        if (ape === false) return undefined;
        const windows = isWindowsPod(c.pod) ? onlyBefore(minor, SINCE.windowsExemption, 'Windows pods') : '';
        // A privileged container cannot have it off (the API server rejects privileged: true with
        // allowPrivilegeEscalation: false): the cause is privileged, and the finding is folded into that one.
        const cause = sc?.privileged === true ? scPath(c, 'privileged') : undefined;
        if (isSet(ape))
          return { path: scPath(c, 'allowPrivilegeEscalation'), cause, message: `${describeContainer(c)} sets allowPrivilegeEscalation to ${show(ape)}; it must be false${windows}` };
        return { path: missingSettingPath(c), cause, message: `${describeContainer(c)} does not set allowPrivilegeEscalation: false (unset means escalation is allowed)${windows}` };
      });
    },
    examples: {
      valid: [
        pod(`
          containers:
          - name: app
            image: ${IMG}
            securityContext: {allowPrivilegeEscalation: false}
          initContainers:
          - name: migrate
            image: ${IMG}
            securityContext: {allowPrivilegeEscalation: false}
        `),
        pod(`
          os: {name: windows}
          containers:
          - name: app
            image: mcr.microsoft.com/windows/servercore:ltsc2022
        `),
      ],
      invalid: [
        pod(`
          containers:
          - name: app
            image: ${IMG}
        `),
        deployment(`
          initContainers:
          - name: migrate
            image: ${IMG}
            securityContext: {allowPrivilegeEscalation: true}
          containers:
          - name: app
            image: ${IMG}
            securityContext: {allowPrivilegeEscalation: false}
        `),
        pod(`
          containers:
          - name: app
            image: ${IMG}
            securityContext: ${RESTRICTED_CONTAINER_SC}
          ephemeralContainers:
          - name: debugger
            image: busybox:1.36
            securityContext: {runAsNonRoot: true}
        `),
      ],
    },
  }),

  defineRule({
    id: 'run-as-non-root',
    title: 'Container not required to run as non-root',
    severity: 'medium',
    ...pssControl('restricted', 'running-as-non-root'),
    description:
      'Restricted requires runAsNonRoot: true, so the kubelet refuses to start a container whose user is root. A ' +
      'container may leave it unset only when the pod-level spec.securityContext.runAsNonRoot is true; a container ' +
      'that sets false fails even then, and a pod-level false fails even if every container sets true. Pods with their ' +
      'own user namespace (spec.hostUsers: false) are exempt from Pod Security Standards v1.35.',
    remediation: 'Set spec.securityContext.runAsNonRoot: true on the pod (or securityContext.runAsNonRoot: true on every container) and run the image as a non-zero UID.',
    references: [PSS_RESTRICTED_URL, USER_NAMESPACES_PSS_URL],
    check: (resource, context) => {
      const minor = restrictedAt(resource, context);
      const userns = (pod: PodSpecView): string => (pod.spec.hostUsers === false ? onlyBefore(minor, SINCE.userNamespaces, 'pods with hostUsers: false') : '');
      return podAndContainers(
        resource,
        (pod) => {
          if (userNamespaceRelaxed(pod, minor)) return [];
          const v = podSecurityContext(pod)?.runAsNonRoot;
          return isSet(v) && v !== true ? [{ path: podScPath(pod, 'runAsNonRoot'), message: `the pod sets runAsNonRoot to ${show(v)}; it must be true${userns(pod)}` }] : [];
        },
        (c) => {
          if (userNamespaceRelaxed(c.pod, minor)) return [];
          const v = containerSecurityContext(c)?.runAsNonRoot;
          if (isSet(v)) return v === true ? [] : [{ path: scPath(c, 'runAsNonRoot'), message: `${describeContainer(c)} sets runAsNonRoot to ${show(v)}; it must be true${userns(c.pod)}` }];
          const podValue = podSecurityContext(c.pod)?.runAsNonRoot;
          // A wrong pod-level value is reported once on the pod, not again on every container inheriting it.
          if (podValue === true || isSet(podValue)) return [];
          return [{ path: missingSettingPath(c), message: `${describeContainer(c)} is not required to run as non-root: neither it nor the pod sets runAsNonRoot: true${userns(c.pod)}` }];
        },
      );
    },
    examples: {
      valid: [
        deployment(`
          securityContext: {runAsNonRoot: true, runAsUser: 10001}
          initContainers:
          - name: migrate
            image: ${IMG}
          containers:
          - name: app
            image: ${IMG}
        `),
        pod(`
          containers:
          - name: app
            image: ${IMG}
            securityContext: {runAsNonRoot: true}
          - name: sidecar
            image: registry.example.com/shop/proxy:2.0
            securityContext: {runAsNonRoot: true}
        `),
      ],
      invalid: [
        pod(`
          containers:
          - name: app
            image: ${IMG}
        `),
        pod(`
          securityContext: {runAsNonRoot: true}
          containers:
          - name: app
            image: ${IMG}
          - name: legacy
            image: registry.example.com/shop/legacy:0.9
            securityContext: {runAsNonRoot: false}
        `),
        pod(`
          securityContext: {runAsNonRoot: false}
          containers:
          - name: app
            image: ${IMG}
            securityContext: {runAsNonRoot: true}
        `),
        cronJob(`
          containers:
          - name: report
            image: ${IMG}
            securityContext: {allowPrivilegeEscalation: false}
        `),
      ],
    },
  }),

  defineRule({
    id: 'run-as-root-user',
    title: 'Runs as UID 0',
    severity: 'medium',
    ...pssControl('restricted', 'running-as-non-root-user'),
    description:
      'Restricted forbids runAsUser: 0 at pod and container level (undefined or any other UID is allowed). A ' +
      'pod-level 0 fails even if every container overrides it. The control exists from Pod Security Standards v1.23; ' +
      'pods with their own user namespace (spec.hostUsers: false) are exempt from v1.35.',
    remediation: 'Set runAsUser to a non-zero UID the image supports (for example 10001), or remove it and rely on a non-root USER in the image.',
    references: [PSS_RESTRICTED_URL, USER_NAMESPACES_PSS_URL],
    check: (resource, context) => {
      const minor = restrictedAt(resource, context);
      if (minor < SINCE.runAsUser) return [];
      const userns = (pod: PodSpecView): string => (pod.spec.hostUsers === false ? onlyBefore(minor, SINCE.userNamespaces, 'pods with hostUsers: false') : '');
      return podAndContainers(
        resource,
        (pod) =>
          !userNamespaceRelaxed(pod, minor) && podSecurityContext(pod)?.runAsUser === 0
            ? [{ path: podScPath(pod, 'runAsUser'), message: `the pod runs as root (runAsUser: 0)${userns(pod)}` }]
            : [],
        (c) =>
          !userNamespaceRelaxed(c.pod, minor) && containerSecurityContext(c)?.runAsUser === 0
            ? [{ path: scPath(c, 'runAsUser'), message: `${describeContainer(c)} runs as root (runAsUser: 0)${userns(c.pod)}` }]
            : [],
      );
    },
    examples: {
      valid: [
        pod(`
          securityContext: {runAsUser: 10001}
          containers:
          - name: app
            image: ${IMG}
            securityContext: {runAsUser: 2000}
        `),
        pod(`
          containers:
          - name: app
            image: ${IMG}
        `),
        pod(`
          # Root in its own user namespace is not root on the node: exempt from Pod Security Standards v1.35.
          hostUsers: false
          containers:
          - name: app
            image: ${IMG}
            securityContext: {runAsUser: 0}
        `),
      ],
      invalid: [
        pod(`
          securityContext: {runAsUser: 0}
          containers:
          - name: app
            image: ${IMG}
            securityContext: {runAsUser: 1000}
        `),
        deployment(`
          securityContext: {runAsUser: 10001, runAsNonRoot: true}
          initContainers:
          - name: chown
            image: busybox:1.36
            securityContext: {runAsUser: 0}
          containers:
          - name: app
            image: ${IMG}
        `),
      ],
    },
  }),

  defineRule({
    id: 'seccomp-profile-required',
    title: 'No seccomp profile set',
    severity: 'medium',
    ...pssControl('restricted', 'seccomp'),
    description:
      'Restricted requires every container to run with seccompProfile.type RuntimeDefault or Localhost: set it on the ' +
      'pod (containers inherit it) or on every container. The absence of a profile fails; an explicit Unconfined is ' +
      'reported by the Baseline rule seccomp-unconfined. The control exists from Pod Security Standards v1.19; from ' +
      'v1.25 Windows pods (spec.os.name: windows) are exempt.',
    remediation: 'Set spec.securityContext.seccompProfile.type: RuntimeDefault on the pod (or on every container).',
    check: (resource, context) => {
      const restricted = restrictedAt(resource, context);
      const baseline = baselineAt(resource, context);
      return perPod(resource, (pod) => {
        const podContainers = containersOf(resource, pod);
        // What seccomp-unconfined reports at the Baseline version is not reported again here.
        const reported = new Set(seccompBaselineViolations(pod, podContainers, baseline).map((v) => v.path));
        return seccompRestrictedViolations(pod, podContainers, restricted).filter((v) => !reported.has(v.path));
      });
    },
    examples: {
      valid: [
        deployment(`
          securityContext:
            seccompProfile: {type: RuntimeDefault}
          containers:
          - name: app
            image: ${IMG}
          initContainers:
          - name: migrate
            image: ${IMG}
        `),
        pod(`
          containers:
          - name: app
            image: ${IMG}
            securityContext:
              seccompProfile: {type: Localhost, localhostProfile: profiles/web.json}
        `),
        pod(`
          os: {name: windows}
          containers:
          - name: app
            image: mcr.microsoft.com/windows/servercore:ltsc2022
        `),
      ],
      invalid: [
        pod(`
          containers:
          - name: app
            image: ${IMG}
            securityContext: {runAsNonRoot: true}
        `),
        pod(`
          containers:
          - name: app
            image: ${IMG}
            securityContext:
              seccompProfile: {type: RuntimeDefault}
          initContainers:
          - name: migrate
            image: ${IMG}
        `),
        rollout(`
          containers:
          - name: app
            image: ${IMG}
        `),
      ],
    },
  }),

  defineRule({
    id: 'capabilities-drop-all',
    title: 'Capabilities not dropped',
    severity: 'medium',
    ...pssControl('restricted', 'capabilities'),
    description:
      'Restricted requires every container to drop ALL capabilities (securityContext.capabilities.drop must contain ' +
      '"ALL", in capitals, as the admission controller compares it exactly) and to add back at most NET_BIND_SERVICE ' +
      '(rule restricted-capabilities-add). The control exists from Pod Security Standards v1.22; from v1.25 Windows ' +
      'pods (spec.os.name: windows) are exempt.',
    remediation: 'Add securityContext.capabilities.drop: ["ALL"] to every container, then add back only NET_BIND_SERVICE if the process binds a port below 1024.',
    check: (resource, context) => {
      const minor = restrictedAt(resource, context);
      if (minor < SINCE.restrictedCapabilities) return [];
      return perContainer(resource, (c) => {
        if (windowsExempt(c.pod, minor)) return undefined;
        const sc = containerSecurityContext(c);
        const caps = asObject(sc?.capabilities);
        const drop = caps?.drop;
        if (Array.isArray(drop) && drop.includes('ALL')) return undefined;
        const windows = isWindowsPod(c.pod) ? onlyBefore(minor, SINCE.windowsExemption, 'Windows pods') : '';
        if (Array.isArray(drop)) {
          const lower = drop.some((d) => typeof d === 'string' && d.toUpperCase() === 'ALL');
          return {
            path: scPath(c, 'capabilities', 'drop'),
            cause: scPath(c, 'capabilities', 'drop'),
            message: lower
              ? `${describeContainer(c)} drops "${drop.find((d) => typeof d === 'string' && d.toUpperCase() === 'ALL')}"; Pod Security admission only accepts "ALL" in capitals${windows}`
              : `${describeContainer(c)} drops only some capabilities; it must drop ALL${windows}`,
          };
        }
        return {
          path: caps ? scPath(c, 'capabilities') : missingSettingPath(c),
          // The drop list (missing here): net-raw-not-dropped names it too, and dropping ALL fixes both.
          cause: scPath(c, 'capabilities', 'drop'),
          message: `${describeContainer(c)} does not drop ALL capabilities${windows}`,
        };
      });
    },
    examples: {
      valid: [
        pod(`
          containers:
          - name: app
            image: ${IMG}
            securityContext:
              capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
          initContainers:
          - name: migrate
            image: ${IMG}
            securityContext:
              capabilities: {drop: [NET_RAW, ALL]}
        `),
        pod(`
          os: {name: windows}
          containers:
          - name: app
            image: mcr.microsoft.com/windows/servercore:ltsc2022
        `),
      ],
      invalid: [
        deployment(`
          containers:
          - name: app
            image: ${IMG}
            securityContext:
              capabilities: {drop: [NET_RAW]}
        `),
        pod(`
          containers:
          - name: app
            image: ${IMG}
            securityContext:
              capabilities: {drop: [all]}
        `),
        cronJob(`
          containers:
          - name: report
            image: ${IMG}
        `),
      ],
    },
  }),

  defineRule({
    id: 'restricted-capabilities-add',
    title: 'Container adds a capability other than NET_BIND_SERVICE',
    severity: 'low',
    ...pssControl('restricted', 'capabilities'),
    description:
      'After dropping ALL, Restricted lets a container add back only NET_BIND_SERVICE. This rule reports the ' +
      'capabilities Baseline would still accept (CHOWN, SETUID, KILL, ...); capabilities outside the Baseline set are ' +
      'reported by disallowed-capabilities. The control exists from Pod Security Standards v1.22; from v1.25 Windows ' +
      'pods (spec.os.name: windows) are exempt.',
    remediation: 'Remove the capability from securityContext.capabilities.add; only NET_BIND_SERVICE may be added back.',
    check: (resource, context) => {
      const minor = restrictedAt(resource, context);
      if (minor < SINCE.restrictedCapabilities) return [];
      return perContainer(resource, (c) => {
        if (windowsExempt(c.pod, minor)) return undefined;
        const windows = isWindowsPod(c.pod) ? onlyBefore(minor, SINCE.windowsExemption, 'Windows pods') : '';
        return asArray(fieldAt(containerSecurityContext(c), 'capabilities', 'add')).flatMap((cap, i) =>
          typeof cap === 'string' && cap !== RESTRICTED_ALLOWED_CAPABILITY && BASELINE_ALLOWED_CAPABILITIES.has(cap)
            ? [{ path: scPath(c, 'capabilities', 'add', String(i)), cause: scPath(c, 'capabilities', 'add', String(i)), message: `${describeContainer(c)} adds capability ${cap}; Restricted allows adding only NET_BIND_SERVICE${windows}` }]
            : [],
        );
      });
    },
    examples: {
      valid: [
        pod(`
          containers:
          - name: app
            image: ${IMG}
            securityContext:
              capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
        `),
      ],
      invalid: [
        pod(`
          containers:
          - name: app
            image: ${IMG}
            securityContext:
              capabilities: {drop: [ALL], add: [NET_BIND_SERVICE, CHOWN, SETUID]}
        `),
        deployment(`
          initContainers:
          - name: fix-perms
            image: busybox:1.36
            securityContext:
              capabilities: {drop: [ALL], add: [FOWNER]}
          containers:
          - name: app
            image: ${IMG}
        `),
      ],
    },
  }),

  defineRule({
    id: 'proc-mount-restricted',
    title: 'Unmasked /proc mount in a user-namespace pod',
    severity: 'medium',
    ...pssControl('restricted', 'proc-mount-type'),
    description:
      'From Pod Security Standards v1.35 Baseline lets a pod with its own user namespace (spec.hostUsers: false) use a ' +
      'non-default procMount, but Restricted still requires it to be unset or Default. What the Baseline rule proc-mount ' +
      'reports (every other non-default procMount, and at earlier versions these too) is not reported again here.',
    remediation: 'Remove securityContext.procMount or set it to Default.',
    references: [PSS_RESTRICTED_URL, USER_NAMESPACES_PSS_URL],
    check: (resource, context) => {
      // Restricted forbids every non-default procMount at every version; this rule reports those Baseline allows at its version.
      const baseline = baselineAt(resource, context);
      return perContainer(resource, (c) => {
        if (!userNamespaceRelaxed(c.pod, baseline)) return undefined;
        const pm = containerSecurityContext(c)?.procMount;
        if (!isSet(pm) || pm === 'Default') return undefined;
        return { path: scPath(c, 'procMount'), message: `${describeContainer(c)} uses procMount ${show(pm)}; Restricted requires Default even with a user namespace` };
      });
    },
    examples: {
      valid: [
        pod(`
          hostUsers: false
          containers:
          - name: app
            image: ${IMG}
            securityContext: {procMount: Default}
        `),
      ],
      invalid: [
        pod(`
          hostUsers: false
          containers:
          - name: builder
            image: quay.io/buildah/stable:v1.37
            securityContext: {procMount: Unmasked}
        `),
      ],
    },
  }),
];
