/**
 * `kshield respond --report-to URL`: respond's audit lines of alerts (its actions, refusals and
 * posture lines) sent to a `kshield serve` dashboard as they are written (POST URL/api/runtime), with
 * the bearer token of `--report-token-file`.
 *
 * It must never slow the handling of an alert: a line is only put in a bounded queue (the oldest are
 * dropped, and counted, when the dashboard cannot keep up), and a timer sends what is queued in
 * batches, one request at a time, each with a deadline. A dashboard that is down or refuses costs
 * nothing but those lines; the failure is reported through `onProblem` (at most once a minute).
 */
import http from 'node:http';
import https from 'node:https';
import { dashboardEndpoint, PushError } from './push.js';

export interface RuntimePushOptions {
  url: string;
  token?: string;
  /** PEM CA bundle the dashboard's certificate is checked against. */
  ca?: string;
  /** The cluster's name in the dashboard. */
  source: string;
  /** Lines kept waiting at most (default 1000); past it the oldest go. */
  maxQueue?: number;
  /** Lines a request carries at most (default 200). */
  batch?: number;
  /** How often the queue is sent (default 1 s). */
  intervalMs?: number;
  /** Deadline of one request (default 10 s). */
  timeoutMs?: number;
  /** A sentence saying what went wrong (never the token), at most once a minute. */
  onProblem?: (message: string) => void;
}

/** The endpoint a --report-to URL means: the server's root or its /api/runtime. */
export function runtimeEndpoint(base: string): URL {
  return dashboardEndpoint(base, '/api/runtime');
}

/** Whether a log line is one the dashboard stores: an action, refusal or posture line of an alert. */
function isAlertLine(line: string): boolean {
  return line.includes('"kshield.respond"') && /"event":"(action|refusal|posture)"/.test(line);
}

export class RuntimePusher {
  private readonly url: URL;
  private readonly queue: string[] = [];
  private readonly timer: NodeJS.Timeout;
  private inFlight: Promise<void> | undefined;
  private lastProblem = 0;
  /** Lines sent and stored, lines dropped (queue full or refused), requests that failed. */
  readonly stats = { sent: 0, dropped: 0, failed: 0 };

  constructor(private readonly options: RuntimePushOptions) {
    this.url = runtimeEndpoint(options.url);
    this.timer = setInterval(() => void this.flush(), options.intervalMs ?? 1000);
    this.timer.unref();
  }

  /** A stream pino can write to (pino.multistream): takes respond's lines, keeps the alerts' ones. */
  readonly stream = {
    write: (chunk: string): void => {
      for (const line of chunk.split('\n')) if (line && isAlertLine(line)) this.offer(line);
    },
  };

  /** Queues one audit line (JSON text); never waits. */
  offer(line: string): void {
    const max = this.options.maxQueue ?? 1000;
    this.queue.push(line);
    while (this.queue.length > max) {
      this.queue.shift();
      this.stats.dropped++;
    }
    if (this.queue.length >= (this.options.batch ?? 200)) void this.flush();
  }

  /** Sends what is queued, one batch after another (one request at a time). */
  flush(): Promise<void> {
    if (this.inFlight || this.queue.length === 0) return this.inFlight ?? Promise.resolve();
    this.inFlight = (async () => {
      try {
        while (this.queue.length > 0) {
          const batch = this.queue.splice(0, this.options.batch ?? 200);
          try {
            await this.send(batch);
            this.stats.sent += batch.length;
          } catch (error) {
            this.stats.failed++;
            if ((error as { permanent?: boolean }).permanent) {
              // The dashboard will never take these lines (they are not what it stores): sending them again would block the rest.
              this.stats.dropped += batch.length;
              this.problem(`--report-to: ${(error as Error).message}; ${batch.length} alert lines dropped`);
              continue;
            }
            // The lines go back in front (bounded by the queue's cap): sent again at the next tick.
            this.queue.unshift(...batch);
            const max = this.options.maxQueue ?? 1000;
            while (this.queue.length > max) {
              this.queue.shift();
              this.stats.dropped++;
            }
            this.problem(`--report-to: ${(error as Error).message}; ${this.queue.length} alert lines waiting, ${this.stats.dropped} dropped so far`);
            return;
          }
        }
      } finally {
        this.inFlight = undefined;
      }
    })();
    return this.inFlight;
  }

  /** Stops the timer and sends what is left, waiting at most `ms`. */
  async close(ms = 5000): Promise<void> {
    clearInterval(this.timer);
    await Promise.race([this.flush(), new Promise((r) => setTimeout(r, ms).unref())]);
  }

  private problem(message: string): void {
    const now = Date.now();
    if (now - this.lastProblem < 60_000) return;
    this.lastProblem = now;
    this.options.onProblem?.(message);
  }

  private send(lines: string[]): Promise<void> {
    const where = `${this.url.protocol}//${this.url.host}`;
    const body = `{"kshieldRuntime":1,"source":${JSON.stringify(this.options.source)},"lines":[${lines.join(',')}]}`;
    const client = this.url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = client.request(
        this.url,
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': Buffer.byteLength(body), ...(this.options.token ? { Authorization: `Bearer ${this.options.token}` } : {}) },
          ...(this.options.ca ? { ca: this.options.ca } : {}),
          timeout: this.options.timeoutMs ?? 10_000,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            if (text.length < 4096) text += c;
          });
          res.on('end', () => {
            if (res.statusCode === 200 || res.statusCode === 201) return resolve();
            let said = '';
            try {
              const parsed = JSON.parse(text) as { error?: unknown };
              if (typeof parsed.error === 'string') said = `: ${parsed.error.slice(0, 200)}`;
            } catch {
              // not JSON: the status says enough
            }
            if (res.statusCode === 401) reject(new PushError(`${where} refused the alerts (HTTP 401${said}); ${this.options.token ? 'the token in --report-token-file is not one it accepts' : 'give its token with --report-token-file'}`));
            else {
              const error = new PushError(`${where} did not store the alerts (HTTP ${res.statusCode}${said})`);
              if (res.statusCode === 400 || res.statusCode === 413) Object.assign(error, { permanent: true });
              reject(error);
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('no answer in time')));
      req.on('error', (error: NodeJS.ErrnoException) => reject(new PushError(`cannot reach ${where}${error.code ? ` (${error.code})` : ''}${error.code === 'ECONNREFUSED' ? ': nothing listens there; is kshield serve running?' : `: ${error.message}`}`)));
      req.end(body);
    });
  }
}
