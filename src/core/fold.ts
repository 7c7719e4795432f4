/**
 * One cause, one finding. A `*` in an RBAC rule makes a dozen rules fire (every verb, every
 * resource, Secrets, pods/exec, impersonation, ...), an egress rule without peers makes two: the
 * fix is one edit, so counting them as a dozen findings says nothing about how much is wrong.
 *
 * The rule: findings are folded when they are on the same object, their rules name the same cause
 * (`Violation.cause`: the field responsible, such as `/rules/0` or `/spec/volumes/1`), and they
 * have the same suppression (all unsuppressed, or suppressed by the same annotation, exemption or
 * baseline). A finding without a cause is never folded. The most severe finding of a group is
 * kept (ties: the rule listed first in the catalogue, as `kshield rules` lists them); the others
 * become its `related` entries, each with its own rule, severity, message, position and
 * fingerprint. Folding happens after suppressions and baselines were applied, so:
 *
 * - a suppressed finding never hides an unsuppressed one, nor the reverse;
 * - the kept finding is the most severe, so `--fail-on` and exit codes are unchanged;
 * - every fingerprint stays as it was: a baseline written before folding still matches each
 *   finding, and a baseline written now records the related findings' fingerprints too;
 * - `--only`/`--skip` act first: only the selected rules' findings are folded.
 */
import type { Finding, RelatedFinding } from './types.js';
import { severityRank } from './types.js';

/** The position of each rule id in the catalogue (unknown ids come last). */
export type RuleOrder = ReadonlyMap<string, number>;

function groupKey(f: Finding): string {
  const r = f.resource;
  const s = f.suppression;
  const suppression = f.suppressed ? `${s?.kind ?? ''}\u0000${s?.reason ?? ''}\u0000${s?.owner ?? ''}` : '';
  return `${f.file}\u0000${r.apiVersion}\u0000${r.kind}\u0000${r.namespace ?? ''}\u0000${r.name}\u0000${f.cause}\u0000${f.suppressed}\u0000${suppression}`;
}

function rank(order: RuleOrder, rule: string): number {
  return order.get(rule) ?? Number.MAX_SAFE_INTEGER;
}

/** Most severe first; then catalogue order; then position, so the choice never depends on input order. */
function primaryOrder(order: RuleOrder): (a: Finding, b: Finding) => number {
  return (a, b) =>
    severityRank(b.severity) - severityRank(a.severity) ||
    rank(order, a.rule) - rank(order, b.rule) ||
    (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) ||
    (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0);
}

function toRelated(f: Finding): RelatedFinding {
  const related: RelatedFinding = {
    rule: f.rule,
    severity: f.severity,
    message: f.message,
    line: f.line,
    column: f.column,
    path: f.path,
    remediation: f.remediation,
    fingerprint: f.fingerprint,
  };
  if (f.container !== undefined) related.container = f.container;
  return related;
}

/**
 * Folds findings that share a cause (see the module comment). Returns a new list in the input
 * order, holding each group's kept finding (a copy, with `related`) where it stood; findings that
 * were not folded are the same objects. The input is not modified.
 */
export function foldFindings(findings: readonly Finding[], order: RuleOrder): Finding[] {
  const groups = new Map<string, Finding[]>();
  let shared = false;
  for (const f of findings) {
    if (f.cause === undefined) continue;
    const key = groupKey(f);
    const group = groups.get(key);
    if (group) {
      group.push(f);
      shared = true;
    } else groups.set(key, [f]);
  }
  if (!shared) return [...findings];
  const compare = primaryOrder(order);
  const kept = new Map<Finding, Finding>();
  const folded = new Set<Finding>();
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    group.sort(compare);
    const [primary, ...rest] = group;
    const related: RelatedFinding[] = [...(primary.related ?? [])];
    for (const f of rest) {
      related.push(toRelated(f));
      // A finding folded earlier brings its own related findings along.
      for (const r of f.related ?? []) related.push(r);
      folded.add(f);
    }
    related.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || rank(order, a.rule) - rank(order, b.rule) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    kept.set(primary, { ...primary, related });
  }
  const out: Finding[] = [];
  for (const f of findings) {
    if (folded.has(f)) continue;
    out.push(kept.get(f) ?? f);
  }
  return out;
}

/**
 * Each finding followed by its related findings as findings of their own (same object, file and
 * suppression): for the views that list every rule that fired, such as JUnit's test cases and the
 * baseline file.
 */
export function* withRelated(findings: readonly Finding[]): Generator<{ finding: Finding; foldedInto?: Finding }> {
  for (const f of findings) {
    yield { finding: f };
    for (const r of f.related ?? []) {
      const { related: _related, cause: _cause, ...base } = f;
      const finding: Finding = { ...base, ...r, container: r.container };
      yield { finding, foldedInto: f };
    }
  }
}
