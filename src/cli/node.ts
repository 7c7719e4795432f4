/** `kshield node [--root DIR]`: CIS-style checks of the node's own files; exit 1 when any check fails. */
import path from 'node:path';
import { readNode, type NodeFacts } from '../sources/node.js';
import { runNodeChecks, summarize, type CheckResult, type CheckStatus } from '../node/checks.js';
import { parseOutputs, writeOutput, useColor } from './output.js';
import { OutputError, UsageError, EXIT } from './errors.js';
import { sanitize, wrap } from '../report/table.js';

export interface NodeCommandOptions {
  root: string;
  output: string[];
  outputFile?: string;
  color: boolean;
}

export interface NodeReport {
  checks: Omit<CheckResult, 'component'>[];
  detected: NodeFacts['detected'] & { root: string };
  summary: Record<CheckStatus, number>;
}

export function buildNodeReport(facts: NodeFacts, results: CheckResult[]): NodeReport {
  return {
    checks: results.map(({ id, title, status, evidence, remediation }) => ({ id, title, status, evidence, remediation })),
    detected: { root: facts.root, ...facts.detected },
    summary: summarize(results),
  };
}

const LAYOUT_NAMES: Record<string, string> = {
  kubeadm: 'kubeadm control-plane node',
  k3s: 'k3s node',
  rke2: 'RKE2 node',
  worker: 'worker node (kubelet, no control-plane manifests)',
  unknown: 'no Kubernetes node layout found',
};

export function renderNodeTable(facts: NodeFacts, results: CheckResult[], color: boolean, width = 100): string {
  const paint = (status: CheckStatus): string => {
    const label = status.toUpperCase().padEnd(7);
    if (!color) return label;
    const code = status === 'pass' ? 32 : status === 'fail' ? 31 : 33;
    return `\u001b[${code}m${label}\u001b[0m`;
  };
  const lines: string[] = [];
  const d = facts.detected;
  lines.push(`Detected: ${LAYOUT_NAMES[d.layout]} under ${sanitize(facts.root)}${d.evidence.length ? ` (${d.evidence.map(sanitize).join(', ')})` : ''}`);
  const sources = Object.entries(d.components).map(([c, s]) => `${c} from ${sanitize(s!)}`);
  if (sources.length) lines.push(`Components: ${sources.join('; ')}`);
  const groups = new Map<string, CheckResult[]>();
  for (const r of results) groups.set(r.component, [...(groups.get(r.component) ?? []), r]);
  // Long named ids (4.2.protect-kernel-defaults) overflow their column rather than widen every line.
  const idWidth = Math.min(10, Math.max(6, ...results.map((r) => r.id.length)));
  const indent = ' '.repeat(idWidth + 11);
  for (const [component, group] of groups) {
    lines.push('', `== ${component} ==`);
    for (const r of group) {
      lines.push(`  ${r.id.padEnd(idWidth)}  ${paint(r.status)}${r.title}`);
      for (const l of wrap(sanitize(r.evidence), Math.max(40, width - indent.length))) lines.push(`${indent}${l}`);
      if (r.status !== 'pass') for (const l of wrap(`fix: ${r.remediation}`, Math.max(40, width - indent.length))) lines.push(`${indent}${l}`);
    }
  }
  const s = summarize(results);
  lines.push('', `${results.length} checks: ${s.pass} pass, ${s.fail} fail, ${s.warn} warn, ${s.manual} manual`);
  return lines.join('\n') + '\n';
}

/** Markdown for a pull request or a ticket: one table per component. */
export function renderNodeMarkdown(facts: NodeFacts, results: CheckResult[]): string {
  const cell = (text: string): string => sanitize(text).replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
  const s = summarize(results);
  const lines = [
    '# kshield node report',
    '',
    `Detected: ${LAYOUT_NAMES[facts.detected.layout]} under \`${cell(facts.root)}\`. ${results.length} checks: ${s.pass} pass, ${s.fail} fail, ${s.warn} warn, ${s.manual} manual.`,
  ];
  const groups = new Map<string, CheckResult[]>();
  for (const r of results) groups.set(r.component, [...(groups.get(r.component) ?? []), r]);
  for (const [component, group] of groups) {
    lines.push('', `## ${component}`, '', '| id | status | check | evidence | remediation |', '| --- | --- | --- | --- | --- |');
    for (const r of group) lines.push(`| ${cell(r.id)} | ${r.status} | ${cell(r.title)} | ${cell(r.evidence)} | ${r.status === 'pass' ? '' : cell(r.remediation)} |`);
  }
  return lines.join('\n') + '\n';
}

export async function runNode(opts: NodeCommandOptions): Promise<number> {
  const targets = parseOutputs(opts.output, opts.outputFile);
  const unsupported = targets.find((t) => t.format !== 'table' && t.format !== 'json' && t.format !== 'markdown');
  if (unsupported) throw new UsageError(`kshield node writes table, json or markdown; ${unsupported.format} is not supported yet`);
  let facts: NodeFacts;
  try {
    // Reports show the root as the user gave it; reading uses the absolute path.
    facts = { ...readNode(path.resolve(opts.root)), root: opts.root };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`--root ${opts.root}: ${code === 'ENOENT' ? 'no such directory' : code === 'ENOTDIR' ? 'not a directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message}`);
  }
  const results = runNodeChecks(facts);
  let failed = false;
  for (const target of targets) {
    const color = target.file === undefined && target.format === 'table' ? useColor(process.stdout, !opts.color) : false;
    const width = target.file === undefined && process.stdout.isTTY ? process.stdout.columns : undefined;
    const content =
      target.format === 'json'
        ? JSON.stringify(buildNodeReport(facts, results), null, 2) + '\n'
        : target.format === 'markdown'
          ? renderNodeMarkdown(facts, results)
          : renderNodeTable(facts, results, color, width);
    try {
      await writeOutput(target, content);
      if (target.file) process.stderr.write(`wrote ${target.format} report to ${target.file}\n`);
    } catch (err) {
      if (!(err instanceof OutputError)) throw err;
      process.stderr.write(`kshield: error: ${err.message}\n`);
      failed = true;
    }
  }
  if (failed) return EXIT.usage;
  return results.some((r) => r.status === 'fail') ? EXIT.findings : EXIT.clean;
}
