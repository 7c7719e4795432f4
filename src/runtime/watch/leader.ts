/**
 * Leader election through a `coordination.k8s.io/v1` Lease, as client-go's leaderelection package
 * does it (client-node has no leader election):
 *
 * - a candidate reads the Lease; it may take it when nobody holds it, when it holds it already, or
 *   when the record has not changed for `leaseDuration` — measured on the candidate's own clock
 *   from the moment it first saw that record, so clocks need not agree between replicas;
 * - taking or renewing is an update carrying the resourceVersion read (optimistic concurrency:
 *   of two candidates, one gets 409 Conflict); a new holder sets `acquireTime` and increments
 *   `leaseTransitions`; the holder renews `renewTime` every `retryPeriod`;
 * - a leader that could not renew for `renewDeadline` (< leaseDuration) stops acting as leader
 *   before anyone else may take over; on a clean stop it releases the Lease (holder emptied,
 *   duration 1 s) so a standby takes over at its next try instead of waiting the duration out.
 *
 * A standby therefore takes over within leaseDuration + retryPeriod of the leader's last renewal.
 */
import type { JsonObject } from '../../core/types.js';
import { isObject } from '../../core/values.js';
import type { ApiClient } from './api.js';
import { sleep } from './reflector.js';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  onChange: (leader: boolean) => void;
  onError?: (message: string) => void;
  now?: () => number;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** MicroTime: RFC 3339 with exactly six fractional digits, as the API server parses it. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  leader = false;
  /** Who holds the Lease, as last read. */
  holder: string | undefined;
  private observed: string | undefined;
  private observedAt = 0;
  private lastRenew = 0;
  private transitions = 0;

  constructor(
    private readonly api: ApiClient,
    private readonly options: LeaderElectionOptions,
  ) {
    if (!(options.renewDeadlineMs < options.leaseDurationMs)) throw new Error('the renew deadline must be shorter than the lease duration');
    if (!(options.retryPeriodMs < options.renewDeadlineMs)) throw new Error('the retry period must be shorter than the renew deadline');
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.options.namespace)}/leases`;
  }

  /** Tries until `signal` aborts; releases the Lease on the way out when it holds it. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let ok = false;
      try {
        ok = await this.tryAcquireOrRenew();
      } catch (err) {
        this.options.onError?.(String((err as Error)?.message ?? err).split('\n')[0]);
      }
      if (ok) this.lastRenew = this.now();
      const stillLeader = ok || (this.leader && this.now() - this.lastRenew < this.options.renewDeadlineMs);
      this.set(stillLeader);
      await sleep(this.jittered(), signal);
    }
    if (this.leader) await this.release().catch(() => undefined);
    this.set(false);
  }

  /** A standby retries at retryPeriod with up to 20% more, so candidates do not collide in step (client-go's JitterFactor 1.2). */
  private jittered(): number {
    return this.leader ? this.options.retryPeriodMs : Math.round(this.options.retryPeriodMs * (1 + Math.random() * 0.2));
  }

  private set(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    this.options.onChange(leader);
  }

  /** One attempt; true when this candidate holds the Lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.now();
    const me = this.options.identity;
    const durationSeconds = Math.max(1, Math.round(this.options.leaseDurationMs / 1000));
    const got = await this.api.request('GET', `${this.path}/${encodeURIComponent(this.options.name)}`);
    if (got.status === 404) {
      const spec: LeaseSpec = { holderIdentity: me, leaseDurationSeconds: durationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 };
      const created = await this.api.request('POST', this.path, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.options.name, namespace: this.options.namespace }, spec });
      if (created.status === 201 || created.status === 200) return this.took(spec, now);
      if (created.status === 409) return false;
      throw new Error(`creating Lease ${this.options.namespace}/${this.options.name}: HTTP ${created.status}${messageOf(created.body)}`);
    }
    if (got.status !== 200 || !got.body) throw new Error(`reading Lease ${this.options.namespace}/${this.options.name}: HTTP ${got.status}${messageOf(got.body)}`);
    const lease = got.body;
    const spec: LeaseSpec = isObject(lease.spec) ? (lease.spec as LeaseSpec) : {};
    const record = JSON.stringify([spec.holderIdentity ?? '', spec.renewTime ?? '', spec.leaseDurationSeconds ?? 0, spec.leaseTransitions ?? 0]);
    if (record !== this.observed) {
      this.observed = record;
      this.observedAt = now;
    }
    this.holder = spec.holderIdentity || undefined;
    const held = spec.holderIdentity !== undefined && spec.holderIdentity !== '';
    const duration = (typeof spec.leaseDurationSeconds === 'number' ? spec.leaseDurationSeconds : durationSeconds) * 1000;
    if (held && spec.holderIdentity !== me && this.observedAt + duration > now) return false;
    const mine = spec.holderIdentity === me;
    const next: LeaseSpec = {
      holderIdentity: me,
      leaseDurationSeconds: durationSeconds,
      acquireTime: mine && spec.acquireTime ? spec.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
    };
    const updated = await this.api.request('PUT', `${this.path}/${encodeURIComponent(this.options.name)}`, { ...lease, spec: next });
    if (updated.status === 200) return this.took(next, now);
    if (updated.status === 409) return false;
    throw new Error(`updating Lease ${this.options.namespace}/${this.options.name}: HTTP ${updated.status}${messageOf(updated.body)}`);
  }

  private took(spec: LeaseSpec, now: number): boolean {
    this.observed = JSON.stringify([spec.holderIdentity ?? '', spec.renewTime ?? '', spec.leaseDurationSeconds ?? 0, spec.leaseTransitions ?? 0]);
    this.observedAt = now;
    this.holder = spec.holderIdentity;
    this.transitions = spec.leaseTransitions ?? 0;
    return true;
  }

  /** Empties the holder so that a standby need not wait out the duration. */
  async release(): Promise<void> {
    const got = await this.api.request('GET', `${this.path}/${encodeURIComponent(this.options.name)}`);
    if (got.status !== 200 || !got.body) return;
    const spec: LeaseSpec = isObject(got.body.spec) ? (got.body.spec as LeaseSpec) : {};
    if (spec.holderIdentity !== this.options.identity) return;
    const now = microTime(this.now());
    const released: JsonObject = { ...got.body, spec: { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: spec.leaseTransitions ?? this.transitions } };
    await this.api.request('PUT', `${this.path}/${encodeURIComponent(this.options.name)}`, released);
  }
}

function messageOf(body: JsonObject | undefined): string {
  return typeof body?.message === 'string' ? `: ${body.message.split('\n')[0]}` : '';
}
