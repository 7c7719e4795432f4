/**
 * The two steps `kshield respond` provides itself, beside the cluster actions: `notify` (POST a
 * Slack-compatible `{"text": …}` message, with retry) and `approve` (hold the steps after it until
 * a person approves; the engine does the holding, this definition only gives its parameters).
 */
import { goDurationMs } from '../../core/duration.js';
import type { ActionContext, ActionDefinition, ActionOutcome } from '../action.js';
import { postureSummary } from './alert-posture.js';

const DURATION = { type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$', description: 'a duration such as 5s or 30m' };

export interface NotifyParams {
  /** The webhook URL. A Slack webhook URL is a secret: prefer urlEnv. */
  url?: string;
  /** The environment variable holding the URL. */
  urlEnv?: string;
  /** slack: `{"text"}` only; json: `{"text", "alert", "steps", "posture"}`. Default slack. The text ends with a summary of the pod's posture when respond keeps it. */
  format?: 'slack' | 'json';
  /** Time for one attempt. Default 5s. */
  timeout?: string;
  /** Attempts after the first one, on a network error, 429 or 5xx. Default 3. */
  retries?: number;
}

/** Bounds of the retry backoff: 0.5 s, doubling, at most 8 s between attempts. */
const BACKOFF_START_MS = 500;
const BACKOFF_MAX_MS = 8000;

export function notificationText(ctx: Pick<ActionContext, 'alert' | 'target' | 'dryRun' | 'previous'>): string {
  const a = ctx.alert;
  const where = ctx.target.pod ? `${ctx.target.namespace}/${ctx.target.pod}` : a.target?.namespace ? `namespace ${a.target.namespace}` : 'no pod named';
  const output = a.output.length > 300 ? `${a.output.slice(0, 300)}…` : a.output;
  const steps = (ctx.previous ?? []).map((o) => `${o.action} ${o.status}`).join(', ');
  const mitre = a.mitre && (a.mitre.techniques.length || a.mitre.tactics.length) ? ` MITRE: ${[...a.mitre.techniques, ...a.mitre.tactics].join(', ')}.` : '';
  return `${ctx.dryRun ? '[dry-run] ' : ''}kshield respond: ${a.priority} alert "${a.rule}" on ${where} (${a.source}): ${output}.${steps ? ` Steps: ${steps}.` : ''}${mitre}`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

export const notifyAction: ActionDefinition<NotifyParams> = {
  name: 'notify',
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      url: { type: 'string', pattern: '^https?://[^\\s]+$', description: 'an http(s) URL' },
      urlEnv: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'an environment variable name' },
      format: { type: 'string', enum: ['slack', 'json'] },
      timeout: DURATION,
      retries: { type: 'integer', minimum: 0, maximum: 10 },
    },
  },
  mutates: false,
  async run(params, ctx): Promise<ActionOutcome> {
    const failed = (reason: string): ActionOutcome => ({ action: 'notify', status: 'failed', reason, objects: [] });
    const url = params.url ?? (params.urlEnv ? process.env[params.urlEnv] : undefined);
    if (!url) return failed(params.urlEnv ? `the environment variable ${params.urlEnv} is not set` : 'notify needs url or urlEnv');
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return failed('the notification URL is not a URL');
    }
    if (target.protocol !== 'https:' && target.protocol !== 'http:') return failed('the notification URL must be http or https');
    // The host only: a Slack webhook's path is its credential.
    const host = target.host;
    // The blast radius at a glance: findings by severity, who reaches the pod, whether its account reaches cluster-admin.
    const posture = ctx.posture?.();
    const text = notificationText(ctx) + (posture ? `\n${postureSummary(posture)}` : '');
    const body = JSON.stringify(params.format === 'json' ? { text, alert: ctx.alert, steps: ctx.previous ?? [], ...(posture ? { posture } : {}) } : { text });
    const timeoutMs = params.timeout ? Math.min(Math.max(goDurationMs(params.timeout), 100), 60_000) : 5000;
    const attempts = 1 + (params.retries ?? 3);
    let last = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (ctx.signal.aborted) return failed(`stopped before ${host} answered`);
      try {
        const res = await fetch(target, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body,
          redirect: 'error',
          signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return { action: 'notify', status: 'done', reason: `notified ${host} (HTTP ${res.status}${attempt > 1 ? `, attempt ${attempt}` : ''})`, objects: [] };
        last = `HTTP ${res.status}`;
        // Another status will not change by asking again.
        if (res.status !== 429 && res.status < 500) break;
      } catch (err) {
        last = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name}`;
      }
      if (attempt < attempts) await sleep(Math.min(BACKOFF_START_MS * 2 ** (attempt - 1), BACKOFF_MAX_MS), ctx.signal);
    }
    return failed(`${host} did not take the notification (${last})`);
  },
};

export interface ApproveParams {
  /** How long the held steps wait for a person. Default: settings.approvalTimeout. */
  timeout?: string;
  /** Shown to the approver. */
  reason?: string;
}

export const approveAction: ActionDefinition<ApproveParams> = {
  name: 'approve',
  params: {
    type: 'object',
    additionalProperties: false,
    properties: { timeout: DURATION, reason: { type: 'string', maxLength: 500 } },
  },
  mutates: false,
  // The engine holds the chain itself; run is what a caller outside the engine would see.
  run: async () => ({ action: 'approve', status: 'held', reason: 'waiting for a person to approve', objects: [] }),
};

export const BUILTIN_ACTIONS: readonly ActionDefinition<any>[] = [notifyAction, approveAction];
