/**
 * The RBAC escalation graph and the reachability map of a scan, for the dashboard: computed where
 * the objects are (`kshield serve --interval`'s own scan, `kshield cluster|scan --report-to`, which
 * push them beside the report), cut to what the pages show, checked on arrival, stored per scan
 * (the store's `analyses` artifact), and drawn by the HTML report's own SVG (report/html/graphs.ts).
 *
 * Nothing here holds a Secret's data: the graph names subjects, roles and capabilities, the map
 * namespaces, workloads, address blocks and ports. Every text is still passed through the secret
 * detector on its way to the browser, as the findings are.
 */
import type { Resource } from '../core/types.js';
import type { EscalationPath, GraphNode } from '../analysis/rbac-paths.js';
import { analysesForHtml } from '../report/html/index.js';
import { CLUSTER_ADMIN_GOAL, drawFlows, drawPaths, MAX_DRAWN_PATHS, MAX_EXPOSED_LISTED, MAX_LISTED_PATHS, type ReachView } from '../report/html/graphs.js';
import { redactSecretsInText } from '../core/redact.js';

export const ANALYSES_FORMAT = 1;
/** Namespace pairs of the map kept (most connections first): the drawing merges past 24 namespaces anyway. */
export const MAX_FLOWS = 2000;
const MAX_NOTES = 50;
const MAX_TEXT = 2000;
const MAX_EXAMPLES = 5;

/** What a scan keeps of its analyses. */
export interface ScanAnalyses {
  format: typeof ANALYSES_FORMAT;
  rbac: {
    /** The paths to full control of the cluster, the first MAX_LISTED_PATHS. */
    paths: EscalationPath[];
    /** The nodes those paths go through. */
    nodes: GraphNode[];
    /** Paths to full control of the cluster in all (some may be left out of `paths`). */
    toClusterAdmin: number;
    /** Paths to lesser goals (a namespace, the nodes, every Secret): counted, listed by `kshield rbac paths`. */
    lesser: number;
  };
  reachability: ReachView & { flowsLeftOut: number; exposedTotal: number };
}

export class AnalysesError extends Error {}

/** The analyses of the scanned objects, as the HTML report computes them, cut to what the dashboard shows. */
export function analysesOf(resources: readonly Resource[], settings: Parameters<typeof analysesForHtml>[1] = {}): ScanAnalyses {
  const { rbac, reachability } = analysesForHtml(resources, settings);
  const toAdmin = rbac.paths.filter((p) => p.to === CLUSTER_ADMIN_GOAL);
  const kept = toAdmin.slice(0, MAX_LISTED_PATHS);
  const used = new Set(kept.flatMap((p) => p.nodes));
  const flows = [...reachability.flows].sort((a, b) => b.pairs - a.pairs).slice(0, MAX_FLOWS);
  return {
    format: ANALYSES_FORMAT,
    rbac: { paths: kept, nodes: rbac.nodes.filter((n) => used.has(n.id)), toClusterAdmin: toAdmin.length, lesser: rbac.paths.length - toAdmin.length },
    reachability: {
      flows: flows.map((f) => ({ ...f, examples: f.examples.slice(0, MAX_EXAMPLES) })),
      exposed: reachability.exposed.slice(0, MAX_EXPOSED_LISTED),
      workloads: reachability.workloads,
      connections: reachability.connections,
      notes: reachability.notes.slice(0, MAX_NOTES),
      flowsLeftOut: reachability.flows.length - flows.length,
      exposedTotal: reachability.exposed.length,
    },
  };
}

// ------------------------------------------------------------------ checking what arrives

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function text(v: unknown, at: string): string {
  if (typeof v !== 'string' || v.length > MAX_TEXT) throw new AnalysesError(`analyses: ${at} must be a string of at most ${MAX_TEXT} characters`);
  return v;
}
function count(v: unknown, at: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new AnalysesError(`analyses: ${at} must be a whole number ≥ 0`);
  return v;
}
function list<T>(v: unknown, at: string, max: number, each: (x: unknown, at: string) => T): T[] {
  if (!Array.isArray(v)) throw new AnalysesError(`analyses: ${at} must be a list`);
  if (v.length > max) throw new AnalysesError(`analyses: ${at} holds ${v.length} entries, at most ${max}`);
  return v.map((x, i) => each(x, `${at}[${i}]`));
}
function object(v: unknown, at: string): Record<string, unknown> {
  if (!isObject(v)) throw new AnalysesError(`analyses: ${at} must be an object`);
  return v;
}

/**
 * The analyses an import carries, checked field by field (a pusher is authenticated, but what is
 * stored is drawn for every viewer): shape, types and the limits above. Throws AnalysesError.
 */
export function parseAnalyses(value: unknown): ScanAnalyses {
  const a = object(value, 'the analyses');
  if (a.format !== ANALYSES_FORMAT) throw new AnalysesError(`analyses: format ${JSON.stringify(a.format)}; this kshield reads format ${ANALYSES_FORMAT}`);
  const r = object(a.rbac, 'rbac');
  const paths = list(r.paths, 'rbac.paths', MAX_LISTED_PATHS, (p, at) => {
    const o = object(p, at);
    const nodes = list(o.nodes, `${at}.nodes`, 100, text);
    const steps = list(o.steps, `${at}.steps`, 100, text);
    if (nodes.length !== steps.length + 1) throw new AnalysesError(`analyses: ${at} has ${nodes.length} nodes for ${steps.length} steps (one more node than steps)`);
    return { from: text(o.from, `${at}.from`), to: text(o.to, `${at}.to`), nodes, steps };
  });
  const nodes = list(r.nodes, 'rbac.nodes', 20_000, (n, at) => {
    const o = object(n, at);
    const type = o.type;
    if (type !== 'identity' && type !== 'capability' && type !== 'goal') throw new AnalysesError(`analyses: ${at}.type must be identity, capability or goal`);
    return { id: text(o.id, `${at}.id`), type, label: text(o.label, `${at}.label`) } as GraphNode;
  });
  const known = new Set(nodes.map((n) => n.id));
  for (const p of paths) for (const id of p.nodes) if (!known.has(id)) throw new AnalysesError(`analyses: rbac path node ${JSON.stringify(id.slice(0, 80))} is not among rbac.nodes`);
  const m = object(a.reachability, 'reachability');
  const flows = list(m.flows, 'reachability.flows', MAX_FLOWS, (f, at) => {
    const o = object(f, at);
    return { from: text(o.from, `${at}.from`), to: text(o.to, `${at}.to`), pairs: count(o.pairs, `${at}.pairs`), examples: list(o.examples, `${at}.examples`, MAX_EXAMPLES, text) };
  });
  const exposed = list(m.exposed, 'reachability.exposed', MAX_EXPOSED_LISTED, (e, at) => {
    const o = object(e, at);
    return { workload: text(o.workload, `${at}.workload`), from: text(o.from, `${at}.from`), ports: text(o.ports, `${at}.ports`) };
  });
  return {
    format: ANALYSES_FORMAT,
    rbac: { paths, nodes, toClusterAdmin: count(r.toClusterAdmin, 'rbac.toClusterAdmin'), lesser: count(r.lesser, 'rbac.lesser') },
    reachability: {
      flows,
      exposed,
      workloads: count(m.workloads, 'reachability.workloads'),
      connections: count(m.connections, 'reachability.connections'),
      notes: list(m.notes, 'reachability.notes', MAX_NOTES, text),
      flowsLeftOut: count(m.flowsLeftOut, 'reachability.flowsLeftOut'),
      exposedTotal: count(m.exposedTotal, 'reachability.exposedTotal'),
    },
  };
}

// ------------------------------------------------------------------ what the pages get

/** Every string of a JSON value through the secret detector. */
function cleaned<T>(value: T): T {
  if (typeof value === 'string') return redactSecretsInText(value) as T;
  if (Array.isArray(value)) return value.map(cleaned) as T;
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cleaned(v)])) as T;
  return value;
}

/** How a scan without analyses gets them. */
export const HOW_TO_GET_ANALYSES =
  'kshield scan --report-to URL and kshield cluster --report-to URL send them with the report, and kshield serve --interval computes them on each scan it runs; a JSON file imported as it is (serve --import, POST /api/scans) holds findings only, not the objects they are computed from';

/** The RBAC page's answer: the drawing (the HTML report's SVG) and the paths as data for the list. */
export function rbacForBrowser(stored: ScanAnalyses | undefined): unknown {
  if (!stored) return { available: false, how: HOW_TO_GET_ANALYSES };
  const rbac = cleaned(stored.rbac);
  const label = new Map(rbac.nodes.map((n) => [n.id, n.label]));
  const drawn = rbac.paths.slice(0, MAX_DRAWN_PATHS);
  return {
    available: true,
    toClusterAdmin: rbac.toClusterAdmin,
    lesser: rbac.lesser,
    drawn: drawn.length,
    svg: drawn.length > 0 ? drawPaths(drawn, { nodes: rbac.nodes, edges: [], paths: drawn }) : null,
    paths: rbac.paths.map((p) => ({ from: label.get(p.from) ?? p.from, steps: p.steps.map((why, i) => ({ to: label.get(p.nodes[i + 1]) ?? p.nodes[i + 1], why })) })),
  };
}

/** The reachability page's answer: the map (the HTML report's SVG) and what it sums. */
export function reachForBrowser(stored: ScanAnalyses | undefined): unknown {
  if (!stored) return { available: false, how: HOW_TO_GET_ANALYSES };
  const view = cleaned(stored.reachability);
  return { available: true, ...view, svg: view.flows.length > 0 ? drawFlows(view.flows) : null };
}

/** A stored body read back: checked again (a database written by hand, or by another version). */
export function storedAnalyses(body: unknown): ScanAnalyses | undefined {
  if (body === undefined) return undefined;
  try {
    return parseAnalyses(body);
  } catch {
    return undefined;
  }
}
