import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectAccessible,
  launchChromium,
  NO_BROWSER_REASON,
  newContext,
  runBrowserSuite,
  screenshot,
  submit,
} from './browser.js';
import { type ConsoleFixture, PASSWORD, startConsoleFixture } from './console-fixture.js';

async function signIn(page: Page, base: string, username: string, password = PASSWORD): Promise<void> {
  await page.goto(`${base}/console`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await submit(page, 'Sign in');
}

/** Clicks a submit button and waits for the page it leads to. */
describe.runIf(runBrowserSuite)('console sign-in in Chromium', () => {
  let fx: ConsoleFixture;
  let browser: Browser;
  let attacker: Server;
  let attackerUrl: string;

  beforeAll(async () => {
    fx = await startConsoleFixture();
    browser = await launchChromium();
    // Another origin of the same site (same host, other port): SameSite=Strict cookies still go
    // along with its requests, so only the CSRF check can stop them.
    attacker = createServer((request, response) => {
      const target = new URL(request.url ?? '/', 'http://x').searchParams.get('target') ?? '';
      response.setHeader('content-type', 'text/html');
      response.end(
        `<form id="f" method="post" action="${fx.hub.url}${target}"><input name="password" value="attacker-chosen-1"></form>` +
          '<script>document.getElementById("f").submit()</script>',
      );
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => attacker?.close(resolve));
    await fx?.close();
  });

  it('signs an owner in with a password and shows the admin pages', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${fx.hub.url}/console`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    await screenshot(page, 'sign-in');
    await expectAccessible(page);
    await signIn(page, fx.hub.url, fx.owner.username);
    expect(new URL(page.url()).pathname).toBe('/console/w/acme/installations');
    const nav = await page.getByRole('navigation', { name: 'Workspace' }).getByRole('link').allTextContents();
    expect(nav).toEqual([
      'Installations',
      'Agents',
      'Members',
      'API tokens',
      'Activity',
      'Outbound',
      'Dead letters',
      'Audit log',
      'My links',
    ]);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'sb_console');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' });
    await context.close();
  });

  it('refuses a wrong password without saying which part was wrong', async () => {
    const page = await browser.newPage();
    await signIn(page, fx.hub.url, fx.owner.username, 'not the password');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('do not match');
    await signIn(page, fx.hub.url, 'nobody-here', PASSWORD);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('do not match');
    await page.close();
  });

  it('signs in once with the link the operator prints, then lets the user set a password', async () => {
    const issued = await fx.hub.request('POST', '/api/v1/console/login-links', {
      token: fx.operatorToken,
      body: { username: fx.member.username },
    });
    expect(issued.status).toBe(201);
    const link = new URL(issued.body.url);
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${fx.hub.url}${link.pathname}${link.search}`);
    await screenshot(page, 'sign-in-link');
    await submit(page, 'Continue to the console');
    expect(new URL(page.url()).pathname).toBe('/console/account');
    await expect(page.getByRole('status').textContent()).resolves.toContain(
      `Signed in as ${fx.member.username}`,
    );
    // A link session may set a new password without the old one: the link was the proof.
    await page.getByLabel('New password').fill('a brand new secret');
    await submit(page, 'Save password');
    await expect(page.getByRole('status').textContent()).resolves.toContain('password is saved');
    await screenshot(page, 'account');
    await expectAccessible(page);

    // The link worked once.
    const again = await (await newContext(browser)).newPage();
    await again.goto(`${fx.hub.url}${link.pathname}${link.search}`);
    await submit(again, 'Continue to the console');
    await expect(again.getByRole('alert').textContent()).resolves.toContain('already used or expired');

    // The new password signs in.
    const fresh = await (await newContext(browser)).newPage();
    await signIn(fresh, fx.hub.url, fx.member.username, 'a brand new secret');
    expect(new URL(fresh.url()).pathname).toBe('/console/w/acme/me');
    await context.close();
  });

  it('refuses a forged cross-origin POST that carries the session cookie but no CSRF token', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, fx.hub.url, fx.owner.username);
    const before = await fx.hub.runtime.stores.consoleSessions.passwordHashOf(fx.owner.userId);
    await page.goto(`${attackerUrl}/?target=${encodeURIComponent('/console/account/password')}`);
    await page.waitForURL(`${fx.hub.url}/console/account/password`);
    await expect(page.locator('main').textContent()).resolves.toContain('Nothing was changed');
    await screenshot(page, 'csrf-refused');
    expect(await fx.hub.runtime.stores.consoleSessions.passwordHashOf(fx.owner.userId)).toBe(before);
    // Still signed in: the forged request changed nothing, not even the session.
    await page.goto(`${fx.hub.url}/console/account`);
    expect(new URL(page.url()).pathname).toBe('/console/account');
    await context.close();
  });

  it('shows a member only their own links, and refuses the admin pages', async () => {
    const page = await (await newContext(browser)).newPage();
    await signIn(page, fx.hub.url, fx.member.username, 'a brand new secret');
    expect(new URL(page.url()).pathname).toBe('/console/w/acme/me');
    const nav = await page.getByRole('navigation', { name: 'Workspace' }).getByRole('link').allTextContents();
    expect(nav).toEqual(['My links']);
    await screenshot(page, 'member-my-links');
    await expectAccessible(page);
    for (const admin of ['installations', 'members', 'tokens', 'audit', 'dead-letters', 'agents']) {
      const response = await page.goto(`${fx.hub.url}/console/w/acme/${admin}`);
      expect(response?.status()).toBe(403);
      await expect(page.locator('h1').textContent()).resolves.toBe('Admins only');
    }
  });

  it('sends an expired or signed-out session back to sign-in', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, fx.hub.url, fx.owner.username);
    await fx.hub.database.db.prisma
      .$executeRaw`UPDATE console_session SET expires_at = now() - interval '1 second' WHERE user_id = ${fx.owner.userId}::uuid AND revoked_at IS NULL`;
    await page.goto(`${fx.hub.url}/console/w/acme/installations`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/console/w/acme/installations');

    await signIn(page, fx.hub.url, fx.owner.username);
    await submit(page, 'Sign out');
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    await page.goto(`${fx.hub.url}/console/account`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    await context.close();
  });
});

// Without Chromium (and without REQUIRE_BROWSER=1) the suite shows as one skip that names why.
if (!runBrowserSuite) {
  describe('console sign-in in Chromium', () => {
    it.skip(NO_BROWSER_REASON, () => {});
  });
}
