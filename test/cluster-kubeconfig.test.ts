/**
 * `kshield cluster` (and the --cluster analysis commands) as a new user meets them: kubeconfigs
 * read and merged as kubectl reads them, exec credential plugins that hang or print nonsense,
 * servers that answer lists with something that is not a List, a plain HTTP port behind an https://
 * URL, and what-if on a cluster it cannot read. Each runs the CLI as a child process.
 */
import assert from 'node:assert/strict';
import { test, describe, before, after } from 'node:test';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { kshieldAsync, INSECURE } from './support/cli.js';
import { loadFixtureObjects, makeCertificates, startTestApiServer, writeKubeconfig, MODERN_API, type TestApiServer } from './support/k8s-api-server.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

let dir: string;

/** Asynchronous: the servers run in this process and must keep answering. */
const kshield = (args: string[], env: Record<string, string> = {}): Promise<Run> => kshieldAsync(args, { NO_COLOR: '1', KUBECONFIG: '', HOME: dir, ...env });

function json(run: Run): any {
  try {
    return JSON.parse(run.stdout);
  } catch {
    assert.fail(`not JSON (exit ${run.code}): ${run.stdout.slice(0, 300)} ${run.stderr}`);
  }
}

type User = Record<string, unknown>;

/** A kubeconfig with one context "main" for `user`, pointing at `server`. */
function kubeconfigFor(file: string, server: { url: string; caPem?: string }, user: User, cluster: Record<string, unknown> = {}): string {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server: server.url, ...(server.caPem ? { 'certificate-authority-data': Buffer.from(server.caPem).toString('base64') } : {}), ...cluster } }],
    users: [{ name: 'main', user }],
    contexts: [{ name: 'main', context: { cluster: 'test', user: 'main' } }],
    'current-context': 'main',
  };
  writeFileSync(file, yaml.dump(config), { mode: 0o600 });
  return file;
}

function script(name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

const PRIVILEGED_POD = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'debug', namespace: 'tools', uid: 'pod-debug' },
  spec: { containers: [{ name: 'shell', image: 'busybox:1.36', securityContext: { privileged: true } }] },
};

describe('exec credential plugins', () => {
  let api: TestApiServer;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-kubeconfig-'));
    api = await startTestApiServer({ objects: [PRIVILEGED_POD] });
  });
  after(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a plugin that never returns: --timeout ends the run, one line naming the command, exit 2', async () => {
    const file = kubeconfigFor(path.join(dir, 'sleep.kubeconfig'), api, { exec: { command: 'sleep', args: ['1000'] } });
    const run = await kshield(['cluster', '--kubeconfig', file, '--timeout', '1500ms']);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(
      run.stderr,
      'kshield: error: the exec credential plugin sleep (user "main") gave no credentials within 1500ms and was stopped; raise --timeout if it needs longer (kshield runs it without a terminal: it cannot ask for a login)\n',
    );
    assert.ok(run.ms < 10_000, `took ${run.ms} ms`);
    // The analysis commands connect the same way.
    const whatIf = await kshield(['webhook', 'what-if', '--cluster', '--kubeconfig', file, '--timeout', '1s']);
    assert.equal(whatIf.code, 2);
    assert.match(whatIf.stderr, /^kshield: error: the exec credential plugin sleep \(user "main"\) gave no credentials within 1s and was stopped/);
  });

  test('the hanging plugin is killed, not left behind', async () => {
    const pidFile = path.join(dir, 'plugin.pid');
    const plugin = script('hang.sh', `echo $$ > '${pidFile}'\nexec sleep 1000`);
    const file = kubeconfigFor(path.join(dir, 'hang.kubeconfig'), api, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' } });
    const run = await kshield(['cluster', '--kubeconfig', file, '--timeout', '1s']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, new RegExp(`^kshield: error: the exec credential plugin ${plugin.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(user "main"\\) gave no credentials within 1s`));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(pid > 0);
    // Gone, or at worst a zombie waiting for whatever adopted it to reap it: not running.
    const state = (): string => {
      try {
        return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
      } catch {
        return 'gone';
      }
    };
    assert.ok(['gone', 'Z', 'X'].includes(state()), `plugin process ${pid} is still running (state ${state()})`);
  });

  test('output that is not an ExecCredential is never quoted: only its size', async () => {
    const cases: [string, string, number][] = [
      ['not JSON', "printf 'not-json-FAKETOKEN0123456789'", 'not-json-FAKETOKEN0123456789'.length],
      ['JSON, not an ExecCredential', `printf '{"token":"FAKETOKEN0123456789"}'`, '{"token":"FAKETOKEN0123456789"}'.length],
    ];
    for (const [what, body, bytes] of cases) {
      const plugin = script(`print-${bytes}.sh`, body);
      const file = kubeconfigFor(path.join(dir, `print-${bytes}.kubeconfig`), api, { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: plugin } });
      const run = await kshield(['cluster', '--kubeconfig', file]);
      assert.equal(run.code, 2, what);
      assert.equal(run.stderr, `kshield: error: the exec credential plugin ${plugin} (user "main") printed something that is not an ExecCredential (${bytes} bytes)\n`, what);
      assert.doesNotMatch(run.stdout + run.stderr, /FAKETOKEN|Unexpected token/, what);
    }
  });

  test("the webhook's namespace cache (client-node's own exec plugin runner) does not log the plugin's output either", async () => {
    const { startNamespaceCache } = await import('../src/admission/namespaces.js');
    const { pino } = await import('pino');
    const { Writable } = await import('node:stream');
    const plugin = script('print-webhook.sh', "printf 'not-json-FAKETOKEN0123456789'");
    const file = kubeconfigFor(path.join(dir, 'webhook.kubeconfig'), api, { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: plugin } });
    let logged = '';
    const logger = pino({ level: 'warn' }, new Writable({ write: (chunk, _e, done) => ((logged += String(chunk)), done()) }));
    const cache = await startNamespaceCache({ kubeconfig: file, logger });
    try {
      for (let i = 0; i < 100 && !logged.includes('namespace watch failed'); i++) await new Promise((r) => setTimeout(r, 50));
      assert.match(logged, /namespace watch failed/);
      assert.match(logged, /an answer that is not JSON/);
      assert.doesNotMatch(logged + (cache.status().lastError ?? ''), /FAKETOKEN|not-json/);
    } finally {
      await cache.close();
    }
  });

  test('a plugin that fails: its exit code, never its standard output', async () => {
    const plugin = script('fail.sh', "printf 'FAKETOKEN0123456789'\necho 'login expired: run the login command' >&2\nexit 3");
    const file = kubeconfigFor(path.join(dir, 'fail.kubeconfig'), api, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin } });
    const run = await kshield(['cluster', '--kubeconfig', file]);
    assert.equal(run.code, 2);
    // As with kubectl, the plugin's own messages (standard error) reach the user.
    assert.equal(run.stderr, `login expired: run the login command\nkshield: error: the exec credential plugin ${plugin} (user "main") failed (exit code 3); its own messages, if any, are above\n`);
    assert.doesNotMatch(run.stdout + run.stderr, /FAKETOKEN/);
  });

  test('a plugin that is not installed: its installHint', async () => {
    const file = kubeconfigFor(path.join(dir, 'missing.kubeconfig'), api, {
      exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'kshield-no-such-plugin', installHint: 'install it with:\n  go install example.com/plugin@latest' },
    });
    const run = await kshield(['cluster', '--kubeconfig', file]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, 'kshield: error: the exec credential plugin kshield-no-such-plugin (user "main") was not found: install it with: go install example.com/plugin@latest\n');
  });

  test('the oidc auth-provider: a valid id-token is sent, an expired one is not refreshed (kubectl would save the new one)', async () => {
    const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const jwt = (exp: number): string => `${b64({ alg: 'RS256' })}.${b64({ iss: 'https://idp.example', exp })}.c2lnbmF0dXJl`;
    const provider = (idToken: string): User => ({ 'auth-provider': { name: 'oidc', config: { 'idp-issuer-url': 'https://127.0.0.1:1', 'client-id': 'kshield', 'id-token': idToken, 'refresh-token': 'FAKEREFRESH0123456789' } } });
    const server = await startScriptedServer({ tls: true, lists: { pods: list('Pod', []), namespaces: list('Namespace', []), deployments: list('Deployment', []) } });
    try {
      const valid = jwt(Math.floor(Date.now() / 1000) + 3600);
      const good = await kshield(['cluster', '--kubeconfig', kubeconfigFor(path.join(dir, 'oidc-valid.kubeconfig'), server, provider(valid)), '--fail-on', 'none']);
      assert.equal(good.code, 0, good.stderr);
      assert.ok(server.authorization.length > 0 && server.authorization.every((a) => a === `Bearer ${valid}`));
      const file = kubeconfigFor(path.join(dir, 'oidc-expired.kubeconfig'), server, provider(jwt(1_700_000_000)));
      const expired = await kshield(['cluster', '--kubeconfig', file]);
      assert.equal(expired.code, 2);
      assert.equal(
        expired.stderr,
        `kshield: error: ${file}: user "main" (oidc auth-provider): the id-token expired at 2023-11-14T22:13:20.000Z; kshield does not refresh it (kubectl does, and saves the new one): run any kubectl command against this context, then retry\n`,
      );
      const notJwt = await kshield(['cluster', '--kubeconfig', kubeconfigFor(path.join(dir, 'oidc-bad.kubeconfig'), server, provider('FAKETOKEN0123456789'))]);
      assert.match(notJwt.stderr, /: the id-token is not a JWT\n$/);
      assert.doesNotMatch(notJwt.stderr, /FAKETOKEN/);
    } finally {
      await server.close();
    }
  });

  test('the gcp and azure auth-providers kubectl removed: refused, naming their exec plugin', async () => {
    const file = kubeconfigFor(path.join(dir, 'gcp.kubeconfig'), api, { 'auth-provider': { name: 'gcp', config: { 'cmd-path': 'sleep', 'cmd-args': '1000' } } });
    const run = await kshield(['cluster', '--kubeconfig', file]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, `kshield: error: ${file}: user "main" uses the gcp auth-provider, which kubectl removed in 1.26: switch it to the gke-gcloud-auth-plugin exec credential plugin\n`);
  });

  test('a plugin that answers: its token is used, the scan runs', async () => {
    const credential = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: api.tokens.admin } });
    // KUBERNETES_EXEC_INFO tells the plugin it cannot ask questions.
    const plugin = script('good.sh', `case "$KUBERNETES_EXEC_INFO" in *'"interactive":false'*) ;; *) exit 9 ;; esac\nprintf '%s' '${credential}'`);
    const file = kubeconfigFor(path.join(dir, 'good.kubeconfig'), api, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin } });
    const run = await kshield(['cluster', '--kubeconfig', file, '--only', 'privileged-container', '-o', 'json', '--fail-on', 'none']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(json(run).findings.map((f: any) => `${f.rule} ${f.resource.name}`), ['privileged-container debug']);
  });
});

describe('kubeconfig files as kubectl reads them', () => {
  let api: TestApiServer;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-kubeconfig-'));
    api = await startTestApiServer({ objects: [PRIVILEGED_POD], identities: { admin: {}, dev: {} } });
  });
  after(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const scan = (args: string[], env: Record<string, string> = {}): Promise<Run> => kshield(['cluster', '--only', 'privileged-container', '--fail-on', 'none', '-o', 'json', ...args], env);

  test('an empty kubeconfig, or one without clusters: says so, naming the file', async () => {
    const empty = path.join(dir, 'empty.yaml');
    writeFileSync(empty, '');
    const run = await kshield(['cluster', '--kubeconfig', empty]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, `kshield: error: ${empty}: the kubeconfig has no clusters or contexts\n`);
    const bare = path.join(dir, 'bare.yaml');
    writeFileSync(bare, 'apiVersion: v1\nkind: Config\npreferences: {}\n');
    assert.equal((await kshield(['cluster', '--kubeconfig', bare])).stderr, `kshield: error: ${bare}: the kubeconfig has no clusters or contexts\n`);
    const list = path.join(dir, 'list.yaml');
    writeFileSync(list, '- a\n- b\n');
    assert.equal((await kshield(['cluster', '--kubeconfig', list])).stderr, `kshield: error: ${list}: not a kubeconfig: expected a mapping with clusters, users and contexts\n`);
  });

  test('broken YAML: the position, never the text around it (it may be a token)', async () => {
    const broken = path.join(dir, 'broken.yaml');
    writeFileSync(broken, 'users:\n- name: a\n  user:\n    token: FAKETOKEN0123456789 ]\n  bad: [\n');
    const run = await kshield(['cluster', '--kubeconfig', broken]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^kshield: error: .*broken\.yaml: the kubeconfig is not valid YAML at line \d+, column \d+: [^\n]+\n$/);
    assert.doesNotMatch(run.stderr, /FAKETOKEN/);
  });

  test('a current-context, cluster or user that is not defined: named', async () => {
    const file = path.join(dir, 'dangling.yaml');
    writeFileSync(file, yaml.dump({ clusters: [{ name: 'c', cluster: { server: api.url } }], contexts: [{ name: 'x', context: { cluster: 'c', user: 'nobody' } }], 'current-context': 'gone' }));
    assert.equal((await kshield(['cluster', '--kubeconfig', file])).stderr, `kshield: error: ${file}: current-context "gone" is not among the contexts (contexts: x): give --context\n`);
    assert.equal((await kshield(['cluster', '--kubeconfig', file, '--context', 'x'])).stderr, `kshield: error: ${file}: context "x" names user "nobody", which is not defined\n`);
  });

  test('KUBECONFIG skips files that do not exist, as kubectl does', async () => {
    const good = writeKubeconfigFile('good.yaml', { admin: api.tokens.admin });
    const run = await scan([], { KUBECONFIG: `${path.join(dir, 'nonexistent.yaml')}:${good}` });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(json(run).cluster.context, 'admin');
    const none = await kshield(['cluster'], { KUBECONFIG: `${path.join(dir, 'a.yaml')}:${path.join(dir, 'b.yaml')}` });
    assert.equal(none.code, 2);
    assert.equal(none.stderr, `kshield: error: no kubeconfig: none of the files in KUBECONFIG exists (${path.join(dir, 'a.yaml')}, ${path.join(dir, 'b.yaml')})\n`);
  });

  test('merged files: the first to define a name or set current-context wins, whole', async () => {
    // Both define cluster "test", user "admin" and context "admin"; the second's are wrong.
    const first = writeKubeconfigFile('first.yaml', { admin: api.tokens.admin });
    const second = path.join(dir, 'second.yaml');
    writeFileSync(
      second,
      yaml.dump({
        clusters: [{ name: 'test', cluster: { server: 'https://127.0.0.1:1', 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'admin', user: { token: 'wrong-token' } }, { name: 'dev', user: { token: api.tokens.dev } }],
        contexts: [{ name: 'admin', context: { cluster: 'test', user: 'admin', namespace: 'elsewhere' } }, { name: 'dev', context: { cluster: 'test', user: 'dev' } }],
        'current-context': 'dev',
      }),
    );
    const merged = await scan([], { KUBECONFIG: `${first}:${second}` });
    assert.equal(merged.code, 0, merged.stderr);
    assert.equal(json(merged).cluster.context, 'admin', "the first file's current-context");
    // A context only the second file defines is there, and uses the first file's cluster.
    const dev = await scan(['--context', 'dev'], { KUBECONFIG: `${first}:${second}` });
    assert.equal(dev.code, 0, dev.stderr);
    assert.equal(json(dev).cluster.server, api.url);
    // The other way round, the second file's definitions win: its cluster has nothing listening.
    const reversed = await kshield(['cluster'], { KUBECONFIG: `${second}:${first}` });
    assert.equal(reversed.code, 2);
    assert.equal(reversed.stderr, 'kshield: error: cannot reach the API server https://127.0.0.1:1: connection refused\n');
  });

  test('relative paths are relative to the file that holds them', async () => {
    const sub = path.join(dir, 'sub');
    mkdirSync(sub, { recursive: true });
    writeFileSync(path.join(sub, 'ca.crt'), api.caPem);
    writeFileSync(path.join(sub, 'token'), `${api.tokens.admin}\n`);
    const file = path.join(sub, 'relative.yaml');
    writeFileSync(
      file,
      yaml.dump({
        clusters: [{ name: 'test', cluster: { server: api.url, 'certificate-authority': 'ca.crt' } }],
        users: [{ name: 'admin', user: { tokenFile: 'token' } }],
        contexts: [{ name: 'admin', context: { cluster: 'test', user: 'admin' } }],
        'current-context': 'admin',
      }),
    );
    // The command runs from the repository root, not from the kubeconfig's directory.
    const run = await scan([], { KUBECONFIG: `${path.join(dir, 'missing.yaml')}:${file}` });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(json(run).findings.length, 1);
  });

  function writeKubeconfigFile(name: string, users: Record<string, string>): string {
    const file = path.join(dir, name);
    writeKubeconfig(file, api, users);
    return file;
  }
});

let scriptedCerts: ReturnType<typeof makeCertificates> | undefined;

/**
 * A small API server whose answers a test chooses: discovery of the core group (Pods, Namespaces)
 * and apps (Deployments), and each list answered by `lists[resource]` (a body, sent with 200).
 */
async function startScriptedServer(options: {
  tls: boolean;
  lists: Record<string, string>;
  discovery?: Record<string, string>;
}): Promise<{ url: string; caPem: string; requests: string[]; authorization: string[]; close: () => Promise<void> }> {
  const certs = (scriptedCerts ??= makeCertificates());
  const requests: string[] = [];
  const authorization: string[] = [];
  const resources: Record<string, { kind: string; name: string; namespaced: boolean }[]> = {
    '/api/v1': [
      { kind: 'Pod', name: 'pods', namespaced: true },
      { kind: 'Namespace', name: 'namespaces', namespaced: false },
    ],
    '/apis/apps/v1': [{ kind: 'Deployment', name: 'deployments', namespaced: true }],
  };
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    requests.push(`${req.method} ${req.url}`);
    authorization.push(req.headers.authorization ?? '');
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    const send = (status: number, body: string): void => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(body);
    };
    if (options.discovery?.[p] !== undefined) return send(200, options.discovery[p]);
    if (p === '/version') return send(200, JSON.stringify({ major: '1', minor: '30', gitVersion: 'v1.30.2' }));
    if (p === '/api') return send(200, JSON.stringify({ kind: 'APIVersions', versions: ['v1'] }));
    if (p === '/apis') return send(200, JSON.stringify({ kind: 'APIGroupList', groups: [{ name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } }] }));
    if (resources[p]) return send(200, JSON.stringify({ kind: 'APIResourceList', resources: resources[p].map((r) => ({ ...r, verbs: ['get', 'list'] })) }));
    const resource = p.split('/').pop() ?? '';
    if (options.lists[resource] !== undefined) return send(200, options.lists[resource]);
    send(404, JSON.stringify({ kind: 'Status', code: 404, message: 'not found' }));
  };
  const server = options.tls ? https.createServer({ key: certs.keyPem, cert: certs.certPem }, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    caPem: certs.caPem,
    requests,
    authorization,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const list = (kind: string, items: unknown[]): string => JSON.stringify({ kind: `${kind}List`, apiVersion: 'v1', metadata: { resourceVersion: '1' }, items });

describe('servers with answers that are not Lists, and the wrong protocol', () => {
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-kubeconfig-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a list answered with something that is not JSON, or JSON that is not a List: not covered, never "0 objects"', async () => {
    const server = await startScriptedServer({
      tls: true,
      lists: { pods: '{not json', deployments: JSON.stringify({ kind: 'Status', metadata: {} }), namespaces: list('Namespace', [{ metadata: { name: 'tools', uid: 'ns-1' } }]) },
    });
    try {
      const file = kubeconfigFor(path.join(dir, 'garbage.kubeconfig'), server, { token: 'any' });
      const run = await kshield(['cluster', '--kubeconfig', file, '-o', 'json', '--fail-on', 'none']);
      assert.equal(run.code, 0, run.stderr);
      const report = json(run);
      assert.deepEqual(report.coverage.notCovered, [
        { kind: 'Pod', apiVersion: 'v1', reason: "the API server's answer was not JSON" },
        { kind: 'Deployment', apiVersion: 'apps/v1', reason: "the API server's answer was not a List (no items array)" },
      ]);
      assert.deepEqual(report.coverage.covered, [{ kind: 'Namespace', apiVersion: 'v1', objects: 1 }]);
      const table = await kshield(['cluster', '--kubeconfig', file, '--fail-on', 'none']);
      assert.match(table.stdout, /\nnot covered \(2\): the scan went on without these\n {2}v1 Pod: the API server's answer was not JSON\n {2}apps\/v1 Deployment: the API server's answer was not a List \(no items array\)\n/);
    } finally {
      await server.close();
    }
  });

  test('a group whose discovery answer is not JSON: its kinds are not covered, not silently absent', async () => {
    const server = await startScriptedServer({ tls: true, lists: { pods: list('Pod', []), namespaces: list('Namespace', []) }, discovery: { '/apis/apps/v1': '<html>bad gateway</html>' } });
    try {
      const file = kubeconfigFor(path.join(dir, 'discovery.kubeconfig'), server, { token: 'any' });
      const report = json(await kshield(['cluster', '--kubeconfig', file, '-o', 'json', '--fail-on', 'none']));
      // Every kind of the group, since its resource list could not be read.
      assert.deepEqual(report.coverage.notCovered.map((g: any) => `${g.apiVersion} ${g.kind}`), ['apps/v1 Deployment', 'apps/v1 StatefulSet', 'apps/v1 DaemonSet', 'apps/v1 ReplicaSet']);
      for (const gap of report.coverage.notCovered) assert.equal(gap.reason, 'discovery failed (GET /apis/apps/v1 answered something that is not JSON)');
      assert.ok(!server.requests.some((r) => r.includes('/deployments')), 'no list of a kind discovery did not confirm');
    } finally {
      await server.close();
    }
  });

  test('https:// to a port that speaks plain HTTP: says the port does not speak TLS', async () => {
    const server = await startScriptedServer({ tls: false, lists: {} });
    try {
      const file = kubeconfigFor(path.join(dir, 'plain.kubeconfig'), { url: server.url.replace('http:', 'https:') }, { token: 'any' }, { 'insecure-skip-tls-verify': true });
      const run = await kshield(['cluster', '--kubeconfig', file]);
      assert.equal(run.code, 2);
      assert.equal(run.stderr, `kshield: error: the API server ${server.url.replace('http:', 'https:')} does not speak TLS on that port (EPROTO): is it an http:// server? The kubeconfig says https://\n`);
    } finally {
      await server.close();
    }
  });

  test('an http:// server works as with kubectl, without insecure-skip-tls-verify', async () => {
    const server = await startScriptedServer({
      tls: false,
      lists: { pods: list('Pod', [PRIVILEGED_POD]), namespaces: list('Namespace', []), deployments: list('Deployment', []) },
    });
    try {
      const file = kubeconfigFor(path.join(dir, 'http.kubeconfig'), server, { token: 'any' });
      const run = await kshield(['cluster', '--kubeconfig', file, '--only', 'privileged-container', '-o', 'json', '--fail-on', 'none']);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, '', 'a loopback server: no warning about credentials in clear');
      assert.deepEqual(json(run).findings.map((f: any) => f.resource.name), ['debug']);
    } finally {
      await server.close();
    }
  });
});

describe('coverage the user did not ask about, and what-if on a cluster it cannot read', () => {
  let api: TestApiServer;
  let kubeconfig: string;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-kubeconfig-'));
    api = await startTestApiServer({
      objects: loadFixtureObjects([INSECURE]),
      identities: {
        admin: {},
        // May list nothing at all.
        nobody: { forbid: [...new Set(MODERN_API.map((s) => s.resource))] },
        noDaemonSets: { forbid: ['daemonsets'] },
        noClusterRoles: { forbid: ['secrets', 'clusterroles'] },
      },
    });
    kubeconfig = path.join(dir, 'kubeconfig');
    writeKubeconfig(kubeconfig, api, { admin: api.tokens.admin, nobody: api.tokens.nobody, noDaemonSets: api.tokens.noDaemonSets, noClusterRoles: api.tokens.noClusterRoles });
  });
  after(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('--only: the rules "not run" are only those that were selected', async () => {
    const podSecurity = await kshield(['cluster', '--kubeconfig', kubeconfig, '--context', 'noClusterRoles', '--only', 'pod-security', '--fail-on', 'none']);
    assert.equal(podSecurity.code, 0, podSecurity.stderr);
    assert.match(podSecurity.stdout, /\nnot covered \(2\)/);
    assert.doesNotMatch(podSecurity.stdout, /rule\(s\) not run|rbac-/);
    const mixed = await kshield(['cluster', '--kubeconfig', kubeconfig, '--context', 'noClusterRoles', '--only', 'pod-security,rbac-binding-role-not-found', '-o', 'json', '--fail-on', 'none']);
    assert.deepEqual(json(mixed).coverage.skippedRules, ['rbac-binding-role-not-found']);
  });

  test('what-if when no list may be read: the gaps in the report, exit 2, no "0 would be denied" green light', async () => {
    const run = await kshield(['webhook', 'what-if', '--cluster', '--kubeconfig', kubeconfig, '--context', 'nobody']);
    assert.equal(run.code, 2, run.stdout);
    assert.match(run.stdout, /^not covered \(\d+\): these lists could not be read, so nothing in them is judged here$/m);
    assert.match(run.stdout, /^ {2}apps\/v1 Deployment: forbidden: deployments\.apps is forbidden: /m);
    assert.match(run.stdout, /^no workloads read$/m);
    assert.match(run.stdout, /^0 workloads: 0 would be denied, 0 warned, 0 admitted, 0 exempt \(incomplete\)$/m);
    assert.match(run.stdout, /^incomplete: the workloads of kind Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob could not be read; they may hold workloads that would be denied$/m);
    assert.equal(run.stderr, 'kshield: error: what-if could not read every workload: Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob not covered (see the report)\n');
    const asJson = await kshield(['webhook', 'what-if', '--cluster', '--kubeconfig', kubeconfig, '--context', 'nobody', '-o', 'json']);
    assert.equal(asJson.code, 2);
    const report = json(asJson);
    assert.equal(report.workloadKindsNotCovered.length, 8);
    assert.ok(report.notCovered.some((g: any) => g.kind === 'Pod' && /^forbidden: /.test(g.reason)));
  });

  test('what-if with one workload kind forbidden: the rest judged, the gap named, exit 2', async () => {
    const run = await kshield(['webhook', 'what-if', '--cluster', '--kubeconfig', kubeconfig, '--context', 'noDaemonSets', '-o', 'json']);
    assert.equal(run.code, 2, run.stderr);
    const report = json(run);
    assert.deepEqual(report.workloadKindsNotCovered, ['DaemonSet']);
    assert.deepEqual(report.notCovered.map((g: any) => g.kind), ['DaemonSet']);
    assert.ok(report.summary.deny > 0, 'what could be read is judged');
    assert.ok(!report.namespaces.some((n: any) => n.workloads.some((w: any) => w.kind === 'DaemonSet')));
    // Everything readable: no gap, and the usual exit code.
    const admin = await kshield(['webhook', 'what-if', '--cluster', '--kubeconfig', kubeconfig, '--context', 'admin', '-o', 'json']);
    assert.equal(admin.code, 1, admin.stderr);
    assert.deepEqual(json(admin).notCovered, []);
    assert.deepEqual(json(admin).workloadKindsNotCovered, []);
  });
});
