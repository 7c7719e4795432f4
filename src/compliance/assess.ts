/**
 * Judges the controls of one framework version (src/compliance/frameworks.ts) against what kshield's
 * results say: the rules that ran and their findings (`scan`, `cluster`, `image`), and the node and
 * probe checks (`node`, `probe`). Pure: the results are read into a ComplianceInput by
 * src/compliance/input.ts; the attestations come from src/compliance/attestations.ts. What each
 * status means and how scores are computed is in docs/compliance.md ("Statuses", "Scores").
 *
 * Per evidence ref of a control:
 * - `rule:<id>`: `fail` when an unsuppressed finding of the rule is in the input (a finding hidden by
 *   the baseline counts too: a baseline is debt recorded, not a decision); `pass` when the rule ran
 *   and judged at least one object of the kinds it applies to, with no such finding; otherwise
 *   `not-assessed` (the rule did not run, or the input held nothing it judges: a scan of Deployments
 *   says nothing about RBAC rules). Findings suppressed by an annotation, a comment or an exemption
 *   are accepted risk: they do not fail the control, and are listed with the control (`accepted`).
 * - `node:<id>`, `probe:<component>:<id>`: `fail` when any node or endpoint failed the check; `pass`
 *   when it appears in the input and every occurrence passed; otherwise `not-assessed` (not in the
 *   input, or `warn`/`manual`: the check could not tell).
 *
 * Per control: `fail` if any evidence failed; `pass` only if every evidence ref was examined and
 * none failed; `not-assessed` otherwise (some or all evidence unseen; never `pass`). Manual
 * controls are `manual` unless a valid attestation answers them (its status then); an expired one
 * stops counting and is reported as `expiredAttestation`.
 *
 * A benchmark check read in two places (`node:4.2.1` from the kubelet's configuration,
 * `probe:kubelet:4.2.1` from the network) counts once: examined when either source examined it,
 * failed when either failed.
 *
 * The control-plane rules read the same flags as the node checks (the static pod manifest, through
 * the API's mirror pod): input.ts turns their findings into node check results (`node:1.2.16` failed
 * on mirror pod kube-apiserver-cp-1), so in a control that lists node checks a control-plane rule ref
 * stands for those checks and is satisfied by them, from either source.
 */
import type { Severity } from '../core/types.js';
import { SEVERITIES } from '../core/types.js';
import type { Control, Framework } from './frameworks.js';

export type ControlStatus = 'pass' | 'fail' | 'manual' | 'not-assessed';
export type EvidenceStatus = 'pass' | 'fail' | 'not-assessed';

export interface EvidenceFinding {
  rule: string;
  severity: Severity;
  message: string;
  /** `Kind namespace/name` (or `Kind name`). */
  object?: string;
  file?: string;
  line?: number;
  /** The result file it was read from. */
  source?: string;
}

/** A node or probe check result behind an evidence ref. */
export interface EvidenceCheck {
  status: 'pass' | 'fail' | 'warn' | 'manual';
  title: string;
  evidence: string;
  /** The node (its root), the endpoint, or the mirror pod it was judged on. */
  where: string;
  source?: string;
}

export interface EvidenceItem {
  ref: string /* rule:<id> | node:<id> | probe:etcd:<id> | probe:kubelet:<id> */;
  status: EvidenceStatus;
  /** For `fail`: the unsuppressed findings behind it. */
  findings?: EvidenceFinding[];
  /** For node and probe refs: each result of the check in the input. */
  checks?: EvidenceCheck[];
  /** Findings suppressed by annotation, comment or exemption: accepted risk, shown, not failing. */
  accepted?: (EvidenceFinding & { suppression: { kind: string; reason: string | null; owner: string | null } })[];
  /** Why it is `not-assessed`, or how it passed ("judged 12 objects", "2 nodes"). */
  detail?: string;
}

export interface Attestation {
  control: string /* framework@version:controlId or controlId */;
  status: 'pass' | 'fail';
  by: string;
  evidence: string;
  at: string /* ISO */;
  expires: string /* ISO */;
}

export interface ControlResult {
  id: string;
  title: string;
  section: string;
  assessment: 'automated' | 'manual';
  status: ControlStatus;
  evidence: EvidenceItem[];
  guidance?: string;
  /** The valid attestation that decided the status. */
  attestation?: Attestation;
  /** The newest attestation of the control that expired: it no longer counts. */
  expiredAttestation?: Attestation;
  /** One line on why the control has its status. */
  reason: string;
}

export interface SectionScore {
  id: string;
  title: string;
  pass: number;
  fail: number;
  manual: number;
  notAssessed: number;
  /** Controls of the section. */
  total: number;
  /** pass and fail that come from attestations (included in pass and fail). */
  attested: number;
  /** pass / (pass + fail + manual), 0..100 rounded to one decimal; null when that is 0 / 0. */
  score: number | null;
  /** (pass + fail + manual) / total: the share of the section the score speaks for, 0..100. */
  coverage: number;
}

export interface ComplianceAssessment {
  framework: string;
  version: string;
  title: string;
  source: string;
  /** ISO time the assessment was made (attestations are judged at this time). */
  at: string;
  /** The results it was made from. */
  inputs: ComplianceInput['sources'];
  controls: ControlResult[];
  sections: SectionScore[];
  overall: SectionScore;
  formula: string;
}

/** One result file read (see input.ts). */
export interface ComplianceSource {
  file: string;
  command: 'scan' | 'cluster' | 'node' | 'probe' | 'image';
  /** "142 objects in 12 files", "node under /", "etcd at 10.0.0.1:2379". */
  summary: string;
}

export interface ComplianceFinding extends EvidenceFinding {
  suppressed: boolean;
  suppression?: { kind: 'annotation' | 'comment' | 'exemption' | 'baseline'; reason: string | null; owner: string | null } | null;
}

/**
 * What the JSON results of scan / cluster / node / probe / image say, merged:
 * - `rules`: rule id → how many objects of the kinds it judges the input held (0: it ran, on nothing
 *   it judges). A rule not listed did not run (not selected, disabled, or a command that runs no rules).
 * - `findings`: every finding of those rules, suppressed ones included (marked).
 * - `checks`: node and probe check results by ref (`node:1.2.1`, `probe:etcd:2.1`), one entry per
 *   node or endpoint; control-plane flags judged on mirror pods by `cluster` appear here as node refs.
 */
export interface ComplianceInput {
  sources: ComplianceSource[];
  rules: Record<string, number>;
  findings: ComplianceFinding[];
  checks: Record<string, EvidenceCheck[]>;
}

export const SCORE_FORMULA =
  'score = pass / (pass + fail + manual), per section and overall, over controls: pass and fail include manual controls answered by a valid attestation; ' +
  'manual counts manual controls with no valid attestation (unanswered, against the score); not-assessed controls are left out of the score and shown as ' +
  'coverage = (pass + fail + manual) / total. No denominator: no score.';

/** Rules whose findings name the CIS check id of a control-plane flag (`fails CIS 1.2.16 ...`): see input.ts. */
export const CONTROL_PLANE_RULES: ReadonlySet<string> = new Set(['control-plane-insecure-flag', 'control-plane-open-access']);

export function emptyComplianceInput(): ComplianceInput {
  return { sources: [], rules: {}, findings: [], checks: {} };
}

/** "cis-kubernetes@1.12:5.1.3" or "5.1.3": whether an attestation names this control of this framework version. */
export function attestationNames(a: Pick<Attestation, 'control'>, framework: Pick<Framework, 'framework' | 'version'>, controlId: string): boolean {
  const at = a.control.indexOf(':');
  const scoped = /^[a-z0-9-]+@[^:]+:/.test(a.control);
  if (!scoped) return a.control === controlId;
  const [name, version] = a.control.slice(0, at).split('@');
  return name === framework.framework && version === framework.version && a.control.slice(at + 1) === controlId;
}

interface Indexed {
  findingsByRule: Map<string, ComplianceFinding[]>;
}

function indexInput(input: ComplianceInput): Indexed {
  const findingsByRule = new Map<string, ComplianceFinding[]>();
  for (const f of input.findings) {
    const list = findingsByRule.get(f.rule);
    if (list) list.push(f);
    else findingsByRule.set(f.rule, [f]);
  }
  return { findingsByRule };
}

const plain = (f: ComplianceFinding): EvidenceFinding => {
  const out: EvidenceFinding = { rule: f.rule, severity: f.severity, message: f.message };
  if (f.object !== undefined) out.object = f.object;
  if (f.file !== undefined) out.file = f.file;
  if (f.line !== undefined && f.line > 0) out.line = f.line;
  if (f.source !== undefined) out.source = f.source;
  return out;
};

/** `fails CIS 1.2.16 "..."` in a control-plane rule's message: the node check it is. */
export function controlPlaneCheckId(message: string): string | undefined {
  return /\bfails CIS ([0-9][0-9a-z.-]*)\b/.exec(message)?.[1];
}

function ruleEvidence(ref: string, rule: string, control: Control, input: ComplianceInput, index: Indexed): EvidenceItem {
  let findings = index.findingsByRule.get(rule) ?? [];
  if (CONTROL_PLANE_RULES.has(rule)) {
    // One finding per CIS check: it evidences the control that lists that check, not every control
    // the rule is listed under (a --profiling finding does not fail "no static token file").
    const nodeIds = new Set((control.evidence ?? []).filter((e) => e.startsWith('node:')).map((e) => e.slice(5)));
    if (nodeIds.size > 0) findings = findings.filter((f) => { const id = controlPlaneCheckId(f.message); return id === undefined || nodeIds.has(id); });
  }
  const failing = findings.filter((f) => !f.suppressed || f.suppression?.kind === 'baseline');
  const accepted = findings
    .filter((f) => f.suppressed && f.suppression?.kind !== 'baseline')
    .map((f) => ({ ...plain(f), suppression: { kind: f.suppression?.kind ?? 'annotation', reason: f.suppression?.reason ?? null, owner: f.suppression?.owner ?? null } }));
  const judged = input.rules[rule];
  const item: EvidenceItem = { ref, status: 'not-assessed' };
  if (failing.length > 0) {
    item.status = 'fail';
    item.findings = failing.map(plain);
    item.detail = `${failing.length} finding${failing.length === 1 ? '' : 's'}`;
  } else if (judged !== undefined && judged > 0) {
    item.status = 'pass';
    item.detail = `judged ${judged} object${judged === 1 ? '' : 's'}, no finding`;
  } else if (judged === 0) item.detail = 'the rule ran, but the input held no object it judges';
  else if (Object.keys(input.rules).length > 0) item.detail = 'the rule did not run: it is off by default or was not selected (kshield explain it)';
  else item.detail = 'no scan, cluster or image result in the input';
  if (accepted.length > 0) {
    item.accepted = accepted;
    // A rule whose only findings are accepted did judge objects, even where the count is unknown.
    if (item.status === 'not-assessed') {
      item.status = 'pass';
      item.detail = `${accepted.length} accepted finding${accepted.length === 1 ? '' : 's'}`;
    }
  }
  return item;
}

function checkEvidence(ref: string, input: ComplianceInput): EvidenceItem {
  const command = ref.startsWith('node:') ? 'node' : 'probe';
  const given = input.sources.some((s) => s.command === command) || (command === 'node' && input.sources.some((s) => s.command === 'cluster'));
  const checks = input.checks[ref] ?? [];
  const item: EvidenceItem = { ref, status: 'not-assessed' };
  if (checks.length > 0) item.checks = checks;
  const failed = checks.filter((c) => c.status === 'fail').length;
  const passed = checks.filter((c) => c.status === 'pass').length;
  if (failed > 0) {
    item.status = 'fail';
    item.detail = `failed on ${failed} of ${checks.length}`;
  } else if (checks.length > 0 && passed === checks.length) {
    item.status = 'pass';
    item.detail = checks.length === 1 ? `passed on ${checks[0].where}` : `passed on all ${checks.length}`;
  } else if (checks.length === 0)
    item.detail = given ? `not among the checks of the kshield ${command} results given (not applicable to what was checked)` : `no kshield ${command} result in the input`;
  else item.detail = `could not tell on ${checks.length - passed} of ${checks.length} (warn or manual)`;
  return item;
}

function evidenceItem(ref: string, control: Control, input: ComplianceInput, index: Indexed): EvidenceItem {
  if (ref.startsWith('rule:')) return ruleEvidence(ref, ref.slice(5), control, input, index);
  return checkEvidence(ref, input);
}

function validAt(a: Attestation, now: Date): boolean {
  const expires = Date.parse(a.expires);
  return Number.isFinite(expires) && expires > now.getTime();
}

function judgeControl(framework: Framework, control: Control, input: ComplianceInput, index: Indexed, attestations: readonly Attestation[], now: Date): ControlResult {
  const refs = control.evidence ?? [];
  const evidence = refs.map((ref) => evidenceItem(ref, control, input, index));
  const result: ControlResult = {
    id: control.id,
    title: control.title,
    section: control.section,
    assessment: control.assessment,
    status: 'not-assessed',
    evidence,
    reason: '',
  };
  if (control.guidance) result.guidance = control.guidance;
  const mine = attestations.filter((a) => attestationNames(a, framework, control.id)).sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  // The newest answer made supersedes the older ones (docs/report.md): when it expires, the control
  // needs a person again, and an older answer it replaced does not come back.
  const current = mine.find((a) => Date.parse(a.at) <= now.getTime());
  const valid = current && validAt(current, now) ? current : undefined;
  const expired = current && !validAt(current, now) ? current : mine.find((a) => !validAt(a, now));
  if (expired && (!valid || Date.parse(expired.at) > Date.parse(valid.at))) result.expiredAttestation = expired;

  if (control.assessment === 'manual' || refs.length === 0) {
    // Manual controls, and automated ones kshield has no check for, are decided by a person.
    if (valid) {
      result.status = valid.status;
      result.attestation = valid;
      result.reason = `attested ${valid.status} by ${valid.by} until ${valid.expires.slice(0, 10)}`;
    } else if (control.assessment === 'manual') {
      result.status = 'manual';
      result.reason = result.expiredAttestation ? `attestation expired ${result.expiredAttestation.expires.slice(0, 10)}` : 'a person decides (kshield attest)';
    } else {
      result.status = 'not-assessed';
      result.reason = result.expiredAttestation ? `no kshield check; attestation expired ${result.expiredAttestation.expires.slice(0, 10)}` : 'kshield has no check for this control';
    }
    return result;
  }

  // A control-plane rule next to node checks stands for those checks read through the API (input.ts
  // turns its findings into node check results); the node refs decide, from either source.
  const hasNode = refs.some((r) => r.startsWith('node:'));
  const deciding = evidence.filter((e) => !(hasNode && e.ref.startsWith('rule:') && CONTROL_PLANE_RULES.has(e.ref.slice(5))));
  // One benchmark check read in two places (node:4.2.1 from the kubelet's configuration,
  // probe:kubelet:4.2.1 from the network) is one piece of evidence: either source examines it.
  const groups = new Map<string, EvidenceItem[]>();
  for (const e of deciding) {
    const key = e.ref.startsWith('rule:') ? e.ref : `check:${e.ref.slice(e.ref.lastIndexOf(':') + 1)}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  const failed = evidence.filter((e) => e.status === 'fail');
  const seen = [...groups.values()].filter((g) => g.some((e) => e.status !== 'not-assessed')).length;
  if (failed.length > 0) {
    result.status = 'fail';
    result.reason = `failed: ${failed.map((e) => e.ref).join(', ')}`;
  } else if (seen === groups.size) {
    result.status = 'pass';
    result.reason = groups.size === 1 ? `${deciding.find((e) => e.status === 'pass')?.ref ?? deciding[0].ref} passed` : `all ${groups.size} checks passed`;
  } else {
    result.status = 'not-assessed';
    result.reason = seen === 0 ? `none of its checks ran on the input: ${deciding[0].ref}: ${deciding[0].detail ?? ''}${deciding.length > 1 ? ` (and ${deciding.length - 1} more)` : ''}` : `${seen} of ${groups.size} checks ran and passed; the others did not run (${[...groups.values()].filter((g) => g.every((e) => e.status === 'not-assessed')).map((g) => g.map((e) => e.ref).join(' or ')).slice(0, 3).join(', ')})`;
  }
  return result;
}

function score(id: string, title: string, controls: readonly ControlResult[]): SectionScore {
  const count = (s: ControlStatus): number => controls.filter((c) => c.status === s).length;
  const pass = count('pass');
  const fail = count('fail');
  const manual = count('manual');
  const notAssessed = count('not-assessed');
  const attested = controls.filter((c) => c.attestation !== undefined).length;
  const denominator = pass + fail + manual;
  const round = (x: number): number => Math.round(x * 1000) / 10;
  return {
    id,
    title,
    pass,
    fail,
    manual,
    notAssessed,
    total: controls.length,
    attested,
    score: denominator === 0 ? null : round(pass / denominator),
    coverage: controls.length === 0 ? 0 : round(denominator / controls.length),
  };
}

export function assessCompliance(framework: Framework, input: ComplianceInput, options: { attestations?: readonly Attestation[]; now?: Date } = {}): ComplianceAssessment {
  const now = options.now ?? new Date();
  const index = indexInput(input);
  const attestations = options.attestations ?? [];
  const controls = framework.controls.map((c) => judgeControl(framework, c, input, index, attestations, now));
  const sections = framework.sections.map((s) => score(s.id, s.title, controls.filter((c) => c.section === s.id)));
  return {
    framework: framework.framework,
    version: framework.version,
    title: framework.title,
    source: framework.source,
    at: now.toISOString(),
    inputs: input.sources,
    controls,
    sections,
    overall: score('overall', 'Overall', controls),
    formula: SCORE_FORMULA,
  };
}

/** Highest severity first, for showing a control's findings. */
export function compareEvidenceFindings(a: EvidenceFinding, b: EvidenceFinding): number {
  return SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0);
}
