/**
 * The report of `kshield verify`: the image, one line per signature or attestation with the reason
 * it failed, and whether the policy is satisfied; as a table, JSON, or SARIF (one result per
 * failure and per unmet demand of the policy). Messages quote what signed payloads say, which
 * anyone who can push to the registry writes: the table prints them sanitized.
 */
import type { Discovery } from '../signatures/discover.js';
import { isAttestationResult, type Verdict } from '../signatures/verifiers.js';
import type { SignatureFailure, SignatureResult, SignedSubject } from '../signatures/types.js';
import { sanitize } from '../core/text.js';
import { INFORMATION_URI, SARIF_SCHEMA_URI, TOOL_NAME } from './sarif.js';

export interface VerifyReport {
  /** The image verified; its manifest's bytes are not part of a report. */
  subject: Omit<SignedSubject, 'manifest'>;
  /** The policy as applied: keys by source and fingerprint (never their content). */
  policy: { require: 'any' | 'all'; keys: { source: string; fingerprint: string }[]; attestations: string[]; provenance: { builders: string[]; sources: string[] } };
  referrers: Discovery['referrers'];
  /** Where signatures were looked for, when not beside the image (--signature-repository, COSIGN_REPOSITORY). */
  signatureRepository?: string;
  artifacts: number;
  skipped: number;
  results: SignatureResult[];
  satisfied: boolean;
  reasons: string[];
}

export function buildVerifyReport(subject: SignedSubject, policy: VerifyReport['policy'], discovery: Discovery, results: SignatureResult[], verdict: Verdict, signatureRepository?: string): VerifyReport {
  const { manifest: _bytes, ...named } = subject;
  return { subject: named, policy, referrers: discovery.referrers, ...(signatureRepository ? { signatureRepository } : {}), artifacts: discovery.artifacts.length, skipped: discovery.skipped, results, satisfied: verdict.satisfied, reasons: verdict.reasons };
}

const REFERRERS: Record<Discovery['referrers'], string> = { api: 'referrers API', 'tag-schema': 'referrers tag schema (the registry has no referrers API)', none: 'none (the registry has no referrers API, and no referrers tag names this image)' };

export function renderVerifyTable(report: VerifyReport, color: boolean): string {
  const paint = (code: string, text: string): string => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const lines = [`Image: ${sanitize(report.subject.reference)}`, `Digest: ${report.subject.digest}`, ...(report.signatureRepository ? [`Signatures looked for in: ${sanitize(report.signatureRepository)} (not beside the image)`] : []), `Artifacts: ${report.artifacts} read; referrers: ${REFERRERS[report.referrers]}${report.skipped ? `; ${report.skipped} more not read (limit)` : ''}`, ''];
  const reasonWidth = Math.max(0, ...report.results.map((r) => (r.failure ?? '').length));
  for (const r of report.results) {
    const status = r.verified ? paint('32', 'OK  ') : paint('31', 'FAIL');
    const kind = isAttestationResult(r) ? 'attestation' : 'signature  ';
    lines.push(`${status}  ${(r.failure ?? '').padEnd(reasonWidth)}  ${r.format}  ${kind}  ${sanitize(r.message)}`.replace(/ +$/, ''));
  }
  lines.push('');
  if (report.satisfied) lines.push(paint('32', `Policy satisfied (require ${report.policy.require}${report.policy.attestations.length ? `, attestations: ${report.policy.attestations.join(', ')}` : ''})`));
  else {
    lines.push(paint('31', 'Policy NOT satisfied:'));
    for (const reason of report.reasons) lines.push(`  - ${sanitize(reason)}`);
  }
  return lines.join('\n') + '\n';
}

export function renderVerifyJson(report: VerifyReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}

const HELP: Record<SignatureFailure | 'policy', string> = {
  'no-signature': 'Sign the image (cosign sign --key cosign.key IMAGE@DIGEST) and push the signature to the same repository.',
  'wrong-key': 'Verify with the key the image was signed with, or sign the image with a key the policy trusts.',
  'digest-mismatch': 'The signature is for another image: sign this image digest, not only its tag.',
  'tampered-payload': 'The signed content was changed after signing: do not trust this image; sign it again from a trusted build.',
  'untrusted-chain': 'The signing certificate does not lead to a trusted root.',
  'identity-mismatch': 'The signer is not one the policy allows.',
  expired: 'The signature or its certificate was not valid at signing time.',
  'unsupported-envelope': 'The signature is in a form kshield does not verify.',
  'transparency-log': 'The transparency-log entry or timestamp does not verify.',
  attestation: 'Attach the required attestation, produced by an allowed builder from an allowed source.',
  registry: 'The registry could not be read: check access and credentials, then run again.',
  policy: 'The image does not meet the signature policy.',
};

export function renderVerifySarif(report: VerifyReport, version: string): string {
  const failures: { id: string; text: string; artifact?: string }[] = [
    ...report.results.filter((r) => !r.verified).map((r) => ({ id: `signature-${r.failure ?? 'unsupported-envelope'}`, text: r.message, ...(r.artifact ? { artifact: r.artifact } : {}) })),
    ...report.reasons.map((reason) => ({ id: 'signature-policy', text: reason })),
  ];
  const ids = [...new Set(failures.map((f) => f.id))].sort();
  const rules = ids.map((id) => ({ id, shortDescription: { text: id.replace(/-/g, ' ') }, help: { text: HELP[id.replace(/^signature-/, '') as SignatureFailure | 'policy'] ?? HELP.policy }, defaultConfiguration: { level: 'error' } }));
  const results = failures.map((f) => ({
    ruleId: f.id,
    ruleIndex: ids.indexOf(f.id),
    level: 'error',
    message: { text: f.text },
    locations: [{ physicalLocation: { artifactLocation: { uri: encodeURI(report.subject.reference) } } }],
    properties: { image: report.subject.reference, manifestDigest: report.subject.digest, ...(f.artifact ? { artifact: f.artifact } : {}) },
  }));
  return JSON.stringify({ $schema: SARIF_SCHEMA_URI, version: '2.1.0', runs: [{ tool: { driver: { name: TOOL_NAME, version, informationUri: INFORMATION_URI, rules } }, results }] }, null, 2) + '\n';
}
