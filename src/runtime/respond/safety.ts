/**
 * The safety parts of `kshield respond`, each a small state machine on an injected clock:
 * the protected list, deduplication (one action of a kind per pod per window), the global rate
 * limit (a token bucket) and the circuit breaker (open after N failures in a row, one trial after
 * the cool-down, closed again by a success).
 */
import { matchesGlob } from '../../core/glob.js';
import type { JsonObject } from '../../core/types.js';

export type RefusalReason =
  | 'protected-namespace'
  | 'protected-pod'
  | 'no-target'
  | 'pod-not-found'
  | 'pod-read-failed'
  | 'dedup'
  | 'rate-limit'
  | 'breaker-open'
  | 'approval-expired'
  | 'approval-rejected'
  | 'too-many-approvals';

/** Why a pod may not be acted on, or undefined. `namespaces` are globs; kube-system and kshield's own namespace are added by the caller. */
export function protectionOf(namespace: string, pod: JsonObject | undefined, protect: { namespaces: readonly string[]; podLabels: Readonly<Record<string, string>> }): { reason: RefusalReason; detail: string } | undefined {
  const hit = protect.namespaces.find((g) => matchesGlob(g, namespace));
  if (hit) return { reason: 'protected-namespace', detail: `namespace ${namespace} is protected${hit !== namespace ? ` (${hit})` : ''}` };
  const labels = ((pod?.metadata as JsonObject | undefined)?.labels ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(protect.podLabels)) {
    if (labels[key] === value) return { reason: 'protected-pod', detail: `the pod is labelled ${key}=${value}` };
  }
  return undefined;
}

/** Remembers what was done to which pod until the window passes; bounded (oldest forgotten first). */
export class Dedup {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries = 50_000,
  ) {}

  /** When `key` was last acted on within the window, or undefined. */
  seen(key: string, now: number): number | undefined {
    const until = this.until.get(key);
    if (until === undefined) return undefined;
    if (until <= now) {
      this.until.delete(key);
      return undefined;
    }
    return until - this.windowMs;
  }

  forget(key: string): void {
    this.until.delete(key);
  }

  record(key: string, now: number): void {
    this.until.delete(key);
    this.until.set(key, now + this.windowMs);
    if (this.until.size > this.maxEntries) {
      for (const [k, until] of this.until) {
        if (this.until.size <= this.maxEntries && until > now) break;
        this.until.delete(k);
      }
    }
  }
}

/** A token bucket: `capacity` actions at once, refilled at capacity per `perMs`. */
export class RateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    private readonly capacity: number,
    private readonly perMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  take(now: number): boolean {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.capacity) / this.perMs);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private trialRunning = false;
  state: BreakerState = 'closed';

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
    private readonly onChange: (state: BreakerState) => void = () => {},
  ) {}

  private set(state: BreakerState): void {
    if (this.state !== state) {
      this.state = state;
      this.onChange(state);
    }
  }

  /** Whether an action may run now; in half-open, only one trial at a time. */
  allow(now: number): boolean {
    if (this.state === 'open' && now - this.openedAt >= this.cooldownMs) this.set('half-open');
    if (this.state === 'closed') return true;
    if (this.state === 'half-open' && !this.trialRunning) {
      this.trialRunning = true;
      return true;
    }
    return false;
  }

  success(): void {
    this.failures = 0;
    this.trialRunning = false;
    this.set('closed');
  }

  failure(now: number): void {
    this.trialRunning = false;
    this.failures++;
    if (this.state === 'half-open' || this.failures >= this.threshold) {
      this.openedAt = now;
      this.set('open');
    }
  }

  /** An allowed action that ended neither way (refused by the action itself): frees the trial. */
  release(): void {
    this.trialRunning = false;
  }
}
