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
import { closeSync, constants as fsConstants, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { locateOffset, parseYamlStream, type LineIndex } from './yaml.js';
import { escapePointerToken } from '../core/pointer.js';
import { CONFIG_FILE, DATA_DIR, DISTRO_NAMES, ENCRYPTION_CONFIG, K3S_EMBEDDED_ETCD_CLIENT, WRITTEN_KUBECONFIG, ARG_KEYS, componentArgs, configShapeProblems, distroFlags, mergeConfigFiles, optionTrue, optionValue, parseDistroArgs, withDataDir, type ArgComponent, type Datastore, type DistroProcess, type MergedConfig } from './rancher.js';
import type { Distro, FlagOrigin } from './flag-origin.js';
import { kubeletCommand, type UnitText } from './systemd.js';

/** Configuration files are small; anything larger than this is not what we are looking for. */
const MAX_NODE_FILE_BYTES = 1024 * 1024;
/** A /proc tree with more entries than this is not a real one; stop rather than wander. */
const MAX_PROC_ENTRIES = 100_000;
const MAX_PKI_FILES = 1000;
const MAX_DIR_FILES = 200;

export type Component = 'apiserver' | 'controller-manager' | 'scheduler' | 'etcd' | 'kubelet';

/** Static pod manifest directories: kubeadm's, and RKE2's (which writes full manifests for its components). */
export const MANIFEST_DIRS = { kubeadm: '/etc/kubernetes/manifests', rke2: '/var/lib/rancher/rke2/agent/pod-manifests' } as const;
export const PKI_DIRS = { kubeadm: '/etc/kubernetes/pki', rke2: '/var/lib/rancher/rke2/server/tls', k3s: '/var/lib/rancher/k3s/server/tls' } as const;

const CONTROL_PLANE: { component: Exclude<Component, 'kubelet'>; binary: string; file: string }[] = [
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
export const CNI_DIRS = ['/etc/cni/net.d', '/var/lib/rancher/k3s/agent/etc/cni/net.d', '/var/lib/rancher/rke2/agent/etc/cni/net.d'];

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
  /** The configuration the flags come from could not be fully read: the flags are not known. */
  configProblem?: FileProblem;
}

/** A file or directory that could not be used, and what that leaves unknown. */
export interface FileProblem {
  /** Node path. */
  file: string;
  line?: number;
  message: string;
}

export interface ParsedFile {
  path: string;
  data?: unknown;
  error?: string;
  /** The line the error is on, when the parser said. */
  errorLine?: number;
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
  /** /etc/passwd or /etc/group there but unusable (owners are then shown as numbers). */
  idProblems?: FileProblem[];
  /** CNI configuration files. */
  cniFiles?: string[];
  /** k3s/RKE2 configuration that could not be used (unreadable, malformed, or of the wrong shape). */
  configProblems?: FileProblem[];
  /** Directories that exist but could not be listed, with why ("EACCES"): the files in them were not judged. */
  unlisted?: Record<string, string>;
  /** The kubelet's --config-dir when it could not be listed. */
  kubeletConfigDirProblem?: ParsedFile;
}

/**
 * The file-system calls the node reader makes. readNode runs synchronously, so it can swap this
 * for the duration of one call: tests use that to see what a non-root user meets (EACCES on a
 * private directory) while running as root, which the kernel would let through.
 */
export interface NodeIo {
  lstat(p: string): Stats;
  stat(p: string): Stats;
  readdir(p: string): string[];
  readlink(p: string): string;
  open(p: string, flags: number): number;
  fstat(fd: number): Stats;
  read(fd: number, buffer: Buffer, offset: number, length: number): number;
  close(fd: number): void;
}

export const REAL_IO: NodeIo = {
  lstat: (p) => lstatSync(p),
  stat: (p) => statSync(p),
  readdir: (p) => readdirSync(p),
  readlink: (p) => readlinkSync(p),
  open: (p, flags) => openSync(p, flags),
  fstat: (fd) => fstatSync(fd),
  read: (fd, buffer, offset, length) => readSync(fd, buffer, offset, length, null),
  close: (fd) => closeSync(fd),
};

let io: NodeIo = REAL_IO;

const errorCode = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? String(err);
const SYMLINK_LOOP = 'symlink loop (ELOOP)';
const danglingLink = (target: string): string => `dangling symlink (its target ${target} does not exist)`;

/** "FIFO", "character device": what a path is when it is not a regular file. */
export function fileKind(s: Pick<Stats, 'isDirectory' | 'isFIFO' | 'isCharacterDevice' | 'isBlockDevice' | 'isSocket' | 'isSymbolicLink'>): string {
  if (s.isDirectory()) return 'directory';
  if (s.isFIFO()) return 'FIFO';
  if (s.isCharacterDevice()) return 'character device';
  if (s.isBlockDevice()) return 'block device';
  if (s.isSocket()) return 'socket';
  if (s.isSymbolicLink()) return 'symlink';
  return 'special file';
}

interface Resolved {
  /** The real path to open or stat. */
  real: string;
  /** Links are followed by this code, not by the kernel (root is not /). */
  confined: boolean;
  /** More than 40 links on the way: a loop, or a chain too long to be meant. */
  loop?: boolean;
  /** The last component was reached through a link (a missing target is then a dangling link). */
  viaLink?: boolean;
  /** The node path the links led to. */
  target?: string;
}

/**
 * Maps a node path to the real path under root, following symlinks the way the node would see
 * them: an absolute link target is taken relative to root (a host mounted at /host keeps its
 * /etc/kubernetes -> /data/... links inside /host), and neither `..` nor a link can climb out of
 * root. With root `/` the kernel follows the links.
 */
function resolveUnderRoot(root: string, nodePath: string): Resolved {
  if (path.resolve(root) === '/') return { real: path.resolve('/', nodePath), confined: false };
  const pending = path.resolve('/', nodePath).split('/').filter(Boolean);
  const resolved: string[] = [];
  let hops = 0;
  let viaLink = false;
  while (pending.length) {
    const part = pending.shift()!;
    const candidate = path.join(root, ...resolved, part);
    let target: string | undefined;
    try {
      if (io.lstat(candidate).isSymbolicLink()) target = io.readlink(candidate);
    } catch {
      // Missing or not searchable: the rest of the path cannot resolve further; keep it as given
      // (the stat or open of the result then says why).
    }
    if (target === undefined) {
      resolved.push(part);
      continue;
    }
    if (++hops > 40) return { real: path.join(root, ...resolved, part, ...pending), confined: true, loop: true };
    if (pending.length === 0) viaLink = true;
    const next = path.posix.isAbsolute(target) ? path.resolve('/', target) : path.resolve('/', ...resolved, target);
    resolved.length = 0;
    pending.unshift(...next.split('/').filter(Boolean));
  }
  return { real: path.join(root, ...resolved), confined: true, viaLink, target: `/${resolved.join('/')}` };
}

/** For a missing path: the dangling-link error when a link led there. */
function danglingError(r: Resolved): string | undefined {
  if (r.confined) return r.viaLink ? danglingLink(r.target!) : undefined;
  try {
    return io.lstat(r.real).isSymbolicLink() ? danglingLink(io.readlink(r.real)) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Mode and owner of a node path, of the file a link points to (its own mode is what protects
 * it; a link's mode is always 777). A link loop or a dangling link is an error, not an absence.
 */
function statFile(root: string, nodePath: string): FileFacts {
  const r = resolveUnderRoot(root, nodePath);
  if (r.loop) return { path: nodePath, exists: false, error: SYMLINK_LOOP };
  try {
    // Confined: every link is already resolved, so lstat sees the target (and never leaves root).
    const s = r.confined ? io.lstat(r.real) : io.stat(r.real);
    if (s.isSymbolicLink()) return { path: nodePath, exists: false, error: SYMLINK_LOOP };
    return { path: nodePath, exists: true, isDirectory: s.isDirectory(), mode: s.mode & 0o777, uid: s.uid, gid: s.gid };
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const dangling = danglingError(r);
      return dangling ? { path: nodePath, exists: false, error: dangling } : { path: nodePath, exists: false };
    }
    if (code === 'ELOOP') return { path: nodePath, exists: false, error: SYMLINK_LOOP };
    return { path: nodePath, exists: false, error: `cannot stat: ${code}` };
  }
}

/**
 * Reads a regular file with a size limit; undefined when absent, `{error}` when unusable. Only
 * regular files are read: a FIFO would block the open (and the read) until some writer came,
 * and a device such as /dev/zero never ends.
 */
export function readLimited(realPath: string, limit = MAX_NODE_FILE_BYTES, noFollow = false): { text?: string; error?: string } | undefined {
  try {
    const s = io.stat(realPath);
    if (s.isDirectory()) return { error: 'is a directory' };
    if (!s.isFile()) return { error: `not a regular file (${fileKind(s)})` };
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    return { error: code === 'ELOOP' ? SYMLINK_LOOP : `cannot read: ${code}` };
  }
  let fd: number;
  try {
    // O_NONBLOCK: should the path have become a FIFO since the stat, the open does not wait for a writer.
    fd = io.open(realPath, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK | fsConstants.O_NOCTTY | (noFollow ? fsConstants.O_NOFOLLOW : 0));
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    return { error: code === 'ELOOP' ? SYMLINK_LOOP : `cannot read: ${code}` };
  }
  try {
    const s = io.fstat(fd);
    if (!s.isFile()) return { error: s.isDirectory() ? 'is a directory' : `not a regular file (${fileKind(s)})` };
    // /proc files report size 0, so read in chunks up to the limit rather than trusting the size
    // (and without a limit-sized buffer per file: a node has hundreds of processes).
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, limit + 1 - total));
      const n = io.read(fd, chunk, 0, chunk.length);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > limit) return { error: `larger than ${limit} bytes` };
    }
    return { text: Buffer.concat(chunks, total).toString('utf8') };
  } catch (err) {
    return { error: `cannot read: ${errorCode(err)}` };
  } finally {
    io.close(fd);
  }
}

/** Reads a node path under root: undefined when absent; a link loop, a dangling link or a non-regular file is an error. */
function readUnder(root: string, nodePath: string): { text?: string; error?: string } | undefined {
  const r = resolveUnderRoot(root, nodePath);
  if (r.loop) return { error: SYMLINK_LOOP };
  const read = readLimited(r.real, MAX_NODE_FILE_BYTES, r.confined);
  const dangling = read ? undefined : danglingError(r);
  return dangling ? { error: dangling } : read;
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
function parseYamlText(nodePath: string, text: string): ParsedFile {
  if (text.includes('\0')) return { path: nodePath, error: 'not a text file (binary content)' };
  const stream = parseYamlStream(text);
  if (stream.errors.length > 0) return { path: nodePath, error: `not valid YAML (line ${stream.errors[0].line})`, errorLine: stream.errors[0].line };
  const doc = stream.documents[0];
  if (!doc) return { path: nodePath, data: null };
  return { path: nodePath, data: doc.value, lines: lineMap(doc.value, doc.offset, stream.lines) };
}

function parseYamlFile(root: string, nodePath: string): ParsedFile | undefined {
  const read = readUnder(root, nodePath);
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
function etcdConfigFlags(file: ParsedFile): { flags: Record<string, string>; origins: Record<string, FlagOrigin> } {
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
  let entries: string[];
  if (procDir) {
    try {
      entries = io.readdir(procDir);
    } catch {
      return found;
    }
  } else {
    const listing = listNames(root, '/proc');
    if (listing.error !== undefined) return found;
    entries = listing.names;
  }
  for (const pid of entries.slice(0, MAX_PROC_ENTRIES)) {
    if (!/^\d+$/.test(pid)) continue;
    const source = `/proc/${pid}/cmdline`;
    // A process that exited meanwhile, or a cmdline that is not a regular file (which no kernel makes), is no process to judge.
    const read = procDir ? readLimited(path.join(procDir, pid, 'cmdline')) : readUnder(root, source);
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

/** Why a directory could not be listed ("EACCES"); undefined when it was listed or does not exist. */
type Listing = { names: string[]; error?: undefined } | { names?: undefined; error: string };

function listNames(root: string, dir: string): Listing {
  const r = resolveUnderRoot(root, dir);
  if (r.loop) return { error: SYMLINK_LOOP };
  try {
    return { names: io.readdir(r.real) };
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT') return { names: [] };
    if (code === 'ENOTDIR') {
      // A missing parent is an absence; the directory itself being a file is not.
      try {
        if (!io.stat(r.real).isDirectory()) return { error: 'not a directory' };
      } catch {
        // a parent is not a directory: absent
      }
      return { names: [] };
    }
    return { error: code === 'ELOOP' ? SYMLINK_LOOP : code };
  }
}

/**
 * Entries of a directory that are not directories themselves, in name order. A FIFO or a dangling
 * link is kept, so that reading it reports it rather than it being silently skipped.
 */
function listDir(root: string, dir: string, accept: (name: string) => boolean, problems?: Record<string, string>): string[] {
  const listing = listNames(root, dir);
  if (listing.error !== undefined) {
    if (problems) problems[dir] = listing.error;
    return [];
  }
  return listing.names
    .filter(accept)
    .sort()
    .slice(0, MAX_DIR_FILES)
    .map((name) => `${dir}/${name}`)
    .filter((p) => !statFile(root, p).isDirectory);
}

/** Certificate and key files under the PKI directory, three levels deep; directories that cannot be listed go to `problems`. */
function listPki(root: string, pkiDir: string, problems: Record<string, string>): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > 3 || out.length >= MAX_PKI_FILES) return;
    const listing = listNames(root, dir);
    if (listing.error !== undefined) {
      problems[dir] = listing.error;
      return;
    }
    for (const name of listing.names.sort()) {
      const p = `${dir}/${name}`;
      const f = statFile(root, p);
      if (f.isDirectory) walk(p, depth + 1);
      // A key behind a broken link is still a key to report on.
      else if (/\.(key|crt|pem)$/.test(name) && out.length < MAX_PKI_FILES && (f.exists || f.error)) out.push(p);
    }
  };
  walk(pkiDir, 0);
  return out;
}

function exists(root: string, nodePath: string): boolean {
  return statFile(root, nodePath).exists;
}

/** uid/gid -> name from /etc/passwd or /etc/group under root; `problems` gets why one could not be read. */
function readIds(root: string, file: string, problems: FileProblem[]): Record<number, string> | undefined {
  const read = readUnder(root, file);
  if (read?.error) problems.push({ file, message: read.error });
  if (!read?.text) return undefined;
  const ids: Record<number, string> = {};
  for (const line of read.text.split('\n')) {
    const [name, , id] = line.split(':');
    if (name && id !== undefined && /^\d+$/.test(id) && !(Number(id) in ids)) ids[Number(id)] = name;
  }
  return ids;
}

/** The kubelet's unit and drop-ins in systemd's order: the base unit from the first directory that has it, drop-ins by file name. */
function kubeletUnits(root: string, unlisted: Record<string, string>): { units: UnitText[]; files: string[]; problems: FileProblem[] } {
  const base = KUBELET_UNIT_DIRS.map((d) => `${d}/kubelet.service`).find((p) => exists(root, p) || statFile(root, p).error);
  const dropIns = new Map<string, string>();
  for (const dir of [...KUBELET_UNIT_DIRS].reverse()) {
    for (const p of listDir(root, `${dir}/kubelet.service.d`, (n) => n.endsWith('.conf'), unlisted)) dropIns.set(path.basename(p), p);
  }
  const problems: FileProblem[] = Object.entries(unlisted)
    .filter(([dir]) => dir.endsWith('/kubelet.service.d'))
    .map(([dir, error]) => ({ file: dir, message: `cannot list: ${error}` }));
  const ordered = [...(base ? [base] : []), ...[...dropIns.keys()].sort().map((k) => dropIns.get(k)!)];
  const units: UnitText[] = [];
  for (const p of ordered) {
    const read = readUnder(root, p);
    if (read?.error) problems.push({ file: p, message: read.error });
    if (read?.text !== undefined) units.push({ path: p, text: read.text });
  }
  return { units, files: ordered, problems };
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
  /** What makes the merged configuration unknown, whole or for one component. */
  problems: (FileProblem & { component?: ArgComponent })[];
  dataDir: string;
  role: 'server' | 'agent';
}

function readDistroConfig(root: string, distro: Distro, procs: Processes): DistroContext {
  const proc = procs.distros.find((p) => p.distro === distro);
  const configPath = proc?.options.config?.at(-1) ?? CONFIG_FILE[distro];
  const configFiles: ParsedFile[] = [];
  const main = parseYamlFile(root, configPath);
  if (main) configFiles.push(main);
  const unlisted: Record<string, string> = {};
  for (const p of listDir(root, `${configPath}.d`, (n) => n.endsWith('.yaml'), unlisted)) configFiles.push(parseYamlFile(root, p) ?? { path: p, error: 'not found' });
  // A file that cannot be read or parsed may set anything: what the distribution runs with is unknown.
  const problems: DistroContext['problems'] = Object.entries(unlisted).map(([dir, error]) => ({ file: dir, message: `cannot list: ${error}` }));
  for (const f of configFiles) {
    if (f.error) problems.push({ file: f.path, line: f.errorLine, message: f.error });
    else for (const shape of configShapeProblems(f)) problems.push({ file: f.path, ...shape });
  }
  const merged = mergeConfigFiles(configFiles);
  const dataDirValue = optionValue(merged, proc, 'data-dir')?.value;
  const dataDir = typeof dataDirValue === 'string' && dataDirValue.startsWith('/') ? dataDirValue.replace(/\/+$/, '') : DATA_DIR[distro];
  const role = proc?.role ?? (exists(root, `${dataDir}/server`) ? 'server' : 'agent');
  return { distro, proc, merged, configFiles, problems, dataDir, role };
}

/** The problem, if any, that leaves a component's flags from the k3s/RKE2 configuration unknown. */
function distroConfigProblem(ctx: DistroContext, component: ArgComponent): FileProblem | undefined {
  const p = ctx.problems.find((x) => x.component === undefined || x.component === component);
  if (!p) return undefined;
  const unknown = p.component === undefined ? `the effective ${DISTRO_NAMES[ctx.distro]} configuration is unknown` : `the ${ARG_KEYS[component]} flags are unknown`;
  return { file: p.file, line: p.line, message: `${p.message}; ${unknown}` };
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
    const facts: ComponentFacts = { component: 'apiserver', source, flags, origins, managedBy: 'k3s', configProblem: distroConfigProblem(ctx, 'apiserver') };
    const etcdFlags = ['etcd-cafile', 'etcd-certfile', 'etcd-keyfile'];
    if (datastore === 'sqlite') {
      facts.notApplicable = Object.fromEntries(etcdFlags.filter((f) => flags[f] === undefined).map((f) => [f, 'k3s keeps its data in SQLite through kine; there is no etcd connection']));
    } else if (datastore === 'external') {
      const tls = ['datastore-cafile', 'datastore-certfile', 'datastore-keyfile'].map((k) => `${k} ${optionValue(merged, proc, k) ? 'set' : 'not set'}`).join(', ');
      facts.unknown = Object.fromEntries(etcdFlags.filter((f) => flags[f] === undefined).map((f) => [f, `k3s uses an external datastore (datastore-endpoint); ${tls}: check that its connection uses TLS with a client certificate`]));
    }
    components.apiserver = facts;
  }
  if (!disabled('disable-controller-manager')) components['controller-manager'] = { component: 'controller-manager', source, ...distroFlags('k3s', 'controller-manager', dataDir, merged, proc), managedBy: 'k3s', configProblem: distroConfigProblem(ctx, 'controller-manager') };
  if (!disabled('disable-scheduler')) components.scheduler = { component: 'scheduler', source, ...distroFlags('k3s', 'scheduler', dataDir, merged, proc), managedBy: 'k3s', configProblem: distroConfigProblem(ctx, 'scheduler') };
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
  /** File-system calls to use instead of node:fs (tests). */
  io?: NodeIo;
}

/** A --root or --proc that is not a readable directory: the one error readNode throws. */
export class NodeRootError extends Error {
  constructor(
    readonly option: '--root' | '--proc',
    readonly dir: string,
    readonly code: string,
  ) {
    super(`${option} ${dir}: ${code === 'ENOENT' ? 'no such directory' : code === 'ENOTDIR' ? 'not a directory' : code === 'EACCES' ? 'permission denied' : code}`);
  }
}

function readableDirectory(dir: string, option: '--root' | '--proc'): void {
  try {
    if (!io.stat(dir).isDirectory()) throw new NodeRootError(option, dir, 'ENOTDIR');
    io.readdir(dir);
  } catch (err) {
    if (err instanceof NodeRootError) throw err;
    throw new NodeRootError(option, dir, errorCode(err));
  }
}

/** Reads everything the node checks need. Throws (NodeRootError) only when root or procDir is not a readable directory. */
export function readNode(root: string, options: ReadNodeOptions = {}): NodeFacts {
  const previous = io;
  io = options.io ?? REAL_IO;
  try {
    readableDirectory(root, '--root');
    if (options.procDir !== undefined) readableDirectory(options.procDir, '--proc');
    return readNodeFacts(root, options);
  } finally {
    io = previous;
  }
}

function readNodeFacts(root: string, options: ReadNodeOptions): NodeFacts {
  const components: NodeFacts['components'] = {};
  const manifestProblems: ParsedFile[] = [];
  const files: Record<string, FileFacts> = {};
  const unlisted: Record<string, string> = {};
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
    const { units, files: unitFiles, problems } = kubeletUnits(root, unlisted);
    kubeletServiceFiles.push(...unitFiles);
    const command = kubeletCommand(units, (p) => {
      const read = readUnder(root, p);
      if (read?.error) problems.push({ file: p, message: read.error });
      return { path: p, text: read?.text };
    });
    if (command && path.basename(command.argv[0] ?? '') === 'kubelet') {
      const { flags, at } = parseFlagsIndexed(command.argv.slice(1));
      const origins = Object.fromEntries(Object.entries(at).map(([f, i]) => [f, command.origins[i + 1]]));
      kubelet = { component: 'kubelet', source: command.source, flags, origins };
      if (problems.length) kubelet.configProblem = { ...problems[0], message: `${problems[0].message}; the kubelet's command line, built from its systemd units, is not fully known` };
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
    kubelet = { component: 'kubelet', source: distroSource(ctx), flags, origins, managedBy: ctx.distro, configProblem: distroConfigProblem(ctx, 'kubelet') };
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
  const kubeletConfigDropIns = dropInDir ? listDir(root, dropInDir, (n) => n.endsWith('.conf'), unlisted).map((p) => parseYamlFile(root, p) ?? { path: p, error: 'not found' }) : [];
  const kubeletConfigDirProblem: ParsedFile | undefined = dropInDir && unlisted[dropInDir] ? { path: dropInDir, error: `cannot list: ${unlisted[dropInDir]}` } : undefined;
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
  const pkiFiles = !ctx || ctx.role === 'server' ? listPki(root, pkiDir, unlisted) : [];
  for (const p of pkiFiles) record(p);

  const etcdDataDir = components.etcd && !components.etcd.error ? (components.etcd.flags['data-dir'] ?? (distro === 'k3s' ? dd('/server/db/etcd') : undefined)) : undefined;
  let users: Record<number, string> | undefined;
  let groups: Record<number, string> | undefined;
  const idProblems: FileProblem[] = [];
  if (etcdDataDir) {
    record(etcdDataDir);
    users = readIds(root, '/etc/passwd', idProblems);
    groups = readIds(root, '/etc/group', idProblems);
  }

  const cniFiles = CNI_DIRS.flatMap((d) => listDir(root, d, (n) => !n.startsWith('.'), unlisted));
  for (const p of cniFiles) record(p);

  const encryptionPath = components.apiserver?.flags['encryption-provider-config'];
  const encryptionConfig = encryptionPath ? (parseYamlFile(root, encryptionPath) ?? { path: encryptionPath, error: 'file not found' }) : undefined;

  const configProblems = ctx?.problems.map(({ file, line, message }) => ({ file, line, message }));
  const detected = detect(root, components, manifests, manifestProblems, kubeletConfig, ctx, procs, datastore);
  return {
    root, detected, components, manifests, pkiDir, manifestProblems, kubeletConfig, encryptionConfig, files, pkiFiles,
    kubeletConfigDropIns, kubeconfigs, kubeletServiceFiles, kubeletClientCaFile, etcdDataDir, users, groups, cniFiles,
    ...(configProblems?.length ? { configProblems } : {}),
    ...(Object.keys(unlisted).length ? { unlisted } : {}),
    ...(kubeletConfigDirProblem ? { kubeletConfigDirProblem } : {}),
    ...(idProblems.length ? { idProblems } : {}),
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

function detect(root: string, components: NodeFacts['components'], manifests: NodeFacts['manifests'], manifestProblems: ParsedFile[], kubeletConfig: ParsedFile | undefined, ctx: DistroContext | undefined, procs: Processes, datastore: Datastore | undefined): Detected {
  const evidence: string[] = [];
  const has = (p: string): boolean => {
    const yes = exists(root, p);
    if (yes) evidence.push(p);
    return yes;
  };
  let layout: Layout;
  // Manifests that are there but unusable still make a control-plane node (their checks warn).
  const fromManifests = CONTROL_PLANE.some((c) => components[c.component]?.source === manifests[c.component]) || manifestProblems.length > 0;
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
