/**
 * A log destination that gathers lines and writes them in batches, always synchronously and in
 * order, never blocking: a batch goes out when it reaches `batchBytes`, or `flushMs` after its first
 * line, or when the process exits. A write the descriptor cannot take now (a full pipe: EAGAIN) keeps
 * the rest for the next flush; past `bufferLimit` bytes waiting, new lines are dropped and counted.
 *
 * Why not an asynchronous writer (pino's sonic-boom with sync: false): a write in flight on the
 * thread pool when the process exits races the synchronous flush of what is still buffered, so the
 * last lines could land out of order; and one asynchronous write per line cost the webhook a thread
 * pool round trip per review. Synchronous batches cost one system call per batch and nothing in flight.
 */
import { writeSync } from 'node:fs';

export interface BatchedWriterOptions {
  fd: number;
  batchBytes: number;
  flushMs: number;
  bufferLimit: number;
}

export class BatchedWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly dropListeners: ((lines: number) => void)[] = [];
  private readonly onExit = (): void => this.flush();

  constructor(private readonly options: BatchedWriterOptions) {
    process.once('exit', this.onExit);
  }

  /** Called by pino with one serialised line (or several). */
  write(chunk: string): boolean {
    const bytes = Buffer.from(chunk, 'utf8');
    if (this.pendingBytes + bytes.length > this.options.bufferLimit) {
      // Try once to make room before giving the line up.
      this.flush();
      if (this.pendingBytes + bytes.length > this.options.bufferLimit) {
        const lines = countLines(chunk);
        for (const listener of this.dropListeners) listener(lines);
        return true;
      }
    }
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= this.options.batchBytes) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, this.options.flushMs);
      this.timer.unref();
    }
    return true;
  }

  /** Listener gets the number of lines each time lines are dropped. */
  onDrop(listener: (lines: number) => void): void {
    this.dropListeners.push(listener);
  }

  /** Writes what is waiting, as far as the descriptor takes it now. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pendingBytes === 0) return;
    let data = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    while (data.length > 0) {
      let written: number;
      try {
        written = writeSync(this.options.fd, data);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') break;
        // The reader is gone (EPIPE) or the descriptor is unusable: nothing can be written any more.
        data = Buffer.alloc(0);
        break;
      }
      data = data.subarray(written);
    }
    if (data.length > 0) {
      this.pending.push(Buffer.from(data));
      this.pendingBytes = data.length;
      if (!this.timer) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.flush();
        }, this.options.flushMs);
        this.timer.unref();
      }
    }
  }

  /** Flushes and stops listening for the process's exit. */
  end(): void {
    this.flush();
    process.removeListener('exit', this.onExit);
  }
}

function countLines(text: string): number {
  let lines = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
  return Math.max(1, lines);
}
