/**
 * Kubeconfig files read as kubectl reads them, and exec credential plugins run under a deadline.
 *
 * @kubernetes/client-node reads kubeconfigs differently from kubectl in ways a user notices: a
 * missing file in KUBECONFIG is an error (kubectl skips it), two files defining the same name are
 * an error (kubectl keeps the first), relative paths in the second file are resolved against the
 * working directory, an empty file gives "Cannot read properties of undefined", an exec plugin has
 * no deadline and its output is quoted in errors. So the files are read and merged here, following
 * https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/, and the
 * client library is given only the one cluster and user to use, credentials already obtained.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';

/** A problem that ends a cluster command (kubeconfig, credentials, connection): one line for the user, exit code 2. */
export class ClusterError extends Error {
  override name = 'ClusterError';
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const nonEmptyString = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export interface ClusterEntry {
  name: string;
  server?: string;
  caData?: string;
  caFile?: string;
  skipTLSVerify: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
}

export interface ExecConfig {
  command: string;
  args: string[];
  env: { name: string; value: string }[];
  apiVersion?: string;
  installHint?: string;
  provideClusterInfo: boolean;
}

export interface UserEntry {
  name: string;
  token?: string;
  tokenFile?: string;
  certData?: string;
  certFile?: string;
  keyData?: string;
  keyFile?: string;
  username?: string;
  password?: string;
  impersonate?: string;
  exec?: ExecConfig;
  authProvider?: { name: string; config: Obj };
}

export interface ContextEntry {
  name: string;
  cluster?: string;
  user?: string;
  namespace?: string;
}

/** What to connect to and as whom, once the files are merged and the context chosen. */
export interface ResolvedKubeconfig {
  /** Where the configuration came from, for messages: a file, "KUBECONFIG (a:b)", the pod's service account. */
  source: string;
  context: string;
  cluster: ClusterEntry & { server: string };
  /** Undefined: the context names no user (anonymous requests). */
  user: UserEntry | undefined;
}

export interface LoadOptions {
  kubeconfig?: string;
  context?: string;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Finds the configuration as kubectl does (--kubeconfig, KUBECONFIG, ~/.kube/config, then in-cluster) and picks the context. */
export function loadKubeconfig(options: LoadOptions, env: NodeJS.ProcessEnv = process.env): ResolvedKubeconfig {
  let files: string[];
  let source: string;
  if (options.kubeconfig) {
    // An explicit file must exist: kubectl fails too.
    if (!existsSync(options.kubeconfig)) throw new ClusterError(`--kubeconfig: ${options.kubeconfig} does not exist`);
    files = [options.kubeconfig];
    source = options.kubeconfig;
  } else if (env.KUBECONFIG) {
    const listed = env.KUBECONFIG.split(path.delimiter).filter((f) => f !== '');
    // kubectl skips the files of the list that do not exist.
    files = listed.filter((f) => existsSync(f));
    source = listed.length === 1 ? listed[0] : `KUBECONFIG (${listed.join(path.delimiter)})`;
    if (files.length === 0) throw new ClusterError(`no kubeconfig: none of the files in KUBECONFIG exists (${listed.join(', ')})`);
  } else {
    const home = path.join(env.HOME || os.homedir(), '.kube', 'config');
    if (existsSync(home)) {
      files = [home];
      source = home;
    } else if (env.KUBERNETES_SERVICE_HOST && existsSync(path.join(SERVICE_ACCOUNT_DIR, 'token'))) {
      return inCluster(env, options.context);
    } else {
      throw new ClusterError('no cluster credentials: no --kubeconfig, KUBECONFIG or ~/.kube/config, and not running in a pod');
    }
  }
  const merged = mergeFiles(files);
  return resolve(merged, source, options.context);
}

interface Merged {
  clusters: Map<string, ClusterEntry>;
  users: Map<string, UserEntry>;
  contexts: Map<string, ContextEntry>;
  currentContext?: string;
}

/** The first file to set a value or define a name wins; a later definition of the same name is dropped whole. */
function mergeFiles(files: string[]): Merged {
  const merged: Merged = { clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const file of files) {
    const doc = readFile(file);
    const dir = path.dirname(path.resolve(file));
    merged.currentContext ??= nonEmptyString(doc['current-context']);
    for (const [name, body] of namedEntries(doc, 'clusters', 'cluster', file)) if (!merged.clusters.has(name)) merged.clusters.set(name, clusterEntry(name, body, dir));
    for (const [name, body] of namedEntries(doc, 'users', 'user', file)) if (!merged.users.has(name)) merged.users.set(name, userEntry(name, body, dir, file));
    for (const [name, body] of namedEntries(doc, 'contexts', 'context', file)) {
      if (!merged.contexts.has(name)) merged.contexts.set(name, { name, cluster: nonEmptyString(body.cluster), user: nonEmptyString(body.user), namespace: nonEmptyString(body.namespace) });
    }
  }
  return merged;
}

function readFile(file: string): Obj {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ClusterError(`${file}: cannot read the kubeconfig${code ? ` (${code})` : ''}`);
  }
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (err) {
    // Only the reason and position: the excerpt js-yaml adds may show a token or key.
    const e = err as { reason?: string; mark?: { line: number; column: number } };
    const where = e.mark ? ` at line ${e.mark.line + 1}, column ${e.mark.column + 1}` : '';
    throw new ClusterError(`${file}: the kubeconfig is not valid YAML${where}${e.reason ? `: ${e.reason}` : ''}`);
  }
  // An empty file is an empty configuration, as for kubectl; it is reported if nothing else defines a context.
  if (doc === undefined || doc === null) return {};
  if (!isObj(doc)) throw new ClusterError(`${file}: not a kubeconfig: expected a mapping with clusters, users and contexts`);
  return doc;
}

function namedEntries(doc: Obj, list: string, field: string, file: string): [string, Obj][] {
  const value = doc[list];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ClusterError(`${file}: ${list} is not a list`);
  const out: [string, Obj][] = [];
  value.forEach((entry, i) => {
    if (!isObj(entry)) throw new ClusterError(`${file}: ${list}[${i}] is not a mapping`);
    const name = nonEmptyString(entry.name);
    if (name === undefined) throw new ClusterError(`${file}: ${list}[${i}] has no name`);
    const body = entry[field];
    if (body !== undefined && body !== null && !isObj(body)) throw new ClusterError(`${file}: ${list}[${i}] (${name}): ${field} is not a mapping`);
    out.push([name, isObj(body) ? body : {}]);
  });
  return out;
}

/** Relative paths in a kubeconfig are relative to the file that holds them. */
function relativeTo(dir: string, file: string | undefined): string | undefined {
  return file === undefined ? undefined : path.resolve(dir, file);
}

function clusterEntry(name: string, c: Obj, dir: string): ClusterEntry {
  return {
    name,
    server: nonEmptyString(c.server),
    caData: nonEmptyString(c['certificate-authority-data']),
    caFile: relativeTo(dir, nonEmptyString(c['certificate-authority'])),
    skipTLSVerify: c['insecure-skip-tls-verify'] === true,
    tlsServerName: nonEmptyString(c['tls-server-name']),
    proxyUrl: nonEmptyString(c['proxy-url']),
  };
}

function userEntry(name: string, u: Obj, dir: string, file: string): UserEntry {
  const entry: UserEntry = {
    name,
    token: nonEmptyString(u.token),
    tokenFile: relativeTo(dir, nonEmptyString(u.tokenFile) ?? nonEmptyString(u['token-file'])),
    certData: nonEmptyString(u['client-certificate-data']),
    certFile: relativeTo(dir, nonEmptyString(u['client-certificate'])),
    keyData: nonEmptyString(u['client-key-data']),
    keyFile: relativeTo(dir, nonEmptyString(u['client-key'])),
    username: nonEmptyString(u.username),
    password: typeof u.password === 'string' ? u.password : undefined,
    impersonate: nonEmptyString(u.as),
  };
  if (isObj(u.exec)) {
    const e = u.exec;
    const command = nonEmptyString(e.command);
    if (command === undefined) throw new ClusterError(`${file}: user "${name}": exec has no command`);
    entry.exec = {
      // A command with a directory part is relative to the kubeconfig; a bare name is looked up in PATH.
      command: command.includes('/') && !path.isAbsolute(command) ? path.resolve(dir, command) : command,
      args: Array.isArray(e.args) ? e.args.map(String) : [],
      env: Array.isArray(e.env) ? e.env.filter(isObj).map((v) => ({ name: String(v.name ?? ''), value: String(v.value ?? '') })).filter((v) => v.name !== '') : [],
      apiVersion: nonEmptyString(e.apiVersion),
      installHint: nonEmptyString(e.installHint),
      provideClusterInfo: e.provideClusterInfo === true,
    };
  }
  if (isObj(u['auth-provider'])) {
    const p = u['auth-provider'];
    entry.authProvider = { name: String(p.name ?? ''), config: isObj(p.config) ? { ...p.config } : {} };
  }
  return entry;
}

function resolve(merged: Merged, source: string, flag: string | undefined): ResolvedKubeconfig {
  const list = (m: Map<string, unknown>): string => [...m.keys()].join(', ');
  if (merged.contexts.size === 0 && merged.clusters.size === 0) {
    throw new ClusterError(`${source}: the kubeconfig has no clusters or contexts`);
  }
  const name = flag ?? merged.currentContext;
  if (name === undefined) {
    throw new ClusterError(`${source} sets no current-context: give --context${merged.contexts.size ? ` (contexts: ${list(merged.contexts)})` : ' (it defines no context either)'}`);
  }
  const context = merged.contexts.get(name);
  if (!context) {
    const known = merged.contexts.size ? ` (contexts: ${list(merged.contexts)})` : ' (it defines no context)';
    if (flag !== undefined) throw new ClusterError(`--context: no context "${name}" in ${source}${known}`);
    throw new ClusterError(`${source}: current-context "${name}" is not among the contexts${known}: give --context`);
  }
  if (context.cluster === undefined) throw new ClusterError(`${source}: context "${name}" names no cluster`);
  const cluster = merged.clusters.get(context.cluster);
  if (!cluster) throw new ClusterError(`${source}: context "${name}" names cluster "${context.cluster}", which is not defined${merged.clusters.size ? ` (clusters: ${list(merged.clusters)})` : ''}`);
  if (cluster.server === undefined) throw new ClusterError(`${source}: cluster "${cluster.name}" has no server`);
  let user: UserEntry | undefined;
  if (context.user !== undefined) {
    user = merged.users.get(context.user);
    if (!user) throw new ClusterError(`${source}: context "${name}" names user "${context.user}", which is not defined${merged.users.size ? ` (users: ${list(merged.users)})` : ''}`);
  }
  return { source, context: name, cluster: { ...cluster, server: cluster.server }, user };
}

/** The pod's service account, as client-go's in-cluster configuration reads it. */
function inCluster(env: NodeJS.ProcessEnv, context: string | undefined): ResolvedKubeconfig {
  if (context !== undefined) throw new ClusterError(`--context: no kubeconfig to take context "${context}" from (running in a pod with its service account)`);
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    source: 'the pod service account',
    context: 'inClusterContext',
    cluster: { name: 'inCluster', server, caFile: path.join(SERVICE_ACCOUNT_DIR, 'ca.crt'), skipTLSVerify: false },
    user: { name: 'inClusterUser', tokenFile: path.join(SERVICE_ACCOUNT_DIR, 'token') },
  };
}

// ---------------------------------------------------------------------------------------------
// Exec credential plugins

export interface ExecCredentialResult {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
}

const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'];

/**
 * Runs the user's exec plugin without a terminal, as kubectl does when it cannot ask questions:
 * the plugin's standard error goes to ours (its messages are for the user), its standard output is
 * the credential and is never shown. A plugin that has not answered within `timeoutMs` is killed.
 */
export function runExecPlugin(user: string, exec: ExecConfig, cluster: ClusterEntry, timeoutMs: number): Promise<ExecCredentialResult> {
  const apiVersion = exec.apiVersion ?? 'client.authentication.k8s.io/v1beta1';
  const name = exec.command;
  const plugin = `the exec credential plugin ${name} (user "${user}")`;
  const info: Obj = { apiVersion, kind: 'ExecCredential', spec: { interactive: false } };
  if (exec.provideClusterInfo) {
    (info.spec as Obj).cluster = {
      server: cluster.server,
      ...(cluster.caData ? { 'certificate-authority-data': cluster.caData } : {}),
      ...(cluster.skipTLSVerify ? { 'insecure-skip-tls-verify': true } : {}),
      ...(cluster.tlsServerName ? { 'tls-server-name': cluster.tlsServerName } : {}),
      ...(cluster.proxyUrl ? { 'proxy-url': cluster.proxyUrl } : {}),
    };
  }
  const env: NodeJS.ProcessEnv = { ...process.env, KUBERNETES_EXEC_INFO: JSON.stringify(info) };
  for (const v of exec.env) env[v.name] = v.value;
  return new Promise((resolvePromise, reject) => {
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const child = spawn(exec.command, exec.args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    // Ended by the timer, a plugin's descendants may still hold the pipe: it must not hold the process.
    const abandon = (): void => {
      child.kill('SIGKILL');
      child.stdout.destroy();
      child.unref();
    };
    const timer = setTimeout(() => {
      const error = new ClusterError(`${plugin} gave no credentials within ${formatMs(timeoutMs)} and was stopped; raise --timeout if it needs longer (kshield runs it without a terminal: it cannot ask for a login)`);
      settled = true;
      abandon();
      // Once it has exited it is reaped here, not left a zombie for whatever adopts it.
      const reaped = setTimeout(() => reject(error), 500);
      child.once('exit', () => {
        clearTimeout(reaped);
        reject(error);
      });
    }, timeoutMs);
    child.on('error', (err) => {
      const code = (err as NodeJS.ErrnoException).code;
      abandon();
      settle(() =>
        reject(
          new ClusterError(
            code === 'ENOENT'
              ? `${plugin} was not found${exec.installHint ? `: ${exec.installHint.split('\n').map((l) => l.trim()).filter(Boolean).join(' ')}` : ''}`
              : `${plugin} could not be started (${code ?? 'error'})`,
          ),
        ),
      );
    });
    child.on('close', (code, signal) => {
      settle(() => {
        if (code !== 0) {
          reject(new ClusterError(`${plugin} failed (${signal ? `killed by ${signal}` : `exit code ${code}`}); its own messages, if any, are above`));
          return;
        }
        const out = Buffer.concat(chunks);
        try {
          resolvePromise(parseExecCredential(out, apiVersion, plugin));
        } catch (err) {
          reject(err);
        }
      });
    });
  });
}

/** Never quotes the output: it is where the token is. */
function parseExecCredential(out: Buffer, apiVersion: string, plugin: string): ExecCredentialResult {
  const notCredential = (): ClusterError => new ClusterError(`${plugin} printed something that is not an ExecCredential (${out.length} bytes)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(out.toString('utf8'));
  } catch {
    throw notCredential();
  }
  if (!isObj(parsed) || parsed.kind !== 'ExecCredential' || !isObj(parsed.status)) throw notCredential();
  if (typeof parsed.apiVersion === 'string' && parsed.apiVersion !== apiVersion && EXEC_API_VERSIONS.includes(apiVersion)) {
    throw new ClusterError(`${plugin} answered with apiVersion ${EXEC_API_VERSIONS.includes(parsed.apiVersion) ? parsed.apiVersion : 'of another kind'}, but the kubeconfig asks for ${apiVersion}`);
  }
  const status = parsed.status;
  const result: ExecCredentialResult = {
    token: nonEmptyString(status.token),
    clientCertificateData: nonEmptyString(status.clientCertificateData),
    clientKeyData: nonEmptyString(status.clientKeyData),
  };
  if ((result.clientCertificateData === undefined) !== (result.clientKeyData === undefined)) {
    throw new ClusterError(`${plugin} printed an ExecCredential with a client certificate but no key, or a key but no certificate`);
  }
  if (result.token === undefined && result.clientCertificateData === undefined) {
    throw new ClusterError(`${plugin} printed an ExecCredential with neither a token nor a client certificate`);
  }
  return result;
}

export function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
