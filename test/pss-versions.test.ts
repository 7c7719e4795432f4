/**
 * Pod Security Standards by version. Every change in the standard's history (the versioned checks
 * of k8s.io/pod-security-admission, src/core/pss.ts) is judged at the version just before it and
 * at the version where it changes; then how a version is read, capped and chosen per namespace,
 * and `--pss-version` through the command line (scan, webhook what-if, webhook, cluster).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RuleSettings } from '../src/engine/rule.js';
import type { Finding } from '../src/core/types.js';
import { evaluate } from '../src/engine/engine.js';
import { loadText } from '../src/sources/files.js';
import { podSecurityRules } from '../src/rules/pod-security/index.js';
import { namespacePssVersions, parsePssVersion, PSS_NEWEST_MINOR, type NamespacePssVersions } from '../src/k8s/pss.js';
import { ConfigError, parseConfig } from '../src/config/config-file.js';
import { rules as catalogue } from '../src/rules/index.js';
import { cli, kshield, kshieldAsync } from './support/cli.js';
import { makeServingCert, makeTestCa } from './support/tls.js';
import { postReview, review } from './support/admission.js';
import { load as parseYaml } from 'js-yaml';
import { startTestApiServer, writeKubeconfig } from './support/k8s-api-server.js';

function findings(yaml: string, settings: Partial<RuleSettings>): Finding[] {
  const loaded = loadText(yaml, 'test.yaml');
  assert.deepEqual(loaded.errors, [], 'manifest must parse');
  const result = evaluate(loaded.resources, { rules: podSecurityRules, settings });
  assert.deepEqual(result.errors, [], 'no rule may throw');
  return result.findings;
}

/** "rule-id /json/pointer" of every finding of every PSS rule, sorted. */
function at(version: string, yaml: string, settings: Partial<RuleSettings> = {}): string[] {
  return findings(yaml, { pssVersion: version, ...settings })
    .map((f) => `${f.rule} ${f.path}`)
    .sort();
}

const IMG = 'registry.example.com/shop/web:1.4.2';
/** A container securityContext meeting every Restricted control on its own. */
const RSC = '{runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}';

const pod = (spec: string, annotations = '', namespace = 'ci'): string =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: ${namespace}\n${annotations ? `  annotations:\n${annotations}` : ''}spec:\n${spec.replace(/^\n/, '')}`;

/** A pod meeting every Restricted control, with these pod securityContext lines added. */
const restrictedPodWith = (podSecurityContext: string): string =>
  pod(`
  securityContext:
    runAsNonRoot: true
${podSecurityContext}
  containers:
  - name: app
    image: ${IMG}
    securityContext: ${RSC}
`);

const sysctls = (...names: string[]): string => restrictedPodWith(`    sysctls:\n${names.map((n) => `    - {name: ${n}, value: "1"}`).join('\n')}`);

interface Change {
  /** The version at which the standard changed. */
  since: number;
  what: string;
  yaml: string;
  /** Findings at v1.(since - 1). */
  before: string[];
  /** Findings at v1.since. */
  after: string[];
}

const USERNS_PROC_MOUNT = pod(`
  hostUsers: false
  securityContext: {runAsNonRoot: true}
  containers:
  - name: builder
    image: quay.io/buildah/stable:v1.37
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}, procMount: Unmasked}
`);

const CHANGES: Change[] = [
  {
    since: 8,
    what: 'Restricted requires allowPrivilegeEscalation: false',
    yaml: pod(`
  securityContext: {runAsNonRoot: true}
  containers:
  - name: app
    image: ${IMG}
`),
    before: [],
    after: ['allow-privilege-escalation /spec/containers/0'],
  },
  {
    since: 19,
    what: 'Baseline judges seccompProfile.type instead of the seccomp annotations',
    yaml: pod(
      `
  securityContext: {runAsNonRoot: true}
  containers:
  - name: app
    image: ${IMG}
    securityContext: {allowPrivilegeEscalation: false, seccompProfile: {type: Unconfined}}
`,
      '    container.seccomp.security.alpha.kubernetes.io/app: unconfined\n',
    ),
    before: ['seccomp-unconfined /metadata/annotations/container.seccomp.security.alpha.kubernetes.io~1app'],
    after: ['seccomp-unconfined /spec/containers/0/securityContext/seccompProfile/type'],
  },
  {
    since: 19,
    what: 'Restricted requires a seccomp profile',
    yaml: pod(`
  securityContext: {runAsNonRoot: true}
  containers:
  - name: app
    image: ${IMG}
    securityContext: {allowPrivilegeEscalation: false}
`),
    before: [],
    after: ['seccomp-profile-required /spec/containers/0/securityContext'],
  },
  {
    since: 22,
    what: 'Restricted requires dropping ALL capabilities and adding back only NET_BIND_SERVICE',
    yaml: pod(`
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: app
    image: ${IMG}
    securityContext: {allowPrivilegeEscalation: false, capabilities: {add: [CHOWN]}}
`),
    before: [],
    after: ['capabilities-drop-all /spec/containers/0/securityContext/capabilities', 'restricted-capabilities-add /spec/containers/0/securityContext/capabilities/add/0'],
  },
  {
    since: 23,
    what: 'Restricted forbids runAsUser: 0',
    yaml: restrictedPodWith('    runAsUser: 0'),
    before: [],
    after: ['run-as-root-user /spec/securityContext/runAsUser'],
  },
  {
    since: 25,
    what: 'Windows pods are exempt from the Linux-only Restricted controls (not from runAsNonRoot)',
    yaml: pod(`
  os: {name: windows}
  containers:
  - name: app
    image: mcr.microsoft.com/windows/servercore:ltsc2022
`),
    before: [
      'allow-privilege-escalation /spec/containers/0',
      'capabilities-drop-all /spec/containers/0',
      'run-as-non-root /spec/containers/0',
      'seccomp-profile-required /spec/containers/0',
    ],
    after: ['run-as-non-root /spec/containers/0'],
  },
  {
    since: 27,
    what: 'safe sysctl net.ipv4.ip_local_reserved_ports',
    yaml: sysctls('net.ipv4.ip_local_reserved_ports'),
    before: ['unsafe-sysctls /spec/securityContext/sysctls/0/name'],
    after: [],
  },
  {
    since: 29,
    what: 'safe sysctls tcp_keepalive_time, tcp_fin_timeout, tcp_keepalive_intvl, tcp_keepalive_probes',
    yaml: sysctls('net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'),
    before: [0, 1, 2, 3].map((i) => `unsafe-sysctls /spec/securityContext/sysctls/${i}/name`),
    after: [],
  },
  {
    since: 31,
    what: 'SELinux type container_engine_t',
    yaml: restrictedPodWith('    seLinuxOptions: {type: container_engine_t}'),
    before: ['selinux-options /spec/securityContext/seLinuxOptions/type'],
    after: [],
  },
  {
    since: 32,
    what: 'safe sysctls tcp_rmem and tcp_wmem',
    yaml: sysctls('net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'),
    before: [0, 1].map((i) => `unsafe-sysctls /spec/securityContext/sysctls/${i}/name`),
    after: [],
  },
  {
    since: 34,
    what: 'probes and lifecycle handlers must not set host',
    yaml: pod(`
  securityContext: {runAsNonRoot: true}
  containers:
  - name: app
    image: ${IMG}
    securityContext: ${RSC}
    readinessProbe:
      httpGet: {host: 169.254.169.254, path: /, port: 80}
    lifecycle:
      preStop:
        tcpSocket: {host: 10.0.0.9, port: 22}
`),
    before: [],
    after: ['host-probes-lifecycle /spec/containers/0/lifecycle/preStop/tcpSocket/host', 'host-probes-lifecycle /spec/containers/0/readinessProbe/httpGet/host'],
  },
  {
    since: 35,
    what: 'procMount with hostUsers: false: allowed by Baseline, still forbidden by Restricted',
    yaml: USERNS_PROC_MOUNT,
    before: ['proc-mount /spec/containers/0/securityContext/procMount'],
    after: ['proc-mount-restricted /spec/containers/0/securityContext/procMount'],
  },
  {
    since: 35,
    what: 'runAsNonRoot and runAsUser are not checked for pods with hostUsers: false',
    yaml: pod(`
  hostUsers: false
  securityContext: {runAsUser: 0, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: app
    image: ${IMG}
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
`),
    before: ['run-as-non-root /spec/containers/0/securityContext', 'run-as-root-user /spec/securityContext/runAsUser'],
    after: [],
  },
  {
    since: 37,
    what: 'safe sysctls tcp_slow_start_after_idle and tcp_notsent_lowat',
    yaml: sysctls('net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat'),
    before: [0, 1].map((i) => `unsafe-sysctls /spec/securityContext/sysctls/${i}/name`),
    after: [],
  },
];

describe('every change of the Pod Security Standards, on both sides', () => {
  for (const c of CHANGES) {
    test(`v1.${c.since}: ${c.what}`, () => {
      assert.deepEqual(at(`v1.${c.since - 1}`, c.yaml), [...c.before].sort(), `at v1.${c.since - 1}`);
      assert.deepEqual(at(`v1.${c.since}`, c.yaml), [...c.after].sort(), `at v1.${c.since}`);
    });
  }

  test('the table covers every version at which a rule changes', () => {
    // The versions named in src/core/pss.ts's table of changes.
    assert.deepEqual([...new Set(CHANGES.map((c) => c.since))], [8, 19, 22, 23, 25, 27, 29, 31, 32, 34, 35, 37]);
    assert.equal(Math.max(...CHANGES.map((c) => c.since)), PSS_NEWEST_MINOR, 'latest is the newest change');
  });

  test('checks the controller made in its v1.0 check hold at every version: image volumes, appArmorProfile fields', () => {
    const yaml = pod(`
  securityContext: {runAsNonRoot: true, appArmorProfile: {type: Unconfined}}
  containers:
  - name: app
    image: ${IMG}
    securityContext: ${RSC}
  volumes:
  - name: models
    image: {reference: "registry.example.com/ml/models:v3"}
  - name: shared
    nfs: {server: nfs.example.com, path: /exports}
`);
    for (const version of ['v1.0', 'v1.29', 'latest'])
      assert.deepEqual(at(version, yaml), ['apparmor-profile /spec/securityContext/appArmorProfile/type', 'restricted-volume-types /spec/volumes/1/nfs'], version);
  });

  test('seccomp annotations before v1.19: runtime/default, docker/default and localhost/* pass; others, empty included, fail; containers the pod lacks are ignored', () => {
    const yaml = pod(
      `
  securityContext: {runAsNonRoot: true}
  initContainers:
  - name: init
    image: ${IMG}
    securityContext: {allowPrivilegeEscalation: false}
  containers:
  - name: a
    image: ${IMG}
    securityContext: {allowPrivilegeEscalation: false}
  - name: b
    image: ${IMG}
    securityContext: {allowPrivilegeEscalation: false}
  - name: c
    image: ${IMG}
    securityContext: {allowPrivilegeEscalation: false}
`,
      [
        '    seccomp.security.alpha.kubernetes.io/pod: docker/default',
        '    container.seccomp.security.alpha.kubernetes.io/init: ""',
        '    container.seccomp.security.alpha.kubernetes.io/a: localhost/profiles/a.json',
        '    container.seccomp.security.alpha.kubernetes.io/b: runtime/default',
        '    container.seccomp.security.alpha.kubernetes.io/c: unconfined',
        '    container.seccomp.security.alpha.kubernetes.io/gone: unconfined',
        '',
      ].join('\n'),
    );
    const found = findings(yaml, { pssVersion: 'v1.18' }).sort((a, b) => a.line - b.line);
    assert.deepEqual(
      found.map((f) => [f.rule, f.path, f.container]),
      [
        ['seccomp-unconfined', '/metadata/annotations/container.seccomp.security.alpha.kubernetes.io~1init', 'init'],
        ['seccomp-unconfined', '/metadata/annotations/container.seccomp.security.alpha.kubernetes.io~1c', 'c'],
      ],
    );
    assert.equal(
      found[1].message,
      'annotation container.seccomp.security.alpha.kubernetes.io/c sets seccomp profile "unconfined"; Pod Security Standards v1.18 judges the seccomp annotations and allows only runtime/default, docker/default or localhost/<profile>',
    );
    // From v1.19 the annotations say nothing; the missing profiles do.
    assert.deepEqual(at('v1.19', yaml), ['seccomp-profile-required /spec/containers/0/securityContext', 'seccomp-profile-required /spec/containers/1/securityContext', 'seccomp-profile-required /spec/containers/2/securityContext', 'seccomp-profile-required /spec/initContainers/0/securityContext']);
  });

  test('messages of findings that depend on the version name it', () => {
    const message = (version: string, yaml: string, rule: string): string => findings(yaml, { pssVersion: version }).find((f) => f.rule === rule)!.message;
    assert.equal(message('v1.26', sysctls('net.ipv4.ip_local_reserved_ports'), 'unsafe-sysctls'), 'the pod sets sysctl "net.ipv4.ip_local_reserved_ports", which is not in the safe set of Pod Security Standards v1.26 (safe from v1.27)');
    assert.equal(message('latest', sysctls('kernel.msgmax'), 'unsafe-sysctls'), 'the pod sets sysctl "kernel.msgmax", which is not in the safe set of Pod Security Standards v1.37');
    assert.equal(message('v1.34', USERNS_PROC_MOUNT, 'proc-mount'), 'container "builder" uses procMount "Unmasked", which unmasks /proc; Pod Security Standards v1.34 checks this for pods with hostUsers: false too (v1.35 and later do not)');
    assert.equal(
      message('v1.30', restrictedPodWith('    seLinuxOptions: {type: container_engine_t}'), 'selinux-options'),
      'the pod sets SELinux type "container_engine_t", which Pod Security Standards v1.30 does not allow (v1.31 and later do)',
    );
    assert.equal(message('v1.24', CHANGES.find((c) => c.since === 25)!.yaml, 'allow-privilege-escalation'), 'container "app" does not set allowPrivilegeEscalation: false (unset means escalation is allowed); Pod Security Standards v1.24 checks this for Windows pods too (v1.25 and later do not)');
    // A finding that holds at every version says nothing of versions.
    assert.equal(message('v1.24', USERNS_PROC_MOUNT.replace('hostUsers: false', 'hostUsers: true'), 'proc-mount'), 'container "builder" uses procMount "Unmasked", which unmasks /proc');
  });
});

describe('reading a version', () => {
  test('exactly the pod-security.kubernetes.io/*-version label grammar', () => {
    assert.equal(parsePssVersion('latest'), 'latest');
    for (const [text, minor] of [['v1.0', 0], ['v1.9', 9], ['v1.10', 10], ['v1.35', 35], ['v1.120', 120]] as const) assert.equal(parsePssVersion(text), minor, text);
    for (const text of ['v1', '1.35', 'v1.035', 'v1.35.0', 'v2.0', 'V1.35', 'Latest', ' v1.35', 'v1.', 'latest2', '1.2x', '', 'v1.-1'])
      assert.equal(parsePssVersion(text), undefined, JSON.stringify(text));
  });

  test('latest is the newest kshield knows; a newer version is judged as it; v1.0 is the oldest', () => {
    const yaml = sysctls('net.ipv4.tcp_slow_start_after_idle', 'kernel.msgmax');
    assert.deepEqual(at('v1.99', yaml), at('latest', yaml));
    assert.deepEqual(at('latest', yaml), at(`v1.${PSS_NEWEST_MINOR}`, yaml));
    const old = CHANGES[0].yaml;
    assert.deepEqual(at('v1.0', old), at('v1.7', old));
  });

  test('the target cluster caps the version, as its admission controller does', () => {
    const { yaml, before, after } = CHANGES.find((c) => c.since === 37)!;
    assert.deepEqual(at('latest', yaml, { pssClusterMinor: 36 }), [...before].sort(), 'latest on a 1.36 cluster is v1.36');
    assert.deepEqual(at('v1.37', yaml, { pssClusterMinor: 36 }), [...before].sort(), 'v1.37 on a 1.36 cluster is judged as v1.36');
    assert.deepEqual(at('latest', yaml, { pssClusterMinor: 40 }), [...after].sort(), 'a cluster newer than kshield: the newest kshield knows');
    assert.deepEqual(at('v1.34', USERNS_PROC_MOUNT, { pssClusterMinor: 36 }), ['proc-mount /spec/containers/0/securityContext/procMount'], 'an older version is kept');
  });

  test('.kshield.yaml: pssVersion as the label takes it; kubernetesVersion is the cluster that caps it', () => {
    assert.equal(parseConfig('pssVersion: v1.34\n', 'k.yaml', catalogue).pssVersion, 'v1.34');
    assert.equal(parseConfig('pssVersion: latest\n', 'k.yaml', catalogue).pssVersion, 'latest');
    assert.throws(() => parseConfig('failOn: high\npssVersion: "1.34"\n', 'k.yaml', catalogue), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.message, 'k.yaml:2: pssVersion: expected "latest" or "v1.N", as the pod-security.kubernetes.io/enforce-version label takes them, got "1.34"; did you mean "v1.34"?');
      return true;
    });
    assert.throws(() => parseConfig('pssVersion: 1.34\n', 'k.yaml', catalogue), (e: unknown) => {
      assert.equal((e as Error).message, 'k.yaml:1: pssVersion: must be "latest" or "v1.N", e.g. pssVersion: v1.30');
      return true;
    });
  });
});

describe('one version per level per namespace (kshield cluster)', () => {
  const P = 'pod-security.kubernetes.io/';
  test('the labels of the first of enforce, warn, audit that judges the level decide its version', () => {
    const cases: [Record<string, string>, NamespacePssVersions | undefined][] = [
      [{}, undefined],
      [{ team: 'ci' }, undefined],
      [{ [`${P}enforce`]: 'restricted' }, undefined],
      [{ [`${P}enforce`]: 'baseline', [`${P}enforce-version`]: 'v1.30' }, { baseline: 30 }],
      [{ [`${P}enforce`]: 'restricted', [`${P}enforce-version`]: 'v1.30' }, { baseline: 30, restricted: 30 }],
      [{ [`${P}enforce`]: 'baseline', [`${P}enforce-version`]: 'v1.29', [`${P}warn`]: 'restricted', [`${P}warn-version`]: 'latest' }, { baseline: 29, restricted: 'latest' }],
      [{ [`${P}enforce`]: 'privileged', [`${P}enforce-version`]: 'v1.20', [`${P}audit`]: 'baseline', [`${P}audit-version`]: 'v1.25' }, { baseline: 25 }],
      // No level label: the mode's level is the cluster's default, which the API does not show.
      [{ [`${P}enforce-version`]: 'v1.28' }, { baseline: 28, restricted: 28 }],
      // enforce decides Baseline with the scan's own version; warn, with no level, decides Restricted.
      [{ [`${P}enforce`]: 'baseline', [`${P}warn-version`]: 'v1.24' }, { restricted: 24 }],
      // As Pod Security Admission reads bad labels: a bad version is latest, a bad enforce level restricted, a bad warn level privileged.
      [{ [`${P}enforce`]: 'restricted', [`${P}enforce-version`]: 'v1.3x' }, { baseline: 'latest', restricted: 'latest' }],
      [{ [`${P}enforce`]: 'strict', [`${P}enforce-version`]: 'v1.22' }, { baseline: 22, restricted: 22 }],
      [{ [`${P}warn`]: 'strict', [`${P}warn-version`]: 'v1.22' }, undefined],
    ];
    for (const [labels, expected] of cases) assert.deepEqual(namespacePssVersions(labels), expected, JSON.stringify(labels));
  });

  const nsSettings = (versions: NamespacePssVersions): Partial<RuleSettings> => ({ pssNamespaces: new Map([['ci', versions]]) });

  test('a namespace without versions takes the scan version; one with takes its own', () => {
    const other = USERNS_PROC_MOUNT.replace('namespace: ci', 'namespace: other');
    assert.deepEqual(at('latest', other, nsSettings({ baseline: 34, restricted: 34 })), ['proc-mount-restricted /spec/containers/0/securityContext/procMount']);
    assert.deepEqual(at('latest', USERNS_PROC_MOUNT, nsSettings({ baseline: 34, restricted: 34 })), ['proc-mount /spec/containers/0/securityContext/procMount']);
    assert.deepEqual(at('v1.34', USERNS_PROC_MOUNT, nsSettings({ baseline: 'latest', restricted: 'latest' })), ['proc-mount-restricted /spec/containers/0/securityContext/procMount']);
  });

  test('levels at different versions: a cause is reported once, by the Baseline rule if Baseline forbids it', () => {
    // Baseline v1.34 forbids the unmasked /proc: Restricted (v1.37) forbids it too, and does not say so again.
    assert.deepEqual(at('latest', USERNS_PROC_MOUNT, nsSettings({ baseline: 34, restricted: 'latest' })), ['proc-mount /spec/containers/0/securityContext/procMount']);
    // Baseline v1.37 allows it; Restricted at v1.34 forbids it (by the Baseline check it ran then).
    assert.deepEqual(at('latest', USERNS_PROC_MOUNT, nsSettings({ baseline: 'latest', restricted: 34 })), ['proc-mount-restricted /spec/containers/0/securityContext/procMount']);

    const unconfinedField = CHANGES[2].yaml.replace('securityContext: {allowPrivilegeEscalation: false}', 'securityContext: {allowPrivilegeEscalation: false, seccompProfile: {type: Unconfined}}');
    // Baseline at v1.18 reads annotations only: Restricted at v1.19 reports the explicit Unconfined itself.
    assert.deepEqual(at('latest', unconfinedField, nsSettings({ baseline: 18, restricted: 19 })), ['seccomp-profile-required /spec/containers/0/securityContext/seccompProfile/type']);
    assert.deepEqual(at('latest', unconfinedField, nsSettings({ baseline: 19, restricted: 19 })), ['seccomp-unconfined /spec/containers/0/securityContext/seccompProfile/type']);
    // Restricted at v1.18 ran the annotation check, Baseline at v1.19 does not: the annotation is Restricted's to report.
    const annotated = pod(
      `
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: app
    image: ${IMG}
    securityContext: {allowPrivilegeEscalation: false}
`,
      '    seccomp.security.alpha.kubernetes.io/pod: unconfined\n',
    );
    assert.deepEqual(at('latest', annotated, nsSettings({ baseline: 19, restricted: 18 })), ['seccomp-profile-required /metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod']);
    assert.deepEqual(at('latest', annotated, nsSettings({ baseline: 18, restricted: 18 })), ['seccomp-unconfined /metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod']);
  });
});

describe('--pss-version through the command line', () => {
  let dir: string;
  let manifest: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-pss-'));
    manifest = path.join(dir, 'builder.yaml');
    writeFileSync(manifest, USERNS_PROC_MOUNT);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const rulesOf = (stdout: string): string[] => (JSON.parse(stdout).findings as Finding[]).map((f) => f.rule).sort();

  test('scan: latest by default (v1.35+: Baseline allows the unmasked /proc of a user-namespace pod); v1.34 does not', () => {
    const latest = kshield(['scan', manifest, '--only', 'pss-baseline', '--fail-on', 'medium']);
    assert.equal(latest.code, 0, latest.stdout + latest.stderr);
    assert.equal(latest.stdout, 'No findings; 1 resource in 1 file scanned.\n');
    const pinned = kshield(['scan', manifest, '--only', 'pss-baseline', '--fail-on', 'medium', '--pss-version', 'v1.34']);
    assert.equal(pinned.code, 1, pinned.stderr);
    assert.match(pinned.stdout, /container "builder" uses procMount "Unmasked", which unmasks \/proc; Pod Security Standards v1\.34 checks this for pods with hostUsers: false too \(v1\.35 and later do not\)\s+proc-mount/);
    const json = kshield(['scan', manifest, '--only', 'pss-baseline,pss-restricted', '-o', 'json', '--pss-version', 'latest']);
    assert.deepEqual(rulesOf(json.stdout), ['proc-mount-restricted']);
    // Threads judge at the version too.
    const twoFiles = path.join(dir, 'two');
    mkdirSync(twoFiles);
    writeFileSync(path.join(twoFiles, 'a.yaml'), USERNS_PROC_MOUNT);
    writeFileSync(path.join(twoFiles, 'b.yaml'), USERNS_PROC_MOUNT.replace('name: p', 'name: q'));
    const threaded = kshield(['scan', twoFiles, '-j', '2', '--only', 'pss-baseline,pss-restricted', '-o', 'json', '--pss-version', 'v1.34']);
    assert.deepEqual(rulesOf(threaded.stdout), ['proc-mount', 'proc-mount']);
  });

  test('a bad value is a usage error (exit 2) saying what the flag takes, nothing scanned', () => {
    for (const [value, hint] of [
      ['1.35', '; did you mean "v1.35"?'],
      ['v1', ''],
      ['1.2x', ''],
      ['latest2', ''],
      ['v1.35.2', '; did you mean "v1.35"?'],
      ['LATEST', '; did you mean "latest"?'],
    ]) {
      const run = kshield(['scan', manifest, '--pss-version', value]);
      assert.equal(run.code, 2, value);
      assert.equal(run.stdout, '', value);
      assert.equal(run.stderr, `kshield: error: --pss-version: expected "latest" or "v1.N", as the pod-security.kubernetes.io/enforce-version label takes them, got "${value}"${hint}\n`);
    }
  });

  test('the configuration: pssVersion, and kubernetesVersion as the cluster that caps latest; the flag wins', () => {
    const pinned = path.join(dir, 'pinned.yaml');
    writeFileSync(pinned, 'pssVersion: v1.34\n');
    assert.deepEqual(rulesOf(kshield(['scan', manifest, '-c', pinned, '--only', 'pss-baseline,pss-restricted', '-o', 'json']).stdout), ['proc-mount']);
    assert.deepEqual(rulesOf(kshield(['scan', manifest, '-c', pinned, '--pss-version', 'latest', '--only', 'pss-baseline,pss-restricted', '-o', 'json']).stdout), ['proc-mount-restricted']);
    const cluster = path.join(dir, 'cluster.yaml');
    writeFileSync(cluster, 'kubernetesVersion: "1.34"\n');
    assert.deepEqual(rulesOf(kshield(['scan', manifest, '-c', cluster, '--only', 'pss-baseline,pss-restricted', '-o', 'json']).stdout), ['proc-mount']);
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'pssVersion: v1.3.4\n');
    const run = kshield(['scan', manifest, '-c', bad]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /bad\.yaml:1: pssVersion: expected "latest" or "v1\.N", .*got "v1\.3\.4"; did you mean "v1\.3"\?/);
  });

  test('webhook what-if judges at --pss-version; a bad value is exit 2', () => {
    const whatIf = (args: string[]) => kshield(['webhook', 'what-if', manifest, '-o', 'json', ...args]);
    const warned = (stdout: string): string[] => JSON.parse(stdout).namespaces.flatMap((n: any) => n.workloads.flatMap((w: any) => w.warned.map((f: any) => f.rule))).filter((r: string) => r.startsWith('proc-mount'));
    assert.deepEqual(warned(whatIf([]).stdout), ['proc-mount-restricted']);
    assert.deepEqual(warned(whatIf(['--pss-version', 'v1.34']).stdout), ['proc-mount']);
    const bad = whatIf(['--pss-version', 'v1.x']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^kshield: error: --pss-version: expected "latest" or "v1\.N"/);
  });
});

test('kshield webhook judges at --pss-version, which wins over the configuration on every reload', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kshield-pss-webhook-'));
  const ca = makeTestCa();
  const serving = makeServingCert(ca);
  const cert = path.join(dir, 'tls.crt');
  const key = path.join(dir, 'tls.key');
  writeFileSync(cert, serving.certPem);
  writeFileSync(key, serving.keyPem);
  const config = path.join(dir, 'kshield.yaml');
  const enforceProcMount = 'webhook:\n  actions:\n    rules:\n      proc-mount: enforce\n';
  writeFileSync(config, enforceProcMount);
  const child = spawn(process.execPath, [cli, 'webhook', '--tls-cert', cert, '--tls-key', key, '--port', '0', '--address', '127.0.0.1', '--reload-poll', '200ms', '--config', config, '--pss-version', 'v1.34'], {
    cwd: dir,
    env: { ...process.env, POD_NAMESPACE: 'kshield' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, any>[] = [];
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
      logs.push(JSON.parse(buffer.slice(0, nl)));
      buffer = buffer.slice(nl + 1);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const until = async (check: () => boolean, what: string): Promise<void> => {
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) if (check()) return;
    assert.fail(`timed out waiting for ${what}`);
  };
  try {
    await until(() => logs.some((l) => l.msg === 'kshield webhook listening'), 'the webhook to listen');
    const listening = logs.find((l) => l.msg === 'kshield webhook listening')!;
    assert.equal(listening.pssVersion, 'v1.34');
    const object = parseYaml(USERNS_PROC_MOUNT) as Record<string, any>;
    const decide = async (): Promise<Record<string, any>> => (await postReview(listening.port, '/validate', review(object), ca.certPem)).json.response;
    const denied = await decide();
    assert.equal(denied.allowed, false);
    assert.match(denied.status.message, /proc-mount.*Pod Security Standards v1\.34/s);
    // The configuration now asks for latest: the flag still wins.
    const tmp = `${config}.tmp`;
    writeFileSync(tmp, `pssVersion: latest\n${enforceProcMount}`);
    renameSync(tmp, config);
    await until(() => logs.some((l) => l.msg === 'configuration reloaded'), 'the reload');
    assert.equal(logs.find((l) => l.msg === 'configuration reloaded')!.pssVersion, 'v1.34');
    assert.equal((await decide()).allowed, false);
  } finally {
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('kshield cluster: the namespace labels and the server version decide', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-pss-cluster-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const P = 'pod-security.kubernetes.io/';
  const namespace = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  const builder = (ns: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'builder', namespace: ns },
    spec: {
      hostUsers: false,
      securityContext: { runAsNonRoot: true, sysctls: [{ name: 'net.ipv4.tcp_notsent_lowat', value: '16384' }] },
      containers: [{ name: 'buildah', image: 'quay.io/buildah/stable:v1.37', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' }, procMount: 'Unmasked' } }],
    },
  });
  const OBJECTS = [
    namespace('pinned', { [`${P}enforce`]: 'baseline', [`${P}enforce-version`]: 'v1.34' }),
    namespace('split', { [`${P}enforce`]: 'baseline', [`${P}enforce-version`]: 'latest', [`${P}warn`]: 'restricted', [`${P}warn-version`]: 'v1.34' }),
    namespace('unlabelled'),
    builder('pinned'),
    // A Deployment is listed with the first lists, not after the controllers' like Pods: its namespace's labels must be known by then.
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'builders', namespace: 'pinned' }, spec: { selector: { matchLabels: { app: 'b' } }, template: { metadata: { labels: { app: 'b' } }, spec: builder('pinned').spec } } },
    builder('split'),
    builder('unlabelled'),
  ];

  async function scan(gitVersion: string, args: string[] = [], identity: 'admin' | 'noNamespaces' = 'admin'): Promise<{ code: number | null; report: any; stderr: string; requests: string[] }> {
    const api = await startTestApiServer({ objects: OBJECTS, gitVersion, identities: { admin: {}, noNamespaces: { forbid: ['namespaces'] } } });
    try {
      const file = path.join(dir, `${gitVersion}-${identity}.kubeconfig`);
      writeKubeconfig(file, api, { [identity]: api.tokens[identity] });
      const run = await kshieldAsync(['cluster', '--kubeconfig', file, '-o', 'json', '--fail-on', 'none', '--only', 'pss-baseline,pss-restricted', ...args], { KUBECONFIG: '', HOME: dir });
      return { code: run.code, report: run.stdout ? JSON.parse(run.stdout) : undefined, stderr: run.stderr, requests: [...api.requests] };
    } finally {
      await api.close();
    }
  }
  const byNamespace = (report: any): Record<string, string[]> => {
    const out: Record<string, string[]> = {};
    for (const f of report.findings as Finding[]) (out[f.resource.namespace!] ??= []).push(f.rule);
    for (const list of Object.values(out)) list.sort();
    return out;
  };

  test('on a 1.37 server: latest is v1.37; each namespace at its labels\' version, per level', async () => {
    const { code, report, stderr } = await scan('v1.37.0');
    assert.equal(code, 0, stderr);
    assert.deepEqual(byNamespace(report), {
      // enforce: baseline v1.34 (Restricted takes the scan's version, latest): the Pod and the Deployment
      pinned: ['proc-mount', 'proc-mount', 'unsafe-sysctls', 'unsafe-sysctls'],
      // Baseline at latest allows both; Restricted at v1.34 forbids the /proc mount. The sysctl is Baseline's alone.
      split: ['proc-mount-restricted'],
      unlabelled: ['proc-mount-restricted'],
    });
    const sysctl = report.findings.find((f: Finding) => f.rule === 'unsafe-sysctls');
    assert.equal(sysctl.message, 'the pod sets sysctl "net.ipv4.tcp_notsent_lowat", which is not in the safe set of Pod Security Standards v1.34 (safe from v1.37)');
  });

  test('on a 1.36 server latest is v1.36: the 1.37 sysctl is not safe yet there; --pss-version sets the version of unlabelled namespaces', async () => {
    const { report } = await scan('v1.36.2');
    assert.deepEqual(byNamespace(report), { pinned: ['proc-mount', 'proc-mount', 'unsafe-sysctls', 'unsafe-sysctls'], split: ['proc-mount-restricted', 'unsafe-sysctls'], unlabelled: ['proc-mount-restricted', 'unsafe-sysctls'] });
    assert.ok(report.findings.filter((f: Finding) => f.rule === 'unsafe-sysctls' && f.resource.namespace === 'unlabelled').every((f: Finding) => /v1\.36 \(safe from v1\.37\)$/.test(f.message)));
    const flagged = await scan('v1.36.2', ['--pss-version', 'v1.34']);
    assert.deepEqual(byNamespace(flagged.report), { pinned: ['proc-mount', 'proc-mount', 'unsafe-sysctls', 'unsafe-sysctls'], split: ['proc-mount-restricted', 'unsafe-sysctls'], unlabelled: ['proc-mount', 'unsafe-sysctls'] });
    const bad = await scan('v1.36.2', ['--pss-version', '1.34']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--pss-version: .*did you mean "v1\.34"\?/);
  });

  test('every page of the Namespaces list is read before any other list starts', async () => {
    const { requests } = await scan('v1.37.0', ['--page-size', '1', '--concurrency', '4']);
    const lists = requests.filter((r) => /[?&]limit=/.test(r)).map((r) => new URL(r.slice(4), 'https://x').pathname);
    const namespaceLists = lists.filter((p) => p === '/api/v1/namespaces').length;
    assert.equal(namespaceLists, 3, 'one request per namespace at --page-size 1');
    assert.deepEqual(lists.slice(0, namespaceLists), Array(namespaceLists).fill('/api/v1/namespaces'), lists.slice(0, 8).join(' '));
  });

  test('when Namespaces cannot be listed, every workload is judged at the default version, and a note says so', async () => {
    const { report } = await scan('v1.37.0', [], 'noNamespaces');
    assert.deepEqual(byNamespace(report), { pinned: ['proc-mount-restricted', 'proc-mount-restricted'], split: ['proc-mount-restricted'], unlabelled: ['proc-mount-restricted'] });
    assert.ok(
      report.notes.some((n: any) => n.message === 'Namespaces could not be listed, so their pod-security.kubernetes.io/*-version labels are unknown: every workload was judged at Pod Security Standards v1.37'),
      JSON.stringify(report.notes),
    );
  });
});
