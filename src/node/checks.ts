/**
 * CIS Kubernetes Benchmark-style checks of one node. Ids follow the CIS Kubernetes Benchmark
 * v1.8 numbering; controls that benchmark no longer numbers (the insecure port, the TLS
 * minimum version) carry an id of the section and a name. Every check is a pure function of
 * the NodeFacts read by src/sources/node.ts: the same facts always give the same result.
 */
import { KUBECONFIGS, type Component, type FileFacts, type NodeFacts } from '../sources/node.js';

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'manual';

export interface CheckResult {
  id: string;
  title: string;
  component: string;
  status: CheckStatus;
  evidence: string;
  remediation: string;
}

interface Outcome {
  status: CheckStatus;
  evidence: string;
}

interface CheckDefinition {
  id: string;
  title: string;
  component: string;
  remediation: string;
  /** undefined: the check does not apply to this node (its component is not here). */
  check(facts: NodeFacts): Outcome | undefined;
}

const COMPONENT_NAMES: Record<Component, string> = {
  apiserver: 'API server',
  'controller-manager': 'controller manager',
  scheduler: 'scheduler',
  etcd: 'etcd',
  kubelet: 'kubelet',
};

/** Cipher suites the CIS benchmark accepts as strong (ECDHE with AEAD, and the TLS 1.3 suites). */
const STRONG_CIPHERS = new Set([
  'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
]);
const REAL_ENCRYPTION_PROVIDERS = ['aescbc', 'aesgcm', 'secretbox', 'kms'];

type FlagJudge = (value: string | undefined) => CheckStatus;

/** A check of one control-plane component flag; warn when the component's manifest was unusable. */
function flag(component: Exclude<Component, 'kubelet'>, id: string, title: string, name: string | string[], judge: (values: (string | undefined)[]) => CheckStatus, remediation: string): CheckDefinition {
  const names = Array.isArray(name) ? name : [name];
  return {
    id,
    title,
    component: COMPONENT_NAMES[component],
    remediation,
    check(facts) {
      const c = facts.components[component];
      if (!c) return unusableManifest(facts, component);
      const values = names.map((n) => c.flags[n]);
      const shown = names.map((n, i) => (values[i] === undefined ? `--${n} not set` : `--${n}=${values[i]}`)).join(', ');
      return { status: judge(values), evidence: `${c.source}: ${shown}` };
    },
  };
}

function unusableManifest(facts: NodeFacts, component: Component): Outcome | undefined {
  const manifest = component === 'kubelet' ? undefined : facts.manifests[component];
  const problem = facts.manifestProblems.find((p) => p.path === manifest);
  return problem ? { status: 'warn', evidence: `${problem.path}: ${problem.error}` } : undefined;
}

const one = (judge: FlagJudge) => (values: (string | undefined)[]): CheckStatus => judge(values[0]);
const allSet = (values: (string | undefined)[]): CheckStatus => (values.every((v) => v !== undefined && v !== '') ? 'pass' : 'fail');
const is = (expected: string, whenAbsent: CheckStatus): FlagJudge => (v) => (v === undefined ? whenAbsent : v.toLowerCase() === expected ? 'pass' : 'fail');
const isNot = (bad: string): FlagJudge => (v) => (v !== undefined && v.toLowerCase() === bad ? 'fail' : 'pass');
const set: FlagJudge = (v) => (v !== undefined && v !== '' ? 'pass' : 'fail');
const listOf = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/** Go durations as kube flags take them ("60s", "1m30s", "4h"); NaN when not one. */
export function parseDuration(text: string): number {
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  const unit: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * unit[m[2]];
    matched = re.lastIndex;
  }
  return matched === text.length && matched > 0 ? total : NaN;
}

/** The Kubernetes 1.x minor version from an image tag like registry.k8s.io/kube-apiserver:v1.19.3. */
export function kubernetesMinor(image: string | undefined): number | undefined {
  const m = /:v1\.(\d+)(?:\.|$|-|\+)/.exec(image ?? '');
  return m ? Number(m[1]) : undefined;
}

const strongCiphers: FlagJudge = (v) => {
  if (v === undefined) return 'pass'; // Go's default list has no known-weak suites since Kubernetes 1.19
  const suites = listOf(v);
  return suites.length > 0 && suites.every((s) => STRONG_CIPHERS.has(s)) ? 'pass' : 'fail';
};
const tlsMinVersion: FlagJudge = (v) => (v === undefined || v === 'VersionTLS12' || v === 'VersionTLS13' ? 'pass' : 'fail');

/** The EncryptionConfiguration's first provider for secrets. */
function encryptionCheck(facts: NodeFacts): Outcome | undefined {
  const api = facts.components.apiserver;
  if (!api) return unusableManifest(facts, 'apiserver');
  const file = api.flags['encryption-provider-config'];
  if (!file) return { status: 'fail', evidence: `${api.source}: --encryption-provider-config not set` };
  const cfg = facts.encryptionConfig;
  if (!cfg || cfg.error) return { status: 'warn', evidence: `${file}: ${cfg?.error ?? 'not read'}` };
  const resources = (cfg.data as { resources?: unknown } | null)?.resources;
  if (!Array.isArray(resources)) return { status: 'warn', evidence: `${file}: no resources list` };
  for (const [i, entry] of resources.entries()) {
    const names = (entry as { resources?: unknown })?.resources;
    if (!Array.isArray(names) || !names.some((n) => n === 'secrets' || n === '*.*' || n === '*.')) continue;
    const providers = (entry as { providers?: unknown })?.providers;
    const first = Array.isArray(providers) ? providers[0] : undefined;
    const kind = first && typeof first === 'object' ? Object.keys(first as object)[0] : undefined;
    const where = `${file}: resources[${i}].providers[0]`;
    if (!kind) return { status: 'fail', evidence: `${where} missing` };
    return { status: REAL_ENCRYPTION_PROVIDERS.includes(kind) ? 'pass' : 'fail', evidence: `${where} is ${kind}` };
  }
  return { status: 'fail', evidence: `${file}: no entry for secrets` };
}

/**
 * A kubelet setting: a flag wins over the config file; when neither sets it, the default is
 * the config file's (v1beta1) when a config file is in use, else the flag's.
 */
function kubelet(id: string, title: string, setting: { flag: string; field: string[]; configDefault: unknown; flagDefault: unknown }, judge: (value: unknown) => CheckStatus, remediation: string): CheckDefinition {
  return {
    id,
    title,
    component: 'kubelet',
    remediation,
    check(facts) {
      const proc = facts.components.kubelet;
      const cfg = facts.kubeletConfig;
      if (!proc && !cfg) return undefined;
      const flagValue = proc?.flags[setting.flag];
      if (flagValue !== undefined) return { status: judge(flagValue), evidence: `${proc!.source}: --${setting.flag}=${flagValue}` };
      if (cfg?.error) return { status: 'warn', evidence: `${cfg.path}: ${cfg.error}` };
      const field = setting.field.join('.');
      if (cfg) {
        let v: unknown = cfg.data;
        for (const k of setting.field) v = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[k] : undefined;
        if (v !== undefined && v !== null) return { status: judge(v), evidence: `${cfg.path}: ${field}: ${JSON.stringify(v)}` };
        return { status: judge(setting.configDefault), evidence: `${cfg.path}: ${field} not set${describeDefault(setting.configDefault)}` };
      }
      return { status: judge(setting.flagDefault), evidence: `${proc!.source}: --${setting.flag} not set and no config file${describeDefault(setting.flagDefault)}` };
    },
  };
}

const describeDefault = (v: unknown): string => (v === undefined ? '' : ` (default ${JSON.stringify(v)})`);
const truthy = (v: unknown): boolean => v === true || String(v).toLowerCase() === 'true';

/** File checks: permissions at most `maxMode`, owned by root:root. Files absent are not reported. */
function fileMode(id: string, title: string, component: string, paths: (facts: NodeFacts) => string[], maxMode: number): CheckDefinition {
  return {
    id,
    title,
    component,
    remediation: `chmod ${maxMode.toString(8)} on the file(s)`,
    check(facts) {
      const present = paths(facts).map((p) => facts.files[p]).filter((f): f is FileFacts => !!f && f.exists);
      if (present.length === 0) return undefined;
      const loose = present.filter((f) => (f.mode! & ~maxMode) !== 0);
      const list = (fs: FileFacts[]): string => fs.map((f) => `${f.path} ${f.mode!.toString(8).padStart(3, '0')}`).join(', ');
      return loose.length ? { status: 'fail', evidence: list(loose) } : { status: 'pass', evidence: list(present) };
    },
  };
}

function fileOwner(id: string, title: string, component: string, paths: (facts: NodeFacts) => string[]): CheckDefinition {
  return {
    id,
    title,
    component,
    remediation: 'chown root:root on the file(s)',
    check(facts) {
      const present = paths(facts).map((p) => facts.files[p]).filter((f): f is FileFacts => !!f && f.exists);
      if (present.length === 0) return undefined;
      const wrong = present.filter((f) => f.uid !== 0 || f.gid !== 0);
      const list = (fs: FileFacts[]): string => fs.map((f) => `${f.path} ${f.uid}:${f.gid}`).join(', ');
      return wrong.length ? { status: 'fail', evidence: list(wrong) } : { status: 'pass', evidence: list(present) };
    },
  };
}

const manifest = (component: Exclude<Component, 'kubelet'>) => (facts: NodeFacts): string[] => [facts.manifests[component]];
const files = (...paths: string[]) => (): string[] => paths;

const apiserver = (id: string, title: string, name: string | string[], judge: (values: (string | undefined)[]) => CheckStatus, remediation: string): CheckDefinition =>
  flag('apiserver', id, title, name, judge, `In the kube-apiserver static pod manifest (or its command line): ${remediation}`);
const manager = (id: string, title: string, name: string | string[], judge: (values: (string | undefined)[]) => CheckStatus, remediation: string): CheckDefinition =>
  flag('controller-manager', id, title, name, judge, `In the kube-controller-manager static pod manifest (or its command line): ${remediation}`);
const scheduler = (id: string, title: string, name: string, judge: (values: (string | undefined)[]) => CheckStatus, remediation: string): CheckDefinition =>
  flag('scheduler', id, title, name, judge, `In the kube-scheduler static pod manifest (or its command line): ${remediation}`);
const etcd = (id: string, title: string, name: string | string[], judge: (values: (string | undefined)[]) => CheckStatus, remediation: string): CheckDefinition =>
  flag('etcd', id, title, name, judge, `In the etcd static pod manifest (or its command line): ${remediation}`);

export const NODE_CHECKS: CheckDefinition[] = [
  // 1.1 control-plane files
  fileMode('1.1.1', 'API server pod manifest permissions are 600 or stricter', 'files', manifest('apiserver'), 0o600),
  fileOwner('1.1.2', 'API server pod manifest is owned by root:root', 'files', manifest('apiserver')),
  fileMode('1.1.3', 'Controller manager pod manifest permissions are 600 or stricter', 'files', manifest('controller-manager'), 0o600),
  fileOwner('1.1.4', 'Controller manager pod manifest is owned by root:root', 'files', manifest('controller-manager')),
  fileMode('1.1.5', 'Scheduler pod manifest permissions are 600 or stricter', 'files', manifest('scheduler'), 0o600),
  fileOwner('1.1.6', 'Scheduler pod manifest is owned by root:root', 'files', manifest('scheduler')),
  fileMode('1.1.7', 'etcd pod manifest permissions are 600 or stricter', 'files', manifest('etcd'), 0o600),
  fileOwner('1.1.8', 'etcd pod manifest is owned by root:root', 'files', manifest('etcd')),
  fileMode('1.1.13', 'admin.conf and super-admin.conf permissions are 600 or stricter', 'files', files(KUBECONFIGS[0], KUBECONFIGS[1]), 0o600),
  fileOwner('1.1.14', 'admin.conf and super-admin.conf are owned by root:root', 'files', files(KUBECONFIGS[0], KUBECONFIGS[1])),
  fileMode('1.1.15', 'scheduler.conf permissions are 600 or stricter', 'files', files('/etc/kubernetes/scheduler.conf'), 0o600),
  fileOwner('1.1.16', 'scheduler.conf is owned by root:root', 'files', files('/etc/kubernetes/scheduler.conf')),
  fileMode('1.1.17', 'controller-manager.conf permissions are 600 or stricter', 'files', files('/etc/kubernetes/controller-manager.conf'), 0o600),
  fileOwner('1.1.18', 'controller-manager.conf is owned by root:root', 'files', files('/etc/kubernetes/controller-manager.conf')),
  fileOwner('1.1.19', 'The PKI directory and its files are owned by root:root', 'files', (f) => [f.pkiDir, ...f.pkiFiles]),
  fileMode('1.1.20', 'PKI certificate files permissions are 644 or stricter', 'files', (f) => f.pkiFiles.filter((p) => !p.endsWith('.key')), 0o644),
  fileMode('1.1.21', 'PKI key files permissions are 600', 'files', (f) => f.pkiFiles.filter((p) => p.endsWith('.key')), 0o600),

  // 1.2 API server
  apiserver('1.2.1', '--anonymous-auth is false', 'anonymous-auth', one(is('false', 'fail')), 'set --anonymous-auth=false'),
  apiserver('1.2.4', '--kubelet-client-certificate and --kubelet-client-key are set', ['kubelet-client-certificate', 'kubelet-client-key'], allSet, 'set --kubelet-client-certificate and --kubelet-client-key to the API server\'s kubelet client certificate and key'),
  apiserver('1.2.5', '--kubelet-certificate-authority is set', 'kubelet-certificate-authority', one(set), 'set --kubelet-certificate-authority to the CA that signs kubelet serving certificates'),
  apiserver('1.2.6', '--authorization-mode does not include AlwaysAllow', 'authorization-mode', one((v) => (v === undefined || listOf(v).includes('AlwaysAllow') ? 'fail' : 'pass')), 'set --authorization-mode=Node,RBAC'),
  apiserver('1.2.7', '--authorization-mode includes Node', 'authorization-mode', one((v) => (listOf(v).includes('Node') ? 'pass' : 'fail')), 'add Node to --authorization-mode'),
  apiserver('1.2.8', '--authorization-mode includes RBAC', 'authorization-mode', one((v) => (listOf(v).includes('RBAC') ? 'pass' : 'fail')), 'add RBAC to --authorization-mode'),
  apiserver('1.2.10', 'AlwaysAdmit admission plugin is not enabled', 'enable-admission-plugins', one((v) => (listOf(v).includes('AlwaysAdmit') ? 'fail' : 'pass')), 'remove AlwaysAdmit from --enable-admission-plugins'),
  apiserver('1.2.15', 'NodeRestriction admission plugin is enabled', ['enable-admission-plugins', 'disable-admission-plugins'], (v) => (listOf(v[0]).includes('NodeRestriction') && !listOf(v[1]).includes('NodeRestriction') ? 'pass' : 'fail'), 'add NodeRestriction to --enable-admission-plugins'),
  apiserver('1.2.16', '--profiling is false', 'profiling', one(is('false', 'fail')), 'set --profiling=false'),
  apiserver('1.2.17', '--audit-log-path is set', 'audit-log-path', one(set), 'set --audit-log-path to a file (and --audit-policy-file)'),
  apiserver('1.2.18', '--audit-log-maxage is 30 or more', 'audit-log-maxage', one((v) => (Number(v) >= 30 ? 'pass' : 'fail')), 'set --audit-log-maxage=30 (days)'),
  apiserver('1.2.19', '--audit-log-maxbackup is 10 or more', 'audit-log-maxbackup', one((v) => (Number(v) >= 10 ? 'pass' : 'fail')), 'set --audit-log-maxbackup=10'),
  apiserver('1.2.20', '--audit-log-maxsize is 100 or more', 'audit-log-maxsize', one((v) => (Number(v) >= 100 ? 'pass' : 'fail')), 'set --audit-log-maxsize=100 (MB)'),
  apiserver('1.2.21', '--request-timeout is sane if set', 'request-timeout', one((v) => {
    if (v === undefined) return 'pass';
    const s = parseDuration(v);
    return Number.isNaN(s) ? 'warn' : s > 0 && s <= 3600 ? 'pass' : 'fail';
  }), 'leave --request-timeout unset (60s) or set it between 1s and 1h'),
  apiserver('1.2.22', '--service-account-lookup is not false', 'service-account-lookup', one(isNot('false')), 'remove --service-account-lookup=false (the default is true)'),
  apiserver('1.2.23', '--service-account-key-file is set', 'service-account-key-file', one(set), 'set --service-account-key-file to the service account public key'),
  apiserver('1.2.24', '--etcd-certfile and --etcd-keyfile are set', ['etcd-certfile', 'etcd-keyfile'], allSet, 'set --etcd-certfile and --etcd-keyfile to the API server\'s etcd client certificate and key'),
  apiserver('1.2.25', '--tls-cert-file and --tls-private-key-file are set', ['tls-cert-file', 'tls-private-key-file'], allSet, 'set --tls-cert-file and --tls-private-key-file'),
  apiserver('1.2.26', '--client-ca-file is set', 'client-ca-file', one(set), 'set --client-ca-file'),
  apiserver('1.2.27', '--etcd-cafile is set', 'etcd-cafile', one(set), 'set --etcd-cafile to the etcd CA'),
  apiserver('1.2.28', '--encryption-provider-config is set', 'encryption-provider-config', one(set), 'write an EncryptionConfiguration and point --encryption-provider-config at it'),
  {
    id: '1.2.29',
    title: 'Secrets are encrypted at rest with a real provider first (aescbc, aesgcm, secretbox or kms)',
    component: 'API server',
    remediation: 'In the EncryptionConfiguration, list kms (v2), aescbc, aesgcm or secretbox before identity for secrets, then rewrite all secrets',
    check: encryptionCheck,
  },
  apiserver('1.2.30', 'Only strong TLS cipher suites', 'tls-cipher-suites', one(strongCiphers), 'set --tls-cipher-suites to ECDHE AES-GCM / ChaCha20-Poly1305 suites only'),
  apiserver('1.2.tls-min-version', '--tls-min-version is VersionTLS12 or later', 'tls-min-version', one(tlsMinVersion), 'set --tls-min-version=VersionTLS12 or leave it unset'),
  {
    id: '1.2.insecure-port',
    title: 'The insecure port is off',
    component: 'API server',
    remediation: 'In the kube-apiserver static pod manifest (or its command line): set --insecure-port=0 (before v1.20 the default was 8080; the flag is gone since v1.24)',
    check(facts) {
      const c = facts.components.apiserver;
      if (!c) return unusableManifest(facts, 'apiserver');
      const v = c.flags['insecure-port'];
      if (v !== undefined) return { status: v === '0' ? 'pass' : 'fail', evidence: `${c.source}: --insecure-port=${v}` };
      const minor = kubernetesMinor(c.image);
      if (minor === undefined) return { status: 'pass', evidence: `${c.source}: --insecure-port not set (off by default since v1.20; version unknown)` };
      return minor >= 20
        ? { status: 'pass', evidence: `${c.source}: --insecure-port not set (off by default since v1.20; image ${c.image})` }
        : { status: 'fail', evidence: `${c.source}: --insecure-port not set (default 8080 before v1.20; image ${c.image})` };
    },
  },

  // 1.3 controller manager
  manager('1.3.2', '--profiling is false', 'profiling', one(is('false', 'fail')), 'set --profiling=false'),
  manager('1.3.3', '--use-service-account-credentials is true', 'use-service-account-credentials', one(is('true', 'fail')), 'set --use-service-account-credentials=true'),
  manager('1.3.4', '--service-account-private-key-file is set', 'service-account-private-key-file', one(set), 'set --service-account-private-key-file'),
  manager('1.3.5', '--root-ca-file is set', 'root-ca-file', one(set), 'set --root-ca-file to the cluster CA'),
  manager('1.3.7', '--bind-address is 127.0.0.1', 'bind-address', one(is('127.0.0.1', 'fail')), 'set --bind-address=127.0.0.1'),

  // 1.4 scheduler
  scheduler('1.4.1', '--profiling is false', 'profiling', one(is('false', 'fail')), 'set --profiling=false'),
  scheduler('1.4.2', '--bind-address is 127.0.0.1', 'bind-address', one(is('127.0.0.1', 'fail')), 'set --bind-address=127.0.0.1'),

  // 2 etcd
  etcd('2.1', '--cert-file and --key-file are set', ['cert-file', 'key-file'], allSet, 'set --cert-file and --key-file'),
  etcd('2.2', '--client-cert-auth is true', 'client-cert-auth', one(is('true', 'fail')), 'set --client-cert-auth=true'),
  etcd('2.3', '--auto-tls is not true', 'auto-tls', one(isNot('true')), 'remove --auto-tls or set it to false'),
  etcd('2.4', '--peer-cert-file and --peer-key-file are set', ['peer-cert-file', 'peer-key-file'], allSet, 'set --peer-cert-file and --peer-key-file'),
  etcd('2.5', '--peer-client-cert-auth is true', 'peer-client-cert-auth', one(is('true', 'fail')), 'set --peer-client-cert-auth=true'),
  etcd('2.6', '--peer-auto-tls is not true', 'peer-auto-tls', one(isNot('true')), 'remove --peer-auto-tls or set it to false'),

  // 4.1 worker files
  fileMode('4.1.5', 'kubelet.conf permissions are 600 or stricter', 'files', (f) => [f.components.kubelet?.flags.kubeconfig ?? '/etc/kubernetes/kubelet.conf'], 0o600),
  fileOwner('4.1.6', 'kubelet.conf is owned by root:root', 'files', (f) => [f.components.kubelet?.flags.kubeconfig ?? '/etc/kubernetes/kubelet.conf']),
  fileMode('4.1.9', 'kubelet config file permissions are 600 or stricter', 'files', (f) => (f.kubeletConfig ? [f.kubeletConfig.path] : []), 0o600),
  fileOwner('4.1.10', 'kubelet config file is owned by root:root', 'files', (f) => (f.kubeletConfig ? [f.kubeletConfig.path] : [])),

  // 4.2 kubelet
  kubelet('4.2.1', 'Anonymous authentication is off', { flag: 'anonymous-auth', field: ['authentication', 'anonymous', 'enabled'], configDefault: false, flagDefault: true }, (v) => (truthy(v) ? 'fail' : 'pass'), 'set authentication.anonymous.enabled: false (or --anonymous-auth=false)'),
  kubelet('4.2.2', 'Authorization mode is Webhook', { flag: 'authorization-mode', field: ['authorization', 'mode'], configDefault: 'Webhook', flagDefault: 'AlwaysAllow' }, (v) => (v === 'Webhook' ? 'pass' : 'fail'), 'set authorization.mode: Webhook (or --authorization-mode=Webhook)'),
  kubelet('4.2.3', 'A client CA file is set', { flag: 'client-ca-file', field: ['authentication', 'x509', 'clientCAFile'], configDefault: undefined, flagDefault: undefined }, (v) => (typeof v === 'string' && v !== '' ? 'pass' : 'fail'), 'set authentication.x509.clientCAFile (or --client-ca-file)'),
  kubelet('4.2.4', 'The read-only port is 0', { flag: 'read-only-port', field: ['readOnlyPort'], configDefault: 0, flagDefault: 10255 }, (v) => (Number(v) === 0 ? 'pass' : 'fail'), 'set readOnlyPort: 0 (or --read-only-port=0)'),
  kubelet('4.2.5', 'Streaming connection idle timeout is not 0', { flag: 'streaming-connection-idle-timeout', field: ['streamingConnectionIdleTimeout'], configDefault: '4h0m0s', flagDefault: '4h0m0s' }, (v) => {
    const s = parseDuration(String(v));
    return Number.isNaN(s) ? 'warn' : s === 0 ? 'fail' : 'pass';
  }, 'set streamingConnectionIdleTimeout to a non-zero duration such as 5m'),
  kubelet('4.2.6', 'Kernel defaults are protected', { flag: 'protect-kernel-defaults', field: ['protectKernelDefaults'], configDefault: false, flagDefault: false }, (v) => (truthy(v) ? 'pass' : 'fail'), 'set protectKernelDefaults: true (after setting the kernel parameters the kubelet expects)'),
  kubelet('4.2.9', 'eventRecordQPS is 0 or more', { flag: 'event-qps', field: ['eventRecordQPS'], configDefault: 50, flagDefault: 50 }, (v) => {
    const n = Number(v);
    return Number.isNaN(n) ? 'warn' : n >= 0 ? 'pass' : 'fail';
  }, 'set eventRecordQPS to a level that captures the events you need (0 means no limit)'),
  kubelet('4.2.11', 'Client certificate rotation is on', { flag: 'rotate-certificates', field: ['rotateCertificates'], configDefault: false, flagDefault: false }, (v) => (truthy(v) ? 'pass' : 'fail'), 'set rotateCertificates: true (or --rotate-certificates)'),
  kubelet('4.2.12', 'Serving certificates are bootstrapped and rotated (serverTLSBootstrap)', { flag: 'rotate-server-certificates', field: ['serverTLSBootstrap'], configDefault: false, flagDefault: false }, (v) => (truthy(v) ? 'pass' : 'fail'), 'set serverTLSBootstrap: true and approve the kubelet serving CSRs'),
  kubelet('4.2.13', 'Only strong TLS cipher suites', { flag: 'tls-cipher-suites', field: ['tlsCipherSuites'], configDefault: undefined, flagDefault: undefined }, (v) => strongCiphers(v === undefined ? undefined : Array.isArray(v) ? v.join(',') : String(v)), 'set tlsCipherSuites to ECDHE AES-GCM / ChaCha20-Poly1305 suites only'),
  kubelet('4.2.tls-min-version', 'TLS minimum version is 1.2 or later', { flag: 'tls-min-version', field: ['tlsMinVersion'], configDefault: undefined, flagDefault: undefined }, (v) => tlsMinVersion(v === undefined ? undefined : String(v)), 'set tlsMinVersion: VersionTLS12 or leave it unset'),
];

/** Runs every check that applies to this node, in table order. */
export function runNodeChecks(facts: NodeFacts): CheckResult[] {
  const results: CheckResult[] = [];
  for (const def of NODE_CHECKS) {
    const outcome = def.check(facts);
    if (outcome) results.push({ id: def.id, title: def.title, component: def.component, status: outcome.status, evidence: outcome.evidence, remediation: def.remediation });
  }
  return results;
}

export function summarize(results: CheckResult[]): Record<CheckStatus, number> {
  const counts: Record<CheckStatus, number> = { pass: 0, fail: 0, warn: 0, manual: 0 };
  for (const r of results) counts[r.status]++;
  return counts;
}
