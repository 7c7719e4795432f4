/** The compliance assessment the HTML report draws: src/compliance/assess.ts's (ROUND5 contract 1). */
export type { ComplianceAssessment, ControlResult, ControlStatus, EvidenceItem, SectionScore, Attestation } from '../../compliance/assess.js';
