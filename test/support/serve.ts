/**
 * `kshield serve` started as a user starts it (the built CLI in a child process), for the dashboard
 * tests: waits for the "listening on" line, reads the printed token, and stops it with SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cli, root, EMPTY_CACHE } from './cli.js';

export interface RunningServe {
  url: string;
  /** The token it printed (undefined with --token-file or OIDC only). */
  token: string | undefined;
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  stop(): Promise<number | null>;
}

export function startServe(args: string[], env: Record<string, string> = {}): Promise<RunningServe> {
  const child = spawn(process.execPath, [cli, 'serve', '--listen', '127.0.0.1:0', ...args], { cwd: root, env: { ...process.env, XDG_CACHE_HOME: EMPTY_CACHE, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c));
  child.stderr!.on('data', (c: Buffer) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kshield serve did not start in 60 s:\n${stdout}\n${stderr}`));
    }, 60_000);
    const check = (): void => {
      const url = /listening on (\S+)/.exec(stdout)?.[1];
      if (!url) return;
      // The token line follows the listening line when a token is generated.
      const generated = !args.includes('--token-file') && !args.includes('--oidc-issuer');
      const token = /token: (\S+)/.exec(stdout)?.[1];
      if (generated && !token) return;
      clearTimeout(timeout);
      child.stdout!.off('data', check);
      resolve({ url, token, child, stdout: () => stdout, stderr: () => stderr, stop });
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timeout);
      reject(new Error(`kshield serve exited with ${code} before listening:\n${stdout}\n${stderr}`));
    });
  });
}
