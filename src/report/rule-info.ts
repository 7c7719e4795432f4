/**
 * What reports say about a rule besides its findings (title, description, remediation,
 * references): from the scan's rules, or for findings kshield makes itself outside the catalogue
 * (an expired exemption) from the table here. SARIF's rule descriptors and the JSON report's rules
 * table are built from it.
 */
import type { Finding, RelatedFinding } from '../core/types.js';
import type { Rule } from '../engine/rule.js';
import { EXPIRED_EXEMPTION_RULE } from '../engine/engine.js';

export type RuleInfo = Pick<Rule, 'id' | 'title' | 'description' | 'remediation' | 'references' | 'tags' | 'severity'> & {
  category?: string;
  frameworks?: Record<string, string[]>;
  /** False for kshield's own findings, which have no page in docs/rules/. */
  documented: boolean;
};

/** Findings kshield makes itself, outside the rule catalogue, still need a rule descriptor. */
const BUILT_IN_RULES: Record<string, RuleInfo> = {
  [EXPIRED_EXEMPTION_RULE]: {
    id: EXPIRED_EXEMPTION_RULE,
    title: 'Expired exemption',
    description: 'An exemption in the kshield configuration is past its expiry date, so it no longer suppresses the findings it covered.',
    remediation: 'Fix the findings the exemption covered, or renew it with a new expiry date and a reason.',
    references: [],
    tags: ['configuration'],
    severity: 'medium',
    documented: false,
  },
};

/** The information on a rule some finding names: the scan's rule, else a built-in, else what the finding itself carries. */
export function ruleInfo(id: string, rules: ReadonlyMap<string, Rule>, finding: Finding | RelatedFinding): RuleInfo {
  const rule = rules.get(id);
  if (rule) return { ...rule, documented: true };
  return BUILT_IN_RULES[id] ?? { id, title: id, description: id, remediation: finding.remediation, references: [], tags: [], severity: finding.severity, documented: false };
}

/** Each rule id the findings name (related findings included) with the first finding naming it, in the findings' order. */
export function rulesNamed(findings: readonly Finding[]): Map<string, Finding | RelatedFinding> {
  const named = new Map<string, Finding | RelatedFinding>();
  for (const f of findings) {
    if (!named.has(f.rule)) named.set(f.rule, f);
    for (const r of f.related ?? []) if (!named.has(r.rule)) named.set(r.rule, r);
  }
  return named;
}
