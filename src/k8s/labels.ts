/**
 * Kubernetes label selectors, evaluated the way the API machinery does
 * (metav1.LabelSelectorAsSelector followed by Selector.Matches):
 *
 * - `matchLabels` and `matchExpressions` are ANDed; every `matchLabels` entry is an `In`
 *   requirement with one value.
 * - `In`: the key is present and its value is one of `values`.
 *   `NotIn`: the key is absent, or present with a value not in `values` (an absent key MATCHES).
 *   `Exists`: the key is present (any value, including ""). `DoesNotExist`: the key is absent.
 * - An empty selector (`{}`, or both parts empty or null) matches every label set.
 * - A null or absent selector matches nothing. That is the rule for PodDisruptionBudget (policy/v1),
 *   pod (anti-)affinity terms and topology spread constraints. Fields that are not pointers in the Go
 *   API (NetworkPolicy `spec.podSelector`, namespaceSelector handling) treat absence as `{}`: callers
 *   choose with the `absent` option of {@link selectorMatches}.
 * - A selector the API server would reject (unknown operator, In/NotIn without values, Exists/DoesNotExist
 *   with values, non-string values) is reported as invalid and matches nothing, so rules can report it
 *   instead of guessing what the author meant.
 */
import type { JsonObject } from '../core/types.js';
import { isObject } from '../core/values.js';
import { escapePointerToken } from '../core/pointer.js';

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
const OPERATORS: readonly SelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

export interface SelectorRequirement {
  key: string;
  operator: SelectorOperator;
  /** Empty for Exists and DoesNotExist. */
  values: string[];
}

export interface LabelSelector {
  requirements: SelectorRequirement[];
}

export interface SelectorProblem {
  /** JSON Pointer relative to the selector object. */
  path: string;
  message: string;
}

export type ParsedSelector =
  | { kind: 'null' }
  | { kind: 'selector'; selector: LabelSelector }
  | { kind: 'invalid'; problems: SelectorProblem[] };

export type Labels = Readonly<Record<string, string>>;

/** Parses a `metav1.LabelSelector` as found in a manifest; never throws on malformed input. */
export function parseLabelSelector(value: unknown): ParsedSelector {
  if (value === undefined || value === null) return { kind: 'null' };
  if (!isObject(value)) return { kind: 'invalid', problems: [{ path: '', message: 'a label selector must be a mapping' }] };
  const problems: SelectorProblem[] = [];
  const requirements: SelectorRequirement[] = [];

  const matchLabels = value.matchLabels;
  if (matchLabels !== undefined && matchLabels !== null) {
    if (!isObject(matchLabels)) problems.push({ path: '/matchLabels', message: 'matchLabels must be a mapping of label keys to string values' });
    else
      for (const [key, v] of Object.entries(matchLabels)) {
        if (typeof v !== 'string') problems.push({ path: `/matchLabels/${escapePointerToken(key)}`, message: `matchLabels "${key}" must be a string, but is ${describe(v)}` });
        else requirements.push({ key, operator: 'In', values: [v] });
      }
  }

  const expressions = value.matchExpressions;
  if (expressions !== undefined && expressions !== null) {
    if (!Array.isArray(expressions)) problems.push({ path: '/matchExpressions', message: 'matchExpressions must be a list' });
    else
      expressions.forEach((e, i) => {
        const at = `/matchExpressions/${i}`;
        if (!isObject(e)) {
          problems.push({ path: at, message: `matchExpressions[${i}] must be a mapping` });
          return;
        }
        const key = e.key;
        const operator = e.operator;
        if (typeof key !== 'string' || key === '') {
          problems.push({ path: `${at}/key`, message: `matchExpressions[${i}].key must be a non-empty string` });
          return;
        }
        if (typeof operator !== 'string' || !OPERATORS.includes(operator as SelectorOperator)) {
          problems.push({ path: `${at}/operator`, message: `matchExpressions[${i}].operator ${describe(operator)} is not one of In, NotIn, Exists, DoesNotExist` });
          return;
        }
        const op = operator as SelectorOperator;
        const rawValues = e.values;
        if (rawValues !== undefined && rawValues !== null && !Array.isArray(rawValues)) {
          problems.push({ path: `${at}/values`, message: `matchExpressions[${i}].values must be a list of strings` });
          return;
        }
        const list = Array.isArray(rawValues) ? rawValues : [];
        const bad = list.findIndex((v) => typeof v !== 'string');
        if (bad >= 0) {
          problems.push({ path: `${at}/values/${bad}`, message: `matchExpressions[${i}].values[${bad}] must be a string, but is ${describe(list[bad])}` });
          return;
        }
        const values = list as string[];
        if ((op === 'In' || op === 'NotIn') && values.length === 0) {
          problems.push({ path: at, message: `matchExpressions[${i}] uses ${op} without values` });
          return;
        }
        if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) {
          problems.push({ path: `${at}/values`, message: `matchExpressions[${i}] uses ${op}, which takes no values` });
          return;
        }
        requirements.push({ key, operator: op, values });
      });
  }

  if (problems.length > 0) return { kind: 'invalid', problems };
  return { kind: 'selector', selector: { requirements } };
}

export function requirementMatches(req: SelectorRequirement, labels: Labels): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, req.key);
  switch (req.operator) {
    case 'In':
      return has && req.values.includes(labels[req.key]);
    case 'NotIn':
      return !has || !req.values.includes(labels[req.key]);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
  }
}

/** Matching of a parsed selector; null and invalid selectors match nothing, empty ones everything. */
export function matchesParsed(parsed: ParsedSelector, labels: Labels): boolean {
  if (parsed.kind !== 'selector') return false;
  return parsed.selector.requirements.every((r) => requirementMatches(r, labels));
}

export interface MatchOptions {
  /**
   * What an absent (or null) selector means. 'nothing' (default) for pointer fields such as
   * PodDisruptionBudget.spec.selector, affinity terms and topology spread constraints;
   * 'everything' for value fields such as NetworkPolicy.spec.podSelector.
   */
  absent?: 'nothing' | 'everything';
}

/** Does the raw `metav1.LabelSelector` select an object carrying `labels`? */
export function selectorMatches(raw: unknown, labels: Labels, options: MatchOptions = {}): boolean {
  const parsed = parseLabelSelector(raw);
  if (parsed.kind === 'null') return options.absent === 'everything';
  return matchesParsed(parsed, labels);
}

/** True when the selector is present and has no requirement at all: it selects everything. */
export function isEmptySelector(parsed: ParsedSelector): boolean {
  return parsed.kind === 'selector' && parsed.selector.requirements.length === 0;
}

/**
 * Equality-only selectors (`Service.spec.selector`, `ReplicationController.spec.selector`):
 * a plain map, every pair must be present. The caller decides what an empty map means
 * (a Service without a selector selects no pods; a ReplicationController defaults it).
 */
export function mapSelectorMatches(selector: Labels, labels: Labels): boolean {
  for (const [k, v] of Object.entries(selector)) {
    if (!Object.prototype.hasOwnProperty.call(labels, k) || labels[k] !== v) return false;
  }
  return true;
}

/** "app=web, tier in (api,worker), !legacy" for messages. */
export function formatSelector(parsed: ParsedSelector): string {
  if (parsed.kind === 'null') return '<none>';
  if (parsed.kind === 'invalid') return '<invalid>';
  if (parsed.selector.requirements.length === 0) return '<everything>';
  return parsed.selector.requirements
    .map((r) => {
      switch (r.operator) {
        case 'In':
          return r.values.length === 1 ? `${r.key}=${r.values[0]}` : `${r.key} in (${r.values.join(',')})`;
        case 'NotIn':
          return `${r.key} notin (${r.values.join(',')})`;
        case 'Exists':
          return r.key;
        case 'DoesNotExist':
          return `!${r.key}`;
      }
    })
    .join(', ');
}

export function formatMapSelector(selector: Labels): string {
  return Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/** The string-valued labels of a metadata object; other values are not labels the API would accept. */
export function labelsOf(metadata: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const labels = isObject(metadata) ? metadata.labels : undefined;
  if (!isObject(labels)) return out;
  for (const [k, v] of Object.entries(labels as JsonObject)) if (typeof v === 'string') out[k] = v;
  return out;
}

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why a label value is invalid, or undefined when it is valid ("" is valid). */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63) return `is ${value.length} characters long (at most 63)`;
  if (!LABEL_NAME.test(value)) return 'must start and end with a letter or digit and contain only letters, digits, "-", "_" and "."';
  return undefined;
}

/** Why a label key is invalid ("prefix/name" with a DNS subdomain prefix), or undefined. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined) {
    if (prefix === '') return 'has an empty prefix before "/"';
    if (prefix.length > 253) return 'has a prefix longer than 253 characters';
    if (!DNS_SUBDOMAIN.test(prefix)) return `has a prefix "${prefix}" that is not a lowercase DNS subdomain`;
  }
  if (name === '') return 'has an empty name';
  if (name.length > 63) return `has a name of ${name.length} characters (at most 63)`;
  if (!LABEL_NAME.test(name)) return 'has a name that must start and end with a letter or digit and contain only letters, digits, "-", "_" and "."';
  return undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}
