/**
 * Registry credentials the way the docker CLI finds them: `$DOCKER_CONFIG/config.json` (default
 * ~/.docker/config.json). For a registry host, in docker's order of precedence:
 *
 * 1. `credHelpers[<host>]`: run `docker-credential-<helper> get` with the server address on stdin;
 * 2. `credsStore`: the same with the default helper;
 * 3. `auths[<host>]`: `auth` (base64 of "user:password") or `username` and `password`.
 *
 * Docker Hub's entries are keyed "https://index.docker.io/v1/"; other keys may be written as bare
 * hosts or as URLs, and are compared by host. A helper runs with a deadline, its output is read
 * (bounded) only for the credentials, and nothing it prints ever reaches a message: errors say
 * which helper failed and how (exit status, deadline), never what it wrote.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { DOCKER_HUB } from '../k8s/images.js';
import { RegistryError, type CredentialLookup, type RegistryCredentials } from './registry.js';

/** The server address docker uses for Docker Hub, in config.json keys and helper requests. */
export const DOCKER_HUB_SERVER = 'https://index.docker.io/v1/';
const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_CONFIG_BYTES = 1024 * 1024;
const MAX_HELPER_OUTPUT = 64 * 1024;
/** What docker-credential-helpers print (on stdout, exit 1) when they hold nothing for the server. */
const NOT_FOUND = 'credentials not found in native keychain';

interface AuthEntry {
  auth?: unknown;
  username?: unknown;
  password?: unknown;
  identitytoken?: unknown;
}

export interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, unknown>;
  credsStore?: unknown;
}

export interface DockerCredentialOptions {
  /** The config.json to read; default $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
  configFile?: string;
  /** How long a credential helper may take. Default 10 s. */
  helperTimeoutMs?: number;
  /** Where helpers are looked up (PATH); default the process's. */
  path?: string;
}

export function defaultDockerConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.DOCKER_CONFIG || path.join(homedir(), '.docker'), 'config.json');
}

/** A config.json key ("https://ghcr.io/v1/", "ghcr.io", "https://index.docker.io/v1/") as the registry host it stands for. */
export function configKeyHost(key: string): string {
  const host = key.trim().toLowerCase().replace(/^[a-z][a-z0-9+.-]*:\/\//, '').replace(/\/.*$/, '');
  return DOCKER_HUB_HOSTS.has(host) ? DOCKER_HUB : host;
}

/** The server address a helper is asked about: Docker Hub's historic URL, else the host. */
function serverAddress(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_SERVER : registry;
}

function findEntry<T>(table: Record<string, T> | undefined, registry: string): T | undefined {
  if (!table || typeof table !== 'object') return undefined;
  for (const [key, value] of Object.entries(table)) if (configKeyHost(key) === registry) return value;
  return undefined;
}

function fromAuthEntry(entry: AuthEntry, registry: string, file: string): RegistryCredentials | undefined {
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw new RegistryError(`${file}: the "auth" of registry ${registry} is not base64 of "username:password"`);
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (typeof entry.username === 'string' && typeof entry.password === 'string' && entry.username !== '') return { username: entry.username, password: entry.password };
  return undefined;
}

/** Runs `docker-credential-<helper> get` for the registry with a deadline; the helper's output stays private. */
export function runCredentialHelper(helper: string, registry: string, options: DockerCredentialOptions = {}): Promise<RegistryCredentials | undefined> {
  if (!HELPER_NAME.test(helper)) return Promise.reject(new RegistryError(`the Docker configuration names a credential helper "${helper.slice(0, 64)}" that is not a plain name`));
  const program = `docker-credential-${helper}`;
  const timeoutMs = options.helperTimeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const env = options.path !== undefined ? { ...process.env, PATH: options.path } : process.env;
    const child = spawn(program, ['get'], { stdio: ['pipe', 'pipe', 'ignore'], env });
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const done = (error: Error | undefined, value?: RegistryCredentials): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null) child.kill('SIGKILL');
      if (error) reject(error);
      else resolve(value);
    };
    const timer = setTimeout(() => done(new RegistryError(`credential helper ${program} did not answer within ${timeoutMs} ms`)), timeoutMs);
    child.on('error', (e: NodeJS.ErrnoException) =>
      done(new RegistryError(e.code === 'ENOENT' ? `credential helper ${program} (named in the Docker configuration) is not on PATH` : `credential helper ${program} could not be run (${e.code ?? 'error'})`)),
    );
    child.stdout!.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_HELPER_OUTPUT) done(new RegistryError(`credential helper ${program} printed more than ${MAX_HELPER_OUTPUT} bytes`));
      else chunks.push(c);
    });
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(serverAddress(registry));
    child.on('close', (code) => {
      const out = Buffer.concat(chunks).toString('utf8');
      if (code !== 0) {
        if (out.trim() === NOT_FOUND) done(undefined, undefined);
        else done(new RegistryError(`credential helper ${program} failed for registry ${registry} (exit ${code ?? 'signal'})`));
        return;
      }
      let parsed: { Username?: unknown; Secret?: unknown };
      try {
        parsed = JSON.parse(out) as typeof parsed;
      } catch {
        done(new RegistryError(`credential helper ${program} answered with something other than JSON for registry ${registry}`));
        return;
      }
      if (typeof parsed.Username !== 'string' || typeof parsed.Secret !== 'string' || parsed.Secret === '') {
        done(undefined, undefined);
        return;
      }
      // "<token>" as the username marks an identity (OAuth refresh) token, which basic or token auth cannot use as a password.
      if (parsed.Username === '<token>') {
        done(new RegistryError(`credential helper ${program} holds an identity token for registry ${registry}, which kshield does not exchange; use a username and password or access token`));
        return;
      }
      done(undefined, { username: parsed.Username, password: parsed.Secret });
    });
  });
}

/** Reads config.json (a missing file is no credentials; a malformed one is an error naming the file). */
export function readDockerConfig(file: string): DockerConfig | undefined {
  let text: string;
  try {
    const bytes = readFileSync(file);
    if (bytes.length > MAX_CONFIG_BYTES) throw new RegistryError(`${file}: larger than ${MAX_CONFIG_BYTES} bytes`);
    text = bytes.toString('utf8');
  } catch (e) {
    if (e instanceof RegistryError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RegistryError(`${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as DockerConfig;
  } catch (e) {
    // The parser's message may quote the file; the file holds credentials.
    throw new RegistryError(`${file}: not a JSON object${e instanceof SyntaxError ? ' (invalid JSON)' : ''}`);
  }
}

/** The credentials of one registry from a parsed configuration, in docker's order of precedence. */
export async function credentialsFromConfig(config: DockerConfig, registry: string, file: string, options: DockerCredentialOptions = {}): Promise<RegistryCredentials | undefined> {
  const helper = findEntry(config.credHelpers as Record<string, unknown> | undefined, registry);
  if (typeof helper === 'string' && helper !== '') return runCredentialHelper(helper, registry, options);
  if (typeof config.credsStore === 'string' && config.credsStore !== '') {
    const stored = await runCredentialHelper(config.credsStore, registry, options);
    if (stored) return stored;
  }
  const entry = findEntry(config.auths, registry);
  return entry && typeof entry === 'object' ? fromAuthEntry(entry, registry, file) : undefined;
}

/** A credential lookup for the registry client backed by the Docker configuration (read once, on first use). */
export function dockerCredentials(options: DockerCredentialOptions = {}): CredentialLookup {
  const file = options.configFile ?? defaultDockerConfigFile();
  let config: DockerConfig | undefined | null = null;
  return async (registry) => {
    if (config === null) config = readDockerConfig(file);
    return config ? credentialsFromConfig(config, registry, file, options) : undefined;
  };
}
