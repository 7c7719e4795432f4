/**
 * The dashboard's compliance view, RBAC graph and reachability map, end to end: a real
 * `kshield scan --report-to` pushes a scan of manifests with an RBAC escalation and cross-namespace
 * traffic to a real `kshield serve` (SQLite), and headless Chromium shows what a person would see: a
 * control failing with its finding linked to the findings explorer, a pass, a not assessed, the
 * framework switched; the escalation path drawn; the reachability edges drawn; a scan imported as a
 * plain JSON file says how to get the drawings; a result without rulesRun says why nothing passes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { INSECURE, kshieldAsync, root } from './support/cli.js';
import { launchChromium, skipUnlessBrowser, type LaunchedBrowser } from './support/browser.js';
import { startServe, type RunningServe } from './support/serve.js';

type Obj = Record<string, any>;
const browserSkip = skipUnlessBrowser('the dashboard views browser tests');
/** A literal password in examples/ecommerce/insecure/postgres.yaml: it must reach no page. */
const PASSWORD = 'changeme-not-a-real-password';

describe('dashboard: compliance, RBAC graph, reachability map (SQLite)', { skip: browserSkip.skip }, () => {
  let dir: string;
  let serve: RunningServe;
  let browser: LaunchedBrowser;
  let push: Awaited<ReturnType<typeof kshieldAsync>>;
  const errors = new Map<Page, string[]>();
  const auth = (): Record<string, string> => ({ Authorization: `Bearer ${serve.token}` });
  const get = async (p: string): Promise<any> => {
    const r = await fetch(serve.url + p, { headers: auth() });
    assert.equal(r.status, 200, `${p}: ${r.status}`);
    return r.json();
  };
  const open = async (hash: string): Promise<Page> => {
    const page = await browser.browser.newPage({ viewport: { width: 1360, height: 900 } });
    const list: string[] = [];
    errors.set(page, list);
    page.on('console', (m) => {
      if (m.type() === 'error') list.push(m.text());
    });
    page.on('pageerror', (e) => list.push(e.message));
    await page.goto(`${serve.url}/#token=${serve.token}`);
    await page.locator('#clusters').waitFor();
    await page.goto(`${serve.url}/${hash}`);
    return page;
  };
  /** A screenshot kept as a test artifact (docs/images/ with KSHIELD_UPDATE_SCREENSHOTS=1). */
  const screenshot = async (page: Page, name: string): Promise<void> => {
    const shot = await page.screenshot({ fullPage: false });
    const out = process.env.KSHIELD_UPDATE_SCREENSHOTS === '1' ? path.join(root, 'docs/images', name) : path.join(dir, name);
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, shot);
    assert.ok(shot.length > 10_000, `${name}: ${shot.length} bytes`);
  };
  const scanOf = async (source: string): Promise<Obj> => (await get('/api/sources')).find((s: Obj) => s.source === source).latest;

  before(async () => {
    if (browserSkip.missing) throw new Error(browserSkip.missing);
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-serve-views-'));
    writeFileSync(path.join(dir, 'token'), 'views-test-token-0123456789\n');
    serve = await startServe(['--database', path.join(dir, 'kshield.db'), '--token-file', path.join(dir, 'token')]);
    serve.token = 'views-test-token-0123456789';
    // What a CI job runs: scan the manifests and send the result to the dashboard.
    push = await kshieldAsync(['scan', INSECURE, '--no-render', '--fail-on', 'none', '-o', 'json', '--report-to', serve.url, '--report-token-file', path.join(dir, 'token'), '--cluster-name', 'shop']);
    // The same result imported as a plain file (no analyses), and one written before rulesRun.
    const plain = JSON.parse(push.stdout) as Obj;
    for (const [name, body] of [
      ['plain', plain],
      ['older', { ...plain, rulesRun: undefined }],
    ] as const) {
      const r = await fetch(`${serve.url}/api/scans?cluster=${name}`, { method: 'POST', headers: { ...auth(), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(r.status, 201, await r.text());
    }
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    const code = await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
    assert.equal(code, 0, serve?.stderr());
  });

  test('scan --report-to pushes the result and its analyses; the report and exit code are unchanged', async () => {
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stderr, /kshield: sent the result to http:\/\/127\.0\.0\.1:\d+ \(scan \d+\)/);
    const scan = await scanOf('shop');
    assert.equal(scan.command, 'scan');
    assert.equal(scan.total, (JSON.parse(push.stdout) as Obj).summary.total ?? scan.total);
    const rbac = await get(`/api/scans/${scan.id}/rbac`);
    assert.equal(rbac.available, true);
    assert.ok(rbac.toClusterAdmin > 0, 'the insecure shop has paths to cluster-admin');
    // A wrong token: the push fails with a sentence, the scan's own exit code stands.
    writeFileSync(path.join(dir, 'wrong'), 'not-the-token\n');
    const refused = await kshieldAsync(['scan', INSECURE, '--no-render', '--fail-on', 'none', '-o', 'json', '--report-to', serve.url, '--report-token-file', path.join(dir, 'wrong')]);
    assert.equal(refused.code, 0, refused.stderr);
    assert.match(refused.stderr, /--report-to: http:\/\/127\.0\.0\.1:\d+ refused the report \(HTTP 401/);
    const lonely = await kshieldAsync(['scan', INSECURE, '--cluster-name', 'x']);
    assert.equal(lonely.code, 2);
    assert.match(lonely.stderr, /--report-token-file, --report-ca, --report-evidence and --cluster-name go with --report-to URL/);
  });

  test('compliance: a control failing with its finding linked to the explorer, a pass, a not assessed; the framework switched', async () => {
    const scan = await scanOf('shop');
    const page = await open(`#/compliance?source=shop&framework=${encodeURIComponent('cis-kubernetes@1.12')}`);
    await page.locator('#controls').waitFor();
    const row = (id: string) => page.locator(`#controls tr[data-control="${id}"]`);
    assert.equal(await row('5.2.2').getAttribute('data-status'), 'fail');
    assert.equal(await row('5.2.2').locator('.status').innerText(), 'fail');
    assert.equal(await row('5.2.4').locator('.status').innerText(), 'pass');
    assert.equal(await row('1.1.1').locator('.status').innerText(), 'not assessed');
    assert.equal(await page.locator('#compliance-notice').count(), 0);
    await row('5.2.2').scrollIntoViewIfNeeded();
    await screenshot(page, 'dashboard-compliance.png');
    // The same statuses as `kshield report` judges from the JSON file.
    const api = await get(`/api/compliance?scan=${scan.id}&framework=cis-kubernetes@1.12`);
    const statuses = await page.locator('#controls tr.control').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-control'), r.getAttribute('data-status')]));
    assert.deepEqual(statuses, api.controls.map((c: Obj) => [c.id, c.status]));
    // Follow the failing control's finding into the findings explorer.
    const evidence = row('5.2.2').locator('[data-ref="rule:privileged-container"] a.evidence-finding').first();
    const object = await evidence.innerText();
    await evidence.click();
    await page.waitForURL(/#\/findings\?.*rule=privileged-container/);
    await page.locator('#findings tbody tr').first().waitFor();
    const shown = await page.locator('#findings tbody tr').evaluateAll((rows) => rows.map((r) => [r.querySelector('a.rule')?.textContent, r.querySelector('.object')?.textContent]));
    const [kind, nsName] = object.split(' ');
    assert.deepEqual(shown, [['privileged-container', `${kind}/${nsName.split('/').pop()}`]]);
    // Switch the framework.
    await page.goto(`${serve.url}/#/compliance?source=shop`);
    await page.locator('#framework').waitFor();
    await page.locator('#framework').selectOption('nsa-cisa-kubernetes-hardening@1.2');
    await page.waitForURL(/framework=nsa-cisa-kubernetes-hardening%401\.2|framework=nsa-cisa-kubernetes-hardening@1\.2/);
    await page.waitForFunction(() => document.querySelector('main h1')?.textContent?.includes('NSA/CISA'));
    assert.ok((await page.locator('#controls tr.control').count()) > 0);
    assert.ok((await page.locator('#controls tr[data-status="fail"]').count()) > 0);
    assert.deepEqual(errors.get(page), []);
    await page.close();
  });

  test('compliance of a result written before rulesRun: said so, and no control passes from it', async () => {
    const page = await open(`#/compliance?source=older&framework=${encodeURIComponent('cis-kubernetes@1.12')}`);
    await page.locator('#compliance-notice').waitFor();
    assert.match(await page.locator('#compliance-notice').innerText(), /did not list the rules that ran/);
    assert.equal(await page.locator('#controls tr[data-status="pass"]').count(), 0);
    assert.equal(await page.locator('#controls tr[data-control="5.2.4"] .status').innerText(), 'not assessed');
    assert.equal(await page.locator('#controls tr[data-control="5.2.2"] .status').innerText(), 'fail');
    await page.close();
  });

  test('RBAC: the escalation paths to cluster-admin drawn and listed', async () => {
    const page = await open('#/rbac?source=shop');
    await page.locator('#rbac-graph').waitFor();
    const rbac = await get(`/api/scans/${(await scanOf('shop')).id}/rbac`);
    assert.match(await page.locator('#rbac-summary').innerText(), new RegExp(`^${rbac.toClusterAdmin} path\\(s\\) to full control of the cluster`));
    assert.ok((await page.locator('#rbac-graph g.edge path.line').count()) > 0, 'edges drawn');
    const labels = await page.locator('#rbac-graph g.node text').allTextContents();
    assert.ok(labels.includes('sa:shop:payments'), labels.join(', '));
    assert.ok(labels.some((l) => l.startsWith('full control of the cluster')), labels.join(', '));
    const box = await page.locator('#rbac-graph').boundingBox();
    assert.ok(box && box.width > 300 && box.height > 30, JSON.stringify(box));
    assert.match(await page.locator('#rbac-paths').innerText(), /sa:shop:payments/);
    await screenshot(page, 'dashboard-rbac.png');
    assert.deepEqual(errors.get(page), []);
    await page.close();
  });

  test('reachability: the namespace map drawn with its edges, and what outside the cluster reaches', async () => {
    const page = await open('#/reach?source=shop');
    await page.locator('#reach-map').waitFor();
    const reach = await get(`/api/scans/${(await scanOf('shop')).id}/reach`);
    assert.ok(reach.flows.length > 0);
    assert.equal(await page.locator('#reach-map g.flow path').count(), reach.flows.length);
    assert.ok((await page.locator('#reach-map g.ns.outside').count()) > 0, 'outside the cluster is a node');
    assert.match(await page.locator('#reach-summary').innerText(), new RegExp(`^${reach.workloads} workload\\(s\\), ${reach.connections} allowed connection\\(s\\)`));
    assert.ok((await page.locator('#exposed tbody tr').count()) > 0);
    await screenshot(page, 'dashboard-reach.png');
    assert.deepEqual(errors.get(page), []);
    await page.close();
  });

  test('a scan imported as a plain JSON file: the pages say how to get the drawings', async () => {
    for (const view of ['rbac', 'reach']) {
      const page = await open(`#/${view}?source=plain`);
      await page.locator('#not-analysed').waitFor();
      assert.match(await page.locator('#not-analysed').innerText(), /^Not analysed: .*kshield scan --report-to URL and kshield cluster --report-to URL send them/);
      await page.close();
    }
  });

  test('analyses an import carries are checked before storing; markup in a name is shown as text', async () => {
    const plain = JSON.parse(push.stdout) as Obj;
    const post = (analyses: unknown, source: string): Promise<Response> =>
      fetch(`${serve.url}/api/scans`, { method: 'POST', headers: { ...auth(), 'Content-Type': 'application/json' }, body: JSON.stringify({ kshieldImport: 1, source, command: 'scan', objectLabels: [], analyses, result: plain }) });
    const emptyMap = { flows: [], exposed: [], workloads: 0, connections: 0, notes: [], flowsLeftOut: 0, exposedTotal: 0 };
    const bad = await post({ format: 1, rbac: { paths: [], nodes: [], toClusterAdmin: -1, lesser: 0 }, reachability: emptyMap }, 'bad');
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error, /^analyses: rbac\.toClusterAdmin must be a whole number ≥ 0$/);
    const unknownNode = await post({ format: 1, rbac: { paths: [{ from: 'a', to: 'b', nodes: ['a', 'b'], steps: ['x'] }], nodes: [], toClusterAdmin: 1, lesser: 0 }, reachability: emptyMap }, 'bad');
    assert.match((await unknownNode.json()).error, /^analyses: rbac path node "a" is not among rbac\.nodes$/);
    assert.ok(!(await get('/api/sources')).some((x: Obj) => x.source === 'bad'), 'nothing stored');
    const evil = '<img src=x onerror=alert(1)>';
    const crafted = {
      format: 1,
      rbac: { paths: [{ from: 'a', to: 'goal:cluster-admin', nodes: ['a', 'goal:cluster-admin'], steps: [evil] }], nodes: [{ id: 'a', type: 'identity', label: evil }, { id: 'goal:cluster-admin', type: 'goal', label: 'full control of the cluster' }], toClusterAdmin: 1, lesser: 0 },
      reachability: emptyMap,
    };
    assert.equal((await post(crafted, 'crafted')).status, 201);
    const page = await open('#/rbac?source=crafted');
    await page.locator('#rbac-graph').waitFor();
    assert.equal(await page.locator('img').count(), 0);
    assert.ok((await page.locator('#rbac-graph g.node text').allTextContents()).includes(evil));
    assert.match(await page.locator('#rbac-paths').innerText(), /<img src=x onerror=alert\(1\)>/);
    assert.deepEqual(errors.get(page), []);
    await page.close();
  });

  test('no secret value reaches the browser from these pages', async () => {
    assert.ok(readFileSync(path.join(INSECURE, 'postgres.yaml'), 'utf8').includes(PASSWORD));
    const scan = await scanOf('shop');
    for (const p of [`/api/scans/${scan.id}/rbac`, `/api/scans/${scan.id}/reach`, `/api/compliance?scan=${scan.id}&framework=cis-kubernetes@1.12`, `/api/compliance?scan=${scan.id}&framework=nsa-cisa-kubernetes-hardening@1.2`]) {
      const text = JSON.stringify(await get(p));
      assert.ok(!text.includes(PASSWORD), p);
      assert.ok(!text.includes(Buffer.from(PASSWORD).toString('base64')), p);
    }
  });
});
