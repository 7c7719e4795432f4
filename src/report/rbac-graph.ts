/** The escalation graph of `kshield rbac paths` as text, JSON, Graphviz DOT and Mermaid. */
import type { EscalationGraph, GraphNode } from '../analysis/rbac-paths.js';
import { sanitize } from '../core/text.js';

export function renderPathsTable(graph: EscalationGraph): string {
  const label = new Map(graph.nodes.map((n) => [n.id, sanitize(n.label)]));
  const lines: string[] = [];
  if (graph.paths.length === 0) lines.push('No privilege-escalation path found.');
  for (const p of graph.paths) {
    lines.push(`${label.get(p.from)} reaches ${label.get(p.to)}`);
    lines.push(`  ${label.get(p.nodes[0])}`);
    p.steps.forEach((step, i) => lines.push(`    -> ${label.get(p.nodes[i + 1])}  [${sanitize(step)}]`));
    lines.push('');
  }
  const count = (type: GraphNode['type']) => graph.nodes.filter((n) => n.type === type).length;
  // Goals in the graph that no path reaches are not counted: the summary is about the paths.
  const reached = new Set(graph.paths.map((p) => p.to)).size;
  lines.push(`${graph.paths.length} path(s) to ${reached} goal(s); graph of ${count('identity')} identities, ${count('capability')} capabilities, ${graph.edges.length} edges (-o dot or -o mermaid to draw it).`);
  return lines.join('\n');
}

export function renderPathsJson(graph: EscalationGraph): string {
  return JSON.stringify(graph, null, 2);
}

function dotString(text: string): string {
  return `"${sanitize(text).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const DOT_SHAPE: Record<GraphNode['type'], string> = { identity: 'box', capability: 'ellipse', goal: 'doubleoctagon' };

export function renderPathsDot(graph: EscalationGraph): string {
  const lines = ['digraph rbac_escalation {', '  rankdir=LR;', '  node [fontname="Helvetica"];', '  edge [fontname="Helvetica", fontsize=10];'];
  for (const n of graph.nodes) lines.push(`  ${dotString(n.id)} [label=${dotString(n.label)}, shape=${DOT_SHAPE[n.type]}${n.type === 'goal' ? ', color=red' : ''}];`);
  for (const e of graph.edges) lines.push(`  ${dotString(e.from)} -> ${dotString(e.to)} [label=${dotString(e.label)}];`);
  lines.push('}');
  return lines.join('\n');
}

/** Mermaid labels are quoted; quotes, pipes and angle brackets become entity codes. */
function mermaidText(text: string): string {
  return sanitize(text)
    .replace(/"/g, '#quot;')
    .replace(/\|/g, '#124;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;');
}

export function renderPathsMermaid(graph: EscalationGraph): string {
  const ids = new Map(graph.nodes.map((n, i) => [n.id, `n${i}`]));
  const lines = ['flowchart LR'];
  for (const n of graph.nodes) {
    const text = `"${mermaidText(n.label)}"`;
    const shape = n.type === 'identity' ? `[${text}]` : n.type === 'capability' ? `(${text})` : `{{${text}}}`;
    lines.push(`  ${ids.get(n.id)}${shape}`);
  }
  for (const e of graph.edges) lines.push(`  ${ids.get(e.from)} -->|"${mermaidText(e.label)}"| ${ids.get(e.to)}`);
  const goals = graph.nodes.filter((n) => n.type === 'goal').map((n) => ids.get(n.id));
  if (goals.length > 0) {
    lines.push('  classDef goal fill:#fdd,stroke:#c00;');
    lines.push(`  class ${goals.join(',')} goal;`);
  }
  return lines.join('\n');
}
