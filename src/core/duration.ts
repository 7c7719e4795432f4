/**
 * Durations as Go writes them ("90s", "1m30s", "500ms", "4h0m0s"), the form Kubernetes flags and
 * kshield's own --timeout options take. One grammar for both, so a value means the same wherever
 * it is written.
 */

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration: a sequence of number+unit, "0" alone, an optional sign; milliseconds, NaN when not a duration. */
export function goDurationMs(text: string): number {
  const m = /^([-+]?)(.*)$/.exec(text)!;
  const body = m[2];
  if (body === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0;
  let end = 0;
  for (let part = re.exec(body); part; part = re.exec(body)) {
    total += Number(part[1]) * UNIT_MS[part[2]];
    end = re.lastIndex;
  }
  if (end === 0 || end !== body.length) return NaN;
  return m[1] === '-' ? -total : total;
}

/** "5s", "800ms", "1m30s", "1h", "1.5s": the shortest Go-style text for a positive number of milliseconds. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Number(ms.toFixed(3))}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = Number(((ms % 60_000) / 1000).toFixed(3));
  return `${hours ? `${hours}h` : ''}${minutes ? `${minutes}m` : ''}${seconds ? `${seconds}s` : ''}`;
}
