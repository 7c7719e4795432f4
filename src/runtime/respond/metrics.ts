/** `kshield respond`'s /metrics: Prometheus text through the webhook's hand-written families. */
import { Counter, Gauge } from '../../admission/metrics.js';
import type { BreakerState } from './safety.js';

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, open: 1, 'half-open': 2 };

export class RespondMetrics {
  readonly alerts = new Counter('kshield_respond_alerts_total', 'Alerts received and decoded, by source and rule.', ['source', 'rule']);
  readonly actions = new Counter('kshield_respond_actions_total', 'Policy steps run, by action and status (done, dry-run, skipped, refused, failed, held).', ['action', 'status']);
  readonly refusals = new Counter('kshield_respond_refusals_total', 'Steps refused before they ran, by reason (protected-namespace, protected-pod, dedup, rate-limit, breaker-open, no-target, pod-not-found, …).', ['reason']);
  readonly badRequests = new Counter('kshield_respond_bad_requests_total', 'Requests refused before any alert was decoded, by HTTP status.', ['code']);
  readonly breaker = new Gauge('kshield_respond_breaker_state', 'Circuit breaker of the cluster actions: 0 closed, 1 open (actions refused), 2 half-open (one trial).', []);
  readonly pendingApprovals = new Gauge('kshield_respond_pending_approvals', 'Chains held until a person approves.', []);

  constructor() {
    this.breaker.set({}, 0);
    this.pendingApprovals.set({}, 0);
  }

  setBreaker(state: BreakerState): void {
    this.breaker.set({}, BREAKER_VALUE[state]);
  }

  render(): string {
    const out: string[] = [];
    for (const family of [this.alerts, this.actions, this.refusals, this.badRequests, this.breaker, this.pendingApprovals]) family.render(out);
    return out.join('\n') + '\n';
  }
}
