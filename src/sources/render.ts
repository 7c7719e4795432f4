/**
 * Directories that are not manifests yet: a kustomization (kustomization.yaml) or a Helm chart
 * (Chart.yaml). Their files are inputs to a renderer (patches, partial objects, templates), so
 * scanning them one by one judges things that are never applied. kshield runs the renderer the
 * user would run (`kubectl kustomize DIR`, else `kustomize build DIR`; `helm template NAME DIR`)
 * and scans its output instead: no shell, a deadline, output bounded like a file.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { redacted } from '../core/redact.js';

/** The names kustomize looks for in a directory, in its own order. */
export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;
/** Helm accepts only this exact name. */
export const CHART_FILE = 'Chart.yaml';

/** How long a renderer may run. Remote kustomize bases are fetched over the network, which takes time. */
export const DEFAULT_RENDER_TIMEOUT_MS = 120_000;

export type RenderTool = 'kustomize' | 'helm';

/** A directory to render, as found by the directory walk. */
export interface RenderTarget {
  tool: RenderTool;
  dir: string;
  /** The kustomization file or Chart.yaml: where errors and notes about the directory point. */
  marker: string;
}

export type RenderOutcome =
  /** `name` is how findings refer to the output, e.g. `dir/kustomization.yaml (rendered by kubectl kustomize)`. */
  | { kind: 'rendered'; name: string; output: Buffer; command: string }
  | { kind: 'failed'; message: string }
  /** No renderer on PATH: the directory is left out with one note. */
  | { kind: 'unavailable'; message: string };

export interface RenderOptions {
  /** Output larger than this is refused, as a file larger than it would be. */
  maxBytes: number;
  timeoutMs?: number;
}

/** How a directory is named in a suggested command line: quoted only when the shell would need it. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The command a user would type to render `target` and scan the output. */
function renderCommand(target: RenderTarget): string {
  return target.tool === 'kustomize'
    ? `kubectl kustomize ${shellWord(target.dir)} | kshield scan -`
    : `helm template ${releaseName(target.dir)} ${shellWord(target.dir)} | kshield scan -`;
}

/**
 * The release name given to `helm template`: the chart directory's name made a valid release name
 * (lower-case DNS label, at most 53 characters, as Helm requires), so rendered names read like
 * those of `helm install NAME ./chart`.
 */
export function releaseName(dir: string): string {
  const base = path
    .basename(path.resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 53)
    .replace(/-+$/, '');
  return /^[a-z0-9]/.test(base) ? base : 'release-name';
}

export async function render(target: RenderTarget, options: RenderOptions): Promise<RenderOutcome> {
  if (target.tool === 'helm') {
    const run = await runTool('helm', ['template', releaseName(target.dir), target.dir], options);
    if (run.kind === 'missing')
      return { kind: 'unavailable', message: `a Helm chart, not rendered: helm is not on PATH. Render it and scan the output: ${renderCommand(target)}` };
    return outcome(run, target, `helm template ${releaseName(target.dir)} ${target.dir}`, 'helm template');
  }
  const viaKubectl = await runTool('kubectl', ['kustomize', target.dir], options);
  if (viaKubectl.kind !== 'missing') return outcome(viaKubectl, target, `kubectl kustomize ${target.dir}`, 'kubectl kustomize');
  // kustomize's own binary does the same build.
  const viaKustomize = await runTool('kustomize', ['build', target.dir], options);
  if (viaKustomize.kind !== 'missing') return outcome(viaKustomize, target, `kustomize build ${target.dir}`, 'kustomize build');
  return {
    kind: 'unavailable',
    message: `a kustomization, not rendered: neither kubectl nor kustomize is on PATH. Render it and scan the output: ${renderCommand(target)} (or --no-render scans its files as they are)`,
  };
}

function outcome(run: ToolRun, target: RenderTarget, command: string, label: string): RenderOutcome {
  switch (run.kind) {
    case 'timeout':
      return { kind: 'failed', message: `${command} did not finish within ${run.ms < 1000 ? `${run.ms} ms` : `${Math.round(run.ms / 1000)} s`}; not scanned` };
    case 'too-large':
      return { kind: 'failed', message: `${command} wrote more than the ${formatBytes(run.limit)} limit (set --max-file-size to raise it); not scanned` };
    case 'exit': {
      const why = firstLines(run.stderr);
      return { kind: 'failed', message: `${command} failed (${run.signal ? `killed by ${run.signal}` : `exit code ${run.code}`})${why ? `: ${why}` : ''}; not scanned` };
    }
    case 'ok':
      return { kind: 'rendered', name: `${target.marker} (rendered by ${label})`, output: run.stdout, command };
    case 'spawn-error':
      return { kind: 'failed', message: `${command} could not be started: ${run.message}` };
    case 'missing':
      return { kind: 'failed', message: `${command} could not be started: not found` };
  }
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${n} bytes`;
}

const MAX_MESSAGE_LINES = 3;
const MAX_LINE_CHARS = 400;

/**
 * The renderer's own explanation, short: its first lines, with kubectl's log prefix taken off
 * (`E0101 12:00:00.000 1 run.go:72] "command failed" err="..."` becomes what is inside err="").
 * Parsers quote offending input in backticks or double quotes; that input may be a credential on a
 * malformed line, so quoted parts are replaced by their length class (redact.ts). Single-quoted parts (file names in
 * kustomize's messages) stay.
 */
export function firstLines(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => {
      const klog = /^[IWEF]\d{4} [\d:.]+\s+\d+ [\w.-]+:\d+\] (?:"[^"]*" )?err="((?:[^"\\]|\\.)*)"/.exec(l);
      const text = klog ? klog[1].replace(/\\(["\\])/g, '$1') : l.replace(/^(?:error|Error): /, '');
      return redactRendererText(text);
    });
  const kept = lines.slice(0, MAX_MESSAGE_LINES).map((l) => (l.length > MAX_LINE_CHARS ? `${l.slice(0, MAX_LINE_CHARS)}…` : l));
  return kept.join(' / ') + (lines.length > MAX_MESSAGE_LINES ? ' / …' : '');
}

function redactRendererText(text: string): string {
  return text.replace(/`([^`]*)`/g, (_, inner: string) => `\`${redacted(inner)}\``).replace(/"([^"]*)"/g, (_, inner: string) => `"${redacted(inner)}"`);
}

type ToolRun =
  | { kind: 'ok'; stdout: Buffer }
  | { kind: 'missing' }
  | { kind: 'timeout'; ms: number }
  | { kind: 'too-large'; limit: number }
  | { kind: 'exit'; code: number | null; signal: NodeJS.Signals | null; stderr: string }
  | { kind: 'spawn-error'; message: string };

const MAX_STDERR_BYTES = 64 * 1024;

/** Runs `command` with `args` (no shell), its standard input closed, within the deadline and output limit. */
function runTool(command: string, args: string[], options: RenderOptions): Promise<ToolRun> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_RENDER_TIMEOUT_MS;
  return new Promise((resolve) => {
    let settled = false;
    const out: Buffer[] = [];
    let outBytes = 0;
    const err: Buffer[] = [];
    let errBytes = 0;
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const finish = (run: ToolRun): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(run);
    };
    const stop = (run: ToolRun): void => {
      // The streams are let go at once: a grandchild holding the pipes must not keep the scan waiting.
      child.stdout.destroy();
      child.stderr.destroy();
      child.kill('SIGKILL');
      finish(run);
    };
    const timer = setTimeout(() => stop({ kind: 'timeout', ms: timeoutMs }), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > options.maxBytes) stop({ kind: 'too-large', limit: options.maxBytes });
      else out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (errBytes < MAX_STDERR_BYTES) err.push(chunk);
      errBytes += chunk.length;
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      finish(e.code === 'ENOENT' ? { kind: 'missing' } : { kind: 'spawn-error', message: e.code ?? e.message });
    });
    child.on('close', (code, signal) => {
      if (code === 0) finish({ kind: 'ok', stdout: Buffer.concat(out) });
      else finish({ kind: 'exit', code, signal, stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}
