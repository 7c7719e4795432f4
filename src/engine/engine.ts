/**
 * The rule engine: pure and synchronous. Resources and selected rules in, findings out, with
 * every suppression (annotation, exemption, baseline) applied and recorded, never dropped.
 */
import type { Finding, InlineIgnore, InputError, JsonObject, Position, Resource, Severity, Violation } from '../core/types.js';
import { isSourceObject } from '../core/types.js';
import type { Rule, RuleContext, RuleMeta, RuleSettings } from './rule.js';
import { CUSTOM_RESOURCES, DEFAULT_RULE_SETTINGS } from './rule.js';
import { ResourceSet } from '../k8s/resource-set.js';
import { isBuiltinApiVersion, podSpecs } from '../k8s/pods.js';
import { detach, isObject } from '../core/values.js';
import { matchesGlob } from '../core/glob.js';
import { withCacheScope } from '../core/scoped-cache.js';

export const IGNORE_ANNOTATION = 'kshield.io/ignore';
const IGNORE_REASON_ANNOTATION = 'kshield.io/ignore-reason';
/** `kshield.io/ignore.<container-name>` suppresses rules for one container only. */
export const IGNORE_CONTAINER_PREFIX = 'kshield.io/ignore.';

export interface Exemption {
  /** Rule ids or tags; "*" for all. */
  rules: string[];
  namespaces?: string[];
  kinds?: string[];
  /** Object names; `*` wildcards allowed. */
  names?: string[];
  containers?: string[];
  /**
   * Vulnerability ids or aliases (CVE-2024-3094, GHSA-..., DSA-...; `*` wildcards allowed): the
   * exemption covers only findings about these vulnerabilities (rule `vulnerable-package`).
   */
  vulnerabilities?: string[];
  reason: string;
  owner: string;
  /** ISO date (YYYY-MM-DD); from that day on the exemption no longer applies. */
  expires?: string;
  /** Where it was declared, for reports. */
  source?: { file: string; line: number; column: number; index: number };
}

export interface EngineOptions {
  rules: readonly Rule[];
  /** Every rule kshield has, selected or not: the words a suppression may name (default: `rules`). */
  catalogue?: readonly RuleMeta[];
  settings?: Partial<RuleSettings>;
  exemptions?: readonly Exemption[];
  /** false: `kshield.io/ignore` annotations have no effect (exemptions are governed centrally). */
  inlineSuppressions?: boolean;
  /** Fingerprints of known findings: matching findings are suppressed as "baseline". */
  baseline?: ReadonlySet<string>;
  severityOverrides?: Readonly<Record<string, Severity>>;
  /** Evaluation date for exemption expiry. */
  now?: Date;
}

export interface Evaluation {
  resource: Resource;
  rule: Rule;
  findings: number;
}

export interface ExemptionUse {
  exemption: Exemption;
  matched: number;
  expired: boolean;
}

export interface EngineResult {
  findings: Finding[];
  /** Rules that threw: a bug, reported instead of crashing the run. */
  errors: InputError[];
  exemptions: ExemptionUse[];
  /**
   * Rule id -> objects it judged (applied to), for every rule that judged at least one: what a
   * compliance report needs to tell "no finding" from "nothing to look at".
   */
  judged: Record<string, number>;
}

/**
 * Resources a rule applies to: rules tagged "workload" see only objects that hold pod specs. An
 * object kshield made from another input (a Dockerfile) is judged only by the rules that name its kind.
 */
export function ruleApplies(rule: Rule, resource: Resource): boolean {
  if (isSourceObject(resource)) return Array.isArray(rule.appliesTo) && rule.appliesTo.includes(resource.kind);
  if (rule.appliesTo === undefined || rule.appliesTo === 'all') return true;
  if (rule.appliesTo === 'workloads') return podSpecs(resource).length > 0;
  return rule.appliesTo.includes(resource.kind) || (rule.appliesTo.includes('workloads') && podSpecs(resource).length > 0);
}

/** Whether `resource` is among the kinds a cross-object rule declared in `reads`. */
export function readsResource(reads: readonly string[], resource: Resource): boolean {
  if (isSourceObject(resource)) return reads.includes(resource.kind);
  return (
    reads.includes(resource.kind) ||
    (reads.includes('workloads') && podSpecs(resource).length > 0) ||
    (reads.includes(CUSTOM_RESOURCES) && !isBuiltinApiVersion(resource.apiVersion))
  );
}

const PAYLOAD_FIELDS = ['data', 'stringData', 'binaryData'];

/**
 * An object as cross-object rules see it when it is not the object being judged: ConfigMap and
 * Secret values and CRD schemas are left out. They are the bulk of many repositories, no rule
 * judges one object by another's payload, and secret values then never travel between threads.
 */
export function contextView(resource: Resource): Resource {
  const object = resource.object;
  // The view's positions are its object's own: no rule reports a finding at a field of an object it
  // only reads, and the original's position lookup would keep the original, values and all, alive.
  const locate = (): Position => at;
  let at: Position;
  if ((resource.kind === 'ConfigMap' || resource.kind === 'Secret') && resource.apiVersion === 'v1') {
    const copy: JsonObject = { ...object };
    for (const field of PAYLOAD_FIELDS) {
      const value = copy[field];
      if (isObject(value)) copy[field] = Object.fromEntries(Object.keys(value).map((k) => [k, '']));
    }
    at = resource.locate('');
    return { ...resource, object: copy, locate };
  }
  if (resource.kind === 'CustomResourceDefinition' && isObject(object.spec)) {
    const spec: JsonObject = { ...object.spec };
    delete spec.validation;
    if (Array.isArray(spec.versions)) spec.versions = spec.versions.map((v) => (isObject(v) ? { ...v, schema: undefined } : v));
    at = resource.locate('');
    return { ...resource, object: { ...object, spec }, locate };
  }
  return resource;
}

/**
 * The engine, in two steps so that a caller can stream: `judgeAlone` runs the rules that look at
 * one object at a time (objects can be dropped right after), `judgeTogether` runs the cross-object
 * rules (those with `reads`) once every object they read is known. Each cross-object rule sees a
 * ResourceSet of exactly the kinds it declared, whatever else was scanned, so it behaves the same
 * in a single-threaded scan, a sharded one and a test.
 */
class Evaluator {
  readonly findings: Finding[] = [];
  readonly errors: InputError[] = [];
  readonly exemptionUses: ExemptionUse[];
  private readonly settings: RuleSettings;
  private readonly knownSelectors: ReadonlySet<string>;
  private readonly inline: boolean;
  private readonly alone: RuleGroups;
  private readonly together: RuleGroups;
  private readonly ignoreCache = new WeakMap<Resource, IgnoreAnnotations | null>();
  private readonly readCache = new Map<string, boolean>();
  private readonly paths = new Map<string, string>();
  private readonly now: Date;
  /** Objects judged per rule list (RuleGroups hands out one array per kind): one count per object, expanded per rule in result(). */
  private readonly listCounts = new Map<readonly Rule[], number>();
  private leftOut: ReadonlySet<string> = new Set();

  constructor(private readonly options: EngineOptions) {
    this.settings = { ...DEFAULT_RULE_SETTINGS, ...options.settings };
    this.knownSelectors = knownSelectorsOf(options.catalogue ?? options.rules);
    const now = (this.now = options.now ?? new Date());
    this.exemptionUses = (options.exemptions ?? []).map((exemption) => ({
      exemption,
      matched: 0,
      expired: exemption.expires !== undefined && isExpired(exemption.expires, now),
    }));
    this.inline = options.inlineSuppressions ?? true;
    const groups = groupsOf(options.rules);
    this.alone = groups.alone;
    this.together = groups.together;
  }

  /** True when some cross-object rule judges this object: it must be kept for `judgeTogether`. */
  isSubject(resource: Resource): boolean {
    return this.together.for(resource).length > 0;
  }

  /** True when some cross-object rule reads objects of this kind. */
  isRead(resource: Resource): boolean {
    const key = `${resource.kind}\u0000${podSpecs(resource).length > 0}\u0000${isBuiltinApiVersion(resource.apiVersion)}\u0000${isSourceObject(resource)}`;
    let read = this.readCache.get(key);
    if (read === undefined) this.readCache.set(key, (read = this.together.rules.some((r) => readsResource(r.reads!, resource))));
    return read;
  }

  /** Kinds (and "workloads") read by the selected cross-object rules. */
  get reads(): string[] {
    return [...new Set(this.together.rules.flatMap((r) => r.reads ?? []))];
  }

  judgeAlone(resources: readonly Resource[]): void {
    const context: RuleContext = { settings: this.settings, resources: EMPTY_SET, knownSelectors: this.knownSelectors, now: this.now };
    for (const resource of resources) {
      const rules = this.alone.for(resource);
      this.count(rules);
      this.run(resource, rules, () => context);
    }
  }

  /** `subjects`: the objects to judge; `context`: every object the rules may read, in scan order (subjects included). */
  judgeTogether(subjects: readonly Resource[], context: readonly Resource[], leaveOut?: ReadonlySet<string>): void {
    if (this.together.rules.length === 0) return;
    const sets = new Map<string, RuleContext>();
    const contextFor = (rule: Rule): RuleContext => {
      const key = rule.reads!.join(',');
      let ctx = sets.get(key);
      if (!ctx) sets.set(key, (ctx = { settings: this.settings, resources: new ResourceSet(context.filter((r) => readsResource(rule.reads!, r))), knownSelectors: this.knownSelectors, now: this.now }));
      return ctx;
    };
    if (leaveOut && leaveOut.size > 0) this.leftOut = leaveOut;
    for (const resource of subjects) {
      const rules = this.together.for(resource);
      this.count(rules);
      this.run(resource, leaveOut && leaveOut.size > 0 ? rules.filter((r) => !leaveOut.has(r.id)) : rules, contextFor);
    }
  }

  private count(rules: readonly Rule[]): void {
    if (rules.length > 0) this.listCounts.set(rules, (this.listCounts.get(rules) ?? 0) + 1);
  }

  result(): EngineResult {
    const judged: Record<string, number> = {};
    for (const [rules, n] of this.listCounts) for (const r of rules) if (!this.leftOut.has(r.id)) judged[r.id] = (judged[r.id] ?? 0) + n;
    return { findings: this.findings, errors: this.errors, exemptions: this.exemptionUses, judged };
  }

  /** The same field path recurs in thousands of findings: keep one copy of each. */
  private intern(path: string): string {
    let kept = this.paths.get(path);
    if (kept === undefined) {
      kept = detach(path);
      if (this.paths.size < 100_000) this.paths.set(kept, kept);
    }
    return kept;
  }

  private annotationsOf(resource: Resource): IgnoreAnnotations | undefined {
    if (!this.inline) return undefined;
    let found = this.ignoreCache.get(resource);
    if (found === undefined) this.ignoreCache.set(resource, (found = ignoreAnnotations(resource) ?? null));
    return found ?? undefined;
  }

  private run(resource: Resource, rules: readonly Rule[], contextFor: (rule: Rule) => RuleContext): void {
    if (rules.length === 0) return;
    const options = this.options;
    const annotations = this.annotationsOf(resource);
    let ref: Finding['resource'] | undefined;
    for (const rule of rules) {
      let violations;
      try {
        violations = rule.check(resource, contextFor(rule));
      } catch (err) {
        this.errors.push({ file: resource.file, line: resource.locate('').line, message: `rule ${rule.id} failed on ${resource.kind} ${resource.name}: ${(err as Error).message}` });
        continue;
      }
      // Findings of one rule at one field (two missing labels, say) need more than the field to tell
      // them apart: the rule's `key`, or failing that the message, or a baseline would confuse them.
      const shared = violations.length > 1 ? sharedFields(violations) : undefined;
      for (const v of violations) {
        // A configured override wins; else the violation's own severity (a rule may report one cause at a lower level), else the rule's.
        const severity = options.severityOverrides?.[rule.id] ?? v.severity ?? rule.severity;
        const pos = resource.locate(v.path);
        ref ??= { apiVersion: resource.apiVersion, kind: resource.kind, namespace: resource.namespace, name: resource.name };
        const finding: Finding = {
          rule: rule.id,
          severity,
          message: detach(v.message),
          resource: ref,
          file: resource.file,
          line: pos.line,
          column: pos.column,
          path: this.intern(resource.basePath + v.path),
          remediation: rule.remediation,
          suppressed: false,
          container: v.container === undefined ? undefined : detach(v.container),
          fingerprint: fingerprint(rule.id, resource, v.path, v.container, v.key ?? (shared?.has(fieldKey(v)) ? v.message : undefined)),
          cause: v.cause === undefined ? undefined : this.intern(resource.basePath + v.cause),
        };
        if (v.locations && v.locations.length > 0) finding.locations = v.locations.map((l) => ({ file: detach(l.file), line: l.line, ...(l.column !== undefined ? { column: l.column } : {}), what: detach(l.what) }));
        applySuppressions(finding, rule, resource, annotations, this.inline ? resource.inlineIgnores?.(v.path) : undefined, this.exemptionUses, options.baseline, v.advisories);
        this.findings.push(finding);
      }
    }
  }
}

const EMPTY_SET = new ResourceSet([]);

const selectorCache = new WeakMap<readonly RuleMeta[], ReadonlySet<string>>();

/** The words a suppression may name, once per rule list (the webhook makes an Evaluator per review). */
export function knownSelectorsOf(rules: readonly RuleMeta[]): ReadonlySet<string> {
  let known = selectorCache.get(rules);
  if (!known) selectorCache.set(rules, (known = new Set(['*', 'all', ...rules.flatMap((r) => [r.id, ...r.tags])])));
  return known;
}

/**
 * The grouping of a rule list, kept per list: the admission webhook makes an Evaluator per request
 * with the same rules, and building the groups was a seventh of a decision's time.
 */
const groupCache = new WeakMap<readonly Rule[], { alone: RuleGroups; together: RuleGroups }>();

function groupsOf(rules: readonly Rule[]): { alone: RuleGroups; together: RuleGroups } {
  let groups = groupCache.get(rules);
  if (!groups) {
    groups = { alone: new RuleGroups(rules.filter((r) => r.reads === undefined)), together: new RuleGroups(rules.filter((r) => r.reads !== undefined)) };
    groupCache.set(rules, groups);
  }
  return groups;
}

const NO_RULES: readonly Rule[] = [];

/** Rules grouped by what they apply to, so each object is matched against each group once. */
class RuleGroups {
  private readonly forAll: Rule[];
  private readonly forWorkloads: Rule[];
  private readonly byKind = new Map<string, Rule[]>();
  private readonly order: Map<Rule, number>;
  private readonly cache = new Map<string, readonly Rule[]>();

  constructor(readonly rules: readonly Rule[]) {
    this.forAll = rules.filter((r) => r.appliesTo === undefined || r.appliesTo === 'all');
    this.forWorkloads = rules.filter((r) => r.appliesTo === 'workloads' || (Array.isArray(r.appliesTo) && r.appliesTo.includes('workloads')));
    for (const r of rules) if (Array.isArray(r.appliesTo)) for (const k of r.appliesTo) if (k !== 'workloads') this.byKind.set(k, [...(this.byKind.get(k) ?? []), r]);
    this.order = new Map(rules.map((r, i) => [r, i]));
  }

  for(resource: Resource): readonly Rule[] {
    if (isSourceObject(resource)) return this.byKind.get(resource.kind) ?? NO_RULES;
    const workload = this.forWorkloads.length > 0 && podSpecs(resource).length > 0;
    const key = `${resource.kind}\u0000${workload}`;
    let list = this.cache.get(key);
    if (!list) {
      const kindRules = this.byKind.get(resource.kind);
      list = !kindRules && !workload ? this.forAll : [...new Set([...this.forAll, ...(workload ? this.forWorkloads : []), ...(kindRules ?? [])])].sort((a, b) => this.order.get(a)! - this.order.get(b)!);
      this.cache.set(key, list);
    }
    return list;
  }
}

/**
 * The one judging loop of every scan, whether the objects come all at once (`evaluate`), file by
 * file (a thread's share of the files) or page by page (a live cluster's lists): each batch is
 * judged at once by the rules that look at one object; only the objects some cross-object rule
 * judges or reads are kept (those it only reads as `contextView`s); `finish` runs the cross-object
 * rules once everything is in.
 */
export class StreamingEvaluator {
  private readonly evaluator: Evaluator;
  private subjects: Resource[] = [];
  private read: Resource[] = [];

  /** `onKeep`: called on each object kept for the cross-object rules (a thread detaches its strings from the file text). */
  constructor(
    options: EngineOptions,
    private readonly onKeep?: (resource: Resource) => void,
  ) {
    this.evaluator = new Evaluator(options);
  }

  add(resources: readonly Resource[]): void {
    const evaluator = this.evaluator;
    // What is kept is handed to onKeep before anything is judged, so that the findings and the
    // cached views the rules make of a kept object already see it as onKeep leaves it (a thread's
    // strings detached from the file's text, which they would otherwise keep alive).
    for (const r of resources) {
      const subject = evaluator.isSubject(r);
      const isRead = evaluator.isRead(r);
      if (!subject && !isRead) continue;
      this.onKeep?.(r);
      if (subject) this.subjects.push(r);
      if (isRead) this.read.push(subject ? r : contextView(r));
    }
    evaluator.judgeAlone(resources);
  }

  /** The objects kept so far that cross-object rules read (what another thread must be shown). */
  get kept(): readonly Resource[] {
    return this.read;
  }

  /**
   * Runs the cross-object rules and returns everything found. `context`: every object the rules may
   * read, when this stream holds only part of the run (a thread); default, what was kept here.
   * `order`: sorts what was kept first, when batches arrived out of order. `leaveOut`: ids of
   * cross-object rules not to run (they read a kind that could not be listed).
   */
  finish(options: { context?: readonly Resource[]; order?: (a: Resource, b: Resource) => number; leaveOut?: ReadonlySet<string> } = {}): EngineResult {
    if (options.order) {
      this.subjects.sort(options.order);
      this.read.sort(options.order);
    }
    this.evaluator.judgeTogether(this.subjects, options.context ?? this.read, options.leaveOut);
    // What was kept is garbage now: findings are all that is left.
    this.subjects = [];
    this.read = [];
    return this.evaluator.result();
  }
}

export const EXPIRED_EXEMPTION_RULE = 'exemption-expired';

/** An exemption past its date stops suppressing, and says so. */
export function expiredExemptionFindings(uses: readonly ExemptionUse[]): Finding[] {
  return uses
    .filter((u) => u.expired)
    .map((u) => {
      const e = u.exemption;
      const src = e.source;
      return {
        rule: EXPIRED_EXEMPTION_RULE,
        severity: 'medium' as Severity,
        message: `exemption for ${e.rules.join(', ')} (owner ${e.owner}) expired on ${e.expires}; it no longer suppresses ${u.matched} finding(s)`,
        resource: { apiVersion: 'kshield.io/v1', kind: 'Exemption', name: `exemptions[${src?.index ?? 0}]` },
        file: src?.file ?? '<config>',
        line: src?.line ?? 0,
        column: src?.column ?? 0,
        path: `/exemptions/${src?.index ?? 0}/expires`,
        remediation: 'Fix the findings the exemption covered, or renew it with a new expiry date and a reason.',
        suppressed: false,
        fingerprint: `exemption-${src?.index ?? 0}-${e.expires}`,
      };
    });
}

/** Judges objects already in memory with every rule. */
export function evaluate(resources: readonly Resource[], options: EngineOptions): EngineResult {
  return withCacheScope(() => {
    const stream = new StreamingEvaluator(options);
    stream.add(resources);
    return stream.finish();
  });
}

export function isExpired(expires: string, now: Date): boolean {
  const t = Date.parse(expires.length === 10 ? `${expires}T00:00:00Z` : expires);
  return Number.isFinite(t) && t <= now.getTime();
}

function selects(list: readonly string[], rule: Rule): boolean {
  return list.some((x) => x === '*' || x === 'all' || x === rule.id || rule.tags.includes(x));
}

/**
 * An annotation's words as a set: a finding is looked up in it, not searched through it. An
 * annotation may hold 250 KB of words (120,000 of them); searched once per finding, with a finding
 * per unknown word, that was quadratic (half an hour in one review).
 */
function selectsAnnotated(words: ReadonlySet<string>, rule: Rule): boolean {
  return words.has('*') || words.has('all') || words.has(rule.id) || rule.tags.some((tag) => words.has(tag));
}

interface IgnoreAnnotations {
  all: Set<string>;
  reason?: string;
  byContainer: Map<string, Set<string>>;
}

function addWords(into: Set<string>, value: string): Set<string> {
  for (const word of value.split(',')) {
    const trimmed = word.trim();
    if (trimmed) into.add(trimmed);
  }
  return into;
}

/** Reads ignore annotations from the object and from every pod template it holds. */
function ignoreAnnotations(resource: Resource): IgnoreAnnotations | undefined {
  let found: IgnoreAnnotations | undefined;
  const read = (metadata: unknown): void => {
    const annotations = isObject(metadata) ? metadata.annotations : undefined;
    if (!isObject(annotations)) return;
    for (const [key, value] of Object.entries(annotations)) {
      if (typeof value !== 'string') continue;
      if (key === IGNORE_ANNOTATION) {
        found ??= { all: new Set(), byContainer: new Map() };
        addWords(found.all, value);
      } else if (key === IGNORE_REASON_ANNOTATION) {
        found ??= { all: new Set(), byContainer: new Map() };
        found.reason = value;
      } else if (key.startsWith(IGNORE_CONTAINER_PREFIX)) {
        found ??= { all: new Set(), byContainer: new Map() };
        const container = key.slice(IGNORE_CONTAINER_PREFIX.length);
        found.byContainer.set(container, addWords(found.byContainer.get(container) ?? new Set(), value));
      }
    }
  };
  read(resource.object.metadata);
  for (const pod of podSpecs(resource)) read(pod.metadata);
  return found;
}

function applySuppressions(
  finding: Finding,
  rule: Rule,
  resource: Resource,
  annotations: IgnoreAnnotations | undefined,
  comment: InlineIgnore | undefined,
  exemptions: ExemptionUse[],
  baseline: ReadonlySet<string> | undefined,
  advisories: readonly string[] | undefined,
): void {
  if (annotations) {
    const containerList = finding.container !== undefined ? annotations.byContainer.get(finding.container) : undefined;
    if (selectsAnnotated(annotations.all, rule) || (containerList && selectsAnnotated(containerList, rule))) {
      finding.suppressed = true;
      finding.suppression = { kind: 'annotation', reason: annotations.reason };
      return;
    }
  }
  if (comment && selectsAnnotated(comment.words, rule)) {
    finding.suppressed = true;
    finding.suppression = { kind: 'comment', reason: comment.reason };
    return;
  }
  for (const use of exemptions) {
    const e = use.exemption;
    if (!selects(e.rules, rule)) continue;
    if (e.namespaces && !e.namespaces.some((ns) => matchesGlob(ns, resource.namespace ?? ''))) continue;
    if (e.kinds && !e.kinds.includes(resource.kind)) continue;
    if (e.names && !e.names.some((n) => matchesGlob(n, resource.name))) continue;
    if (e.containers && (finding.container === undefined || !e.containers.some((c) => matchesGlob(c, finding.container!)))) continue;
    if (e.vulnerabilities && !e.vulnerabilities.some((id) => advisories?.some((a) => matchesGlob(id.toUpperCase(), a.toUpperCase())))) continue;
    use.matched++;
    if (use.expired) continue;
    finding.suppressed = true;
    finding.suppression = { kind: 'exemption', reason: e.reason, owner: e.owner };
    return;
  }
  if (baseline?.has(finding.fingerprint)) {
    finding.suppressed = true;
    finding.suppression = { kind: 'baseline' };
  }
}

/**
 * A finding's identity without its line: the rule, the object and the field, with container
 * indexes replaced by container names so that reordering or inserting lines keeps it stable.
 */
export function fingerprint(ruleId: string, resource: Resource, path: string, container?: string, detail?: string): string {
  const slash = resource.apiVersion.indexOf('/');
  const group = slash === -1 ? '' : resource.apiVersion.slice(0, slash);
  const stablePath = resource.stablePath ? resource.stablePath(path) : container !== undefined ? path.replace(/\/(containers|initContainers|ephemeralContainers)\/\d+/, `/$1/${container}`) : path;
  const h = new Hash64();
  h.add(ruleId).add(group).add(resource.kind).add(resource.namespace ?? '').add(resource.name).add(stablePath);
  if (detail !== undefined) h.add(detail);
  return h.hex();
}

function fieldKey(v: Violation): string {
  return `${v.path}\u0000${v.container ?? ''}`;
}

/** The fields (path and container) that more than one of the violations points at. */
function sharedFields(violations: readonly Violation[]): Set<string> | undefined {
  const seen = new Set<string>();
  let shared: Set<string> | undefined;
  for (const v of violations) {
    const key = fieldKey(v);
    if (seen.has(key)) (shared ??= new Set()).add(key);
    else seen.add(key);
  }
  return shared;
}

/**
 * Two independent 32-bit FNV-1a style hashes (64 bits), fed part by part with a separator:
 * fingerprints only need to tell findings apart, and a cryptographic hash per finding was a
 * measurable share of a large scan.
 */
const HEX = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

class Hash64 {
  private h1 = 0x811c9dc5;
  private h2 = 0x01000193;

  add(text: string): this {
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    // A separator that no text contains, so ("ab", "c") and ("a", "bc") differ.
    this.h1 = Math.imul(h1 ^ 0xffff, 0x01000193);
    this.h2 = Math.imul(h2 ^ 0xffff, 0x5bd1e995);
    return this;
  }

  hex(): string {
    // One flat 16-character string (concatenating pieces would keep a chain of them per finding).
    const a = this.h1;
    const b = this.h2;
    return String.fromCharCode(
      HEX[(a >>> 28) & 15], HEX[(a >>> 24) & 15], HEX[(a >>> 20) & 15], HEX[(a >>> 16) & 15],
      HEX[(a >>> 12) & 15], HEX[(a >>> 8) & 15], HEX[(a >>> 4) & 15], HEX[a & 15],
      HEX[(b >>> 28) & 15], HEX[(b >>> 24) & 15], HEX[(b >>> 20) & 15], HEX[(b >>> 16) & 15],
      HEX[(b >>> 12) & 15], HEX[(b >>> 8) & 15], HEX[(b >>> 4) & 15], HEX[b & 15],
    );
  }
}

/**
 * Every (resource, rule) pair a run evaluates, with its finding count: JUnit's test cases. Computed
 * on demand. Findings folded into another one as related still count for their own rule.
 */
export function evaluations(resources: readonly Resource[], rules: readonly Rule[], findings: readonly Finding[]): Evaluation[] {
  const byResource = new Map<string, number>();
  const count = (f: Finding, rule: string): void => {
    const k = `${f.file}\u0000${f.resource.kind}\u0000${f.resource.namespace ?? ''}\u0000${f.resource.name}\u0000${rule}`;
    byResource.set(k, (byResource.get(k) ?? 0) + 1);
  };
  for (const f of findings) {
    count(f, f.rule);
    for (const r of f.related ?? []) count(f, r.rule);
  }
  const out: Evaluation[] = [];
  for (const resource of resources) {
    for (const rule of rules) {
      if (!ruleApplies(rule, resource)) continue;
      const k = `${resource.file}\u0000${resource.kind}\u0000${resource.namespace ?? ''}\u0000${resource.name}\u0000${rule.id}`;
      out.push({ resource, rule, findings: byResource.get(k) ?? 0 });
    }
  }
  return out;
}

