/** Registers `kshield netpol reach | can | generate` on the program (flags here, work in ./netpol.ts). */
import { Command, InvalidArgumentError, Option } from 'commander';
import { analysisInputOptions } from './analysis-input.js';
import { REACH_FORMATS, runNetpolCan, runNetpolGenerate, runNetpolReach } from './netpol.js';

/** A single-valued option given twice is a mistake (which one was meant?), not "the last one wins". */
function once(flag: string): (value: string, previous: string | undefined) => string {
  return (value, previous) => {
    if (previous !== undefined) throw new InvalidArgumentError(`${flag} is given twice (${previous} and ${value}): give it once`);
    return value;
  };
}

export function registerNetpol(program: Command): void {
  const netpol = program.command('netpol').description('NetworkPolicy analysis: allowed connectivity, single questions, generated policies');
  analysisInputOptions(netpol.command('reach'))
    .description('allowed connections between workloads (namespace/Kind/name) and with addresses outside the cluster')
    .argument('[paths...]', 'files, directories, or - to read standard input', [])
    .addOption(new Option('-o, --output <format>', REACH_FORMATS.join(', ')).default('table'))
    .option('-c, --config <file>', 'configuration file whose operatorWorkloads name more custom resources that make pods (default: ./.kshield.yaml if present)')
    .action(async (paths: string[], opts) => {
      process.exitCode = await runNetpolReach(paths, opts);
    });
  analysisInputOptions(netpol.command('can'))
    .description('may SRC connect to DST on a port? Exit 0 allowed, 1 denied, 2 usage or input error')
    .argument('<src>', 'source workload (namespace/Kind/name) or IP address')
    .argument('<dst>', 'destination workload (namespace/Kind/name) or IP address')
    .argument('[paths...]', 'files, directories, or - to read standard input', [])
    .addOption(new Option('-p, --port <port>', 'destination port number (a name such as http is resolved per destination pod by NetworkPolicies, so ask with the number)').argParser(once('--port')).makeOptionMandatory())
    .option('--protocol <protocol>', 'TCP, UDP or SCTP', 'TCP')
    .addOption(new Option('-o, --output <format>', 'text or json').choices(['text', 'json']).default('text'))
    .option('-c, --config <file>', 'configuration file whose operatorWorkloads name more custom resources that make pods (default: ./.kshield.yaml if present)')
    .action(async (src: string, dst: string, paths: string[], opts) => {
      process.exitCode = await runNetpolCan(src, dst, paths, opts);
    });
  analysisInputOptions(netpol.command('generate'))
    .description('default-deny NetworkPolicies per namespace plus allows for the traffic the manifests declare, as YAML')
    .argument('[paths...]', 'files, directories, or - to read standard input', [])
    .option('--ingress-namespace <name>', 'namespace of the ingress controller (default: allow Ingress backends from any namespace)')
    .option('--ingress-namespace-selector <k=v,...>', 'namespace labels of the ingress controller, instead of --ingress-namespace')
    .option('--ingress-pod-selector <k=v,...>', 'pod labels of the ingress controller')
    .option('--output-file <file>', 'write the YAML to this file instead of standard output')
    .option('-c, --config <file>', 'configuration file whose operatorWorkloads name more custom resources that make pods (default: ./.kshield.yaml if present)')
    .action(async (paths: string[], opts) => {
      process.exitCode = await runNetpolGenerate(paths, { maxFileSize: opts.maxFileSize, cluster: opts.cluster, kubeconfig: opts.kubeconfig, context: opts.context, timeout: opts.timeout, ingressNamespace: opts.ingressNamespace, ingressSelector: opts.ingressNamespaceSelector, ingressPodSelector: opts.ingressPodSelector, outputFile: opts.outputFile, config: opts.config });
    });
}
