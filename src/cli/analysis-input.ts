/**
 * Where the analysis commands (`rbac ...`, `netpol ...`) take their objects from: the same inputs
 * as `kshield scan` (files, directories, `-`), or with `--cluster` the live cluster, listed the way
 * `kshield cluster` lists it.
 */
import { Command } from 'commander';
import type { LoadResult } from '../sources/files.js';
import type { CoverageGap } from '../sources/cluster.js';
import { loadPaths, resourcesFromObjects } from '../sources/files.js';
import { APPLY_NAMESPACE_FLAG, APPLY_NAMESPACE_HELP, applyNamespaceOption, checkInputPaths, maxFileBytesOption } from './inputs.js';
import { UsageError } from './errors.js';

export interface AnalysisInputOptions {
  maxFileSize?: string;
  /** false with --no-render. */
  render?: boolean;
  cluster?: boolean;
  kubeconfig?: string;
  context?: string;
  timeout?: string;
  /** --apply-namespace: where the manifests will be applied (kubectl apply -n). */
  applyNamespace?: string;
}

/** Adds the input options every analysis command takes. */
export function analysisInputOptions(command: Command): Command {
  return command
    .option('--max-file-size <size>', 'skip files larger than this (default 10MiB)')
    .option(`${APPLY_NAMESPACE_FLAG} <ns>`, APPLY_NAMESPACE_HELP)
    .option('--no-render', 'scan the files of kustomization and Helm chart directories as they are, instead of rendering them')
    .option('--cluster', 'read the objects from the live cluster (as kshield cluster does) instead of files')
    .option('--kubeconfig <file>', 'with --cluster: kubeconfig file (default: KUBECONFIG, ~/.kube/config, else the pod service account)')
    .option('--context <name>', 'with --cluster: kubeconfig context to use')
    .option('--timeout <duration>', 'with --cluster: give up on a request, or on credentials (an exec plugin), not answered in this time', '30s');
}

export interface AnalysisInput extends LoadResult {
  /** With --cluster: what could not be listed (the answer leaves those objects out). */
  notCovered?: CoverageGap[];
}

/**
 * The objects to analyse. With --cluster, what could not be listed is in `notCovered`, and also
 * written to standard error as warnings unless `warnGaps` is false (for a command whose report says it).
 */
export async function loadAnalysisInput(paths: string[], opts: AnalysisInputOptions, { warnGaps = true }: { warnGaps?: boolean } = {}): Promise<AnalysisInput> {
  if (!opts.cluster) {
    if (opts.kubeconfig !== undefined || opts.context !== undefined) throw new UsageError('--kubeconfig and --context need --cluster');
    const namespace = applyNamespaceOption(opts.applyNamespace);
    checkInputPaths(paths, 'analyse');
    return loadPaths(paths, { maxFileBytes: maxFileBytesOption(opts.maxFileSize), placement: { namespace, flag: APPLY_NAMESPACE_FLAG }, render: opts.render !== false });
  }
  if (paths.length > 0) throw new UsageError(`--cluster reads the live cluster: give no paths (got ${paths[0]})`);
  if (opts.applyNamespace !== undefined) throw new UsageError(`${APPLY_NAMESPACE_FLAG} places manifests; the live cluster's objects are where they are (drop it, or read files instead of --cluster)`);
  // Loaded on use, like kshield cluster: the Kubernetes client library is slow to import.
  const { discover, listKinds, CLUSTER_KINDS } = await import('../sources/cluster.js');
  const { parseDuration, connectForCommand } = await import('./cluster.js');
  const conn = await connectForCommand({ kubeconfig: opts.kubeconfig, context: opts.context, timeoutMs: parseDuration(opts.timeout ?? '30s', '--timeout') });
  try {
    const kinds = await discover(conn, CLUSTER_KINDS);
    const listing = await listKinds(conn, kinds, { namespaces: [], excludeNamespaces: [], pageSize: 500, concurrency: 4 });
    const loaded = resourcesFromObjects(listing.objects, `cluster:${conn.context}`);
    // What the identity may not list is missing from the answer: say so, as kshield cluster does.
    if (warnGaps) {
      for (const gap of listing.coverage.notCovered)
        process.stderr.write(`cluster:${conn.context}: warning: not covered: ${gap.kind}${gap.namespace ? ` in ${gap.namespace}` : ''} (${gap.reason}); the answer leaves those objects out\n`);
    }
    return { ...loaded, notCovered: listing.coverage.notCovered };
  } finally {
    conn.close();
  }
}
