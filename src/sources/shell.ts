/**
 * The shell commands of a Dockerfile's RUN instructions, as far as rules need them: each simple
 * command's words (quotes removed, variables kept as written), its redirections, the operator
 * that follows it, and which commands feed it (a pipe, a process substitution). Tokenising is
 * shell-quote's; this module adds what a script has beyond one line (newlines and comments end
 * commands), nested `sh -c` scripts, and where each command starts in the text, for positions.
 *
 * This is not a shell: no expansion, no control flow. `if`/`then`/`do` and the like are skipped
 * in front of a command, so `if x; then curl ... | sh; fi` still shows its pipe.
 */
import parse from 'shell-quote/parse.js';

export interface ShellCommand {
  /** The words, quotes removed; `$NAME` and `${NAME}` stay as written (as `$NAME`). */
  words: string[];
  /** Redirections in order: `>`, `>>`, `<`, `2>` ... with their targets. */
  redirects: { op: string; target: string }[];
  /** The operator after the command (`|`, `&&`, `||`, `;`, `&`), absent at the end of the script. */
  then?: string;
  /** Indexes of the commands whose output this one reads: the one before a `|`, those in a `<(...)` among its arguments. */
  inputFrom: number[];
  /** Offset in the parsed text of the command's first word, -1 when not found there (a nested script). */
  offset: number;
  /** The command is part of a script run by `sh -c` (or another shell) in command `parent`. */
  parent?: number;
}

/** Longest script parsed; the file limit bounds the whole, this one instruction. */
export const MAX_SCRIPT_LENGTH = 1024 * 1024;
/** Most commands kept for one script. */
const MAX_COMMANDS = 10_000;
/** How deep `sh -c "sh -c ..."` is followed. */
const MAX_NESTING = 3;

const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh', 'busybox']);
const SEPARATORS = new Set(['|', '|&', '&&', '||', ';', '&', ';;', ';&', ';;&']);
const REDIRECTS = new Set(['>', '>>', '<', '>&', '<&', '>|', '&>', '&>>', '<>', '<<<']);

/** Whether `name` (a program's base name) is a POSIX-style shell. */
export function isShell(name: string): boolean {
  return SHELLS.has(name);
}

/**
 * Replaces what shell-quote reads differently from a shell: a comment ends at its line (it would
 * take the rest of the text), and a newline ends a command (it reads it as a blank) unless the line
 * ends with an operator or a backslash that carries it on.
 */
function prepare(script: string, escape: string): string {
  let out = '';
  let quote: '' | "'" | '"' = '';
  for (let i = 0; i < script.length; i++) {
    const c = script[i];
    if (quote === "'") {
      if (c === "'") quote = '';
      out += c;
      continue;
    }
    if (c === escape && i + 1 < script.length) {
      // An escaped newline joins two lines; any other escaped character is kept for the tokenizer.
      if (script[i + 1] === '\n') i++;
      else if (script[i + 1] === '\r' && script[i + 2] === '\n') i += 2;
      else {
        out += c + script[i + 1];
        i++;
      }
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = '';
      out += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      out += c;
      continue;
    }
    if (c === '#' && (i === 0 || /\s|[;&|()]/.test(script[i - 1]))) {
      const end = script.indexOf('\n', i);
      if (end === -1) break;
      i = end - 1;
      continue;
    }
    if (c === '\n') {
      const before = out.trimEnd();
      const carried = before === '' || /(?:\|\||&&|\||\(|;|\bthen|\bdo|\belse|\{)$/.test(before);
      out += carried ? ' ' : ' ; ';
      continue;
    }
    out += c;
  }
  return out;
}

type Token = ReturnType<typeof parse>[number];

/** Parses a shell script into its simple commands. `escape` is the Dockerfile's escape character where the script continues lines with it. */
export function parseShellScript(script: string, escape = '\\'): ShellCommand[] {
  const commands: ShellCommand[] = [];
  addScript(commands, script, escape, 0, undefined);
  return commands;
}

function addScript(commands: ShellCommand[], script: string, escape: string, depth: number, parent: number | undefined): void {
  if (script.length > MAX_SCRIPT_LENGTH) return;
  let tokens: Token[];
  try {
    // Variables stay as written: the value is not known here, and an empty string would join words.
    tokens = parse(prepare(script, escape === '`' ? '\\' : escape), (key: string) => `$${key}`);
  } catch {
    return;
  }
  const start = commands.length;
  let current: ShellCommand | undefined;
  let cursor = 0;
  /** Open `(` groups and `<(...)` substitutions: the command a substitution's output goes to, resumed at its `)`. */
  const frames: { outer: ShellCommand | undefined; first: number; substitution: boolean }[] = [];
  let pendingRedirect: string | undefined;
  let pipedFrom: number | undefined;
  const open = (): ShellCommand => {
    if (current) return current;
    current = { words: [], redirects: [], inputFrom: [], offset: -1, parent };
    if (pipedFrom !== undefined) {
      current.inputFrom.push(pipedFrom);
      pipedFrom = undefined;
    }
    return current;
  };
  const close = (then?: string): void => {
    if (!current) return;
    if (current.words.length > 0 || current.redirects.length > 0) {
      current.then = then;
      if (commands.length < MAX_COMMANDS) commands.push(current);
      if (then === '|' || then === '|&') pipedFrom = commands.length - 1;
    }
    current = undefined;
  };
  for (const token of tokens) {
    if (typeof token === 'string' || (typeof token === 'object' && 'op' in token && token.op === 'glob')) {
      const word = typeof token === 'string' ? token : (token as { pattern: string }).pattern;
      if (pendingRedirect !== undefined) {
        open().redirects.push({ op: pendingRedirect, target: word });
        pendingRedirect = undefined;
        continue;
      }
      const command = open();
      // A file descriptor before a redirection ("2>&1") is part of the redirection, not a word.
      if (command.words.length === 0 && parent === undefined && command.offset === -1) {
        const found = script.indexOf(word, cursor);
        if (found !== -1) {
          command.offset = found;
          cursor = found + word.length;
        }
      } else if (parent === undefined) {
        const found = script.indexOf(word, cursor);
        if (found !== -1) cursor = found + word.length;
      }
      command.words.push(word);
      continue;
    }
    if (typeof token !== 'object' || !('op' in token)) continue;
    const op = token.op;
    if (REDIRECTS.has(op) || op === '<<' || op === '<<-') {
      const command = open();
      // "2>" arrives as the word "2" and the operator ">".
      const last = command.words[command.words.length - 1];
      if (last !== undefined && /^\d$/.test(last)) command.words.pop();
      pendingRedirect = op;
      continue;
    }
    if (SEPARATORS.has(op)) {
      close(op);
      continue;
    }
    if (op === '<(' || op === '>(') {
      // The command around it goes on after the `)`; what runs inside is a command of its own.
      frames.push({ outer: open(), first: commands.length, substitution: op === '<(' });
      current = undefined;
      continue;
    }
    if (op === '(') {
      close();
      frames.push({ outer: undefined, first: commands.length, substitution: false });
      continue;
    }
    if (op === ')') {
      close();
      const frame = frames.pop();
      if (frame?.outer) {
        // `cmd <(producer)`: cmd reads what the producer writes.
        if (frame.substitution) for (let k = frame.first; k < commands.length; k++) frame.outer.inputFrom.push(k);
        current = frame.outer;
      }
      continue;
    }
  }
  close();
  if (depth >= MAX_NESTING) return;
  // `sh -c 'script'`: the script's commands are judged too.
  const end = commands.length;
  for (let i = start; i < end; i++) {
    const program = programOf(commands[i]);
    if (!program || !isShell(program.name)) continue;
    const args = program.name === 'busybox' ? program.args.slice(1) : program.args;
    const c = args.findIndex((a) => /^-[a-z]*c[a-z]*$/.test(a));
    if (c !== -1 && args[c + 1] !== undefined) addScript(commands, args[c + 1], '\\', depth + 1, i);
  }
}

/** Words that may come before the command itself: shell keywords and prefixes that run what follows. */
const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{', '}', 'time', 'exec', 'command', 'nohup', 'builtin']);
/** sudo options that take a value as the next word. */
const SUDO_VALUE_OPTIONS = new Set(['-u', '-g', '-p', '-C', '-D', '-r', '-t', '-U', '-T', '-h', '--user', '--group', '--prompt', '--chdir', '--role', '--type', '--other-user', '--host', '--close-from', '--command-timeout']);

export interface Program {
  /** Base name of the program run ("apt-get" for /usr/bin/apt-get). */
  name: string;
  /** Its arguments. */
  args: string[];
  /** Index in `words` of the program's own name. */
  index: number;
  /** The command runs it through sudo (or doas). */
  sudo: boolean;
}

/**
 * The program a simple command runs, past variable assignments (`A=b cmd`), keywords (`then cmd`)
 * and the wrappers `sudo`/`doas` and `env`. Undefined for a command of assignments only.
 */
export function programOf(command: ShellCommand): Program | undefined {
  const words = command.words;
  let i = 0;
  let sudo = false;
  while (i < words.length) {
    const w = words[i];
    if (KEYWORDS.has(w) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) {
      i++;
      continue;
    }
    const base = baseName(w);
    if (base === 'sudo' || base === 'doas') {
      sudo = true;
      i++;
      while (i < words.length && words[i].startsWith('-')) {
        const opt = words[i];
        i += SUDO_VALUE_OPTIONS.has(opt) ? 2 : 1;
        if (opt === '--') break;
      }
      continue;
    }
    if (base === 'env') {
      i++;
      while (i < words.length && (words[i].startsWith('-') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]))) i += words[i] === '-u' || words[i] === '-C' ? 2 : 1;
      continue;
    }
    return { name: base, args: words.slice(i + 1), index: i, sudo };
  }
  return undefined;
}

function baseName(word: string): string {
  const slash = word.lastIndexOf('/');
  return slash === -1 ? word : word.slice(slash + 1);
}
