/**
 * `kshield serve` end to end: the real command, its real store (SQLite, and PostgreSQL when the
 * server is available), and the real UI in headless Chromium. A person logs in with the printed
 * token, filters findings, drills into one, follows a history trend; a request without a token is
 * refused; writes from another origin or not in JSON are refused; bodies are bounded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import type { Page } from 'playwright-core';
import { INSECURE, kshield, root } from './support/cli.js';
import { launchChromium, skipUnlessBrowser, type LaunchedBrowser } from './support/browser.js';
import { startServe, type RunningServe } from './support/serve.js';
import { startPostgres, skipUnlessPostgres } from './support/postgres.js';

type Obj = Record<string, any>;

const browserSkip = skipUnlessBrowser('the kshield serve browser tests');
const pgSkip = skipUnlessPostgres('the kshield serve browser tests on PostgreSQL');

/** A scan of DIR as `kshield scan -o json` writes it. */
function scanJson(dir: string): Obj {
  const r = kshield(['scan', dir, '--no-render', '-o', 'json', '--fail-on', 'none']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Obj;
}

/** The labels of the manifests' objects, as `cluster --report-to` sends them (what gives findings a team). */
function labelsOf(dir: string): Obj[] {
  const out: Obj[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')) {
    for (const doc of yaml.loadAll(readFileSync(path.join(dir, file), 'utf8')) as Obj[]) {
      if (!doc?.metadata?.labels) continue;
      out.push({ apiVersion: doc.apiVersion, kind: doc.kind, namespace: doc.metadata.namespace ?? null, name: doc.metadata.name, labels: doc.metadata.labels });
    }
  }
  return out;
}

const PRIVILEGED_DEBUG = `apiVersion: v1
kind: Pod
metadata:
  name: debug
  namespace: shop
  labels:
    team: payments
spec:
  containers:
    - name: shell
      image: busybox:1.36
      securityContext:
        privileged: true
`;

for (const database of ['sqlite', 'postgres'] as const) {
  describe(`kshield serve dashboard (${database})`, { skip: browserSkip.skip || (database === 'postgres' && pgSkip.skip) }, () => {
    let dir: string;
    let serve: RunningServe;
    let browser: LaunchedBrowser;
    let first: Obj;
    let second: Obj;
    let stopDatabase: (() => Promise<void>) | undefined;
    const auth = (): Record<string, string> => ({ Authorization: `Bearer ${serve.token}` });
    const get = async (p: string): Promise<any> => {
      const r = await fetch(serve.url + p, { headers: auth() });
      assert.equal(r.status, 200, `${p}: ${r.status}`);
      return r.json();
    };
    /** Console errors and uncaught exceptions, per page (a refused login logs its 401, as it should). */
    const consoleErrors = new Map<Page, string[]>();
    const newPage = async (): Promise<Page> => {
      const page = await browser.browser.newPage({ viewport: { width: 1360, height: 900 } });
      const errors: string[] = [];
      consoleErrors.set(page, errors);
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      return page;
    };
    const login = async (page: Page): Promise<void> => {
      await page.goto(serve.url + '/');
      await page.locator('#token').fill(serve.token!);
      await page.locator('#login button[type=submit]').click();
      await page.locator('#clusters').waitFor();
    };

    before(async () => {
      if (browserSkip.missing) throw new Error(browserSkip.missing);
      dir = mkdtempSync(path.join(tmpdir(), `kshield-serve-ui-${database}-`));
      let target: string;
      if (database === 'postgres') {
        if (pgSkip.missing) throw new Error(pgSkip.missing);
        const pg = await startPostgres();
        stopDatabase = pg.stop;
        target = await pg.createDatabase();
      } else target = path.join(dir, 'db', 'kshield.db');
      // Two scans of one shop: the second has payments fixed (its file gone) and a privileged debug pod new.
      const shop = path.join(dir, 'shop');
      cpSync(INSECURE, shop, { recursive: true });
      const labels1 = labelsOf(shop);
      first = scanJson(shop);
      rmSync(path.join(shop, 'payments.yaml'));
      writeFileSync(path.join(shop, 'debug.yaml'), PRIVILEGED_DEBUG);
      const labels2 = labelsOf(shop);
      second = scanJson(shop);
      // A second cluster imported at start from a file (named after it).
      mkdirSync(path.join(dir, 'imports'));
      writeFileSync(path.join(dir, 'imports', 'staging.json'), JSON.stringify(scanJson(path.join(root, 'examples/ecommerce/hardened'))));
      serve = await startServe(['--database', target, '--import', path.join(dir, 'imports', 'staging.json'), '--max-import-size', '4MiB']);
      for (const [result, objectLabels] of [
        [first, labels1],
        [second, labels2],
      ] as const) {
        const r = await fetch(`${serve.url}/api/scans`, {
          method: 'POST',
          headers: { ...auth(), 'Content-Type': 'application/json' },
          body: JSON.stringify({ kshieldImport: 1, source: 'shop-prod', command: 'scan', objectLabels, result }),
        });
        assert.equal(r.status, 201, (await r.clone().text()) + serve.stderr());
      }
      browser = await launchChromium();
    });

    after(async () => {
      await browser?.close();
      const code = await serve?.stop();
      await stopDatabase?.();
      rmSync(dir, { recursive: true, force: true });
      assert.equal(code, 0, serve?.stderr());
    });

    test('a request without a token, or with a wrong one, is refused', async () => {
      const none = await fetch(`${serve.url}/api/sources`);
      assert.equal(none.status, 401);
      assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
      assert.match((await none.json()).error, /no bearer token/);
      const wrong = await fetch(`${serve.url}/api/scans/1/findings`, { headers: { Authorization: 'Bearer not-the-token' } });
      assert.equal(wrong.status, 401);
      const body = await wrong.text();
      assert.doesNotMatch(body, /finding/i);
    });

    test('writes must come from this origin, as JSON, and within the size limit', async () => {
      const post = (headers: Record<string, string>, body: string): Promise<Response> => fetch(`${serve.url}/api/scans?cluster=x`, { method: 'POST', headers: { ...auth(), ...headers }, body });
      const foreign = await post({ 'Content-Type': 'application/json', Origin: 'https://evil.example' }, JSON.stringify(first));
      assert.equal(foreign.status, 403);
      const form = await post({ 'Content-Type': 'text/plain' }, JSON.stringify(first));
      assert.equal(form.status, 415);
      const huge = await post({ 'Content-Type': 'application/json' }, 'x'.repeat(5 * 1024 * 1024));
      assert.equal(huge.status, 413);
      const notResult = await post({ 'Content-Type': 'application/json' }, '{"hello":1}');
      assert.equal(notResult.status, 400);
      assert.match((await notResult.json()).error, /not a kshield JSON result/);
      // None of them stored anything.
      assert.deepEqual((await get('/api/sources')).map((s: Obj) => s.source).sort(), ['shop-prod', 'staging']);
    });

    test('every page and asset carries the security headers; nothing is loaded from elsewhere', async () => {
      for (const p of ['/', '/ui/app.js', '/ui/app.css', '/api/sources']) {
        const r = await fetch(serve.url + p, { headers: auth() });
        assert.equal(r.status, 200, p);
        assert.match(r.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self'/, p);
        assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(r.headers.get('x-frame-options'), 'DENY');
        assert.equal(r.headers.get('set-cookie'), null);
      }
      const html = await (await fetch(serve.url + '/')).text();
      assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//);
    });

    test('log in with the printed token; a wrong token is refused in the page', async () => {
      const page = await newPage();
      await page.goto(serve.url + '/');
      await page.locator('#token').fill('wrong-token');
      await page.locator('#login button[type=submit]').click();
      await page.locator('#login-error').waitFor();
      assert.match(await page.locator('#login-error').innerText(), /not valid/);
      await page.locator('#token').fill(serve.token!);
      await page.locator('#login button[type=submit]').click();
      await page.locator('#clusters').waitFor();
      const cards = await page.locator('#clusters .cluster h3').allInnerTexts();
      assert.deepEqual(cards.sort(), ['shop-prod', 'staging']);
      const prod = page.locator('.cluster[data-source="shop-prod"]');
      const diff = await get(`/api/diff?to=${(await get('/api/sources')).find((s: Obj) => s.source === 'shop-prod').latest.id}`);
      assert.ok(diff.new > 0 && diff.fixed > 0, JSON.stringify({ new: diff.new, fixed: diff.fixed }));
      assert.match(await prod.locator('.delta').innerText(), new RegExp(`${diff.new} new · ${diff.fixed} fixed`));
      await page.close();
    });

    test('filter the findings by severity and text; sort; the counts are the store\'s', async () => {
      const page = await newPage();
      await login(page);
      await page.locator('nav a[href="#/findings"]').click();
      await page.locator('#findings').waitFor();
      await page.locator('#filter-severity').selectOption('critical');
      await page.locator('#filters button[type=submit]').click();
      await page.waitForURL(/severity=critical/);
      const latest = (await get('/api/sources')).find((s: Obj) => s.source === 'shop-prod').latest;
      const critical = second.findings.filter((f: Obj) => f.severity === 'critical' && !f.suppressed).length;
      // The address changes before the filtered page is drawn: wait for its total, not for any row.
      await page.waitForFunction((n) => document.querySelector('#total')?.textContent === `${n} finding${n === 1 ? '' : 's'}`, critical, { timeout: 30_000 }).catch(() => undefined);
      assert.ok(critical > 0);
      assert.equal(await page.locator('#total').innerText(), `${critical} finding${critical === 1 ? '' : 's'}`);
      assert.equal(latest.bySeverity.critical, critical);
      const badges = await page.locator('#findings tbody .sev').allInnerTexts();
      assert.ok(badges.length > 0 && badges.every((b) => b === 'critical'), badges.join(','));
      // Text search within the filter.
      await page.locator('#filter-q').fill('debug');
      await page.locator('#filters button[type=submit]').click();
      await page.waitForURL(/q=debug/);
      await page.waitForFunction(() => document.querySelectorAll('#findings tbody tr').length > 0 && [...document.querySelectorAll('#findings tbody .object')].every((e) => e.textContent === 'Pod/debug'));
      // Sort by rule, descending then ascending: the rows follow.
      await page.locator('#filter-q').fill('');
      await page.locator('#filter-severity').selectOption('');
      await page.locator('#filters button[type=submit]').click();
      await page.waitForURL((u) => !u.hash.includes('severity='));
      // The address changes before the unfiltered page is drawn: a sort link clicked on the old page
      // would keep its filter (q=debug, a handful of rows). Wait for the full first page.
      await page.waitForFunction(() => document.querySelectorAll('#findings tbody tr').length === 50 && ![...document.querySelectorAll('#findings tbody .object')].every((e) => e.textContent === 'Pod/debug'));
      await page.locator('a[data-sort="rule"]').click();
      await page.waitForURL((u) => /sort=rule/.test(u.hash) && !/[?&](q|severity)=/.test(u.hash));
      // The address changes before the sorted page arrives: wait for the rows themselves.
      await page.waitForFunction(() => {
        const shown = [...document.querySelectorAll('#findings tbody a.rule')].map((e) => e.textContent ?? '');
        return shown.length === 50 && shown.every((r, i) => i === 0 || shown[i - 1] <= r);
      });
      const rules = await page.locator('#findings tbody a.rule').allInnerTexts();
      assert.deepEqual(rules, [...rules].sort());
      assert.equal(rules.length, 50);
      assert.ok(await page.locator('#next').isVisible());
      await page.close();
    });

    test('drill into a finding: its details, remediation pointer, and whether it is new since the scan before', async () => {
      const page = await newPage();
      await login(page);
      await page.goto(`${serve.url}/#/findings?source=shop-prod&q=debug&severity=critical`);
      await page.locator('#findings tbody tr').first().waitFor();
      const row = page.locator('#findings tbody tr').first();
      const message = await row.locator('.message').innerText();
      await row.click();
      await page.locator('#finding-title').waitFor();
      assert.equal(await page.locator('#finding-message').innerText(), message);
      assert.equal(await page.locator('#finding-object').innerText(), 'Pod shop/debug');
      assert.match(await page.locator('#finding-history').innerText(), /New since the scan before/);
      const expected = second.findings.find((f: Obj) => f.message === message);
      assert.ok(expected, 'the finding shown is one of the scan\'s');
      assert.match(await page.locator('main').innerText(), new RegExp(`kshield explain ${expected.rule}`));
      // A finding also in the first scan says so.
      await page.goto(`${serve.url}/#/findings?source=shop-prod&q=orders&severity=high`);
      await page.locator('#findings tbody tr').first().click();
      await page.locator('#finding-title').waitFor();
      assert.match(await page.locator('#finding-history').innerText(), /Also in the scan before/);
      await page.close();
    });

    test('history: follow a trend point to that scan\'s findings, and "fixed since"', async () => {
      const page = await newPage();
      await login(page);
      await page.locator('nav a[href="#/history"]').click();
      await page.locator('#trend').waitFor();
      await page.goto(`${serve.url}/#/history?source=shop-prod`);
      await page.locator('#trend a.point').first().waitFor();
      const points = page.locator('#trend a.point');
      assert.equal(await points.count(), 2);
      const scans = await get('/api/scans?source=shop-prod');
      const oldest = scans[scans.length - 1];
      await points.first().click();
      await page.waitForURL(new RegExp(`scan=${oldest.id}`));
      await page.locator('#findings').waitFor();
      assert.equal(await page.locator('#total').innerText(), `${oldest.total} findings`);
      // Fixed since: the first scan's findings the second no longer has (payments' findings among them).
      await page.goto(`${serve.url}/#/history?source=shop-prod`);
      await page.locator('a.fixed-since').first().click();
      await page.locator('#findings tbody tr').first().waitFor();
      const diff = await get(`/api/diff?to=${scans[0].id}`);
      assert.equal(await page.locator('#total').innerText(), `${diff.fixed} findings`);
      const objects = await page.locator('#findings tbody .object').allInnerTexts();
      assert.ok(objects.some((o) => o.endsWith('/payments')), objects.join(','));
      // Per team: the series of the payments team exists (from the labels the import carried).
      await page.goto(`${serve.url}/#/history?source=shop-prod&groupBy=team`);
      await page.locator('#trend').waitFor();
      const trend = await get('/api/trends?source=shop-prod&groupBy=team');
      assert.ok(trend.some((s: Obj) => s.key === 'payments'), JSON.stringify(trend.map((s: Obj) => s.key)));
      await page.close();
    });

    test('the dashboard renders without console errors (no CSP violation); screenshot', async () => {
      const page = await newPage();
      await login(page);
      await page.goto(`${serve.url}/#/?source=shop-prod`);
      await page.locator('.bars').first().waitFor();
      const shot = await page.screenshot({ fullPage: false });
      const out = process.env.KSHIELD_UPDATE_SCREENSHOTS === '1' && database === 'sqlite' ? path.join(root, 'docs/images/dashboard.png') : path.join(dir, 'dashboard.png');
      mkdirSync(path.dirname(out), { recursive: true });
      writeFileSync(out, shot);
      assert.ok(shot.length > 10_000);
      // Every page once more, in this page: no CSP violation, no script error.
      for (const hash of ['#/findings?source=shop-prod', '#/history?source=shop-prod', '#/history?source=shop-prod&groupBy=namespace', '#/diff?to=' + (await get('/api/sources')).find((s: Obj) => s.source === 'shop-prod').latest.id]) {
        await page.goto(serve.url + '/' + hash);
        await page.locator('main h1').first().waitFor();
        assert.doesNotMatch(await page.locator('main').innerText(), /^Error/);
      }
      await page.close();
      assert.deepEqual(consoleErrors.get(page), []);
    });
  });
}
