/**
 * Matches as the objects rules judge carry them: each vulnerability of a package becomes an
 * `AttachedVulnerability` pointing at the package's index in the object, so that the rule
 * `vulnerable-package` reports it and the engine's suppressions, exemptions and baselines apply.
 */
import type { AttachedVulnerability, Package } from '../packages/model.js';
import type { MatchResult, VulnerabilityMatch } from './match.js';

export interface Attached {
  vulnerability: AttachedVulnerability;
  match: VulnerabilityMatch;
}

/**
 * The matches of `result` against `packages` (the object's package list, in its order). VEX
 * statements marking a vulnerability not affecting leave it out. `each`: one entry per package a
 * match covers (a lockfile's lines are separate places to fix), else one per match (an image's
 * binary packages built from one source share one fix).
 */
export function attachMatches(result: Pick<MatchResult, 'matches'>, packages: readonly Package[], each: 'package' | 'match'): Attached[] {
  const index = new Map(packages.map((p, i) => [p, i]));
  const out: Attached[] = [];
  for (const m of result.matches) {
    if (m.suppressed) continue;
    const covered = each === 'package' ? m.packages : [m.package];
    for (const pkg of covered) {
      const i = index.get(pkg);
      if (i === undefined) continue;
      out.push({ vulnerability: attachedVulnerability(m, i), match: m });
    }
  }
  return out;
}

function attachedVulnerability(m: VulnerabilityMatch, packageIndex: number): AttachedVulnerability {
  const severity = m.severity?.severity ?? 'info';
  const rating = m.severity?.cvss ? `CVSS ${m.severity.cvss.version} ${m.severity.cvss.score}` : m.severity?.priority ? `${m.severity.priority.source} priority ${m.severity.priority.value}` : undefined;
  return { package: packageIndex, id: m.id, aliases: m.aliases, severity, ...(rating ? { rating } : {}), ...(m.summary ? { summary: m.summary } : {}), ...(m.fixed ? { fixed: m.fixed } : {}), explanation: m.explanation };
}
