/**
 * The dashboard's compliance view: every framework version in frameworks/ judged against one stored
 * scan, as `kshield report --framework` judges a result file (src/compliance/assess.ts), from what
 * the store keeps of it (the `compliance` artifact: the rules that ran, each rule's first findings,
 * the node checks) and the stored attestations of its cluster. A scan stored before the store kept
 * that (schema 3) is "not assessed", never "pass".
 */
import { assessCompliance, type ComplianceInput } from '../compliance/assess.js';
import { loadFrameworks, type Framework } from '../compliance/frameworks.js';
import { checkAttestationText, controlKey, parseExpiry, refuseAttestation, resolveControl } from '../compliance/attestations.js';
import { redactSecretsInText } from '../core/redact.js';
import type { ComplianceArtifact } from '../store/artifacts.js';
import type { Attestation, ScanRecord, Store } from '../store/types.js';
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
  provider.attestation = (body, identity, now) => attestationRequest(frameworks, body, identity, now);
  provider.attestedControl = (body) => revokeRequest(frameworks, body);
  return { provider, errors: errors.map((e) => e.message) };
}

/** `POST /api/attestations/revoke`: `{control, framework?, frameworkVersion?, source?}`. */
export function revokeRequest(frameworks: readonly Framework[], body: unknown): { control: string; source: string | null } {
  const b = fields(body, ['control', 'framework', 'frameworkVersion', 'source'], '{control, framework?, frameworkVersion?, source?}');
  const control = b.text('control');
  if (!control) throw new Error('control: the control whose attestations to revoke is required');
  const { framework, control: found } = resolveControl(frameworks, control, b.text('framework'), b.text('frameworkVersion'));
  return { control: controlKey(framework, found.id), source: b.source() };
}

/** A request body's string fields, unknown ones refused by name. */
function fields(body: unknown, names: readonly string[], shape: string): { text(name: string): string | undefined; source(): string | null } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error(`send an object: ${shape}`);
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !names.includes(k));
  if (unknown.length > 0) throw new Error(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.slice(0, 5).map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}: ${names.join(', ')}`);
  const text = (name: string): string | undefined => {
    const v = b[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw new Error(`${name} must be a string`);
    return v;
  };
  return {
    text,
    source() {
      const source = text('source') ?? null;
      if (source !== null && !SOURCE.test(source)) throw new Error('source must be a cluster name as the dashboard shows it (printable, at most 253 characters), or absent for every cluster');
      return source;
    },
  };
}

const SOURCE = /^[\x21-\x7e](?:[\x20-\x7e]{0,251}[\x21-\x7e])?$/;

/**
 * `POST /api/attestations`: `{control, framework?, frameworkVersion?, status?, by?, evidence, expires,
 * source?}`, read as `kshield attest CONTROL --framework … --by … --evidence … --expires …` reads its
 * flags, with the same refusals; `by` is the signed-in identity unless given.
 */
export function attestationRequest(frameworks: readonly Framework[], body: unknown, identity: string, now: Date): { attestation: Attestation; source: string | null } {
  const b = fields(body, ['control', 'framework', 'frameworkVersion', 'status', 'by', 'evidence', 'expires', 'source'], '{control, evidence, expires, by?, status?, framework?, frameworkVersion?, source?}');
  const text = b.text;
  const control = text('control');
  if (!control) throw new Error('control: the control to attest is required (5.1.7 with framework cis, or cis@2.0:5.1.7)');
  const status = text('status') ?? 'pass';
  if (status !== 'pass' && status !== 'fail') throw new Error('status must be pass or fail');
  const source = b.source();
  const { framework, control: found } = resolveControl(frameworks, control, text('framework'), text('frameworkVersion'));
  const refused = refuseAttestation(found);
  if (refused) throw new Error(refused);
  const checked = checkAttestationText(text('by') ?? identity, text('evidence'));
  const expiresGiven = text('expires');
  if (!expiresGiven) throw new Error('expires: when the answer must be reviewed again is required: a date (2026-12-31) or a duration (90d, 12w, 1y)');
  const expires = parseExpiry(expiresGiven, now);
  return {
    attestation: { control: controlKey(framework, found.id), status, by: checked.by, evidence: checked.evidence, at: now.toISOString(), expires: expires.toISOString() },
    source,
  };
}
