#!/usr/bin/env node
/** kshield / kubectl-kshield: the command line. */
import { registerRespondRestore } from './respond-restore.js';
import { registerReport } from './report-command.js';
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
import { registerTenants } from './tenants.js';
import { registerInstall } from './install.js';
import { vulnerabilityOptions } from './vuln-options.js';
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
    .addOption(new Option('-o, --output <format[=file]>', 'table, json, sarif, junit, markdown or html; repeatable, FORMAT=FILE writes to a file').argParser(collect).default([]))
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
        'probe exposed ports (probe), analyse RBAC (rbac) and NetworkPolicies (netpol), inventory images and their known vulnerabilities (image, db, vulns), list application dependencies and write SBOMs (deps), verify image signatures (verify), and enforce the rules at admission (webhook, install webhook)',
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
    vulnerabilityOptions(
      program
        .command('scan')
        .description('scan manifests, Dockerfiles and lockfiles: files, directories (recursively: *.yaml, *.yml, *.json, Dockerfile, Containerfile, *.Dockerfile, Dockerfile.*, package-lock.json, yarn.lock, go.mod, ...) and - for standard input')
        .argument('[paths...]', 'files, directories, or - to read standard input'),
      { failOn: false, optional: true },
    ),
  )
    .option('--write-baseline <file>', 'record the current findings as the accepted baseline')
    .option('--max-file-size <size>', 'skip files larger than this (default 10MiB)')
    .option('-n, --namespace <ns>', APPLY_NAMESPACE_HELP)
    .option(`${APPLY_NAMESPACE_FLAG} <ns>`, 'the same as -n, spelt as on rbac, netpol and webhook what-if')
    .option('--no-render', 'scan the files of kustomization and Helm chart directories as they are, instead of rendering them with kubectl kustomize / helm template')
    .option('-j, --jobs <n|auto>', 'threads to scan with: a number, or auto (one per core, up to 4, for inputs over 4 MiB)', '1')
    .addOption(new Option('--stdin-kind <kind>', 'what - (standard input) holds').choices(['manifests', 'dockerfile']).default('manifests'))
    .option('--images', "read each image the workloads name from its registry and judge it with them: every layer, so its packages' vulnerabilities are reported too")
    .option('--image-config-only', 'with --images: read only each image\'s configuration (user, exposed ports, labels), no layers')
    .option('--max-images <n>', 'with --images: read at most this many distinct images (default 20); the rest are named in a note')
    .option('--image-timeout <duration>', 'with --images: give up on one image after this long (default 2m)')
    .option('--insecure', 'with --images: plain HTTP to registries on this machine (127.0.0.1, ::1, localhost); other registries are still asked over HTTPS')
    .option('--docker-config <file>', 'with --images: Docker configuration to take registry credentials from (default: $DOCKER_CONFIG/config.json, ~/.docker/config.json)')
    .option('--platform <os/arch[/variant]>', "with --images: the image to read from a multi-platform index (default: this machine's)")
    .option('--report-to <url>', 'also send the result, with the RBAC graph and reachability of the objects, to a kshield serve dashboard (its URL); the report and exit code here are unchanged')
    .option('--report-token-file <file>', "with --report-to: a file holding the dashboard's bearer token")
    .option('--report-ca <file>', "with --report-to: the CA (PEM) of the dashboard's certificate, when the system's CAs do not trust it")
    .option('--cluster-name <name>', "with --report-to: the name of what was scanned in the dashboard (default: the paths given)")
    .addOption(new Option('--report-evidence <file>', 'with --report-to: a kshield node or probe JSON result sent with the scan, for the dashboard to judge CIS sections 1-4 from (repeatable)').argParser(collect).default([]))
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
    .option('-o, --output <format>', 'table, json, dot, mermaid or html', 'table')
    .option('-c, --config <file>', 'configuration file whose kubernetesVersion (which verbs open an exec session) and operatorWorkloads apply (default: ./.kshield.yaml if present)')
    .action(async (paths: string[], opts) => {
      process.exitCode = await runPaths(paths, opts);
    });
  registerNetpol(program);
  registerTenants(program);
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
    .addOption(new Option('--desired <dir>', 'manifests (files, directories, kustomizations, charts) declaring the workloads: report live ones weaker than declared in a security-relevant field (drift-from-desired; repeatable)').argParser(collect).default([]))
    .option('--report-to <url>', 'also send the result to a kshield serve dashboard (its URL); the report and exit code here are unchanged')
    .option('--report-token-file <file>', "with --report-to: a file holding the dashboard's bearer token")
    .option('--report-ca <file>', "with --report-to: the CA (PEM) of the dashboard's certificate, when the system's CAs do not trust it")
    .option('--cluster-name <name>', "with --report-to: this cluster's name in the dashboard (default: the kubeconfig context)")
    .addOption(new Option('--report-evidence <file>', 'with --report-to: a kshield node or probe JSON result sent with the scan, for the dashboard to judge CIS sections 1-4 from (repeatable)').argParser(collect).default([]))
    .action(async (opts) => {
      // Imported on use: the Kubernetes client library is slow to load and no other command needs it.
      const { runCluster } = await import('./cluster.js');
      process.exitCode = await runCluster(opts);
    });

  program
    .command('serve')
    .description('the dashboard: stored scans and their history (SQLite, or PostgreSQL for a fleet), periodic cluster scans, results pushed by cluster --report-to')
    .option('--listen <address:port>', 'where to listen (0.0.0.0:8080 for every address; give TLS then)', '127.0.0.1:8080')
    .option('--token-file <file>', 'the bearer token (default: one generated now and printed)')
    .option('--oidc-issuer <url>', 'also accept ID tokens this OIDC issuer signed (RS256/ES256; keys from its discovery document)')
    .option('--oidc-audience <aud>', 'with --oidc-issuer: the client id the tokens must be for')
    .option('--oidc-client-id <id>', 'with --oidc-issuer: sign in from the browser (authorization code + PKCE) as this client; also the audience')
    .option('--oidc-client-secret-file <file>', "with --oidc-client-id: the client's secret, for an issuer that registers the dashboard as a confidential client")
    .option('--oidc-timeout <duration>', 'how long one request to the OIDC issuer may take', '10s')
    .option('--public-url <url>', 'the address browsers reach the dashboard at (the redirect URI is URL/auth/callback; default: the listen address)')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM; with --tls-key)')
    .option('--tls-key <file>', "the certificate's private key (PEM)")
    .option('--database <path-or-url>', 'SQLite file, sqlite:PATH or postgres://… (default: $XDG_DATA_HOME/kshield/kshield.db)')
    .addOption(new Option('--import <file>', 'store this result at start (repeatable): kshield scan, cluster or image -o json, or kshield respond\'s audit log').argParser(collect).default([]))
    .option('--interval <duration>', 'scan the cluster now and then every DURATION (e.g. 10m), as kshield cluster does')
    .option('--kubeconfig <file>', 'with --interval: kubeconfig file (default: KUBECONFIG, ~/.kube/config, else the pod service account)')
    .option('--context <name>', 'with --interval: kubeconfig context to use')
    .option('--cluster-name <name>', "with --interval: the cluster's name in the dashboard (default: the context); with --import of a respond audit log: the cluster its alerts are from (default: the file's name)")
    .addOption(new Option('--team-label <key>', 'label key naming an object\'s team, first present wins (repeatable; default: team, app.kubernetes.io/part-of)').argParser(collect).default([]))
    .option('--max-import-size <size>', 'largest scan result accepted by POST /api/scans', '256MiB')
    .action(async (opts) => {
      const { runServe } = await import('./serve.js');
      process.exitCode = await runServe(opts);
    });

  const imageCommand = program
    .command('image')
    .description('inventory of a container image (OS and language packages) and findings about its configuration: REF in a registry, oci-layout DIR, docker-archive TAR (docker save) or rootfs DIR')
    .argument('<ref-or-kind>', 'an image reference (nginx:1.27, ghcr.io/acme/api@sha256:...), or oci-layout, docker-archive, rootfs')
    .argument('[path]', 'the directory or archive for oci-layout, docker-archive and rootfs')
    .addOption(new Option('-o, --output <format[=file]>', 'table (text), json, sarif, junit, markdown, html, cyclonedx or spdx; repeatable, FORMAT=FILE writes to a file').argParser(collect).default([]))
    .option('--output-file <file>', 'write the (single) -o format to this file instead of standard output')
    .addOption(new Option('--only <ids-or-tags>', 'run only these rules (comma-separated ids or tags)').argParser(list).default([]))
    .addOption(new Option('--skip <ids-or-tags>', 'leave these rules out (comma-separated ids or tags)').argParser(list).default([]))
    .option('-c, --config <file>', 'configuration file: exemptions (also of vulnerabilities), severity overrides, enable/disable (default: ./.kshield.yaml if present)')
    .option('--baseline <file>', 'suppress findings that are in this baseline file')
    .option('--write-baseline <file>', 'record the current findings as the accepted baseline')
    .option('--show-suppressed', 'list suppressed findings in table and markdown output')
    .option('--sbom <format>', 'write an SBOM of the image: cyclonedx (CycloneDX 1.6 JSON) or spdx (SPDX 2.3 JSON); -o FILE names its file')
    .option('--sbom-timestamp <time>', "the SBOM's creation time (ISO 8601) instead of now, for reproducible documents")
    .option('--platform <os/arch[/variant]>', "the image to read from a multi-platform index (default: this machine's, e.g. linux/amd64)")
    .option('--tag <name>', 'the image to read from an OCI layout (ref name) or docker archive (repo tag) that holds several')
    .option('--insecure', 'plain HTTP to a registry on this machine (127.0.0.1, ::1, localhost only)')
    .option('--docker-config <file>', 'Docker configuration to take registry credentials from (default: $DOCKER_CONFIG/config.json, ~/.docker/config.json)')
    .option('--max-layer-size <size>', 'refuse a layer larger than this, compressed or unpacked (default 8GiB)')
    .option('--max-file-size <size>', 'skip (with a note) a file larger than this that would be read into memory (default 64MiB)')
    .option('--max-entries <n>', 'refuse an image with more files than this in all its layers (default 2000000)')
    .option('--timeout <duration>', 'give up on a registry request, or a layer transfer that stalls, after this long (default 30s)')
    .addOption(new Option('--fail-on <severity>', "exit 1 when an unsuppressed finding is at or above this severity (default: the configuration's, else high)").choices(['critical', 'high', 'medium', 'low', 'info', 'none']))
    .option('--packages', 'list every package in table output (json always has them)')
    .option('--dockerfile <file>', "the Dockerfile the image was built from: each layer is attributed to the final stage's instruction that made it, or to the base image")
    .option('--no-color', 'no colours in table output')
    .option('--report-to <url>', 'also send the JSON result to this kshield serve dashboard (its Images page)')
    .option('--report-token-file <file>', "with --report-to: the dashboard's bearer token")
    .option('--report-ca <file>', "with --report-to: CA (PEM) of the dashboard's certificate")
    .option('--cluster-name <name>', 'with --report-to: the cluster the image runs in, as the dashboard names it (default: images)')
    .action(async (what: string, where: string | undefined, opts) => {
      const { runImage } = await import('./image.js');
      process.exitCode = await runImage(what, where, opts);
    });
  vulnerabilityOptions(imageCommand, { failOn: false, optional: true });

  program
    .command('verify')
    .description("verify an image's signatures and attestations in its registry: cosign key-based signatures (sha256-<digest>.sig tags, OCI referrers), Sigstore bundles (keyless or keyed, offline against a trusted root), Notary Project signatures (trust policy and trust stores) and in-toto attestations, under a policy (keys any-of/all-of, identities, required attestation types, allowed builders and sources)")
    .argument('<image>', 'an image reference (registry.example/app:1.2, ...@sha256:...): its tag is resolved to the digest that is verified')
    .addOption(new Option('--key <file>', "a public key (PEM: ECDSA P-256/P-384/P-521, RSA, Ed25519), e.g. cosign.pub; repeatable").argParser(collect).default([]))
    .option('--trusted-root <file>', 'Sigstore trusted_root.json (Fulcio CAs, Rekor, CT log and timestamp authority keys) to verify Sigstore bundles with, offline')
    .option('--trust-policy <file>', "Notary Project trust policy (notation's trustpolicy.json, version 1.0) to verify notation signatures with")
    .option('--trust-store <dir>', 'the directory holding the trust stores the policy names, as notation lays them out (x509/ca/NAME/*.pem, x509/signingAuthority/..., x509/tsa/...)')
    .option('--certificate-identity <subject>', "keyless: the signing certificate's identity (its SAN: an email or URI)")
    .option('--certificate-identity-regexp <regexp>', 'keyless: the identity as a regular expression (anchored)')
    .option('--certificate-oidc-issuer <url>', "keyless: the OIDC issuer in the certificate (e.g. https://token.actions.githubusercontent.com)")
    .option('--certificate-oidc-issuer-regexp <regexp>', 'keyless: the issuer as a regular expression (anchored)')
    .addOption(new Option('--require <any|all>', 'any: one key verifying a signature is enough; all: every --key must have signed').choices(['any', 'all']).default('any'))
    .addOption(new Option('--attestation <type>', 'require a verified attestation of this type: slsaprovenance (v0.2 or v1), slsaprovenance02, slsaprovenance1, vuln, cyclonedx, spdx, openvex, link, custom, or a predicate type URI; repeatable').argParser(collect).default([]))
    .addOption(new Option('--allowed-builder <id>', 'SLSA provenance must name one of these builder ids; repeatable').argParser(collect).default([]))
    .addOption(new Option('--allowed-source <repository>', 'SLSA provenance must name one of these source repositories (https://github.com/org/repo); repeatable').argParser(collect).default([]))
    .option('--signature-repository <repository>', 'look for the signatures in this repository (registry/path) instead of beside the image, as cosign does with COSIGN_REPOSITORY (the default when set)')
    .option('--insecure', 'plain HTTP to a registry on this machine (127.0.0.1, ::1, localhost only)')
    .option('--docker-config <file>', 'Docker configuration to take registry credentials from (default: $DOCKER_CONFIG/config.json, ~/.docker/config.json)')
    .option('--timeout <duration>', 'give up on a registry request after this long (default 30s)')
    .option('--max-artifacts <n>', 'read at most this many referrers of the image (default 32)')
    .addOption(new Option('-o, --output <format[=file]>', 'table, json or sarif; repeatable, FORMAT=FILE writes to a file').argParser(collect).default([]))
    .option('--output-file <file>', 'write the (single) -o format to this file instead of standard output')
    .addOption(new Option('--fail-on <when>', 'exit 1 when the policy is not satisfied (unsatisfied, the default), when any signature failed (any-failure), or never (none)').choices(['unsatisfied', 'any-failure', 'none']))
    .option('--no-color', 'no colours in table output')
    .action(async (image: string, opts) => {
      const { runVerify } = await import('./verify.js');
      process.exitCode = await runVerify(image, opts);
    });

  const depsCommand = program
    .command('deps')
    .description('application dependencies of a source tree from its lockfiles (npm, yarn, pnpm, pip, Poetry, Pipenv, Go, Maven, Cargo): an inventory, or an SBOM')
    .argument('<dir>', 'the directory to walk (node_modules, .git, vendor and build output are skipped), or one lockfile')
    .addOption(new Option('-o, --output <format[=file]>', 'table, json, cyclonedx or spdx; repeatable, FORMAT=FILE writes to a file (with --sbom, -o FILE is the SBOM file)').argParser(collect).default([]))
    .option('--output-file <file>', 'write the (single) -o format to this file instead of standard output')
    .option('--sbom <format>', 'write an SBOM: cyclonedx (CycloneDX 1.6 JSON) or spdx (SPDX 2.3 JSON)')
    .option('--sbom-timestamp <time>', "the SBOM's creation time (ISO 8601) instead of now, for reproducible documents")
    .option('--max-file-size <size>', 'skip lockfiles larger than this (default 64MiB)')
    .option('-c, --config <file>', 'configuration file: exemptions of vulnerabilities (default: ./.kshield.yaml if present)')
    .option('--baseline <file>', 'suppress vulnerabilities that are in this baseline file')
    .option('--write-baseline <file>', 'record the current vulnerabilities as the accepted baseline')
    .action(async (dir: string, opts) => {
      const { runDeps } = await import('./deps.js');
      process.exitCode = await runDeps(dir, opts);
    });
  vulnerabilityOptions(depsCommand, { failOn: true, optional: true });

  program
    .command('node')
    .description("CIS Kubernetes Benchmark-style checks of this node's files: control-plane manifests, kubelet, etcd, encryption at rest, file permissions")
    .option('--root <dir>', 'read the node tree under this directory (a copy of a node, or a host mount)', '/')
    .option('--proc <dir>', "read the node's processes here instead of <root>/proc (in a pod with hostPID: /proc)")
    .addOption(new Option('-o, --output <format[=file]>', 'table, json, sarif, junit, markdown or html; repeatable, FORMAT=FILE writes to a file').argParser(collect).default([]))
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
      .addOption(new Option('-o, --output <format[=file]>', 'table, json, markdown or html; repeatable, FORMAT=FILE writes to a file').argParser(collect).default([]))
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

  const db = program.command('db').description('the local OSV vulnerability database: download (update) and describe (status)');
  db.command('update')
    .description('download the OSV advisories of each ecosystem (all.zip, then only changed records) into the cache and rebuild the local index')
    .option('--mirror <url>', 'base URL of the OSV bucket or of a mirror with its layout (<ECOSYSTEM>/all.zip, modified_id.csv, <ID>.json)', 'https://osv-vulnerabilities.storage.googleapis.com')
    .option('--cache-dir <dir>', 'cache directory (default: $XDG_CACHE_HOME/kshield, else ~/.cache/kshield)')
    .addOption(new Option('--ecosystem <names>', 'OSV ecosystems to fetch (comma-separated or repeatable; default: Debian, Ubuntu, Alpine, npm, PyPI, Go, Maven, crates.io)').argParser(list).default([]))
    .option('--full', 'fetch every all.zip again instead of only the records changed since the last update')
    .option('--require-checksum', 'refuse an archive the server gives no checksum for (no x-goog-hash MD5 and no all.zip.sha256)')
    .option('--max-archive-size <size>', 'refuse an all.zip larger than this (default 4GiB)')
    .option('--timeout <duration>', 'give up on a connection that sends nothing for this long (e.g. 60s, 2m)', '60s')
    .option('--no-progress', 'no progress bar on a terminal')
    .action(async (opts) => {
      const { runDbUpdate } = await import('./db.js');
      process.exitCode = await runDbUpdate(opts);
    });
  db.command('status')
    .description("the cached database's age, ecosystems, sources and how each archive was verified")
    .option('--cache-dir <dir>', 'cache directory (default: $XDG_CACHE_HOME/kshield, else ~/.cache/kshield)')
    .option('--max-db-age <age>', 'warn when the database is older than this (e.g. 7d, 36h)', '7d')
    .addOption(new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'))
    .action(async (opts) => {
      const { runDbStatus } = await import('./db.js');
      process.exitCode = await runDbStatus(opts);
    });
  vulnerabilityOptions(
    program
      .command('vulns')
      .description('match a saved inventory (JSON: { os, packages: [{ ecosystem, osvEcosystem, name, version, source, purl, locations }] }) against OSV advisories')
      .argument('<inventory>', 'inventory JSON file'),
  )
    .addOption(new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'))
    .action(async (file: string, opts) => {
      const { runVulns } = await import('./vulns.js');
      process.exitCode = await runVulns(file, opts);
    });

  program
    .command('watch')
    .description('watch a live cluster: list and watch what the rules read, judge each change, log new/fixed/changed findings, write Kubernetes Events (leader only), serve /metrics, /healthz, /readyz')
    .addOption(new Option('--desired <paths>', 'manifests the cluster is declared by (files or directories, repeatable): a workload whose live spec drifts from them in a security-relevant field is a drift event').argParser((v: string, prev: string[]) => [...prev, v]).default([]))
    .option('--kubeconfig <file>', 'kubeconfig file (default: the pod service account, else KUBECONFIG, ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use')
    .option('-c, --config <file>', 'configuration file: exemptions, severity overrides, enable/disable (default: ./.kshield.yaml if present)')
    .addOption(new Option('--only <ids-or-tags>', 'run only these rules (comma-separated ids or tags)').argParser(list).default([]))
    .addOption(new Option('--skip <ids-or-tags>', 'leave these rules out (comma-separated ids or tags)').argParser(list).default([]))
    .option('--pss-version <version>', `${PSS_VERSION_HELP}; wins over the configuration's pssVersion`)
    .option('--no-inline-suppressions', 'ignore kshield.io/ignore annotations')
    .option('--address <ip>', 'address of the /metrics, /healthz and /readyz server', '0.0.0.0')
    .option('--port <port>', 'port of that server (0: any free port, logged)', '8080')
    .option('--no-leader-elect', 'no Lease: this (single) replica writes Events')
    .option('--lease-namespace <ns>', 'namespace of the Lease (default: POD_NAMESPACE, else the pod service account namespace)')
    .option('--lease-name <name>', 'name of the Lease', 'kshield-watch')
    .option('--lease-duration <duration>', 'how long a standby waits on an unrenewed Lease before taking over', '15s')
    .option('--renew-deadline <duration>', 'how long the leader keeps leading without a successful renewal', '10s')
    .option('--retry-period <duration>', 'how often the Lease is renewed or tried', '2s')
    .option('--no-events', 'write no Kubernetes Events (logs and /metrics only)')
    .option('--events-per-second <n>', 'Kubernetes Events written per second at most (the logs keep every event)', '5')
    .option('--events-burst <n>', 'Kubernetes Events written in one burst at most', '25')
    .addOption(new Option('--event-min-severity <severity>', 'Kubernetes Events only for findings at or above this severity (the logs keep every event)').choices(['critical', 'high', 'medium', 'low', 'info']).default('medium'))
    .option('--batch <duration>', 'changes arriving within this time are judged together', '200ms')
    .option('--resync <duration>', 'a full pass of the cross-object rules this often (0: never)', '10m')
    .option('--max-objects <n>', 'objects kept in memory at most (beyond: judged alone, not kept; a metric counts them)', '500000')
    .option('--page-size <n>', 'objects per list request', '500')
    .option('--timeout <duration>', 'give up on a list page, an Event or a Lease request not answered in this time', '30s')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', 'info')
    .action(async (opts) => {
      const { runWatch } = await import('./watch.js');
      process.exitCode = await runWatch(opts);
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

  const respond = program
    .command('respond')
    .description('runtime response: HTTPS server taking Falco, falcosidekick and generic alerts and acting on them by a response policy (approve and restore are subcommands)')
    .option('--policy <file>', 'the response policy (YAML; see docs/respond.md); required')
    .option('--tls-cert <file>', 'serving certificate (PEM); reloaded when the file changes')
    .option('--tls-key <file>', 'private key of the serving certificate (PEM)')
    .option('--client-ca <file>', 'CA (PEM) whose client certificates authenticate senders and approvers')
    .option('--token-file <file>', 'bearer tokens of senders, one per line (default: KSHIELD_RESPOND_TOKEN)')
    .option('--approver-token-file <file>', 'bearer tokens that may approve; when given, the only ones that may (default: KSHIELD_RESPOND_APPROVER_TOKEN)')
    .option('--insecure-http', 'serve plain HTTP instead of HTTPS; only with a loopback --address')
    .option('--port <port>', 'port to listen on', '8443')
    .option('--address <ip>', 'address to listen on', '0.0.0.0')
    .option('--dry-run', 'say what would be done; change nothing in the cluster')
    .option('--namespace <ns>', "kshield's own namespace, never acted on (default: POD_NAMESPACE, else the pod's service account namespace)")
    .option('--kubeconfig <file>', 'kubeconfig (default: the pod service account, else KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use')
    .option('--request-timeout <duration>', 'time a client has to send a whole request', '10s')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', 'info')
    .option('--no-posture', "do not keep the cluster's objects: alerts are not linked to their pod's posture (and respond needs no read access beyond its actions)")
    .option('--images <file>', 'image results (kshield image -o json, or scan --images -o json) whose vulnerable packages posture links to alerts')
    .option('--posture-max-objects <n>', 'most objects the posture cache keeps', '200000')
    .option('--report-to <url>', "also send each alert's action and posture lines to this kshield serve dashboard as they happen (queued and batched: never slows an alert)")
    .option('--report-token-file <file>', "with --report-to: the dashboard's bearer token")
    .option('--report-ca <file>', "with --report-to: CA (PEM) of the dashboard's certificate")
    .option('--cluster-name <name>', "with --report-to: this cluster's name in the dashboard (default: the --context, else \"cluster\")")
    // approve (and restore) have options of their own.
    .enablePositionalOptions()
    .action(async (opts) => {
      const { runRespond } = await import('./respond.js');
      process.exitCode = await runRespond(opts);
    });
  respond
    .command('approve')
    .description('approve (or --reject) the steps an approve step holds, or --list the pending ones, through the server API')
    .argument('[id]', 'the approval id (from the audit line, the Event on the pod, or --list)')
    .requiredOption('--url <url>', 'the respond server, e.g. https://kshield-respond.kshield-system.svc:8443')
    .option('--token-file <file>', 'approver bearer token (default: KSHIELD_RESPOND_APPROVER_TOKEN, else KSHIELD_RESPOND_TOKEN)')
    .option('--ca-file <file>', "CA (PEM) of the server's certificate")
    .option('--client-cert <file>', 'client certificate (PEM), instead of a token')
    .option('--client-key <file>', 'its private key (PEM)')
    .option('--by <name>', 'who approves, recorded in the audit line')
    .option('--reject', 'drop the held steps instead')
    .option('--list', 'list the pending approvals')
    .addOption(new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'))
    .action(async (id: string | undefined, opts) => {
      const { runApprove } = await import('./respond.js');
      process.exitCode = await runApprove(id, opts);
    });
  registerRespondRestore(respond);
  registerReport(program);

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
      // A configuration's problems are one per line, each with the prefix.
      for (const line of (err as Error).message.split('\n')) process.stderr.write(`${program.name()}: error: ${line}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`${program.name()}: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    return EXIT.internal;
  }
}

const code = await main(process.argv);
process.exitCode = code;
