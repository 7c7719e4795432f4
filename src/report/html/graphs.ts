/**
 * The RBAC escalation graph and the reachability map, drawn as SVG when the report is written.
 * Both are bounded so they stay readable: the RBAC drawing shows only the paths to full control
 * of the cluster (cluster-admin or its equivalent), the map only what crosses a namespace or the
 * cluster's edge, namespaces past a limit merged into one node. What is left out is counted.
 */
import type { EscalationGraph, EscalationPath } from '../../analysis/rbac-paths.js';
import type { NetpolModel, Reachability } from '../../analysis/netpol.js';
import { clip, escapeHtml } from './escape.js';

/** The goal node of buildEscalationGraph that stands for cluster-admin (or system:masters, or `*` on everything cluster-wide). */
export const CLUSTER_ADMIN_GOAL = 'goal:cluster-admin';
export const MAX_DRAWN_PATHS = 40;
export const MAX_LISTED_PATHS = 200;

export interface RbacView {
  graph: EscalationGraph;
}

const NODE_W = 230;
const NODE_H = 34;
const GAP_X = 90;
const GAP_Y = 14;

/** The escalation section: a drawing of the paths to cluster-admin and the list of them with each step's reason. */
export function rbacSection(graph: EscalationGraph | undefined): string {
  if (!graph) return '<p class="muted">Not analysed: this report was made without the objects (RBAC escalation needs the scanned Roles, bindings and workloads).</p>';
  const toAdmin = graph.paths.filter((p) => p.to === CLUSTER_ADMIN_GOAL);
  const others = graph.paths.length - toAdmin.length;
  const summary =
    `<p>${toAdmin.length} path(s) to full control of the cluster` +
    (others > 0 ? `; ${others} path(s) to lesser goals (a namespace, the nodes, every Secret) are not drawn: <code>kshield rbac paths</code> lists them` : '') +
    '.</p>';
  if (toAdmin.length === 0) return summary;
  const drawn = toAdmin.slice(0, MAX_DRAWN_PATHS);
  const label = new Map(graph.nodes.map((n) => [n.id, n]));
  const svg = drawPaths(drawn, graph);
  const more = toAdmin.length > drawn.length ? `<p class="muted">Drawn: the first ${drawn.length} of ${toAdmin.length} paths.</p>` : '';
  const listed = toAdmin.slice(0, MAX_LISTED_PATHS);
  const items = listed.map((p) => {
    const steps = p.steps.map((s, i) => `<li>→ ${escapeHtml(label.get(p.nodes[i + 1])?.label ?? p.nodes[i + 1])} <span class="muted">[${escapeHtml(s)}]</span></li>`).join('');
    return `<li><strong>${escapeHtml(label.get(p.from)?.label ?? p.from)}</strong><ul class="steps">${steps}</ul></li>`;
  });
  const cut = toAdmin.length > listed.length ? `<p class="muted">${toAdmin.length - listed.length} more path(s) not listed.</p>` : '';
  return `${summary}<div class="scroll">${svg}</div>${more}<details><summary>The paths, step by step</summary><ol class="paths">${items.join('')}</ol>${cut}</details>`;
}

export function drawPaths(paths: readonly EscalationPath[], graph: EscalationGraph): string {
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  // Column: the longest run of drawn steps leading to the node (a path through an account that is
  // itself the start of another path puts it after what leads to it); relaxation stops after as
  // many rounds as there are nodes, so a cycle cannot loop. The goal goes last, in its own column.
  const layer = new Map<string, number>();
  for (const p of paths) for (const id of p.nodes) layer.set(id, 0);
  for (let round = 0, changed = true; changed && round < layer.size; round++) {
    changed = false;
    for (const p of paths)
      for (let i = 1; i < p.nodes.length; i++) {
        const want = layer.get(p.nodes[i - 1])! + 1;
        if (p.nodes[i] !== CLUSTER_ADMIN_GOAL && want > layer.get(p.nodes[i])!) {
          layer.set(p.nodes[i], want);
          changed = true;
        }
      }
  }
  const lastLayer = Math.max(0, ...[...layer.entries()].filter(([id]) => id !== CLUSTER_ADMIN_GOAL).map(([, l]) => l)) + 1;
  layer.set(CLUSTER_ADMIN_GOAL, lastLayer);
  const columns: string[][] = Array.from({ length: lastLayer + 1 }, () => []);
  for (const p of paths) for (const id of p.nodes) if (!columns[layer.get(id)!].includes(id)) columns[layer.get(id)!].push(id);
  const tallest = Math.max(...columns.map((c) => c.length));
  const height = tallest * (NODE_H + GAP_Y) + GAP_Y;
  const pos = new Map<string, { x: number; y: number }>();
  columns.forEach((ids, l) => {
    const offset = ((tallest - ids.length) * (NODE_H + GAP_Y)) / 2;
    ids.forEach((id, r) => pos.set(id, { x: 10 + l * (NODE_W + GAP_X), y: GAP_Y + offset + r * (NODE_H + GAP_Y) }));
  });
  const width = 20 + columns.length * (NODE_W + GAP_X) - GAP_X;
  const edges = new Map<string, string[]>();
  for (const p of paths)
    p.steps.forEach((s, i) => {
      const key = `${p.nodes[i]}\u0000${p.nodes[i + 1]}`;
      const why = edges.get(key) ?? [];
      if (!why.includes(s)) why.push(s);
      edges.set(key, why);
    });
  const out: string[] = [
    '<defs><marker id="rbac-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto"><path d="M0,0L10,5L0,10z" fill="#555"/></marker></defs>',
  ];
  for (const [key, why] of edges) {
    const [from, to] = key.split('\u0000');
    const a = pos.get(from)!;
    const b = pos.get(to)!;
    const x1 = a.x + NODE_W;
    const y1 = a.y + NODE_H / 2;
    const x2 = b.x;
    const y2 = b.y + NODE_H / 2;
    const bend = Math.max(40, Math.abs(x2 - x1) / 2);
    const d = x2 > x1 ? `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}` : `M${x1},${y1} C${x1 + 80},${y1 - 60} ${x2 - 80},${y2 - 60} ${x2},${y2}`;
    out.push(`<g class="edge"><title>${escapeHtml(why.join('\n'))}</title><path d="${d}" class="hit"/><path d="${d}" class="line" marker-end="url(#rbac-arrow)"/></g>`);
  }
  for (const [id, p] of pos) {
    const n = nodes.get(id);
    const type = n?.type ?? 'capability';
    const text = n?.label ?? id;
    out.push(
      `<g class="node ${type}"><title>${escapeHtml(text)}</title><rect x="${p.x}" y="${p.y}" width="${NODE_W}" height="${NODE_H}" rx="${type === 'capability' ? 16 : 4}"/>` +
        `<text x="${p.x + NODE_W / 2}" y="${p.y + NODE_H / 2 + 4}" text-anchor="middle">${escapeHtml(clip(text, 34))}</text></g>`,
    );
  }
  return `<svg class="graph" id="rbac-graph" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="RBAC escalation paths to cluster-admin">${out.join('')}</svg>`;
}

// ---------------------------------------------------------------------------------------------
// Reachability

export const OUTSIDE = 'outside the cluster';
export const MAX_MAP_NAMESPACES = 24;
export const MAX_EXPOSED_LISTED = 100;

/** What the map draws: namespace-to-namespace reach and reach across the cluster's edge, summed. */
export interface ReachView {
  /** Namespace (or OUTSIDE) → namespace (or OUTSIDE), with the number of workload pairs (or address blocks) and a few examples. */
  flows: { from: string; to: string; pairs: number; examples: string[] }[];
  /** Workloads that addresses outside the cluster may connect to, with the blocks and ports. */
  exposed: { workload: string; from: string; ports: string }[];
  workloads: number;
  connections: number;
  notes: string[];
}

/** Sums a reachability answer into the flows the map draws; same-namespace reach is counted, not drawn. */
export function reachView(model: NetpolModel, result: Reachability): ReachView {
  const nsOf = (id: string): string => model.workloadById.get(id)?.namespace ?? OUTSIDE;
  const flows = new Map<string, { from: string; to: string; pairs: number; examples: string[] }>();
  const exposed: ReachView['exposed'] = [];
  for (const c of result.connections) {
    const from = nsOf(c.src);
    const to = nsOf(c.dst);
    if (from === to) continue;
    const key = `${from}\u0000${to}`;
    let flow = flows.get(key);
    if (!flow) flows.set(key, (flow = { from, to, pairs: 0, examples: [] }));
    flow.pairs++;
    const ports = c.ports.format();
    const portText = ports === 'all' ? 'all ports' : ports.join(', ');
    if (flow.examples.length < 5) flow.examples.push(`${c.src} → ${c.dst} (${portText})`);
    if (from === OUTSIDE) exposed.push({ workload: c.dst, from: c.except && c.except.length ? `${c.src} except ${c.except.join(', ')}` : c.src, ports: portText });
  }
  return { flows: [...flows.values()], exposed, workloads: model.workloads.length, connections: result.connections.length, notes: result.notes };
}

export function reachSection(view: ReachView | undefined): string {
  if (!view) return '<p class="muted">Not analysed: this report was made without the objects (reachability needs the scanned workloads and NetworkPolicies).</p>';
  if (view.workloads === 0) return '<p class="muted">No workload in the input.</p>';
  const cross = view.flows.filter((f) => f.from !== OUTSIDE && f.to !== OUTSIDE);
  const inbound = view.flows.filter((f) => f.from === OUTSIDE);
  const outbound = view.flows.filter((f) => f.to === OUTSIDE);
  const sum = (fs: typeof view.flows): number => fs.reduce((n, f) => n + f.pairs, 0);
  const head =
    `<p>${view.workloads} workload(s), ${view.connections} allowed connection(s). Drawn: ${sum(cross)} cross-namespace connection(s) in ${cross.length} namespace pair(s), ` +
    `${sum(inbound)} from outside the cluster into ${inbound.length} namespace(s), ${sum(outbound)} to outside from ${outbound.length} namespace(s); connections within a namespace are counted, not drawn (<code>kshield netpol reach</code> lists every one).</p>`;
  const svg = view.flows.length === 0 ? '<p class="muted">Nothing crosses a namespace or the cluster edge.</p>' : drawFlows(view.flows);
  const listed = view.exposed.slice(0, MAX_EXPOSED_LISTED);
  const rows = listed.map((e) => `<tr><td>${escapeHtml(e.workload)}</td><td>${escapeHtml(e.from)}</td><td>${escapeHtml(e.ports)}</td></tr>`).join('');
  const exposed =
    view.exposed.length === 0
      ? '<p>No workload accepts connections from outside the cluster.</p>'
      : `<details><summary>${view.exposed.length} connection(s) from outside the cluster</summary><table class="plain"><thead><tr><th>workload</th><th>from</th><th>ports</th></tr></thead><tbody>${rows}</tbody></table>` +
        (view.exposed.length > listed.length ? `<p class="muted">${view.exposed.length - listed.length} more not listed.</p>` : '') +
        '</details>';
  const notes = view.notes.length ? `<details><summary>${view.notes.length} note(s) on what the model cannot see</summary><ul>${view.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul></details>` : '';
  return `${head}<div class="scroll">${svg}</div>${exposed}${notes}`;
}

/** (Also drawn by the dashboard, src/serve/analyses.ts.) Sources on the left, destinations on the right, a line per namespace pair whose width grows with its connections. */
export function drawFlows(all: ReachView['flows']): string {
  // Namespaces by how many connections touch them; past the limit they are one node.
  const weight = new Map<string, number>();
  for (const f of all) for (const ns of [f.from, f.to]) if (ns !== OUTSIDE) weight.set(ns, (weight.get(ns) ?? 0) + f.pairs);
  const ranked = [...weight.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([ns]) => ns);
  const kept = new Set(ranked.slice(0, MAX_MAP_NAMESPACES));
  const otherLabel = ranked.length > kept.size ? `${ranked.length - kept.size} other namespace(s)` : '';
  const name = (ns: string): string => (ns === OUTSIDE || kept.has(ns) ? ns : otherLabel);
  const merged = new Map<string, { from: string; to: string; pairs: number; examples: string[] }>();
  for (const f of all) {
    const from = name(f.from);
    const to = name(f.to);
    const key = `${from}\u0000${to}`;
    const m = merged.get(key);
    if (m) {
      m.pairs += f.pairs;
      for (const e of f.examples) if (m.examples.length < 5) m.examples.push(e);
    } else merged.set(key, { from, to, pairs: f.pairs, examples: [...f.examples] });
  }
  const flows = [...merged.values()];
  const order = (names: Iterable<string>): string[] => {
    const set = new Set(names);
    const list = [...set].filter((n) => n !== OUTSIDE && n !== otherLabel).sort((a, b) => ranked.indexOf(a) - ranked.indexOf(b));
    return [...(set.has(OUTSIDE) ? [OUTSIDE] : []), ...list, ...(otherLabel && set.has(otherLabel) ? [otherLabel] : [])];
  };
  const left = order(flows.map((f) => f.from));
  const right = order(flows.map((f) => f.to));
  const rowH = 30;
  const boxW = 210;
  const spanX = 320;
  const height = Math.max(left.length, right.length) * rowH + 40;
  const width = boxW * 2 + spanX + 20;
  const y = (list: string[], n: string): number => 30 + list.indexOf(n) * rowH + rowH / 2;
  const max = Math.max(...flows.map((f) => f.pairs));
  const out: string[] = [
    '<defs><marker id="reach-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto"><path d="M0,0L10,5L0,10z" fill="#666"/></marker></defs>',
    `<text x="10" y="16" class="head">from</text><text x="${width - 10}" y="16" text-anchor="end" class="head">to</text>`,
  ];
  for (const f of flows) {
    const y1 = y(left, f.from);
    const y2 = y(right, f.to);
    const x1 = 10 + boxW;
    const x2 = 10 + boxW + spanX;
    const stroke = (1 + 5 * Math.sqrt(f.pairs / max)).toFixed(1);
    const cls = f.from === OUTSIDE ? 'flow inbound' : f.to === OUTSIDE ? 'flow outbound' : 'flow';
    const tip = `${f.from} → ${f.to}: ${f.pairs} connection(s)\n${f.examples.join('\n')}${f.pairs > f.examples.length ? '\n…' : ''}`;
    out.push(`<g class="${cls}"><title>${escapeHtml(tip)}</title><path d="M${x1},${y1} C${x1 + spanX / 2},${y1} ${x2 - spanX / 2},${y2} ${x2},${y2}" stroke-width="${stroke}" marker-end="url(#reach-arrow)"/></g>`);
  }
  const box = (x: number, yc: number, n: string): string =>
    `<g class="ns${n === OUTSIDE ? ' outside' : ''}"><title>${escapeHtml(n)}</title><rect x="${x}" y="${yc - rowH / 2 + 3}" width="${boxW}" height="${rowH - 6}" rx="4"/><text x="${x + boxW / 2}" y="${yc + 4}" text-anchor="middle">${escapeHtml(clip(n, 30))}</text></g>`;
  for (const n of left) out.push(box(10, y(left, n), n));
  for (const n of right) out.push(box(10 + boxW + spanX, y(right, n), n));
  return `<svg class="graph" id="reach-map" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="reachability between namespaces and outside the cluster">${out.join('')}</svg>`;
}
