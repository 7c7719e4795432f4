/**
 * The response engine: an alert in, the policy's matching rules run as chains of steps, every
 * step recorded. It owns the safety checks (see safety.ts), which run before each step that
 * changes the cluster, in this order: the alert names a pod, its namespace is not protected, the pod
 * exists and is not labelled protected,
 * the same action was not done to it within the dedup window, the circuit breaker is closed, the
 * rate limit has a token. A refused step runs nothing. Each step's outcome is one JSON audit line
 * (pino, `audit: "kshield.respond"`) carrying the alert's MITRE techniques and tactics, and one
 * Kubernetes Event on the pod.
 *
 * A chain stops at `approve`: the steps after it wait, with the alert and its resolved target,
 * until `approve(id)` (the CLI's `kshield respond approve ID` or POST /v1/approvals/ID) runs them,
 * `reject(id)` drops them, or the approval expires. Safety is checked again when they run.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { matchesGlob } from '../../core/glob.js';
import type { JsonObject } from '../../core/types.js';
import type { KubeClient } from '../../sources/kube-client.js';
import { goDurationMs } from '../../core/duration.js';
import { ALERT_PRIORITIES, type AlertFieldValue, type AlertPriority, type RuntimeAlert } from '../alert.js';
import type { ActionContext, ActionDefinition, ActionOutcome, ActionTarget } from '../action.js';
import { BUILTIN_ACTIONS } from './builtin-actions.js';
import { kubeClusterAccess, type ClusterAccess } from './cluster.js';
import { RespondMetrics } from './metrics.js';
import type { AlertMatch, PolicyStep, ResponsePolicy, StepCondition, StepStatus } from './policy.js';
import { CircuitBreaker, Dedup, protectionOf, RateLimiter, type RefusalReason } from './safety.js';
import type { AlertPosture, PostureSource } from './alert-posture.js';


/** Posture lines waiting to be written, at most; see schedulePosture. */
const MAX_POSTURE_QUEUE = 64;
/** How soon to look again when alerts are being handled. */
const POSTURE_RETRY_MS = 50;
export interface ResponseEngineOptions {
  policy: ResponsePolicy;
  /** The cluster actions (CLUSTER_ACTIONS); notify and approve are added when absent. */
  actions: readonly ActionDefinition<any>[];
  client: KubeClient;
  /** Pod reads and Events; default: through `client`. */
  cluster?: ClusterAccess;
  /** --dry-run; the policy's settings.dryRun also turns it on. */
  dryRun?: boolean;
  /** kshield's own namespace: never acted on. */
  ownNamespace?: string;
  /** Where audit lines go. */
  log: Logger;
  metrics?: RespondMetrics;
  now?: () => Date;
  /** Time one step may take. Default 30 s. */
  stepTimeoutMs?: number;
  /** Alerts linked to posture: written after each alert's chain (a `posture` audit line), given to notify and the API. */
  posture?: PostureSource;
  /** Alerts kept for `GET /v1/alerts/ID`, most recent last. Default 1000. */
  recentAlerts?: number;
}

/** An alert as `GET /v1/alerts/ID` shows it. */
export interface AlertRecord {
  alert: RuntimeAlert;
  /** When it was handled. */
  receivedAt: string;
  /** The policy rules that matched and every step's outcome so far (approvals add to it). */
  rules: string[];
  steps: StepRecord[];
}

export interface StepRecord {
  rule: string;
  /** Index of the step in the rule's `actions`. */
  step: number;
  outcome: ActionOutcome;
  refusal?: RefusalReason;
  /** Set on the `approve` step that holds the chain. */
  approval?: string;
}

export interface AlertResponse {
  alert: string;
  /** The policy rules that matched, in order. */
  rules: string[];
  steps: StepRecord[];
}

export interface PendingApproval {
  id: string;
  alert: RuntimeAlert;
  rule: string;
  /** Index of the approve step; the held steps follow it. */
  step: number;
  held: string[];
  reason?: string;
  createdAt: string;
  expiresAt: string;
}

export class ApprovalError extends Error {
  constructor(
    message: string,
    readonly status: 404 | 409,
  ) {
    super(message);
  }
}

/** What is known of the alert's pod, resolved once per chain run. */
type TargetState =
  | { kind: 'none' }
  | { kind: 'found'; target: ActionTarget }
  | { kind: 'missing'; namespace: string; pod: string }
  | { kind: 'unreadable'; namespace: string; pod: string; error: string };

interface Held {
  pending: PendingApproval;
  steps: PolicyStep[];
  previous: ActionOutcome[];
  /** The pod as resolved when the chain was held: where a rejection or expiry is recorded. */
  target: TargetState;
  timer: NodeJS.Timeout;
}

const RANK = new Map<AlertPriority, number>(ALERT_PRIORITIES.map((p, i) => [p, i]));

/** At or above: emergency is the most severe. */
function atOrAbove(priority: AlertPriority, floor: AlertPriority): boolean {
  return RANK.get(priority)! <= RANK.get(floor)!;
}

function fieldMatches(value: AlertFieldValue | undefined, want: string | number | boolean): boolean {
  if (value === undefined || value === null) return false;
  if (typeof want === 'string') return matchesGlob(want, String(value));
  return value === want || String(value) === String(want);
}

function conditionProblem(alert: RuntimeAlert, c: { priority?: AlertPriority; namespaces?: string[]; tags?: string[]; fields?: Record<string, string | number | boolean> }): string | undefined {
  if (c.priority && !atOrAbove(alert.priority, c.priority)) return `priority ${alert.priority} is below ${c.priority}`;
  if (c.namespaces && !c.namespaces.some((g) => alert.target?.namespace !== undefined && matchesGlob(g, alert.target.namespace))) return `namespace ${alert.target?.namespace ?? '(none)'} is not one of ${c.namespaces.join(', ')}`;
  if (c.tags && !c.tags.some((g) => alert.tags.some((t) => matchesGlob(g, t)))) return `no tag matches ${c.tags.join(', ')}`;
  for (const [name, want] of Object.entries(c.fields ?? {})) if (!fieldMatches(alert.fields[name], want)) return `field ${name} does not match ${JSON.stringify(want)}`;
  return undefined;
}

/** Whether a policy rule's `match` takes the alert: every criterion given must hold; within a list, any entry. */
export function matchesAlert(match: AlertMatch, alert: RuntimeAlert): boolean {
  if (match.rules && !match.rules.some((g) => matchesGlob(g, alert.rule))) return false;
  if (match.sources && !match.sources.includes(alert.source)) return false;
  return conditionProblem(alert, match) === undefined;
}

function stepConditionProblem(when: StepCondition | undefined, alert: RuntimeAlert, previous: ActionOutcome | undefined): string | undefined {
  if (previous) {
    const allowed: StepStatus[] = when?.previous ?? ['done', 'dry-run', 'skipped', 'held'];
    if (!allowed.includes(previous.status)) return `the previous step (${previous.action}) ended ${previous.status}`;
  }
  return when ? conditionProblem(alert, when) : undefined;
}

function oneLine(text: string, max = 300): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

const EVENT_REASON: Record<ActionOutcome['status'], string> = {
  done: 'KshieldResponseDone',
  'dry-run': 'KshieldResponseDryRun',
  skipped: 'KshieldResponseSkipped',
  refused: 'KshieldResponseRefused',
  failed: 'KshieldResponseFailed',
  held: 'KshieldResponseHeld',
};

export class ResponseEngine {
  readonly metrics: RespondMetrics;
  readonly dryRun: boolean;
  private readonly actions = new Map<string, ActionDefinition<any>>();
  private readonly cluster: ClusterAccess;
  private readonly dedup: Dedup;
  private readonly limiter: RateLimiter;
  private readonly breaker: CircuitBreaker;
  private readonly protectedNamespaces: string[];
  private readonly held = new Map<string, Held>();
  private readonly writes = new Set<Promise<void>>();
  private readonly now: () => Date;
  private readonly recent = new Map<string, AlertRecord>();
  /** Alerts being handled now: posture lines wait until there are none (see schedulePosture). */
  private active = 0;
  /** Alerts whose posture line is still to be written, oldest first. */
  private readonly postureQueue: RuntimeAlert[] = [];
  private postureTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ResponseEngineOptions) {
    for (const a of [...BUILTIN_ACTIONS, ...options.actions]) this.actions.set(a.name, a);
    this.metrics = options.metrics ?? new RespondMetrics();
    this.cluster = options.cluster ?? kubeClusterAccess(options.client);
    this.now = options.now ?? (() => new Date());
    const s = options.policy.settings;
    this.dryRun = options.dryRun === true || s.dryRun;
    this.dedup = new Dedup(s.dedupWindowMs);
    this.limiter = new RateLimiter(s.rateLimit.actions, s.rateLimit.perMs, this.now().getTime());
    this.breaker = new CircuitBreaker(s.breaker.failures, s.breaker.cooldownMs, (state) => {
      this.metrics.setBreaker(state);
      this.options.log.warn({ audit: 'kshield.respond', event: 'breaker', state }, `circuit breaker ${state}`);
    });
    this.protectedNamespaces = [...new Set(['kube-system', ...(options.ownNamespace ? [options.ownNamespace] : []), ...s.protect.namespaces])];
  }

  get breakerState(): string {
    return this.breaker.state;
  }

  /** Runs the policy on one alert: every matching rule (the first, unless it says `continue: true`). */
  async handle(alert: RuntimeAlert): Promise<AlertResponse> {
    this.metrics.alerts.inc({ source: alert.source, rule: alert.rule });
    const response: AlertResponse = { alert: alert.id, rules: [], steps: [] };
    let target: TargetState | undefined;
    this.active++;
    try {
      for (const rule of this.options.policy.rules) {
        if (!matchesAlert(rule.match, alert)) continue;
        response.rules.push(rule.name);
        target ??= await this.resolveTarget(alert);
        await this.runChain(alert, rule.name, rule.actions, 0, target, [], response);
        if (!rule.continue) break;
      }
    } finally {
      this.active--;
    }
    if (response.rules.length === 0) this.options.log.debug({ audit: 'kshield.respond', event: 'unmatched', alert: this.alertSummary(alert) }, 'alert matched no policy rule');
    this.remember(alert, response);
    if (response.rules.length > 0 && this.options.posture) this.schedulePosture(alert);
    return response;
  }

  /**
   * Posture lines are written after the alert is answered, one at a time, and only while no alert
   * is being handled: computing one is synchronous work over the whole cluster's objects (seconds in
   * a large cluster), and an alert storm must get its actions first. Beyond MAX_POSTURE_QUEUE
   * waiting, the oldest is dropped with a line saying so (GET /v1/alerts/ID still computes it).
   */
  private schedulePosture(alert: RuntimeAlert): void {
    this.postureQueue.push(alert);
    while (this.postureQueue.length > MAX_POSTURE_QUEUE) {
      const dropped = this.postureQueue.shift()!;
      this.options.log.warn({ audit: 'kshield.respond', event: 'posture-skipped', alert: this.alertSummary(dropped), waiting: this.postureQueue.length }, 'posture line skipped: too many alerts waiting for theirs');
    }
    this.drainPostureSoon(0);
  }

  private drainPostureSoon(delayMs: number): void {
    if (this.postureTimer) return;
    this.postureTimer = setTimeout(() => {
      this.postureTimer = undefined;
      if (this.active > 0) return this.drainPostureSoon(POSTURE_RETRY_MS);
      const next = this.postureQueue.shift();
      if (next) this.writePosture(next);
      if (this.postureQueue.length > 0) this.drainPostureSoon(0);
    }, delayMs);
    this.postureTimer.unref();
  }

  /** Writes the posture lines still waiting (for a clean stop, and tests). */
  flushPosture(): void {
    if (this.postureTimer) clearTimeout(this.postureTimer);
    this.postureTimer = undefined;
    for (const alert of this.postureQueue.splice(0)) this.writePosture(alert);
  }

  /** The posture of the pod the alert names, now; undefined without posture or without a pod. */
  postureOf(alert: RuntimeAlert): AlertPosture | undefined {
    try {
      return this.options.posture?.postureFor(alert);
    } catch (err) {
      this.options.log.error({ audit: 'kshield.respond', event: 'posture-failed', alert: this.alertSummary(alert), error: oneLine(String((err as Error)?.message ?? err), 300) }, 'posture could not be computed');
      return undefined;
    }
  }

  get postureEnabled(): boolean {
    return this.options.posture !== undefined;
  }

  /** A recent alert (the last `recentAlerts`) with its steps. */
  alertRecord(id: string): AlertRecord | undefined {
    return this.recent.get(id);
  }

  private remember(alert: RuntimeAlert, response: AlertResponse): void {
    const known = this.recent.get(alert.id);
    if (known) {
      known.rules.push(...response.rules.filter((r) => !known.rules.includes(r)));
      known.steps.push(...response.steps);
      return;
    }
    this.recent.set(alert.id, { alert, receivedAt: this.now().toISOString(), rules: [...response.rules], steps: [...response.steps] });
    if (this.recent.size > (this.options.recentAlerts ?? 1000)) this.recent.delete(this.recent.keys().next().value!);
  }

  /** One audit line per alert acted on: the posture of its pod, keyed by the alert's id. */
  private writePosture(alert: RuntimeAlert): void {
    const posture = this.postureOf(alert);
    if (!posture) return;
    this.options.log.info({ audit: 'kshield.respond', event: 'posture', alert: this.alertSummary(alert), posture }, `posture of ${posture.pod}: ${posture.status}`);
  }

  pending(): PendingApproval[] {
    return [...this.held.values()].map((h) => h.pending);
  }

  /** Runs the steps an approval held; safety is checked again (the pod is read again). */
  async approve(id: string, by: string): Promise<AlertResponse> {
    const held = this.take(id);
    const { pending } = held;
    const outcome: ActionOutcome = { action: 'approve', status: 'done', reason: `approved by ${oneLine(by, 100)}`, objects: [] };
    const response: AlertResponse = { alert: pending.alert.id, rules: [pending.rule], steps: [] };
    const target = await this.resolveTarget(pending.alert);
    this.record(pending.alert, pending.rule, pending.step, outcome, target, response, undefined, id);
    await this.runChain(pending.alert, pending.rule, held.steps, pending.step + 1, target, [...held.previous, outcome], response);
    this.remember(pending.alert, response);
    return response;
  }

  reject(id: string, by: string): AlertResponse {
    const held = this.take(id);
    const { pending } = held;
    const response: AlertResponse = { alert: pending.alert.id, rules: [pending.rule], steps: [] };
    this.refuse(pending.alert, pending.rule, pending.step, 'approve', 'approval-rejected', `rejected by ${oneLine(by, 100)}; ${pending.held.join(', ')} not run`, held.target, response, id);
    this.remember(pending.alert, response);
    return response;
  }

  /** Waits for the Events being written (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.writes.size) await Promise.allSettled([...this.writes]);
  }

  close(): void {
    for (const h of this.held.values()) clearTimeout(h.timer);
    // A stopping respond still writes the posture lines of the alerts it acted on.
    this.flushPosture();
  }

  // -------------------------------------------------------------------------------------------

  private take(id: string): Held {
    const held = this.held.get(id);
    if (!held) throw new ApprovalError(`no pending approval "${oneLine(id, 40)}" (it was approved, rejected or expired, or never existed)`, 404);
    this.held.delete(id);
    clearTimeout(held.timer);
    this.metrics.pendingApprovals.set({}, this.held.size);
    return held;
  }

  private async resolveTarget(alert: RuntimeAlert): Promise<TargetState> {
    const t = alert.target;
    if (!t?.namespace || !t.pod) return { kind: 'none' };
    try {
      const object = await this.cluster.readPod(t.namespace, t.pod, AbortSignal.timeout(5000));
      if (!object) return { kind: 'missing', namespace: t.namespace, pod: t.pod };
      const node = ((object.spec as JsonObject | undefined)?.nodeName as string | undefined) ?? t.node;
      return { kind: 'found', target: { namespace: t.namespace, pod: t.pod, object, ...(node ? { node } : {}) } };
    } catch (err) {
      return { kind: 'unreadable', namespace: t.namespace, pod: t.pod, error: oneLine(String((err as Error)?.message ?? err), 200) };
    }
  }

  private async runChain(alert: RuntimeAlert, rule: string, steps: PolicyStep[], from: number, target: TargetState, previous: ActionOutcome[], response: AlertResponse): Promise<void> {
    for (let i = from; i < steps.length; i++) {
      const step = steps[i];
      const definition = this.actions.get(step.action)!;
      const last = previous[previous.length - 1];
      const problem = stepConditionProblem(step.when, alert, i === 0 ? undefined : last);
      if (problem) {
        previous.push(this.record(alert, rule, i, { action: step.action, status: 'skipped', reason: `condition not met: ${problem}`, objects: [] }, target, response));
        continue;
      }
      if (definition.name === 'approve') {
        previous.push(this.hold(alert, rule, steps, i, target, previous, response));
        return;
      }
      if (definition.mutates) {
        const refusal = this.safetyRefusal(step, target);
        if (refusal) {
          previous.push(this.refuse(alert, rule, i, step.action, refusal.reason, refusal.detail, target, response));
          continue;
        }
      }
      previous.push(await this.runStep(alert, rule, i, step, definition, target, previous, response));
    }
  }

  /** Why this mutating step may not run now; takes a rate-limit token and a breaker trial when it may. */
  private safetyRefusal(step: PolicyStep, target: TargetState): { reason: RefusalReason; detail: string } | undefined {
    if (target.kind === 'none') return { reason: 'no-target', detail: 'the alert names no pod (namespace and pod)' };
    // A protected namespace is refused before anything about the pod is known.
    const inNamespace = protectionOf(target.kind === 'found' ? target.target.namespace : target.namespace, undefined, { namespaces: this.protectedNamespaces, podLabels: {} });
    if (inNamespace) return inNamespace;
    if (target.kind === 'missing') return { reason: 'pod-not-found', detail: `pod ${target.namespace}/${target.pod} does not exist` };
    if (target.kind === 'unreadable') return { reason: 'pod-read-failed', detail: `pod ${target.namespace}/${target.pod} could not be read: ${target.error}` };
    const { namespace, pod, object } = target.target;
    const protection = protectionOf(namespace, object, { namespaces: this.protectedNamespaces, podLabels: this.options.policy.settings.protect.podLabels });
    if (protection) return protection;
    const now = this.now().getTime();
    const done = this.dedup.seen(`${namespace}/${pod}/${step.action}`, now);
    if (done !== undefined) return { reason: 'dedup', detail: `${step.action} was already done to ${namespace}/${pod} at ${new Date(done).toISOString()} (one per pod per ${Math.round(this.options.policy.settings.dedupWindowMs / 1000)}s)` };
    if (!this.breaker.allow(now)) return { reason: 'breaker-open', detail: 'the circuit breaker is open after repeated action failures' };
    if (!this.limiter.take(now)) {
      this.breaker.release();
      return { reason: 'rate-limit', detail: `more than ${this.options.policy.settings.rateLimit.actions} actions per ${Math.round(this.options.policy.settings.rateLimit.perMs / 1000)}s` };
    }
    // Taken now, not when the action ends: a burst of alerts about one pod (Falco fires per event)
    // must not run the action once per alert while the first is still running.
    this.dedup.record(`${namespace}/${pod}/${step.action}`, now);
    return undefined;
  }

  private async runStep(alert: RuntimeAlert, rule: string, index: number, step: PolicyStep, definition: ActionDefinition<any>, target: TargetState, previous: ActionOutcome[], response: AlertResponse): Promise<ActionOutcome> {
    const actionTarget: ActionTarget = target.kind === 'found' ? target.target : { namespace: alert.target?.namespace ?? '', pod: alert.target?.pod ?? '' };
    const controller = new AbortController();
    const timeoutMs = this.options.stepTimeoutMs ?? 30_000;
    const timer = setTimeout(() => controller.abort(new Error(`${step.action} took longer than ${timeoutMs} ms`)), timeoutMs);
    const ctx: ActionContext = {
      alert,
      target: actionTarget,
      client: this.options.client,
      dryRun: this.dryRun,
      signal: controller.signal,
      now: this.now(),
      log: this.options.log.child({ alert: alert.id, action: step.action }),
      previous: [...previous],
      ...(this.options.posture ? { posture: () => this.postureOf(alert) } : {}),
    };
    let outcome: ActionOutcome;
    try {
      outcome = await Promise.race([
        definition.run(step.with, ctx),
        new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true })),
      ]);
    } catch (err) {
      outcome = { action: step.action, status: 'failed', reason: oneLine(String((err as Error)?.message ?? err)), objects: [] };
    } finally {
      clearTimeout(timer);
    }
    if (definition.mutates) {
      const now = this.now().getTime();
      const key = `${actionTarget.namespace}/${actionTarget.pod}/${step.action}`;
      if (outcome.status === 'done' || outcome.status === 'dry-run') {
        // The window starts when the action is done.
        this.dedup.record(key, now);
        this.breaker.success();
      } else {
        // Not done: a later alert may try again.
        this.dedup.forget(key);
        if (outcome.status === 'failed') this.breaker.failure(now);
        else this.breaker.release();
      }
    }
    // An action that refused by itself (its own precondition, e.g. kill's min-healthy-replicas) counts as a refusal too.
    if (outcome.status === 'refused') this.metrics.refusals.inc({ reason: 'action' });
    return this.record(alert, rule, index, outcome, target, response);
  }

  private hold(alert: RuntimeAlert, rule: string, steps: PolicyStep[], index: number, target: TargetState, previous: ActionOutcome[], response: AlertResponse): ActionOutcome {
    const settings = this.options.policy.settings;
    if (this.held.size >= settings.maxPendingApprovals) {
      return this.refuse(alert, rule, index, 'approve', 'too-many-approvals', `${settings.maxPendingApprovals} approvals are already pending; ${steps.slice(index + 1).map((s) => s.action).join(', ')} not run`, target, response);
    }
    const params = steps[index].with as { timeout?: string; reason?: string };
    const timeoutMs = params.timeout ? goDurationMs(params.timeout) : settings.approvalTimeoutMs;
    const id = randomBytes(8).toString('hex');
    const created = this.now();
    const pending: PendingApproval = {
      id,
      alert,
      rule,
      step: index,
      held: steps.slice(index + 1).map((s) => s.action),
      ...(params.reason ? { reason: params.reason } : {}),
      createdAt: created.toISOString(),
      expiresAt: new Date(created.getTime() + timeoutMs).toISOString(),
    };
    const timer = setTimeout(() => this.expire(id), timeoutMs);
    timer.unref();
    this.held.set(id, { pending, steps, previous: [...previous], target, timer });
    this.metrics.pendingApprovals.set({}, this.held.size);
    const outcome: ActionOutcome = { action: 'approve', status: 'held', reason: `${pending.held.join(', ')} held until approved (kshield respond approve ${id}); expires ${pending.expiresAt}`, objects: [] };
    return this.record(alert, rule, index, outcome, target, response, undefined, id);
  }

  private expire(id: string): void {
    const held = this.held.get(id);
    if (!held) return;
    this.held.delete(id);
    this.metrics.pendingApprovals.set({}, this.held.size);
    const { pending } = held;
    this.refuse(pending.alert, pending.rule, pending.step, 'approve', 'approval-expired', `no one approved by ${pending.expiresAt}; ${pending.held.join(', ')} not run`, held.target, { alert: pending.alert.id, rules: [], steps: [] }, id);
  }

  private refuse(alert: RuntimeAlert, rule: string, index: number, action: ActionOutcome['action'], reason: RefusalReason, detail: string, target: TargetState, response: AlertResponse, approval?: string): ActionOutcome {
    this.metrics.refusals.inc({ reason });
    return this.record(alert, rule, index, { action, status: 'refused', reason: detail, objects: [] }, target, response, reason, approval);
  }

  private alertSummary(alert: RuntimeAlert): JsonObject {
    return { id: alert.id, source: alert.source, rule: alert.rule, priority: alert.priority, time: alert.time };
  }

  /** One audit line, one metric, one Event on the pod (when there is one). */
  private record(alert: RuntimeAlert, rule: string, index: number, outcome: ActionOutcome, target: TargetState, response: AlertResponse, refusal?: RefusalReason, approval?: string): ActionOutcome {
    this.metrics.actions.inc({ action: outcome.action, status: outcome.status });
    const entry: StepRecord = { rule, step: index, outcome, ...(refusal ? { refusal } : {}), ...(approval ? { approval } : {}) };
    response.steps.push(entry);
    const where = target.kind === 'found' ? target.target : target.kind === 'none' ? undefined : { namespace: target.namespace, pod: target.pod };
    this.options.log.info(
      {
        audit: 'kshield.respond',
        event: outcome.status === 'refused' ? 'refusal' : 'action',
        alert: this.alertSummary(alert),
        policyRule: rule,
        step: index,
        action: outcome.action,
        status: outcome.status,
        reason: outcome.reason,
        ...(refusal ? { refusal } : {}),
        ...(approval ? { approval } : {}),
        target: where ? { namespace: where.namespace, pod: where.pod, ...('node' in where && where.node ? { node: where.node } : {}) } : null,
        objects: outcome.objects,
        mitre: { techniques: alert.mitre?.techniques ?? [], tactics: alert.mitre?.tactics ?? [] },
        dryRun: this.dryRun,
      },
      `response ${outcome.action} ${outcome.status}`,
    );
    if (target.kind === 'found') {
      const uid = (target.target.object?.metadata as JsonObject | undefined)?.uid;
      const write = this.cluster
        .recordEvent({
          namespace: target.target.namespace,
          pod: target.target.pod,
          ...(typeof uid === 'string' ? { podUid: uid } : {}),
          reason: EVENT_REASON[outcome.status],
          type: outcome.status === 'done' || outcome.status === 'dry-run' || outcome.status === 'skipped' ? 'Normal' : 'Warning',
          message: `${outcome.action}${this.dryRun ? ' (dry-run)' : ''} for alert "${oneLine(alert.rule, 100)}" (${alert.priority}, policy rule ${rule}): ${outcome.reason}`,
          action: outcome.action,
          time: this.now(),
        })
        .catch((err: unknown) => this.options.log.warn({ audit: 'kshield.respond', event: 'event-write-failed', namespace: target.target.namespace, pod: target.target.pod, error: oneLine(String((err as Error)?.message ?? err), 200) }, 'could not write the Kubernetes Event'))
        .finally(() => this.writes.delete(write));
      this.writes.add(write);
    }
    return outcome;
  }
}
