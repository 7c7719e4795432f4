/**
 * The compliance view of a scan's `-o html` page: every framework kshield has (the newest version
 * of each; for the Pod Security Standards the scan's --pss-version) judged from the scan's own JSON
 * report, as `kshield report --framework F` judges it, with the attestations of
 * ./kshield-attestations.json (`kshield attest`'s default file) when there is one.
 */
import { assessCompliance, type ComplianceAssessment } from '../compliance/assess.js';
import { readAttestations } from '../compliance/attestations.js';
import { loadFrameworks } from '../compliance/frameworks.js';
import { mergeResults, resultFromJson } from '../compliance/input.js';
import { FRAMEWORK_NAMES, FrameworkChoiceError, selectFramework } from '../compliance/select.js';
import { toJsonReport } from '../report/json.js';
import type { ScanResult } from '../report/scan-report.js';

export const DEFAULT_ATTESTATIONS_FILE = 'kshield-attestations.json';

export async function complianceForHtml(result: ScanResult, options: { pssVersion?: string; what: string }): Promise<ComplianceAssessment[]> {
  const { frameworks, errors } = await loadFrameworks();
  for (const e of errors) process.stderr.write(`kshield: warning: ${e.message}\n`);
  // The JSON report as `kshield report` reads a result file: the same evidence, the same answer.
  const read = resultFromJson(JSON.parse(JSON.stringify(toJsonReport(result))), options.what);
  const { input } = mergeResults([read]);
  let attestations: Awaited<ReturnType<typeof readAttestations>> = [];
  try {
    attestations = await readAttestations(DEFAULT_ATTESTATIONS_FILE);
  } catch (e) {
    process.stderr.write(`kshield: warning: attestations not counted in the HTML report: ${(e as Error).message}\n`);
  }
  const out: ComplianceAssessment[] = [];
  for (const name of [...new Set(Object.values(FRAMEWORK_NAMES))]) {
    try {
      out.push(assessCompliance(selectFramework(frameworks, name, name === 'pss' ? options.pssVersion : undefined), input, { attestations }));
    } catch (e) {
      if (!(e instanceof FrameworkChoiceError)) throw e;
      process.stderr.write(`kshield: warning: ${name} not assessed in the HTML report: ${e.message}\n`);
    }
  }
  return out;
}
