/**
 * k3s and RKE2: their own configuration (`/etc/rancher/<distro>/config.yaml`, its `config.yaml.d`
 * drop-ins, and the flags of the running `k3s`/`rke2` process) and the component flags that
 * configuration produces. Pure functions of already-read files; the I/O is in node.ts.
 *
 * Precedence, as docs.k3s.io "Configuration Options" describes it: drop-ins load in alphabetical
 * order after config.yaml and the last file to set a key wins, except that a key written `key+`
 * appends to the list so far; flags on the process command line win over every file, and a
 * repeated flag given there replaces the whole list from the files. Within one `<component>-arg`
 * list a later `flag=value` replaces an earlier one for the same flag, and any of them replaces
 * the distribution's own default for that flag.
 */
import type { Distro, FlagOrigin } from './flag-origin.js';

export const DISTRO_NAMES: Record<Distro, string> = { k3s: 'k3s', rke2: 'RKE2' };

export const CONFIG_FILE: Record<Distro, string> = { k3s: '/etc/rancher/k3s/config.yaml', rke2: '/etc/rancher/rke2/config.yaml' };
export const DATA_DIR: Record<Distro, string> = { k3s: '/var/lib/rancher/k3s', rke2: '/var/lib/rancher/rke2' };
/** The admin kubeconfig each writes for people (`write-kubeconfig`); mode 0600 unless `write-kubeconfig-mode` says otherwise. */
export const WRITTEN_KUBECONFIG: Record<Distro, string> = { k3s: '/etc/rancher/k3s/k3s.yaml', rke2: '/etc/rancher/rke2/rke2.yaml' };

/** The `<component>-arg` key of each component. */
export const ARG_KEYS = {
  apiserver: 'kube-apiserver-arg',
  'controller-manager': 'kube-controller-manager-arg',
  scheduler: 'kube-scheduler-arg',
  etcd: 'etcd-arg',
  kubelet: 'kubelet-arg',
} as const;
export type ArgComponent = keyof typeof ARG_KEYS;

/** Flags of the k3s/rke2 CLI that take no value (urfave/cli booleans). Others take the next word. */
const BOOLEAN_OPTIONS = new Set([
  'secrets-encryption', 'protect-kernel-defaults', 'cluster-init', 'cluster-reset', 'disable-apiserver', 'disable-scheduler',
  'disable-controller-manager', 'disable-etcd', 'disable-agent', 'disable-kube-proxy', 'disable-cloud-controller', 'debug',
  'selinux', 'rootless', 'etcd-expose-metrics', 'etcd-disable-snapshots', 'with-node-id', 'docker', 'prefer-bundled-bin',
  'flannel-ipv6-masq', 'flannel-external-ip', 'disable-network-policy', 'disable-helm-controller', 'embedded-registry',
]);
/** Options that may repeat; on the command line the repeats form one list that replaces the files' list. */
const LIST_OPTIONS = new Set([...Object.values(ARG_KEYS), 'kube-proxy-arg', 'kube-cloud-controller-manager-arg', 'node-label', 'node-taint', 'tls-san', 'disable']);

/** One value of a configuration key and where it was written. */
export interface ConfigValue {
  value: unknown;
  file: string;
  line?: number;
  /** The key as written (`kube-apiserver-arg+` for an append). */
  key: string;
}

/** The merged configuration: scalars keep their last value, lists keep every entry with its own origin. */
export interface MergedConfig {
  scalars: Record<string, ConfigValue>;
  lists: Record<string, ConfigValue[]>;
}

export interface ParsedConfigFile {
  path: string;
  data?: unknown;
  /** JSON Pointer -> 1-based line. */
  lines?: Record<string, number>;
  error?: string;
}

export interface DistroProcess {
  source: string;
  role: 'server' | 'agent';
  options: Record<string, string[]>;
}

/** Splits a k3s/rke2 command line (after `server`/`agent`) into options, repeats kept in order. */
export function parseDistroArgs(argv: string[]): Record<string, string[]> {
  const options: Record<string, string[]> = {};
  const add = (name: string, value: string): void => {
    (options[name] ??= []).push(value);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (typeof arg !== 'string' || !arg.startsWith('-') || arg === '-' || arg === '--') continue;
    let name = arg.replace(/^--?/, '');
    const eq = name.indexOf('=');
    if (eq !== -1) {
      add(name.slice(0, eq), name.slice(eq + 1));
      continue;
    }
    // Short aliases the options we read have.
    name = ({ c: 'config', d: 'data-dir' } as Record<string, string>)[name] ?? name;
    if (!BOOLEAN_OPTIONS.has(name) && i + 1 < argv.length && typeof argv[i + 1] === 'string' && !argv[i + 1].startsWith('-')) add(name, argv[++i]);
    else add(name, 'true');
  }
  return options;
}

/** Something in a configuration file that makes part of the configuration unknown. */
export interface ConfigShapeProblem {
  line?: number;
  message: string;
  /** The component whose `*-arg` list is affected; undefined: the whole file. */
  component?: ArgComponent;
}

const ARG_COMPONENTS = Object.fromEntries(Object.entries(ARG_KEYS).map(([c, key]) => [key, c as ArgComponent])) as Record<string, ArgComponent>;

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'a mapping' : `a ${typeof v}`;
}

/**
 * What in a parsed configuration file k3s/RKE2 would not take as written: a top level that is not
 * a mapping of options, or a `<component>-arg` that is not "flag=value" strings. Values are never
 * quoted (an argument may carry a secret), only their kind.
 */
export function configShapeProblems(file: ParsedConfigFile): ConfigShapeProblem[] {
  const data = file.data;
  if (file.error || data === null || data === undefined) return [];
  if (typeof data !== 'object' || Array.isArray(data)) return [{ line: file.lines?.[''], message: `not a mapping of options (the file holds ${kindOf(data)})` }];
  const problems: ConfigShapeProblem[] = [];
  for (const [rawKey, value] of Object.entries(data as Record<string, unknown>)) {
    const key = rawKey.endsWith('+') ? rawKey.slice(0, -1) : rawKey;
    const component = ARG_COMPONENTS[key];
    if (!component) continue;
    const pointer = `/${rawKey.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    const items = Array.isArray(value) ? value : [value];
    const bad = items.findIndex((item) => typeof item !== 'string');
    if (bad === -1) continue;
    const line = file.lines?.[Array.isArray(value) ? `${pointer}/${bad}` : pointer] ?? file.lines?.[pointer];
    problems.push({ line, component, message: `${rawKey}${line ? ` (line ${line})` : ''}: expected "flag=value" strings, found ${kindOf(items[bad])}` });
  }
  return problems;
}

/** Merges config.yaml and its drop-ins in load order. Files that failed to parse are skipped (their error is reported by the caller). */
export function mergeConfigFiles(files: ParsedConfigFile[]): MergedConfig {
  const merged: MergedConfig = { scalars: {}, lists: {} };
  for (const file of files) {
    const data = file.data;
    if (file.error || data === null || typeof data !== 'object' || Array.isArray(data)) continue;
    for (const [rawKey, value] of Object.entries(data as Record<string, unknown>)) {
      const append = rawKey.endsWith('+');
      const key = append ? rawKey.slice(0, -1) : rawKey;
      const pointer = `/${rawKey.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (Array.isArray(value) || LIST_OPTIONS.has(key)) {
        const items = (Array.isArray(value) ? value : [value]).map((item, i): ConfigValue => ({
          value: item,
          file: file.path,
          line: file.lines?.[Array.isArray(value) ? `${pointer}/${i}` : pointer],
          key: rawKey,
        }));
        merged.lists[key] = append ? [...(merged.lists[key] ?? []), ...items] : items;
        delete merged.scalars[key];
      } else {
        merged.scalars[key] = { value, file: file.path, line: file.lines?.[pointer], key: rawKey };
        delete merged.lists[key];
      }
    }
  }
  return merged;
}

/** A configuration option's effective value: the process command line first, then the files. */
export function optionValue(merged: MergedConfig, proc: DistroProcess | undefined, name: string): ConfigValue | undefined {
  const fromCli = proc?.options[name];
  if (fromCli?.length) return { value: fromCli[fromCli.length - 1], file: proc!.source, key: `--${name}` };
  return merged.scalars[name] ?? merged.lists[name]?.at(-1);
}

export function optionTrue(merged: MergedConfig, proc: DistroProcess | undefined, name: string): boolean {
  const v = optionValue(merged, proc, name)?.value;
  return v === true || (typeof v === 'string' && v.toLowerCase() === 'true');
}

/** `flag=value` entries of a `<component>-arg` list, with origins; the command line replaces the files' list. */
export function componentArgs(merged: MergedConfig, proc: DistroProcess | undefined, component: ArgComponent): { flags: Record<string, string>; origins: Record<string, FlagOrigin> } {
  const key = ARG_KEYS[component];
  const fromCli = proc?.options[key];
  const entries: ConfigValue[] = fromCli?.length ? fromCli.map((value) => ({ value, file: proc!.source, key: `--${key}` })) : (merged.lists[key] ?? []);
  const flags: Record<string, string> = {};
  const origins: Record<string, FlagOrigin> = {};
  for (const entry of entries) {
    if (typeof entry.value !== 'string' && typeof entry.value !== 'number' && typeof entry.value !== 'boolean') continue;
    const text = String(entry.value).replace(/^--?/, '');
    if (!text) continue;
    const eq = text.indexOf('=');
    const flag = eq === -1 ? text : text.slice(0, eq);
    flags[flag] = eq === -1 ? 'true' : text.slice(eq + 1);
    origins[flag] = { file: entry.file, line: entry.line, via: entry.key.replace(/\+$/, '') };
  }
  return { flags, origins };
}

/**
 * Component flags each distribution sets by itself, limited to what its CIS self-assessment
 * guide documents ("By default, K3s sets ..." / "By default, RKE2 sets ...", or the flag in the
 * guide's recorded command line of a cluster with no user setting for it):
 * docs.k3s.io/security/self-assessment-1.8 (k3s v1.26-v1.29) and
 * docs.rke2.io/security/cis_self_assessment18 (RKE2 v1.26-v1.31). A flag not listed here is
 * judged by the component's upstream default, and the evidence says so; RKE2's control plane
 * is read from the static pod manifests it writes, so it needs no table.
 * `${data}` is the data directory (`data-dir`, /var/lib/rancher/<distro> by default).
 */
export const DISTRO_DEFAULTS: Record<Distro, Partial<Record<ArgComponent, Record<string, string>>>> = {
  k3s: {
    apiserver: {
      'anonymous-auth': 'false',
      'authorization-mode': 'Node,RBAC',
      'enable-admission-plugins': 'NodeRestriction',
      profiling: 'false',
      'client-ca-file': '${data}/server/tls/client-ca.crt',
      'kubelet-certificate-authority': '${data}/server/tls/server-ca.crt',
      'kubelet-client-certificate': '${data}/server/tls/client-kube-apiserver.crt',
      'kubelet-client-key': '${data}/server/tls/client-kube-apiserver.key',
      'service-account-key-file': '${data}/server/tls/service.key',
      'tls-cert-file': '${data}/server/tls/serving-kube-apiserver.crt',
      'tls-private-key-file': '${data}/server/tls/serving-kube-apiserver.key',
      'tls-cipher-suites':
        'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305',
    },
    'controller-manager': {
      profiling: 'false',
      'use-service-account-credentials': 'true',
      'service-account-private-key-file': '${data}/server/tls/service.current.key',
      'root-ca-file': '${data}/server/tls/server-ca.crt',
      'bind-address': '127.0.0.1',
    },
    scheduler: { profiling: 'false', 'bind-address': '127.0.0.1' },
    kubelet: {
      'anonymous-auth': 'false',
      'authorization-mode': 'Webhook',
      'client-ca-file': '${data}/agent/client-ca.crt',
      'read-only-port': '0',
      'event-qps': '0',
      'tls-cert-file': '${data}/agent/serving-kubelet.crt',
      'tls-private-key-file': '${data}/agent/serving-kubelet.key',
      'hostname-override': '<node name>',
      kubeconfig: '${data}/agent/kubelet.kubeconfig',
    },
  },
  rke2: {
    kubelet: {
      'anonymous-auth': 'false',
      'authorization-mode': 'Webhook',
      'client-ca-file': '${data}/agent/client-ca.crt',
      'read-only-port': '0',
      'tls-cert-file': '${data}/agent/serving-kubelet.crt',
      'tls-private-key-file': '${data}/agent/serving-kubelet.key',
      'hostname-override': '<node name>',
      kubeconfig: '${data}/agent/kubelet.kubeconfig',
    },
  },
};

/** k3s's apiserver flags for its embedded etcd (docs.k3s.io self-assessment 1.2.24, 1.2.27). */
export const K3S_EMBEDDED_ETCD_CLIENT: Record<string, string> = {
  'etcd-cafile': '${data}/server/tls/etcd/server-ca.crt',
  'etcd-certfile': '${data}/server/tls/etcd/client.crt',
  'etcd-keyfile': '${data}/server/tls/etcd/client.key',
};

/** Where `secrets-encryption: true` makes k3s and RKE2 write the EncryptionConfiguration (docs.k3s.io 1.2.28). */
export const ENCRYPTION_CONFIG = '${data}/server/cred/encryption-config.json';

export function withDataDir(template: string, dataDir: string): string {
  return template.replace('${data}', dataDir);
}

/** Defaults plus the user's `<component>-arg`, each flag with its origin. */
export function distroFlags(distro: Distro, component: ArgComponent, dataDir: string, merged: MergedConfig, proc: DistroProcess | undefined, extraDefaults: Record<string, string> = {}, skipDefaults = false): { flags: Record<string, string>; origins: Record<string, FlagOrigin> } {
  const flags: Record<string, string> = {};
  const origins: Record<string, FlagOrigin> = {};
  if (!skipDefaults) {
    for (const [flag, value] of Object.entries({ ...(DISTRO_DEFAULTS[distro][component] ?? {}), ...extraDefaults })) {
      flags[flag] = withDataDir(value, dataDir);
      origins[flag] = { defaultOf: distro };
    }
  }
  const user = componentArgs(merged, proc, component);
  Object.assign(flags, user.flags);
  Object.assign(origins, user.origins);
  return { flags, origins };
}

/** k3s's datastore: embedded etcd, SQLite through kine (its default), or an external endpoint. */
export type Datastore = 'embedded etcd' | 'sqlite' | 'external';
