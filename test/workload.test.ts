import { classifyHostPath, normalizeHostPath } from '../src/k8s/host-paths.js';
import { parseQuantity } from '../src/k8s/quantities.js';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluate } from '../src/engine/engine.js';
import type { Finding } from '../src/core/types.js';
import { workloadRules } from '../src/rules/workload/index.js';
import { isLiteralSecretValue, isSecretName, hasUrlPassword } from '../src/core/secrets-detect.js';
import { rules as catalogue } from '../src/rules/index.js';
import { loadText } from '../src/sources/files.js';

function run(ruleIds: string | string[], yaml: string): Finding[] {
  const ids = Array.isArray(ruleIds) ? ruleIds : [ruleIds];
  const selected = ids.map((id) => {
    const rule = workloadRules.find((r) => r.id === id);
    assert.ok(rule, id);
    return rule;
  });
  const loaded = loadText(yaml, 'test.yaml');
  const result = evaluate(loaded.resources, { rules: selected });
  assert.deepEqual(result.errors, []);
  return result.findings;
}

function pod(spec: string, name = 'p'): string {
  return `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: shop}\nspec:\n${spec}`;
}

describe('runAsUser / runAsGroup inheritance', () => {
  test('container value wins over the pod value', () => {
    const yaml = pod(`  securityContext: {runAsUser: 1000}
  containers:
  - {name: a, image: x:1, securityContext: {runAsUser: 20000}}
  - {name: b, image: x:1}
  - {name: c, image: x:1, securityContext: {runAsUser: 500}}`);
    const f = run('low-user-id', yaml);
    assert.deepEqual(
      f.map((x) => [x.path, x.container]),
      [
        ['/spec/containers/2/securityContext/runAsUser', 'c'],
        ['/spec/securityContext/runAsUser', undefined],
      ],
    );
    assert.match(f[1].message, /container "b" run as UID 1000/);
    assert.doesNotMatch(f[1].message, /"a"/);
  });

  test('a pod value that every container overrides is not reported', () => {
    const yaml = pod(`  securityContext: {runAsUser: 1000, runAsGroup: 1000}
  containers:
  - {name: a, image: x:1, securityContext: {runAsUser: 20000, runAsGroup: 20000}}`);
    assert.equal(run(['low-user-id', 'low-group-id'], yaml).length, 0);
  });

  test('UID 0 and unset are left to the PSS rules; 9999 and 10000 are the boundary', () => {
    const table: [string, boolean][] = [['0', false], ['1', true], ['9999', true], ['10000', false], ['"1000"', false], ['-5', false], ['1.5', false]];
    for (const [v, fires] of table) {
      const yaml = pod(`  containers:\n  - {name: a, image: x:1, securityContext: {runAsUser: ${v}}}`);
      assert.equal(run('low-user-id', yaml).length > 0, fires, v);
    }
    assert.equal(run('low-user-id', pod(`  containers:\n  - {name: a, image: x:1}`)).length, 0);
  });

  test('root group: runAsGroup 0 inherited, fsGroup 0, supplementalGroups with 0', () => {
    const yaml = pod(`  securityContext: {runAsGroup: 0, fsGroup: 0, supplementalGroups: [5, 0]}
  containers:
  - {name: a, image: x:1}
  - {name: b, image: x:1, securityContext: {runAsGroup: 0}}`);
    const f = run('root-group-id', yaml);
    assert.deepEqual(f.map((x) => x.path).sort(), [
      '/spec/containers/1/securityContext/runAsGroup',
      '/spec/securityContext/fsGroup',
      '/spec/securityContext/runAsGroup',
      '/spec/securityContext/supplementalGroups/1',
    ]);
    assert.equal(run('low-group-id', yaml).length, 0, 'GID 0 is not also a "low GID" finding');
  });

  test('Windows pods are not checked for Linux identities', () => {
    const yaml = pod(`  os: {name: windows}\n  securityContext: {runAsUser: 1000, runAsGroup: 0}\n  containers:\n  - {name: a, image: x:1}`);
    assert.equal(run(['low-user-id', 'root-group-id', 'writable-root-filesystem', 'net-raw-not-dropped'], yaml).length, 0);
  });
});

describe('hard-coded secrets', () => {
  const SECRET = 'Zq8-veryUnlikelyValue-41xK';
  const yaml = `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      initContainers:
      - name: migrate
        image: x:1
        command: ["migrate", "--db-password", "${SECRET}"]
      containers:
      - name: worker
        image: x:1
        command: ["sh", "-c", "exec worker --user admin --password='${SECRET}' --token \\"$TOKEN\\""]
      - name: api
        image: x:1
        args: ["--apiKey=${SECRET}", "--url=https://admin:${SECRET}@db.internal/x"]
        env:
        - {name: DB_PASSWORD, value: "${SECRET}"}
        - {name: dbPassword, value: "${SECRET}"}
        - {name: AWS_SECRET_ACCESS_KEY, value: "${SECRET}"}
        - {name: CLIENT_SECRET, value: "${SECRET}"}
        - {name: REDIS_URL, value: "redis://:${SECRET}@redis:6379/0"}
        - {name: PIN_TOKEN, value: 987654321}
        - {name: DB_PASSWORD_FILE, value: /run/secrets/db}
        - {name: TOKEN_TTL, value: "3600"}
        - {name: API_KEY, value: "$(API_KEY_FROM_SECRET)"}
        - {name: PASSWORD, value: "changeme"}
        - {name: SECRET_NAME, value: api-credentials}
        - {name: JWT_SECRET, value: ""}
        - {name: AUTH_ENABLED, value: "true"}
        - {name: PUBLIC_URL, value: "https://shop.example.com"}
`;

  test('flags every literal secret and none of the look-alikes', () => {
    const f = run('hardcoded-secret', yaml);
    assert.deepEqual(
      f.map((x) => x.path),
      [
        '/spec/template/spec/containers/0/command/2',
        '/spec/template/spec/containers/1/env/0/value',
        '/spec/template/spec/containers/1/env/1/value',
        '/spec/template/spec/containers/1/env/2/value',
        '/spec/template/spec/containers/1/env/3/value',
        '/spec/template/spec/containers/1/env/4/value',
        '/spec/template/spec/containers/1/env/5/value',
        '/spec/template/spec/containers/1/args/0',
        '/spec/template/spec/containers/1/args/1',
        '/spec/template/spec/initContainers/0/command/2',
      ],
    );
    assert.ok(f.every((x) => x.severity === 'high'));
  });

  test('the secret value appears nowhere in the findings', () => {
    const all = evaluate(loadText(yaml, 'test.yaml').resources, { rules: catalogue }).findings;
    assert.ok(all.length > 0);
    const text = JSON.stringify(all);
    assert.ok(!text.includes(SECRET), 'secret value leaked into findings');
    assert.ok(!text.includes('987654321'), 'numeric secret leaked into findings');
    assert.ok(!text.includes(SECRET.slice(0, 12)), 'part of the secret leaked into findings');
  });

  test('secret names', () => {
    const yes = ['PASSWORD', 'db_password', 'DB_PASS', 'mysqlRootPassword', 'API_KEY', 'apiKey', 'x-api-key', 'GITHUB_TOKEN', 'refresh-token', 'CLIENT_SECRET', 'AWS_SECRET_ACCESS_KEY', 'PRIVATE_KEY', 'credentials', 'SAS_KEY', 'passphrase', 'SECRET_KEY_BASE'];
    const no = ['USERNAME', 'PASSWORD_FILE', 'TOKEN_TTL', 'SECRET_NAME', 'API_KEY_ID', 'TOKEN_URL', 'PASSWORD_MIN_LENGTH', 'PASSTHROUGH', 'KEY', 'PUBLIC_KEY', 'TOKENIZER_MODEL', ''];
    for (const n of yes) assert.ok(isSecretName(n), n);
    for (const n of no) assert.ok(!isSecretName(n), n);
  });

  test('literal values vs placeholders and references', () => {
    const literal = ['hunter2hunter2', 's3cr3t', 'sk_live_abc', '123456'];
    const notLiteral = ['', '  ', '$(VAR)', '${VAR}', '{{ .Values.pw }}', '<password>', 'changeme', 'REPLACE_ME', 'xxxx', '****', 'true', 'off', '/run/secrets/x', './pw', 'vault:secret/data/db#pw', 'ref+awssm://db', 'arn:aws:secretsmanager:eu-west-1:1:secret:db', '3600'];
    for (const v of literal) assert.ok(isLiteralSecretValue(v), v);
    for (const v of notLiteral) assert.ok(!isLiteralSecretValue(v), v);
    assert.ok(hasUrlPassword('postgres://u:pw123@db/x'));
    assert.ok(!hasUrlPassword('postgres://u@db/x'));
    assert.ok(!hasUrlPassword('postgres://u:$(DB_PASSWORD)@db/x'));
    assert.ok(!hasUrlPassword('https://db.example.com/x'));
  });

  test('secretKeyRef and envFrom secretRef are reported by secret-as-env-var, not hardcoded-secret', () => {
    const y = pod(`  containers:
  - name: a
    image: x:1
    env:
    - name: DB_PASSWORD
      valueFrom: {secretKeyRef: {name: db, key: pw}}
    envFrom:
    - secretRef: {name: keys}
    - configMapRef: {name: cfg}`);
    assert.equal(run('hardcoded-secret', y).length, 0);
    assert.deepEqual(run('secret-as-env-var', y).map((f) => f.path), ['/spec/containers/0/env/0/valueFrom/secretKeyRef', '/spec/containers/0/envFrom/0/secretRef']);
  });
});

describe('resources', () => {
  const ids = ['cpu-requests-missing', 'cpu-limits-missing', 'memory-requests-missing', 'memory-limits-missing'];

  test('limits fill missing requests; ephemeral containers are skipped', () => {
    const yaml = pod(`  containers:
  - name: a
    image: x:1
    resources:
      limits: {cpu: "1", memory: 1Gi}
  ephemeralContainers:
  - {name: debug, image: busybox:1.36}`);
    assert.deepEqual(run(ids, yaml), []);
  });

  test('pod-level resources count as set', () => {
    const yaml = pod(`  resources:
    limits: {cpu: "2", memory: 2Gi}
  containers:
  - {name: a, image: x:1}
  - {name: b, image: x:1}`);
    assert.deepEqual(run(ids, yaml), []);
  });

  test('LimitRange defaults apply only in their namespace', () => {
    const lr = `apiVersion: v1
kind: LimitRange
metadata: {name: d, namespace: shop}
spec:
  limits:
  - type: Container
    default: {cpu: 500m, memory: 512Mi}
---
`;
    assert.deepEqual(run(ids, lr + pod(`  containers:\n  - {name: a, image: x:1}`)), []);
    const other = lr + pod(`  containers:\n  - {name: a, image: x:1}`).replace('namespace: shop', 'namespace: other');
    assert.equal(run(ids, other).length, 4);
  });

  test('each missing value is its own rule, pointed at the nearest existing field', () => {
    const f = run(ids, pod(`  containers:\n  - name: a\n    image: x:1\n    resources:\n      requests: {cpu: 100m}`));
    assert.deepEqual(f.map((x) => `${x.rule} ${x.path}`).sort(), [
      'cpu-limits-missing /spec/containers/0/resources',
      'memory-limits-missing /spec/containers/0/resources',
      'memory-requests-missing /spec/containers/0/resources/requests',
    ]);
  });

  test('quantities', () => {
    const table: [unknown, number | undefined][] = [
      ['1', 1], ['1000m', 1], ['0.5', 0.5], ['.5', 0.5], ['1Ki', 1024], ['1Mi', 1048576], ['1G', 1e9], ['1e3', 1000], ['1E', 1e18], ['2', 2], [2, 2],
      ['abc', undefined], ['1 Gi', undefined], [null, undefined], [{}, undefined],
    ];
    for (const [input, expected] of table) {
      const v = parseQuantity(input);
      if (expected === undefined) assert.equal(v, undefined, String(input));
      else assert.ok(v !== undefined && Math.abs(v - expected) < 1e-9 * expected, String(input));
    }
    const eq = run('requests-not-equal-limits', pod(`  containers:\n  - name: a\n    image: x:1\n    resources:\n      requests: {cpu: "1", memory: 1Gi}\n      limits: {cpu: 1000m, memory: 1025Mi}`));
    assert.deepEqual(eq.map((f) => f.path), ['/spec/containers/0/resources/requests/memory']);
  });
});

describe('service account token automount', () => {
  const sa = (value: string): string => `apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web, namespace: shop}\n${value}---\n`;
  const p = (extra: string): string => pod(`  serviceAccountName: web\n${extra}  containers:\n  - {name: a, image: x:1}`);
  const table: [string, string, number][] = [
    // The pod field takes precedence (the ServiceAccount admission plugin's shouldAutomount): the SA's true gives the only pod using it no token.
    ['pod false wins over SA true: nothing reported', sa('automountServiceAccountToken: true\n') + p('  automountServiceAccountToken: false\n'), 0],
    ['SA true with no scanned pod running as it is reported (it decides for pods to come)', sa('automountServiceAccountToken: true\n').replace(/---\n$/, ''), 1],
    ['pod false with a projected token for the API server: asked for on purpose, not reported', sa('') + pod(`  serviceAccountName: web\n  automountServiceAccountToken: false\n  containers:\n  - {name: a, image: x:1}\n  volumes:\n  - name: api\n    projected:\n      sources:\n      - serviceAccountToken: {path: token, expirationSeconds: 3600}\n`), 0],
    ['pod true wins over SA false', sa('automountServiceAccountToken: false\n') + p('  automountServiceAccountToken: true\n'), 1],
    ['SA false applies when pod unset', sa('automountServiceAccountToken: false\n') + p(''), 0],
    ['SA unset, pod unset', sa('') + p(''), 1],
    ['SA not scanned, pod unset', p(''), 1],
    ['SA in another namespace does not count', sa('automountServiceAccountToken: false\n').replace('namespace: shop', 'namespace: other') + p(''), 1],
  ];
  for (const [name, yaml, count] of table) test(name, () => assert.equal(run('service-account-token-automount', yaml).length, count));

  test('the ServiceAccount finding is on the ServiceAccount, and stays while one scanned pod leaves the choice to it', () => {
    const optedOut = p('  automountServiceAccountToken: false\n');
    const leavesIt = pod(`  serviceAccountName: web\n  containers:\n  - {name: a, image: x:1}`, 'q');
    const f = run('service-account-token-automount', sa('automountServiceAccountToken: true\n') + optedOut + '\n---\n' + leavesIt);
    assert.deepEqual(
      f.map((x) => `${x.resource.kind}/${x.resource.name} ${x.path}`),
      ['ServiceAccount/web /automountServiceAccountToken', 'Pod/q /spec'],
    );
    assert.match(f[1].message, /its ServiceAccount "web" sets automountServiceAccountToken: true/);
  });

  test('a Deployment opting out is judged like a Pod, and only pods of the same namespace and account count', () => {
    const deployment = (ns: string, account: string, extra: string) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d-${ns}-${account}, namespace: ${ns}}\nspec:\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}}\n    spec:\n      serviceAccountName: ${account}\n${extra}      containers:\n      - {name: a, image: x:1}\n`;
    const account = sa('automountServiceAccountToken: true\n');
    assert.equal(run('service-account-token-automount', account + deployment('shop', 'web', '      automountServiceAccountToken: false\n')).length, 0);
    // A pod of another namespace, or of another account, is not one of this account's pods.
    const elsewhere = deployment('other', 'web', '') + '---\n' + deployment('shop', 'api', '      automountServiceAccountToken: false\n');
    assert.deepEqual(
      run('service-account-token-automount', account + elsewhere).map((x) => `${x.resource.kind}/${x.resource.name}`),
      ['ServiceAccount/web', 'Deployment/d-other-web'],
    );
  });

  test('default service account and the deprecated field', () => {
    assert.equal(run('default-service-account', pod(`  serviceAccount: web\n  containers:\n  - {name: a, image: x:1}`)).length, 0);
    assert.equal(run('default-service-account', pod(`  serviceAccountName: ""\n  containers:\n  - {name: a, image: x:1}`)).length, 1);
    const f = run('deprecated-service-account-field', pod(`  serviceAccountName: web\n  serviceAccount: old\n  containers:\n  - {name: a, image: x:1}`));
    assert.match(f[0].message, /conflicts with serviceAccountName "web"/);
    assert.equal(run('deprecated-service-account-field', pod(`  serviceAccount: web\n  containers:\n  - {name: a, image: x:1}`)).length, 1);
  });

  test('the copy of serviceAccountName the API server writes into serviceAccount is no finding', () => {
    // Every pod the API server returns or sends to a webhook has both (seen on v1.20 in test/webhook-integration.test.ts).
    assert.equal(run('deprecated-service-account-field', pod(`  serviceAccountName: default\n  serviceAccount: default\n  containers:\n  - {name: a, image: x:1}`)).length, 0);
  });
});

describe('host paths', () => {
  test('normalisation', () => {
    assert.equal(normalizeHostPath('/var/run/docker.sock'), '/run/docker.sock');
    assert.equal(normalizeHostPath('//etc/./kubernetes/../'), '/etc');
    assert.equal(normalizeHostPath('/../..'), '/');
    assert.equal(normalizeHostPath('relative/path'), undefined);
    assert.equal(normalizeHostPath('C:\\data'), undefined);
  });

  const table: [string, string | undefined][] = [
    ['/', 'host-root-mount'],
    ['//', 'host-root-mount'],
    ['/var/run/docker.sock', 'container-runtime-socket-mount'],
    ['/run/docker.sock', 'container-runtime-socket-mount'],
    ['/var/run', 'container-runtime-socket-mount'],
    ['/run', 'container-runtime-socket-mount'],
    ['/run/containerd/containerd.sock', 'container-runtime-socket-mount'],
    ['/var/run/crio/crio.sock', 'container-runtime-socket-mount'],
    ['/run/k3s', 'container-runtime-socket-mount'],
    ['\\\\.\\pipe\\docker_engine', 'container-runtime-socket-mount'],
    ['/etc', 'host-credentials-mount'],
    ['/etc/kubernetes/pki', 'host-credentials-mount'],
    ['/var', 'host-credentials-mount'],
    ['/var/lib', 'host-credentials-mount'],
    ['/var/lib/kubelet/pods', 'host-credentials-mount'],
    ['/root/.ssh', 'host-credentials-mount'],
    ['/proc', 'host-system-mount'],
    ['/sys/fs/cgroup', 'host-system-mount'],
    ['/dev', 'host-system-mount'],
    ['/lib/modules', 'host-system-mount'],
    ['/opt', 'host-system-mount'],
    ['/var/lib/docker', 'host-system-mount'],
    ['/var/log', 'host-log-mount'],
    ['/var/log/pods', 'host-log-mount'],
    ['/var/lib/fluent-bit', undefined],
    ['/etc/localtime', undefined],
    ['/usr/share/zoneinfo/Europe/Berlin', undefined],
    ['/etc/machine-id', undefined],
    ['/etc/localtime.d', 'host-credentials-mount'],
    ['/srv/data', undefined],
    ['/mnt/disks/ssd0', undefined],
    ['/etcetera', undefined],
    ['/run/user', undefined],
    ['data', undefined],
  ];
  for (const [path, rule] of table) test(`${path} -> ${rule ?? 'none'}`, () => assert.equal(classifyHostPath(path)?.rule, rule));

  test('one mount, one host-path finding; writable mounts separately', () => {
    const yaml = pod(`  containers:
  - name: a
    image: x:1
    volumeMounts:
    - {name: var, mountPath: /host/var}
    - {name: logs, mountPath: /logs, readOnly: true}
    - {name: tmp, mountPath: /tmp}
  volumes:
  - {name: var, hostPath: {path: /var}}
  - {name: logs, hostPath: {path: /var/log}}
  - {name: tmp, emptyDir: {}}`);
    const ids = ['host-root-mount', 'container-runtime-socket-mount', 'host-credentials-mount', 'host-system-mount', 'host-log-mount', 'writable-host-mount'];
    const f = run(ids, yaml);
    assert.deepEqual(f.map((x) => `${x.rule} ${x.path}`), [
      'host-credentials-mount /spec/volumes/0/hostPath/path',
      'host-log-mount /spec/volumes/1/hostPath/path',
      'writable-host-mount /spec/containers/0/volumeMounts/0',
    ]);
  });
});

describe('host mounts: severity by what the node\'s file permissions still guard', () => {
  // kube-prometheus' node-exporter: "/" and /sys read-only, UID 65534, runAsNonRoot, drop ALL, add SYS_TIME.
  const exporter = (sc: string, mount = 'readOnly: true', podSc = '{runAsNonRoot: true, runAsUser: 65534}', more = '') => `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-exporter, namespace: monitoring}
spec:
  selector: {matchLabels: {app: node-exporter}}
  template:
    metadata: {labels: {app: node-exporter}}
    spec:
      hostPID: true
      securityContext: ${podSc}
      containers:
      - name: node-exporter
        image: quay.io/prometheus/node-exporter:v1.6.1
        securityContext: ${sc}
        volumeMounts:
        - {name: sys, mountPath: /host/sys, ${mount}}
        - {name: root, mountPath: /host/root, ${mount}}${more}
      volumes:
      - {name: sys, hostPath: {path: /sys}}
      - {name: root, hostPath: {path: /}}`;
  const hardened = '{allowPrivilegeEscalation: false, capabilities: {add: [SYS_TIME], drop: [ALL]}, readOnlyRootFilesystem: true}';
  const severities = (yaml: string) => run(['host-root-mount', 'host-system-mount', 'container-runtime-socket-mount'], yaml).map((f) => `${f.rule} ${f.severity}`);

  test('read-only, non-root, no privilege escalation, no bypassing capability: high and medium, saying why', () => {
    const f = run(['host-root-mount', 'host-system-mount'], exporter(hardened));
    assert.deepEqual(f.map((x) => `${x.rule} ${x.severity}`), ['host-root-mount high', 'host-system-mount medium']);
    assert.equal(
      f[0].message,
      'volume "root" mounts host path / (the node\'s entire filesystem), used by "node-exporter": read-only, and it runs as a non-root user (UID 65534) ' +
        "with allowPrivilegeEscalation: false and no capability that gets past file permissions, so it reads only what an unprivileged user of the node may " +
        "(the kubelet's credentials and the runtime socket are root-only)",
    );
  });

  test('critical (and high) as soon as one thing gets past file permissions, and the message says which', () => {
    const cases: [string, string][] = [
      [exporter(hardened, 'readOnly: false'), 'mounts it writable'],
      [exporter(hardened, 'readOnly: true', '{}'), 'may run as root'],
      [exporter(hardened, 'readOnly: true', '{runAsUser: 0}'), 'runs as root'],
      [exporter(hardened.replace('allowPrivilegeEscalation: false, ', '')), 'may become root through a setuid binary'],
      [exporter(hardened.replace('[SYS_TIME]', '[SYS_TIME, DAC_READ_SEARCH]')), 'adds capability DAC_READ_SEARCH'],
      [exporter(hardened.replace('[SYS_TIME]', '[cap_dac_override]')), 'adds capability DAC_OVERRIDE'],
      [exporter(hardened.replace('[SYS_TIME]', '[SETUID]')), 'adds capability SETUID'],
      [exporter(hardened.replace('[SYS_TIME]', '[SYS_ADMIN]')), 'adds capability SYS_ADMIN'],
      [exporter('{privileged: true}'), 'is privileged'],
    ];
    for (const [yaml, why] of cases) {
      const f = run(['host-root-mount', 'host-system-mount'], yaml);
      assert.deepEqual(f.map((x) => `${x.rule} ${x.severity}`), ['host-root-mount critical', 'host-system-mount high'], why);
      assert.match(f[0].message, new RegExp(`: "node-exporter" ${why}`), why);
    }
  });

  test('every container mounting the volume must be guarded: a second one that may become root keeps it critical', () => {
    const two = exporter(hardened).replace(
      '      volumes:',
      '      - name: shell\n        image: registry.example.com/debug:1.0\n        volumeMounts: [{name: root, mountPath: /host, readOnly: true}]\n      volumes:',
    );
    const f = run('host-root-mount', two);
    assert.equal(f[0].severity, 'critical');
    // It inherits the pod's UID 65534, but nothing stops a setuid-root binary of the node from making it root.
    assert.match(f[0].message, /used by "node-exporter", "shell": "shell" may become root through a setuid binary of the node \(allowPrivilegeEscalation is not false\)$/);
  });

  test('the runtime socket stays critical, read-only and non-root or not', () => {
    const socket = exporter(hardened).replace('{name: sys, hostPath: {path: /sys}}', '{name: sys, hostPath: {path: /run/containerd}}');
    assert.deepEqual(severities(socket), ['host-root-mount high', 'container-runtime-socket-mount critical']);
  });

  test('a severity override in the configuration still wins', () => {
    const rule = workloadRules.find((r) => r.id === 'host-root-mount')!;
    const loaded = loadText(exporter(hardened), 'test.yaml');
    const result = evaluate(loaded.resources, { rules: [rule], severityOverrides: { 'host-root-mount': 'critical' } });
    assert.equal(result.findings[0].severity, 'critical');
  });
});

describe('capabilities, ports, env', () => {
  test('NET_RAW: drop ALL or NET_RAW in any spelling counts; privileged is skipped', () => {
    const table: [string, boolean][] = [
      ['{capabilities: {drop: [all]}}', false],
      ['{capabilities: {drop: [CAP_NET_RAW]}}', false],
      ['{capabilities: {drop: [net_raw]}}', false],
      ['{capabilities: {drop: [CHOWN]}}', true],
      ['{capabilities: {drop: ALL}}', true],
      ['{privileged: true}', false],
      ['{}', true],
    ];
    for (const [sc, fires] of table) assert.equal(run('net-raw-not-dropped', pod(`  containers:\n  - {name: a, image: x:1, securityContext: ${sc}}`)).length > 0, fires, sc);
  });

  test('dangerous capabilities are named one by one', () => {
    const f = run('dangerous-capabilities', pod(`  containers:\n  - {name: a, image: x:1, securityContext: {capabilities: {add: [CHOWN, CAP_SYS_ADMIN, bpf, NET_BIND_SERVICE, 7]}}}`));
    assert.deepEqual(f.map((x) => x.path), ['/spec/containers/0/securityContext/capabilities/add/1', '/spec/containers/0/securityContext/capabilities/add/2']);
    assert.match(f[0].message, /SYS_ADMIN/);
    assert.match(f[1].message, /BPF/);
  });

  test('dangerous-capabilities: escape-grade ones high, node-wide state medium, each said as capabilities(7) has it', () => {
    const rule = workloadRules.find((r) => r.id === 'dangerous-capabilities')!;
    assert.equal(rule.title, 'Capability that reaches beyond the container added');
    const adds = (caps: string, podFields = '') => run('dangerous-capabilities', pod(`${podFields}  containers:\n  - {name: a, image: x:1, securityContext: {capabilities: {add: [${caps}]}}}`));
    // kube-prometheus' node-exporter adds SYS_TIME: the node's clock, not an escape.
    const [time] = adds('SYS_TIME');
    assert.equal(time.severity, 'medium');
    assert.equal(time.message, 'container "a" adds capability SYS_TIME (set the node\'s clock, which is not namespaced: the kubelet and every pod see it (certificate and token validity, leases))');
    assert.deepEqual(adds('SYS_ADMIN, SYS_MODULE, DAC_READ_SEARCH, BPF, ALL').map((f) => f.severity), ['high', 'high', 'high', 'high', 'high']);
    const [net] = adds('NET_ADMIN');
    assert.equal(net.severity, 'medium');
    assert.match(net.message, /the pod's network namespace: intercept or redirect the pod's own traffic/);
    const [hostNet] = adds('NET_ADMIN', '  hostNetwork: true\n');
    assert.equal(hostNet.severity, 'high');
    assert.match(hostNet.message, /configure the node's interfaces, routes and firewall rules/);
    const [boot] = adds('SYS_BOOT');
    assert.equal(boot.severity, 'medium');
    assert.match(boot.message, /load a kernel for kexec \(kexec_load\); reboot\(2\) from the pod's own process namespace only ends that namespace/);
    assert.match(adds('SYS_BOOT', '  hostPID: true\n')[0].message, /reboot the node/);
    assert.equal(adds('SYS_PTRACE')[0].severity, 'medium');
    assert.equal(adds('SYS_PTRACE', '  hostPID: true\n')[0].severity, 'high');
  });

  test('SSH and privileged ports do not double-report port 22', () => {
    const yaml = pod(`  containers:\n  - name: a\n    image: x:1\n    ports: [{containerPort: 22}, {containerPort: 22, protocol: UDP}, {containerPort: 443}, {containerPort: 8443}]`);
    assert.deepEqual(run('ssh-port-exposed', yaml).map((f) => f.path), ['/spec/containers/0/ports/0/containerPort']);
    assert.deepEqual(run('privileged-container-port', yaml).map((f) => f.path), ['/spec/containers/0/ports/2/containerPort']);
  });

  test('duplicate env vars are reported at each repetition', () => {
    const f = run('duplicate-env-var', pod(`  containers:\n  - name: a\n    image: x:1\n    env: [{name: A, value: "1"}, {name: B}, {name: A, value: "2"}, {name: A}, {value: x}]`));
    assert.deepEqual(f.map((x) => x.path), ['/spec/containers/0/env/2/name', '/spec/containers/0/env/3/name']);
  });
});

describe('robustness', () => {
  const malformed = [
    pod(`  containers:\n  - name: a\n    image: x:1\n    env: "PASSWORD=hunter2"\n    ports: 8080\n    volumeMounts: {name: v}\n    resources: "big"\n    securityContext: [1]\n    args: "--password=x"`),
    pod(`  securityContext: "strict"\n  volumes: "none"\n  hostAliases: {ip: 1}\n  containers:\n  - name: a\n    image: x:1\n    env: [null, 1, "x", {name: 5, value: {a: 1}}, {name: PASSWORD, value: [1]}]\n    ports: [null, "22", {containerPort: "22"}]\n    securityContext: {capabilities: {add: "SYS_ADMIN", drop: {a: 1}}, runAsUser: "0"}`),
    pod(`  securityContext: {runAsUser: 1000, supplementalGroups: "0"}\n  volumes: [null, {name: v, hostPath: "/"}, {name: w, hostPath: {path: 5}}, {hostPath: {path: /etc}}]\n  containers:\n  - name: a\n    image: x:1\n    volumeMounts: [null, {name: v}, {name: w}, {name: 3}]`),
    `apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: x}\nautomountServiceAccountToken: "yes"`,
    `apiVersion: v1\nkind: LimitRange\nmetadata: {name: l}\nspec: {limits: "x"}\n---\n` + pod(`  containers:\n  - {name: a, image: x:1}`),
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers: [{name: a, image: x:1, resources: {requests: [1], limits: {cpu: [], memory: {}}}}]`,
  ];
  test('wrong field types never throw in any workload rule', () => {
    for (const yaml of malformed) {
      const loaded = loadText(yaml, 'bad.yaml');
      const result = evaluate(loaded.resources, { rules: workloadRules });
      assert.deepEqual(result.errors, [], yaml);
    }
  });

  test('a hostPath volume without an object is ignored, an unnamed one is still classified', () => {
    const f = run('host-credentials-mount', malformed[2]);
    assert.equal(f.length, 1);
    assert.match(f[0].message, /\(unnamed\) mounts host path \/etc/);
  });
});
