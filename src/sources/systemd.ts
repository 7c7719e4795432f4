/**
 * The kubelet's command line as systemd would build it from its unit files, for nodes read as a
 * copied tree (no /proc): kubeadm's packages start the kubelet from `kubelet.service` plus the
 * `kubelet.service.d/10-kubeadm.conf` drop-in, whose ExecStart expands variables set by
 * `Environment=` lines and by `EnvironmentFile=` files (/var/lib/kubelet/kubeadm-flags.env,
 * /etc/default/kubelet). The subset of systemd.unit/systemd.exec syntax handled: sections, line
 * continuations, `Environment=` with quoted assignments, `EnvironmentFile=` (`-` = optional),
 * `ExecStart=` (an empty one resets the list; the last one runs), and `$VAR` (split into words)
 * and `${VAR}` (one word) expansion. Prefixes such as `-` or `@` on ExecStart are dropped.
 */
import type { FlagOrigin } from './flag-origin.js';

export interface UnitText {
  path: string;
  text: string;
}

export interface EnvFile {
  path: string;
  /** undefined: the file is missing. */
  text?: string;
}

interface Word {
  text: string;
  origin: FlagOrigin;
}

export interface UnitCommand {
  /** The unit file that holds the effective ExecStart. */
  source: string;
  argv: string[];
  /** Where each argv word came from (same indexes as argv). */
  origins: FlagOrigin[];
}

/** Logical lines of a unit file: continuations joined, comments dropped, with the 1-based line each starts on. */
function logicalLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const physical = text.split(/\r?\n/);
  for (let i = 0; i < physical.length; i++) {
    const start = i + 1;
    let current = physical[i];
    if (/^\s*[#;]/.test(current)) continue;
    while (current.endsWith('\\') && i + 1 < physical.length) {
      current = current.slice(0, -1) + ' ' + physical[++i];
    }
    out.push({ line: start, text: current.trim() });
  }
  return out;
}

/** Splits on blanks, honouring single and double quotes and backslash escapes (systemd's word rules). */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) current += text[++i];
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      current += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

/** `KEY=value` lines of an environment file (quotes removed, `#` comments skipped). */
function parseEnvFile(text: string): { name: string; value: string; line: number }[] {
  const out: { name: string; value: string; line: number }[] = [];
  for (const { line, text: l } of logicalLines(text)) {
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(l);
    if (!m) continue;
    const words = splitWords(m[2]);
    out.push({ name: m[1], value: words.length <= 1 ? (words[0] ?? '') : words.join(' '), line });
  }
  return out;
}

/**
 * The ExecStart of the kubelet units in effect (base unit, then drop-ins in order), with its
 * variables expanded. `readEnvFile` reads an EnvironmentFile by its node path.
 */
export function kubeletCommand(units: UnitText[], readEnvFile: (path: string) => EnvFile): UnitCommand | undefined {
  const env = new Map<string, { value: string; origin: FlagOrigin }>();
  let exec: { text: string; source: string; line: number } | undefined;
  for (const unit of units) {
    let section = '';
    for (const { line, text } of logicalLines(unit.text)) {
      const header = /^\[(.+)\]$/.exec(text);
      if (header) {
        section = header[1];
        continue;
      }
      if (section !== 'Service') continue;
      const eq = text.indexOf('=');
      if (eq === -1) continue;
      const key = text.slice(0, eq).trim();
      const value = text.slice(eq + 1).trim();
      if (key === 'Environment') {
        for (const assignment of splitWords(value)) {
          const i = assignment.indexOf('=');
          if (i > 0) env.set(assignment.slice(0, i), { value: assignment.slice(i + 1), origin: { file: unit.path, line, via: assignment.slice(0, i) } });
        }
      } else if (key === 'EnvironmentFile') {
        const optional = value.startsWith('-');
        const file = optional ? value.slice(1) : value;
        const read = readEnvFile(file);
        if (read.text === undefined) continue;
        for (const v of parseEnvFile(read.text)) env.set(v.name, { value: v.value, origin: { file, line: v.line, via: v.name } });
      } else if (key === 'ExecStart') {
        exec = value === '' ? undefined : { text: value, source: unit.path, line };
      }
    }
  }
  if (!exec) return undefined;
  const words: Word[] = [];
  const literal: FlagOrigin = { file: exec.source, line: exec.line };
  for (const raw of splitWords(exec.text.replace(/^[-@:+!]+/, ''))) {
    const whole = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(raw) ?? /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(raw);
    if (whole) {
      const v = env.get(whole[1]);
      if (!v) continue;
      // `${VAR}` is one word; `$VAR` splits at blanks (systemd.service "Command lines").
      const parts = raw.startsWith('${') ? [v.value] : splitWords(v.value);
      for (const p of parts) if (p !== '') words.push({ text: p, origin: v.origin });
      continue;
    }
    const expanded = raw.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env.get(name)?.value ?? '');
    words.push({ text: expanded, origin: literal });
  }
  if (words.length === 0) return undefined;
  return { source: exec.source, argv: words.map((w) => w.text), origins: words.map((w) => w.origin) };
}
