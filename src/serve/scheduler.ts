/**
 * `kshield serve --interval 10m`: the cluster scanned now and then every interval, each result
 * stored. One scan at a time: a tick that comes while a scan is still running is skipped (and
 * counted), so a slow cluster never piles scans up. A failed scan is logged and the next tick tries
 * again; the last outcome is what the overview shows.
 */
export interface ScanOutcome {
  at: string;
  ok: boolean;
  /** The stored scan's id, or why the scan failed. */
  scanId?: number;
  error?: string;
  ms: number;
}

export class PeriodicScanner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ScanOutcome> | undefined;
  private last: ScanOutcome | undefined;
  private skipped = 0;
  private nextAt: number | undefined;

  constructor(
    private readonly intervalMs: number,
    /** Scans and stores; resolves with the stored scan's id. */
    private readonly scanAndStore: () => Promise<number>,
    private readonly log: (line: string) => void,
    private readonly source: string,
  ) {}

  start(): void {
    void this.scanNow();
    this.schedule();
  }

  private schedule(): void {
    this.nextAt = Date.now() + this.intervalMs;
    this.timer = setTimeout(() => {
      if (this.running) this.skipped++;
      else void this.scanNow();
      this.schedule();
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Scans now unless a scan is running (then waits for that one). */
  scanNow(): Promise<ScanOutcome> {
    if (this.running) return this.running;
    const started = Date.now();
    this.running = this.scanAndStore()
      .then((scanId) => ({ at: new Date(started).toISOString(), ok: true, scanId, ms: Date.now() - started }))
      .catch((error: Error) => {
        this.log(`scan of ${this.source} failed: ${error.message}`);
        return { at: new Date(started).toISOString(), ok: false, error: error.message, ms: Date.now() - started };
      })
      .then((outcome: ScanOutcome) => {
        this.last = outcome;
        this.running = undefined;
        if (outcome.ok) this.log(`scanned ${this.source}: scan ${outcome.scanId} stored in ${outcome.ms} ms`);
        return outcome;
      });
    return this.running;
  }

  describe(): { source: string; intervalSeconds: number; running: boolean; last: ScanOutcome | null; next: string | null; skipped: number } {
    return {
      source: this.source,
      intervalSeconds: Math.round(this.intervalMs / 1000),
      running: this.running !== undefined,
      last: this.last ?? null,
      next: this.nextAt ? new Date(this.nextAt).toISOString() : null,
      skipped: this.skipped,
    };
  }

  /** Stops the timer and waits for a running scan to end. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
