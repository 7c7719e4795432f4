/**
 * Compliance frameworks as data: one YAML file per framework version in `frameworks/` (validated
 * against schema/framework.schema.json on load), listing the framework's published controls and,
 * for each, the kshield evidence behind it: rules (`rule:<id>`), node checks (`node:<check id>`,
 * the ids `kshield node` prints) and probe checks (`probe:etcd:<id>`, `probe:kubelet:<id>`). A new
 * benchmark version is a new file, not code. What the statuses mean is in docs/compliance.md.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import { LineCounter, parseDocument, isMap, isSeq, type Node as YamlNode } from 'yaml';
import { didYouMean, suggest } from '../core/suggest.js';

/** "; did you mean ...?" when something is near, else nothing. */
const hint = (word: string, candidates: Iterable<string>): string => {
  const near = suggest(word, candidates);
  return near.length > 0 ? `; ${didYouMean(near)}` : '';
};

export type Assessment = 'automated' | 'manual';

export interface FrameworkSection {
  id: string;
  title: string;
}

export interface Control {
  id: string;
  title: string;
  /** A section id of the same file. */
  section: string;
  /**
   * `automated`: a tool can verify the control from configuration or state (kshield does where
   * `evidence` is not empty; otherwise it is always "not assessed"). `manual`: no tool can; a
   * person decides, following `guidance`, and evidence only informs that person.
   */
  assessment: Assessment;
  guidance?: string;
  /** `rule:<id>`, `node:<check id>`, `probe:etcd:<check id>` or `probe:kubelet:<check id>`. */
  evidence?: string[];
  /** 1-based line of the control in its file, for messages. */
  line?: number;
}

export interface Framework {
  /** Kebab-case name every version shares (`cis-kubernetes`). */
  framework: string;
  version: string;
  title: string;
  source: string;
  notes?: string;
  sections: FrameworkSection[];
  controls: Control[];
  /** The file it was read from. */
  file: string;
}

/** The evidence kinds a control may name, parsed. */
export type Evidence = { kind: 'rule'; id: string } | { kind: 'node'; id: string } | { kind: 'probe'; component: 'etcd' | 'kubelet'; id: string };

/** A problem in a framework file, with the line it is on. */
export class FrameworkError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
  ) {
    super(line ? `${file}:${line}: ${message}` : `${file}: ${message}`);
  }
}

/** Framework files larger than this are refused (the largest we ship is about 40 KB). */
export const MAX_FRAMEWORK_FILE_BYTES = 1024 * 1024;

/** The `frameworks/` folder of the package (from dist/src/compliance/ or src/compliance/). */
export const FRAMEWORKS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'frameworks');

const require = createRequire(import.meta.url);
const schema = require('../../../schema/framework.schema.json') as object;
let compiled: ReturnType<Ajv['compile']> | undefined;
const validator = (): ReturnType<Ajv['compile']> => (compiled ??= new Ajv({ allErrors: true, strict: true, strictRequired: false }).compile(schema));

export function parseEvidence(text: string): Evidence | undefined {
  const colon = text.indexOf(':');
  const kind = text.slice(0, colon);
  const rest = text.slice(colon + 1);
  if (kind === 'rule' || kind === 'node') return rest ? { kind, id: rest } : undefined;
  if (kind === 'probe') {
    const [component, ...id] = rest.split(':');
    if ((component === 'etcd' || component === 'kubelet') && id.length === 1 && id[0]) return { kind: 'probe', component, id: id[0] };
  }
  return undefined;
}

/** Reads one framework file's text; throws FrameworkError naming the file and line of the first problem. */
export function parseFramework(text: string, file: string): Framework {
  if (Buffer.byteLength(text) > MAX_FRAMEWORK_FILE_BYTES) throw new FrameworkError(`larger than ${MAX_FRAMEWORK_FILE_BYTES} bytes`, file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    // The parser may place an unclosed collection past the last line; point at the last line instead.
    const lines = text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
    const line = e.linePos?.[0]?.line;
    throw new FrameworkError(`invalid YAML: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`, file, line === undefined ? undefined : Math.min(line, Math.max(lines, 1)));
  }
  const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
  const lineOf = (keys: (string | number)[]): number | undefined => {
    let node: unknown = doc.contents;
    let line = node && (node as YamlNode).range ? lineCounter.linePos((node as YamlNode).range![0]).line : undefined;
    for (const key of keys) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (p.key as { value?: unknown })?.value === key);
        if (!pair) break;
        const keyNode = pair.key as YamlNode;
        if (keyNode?.range) line = lineCounter.linePos(keyNode.range[0]).line;
        node = pair.value;
      } else if (isSeq(node)) {
        node = node.items[key as number];
        if (node && (node as YamlNode).range) line = lineCounter.linePos((node as YamlNode).range![0]).line;
      } else break;
    }
    return line;
  };
  const validate = validator();
  if (!validate(value)) {
    // The problem that comes first in the file; at one place, the deepest (most specific) one.
    const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'if');
    const located = errors.map((e) => ({ e, keys: keysOf(e), line: lineOf(keysOf(e)) ?? 0 }));
    located.sort((a, b) => a.line - b.line || b.keys.length - a.keys.length);
    const first = located[0];
    throw new FrameworkError(describe(first.e, first.keys, value), file, first.line || undefined);
  }
  const fw = value as Omit<Framework, 'file'>;
  const sectionIds = new Set<string>();
  for (const [i, s] of fw.sections.entries()) {
    if (sectionIds.has(s.id)) throw new FrameworkError(`section "${s.id}" is listed twice`, file, lineOf(['sections', i]));
    sectionIds.add(s.id);
  }
  const controlIds = new Set<string>();
  for (const [i, c] of fw.controls.entries()) {
    const line = lineOf(['controls', i]);
    if (controlIds.has(c.id)) throw new FrameworkError(`control "${c.id}" is listed twice`, file, line);
    controlIds.add(c.id);
    if (!sectionIds.has(c.section)) throw new FrameworkError(`control "${c.id}": section "${c.section}" is not in sections${hint(c.section, sectionIds)}`, file, lineOf(['controls', i, 'section']));
    c.line = line;
  }
  return { ...fw, file };
}

function keysOf(err: ErrorObject): (string | number)[] {
  const keys: (string | number)[] = err.instancePath
    .split('/')
    .slice(1)
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((t) => (/^\d+$/.test(t) ? Number(t) : t));
  if (err.keyword === 'additionalProperties') keys.push((err.params as { additionalProperty: string }).additionalProperty);
  return keys;
}

const KNOWN_KEYS: Record<string, string[]> = {
  top: ['framework', 'version', 'title', 'source', 'notes', 'sections', 'controls'],
  section: ['id', 'title'],
  control: ['id', 'title', 'section', 'assessment', 'guidance', 'evidence'],
};

function describe(err: ErrorObject, keys: (string | number)[], value: unknown): string {
  const where = keys.join('.') || 'the file';
  const at = (k: (string | number)[]): unknown => k.reduce<unknown>((n, key) => (n !== null && typeof n === 'object' ? (n as Record<string | number, unknown>)[key] : undefined), value);
  const control = keys[0] === 'controls' && typeof keys[1] === 'number' ? (at(['controls', keys[1]]) as { id?: unknown } | undefined) : undefined;
  const prefix = control && typeof control.id === 'string' ? `control "${control.id}": ` : '';
  switch (err.keyword) {
    case 'additionalProperties': {
      const name = (err.params as { additionalProperty: string }).additionalProperty;
      const known = keys.length === 1 ? KNOWN_KEYS.top : keys[0] === 'sections' ? KNOWN_KEYS.section : KNOWN_KEYS.control;
      return `${prefix}unknown key "${name}"${hint(name, known)}`;
    }
    case 'required': {
      const missing = (err.params as { missingProperty: string }).missingProperty;
      if (missing === 'guidance') return `${prefix}a manual control needs "guidance": what a person checks`;
      return `${prefix}"${missing}" is missing${keys.length ? ` in ${where}` : ''}`;
    }
    case 'enum':
      return `${prefix}${where} must be one of ${(err.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}, not ${JSON.stringify(at(keys))}`;
    case 'pattern':
      if (keys.includes('evidence'))
        return `${prefix}evidence ${JSON.stringify(at(keys))} is not rule:<rule id>, node:<node check id>, probe:etcd:<check id> or probe:kubelet:<check id>`;
      return `${prefix}${where} ${JSON.stringify(at(keys))} does not match ${(err.params as { pattern: string }).pattern}`;
    case 'uniqueItems':
      return `${prefix}${where} lists an item twice`;
    case 'type':
      return `${prefix}${where} must be ${(err.params as { type: string }).type === 'array' ? 'a list' : (err.params as { type: string }).type === 'object' ? 'a mapping' : `a ${(err.params as { type: string }).type}`}`;
    case 'minItems':
      return `${prefix}${where} must not be empty`;
    case 'minLength':
      return `${prefix}${where} must not be empty`;
    default:
      return `${prefix}${where} ${err.message ?? 'is invalid'}`;
  }
}

/** Every `*.yaml` file of a folder, in name order; a bad file is an error of its own and the others still load. */
/**
 * `only`: load just the files whose top-level `framework:` is this name (a report needs one framework;
 * parsing and validating all of them is most of a small report's time). Files that do not say are loaded.
 */
export async function loadFrameworks(dir: string = FRAMEWORKS_DIR, options: { only?: string } = {}): Promise<{ frameworks: Framework[]; errors: FrameworkError[] }> {
  const names = (await fs.readdir(dir)).filter((n) => n.endsWith('.yaml') || n.endsWith('.yml')).sort();
  const frameworks: Framework[] = [];
  const errors: FrameworkError[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      const stat = await fs.stat(file);
      if (stat.size > MAX_FRAMEWORK_FILE_BYTES) throw new FrameworkError(`larger than ${MAX_FRAMEWORK_FILE_BYTES} bytes`, file);
      const text = await fs.readFile(file, 'utf8');
      if (options.only !== undefined) {
        const declared = /^framework:[ \t]*["']?([a-z0-9-]+)["']?[ \t]*(?:#.*)?$/m.exec(text)?.[1];
        if (declared !== undefined && declared !== options.only) continue;
      }
      frameworks.push(parseFramework(text, file));
    } catch (e) {
      if (e instanceof FrameworkError) errors.push(e);
      else errors.push(new FrameworkError((e as Error).message, file));
    }
  }
  const seen = new Map<string, string>();
  for (const fw of frameworks) {
    const key = `${fw.framework} ${fw.version}`;
    const other = seen.get(key);
    if (other) errors.push(new FrameworkError(`${fw.framework} version ${fw.version} is also in ${other}`, fw.file));
    else seen.set(key, fw.file);
  }
  return { frameworks, errors };
}

/** What kshield can evidence with: the ids of its rules, node checks and probe checks. */
export interface EvidenceCatalogue {
  rules: Iterable<string>;
  nodeChecks: Iterable<string>;
  probeChecks: { etcd: Iterable<string>; kubelet: Iterable<string> };
}

/** Evidence that names nothing kshield has, one message per entry (`file:line: ...`). */
export function unknownEvidence(frameworks: readonly Framework[], catalogue: EvidenceCatalogue): string[] {
  const rules = new Set(catalogue.rules);
  const node = new Set(catalogue.nodeChecks);
  const probe = { etcd: new Set(catalogue.probeChecks.etcd), kubelet: new Set(catalogue.probeChecks.kubelet) };
  const problems: string[] = [];
  for (const fw of frameworks)
    for (const c of fw.controls)
      for (const text of c.evidence ?? []) {
        const e = parseEvidence(text);
        const where = `${fw.file}:${c.line ?? 0}: control "${c.id}"`;
        if (!e) problems.push(`${where}: evidence "${text}" is not rule:, node: or probe:etcd|kubelet:`);
        else if (e.kind === 'rule' && !rules.has(e.id)) problems.push(`${where}: evidence "${text}" names no rule${hint(e.id, rules)}`);
        else if (e.kind === 'node' && !node.has(e.id)) problems.push(`${where}: evidence "${text}" names no node check${hint(e.id, node)}`);
        else if (e.kind === 'probe' && !probe[e.component].has(e.id)) problems.push(`${where}: evidence "${text}" names no ${e.component} probe check`);
      }
  return problems;
}

/** For one piece of evidence (`rule:host-pid`), the controls of each framework version it evidences. */
export function controlsEvidencedBy(frameworks: readonly Framework[], evidence: string): { framework: Framework; control: Control }[] {
  return frameworks.flatMap((framework) => framework.controls.filter((c) => c.evidence?.includes(evidence)).map((control) => ({ framework, control })));
}
