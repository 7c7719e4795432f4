/**
 * The API server's audit webhook pointed at `kshield respond` itself, wired the way docs/audit.md
 * tells a user to: `kshield install respond --generate-certs --audit-policy … --audit-webhook-config
 * … --audit-url https://127.0.0.1:PORT --audit-token-file …` writes the audit policy, the webhook
 * kubeconfig (respond's URL, the generated CA, the token file) and prints the kube-apiserver flags;
 * the real kube-apiserver v1.20.2 (test/support/k8s/cluster) starts with those flags; `kshield
 * respond` runs as a child process with the TLS pair from the printed Secret and the same token
 * file. A pods/exec POST (what `kubectl exec` sends; it fails without a kubelet but is audited)
 * then becomes an alert in respond's JSON lines, and the policy's actions are real objects in the
 * API server: the pod labelled and annotated, the isolating NetworkPolicy, and an Event per step.
 * A privileged pod whose create request is over 1 MiB makes a batch larger than an alert body may
 * be: respond takes it all the same (the audit endpoint's own limit) and labels the pod.
 *
 * Without the binaries or etcd the suite is skipped with a loud message, unless
 * KSHIELD_INTEGRATION=required, where it fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { kshield } from './support/cli.js';
import { CLUSTER_SCRIPT, readClusterEnv, skipUnlessRealCluster, type ClusterEnv } from './support/real-cluster.js';
import { freePort, request, startRespond, until, type Obj, type RespondProcess } from './support/respond-process.js';

const { skip, missing } = skipUnlessRealCluster("the API server's audit webhook pointed at kshield respond");
const NS = 'shop';

const POLICY = `
settings:
  dedupWindow: 10m
rules:
  - name: exec-into-pod
    match: { rules: ["audit-pod-exec"], sources: [audit] }
    actions:
      - action: label
      - action: annotate
        with: { annotations: { example.com/incident: "exec into a running pod" } }
      - action: isolate
        with: { variant: kubernetes }
  - name: privileged-pods
    match: { rules: ["audit-privileged-pod-created"], sources: [audit] }
    actions:
      - action: label
        with: { labels: { example.com/review: privileged } }
`;

describe("the API server's audit webhook → kshield respond → real actions", { skip, timeout: 300_000 }, () => {
  let dir = '';
  let clusterDir = '';
  let env: ClusterEnv;
  let respond: RespondProcess | undefined;
  const timings: Record<string, number> = {};

  const api = (method: string, p: string, body?: unknown, contentType?: string) => request(new URL(p, env.server).toString(), { method, token: env.admin, ca: env.ca, body, contentType });
  const ok = async (method: string, p: string, body?: unknown): Promise<Obj> => {
    const r = await api(method, p, body);
    assert.ok(r.status >= 200 && r.status < 300, `${method} ${p}: ${r.status} ${JSON.stringify(r.body?.message ?? r.body)}`);
    return r.body;
  };
  const respondEvents = async (ns: string, pod: string): Promise<Obj[]> =>
    ((await ok('GET', `/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.name%3D${pod}`)).items as Obj[]).filter((e) => e.source?.component === 'kshield-respond');

  before(async () => {
    if (missing) assert.fail(`KSHIELD_INTEGRATION=required but ${missing}`);
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-respond-audit-'));
    const port = await freePort();
    const tokenFile = path.join(dir, 'sender.token');
    writeFileSync(tokenFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    const policyFile = path.join(dir, 'audit-policy.yaml');
    const webhookConfig = path.join(dir, 'audit-webhook.kubeconfig');
    const manifests = path.join(dir, 'respond.yaml');
    // The user's step: install respond writes the API server's side and the manifests with the TLS pair.
    const installed = kshield(['install', 'respond', '--generate-certs', '--act', '--audit-policy', policyFile, '--audit-webhook-config', webhookConfig, '--audit-url', `https://127.0.0.1:${port}`, '--audit-token-file', tokenFile, '-o', manifests]);
    assert.equal(installed.code, 0, installed.stderr);
    const flags = /give the API server: (.*)$/m.exec(installed.stderr)?.[1]?.split(' ');
    assert.ok(flags && flags.length === 5, installed.stderr);
    const tls = (yaml.loadAll(readFileSync(manifests, 'utf8')) as Obj[]).find((d) => d?.kind === 'Secret' && d.type === 'kubernetes.io/tls')!;
    writeFileSync(path.join(dir, 'tls.crt'), tls.stringData['tls.crt']);
    writeFileSync(path.join(dir, 'tls.key'), tls.stringData['tls.key'], { mode: 0o600 });
    writeFileSync(path.join(dir, 'ca.crt'), tls.stringData['ca.crt']);
    writeFileSync(path.join(dir, 'policy.yaml'), POLICY);

    clusterDir = path.join(dir, 'cluster');
    let t = Date.now();
    const started = spawnSync(CLUSTER_SCRIPT, ['start', clusterDir, '--', ...flags], { encoding: 'utf8', timeout: 180_000 });
    assert.equal(started.status, 0, `cluster start failed: ${started.stdout}${started.stderr}`);
    timings.clusterStartMs = Date.now() - t;
    env = readClusterEnv(clusterDir);
    t = Date.now();
    respond = await startRespond([
      '--policy', path.join(dir, 'policy.yaml'),
      '--tls-cert', path.join(dir, 'tls.crt'),
      '--tls-key', path.join(dir, 'tls.key'),
      '--token-file', tokenFile,
      '--address', '127.0.0.1',
      '--port', String(port),
      '--kubeconfig', env.kubeconfig,
      '--namespace', 'kshield-system',
    ]);
    timings.respondStartMs = Date.now() - t;
    assert.equal(respond.scheme, 'https');
    await ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    // v1.20 admits pods only once the token controller has given the default account its token Secret.
    await until('the default ServiceAccount and its token', async () => (await api('GET', `/api/v1/namespaces/${NS}/serviceaccounts/default`)).body?.secrets?.length > 0);
  });

  after(async () => {
    const code = await respond?.stop();
    if (clusterDir) spawnSync(CLUSTER_SCRIPT, ['stop', clusterDir], { encoding: 'utf8', timeout: 60_000 });
    if (dir) rmSync(dir, { recursive: true, force: true });
    process.stderr.write(`respond-audit-e2e timings: ${JSON.stringify(timings)}; respond exited ${code}\n`);
  });

  test('a pods/exec POST (kubectl exec) is an alert in respond; label, annotate and isolate are real objects; an Event per step', async () => {
    await ok('POST', `/api/v1/namespaces/${NS}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { automountServiceAccountToken: false, containers: [{ name: 'app', image: 'registry.example.com/shop/web:1.4.2' }] },
    });
    const before = await ok('GET', `/api/v1/namespaces/${NS}/pods/web`);
    const sent = Date.now();
    const exec = await api('POST', `/api/v1/namespaces/${NS}/pods/web/exec?command=sh&container=app&stdin=true&stdout=true&tty=true`);
    // No node runs the pod: the API server cannot reach a kubelet and says so; the request is audited all the same.
    assert.ok(exec.status >= 400, `exec answered ${exec.status}`);

    const isolated = await respond!.line('the isolate step', (l) => l.action === 'isolate' && l.target?.pod === 'web');
    timings.execToIsolatedMs = Date.now() - sent;
    const steps = respond!.lines.filter((l) => l.audit === 'kshield.respond' && l.event === 'action' && l.target?.pod === 'web');
    assert.deepEqual(steps.map((l) => [l.action, l.status]), [['label', 'done'], ['annotate', 'done'], ['isolate', 'done']], JSON.stringify(steps));
    for (const l of steps) {
      assert.equal(l.alert.source, 'audit');
      assert.equal(l.alert.rule, 'audit-pod-exec');
      assert.equal(l.policyRule, 'exec-into-pod');
      assert.deepEqual(l.target, { namespace: NS, pod: 'web' });
      assert.deepEqual(l.mitre, { techniques: ['T1609'], tactics: ['execution'] });
      assert.equal(l.dryRun, false);
    }
    assert.match(isolated.reason, /denying all ingress and egress/);

    // The objects, read back from the API server.
    const pod = await ok('GET', `/api/v1/namespaces/${NS}/pods/web`);
    assert.equal(pod.metadata.labels['kshield.io/quarantined'], 'true');
    assert.equal(pod.metadata.labels['kshield.io/isolate'], before.metadata.uid);
    assert.equal(pod.metadata.labels.app, 'web');
    assert.equal(pod.metadata.annotations['kshield.io/alert-rule'], 'audit-pod-exec');
    assert.equal(pod.metadata.annotations['kshield.io/alert-id'], isolated.alert.id);
    assert.equal(pod.metadata.annotations['example.com/incident'], 'exec into a running pod');
    const policy = await ok('GET', `/apis/networking.k8s.io/v1/namespaces/${NS}/networkpolicies/kshield-isolate-web`);
    assert.deepEqual(policy.spec, { podSelector: { matchLabels: { 'kshield.io/isolate': before.metadata.uid } }, policyTypes: ['Ingress', 'Egress'] });
    assert.deepEqual(isolated.objects.map((o: Obj) => [o.kind, o.name, o.change]), [['NetworkPolicy', 'kshield-isolate-web', 'created'], ['Pod', 'web', 'patched']]);

    const events = await until('three Events on the pod', async () => {
      const e = await respondEvents(NS, 'web');
      return e.length >= 3 ? e : undefined;
    });
    assert.deepEqual(events.map((e) => [e.reason, e.action]).sort(), [['KshieldResponseDone', 'annotate'], ['KshieldResponseDone', 'isolate'], ['KshieldResponseDone', 'label']]);
    for (const e of events) {
      assert.equal(e.involvedObject.uid, before.metadata.uid);
      assert.match(e.message, /for alert "audit-pod-exec" \(error, policy rule exec-into-pod\)/);
    }
  });

  test('an exec into a pod in kube-system is an alert too, and is refused (protected namespace): an audit line and an Event, nothing changed', async () => {
    await ok('POST', '/api/v1/namespaces/kube-system/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'dns' },
      spec: { automountServiceAccountToken: false, containers: [{ name: 'dns', image: 'registry.example.com/dns:1.0' }] },
    }).catch(async () => {
      // kube-system's default ServiceAccount may still be on its way.
      await until('kube-system pod admitted', async () => (await api('POST', '/api/v1/namespaces/kube-system/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'dns' }, spec: { automountServiceAccountToken: false, containers: [{ name: 'dns', image: 'registry.example.com/dns:1.0' }] } })).status === 201);
    });
    const before = await ok('GET', '/api/v1/namespaces/kube-system/pods/dns');
    const exec = await api('POST', '/api/v1/namespaces/kube-system/pods/dns/exec?command=sh&container=dns&stdin=true&stdout=true&tty=true');
    assert.ok(exec.status >= 400);
    await respond!.line('the last step', (l) => l.action === 'isolate' && l.target?.pod === 'dns');
    const steps = respond!.lines.filter((l) => l.audit === 'kshield.respond' && l.target?.pod === 'dns');
    // label is refused; annotate does not run after a refusal (skipped); isolate runs after a skip, and is refused.
    assert.deepEqual(steps.map((l) => [l.action, l.event, l.status, l.refusal]), [
      ['label', 'refusal', 'refused', 'protected-namespace'],
      ['annotate', 'action', 'skipped', undefined],
      ['isolate', 'refusal', 'refused', 'protected-namespace'],
    ]);
    assert.equal(steps[0].alert.rule, 'audit-pod-exec');
    assert.equal(steps[0].reason, 'namespace kube-system is protected');
    const events = await until('the Events', async () => {
      const e = await respondEvents('kube-system', 'dns');
      return e.length >= 3 ? e : undefined;
    });
    assert.deepEqual(events.map((e) => [e.reason, e.type, e.action]).sort(), [
      ['KshieldResponseRefused', 'Warning', 'isolate'],
      ['KshieldResponseRefused', 'Warning', 'label'],
      ['KshieldResponseSkipped', 'Normal', 'annotate'],
    ]);
    const after = await ok('GET', '/api/v1/namespaces/kube-system/pods/dns');
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
    assert.equal((await api('GET', '/apis/networking.k8s.io/v1/namespaces/kube-system/networkpolicies/kshield-isolate-dns')).status, 404);
  });

  test('a privileged pod whose create request alone is over 1 MiB (the API server records its body): the batch is taken and the pod labelled', async () => {
    // 1.1 MB of environment: the event's requestObject carries it, so the batch is larger than an alert body may be.
    const env = Array.from({ length: 110 }, (_, i) => ({ name: `BLOB_${i}`, value: 'x'.repeat(10_000) }));
    await ok('POST', `/api/v1/namespaces/${NS}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'big' },
      spec: { automountServiceAccountToken: false, containers: [{ name: 'sh', image: 'busybox:1.36', env, securityContext: { privileged: true } }] },
    });
    const line = await respond!.line('the label of the privileged pod', (l) => l.action === 'label' && l.target?.pod === 'big');
    assert.deepEqual([line.status, line.alert.rule, line.policyRule], ['done', 'audit-privileged-pod-created', 'privileged-pods']);
    assert.equal((await ok('GET', `/api/v1/namespaces/${NS}/pods/big`)).metadata.labels['example.com/review'], 'privileged');
  });

  test("respond's own requests, the controllers' and the setup's were judged and raised no alert: only the two execs and the privileged pod did", async () => {
    const metrics = async (): Promise<string> => String((await request(`https://127.0.0.1:${respond!.port}/metrics`, { ca: readFileSync(path.join(dir, 'ca.crt')) })).body);
    // Requests made after the execs, then a batch wait and more: the alerts counted are every alert of the run so far.
    for (let i = 0; i < 3; i++) await ok('GET', `/api/v1/namespaces/${NS}?marker=${i}`);
    await new Promise((r) => setTimeout(r, 3000));
    const text = await metrics();
    const alerts = text.split('\n').filter((l) => l.startsWith('kshield_respond_alerts_total{')).sort();
    assert.deepEqual(alerts, ['kshield_respond_alerts_total{source="audit",rule="audit-pod-exec"} 2', 'kshield_respond_alerts_total{source="audit",rule="audit-privileged-pod-created"} 1'], text);
    // The API server was never refused (a wrong token would be 401, an undecodable batch 400).
    assert.equal(text.split('\n').filter((l) => l.startsWith('kshield_respond_bad_requests_total{')).length, 0, text);
    assert.equal(respond!.lines.filter((l) => l.level === 'error' || l.level === 'warn').length, 0, JSON.stringify(respond!.lines.filter((l) => l.level === 'error' || l.level === 'warn')));
  });

  test('audit rules that need the cluster\'s objects are judged with respond\'s live cache: a service account reading a Secret its pods do not mount is an alert; its own Secret is not', async () => {
    for (const name of ['mine', 'other']) await ok('POST', `/api/v1/namespaces/${NS}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: { password: 'not-a-real-password-0' } });
    await ok('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reader' } });
    await ok('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'secret-reader' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] });
    await ok('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'reader-secret-reader' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'secret-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: NS }],
    });
    // v1.20's token controller writes the account a token Secret: its credential here.
    let tokenSecret: string | undefined;
    for (let i = 0; i < 100 && !tokenSecret; i++) {
      tokenSecret = (await ok('GET', `/api/v1/namespaces/${NS}/serviceaccounts/reader`)).secrets?.[0]?.name;
      if (!tokenSecret) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(tokenSecret, "the account's token Secret");
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'reader' }, spec: { serviceAccountName: 'reader', automountServiceAccountToken: false, containers: [{ name: 'app', image: 'registry.example.com/shop/reader:1.0.0', envFrom: [{ secretRef: { name: 'mine' } }] }] } };
    for (let i = 0; i < 100; i++) if ((await api('POST', `/api/v1/namespaces/${NS}/pods`, pod)).status === 201) break;
    const saToken = Buffer.from((await ok('GET', `/api/v1/namespaces/${NS}/secrets/${tokenSecret}`)).data.token, 'base64').toString('utf8');
    // respond's cache must hold the pod before the reads are judged against it (it watches pods: well under 2 s here).
    await new Promise((r) => setTimeout(r, 2000));
    const asReader = async (name: string): Promise<number> => (await request(new URL(`/api/v1/namespaces/${NS}/secrets/${name}`, env.server).toString(), { token: saToken, ca: env.ca })).status;
    assert.equal(await asReader('mine'), 200);
    assert.equal(await asReader('other'), 200);
    const metrics = async (): Promise<string> => String((await request(`https://127.0.0.1:${respond!.port}/metrics`, { ca: readFileSync(path.join(dir, 'ca.crt')) })).body);
    let count = '';
    for (let i = 0; i < 100 && !count; i++) {
      count = (await metrics()).split('\n').find((l) => l.startsWith('kshield_respond_alerts_total{source="audit",rule="audit-secret-read-unmounted"}')) ?? '';
      if (!count) await new Promise((r) => setTimeout(r, 200));
    }
    // One alert: the read of "other"; the read of its own Secret is none.
    assert.equal(count, 'kshield_respond_alerts_total{source="audit",rule="audit-secret-read-unmounted"} 1');
    assert.ok(!respond!.lines.some((l) => JSON.stringify(l).includes('not-a-real-password-0')), 'a Secret value in respond\'s output');
  });
});
