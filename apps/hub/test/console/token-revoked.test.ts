import { randomBytes } from 'node:crypto';
import feishuPlugin, { encryptFeishuPayload, feishuSignature } from '@switchboard/feishu';
import slackPlugin from '@switchboard/slack';
import { echoPlugin } from '@switchboard/testkit';
import { type FakeFeishu, startFakeFeishu } from '@switchboard/testkit/fakes/feishu';
import { type FakeGithub, startFakeGithub } from '@switchboard/testkit/fakes/github';
import { type FakeSlack, startFakeSlack } from '@switchboard/testkit/fakes/slack';
import {
  type FakeWhatsApp,
  signWhatsAppBody,
  startFakeWhatsApp,
  waWebhookBody,
} from '@switchboard/testkit/fakes/whatsapp';
import whatsappPlugin from '@switchboard/whatsapp';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannelRegistry } from '../../src/channels/registry.js';
import { fastGithubInvitePlugin } from '../accounts/github-plugin.js';
import { APP_ID, APP_SECRET, BOT, feishuMessage, TENANT } from '../feishu/feishu-support.js';
import { eventually } from '../support/slack-scenario.js';
import {
  expectAccessible,
  launchChromium,
  newContext,
  runBrowserSuite,
  screenshot,
  signIn,
} from './browser.js';
import { type ConsoleFixture, PASSWORD, startConsoleFixture } from './console-fixture.js';

const FEISHU_ENCRYPT_KEY = 'feishu-encrypt-key-revoked';
const WHATSAPP = {
  app_id: '880099887766',
  waba_id: '102290129340111',
  access_token: 'EAAG-revoked-test-token',
  app_secret: 'whatsapp-app-secret-revoked',
  verify_token: 'whatsapp-verify-revoked',
  phone_number_id: '106540352249999',
};
const GITHUB_TOKEN = 'github_pat_revoked_test_1';

interface Problem {
  code: string;
  message: string;
  hint: string;
}

/**
 * An expired or revoked token on every platform, end to end: the fake platform answers the
 * platform's own refusal (Feishu 99991663 and 99991668, Graph error 190, Slack invalid_auth,
 * GitHub 401), and the health monitor's `token_revoked` appears, with its sentence and fix, in the
 * workspace status API and on the installation's console page.
 */
describe('token_revoked from each platform’s real refusal', () => {
  let fx: ConsoleFixture;
  let slack: FakeSlack;
  let feishu: FakeFeishu;
  let whatsapp: FakeWhatsApp;
  let github: FakeGithub;
  const githubTokens: Record<string, 'admin' | 'read'> = { [GITHUB_TOKEN]: 'admin' };
  let browser: Browser | undefined;
  let page: Page | undefined;
  const ids: Record<'slack' | 'feishu' | 'whatsapp' | 'github', string> = {
    slack: '',
    feishu: '',
    whatsapp: '',
    github: '',
  };

  const api = (method: string, path: string, body?: unknown) =>
    fx.hub.request(method, path, { token: fx.owner.token, ...(body !== undefined ? { body } : {}) });

  async function install(channelType: string, config: Record<string, unknown>, agent = true) {
    let agentId: string | undefined;
    if (agent) {
      const created = await api('POST', '/api/v1/workspaces/acme/agents', {
        name: `agent-${channelType}`,
        deliveryUrl: 'http://127.0.0.1:9/deliver',
      });
      expect(created.status, created.text).toBe(201);
      agentId = created.body.id;
    }
    const installed = await api('POST', '/api/v1/workspaces/acme/installations', {
      ...(agentId ? { agentId } : {}),
      channelType,
      config,
    });
    expect(installed.status, installed.text).toBe(201);
    return installed.body.id as string;
  }

  /** An agent's reply through the hub; the outbound worker sends it to the platform. */
  async function reply(installationId: string, chatId: string, key: string) {
    const accepted = await api('POST', `/api/v1/installations/${installationId}/messages`, {
      target: { chatId },
      text: 'an answer',
      idempotencyKey: key,
    });
    expect(accepted.status, accepted.text).toBe(202);
  }

  /** The installation's problems as `GET /workspaces/{ws}/status` lists them. */
  async function problemsOf(installationId: string): Promise<Problem[]> {
    const res = await api('GET', '/api/v1/workspaces/acme/status');
    expect(res.status, res.text).toBe(200);
    const item = (res.body.items as Array<{ id: string; runtime: { problems: Problem[] } }>).find(
      (i) => i.id === installationId,
    );
    return item?.runtime.problems ?? [];
  }

  async function tokenRevoked(installationId: string, why: RegExp): Promise<Problem> {
    const problem = await eventually(async () => {
      const found = (await problemsOf(installationId)).find((p) => p.code === 'token_revoked');
      return found && why.test(found.message) ? found : undefined;
    }, 20_000);
    expect(problem.hint).toMatch(/^create a new token or secret/);
    return problem;
  }

  /** The installation's console page shows the same problem, sentence and fix. */
  async function onConsolePage(installationId: string, problem: Problem, name: string) {
    if (!page) return;
    await page.goto(`${fx.hub.url}/console/w/acme/installations/${installationId}`);
    const shown = page.locator('#health [data-problem="token_revoked"]');
    await shown.waitFor({ timeout: 10_000 });
    await expect(shown.textContent()).resolves.toContain(problem.message);
    await expect(shown.locator('.hint').textContent()).resolves.toBe(`Fix: ${problem.hint}`);
    await screenshot(page, name);
  }

  beforeAll(async () => {
    slack = await startFakeSlack({ teamId: 'T0REVOKE1', botUserId: 'U0RBOT001', appId: 'A0REVOKE1' });
    feishu = await startFakeFeishu({
      appId: APP_ID,
      appSecret: APP_SECRET,
      tenantKey: TENANT,
      botOpenId: BOT,
    });
    whatsapp = await startFakeWhatsApp({
      accessToken: WHATSAPP.access_token,
      phoneNumbers: { [WHATSAPP.phone_number_id]: { displayPhoneNumber: '+49 30 7654321' } },
    });
    github = await startFakeGithub({
      org: { login: 'acme-revoked', plan: 'team' },
      tokens: githubTokens,
      users: [
        { login: 'rita', id: 301 },
        { login: 'sam', id: 302 },
      ],
    });
    fx = await startConsoleFixture('pglite', {
      registry: createChannelRegistry([
        { name: '@switchboard/slack', plugin: slackPlugin },
        { name: '@switchboard/feishu', plugin: feishuPlugin },
        { name: '@switchboard/whatsapp', plugin: whatsappPlugin },
        { name: '@switchboard/github-invite', plugin: fastGithubInvitePlugin },
        { name: '@switchboard/testkit/plugin', plugin: echoPlugin },
      ]),
      statusIntervalMs: 50,
      health: { intervalMs: 50 },
      // Open invitations are checked often here (production: every 10 minutes).
      accountReconcile: { intervalMs: 200 },
    });
    ids.slack = await install('slack', {
      signing_secret: 'slack-signing-secret-revoked',
      bot_token: 'xoxb-revoked-test',
      api_base_url: slack.url,
    });
    ids.feishu = await install('feishu', {
      app_id: APP_ID,
      app_secret: APP_SECRET,
      mode: 'webhook',
      encrypt_key: FEISHU_ENCRYPT_KEY,
      auto_provision: true,
      api_base_url: feishu.url,
    });
    ids.whatsapp = await install('whatsapp', { ...WHATSAPP, api_base_url: whatsapp.url });
    ids.github = await install(
      'github-invite',
      {
        org: 'acme-revoked',
        token: GITHUB_TOKEN,
        webhook_secret: 'gh-hook-secret',
        api_base_url: github.url,
      },
      false,
    );
    if (runBrowserSuite) {
      browser = await launchChromium();
      page = await (await newContext(browser)).newPage();
      await signIn(page, fx.hub.url, fx.owner.username, PASSWORD);
    }
  });
  afterAll(async () => {
    await browser?.close();
    await fx?.close();
    await Promise.all([slack?.close(), feishu?.close(), whatsapp?.close(), github?.close()]);
  });

  it('starts with no problem on any installation', async () => {
    for (const id of Object.values(ids)) expect(await problemsOf(id)).toEqual([]);
  });

  it('Feishu 99991663 (invalid tenant access token), cleared by the next accepted send', async () => {
    feishu.fail('/open-apis/im/v1/messages', {
      code: 99991663,
      msg: 'Invalid access token for authorization',
    });
    await reply(ids.feishu, 'oc_revoked_chat_1', 'feishu-revoked-1');
    const problem = await tokenRevoked(ids.feishu, /99991663/);
    expect(problem.message).toMatch(/^Feishu \/ Lark refused this installation's credentials/);
    await onConsolePage(ids.feishu, problem, 'token-revoked-feishu-99991663');
    if (page) await expectAccessible(page);

    await reply(ids.feishu, 'oc_revoked_chat_1', 'feishu-accepted-1');
    await eventually(async () => ((await problemsOf(ids.feishu)).length === 0 ? true : undefined), 20_000);
  });

  it('Feishu 99991668 on the directory lookup of a first-contact sender (an inbound webhook)', async () => {
    feishu.fail('/open-apis/contact/v3/users', { code: 99991668, msg: 'Invalid access token' });
    const body = JSON.stringify({
      encrypt: encryptFeishuPayload(
        JSON.stringify(feishuMessage({ eventId: 'ev_revoked_lookup_1', openId: 'ou_newcomer' })),
        FEISHU_ENCRYPT_KEY,
      ),
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(8).toString('hex');
    const posted = await fx.hub.request('POST', `/hooks/${ids.feishu}`, {
      raw: body,
      headers: {
        'x-lark-request-timestamp': timestamp,
        'x-lark-request-nonce': nonce,
        'x-lark-signature': feishuSignature(
          timestamp,
          nonce,
          FEISHU_ENCRYPT_KEY,
          new TextEncoder().encode(body),
        ),
      },
    });
    expect(posted.status, posted.text).toBe(200);
    const problem = await tokenRevoked(ids.feishu, /99991668/);
    await onConsolePage(ids.feishu, problem, 'token-revoked-feishu-99991668');
  });

  it('WhatsApp Graph error 190 (expired or revoked system-user token)', async () => {
    whatsapp.failNextSend({
      status: 401,
      code: 190,
      message: 'Error validating access token: Session has expired on Tuesday, 01-Dec-26 10:00:00 PST.',
    });
    await reply(ids.whatsapp, '4915123456700', 'wa-revoked-1');
    const problem = await tokenRevoked(ids.whatsapp, /\b190\b/);
    expect(problem.message).toMatch(/^WhatsApp/);
    await onConsolePage(ids.whatsapp, problem, 'token-revoked-whatsapp-190');
  });

  it('WhatsApp Graph error 190 on a media download the agent asks for', async () => {
    // An accepted send first: the earlier refusal is over.
    await reply(ids.whatsapp, '4915123456700', 'wa-accepted-1');
    await eventually(async () => ((await problemsOf(ids.whatsapp)).length === 0 ? true : undefined), 20_000);
    whatsapp.addMedia('1480000000099', { bytes: new Uint8Array([0xff, 0xd8, 0xff]), mimeType: 'image/jpeg' });
    const body = waWebhookBody(
      [
        {
          phoneNumberId: WHATSAPP.phone_number_id,
          messages: [
            {
              id: 'wamid.revoked-media-1',
              raw: {
                from: '4915123456700',
                id: 'wamid.revoked-media-1',
                timestamp: String(Math.floor(Date.now() / 1000)),
                type: 'image',
                image: { id: '1480000000099', mime_type: 'image/jpeg', sha256: 'x' },
              },
            },
          ],
        },
      ],
      WHATSAPP.waba_id,
    );
    const posted = await fx.hub.request('POST', `/hooks/app/whatsapp/${WHATSAPP.app_id}`, {
      raw: body,
      headers: signWhatsAppBody(WHATSAPP.app_secret, body),
    });
    expect(posted.status, posted.text).toBe(200);
    const recorded = await eventually(() =>
      fx.hub.runtime.database.prisma.channelInboundMessageDedup
        .findFirst({ where: { installationId: ids.whatsapp }, orderBy: { firstSeenAt: 'desc' } })
        .then((row) => row ?? undefined),
    );
    // The sender is not bound: the hub answers with a binding link. Once that is sent, nothing
    // else of this event calls Meta, so the refusal below comes from the media download alone.
    await eventually(() =>
      [...whatsapp.messages.values()].some((m) => JSON.stringify(m.body).includes('token='))
        ? true
        : undefined,
    );
    await eventually(async () => {
      const row = await fx.hub.runtime.database.prisma.channelInboundMessageDedup.findFirst({
        where: { id: recorded.id },
      });
      return row?.state === 'done' ? true : undefined;
    });
    whatsapp.expireToken();
    const media = await api(
      'GET',
      `/api/v1/installations/${ids.whatsapp}/deliveries/${recorded.deliveryId}/media/0`,
    );
    expect(media.status, media.text).toBe(502);
    const problem = await tokenRevoked(ids.whatsapp, /\b190\b/);
    await onConsolePage(ids.whatsapp, problem, 'token-revoked-whatsapp-190-media');
  });

  it('Slack invalid_auth', async () => {
    slack.failNext('chat.postMessage', { ok: false, error: 'invalid_auth' });
    await reply(ids.slack, 'C0REVOKED1', 'slack-revoked-1');
    const problem = await tokenRevoked(ids.slack, /invalid_auth/);
    expect(problem.message).toMatch(/^Slack refused/);
    await onConsolePage(ids.slack, problem, 'token-revoked-slack-invalid-auth');
  });

  it('GitHub 401 Bad credentials when the org owner revoked the token', async () => {
    delete githubTokens[GITHUB_TOKEN];
    const person = await fx.hub.runtime.stores.users.create({ username: 'rita' });
    await fx.hub.runtime.stores.members.upsert(fx.workspace.id, person.id, 'member');
    const asked = await api('POST', `/api/v1/workspaces/acme/members/${person.id}/accounts`, {
      installationId: ids.github,
      login: 'rita',
    });
    expect(asked.status, asked.text).toBeLessThan(500);
    const problem = await tokenRevoked(
      ids.github,
      // The first call for a username reads the user, so that is the one GitHub refuses.
      /reading the user rita: GitHub rejected the token: Bad credentials/,
    );
    expect(problem.message).toMatch(/^GitHub/);
    await onConsolePage(ids.github, problem, 'token-revoked-github-401');
    if (page) await expectAccessible(page);
    // The token never reaches the status API or the page.
    const status = await api('GET', '/api/v1/workspaces/acme/status');
    expect(status.text).not.toContain(GITHUB_TOKEN);
    if (page) expect(await page.content()).not.toContain(GITHUB_TOKEN);
  });

  it('GitHub 401 on the scheduled check of an open invitation', async () => {
    // A new token works again: an invitation goes out and the problem clears.
    githubTokens[GITHUB_TOKEN] = 'admin';
    const person = await fx.hub.runtime.stores.users.create({ username: 'sam' });
    await fx.hub.runtime.stores.members.upsert(fx.workspace.id, person.id, 'member');
    const asked = await api('POST', `/api/v1/workspaces/acme/members/${person.id}/accounts`, {
      installationId: ids.github,
      login: 'sam',
    });
    expect(asked.status, asked.text).toBeLessThan(300);
    expect(github.invitations.map((i) => i.login)).toContain('sam');
    await eventually(async () => ((await problemsOf(ids.github)).length === 0 ? true : undefined), 20_000);
    // Revoked while the invitation is open: nothing is asked of GitHub but the reconcile pass.
    delete githubTokens[GITHUB_TOKEN];
    const problem = await tokenRevoked(ids.github, /checking invitations: GitHub rejected the token/);
    await onConsolePage(ids.github, problem, 'token-revoked-github-401-reconcile');
  });
});
