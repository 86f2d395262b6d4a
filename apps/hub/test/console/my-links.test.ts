import { type FakeSlack, startFakeSlack } from '@switchboard/testkit/fakes/slack';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeFrom } from '../../src/console/pages/me.js';
import {
  APP,
  BOT,
  eventually,
  postToHook,
  SIGNING_SECRET,
  slackMessage,
  TEAM,
} from '../support/slack-scenario.js';
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

const MO_SLACK = 'U0MOSLACK1';

describe('codeFrom', () => {
  it('takes the token out of the link the bot sent, or the code alone', () => {
    expect(codeFrom('  https://hub.example/link?token=sbl_abc-_1  ')).toBe('sbl_abc-_1');
    expect(codeFrom('sbl_abc-_1\n')).toBe('sbl_abc-_1');
    expect(codeFrom('https://hub.example/link')).toBe('');
  });
});

/**
 * A member binds their Slack account from "My links" with the code the bot sent them: a wrong or
 * expired code is a field error, a code of another workspace's installation binds nothing there
 * (and stays usable), another workspace's page is not theirs, and a forged POST is refused.
 */
describe.runIf(runBrowserSuite)('a member’s My links page binds a chat account with the bot’s code', () => {
  let fx: ConsoleFixture;
  let slack: FakeSlack;
  let browser: Browser;
  let page: Page;
  let installationId: string;
  let otherInstallationId: string;

  const botLink = async (eventId: string, user: string): Promise<string> => {
    const posted = await postToHook(
      fx.hub,
      installationId,
      slackMessage({ eventId, user, text: 'hello bot' }),
    );
    expect(posted.status).toBe(200);
    return eventually(() => {
      const text = [...slack.messages.values()].map((m) => m.text ?? '').find((t) => t.includes('?token='));
      return text?.match(/(https?:\/\/\S+\?token=\S+)/)?.[1];
    });
  };
  const bindingsOf = async (userId: string) =>
    (await fx.hub.runtime.stores.bindings.listForWorkspace(fx.workspace.id)).filter(
      (b) => b.userId === userId,
    );

  beforeAll(async () => {
    slack = await startFakeSlack({ teamId: TEAM, botUserId: BOT, appId: APP });
    fx = await startConsoleFixture('pglite');
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
          signing_secret: SIGNING_SECRET,
          bot_token: 'xoxb-my-links',
          team_id: TEAM,
          app_id: APP,
          bot_user_id: BOT,
          api_base_url: slack.url,
        },
      },
    });
    expect(installed.status, installed.text).toBe(201);
    installationId = installed.body.id;

    // Another workspace, which mo is not in, with an installation of its own.
    const other = await fx.hub.seedWorkspace('globex');
    const otherAgent = await fx.hub.request('POST', '/api/v1/workspaces/globex/agents', {
      token: other.token,
      body: { name: 'globex-agent', deliveryUrl: 'http://127.0.0.1:9/deliver' },
    });
    const otherInstalled = await fx.hub.request('POST', '/api/v1/workspaces/globex/installations', {
      token: other.token,
      body: { agentId: otherAgent.body.id, channelType: 'echo', config: { signing_secret: 'echo-secret-1' } },
    });
    expect(otherInstalled.status, otherInstalled.text).toBe(201);
    otherInstallationId = otherInstalled.body.id;

    browser = await launchChromium();
    page = await (await newContext(browser)).newPage();
    await signIn(page, fx.hub.url, fx.member.username, PASSWORD);
  });
  afterAll(async () => {
    await browser?.close();
    await fx?.close();
    await slack?.close();
  });

  it('shows a wrong code beside the field, then binds with the link the bot sent', async () => {
    const link = await botLink('Ev0MYLINK1', MO_SLACK);
    await page.goto(`${fx.hub.url}/console/w/acme/me`);
    await expect(page.locator('main').textContent()).resolves.toContain('None yet');

    await page.getByLabel('One-time code from the bot').fill('sbl_not-a-code-the-bot-sent');
    await submit(page, 'Connect');
    const field = page.getByLabel('One-time code from the bot');
    await expect(field.getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.locator('#link-code-error').textContent()).resolves.toContain(
      'unknown, already used or expired',
    );
    await screenshot(page, 'my-links-wrong-code');
    await expectAccessible(page);
    expect(await bindingsOf(fx.member.userId)).toEqual([]);

    // The whole link pasted, as it arrived in Slack.
    await field.fill(link);
    await submit(page, 'Connect');
    await expect(page.getByRole('status').first().textContent()).resolves.toContain(
      'Your chat account is connected',
    );
    const table = page.getByRole('table', { name: 'Chat accounts bound to you' });
    await expect(table.textContent()).resolves.toContain(MO_SLACK);
    expect((await bindingsOf(fx.member.userId)).map((b) => b.channelUserId)).toEqual([MO_SLACK]);
    await screenshot(page, 'my-links-bound');
    await expectAccessible(page);

    // Single use: the same link again is refused.
    await page.getByLabel('One-time code from the bot').fill(link);
    await submit(page, 'Connect');
    await expect(page.locator('#link-code-error').textContent()).resolves.toContain('already used');
  });

  it('refuses an expired code with the same field error', async () => {
    const issued = await fx.hub.runtime.stores.bindingTokens.issue({
      installationId,
      channelType: 'slack',
      channelUserId: 'U0LATE0001',
    });
    if (issued.status !== 'issued') throw new Error('not issued');
    await fx.hub.runtime.database.prisma.$executeRaw`
      UPDATE channel_binding_token SET expires_at = now() - interval '1 minute'
      WHERE channel_user_id = 'U0LATE0001'`;
    await page.goto(`${fx.hub.url}/console/w/acme/me`);
    await page.getByLabel('One-time code from the bot').fill(issued.token);
    await submit(page, 'Connect');
    await expect(page.locator('#link-code-error').textContent()).resolves.toContain('expired');
    expect((await bindingsOf(fx.member.userId)).map((b) => b.channelUserId)).toEqual([MO_SLACK]);
  });

  it('never binds for another workspace: its code is refused here and stays usable there', async () => {
    const issued = await fx.hub.runtime.stores.bindingTokens.issue({
      installationId: otherInstallationId,
      channelType: 'echo',
      channelUserId: 'globex-person',
    });
    if (issued.status !== 'issued') throw new Error('not issued');
    await page.goto(`${fx.hub.url}/console/w/acme/me`);
    await page.getByLabel('One-time code from the bot').fill(issued.token);
    await submit(page, 'Connect');
    expect(page.url()).toContain('/console/w/acme/me/link');
    await expect(page.locator('#link-code-error').textContent()).resolves.toContain('another workspace');
    await screenshot(page, 'my-links-other-workspace-code');

    // The other workspace's pages are not mo's: the same 404 as a workspace that does not exist.
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const there = await page.request.post(`${fx.hub.url}/console/w/globex/me/link`, {
      form: { _csrf: csrf, code: issued.token },
      headers: { origin: fx.hub.url },
    });
    expect(there.status()).toBe(404);
    expect((await page.goto(`${fx.hub.url}/console/w/globex/me`))?.status()).toBe(404);
    const globex = await fx.hub.runtime.stores.workspaces.resolve('globex');
    const bindings = await fx.hub.runtime.stores.bindings.listForWorkspace(globex.id);
    expect(bindings).toEqual([]);

    // Not used up: a member of that workspace redeems it there.
    const person = await fx.hub.runtime.stores.users.create({ username: 'gus' });
    await fx.hub.runtime.stores.members.upsert(globex.id, person.id, 'member');
    const theirs = await fx.hub.runtime.stores.apiTokens.issue({ userId: person.id, workspaceId: globex.id });
    const redeemed = await fx.hub.request('POST', '/api/v1/workspaces/globex/binding-tokens/redeem', {
      token: theirs.token,
      body: { token: issued.token },
    });
    expect(redeemed.status, redeemed.text).toBe(200);
    expect(redeemed.body).toMatchObject({ workspaceId: globex.id, channelUserId: 'globex-person' });
  });

  it('refuses a forged cross-site POST and one without the CSRF token', async () => {
    const issued = await fx.hub.runtime.stores.bindingTokens.issue({
      installationId,
      channelType: 'slack',
      channelUserId: 'U0FORGED01',
    });
    if (issued.status !== 'issued') throw new Error('not issued');
    const noToken = await page.request.post(`${fx.hub.url}/console/w/acme/me/link`, {
      form: { code: issued.token },
      headers: { origin: fx.hub.url },
    });
    expect(noToken.status()).toBe(403);
    const csrf = await page
      .goto(`${fx.hub.url}/console/w/acme/me`)
      .then(() => page.locator('input[name="_csrf"]').first().inputValue());
    const crossSite = await page.request.post(`${fx.hub.url}/console/w/acme/me/link`, {
      form: { _csrf: csrf, code: issued.token },
      headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSite.status()).toBe(403);
    expect((await bindingsOf(fx.member.userId)).map((b) => b.channelUserId)).toEqual([MO_SLACK]);
  });
});

if (!runBrowserSuite) {
  describe('a member’s My links page binds a chat account with the bot’s code', () => {
    it.skip(NO_BROWSER_REASON, () => {});
  });
}
