/** The input arguments every command that reads manifests shares: paths (or `-`) and --max-file-size. */
import { parseSize } from '../config/config-file.js';
import { UsageError } from '../core/errors.js';

/** Checks the paths given; `verb` completes "nothing to ..." ("scan", "analyse"). */
export function checkInputPaths(paths: string[], verb: string, example = ''): void {
  if (paths.length === 0) throw new UsageError(`nothing to ${verb}: give files or directories, or - to read standard input${example}`);
  if (paths.filter((p) => p === '-').length > 1) throw new UsageError('standard input (-) can be given only once');
}

/** --max-file-size as bytes (undefined: the default). */
export function maxFileBytesOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parseSize(value);
  } catch (err) {
    throw new UsageError(`--max-file-size: ${(err as Error).message}`);
  }
}

/**
 * The option that says where manifests will be applied (`kubectl apply -n`): `-n/--namespace` on
 * scan, `--apply-namespace` on every command that reads manifests (on rbac and netpol `-n` is the
 * question's namespace, on webhook what-if `--namespace` is the webhook's own). scan takes both
 * spellings, so a script can use --apply-namespace everywhere.
 */
export const APPLY_NAMESPACE_FLAG = '--apply-namespace';
export const APPLY_NAMESPACE_HELP = 'where the manifests will be applied, as kubectl apply -n: namespaced objects without a namespace are placed there, one naming another is an input error (default: they are analysed in "default", with a note)';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Checks a namespace name given on the command line (a DNS-1123 label, as the API server requires). */
function checkNamespaceName(flag: string, namespace: string): void {
  if (namespace.length > 63 || !DNS_LABEL.test(namespace))
    throw new UsageError(`${flag}: "${namespace}" is not a namespace name (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)`);
}

/**
 * The namespace to place manifests in, from `--apply-namespace` and, where it means the same,
 * `-n/--namespace`; two different values are a usage error.
 */
export function applyNamespaceOption(applyNamespace: string | undefined, namespace?: string): string | undefined {
  if (applyNamespace !== undefined) checkNamespaceName(APPLY_NAMESPACE_FLAG, applyNamespace);
  if (namespace !== undefined) checkNamespaceName('--namespace', namespace);
  if (applyNamespace !== undefined && namespace !== undefined && applyNamespace !== namespace)
    throw new UsageError(`--namespace ${namespace} and ${APPLY_NAMESPACE_FLAG} ${applyNamespace} say different things: give one`);
  return applyNamespace ?? namespace;
}
