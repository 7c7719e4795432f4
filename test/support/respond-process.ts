/**
 * `kshield respond` as a user runs it: the built CLI in a child process, its JSON lines (pino, one
 * per step) collected as they come, and HTTPS calls to it and to the test's API server. Shared by
 * the tests that drive the command against the real control plane.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import https from 'node:https';
import net from 'node:net';
import { cli, root } from './cli.js';

export type Obj = Record<string, any>;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns something truthy; fails naming `what` after `ms`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(200);
  }
}

/** A port free on 127.0.0.1 right now (for a server whose URL must be written before it starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface Reply {
  status: number;
  body: any;
}

/** One HTTPS request with a bearer token (or none), JSON both ways; text bodies are kept as text. */
export function request(url: string, options: { method?: string; token?: string; ca: string | Buffer; body?: unknown; contentType?: string; timeoutMs?: number }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Accept: 'application/json', 'Content-Type': options.contentType ?? 'application/json' };
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    const req = https.request(url, { method: options.method ?? 'GET', ca: options.ca, headers, timeout: options.timeoutMs ?? 30_000 }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // health endpoints and some errors answer text
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${options.method ?? 'GET'} ${url} timed out`)));
    req.on('error', reject);
    req.end(options.body === undefined ? undefined : JSON.stringify(options.body));
  });
}

export interface RespondProcess {
  child: ChildProcess;
  /** What the `started` line says. */
  port: number;
  scheme: string;
  /** Every JSON line written so far. */
  lines: Obj[];
  stderr(): string;
  /** The first line (from `from` on) that `match` takes, waiting for it. */
  line(what: string, match: (l: Obj) => boolean, ms?: number): Promise<Obj>;
  /** SIGTERM, and the exit code. */
  stop(): Promise<number | null>;
}

/** Spawns `kshield respond ARGS` and waits for its `started` line (or fails with what it wrote). */
export async function startRespond(args: string[], env: Record<string, string> = {}): Promise<RespondProcess> {
  const child = spawn(process.execPath, [cli, 'respond', ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Obj[] = [];
  let partial = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => {
    partial += c.toString('utf8');
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const l of parts) if (l.trim()) lines.push(JSON.parse(l));
  });
  child.stderr!.on('data', (c: Buffer) => (err += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const started = await until(
    `kshield respond ${args.join(' ')} to start`,
    () => {
      if (exitCode !== undefined) assert.fail(`kshield respond exited ${exitCode}: ${err}${JSON.stringify(lines)}`);
      return lines.find((l) => l.event === 'started');
    },
    60_000,
  );
  return {
    child,
    port: started.port,
    scheme: started.scheme,
    lines,
    stderr: () => err,
    line: (what, match, ms = 30_000) => until(`${what} (respond wrote: ${err}${lines.length} lines)`, () => lines.find(match), ms),
    async stop() {
      if (exitCode === undefined) child.kill('SIGTERM');
      return exited;
    },
  };
}
