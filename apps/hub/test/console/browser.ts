import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import axe from 'axe-core';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * Real Chromium for the console tests, never a downloaded build: CHROMIUM_PATH, else Debian's
 * /usr/bin/chromium. Without one the suites skip with that reason, unless REQUIRE_BROWSER=1 (CI),
 * which turns the skip into a failure.
 */
export function chromiumPath(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find(
    (path): path is string => typeof path === 'string' && path !== '' && existsSync(path),
  );
}

export const NO_BROWSER_REASON = 'no Chromium found (set CHROMIUM_PATH or apt-get install chromium)';
export const browserRequired = process.env.REQUIRE_BROWSER === '1';
/** Run the browser suite: Chromium is there, or it is required (and its absence then fails). */
export const runBrowserSuite = chromiumPath() !== undefined || browserRequired;

if (!chromiumPath() && !browserRequired) {
  process.stderr.write(`[console browser tests] skipped: ${NO_BROWSER_REASON}\n`);
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error(`REQUIRE_BROWSER=1 but ${NO_BROWSER_REASON}`);
  return chromium.launch({
    executablePath,
    // CI runs as root, where Chromium's sandbox cannot start.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

export async function newContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1280, height: 860 } });
}

const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');

/** Saves a full-page screenshot as a test artifact (test/console/screenshots, git-ignored). */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Runs axe-core on the page: no serious or critical violations (labels, contrast, names). */
export async function expectAccessible(page: Page): Promise<void> {
  // evaluate() runs outside the page's CSP, so the console's strict script-src stays as it is.
  await page.evaluate(axe.source);
  const result = (await page.evaluate(
    "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } })",
  )) as axe.AxeResults;
  const serious = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect(serious).toEqual([]);
}

/** Clicks the page's one button of that name and waits for the page it leads to. */
export async function submit(page: Page, name: string): Promise<void> {
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name }).click()]);
}

/** Signs in on the console's sign-in form with the fixtures' password. */
export async function signIn(page: Page, hubUrl: string, username: string, password: string): Promise<void> {
  await page.goto(`${hubUrl}/console`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await submit(page, 'Sign in');
}
