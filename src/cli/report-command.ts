/**
 * Registers `kshield report` and `kshield attest` (their work is in report.ts, loaded when one runs,
 * so that other commands do not load the frameworks).
 */
import { Command, Option } from 'commander';
import { FRAMEWORK_NAMES } from '../compliance/select.js';
import type { AttestOptions, ReportOptions } from './report.js';
import { REPORT_FORMATS } from './report-formats.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];
/** Where attestations are kept unless --attestations says otherwise (src/compliance/attestations.ts has the same default). */
const ATTESTATIONS_FILE = 'kshield-attestations.json';


const FRAMEWORK_HELP = `${Object.keys(FRAMEWORK_NAMES).join(', ')} (CIS Kubernetes Benchmark, NSA/CISA hardening guide, Pod Security Standards, MITRE ATT&CK for Containers, OWASP Kubernetes Top 10, 4C model)`;

/** Registers `kshield report` and `kshield attest`. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('judge the controls of a compliance framework from kshield results (scan, cluster, node, probe, image JSON) or from a scan of the paths given: pass, fail, manual or not assessed, with the evidence and a score per section')
    .argument('[inputs...]', 'kshield JSON results (read as results), or files and directories to scan')
    .requiredOption('--framework <name>', FRAMEWORK_HELP)
    .option('--framework-version <version>', 'the framework version (default: the newest kshield has; kshield report --framework cis --framework-version 1.12)')
    .option('--pss-version <version>', 'Pod Security Standards version: of the scan this command runs, and of the pss framework (v1.N or latest)')
    .addOption(new Option('--results <file>', 'a kshield JSON result to read (repeatable); positional .json results are recognised without it').argParser(collect).default([]))
    .option('--attestations <file>', 'attested answers to manual controls (kshield attest)', ATTESTATIONS_FILE)
    .addOption(new Option('-o, --output <format[=file]>', `${REPORT_FORMATS.join(', ')}; repeatable, FORMAT=FILE writes to a file`).argParser(collect).default([]))
    .option('--output-file <file>', 'write the (single) -o format to this file instead of standard output')
    .option('-c, --config <file>', 'configuration file of the scan this command runs (default: ./.kshield.yaml if present)')
    .option('--max-result-size <size>', `refuse result files larger than this (default 512MiB)`)
    .option('--max-file-size <size>', 'in the scan this command runs: skip files larger than this (default 10MiB)')
    .option('--apply-namespace <namespace>', 'in the scan this command runs: where the manifests will be applied, as kubectl apply -n (default: objects without a namespace are analysed in "default", with a note)')
    .addOption(new Option('--fail-on <status>', 'exit 1 when a control fails (fail), or never (none)').choices(['fail', 'none']).default('fail'))
    .option('--no-color', 'no colours in table output')
    .action(async (inputs: string[], opts: ReportOptions) => {
      const { runReport } = await import('./report.js');
      process.exitCode = await runReport(inputs, opts);
    });

  program
    .command('attest')
    .description('record an attested answer to a manual control, which kshield report counts until it expires; --list and --revoke manage them')
    .argument('[control]', 'the control id (5.1.7 with --framework cis, or cis@2.0:5.1.7)')
    .option('--framework <name>', FRAMEWORK_HELP)
    .option('--framework-version <version>', 'the framework version (default: the newest)')
    .option('--by <name>', 'who attests')
    .option('--evidence <text-or-url>', 'what the answer rests on: a short text or a link')
    .option('--expires <date-or-duration>', 'when it must be reviewed again: 2026-12-31 or 90d, 12w, 1y (at most 3 years)')
    .addOption(new Option('--status <status>', 'the answer').choices(['pass', 'fail']).default('pass'))
    .option('--attestations <file>', 'the attestations file', ATTESTATIONS_FILE)
    .option('--list', 'list the attestations, valid and expired')
    .option('--revoke', 'remove the attestations of the control')
    .addOption(new Option('-o, --output <format>', 'for --list: table or json').choices(['table', 'json']).default('table'))
    .option('--report-to <url>', 'record (or --revoke) the answer in a kshield serve dashboard instead of the file: its compliance view counts it')
    .option('--report-token-file <file>', "with --report-to: a file holding the dashboard's bearer token")
    .option('--report-ca <file>', "with --report-to: the CA (PEM) of the dashboard's certificate, when the system does not trust it")
    .option('--cluster-name <name>', 'with --report-to: the cluster (as the dashboard names it) the answer is about (default: every cluster)')
    .action(async (control: string | undefined, opts: AttestOptions) => {
      const { runAttest } = await import('./report.js');
      process.exitCode = await runAttest(control, opts);
    });
}

