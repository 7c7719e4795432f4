/**
 * A node's own files, read under a root directory (`/` on the node, a copied tree in tests):
 * control-plane static pod manifests, component command lines from /proc, the kubelet's
 * configuration, the EncryptionConfiguration, and the modes and owners of the sensitive files.
 * Nothing here throws on bad input: a missing, oversized or malformed file becomes a fact
 * (`error`) that the checks report as warn or manual.
 */
import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';

/** Configuration files are small; anything larger than this is not what we are looking for. */
export const MAX_NODE_FILE_BYTES = 1024 * 1024;
/** A /proc tree with more entries than this is not a real one; stop rather than wander. */
const MAX_PROC_ENTRIES = 100_000;
const MAX_PKI_FILES = 1000;

export type Component = 'apiserver' | 'controller-manager' | 'scheduler' | 'etcd' | 'kubelet';

/** Static pod manifest directories: kubeadm's, and RKE2's (which writes full manifests for its components). */
export const MANIFEST_DIRS = { kubeadm: '/etc/kubernetes/manifests', rke2: '/var/lib/rancher/rke2/agent/pod-manifests' } as const;
export const PKI_DIRS = { kubeadm: '/etc/kubernetes/pki', rke2: '/var/lib/rancher/rke2/server/tls' } as const;

export const CONTROL_PLANE: { component: Exclude<Component, 'kubelet'>; binary: string; file: string }[] = [
  { component: 'apiserver', binary: 'kube-apiserver', file: 'kube-apiserver.yaml' },
  { component: 'controller-manager', binary: 'kube-controller-manager', file: 'kube-controller-manager.yaml' },
  { component: 'scheduler', binary: 'kube-scheduler', file: 'kube-scheduler.yaml' },
  { component: 'etcd', binary: 'etcd', file: 'etcd.yaml' },
];

export const KUBECONFIGS = ['/etc/kubernetes/admin.conf', '/etc/kubernetes/super-admin.conf', '/etc/kubernetes/controller-manager.conf', '/etc/kubernetes/scheduler.conf', '/etc/kubernetes/kubelet.conf'];
export const DEFAULT_KUBELET_CONFIG = '/var/lib/kubelet/config.yaml';

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
  /** Where the flags came from: a manifest path or /proc/PID/cmdline. */
  source: string;
  flags: Record<string, string>;
  /** The container image of a static pod (its tag usually carries the Kubernetes version). */
  image?: string;
  /** The source exists but could not be read or understood. */
  error?: string;
}

export interface ParsedFile {
  path: string;
  data?: unknown;
  error?: string;
}

export type Layout = 'kubeadm' | 'k3s' | 'rke2' | 'worker' | 'unknown';

export interface Detected {
  layout: Layout;
  /** Components found, with where their settings came from. */
  components: Partial<Record<Component, string>>;
  /** Well-known paths that decided the layout. */
  evidence: string[];
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
  /** Stat of manifests, kubeconfigs, kubelet config, PKI dir and its files, keyed by node path. */
  files: Record<string, FileFacts>;
  pkiFiles: string[];
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

function parseYamlFile(root: string, nodePath: string): ParsedFile | undefined {
  const read = readLimited(underRoot(root, nodePath));
  if (!read) return undefined;
  if (read.error) return { path: nodePath, error: read.error };
  try {
    const data = yaml.load(read.text!, { json: true });
    return { path: nodePath, data };
  } catch (err) {
    const mark = (err as { mark?: { line?: number } }).mark;
    return { path: nodePath, error: `not valid YAML${mark?.line !== undefined ? ` (line ${mark.line + 1})` : ''}` };
  }
}

/**
 * Command-line flags as pflag reads them: `--flag=value`, `--flag value` (not for boolean
 * flags), a bare `--flag` is "true"; the last occurrence wins.
 */
export function parseFlags(argv: string[]): Record<string, string> {
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (typeof arg !== 'string' || !arg.startsWith('-') || arg === '-' || arg === '--') continue;
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    if (eq !== -1) {
      flags[body.slice(0, eq)] = body.slice(eq + 1);
    } else if (!BOOLEAN_FLAGS.has(body) && i + 1 < argv.length && typeof argv[i + 1] === 'string' && !argv[i + 1].startsWith('-')) {
      flags[body] = argv[++i];
    } else {
      flags[body] = 'true';
    }
  }
  return flags;
}

/** The flags of the first container of a static pod whose command or args mention the binary. */
function manifestFlags(data: unknown, binary: string): { flags?: Record<string, string>; image?: string; error?: string } {
  const spec = (data as { spec?: { containers?: unknown } } | null)?.spec;
  const containers = Array.isArray(spec?.containers) ? (spec!.containers as unknown[]) : undefined;
  if (!containers || containers.length === 0) return { error: 'no spec.containers in the pod manifest' };
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const argvOf = (c: unknown): string[] => [...strings((c as { command?: unknown })?.command), ...strings((c as { args?: unknown })?.args)];
  const container = containers.find((c) => argvOf(c).some((a) => path.basename(a) === binary)) ?? containers[0];
  const argv = argvOf(container);
  if (argv.length === 0) return { error: 'the container has no command or args' };
  const image = (container as { image?: unknown })?.image;
  return { flags: parseFlags(argv), image: typeof image === 'string' ? image : undefined };
}

const BINARIES: Record<string, Component> = {
  'kube-apiserver': 'apiserver',
  'kube-controller-manager': 'controller-manager',
  'kube-scheduler': 'scheduler',
  etcd: 'etcd',
  kubelet: 'kubelet',
};

/** Component processes under root/proc (absent in most copied trees). */
function readProcesses(root: string): ComponentFacts[] {
  let entries: string[];
  try {
    entries = readdirSync(underRoot(root, '/proc'));
  } catch {
    return [];
  }
  const found: ComponentFacts[] = [];
  for (const pid of entries.slice(0, MAX_PROC_ENTRIES)) {
    if (!/^\d+$/.test(pid)) continue;
    const read = readLimited(underRoot(root, `/proc/${pid}/cmdline`));
    if (!read?.text) continue;
    const argv = read.text.split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
    const component = BINARIES[path.basename(argv[0] ?? '')];
    if (!component) continue;
    found.push({ component, source: `/proc/${pid}/cmdline`, flags: parseFlags(argv.slice(1)) });
  }
  return found;
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

/** Reads everything the node checks need. Throws only when root itself is not a readable directory. */
export function readNode(root: string): NodeFacts {
  const rootStat = statSync(root); // ENOENT etc. propagate: the CLI turns them into a usage error
  if (!rootStat.isDirectory()) throw Object.assign(new Error(`${root} is not a directory`), { code: 'ENOTDIR' });
  readdirSync(root);

  const components: NodeFacts['components'] = {};
  const manifestProblems: ParsedFile[] = [];
  const files: Record<string, FileFacts> = {};
  const record = (p: string): FileFacts => (files[p] = statFile(root, p));

  const flavour = !exists(root, MANIFEST_DIRS.kubeadm) && exists(root, MANIFEST_DIRS.rke2) ? 'rke2' : 'kubeadm';
  const manifestDir = MANIFEST_DIRS[flavour];
  const pkiDir = PKI_DIRS[flavour];
  const manifests = Object.fromEntries(CONTROL_PLANE.map((c) => [c.component, `${manifestDir}/${c.file}`])) as NodeFacts['manifests'];
  for (const { component, binary } of CONTROL_PLANE) {
    const manifest = manifests[component];
    record(manifest);
    const parsed = parseYamlFile(root, manifest);
    if (!parsed) continue;
    if (parsed.error) {
      manifestProblems.push(parsed);
      continue;
    }
    const { flags, image, error } = manifestFlags(parsed.data, binary);
    if (error) manifestProblems.push({ path: manifest, error });
    else components[component] = { component, source: manifest, flags: flags!, image };
  }
  // A process's live command line is the truth when there is no manifest (or the manifest was unusable).
  for (const proc of readProcesses(root)) {
    if (!components[proc.component]) components[proc.component] = proc;
  }

  const kubeletConfigPath = components.kubelet?.flags.config ?? DEFAULT_KUBELET_CONFIG;
  record(kubeletConfigPath);
  const kubeletConfig = parseYamlFile(root, kubeletConfigPath);
  const kubeletKubeconfig = components.kubelet?.flags.kubeconfig;

  for (const k of KUBECONFIGS) record(k);
  if (kubeletKubeconfig && !files[kubeletKubeconfig]) record(kubeletKubeconfig);
  record(pkiDir);
  const pkiFiles = listPki(root, pkiDir);
  for (const p of pkiFiles) record(p);

  const encryptionPath = components.apiserver?.flags['encryption-provider-config'];
  const encryptionConfig = encryptionPath
    ? (parseYamlFile(root, encryptionPath) ?? { path: encryptionPath, error: 'file not found' })
    : undefined;

  const detected = detect(root, components, manifests, kubeletConfig);
  return { root, detected, components, manifests, pkiDir, manifestProblems, kubeletConfig, encryptionConfig, files, pkiFiles };
}

function detect(root: string, components: NodeFacts['components'], manifests: NodeFacts['manifests'], kubeletConfig: ParsedFile | undefined): Detected {
  const evidence: string[] = [];
  const has = (p: string): boolean => {
    const yes = exists(root, p);
    if (yes) evidence.push(p);
    return yes;
  };
  let layout: Layout;
  const fromManifests = CONTROL_PLANE.some((c) => components[c.component]?.source === manifests[c.component]);
  if (has('/etc/rancher/rke2') || (fromManifests && has(MANIFEST_DIRS.rke2))) layout = 'rke2';
  else if (has('/etc/rancher/k3s')) layout = 'k3s';
  else if (fromManifests && has(MANIFEST_DIRS.kubeadm)) layout = 'kubeadm';
  else if (components.kubelet || kubeletConfig || has('/var/lib/kubelet')) {
    layout = 'worker';
    if (kubeletConfig) evidence.push(kubeletConfig.path);
    if (components.kubelet) evidence.push(components.kubelet.source);
  } else layout = 'unknown';
  const found: Detected['components'] = {};
  for (const [name, facts] of Object.entries(components)) found[name as Component] = facts!.source;
  if (kubeletConfig && !found.kubelet) found.kubelet = kubeletConfig.path;
  return { layout, components: found, evidence };
}
