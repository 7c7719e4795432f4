/** What a scan hands its reporters: the report model, and the order findings are listed in. */
import type { Finding, InputError, Note, Resource } from '../core/types.js';
import type { Summary } from '../core/summary.js';
import type { Rule } from '../engine/rule.js';
import type { Evaluation, ExemptionUse } from '../engine/engine.js';
import type { Coverage } from '../sources/cluster.js';

export interface ScanReport {
  version: string;
  findings: Finding[];
  summary: Summary;
  errors: InputError[];
  notes: Note[];
  /** Set by `kshield cluster`: the cluster scanned. */
  cluster?: { server: string; context: string; version: string | null };
  /**
   * Every rule that ran, with how many objects it judged (of the kinds it applies to; 0: the input
   * held none). What a compliance report tells "no finding" from "nothing looked at" with.
   */
  rulesRun?: Record<string, number>;
  /** Set by `kshield cluster`: what was listed and what the identity could not list. */
  coverage?: Coverage;
}

/** The report plus what reporters such as JUnit need and JSON leaves out. */
export interface ScanResult extends ScanReport {
  rules: Rule[];
  evaluations: Evaluation[];
  exemptions: ExemptionUse[];
  resources: Resource[];
}

export function compareFindings(a: Finding, b: Finding): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column || compareResources(a, b) || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0);
}

/** Objects without positions (from the API server) share line 0: they are ordered by namespace, kind and name. */
function compareResources(a: Finding, b: Finding): number {
  if (a.line !== 0) return 0;
  const x = a.resource;
  const y = b.resource;
  const ka = `${x.namespace ?? ''}\u0000${x.kind}\u0000${x.name}`;
  const kb = `${y.namespace ?? ''}\u0000${y.kind}\u0000${y.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

