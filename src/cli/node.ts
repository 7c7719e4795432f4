/** `kshield node [--root DIR]`: CIS-style checks of the node's own files; exit 1 when a check fails (or as --fail-on says). */
import path from 'node:path';
import { MANIFEST_DIRS, NodeRootError, readNode, type NodeFacts } from '../sources/node.js';
import { runNodeChecks, STATUS_RANK, type CheckResult, type CheckStatus } from '../node/checks.js';
import { buildNodeReport, renderNodeHtml, renderNodeJunit, renderNodeMarkdown, renderNodeSarif, renderNodeTable } from '../report/node.js';
import { parseOutputs, writeTargets, type OutputTarget } from './output.js';
import { UsageError, EXIT } from '../core/errors.js';
import { VERSION } from '../core/version.js';

export { buildNodeReport, renderNodeMarkdown, renderNodeTable, type NodeReport } from '../report/node.js';

export interface NodeCommandOptions {
  root: string;
  /** The node's /proc when it is not under --root (a pod with hostPID: /proc). */
  proc?: string;
  output: string[];
  outputFile?: string;
  failOn?: string;
  color: boolean;
}

const NODE_FAIL_ON = ['fail', 'warn', 'manual', 'none'] as const;

function parseFailOn(value: string | undefined): CheckStatus | 'none' {
  const v = value ?? 'fail';
  if (!(NODE_FAIL_ON as readonly string[]).includes(v)) throw new UsageError(`--fail-on: "${v}" is not one of ${NODE_FAIL_ON.join(', ')} (node checks have statuses, not severities)`);
  return v as CheckStatus | 'none';
}

/** Exit 1 when a result is at or above the threshold: fail > warn > manual. */
function nodeExitCode(results: CheckResult[], failOn: CheckStatus | 'none'): number {
  if (failOn === 'none') return EXIT.clean;
  return results.some((r) => r.status !== 'pass' && STATUS_RANK[r.status] >= STATUS_RANK[failOn]) ? EXIT.findings : EXIT.clean;
}

function render(target: OutputTarget, facts: NodeFacts, results: CheckResult[], failOn: CheckStatus | 'none', absoluteRoot: string, color: boolean, width: number | undefined): string {
  switch (target.format) {
    case 'json':
      return JSON.stringify(buildNodeReport(facts, results), null, 2) + '\n';
    case 'markdown':
      return renderNodeMarkdown(facts, results);
    case 'html':
      return renderNodeHtml(facts, results);
    case 'sarif':
      return renderNodeSarif(facts, results, { version: VERSION, absoluteRoot });
    case 'junit':
      return renderNodeJunit(facts, results, failOn);
    default:
      return renderNodeTable(facts, results, color, width);
  }
}

export async function runNode(opts: NodeCommandOptions): Promise<number> {
  const targets = parseOutputs(opts.output, opts.outputFile);
  const failOn = parseFailOn(opts.failOn);
  const absoluteRoot = path.resolve(opts.root);
  let facts: NodeFacts;
  try {
    // Reports show the root as the user gave it; reading uses the absolute path.
    facts = { ...readNode(absoluteRoot, { procDir: opts.proc ? path.resolve(opts.proc) : undefined }), root: opts.root };
  } catch (err) {
    if (!(err instanceof NodeRootError)) throw err;
    throw new UsageError(err.message.replace(err.dir, err.option === '--root' ? opts.root : opts.proc!));
  }
  // Like `scan` on a directory with no manifests: a mistyped --root must not pass CI with 0 checks.
  if (facts.detected.layout === 'unknown') {
    throw new UsageError(
      `--root ${opts.root}: no Kubernetes node layout found (looked for ${MANIFEST_DIRS.kubeadm}, /var/lib/kubelet, /etc/rancher/{k3s,rke2}, /var/lib/rancher/{k3s,rke2} and component processes in ${opts.proc ?? `${opts.root.replace(/\/+$/, '')}/proc`}): is this the node's root directory?`,
    );
  }
  const results = runNodeChecks(facts);
  const written = await writeTargets(targets, !opts.color, (target, color, width) => render(target, facts, results, failOn, absoluteRoot, color, width));
  if (!written) return EXIT.usage;
  return nodeExitCode(results, failOn);
}
