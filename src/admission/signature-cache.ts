/**
 * Verdicts of image signature verification at admission, cached by image digest and policy
 * version: the signatures attached to a digest change rarely, and verifying them costs several
 * registry round trips and signature checks, which an admission review (with the API server's
 * 10 s timeout, for every pod a Deployment scales to) cannot pay each time.
 *
 * - Bounded: at most `maxEntries` verdicts, the least recently used dropped first (a Map keeps
 *   insertion order; a hit re-inserts its key).
 * - A verified image is remembered for `successTtlMs`; a refusal or an error only for
 *   `failureTtlMs`, so a signature pushed after a refused deploy is seen soon.
 * - Single flight: while one verification of a key runs, every other caller (other reviews, the
 *   other containers of the same pod) waits for it instead of starting its own.
 * - At most `maxConcurrent` verifications run at once, the others wait their turn: a rollout of
 *   many new images cannot open hundreds of registry connections or take every CPU cycle from the
 *   reviews that need none (a review that waits past its deadline is refused as any timeout is).
 */
import { Slots } from '../core/slots.js';


export type CacheOutcome = 'hit' | 'miss' | 'join';

export interface VerificationCacheOptions {
  maxEntries: number;
  successTtlMs: number;
  failureTtlMs: number;
  /** Verifications running at once (default 8). */
  maxConcurrent?: number;
  now?: () => number;
}

export const DEFAULT_MAX_CONCURRENT_VERIFICATIONS = 8;

interface Entry<T> {
  value: T;
  expiresAt: number;
}

export class VerificationCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly inFlight = new Map<string, Promise<T>>();
  private readonly now: () => number;
  private readonly slots: Slots;

  constructor(
    readonly options: VerificationCacheOptions,
    /** Whether a value is a success (kept successTtlMs) or not (kept failureTtlMs). */
    private readonly succeeded: (value: T) => boolean,
  ) {
    this.now = options.now ?? Date.now;
    this.slots = new Slots(Math.max(1, options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT_VERIFICATIONS));
  }

  /** Verifications running now, and waiting for a turn (for /metrics). */
  get load(): { running: number; waiting: number } {
    return { running: this.slots.busy, waiting: this.slots.queued };
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached value of `key` if it has not expired, else the shared result of `compute`; with how it was obtained. */
  async get(key: string, compute: () => Promise<T>): Promise<{ value: T; outcome: CacheOutcome }> {
    const cached = this.entries.get(key);
    if (cached) {
      if (cached.expiresAt > this.now()) {
        // Most recently used goes last; eviction takes from the front.
        this.entries.delete(key);
        this.entries.set(key, cached);
        return { value: cached.value, outcome: 'hit' };
      }
      this.entries.delete(key);
    }
    const pending = this.inFlight.get(key);
    if (pending) return { value: await pending, outcome: 'join' };
    const shared = this.slots
      .run(compute)
      .then((value) => {
        this.remember(key, value);
        return value;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, shared);
    return { value: await shared, outcome: 'miss' };
  }

  private remember(key: string, value: T): void {
    const ttl = this.succeeded(value) ? this.options.successTtlMs : this.options.failureTtlMs;
    if (ttl <= 0 || this.options.maxEntries <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + ttl });
    while (this.entries.size > this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}
