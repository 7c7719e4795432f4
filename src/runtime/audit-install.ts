/**
 * What the API server needs to send its audit events to `kshield respond`: the audit policy
 * (`--audit-policy-file`), the webhook kubeconfig (`--audit-webhook-config-file`) and the flags.
 * `kshield install respond` prints them.
 *
 * The policy records what the audit rules read and nothing more:
 * - Secrets, ConfigMaps and TokenReviews only at Metadata: their bodies hold secret values and
 *   tokens, which must never enter the audit stream (RequestResponse on secrets would send every
 *   value read to the webhook). TokenRequests (serviceaccounts/token) at Request: the request says
 *   for which audience and how long; the response, the token itself, is never recorded.
 * - Binding creates and changes at RequestResponse: roleRef is immutable, so an update or patch is
 *   judged by the binding as stored (the response).
 * - Pod and workload creates at Request: the pod spec the privileged/host-access rule judges.
 * - Everything else at Metadata: who did what to which object, from where, with what status.
 * - The RequestReceived stage is omitted (the rules judge only a request's last stage), and the
 *   health and version probes of authenticated clients (kubelets, monitoring, every few seconds)
 *   are not recorded; anonymous ones are.
 */
import { dump } from 'js-yaml';
import type { JsonObject } from '../core/types.js';
import { AUDIT_ALERT_PATH } from './audit.js';

const WORKLOADS = [
  { group: '', resources: ['pods', 'replicationcontrollers'] },
  { group: 'apps', resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'] },
  { group: 'batch', resources: ['jobs', 'cronjobs'] },
];

/** The audit Policy (audit.k8s.io/v1): first matching rule wins, as the API server applies it. */
export function auditPolicy(): JsonObject {
  return {
    apiVersion: 'audit.k8s.io/v1',
    kind: 'Policy',
    omitStages: ['RequestReceived'],
    rules: [
      // Authenticated health probes (kubelets, monitoring); anonymous ones are still recorded, for where they come from.
      { level: 'None', userGroups: ['system:authenticated'], nonResourceURLs: ['/healthz', '/healthz/*', '/livez', '/livez/*', '/readyz', '/readyz/*', '/version', '/version/'] },
      // TokenRequest: the request (audience, lifetime, bound object); never the response, the token.
      { level: 'Request', verbs: ['create'], resources: [{ group: '', resources: ['serviceaccounts/token'] }] },
      // Secret values and tokens never go into the audit stream.
      {
        level: 'Metadata',
        resources: [
          { group: '', resources: ['secrets', 'configmaps'] },
          { group: 'authentication.k8s.io', resources: ['tokenreviews'] },
        ],
      },
      { level: 'RequestResponse', verbs: ['create', 'update', 'patch'], resources: [{ group: 'rbac.authorization.k8s.io', resources: ['rolebindings', 'clusterrolebindings'] }] },
      { level: 'Request', verbs: ['create'], resources: WORKLOADS },
      { level: 'Metadata' },
    ],
  };
}

export interface AuditWebhookOptions {
  /** The respond server's URL as the API server reaches it (https; its path defaults to /v1/alerts/audit). */
  url: string;
  /** The CA certificate (PEM) that signed the respond server's certificate. */
  caPem: string;
  /** A bearer token the respond server accepts (written into the kubeconfig: keep the file private). */
  token?: string;
  /** A file on the control-plane node holding the token, instead of the token itself. */
  tokenFile?: string;
  /** A client certificate and key (paths on the control-plane node) the respond server accepts. */
  clientCertificateFile?: string;
  clientKeyFile?: string;
}

/** The webhook URL with the audit path when it names none; an error for anything but an https URL. */
export function auditWebhookUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`audit webhook URL ${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol !== 'https:') throw new Error(`audit webhook URL ${JSON.stringify(url)} must be https: the events name users, objects and source addresses`);
  if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = AUDIT_ALERT_PATH;
  return parsed.toString();
}

/** The kubeconfig the API server's audit webhook backend reads (`--audit-webhook-config-file`). */
export function auditWebhookKubeconfig(options: AuditWebhookOptions): JsonObject {
  const credentials = [options.token !== undefined, options.tokenFile !== undefined, options.clientCertificateFile !== undefined || options.clientKeyFile !== undefined].filter(Boolean).length;
  if (credentials !== 1) throw new Error('audit webhook kubeconfig: give exactly one credential: a token, a token file, or a client certificate and key');
  if ((options.clientCertificateFile === undefined) !== (options.clientKeyFile === undefined)) throw new Error('audit webhook kubeconfig: a client certificate needs its key, and a key its certificate');
  if (!/-----BEGIN CERTIFICATE-----/.test(options.caPem)) throw new Error('audit webhook kubeconfig: the CA must be a PEM certificate');
  const user: JsonObject =
    options.token !== undefined
      ? { token: options.token }
      : options.tokenFile !== undefined
        ? { tokenFile: options.tokenFile }
        : { 'client-certificate': options.clientCertificateFile, 'client-key': options.clientKeyFile };
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'kshield-respond', cluster: { server: auditWebhookUrl(options.url), 'certificate-authority-data': Buffer.from(options.caPem).toString('base64') } }],
    users: [{ name: 'kube-apiserver', user }],
    contexts: [{ name: 'kshield-respond', context: { cluster: 'kshield-respond', user: 'kube-apiserver' } }],
    'current-context': 'kshield-respond',
  };
}

/**
 * The kube-apiserver flags that turn the webhook on, given where the two files are on the
 * control-plane node. Batch mode (the default) sends up to 400 events per request; a short max wait
 * keeps the delay between a request and its alert to about a second.
 */
export function auditApiServerFlags(files: { policyFile: string; webhookConfigFile: string }): string[] {
  return [
    `--audit-policy-file=${files.policyFile}`,
    `--audit-webhook-config-file=${files.webhookConfigFile}`,
    '--audit-webhook-version=audit.k8s.io/v1',
    '--audit-webhook-mode=batch',
    '--audit-webhook-batch-max-wait=1s',
  ];
}

export function toYaml(object: JsonObject): string {
  return dump(object, { noRefs: true, lineWidth: -1 });
}
