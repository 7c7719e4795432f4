/**
 * Which Dockerfile instruction made each layer of an image (`kshield image --dockerfile FILE`).
 *
 * An image records how it was built in its configuration's `history`: one entry per instruction,
 * the ones that made a layer without `empty_layer`, in order, so those map one to one onto the
 * layers. Builders write the entries differently:
 *
 *     BuildKit   RUN /bin/sh -c apt-get install -y curl # buildkit
 *                RUN |2 A=1 B=2 /bin/sh -c make # buildkit      (the stage's build arguments first)
 *                COPY src /app # buildkit    ADD a.tgz /opt/ # buildkit    WORKDIR /app
 *     classic    /bin/sh -c apt-get install -y curl             (no keyword; `|N ...` likewise)
 *                /bin/sh -c #(nop) COPY file:<hash> in /app     (sources hashed, destination kept)
 *                /bin/sh -c #(nop) WORKDIR /app                 /bin/sh -c #(nop)  ENV A=b
 *
 * The final stage's instructions that may make a layer (RUN, COPY, ADD, and WORKDIR, which makes
 * one with BuildKit and an empty one, or none, with the classic builder) are matched against the
 * history from the top down: entry and instruction must agree in kind and text, one after the
 * other, or the matching stops. What lies below the final stage's first instruction is the base
 * image. A Dockerfile that disagrees with the history is said to in a note, and only what matched
 * before the disagreement is attributed: no layer is ever given to an instruction that did not
 * match it.
 *
 * Pure: the parsed Dockerfile and the image configuration in, an attribution per layer out.
 */
import path from 'node:path/posix';
import { redactSecretsInText } from '../core/redact.js';
import type { DockerfileOrigin, PackageLocation } from '../packages/model.js';
import type { DockerfileView, InstructionView, StageView } from '../sources/dockerfile.js';
import type { ImageInventory } from './inventory.js';
import type { ImageConfig } from './sources.js';

export interface LayerAttribution {
  /** By layer index: the instruction (or base image) that made the layer; undefined where not attributed. */
  origins: (DockerfileOrigin | undefined)[];
  /** What the reader should know: the Dockerfile disagrees with the history, the image has none, ... */
  notes: string[];
}

type HistoryEntry = NonNullable<ImageConfig['history']>[number];

/** A layer-making instruction of the final image's stages, with what was in effect where it ran. */
interface Step {
  ins: InstructionView;
  /** Variables whose value is known at this point (ENV in these stages); any other reference may hold anything. */
  env: ReadonlyMap<string, string>;
  /** The shell RUN's shell form runs (SHELL, else /bin/sh -c). */
  shell: readonly string[];
  /** The working directory before this instruction, when the Dockerfile fixes it. */
  workdir?: string;
}

/** What one history entry says, read the way the builders write it. */
type Entry =
  | { kind: 'RUN'; body: string; keyword: boolean }
  | { kind: 'COPY' | 'ADD'; words: string }
  | { kind: 'COPY' | 'ADD'; classicDest: string }
  | { kind: 'WORKDIR'; path: string }
  | { kind: 'metadata' }
  | { kind: 'unknown' };

const METADATA = new Set(['ENV', 'LABEL', 'USER', 'EXPOSE', 'CMD', 'ENTRYPOINT', 'VOLUME', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL', 'ARG', 'MAINTAINER', 'ONBUILD']);
const LAYER_KEYWORDS = new Set(['RUN', 'COPY', 'ADD', 'WORKDIR']);
const DEFAULT_SHELL = ['/bin/sh', '-c'];
/** Longest instruction text kept for a report line. */
const SHOWN = 80;
/** A history longer than this is not one a builder wrote: it is not matched. */
export const MAX_HISTORY = 10_000;

const squeeze = (text: string): string => text.replace(/\s+/g, ' ').trim();
const clip = (text: string, n = SHOWN): string => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

/** Reads one history entry's `created_by`. */
function readEntry(createdBy: unknown): Entry {
  let s = typeof createdBy === 'string' ? squeeze(createdBy) : '';
  if (s === '') return { kind: 'unknown' };
  if (s.endsWith(' # buildkit')) s = s.slice(0, -' # buildkit'.length).trim();
  // The classic builder (and buildah) record instructions that run nothing as a shell comment: `/bin/sh -c #(nop) ...`.
  const nop = /^(\S+(?: \S+){0,3}) #\(nop\) ([\s\S]*)$/.exec(s);
  if (nop) {
    const rest = nop[2].trim();
    const keyword = rest.split(' ', 1)[0].toUpperCase();
    if (keyword === 'COPY' || keyword === 'ADD') {
      const dest = /^\S+ .*?(?:file|dir|multi):[0-9a-f]+ in (.*)$/.exec(rest) ?? / in (.*)$/.exec(rest);
      return dest ? { kind: keyword, classicDest: dest[1].trim() } : { kind: 'unknown' };
    }
    if (keyword === 'WORKDIR') return { kind: 'WORKDIR', path: rest.slice(keyword.length).trim() };
    return { kind: 'metadata' };
  }
  const space = s.indexOf(' ');
  const first = space === -1 ? s : s.slice(0, space);
  const rest = space === -1 ? '' : s.slice(space + 1);
  if (first === 'RUN') return { kind: 'RUN', body: rest, keyword: true };
  if (first === 'COPY' || first === 'ADD') return { kind: first, words: rest };
  if (first === 'WORKDIR') return { kind: 'WORKDIR', path: rest };
  if (METADATA.has(first)) return { kind: 'metadata' };
  // The classic builder writes a RUN as the command it ran, with no keyword.
  return { kind: 'RUN', body: s, keyword: false };
}

/** Regular-expression text for `text`, every variable reference without a known value standing for any word. */
const ANY = '\u0000';
function withVariables(text: string, env: ReadonlyMap<string, string>): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && text[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    if (c !== '$') {
      out += c;
      continue;
    }
    const m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}/.exec(text.slice(i)) ?? /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(text.slice(i));
    if (!m) {
      out += c;
      continue;
    }
    i += m[0].length - 1;
    const value = env.get(m[1]);
    const op = m[2];
    if (value === undefined) out += ANY;
    else if (op === ':-') out += value !== '' ? value : (m[3] ?? '');
    else if (op === '-') out += value;
    else if (op === ':+') out += value !== '' ? (m[3] ?? '') : '';
    else if (op === '+') out += m[3] ?? '';
    else out += value;
  }
  return out;
}

/** `text` as a whole-string pattern; `under` lets any directory come before it (a path relative to an unknown one). */
function patternOf(text: string, under = false): RegExp {
  const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').split(ANY).join('[^ ]*');
  return new RegExp(`^${under ? '(?:/.*)?/' : ''}${escaped}$`);
}

/** A path as builders print it: normalised, no trailing slash (the root aside). */
function cleanPath(p: string): string {
  const n = path.normalize(p);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

/** A COPY/ADD word as BuildKit takes it: surrounding quotes removed. */
const unquote = (word: string): string => word.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');

/** A heredoc marker (`<<EOF`, `<<-"EOF"`) as BuildKit names it in history: `<<EOF`. */
function heredocMarker(word: string): string | undefined {
  const m = /^<<-?(["']?)([^"'\s]+)\1$/.exec(word);
  return m ? `<<${m[2]}` : undefined;
}

/** The words after COPY/ADD's flags: sources, then the destination. */
function copyWords(ins: InstructionView): string[] {
  if (ins.form === 'exec') return ins.arguments;
  const words = squeeze(ins.text ?? ins.arguments.join(' ')).split(' ').filter((w) => w !== '');
  if (words.length === 0) return [];
  const dest = unquote(words[words.length - 1]);
  const sources = words.slice(0, -1);
  // BuildKit lists file sources first, then heredocs.
  const files = sources.filter((w) => heredocMarker(w) === undefined).map(unquote);
  const docs = sources.map(heredocMarker).filter((m): m is string => m !== undefined);
  return [...files, ...docs, dest];
}

/** The command lines a RUN's history entry may carry (after the build arguments), squeezed. */
function runCommands(step: Step): string[] {
  const { ins, shell } = step;
  if (ins.form === 'exec') return [squeeze(ins.arguments.join(' '))];
  const text = ins.text ?? ins.arguments.join(' ');
  const docs = ins.heredocs ?? [];
  const shellWords = shell.join(' ');
  if (docs.length > 0) {
    // `RUN <<EOF` runs the body (a body with a #! line as a file under /dev/pipes); anything else gets the heredocs appended.
    if (docs.length === 1 && heredocMarker(squeeze(text)) !== undefined) {
      const body = docs[0].content;
      return body.startsWith('#!') ? [squeeze(`${shellWords} /dev/pipes/${docs[0].name}`)] : [squeeze(`${shellWords} ${body}`)];
    }
    return [squeeze([shellWords, text, ...docs.flatMap((d) => [d.content, d.name])].join(' '))];
  }
  return [squeeze(`${shellWords} ${text}`)];
}

function matchesRun(step: Step, entry: Extract<Entry, { kind: 'RUN' }>): boolean {
  const body = entry.body;
  for (const command of runCommands(step)) {
    if (body === command) return true;
    // `|N NAME=value ...` before the command: the build arguments in effect (values may hold spaces).
    if (/^\|\d+ [A-Za-z_]/.test(body) && body.endsWith(` ${command}`)) return true;
  }
  // Builders that record the instruction as written (kaniko): `RUN <text>`.
  return entry.keyword && step.ins.form !== 'exec' && (step.ins.heredocs ?? []).length === 0 && body === squeeze(step.ins.text ?? '');
}

/** Where a relative path lands: joined to the working directory when the Dockerfile fixes it. */
function destinations(dest: string, workdir: string | undefined): string[] {
  const out = [cleanPath(dest)];
  if (!dest.startsWith('/') && !dest.includes(ANY) && workdir !== undefined) out.push(cleanPath(path.join(workdir, dest)));
  return out;
}

function matches(step: Step, entry: Entry): boolean {
  const keyword = step.ins.keyword;
  if (entry.kind === 'RUN') return keyword === 'RUN' && matchesRun(step, entry);
  if (entry.kind === 'COPY' || entry.kind === 'ADD') {
    if (keyword !== entry.kind) return false;
    const words = copyWords(step.ins).map((w) => withVariables(w, step.env));
    if (words.length < 2) return false;
    if ('words' in entry) return patternOf(words.join(' ')).test(entry.words);
    const got = cleanPath(entry.classicDest);
    return destinations(words[words.length - 1], step.workdir).some((d) => patternOf(d).test(got));
  }
  if (entry.kind === 'WORKDIR') {
    if (keyword !== 'WORKDIR') return false;
    const wanted = withVariables(squeeze(step.ins.text ?? step.ins.arguments.join(' ')), step.env);
    const got = cleanPath(entry.path);
    if (wanted.startsWith('/')) return patternOf(cleanPath(wanted)).test(got);
    if (step.workdir !== undefined && !wanted.includes(ANY)) return got === cleanPath(path.join(step.workdir, wanted));
    // Relative to a directory the base image sets: only its end is known.
    return patternOf(cleanPath(wanted), true).test(got);
  }
  return false;
}

/** The stages the final image is made of, its base first: the final stage and the stages it is built FROM. */
function finalChain(view: DockerfileView): StageView[] {
  const chain: StageView[] = [];
  for (let s: StageView | undefined = view.stages[view.finalStage]; s && chain.length <= view.stages.length; s = s.base.stage === undefined ? undefined : view.stages[s.base.stage]) chain.unshift(s);
  return chain;
}

/** The layer-making instructions of those stages, in order, with the variables, shell and directory each saw. */
function stepsOf(chain: readonly StageView[]): Step[] {
  const steps: Step[] = [];
  const env = new Map<string, string>();
  let shell: readonly string[] = DEFAULT_SHELL;
  let workdir: string | undefined;
  for (const stage of chain) {
    for (const ins of stage.instructions.slice(1)) {
      if (LAYER_KEYWORDS.has(ins.keyword)) steps.push({ ins, env: new Map(env), shell, ...(workdir !== undefined ? { workdir } : {}) });
      if (ins.keyword === 'ENV') {
        for (const p of ins.properties ?? []) {
          const value = p.value === undefined ? undefined : withVariables(p.value, env);
          if (value === undefined || value.includes(ANY)) env.delete(p.name);
          else env.set(p.name, value);
        }
      } else if (ins.keyword === 'ARG') {
        // A build argument's value may come from --build-arg: it is never known here.
        for (const p of ins.properties ?? []) env.delete(p.name);
      } else if (ins.keyword === 'SHELL' && ins.form === 'exec' && ins.arguments.length > 0) {
        shell = ins.arguments;
      } else if (ins.keyword === 'WORKDIR') {
        const wanted = withVariables(squeeze(ins.text ?? ins.arguments.join(' ')), env);
        workdir = wanted.includes(ANY) ? undefined : wanted.startsWith('/') ? cleanPath(wanted) : workdir === undefined ? undefined : cleanPath(path.join(workdir, wanted));
      }
    }
  }
  return steps;
}

/** The instruction as a report shows it: keyword, flags and text on one line, credentials replaced, shortened. */
function shown(ins: InstructionView): string {
  // COPY/ADD flags say where files came from (--from) and whose they are; RUN's (--mount, --network) would only crowd out the command.
  const flags = ins.keyword === 'RUN' ? [] : ins.flags.map((f) => `--${f.name}${f.value !== undefined ? `=${f.value}` : ''}`);
  // A heredoc's instruction line says little (`RUN <<EOF`): its body follows it.
  const body = (ins.heredocs ?? []).map((d) => squeeze(d.content)).join(' ');
  const text = ins.form === 'exec' ? JSON.stringify(ins.arguments) : squeeze(`${ins.text ?? ins.arguments.join(' ')} ${body}`);
  return clip(redactSecretsInText([ins.keyword, ...flags, text].filter((p) => p !== '').join(' ')));
}

/**
 * Attributes each of an image's `layerCount` layers to the instruction of the Dockerfile's final
 * stage that made it, or to the base image, from the image configuration's history. `file` names
 * the Dockerfile in what is reported.
 */
export function attributeLayers(view: DockerfileView, file: string, history: ImageConfig['history'], layerCount: number): LayerAttribution {
  const origins: (DockerfileOrigin | undefined)[] = new Array<DockerfileOrigin | undefined>(layerCount).fill(undefined);
  const notes: string[] = [];
  if (!Array.isArray(history) || history.length === 0) {
    notes.push(`the image records no build history, so its layers cannot be matched with the instructions of ${file}`);
    return { origins, notes };
  }
  if (history.length > MAX_HISTORY) {
    notes.push(`the image's history has ${history.length} entries, over the ${MAX_HISTORY} limit: its layers are not matched with ${file}`);
    return { origins, notes };
  }
  const entries: (HistoryEntry & { layer?: number })[] = [];
  let layers = 0;
  for (const h of history) entries.push({ ...(h ?? {}), ...(h?.empty_layer ? {} : { layer: layers++ }) });
  if (layers !== layerCount) {
    notes.push(`the image's history records ${layers} layer${layers === 1 ? '' : 's'} but the image has ${layerCount}: its layers are not matched with ${file}`);
    return { origins, notes };
  }
  const chain = finalChain(view);
  const root = chain[0];
  const fromLine = root.instructions[0]?.line ?? 1;
  const steps = stepsOf(chain);
  const disagree = (why: string): void => {
    const matched = origins.filter((o) => o !== undefined).length;
    notes.push(`${file} does not seem to be the Dockerfile this image was built from: ${why}; ${matched === 0 ? 'no layer is' : `only the ${matched} layer${matched === 1 ? '' : 's'} matched above that ${matched === 1 ? 'is' : 'are'}`} attributed to its instructions`);
  };
  const entryName = (e: (typeof entries)[number], i: number): string => `history entry ${i}${e.layer !== undefined ? ` (layer ${e.layer})` : ' (no layer)'}`;
  let next = steps.length - 1;
  let i = entries.length - 1;
  for (; i >= 0 && next >= 0; i--) {
    const e = entries[i];
    const entry = readEntry(e.created_by);
    if (entry.kind === 'metadata' || (entry.kind === 'unknown' && e.layer === undefined)) {
      if (e.layer !== undefined) {
        disagree(`${entryName(e, i)} made a layer with an instruction that makes none`);
        return { origins, notes };
      }
      continue;
    }
    const step = steps[next];
    if (entry.kind === 'unknown' || !matches(step, entry)) {
      const text = typeof e.created_by === 'string' ? squeeze(e.created_by) : '';
      const what = text === '' ? 'does not say what made it, where the final stage has' : `(${JSON.stringify(clip(redactSecretsInText(text), 100))}) does not match the`;
      disagree(`${entryName(e, i)} ${what} ${step.ins.keyword} at line ${step.ins.line}`);
      return { origins, notes };
    }
    if (e.layer !== undefined) origins[e.layer] = { file, line: step.ins.line, instruction: shown(step.ins) };
    next--;
  }
  if (next >= 0) {
    disagree(`the history ends before ${steps[next].ins.keyword} at line ${steps[next].ins.line} (${next + 1} of the final stage's instructions that make layers are not in it)`);
    return { origins, notes };
  }
  // Every instruction matched: what lies below the first is the base image's.
  const below = entries.slice(0, i + 1).filter((e) => e.layer !== undefined);
  if (below.length > 0 && root.base.scratch) {
    disagree(`${below.length} layer${below.length === 1 ? '' : 's'} lie below the first instruction, but the final stage is built FROM scratch`);
    return { origins, notes };
  }
  const baseImage = root.base.resolved ?? root.base.raw;
  for (const e of below) origins[e.layer!] = { file, line: fromLine, instruction: clip(`FROM ${baseImage}`), baseImage };
  return { origins, notes };
}

/**
 * The image inventory with each layer's origin: on the layers (the report's subject), on every
 * package location in an attributed layer, and the attribution's notes added to the inventory's.
 */
export function withDockerfileOrigins(result: ImageInventory, attribution: LayerAttribution): ImageInventory {
  const origin = (index: number): DockerfileOrigin | undefined => attribution.origins[index];
  const located = (l: PackageLocation): PackageLocation => {
    const o = l.layer ? origin(l.layer.index) : undefined;
    return o && l.layer ? { ...l, layer: { ...l.layer, dockerfile: o } } : l;
  };
  return {
    ...result,
    layers: result.layers.map((l) => (origin(l.index) ? { ...l, dockerfile: origin(l.index) } : l)),
    inventory: {
      ...result.inventory,
      packages: result.inventory.packages.map((p) => ({ ...p, locations: p.locations.map(located) })),
      notes: [...result.inventory.notes, ...attribution.notes.map((message) => ({ message }))],
    },
  };
}
