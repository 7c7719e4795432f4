#!/usr/bin/env node
/** kshield / kubectl-kshield: the command line. */
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { VERSION } from '../core/version.js';
import { UsageError, OutputError, EXIT } from '../core/errors.js';
import { runScan } from './scan.js';
import { runRules } from './rules.js';
import { runExplain } from './explain.js';
import { runExemptionsAudit } from './exemptions.js';
import { runAccess, runPaths, runWhoCan } from './rbac.js';
import { registerNetpol } from './netpol-command.js';
import { registerInstall } from './install.js';
import { analysisInputOptions } from './analysis-input.js';
import { APPLY_NAMESPACE_FLAG, APPLY_NAMESPACE_HELP } from './inputs.js';
import { ConfigError } from '../config/config-file.js';
import { SelectionError } from '../engine/select.js';
import { BaselineError } from '../core/baseline.js';
import { didYouMean, suggest } from '../core/suggest.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];
const list = (value: string, previous: string[]): string[] => [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];

/** The selection, configuration and report options `scan` and `cluster` share. */
function reportOptions(command: Command): Command {
  return command
    .addOption(new Option('-o, --output <format[=file]>', 'table, json, sarif, junit or markdown; repeatable, FORMAT=FILE writes to a file').argParser(collect).default([]))
    .option('--output-file <file>', 'write the (single) -o format to this file instead of standard output')
    .addOption(new Option('--only <ids-or-tags>', 'run only these rules (comma-separated ids or tags)').argParser(list).default([]))
    .addOption(new Option('--skip <ids-or-tags>', 'leave these rules out (comma-separated ids or tags)').argParser(list).default([]))
    .option('-c, --config <file>', 'configuration file (default: ./.kshield.yaml if present)')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when an unsuppressed finding is at or above this severity').choices(['critical', 'high', 'medium', 'low', 'info', 'none']))
    .addOption(
      new Option('--min-severity <severity>', 'leave findings below this severity out of every report (the exit code still judges all of them: see --fail-on)').choices([
        'critical',
        'high',
        'medium',
        'low',
        'info',
      ]),
    )
    .option('--baseline <file>', 'report only findings that are not in this baseline file')
    .option('--no-inline-suppressions', 'ignore kshield.io/ignore annotations (exemptions are governed in the config)')
    .option('--show-suppressed', 'list suppressed findings in table and markdown output')
    .option('--no-color', 'no colours in table output')
    .option('--pss-version <version>', PSS_VERSION_HELP);
}

const PSS_VERSION_HELP = 'Pod Security Standards version to judge at: latest (default) or v1.N, as the pod-security.kubernetes.io/enforce-version label takes it';

function buildProgram(): Command {
  const invokedAs = path.basename(process.argv[1] ?? 'kshield').replace(/\.js$/, '');
  const program = new Command()
    .name(invokedAs === 'kubectl-kshield' ? 'kubectl kshield' : 'kshield')
    .description(
      'Kubernetes security toolkit: check manifests (scan) and live clusters (cluster) against security rules, audit nodes (node), ' +
        'probe exposed ports (probe), analyse RBAC (rbac) and NetworkPolicies (netpol), and enforce the rules at admission (webhook, install webhook)',
    )
    .version(VERSION, '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    // Commander's own errors (set before the subcommands, which inherit it): named like ours, and a
    // misspelt choice (--min-severity hgh) gets the same "did you mean" as every other name.
    .configureOutput({ outputError: (text, write) => write(`kshield: ${withChoiceSuggestion(text)}`) })
    // Options after a subcommand belong to it (webhook and webhook what-if both take --config).
    .enablePositionalOptions()
    .exitOverride();

  reportOptions(
    program
      .command('scan')
      .description('scan manifests: files, directories (recursively: *.yaml, *.yml, *.json) and - for standard input')
      .argument('[paths...]', 'files, directories, or - to read standard input'),
  )
    .option('--write-baseline <file>', 'record the current findings as the accepted baseline')
    .option('--max-file-size <size>', 'skip files larger than this (default 10MiB)')
    .option('-n, --namespace <ns>', APPLY_NAMESPACE_HELP)
    .option(`${APPLY_NAMESPACE_FLAG} <ns>`, 'the same as -n, spelt as on rbac, netpol and webhook what-if')
    .option('--no-render', 'scan the files of kustomization and Helm chart directories as they are, instead of rendering them with kubectl kustomize / helm template')
    .option('-j, --jobs <n|auto>', 'threads to scan with: a number, or auto (one per core, up to 4, for inputs over 4 MiB)', '1')
    .action(async (paths: string[], opts) => {
      process.exitCode = await runScan(paths, opts);
    });

  program
    .command('rules')
    .description('list the rules')
    .addOption(new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'))
    .option('--tag <tag>', 'only rules with this tag (or category)')
    .action(async (opts) => {
      process.exitCode = await runRules(opts);
    });

  program
    .command('explain')
    .description('explain one rule: what it checks, why, how to fix it, with examples')
    .argument('<rule-id>')
    .addOption(new Option('-o, --output <format>', 'text or json').choices(['text', 'json']).default('text'))
    .action(async (id: string, opts) => {
      process.exitCode = await runExplain(id, opts);
    });

  const exemptions = program.command('exemptions').description('governed exemptions from the configuration');
  exemptions
    .command('audit')
    .description('list exemptions that matched no finding or have expired')
    .argument('[paths...]', 'manifests to check the exemptions against', [])
    .option('-c, --config <file>', 'configuration file (default: ./.kshield.yaml)')
    .option('-n, --namespace <ns>', APPLY_NAMESPACE_HELP)
    .option(`${APPLY_NAMESPACE_FLAG} <ns>`, 'the same as -n, spelt as on rbac, netpol and webhook what-if')
    .addOption(new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'))
    .action(async (paths: string[], opts) => {
      process.exitCode = await runExemptionsAudit(paths, opts);
    });

  const rbac = program.command('rbac').description('RBAC analysis of manifests: who can do what, effective permissions, privilege-escalation paths');
  analysisInputOptions(rbac.command('who-can'))
    .description('every subject allowed VERB on RESOURCE (RESOURCE[.GROUP][/SUBRESOURCE], or a /non-resource/url), with the role and binding that grant it')
    .argument('<verb>')
    .argument('<resource>')
    .argument('[paths...]', 'files, directories, or - to read standard input', [])
    .option('-n, --namespace <ns>', 'only grants that apply in this namespace (default: any namespace)')
    .option('--subresource <name>', 'the subresource, e.g. exec, log, scale')
    .option('--name <name>', 'the object name (rules with resourceNames match only named requests)')
    .option('-o, --output <format>', 'table or json', 'table')
    .action(async (verb: string, resource: string, paths: string[], opts) => {
      process.exitCode = await runWhoCan(verb, resource, paths, opts);
    });
  analysisInputOptions(rbac.command('access'))
    .description('effective permissions of a subject: sa:NAMESPACE:NAME, user:NAME or group:NAME')
    .argument('<subject>')
    .argument('[paths...]', 'files, directories, or - to read standard input', [])
    .option('-o, --output <format>', 'table or json', 'table')
    .action(async (subject: string, paths: string[], opts) => {
      process.exitCode = await runAccess(subject, paths, opts);
    });
  analysisInputOptions(rbac.command('paths'))
    .description('privilege-escalation paths as a graph')
    .argument('[paths...]', 'files, directories, or - to read standard input', [])
    .option('-o, --output <format>', 'table, json, dot or mermaid', 'table')
    .option('-c, --config <file>', 'configuration file whose kubernetesVersion (which verbs open an exec session) and operatorWorkloads apply (default: ./.kshield.yaml if present)')
    .action(async (paths: string[], opts) => {
      process.exitCode = await runPaths(paths, opts);
    });
  registerNetpol(program);
  registerInstall(program);

  reportOptions(program.command('cluster').description('scan a live cluster: list the objects the rules judge (get/list only) and report like scan'))
    .option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG, ~/.kube/config, else the pod service account)')
    .option('--context <name>', 'kubeconfig context to use (default: the current context)')
    .addOption(new Option('-n, --namespace <ns>', 'only these namespaces (repeatable or comma-separated; cluster-scoped kinds are still listed)').argParser(list).default([]))
    .addOption(new Option('--exclude-namespace <ns>', 'leave these namespaces out (repeatable or comma-separated)').argParser(list).default([]))
    .option('--timeout <duration>', 'give up on a request the API server has not answered, or on credentials (an exec plugin) not obtained, in this time (e.g. 30s, 500ms)', '30s')
    .option('--page-size <n>', 'objects per list request (limit/continue pagination)', '500')
    .option('--concurrency <n>', 'list requests in flight at once', '4')
    .option('--no-progress', 'no progress bar on a terminal')
    .action(async (opts) => {
      // Imported on use: the Kubernetes client library is slow to load and no other command needs it.
      const { runCluster } = await import('./cluster.js');
      process.exitCode = await runCluster(opts);
    });

  program
    .command('node')
    .description("CIS Kubernetes Benchmark-style checks of this node's files: control-plane manifests, kubelet, etcd, encryption at rest, file permissions")
    .option('--root <dir>', 'read the node tree under this directory (a copy of a node, or a host mount)', '/')
    .option('--proc <dir>', "read the node's processes here instead of <root>/proc (in a pod with hostPID: /proc)")
    .addOption(new Option('-o, --output <format[=file]>', 'table, json, sarif, junit or markdown; repeatable, FORMAT=FILE writes to a file').argParser(collect).default([]))
    .option('--output-file <file>', 'write the (single) -o format to this file instead of standard output')
    .addOption(new Option('--fail-on <status>', 'exit 1 when a check has this status or a worse one (fail > warn > manual); none never fails').choices(['fail', 'warn', 'manual', 'none']).default('fail'))
    .option('--no-color', 'no colours in table output')
    .action(async (opts) => {
      const { runNode } = await import('./node.js');
      process.exitCode = await runNode(opts);
    });

  const probe = program.command('probe').description('probe control-plane and node ports from the network, with no credentials: what do they give away?');
  const probeOptions = (command: Command): Command =>
    command
      .option('--timeout <duration>', 'the longest to wait for one endpoint, connections and answers included: 1ms to 1h (e.g. 5s, 500ms, 1m30s)', '5s')
      .addOption(new Option('-o, --output <format[=file]>', 'table, json or markdown; repeatable, FORMAT=FILE writes to a file').argParser(collect).default([]))
      .option('--output-file <file>', 'write the (single) -o format to this file instead of standard output')
      .option('--no-color', 'no colours in table output');
  probeOptions(probe.command('etcd'))
    .description('does etcd answer without a client certificate: over plaintext HTTP (CIS 2.1), or over TLS without client-cert auth (CIS 2.2)?')
    .argument('<endpoints...>', 'https://HOST:PORT, http://HOST:PORT or HOST[:PORT] (default port 2379); both protocols are tried whatever the scheme')
    .action(async (endpoints: string[], opts) => {
      const { runProbeEtcd } = await import('./probe.js');
      process.exitCode = await runProbeEtcd(endpoints, opts);
    });
  probeOptions(probe.command('kubelet'))
    .description('does the kubelet serve its read-only port (CIS 4.2.4) or answer anonymous requests on its API port (CIS 4.2.1, 4.2.2)?')
    .argument('<hosts...>', 'host names or IP addresses of nodes')
    .option('--port <port>', 'the kubelet API port (HTTPS)', '10250')
    .option('--read-only-port <port>', 'the read-only port (plaintext HTTP)', '10255')
    .action(async (hosts: string[], opts) => {
      const { runProbeKubelet } = await import('./probe.js');
      process.exitCode = await runProbeKubelet(hosts, opts);
    });

  const webhook = program
    .command('webhook')
    .description('admission webhook: HTTPS server judging AdmissionReviews with the scan rules (POST /validate, /mutate; GET /healthz, /readyz, /metrics)')
    .option('--tls-cert <file>', 'serving certificate (PEM; required); reloaded when the file changes')
    .option('--tls-key <file>', 'private key of the serving certificate (PEM; required); reloaded when the file changes')
    .option('--port <port>', 'port to listen on', '8443')
    .option('--address <ip>', 'address to listen on', '0.0.0.0')
    .option('-c, --config <file>', 'configuration file with a webhook: section (default: ./.kshield.yaml if present); reloaded when it changes')
    .option('--namespace <ns>', "the webhook's own namespace, exempt by default (default: POD_NAMESPACE, else the pod's service account namespace)")
    .option('--kubeconfig <file>', 'kubeconfig for reading namespace labels (exemptNamespaceSelector); default: the pod service account')
    .option('--context <name>', 'kubeconfig context to use')
    .option('--drain-delay <duration>', 'on SIGTERM, keep serving this long with /readyz at 503 before closing the port', '0s')
    .option('--drain-timeout <duration>', 'then wait at most this long for requests in flight', '20s')
    .option('--request-timeout <duration>', 'time a client has to send a whole request', '10s')
    .option('--reload-poll <duration>', 'how often the config and TLS files are also polled for changes', '5s')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', 'info')
    .option('--pss-version <version>', `${PSS_VERSION_HELP}; wins over the configuration's pssVersion`)
    // what-if has its own --config, --namespace, --kubeconfig: options after it are its own.
    .enablePositionalOptions()
    .action(async (opts) => {
      const { runWebhook } = await import('./webhook.js');
      process.exitCode = await runWebhook(opts);
    });
  analysisInputOptions(webhook.command('what-if'))
    .description('apply the webhook configuration to existing workloads (files, or the live cluster with --cluster): which would be denied or warned, per namespace')
    .argument('[paths...]', 'files, directories, or - to read standard input', [])
    .option('-c, --config <file>', 'configuration file (default: ./.kshield.yaml if present)')
    .option('--namespace <ns>', "the webhook's own namespace (exempt by default)")
    .option('--pss-version <version>', `${PSS_VERSION_HELP}; wins over the configuration's pssVersion`)
    .option('-o, --output <format>', 'table or json', 'table')
    .action(async (paths: string[], opts) => {
      const { runWhatIf } = await import('./webhook.js');
      process.exitCode = await runWhatIf(paths, opts);
    });

  return program;
}

/** Adds "did you mean" to commander's "argument 'hgh' is invalid. Allowed choices are ..." message. */
function withChoiceSuggestion(text: string): string {
  const m = /argument '([^']*)' is invalid\. Allowed choices are ([^.\n]*)\./.exec(text);
  if (!m) return text;
  const near = didYouMean(suggest(m[1], m[2].split(',').map((c) => c.trim())));
  return near ? text.replace(m[0], `argument '${m[1]}' is invalid: ${near} Allowed choices are ${m[2]}.`) : text;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return EXIT.usage;
    }
    if (err instanceof UsageError || err instanceof OutputError || (err as Error)?.name === 'ClusterError' || err instanceof ConfigError || err instanceof SelectionError || err instanceof BaselineError) {
      process.stderr.write(`${program.name()}: error: ${(err as Error).message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`${program.name()}: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    return EXIT.internal;
  }
}

const code = await main(process.argv);
process.exitCode = code;
