/**
 * The compliance assessment the HTML report draws: the contract of src/compliance/assess.ts
 * (ROUND5 contract 1). Kept here until that module is on this branch; then these become re-exports.
 */
import type { Severity } from '../../core/types.js';

export type ControlStatus = 'pass' | 'fail' | 'manual' | 'not-assessed';
export interface EvidenceItem {
  ref: string;
  status: 'pass' | 'fail' | 'not-assessed';
  findings?: { rule: string; severity: Severity; message: string; object?: string; file?: string; line?: number }[];
}
export interface Attestation {
  control: string;
  status: 'pass' | 'fail';
  by: string;
  evidence: string;
  at: string;
  expires: string;
}
export interface ControlResult {
  id: string;
  title: string;
  section: string;
  assessment: 'automated' | 'manual';
  status: ControlStatus;
  evidence: EvidenceItem[];
  guidance?: string;
  attestation?: Attestation;
}
export interface SectionScore {
  id: string;
  title: string;
  pass: number;
  fail: number;
  manual: number;
  notAssessed: number;
  score: number | null;
}
export interface ComplianceAssessment {
  framework: string;
  version: string;
  title: string;
  controls: ControlResult[];
  sections: SectionScore[];
  overall: SectionScore;
  formula: string;
}
