/**
 * `kshield probe etcd` against Debian's real etcd on 127.0.0.1 (plaintext, TLS without client
 * certificates, TLS with client-cert auth), and `kshield probe kubelet` against a stand-in
 * kubelet; unreachable and silent servers end in a warning within the timeout. Run as a user
 * runs it: the built CLI in a child process.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import { kshieldAsync } from './support/cli.js';
import { makeTestPki, type TestPki } from './support/certs.js';
import { freePort } from './support/ports.js';
import { SECRET_IN_POD, startSilentServer, startTestKubelet, type SecurePortMode } from './support/kubelet-server.js';
import { parseEndpoint, parseHost } from '../src/probe/endpoint.js';
import { parseDurationOption } from '../src/cli/duration.js';
import { judgeEtcd, type ProtocolResult } from '../src/probe/etcd.js';
import type { Attempt, AttemptRequest } from '../src/probe/http.js';

interface Check {
  id: string;
  title: string;
  status: string;
  evidence: string;
  remediation: string;
  endpoint: string;
}
interface Report {
  checks: Check[];
  target: { component: string; endpoints: string[]; timeout: string; ports?: { secure: number; readOnly: number } };
  summary: Record<string, number>;
}
interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Asynchronous: the stand-in servers live in this process and must keep answering. */
const kshield = (args: string[]): Promise<Run> => kshieldAsync(args);

async function probeJson(args: string[]): Promise<Run & { report: Report }> {
  const r = await kshield([...args, '-o', 'json']);
  let report: Report;
  try {
    report = JSON.parse(r.stdout) as Report;
  } catch {
    assert.fail(`no JSON report (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
  return { ...r, report };
}

function check(report: Report, id: string, endpoint?: string): Check {
  const c = report.checks.find((x) => x.id === id && (endpoint === undefined || x.endpoint === endpoint));
  assert.ok(c, `check ${id}${endpoint ? ` for ${endpoint}` : ''} not in the report: ${JSON.stringify(report.checks.map((x) => [x.id, x.endpoint]))}`);
  return c;
}

// ---------------------------------------------------------------------------------------------
// etcd

/** KSHIELD_ETCD points at another etcd binary (or a missing one, to see the skip). */
const ETCD = process.env.KSHIELD_ETCD ?? '/usr/bin/etcd';
const REQUIRED = process.env.KSHIELD_INTEGRATION === 'required';
const etcdMissing = !existsSync(ETCD);
if (etcdMissing && !REQUIRED) {
  process.stderr.write(`\n*** SKIPPING the etcd probe tests: ${ETCD} is not installed (apt-get install etcd-server). Set KSHIELD_INTEGRATION=required to make this a failure. ***\n\n`);
}

type EtcdMode = 'plaintext' | 'tls' | 'client-cert-auth';

interface RunningEtcd {
  mode: EtcdMode;
  port: number;
  endpoint: string;
  process: ChildProcess;
  log: () => string;
}

/** A key whose name and value must never show in a probe's output. */
const SECRET_KEY = '/registry/secrets/shop/stripe-api-key';
const SECRET_VALUE = 'sk_live_etcd_probe_secret_value_do_not_print';

function request(url: string, options: https.RequestOptions & { body?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith('https:') ? https : http).request(url, { ...options, agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(options.body);
  });
}

async function startEtcd(mode: EtcdMode, dir: string, pki: TestPki, certDir: string): Promise<RunningEtcd> {
  const port = await freePort();
  const peerPort = await freePort();
  const scheme = mode === 'plaintext' ? 'http' : 'https';
  const client = `${scheme}://127.0.0.1:${port}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const name = `probe-${mode}`;
  const args = [
    `--name=${name}`,
    `--data-dir=${path.join(dir, mode)}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=${name}=${peer}`,
    '--logger=zap',
    '--log-level=warn',
  ];
  if (mode !== 'plaintext') args.push(`--cert-file=${path.join(certDir, 'server.crt')}`, `--key-file=${path.join(certDir, 'server.key')}`);
  if (mode === 'client-cert-auth') args.push('--client-cert-auth=true', `--trusted-ca-file=${path.join(certDir, 'ca.crt')}`);
  // etcd also reads ETCD_* variables: keep the caller's out of the test.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ETCD_')));
  const child = spawn(ETCD, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log = (log + d).slice(-8000)));
  const running: RunningEtcd = { mode, port, endpoint: client, process: child, log: () => log };

  // Ready when /health says so, asked the way a legitimate client would (with the client certificate where one is required).
  const tlsOptions = { ca: pki.caPem, ...(mode === 'client-cert-auth' ? { cert: pki.clientCertPem, key: pki.clientKeyPem } : {}) };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`etcd (${mode}) exited with ${child.exitCode}:\n${log}`);
    try {
      const r = await request(`${client}/health`, tlsOptions);
      if (r.status === 200 && /"health":\s*"true"/.test(r.body)) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`etcd (${mode}) not ready on ${client} within 30s:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // One Secret-shaped key, written by a legitimate client, so the probe has something it must not show.
  const put = await request(`${client}/v3/kv/put`, {
    method: 'POST',
    ...tlsOptions,
    body: JSON.stringify({ key: Buffer.from(SECRET_KEY).toString('base64'), value: Buffer.from(SECRET_VALUE).toString('base64') }),
  });
  assert.equal(put.status, 200, `writing the test key to etcd (${mode}): ${put.body}`);
  return running;
}

async function stopEtcd(etcd: RunningEtcd): Promise<void> {
  if (etcd.process.exitCode !== null || etcd.process.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => etcd.process.once('exit', () => resolve()));
  etcd.process.kill('SIGTERM');
  const timer = setTimeout(() => etcd.process.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

describe('kshield probe etcd: Debian etcd on 127.0.0.1', { skip: etcdMissing && !REQUIRED ? `${ETCD} not installed` : false }, () => {
  let dir: string;
  const etcds = new Map<EtcdMode, RunningEtcd>();
  let version = '';

  before(async () => {
    assert.ok(!etcdMissing, `${ETCD} is missing and KSHIELD_INTEGRATION=required`);
    dir = mkdtempSync(path.join(os.tmpdir(), 'kshield-probe-etcd-'));
    const pki = makeTestPki();
    const certDir = path.join(dir, 'pki');
    mkdirSync(certDir, { mode: 0o700 });
    writeFileSync(path.join(certDir, 'ca.crt'), pki.caPem);
    writeFileSync(path.join(certDir, 'server.crt'), pki.serverCertPem);
    writeFileSync(path.join(certDir, 'server.key'), pki.serverKeyPem, { mode: 0o600 });
    const started = await Promise.allSettled((['plaintext', 'tls', 'client-cert-auth'] as const).map((mode) => startEtcd(mode, dir, pki, certDir)));
    for (const s of started) if (s.status === 'fulfilled') etcds.set(s.value.mode, s.value);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const v = await request(`${etcds.get('plaintext')!.endpoint}/version`, {});
    version = (JSON.parse(v.body) as { etcdserver: string }).etcdserver;
  });

  after(async () => {
    await Promise.all([...etcds.values()].map(stopEtcd));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const noSecrets = (r: Run): void => {
    for (const text of [r.stdout, r.stderr]) {
      assert.ok(!text.includes(SECRET_VALUE), 'the secret value is in the output');
      assert.ok(!text.includes('stripe-api-key'), 'a key name is in the output');
      assert.ok(!text.includes(Buffer.from(SECRET_VALUE).toString('base64')), 'the base64 secret value is in the output');
    }
  };

  test('plaintext etcd: both checks fail, with the proof that the key space is readable', async () => {
    const e = etcds.get('plaintext')!;
    const r = await probeJson(['probe', 'etcd', e.endpoint]);
    assert.equal(r.code, 1, r.stderr);
    noSecrets(r);
    const label = `127.0.0.1:${e.port}`;
    assert.deepEqual(r.report.target, { component: 'etcd', endpoints: [label], timeout: '5s' });
    const tls = check(r.report, '2.1');
    assert.equal(tls.status, 'fail');
    assert.equal(tls.endpoint, label);
    assert.equal(
      tls.evidence,
      `plaintext HTTP: GET /version answered 200 (etcd ${version}); POST /v3/kv/range (count only) answered 200: the key space is readable (1 key; no key or value was requested)`,
    );
    assert.match(tls.remediation, /--cert-file and --key-file/);
    const cert = check(r.report, '2.2');
    assert.equal(cert.status, 'fail');
    assert.match(cert.evidence, /^the port speaks plaintext HTTP only \(a TLS handshake: .+\), so no client certificate is ever asked for$/);
    assert.match(cert.remediation, /--client-cert-auth=true/);
    assert.deepEqual(r.report.summary, { pass: 0, fail: 2, warn: 0, manual: 0 });
  });

  test('TLS without client-cert auth: TLS passes, the missing client certificate fails; the untrusted server certificate is noted', async () => {
    const e = etcds.get('tls')!;
    // Written as an https URL, as in kube-apiserver --etcd-servers.
    const r = await probeJson(['probe', 'etcd', `https://127.0.0.1:${e.port}`]);
    assert.equal(r.code, 1, r.stderr);
    noSecrets(r);
    const tls = check(r.report, '2.1');
    assert.equal(tls.status, 'pass');
    assert.match(tls.evidence, /^plaintext HTTP: GET \/version: connection closed without an HTTP answer; the port speaks TLS$/);
    const cert = check(r.report, '2.2');
    assert.equal(cert.status, 'fail');
    assert.equal(
      cert.evidence,
      `TLS without a client certificate: GET /version answered 200 (etcd ${version}); POST /v3/kv/range (count only) answered 200: the key space is readable (1 key; no key or value was requested); server certificate CN=kshield-test-server issued by CN=kshield-probe-test-ca: issued by a CA this machine does not trust`,
    );
  });

  test('TLS with --client-cert-auth and --trusted-ca-file: both checks pass, exit 0', async () => {
    const e = etcds.get('client-cert-auth')!;
    const r = await probeJson(['probe', 'etcd', `127.0.0.1:${e.port}`]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    noSecrets(r);
    assert.equal(check(r.report, '2.1').status, 'pass');
    const cert = check(r.report, '2.2');
    assert.equal(cert.status, 'pass');
    assert.match(cert.evidence, /^TLS without a client certificate: handshake refused \(alert: (bad certificate|certificate required)\); a client certificate is required$/);
  });

  test('several endpoints in one run: a table grouped by endpoint, in the order given, with a summary line', async () => {
    const [p, t, c] = (['plaintext', 'tls', 'client-cert-auth'] as const).map((m) => etcds.get(m)!.port);
    const r = await kshield(['probe', 'etcd', `http://127.0.0.1:${p}`, `https://127.0.0.1:${t}`, `127.0.0.1:${c}`, '--no-color']);
    assert.equal(r.code, 1, r.stderr);
    noSecrets(r);
    assert.match(r.stdout, new RegExp(`^Probed etcd at 127\\.0\\.0\\.1:${p}, 127\\.0\\.0\\.1:${t}, 127\\.0\\.0\\.1:${c} from this machine, with no credentials \\(timeout 5s per endpoint\\)\\n`));
    const groups = [...r.stdout.matchAll(/^== etcd (\S+) ==$/gm)].map((m) => m[1]);
    assert.deepEqual(groups, [`127.0.0.1:${p}`, `127.0.0.1:${t}`, `127.0.0.1:${c}`]);
    assert.match(r.stdout, /\n {2}2\.2 +FAIL {3}etcd refuses clients without a client certificate\n +TLS without a client certificate: GET \/version answered 200/);
    assert.match(r.stdout, /\n6 checks: 3 pass, 3 fail, 0 warn\n$/);
  });

  // Runs last: it turns on etcd's own authentication in the plaintext member.
  test('plaintext etcd with its own authentication on: still a fail, and the evidence says reads were refused', async () => {
    const e = etcds.get('plaintext')!;
    for (const [api, body] of [
      ['user/add', { name: 'root', password: 'probe-test-root-password' }],
      ['user/grant', { user: 'root', role: 'root' }],
      ['enable', {}],
    ] as const) {
      const r = await request(`${e.endpoint}/v3/auth/${api}`, { method: 'POST', body: JSON.stringify(body) });
      assert.equal(r.status, 200, `${api}: ${r.body}`);
    }
    const r = await probeJson(['probe', 'etcd', e.endpoint]);
    assert.equal(r.code, 1);
    noSecrets(r);
    assert.equal(
      check(r.report, '2.1').evidence,
      `plaintext HTTP: GET /version answered 200 (etcd ${version}); POST /v3/kv/range (count only) answered 400 "etcdserver: user name is empty": no data reached; etcd's own authentication stops reads, but its traffic, user passwords included, crosses the network unencrypted`,
    );
    assert.equal(check(r.report, '2.2').status, 'fail');
  });
});

// ---------------------------------------------------------------------------------------------
// unreachable and silent servers (etcd and kubelet)

describe('kshield probe: unreachable and silent endpoints end in a warning, within the timeout', () => {
  let silent: Awaited<ReturnType<typeof startSilentServer>>;
  before(async () => {
    silent = await startSilentServer();
  });
  after(async () => {
    await silent.close();
  });

  test('etcd on a closed port: warn "unreachable: connection refused", exit 0, the fix is about reaching it', async () => {
    const port = await freePort();
    const r = await probeJson(['probe', 'etcd', `127.0.0.1:${port}`]);
    assert.equal(r.code, 0, r.stderr);
    for (const id of ['2.1', '2.2']) {
      const c = check(r.report, id);
      assert.deepEqual([c.status, c.evidence], ['warn', 'unreachable: connection refused']);
      assert.match(c.remediation, /check the address and port/);
    }
  });

  test('etcd on a server that accepts and never answers: warn after --timeout, not a hang', async () => {
    const r = await probeJson(['probe', 'etcd', `127.0.0.1:${silent.port}`, '--timeout', '1s']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.ms < 8000, `took ${r.ms} ms`);
    const plain = check(r.report, '2.1');
    assert.equal(plain.status, 'warn');
    assert.match(plain.evidence, /plaintext HTTP: GET \/version: connected, but no answer within 1s/);
    assert.match(plain.evidence, /TLS without a client certificate: GET \/version: connected, but no TLS handshake within 1s/);
    assert.equal(check(r.report, '2.2').status, 'warn');
  });

  test('kubelet with nothing listening: the read-only port passes (refused), the API port warns (unreachable)', async () => {
    const [secure, readOnly] = [await freePort(), await freePort()];
    const r = await probeJson(['probe', 'kubelet', '127.0.0.1', '--port', String(secure), '--read-only-port', String(readOnly)]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([check(r.report, '4.2.4').status, check(r.report, '4.2.4').evidence], ['pass', `127.0.0.1:${readOnly}: connection refused: nothing listens on the read-only port`]);
    const api = check(r.report, '4.2.1');
    assert.deepEqual([api.status, api.evidence], ['warn', `127.0.0.1:${secure}: unreachable: GET /pods: connection refused`]);
  });

  test('kubelet on a silent server: both checks warn with a timeout message within the deadline', async () => {
    const r = await probeJson(['probe', 'kubelet', '127.0.0.1', '--port', String(silent.port), '--read-only-port', String(silent.port), '--timeout', '800ms']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.ms < 8000, `took ${r.ms} ms`);
    assert.deepEqual([check(r.report, '4.2.4').status, check(r.report, '4.2.4').evidence], ['warn', `127.0.0.1:${silent.port}: GET /pods: connected, but no answer within 800ms; inconclusive`]);
    assert.deepEqual([check(r.report, '4.2.1').status, check(r.report, '4.2.1').evidence], ['warn', `127.0.0.1:${silent.port}: GET /pods: connected, but no TLS handshake within 800ms; inconclusive`]);
  });
});

// ---------------------------------------------------------------------------------------------
// kubelet

describe('kshield probe kubelet: a stand-in kubelet', () => {
  const servers: { close(): Promise<void> }[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  async function probeKubelet(readOnlyPort: boolean, securePort: SecurePortMode, extra: string[] = []): Promise<Run & { report: Report }> {
    const kubelet = await startTestKubelet({ readOnlyPort, securePort });
    servers.push(kubelet);
    const r = await probeJson(['probe', 'kubelet', '127.0.0.1', '--port', String(kubelet.securePort), '--read-only-port', String(kubelet.readOnlyPort), ...extra]);
    for (const text of [r.stdout, r.stderr]) {
      assert.ok(!text.includes(SECRET_IN_POD), 'pod data (an env value) is in the output');
      assert.ok(!text.includes('payments'), 'pod data (a pod name) is in the output');
    }
    // Only reads: GETs of the paths the checks name.
    for (const line of [...kubelet.requests.readOnly, ...kubelet.requests.secure]) assert.match(line, /^GET \/(pods|metrics|runningpods\/|configz)$/);
    assert.deepEqual(r.report.target.ports, { secure: kubelet.securePort, readOnly: kubelet.readOnlyPort });
    return r;
  }

  test('read-only port open and anonymous requests allowed: both fail, with status codes and sizes only', async () => {
    const r = await probeKubelet(true, 'anonymous-allowed');
    assert.equal(r.code, 1, r.stderr);
    const ro = check(r.report, '4.2.4', '127.0.0.1');
    assert.equal(ro.status, 'fail');
    assert.match(ro.evidence, /^127\.0\.0\.1:\d+ over plaintext HTTP, no credentials: GET \/pods answered 200 \(\d+ bytes, a PodList\); GET \/metrics answered 200 \(\d+ bytes, Prometheus metrics\): open to anyone who reaches the port$/);
    assert.match(ro.remediation, /readOnlyPort: 0/);
    const api = check(r.report, '4.2.1');
    assert.equal(api.status, 'fail');
    assert.match(api.evidence, /GET \/pods answered 200 \(\d+ bytes, a PodList\); GET \/runningpods\/ answered 200 \(\d+ bytes, a PodList\); GET \/configz answered 200 \(\d+ bytes, the kubelet configuration\): anonymous requests are authenticated and authorized/);
    assert.match(api.evidence, /server certificate CN=kshield-test-server issued by CN=kshield-probe-test-ca: issued by a (self-signed )?CA this machine does not trust$/);
    assert.match(api.remediation, /authentication\.anonymous\.enabled: false/);
  });

  test('read-only port closed, anonymous auth off (401): both pass, exit 0', async () => {
    const r = await probeKubelet(false, 'unauthorized');
    assert.equal(r.code, 0, r.stdout);
    assert.equal(check(r.report, '4.2.4').status, 'pass');
    const api = check(r.report, '4.2.1');
    assert.equal(api.status, 'pass');
    assert.match(api.evidence, /GET \/pods answered 401 \(12 bytes\); GET \/runningpods\/ answered 401 \(12 bytes\); GET \/configz answered 401 \(12 bytes\): refused: anonymous authentication is off/);
  });

  test('anonymous requests denied by authorization (403): pass, and the evidence says anonymous auth is still on', async () => {
    const r = await probeKubelet(false, 'forbidden');
    assert.equal(r.code, 0);
    const api = check(r.report, '4.2.1');
    assert.equal(api.status, 'pass');
    assert.match(api.evidence, /answered 403 .*: refused; 403 means anonymous requests are authenticated as system:anonymous and stopped only by authorization/);
  });

  test('a client certificate demanded at the TLS handshake: pass', async () => {
    const r = await probeKubelet(false, 'client-certificate');
    assert.equal(r.code, 0);
    const api = check(r.report, '4.2.1');
    assert.equal(api.status, 'pass');
    assert.match(api.evidence, /^127\.0\.0\.1:\d+: TLS refused by the server \(alert: [a-z ]+\): nothing is served without a client certificate$/);
  });

  test('markdown output: a heading, one table per host', async () => {
    const kubelet = await startTestKubelet({ readOnlyPort: true, securePort: 'unauthorized' });
    servers.push(kubelet);
    const r = await kshield(['probe', 'kubelet', '127.0.0.1', '--port', String(kubelet.securePort), '--read-only-port', String(kubelet.readOnlyPort), '-o', 'markdown']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^# kshield probe kubelet report\n\nProbed kubelet on 127\.0\.0\.1 \(ports \d+ and read-only \d+\) from this machine, with no credentials \(timeout 5s per endpoint\)\. 2 checks: 1 pass, 1 fail, 0 warn\.\n\n## kubelet 127\.0\.0\.1\n\n\| id \| status \| check \| evidence \| remediation \|\n/);
    assert.match(r.stdout, /\n\| 4\.2\.4 \| fail \| The kubelet read-only port is closed \| .*GET \/pods answered 200.* \| set readOnlyPort: 0/);
  });
});

// ---------------------------------------------------------------------------------------------
// servers that answer in part, or too much

/** A plaintext stand-in that says it is etcd on /version and answers the range request as `range` says. */
async function startFakeEtcd(range: (res: http.ServerResponse) => void): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    if (req.method === 'GET' && req.url === '/version') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ etcdserver: '3.5.9', etcdcluster: '3.5.0' }));
    } else if (req.method === 'POST' && req.url === '/v3/kv/range') range(res);
    else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('kshield probe: answers that are too large, or that never finish', () => {
  const servers: { close(): Promise<void> }[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  test('etcd whose range request answers 200 with more than 16 MiB: fail, and no claim that authentication stops reads', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    const etcd = await startFakeEtcd((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      let sent = 0;
      const more = (): void => {
        while (sent < 20 && !res.destroyed) {
          sent++;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end();
      };
      more();
    });
    servers.push(etcd);
    const r = await probeJson(['probe', 'etcd', `127.0.0.1:${etcd.port}`]);
    assert.equal(r.code, 1, r.stderr);
    const plain = check(r.report, '2.1');
    assert.equal(plain.status, 'fail');
    assert.equal(
      plain.evidence,
      'plaintext HTTP: GET /version answered 200 (etcd 3.5.9); POST /v3/kv/range (count only) answered 200, more than 16 MiB, not the key count etcd sends: the read was accepted without credentials, and what came back is unknown; treat the key space as readable; its traffic crosses the network unencrypted',
    );
    assert.doesNotMatch(plain.evidence, /authentication stops reads|no data reached/);
  });

  test('a server that sends headers and then trickles the body: the evidence says the headers arrived, not "no answer"', async () => {
    const etcd = await startFakeEtcd(() => undefined);
    servers.push(etcd);
    const trickle = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"etcdserver"');
      const timer = setInterval(() => res.write(' '), 100);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => trickle.listen(0, '127.0.0.1', resolve));
    servers.push({ close: () => (trickle.closeAllConnections(), new Promise((resolve) => trickle.close(() => resolve()))) });
    const port = (trickle.address() as { port: number }).port;
    const r = await probeJson(['probe', 'etcd', `127.0.0.1:${port}`, '--timeout', '1s']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.ms < 8000, `took ${r.ms} ms`);
    const plain = check(r.report, '2.1');
    assert.equal(plain.status, 'warn');
    assert.match(plain.evidence, /^plaintext HTTP: GET \/version: connected; headers \(200\) and \d+ bytes of the body arrived, but not the whole answer within 1s;/);
    assert.doesNotMatch(plain.evidence, /no answer within/);
  });
});

// ---------------------------------------------------------------------------------------------
// --timeout

describe('kshield probe --timeout: one duration parser, the range message for any out-of-range value, the normalised value printed', () => {
  const cases: [string, RegExp][] = [
    ['100h', /--timeout: must be between 1ms and 1h, got "100h"/],
    ['0s', /--timeout: must be between 1ms and 1h, got "0s"/],
    ['61m', /--timeout: must be between 1ms and 1h, got "61m"/],
    ['5 minutes', /--timeout: expected a duration such as 30s, 500ms or 2m, got "5 minutes"/],
  ];
  for (const [value, message] of cases) {
    test(`--timeout ${value}`, async () => {
      const r = await kshield(['probe', 'etcd', '127.0.0.1:2379', '--timeout', value]);
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, message);
    });
  }

  test('"5" is 5 seconds and is printed as 5s; Go forms such as 1m30s and 1500ms are taken and printed the same way', async () => {
    const port = await freePort();
    for (const [given, shown] of [['5', '5s'], ['1500ms', '1.5s'], ['1m30s', '1m30s'], ['0.25', '250ms']]) {
      const r = await kshield(['probe', 'etcd', `127.0.0.1:${port}`, '--timeout', given, '--no-color']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^Probed etcd at 127\\.0\\.0\\.1:${port} from this machine, with no credentials \\(timeout ${shown} per endpoint\\)\\n`), given);
      const json = await probeJson(['probe', 'etcd', `127.0.0.1:${port}`, '--timeout', given]);
      assert.equal(json.report.target.timeout, shown);
    }
  });

  test('the parser: Go durations, plain seconds, the range', () => {
    assert.deepEqual(parseDurationOption('5', '--timeout'), { ms: 5000, text: '5s' });
    assert.deepEqual(parseDurationOption(' 2m ', '--timeout'), { ms: 120_000, text: '2m' });
    assert.deepEqual(parseDurationOption('1h', '--timeout'), { ms: 3_600_000, text: '1h' });
    assert.deepEqual(parseDurationOption('1ms', '--timeout'), { ms: 1, text: '1ms' });
    assert.throws(() => parseDurationOption('0.5ms', '--timeout'), /must be between 1ms and 1h, got "0.5ms"/);
    assert.throws(() => parseDurationOption('1h1ms', '--timeout'), /must be between 1ms and 1h/);
    assert.throws(() => parseDurationOption('5x', '--timeout'), /expected a duration/);
  });
});

// ---------------------------------------------------------------------------------------------
// input errors

describe('kshield probe: bad input is a usage error (exit 2) that says what is wrong', () => {
  const cases: [string[], RegExp][] = [
    [['probe', 'etcd', 'ftp://127.0.0.1:2379'], /ftp:\/\/127\.0\.0\.1:2379: unknown scheme "ftp" \(use http:\/\/, https:\/\/ or host:port\)/],
    [['probe', 'etcd', 'unix:///var/run/etcd.sock'], /a unix socket cannot be probed over the network/],
    [['probe', 'etcd', 'https://127.0.0.1:2379/v3/kv/range'], /give only scheme, host and port \(no path or query\)/],
    [['probe', 'etcd', '127.0.0.1:99999'], /the port must be a number from 1 to 65535, got "99999"/],
    [['probe', 'etcd', 'https://127.0.0.1:0'], /the port must be a number from 1 to 65535, got "0"/],
    [['probe', 'etcd', 'etcd server:2379'], /not an endpoint/],
    [['probe', 'etcd', '127.0.0.1:2379', '--timeout', 'soon'], /--timeout: expected a duration such as 30s, 500ms or 2m, got "soon"/],
    [['probe', 'etcd', '127.0.0.1:2379', '-o', 'sarif'], /kshield probe etcd writes table, json, markdown or html; sarif is not supported/],
    [['probe', 'kubelet', '10.0.0.7:10250'], /give the host without a port; set the ports with --port and --read-only-port/],
    [['probe', 'kubelet', 'https://10.0.0.7'], /without a scheme/],
    [['probe', 'kubelet', '10.0.0.7', '--port', '70000'], /--port: expected a port from 1 to 65535, got "70000"/],
    [['probe', 'etcd'], /missing required argument 'endpoints'/],
  ];
  for (const [args, message] of cases) {
    test(args.slice(1).join(' '), async () => {
      const r = await kshield(args);
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    });
  }

  test('credentials in an endpoint are refused without being echoed', async () => {
    const r = await kshield(['probe', 'etcd', 'https://root:hunter2-etcd@127.0.0.1:2379']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /an endpoint carries credentials/);
    assert.ok(!r.stderr.includes('hunter2'));
  });

  // Every form a user might paste: no message may quote the password or the token.
  const secretCases: [string[], RegExp][] = [
    [['probe', 'kubelet', 'user:FAKEpassw0rd-123@127.0.0.1'], /^kshield: error: a host carries credentials \(user:password@host\); the probe sends none, leave them out\n/],
    [['probe', 'kubelet', 'https://user:FAKEpassw0rd-123@10.0.0.7'], /a host carries credentials/],
    [['probe', 'kubelet', 'node-1?token=FAKEtoken-456'], /^kshield: error: a host has a query string \(not shown: it may carry a token\); give only the host name or IP address\n/],
    [['probe', 'etcd', 'https://h/x?token=FAKEtoken-456'], /^kshield: error: an endpoint has a query string \(not shown: it may carry a token\); give only scheme, host and port\n/],
    [['probe', 'etcd', 'https://10.0.0.5:2379/?token=FAKEtoken-456'], /an endpoint has a query string/],
    [['probe', 'etcd', 'https://10.0.0.5:2379#FAKEtoken-456'], /an endpoint has a fragment/],
    [['probe', 'etcd', 'user:FAKEpassw0rd-123@10.0.0.5:2379'], /an endpoint carries credentials/],
    [['probe', 'etcd', 'https://user:FAKEpassw0rd-123\\@10.0.0.5'], /an endpoint carries credentials/],
    [['probe', 'etcd', '10.0.0.4', 'https://user:FAKEpassw0rd-123@10.0.0.5'], /^kshield: error: argument 2 of 2: an endpoint carries credentials/],
  ];
  for (const [args, message] of secretCases) {
    test(`never echoed: ${args.slice(1).join(' ').replace(/FAKE[\w-]+/g, '…')}`, async () => {
      const r = await kshield(args);
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, message);
      assert.ok(!/FAKE/.test(r.stderr + r.stdout), r.stderr);
    });
  }
});

describe('endpoint parsing', () => {
  test('the forms etcd endpoints are written in', () => {
    const shape = (text: string): unknown => {
      const e = parseEndpoint(text, 2379);
      return [e.scheme, e.host, e.port, e.label];
    };
    assert.deepEqual(shape('https://10.0.0.5:2379'), ['https', '10.0.0.5', 2379, '10.0.0.5:2379']);
    assert.deepEqual(shape('http://127.0.0.1:2379/'), ['http', '127.0.0.1', 2379, '127.0.0.1:2379']);
    assert.deepEqual(shape('HTTPS://etcd-0.etcd.kube-system.svc:443'), ['https', 'etcd-0.etcd.kube-system.svc', 443, 'etcd-0.etcd.kube-system.svc:443']);
    assert.deepEqual(shape('https://etcd.example'), ['https', 'etcd.example', 2379, 'etcd.example:2379']);
    assert.deepEqual(shape('10.0.0.5:2381'), [undefined, '10.0.0.5', 2381, '10.0.0.5:2381']);
    assert.deepEqual(shape('10.0.0.5'), [undefined, '10.0.0.5', 2379, '10.0.0.5:2379']);
    assert.deepEqual(shape('[fd00::5]:2379'), [undefined, 'fd00::5', 2379, '[fd00::5]:2379']);
    assert.deepEqual(shape('https://[fd00::5]:2379'), ['https', 'fd00::5', 2379, '[fd00::5]:2379']);
    assert.deepEqual(shape('fd00::5'), [undefined, 'fd00::5', 2379, '[fd00::5]:2379']);
    assert.throws(() => parseEndpoint('[not-v6]:2379', 2379), /is not an IPv6 address/);
    assert.throws(() => parseEndpoint('', 2379), /empty endpoint/);
  });

  test('kubelet hosts', () => {
    assert.equal(parseHost('node-1.internal'), 'node-1.internal');
    assert.equal(parseHost('[fd00::7]'), 'fd00::7');
    assert.equal(parseHost('fd00::7'), 'fd00::7');
    assert.throws(() => parseHost('node-1:10250'), /without a port/);
  });
});

describe('judging what an endpoint answered', () => {
  const timing = { timeoutMs: 5000, timeoutText: '5s' };
  const endpoint = parseEndpoint('10.0.0.5:6443', 2379);
  const req = (scheme: 'http' | 'https', method: 'GET' | 'POST', path: string): AttemptRequest => ({ scheme, method, path, deadline: 0 });
  const answer = (request: AttemptRequest, status: number, body: string): Attempt => ({ kind: 'answer', request, status, bytes: body.length, truncated: false, head: body });

  test('a kube-apiserver (anonymous /version, 404 Status elsewhere) is not taken for etcd', () => {
    const status404 = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', code: 404 });
    const tls: ProtocolResult = {
      scheme: 'https',
      version: answer(req('https', 'GET', '/version'), 200, JSON.stringify({ major: '1', minor: '28', gitVersion: 'v1.28.2' })),
      data: answer(req('https', 'POST', '/v3alpha/kv/range'), 404, status404),
    };
    const plain: ProtocolResult = { scheme: 'http', version: answer(req('http', 'GET', '/version'), 400, 'Client sent an HTTP request to an HTTPS server.\n') };
    const [tlsCheck, certCheck] = judgeEtcd(endpoint, plain, tls, timing);
    assert.deepEqual([tlsCheck.id, tlsCheck.status], ['2.1', 'pass']);
    assert.match(tlsCheck.evidence, /^plaintext HTTP refused \(400: HTTP request to an HTTPS server\)/);
    assert.deepEqual([certCheck.id, certCheck.status], ['2.2', 'warn']);
    assert.match(certCheck.evidence, /GET \/version answered 200, \d+ bytes; POST \/v3alpha\/kv\/range \(count only\) answered 404, \d+ bytes: no data reached: a TLS server that does not answer like etcd \(a proxy, or not etcd\); inconclusive$/);
  });

  test('over TLS, an oversized 200 on the data path: client certificates are not required, and no claim that etcd authentication stands in the way', () => {
    const version = answer(req('https', 'GET', '/version'), 200, JSON.stringify({ etcdserver: '3.5.9', etcdcluster: '3.5.0' }));
    const huge: Attempt = { kind: 'answer', request: req('https', 'POST', '/v3/kv/range'), status: 200, bytes: 16 * 1024 * 1024, truncated: true, head: '{"header":' };
    const plain: Attempt = { kind: 'failure', request: req('http', 'GET', '/version'), stage: 'answer', reason: 'reset', detail: 'socket hang up' };
    const [, certCheck] = judgeEtcd(endpoint, { scheme: 'http', version: plain }, { scheme: 'https', version, data: huge }, timing);
    assert.deepEqual([certCheck.status, certCheck.evidence], [
      'fail',
      'TLS without a client certificate: GET /version answered 200 (etcd 3.5.9); POST /v3/kv/range (count only) answered 200, more than 16 MiB, not the key count etcd sends: the read was accepted without credentials, and what came back is unknown (client certificates are not required; treat the key space as readable)',
    ]);
  });

  test('a handshake failure that is not about certificates is inconclusive, not a pass', () => {
    const failure: Attempt = { kind: 'failure', request: req('https', 'GET', '/version'), stage: 'tls', reason: 'tls-alert', alert: 'protocol version', detail: 'tlsv1 alert protocol version' };
    const plain: Attempt = { kind: 'failure', request: req('http', 'GET', '/version'), stage: 'answer', reason: 'reset', detail: 'socket hang up' };
    const [tlsCheck, certCheck] = judgeEtcd(endpoint, { scheme: 'http', version: plain }, { scheme: 'https', version: failure }, timing);
    assert.equal(tlsCheck.status, 'pass');
    assert.deepEqual([certCheck.status, certCheck.evidence], [
      'warn',
      'TLS without a client certificate: GET /version: TLS refused by the server (alert: protocol version): nothing is served without a client certificate, but the alert does not say one was required; inconclusive',
    ]);
  });
});
