/** `kshield install webhook`: prints (or writes) the manifests that run the admission webhook. */
import { chmodSync, closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { isIP } from 'node:net';
import { Command, Option } from 'commander';
import { VERSION } from '../core/version.js';
import { UsageError, OutputError, EXIT } from '../core/errors.js';
import { writeOutput, describeWriteError, makeParents } from './output.js';
import { parseImageReference } from '../k8s/images.js';
import { parseCidr } from '../analysis/cidr.js';
import { dnsLabelProblem, generateWebhookCertificates } from '../admission/certs.js';
import {
  DEFAULT_IMAGE_REPOSITORY,
  DEFAULT_INSTALL,
  renderInstallYaml,
  webhookInstallDocuments,
  type FailurePolicy,
  type TlsSource,
  type WebhookInstallOptions,
} from '../admission/install.js';
import { DEFAULT_RESPOND_INSTALL, respondInstallDocuments, type RespondInstallOptions } from '../runtime/respond/install.js';
import { DEFAULT_SERVE_INSTALL, serveInstallDocuments, type ServeInstallOptions } from '../serve/install.js';
import { parseDuration } from './duration.js';

export interface InstallWebhookFlags {
  certManager?: boolean;
  generateCerts?: boolean;
  namespace: string;
  serviceName: string;
  replicas: string;
  failurePolicy: string;
  timeoutSeconds: string;
  image?: string;
  exemptNamespace: string[];
  apiserverCidr: string[];
  certDays?: string;
  priorityClass?: string;
  pullSecrets?: boolean;
  output?: string;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Namespaces other things live in: labelling them restricted, or exempting them, would hit those. */
const SHARED_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

const list = (value: string, previous: string[]): string[] => [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];

const DEFAULT_IMAGE = `${DEFAULT_IMAGE_REPOSITORY}:${VERSION}`;

const TLS_CHOICE =
  'choose how the webhook gets its TLS certificate: --cert-manager (cert-manager, installed in the cluster, issues and renews it ' +
  'and injects the CA into the webhook configurations; nothing secret in the output) or --generate-certs (kshield generates a CA and a ' +
  'serving certificate now: the output holds the private key in a Secret and the CA as caBundle; regenerate before it expires)';

function integer(flag: string, value: string, min: number, max: number): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not "${value}"`);
  return n;
}

function namespaceName(flag: string, value: string): string {
  const problem = dnsLabelProblem(value, `${flag}`);
  if (problem) throw new UsageError(problem);
  return value;
}

/** Validates the flags and turns them into install options; certificates are generated here. */
function installOptionsFromFlags(flags: InstallWebhookFlags): WebhookInstallOptions {
  if (flags.certManager && flags.generateCerts) throw new UsageError(`--cert-manager and --generate-certs exclude each other; ${TLS_CHOICE}`);
  if (!flags.certManager && !flags.generateCerts) throw new UsageError(TLS_CHOICE);

  const namespace = namespaceName('--namespace', flags.namespace);
  if (SHARED_NAMESPACES.includes(namespace)) {
    throw new UsageError(`--namespace ${namespace}: the manifests label their namespace with Pod Security "enforce: restricted" and exempt it from the webhook; give the webhook a namespace of its own`);
  }
  const serviceName = namespaceName('--service-name', flags.serviceName);
  if (/^[0-9]/.test(serviceName)) throw new UsageError(`--service-name "${serviceName}" must start with a letter (a Service name is a DNS-1035 label)`);
  const exemptNamespaces = flags.exemptNamespace.map((ns) => namespaceName('--exempt-namespace', ns));

  const replicas = integer('--replicas', flags.replicas, 1, 100);
  const timeoutSeconds = integer('--timeout-seconds', flags.timeoutSeconds, 1, 30);
  const policy = flags.failurePolicy.trim().toLowerCase();
  if (policy !== 'fail' && policy !== 'ignore') throw new UsageError(`--failure-policy must be Fail or Ignore, not "${flags.failurePolicy}"`);
  const failurePolicy: FailurePolicy = policy === 'fail' ? 'Fail' : 'Ignore';

  const image = flags.image ?? DEFAULT_IMAGE;
  const parsed = parseImageReference(image);
  if (!parsed.ok) throw new UsageError(`--image "${image}" ${parsed.error}`);

  for (const cidr of flags.apiserverCidr) if (!parseCidr(cidr)) throw new UsageError(`--apiserver-cidr "${cidr}" is not an address range such as 10.0.0.0/24 or 2001:db8::/64`);

  if (flags.priorityClass !== undefined && (flags.priorityClass.length > 253 || !DNS_SUBDOMAIN.test(flags.priorityClass))) {
    throw new UsageError(`--priority-class "${flags.priorityClass}" is not a PriorityClass name (lowercase letters, digits, "-" and ".")`);
  }

  const days = flags.certDays === undefined ? undefined : integer('--cert-days', flags.certDays, 1, 3650);
  let tls: TlsSource;
  if (flags.certManager) {
    tls = { kind: 'cert-manager', days: days ?? DEFAULT_INSTALL.certManagerCertDays };
  } else {
    const certDays = days ?? DEFAULT_INSTALL.generatedCertDays;
    tls = { kind: 'generated', certificates: generateWebhookCertificates({ service: serviceName, namespace, days: certDays }), days: certDays };
  }

  return {
    namespace,
    serviceName,
    replicas,
    failurePolicy,
    timeoutSeconds,
    image,
    exemptNamespaces,
    tls,
    apiServerCidrs: flags.apiserverCidr,
    priorityClassName: flags.priorityClass || undefined,
    version: VERSION,
    ...(flags.pullSecrets ? { pullSecrets: true } : {}),
  };
}

/** The command line that reproduces the output: only what differs from the defaults, in a fixed order. */
function canonicalCommand(options: WebhookInstallOptions): string {
  const parts = ['kshield install webhook', options.tls.kind === 'cert-manager' ? '--cert-manager' : '--generate-certs'];
  if (options.namespace !== DEFAULT_INSTALL.namespace) parts.push(`--namespace ${options.namespace}`);
  if (options.serviceName !== DEFAULT_INSTALL.serviceName) parts.push(`--service-name ${options.serviceName}`);
  if (options.replicas !== DEFAULT_INSTALL.replicas) parts.push(`--replicas ${options.replicas}`);
  if (options.failurePolicy !== DEFAULT_INSTALL.failurePolicy) parts.push(`--failure-policy ${options.failurePolicy}`);
  if (options.timeoutSeconds !== DEFAULT_INSTALL.timeoutSeconds) parts.push(`--timeout-seconds ${options.timeoutSeconds}`);
  if (options.image !== DEFAULT_IMAGE) parts.push(`--image ${options.image}`);
  for (const ns of options.exemptNamespaces) parts.push(`--exempt-namespace ${ns}`);
  for (const cidr of options.apiServerCidrs) parts.push(`--apiserver-cidr ${cidr}`);
  const defaultDays = options.tls.kind === 'cert-manager' ? DEFAULT_INSTALL.certManagerCertDays : DEFAULT_INSTALL.generatedCertDays;
  if (options.tls.days !== defaultDays) parts.push(`--cert-days ${options.tls.days}`);
  if (options.priorityClassName) parts.push(`--priority-class ${options.priorityClassName}`);
  if (options.pullSecrets) parts.push('--pull-secrets');
  return parts.join(' ');
}

function installHeader(options: WebhookInstallOptions): string {
  return [
    `kshield admission webhook: generated by \`${canonicalCommand(options)}\` (kshield ${options.version}).`,
    'Regenerate rather than edit. Needs Kubernetes 1.27 or newer' + (options.tls.kind === 'cert-manager' ? ' and cert-manager 1.x installed.' : '.'),
    `Apply: kubectl apply -f FILE; then: kubectl -n ${options.namespace} rollout status deployment/${options.serviceName}`,
  ].join('\n');
}

/** The manifests as text, with notes for standard error. */
function renderInstall(options: WebhookInstallOptions): { yaml: string; notes: string[] } {
  const yaml = renderInstallYaml(webhookInstallDocuments(options), installHeader(options));
  const notes: string[] = [];
  if (options.tls.kind === 'generated') {
    notes.push(
      `the output contains the webhook's TLS private key (Secret ${options.namespace}/${options.serviceName}-tls): apply it, but do not commit it ` +
        'or paste it anywhere; --cert-manager keeps keys out of manifests.',
    );
  }
  if (options.replicas === 1) notes.push('one replica: while that pod restarts, the API server cannot reach the webhook' + (options.failurePolicy === 'Fail' ? ' and refuses pods in every non-exempt namespace.' : ' and admits everything unchecked.'));
  if (options.failurePolicy === 'Ignore') notes.push('--failure-policy Ignore: whenever the webhook is down or slow, workloads are admitted without any check.');
  return { yaml, notes };
}

function writeManifests(file: string, text: string, secret: boolean): void {
  let fd: number;
  try {
    // Missing directories are created, as for `scan -o json=reports/x.json`.
    makeParents(file);
    // A private key is readable by its owner only, from the moment the file exists.
    fd = openSync(file, 'w', secret ? 0o600 : 0o644);
    if (secret) chmodSync(file, 0o600);
  } catch (err) {
    throw new OutputError(`cannot write the manifests to ${file}: ${describeWriteError(err, file)}`);
  }
  try {
    writeSync(fd, text);
  } catch (err) {
    throw new OutputError(`cannot write the manifests to ${file}: ${describeWriteError(err, file)}`);
  } finally {
    closeSync(fd);
  }
}

async function runInstallWebhook(flags: InstallWebhookFlags): Promise<number> {
  const options = installOptionsFromFlags(flags);
  const { yaml, notes } = renderInstall(options);
  for (const note of notes) process.stderr.write(`kshield: note: ${note}\n`);
  if (flags.output) {
    writeManifests(flags.output, yaml, options.tls.kind === 'generated');
    process.stderr.write(`kshield: wrote the webhook manifests to ${flags.output}\n`);
  } else {
    await writeOutput({ format: 'table', file: undefined }, yaml);
  }
  return EXIT.clean;
}

/** Writes one of install respond's audit files (mode 0600: the kubeconfig names where a token is), with a clear error. */
function writeAuditFile(file: string, text: string): void {
  try {
    writeFileSync(file, text, { mode: 0o600 });
  } catch (error) {
    throw new OutputError(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** `kshield install watch`: the manifests that run `kshield watch` (runtime/watch/install.ts). */
async function runInstallWatch(flags: { namespace: string; name: string; replicas: string; image?: string; eventMinSeverity: string; output?: string }): Promise<number> {
  const namespace = namespaceName('--namespace', flags.namespace);
  if (SHARED_NAMESPACES.includes(namespace)) throw new UsageError(`--namespace ${namespace}: the manifests label their namespace with Pod Security "enforce: restricted"; give kshield a namespace of its own`);
  const name = namespaceName('--name', flags.name);
  if (/^[0-9]/.test(name)) throw new UsageError(`--name "${name}" must start with a letter (it names a Service, a DNS-1035 label)`);
  const replicas = integer('--replicas', flags.replicas, 1, 10);
  const image = flags.image ?? DEFAULT_IMAGE;
  const parsed = parseImageReference(image);
  if (!parsed.ok) throw new UsageError(`--image "${image}" ${parsed.error}`);
  const { watchInstallDocuments, DEFAULT_WATCH_INSTALL } = await import('../runtime/watch/install.js');
  const parts = ['kshield install watch'];
  if (namespace !== DEFAULT_WATCH_INSTALL.namespace) parts.push(`--namespace ${namespace}`);
  if (name !== DEFAULT_WATCH_INSTALL.name) parts.push(`--name ${name}`);
  if (replicas !== DEFAULT_WATCH_INSTALL.replicas) parts.push(`--replicas ${replicas}`);
  if (image !== DEFAULT_IMAGE) parts.push(`--image ${image}`);
  if (flags.eventMinSeverity !== DEFAULT_WATCH_INSTALL.eventMinSeverity) parts.push(`--event-min-severity ${flags.eventMinSeverity}`);
  const header = [
    `kshield watch: generated by \`${parts.join(' ')}\` (kshield ${VERSION}).`,
    'Regenerate rather than edit. Needs Kubernetes 1.27 or newer.',
    `Apply: kubectl apply -f FILE; then: kubectl -n ${namespace} rollout status deployment/${name}`,
  ].join('\n');
  const yaml = renderInstallYaml(watchInstallDocuments({ namespace, name, replicas, image, version: VERSION, eventMinSeverity: flags.eventMinSeverity }), header);
  if (replicas === 1) process.stderr.write('kshield: note: one replica: while that pod restarts, nothing is watched and no Event is written\n');
  if (flags.output) {
    writeManifests(flags.output, yaml, false);
    process.stderr.write(`kshield: wrote the watch manifests to ${flags.output}\n`);
  } else await writeOutput({ format: 'table', file: undefined }, yaml);
  return EXIT.clean;
}

export interface InstallRespondFlags {
  generateCerts?: boolean;
  tlsSecret?: string;
  namespace: string;
  serviceName: string;
  image?: string;
  tokenSecret: string;
  act?: boolean;
  output?: string;
  /** Write the API server's audit policy here (audit events kshield respond judges). */
  auditPolicy?: string;
  /** Write the audit webhook's kubeconfig here, pointing the API server at respond. */
  auditWebhookConfig?: string;
  /** respond's URL as the API server reaches it. */
  auditUrl?: string;
  /** The file on the control-plane node holding a sender token. */
  auditTokenFile?: string;
  /** The CA of respond's certificate, with --tls-secret (generated certificates bring their own). */
  auditCa?: string;
  /** commander's --no-posture: false. */
  posture?: boolean;
}

/**
 * The host of --audit-url, for the generated serving certificate: the API server verifies respond's
 * certificate against the URL it was given (a node port's IP, a load balancer's name), which the
 * Service names alone do not cover, so without it every audit batch would fail the TLS handshake.
 */
function auditUrlNames(flags: InstallRespondFlags): { ipAddresses?: string[]; extraDnsNames?: string[] } {
  if (!flags.auditWebhookConfig || !flags.auditUrl) return {};
  let host: string;
  try {
    host = new URL(flags.auditUrl).hostname.replace(/^\[|\]$/g, '');
  } catch {
    throw new UsageError(`--audit-url "${flags.auditUrl}" is not a URL (e.g. https://10.0.0.5:30443)`);
  }
  if (!host) throw new UsageError(`--audit-url "${flags.auditUrl}" names no host`);
  return isIP(host) !== 0 ? { ipAddresses: [host] } : { extraDnsNames: [host.replace(/\.$/, '')] };
}

function generatedRespondCertificates(service: string, namespace: string, flags: InstallRespondFlags): ReturnType<typeof generateWebhookCertificates> {
  const names = auditUrlNames(flags);
  try {
    return generateWebhookCertificates({ service, namespace, days: DEFAULT_INSTALL.generatedCertDays, ...names });
  } catch (error) {
    if (names.ipAddresses || names.extraDnsNames) throw new UsageError(`--audit-url: ${(error as Error).message}`);
    throw error;
  }
}

async function runInstallRespond(flags: InstallRespondFlags): Promise<number> {
  if (Boolean(flags.generateCerts) === Boolean(flags.tlsSecret)) {
    throw new UsageError('choose the TLS certificate of kshield respond: --generate-certs (generated now: the output holds its key in a Secret) or --tls-secret NAME (an existing kubernetes.io/tls Secret in the namespace)');
  }
  const namespace = namespaceName('--namespace', flags.namespace);
  if (SHARED_NAMESPACES.includes(namespace)) throw new UsageError(`--namespace ${namespace}: give kshield respond a namespace of its own (it is labelled Pod Security restricted and never acted on)`);
  const serviceName = namespaceName('--service-name', flags.serviceName);
  if (/^[0-9]/.test(serviceName)) throw new UsageError(`--service-name "${serviceName}" must start with a letter (a Service name is a DNS-1035 label)`);
  const tokenSecret = namespaceName('--token-secret', flags.tokenSecret);
  if (flags.tlsSecret) namespaceName('--tls-secret', flags.tlsSecret);
  const image = flags.image ?? DEFAULT_IMAGE;
  const parsed = parseImageReference(image);
  if (!parsed.ok) throw new UsageError(`--image "${image}" ${parsed.error}`);
  const options: RespondInstallOptions = {
    namespace,
    serviceName,
    image,
    version: VERSION,
    tokenSecret,
    dryRun: !flags.act,
    posture: flags.posture !== false,
    tls: flags.tlsSecret
      ? { kind: 'secret', name: flags.tlsSecret }
      : { kind: 'generated', certificates: generatedRespondCertificates(serviceName, namespace, flags) },
  };
  const header = [
    `kshield respond: generated by \`kshield install respond ${flags.tlsSecret ? `--tls-secret ${flags.tlsSecret}` : '--generate-certs'}${namespace !== DEFAULT_RESPOND_INSTALL.namespace ? ` --namespace ${namespace}` : ''}${flags.act ? ' --act' : ''}${flags.posture === false ? ' --no-posture' : ''}\` (kshield ${VERSION}).`,
    `First create the tokens: kubectl -n ${namespace} create secret generic ${tokenSecret} --from-literal=sender=$(openssl rand -hex 32) --from-literal=approver=$(openssl rand -hex 32)`,
    `Apply: kubectl apply -f FILE; then: kubectl -n ${namespace} rollout status deployment/${serviceName}`,
  ].join('\n');
  const yaml = renderInstallYaml(respondInstallDocuments(options), header);
  if (options.tls.kind === 'generated') process.stderr.write(`kshield: note: the output contains the TLS private key of kshield respond (Secret ${namespace}/${serviceName}-tls): apply it, but do not commit it.\n`);
  if (options.dryRun) process.stderr.write('kshield: note: the policy starts in dry-run (settings.dryRun: true): nothing is changed until you set it to false, or install with --act.\n');
  // The API server's side of audit detection: its audit policy, and the kubeconfig of its audit webhook pointing at respond.
  if (flags.auditPolicy || flags.auditWebhookConfig) {
    const { auditPolicy, auditWebhookKubeconfig, auditApiServerFlags, toYaml } = await import('../runtime/audit-install.js');
    if (flags.auditPolicy) {
      writeAuditFile(flags.auditPolicy, `# kshield: the API server's audit policy for kshield respond (Secret, ConfigMap and TokenReview bodies are never recorded).\n${toYaml(auditPolicy())}`);
      process.stderr.write(`kshield: wrote the audit policy to ${flags.auditPolicy}\n`);
    }
    if (flags.auditWebhookConfig) {
      if (!flags.auditUrl) throw new UsageError('--audit-webhook-config needs --audit-url: the respond Service as the API server reaches it (the API server usually runs on the host network and cannot resolve cluster DNS: a node port or a load balancer address)');
      if (!flags.auditTokenFile) throw new UsageError('--audit-webhook-config needs --audit-token-file: the file on each control-plane node holding a sender token (the kubeconfig names the file, never the token)');
      // respond's reader of flag-named files (loaded on use, like the rest of respond).
      const { readFileFlag } = await import('./respond.js');
      const caPem = options.tls.kind === 'generated' ? options.tls.certificates.caCert : flags.auditCa ? readFileFlag(flags.auditCa, '--audit-ca').toString('utf8') : undefined;
      if (!caPem) throw new UsageError('--audit-webhook-config with --tls-secret needs --audit-ca: the CA (PEM) that signed the Secret\'s certificate');
      let kubeconfig;
      try {
        kubeconfig = auditWebhookKubeconfig({ url: flags.auditUrl, caPem, tokenFile: flags.auditTokenFile });
      } catch (error) {
        throw new UsageError(`--audit-url / --audit-ca: ${(error as Error).message}`);
      }
      writeAuditFile(flags.auditWebhookConfig, toYaml(kubeconfig));
      process.stderr.write(`kshield: wrote the audit webhook kubeconfig to ${flags.auditWebhookConfig}; give the API server: ${auditApiServerFlags({ policyFile: flags.auditPolicy ?? 'AUDIT-POLICY.yaml', webhookConfigFile: flags.auditWebhookConfig }).join(' ')}\n`);
    }
  }
  if (flags.output) {
    writeManifests(flags.output, yaml, options.tls.kind === 'generated');
    process.stderr.write(`kshield: wrote the respond manifests to ${flags.output}\n`);
  } else await writeOutput({ format: 'table', file: undefined }, yaml);
  return EXIT.clean;
}

/** `kshield install serve`: the manifests that run the dashboard (serve/install.ts). */
async function runInstallServe(flags: {
  namespace: string;
  name: string;
  image?: string;
  interval: string;
  clusterName: string;
  tokenSecret: string;
  tlsSecret?: string;
  storageSize: string;
  storageClass?: string;
  databaseSecret?: string;
  allowCidr: string[];
  output?: string;
}): Promise<number> {
  for (const cidr of flags.allowCidr) if (!parseCidr(cidr)) throw new UsageError(`--allow-cidr "${cidr}" is not an address range such as 10.0.0.0/24 or 2001:db8::/64`);
  const namespace = namespaceName('--namespace', flags.namespace);
  if (SHARED_NAMESPACES.includes(namespace)) throw new UsageError(`--namespace ${namespace}: the manifests label their namespace with Pod Security "enforce: restricted"; give kshield a namespace of its own`);
  const name = namespaceName('--name', flags.name);
  if (/^[0-9]/.test(name)) throw new UsageError(`--name "${name}" must start with a letter (it names a Service, a DNS-1035 label)`);
  const tokenSecret = namespaceName('--token-secret', flags.tokenSecret);
  if (flags.tlsSecret) namespaceName('--tls-secret', flags.tlsSecret);
  if (flags.databaseSecret) namespaceName('--database-secret', flags.databaseSecret);
  if (flags.databaseSecret && (flags.storageClass || flags.storageSize !== DEFAULT_SERVE_INSTALL.storageSize)) throw new UsageError('--storage-size and --storage-class are for the SQLite volume; with --database-secret the scans are stored in PostgreSQL');
  if (!/^\d+(Ki|Mi|Gi|Ti)$/.test(flags.storageSize)) throw new UsageError(`--storage-size "${flags.storageSize}": a quantity such as 5Gi`);
  parseDuration(flags.interval, '--interval', { minMs: 60_000, maxMs: 7 * 24 * 3_600_000 });
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(flags.clusterName)) throw new UsageError(`--cluster-name "${flags.clusterName}": letters, digits, ".", "_" and "-", up to 63`);
  const image = flags.image ?? DEFAULT_IMAGE;
  const parsed = parseImageReference(image);
  if (!parsed.ok) throw new UsageError(`--image "${image}" ${parsed.error}`);
  const options: ServeInstallOptions = {
    namespace,
    name,
    image,
    version: VERSION,
    interval: flags.interval,
    clusterName: flags.clusterName,
    tokenSecret,
    ...(flags.tlsSecret ? { tlsSecret: flags.tlsSecret } : {}),
    storage: flags.databaseSecret ? { kind: 'postgres', secret: flags.databaseSecret } : { kind: 'sqlite', size: flags.storageSize, ...(flags.storageClass ? { storageClass: flags.storageClass } : {}) },
    allowCidrs: flags.allowCidr,
  };
  const parts = ['kshield install serve'];
  if (namespace !== DEFAULT_SERVE_INSTALL.namespace) parts.push(`--namespace ${namespace}`);
  if (name !== DEFAULT_SERVE_INSTALL.name) parts.push(`--name ${name}`);
  if (image !== DEFAULT_IMAGE) parts.push(`--image ${image}`);
  if (flags.interval !== DEFAULT_SERVE_INSTALL.interval) parts.push(`--interval ${flags.interval}`);
  if (flags.clusterName !== DEFAULT_SERVE_INSTALL.clusterName) parts.push(`--cluster-name ${flags.clusterName}`);
  if (tokenSecret !== DEFAULT_SERVE_INSTALL.tokenSecret) parts.push(`--token-secret ${tokenSecret}`);
  if (flags.tlsSecret) parts.push(`--tls-secret ${flags.tlsSecret}`);
  if (flags.databaseSecret) parts.push(`--database-secret ${flags.databaseSecret}`);
  if (flags.storageSize !== DEFAULT_SERVE_INSTALL.storageSize) parts.push(`--storage-size ${flags.storageSize}`);
  if (flags.storageClass) parts.push(`--storage-class ${flags.storageClass}`);
  for (const cidr of flags.allowCidr) parts.push(`--allow-cidr ${cidr}`);
  const header = [
    `kshield serve: generated by \`${parts.join(' ')}\` (kshield ${VERSION}).`,
    `First create the token: kubectl -n ${namespace} create secret generic ${tokenSecret} --from-literal=token=$(openssl rand -hex 32)` +
      (flags.databaseSecret ? `; and the database URL: kubectl -n ${namespace} create secret generic ${flags.databaseSecret} --from-literal=url=postgres://USER:PASSWORD@HOST/DB` : ''),
    `Apply: kubectl apply -f FILE; then: kubectl -n ${namespace} port-forward service/${name} 8443:${flags.tlsSecret ? 443 : 80}`,
  ].join('\n');
  const yaml = renderInstallYaml(serveInstallDocuments(options), header);
  if (!flags.tlsSecret) process.stderr.write('kshield: note: no --tls-secret: the dashboard serves plain HTTP inside the cluster; reach it with kubectl port-forward, or put TLS in front of it before exposing it.\n');
  if (flags.output) {
    writeManifests(flags.output, yaml, false);
    process.stderr.write(`kshield: wrote the serve manifests to ${flags.output}\n`);
  } else await writeOutput({ format: 'table', file: undefined }, yaml);
  return EXIT.clean;
}

export function registerInstall(program: Command): void {
  const install = program.command('install').description("print the manifests that install kshield's components in a cluster");
  install
    .command('serve')
    .description('manifests for kshield serve: ServiceAccount, read-only ClusterRole (get/list, no Secrets), PersistentVolumeClaim (SQLite) or a PostgreSQL URL Secret reference, Service, Deployment, NetworkPolicy')
    .option('-n, --namespace <ns>', 'namespace of the dashboard', DEFAULT_SERVE_INSTALL.namespace)
    .option('--name <name>', 'name of the Deployment, ServiceAccount, RBAC, Service and claim', DEFAULT_SERVE_INSTALL.name)
    .option('--image <ref>', 'kshield image; pin a digest with repo:tag@sha256:...', DEFAULT_IMAGE)
    .option('--interval <duration>', 'how often it scans this cluster', DEFAULT_SERVE_INSTALL.interval)
    .option('--cluster-name <name>', "this cluster's name in the dashboard", DEFAULT_SERVE_INSTALL.clusterName)
    .option('--token-secret <name>', 'the Secret holding the bearer token under key "token" (you create it; see the header)', DEFAULT_SERVE_INSTALL.tokenSecret)
    .option('--tls-secret <name>', 'a kubernetes.io/tls Secret: serve HTTPS with it')
    .option('--database-secret <name>', 'store in PostgreSQL: a Secret whose key "url" holds postgres://… (instead of SQLite on a volume)')
    .option('--storage-size <size>', 'size of the SQLite volume', DEFAULT_SERVE_INSTALL.storageSize)
    .option('--storage-class <name>', 'storage class of the SQLite volume (default: the cluster\'s default)')
    .addOption(new Option('--allow-cidr <cidr>', 'also let this address range reach the dashboard port (a load balancer, other clusters\' scanners; repeatable)').argParser(list).default([]))
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .action(async (opts) => {
      process.exitCode = await runInstallServe(opts);
    });
  install
    .command('watch')
    .description('manifests for kshield watch: ServiceAccount, read-only ClusterRole (no Secrets) with Event creation, Lease Role, Service, Deployment (2 replicas, leader election), PodDisruptionBudget, NetworkPolicy')
    .option('-n, --namespace <ns>', 'namespace of the watch', 'kshield-system')
    .option('--name <name>', 'name of the Deployment, ServiceAccount, RBAC, Service and Lease', 'kshield-watch')
    .option('--replicas <n>', 'replicas (one leads, the others stand by)', '2')
    .option('--image <ref>', 'kshield image; pin a digest with repo:tag@sha256:...', DEFAULT_IMAGE)
    .addOption(new Option('--event-min-severity <severity>', 'Kubernetes Events only for findings at or above this severity').choices(['critical', 'high', 'medium', 'low', 'info']).default('medium'))
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .action(async (opts) => {
      process.exitCode = await runInstallWatch(opts);
    });
  install
    .command('respond')
    .description('manifests for kshield respond: Namespace, least-privilege RBAC, policy ConfigMap, TLS, Service, Deployment, NetworkPolicy')
    .option('--generate-certs', 'TLS from a CA and serving certificate generated now: a Secret with the key')
    .option('--tls-secret <name>', 'an existing kubernetes.io/tls Secret in the namespace')
    .option('-n, --namespace <ns>', 'namespace of kshield respond', DEFAULT_RESPOND_INSTALL.namespace)
    .option('--service-name <name>', 'name of the Service, Deployment and RBAC', DEFAULT_RESPOND_INSTALL.serviceName)
    .option('--token-secret <name>', 'the Secret with the sender and approver tokens (you create it; see the header)', 'kshield-respond-tokens')
    .option('--image <ref>', 'image; pin a digest with repo:tag@sha256:...', DEFAULT_IMAGE)
    .option('--act', 'start with the policy acting (settings.dryRun: false) instead of in dry-run')
    .option('--no-posture', "respond without alerts linked to posture: no read access to the cluster's objects beyond what the actions need")
    .option('--audit-policy <file>', "also write the API server's audit policy (audit.k8s.io/v1) to this file, for --audit-policy-file")
    .option('--audit-webhook-config <file>', "also write the kubeconfig of the API server's audit webhook, pointing at respond (--audit-webhook-config-file)")
    .option('--audit-url <url>', 'respond as the API server reaches it, e.g. https://10.0.0.5:30443 (with --audit-webhook-config)')
    .option('--audit-token-file <path>', 'the file on each control-plane node holding a sender token (with --audit-webhook-config)')
    .option('--audit-ca <file>', "with --tls-secret: the CA (PEM) of respond's certificate, for the audit webhook kubeconfig")
    .option('-o, --output <file>', 'write to this file instead of standard output (mode 0600 when it holds a key)')
    .action(async (opts: InstallRespondFlags) => {
      process.exitCode = await runInstallRespond(opts);
    });
  install
    .command('webhook')
    .description('manifests for the admission webhook: Namespace, RBAC, ConfigMap, TLS, Service, Deployment, PodDisruptionBudget, NetworkPolicies, webhook configurations')
    .option('--cert-manager', 'TLS through cert-manager: Issuers and Certificates, CA injected into the webhook configurations')
    .option('--generate-certs', 'TLS from a CA and serving certificate generated now: a Secret with the key, the CA as caBundle')
    .option('-n, --namespace <ns>', 'namespace of the webhook', DEFAULT_INSTALL.namespace)
    .option('--service-name <name>', 'name of the Service (and of the Deployment, RBAC and webhook configurations)', DEFAULT_INSTALL.serviceName)
    .option('--replicas <n>', 'webhook pods', String(DEFAULT_INSTALL.replicas))
    .option('--failure-policy <Fail|Ignore>', 'what the API server does when the webhook cannot answer: Fail refuses the request, Ignore admits it unchecked', DEFAULT_INSTALL.failurePolicy)
    .option('--timeout-seconds <n>', 'how long the API server waits for the webhook (1-30)', String(DEFAULT_INSTALL.timeoutSeconds))
    .option('--image <ref>', 'webhook image; pin a digest with repo:tag@sha256:...', DEFAULT_IMAGE)
    .addOption(new Option('--exempt-namespace <ns>', 'namespace the webhook never sees (repeatable or comma-separated); kube-system and its own are always exempt').argParser(list).default([]))
    .addOption(new Option('--apiserver-cidr <cidr>', "the API server's source addresses: only they may reach the webhook port (repeatable)").argParser(list).default([]))
    .option('--cert-days <n>', 'serving certificate validity in days (default: 365 with --generate-certs, 90 with --cert-manager)')
    .option('--priority-class <name>', 'priorityClassName of the webhook pods (e.g. system-cluster-critical where your cluster allows it)')
    .option('--pull-secrets', "verify images with the credentials of the pods' imagePullSecrets (registries.pullSecrets); grants the webhook get on secrets and serviceaccounts")
    .option('-o, --output <file>', 'write to this file instead of standard output (mode 0600 when it holds a key)')
    .action(async (opts: InstallWebhookFlags) => {
      process.exitCode = await runInstallWebhook(opts);
    });
}
