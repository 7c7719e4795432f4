/**
 * A node's own files, read under a root directory (`/` on the node, a copied tree in tests):
 * control-plane static pod manifests, component command lines from /proc, the kubelet's
 * command line from its systemd units, its configuration file and drop-ins, k3s/RKE2
 * configuration, the EncryptionConfiguration, and the modes and owners of the sensitive files.
 * Nothing here throws on bad input: a missing, oversized or malformed file becomes a fact
 * (`error`) that the checks report as warn or manual.
 *
 * Every flag value keeps its origin (file, line, key, or "default of k3s"), so the checks can
 * say where a value came from and the SARIF report can point at the line to change.
 */
import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { escapePointerToken, locateOffset, parseYamlStream, type LineIndex } from './yaml.js';
import {
  CONFIG_FILE, DATA_DIR, DISTRO_NAMES, ENCRYPTION_CONFIG, K3S_EMBEDDED_ETCD_CLIENT, WRITTEN_KUBECONFIG, ARG_KEYS,
  componentArgs, distroFlags, mergeConfigFiles, optionTrue, optionValue, parseDistroArgs, withDataDir,
  type Datastore, type Distro, type DistroProcess, type MergedConfig,
} from './rancher.js';
import { kubeletCommand, type UnitText } from './systemd.js';

/** Configuration files are small; anything larger than this is not what we are looking for. */
export const MAX_NODE_FILE_BYTES = 1024 * 1024;
/** A /proc tree with more entries than this is not a real one; stop rather than wander. */
const MAX_PROC_ENTRIES = 100_000;
const MAX_PKI_FILES = 1000;
const MAX_DIR_FILES = 200;

export type Component = 'apiserver' | 'controller-manager' | 'scheduler' | 'etcd' | 'kubelet';

/** Static pod manifest directories: kubeadm's, and RKE2's (which writes full manifests for its components). */
export const MANIFEST_DIRS = { kubeadm: '/etc/kubernetes/manifests', rke2: '/var/lib/rancher/rke2/agent/pod-manifests' } as const;
export const PKI_DIRS = { kubeadm: '/etc/kubernetes/pki', rke2: '/var/lib/rancher/rke2/server/tls', k3s: '/var/lib/rancher/k3s/server/tls' } as const;

export const CONTROL_PLANE: { component: Exclude<Component, 'kubelet'>; binary: string; file: string }[] = [
  { component: 'apiserver', binary: 'kube-apiserver', file: 'kube-apiserver.yaml' },
  { component: 'controller-manager', binary: 'kube-controller-manager', file: 'kube-controller-manager.yaml' },
  { component: 'scheduler', binary: 'kube-scheduler', file: 'kube-scheduler.yaml' },
  { component: 'etcd', binary: 'etcd', file: 'etcd.yaml' },
];

export const KUBECONFIGS = ['/etc/kubernetes/admin.conf', '/etc/kubernetes/super-admin.conf', '/etc/kubernetes/controller-manager.conf', '/etc/kubernetes/scheduler.conf', '/etc/kubernetes/kubelet.conf'];
export const DEFAULT_KUBELET_CONFIG = '/var/lib/kubelet/config.yaml';

/** Where distribution packages put the kubelet's systemd unit and drop-ins; /etc overrides /usr/lib and /lib. */
export const KUBELET_UNIT_DIRS = ['/etc/systemd/system', '/run/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system'];
/** CNI configuration directories (kubelet/containerd default, and k3s/RKE2's own). */
const CNI_DIRS = ['/etc/cni/net.d', '/var/lib/rancher/k3s/agent/etc/cni/net.d', '/var/lib/rancher/rke2/agent/etc/cni/net.d'];

/** Pflag boolean flags: `--profiling false` does NOT set profiling to false (the value is a stray argument). */
const BOOLEAN_FLAGS = new Set([
  'anonymous-auth', 'profiling', 'service-account-lookup', 'use-service-account-credentials', 'client-cert-auth',
  'peer-client-cert-auth', 'auto-tls', 'peer-auto-tls', 'protect-kernel-defaults', 'rotate-certificates',
  'allow-privileged', 'make-iptables-util-chains', 'enable-debugging-handlers', 'rotate-server-certificates',
  'enable-server', 'logtostderr', 'v-module', 'leader-elect', 'authorization-always-allow-paths-enabled',
]);

export interface FileFacts {
  /** The path on the node (not including --root). */
  path: string;
  exists: boolean;
  isDirectory?: boolean;
  /** Permission bits only (mode & 0o777). */
  mode?: number;
  uid?: number;
  gid?: number;
  error?: string;
}

/** Where a flag's value came from. */
export interface FlagOrigin {
  /** Node path of the file that sets it: a manifest, config file, unit, environment file or /proc entry. */
  file?: string;
  /** 1-based line in that file, when known. */
  line?: number;
  /** The key or variable inside the file (`kube-apiserver-arg`, `KUBELET_KUBEADM_ARGS`, `client-transport-security.cert-file`). */
  via?: string;
  /** Written nowhere: the distribution sets it by itself (see DISTRO_DEFAULTS in rancher.ts). */
  defaultOf?: Distro;
}

export interface ComponentFacts {
  component: Component;
  /** Where the flags came from: a manifest path, /proc/PID/cmdline, a unit file or a k3s/RKE2 config file. */
  source: string;
  flags: Record<string, string>;
  /** The container image of a static pod (its tag usually carries the Kubernetes version). */
  image?: string;
  /** The source exists but could not be read or understood. */
  error?: string;
  /** Origin of each flag, when more precise than `source`. */
  origins?: Record<string, FlagOrigin>;
  /** Flags that do not apply on this node, with the reason (k3s on SQLite has no etcd client). */
  notApplicable?: Record<string, string>;
  /** Flags whose value the node's files cannot tell, with what is known. */
  unknown?: Record<string, string>;
  /** The distribution that starts this component with defaults of its own. */
  managedBy?: Distro;
}

export interface ParsedFile {
  path: string;
  data?: unknown;
  error?: string;
  /** JSON Pointer of each parsed node -> its 1-based line. */
  lines?: Record<string, number>;
}

/** `processes`: control-plane components run as host processes (systemd services), no static pod manifests. */
export type Layout = 'kubeadm' | 'k3s' | 'rke2' | 'processes' | 'worker' | 'unknown';

export interface Detected {
  layout: Layout;
  /** Components found, with where their settings came from. */
  components: Partial<Record<Component, string>>;
  /** Well-known paths that decided the layout. */
  evidence: string[];
  /** k3s/RKE2: a server (control plane) or an agent. */
  role?: 'server' | 'agent';
  /** k3s: where the cluster state lives (embedded etcd, SQLite through kine, or an external datastore). */
  datastore?: Datastore;
  /** k3s/RKE2 configuration files read, in load order. */
  configFiles?: string[];
}

export interface KubeconfigPaths {
  admin: string[];
  scheduler: string[];
  controllerManager: string[];
  kubelet: string[];
  proxy: string[];
}

export interface NodeFacts {
  root: string;
  detected: Detected;
  components: Partial<Record<Component, ComponentFacts>>;
  /** The static pod manifest path of each control-plane component (whether or not it exists). */
  manifests: Record<Exclude<Component, 'kubelet'>, string>;
  pkiDir: string;
  /** Manifests that exist but could not be used (no component facts then). */
  manifestProblems: ParsedFile[];
  kubeletConfig?: ParsedFile;
  encryptionConfig?: ParsedFile;
  /** Stat of every file a check judges, keyed by node path. */
  files: Record<string, FileFacts>;
  pkiFiles: string[];
  /** Kubelet configuration drop-ins (`--config-dir`), in merge order: later files win field by field. */
  kubeletConfigDropIns?: ParsedFile[];
  /** Kubeconfig paths of this layout (kubeadm's when absent). */
  kubeconfigs?: KubeconfigPaths;
  /** The kubelet's systemd unit and drop-ins that exist. */
  kubeletServiceFiles?: string[];
  /** The CA file the kubelet verifies client certificates with. */
  kubeletClientCaFile?: string;
  etcdDataDir?: string;
  /** uid -> user name and gid -> group name from the node's /etc/passwd and /etc/group. */
  users?: Record<number, string>;
  groups?: Record<number, string>;
  /** CNI configuration files. */
  cniFiles?: string[];
  /** k3s/RKE2 configuration files that could not be used. */
  configProblems?: ParsedFile[];
}

/**
 * Maps a node path to the real path under root, following symlinks the way the node would see
 * them: an absolute link target is taken relative to root (a host mounted at /host keeps its
 * /etc/kubernetes -> /data/... links inside /host), and neither `..` nor a link can climb out of
 * root. A dangling link resolves to its missing target, so the file counts as absent.
 */
export function underRoot(root: string, nodePath: string): string {
  if (path.resolve(root) === '/') return path.resolve('/', nodePath);
  const pending = path.resolve('/', nodePath).split('/').filter(Boolean);
  const resolved: string[] = [];
  let hops = 0;
  while (pending.length) {
    const part = pending.shift()!;
    const candidate = path.join(root, ...resolved, part);
    let target: string | undefined;
    try {
      if (lstatSync(candidate).isSymbolicLink()) target = readlinkSync(candidate);
    } catch {
      // Missing: the rest of the path cannot resolve further; keep it as given.
    }
    if (target === undefined || ++hops > 40) {
      resolved.push(part);
      continue;
    }
    const next = path.posix.isAbsolute(target) ? path.resolve('/', target) : path.resolve('/', ...resolved, target);
    resolved.length = 0;
    pending.unshift(...next.split('/').filter(Boolean));
  }
  return path.join(root, ...resolved);
}

export function statFile(root: string, nodePath: string): FileFacts {
  try {
    // underRoot follows links (the target's own mode is what protects it); a dangling link stays a link.
    const s = lstatSync(underRoot(root, nodePath));
    return { path: nodePath, exists: true, isDirectory: s.isDirectory(), mode: s.mode & 0o777, uid: s.uid, gid: s.gid };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { path: nodePath, exists: false };
    return { path: nodePath, exists: false, error: code ?? String(err) };
  }
}

/** Reads a text file with a size limit; undefined when absent, `{error}` when unusable. */
export function readLimited(realPath: string, limit = MAX_NODE_FILE_BYTES): { text?: string; error?: string } | undefined {
  let fd: number;
  try {
    fd = openSync(realPath, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    return { error: `cannot read: ${code ?? String(err)}` };
  }
  try {
    const s = fstatSync(fd);
    if (s.isDirectory()) return { error: 'is a directory' };
    // /proc files report size 0, so read in chunks up to the limit rather than trusting the size
    // (and without a limit-sized buffer per file: a node has hundreds of processes).
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, limit + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > limit) return { error: `larger than ${limit} bytes` };
    }
    return { text: Buffer.concat(chunks, total).toString('utf8') };
  } catch (err) {
    return { error: `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  } finally {
    closeSync(fd);
  }
}

/** Line of every node of a small parsed document, by JSON Pointer. */
function lineMap(value: unknown, offset: number, lines: LineIndex): Record<string, number> {
  const out: Record<string, number> = {};
  let budget = 20_000;
  const walk = (node: unknown, pointer: string, depth: number): void => {
    if (budget-- <= 0 || depth > 32) return;
    out[pointer] = lines.position(locateOffset(value, offset, pointer)).line;
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${pointer}/${i}`, depth + 1));
    else for (const [k, v] of Object.entries(node)) walk(v, `${pointer}/${escapePointerToken(k)}`, depth + 1);
  };
  walk(value, '', 0);
  return out;
}

/** Parses YAML (or JSON) text, keeping the line of every field. */
export function parseYamlText(nodePath: string, text: string): ParsedFile {
  const stream = parseYamlStream(text);
  if (stream.errors.length > 0) return { path: nodePath, error: `not valid YAML (line ${stream.errors[0].line})` };
  const doc = stream.documents[0];
  if (!doc) return { path: nodePath, data: null };
  return { path: nodePath, data: doc.value, lines: lineMap(doc.value, doc.offset, stream.lines) };
}

function parseYamlFile(root: string, nodePath: string): ParsedFile | undefined {
  const read = readLimited(underRoot(root, nodePath));
  if (!read) return undefined;
  if (read.error) return { path: nodePath, error: read.error };
  return parseYamlText(nodePath, read.text!);
}

/** Command-line flags with the argv index each was last set at. */
function parseFlagsIndexed(argv: string[]): { flags: Record<string, string>; at: Record<string, number> } {
  const flags: Record<string, string> = {};
  const at: Record<string, number> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (typeof arg !== 'string' || !arg.startsWith('-') || arg === '-' || arg === '--') continue;
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const index = i;
    let name: string;
    if (eq !== -1) {
      name = body.slice(0, eq);
      flags[name] = body.slice(eq + 1);
    } else if (!BOOLEAN_FLAGS.has(body) && i + 1 < argv.length && typeof argv[i + 1] === 'string' && !argv[i + 1].startsWith('-')) {
      name = body;
      flags[name] = argv[++i];
    } else {
      name = body;
      flags[name] = 'true';
    }
    at[name] = index;
  }
  return { flags, at };
}

/**
 * Command-line flags as pflag reads them: `--flag=value`, `--flag value` (not for boolean
 * flags), a bare `--flag` is "true"; the last occurrence wins.
 */
export function parseFlags(argv: string[]): Record<string, string> {
  return parseFlagsIndexed(argv).flags;
}

/** etcd options an ETCD_* environment variable can carry (used when the flag is not given). */
function etcdEnvFlag(name: string): string | undefined {
  return /^ETCD_[A-Z0-9_]+$/.test(name) ? name.slice(5).toLowerCase().replace(/_/g, '-') : undefined;
}

/** The flags of the first container of a static pod whose command or args mention the binary. */
function manifestFlags(file: ParsedFile, binary: string): { flags?: Record<string, string>; origins?: Record<string, FlagOrigin>; image?: string; error?: string } {
  const spec = (file.data as { spec?: { containers?: unknown } } | null)?.spec;
  const containers = Array.isArray(spec?.containers) ? (spec!.containers as unknown[]) : undefined;
  if (!containers || containers.length === 0) return { error: 'no spec.containers in the pod manifest' };
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const argvOf = (c: unknown): { argv: string[]; pointers: string[] } => {
    const argv: string[] = [];
    const pointers: string[] = [];
    for (const field of ['command', 'args'] as const) {
      const list = (c as Record<string, unknown> | null)?.[field];
      if (!Array.isArray(list)) continue;
      list.forEach((x, j) => {
        if (typeof x !== 'string') return;
        argv.push(x);
        pointers.push(`${field}/${j}`);
      });
    }
    return { argv, pointers };
  };
  let index = containers.findIndex((c) => strings((c as { command?: unknown })?.command).concat(strings((c as { args?: unknown })?.args)).some((a) => path.basename(a) === binary));
  if (index === -1) index = 0;
  const container = containers[index];
  const { argv, pointers } = argvOf(container);
  if (argv.length === 0) return { error: 'the container has no command or args' };
  const { flags, at } = parseFlagsIndexed(argv);
  const origins: Record<string, FlagOrigin> = {};
  for (const [flag, i] of Object.entries(at)) origins[flag] = { file: file.path, line: file.lines?.[`/spec/containers/${index}/${pointers[i]}`] };
  if (binary === 'etcd') {
    const env = (container as { env?: unknown })?.env;
    if (Array.isArray(env)) {
      env.forEach((e, k) => {
        const flag = etcdEnvFlag(String((e as { name?: unknown })?.name ?? ''));
        const value = (e as { value?: unknown })?.value;
        if (!flag || flags[flag] !== undefined || typeof value !== 'string') return;
        flags[flag] = value;
        origins[flag] = { file: file.path, line: file.lines?.[`/spec/containers/${index}/env/${k}`], via: `env ${String((e as { name?: unknown }).name)}` };
      });
    }
  }
  const image = (container as { image?: unknown })?.image;
  return { flags, origins, image: typeof image === 'string' ? image : undefined };
}

/**
 * An etcd configuration file (`--config-file`, which replaces every flag and environment
 * variable): top-level keys are flag names, the two transport-security blocks hold the TLS ones.
 */
export function etcdConfigFlags(file: ParsedFile): { flags: Record<string, string>; origins: Record<string, FlagOrigin> } {
  const flags: Record<string, string> = {};
  const origins: Record<string, FlagOrigin> = {};
  const data = file.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return { flags, origins };
  const scalar = (v: unknown): string | undefined => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    const blocks: Record<string, string> = { 'client-transport-security': '', 'peer-transport-security': 'peer-' };
    if (key in blocks && value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [inner, v] of Object.entries(value as Record<string, unknown>)) {
        const s = scalar(v);
        if (s === undefined) continue;
        const flag = `${blocks[key]}${inner}`;
        flags[flag] = s;
        origins[flag] = { file: file.path, line: file.lines?.[`/${key}/${escapePointerToken(inner)}`], via: `${key}.${inner}` };
      }
      continue;
    }
    const s = scalar(value);
    if (s === undefined) continue;
    flags[key] = s;
    origins[key] = { file: file.path, line: file.lines?.[`/${escapePointerToken(key)}`], via: key };
  }
  return { flags, origins };
}

const BINARIES: Record<string, Component> = {
  'kube-apiserver': 'apiserver',
  'kube-controller-manager': 'controller-manager',
  'kube-scheduler': 'scheduler',
  etcd: 'etcd',
  kubelet: 'kubelet',
};

interface Processes {
  components: ComponentFacts[];
  distros: (DistroProcess & { distro: Distro })[];
}

/**
 * Component and k3s/rke2 processes under root/proc (absent in most copied trees), or in
 * `procDir` when given: a container with the host's PID namespace sees the node's processes in
 * its own /proc, while the node's files are mounted elsewhere.
 */
function readProcesses(root: string, procDir?: string): Processes {
  const found: Processes = { components: [], distros: [] };
  const procPath = (p: string): string => (procDir ? path.join(procDir, p.replace(/^\/proc\/?/, '')) : underRoot(root, p));
  let entries: string[];
  try {
    entries = readdirSync(procPath('/proc'));
  } catch {
    return found;
  }
  for (const pid of entries.slice(0, MAX_PROC_ENTRIES)) {
    if (!/^\d+$/.test(pid)) continue;
    const source = `/proc/${pid}/cmdline`;
    const read = readLimited(procPath(source));
    if (!read?.text) continue;
    const argv = read.text.split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
    const binary = path.basename(argv[0] ?? '');
    const component = BINARIES[binary];
    if (component) {
      const { flags, at } = parseFlagsIndexed(argv.slice(1));
      found.components.push({ component, source, flags, origins: Object.fromEntries(Object.keys(at).map((f) => [f, { file: source }])) });
      continue;
    }
    // `k3s server ...` / `rke2 agent ...`; some versions show the role in the process name instead.
    const m = /^(k3s|rke2)(?:-(server|agent))?$/.exec(binary);
    if (!m) continue;
    const role = (m[2] ?? argv[1]) as string;
    if (role !== 'server' && role !== 'agent') continue;
    found.distros.push({ distro: m[1] as Distro, source, role, options: parseDistroArgs(argv.slice(m[2] ? 1 : 2)) });
  }
  return found;
}

function listDir(root: string, dir: string, accept: (name: string) => boolean): string[] {
  try {
    return readdirSync(underRoot(root, dir))
      .filter(accept)
      .sort()
      .slice(0, MAX_DIR_FILES)
      .map((name) => `${dir}/${name}`)
      .filter((p) => {
        try {
          return statSync(underRoot(root, p)).isFile();
        } catch {
          return false;
        }
      });
  } catch {
    return [];
  }
}

function listPki(root: string, pkiDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > 3 || out.length >= MAX_PKI_FILES) return;
    let names: string[];
    try {
      names = readdirSync(underRoot(root, dir)).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const p = `${dir}/${name}`;
      let isDir = false;
      try {
        isDir = statSync(underRoot(root, p)).isDirectory();
      } catch {
        continue;
      }
      if (isDir) walk(p, depth + 1);
      else if (/\.(key|crt|pem)$/.test(name) && out.length < MAX_PKI_FILES) out.push(p);
    }
  };
  walk(pkiDir, 0);
  return out;
}

function exists(root: string, nodePath: string): boolean {
  try {
    statSync(underRoot(root, nodePath));
    return true;
  } catch {
    return false;
  }
}

/** uid/gid -> name from /etc/passwd or /etc/group under root. */
function readIds(root: string, file: string): Record<number, string> | undefined {
  const read = readLimited(underRoot(root, file));
  if (!read?.text) return undefined;
  const ids: Record<number, string> = {};
  for (const line of read.text.split('\n')) {
    const [name, , id] = line.split(':');
    if (name && id !== undefined && /^\d+$/.test(id) && !(Number(id) in ids)) ids[Number(id)] = name;
  }
  return ids;
}

/** The kubelet's unit and drop-ins in systemd's order: the base unit from the first directory that has it, drop-ins by file name. */
function kubeletUnits(root: string): { units: UnitText[]; files: string[] } {
  const base = KUBELET_UNIT_DIRS.map((d) => `${d}/kubelet.service`).find((p) => exists(root, p));
  const dropIns = new Map<string, string>();
  for (const dir of [...KUBELET_UNIT_DIRS].reverse()) {
    for (const p of listDir(root, `${dir}/kubelet.service.d`, (n) => n.endsWith('.conf'))) dropIns.set(path.basename(p), p);
  }
  const ordered = [...(base ? [base] : []), ...[...dropIns.keys()].sort().map((k) => dropIns.get(k)!)];
  const units: UnitText[] = [];
  for (const p of ordered) {
    const read = readLimited(underRoot(root, p));
    if (read?.text !== undefined) units.push({ path: p, text: read.text });
  }
  return { units, files: ordered };
}

/** The distribution in charge, from its well-known paths and processes. */
function detectDistro(root: string, procs: Processes): Distro | undefined {
  for (const distro of ['rke2', 'k3s'] as const) {
    if (procs.distros.some((p) => p.distro === distro) || exists(root, `/etc/rancher/${distro}`) || exists(root, DATA_DIR[distro])) return distro;
  }
  return undefined;
}

interface DistroContext {
  distro: Distro;
  proc?: DistroProcess;
  merged: MergedConfig;
  configFiles: ParsedFile[];
  dataDir: string;
  role: 'server' | 'agent';
}

function readDistroConfig(root: string, distro: Distro, procs: Processes): DistroContext {
  const proc = procs.distros.find((p) => p.distro === distro);
  const configPath = proc?.options.config?.at(-1) ?? CONFIG_FILE[distro];
  const configFiles: ParsedFile[] = [];
  const main = parseYamlFile(root, configPath);
  if (main) configFiles.push(main);
  for (const p of listDir(root, `${configPath}.d`, (n) => n.endsWith('.yaml'))) configFiles.push(parseYamlFile(root, p) ?? { path: p, error: 'not found' });
  const merged = mergeConfigFiles(configFiles);
  const dataDirValue = optionValue(merged, proc, 'data-dir')?.value;
  const dataDir = typeof dataDirValue === 'string' && dataDirValue.startsWith('/') ? dataDirValue.replace(/\/+$/, '') : DATA_DIR[distro];
  const role = proc?.role ?? (exists(root, `${dataDir}/server`) ? 'server' : 'agent');
  return { distro, proc, merged, configFiles, dataDir, role };
}

/** The file k3s/RKE2 configuration that a component's flags came from, for `source`. */
function distroSource(ctx: DistroContext): string {
  const used = ctx.configFiles.find((f) => !f.error);
  return used?.path ?? ctx.proc?.source ?? `${DISTRO_NAMES[ctx.distro]} defaults`;
}

/** k3s runs the control plane inside its own process: its flags are its defaults plus the user's `*-arg` lists. */
function k3sControlPlane(root: string, ctx: DistroContext, components: NodeFacts['components']): { datastore: Datastore; etcdConfig?: string } {
  const { merged, proc, dataDir } = ctx;
  const source = distroSource(ctx);
  const endpoint = optionValue(merged, proc, 'datastore-endpoint')?.value;
  let datastore: Datastore;
  if (typeof endpoint === 'string' && endpoint !== '') datastore = endpoint.startsWith('sqlite') ? 'sqlite' : 'external';
  else if (optionTrue(merged, proc, 'cluster-init') || exists(root, `${dataDir}/server/db/etcd`)) datastore = 'embedded etcd';
  else datastore = 'sqlite';

  const disabled = (name: string): boolean => optionTrue(merged, proc, name);
  if (!disabled('disable-apiserver')) {
    const { flags, origins } = distroFlags('k3s', 'apiserver', dataDir, merged, proc, datastore === 'embedded etcd' ? K3S_EMBEDDED_ETCD_CLIENT : {});
    const encryption = optionValue(merged, proc, 'secrets-encryption');
    if (optionTrue(merged, proc, 'secrets-encryption') && flags['encryption-provider-config'] === undefined) {
      flags['encryption-provider-config'] = withDataDir(ENCRYPTION_CONFIG, dataDir);
      origins['encryption-provider-config'] = { file: encryption!.file, line: encryption!.line, via: 'secrets-encryption' };
    }
    const facts: ComponentFacts = { component: 'apiserver', source, flags, origins, managedBy: 'k3s' };
    const etcdFlags = ['etcd-cafile', 'etcd-certfile', 'etcd-keyfile'];
    if (datastore === 'sqlite') {
      facts.notApplicable = Object.fromEntries(etcdFlags.filter((f) => flags[f] === undefined).map((f) => [f, 'k3s keeps its data in SQLite through kine; there is no etcd connection']));
    } else if (datastore === 'external') {
      const tls = ['datastore-cafile', 'datastore-certfile', 'datastore-keyfile'].map((k) => `${k} ${optionValue(merged, proc, k) ? 'set' : 'not set'}`).join(', ');
      facts.unknown = Object.fromEntries(etcdFlags.filter((f) => flags[f] === undefined).map((f) => [f, `k3s uses an external datastore (datastore-endpoint); ${tls}: check that its connection uses TLS with a client certificate`]));
    }
    components.apiserver = facts;
  }
  if (!disabled('disable-controller-manager')) components['controller-manager'] = { component: 'controller-manager', source, ...distroFlags('k3s', 'controller-manager', dataDir, merged, proc), managedBy: 'k3s' };
  if (!disabled('disable-scheduler')) components.scheduler = { component: 'scheduler', source, ...distroFlags('k3s', 'scheduler', dataDir, merged, proc), managedBy: 'k3s' };
  if (datastore === 'embedded etcd' && !disabled('disable-etcd')) return { datastore, etcdConfig: `${dataDir}/server/db/etcd/config` };
  return { datastore };
}

/** RKE2 writes its config.yaml `*-arg` values into the manifests: point those flags at the config line to change. */
function annotateFromConfig(facts: ComponentFacts, ctx: DistroContext, component: keyof typeof ARG_KEYS): void {
  const user = componentArgs(ctx.merged, ctx.proc, component);
  facts.managedBy = ctx.distro;
  for (const [flag, value] of Object.entries(user.flags)) {
    if (facts.flags[flag] === value) (facts.origins ??= {})[flag] = user.origins[flag];
  }
}

export interface ReadNodeOptions {
  /** Where the node's processes are, instead of <root>/proc (with hostPID: /proc). */
  procDir?: string;
}

/** Reads everything the node checks need. Throws only when root itself is not a readable directory. */
export function readNode(root: string, options: ReadNodeOptions = {}): NodeFacts {
  const rootStat = statSync(root); // ENOENT etc. propagate: the CLI turns them into a usage error
  if (!rootStat.isDirectory()) throw Object.assign(new Error(`${root} is not a directory`), { code: 'ENOTDIR' });
  readdirSync(root);

  const components: NodeFacts['components'] = {};
  const manifestProblems: ParsedFile[] = [];
  const files: Record<string, FileFacts> = {};
  const record = (p: string): FileFacts => (files[p] = statFile(root, p));

  const procs = readProcesses(root, options.procDir);
  const distro = detectDistro(root, procs);
  const ctx = distro ? readDistroConfig(root, distro, procs) : undefined;
  const dataDir = ctx?.dataDir;

  const manifestDir = distro === 'rke2' || (!exists(root, MANIFEST_DIRS.kubeadm) && exists(root, MANIFEST_DIRS.rke2)) ? `${dataDir ?? DATA_DIR.rke2}/agent/pod-manifests` : MANIFEST_DIRS.kubeadm;
  const manifests = Object.fromEntries(CONTROL_PLANE.map((c) => [c.component, `${manifestDir}/${c.file}`])) as NodeFacts['manifests'];
  let datastore: Datastore | undefined;
  let k3sEtcdConfig: string | undefined;
  if (distro === 'k3s') {
    if (ctx!.role === 'server') ({ datastore, etcdConfig: k3sEtcdConfig } = k3sControlPlane(root, ctx!, components));
  } else {
    for (const { component, binary } of CONTROL_PLANE) {
      const manifest = manifests[component];
      record(manifest);
      const parsed = parseYamlFile(root, manifest);
      if (!parsed) continue;
      if (parsed.error) {
        manifestProblems.push(parsed);
        continue;
      }
      const { flags, origins, image, error } = manifestFlags(parsed, binary);
      if (error) manifestProblems.push({ path: manifest, error });
      else {
        components[component] = { component, source: manifest, flags: flags!, origins, image };
        if (ctx) annotateFromConfig(components[component]!, ctx, component);
      }
    }
    // A process's live command line is the truth when there is no manifest (or the manifest was unusable).
    for (const proc of procs.components) {
      if (proc.component !== 'kubelet' && !components[proc.component]) components[proc.component] = proc;
    }
  }

  // etcd reads only its --config-file when given one; k3s's embedded etcd always uses one.
  const etcdConfigPath = k3sEtcdConfig ?? components.etcd?.flags['config-file'];
  if (etcdConfigPath) {
    const parsed = parseYamlFile(root, etcdConfigPath);
    record(etcdConfigPath);
    const base: ComponentFacts = { component: 'etcd', source: etcdConfigPath, flags: {}, managedBy: distro, image: components.etcd?.image };
    if (!parsed) components.etcd = { ...base, error: distro === 'k3s' ? 'not found (k3s writes it when its embedded etcd starts)' : 'not found' };
    else if (parsed.error) components.etcd = { ...base, error: parsed.error };
    else components.etcd = { ...base, ...etcdConfigFlags(parsed) };
  }

  // The kubelet: its process, else its systemd unit (kubeadm packages), else what k3s/RKE2 would start it with.
  const kubeletServiceFiles: string[] = [];
  let kubelet = procs.components.find((c) => c.component === 'kubelet');
  if (kubelet && ctx) annotateFromConfig(kubelet, ctx, 'kubelet');
  if (!kubelet && !ctx) {
    const { units, files: unitFiles } = kubeletUnits(root);
    kubeletServiceFiles.push(...unitFiles);
    const command = kubeletCommand(units, (p) => {
      const read = readLimited(underRoot(root, p));
      return { path: p, text: read?.text };
    });
    if (command && path.basename(command.argv[0] ?? '') === 'kubelet') {
      const { flags, at } = parseFlagsIndexed(command.argv.slice(1));
      const origins = Object.fromEntries(Object.entries(at).map(([f, i]) => [f, command.origins[i + 1]]));
      kubelet = { component: 'kubelet', source: command.source, flags, origins };
    }
  }
  const kubeletDropInDefault = ctx ? `${ctx.dataDir}/agent/etc/kubelet.conf.d` : undefined;
  if (!kubelet && ctx && !optionTrue(ctx.merged, ctx.proc, 'disable-agent')) {
    // k3s/RKE2 moved their kubelet defaults into a config drop-in (00-<distro>-defaults.conf); when it is there, it is the truth.
    const defaultsInFile = exists(root, `${kubeletDropInDefault}/00-${ctx.distro}-defaults.conf`);
    const { flags, origins } = distroFlags(ctx.distro, 'kubelet', ctx.dataDir, ctx.merged, ctx.proc, {}, defaultsInFile);
    const protect = optionValue(ctx.merged, ctx.proc, 'protect-kernel-defaults');
    if (flags['protect-kernel-defaults'] === undefined && protect) {
      flags['protect-kernel-defaults'] = String(optionTrue(ctx.merged, ctx.proc, 'protect-kernel-defaults'));
      origins['protect-kernel-defaults'] = { file: protect.file, line: protect.line, via: 'protect-kernel-defaults' };
    }
    kubelet = { component: 'kubelet', source: distroSource(ctx), flags, origins, managedBy: ctx.distro };
  }
  if (kubelet) components.kubelet = kubelet;

  // A known kubelet reads a config file only when given --config; an unseen one is assumed to use kubeadm's.
  const kubeletConfigPath = kubelet ? kubelet.flags.config : DEFAULT_KUBELET_CONFIG;
  let kubeletConfig: ParsedFile | undefined;
  if (kubeletConfigPath) {
    record(kubeletConfigPath);
    kubeletConfig = parseYamlFile(root, kubeletConfigPath) ?? (kubelet ? { path: kubeletConfigPath, error: 'not found' } : undefined);
  }
  const dropInDir = kubelet?.flags['config-dir'] ?? kubeletDropInDefault;
  const kubeletConfigDropIns = dropInDir ? listDir(root, dropInDir, (n) => n.endsWith('.conf')).map((p) => parseYamlFile(root, p) ?? { path: p, error: 'not found' }) : [];
  for (const d of kubeletConfigDropIns) record(d.path);

  // Files the file checks judge, per layout.
  const dd = (p: string): string => `${dataDir}${p}`;
  const written = ctx ? optionValue(ctx.merged, ctx.proc, 'write-kubeconfig')?.value : undefined;
  const kubeconfigs: KubeconfigPaths = ctx
    ? {
        admin: [dd('/server/cred/admin.kubeconfig'), typeof written === 'string' ? written : WRITTEN_KUBECONFIG[ctx.distro]],
        scheduler: [dd('/server/cred/scheduler.kubeconfig')],
        controllerManager: [dd('/server/cred/controller.kubeconfig')],
        kubelet: [kubelet?.flags.kubeconfig ?? dd('/agent/kubelet.kubeconfig')],
        proxy: [dd('/agent/kubeproxy.kubeconfig')],
      }
    : {
        admin: [KUBECONFIGS[0], KUBECONFIGS[1]],
        scheduler: ['/etc/kubernetes/scheduler.conf'],
        controllerManager: ['/etc/kubernetes/controller-manager.conf'],
        kubelet: [kubelet?.flags.kubeconfig ?? '/etc/kubernetes/kubelet.conf'],
        proxy: [],
      };
  if (!ctx) for (const k of KUBECONFIGS) record(k);
  for (const p of Object.values(kubeconfigs).flat()) if (!files[p]) record(p);
  for (const p of kubeletServiceFiles) record(p);

  const kubeletClientCaFile = kubeletClientCa(kubelet, kubeletConfig, kubeletConfigDropIns);
  if (kubeletClientCaFile) record(kubeletClientCaFile);

  const pkiDir = ctx ? dd('/server/tls') : PKI_DIRS.kubeadm;
  if (!ctx || ctx.role === 'server') record(pkiDir);
  const pkiFiles = !ctx || ctx.role === 'server' ? listPki(root, pkiDir) : [];
  for (const p of pkiFiles) record(p);

  const etcdDataDir = components.etcd && !components.etcd.error ? (components.etcd.flags['data-dir'] ?? (distro === 'k3s' ? dd('/server/db/etcd') : undefined)) : undefined;
  let users: Record<number, string> | undefined;
  let groups: Record<number, string> | undefined;
  if (etcdDataDir) {
    record(etcdDataDir);
    users = readIds(root, '/etc/passwd');
    groups = readIds(root, '/etc/group');
  }

  const cniFiles = CNI_DIRS.flatMap((d) => listDir(root, d, (n) => !n.startsWith('.')));
  for (const p of cniFiles) record(p);

  const encryptionPath = components.apiserver?.flags['encryption-provider-config'];
  const encryptionConfig = encryptionPath ? (parseYamlFile(root, encryptionPath) ?? { path: encryptionPath, error: 'file not found' }) : undefined;

  const configProblems = ctx?.configFiles.filter((f) => f.error) ?? [];
  const detected = detect(root, components, manifests, kubeletConfig, ctx, procs, datastore);
  return {
    root, detected, components, manifests, pkiDir, manifestProblems, kubeletConfig, encryptionConfig, files, pkiFiles,
    kubeletConfigDropIns, kubeconfigs, kubeletServiceFiles, kubeletClientCaFile, etcdDataDir, users, groups, cniFiles, configProblems,
  };
}

/** A kubelet setting: its flag, else the last config file (main, then drop-ins) that sets the field. */
export function kubeletSetting(facts: Pick<NodeFacts, 'components' | 'kubeletConfig' | 'kubeletConfigDropIns'>, flag: string, field: string[]): { value: unknown; origin: FlagOrigin } | undefined {
  return kubeletSettingFrom(facts.components.kubelet, facts.kubeletConfig, facts.kubeletConfigDropIns ?? [], flag, field);
}

function kubeletSettingFrom(kubelet: ComponentFacts | undefined, config: ParsedFile | undefined, dropIns: ParsedFile[], flag: string, field: string[]): { value: unknown; origin: FlagOrigin } | undefined {
  const v = kubelet?.flags[flag];
  if (v !== undefined) return { value: v, origin: kubelet!.origins?.[flag] ?? { file: kubelet!.source } };
  for (const file of [...dropIns].reverse().concat(config ? [config] : [])) {
    if (file.error) continue;
    let node: unknown = file.data;
    for (const k of field) node = node && typeof node === 'object' && !Array.isArray(node) ? (node as Record<string, unknown>)[k] : undefined;
    if (node !== undefined && node !== null) return { value: node, origin: { file: file.path, line: file.lines?.['/' + field.map(escapePointerToken).join('/')], via: field.join('.') } };
  }
  return undefined;
}

function kubeletClientCa(kubelet: ComponentFacts | undefined, config: ParsedFile | undefined, dropIns: ParsedFile[]): string | undefined {
  const v = kubeletSettingFrom(kubelet, config, dropIns, 'client-ca-file', ['authentication', 'x509', 'clientCAFile'])?.value;
  return typeof v === 'string' && v.startsWith('/') ? v : undefined;
}

function detect(root: string, components: NodeFacts['components'], manifests: NodeFacts['manifests'], kubeletConfig: ParsedFile | undefined, ctx: DistroContext | undefined, procs: Processes, datastore: Datastore | undefined): Detected {
  const evidence: string[] = [];
  const has = (p: string): boolean => {
    const yes = exists(root, p);
    if (yes) evidence.push(p);
    return yes;
  };
  let layout: Layout;
  const fromManifests = CONTROL_PLANE.some((c) => components[c.component]?.source === manifests[c.component]);
  const extra: Partial<Detected> = {};
  if (ctx) {
    layout = ctx.distro;
    const proc = procs.distros.find((p) => p.distro === ctx.distro);
    if (proc) evidence.push(proc.source);
    if (!has(`/etc/rancher/${ctx.distro}`)) has(ctx.dataDir);
    if (fromManifests) has(manifests.apiserver.replace(/\/[^/]+$/, ''));
    extra.role = ctx.role;
    if (datastore) extra.datastore = datastore;
    const read = ctx.configFiles.filter((f) => !f.error).map((f) => f.path);
    if (read.length) extra.configFiles = read;
  } else if (fromManifests && has(MANIFEST_DIRS.kubeadm)) layout = 'kubeadm';
  else if (fromManifests && has(MANIFEST_DIRS.rke2)) layout = 'rke2';
  else if (CONTROL_PLANE.some((c) => components[c.component]?.source.startsWith('/proc/'))) {
    layout = 'processes';
    for (const c of CONTROL_PLANE) if (components[c.component]?.source.startsWith('/proc/')) evidence.push(components[c.component]!.source);
  }
  else if (components.kubelet || kubeletConfig || has('/var/lib/kubelet')) {
    layout = 'worker';
    if (kubeletConfig && !kubeletConfig.error) evidence.push(kubeletConfig.path);
    if (components.kubelet) evidence.push(components.kubelet.source);
  } else layout = 'unknown';
  const found: Detected['components'] = {};
  for (const [name, facts] of Object.entries(components)) found[name as Component] = facts!.source;
  if (kubeletConfig && !kubeletConfig.error && !found.kubelet) found.kubelet = kubeletConfig.path;
  return { layout, components: found, evidence: [...new Set(evidence)], ...extra };
}
