/**
 * CIS Kubernetes Benchmark-style checks of one node. Every check is a pure function of the
 * NodeFacts read by src/sources/node.ts: the same facts always give the same result.
 *
 * What was checked against which source (facts only; titles and remediation texts are ours):
 * - Ids and what each control audits: CIS Kubernetes Benchmark v1.8, as kube-bench encodes it in
 *   cfg/cis-1.8/master.yaml, etcd.yaml and node.yaml (aquasecurity/kube-bench). v1.8 renumbered
 *   section 4.2: 4.2.6 is --make-iptables-util-chains, 4.2.7 --hostname-override, 4.2.8
 *   eventRecordQPS, 4.2.9 the kubelet serving certificate, 4.2.10 --rotate-certificates, 4.2.11
 *   RotateKubeletServerCertificate, 4.2.12 cipher suites, 4.2.13 the pod PID limit; 1.1.20 asks
 *   600 for certificates (it was 644). Controls v1.8 no longer has keep a section-and-name id:
 *   1.2.insecure-port, 1.2.tls-min-version, 4.2.tls-min-version and 4.2.protect-kernel-defaults
 *   (4.2.6 in v1.7).
 * - Kubelet defaults when a field is absent from a KubeletConfiguration v1beta1 file:
 *   SetDefaults_KubeletConfiguration (kubernetes/kubernetes pkg/kubelet/apis/config/v1beta1/
 *   defaults.go) and the kubelet configuration reference: anonymous authentication off,
 *   authorization Webhook, readOnlyPort 0 (it is not defaulted), streamingConnectionIdleTimeout
 *   4h, eventRecordQPS 50, makeIPTablesUtilChains true, podPidsLimit -1; rotateCertificates,
 *   serverTLSBootstrap and protectKernelDefaults false. Without a config file the flag defaults
 *   apply (--anonymous-auth true, --authorization-mode AlwaysAllow, --read-only-port 10255), and
 *   a kubelet reads a config file only when started with --config. Flags win over the file;
 *   `--config-dir` drop-ins win over the file, field by field, in file-name order.
 * - kube-apiserver / controller-manager / scheduler / etcd flag defaults named in evidence: the
 *   components' command-line references on kubernetes.io and etcd.io (--bind-address 0.0.0.0,
 *   --profiling true, --authorization-mode AlwaysAllow, --service-account-lookup true,
 *   --request-timeout 60s, --terminated-pod-gc-threshold 12500; etcd ignores every flag when
 *   given --config-file). RotateKubeletServerCertificate is on by default (beta since v1.12).
 * - k3s and RKE2: what they set by default is in DISTRO_DEFAULTS (src/sources/rancher.ts), from
 *   their CIS v1.8 self-assessment guides (docs.k3s.io, docs.rke2.io) and docs.k3s.io's server
 *   reference (secrets-encryption off by default). Where neither the node's files nor those
 *   documents settle a value, the check says `manual` and why.
 * - Encryption providers (1.2.29): the benchmark accepts aescbc, kms and secretbox first;
 *   aesgcm encrypts but is a warning (kubernetes.io "Encrypting Confidential Data at Rest": its
 *   keys must be rotated every 200,000 writes); identity first, or no entry for secrets, fails.
 *
 * Statuses: pass (the recommendation holds), fail (it does not), warn (the files could not tell
 * - missing, unreadable or malformed - or the value works but is weaker than the benchmark asks),
 * manual (the benchmark leaves the call to a person and the files give no clear answer).
 */
import { DISTRO_NAMES, CONFIG_FILE, ARG_KEYS } from '../sources/rancher.js';
import { type Distro } from '../sources/flag-origin.js';
import { goDurationMs } from '../core/duration.js';
import { CNI_DIRS, KUBECONFIGS, KUBELET_UNIT_DIRS, kubeletSetting, type Component, type ComponentFacts, type FileFacts, type NodeFacts } from '../sources/node.js';

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'manual';

/** The file a result is about, as a node path (not including --root), and the line when known. */
export interface CheckLocation {
  file: string;
  line?: number;
}

export interface CheckResult {
  id: string;
  title: string;
  component: string;
  status: CheckStatus;
  evidence: string;
  remediation: string;
  /** The file to change (or inspect) and the line, for editors and SARIF. */
  location?: CheckLocation;
}

interface Outcome {
  status: CheckStatus;
  evidence: string;
  location?: CheckLocation;
}

interface CheckDefinition {
  id: string;
  title: string;
  component: string;
  remediation: string;
  /** A remediation that fits this node better (k3s/RKE2 take flags through their config file). */
  remediationFor?(facts: NodeFacts): string | undefined;
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

const BINARY_NAMES: Record<Component, string> = {
  apiserver: 'kube-apiserver',
  'controller-manager': 'kube-controller-manager',
  scheduler: 'kube-scheduler',
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
const CIS_ENCRYPTION_PROVIDERS = ['aescbc', 'secretbox', 'kms'];

/** A judge's verdict, optionally with a note for the evidence (usually the default that applied). */
type Judgement = CheckStatus | { status: CheckStatus; note: string };
type FlagJudge = (value: string | undefined) => Judgement;
type FlagsJudge = (values: (string | undefined)[], facts: ComponentFacts) => Judgement;

const statusOf = (j: Judgement): CheckStatus => (typeof j === 'string' ? j : j.status);
const noteOf = (j: Judgement): string => (typeof j === 'string' ? '' : ` (${j.note})`);

/** How a flag's value came about, for evidence: `--x=y`, `--x=y (default of k3s)`, `--x not set`. */
function describeFlag(c: ComponentFacts, name: string): string {
  const v = c.flags[name];
  if (v === undefined) return `--${name} not set`;
  const o = c.origins?.[name];
  let note = '';
  if (o?.defaultOf) note = ` (default of ${DISTRO_NAMES[o.defaultOf]})`;
  else if (o?.file && o.file !== c.source) note = ` (${o.file}${o.via ? ` ${o.via}` : ''})`;
  else if (o?.via) note = ` (${o.via})`;
  return `--${name}=${v}${note}`;
}

/** Where to point for these flags: the first one written in a file, else the component's source file. */
function flagLocation(c: ComponentFacts, names: string[]): CheckLocation | undefined {
  for (const n of names) {
    const o = c.origins?.[n];
    if (c.flags[n] !== undefined && o?.file && !o.defaultOf) return { file: o.file, line: o.line };
  }
  return c.source.startsWith('/') ? { file: c.source } : undefined;
}

/** Warn when a component's flags cannot be known: its source was unusable, or the configuration they come from is broken. */
function componentProblem(c: ComponentFacts): Outcome | undefined {
  if (c.error) return { status: 'warn', evidence: `${c.source}: ${c.error}`, location: c.source.startsWith('/') ? { file: c.source } : undefined };
  const p = c.configProblem;
  if (p) return { status: 'warn', evidence: `${p.file}: ${p.message}`, location: { file: p.file, line: p.line } };
  return undefined;
}

/** A check of control-plane component flags; warn when the component's source was unusable. */
function flag(component: Exclude<Component, 'kubelet'>, id: string, title: string, name: string | string[], judge: FlagsJudge, fix: string): CheckDefinition {
  const names = Array.isArray(name) ? name : [name];
  return {
    id,
    title,
    component: COMPONENT_NAMES[component],
    remediation: `In the ${BINARY_NAMES[component]} static pod manifest (or its command line): ${fix}`,
    remediationFor: (facts) => distroRemediation(facts.components[component], component, fix),
    check(facts) {
      const c = facts.components[component];
      if (!c) return unusableManifest(facts, component);
      const problem = componentProblem(c);
      if (problem) return problem;
      if (names.every((n) => c.notApplicable?.[n] !== undefined)) return undefined;
      const unknown = names.map((n) => c.unknown?.[n]).find((u) => u !== undefined);
      if (unknown !== undefined) return { status: 'manual', evidence: `${c.source}: ${unknown}`, location: flagLocation(c, names) };
      const verdict = judge(names.map((n) => c.flags[n]), c);
      return { status: statusOf(verdict), evidence: `${c.source}: ${names.map((n) => describeFlag(c, n)).join(', ')}${noteOf(verdict)}`, location: flagLocation(c, names) };
    },
  };
}

function distroRemediation(c: ComponentFacts | undefined, component: Component, fix: string): string | undefined {
  if (!c?.managedBy) return undefined;
  const key = ARG_KEYS[component];
  return `In ${CONFIG_FILE[c.managedBy]} (or a config.yaml.d drop-in), list the flag under ${key} as "flag=value" and restart ${DISTRO_NAMES[c.managedBy]}: ${fix}`;
}

function unusableManifest(facts: NodeFacts, component: Component): Outcome | undefined {
  const manifest = component === 'kubelet' ? undefined : facts.manifests[component];
  const problem = facts.manifestProblems.find((p) => p.path === manifest);
  return problem ? { status: 'warn', evidence: `${problem.path}: ${problem.error}`, location: { file: problem.path, line: problem.errorLine } } : undefined;
}

const one = (judge: FlagJudge): FlagsJudge => (values) => judge(values[0]);
const allSet: FlagsJudge = (values) => (values.every((v) => v !== undefined && v !== '') ? 'pass' : 'fail');
/** `expected` passes; when unset, `whenAbsent` with the default named. */
const is = (expected: string, whenAbsent: CheckStatus, defaultValue?: string): FlagJudge => (v) =>
  v === undefined ? (defaultValue === undefined ? whenAbsent : { status: whenAbsent, note: `default ${defaultValue}` }) : v.toLowerCase() === expected ? 'pass' : 'fail';
const isNot = (bad: string, defaultValue?: string): FlagJudge => (v) => (v !== undefined && v.toLowerCase() === bad ? 'fail' : v === undefined && defaultValue !== undefined ? { status: 'pass', note: `default ${defaultValue}` } : 'pass');
const set: FlagJudge = (v) => (v !== undefined && v !== '' ? 'pass' : 'fail');
const notSet: FlagJudge = (v) => (v === undefined ? 'pass' : 'fail');
const listOf = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
/** An admission plugin the benchmark leaves to judgement: enabled passes, otherwise a person decides. */
const pluginEnabled = (plugin: string, why: string): FlagsJudge => (v) =>
  listOf(v[0]).includes(plugin) && !listOf(v[1]).includes(plugin) ? 'pass' : { status: 'manual', note: `${plugin} is not enabled; ${why}` };
/** A plugin on by default that must not be disabled. */
const notDisabled = (plugin: string): FlagJudge => (v) => (listOf(v).includes(plugin) ? 'fail' : 'pass');

/**
 * Authorization set by --authorization-mode, unless a structured --authorization-config file
 * (v1.29+, which excludes the flag) holds the authorizer chain: that file is for a person to read.
 */
const authorization = (judge: FlagJudge): FlagsJudge => (values, c) => {
  const file = c.flags['authorization-config'];
  if (values[0] === undefined && file) return { status: 'manual', note: `the authorizers are in --authorization-config=${file}: check that it has Node and RBAC and no AlwaysAllow` };
  return judge(values[0]);
};

/** Go durations as kube flags take them ("60s", "1m30s", "4h"), in seconds; NaN when not one (a bare "5" is not). */
export function parseDuration(text: string): number {
  return goDurationMs(text) / 1000;
}

/** The Kubernetes 1.x minor version from an image tag like registry.k8s.io/kube-apiserver:v1.19.3. */
function kubernetesMinor(image: string | undefined): number | undefined {
  const m = /:v1\.(\d+)(?:\.|$|-|\+)/.exec(image ?? '');
  return m ? Number(m[1]) : undefined;
}

const strongCiphers: FlagJudge = (v) => {
  // Unset, Go's own list applies: it has CBC-mode and RSA key-exchange suites the benchmark does not count as strong.
  if (v === undefined) return { status: 'manual', note: "Go's default suites apply, which include CBC-mode suites" };
  const suites = listOf(v);
  return suites.length > 0 && suites.every((s) => STRONG_CIPHERS.has(s)) ? 'pass' : 'fail';
};
const tlsMinVersion: FlagJudge = (v) => (v === undefined ? { status: 'pass', note: 'default TLS 1.2' } : v === 'VersionTLS12' || v === 'VersionTLS13' ? 'pass' : 'fail');
/** `--feature-gates=A=true,B=false` has the gate switched off. */
const gateOff = (gates: string | undefined, gate: string): boolean => listOf(gates).some((g) => g.replace(/\s/g, '') === `${gate}=false`);

/** The EncryptionConfiguration's first provider for secrets. */
function encryptionCheck(facts: NodeFacts): Outcome | undefined {
  const api = facts.components.apiserver;
  if (!api) return unusableManifest(facts, 'apiserver');
  const problem = componentProblem(api);
  if (problem) return problem;
  const file = api.flags['encryption-provider-config'];
  if (!file) return { status: 'fail', evidence: `${api.source}: --encryption-provider-config not set`, location: flagLocation(api, ['encryption-provider-config']) };
  const cfg = facts.encryptionConfig;
  if (!cfg || cfg.error) return { status: 'warn', evidence: `${file}: ${cfg?.error ?? 'not read'}`, location: { file } };
  const resources = (cfg.data as { resources?: unknown } | null)?.resources;
  if (!Array.isArray(resources)) return { status: 'warn', evidence: `${file}: no resources list`, location: { file } };
  for (const [i, entry] of resources.entries()) {
    const names = (entry as { resources?: unknown })?.resources;
    if (!Array.isArray(names) || !names.some((n) => n === 'secrets' || n === '*.*' || n === '*.')) continue;
    const providers = (entry as { providers?: unknown })?.providers;
    const first = Array.isArray(providers) ? providers[0] : undefined;
    const kind = first && typeof first === 'object' ? Object.keys(first as object)[0] : undefined;
    const where = `${file}: resources[${i}].providers[0]`;
    const location = { file, line: cfg.lines?.[`/resources/${i}/providers/0`] ?? cfg.lines?.[`/resources/${i}`] };
    if (!kind) return { status: 'fail', evidence: `${where} missing`, location };
    if (kind === 'aesgcm') return { status: 'warn', evidence: `${where} is aesgcm (real encryption, but its keys must be rotated every 200,000 writes; the benchmark names aescbc, kms or secretbox)`, location };
    return { status: CIS_ENCRYPTION_PROVIDERS.includes(kind) ? 'pass' : 'fail', evidence: `${where} is ${kind}`, location };
  }
  return { status: 'fail', evidence: `${file}: no entry for secrets`, location: { file } };
}

interface KubeletSettingSpec {
  flag: string;
  /** The KubeletConfiguration field; none for flags the file cannot carry. */
  field?: string[];
  /** The v1beta1 default when the field is absent from a config file. */
  configDefault: unknown;
  /** The flag's default when the kubelet runs without a config file. */
  flagDefault: unknown;
  /** The fix as a kubelet flag, for k3s/RKE2 `kubelet-arg`. */
  distroFix: string;
  /** What to say when k3s/RKE2 start the kubelet, no file sets the value, and their documents do not settle it. */
  distroUnset?: (distro: Distro) => { status: CheckStatus; note: string };
}

const describeDefault = (v: unknown): string => (v === undefined ? '' : ` (default ${JSON.stringify(v)})`);
const truthy = (v: unknown): boolean => v === true || String(v).toLowerCase() === 'true';
const hasKubelet = (facts: NodeFacts): boolean => !!facts.components.kubelet || !!facts.kubeletConfig || (facts.kubeletConfigDropIns?.length ?? 0) > 0;
const configFiles = (facts: NodeFacts) => [...(facts.kubeletConfig ? [facts.kubeletConfig] : []), ...(facts.kubeletConfigDropIns ?? [])];
/** A kubelet config file (or its drop-in directory) that could not be used: the kubelet's settings are not known. */
const brokenKubeletConfig = (facts: NodeFacts) => configFiles(facts).find((f) => f.error) ?? facts.kubeletConfigDirProblem;

/** A warn when the kubelet's settings cannot be known: its command line or a config file is unusable. */
function unusableKubeletSettings(facts: NodeFacts): Outcome | undefined {
  const problem = facts.components.kubelet && componentProblem(facts.components.kubelet);
  if (problem) return problem;
  const broken = brokenKubeletConfig(facts);
  return broken ? { status: 'warn', evidence: `${broken.path}: ${broken.error}`, location: { file: broken.path, line: broken.errorLine } } : undefined;
}

function kubeletRemediation(facts: NodeFacts, fix: string): string | undefined {
  const d = facts.components.kubelet?.managedBy;
  return d ? `In ${CONFIG_FILE[d]} (or a config.yaml.d drop-in), list under kubelet-arg and restart ${DISTRO_NAMES[d]}: ${fix}` : undefined;
}

/**
 * A kubelet setting: a flag wins over the config files; when nothing sets it, the default is
 * the config file's (v1beta1) when a config file is in use, else the flag's.
 */
function kubelet(id: string, title: string, setting: KubeletSettingSpec, judge: (value: unknown) => Judgement, remediation: string): CheckDefinition {
  return {
    id,
    title,
    component: 'kubelet',
    remediation,
    remediationFor: (facts) => kubeletRemediation(facts, setting.distroFix),
    check(facts) {
      if (!hasKubelet(facts)) return undefined;
      const proc = facts.components.kubelet;
      const problem = proc && componentProblem(proc);
      if (problem) return problem;
      const files = configFiles(facts);
      const flagValue = proc?.flags[setting.flag];
      if (flagValue !== undefined) {
        const verdict = judge(flagValue);
        return { status: statusOf(verdict), evidence: `${proc!.source}: ${describeFlag(proc!, setting.flag)}${noteOf(verdict)}`, location: flagLocation(proc!, [setting.flag]) };
      }
      const broken = brokenKubeletConfig(facts);
      if (broken) return { status: 'warn', evidence: `${broken.path}: ${broken.error}`, location: { file: broken.path, line: broken.errorLine } };
      if (setting.field) {
        const found = kubeletSetting(facts, setting.flag, setting.field);
        if (found) {
          const verdict = judge(found.value);
          return { status: statusOf(verdict), evidence: `${found.origin.file}: ${setting.field.join('.')}: ${JSON.stringify(found.value)}${noteOf(verdict)}`, location: found.origin.file ? { file: found.origin.file, line: found.origin.line } : undefined };
        }
      }
      if (proc?.managedBy && setting.distroUnset && !files.length) {
        const u = setting.distroUnset(proc.managedBy);
        return { status: u.status, evidence: `${proc.source}: --${setting.flag} not set (${u.note})`, location: flagLocation(proc, [setting.flag]) };
      }
      if (files.length > 0) {
        const main = files[0];
        const what = setting.field ? setting.field.join('.') : `--${setting.flag}`;
        const verdict = judge(setting.configDefault);
        return { status: statusOf(verdict), evidence: `${main.path}: ${what} not set${describeDefault(setting.configDefault)}${noteOf(verdict)}`, location: { file: main.path } };
      }
      const verdict = judge(setting.flagDefault);
      return { status: statusOf(verdict), evidence: `${proc!.source}: --${setting.flag} not set and no kubelet config file${describeDefault(setting.flagDefault)}${noteOf(verdict)}`, location: flagLocation(proc!, [setting.flag]) };
    },
  };
}

/** A kubelet command-line flag with no config-file field; unknown when the command line is not visible. */
function kubeletFlagOnly(id: string, title: string, name: string, judge: (value: string | undefined, c: ComponentFacts) => Judgement, remediation: string, distroFix: string): CheckDefinition {
  return {
    id,
    title,
    component: 'kubelet',
    remediation,
    remediationFor: (facts) => kubeletRemediation(facts, distroFix),
    check(facts) {
      if (!hasKubelet(facts)) return undefined;
      const c = facts.components.kubelet;
      if (!c) {
        const file = configFiles(facts)[0];
        return { status: 'manual', evidence: `${file.path}: --${name} is a command-line flag, and the kubelet's command line was not found (no /proc entry or systemd unit)`, location: { file: file.path } };
      }
      const problem = componentProblem(c);
      if (problem) return problem;
      const verdict = judge(c.flags[name], c);
      return { status: statusOf(verdict), evidence: `${c.source}: ${describeFlag(c, name)}${noteOf(verdict)}`, location: flagLocation(c, [name]) };
    },
  };
}

type PathsOf = (facts: NodeFacts) => string[];

/** The files a check judges, and what it could not: files that could not be looked at, directories that could not be listed. */
function gather(facts: NodeFacts, paths: PathsOf, dirs?: PathsOf): { found: FileFacts[]; unjudged: { text: string; file: string }[] } {
  const all = [...new Set(paths(facts))].map((p) => facts.files[p]).filter((f): f is FileFacts => !!f);
  const unjudged = all.filter((f) => f.error).map((f) => ({ text: `${f.path}: ${f.error}`, file: f.path }));
  const listed = dirs?.(facts) ?? [];
  for (const [dir, error] of Object.entries(facts.unlisted ?? {}).reverse()) {
    if (listed.some((d) => dir === d || dir.startsWith(`${d}/`))) unjudged.unshift({ text: `cannot list ${dir}: ${error}`, file: dir });
  }
  return { found: all.filter((f) => f.exists && !f.error), unjudged };
}

/**
 * File checks share this: absent files are not reported; files the check could not look at
 * make it warn (a fail among the others still fails, and says what was not judged).
 */
function judgeFiles(facts: NodeFacts, paths: PathsOf, dirs: PathsOf | undefined, judge: (found: FileFacts[]) => Outcome): Outcome | undefined {
  const { found, unjudged } = gather(facts, paths, dirs);
  if (found.length === 0 && unjudged.length === 0) return undefined;
  const notJudged = unjudged.map((u) => u.text).join('; ');
  if (found.length === 0) return { status: 'warn', evidence: notJudged, location: { file: unjudged[0].file } };
  const outcome = judge(found);
  if (unjudged.length === 0) return outcome;
  if (outcome.status === 'fail') return { ...outcome, evidence: `${outcome.evidence}; not judged: ${notJudged}` };
  return { status: 'warn', evidence: `${notJudged}; ${outcome.evidence}`, location: { file: unjudged[0].file } };
}

const octal = (mode: number): string => mode.toString(8).padStart(3, '0');
/** Evidence for files that pass: the first few, then a count (a PKI directory has dozens). */
const SHOWN_WHEN_PASSING = 4;
const passing = (fs: FileFacts[], show: (f: FileFacts) => string): string =>
  fs.length <= SHOWN_WHEN_PASSING ? fs.map(show).join(', ') : `${fs.slice(0, SHOWN_WHEN_PASSING).map(show).join(', ')} and ${fs.length - SHOWN_WHEN_PASSING} more`;

/** File checks: permissions at most `maxMode`. `dirs`: the directories listed to find the files. */
function fileMode(id: string, title: string, paths: PathsOf, maxMode: number, dirs?: PathsOf): CheckDefinition {
  return {
    id,
    title,
    component: 'files',
    remediation: `chmod ${maxMode.toString(8)} on the file(s)`,
    check: (facts) =>
      judgeFiles(facts, paths, dirs, (found) => {
        const loose = found.filter((f) => (f.mode! & ~maxMode) !== 0);
        const show = (f: FileFacts): string => `${f.path} ${octal(f.mode!)}`;
        return loose.length ? { status: 'fail', evidence: loose.map(show).join(', '), location: { file: loose[0].path } } : { status: 'pass', evidence: passing(found, show), location: { file: found[0].path } };
      }),
  };
}

/**
 * Certificates are public, so the benchmark makes their 600 a manual control: 600 or stricter
 * passes, writable by group or others fails, readable by others is for a person to decide.
 */
function certMode(id: string, title: string, paths: PathsOf, dirs?: PathsOf): CheckDefinition {
  return {
    id,
    title,
    component: 'files',
    remediation: 'chmod 600 on the certificate file(s) (they hold no secret; readers need no more than that)',
    check: (facts) =>
      judgeFiles(facts, paths, dirs, (found) => {
        const list = (fs: FileFacts[]): string => fs.map((f) => `${f.path} ${octal(f.mode!)}`).join(', ');
        const writable = found.filter((f) => (f.mode! & 0o022) !== 0);
        if (writable.length) return { status: 'fail', evidence: `${list(writable)} (writable by group or others)`, location: { file: writable[0].path } };
        const readable = found.filter((f) => (f.mode! & ~0o600) !== 0);
        if (readable.length) return { status: 'manual', evidence: `${list(readable)} (readable by others; the benchmark asks 600, certificates are public)`, location: { file: readable[0].path } };
        return { status: 'pass', evidence: passing(found, (f) => `${f.path} ${octal(f.mode!)}`), location: { file: found[0].path } };
      }),
  };
}

function fileOwner(id: string, title: string, paths: PathsOf, dirs?: PathsOf): CheckDefinition {
  return {
    id,
    title,
    component: 'files',
    remediation: 'chown root:root on the file(s)',
    check: (facts) =>
      judgeFiles(facts, paths, dirs, (found) => {
        const wrong = found.filter((f) => f.uid !== 0 || f.gid !== 0);
        const show = (f: FileFacts): string => `${f.path} ${f.uid}:${f.gid}`;
        return wrong.length ? { status: 'fail', evidence: wrong.map(show).join(', '), location: { file: wrong[0].path } } : { status: 'pass', evidence: passing(found, show), location: { file: found[0].path } };
      }),
  };
}

/**
 * The etcd data directory comes from etcd's flags: when those cannot be read, its checks warn
 * rather than vanish.
 */
function etcdDataDirCheck(def: CheckDefinition): CheckDefinition {
  return {
    ...def,
    check(facts) {
      if (!facts.etcdDataDir) {
        const e = facts.components.etcd;
        const problem = e ? componentProblem(e) : unusableManifest(facts, 'etcd');
        if (problem) return { ...problem, evidence: `the etcd data directory is not known: ${problem.evidence}` };
      }
      return def.check(facts);
    },
  };
}

/** The etcd data directory is owned by the etcd user and group (not applicable to k3s, whose etcd runs inside the root-owned k3s process). */
const etcdDataOwner: CheckDefinition = {
  id: '1.1.12',
  title: 'The etcd data directory is owned by etcd:etcd',
  component: 'files',
  remediation: 'Run etcd as a dedicated etcd user and chown -R etcd:etcd its data directory',
  check(facts) {
    const dir = facts.etcdDataDir;
    const f = dir ? facts.files[dir] : undefined;
    if (facts.components.etcd?.managedBy === 'k3s') return undefined;
    if (f?.error) return { status: 'warn', evidence: `${f.path}: ${f.error}`, location: { file: f.path } };
    if (!f?.exists) return undefined;
    const user = facts.users?.[f.uid!];
    const group = facts.groups?.[f.gid!];
    const shown = `${f.path} ${user ?? f.uid}:${group ?? f.gid}`;
    if (user === 'etcd' && group === 'etcd') return { status: 'pass', evidence: shown, location: { file: f.path } };
    const idProblem = facts.idProblems?.[0];
    if (idProblem && (user === undefined || group === undefined)) return { status: 'warn', evidence: `${shown} (owner not named: ${idProblem.file}: ${idProblem.message})`, location: { file: idProblem.file } };
    if (!facts.users) return { status: 'manual', evidence: `${f.path} ${f.uid}:${f.gid} (no /etc/passwd to name the owner)`, location: { file: f.path } };
    return { status: 'fail', evidence: shown, location: { file: f.path } };
  },
};

/** The etcd CA is its own, not the cluster CA that signs API clients. */
const etcdUniqueCa: CheckDefinition = {
  id: '2.7',
  title: 'etcd trusts its own certificate authority, not the cluster CA',
  component: 'etcd',
  remediation: 'Create a CA for etcd alone and point etcd --trusted-ca-file (and the API server --etcd-cafile) at it',
  check(facts) {
    const e = facts.components.etcd;
    if (!e) return unusableManifest(facts, 'etcd');
    const problem = componentProblem(e);
    if (problem) return problem;
    const ca = e.flags['trusted-ca-file'];
    const evidence = `${e.source}: ${describeFlag(e, 'trusted-ca-file')}`;
    if (!ca) return { status: 'fail', evidence, location: flagLocation(e, ['trusted-ca-file']) };
    const api = facts.components.apiserver;
    const clientCa = api?.flags['client-ca-file'];
    if (!clientCa) return { status: 'manual', evidence: `${evidence} (the API server's --client-ca-file is not on this node to compare)`, location: flagLocation(e, ['trusted-ca-file']) };
    return { status: clientCa === ca ? 'fail' : 'pass', evidence: `${evidence}; ${api!.source}: --client-ca-file=${clientCa}`, location: flagLocation(e, ['trusted-ca-file']) };
  },
};

const manifest = (component: Exclude<Component, 'kubelet'>) => (facts: NodeFacts): string[] => [facts.manifests[component]];
const kubeconfigs = (kind: keyof NonNullable<NodeFacts['kubeconfigs']>, fallback: string[]) => (facts: NodeFacts): string[] => facts.kubeconfigs?.[kind] ?? fallback;
const kubeletKubeconfig = (facts: NodeFacts): string[] => facts.kubeconfigs?.kubelet ?? [facts.components.kubelet?.flags.kubeconfig ?? '/etc/kubernetes/kubelet.conf'];
const kubeletConfigPaths = (facts: NodeFacts): string[] => configFiles(facts).map((f) => f.path);
const pkiCerts = (f: NodeFacts): string[] => f.pkiFiles.filter((p) => !p.endsWith('.key'));
const pkiKeys = (f: NodeFacts): string[] => f.pkiFiles.filter((p) => p.endsWith('.key'));
const pkiDirs = (f: NodeFacts): string[] => [f.pkiDir];
const kubeletUnitDirs = (): string[] => KUBELET_UNIT_DIRS.map((d) => `${d}/kubelet.service.d`);
const kubeletConfigDir = (f: NodeFacts): string[] => (f.kubeletConfigDirProblem ? [f.kubeletConfigDirProblem.path] : []);

const apiserver = (id: string, title: string, name: string | string[], judge: FlagsJudge, fix: string): CheckDefinition => flag('apiserver', id, title, name, judge, fix);
const manager = (id: string, title: string, name: string | string[], judge: FlagsJudge, fix: string): CheckDefinition => flag('controller-manager', id, title, name, judge, fix);
const scheduler = (id: string, title: string, name: string, judge: FlagsJudge, fix: string): CheckDefinition => flag('scheduler', id, title, name, judge, fix);
const etcd = (id: string, title: string, name: string | string[], judge: FlagsJudge, fix: string): CheckDefinition => flag('etcd', id, title, name, judge, fix);

const PLUGINS = ['enable-admission-plugins', 'disable-admission-plugins'];

export const NODE_CHECKS: CheckDefinition[] = [
  // 1.1 control-plane files
  fileMode('1.1.1', 'API server pod manifest permissions are 600 or stricter', manifest('apiserver'), 0o600),
  fileOwner('1.1.2', 'API server pod manifest is owned by root:root', manifest('apiserver')),
  fileMode('1.1.3', 'Controller manager pod manifest permissions are 600 or stricter', manifest('controller-manager'), 0o600),
  fileOwner('1.1.4', 'Controller manager pod manifest is owned by root:root', manifest('controller-manager')),
  fileMode('1.1.5', 'Scheduler pod manifest permissions are 600 or stricter', manifest('scheduler'), 0o600),
  fileOwner('1.1.6', 'Scheduler pod manifest is owned by root:root', manifest('scheduler')),
  fileMode('1.1.7', 'etcd pod manifest permissions are 600 or stricter', manifest('etcd'), 0o600),
  fileOwner('1.1.8', 'etcd pod manifest is owned by root:root', manifest('etcd')),
  fileMode('1.1.9', 'CNI configuration file permissions are 600 or stricter', (f) => f.cniFiles ?? [], 0o600, () => CNI_DIRS),
  fileOwner('1.1.10', 'CNI configuration files are owned by root:root', (f) => f.cniFiles ?? [], () => CNI_DIRS),
  etcdDataDirCheck(fileMode('1.1.11', 'etcd data directory permissions are 700 or stricter', (f) => (f.etcdDataDir ? [f.etcdDataDir] : []), 0o700)),
  etcdDataDirCheck(etcdDataOwner),
  fileMode('1.1.13', 'Admin kubeconfigs (admin.conf, super-admin.conf) permissions are 600 or stricter', kubeconfigs('admin', [KUBECONFIGS[0], KUBECONFIGS[1]]), 0o600),
  fileOwner('1.1.14', 'Admin kubeconfigs (admin.conf, super-admin.conf) are owned by root:root', kubeconfigs('admin', [KUBECONFIGS[0], KUBECONFIGS[1]])),
  fileMode('1.1.15', 'Scheduler kubeconfig permissions are 600 or stricter', kubeconfigs('scheduler', ['/etc/kubernetes/scheduler.conf']), 0o600),
  fileOwner('1.1.16', 'Scheduler kubeconfig is owned by root:root', kubeconfigs('scheduler', ['/etc/kubernetes/scheduler.conf'])),
  fileMode('1.1.17', 'Controller manager kubeconfig permissions are 600 or stricter', kubeconfigs('controllerManager', ['/etc/kubernetes/controller-manager.conf']), 0o600),
  fileOwner('1.1.18', 'Controller manager kubeconfig is owned by root:root', kubeconfigs('controllerManager', ['/etc/kubernetes/controller-manager.conf'])),
  fileOwner('1.1.19', 'The PKI directory and its files are owned by root:root', (f) => [f.pkiDir, ...f.pkiFiles], pkiDirs),
  certMode('1.1.20', 'PKI certificate file permissions are 600 or stricter', pkiCerts, pkiDirs),
  fileMode('1.1.21', 'PKI key file permissions are 600', pkiKeys, 0o600, pkiDirs),

  // 1.2 API server
  apiserver('1.2.1', '--anonymous-auth is false', 'anonymous-auth', one(is('false', 'fail', 'true')), 'set --anonymous-auth=false'),
  apiserver('1.2.2', '--token-auth-file is not set', 'token-auth-file', one(notSet), 'remove --token-auth-file and use certificates, OIDC or webhook token authentication'),
  apiserver('1.2.3', 'DenyServiceExternalIPs admission plugin is enabled', PLUGINS, pluginEnabled('DenyServiceExternalIPs', 'enable it unless Services need spec.externalIPs'), 'add DenyServiceExternalIPs to --enable-admission-plugins'),
  apiserver('1.2.4', '--kubelet-client-certificate and --kubelet-client-key are set', ['kubelet-client-certificate', 'kubelet-client-key'], allSet, "set --kubelet-client-certificate and --kubelet-client-key to the API server's kubelet client certificate and key"),
  apiserver('1.2.5', '--kubelet-certificate-authority is set', 'kubelet-certificate-authority', one(set), 'set --kubelet-certificate-authority to the CA that signs kubelet serving certificates'),
  apiserver('1.2.6', '--authorization-mode does not include AlwaysAllow', 'authorization-mode', authorization((v) => (v === undefined ? { status: 'fail', note: 'default AlwaysAllow' } : listOf(v).includes('AlwaysAllow') ? 'fail' : 'pass')), 'set --authorization-mode=Node,RBAC'),
  apiserver('1.2.7', '--authorization-mode includes Node', 'authorization-mode', authorization((v) => (listOf(v).includes('Node') ? 'pass' : 'fail')), 'add Node to --authorization-mode'),
  apiserver('1.2.8', '--authorization-mode includes RBAC', 'authorization-mode', authorization((v) => (listOf(v).includes('RBAC') ? 'pass' : 'fail')), 'add RBAC to --authorization-mode'),
  apiserver('1.2.9', 'EventRateLimit admission plugin is enabled', PLUGINS, pluginEnabled('EventRateLimit', 'it needs limits chosen for the cluster in --admission-control-config-file'), 'add EventRateLimit to --enable-admission-plugins and configure its limits in --admission-control-config-file'),
  apiserver('1.2.10', 'AlwaysAdmit admission plugin is not enabled', 'enable-admission-plugins', one((v) => (listOf(v).includes('AlwaysAdmit') ? 'fail' : 'pass')), 'remove AlwaysAdmit from --enable-admission-plugins'),
  apiserver('1.2.11', 'AlwaysPullImages admission plugin is enabled', PLUGINS, pluginEnabled('AlwaysPullImages', 'it suits multi-tenant clusters that can always reach their registry'), 'add AlwaysPullImages to --enable-admission-plugins'),
  apiserver('1.2.12', 'Pod security is enforced at admission (SecurityContextDeny where PodSecurityPolicy is not used)', PLUGINS, (v, c) => {
    const enabled = listOf(v[0]);
    if (enabled.includes('SecurityContextDeny') || enabled.includes('PodSecurityPolicy')) return 'pass';
    const minor = kubernetesMinor(c.image);
    if (listOf(v[1]).includes('PodSecurity')) return { status: 'fail', note: 'the PodSecurity admission plugin is disabled' };
    // Both plugins are gone (PodSecurityPolicy in v1.25, SecurityContextDeny in v1.30); PodSecurity replaces them and is on by default since v1.23.
    if (minor !== undefined && minor >= 25) return { status: 'pass', note: `PodSecurity admission is on by default in v1.${minor}; namespaces still need their pod-security.kubernetes.io labels` };
    return { status: 'manual', note: 'neither SecurityContextDeny nor PodSecurityPolicy is enabled; check that PodSecurity admission or a policy engine enforces pod security' };
  }, 'enforce Pod Security Admission (pod-security.kubernetes.io namespace labels); before v1.25 enable PodSecurityPolicy or SecurityContextDeny'),
  apiserver('1.2.13', 'ServiceAccount admission plugin is not disabled', 'disable-admission-plugins', one(notDisabled('ServiceAccount')), 'remove ServiceAccount from --disable-admission-plugins'),
  apiserver('1.2.14', 'NamespaceLifecycle admission plugin is not disabled', 'disable-admission-plugins', one(notDisabled('NamespaceLifecycle')), 'remove NamespaceLifecycle from --disable-admission-plugins'),
  apiserver('1.2.15', 'NodeRestriction admission plugin is enabled', PLUGINS, (v) => (listOf(v[0]).includes('NodeRestriction') && !listOf(v[1]).includes('NodeRestriction') ? 'pass' : 'fail'), 'add NodeRestriction to --enable-admission-plugins'),
  apiserver('1.2.16', '--profiling is false', 'profiling', one(is('false', 'fail', 'true')), 'set --profiling=false'),
  apiserver('1.2.17', '--audit-log-path is set', 'audit-log-path', one(set), 'set --audit-log-path to a file (and --audit-policy-file)'),
  apiserver('1.2.18', '--audit-log-maxage is 30 or more', 'audit-log-maxage', one((v) => (Number(v) >= 30 ? 'pass' : 'fail')), 'set --audit-log-maxage=30 (days)'),
  apiserver('1.2.19', '--audit-log-maxbackup is 10 or more', 'audit-log-maxbackup', one((v) => (Number(v) >= 10 ? 'pass' : 'fail')), 'set --audit-log-maxbackup=10'),
  apiserver('1.2.20', '--audit-log-maxsize is 100 or more', 'audit-log-maxsize', one((v) => (Number(v) >= 100 ? 'pass' : 'fail')), 'set --audit-log-maxsize=100 (MB)'),
  apiserver('1.2.21', '--request-timeout is sane if set', 'request-timeout', one((v) => {
    if (v === undefined) return { status: 'pass', note: 'default 60s' };
    const s = parseDuration(v);
    return Number.isNaN(s) ? 'warn' : s > 0 && s <= 3600 ? 'pass' : 'fail';
  }), 'leave --request-timeout unset (60s) or set it between 1s and 1h'),
  apiserver('1.2.22', '--service-account-lookup is not false', 'service-account-lookup', one(isNot('false', 'true')), 'remove --service-account-lookup=false (the default is true)'),
  apiserver('1.2.23', '--service-account-key-file is set', 'service-account-key-file', one(set), 'set --service-account-key-file to the service account public key'),
  apiserver('1.2.24', '--etcd-certfile and --etcd-keyfile are set', ['etcd-certfile', 'etcd-keyfile'], allSet, "set --etcd-certfile and --etcd-keyfile to the API server's etcd client certificate and key"),
  apiserver('1.2.25', '--tls-cert-file and --tls-private-key-file are set', ['tls-cert-file', 'tls-private-key-file'], allSet, 'set --tls-cert-file and --tls-private-key-file'),
  apiserver('1.2.26', '--client-ca-file is set', 'client-ca-file', one(set), 'set --client-ca-file'),
  apiserver('1.2.27', '--etcd-cafile is set', 'etcd-cafile', one(set), 'set --etcd-cafile to the etcd CA'),
  {
    ...apiserver('1.2.28', '--encryption-provider-config is set', 'encryption-provider-config', (v, c) => (v[0] ? 'pass' : c.managedBy === 'k3s' ? { status: 'fail', note: 'k3s writes one only with secrets-encryption: true, which is off by default' } : 'fail'), 'write an EncryptionConfiguration and point --encryption-provider-config at it'),
    remediationFor: (facts) => (facts.components.apiserver?.managedBy === 'k3s' ? 'In /etc/rancher/k3s/config.yaml set secrets-encryption: true (k3s then writes the EncryptionConfiguration), restart k3s, then run k3s secrets-encrypt reencrypt' : undefined),
  },
  {
    id: '1.2.29',
    title: 'Secrets are encrypted at rest with aescbc, kms or secretbox as the first provider',
    component: 'API server',
    remediation: 'In the EncryptionConfiguration, list kms (v2), aescbc or secretbox before identity for secrets, then rewrite all secrets',
    remediationFor: (facts) => (facts.components.apiserver?.managedBy === 'k3s' ? 'Set secrets-encryption: true in /etc/rancher/k3s/config.yaml (k3s uses aescbc by default; secrets-encryption-provider picks another), restart k3s, then run k3s secrets-encrypt reencrypt' : undefined),
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
      const problem = componentProblem(c);
      if (problem) return problem;
      const location = flagLocation(c, ['insecure-port']);
      const v = c.flags['insecure-port'];
      if (v !== undefined) return { status: v === '0' ? 'pass' : 'fail', evidence: `${c.source}: ${describeFlag(c, 'insecure-port')}`, location };
      const minor = kubernetesMinor(c.image);
      if (minor === undefined) return { status: 'pass', evidence: `${c.source}: --insecure-port not set (off by default since v1.20; version unknown)`, location };
      return minor >= 20
        ? { status: 'pass', evidence: `${c.source}: --insecure-port not set (off by default since v1.20; image ${c.image})`, location }
        : { status: 'fail', evidence: `${c.source}: --insecure-port not set (default 8080 before v1.20; image ${c.image})`, location };
    },
  },

  // 1.3 controller manager
  manager('1.3.1', '--terminated-pod-gc-threshold is set', 'terminated-pod-gc-threshold', one((v) => (v !== undefined && Number(v) > 0 ? 'pass' : { status: 'manual', note: 'default 12500 terminated pods kept; choose a threshold for the cluster' })), 'set --terminated-pod-gc-threshold to a threshold that fits the cluster, e.g. 10'),
  manager('1.3.2', '--profiling is false', 'profiling', one(is('false', 'fail', 'true')), 'set --profiling=false'),
  manager('1.3.3', '--use-service-account-credentials is true', 'use-service-account-credentials', one(is('true', 'fail', 'false')), 'set --use-service-account-credentials=true'),
  manager('1.3.4', '--service-account-private-key-file is set', 'service-account-private-key-file', one(set), 'set --service-account-private-key-file'),
  manager('1.3.5', '--root-ca-file is set', 'root-ca-file', one(set), 'set --root-ca-file to the cluster CA'),
  manager('1.3.6', 'RotateKubeletServerCertificate feature gate is not turned off', 'feature-gates', one((v) => (gateOff(v, 'RotateKubeletServerCertificate') ? 'fail' : v === undefined ? { status: 'pass', note: 'on by default' } : 'pass')), 'remove RotateKubeletServerCertificate=false from --feature-gates'),
  manager('1.3.7', '--bind-address is 127.0.0.1', 'bind-address', one(is('127.0.0.1', 'fail', '0.0.0.0: all interfaces')), 'set --bind-address=127.0.0.1'),

  // 1.4 scheduler
  scheduler('1.4.1', '--profiling is false', 'profiling', one(is('false', 'fail', 'true')), 'set --profiling=false'),
  scheduler('1.4.2', '--bind-address is 127.0.0.1', 'bind-address', one(is('127.0.0.1', 'fail', '0.0.0.0: all interfaces')), 'set --bind-address=127.0.0.1'),

  // 2 etcd
  etcd('2.1', '--cert-file and --key-file are set', ['cert-file', 'key-file'], allSet, 'set --cert-file and --key-file'),
  etcd('2.2', '--client-cert-auth is true', 'client-cert-auth', one(is('true', 'fail', 'false')), 'set --client-cert-auth=true'),
  etcd('2.3', '--auto-tls is not true', 'auto-tls', one(isNot('true')), 'remove --auto-tls or set it to false'),
  etcd('2.4', '--peer-cert-file and --peer-key-file are set', ['peer-cert-file', 'peer-key-file'], allSet, 'set --peer-cert-file and --peer-key-file'),
  etcd('2.5', '--peer-client-cert-auth is true', 'peer-client-cert-auth', one(is('true', 'fail', 'false')), 'set --peer-client-cert-auth=true'),
  etcd('2.6', '--peer-auto-tls is not true', 'peer-auto-tls', one(isNot('true')), 'remove --peer-auto-tls or set it to false'),
  etcdUniqueCa,

  // 4.1 worker files
  fileMode('4.1.1', 'kubelet service file permissions are 600 or stricter', (f) => f.kubeletServiceFiles ?? [], 0o600, kubeletUnitDirs),
  fileOwner('4.1.2', 'kubelet service file is owned by root:root', (f) => f.kubeletServiceFiles ?? [], kubeletUnitDirs),
  fileMode('4.1.3', 'kube-proxy kubeconfig permissions are 600 or stricter', kubeconfigs('proxy', []), 0o600),
  fileOwner('4.1.4', 'kube-proxy kubeconfig is owned by root:root', kubeconfigs('proxy', [])),
  fileMode('4.1.5', 'kubelet kubeconfig (kubelet.conf) permissions are 600 or stricter', kubeletKubeconfig, 0o600),
  fileOwner('4.1.6', 'kubelet kubeconfig (kubelet.conf) is owned by root:root', kubeletKubeconfig),
  certMode('4.1.7', "kubelet's client CA file permissions are 600 or stricter", (f) => (f.kubeletClientCaFile ? [f.kubeletClientCaFile] : [])),
  fileOwner('4.1.8', "kubelet's client CA file is owned by root:root", (f) => (f.kubeletClientCaFile ? [f.kubeletClientCaFile] : [])),
  fileMode('4.1.9', 'kubelet config file permissions are 600 or stricter', kubeletConfigPaths, 0o600, kubeletConfigDir),
  fileOwner('4.1.10', 'kubelet config file is owned by root:root', kubeletConfigPaths, kubeletConfigDir),

  // 4.2 kubelet
  kubelet('4.2.1', 'Anonymous authentication is off', { flag: 'anonymous-auth', field: ['authentication', 'anonymous', 'enabled'], configDefault: false, flagDefault: true, distroFix: 'anonymous-auth=false' }, (v) => (truthy(v) ? 'fail' : 'pass'), 'set authentication.anonymous.enabled: false (or --anonymous-auth=false)'),
  kubelet('4.2.2', 'Authorization mode is Webhook, not AlwaysAllow', { flag: 'authorization-mode', field: ['authorization', 'mode'], configDefault: 'Webhook', flagDefault: 'AlwaysAllow', distroFix: 'authorization-mode=Webhook' }, (v) => (v === 'Webhook' ? 'pass' : 'fail'), 'set authorization.mode: Webhook (or --authorization-mode=Webhook)'),
  kubelet('4.2.3', 'A client CA file is set', { flag: 'client-ca-file', field: ['authentication', 'x509', 'clientCAFile'], configDefault: undefined, flagDefault: undefined, distroFix: 'client-ca-file=<path to the cluster CA>' }, (v) => (typeof v === 'string' && v !== '' ? 'pass' : 'fail'), 'set authentication.x509.clientCAFile (or --client-ca-file)'),
  kubelet('4.2.4', 'The read-only port is 0', { flag: 'read-only-port', field: ['readOnlyPort'], configDefault: 0, flagDefault: 10255, distroFix: 'read-only-port=0' }, (v) => (Number(v) === 0 ? 'pass' : 'fail'), 'set readOnlyPort: 0 (or --read-only-port=0)'),
  kubelet('4.2.5', 'Streaming connection idle timeout is not 0', { flag: 'streaming-connection-idle-timeout', field: ['streamingConnectionIdleTimeout'], configDefault: '4h0m0s', flagDefault: '4h0m0s', distroFix: 'streaming-connection-idle-timeout=5m' }, (v) => {
    const s = parseDuration(String(v));
    return Number.isNaN(s) ? 'warn' : s === 0 ? 'fail' : 'pass';
  }, 'set streamingConnectionIdleTimeout to a non-zero duration such as 5m'),
  kubelet('4.2.6', 'The kubelet manages its iptables chains (makeIPTablesUtilChains)', { flag: 'make-iptables-util-chains', field: ['makeIPTablesUtilChains'], configDefault: true, flagDefault: true, distroFix: 'make-iptables-util-chains=true' }, (v) => (truthy(v) ? 'pass' : 'fail'), 'remove makeIPTablesUtilChains: false (or --make-iptables-util-chains=false); the default is true'),
  kubeletFlagOnly('4.2.7', '--hostname-override is not set', 'hostname-override', (v, c) => (v === undefined ? 'pass' : { status: 'manual', note: c.origins?.['hostname-override']?.defaultOf ? 'set so the node name matches what cloud providers expect; the benchmark accepts that' : 'review: the node name and its TLS certificates must still match' }), 'remove --hostname-override from the kubelet command line unless the cloud provider needs it', 'remove hostname-override from kubelet-arg'),
  kubelet('4.2.8', 'eventRecordQPS is 0 or more', { flag: 'event-qps', field: ['eventRecordQPS'], configDefault: 50, flagDefault: 50, distroFix: 'event-qps=<events per second, 0 for no limit>' }, (v) => {
    const n = Number(v);
    return Number.isNaN(n) ? 'warn' : n >= 0 ? 'pass' : 'fail';
  }, 'set eventRecordQPS to a level that captures the events you need (0 means no limit)'),
  {
    id: '4.2.9',
    title: 'The kubelet serves TLS with a managed certificate (tlsCertFile/tlsPrivateKeyFile or serverTLSBootstrap)',
    component: 'kubelet',
    remediation: 'set tlsCertFile and tlsPrivateKeyFile (or --tls-cert-file/--tls-private-key-file), or serverTLSBootstrap: true with the kubelet serving CSRs approved',
    remediationFor: (facts) => kubeletRemediation(facts, 'tls-cert-file=<path> and tls-private-key-file=<path>'),
    check(facts) {
      if (!hasKubelet(facts)) return undefined;
      const unusable = unusableKubeletSettings(facts);
      if (unusable) return unusable;
      const cert = kubeletSetting(facts, 'tls-cert-file', ['tlsCertFile']);
      const key = kubeletSetting(facts, 'tls-private-key-file', ['tlsPrivateKeyFile']);
      const bootstrap = kubeletSetting(facts, 'rotate-server-certificates', ['serverTLSBootstrap']);
      const where = (s: ReturnType<typeof kubeletSetting>, what: string): string => (s ? `${what}=${String(s.value)} (${s.origin.defaultOf ? `default of ${DISTRO_NAMES[s.origin.defaultOf]}` : s.origin.file})` : `${what} not set`);
      const evidence = `${where(cert, 'tls-cert-file')}, ${where(key, 'tls-private-key-file')}, ${where(bootstrap, 'serverTLSBootstrap')}`;
      const location = [cert, key, bootstrap].map((s) => s?.origin).find((o) => o?.file && !o.defaultOf);
      const loc = location ? { file: location.file!, line: location.line } : undefined;
      if (cert && key && cert.value !== '' && key.value !== '') return { status: 'pass', evidence, location: loc };
      if (bootstrap && truthy(bootstrap.value)) return { status: 'pass', evidence, location: loc };
      return { status: 'fail', evidence: `${evidence} (the kubelet serves a self-signed certificate)`, location: loc ?? (configFiles(facts)[0] ? { file: configFiles(facts)[0].path } : undefined) };
    },
  },
  kubelet('4.2.10', 'Client certificate rotation is on (--rotate-certificates not false)', {
    flag: 'rotate-certificates',
    field: ['rotateCertificates'],
    configDefault: false,
    flagDefault: false,
    distroFix: 'rotate-certificates=true',
    distroUnset: (d) => ({ status: 'manual', note: `${DISTRO_NAMES[d]} does not set it, so the kubelet's own default (false) applies, and ${DISTRO_NAMES[d]} issues the kubelet's client certificate itself: check how it is renewed` }),
  }, (v) => (truthy(v) ? 'pass' : 'fail'), 'set rotateCertificates: true (or --rotate-certificates)'),
  {
    id: '4.2.11',
    title: 'Serving certificates rotate (RotateKubeletServerCertificate on, serverTLSBootstrap true)',
    component: 'kubelet',
    remediation: 'leave the RotateKubeletServerCertificate feature gate on, set serverTLSBootstrap: true (or --rotate-server-certificates) and approve the kubelet serving CSRs',
    remediationFor: (facts) => kubeletRemediation(facts, 'rotate-server-certificates=true'),
    check(facts) {
      if (!hasKubelet(facts)) return undefined;
      const unusable = unusableKubeletSettings(facts);
      if (unusable) return unusable;
      const c = facts.components.kubelet;
      const flagGates = c?.flags['feature-gates'];
      const fileGate = kubeletSetting({ ...facts, components: {} }, 'feature-gates', ['featureGates', 'RotateKubeletServerCertificate']);
      // A gate given on the command line wins over the same gate in the file; others in the file still count.
      const onCommandLine = listOf(flagGates).some((g) => g.split('=')[0].trim() === 'RotateKubeletServerCertificate');
      const off = gateOff(flagGates, 'RotateKubeletServerCertificate') || (!onCommandLine && fileGate !== undefined && !truthy(fileGate.value));
      const bootstrap = kubeletSetting(facts, 'rotate-server-certificates', ['serverTLSBootstrap']);
      const gateText = off ? 'RotateKubeletServerCertificate=false' : 'RotateKubeletServerCertificate on (the default)';
      const shown = `${gateText}, serverTLSBootstrap ${bootstrap ? `${String(bootstrap.value)} (${bootstrap.origin.file})` : 'not set (default false)'}`;
      const loc = bootstrap?.origin.file ? { file: bootstrap.origin.file, line: bootstrap.origin.line } : fileGate?.origin.file ? { file: fileGate.origin.file, line: fileGate.origin.line } : c?.source.startsWith('/') ? { file: c.source } : configFiles(facts)[0] ? { file: configFiles(facts)[0].path } : undefined;
      if (off) return { status: 'fail', evidence: shown, location: loc };
      if (bootstrap && truthy(bootstrap.value)) return { status: 'pass', evidence: shown, location: loc };
      const managed = kubeletSetting(facts, 'tls-cert-file', ['tlsCertFile']);
      const note = managed ? `the serving certificate is ${managed.origin.defaultOf ? `provided by ${DISTRO_NAMES[managed.origin.defaultOf]}` : `the file ${String(managed.value)}`}: check how it is renewed` : 'the kubelet serves a self-signed certificate it never rotates';
      return { status: 'manual', evidence: `${shown} (${note})`, location: loc };
    },
  },
  kubelet('4.2.12', 'Only strong TLS cipher suites', { flag: 'tls-cipher-suites', field: ['tlsCipherSuites'], configDefault: undefined, flagDefault: undefined, distroFix: 'tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,...' }, (v) => strongCiphers(v === undefined ? undefined : Array.isArray(v) ? v.join(',') : String(v)), 'set tlsCipherSuites to ECDHE AES-GCM / ChaCha20-Poly1305 suites only'),
  kubelet('4.2.13', 'A limit is set on the number of PIDs per pod', { flag: 'pod-max-pids', field: ['podPidsLimit'], configDefault: -1, flagDefault: -1, distroFix: 'pod-max-pids=<limit, e.g. 4096>' }, (v) => {
    const n = Number(v);
    return Number.isNaN(n) ? 'warn' : n > 0 ? 'pass' : 'fail';
  }, 'set podPidsLimit (or --pod-max-pids) to a limit that fits the workloads, e.g. 4096'),
  kubelet('4.2.tls-min-version', 'TLS minimum version is 1.2 or later', { flag: 'tls-min-version', field: ['tlsMinVersion'], configDefault: undefined, flagDefault: undefined, distroFix: 'tls-min-version=VersionTLS12' }, (v) => tlsMinVersion(v === undefined ? undefined : String(v)), 'set tlsMinVersion: VersionTLS12 or leave it unset'),
  kubelet('4.2.protect-kernel-defaults', 'Kernel defaults are protected (protectKernelDefaults)', { flag: 'protect-kernel-defaults', field: ['protectKernelDefaults'], configDefault: false, flagDefault: false, distroFix: 'protect-kernel-defaults=true (k3s and RKE2 also take protect-kernel-defaults: true at the top level)' }, (v) => (truthy(v) ? 'pass' : 'fail'), 'set protectKernelDefaults: true (after setting the kernel parameters the kubelet expects)'),
];

/** Runs every check that applies to this node, in table order. */
export function runNodeChecks(facts: NodeFacts): CheckResult[] {
  const results: CheckResult[] = [];
  for (const def of NODE_CHECKS) {
    const outcome = def.check(facts);
    if (!outcome) continue;
    const result: CheckResult = { id: def.id, title: def.title, component: def.component, status: outcome.status, evidence: outcome.evidence, remediation: def.remediationFor?.(facts) ?? def.remediation };
    if (outcome.location) result.location = outcome.location;
    results.push(result);
  }
  return results;
}

export function summarize(results: CheckResult[]): Record<CheckStatus, number> {
  const counts: Record<CheckStatus, number> = { pass: 0, fail: 0, warn: 0, manual: 0 };
  for (const r of results) counts[r.status]++;
  return counts;
}

/** Status order for `--fail-on`: a run fails on results at or above the threshold. */
export const STATUS_RANK: Record<CheckStatus, number> = { pass: 0, manual: 1, warn: 2, fail: 3 };
