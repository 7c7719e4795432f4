/**
 * The mutating webhook's patch: every default is added where unset and left alone where set
 * (unsafe values included), wrong types get no patch, and the patched object — applied with an
 * independent JSON Patch library, with validation — passes the API server's own rules and no
 * longer shows the findings the defaults are meant to fix when kshield scans it again.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import jsonPatch, { type Operation } from 'fast-json-patch';
import { DIGEST_LOOKUPS_AT_ONCE, MAX_DIGEST_LOOKUPS, mutationPatch, type MutationContext } from '../src/admission/mutate.js';
import { DEFAULT_MUTATION, type JsonPatchOperation, type MutationOptions } from '../src/config/webhook.js';
import { scanObjects } from '../src/pipeline/scan-files.js';

const IMG = 'registry.example.com/shop/web:1.4.2';
const DIGEST = `sha256:${'a'.repeat(64)}`;
/** The Restricted findings the default mutation exists to fix. */
const DEFAULTED_RULES = ['run-as-non-root', 'seccomp-profile-required', 'allow-privilege-escalation', 'capabilities-drop-all'];

function parse(text: string): Record<string, unknown> {
  return yaml.load(text) as Record<string, unknown>;
}

async function mutate(object: unknown, options: Partial<MutationOptions> = {}, context: Partial<MutationContext> = {}) {
  return mutationPatch(object, { ...DEFAULT_MUTATION, ...options }, { registries: {}, ...context });
}

/** Applies the patch with fast-json-patch's validation on: a path into nothing or a bad op throws. */
function applied(object: unknown, patch: JsonPatchOperation[]): Record<string, unknown> {
  return jsonPatch.applyPatch(structuredClone(object), patch as Operation[], true, false).newDocument as Record<string, unknown>;
}

/** "rule-id /path" for every unsuppressed finding of the given rules. */
function findings(object: unknown, rules: string[]): string[] {
  return scanObjects([object], { only: rules })
    .findings.filter((f) => !f.suppressed)
    .map((f) => `${f.rule} ${f.path}`)
    .sort();
}

type Json = Record<string, unknown>;
const asObject = (v: unknown): Json | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);

function podSpecOf(object: Json): Json {
  const at = (...keys: string[]): Json | undefined => keys.reduce<Json | undefined>((node, key) => asObject(node?.[key]), object);
  const spec = object.kind === 'Pod' ? at('spec') : object.kind === 'CronJob' ? at('spec', 'jobTemplate', 'spec', 'template', 'spec') : at('spec', 'template', 'spec');
  return spec ?? {};
}

function containersOf(pod: Json): Json[] {
  return ['initContainers', 'containers'].flatMap((k) => (Array.isArray(pod[k]) ? (pod[k] as unknown[]) : [])).filter((c): c is Json => asObject(c) !== undefined);
}

/**
 * What the API server (ValidateSecurityContext, validateWindows) and the kubelet would refuse:
 * allowPrivilegeEscalation false with privileged or CAP_SYS_ADMIN; Linux-only fields on a
 * Windows pod; and a container that must run as non-root while asking for UID 0.
 */
function refusals(object: Json): string[] {
  const out: string[] = [];
  const pod = podSpecOf(object);
  const podSc = asObject(pod.securityContext) ?? {};
  const windows = asObject(pod.os)?.name === 'windows';
  if (windows && podSc.seccompProfile !== undefined) out.push('windows pod with seccompProfile');
  for (const c of containersOf(pod)) {
    const sc = asObject(c.securityContext) ?? {};
    const add = (asObject(sc.capabilities)?.add as unknown[]) ?? [];
    if (sc.allowPrivilegeEscalation === false && sc.privileged === true) out.push(`${c.name}: allowPrivilegeEscalation false with privileged`);
    if (sc.allowPrivilegeEscalation === false && add.includes('CAP_SYS_ADMIN')) out.push(`${c.name}: allowPrivilegeEscalation false with CAP_SYS_ADMIN`);
    if (windows) for (const f of ['seccompProfile', 'capabilities', 'readOnlyRootFilesystem', 'allowPrivilegeEscalation']) if (sc[f] !== undefined) out.push(`${c.name}: ${f} on a windows pod`);
    const nonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
    const uid = sc.runAsUser ?? podSc.runAsUser;
    if (nonRoot === true && uid === 0) out.push(`${c.name}: runAsNonRoot with runAsUser 0 cannot start`);
  }
  return out;
}

const BARE_POD = `apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  initContainers:
  - name: migrate
    image: ${IMG}
  containers:
  - name: app
    image: ${IMG}
  - name: proxy
    image: registry.example.com/shop/proxy:2.0
`;

describe('mutationPatch: defaults where unset', () => {
  test('a bare pod gets one add per missing securityContext, and the Restricted findings they fix disappear', async () => {
    const pod = parse(BARE_POD);
    const { patch, warnings } = await mutate(pod);
    assert.deepEqual(warnings, []);
    assert.deepEqual(patch, [
      { op: 'add', path: '/spec/securityContext', value: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } },
      { op: 'add', path: '/spec/initContainers/0/securityContext', value: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } },
      { op: 'add', path: '/spec/containers/0/securityContext', value: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } },
      { op: 'add', path: '/spec/containers/1/securityContext', value: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } },
    ]);
    assert.equal(findings(pod, DEFAULTED_RULES).length, 12, 'before: four rules on three containers');
    const after = applied(pod, patch);
    assert.deepEqual(findings(after, DEFAULTED_RULES), []);
    assert.deepEqual(refusals(after), []);
  });

  test('fields are added inside objects the user already has, never replacing them', async () => {
    const pod = parse(`apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  securityContext: {fsGroup: 2000}
  containers:
  - name: app
    image: ${IMG}
    securityContext:
      runAsUser: 10001
      capabilities: {add: [NET_BIND_SERVICE]}
`);
    const { patch } = await mutate(pod);
    assert.deepEqual(patch, [
      { op: 'add', path: '/spec/securityContext/runAsNonRoot', value: true },
      { op: 'add', path: '/spec/securityContext/seccompProfile', value: { type: 'RuntimeDefault' } },
      { op: 'add', path: '/spec/containers/0/securityContext/allowPrivilegeEscalation', value: false },
      { op: 'add', path: '/spec/containers/0/securityContext/capabilities/drop', value: ['ALL'] },
    ]);
    const after = applied(pod, patch);
    assert.deepEqual(asObject(podSpecOf(after).securityContext), { fsGroup: 2000, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    assert.deepEqual(asObject(containersOf(podSpecOf(after))[0].securityContext)!.capabilities, { add: ['NET_BIND_SERVICE'], drop: ['ALL'] });
    assert.deepEqual(findings(after, [...DEFAULTED_RULES, 'restricted-capabilities-add']), []);
  });

  test('null counts as unset, as it does for the API server', async () => {
    const pod = parse(`apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  securityContext: null
  containers:
  - name: app
    image: ${IMG}
    securityContext: {allowPrivilegeEscalation: null, capabilities: {drop: null}}
`);
    const { patch } = await mutate(pod);
    assert.deepEqual(patch, [
      { op: 'add', path: '/spec/securityContext', value: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } },
      { op: 'add', path: '/spec/containers/0/securityContext/allowPrivilegeEscalation', value: false },
      { op: 'add', path: '/spec/containers/0/securityContext/capabilities/drop', value: ['ALL'] },
    ]);
    assert.deepEqual(findings(applied(pod, patch), DEFAULTED_RULES), []);
  });

  test('the optional defaults are off unless asked for, and fix their findings when on', async () => {
    const pod = parse(BARE_POD);
    const optionalRules = ['writable-root-filesystem', 'service-account-token-automount'];
    const off = await mutate(pod);
    assert.ok(!JSON.stringify(off.patch).includes('readOnlyRootFilesystem'));
    assert.ok(!JSON.stringify(off.patch).includes('automountServiceAccountToken'));
    assert.ok(findings(applied(pod, off.patch), optionalRules).length > 0);
    const on = await mutate(pod, { readOnlyRootFilesystem: true, automountServiceAccountTokenFalse: true });
    assert.deepEqual(
      on.patch.find((op) => op.path === '/spec/automountServiceAccountToken'),
      { op: 'add', path: '/spec/automountServiceAccountToken', value: false },
    );
    assert.deepEqual(on.patch.find((op) => op.path === '/spec/containers/0/securityContext')?.value, {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
    });
    assert.deepEqual(findings(applied(pod, on.patch), [...DEFAULTED_RULES, ...optionalRules]), []);
  });

  test('each default can be switched off alone, and enabled: false switches off everything', async () => {
    const pod = parse(BARE_POD);
    const cases: [Partial<MutationOptions>, string][] = [
      [{ runAsNonRoot: false }, 'runAsNonRoot'],
      [{ seccompProfileRuntimeDefault: false }, 'seccompProfile'],
      [{ allowPrivilegeEscalationFalse: false }, 'allowPrivilegeEscalation'],
      [{ dropAllCapabilities: false }, 'capabilities'],
    ];
    for (const [options, field] of cases) {
      const { patch } = await mutate(pod, options);
      assert.ok(patch.length > 0);
      assert.ok(!JSON.stringify(patch).includes(field), `${field} is not written when switched off`);
    }
    assert.deepEqual((await mutate(pod, { enabled: false, pinImageDigests: true }, { resolveDigest: async () => DIGEST })).patch, []);
  });

  test('mutating the mutated object again changes nothing', async () => {
    const pod = parse(BARE_POD);
    const options = { readOnlyRootFilesystem: true, automountServiceAccountTokenFalse: true };
    const once = applied(pod, (await mutate(pod, options)).patch);
    assert.deepEqual((await mutate(once, options)).patch, []);
  });
});

describe('mutationPatch: a value the user set is never overridden', () => {
  test('unsafe values stay as written, and their findings stay too', async () => {
    const pod = parse(`apiVersion: v1
kind: Pod
metadata: {name: legacy, namespace: shop}
spec:
  automountServiceAccountToken: true
  securityContext:
    runAsNonRoot: false
    seccompProfile: {type: Unconfined}
  containers:
  - name: app
    image: ${IMG}
    securityContext:
      allowPrivilegeEscalation: true
      readOnlyRootFilesystem: false
      capabilities: {drop: [NET_RAW]}
`);
    const { patch } = await mutate(pod, { readOnlyRootFilesystem: true, automountServiceAccountTokenFalse: true });
    assert.deepEqual(patch, []);
    assert.deepEqual(findings(pod, [...DEFAULTED_RULES, 'seccomp-unconfined', 'writable-root-filesystem', 'service-account-token-automount']), [
      'allow-privilege-escalation /spec/containers/0/securityContext/allowPrivilegeEscalation',
      'capabilities-drop-all /spec/containers/0/securityContext/capabilities/drop',
      'run-as-non-root /spec/securityContext/runAsNonRoot',
      'seccomp-unconfined /spec/securityContext/seccompProfile/type',
      'service-account-token-automount /spec/automountServiceAccountToken',
      'writable-root-filesystem /spec/containers/0/securityContext/readOnlyRootFilesystem',
    ]);
  });

  test('safe values the user set are not written again', async () => {
    const pod = parse(`apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: Localhost, localhostProfile: profiles/web.json}}
  containers:
  - name: app
    image: ${IMG}
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
`);
    assert.deepEqual((await mutate(pod)).patch, []);
  });

  test('a drop list without ALL is the user\'s choice and is kept', async () => {
    const pod = parse(`apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers:
  - name: app
    image: ${IMG}
    securityContext: {capabilities: {drop: [NET_RAW, MKNOD]}}
`);
    const { patch } = await mutate(pod);
    assert.ok(!patch.some((op) => op.path.includes('/capabilities')));
    const after = applied(pod, patch);
    assert.deepEqual(asObject(asObject(containersOf(podSpecOf(after))[0].securityContext)!.capabilities), { drop: ['NET_RAW', 'MKNOD'] });
  });
});

describe('mutationPatch: objects stay valid and startable', () => {
  test('a privileged container gets neither allowPrivilegeEscalation: false (the API server rejects it) nor a drop list', async () => {
    const pod = parse(`apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: ops}
spec:
  containers:
  - name: agent
    image: ${IMG}
    securityContext: {privileged: true}
  - name: app
    image: ${IMG}
`);
    const { patch } = await mutate(pod);
    assert.ok(!patch.some((op) => op.path.startsWith('/spec/containers/0/')), JSON.stringify(patch));
    const after = applied(pod, patch);
    assert.deepEqual(refusals(after), []);
    // The same defaults without the exception would be refused: the check above can fail.
    const naive = applied(pod, [{ op: 'add', path: '/spec/containers/0/securityContext/allowPrivilegeEscalation', value: false }]);
    assert.deepEqual(refusals(naive), ['agent: allowPrivilegeEscalation false with privileged']);
    assert.deepEqual(findings(after, ['allow-privilege-escalation']), ['allow-privilege-escalation /spec/containers/0/securityContext']);
  });

  test('a container adding CAP_SYS_ADMIN (or SYS_ADMIN, or ALL) keeps escalation unset but still drops ALL', async () => {
    const pod = parse(`apiVersion: v1
kind: Pod
metadata: {name: fuse, namespace: ops}
spec:
  containers:
  - name: a
    image: ${IMG}
    securityContext: {capabilities: {add: [CAP_SYS_ADMIN]}}
  - name: b
    image: ${IMG}
    securityContext: {capabilities: {add: [SYS_ADMIN]}}
  - name: c
    image: ${IMG}
    securityContext: {capabilities: {add: [ALL]}}
  - name: d
    image: ${IMG}
    securityContext: {capabilities: {add: [NET_ADMIN]}}
`);
    const { patch } = await mutate(pod);
    const escalation = patch.filter((op) => op.path.endsWith('/allowPrivilegeEscalation')).map((op) => op.path);
    assert.deepEqual(escalation, ['/spec/containers/3/securityContext/allowPrivilegeEscalation']);
    assert.equal(patch.filter((op) => op.path.endsWith('/capabilities/drop')).length, 4);
    assert.deepEqual(refusals(applied(pod, patch)), []);
  });

  test('a container that asks for UID 0 keeps it: the pod gets no runAsNonRoot, the other containers get their own', async () => {
    const pod = parse(`apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  initContainers:
  - name: chown
    image: busybox:1.36
    securityContext: {runAsUser: 0}
  containers:
  - name: app
    image: ${IMG}
  - name: proxy
    image: ${IMG}
    securityContext: {runAsNonRoot: false}
`);
    const { patch } = await mutate(pod);
    assert.deepEqual(
      patch.filter((op) => JSON.stringify(op).includes('runAsNonRoot')),
      [{ op: 'add', path: '/spec/containers/0/securityContext', value: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
    );
    const after = applied(pod, patch);
    assert.deepEqual(refusals(after), []);
    // What stays reported is exactly what the user asked for.
    assert.deepEqual(findings(after, ['run-as-non-root', 'run-as-root-user']), [
      'run-as-non-root /spec/containers/1/securityContext/runAsNonRoot',
      'run-as-non-root /spec/initContainers/0/securityContext',
      'run-as-root-user /spec/initContainers/0/securityContext/runAsUser',
    ]);
  });

  test('a container that sets runAsNonRoot: false overrides the pod, so the pod default is still written', async () => {
    const pod = parse(`apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers:
  - name: app
    image: ${IMG}
  - name: legacy
    image: ${IMG}
    securityContext: {runAsNonRoot: false, runAsUser: 0}
`);
    const { patch } = await mutate(pod);
    assert.deepEqual(patch[0], { op: 'add', path: '/spec/securityContext', value: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } });
    assert.deepEqual(refusals(applied(pod, patch)), []);
  });

  test('a pod that runs as UID 0 gets no runAsNonRoot anywhere', async () => {
    const pod = parse(`apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  securityContext: {runAsUser: 0}
  containers:
  - name: app
    image: ${IMG}
`);
    const { patch } = await mutate(pod);
    assert.ok(!JSON.stringify(patch).includes('runAsNonRoot'));
    assert.deepEqual(refusals(applied(pod, patch)), []);
  });

  test('a Windows pod gets none of the fields the API server forbids there', async () => {
    const pod = parse(`apiVersion: v1
kind: Pod
metadata: {name: iis, namespace: shop}
spec:
  os: {name: windows}
  containers:
  - name: iis
    image: mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022
`);
    const { patch } = await mutate(pod, { readOnlyRootFilesystem: true });
    assert.deepEqual(patch, [{ op: 'add', path: '/spec/securityContext', value: { runAsNonRoot: true } }]);
    assert.deepEqual(refusals(applied(pod, patch)), []);
  });

  test('a Windows HostProcess pod gets no runAsNonRoot', async () => {
    const pod = parse(`apiVersion: v1
kind: Pod
metadata: {name: csi, namespace: kube-system}
spec:
  os: {name: windows}
  hostNetwork: true
  securityContext:
    windowsOptions: {hostProcess: true, runAsUserName: "NT AUTHORITY\\\\SYSTEM"}
  containers:
  - name: csi
    image: registry.example.com/csi-proxy:1.1
`);
    assert.deepEqual((await mutate(pod)).patch, []);
  });

  test('the legacy seccomp annotation keeps the pod-level profile unset (annotation and field must agree)', async () => {
    const pod = parse(`apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
  annotations: {seccomp.security.alpha.kubernetes.io/pod: unconfined}
spec:
  containers:
  - name: app
    image: ${IMG}
`);
    const { patch } = await mutate(pod);
    assert.ok(!JSON.stringify(patch).includes('seccompProfile'));
  });

  test('no pod-level profile when every container sets its own; one when some do not', async () => {
    const all = parse(`apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers:
  - name: app
    image: ${IMG}
    securityContext: {seccompProfile: {type: Localhost, localhostProfile: app.json}}
`);
    assert.ok(!JSON.stringify((await mutate(all)).patch).includes('seccompProfile'));
    const some = parse(`apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers:
  - name: app
    image: ${IMG}
    securityContext: {seccompProfile: {type: Unconfined}}
  - name: sidecar
    image: ${IMG}
`);
    const { patch } = await mutate(some);
    const after = applied(some, patch);
    assert.deepEqual(asObject(podSpecOf(after).securityContext)!.seccompProfile, { type: 'RuntimeDefault' });
    // The container's own Unconfined still wins and is still reported.
    assert.deepEqual(findings(after, ['seccomp-profile-required', 'seccomp-unconfined']), ['seccomp-unconfined /spec/containers/0/securityContext/seccompProfile/type']);
  });
});

describe('mutationPatch: pod-bearing kinds', () => {
  const template = `    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: ${IMG}`;
  const deeper = template.replace(/^/gm, '    ');
  const kinds: [string, string, string][] = [
    ['apps/v1', 'Deployment', `spec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n${template}`],
    ['apps/v1', 'StatefulSet', `spec:\n  serviceName: web\n  selector: {matchLabels: {app: web}}\n  template:\n${template}`],
    ['apps/v1', 'DaemonSet', `spec:\n  selector: {matchLabels: {app: web}}\n  template:\n${template}`],
    ['apps/v1', 'ReplicaSet', `spec:\n  selector: {matchLabels: {app: web}}\n  template:\n${template}`],
    ['v1', 'ReplicationController', `spec:\n  selector: {app: web}\n  template:\n${template}`],
    ['batch/v1', 'Job', `spec:\n  template:\n${template}`],
    ['batch/v1', 'CronJob', `spec:\n  schedule: "0 3 * * *"\n  jobTemplate:\n    spec:\n      template:\n${deeper}`],
  ];
  for (const [apiVersion, kind, body] of kinds) {
    test(`${kind}: defaults go into the pod template`, async () => {
      const object = parse(`apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: {name: web, namespace: shop}\n${body}\n`);
      const { patch } = await mutate(object);
      const podPath = kind === 'CronJob' ? '/spec/jobTemplate/spec/template/spec' : '/spec/template/spec';
      assert.deepEqual(
        patch.map((op) => op.path),
        [`${podPath}/securityContext`, `${podPath}/containers/0/securityContext`],
      );
      const after = applied(object, patch);
      assert.ok(findings(object, DEFAULTED_RULES).length === 4);
      assert.deepEqual(findings(after, DEFAULTED_RULES), []);
    });
  }

  test('custom resources and kinds without pod specs are not mutated', async () => {
    const rollout = parse(`apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      containers:
      - name: app
        image: ${IMG}
`);
    assert.deepEqual((await mutate(rollout)).patch, []);
    assert.deepEqual((await mutate(parse('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n'))).patch, []);
  });

  test('Pods are left alone on UPDATE (their security context is immutable); templates are not', async () => {
    assert.deepEqual((await mutate(parse(BARE_POD), {}, { operation: 'UPDATE' })).patch, []);
    const deployment = parse(`apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n${kinds[0][2]}\n`);
    assert.equal((await mutate(deployment, {}, { operation: 'UPDATE' })).patch.length, 2);
  });

  test('ephemeral containers are never touched', async () => {
    const pod = parse(`${BARE_POD}  ephemeralContainers:
  - name: debugger
    image: busybox:1.36
`);
    const { patch } = await mutate(pod, { pinImageDigests: true }, { resolveDigest: async () => DIGEST });
    assert.ok(patch.length > 0);
    assert.ok(!patch.some((op) => op.path.includes('ephemeralContainers')));
  });
});

describe('mutationPatch: malformed input', () => {
  const cases: [string, string][] = [
    ['pod securityContext is a string', `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: "x"\n  containers:\n  - {name: app, image: ${IMG}}\n`],
    ['containers is not a list', `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: "app"\n`],
    ['a container is a string', `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: ["app", {name: b, image: ${IMG}}]\n`],
    ['container securityContext is a list', `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: app, image: ${IMG}, securityContext: [privileged]}\n`],
    ['capabilities is a string', `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: app, image: ${IMG}, securityContext: {capabilities: ALL}}\n`],
    ['drop is a string', `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: app, image: ${IMG}, securityContext: {capabilities: {drop: ALL}}}\n`],
    ['add is a string', `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: app, image: ${IMG}, securityContext: {capabilities: {add: SYS_ADMIN}}}\n`],
    ['privileged is a string', `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: app, image: ${IMG}, securityContext: {privileged: "true"}}\n`],
    ['image is a number', `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: app, image: 42}\n`],
    ['spec is a list', `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: [a]\n`],
    ['template spec is a string', `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template: {spec: "x"}\n`],
    ['automountServiceAccountToken is a string', `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  automountServiceAccountToken: "yes"\n  containers:\n  - {name: app, image: ${IMG}}\n`],
  ];
  for (const [name, text] of cases) {
    test(`${name}: the patch applies cleanly and leaves the malformed part alone`, async () => {
      const object = parse(text);
      const before = JSON.stringify(object);
      const { patch } = await mutate(object, { pinImageDigests: true, automountServiceAccountTokenFalse: true }, { resolveDigest: async () => DIGEST });
      assert.equal(JSON.stringify(object), before, 'the input object is not modified');
      const after = applied(object, patch);
      assert.deepEqual(refusals(after).filter((r) => !r.includes('cannot start')), []);
      for (const op of patch) assert.notEqual(op.op, 'remove');
    });
  }

  test('specific wrong types get no patch for their part', async () => {
    const scString = (await mutate(parse(cases[0][1]))).patch;
    assert.ok(!scString.some((op) => op.path.startsWith('/spec/securityContext')));
    assert.ok(scString.some((op) => op.path === '/spec/containers/0/securityContext'), 'the containers are still defaulted');
    assert.deepEqual((await mutate(parse(cases[1][1]))).patch.map((op) => op.path), ['/spec/securityContext']);
    assert.deepEqual((await mutate(parse(cases[2][1]))).patch.map((op) => op.path), ['/spec/securityContext', '/spec/containers/1/securityContext']);
    assert.ok(!(await mutate(parse(cases[3][1]))).patch.some((op) => op.path.startsWith('/spec/containers/')));
    const capsString = (await mutate(parse(cases[4][1]))).patch;
    assert.ok(!capsString.some((op) => op.path.includes('capabilities') || op.path.includes('allowPrivilegeEscalation')));
    assert.ok(!(await mutate(parse(cases[5][1]))).patch.some((op) => op.path.includes('capabilities')));
    assert.ok(!(await mutate(parse(cases[11][1]), { automountServiceAccountTokenFalse: true })).patch.some((op) => op.path.includes('automount')));
  });

  test('objects that are not Kubernetes objects give an empty patch', async () => {
    for (const value of [null, undefined, 'Pod', 42, [], {}, { kind: 42 }, { kind: 'Pod' }, { kind: 'Pod', spec: null }]) {
      assert.deepEqual(await mutate(value, { pinImageDigests: true }), { patch: [], warnings: [] });
    }
  });
});

describe('mutationPatch: image digests', () => {
  const pod = () =>
    parse(`apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  initContainers:
  - name: migrate
    image: ${IMG}
  containers:
  - name: app
    image: ${IMG}
  - name: cache
    image: redis
  - name: pinned
    image: nginx:1.27.3@sha256:${'b'.repeat(64)}
  - name: broken
    image: "Bad Image"
`);

  test('tags are pinned with the tag kept; pinned and malformed references are left alone; each image is looked up once', async () => {
    const asked: string[] = [];
    let signalSeen: AbortSignal | undefined;
    const controller = new AbortController();
    const resolveDigest = async (reference: string, signal?: AbortSignal) => {
      asked.push(reference);
      signalSeen = signal;
      return reference === 'redis' ? `sha256:${'c'.repeat(64)}` : DIGEST;
    };
    const object = pod();
    const { patch, warnings } = await mutate(object, { pinImageDigests: true }, { resolveDigest, signal: controller.signal });
    assert.deepEqual(warnings, []);
    assert.deepEqual(asked.sort(), ['redis', IMG]);
    assert.equal(signalSeen, controller.signal);
    assert.deepEqual(
      patch.filter((op) => op.path.endsWith('/image')),
      [
        { op: 'replace', path: '/spec/initContainers/0/image', value: `${IMG}@${DIGEST}` },
        { op: 'replace', path: '/spec/containers/0/image', value: `${IMG}@${DIGEST}` },
        { op: 'replace', path: '/spec/containers/1/image', value: `redis@sha256:${'c'.repeat(64)}` },
      ],
    );
    const rules = ['image-not-pinned-by-digest'];
    assert.deepEqual(findings(object, rules), [
      'image-not-pinned-by-digest /spec/containers/0/image',
      'image-not-pinned-by-digest /spec/containers/1/image',
      'image-not-pinned-by-digest /spec/initContainers/0/image',
    ]);
    assert.deepEqual(findings(applied(object, patch), rules), []);
  });

  test('a failed lookup leaves that image unpinned with one warning; the others are still pinned', async () => {
    const resolveDigest = async (reference: string) => {
      if (reference === 'redis') throw new Error('registry docker.io answered 429 Too Many Requests for docker.io/library/redis:latest');
      return DIGEST;
    };
    const { patch, warnings } = await mutate(pod(), { pinImageDigests: true }, { resolveDigest });
    assert.deepEqual(warnings, ['kshield: image redis was not pinned to a digest: registry docker.io answered 429 Too Many Requests for docker.io/library/redis:latest']);
    assert.equal(patch.filter((op) => op.path.endsWith('/image')).length, 2);
    assert.ok(!patch.some((op) => op.path === '/spec/containers/1/image'));
  });

  test('a resolver that answers nonsense pins nothing', async () => {
    const { patch, warnings } = await mutate(pod(), { pinImageDigests: true }, { resolveDigest: async () => 'sha256:xyz' });
    assert.ok(!patch.some((op) => op.path.endsWith('/image')));
    assert.equal(warnings.length, 2);
    assert.match(warnings[0], /malformed digest/);
  });

  test('with allowedRegistries, only images from those registries are looked up', async () => {
    const asked: string[] = [];
    const resolveDigest = async (reference: string) => (asked.push(reference), DIGEST);
    const { patch } = await mutate(pod(), { pinImageDigests: true }, { resolveDigest, allowedRegistries: ['registry.example.com/shop', '  '] });
    assert.deepEqual(asked, [IMG]);
    assert.deepEqual(patch.filter((op) => op.path.endsWith('/image')).map((op) => op.path), ['/spec/initContainers/0/image', '/spec/containers/0/image']);
    asked.length = 0;
    await mutate(pod(), { pinImageDigests: true }, { resolveDigest, allowedRegistries: [] });
    assert.deepEqual(asked.sort(), ['redis', IMG], 'an empty list admits every registry');
  });

  test(`an object of many images: at most ${MAX_DIGEST_LOOKUPS} looked up, ${DIGEST_LOOKUPS_AT_ONCE} at a time, the rest named in warnings`, async () => {
    const object = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'many' }, spec: { containers: Array.from({ length: 30 }, (_, i) => ({ name: `c${i}`, image: `registry.example.com/img${i}:1.0` })) } };
    let inFlight = 0;
    let most = 0;
    const asked: string[] = [];
    const resolveDigest = async (reference: string) => {
      asked.push(reference);
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return DIGEST;
    };
    const { patch, warnings } = await mutate(object, { pinImageDigests: true }, { resolveDigest });
    assert.equal(asked.length, MAX_DIGEST_LOOKUPS);
    assert.equal(most, DIGEST_LOOKUPS_AT_ONCE);
    assert.equal(patch.filter((op) => op.path.endsWith('/image')).length, MAX_DIGEST_LOOKUPS);
    assert.equal(warnings.length, 30 - MAX_DIGEST_LOOKUPS);
    assert.match(warnings[0], /image registry\.example\.com\/img20:1\.0 was not pinned to a digest: the object names more than 20 images/);
  });

  test('pinning is off by default', async () => {
    let asked = 0;
    const { patch } = await mutate(pod(), {}, { resolveDigest: async () => (asked++, DIGEST) });
    assert.equal(asked, 0);
    assert.ok(!patch.some((op) => op.path.endsWith('/image')));
  });
});

describe('mutationPatch on the demo shop', () => {
  const dir = join(import.meta.dirname, '..', '..', 'examples', 'ecommerce', 'insecure');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')) {
    test(`${file}: every patch applies, the API server would accept the result, and the defaulted findings only remain where the user set a value`, async () => {
      for (const object of yaml.loadAll(readFileSync(join(dir, file), 'utf8'))) {
        const { patch } = await mutate(object);
        const after = applied(object, patch);
        const o = asObject(object);
        if (!o || !['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'].includes(String(o.kind))) continue;
        const introduced = refusals(after).filter((r) => !refusals(o).includes(r));
        assert.deepEqual(introduced, [], `${o.kind} ${JSON.stringify(o.metadata)}`);
        // Whatever is still reported points at a field the user wrote, or at a container left alone on purpose.
        for (const remaining of findings(after, DEFAULTED_RULES)) assert.ok(!remaining.endsWith('/spec') && !remaining.endsWith('/template/spec'), remaining);
      }
    });
  }
});
