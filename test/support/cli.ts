/** Runs the built CLI as a user would: a child process, from the repository root. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const cli = path.join(root, 'dist/src/cli/main.js');
export const INSECURE = path.join(root, 'examples/ecommerce/insecure');
export const HARDENED = path.join(root, 'examples/ecommerce/hardened');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The cache the CLI sees: empty, so that a vulnerability database a developer downloaded with
 * `kshield db update` never changes what a test sees (tests that match give --db).
 */
export const EMPTY_CACHE = mkdtempSync(path.join(os.tmpdir(), 'kshield-test-cache-'));
const ENV = { ...process.env, XDG_CACHE_HOME: EMPTY_CACHE };

export function kshield(args: string[], input = ''): Run {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, input, encoding: 'utf8', timeout: 60_000, env: ENV });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The CLI in a child process without blocking this one: for tests whose servers (test API server,
 * stand-in kubelet) run in the test's own process and must keep answering. `env` is added to this
 * process's environment. Killed after 60 s.
 */
export function kshieldAsync(args: string[], env: Record<string, string> = {}): Promise<Run & { ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, env: { ...ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(kill);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}
