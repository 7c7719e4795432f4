/**
 * The findings as the page's script reads them: one JSON island parsed once, with every repeated
 * string (rule, namespace, kind, file) stored once in a table and referenced by index, so that
 * 100,000 findings stay a few tens of megabytes and the browser builds no DOM row per finding.
 */
import { SEVERITIES, type Finding, type Severity } from '../../core/types.js';
import type { Rule } from '../../engine/rule.js';
import { ruleInfo } from '../rule-info.js';
import { describeSuppression } from '../describe.js';

/** One finding: [severity, rule, namespace, kind, name, file, line, column, message, path, container, suppressed (0/1), detail (-1: none)]. */
export type FindingRow = [number, number, number, number, string, number, number, number, string, string, string, number, number];

export interface RuleEntry {
  id: string;
  title: string;
  severity: Severity;
  category: string;
  remediation: string;
  description: string;
}

/** What few findings carry besides the row: folded related findings, the suppression's reason, other places. */
export interface FindingDetail {
  related?: { rule: string; severity: Severity; message: string; line: number; column: number; path: string }[];
  suppression?: string;
  locations?: { file: string; line: number; column: number; what: string }[];
}

export interface FindingsData {
  severities: readonly Severity[];
  rules: RuleEntry[];
  /** "" is a cluster-scoped object's (no namespace). */
  namespaces: string[];
  kinds: string[];
  files: string[];
  categories: string[];
  findings: FindingRow[];
  details: FindingDetail[];
}

/** Interns strings: each distinct value gets the next index. */
class Table {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();
  of(value: string): number {
    let i = this.index.get(value);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(value);
      this.index.set(value, i);
    }
    return i;
  }
}

const SEVERITY_INDEX = new Map<string, number>(SEVERITIES.map((s, i) => [s, i]));

export function findingsData(findings: readonly Finding[], rules: readonly Rule[]): FindingsData {
  const byId = new Map(rules.map((r) => [r.id, r]));
  const ruleTable = new Map<string, number>();
  const ruleEntries: RuleEntry[] = [];
  const categories = new Table();
  const namespaces = new Table();
  const kinds = new Table();
  const files = new Table();
  const details: FindingDetail[] = [];
  const ruleOf = (f: Finding): number => {
    let i = ruleTable.get(f.rule);
    if (i === undefined) {
      const info = ruleInfo(f.rule, byId, f);
      const category = byId.get(f.rule)?.category ?? 'kshield';
      categories.of(category);
      i = ruleEntries.length;
      ruleEntries.push({ id: info.id, title: info.title, severity: info.severity, category, remediation: info.remediation, description: info.description });
      ruleTable.set(f.rule, i);
    }
    return i;
  };
  const rows: FindingRow[] = findings.map((f) => {
    const detail: FindingDetail = {};
    if (f.related && f.related.length > 0)
      detail.related = f.related.map((r) => ({ rule: r.rule, severity: r.severity, message: r.message, line: r.line, column: r.column, path: r.path }));
    if (f.suppressed) detail.suppression = describeSuppression(f);
    if (f.locations && f.locations.length > 0) detail.locations = f.locations.map((l) => ({ file: l.file, line: l.line, column: l.column ?? 0, what: l.what }));
    let detailIndex = -1;
    if (detail.related || detail.suppression || detail.locations) {
      detailIndex = details.length;
      details.push(detail);
    }
    return [
      SEVERITY_INDEX.get(f.severity) ?? SEVERITIES.length - 1,
      ruleOf(f),
      namespaces.of(f.resource.namespace ?? ''),
      kinds.of(f.resource.kind),
      f.resource.name,
      files.of(f.file),
      f.line,
      f.column,
      f.message,
      f.path,
      f.container ?? '',
      f.suppressed ? 1 : 0,
      detailIndex,
    ];
  });
  return { severities: SEVERITIES, rules: ruleEntries, namespaces: namespaces.values, kinds: kinds.values, files: files.values, categories: categories.values, findings: rows, details };
}

/** Unsuppressed findings counted by namespace and category (the heatmap), namespaces by total, most first. */
export interface Heatmap {
  namespaces: string[];
  /** Each row's namespace as findings name it ("" cluster-scoped); undefined for the row of other namespaces. */
  keys: (string | undefined)[];
  categories: string[];
  counts: number[][];
  /** Worst severity index per cell (-1: none), for the colour. */
  worst: number[][];
  /** Namespaces beyond the drawn ones, summed into the last row when there are any. */
  otherNamespaces: number;
}

export const HEATMAP_MAX_NAMESPACES = 30;

export function heatmap(data: FindingsData): Heatmap {
  const cells = new Map<number, Map<number, { n: number; worst: number }>>();
  const catOfRule = data.rules.map((r) => data.categories.indexOf(r.category));
  for (const f of data.findings) {
    if (f[11] === 1) continue;
    let row = cells.get(f[2]);
    if (!row) cells.set(f[2], (row = new Map()));
    const c = catOfRule[f[1]];
    const cell = row.get(c);
    if (cell) {
      cell.n++;
      cell.worst = Math.min(cell.worst, f[0]);
    } else row.set(c, { n: 1, worst: f[0] });
  }
  const total = (m: Map<number, { n: number }>): number => [...m.values()].reduce((s, v) => s + v.n, 0);
  const order = [...cells.entries()].sort((a, b) => total(b[1]) - total(a[1]) || (data.namespaces[a[0]] < data.namespaces[b[0]] ? -1 : 1));
  const usedCats = [...new Set(order.flatMap(([, m]) => [...m.keys()]))].sort((a, b) => (data.categories[a] < data.categories[b] ? -1 : 1));
  const shown = order.slice(0, HEATMAP_MAX_NAMESPACES);
  const rest = order.slice(HEATMAP_MAX_NAMESPACES);
  const rows: { label: string; key: string | undefined; m: Map<number, { n: number; worst: number }> }[] = shown.map(([ns, m]) => ({
    label: data.namespaces[ns] === '' ? '(cluster-scoped)' : data.namespaces[ns],
    key: data.namespaces[ns],
    m,
  }));
  if (rest.length > 0) {
    const merged = new Map<number, { n: number; worst: number }>();
    for (const [, m] of rest)
      for (const [c, v] of m) {
        const cell = merged.get(c);
        if (cell) {
          cell.n += v.n;
          cell.worst = Math.min(cell.worst, v.worst);
        } else merged.set(c, { ...v });
      }
    rows.push({ label: `${rest.length} other namespace(s)`, key: undefined, m: merged });
  }
  return {
    namespaces: rows.map((r) => r.label),
    keys: rows.map((r) => r.key),
    categories: usedCats.map((c) => data.categories[c]),
    counts: rows.map((r) => usedCats.map((c) => r.m.get(c)?.n ?? 0)),
    worst: rows.map((r) => usedCats.map((c) => r.m.get(c)?.worst ?? -1)),
    otherNamespaces: rest.length,
  };
}
