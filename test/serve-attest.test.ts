/**
 * Attestations in the dashboard: `kshield attest … --report-to URL` records an attested answer in a
 * real `kshield serve`, its compliance view counts it for the scans of that cluster until it is
 * revoked, and the API refuses what `kshield attest` refuses. `--report-evidence` brings a node's
 * checks with a scan, and CIS section 1 is judged from them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { INSECURE, kshieldAsync } from './support/cli.js';
import { startServe, type RunningServe } from './support/serve.js';

type Obj = Record<string, any>;
const TOKEN = 'attest-test-token-0123456789';
const CONTROL = 'cis-kubernetes@2.0:5.1.7';

describe('kshield attest --report-to and the dashboard compliance view', () => {
  let dir: string;
  let serve: RunningServe;
  const auth = { Authorization: `Bearer ${TOKEN}` };
  const get = async (p: string): Promise<Obj> => {
    const r = await fetch(`${serve.url}${p}`, { headers: auth });
    assert.equal(r.status, 200, await r.clone().text());
    return (await r.json()) as Obj;
  };
  const post = (p: string, body: unknown): Promise<Response> => fetch(`${serve.url}${p}`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const control = async (source: string): Promise<Obj> => {
    const scan = (await get('/api/sources')).find((s: Obj) => s.source === source).latest;
    const assessment = await get(`/api/compliance?scan=${scan.id}&framework=${encodeURIComponent('cis-kubernetes@2.0')}`);
    return assessment.controls.find((c: Obj) => c.id === '5.1.7');
  };
  const attest = (args: string[]): ReturnType<typeof kshieldAsync> =>
    kshieldAsync(['attest', '5.1.7', '--framework', 'cis', '--framework-version', '2.0', '--report-to', serve.url, '--report-token-file', path.join(dir, 'token'), ...args]);

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-serve-attest-'));
    writeFileSync(path.join(dir, 'token'), `${TOKEN}\n`);
    serve = await startServe(['--database', path.join(dir, 'kshield.db'), '--token-file', path.join(dir, 'token')]);
    for (const name of ['east', 'west']) {
      const push = await kshieldAsync(['scan', INSECURE, '--no-render', '--fail-on', 'none', '-o', 'json', '--report-to', serve.url, '--report-token-file', path.join(dir, 'token'), '--cluster-name', name]);
      assert.match(push.stderr, /sent the result/, push.stderr);
    }
  });

  after(async () => {
    const code = await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
    assert.equal(code, 0, serve?.stderr());
  });

  test('an answer for one cluster counts in its compliance view only, until revoked', async () => {
    assert.equal((await control('east')).status, 'manual');
    const made = await attest(['--by', 'Ana Ortiz', '--evidence', 'https://wiki.example/certs-audit-2026', '--expires', '90d', '--cluster-name', 'east']);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, new RegExp(`^attested ${CONTROL} \\(The system:masters group is not used\\): pass by Ana Ortiz until \\d{4}-\\d{2}-\\d{2}, for cluster east, in http://127\\.0\\.0\\.1:\\d+ \\(attestation \\d+\\)$`, 'm'));
    const east = await control('east');
    assert.equal(east.status, 'pass');
    assert.equal(east.attestation.by, 'Ana Ortiz');
    assert.equal((await control('west')).status, 'manual', 'an answer about east says nothing of west');
    const listed = await get('/api/attestations?source=east');
    assert.deepEqual(listed.map((a: Obj) => [a.control, a.status, a.source]), [[CONTROL, 'pass', 'east']]);

    const noCluster = await attest(['--revoke']);
    assert.equal(noCluster.code, 2);
    assert.match(noCluster.stderr, /no valid attestation of cis-kubernetes@2\.0:5\.1\.7 for every cluster \(there is one for "east": give that cluster, --cluster-name or "source"\)/);
    const revoked = await attest(['--revoke', '--cluster-name', 'east']);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, new RegExp(`^revoked 1 attestation of ${CONTROL} for cluster east in http`, 'm'));
    assert.equal((await control('east')).status, 'manual');
    const again = await attest(['--revoke', '--cluster-name', 'east']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /HTTP 404: no valid attestation of cis-kubernetes@2\.0:5\.1\.7 for east/);
  });

  test('an answer for every cluster; by defaults to the signed-in identity over the API', async () => {
    const r = await post('/api/attestations', { control: '5.1.7', framework: 'cis', frameworkVersion: '2.0', evidence: 'quarterly certificate review', expires: '30d', status: 'fail' });
    assert.equal(r.status, 201, await r.clone().text());
    const stored = (await r.json()) as Obj;
    assert.equal(stored.control, CONTROL);
    assert.equal(stored.source, null);
    assert.ok(stored.by.length > 0);
    for (const source of ['east', 'west']) assert.equal((await control(source)).status, 'fail');
    const off = await post(`/api/attestations/${stored.id}/revoke`, {});
    assert.equal(off.status, 201);
    const twice = await post(`/api/attestations/${stored.id}/revoke`, {});
    assert.equal(twice.status, 409, 'an ended attestation is not ended again: its record stays as it was');
    assert.equal((await control('west')).status, 'manual');
    assert.equal((await post('/api/attestations/999999/revoke', {})).status, 404);
  });

  test('refused as kshield attest refuses: automated controls, credentials in the evidence, past dates, unknown fields', async () => {
    const automated = await post('/api/attestations', { control: 'cis@2.0:5.2.2', evidence: 'x', expires: '30d', by: 'a' });
    assert.equal(automated.status, 400);
    assert.match(((await automated.json()) as Obj).error, /automated: kshield judges it from rule:/);
    const credential = await post('/api/attestations', { control: CONTROL, evidence: 'password=hunter2hunter2', expires: '30d', by: 'a' });
    assert.equal(credential.status, 400);
    const said = ((await credential.json()) as Obj).error as string;
    assert.match(said, /looks like it holds a credential/);
    assert.ok(!said.includes('hunter2'), 'the refusal does not repeat the value');
    const past = await post('/api/attestations', { control: CONTROL, evidence: 'x', expires: '2020-01-01', by: 'a' });
    assert.match(((await past.json()) as Obj).error, /^expires: 2020-01-01 is not in the future/);
    const extra = await post('/api/attestations', { control: CONTROL, evidence: 'x', expires: '30d', by: 'a', approved: true });
    assert.match(((await extra.json()) as Obj).error, /unknown field "approved"/);
    const typo = await post('/api/attestations', { control: 'cis@2.0:5.1.77', evidence: 'x', expires: '30d' });
    assert.match(((await typo.json()) as Obj).error, /no control "5\.1\.77".*did you mean/);
    // The CLI checks before sending: nothing reaches the dashboard.
    const cli = await attest(['--by', 'a', '--evidence', 'AKIAIOSFODNN7EXAMPLE', '--expires', '30d']);
    assert.equal(cli.code, 2);
    assert.match(cli.stderr, /looks like it holds a credential/);
    assert.deepEqual(await get('/api/attestations'), []);
  });

  test('scan --report-evidence: a kshield node result sent with the scan decides CIS 1.1.1 in the dashboard', async () => {
    const manifests = path.join(dir, 'node-root', 'etc/kubernetes/manifests');
    mkdirSync(manifests, { recursive: true });
    const apiserver = path.join(manifests, 'kube-apiserver.yaml');
    writeFileSync(apiserver, 'apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.0\n    command: [kube-apiserver, --anonymous-auth=false]\n');
    chmodSync(apiserver, 0o644);
    const node = await kshieldAsync(['node', '--root', path.join(dir, 'node-root'), '-o', 'json', '--fail-on', 'none']);
    assert.equal(node.code, 0, node.stderr);
    const nodeCheck = (JSON.parse(node.stdout) as Obj).checks.find((c: Obj) => c.id === '1.1.1');
    assert.equal(nodeCheck.status, 'fail', 'the manifest is 644, not 600');
    writeFileSync(path.join(dir, 'node.json'), node.stdout);
    const cis111 = async (source: string): Promise<string> => {
      const scan = (await get('/api/sources')).find((s: Obj) => s.source === source).latest;
      const assessment = await get(`/api/compliance?scan=${scan.id}&framework=${encodeURIComponent('cis-kubernetes@2.0')}`);
      return assessment.controls.find((c: Obj) => c.id === '1.1.1').status;
    };
    assert.equal(await cis111('east'), 'not-assessed', 'without node results section 1 is not assessed');
    const push = await kshieldAsync(['scan', INSECURE, '--no-render', '--fail-on', 'none', '-o', 'json', '--report-to', serve.url, '--report-token-file', path.join(dir, 'token'), '--cluster-name', 'with-node', '--report-evidence', path.join(dir, 'node.json')]);
    assert.match(push.stderr, /sent the result/, push.stderr);
    assert.equal(await cis111('with-node'), 'fail');
    // Checked before the scan: a scan result is not a node result.
    writeFileSync(path.join(dir, 'scan.json'), push.stdout);
    const wrong = await kshieldAsync(['scan', INSECURE, '--report-to', serve.url, '--report-token-file', path.join(dir, 'token'), '--report-evidence', path.join(dir, 'scan.json')]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--report-evidence .*scan\.json: a kshield scan result; only kshield node and probe results \(-o json\) go with a scan/);
    assert.equal(wrong.stdout, '', 'nothing scanned');
    // The token file given by mistake: what is wrong and where, never the file's text.
    const token = await kshieldAsync(['scan', INSECURE, '--report-to', serve.url, '--report-token-file', path.join(dir, 'token'), '--report-evidence', path.join(dir, 'token')]);
    assert.equal(token.code, 2);
    assert.match(token.stderr, /--report-evidence .*token: not valid JSON \(line 1\): Unexpected character; give the output of kshield node or kshield probe/);
    assert.ok(!token.stderr.includes(TOKEN.slice(12)), 'no part of the token is printed');
    const body = await fetch(`${serve.url}/api/scans`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: `${TOKEN}` });
    assert.equal(body.status, 400);
    const said = ((await body.json()) as Obj).error as string;
    assert.match(said, /^the body is not valid JSON \(line 1\)/);
    assert.ok(!said.includes(TOKEN.slice(12)) && !serve.stderr().includes(TOKEN.slice(12)) && !serve.stdout().includes(TOKEN.slice(12)), 'a body is not echoed');
  });

  test('a result written elsewhere with an AWS secret key after its name and a space: redacted on its way to the browser', async () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKY';
    const result = JSON.parse((await kshieldAsync(['scan', INSECURE, '--no-render', '--fail-on', 'none', '-o', 'json'])).stdout) as Obj;
    result.findings[0].message = `aws_secret_access_key ${secret} found in a note`;
    const r = await post('/api/scans?cluster=tampered', result);
    assert.equal(r.status, 201, await r.clone().text());
    const { id } = (await r.json()) as Obj;
    const answers = [JSON.stringify(await get(`/api/scans/${id}/findings?limit=500&suppressed=all`)), JSON.stringify(await get(`/api/compliance?scan=${id}&framework=${encodeURIComponent('cis-kubernetes@2.0')}`))];
    for (const text of answers) assert.ok(!text.includes(secret), 'the key never reaches the browser');
    assert.match(answers[0], /aws_secret_access_key <redacted, 32 to 63 characters> found in a note/);
  });

  test('a wrong token or no dashboard is an error naming the server; the flags go with --report-to', async () => {
    writeFileSync(path.join(dir, 'wrong'), 'not-the-token\n');
    const refused = await kshieldAsync(['attest', CONTROL, '--by', 'a', '--evidence', 'x', '--expires', '30d', '--report-to', serve.url, '--report-token-file', path.join(dir, 'wrong')]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /kshield: error: --report-to: http:\/\/127\.0\.0\.1:\d+ refused the attestation \(HTTP 401/);
    const tokenless = await kshieldAsync(['scan', INSECURE, '--report-to', serve.url]);
    assert.equal(tokenless.code, 2);
    assert.match(tokenless.stderr, /--report-to needs --report-token-file FILE: every kshield serve dashboard asks for its token/);
    assert.equal(tokenless.stdout, '', 'told before the scan');
    const nobody = await kshieldAsync(['attest', CONTROL, '--by', 'a', '--evidence', 'x', '--expires', '30d', '--report-to', 'http://127.0.0.1:9', '--report-token-file', path.join(dir, 'token')]);
    assert.equal(nobody.code, 2);
    assert.match(nobody.stderr, /cannot reach http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\): nothing listens there/);
    const lonely = await kshieldAsync(['attest', CONTROL, '--cluster-name', 'east']);
    assert.equal(lonely.code, 2);
    assert.match(lonely.stderr, /--report-token-file, --report-ca and --cluster-name go with --report-to URL/);
  });
});
