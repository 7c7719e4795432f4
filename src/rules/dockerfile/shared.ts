/**
 * What the Dockerfile rules share: the parsed view of a Dockerfile resource (sources/dockerfile.ts),
 * walks over the stages that make up the final image, the programs each RUN runs, and the example
 * builder. A Dockerfile rule applies to kind `Dockerfile` only (`appliesTo: [DOCKERFILE_KIND]`).
 */
import type { Resource } from '../../core/types.js';
import { DOCKERFILE_KIND, expand, type DockerfileView, type InstructionView, type StageView, type CommandView } from '../../sources/dockerfile.js';
import { programOf, type Program } from '../../sources/shell.js';
import { dedent } from '../examples.js';

export { DOCKERFILE_KIND };
export type { DockerfileView, InstructionView, StageView };

/** Docker's reference for the instructions the rules read. */
export const DOCKERFILE_REFERENCE = 'https://docs.docker.com/reference/dockerfile/';
/** Docker's guide to writing Dockerfiles. */
export const DOCKERFILE_BEST_PRACTICES = 'https://docs.docker.com/build/building/best-practices/';
export const APPLIES_TO = [DOCKERFILE_KIND];
/** A digest for examples (any 64 hex digits; this one is nginx's shape, not a real image). */
export const EXAMPLE_DIGEST = 'sha256:4c0fdaa8b6341bfdeca5f18f7837462c80cff90527ee35ef185571e1c327beac';

/** A Dockerfile example: the text dedented, ending with a newline. */
export function dockerfile(text: string): string {
  return `${dedent(text)}\n`;
}

export function viewOf(resource: Resource): DockerfileView {
  return resource.object as unknown as DockerfileView;
}

export function instructionPointer(stage: number, index: number): string {
  return `/stages/${stage}/instructions/${index}`;
}

export interface Located {
  stage: StageView;
  index: number;
  instruction: InstructionView;
  pointer: string;
}

/**
 * The stages the final image is made of, its first base first: a stage built `FROM` another stage
 * starts from that stage's file system and configuration (USER, ENV, WORKDIR, HEALTHCHECK carry
 * on), while stages that are only copied from (`COPY --from`) give files and nothing else.
 */
export function finalImageStages(view: DockerfileView): StageView[] {
  const chain: StageView[] = [];
  const seen = new Set<number>();
  for (let s: StageView | undefined = view.stages[view.finalStage]; s && !seen.has(s.index); s = s.base.stage === undefined ? undefined : view.stages[s.base.stage]) {
    seen.add(s.index);
    chain.unshift(s);
  }
  return chain;
}

/** The instructions of the final image's stages, in build order. */
export function finalImageInstructions(view: DockerfileView): Located[] {
  return finalImageStages(view).flatMap((stage) => stage.instructions.map((instruction, index) => ({ stage, index, instruction, pointer: instructionPointer(stage.index, index) })));
}

/** Every instruction of every stage, with its pointer. */
export function allInstructions(view: DockerfileView): Located[] {
  return view.stages.flatMap((stage) => stage.instructions.map((instruction, index) => ({ stage, index, instruction, pointer: instructionPointer(stage.index, index) })));
}

export interface LocatedCommand extends Located {
  command: CommandView;
  program: Program;
  /** Index of the command in the instruction's `commands`. */
  k: number;
  commandPointer: string;
}

/** The programs the RUN instructions run (of the given instructions), with where each is. */
export function runPrograms(instructions: readonly Located[]): LocatedCommand[] {
  const out: LocatedCommand[] = [];
  for (const located of instructions) {
    if (located.instruction.keyword !== 'RUN') continue;
    (located.instruction.commands ?? []).forEach((command, k) => {
      const program = programOf(command as Parameters<typeof programOf>[0]);
      if (program) out.push({ ...located, command, program, k, commandPointer: `${located.pointer}/commands/${k}` });
    });
  }
  return out;
}

/** The other commands of the same RUN (the clean-up after an install must be in the same layer). */
export function programsOfRun(instruction: InstructionView): Program[] {
  return (instruction.commands ?? []).map((c) => programOf(c as Parameters<typeof programOf>[0])).filter((p): p is Program => p !== undefined);
}

/** A flag of an instruction, by name (`--mount`, `--from`, `--chmod`, ...; several `--mount` flags may be given). */
export function flagValues(instruction: InstructionView, name: string): string[] {
  return instruction.flags.filter((f) => f.name === name).map((f) => f.value ?? '');
}

/** Whether a RUN mounts a BuildKit cache (or anything) at `target` (`--mount=type=cache,target=/var/cache/apt`). */
export function mountsAt(instruction: InstructionView, targets: readonly string[]): boolean {
  return flagValues(instruction, 'mount').some((m) => {
    const fields = new Map(m.split(',').map((kv) => {
      const eq = kv.indexOf('=');
      return eq === -1 ? [kv.trim().toLowerCase(), ''] : [kv.slice(0, eq).trim().toLowerCase(), kv.slice(eq + 1).trim()];
    }));
    const target = (fields.get('target') ?? fields.get('dst') ?? fields.get('destination') ?? '').replace(/\/+$/, '');
    return targets.some((t) => target === t || target.startsWith(`${t}/`));
  });
}

/**
 * The values ARG defaults and ENV give at the point of `upTo` in the final image's stages, for
 * substituting in USER and WORKDIR. ENV carries into a stage built FROM another; an ARG lasts to the
 * end of its stage, and one without a default (set only with --build-arg) has no value; ENV wins
 * over an ARG of the same name, as in BuildKit.
 */
export function variablesBefore(view: DockerfileView, upTo: Located): Map<string, string | undefined> {
  const globals = new Map<string, string | undefined>();
  for (const a of view.args) for (const p of a.properties ?? []) globals.set(p.name, p.value === undefined ? undefined : expand(p.value, globals, view.escape).value);
  const env = new Map<string, string | undefined>();
  for (const stage of finalImageStages(view)) {
    const args = new Map<string, string | undefined>();
    const current = (): Map<string, string | undefined> => new Map([...args, ...env]);
    for (let i = 0; i < stage.instructions.length; i++) {
      if (stage.index === upTo.stage.index && i === upTo.index) return current();
      const ins = stage.instructions[i];
      if (ins.keyword !== 'ARG' && ins.keyword !== 'ENV') continue;
      for (const p of ins.properties ?? []) {
        // An ARG re-declared in a stage without a default takes the global default.
        const raw = p.value ?? (ins.keyword === 'ARG' ? globals.get(p.name) : undefined);
        const value = raw === undefined ? undefined : expand(raw, current(), view.escape).value;
        (ins.keyword === 'ARG' ? args : env).set(p.name, value);
      }
    }
  }
  return env;
}

/** The word list of an exec or shell form instruction, as one string for messages. */
export function describeStage(stage: StageView): string {
  return stage.name ? `stage "${stage.name}"` : `stage ${stage.index + 1}`;
}

/** Programs that start as root and switch to another user themselves (official images' entrypoints use them). */
const PRIVILEGE_DROPPERS = new Set(['gosu', 'su-exec', 'setpriv', 'runuser', 'chpst', 's6-setuidgid', 'setuidgid']);

/**
 * Whether the final image drops root at start: it installs or runs gosu, su-exec, setpriv and the
 * like (the way the official postgres, redis and mongo images start as root, then run the server as
 * its own user). The rules about root then say nothing: the entrypoint decides, not USER.
 */
export function dropsPrivileges(view: DockerfileView): boolean {
  for (const { instruction } of finalImageInstructions(view)) {
    const words = [...instruction.arguments, ...(instruction.commands ?? []).flatMap((c) => c.words)];
    // A program run (/usr/local/bin/gosu), a package installed (su-exec>=0.2, gosu=1.17-1), a download to its name (-O /usr/local/bin/gosu).
    if (words.some((w) => PRIVILEGE_DROPPERS.has(w.slice(w.lastIndexOf('/') + 1).split(/[=<>~]/)[0]))) return true;
  }
  return false;
}

/** The last USER of the final image (inherited through FROM <stage>), if any. */
export function lastUser(view: DockerfileView): Located | undefined {
  const users = finalImageInstructions(view).filter((l) => l.instruction.keyword === 'USER');
  return users[users.length - 1];
}

/** The stages built on an external image (not scratch, not another stage, reference resolved and valid). */
export function externalBases(view: DockerfileView): StageView[] {
  return view.stages.filter((s) => s.base.reference !== undefined);
}

/** "stage \"build\" (line 3)" style subject for messages about a stage's base. */
export function baseSubject(stage: StageView): string {
  return `${describeStage(stage)} is built FROM ${stage.base.resolved ?? stage.base.raw}${stage.base.resolved !== undefined && stage.base.resolved !== stage.base.raw ? ` (${stage.base.raw})` : ''}`;
}

/** Options of package managers that take the next word as their value. */
const VALUE_OPTIONS: Record<string, ReadonlySet<string>> = {
  apt: new Set(['-o', '-c', '-t', '--option', '--config-file', '--target-release']),
  apk: new Set(['-X', '--repository', '-p', '--root', '--arch', '--cache-dir', '--keys-dir', '--repositories-file', '-t', '--virtual']),
  dnf: new Set(['-c', '--config', '--installroot', '--releasever', '--setopt', '--enablerepo', '--disablerepo', '--repo', '-x', '--exclude']),
};

/** The package managers kshield reads, by program name, to the option table they use. */
const MANAGERS: Record<string, keyof typeof VALUE_OPTIONS> = { 'apt-get': 'apt', apt: 'apt', aptitude: 'apt', apk: 'apk', yum: 'dnf', dnf: 'dnf', microdnf: 'dnf', tdnf: 'dnf' };

export interface PackageCommand {
  manager: string;
  /** install, add, update, ... */
  subcommand: string;
  /** Option words (starting with "-"), values of -o and the like included as "-o=value". */
  options: string[];
  /** The packages named (for install/add). */
  packages: string[];
}

/** A package manager invocation read from a program's arguments, or undefined when it is not one. */
export function packageCommand(program: { name: string; args: string[] }): PackageCommand | undefined {
  const table = MANAGERS[program.name];
  if (!table) return undefined;
  const valued = VALUE_OPTIONS[table];
  const options: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < program.args.length; i++) {
    const a = program.args[i];
    if (a.startsWith('-') && a !== '-') {
      if (valued.has(a) && i + 1 < program.args.length) options.push(`${a}=${program.args[++i]}`);
      else options.push(a);
    } else rest.push(a);
  }
  if (rest.length === 0) return undefined;
  return { manager: program.name, subcommand: rest[0], options, packages: rest.slice(1) };
}

/** The base name of a package without version or release (curl=7.88.1-10, curl-8.5.0-r0 stays curl-8.5.0-r0 for apk's "=" form only). */
export function packageName(word: string): string {
  return word.split(/[=<>~]/)[0].replace(/:[a-z0-9]+$/, '');
}

/** Whether any RUN of the given list removes a path below one of `prefixes` (`rm -rf /var/lib/apt/lists/*`). */
export function removesBelow(programs: readonly { name: string; args: string[] }[], prefixes: readonly string[]): boolean {
  return programs.some((p) => p.name === 'rm' && p.args.some((a) => prefixes.some((prefix) => a === prefix || a.startsWith(`${prefix}/`) || a.startsWith(`${prefix}*`))));
}

export interface LocatedProperty {
  /** ENV, ARG (LABEL is not read by the secret rules). */
  keyword: string;
  name: string;
  value?: string;
  /** Pointer of the property (its name); `${pointer}/value` is its value. */
  pointer: string;
  /** In a stage of the final image, or a global ARG (before the first FROM). */
  inFinalImage: boolean;
  stage?: StageView;
}

/** Every ENV and ARG name=value of the file: the global ARGs, then each stage's, in order. */
export function envAndArgs(view: DockerfileView): LocatedProperty[] {
  const out: LocatedProperty[] = [];
  const finals = new Set(finalImageStages(view).map((s) => s.index));
  view.args.forEach((ins, i) => (ins.properties ?? []).forEach((p, k) => out.push({ keyword: 'ARG', name: p.name, value: p.value, pointer: `/args/${i}/properties/${k}`, inFinalImage: false })));
  for (const stage of view.stages)
    stage.instructions.forEach((ins, i) => {
      if (ins.keyword !== 'ENV' && ins.keyword !== 'ARG') return;
      (ins.properties ?? []).forEach((p, k) => out.push({ keyword: ins.keyword, name: p.name, value: p.value, pointer: `${instructionPointer(stage.index, i)}/properties/${k}`, inFinalImage: finals.has(stage.index), stage }));
    });
  return out;
}
