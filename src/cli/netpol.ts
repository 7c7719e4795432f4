/**
 * `kshield netpol reach | can | generate`: NetworkPolicy reachability over the same inputs as
 * `kshield scan` (files, directories, `-`).
 *
 * Exit codes: reach and generate 0, or 2 when an input could not be read (what could be read is
 * still analysed and printed); can 0 when the connection is allowed, 1 when denied, 2 on input
 * or usage errors.
 */
import { existsSync, statSync } from 'node:fs';
import { dump } from 'js-yaml';
import type { LoadResult } from '../sources/files.js';
import { noteText } from '../sources/placement.js';
import { aliasTargets, buildModel, canConnect, reach, resolvePeer, type CanResult, type Connection, type NetpolModel, type Peer, type SideVerdict } from '../analysis/netpol.js';
import { generatePolicies } from '../analysis/netpol-generate.js';
import { meshColumn, type ConnectionMesh } from '../analysis/mesh-reach.js';
import { isProtocol } from '../analysis/ports.js';
import { parseIp } from '../analysis/cidr.js';
import { formatLocation, formatNote } from '../report/describe.js';
import { reachView, renderReachHtml } from '../report/html/index.js';
import { sanitize } from '../core/text.js';
import { UsageError, EXIT } from '../core/errors.js';
import { singleFormatError, writeOutput } from './output.js';
import { loadAnalysisInput, type AnalysisInputOptions } from './analysis-input.js';
import { loadConfigOption } from './scan.js';
import type { KshieldConfig } from '../config/config-file.js';
import { editDistance } from '../core/suggest.js';

export const REACH_FORMATS = ['table', 'json', 'dot', 'mermaid', 'html'] as const;
export type ReachFormat = (typeof REACH_FORMATS)[number];

async function load(paths: string[], opts: AnalysisInputOptions): Promise<LoadResult> {
  return loadAnalysisInput(paths, opts);
}

/** The configuration's say in the model: the operatorWorkloads entries of `--config FILE`, else of ./.kshield.yaml. */
async function modelOptions(opts: { config?: string }): Promise<{ operatorWorkloads?: KshieldConfig['operatorWorkloads']; kubernetesVersion?: string; istioRootNamespace?: string }> {
  const config = await loadConfigOption(opts.config);
  return { operatorWorkloads: config?.operatorWorkloads, kubernetesVersion: config?.kubernetesVersion?.replace(/^v/, ''), istioRootNamespace: config?.istioRootNamespace };
}

const TRANSPORT_TEXT: Record<ConnectionMesh['transport'], string> = { mtls: 'mTLS', permissive: 'mTLS, permissive', plaintext: 'plaintext', unknown: 'unknown' };

/** The transport, or per port when the destination's ports differ ("plaintext on 9090, mTLS on 8443"). */
function transportText(m: ConnectionMesh): string {
  if (!m.ports) return TRANSPORT_TEXT[m.transport];
  const groups = new Map<string, number[]>();
  for (const p of m.ports) groups.set(p.transport, [...(groups.get(p.transport) ?? []), p.port]);
  return [...groups].map(([t, ports]) => `${TRANSPORT_TEXT[t as ConnectionMesh['transport']]} on ${ports.join(', ')}`).join('; ');
}

function meshPolicyText(m: ConnectionMesh): string {
  return m.authorization ? `${m.authorization.effect}: ${m.authorization.why}` : '-';
}

/**
 * Workload names close to `text`: by edit distance over the whole id and over its last part (a
 * third of the length, at least 2), or sharing the last part as a substring; closest first, at most 5.
 */
function nearNames(text: string, candidates: readonly string[]): string[] {
  const lower = text.toLowerCase().slice(0, 300);
  const last = lower.split('/').pop() ?? lower;
  const scored: { name: string; score: number }[] = [];
  for (const name of candidates) {
    const n = name.toLowerCase();
    const nLast = n.split('/').pop() ?? n;
    const distance = Math.min(editDistance(lower, n), editDistance(last, nLast));
    const limit = Math.max(2, Math.floor(Math.max(last.length, nLast.length) / 3));
    const contains = last.length >= 3 && (nLast.includes(last) || last.includes(nLast));
    if (distance <= limit || contains) scored.push({ name, score: distance <= limit ? distance : limit + 1 });
  }
  scored.sort((a, b) => a.score - b.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return scored.slice(0, 5).map((s) => s.name);
}

/** Input errors and policy problems go to standard error, so machine output stays clean. */
function reportProblems(loaded: LoadResult, model: NetpolModel): void {
  for (const e of loaded.errors) process.stderr.write(`${sanitize(formatLocation(e.file, e.line))}: error: ${sanitize(e.message)}\n`);
  for (const p of model.problems) {
    const at = p.resource.locate(p.path);
    process.stderr.write(`${sanitize(formatLocation(p.resource.file, at.line, at.column))}: warning: NetworkPolicy ${sanitize(p.resource.name)}: ${sanitize(p.message)}\n`);
  }
}

function portsJson(c: Connection): 'all' | string[] {
  return c.ports.format();
}

function renderReach(connections: Connection[], notes: string[], format: Exclude<ReachFormat, 'html'>, model: NetpolModel, mesh: ConnectionMesh[]): string {
  switch (format) {
    case 'json': {
      const out: Record<string, unknown> = {
        connections: connections.map((c, i) => ({ src: c.src, dst: c.dst, ...(c.except ? { except: c.except } : {}), ports: portsJson(c), mesh: mesh[i] })),
      };
      if (notes.length) out.notes = notes;
      return JSON.stringify(out, null, 2);
    }
    case 'dot':
      return renderDot(connections, model);
    case 'mermaid':
      return renderMermaid(connections, model);
    case 'table':
      return renderReachTable(connections, notes, model, mesh);
  }
}

function peerText(id: string, except?: string[]): string {
  return except?.length ? `${id} except ${except.join(', ')}` : id;
}

function portsText(c: Connection): string {
  const f = c.ports.format();
  return f === 'all' ? 'all' : f.join(', ');
}

function renderReachTable(connections: Connection[], notes: string[], model: NetpolModel, mesh: ConnectionMesh[]): string {
  const rows = connections.map((c, i) => [sanitize(endpointKey(c, 'src', model)), sanitize(endpointKey(c, 'dst', model)), sanitize(portsText(c)), transportText(mesh[i]), sanitize(meshPolicyText(mesh[i]))]);
  const header = ['SOURCE', 'DESTINATION', 'PORTS', 'TRANSPORT', 'MESH POLICY'];
  const widths = [0, 1, 2, 3].map((i) => Math.max(header[i].length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]) : cell)).join('  ').trimEnd();
  const out = [line(header), ...rows.map(line)];
  if (rows.length === 0) out.push('(no connection is allowed)');
  out.push('');
  for (const n of notes) out.push(`note: ${sanitize(n)}`);
  const internal = connections.filter((c) => model.workloadById.has(c.src) && model.workloadById.has(c.dst)).length;
  out.push(`${connections.length} allowed connection(s): ${internal} between workloads, ${connections.length - internal} with addresses outside the cluster; ${model.workloads.length} workload(s), ${model.policies.length} NetworkPolicy object(s).`);
  return out.join('\n');
}

function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function graphNodes(connections: Connection[], model: NetpolModel): { workloads: Map<string, string[]>; external: string[] } {
  const workloads = new Map<string, string[]>();
  const external = new Set<string>();
  for (const w of model.workloads) {
    const list = workloads.get(w.namespace) ?? [];
    list.push(w.id);
    workloads.set(w.namespace, list);
  }
  for (const c of connections)
    for (const side of ['src', 'dst'] as const) if (!model.workloadById.has(c[side])) external.add(endpointKey(c, side, model));
  return { workloads, external: [...external].sort() };
}

/** A workload id, or an address block with its exceptions (which belong to whichever side is the block). */
function endpointKey(c: Connection, side: 'src' | 'dst', model: NetpolModel): string {
  const id = c[side];
  return model.workloadById.has(id) ? id : peerText(id, c.except);
}

function renderDot(connections: Connection[], model: NetpolModel): string {
  const { workloads, external } = graphNodes(connections, model);
  const out = ['digraph reach {', '  rankdir=LR;', '  node [shape=box, fontname="Helvetica"];', '  edge [fontname="Helvetica", fontsize=10];'];
  let cluster = 0;
  for (const [ns, ids] of [...workloads.entries()].sort()) {
    out.push(`  subgraph cluster_${cluster++} {`, `    label=${dotString(`namespace ${ns}`)};`);
    for (const id of ids.sort()) out.push(`    ${dotString(id)} [label=${dotString(id.slice(ns.length + 1))}];`);
    out.push('  }');
  }
  for (const e of external) out.push(`  ${dotString(e)} [shape=ellipse];`);
  for (const c of connections) out.push(`  ${dotString(endpointKey(c, 'src', model))} -> ${dotString(endpointKey(c, 'dst', model))} [label=${dotString(portsText(c))}];`);
  out.push('}');
  return out.join('\n');
}

function mermaidLabel(text: string): string {
  // Mermaid reads "..." labels literally except for quotes, which it spells as entities.
  return `"${text.replace(/"/g, '#quot;')}"`;
}

function renderMermaid(connections: Connection[], model: NetpolModel): string {
  const { workloads, external } = graphNodes(connections, model);
  const ids = new Map<string, string>();
  const idOf = (key: string): string => {
    let id = ids.get(key);
    if (!id) ids.set(key, (id = `n${ids.size}`));
    return id;
  };
  const out = ['flowchart LR'];
  let group = 0;
  for (const [ns, list] of [...workloads.entries()].sort()) {
    out.push(`  subgraph ns${group++}[${mermaidLabel(`namespace ${ns}`)}]`);
    for (const id of list.sort()) out.push(`    ${idOf(id)}[${mermaidLabel(id.slice(ns.length + 1))}]`);
    out.push('  end');
  }
  for (const e of external) out.push(`  ${idOf(e)}([${mermaidLabel(e)}])`);
  for (const c of connections) out.push(`  ${idOf(endpointKey(c, 'src', model))} -->|${mermaidLabel(portsText(c))}| ${idOf(endpointKey(c, 'dst', model))}`);
  return out.join('\n');
}

export interface ReachCommandOptions extends AnalysisInputOptions {
  output: string;
  maxFileSize?: string;
  config?: string;
}

export async function runNetpolReach(paths: string[], opts: ReachCommandOptions): Promise<number> {
  const format = opts.output as ReachFormat;
  if (!REACH_FORMATS.includes(format)) throw singleFormatError(opts.output, REACH_FORMATS);
  const options = await modelOptions(opts);
  const loaded = await load(paths, opts);
  const model = buildModel(loaded.resources, options);
  reportProblems(loaded, model);
  const result = reach(model);
  if (loaded.namespaceNote) result.notes.unshift(noteText(loaded.namespaceNote));
  const mesh = format === 'table' || format === 'json' ? meshColumn(loaded.resources, model, result.connections, options.istioRootNamespace) : [];
  const text = format === 'html' ? renderReachHtml(reachView(model, result), [`kshield netpol reach ${opts.cluster ? '--cluster' : paths.join(' ')}`]) : renderReach(result.connections, result.notes, format, model, mesh);
  await writeOutput({ format: 'table' }, text);
  if (format !== 'table' && format !== 'json' && format !== 'html') for (const n of result.notes) process.stderr.write(`note: ${sanitize(n)}
`);
  return loaded.errors.length > 0 ? EXIT.usage : EXIT.clean;
}

export interface CanCommandOptions extends AnalysisInputOptions {
  port: string;
  protocol: string;
  output: string;
  maxFileSize?: string;
  config?: string;
}

function peerName(peer: Peer): string {
  return 'workload' in peer ? peer.workload.id : peer.address;
}

function sideLines(label: string, side: SideVerdict): string[] {
  if (!side.applies) return [`  ${label}: outside the cluster, no NetworkPolicy applies`];
  if (!side.isolated) return [`  ${label}: not isolated (no NetworkPolicy selects it for this direction): allowed`];
  const head = `  ${label}: isolated by ${side.selecting.join(', ')}`;
  return side.allowed ? [head, `    allowed by ${side.allowing.join(', ')}`] : [head, '    denied: no rule of these policies allows this traffic'];
}

/** namespace/Kind/name as the workload ids are written: the Kind capitalized, as Kubernetes spells kinds. */
function looksLikeWorkloadId(text: string): boolean {
  return /^[^/\s]+\/[A-Z][A-Za-z0-9]*\/[^/\s]+$/.test(text);
}

/**
 * `can SRC --port 80 dir/` (DST forgotten) takes the path as DST: say so rather than "nothing to
 * analyse" or "not a workload".
 */
function checkDestinationIsNoPath(dst: string, paths: string[]): void {
  if (parseIp(dst)) return;
  const usage = 'write: netpol can SRC DST --port PORT [paths...]';
  if (dst === '-') throw new UsageError(`DST is missing: "-" means standard input, not a destination; ${usage}`);
  if ((paths.length === 0 || !looksLikeWorkloadId(dst)) && existsSync(dst))
    throw new UsageError(`DST is missing: "${dst}" looks like a path (it is a ${statSync(dst).isDirectory() ? 'directory' : 'file'}), not a workload (namespace/Kind/name) or an IP address; ${usage}`);
}

export async function runNetpolCan(src: string, dst: string, paths: string[], opts: CanCommandOptions): Promise<number> {
  checkDestinationIsNoPath(dst, paths);
  const port = Number(opts.port);
  if (/^[a-z]/i.test(opts.port ?? ''))
    throw new UsageError(`--port: "${opts.port}" is a port name; give the number: NetworkPolicies resolve a named port on each destination pod, so the question is asked with the number`);
  if (!/^\d+$/.test(opts.port ?? '') || port < 1 || port > 65535) throw new UsageError(`--port: "${opts.port}" is not a port number (1-65535)`);
  const protocol = (opts.protocol ?? 'TCP').toUpperCase();
  if (!isProtocol(protocol)) throw new UsageError(`--protocol: "${opts.protocol}" is not TCP, UDP or SCTP`);
  if (opts.output !== 'text' && opts.output !== 'json') throw new UsageError(`unknown output format "${opts.output}" (one of: text, json)`);
  const options = await modelOptions(opts);
  const loaded = await load(paths, opts);
  const model = buildModel(loaded.resources, options);
  reportProblems(loaded, model);
  if (loaded.errors.length > 0) return EXIT.usage;
  const resolve = (text: string, what: string): Peer => {
    const peer = resolvePeer(model, text);
    if (peer) return peer;
    const several = aliasTargets(model, text);
    if (several.length > 1) throw new UsageError(`${what} "${text}" stands for ${several.length} workloads (${several.map((w) => w.id).join(', ')}): name one of them`);
    const known = [...model.workloads.map((w) => w.id), ...model.aliases.keys()];
    const near = nearNames(text, known);
    const shown = model.workloads.map((w) => w.id);
    throw new UsageError(
      `${what} "${text}" not found in the input: it is no workload there (namespace/Kind/name) and no IP address` +
        (near.length ? `; near names: ${near.join(', ')}` : shown.length ? `; workloads: ${shown.slice(0, 8).join(', ')}${shown.length > 8 ? ', ...' : ''}` : '; the input holds no workloads'),
    );
  };
  const from = resolve(src, 'source');
  const to = resolve(dst, 'destination');
  if (!('workload' in from) && !('workload' in to)) throw new UsageError('at least one side must be a workload: traffic between two outside addresses is not governed by NetworkPolicies');
  const result: CanResult = canConnect(model, from, to, protocol, port);
  if (loaded.namespaceNote) result.notes.unshift(noteText(loaded.namespaceNote));
  if (opts.output === 'json') {
    await writeOutput({ format: 'json' }, JSON.stringify({ src: peerName(from), dst: peerName(to), protocol, port, allowed: result.allowed, egress: result.egress, ingress: result.ingress, notes: result.notes }, null, 2));
  } else {
    const lines = [
      `${result.allowed ? 'ALLOWED' : 'DENIED'}: ${sanitize(peerName(from))} -> ${sanitize(peerName(to))} on ${protocol}/${port}`,
      ...sideLines(`egress from ${sanitize(peerName(from))}`, result.egress),
      ...sideLines(`ingress to ${sanitize(peerName(to))}`, result.ingress),
      ...[...model.notes, ...result.notes].map((n) => `note: ${sanitize(n)}`),
    ];
    await writeOutput({ format: 'table' }, lines.join('\n'));
  }
  return result.allowed ? EXIT.clean : EXIT.findings;
}

export interface GenerateCommandOptions extends AnalysisInputOptions {
  maxFileSize?: string;
  ingressNamespace?: string;
  ingressSelector?: string;
  ingressPodSelector?: string;
  outputFile?: string;
  config?: string;
}

function parseLabels(text: string, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag}: "${part}" is not key=value`);
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  if (Object.keys(out).length === 0) throw new UsageError(`${flag}: give at least one key=value`);
  return out;
}

export async function runNetpolGenerate(paths: string[], opts: GenerateCommandOptions): Promise<number> {
  if (opts.ingressNamespace && opts.ingressSelector) throw new UsageError('--ingress-namespace and --ingress-namespace-selector cannot be combined');
  const nsLabels = opts.ingressNamespace ? { 'kubernetes.io/metadata.name': opts.ingressNamespace } : opts.ingressSelector ? parseLabels(opts.ingressSelector, '--ingress-namespace-selector') : undefined;
  const podLabels = opts.ingressPodSelector ? parseLabels(opts.ingressPodSelector, '--ingress-pod-selector') : undefined;
  const options = await modelOptions(opts);
  const loaded = await load(paths, opts);
  const model = buildModel(loaded.resources, options);
  reportProblems(loaded, model);
  if (loaded.namespaceNote) process.stderr.write(`${formatNote(loaded.namespaceNote)}\n`);
  const generated = generatePolicies(model, loaded.resources, { ingressNamespaceLabels: nsLabels, ingressPodLabels: podLabels });
  const docs = generated.policies.map((p, i) => {
    const comment = generated.comments[i]
      .split('\n')
      .map((l) => `# ${sanitize(l)}`)
      .join('\n');
    return `${comment}\n${dump(p, { noRefs: true, lineWidth: -1, quotingType: '"' }).trimEnd()}`;
  });
  const header = [
    '# NetworkPolicies generated by kshield netpol generate from the traffic the manifests declare.',
    '# Review before applying: traffic the manifests do not mention (metrics scrapers, operators, external APIs) is denied.',
    ...generated.skipped.map((s) => `# skipped: ${sanitize(s)}`),
  ].join('\n');
  const text = docs.length ? `${header}\n${docs.join('\n---\n')}\n` : `${header}\n# (no workloads found: nothing to generate)\n`;
  await writeOutput({ format: 'table', file: opts.outputFile }, text);
  if (opts.outputFile) process.stderr.write(`wrote ${generated.policies.length} NetworkPolicy object(s) to ${opts.outputFile}\n`);
  return loaded.errors.length > 0 ? EXIT.usage : EXIT.clean;
}
