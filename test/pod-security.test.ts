/**
 * Edge cases of the Pod Security Standards rules beyond their own examples: inheritance between
 * pod and container settings, the Windows and user-namespace exemptions, version-dependent
 * allow-lists, exact finding paths and lines, and the two profiles as a whole.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Rule, RuleSettings } from '../src/engine/rule.js';
import type { Finding } from '../src/core/types.js';
import { evaluate } from '../src/engine/engine.js';
import { loadText } from '../src/sources/files.js';
import { podSecurityRules } from '../src/rules/pod-security/index.js';

function run(yaml: string, settings?: Partial<RuleSettings>, ruleSet: readonly Rule[] = podSecurityRules, malformed = false): Finding[] {
  const loaded = loadText(yaml, 'test.yaml');
  // Malformed pod specs load with input errors (the API would reject them); rules must still cope.
  if (malformed) assert.ok(loaded.errors.length > 0, 'the malformed manifest is reported as such');
  else assert.deepEqual(loaded.errors, [], 'manifest must parse');
  assert.ok(loaded.resources.length > 0, 'manifest must hold an object');
  const result = evaluate(loaded.resources, { rules: ruleSet, settings });
  assert.deepEqual(result.errors, [], 'no rule may throw');
  return result.findings;
}

/** "rule-id /json/pointer" for every finding, sorted: compares ids and paths in one assertion. */
function summary(findings: Finding[]): string[] {
  return findings.map((f) => `${f.rule} ${f.path}`).sort();
}

/** 1-based line of the first line containing `needle`. */
function lineOf(yaml: string, needle: string): number {
  const i = yaml.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `"${needle}" is in the manifest`);
  return i + 1;
}

const IMG = 'registry.example.com/shop/web:1.4.2';

/** Satisfies every Restricted control: pod-level defaults plus per-container settings. */
const RESTRICTED_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
      annotations:
        container.apparmor.security.beta.kubernetes.io/app: runtime/default
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        fsGroup: 10001
        seccompProfile: {type: RuntimeDefault}
        appArmorProfile: {type: RuntimeDefault}
        seLinuxOptions: {level: "s0:c123,c456"}
        sysctls:
        - {name: net.ipv4.ip_unprivileged_port_start, value: "0"}
      initContainers:
      - name: migrate
        image: ${IMG}
        securityContext:
          allowPrivilegeEscalation: false
          capabilities: {drop: [ALL]}
      - name: proxy
        image: registry.example.com/shop/proxy:2.0
        restartPolicy: Always
        ports: [{containerPort: 15001}]
        securityContext:
          allowPrivilegeEscalation: false
          capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
          procMount: Default
      containers:
      - name: app
        image: ${IMG}
        ports: [{containerPort: 80, hostPort: 0}]
        livenessProbe:
          httpGet: {path: /healthz, port: 80}
        readinessProbe:
          tcpSocket: {port: 80, host: ""}
        lifecycle:
          preStop:
            httpGet: {path: /drain, port: 80}
        securityContext:
          allowPrivilegeEscalation: false
          privileged: false
          readOnlyRootFilesystem: true
          capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
          seccompProfile: {type: Localhost, localhostProfile: profiles/web.json}
          seLinuxOptions: {type: container_t}
          windowsOptions: {hostProcess: false}
        volumeMounts:
        - {name: config, mountPath: /etc/web}
        - {name: tmp, mountPath: /tmp}
      volumes:
      - name: config
        configMap: {name: web-config}
      - name: tmp
        emptyDir: {medium: Memory}
      - name: creds
        secret: {secretName: web-creds}
      - name: info
        downwardAPI:
          items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]
      - name: token
        projected:
          sources: [{serviceAccountToken: {path: token}}]
      - name: data
        persistentVolumeClaim: {claimName: web-data}
      - name: cache
        csi: {driver: inline.storage.example.com}
      - name: models
        image: {reference: "registry.example.com/ml/models:v3"}
`;

/** The default (minimally specified) pod: Baseline admits it, Restricted does not. */
const BASELINE_ONLY_POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app
    image: nginx:1.27
    ports: [{containerPort: 80}]
    volumeMounts: [{name: cache, mountPath: /cache}]
  volumes:
  - name: cache
    emptyDir: {}
  - name: shared
    nfs: {server: nfs.example.com, path: /exports}
`;

describe('Pod Security Standards profiles', () => {
  const baselineRules = podSecurityRules.filter((r) => r.tags.includes('pss-baseline'));
  const restrictedRules = podSecurityRules.filter((r) => r.tags.includes('pss-restricted'));

  test('a manifest satisfying the whole Restricted profile has no PSS finding', () => {
    for (const version of ['1.30', '1.34', '1.35', '1.37']) {
      assert.deepEqual(summary(run(RESTRICTED_DEPLOYMENT, { pssVersion: `v${version}` }, [...baselineRules, ...restrictedRules])), [], `Kubernetes ${version}`);
    }
  });

  test('... nor from any rule of the catalogue tagged pss-baseline or pss-restricted', async () => {
    // Loaded lazily so that this file's other tests do not depend on every rule family.
    const { rules: catalogue } = await import('../src/rules/index.js');
    for (const r of podSecurityRules) assert.ok(catalogue.includes(r), `${r.id} is in the catalogue`);
    const pss = catalogue.filter((r) => r.tags.includes('pss-baseline') || r.tags.includes('pss-restricted'));
    assert.ok(pss.length >= podSecurityRules.length);
    assert.deepEqual(summary(run(RESTRICTED_DEPLOYMENT, undefined, pss)), []);
  });

  test('a default pod passes every Baseline rule and fails Restricted ones', () => {
    assert.deepEqual(summary(run(BASELINE_ONLY_POD, undefined, baselineRules)), []);
    assert.deepEqual(summary(run(BASELINE_ONLY_POD, undefined, restrictedRules)), [
      'allow-privilege-escalation /spec/containers/0',
      'capabilities-drop-all /spec/containers/0',
      'restricted-volume-types /spec/volumes/1/nfs',
      'run-as-non-root /spec/containers/0',
      'seccomp-profile-required /spec/containers/0',
    ]);
  });

  test('every PSS rule carries its profile tag, framework control and shared metadata', () => {
    const controls = new Set<string>();
    for (const r of podSecurityRules) {
      const level = r.tags.includes('pss-baseline') ? 'baseline' : 'restricted';
      assert.ok(r.tags.includes('pss-baseline') !== r.tags.includes('pss-restricted'), `${r.id} has exactly one profile tag`);
      assert.ok(r.tags.includes('security'), r.id);
      assert.equal(r.category, 'pod-security', r.id);
      assert.equal(r.appliesTo, 'workloads', r.id);
      const pss = r.frameworks?.pss ?? [];
      assert.equal(pss.length, 1, r.id);
      assert.ok(pss[0].startsWith(`${level}/`), `${r.id}: ${pss[0]}`);
      controls.add(pss[0]);
    }
    for (const c of [
      'baseline/hostprocess', 'baseline/host-namespaces', 'baseline/privileged-containers', 'baseline/capabilities',
      'baseline/hostpath-volumes', 'baseline/host-ports', 'baseline/apparmor', 'baseline/selinux', 'baseline/proc-mount-type',
      'baseline/seccomp', 'baseline/sysctls', 'baseline/host-probes-lifecycle-hooks', 'restricted/volume-types',
      'restricted/privilege-escalation', 'restricted/running-as-non-root', 'restricted/running-as-non-root-user',
      'restricted/seccomp', 'restricted/capabilities',
    ])
      assert.ok(controls.has(c), `control ${c} has a rule`);
  });
});

interface Case {
  name: string;
  yaml: string;
  settings?: Partial<RuleSettings>;
  /** Exact "rule-id path" list expected from all PSS rules. */
  expect: string[];
  /** The manifest has wrongly typed fields on purpose. */
  malformed?: boolean;
}

const pod = (spec: string, extraMetadata = ''): string =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n${extraMetadata}spec:\n${spec.replace(/^\n/, '')}`;

/** A container security context meeting every Restricted control on its own. */
const RSC = '{runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}';

const cases: Case[] = [
  {
    name: 'pod-level runAsNonRoot and seccomp are inherited by containers without their own',
    yaml: pod(`
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  initContainers:
  - name: init
    image: ${IMG}
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
  containers:
  - name: app
    image: ${IMG}
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
`),
    expect: [],
  },
  {
    name: 'a container runAsNonRoot: false fails even when the pod says true',
    yaml: pod(`
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: app
    image: ${IMG}
    securityContext: {runAsNonRoot: false, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
`),
    expect: ['run-as-non-root /spec/containers/0/securityContext/runAsNonRoot'],
  },
  {
    name: 'a pod-level runAsNonRoot: false is reported once, not again for containers inheriting it',
    yaml: pod(`
  securityContext: {runAsNonRoot: false, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: a
    image: ${IMG}
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
  - name: b
    image: ${IMG}
    securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
`),
    expect: ['run-as-non-root /spec/securityContext/runAsNonRoot'],
  },
  {
    name: 'the pod-level runAsNonRoot may be unset when every container sets true',
    yaml: pod(`
  containers:
  - name: a
    image: ${IMG}
    securityContext: ${RSC}
  ephemeralContainers:
  - name: debug
    image: busybox:1.36
    securityContext: ${RSC}
`),
    expect: [],
  },
  {
    name: 'ephemeral containers are checked like the others',
    yaml: pod(`
  containers:
  - name: app
    image: ${IMG}
    securityContext: ${RSC}
  ephemeralContainers:
  - name: debug
    image: busybox:1.36
    targetContainerName: app
    securityContext: {privileged: true, capabilities: {add: [SYS_PTRACE]}}
`),
    expect: [
      'allow-privilege-escalation /spec/ephemeralContainers/0/securityContext',
      'capabilities-drop-all /spec/ephemeralContainers/0/securityContext/capabilities',
      'disallowed-capabilities /spec/ephemeralContainers/0/securityContext/capabilities/add/0',
      'privileged-container /spec/ephemeralContainers/0/securityContext/privileged',
      'run-as-non-root /spec/ephemeralContainers/0/securityContext',
      'seccomp-profile-required /spec/ephemeralContainers/0/securityContext',
    ],
  },
  {
    name: 'seccomp: pod Unconfined is one Baseline finding, not also a missing profile per container',
    yaml: pod(`
  securityContext: {runAsNonRoot: true, seccompProfile: {type: Unconfined}}
  containers:
  - name: a
    image: ${IMG}
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
  - name: b
    image: ${IMG}
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
`),
    expect: ['seccomp-unconfined /spec/securityContext/seccompProfile/type'],
  },
  {
    name: 'seccomp: pod unset, one container set, the other missing',
    yaml: pod(`
  securityContext: {runAsNonRoot: true}
  containers:
  - name: a
    image: ${IMG}
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {type: Localhost, localhostProfile: a.json}}
  - name: b
    image: ${IMG}
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
  - name: c
    image: ${IMG}
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {type: Unconfined}}
`),
    expect: [
      'seccomp-profile-required /spec/containers/1/securityContext',
      'seccomp-unconfined /spec/containers/2/securityContext/seccompProfile/type',
    ],
  },
  {
    name: 'capabilities: outside the Baseline set vs only outside the Restricted set',
    yaml: pod(`
  containers:
  - name: app
    image: ${IMG}
    securityContext:
      runAsNonRoot: true
      allowPrivilegeEscalation: false
      seccompProfile: {type: RuntimeDefault}
      capabilities: {drop: [ALL], add: [SYS_ADMIN, CHOWN, NET_BIND_SERVICE, ALL]}
`),
    expect: [
      'disallowed-capabilities /spec/containers/0/securityContext/capabilities/add/0',
      'disallowed-capabilities /spec/containers/0/securityContext/capabilities/add/3',
      'restricted-capabilities-add /spec/containers/0/securityContext/capabilities/add/1',
    ],
  },
  {
    name: 'Windows pods are exempt from privilege escalation, seccomp and capabilities, not from runAsNonRoot',
    yaml: pod(`
  os: {name: windows}
  containers:
  - name: app
    image: mcr.microsoft.com/windows/servercore:ltsc2022
    securityContext:
      windowsOptions: {runAsUserName: ContainerUser}
`),
    expect: ['run-as-non-root /spec/containers/0/securityContext'],
  },
  {
    name: 'before policy version 1.25 Windows pods were not exempt',
    yaml: pod(`
  os: {name: windows}
  securityContext: {runAsNonRoot: true}
  containers:
  - name: app
    image: mcr.microsoft.com/windows/servercore:ltsc2022
`),
    settings: { pssVersion: 'v1.24' },
    expect: [
      'allow-privilege-escalation /spec/containers/0',
      'capabilities-drop-all /spec/containers/0',
      'seccomp-profile-required /spec/containers/0',
    ],
  },
  {
    name: 'a HostProcess pod is caught at pod and container level',
    yaml: pod(`
  os: {name: windows}
  hostNetwork: true
  securityContext:
    runAsNonRoot: true
    windowsOptions: {hostProcess: true, runAsUserName: "NT AUTHORITY\\\\Local service"}
  containers:
  - name: app
    image: mcr.microsoft.com/windows/nanoserver:ltsc2022
    securityContext:
      windowsOptions: {hostProcess: true}
`),
    expect: [
      'host-network /spec/hostNetwork',
      'host-process /spec/containers/0/securityContext/windowsOptions/hostProcess',
      'host-process /spec/securityContext/windowsOptions/hostProcess',
    ],
  },
  {
    name: 'user namespaces before 1.35: no relaxation',
    yaml: pod(`
  hostUsers: false
  securityContext: {runAsUser: 0}
  containers:
  - name: app
    image: ${IMG}
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}, procMount: Unmasked}
`),
    settings: { pssVersion: 'v1.34' },
    expect: [
      'proc-mount /spec/containers/0/securityContext/procMount',
      'run-as-non-root /spec/containers/0/securityContext',
      'run-as-root-user /spec/securityContext/runAsUser',
    ],
  },
  {
    name: 'user namespaces from 1.35: runAsNonRoot/runAsUser exempt, procMount only Restricted',
    yaml: pod(`
  hostUsers: false
  securityContext: {runAsUser: 0}
  containers:
  - name: app
    image: ${IMG}
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}, procMount: Unmasked}
`),
    settings: { pssVersion: 'v1.35' },
    expect: ['proc-mount-restricted /spec/containers/0/securityContext/procMount'],
  },
  {
    name: 'hostUsers: true gets no relaxation',
    yaml: pod(`
  hostUsers: true
  containers:
  - name: app
    image: ${IMG}
    securityContext: {runAsUser: 0, runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}
`),
    settings: { pssVersion: 'v1.36' },
    expect: ['run-as-root-user /spec/containers/0/securityContext/runAsUser'],
  },
  {
    name: 'sysctls follow the configured version (1.31)',
    yaml: pod(`
  securityContext:
    runAsNonRoot: true
    sysctls:
    - {name: net.ipv4.tcp_rmem, value: "4096 87380 16777216"}
    - {name: net.ipv4.tcp_keepalive_time, value: "600"}
    - {name: net.ipv4.tcp_slow_start_after_idle, value: "0"}
  containers:
  - name: app
    image: ${IMG}
    securityContext: ${RSC}
`),
    settings: { pssVersion: 'v1.31' },
    expect: ['unsafe-sysctls /spec/securityContext/sysctls/0/name', 'unsafe-sysctls /spec/securityContext/sysctls/2/name'],
  },
  {
    name: 'sysctls follow the configured version (1.37)',
    yaml: pod(`
  securityContext:
    runAsNonRoot: true
    sysctls:
    - {name: net.ipv4.tcp_rmem, value: "4096 87380 16777216"}
    - {name: net.ipv4.tcp_slow_start_after_idle, value: "0"}
    - {name: kernel.sem, value: "250 32000 32 128"}
  containers:
  - name: app
    image: ${IMG}
    securityContext: ${RSC}
`),
    settings: { pssVersion: 'v1.37' },
    expect: ['unsafe-sysctls /spec/securityContext/sysctls/2/name'],
  },
  {
    name: 'SELinux container_engine_t is allowed from 1.31 only; level is free',
    yaml: pod(`
  securityContext:
    runAsNonRoot: true
    seLinuxOptions: {type: container_engine_t, level: "s0:c1,c2", role: ""}
  containers:
  - name: app
    image: ${IMG}
    securityContext: ${RSC}
`),
    settings: { pssVersion: 'v1.30' },
    expect: ['selinux-options /spec/securityContext/seLinuxOptions/type'],
  },
  {
    name: 'probe and hook hosts are only checked from 1.34',
    yaml: pod(`
  containers:
  - name: app
    image: ${IMG}
    securityContext: ${RSC}
    readinessProbe:
      httpGet: {host: metadata.internal, path: /, port: 80}
    lifecycle:
      preStop:
        tcpSocket: {host: 10.0.0.9, port: 22}
`),
    settings: { pssVersion: 'v1.33' },
    expect: [],
  },
  {
    name: 'probe and hook hosts from 1.34, in init containers too',
    yaml: pod(`
  securityContext: {runAsNonRoot: true}
  initContainers:
  - name: sidecar
    image: ${IMG}
    restartPolicy: Always
    securityContext: ${RSC}
    startupProbe:
      tcpSocket: {host: 10.0.0.9, port: 5432}
  containers:
  - name: app
    image: ${IMG}
    securityContext: ${RSC}
    readinessProbe:
      httpGet: {host: metadata.internal, path: /, port: 80}
    lifecycle:
      preStop:
        tcpSocket: {host: 10.0.0.9, port: 22}
`),
    settings: { pssVersion: 'v1.34' },
    expect: [
      'host-probes-lifecycle /spec/containers/0/lifecycle/preStop/tcpSocket/host',
      'host-probes-lifecycle /spec/containers/0/readinessProbe/httpGet/host',
      'host-probes-lifecycle /spec/initContainers/0/startupProbe/tcpSocket/host',
    ],
  },
  {
    name: 'volumes: hostPath is reported once (Baseline); a volume with no source defaults to emptyDir',
    yaml: pod(`
  securityContext: {runAsNonRoot: true}
  containers:
  - name: app
    image: ${IMG}
    securityContext: ${RSC}
  volumes:
  - name: host
    hostPath: {path: /etc}
  - name: defaulted
  - name: block
    iscsi: {targetPortal: "10.0.0.2:3260", iqn: "iqn.2001-04.com.example:storage", lun: 0}
  - name: claim
    persistentVolumeClaim: {claimName: data}
  - name: cloud
    awsElasticBlockStore: {volumeID: vol-0123}
`),
    expect: [
      'host-path-volume /spec/volumes/0/hostPath',
      'restricted-volume-types /spec/volumes/2/iscsi',
      'restricted-volume-types /spec/volumes/4/awsElasticBlockStore',
    ],
  },
  {
    name: 'AppArmor: annotations and fields, allowed and forbidden values',
    yaml: pod(
      `
  securityContext: {runAsNonRoot: true, appArmorProfile: {type: Localhost, localhostProfile: web}}
  containers:
  - name: app
    image: ${IMG}
    securityContext: ${RSC}
  - name: sidecar
    image: ${IMG}
    securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}, appArmorProfile: {type: Unconfined}}
`,
      `  annotations:
    container.apparmor.security.beta.kubernetes.io/app: localhost/web
    container.apparmor.security.beta.kubernetes.io/init: ""
    container.apparmor.security.beta.kubernetes.io/sidecar: unconfined
    seccomp.security.alpha.kubernetes.io/pod: runtime/default
`,
    ),
    expect: [
      'apparmor-profile /metadata/annotations/container.apparmor.security.beta.kubernetes.io~1sidecar',
      'apparmor-profile /spec/containers/1/securityContext/appArmorProfile/type',
    ],
  },
  {
    name: 'host ports: 0 is allowed, anything else is reported per port',
    yaml: pod(`
  securityContext: {runAsNonRoot: true}
  containers:
  - name: app
    image: ${IMG}
    securityContext: ${RSC}
    ports:
    - {containerPort: 80, hostPort: 0}
    - {containerPort: 443, hostPort: 443}
    - {containerPort: 8443, hostPort: 8443, protocol: UDP}
`),
    expect: ['host-port /spec/containers/0/ports/1/hostPort', 'host-port /spec/containers/0/ports/2/hostPort'],
  },
  {
    name: 'drop list without ALL points at the list; missing capabilities at the securityContext',
    yaml: pod(`
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: a
    image: ${IMG}
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [NET_RAW, SYS_ADMIN]}}
  - name: b
    image: ${IMG}
    securityContext: {allowPrivilegeEscalation: false}
  - name: c
    image: ${IMG}
    securityContext: {allowPrivilegeEscalation: false, capabilities: {add: [NET_BIND_SERVICE]}}
`),
    expect: [
      'capabilities-drop-all /spec/containers/0/securityContext/capabilities/drop',
      'capabilities-drop-all /spec/containers/1/securityContext',
      'capabilities-drop-all /spec/containers/2/securityContext/capabilities',
    ],
  },
  {
    name: 'a CronJob is checked through its job template',
    yaml: `apiVersion: batch/v1
kind: CronJob
metadata: {name: report}
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          hostIPC: true
          containers:
          - name: report
            image: ${IMG}
            securityContext: {runAsNonRoot: true, runAsUser: 0, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}
`,
    expect: [
      'host-ipc /spec/jobTemplate/spec/template/spec/hostIPC',
      'run-as-root-user /spec/jobTemplate/spec/template/spec/containers/0/securityContext/runAsUser',
    ],
  },
  {
    name: 'a custom resource (Argo Rollout) is found by shape, with its template annotations',
    yaml: `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations:
        container.apparmor.security.beta.kubernetes.io/app: unconfined
    spec:
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: app
        image: ${IMG}
        securityContext: {privileged: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
  strategy:
    blueGreen: {activeService: web, previewService: web-preview}
`,
    expect: [
      'apparmor-profile /spec/template/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1app',
      'privileged-container /spec/template/spec/containers/0/securityContext/privileged',
    ],
  },
  {
    name: 'objects without pod specs are ignored',
    yaml: `apiVersion: v1
kind: ConfigMap
metadata: {name: c}
data:
  hostNetwork: "true"
`,
    expect: [],
  },
  {
    name: 'wrongly typed fields never throw',
    malformed: true,
    yaml: pod(`
  hostNetwork: "true"
  securityContext: {runAsNonRoot: "yes", sysctls: {name: kernel.msgmax}, seLinuxOptions: "spc_t", seccompProfile: []}
  volumes: [null, "x", {name: v, nfs: null}]
  containers:
  - name: app
    image: ${IMG}
    ports: "80"
    livenessProbe: "none"
    lifecycle: {preStop: []}
    securityContext:
      privileged: "true"
      allowPrivilegeEscalation: "false"
      capabilities: {add: SYS_ADMIN, drop: ALL}
      runAsUser: "0"
  - "not a container"
  - name: broken
    image: ${IMG}
    securityContext: "restricted"
`),
    expect: [
      'allow-privilege-escalation /spec/containers/0/securityContext/allowPrivilegeEscalation',
      'allow-privilege-escalation /spec/containers/2',
      'capabilities-drop-all /spec/containers/0/securityContext/capabilities',
      'capabilities-drop-all /spec/containers/2',
      'run-as-non-root /spec/securityContext/runAsNonRoot',
      'seccomp-profile-required /spec/containers/0/securityContext',
      'seccomp-profile-required /spec/containers/2',
    ],
  },
];

describe('PSS edge cases', () => {
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(summary(run(c.yaml, c.settings, podSecurityRules, c.malformed)), [...c.expect].sort());
    });
  }
});

describe('PSS finding positions and attribution', () => {
  test('a container-level field is located at its line and attributed to its container', () => {
    const yaml = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: ${IMG}
      - name: vpn
        image: registry.example.com/net/vpn:2.1
        securityContext:
          capabilities:
            add:
            - NET_BIND_SERVICE
            - NET_ADMIN
`;
    const findings = run(yaml).filter((f) => f.rule === 'disallowed-capabilities');
    assert.equal(findings.length, 1);
    const [f] = findings;
    assert.equal(f.path, '/spec/template/spec/containers/1/securityContext/capabilities/add/1');
    assert.equal(f.line, lineOf(yaml, '- NET_ADMIN'));
    assert.equal(f.container, 'vpn');
    assert.match(f.message, /container "vpn" adds capability "NET_ADMIN"/);
  });

  test('a missing required setting points at the container securityContext, else the container item', () => {
    const yaml = `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: bare
    image: ${IMG}
  - name: partial
    image: ${IMG}
    securityContext:
      readOnlyRootFilesystem: true
`;
    const findings = run(yaml).filter((f) => f.rule === 'run-as-non-root');
    assert.deepEqual(
      findings.map((f) => [f.path, f.line, f.container]),
      [
        ['/spec/containers/0', lineOf(yaml, '- name: bare'), 'bare'],
        ['/spec/containers/1/securityContext', lineOf(yaml, 'securityContext:'), 'partial'],
      ],
    );
  });

  test('pod-level findings are reported once per pod with the right line', () => {
    const yaml = `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  hostPID: true
  securityContext:
    runAsUser: 0
  containers:
  - name: a
    image: ${IMG}
  - name: b
    image: ${IMG}
`;
    const findings = run(yaml).filter((f) => f.rule === 'host-pid' || f.rule === 'run-as-root-user');
    assert.deepEqual(
      findings.map((f) => [f.rule, f.path, f.line, f.container]),
      [
        ['host-pid', '/spec/hostPID', lineOf(yaml, 'hostPID'), undefined],
        ['run-as-root-user', '/spec/securityContext/runAsUser', lineOf(yaml, 'runAsUser'), undefined],
      ],
    );
  });

  test('the AppArmor annotation is located at its key and attributed to the container it names', () => {
    const yaml = `apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    team: shop
    container.apparmor.security.beta.kubernetes.io/app: unconfined
spec:
  containers:
  - name: app
    image: ${IMG}
`;
    const [f] = run(yaml).filter((x) => x.rule === 'apparmor-profile');
    assert.equal(f.path, '/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1app');
    assert.equal(f.line, lineOf(yaml, 'container.apparmor'));
    assert.equal(f.container, 'app');
  });

  test('items of a List carry the item prefix in their path and keep their own lines', () => {
    const yaml = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: c}
- apiVersion: v1
  kind: Pod
  metadata: {name: p}
  spec:
    containers:
    - name: app
      image: ${IMG}
      securityContext:
        privileged: true
`;
    const [f] = run(yaml).filter((x) => x.rule === 'privileged-container');
    assert.equal(f.path, '/items/1/spec/containers/0/securityContext/privileged');
    assert.equal(f.line, lineOf(yaml, 'privileged: true'));
  });

  test('messages name the container and never echo unrelated values', () => {
    const yaml = pod(`
  containers:
  - name: app
    image: ${IMG}
    env: [{name: PASSWORD, value: hunter2}]
    securityContext: {allowPrivilegeEscalation: true}
`);
    for (const f of run(yaml)) {
      assert.ok(!f.message.includes('hunter2'));
      if (f.container) assert.ok(f.message.includes(`"${f.container}"`), f.message);
    }
  });
});
