import type { Finding, Severity } from './types.js';
import { SEVERITIES } from './types.js';

export interface Summary {
  /** Unsuppressed findings per severity. */
  bySeverity: Record<Severity, number>;
  /** Unsuppressed findings per rule id. */
  byRule: Record<string, number>;
  suppressed: number;
  resources: number;
  files: number;
}

export function summarize(findings: readonly Finding[], resources: number, files: number): Summary {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byRule: Record<string, number> = {};
  let suppressed = 0;
  for (const f of findings) {
    if (f.suppressed) {
      suppressed++;
      continue;
    }
    bySeverity[f.severity]++;
    byRule[f.rule] = (byRule[f.rule] ?? 0) + 1;
  }
  return { bySeverity, byRule, suppressed, resources, files };
}
