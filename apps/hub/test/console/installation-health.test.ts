import { type FakeSlack, startFakeSlack } from '@switchboard/testkit/fakes/slack';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postToHook, slackMessage } from '../support/slack-scenario.js';
import {
  expectAccessible,
  launchChromium,
  NO_BROWSER_REASON,
  newContext,
  runBrowserSuite,
  screenshot,
  signIn,
} from './browser.js';
import { type ConsoleFixture, PASSWORD, startConsoleFixture } from './console-fixture.js';

/** A problem the health monitor found, and the platform's setup steps, as an operator sees them. */
describe.runIf(runBrowserSuite)('installation health and setup steps in Chromium', () => {
  let fx: ConsoleFixture;
  let slack: FakeSlack;
  let browser: Browser;
  let page: Page;
  let installationId: string;

  beforeAll(async () => {
    slack = await startFakeSlack({ teamId: 'T0HEALTH1', botUserId: 'U0HBOT001' });
    fx = await startConsoleFixture('pglite', { statusIntervalMs: 100, health: { intervalMs: 100 } });
    const agent = await fx.hub.request('POST', '/api/v1/workspaces/acme/agents', {
      token: fx.owner.token,
      body: { name: 'assistant', deliveryUrl: 'http://127.0.0.1:9/deliver' },
    });
    const installed = await fx.hub.request('POST', '/api/v1/workspaces/acme/installations', {
      token: fx.owner.token,
      body: {
        agentId: agent.body.id,
        channelType: 'slack',
        config: {
          signing_secret: 'slack-signing-secret-0001',
          bot_token: 'xoxb-health-token',
          api_base_url: slack.url,
        },
      },
    });
    expect(installed.status, installed.text).toBe(201);
    installationId = installed.body.id;
    browser = await launchChromium();
    page = await (await newContext(browser)).newPage();
    await signIn(page, fx.hub.url, fx.owner.username, PASSWORD);
  });
  afterAll(async () => {
    await browser?.close();
    await fx?.close();
    await slack?.close();
  });

  it('shows the setup steps beside the webhook URL, and a problem with its sentence and fix as it appears', async () => {
    await page.goto(`${fx.hub.url}/console/w/acme/installations/${installationId}`);
    const webhookUrl = await page.getByLabel('Webhook URL').inputValue();
    const steps = page.getByRole('list', { name: 'Set up Slack' }).getByRole('listitem');
    await expect(steps.count()).resolves.toBeGreaterThanOrEqual(3);
    await expect(steps.allTextContents()).resolves.toContainEqual(
      expect.stringContaining(`Request URL = ${webhookUrl}`),
    );
    await expect(page.locator('#health').textContent()).resolves.toContain('found no problems');

    // A wrong signing secret on the platform's side: every webhook fails its signature.
    for (let i = 0; i < 5; i++) {
      const refused = await postToHook(
        fx.hub,
        installationId,
        slackMessage({ eventId: `Ev0CONSIG${i}`, user: 'U0ALICE01' }),
        { secret: 'the-secret-slack-really-uses' },
      );
      expect(refused.status).toBe(401);
    }
    // The page refreshes its health section by itself.
    const problem = page.locator('#health [data-problem="signature_failures"]');
    await problem.waitFor({ timeout: 5_000 });
    await expect(problem.textContent()).resolves.toContain('5 webhooks failed their signature check');
    await expect(problem.locator('.hint').textContent()).resolves.toMatch(/^Fix: the signing secret/);
    await screenshot(page, 'installation-problem-and-setup-steps');
    await expectAccessible(page);

    await page.goto(`${fx.hub.url}/console/w/acme/installations`);
    const row = page.locator(`tr[data-installation="${installationId}"]`);
    await row.locator('[data-problem="signature_failures"]').waitFor({ timeout: 5_000 });
    await expect(row.locator('.problems').textContent()).resolves.toContain('Fix:');
    await screenshot(page, 'installations-with-problem');
    await expectAccessible(page);
  });
});

if (!runBrowserSuite) {
  describe('installation health and setup steps in Chromium', () => {
    it.skip(NO_BROWSER_REASON, () => {});
  });
}
