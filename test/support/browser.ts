/**
 * Debian's Chromium driven by playwright-core, for browser tests. Never
 * downloads a browser: it launches /usr/bin/chromium (installed by .ci/run)
 * headless, sandbox off (tests run as root in CI), with background
 * networking, component updates and sync turned off and a fresh profile.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env['RAFTKV_CHROMIUM'] ?? '/usr/bin/chromium';

export interface TestBrowser {
  readonly context: BrowserContext;
  /** The tab the browser opened with, in the foreground. */
  readonly page: Page;
  close(): Promise<void>;
}

/** A fresh, empty profile directory is Chromium's --user-data-dir (playwright passes it for a persistent context). */
export async function launchChromium(viewport = { width: 1280, height: 900 }): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'raftkv-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
