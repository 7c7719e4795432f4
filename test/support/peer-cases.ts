/**
 * Small manifests of our own, each shaped like a success or failure case of a peer tool's own test
 * fixtures (Polaris test/checks/<check>/success*.yaml and failure*.yaml, KubeLinter tests/checks/*.yml
 * with the verdicts of its e2e tests), or like a case its documented semantics decide. The peers' files
 * are not copied: only the shape of the case is reproduced.
 *
 * `peerVerdict` is what the peer says; `differs` marks the cases where kshield deliberately judges
 * otherwise, each explained in docs/peer-coverage.md under "Where we differ, and why".
 */

type Obj = Record<string, unknown>;

export interface PeerCase {
  peer: 'Polaris' | 'KubeLinter';
  check: string;
  label: string;
  peerVerdict: 'fail' | 'pass';
  differs?: true;
  objects: Obj[];
  /** The Kubernetes version to judge against, where the case depends on it (default: kshield's). */
  kubernetesVersion?: string;
}

const NS = 'shop';
const IMG = 'registry.example.com/shop/app:1.4.2';

function container(extra: Obj = {}): Obj {
  return { name: 'app', image: IMG, ...extra };
}

function pod(spec: Obj = {}, meta: Obj = {}): Obj {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app', namespace: NS, labels: { app: 'app' }, ...meta }, spec: { containers: [container()], ...spec } };
}

/** A pod with one container carrying `extra`. */
function podWith(extra: Obj, spec: Obj = {}, meta: Obj = {}): Obj {
  return pod({ containers: [container(extra)], ...spec }, meta);
}

function deployment(o: { name?: string; replicas?: number | null; podSpec?: Obj; container?: Obj; spec?: Obj; meta?: Obj; labels?: Obj; kind?: string; apiVersion?: string } = {}): Obj {
  const name = o.name ?? 'app';
  const labels = o.labels ?? { app: name };
  const spec: Obj = { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [container(o.container)], ...o.podSpec } }, ...o.spec };
  if (o.replicas !== null) spec.replicas = o.replicas ?? 3;
  return { apiVersion: o.apiVersion ?? 'apps/v1', kind: o.kind ?? 'Deployment', metadata: { name, namespace: NS, ...o.meta }, spec };
}

function hpa(target: string, minReplicas: number | undefined, maxReplicas: number): Obj {
  const spec: Obj = { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target }, maxReplicas };
  if (minReplicas !== undefined) spec.minReplicas = minReplicas;
  return { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: target, namespace: NS }, spec };
}

function pdb(spec: Obj, name = 'app', selector: Obj = { matchLabels: { app: 'app' } }): Obj {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: NS }, spec: { selector, ...spec } };
}

function role(rules: Obj[], name = 'role', kind: 'Role' | 'ClusterRole' = 'Role'): Obj {
  const metadata: Obj = kind === 'Role' ? { name, namespace: NS } : { name };
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata, rules };
}

function binding(roleKind: 'Role' | 'ClusterRole', roleName: string, kind: 'RoleBinding' | 'ClusterRoleBinding' = 'RoleBinding'): Obj {
  const metadata: Obj = kind === 'RoleBinding' ? { name: `bind-${roleName}`, namespace: NS } : { name: `bind-${roleName}` };
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind,
    metadata,
    subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: NS }],
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: roleName },
  };
}

function service(spec: Obj, name = 'app'): Obj {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec };
}

function netpol(spec: Obj, name = 'policy'): Obj {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: NS }, spec };
}

function ingress(spec: Obj, apiVersion = 'networking.k8s.io/v1'): Obj {
  return { apiVersion, kind: 'Ingress', metadata: { name: 'web', namespace: NS }, spec };
}

function serviceAccount(name: string, extra: Obj = {}): Obj {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: NS }, ...extra };
}

const EXEC = { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] };
const READ_PODS = { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] };
const ALL = { apiGroups: ['*'], resources: ['*'], verbs: ['*'] };
/** The default capability set of containerd and CRI-O, dropped one by one. */
const RUNTIME_DEFAULT_CAPS = ['CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP', 'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE', 'NET_ADMIN'];
const PROBE = { httpGet: { path: '/healthz', port: 8080 } };
const RESOURCES = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } };

function P(check: string, label: string, peerVerdict: 'fail' | 'pass', objects: Obj[], differs?: true): PeerCase {
  return { peer: 'Polaris', check, label, peerVerdict, objects, ...(differs ? { differs } : {}) };
}

function K(check: string, label: string, peerVerdict: 'fail' | 'pass', objects: Obj[], differs?: true): PeerCase {
  return { peer: 'KubeLinter', check, label, peerVerdict, objects, ...(differs ? { differs } : {}) };
}

const POLARIS: PeerCase[] = [
  P('automountServiceAccountToken', 'nothing disables the token', 'fail', [pod({ serviceAccountName: 'web' }), serviceAccount('web')]),
  P('automountServiceAccountToken', 'the service account disables it', 'pass', [pod({ serviceAccountName: 'web' }), serviceAccount('web', { automountServiceAccountToken: false })]),
  P('automountServiceAccountToken', 'the pod disables it', 'pass', [pod({ serviceAccountName: 'web', automountServiceAccountToken: false }), serviceAccount('web')]),
  P('automountServiceAccountToken', 'the pod disables it over the service account\'s true', 'pass', [pod({ serviceAccountName: 'web', automountServiceAccountToken: false }), serviceAccount('web', { automountServiceAccountToken: true })]),
  P('automountServiceAccountToken', 'the pod enables it over the service account\'s false', 'fail', [pod({ serviceAccountName: 'web', automountServiceAccountToken: true }), serviceAccount('web', { automountServiceAccountToken: false })]),

  P('clusterrolePodExecAttach', 'ClusterRole creates pods/exec', 'fail', [role([EXEC], 'debugger', 'ClusterRole')]),
  P('clusterrolePodExecAttach', 'ClusterRole reads pods only', 'pass', [role([READ_PODS], 'reader', 'ClusterRole')]),
  P('clusterrolePodExecAttach', 'a system:-prefixed ClusterRole written in the manifests grants exec', 'pass', [role([EXEC], 'system:debugger', 'ClusterRole')], true),
  P('clusterrolebindingClusterAdmin', 'bound to cluster-admin', 'fail', [binding('ClusterRole', 'cluster-admin', 'ClusterRoleBinding')]),
  P('clusterrolebindingClusterAdmin', 'bound to view', 'pass', [binding('ClusterRole', 'view', 'ClusterRoleBinding')]),
  P('clusterrolebindingClusterAdmin', 'a binding whose name Polaris exempts grants */*/*', 'pass', [
    role([ALL], 'everything', 'ClusterRole'),
    { ...binding('ClusterRole', 'everything', 'ClusterRoleBinding'), metadata: { name: 'gce:podsecuritypolicy:calico-sa' } },
  ], true),
  P('clusterrolebindingPodExecAttach', 'binding to a ClusterRole with exec', 'fail', [role([EXEC], 'debugger', 'ClusterRole'), binding('ClusterRole', 'debugger', 'ClusterRoleBinding')]),
  P('clusterrolebindingPodExecAttach', 'binding to a read-only ClusterRole', 'pass', [role([READ_PODS], 'reader', 'ClusterRole'), binding('ClusterRole', 'reader', 'ClusterRoleBinding')]),
  P('rolePodExecAttach', 'Role creates pods/exec', 'fail', [role([EXEC])]),
  P('rolePodExecAttach', 'Role reads pods only', 'pass', [role([READ_PODS])]),
  P('rolebindingClusterAdminClusterRole', 'RoleBinding to cluster-admin', 'fail', [binding('ClusterRole', 'cluster-admin')]),
  P('rolebindingClusterAdminClusterRole', 'RoleBinding to view', 'pass', [binding('ClusterRole', 'view')]),
  P('rolebindingClusterAdminRole', 'RoleBinding to a Role with */*/*', 'fail', [role([ALL], 'everything'), binding('Role', 'everything')]),
  P('rolebindingClusterAdminRole', 'RoleBinding to a read-only Role', 'pass', [role([READ_PODS], 'reader'), binding('Role', 'reader')]),
  P('rolebindingClusterRolePodExecAttach', 'RoleBinding to a ClusterRole with exec', 'fail', [role([EXEC], 'debugger', 'ClusterRole'), binding('ClusterRole', 'debugger')]),
  P('rolebindingClusterRolePodExecAttach', 'RoleBinding to a read-only ClusterRole', 'pass', [role([READ_PODS], 'reader', 'ClusterRole'), binding('ClusterRole', 'reader')]),
  P('rolebindingRolePodExecAttach', 'RoleBinding to a Role with exec', 'fail', [role([EXEC], 'debugger'), binding('Role', 'debugger')]),
  P('rolebindingRolePodExecAttach', 'RoleBinding to a read-only Role', 'pass', [role([READ_PODS], 'reader'), binding('Role', 'reader')]),

  P('cpuLimitsMissing', 'memory limit only', 'fail', [podWith({ resources: { limits: { memory: '128Mi' } } })]),
  P('cpuLimitsMissing', 'cpu limit set', 'pass', [podWith({ resources: { limits: { memory: '128Mi', cpu: '100m' } } })]),
  P('cpuRequestsMissing', 'memory request only', 'fail', [podWith({ resources: { requests: { memory: '128Mi' } } })]),
  P('cpuRequestsMissing', 'cpu request set', 'pass', [podWith({ resources: { requests: { memory: '128Mi', cpu: '100m' } } })]),
  P('memoryLimitsMissing', 'cpu limit only', 'fail', [podWith({ resources: { limits: { cpu: '100m' } } })]),
  P('memoryLimitsMissing', 'memory limit set', 'pass', [podWith({ resources: { limits: { memory: '512Mi' } } })]),
  P('memoryRequestsMissing', 'empty requests', 'fail', [podWith({ resources: { requests: {} } })]),
  P('memoryRequestsMissing', 'memory request set', 'pass', [podWith({ resources: { requests: { memory: '512Mi' } } })]),

  P('dangerousCapabilities', 'adds NET_ADMIN', 'fail', [podWith({ securityContext: { capabilities: { add: ['NET_ADMIN'] } } })]),
  P('dangerousCapabilities', 'adds ALL', 'fail', [podWith({ securityContext: { capabilities: { add: ['ALL'] } } })]),
  P('dangerousCapabilities', 'adds nothing', 'pass', [podWith({ securityContext: { capabilities: { add: [] } } })]),
  P('dangerousCapabilities', 'adds SYS_PTRACE', 'pass', [podWith({ securityContext: { capabilities: { add: ['SYS_PTRACE'] } } })], true),
  P('insecureCapabilities', 'drops nothing', 'fail', [pod()]),
  P('insecureCapabilities', 'drops some defaults only', 'fail', [podWith({ securityContext: { capabilities: { drop: ['NET_RAW', 'MKNOD'] } } })]),
  P('insecureCapabilities', 'drops ALL', 'pass', [podWith({ securityContext: { capabilities: { drop: ['ALL'] } } })]),
  P('insecureCapabilities', 'drops every runtime default one by one', 'pass', [podWith({ securityContext: { capabilities: { drop: RUNTIME_DEFAULT_CAPS } } })], true),

  P('linuxHardening', 'nothing set', 'fail', [pod()]),
  P('linuxHardening', 'the container sets seccomp Unconfined over the pod profile', 'fail', [
    podWith({ securityContext: { seccompProfile: { type: 'Unconfined' } } }, { securityContext: { seccompProfile: { type: 'RuntimeDefault' } } }),
  ]),
  P('linuxHardening', 'drops ALL but adds ALL back', 'fail', [podWith({ securityContext: { capabilities: { drop: ['ALL'], add: ['all'] } } })]),
  P('linuxHardening', 'empty seLinuxOptions', 'fail', [podWith({ securityContext: { seLinuxOptions: {} } })]),
  P('linuxHardening', 'AppArmor annotation for another container name', 'fail', [pod({}, { annotations: { 'container.apparmor.security.beta.kubernetes.io/other': 'runtime/default' } })]),
  P('linuxHardening', 'pod seccomp RuntimeDefault', 'pass', [pod({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } } })]),
  P('linuxHardening', 'container seccomp over an Unconfined pod', 'pass', [
    podWith({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } } }, { securityContext: { seccompProfile: { type: 'Unconfined' } } }),
  ]),
  P('linuxHardening', 'drops one capability', 'pass', [podWith({ securityContext: { capabilities: { drop: ['NET_RAW'] } } })]),
  P('linuxHardening', 'pod SELinux level', 'pass', [pod({ securityContext: { seLinuxOptions: { level: 's0:c123,c456' } } })]),
  P('linuxHardening', 'AppArmor annotation for the container', 'pass', [pod({}, { annotations: { 'container.apparmor.security.beta.kubernetes.io/app': 'runtime/default' } })]),

  P('deploymentMissingReplicas', 'one replica', 'fail', [deployment({ replicas: 1 })]),
  P('deploymentMissingReplicas', 'three replicas', 'pass', [deployment({ replicas: 3 })]),

  P('hostIPCSet', 'hostIPC true', 'fail', [pod({ hostIPC: true })]),
  P('hostIPCSet', 'hostIPC false', 'pass', [pod({ hostIPC: false })]),
  P('hostNetworkSet', 'hostNetwork true', 'fail', [pod({ hostNetwork: true })]),
  P('hostNetworkSet', 'hostNetwork false', 'pass', [pod({ hostNetwork: false })]),
  P('hostPIDSet', 'hostPID true', 'fail', [pod({ hostPID: true })]),
  P('hostPIDSet', 'hostPID false', 'pass', [pod({ hostPID: false })]),
  P('hostPathSet', 'hostPath volume', 'fail', [pod({ volumes: [{ name: 'logs', hostPath: { path: '/var/log' } }] })]),
  P('hostPathSet', 'emptyDir volume', 'pass', [pod({ volumes: [{ name: 'logs', emptyDir: {} }] })]),
  P('hostPortSet', 'hostPort set', 'fail', [podWith({ ports: [{ containerPort: 80, hostPort: 8080 }] })]),
  P('hostPortSet', 'container port only', 'pass', [podWith({ ports: [{ containerPort: 80 }] })]),
  P('hostProcess', 'Windows HostProcess container', 'fail', [
    pod({ os: { name: 'windows' }, hostNetwork: true, securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } } }),
  ]),
  P('hostProcess', 'hostProcess false', 'pass', [pod({ securityContext: { windowsOptions: { hostProcess: false } } })]),

  P('hpaMaxAvailability', 'maxReplicas equals minReplicas', 'fail', [hpa('app', 5, 5)]),
  P('hpaMaxAvailability', 'room to scale', 'pass', [hpa('app', 5, 10)]),
  P('hpaMinAvailability', 'minReplicas 1', 'fail', [hpa('app', 1, 10)]),
  P('hpaMinAvailability', 'minReplicas 2', 'pass', [hpa('app', 2, 10)]),
  P('hpaMinAvailability', 'minReplicas unset', 'pass', [hpa('app', undefined, 10)], true),

  P('livenessProbeMissing', 'no liveness probe', 'fail', [pod()]),
  P('livenessProbeMissing', 'liveness probe', 'pass', [podWith({ livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] } } })]),
  P('readinessProbeMissing', 'no readiness probe', 'fail', [pod()]),
  P('readinessProbeMissing', 'readiness probe', 'pass', [podWith({ readinessProbe: { exec: { command: ['cat', '/tmp/ready'] } } })]),

  P('metadataAndInstanceMismatched', 'instance label differs from the name', 'fail', [pod({}, { name: 'web', labels: { 'app.kubernetes.io/instance': 'not-web' } })]),
  P('metadataAndInstanceMismatched', 'instance label equals the name', 'pass', [pod({}, { name: 'web', labels: { 'app.kubernetes.io/instance': 'web' } })]),
  P('metadataAndInstanceMismatched', 'no instance label', 'fail', [pod({}, { name: 'web', labels: { app: 'web' } })], true),

  P('missingNetworkPolicy', 'the only policy selects other pods', 'fail', [
    deployment(),
    netpol({ podSelector: { matchLabels: { app: 'other' } }, policyTypes: ['Ingress', 'Egress'], ingress: [{}], egress: [{}] }),
  ]),
  P('missingNetworkPolicy', 'no policy in the namespace', 'fail', [deployment()]),
  P('missingNetworkPolicy', 'a policy with ingress and egress rules selects the pods', 'pass', [
    deployment(),
    netpol({
      podSelector: { matchLabels: { app: 'app' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { role: 'frontend' } } }] }],
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }] }],
    }),
  ]),
  P('missingNetworkPolicy', 'a deny-all policy (both types, no rules) selects the pods', 'fail', [
    deployment(),
    netpol({ podSelector: { matchLabels: { app: 'app' } }, policyTypes: ['Ingress', 'Egress'] }),
  ], true),

  P('missingPodDisruptionBudget', 'three replicas, no budget', 'fail', [deployment({ replicas: 3 })]),
  P('missingPodDisruptionBudget', 'three replicas with a budget', 'pass', [deployment({ replicas: 3 }), pdb({ maxUnavailable: 1 })]),
  P('missingPodDisruptionBudget', 'one replica (replicas unset), no budget', 'fail', [deployment({ replicas: null })], true),

  P('notReadOnlyRootFilesystem', 'readOnlyRootFilesystem false', 'fail', [podWith({ securityContext: { readOnlyRootFilesystem: false } })]),
  P('notReadOnlyRootFilesystem', 'readOnlyRootFilesystem true', 'pass', [podWith({ securityContext: { readOnlyRootFilesystem: true } })]),

  P('pdbDisruptionsIsZero', 'maxUnavailable 0', 'fail', [pdb({ maxUnavailable: 0 })]),
  P('pdbDisruptionsIsZero', 'minAvailable 100%', 'fail', [pdb({ minAvailable: '100%' })]),
  P('pdbDisruptionsIsZero', 'maxUnavailable 5%', 'pass', [pdb({ maxUnavailable: '5%' })]),
  P('pdbDisruptionsIsZero', 'a live object whose status allows no disruption', 'fail', [
    { ...pdb({ maxUnavailable: 1 }), status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 } },
  ], true),

  P('pdbMinAvailableGreaterThanHPAMinReplicas', 'minAvailable above the autoscaler minimum', 'fail', [deployment({ replicas: null }), pdb({ minAvailable: 10 }), hpa('app', 5, 7)]),
  P('pdbMinAvailableGreaterThanHPAMinReplicas', 'minAvailable below the autoscaler minimum', 'pass', [deployment({ replicas: null }), pdb({ minAvailable: 2 }), hpa('app', 5, 7)]),
  P('pdbMinAvailableGreaterThanHPAMinReplicas', 'minAvailable equal to the autoscaler minimum', 'pass', [deployment({ replicas: null }), pdb({ minAvailable: 5 }), hpa('app', 5, 7)], true),
  P('pdbMinAvailableGreaterThanHPAMinReplicas', 'a percentage of the manifest replicas the autoscaler overrides', 'fail', [
    deployment({ replicas: 10 }),
    pdb({ minAvailable: '60%' }),
    hpa('app', 5, 5),
  ], true),

  P('priorityClassNotSet', 'no priority class', 'fail', [pod()]),
  P('priorityClassNotSet', 'priority class set', 'pass', [pod({ priorityClassName: 'business-critical' })]),

  P('privilegeEscalationAllowed', 'unset', 'fail', [pod()]),
  P('privilegeEscalationAllowed', 'true', 'fail', [podWith({ securityContext: { allowPrivilegeEscalation: true } })]),
  P('privilegeEscalationAllowed', 'false on the container', 'pass', [podWith({ securityContext: { allowPrivilegeEscalation: false } })]),
  P('privilegeEscalationAllowed', 'false in the pod securityContext only', 'pass', [pod({ securityContext: { allowPrivilegeEscalation: false } })], true),

  P('procMount', 'Unmasked', 'fail', [podWith({ securityContext: { procMount: 'Unmasked' } })]),
  { ...P('procMount', 'Unmasked in a pod with its own user namespace, Kubernetes 1.35', 'fail', [podWith({ securityContext: { procMount: 'Unmasked' } }, { hostUsers: false })]), kubernetesVersion: '1.35' },
  P('procMount', 'Default', 'pass', [podWith({ securityContext: { procMount: 'Default' } })]),

  P('pullPolicyNotAlways', 'a tag pulled IfNotPresent', 'fail', [podWith({ imagePullPolicy: 'IfNotPresent' })]),
  P('pullPolicyNotAlways', 'Always', 'pass', [podWith({ imagePullPolicy: 'Always' })]),
  P('pullPolicyNotAlways', 'no tag and no policy', 'fail', [podWith({ image: 'nginx' })], true),
  P('pullPolicyNotAlways', 'a digest pulled IfNotPresent', 'fail', [
    podWith({ image: `registry.example.com/shop/app@sha256:${'a'.repeat(64)}`, imagePullPolicy: 'IfNotPresent' }),
  ], true),

  P('runAsPrivileged', 'privileged', 'fail', [podWith({ securityContext: { privileged: true } })]),
  P('runAsPrivileged', 'not privileged', 'pass', [podWith({ securityContext: { privileged: false } })]),
  P('runAsRootAllowed', 'nothing set', 'fail', [pod()]),
  P('runAsRootAllowed', 'runAsNonRoot false', 'fail', [podWith({ securityContext: { runAsNonRoot: false } })]),
  P('runAsRootAllowed', 'runAsNonRoot true', 'pass', [podWith({ securityContext: { runAsNonRoot: true } })]),
  P('runAsRootAllowed', 'a non-zero runAsUser without runAsNonRoot', 'pass', [podWith({ securityContext: { runAsUser: 1000 } })], true),

  P('sensitiveConfigmapContent', 'a password key', 'fail', [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: NS }, data: { db_user: 'postgres', db_password: 'hunter2-Xk9' } }]),
  P('sensitiveConfigmapContent', 'an AWS secret access key', 'fail', [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: NS }, data: { aws_access_key_id: 'AKIAZQ3DNB7TXLRPM4VW', aws_secret_access_key: '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' } }]),
  P('sensitiveConfigmapContent', 'plain settings', 'pass', [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: NS }, data: { message: 'hello', db_user: 'postgres' } }]),
  P('sensitiveContainerEnvVar', 'a literal password variable', 'fail', [podWith({ env: [{ name: 'DB_PASSWORD', value: 'hunter2-Xk9' }] })]),
  P('sensitiveContainerEnvVar', 'a private key as a value', 'fail', [podWith({ env: [{ name: 'SSH_KEY', value: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n' }] })]),
  P('sensitiveContainerEnvVar', 'the password comes from a Secret', 'pass', [podWith({ env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] })]),

  P('tagNotSpecified', 'no tag', 'fail', [podWith({ image: 'nginx' })]),
  P('tagNotSpecified', 'latest', 'fail', [podWith({ image: 'nginx:latest' })]),
  P('tagNotSpecified', 'a version tag', 'pass', [podWith({ image: 'nginx:1.25.3' })]),

  P('tlsSettingsMissing', 'no tls', 'fail', [ingress({ rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] })]),
  P('tlsSettingsMissing', 'tls for the host', 'pass', [
    ingress({
      tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }],
      rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }],
    }),
  ]),

  P('topologySpreadConstraint', 'three replicas, no spreading', 'fail', [deployment({ replicas: 3 })]),
  P('topologySpreadConstraint', 'a spread constraint counting the pods', 'pass', [
    deployment({
      replicas: 3,
      podSpec: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'app' } } }] },
    }),
  ]),
  P('topologySpreadConstraint', 'one replica (replicas unset), no spreading', 'fail', [deployment({ replicas: null })], true),
  P('topologySpreadConstraint', 'three replicas spread by pod anti-affinity', 'fail', [
    deployment({
      replicas: 3,
      podSpec: {
        affinity: {
          podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'app' } } } },
            ],
          },
        },
      },
    }),
  ], true),
];

const KUBE_LINTER: PeerCase[] = [
  K('access-to-create-pods', 'bound Role creates pods', 'fail', [role([{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }], 'creator'), binding('Role', 'creator')]),
  K('access-to-create-pods', 'bound Role reads pods', 'pass', [role([READ_PODS], 'reader'), binding('Role', 'reader')]),
  K('access-to-secrets', 'bound Role reads Secrets', 'fail', [role([{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }], 'secrets'), binding('Role', 'secrets')]),
  K('access-to-secrets', 'bound ClusterRole lists Secrets', 'fail', [
    role([{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }], 'secrets', 'ClusterRole'),
    binding('ClusterRole', 'secrets', 'ClusterRoleBinding'),
  ]),
  K('access-to-secrets', 'bound Role reads pods', 'pass', [role([READ_PODS], 'reader'), binding('Role', 'reader')]),
  K('access-to-secrets', 'a Role that reads Secrets, bound by nothing in the input', 'pass', [role([{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }], 'secrets')], true),
  K('cluster-admin-role-binding', 'cluster-admin', 'fail', [binding('ClusterRole', 'cluster-admin', 'ClusterRoleBinding')]),
  K('cluster-admin-role-binding', 'admin', 'pass', [binding('ClusterRole', 'admin', 'ClusterRoleBinding')]),
  K('wildcard-in-rules', 'wildcard verbs', 'fail', [role([{ apiGroups: [''], resources: ['secrets'], verbs: ['*'] }])]),
  K('wildcard-in-rules', 'wildcard resources', 'fail', [role([{ apiGroups: [''], resources: ['*'], verbs: ['get'] }])]),
  K('wildcard-in-rules', 'no wildcard', 'pass', [role([READ_PODS])]),

  K('dangling-horizontalpodautoscaler', 'targets a missing Deployment', 'fail', [deployment({ name: 'app1' }), hpa('app2', 2, 5)]),
  K('dangling-horizontalpodautoscaler', 'targets a Deployment in the input', 'pass', [deployment({ name: 'app1' }), hpa('app1', 2, 5)]),
  K('dangling-ingress', 'routes to a missing Service', 'fail', [
    service({ selector: { app: 'app' }, ports: [{ port: 80 }] }),
    ingress({ rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'missing', port: { number: 80 } } } }] } }] }),
  ]),
  K('dangling-ingress', 'routes to a Service port that does not exist', 'fail', [
    service({ selector: { app: 'app' }, ports: [{ port: 80 }] }),
    ingress({ rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'app', port: { number: 8080 } } } }] } }] }),
  ]),
  K('dangling-ingress', 'routes to a named Service port', 'pass', [
    service({ selector: { app: 'app' }, ports: [{ name: 'http', port: 80 }] }),
    ingress({ rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'app', port: { name: 'http' } } } }] } }] }),
  ]),
  K('dangling-networkpolicy', 'selects no pod', 'fail', [deployment(), netpol({ podSelector: { matchLabels: { app: 'gone' } }, policyTypes: ['Ingress'] })]),
  K('dangling-networkpolicy', 'selects the pods', 'pass', [deployment(), netpol({ podSelector: { matchLabels: { app: 'app' } }, policyTypes: ['Ingress'] })]),
  K('dangling-service', 'selects no pod', 'fail', [deployment({ name: 'app1' }), service({ selector: { app: 'app' }, ports: [{ port: 8080 }] })]),
  K('dangling-service', 'selects the pods', 'pass', [deployment({ name: 'app1' }), service({ selector: { app: 'app1' }, ports: [{ port: 8080 }] })]),

  K('default-service-account', 'serviceAccountName default', 'fail', [deployment({ podSpec: { serviceAccountName: 'default' } })]),
  K('default-service-account', 'a named service account', 'pass', [deployment({ podSpec: { serviceAccountName: 'web' } }), serviceAccount('web')]),
  K('deprecated-service-account-field', 'serviceAccount alone', 'fail', [deployment({ podSpec: { serviceAccount: 'web' } }), serviceAccount('web')]),
  K('deprecated-service-account-field', 'serviceAccount differs from serviceAccountName', 'fail', [deployment({ podSpec: { serviceAccount: 'old', serviceAccountName: 'web' } }), serviceAccount('web')]),
  K('deprecated-service-account-field', 'serviceAccount equal to serviceAccountName', 'fail', [deployment({ podSpec: { serviceAccount: 'web', serviceAccountName: 'web' } }), serviceAccount('web')], true),
  K('deprecated-service-account-field', 'serviceAccountName only', 'pass', [deployment({ podSpec: { serviceAccountName: 'web' } }), serviceAccount('web')]),
  K('non-existent-service-account', 'missing service account', 'fail', [deployment({ podSpec: { serviceAccountName: 'missing' } }), serviceAccount('web')]),
  K('non-existent-service-account', 'service account in the input', 'pass', [deployment({ podSpec: { serviceAccountName: 'web' } }), serviceAccount('web')]),

  K('docker-sock', 'mounts the Docker socket', 'fail', [
    deployment({ podSpec: { volumes: [{ name: 'sock', hostPath: { path: '/var/run/docker.sock' } }] }, container: { volumeMounts: [{ name: 'sock', mountPath: '/var/run/docker.sock' }] } }),
  ]),
  K('docker-sock', 'no host path', 'pass', [deployment()]),
  K('sensitive-host-mounts', 'mounts /etc', 'fail', [
    deployment({ podSpec: { volumes: [{ name: 'etc', hostPath: { path: '/etc' } }] }, container: { volumeMounts: [{ name: 'etc', mountPath: '/etc', readOnly: true }] } }),
  ]),
  K('sensitive-host-mounts', 'mounts /', 'fail', [
    deployment({ podSpec: { volumes: [{ name: 'root', hostPath: { path: '/' } }] }, container: { volumeMounts: [{ name: 'root', mountPath: '/host', readOnly: true }] } }),
  ]),
  K('sensitive-host-mounts', 'mounts /proc', 'fail', [
    deployment({ podSpec: { volumes: [{ name: 'proc', hostPath: { path: '/proc' } }] }, container: { volumeMounts: [{ name: 'proc', mountPath: '/host/proc', readOnly: true }] } }),
  ]),
  K('sensitive-host-mounts', 'an emptyDir', 'pass', [deployment({ podSpec: { volumes: [{ name: 'tmp', emptyDir: {} }] }, container: { volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }] } })]),
  K('writable-host-mount', 'writable host path', 'fail', [
    deployment({ podSpec: { volumes: [{ name: 'cfg', hostPath: { path: '/config' } }] }, container: { volumeMounts: [{ name: 'cfg', mountPath: '/config' }] } }),
  ]),
  K('writable-host-mount', 'read-only host path', 'pass', [
    deployment({ podSpec: { volumes: [{ name: 'cfg', hostPath: { path: '/config' } }] }, container: { volumeMounts: [{ name: 'cfg', mountPath: '/config', readOnly: true }] } }),
  ]),

  K('drop-net-raw-capability', 'adds NET_RAW', 'fail', [deployment({ container: { securityContext: { capabilities: { add: ['NET_RAW'] } } } })]),
  K('drop-net-raw-capability', 'drops NET_RAW', 'pass', [deployment({ container: { securityContext: { capabilities: { drop: ['NET_RAW'] } } } })]),
  K('drop-net-raw-capability', 'capabilities left unset', 'pass', [deployment({ container: { securityContext: { capabilities: null } } })], true),

  K('duplicate-env-var', 'PORT twice', 'fail', [deployment({ container: { env: [{ name: 'PORT', value: '8080' }, { name: 'PORT', value: '9090' }] } })]),
  K('duplicate-env-var', 'distinct names', 'pass', [deployment({ container: { env: [{ name: 'PORT', value: '8080' }, { name: 'HOST', value: '0.0.0.0' }] } })]),
  K('env-value-from', 'a Secret key that is not there', 'fail', [
    deployment({ container: { env: [{ name: 'BLAH', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } }] } }),
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: NS }, stringData: { tokn: 'x' } },
  ]),
  K('env-value-from', 'the Secret key exists', 'pass', [
    deployment({ container: { env: [{ name: 'BLAH', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } }] } }),
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: NS }, stringData: { token: 'x' } },
  ]),
  K('env-var-secret', 'a literal secret-named variable', 'fail', [deployment({ container: { env: [{ name: 'SECRET_API_TOKEN', value: 'sq-8fK2pL0qZx7mN4vB' } ] } })]),
  K('env-var-secret', 'a plain variable', 'pass', [deployment({ container: { env: [{ name: 'LOG_LEVEL', value: 'debug' }] } })]),
  K('read-secret-from-env-var', 'env from a Secret key', 'fail', [deployment({ container: { env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } }] } })]),
  K('read-secret-from-env-var', 'env from a ConfigMap key', 'pass', [deployment({ container: { env: [{ name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'mode' } } }] } })]),

  K('exposed-services', 'NodePort', 'fail', [service({ type: 'NodePort', selector: { app: 'app' }, ports: [{ port: 80 }] })]),
  K('exposed-services', 'an open LoadBalancer', 'fail', [service({ type: 'LoadBalancer', selector: { app: 'app' }, ports: [{ port: 443 }] })]),
  K('exposed-services', 'ClusterIP', 'pass', [service({ selector: { app: 'app' }, ports: [{ port: 80 }] })]),
  K('exposed-services', 'a LoadBalancer limited to one office range', 'fail', [
    service({ type: 'LoadBalancer', selector: { app: 'app' }, ports: [{ port: 443 }], loadBalancerSourceRanges: ['203.0.113.0/24'] }),
  ], true),

  K('host-ipc', 'hostIPC', 'fail', [deployment({ podSpec: { hostIPC: true } })]),
  K('host-ipc', 'no hostIPC', 'pass', [deployment()]),
  K('host-network', 'hostNetwork', 'fail', [deployment({ podSpec: { hostNetwork: true } })]),
  K('host-network', 'no hostNetwork', 'pass', [deployment()]),
  K('host-pid', 'hostPID', 'fail', [deployment({ podSpec: { hostPID: true } })]),
  K('host-pid', 'no hostPID', 'pass', [deployment()]),

  K('hpa-minimum-three-replicas', 'minReplicas 2', 'fail', [deployment(), hpa('app', 2, 5)]),
  K('hpa-minimum-three-replicas', 'minReplicas 3', 'pass', [deployment(), hpa('app', 3, 5)]),
  K('minimum-three-replicas', 'two replicas', 'fail', [deployment({ replicas: 2 })]),
  K('minimum-three-replicas', 'three replicas', 'pass', [deployment({ replicas: 3 })]),

  K('invalid-target-ports', 'a 16-character container port name', 'fail', [deployment({ container: { ports: [{ name: 'n234567890123456', containerPort: 1235 }] } })]),
  K('invalid-target-ports', 'a numeric-only container port name', 'fail', [deployment({ container: { ports: [{ name: '123456', containerPort: 1236 }] } })]),
  K('invalid-target-ports', 'a Service targetPort above 65535', 'fail', [service({ selector: { app: 'app' }, ports: [{ port: 80, targetPort: 123456 }] })]),
  K('invalid-target-ports', 'valid names and numbers', 'pass', [
    deployment({ container: { ports: [{ name: 'n23456789012345', containerPort: 1234 }] } }),
    service({ selector: { app: 'app' }, ports: [{ port: 80, targetPort: 'n23456789012345' }] }),
  ]),

  K('job-ttl-seconds-after-finished', 'a Job without ttlSecondsAfterFinished', 'fail', [
    { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: NS }, spec: { template: { spec: { restartPolicy: 'Never', containers: [container()] } } } },
  ]),
  K('job-ttl-seconds-after-finished', 'a Job with ttlSecondsAfterFinished', 'pass', [
    { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: NS }, spec: { ttlSecondsAfterFinished: 100, template: { spec: { restartPolicy: 'Never', containers: [container()] } } } },
  ]),
  K('job-ttl-seconds-after-finished', 'a CronJob whose job template sets ttlSecondsAfterFinished', 'fail', [
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'report', namespace: NS },
      spec: { schedule: '0 * * * *', startingDeadlineSeconds: 60, jobTemplate: { spec: { ttlSecondsAfterFinished: 1200, template: { spec: { restartPolicy: 'OnFailure', containers: [container()] } } } } },
    },
  ], true),

  K('latest-tag', 'latest', 'fail', [deployment({ container: { image: 'app:latest' } })]),
  K('latest-tag', 'no tag', 'fail', [deployment({ container: { image: 'registry.example.com/shop/app' } })]),
  K('latest-tag', 'a version tag', 'pass', [deployment({ container: { image: 'app:v1' } })]),

  K('liveness-port', 'a port name the container does not define', 'fail', [deployment({ container: { livenessProbe: { httpGet: { path: '/', port: 'http' } } } })]),
  K('liveness-port', 'a port number the pod does not declare', 'fail', [
    deployment({ container: { ports: [{ name: 'http', containerPort: 9999 }], livenessProbe: { httpGet: { path: '/', port: 8080 } } } }),
  ]),
  K('liveness-port', 'the declared port name', 'pass', [
    deployment({ container: { ports: [{ name: 'http', containerPort: 8080 }], livenessProbe: { httpGet: { path: '/', port: 'http' } } } }),
  ]),
  K('liveness-port', 'a port number another container of the pod declares', 'fail', [
    deployment({
      podSpec: {
        containers: [
          container({ ports: [{ containerPort: 9999 }], livenessProbe: { httpGet: { path: '/', port: 8080 } } }),
          container({ name: 'sidecar', ports: [{ containerPort: 8080 }] }),
        ],
      },
    }),
  ], true),
  K('readiness-port', 'a TCP probe to a port name declared for UDP', 'fail', [
    deployment({ container: { ports: [{ name: 'dns', containerPort: 5353, protocol: 'UDP' }], readinessProbe: { tcpSocket: { port: 'dns' } } } }),
  ]),
  K('readiness-port', 'a port number the pod declares only for UDP', 'fail', [
    deployment({ container: { ports: [{ containerPort: 5353, protocol: 'UDP' }, { containerPort: 8080 }], readinessProbe: { tcpSocket: { port: 5353 } } } }),
  ]),
  K('readiness-port', 'a port name the container does not define', 'fail', [deployment({ container: { readinessProbe: { tcpSocket: { port: 'http' } } } })]),
  K('readiness-port', 'a gRPC probe to the declared port', 'pass', [deployment({ container: { ports: [{ name: 'grpc', containerPort: 8080 }], readinessProbe: { grpc: { port: 8080 } } } })]),
  K('startup-port', 'a port name the container does not define', 'fail', [deployment({ container: { startupProbe: { httpGet: { path: '/', port: 'http' } } } })]),
  K('startup-port', 'a port number the pod does not declare', 'fail', [deployment({ container: { ports: [{ containerPort: 9090 }], startupProbe: { tcpSocket: { port: 8080 } } } })]),
  K('startup-port', 'the declared port', 'pass', [deployment({ container: { ports: [{ containerPort: 8080 }], startupProbe: { httpGet: { path: '/', port: 8080 } } } })]),

  K('mismatching-selector', 'template labels do not match the selector', 'fail', [
    { ...deployment(), spec: { replicas: 3, selector: { matchLabels: { app: 'app1' } }, template: { metadata: { labels: { app: 'other' } }, spec: { containers: [container()] } } } },
  ]),
  K('mismatching-selector', 'matching labels', 'pass', [deployment()]),
  K('no-anti-affinity', 'three replicas, no spreading', 'fail', [deployment({ replicas: 3 })]),
  K('no-anti-affinity', 'required anti-affinity on the hostname', 'pass', [
    deployment({
      replicas: 3,
      podSpec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'app' } } }] } } },
    }),
  ]),
  K('no-anti-affinity', 'three replicas spread by a topology spread constraint', 'fail', [
    deployment({
      replicas: 3,
      podSpec: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'app' } } }] },
    }),
  ], true),
  K('no-extensions-v1beta', 'extensions/v1beta1 Ingress', 'fail', [
    ingress({ backend: { serviceName: 'web', servicePort: 80 } }, 'extensions/v1beta1'),
  ]),
  K('no-extensions-v1beta', 'networking.k8s.io/v1 Ingress', 'pass', [
    ingress({ tls: [{ hosts: ['shop.example.com'], secretName: 'tls' }], rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] }),
  ]),
  K('no-liveness-probe', 'no liveness probe', 'fail', [deployment()]),
  K('no-liveness-probe', 'liveness probe', 'pass', [deployment({ container: { ports: [{ containerPort: 8080 }], livenessProbe: PROBE } })]),
  K('no-readiness-probe', 'no readiness probe', 'fail', [deployment()]),
  K('no-readiness-probe', 'readiness probe', 'pass', [deployment({ container: { ports: [{ containerPort: 8080 }], readinessProbe: PROBE } })]),
  K('no-read-only-root-fs', 'writable root filesystem', 'fail', [deployment()]),
  K('no-read-only-root-fs', 'read-only root filesystem', 'pass', [deployment({ container: { securityContext: { readOnlyRootFilesystem: true } } })]),
  K('no-rolling-update-strategy', 'Recreate', 'fail', [deployment({ spec: { strategy: { type: 'Recreate' } } })]),
  K('no-rolling-update-strategy', 'RollingUpdate', 'pass', [deployment({ spec: { strategy: { type: 'RollingUpdate' } } })]),
  K('non-isolated-pod', 'no policy selects the pods', 'fail', [deployment({ name: 'app1' }), netpol({ podSelector: { matchLabels: { app: 'other' } } })]),
  K('non-isolated-pod', 'no policy in the namespace', 'fail', [deployment({ name: 'app1' })]),
  K('non-isolated-pod', 'a policy selects the pods', 'pass', [deployment({ name: 'app1' }), netpol({ podSelector: { matchLabels: { app: 'app1' } } })]),

  K('pdb-max-unavailable', 'maxUnavailable 0', 'fail', [pdb({ maxUnavailable: 0 })]),
  K('pdb-max-unavailable', 'maxUnavailable 1', 'pass', [pdb({ maxUnavailable: 1 })]),
  K('pdb-min-available', 'minAvailable equal to the replicas', 'fail', [deployment({ replicas: 2 }), pdb({ minAvailable: 2 })]),
  K('pdb-min-available', 'minAvailable below the replicas', 'pass', [deployment({ replicas: 3 }), pdb({ minAvailable: 2 })]),
  K('pdb-unhealthy-pod-eviction-policy', 'no unhealthyPodEvictionPolicy', 'fail', [pdb({ maxUnavailable: 1 })]),
  K('pdb-unhealthy-pod-eviction-policy', 'AlwaysAllow', 'pass', [pdb({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow' })]),

  K('priority-class-name', 'no priority class', 'fail', [deployment()]),
  K('priority-class-name', 'priority class set', 'pass', [deployment({ podSpec: { priorityClassName: 'business-critical' } })]),
  K('privilege-escalation-container', 'allowPrivilegeEscalation true', 'fail', [deployment({ container: { securityContext: { allowPrivilegeEscalation: true } } })]),
  K('privilege-escalation-container', 'allowPrivilegeEscalation false', 'pass', [deployment({ container: { securityContext: { allowPrivilegeEscalation: false } } })]),
  K('privileged-container', 'privileged', 'fail', [deployment({ container: { securityContext: { privileged: true } } })]),
  K('privileged-container', 'not privileged', 'pass', [deployment({ container: { securityContext: { privileged: false } } })]),
  K('privileged-ports', 'container port 80', 'fail', [deployment({ container: { ports: [{ containerPort: 80 }] } })]),
  K('privileged-ports', 'container port 8080', 'pass', [deployment({ container: { ports: [{ containerPort: 8080 }] } })]),
  K('ssh-port', 'port 22', 'fail', [deployment({ container: { ports: [{ containerPort: 22, protocol: 'TCP' }] } })]),
  K('ssh-port', 'port 8080', 'pass', [deployment({ container: { ports: [{ containerPort: 8080 }] } })]),

  K('required-label-owner', 'no owner label', 'fail', [deployment()]),
  K('required-label-owner', 'owner and name labels', 'pass', [deployment({ meta: { labels: { owner: 'team-shop', 'app.kubernetes.io/name': 'app' } } })]),
  K('required-label-owner', 'owner label without app.kubernetes.io/name', 'pass', [deployment({ meta: { labels: { owner: 'team-shop' } } })], true),

  K('restart-policy', 'a Deployment with restartPolicy Never', 'fail', [deployment({ podSpec: { restartPolicy: 'Never' } })]),
  K('restart-policy', 'a Deployment with restartPolicy Always', 'pass', [deployment({ podSpec: { restartPolicy: 'Always' } })]),
  K('restart-policy', 'a Job with restartPolicy Never', 'fail', [
    { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: NS }, spec: { template: { spec: { restartPolicy: 'Never', containers: [container()] } } } },
  ], true),
  K('restart-policy', 'a Deployment with restartPolicy OnFailure', 'pass', [deployment({ podSpec: { restartPolicy: 'OnFailure' } })], true),

  K('run-as-non-root', 'runAsUser 0, runAsNonRoot unset', 'fail', [deployment({ container: { securityContext: { runAsUser: 0 } } })]),
  K('run-as-non-root', 'runAsNonRoot true', 'pass', [deployment({ container: { securityContext: { runAsNonRoot: true, runAsUser: 1001 } } })]),

  K('unsafe-proc-mount', 'procMount Unmasked', 'fail', [deployment({ container: { securityContext: { procMount: 'Unmasked' } } })]),
  K('unsafe-proc-mount', 'procMount Default', 'pass', [deployment({ container: { securityContext: { procMount: 'Default' } } })]),
  K('unsafe-sysctls', 'kernel.sem', 'fail', [deployment({ podSpec: { securityContext: { sysctls: [{ name: 'kernel.sem', value: '128 32768 128 4096' }] } } })]),
  K('unsafe-sysctls', 'kernel.shm_rmid_forced', 'pass', [deployment({ podSpec: { securityContext: { sysctls: [{ name: 'kernel.shm_rmid_forced', value: '1' }] } } })]),

  K('unset-cpu-requirements', 'memory only', 'fail', [deployment({ container: { resources: { requests: { memory: '1Gi' }, limits: { memory: '1Gi' } } } })]),
  K('unset-cpu-requirements', 'cpu request and limit', 'pass', [deployment({ container: { resources: RESOURCES } })]),
  K('unset-memory-requirements', 'cpu only', 'fail', [deployment({ container: { resources: { requests: { cpu: 1 }, limits: { cpu: 1 } } } })]),
  K('unset-memory-requirements', 'memory request and limit', 'pass', [deployment({ container: { resources: RESOURCES } })]),

  K('use-namespace', 'the default namespace', 'fail', [{ ...deployment(), metadata: { name: 'app', namespace: 'default' } }]),
  K('use-namespace', 'no namespace', 'fail', [{ ...deployment(), metadata: { name: 'app' } }]),
  K('use-namespace', 'a namespace of its own', 'pass', [deployment()]),
];

export const PEER_CASES: readonly PeerCase[] = [...POLARIS, ...KUBE_LINTER];
