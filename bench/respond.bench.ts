/**
 * `npm run bench:respond`: how long kshield respond takes from an alert received to the isolating
 * NetworkPolicy created in a REAL API server (test/support/k8s/cluster, on loopback), p50/p99 over
 * 1,000 alerts (BENCH_ALERTS), each about a different pod so deduplication does not refuse it.
 * Each alert is a Falco HTTP-output body POSTed over HTTPS with a bearer token and `?wait=true`:
 * the answer comes once every step ran, so the time measured is decode + policy + pod read +
 * `isolate` (the cluster action, through the ActionDefinition interface) + the answer.
 *
 * Baseline, in the same process against the same API server: a bare create of a NetworkPolicy of
 * the same shape (deny-all, selecting one pod) through @kubernetes/client-node, the least any
 * responder must spend.
 *
 * `isolate` comes from RESPOND_ACTIONS (src/runtime/respond/wiring.ts), where the cluster actions
 * are plugged in; without it only the baseline is measured and the bench says so.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import https from 'node:https';
import { pino } from 'pino';
import { fmt, loadNote, table, envInt } from './measure.js';
import { CLUSTER_SCRIPT, readClusterEnv, realClusterMissing } from '../test/support/real-cluster.js';
import { loadKubeClient } from '../src/sources/kube-client.js';
import { generateWebhookCertificates } from '../src/admission/certs.js';
import { ResponseEngine } from '../src/runtime/respond/engine.js';
import { RespondServer } from '../src/runtime/respond/server.js';
import { parseResponsePolicy } from '../src/runtime/respond/policy.js';
import { BUILTIN_ACTIONS } from '../src/runtime/respond/builtin-actions.js';
import { RESPOND_ACTIONS, RESPOND_DECODERS } from '../src/runtime/respond/wiring.js';

const ALERTS = envInt('BENCH_ALERTS', 1000);
const TOKEN = 'bench-token-0123456789abcdef';
const NAMESPACE = 'bench';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summary(name: string, ms: number[]): string[] {
  const s = [...ms].sort((a, b) => a - b);
  return [name, String(s.length), fmt(percentile(s, 50), 2), fmt(percentile(s, 99), 2), fmt(s[s.length - 1], 2)];
}

function falcoAlert(pod: string): object {
  return {
    hostname: 'node-1',
    output: `Outbound connection to C2 server from ${pod}`,
    priority: 'Critical',
    rule: 'Outbound Connection to C2 Servers',
    source: 'syscall',
    tags: ['network', 'mitre_command_and_control', 'T1071'],
    time: new Date().toISOString(),
    output_fields: { 'k8s.ns.name': NAMESPACE, 'k8s.pod.name': pod, 'container.id': 'abc123def456', 'fd.rip': '203.0.113.7', 'fd.rport': 4444, 'fd.l4proto': 'tcp' },
  };
}

const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });

function post(url: string, body: object, ca: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', ca, agent, headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function main(): Promise<number> {
  const missing = realClusterMissing();
  if (missing) {
    process.stderr.write(`bench:respond needs the real control plane: ${missing}\n`);
    return 2;
  }
  const isolate = RESPOND_ACTIONS.find((a) => a.name === 'isolate');
  const dir = mkdtempSync(path.join(tmpdir(), 'kshield-bench-respond-'));
  const started = spawnSync(CLUSTER_SCRIPT, ['start', dir], { encoding: 'utf8', timeout: 180_000 });
  if (started.status !== 0) {
    process.stderr.write(`cluster start failed: ${started.stdout}${started.stderr}\n`);
    return 1;
  }
  try {
    const env = readClusterEnv(dir);
    const client = await loadKubeClient({ kubeconfig: env.kubeconfig });
    const core = client.kc.makeApiClient(client.k8s.CoreV1Api);
    const networking = client.kc.makeApiClient(client.k8s.NetworkingV1Api);
    await core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
    const pods = Array.from({ length: ALERTS }, (_, i) => `pod-${i}`);
    for (let i = 0; i < pods.length; i++) {
      for (let attempt = 0; ; attempt++) {
        try {
          await core.createNamespacedPod({ namespace: NAMESPACE, body: { metadata: { name: pods[i], labels: { app: 'bench', pod: pods[i] } }, spec: { automountServiceAccountToken: false, containers: [{ name: 'app', image: 'registry.example/app:1' }] } } });
          break;
        } catch (err) {
          // v1.20 admits pods once the token controller has given the default account its token.
          if (attempt > 80) throw err;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    }

    // Baseline: the same NetworkPolicy shape, created bare.
    const baseline: number[] = [];
    for (const pod of pods) {
      const t0 = process.hrtime.bigint();
      await networking.createNamespacedNetworkPolicy({ namespace: NAMESPACE, body: { metadata: { name: `baseline-${pod}` }, spec: { podSelector: { matchLabels: { pod } }, policyTypes: ['Ingress', 'Egress'] } } });
      baseline.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const rows = [summary('client-node create NetworkPolicy (baseline)', baseline)];
    // The baseline's policies already isolate every pod: isolate would rightly refuse to add one where
    // another restricts the pod's egress. They go before kshield's run.
    await networking.deleteCollectionNamespacedNetworkPolicy({ namespace: NAMESPACE });

    let verdict = 'kshield respond: not measured: RESPOND_ACTIONS (src/runtime/respond/wiring.ts) has no isolate yet (the cluster actions are not merged)';
    if (isolate) {
      const certs = generateWebhookCertificates({ service: 'kshield-respond', namespace: 'bench', ipAddresses: ['127.0.0.1'] });
      const actions = RESPOND_ACTIONS;
      const policy = parseResponsePolicy(
        'settings:\n  rateLimit: { actions: 100000, per: 1s }\nrules:\n  - name: isolate-all\n    match: { priority: critical }\n    actions:\n      - action: isolate\n',
        'bench-policy.yaml',
        [...BUILTIN_ACTIONS, ...actions],
      );
      const log = pino({ level: 'info' }, new Writable({ write: (_c, _e, done) => done() }));
      const engine = new ResponseEngine({ policy, actions, client, log });
      const server = new RespondServer({ tls: { cert: certs.cert, key: certs.key }, tokens: [TOKEN], decoders: RESPOND_DECODERS, engine, log });
      const url = `https://127.0.0.1:${(await server.listen(0, '127.0.0.1')).port}/v1/alerts/falco?wait=true`;
      const respond: number[] = [];
      const statuses = new Map<string, number>();
      for (const pod of pods) {
        const t0 = process.hrtime.bigint();
        const r = await post(url, falcoAlert(pod), certs.caCert);
        respond.push(Number(process.hrtime.bigint() - t0) / 1e6);
        const status = r.status === 200 ? (JSON.parse(r.text).responses[0].steps[0]?.outcome.status as string) : `http-${r.status}`;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
      await server.close(5000);
      engine.close();
      const policies = (await networking.listNamespacedNetworkPolicy({ namespace: NAMESPACE })).items.length;
      rows.push(summary('kshield respond: alert -> isolating NetworkPolicy', respond));
      const p50 = percentile([...respond].sort((a, b) => a - b), 50) / percentile([...baseline].sort((a, b) => a - b), 50);
      verdict = `isolate outcomes: ${[...statuses].map(([s, n]) => `${s} ${n}`).join(', ')}; NetworkPolicies created by isolate: ${policies}; p50 ${fmt(p50, 2)}x the bare create`;
    }
    process.stdout.write(`\n${loadNote()}; Node ${process.version}; ${ALERTS} alerts, one after another, keep-alive HTTPS\n\n`);
    process.stdout.write(table(['run', 'alerts', 'p50 ms', 'p99 ms', 'max ms'], rows) + '\n\n' + verdict + '\n');
    return 0;
  } finally {
    spawnSync(CLUSTER_SCRIPT, ['stop', dir], { encoding: 'utf8', timeout: 30_000 });
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
agent.destroy();
