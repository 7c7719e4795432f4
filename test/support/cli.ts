/** Runs the built CLI as a user would: a child process, from the repository root. */
import { spawnSync } from 'node:child_process';
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

export function kshield(args: string[], input = ''): Run {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
