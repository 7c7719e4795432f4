/**
 * The dashboard's compliance view: every framework version in frameworks/ judged against one stored
 * scan, as `kshield report --framework` judges a result file (src/compliance/assess.ts), from what
 * the store keeps of it (the `compliance` artifact: the rules that ran, each rule's first findings,
 * the node checks) and the stored attestations of its cluster. A scan stored before the store kept
 * that (schema 3) is "not assessed", never "pass".
 */
import { assessCompliance, type ComplianceInput } from '../compliance/assess.js';
import { loadFrameworks, type Framework } from '../compliance/frameworks.js';
import { redactSecretsInText } from '../core/redact.js';
import type { ComplianceArtifact } from '../store/artifacts.js';
import type { ScanRecord, Store } from '../store/types.js';
import type { ComplianceProvider } from './api.js';

export const NOT_STORED_NOTICE =
  'not assessed: this scan was stored before kshield serve kept what compliance needs (the rules that ran and on how many objects), so no control can pass or fail from it; import the result again, or wait for the next scan';

/** The framework's id in the API: `cis-kubernetes@1.12`. */
export const frameworkId = (f: Pick<Framework, 'framework' | 'version'>): string => `${f.framework}@${f.version}`;

function isArtifact(v: unknown): v is ComplianceArtifact {
  const a = v as ComplianceArtifact;
  return typeof a === 'object' && a !== null && a.format === 1 && Array.isArray(a.findings) && typeof a.counts === 'object' && typeof a.checks === 'object';
}

export async function complianceProvider(dir?: string): Promise<{ provider: ComplianceProvider; errors: string[] }> {
  const { frameworks, errors } = await loadFrameworks(dir);
  const byId = new Map(frameworks.map((f) => [frameworkId(f), f]));
  const provider: ComplianceProvider = {
    frameworks: () => frameworks.map((f) => ({ id: frameworkId(f), title: `${f.title}` })),
    async assess(id: string, scan: ScanRecord, store: Store) {
      const framework = byId.get(id)!;
      const [stored, attestations] = await Promise.all([store.getArtifact(scan.id, 'compliance'), store.listAttestations({ source: scan.source, includeExpired: true })]);
      const artifact = isArtifact(stored) ? stored : undefined;
      const input: ComplianceInput = {
        sources: [{ file: scan.source, command: scan.command === 'cluster' ? 'cluster' : 'scan', summary: `scan ${scan.id} of ${scan.source}, ${scan.resources} objects` }],
        rules: artifact?.rules ?? {},
        findings: artifact?.findings ?? [],
        checks: artifact?.checks ?? {},
      };
      const assessment = assessCompliance(framework, input, { attestations });
      const clean = (t: string): string => redactSecretsInText(t);
      return {
        ...assessment,
        scan: scan.id,
        notice: artifact ? (artifact.rules ? null : 'the result did not list the rules that ran (written by a kshield before rulesRun): only its findings count, no rule passes from it') : NOT_STORED_NOTICE,
        notes: artifact?.notes ?? [],
        /** Per rule: [unsuppressed, suppressed] findings in the scan (the evidence lists the first few). */
        findingCounts: artifact?.counts ?? {},
        controls: assessment.controls.map((c) => ({
          ...c,
          evidence: c.evidence.map((e) => ({
            ...e,
            ...(e.findings ? { findings: e.findings.map((f) => ({ ...f, message: clean(f.message) })) } : {}),
            ...(e.checks ? { checks: e.checks.map((c) => ({ ...c, evidence: clean(c.evidence) })) } : {}),
            ...(e.accepted ? { accepted: e.accepted.map((f) => ({ ...f, message: clean(f.message), suppression: { ...f.suppression, reason: f.suppression.reason === null ? null : clean(f.suppression.reason) } })) } : {}),
          })),
          ...(c.attestation ? { attestation: { ...c.attestation, evidence: clean(c.attestation.evidence) } } : {}),
          ...(c.expiredAttestation ? { expiredAttestation: { ...c.expiredAttestation, evidence: clean(c.expiredAttestation.evidence) } } : {}),
        })),
      };
    },
  };
  return { provider, errors: errors.map((e) => e.message) };
}
