/** Helpers the control-plane rules share. */
import type { Resource, Violation } from '../../core/types.js';
import { asArray, fieldAt, isObject, asString, stringMap } from '../../core/values.js';
import { NODE_CHECKS, type CheckStatus } from '../../node/checks.js';
import { parseFlags, type Component, type NodeFacts } from '../../sources/node.js';
import { ScopedCache } from '../../core/scoped-cache.js';

export const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

export type ControlPlaneComponent = Exclude<Component, 'kubelet'>;

/** The binary each component runs: the static pod's `component` label and container name are the same word. */
export const CONTROL_PLANE_BINARIES: Readonly<Record<string, ControlPlaneComponent>> = Object.freeze({
  'kube-apiserver': 'apiserver',
  'kube-controller-manager': 'controller-manager',
  'kube-scheduler': 'scheduler',
  etcd: 'etcd',
});

/**
 * Flags that point the component at a configuration file (RKE2 runs etcd with `--config-file`): the
 * settings may live there, out of the API's sight, so a flag that is merely absent proves nothing.
 */
export const CONFIG_FILE_FLAGS: Partial<Record<ControlPlaneComponent, string[]>> = {
  etcd: ['config-file'],
  scheduler: ['config'],
};

export type NodeCheck = (typeof NODE_CHECKS)[number];

/** One argument of the container's command line and where it sits in the pod. */
export interface Arg {
  value: string;
  pointer: string;
}

export interface MirrorPodView {
  component: ControlPlaneComponent;
  binary: string;
  containerIndex: number;
  containerName: string;
  image?: string;
  /** The node whose kubelet runs the static pod. */
  node: string;
  /** `command` then `args`, as the container runtime joins them. */
  argv: Arg[];
}

export const basename = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

/**
 * The control-plane component a mirror pod runs, or undefined when the object is anything else.
 * The container is found by its command's binary, else by its name, else by the pod's `component`
 * label (kubeadm and RKE2 set it), so a renamed container or a wrapper image still counts.
 */
export function controlPlaneMirrorPod(object: unknown): MirrorPodView | undefined {
  if (!isObject(object) || object.kind !== 'Pod' || object.apiVersion !== 'v1') return undefined;
  const metadata = object.metadata;
  if (!isObject(metadata) || metadata.namespace !== 'kube-system') return undefined;
  if (asString(stringMap(metadata.annotations)[MIRROR_ANNOTATION]) === undefined) return undefined;
  const nodeOwner = asArray(metadata.ownerReferences).find((ref) => isObject(ref) && ref.kind === 'Node' && (ref.apiVersion === 'v1' || ref.apiVersion === undefined));
  if (!isObject(nodeOwner)) return undefined;
  const containers = asArray(fieldAt(object, 'spec', 'containers'));
  const strings = (value: unknown): string[] => asArray(value).filter((v): v is string => typeof v === 'string');
  let found: { index: number; binary: string } | undefined;
  containers.forEach((c, index) => {
    if (found || !isObject(c)) return;
    const first = strings(c.command)[0];
    if (first !== undefined && CONTROL_PLANE_BINARIES[basename(first)]) found = { index, binary: basename(first) };
  });
  if (!found) {
    const index = containers.findIndex((c) => isObject(c) && typeof c.name === 'string' && CONTROL_PLANE_BINARIES[c.name] !== undefined);
    if (index !== -1) found = { index, binary: (containers[index] as { name: string }).name };
  }
  if (!found) {
    const label = stringMap(metadata.labels).component;
    const index = containers.findIndex((c) => isObject(c) && (strings(c.command).length > 0 || strings(c.args).length > 0));
    if (label !== undefined && CONTROL_PLANE_BINARIES[label] && index !== -1) found = { index, binary: label };
  }
  if (!found) return undefined;
  const container = containers[found.index] as Record<string, unknown>;
  const argv: Arg[] = [];
  for (const field of ['command', 'args'] as const) {
    asArray(container[field]).forEach((value, i) => {
      if (typeof value === 'string') argv.push({ value, pointer: `/spec/containers/${found!.index}/${field}/${i}` });
    });
  }
  return {
    component: CONTROL_PLANE_BINARIES[found.binary],
    binary: found.binary,
    containerIndex: found.index,
    containerName: asString(container.name) ?? `#${found.index + 1}`,
    image: asString(container.image),
    node: asString(nodeOwner.name) ?? asString(fieldAt(object, 'spec', 'nodeName')) ?? '?',
    argv,
  };
}

// ---------------------------------------------------------------------------------------------
// Running the node checks on one component's flags, recording what they read

export interface Run {
  status?: CheckStatus;
  evidence?: string;
  /** Top-level NodeFacts fields the check read. */
  facts: Set<string>;
  /** Components it looked up. */
  components: Set<string>;
  /** Flags it read, in order. */
  flags: string[];
}

export const SOURCE = '<mirror pod>';

export function runCheck(check: NodeCheck, component: ControlPlaneComponent, flags: Record<string, string>, image: string | undefined): Run {
  const run: Run = { facts: new Set(), components: new Set(), flags: [] };
  const flagView = new Proxy(flags, {
    get(target, key) {
      if (typeof key === 'string') run.flags.push(key);
      return Reflect.get(target, key);
    },
  });
  const componentsView = new Proxy({ [component]: { component, source: SOURCE, flags: flagView, image } } as NodeFacts['components'], {
    get(target, key) {
      if (typeof key === 'string') run.components.add(key);
      return Reflect.get(target, key);
    },
  });
  // Only the components are real; a check that reads any other fact is seen doing so (below) and
  // left to `kshield node`, whatever facts NodeFacts grows.
  const base = {
    root: '/',
    detected: { layout: 'unknown', components: {}, evidence: [] },
    components: componentsView,
    manifests: { apiserver: '', 'controller-manager': '', scheduler: '', etcd: '' },
    pkiDir: '',
    manifestProblems: [],
    files: {},
    pkiFiles: [],
  } as NodeFacts;
  const facts = new Proxy(base, {
    get(target, key) {
      if (typeof key === 'string') run.facts.add(key);
      return Reflect.get(target, key);
    },
  });
  try {
    const outcome = check.check(facts);
    if (outcome) {
      run.status = outcome.status;
      run.evidence = outcome.evidence.startsWith(`${SOURCE}: `) ? outcome.evidence.slice(SOURCE.length + 2) : outcome.evidence;
    }
  } catch {
    // A check that cannot run on these facts is not one the API can answer.
    run.status = undefined;
  }
  return run;
}

/**
 * Flags of a control plane hardened along the CIS benchmark: every flag check passes on them. They
 * are what a check is first run against to learn what it reads, and the baseline the open doors
 * below are measured from.
 */
export const HARDENED_FLAGS: Readonly<Record<ControlPlaneComponent, Readonly<Record<string, string>>>> = Object.freeze({
  apiserver: {
    'advertise-address': '10.0.0.10',
    'allow-privileged': 'true',
    'anonymous-auth': 'false',
    'audit-log-maxage': '30',
    'audit-log-maxbackup': '10',
    'audit-log-maxsize': '100',
    'audit-log-path': '/var/log/kubernetes/audit/audit.log',
    'audit-policy-file': '/etc/kubernetes/audit-policy.yaml',
    'authorization-mode': 'Node,RBAC',
    'client-ca-file': '/etc/kubernetes/pki/ca.crt',
    'enable-admission-plugins': 'NodeRestriction,EventRateLimit,AlwaysPullImages',
    'admission-control-config-file': '/etc/kubernetes/admission.yaml',
    'encryption-provider-config': '/etc/kubernetes/enc/encryption.yaml',
    'etcd-cafile': '/etc/kubernetes/pki/etcd/ca.crt',
    'etcd-certfile': '/etc/kubernetes/pki/apiserver-etcd-client.crt',
    'etcd-keyfile': '/etc/kubernetes/pki/apiserver-etcd-client.key',
    'etcd-servers': 'https://127.0.0.1:2379',
    'kubelet-certificate-authority': '/etc/kubernetes/pki/ca.crt',
    'kubelet-client-certificate': '/etc/kubernetes/pki/apiserver-kubelet-client.crt',
    'kubelet-client-key': '/etc/kubernetes/pki/apiserver-kubelet-client.key',
    profiling: 'false',
    'service-account-issuer': 'https://kubernetes.default.svc.cluster.local',
    'service-account-key-file': '/etc/kubernetes/pki/sa.pub',
    'service-account-lookup': 'true',
    'service-account-signing-key-file': '/etc/kubernetes/pki/sa.key',
    'tls-cert-file': '/etc/kubernetes/pki/apiserver.crt',
    'tls-private-key-file': '/etc/kubernetes/pki/apiserver.key',
    'tls-min-version': 'VersionTLS12',
    'tls-cipher-suites': 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  },
  'controller-manager': {
    'bind-address': '127.0.0.1',
    'feature-gates': 'RotateKubeletServerCertificate=true',
    profiling: 'false',
    'root-ca-file': '/etc/kubernetes/pki/ca.crt',
    'service-account-private-key-file': '/etc/kubernetes/pki/sa.key',
    'terminated-pod-gc-threshold': '10',
    'use-service-account-credentials': 'true',
  },
  scheduler: { 'bind-address': '127.0.0.1', profiling: 'false' },
  etcd: {
    'cert-file': '/etc/kubernetes/pki/etcd/server.crt',
    'key-file': '/etc/kubernetes/pki/etcd/server.key',
    'client-cert-auth': 'true',
    'trusted-ca-file': '/etc/kubernetes/pki/etcd/ca.crt',
    'peer-cert-file': '/etc/kubernetes/pki/etcd/peer.crt',
    'peer-key-file': '/etc/kubernetes/pki/etcd/peer.key',
    'peer-client-cert-auth': 'true',
    'peer-trusted-ca-file': '/etc/kubernetes/pki/etcd/ca.crt',
  },
});

/** An image recent enough that no check judges by the version (the insecure port left v1.20's defaults). */
export const PROBE_IMAGE = 'registry.k8s.io/kube-apiserver:v1.30.0';

/**
 * Settings that let a request in without authentication or authorization: a check that passes on
 * the hardened flags and fails with one of these is reported at high severity.
 */
export const doors: Partial<Record<ControlPlaneComponent, Record<string, string>[]>> = {
  apiserver: [{ 'anonymous-auth': 'true' }, { 'authorization-mode': 'AlwaysAllow,Node,RBAC' }, { 'insecure-port': '8080' }],
  etcd: [{ 'client-cert-auth': 'false' }],
};

export const OPEN_DOORS: Readonly<Partial<Record<ControlPlaneComponent, readonly Readonly<Record<string, string>>[]>>> = Object.freeze(doors);

export interface FlagCheck {
  check: NodeCheck;
  component: ControlPlaneComponent;
  /** True when failing it leaves the component open to unauthenticated or unauthorized requests. */
  openDoor: boolean;
}

export let classified: FlagCheck[] | undefined;

/** The node checks that judge one control-plane component's flags and nothing else, in table order. */
export function flagChecks(): readonly FlagCheck[] {
  if (classified) return classified;
  const out: FlagCheck[] = [];
  for (const check of NODE_CHECKS) {
    for (const component of Object.values(CONTROL_PLANE_BINARIES)) {
      const run = runCheck(check, component, { ...HARDENED_FLAGS[component] }, PROBE_IMAGE);
      const onlyFlags = [...run.facts].every((f) => f === 'components') && run.components.size === 1 && run.components.has(component);
      if (run.status === undefined || !onlyFlags) continue;
      const openDoor =
        run.status === 'pass' &&
        (OPEN_DOORS[component] ?? []).some((door) => runCheck(check, component, { ...HARDENED_FLAGS[component], ...door }, PROBE_IMAGE).status === 'fail');
      out.push({ check, component, openDoor });
      break;
    }
  }
  return (classified = out);
}

// ---------------------------------------------------------------------------------------------
// Judging a mirror pod

export interface FlagFailure {
  check: FlagCheck;
  view: MirrorPodView;
  evidence: string;
  /** The argument to change, or the container when a flag has to be added. */
  pointer: string;
}

export const judged = new ScopedCache<object, FlagFailure[]>();

/** The failing flag checks of a mirror pod (none for any other object); computed once per object. */
export function controlPlaneFailures(object: unknown): FlagFailure[] {
  if (!isObject(object)) return [];
  let failures = judged.get(object);
  if (failures) return failures;
  failures = [];
  const view = controlPlaneMirrorPod(object);
  // Without a command line the flags are baked into the image, where the API cannot see them.
  if (view && view.argv.length > 0) {
    const flags = parseFlags(view.argv.map((a) => a.value));
    const configFile = (CONFIG_FILE_FLAGS[view.component] ?? []).some((f) => flags[f] !== undefined);
    for (const fc of flagChecks()) {
      if (fc.component !== view.component) continue;
      const run = runCheck(fc.check, view.component, flags, view.image);
      if (run.status !== 'fail') continue;
      const culprit = offendingFlag(fc.check, view, flags, [...new Set(run.flags)]);
      // With a configuration file, a flag that is not on the command line may well be set there.
      if (culprit === undefined && configFile) continue;
      failures.push({
        check: fc,
        view,
        evidence: run.evidence ?? '',
        pointer: culprit === undefined ? `/spec/containers/${view.containerIndex}` : (lastArgOf(view.argv, culprit) ?? `/spec/containers/${view.containerIndex}`),
      });
    }
  }
  judged.set(object, failures);
  return failures;
}

/**
 * The flag a failing check is about, or undefined when the fix is to add a flag. Worked out by
 * asking the check itself: if setting the absent flags would do, one is missing; else the set flag
 * whose removal makes the check pass is the one to change (NodeRestriction listed in
 * --disable-admission-plugins), else the first set flag it read.
 */
export function offendingFlag(check: NodeCheck, view: MirrorPodView, flags: Record<string, string>, read: string[]): string | undefined {
  const present = read.filter((f) => flags[f] !== undefined);
  const absent = read.filter((f) => flags[f] === undefined);
  if (present.length === 0) return undefined;
  const statusWith = (changed: Record<string, string>): CheckStatus | undefined => runCheck(check, view.component, changed, view.image).status;
  if (absent.length > 0) {
    const filled = { ...flags };
    for (const f of absent) filled[f] = HARDENED_FLAGS[view.component][f] ?? '/etc/kubernetes/pki/placeholder';
    if (statusWith(filled) === 'pass') return undefined;
  }
  if (present.length === 1) return present[0];
  for (const f of present) {
    const without = { ...flags };
    delete without[f];
    if (statusWith(without) === 'pass') return f;
  }
  return present[0];
}

/** The pointer of the argument that sets `flag` last (pflag: the last occurrence wins). */
export function lastArgOf(argv: Arg[], flag: string): string | undefined {
  for (let i = argv.length - 1; i >= 0; i--) {
    const m = /^--?([^=]+)/.exec(argv[i].value);
    if (m && m[1] === flag) return argv[i].pointer;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The rules

export const CIS_DOC = 'https://www.cisecurity.org/benchmark/kubernetes';

export const STATIC_POD_DOC = 'https://kubernetes.io/docs/tasks/configure-pod-container/static-pod/';

export const APISERVER_DOC = 'https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/';

/** What `kshield node` judges next to a flag check, where the API cannot show it: said in the finding. */
const LINKED_NODE_CHECKS: Record<string, string> = {
  '1.2.28': '; Secrets are stored unencrypted (kshield node on that node also judges the EncryptionConfiguration\'s providers, check 1.2.29)',
};

export function violations(resource: Resource, openDoor: boolean): Violation[] {
  if (resource.kind !== 'Pod') return [];
  return controlPlaneFailures(resource.object)
    .filter((f) => f.check.openDoor === openDoor)
    .map((f) => ({
      path: f.pointer,
      container: f.view.containerName,
      key: f.check.check.id,
      message: `${f.view.binary} (mirror pod of node "${f.view.node}") fails CIS ${f.check.check.id} "${f.check.check.title}": ${f.evidence}${LINKED_NODE_CHECKS[f.check.check.id] ?? ''}`,
    }));
}

export const mirrorPod = (binary: string, node: string, args: string[], image = `registry.k8s.io/${binary}:v1.29.2`): string => `apiVersion: v1
kind: Pod
metadata:
  name: ${binary}-${node}
  namespace: kube-system
  labels:
    component: ${binary}
    tier: control-plane
  annotations:
    kubernetes.io/config.hash: 5b1c9e0d
    kubernetes.io/config.mirror: 5b1c9e0d
    kubernetes.io/config.source: file
  ownerReferences:
    - apiVersion: v1
      kind: Node
      name: ${node}
      uid: 6f1d2c3a-0b4e-4c5d-9e8f-7a6b5c4d3e2f
      controller: true
spec:
  nodeName: ${node}
  hostNetwork: true
  priorityClassName: system-node-critical
  containers:
    - name: ${binary}
      image: ${image}
      command:
        - ${binary}
${args.map((a) => `        - ${a}`).join('\n')}`;

export const hardenedArgs = (component: ControlPlaneComponent): string[] => Object.entries(HARDENED_FLAGS[component]).map(([k, v]) => `--${k}=${v}`);

export const withArgs = (component: ControlPlaneComponent, changes: Record<string, string | undefined>): string[] =>
  Object.entries({ ...HARDENED_FLAGS[component], ...changes })
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `--${k}=${v}`);

export const NOT_EVIDENCE = `apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver-lab
  namespace: playground
  annotations:
    kubernetes.io/config.mirror: copied
spec:
  containers:
    - name: kube-apiserver
      image: registry.k8s.io/kube-apiserver:v1.29.2
      command: [kube-apiserver, --anonymous-auth=true, --authorization-mode=AlwaysAllow]`;

export const STATIC_MANIFEST = `apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver
  namespace: kube-system
  labels:
    component: kube-apiserver
spec:
  hostNetwork: true
  containers:
    - name: kube-apiserver
      image: registry.k8s.io/kube-apiserver:v1.29.2
      command: [kube-apiserver, --anonymous-auth=true, --profiling=true]`;

export const cisIds = (openDoor: boolean): string[] => flagChecks().filter((f) => f.openDoor === openDoor).map((f) => f.check.id);

export const SCOPE =
  'Judged on the static pods of kube-apiserver, kube-controller-manager, kube-scheduler and etcd as the API shows them: mirror pods in kube-system ' +
  `(annotation \`${MIRROR_ANNOTATION}\`, owned by their Node), as on kubeadm and RKE2 clusters. Control planes that run as processes (k3s, ` +
  'most managed services) have no mirror pods and are not judged here. Only the checks of `kshield node` that read flags alone run: file ' +
  'permissions, kubelet settings and the EncryptionConfiguration file cannot be read through the API; run `kshield node` on a control-plane node for those.';

export const REMEDIATION =
  'Change the flag in the static pod manifest on each control-plane node (/etc/kubernetes/manifests/<component>.yaml on kubeadm); the kubelet restarts the ' +
  'component and updates the mirror pod. A mirror pod cannot be edited through the API.';
