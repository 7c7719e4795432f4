/**
 * `kshield webhook` as a process: startup log, reload of the configuration and of the TLS files
 * when they change on disk, a bad configuration kept out, and the drain on SIGTERM. And
 * `kshield webhook what-if` on files and on a cluster (the in-repo test API server).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { cli, kshield, root, INSECURE, HARDENED } from './support/cli.js';
import { makeServingCert, makeTestCa, type TestCa } from './support/tls.js';
import { assertReviewShape, postReview, privilegedDeployment, request, review, rootDeployment } from './support/admission.js';
import { loadFixtureObjects, startTestApiServer, writeKubeconfig } from './support/k8s-api-server.js';

type Obj = Record<string, any>;

let dir: string;
let ca: TestCa;

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kshield-webhook-cli-'));
  ca = makeTestCa();
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Webhook {
  child: ChildProcess;
  port: number;
  logs: Obj[];
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Writes a file the way Kubernetes updates a mounted volume: a new file renamed over the old. */
function replaceFile(file: string, content: string): void {
  const tmp = `${file}.tmp-${process.hrtime.bigint()}`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

async function startWebhook(args: string[], files: { cert: string; key: string }): Promise<Webhook> {
  const child = spawn(process.execPath, [cli, 'webhook', '--tls-cert', files.cert, '--tls-key', files.key, '--port', '0', '--address', '127.0.0.1', '--reload-poll', '200ms', ...args], {
    cwd: dir,
    env: { ...process.env, POD_NAMESPACE: 'kshield' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Obj[] = [];
  let stderr = '';
  let buffer = '';
  let resolvePort: (port: number) => void;
  const port = new Promise<number>((resolve) => (resolvePort = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
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
  const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
  void exited.then(() => clearTimeout(kill));
  const started = await Promise.race([port, exited.then((code) => Promise.reject(new Error(`webhook exited with ${code}: ${stderr}`)))]);
  return { child, port: started, logs, stderr: () => stderr, exited };
}

async function eventually(check: () => Promise<boolean> | boolean, what: string, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

function tlsFiles(name: string): { cert: string; key: string; serial: string } {
  const s = makeServingCert(ca);
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  writeFileSync(cert, s.certPem);
  writeFileSync(key, s.keyPem);
  return { cert, key, serial: s.serial };
}

describe('kshield webhook (process)', () => {
  test('starts, logs what admission cannot enforce once, and reloads config and certificate on change', async () => {
    const files = tlsFiles('reload');
    const config = path.join(dir, 'reload.yaml');
    writeFileSync(config, 'webhook:\n  onUpdate: new-violations\n');
    const w = await startWebhook(['--config', config], files);
    try {
      const skipped = w.logs.filter((l) => l.msg.startsWith('rules not enforced at admission'));
      assert.equal(skipped.length, 1);
      // Ids grouped by reason, compact: the per-rule reasons are in /readyz.
      const groups = Object.entries(skipped[0].byReason as Record<string, string[]>);
      assert.deepEqual(groups.map(([reason]) => reason).sort(), [
        'judges what a repository commits; every Secret reaching the API holds real values',
        'reads other objects, which a single admission request does not carry',
      ]);
      const ids = groups.flatMap(([, list]) => list);
      assert.ok(ids.includes('cpu-limits-missing') && ids.includes('secret-data-committed') && !ids.some((id) => id.startsWith('drift-') || id.startsWith('audit-')));
      assert.equal(skipped[0].count, ids.length);
      // Ids only, grouped: it grows with the catalogue (some 60 cross-object rules), not with anything else.
      assert.ok(JSON.stringify(skipped[0]).length < 4096, `${JSON.stringify(skipped[0]).length} bytes`);
      assert.ok(w.logs.every((l) => JSON.stringify(l).length < 4096), 'no startup line is huge');
      const listening = w.logs.find((l) => l.msg === 'kshield webhook listening')!;
      assert.deepEqual(listening.exemptNamespaces, ['kshield', 'kube-system'], 'POD_NAMESPACE is exempt');

      const body = (): Obj => review(rootDeployment());
      const probe = body();
      assert.equal(assertReviewShape(await postReview(w.port, '/validate', probe, ca.certPem), probe.request.uid).allowed, true);
      const first = await postReview(w.port, '/validate', body(), ca.certPem);
      assert.equal(first.json.response.allowed, true);
      assert.equal(first.serial, files.serial);

      replaceFile(config, 'webhook:\n  actions:\n    rules:\n      run-as-non-root: enforce\n');
      await eventually(async () => (await postReview(w.port, '/validate', body(), ca.certPem)).json.response.allowed === false, 'the new configuration');
      // the line travels through the child's standard output, which may come after its answers
      await eventually(() => w.logs.some((l) => l.msg === 'configuration reloaded'), 'the reload log line');

      // A broken edit is refused and the running configuration stays.
      replaceFile(config, 'webhook:\n  actions:\n    rules:\n      no-such-rule: enforce\n');
      await eventually(() => w.logs.some((l) => l.msg.startsWith('configuration reload failed')), 'the reload error');
      const error = w.logs.find((l) => l.msg.startsWith('configuration reload failed'))!;
      assert.match(error.err, /reload\.yaml:4: webhook\.actions\.rules: unknown rule id "no-such-rule"/);
      assert.equal((await postReview(w.port, '/validate', body(), ca.certPem)).json.response.allowed, false, 'still the previous configuration');
      const ready = await request(w.port, '/readyz', undefined, { ca: ca.certPem });
      assert.match(ready.json.config.lastReloadError, /no-such-rule/);

      const next = makeServingCert(ca);
      replaceFile(files.cert, next.certPem);
      replaceFile(files.key, next.keyPem);
      await eventually(async () => (await request(w.port, '/healthz', undefined, { ca: ca.certPem })).serial === next.serial, 'the new certificate');
    } finally {
      w.child.kill('SIGTERM');
      assert.equal(await w.exited, 0);
    }
  });

  test('a default action that leaves critical and high findings unenforced is warned about at start', async () => {
    const files = tlsFiles('default-action');
    const config = path.join(dir, 'default-audit.yaml');
    writeFileSync(config, 'webhook:\n  actions:\n    severities:\n      high: enforce\n    default: audit\n');
    const w = await startWebhook(['--config', config], files);
    try {
      await eventually(() => w.logs.some((l) => l.level === 'warn' && /webhook\.actions\.default applies to critical findings, which are then not enforced/.test(l.msg)), 'the warning');
      assert.deepEqual(w.logs.find((l) => /actions\.default applies/.test(l.msg))!.severities, ['critical']);
    } finally {
      w.child.kill('SIGTERM');
      assert.equal(await w.exited, 0);
    }
  });

  test('SIGTERM: /readyz turns 503, the request in flight completes, new connections are refused, exit 0', async () => {
    const files = tlsFiles('drain');
    const w = await startWebhook(['--drain-delay', '700ms', '--drain-timeout', '10s'], files);
    const body = review(privilegedDeployment());
    const text = JSON.stringify(body);
    const half = Math.floor(text.length / 2);
    // A request in flight: headers and half the body sent before SIGTERM, the rest after the port closes.
    const inFlight = new Promise<{ status: number; json: Obj }>((resolve, reject) => {
      const req = https.request(
        { host: '127.0.0.1', port: w.port, path: '/validate', method: 'POST', ca: ca.certPem, agent: false, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) } },
        (res) => {
          let data = '';
          res.on('data', (c) => (data += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(data) }));
        },
      );
      req.on('error', reject);
      req.write(text.slice(0, half));
      (globalThis as Obj).finishInFlight = () => req.end(text.slice(half));
    });
    await new Promise((r) => setTimeout(r, 200));
    w.child.kill('SIGTERM');
    await eventually(async () => (await request(w.port, '/readyz', undefined, { ca: ca.certPem })).status === 503, '/readyz to answer 503');
    await eventually(
      () =>
        request(w.port, '/healthz', undefined, { ca: ca.certPem }).then(
          () => false,
          (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED',
        ),
      'new connections to be refused',
    );
    (globalThis as Obj).finishInFlight();
    const answer = await inFlight;
    assert.equal(answer.status, 200);
    assert.equal(answer.json.response.uid, body.request.uid);
    assert.equal(answer.json.response.allowed, false);
    assert.equal(await w.exited, 0, w.stderr());
    await eventually(() => w.logs.some((l) => l.msg === 'kshield webhook stopped'), 'kshield webhook stopped');
  });

  test('SIGTERM with connections that never start TLS: exit within the drain timeout', async () => {
    const files = tlsFiles('slowloris');
    // The handshake timeout (10 s) is far beyond the drain timeout: only the drain can cut them.
    const w = await startWebhook(['--drain-delay', '0s', '--drain-timeout', '1s', '--request-timeout', '30s'], files);
    const sockets = Array.from({ length: 3 }, () => net.connect(w.port, '127.0.0.1'));
    for (const socket of sockets) socket.on('error', () => undefined);
    await Promise.all(sockets.map((socket) => new Promise((resolve) => socket.once('connect', resolve))));
    // And a request in flight that never finishes: the drain waits for it until the deadline.
    const slow = tls.connect({ host: '127.0.0.1', port: w.port, ca: ca.certPem, servername: 'localhost' }, () => {
      slow.write('POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
    });
    slow.on('error', () => undefined);
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    w.child.kill('SIGTERM');
    const code = await Promise.race([w.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 8000))]);
    const took = Date.now() - started;
    if (code === 'still running') w.child.kill('SIGKILL');
    assert.equal(code, 0, w.stderr());
    assert.ok(took >= 900 && took < 4000, `exited ${took} ms after SIGTERM`);
    await eventually(() => w.logs.some((l) => l.msg === 'drain deadline reached; remaining connections closed'), 'drain deadline reached; remaining connections closed');
    for (const socket of sockets) assert.equal(socket.destroyed || socket.readableEnded, true);
    slow.destroy();
  });

  test('an address in use or not on this host: one line, exit 2, before any log line', async () => {
    const files = tlsFiles('listen');
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [cli, 'webhook', '--tls-cert', files.cert, '--tls-key', files.key, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c) => (stdout += c));
        child.stderr.on('data', (c) => (stderr += c));
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
      });
    try {
      const inUse = await run(['--address', '127.0.0.1', '--port', String(port)]);
      assert.equal(inUse.code, 2, inUse.stderr);
      assert.equal(inUse.stderr, `kshield: error: cannot listen on 127.0.0.1:${port}: the address is already in use (another process listens on this port)\n`);
      assert.equal(inUse.stdout, '');
      // 192.0.2.0/24 is reserved for documentation: never an address of this host.
      const elsewhere = await run(['--address', '192.0.2.1', '--port', '0']);
      assert.equal(elsewhere.code, 2, elsewhere.stderr);
      assert.match(elsewhere.stderr, /^kshield: error: cannot listen on 192\.0\.2\.1:0: the address is not one of this host's/);
      assert.equal(elsewhere.stderr.split('\n').length, 2, 'one line');
      assert.equal(elsewhere.stdout, '');
    } finally {
      taken.close();
    }
  });

  test('missing TLS files and bad flags are usage errors (exit 2)', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [cli, 'webhook', ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (c) => (stderr += c));
        child.on('exit', (code) => resolve({ code, stderr }));
      });
    const none = await run([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /--tls-cert and --tls-key are required/);
    const missing = await run(['--tls-cert', path.join(dir, 'nope.crt'), '--tls-key', path.join(dir, 'nope.key')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--tls-cert: cannot read .*nope\.crt: no such file or directory/);
    const files = tlsFiles('flags');
    const other = tlsFiles('other');
    const mismatched = await run(['--tls-cert', files.cert, '--tls-key', other.key]);
    assert.equal(mismatched.code, 2);
    assert.equal(mismatched.stderr, 'kshield: error: --tls-cert/--tls-key: not a usable certificate and key: the key does not belong to the certificate (they are from different pairs)\n');
    const notPem = await run(['--tls-cert', files.cert, '--tls-key', files.cert]);
    assert.match(notPem.stderr, /not a usable certificate and key: not a PEM certificate and private key/);
    assert.match((await run(['--tls-cert', files.cert, '--tls-key', files.key, '--port', 'http'])).stderr, /--port: expected a port number/);
  });
});

test('kshield --help describes the whole toolkit, the webhook and its installation included', () => {
  const r = kshield(['--help']);
  assert.equal(r.code, 0);
  const description = r.stdout.split('\n\n')[1].replace(/\s+/g, ' ');
  assert.match(description, /^Kubernetes security toolkit:/);
  const named = [...description.matchAll(/\(([^)]*)\)/g)].flatMap((m) => m[1].split(', '));
  assert.deepEqual(named.sort(), ['cluster', 'db', 'deps', 'image', 'install webhook', 'netpol', 'node', 'probe', 'rbac', 'scan', 'verify', 'vulns', 'webhook']);
});

describe('kshield webhook what-if', () => {
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [cli, 'webhook', 'what-if', ...args], { cwd: root, env: { ...process.env, KUBECONFIG: '', HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c) => (stdout += c));
      child.stderr.on('data', (c) => (stderr += c));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });

  test('on files: per namespace, what would be denied and warned (table), exit 1', async () => {
    const r = await run([INSECURE]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^namespace shop$/m);
    assert.match(r.stdout, /^  DENY  DaemonSet\/node-agent +host-network, host-pid,/m);
    assert.match(r.stdout, /^  WARN  Deployment\/redis +- +allow-privilege-escalation,/m);
    assert.match(r.stdout, /^\d+ workloads: \d+ would be denied, \d+ warned, \d+ admitted, 0 exempt$/m);
    assert.match(r.stdout, /^not enforced at admission .*cpu-limits-missing/m);
    // The secret rules judge what a repository commits, not an object by other objects (new-user trial).
    const byOthers = r.stdout.split('\n').find((l) => l.includes('judge an object by other objects')) ?? '';
    assert.doesNotMatch(byOthers, /secret-data-committed|secret-committed/);
    assert.match(r.stdout, /^not enforced at admission \(they judge what a repository commits; every Secret reaching the API holds real values; kshield scan runs them\): secret-data-committed, secret-committed$/m);
  });

  test('json, and the hardened shop is admitted', async () => {
    const r = await run([HARDENED, '-o', 'json']);
    const report = JSON.parse(r.stdout);
    assert.equal(report.summary.deny, 0, JSON.stringify(report.namespaces.flatMap((n: Obj) => n.workloads.filter((w: Obj) => w.verdict === 'deny'))));
    assert.equal(r.code, 0);
    assert.ok(report.summary.workloads >= 5);
  });

  test('a pod its ReplicaSet made is judged as the ReplicaSet controller will re-create it: not denied; a bare one is', async () => {
    const file = path.join(dir, 'owned-pods.yaml');
    const podYaml = (name: string, owner: string) =>
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: shop\n${owner}spec:\n  containers:\n    - name: app\n      image: registry.example.com/app:1.0\n      securityContext:\n        privileged: true\n`;
    writeFileSync(file, [podYaml('web-7d4b9-x2x1z', '  ownerReferences:\n    - apiVersion: apps/v1\n      kind: ReplicaSet\n      name: web-7d4b9\n      uid: 0b6f3c52-1c1e-4f0e-9b55-3d2f5e1a9c11\n      controller: true\n'), podYaml('debug', '')].join('---\n'));
    const report = JSON.parse((await run([file, '-o', 'json'])).stdout);
    const verdicts = Object.fromEntries(report.namespaces.flatMap((n: Obj) => n.workloads).map((w: Obj) => [w.name, w.verdict]));
    assert.equal(verdicts.debug, 'deny');
    assert.notEqual(verdicts['web-7d4b9-x2x1z'], 'deny', JSON.stringify(report.namespaces));
  });

  test('an input that cannot be read at all: only the error, exit 2', async () => {
    const r = await run([path.join(dir, 'no-such-dir')]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /no-such-dir: error: no such file or directory/);
  });

  test('exempt namespaces are listed as exempt', async () => {
    const config = path.join(dir, 'whatif.yaml');
    writeFileSync(config, 'webhook:\n  exemptNamespaces: [shop]\n');
    const r = await run([INSECURE, '--config', config, '-o', 'json']);
    const report = JSON.parse(r.stdout);
    const shop = report.namespaces.find((n: Obj) => n.namespace === 'shop');
    assert.equal(shop.exempt, 'name');
    assert.ok(shop.workloads.every((w: Obj) => w.verdict === 'exempt'));
    const table = await run([INSECURE, '--config', config]);
    assert.match(table.stdout, /^namespace shop \(exempt by name\)\n  \d+ workloads not judged$/m);
  });

  test('--cluster reads the live cluster (labels of its namespaces included)', async () => {
    const api = await startTestApiServer({
      objects: loadFixtureObjects([INSECURE]).map((o) => (o.kind === 'Namespace' && o.metadata.name === 'shop' ? { ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, 'kshield.io/exempt': 'true' } } } : o)),
    });
    try {
      const kubeconfig = path.join(dir, 'whatif-kubeconfig');
      writeKubeconfig(kubeconfig, api, { admin: api.tokens.admin });
      const config = path.join(dir, 'whatif-selector.yaml');
      writeFileSync(config, 'webhook:\n  exemptNamespaceSelector:\n    matchLabels:\n      kshield.io/exempt: "true"\n');
      const plain = await run(['--cluster', '--kubeconfig', kubeconfig, '-o', 'json']);
      const report = JSON.parse(plain.stdout);
      assert.ok(report.summary.deny > 0, plain.stderr);
      const exempt = JSON.parse((await run(['--cluster', '--kubeconfig', kubeconfig, '--config', config, '-o', 'json'])).stdout);
      assert.equal(exempt.namespaces.find((n: Obj) => n.namespace === 'shop').exempt, 'label');
    } finally {
      await api.close();
    }
  });
});

