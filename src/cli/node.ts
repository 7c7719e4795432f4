/** `kshield node [--root DIR]`: CIS-style checks of the node's own files; exit 1 when any check fails. */
import path from 'node:path';
import { readNode, type NodeFacts } from '../sources/node.js';
import { runNodeChecks, summarize, type CheckResult, type CheckStatus } from '../node/checks.js';
import { markdownCell, renderChecksMarkdown, renderChecksTable } from '../report/checks.js';
import { parseOutputs, writeOutput, useColor } from './output.js';
import { OutputError, UsageError, EXIT } from './errors.js';
import { sanitize } from '../report/table.js';

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
  const d = facts.detected;
  const header = [`Detected: ${LAYOUT_NAMES[d.layout]} under ${sanitize(facts.root)}${d.evidence.length ? ` (${d.evidence.map(sanitize).join(', ')})` : ''}`];
  const sources = Object.entries(d.components).map(([c, s]) => `${c} from ${sanitize(s!)}`);
  if (sources.length) header.push(`Components: ${sources.join('; ')}`);
  return renderChecksTable({ header, rows: results, groupOf: (r) => r.component, color, width });
}

/** Markdown for a pull request or a ticket: one table per component. */
export function renderNodeMarkdown(facts: NodeFacts, results: CheckResult[]): string {
  const s = summarize(results);
  const header = [
    '# kshield node report',
    '',
    `Detected: ${LAYOUT_NAMES[facts.detected.layout]} under \`${markdownCell(facts.root)}\`. ${results.length} checks: ${s.pass} pass, ${s.fail} fail, ${s.warn} warn, ${s.manual} manual.`,
  ];
  return renderChecksMarkdown({ header, rows: results, groupOf: (r) => r.component });
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
