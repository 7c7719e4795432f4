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
