/**
 * The response policy (`kshield respond --policy FILE`): YAML validated against
 * schema/respond-policy.schema.json with the configuration file's machinery (errors name the file,
 * the line and the key, with did-you-mean), then what a schema cannot say: action names against
 * the actions this build has, each step's `with:` against that action's own parameter schema,
 * durations in range, and chains that make sense (`approve` before the steps it holds).
 */
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import type { JsonObject } from '../../core/types.js';
import { didYouMean, suggest } from '../../core/suggest.js';
import { formatDuration, goDurationMs } from '../../core/duration.js';
import { ConfigError, parseYamlWithPositions, throwSchemaError } from '../../config/config-file.js';
import type { AlertPriority, AlertSource } from '../alert.js';
import type { ActionDefinition, ActionName, ActionOutcome } from '../action.js';

export type StepStatus = ActionOutcome['status'];

export interface AlertMatch {
  rules?: string[];
  tags?: string[];
  /** At or above this priority. */
  priority?: AlertPriority;
  sources?: AlertSource[];
  namespaces?: string[];
  fields?: Record<string, string | number | boolean>;
}

export interface StepCondition {
  /** The previous step ended with one of these. Default: it did not fail and was not refused. */
  previous?: StepStatus[];
  priority?: AlertPriority;
  namespaces?: string[];
  tags?: string[];
  fields?: Record<string, string | number | boolean>;
}

export interface PolicyStep {
  action: ActionName;
  with: JsonObject;
  when?: StepCondition;
  /** Where the step is written, for audit lines. */
  line?: number;
}

export interface PolicyRule {
  name: string;
  match: AlertMatch;
  continue: boolean;
  actions: PolicyStep[];
}

export interface PolicySettings {
  dryRun: boolean;
  protect: { namespaces: string[]; podLabels: Record<string, string> };
  dedupWindowMs: number;
  rateLimit: { actions: number; perMs: number };
  breaker: { failures: number; cooldownMs: number };
  approvalTimeoutMs: number;
  maxPendingApprovals: number;
}

export interface ResponsePolicy {
  settings: PolicySettings;
  rules: PolicyRule[];
  file?: string;
}

export const DEFAULT_POLICY_SETTINGS: PolicySettings = {
  dryRun: false,
  protect: { namespaces: [], podLabels: { 'kshield.io/protected': 'true' } },
  dedupWindowMs: 10 * 60_000,
  rateLimit: { actions: 30, perMs: 60_000 },
  breaker: { failures: 5, cooldownMs: 60_000 },
  approvalTimeoutMs: 60 * 60_000,
  maxPendingApprovals: 100,
};

/** Every action name the policy language has, built in or supplied by the cluster actions. */
const ALL_ACTION_NAMES: readonly ActionName[] = ['label', 'annotate', 'isolate', 'kill', 'scale-to-zero', 'cordon', 'notify', 'approve'];

const MAX_POLICY_BYTES = 1024 * 1024;

const require = createRequire(import.meta.url);
const schema = require('../../../../schema/respond-policy.schema.json') as object;
let compiled: ValidateFunction | undefined;
const ajv = new Ajv({ allErrors: true, strict: false });
const paramValidators = new WeakMap<object, ValidateFunction>();

function policyValidator(): ValidateFunction {
  return (compiled ??= ajv.compile(schema));
}

function paramsValidator(definition: ActionDefinition<any>): ValidateFunction {
  let v = paramValidators.get(definition.params);
  if (!v) paramValidators.set(definition.params, (v = ajv.compile(definition.params)));
  return v;
}

export async function loadResponsePolicy(file: string, actions: readonly ActionDefinition<any>[]): Promise<ResponsePolicy> {
  let text: string;
  try {
    const stat = await fs.stat(file);
    if (stat.size > MAX_POLICY_BYTES) throw new ConfigError('response policy is larger than 1 MiB', file);
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(code === 'ENOENT' ? 'response policy not found' : `cannot read the response policy: ${code ?? (err as Error).message}`, file);
  }
  return parseResponsePolicy(text, file, actions);
}

function durationMs(text: string, key: (string | number)[], file: string, lineOf: (p: (string | number)[]) => number | undefined, min: number, max: number): number {
  const ms = goDurationMs(text);
  if (!Number.isFinite(ms) || ms < min || ms > max) throw new ConfigError(`${key.join('.')}: must be between ${formatDuration(min)} and ${formatDuration(max)}, not "${text}"`, file, lineOf(key));
  return Math.round(ms);
}

interface RawPolicy {
  settings?: {
    dryRun?: boolean;
    protect?: { namespaces?: string[]; podLabels?: Record<string, string> };
    dedupWindow?: string;
    rateLimit?: { actions: number; per: string };
    breaker?: { failures: number; cooldown?: string };
    approvalTimeout?: string;
    maxPendingApprovals?: number;
  };
  rules: { name: string; match: AlertMatch; continue?: boolean; actions: { action: string; with?: JsonObject; when?: StepCondition }[] }[];
}

export function parseResponsePolicy(text: string, file: string, actions: readonly ActionDefinition<any>[]): ResponsePolicy {
  const { value, lineOf } = parseYamlWithPositions(text, file);
  const validate = policyValidator();
  if (!validate(value)) throwSchemaError(validate.errors ?? [], value, schema, file, lineOf);
  const raw = value as RawPolicy;
  const s = raw.settings ?? {};
  const HOUR = 3_600_000;
  const settings: PolicySettings = {
    dryRun: s.dryRun ?? DEFAULT_POLICY_SETTINGS.dryRun,
    protect: {
      namespaces: s.protect?.namespaces ?? [],
      podLabels: s.protect?.podLabels ?? DEFAULT_POLICY_SETTINGS.protect.podLabels,
    },
    dedupWindowMs: s.dedupWindow !== undefined ? durationMs(s.dedupWindow, ['settings', 'dedupWindow'], file, lineOf, 1000, 24 * HOUR) : DEFAULT_POLICY_SETTINGS.dedupWindowMs,
    rateLimit: s.rateLimit ? { actions: s.rateLimit.actions, perMs: durationMs(s.rateLimit.per, ['settings', 'rateLimit', 'per'], file, lineOf, 1000, 24 * HOUR) } : DEFAULT_POLICY_SETTINGS.rateLimit,
    breaker: s.breaker
      ? { failures: s.breaker.failures, cooldownMs: s.breaker.cooldown !== undefined ? durationMs(s.breaker.cooldown, ['settings', 'breaker', 'cooldown'], file, lineOf, 1000, 24 * HOUR) : DEFAULT_POLICY_SETTINGS.breaker.cooldownMs }
      : DEFAULT_POLICY_SETTINGS.breaker,
    approvalTimeoutMs: s.approvalTimeout !== undefined ? durationMs(s.approvalTimeout, ['settings', 'approvalTimeout'], file, lineOf, 10_000, 7 * 24 * HOUR) : DEFAULT_POLICY_SETTINGS.approvalTimeoutMs,
    maxPendingApprovals: s.maxPendingApprovals ?? DEFAULT_POLICY_SETTINGS.maxPendingApprovals,
  };
  const byName = new Map(actions.map((a) => [a.name, a] as const));
  const seen = new Map<string, number>();
  const rules: PolicyRule[] = raw.rules.map((rule, i) => {
    const earlier = seen.get(rule.name);
    if (earlier !== undefined) throw new ConfigError(`rules[${i}].name: "${rule.name}" is already the name of rules[${earlier}]; rule names must be unique`, file, lineOf(['rules', i, 'name']));
    seen.set(rule.name, i);
    const steps: PolicyStep[] = rule.actions.map((step, j) => {
      const at: (string | number)[] = ['rules', i, 'actions', j];
      const where = `rules[${i}].actions[${j}]`;
      const definition = byName.get(step.action as ActionName);
      if (!definition) {
        const known = (ALL_ACTION_NAMES as readonly string[]).includes(step.action);
        const near = didYouMean(suggest(step.action, [...byName.keys()]));
        const message = known
          ? `${where}.action: "${step.action}" is not available in this build of kshield respond (available: ${[...byName.keys()].join(', ')})`
          : `${where}.action: unknown action "${step.action}"${near ? `; ${near}` : ` (available: ${[...byName.keys()].join(', ')})`}`;
        throw new ConfigError(message, file, lineOf([...at, 'action']));
      }
      const params = step.with ?? {};
      const check = paramsValidator(definition);
      if (!check(params)) throwSchemaError(check.errors ?? [], params, definition.params, file, lineOf, [...at, 'with']);
      if (step.when?.previous && j === 0) throw new ConfigError(`${where}.when.previous: the first step has no previous step`, file, lineOf([...at, 'when', 'previous']));
      if (definition.name === 'approve' && j === rule.actions.length - 1) throw new ConfigError(`${where}: approve holds the steps after it until a person approves; as the last step it holds nothing`, file, lineOf(at));
      const out: PolicyStep = { action: definition.name, with: params, line: lineOf(at) };
      if (step.when) out.when = step.when;
      return out;
    });
    return { name: rule.name, match: rule.match, continue: rule.continue ?? false, actions: steps };
  });
  return { settings, rules, file };
}
