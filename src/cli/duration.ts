import { formatDuration, goDurationMs } from '../core/duration.js';
import { UsageError } from '../core/errors.js';

const MIN_MS = 1;
const MAX_MS = 3_600_000;

/**
 * A duration option: Go's form ("30s", "500ms", "2m", "1m30s", "1h") or a plain number of seconds,
 * between 1ms and 1h. Anything that is a duration but out of range gets the range message, whatever its unit.
 */
export function parseDurationOption(value: string, flag: string, limits: { minMs: number; maxMs: number } = { minMs: MIN_MS, maxMs: MAX_MS }): { ms: number; text: string } {
  const trimmed = value.trim();
  const ms = /^\d+(?:\.\d+)?$/.test(trimmed) ? Number(trimmed) * 1000 : goDurationMs(trimmed);
  if (Number.isNaN(ms)) throw new UsageError(`${flag}: expected a duration such as 30s, 500ms or 2m, got "${value}"`);
  if (ms < limits.minMs || ms > limits.maxMs) throw new UsageError(`${flag}: must be between ${formatDuration(limits.minMs)} and ${formatDuration(limits.maxMs)}, got "${value}"`);
  const rounded = Math.round(ms);
  return { ms: rounded, text: formatDuration(rounded) };
}

/** The option's value in milliseconds (see parseDurationOption). */
export function parseDuration(value: string, flag: string, limits?: { minMs: number; maxMs: number }): number {
  return parseDurationOption(value, flag, limits).ms;
}
