/**
 * The rule engine: pure and synchronous. Resources and selected rules in, findings out, with
 * every suppression (annotation, exemption, baseline) applied and recorded, never dropped.
 */
import type { Finding, InputError, Resource, Severity } from './types.js';
import type { Rule, RuleContext, RuleSettings } from './rule.js';
import { DEFAULT_RULE_SETTINGS } from './rule.js';
import { ResourceSet } from './resource-set.js';
import { podSpecs } from './pods.js';
import { isObject, str } from './values.js';
import { matchesGlob } from './glob.js';

export const IGNORE_ANNOTATION = 'kshield.io/ignore';
export const IGNORE_REASON_ANNOTATION = 'kshield.io/ignore-reason';
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
  reason: string;
  owner: string;
  /** ISO date (YYYY-MM-DD); from that day on the exemption no longer applies. */
  expires?: string;
  /** Where it was declared, for reports. */
  source?: { file: string; line: number; column: number; index: number };
}

export interface EngineOptions {
  rules: readonly Rule[];
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
}

/** Resources a rule applies to: rules tagged "workload" see only objects that hold pod specs. */
export function ruleApplies(rule: Rule, resource: Resource): boolean {
  if (rule.appliesTo === undefined || rule.appliesTo === 'all') return true;
  if (rule.appliesTo === 'workloads') return podSpecs(resource).length > 0;
  return rule.appliesTo.includes(resource.kind);
}

export function evaluate(resources: readonly Resource[], options: EngineOptions): EngineResult {
  const settings: RuleSettings = { ...DEFAULT_RULE_SETTINGS, ...options.settings };
  const context: RuleContext = { settings, resources: new ResourceSet(resources) };
  const now = options.now ?? new Date();
  const exemptionUses: ExemptionUse[] = (options.exemptions ?? []).map((exemption) => ({
    exemption,
    matched: 0,
    expired: exemption.expires !== undefined && isExpired(exemption.expires, now),
  }));
  const inline = options.inlineSuppressions ?? true;
  const findings: Finding[] = [];
  const errors: InputError[] = [];

  // Rules grouped by what they apply to, so each resource is matched against each group once.
  const forAll = options.rules.filter((r) => r.appliesTo === undefined || r.appliesTo === 'all');
  const forWorkloads = options.rules.filter((r) => r.appliesTo === 'workloads');
  const byKind = new Map<string, Rule[]>();
  for (const r of options.rules) if (Array.isArray(r.appliesTo)) for (const k of r.appliesTo) byKind.set(k, [...(byKind.get(k) ?? []), r]);
  const ordered = new Map(options.rules.map((r, i) => [r, i]));
  const rulesFor = (resource: Resource): readonly Rule[] => {
    const kindRules = byKind.get(resource.kind);
    const workload = forWorkloads.length > 0 && podSpecs(resource).length > 0;
    if (!kindRules && !workload) return forAll;
    const list = [...forAll, ...(workload ? forWorkloads : []), ...(kindRules ?? [])];
    return list.sort((a, b) => ordered.get(a)! - ordered.get(b)!);
  };
  const cache = new Map<string, readonly Rule[]>();

  for (const resource of resources) {
    const annotations = inline ? ignoreAnnotations(resource) : undefined;
    const cacheKey = `${resource.kind}\u0000${podSpecs(resource).length > 0}`;
    let applicable = cache.get(cacheKey);
    if (!applicable) cache.set(cacheKey, (applicable = rulesFor(resource)));
    for (const rule of applicable) {
      let violations;
      try {
        violations = rule.check(resource, context);
      } catch (err) {
        errors.push({ file: resource.file, line: resource.locate('').line, message: `rule ${rule.id} failed on ${resource.kind} ${resource.name}: ${(err as Error).message}` });
        continue;
      }
      for (const v of violations) {
        const severity = options.severityOverrides?.[rule.id] ?? rule.severity;
        const pos = resource.locate(v.path);
        const finding: Finding = {
          rule: rule.id,
          severity,
          message: v.message,
          resource: { apiVersion: resource.apiVersion, kind: resource.kind, namespace: resource.namespace, name: resource.name },
          file: resource.file,
          line: pos.line,
          column: pos.column,
          path: resource.basePath + v.path,
          remediation: rule.remediation,
          suppressed: false,
          container: v.container,
          fingerprint: fingerprint(rule.id, resource, v.path, v.container),
        };
        applySuppressions(finding, rule, resource, annotations, exemptionUses, options.baseline);
        findings.push(finding);
      }
    }
  }
  return { findings, errors, exemptions: exemptionUses };
}

function isExpired(expires: string, now: Date): boolean {
  const t = Date.parse(expires.length === 10 ? `${expires}T00:00:00Z` : expires);
  return Number.isFinite(t) && t <= now.getTime();
}

function selects(list: readonly string[], rule: Rule): boolean {
  return list.some((x) => x === '*' || x === 'all' || x === rule.id || rule.tags.includes(x));
}

interface IgnoreAnnotations {
  all: string[];
  reason?: string;
  byContainer: Map<string, string[]>;
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
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
        found ??= { all: [], byContainer: new Map() };
        found.all.push(...splitList(value));
      } else if (key === IGNORE_REASON_ANNOTATION) {
        found ??= { all: [], byContainer: new Map() };
        found.reason = value;
      } else if (key.startsWith(IGNORE_CONTAINER_PREFIX)) {
        found ??= { all: [], byContainer: new Map() };
        const container = key.slice(IGNORE_CONTAINER_PREFIX.length);
        found.byContainer.set(container, [...(found.byContainer.get(container) ?? []), ...splitList(value)]);
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
  exemptions: ExemptionUse[],
  baseline: ReadonlySet<string> | undefined,
): void {
  if (annotations) {
    const containerList = finding.container !== undefined ? annotations.byContainer.get(finding.container) : undefined;
    if (selects(annotations.all, rule) || (containerList && selects(containerList, rule))) {
      finding.suppressed = true;
      finding.suppression = { kind: 'annotation', reason: annotations.reason };
      return;
    }
  }
  for (const use of exemptions) {
    const e = use.exemption;
    if (!selects(e.rules, rule)) continue;
    if (e.namespaces && !e.namespaces.some((ns) => matchesGlob(ns, resource.namespace ?? ''))) continue;
    if (e.kinds && !e.kinds.includes(resource.kind)) continue;
    if (e.names && !e.names.some((n) => matchesGlob(n, resource.name))) continue;
    if (e.containers && (finding.container === undefined || !e.containers.some((c) => matchesGlob(c, finding.container!)))) continue;
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
export function fingerprint(ruleId: string, resource: Resource, path: string, container?: string): string {
  const slash = resource.apiVersion.indexOf('/');
  const group = slash === -1 ? '' : resource.apiVersion.slice(0, slash);
  const stablePath = container !== undefined ? path.replace(/\/(containers|initContainers|ephemeralContainers)\/\d+/, `/$1/${container}`) : path;
  const h = new Hash64();
  h.add(ruleId).add(group).add(resource.kind).add(resource.namespace ?? '').add(resource.name).add(stablePath);
  return h.hex();
}

/**
 * Two independent 32-bit FNV-1a style hashes (64 bits), fed part by part with a separator:
 * fingerprints only need to tell findings apart, and a cryptographic hash per finding was a
 * measurable share of a large scan.
 */
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
    return (this.h1 >>> 0).toString(16).padStart(8, '0') + (this.h2 >>> 0).toString(16).padStart(8, '0');
  }
}

/** Every (resource, rule) pair a run evaluates, with its finding count: JUnit's test cases. Computed on demand. */
export function evaluations(resources: readonly Resource[], rules: readonly Rule[], findings: readonly Finding[]): Evaluation[] {
  const byResource = new Map<string, number>();
  for (const f of findings) {
    const k = `${f.file}\u0000${f.resource.kind}\u0000${f.resource.namespace ?? ''}\u0000${f.resource.name}\u0000${f.rule}`;
    byResource.set(k, (byResource.get(k) ?? 0) + 1);
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

export { str };
