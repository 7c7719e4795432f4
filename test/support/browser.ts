/**
 * Shared by the browser tests: Debian's Chromium (/usr/bin/chromium, or KSHIELD_CHROMIUM) driven by
 * playwright-core, which brings no browser of its own. Whether it can run here, the loud skip banner
 * (a failure under KSHIELD_INTEGRATION=required), and a launch with the flags this machine needs: no
 * sandbox (the tests run as root), and none of Chromium's background connections, which the closed
 * network would refuse many at a time.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { skipLoudly } from './skip.js';

export const CHROMIUM = process.env.KSHIELD_CHROMIUM ?? '/usr/bin/chromium';

/** Why Chromium cannot run here, or undefined when it can. */
export function browserMissing(): string | undefined {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (apt-get install chromium, or set KSHIELD_CHROMIUM)`;
  return undefined;
}

/** The reason to skip `what` (undefined: run it), with the loud banner; never skips under KSHIELD_INTEGRATION=required. */
export function skipUnlessBrowser(what: string): { skip: string | false; missing: string | undefined } {
  return skipLoudly(what, browserMissing());
}

export interface LaunchedBrowser {
  browser: Browser;
  /** Closes the browser (playwright-core removes the temporary profile it made). */
  close(): Promise<void>;
}

/** Starts headless Chromium with a new empty profile (playwright-core makes one per launch). */
export async function launchChromium(): Promise<LaunchedBrowser> {
  const missing = browserMissing();
  if (missing) throw new Error(missing);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
    },
  };
}
