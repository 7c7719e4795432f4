/**
 * What a stored scan keeps besides its findings, for the dashboard's compliance view and drawings:
 * one JSON body per scan and kind (table `scan_artifacts`, migration 3), each bounded in size.
 *
 * - `compliance`: what src/compliance/assess.ts needs of the result and the store does not hold as
 *   rows: which rules ran and on how many objects (`rulesRun`), the node checks the control-plane
 *   rules read and those of `kshield node`/`probe` results given with the scan, and each rule's findings as the assessment takes them, a few per rule (the store's
 *   findings table holds them all; the count says how many there are).
 * - `analyses`: the RBAC escalation graph and the reachability view of the scanned objects, computed
 *   where the objects were (src/serve/analyses.ts), opaque here but for its size.
 */
import { resultFromJson, ResultFileError } from '../compliance/input.js';
import type { ComplianceFinding, EvidenceCheck } from '../compliance/assess.js';
import { StoreError } from './types.js';

export const ARTIFACT_KINDS = ['compliance', 'analyses'] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

/** Largest JSON body of one artifact: a drawing's data past this is cut by its producer, a larger one refused. */
export const MAX_ARTIFACT_BYTES = 8 * 1024 * 1024;
/** Findings of one rule kept for the compliance view's evidence (unsuppressed, and accepted, each). */
export const COMPLIANCE_FINDINGS_PER_RULE = 20;
/** Node and probe results one import may carry beside its scan. */
export const MAX_EVIDENCE_RESULTS = 50;
/** Check results of one ref kept (one per node or endpoint). */
const CHECKS_PER_REF = 50;

/** The `compliance` artifact. */
export interface ComplianceArtifact {
  format: 1;
  /** undefined: the result did not say which rules ran (written by a kshield before rulesRun). */
  rules?: Record<string, number>;
  /** Per rule, the first findings (unsuppressed first, then accepted), at most COMPLIANCE_FINDINGS_PER_RULE of each. */
  findings: ComplianceFinding[];
  /** Per rule: [unsuppressed, suppressed] findings in the whole result. */
  counts: Record<string, [number, number]>;
  checks: Record<string, EvidenceCheck[]>;
  /** What the result could not say (no rulesRun, --min-severity). */
  notes: string[];
}

/**
 * The compliance artifact of a scan/cluster JSON result (already checked by prepareScan). A result
 * the compliance reader refuses keeps none: its scan is then "not assessed", never "pass".
 */
export function complianceArtifact(result: unknown, source: string, evidence: readonly unknown[] = []): ComplianceArtifact | undefined {
  // Node and probe results given with the scan: read first, so that a wrong one refuses the import.
  const extra: Record<string, EvidenceCheck[]> = {};
  if (evidence.length > MAX_EVIDENCE_RESULTS) throw new StoreError(`the import carries ${evidence.length} node and probe results, at most ${MAX_EVIDENCE_RESULTS}`);
  evidence.forEach((value, i) => {
    let other;
    try {
      other = resultFromJson(value, `evidence[${i}]`);
    } catch (error) {
      if (error instanceof ResultFileError) throw new StoreError(error.message);
      throw error;
    }
    if (other.source.command !== 'node' && other.source.command !== 'probe') throw new StoreError(`evidence[${i}] is a kshield ${other.source.command} result; only kshield node and probe results (-o json) go with a scan`);
    for (const [ref, list] of Object.entries(other.checks)) (extra[ref] ??= []).push(...list);
  });
  let read;
  try {
    read = resultFromJson(result, source);
  } catch (error) {
    if (error instanceof ResultFileError) return undefined;
    throw error;
  }
  for (const [ref, list] of Object.entries(extra)) (read.checks[ref] ??= []).push(...list);
  const counts: Record<string, [number, number]> = {};
  const kept: ComplianceFinding[] = [];
  for (const f of read.findings) {
    const c = (counts[f.rule] ??= [0, 0]);
    const i = f.suppressed ? 1 : 0;
    c[i]++;
    if (c[i] <= COMPLIANCE_FINDINGS_PER_RULE) {
      // Where it was read from is the stored scan itself.
      const { source: _from, ...rest } = f;
      kept.push(rest);
    }
  }
  const checks: Record<string, EvidenceCheck[]> = {};
  for (const [ref, list] of Object.entries(read.checks)) checks[ref] = list.slice(0, CHECKS_PER_REF).map(({ source: _from, ...rest }) => rest);
  return { format: 1, ...(read.rules ? { rules: read.rules } : {}), findings: kept, counts, checks, notes: read.notes.map((n) => n.replace(`${source} `, 'the result ')) };
}

/** The JSON text of an artifact, refused past MAX_ARTIFACT_BYTES. */
export function artifactText(kind: ArtifactKind, body: unknown): string {
  const text = JSON.stringify(body);
  if (text === undefined) throw new StoreError(`the ${kind} of the scan is not JSON`);
  if (Buffer.byteLength(text) > MAX_ARTIFACT_BYTES) throw new StoreError(`the ${kind} of the scan is ${Buffer.byteLength(text)} bytes of JSON, more than the ${MAX_ARTIFACT_BYTES} the store keeps`);
  return text.includes('\\u0000') ? text.replaceAll('\\u0000', '\\ufffd') : text;
}
