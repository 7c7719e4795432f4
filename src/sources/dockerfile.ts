/**
 * The Dockerfile source: a Dockerfile (or Containerfile) becomes one Resource of kind `Dockerfile`
 * whose object is a JSON view of the parsed file, so that the engine, suppressions, exemptions,
 * baselines, fingerprints and every report format work on it as on a manifest. Parsing is
 * dockerfile-ast's (line continuations, the escape directive, heredocs, parser directives, flags);
 * this module adds what BuildKit does on top that rules need: ARG substitution in FROM, stage names
 * and which stages make up the final image, the exec form of RUN/CMD/ENTRYPOINT read as JSON, and
 * the shell commands of each RUN (shell.ts).
 *
 * The view (`DockerfileView`), with the JSON Pointers findings use:
 *
 *     /directives                      parser directives by name (syntax, escape, check)
 *     /args/N                          ARG instructions before the first FROM (the global scope)
 *     /stages/S                        a build stage; /stages/S/name, /stages/S/base (the FROM's image)
 *     /stages/S/instructions/I         its instructions, the FROM first
 *       .../arguments/K                an argument (exec form: the JSON string)
 *       .../flags/K, .../flags/K/value a flag (--mount=..., --from=..., --chmod=...)
 *       .../properties/K[/value]       ENV, ARG and LABEL name=value pairs
 *       .../commands/K                 RUN: a shell command (shell form, heredoc scripts, sh -c)
 *       .../heredocs/K                 a heredoc's body
 *     /ignores/N                       a `# kshield.io/ignore:` comment
 *
 * Every pointer of the view resolves to the line and column of what it names; a pointer to a
 * field that has no place of its own resolves to its nearest parent that has one.
 */
import dockerfileAst from 'dockerfile-ast';
import type { Dockerfile as AstDockerfile, Instruction as AstInstruction, Flag as AstFlag } from 'dockerfile-ast';
import type { InlineIgnore, Note, Position, Resource } from '../core/types.js';
import { SOURCE_API_VERSION } from '../core/types.js';
import { parseImageReference, type ImageReference } from '../k8s/images.js';
import { parseShellScript, programOf, isShell, type ShellCommand } from './shell.js';

const { DockerfileParser } = dockerfileAst;

export const DOCKERFILE_KIND = 'Dockerfile';

/** More instructions than this in one file is not a Dockerfile anyone builds: it is refused. */
export const MAX_INSTRUCTIONS = 10_000;
/**
 * Largest Dockerfile read (characters). Real ones are a few kilobytes; the parser's time grows faster
 * than the length of one instruction (a 900 KB RUN took 4 s), so a file past this is refused, not parsed.
 */
export const MAX_DOCKERFILE_LENGTH = 1024 * 1024;
/** Longest line read; a longer one is refused (BuildKit has no limit, but no real Dockerfile comes near). */
export const MAX_LINE_LENGTH = 256 * 1024;

export interface FlagView {
  name: string;
  value?: string;
}

export interface PropertyView {
  name: string;
  /** Absent for `ARG NAME` (no default) and `ENV NAME` without a value. */
  value?: string;
}

export interface HeredocView {
  name: string;
  content: string;
  /** Whether its body was read as a shell script (its commands are in `commands`). */
  script: boolean;
}

export interface InstructionView {
  /** Upper-case keyword: RUN, COPY, ... */
  keyword: string;
  /** 1-based line where it starts, for messages. */
  line: number;
  /** Exec form (a JSON array) or shell form, for RUN, CMD, ENTRYPOINT, SHELL, COPY, ADD and VOLUME. */
  form?: 'exec' | 'shell';
  /** Arguments after the flags: the JSON strings in exec form, else the words as written. */
  arguments: string[];
  flags: FlagView[];
  /** ENV, ARG and LABEL. */
  properties?: PropertyView[];
  /** RUN: the simple commands the shell runs (shell form, heredoc scripts, `sh -c` scripts; exec form as one command). */
  commands?: CommandView[];
  heredocs?: HeredocView[];
  /** ONBUILD: the keyword of the instruction it registers. */
  trigger?: string;
  /**
   * Only when loaded with `{ instructionText: true }` (what `kshield image --dockerfile` matches
   * against an image's history; rules never see it): the text after the keyword and flags as the
   * builder takes it, continuations joined and comment lines dropped; with heredocs, the first line only.
   */
  text?: string;
}

/** A shell command of a RUN (see shell.ts); `inputFrom` and `parent` are indexes into the same list. */
export type CommandView = Omit<ShellCommand, 'offset'>;

export interface BaseImageView {
  /** The image as written after FROM. */
  raw: string;
  /** After ARG substitution; absent when a variable in it has no value. */
  resolved?: string;
  /** Variables in `raw` with no value (no default, or a platform variable known only at build time). */
  unresolved?: string[];
  /** Index of the earlier stage this one is built on (FROM <stage name>). */
  stage?: number;
  /** FROM scratch: an empty file system. */
  scratch?: boolean;
  /** The resolved reference, parsed; absent for stages, scratch, unresolved or malformed references. */
  reference?: ImageReference;
  /** Why the resolved reference is not a valid image reference. */
  invalid?: string;
  /** --platform, as written. */
  platform?: string;
}

export interface StageView {
  index: number;
  /** `FROM ... AS name`, lower-cased as BuildKit compares stage names. */
  name?: string;
  base: BaseImageView;
  /** The stage's instructions, its FROM first. */
  instructions: InstructionView[];
  /** Whether the final image holds this stage: the last stage, and the stages it is built FROM, transitively. */
  inFinalImage: boolean;
}

export interface IgnoreView {
  /** Rule ids and tags as written. */
  words: string[];
  /** The next instruction's pointer, or "" for a `# kshield.io/ignore-file:` comment (the whole file). */
  target: string;
  line: number;
}

export interface DockerfileView {
  directives: Record<string, string>;
  /** ARG instructions before the first FROM. */
  args: InstructionView[];
  stages: StageView[];
  /** Index of the last stage: the image `docker build` makes without --target. */
  finalStage: number;
  /** The escape character (`\` or a backquote). */
  escape: string;
  ignores: IgnoreView[];
}

export interface DockerfileLoad {
  resource?: Resource;
  errors: { line?: number; message: string }[];
  notes: Note[];
  /** Only comments and blank lines. */
  empty?: boolean;
}

/** BuildKit's automatic platform ARGs: known only when the build runs. */
const PLATFORM_ARGS = new Set(['TARGETPLATFORM', 'TARGETOS', 'TARGETARCH', 'TARGETVARIANT', 'BUILDPLATFORM', 'BUILDOS', 'BUILDARCH', 'BUILDVARIANT']);
const KEYWORDS = new Set(['ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']);
const JSON_FORM = new Set(['RUN', 'CMD', 'ENTRYPOINT', 'SHELL', 'COPY', 'ADD', 'VOLUME']);
const PROPERTY_KEYWORDS = new Set(['ENV', 'ARG', 'LABEL']);
/** The instructions whose text `{ instructionText: true }` keeps: those that can make an image layer. */
const TEXT_KEYWORDS = new Set(['RUN', 'COPY', 'ADD', 'WORKDIR']);
export const IGNORE_COMMENT = 'kshield.io/ignore';
export const IGNORE_FILE_COMMENT = 'kshield.io/ignore-file';
const IGNORE_LINE = /^#\s*kshield\.io\/ignore(-file)?\s*[:=]\s*(.*)$/;

/** Line starts of a text, for offsets to and from line/character. */
class Lines {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  offset(line: number, character: number): number {
    return (this.starts[line] ?? this.text.length) + character;
  }
  position(offset: number): Position {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo] + 1 };
  }
  lineCount(): number {
    return this.starts.length;
  }
  longest(): { line: number; length: number } {
    let line = 0;
    let length = 0;
    for (let i = 0; i < this.starts.length; i++) {
      const end = i + 1 < this.starts.length ? this.starts[i + 1] - 1 : this.text.length;
      if (end - this.starts[i] > length) {
        length = end - this.starts[i];
        line = i;
      }
    }
    return { line: line + 1, length };
  }
}

type AstRange = { start: { line: number; character: number }; end: { line: number; character: number } };

/** The name a Dockerfile is reported under: the path as given, with `./` and backslashes tidied. */
function displayName(file: string): string {
  return file.replace(/\\/g, '/').replace(/^(?:\.\/)+/, '');
}

/**
 * Parses a Dockerfile's text into one Resource (or input errors). `file` names it in findings; the
 * caller has already checked the size, encoding and binary content.
 */
export function loadDockerfile(text: string, file: string, options: { instructionText?: boolean } = {}): DockerfileLoad {
  const out: DockerfileLoad = { errors: [], notes: [] };
  if (text.length > MAX_DOCKERFILE_LENGTH) {
    out.errors.push({ message: `${(text.length / 1024 / 1024).toFixed(1)} MiB of text, over the ${MAX_DOCKERFILE_LENGTH / 1024 / 1024} MiB limit for a Dockerfile; not scanned` });
    return out;
  }
  const lines = new Lines(text);
  const longest = lines.longest();
  if (longest.length > MAX_LINE_LENGTH) {
    out.errors.push({ line: longest.line, message: `line ${longest.line} is ${longest.length} characters long, over the ${MAX_LINE_LENGTH} limit for a Dockerfile line; not scanned` });
    return out;
  }
  let ast: AstDockerfile;
  try {
    ast = DockerfileParser.parse(text);
  } catch (err) {
    out.errors.push({ message: `cannot parse the Dockerfile: ${(err as Error).message}` });
    return out;
  }
  const all = ast.getInstructions();
  if (all.length === 0) {
    out.empty = true;
    return out;
  }
  if (all.length > MAX_INSTRUCTIONS) {
    out.errors.push({ message: `${all.length} instructions, over the ${MAX_INSTRUCTIONS} limit for one Dockerfile; not scanned` });
    return out;
  }
  const escape = ast.getEscapeCharacter();
  const positions = new Map<string, Position>();
  const at = (pointer: string, range: AstRange | null | undefined): void => {
    if (range) positions.set(pointer, { line: range.start.line + 1, column: range.start.character + 1 });
  };
  const view: DockerfileView = { directives: {}, args: [], stages: [], finalStage: -1, escape, ignores: [] };
  // `# kshield.io/ignore=...` on the first lines reads as a parser directive (BuildKit ignores unknown ones): it is ours.
  const ignoreDirectives: AstRange[] = [];
  for (const d of ast.getDirectives()) {
    const name = d.getName().toLowerCase();
    if (name === IGNORE_COMMENT || name === IGNORE_FILE_COMMENT) {
      ignoreDirectives.push(d.getRange());
      continue;
    }
    view.directives[name] = d.getValue();
    at(`/directives/${name}`, d.getRange());
  }

  // Global ARGs (before the first FROM) are what FROM lines may use; their defaults may use each other.
  const globals = new Map<string, string | undefined>();
  let stage: StageView | undefined;
  const instructionPointers: { pointer: string; range: AstRange }[] = [];
  for (const ins of all) {
    const keyword = ins.getKeyword().toUpperCase();
    const range = ins.getRange();
    const line = range.start.line + 1;
    if (!KEYWORDS.has(keyword)) {
      out.errors.push({ line, message: `unknown instruction "${clip(ins.getInstruction())}" (docker build rejects the file)` });
      continue;
    }
    if (keyword === 'FROM') {
      const index = view.stages.length;
      stage = { index, base: fromView(ins as FromInstruction, globals, view.stages, escape, out, line), instructions: [], inFinalImage: false };
      const name = (ins as FromInstruction).getBuildStage();
      if (name) {
        stage.name = name.toLowerCase();
        at(`/stages/${index}/name`, (ins as FromInstruction).getBuildStageRange());
      }
      view.stages.push(stage);
      at(`/stages/${index}`, range);
      at(`/stages/${index}/base`, (ins as FromInstruction).getImageRange() ?? range);
    } else if (!stage && keyword !== 'ARG') {
      out.errors.push({ line, message: `${keyword} before the first FROM (only ARG may come before it; docker build rejects the file)` });
      continue;
    }
    const pointer = stage ? `/stages/${stage.index}/instructions/${stage.instructions.length}` : `/args/${view.args.length}`;
    const instruction = instructionView(ins, keyword, line, pointer, lines, escape, at, options.instructionText === true);
    at(pointer, range);
    instructionPointers.push({ pointer, range });
    if (stage) stage.instructions.push(instruction);
    else {
      view.args.push(instruction);
      for (const p of instruction.properties ?? []) globals.set(p.name, p.value === undefined ? undefined : expand(p.value, globals, escape).value);
    }
  }
  for (const n of out.notes) n.file = file;
  if (view.stages.length === 0) {
    out.errors.push({ line: all[0].getRange().start.line + 1, message: 'no FROM instruction: a Dockerfile must have at least one build stage; not scanned' });
    return out;
  }
  view.finalStage = view.stages.length - 1;
  for (let s: StageView | undefined = view.stages[view.finalStage], guard = 0; s && !s.inFinalImage && guard <= view.stages.length; guard++) {
    s.inFinalImage = true;
    s = s.base.stage === undefined ? undefined : view.stages[s.base.stage];
  }

  // `# kshield.io/ignore: rule,... [-- reason]` covers the next instruction; `ignore-file` the whole file.
  const ignoreTargets: { target: string; words: Set<string>; reason?: string }[] = [];
  for (const range of [...ignoreDirectives, ...ast.getComments().map((c) => c.getRange())]) {
    const m = IGNORE_LINE.exec(lines.text.slice(lines.offset(range.start.line, range.start.character), lines.offset(range.end.line, range.end.character)).trim());
    if (!m) continue;
    // A comment inside a continued instruction belongs to it, not to the next one.
    if (instructionPointers.some((p) => p.range.start.line < range.start.line && p.range.end.line > range.start.line)) continue;
    const [list, reason] = splitReason(m[2]);
    const words = list.split(',').map((w) => w.trim()).filter(Boolean);
    const next = instructionPointers.find((p) => p.range.start.line > range.start.line);
    const target = m[1] ? '' : next?.pointer;
    if (target === undefined) continue;
    const pointer = `/ignores/${view.ignores.length}`;
    view.ignores.push({ words, target, line: range.start.line + 1 });
    at(pointer, range);
    ignoreTargets.push({ target, words: new Set(words), reason });
    // A comment above a FROM covers what is reported about the stage it opens (its base image, its name).
    const from = /^\/stages\/(\d+)\/instructions\/0$/.exec(target);
    if (from) for (const part of ['base', 'name']) ignoreTargets.push({ target: `/stages/${from[1]}/${part}`, words: new Set(words), reason });
  }

  const name = displayName(file);
  const resource: Resource = {
    apiVersion: SOURCE_API_VERSION,
    kind: DOCKERFILE_KIND,
    name,
    object: view as unknown as Resource['object'],
    file,
    documentIndex: 0,
    basePath: '',
    locate: (pointer) => locateIn(positions, pointer),
  };
  if (ignoreTargets.length > 0) resource.inlineIgnores = (path) => ignoresAt(ignoreTargets, path);
  const stable = stableKeys(view);
  resource.stablePath = (path) => {
    const m = /^\/(stages\/\d+\/instructions\/\d+|stages\/\d+|args\/\d+)(\/.*)?$/.exec(path);
    const key = m ? stable.get(`/${m[1]}`) : undefined;
    return key === undefined ? path : `${key}${m![2] ?? ''}`;
  };
  out.resource = resource;
  return out;
}

/**
 * Names for the stages and instructions that do not move when the file is edited elsewhere: a stage
 * by its name (else its FROM's image), an instruction by its stage, keyword, arguments and flags, and
 * which of the identical ones it is. Fingerprints use them (baselines), never positions.
 */
function stableKeys(view: DockerfileView): Map<string, string> {
  const keys = new Map<string, string>();
  const seen = new Map<string, number>();
  const name = (base: string, ins: InstructionView): string => {
    const text = `${base}/${ins.keyword} ${ins.flags.map((f) => `--${f.name}=${f.value ?? ''}`).join(' ')} ${JSON.stringify(ins.arguments)}`;
    const n = seen.get(text) ?? 0;
    seen.set(text, n + 1);
    return `${text}#${n}`;
  };
  view.args.forEach((ins, i) => keys.set(`/args/${i}`, name('/args', ins)));
  view.stages.forEach((stage) => {
    const base = `/stages/${stage.name ?? `${stage.base.raw}#${view.stages.filter((o) => o.index < stage.index && o.name === undefined && o.base.raw === stage.base.raw).length}`}`;
    keys.set(`/stages/${stage.index}`, base);
    stage.instructions.forEach((ins, i) => keys.set(`/stages/${stage.index}/instructions/${i}`, name(base, ins)));
  });
  return keys;
}

function splitReason(text: string): [string, string | undefined] {
  const cut = text.indexOf(' -- ');
  if (cut === -1) return [text.trim(), undefined];
  const reason = text.slice(cut + 4).trim();
  return [text.slice(0, cut).trim(), reason || undefined];
}

function ignoresAt(targets: readonly { target: string; words: Set<string>; reason?: string }[], path: string): InlineIgnore | undefined {
  let words: Set<string> | undefined;
  let reason: string | undefined;
  for (const t of targets) {
    if (t.target !== '' && path !== t.target && !path.startsWith(`${t.target}/`)) continue;
    words ??= new Set();
    for (const w of t.words) words.add(w);
    reason ??= t.reason;
  }
  return words ? { words, reason } : undefined;
}

function locateIn(positions: ReadonlyMap<string, Position>, pointer: string): Position {
  for (let p = pointer; ; p = p.slice(0, p.lastIndexOf('/'))) {
    const found = positions.get(p);
    if (found) return found;
    if (p === '') return { line: 1, column: 1 };
  }
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

interface FromInstruction extends AstInstruction {
  getImage(): string | null;
  getImageRange(): AstRange | null;
  getBuildStage(): string | null;
  getBuildStageRange(): AstRange | null;
  getFlags(): AstFlag[];
}

/** FROM's image: variables substituted from the global ARGs, earlier stages recognised, the reference parsed. */
function fromView(ins: FromInstruction, globals: ReadonlyMap<string, string | undefined>, stages: readonly StageView[], escape: string, out: DockerfileLoad, line: number): BaseImageView {
  const raw = ins.getImage() ?? '';
  const base: BaseImageView = { raw };
  const platform = ins.getFlags().find((f) => f.getName() === 'platform');
  if (platform?.getValue()) base.platform = platform.getValue()!;
  if (raw === '') {
    out.errors.push({ line, message: 'FROM without an image (docker build rejects the file)' });
    return base;
  }
  const expanded = expand(raw, globals, escape);
  if (expanded.unresolved.length > 0) {
    base.unresolved = expanded.unresolved;
    const which = expanded.unresolved.map((v) => (PLATFORM_ARGS.has(v) ? `${v} (set by the build for each platform)` : `${v} (no default)`)).join(', ');
    out.notes.push({
      file: '',
      line,
      message: `FROM ${clip(raw)}: the base image depends on ${which}, known only when the image is built; the rules about the base image's tag, digest and registry skip this stage`,
    });
    return base;
  }
  const resolved = expanded.value;
  base.resolved = resolved;
  if (resolved.toLowerCase() === 'scratch') {
    base.scratch = true;
    return base;
  }
  const stage = stages.findIndex((s) => s.name !== undefined && s.name === resolved.toLowerCase());
  if (stage !== -1) {
    base.stage = stage;
    return base;
  }
  const parsed = parseImageReference(resolved);
  if (parsed.ok) base.reference = parsed.image;
  else base.invalid = parsed.error;
  return base;
}

/**
 * Substitutes `$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME-word}`, `${NAME:+word}` and `${NAME+word}`
 * from `values` (an ARG declared without a default has the value undefined), as BuildKit does in
 * FROM. Variables with no value are listed in `unresolved`.
 */
export function expand(text: string, values: ReadonlyMap<string, string | undefined>, escape = '\\'): { value: string; unresolved: string[] } {
  const unresolved: string[] = [];
  let value = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === escape && text[i + 1] === '$') {
      value += '$';
      i++;
      continue;
    }
    if (c !== '$') {
      value += c;
      continue;
    }
    const braced = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}/.exec(text.slice(i));
    const plain = braced ? null : /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(text.slice(i));
    const m = braced ?? plain;
    if (!m) {
      value += c;
      continue;
    }
    i += m[0].length - 1;
    const name = m[1];
    const op = braced ? m[2] : undefined;
    const word = braced ? (m[3] ?? '') : '';
    const known = values.has(name) && !PLATFORM_ARGS.has(name);
    const current = known ? values.get(name) : undefined;
    const set = current !== undefined;
    if (op === ':-') value += set && current !== '' ? current : word;
    else if (op === '-') value += set ? current : word;
    else if (op === ':+') value += set && current !== '' ? word : '';
    else if (op === '+') value += set ? word : '';
    else if (set) value += current;
    else unresolved.push(name);
  }
  return { value, unresolved: [...new Set(unresolved)] };
}

/** Text of a range of the document. */
function textOf(lines: Lines, range: AstRange): string {
  return lines.text.slice(lines.offset(range.start.line, range.start.character), lines.offset(range.end.line, range.end.character));
}

/** Removes the line continuations (escape + newline) and the comment lines BuildKit drops inside an instruction. */
function joinContinuations(text: string, escape: string): string {
  const parts = text.split('\n');
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const line = parts[i].replace(/\r$/, '');
    if (i > 0 && /^\s*#/.test(line)) continue;
    const trimmed = line.replace(/\s+$/, '');
    if (trimmed.endsWith(escape) && i + 1 < parts.length) out += trimmed.slice(0, -1);
    else out += line + (i + 1 < parts.length ? '\n' : '');
  }
  return out;
}

interface HeredocInstruction {
  getHeredocs(): { getName(): string; getContentRange(): AstRange | null; getStartRange(): AstRange }[];
}

function instructionView(
  ins: AstInstruction,
  keyword: string,
  line: number,
  pointer: string,
  lines: Lines,
  escape: string,
  at: (pointer: string, range: AstRange | null | undefined) => void,
  withText = false,
): InstructionView {
  const flags = 'getFlags' in ins ? (ins as unknown as { getFlags(): AstFlag[] }).getFlags() : [];
  const view: InstructionView = { keyword, line, arguments: [], flags: flags.map((f) => (f.getValue() === null ? { name: f.getName() } : { name: f.getName(), value: f.getValue()! })) };
  flags.forEach((f, k) => {
    at(`${pointer}/flags/${k}`, f.getRange());
    at(`${pointer}/flags/${k}/value`, f.getValueRange() ?? f.getRange());
  });
  const args = ins.getArguments();
  const argsText = args.length > 0 ? textOf(lines, { start: args[0].getRange().start, end: args[args.length - 1].getRange().end }) : '';
  const argsStart = args.length > 0 ? lines.offset(args[0].getRange().start.line, args[0].getRange().start.character) : 0;
  const heredocs = 'getHeredocs' in ins ? (ins as unknown as HeredocInstruction).getHeredocs() : [];
  if (withText && TEXT_KEYWORDS.has(keyword)) {
    const firstLineEnd = lines.text.indexOf('\n', argsStart);
    view.text = heredocs.length > 0 ? lines.text.slice(argsStart, firstLineEnd === -1 ? undefined : firstLineEnd).replace(/\r$/, '') : joinContinuations(argsText, escape);
  }

  if (PROPERTY_KEYWORDS.has(keyword) && 'getProperties' in ins) {
    const properties = (ins as unknown as { getProperties(): { getName(): string; getValue(): string | null; getNameRange(): AstRange; getValueRange(): AstRange | null }[] }).getProperties();
    view.properties = properties.map((p) => (p.getValue() === null ? { name: p.getName() } : { name: p.getName(), value: p.getValue()! }));
    properties.forEach((p, k) => {
      at(`${pointer}/properties/${k}`, p.getNameRange());
      at(`${pointer}/properties/${k}/value`, p.getValueRange() ?? p.getNameRange());
    });
    view.arguments = args.map((a) => a.getValue());
    args.forEach((a, k) => at(`${pointer}/arguments/${k}`, a.getRange()));
    return view;
  }

  // Exec form: the arguments parse as a JSON array of strings (BuildKit's own test), heredocs aside.
  if (JSON_FORM.has(keyword) && heredocs.length === 0 && argsText.trimStart().startsWith('[')) {
    const json = execForm(joinContinuations(argsText, escape));
    if (json) {
      view.form = 'exec';
      view.arguments = json;
      const strings = 'getJSONStrings' in ins ? (ins as unknown as { getJSONStrings(): { getRange(): AstRange }[] }).getJSONStrings() : [];
      if (strings.length === json.length) strings.forEach((s, k) => at(`${pointer}/arguments/${k}`, s.getRange()));
      if (keyword === 'RUN') {
        view.commands = parseExec(json);
        view.commands.forEach((_, k) => at(`${pointer}/commands/${k}`, args[0].getRange()));
      }
      return view;
    }
  }
  if (JSON_FORM.has(keyword)) view.form = 'shell';
  view.arguments = args.map((a) => a.getValue());
  args.forEach((a, k) => at(`${pointer}/arguments/${k}`, a.getRange()));
  if (keyword === 'ONBUILD') view.trigger = args[0]?.getValue().toUpperCase();

  if (heredocs.length > 0) {
    view.heredocs = [];
    // The command line is the text on the instruction's first line; each heredoc's body follows.
    const firstLineEnd = lines.text.indexOf('\n', argsStart);
    const commandLine = lines.text.slice(argsStart, firstLineEnd === -1 ? undefined : firstLineEnd);
    const commands: ShellCommand[] = keyword === 'RUN' ? parseShellScript(commandLine, escape).map((c) => shifted(c, argsStart, 0)) : [];
    // `RUN <<EOF` runs the body as the script; `RUN bash <<EOF` feeds it to a shell that runs it; `RUN python3 <<EOF` feeds data.
    const program = commands.length > 0 ? programOf(commands[0]) : undefined;
    const bodyIsScript = keyword === 'RUN' && (program === undefined || (isShell(program.name) && !program.args.some((a) => /^-[a-z]*c/.test(a))));
    heredocs.forEach((h, k) => {
      const contentRange = h.getContentRange();
      const content = contentRange ? textOf(lines, contentRange) : '';
      view.heredocs!.push({ name: h.getName(), content, script: bodyIsScript });
      at(`${pointer}/heredocs/${k}`, contentRange ?? h.getStartRange());
      if (bodyIsScript && contentRange) {
        const start = lines.offset(contentRange.start.line, contentRange.start.character);
        const first = commands.length;
        for (const c of parseShellScript(content, '\\')) commands.push(shifted(c, start, first));
      }
    });
    if (keyword === 'RUN') setCommands(view, commands, pointer, lines, at, args[0].getRange());
    return view;
  }
  if (keyword === 'RUN' && args.length > 0) {
    const commands = parseShellScript(joinedWithOffsets(argsText, escape), escape).map((c) => shifted(c, argsStart, 0));
    setCommands(view, commands, pointer, lines, at, args[0].getRange());
  }
  return view;
}

/**
 * The arguments text for the shell parser: continuations are left to it (it joins an escaped newline),
 * so offsets in the text stay offsets in the file; only comment lines inside the instruction, which
 * BuildKit drops, are blanked to spaces.
 */
function joinedWithOffsets(text: string, escape: string): string {
  if (!text.includes('\n')) return text;
  let out = '';
  const parts = text.split('\n');
  parts.forEach((part, i) => {
    const blank = i > 0 && /^\s*#/.test(part);
    out += (blank ? ' '.repeat(part.length) : part) + (i + 1 < parts.length ? '\n' : '');
  });
  // A backquote escape: the shell parser takes backslashes; turn the Dockerfile's continuation into one.
  return escape === '`' ? out.replace(/`(\r?\n)/g, '\\$1') : out;
}

/** Offsets of a script parsed apart made file offsets; indexes of its commands moved past `first`. */
function shifted(c: ShellCommand, base: number, first: number): ShellCommand {
  return {
    ...c,
    offset: c.offset === -1 ? -1 : c.offset + base,
    inputFrom: c.inputFrom.map((n) => n + first),
    parent: c.parent === undefined ? undefined : c.parent + first,
  };
}

function setCommands(view: InstructionView, commands: ShellCommand[], pointer: string, lines: Lines, at: (pointer: string, range: AstRange | null | undefined) => void, fallback: AstRange): void {
  view.commands = commands;
  commands.forEach((c, k) => {
    // A nested script's commands sit at the command that runs it.
    let offset = c.offset;
    for (let p = c.parent, guard = 0; offset === -1 && p !== undefined && guard < 10; p = commands[p]?.parent, guard++) offset = commands[p]?.offset ?? -1;
    if (offset === -1) at(`${pointer}/commands/${k}`, fallback);
    else {
      const pos = lines.position(offset);
      at(`${pointer}/commands/${k}`, { start: { line: pos.line - 1, character: pos.column - 1 }, end: { line: pos.line - 1, character: pos.column - 1 } });
    }
  });
  // Offsets were for positions only: the view keeps what rules read.
  for (const c of commands) delete (c as { offset?: number }).offset;
}

/** An exec-form argument list, or undefined when the text is not a JSON array of strings. */
function execForm(text: string): string[] | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
  } catch {
    return undefined;
  }
}

/** Exec form runs no shell: one command, and the script of `["sh", "-c", "..."]` when a shell is run. */
function parseExec(words: string[]): ShellCommand[] {
  const commands: ShellCommand[] = [{ words, redirects: [], inputFrom: [], offset: -1 }];
  const program = programOf(commands[0]);
  if (program && isShell(program.name)) {
    const c = program.args.findIndex((a) => /^-[a-z]*c[a-z]*$/.test(a));
    if (c !== -1 && program.args[c + 1] !== undefined) for (const nested of parseShellScript(program.args[c + 1])) commands.push({ ...nested, offset: -1, inputFrom: nested.inputFrom.map((n) => n + 1), parent: (nested.parent ?? -1) + 1 });
  }
  return commands;
}
