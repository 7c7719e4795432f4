import { UsageError } from './errors.js';

/** "30s", "500ms", "2m" or plain seconds, as milliseconds; out of 1ms..1h is a usage error naming the flag. */
export function parseDuration(value: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!m) throw new UsageError(`${flag}: expected a duration such as 30s, 500ms or 2m, got "${value}"`);
  const n = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000);
  if (n < 1 || n > 3_600_000) throw new UsageError(`${flag}: must be between 1ms and 1h, got "${value}"`);
  return Math.round(n);
}
