/**
 * `kshield respond restore TARGET`: undoes what `kshield respond`'s actions did to a pod
 * (isolation policies, labels and annotations, the node cordon) or to a Deployment/StatefulSet
 * (scale-to-zero), from the records the actions left in the cluster. The command is exported for
 * `kshield respond` to attach as its `restore` subcommand.
 */
import { Command, Option } from 'commander';
import { UsageError } from '../core/errors.js';
import { loadKubeClient } from '../sources/kube-client.js';
import { parseRestoreTarget, restore, type RestoreStep } from '../runtime/restore.js';

export interface RespondRestoreOptions {
  kubeconfig?: string;
  context?: string;
  dryRun?: boolean;
  output?: 'text' | 'json';
}

/** 0 when everything was undone (or there was nothing to undo), 1 when a step was refused or failed. */
export async function runRespondRestore(targetText: string, opts: RespondRestoreOptions, write: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  let target;
  try {
    target = parseRestoreTarget(targetText);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  let client;
  try {
    client = await loadKubeClient({ kubeconfig: opts.kubeconfig, context: opts.context });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const steps = await restore(target, { client, dryRun: opts.dryRun === true });
  if (opts.output === 'json') write(`${JSON.stringify({ target: targetText, dryRun: opts.dryRun === true, steps }, null, 2)}\n`);
  else for (const s of steps) write(`${s.status.padEnd(8)} ${s.reason}\n`);
  return steps.some((s: RestoreStep) => s.status === 'failed' || s.status === 'refused') ? 1 : 0;
}

function configure(command: Command, write?: (text: string) => void): Command {
  return command
    .description('undo what respond did: NAMESPACE/POD (isolation, labels, annotations, cordon) or NAMESPACE/deployment/NAME, NAMESPACE/statefulset/NAME (scale-to-zero)')
    .argument('<target>', 'NAMESPACE/POD, NAMESPACE/deployment/NAME or NAMESPACE/statefulset/NAME')
    .option('--kubeconfig <file>', 'kubeconfig file (default: in-cluster service account, KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .option('--dry-run', 'say what would be undone; change nothing')
    .addOption(new Option('-o, --output <format>', 'text or json').choices(['text', 'json']).default('text'))
    .action(async (target: string, opts: RespondRestoreOptions) => {
      process.exitCode = await runRespondRestore(target, opts, write);
    });
}

/** `restore` as a subcommand of `respond`, made with `respond.command()` so it inherits the program's error output and exit handling. */
export function registerRespondRestore(respond: Command, write?: (text: string) => void): Command {
  return configure(respond.command('restore'), write);
}

/** The same as a free-standing command, for a caller that assembles commands itself. */
export function respondRestoreCommand(write?: (text: string) => void): Command {
  return configure(new Command('restore'), write);
}
