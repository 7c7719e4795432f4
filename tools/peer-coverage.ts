/**
 * The mapping tables of docs/peer-coverage.md, read as data: one row per peer check, with the kshield
 * rules it maps to. test/peer-coverage.test.ts checks the page against the peers' published ids and
 * the catalogue; the rule docs generator (tools/rule-docs.ts) reads the tables in reverse, to list on
 * each rule's page the peer checks that name it. One parser, so the two cannot read the page apart.
 */

/** One row `| Peer | `check-id` | `rule-a`, `rule-b` (or none) | Notes |` of a mapping table. */
export interface PeerCoverageRow {
  peer: string;
  /** The peer's check id, as the peer writes it. */
  id: string;
  /** kshield rule ids the row names, in the order written; empty for "none". */
  rules: string[];
  /** The row says "none": no rule covers the check. */
  none: boolean;
  note: string;
  /** 1-based line of the row in the page, for error messages. */
  line: number;
  /** The `## ` heading the row is under (for links to the section). */
  section: string;
}

const ROW = /^\| ([^|]+?) \| `([^`]+)` \| ([^|]+?) \| ([^|]*?) ?\|$/;

export function parsePeerCoverage(text: string): PeerCoverageRow[] {
  const rows: PeerCoverageRow[] = [];
  let section = '';
  text.split('\n').forEach((line, i) => {
    const heading = /^## (.+?)\s*$/.exec(line);
    if (heading) {
      section = heading[1];
      return;
    }
    const m = ROW.exec(line);
    if (!m) return;
    const cell = m[3].trim();
    const rules = [...cell.matchAll(/`([^`]+)`/g)].map((x) => x[1]);
    rows.push({ peer: m[1].trim(), id: m[2], rules, none: cell === 'none', note: m[4].trim(), line: i + 1, section });
  });
  return rows;
}

/**
 * The anchor GitHub gives a heading: lower case, punctuation other than "-" and "_" dropped, each
 * space a "-" (so "Polaris (44 current checks)" is "polaris-44-current-checks").
 */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/**
 * The sections that speak of a rule in prose rather than in a table row (a rule no peer check maps
 * onto, compared in words: "Service mesh rules"), by rule id, in the order of the page. Only rule ids
 * in `known` count, so a peer's own check names in backticks are not taken for rules.
 */
export function proseSectionsByRule(text: string, known: ReadonlySet<string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let section = '';
  for (const line of text.split('\n')) {
    const heading = /^## (.+?)\s*$/.exec(line);
    if (heading) {
      section = heading[1];
      continue;
    }
    if (line.startsWith('|')) continue;
    for (const m of line.matchAll(/`([a-z0-9-]+)`/g)) {
      if (!known.has(m[1])) continue;
      const list = out.get(m[1]) ?? [];
      if (!list.includes(section)) list.push(section);
      out.set(m[1], list);
    }
  }
  return out;
}
