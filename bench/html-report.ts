/**
 * `npm run bench:html`: the HTML report (`-o html`) at 100,000 findings, against a 1,000-finding
 * report measured in the same process as the baseline.
 *
 * The findings are generated from a seeded PRNG (bench/rng.ts), offline, as a large repository's
 * scan reports them: every rule of the catalogue, 60 namespaces, 2,000 files, objects named like
 * helm releases, messages in the rules' own words with the object's names. Figures per size: the
 * file's size, the time to write it (renderHtmlReport), and in headless Chromium (Debian's, driven
 * by playwright-core) the time to first render (navigation start to the first rows painted) and
 * the time a filter, a search and a sort take from the user's action to the next painted frame.
 * A benchmark reports: it exits 0 whatever the figures (and says so when Chromium is missing).
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { SEVERITIES, type Finding, type Severity } from '../src/core/types.js';
import { summarize } from '../src/core/summary.js';
import { VERSION } from '../src/core/version.js';
import { rules } from '../src/rules/index.js';
import type { ScanResult } from '../src/report/scan-report.js';
import { renderHtmlReport } from '../src/report/html/index.js';
import { browserMissing, launchChromium } from '../test/support/browser.js';
import { envInt, fmt, loadNote, table } from './measure.js';
import { Rng } from './rng.js';

const SEED = 0x68746d6c;
const KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob', 'Service', 'ConfigMap', 'Role', 'RoleBinding', 'NetworkPolicy', 'Ingress'];
const APPS = ['cart', 'checkout', 'search', 'payments', 'catalog', 'auth', 'gateway', 'orders', 'ledger', 'mailer', 'metrics', 'reports'];
const CONTAINERS = ['app', 'sidecar', 'init', 'proxy', 'worker'];

/** A scan result of `count` findings, the same for the same count on every machine. */
export function syntheticScan(count: number, seed = SEED): ScanResult {
  const rng = new Rng(seed);
  const namespaces = Array.from({ length: 60 }, (_, i) => `team-${i}-${rng.pick(APPS)}`);
  const files = Array.from({ length: 2000 }, (_, i) => `deploy/${namespaces[i % namespaces.length]}/release-${i}/templates/${rng.pick(['deployment', 'service', 'rbac', 'netpol', 'config'])}.yaml`);
  const findings: Finding[] = [];
  for (let i = 0; i < count; i++) {
    const rule = rng.pick(rules);
    const severity: Severity = rng.chance(0.8) ? rule.severity : rng.pick(SEVERITIES);
    const file = rng.pick(files);
    const namespace = rng.chance(0.05) ? undefined : namespaces[files.indexOf(file) % namespaces.length];
    const kind = rng.pick(KINDS);
    const name = `${rng.pick(APPS)}-${rng.alnum(5)}`;
    const container = rng.chance(0.6) ? rng.pick(CONTAINERS) : undefined;
    findings.push({
      rule: rule.id,
      severity,
      message: `${rule.title}: ${kind} ${name}${container ? ` container "${container}"` : ''} (${rng.alnum(8)})`,
      resource: { apiVersion: 'v1', kind, namespace, name },
      file,
      line: rng.int(1, 400),
      column: rng.int(1, 20),
      path: `/spec/template/spec/containers/${rng.int(0, 3)}`,
      remediation: rule.remediation,
      suppressed: rng.chance(0.03),
      container,
      fingerprint: rng.hex(16),
    });
  }
  findings.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  for (const f of findings) if (f.suppressed) f.suppression = { kind: 'annotation', reason: 'accepted risk' };
  return { version: VERSION, findings, summary: summarize(findings, Math.ceil(count / 3), files.length), errors: [], notes: [], rules: [...rules], evaluations: [], exemptions: [], resources: [] };
}

export interface BrowserFigures {
  /** Navigation start to the frame after the first rows were rendered (the page's own clock). */
  firstRenderMs: number;
  /** From the filter's change to the next painted frame, and the filter's own work (apply()). */
  filterMs: number;
  filterWorkMs: number;
  searchMs: number;
  sortMs: number;
  /** Rows in the DOM after the first render (the virtual list keeps it near the visible count). */
  domRows: number;
  shownAfterFilter: number;
}

/** Opens `file` in a new page of `browser` and times what a user does first: see it, filter it, search it, sort it. */
export async function measureInChromium(browser: Browser, file: string): Promise<BrowserFigures> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  try {
    await page.goto(pathToFileURL(file).href, { timeout: 120_000 });
    await page.waitForSelector('body[data-ready]', { timeout: 120_000 });
    const firstRenderMs = await page.evaluate(() => (window as unknown as { kshieldReport: { firstRenderMs: number } }).kshieldReport.firstRenderMs);
    const domRows = await page.locator('#rows .row').count();
    // Each action is timed inside the page: the event, the work, and the next animation frame.
    const timed = (action: 'filter' | 'search' | 'sort'): Promise<{ ms: number; work: number; shown: number }> =>
      page.evaluate(
        (what) =>
          new Promise((resolve) => {
            const stats = (window as unknown as { kshieldReport: { lastFilterMs: number; shown: number } }).kshieldReport;
            const t0 = performance.now();
            if (what === 'filter') {
              const box = document.querySelector<HTMLInputElement>('input[data-severity="medium"]')!;
              box.checked = false;
              box.dispatchEvent(new Event('change'));
            } else if (what === 'search') {
              const search = document.getElementById('f-search') as HTMLInputElement;
              search.value = 'privileged';
              // Typing waits for a pause before filtering; Enter (a change event) filters at once.
              search.dispatchEvent(new Event('change'));
            } else document.querySelector<HTMLButtonElement>('button[data-sort="rule"]')!.click();
            requestAnimationFrame(() => resolve({ ms: performance.now() - t0, work: stats.lastFilterMs, shown: stats.shown }));
          }),
        action,
      );
    const filter = await timed('filter');
    const search = await timed('search');
    const sort = await timed('sort');
    return { firstRenderMs, filterMs: filter.ms, filterWorkMs: filter.work, searchMs: search.ms, sortMs: sort.ms, domRows, shownAfterFilter: filter.shown };
  } finally {
    await page.close();
  }
}

export interface HtmlFigures {
  findings: number;
  bytes: number;
  generateMs: number;
  browser?: BrowserFigures;
}

/** Writes the report of `count` synthetic findings into `dir` and measures it. */
export async function measureSize(count: number, dir: string, browser: Browser | undefined): Promise<HtmlFigures> {
  const scan = syntheticScan(count);
  const t0 = performance.now();
  const html = renderHtmlReport({ scan, source: [`${count} generated findings`], generatedAt: new Date(0) });
  const generateMs = performance.now() - t0;
  const file = path.join(dir, `report-${count}.html`);
  writeFileSync(file, html);
  return { findings: count, bytes: statSync(file).size, generateMs, browser: browser ? await measureInChromium(browser, file) : undefined };
}

/** The 100,000-finding report with its baseline (BENCH_HTML_FINDINGS and BENCH_HTML_BASELINE change them). */
export async function benchHtmlReport(log: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<HtmlFigures[]> {
  const sizes = [envInt('BENCH_HTML_BASELINE', 1_000), envInt('BENCH_HTML_FINDINGS', 100_000)];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kshield-bench-html-'));
  const missing = browserMissing();
  const launched = missing ? undefined : await launchChromium();
  try {
    log(`HTML report: ${sizes.map((n) => fmt(n)).join(' and ')} findings; ${loadNote()}`);
    if (missing) log(`Chromium not measured: ${missing}`);
    const figures: HtmlFigures[] = [];
    for (const n of sizes) figures.push(await measureSize(n, dir, launched?.browser));
    const ms = (v: number | undefined): string => (v === undefined ? '-' : `${fmt(v)} ms`);
    log(
      table(
        ['findings', 'file size', 'generate', 'first render', 'filter', 'search', 'sort', 'DOM rows'],
        figures.map((f) => [fmt(f.findings), `${fmt(f.bytes / 1e6, 1)} MB`, ms(f.generateMs), ms(f.browser?.firstRenderMs), ms(f.browser?.filterMs), ms(f.browser?.searchMs), ms(f.browser?.sortMs), f.browser ? fmt(f.browser.domRows) : '-']),
      ),
    );
    const [base, big] = figures;
    if (base.browser && big.browser)
      log(`ratio ${fmt(big.findings / base.findings)}x findings: file ${fmt(big.bytes / base.bytes, 1)}x, first render ${fmt(big.browser.firstRenderMs / base.browser.firstRenderMs, 1)}x, filter ${fmt(big.browser.filterMs / Math.max(1, base.browser.filterMs), 1)}x`);
    return figures;
  } finally {
    await launched?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchHtmlReport();
