/**
 * Watches files for a change of content: the configuration and the TLS certificate and key.
 *
 * Kubernetes updates a mounted ConfigMap or Secret by writing a new directory and swapping a
 * `..data` symlink, so the watched path's own inode never changes and an fs.watch on the file
 * sees nothing: the directory is watched instead, and every event re-reads the files. fs.watch
 * is not available on every filesystem (and drops events under load), so the files are also
 * polled. Both only schedule a check; a check compares content hashes, so a touch, a rename or a
 * burst of events (a certificate and its key written one after the other) make at most one
 * reload after the writes settle.
 */
import { createHash } from 'node:crypto';
import { watch, promises as fs, type FSWatcher } from 'node:fs';
import path from 'node:path';

export interface WatchOptions {
  /** Quiet time after the last event before the files are read. Default 300 ms. */
  debounceMs?: number;
  /** Poll interval. Default 5 s. */
  pollMs?: number;
  onError?: (message: string) => void;
}

export interface FileWatch {
  stop(): void;
  /** Reads the files now and reports a change at once (tests, SIGHUP). */
  check(): Promise<void>;
}

async function digest(files: readonly string[]): Promise<string> {
  const h = createHash('sha256');
  for (const f of files) {
    try {
      h.update(await fs.readFile(f));
    } catch (err) {
      h.update(`\u0000missing:${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    h.update('\u0000');
  }
  return h.digest('hex');
}

/** Calls `onChange` whenever the combined content of `files` changes (not for the content they have now). */
export function watchFiles(files: readonly string[], onChange: () => void | Promise<void>, options: WatchOptions = {}): FileWatch {
  const debounceMs = options.debounceMs ?? 300;
  let last: string | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  const ready = digest(files).then((d) => {
    last = d;
  });

  const check = async (): Promise<void> => {
    await ready;
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        const now = await digest(files);
        if (stopped || now === last) continue;
        last = now;
        try {
          await onChange();
        } catch (err) {
          options.onError?.(String((err as Error)?.message ?? err));
        }
      } while (again && !stopped);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  const schedule = (): void => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => void check(), debounceMs);
    timer.unref();
  };

  const watchers: FSWatcher[] = [];
  for (const dir of new Set(files.map((f) => path.dirname(path.resolve(f))))) {
    try {
      const w = watch(dir, { persistent: false }, schedule);
      w.on('error', (err) => options.onError?.(`watching ${dir} failed (${(err as NodeJS.ErrnoException).code ?? err.message}); polling only`));
      watchers.push(w);
    } catch (err) {
      options.onError?.(`cannot watch ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); polling only`);
    }
  }
  // Not debounced: a poll shorter than the debounce would otherwise postpone the check forever.
  const poll = setInterval(() => void check(), options.pollMs ?? 5000);
  poll.unref();

  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      clearInterval(poll);
      for (const w of watchers) w.close();
    },
    check,
  };
}
