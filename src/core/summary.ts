import type { Finding, Severity } from './types.js';
import { SEVERITIES } from './types.js';

export interface Summary {
  /** Unsuppressed findings per severity (a finding with related findings folded into it counts once). */
  bySeverity: Record<Severity, number>;
  /** Unsuppressed findings per rule id (by the rule of the finding kept, not of those folded into it). */
  byRule: Record<string, number>;
  /** Unsuppressed findings folded into the ones counted above as related (same object, same cause). */
  related: number;
  suppressed: number;
  resources: number;
  files: number;
  /** Set when reports leave out findings below a severity (`--min-severity`): that severity. */
  minSeverity?: Severity;
  /** With minSeverity: unsuppressed findings below it, left out of the report (and of the counts above). */
  hidden?: number;
}

export function summarize(findings: readonly Finding[], resources: number, files: number): Summary {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byRule: Record<string, number> = {};
  let suppressed = 0;
  let related = 0;
  for (const f of findings) {
    if (f.suppressed) {
      suppressed++;
      continue;
    }
    bySeverity[f.severity]++;
    byRule[f.rule] = (byRule[f.rule] ?? 0) + 1;
    related += f.related?.length ?? 0;
  }
  return { bySeverity, byRule, related, suppressed, resources, files };
}
