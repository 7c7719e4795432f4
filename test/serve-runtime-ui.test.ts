/**
 * The dashboard's images and runtime pages end to end: the real `kshield serve` (SQLite) imports at
 * start a real `kshield image -o json` result and the audit log the real `kshield respond` engine
 * wrote (each recognised by its shape), and a person in headless Chromium drills into the image's
 * vulnerabilities, filters them by severity and fix, and reads the alerts newest first with their
 * actions and posture, filtered by namespace, rule and action. No secret value reaches a page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { root } from './support/cli.js';
import { launchChromium, skipUnlessBrowser, type LaunchedBrowser } from './support/browser.js';
import { startServe, type RunningServe } from './support/serve.js';
import { imageResult, POD, respondAuditLog, RUNTIME_SECRET_VALUE } from './support/runtime-results.js';
import type { Obj } from './support/respond.js';

const browserSkip = skipUnlessBrowser('the images and runtime pages in the browser');

describe('kshield serve: images and runtime pages (SQLite, Chromium)', { skip: browserSkip.skip }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kshield-serve-runtime-ui-'));
  let serve: RunningServe;
  let browser: LaunchedBrowser;
  let image: { text: string; report: Obj; file: string };
  let audit: { text: string; lines: Obj[] };
  const errors: string[] = [];
  const auth = (): Record<string, string> => ({ Authorization: `Bearer ${serve.token}` });

  const newPage = async (): Promise<Page> => {
    const page = await browser.browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(serve.url + '/');
    await page.locator('#token').fill(serve.token!);
    await page.locator('#login button[type=submit]').click();
    await page.locator('main h1').first().waitFor();
    return page;
  };

  before(async () => {
    if (browserSkip.missing) throw new Error(browserSkip.missing);
    image = await imageResult(dir);
    audit = await respondAuditLog(dir, image);
    const log = path.join(dir, 'respond.log');
    writeFileSync(log, audit.text);
    serve = await startServe(['--database', path.join(dir, 'db', 'kshield.db'), '--import', image.file, '--import', log, '--cluster-name', 'east']);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('--import recognises the image result and the respond audit log, and says what it stored', async () => {
    const logged = serve.stderr();
    assert.match(logged, /imported .*image\.json: scan 1 of image, 6 findings \(1 image\)/);
    assert.match(logged, /imported .*respond\.log: 3 new alerts \(0 already stored\), \d+ actions of east; \d+ other lines left out/);
    const images = await (await fetch(`${serve.url}/api/images`, { headers: auth() })).json();
    assert.deepEqual(images.map((x: Obj) => [x.scan.command, x.images]), [['image', 1]]);
    assert.equal((await fetch(`${serve.url}/api/runtime/alerts`)).status, 401, 'the alerts need the token');
  });

  test('images: the image with its counts; its vulnerabilities filtered by severity and by fix', async () => {
    const page = await newPage();
    await page.goto(`${serve.url}/#/images`);
    const row = page.locator('#images tbody tr');
    await row.first().waitFor();
    assert.equal(await row.count(), 1);
    assert.equal(await row.locator('.image-name').innerText(), image.report.subject.name);
    assert.match(await row.locator('.vuln-counts').innerText(), /critical 1\s+high 0\s+medium 0\s+low 0\s+unknown 1/);
    assert.equal(await row.locator('.fixable').innerText(), '2 of 2');
    await row.locator('.image-name').click();
    await page.locator('#image-title').waitFor();
    assert.equal(await page.locator('#vulnerabilities tbody tr').count(), 2);
    assert.deepEqual(await page.locator('#vulnerabilities .vuln-id').evaluateAll((els) => els.map((e) => e.firstChild?.textContent)), ['CVE-2099-0101', 'CVE-2099-2003']);
    await page.locator('#filter-severity').selectOption('critical');
    await page.locator('#filters button[type=submit]').click();
    await page.waitForFunction(() => document.querySelectorAll('#vulnerabilities tbody tr').length === 1);
    assert.match(await page.locator('#vulnerabilities tbody tr').innerText(), /CVE-2099-0101[\s\S]*libssl1\.1[\s\S]*1\.1\.1n-0\+deb10u6[\s\S]*1\.1\.1n-0\+deb10u7/);
    await page.locator('#filter-severity').selectOption('');
    await page.locator('#filter-fixable').selectOption('false');
    await page.locator('#filters button[type=submit]').click();
    await page.locator('#total', { hasText: '0 vulnerabilities' }).waitFor();
    assert.equal(await page.locator('#vulnerabilities tbody tr').count(), 0);
    await page.close();
  });

  test('runtime: alerts newest first with their actions and posture; filters by namespace, rule and action', async () => {
    const page = await newPage();
    await page.goto(`${serve.url}/#/runtime`);
    const cards = page.locator('#alerts .alert');
    await cards.first().waitFor();
    assert.deepEqual(await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-pod'))), ['coredns-1', 'worker-1', POD]);
    const shell = cards.nth(2);
    assert.equal(await shell.locator('.alert-rule').innerText(), 'Terminal shell in container');
    assert.deepEqual(await shell.locator('tr[data-action]').evaluateAll((els) => els.map((e) => `${e.querySelector('.action')!.textContent} ${e.querySelector('.result')!.textContent}`)), ['label done', 'notify done']);
    assert.match(await shell.locator('.posture').innerText(), /Posture: linked · Deployment shop\/web · service account shop\/web/);
    assert.match(await shell.locator('.posture').innerText(), /app: registry\.example\/shop\/web:1\.4\.2\s+critical 1/);
    assert.match(await shell.locator('.posture').innerText(), /RBAC: 0 escalation path\(s\)\nReachable from 2 peer\(s\), reaches 2/);

    await page.locator('#filter-namespace').selectOption('kube-system');
    await page.locator('#filters button[type=submit]').click();
    await page.waitForFunction(() => document.querySelectorAll('#alerts .alert').length === 1);
    assert.match(await cards.first().locator('tr[data-action=label]').innerText(), /refused \(protected-namespace\)[\s\S]*namespace kube-system is protected/);

    await page.goto(`${serve.url}/#/runtime?action=approve`);
    await page.locator('#alerts .alert[data-pod="worker-1"]').waitFor();
    assert.deepEqual(await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-pod'))), ['worker-1']);
    assert.match(await cards.first().innerText(), /approve\s+held/);

    await page.goto(`${serve.url}/#/runtime?rule=${encodeURIComponent('Terminal shell in container')}`);
    await page.locator('#total', { hasText: '2 alerts' }).waitFor();
    const text = await page.locator('main').innerText();
    assert.ok(!text.includes(RUNTIME_SECRET_VALUE));
    const shot = await page.screenshot({ fullPage: false });
    writeFileSync(process.env.KSHIELD_UPDATE_SCREENSHOTS === '1' ? path.join(root, 'docs/images/dashboard-runtime.png') : path.join(dir, 'runtime.png'), shot);
    assert.ok(shot.length > 10_000);
    await page.close();
    assert.deepEqual(errors, []);
  });
});
