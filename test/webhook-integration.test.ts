/**
 * `kshield webhook` registered with a REAL kube-apiserver (v1.20.2, started by
 * test/support/k8s/cluster, MutatingAdmissionWebhook and ValidatingAdmissionWebhook enabled): the
 * CLI runs as a child process on 127.0.0.1 with a serving certificate for IP 127.0.0.1, the
 * webhook configurations `kshield install webhook` prints are registered with `url` client
 * configurations and the test CA as caBundle, and objects go through the API the way kubectl sends
 * them (server-side apply, create, merge patches), so what is checked is what a user sees: the
 * API server's own error text, its Warning headers, the objects as stored.
 *
 * Only namespaces labelled `kshield-e2e: watched` are sent to the webhook. `e2e-exempt` carries the
 * label too (so the API server does call the webhook) and is exempt by name in kshield's
 * configuration.
 *
 * Without the binaries or etcd the suite is skipped with a loud message, unless
 * KSHIELD_INTEGRATION=required (CI), where it fails.
 */
import assert from 'node:assert/strict';
import { test, describe, before, after } from 'node:test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';

import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { cli, kshield } from './support/cli.js';
import { CLUSTER_SCRIPT, readClusterEnv, skipUnlessRealCluster, type ClusterEnv } from './support/real-cluster.js';
import { generateWebhookCertificates } from '../src/admission/certs.js';

type Obj = Record<string, any>;

const script = CLUSTER_SCRIPT;
const { skip: skipReason, missing: why } = skipUnlessRealCluster('the webhook against a real API server');

const WATCHED = 'e2e-watched';
const EXEMPT = 'e2e-exempt';
const SELECTOR_LABEL = 'kshield-e2e';
const SECRET_PROBE_LABEL = 'kshield-e2e/secret-probe';
const EXEMPT_LABEL = 'kshield.io/exempt';

/** medium and below only logged, except the one rule the test needs as a warning. */
const CONFIG = `webhook:
  actions:
    rules:
      image-tag-latest: warn
    severities:
      medium: audit
      low: audit
      info: audit
  exemptNamespaces: [${EXEMPT}]
  exemptNamespaceSelector:
    matchLabels:
      ${EXEMPT_LABEL}: "true"
`;

type Env = ClusterEnv;
const readEnv = readClusterEnv;

interface ApiReply {
  status: number;
  body: any;
  /** Each HTTP `Warning` header as sent (`299 - "text"`). */
  warningHeaders: string[];
}

const CONTENT_TYPES = { json: 'application/json', merge: 'application/merge-patch+json', apply: 'application/apply-patch+yaml' } as const;

/** One request as the admin, as kubectl makes it. */
function api(env: Env, method: string, p: string, body?: unknown, type: keyof typeof CONTENT_TYPES = 'json'): Promise<ApiReply> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(
      new URL(p, env.server),
      { method, ca: env.ca, headers: { Authorization: `Bearer ${env.admin}`, 'Content-Type': CONTENT_TYPES[type], Accept: 'application/json' }, timeout: 20_000 },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          const warningHeaders: string[] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) if (res.rawHeaders[i].toLowerCase() === 'warning') warningHeaders.push(res.rawHeaders[i + 1]);
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined, warningHeaders });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${p} timed out`)));
    req.on('error', reject);
    req.end(data);
  });
}

/** `kubectl apply --server-side` of a Deployment: creates or updates it. */
function applyDeployment(env: Env, object: Obj, query = ''): Promise<ApiReply> {
  const { namespace, name } = object.metadata;
  return api(env, 'PATCH', `/apis/apps/v1/namespaces/${namespace}/deployments/${name}?fieldManager=kubectl&force=true${query}`, object, 'apply');
}

/** The text of a `299 - "text"` Warning header (RFC 7234 quoted string). */
function warningText(header: string): string {
  const m = /^299 - "((?:[^"\\]|\\.)*)"$/.exec(header);
  assert.ok(m, `not a Kubernetes warning header: ${header}`);
  return m[1].replace(/\\(.)/g, '$1');
}

function deployment(namespace: string, name: string, container: Obj, podSpec: Obj = {}): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { ...podSpec, containers: [{ name: 'web', ...container }] } },
    },
  };
}

const RESOURCES = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } };
const COMPLIANT = { image: 'nginx:1.27', resources: RESOURCES, securityContext: { runAsNonRoot: true, runAsUser: 10001, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } };
const PRIVILEGED = { image: 'nginx:1.27', resources: RESOURCES, securityContext: { privileged: true } };

interface Webhook {
  child: ChildProcess;
  port: number;
  /** Standard output as written: every byte the webhook logged. */
  raw: () => string;
  logs: Obj[];
  stderr: () => string;
  exited: Promise<number | null>;
}

async function startWebhook(dir: string, files: { cert: string; key: string; config: string; kubeconfig: string }): Promise<Webhook> {
  const child = spawn(
    process.execPath,
    [cli, 'webhook', '--tls-cert', files.cert, '--tls-key', files.key, '--config', files.config, '--port', '0', '--address', '127.0.0.1', '--namespace', 'kshield-system', '--kubeconfig', files.kubeconfig],
    { cwd: dir, env: { ...process.env, KUBECONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logs: Obj[] = [];
  let raw = '';
  let stderr = '';
  let buffer = '';
  let resolvePort!: (port: number) => void;
  const port = new Promise<number>((resolve) => (resolvePort = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    raw += text;
    buffer += text;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const entry = JSON.parse(line) as Obj;
      logs.push(entry);
      if (entry.msg === 'kshield webhook listening') resolvePort(entry.port);
    }
  });
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const listening = await Promise.race([port, exited.then((code) => Promise.reject(new Error(`kshield webhook exited with ${code}: ${stderr}`)))]);
  return { child, port: listening, raw: () => raw, logs, stderr: () => stderr, exited };
}

async function eventually<T>(attempt: () => Promise<T | undefined>, what: string, ms: number): Promise<T> {
  const until = Date.now() + ms;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`timed out after ${ms} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/**
 * The two configurations `kshield install webhook` prints, pointed at the local process (url and
 * caBundle instead of the in-cluster Service) and limited to the test's namespaces; plus, for the
 * secret-data check, an entry that sends the one labelled Secret to /validate.
 */
function webhookConfigurations(port: number, caBundle: string): Obj[] {
  const printed = kshield(['install', 'webhook', '--cert-manager', '--timeout-seconds', '5']);
  assert.equal(printed.code, 0, printed.stderr);
  const configurations = (yaml.loadAll(printed.stdout) as Obj[]).filter((o) => o && /^(Validating|Mutating)WebhookConfiguration$/.test(o.kind));
  assert.equal(configurations.length, 2);
  for (const c of configurations) {
    c.metadata = { name: `e2e-${c.metadata.name}` };
    for (const w of c.webhooks) {
      const endpoint = w.clientConfig.service.path;
      w.clientConfig = { url: `https://127.0.0.1:${port}${endpoint}`, caBundle };
      w.namespaceSelector = { matchLabels: { [SELECTOR_LABEL]: 'watched' } };
    }
    if (c.kind === 'ValidatingWebhookConfiguration') {
      c.webhooks.push({
        ...structuredClone(c.webhooks[0]),
        name: 'secrets.validate.kshield.io',
        objectSelector: { matchLabels: { [SECRET_PROBE_LABEL]: 'true' } },
        rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['secrets'], scope: 'Namespaced' }],
      });
    }
  }
  return configurations;
}

describe('kshield webhook registered with a real API server (v1.20.2)', { skip: skipReason, timeout: 120_000 }, () => {
  let dir: string | undefined;
  let clusterStarted = false;
  let env: Env;
  let webhook: Webhook | undefined;
  let caBundle: string;

  /** The webhook's log lines about one object; the API server may answer its client before the line is read here. */
  const logsFor = (namespace: string, name: string, endpoint: 'validate' | 'mutate', atLeast = 1): Promise<Obj[]> =>
    eventually(
      async () => {
        const lines = webhook!.logs.filter((l) => l.endpoint === endpoint && l.namespace === namespace && (l.name === name || l.name === `${name}*`));
        return lines.length >= atLeast ? lines : undefined;
      },
      `${atLeast} ${endpoint} log line(s) of ${namespace}/${name}`,
      5_000,
    );

  before(async () => {
    if (why) assert.fail(`KSHIELD_INTEGRATION=required but ${why}`);
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-webhook-e2e-'));
    const certs = generateWebhookCertificates({ service: 'kshield-webhook', namespace: 'kshield-system', ipAddresses: ['127.0.0.1'], days: 1 });
    const files = { cert: path.join(dir, 'tls.crt'), key: path.join(dir, 'tls.key'), config: path.join(dir, 'kshield.yaml') };
    writeFileSync(files.cert, certs.cert);
    writeFileSync(files.key, certs.key, { mode: 0o600 });
    writeFileSync(files.config, CONFIG);
    caBundle = Buffer.from(certs.caCert).toString('base64');

    const clusterDir = path.join(dir, 'cluster');
    clusterStarted = true;
    const started = spawnSync(script, ['start', clusterDir], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(started.status, 0, `cluster start failed: ${started.stdout}${started.stderr}`);
    env = readEnv(clusterDir);
    // The kubeconfig is for namespace labels (exemptNamespaceSelector): a list, then a watch.
    webhook = await startWebhook(dir, { ...files, kubeconfig: path.join(clusterDir, 'kubeconfig') });

    for (const ns of [WATCHED, EXEMPT]) {
      const r = await api(env, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { [SELECTOR_LABEL]: 'watched' } } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    // Admitted before the webhook exists: the UPDATE test changes it afterwards.
    const legacy = await applyDeployment(env, deployment(WATCHED, 'legacy', PRIVILEGED));
    assert.equal(legacy.status, 201, JSON.stringify(legacy.body));

    for (const c of webhookConfigurations(webhook.port, caBundle)) {
      const r = await api(env, 'POST', `/apis/admissionregistration.k8s.io/v1/${c.kind === 'ValidatingWebhookConfiguration' ? 'validating' : 'mutating'}webhookconfigurations`, c);
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    // The API server loads webhook configurations asynchronously: probe with dry runs (which
    // change nothing) until the validating webhook denies and the mutating one patches.
    await eventually(
      async () => {
        const denied = await applyDeployment(env, deployment(WATCHED, 'probe', PRIVILEGED), '&dryRun=All');
        const mutated = await applyDeployment(env, deployment(WATCHED, 'probe', COMPLIANT), '&dryRun=All');
        return denied.status === 403 && mutated.body?.spec?.template?.spec?.securityContext?.seccompProfile ? true : undefined;
      },
      'the webhook configurations to take effect',
      20_000,
    );
    // v1.20 admits pods only once the token controller has given the default account its Secret.
    await eventually(
      async () => ((await api(env, 'GET', `/api/v1/namespaces/${WATCHED}/serviceaccounts/default`)).body?.secrets?.length > 0 ? true : undefined),
      `the default ServiceAccount of ${WATCHED}`,
      20_000,
    );
  });

  after(async () => {
    if (webhook && webhook.child.exitCode === null && webhook.child.signalCode === null) {
      webhook.child.kill('SIGKILL');
      await webhook.exited;
    }
    if (dir) {
      if (clusterStarted) spawnSync(script, ['stop', path.join(dir, 'cluster')], { encoding: 'utf8', timeout: 30_000 });
      rmSync(dir, { recursive: true, force: true });
    }
  });


  test('a privileged Deployment is refused with kshield\'s message, as the API server returns it', async () => {
    const r = await applyDeployment(env, deployment(WATCHED, 'web', PRIVILEGED));
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.equal(r.body.kind, 'Status');
    assert.equal(r.body.status, 'Failure');
    assert.equal(r.body.code, 403);
    assert.equal(
      r.body.message,
      'admission webhook "validate.kshield.io" denied the request: kshield: Deployment e2e-watched/web violates 1 enforced rule:\n' +
        '- [privileged-container] spec.template.spec.containers[0].securityContext.privileged: container "web" runs privileged. Fix: Remove securityContext.privileged or set it to false.',
    );
    assert.equal((await api(env, 'GET', `/apis/apps/v1/namespaces/${WATCHED}/deployments/web`)).status, 404);
    // The same words `kshield scan` prints for the manifest in CI.
    const manifest = path.join(dir!, 'web.yaml');
    writeFileSync(manifest, yaml.dump(deployment(WATCHED, 'web', PRIVILEGED)));
    const scan = kshield(['scan', manifest, '-o', 'json', '--fail-on', 'none']);
    const finding = JSON.parse(scan.stdout).findings.find((f: Obj) => f.rule === 'privileged-container');
    assert.ok(r.body.message.includes(`: ${finding.message}. Fix: `), scan.stdout);

    const [log] = await logsFor(WATCHED, 'web', 'validate');
    assert.equal(log.decision, 'denied');
    assert.deepEqual(log.denied, ['privileged-container']);
    assert.equal(log.user, 'admin');
    assert.equal(log.dryRun, false);
  });

  test('a compliant Deployment is admitted without warnings, with the defaults it left unset filled in', async () => {
    const r = await applyDeployment(env, deployment(WATCHED, 'shop', COMPLIANT));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(r.warningHeaders, []);
    const stored = (await api(env, 'GET', `/apis/apps/v1/namespaces/${WATCHED}/deployments/shop`)).body;
    assert.deepEqual(stored.spec.template.spec.securityContext, { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    assert.deepEqual(stored.spec.template.spec.containers[0].securityContext, COMPLIANT.securityContext, 'what the user set is kept as it was');
    const [log] = await logsFor(WATCHED, 'shop', 'validate');
    assert.equal(log.decision, 'allowed');
    assert.equal(log.denied, undefined);
    assert.equal(log.warned, undefined);

    // Applying the same manifest again changes nothing: the defaults it lacks are written again on
    // UPDATE, so the pod template stays as stored and nothing rolls out.
    const again = await applyDeployment(env, deployment(WATCHED, 'shop', COMPLIANT));
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.metadata.generation, stored.metadata.generation);
    assert.deepEqual(again.body.spec.template, stored.spec.template);
  });

  test('a warned Deployment is admitted, and the API server passes the warning on in a Warning header', async () => {
    const r = await applyDeployment(env, deployment(WATCHED, 'latest', { ...COMPLIANT, image: 'nginx:latest' }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(r.warningHeaders, ['299 - "spec.template.spec.containers[0].image: container \\"web\\" uses the mutable tag \\"latest\\" (nginx:latest) [image-tag-latest]"']);
    assert.deepEqual(r.warningHeaders.map(warningText), ['spec.template.spec.containers[0].image: container "web" uses the mutable tag "latest" (nginx:latest) [image-tag-latest]']);
    assert.equal((await api(env, 'GET', `/apis/apps/v1/namespaces/${WATCHED}/deployments/latest`)).status, 200);
    const [log] = await logsFor(WATCHED, 'latest', 'validate');
    assert.deepEqual(log.warned, ['image-tag-latest']);
  });

  test('a Pod is stored with the defaults applied where it set nothing, and what it set is kept', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'mutated', namespace: WATCHED },
      spec: {
        containers: [
          { name: 'app', image: 'nginx:1.27' },
          { name: 'sidecar', image: 'busybox:1.36', securityContext: { allowPrivilegeEscalation: true, capabilities: { drop: ['NET_RAW'] } } },
        ],
      },
    };
    const r = await api(env, 'POST', `/api/v1/namespaces/${WATCHED}/pods`, pod);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const stored = (await api(env, 'GET', `/api/v1/namespaces/${WATCHED}/pods/mutated`)).body;
    assert.equal(stored.status.phase, 'Pending', 'no kubelet: it never runs');
    assert.deepEqual(stored.spec.securityContext, { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    assert.deepEqual(stored.spec.containers[0].securityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    assert.deepEqual(stored.spec.containers[1].securityContext, { allowPrivilegeEscalation: true, capabilities: { drop: ['NET_RAW'] } });

    const [mutation] = await logsFor(WATCHED, 'mutated', 'mutate');
    assert.equal(mutation.decision, 'patched');
    // The validating webhook judged the object as mutated: the defaults' findings are gone.
    const [validation] = await logsFor(WATCHED, 'mutated', 'validate');
    assert.equal(validation.decision, 'allowed');
    for (const fixed of ['run-as-non-root', 'seccomp-profile-required']) assert.ok(!validation.rules.includes(fixed), `${fixed} in ${validation.rules}`);
    assert.ok(validation.rules.includes('allow-privilege-escalation'), 'the sidecar keeps its own allowPrivilegeEscalation: true');
    // A label change of the running pod is an UPDATE: judged again (nothing new), never mutated (its spec is immutable).
    const labelled = await api(env, 'PATCH', `/api/v1/namespaces/${WATCHED}/pods/mutated`, { metadata: { labels: { tier: 'web' } } }, 'merge');
    assert.equal(labelled.status, 200, JSON.stringify(labelled.body));
    assert.deepEqual((await logsFor(WATCHED, 'mutated', 'validate', 2)).map((l) => `${l.operation} ${l.decision}`), ['CREATE allowed', 'UPDATE allowed']);
    assert.deepEqual((await logsFor(WATCHED, 'mutated', 'mutate')).map((l) => l.operation), ['CREATE']);
    // The API server copies serviceAccountName into the deprecated serviceAccount of every pod: not a finding.
    assert.deepEqual([stored.spec.serviceAccountName, stored.spec.serviceAccount], ['default', 'default']);
    assert.ok(!validation.rules.includes('deprecated-service-account-field'), String(validation.rules));
  });

  test('dryRun=All: the webhooks answer as for the real request and nothing is stored', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'dry-pod', namespace: WATCHED }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } };
    const created = await api(env, 'POST', `/api/v1/namespaces/${WATCHED}/pods?dryRun=All`, pod);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.spec.securityContext, { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, 'the dry run shows the mutation');
    assert.equal((await api(env, 'GET', `/api/v1/namespaces/${WATCHED}/pods/dry-pod`)).status, 404);

    const refused = await applyDeployment(env, deployment(WATCHED, 'dry-web', PRIVILEGED), '&dryRun=All');
    assert.equal(refused.status, 403);
    assert.match(refused.body.message, /^admission webhook "validate\.kshield\.io" denied the request: kshield: Deployment e2e-watched\/dry-web violates 1 enforced rule:\n- \[privileged-container\] /);
    assert.equal((await api(env, 'GET', `/apis/apps/v1/namespaces/${WATCHED}/deployments/dry-web`)).status, 404);

    for (const [name, endpoint] of [['dry-pod', 'mutate'], ['dry-pod', 'validate'], ['dry-web', 'mutate'], ['dry-web', 'validate']] as const) {
      const lines = await logsFor(WATCHED, name, endpoint);
      assert.deepEqual(lines.map((l) => l.dryRun), [true], `${endpoint} ${name}`);
    }
  });

  test('UPDATE: a violation the object already had does not block a label change; a new one does', async () => {
    // `legacy` was created privileged before the webhook was registered.
    const labelled = await api(env, 'PATCH', `/apis/apps/v1/namespaces/${WATCHED}/deployments/legacy`, { metadata: { labels: { team: 'shop' } } }, 'merge');
    assert.equal(labelled.status, 200, JSON.stringify(labelled.body));
    assert.deepEqual(labelled.warningHeaders.map(warningText), [
      'spec.template.spec.containers[0].securityContext.privileged: container "web" runs privileged [privileged-container; already there before this update, not blocking]',
    ]);
    assert.equal(labelled.body.metadata.labels.team, 'shop');
    const [labelLog] = await logsFor(WATCHED, 'legacy', 'validate');
    assert.equal(labelLog.operation, 'UPDATE');
    assert.deepEqual(labelLog.preexisting, ['privileged-container']);

    const hostPid = await api(env, 'PATCH', `/apis/apps/v1/namespaces/${WATCHED}/deployments/legacy`, { spec: { template: { spec: { hostPID: true } } } }, 'merge');
    assert.equal(hostPid.status, 403, JSON.stringify(hostPid.body));
    assert.match(
      hostPid.body.message,
      /^admission webhook "validate\.kshield\.io" denied the request: kshield: Deployment e2e-watched\/legacy violates 1 enforced rule:\n- \[host-pid\] spec\.template\.spec\.hostPID: [^\n]+$/,
    );
    assert.deepEqual(hostPid.warningHeaders.map(warningText), [
      'spec.template.spec.containers[0].securityContext.privileged: container "web" runs privileged [privileged-container; already there before this update, not blocking]',
    ]);
    const stored = (await api(env, 'GET', `/apis/apps/v1/namespaces/${WATCHED}/deployments/legacy`)).body;
    assert.equal(stored.spec.template.spec.hostPID, undefined);

    // A label change leaves the pod template as it was: /mutate writes no defaults, so nothing rolls out.
    assert.deepEqual(stored.spec.template.spec.securityContext, {});
    assert.equal(stored.metadata.generation, labelled.body.metadata.generation);
    const mutations = await logsFor(WATCHED, 'legacy', 'mutate');
    assert.equal(mutations[0].reason, 'pod-template-unchanged');

    // A change to the pod template is a rollout anyway: /mutate gives the template its defaults, and
    // the pod the ReplicaSet controller creates for it is admitted although privileged
    // (controllerPods: audit; its owner was judged).
    const rollout = await api(env, 'PATCH', `/apis/apps/v1/namespaces/${WATCHED}/deployments/legacy`, { spec: { template: { metadata: { annotations: { 'example.com/restarted-at': '2026-11-23T06:00:00Z' } } } } }, 'merge');
    assert.equal(rollout.status, 200, JSON.stringify(rollout.body));
    assert.deepEqual(rollout.body.spec.template.spec.securityContext, { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    const rolledOut = await eventually(
      async () => {
        const pods = (await api(env, 'GET', `/api/v1/namespaces/${WATCHED}/pods?labelSelector=app%3Dlegacy`)).body.items as Obj[];
        return pods.find((p) => p.spec.securityContext?.seccompProfile?.type === 'RuntimeDefault');
      },
      'the pod of the rolled-out template',
      15_000,
    );
    assert.equal(rolledOut.spec.containers[0].securityContext.privileged, true);
    const [podLog] = await logsFor(WATCHED, rolledOut.metadata.name, 'validate');
    assert.equal(podLog.user, 'system:serviceaccount:kube-system:replicaset-controller');
    assert.equal(podLog.decision, 'allowed');
    assert.deepEqual(podLog.controller, ['privileged-container']);
  });

  test('a namespace exempt by name (the API server does send its requests) admits a privileged Deployment unchanged', async () => {
    const r = await applyDeployment(env, deployment(EXEMPT, 'web', PRIVILEGED));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(r.warningHeaders, []);
    const stored = (await api(env, 'GET', `/apis/apps/v1/namespaces/${EXEMPT}/deployments/web`)).body;
    assert.equal(stored.spec.template.spec.securityContext.seccompProfile, undefined, 'not mutated');
    assert.equal(stored.spec.template.spec.containers[0].securityContext.privileged, true);
    const [validation] = await logsFor(EXEMPT, 'web', 'validate');
    assert.deepEqual([validation.decision, validation.reason], ['allowed', 'exempt-namespace']);
    const [mutation] = await logsFor(EXEMPT, 'web', 'mutate');
    assert.deepEqual([mutation.decision, mutation.reason], ['unchanged', 'exempt-namespace']);
  });

  test('a namespace exempt by label: labels read from the API server, and a label removed is seen through the watch', async () => {
    const ns = 'e2e-label-exempt';
    const created = await api(env, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { [SELECTOR_LABEL]: 'watched', [EXEMPT_LABEL]: 'true' } } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const r = await applyDeployment(env, deployment(ns, 'web', PRIVILEGED));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const [validation] = await logsFor(ns, 'web', 'validate');
    assert.deepEqual([validation.decision, validation.reason], ['allowed', 'exempt-namespace-label']);

    const relabelled = await api(env, 'PATCH', `/api/v1/namespaces/${ns}`, { metadata: { labels: { [EXEMPT_LABEL]: null } } }, 'merge');
    assert.equal(relabelled.status, 200, JSON.stringify(relabelled.body));
    const denied = await eventually(
      async () => {
        const attempt = await applyDeployment(env, deployment(ns, 'web-2', PRIVILEGED), '&dryRun=All');
        return attempt.status === 403 ? attempt : undefined;
      },
      'the webhook to see the namespace label removed',
      10_000,
    );
    assert.match(denied.body.message, /denied the request: kshield: Deployment e2e-label-exempt\/web-2 violates 1 enforced rule:\n- \[privileged-container\] /);
  });

  test('secret values reaching the webhook never reach its log or its answers', async () => {
    const password = randomBytes(18).toString('hex');
    const leaky = await applyDeployment(env, deployment(WATCHED, 'leaky', { ...COMPLIANT, env: [{ name: 'DB_PASSWORD', value: password }] }));
    assert.equal(leaky.status, 403, JSON.stringify(leaky.body));
    assert.match(leaky.body.message, /\n- \[hardcoded-secret\] spec\.template\.spec\.containers\[0\]\.env\[0\]\.value: /);
    assert.ok(!leaky.body.message.includes(password));

    // The API server sends this Secret, with its data, to /validate (the e2e-only webhook entry).
    const inData = randomBytes(18).toString('hex');
    const inStringData = randomBytes(18).toString('hex');
    const secret = await api(env, 'POST', `/api/v1/namespaces/${WATCHED}/secrets`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', labels: { [SECRET_PROBE_LABEL]: 'true' } },
      data: { password: Buffer.from(inData).toString('base64') },
      stringData: { token: inStringData },
    });
    assert.equal(secret.status, 201, JSON.stringify(secret.body));
    for (const header of secret.warningHeaders) assert.ok(!header.includes(inData) && !header.includes(inStringData));
    const [log] = await logsFor(WATCHED, 'db', 'validate');
    assert.equal(log.kind, 'Secret');
    assert.equal(log.decision, 'allowed');

    const raw = webhook!.raw();
    for (const value of [password, inData, inStringData]) {
      for (const form of [value, Buffer.from(value).toString('base64')]) assert.ok(!raw.includes(form), 'a secret value is in the webhook log');
    }
  });

  test('SIGTERM with the API server\'s connections open: exit 0; then failurePolicy Fail refuses what the webhook would judge', async () => {
    const problems = webhook!.logs.filter((l) => l.level !== 'info');
    assert.deepEqual(problems, [], 'no warning or error logged while serving the real API server');
    webhook!.child.kill('SIGTERM');
    const code = await Promise.race([webhook!.exited, new Promise((r) => setTimeout(() => r('still running after 10 s'), 10_000).unref())]);
    assert.equal(code, 0, webhook!.stderr());
    assert.ok(webhook!.logs.some((l) => l.msg === 'kshield webhook stopped'));

    const r = await applyDeployment(env, deployment(WATCHED, 'unjudged', COMPLIANT));
    assert.equal(r.status, 500, JSON.stringify(r.body));
    assert.match(r.body.message, /failed calling webhook "mutate\.kshield\.io": Post "https:\/\/127\.0\.0\.1:\d+\/mutate\?timeout=5s": .*connection refused/);
    assert.equal((await api(env, 'GET', `/apis/apps/v1/namespaces/${WATCHED}/deployments/unjudged`)).status, 404);
  });
});
