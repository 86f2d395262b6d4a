import { signEchoRequest } from '@switchboard/testkit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectAccessible,
  launchChromium,
  NO_BROWSER_REASON,
  newContext,
  runBrowserSuite,
  screenshot,
  signIn,
  submit,
} from './browser.js';
import { type ConsoleFixture, PASSWORD, startConsoleFixture } from './console-fixture.js';

const SECRET = 'echo-signing-secret';

describe.runIf(runBrowserSuite)('console installations in Chromium', () => {
  let fx: ConsoleFixture;
  let browser: Browser;
  let page: Page;
  let installationId: string;

  beforeAll(async () => {
    fx = await startConsoleFixture('pglite', { statusIntervalMs: 100 });
    const agent = await fx.hub.request('POST', '/api/v1/workspaces/acme/agents', {
      token: fx.owner.token,
      body: { name: 'assistant', deliveryUrl: 'http://127.0.0.1:9/deliver' },
    });
    expect(agent.status, agent.text).toBe(201);
    browser = await launchChromium();
    page = await (await newContext(browser)).newPage();
    await signIn(page, fx.hub.url, fx.owner.username, PASSWORD);
  });
  afterAll(async () => {
    await browser?.close();
    await fx?.close();
  });

  it('renders the install form from the channel type’s JSON Schema and shows errors beside their fields', async () => {
    await page.getByRole('link', { name: 'Echo (test channel)' }).click();
    await page.waitForURL(/installations\/new/);
    // Secrets are write-only password inputs; the hub's settings come with their help text.
    await expect(page.getByLabel('signing secret').getAttribute('type')).resolves.toBe('password');
    await expect(page.locator('#policy-auto_provision-hint').textContent()).resolves.toContain(
      'members of this workspace',
    );
    await expect(page.locator('#config-tenant_key-hint').textContent()).resolves.toContain('wrong_tenant');
    await page.getByLabel('signing secret').fill('short');
    await submit(page, 'Install Echo (test channel)');
    const fieldError = page.locator('#config-signing_secret-error');
    await expect(fieldError.textContent()).resolves.toMatch(/8/);
    await expect(page.getByLabel('signing secret').getAttribute('aria-invalid')).resolves.toBe('true');
    await screenshot(page, 'install-form-error');
    await expectAccessible(page);

    await page.getByLabel('signing secret').fill(SECRET);
    await page.getByLabel('auto provision').check();
    await submit(page, 'Install Echo (test channel)');
    await expect(page.getByRole('status').textContent()).resolves.toContain('is installed');
    installationId = new URL(page.url()).pathname.split('/').at(-1) ?? '';
    const webhookUrl = await page.getByLabel('Webhook URL').inputValue();
    expect(webhookUrl).toContain(`/hooks/${installationId}`);
    await screenshot(page, 'installation-detail');
    await expectAccessible(page);
    const stored = await fx.hub.runtime.stores.installations.getWithSecrets(installationId);
    expect(stored.secrets).toEqual({ signing_secret: SECRET });
    expect(stored.config).toMatchObject({ auto_provision: true });
    // The secret never comes back to the browser.
    expect(await page.content()).not.toContain(SECRET);
  });

  it('updates the live status within 2 s of the first inbound event', async () => {
    await page.goto(`${fx.hub.url}/console/w/acme/installations`);
    const row = page.locator(`tr[data-installation="${installationId}"]`);
    await expect(row.locator('.state').textContent()).resolves.toContain('waiting for traffic');
    const raw = JSON.stringify({
      type: 'message',
      id: 'evt-live-1',
      chatId: 'chat-1',
      user: { id: 'someone' },
      text: 'hello',
    });
    const sentAt = Date.now();
    const res = await fx.hub.request('POST', `/hooks/${installationId}`, {
      raw,
      headers: { 'content-type': 'application/json', ...signEchoRequest(SECRET, raw) },
    });
    expect(res.status, res.text).toBe(200);
    await row.locator('.state', { hasText: 'receiving' }).waitFor({ timeout: 2_000 });
    await row.locator('.last-inbound', { hasText: 's ago' }).waitFor({ timeout: 2_000 });
    process.stderr.write(`[console] live status showed the event after ${Date.now() - sentAt} ms\n`);
    await screenshot(page, 'installations-live');
    await expectAccessible(page);
  });

  it('asks for the secrets again when an edit changes an address, then revokes', async () => {
    await page.goto(`${fx.hub.url}/console/w/acme/installations/${installationId}`);
    await page.getByLabel('api base url').fill('http://127.0.0.1:9/other');
    await submit(page, 'Save changes');
    await expect(page.locator('#config-signing_secret-error').textContent()).resolves.toContain(
      'enter it again',
    );
    await screenshot(page, 'installation-secrets-required');
    await page.getByLabel('api base url').fill('http://127.0.0.1:9/other');
    await page.getByLabel('signing secret').fill('a-rotated-secret');
    await submit(page, 'Save changes');
    await expect(page.getByRole('status').textContent()).resolves.toContain('Saved');
    const stored = await fx.hub.runtime.stores.installations.getWithSecrets(installationId);
    expect(stored.secrets).toEqual({ signing_secret: 'a-rotated-secret' });

    await submit(page, 'Revoke installation');
    await expect(page.getByRole('status').first().textContent()).resolves.toContain('revoked');
    await page.locator(`tr[data-installation="${installationId}"] .state`, { hasText: 'revoked' }).waitFor();
  });
});

// Without Chromium (and without REQUIRE_BROWSER=1) the suite shows as one skip that names why.
if (!runBrowserSuite) {
  describe('console installations in Chromium', () => {
    it.skip(NO_BROWSER_REASON, () => {});
  });
}
