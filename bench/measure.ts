/** Shared by the benchmarks: run a Node script in a child process, timing it and taking its peak RSS. */
import { spawn } from 'node:child_process';
import { promises as fs, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ChildRun {
  /** Wall time from spawn to exit, Node start-up included: what a user waits. */
  wallMs: number;
  cpuMs: number;
  maxRssMiB: number;
  exitCode: number | null;
  stderr: string;
  timedOut: boolean;
}

const WRAPPER = fileURLToPath(new URL('./rss-wrapper.js', import.meta.url));

export const scratch = mkdtempSync(path.join(os.tmpdir(), 'kshield-bench-'));

let counter = 0;
export function scratchFile(name: string): string {
  return path.join(scratch, `${counter++}-${name}`);
}

/** Runs `node <script> ...args` under the RSS wrapper. */
export async function runNode(script: string, args: string[], options: { cwd: string; timeoutMs: number; nodeArgs?: string[] }): Promise<ChildRun> {
  const usageFile = scratchFile('usage.json');
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), WRAPPER, usageFile, script, ...args], { cwd: options.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < 20_000) stderr += chunk;
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs);
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  clearTimeout(timer);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  let usage = { maxRssKiB: 0, userMs: 0, systemMs: 0 };
  try {
    usage = JSON.parse(await fs.readFile(usageFile, 'utf8')) as typeof usage;
  } catch {
    // killed before it could report
  }
  return { wallMs, cpuMs: usage.userMs + usage.systemMs, maxRssMiB: usage.maxRssKiB / 1024, exitCode, stderr, timedOut };
}

export async function cleanScratch(): Promise<void> {
  await fs.rm(scratch, { recursive: true, force: true });
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A plain text table, columns right-aligned except the first. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : fallback;
}

export function loadNote(): string {
  const [one] = os.loadavg();
  const cores = os.cpus().length;
  return `load average ${one.toFixed(2)} on ${cores} core(s)${one > cores * 0.75 ? ' -- the machine is busy: timings are noisy' : ''}`;
}
