/**
 * `.kshield.yaml`: validated against the shipped JSON Schema; errors name the key and its line.
 */
import { parseTenantLabel } from '../analysis/tenants.js';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { LineCounter, parseDocument, isMap, isSeq, type Node as YamlNode } from 'yaml';
import type { Severity } from '../core/types.js';
import type { Exemption } from '../engine/engine.js';
import type { ImageSource, OperatorWorkloadConfig, Rule, RuleSettings } from '../engine/rule.js';
import { knownSelector, selectorHint } from '../engine/select.js';
import { didYouMean, suggest } from '../core/suggest.js';
import { labelKeyProblem, parseLabelSelector } from '../k8s/labels.js';
import { pssVersionProblem } from '../k8s/pss.js';
import { isBuiltinApiVersion } from '../k8s/pods.js';
import { PLACEHOLDER_ROOTS, templatePlaceholders, parseFieldPath } from '../analysis/operator-workloads.js';
import { parseNetworks } from '../rules/audit/audit-request-outside-networks.js';
import type { ImagePolicy, WebhookConfigInput } from './webhook.js';
import { loadImagePolicy } from './signature-rules.js';

const DEFAULT_CONFIG_FILE = '.kshield.yaml';

export interface KshieldConfig {
  enable?: string[];
  disable?: string[];
  severity?: Record<string, Severity>;
  failOn?: Severity | 'none';
  requiredLabels?: string[];
  allowedRegistries?: string[];
  kubernetesVersion?: string;
  /** Pod Security Standards version: "latest" or "v1.N" (`--pss-version` wins over it). */
  pssVersion?: string;
  maxFileSize?: number | string;
  inlineSuppressions?: boolean;
  exemptions?: Exemption[];
  /** Custom resources from which an operator creates pods (see OperatorWorkloadConfig). */
  operatorWorkloads?: OperatorWorkloadConfig[];
  /** Which Dockerfile builds which image (see ImageSource); paths relative to this file. */
  imageSources?: ImageSource[];
  /** Istio's root namespace (meshConfig.rootNamespace; default istio-system). */
  istioRootNamespace?: string;
  /** Networks (CIDR blocks or addresses) API requests are expected from: the audit rule audit-request-outside-networks. */
  auditAllowedNetworks?: string[];
  /** Which namespaces are tenants (`key` or `key=value` on their Namespace objects), for the tenancy rules and `kshield tenants`. */
  tenantLabel?: string;
  /** The admission webhook's section (`kshield webhook`); `kshield scan` ignores it. */
  webhook?: WebhookConfigInput;
  /** `webhook.imagePolicy` with its key files and trusted roots read (set by parseConfig, not written by users). */
  loadedImagePolicy?: ImagePolicy;
  /** Where the configuration came from. */
  file?: string;
}

/**
 * Where an exemption is written. `line`/`column` point at its `expires:` when it has one (what an
 * expired exemption is reported at), else at the item; `item` is always the start of the item
 * (what an unused exemption is reported at).
 */
export type ExemptionSource = NonNullable<Exemption['source']> & { item: { line: number; column: number } };

/** The start of the exemption's item in the configuration, when it was read from one. */
export function exemptionItemPosition(exemption: Exemption): { line: number; column: number } | undefined {
  const source = exemption.source as Partial<ExemptionSource> | undefined;
  return source?.item ?? (source ? { line: source.line ?? 0, column: source.column ?? 0 } : undefined);
}

export class ConfigError extends Error {
  /** Every problem found, in file order (this one first); the message has one line per problem. */
  readonly problems: ConfigError[];

  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
  ) {
    super(line ? `${file}:${line}: ${message}` : `${file}: ${message}`);
    this.problems = [this];
  }

  /** One error for several problems of a file, so that a person fixes them in one go rather than one per run. */
  static of(problems: readonly ConfigError[]): ConfigError {
    const sorted = [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    const shown = sorted.slice(0, MAX_PROBLEMS_SHOWN);
    const first = shown[0];
    const all = new ConfigError('', first.file, first.line);
    const lines = shown.map((p) => p.message);
    if (sorted.length > shown.length) lines.push(`${first.file}: ${sorted.length - shown.length} more problems not shown`);
    all.message = lines.join('\n');
    (all as { problems: ConfigError[] }).problems = shown;
    return all;
  }
}

/** A configuration with more problems than this is shown by its first ones. */
const MAX_PROBLEMS_SHOWN = 20;

const require = createRequire(import.meta.url);
const schema = require('../../../schema/config.schema.json') as object;
let compiled: ValidateFunction | undefined;
/**
 * The schema's validator, compiled on first use: compiling it took a fifth of a second, which every
 * command paid at start-up, with a configuration file or without.
 */
function validator(): ValidateFunction {
  return (compiled ??= new Ajv({ allErrors: true, strict: false }).compile(schema));
}

const MAX_CONFIG_BYTES = 1024 * 1024;

export async function loadConfigFile(file: string, catalogue: readonly Rule[]): Promise<KshieldConfig> {
  let text: string;
  try {
    const stat = await fs.stat(file);
    if (stat.size > MAX_CONFIG_BYTES) throw new ConfigError('configuration file is larger than 1 MiB', file);
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why: Record<string, string> = { ENOENT: 'configuration file not found', EISDIR: 'a directory, not a configuration file', ELOOP: 'a symbolic link loop, not a configuration file', EACCES: 'configuration file not readable (permission denied)' };
    throw new ConfigError(why[code ?? ''] ?? `cannot read configuration: ${code ?? (err as Error).message}`, file);
  }
  // A NUL byte never occurs in YAML text: say what the file is rather than how the parser fails on it.
  if (text.includes('\u0000')) throw new ConfigError('a binary file, not a YAML configuration', file);
  return parseConfig(text, file, catalogue);
}

/** Looks for `.kshield.yaml` in `dir`; undefined when there is none. */
export async function findDefaultConfig(dir: string, catalogue: readonly Rule[]): Promise<KshieldConfig | undefined> {
  const full = path.join(dir, DEFAULT_CONFIG_FILE);
  // Reported relative to the working directory, like manifests, so SARIF can map it into the repository.
  const file = path.relative(process.cwd(), full) || DEFAULT_CONFIG_FILE;
  try {
    await fs.access(file);
  } catch {
    return undefined;
  }
  return loadConfigFile(file, catalogue);
}

/**
 * A YAML document read with positions: its value, and the line/position of a key path in it. Shared
 * by every YAML file kshield validates against a JSON Schema (`.kshield.yaml`, the response policy).
 */
export interface PositionedYaml {
  value: unknown;
  lineOf(path: readonly (string | number)[]): number | undefined;
  positionOf(path: readonly (string | number)[]): { line: number; column: number } | undefined;
}

export function parseYamlWithPositions(text: string, file: string): PositionedYaml {
  const lineCounter = new LineCounter();
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: true });
  } catch (error) {
    if (error instanceof RangeError) throw new ConfigError('YAML nested too deeply to read', file, 1);
    throw error;
  }
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    if (/Maximum call stack/.test(e.message)) throw new ConfigError('YAML nested too deeply to read', file, clampLine(e.linePos?.[0]?.line, text));
    throw new ConfigError(`invalid YAML: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`, file, clampLine(e.linePos?.[0]?.line, text));
  }
  let value: unknown;
  try {
    value = (doc.toJS({ maxAliasCount: 100 }) ?? {}) as unknown;
  } catch (error) {
    // The yaml library refuses alias bombs (a ReferenceError) and nesting deeper than the stack allows (a RangeError).
    if (error instanceof ReferenceError) throw new ConfigError('YAML aliases expand this configuration to too many nodes (more than 100 alias uses); write the values out', file, 1);
    if (error instanceof RangeError) throw new ConfigError('YAML nested too deeply to read', file, 1);
    throw error;
  }
  const positionOf = (keys: readonly (string | number)[]): { line: number; column: number } | undefined => {
    let node: unknown = doc.contents;
    let at: { line: number; col: number } | undefined = node && (node as YamlNode).range ? lineCounter.linePos((node as YamlNode).range![0]) : undefined;
    for (const key of keys) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (p.key as { value?: unknown })?.value === key);
        if (!pair) break;
        const keyNode = pair.key as YamlNode;
        if (keyNode?.range) at = lineCounter.linePos(keyNode.range[0]);
        node = pair.value;
      } else if (isSeq(node)) {
        node = node.items[key as number];
        if (node && (node as YamlNode).range) at = lineCounter.linePos((node as YamlNode).range![0]);
      } else break;
    }
    return at ? { line: at.line, column: at.col } : undefined;
  };
  return { value, positionOf, lineOf: (keys) => positionOf(keys)?.line };
}

/**
 * Throws a ConfigError for the schema error that comes first in the file (the most specific one
 * at that place), worded for a person, with did-you-mean for unknown keys and enum values.
 * `prefix` is the key path of the validated value inside the document (a policy step's `with:`).
 */
export function throwSchemaError(
  errorsIn: readonly ErrorObject[],
  value: unknown,
  rootSchema: object,
  file: string,
  lineOf: (path: (string | number)[]) => number | undefined,
  prefix: readonly (string | number)[] = [],
): never {
  // A misspelt key is both unknown and a required key missing: report the misspelling, with its near name.
  const errors = errorsIn.filter(
    (e) =>
      e.keyword !== 'required' ||
      !errorsIn.some(
        (o) =>
          o.keyword === 'additionalProperties' &&
          o.instancePath === e.instancePath &&
          suggest((o.params as { additionalProperty: string }).additionalProperty, [(e.params as { missingProperty: string }).missingProperty]).length > 0,
      ),
  );
  const located = errors.map((e) => ({ e, line: lineOf([...prefix, ...instancePath(e)]) ?? 0 }));
  // One problem per top-level key (the first in the file there, the most specific at that place):
  // several errors of one key are mostly one mistake seen by several schema branches.
  const byKey = new Map<string, typeof located>();
  for (const x of located) {
    const top = String(instancePath(x.e)[0] ?? '');
    const list = byKey.get(top);
    if (list) list.push(x);
    else byKey.set(top, [x]);
  }
  const problems = [...byKey.values()].map((group) => {
    const firstLine = Math.min(...group.map((x) => x.line));
    const err = pickError(group.filter((x) => x.line === firstLine).map((x) => x.e));
    const keys = instancePath(err);
    const instance = keys.reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[key] : undefined), value);
    return new ConfigError(describeError(err, keys, instance, rootSchema, prefix), file, lineOf([...prefix, ...keys]));
  });
  throw ConfigError.of(problems);
}

export function parseConfig(text: string, file: string, catalogue: readonly Rule[]): KshieldConfig {
  const { value, positionOf, lineOf } = parseYamlWithPositions(text, file);
  const validate = validator();
  if (!validate(value)) throwSchemaError(validate.errors ?? [], value, schema, file, lineOf);
  const config = value as KshieldConfig;
  // Every problem of the file is reported at once: each check runs, and what it throws is collected.
  const problems: ConfigError[] = [];
  const check = (work: () => void): void => {
    try {
      work();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
    }
  };
  const checkSelectors = (key: 'enable' | 'disable', list: string[] | undefined): void => {
    list?.forEach((s, i) => {
      if (!knownSelector(catalogue, s)) problems.push(new ConfigError(`${key}[${i}]: unknown rule id or tag "${s}"${selectorHint(catalogue, s)}`, file, lineOf([key, i])));
    });
  };
  checkSelectors('enable', config.enable);
  checkSelectors('disable', config.disable);
  for (const id of Object.keys(config.severity ?? {})) {
    if (!catalogue.some((r) => r.id === id)) problems.push(new ConfigError(`severity: unknown rule id "${id}"${ruleIdHint(catalogue, id)}`, file, lineOf(['severity', id])));
  }
  check(() => checkWebhookSection(config.webhook, catalogue, file, lineOf));
  if (config.webhook?.imagePolicy !== undefined) {
    const imagePolicy = config.webhook.imagePolicy;
    check(() => {
      config.loadedImagePolicy = loadImagePolicy(imagePolicy, file, (message, keys) => {
        throw new ConfigError(message, file, lineOf(keys));
      });
    });
  }
  check(() => checkOperatorWorkloads(config.operatorWorkloads, file, lineOf));
  config.exemptions?.forEach((e, i) => {
    e.rules.forEach((s, j) => {
      if (s !== '*' && !knownSelector(catalogue, s)) problems.push(new ConfigError(`exemptions[${i}].rules[${j}]: unknown rule id or tag "${s}"${selectorHint(catalogue, s)}`, file, lineOf(['exemptions', i, 'rules', j])));
    });
    if (e.expires !== undefined && !isRealDate(e.expires)) {
      problems.push(new ConfigError(`exemptions[${i}].expires: "${e.expires}" is not a real date`, file, lineOf(['exemptions', i, 'expires'])));
    }
    const item = positionOf(['exemptions', i]) ?? { line: 0, column: 0 };
    const at = e.expires !== undefined ? (positionOf(['exemptions', i, 'expires']) ?? item) : item;
    const source: ExemptionSource = { file, line: at.line, column: at.column, index: i, item };
    e.source = source;
  });
  // Dockerfiles are named relative to the configuration, wherever kshield runs from.
  (config.imageSources ?? []).forEach((s, i) => {
    if (s.image === undefined && s.source === undefined) problems.push(new ConfigError(`imageSources[${i}]: give image (the image repository the Dockerfile builds) or source (the repository images name in their org.opencontainers.image.source label), or both`, file, lineOf(['imageSources', i])));
    s.dockerfile = path.resolve(path.dirname(path.resolve(file)), s.dockerfile);
  });
  if (config.tenantLabel !== undefined) {
    try {
      parseTenantLabel(config.tenantLabel);
    } catch (e) {
      throw new ConfigError(`tenantLabel: ${(e as Error).message}`, file, lineOf(['tenantLabel']));
    }
  }
  (config.auditAllowedNetworks ?? []).forEach((entry, i) => {
    if (parseNetworks([entry]).invalid.length > 0) problems.push(new ConfigError(`auditAllowedNetworks[${i}]: "${entry}" is neither a CIDR block (10.0.0.0/8, 2001:db8::/32) nor an IP address`, file, lineOf(['auditAllowedNetworks', i])));
  });
  if (problems.length > 0) throw ConfigError.of(problems);
  config.file = file;
  return config;
}

/** Rule ids and tags the webhook's actions name must exist, as `enable`/`disable` selectors must. */
function checkWebhookSection(
  webhook: WebhookConfigInput | undefined,
  catalogue: readonly Rule[],
  file: string,
  lineOf: (path: (string | number)[]) => number | undefined,
): void {
  if (!webhook) return;
  for (const id of Object.keys(webhook.actions?.rules ?? {})) {
    if (!catalogue.some((r) => r.id === id)) throw new ConfigError(`webhook.actions.rules: unknown rule id "${id}"${ruleIdHint(catalogue, id) || ' (see `kshield rules`)'}`, file, lineOf(['webhook', 'actions', 'rules', id]));
  }
  for (const tag of Object.keys(webhook.actions?.tags ?? {})) {
    if (!catalogue.some((r) => r.tags.includes(tag) || r.category === tag)) {
      const tags = [...new Set(catalogue.flatMap((r) => [...r.tags, r.category]))];
      const near = didYouMean(suggest(tag, tags));
      const hint = catalogue.some((r) => r.id === tag) ? `; "${tag}" is a rule id: put it under webhook.actions.rules` : near ? `; ${near}` : '';
      throw new ConfigError(`webhook.actions.tags: unknown tag "${tag}"${hint}`, file, lineOf(['webhook', 'actions', 'tags', tag]));
    }
  }
  if (webhook.exemptNamespaceSelector !== undefined) {
    const parsed = parseLabelSelector(webhook.exemptNamespaceSelector);
    if (parsed.kind === 'invalid') {
      const problem = parsed.problems[0];
      const keys = problem.path.split('/').slice(1).map((t) => (/^\d+$/.test(t) ? Number(t) : t.replace(/~1/g, '/').replace(/~0/g, '~')));
      throw new ConfigError(`webhook.exemptNamespaceSelector: ${problem.message}`, file, lineOf(['webhook', 'exemptNamespaceSelector', ...keys]));
    }
  }
}

/** `; did you mean "x"?` for a rule id close to `id`, else ''. */
function ruleIdHint(catalogue: readonly Rule[], id: string): string {
  const phrase = didYouMean(suggest(id, catalogue.map((r) => r.id)));
  return phrase ? `; ${phrase}` : '';
}

/**
 * What the schema cannot say about `operatorWorkloads` entries: group or apiVersion (one of them) of
 * a custom resource, placeholders that name a field of the custom resource, valid label keys.
 */
function checkOperatorWorkloads(entries: OperatorWorkloadConfig[] | undefined, file: string, lineOf: (path: (string | number)[]) => number | undefined): void {
  entries?.forEach((e, i) => {
    const at = `operatorWorkloads[${i}]`;
    const fail = (message: string, path: (string | number)[]): never => {
      throw new ConfigError(`${at}${message}`, file, lineOf(['operatorWorkloads', i, ...path]));
    };
    if ((e.group === undefined) === (e.apiVersion === undefined))
      fail(e.group === undefined ? ': give group (every version of the custom resource) or apiVersion (one version)' : ': give group or apiVersion, not both', []);
    const apiVersion = e.apiVersion ?? `${e.group}/v1`;
    if (isBuiltinApiVersion(apiVersion))
      fail(`.${e.apiVersion ? 'apiVersion' : 'group'}: "${e.apiVersion ?? e.group}" is a built-in Kubernetes API group; operatorWorkloads declares custom resources (their group contains a dot and is not *.k8s.io)`, [e.apiVersion ? 'apiVersion' : 'group']);
    const checkTemplate = (template: string, path: (string | number)[], where: string): void => {
      for (const p of templatePlaceholders(template)) {
        if ('path' in p.parsed) continue;
        const root = p.text.split(/[.[]/)[0];
        const near = suggest(root, PLACEHOLDER_ROOTS, { limit: 1 })[0];
        fail(`${where}: ${p.parsed.problem}${near ? `; did you mean {{${near}${p.text.slice(root.length)}}}?` : ''}`, path);
      }
      if (/\{\{|\}\}/.test(template.replace(/\{\{\s*[^{}]*?\s*\}\}/g, ''))) fail(`${where}: "${template}" has an unbalanced {{ or }}`, path);
    };
    checkTemplate(e.workload.name, ['workload', 'name'], '.workload.name');
    for (const [key, value] of Object.entries(e.podLabels)) {
      const problem = labelKeyProblem(key);
      if (problem) fail(`.podLabels: label key "${key}" ${problem}`, ['podLabels', key]);
      checkTemplate(value, ['podLabels', key], `.podLabels.${key}`);
    }
    e.podLabelsFrom?.forEach((p, j) => {
      const parsed = parseFieldPath(p);
      if (!('path' in parsed)) fail(`.podLabelsFrom[${j}]: ${parsed.problem}`, ['podLabelsFrom', j]);
    });
    if (e.serviceAccountName !== undefined) checkTemplate(e.serviceAccountName, ['serviceAccountName'], '.serviceAccountName');
  });
}

/** An error "at the end of the input" is shown on the last line that has content. */
function clampLine(line: number | undefined, text: string): number | undefined {
  if (line === undefined) return undefined;
  return Math.max(1, Math.min(line, text.trimEnd().split('\n').length));
}

/** "2026-02-31" matches the pattern but is no day of the calendar. */
function isRealDate(ymd: string): boolean {
  const t = Date.parse(`${ymd}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === ymd;
}

function pickError(errors: ErrorObject[]): ErrorObject {
  // oneOf/anyOf wrappers say little; the most specific error is the deepest one.
  return [...errors].sort((a, b) => instancePath(b).length - instancePath(a).length || (a.keyword === 'oneOf' ? 1 : -1))[0];
}

function instancePath(err: ErrorObject): (string | number)[] {
  const tokens = err.instancePath
    .split('/')
    .slice(1)
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((t) => (/^\d+$/.test(t) ? Number(t) : t));
  if (err.keyword === 'additionalProperties') tokens.push((err.params as { additionalProperty: string }).additionalProperty);
  return tokens;
}

interface SchemaNode {
  description?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  $ref?: string;
}

/** The schema of the value at `path` (through properties, list items, maps and local `$ref`s), when the schema says. */
function schemaAt(path: readonly (string | number)[], root: object = schema): SchemaNode | undefined {
  const resolve = (n: SchemaNode | undefined): SchemaNode | undefined => {
    for (let hops = 0; n?.$ref?.startsWith('#/') && hops < 10; hops++) n = n.$ref.slice(2).split('/').reduce<any>((at, key) => at?.[key], root) as SchemaNode | undefined;
    return n;
  };
  let node: SchemaNode | undefined = resolve(root as SchemaNode);
  for (const token of path) {
    if (!node) return undefined;
    if (typeof token === 'number') node = node.items;
    else node = node.properties?.[token] ?? (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
    node = resolve(node);
  }
  return node;
}

function describeError(err: ErrorObject, pathIn: (string | number)[], instance: unknown, root: object = schema, prefix: readonly (string | number)[] = []): string {
  // `path` is inside `root`; the message names the whole path from the document's top.
  const path = pathIn;
  const full = [...prefix, ...pathIn];
  const where = full.length ? full.map((t, i) => (typeof t === 'number' ? `[${t}]` : i === 0 ? t : `.${t}`)).join('') : 'configuration';
  switch (err.keyword) {
    case 'additionalProperties': {
      const key = String(path[path.length - 1]);
      const known = Object.keys(schemaAt(path.slice(0, -1), root)?.properties ?? {});
      const near = didYouMean(suggest(key, known));
      return `unknown key "${where}"${near ? `; ${near}` : ''}`;
    }
    case 'enum': {
      const allowed = (err.params as { allowedValues: unknown[] }).allowedValues;
      const near = typeof instance === 'string' ? didYouMean(suggest(instance, allowed.filter((v): v is string => typeof v === 'string'))) : '';
      return `${where}: must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}${near ? `; ${near}` : ''}`;
    }
    case 'required':
      return `${where}: missing required key "${(err.params as { missingProperty: string }).missingProperty}"`;
    case 'type':
      if (root === schema && path[0] === 'kubernetesVersion' && path.length === 1) return 'kubernetesVersion: must be a string: quote it, e.g. kubernetesVersion: "1.30" (unquoted, 1.30 is the number 1.3)';
      if (root === schema && path[0] === 'pssVersion' && path.length === 1) return 'pssVersion: must be "latest" or "v1.N", e.g. pssVersion: v1.30';
      return `${where}: must be ${(err.params as { type: string }).type === 'array' ? 'a list' : (err.params as { type: string }).type === 'object' ? 'a mapping' : `${/^[aeiou]/.test((err.params as { type: string }).type) ? 'an' : 'a'} ${(err.params as { type: string }).type}`}`;
    case 'pattern':
      if (root === schema && path[0] === 'pssVersion' && path.length === 1) return `pssVersion: ${pssVersionProblem(String(instance))}`;
      if (path[path.length - 1] === 'expires') return `${where}: must be a date written YYYY-MM-DD, e.g. "2027-06-30"`;
      return `${where}: has the wrong form${schemaAt(path, root)?.description ? `: ${schemaAt(path, root)!.description}` : ''}`;
    default:
      return `${where}: ${err.message ?? 'is invalid'}`;
  }
}

const UNITS: Record<string, number> = { B: 1, KB: 1000, MB: 1e6, GB: 1e9, KIB: 1024, MIB: 1024 ** 2, GIB: 1024 ** 3 };

/** "10MiB" -> 10485760; plain numbers are bytes. */
export function parseSize(value: number | string): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(value.trim());
  if (!m) throw new Error(`"${value}" is not a size (e.g. 10MiB)`);
  const unit = (m[2] || 'B').toUpperCase();
  if (!(unit in UNITS)) throw new Error(`"${value}": unknown unit "${m[2]}" (use B, KiB, MiB, GiB)`);
  return Math.round(Number(m[1]) * UNITS[unit]);
}

export function settingsFromConfig(config: KshieldConfig | undefined): Partial<RuleSettings> {
  const out: Partial<RuleSettings> = {};
  if (config?.requiredLabels) out.requiredLabels = config.requiredLabels;
  if (config?.allowedRegistries) out.allowedRegistries = config.allowedRegistries;
  if (config?.kubernetesVersion) {
    out.kubernetesVersion = config.kubernetesVersion.replace(/^v/, '');
    // The cluster the manifests target caps the Pod Security Standards version, as its admission controller does.
    const m = /^(\d+)\.(\d+)/.exec(out.kubernetesVersion);
    if (m && Number(m[1]) === 1) out.pssClusterMinor = Number(m[2]);
  }
  if (config?.pssVersion) out.pssVersion = config.pssVersion;
  if (config?.operatorWorkloads) out.operatorWorkloads = config.operatorWorkloads;
  if (config?.imageSources) out.imageSources = config.imageSources;
  if (config?.istioRootNamespace) out.istioRootNamespace = config.istioRootNamespace;
  if (config?.auditAllowedNetworks) out.auditAllowedNetworks = config.auditAllowedNetworks;
  if (config?.tenantLabel) out.tenantLabel = config.tenantLabel;
  return out;
}
